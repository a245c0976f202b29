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
//! file stem. A name stands for the policy whose id it is (an ARN names a managed policy,
//! a name an inline one); a name that is no policy's id stands for the managed policy whose
//! ARN ends in `/NAME`, if exactly one not already named by its ARN does. Every policy of
//! the recommendation (only the one `--policy-id` selects, if given) must have exactly one
//! original, and every original must stand for exactly one policy: anything else is an
//! error naming the file and the names in conflict. One plain `--original FILE` against a
//! recommendation about one policy stands for it whatever the file is called, as `verify`
//! always accepted. This matching is the only one possible: an original named by a
//! policy's id can stand for no other (nothing else is named so, and two originals may not
//! share a name), and a short name stands for one managed policy or is refused.
//!
//! **Change.** A group with a `DETACH_POLICY` step replaces its policy by its
//! `CREATE_POLICY` documents, in order (none: it is detached). A group with `CREATE_POLICY`
//! steps and no `DETACH_POLICY` leaves the policy attached beside them ([`Change::Add`]).
//! A `CREATE_POLICY` step without `existingPolicyId` replaces no named policy: refused.

use serde_json::Value;

use iam_refine::{RecommendedAction, RecommendedStep};

use crate::config::OriginalFile;

#[derive(Debug, thiserror::Error)]
pub enum StepsError {
    #[error("{file}: the recommendation has no step")]
    Empty { file: String },
    #[error("{file}: recommended step {step}: CREATE_POLICY without `existingPolicyId`: the policy it replaces is not named, so the change cannot be judged")]
    CreateWithoutId { file: String, step: usize },
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
        "{file}: no --original for policy `{id}` (given: {given}{why}); add `--original {id}=FILE`"
    )]
    MissingOriginal {
        file: String,
        id: String,
        given: String,
        /// Why an original that looks like it does not stand for this policy, or nothing.
        why: String,
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

/// The groups `name` stands for: the one whose id it is, else the managed policies (not in
/// `taken`) whose ARN ends in `/name`.
fn stands_for(name: &str, ids: &[&str], taken: &[bool]) -> Vec<usize> {
    if let Some(g) = ids.iter().position(|id| *id == name) {
        return vec![g];
    }
    (0..ids.len())
        .filter(|&g| !taken[g] && managed_name(ids[g]) == Some(name))
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
    let mut groups: Vec<(&str, Vec<&RecommendedStep>)> = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        let Some(id) = step.policy_id.as_deref() else {
            return Err(StepsError::CreateWithoutId {
                file: file.to_string(),
                step: n + 1,
            });
        };
        match groups.iter_mut().find(|(g, _)| *g == id) {
            Some((_, members)) => members.push(step),
            None => groups.push((id, vec![step])),
        }
    }
    if groups.is_empty() {
        return Err(StepsError::Empty {
            file: file.to_string(),
        });
    }
    let ids: Vec<&str> = groups.iter().map(|(id, _)| *id).collect();
    let listed = ids.join(", ");
    let selected: Vec<usize> = match policy_id {
        None => (0..ids.len()).collect(),
        Some(want) => match stands_for(want, &ids, &vec![false; ids.len()])[..] {
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
    // Which original stands for each group, and which group for each original: first the
    // originals named by a policy's id, then the short names, among the policies left.
    let mut by_group: Vec<Option<usize>> = vec![None; ids.len()];
    let mut by_original: Vec<Option<usize>> = vec![None; originals.len()];
    for (o, name) in names.iter().enumerate() {
        if let Some(g) = ids.iter().position(|id| id == name) {
            by_group[g] = Some(o);
            by_original[o] = Some(g);
        }
    }
    for (o, name) in names.iter().enumerate() {
        if by_original[o].is_some() {
            continue;
        }
        let taken: Vec<bool> = by_group.iter().map(Option::is_some).collect();
        match stands_for(name, &ids, &taken)[..] {
            [] => {}
            [g] => {
                by_group[g] = Some(o);
                by_original[o] = Some(g);
            }
            [a, b, ..] => {
                return Err(StepsError::AmbiguousOriginal {
                    file: file.to_string(),
                    flag: originals[o].flag(),
                    first: ids[a].to_string(),
                    second: ids[b].to_string(),
                })
            }
        }
    }
    // One plain --original, one policy to prove: it stands for that policy, unless its
    // name stands for another.
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
            let why = managed_name(id)
                .and_then(|short| names.iter().position(|n| n == short))
                .and_then(|o| by_original[o].map(|other| (o, other)))
                .map(|(o, other)| {
                    format!(
                        "; `{}` stands for `{}`, whose id it is",
                        originals[o].flag(),
                        ids[other]
                    )
                })
                .unwrap_or_default();
            return Err(StepsError::MissingOriginal {
                file: file.to_string(),
                id: id.to_string(),
                given: originals
                    .iter()
                    .map(OriginalFile::flag)
                    .collect::<Vec<_>>()
                    .join(", "),
                why,
            });
        };
        let documents: Vec<Value> = members
            .iter()
            .filter(|s| s.action == RecommendedAction::CreatePolicy)
            // The recommended document as AWS wrote it; the prover names what is malformed.
            .filter_map(|s| s.document.clone().map(Value::Object))
            .collect();
        let detached = members
            .iter()
            .any(|s| s.action == RecommendedAction::DetachPolicy);
        let change = match (detached, documents.is_empty()) {
            (true, true) => Change::Detach,
            (true, false) => Change::Replace(documents),
            (false, _) => Change::Add(documents),
        };
        jobs.push(Job {
            id: id.to_string(),
            original,
            change,
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
mod tests {
    use super::*;
    use serde_json::{json, Map};
    use std::path::PathBuf;

    fn doc() -> Map<String, Value> {
        json!({"Statement": []}).as_object().unwrap().clone()
    }

    fn file(id: Option<&str>, path: &str) -> OriginalFile {
        OriginalFile {
            id: id.map(String::from),
            path: PathBuf::from(path),
        }
    }

    const A: &str = "arn:aws:iam::123456789012:policy/A";

    fn originals_of(jobs: &[Job]) -> Vec<(&str, usize)> {
        jobs.iter().map(|j| (j.id.as_str(), j.original)).collect()
    }

    #[test]
    fn create_and_detach_of_one_policy_are_one_job() {
        let steps = [
            RecommendedStep::create(A, doc()),
            RecommendedStep::detach(A),
        ];
        let jobs = plan("r", &steps, &[file(None, "x/A.json")], None).unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].id, A);
        assert_eq!(jobs[0].change, Change::Replace(vec![Value::Object(doc())]));
    }

    #[test]
    fn several_policies_need_their_originals() {
        let steps = [
            RecommendedStep::create(A, doc()),
            RecommendedStep::detach(A),
            RecommendedStep::detach("Inline"),
        ];
        let both = [file(None, "A.json"), file(Some("Inline"), "i.json")];
        let jobs = plan("r", &steps, &both, None).unwrap();
        assert_eq!(originals_of(&jobs), [(A, 0), ("Inline", 1)]);
        assert_eq!(jobs[1].change, Change::Detach);
        let err = plan("r", &steps, &both[..1], None).unwrap_err().to_string();
        assert!(err.contains("no --original for policy `Inline`"), "{err}");
        assert!(err.contains("--original A.json"), "{err}");
        let extra = [both[0].clone(), both[1].clone(), file(None, "B.json")];
        let err = plan("r", &steps, &extra, None).unwrap_err().to_string();
        assert!(err.contains("`--original B.json`: no step"), "{err}");
        let jobs = plan("r", &steps, &both[1..], Some("Inline")).unwrap();
        assert_eq!(jobs[0].id, "Inline");
        // An original for a step not selected is not an error.
        let jobs = plan("r", &steps, &both, Some("Inline")).unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].change, Change::Detach);
        let lone = plan("r", &steps[..1], &both[..1], None).unwrap();
        assert_eq!(lone[0].change, Change::Add(vec![Value::Object(doc())]));
    }

    #[test]
    fn a_name_stands_for_one_policy_only() {
        let m = "arn:aws:iam::123456789012:policy/S3Access";
        let steps = [
            RecommendedStep::create(m, doc()),
            RecommendedStep::detach(m),
            RecommendedStep::detach("S3Access"),
        ];
        // The short name is the inline policy's id: it stands for that one only.
        let err = plan("r", &steps, &[file(Some("S3Access"), "m.json")], None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!("r: no --original for policy `{m}` (given: --original S3Access=m.json; `--original S3Access=m.json` stands for `S3Access`, whose id it is); add `--original {m}=FILE`")
        );
        // Each named by its id, in either order.
        let each = [file(Some(m), "m.json"), file(Some("S3Access"), "i.json")];
        let jobs = plan("r", &steps, &each, None).unwrap();
        assert_eq!(originals_of(&jobs), [(m, 0), ("S3Access", 1)]);
        let swapped = [each[1].clone(), each[0].clone()];
        let jobs = plan("r", &steps, &swapped, None).unwrap();
        assert_eq!(originals_of(&jobs), [(m, 1), ("S3Access", 0)]);
        // --policy-id by the short name is the inline policy; the managed one by its ARN.
        let jobs = plan("r", &steps, &each[1..], Some("S3Access")).unwrap();
        assert_eq!(originals_of(&jobs), [("S3Access", 0)]);
        let jobs = plan("r", &steps, &each[..1], Some(m)).unwrap();
        assert_eq!(originals_of(&jobs), [(m, 0)]);
        // Two managed policies named alike: the short name stands for neither.
        let other = "arn:aws:iam::aws:policy/S3Access";
        let two = [RecommendedStep::detach(m), RecommendedStep::detach(other)];
        let err = plan("r", &two, &[file(Some("S3Access"), "m.json")], None)
            .unwrap_err()
            .to_string();
        assert_eq!(err, format!("r: `--original S3Access=m.json` could stand for policy `{m}` or `{other}`; name each policy by its id (a managed policy's ARN, an inline policy's name)"));
        let err = plan("r", &two, &[file(Some(m), "m.json")], Some("S3Access"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`--policy-id S3Access` could be"), "{err}");
        // One of them named by its ARN: the short name is the other.
        let named = [
            file(Some(other), "a.json"),
            file(Some("S3Access"), "m.json"),
        ];
        let jobs = plan("r", &two, &named, None).unwrap();
        assert_eq!(originals_of(&jobs), [(m, 1), (other, 0)]);
    }

    #[test]
    fn a_create_step_must_name_its_policy() {
        let mut step = RecommendedStep::create(A, doc());
        step.policy_id = None;
        let err = plan("r", &[step], &[file(None, "A.json")], None)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("r: recommended step 1: CREATE_POLICY without `existingPolicyId`"),
            "{err}"
        );
    }
}
