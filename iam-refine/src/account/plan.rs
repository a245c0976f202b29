//! One principal's plan: what to do with each policy it carries, given what it did not use.
//!
//! [`plan_principal`] is the unit of work of an account run: a pure function of the
//! account, one principal, its evidence and the catalog, so that a caller can run one per
//! principal on every core (`rayon`'s `par_iter`), and one principal's failure is its own.
//!
//! - A role with an `UnusedIAMRole` finding is to be deleted; nothing is refined.
//! - Otherwise every policy the principal carries (inline, customer managed, AWS managed)
//!   is refined against the findings (after `keep`): unchanged, replaced (a new policy in
//!   its place; a managed policy is never edited in place, least of all one attached to
//!   others), or detached when nothing in it is used.
//! - A user's policies inherited from a group are reported with how many unused actions they
//!   allow, not refined: refining a group's policy for one member changes it for all.
//! - IAM's quotas are checked: 6,144 characters per managed policy, the aggregate of a
//!   role's (10,240) or user's (2,048) inline policies, 10 managed policies per principal.
//!   With `fit_quota`, [`crate::fit_quota`] makes what is over fit, or the principal fails
//!   with the smallest size reached.
//!
//! [`PrincipalPlan::recommendation`] ([`super::recommend`]) writes the plan in AWS's
//! `get-finding-recommendation` shape; the quota checks are in [`super::limits`].

use super::warning::PlanWarning;
use super::{Account, Principal, PrincipalKind};
use crate::catalog::Catalog;
use crate::findings::Findings;
use crate::options::RefineOptions;
use crate::policy::{ActionKey, Effect, Policy};
use crate::quota::{InfixStats, MANAGED_POLICIES_PER_PRINCIPAL};
use crate::refine::{refine_with, Refinement, Stats};
use crate::usage::{ObservedUsage, PrincipalFindings, ReportedFinding, UnusedRole, Usage};

/// How to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOptions {
    /// The `keep` and `skip_sid` opt-outs, applied to every policy of the principal.
    pub refine: RefineOptions,
    /// Make what is over IAM's quotas fit (`--fit-quota`), or fail the principal.
    pub fit_quota: bool,
    /// Managed policies a principal may have attached: 10 by default, up to 20 on request.
    pub max_managed_policies: usize,
}

impl Default for PlanOptions {
    fn default() -> PlanOptions {
        PlanOptions {
            refine: RefineOptions::default(),
            fit_quota: false,
            max_managed_policies: MANAGED_POLICIES_PER_PRINCIPAL,
        }
    }
}

/// What a principal used or did not use, borrowed from wherever it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageRef<'a> {
    /// What it did not use (Access Analyzer's findings, or Access Advisor's report).
    Unused(&'a Findings),
    /// What it used (observed usage): every other action its policies allow is unused.
    Used(&'a ObservedUsage),
}

/// Everything known about one principal's use of its permissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evidence<'a> {
    /// Unused permissions, or the actions used; `None` when nothing is known.
    pub usage: Option<UsageRef<'a>>,
    /// An `UnusedIAMRole` finding: a role with one is to be deleted, not refined.
    pub unused_role: Option<&'a UnusedRole>,
    /// Findings to report with the principal and not act on (unused access keys and
    /// passwords).
    pub reported: &'a [ReportedFinding],
}

impl<'a> From<&'a PrincipalFindings> for Evidence<'a> {
    fn from(f: &'a PrincipalFindings) -> Evidence<'a> {
        Evidence {
            usage: f.unused.as_ref().map(UsageRef::Unused),
            unused_role: f.unused_role.as_ref(),
            reported: &f.reported,
        }
    }
}

impl<'a> From<&'a Usage> for Evidence<'a> {
    fn from(u: &'a Usage) -> Evidence<'a> {
        Evidence {
            usage: Some(match u {
                Usage::Unused(f) => UsageRef::Unused(f),
                Usage::Used(o) => UsageRef::Used(o),
            }),
            unused_role: None,
            reported: &[],
        }
    }
}

/// Where a policy comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicySource {
    /// Embedded in its role, user or group.
    Inline,
    /// A managed policy of the account (`arn:aws:iam::<account>:policy/...`).
    CustomerManaged,
    /// A managed policy of AWS's (`arn:aws:iam::aws:policy/...`): never edited, only
    /// replaced.
    AwsManaged,
}

impl PolicySource {
    /// `inline`, `customerManaged`, `awsManaged` (the recommendation's extra field).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            PolicySource::Inline => "inline",
            PolicySource::CustomerManaged => "customerManaged",
            PolicySource::AwsManaged => "awsManaged",
        }
    }
}

/// A policy as a recommendation names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRef {
    /// `existingPolicyId`: the ARN of a managed policy, the name of an inline one.
    pub id: String,
    /// Its friendly name: the `PolicyName` of a managed or inline policy.
    pub name: String,
    /// Inline, customer managed or AWS managed.
    pub source: PolicySource,
}

/// What becomes of one policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyAction {
    /// It allows nothing unused.
    Unchanged,
    /// Create [`PolicyPlan::documents`] in its place, then detach it.
    Replace,
    /// Everything it allows is unused.
    Detach,
}

/// The size check of a replaced policy, or of a principal's inline policies together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaCheck {
    /// IAM's quota that applies, in characters without whitespace (6,144 for a managed
    /// policy; a role's, user's or group's inline aggregate).
    pub quota: usize,
    /// The size of the original policy (or inline policies together).
    pub before: usize,
    /// After refinement, before any fitting.
    pub refined: usize,
    /// What is written: the size of each document (several after a split).
    pub written: Vec<usize>,
    /// What `--fit-quota`'s infix step did (all zero without it or when not needed).
    pub infix: InfixStats,
}

impl QuotaCheck {
    /// Whether every document written is within the quota.
    #[must_use]
    pub fn fits(&self) -> bool {
        self.written.iter().all(|&s| s <= self.quota)
    }
}

/// One policy of the principal, refined.
#[derive(Debug, Clone)]
pub struct PolicyPlan {
    /// Which policy this is.
    pub policy: PolicyRef,
    /// Its document as read from the export (a managed policy's default version).
    pub original: Policy,
    /// The refinement of `original` against the principal's findings (after `keep`),
    /// before any quota fitting.
    pub refinement: Refinement,
    /// What becomes of it.
    pub action: PolicyAction,
    /// What to create in its place (empty unless replaced): one document, or several when
    /// split to fit the quota.
    pub documents: Vec<Policy>,
    /// When split ([`crate::Fit::Split`]): the single policy `documents` were cut from (the
    /// refinement after infix compression), which is what a prover proves against
    /// `original`; the parts are checked to be exactly it. `None` otherwise.
    pub split_from: Option<Policy>,
    /// Users, groups and roles it is attached to (1 for an inline policy).
    pub attachments: usize,
    /// `policyUpdatedAt`: a managed policy's `UpdateDate`.
    pub updated_at: Option<String>,
    /// Statements (from 0) left as written by `skip_sid`.
    pub skipped_statements: Vec<usize>,
    /// An Allow `NotAction` statement changed (AWS's recommendations refuse these).
    pub not_action_refined: bool,
    /// For a replaced managed policy (inline policies are checked together:
    /// [`PrincipalPlan::inline_quota`]).
    pub quota: Option<QuotaCheck>,
}

/// A user's policy inherited from a group: reported, not refined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InheritedPolicy {
    /// The friendly name (`GroupName`) of the group it comes from.
    pub group: String,
    /// Which policy of the group this is.
    pub policy: PolicyRef,
    /// Catalog actions it allows that the user did not use.
    pub unused_actions: usize,
}

/// The outcome for a principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalStatus {
    /// Some policy is replaced (others may be detached or unchanged).
    Refined,
    /// Every policy it carries is detached.
    Detach,
    /// Nothing it carries allows anything unused.
    Unchanged,
    /// An `UnusedIAMRole` finding: delete the role.
    DeleteRole,
    /// No finding or usage for it.
    NoFindings,
    /// Its plan could not be made ([`PrincipalPlan::errors`]).
    Failed,
}

impl PrincipalStatus {
    /// The status as reports print it: `refined`, `detach`, `unchanged`, `delete role`,
    /// `no findings`, `failed`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            PrincipalStatus::Refined => "refined",
            PrincipalStatus::Detach => "detach",
            PrincipalStatus::Unchanged => "unchanged",
            PrincipalStatus::DeleteRole => "delete role",
            PrincipalStatus::NoFindings => "no findings",
            PrincipalStatus::Failed => "failed",
        }
    }
}

/// Why a principal's plan failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// One of the principal's own policies has a document that cannot be used
    /// ([`crate::DocumentError`]).
    #[error("policy `{policy}`: {message}")]
    Document {
        /// The policy: an inline policy's name, a managed policy's ARN.
        policy: String,
        /// Why its document cannot be used.
        message: String,
    },
    /// A managed policy attached to the principal is not in the export's `Policies`
    /// (typically an export taken with a `--filter` that left managed policies out).
    #[error("attached policy `{arn}` is not in the export's `Policies` (run get-account-authorization-details without --filter, or with LocalManagedPolicy and AWSManagedPolicy)")]
    MissingManaged {
        /// The attached policy's ARN.
        arn: String,
    },
    /// With [`PlanOptions::fit_quota`], a replaced managed policy cannot be made to fit
    /// IAM's quota, even split over the managed policies the principal has room for.
    #[error("policy `{policy}`: {size} characters after refinement, over IAM's {quota}-character quota; the smallest reached is {smallest}{parts}")]
    Quota {
        /// The managed policy's ARN.
        policy: String,
        /// Its size after refinement, in characters without whitespace.
        size: usize,
        /// The quota it is over.
        quota: usize,
        /// The smallest single policy [`crate::fit_quota`] reached.
        smallest: usize,
        /// The end of the message: how many policies a split would take and how many can
        /// be attached, or that one statement is too big alone (starts with `, `).
        parts: String,
    },
    /// With [`PlanOptions::fit_quota`], the principal's inline policies together stay
    /// over their aggregate quota after infix compression.
    #[error("the {kind}'s inline policies total {size} characters after refinement, over IAM's {quota}-character quota; the smallest reached is {smallest}")]
    InlineQuota {
        /// `role` or `user` ([`PrincipalKind::name`]).
        kind: &'static str,
        /// Their aggregate size after refinement, in characters without whitespace.
        size: usize,
        /// The aggregate quota it is over.
        quota: usize,
        /// The smallest aggregate size reached.
        smallest: usize,
    },
}

/// The plan for one principal.
#[derive(Debug, Clone)]
pub struct PrincipalPlan {
    /// Role or user.
    pub kind: PrincipalKind,
    /// The principal's friendly name (`RoleName` or `UserName`).
    pub name: String,
    /// The principal's ARN.
    pub arn: String,
    /// The outcome.
    pub status: PrincipalStatus,
    /// Its own policies: inline first, then attached, in the export's order.
    pub policies: Vec<PolicyPlan>,
    /// A user's policies from its groups, with what they allow unused (empty for a role).
    pub inherited: Vec<InheritedPolicy>,
    /// Unused access keys and passwords.
    pub reported: Vec<ReportedFinding>,
    /// Its `UnusedIAMRole` finding, if any (a role with one is [`PrincipalStatus::DeleteRole`]).
    pub unused_role: Option<UnusedRole>,
    /// The findings its policies were refined against (after `keep`): what a verifier must
    /// be given.
    pub findings: Option<Findings>,
    /// Its inline policies' aggregate size, when it has any replaced.
    pub inline_quota: Option<QuotaCheck>,
    /// Managed policies attached before the plan.
    pub managed_before: usize,
    /// Managed policies attached after the plan: detached ones gone, split ones counted
    /// once per part.
    pub managed_after: usize,
    /// Why the plan failed (empty unless [`PrincipalStatus::Failed`]).
    pub errors: Vec<PlanError>,
    /// What the caller should know but did not stop the plan (a group missing from the
    /// export, a managed policy over its quota without `fit_quota`), each one line.
    pub warnings: Vec<PlanWarning>,
}

impl PrincipalPlan {
    /// The refinement statistics of its policies, summed (an action removed from two
    /// policies counts twice).
    #[must_use]
    pub fn stats(&self) -> Stats {
        let mut total = Stats::default();
        for p in &self.policies {
            let s = &p.refinement.stats;
            total.entries_before += s.entries_before;
            total.entries_after += s.entries_after;
            total.entries_replaced += s.entries_replaced;
            total.entries_removed += s.entries_removed;
            total.entries_redundant += s.entries_redundant;
            total.not_action_added += s.not_action_added;
            total.statements_removed += s.statements_removed;
            total.removed_unknown += s.removed_unknown;
            for (level, n) in &s.removed {
                *total.removed.entry(*level).or_insert(0) += n;
            }
        }
        total
    }
}

struct Carried {
    policy: PolicyRef,
    original: Policy,
    attachments: usize,
    updated_at: Option<String>,
}

/// Plans `principal` of `account` from `evidence`.
#[must_use]
pub fn plan_principal(
    account: &Account,
    principal: &Principal,
    evidence: Evidence<'_>,
    catalog: &Catalog,
    options: &PlanOptions,
) -> PrincipalPlan {
    let mut plan = PrincipalPlan {
        kind: principal.kind,
        name: principal.name.clone(),
        arn: principal.arn.clone(),
        status: PrincipalStatus::Unchanged,
        policies: Vec::new(),
        inherited: Vec::new(),
        reported: evidence.reported.to_vec(),
        unused_role: evidence.unused_role.cloned(),
        findings: None,
        inline_quota: None,
        managed_before: principal.attached.len(),
        managed_after: principal.attached.len(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    if plan.unused_role.is_some() && principal.kind == PrincipalKind::Role {
        plan.status = PrincipalStatus::DeleteRole;
        return plan;
    }
    let own = carried(account, principal, &mut plan);
    let inherited = inherited_policies(account, principal, &mut plan);
    if !plan.errors.is_empty() {
        plan.status = PrincipalStatus::Failed;
        return plan;
    }
    let Some(usage) = evidence.usage else {
        plan.status = PrincipalStatus::NoFindings;
        return plan;
    };
    let findings = match usage {
        UsageRef::Unused(f) => options.refine.apply_keep(f),
        UsageRef::Used(used) => options
            .refine
            .apply_keep(&used.unused_in(own.iter().map(|c| &c.original), catalog)),
    };
    let unused = findings.resolve(catalog);

    for c in own {
        let refinement = refine_with(&c.original, &unused, &options.refine);
        let action = if refinement.detach {
            PolicyAction::Detach
        } else if refinement.changed(&c.original) {
            PolicyAction::Replace
        } else {
            PolicyAction::Unchanged
        };
        let not_action_refined = not_action_refined(&c.original, &refinement);
        let documents = match action {
            PolicyAction::Replace => vec![refinement.policy.clone()],
            _ => Vec::new(),
        };
        plan.policies.push(PolicyPlan {
            skipped_statements: options.refine.skipped_statements(&c.original),
            policy: c.policy,
            original: c.original,
            refinement,
            action,
            documents,
            split_from: None,
            attachments: c.attachments,
            updated_at: c.updated_at,
            not_action_refined,
            quota: None,
        });
    }
    for (group, policy, original) in inherited {
        let r = refine_with(&original, &unused, &options.refine);
        plan.inherited.push(InheritedPolicy {
            group,
            policy,
            unused_actions: r.stats.removed.values().sum(),
        });
    }
    super::limits::check_managed_quota(&mut plan, &unused, options);
    super::limits::check_inline_quota(&mut plan, &unused, options);
    plan.findings = Some(findings);
    plan.status = outcome(&plan);
    plan
}

/// Whether `refinement` changed an Allow `NotAction` statement of `original`.
fn not_action_refined(original: &Policy, refinement: &Refinement) -> bool {
    refinement
        .policy
        .statements
        .iter()
        .enumerate()
        .any(|(j, s)| {
            s.effect == Effect::Allow
                && s.key == ActionKey::NotAction
                && refinement
                    .origins
                    .get(j)
                    .and_then(|&o| original.statements.get(o))
                    .is_some_and(|o| o != s)
        })
}

/// The status of a planned principal, from its errors and its policies' actions.
fn outcome(plan: &PrincipalPlan) -> PrincipalStatus {
    let any = |action| plan.policies.iter().any(|p| p.action == action);
    if !plan.errors.is_empty() {
        PrincipalStatus::Failed
    } else if any(PolicyAction::Replace) {
        PrincipalStatus::Refined
    } else if !plan.policies.is_empty()
        && plan
            .policies
            .iter()
            .all(|p| p.action == PolicyAction::Detach)
    {
        PrincipalStatus::Detach
    } else if any(PolicyAction::Detach) {
        PrincipalStatus::Refined
    } else {
        PrincipalStatus::Unchanged
    }
}

/// The principal's own policies, or errors for those that cannot be read.
fn carried(account: &Account, principal: &Principal, plan: &mut PrincipalPlan) -> Vec<Carried> {
    let mut out = Vec::new();
    for inline in &principal.inline {
        match inline.document() {
            Ok(doc) => out.push(Carried {
                policy: PolicyRef {
                    id: inline.name.clone(),
                    name: inline.name.clone(),
                    source: PolicySource::Inline,
                },
                original: doc,
                attachments: 1,
                updated_at: None,
            }),
            Err(e) => plan.errors.push(PlanError::Document {
                policy: inline.name.clone(),
                message: e.to_string(),
            }),
        }
    }
    for arn in &principal.attached {
        let Some(m) = account.managed_policy(arn) else {
            plan.errors.push(PlanError::MissingManaged {
                arn: arn.to_string(),
            });
            continue;
        };
        match m.document() {
            Ok(doc) => out.push(Carried {
                policy: PolicyRef {
                    id: m.arn.clone(),
                    name: m.name.clone(),
                    source: if m.is_aws_managed() {
                        PolicySource::AwsManaged
                    } else {
                        PolicySource::CustomerManaged
                    },
                },
                original: doc,
                attachments: account.attachments(arn).max(1),
                updated_at: m.update_date.clone(),
            }),
            Err(e) => plan.errors.push(PlanError::Document {
                policy: m.arn.clone(),
                message: e.to_string(),
            }),
        }
    }
    out
}

/// A user's group policies: (group, the policy, its document). Unreadable ones are
/// warnings: they are only reported.
fn inherited_policies(
    account: &Account,
    principal: &Principal,
    plan: &mut PrincipalPlan,
) -> Vec<(String, PolicyRef, Policy)> {
    let mut out = Vec::new();
    for name in &principal.groups {
        let Some(group) = account.group(name) else {
            plan.warnings.push(PlanWarning::MissingGroup {
                group: name.clone(),
            });
            continue;
        };
        for inline in &group.inline {
            match inline.document() {
                Ok(doc) => out.push((
                    name.clone(),
                    PolicyRef {
                        id: inline.name.clone(),
                        name: inline.name.clone(),
                        source: PolicySource::Inline,
                    },
                    doc,
                )),
                Err(e) => plan.warnings.push(PlanWarning::GroupPolicy {
                    group: name.clone(),
                    policy: inline.name.clone(),
                    message: e.to_string(),
                }),
            }
        }
        for arn in &group.attached {
            match account.managed_policy(arn).map(|m| (m, m.document())) {
                Some((m, Ok(doc))) => out.push((
                    name.clone(),
                    PolicyRef {
                        id: m.arn.clone(),
                        name: m.name.clone(),
                        source: if m.is_aws_managed() {
                            PolicySource::AwsManaged
                        } else {
                            PolicySource::CustomerManaged
                        },
                    },
                    doc,
                )),
                Some((_, Err(e))) => plan.warnings.push(PlanWarning::GroupPolicy {
                    group: name.clone(),
                    policy: arn.to_string(),
                    message: e.to_string(),
                }),
                None => plan.warnings.push(PlanWarning::GroupPolicyMissing {
                    group: name.clone(),
                    arn: arn.to_string(),
                }),
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
