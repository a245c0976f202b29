//! Statement pairing: which refined statement is the refinement of which original one.
//!
//! Statements pair up in order by everything but `Action` / `NotAction` (their pairing key).
//! The pairing only decides what is proved; every pair, skipped original and unpaired refined
//! statement is then checked like any other. Statements left as written (their `Sid` kept,
//! [`crate::Keep`]) are already paired by identity and take no part.

use std::collections::BTreeSet;

use crate::catalog::Catalog;
use crate::glob::glob_match;
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

/// The pairing of `refined` against `original`, leaving out the statements `aside` pairs
/// (original, refined) already.
pub(crate) fn pair(
    original: &[Statement],
    refined: &[Statement],
    catalog: &Catalog<'_>,
    unused: &UnusedSet,
    aside: &[(usize, usize)],
) -> Pairing {
    let aside_original: BTreeSet<usize> = aside.iter().map(|&(o, _)| o).collect();
    let aside_refined: BTreeSet<usize> = aside.iter().map(|&(_, r)| r).collect();
    let free = |o: &usize| !aside_original.contains(o);
    // Catalog actions `stmt` matches (minus unused ones if `kept`), pattern by pattern over
    // the range of names its literal prefix selects (a `prefix*` pattern matches all of
    // them; others are matched by glob).
    let catalog_set = |stmt: &Statement, kept: bool| -> BTreeSet<&str> {
        let mut hit: BTreeSet<&str> = BTreeSet::new();
        for p in &stmt.patterns {
            let range = catalog.with_prefix(&p.literal_prefix);
            if p.is_prefix() {
                hit.extend(range);
            } else {
                hit.extend(range.filter(|x| p.may_match(x) && glob_match(&p.raw, x)));
            }
        }
        let mut names: BTreeSet<&str> = if stmt.not_action {
            catalog.iter().filter(|x| !hit.contains(x)).collect()
        } else {
            hit
        };
        if kept {
            names.retain(|x| !unused.contains(x));
        }
        names
    };
    let mut pairs = Vec::new();
    let mut skipped = Vec::new();
    let mut unpaired = Vec::new();
    let mut pos = 0;
    for (r, rs) in refined.iter().enumerate() {
        if aside_refined.contains(&r) {
            continue;
        }
        let candidates: Vec<usize> = (pos..original.len())
            .filter(|o| free(o) && original[*o].key == rs.key)
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
                skipped.extend((pos..o).filter(free));
                pairs.push((o, r));
                pos = o + 1;
            }
            None => unpaired.push(r),
        }
    }
    skipped.extend((pos..original.len()).filter(free));
    Pairing {
        pairs,
        skipped,
        unpaired,
    }
}
