//! The plain configuration each command runs on, resolved from clap's arguments before any
//! work. Whatever clap cannot check alone (several policies need `--output-dir`, two
//! policies may not share a file name, ...) is checked here and refused as a
//! [`UsageError`], which travels up to `main` as a value.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
#[cfg(feature = "verify")]
use std::time::Duration;

use iam_refine::RefineOptions;

use crate::args::{Args, ChoiceArgs, Command, Format, FormatArgs, RefineArgs};
#[cfg(feature = "verify")]
use crate::args::{ProofArgs, VerifyArgs};

/// A usage error found after parsing: exit 2, with the subcommand's usage line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    /// The subcommand whose usage to show.
    pub subcommand: &'static str,
    pub message: String,
}

/// What every command shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Common {
    /// Refuse inputs larger than this many bytes.
    pub max_input_bytes: u64,
    /// Errors and failing verdicts only.
    pub quiet: bool,
}

#[derive(Debug, Clone)]
pub enum Task {
    Refine(RefineConfig),
    #[cfg(feature = "verify")]
    Verify(VerifyConfig),
    Expand {
        patterns: Vec<String>,
        catalog: Option<PathBuf>,
    },
    Catalog {
        catalog: Option<PathBuf>,
        services: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Config {
    pub common: Common,
    pub task: Task,
}

/// Where refined policies go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Stdout,
    Dir(PathBuf),
}

/// The solver's limits, checked.
#[cfg(feature = "verify")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// For each solver query.
    pub timeout: Duration,
    /// Z3 resource units for each solver query.
    pub rlimit: Option<u32>,
}

#[cfg(feature = "verify")]
impl From<ProofArgs> for Limits {
    fn from(a: ProofArgs) -> Limits {
        Limits {
            timeout: a.timeout,
            rlimit: a.rlimit,
        }
    }
}

/// Where `refine` learns what a principal did or did not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsageSource {
    /// `--unused`: findings or an Access Advisor report, detected by content.
    Unused(PathBuf),
    /// `--used`: the actions used.
    Used(PathBuf),
}

impl UsageSource {
    pub fn path(&self) -> &Path {
        match self {
            UsageSource::Unused(p) | UsageSource::Used(p) => p,
        }
    }
}

/// How results are printed, resolved: the colour decided once per run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rendering {
    pub format: Format,
    pub color: bool,
    pub compact: bool,
}

impl Rendering {
    fn resolve(a: &FormatArgs, default: Format) -> Rendering {
        Rendering {
            format: a.format.unwrap_or(default),
            color: crate::render::color_enabled(a.color),
            compact: a.compact,
        }
    }
}

/// `--keep` and `--skip-sid` checked into the library's options: a bad pattern is a
/// usage error.
pub fn refine_options(
    a: &ChoiceArgs,
    subcommand: &'static str,
) -> Result<RefineOptions, UsageError> {
    let usage = |e: iam_refine::OptionsError| UsageError {
        subcommand,
        message: e.to_string(),
    };
    let mut options = RefineOptions::new();
    for p in &a.keep {
        options = options.keep(p).map_err(usage)?;
    }
    for p in &a.skip_sid {
        options = options.skip_sid(p).map_err(usage)?;
    }
    Ok(options)
}

#[derive(Debug, Clone)]
pub struct RefineConfig {
    pub policies: Vec<PathBuf>,
    pub usage: UsageSource,
    /// With an Access Advisor report: last used more than this many days ago is unused.
    pub unused_after: Option<u32>,
    pub catalog: Option<PathBuf>,
    pub output: Output,
    /// `--keep`, `--skip-sid`.
    pub options: RefineOptions,
    /// `--fit-quota`.
    pub fit_quota: bool,
    pub rendering: Rendering,
    /// Prove each refinement, with these limits.
    #[cfg(feature = "verify")]
    pub verify: Option<Limits>,
}

#[cfg(feature = "verify")]
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    pub original: PathBuf,
    pub refined: PathBuf,
    pub unused: PathBuf,
    pub catalog: Option<PathBuf>,
    pub limits: Limits,
    pub policy_id: Option<String>,
}

/// `-`, standard input, as a policy argument.
pub fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

impl Config {
    pub fn resolve(args: Args) -> Result<Config, UsageError> {
        let common = Common {
            max_input_bytes: args.max_input_bytes,
            quiet: args.quiet,
        };
        let task = match args.command {
            Command::Refine(a) => Task::Refine(RefineConfig::resolve(a)?),
            #[cfg(feature = "verify")]
            Command::Verify(a) => Task::Verify(VerifyConfig::from(a)),
            Command::Expand { patterns, catalog } => Task::Expand { patterns, catalog },
            Command::Catalog { catalog, services } => Task::Catalog { catalog, services },
        };
        Ok(Config { common, task })
    }
}

impl RefineConfig {
    fn resolve(a: RefineArgs) -> Result<RefineConfig, UsageError> {
        let usage = |message: String| UsageError {
            subcommand: "refine",
            message,
        };
        let stdin = a.policies.iter().any(|p| is_stdin(p));
        if stdin && a.policies.len() > 1 {
            return Err(usage("`-` (stdin) can only be the one policy".to_string()));
        }
        let output = match a.output_dir {
            Some(dir) => {
                if stdin {
                    return Err(usage(
                        "a policy read from stdin has no file name for --output-dir".to_string(),
                    ));
                }
                let mut names = HashSet::new();
                for p in &a.policies {
                    let Some(name) = p.file_name() else {
                        return Err(usage(format!("`{}` has no file name", p.display())));
                    };
                    if !names.insert(name.to_os_string()) {
                        return Err(usage(format!(
                            "two policies are named `{}`; their refined files would collide in --output-dir",
                            name.to_string_lossy()
                        )));
                    }
                }
                Output::Dir(dir)
            }
            None if a.policies.len() > 1 => {
                return Err(usage(
                    "several policies need --output-dir DIR to write their refined files to"
                        .to_string(),
                ))
            }
            None => Output::Stdout,
        };
        let usage_source = match (a.unused, a.used) {
            (Some(p), None) => UsageSource::Unused(p),
            (None, Some(p)) => UsageSource::Used(p),
            // clap's `usage` group requires exactly one; this is its message.
            _ => {
                return Err(usage(
                    "exactly one of --unused FILE and --used FILE is required".to_string(),
                ))
            }
        };
        if a.choice.unused_after.is_some() && matches!(usage_source, UsageSource::Used(_)) {
            return Err(usage(
                "--unused-after applies to an Access Advisor report given with --unused, not to --used"
                    .to_string(),
            ));
        }
        let options = refine_options(&a.choice, "refine")?;
        Ok(RefineConfig {
            policies: a.policies,
            usage: usage_source,
            unused_after: a.choice.unused_after,
            catalog: a.catalog,
            output,
            options,
            fit_quota: a.choice.fit_quota,
            rendering: Rendering::resolve(&a.format, Format::Policy),
            #[cfg(feature = "verify")]
            verify: a.verify.then_some(Limits {
                timeout: a.timeout,
                rlimit: a.rlimit,
            }),
        })
    }
}

#[cfg(feature = "verify")]
impl From<VerifyArgs> for VerifyConfig {
    fn from(a: VerifyArgs) -> VerifyConfig {
        VerifyConfig {
            original: a.original,
            refined: a.refined,
            unused: a.unused,
            catalog: a.catalog,
            limits: Limits::from(a.limits),
            policy_id: a.policy_id,
        }
    }
}
