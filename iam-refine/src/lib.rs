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

#![warn(missing_docs)]

mod access;
mod catalog;
mod catalog_json;
mod catalog_tsv;
mod dedupe;
mod document;
mod findings;
mod json;
mod nfa;
mod pattern;
mod policy;
mod refine;
mod report;
mod trie;

pub use catalog::{AccessLevel, Catalog, CatalogError, CatalogInfo, Entry};
pub use document::parse_json_text;
pub use findings::{Extra, Findings, FindingsError, Unused};
pub use pattern::{Pattern, Shape};
pub use policy::{
    recommended_steps, ActionKey, Effect, Policy, PolicyError, PolicyKind, RecommendedStep,
    Statement,
};
pub use refine::{refine, Refinement, Stats};
pub use report::{quota_warning, summary, thousands, Sizes};
pub use trie::{word_starts, words};
