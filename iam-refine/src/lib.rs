//! iam-refine: least-privilege IAM policies from IAM Access Analyzer's unused-permission
//! findings.
//!
//! The pipeline: [`Policy::parse`] reads a policy in any shape the AWS CLI prints,
//! [`Findings::parse`] reads the findings, [`Findings::resolve`] locates them in a
//! [`Catalog`], and [`refine()`] writes the refined policy, replacing wildcards by the
//! shortest safe prefixes of a CamelCase trie over the catalog. [`summary`] renders the
//! per-policy report. The `iam-refine-verify` crate proves each result with Z3,
//! independently of this one.
//!
//! Input is read one way only: every JSON text goes through one strict reader
//! ([`parse_json_text`]) that refuses a key repeated anywhere (naming it, its line and
//! column), keeps numbers exactly as written, and refuses a document that fits two
//! accepted shapes; catalog files may not list a service or an action twice. The embedded
//! catalog is built into the binary at compile time (`build.rs`), so [`Catalog::embedded`]
//! costs nothing at run time.
//!
//! ```
//! use iam_refine::{refine, Catalog, Findings, Policy};
//!
//! let catalog = Catalog::embedded();
//! let policy = Policy::parse(r#"{"Version": "2012-10-17",
//!     "Statement": {"Effect": "Allow", "Action": "s3:GetObject*", "Resource": "*"}}"#)?;
//! let findings = Findings::parse(r#"[{"serviceNamespace": "s3", "actions": ["GetObjectAcl"]}]"#)?;
//! let refined = refine(&policy, &findings.resolve(&catalog));
//! let actions = &refined.policy.statements[0].patterns;
//! assert!(actions.contains(&"s3:GetObject".to_string()));
//! assert!(!actions.iter().any(|a| a.starts_with("s3:GetObjectAcl")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # A whole account
//!
//! [`Account::parse`] reads `aws iam get-account-authorization-details` output,
//! [`AccountFindings::parse`] the account's `get-finding-v2` outputs (a folder's files, or
//! JSON lines), and [`plan_principal`] plans one principal: a pure function, so a caller
//! runs one per principal on every core, and a principal that fails fails alone
//! ([`PrincipalStatus::Failed`], with [`PrincipalPlan::errors`]). Each plan is written in
//! AWS's `get-finding-recommendation` shape ([`PrincipalPlan::recommendation`]) and added to
//! an [`AccountSummary`]. Other usage sources (IAM Access Advisor, observed usage) come in
//! through [`Usage`] and [`Evidence`]; IAM's size quotas through [`fit_quota`].
//!
//! ```
//! use iam_refine::{
//!     in_shard, plan_principal, Account, AccountFindings, AccountSummary, Catalog, Evidence,
//!     PlanOptions, PrincipalStatus, RefineOptions,
//! };
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/account");
//! let account = Account::parse(&std::fs::read_to_string(format!("{dir}/authorization-details.json"))?)?;
//! let jsonl = std::fs::read_to_string(format!("{dir}/findings.jsonl"))?;
//! let findings = AccountFindings::parse([("findings.jsonl", jsonl.as_str())])?;
//! let catalog = Catalog::embedded();
//! let options = PlanOptions {
//!     refine: RefineOptions::new().keep("iam:PassRole")?.skip_sid("BreakGlass*")?,
//!     fit_quota: true,
//!     ..PlanOptions::default()
//! };
//! let mut summary = AccountSummary::default();
//! // `account.principals().par_iter()` with rayon; `in_shard` for one job of many.
//! for principal in account.principals().iter().filter(|p| in_shard(&p.arn, 0, 1)) {
//!     // Each principal's findings are held packed until it is worked on.
//!     let held = findings.principal(&principal.arn).map(|h| h.unpack()).transpose()?;
//!     let evidence = held.as_ref().map(Evidence::from).unwrap_or_default();
//!     let plan = plan_principal(&account, principal, evidence, &catalog, &options);
//!     if plan.status != PrincipalStatus::Failed {
//!         let json = plan.recommendation().to_value(); // to DIR/<principal>.json
//!         assert!(json["recommendedSteps"].is_array());
//!     }
//!     summary.add(&plan);
//! }
//! assert_eq!((summary.refined, summary.delete_role, summary.failed), (2, 1, 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod access;
mod account;
mod catalog;
mod catalog_json;
mod catalog_tsv;
mod dedupe;
mod document;
mod findings;
mod fxhash;
mod json;
mod json_values;
mod nfa;
mod numbered;
mod options;
mod pattern;
mod policy;
mod quota;
mod recommendation;
mod refine;
mod report;
pub mod request;
#[cfg(test)]
mod test_readers;
mod trie;
mod usage;

pub use account::file_names::{FileNameError, PrincipalFiles};
pub use account::plan::{
    plan_principal, Evidence, InheritedPolicy, PlanError, PlanOptions, PolicyAction, PolicyPlan,
    PolicyRef, PolicySource, PrincipalPlan, PrincipalStatus, QuotaCheck, UsageRef,
};
pub use account::summary::AccountSummary;
pub use account::warning::PlanWarning;
pub use account::{
    in_shard, Account, AccountError, DocumentError, Group, InlinePolicy, ManagedPolicy, Principal,
    PrincipalKind,
};
pub use catalog::{AccessLevel, Catalog, CatalogError, CatalogInfo, Entry};
pub use document::{parse_json_text, policy_document};
pub use findings::{Extra, Findings, FindingsError, FindingsRead, Unused};
pub use options::{OptionsError, RefineOptions};
pub use pattern::{Pattern, Shape};
pub use policy::{ActionKey, Effect, Policy, PolicyError, PolicyKind, Statement};
pub use quota::{
    compress as compress_infix, fit_quota, Fit, FitLimits, InfixStats,
    MANAGED_POLICIES_PER_PRINCIPAL, MANAGED_POLICIES_PER_PRINCIPAL_MAX, MANAGED_POLICY_QUOTA,
};
pub use recommendation::{
    recommended_steps, PolicyChange, Recommendation, RecommendationError, RecommendationStatus,
    RecommendedAction, RecommendedStep, EXTRA_KEY, UNUSED_PERMISSION_RECOMMENDATION,
};
pub use refine::{refine, refine_with, Refinement, Stats};
pub use report::{
    quota_warning, quota_warning_with_sizes, summary, summary_with_sizes, thousands, Sizes,
};
pub use trie::{word_starts, words};
pub use usage::{
    detect as detect_usage, AccessAdvisorReport, AccountFindings, AccountFindingsError,
    AccountFindingsReader, HeldFindings, IgnoredFinding, ObservedUsage, PrincipalFindings,
    ReportedFinding, UnusedRole, Usage, UsageError, UsageKind, UsageOptions, UsageRead,
    ACCEPTED_SHAPES,
};
