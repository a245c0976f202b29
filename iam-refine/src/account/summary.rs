//! The totals of an account run: principals by outcome, policies by what becomes of them,
//! actions removed by access level. [`AccountSummary::add`] one plan at a time, or
//! [`AccountSummary::merge`] the summaries of workers (a `rayon` reduce).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::plan::{PolicyAction, PrincipalPlan, PrincipalStatus};
use crate::catalog::AccessLevel;
use crate::report::thousands;

/// Totals over principals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSummary {
    /// Principals planned (the sum of the six counts by [`PrincipalStatus`] below).
    pub principals: usize,
    /// Principals [`PrincipalStatus::Refined`].
    pub refined: usize,
    /// Principals [`PrincipalStatus::Detach`]: every policy they carry is to be detached.
    pub to_detach: usize,
    /// Principals [`PrincipalStatus::Unchanged`].
    pub unchanged: usize,
    /// Roles to delete ([`PrincipalStatus::DeleteRole`]).
    pub delete_role: usize,
    /// Principals with no finding or usage ([`PrincipalStatus::NoFindings`]).
    pub no_findings: usize,
    /// Principals whose plan failed ([`PrincipalStatus::Failed`]).
    pub failed: usize,
    /// Policies to replace ([`PolicyAction::Replace`]), over principals that did not fail.
    pub policies_replaced: usize,
    /// Policies to detach ([`PolicyAction::Detach`]), over principals that did not fail.
    pub policies_detached: usize,
    /// Replaced policies split into several to fit IAM's quota.
    pub policies_split: usize,
    /// Replaced policies rewritten with infix wildcards to fit it.
    pub policies_infix: usize,
    /// Catalog actions removed, by access level, summed over policies.
    pub removed: BTreeMap<AccessLevel, usize>,
    /// Unused names the catalog does not know, removed where written literally.
    pub removed_unknown: usize,
    /// Principals with a warning.
    pub warned: usize,
    /// Verdicts of the policies a caller verified (`--verify`): the library does not prove
    /// anything itself; the caller counts here what its prover said.
    pub proved: usize,
    /// Policies the caller's prover refuted (found a counterexample for).
    pub refuted: usize,
    /// Policies the caller's prover could not decide (timeout, resource limit).
    pub unknown: usize,
}

impl AccountSummary {
    /// Counts one principal's plan. A failed plan counts as a principal only: its
    /// policies and removed actions are not added.
    pub fn add(&mut self, plan: &PrincipalPlan) {
        self.principals += 1;
        match plan.status {
            PrincipalStatus::Refined => self.refined += 1,
            PrincipalStatus::Detach => self.to_detach += 1,
            PrincipalStatus::Unchanged => self.unchanged += 1,
            PrincipalStatus::DeleteRole => self.delete_role += 1,
            PrincipalStatus::NoFindings => self.no_findings += 1,
            PrincipalStatus::Failed => self.failed += 1,
        }
        if !plan.warnings.is_empty() {
            self.warned += 1;
        }
        if plan.status == PrincipalStatus::Failed {
            return;
        }
        for p in &plan.policies {
            match p.action {
                PolicyAction::Replace => {
                    self.policies_replaced += 1;
                    if p.documents.len() > 1 {
                        self.policies_split += 1;
                    }
                    if p.quota.as_ref().is_some_and(|q| q.infix.written > 0) {
                        self.policies_infix += 1;
                    }
                }
                PolicyAction::Detach => self.policies_detached += 1,
                PolicyAction::Unchanged => {}
            }
        }
        let stats = plan.stats();
        for (level, n) in stats.removed {
            *self.removed.entry(level).or_insert(0) += n;
        }
        self.removed_unknown += stats.removed_unknown;
    }

    /// Adds another summary's counts to these (for summaries of disjoint principals).
    pub fn merge(&mut self, other: &AccountSummary) {
        self.principals += other.principals;
        self.refined += other.refined;
        self.to_detach += other.to_detach;
        self.unchanged += other.unchanged;
        self.delete_role += other.delete_role;
        self.no_findings += other.no_findings;
        self.failed += other.failed;
        self.policies_replaced += other.policies_replaced;
        self.policies_detached += other.policies_detached;
        self.policies_split += other.policies_split;
        self.policies_infix += other.policies_infix;
        for (level, n) in &other.removed {
            *self.removed.entry(*level).or_insert(0) += n;
        }
        self.removed_unknown += other.removed_unknown;
        self.warned += other.warned;
        self.proved += other.proved;
        self.refuted += other.refuted;
        self.unknown += other.unknown;
    }

    /// Every action removed: the catalog actions of all access levels plus the unknown
    /// names.
    #[must_use]
    pub fn removed_total(&self) -> usize {
        self.removed.values().sum::<usize>() + self.removed_unknown
    }

    /// The summary lines, without a trailing newline.
    #[must_use]
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "principals: {} ({} refined, {} to detach, {} unchanged, {} roles to delete, {} without findings, {} failed)",
            thousands(self.principals),
            thousands(self.refined),
            thousands(self.to_detach),
            thousands(self.unchanged),
            thousands(self.delete_role),
            thousands(self.no_findings),
            thousands(self.failed)
        );
        let _ = write!(
            s,
            "\npolicies: {} replaced ({} split, {} with infix wildcards to fit IAM's quota), {} detached",
            thousands(self.policies_replaced),
            thousands(self.policies_split),
            thousands(self.policies_infix),
            thousands(self.policies_detached)
        );
        let mut levels: Vec<String> = AccessLevel::ALL
            .iter()
            .filter_map(|l| {
                self.removed
                    .get(l)
                    .map(|n| format!("{} {}", l.name(), thousands(*n)))
            })
            .collect();
        if self.removed_unknown > 0 {
            levels.push(format!(
                "not in catalog {}",
                thousands(self.removed_unknown)
            ));
        }
        if self.proved + self.refuted + self.unknown > 0 {
            let _ = write!(
                s,
                "\nverified: {} proved, {} refuted, {} unknown",
                thousands(self.proved),
                thousands(self.refuted),
                thousands(self.unknown)
            );
        }
        let _ = write!(
            s,
            "\nactions removed: {}{}",
            thousands(self.removed_total()),
            if levels.is_empty() {
                String::new()
            } else {
                format!(" ({})", levels.join(", "))
            }
        );
        s
    }
}
