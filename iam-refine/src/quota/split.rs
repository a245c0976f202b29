//! Splitting: the second way [`super::fit_quota`] makes a refined policy fit, as several
//! managed policies (several `CREATE_POLICY` steps for one existing policy).
//!
//! The principal's permissions are the union of its policies, so the Allow statements can
//! be shared out among parts unchanged. A statement too big for one part is cut into
//! statements with the same keys and consecutive slices of its `Action` list (each in a
//! different part, so that no part repeats a `Sid`): for `Action`, allowing the slices is
//! allowing the list. A `NotAction` statement cannot be cut (allowing everything but `a`,
//! and everything but `b`, allows everything), nor is a Deny statement: every part carries
//! every Deny statement as written, so that each part on its own denies what the original
//! denied, even if a part is later detached alone.
//!
//! Statements keep their order inside each part; packing is first fit, in order.

use crate::policy::{ActionKey, Effect, Policy, Statement};

/// Why a policy cannot be split into parts within the quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unsplittable {
    /// It would take this many parts.
    TooManyParts(usize),
    /// A statement that cannot be cut (Deny, `NotAction`, or one action entry) does not
    /// fit in a part on its own; the number is its position (from 1).
    Statement(usize),
    /// A part came out over the quota although the sizes added up (a defect of the size
    /// arithmetic; never expected).
    Overflow,
}

fn size_of(statement: &Statement) -> usize {
    statement
        .to_value()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

/// A piece of the policy to place: an Allow statement or a slice of one.
struct Unit {
    /// Position of the statement it comes from.
    from: usize,
    statement: Statement,
    size: usize,
}

/// Splits `policy` into at most `max_parts` policies of at most `quota` characters each.
pub(crate) fn split(
    policy: &Policy,
    quota: usize,
    max_parts: usize,
) -> Result<Vec<Policy>, Unsplittable> {
    let base = policy.with_statements(Vec::new()).size();
    let denies: Vec<usize> = policy
        .statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.effect == Effect::Deny)
        .map(|(i, _)| i)
        .collect();
    let deny_size: usize = denies
        .iter()
        .map(|&i| size_of(&policy.statements[i]) + 1)
        .sum();
    // What each part has left for Allow statements, each with its comma.
    let budget = quota.saturating_sub(base + deny_size);
    let mut units: Vec<Unit> = Vec::new();
    for (i, s) in policy.statements.iter().enumerate() {
        if s.effect == Effect::Deny {
            continue;
        }
        let size = size_of(s) + 1;
        if size <= budget {
            units.push(Unit {
                from: i,
                statement: s.clone(),
                size,
            });
            continue;
        }
        if s.key == ActionKey::NotAction || s.patterns.len() < 2 {
            return Err(Unsplittable::Statement(i + 1));
        }
        // Cut the Action list into the fewest consecutive slices that each fit. A slice's
        // size is the statement's with an empty list plus each entry, its quotes and a
        // comma: an upper bound (one comma too many), computed without serialising.
        let empty = size_of(&s.with_patterns(Vec::new())) + 1;
        let entry = |p: &String| p.chars().filter(|c| !c.is_whitespace()).count() + 3;
        let mut slice: Vec<String> = Vec::new();
        let mut used = empty;
        for p in &s.patterns {
            if !slice.is_empty() && used + entry(p) > budget {
                if used > budget {
                    // One entry alone is too big for a part.
                    return Err(Unsplittable::Statement(i + 1));
                }
                let piece = s.with_patterns(std::mem::take(&mut slice));
                units.push(Unit {
                    from: i,
                    size: used,
                    statement: piece,
                });
                used = empty;
            }
            used += entry(p);
            slice.push(p.clone());
        }
        if used > budget {
            return Err(Unsplittable::Statement(i + 1));
        }
        units.push(Unit {
            from: i,
            statement: s.with_patterns(slice),
            size: used,
        });
    }
    // First fit, in order; slices of one statement go to different parts.
    let mut parts: Vec<(usize, Vec<usize>)> = Vec::new();
    for (u, unit) in units.iter().enumerate() {
        let home = parts.iter().position(|(used, members)| {
            used + unit.size <= budget && !members.iter().any(|&m| units[m].from == unit.from)
        });
        match home {
            Some(k) => {
                parts[k].0 += unit.size;
                parts[k].1.push(u);
            }
            None => parts.push((unit.size, vec![u])),
        }
    }
    if parts.len() > max_parts {
        return Err(Unsplittable::TooManyParts(parts.len()));
    }
    let built: Vec<Policy> = parts
        .iter()
        .map(|(_, members)| {
            // Deny statements and this part's units, in the policy's order.
            let mut order: Vec<(usize, usize, &Statement)> = denies
                .iter()
                .map(|&i| (i, 0, &policy.statements[i]))
                .chain(
                    members
                        .iter()
                        .map(|&m| (units[m].from, m, &units[m].statement)),
                )
                .collect();
            order.sort_by_key(|&(from, m, _)| (from, m));
            policy.with_statements(order.into_iter().map(|(_, _, s)| s.clone()).collect())
        })
        .collect();
    match built.iter().position(|p| p.size() > quota) {
        // The arithmetic above is exact; this is the guard that it stays so.
        Some(_) => Err(Unsplittable::Overflow),
        None => Ok(built),
    }
}
