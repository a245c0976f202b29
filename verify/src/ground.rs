//! Ground questions over finitely many names (T1, T3 on unused names, dropped statements,
//! wildcard-free patterns in containments), written as Boolean combinations of plain
//! memberships: for a name `x`, "statement S allows `x`" is `x ∈ S_x` (or `x ∉ S_x` for
//! `NotAction`), where `S_x` is the union of only those patterns of S whose literal prefix
//! `x` starts with (no other pattern can match `x`). Each distinct `S_x` is one language.

use std::collections::HashMap;

use crate::policy::Statement;
use crate::regex::glob_set;
use crate::solver::{Case, Ground, Literal};

#[derive(Default)]
pub(crate) struct GroundBuilder<'a> {
    ground: Ground,
    /// Language index by its patterns (normalised text, sorted, distinct).
    ids: HashMap<Vec<&'a str>, usize>,
}

impl<'a> GroundBuilder<'a> {
    pub fn new() -> GroundBuilder<'a> {
        GroundBuilder::default()
    }

    /// Adds the case "for each `(statement, allowed)`, the statement allows `x` iff
    /// `allowed`". Memberships that string comparison decides are decided here: `x` is in a
    /// wildcard-free pattern iff it is that text, and in a pattern whose only wildcard is a
    /// trailing `*` (`l*`) iff it starts with `l`. The rest become literals over the union
    /// of the remaining patterns, for the solver. The case is left out when it is
    /// syntactically impossible: a literal already false, or `x ∈ A` required together with
    /// `x ∉ B` where every pattern of `A` is also one of `B`.
    pub fn add(&mut self, x: &str, conditions: &[(&'a Statement, bool)]) {
        let mut positive: Vec<Vec<&'a str>> = Vec::new();
        let mut negative: Vec<Vec<&'a str>> = Vec::new();
        for &(stmt, allowed) in conditions {
            let mut key: Vec<&'a str> = Vec::new();
            let mut decided = false;
            for p in stmt.relevant(x) {
                if !p.wildcard {
                    // a wildcard-free pattern matches exactly its own text
                    decided |= p.low == x;
                } else if p.is_prefix() {
                    // `l*` matches every string starting with `l`, as `x` does (relevant)
                    decided = true;
                } else {
                    key.push(p.low.as_str());
                }
            }
            let member = allowed != stmt.not_action;
            if decided {
                if member {
                    continue; // `x ∈ S_x` holds
                }
                return; // `x ∉ S_x` fails
            }
            key.sort_unstable();
            key.dedup();
            match (member, key.is_empty()) {
                (true, true) => return, // `x ∈ ∅`
                (false, true) => {}     // `x ∉ ∅` holds
                (true, false) => positive.push(key),
                (false, false) => negative.push(key),
            }
        }
        let subset = |a: &[&str], b: &[&str]| a.iter().all(|p| b.binary_search(p).is_ok());
        if positive
            .iter()
            .any(|a| negative.iter().any(|b| subset(a, b)))
        {
            return;
        }
        let mut literals = Vec::with_capacity(positive.len() + negative.len());
        for (key, member) in positive
            .into_iter()
            .map(|k| (k, true))
            .chain(negative.into_iter().map(|k| (k, false)))
        {
            let language = match self.ids.get(&key) {
                Some(&id) => id,
                None => {
                    let id = self.ground.languages.len();
                    self.ground.languages.push(glob_set(key.iter().copied()));
                    self.ids.insert(key, id);
                    id
                }
            };
            literals.push(Literal { language, member });
        }
        self.ground.cases.push(Case {
            candidate: x.to_string(),
            literals,
        });
    }

    pub fn build(self) -> Ground {
        self.ground
    }
}
