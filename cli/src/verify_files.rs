//! `iam-refine verify --original ... --refined FILE`: the files given, one verdict per
//! policy (one for a policy document; one per policy a recommendation names, in its order).
//!
//! What was not used comes from the usage source, read as `refine` reads it
//! ([`crate::usage_input`]): findings or an Access Advisor report (`--unused`, with
//! `--unused-after`) name the unused actions for every policy; a list of used actions
//! (`--used`) leaves each original policy its own unused set, every catalog action it
//! allows that is not listed, exactly as `refine --used` computes it for that policy (the
//! library's reading of the original; the prover is given the resulting names). `--keep`
//! patterns are then taken out, as the refiner took them out.

use anyhow::{bail, Context, Result};
use serde_json::Value;

use iam_refine::{parse_json_text, Catalog, Findings, Policy, RefineOptions, Usage, UsageKind};
use iam_refine_iac::JsonLines;
use iam_refine_verify::Keep;

use crate::config::{Common, OriginalFile, VerifyConfig, VerifyFiles};
use crate::console::Console;
use crate::document::{self, Envelope, Refined};
use crate::input::{self, display_name};
use crate::names;
use crate::report::Report;
use crate::usage_input::{self, UsageInput};
use crate::verify_cmd::{error_subject, judge, judge_addition, subject, unused_of, Prover};
use crate::verify_names;
use crate::verify_steps::{self, Change, Job};
use crate::warnings;

/// One `--original`, read.
struct Original {
    document: Value,
    envelope: Envelope,
    /// The file's text, for the library's reading when unused is resolved per policy.
    text: String,
}

fn read_original(file: &OriginalFile, limit: u64) -> Result<Original> {
    let name = display_name(&file.path);
    let text = input::read_input(&file.path, limit)?;
    let (document, envelope) = document::policy_file(&text).context(name)?;
    Ok(Original {
        document,
        envelope,
        text,
    })
}

/// Every `--skip-sid` pattern must be about some statement of some original: a pattern
/// that matches nothing is most likely a typo, which would otherwise pass unnoticed.
pub fn check_skip_sid(skip_sid: &[String], originals: &[&Value]) -> Result<()> {
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

/// `--keep` as the refiner takes it out of the findings.
pub fn keep_options(keep: &[String]) -> Result<RefineOptions> {
    let mut options = RefineOptions::new();
    for p in keep {
        options = options.keep(p)?;
    }
    Ok(options)
}

pub fn run(
    config: &VerifyConfig,
    files: &VerifyFiles,
    common: Common,
    console: &mut Console,
    report: &mut Report,
    machine: bool,
) -> Result<()> {
    let limit = common.max_input_bytes;
    let catalog = input::load_catalog(config.catalog.as_deref(), limit)?;
    let usage_name = display_name(files.usage.path());
    let usage = usage_input::load(&files.usage, config.unused_after, limit)?;
    // Findings set aside (not ACTIVE) or put together, a truncated report: the proof is
    // about what is left.
    for w in warnings::summarise(
        &format!("{usage_name}: "),
        usage.warnings.iter().map(String::as_str),
    ) {
        console.warn(&w);
    }
    let mut mentions = usage_mentions(&usage, &usage_name, files, limit)?;
    // `--keep` actions were never to be removed: not unused, for the proof either.
    let options = keep_options(&config.keep)?;
    let refined_name = display_name(&files.refined);
    let refined_text = input::read_input(&files.refined, limit)?;
    let refined = document::refined(&refined_text).with_context(|| refined_name.clone())?;
    let originals = files
        .originals
        .iter()
        .map(|f| read_original(f, limit))
        .collect::<Result<Vec<_>>>()?;
    let original_names: Vec<String> = files
        .originals
        .iter()
        .map(|f| display_name(&f.path))
        .collect();
    for (name, o) in original_names.iter().zip(&originals) {
        mentions.extend(verify_names::envelope_mention(name, &o.envelope));
    }
    // A policy document is one verdict without a name; a recommendation's are named.
    let named = matches!(refined, Refined::Recommendation(_));
    let mut principal = usage.resource_arn.clone();
    let jobs = match refined {
        Refined::Document(doc, envelope) => {
            if files.originals.len() != 1 {
                bail!(
                    "{refined_name} is one policy document: give one --original, not {}",
                    files.originals.len()
                );
            }
            mentions.extend(verify_names::envelope_mention(&refined_name, &envelope));
            verify_names::check_refined(
                &original_names[0],
                &originals[0].envelope,
                &refined_name,
                &envelope,
            )?;
            vec![Job {
                id: String::new(),
                original: 0,
                change: Change::Replace(vec![doc]),
                steps: Vec::new(),
                creates: Vec::new(),
            }]
        }
        Refined::Recommendation(rec) => {
            mentions.extend(verify_names::recommendation_mentions(&refined_name, &rec));
            verify_names::check_steps(&refined_name, &rec)?;
            principal = principal.or_else(|| rec.resource_arn.clone());
            let jobs = verify_steps::plan(
                &refined_name,
                &rec.steps,
                &files.originals,
                files.policy_id.as_deref(),
            )?;
            for job in &jobs {
                verify_names::check_original(
                    &original_names[job.original],
                    &originals[job.original].envelope,
                    &job.id,
                    &refined_name,
                )?;
            }
            jobs
        }
    };
    names::check_agree(&mentions)?;
    let documents: Vec<&Value> = originals.iter().map(|o| &o.document).collect();
    check_skip_sid(&config.skip_sid, &documents)?;
    let prover = Prover::new(&catalog, &Findings::default(), config.limits)?;
    let lines = JsonLines::of(&refined_text);
    let mut z3 = crate::prover::new_worker();
    for job in jobs {
        let original = &originals[job.original];
        let id = named.then_some(job.id.as_str());
        let at = |line: Option<usize>, mut s: crate::report::Subject| {
            s.file = Some(refined_name.clone());
            s.line = line;
            s.original = Some(original_names[job.original].clone());
            s.policy_id = id.map(str::to_string);
            s.principal.clone_from(&principal);
            s
        };
        let judged = unused_for(&usage, original, &catalog, &original_names[job.original])
            .map(|findings| unused_of(&options.apply_keep(&findings)))
            .and_then(|unused| {
                let doc = &original.document;
                let refined: &[Value] = match &job.change {
                    Change::Replace(refined) => refined,
                    Change::Detach => &[],
                    // Applied as written, the policy stays: the principal ends up with it and
                    // the new documents. That union allows what the policy allows, so it is
                    // right only if the policy itself already is: proved against itself, a
                    // counterexample is an unused action the principal keeps.
                    Change::Add(_) => std::slice::from_ref(doc),
                };
                prover.prove_keeping(&mut z3, doc, refined, &unused, &config.skip_sid)
            })
            .map(|proof| match job.change {
                Change::Add(_) => judge_addition(&proof),
                _ => judge(&proof),
            });
        match (judged, id) {
            (Ok(judgement), _) => {
                if machine {
                    judgement.print_line(id, console)?;
                } else {
                    judgement.print(id, console)?;
                }
                let line = line_of(&lines, &job, named, judgement.refined_at);
                report.subjects.push(at(line, subject(&judgement)));
            }
            // One policy the prover cannot judge does not hide the others' verdicts.
            (Err(e), Some(id)) => {
                crate::console::error(&format!("{id}: {e:#}"));
                let line = line_of(&lines, &job, named, None);
                report
                    .subjects
                    .push(at(line, error_subject(format!("{e:#}"))));
            }
            (Err(e), None) => return Err(e),
        }
    }
    Ok(())
}

/// Who the usage source says it is about, for the names every input must agree on.
fn usage_mentions(
    usage: &UsageInput,
    name: &str,
    files: &VerifyFiles,
    limit: u64,
) -> Result<Vec<names::Mention>> {
    if usage.kind != UsageKind::Findings {
        return Ok(Vec::new());
    }
    // Read again as JSON only for the names: the usage reader keeps the one principal.
    let text = input::read_input(files.usage.path(), limit)?;
    let value = parse_json_text(&text).with_context(|| name.to_string())?;
    Ok(names::finding_resources(name, &value)?)
}

/// The unused names for `original`: the source's own, or for observed usage every catalog
/// action this policy allows that was not used (`refine --used` for this policy alone).
fn unused_for(
    usage: &UsageInput,
    original: &Original,
    catalog: &Catalog,
    name: &str,
) -> Result<Findings> {
    match &usage.usage {
        Usage::Unused(findings) => Ok(findings.clone()),
        Usage::Used(_) => {
            let policy = Policy::parse(&original.text).with_context(|| name.to_string())?;
            Ok(usage.unused_in(&policy, catalog).into_owned())
        }
    }
}

/// Where in the refined file a policy's verdict points: the statement of a counterexample
/// when the file has it as JSON (a policy document, bare or in the AWS CLI's envelope), else
/// its `Statement`; for a recommendation, the step of the document involved, else the
/// policy's first step.
fn line_of(
    lines: &JsonLines,
    job: &Job,
    recommendation: bool,
    at: Option<(usize, usize)>,
) -> Option<usize> {
    if recommendation {
        let step = match (at, &job.change) {
            (Some((doc, _)), Change::Replace(_)) => job.creates.get(doc).copied(),
            _ => job.steps.first().copied(),
        }?;
        return lines.line(&["recommendedSteps", &step.to_string()]);
    }
    let prefixes: [&[&str]; 3] = [&[], &["PolicyVersion", "Document"], &["PolicyDocument"]];
    for prefix in prefixes {
        let mut path: Vec<&str> = prefix.to_vec();
        path.push("Statement");
        let Some(statement) = lines.line(&path) else {
            continue;
        };
        let index = at.map(|(_, s)| s.to_string());
        if let Some(i) = &index {
            path.push(i);
            if let Some(line) = lines.line(&path) {
                return Some(line);
            }
        }
        return Some(statement);
    }
    None
}
