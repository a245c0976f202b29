//! `iam-refine refine`, in three steps: [`load`] reads and checks every input (and where
//! outputs would go) before any work, [`refine_all`] refines (and with `--verify` proves)
//! each policy into its text, and [`emit`] prints it or writes every file at once.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use iam_refine::{quota_warning, refine, summary, Catalog, Findings, Policy, Refinement};

use crate::config::{Common, Output, RefineConfig};
use crate::console::Console;
use crate::exit::Exit;
use crate::input::{self, display_name};
use crate::output::{self, Plan};
#[cfg(feature = "verify")]
use crate::verify_cmd::{judge, Prover};
use crate::warnings;

pub fn run(config: &RefineConfig, common: Common, console: &mut Console) -> Result<Exit> {
    let loaded = load(config, common)?;
    let outcomes = refine_all(&loaded, config, console)?;
    emit(config, loaded.targets, outcomes, console)
}

/// One policy file, read.
struct Source {
    name: String,
    /// The file's text, for the prover to read itself.
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    text: String,
    policy: Policy,
}

/// Every input, read and checked.
struct Loaded {
    catalog: Catalog,
    findings: Findings,
    sources: Vec<Source>,
    /// The output file of each policy, with `--output-dir`.
    targets: Vec<PathBuf>,
}

fn load(config: &RefineConfig, common: Common) -> Result<Loaded> {
    let limit = common.max_input_bytes;
    let catalog = input::load_catalog(config.catalog.as_deref(), limit)?;
    let findings = Findings::parse(&input::read_input(&config.unused, limit)?)
        .with_context(|| display_name(&config.unused))?;
    let mut sources = Vec::with_capacity(config.policies.len());
    for path in &config.policies {
        let name = display_name(path);
        let text = input::read_input(path, limit)?;
        let policy = Policy::parse(&text).with_context(|| name.clone())?;
        sources.push(Source { name, text, policy });
    }
    let targets = match &config.output {
        Output::Stdout => Vec::new(),
        Output::Dir(dir) => {
            // Names are checked by `RefineConfig::resolve`; a path without one has no target.
            let targets: Vec<PathBuf> = config
                .policies
                .iter()
                .filter_map(|p| p.file_name().map(|n| dir.join(n)))
                .collect();
            let mut inputs: Vec<&Path> = config.policies.iter().map(PathBuf::as_path).collect();
            inputs.push(&config.unused);
            inputs.extend(config.catalog.as_deref());
            output::refuse_over_inputs(&targets, &inputs)?;
            targets
        }
    };
    Ok(Loaded {
        catalog,
        findings,
        sources,
        targets,
    })
}

/// What becomes of one policy.
enum Fate {
    /// The refined policy's text, to print or write.
    Refined(String),
    /// Every action is unused.
    Detach,
    /// With `--verify`: refuted or undecided; nothing is written.
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    NotProved(Exit),
}

struct Outcome {
    result: Fate,
    changed: bool,
}

impl Outcome {
    fn exit(&self) -> Exit {
        match self.result {
            Fate::Refined(_) => Exit::Ok,
            Fate::Detach => Exit::Detach,
            Fate::NotProved(e) => e,
        }
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
        .map(|limits| Prover::new(&loaded.catalog, &loaded.findings, limits))
        .transpose()?;
    #[cfg(feature = "verify")]
    let mut z3 = iam_refine_verify::Z3Worker::new();
    #[cfg(not(feature = "verify"))]
    let _ = config;
    let unused = loaded.findings.resolve(&loaded.catalog);
    let total = loaded.sources.len();
    let mut outcomes = Vec::with_capacity(total);
    for (k, source) in loaded.sources.iter().enumerate() {
        let refinement = refine(&source.policy, &unused);
        report(k, total, source, &refinement, console);
        let changed = refinement.changed(&source.policy);
        // For a policy to detach, a document with no statement: proving it proves that
        // every action the policy allows is unused.
        let text = refinement.policy.to_pretty_json();
        #[cfg(feature = "verify")]
        if let Some(prover) = &prover {
            let verdict = prove(prover, &mut z3, source, &text, console)?;
            if verdict != Exit::Ok {
                outcomes.push(Outcome {
                    result: Fate::NotProved(verdict),
                    changed,
                });
                continue;
            }
        }
        let result = if refinement.detach {
            Fate::Detach
        } else {
            Fate::Refined(text)
        };
        outcomes.push(Outcome { result, changed });
    }
    Ok(outcomes)
}

/// Proves the exact text that will be printed or written against the original file as
/// written, and prints the verdict.
#[cfg(feature = "verify")]
fn prove(
    prover: &Prover,
    z3: &mut iam_refine_verify::Z3Worker,
    source: &Source,
    text: &str,
    console: &mut Console,
) -> Result<Exit> {
    let cannot = || format!("{}: cannot verify", source.name);
    let original = crate::document::policy(&source.text).with_context(cannot)?;
    let refined = iam_refine::parse_json_text(text).with_context(cannot)?;
    let judgement = judge(&prover.prove(z3, &original, &refined).with_context(cannot)?);
    judgement.print(Some(&source.name), console)?;
    Ok(judgement.exit)
}

/// The summary and warnings of one policy, on stderr.
fn report(k: usize, total: usize, source: &Source, refinement: &Refinement, console: &mut Console) {
    let quota = quota_warning(&source.policy, refinement);
    let all = refinement.warnings.iter().chain(&quota).map(String::as_str);
    for line in warnings::summarise(&format!("{}: ", source.name), all) {
        console.warn(&line);
    }
    let counter = if total > 1 {
        format!("[{}/{}] ", k + 1, total)
    } else {
        String::new()
    };
    let text = format!(
        "{counter}{}",
        summary(&source.name, &source.policy, refinement)
    );
    // "Detach this policy" explains exit code 5, so `--quiet` shows it too.
    if refinement.detach {
        console.notice(&text);
    } else {
        console.info(&text);
    }
}

fn emit(
    config: &RefineConfig,
    targets: Vec<PathBuf>,
    outcomes: Vec<Outcome>,
    console: &mut Console,
) -> Result<Exit> {
    let exit = outcomes
        .iter()
        .fold(Exit::Ok, |exit, o| exit.worse(o.exit()));
    let dir = match &config.output {
        Output::Stdout => {
            for o in &outcomes {
                if let Fate::Refined(text) = &o.result {
                    console.out(text)?;
                }
            }
            return Ok(exit);
        }
        Output::Dir(dir) => dir,
    };
    let changed = outcomes.iter().filter(|o| o.changed).count();
    let detached = outcomes.iter().filter(|o| o.exit() == Exit::Detach).count();
    let unproved = outcomes
        .iter()
        .filter(|o| matches!(o.result, Fate::NotProved(_)))
        .count();
    let mut plan = Plan::default();
    for (o, target) in outcomes.into_iter().zip(targets) {
        match o.result {
            Fate::Refined(text) => plan.writes.push((target, text)),
            Fate::Detach => plan
                .removals
                .push((target, "this policy is now to be detached")),
            Fate::NotProved(_) => plan
                .removals
                .push((target, "this policy's refinement is not proved")),
        }
    }
    let done = output::commit(dir, plan)?;
    for (removed, why) in &done.removed {
        console.info(&format!(
            "removed {}: last run's refined policy; {why}",
            removed.display()
        ));
    }
    let unproved = if config_verifies(config) {
        format!(", {unproved} not proved")
    } else {
        String::new()
    };
    console.info(&format!(
        "wrote {} refined policies to {} ({changed} changed; {detached} to detach{unproved}, not written)",
        done.written.len(),
        dir.display()
    ));
    Ok(exit)
}

fn config_verifies(config: &RefineConfig) -> bool {
    #[cfg(feature = "verify")]
    return config.verify.is_some();
    #[cfg(not(feature = "verify"))]
    {
        let _ = config;
        false
    }
}
