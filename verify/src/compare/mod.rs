//! Comparing policies over whole requests (issue 18): DOCS PLACEHOLDER

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod actions;
mod atoms;
mod condition;
mod document;
mod encode;
mod error;
mod eval;
mod patterns;
mod rx;
mod search;
mod strings;
mod text;
mod universe;
mod values;
mod witness;

pub use error::{CompareError, Place, Side};
pub use witness::{ContextValue, Request, ValueType, Witness};

use document::{read_side, Stmt};
use encode::Encoder;
use search::{direction, Meter, Outcome};
use universe::Universe;

use crate::worker::Z3Worker;

/// The budget and the declared unknowns of one comparison.
#[derive(Clone, Debug, Default)]
pub struct CompareOptions {
    /// Wall-clock time for the whole comparison (both directions), from its start; `None`
    /// = no limit. Work in Rust between solver queries counts against it.
    pub timeout: Option<Duration>,
    /// Z3 resource units for the whole comparison, summed over its queries; `None` = no
    /// limit. Deterministic (see [`crate::Options::rlimit`]).
    pub rlimit: Option<u32>,
    /// Names of values not known until deployment (docs/semantics.md §7): `${NAME}` in a
    /// document stands for one fixed but unknown string, the same on both sides.
    pub unknowns: Vec<String>,
}

/// The relation between OLD and NEW, over every request of the universe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every request: the same decision.
    Equivalent,
    /// Every request NEW allows, OLD allows; some OLD allows, NEW does not.
    NoNewAccess,
    /// Every request OLD allows, NEW allows; some NEW allows, OLD does not.
    NewAllowsMore,
    /// Each allows a request the other does not.
    Incomparable,
    /// Some direction was not decided: the reasons name every construct that is not
    /// modelled and every query left undecided that it depended on. A direction that was
    /// refuted keeps its witness in [`Comparison`]. Never a pass.
    Unknown { reasons: Vec<String> },
}

/// The outcome of [`Comparer::compare`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Comparison {
    pub verdict: Verdict,
    /// A request NEW allows and OLD denies (re-checked), when there is one.
    pub new_allows: Option<Witness>,
    /// A request OLD allows and NEW denies (re-checked), when there is one.
    pub old_allows: Option<Witness>,
    /// Solver queries asked.
    pub queries: usize,
    pub elapsed: Duration,
}

impl Comparison {
    /// Whether NEW allows nothing OLD does not: `Some(false)` comes with
    /// [`Comparison::new_allows`]; `None` when that direction is undecided.
    pub fn no_new_access(&self) -> Option<bool> {
        match (&self.verdict, &self.new_allows) {
            (_, Some(_)) => Some(false),
            (Verdict::Unknown { .. }, None) => None,
            (_, None) => Some(true),
        }
    }
}

/// The outcome of [`Comparer::check_not_granted`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// No request for those actions on those resources is allowed, whatever its context.
    NotGranted,
    /// A request for one of those actions on one of those resources that is allowed.
    Granted(Witness),
    /// Not decided; the reasons name what. Never a pass.
    Unknown { reasons: Vec<String> },
}

/// [`Access`] with statistics.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AccessReport {
    pub access: Access,
    pub queries: usize,
    pub elapsed: Duration,
}

/// The comparison prover. It holds nothing between calls yet; the solver state lives in
/// the [`Z3Worker`] each thread brings (one Z3 context and its solvers, reused).
///
/// ```no_run
/// # fn demo(old: &[serde_json::Value], new: &[serde_json::Value])
/// #     -> Result<(), iam_refine_verify::compare::CompareError> {
/// use iam_refine_verify::compare::{CompareOptions, Comparer, Verdict};
/// use iam_refine_verify::Z3Worker;
/// let mut z3 = Z3Worker::new(); // per thread
/// let options = CompareOptions { timeout: Some(std::time::Duration::from_secs(60)), ..Default::default() };
/// let comparison = Comparer::new().compare(&mut z3, old, new, &options)?;
/// if let Some(w) = &comparison.new_allows {
///     println!("NEW allows {}", w.to_json());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Comparer;

fn declared(names: &[String]) -> Result<BTreeSet<String>, CompareError> {
    let mut out = BTreeSet::new();
    for name in names {
        if name.is_empty() {
            return Err(CompareError::InvalidUnknown {
                name: name.clone(),
                reason: "empty",
            });
        }
        if name.contains('}') {
            return Err(CompareError::InvalidUnknown {
                name: name.clone(),
                reason: "holds `}`",
            });
        }
        out.insert(name.clone());
    }
    Ok(out)
}

/// A character of the action alphabet that no action pattern writes (the last such: unlike
/// any in action names, which makes readable hint samples).
fn action_spare(stmts: &[&Stmt]) -> Option<char> {
    let used: BTreeSet<char> = stmts
        .iter()
        .flat_map(|s| s.action.patterns.iter())
        .flat_map(|p| p.low.chars())
        .collect();
    crate::regex::sigma()
        .filter(|&c| c != '*' && c != '?' && !used.contains(&c))
        .last()
}

/// Why nothing about these statements can be proved, if so: the soundness argument needs a
/// character no action pattern writes, and one no resource or value text writes.
fn blockers(stmts: &[&Stmt], uni: &Universe) -> Vec<String> {
    let mut out = Vec::new();
    if action_spare(stmts).is_none() {
        out.push(
            "the action patterns use every character of the search alphabet, so the proof \
             over all strings does not carry over"
                .to_string(),
        );
    }
    if uni.alphabet.spare.is_none() {
        out.push(
            "the resources and values use too many distinct characters outside printable \
             ascii (or every printable one), so the proof over all strings does not carry over"
                .to_string(),
        );
    }
    out
}

fn dedup(reasons: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in reasons {
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

impl Comparer {
    pub fn new() -> Comparer {
        Comparer
    }

    /// Compares OLD and NEW (each several documents, the policies of one principal taken
    /// together), within `options`' budget.
    pub fn compare(
        &self,
        worker: &mut Z3Worker,
        old: &[Value],
        new: &[Value],
        options: &CompareOptions,
    ) -> Result<Comparison, CompareError> {
        let start = Instant::now();
        let unknowns = declared(&options.unknowns)?;
        let old_read = read_side(old, Side::Old, &unknowns)?;
        let new_read = read_side(new, Side::New, &unknowns)?;
        let old_stmts: Vec<&Stmt> = old_read.statements.iter().collect();
        let new_stmts: Vec<&Stmt> = new_read.statements.iter().collect();
        let all: Vec<&Stmt> = old_stmts.iter().chain(&new_stmts).copied().collect();
        let uni = Universe::new(&all);
        let mut stop = old_read.unmodelled.clone();
        stop.extend(new_read.unmodelled.iter().cloned());
        stop.extend(blockers(&all, &uni));
        let (more, less, queries) = if stop.is_empty() {
            let timeout = options.timeout;
            let rlimit = options.rlimit.map(u64::from);
            worker.with_parts(|mut parts| {
                let mut meter = Meter {
                    start,
                    timeout,
                    rlimit,
                    resources_at_start: parts.languages.resources_used(),
                    queries: 0,
                    applied: None,
                    action_spare: action_spare(&all).unwrap_or('~'),
                };
                let mut enc = Encoder::new(parts.ctx, &uni);
                let more = direction(&mut parts, &mut enc, &mut meter, &new_stmts, &old_stmts)?;
                let less = direction(&mut parts, &mut enc, &mut meter, &old_stmts, &new_stmts)?;
                Ok::<_, CompareError>((more, less, meter.queries))
            })?
        } else {
            (
                Outcome::Unknown(stop.clone()),
                Outcome::Unknown(stop),
                0,
            )
        };
        let mut reasons = Vec::new();
        let mut split = |o: Outcome| match o {
            Outcome::Holds => (true, None),
            Outcome::Witness(w) => (false, Some(w)),
            Outcome::Unknown(r) => {
                reasons.extend(r);
                (false, None)
            }
        };
        let (more_holds, new_allows) = split(more);
        let (less_holds, old_allows) = split(less);
        let verdict = if !reasons.is_empty() {
            Verdict::Unknown {
                reasons: dedup(reasons),
            }
        } else {
            match (more_holds, less_holds) {
                (true, true) => Verdict::Equivalent,
                (true, false) => Verdict::NoNewAccess,
                (false, true) => Verdict::NewAllowsMore,
                (false, false) => Verdict::Incomparable,
            }
        };
        Ok(Comparison {
            verdict,
            new_allows,
            old_allows,
            queries,
            elapsed: start.elapsed(),
        })
    }

    /// Proves that no request whose action matches some pattern of `actions` (action
    /// rules: case-insensitive) and whose resource matches some pattern of `resources`
    /// (resource rules; none = `*`) is allowed by `policies`, whatever its context; or
    /// gives one that is.
    pub fn check_not_granted(
        &self,
        worker: &mut Z3Worker,
        policies: &[Value],
        actions: &[String],
        resources: &[String],
        options: &CompareOptions,
    ) -> Result<AccessReport, CompareError> {
        let start = Instant::now();
        for a in actions {
            if let Some(c) = crate::policy::first_unsupported(a) {
                let _ = c;
                return Err(CompareError::InvalidPattern {
                    what: "action",
                    pattern: a.clone(),
                    reason: "only printable ascii without backslash is supported in actions",
                });
            }
        }
        if actions.is_empty() {
            return Ok(AccessReport {
                access: Access::NotGranted,
                queries: 0,
                elapsed: start.elapsed(),
            });
        }
        let resources: Vec<String> = if resources.is_empty() {
            vec!["*".to_string()]
        } else {
            resources.to_vec()
        };
        // allows exactly the requests outside the checked access (no `Version`: the
        // patterns are read literally, `${` included)
        let outside = json!({"Statement": [
            {"Effect": "Allow", "NotAction": actions, "Resource": "*"},
            {"Effect": "Allow", "Action": "*", "NotResource": resources},
        ]});
        let options = CompareOptions {
            unknowns: options.unknowns.clone(),
            ..options.clone()
        };
        let comparison = {
            let unknowns = declared(&options.unknowns)?;
            let read = read_side(policies, Side::Policies, &unknowns)?;
            let checked = read_side(std::slice::from_ref(&outside), Side::Old, &BTreeSet::new())?;
            let stmts: Vec<&Stmt> = read.statements.iter().collect();
            let other: Vec<&Stmt> = checked.statements.iter().collect();
            let all: Vec<&Stmt> = stmts.iter().chain(&other).copied().collect();
            let uni = Universe::new(&all);
            let mut stop = read.unmodelled.clone();
            stop.extend(blockers(&all, &uni));
            if stop.is_empty() {
                let timeout = options.timeout;
                let rlimit = options.rlimit.map(u64::from);
                worker.with_parts(|mut parts| {
                    let mut meter = Meter {
                        start,
                        timeout,
                        rlimit,
                        resources_at_start: parts.languages.resources_used(),
                        queries: 0,
                        applied: None,
                        action_spare: action_spare(&all).unwrap_or('~'),
                    };
                    let mut enc = Encoder::new(parts.ctx, &uni);
                    let found = direction(&mut parts, &mut enc, &mut meter, &stmts, &other)?;
                    Ok::<_, CompareError>((found, meter.queries))
                })?
            } else {
                (Outcome::Unknown(stop), 0)
            }
        };
        let (outcome, queries) = comparison;
        let access = match outcome {
            Outcome::Holds => Access::NotGranted,
            Outcome::Witness(w) => Access::Granted(w),
            Outcome::Unknown(reasons) => Access::Unknown {
                reasons: dedup(reasons),
            },
        };
        Ok(AccessReport {
            access,
            queries,
            elapsed: start.elapsed(),
        })
    }
}

/// This crate's own direct evaluation of one request against `documents` (the re-check of
/// every witness; docs/semantics.md): `Some(true)` allowed, `Some(false)` denied, `None`
/// when the decision depends on a construct that is not modelled. `unknowns` are the
/// declared unknowns' names, their values taken from `witness`.
pub fn evaluate(
    documents: &[Value],
    witness: &Witness,
    unknowns: &[String],
) -> Result<Option<bool>, CompareError> {
    let names = declared(unknowns)?;
    let read = read_side(documents, Side::Policies, &names)?;
    let stmts: Vec<&Stmt> = read.statements.iter().collect();
    let c = eval::Concrete::new(&witness.request, &witness.unknowns);
    Ok(match eval::allowed(&stmts, &c) {
        eval::Tri::Yes => Some(true),
        eval::Tri::No => Some(false),
        eval::Tri::Unknown(_) => None,
    })
}

/// [`Comparer::compare`] with a fresh Z3 worker.
pub fn compare(
    old: &[Value],
    new: &[Value],
    options: &CompareOptions,
) -> Result<Comparison, CompareError> {
    Comparer::new().compare(&mut Z3Worker::new(), old, new, options)
}

/// [`Comparer::check_not_granted`] with a fresh Z3 worker.
pub fn check_not_granted(
    policies: &[Value],
    actions: &[String],
    resources: &[String],
    options: &CompareOptions,
) -> Result<AccessReport, CompareError> {
    Comparer::new().check_not_granted(&mut Z3Worker::new(), policies, actions, resources, options)
}
