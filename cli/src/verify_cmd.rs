//! Proofs with Z3: `iam-refine verify`, and the prover `refine --verify` uses.
//!
//! The refiner and the prover share nothing but the JSON parser: the prover is handed the
//! documents as the files hold them ([`crate::document`]), the findings' names and the
//! catalog's names as plain data.

use anyhow::{bail, Context, Result};
use serde_json::Value;

use iam_refine::{parse_json_text, thousands};
use iam_refine::{Catalog, Findings, RefineOptions};
use iam_refine_verify::{Keep, Options, Report, Verdict, Z3Worker};

use crate::config::{Common, Limits, OriginalFile, VerifyConfig};
use crate::console::Console;
use crate::document::{self, Envelope, Refined};
use crate::exit::Exit;
use crate::input::{self, display_name};
use crate::names;
use crate::verify_names;
use crate::verify_steps::{self, Change, Job};

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
        Ok(self.prover.verify_documents_keeping(
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

fn read_original(file: &OriginalFile, limit: u64) -> Result<(Value, Envelope)> {
    let name = display_name(&file.path);
    document::policy_file(&input::read_input(&file.path, limit)?).context(name)
}

/// Every `--skip-sid` pattern must be about some statement of some original: a pattern
/// that matches nothing is most likely a typo, which would otherwise pass unnoticed.
fn check_skip_sid(skip_sid: &[String], originals: &[Value]) -> Result<()> {
    for pattern in skip_sid {
        let keep = Keep {
            sids: vec![pattern.clone()],
        };
        if originals.iter().all(|o| keep.matching(o).sids.is_empty()) {
            bail!("--skip-sid `{pattern}` matches no statement's `Sid` in the original policies");
        }
    }
    Ok(())
}

pub fn run(config: &VerifyConfig, common: Common, console: &mut Console) -> Result<Exit> {
    let limit = common.max_input_bytes;
    let catalog = input::load_catalog(config.catalog.as_deref(), limit)?;
    let findings_name = display_name(&config.unused);
    let findings_text = input::read_input(&config.unused, limit)?;
    let findings = Findings::parse(&findings_text).with_context(|| findings_name.clone())?;
    let mut mentions = names::finding_resources(
        &findings_name,
        &parse_json_text(&findings_text).with_context(|| findings_name.clone())?,
    )?;
    // `--keep` actions were never to be removed: not unused, for the proof either.
    let mut options = RefineOptions::new();
    for p in &config.keep {
        options = options.keep(p)?;
    }
    let findings = options.apply_keep(&findings);
    let refined_name = display_name(&config.refined);
    let refined = document::refined(&input::read_input(&config.refined, limit)?)
        .with_context(|| refined_name.clone())?;
    let originals = config
        .originals
        .iter()
        .map(|f| read_original(f, limit))
        .collect::<Result<Vec<_>>>()?;
    let original_names: Vec<String> = config
        .originals
        .iter()
        .map(|f| display_name(&f.path))
        .collect();
    for (name, (_, envelope)) in original_names.iter().zip(&originals) {
        mentions.extend(verify_names::envelope_mention(name, envelope));
    }
    // A policy document is one verdict without a name; a recommendation's are named.
    let named = matches!(refined, Refined::Recommendation(_));
    let jobs = match refined {
        Refined::Document(doc, envelope) => {
            if config.originals.len() != 1 {
                bail!(
                    "{refined_name} is one policy document: give one --original, not {}",
                    config.originals.len()
                );
            }
            mentions.extend(verify_names::envelope_mention(&refined_name, &envelope));
            verify_names::check_refined(
                &original_names[0],
                &originals[0].1,
                &refined_name,
                &envelope,
            )?;
            vec![Job {
                id: String::new(),
                original: 0,
                change: Change::Replace(vec![doc]),
            }]
        }
        Refined::Recommendation(rec) => {
            mentions.extend(verify_names::recommendation_mentions(&refined_name, &rec));
            verify_names::check_steps(&refined_name, &rec)?;
            let jobs = verify_steps::plan(
                &refined_name,
                &rec.steps,
                &config.originals,
                config.policy_id.as_deref(),
            )?;
            for job in &jobs {
                verify_names::check_original(
                    &original_names[job.original],
                    &originals[job.original].1,
                    &job.id,
                    &refined_name,
                )?;
            }
            jobs
        }
    };
    names::check_agree(&mentions)?;
    let documents: Vec<Value> = originals.into_iter().map(|(doc, _)| doc).collect();
    check_skip_sid(&config.skip_sid, &documents)?;
    let prover = Prover::new(&catalog, &findings, config.limits)?;
    let mut z3 = Z3Worker::new();
    let mut exit = Exit::Ok;
    for job in jobs {
        let original = &documents[job.original];
        let id = named.then_some(job.id.as_str());
        let judgement = match &job.change {
            Change::Replace(refined) => {
                prover.prove_keeping(&mut z3, original, refined, &prover.unused, &config.skip_sid)
            }
            Change::Detach => {
                prover.prove_keeping(&mut z3, original, &[], &prover.unused, &config.skip_sid)
            }
            // Applied as written, the policy stays: the principal ends up with it and the new
            // documents. That union allows what the policy allows, so it is right only if the
            // policy itself already is: proved against itself, a counterexample is an unused
            // action the principal keeps.
            Change::Add(_) => prover.prove_keeping(
                &mut z3,
                original,
                std::slice::from_ref(original),
                &prover.unused,
                &config.skip_sid,
            ),
        }
        .map(|report| match job.change {
            Change::Add(_) => judge_addition(&report),
            _ => judge(&report),
        });
        match (judgement, id) {
            (Ok(judgement), _) => {
                judgement.print(id, console)?;
                exit = exit.worse(judgement.exit);
            }
            // One policy the prover cannot judge does not hide the others' verdicts.
            (Err(e), Some(id)) => {
                crate::console::error(&format!("{id}: {e:#}"));
                exit = exit.worse(Exit::Error);
            }
            (Err(e), None) => return Err(e),
        }
    }
    Ok(exit)
}

/// The verdict on a policy a recommendation creates documents for and never detaches.
fn judge_addition(report: &Report) -> Judgement {
    const ADDED: &str = "CREATE_POLICY without DETACH_POLICY: applied as written, the policy stays attached beside the new documents";
    let mut judgement = judge(report);
    judgement.line = match judgement.exit {
        // Nothing of it is unused: the change only adds to it, which is not what `verify`
        // proves (a refinement removes the unused); nothing is claimed.
        Exit::Ok => {
            judgement.exit = Exit::Error;
            format!("{ADDED}, and allows nothing unused: the change only adds permissions, which verify does not judge; nothing is claimed")
        }
        _ => format!("{ADDED}; judged as kept unchanged: {}", judgement.line),
    };
    judgement
}
