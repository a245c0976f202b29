//! Command-line arguments, as clap sees them.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  success (for verify and refine --verify: proved)
  1  bad input or another error; nothing is written
  2  usage error
  3  a refinement was refuted; the witness action is printed on stdout
  4  the solver could not decide (timeout); nothing is claimed";

/// Least-privilege IAM policies from IAM Access Analyzer's unused-permission findings.
///
/// `refine` removes exactly the unused actions from a policy, keeping its statements,
/// Sid, Resource, Condition and order, and replaces wildcards by the shortest safe
/// prefixes of a CamelCase trie over every AWS action.
#[derive(Debug, Parser)]
#[command(name = "iam-refine", version, after_help = EXIT_CODES)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Refine policies against the unused actions of their role.
    #[command(after_help = EXIT_CODES)]
    Refine(RefineArgs),
    /// List the catalog actions that patterns allow.
    Expand {
        /// Action patterns, such as `s3:Get*` or `iam:*AccessKey*`.
        #[arg(required = true)]
        patterns: Vec<String>,
        /// A JSON catalog to use instead of the embedded snapshot.
        #[arg(long, value_name = "FILE")]
        catalog: Option<PathBuf>,
    },
    /// Prove with Z3 that a refined policy allows exactly the original's actions minus the
    /// unused ones (for CI pipelines checking a refinement made by anyone).
    #[cfg(feature = "verify")]
    #[command(after_help = EXIT_CODES)]
    Verify(VerifyArgs),
    /// Show the catalog's date, source and counts.
    Catalog {
        /// A JSON catalog to use instead of the embedded snapshot.
        #[arg(long, value_name = "FILE")]
        catalog: Option<PathBuf>,
        /// List each service prefix with its number of actions instead.
        #[arg(long)]
        services: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct RefineArgs {
    /// Policy files: a policy document, `aws iam get-policy-version` or
    /// `get-role-policy` output, or a URL-encoded document. `-` reads stdin.
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    /// Unused-permission findings: `[{"serviceNamespace", "actions"}]` or
    /// `aws accessanalyzer get-finding-v2` output.
    #[arg(long, value_name = "FILE")]
    pub unused: PathBuf,
    /// A JSON catalog (`{"s3": ["GetObject", ...]}`) to use instead of the embedded snapshot.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Write each refined policy to DIR under its input's file name (required with
    /// several policies). Files are written atomically.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Only print warnings and errors on stderr, not the per-policy summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Prove each refinement with Z3 and write only proved policies.
    #[cfg(feature = "verify")]
    #[arg(long)]
    pub verify: bool,
    /// Time limit for each solver query, in seconds (with --verify).
    #[cfg(feature = "verify")]
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60.0,
        requires = "verify"
    )]
    pub timeout: f64,
    /// Z3's deterministic resource limit for each solver query (with --verify): a verdict
    /// under it does not depend on the machine's speed.
    #[cfg(feature = "verify")]
    #[arg(long, value_name = "N", requires = "verify")]
    pub rlimit: Option<u32>,
}

#[cfg(feature = "verify")]
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The original policy (any shape `refine` accepts).
    #[arg(long, value_name = "FILE")]
    pub original: PathBuf,
    /// The refined policy: any shape `refine` accepts, or Access Analyzer's
    /// `get-finding-recommendation` output (its `recommendedPolicy`).
    #[arg(long, value_name = "FILE")]
    pub refined: PathBuf,
    /// Unused-permission findings, as for `refine`.
    #[arg(long, value_name = "FILE")]
    pub unused: PathBuf,
    /// A JSON catalog to use instead of the embedded snapshot.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Time limit for each solver query, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub timeout: f64,
    /// Z3's deterministic resource limit for each solver query: a verdict under it does not
    /// depend on the machine's speed.
    #[arg(long, value_name = "N")]
    pub rlimit: Option<u32>,
    /// With a recommendation of several steps, the `existingPolicyId` (or its last path
    /// segment, the policy name) of the step to check.
    #[arg(long, value_name = "ID")]
    pub policy_id: Option<String>,
}
