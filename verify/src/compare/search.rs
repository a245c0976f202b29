//! One direction of a comparison: a request that the statements `allow` allow and the
//! statements `deny` do not (the statements of a side, or for `check-not-granted` the
//! synthetic side that allows everything outside the checked access), or proof that there
//! is none. The order: a syntactic check by groups of equal resource part and condition,
//! then the counterexample-guided search of the crate docs.

use std::collections::{BTreeMap, HashMap};

use z3::ast::Bool;
use z3::SatResult;

use super::actions;
use super::atoms::{self, Decision};
use super::document::Stmt;
use super::encode::Encoder;
use super::error::CompareError;
use super::facts::{action_fact, action_query};
use super::kleene::Tv;
use super::meter::Meter;
use super::reading::{check, read, spelled};
use super::witness::Witness;
use crate::policy::{Effect, Statement};
use crate::worker::Parts;

/// Action atoms up to which the syntactic containments between them are given to Z3.
const IMPLIED_ATOMS: usize = 400;

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

/// The statements of one body key, by role.
#[derive(Default)]
struct Group<'a> {
    allow_yes: Vec<&'a Stmt>,
    deny_yes: Vec<&'a Stmt>,
    allow_no: Vec<&'a Stmt>,
    deny_no: Vec<&'a Stmt>,
}

pub(crate) fn actions_of<'a>(stmts: &[&'a Stmt]) -> Vec<&'a Statement> {
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

pub(crate) fn witness_error(e: crate::error::VerifyError) -> CompareError {
    CompareError::WitnessRejected {
        witness: String::new(),
        claim: e.to_string(),
    }
}

pub(crate) fn or<'c>(ctx: &'c z3::Context, parts: &[Bool<'c>]) -> Bool<'c> {
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
    // (pairs of atoms: quadratic, and only a help, so not past a few hundred)
    let pairs = if atom_list.len() <= IMPLIED_ATOMS {
        atom_list.len()
    } else {
        0
    };
    for (i, (a, _)) in atom_list.iter().enumerate().take(pairs) {
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
            let action = spelled(&action, allow.iter().chain(deny).copied());
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
