//! One AWS account's IAM configuration, as `aws iam get-account-authorization-details`
//! prints it: roles and users with the policies they carry, groups, and managed policies
//! with their default version's document.
//!
//! [`Account::parse`] reads one output, several pages printed one after another, or a JSON
//! array of pages, item by item ([`pages`], [`parse`]). Policy documents may be URL-encoded
//! strings (the raw API) or objects (the CLI decodes them); each is kept as its text and
//! read when a principal that carries it is worked on (a large AWS managed policy once,
//! shared: [`document_text`]), so the account is smaller than its export. A document that does not parse is an error of its policy, so
//! that only the principals carrying it fail; what is ambiguous (a managed policy,
//! principal or inline policy defined twice differently, a page of another shape) refuses
//! the whole input, naming the item.
//!
//! The per-principal work on top of this model is in [`plan`]; its totals in [`summary`];
//! which principal a per-principal input file stands for, in [`file_names`].

mod document_text;
mod export_stream;
pub(crate) mod file_names;
mod limits;
mod pages;
mod parse;
pub(crate) mod plan;
mod recommend;
pub(crate) mod summary;
pub(crate) mod warning;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::policy::{Policy, PolicyError, PolicyKind};

use document_text::{DocumentText, ReadOnce};
pub use parse::AccountError;

/// Whether a principal is a role or a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKind {
    /// An IAM role (`RoleDetailList`).
    Role,
    /// An IAM user (`UserDetailList`).
    User,
}

impl PrincipalKind {
    /// `role` or `user`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            PrincipalKind::Role => "role",
            PrincipalKind::User => "user",
        }
    }

    /// The quota kind of this principal's inline policies.
    #[must_use]
    pub fn inline_kind(self) -> PolicyKind {
        match self {
            PrincipalKind::Role => PolicyKind::RoleInline,
            PrincipalKind::User => PolicyKind::UserInline,
        }
    }
}

/// Why a policy's document cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// The document is JSON (or a string holding JSON text) but not a policy
    /// [`Policy::from_document`] accepts, or that text does not parse.
    #[error("{source}")]
    Policy {
        /// Why the policy reader refused it.
        source: PolicyError,
    },
    /// The document is neither a JSON object nor a string holding one.
    #[error("the document must be a JSON object or a string holding one, found {found}")]
    NotADocument {
        /// The kind of JSON value found (`an array`, `a number`, ...).
        found: String,
    },
    /// A managed policy has no version marked `IsDefaultVersion`, and none whose
    /// `VersionId` is its `DefaultVersionId`.
    #[error("no version in `PolicyVersionList` is the default (`IsDefaultVersion`)")]
    NoDefaultVersion,
    /// A managed policy has more than one version marked `IsDefaultVersion`.
    #[error("versions {versions} are all marked `IsDefaultVersion`")]
    SeveralDefaultVersions {
        /// Their `VersionId`s, each in backticks, comma-separated.
        versions: String,
    },
    /// A managed policy's `DefaultVersionId` names another version than the one marked
    /// `IsDefaultVersion`.
    #[error(
        "`DefaultVersionId` is `{named}` but version `{flagged}` is marked `IsDefaultVersion`"
    )]
    DefaultVersionMismatch {
        /// The policy's `DefaultVersionId`.
        named: String,
        /// The `VersionId` of the version marked `IsDefaultVersion`.
        flagged: String,
    },
}

/// A policy embedded in its role, user or group.
#[derive(Debug, PartialEq)]
pub struct InlinePolicy {
    /// Its `PolicyName`, unique within its role, user or group.
    pub name: String,
    /// Its `PolicyDocument`, kept as text until it is read.
    document: DocumentText,
}

impl InlinePolicy {
    /// Its `PolicyDocument`, read; or why it cannot be used (only its owner's plan fails).
    /// Each call reads the document again: the account keeps its text, not the policy.
    ///
    /// # Errors
    ///
    /// [`DocumentError`] when the document is not a policy.
    pub fn document(&self) -> Result<Policy, DocumentError> {
        self.document.read()
    }
}

/// A role or a user.
#[derive(Debug, PartialEq)]
pub struct Principal {
    /// Role or user.
    pub kind: PrincipalKind,
    /// Its friendly name (`RoleName` or `UserName`), without path.
    pub name: String,
    /// Its ARN (`Arn`), which identifies it across inputs: findings name principals by it.
    pub arn: String,
    /// Its unique id (`RoleId`, `AROA...`, or `UserId`, `AIDA...`), when the export has it.
    pub id: Option<String>,
    /// Its inline policies (`RolePolicyList` or `UserPolicyList`), in the export's order.
    pub inline: Vec<InlinePolicy>,
    /// ARNs of the managed policies attached to it, in the export's order: one allocation
    /// per ARN for the whole account (thousands of principals attach the same few hundred
    /// policies; as a string each, 1.4 MB of an 8,050-principal account).
    pub attached: Vec<Arc<str>>,
    /// The groups a user belongs to, by name (empty for a role).
    pub groups: Vec<String>,
}

/// An IAM group: its policies reach every member.
#[derive(Debug, PartialEq)]
pub struct Group {
    /// Its friendly name (`GroupName`): how users name their groups (`GroupList`).
    pub name: String,
    /// Its ARN (`Arn`).
    pub arn: String,
    /// Its inline policies (`GroupPolicyList`), in the export's order.
    pub inline: Vec<InlinePolicy>,
    /// ARNs of the managed policies attached to it, in the export's order (shared as
    /// [`Principal::attached`]'s are).
    pub attached: Vec<Arc<str>>,
}

/// A managed policy (customer or AWS managed), with its default version's document.
#[derive(Debug, PartialEq)]
pub struct ManagedPolicy {
    /// Its ARN (`Arn`): how principals and groups name it in `AttachedManagedPolicies`.
    pub arn: String,
    /// Its friendly name (`PolicyName`), without path.
    pub name: String,
    /// Its unique id (`PolicyId`, `ANPA...`), when the export has it.
    pub id: Option<String>,
    /// `UpdateDate`, as written (AWS's `policyUpdatedAt` in a recommendation).
    pub update_date: Option<String>,
    /// `AttachmentCount`: the users, groups and roles it is attached to, account-wide.
    pub attachment_count: Option<u64>,
    /// `DefaultVersionId` (`v3`), when given.
    pub default_version: Option<String>,
    /// The document of its default version, kept as text until it is read; or why there
    /// is no default version.
    document: Result<DocumentText, DocumentError>,
    /// The document, once read, when it is larger than a customer managed policy may be:
    /// principals that carry it share one reading.
    read: ReadOnce,
}

impl ManagedPolicy {
    /// The document of its default version, read; or why there is no usable one.
    ///
    /// A document larger than IAM lets a customer managed policy be (6,144 characters) is
    /// read on the first call and kept, while the account's budget of kept text (512 KiB)
    /// has room, and each call gets a copy of that reading: only AWS managed policies are
    /// that large (81 of AWS's 1,567, 1.5 MB of text), and one such as `ReadOnlyAccess`
    /// (91 KB) is attached to many roles, where reading it costs almost four times copying
    /// it. Past the budget, and for any other document, each call reads it: reading 6,144
    /// characters costs about 25 µs, and an account may have thousands of them.
    ///
    /// # Errors
    ///
    /// [`DocumentError`] when no version is the default one, or its document is not a
    /// policy.
    pub fn document(&self) -> Result<Policy, DocumentError> {
        let text = self.document.as_ref().map_err(Clone::clone)?;
        if text.size() > PolicyKind::Managed.quota() {
            self.read.read(text)
        } else {
            text.read()
        }
    }

    /// AWS managed (`arn:aws:iam::aws:policy/...`, in any partition), not the customer's.
    #[must_use]
    pub fn is_aws_managed(&self) -> bool {
        is_aws_managed_arn(&self.arn)
    }
}

pub(crate) fn is_aws_managed_arn(arn: &str) -> bool {
    let mut parts = arn.split(':');
    parts.next() == Some("arn")
        && parts.next().is_some()
        && parts.next() == Some("iam")
        && parts.next() == Some("")
        && parts.next() == Some("aws")
}

/// The account, read from `get-account-authorization-details` output.
#[derive(Debug, Default)]
pub struct Account {
    /// Sorted by ARN, so that every run (and every shard) sees the same order.
    principals: Vec<Principal>,
    groups: BTreeMap<String, Group>,
    managed: BTreeMap<String, ManagedPolicy>,
    /// For each managed policy ARN, how many principals and groups of the export attach it.
    attached_by: BTreeMap<String, usize>,
    warnings: Vec<String>,
}

impl Account {
    /// Reads one output, several pages one after another, or a JSON array of pages.
    ///
    /// # Errors
    ///
    /// [`AccountError`] when the text is not such output: invalid or ambiguous JSON, a page
    /// of another shape, a field missing or of the wrong type, an item defined twice
    /// differently. A policy document that cannot be used is not an error here: it is kept
    /// on its policy ([`DocumentError`]).
    pub fn parse(text: &str) -> Result<Account, AccountError> {
        parse::parse(text)
    }

    /// Reads what [`Account::parse`] reads, from `input` as it streams: the export's text is
    /// never held whole (a chunk of it at a time), and the account is what
    /// [`Account::parse`] gives of the whole text, or the same error.
    ///
    /// # Errors
    ///
    /// As [`Account::parse`]; [`AccountError::Read`] when `input` fails, and
    /// [`AccountError::NotUtf8`] at a byte that is not UTF-8.
    pub fn read_from(input: impl std::io::Read) -> Result<Account, AccountError> {
        parse::read_from(input)
    }

    /// Every role and user, sorted by ARN.
    #[must_use]
    pub fn principals(&self) -> &[Principal] {
        &self.principals
    }

    /// The role or user whose ARN is `arn` (exactly as written in the export).
    #[must_use]
    pub fn principal(&self, arn: &str) -> Option<&Principal> {
        self.principals
            .binary_search_by(|p| p.arn.as_str().cmp(arn))
            .ok()
            .map(|i| &self.principals[i])
    }

    /// Every group, sorted by name.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
    }

    /// The group whose friendly name (`GroupName`) is `name`.
    #[must_use]
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.get(name)
    }

    /// Every managed policy of the export (customer and AWS managed), sorted by ARN.
    pub fn managed_policies(&self) -> impl Iterator<Item = &ManagedPolicy> {
        self.managed.values()
    }

    /// The managed policy whose ARN is `arn`.
    #[must_use]
    pub fn managed_policy(&self, arn: &str) -> Option<&ManagedPolicy> {
        self.managed.get(arn)
    }

    /// How many users, groups and roles a managed policy is attached to: IAM's
    /// `AttachmentCount`, or what the export shows when that is more.
    #[must_use]
    pub fn attachments(&self, arn: &str) -> usize {
        let counted = self.attached_by.get(arn).copied().unwrap_or(0);
        let declared = self
            .managed
            .get(arn)
            .and_then(|m| m.attachment_count)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        counted.max(declared)
    }

    /// Things about the input as a whole (an export whose last page says it is truncated).
    #[must_use]
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// Is the principal `arn` in shard `index` of `count` (from 0)? The shard of a principal
/// depends on its ARN alone (FNV-1a), not on the rest of the account, so every job of a
/// fanned-out run agrees on it with no coordinator, and adding a role moves no other.
#[must_use]
pub fn in_shard(arn: &str, index: usize, count: usize) -> bool {
    if count <= 1 {
        return true;
    }
    let hash = arn.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    // `count` fits in u64 on every platform Rust supports.
    hash % (count as u64) == index as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_managed_arns() {
        assert!(is_aws_managed_arn("arn:aws:iam::aws:policy/ReadOnlyAccess"));
        assert!(is_aws_managed_arn(
            "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        ));
        assert!(!is_aws_managed_arn("arn:aws:iam::123456789012:policy/Mine"));
        assert!(!is_aws_managed_arn("aws"));
    }

    #[test]
    fn shards_partition_the_principals() {
        let arns: Vec<String> = (0..500)
            .map(|i| format!("arn:aws:iam::123456789012:role/r{i}"))
            .collect();
        let mut sizes = [0usize; 4];
        for arn in &arns {
            let owners: Vec<usize> = (0..4).filter(|&k| in_shard(arn, k, 4)).collect();
            assert_eq!(owners.len(), 1, "{arn} in {owners:?}");
            sizes[owners[0]] += 1;
        }
        assert!(sizes.iter().all(|&n| n > 80), "{sizes:?}");
        assert!(arns.iter().all(|a| in_shard(a, 0, 1)));
    }
}
