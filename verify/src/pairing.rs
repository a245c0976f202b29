//! Statement pairing: which refined statement is the refinement of which original one.
//!
//! Statements pair up in order by everything but `Action` / `NotAction` (their pairing key).
//! The pairing only decides what is proved; every pair, skipped original and unpaired refined
//! statement is then checked like any other.

use std::collections::BTreeSet;

use crate::catalog::Catalog;
use crate::policy::Statement;
use crate::unused::UnusedSet;

pub(crate) struct Pairing {
    /// (original, refined)
    pub pairs: Vec<(usize, usize)>,
    /// Original statements without counterpart.
    pub skipped: Vec<usize>,
    /// Refined statements without counterpart.
    pub unpaired: Vec<usize>,
}

/// The pairing of `refined` against `original`.
pub(crate) fn pair(
    original: &[Statement],
    refined: &[Statement],
    catalog: &Catalog<'_>,
    unused: &UnusedSet,
) -> Pairing {
    // Catalog actions `stmt` matches (minus unused ones if `kept`), by glob evaluation over
    // the ranges of names its literal prefixes select.
    let catalog_set = |stmt: &Statement, kept: bool| -> BTreeSet<&str> {
        let mut names: BTreeSet<&str> = BTreeSet::new();
        if stmt.not_action {
            names.extend(catalog.iter().map(String::as_str));
        } else {
            for p in &stmt.patterns {
                names.extend(catalog.with_prefix(&p.literal_prefix).map(String::as_str));
            }
        }
        names.retain(|x| stmt.matches(x) && !(kept && unused.contains(x)));
        names
    };
    let mut pairs = Vec::new();
    let mut skipped = Vec::new();
    let mut unpaired = Vec::new();
    let mut pos = 0;
    for (r, rs) in refined.iter().enumerate() {
        let candidates: Vec<usize> = (pos..original.len())
            .filter(|&o| original[o].key == rs.key)
            .collect();
        let chosen = match candidates.as_slice() {
            [] => None,
            [only] => Some(*only),
            // When several originals ahead have the key, prefer the first whose kept catalog
            // actions (plain glob evaluation) equal the refined statement's catalog actions.
            [first, ..] => {
                let want = catalog_set(rs, false);
                Some(
                    candidates
                        .iter()
                        .copied()
                        .find(|&o| catalog_set(&original[o], true) == want)
                        .unwrap_or(*first),
                )
            }
        };
        match chosen {
            Some(o) => {
                skipped.extend(pos..o);
                pairs.push((o, r));
                pos = o + 1;
            }
            None => unpaired.push(r),
        }
    }
    skipped.extend(pos..original.len());
    Pairing {
        pairs,
        skipped,
        unpaired,
    }
}
