//! Proofs with Z3: `iam-refine verify`, and the prover `refine --verify` uses.
//!
//! The refiner and the prover share nothing but the JSON parser: the prover is handed the
//! documents as the files hold them ([`crate::document`]), the findings' names and the
//! catalog's names as plain data.

use anyhow::{bail, Context, Result};
use serde_json::Value;

use iam_refine::thousands;
use iam_refine::{Catalog, Findings, RecommendedStep};
use iam_refine_verify::{Options, Report, Verdict, Z3Worker};

use crate::config::{Common, Limits, VerifyConfig};
use crate::console::Console;
use crate::document::{self, Refined};
use crate::exit::Exit;
use crate::input::{self, display_name};

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
        let names: Vec<String> = (0..catalog.len())
            .map(|i| catalog.name(i).to_string())
            .collect();
        Ok(Prover {
            prover: iam_refine_verify::Prover::new(&names)?,
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
        Ok(self
            .prover
            .verify_documents(z3, original, refined, unused, &self.options)?)
    }

    /// As [`Prover::prove_with`], where the original's statements whose `Sid` matches one
    /// of `skip_sid` (globs, as `--skip-sid` takes them) were left as written: each must
    /// appear unchanged in the refined documents, and is not held to the unused findings.
    #[allow(dead_code)] // until `refine --skip-sid` and `account` call it
    pub fn prove_keeping(
        &self,
        z3: &mut Z3Worker,
        original: &Value,
        refined: &[Value],
        unused: &iam_refine_verify::Unused,
        skip_sid: &[String],
    ) -> Result<Report> {
        if skip_sid.is_empty() {
            return self.prove_with(z3, original, refined, unused);
        }
        bail!("statements left as written by --skip-sid cannot be verified yet")
    }
}

/// The findings as the prover reads them: plain names, nothing resolved by the refiner.
pub fn unused_of(findings: &Findings) -> iam_refine_verify::Unused {
    iam_refine_verify::Unused {
        actions: findings.actions().map(String::from).collect(),
        services: findings.services().map(String::from).collect(),
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

/// The refined documents: a policy, or one step of a `get-finding-recommendation` output
/// (a `DETACH_POLICY` step is no document: the policy is detached).
fn refined_document(name: &str, text: &str, policy_id: Option<&str>) -> Result<Vec<Value>> {
    let steps = match document::refined(text).with_context(|| name.to_string())? {
        Refined::Document(doc) => return Ok(vec![doc]),
        Refined::Steps(steps) => steps,
    };
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
        // The recommended document as AWS wrote it; the prover names what is malformed.
        Some(doc) => vec![Value::Object(doc.clone())],
        None => Vec::new(),
    })
}

fn ids(steps: &[RecommendedStep]) -> String {
    steps
        .iter()
        .map(|s| s.policy_id.clone().unwrap_or_else(|| "(no id)".into()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn run(config: &VerifyConfig, common: Common, console: &mut Console) -> Result<Exit> {
    let limit = common.max_input_bytes;
    let catalog = input::load_catalog(config.catalog.as_deref(), limit)?;
    let findings_name = display_name(&config.unused);
    let findings =
        Findings::parse(&input::read_input(&config.unused, limit)?).context(findings_name)?;
    let original_name = display_name(&config.original);
    let original =
        document::policy(&input::read_input(&config.original, limit)?).context(original_name)?;
    let refined_name = display_name(&config.refined);
    let refined = refined_document(
        &refined_name,
        &input::read_input(&config.refined, limit)?,
        config.policy_id.as_deref(),
    )?;
    let prover = Prover::new(&catalog, &findings, config.limits)?;
    let judgement = judge(&prover.prove_documents(&mut Z3Worker::new(), &original, &refined)?);
    judgement.print(None, console)?;
    Ok(judgement.exit)
}
