//! Proofs with Z3: `iam-refine verify`, and the prover `refine --verify` and `account
//! --verify` use.
//!
//! The refiner and the prover share nothing but the JSON parser: the prover is handed the
//! documents as the files hold them ([`crate::document`]), the findings' names and the
//! catalog's names as plain data.
//!
//! `verify` judges either the files it is given (an original and a refined policy or a
//! recommendation: [`crate::verify_files`]) or a whole account's recommendations
//! ([`crate::verify_account`]); both give their verdicts as a [`report::Report`], which
//! [`report::emit`] prints in the chosen `--format`.

use anyhow::Result;
use serde_json::Value;

use iam_refine::thousands;
use iam_refine::{Catalog, Findings};
use iam_refine_verify::{Keep, Options, Report, Verdict, Z3Worker};

use crate::config::{Common, Limits, VerifyConfig, VerifyInputs};
use crate::console::Console;
use crate::exit::Exit;
use crate::report;

/// The prover with what stays the same across policies: the catalog's sets (built once per
/// process, `Sync`), the findings and the limits. Each thread brings its own
/// [`Z3Worker`](iam_refine_verify::Z3Worker).
pub struct Prover {
    prover: iam_refine_verify::Prover,
    unused: iam_refine_verify::Unused,
    options: Options,
}

impl Prover {
    pub fn new(catalog: &Catalog, findings: &Findings, limits: Limits) -> Result<Prover> {
        let (text, bounds) = catalog.packed_lower();
        Ok(Prover {
            prover: iam_refine_verify::Prover::from_packed(text, bounds)?,
            unused: unused_of(findings),
            options: Options {
                timeout: Some(limits.timeout),
                rlimit: limits.rlimit,
            },
        })
    }

    #[allow(dead_code)] // `refine` proves its documents with `prove_keeping`
    pub fn prove(&self, z3: &mut Z3Worker, original: &Value, refined: &Value) -> Result<Report> {
        self.prove_documents(z3, original, std::slice::from_ref(refined))
    }

    /// `refined`: the documents that together replace `original` (none: it is detached).
    pub fn prove_documents(
        &self,
        z3: &mut Z3Worker,
        original: &Value,
        refined: &[Value],
    ) -> Result<Report> {
        self.prove_with(z3, original, refined, &self.unused)
    }

    /// As [`Prover::prove_documents`], against other findings (one principal's, in an
    /// account) than the ones the prover was built with.
    pub fn prove_with(
        &self,
        z3: &mut Z3Worker,
        original: &Value,
        refined: &[Value],
        unused: &iam_refine_verify::Unused,
    ) -> Result<Report> {
        Ok(self.prover.verify_documents_or_whole(
            z3,
            original,
            refined,
            unused,
            &Keep::nothing(),
            &self.options,
        )?)
    }

    /// As [`Prover::prove_with`], where the original's statements whose `Sid` matches one
    /// of `skip_sid` (globs, as `--skip-sid` takes them) were left as written: each must
    /// appear unchanged in the refined documents, and is not held to the unused findings.
    /// Only the patterns that match some `Sid` of this original apply to it (with several
    /// policies, a pattern may be about some of them); the prover matches them itself.
    pub fn prove_keeping(
        &self,
        z3: &mut Z3Worker,
        original: &Value,
        refined: &[Value],
        unused: &iam_refine_verify::Unused,
        skip_sid: &[String],
    ) -> Result<Report> {
        let keep = Keep {
            sids: skip_sid.to_vec(),
        }
        .matching(original);
        Ok(self.prover.verify_documents_or_whole(
            z3,
            original,
            refined,
            unused,
            &keep,
            &self.options,
        )?)
    }
}

/// The findings as the prover reads them: plain names and the keep patterns, nothing
/// resolved by the refiner (the prover takes what the patterns match out of the findings
/// itself, over all strings).
pub fn unused_of(findings: &Findings) -> iam_refine_verify::Unused {
    iam_refine_verify::Unused {
        actions: findings.actions().map(String::from).collect(),
        services: findings.services().map(String::from).collect(),
        keep: findings.keep_patterns().map(String::from).collect(),
    }
}

/// What a verdict means for the exit code, the line to print, stdout and the report.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub exit: Exit,
    /// One line for stderr.
    pub line: String,
    /// The witness action, for stdout, on a counterexample.
    pub witness: Option<String>,
    /// The verdict for the report.
    pub verdict: report::Verdict,
    /// The rule broken ([`report::RULES`]), unless proved.
    pub rule: Option<&'static str>,
    /// The line without its timing, for the report.
    pub reason: String,
    /// On a counterexample: the refined document and statement (from 0) involved.
    pub refined_at: Option<(usize, usize)>,
}

impl Judgement {
    /// The witness on stdout, the line on stderr (`name: ` first when given); a
    /// "proved" line is a summary, which `--quiet` hides, the others explain the exit code.
    pub fn print(&self, name: Option<&str>, console: &mut Console) -> Result<()> {
        if let Some(w) = &self.witness {
            console.out(&format!("{w}\n"))?;
        }
        let line = match name {
            Some(name) => format!("{name}: {}", self.line),
            None => self.line.clone(),
        };
        if self.exit == Exit::Ok {
            console.info(&line);
        } else {
            console.notice(&line);
        }
        Ok(())
    }

    /// The stderr line only: the witness is the report's.
    pub fn print_line(&self, name: Option<&str>, console: &mut Console) -> Result<()> {
        Judgement {
            witness: None,
            ..self.clone()
        }
        .print(name, console)
    }
}

pub fn judge(report: &Report) -> Judgement {
    let secs = report.elapsed.as_secs_f64();
    let timed = |text: &str| format!("{text} ({secs:.2} s)");
    match &report.verdict {
        Verdict::Proved => {
            let reason = format!(
                "proved{}: exact over {} catalog actions; contained over all strings",
                if report.whole_requests {
                    " over whole requests (the statements do not pair)"
                } else {
                    ""
                },
                thousands(report.catalog_actions)
            );
            Judgement {
                exit: Exit::Ok,
                line: timed(&reason),
                witness: None,
                verdict: report::Verdict::Proved,
                rule: None,
                reason,
                refined_at: None,
            }
        }
        Verdict::Counterexample(cx) => {
            let reason = format!("counterexample to {}: {}", cx.theorem, cx.detail);
            Judgement {
                exit: Exit::Counterexample,
                line: timed(&reason),
                witness: Some(cx.action.clone()),
                verdict: report::Verdict::Refuted,
                rule: Some(cx.theorem.id()),
                reason,
                refined_at: cx
                    .refined_statement
                    .map(|s| (cx.refined_document.unwrap_or(0), s)),
            }
        }
        Verdict::Unknown { reason } => {
            let reason =
                format!("unknown: the solver could not decide ({reason}); nothing is claimed");
            Judgement {
                exit: Exit::Unknown,
                line: timed(&reason),
                witness: None,
                verdict: report::Verdict::Unknown,
                rule: Some("unknown"),
                reason,
                refined_at: None,
            }
        }
    }
}

/// The verdict on a policy a recommendation creates documents for and never detaches.
pub fn judge_addition(report: &Report) -> Judgement {
    const ADDED: &str = "CREATE_POLICY without DETACH_POLICY: applied as written, the policy stays attached beside the new documents";
    let mut judgement = judge(report);
    let (line, reason) = match judgement.exit {
        // Nothing of it is unused: the change only adds to it, which is not what `verify`
        // proves (a refinement removes the unused); nothing is claimed.
        Exit::Ok => {
            judgement.exit = Exit::Error;
            judgement.verdict = report::Verdict::Error;
            judgement.rule = Some("error");
            let text = format!("{ADDED}, and allows nothing unused: the change only adds permissions, which verify does not judge; nothing is claimed");
            (text.clone(), text)
        }
        _ => (
            format!("{ADDED}; judged as kept unchanged: {}", judgement.line),
            format!("{ADDED}; judged as kept unchanged: {}", judgement.reason),
        ),
    };
    judgement.line = line;
    judgement.reason = reason;
    // The counterexample is about the original, kept beside the new documents.
    judgement.refined_at = None;
    judgement
}

/// A subject of the report from a judgement.
pub fn subject(judgement: &Judgement) -> report::Subject {
    report::Subject {
        file: None,
        line: None,
        original: None,
        policy_id: None,
        principal: None,
        check: "refinement",
        verdict: judgement.verdict,
        rule: judgement.rule,
        witness: judgement
            .witness
            .as_deref()
            .filter(|w| !w.is_empty())
            .map(report::Witness::action),
        reasons: vec![judgement.reason.clone()],
    }
}

/// A subject that could not be judged.
pub fn error_subject(reason: String) -> report::Subject {
    report::Subject {
        file: None,
        line: None,
        original: None,
        policy_id: None,
        principal: None,
        check: "refinement",
        verdict: report::Verdict::Error,
        rule: Some("error"),
        witness: None,
        reasons: vec![reason],
    }
}

pub fn run(config: &VerifyConfig, common: Common, console: &mut Console) -> Result<Exit> {
    let mut report = report::Report::new("verify");
    let machine = config.format != crate::args::ReportFormat::Text;
    let done = match &config.inputs {
        VerifyInputs::Files(files) => {
            crate::verify_files::run(config, files, common, console, &mut report, machine)
        }
        VerifyInputs::Account(account) => {
            crate::verify_account::run(config, account, common, console, &mut report)
        }
    };
    if let Err(e) = &done {
        report.failure = Some(crate::app::one_line(e));
    }
    report::emit(&report, config.format, config.compact, common, console)?;
    done.map(|()| report.exit())
}
