//! The per-principal work of `account`: [`plan_principal`] for each principal on a rayon
//! pool of `--jobs` threads, and with `--verify` a proof of each changed policy, each
//! thread with its own Z3 context (a `thread_local!` worker, made on the thread's first
//! proof and reused for every later one). The catalog and the prover's catalog sets are
//! built once and shared. A principal whose plan or proof fails fails alone: the outcome
//! carries its errors, and the others go on.

use indicatif::ProgressBar;
use rayon::prelude::*;

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serde_json::json;

use iam_refine::{
    plan_principal, Account, AccountSummary, Catalog, PlanOptions, PlanWarning, PolicyAction,
    Principal, PrincipalKind, PrincipalPlan, PrincipalStatus,
};

use super::ledger::Ledger;
use super::usage::{Known, Taken};
use crate::exit::Exit;
use crate::output::Staged;
use crate::render;
#[cfg(feature = "verify")]
use crate::verify_cmd::Prover;
use std::path::{Path, PathBuf};

/// What the prover said of one changed policy.
#[derive(Debug, Clone)]
pub struct PolicyVerdict {
    /// The policy's `existingPolicyId`.
    pub policy: String,
    /// `Ok`, `Counterexample` or `Unknown`.
    pub exit: Exit,
    /// The verdict in one line (with the witness action on a counterexample).
    pub line: String,
    /// The verdict as the report has it (GitHub's annotations and summary), kept only
    /// when a report is made: a run over 100,000 principals holds every verdict to the end.
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    pub subject: Option<Box<crate::report::Subject>>,
}

impl PolicyVerdict {
    /// `proved`, `refuted` or `unknown`, for `--format json`.
    pub fn name(&self) -> &'static str {
        match self.exit {
            Exit::Ok => "proved",
            Exit::Counterexample => "refuted",
            _ => "unknown",
        }
    }
}

/// What is kept of a policy's plan once its principal is rendered.
#[derive(Debug, Clone)]
pub struct PolicyBrief {
    pub id: String,
    pub action: PolicyAction,
    /// Documents that replace it.
    pub documents: usize,
}

/// What each principal's worker renders, decided once per run from `--output-dir` and
/// `--format`.
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    /// The recommendation's file text, pretty or minified (`Some(compact)`).
    pub file: Option<bool>,
    /// A JSON line `{"principal", "recommendation"}`.
    pub line: bool,
    /// Diffs of the changed policies, coloured or not (`Some(color)`).
    pub diff: Option<bool>,
}

/// One principal, planned (with `--verify` proved) and rendered by its worker: the plan
/// itself (every original and refined document) is dropped there, so that a run over
/// thousands of principals holds only what it prints and writes.
#[derive(Debug)]
pub struct Outcome {
    pub arn: String,
    pub name: String,
    pub kind: PrincipalKind,
    pub status: PrincipalStatus,
    /// With `--output-dir`: the recommendation's file, staged by the worker that made it
    /// ([`crate::output::stage`]), so that a run holds a path and a hash per principal, not
    /// every file's text; or where and why it could not be.
    pub staged: Option<Result<Staged, (PathBuf, std::io::Error)>>,
    /// Its file's name (in `--output-dir`: written, or when not, last run's removed), when
    /// it can have one.
    pub file: Option<String>,
    /// The rest, when there is any: held to the end of the run for every principal, seven
    /// empty lists and strings inline were half of an outcome (100,000 principals: 16 MB).
    pub(super) details: Option<Box<Details>>,
}

/// What most principals' outcomes do not have, once slimmed.
#[derive(Debug, Default)]
pub struct Details {
    pub policies: Vec<PolicyBrief>,
    /// One per changed (replaced or detached) policy, with `--verify`.
    pub verdicts: Vec<PolicyVerdict>,
    /// Every error: the plan's, then a proof that could not be run or a file name.
    pub errors: Vec<String>,
    /// The plan's own warnings (about the principal), as the library gives them.
    pub plan_warnings: Vec<PlanWarning>,
    /// Every warning but those over a quota (which stderr groups from `plan_warnings`),
    /// with who and which policy it is about, for stderr.
    pub warnings: Vec<String>,
    pub line: Option<String>,
    pub diff: Option<String>,
}

impl Details {
    fn is_empty(&self) -> bool {
        self.policies.is_empty()
            && self.verdicts.is_empty()
            && self.errors.is_empty()
            && self.plan_warnings.is_empty()
            && self.warnings.is_empty()
            && self.line.is_none()
            && self.diff.is_none()
    }
}

/// No details: what an outcome without any reads as.
static NO_DETAILS: Details = Details {
    policies: Vec::new(),
    verdicts: Vec::new(),
    errors: Vec::new(),
    plan_warnings: Vec::new(),
    warnings: Vec::new(),
    line: None,
    diff: None,
};

impl Outcome {
    /// Its policies, verdicts, errors, warnings, line and diff (empty when it has none).
    pub fn details(&self) -> &Details {
        self.details.as_deref().unwrap_or(&NO_DETAILS)
    }

    pub fn failed(&self) -> bool {
        self.status == PrincipalStatus::Failed
    }

    /// Every verdict is "proved" (true when nothing was verified).
    pub fn proved(&self) -> bool {
        self.details().verdicts.iter().all(|v| v.exit == Exit::Ok)
    }

    /// Whether its recommendation is printed or written.
    pub fn written(&self) -> bool {
        !self.failed() && self.proved()
    }

    /// Drops what the end of the run does not read, as soon as the principal is done: the
    /// policies and the verdicts that passed are read only by `--format json` (`details`)
    /// and the GitHub report (`report`). A run over 100,000 principals held them all to
    /// the end; one account of 8,050 held them until its last principal was done.
    fn slim(&mut self, details: bool, report: bool) {
        let Some(kept) = &mut self.details else {
            return;
        };
        if !details {
            kept.policies = Vec::new();
            if !report {
                // `proved()` and `exit()` read only the verdicts that did not pass.
                kept.verdicts.retain(|v| v.exit != Exit::Ok);
                kept.verdicts.shrink_to_fit();
            }
        }
        if kept.is_empty() {
            self.details = None;
        }
    }

    /// Failed, else the worst verdict.
    pub fn exit(&self) -> Exit {
        if self.failed() {
            return Exit::Error;
        }
        self.details()
            .verdicts
            .iter()
            .fold(Exit::Ok, |exit, v| exit.worse(v.exit))
    }
}

/// What every principal's work reads, shared by the worker threads.
pub struct Work<'a> {
    pub catalog: &'a Catalog,
    pub options: &'a PlanOptions,
    #[cfg(feature = "verify")]
    pub prover: Option<&'a Prover>,
    /// Whether the verdicts' report subjects are kept (`--verify` on GitHub Actions).
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    pub report: bool,
    /// `--skip-sid`, for the prover.
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    pub skip_sid: &'a [String],
    /// Each principal's file name, or why it cannot have one (an error only with
    /// `--output-dir`; `--format json` names the file either way).
    pub names: &'a HashMap<&'a str, Result<String, String>>,
    /// The `--output-dir` the files are staged in (its folders made already).
    pub dir: Option<&'a Path>,
    pub wanted: Wanted,
    /// Whether the end of the run prints every principal's policies (`--format json`).
    pub details: bool,
}

/// Plans (and proves) `principals` of `account` on `pool`'s threads, each with what is
/// known of its use (`taken`, in the same order: dropped once it is done). Each outcome is
/// kept in the account's [`Ledger`] as it is done, at its principal's index, so every run
/// writes the same files whatever the number of threads; its share of the totals is added
/// with it.
pub fn run_all(
    work: &Work<'_>,
    account: &Account,
    principals: &[&Principal],
    taken: Vec<Taken>,
    pool: &rayon::ThreadPool,
    progress: &ProgressBar,
) -> (Ledger, AccountSummary) {
    let totals = Mutex::new(AccountSummary::default());
    let room = principals.iter().map(|p| Ledger::room(&p.arn)).sum();
    let ledger = Mutex::new(Ledger::new(principals.len(), work.dir, room));
    pool.install(|| {
        principals
            .par_iter()
            .zip(taken)
            .enumerate()
            .for_each(|(i, (p, taken))| {
                let (mut outcome, summary) = one(work, account, p, &taken);
                outcome.slim(work.details, work.report);
                totals
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .merge(&summary);
                ledger
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .keep(i, outcome);
                progress.inc(1);
            });
    });
    (
        ledger.into_inner().unwrap_or_else(PoisonError::into_inner),
        totals.into_inner().unwrap_or_else(PoisonError::into_inner),
    )
}

/// One principal's outcome, and its share of the totals (verdicts included).
fn one(
    work: &Work<'_>,
    account: &Account,
    principal: &Principal,
    taken: &Taken,
) -> (Outcome, AccountSummary) {
    let known = taken.unpack();
    // Findings that do not read back are a failure of this principal, never "no findings".
    let evidence = known.as_ref().map(Known::evidence).unwrap_or_default();
    let mut plan = plan_principal(account, principal, evidence, work.catalog, work.options);
    let mut errors: Vec<String> = plan.errors.iter().map(ToString::to_string).collect();
    if let Err(e) = &known {
        errors.push(e.to_string());
    }
    #[allow(unused_mut)] // filled only by the prover
    let mut verdicts = Vec::new();
    #[cfg(feature = "verify")]
    if let Some(prover) = work.prover {
        if plan.status != PrincipalStatus::Failed {
            prove::policies(prover, work, &plan, &mut verdicts, &mut errors);
            verdicts.shrink_to_fit();
        }
    }
    if let (Some(_), Some(Err(e))) = (work.dir, work.names.get(principal.arn.as_str())) {
        errors.push(e.clone());
    }
    if !errors.is_empty() {
        // So that the summary counts it as failed and its recommendation has no step.
        plan.status = PrincipalStatus::Failed;
    }
    let (mut outcome, file, summary) = digest(plan, verdicts, errors, work.wanted);
    let name = work
        .names
        .get(principal.arn.as_str())
        .and_then(|n| n.as_ref().ok());
    if let (Some(text), Some(dir), Some(name)) = (file, work.dir, name) {
        let target = dir.join(name);
        outcome.staged = Some(crate::output::stage::stage(&target, &text).map_err(|e| (target, e)));
    }
    outcome.file = name.cloned();
    (outcome, summary)
}

/// Renders what is wanted of `plan` and keeps only that (the file's text apart, to be
/// staged).
fn digest(
    plan: PrincipalPlan,
    verdicts: Vec<PolicyVerdict>,
    errors: Vec<String>,
    wanted: Wanted,
) -> (Outcome, Option<String>, AccountSummary) {
    let mut summary = AccountSummary::default();
    summary.add(&plan);
    for v in &verdicts {
        match v.exit {
            Exit::Ok => summary.proved += 1,
            Exit::Counterexample => summary.refuted += 1,
            _ => summary.unknown += 1,
        }
    }
    let who = format!("{} `{}`", plan.kind.name(), plan.name);
    let mut warnings: Vec<String> = plan
        .warnings
        .iter()
        .filter(|w| !w.is_quota())
        .map(|w| format!("{w} ({who})"))
        .collect();
    for p in &plan.policies {
        warnings.extend(
            p.refinement
                .warnings
                .iter()
                .map(|w| format!("{w} ({who}, policy `{}`)", p.policy.id)),
        );
    }
    let written =
        plan.status != PrincipalStatus::Failed && verdicts.iter().all(|v| v.exit == Exit::Ok);
    let (mut file, mut line, mut diff) = (None, None, None);
    if written {
        if wanted.file.is_some() || wanted.line {
            let value = plan.recommendation().to_value();
            if let Some(compact) = wanted.file {
                file = Some(render::json_text(&value, compact));
            }
            if wanted.line {
                let entry = json!({"principal": plan.arn, "recommendation": value});
                line = Some(render::json_text(&entry, true));
            }
        }
        diff = wanted.diff.map(|color| super::print::diff(&plan, color));
    }
    let details = Details {
        policies: plan
            .policies
            .iter()
            .map(|p| PolicyBrief {
                id: p.policy.id.clone(),
                action: p.action,
                documents: p.documents.len(),
            })
            .collect(),
        verdicts,
        errors,
        plan_warnings: plan.warnings,
        warnings,
        line,
        diff,
    };
    let outcome = Outcome {
        arn: plan.arn,
        name: plan.name,
        kind: plan.kind,
        status: plan.status,
        staged: None,
        file: None,
        details: (!details.is_empty()).then(|| Box::new(details)),
    };
    (outcome, file, summary)
}

#[cfg(feature = "verify")]
mod prove {
    use std::cell::RefCell;

    use serde_json::Value;

    use iam_refine::{Policy, PolicyAction};
    use iam_refine_verify::Z3Worker;

    use iam_refine::PrincipalPlan;

    use super::PolicyVerdict;
    use crate::verify_cmd::{judge, unused_of, Prover};

    thread_local! {
        /// This thread's Z3 context: a context is not shared between threads, and making
        /// one per policy would cost more than most proofs.
        static Z3: RefCell<Option<Z3Worker>> = const { RefCell::new(None) };
    }

    /// Proves every replaced or detached policy of the plan against the principal's
    /// findings after `--keep` (what the plan was refined against).
    pub fn policies(
        prover: &Prover,
        work: &super::Work<'_>,
        plan: &PrincipalPlan,
        verdicts: &mut Vec<PolicyVerdict>,
        errors: &mut Vec<String>,
    ) {
        let findings = plan.findings.clone().unwrap_or_default();
        let unused = unused_of(&findings);
        Z3.with(|cell| {
            let mut slot = cell.borrow_mut();
            let z3 = slot.get_or_insert_with(crate::prover::new_worker);
            for p in &plan.policies {
                if p.action == PolicyAction::Unchanged {
                    continue;
                }
                // `Account` keeps the parsed document, not the export's text (in a
                // paged export it may be a URL-encoded string among thousands), so the
                // prover gets the parsed original's `to_value()`: every key and value as
                // written, in order, only re-serialised. What it is proved against is
                // exactly what the recommendation writes: each document's `to_value()`.
                let original = p.original.to_value();
                let documents: Vec<Value> = p.documents.iter().map(Policy::to_value).collect();
                // A policy none of whose statements `--skip-sid` left as written was refined
                // exactly as without it, and is proved so.
                let skip: &[String] = if p.skipped_statements.is_empty() {
                    &[]
                } else {
                    work.skip_sid
                };
                // A split: the prover pairs statements one to one and in order, which
                // the slices and first-fit packing of a split do not keep. So the policy the
                // parts were cut from (`split_from`, as `fit_quota` gave it) is proved, and
                // `split_check` checks that the parts together are exactly it, as `refine
                // --fit-quota --verify` does. If the parts are not that policy, nothing is
                // claimed: the principal fails, named.
                let whole = match &p.split_from {
                    Some(cut_from) => {
                        let cut_from = cut_from.to_value();
                        if let Err(why) = crate::split_check::parts_match(&cut_from, &documents) {
                            errors.push(format!(
                                "policy `{}`: cannot verify its {} parts: {why}",
                                p.policy.id,
                                documents.len()
                            ));
                            continue;
                        }
                        Some(cut_from)
                    }
                    None => None,
                };
                let proved_documents = match &whole {
                    Some(w) => std::slice::from_ref(w),
                    None => documents.as_slice(),
                };
                match prover.prove_keeping(z3, &original, proved_documents, &unused, skip) {
                    Ok(report) => {
                        let j = judge(&report);
                        let subject = work.report.then(|| {
                            let mut subject = crate::verify_cmd::subject(&j);
                            subject.policy_id = Some(p.policy.id.clone());
                            subject.principal = Some(plan.arn.clone());
                            Box::new(subject)
                        });
                        let line = match j.witness {
                            Some(w) if !j.line.contains(&w) => format!("{} (`{w}`)", j.line),
                            _ => j.line,
                        };
                        verdicts.push(PolicyVerdict {
                            policy: p.policy.id.clone(),
                            exit: j.exit,
                            line,
                            subject,
                        });
                    }
                    Err(e) => {
                        errors.push(format!("policy `{}`: cannot verify: {e:#}", p.policy.id))
                    }
                }
            }
        });
    }
}
