//! Operators on Deny statements: matching less, matching more, removed.

use serde_json::Value;

use super::{Mutator, TRIES};
use crate::document::{action_key, entries, is_deny, set_entries, statements_mut};
use crate::glob::{any_glob, uncovered_extension};

impl Mutator<'_, '_> {
    pub(super) fn denies(&self) -> Vec<(usize, Value)> {
        self.refined()
            .into_iter()
            .enumerate()
            .filter(|(_, r)| is_deny(r) && action_key(r).is_some())
            .collect()
    }

    /// A string `entry` matches that none of `others` does, for a literal or trailing-`*`
    /// entry; `None` for other shapes or when the others cover it.
    pub(super) fn only_by(entry: &str, others: &[String]) -> Option<String> {
        match entry.find(['*', '?']) {
            None => (!any_glob(others, entry)).then(|| entry.to_string()),
            Some(i) if i + 1 == entry.len() && entry.ends_with('*') => {
                uncovered_extension(others, &entry[..i])
            }
            Some(_) => None,
        }
    }

    /// Matching less: an `Action` entry removed or narrowed, a `NotAction` exclusion added.
    pub(super) fn deny_weakened(&mut self) -> Option<String> {
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
    pub(super) fn deny_widened(&mut self) -> Option<String> {
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

    pub(super) fn deny_removed(&mut self) -> Option<String> {
        let denies = self.denies();
        let (j, _) = self.pick(&denies)?;
        statements_mut(&mut self.doc).remove(j);
        Some(format!("deny statement {j} removed"))
    }
}
