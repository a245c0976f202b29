//! Command-line arguments, as clap sees them, with the value parsers that refuse a bad
//! flag value as a usage error (exit 2) before any work. [`crate::config`] turns them
//! into the plain configuration the commands run on.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::exit::Exit;

/// 256 MiB: a whole account's `get-account-authorization-details` export fits; IAM's own
/// limit for one policy document is 131,072 characters.
pub const DEFAULT_MAX_INPUT_BYTES: &str = "256MiB";

/// Least-privilege IAM policies from IAM Access Analyzer's unused-permission findings.
///
/// `refine` removes exactly the unused actions from a policy, keeping its statements,
/// Sid, Resource, Condition and order, and replaces wildcards by the shortest safe
/// prefixes of a CamelCase trie over every AWS action.
#[derive(Debug, Parser)]
#[command(name = "iam-refine", version = crate::prover::BUILD_ID, after_help = Exit::help())]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
    /// Refuse any input file (policy, findings, catalog, stdin) larger than this, before
    /// reading it whole: a number of bytes, or with a suffix KiB, MiB or GiB.
    #[arg(long, global = true, value_name = "BYTES", default_value = DEFAULT_MAX_INPUT_BYTES, value_parser = parse_bytes)]
    pub max_input_bytes: u64,
    /// Print only errors and what explains a failing exit code (a counterexample, an
    /// unknown verdict, a policy to detach): no other summary, no warning.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Refine policies against the unused actions of their role.
    #[command(after_help = Exit::help())]
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
    #[command(after_help = Exit::help())]
    Verify(VerifyArgs),
    /// Refine every role and user of an account (`get-account-authorization-details`)
    /// against its Access Analyzer findings, Access Advisor reports or observed usage: one
    /// AWS-shaped recommendation per principal.
    #[command(after_help = crate::account_cmd::help())]
    Account(AccountArgs),
    /// List the IAM policies of Terraform plans (`terraform show -json PLAN`) and
    /// CloudFormation templates (JSON, YAML, CDK's `cdk.out/*.template.json`), resolved as
    /// far as the files and the given values allow; what stays unknown until deployment is
    /// named `${NAME}` in the document.
    Policies(PoliciesArgs),
    /// Evaluate one request against identity-based policies as IAM does: allowed,
    /// explicitly denied or implicitly denied, with the statements that decided, and the
    /// `aws iam simulate-custom-policy` command that asks AWS the same question.
    #[command(after_help = Exit::simulate_help())]
    Simulate(SimulateArgs),
    /// Gate a change of Terraform or CloudFormation in CI: prove that no changed IAM policy
    /// allows a request its base did not (a witness request otherwise), list new and
    /// deleted policies, and check every policy against the repository's "never grant"
    /// rules. Exit code: the worst verdict.
    #[command(after_help = Exit::ci_help())]
    Ci(crate::ci_config::CiArgs),
    /// Prove how two sets of identity-based policies relate over every request (action,
    /// resource, context): equivalent, NEW allows less, NEW allows more, or incomparable,
    /// with a concrete request for each direction that differs.
    #[command(after_help = Exit::compare_help())]
    Compare(CompareArgs),
    /// Prove that no request for the given actions on the given resources is allowed by
    /// identity-based policies (whatever its context), or show one that is.
    #[command(after_help = Exit::check_help())]
    CheckNotGranted(CheckNotGrantedArgs),
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
#[command(group = clap::ArgGroup::new("usage").required(true).multiple(false))]
pub struct RefineArgs {
    /// Policy files: a policy document, `aws iam get-policy-version` or
    /// `get-role-policy` output, or a URL-encoded document. `-` reads stdin.
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    /// What was not used, detected by content: unused-permission findings
    /// (`[{"serviceNamespace", "actions"}]` or `aws accessanalyzer get-finding-v2`
    /// output), or an IAM Access Advisor report (`aws iam
    /// get-service-last-accessed-details` output of an ACTION_LEVEL job).
    #[arg(long, value_name = "FILE", group = "usage")]
    pub unused: Option<PathBuf>,
    /// What was used (one action per line, or a JSON array of names): every catalog
    /// action a policy allows that is not listed here is removed.
    #[arg(long, value_name = "FILE", group = "usage")]
    pub used: Option<PathBuf>,
    /// A JSON catalog (`{"s3": ["GetObject", ...]}`) to use instead of the embedded snapshot.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Write each policy's output to DIR under its input's file name (`p.json`; a policy
    /// split by --fit-quota also `p-2.json`, ...; with `--format diff`, `p.diff`); required
    /// with several policies. Every output is produced before any is written; files are
    /// written atomically; last run's file of a policy that now has none (to be detached,
    /// not proved, fewer parts) is removed.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Prove each refinement with Z3 and write only proved policies.
    #[arg(long)]
    pub verify: bool,
    #[command(flatten)]
    pub limits: VerifyLimitArgs,
    #[command(flatten)]
    pub choice: ChoiceArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Policy files (any shape `refine` reads): the identity-based policies of one
    /// principal, evaluated together. `-` reads stdin.
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    /// The request's action, such as `s3:GetObject`.
    #[arg(
        long,
        value_name = "ACTION",
        required_unless_present = "request",
        requires = "resource",
        conflicts_with = "request"
    )]
    pub action: Option<String>,
    /// The request's resource, normally an ARN.
    #[arg(
        long,
        value_name = "ARN",
        requires = "action",
        conflicts_with = "request"
    )]
    pub resource: Option<String>,
    /// A context key of the request, KEY=TYPE:VALUE, TYPE as `aws iam
    /// simulate-custom-policy` takes it: string, numeric, boolean, date, ip, binary, or
    /// their ...List forms (stringList, ...), which take several values by repeating the
    /// key. Repeatable.
    #[arg(long, value_name = "KEY=TYPE:VALUE", value_parser = parse_context, conflicts_with = "request")]
    pub context: Vec<ContextArg>,
    /// The whole request as JSON: {"action": ..., "resource": ..., "context": {KEY:
    /// {"type": TYPE, "values": [...]}}}. `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    pub request: Option<PathBuf>,
    /// `text`: the decision, the statements that decided, and the `aws` command; `json`:
    /// the same as one JSON object (with `schemaVersion`).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = SimulateFormat::Text)]
    pub format: SimulateFormat,
    /// Exit 3 unless the request is allowed / denied (explicitly or implicitly).
    #[arg(long, value_enum, value_name = "DECISION")]
    pub expect: Option<Expectation>,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The old policy file (any shape `refine` reads; `-` reads stdin). For several files
    /// a side, use --old and --new instead.
    #[arg(value_name = "OLD", requires = "new_file", conflicts_with_all = ["old", "new"], required_unless_present_any = ["old", "new"])]
    pub old_file: Option<PathBuf>,
    /// The new policy file.
    #[arg(value_name = "NEW")]
    pub new_file: Option<PathBuf>,
    /// A policy of the old side (repeatable): the policies of one principal, as a set.
    #[arg(long, value_name = "FILE", requires = "new")]
    pub old: Vec<PathBuf>,
    /// A policy of the new side (repeatable).
    #[arg(long, value_name = "FILE", requires = "old")]
    pub new: Vec<PathBuf>,
    /// Gate: exit 0 when the relation holds, 3 when a request refutes it (printed), 4 when
    /// it could not be decided. Without it, the relation is reported and the exit code is 0
    /// (4 when undecided).
    #[arg(long, value_enum, value_name = "RELATION")]
    pub expect: Option<Relation>,
    /// A value not known until deployment, as `policies` names it: `${NAME}` in a document
    /// stands for one fixed unknown string, the same on both sides (repeatable).
    #[arg(long, value_name = "NAME")]
    pub unknown: Vec<String>,
    /// `text`: the relation and, for each direction that differs, the request and the `aws
    /// iam simulate-custom-policy` commands; `json`: the same as one JSON object (with
    /// `schemaVersion`); with --expect, `sarif` and `junit`: the gate's verdict as `verify`
    /// reports it (the text then goes to stderr).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = CompareFormat::Text)]
    pub format: CompareFormat,
    /// With `--format json` or `sarif`: print it minified, on one line.
    #[arg(long)]
    pub compact: bool,
    #[command(flatten)]
    pub limits: ProofArgs,
}

/// `compare --expect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Relation {
    /// The same decision for every request.
    Equivalent,
    /// NEW allows no request OLD denies.
    NoNewAccess,
}

/// `compare --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    Text,
    Json,
    Sarif,
    Junit,
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("checks").required(true).multiple(false))]
pub struct CheckNotGrantedArgs {
    /// Policy files (any shape `refine` reads): the identity-based policies of one
    /// principal, judged together. `-` reads stdin.
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    /// An action pattern that must not be granted (repeatable; `*` and `?`,
    /// case-insensitive, as in IAM).
    #[arg(long, value_name = "PATTERN", group = "checks")]
    pub action: Vec<String>,
    /// With --action: a resource pattern (repeatable; `*` and `?`, case-sensitive, as in
    /// IAM's `Resource`). Default: `*`.
    #[arg(long, value_name = "PATTERN", requires = "action")]
    pub resource: Vec<String>,
    /// A JSON file of rules, each an access that must not be granted: `{"rules": [{"id",
    /// "description", "actions", "resources"}]}` (README, "check-not-granted").
    #[arg(long, value_name = "FILE", group = "checks")]
    pub rules: Option<PathBuf>,
    /// A value not known until deployment, as for `compare` (repeatable).
    #[arg(long, value_name = "NAME")]
    pub unknown: Vec<String>,
    /// `text`: one line per rule on stdout; `json`, `sarif`, `junit`: the report, as
    /// `verify` writes it (the lines then go to stderr).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// With `--format json` or `sarif`: print it minified, on one line.
    #[arg(long)]
    pub compact: bool,
    #[command(flatten)]
    pub limits: ProofArgs,
}

/// One `--context KEY=TYPE:VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextArg {
    pub key: String,
    pub kind: iam_refine::request::ValueType,
    pub value: String,
}

fn parse_context(text: &str) -> Result<ContextArg, String> {
    let bad = |why: &str| {
        format!("`{text}`: {why}; expected KEY=TYPE:VALUE, such as aws:SourceIp=ip:203.0.113.7")
    };
    let (key, rest) = text.split_once('=').ok_or_else(|| bad("no `=`"))?;
    if key.is_empty() {
        return Err(bad("the key is empty"));
    }
    let (kind, value) = rest
        .split_once(':')
        .ok_or_else(|| bad("no `:` after the type"))?;
    let kind = iam_refine::request::ValueType::from_name(kind).ok_or_else(|| {
        bad(&format!("unknown type `{kind}` (string, stringList, numeric, numericList, boolean, booleanList, date, dateList, ip, ipList, binary, binaryList)"))
    })?;
    Ok(ContextArg {
        key: key.to_string(),
        kind,
        value: value.to_string(),
    })
}

/// `simulate --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimulateFormat {
    Text,
    Json,
}

/// `simulate --expect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Expectation {
    Allowed,
    Denied,
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("usage").required(true).multiple(false))]
pub struct AccountArgs {
    /// `aws iam get-account-authorization-details` output (pages one after another, or a
    /// JSON array of pages; documents objects or URL-encoded strings), or a folder of them,
    /// one per account (every `*.json` file; files go in `DIR/<account id>/`).
    #[arg(value_name = "AUTH.json")]
    pub auth: PathBuf,
    /// `aws accessanalyzer get-finding-v2` outputs: a folder (every `*.json` file in it) or
    /// one JSON-lines file.
    #[arg(long, value_name = "DIR|FILE", group = "usage")]
    pub findings: Option<PathBuf>,
    /// A folder of one file per principal saying what it did not use, detected by content:
    /// an IAM Access Advisor report (`aws iam get-service-last-accessed-details` output of
    /// an ACTION_LEVEL job) or unused-permission findings. Each file is named after its
    /// principal: `<name>`, or `role-<name>` / `user-<name>`, with any extension; one named after
    /// no principal, or after one another file stands for, is an error. Hidden files are
    /// skipped.
    #[arg(long, value_name = "DIR", group = "usage")]
    pub unused: Option<PathBuf>,
    /// A folder of one file per principal listing what it used (one action per line, or a
    /// JSON array of names), named as for --unused: every catalog action its policies allow
    /// that is not listed is removed.
    #[arg(long, value_name = "DIR", group = "usage")]
    pub used: Option<PathBuf>,
    /// Write each principal's recommendation to DIR/<name>.json (`role-<name>.json` and
    /// `user-<name>.json` when a role and a user share a name). Without it, recommendations
    /// are printed as JSON lines: `{"principal": ARN, "recommendation": {...}}`.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Prove each changed policy with Z3; a principal with any policy not proved gets no file.
    #[arg(long)]
    pub verify: bool,
    #[command(flatten)]
    pub limits: VerifyLimitArgs,
    /// Process only shard I of N (from 0): a deterministic slice of the principals by ARN,
    /// so N jobs of a fanned-out run agree on it with no coordinator.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Worker threads (at least 1; default: the number of cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// A JSON catalog to use instead of the embedded snapshot.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    #[command(flatten)]
    pub choice: ChoiceArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

#[derive(Debug, clap::Args)]
pub struct PoliciesArgs {
    /// Terraform plans and CloudFormation templates, detected by content. `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// A CloudFormation parameter's value (repeatable); it overrides the template's
    /// `Default`.
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_assignment)]
    pub parameter: Vec<(String, String)>,
    /// A CloudFormation pseudo parameter's value (repeatable), such as
    /// `AWS::AccountId=123456789012` or `AWS::Region=eu-west-1`; `AWS::Partition` is `aws`
    /// unless given.
    #[arg(long, value_name = "AWS::NAME=VALUE", value_parser = parse_assignment)]
    pub pseudo: Vec<(String, String)>,
    /// `text`: one line per policy (file:line, address, kind, change) and its unknowns;
    /// `json`: the same with each document, as one JSON object with a `schemaVersion`.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = PoliciesFormat::Text)]
    pub format: PoliciesFormat,
}

/// `policies --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PoliciesFormat {
    Text,
    Json,
}

/// `NAME=VALUE` (the value may hold `=`; the name may not be empty).
pub(crate) fn parse_assignment(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

/// `--shard I/N`: shard `index` of `count`, `0 <= index < count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let bad = || format!("`{text}` is not a shard I/N (such as 0/8: I from 0 to N-1)");
    let (i, n) = text.trim().split_once('/').ok_or_else(bad)?;
    let number = |s: &str| {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse::<usize>().map_err(|_| bad())
    };
    let (index, count) = (number(i)?, number(n)?);
    if count == 0 {
        return Err(format!("`{text}`: the number of shards must be at least 1"));
    }
    if index >= count {
        return Err(format!(
            "`{text}`: the shard index must be below the number of shards (0 to {})",
            count - 1
        ));
    }
    Ok(Shard { index, count })
}

/// What to leave alone and how to fit IAM's quotas, for `refine` and `account`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ChoiceArgs {
    /// Never remove actions matching PATTERN (repeatable; `*` and `?` as in IAM), such as
    /// `iam:PassRole`, which Access Advisor does not track.
    #[arg(long, value_name = "PATTERN")]
    pub keep: Vec<String>,
    /// Leave statements whose `Sid` matches PATTERN as written (repeatable; `*` and `?`).
    #[arg(long, value_name = "PATTERN")]
    pub skip_sid: Vec<String>,
    /// Make what is over IAM's size quotas fit: infix wildcards inside the original ones
    /// where safe, then several managed policies; else report the smallest size reachable.
    #[arg(long)]
    pub fit_quota: bool,
    /// With Access Advisor input: an action last used more than DAYS ago counts as unused.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    pub unused_after: Option<u32>,
}

/// How results are printed, for `refine` and `account`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FormatArgs {
    /// What to print: the refined policy, a unified diff of original and refined, AWS's
    /// `get-finding-recommendation` shape, or a machine-readable summary (stats,
    /// warnings, verdict). Default: `policy` for `refine`, `recommendation` for `account`.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Colour diffs: on a terminal (`auto`, unless `NO_COLOR` is set), always or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// Print JSON minified, on one line.
    #[arg(long)]
    pub compact: bool,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Policy,
    Diff,
    Recommendation,
    Json,
}

/// `--color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

/// The solver's limits with `--verify`, for `refine` and `account`.
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyLimitArgs {
    /// Time limit for each solver query, in seconds (0.001 to 4294967; with --verify).
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = parse_timeout, requires = "verify")]
    pub timeout: Duration,
    /// Z3's deterministic resource limit for each solver query (at least 1; with
    /// --verify): a verdict under it does not depend on the machine's speed.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..), requires = "verify")]
    pub rlimit: Option<u32>,
}

/// The solver's limits, for `verify`, which always proves (the same flags as
/// [`VerifyLimitArgs`] without its `requires`).
#[derive(Debug, Clone, clap::Args)]
pub struct ProofArgs {
    /// Time limit for each solver query, in seconds (0.001 to 4294967).
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// Z3's deterministic resource limit for each solver query (at least 1): a verdict
    /// under it does not depend on the machine's speed.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rlimit: Option<u32>,
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("usage").required(true).multiple(false))]
pub struct VerifyArgs {
    /// The original policy (any shape `refine` accepts). Repeatable for a recommendation
    /// about several policies: `ID=FILE` names the `existingPolicyId` (ARN or inline
    /// policy name) FILE stands for; without `ID=`, the file stem is the policy name.
    #[arg(
        long,
        value_name = "[ID=]FILE",
        required_unless_present = "account",
        conflicts_with = "account"
    )]
    pub original: Vec<String>,
    /// The refined policy: any shape `refine` accepts, or Access Analyzer's
    /// `get-finding-recommendation` output (each policy's `CREATE_POLICY` documents
    /// against its original; `DETACH_POLICY` alone: detached).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "account",
        conflicts_with = "account"
    )]
    pub refined: Option<PathBuf>,
    /// What was not used, as for `refine --unused` (findings or an Access Advisor report);
    /// with --account, a folder of one such file per principal, as for `account --unused`.
    #[arg(long, value_name = "FILE|DIR", group = "usage")]
    pub unused: Option<PathBuf>,
    /// What was used, as for `refine --used` (each original's unused actions are the
    /// catalog actions it allows that are not listed); with --account, a folder of one such
    /// file per principal, as for `account --used`.
    #[arg(long, value_name = "FILE|DIR", group = "usage")]
    pub used: Option<PathBuf>,
    /// With --account: `aws accessanalyzer get-finding-v2` outputs, as for `account
    /// --findings` (a folder of `*.json` files, or one JSON-lines file).
    #[arg(long, value_name = "DIR|FILE", group = "usage", requires = "account")]
    pub findings: Option<PathBuf>,
    /// With an Access Advisor report: an action last used more than DAYS ago counts as
    /// unused, as the refinement was made.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    pub unused_after: Option<u32>,
    /// Prove a folder of recommendations as `account --output-dir` writes them, against
    /// this `get-account-authorization-details` export: each file's principal (its
    /// `resourceArn`) and originals are taken from the export. A folder of exports, one per
    /// account, as `account` takes it: each account's `DIR/<account id>/` against its own.
    #[arg(long, value_name = "AUTH.json|FOLDER", requires = "recommendations")]
    pub account: Option<PathBuf>,
    /// With --account: the folder of recommendations (every `*.json` file in it).
    #[arg(long, value_name = "DIR", requires = "account")]
    pub recommendations: Option<PathBuf>,
    /// With --account: worker threads (at least 1; default: the number of cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..), requires = "account")]
    pub jobs: Option<u32>,
    /// A JSON catalog to use instead of the embedded snapshot.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    #[command(flatten)]
    pub limits: ProofArgs,
    /// With a recommendation, verify only the policy whose `existingPolicyId` is ID (or
    /// ends in `/ID`); by default every policy its steps name is verified.
    #[arg(long, value_name = "ID", conflicts_with = "account")]
    pub policy_id: Option<String>,
    /// Actions matching PATTERN were never to be removed (repeatable; `*` and `?`): they
    /// are not unused for the proof.
    #[arg(long, value_name = "PATTERN")]
    pub keep: Vec<String>,
    /// Statements whose `Sid` matches PATTERN (repeatable; `*` and `?`, case-sensitive)
    /// were left as written: each must appear unchanged, once, and may keep unused actions.
    #[arg(long, value_name = "PATTERN")]
    pub skip_sid: Vec<String>,
    /// What stdout holds: `text`, the witness action of each refutation; `json`, the
    /// verdicts as one JSON object (with `schemaVersion`); `sarif`, a SARIF 2.1.0 log for
    /// code scanning; `junit`, JUnit XML. The verdict lines stay on stderr.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// With `--format json` or `sarif`: print it minified, on one line.
    #[arg(long)]
    pub compact: bool,
}

/// What a command that gives verdicts prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Sarif,
    Junit,
}

/// Z3 takes its time limit in whole milliseconds, as a 32-bit number.
const MAX_TIMEOUT_SECONDS: f64 = u32::MAX as f64 / 1000.0;

pub(crate) fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(0.001..=MAX_TIMEOUT_SECONDS).contains(&seconds) {
        return Err(format!(
            "the time limit must be between 0.001 and {} seconds",
            MAX_TIMEOUT_SECONDS.floor()
        ));
    }
    Duration::try_from_secs_f64(seconds).map_err(|e| e.to_string())
}

fn parse_bytes(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let (digits, unit) = [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        .into_iter()
        .find_map(|(suffix, unit)| trimmed.strip_suffix(suffix).map(|d| (d.trim_end(), unit)))
        .unwrap_or((trimmed, 1));
    let bad = || format!("`{text}` is not a number of bytes (such as 1048576 or 256MiB)");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let bytes = n
        .checked_mul(unit)
        .ok_or_else(|| format!("`{text}` is more bytes than this machine can count"))?;
    if bytes == 0 {
        return Err("the limit must be at least 1 byte".to_string());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_bytes("400"), Ok(400));
        assert_eq!(parse_bytes("256MiB"), Ok(256 << 20));
        assert_eq!(parse_bytes("1 GiB"), Ok(1 << 30));
        assert_eq!(parse_bytes("64KiB"), Ok(64 << 10));
        for bad in [
            "", "0", "0KiB", "-1", "+1", "1e9", "1.5MiB", "MiB", "lots", "1 MB",
        ] {
            assert!(parse_bytes(bad).is_err(), "{bad}");
        }
        assert!(parse_bytes("99999999999999999999").is_err());
        assert!(parse_bytes("17179869184GiB").is_err());
    }

    #[test]
    fn assignments() {
        assert_eq!(
            parse_assignment("Env=prod"),
            Ok(("Env".into(), "prod".into()))
        );
        assert_eq!(parse_assignment("K=a=b"), Ok(("K".into(), "a=b".into())));
        assert_eq!(parse_assignment("K="), Ok(("K".into(), String::new())));
        for bad in ["", "K", "=v", " =v"] {
            assert!(parse_assignment(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn context_entries() {
        use iam_refine::request::ValueType;
        let c = parse_context("aws:SourceIp=ip:2001:db8::1").unwrap();
        assert_eq!(
            (c.key.as_str(), c.kind, c.value.as_str()),
            ("aws:SourceIp", ValueType::Ip, "2001:db8::1")
        );
        let c = parse_context("aws:TagKeys=stringlist:").unwrap();
        assert_eq!((c.kind, c.value.as_str()), (ValueType::StringList, ""));
        for bad in ["k", "=string:x", "k=string", "k=text:x", "k=:x"] {
            assert!(parse_context(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shards() {
        assert_eq!(parse_shard("0/1"), Ok(Shard { index: 0, count: 1 }));
        assert_eq!(parse_shard("7/8"), Ok(Shard { index: 7, count: 8 }));
        for bad in [
            "", "1", "1/1", "8/8", "0/0", "-1/2", "a/2", "1/b", "1/2/3", "+1/2", "1 / 2",
        ] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_limits() {
        assert_eq!(parse_timeout("60"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_timeout("0.5"), Ok(Duration::from_millis(500)));
        assert!(parse_timeout("4294967").is_ok());
        for bad in [
            "0", "-0", "-1", "0.0009", "1e300", "4294968", "nan", "inf", "-inf", "", "x",
        ] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
