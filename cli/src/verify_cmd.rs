//! Proofs with Z3: `iam-refine verify`, and the prover `refine --verify` uses.
//!
//! The refiner and the prover share the input parsing (unwrapping the AWS CLI's shapes) and
//! nothing else: the prover reads the two documents, the findings' names and the catalog's
//! names as plain data.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use iam_refine::thousands;
use iam_refine::{parse_json_text, recommended_steps, PolicyKind};
use iam_refine::{Catalog, Findings, Policy};
use iam_refine_verify::{Options, Report, Verdict};

use crate::app::Exit;
use crate::args::VerifyArgs;
use crate::io;

/// The prover with what stays the same across policies: catalog names and findings.
pub struct Prover {
    catalog: Vec<String>,
    unused: iam_refine_verify::Unused,
    options: Options,
}

impl Prover {
    pub fn new(
        catalog: &Catalog,
        findings: &Findings,
        timeout_seconds: f64,
        rlimit: Option<u32>,
    ) -> Result<Prover> {
        if !(timeout_seconds > 0.0 && timeout_seconds.is_finite()) {
            bail!("--timeout must be a positive number of seconds, got {timeout_seconds}");
        }
        Ok(Prover {
            catalog: (0..catalog.len())
                .map(|i| catalog.name(i).to_string())
                .collect(),
            unused: iam_refine_verify::Unused {
                actions: findings.actions().map(String::from).collect(),
                services: findings.services().map(String::from).collect(),
            },
            options: Options {
                timeout: Some(Duration::from_secs_f64(timeout_seconds)),
                rlimit,
            },
        })
    }

    pub fn prove(&self, original: &Value, refined: &Value) -> Result<Report> {
        self.prove_documents(original, std::slice::from_ref(refined))
    }

    /// `refined`: the documents that together replace `original` (none: it is detached).
    pub fn prove_documents(&self, original: &Value, refined: &[Value]) -> Result<Report> {
        let prover = iam_refine_verify::Prover::new(&self.catalog)?;
        let mut z3 = iam_refine_verify::Z3Worker::new();
        Ok(prover.verify_documents(&mut z3, original, refined, &self.unused, &self.options)?)
    }
}

/// What a verdict means for the exit code, the line to print, and stdout.
pub struct Judgement {
    pub exit: Exit,
    /// One line for stderr.
    pub line: String,
    /// The witness action, for stdout, on a counterexample.
    pub witness: Option<String>,
}

pub fn judge(report: &Report) -> Judgement {
    let secs = report.elapsed.as_secs_f64();
    match &report.verdict {
        Verdict::Proved => Judgement {
            exit: Exit::Ok,
            line: format!(
                "proved: exact over {} catalog actions; contained over all strings ({secs:.2} s)",
                thousands(report.catalog_actions)
            ),
            witness: None,
        },
        Verdict::Counterexample(cx) => Judgement {
            exit: Exit::Counterexample,
            line: format!(
                "counterexample to {}: {} ({secs:.2} s)",
                cx.theorem, cx.detail
            ),
            witness: Some(cx.action.clone()),
        },
        Verdict::Unknown { reason } => Judgement {
            exit: Exit::Unknown,
            line: format!(
                "unknown: the solver could not decide ({reason}); nothing is claimed ({secs:.2} s)"
            ),
            witness: None,
        },
    }
}

/// A policy document as the prover reads it, from any shape `refine` accepts.
fn document(path: &Path, text: &str) -> Result<Value> {
    let policy = Policy::parse(text).with_context(|| path.display().to_string())?;
    Ok(policy.to_value())
}

/// The refined documents: a policy, or one step of a `get-finding-recommendation` output
/// (a `DETACH_POLICY` step is no document: the policy is detached).
fn refined_document(path: &Path, text: &str, policy_id: Option<&str>) -> Result<Vec<Value>> {
    let name = path.display().to_string();
    let value = parse_json_text(text).with_context(|| name.clone())?;
    let Some(steps) = recommended_steps(&value) else {
        return Ok(vec![document(path, text)?]);
    };
    let steps = steps.with_context(|| name.clone())?;
    let matches = |id: &Option<String>| match (id, policy_id) {
        (_, None) => true,
        (Some(id), Some(want)) => id == want || id.rsplit('/').next() == Some(want),
        (None, Some(_)) => false,
    };
    let chosen: Vec<_> = steps.iter().filter(|s| matches(&s.policy_id)).collect();
    let step = match chosen.as_slice() {
        [one] => *one,
        [] if steps.is_empty() => bail!("{name}: the recommendation has no step"),
        [] => bail!(
            "{name}: no recommended step for policy `{}` (steps are for: {})",
            policy_id.unwrap_or_default(),
            ids(&steps)
        ),
        _ => bail!(
            "{name}: the recommendation has {} steps; choose one with --policy-id (steps are for: {})",
            chosen.len(),
            ids(&steps)
        ),
    };
    Ok(match &step.document {
        Some(doc) => {
            // Read it as `refine` would, so malformed recommendations are named here.
            vec![Policy::from_document(doc.clone(), PolicyKind::Managed)
                .with_context(|| format!("{name}: recommendedPolicy"))?
                .to_value()]
        }
        None => Vec::new(),
    })
}

fn ids(steps: &[iam_refine::RecommendedStep]) -> String {
    steps
        .iter()
        .map(|s| s.policy_id.clone().unwrap_or_else(|| "(no id)".into()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn run(a: &VerifyArgs) -> Result<Exit> {
    let catalog = io::load_catalog(a.catalog.as_deref())?;
    let findings = Findings::parse(&io::read_input(&a.unused)?)
        .with_context(|| a.unused.display().to_string())?;
    let original = document(&a.original, &io::read_input(&a.original)?)?;
    let refined = refined_document(
        &a.refined,
        &io::read_input(&a.refined)?,
        a.policy_id.as_deref(),
    )?;
    let prover = Prover::new(&catalog, &findings, a.timeout, a.rlimit)?;
    let report = prover.prove_documents(&original, &refined)?;
    let j = judge(&report);
    if let Some(w) = &j.witness {
        println!("{w}");
    }
    eprintln!("{}", j.line);
    Ok(j.exit)
}
