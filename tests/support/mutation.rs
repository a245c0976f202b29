//! Refinements broken on purpose. One operator per way a refinement can go wrong, the
//! classes of `verify/tests/mutations.rs` (unused action added back, kept action dropped,
//! wildcard widened, Deny changed or removed, statement dropped, keys changed, ...), applied
//! at random to a proved refinement. Each operator checks with the brute-force model that
//! its mutant really is wrong (or declines), so a mutant the prover proves is a prover bug,
//! not a harmless edit.
//!
//! Mutants work on the documents as `verify` reads them (plain JSON), on tagged policies
//! (see [`crate::tag_statements`]): a refined statement's `TestId` names its original.

use iam_refine_verify::Theorem;
use serde_json::{json, Value};

use crate::document::{
    action_key, entries, is_allow, is_deny, set_entries, statement_matches, statements,
    statements_mut,
};
use crate::glob::{any_glob, uncovered_extension};
use crate::rng::Rng;
use crate::universe::Model;
use crate::unused::UnusedSet;

/// A proved refinement to break.
pub struct Case<'a> {
    /// The case's universe: the catalog plus the names the case knows.
    pub model: &'a Model,
    /// The original policy document, tagged.
    pub original: &'a Value,
    /// Its refinement, proved (statements keep their `TestId`).
    pub refined: &'a Value,
    pub unused: &'a UnusedSet,
}

/// A broken refinement.
#[derive(Clone, Debug)]
pub struct Mutant {
    pub class: Class,
    pub document: Value,
    /// What was done, for failure messages.
    pub what: String,
}

/// The ways a refinement is broken on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// An unused action written back into the statement that allowed it, in another casing.
    UnusedAddedBack,
    /// A wildcard (`?`, `*`) that reaches an unused action added to that statement.
    UnusedViaWildcard,
    /// An entry removed whose kept actions no other entry allows.
    KeptDropped,
    /// A wildcard replaced by one of the kept actions it allows.
    WildcardNarrowed,
    /// An entry widened beyond the original statement (`s3:List*` to `s3:L*`).
    WildcardWidened,
    /// `svc:*` of a service the original statement does not wholly allow.
    OtherServiceAdded,
    /// An action of a service the catalog does not know.
    NewServiceAdded,
    /// A kept action of one statement added to another that never allowed it.
    MovedBetweenStatements,
    /// A Deny statement matching less.
    DenyWeakened,
    /// A Deny statement matching more.
    DenyWidened,
    /// A Deny statement removed.
    DenyRemoved,
    /// An Allow statement with kept actions removed.
    StatementDropped,
    /// Two statements swapped.
    StatementsReordered,
    /// `Resource`, `Condition` or `Sid` of a statement changed.
    KeyChanged,
    /// `Action` renamed `NotAction`.
    ActionToNotAction,
    /// A literal name the catalog does not know dropped.
    LiteralUnknownDropped,
    /// A `NotAction` exclusion of an unused action removed.
    NotActionExclusionDropped,
    /// A kept action added to a `NotAction` list.
    NotActionExcludesMore,
    /// A `NotAction` exclusion of the original narrowed.
    NotActionUnexcluded,
}

impl Class {
    pub const ALL: [Class; 19] = [
        Class::UnusedAddedBack,
        Class::UnusedViaWildcard,
        Class::KeptDropped,
        Class::WildcardNarrowed,
        Class::WildcardWidened,
        Class::OtherServiceAdded,
        Class::NewServiceAdded,
        Class::MovedBetweenStatements,
        Class::DenyWeakened,
        Class::DenyWidened,
        Class::DenyRemoved,
        Class::StatementDropped,
        Class::StatementsReordered,
        Class::KeyChanged,
        Class::ActionToNotAction,
        Class::LiteralUnknownDropped,
        Class::NotActionExclusionDropped,
        Class::NotActionExcludesMore,
        Class::NotActionUnexcluded,
    ];

    /// The theorems a refutation of this kind of mutant may name. Where one edit breaks
    /// several theorems, the prover may report any of them.
    pub fn refuted_by(self) -> &'static [Theorem] {
        use Theorem::*;
        match self {
            Class::UnusedAddedBack | Class::NotActionExclusionDropped => &[NoUnused],
            Class::UnusedViaWildcard
            | Class::WildcardWidened
            | Class::OtherServiceAdded
            | Class::NotActionUnexcluded => &[NoUnused, Containment],
            Class::NewServiceAdded | Class::MovedBetweenStatements => &[Containment],
            Class::KeptDropped
            | Class::WildcardNarrowed
            | Class::LiteralUnknownDropped
            | Class::NotActionExcludesMore => &[Exactness],
            Class::DenyWeakened | Class::DenyWidened => &[DenyChanged],
            Class::DenyRemoved => &[DenyRemoved],
            Class::StatementDropped => &[StatementDropped],
            Class::StatementsReordered => &[Unpaired, StatementDropped, DenyRemoved],
            Class::KeyChanged => &[Unpaired, StatementDropped, DenyRemoved],
            Class::ActionToNotAction => &[Exactness, Containment, NoUnused],
        }
    }

    /// A mutant of this class, or `None` when the case offers nothing to break this way
    /// (no Deny statement, a single statement, ...).
    pub fn apply(self, case: &Case, rng: &mut Rng) -> Option<Mutant> {
        let mut m = Mutator {
            case,
            rng,
            doc: case.refined.clone(),
        };
        let what = match self {
            Class::UnusedAddedBack => m.unused_added_back(false),
            Class::UnusedViaWildcard => m.unused_added_back(true),
            Class::KeptDropped => m.kept_dropped(),
            Class::WildcardNarrowed => m.wildcard_narrowed(),
            Class::WildcardWidened => m.wildcard_widened(),
            Class::OtherServiceAdded => m.other_service_added(),
            Class::NewServiceAdded => m.new_service_added(),
            Class::MovedBetweenStatements => m.moved_between_statements(),
            Class::DenyWeakened => m.deny_weakened(),
            Class::DenyWidened => m.deny_widened(),
            Class::DenyRemoved => m.deny_removed(),
            Class::StatementDropped => m.statement_dropped(),
            Class::StatementsReordered => m.statements_reordered(),
            Class::KeyChanged => m.key_changed(),
            Class::ActionToNotAction => m.action_to_not_action(),
            Class::LiteralUnknownDropped => m.literal_unknown_dropped(),
            Class::NotActionExclusionDropped => m.not_action_exclusion_dropped(),
            Class::NotActionExcludesMore => m.not_action_excludes_more(),
            Class::NotActionUnexcluded => m.not_action_unexcluded(),
        }?;
        Some(Mutant {
            class: self,
            document: m.doc,
            what,
        })
    }
}

/// How many random candidates an operator looks at before it declines.
const TRIES: usize = 24;

struct Mutator<'c, 'r> {
    case: &'c Case<'c>,
    rng: &'r mut Rng,
    doc: Value,
}

impl Mutator<'_, '_> {
    fn refined(&self) -> Vec<Value> {
        statements(self.case.refined)
    }

    /// The original statement a refined statement came from (by `TestId`).
    fn original_of(&self, refined: &Value) -> Option<Value> {
        let id = refined["TestId"].as_u64()?;
        statements(self.case.original)
            .into_iter()
            .find(|o| o["TestId"].as_u64() == Some(id))
    }

    /// Refined statements with this effect and key, with their originals.
    fn candidates(&self, allow: bool, key: &str) -> Vec<(usize, Value, Value)> {
        self.refined()
            .into_iter()
            .enumerate()
            .filter(|(_, r)| if allow { is_allow(r) } else { is_deny(r) })
            .filter(|(_, r)| action_key(r) == Some(key))
            .filter_map(|(j, r)| self.original_of(&r).map(|o| (j, r, o)))
            .collect()
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| self.rng.pick(items).clone())
    }

    fn statement(&mut self, j: usize) -> &mut Value {
        &mut statements_mut(&mut self.doc)[j]
    }

    fn push(&mut self, j: usize, entry: &str) {
        let s = self.statement(j);
        let mut list = entries(s);
        list.push(entry.to_string());
        set_entries(s, list);
    }

    fn kept(&self, name: &str) -> bool {
        !self.case.unused.contains(name)
    }

    /// A random casing of `s` (never the all-lower form the prover reports in).
    fn recase(&mut self, s: &str) -> String {
        let up: String = s
            .chars()
            .map(|c| {
                if self.rng.chance(0.5) {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        if up == s.to_ascii_lowercase() {
            s.to_ascii_uppercase()
        } else {
            up
        }
    }

    fn unused_added_back(&mut self, via_wildcard: bool) -> Option<String> {
        let stmts = self.candidates(true, "Action");
        let mut unused: Vec<String> = self.case.unused.actions.iter().cloned().collect();
        unused.sort();
        unused.extend(
            self.case
                .unused
                .services
                .iter()
                .map(|s| format!("{s}:FutureAction")),
        );
        for _ in 0..TRIES {
            let (j, _, o) = self.pick(&stmts)?;
            let u = self.pick(&unused)?;
            if !statement_matches(&o, &u) {
                continue;
            }
            let entry = if via_wildcard {
                // `s3:getbucketp?licy*`: one character of the action made `?`, cut after it.
                let colon = u.find(':')? + 1;
                let chars: Vec<char> = u.chars().collect();
                if chars.len() <= colon {
                    continue;
                }
                let k = colon + self.rng.below(chars.len() - colon);
                let cut = k + 1 + self.rng.below(chars.len() - k);
                let mut p: String = chars[..k].iter().collect();
                p.push('?');
                p.extend(&chars[k + 1..cut]);
                p.push('*');
                p
            } else {
                self.recase(&u)
            };
            self.push(j, &entry);
            return Some(format!(
                "refined statement {j}: `{entry}` added (unused `{u}`)"
            ));
        }
        None
    }

    /// A universe name the entry allows, kept, that none of `others` allows.
    fn lost_by(&mut self, entry: &str, others: &[String]) -> Option<String> {
        let model = self.case.model;
        let hits: Vec<usize> = model
            .matches(entry)
            .into_iter()
            .filter(|&u| self.kept(model.lower(u)))
            .collect();
        for _ in 0..TRIES.min(hits.len()) {
            let u = self.pick(&hits)?;
            if !any_glob(others, model.lower(u)) {
                return Some(model.name(u).to_string());
            }
        }
        hits.iter()
            .find(|&&u| !any_glob(others, model.lower(u)))
            .map(|&u| model.name(u).to_string())
    }

    fn kept_dropped(&mut self) -> Option<String> {
        let stmts: Vec<_> = self
            .candidates(true, "Action")
            .into_iter()
            .filter(|(_, r, _)| entries(r).len() >= 2)
            .collect();
        for _ in 0..TRIES {
            let (j, r, _) = self.pick(&stmts)?;
            let list = entries(&r);
            let k = self.rng.below(list.len());
            let mut others = list.clone();
            let e = others.remove(k);
            if let Some(lost) = self.lost_by(&e, &others) {
                set_entries(self.statement(j), others);
                return Some(format!(
                    "refined statement {j}: `{e}` dropped (loses `{lost}`)"
                ));
            }
        }
        None
    }

    fn wildcard_narrowed(&mut self) -> Option<String> {
        let stmts = self.candidates(true, "Action");
        let model = self.case.model;
        for _ in 0..TRIES {
            let (j, r, _) = self.pick(&stmts)?;
            let list = entries(&r);
            let wild: Vec<usize> = (0..list.len()).filter(|&k| list[k].contains('*')).collect();
            let k = self.pick(&wild)?;
            let kept: Vec<usize> = model
                .matches(&list[k])
                .into_iter()
                .filter(|&u| self.kept(model.lower(u)))
                .collect();
            if kept.len() < 2 {
                continue;
            }
            let x = model.name(self.pick(&kept)?).to_string();
            let mut others = list.clone();
            let e = std::mem::replace(&mut others[k], x.clone());
            if let Some(lost) = self.lost_by(&e, &others) {
                set_entries(self.statement(j), others);
                return Some(format!(
                    "refined statement {j}: `{e}` narrowed to `{x}` (loses `{lost}`)"
                ));
            }
        }
        None
    }

    fn wildcard_widened(&mut self) -> Option<String> {
        let stmts = self.candidates(true, "Action");
        for _ in 0..TRIES {
            let (j, r, o) = self.pick(&stmts)?;
            let e = self.pick(&entries(&r))?;
            let lit = &e[..e.find(['*', '?']).unwrap_or(e.len())];
            if lit.is_empty() {
                continue;
            }
            let cut = self.rng.below(lit.len());
            let q = &lit[..cut];
            let Some(beyond) = uncovered_extension(&entries(&o), q) else {
                continue;
            };
            let w = format!("{q}*");
            self.push(j, &w);
            return Some(format!(
                "refined statement {j}: `{w}` added beside `{e}` (allows {beyond:?})"
            ));
        }
        None
    }

    fn other_service_added(&mut self) -> Option<String> {
        let stmts = self.candidates(true, "Action");
        let model = self.case.model;
        for _ in 0..TRIES {
            let (j, _, o) = self.pick(&stmts)?;
            let name = model.name(self.rng.below(model.catalog_len));
            let service = name.split_once(':')?.0.to_string();
            if uncovered_extension(&entries(&o), &format!("{service}:")).is_none() {
                continue;
            }
            let w = format!("{service}:*");
            self.push(j, &w);
            return Some(format!("refined statement {j}: `{w}` added"));
        }
        None
    }

    fn new_service_added(&mut self) -> Option<String> {
        let stmts = self.candidates(true, "Action");
        for _ in 0..TRIES {
            let (j, _, o) = self.pick(&stmts)?;
            let w = format!("newservice{}:DoThings", self.rng.below(1000));
            if statement_matches(&o, &w) {
                continue;
            }
            self.push(j, &w);
            return Some(format!("refined statement {j}: `{w}` added"));
        }
        None
    }

    fn moved_between_statements(&mut self) -> Option<String> {
        let stmts = self.candidates(true, "Action");
        if stmts.len() < 2 {
            return None;
        }
        let model = self.case.model;
        for _ in 0..TRIES {
            let (from, r, _) = self.pick(&stmts)?;
            let (to, _, o) = self.pick(&stmts)?;
            if from == to {
                continue;
            }
            let hits = model.matched(&entries(&r));
            let x = model.name(self.pick(&hits)?).to_string();
            if !self.kept(&x) || statement_matches(&o, &x) {
                continue;
            }
            self.push(to, &x);
            return Some(format!(
                "`{x}` of refined statement {from} added to refined statement {to}"
            ));
        }
        None
    }

    fn denies(&self) -> Vec<(usize, Value)> {
        self.refined()
            .into_iter()
            .enumerate()
            .filter(|(_, r)| is_deny(r) && action_key(r).is_some())
            .collect()
    }

    /// A string `entry` matches that none of `others` does, for a literal or trailing-`*`
    /// entry; `None` for other shapes or when the others cover it.
    fn only_by(entry: &str, others: &[String]) -> Option<String> {
        match entry.find(['*', '?']) {
            None => (!any_glob(others, entry)).then(|| entry.to_string()),
            Some(i) if i + 1 == entry.len() && entry.ends_with('*') => {
                uncovered_extension(others, &entry[..i])
            }
            Some(_) => None,
        }
    }

    /// Matching less: an `Action` entry removed or narrowed, a `NotAction` exclusion added.
    fn deny_weakened(&mut self) -> Option<String> {
        let denies = self.denies();
        let (j, d) = self.pick(&denies)?;
        let mut list = entries(&d);
        if action_key(&d) == Some("NotAction") {
            let model = self.case.model;
            for _ in 0..TRIES {
                let x = model.name(self.rng.below(model.catalog_len)).to_string();
                if !any_glob(&list, &x) {
                    list.push(x.clone());
                    set_entries(self.statement(j), list);
                    return Some(format!("deny statement {j}: `{x}` excluded"));
                }
            }
            return None;
        }
        if list.len() >= 2 {
            for _ in 0..TRIES {
                let k = self.rng.below(list.len());
                let mut others = list.clone();
                let e = others.remove(k);
                if let Some(w) = Self::only_by(&e, &others) {
                    set_entries(self.statement(j), others);
                    return Some(format!(
                        "deny statement {j}: `{e}` dropped (no longer denies {w:?})"
                    ));
                }
            }
        }
        // Narrowed in place: `e` + `Zq` matches only strings ending in `zq`, and for `p*`
        // a subset of `p*`; what only `e` matched (the witness) is lost.
        let k = self.rng.below(list.len());
        let e = list[k].clone();
        let others: Vec<String> = list
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != k)
            .map(|(_, x)| x.clone())
            .collect();
        let w = Self::only_by(&e, &others)?;
        list[k] = format!("{e}Zq");
        set_entries(self.statement(j), list);
        Some(format!(
            "deny statement {j}: `{e}` narrowed to `{e}Zq` (no longer denies {w:?})"
        ))
    }

    /// Matching more: a literal made a prefix, a new entry, a `NotAction` exclusion removed.
    fn deny_widened(&mut self) -> Option<String> {
        let denies = self.denies();
        let (j, d) = self.pick(&denies)?;
        let mut list = entries(&d);
        if action_key(&d) == Some("NotAction") {
            for _ in 0..TRIES {
                let k = self.rng.below(list.len());
                let mut others = list.clone();
                let e = others.remove(k);
                if let Some(w) = Self::only_by(&e, &others) {
                    set_entries(self.statement(j), others);
                    return Some(format!(
                        "deny statement {j}: exclusion `{e}` removed (now denies {w:?})"
                    ));
                }
            }
            return None;
        }
        for _ in 0..TRIES {
            let k = self.rng.below(list.len());
            let e = list[k].clone();
            if e.contains(['*', '?']) {
                continue;
            }
            let others: Vec<String> = list
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != k)
                .map(|(_, x)| x.clone())
                .collect();
            if let Some(w) = uncovered_extension(&others, &e).filter(|w| *w != e) {
                list[k] = format!("{e}*");
                set_entries(self.statement(j), list);
                return Some(format!(
                    "deny statement {j}: `{e}` widened to `{e}*` (denies {w:?})"
                ));
            }
        }
        let w = format!("newservice{}:Denied", self.rng.below(1000));
        if any_glob(&list, &w) {
            return None;
        }
        list.push(w.clone());
        set_entries(self.statement(j), list);
        Some(format!("deny statement {j}: `{w}` added"))
    }

    fn deny_removed(&mut self) -> Option<String> {
        let denies = self.denies();
        let (j, _) = self.pick(&denies)?;
        statements_mut(&mut self.doc).remove(j);
        Some(format!("deny statement {j} removed"))
    }

    fn statement_dropped(&mut self) -> Option<String> {
        let model = self.case.model;
        let allows: Vec<usize> = self
            .refined()
            .iter()
            .enumerate()
            .filter(|(_, r)| is_allow(r))
            .filter(|(_, r)| {
                action_key(r) == Some("NotAction")
                    || model
                        .matched(&entries(r))
                        .iter()
                        .any(|&u| self.kept(model.lower(u)))
            })
            .map(|(j, _)| j)
            .collect();
        let j = self.pick(&allows)?;
        statements_mut(&mut self.doc).remove(j);
        Some(format!("refined statement {j} removed"))
    }

    fn statements_reordered(&mut self) -> Option<String> {
        let n = self.refined().len();
        if n < 2 {
            return None;
        }
        let a = self.rng.below(n - 1);
        let b = a + 1 + self.rng.below(n - a - 1);
        statements_mut(&mut self.doc).swap(a, b);
        Some(format!("refined statements {a} and {b} swapped"))
    }

    fn key_changed(&mut self) -> Option<String> {
        let n = self.refined().len();
        if n == 0 {
            return None;
        }
        let j = self.rng.below(n);
        let has_resource = self.refined()[j].get("Resource").is_some();
        let (key, value) = match self.rng.below(3) {
            0 if has_resource => ("Resource", json!("arn:aws:s3:::mutated-bucket/*")),
            1 => (
                "Condition",
                json!({"Bool": {"aws:SecureTransport": "true"}}),
            ),
            _ => ("Sid", json!("MutatedSid")),
        };
        let s = self.statement(j);
        if s.get(key) == Some(&value) {
            return None;
        }
        s[key] = value;
        Some(format!("refined statement {j}: {key} changed"))
    }

    fn action_to_not_action(&mut self) -> Option<String> {
        let stmts = self.candidates(true, "Action");
        let (j, _, _) = self.pick(&stmts)?;
        let s = self.statement(j);
        let list = s.as_object_mut()?.remove("Action")?;
        s["NotAction"] = list;
        Some(format!("refined statement {j}: Action renamed NotAction"))
    }

    fn literal_unknown_dropped(&mut self) -> Option<String> {
        let model = self.case.model;
        let stmts = self.candidates(true, "Action");
        let mut found = Vec::new();
        for (j, r, _) in &stmts {
            let list = entries(r);
            for (k, e) in list.iter().enumerate() {
                let unknown = !e.contains(['*', '?'])
                    && model.position(e).is_none_or(|u| u >= model.catalog_len);
                if unknown && self.kept(e) {
                    let mut others = list.clone();
                    others.remove(k);
                    if !any_glob(&others, e) {
                        found.push((*j, others, e.clone()));
                    }
                }
            }
        }
        let (j, others, e) = self.pick(&found)?;
        set_entries(self.statement(j), others);
        Some(format!(
            "refined statement {j}: unknown literal `{e}` dropped"
        ))
    }

    fn not_action_exclusion_dropped(&mut self) -> Option<String> {
        let stmts = self.candidates(true, "NotAction");
        let unused = self.case.unused;
        for _ in 0..TRIES {
            let (j, r, _) = self.pick(&stmts)?;
            let list = entries(&r);
            let k = self.rng.below(list.len());
            let mut others = list.clone();
            let e = others.remove(k);
            // An unused literal, or `svc:*` of a wholly unused service.
            let witness = match e.strip_suffix(":*") {
                Some(s) if unused.services.contains(&s.to_ascii_lowercase()) => {
                    uncovered_extension(&others, &format!("{s}:"))
                }
                _ if !e.contains(['*', '?']) && unused.contains(&e) => {
                    (!any_glob(&others, &e)).then(|| e.clone())
                }
                _ => None,
            };
            if let Some(w) = witness {
                set_entries(self.statement(j), others);
                return Some(format!(
                    "refined statement {j}: NotAction exclusion `{e}` removed (allows unused {w:?})"
                ));
            }
        }
        None
    }

    fn not_action_excludes_more(&mut self) -> Option<String> {
        let stmts = self.candidates(true, "NotAction");
        let model = self.case.model;
        for _ in 0..TRIES {
            let (j, r, _) = self.pick(&stmts)?;
            let list = entries(&r);
            let x = model.name(self.rng.below(model.catalog_len)).to_string();
            if any_glob(&list, &x) || !self.kept(&x) {
                continue;
            }
            self.push(j, &x);
            return Some(format!("refined statement {j}: kept `{x}` excluded"));
        }
        None
    }

    fn not_action_unexcluded(&mut self) -> Option<String> {
        let stmts = self.candidates(true, "NotAction");
        for _ in 0..TRIES {
            let (j, r, o) = self.pick(&stmts)?;
            let list = entries(&r);
            let original = entries(&o);
            let k = self.rng.below(list.len());
            let e = list[k].clone();
            if !original.contains(&e) {
                continue;
            }
            let mut narrowed = list.clone();
            narrowed[k] = format!("{e}Zq");
            // A string the original excludes and the narrowed list no longer does.
            let w = match e.find(['*', '?']) {
                None => (!any_glob(&narrowed, &e)).then(|| e.clone()),
                Some(i) if i + 1 == e.len() => uncovered_extension(&narrowed, &e[..i]),
                Some(_) => None,
            };
            if let Some(w) = w.filter(|w| any_glob(&original, w)) {
                set_entries(self.statement(j), narrowed);
                return Some(format!(
                    "refined statement {j}: NotAction exclusion `{e}` narrowed to `{e}Zq` (allows {w:?})"
                ));
            }
        }
        None
    }
}
