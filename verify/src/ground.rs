//! Ground questions over finitely many names (T1, T3 on unused names, dropped statements,
//! wildcard-free patterns in containments), written as Boolean combinations of plain
//! memberships: for a name `x`, "statement S allows `x`" is `x ∈ S_x` (or `x ∉ S_x` for
//! `NotAction`), where `S_x` is the union of only those patterns of S whose literal prefix
//! `x` starts with and whose literal segments `x` contains in order (no other pattern can
//! match `x`). Each pattern is one language; a literal is a disjunction of memberships.

use std::collections::{BTreeSet, HashMap};

use crate::policy::Statement;
use crate::regex::glob_set;
use crate::solver::{Case, Ground, Literal};

#[derive(Default)]
pub(crate) struct GroundBuilder<'a> {
    ground: Ground,
    /// Language index by its pattern (normalised text): one language per pattern, each
    /// literal a disjunction of them.
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
            stmt.for_each_relevant(x, |p| {
                if !p.wildcard {
                    // a wildcard-free pattern matches exactly its own text
                    decided |= p.low == x;
                } else if p.is_prefix() {
                    // `l*` matches every string starting with `l`, as `x` does (relevant)
                    decided = true;
                } else {
                    key.push(p.low.as_str());
                }
            });
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
        // `x ∉ B` also says `x` is in no pattern of `B`: patterns of `B` can leave every
        // required `x ∈ A` (an exact rewrite; `A` left empty makes the case impossible).
        let excluded: BTreeSet<&str> = negative.iter().flatten().copied().collect();
        let mut literals = Vec::with_capacity(positive.len() + negative.len());
        for key in positive {
            let rest: Vec<&'a str> = key.into_iter().filter(|p| !excluded.contains(p)).collect();
            if rest.is_empty() {
                return;
            }
            literals.push((rest, true));
        }
        literals.extend(negative.into_iter().map(|k| (k, false)));
        let literals = literals
            .into_iter()
            .map(|(key, member)| Literal {
                languages: vec![self.language(key)],
                member,
            })
            .collect();
        self.ground.cases.push(Case {
            candidate: x.to_string(),
            literals,
        });
    }

    /// The index of the language of the patterns `key` (sorted, distinct).
    fn language(&mut self, key: Vec<&'a str>) -> usize {
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.ground.languages.len();
        self.ground.languages.push(glob_set(key.iter().copied()));
        self.ids.insert(key, id);
        id
    }

    pub fn build(self) -> Ground {
        self.ground
    }
}
