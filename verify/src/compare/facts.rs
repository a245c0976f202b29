//! The action question of one model (an action in the active Allow statements of one side,
//! in none of its active Deny statements, and in none of the other side's active Allow
//! statements unless in one of its active Deny statements), and the fact learned when
//! there is none: a statement about every action, over the action atoms.

use std::collections::HashMap;

use z3::ast::Bool;

use super::actions;
use super::document::Stmt;
use super::error::CompareError;
use super::meter::Meter;
use super::search::{actions_of, or, witness_error};
use crate::policy::{Pattern, Statement};
use crate::worker::Parts;

/// An action of `ay` that `dy` does not match and that `an` does not match unless `dn`
/// does (the action question of one activity), and whether the answer was decided.
#[allow(clippy::too_many_arguments)]
pub(crate) fn action_query(
    parts: &mut Parts<'_>,
    meter: &mut Meter,
    ay: &[&Stmt],
    dy: &[&Stmt],
    an: &[&Stmt],
    dn: &[&Stmt],
    unknown: &mut Vec<String>,
) -> Result<(Option<String>, bool), CompareError> {
    let mut q = meter.question(&mut *parts.languages);
    let mut not: Vec<&Statement> = actions_of(dy);
    not.extend(actions_of(an));
    let spare = meter.action_spare;
    let ay = actions_of(ay);
    let mut found = actions::find(&mut q, &[&ay], &not, spare).map_err(witness_error)?;
    if found.is_none() && !dn.is_empty() {
        // an action of both (the union with fewer patterns drives)
        found = actions::find(&mut q, &[&ay, &actions_of(dn)], &actions_of(dy), spare)
            .map_err(witness_error)?;
    }
    meter.queries += q.queries;
    let decided = q.unknown.is_none();
    if let Some(reason) = q.unknown.take() {
        unknown.push(format!("an action query was not decided: {reason}"));
    }
    Ok((found, decided))
}

/// Deny statements and other-side Allow statements tried one by one for dropping from a
/// learned fact (each try is an action question).
const FACT_STATEMENTS: usize = 16;

/// The fact "no action is in some statement of `ay`, in none of `dy`, and in none of `an`
/// unless in one of `dn`" (the action question was empty), over the action atoms; `dy` and
/// `an` first cut down: statements that share no string with `ay` (syntactically), then
/// `an` one by one while the question stays empty (a stronger fact).
#[allow(clippy::too_many_arguments)]
pub(crate) fn action_fact<'c>(
    parts: &mut Parts<'_>,
    meter: &mut Meter,
    ay: &[&Stmt],
    dy: &[&Stmt],
    an: &[&Stmt],
    dn: &[&Stmt],
    atom_of: &HashMap<String, Bool<'c>>,
    ctx: &'c z3::Context,
) -> Result<Bool<'c>, CompareError> {
    // a statement none of whose patterns can share a string with a pattern of `ay` (their
    // literal prefixes differ where both are written; a wildcard-free pattern ruled out by
    // the other's literal segments) excludes nothing `ay` holds: dropped without a query
    let ay_patterns: Vec<&Pattern> = ay.iter().flat_map(|s| s.action.patterns.iter()).collect();
    let complement = ay.iter().any(|s| s.action.not_action);
    let meets = |s: &&Stmt| {
        complement
            || s.action.not_action
            || s.action.patterns.iter().any(|q| {
                ay_patterns.iter().any(|p| {
                    let prefixes = p.literal_prefix.starts_with(q.literal_prefix.as_str())
                        || q.literal_prefix.starts_with(p.literal_prefix.as_str());
                    prefixes
                        && (p.wildcard || q.may_match(&p.low))
                        && (q.wildcard || p.may_match(&q.low))
                })
            })
    };
    let dy: Vec<&Stmt> = dy.iter().copied().filter(meets).collect();
    let mut an: Vec<&Stmt> = an.iter().copied().filter(meets).collect();
    if dy.len() + an.len() <= FACT_STATEMENTS {
        // Deny statements are few and dropping one asks hard questions: only other-side
        // Allow statements are tried
        let mut k = 0;
        while k < an.len() {
            let mut fewer = an.clone();
            fewer.remove(k);
            let mut ignored = Vec::new();
            let (found, decided) = action_query(parts, meter, ay, &dy, &fewer, dn, &mut ignored)?;
            if found.is_none() && decided {
                an = fewer;
            } else {
                k += 1;
            }
        }
    }
    let atom = |s: &&Stmt| {
        atom_of
            .get(&s.action_key())
            .cloned()
            .unwrap_or_else(|| Bool::from_bool(ctx, false))
    };
    let in_ay: Vec<Bool<'c>> = ay.iter().map(atom).collect();
    let mut premise = vec![or(ctx, &in_ay)];
    premise.extend(dy.iter().map(|s| atom(s).not()));
    let outside_an: Vec<Bool<'c>> = an.iter().map(|s| atom(s).not()).collect();
    let in_dn: Vec<Bool<'c>> = dn.iter().map(atom).collect();
    let an_denies = Bool::or(ctx, &[&and_all(ctx, &outside_an), &or(ctx, &in_dn)]);
    premise.push(an_denies);
    Ok(and_all(ctx, &premise).not())
}

fn and_all<'c>(ctx: &'c z3::Context, parts: &[Bool<'c>]) -> Bool<'c> {
    match parts {
        [] => Bool::from_bool(ctx, true),
        [one] => one.clone(),
        _ => Bool::and(ctx, &parts.iter().collect::<Vec<_>>()),
    }
}
