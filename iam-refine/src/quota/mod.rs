//! IAM's size quotas, and making a refined policy fit them (`--fit-quota`).
//!
//! IAM counts characters without whitespace ([`Policy::size`]): 6,144 per managed policy;
//! the aggregate of a role's inline policies against 10,240, of a user's against 2,048, of a
//! group's against 5,120 ([`crate::PolicyKind::quota`]). A principal has at most 10 managed
//! policies attached by default (20 on request).
//!
//! A refined policy can be larger than its original: a wildcard that allowed a few unused
//! actions becomes the many prefixes and names that allow the rest. [`fit_quota`] keeps
//! both guarantees of refinement (exact over the catalog, contained over all strings) and
//! tries, in this order:
//! 1. infix wildcards inside an original wildcard where they are safe ([`infix`]):
//!    `s3:Get*Tagging` for the `s3:Get...Tagging` entries of a refined `s3:Get*`;
//! 2. splitting the statements into several managed policies ([`split`]), each within the
//!    quota, as many as the principal has room for;
//! 3. and when even that cannot fit, the smallest size it reached and how many parts it
//!    would take.

mod infix;
mod split;

use crate::findings::Unused;
use crate::policy::Policy;
use crate::refine::Refinement;

pub use infix::InfixStats;

/// Characters per managed policy.
pub const MANAGED_POLICY_QUOTA: usize = 6_144;
/// Managed policies a role or user may have attached, by default.
pub const MANAGED_POLICIES_PER_PRINCIPAL: usize = 10;
/// The most AWS raises that to on request.
pub const MANAGED_POLICIES_PER_PRINCIPAL_MAX: usize = 20;

/// What a refined policy must fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitLimits {
    /// Characters, whitespace not counted.
    pub quota: usize,
    /// How many policies it may become (1 = no splitting, as for an inline policy).
    pub max_parts: usize,
}

/// The outcome of [`fit_quota`].
#[derive(Debug, Clone, PartialEq)]
pub enum Fit {
    /// One policy within the quota: as refined, or with infix wildcards (`infix.written`).
    Fits {
        /// The policy to write.
        policy: Policy,
        /// What the infix step wrote (all zero when the refined policy fitted as it was).
        infix: InfixStats,
    },
    /// Several policies, each within the quota, that together allow what the refined policy
    /// allows (every Deny statement in each).
    Split {
        /// The single policy the parts were cut from: the refined policy after infix
        /// compression, over the quota. Together the parts allow and deny exactly what it
        /// does; a prover, which pairs statements one to one and in order, proves it rather
        /// than the parts.
        whole: Policy,
        /// The policies to write, in order, each within [`FitLimits::quota`] and at most
        /// [`FitLimits::max_parts`] of them.
        parts: Vec<Policy>,
        /// What the infix step wrote before splitting.
        infix: InfixStats,
    },
    /// It cannot fit. `policy` is the smallest single policy reached (`smallest`
    /// characters); `parts_needed` how many policies a split would take, or `None` when a
    /// statement that cannot be cut (Deny, `NotAction`, a single entry) is too big alone.
    TooLarge {
        /// The smallest single policy reached (refined, then compressed with infixes).
        policy: Policy,
        /// Its size in characters, whitespace not counted ([`Policy::size`]).
        smallest: usize,
        /// How many policies a split within the quota would take (more than
        /// [`FitLimits::max_parts`]), or `None` when one statement alone is too big.
        parts_needed: Option<usize>,
        /// What the infix step wrote.
        infix: InfixStats,
    },
}

impl Fit {
    /// The policies to write: one, several, or the smallest reached.
    #[must_use]
    pub fn policies(&self) -> Vec<&Policy> {
        match self {
            Fit::Fits { policy, .. } | Fit::TooLarge { policy, .. } => vec![policy],
            Fit::Split { parts, .. } => parts.iter().collect(),
        }
    }

    /// Whether the result is within the limits ([`Fit::Fits`] or [`Fit::Split`]).
    #[must_use]
    pub fn fits(&self) -> bool {
        !matches!(self, Fit::TooLarge { .. })
    }

    /// What the infix step did, whatever the outcome.
    #[must_use]
    pub fn infix(&self) -> InfixStats {
        match self {
            Fit::Fits { infix, .. } | Fit::Split { infix, .. } | Fit::TooLarge { infix, .. } => {
                *infix
            }
        }
    }
}

/// Makes `refinement` (of `original`, against `unused`) fit `limits`: as refined when it
/// fits; else with infix wildcards; else split; else the smallest reached.
#[must_use]
pub fn fit_quota(
    original: &Policy,
    refinement: &Refinement,
    unused: &Unused<'_>,
    limits: FitLimits,
) -> Fit {
    let refined = &refinement.policy;
    if refinement.detach || refined.size() <= limits.quota {
        return Fit::Fits {
            policy: refined.clone(),
            infix: InfixStats::default(),
        };
    }
    // Greedy to the quota; when it cannot reach it, it has gone as far as it goes.
    let (policy, infix) = infix::compress(original, refinement, unused, Some(limits.quota));
    let smallest = policy.size();
    if smallest <= limits.quota {
        return Fit::Fits { policy, infix };
    }
    match split::split(&policy, limits.quota, limits.max_parts.max(1)) {
        Ok(parts) => Fit::Split {
            whole: policy,
            parts,
            infix,
        },
        Err(split::Unsplittable::TooManyParts(n)) => Fit::TooLarge {
            policy,
            smallest,
            parts_needed: Some(n),
            infix,
        },
        Err(split::Unsplittable::Statement(_) | split::Unsplittable::Overflow) => Fit::TooLarge {
            policy,
            smallest,
            parts_needed: None,
            infix,
        },
    }
}

/// Infix wildcards only, as far as they go (or until the size is at most `target`): for
/// inline policies, whose quota is their principal's aggregate.
#[must_use]
pub fn compress(
    original: &Policy,
    refinement: &Refinement,
    unused: &Unused<'_>,
    target: Option<usize>,
) -> (Policy, InfixStats) {
    infix::compress(original, refinement, unused, target)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
