//! Operators on the `NotAction` lists of Allow statements: an exclusion of an unused
//! action removed, a kept action excluded, an original exclusion narrowed.

use super::{Mutator, TRIES};
use crate::document::{entries, set_entries};
use crate::glob::{any_glob, uncovered_extension};

impl Mutator<'_, '_> {
    pub(super) fn not_action_exclusion_dropped(&mut self) -> Option<String> {
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

    pub(super) fn not_action_excludes_more(&mut self) -> Option<String> {
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

    pub(super) fn not_action_unexcluded(&mut self) -> Option<String> {
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
