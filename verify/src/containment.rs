//! Containment over all strings: a string one statement matches and another does not, or
//! proof that there is none (T2 and the Deny checks).
//!
//! For an `Action` statement `a` against `b`, pattern by pattern:
//! * a pattern that `b` (an `Action` statement) also lists, after normalisation, is
//!   contained in `b`: nothing to ask; so is a pattern whose literal prefix starts with `m`
//!   where `b` lists `m*` (every string it matches starts with its literal prefix);
//! * the wildcard-free patterns are finitely many strings: one ground query "`x ∉ b`";
//! * each wildcard pattern `p` is asked behind its literal prefix `l` (every member of `p`
//!   starts with `l`): the derivative `l⁻¹(p ∖ B)`.
//!
//! **Cover hints.** `B` is first not all of `b` but the few patterns of `b` that match a
//! sample member of `p` (its wildcards filled in), found in Rust; Z3 then decides the small
//! containment `p ⊆ ∪B`. Proved: `p ⊆ b`, since `B ⊆ b`. A witness `w ∈ p ∖ ∪B` that `b`
//! does not match either (glob) is a counterexample, re-checked like any other; one that `b`
//! matches adds the patterns of `b` matching it to `B`, and Z3 is asked again. After a few
//! rounds, or when a hint query is undecided, the full `l⁻¹(p ∖ b_ns)` is asked (`b_ns`:
//! the patterns of `b` that can match a string of `p`'s namespace). Z3 decides every
//! question; the hints only choose which, and a wrong hint costs time, never soundness.

use std::collections::{BTreeSet, HashSet};

use crate::automata::FxBuild;
use crate::error::VerifyError;
use crate::ground::GroundBuilder;
use crate::policy::{Pattern, Statement};
use crate::question::Question;
use crate::regex::{self, Re};
use crate::scope::{lang, scope_of, Scope};
use crate::solver::Answer;

/// Rounds of hint refinement before the full union is asked.
const HINT_ROUNDS: usize = 6;

/// A string `a` matches and `b` does not, over all strings, or `None`.
pub(crate) fn find_outside(
    q: &mut Question<'_>,
    a: &Statement,
    b: &Statement,
    spare: char,
) -> Result<Option<String>, VerifyError> {
    if a.not_action {
        return q.member(&Re::diff(lang(a, Scope::All), lang(b, Scope::All)));
    }
    let listed_in_b: BTreeSet<&str> = if b.not_action {
        BTreeSet::new()
    } else {
        b.patterns.iter().map(|p| p.low.as_str()).collect()
    };
    // `m*` in `b` contains every pattern whose literal prefix starts with `m` (all its
    // strings start with that prefix)
    let prefix_patterns: HashSet<&str, FxBuild> = if b.not_action {
        HashSet::default()
    } else {
        b.patterns
            .iter()
            .filter(|p| p.is_prefix())
            .map(|p| p.literal_prefix.as_str())
            .collect()
    };
    let under_prefix_pattern = |p: &Pattern| {
        let l = p.literal_prefix.as_str();
        !prefix_patterns.is_empty()
            && (0..=l.len())
                .any(|end| l.is_char_boundary(end) && prefix_patterns.contains(&l[..end]))
    };
    let todo: Vec<&Pattern> = a
        .patterns
        .iter()
        .filter(|p| !listed_in_b.contains(p.low.as_str()) && !under_prefix_pattern(p))
        .collect();
    let mut ground = GroundBuilder::new();
    for p in todo.iter().filter(|p| !p.wildcard) {
        ground.add(&p.low, &[(b, false)]);
    }
    if let Some(x) = q.case(&ground.build())? {
        return Ok(Some(x));
    }
    for p in todo.iter().filter(|p| p.wildcard) {
        if let Some(x) = outside_of(q, p, b, spare)? {
            return Ok(Some(x));
        }
    }
    Ok(None)
}

/// Members of `p` to choose hints by: its wildcards filled with nothing, with `spare` (a
/// character no pattern writes) and with two of it.
pub(crate) fn samples(p: &Pattern, spare: char) -> Vec<String> {
    let fill = |star: &str| -> String {
        let mut out = String::new();
        for c in p.low.chars() {
            match c {
                '*' => out.push_str(star),
                '?' => out.push(spare),
                c => out.push(c),
            }
        }
        out
    };
    let one = spare.to_string();
    vec![fill(""), fill(&one), fill(&format!("{spare}{spare}"))]
}

/// A string the wildcard pattern `p` matches and the statement `b` does not, or `None`.
pub(crate) fn outside_of(
    q: &mut Question<'_>,
    p: &Pattern,
    b: &Statement,
    spare: char,
) -> Result<Option<String>, VerifyError> {
    let full = || {
        Re::diff(
            regex::glob_set([p.low.as_str()]),
            lang(b, scope_of(p.service.as_deref())),
        )
    };
    if b.not_action {
        return q.member_behind(&full(), &p.literal_prefix);
    }
    let scoped: Vec<&Pattern> = b
        .patterns
        .iter()
        .filter(|c| match &p.service {
            Some(ns) => c.touches(ns),
            None => true,
        })
        .collect();
    let matching = |w: &str| -> Vec<usize> {
        scoped
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                w.starts_with(c.literal_prefix.as_str()) && crate::glob::glob_match(&c.low, w)
            })
            .map(|(i, _)| i)
            .collect()
    };
    let mut hint: BTreeSet<usize> = samples(p, spare).iter().flat_map(|s| matching(s)).collect();
    // Hints only pay when they leave most of `b` out.
    if !hint.is_empty() && hint.len() < scoped.len() {
        for _ in 0..HINT_ROUNDS {
            let union = regex::glob_set(
                hint.iter()
                    .filter_map(|&i| scoped.get(i))
                    .map(|c| c.low.as_str()),
            );
            let query = Re::diff(regex::glob_set([p.low.as_str()]), union);
            match q.try_member_behind(&query, &p.literal_prefix)? {
                Answer::Empty => return Ok(None),
                Answer::Unknown(_) => break,
                Answer::Member(w) => {
                    let more = matching(&w);
                    if more.is_empty() {
                        // outside all of `b`: a counterexample (re-checked by the caller)
                        return Ok(Some(w));
                    }
                    let before = hint.len();
                    hint.extend(more);
                    if hint.len() == before {
                        break; // the solver's witness is inside the hint: ask in full
                    }
                }
            }
        }
    }
    q.member_behind(&full(), &p.literal_prefix)
}
