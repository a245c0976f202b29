//! One direction of a comparison: a request that the statements `allow` allow and the
//! statements `deny` do not (the statements of a side, or for `check-not-granted` the
//! synthetic side that allows everything outside the checked access), or proof that there
//! is none. The order: a syntactic check by groups of equal resource part and condition,
//! then the counterexample-guided search of the crate docs.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use z3::ast::Bool;
use z3::SatResult;

use super::actions;
use super::atoms::{self, Decision};
use super::document::Stmt;
use super::encode::{
    bv_value, int_text, slot_string, unknown_string, unscale, Encoder, Val, RESOURCE,
};
use super::error::CompareError;
use super::eval::{allowed, Concrete, Tri};
use super::kleene::Tv;
use super::values::{render_base64, render_date, Address};
use super::witness::{ContextValue, Request, ValueType, Witness};
use crate::policy::{Effect, Pattern, Statement};
use crate::question::{Budget, Question};
use crate::solver::{apply_limits, narrower, Limits, Solver};
use crate::worker::Parts;

/// Context keys above which a witness is handed out without dropping the keys it does not
/// need (each drop is one evaluation of both sides).
const MINIMISED_KEYS: usize = 64;

/// Rounds of the search (a model, its action query) before the direction is Unknown.
const MAX_ROUNDS: usize = 512;

/// The answer for one direction.
pub(crate) enum Outcome {
    /// No request is allowed by one side and denied by the other.
    Holds,
    Witness(Witness),
    Unknown(Vec<String>),
    /// (Within the search only.) A request exists, but only through clauses that are
    /// undetermined or not modelled.
    Undetermined(Vec<String>),
}

/// The budget of one comparison: each query gets what is left.
pub(crate) struct Meter {
    pub start: Instant,
    pub timeout: Option<Duration>,
    pub rlimit: Option<u64>,
    pub resources_at_start: Option<u64>,
    pub queries: usize,
    /// The limits last set on the request solver (setting them is not free).
    pub applied: Option<Limits>,
    /// A character of the action alphabet no action pattern writes (for cover hints).
    pub action_spare: char,
}

impl Meter {
    fn spent(&self, solver: &dyn Solver) -> u64 {
        match (solver.resources_used(), self.resources_at_start) {
            (Some(now), Some(start)) => now.saturating_sub(start),
            _ => 0,
        }
    }

    /// The limits of the next query, or why nothing is left.
    fn limits(&self, solver: &dyn Solver) -> Result<Limits, String> {
        let timeout = match self.timeout {
            None => None,
            Some(total) => {
                let left = total.saturating_sub(self.start.elapsed());
                if left.is_zero() {
                    return Err(format!(
                        "the time budget of {:.3} s is spent",
                        total.as_secs_f64()
                    ));
                }
                Some(left)
            }
        };
        let rlimit = match self.rlimit {
            None => None,
            Some(total) => {
                let left = total.saturating_sub(self.spent(solver));
                if left == 0 {
                    return Err(format!("the resource budget of {total} units is spent"));
                }
                Some(left)
            }
        };
        Ok(Limits { timeout, rlimit })
    }

    /// Keeps the request solver's per-query limits within a quarter above what is left:
    /// they are set again only when what is left fell below 80% of what was set.
    fn limit_requests(&mut self, parts: &Parts<'_>, left: Limits) {
        let stale = |set: Option<u64>, left: Option<u64>| match (set, left) {
            (Some(set), Some(left)) => left.saturating_mul(5) < set.saturating_mul(4),
            (None, None) => false,
            _ => true,
        };
        let wanted = Limits {
            timeout: narrower(parts.caps.timeout, left.timeout),
            rlimit: narrower(parts.caps.rlimit, left.rlimit),
        };
        let refresh = match self.applied {
            None => true,
            Some(set) => {
                let ms = |l: Limits| l.timeout.map(|t| t.as_millis() as u64);
                stale(ms(set), ms(wanted)) || stale(set.rlimit, wanted.rlimit)
            }
        };
        if refresh {
            apply_limits(parts.ctx, parts.requests, wanted);
            self.applied = Some(wanted);
        }
    }

    /// A question for action queries with what is left of the budget.
    fn question<'s>(&self, solver: &'s mut dyn Solver) -> Question<'s> {
        let rlimit = self
            .rlimit
            .map(|total| total.saturating_sub(self.spent(solver)).max(1));
        Question::new(
            solver,
            Budget {
                deadline: self.timeout.map(|t| self.start + t),
                timeout: self.timeout,
                rlimit,
            },
        )
    }
}

/// The statements of one body key, by role.
#[derive(Default)]
struct Group<'a> {
    allow_yes: Vec<&'a Stmt>,
    deny_yes: Vec<&'a Stmt>,
    allow_no: Vec<&'a Stmt>,
    deny_no: Vec<&'a Stmt>,
}

fn actions_of<'a>(stmts: &[&'a Stmt]) -> Vec<&'a Statement> {
    stmts.iter().map(|s| &s.action).collect()
}

/// Whether every action of `a` is syntactically one of `b`'s (each `Action` pattern of `a`
/// listed in an `Action` statement of `b`, or `b` allows `*`).
fn listed_within(a: &[&Stmt], b: &[&Stmt]) -> bool {
    if a.is_empty() {
        return true;
    }
    let everything = b
        .iter()
        .any(|s| !s.action.not_action && s.action.patterns.iter().any(|p| p.low == "*"));
    if everything {
        return true;
    }
    let listed: std::collections::BTreeSet<&str> = b
        .iter()
        .filter(|s| !s.action.not_action)
        .flat_map(|s| s.action.patterns.iter().map(|p| p.low.as_str()))
        .collect();
    a.iter().all(|s| {
        !s.action.not_action
            && s.action
                .patterns
                .iter()
                .all(|p| listed.contains(p.low.as_str()))
    })
}

/// A request `allow` allows and `deny` denies, or proof there is none.
pub(crate) fn direction(
    parts: &mut Parts<'_>,
    enc: &mut Encoder<'_, '_>,
    meter: &mut Meter,
    allow: &[&Stmt],
    deny: &[&Stmt],
) -> Result<Outcome, CompareError> {
    let mut groups: BTreeMap<String, Group<'_>> = BTreeMap::new();
    for s in allow {
        let g = groups.entry(s.body_key()).or_default();
        match s.effect {
            Effect::Allow => g.allow_yes.push(s),
            Effect::Deny => g.deny_yes.push(s),
        }
    }
    for s in deny {
        let g = groups.entry(s.body_key()).or_default();
        match s.effect {
            Effect::Allow => g.allow_no.push(s),
            Effect::Deny => g.deny_no.push(s),
        }
    }
    if syntactic(parts, meter, &groups)? {
        return Ok(Outcome::Holds);
    }
    search(parts, enc, meter, allow, deny, &groups)
}

/// The check by groups: every group's Allow actions on the allowing side are among its
/// Allow actions on the other side, and its Deny actions on the other side among its Deny
/// actions on the allowing side. Sufficient (a request allowed by the first side is allowed
/// by a statement of some group, whose body holds; the other side has an Allow statement
/// of the same body for that action, and a Deny statement of the other side that would
/// match has a counterpart on the first side that would match too), not necessary: `false`
/// decides nothing.
fn syntactic(
    parts: &mut Parts<'_>,
    meter: &mut Meter,
    groups: &BTreeMap<String, Group<'_>>,
) -> Result<bool, CompareError> {
    for g in groups.values() {
        for (inner, outer) in [(&g.allow_yes, &g.allow_no), (&g.deny_no, &g.deny_yes)] {
            if inner.is_empty() || listed_within(inner, outer) {
                continue;
            }
            if outer.is_empty() {
                return Ok(false);
            }
            let mut q = meter.question(&mut *parts.languages);
            let found = actions::find(
                &mut q,
                &[&actions_of(inner)],
                &actions_of(outer),
                meter.action_spare,
            )
            .map_err(witness_error)?;
            meter.queries += q.queries;
            if found.is_some() || q.unknown.is_some() {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

fn witness_error(e: crate::error::VerifyError) -> CompareError {
    CompareError::WitnessRejected {
        witness: String::new(),
        claim: e.to_string(),
    }
}

fn or<'c>(ctx: &'c z3::Context, parts: &[Bool<'c>]) -> Bool<'c> {
    match parts {
        [] => Bool::from_bool(ctx, false),
        [one] => one.clone(),
        _ => Bool::or(ctx, &parts.iter().collect::<Vec<_>>()),
    }
}

fn search<'a, 'c>(
    parts: &mut Parts<'_>,
    enc: &mut Encoder<'c, '_>,
    meter: &mut Meter,
    allow: &[&Stmt],
    deny: &[&Stmt],
    groups: &BTreeMap<String, Group<'a>>,
) -> Result<Outcome, CompareError> {
    let ctx = enc.ctx();
    // one Boolean per distinct action part of a statement ("the action is in it"); a role
    // of a group is the disjunction of its statements' (so Z3 sees unions as they are)
    let mut atoms: BTreeMap<String, (Bool<'c>, Vec<&'a Stmt>)> = BTreeMap::new();
    let mut atom = |stmts: &[&'a Stmt]| -> Option<Bool<'c>> {
        if stmts.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        for s in stmts {
            let n = atoms.len();
            let a = atoms
                .entry(s.action_key())
                .or_insert_with(|| (Bool::new_const(ctx, format!("action!{n}")), vec![*s]));
            parts.push(a.0.clone());
        }
        parts.dedup();
        Some(or(ctx, &parts))
    };
    let mut bodies: Vec<(Tv<'c>, &Group<'a>)> = Vec::new();
    // per role: (the action atom, the group's body)
    let mut roles: [Vec<(Bool<'c>, Tv<'c>)>; 4] = Default::default();
    for (key, g) in groups {
        let stmt = g
            .allow_yes
            .first()
            .or(g.deny_yes.first())
            .or(g.allow_no.first())
            .or(g.deny_no.first());
        let Some(stmt) = stmt else { continue };
        let body = enc.body(stmt, key);
        for (role, out) in [&g.allow_yes, &g.deny_yes, &g.allow_no, &g.deny_no]
            .into_iter()
            .zip(roles.iter_mut())
        {
            if let Some(a) = atom(role) {
                out.push((a, body.clone()));
            }
        }
        bodies.push((body, g));
    }
    // "allowed" three ways (the actions are determined): some Allow statement with its body
    // and no Deny statement with its body
    let side = |allows: &[(Bool<'c>, Tv<'c>)], denies: &[(Bool<'c>, Tv<'c>)]| -> Tv<'c> {
        let matched = |list: &[(Bool<'c>, Tv<'c>)]| -> Tv<'c> {
            let parts: Vec<Tv<'c>> = list
                .iter()
                .map(|(a, b)| Tv::and(ctx, &[Tv::known(a.clone()), b.clone()]))
                .collect();
            Tv::or(ctx, &parts)
        };
        Tv::and(ctx, &[matched(allows), matched(denies).not()])
    };
    let allowed_yes = side(&roles[0], &roles[1]);
    let allowed_no = side(&roles[2], &roles[3]);
    let goal = Tv::and(ctx, &[allowed_yes, allowed_no.not()]);
    // syntactic containments between action languages, so that first models are likely
    // realisable (each implication is true of every action)
    let atom_list: Vec<(Bool<'c>, Vec<&'a Stmt>)> = atoms.into_values().collect();
    let mut implications = Vec::new();
    // (not-action, everything, the patterns) of each atom's statement
    let shapes: Vec<(bool, bool, std::collections::HashSet<&str>)> = atom_list
        .iter()
        .map(|(_, stmts)| {
            let patterns: std::collections::HashSet<&str> = stmts
                .iter()
                .flat_map(|s| s.action.patterns.iter().map(|p| p.low.as_str()))
                .collect();
            let not = stmts.iter().any(|s| s.action.not_action);
            (not, !not && patterns.contains("*"), patterns)
        })
        .collect();
    for (i, (a, _)) in atom_list.iter().enumerate() {
        let (a_not, _, a_set) = &shapes[i];
        if *a_not {
            continue;
        }
        for (j, (b, _)) in atom_list.iter().enumerate() {
            let (b_not, b_all, b_set) = &shapes[j];
            if i == j || *b_not {
                continue;
            }
            if *b_all || (a_set.len() <= b_set.len() && a_set.iter().all(|p| b_set.contains(p))) {
                implications.push(a.implies(b));
            }
        }
    }
    let solver = parts.requests;
    solver.push();
    for d in &enc.defs {
        solver.assert(d);
    }
    for i in &implications {
        solver.assert(i);
    }
    // the two questions behind guards, so that facts learned for one serve the other
    let definite = Bool::fresh_const(ctx, "definite");
    let possible = Bool::fresh_const(ctx, "possible");
    solver.assert(&definite.implies(&goal.yes));
    solver.assert(&possible.implies(&goal.any));
    let atom_of: HashMap<String, Bool<'c>> = atom_list
        .iter()
        .filter_map(|(b, stmts)| stmts.first().map(|s| (s.action_key(), b.clone())))
        .collect();
    // the question over the free Booleans first: unsat proves the direction for every
    // outcome of the undetermined clauses, and a request found is usually determined (a
    // witness). One found only through undetermined (or unmodelled) clauses sends the
    // search to the requests whose decision is determined (Kleene's "definitely", as the
    // evaluator computes it: docs/semantics.md); none there: Unknown, naming the clauses
    let mut outcome = rounds(
        parts,
        enc,
        meter,
        allow,
        deny,
        &bodies,
        &atom_of,
        &possible,
        Phase::Possible,
    );
    if let Ok(Outcome::Undetermined(reasons)) = outcome {
        outcome = match rounds(
            parts,
            enc,
            meter,
            allow,
            deny,
            &bodies,
            &atom_of,
            &definite,
            Phase::Definite,
        ) {
            Ok(Outcome::Holds) => Ok(Outcome::Unknown(reasons)),
            Ok(Outcome::Undetermined(more)) => Ok(Outcome::Unknown(more)),
            other => other,
        };
    }
    parts.requests.pop(1);
    outcome
}

/// Which question a search round asks (see [`search`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// A request whose decision is determined.
    Definite,
    /// Any request, however the undetermined clauses go.
    Possible,
}

#[derive(Clone, Copy)]
enum Role {
    AllowYes,
    DenyYes,
    AllowNo,
    DenyNo,
}

impl<'a> Group<'a> {
    fn role(&self, role: Role) -> &[&'a Stmt] {
        match role {
            Role::AllowYes => &self.allow_yes,
            Role::DenyYes => &self.deny_yes,
            Role::AllowNo => &self.allow_no,
            Role::DenyNo => &self.deny_no,
        }
    }
}

#[allow(clippy::too_many_arguments)] // the search's state, passed on
fn rounds<'a, 'c>(
    parts: &mut Parts<'_>,
    enc: &mut Encoder<'c, '_>,
    meter: &mut Meter,
    allow: &[&Stmt],
    deny: &[&Stmt],
    bodies: &[(Tv<'c>, &Group<'a>)],
    atom_of: &HashMap<String, Bool<'c>>,
    guard: &Bool<'c>,
    phase: Phase,
) -> Result<Outcome, CompareError> {
    let ctx = enc.ctx();
    let mut unknown: Vec<String> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let limits = match meter.limits(&*parts.languages) {
            Ok(l) => l,
            Err(reason) => {
                unknown.push(reason);
                return Ok(Outcome::Unknown(unknown));
            }
        };
        meter.limit_requests(parts, limits);
        meter.queries += 1;
        let result = parts
            .requests
            .check_assumptions(std::slice::from_ref(guard));
        let model = match result {
            SatResult::Unsat if unknown.is_empty() => return Ok(Outcome::Holds),
            SatResult::Unsat => return Ok(Outcome::Unknown(unknown)),
            SatResult::Unknown => {
                unknown.push(format!(
                    "the request query was not decided: {}",
                    parts
                        .requests
                        .get_reason_unknown()
                        .unwrap_or_else(|| "z3 gave no reason".to_string())
                ));
                return Ok(Outcome::Unknown(unknown));
            }
            SatResult::Sat => match parts.requests.get_model() {
                Some(m) => m,
                None => {
                    unknown.push("z3 said sat but gave no model".to_string());
                    return Ok(Outcome::Unknown(unknown));
                }
            },
        };
        // the strings decided in Rust: the atoms as the model sets them
        let other = enc.uni.alphabet.spare.unwrap_or('~');
        let decided = atoms::decide(ctx, &enc.atoms, &model, &enc.uni.alphabet, other);
        let chosen = match decided {
            Decision::Chosen(chosen) => chosen,
            Decision::Learned(clauses) => {
                for c in clauses {
                    parts.requests.assert(&c);
                }
                continue;
            }
            Decision::Undecided { reason, block } => {
                unknown.push(reason);
                parts.requests.assert(&block);
                continue;
            }
        };
        // a group's Allow (this side) and Deny (other side) statements count where its body
        // holds (definitely, in the first phase); its Deny (this side) and Allow (other
        // side) statements where it may hold
        let truth = |b: &Bool<'c>| model.eval(b, true).and_then(|v| v.as_bool()) == Some(true);
        let active: Vec<(bool, bool)> = bodies
            .iter()
            .map(|(b, _)| match phase {
                Phase::Definite => (truth(&b.yes), !truth(&b.no)),
                Phase::Possible => (truth(&b.any), truth(&b.any)),
            })
            .collect();
        let pick = |role: Role| -> Vec<&'a Stmt> {
            let grows = matches!(role, Role::AllowYes | Role::DenyNo);
            bodies
                .iter()
                .zip(&active)
                .filter(|(_, &(grow, shrink))| if grows { grow } else { shrink })
                .flat_map(|((_, g), _)| g.role(role).iter().copied())
                .collect()
        };
        let (ay, dy, an, dn) = (
            pick(Role::AllowYes),
            pick(Role::DenyYes),
            pick(Role::AllowNo),
            pick(Role::DenyNo),
        );
        let (found, decided) = action_query(parts, meter, &ay, &dy, &an, &dn, &mut unknown)?;
        let nothing = found.is_none();
        if let Some(action) = found {
            let witness = read(enc, &model, &action, &chosen);
            let checked = check(allow, deny, witness, &enc.opaque)?;
            match checked {
                Ok(w) => return Ok(Outcome::Witness(w)),
                // a request, but not a determined one: the definite search decides
                Err(reason) if phase == Phase::Possible => {
                    unknown.push(reason);
                    return Ok(Outcome::Undetermined(unknown));
                }
                Err(reason) => unknown.push(reason),
            }
        }
        if nothing && decided {
            // no action for these statements: a fact about actions (true of every one),
            // with the Deny and other-side Allow statements that matter only
            let fact = action_fact(parts, meter, &ay, &dy, &an, &dn, atom_of, ctx)?;
            parts.requests.assert(&fact);
            continue;
        }
        // undecided, or no definite witness for this activity: block it and every
        // activity whose action question is contained in this one's
        let mut clause = Vec::new();
        for ((b, g), &(grow, shrink)) in bodies.iter().zip(&active) {
            let grows = !g.allow_yes.is_empty() || !g.deny_no.is_empty();
            let shrinks = !g.deny_yes.is_empty() || !g.allow_no.is_empty();
            let (holds, may_hold) = match phase {
                Phase::Definite => (b.yes.clone(), b.no.not()),
                Phase::Possible => (b.any.clone(), b.any.clone()),
            };
            if !grow && grows {
                clause.push(holds);
            }
            if shrink && shrinks {
                clause.push(may_hold.not());
            }
        }
        if clause.is_empty() {
            return Ok(if unknown.is_empty() {
                Outcome::Holds
            } else {
                Outcome::Unknown(unknown)
            });
        }
        parts.requests.assert(&guard.implies(&or(ctx, &clause)));
    }
    unknown.push(format!(
        "more than {MAX_ROUNDS} combinations of statements would have to be searched"
    ));
    Ok(Outcome::Unknown(unknown))
}

/// An action of `ay` that `dy` does not match and that `an` does not match unless `dn`
/// does (the action question of one activity), and whether the answer was decided.
#[allow(clippy::too_many_arguments)]
fn action_query(
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
fn action_fact<'c>(
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

/// Re-checks a witness with the direct evaluation, then drops the context keys it does
/// not need. `Err` names why the decision is not determined (an unmodelled construct).
fn check(
    allow: &[&Stmt],
    deny: &[&Stmt],
    witness: Witness,
    opaque: &[(Bool<'_>, String)],
) -> Result<Result<Witness, String>, CompareError> {
    let verdict = |w: &Witness| {
        let c = Concrete::new(&w.request, &w.unknowns);
        (allowed(allow, &c), allowed(deny, &c))
    };
    match verdict(&witness) {
        (Tri::Yes, Tri::No) => {}
        (Tri::Unknown(r), _) | (_, Tri::Unknown(r)) => {
            return Ok(Err(
                if let Some(clause) = r.strip_prefix("undetermined: ") {
                    format!(
                        "a request that would be a witness exists only through clauses AWS does \
                     not decide: {clause}"
                    )
                } else {
                    format!("a request the search found depends on what is not modelled: {r}")
                },
            ))
        }
        // the model gave a construct that is not modelled a value the request does not
        // have: the search's request is no witness, and says nothing
        _ if !opaque.is_empty() => {
            let names: Vec<&str> = opaque.iter().map(|(_, r)| r.as_str()).collect();
            return Ok(Err(format!(
                "a request the search found depends on what is not modelled: {}",
                names.join("; ")
            )));
        }
        (a, b) => {
            return Err(CompareError::WitnessRejected {
                witness: witness.to_json().to_string(),
                claim: format!(
                    "one side allows it and the other does not (direct evaluation: {a:?} and {b:?})"
                ),
            })
        }
    }
    let mut w = witness;
    let keys: Vec<String> = w.request.context.keys().cloned().collect();
    // one evaluation per key: a huge context keeps its keys (still a witness)
    if keys.len() > MINIMISED_KEYS {
        return Ok(Ok(w));
    }
    for k in keys {
        let mut smaller = w.clone();
        smaller.request.context.remove(&k);
        if verdict(&smaller) == (Tri::Yes, Tri::No) {
            w = smaller;
        }
    }
    Ok(Ok(w))
}

/// The instant with the fewest fraction digits that compares with every constant as `t`
/// does (dates are compared with the policy's constants only, so any instant of `t`'s
/// interval between two consecutive constants, or `t` itself if it is one, gives every
/// comparison the same outcome): readable, and readable by evaluators at coarser precision.
fn roundest(t: i128, constants: &[i128]) -> i128 {
    if constants.contains(&t) {
        return t;
    }
    let below = constants.iter().copied().filter(|&c| c < t).max();
    let above = constants.iter().copied().filter(|&c| c > t).min();
    for unit in [1_000_000_000, 1_000_000, 1_000] {
        // the multiple of `unit` nearest `t` inside (below, above)
        let down = t.div_euclid(unit) * unit;
        for candidate in [down, down + unit] {
            let inside = below.is_none_or(|b| candidate > b) && above.is_none_or(|a| candidate < a);
            if inside && crate::compare::values::nameable(candidate) {
                return candidate;
            }
        }
    }
    t
}

/// The model's request with `action`, its strings as decided in Rust (`chosen`; a string
/// no atom mentions can be anything: the empty string).
fn read<'c>(
    enc: &Encoder<'c, '_>,
    model: &z3::Model<'c>,
    action: &str,
    chosen: &BTreeMap<String, String>,
) -> Witness {
    let string = |var: &str| -> String {
        enc.uni
            .alphabet
            .decode(chosen.get(var).map_or("", String::as_str))
    };
    let resource = string(RESOURCE);
    let mut context = BTreeMap::new();
    for (key, slots) in &enc.keys {
        let Some(info) = enc.uni.keys.get(key) else {
            continue;
        };
        let mut values: Vec<String> = Vec::new();
        let mut kind = ValueType::String;
        for (i, slot) in slots.iter().enumerate() {
            if model.eval(&slot.present, true).and_then(|b| b.as_bool()) != Some(true) {
                continue;
            }
            let truth = |b: &Bool<'c>| model.eval(b, true).and_then(|b| b.as_bool()) == Some(true);
            let value = match &slot.val {
                Val::Presence => "present".to_string(),
                Val::Text => {
                    if info.bool_only {
                        kind = ValueType::Boolean;
                    }
                    string(&slot_string(key, i))
                }
                Val::Number { ok, scaled } => {
                    kind = ValueType::Numeric;
                    let text = model.eval(scaled, true).and_then(|i| int_text(&i));
                    match text.and_then(|t| unscale(&t, enc.uni.scale)) {
                        Some(d) if truth(ok) => d.to_string(),
                        _ => "not-a-number".to_string(),
                    }
                }
                Val::Date { ok, ms } => {
                    kind = ValueType::Date;
                    let ms = model
                        .eval(ms, true)
                        .and_then(|i| int_text(&i))
                        .and_then(|t| t.parse::<i128>().ok());
                    match ms {
                        Some(ms) if truth(ok) => render_date(roundest(ms, &info.dates)),
                        _ => "not-a-date".to_string(),
                    }
                }
                Val::Ip { v4, v6, a4, a6 } => {
                    kind = ValueType::Ip;
                    let bits = |b: &z3::ast::BV<'c>| model.eval(b, true).and_then(|b| bv_value(&b));
                    if truth(v4) {
                        let a = bits(a4).and_then(|b| u32::try_from(b).ok()).unwrap_or(0);
                        Address::V4(a).render()
                    } else if truth(v6) {
                        Address::V6(bits(a6).unwrap_or(0)).render()
                    } else {
                        "not-an-address".to_string()
                    }
                }
                Val::Binary(sel) => {
                    kind = ValueType::Binary;
                    let n = model
                        .eval(sel, true)
                        .and_then(|i| i.as_i64())
                        .and_then(|n| usize::try_from(n).ok());
                    match n.and_then(|n| info.binaries.get(n)) {
                        Some(bytes) => render_base64(bytes),
                        None => {
                            // bytes equal to no policy value
                            let mut other: Vec<u8> = Vec::new();
                            while info.binaries.contains(&other) {
                                other.push(0);
                            }
                            render_base64(&other)
                        }
                    }
                }
            };
            if !values.contains(&value) {
                values.push(value);
            }
        }
        if values.is_empty() {
            continue;
        }
        let kind = match info.kind {
            super::universe::Kind::Multi => kind.list(),
            super::universe::Kind::Single => kind,
        };
        context.insert(info.written.clone(), ContextValue { kind, values });
    }
    let unknowns = enc
        .unknowns
        .iter()
        .map(|name| (name.clone(), string(&unknown_string(name))))
        .collect();
    Witness {
        request: Request {
            action: action.to_string(),
            resource,
            context,
        },
        unknowns,
    }
}
