//! The plain configuration each command runs on, resolved from clap's arguments before any
//! work. Whatever clap cannot check alone (several policies need `--output-dir`, two
//! policies may not share a file name, ...) is checked here and refused as a
//! [`UsageError`], which travels up to `main` as a value.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use iam_refine::{PlanOptions, RefineOptions};

use iam_refine::request::Request;

use crate::args::{
    AccountArgs, Args, CheckNotGrantedArgs, ChoiceArgs, ColorWhen, Command, CompareArgs,
    CompareFormat, Expectation, Format, FormatArgs, PoliciesArgs, PoliciesFormat, ProofArgs,
    RefineArgs, Relation, ReportFormat, Shard, SimulateArgs, SimulateFormat, VerifyArgs,
    VerifyLimitArgs,
};

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
    /// On GitHub Actions (`GITHUB_ACTIONS=true`): annotations and a step summary.
    pub github: bool,
}

#[derive(Debug, Clone)]
pub enum Task {
    Refine(RefineConfig),
    Account(AccountConfig),
    // Read only by the binary with the prover (the other hands `verify` over).
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    Verify(VerifyConfig),
    Expand {
        patterns: Vec<String>,
        catalog: Option<PathBuf>,
    },
    Simulate(SimulateConfig),
    Catalog {
        catalog: Option<PathBuf>,
        services: bool,
    },
    Policies(PoliciesConfig),
    // Read only by the binary with the prover (the other hands `ci` over).
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    Ci(crate::ci_config::CiConfig),
    // Read only by the binary with the prover (the other hands them over).
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    Compare(CompareConfig),
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    CheckNotGranted(CheckConfig),
}

/// `compare`, checked: two non-empty sides.
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
pub struct CompareConfig {
    pub old: Vec<PathBuf>,
    pub new: Vec<PathBuf>,
    pub expect: Option<Relation>,
    pub unknowns: Vec<String>,
    pub format: CompareFormat,
    pub compact: bool,
    pub timeout: Duration,
    pub rlimit: Option<u32>,
}

/// `check-not-granted`, checked.
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
pub struct CheckConfig {
    pub policies: Vec<PathBuf>,
    pub checks: Checks,
    pub unknowns: Vec<String>,
    pub format: ReportFormat,
    pub compact: bool,
    pub timeout: Duration,
    pub rlimit: Option<u32>,
}

/// What `check-not-granted` checks.
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
pub enum Checks {
    /// `--action` (and `--resource`, `*` when none): one rule.
    Given {
        actions: Vec<String>,
        resources: Vec<String>,
    },
    /// `--rules FILE`.
    Rules(PathBuf),
}

/// Declared unknowns as `policies` names them: not empty, no `}`, each once.
fn check_unknowns(names: &[String], subcommand: &'static str) -> Result<(), UsageError> {
    let mut seen = HashSet::new();
    for name in names {
        let bad = |why: &str| UsageError {
            subcommand,
            message: format!("--unknown `{name}`: {why}"),
        };
        if name.is_empty() {
            return Err(bad("empty"));
        }
        if name.contains('}') {
            return Err(bad("a name holds no `}` (give NAME for `${NAME}`)"));
        }
        if !seen.insert(name.as_str()) {
            return Err(bad("given twice"));
        }
    }
    Ok(())
}

impl CompareConfig {
    fn resolve(a: CompareArgs) -> Result<CompareConfig, UsageError> {
        let usage = |message: String| UsageError {
            subcommand: "compare",
            message,
        };
        let (old, new) = match (a.old_file, a.new_file) {
            (Some(old), Some(new)) => (vec![old], vec![new]),
            (None, None) => (a.old, a.new),
            _ => return Err(usage("give OLD and NEW, two files".to_string())),
        };
        if old.is_empty() || new.is_empty() {
            return Err(usage("give OLD and NEW, or --old and --new".to_string()));
        }
        if old.iter().chain(&new).filter(|p| is_stdin(p)).count() > 1 {
            return Err(usage("`-` (stdin) can be read once".to_string()));
        }
        check_unknowns(&a.unknown, "compare")?;
        if matches!(a.format, CompareFormat::Sarif | CompareFormat::Junit) && a.expect.is_none() {
            return Err(usage(
                "--format sarif and junit report a gate: give --expect equivalent or no-new-access"
                    .to_string(),
            ));
        }
        Ok(CompareConfig {
            old,
            new,
            expect: a.expect,
            unknowns: a.unknown,
            format: a.format,
            compact: a.compact,
            timeout: a.limits.timeout,
            rlimit: a.limits.rlimit,
        })
    }
}

impl CheckConfig {
    fn resolve(a: CheckNotGrantedArgs) -> Result<CheckConfig, UsageError> {
        let usage = |message: String| UsageError {
            subcommand: "check-not-granted",
            message,
        };
        let stdin_rules = a.rules.as_deref().is_some_and(is_stdin);
        if a.policies.iter().filter(|p| is_stdin(p)).count() + usize::from(stdin_rules) > 1 {
            return Err(usage("`-` (stdin) can be read once".to_string()));
        }
        if let Some(p) = a.action.iter().chain(&a.resource).find(|p| p.is_empty()) {
            return Err(usage(format!("an empty pattern `{p}` matches nothing")));
        }
        check_unknowns(&a.unknown, "check-not-granted")?;
        let checks = match a.rules {
            Some(path) => Checks::Rules(path),
            None => Checks::Given {
                actions: a.action,
                resources: if a.resource.is_empty() {
                    vec!["*".to_string()]
                } else {
                    a.resource
                },
            },
        };
        Ok(CheckConfig {
            policies: a.policies,
            checks,
            unknowns: a.unknown,
            format: a.format,
            compact: a.compact,
            timeout: a.limits.timeout,
            rlimit: a.limits.rlimit,
        })
    }
}

/// `policies`: the files and the values their templates do not give.
#[derive(Debug, Clone)]
pub struct PoliciesConfig {
    pub files: Vec<PathBuf>,
    pub options: iam_refine_iac::Options,
    pub json: bool,
}

/// The pseudo parameters a caller may give (`AWS::NoValue` is not a value).
const PSEUDO: [&str; 7] = [
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

impl PoliciesConfig {
    fn resolve(a: PoliciesArgs) -> Result<PoliciesConfig, UsageError> {
        let usage = |message: String| UsageError {
            subcommand: "policies",
            message,
        };
        if a.files.iter().filter(|p| is_stdin(p)).count() > 1 {
            return Err(usage("`-` (stdin) can be read once".to_string()));
        }
        Ok(PoliciesConfig {
            files: a.files,
            options: iac_options(a.parameter, a.pseudo, "policies")?,
            json: a.format == PoliciesFormat::Json,
        })
    }
}

/// `--parameter` and `--pseudo` (of `policies` and `ci`) checked into the template reader's
/// options: a name given twice, or a pseudo parameter that takes no value, is a usage error.
pub fn iac_options(
    parameter: Vec<(String, String)>,
    pseudo: Vec<(String, String)>,
    subcommand: &'static str,
) -> Result<iam_refine_iac::Options, UsageError> {
    let usage = |message: String| UsageError {
        subcommand,
        message,
    };
    let map = |pairs: Vec<(String, String)>, flag: &str| {
        let mut out = BTreeMap::new();
        for (k, v) in pairs {
            if out.insert(k.clone(), v).is_some() {
                return Err(usage(format!("{flag} `{k}` is given twice")));
            }
        }
        Ok(out)
    };
    let pseudo = map(pseudo, "--pseudo")?;
    if let Some(k) = pseudo.keys().find(|k| !PSEUDO.contains(&k.as_str())) {
        return Err(usage(format!(
            "--pseudo `{k}` is not a pseudo parameter that takes a value (one of {})",
            PSEUDO.join(", ")
        )));
    }
    Ok(iam_refine_iac::Options {
        parameters: map(parameter, "--parameter")?,
        pseudo,
    })
}

/// `iam-refine simulate`, checked.
#[derive(Debug, Clone)]
pub struct SimulateConfig {
    pub policies: Vec<PathBuf>,
    pub request: RequestSource,
    pub format: SimulateFormat,
    pub expect: Option<Expectation>,
}

/// Where `simulate` gets its request.
#[derive(Debug, Clone)]
pub enum RequestSource {
    /// `--action`, `--resource`, `--context`.
    Given(Request),
    /// `--request FILE`.
    File(PathBuf),
}

impl SimulateConfig {
    fn resolve(a: SimulateArgs) -> Result<SimulateConfig, UsageError> {
        let usage = |message: String| UsageError {
            subcommand: "simulate",
            message,
        };
        let stdin_policies = a.policies.iter().filter(|p| is_stdin(p)).count();
        let stdin_request = a.request.as_deref().is_some_and(is_stdin);
        if stdin_policies + usize::from(stdin_request) > 1 {
            return Err(usage("`-` (stdin) can be read only once".to_string()));
        }
        let request = match (a.request, a.action, a.resource) {
            (Some(file), None, None) => RequestSource::File(file),
            (None, Some(action), Some(resource)) => {
                let mut request = Request::new(action, resource);
                // Repeating a `...List` key adds a value; anything else repeated is a mistake.
                let mut entries: Vec<(String, iam_refine::request::ValueType, Vec<String>)> =
                    Vec::new();
                for c in a.context {
                    match entries
                        .iter_mut()
                        .find(|(k, _, _)| k.eq_ignore_ascii_case(&c.key))
                    {
                        None => entries.push((c.key, c.kind, vec![c.value])),
                        Some((k, kind, _)) if *kind != c.kind => {
                            return Err(usage(format!(
                                "--context `{k}` is given as `{kind}` and as `{}` (key names are case-insensitive)",
                                c.kind
                            )))
                        }
                        Some((k, kind, _)) if !kind.is_list() => {
                            return Err(usage(format!(
                                "--context `{k}` is given twice as `{kind}`, which takes one value; use `{kind}List` for several"
                            )))
                        }
                        Some((_, _, values)) => values.push(c.value),
                    }
                }
                for (key, kind, values) in entries {
                    request
                        .insert(key, kind, values)
                        .map_err(|e| usage(e.to_string()))?;
                }
                RequestSource::Given(request)
            }
            // clap requires --action with --resource, or --request alone.
            _ => {
                return Err(usage(
                    "give --action ACTION --resource ARN, or --request FILE".to_string(),
                ))
            }
        };
        Ok(SimulateConfig {
            policies: a.policies,
            request,
            format: a.format,
            expect: a.expect,
        })
    }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// For each solver query.
    pub timeout: Duration,
    /// Z3 resource units for each solver query.
    pub rlimit: Option<u32>,
}

impl From<ProofArgs> for Limits {
    fn from(a: ProofArgs) -> Limits {
        Limits {
            timeout: a.timeout,
            rlimit: a.rlimit,
        }
    }
}

impl Limits {
    /// `--timeout` and `--rlimit` of `refine` or `account`, when `--verify` was given.
    fn with_verify(verify: bool, a: VerifyLimitArgs) -> Option<Limits> {
        verify.then_some(Limits {
            timeout: a.timeout,
            rlimit: a.rlimit,
        })
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

/// Where `account` learns what each principal did or did not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountUsage {
    /// `--findings`: `get-finding-v2` outputs, each naming its principal by ARN.
    Findings(PathBuf),
    /// `--unused DIR` or `--used DIR`: one file per principal, named after it.
    Folder(UsageSource),
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
    pub verify: Option<Limits>,
}

/// One `--original [ID=]FILE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalFile {
    /// The `existingPolicyId` given with `ID=`, if any.
    pub id: Option<String>,
    pub path: PathBuf,
}

impl OriginalFile {
    /// The name a recommendation's `existingPolicyId` must have for this file: the given
    /// ID, else the file stem.
    pub fn name(&self) -> String {
        match &self.id {
            Some(id) => id.clone(),
            None => self
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }

    /// As the user wrote it, for messages.
    pub fn flag(&self) -> String {
        match &self.id {
            Some(id) => format!("--original {id}={}", self.path.display()),
            None => format!("--original {}", self.path.display()),
        }
    }
}

// The binary without the prover hands `verify` to the one with it (crate::prover) and reads
// none of this.
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    pub inputs: VerifyInputs,
    /// With Access Advisor reports: last used more than this many days ago is unused.
    pub unused_after: Option<u32>,
    pub catalog: Option<PathBuf>,
    pub limits: Limits,
    /// `--keep` patterns, checked as the refiner checks them.
    pub keep: Vec<String>,
    /// `--skip-sid` patterns, checked as the refiner checks them.
    pub skip_sid: Vec<String>,
    /// What stdout holds.
    pub format: ReportFormat,
    pub compact: bool,
}

/// What `verify` proves.
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
#[derive(Debug, Clone)]
pub enum VerifyInputs {
    /// `--original ... --refined FILE`.
    Files(VerifyFiles),
    /// `--account AUTH.json --recommendations DIR`.
    Account(VerifyAccount),
}

/// `verify --original ... --refined FILE (--unused FILE | --used FILE)`.
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
#[derive(Debug, Clone)]
pub struct VerifyFiles {
    /// At least one.
    pub originals: Vec<OriginalFile>,
    pub refined: PathBuf,
    pub usage: UsageSource,
    pub policy_id: Option<String>,
}

/// `verify --account AUTH.json (--findings | --unused DIR | --used DIR) --recommendations DIR`.
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
#[derive(Debug, Clone)]
pub struct VerifyAccount {
    pub auth: PathBuf,
    pub usage: AccountUsage,
    pub recommendations: PathBuf,
    /// Worker threads, at least 1.
    pub jobs: usize,
}

/// `iam-refine account`, checked.
#[derive(Debug, Clone)]
pub struct AccountConfig {
    pub auth: PathBuf,
    pub usage: AccountUsage,
    /// With Access Advisor reports (`--unused DIR`): last used more than this many days ago
    /// is unused.
    pub unused_after: Option<u32>,
    pub output: Output,
    /// Prove each changed policy, with these limits.
    pub verify: Option<Limits>,
    pub shard: Shard,
    /// Worker threads, at least 1.
    pub jobs: usize,
    pub catalog: Option<PathBuf>,
    pub plan: PlanOptions,
    /// `--skip-sid` patterns as given, for the prover.
    pub skip_sid: Vec<String>,
    /// `Recommendation`, `Diff` or `Json` (`Policy` is refused).
    pub format: Format,
    pub color: ColorWhen,
    pub compact: bool,
}

impl AccountConfig {
    fn resolve(a: AccountArgs) -> Result<AccountConfig, UsageError> {
        let usage = |message: String| UsageError {
            subcommand: "account",
            message,
        };
        let source =
            match (a.findings, a.unused, a.used) {
                (Some(p), None, None) => AccountUsage::Findings(p),
                (None, Some(p), None) => AccountUsage::Folder(UsageSource::Unused(p)),
                (None, None, Some(p)) => AccountUsage::Folder(UsageSource::Used(p)),
                // clap's `usage` group requires exactly one; this is its message.
                _ => return Err(usage(
                    "exactly one of --findings DIR|FILE, --unused DIR and --used DIR is required"
                        .to_string(),
                )),
            };
        match (&source, a.choice.unused_after) {
            (AccountUsage::Findings(_), Some(_)) => {
                return Err(usage(
                    "--unused-after applies to IAM Access Advisor reports given with --unused DIR; --findings reads Access Analyzer findings, which already say what is unused".to_string(),
                ))
            }
            (AccountUsage::Folder(UsageSource::Used(_)), Some(_)) => {
                return Err(usage(
                    "--unused-after applies to IAM Access Advisor reports given with --unused DIR, not to --used".to_string(),
                ))
            }
            _ => {}
        }
        let format = a.format.format.unwrap_or(Format::Recommendation);
        if format == Format::Policy {
            return Err(usage(
                "--format policy prints one refined document, which a whole account does not have; use --format recommendation, diff or json".to_string(),
            ));
        }
        let mut refine = RefineOptions::new();
        for k in &a.choice.keep {
            refine = refine.keep(k).map_err(|e| usage(e.to_string()))?;
        }
        for s in &a.choice.skip_sid {
            refine = refine.skip_sid(s).map_err(|e| usage(e.to_string()))?;
        }
        let jobs = match a.jobs {
            Some(n) => usize::try_from(n).unwrap_or(1),
            None => std::thread::available_parallelism().map_or(1, usize::from),
        };
        Ok(AccountConfig {
            auth: a.auth,
            usage: source,
            unused_after: a.choice.unused_after,
            output: a.output_dir.map_or(Output::Stdout, Output::Dir),
            verify: Limits::with_verify(a.verify, a.limits),
            shard: a.shard.unwrap_or(Shard { index: 0, count: 1 }),
            jobs: jobs.max(1),
            catalog: a.catalog,
            plan: PlanOptions {
                refine,
                fit_quota: a.choice.fit_quota,
                ..PlanOptions::default()
            },
            skip_sid: a.choice.skip_sid,
            format,
            color: a.format.color,
            compact: a.format.compact,
        })
    }
}

/// `-`, standard input, as a policy argument.
pub fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

impl Config {
    /// Whether the run proves anything: `verify`, `refine --verify`, `account --verify`.
    #[cfg_attr(feature = "verify", allow(dead_code))]
    pub fn proves(&self) -> bool {
        match &self.task {
            Task::Verify(_) | Task::Ci(_) | Task::Compare(_) | Task::CheckNotGranted(_) => true,
            Task::Refine(c) => c.verify.is_some(),
            Task::Account(c) => c.verify.is_some(),
            Task::Expand { .. } | Task::Catalog { .. } | Task::Policies(_) | Task::Simulate(_) => {
                false
            }
        }
    }

    pub fn resolve(args: Args) -> Result<Config, UsageError> {
        let common = Common {
            max_input_bytes: args.max_input_bytes,
            quiet: args.quiet,
            github: crate::report::github::enabled(),
        };
        let task = match args.command {
            Command::Refine(a) => Task::Refine(RefineConfig::resolve(a)?),
            Command::Account(a) => Task::Account(AccountConfig::resolve(a)?),
            Command::Verify(a) => Task::Verify(VerifyConfig::resolve(a)?),
            Command::Expand { patterns, catalog } => Task::Expand { patterns, catalog },
            Command::Simulate(a) => Task::Simulate(SimulateConfig::resolve(a)?),
            Command::Catalog { catalog, services } => Task::Catalog { catalog, services },
            Command::Policies(a) => Task::Policies(PoliciesConfig::resolve(a)?),
            Command::Ci(a) => Task::Ci(crate::ci_config::CiConfig::resolve(a)?),
            Command::Compare(a) => Task::Compare(CompareConfig::resolve(a)?),
            Command::CheckNotGranted(a) => Task::CheckNotGranted(CheckConfig::resolve(a)?),
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
            verify: Limits::with_verify(a.verify, a.limits),
        })
    }
}

impl VerifyConfig {
    fn resolve(a: VerifyArgs) -> Result<VerifyConfig, UsageError> {
        let usage = |message: String| UsageError {
            subcommand: "verify",
            message,
        };
        let mut options = iam_refine::RefineOptions::new();
        for p in &a.keep {
            options = options.keep(p).map_err(|e| usage(e.to_string()))?;
        }
        for p in &a.skip_sid {
            options = options.skip_sid(p).map_err(|e| usage(e.to_string()))?;
        }
        if a.unused_after.is_some() && a.unused.is_none() {
            return Err(usage(
                "--unused-after applies to IAM Access Advisor reports given with --unused; findings already say what is unused, and --used names what was used".to_string(),
            ));
        }
        let inputs = match (a.account, a.recommendations, a.refined) {
            (Some(auth), Some(recommendations), None) => {
                let source = match (a.findings, a.unused, a.used) {
                    (Some(p), None, None) => AccountUsage::Findings(p),
                    (None, Some(p), None) => AccountUsage::Folder(UsageSource::Unused(p)),
                    (None, None, Some(p)) => AccountUsage::Folder(UsageSource::Used(p)),
                    // clap's `usage` group requires exactly one.
                    _ => return Err(usage(
                        "with --account, exactly one of --findings DIR|FILE, --unused DIR and --used DIR is required".to_string(),
                    )),
                };
                let jobs = match a.jobs {
                    Some(n) => usize::try_from(n).unwrap_or(1),
                    None => std::thread::available_parallelism().map_or(1, usize::from),
                };
                VerifyInputs::Account(VerifyAccount {
                    auth,
                    usage: source,
                    recommendations,
                    jobs: jobs.max(1),
                })
            }
            (None, None, Some(refined)) => {
                let source = match (a.unused, a.used) {
                    (Some(p), None) => UsageSource::Unused(p),
                    (None, Some(p)) => UsageSource::Used(p),
                    // clap's `usage` group requires exactly one, and --findings --account.
                    _ => {
                        return Err(usage(
                            "exactly one of --unused FILE and --used FILE is required".to_string(),
                        ))
                    }
                };
                let originals = originals(&a.original, &source, &refined).map_err(usage)?;
                VerifyInputs::Files(VerifyFiles {
                    originals,
                    refined,
                    usage: source,
                    policy_id: a.policy_id,
                })
            }
            // clap requires --recommendations with --account, and --original and --refined
            // without it.
            _ => {
                return Err(usage(
                    "give --original FILE... --refined FILE, or --account AUTH.json --recommendations DIR".to_string(),
                ))
            }
        };
        Ok(VerifyConfig {
            inputs,
            unused_after: a.unused_after,
            catalog: a.catalog,
            limits: Limits::from(a.limits),
            keep: a.keep,
            skip_sid: a.skip_sid,
            format: a.format,
            compact: a.compact,
        })
    }
}

/// The `--original [ID=]FILE`s, checked: two may not stand for one policy, and stdin can be
/// read once among the originals, the refined file and the usage file.
fn originals(
    given: &[String],
    source: &UsageSource,
    refined: &Path,
) -> Result<Vec<OriginalFile>, String> {
    let mut originals: Vec<OriginalFile> = Vec::with_capacity(given.len());
    for text in given {
        // An ARN or a policy name has no `=`; a path may, after the first one.
        let file = match text.split_once('=') {
            Some((id, path)) => {
                if id.is_empty() || path.is_empty() {
                    return Err(format!(
                        "`--original {text}`: expected FILE or ID=FILE with a non-empty ID and FILE"
                    ));
                }
                OriginalFile {
                    id: Some(id.to_string()),
                    path: PathBuf::from(path),
                }
            }
            None => OriginalFile {
                id: None,
                path: PathBuf::from(text),
            },
        };
        if let Some(other) = originals.iter().find(|o| o.name() == file.name()) {
            return Err(format!(
                "`{}` and `{}` both stand for policy `{}`",
                other.flag(),
                file.flag(),
                file.name()
            ));
        }
        if is_stdin(&file.path) && originals.iter().any(|o| is_stdin(&o.path)) {
            return Err("`-` (stdin) can only be one --original".to_string());
        }
        originals.push(file);
    }
    let stdin = originals.iter().filter(|o| is_stdin(&o.path)).count()
        + usize::from(is_stdin(refined))
        + usize::from(is_stdin(source.path()));
    if stdin > 1 {
        return Err("`-` (stdin) can be read once: give it to one of --original, --refined, --unused and --used".to_string());
    }
    Ok(originals)
}
