//! The action dimension of a comparison, asked with the refinement prover's machinery
//! (case-insensitive patterns as trie-shaped regexes over the lower-case alphabet, ground
//! queries for wildcard-free patterns, symbolic ones behind their literal prefix, cover
//! hints): a string in some statement of each of several unions and in no statement of
//! `not`.
//!
//! `x ∉ NotAction(P)` is `x ∈ P`: a `NotAction` statement to avoid becomes a union to be
//! in. The cheapest union with no `NotAction` statement (a wildcard pattern weighs as fifty
//! wildcard-free ones) drives the search; the others are required of every candidate:
//!
//! 1. one ground query: the driver's wildcard-free patterns, and those of the required
//!    union with the most of them (`D ∩ R ∖ N` is `(R_literal ∩ D ∖ N) ∪ (D ∩ R_wildcard ∖
//!    N)`, so the rest of the search sees only `R`'s wildcard patterns);
//! 2. one ground query of samples: every wildcard pattern's members with its wildcards
//!    filled by nothing or by a character no pattern writes (a quick member, often);
//! 3. one symbolic query per wildcard pattern of the driver (with nothing required: the
//!    containment with cover hints).
//!
//! Steps 1 and 2 only find members (each checked by the solver); step 3 decides.

use std::collections::BTreeSet;

use crate::containment;
use crate::error::VerifyError;
use crate::ground::GroundBuilder;
use crate::policy::{Effect, Pattern, Statement};
use crate::question::Question;
use crate::regex::{self, Re};
use crate::scope::{lang, scope_of, Scope};

/// What a wildcard pattern costs as the driver, against one wildcard-free pattern.
const WILDCARD_COST: usize = 50;

fn merged(union: &[&Statement]) -> Statement {
    Statement::new(
        Effect::Allow,
        false,
        union
            .iter()
            .flat_map(|s| s.patterns.iter().cloned())
            .collect(),
        serde_json::Map::new(),
    )
}

/// How a candidate can be in a union, as conditions of a ground case: the union as one
/// statement when it is only `Action` statements, else each of its statements.
fn choices<'s>(union: &[&'s Statement], merged: &'s Option<Statement>) -> Vec<&'s Statement> {
    match merged {
        Some(m) => vec![m],
        None => union.to_vec(),
    }
}

/// Adds the cases "`candidate` in each union (one choice each) and in no `not`".
fn add_cases<'s>(
    ground: &mut GroundBuilder<'s>,
    candidate: &str,
    unions: &[Vec<&'s Statement>],
    not: &[&'s Statement],
) {
    let mut cases: Vec<Vec<(&Statement, bool)>> = vec![not.iter().map(|n| (*n, false)).collect()];
    for options in unions {
        let mut next = Vec::with_capacity(cases.len() * options.len());
        for case in &cases {
            for o in options {
                let mut with = case.clone();
                with.push((*o, true));
                next.push(with);
            }
        }
        cases = next;
    }
    for case in cases {
        ground.add(candidate, &case);
    }
}

/// A string in every union of `unions` and in no statement of `not`, or `None`
/// (undecided queries are recorded in `q`). `spare` is a character of the action alphabet
/// no pattern writes (for samples and cover hints).
pub(crate) fn find(
    q: &mut Question<'_>,
    unions: &[&[&Statement]],
    not: &[&Statement],
    spare: char,
) -> Result<Option<String>, VerifyError> {
    if unions.iter().any(|u| u.is_empty()) {
        return Ok(None);
    }
    // `NotAction` statements to avoid as unions to be in
    let positives: Vec<Statement> = not
        .iter()
        .filter(|n| n.not_action)
        .map(|n| {
            Statement::new(
                Effect::Allow,
                false,
                n.patterns.clone(),
                serde_json::Map::new(),
            )
        })
        .collect();
    let not: Vec<&Statement> = not.iter().filter(|n| !n.not_action).copied().collect();
    if not.iter().any(|s| s.patterns.iter().any(|p| p.low == "*")) {
        return Ok(None);
    }
    let singles: Vec<[&Statement; 1]> = positives.iter().map(|p| [p]).collect();
    let mut all: Vec<&[&Statement]> = unions.to_vec();
    all.extend(singles.iter().map(|s| &s[..]));
    let cost = |u: &[&Statement]| {
        u.iter()
            .flat_map(|s| &s.patterns)
            .map(|p| if p.wildcard { WILDCARD_COST } else { 1 })
            .sum::<usize>()
    };
    let driver = all
        .iter()
        .enumerate()
        .filter(|(_, u)| u.iter().all(|s| !s.not_action))
        .min_by_key(|(_, u)| cost(u))
        .map(|(i, _)| i);
    let Some(d) = driver else {
        // every union holds a complement: one query over all strings
        let mut parts: Vec<Re> = all
            .iter()
            .map(|u| Re::union(u.iter().map(|s| lang(s, Scope::All)).collect()))
            .collect();
        parts.push(Re::AnyStar);
        let excluded = Re::union(not.iter().map(|n| lang(n, Scope::All)).collect());
        return q.member(&Re::diff(Re::inter(parts), excluded));
    };
    let drive = all[d];
    let originals: Vec<&[&Statement]> = all
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != d)
        .map(|(_, u)| *u)
        .collect();
    let original_merges: Vec<Option<Statement>> = originals
        .iter()
        .map(|u| (u.len() > 1 && u.iter().all(|s| !s.not_action)).then(|| merged(u)))
        .collect();
    let drive_merged = Some(merged(drive));
    // the required union with the most wildcard-free patterns is split (module docs)
    let literals = |u: &[&Statement]| {
        u.iter()
            .flat_map(|s| &s.patterns)
            .filter(|p| !p.wildcard)
            .count()
    };
    let split = originals
        .iter()
        .enumerate()
        .filter(|(_, u)| u.iter().all(|s| !s.not_action) && literals(u) > 0)
        .max_by_key(|(_, u)| literals(u))
        .map(|(i, _)| i);
    let wild_rest: Vec<Statement> = split
        .map(|r| {
            Statement::new(
                Effect::Allow,
                false,
                originals[r]
                    .iter()
                    .flat_map(|s| s.patterns.iter().filter(|p| p.wildcard).cloned())
                    .collect(),
                serde_json::Map::new(),
            )
        })
        .into_iter()
        .collect();
    let wild_refs: Vec<&Statement> = wild_rest.iter().collect();
    let mut required = originals.clone();
    if let Some(r) = split {
        required[r] = &wild_refs;
    }
    let merges: Vec<Option<Statement>> = required
        .iter()
        .map(|u| (u.len() > 1 && u.iter().all(|s| !s.not_action)).then(|| merged(u)))
        .collect();
    let required_choices: Vec<Vec<&Statement>> = required
        .iter()
        .zip(&merges)
        .map(|(u, m)| choices(u, m))
        .collect();
    // a pattern some statement of `not` lists (normalised) is contained in `not`
    let listed: BTreeSet<&str> = not
        .iter()
        .flat_map(|s| s.patterns.iter().map(|p| p.low.as_str()))
        .collect();
    // 1. wildcard-free candidates
    let mut ground = GroundBuilder::new();
    let mut symbolic: Vec<&Pattern> = Vec::new();
    for s in drive {
        for p in &s.patterns {
            if listed.contains(p.low.as_str()) {
                continue;
            }
            if p.wildcard {
                symbolic.push(p);
            } else {
                add_cases(&mut ground, &p.low, &required_choices, &not);
            }
        }
    }
    if let Some(r) = split {
        let mut unions: Vec<Vec<&Statement>> = vec![choices(drive, &drive_merged)];
        unions.extend(
            originals
                .iter()
                .zip(&original_merges)
                .enumerate()
                .filter(|&(i, _)| i != r)
                .map(|(_, (u, m))| choices(u, m)),
        );
        for s in originals[r] {
            for p in s.patterns.iter().filter(|p| !p.wildcard) {
                add_cases(&mut ground, &p.low, &unions, &not);
            }
        }
    }
    if let Some(x) = ask(q, ground)? {
        return Ok(Some(x));
    }
    // 2. samples of every wildcard pattern, against every union as it is
    let mut unions: Vec<Vec<&Statement>> = vec![choices(drive, &drive_merged)];
    unions.extend(
        originals
            .iter()
            .zip(&original_merges)
            .map(|(u, m)| choices(u, m)),
    );
    let mut samples = GroundBuilder::new();
    let mut sampled = BTreeSet::new();
    for u in all.iter() {
        for p in u.iter().flat_map(|s| &s.patterns).filter(|p| p.wildcard) {
            for sample in containment::samples(p, spare) {
                if sampled.insert(sample.clone()) {
                    add_cases(&mut samples, &sample, &unions, &not);
                }
            }
        }
    }
    if let Some(x) = ask(q, samples)? {
        return Ok(Some(x));
    }
    // 3. the driver's wildcard patterns, decided
    let avoid = required.is_empty().then(|| merged(&not));
    let mut seen = BTreeSet::new();
    for p in symbolic {
        if !seen.insert(p.low.as_str()) {
            continue;
        }
        if let Some(b) = &avoid {
            if let Some(x) = containment::outside_of(q, p, b, spare)? {
                return Ok(Some(x));
            }
            continue;
        }
        let scope = scope_of(p.service.as_deref());
        let mut parts = vec![regex::glob_set([p.low.as_str()])];
        for u in &required {
            parts.push(Re::union(u.iter().map(|s| lang(s, scope)).collect()));
        }
        let excluded = Re::union(not.iter().map(|n| lang(n, scope)).collect());
        let language = Re::diff(Re::inter(parts), excluded);
        if let Some(x) = q.member_behind(&language, &p.literal_prefix)? {
            return Ok(Some(x));
        }
    }
    Ok(None)
}

/// A candidate of `ground` all of whose literals hold: one that string comparison decided
/// needs no solver.
fn ask(q: &mut Question<'_>, ground: GroundBuilder<'_>) -> Result<Option<String>, VerifyError> {
    let ground = ground.build();
    if let Some(case) = ground.cases.iter().find(|c| c.literals.is_empty()) {
        return Ok(Some(case.candidate.clone()));
    }
    q.case(&ground)
}
