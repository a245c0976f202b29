//! `iam-refine refine`, in three steps: [`load`] reads and checks every input before any
//! work, [`refine_all`] refines (with `--fit-quota` fits, with `--verify` proves) each
//! policy into its documents, and [`emit`] renders them in the chosen `--format`
//! ([`crate::refine_render`]) and prints them or writes every file at once.
//!
//! Each policy is refined against its own findings: the usage source's, or for observed
//! usage (`--used`) what that policy allows and was not used; minus what `--keep`
//! protects. The prover is given exactly those findings.
//!
//! On stdout, a policy split by `--fit-quota` is its documents one after another (each
//! JSON text ends with a newline); with `--output-dir` they are `p.json`, `p-2.json`, ...

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use iam_refine::{
    fit_quota, quota_warning_with_sizes, refine_with, summary_with_sizes, thousands, Catalog, Fit,
    FitLimits, Policy, PolicyKind, Refinement, Sizes, Stats, MANAGED_POLICIES_PER_PRINCIPAL,
    MANAGED_POLICIES_PER_PRINCIPAL_MAX,
};

use crate::args::{Format, ReportFormat};
use crate::config::{Common, Output, RefineConfig};
use crate::console::Console;
use crate::exit::Exit;
use crate::input::{self, display_name};
use crate::manifest::Tracking;
use crate::names::{self, Mention, Principal};
use crate::output::{self, Plan};
use crate::refine_render::{self as rr, Recommend, VerdictNote};
use crate::usage_input::{self, UsageInput};
#[cfg(feature = "verify")]
use crate::verify_cmd::{judge, unused_of, Judgement, Prover};
use crate::warnings;

pub fn run(config: &RefineConfig, common: Common, console: &mut Console) -> Result<Exit> {
    let loaded = load(config, common, console)?;
    let outcomes = refine_all(&loaded, config, console)?;
    // With `--verify` on GitHub Actions: an annotation per policy not proved, and a summary.
    let proofs: Vec<crate::report::Subject> = outcomes
        .iter()
        .filter_map(|o| o.proof.as_ref().map(|p| p.subject.clone()))
        .collect();
    let exit = emit(config, &loaded, &outcomes, console)?;
    if common.github && config.verify.is_some() {
        let mut report = crate::report::Report::new("refine");
        report.subjects = proofs;
        crate::report::emit(&report, ReportFormat::Text, false, common, console)?;
    }
    // The process ends with this command (its one caller is `app::run`): what it read and
    // made goes back to the system with it rather than being freed name by name, which
    // was 4 % of a run over a 1M-action catalog.
    std::mem::forget(outcomes);
    std::mem::forget(loaded);
    Ok(exit)
}

/// One policy file, read.
struct Source {
    /// As given (`<stdin>` for `-`), for messages and diff headers.
    name: String,
    /// The file's name, for `--output-dir`.
    file_name: String,
    /// `existingPolicyId` in a recommendation.
    policy_id: String,
    /// The file's text, for the prover to read itself.
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    text: String,
    policy: Policy,
}

/// Every input, read and checked.
struct Loaded {
    catalog: Catalog,
    usage: UsageInput,
    sources: Vec<Source>,
}

fn load(config: &RefineConfig, common: Common, console: &mut Console) -> Result<Loaded> {
    let limit = common.max_input_bytes;
    let catalog = input::load_catalog(config.catalog.as_deref(), limit)?;
    let usage = usage_input::load(&config.usage, config.unused_after, limit)?;
    let usage_name = display_name(config.usage.path());
    for w in warnings::summarise(
        &format!("{usage_name}: "),
        usage.warnings.iter().map(String::as_str),
    ) {
        console.warn(&w);
    }
    let mut sources = Vec::with_capacity(config.policies.len());
    // The findings and every `get-role-policy` (user, group) output must be about one
    // principal: another's findings would remove what this one uses.
    let mut mentions: Vec<Mention> = usage
        .resource_arn
        .iter()
        .map(|arn| Mention {
            file: usage_name.clone(),
            field: "resource",
            principal: Principal::Arn(arn.clone()),
        })
        .collect();
    for path in &config.policies {
        let name = display_name(path);
        let text = input::read_input(path, limit)?;
        let policy = Policy::parse(&text).with_context(|| name.clone())?;
        if let Ok(value) = iam_refine::parse_json_text(&text) {
            mentions.extend(names::policy_file_owner(&name, &value)?);
        }
        let file_name = path
            .file_name()
            .map_or_else(|| "stdin".to_string(), |n| n.to_string_lossy().into_owned());
        let policy_id = inline_policy_name(&text).unwrap_or_else(|| {
            Path::new(&file_name)
                .file_stem()
                .map_or_else(|| file_name.clone(), |s| s.to_string_lossy().into_owned())
        });
        sources.push(Source {
            name,
            file_name,
            policy_id,
            text,
            policy,
        });
    }
    names::check_agree(&mentions)?;
    Ok(Loaded {
        catalog,
        usage,
        sources,
    })
}

/// `PolicyName` of `get-role-policy` (user, group) output.
fn inline_policy_name(text: &str) -> Option<String> {
    let value = iam_refine::parse_json_text(text).ok()?;
    value.get("PolicyDocument")?;
    value
        .get("PolicyName")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// What becomes of one policy.
enum Fate {
    /// The refined documents, as printed (several when split).
    Refined(Vec<Value>),
    /// Every action is unused.
    Detach,
    /// With `--verify`: refuted or undecided; nothing is written.
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    NotProved(Exit),
}

/// A proof's outcome, kept for the summary.
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
struct Proof {
    result: &'static str,
    line: String,
    witness: Option<String>,
    /// The verdict as the report has it (GitHub's annotations and summary).
    subject: crate::report::Subject,
}

struct Outcome {
    fate: Fate,
    changed: bool,
    stats: Stats,
    sizes: Sizes,
    document_sizes: Vec<usize>,
    fit: Option<String>,
    warnings: Vec<String>,
    proof: Option<Proof>,
}

impl Outcome {
    fn exit(&self) -> Exit {
        match self.fate {
            Fate::Refined(_) => Exit::Ok,
            Fate::Detach => Exit::Detach,
            Fate::NotProved(e) => e,
        }
    }

    fn documents(&self) -> &[Value] {
        match &self.fate {
            Fate::Refined(docs) => docs,
            Fate::Detach | Fate::NotProved(_) => &[],
        }
    }

    fn status(&self) -> &'static str {
        match self.fate {
            Fate::Refined(_) if self.changed => "refined",
            Fate::Refined(_) => "unchanged",
            Fate::Detach => "detach",
            Fate::NotProved(_) => "not-proved",
        }
    }
}

/// A managed policy may become several (as many as a principal has room for by default);
/// an inline policy's quota is its principal's aggregate, so it stays one.
fn fit_limits(kind: PolicyKind) -> FitLimits {
    FitLimits {
        quota: kind.quota(),
        max_parts: if kind == PolicyKind::Managed {
            MANAGED_POLICIES_PER_PRINCIPAL
        } else {
            1
        },
    }
}

/// The documents to print and what `--fit-quota` did.
struct Fitted {
    /// `None`: the refinement's own policy, as it is (not copied: a 1M-action policy
    /// took longer to copy and free than to print).
    policies: Option<Vec<Policy>>,
    /// For the summary.
    note: Option<String>,
    fits: bool,
    /// When split: the single policy the parts were cut from, which is what is proved.
    whole: Option<Policy>,
}

fn fitted(
    source: &Source,
    refinement: &Refinement,
    unused: &iam_refine::Unused<'_>,
    fit_quota_on: bool,
) -> Fitted {
    let unfitted = |policies| Fitted {
        policies,
        note: None,
        fits: true,
        whole: None,
    };
    if refinement.detach {
        return unfitted(Some(Vec::new()));
    }
    if !fit_quota_on {
        return unfitted(None);
    }
    let limits = fit_limits(source.policy.kind);
    let fit = fit_quota(&source.policy, refinement, unused, limits);
    let infix = fit.infix();
    let with_infix = if infix.written > 0 {
        format!(
            " with {} infix wildcards for {} entries",
            thousands(infix.written),
            thousands(infix.replaced)
        )
    } else {
        String::new()
    };
    let quota = thousands(limits.quota);
    let note = match &fit {
        Fit::Fits { .. } if infix.written == 0 => None,
        Fit::Fits { policy, .. } => Some(format!(
            "fitted to {} characters{with_infix} (quota {quota})",
            thousands(policy.size())
        )),
        Fit::Split { parts, .. } => Some(format!(
            "split into {} managed policies{with_infix}, each within {quota} characters",
            parts.len()
        )),
        Fit::TooLarge {
            smallest,
            parts_needed,
            ..
        } => Some(format!(
            "cannot fit the {quota}-character quota: the smallest reached is {} characters{}",
            thousands(*smallest),
            match parts_needed {
                Some(n) => format!(
                    ", which would take {n} managed policies (more than the {MANAGED_POLICIES_PER_PRINCIPAL} a principal has by default, at most {MANAGED_POLICIES_PER_PRINCIPAL_MAX} on request)"
                ),
                None => ", and a statement that cannot be cut is too large alone".to_string(),
            }
        )),
    };
    let fits = fit.fits();
    let (policies, whole) = match fit {
        Fit::Split { whole, parts, .. } => (parts, Some(whole)),
        Fit::Fits { policy, .. } | Fit::TooLarge { policy, .. } => (vec![policy], None),
    };
    Fitted {
        policies: Some(policies),
        note,
        fits,
        whole,
    }
}

fn refine_all(
    loaded: &Loaded,
    config: &RefineConfig,
    console: &mut Console,
) -> Result<Vec<Outcome>> {
    #[cfg(feature = "verify")]
    let prover = config
        .verify
        .map(|limits| {
            let none = iam_refine::Findings::from_names::<&str>(&[], &[]);
            Prover::new(&loaded.catalog, &none, limits)
        })
        .transpose()?;
    #[cfg(feature = "verify")]
    let mut z3 = crate::prover::new_worker();
    let catalog = &loaded.catalog;
    let options = &config.options;
    let total = loaded.sources.len();
    let mut outcomes = Vec::with_capacity(total);
    for (k, source) in loaded.sources.iter().enumerate() {
        let findings = options.apply_keep_cow(loaded.usage.unused_in(&source.policy, catalog));
        let unused = findings.resolve(catalog);
        let refinement = refine_with(&source.policy, &unused, options);
        let Fitted {
            policies: fitted_policies,
            note: fit,
            fits,
            whole,
        } = fitted(source, &refinement, &unused, config.fit_quota);
        let policies: Vec<&Policy> = match &fitted_policies {
            Some(policies) => policies.iter().collect(),
            None => vec![&refinement.policy],
        };
        // Measured once: the summary, the quota warning and the JSON summary all use them.
        let sizes = Sizes::of(&source.policy, &refinement);
        #[cfg(not(feature = "verify"))]
        let _ = &whole;
        let mut notes = refinement.warnings.clone();
        // Once fitted, the quota warning is the fit's own note.
        if !config.fit_quota || !fits {
            notes.extend(quota_warning_with_sizes(&source.policy, sizes));
        }
        notes.extend(fit.clone().filter(|_| !fits));
        report(
            k,
            total,
            source,
            (&refinement, sizes),
            &notes,
            fit.as_deref().filter(|_| fits),
            console,
        );
        let changed = refinement.changed(&source.policy);
        let document_sizes = policies
            .iter()
            .map(|p| match sizes.after {
                Some(after) if std::ptr::eq(*p, &refinement.policy) => after,
                _ => p.size(),
            })
            .collect();
        // The documents as values: what is printed is serialised from these, and what is
        // proved is these (no round trip through the text: a 1M-action policy spent more
        // time printing and re-reading it than refining). The policies are taken apart
        // into them, their names moved rather than copied.
        let documents: Vec<Value> = match fitted_policies {
            Some(policies) => policies.into_iter().map(Policy::into_value).collect(),
            None => vec![refinement.policy.into_value()],
        };
        #[cfg_attr(not(feature = "verify"), allow(unused_mut))]
        let mut outcome = Outcome {
            fate: if refinement.detach {
                Fate::Detach
            } else {
                Fate::Refined(documents)
            },
            changed,
            stats: refinement.stats,
            sizes,
            document_sizes,
            fit,
            warnings: notes,
            proof: None,
        };
        #[cfg(feature = "verify")]
        if let Some(prover) = &prover {
            let judgement = prove(
                prover,
                &mut z3,
                source,
                (outcome.documents(), whole.as_ref()),
                &findings,
                config,
            )?;
            let json = config.rendering.format == Format::Json;
            // In a JSON summary the witness is a field; stdout holds only the summary.
            if json {
                judgement.print_line(Some(&source.name), console)?;
            } else {
                judgement.print(Some(&source.name), console)?;
            }
            let mut subject = crate::verify_cmd::subject(&judgement);
            subject.file = Some(source.name.clone());
            subject.policy_id = Some(source.policy_id.clone());
            subject.principal.clone_from(&loaded.usage.resource_arn);
            outcome.proof = Some(Proof {
                result: match judgement.exit {
                    Exit::Ok => "proved",
                    Exit::Counterexample => "counterexample",
                    _ => "unknown",
                },
                line: judgement.line,
                witness: judgement.witness,
                subject,
            });
            if judgement.exit != Exit::Ok {
                outcome.fate = Fate::NotProved(judgement.exit);
            }
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Proves the documents that will be printed or written against the original file as
/// written, with this policy's findings (minus what `--keep` keeps); statements left as
/// written by `--skip-sid` are held to "unchanged".
#[cfg(feature = "verify")]
fn prove(
    prover: &Prover,
    z3: &mut iam_refine_verify::Z3Worker,
    source: &Source,
    (documents, whole): (&[Value], Option<&Policy>),
    findings: &iam_refine::Findings,
    config: &RefineConfig,
) -> Result<Judgement> {
    let cannot = || format!("{}: cannot verify", source.name);
    let original = crate::document::policy(&source.text).with_context(cannot)?;
    let skip: Vec<String> = config
        .options
        .skip_sid_patterns()
        .map(str::to_string)
        .collect();
    let unused = unused_of(findings);
    let Some(whole) = whole else {
        let report = prover
            .prove_keeping(z3, &original, documents, &unused, &skip)
            .with_context(cannot)?;
        return Ok(judge(&report));
    };
    // A split: the policy the parts were cut from is proved, and the parts are checked
    // to be it (crate::split_check).
    let whole = iam_refine::parse_json_text(&whole.to_pretty_json()).with_context(cannot)?;
    let report = prover
        .prove_keeping(z3, &original, std::slice::from_ref(&whole), &unused, &skip)
        .with_context(cannot)?;
    let mut judgement = judge(&report);
    if judgement.exit == Exit::Ok {
        if let Err(why) = crate::split_check::parts_match(&whole, documents) {
            bail!(
                "{}: the {} parts are not the proved policy: {why}",
                source.name,
                documents.len()
            );
        }
        judgement.line.push_str(&format!(
            "; the {} parts together are exactly this policy",
            documents.len()
        ));
    }
    Ok(judgement)
}

/// The summary and warnings of one policy, on stderr.
fn report(
    k: usize,
    total: usize,
    source: &Source,
    (refinement, sizes): (&Refinement, Sizes),
    warnings_: &[String],
    fit: Option<&str>,
    console: &mut Console,
) {
    for line in warnings::summarise(
        &format!("{}: ", source.name),
        warnings_.iter().map(String::as_str),
    ) {
        console.warn(&line);
    }
    let counter = if total > 1 {
        format!("[{}/{}] ", k + 1, total)
    } else {
        String::new()
    };
    let mut text = format!(
        "{counter}{}",
        summary_with_sizes(&source.name, &source.policy, refinement, sizes)
    );
    if let Some(fit) = fit {
        text.push_str(&format!("\n  quota: {fit}"));
    }
    // "Detach this policy" explains exit code 5, so `--quiet` shows it too.
    if refinement.detach {
        console.notice(&text);
    } else {
        console.info(&text);
    }
}

/// The texts of one policy in the chosen format, each with its file name (relative to
/// `--output-dir`); none when the format has nothing to say (a policy to detach or not
/// proved, as a policy).
fn render(
    config: &RefineConfig,
    loaded: &Loaded,
    source: &Source,
    o: &Outcome,
    color: bool,
) -> Vec<(String, String)> {
    let r = &config.rendering;
    let documents = o.documents();
    let proved_or_unchecked = !matches!(o.fate, Fate::NotProved(_));
    match r.format {
        Format::Policy => rr::policy_texts(documents, r.compact)
            .into_iter()
            .enumerate()
            .map(|(k, text)| (rr::part_name(&source.file_name, k), text))
            .collect(),
        Format::Diff if proved_or_unchecked => vec![(
            rr::diff_name(&source.file_name),
            rr::diff_text(
                &source.name,
                &source.policy.to_pretty_json(),
                documents,
                color,
            ),
        )],
        Format::Recommendation if proved_or_unchecked => {
            let value = rr::recommendation(&Recommend {
                resource_arn: loaded.usage.resource_arn.as_deref(),
                policy_id: &source.policy_id,
                documents,
                changed: o.changed,
            });
            vec![(
                source.file_name.clone(),
                crate::render::json_text(&value, r.compact),
            )]
        }
        Format::Diff | Format::Recommendation => Vec::new(),
        Format::Json => {
            let value = rr::summary(&rr::Summary {
                name: &source.name,
                status: o.status(),
                stats: &o.stats,
                size_before: o.sizes.before,
                size_after: o.sizes.after,
                quota: o.sizes.quota,
                document_sizes: if documents.is_empty() {
                    &[]
                } else {
                    &o.document_sizes
                },
                fit: o.fit.as_deref(),
                warnings: &o.warnings,
                verdict: o.proof.as_ref().map(|p| VerdictNote {
                    result: p.result,
                    line: &p.line,
                    witness: p.witness.as_deref(),
                }),
                documents,
            });
            vec![(
                source.file_name.clone(),
                crate::render::json_text(&value, r.compact),
            )]
        }
    }
}

fn emit(
    config: &RefineConfig,
    loaded: &Loaded,
    outcomes: &[Outcome],
    console: &mut Console,
) -> Result<Exit> {
    let exit = outcomes
        .iter()
        .fold(Exit::Ok, |exit, o| exit.worse(o.exit()));
    let dir = match &config.output {
        Output::Stdout => {
            for (source, o) in loaded.sources.iter().zip(outcomes) {
                for (_, text) in render(config, loaded, source, o, config.rendering.color) {
                    console.out(&text)?;
                }
            }
            return Ok(exit);
        }
        Output::Dir(dir) => dir,
    };
    let mut plan = Plan::default();
    let mut names = HashSet::new();
    let mut why_none: HashMap<&str, &str> = HashMap::new();
    for (source, o) in loaded.sources.iter().zip(outcomes) {
        // Files are never coloured.
        let files = render(config, loaded, source, o, false);
        let first = match config.rendering.format {
            Format::Diff => rr::diff_name(&source.file_name),
            _ => source.file_name.clone(),
        };
        let why = match o.fate {
            Fate::NotProved(_) => "this policy's refinement is not proved",
            Fate::Detach => "this policy is now to be detached",
            Fate::Refined(_) => "this policy now has fewer parts",
        };
        if files.is_empty() {
            plan.removals.push((dir.join(&first), why.to_string()));
            why_none.insert(&source.file_name, why);
        }
        // Last run's later parts of a policy that now has fewer (only `--fit-quota` splits).
        if config.fit_quota && config.rendering.format == Format::Policy {
            for k in files.len().max(1)..MANAGED_POLICIES_PER_PRINCIPAL {
                let stale = rr::part_name(&source.file_name, k);
                if !config
                    .policies
                    .iter()
                    .any(|p| p.file_name() == Some(stale.as_ref()))
                {
                    plan.removals.push((dir.join(stale), why.to_string()));
                }
            }
        }
        for (name, text) in files {
            if !names.insert(name.clone()) {
                bail!("two outputs would be written to `{}` in --output-dir; rename one of the policies", dir.join(&name).display());
            }
            plan.writes.push((dir.join(name), text));
            plan.owners.push(source.file_name.clone());
        }
    }
    let targets: Vec<PathBuf> = plan.writes.iter().map(|(t, _)| t.clone()).collect();
    let mut inputs: Vec<&Path> = config.policies.iter().map(PathBuf::as_path).collect();
    inputs.push(config.usage.path());
    inputs.extend(config.catalog.as_deref());
    output::refuse_over_inputs(&targets, &inputs)?;
    // One manifest per policy, named after its file: runs over other policies into the
    // same folder (one at a time, or at once) neither remove nor forget each other's files.
    let unit_of = |owner: &str| format!("refine-{owner}.json");
    let sources: HashSet<&str> = loaded
        .sources
        .iter()
        .map(|s| s.file_name.as_str())
        .collect();
    let tracking = Tracking {
        units: loaded
            .sources
            .iter()
            .map(|s| unit_of(&s.file_name))
            .collect(),
        unit_of: Box::new(unit_of),
        owns: Box::new(|owner, manifest| {
            manifest.starts_with("refine-") && sources.contains(owner)
        }),
        supersedes: Box::new(|_| false),
        why: Box::new(|owner| {
            why_none
                .get(owner)
                .map_or("this policy's output has another name now", |w| *w)
                .to_string()
        }),
    };
    let done = output::commit(dir, plan, &tracking)?;
    for note in &done.notes {
        console.warn(note);
    }
    for (removed, why) in &done.removed {
        let what = if config.rendering.format == Format::Policy {
            "refined policy"
        } else {
            "output"
        };
        console.info(&format!(
            "removed {}: last run's {what}; {why}",
            removed.display()
        ));
    }
    let changed = outcomes.iter().filter(|o| o.changed).count();
    let detached = outcomes.iter().filter(|o| o.exit() == Exit::Detach).count();
    let unproved = outcomes
        .iter()
        .filter(|o| matches!(o.fate, Fate::NotProved(_)))
        .count();
    let unproved = if config_verifies(config) {
        format!(", {unproved} not proved")
    } else {
        String::new()
    };
    let what = match config.rendering.format {
        Format::Policy => "refined policies",
        Format::Diff => "diffs",
        Format::Recommendation => "recommendations",
        Format::Json => "summaries",
    };
    let not_written = if config.rendering.format == Format::Policy {
        ", not written"
    } else {
        ""
    };
    console.info(&format!(
        "wrote {} {what} to {} ({changed} changed; {detached} to detach{unproved}{not_written})",
        done.written,
        dir.display()
    ));
    Ok(exit)
}

fn config_verifies(config: &RefineConfig) -> bool {
    config.verify.is_some()
}
