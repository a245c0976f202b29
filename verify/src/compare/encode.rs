//! The encoding of "a statement's resource part and condition hold" over symbolic requests
//! (crate docs, "Comparing policies"): one string for the resource, value slots for the
//! context keys, one string per declared unknown, and a fresh Boolean for every construct
//! that is read but not modelled.

use std::collections::{BTreeMap, HashMap};

use z3::ast::{Ast, Bool, Int, Regexp, String as Str, BV};

use super::condition::{ArnValue, Base, Cmp, Cond, Family, Operator, SetOp, Values};
use super::document::Stmt;
use super::patterns::{arn_head, ground, items, Item, Mode};
use super::rx::{Class, Classes, Rx, Tok, Trie};
use super::text::{Piece, Text};
use super::universe::{plain_value, Kind, Universe};
use super::values::{date_bounds, mask4, mask6, Cidr, Decimal};

/// A request value of one slot, by the type its key is read as.
pub(crate) enum Val<'c> {
    Text(Str<'c>),
    Number { ok: Bool<'c>, scaled: Int<'c> },
    Date { ok: Bool<'c>, ms: Int<'c> },
    Ip { v4: Bool<'c>, v6: Bool<'c>, a4: BV<'c>, a6: BV<'c> },
    /// Index of the `BinaryEquals` constant the value decodes to; the number of constants
    /// for "something else".
    Binary(Int<'c>),
    /// Only `Null` reads the key.
    Presence,
}

pub(crate) struct Slot<'c> {
    pub present: Bool<'c>,
    pub val: Val<'c>,
}

/// The encoding of one comparison's requests.
pub(crate) struct Encoder<'c, 'u> {
    ctx: &'c z3::Context,
    pub uni: &'u Universe,
    classes: Classes<'c>,
    pub resource: Str<'c>,
    /// The slots of each key (one for a single-valued key).
    pub keys: BTreeMap<String, Vec<Slot<'c>>>,
    pub unknowns: BTreeMap<String, Str<'c>>,
    /// Fresh Booleans standing for constructs that are not modelled, with the reason.
    pub opaque: Vec<(Bool<'c>, String)>,
    opaque_ids: HashMap<String, usize>,
    /// Constraints that hold of every request: value domains and the definitions of the
    /// auxiliary strings.
    pub defs: Vec<Bool<'c>>,
    bodies: HashMap<String, Bool<'c>>,
    regexes: HashMap<Rx, Regexp<'c>>,
    fresh: usize,
    /// "String `var` is in the language": the atoms decided in Rust ([`super::strings`]).
    pub atoms: Vec<StrAtom<'c>>,
    atom_ids: HashMap<(String, Vec<Vec<Tok>>), usize>,
    /// "Strings `a` and `b` are equal", decided in Rust with the atoms.
    pub equalities: Vec<EqAtom<'c>>,
    eq_ids: HashMap<(String, String), usize>,
    /// Declared unknowns decided in Rust (only ever compared for equality).
    pub free_unknowns: std::collections::BTreeSet<String>,
}

/// An equality of two strings decided in Rust.
pub(crate) struct EqAtom<'c> {
    pub a: String,
    pub b: String,
    pub holds: Bool<'c>,
}

/// A membership of a string decided in Rust: the variable (`resource` or `key#slot`), the
/// language (a union of globs) and the Boolean standing for it.
pub(crate) struct StrAtom<'c> {
    pub var: String,
    pub language: Vec<Vec<Tok>>,
    pub holds: Bool<'c>,
}

/// The string a comparison is about: decided in Rust through atoms (`Free`), or given to
/// Z3 (`Linked`: it takes part in a policy variable's text, or is an auxiliary string).
#[derive(Clone)]
pub(crate) enum Subject<'c> {
    Free(String),
    Linked(Str<'c>),
}

/// A string constant of text already in the solver's alphabet (the comparison does not
/// encode when the alphabet lacks placeholders, so no NUL reaches here; one would be
/// dropped rather than mis-read).
fn lit<'c>(ctx: &'c z3::Context, text: &str) -> Str<'c> {
    let clean: String = text.chars().filter(|&c| c != '\0').collect();
    match Str::from_str(ctx, &clean) {
        Ok(s) => s,
        Err(_) => Str::fresh_const(ctx, "unreadable"),
    }
}

fn and<'c>(ctx: &'c z3::Context, parts: &[Bool<'c>]) -> Bool<'c> {
    match parts {
        [] => Bool::from_bool(ctx, true),
        [one] => one.clone(),
        _ => Bool::and(ctx, &parts.iter().collect::<Vec<_>>()),
    }
}

fn or<'c>(ctx: &'c z3::Context, parts: &[Bool<'c>]) -> Bool<'c> {
    match parts {
        [] => Bool::from_bool(ctx, false),
        [one] => one.clone(),
        _ => Bool::or(ctx, &parts.iter().collect::<Vec<_>>()),
    }
}

impl<'c, 'u> Encoder<'c, 'u> {
    pub fn new(ctx: &'c z3::Context, uni: &'u Universe) -> Encoder<'c, 'u> {
        Encoder {
            ctx,
            uni,
            classes: Classes::new(ctx),
            resource: Str::new_const(ctx, "resource"),
            keys: BTreeMap::new(),
            unknowns: BTreeMap::new(),
            opaque: Vec::new(),
            opaque_ids: HashMap::new(),
            defs: Vec::new(),
            bodies: HashMap::new(),
            regexes: HashMap::new(),
            fresh: 0,
            atoms: Vec::new(),
            atom_ids: HashMap::new(),
            equalities: Vec::new(),
            eq_ids: HashMap::new(),
            free_unknowns: std::collections::BTreeSet::new(),
        }
    }

    /// The Boolean "strings `a` and `b` (atom variables) are equal".
    fn equal(&mut self, a: &str, b: &str) -> Bool<'c> {
        if a == b {
            return self.t();
        }
        let key = if a < b {
            (a.to_string(), b.to_string())
        } else {
            (b.to_string(), a.to_string())
        };
        if let Some(&i) = self.eq_ids.get(&key) {
            return self.equalities[i].holds.clone();
        }
        let name = self.name(&format!("eq:{}={}", key.0, key.1));
        let holds = Bool::new_const(self.ctx, name);
        self.eq_ids.insert(key.clone(), self.equalities.len());
        self.equalities.push(EqAtom {
            a: key.0,
            b: key.1,
            holds: holds.clone(),
        });
        holds
    }

    /// A free subject compared with a text that is one variable or unknown alone.
    fn free_equal(&mut self, id: &str, piece: &Piece) -> Bool<'c> {
        match piece {
            Piece::Unknown(n) => {
                self.free_unknowns.insert(n.clone());
                self.equal(id, &format!("unknown:{n}"))
            }
            Piece::Var(v) => {
                let present = match self.slots(&v.key).and_then(|s| s.first()) {
                    Some(slot) => slot.present.clone(),
                    None => return self.f(),
                };
                let other = format!("{}#0", v.key);
                let same = self.equal(id, &other);
                match &v.default {
                    None => Bool::and(self.ctx, &[&present, &same]),
                    Some(d) => {
                        let toks: Vec<Tok> =
                            self.uni.alphabet.encode(d).chars().map(Tok::Char).collect();
                        let subject = Subject::Free(id.to_string());
                        let fallback = self.member(&subject, &[toks]);
                        present.ite(&same, &fallback)
                    }
                }
            }
            _ => self.f(),
        }
    }

    /// The subject of the resource.
    fn resource_subject(&self) -> Subject<'c> {
        if self.uni.is_linked(&Universe::string_name(None)) {
            Subject::Linked(self.resource.clone())
        } else {
            Subject::Free("resource".to_string())
        }
    }

    /// The subject of a text value of `key`'s slot `i`.
    fn slot_subject(&self, key: &str, i: usize, s: &Str<'c>) -> Subject<'c> {
        if self.uni.is_linked(&Universe::string_name(Some(key))) {
            Subject::Linked(s.clone())
        } else {
            Subject::Free(format!("{key}#{i}"))
        }
    }

    pub fn ctx(&self) -> &'c z3::Context {
        self.ctx
    }

    pub fn classes(&self) -> &Classes<'c> {
        &self.classes
    }

    fn t(&self) -> Bool<'c> {
        Bool::from_bool(self.ctx, true)
    }

    fn f(&self) -> Bool<'c> {
        Bool::from_bool(self.ctx, false)
    }

    fn name(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}!{}", self.fresh)
    }

    /// The Boolean standing for the unmodelled construct `canonical`.
    fn opaque(&mut self, canonical: &str, reason: String) -> Bool<'c> {
        if let Some(&i) = self.opaque_ids.get(canonical) {
            return self.opaque[i].0.clone();
        }
        let name = self.name("opaque");
        let b = Bool::new_const(self.ctx, name);
        self.opaque_ids.insert(canonical.to_string(), self.opaque.len());
        self.opaque.push((b.clone(), reason));
        b
    }

    fn literal(&self, text: &str) -> Str<'c> {
        lit(self.ctx, &self.uni.alphabet.encode(text))
    }

    fn regex(&mut self, rx: &Rx) -> Regexp<'c> {
        if let Some(r) = self.regexes.get(rx) {
            return r.clone();
        }
        let r = self.classes.to_z3(self.ctx, rx);
        self.regexes.insert(rx.clone(), r.clone());
        r
    }

    fn member(&mut self, subject: &Subject<'c>, tokens: &[Vec<Tok>]) -> Bool<'c> {
        let s = match subject {
            Subject::Linked(s) => s,
            Subject::Free(var) => {
                let mut language: Vec<Vec<Tok>> = tokens.to_vec();
                language.sort();
                language.dedup();
                if language.iter().any(|t| t.as_slice() == [Tok::Star(Class::Any)]) {
                    return self.t();
                }
                if language.is_empty() {
                    return self.f();
                }
                let key = (var.clone(), language);
                if let Some(&i) = self.atom_ids.get(&key) {
                    return self.atoms[i].holds.clone();
                }
                let name = self.name(&format!("in:{var}"));
                let holds = Bool::new_const(self.ctx, name);
                self.atom_ids.insert(key.clone(), self.atoms.len());
                self.atoms.push(StrAtom {
                    var: key.0,
                    language: key.1,
                    holds: holds.clone(),
                });
                return holds;
            }
        };
        let mut trie = Trie::default();
        for t in tokens {
            trie.add(t);
        }
        let rx = trie.build();
        match rx {
            Rx::Empty => self.f(),
            Rx::Tok(Tok::Star(Class::Any)) => self.t(),
            Rx::Lit(ref l) => s._eq(&lit(self.ctx, l)),
            _ => {
                let re = self.regex(&rx);
                s.regex_matches(&re)
            }
        }
    }

    /// The slots of `key`, made on first use.
    fn slots(&mut self, key: &str) -> Option<&Vec<Slot<'c>>> {
        if !self.keys.contains_key(key) {
            let info = self.uni.keys.get(key)?;
            let count = match info.kind {
                Kind::Single => 1,
                Kind::Multi => info.slots,
            };
            let mut slots = Vec::with_capacity(count);
            for i in 0..count {
                let base = format!("{key}#{i}");
                let present = Bool::new_const(self.ctx, format!("{base}?"));
                let val = match info.family {
                    None => Val::Presence,
                    Some(Family::Text) => Val::Text(Str::new_const(self.ctx, base)),
                    Some(Family::Number) => {
                        let ok = Bool::new_const(self.ctx, format!("{base}.ok"));
                        let scaled = Int::new_const(self.ctx, base);
                        Val::Number { ok, scaled }
                    }
                    Some(Family::Date) => {
                        let ok = Bool::new_const(self.ctx, format!("{base}.ok"));
                        let ms = Int::new_const(self.ctx, base);
                        // the instants a date text can name (values::parse_date)
                        let (lo, hi) = date_bounds();
                        let lo = Int::from_i64(self.ctx, lo);
                        let hi = Int::from_i64(self.ctx, hi);
                        let whole = ms
                            .modulo(&Int::from_i64(self.ctx, 1000))
                            ._eq(&Int::from_i64(self.ctx, 0));
                        // and every whole second the reader's i64 milliseconds hold
                        let in_i64 = Bool::and(
                            self.ctx,
                            &[
                                &ms.ge(&Int::from_i64(self.ctx, i64::MIN / 1000 * 1000)),
                                &ms.le(&Int::from_i64(self.ctx, i64::MAX / 1000 * 1000)),
                            ],
                        );
                        self.defs.push(Bool::or(
                            self.ctx,
                            &[
                                &Bool::and(self.ctx, &[&ms.ge(&lo), &ms.le(&hi)]),
                                &Bool::and(self.ctx, &[&whole, &in_i64]),
                            ],
                        ));
                        Val::Date { ok, ms }
                    }
                    Some(Family::Ip) => {
                        let v4 = Bool::new_const(self.ctx, format!("{base}.v4"));
                        let v6 = Bool::new_const(self.ctx, format!("{base}.v6"));
                        self.defs.push(Bool::and(self.ctx, &[&v4, &v6]).not());
                        Val::Ip {
                            a4: BV::new_const(self.ctx, format!("{base}.a4"), 32),
                            a6: BV::new_const(self.ctx, format!("{base}.a6"), 128),
                            v4,
                            v6,
                        }
                    }
                    Some(Family::Binary) => {
                        let sel = Int::new_const(self.ctx, base);
                        let n = i64::try_from(info.binaries.len()).unwrap_or(i64::MAX);
                        self.defs.push(Bool::and(
                            self.ctx,
                            &[
                                &sel.ge(&Int::from_i64(self.ctx, 0)),
                                &sel.le(&Int::from_i64(self.ctx, n)),
                            ],
                        ));
                        Val::Binary(sel)
                    }
                };
                slots.push(Slot { present, val });
            }
            self.keys.insert(key.to_string(), slots);
        }
        self.keys.get(key)
    }

    fn unknown(&mut self, name: &str) -> Str<'c> {
        if let Some(s) = self.unknowns.get(name) {
            return s.clone();
        }
        let s = Str::new_const(self.ctx, format!("unknown:{name}"));
        self.unknowns.insert(name.to_string(), s.clone());
        s
    }

    /// Why a text cannot be encoded (a variable of a key that is not modelled), if so.
    fn text_unmodelled(&self, pieces: &[Piece]) -> Option<String> {
        pieces.iter().find_map(|p| match p {
            Piece::Var(v) => self
                .uni
                .keys
                .get(&v.key)
                .and_then(|k| k.unmodelled.clone()),
            _ => None,
        })
    }

    /// The string a value piece stands for and when it has one.
    fn value_term(&mut self, piece: &Piece) -> (Str<'c>, Bool<'c>) {
        match piece {
            Piece::Text(t) => (self.literal(t), self.t()),
            Piece::Char(c) => (self.literal(&c.to_string()), self.t()),
            Piece::Unknown(n) => (self.unknown(n), self.t()),
            Piece::Var(v) => {
                let slot = self
                    .slots(&v.key)
                    .and_then(|s| s.first())
                    .and_then(|s| match &s.val {
                        Val::Text(x) => Some((s.present.clone(), x.clone())),
                        _ => None,
                    });
                let Some((present, value)) = slot else {
                    return (self.literal(""), self.f());
                };
                match &v.default {
                    None => (value, present),
                    Some(d) => (present.ite(&value, &self.literal(d)), self.t()),
                }
            }
        }
    }

    /// The concatenation of the items (all characters or values) and when it is defined.
    fn concat(&mut self, items: &[Item]) -> (Str<'c>, Bool<'c>) {
        let mut parts: Vec<Str<'c>> = Vec::new();
        let mut defined = Vec::new();
        let mut text = String::new();
        for item in items {
            match item {
                Item::Tok(Tok::Char(c)) => text.push(*c),
                Item::Value(p) => {
                    if !text.is_empty() {
                        parts.push(lit(self.ctx, &text));
                        text.clear();
                    }
                    let (term, def) = self.value_term(p);
                    parts.push(term);
                    defined.push(def);
                }
                // callers pass only characters and values
                _ => {}
            }
        }
        if !text.is_empty() || parts.is_empty() {
            parts.push(lit(self.ctx, &text));
        }
        let term = if parts.len() == 1 {
            parts.swap_remove(0)
        } else {
            Str::concat(self.ctx, &parts.iter().collect::<Vec<_>>())
        };
        (term, and(self.ctx, &defined))
    }

    fn fresh_string(&mut self, prefix: &str) -> Str<'c> {
        let name = self.name(prefix);
        Str::new_const(self.ctx, name)
    }

    /// `s` matches the pattern `items` that holds values: exact when everything before the
    /// last value is literal (a prefix of known text) or everything after the first value
    /// is (a suffix), with the rest matched by an auxiliary string that the definitions
    /// fix (so the encoding may be negated); otherwise `Err` naming the pattern.
    fn sym_glob(&mut self, s: &Str<'c>, items: &[Item], raw: &str) -> Result<Bool<'c>, String> {
        let values: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i, Item::Value(_)))
            .map(|(n, _)| n)
            .collect();
        let (Some(&first), Some(&last)) = (values.first(), values.last()) else {
            return Err(format!("`{raw}` holds no value"));
        };
        let plain = |part: &[Item]| {
            part.iter()
                .all(|i| matches!(i, Item::Tok(Tok::Char(_)) | Item::Value(_)))
        };
        if plain(&items[..last]) {
            let (head, defined) = self.concat(&items[..=last]);
            let tail = &items[last + 1..];
            let matched = if tail.iter().all(|i| matches!(i, Item::Tok(Tok::Char(_)))) {
                let (rest, _) = self.concat(tail);
                s._eq(&Str::concat(self.ctx, &[&head, &rest]))
            } else if tail == [Item::Tok(Tok::Star(Class::Any))] {
                head.prefix(s)
            } else {
                let x = self.fresh_string("tail");
                let toks = ground(tail).ok_or_else(|| format!("`{raw}`: a wildcard before a value"))?;
                self.defs.push(
                    head.prefix(s)
                        .implies(&s._eq(&Str::concat(self.ctx, &[&head, &x]))),
                );
                let inside = self.member(&Subject::Linked(x.clone()), &[toks]);
                Bool::and(self.ctx, &[&head.prefix(s), &inside])
            };
            return Ok(Bool::and(self.ctx, &[&matched, &defined]));
        }
        if plain(&items[first..]) {
            let (tail, defined) = self.concat(&items[first..]);
            let lead = &items[..first];
            let matched = if lead == [Item::Tok(Tok::Star(Class::Any))] {
                tail.suffix(s)
            } else {
                let x = self.fresh_string("lead");
                self.defs.push(
                    tail.suffix(s)
                        .implies(&s._eq(&Str::concat(self.ctx, &[&x, &tail]))),
                );
                let with = |class: Class| -> Option<Vec<Tok>> {
                    lead.iter()
                        .map(|i| match i {
                            Item::Tok(t) => Some(*t),
                            Item::StarThen => Some(Tok::Star(class)),
                            Item::Value(_) => None,
                        })
                        .collect()
                };
                let (Some(crossing), Some(inside)) = (with(Class::Any), with(Class::NoColon)) else {
                    return Err(format!("`{raw}`: a value inside the leading wildcards"));
                };
                let inside_member = if lead.last() == Some(&Item::StarThen) {
                    let colon = lit(self.ctx, ":");
                    let x = Subject::Linked(x.clone());
                    let a = self.member(&x, &[crossing]);
                    let b = self.member(&x, &[inside]);
                    colon.prefix(&tail).ite(&a, &b)
                } else {
                    self.member(&Subject::Linked(x.clone()), &[inside])
                };
                Bool::and(self.ctx, &[&tail.suffix(s), &inside_member])
            };
            return Ok(Bool::and(self.ctx, &[&matched, &defined]));
        }
        Err(format!(
            "`{raw}`: wildcards both before and after policy variables or unknowns"
        ))
    }

    /// `s` matches one of `texts` read in `mode` (ground ones as one trie, the others one
    /// by one); a text the encoding cannot express is an opaque Boolean.
    fn texts(&mut self, subject: &Subject<'c>, texts: &[&Text], mode: Mode, context: &str) -> Bool<'c> {
        let mut ground_toks = Vec::new();
        let mut parts = Vec::new();
        for text in texts {
            if let Some(reason) = self.text_unmodelled(&text.pieces) {
                parts.push(self.opaque(&format!("{context}\u{1}{}", text.raw), reason));
                continue;
            }
            let its = items(&text.pieces, mode, &self.uni.alphabet);
            match (ground(&its), subject) {
                (Some(toks), _) => ground_toks.push(toks),
                (None, Subject::Free(id))
                    if matches!(mode, Mode::Exact | Mode::Like) && plain_value(text).is_some() =>
                {
                    let id = id.clone();
                    parts.push(self.free_equal(&id, &text.pieces[0]));
                }
                (None, Subject::Linked(s)) => match self.sym_glob(s, &its, &text.raw) {
                    Ok(b) => parts.push(b),
                    Err(reason) => {
                        parts.push(self.opaque(&format!("{context}\u{1}{}", text.raw), reason))
                    }
                },
                // a text with values makes its subject linked (Universe): not reached
                (None, Subject::Free(_)) => parts.push(self.opaque(
                    &format!("{context}\u{1}{}", text.raw),
                    format!("`{}`: a policy variable the encoding did not link", text.raw),
                )),
            }
        }
        if !ground_toks.is_empty() {
            parts.push(self.member(subject, &ground_toks));
        }
        or(self.ctx, &parts)
    }

    /// The resource part and condition of `stmt`, cached by its body key.
    pub fn body(&mut self, stmt: &Stmt, key: &str) -> Bool<'c> {
        if let Some(b) = self.bodies.get(key) {
            return b.clone();
        }
        let context = if stmt.v2012 { "res2012" } else { "res2008" };
        let resources: Vec<&Text> = stmt.resources.iter().collect();
        let r = self.resource_subject();
        let mut matched = self.texts(&r, &resources, Mode::Resource, context);
        if stmt.not_resource {
            matched = matched.not();
        }
        let mut parts = vec![matched];
        for cond in &stmt.conditions {
            parts.push(self.condition(cond));
        }
        let b = and(self.ctx, &parts);
        self.bodies.insert(key.to_string(), b.clone());
        b
    }

    fn condition(&mut self, cond: &Cond) -> Bool<'c> {
        let (op, values) = match &cond.body {
            Err(reason) => return self.opaque(&cond.canonical, reason.clone()),
            Ok(body) => body,
        };
        let Some(info) = self.uni.keys.get(&cond.key) else {
            return self.opaque(&cond.canonical, format!("key `{}` unknown", cond.key));
        };
        if let Some(reason) = info.unmodelled.clone() {
            return self.opaque(&cond.canonical, reason);
        }
        let kind = info.kind;
        let mut pieces_unmodelled = None;
        if let Values::Text(ts) = values {
            pieces_unmodelled = ts.iter().find_map(|t| self.text_unmodelled(&t.pieces));
        }
        if let Values::Arn(arns) = values {
            pieces_unmodelled = arns.iter().find_map(|a| self.text_unmodelled(&a.tail));
        }
        if let Some(reason) = pieces_unmodelled {
            return self.opaque(&cond.canonical, reason);
        }
        let Some(slots) = self.slots(&cond.key) else {
            return self.opaque(&cond.canonical, format!("key `{}` unknown", cond.key));
        };
        let slots: Vec<(Bool<'c>, usize)> = slots
            .iter()
            .enumerate()
            .map(|(i, s)| (s.present.clone(), i))
            .collect();
        if let Values::Null(flags) = values {
            let present = or(self.ctx, &slots.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>());
            let parts: Vec<Bool<'c>> = flags
                .iter()
                .map(|&absent| if absent { present.not() } else { present.clone() })
                .collect();
            return or(self.ctx, &parts);
        }
        let sat = |enc: &mut Self, i: usize| -> Bool<'c> {
            let any = enc.any(&cond.key, i, op, values, &cond.canonical);
            if op.negated {
                any.not()
            } else {
                any
            }
        };
        match (kind, op.set) {
            (Kind::Single, None) => {
                let (present, i) = slots[0].clone();
                let held = sat(self, i);
                let absent = Bool::from_bool(self.ctx, op.if_exists || op.negated);
                present.ite(&held, &absent)
            }
            (Kind::Multi, Some(SetOp::Any)) => {
                let mut parts = Vec::new();
                for (present, i) in &slots {
                    let held = sat(self, *i);
                    parts.push(Bool::and(self.ctx, &[present, &held]));
                }
                if op.if_exists {
                    let none: Vec<Bool<'c>> = slots.iter().map(|(p, _)| p.not()).collect();
                    parts.push(and(self.ctx, &none));
                }
                or(self.ctx, &parts)
            }
            (Kind::Multi, Some(SetOp::All)) => {
                let mut parts = Vec::new();
                for (present, i) in &slots {
                    let held = sat(self, *i);
                    parts.push(present.implies(&held));
                }
                and(self.ctx, &parts)
            }
            // a key's kind comes from its operators: these cannot happen
            _ => self.opaque(
                &cond.canonical,
                format!("`{}` on key `{}` of the other kind", cond.operator, cond.key_written),
            ),
        }
    }

    /// Some policy value compares true with the value of `key`'s slot `i` (the positive
    /// comparison of the operator).
    fn any(&mut self, key: &str, i: usize, op: &Operator, values: &Values, canonical: &str) -> Bool<'c> {
        let val = match self.keys.get(key).and_then(|s| s.get(i)) {
            Some(slot) => match &slot.val {
                Val::Text(s) => Val::Text(s.clone()),
                Val::Number { ok, scaled } => Val::Number {
                    ok: ok.clone(),
                    scaled: scaled.clone(),
                },
                Val::Date { ok, ms } => Val::Date {
                    ok: ok.clone(),
                    ms: ms.clone(),
                },
                Val::Ip { v4, v6, a4, a6 } => Val::Ip {
                    v4: v4.clone(),
                    v6: v6.clone(),
                    a4: a4.clone(),
                    a6: a6.clone(),
                },
                Val::Binary(s) => Val::Binary(s.clone()),
                Val::Presence => Val::Presence,
            },
            None => Val::Presence,
        };
        let ctx = self.ctx;
        match (&val, values) {
            (Val::Text(s), Values::Text(texts)) => {
                let mode = match op.base {
                    Base::StringLike => Mode::Like,
                    Base::StringEqualsIgnoreCase => Mode::Fold,
                    _ => Mode::Exact,
                };
                let refs: Vec<&Text> = texts.iter().collect();
                let subject = self.slot_subject(key, i, s);
                if mode == Mode::Exact && matches!(subject, Subject::Linked(_)) {
                    // ground values as equalities (Z3 reasons about them directly)
                    let mut parts = Vec::new();
                    for t in &refs {
                        let its = items(&t.pieces, Mode::Exact, &self.uni.alphabet);
                        let (term, defined) = self.concat(&its);
                        parts.push(Bool::and(ctx, &[&s._eq(&term), &defined]));
                    }
                    return or(ctx, &parts);
                }
                self.texts(&subject, &refs, mode, canonical)
            }
            (Val::Text(s), Values::Bool(flags)) => {
                let subject = self.slot_subject(key, i, s);
                let toks: Vec<Vec<Tok>> = flags
                    .iter()
                    .map(|&b| {
                        let word = if b { "true" } else { "false" };
                        word.chars().map(Tok::Fold).collect()
                    })
                    .collect();
                self.member(&subject, &toks)
            }
            (Val::Text(s), Values::Arn(arns)) => {
                let subject = self.slot_subject(key, i, s);
                let mut parts = Vec::new();
                let mut ground_toks = Vec::new();
                for a in arns {
                    match self.arn(&subject, a, canonical) {
                        Ok(b) => parts.push(b),
                        Err(toks) => ground_toks.push(toks),
                    }
                }
                if !ground_toks.is_empty() {
                    parts.push(self.member(&subject, &ground_toks));
                }
                or(ctx, &parts)
            }
            (Val::Number { ok, scaled }, Values::Number(ds)) => {
                let scale = self.uni.scale;
                let parts: Vec<Bool<'c>> = ds
                    .iter()
                    .map(|d| {
                        let c = Int::from_str(ctx, &d.scaled(scale)).unwrap_or_else(|| Int::from_i64(ctx, 0));
                        Bool::and(ctx, &[ok, &compare_int(scaled, op_cmp(op), &c)])
                    })
                    .collect();
                or(ctx, &parts)
            }
            (Val::Date { ok, ms }, Values::Date(ts)) => {
                let parts: Vec<Bool<'c>> = ts
                    .iter()
                    .map(|&t| Bool::and(ctx, &[ok, &compare_int(ms, op_cmp(op), &Int::from_i64(ctx, t))]))
                    .collect();
                or(ctx, &parts)
            }
            (Val::Ip { v4, v6, a4, a6 }, Values::Ip(cidrs)) => {
                let parts: Vec<Bool<'c>> = cidrs
                    .iter()
                    .map(|c| match *c {
                        Cidr::V4 { net, len } => {
                            if len == 0 {
                                v4.clone()
                            } else {
                                let want = BV::from_u64(ctx, u64::from((net & mask4(len)) >> (32 - len)), len);
                                Bool::and(ctx, &[v4, &a4.extract(31, 32 - len)._eq(&want)])
                            }
                        }
                        Cidr::V6 { net, len } => {
                            if len == 0 {
                                v6.clone()
                            } else {
                                let bits = (net & mask6(len)) >> (128 - len);
                                let want = BV::from_str(ctx, len, &bits.to_string())
                                    .unwrap_or_else(|| BV::from_u64(ctx, 0, len));
                                Bool::and(ctx, &[v6, &a6.extract(127, 128 - len)._eq(&want)])
                            }
                        }
                    })
                    .collect();
                or(ctx, &parts)
            }
            (Val::Binary(sel), Values::Binary(bs)) => {
                let info = self.uni.keys.get(key);
                let parts: Vec<Bool<'c>> = bs
                    .iter()
                    .filter_map(|b| info?.binaries.iter().position(|x| x == b))
                    .map(|n| sel._eq(&Int::from_i64(ctx, n as i64)))
                    .collect();
                or(ctx, &parts)
            }
            _ => self.opaque(canonical, format!("key `{key}` read as two types")),
        }
    }

    /// An `Arn...` value with values in its sixth component as a formula; a ground one as
    /// `Err(tokens)` for the caller's trie.
    fn arn(&mut self, subject: &Subject<'c>, a: &ArnValue, canonical: &str) -> Result<Bool<'c>, Vec<Tok>> {
        let mut head = arn_head(&a.head, &self.uni.alphabet);
        let tail = items(&a.tail, Mode::Like, &self.uni.alphabet);
        let Some(tail_toks) = ground(&tail) else {
            let Subject::Linked(s) = subject else {
                let raw = format!("{canonical} (component 6)");
                return Ok(self.opaque(&raw, "an ARN value with a policy variable the encoding did not link".to_string()));
            };
            let ctx = self.ctx;
            let y = self.fresh_string("arnhead");
            let z = self.fresh_string("arntail");
            let shape = Regexp::concat(ctx, &[&self.classes.arn_head(ctx), &Regexp::full(ctx)]);
            let is_arn = s.regex_matches(&shape);
            self.defs.push(is_arn.implies(&Bool::and(
                ctx,
                &[
                    &s._eq(&Str::concat(ctx, &[&y, &z])),
                    &y.regex_matches(&self.classes.arn_head(ctx)),
                ],
            )));
            let head_ok = self.member(&Subject::Linked(y.clone()), &[head]);
            let raw = format!("{canonical} (component 6)");
            let tail_ok = match self.sym_glob(&z, &tail, &raw) {
                Ok(b) => b,
                Err(reason) => self.opaque(&raw, reason),
            };
            return Ok(Bool::and(ctx, &[&is_arn, &head_ok, &tail_ok]));
        };
        head.extend(tail_toks);
        Err(head)
    }
}

fn op_cmp(op: &Operator) -> Cmp {
    match op.base {
        Base::Numeric(c) | Base::Date(c) => c,
        _ => Cmp::Eq,
    }
}

fn compare_int<'c>(v: &Int<'c>, cmp: Cmp, c: &Int<'c>) -> Bool<'c> {
    match cmp {
        Cmp::Eq => v._eq(c),
        Cmp::Lt => v.lt(c),
        Cmp::Le => v.le(c),
        Cmp::Gt => v.gt(c),
        Cmp::Ge => v.ge(c),
    }
}

/// Reads a Z3 integer numeral as decimal text (`-?[0-9]+`).
pub(crate) fn int_text(i: &Int<'_>) -> Option<String> {
    let text = i.to_string();
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("(-").and_then(|t| t.strip_suffix(')')) {
        let inner = inner.trim();
        return inner.bytes().all(|b| b.is_ascii_digit()).then(|| format!("-{inner}"));
    }
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.to_string())
}

/// Reads a Z3 bit-vector numeral (`#x...` or `#b...`).
pub(crate) fn bv_value(b: &BV<'_>) -> Option<u128> {
    let text = b.to_string();
    if let Some(hex) = text.strip_prefix("#x") {
        u128::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = text.strip_prefix("#b") {
        u128::from_str_radix(bin, 2).ok()
    } else {
        None
    }
}

/// Used by the decimal reader of witnesses.
pub(crate) fn unscale(text: &str, scale: usize) -> Option<Decimal> {
    Decimal::unscale(text, scale)
}
