//! The per-policy summary printed on stderr: entries replaced, actions removed by access
//! level, and size before and after against IAM's quotas.

use std::fmt::Write;

use crate::catalog::AccessLevel;
use crate::policy::Policy;
use crate::refine::Refinement;

/// `22321` as `22,321`.
#[must_use]
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 wildcard`, `2 wildcards`.
fn plural(n: usize, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// Sizes of one refinement against the quota that applies to the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// The original policy's size.
    pub before: usize,
    /// `None` when the policy is to be detached.
    pub after: Option<usize>,
    /// The quota that applies to the original's kind.
    pub quota: usize,
}

impl Sizes {
    /// The sizes of `original` and of its refinement.
    #[must_use]
    pub fn of(original: &Policy, refinement: &Refinement) -> Sizes {
        Sizes {
            before: original.size(),
            after: (!refinement.detach).then(|| refinement.policy.size()),
            quota: original.kind.quota(),
        }
    }
}

/// The summary lines for one policy, without trailing newline.
#[must_use]
pub fn summary(name: &str, original: &Policy, refinement: &Refinement) -> String {
    summary_with_sizes(name, original, refinement, Sizes::of(original, refinement))
}

/// [`summary`] with the sizes already measured ([`Sizes::of`]): measuring a large policy
/// is most of the cost of reporting on it.
#[must_use]
pub fn summary_with_sizes(
    name: &str,
    original: &Policy,
    refinement: &Refinement,
    sizes: Sizes,
) -> String {
    let stats = &refinement.stats;
    let mut s = String::new();
    let verdict = if refinement.detach {
        "every action is unused: detach this policy"
    } else if refinement.changed(original) {
        "refined"
    } else {
        "unchanged"
    };
    let _ = writeln!(s, "{name}: {verdict}");
    let _ = writeln!(
        s,
        "  entries: {} -> {} ({} replaced, {} removed as unused, {} redundant{})",
        stats.entries_before,
        stats.entries_after,
        plural(stats.entries_replaced, "wildcard"),
        stats.entries_removed,
        stats.entries_redundant,
        if stats.not_action_added > 0 {
            format!(", {} added to NotAction", stats.not_action_added)
        } else {
            String::new()
        }
    );
    let mut levels: Vec<String> = AccessLevel::ALL
        .iter()
        .filter_map(|l| {
            stats
                .removed
                .get(l)
                .map(|n| format!("{} {}", l.name(), thousands(*n)))
        })
        .collect();
    if stats.removed_unknown > 0 {
        levels.push(format!("not in catalog {}", stats.removed_unknown));
    }
    let _ = writeln!(
        s,
        "  actions removed: {}{}",
        thousands(stats.removed_total()),
        if levels.is_empty() {
            String::new()
        } else {
            format!(" ({})", levels.join(", "))
        }
    );
    let kind = original.kind.describe();
    let _ = match sizes.after {
        Some(after) => write!(
            s,
            "  size: {} -> {} characters (quota {} for {kind})",
            thousands(sizes.before),
            thousands(after),
            thousands(sizes.quota)
        ),
        None => write!(s, "  size: {} -> 0 characters", thousands(sizes.before)),
    };
    s
}

/// A warning when the refined policy does not fit its quota.
#[must_use]
pub fn quota_warning(original: &Policy, refinement: &Refinement) -> Option<String> {
    quota_warning_with_sizes(original, Sizes::of(original, refinement))
}

/// [`quota_warning`] with the sizes already measured ([`Sizes::of`]).
#[must_use]
pub fn quota_warning_with_sizes(original: &Policy, sizes: Sizes) -> Option<String> {
    let after = sizes.after?;
    (after > sizes.quota).then(|| {
        format!(
            "the refined policy is {} characters, over the {}-character quota for {}{}",
            thousands(after),
            thousands(sizes.quota),
            original.kind.describe(),
            if sizes.before > sizes.quota {
                format!(" (the original was {})", thousands(sizes.before))
            } else {
                String::new()
            }
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(22321), "22,321");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
