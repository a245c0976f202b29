//! Operators on the `Action` lists of Allow statements: unused actions put back, kept
//! ones lost, wildcards narrowed or widened, actions the original statement never allowed.

use super::{Mutator, TRIES};
use crate::document::{entries, set_entries, statement_matches};
use crate::glob::{any_glob, uncovered_extension};

impl Mutator<'_, '_> {
    pub(super) fn unused_added_back(&mut self, via_wildcard: bool) -> Option<String> {
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
    pub(super) fn lost_by(&mut self, entry: &str, others: &[String]) -> Option<String> {
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

    pub(super) fn kept_dropped(&mut self) -> Option<String> {
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

    pub(super) fn wildcard_narrowed(&mut self) -> Option<String> {
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

    pub(super) fn wildcard_widened(&mut self) -> Option<String> {
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

    pub(super) fn other_service_added(&mut self) -> Option<String> {
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

    pub(super) fn new_service_added(&mut self) -> Option<String> {
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

    pub(super) fn moved_between_statements(&mut self) -> Option<String> {
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

    pub(super) fn literal_unknown_dropped(&mut self) -> Option<String> {
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
}
