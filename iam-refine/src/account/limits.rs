//! IAM's size and count quotas for one principal's plan: each replaced managed policy
//! against 6,144 characters, the principal's inline policies together against 10,240 (role)
//! or 2,048 (user), its managed policies against the attachment limit. With `fit_quota`,
//! what is over is made to fit ([`crate::fit_quota`]) or the principal fails with the
//! smallest size reached.

use super::plan::{
    PlanError, PlanOptions, PolicyAction, PolicyPlan, PolicySource, PrincipalPlan, QuotaCheck,
};
use super::warning::PlanWarning;
use crate::findings::Unused;
use crate::policy::{Policy, PolicyKind};
use crate::quota::{self, Fit, FitLimits, InfixStats};

/// Each replaced managed policy against 6,144 characters; the principal's managed policy
/// count against its limit.
pub(super) fn check_managed_quota(
    plan: &mut PrincipalPlan,
    unused: &Unused<'_>,
    options: &PlanOptions,
) {
    let detached = plan
        .policies
        .iter()
        .filter(|p| p.policy.source != PolicySource::Inline && p.action == PolicyAction::Detach)
        .count();
    let mut count = plan.managed_before.saturating_sub(detached);
    let quota = PolicyKind::Managed.quota();
    for k in 0..plan.policies.len() {
        let p = &plan.policies[k];
        if p.policy.source == PolicySource::Inline || p.action != PolicyAction::Replace {
            continue;
        }
        let before = p.original.size();
        let refined = p.refinement.policy.size();
        let mut check = QuotaCheck {
            quota,
            before,
            refined,
            written: vec![refined],
            infix: InfixStats::default(),
        };
        if refined > quota && options.fit_quota {
            // This policy's slot plus whatever the principal has free.
            let free = options.max_managed_policies.saturating_sub(count);
            let limits = FitLimits {
                quota,
                max_parts: 1 + free,
            };
            let fit = quota::fit_quota(&p.original, &p.refinement, unused, limits);
            check.infix = fit.infix();
            match fit {
                Fit::Fits { policy, .. } => {
                    check.written = vec![policy.size()];
                    plan.policies[k].documents = vec![policy];
                }
                Fit::Split { whole, parts, .. } => {
                    count += parts.len() - 1;
                    check.written = parts.iter().map(Policy::size).collect();
                    plan.policies[k].documents = parts;
                    plan.policies[k].split_from = Some(whole);
                }
                Fit::TooLarge {
                    smallest,
                    parts_needed,
                    ..
                } => {
                    let parts = match parts_needed {
                        Some(n) => format!(
                            ", and a split would take {n} managed policies where {} can be attached",
                            1 + free
                        ),
                        None => ", and a statement that cannot be cut is over the quota alone"
                            .to_string(),
                    };
                    plan.errors.push(PlanError::Quota {
                        policy: plan.policies[k].policy.id.clone(),
                        size: refined,
                        quota,
                        smallest,
                        parts,
                    });
                }
            }
        } else if refined > quota {
            plan.warnings.push(PlanWarning::ManagedQuota {
                policy: p.policy.id.clone(),
                size: refined,
                quota,
            });
        }
        plan.policies[k].quota = Some(check);
    }
    plan.managed_after = count;
}

/// The aggregate of the principal's inline policies against its quota.
pub(super) fn check_inline_quota(
    plan: &mut PrincipalPlan,
    unused: &Unused<'_>,
    options: &PlanOptions,
) {
    let inline = |p: &&PolicyPlan| p.policy.source == PolicySource::Inline;
    if !plan
        .policies
        .iter()
        .filter(inline)
        .any(|p| p.action == PolicyAction::Replace)
    {
        return;
    }
    let quota = plan.kind.inline_kind().quota();
    let written = |p: &PolicyPlan| match p.action {
        PolicyAction::Unchanged => p.original.size(),
        PolicyAction::Replace => p.documents.iter().map(Policy::size).sum(),
        PolicyAction::Detach => 0,
    };
    let before: usize = plan
        .policies
        .iter()
        .filter(inline)
        .map(|p| p.original.size())
        .sum();
    let refined: usize = plan.policies.iter().filter(inline).map(written).sum();
    let mut check = QuotaCheck {
        quota,
        before,
        refined,
        written: vec![refined],
        infix: InfixStats::default(),
    };
    if refined > quota && options.fit_quota {
        let mut over = refined - quota;
        for p in &mut plan.policies {
            if over == 0
                || p.policy.source != PolicySource::Inline
                || p.action != PolicyAction::Replace
            {
                continue;
            }
            let size = p.refinement.policy.size();
            let (policy, stats) = quota::compress(
                &p.original,
                &p.refinement,
                unused,
                Some(size.saturating_sub(over)),
            );
            over = over.saturating_sub(stats.saved);
            check.infix.written += stats.written;
            check.infix.replaced += stats.replaced;
            check.infix.saved += stats.saved;
            check.infix.rejected += stats.rejected;
            p.documents = vec![policy];
        }
        let total: usize = plan.policies.iter().filter(inline).map(written).sum();
        check.written = vec![total];
        if total > quota {
            plan.errors.push(PlanError::InlineQuota {
                kind: plan.kind.name(),
                size: refined,
                quota,
                smallest: total,
            });
        }
    } else if refined > quota {
        plan.warnings.push(PlanWarning::InlineQuota {
            kind: plan.kind.name(),
            size: refined,
            quota,
        });
    }
    plan.inline_quota = Some(check);
}
