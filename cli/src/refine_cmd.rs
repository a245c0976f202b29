//! `iam-refine refine`: every input is read and checked before anything is written.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::CommandFactory;

use iam_refine::{quota_warning, refine, summary, Findings, Policy, Refinement};

use crate::app::Exit;
use crate::args::{Args, RefineArgs};
use crate::io;
#[cfg(feature = "verify")]
use crate::verify_cmd::{judge, Prover};

/// Where refined policies go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Stdout,
    Dir(PathBuf),
}

/// `refine`'s arguments, checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub policies: Vec<PathBuf>,
    pub unused: PathBuf,
    pub catalog: Option<PathBuf>,
    pub output: Output,
    pub quiet: bool,
    /// Prove each refinement, with these per-query limits: seconds, Z3 resource units.
    pub verify: Option<(f64, Option<u32>)>,
}

fn usage(message: String) -> ! {
    let mut cmd = Args::command();
    cmd.build();
    let mut sub = cmd
        .find_subcommand_mut("refine")
        .map(|c| c.clone())
        .unwrap_or(cmd);
    sub.error(clap::error::ErrorKind::ArgumentConflict, message)
        .exit()
}

impl Config {
    pub fn resolve(a: RefineArgs) -> Result<Config> {
        let stdin = a.policies.iter().any(|p| p == Path::new("-"));
        if stdin && a.policies.len() > 1 {
            usage("`-` (stdin) can only be the one policy".to_string());
        }
        let output = match a.output_dir {
            Some(dir) => {
                if stdin {
                    usage("a policy read from stdin has no file name for --output-dir".to_string());
                }
                let mut names = HashSet::new();
                for p in &a.policies {
                    let Some(name) = p.file_name() else {
                        usage(format!("`{}` has no file name", p.display()));
                    };
                    if !names.insert(name.to_os_string()) {
                        usage(format!(
                            "two policies are named `{}`; their refined files would collide in --output-dir",
                            name.to_string_lossy()
                        ));
                    }
                }
                Output::Dir(dir)
            }
            None if a.policies.len() > 1 => usage(
                "several policies need --output-dir DIR to write their refined files to"
                    .to_string(),
            ),
            None => Output::Stdout,
        };
        Ok(Config {
            policies: a.policies,
            unused: a.unused,
            catalog: a.catalog,
            output,
            quiet: a.quiet,
            #[cfg(feature = "verify")]
            verify: a.verify.then_some((a.timeout, a.rlimit)),
            #[cfg(not(feature = "verify"))]
            verify: None,
        })
    }
}

struct Job {
    original: Policy,
    refinement: Refinement,
    /// The prover's outcome, with `--verify`; only proved policies are written.
    verdict: Exit,
}

pub fn run(config: &Config) -> Result<Exit> {
    let catalog = io::load_catalog(config.catalog.as_deref())?;
    let findings = Findings::parse(&io::read_input(&config.unused)?)
        .with_context(|| config.unused.display().to_string())?;
    let mut originals = Vec::with_capacity(config.policies.len());
    for path in &config.policies {
        let policy =
            Policy::parse(&io::read_input(path)?).with_context(|| path.display().to_string())?;
        originals.push((path.clone(), policy));
    }
    let targets = match &config.output {
        Output::Stdout => Vec::new(),
        Output::Dir(dir) => targets(dir, &config.policies)?,
    };

    #[cfg(feature = "verify")]
    let prover = match config.verify {
        Some((timeout, rlimit)) => Some(Prover::new(&catalog, &findings, timeout, rlimit)?),
        None => None,
    };
    let unused = findings.resolve(&catalog);
    #[cfg_attr(not(feature = "verify"), allow(unused_mut))]
    let mut exit = Exit::Ok;
    let total = originals.len();
    let mut jobs = Vec::with_capacity(total);
    for (k, (path, original)) in originals.into_iter().enumerate() {
        let refinement = refine(&original, &unused);
        let name = display_name(&path);
        for w in &refinement.warnings {
            eprintln!("iam-refine: warning: {name}: {w}");
        }
        if let Some(w) = quota_warning(&original, &refinement) {
            eprintln!("iam-refine: warning: {name}: {w}");
        }
        if !config.quiet {
            let counter = if total > 1 {
                format!("[{}/{}] ", k + 1, total)
            } else {
                String::new()
            };
            eprintln!("{counter}{}", summary(&name, &original, &refinement));
        }
        #[cfg_attr(not(feature = "verify"), allow(unused_mut))]
        let mut verdict = Exit::Ok;
        #[cfg(feature = "verify")]
        if let Some(prover) = &prover {
            let report = prover
                .prove(&original.to_value(), &refinement.policy.to_value())
                .with_context(|| format!("{name}: cannot verify"))?;
            let j = judge(&report);
            if let Some(w) = &j.witness {
                println!("{w}");
            }
            eprintln!("{name}: {}", j.line);
            verdict = j.exit;
            exit = exit.worse(verdict);
        }
        jobs.push(Job {
            original,
            refinement,
            verdict,
        });
    }

    match &config.output {
        Output::Stdout => {
            for job in &jobs {
                if !job.refinement.detach && job.verdict == Exit::Ok {
                    print!("{}", job.refinement.policy.to_pretty_json());
                }
            }
        }
        Output::Dir(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
            let mut written = 0;
            for (job, target) in jobs.iter().zip(&targets) {
                if job.refinement.detach || job.verdict != Exit::Ok {
                    continue;
                }
                io::write_atomic(target, &job.refinement.policy.to_pretty_json())?;
                written += 1;
            }
            if !config.quiet {
                let detached = jobs.iter().filter(|j| j.refinement.detach).count();
                let changed = jobs
                    .iter()
                    .filter(|j| j.refinement.changed(&j.original))
                    .count();
                let unproved = jobs.iter().filter(|j| j.verdict != Exit::Ok).count();
                let unproved = if config.verify.is_some() {
                    format!(", {unproved} not proved")
                } else {
                    String::new()
                };
                eprintln!(
                    "wrote {written} refined policies to {} ({changed} changed; {detached} to detach{unproved}, not written)",
                    dir.display()
                );
            }
        }
    }
    Ok(exit)
}

/// The output file of each policy, refusing any that would overwrite its own input.
fn targets(dir: &Path, policies: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::with_capacity(policies.len());
    for p in policies {
        let Some(name) = p.file_name() else {
            bail!("`{}` has no file name", p.display());
        };
        let target = dir.join(name);
        if let (Ok(a), Ok(b)) = (std::fs::canonicalize(p), std::fs::canonicalize(&target)) {
            if a == b {
                bail!(
                    "writing to `{}` would overwrite the input `{}`; choose another --output-dir",
                    target.display(),
                    p.display()
                );
            }
        }
        out.push(target);
    }
    Ok(out)
}

fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}
