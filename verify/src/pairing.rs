//! Statement pairing: which refined statement is the refinement of which original one.
//!
//! Statements pair up in order by everything but `Action` / `NotAction` (their pairing key).
//! The pairing only decides what is proved; every pair, skipped original and unpaired refined
//! statement is then checked like any other.

use std::collections::BTreeSet;

use crate::catalog::Catalog;
use crate::policy::Statement;
use crate::scope::could_match;
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
    catalog: &Catalog,
    unused: &UnusedSet,
) -> Pairing {
    let catalog_set = |stmt: &Statement, kept: bool| -> BTreeSet<String> {
        catalog
            .iter()
            .filter(|x| could_match(&[stmt], x))
            .filter(|x| stmt.matches(x) && !(kept && unused.contains(x)))
            .cloned()
            .collect()
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
