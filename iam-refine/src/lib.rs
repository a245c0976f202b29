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

mod account;
mod catalog;
mod findings;
mod json_values;
mod options;
mod pattern;
mod policy;
mod quota;
mod recommendation;
mod refine;
mod report;
mod trie;
mod usage;

pub use account::plan::{
    plan_principal, Evidence, InheritedPolicy, PlanError, PlanOptions, PolicyAction, PolicyPlan,
    PolicyRef, PolicySource, PrincipalPlan, PrincipalStatus, QuotaCheck, UsageRef,
};
pub use account::summary::AccountSummary;
pub use account::{
    in_shard, Account, AccountError, DocumentError, Group, InlinePolicy, ManagedPolicy, Principal,
    PrincipalKind,
};
pub use catalog::{AccessLevel, Catalog, CatalogError, CatalogInfo, Entry};
pub use findings::{Extra, Findings, FindingsError, Unused};
pub use options::{OptionsError, RefineOptions};
pub use pattern::{Pattern, Shape};
pub use policy::{parse_json_text, ActionKey, Effect, Policy, PolicyError, PolicyKind, Statement};
pub use quota::{
    compress as compress_infix, fit_quota, Fit, FitLimits, InfixStats,
    MANAGED_POLICIES_PER_PRINCIPAL, MANAGED_POLICIES_PER_PRINCIPAL_MAX, MANAGED_POLICY_QUOTA,
};
pub use recommendation::{
    recommended_steps, PolicyChange, Recommendation, RecommendationError, RecommendationStatus,
    RecommendedAction, RecommendedStep, EXTRA_KEY, UNUSED_PERMISSION_RECOMMENDATION,
};
pub use refine::{refine, refine_with, Refinement, Stats};
pub use report::{quota_warning, summary, thousands, Sizes};
pub use trie::{word_starts, words};
pub use usage::{
    detect as detect_usage, AccessAdvisorReport, AccountFindings, AccountFindingsError,
    IgnoredFinding, ObservedUsage, PrincipalFindings, ReportedFinding, UnusedRole, Usage,
    UsageError, UsageKind, UsageOptions, ACCEPTED_SHAPES,
};
