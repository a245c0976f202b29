//! iam-refine: least-privilege IAM policies from IAM Access Analyzer's unused-permission
//! findings.
//!
//! The pipeline: [`policy::Policy::parse`] reads a policy in any shape the AWS CLI prints,
//! [`findings::Findings::parse`] reads the findings, [`findings::Findings::resolve`] locates
//! them in a [`catalog::Catalog`], and [`refine::refine`] writes the refined policy, using
//! the CamelCase trie of [`trie`] to replace wildcards by the shortest safe prefixes.
//! [`report`] renders the per-policy summary. The `iam-refine-verify` crate proves each
//! result with Z3, independently of this one.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod catalog;
pub mod findings;
pub mod pattern;
pub mod policy;
pub mod refine;
pub mod report;
pub mod trie;

pub use catalog::{AccessLevel, Catalog};
pub use findings::{Findings, Unused};
pub use pattern::Pattern;
pub use policy::Policy;
pub use refine::{refine, Refinement};
