//! The per-principal work of `account`: [`plan_principal`] for each principal on a rayon
//! pool of `--jobs` threads, and with `--verify` a proof of each changed policy, each
//! thread with its own Z3 context (a `thread_local!` worker, made on the thread's first
//! proof and reused for every later one). The catalog and the prover's catalog sets are
//! built once and shared. A principal whose plan or proof fails fails alone: the outcome
//! carries its errors, and the others go on.

use indicatif::ProgressBar;
use rayon::prelude::*;

use iam_refine::{
    plan_principal, Account, AccountFindings, Catalog, Evidence, PlanOptions, Principal,
    PrincipalPlan, PrincipalStatus,
};

use crate::exit::Exit;
#[cfg(feature = "verify")]
use crate::verify_cmd::Prover;

/// What the prover said of one changed policy.
#[derive(Debug, Clone)]
pub struct PolicyVerdict {
    /// The policy's `existingPolicyId`.
    pub policy: String,
    /// `Ok`, `Counterexample` or `Unknown`.
    pub exit: Exit,
    /// The verdict in one line (with the witness action on a counterexample).
    pub line: String,
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

/// One principal, planned (and with `--verify` proved).
#[derive(Debug)]
pub struct Outcome {
    pub plan: PrincipalPlan,
    /// One per changed (replaced or detached) policy, with `--verify`.
    pub verdicts: Vec<PolicyVerdict>,
    /// What failed besides the plan itself (a proof that could not be run).
    pub errors: Vec<String>,
}

impl Outcome {
    pub fn failed(&self) -> bool {
        self.plan.status == PrincipalStatus::Failed || !self.errors.is_empty()
    }

    /// Every verdict is "proved" (true when nothing was verified).
    pub fn proved(&self) -> bool {
        self.verdicts.iter().all(|v| v.exit == Exit::Ok)
    }

    /// Whether its recommendation is printed or written.
    pub fn written(&self) -> bool {
        !self.failed() && self.proved()
    }

    /// Every error, the plan's first.
    pub fn error_lines(&self) -> Vec<String> {
        self.plan
            .errors
            .iter()
            .map(ToString::to_string)
            .chain(self.errors.iter().cloned())
            .collect()
    }

    /// Failed, else the worst verdict.
    pub fn exit(&self) -> Exit {
        if self.failed() {
            return Exit::Error;
        }
        self.verdicts
            .iter()
            .fold(Exit::Ok, |exit, v| exit.worse(v.exit))
    }
}

/// What every principal's work reads, shared by the worker threads.
pub struct Work<'a> {
    pub account: &'a Account,
    pub findings: &'a AccountFindings,
    pub catalog: &'a Catalog,
    pub options: &'a PlanOptions,
    #[cfg(feature = "verify")]
    pub prover: Option<&'a Prover>,
    /// `--skip-sid`, for the prover.
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    pub skip_sid: &'a [String],
}

/// Plans (and proves) `principals` on `jobs` threads; the outcomes are in the principals'
/// order whatever the number of threads, so every run writes the same files.
pub fn run_all(
    work: &Work<'_>,
    principals: &[&Principal],
    jobs: usize,
    progress: &ProgressBar,
) -> anyhow::Result<Vec<Outcome>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("iam-refine-{i}"))
        .build()?;
    let outcomes = pool.install(|| {
        principals
            .par_iter()
            .map(|p| {
                let outcome = one(work, p);
                progress.inc(1);
                outcome
            })
            .collect()
    });
    progress.finish_and_clear();
    Ok(outcomes)
}

fn one(work: &Work<'_>, principal: &Principal) -> Outcome {
    let evidence = work
        .findings
        .principal(&principal.arn)
        .map(Evidence::from)
        .unwrap_or_default();
    let plan = plan_principal(
        work.account,
        principal,
        evidence,
        work.catalog,
        work.options,
    );
    #[allow(unused_mut)] // mutated only with the prover
    let mut outcome = Outcome {
        plan,
        verdicts: Vec::new(),
        errors: Vec::new(),
    };
    #[cfg(feature = "verify")]
    if let Some(prover) = work.prover {
        if outcome.plan.status != PrincipalStatus::Failed {
            prove::policies(prover, work.skip_sid, &mut outcome);
        }
    }
    outcome
}

#[cfg(feature = "verify")]
mod prove {
    use std::cell::RefCell;

    use serde_json::Value;

    use iam_refine::{Policy, PolicyAction};
    use iam_refine_verify::Z3Worker;

    use super::{Outcome, PolicyVerdict};
    use crate::verify_cmd::{judge, unused_of, Prover};

    thread_local! {
        /// This thread's Z3 context: a context is not shared between threads, and making
        /// one per policy would cost more than most proofs.
        static Z3: RefCell<Option<Z3Worker>> = const { RefCell::new(None) };
    }

    /// Proves every replaced or detached policy of the plan against the principal's
    /// findings after `--keep` (what the plan was refined against).
    pub fn policies(prover: &Prover, skip_sid: &[String], outcome: &mut Outcome) {
        let findings = outcome.plan.findings.clone().unwrap_or_default();
        let unused = unused_of(&findings);
        Z3.with(|cell| {
            let mut slot = cell.borrow_mut();
            let z3 = slot.get_or_insert_with(Z3Worker::new);
            for p in &outcome.plan.policies {
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
                match prover.prove_keeping(z3, &original, &documents, &unused, skip_sid) {
                    Ok(report) => {
                        let j = judge(&report);
                        let line = match j.witness {
                            Some(w) if !j.line.contains(&w) => format!("{} (`{w}`)", j.line),
                            _ => j.line,
                        };
                        outcome.verdicts.push(PolicyVerdict {
                            policy: p.policy.id.clone(),
                            exit: j.exit,
                            line,
                        });
                    }
                    Err(e) => outcome
                        .errors
                        .push(format!("policy `{}`: cannot verify: {e:#}", p.policy.id)),
                }
            }
        });
        if !outcome.errors.is_empty() {
            // So that the summary counts it as failed and its recommendation has no step.
            outcome.plan.status = iam_refine::PrincipalStatus::Failed;
        }
    }
}
