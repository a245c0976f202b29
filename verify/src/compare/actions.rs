//! The action dimension of a comparison, asked with the refinement prover's machinery
//! (case-insensitive patterns as trie-shaped regexes over the lower-case alphabet, ground
//! queries for wildcard-free patterns, symbolic ones behind literal prefixes): a string
//! some statement of `drivers` matches, some statement of `must` matches (when given) and
//! no statement of `not` matches.

use std::collections::BTreeSet;

use crate::containment;
use crate::error::VerifyError;
use crate::ground::GroundBuilder;
use crate::policy::{Effect, Statement};
use crate::question::Question;
use crate::regex::{self, Re};
use crate::scope::{lang, scope_of, Scope};

/// A string in `∪drivers ∩ (∪must, if given) ∖ ∪not`, or `None` (undecided queries are
/// recorded in `q`).
pub(crate) fn find(
    q: &mut Question<'_>,
    drivers: &[&Statement],
    must: Option<&[&Statement]>,
    not: &[&Statement],
    spare: char,
) -> Result<Option<String>, VerifyError> {
    if must.is_some_and(<[_]>::is_empty) {
        return Ok(None);
    }
    // a pattern some `Action` statement of `not` lists (normalised) is contained in `not`
    let listed: BTreeSet<&str> = not
        .iter()
        .filter(|s| !s.not_action)
        .flat_map(|s| s.patterns.iter().map(|p| p.low.as_str()))
        .collect();
    let everything = not
        .iter()
        .any(|s| !s.not_action && s.patterns.iter().any(|p| p.low == "*"));
    if everything {
        return Ok(None);
    }
    let mut ground = GroundBuilder::new();
    let mut symbolic = Vec::new();
    let mut complements = Vec::new();
    for d in drivers {
        if d.not_action {
            complements.push(*d);
            continue;
        }
        for p in &d.patterns {
            if listed.contains(p.low.as_str()) {
                continue;
            }
            if p.wildcard {
                symbolic.push(p);
                continue;
            }
            let negatives: Vec<(&Statement, bool)> = not.iter().map(|n| (*n, false)).collect();
            match must {
                None => ground.add(&p.low, &negatives),
                Some(must) => {
                    for m in must {
                        let mut conditions = vec![(*m, true)];
                        conditions.extend(negatives.iter().copied());
                        ground.add(&p.low, &conditions);
                    }
                }
            }
        }
    }
    let ground = ground.build();
    // a case without literals holds: string comparison decided every membership
    if let Some(case) = ground.cases.iter().find(|c| c.literals.is_empty()) {
        return Ok(Some(case.candidate.clone()));
    }
    if let Some(x) = q.case(&ground)? {
        return Ok(Some(x));
    }
    // with nothing required besides the pattern and only `Action` statements to avoid,
    // the refinement prover's containment with cover hints (crate docs) asks the solver
    // the small questions first
    let merged = (must.is_none() && not.iter().all(|n| !n.not_action)).then(|| {
        Statement::new(
            Effect::Allow,
            false,
            not.iter()
                .flat_map(|n| n.patterns.iter().cloned())
                .collect(),
            serde_json::Map::new(),
        )
    });
    let mut seen = BTreeSet::new();
    for p in symbolic {
        if !seen.insert(p.low.as_str()) {
            continue;
        }
        if let Some(b) = &merged {
            if let Some(x) = containment::outside_of(q, p, b, spare)? {
                return Ok(Some(x));
            }
            continue;
        }
        let scope = scope_of(p.service.as_deref());
        let language = query(regex::glob_set([p.low.as_str()]), must, not, scope);
        if let Some(x) = q.member_behind(&language, &p.literal_prefix)? {
            return Ok(Some(x));
        }
    }
    for d in complements {
        let language = query(lang(d, Scope::All), must, not, Scope::All);
        if let Some(x) = q.member(&language)? {
            return Ok(Some(x));
        }
    }
    Ok(None)
}

/// `base ∩ (∪must) ∖ ∪not`, the languages restricted to `scope` (they agree with the
/// statements on every string of the scope, which `base` lies in).
fn query(base: Re, must: Option<&[&Statement]>, not: &[&Statement], scope: Scope<'_>) -> Re {
    let mut parts = vec![base];
    if let Some(must) = must {
        parts.push(Re::union(must.iter().map(|m| lang(m, scope)).collect()));
    }
    let excluded = Re::union(not.iter().map(|n| lang(n, scope)).collect());
    Re::diff(Re::inter(parts), excluded)
}
