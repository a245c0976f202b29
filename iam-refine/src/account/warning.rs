//! What a principal's plan warns of: what the caller should know but did not stop the plan.
//!
//! Warnings are typed so that a caller running thousands of principals can group those of
//! one kind (hundreds of managed policies over IAM's quota are one line with a count, not
//! hundreds) and still word each one, with [`std::fmt::Display`], as a single line.

use std::fmt;

/// One warning of a principal's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlanWarning {
    /// A group the user is in is not in the export.
    MissingGroup {
        /// The group's friendly name.
        group: String,
    },
    /// A group's policy has a document that cannot be used: it is not reported.
    GroupPolicy {
        /// The group's friendly name.
        group: String,
        /// The policy: an inline policy's name, a managed policy's ARN.
        policy: String,
        /// Why its document cannot be used.
        message: String,
    },
    /// A managed policy attached to a group is not in the export's `Policies`.
    GroupPolicyMissing {
        /// The group's friendly name.
        group: String,
        /// The attached policy's ARN.
        arn: String,
    },
    /// Without `fit_quota`, a replaced managed policy is over IAM's quota after refinement.
    ManagedQuota {
        /// The managed policy's ARN.
        policy: String,
        /// Its size after refinement, in characters without whitespace.
        size: usize,
        /// The quota it is over (6,144).
        quota: usize,
    },
    /// Without `fit_quota`, the principal's inline policies together are over their
    /// aggregate quota after refinement.
    InlineQuota {
        /// `role` or `user` ([`super::PrincipalKind::name`]).
        kind: &'static str,
        /// Their aggregate size after refinement, in characters without whitespace.
        size: usize,
        /// The aggregate quota it is over (10,240 for a role, 2,048 for a user).
        quota: usize,
    },
}

impl PlanWarning {
    /// Whether it says a size is over one of IAM's quotas ([`PlanWarning::ManagedQuota`],
    /// [`PlanWarning::InlineQuota`]).
    #[must_use]
    pub fn is_quota(&self) -> bool {
        matches!(
            self,
            PlanWarning::ManagedQuota { .. } | PlanWarning::InlineQuota { .. }
        )
    }
}

impl fmt::Display for PlanWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanWarning::MissingGroup { group } => write!(
                f,
                "group `{group}` is not in the export: its policies are not reported"
            ),
            PlanWarning::GroupPolicy {
                group,
                policy,
                message,
            } => write!(f, "group `{group}`, policy `{policy}`: {message}"),
            PlanWarning::GroupPolicyMissing { group, arn } => write!(
                f,
                "group `{group}`: attached policy `{arn}` is not in the export"
            ),
            PlanWarning::ManagedQuota {
                policy,
                size,
                quota,
            } => write!(
                f,
                "policy `{policy}`: {size} characters after refinement, over IAM's {quota}-character quota for a managed policy (--fit-quota makes it fit)"
            ),
            PlanWarning::InlineQuota { kind, size, quota } => write!(
                f,
                "the {kind}'s inline policies total {size} characters after refinement, over IAM's {quota}-character quota (--fit-quota rewrites them smaller)"
            ),
        }
    }
}
