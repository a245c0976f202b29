//! The encoding of "a statement's resource part and condition hold" over symbolic requests
//! (the `compare` module docs): Booleans for the request's strings' atoms
//! ([`super::atoms`], decided in Rust), integers for numbers and dates, bit-vectors for
//! addresses, an index for binary values, a presence Boolean per value slot, and a fresh
//! Boolean for every construct that is read but not modelled.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use z3::ast::{Ast, Bool, Int, BV};

use super::atoms::{Atoms, Shape, Value};
use super::condition::{Cond, Family, SetOp, Values};
use super::document::Stmt;
use super::error::Place;
use super::kleene::Tv;
use super::patterns::{self, Mode};
use super::rx::Tok;
use super::text::{Piece, Text};
use super::universe::{Kind, Universe};
use super::values::{date_bounds, MAX_EPOCH_SECONDS};

/// A request value of one slot, by the type its key is read as.
pub(crate) enum Val<'c> {
    /// A string: atoms about `{key}#{slot}`.
    Text,
    Number {
        ok: Bool<'c>,
        scaled: Int<'c>,
    },
    Date {
        ok: Bool<'c>,
        ms: Int<'c>,
    },
    Ip {
        v4: Bool<'c>,
        v6: Bool<'c>,
        a4: BV<'c>,
        a6: BV<'c>,
    },
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

/// The name of the string of `key`'s slot `i` in the atoms.
pub(crate) fn slot_string(key: &str, i: usize) -> String {
    format!("{key}#{i}")
}

/// The name of a declared unknown's string in the atoms.
pub(crate) fn unknown_string(name: &str) -> String {
    format!("unknown:{name}")
}

/// The name of the resource string in the atoms.
pub(crate) const RESOURCE: &str = "resource";

/// The encoding of one comparison's requests.
pub(crate) struct Encoder<'c, 'u> {
    ctx: &'c z3::Context,
    pub uni: &'u Universe,
    /// The slots of each key (one for a single-valued key).
    pub keys: BTreeMap<String, Vec<Slot<'c>>>,
    /// The declared unknowns the atoms mention.
    pub unknowns: BTreeSet<String>,
    pub atoms: Atoms<'c>,
    /// Fresh Booleans standing for constructs that are not modelled, with the reason.
    pub opaque: Vec<(Bool<'c>, String)>,
    opaque_ids: HashMap<String, usize>,
    /// Constraints that hold of every request: the value domains.
    pub defs: Vec<Bool<'c>>,
    bodies: HashMap<String, Tv<'c>>,
    /// The free Boolean of each undetermined clause, by clause text.
    free: HashMap<String, Bool<'c>>,
    /// The statement being encoded (named in the reasons of opaque constructs).
    at: Option<Place>,
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
            keys: BTreeMap::new(),
            unknowns: BTreeSet::new(),
            atoms: Atoms::default(),
            opaque: Vec::new(),
            opaque_ids: HashMap::new(),
            defs: Vec::new(),
            bodies: HashMap::new(),
            free: HashMap::new(),
            at: None,
        }
    }

    pub fn ctx(&self) -> &'c z3::Context {
        self.ctx
    }

    fn f(&self) -> Bool<'c> {
        Bool::from_bool(self.ctx, false)
    }

    /// The unmodelled construct `canonical`: a free Boolean, never decided.
    fn opaque(&mut self, canonical: &str, reason: String) -> Tv<'c> {
        let b = self.opaque_bool(canonical, reason);
        Tv::unknown(self.ctx, b)
    }

    fn opaque_bool(&mut self, canonical: &str, reason: String) -> Bool<'c> {
        if let Some(&i) = self.opaque_ids.get(canonical) {
            return self.opaque[i].0.clone();
        }
        let b = Bool::fresh_const(self.ctx, "opaque");
        let reason = match self.at {
            Some(place) => format!("{place}: {reason}"),
            None => reason,
        };
        self.opaque_ids
            .insert(canonical.to_string(), self.opaque.len());
        self.opaque.push((b.clone(), reason));
        b
    }

    fn member(&mut self, var: &str, tokens: &[Vec<Tok>]) -> Bool<'c> {
        self.atoms.member(self.ctx, var, tokens)
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
                    Some(Family::Text) => Val::Text,
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
                        let int = |v: i128| {
                            Int::from_str(self.ctx, &v.to_string())
                                .unwrap_or_else(|| Int::from_i64(self.ctx, 0))
                        };
                        let second = int(1_000_000_000);
                        let whole = ms.modulo(&second)._eq(&int(0));
                        let seconds_bound = MAX_EPOCH_SECONDS * 1_000_000_000;
                        let in_epoch = Bool::and(
                            self.ctx,
                            &[&ms.ge(&int(-seconds_bound)), &ms.le(&int(seconds_bound))],
                        );
                        self.defs.push(Bool::or(
                            self.ctx,
                            &[
                                &Bool::and(self.ctx, &[&ms.ge(&int(lo)), &ms.le(&int(hi))]),
                                &Bool::and(self.ctx, &[&whole, &in_epoch]),
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

    /// Why a text cannot be encoded (a variable of a key that is not modelled), if so.
    fn text_unmodelled(&self, pieces: &[Piece]) -> Option<String> {
        pieces.iter().find_map(|p| match p {
            Piece::Var(v) => self.uni.keys.get(&v.key).and_then(|k| k.unmodelled.clone()),
            _ => None,
        })
    }

    /// The values of a text's variables and unknowns for a pattern atom, and when the text
    /// has a value at all (every variable without a default present).
    fn values(&mut self, pieces: &[Piece]) -> (BTreeMap<usize, Value<'c>>, Bool<'c>) {
        let mut values = BTreeMap::new();
        let mut defined = Vec::new();
        for (i, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Unknown(n) => {
                    self.unknowns.insert(n.clone());
                    values.insert(
                        i,
                        Value {
                            var: unknown_string(n),
                            present: None,
                            default: None,
                        },
                    );
                }
                Piece::Var(v) => {
                    let present = match self.slots(&v.key).and_then(|s| s.first()) {
                        Some(slot) => slot.present.clone(),
                        None => self.f(),
                    };
                    if v.default.is_none() {
                        defined.push(present.clone());
                    }
                    values.insert(
                        i,
                        Value {
                            var: slot_string(&v.key, 0),
                            present: Some(present),
                            default: v.default.clone(),
                        },
                    );
                }
                Piece::Text(_) | Piece::Char(_) => {}
            }
        }
        let defined = and(self.ctx, &defined);
        (values, defined)
    }

    /// `subject` equal to a text that is one variable or unknown alone.
    fn equal_to(&mut self, subject: &str, piece: &Piece) -> Bool<'c> {
        match piece {
            Piece::Unknown(n) => {
                self.unknowns.insert(n.clone());
                self.atoms.equal(self.ctx, subject, &unknown_string(n))
            }
            Piece::Var(v) => {
                let present = match self.slots(&v.key).and_then(|s| s.first()) {
                    Some(slot) => slot.present.clone(),
                    None => return self.f(),
                };
                let same = self.atoms.equal(self.ctx, subject, &slot_string(&v.key, 0));
                match &v.default {
                    None => Bool::and(self.ctx, &[&present, &same]),
                    Some(d) => {
                        let toks: Vec<Tok> = d
                            .chars()
                            .map(|c| Tok::Char(self.uni.alphabet.encode_char(c)))
                            .collect();
                        let fallback = self.member(subject, &[toks]);
                        present.ite(&same, &fallback)
                    }
                }
            }
            _ => self.f(),
        }
    }

    /// `subject` matches one of `texts` read in `mode` (ground ones as one atom, the
    /// others one each; a text the encoding cannot express is an opaque Boolean), and
    /// "some text has no value" (a variable without default absent: docs/semantics.md U2).
    fn texts(
        &mut self,
        subject: &str,
        texts: &[&Text],
        mode: Mode,
        context: &str,
    ) -> (Tv<'c>, Bool<'c>) {
        let mut ground = Vec::new();
        let mut parts = Vec::new();
        let mut undefined = Vec::new();
        for text in texts {
            if let Some(reason) = self.text_unmodelled(&text.pieces) {
                parts.push(self.opaque(&format!("{context}\u{1}{}", text.raw), reason));
                continue;
            }
            if text.is_ground() {
                ground.push(patterns::ground(&text.pieces, mode, &self.uni.alphabet));
                continue;
            }
            if matches!(mode, Mode::Exact | Mode::Like) {
                if let [piece @ (Piece::Var(_) | Piece::Unknown(_))] = text.pieces.as_slice() {
                    let same = self.equal_to(subject, piece);
                    parts.push(Tv::known(same));
                    if let Piece::Var(v) = piece {
                        if v.default.is_none() {
                            undefined.push(self.present(&v.key).not());
                        }
                    }
                    continue;
                }
            }
            let (values, defined) = self.values(&text.pieces);
            undefined.push(defined.not());
            let like =
                self.atoms
                    .pattern(self.ctx, subject, Shape::Text(mode), &text.pieces, values);
            parts.push(Tv::known(Bool::and(self.ctx, &[&defined, &like])));
        }
        if !ground.is_empty() {
            parts.push(Tv::known(self.member(subject, &ground)));
        }
        (Tv::or(self.ctx, &parts), or(self.ctx, &undefined))
    }

    /// Whether `key` (single-valued) is present.
    fn present(&mut self, key: &str) -> Bool<'c> {
        match self.slots(key).and_then(|s| s.first()) {
            Some(slot) => slot.present.clone(),
            None => self.f(),
        }
    }

    /// The free Boolean of an undetermined clause (docs/semantics.md, "Undetermined
    /// outcomes"), one per clause text (the same clause on both sides is the same Boolean).
    /// Which clauses a request depends on, the direct evaluation names.
    fn free(&mut self, canonical: &str) -> Bool<'c> {
        match self.free.get(canonical) {
            Some(b) => b.clone(),
            None => {
                let b = Bool::fresh_const(self.ctx, "undetermined");
                self.free.insert(canonical.to_string(), b.clone());
                b
            }
        }
    }

    /// The resource part and condition of `stmt`, cached by its body key.
    pub fn body(&mut self, stmt: &Stmt, key: &str) -> Tv<'c> {
        if let Some(b) = self.bodies.get(key) {
            return b.clone();
        }
        self.at = Some(stmt.place);
        let context = if stmt.v2012 { "res2012" } else { "res2008" };
        let mut matched = self.resources(&stmt.resources, context);
        if stmt.not_resource {
            matched = matched.not();
        }
        let mut parts = vec![matched];
        for cond in &stmt.conditions {
            parts.push(self.condition(cond));
        }
        let b = Tv::and(self.ctx, &parts);
        self.bodies.insert(key.to_string(), b.clone());
        b
    }

    fn condition(&mut self, cond: &Cond) -> Tv<'c> {
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
            let present = or(
                self.ctx,
                &slots.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
            );
            let parts: Vec<Bool<'c>> = flags
                .iter()
                .map(|&absent| {
                    if absent {
                        present.not()
                    } else {
                        present.clone()
                    }
                })
                .collect();
            return Tv::known(or(self.ctx, &parts));
        }
        let sat = |enc: &mut Self, i: usize| -> Tv<'c> {
            let (any, unjudged) = enc.any(&cond.key, i, op, values, &cond.canonical);
            if !op.negated {
                return any;
            }
            // U2, U3: no value matched and some value had none, or the request's did not
            // parse: "no equal value" may or may not make `...Not...` true
            let region = Bool::and(enc.ctx, &[&any.any.not(), &unjudged]);
            let free = enc.free(&format!("{}\u{1}{i}", cond.canonical));
            Tv {
                any: region.ite(&free, &any.any.not()),
                yes: Bool::and(enc.ctx, &[&any.no, &unjudged.not()]),
                no: any.yes.clone(),
            }
        };
        match (kind, op.set) {
            (Kind::Single, None) => {
                let (present, i) = slots[0].clone();
                let held = sat(self, i);
                let absent = Tv::known(Bool::from_bool(self.ctx, op.if_exists || op.negated));
                Tv::ite(&present, &held, &absent)
            }
            (Kind::Multi, Some(SetOp::Any)) => {
                let mut parts = Vec::new();
                for (present, i) in &slots {
                    let held = sat(self, *i);
                    parts.push(Tv::and(self.ctx, &[Tv::known(present.clone()), held]));
                }
                if op.if_exists {
                    // U1: `ForAnyValue:...IfExists` with no value
                    let none: Vec<Bool<'c>> = slots.iter().map(|(p, _)| p.not()).collect();
                    let empty = and(self.ctx, &none);
                    let free = self.free(&format!("{}\u{1}empty", cond.canonical));
                    let f = self.f();
                    parts.push(Tv {
                        any: Bool::and(self.ctx, &[&empty, &free]),
                        yes: f,
                        no: empty.not(),
                    });
                }
                Tv::or(self.ctx, &parts)
            }
            (Kind::Multi, Some(SetOp::All)) => {
                let mut parts = Vec::new();
                for (present, i) in &slots {
                    let held = sat(self, *i);
                    parts.push(Tv::or(self.ctx, &[Tv::known(present.not()), held]));
                }
                Tv::and(self.ctx, &parts)
            }
            // a key's kind comes from its operators: these cannot happen
            _ => self.opaque(
                &cond.canonical,
                format!(
                    "`{}` on key `{}` of the other kind",
                    cond.operator, cond.key_written
                ),
            ),
        }
    }
}

mod operators;
mod resources;

pub(crate) use operators::{bv_value, int_text, unscale};
