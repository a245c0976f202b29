//! The order of the proof: top-level keys, statements left as written, then pair the
//! statements and check each pair, each unpaired refined statement and each skipped
//! original statement, stopping at the first counterexample.

use crate::error::VerifyError;
use crate::pairing::pair;
use crate::policy::{Effect, Statement};
use crate::question::Question;
use crate::regex;
use crate::report::Counterexample;
use crate::theorems::{self, Inputs};
use crate::unused::UnusedSet;

/// Every statement theorem, in order; the first counterexample found. `kept` pairs each
/// statement left as written (original, refined) with its identical copy: such a pair is
/// held to containment only (a Deny one to being unchanged), not to exactness or T3.
pub(crate) fn run(
    inp: &Inputs<'_>,
    q: &mut Question<'_>,
    kept: &[(usize, usize)],
) -> Result<Option<Counterexample>, VerifyError> {
    for &(o, r) in kept {
        let found = match inp.original[o].effect {
            Effect::Allow => theorems::containment(inp, q, o, r)?,
            Effect::Deny => theorems::deny_equal(inp, q, o, r)?,
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    let pairing = pair(&inp.original, &inp.refined, &inp.catalog, &inp.unused, kept);
    for &r in &pairing.unpaired {
        if let Some(cx) = theorems::unpaired(inp, q, r)? {
            return Ok(Some(cx));
        }
    }
    for &(o, r) in &pairing.pairs {
        let found = match inp.original[o].effect {
            // T3 and T2 before T1: T1 is asked only where they leave it room to fail
            Effect::Allow => match theorems::no_unused(inp, q, r)? {
                Some(cx) => Some(cx),
                None => match theorems::containment(inp, q, o, r)? {
                    Some(cx) => Some(cx),
                    None => theorems::exactness(inp, q, o, r)?,
                },
            },
            Effect::Deny => theorems::deny_equal(inp, q, o, r)?,
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    for &o in &pairing.skipped {
        let found = match inp.original[o].effect {
            Effect::Allow => theorems::dropped(inp, q, o)?,
            Effect::Deny => theorems::deny_removed(inp, q, o)?,
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// The reduction from all strings to strings over Σ needs one character of Σ that no
/// pattern or finding uses literally (see the crate docs): the first such, if any.
pub(crate) fn spare_character(
    original: &[Statement],
    refined: &[Statement],
    unused: &UnusedSet,
) -> Option<char> {
    // A table of the ASCII characters seen (Σ is ASCII; other characters are refused before
    // this): a `BTreeSet<char>` insert per character was a tenth of `refine --verify` on
    // `ReadOnlyAccess`.
    let mut used = [false; 128];
    let mut mark = |text: &str, wildcards: bool| {
        for b in text.bytes() {
            if wildcards && (b == b'*' || b == b'?') {
                continue;
            }
            if let Some(seen) = used.get_mut(usize::from(b)) {
                *seen = true;
            }
        }
    };
    for s in original.iter().chain(refined) {
        for p in &s.patterns {
            mark(&p.low, true);
        }
    }
    for n in &unused.names {
        mark(n, false);
    }
    for s in &unused.services {
        mark(s, false);
        mark(":", false);
    }
    for p in &unused.keep.patterns {
        mark(&p.low, true);
    }
    // prefer a character unlike any in action names, for readable hint samples
    let free: Vec<char> = regex::sigma()
        .filter(|&c| !used.get(c as usize).copied().unwrap_or(false))
        .collect();
    free.last().copied()
}
