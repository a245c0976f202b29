//! Containment over all strings: a string one statement matches and another does not, or
//! proof that there is none (T2 and the Deny checks).

use std::collections::{BTreeMap, BTreeSet};

use crate::error::VerifyError;
use crate::policy::{Pattern, Statement};
use crate::question::Question;
use crate::regex::{self, Re};
use crate::scope::{lang, scope_of, Scope};
use crate::solver::Listed;

/// A string `a` matches and `b` does not, over all strings, or `None`.
///
/// For an `Action` statement `a`, pattern by pattern:
/// * a pattern that `b` (an `Action` statement) also lists is contained in `b`: nothing to
///   ask;
/// * the wildcard-free patterns are finitely many strings, tested against `¬b` in one
///   ground query;
/// * each wildcard pattern `p` is one symbolic query `p ∖ b_ns` (only the patterns of `b`
///   that can match a string of `p`'s namespace), asked behind `p`'s literal prefix `l`
///   (every member of `p` starts with it): the derivative `l⁻¹(p ∖ b_ns)`. When `b` has a
///   prefix pattern covering `l`, that derivative contains `re.all` and Z3 needs no search
///   at all; asking many patterns at once, or with the common prefix still in front, was
///   measured to be much slower on Z3 4.8.12.
pub(crate) fn find_outside(
    q: &mut Question<'_>,
    a: &Statement,
    b: &Statement,
) -> Result<Option<String>, VerifyError> {
    if a.not_action {
        return q.member(Re::diff(lang(a, Scope::All), lang(b, Scope::All)));
    }
    let listed_in_b: BTreeSet<&str> = if b.not_action {
        BTreeSet::new()
    } else {
        b.patterns.iter().map(|p| p.low.as_str()).collect()
    };
    let todo: Vec<&Pattern> = a
        .patterns
        .iter()
        .filter(|p| !listed_in_b.contains(p.low.as_str()))
        .collect();
    let mut literals: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
    for p in todo.iter().filter(|p| !p.wildcard) {
        literals
            .entry(p.service.as_deref())
            .or_default()
            .push(p.low.clone());
    }
    let literal_groups = literals
        .into_iter()
        .map(|(ns, candidates)| Listed {
            language: Re::comp(lang(b, scope_of(ns))),
            candidates,
        })
        .collect();
    if let Some(x) = q.listed_member(literal_groups)? {
        return Ok(Some(x));
    }
    for p in todo.iter().filter(|p| p.wildcard) {
        let query = Re::diff(
            regex::glob_set([p.low.as_str()]),
            lang(b, scope_of(p.service.as_deref())),
        );
        if let Some(x) = q.member_behind(query, &p.literal_prefix)? {
            return Ok(Some(x));
        }
    }
    Ok(None)
}
