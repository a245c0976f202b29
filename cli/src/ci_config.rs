//! `iam-refine ci`: its arguments, and the plain configuration they resolve into (kept out
//! of `args.rs` and `config.rs`, which every subcommand shares). The gate itself is
//! [`crate::ci_cmd`], in the binary with the prover.

use std::path::PathBuf;
use std::time::Duration;

use crate::args::ReportFormat;
use crate::config::{iac_options, is_stdin, UsageError};

#[derive(Debug, clap::Args)]
pub struct CiArgs {
    /// The proposed state: a Terraform plan (`terraform show -json PLAN`, which carries both
    /// sides of every change), or CloudFormation templates (JSON, YAML, CDK's
    /// `cdk.out/*.template.json`): a file, or a folder searched for them.
    #[arg(value_name = "HEAD")]
    pub head: PathBuf,
    /// The state HEAD changes: a template file, or a folder whose templates are matched to
    /// HEAD's by their path inside it. Without it (and for a plan), HEAD's policies are new
    /// (or the plan says what they were).
    #[arg(long, value_name = "BASE")]
    pub base: Option<PathBuf>,
    /// The repository's "never grant" rules (`{"rules": [{"id", "description", "actions",
    /// "resources"}]}`): every policy of HEAD is proved to grant none of them.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// A CloudFormation parameter's value (repeatable), on both sides; it overrides the
    /// template's `Default`.
    #[arg(long, value_name = "NAME=VALUE", value_parser = crate::args::parse_assignment)]
    pub parameter: Vec<(String, String)>,
    /// A CloudFormation pseudo parameter's value (repeatable), on both sides, such as
    /// `AWS::AccountId=123456789012`; `AWS::Partition` is `aws` unless given.
    #[arg(long, value_name = "AWS::NAME=VALUE", value_parser = crate::args::parse_assignment)]
    pub pseudo: Vec<(String, String)>,
    /// Time limit for each comparison of a policy with its base, and for each rule checked
    /// on a policy, in seconds (0.001 to 4294967).
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = crate::args::parse_timeout)]
    pub timeout: Duration,
    /// Z3's deterministic resource limit for each comparison and rule check (at least 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rlimit: Option<u32>,
    /// What stdout holds: `text`, one line per policy; `json`, the verdicts as one JSON
    /// object (with `schemaVersion`); `sarif`, a SARIF 2.1.0 log for code scanning;
    /// `junit`, JUnit XML. With the last three, the lines go to stderr.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// With `--format json` or `sarif`: print it minified, on one line.
    #[arg(long)]
    pub compact: bool,
}

/// `iam-refine ci`, checked.
// Read only by the binary with the prover (the other hands `ci` over).
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
#[derive(Debug, Clone)]
pub struct CiConfig {
    pub head: PathBuf,
    pub base: Option<PathBuf>,
    pub rules: Option<PathBuf>,
    pub options: iam_refine_iac::Options,
    /// For each comparison and each rule check.
    pub timeout: Duration,
    pub rlimit: Option<u32>,
    pub format: ReportFormat,
    pub compact: bool,
}

impl CiConfig {
    pub fn resolve(a: CiArgs) -> Result<CiConfig, UsageError> {
        let usage = |message: String| UsageError {
            subcommand: "ci",
            message,
        };
        let stdin = [Some(&a.head), a.base.as_ref(), a.rules.as_ref()]
            .into_iter()
            .flatten()
            .filter(|p| is_stdin(p))
            .count();
        if stdin > 1 {
            return Err(usage("`-` (stdin) can be read once".to_string()));
        }
        Ok(CiConfig {
            options: iac_options(a.parameter, a.pseudo, "ci")?,
            head: a.head,
            base: a.base,
            rules: a.rules,
            timeout: a.timeout,
            rlimit: a.rlimit,
            format: a.format,
            compact: a.compact,
        })
    }
}
