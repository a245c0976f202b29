//! `verify` over a `get-finding-recommendation` output: its steps grouped by
//! `existingPolicyId`, each group matched with the one `--original` that stands for it, and
//! what the steps do to that policy once applied.
//!
//! AWS writes, for a partly used policy, a `CREATE_POLICY` step followed by a
//! `DETACH_POLICY` step with the same `existingPolicyId`; for a wholly unused one a
//! `DETACH_POLICY` step alone; one recommendation covers every policy of a principal. The
//! id is a managed policy's ARN or an inline policy's name.
//!
//! **Matching.** Each `--original` has a name: the `ID` of `--original ID=FILE`, else the
//! file stem. An ARN stands for the managed policy with that ARN. Any other name may stand
//! for the policy whose id it is (an inline policy's name) and for each managed policy
//! whose ARN ends in `/NAME` that no `--original` names by its ARN; it stands for the one
//! policy it may stand for, or, among several, for the one policy of them to be proved
//! (`--policy-id`); otherwise it is refused, naming two of them. Every policy to be
//! proved (all of them, or the one `--policy-id` selects) must have its original, and
//! every original must stand for a policy. One plain `--original FILE` that may stand for
//! no policy stands for the one policy to be proved, whatever the file is called, as
//! `verify` always accepted. This accepts exactly when one assignment of the originals to
//! distinct policies covers the policies to be proved (the tests check it against a
//! brute-force search): each name's possible policies are its own, an ARN has one, and two
//! originals may not share a name.
//!
//! **Change.** A group with a `DETACH_POLICY` step replaces its policy by its
//! `CREATE_POLICY` documents, in order (none: it is detached). A group with `CREATE_POLICY`
//! steps and no `DETACH_POLICY` leaves the policy attached beside them ([`Change::Add`]).
//! A step without `existingPolicyId` (or with an empty one) is about no named policy:
//! refused.

use serde_json::Value;

use iam_refine::{RecommendedAction, RecommendedStep};

use crate::config::OriginalFile;

#[derive(Debug, thiserror::Error)]
pub enum StepsError {
    #[error("{file}: the recommendation has no step")]
    Empty { file: String },
    #[error("{file}: recommended step {step}: {action} without `existingPolicyId`: the policy it is about is not named, so the change cannot be judged")]
    WithoutId {
        file: String,
        step: usize,
        action: &'static str,
    },
    #[error("{file}: no recommended step for policy `{policy_id}` (steps are for: {ids})")]
    NoStepFor {
        file: String,
        policy_id: String,
        ids: String,
    },
    #[error(
        "{file}: `--policy-id {policy_id}` could be `{first}` or `{second}`; give the policy's ARN"
    )]
    PolicyIdAmbiguous {
        file: String,
        policy_id: String,
        first: String,
        second: String,
    },
    #[error(
        "{file}: no --original for policy `{id}` (given: {given}); add `--original {id}=FILE`"
    )]
    MissingOriginal {
        file: String,
        id: String,
        given: String,
    },
    #[error("`{flag}`: no step of {file} is for policy `{name}` (steps are for: {ids})")]
    UnusedOriginal {
        file: String,
        flag: String,
        name: String,
        ids: String,
    },
    #[error("{file}: `{flag}` could stand for policy `{first}` or `{second}`; name each policy by its id (a managed policy's ARN, an inline policy's name)")]
    AmbiguousOriginal {
        file: String,
        flag: String,
        first: String,
        second: String,
    },
}

/// What the recommendation, applied as written, does to one policy.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `CREATE_POLICY` documents, in order, then `DETACH_POLICY`: the documents replace it.
    Replace(Vec<Value>),
    /// `DETACH_POLICY` alone.
    Detach,
    /// `CREATE_POLICY` without `DETACH_POLICY`: the policy stays attached and the documents
    /// are attached beside it; the principal ends up with the union.
    Add(Vec<Value>),
}

/// One policy of the recommendation to prove.
#[derive(Debug)]
pub struct Job {
    /// The `existingPolicyId`, as written.
    pub id: String,
    /// Index into the `--original`s.
    pub original: usize,
    pub change: Change,
    /// Where its steps are in `recommendedSteps` (from 0), in order.
    pub steps: Vec<usize>,
    /// Where the `CREATE_POLICY` steps of [`Change::Replace`]'s documents are, in order.
    pub creates: Vec<usize>,
}

/// Is `id` a managed policy's ARN (else an inline policy's name, or whatever name a
/// hand-written recommendation gives)?
pub fn is_managed(id: &str) -> bool {
    id.starts_with("arn:")
}

/// A managed policy's name: the last segment of its ARN.
fn managed_name(id: &str) -> Option<&str> {
    is_managed(id).then(|| id.rsplit('/').next()).flatten()
}

/// The steps of a policy: its id and each step with its position (from 0).
pub type Group<'s> = (&'s str, Vec<(usize, &'s RecommendedStep)>);

/// `steps` grouped by `existingPolicyId`, in the order the recommendation first names each
/// policy; a step without one (or with an empty one) is refused.
pub fn group<'s>(file: &str, steps: &'s [RecommendedStep]) -> Result<Vec<Group<'s>>, StepsError> {
    let mut groups: Vec<Group<'s>> = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        // An empty id names no policy either.
        let Some(id) = step.policy_id.as_deref().filter(|id| !id.is_empty()) else {
            return Err(StepsError::WithoutId {
                file: file.to_string(),
                step: n + 1,
                action: step.action.name(),
            });
        };
        match groups.iter_mut().find(|(g, _)| *g == id) {
            Some((_, members)) => members.push((n, step)),
            None => groups.push((id, vec![(n, step)])),
        }
    }
    Ok(groups)
}

/// What a policy's steps do to it, and where the `CREATE_POLICY` steps of its documents
/// are.
pub fn change_of(members: &[(usize, &RecommendedStep)]) -> (Change, Vec<usize>) {
    let created: Vec<(usize, Value)> = members
        .iter()
        .filter(|(_, s)| s.action == RecommendedAction::CreatePolicy)
        // The recommended document as AWS wrote it; the prover names what is malformed.
        .filter_map(|(n, s)| s.document.clone().map(|d| (*n, Value::Object(d))))
        .collect();
    let creates: Vec<usize> = created.iter().map(|(n, _)| *n).collect();
    let documents: Vec<Value> = created.into_iter().map(|(_, d)| d).collect();
    let detached = members
        .iter()
        .any(|(_, s)| s.action == RecommendedAction::DetachPolicy);
    let change = match (detached, documents.is_empty()) {
        (true, true) => Change::Detach,
        (true, false) => Change::Replace(documents),
        (false, _) => Change::Add(documents),
    };
    (change, creates)
}

/// The groups `--policy-id NAME` selects: the one whose id it is, else the managed
/// policies whose ARN ends in `/NAME`.
fn selects(name: &str, ids: &[&str]) -> Vec<usize> {
    if let Some(g) = ids.iter().position(|id| *id == name) {
        return vec![g];
    }
    (0..ids.len())
        .filter(|&g| managed_name(ids[g]) == Some(name))
        .collect()
}

/// The policies of `steps` to prove (only the one `policy_id` names, if given), in the
/// order the recommendation first names them, each with its original.
pub fn plan(
    file: &str,
    steps: &[RecommendedStep],
    originals: &[OriginalFile],
    policy_id: Option<&str>,
) -> Result<Vec<Job>, StepsError> {
    let groups = group(file, steps)?;
    if groups.is_empty() {
        return Err(StepsError::Empty {
            file: file.to_string(),
        });
    }
    let ids: Vec<&str> = groups.iter().map(|(id, _)| *id).collect();
    let listed = ids.join(", ");
    let selected: Vec<usize> = match policy_id {
        None => (0..ids.len()).collect(),
        Some(want) => match selects(want, &ids)[..] {
            [] => {
                return Err(StepsError::NoStepFor {
                    file: file.to_string(),
                    policy_id: want.to_string(),
                    ids: listed,
                })
            }
            [g] => vec![g],
            [a, b, ..] => {
                return Err(StepsError::PolicyIdAmbiguous {
                    file: file.to_string(),
                    policy_id: want.to_string(),
                    first: ids[a].to_string(),
                    second: ids[b].to_string(),
                })
            }
        },
    };
    let names: Vec<String> = originals.iter().map(OriginalFile::name).collect();
    // Which original stands for each group, and which group for each original. An ARN
    // stands for its managed policy and nothing else. Any other name may stand for the
    // policy whose id it is and for each managed policy whose ARN ends in `/NAME` that no
    // ARN has taken (these sets are disjoint for distinct names, so the order does not
    // matter); it stands for the one it may, or among several for the one that is to be
    // proved, and is refused otherwise.
    let mut by_group: Vec<Option<usize>> = vec![None; ids.len()];
    let mut by_original: Vec<Option<usize>> = vec![None; originals.len()];
    for (o, name) in names.iter().enumerate() {
        if let Some(g) = ids.iter().position(|id| id == name && is_managed(id)) {
            by_group[g] = Some(o);
            by_original[o] = Some(g);
        }
    }
    for (o, name) in names.iter().enumerate() {
        if by_original[o].is_some() {
            continue;
        }
        let may: Vec<usize> = (0..ids.len())
            .filter(|&g| {
                by_group[g].is_none()
                    && (ids[g] == name || managed_name(ids[g]) == Some(name.as_str()))
            })
            .collect();
        let proved: Vec<usize> = may
            .iter()
            .copied()
            .filter(|g| selected.contains(g))
            .collect();
        let g = match (may.as_slice(), proved.as_slice()) {
            ([], _) => continue,
            ([g], _) | (_, [g]) => *g,
            (_, [a, b, ..]) | ([a, b, ..], _) => {
                return Err(StepsError::AmbiguousOriginal {
                    file: file.to_string(),
                    flag: originals[o].flag(),
                    first: ids[*a].to_string(),
                    second: ids[*b].to_string(),
                })
            }
        };
        by_group[g] = Some(o);
        by_original[o] = Some(g);
    }
    // One plain --original, one policy to prove: it stands for that policy, unless its
    // name may stand for some policy.
    if let ([only], [g]) = (originals, &selected[..]) {
        if only.id.is_none() && by_original[0].is_none() {
            by_group[*g] = Some(0);
            by_original[0] = Some(*g);
        }
    }
    let mut jobs = Vec::with_capacity(selected.len());
    for g in selected {
        let (id, members) = &groups[g];
        let Some(original) = by_group[g] else {
            return Err(StepsError::MissingOriginal {
                file: file.to_string(),
                id: id.to_string(),
                given: originals
                    .iter()
                    .map(OriginalFile::flag)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let (change, creates) = change_of(members);
        jobs.push(Job {
            id: id.to_string(),
            original,
            change,
            steps: members.iter().map(|(n, _)| *n).collect(),
            creates,
        });
    }
    if let Some(o) = by_original.iter().position(Option::is_none) {
        return Err(StepsError::UnusedOriginal {
            file: file.to_string(),
            flag: originals[o].flag(),
            name: names[o].clone(),
            ids: listed,
        });
    }
    Ok(jobs)
}

#[cfg(test)]
#[path = "verify_steps_tests.rs"]
mod tests;
