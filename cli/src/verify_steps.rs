//! `verify` over a `get-finding-recommendation` output: its steps grouped by
//! `existingPolicyId`, and each group matched with the `--original` that stands for it.
//!
//! AWS writes, for a partly used policy, a `CREATE_POLICY` step followed by a
//! `DETACH_POLICY` step with the same `existingPolicyId`; for a wholly unused one a
//! `DETACH_POLICY` step alone; one recommendation covers every policy of a principal. A
//! group's `CREATE_POLICY` documents, in order, replace its original (none: it is
//! detached). An `--original ID=FILE` stands for the steps whose id is `ID` or ends in
//! `/ID`; a plain `--original FILE` for those whose id is, or ends in `/`, the file stem.
//! One plain `--original` against a recommendation about one policy stands for it whatever
//! its name, as `verify` always accepted.

use serde_json::Value;

use iam_refine::{RecommendedAction, RecommendedStep};

use crate::config::OriginalFile;

#[derive(Debug, thiserror::Error)]
pub enum StepsError {
    #[error("{file}: the recommendation has no step")]
    Empty { file: String },
    #[error("{file}: no recommended step for policy `{policy_id}` (steps are for: {ids})")]
    NoStepFor {
        file: String,
        policy_id: String,
        ids: String,
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
    #[error("{file}: policy `{id}` could be `{first}` or `{second}`; name it with `--original {id}=FILE`")]
    Ambiguous {
        file: String,
        id: String,
        first: String,
        second: String,
    },
}

/// One policy of the recommendation to prove.
#[derive(Debug)]
pub struct Job {
    /// The `existingPolicyId`, as written ("(no id)" when a step has none).
    pub id: String,
    /// Index into the `--original`s.
    pub original: usize,
    /// The `CREATE_POLICY` documents, in order (none: the policy is detached).
    pub documents: Vec<Value>,
    /// Whether a `DETACH_POLICY` step is for the policy. `CREATE_POLICY` steps without one
    /// are proved as replacing the original all the same (as `verify` always did), with a
    /// warning: applied as written, the original would stay attached beside them.
    pub detached: bool,
}

const NO_ID: &str = "(no id)";

fn id_of(step: &RecommendedStep) -> &str {
    step.policy_id.as_deref().unwrap_or(NO_ID)
}

/// Does `name` (an `--original`'s) stand for the step id `id`?
fn stands_for(name: &str, id: &str) -> bool {
    id == name || id.rsplit('/').next() == Some(name)
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
    for step in steps {
        let id = id_of(step);
        match groups.iter_mut().find(|(g, _)| *g == id) {
            Some((_, members)) => members.push(step),
            None => groups.push((id, vec![step])),
        }
    }
    let every_id: Vec<&str> = groups.iter().map(|(id, _)| *id).collect();
    let ids = every_id.join(", ");
    if groups.is_empty() {
        return Err(StepsError::Empty {
            file: file.to_string(),
        });
    }
    if let Some(want) = policy_id {
        groups.retain(|(id, _)| stands_for(want, id));
        if groups.is_empty() {
            return Err(StepsError::NoStepFor {
                file: file.to_string(),
                policy_id: want.to_string(),
                ids,
            });
        }
    }
    let lone = matches!((originals, groups.as_slice()), ([only], [_]) if only.id.is_none());
    let mut jobs = Vec::with_capacity(groups.len());
    for (id, members) in &groups {
        let mut found =
            (0..originals.len()).filter(|&o| lone || stands_for(&originals[o].name(), id));
        let Some(original) = found.next() else {
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
        if let Some(second) = found.next() {
            return Err(StepsError::Ambiguous {
                file: file.to_string(),
                id: id.to_string(),
                first: originals[original].flag(),
                second: originals[second].flag(),
            });
        }
        let documents = members
            .iter()
            .filter(|s| s.action == RecommendedAction::CreatePolicy)
            // The recommended document as AWS wrote it; the prover names what is malformed.
            .filter_map(|s| s.document.clone().map(Value::Object))
            .collect();
        jobs.push(Job {
            id: id.to_string(),
            original,
            documents,
            detached: members
                .iter()
                .any(|s| s.action == RecommendedAction::DetachPolicy),
        });
    }
    // An original for a step `--policy-id` did not select is referred to all the same.
    let referred = |o: usize| {
        jobs.iter().any(|j| j.original == o)
            || every_id
                .iter()
                .any(|id| stands_for(&originals[o].name(), id))
    };
    if let Some(o) = (0..originals.len()).find(|&o| !referred(o)) {
        return Err(StepsError::UnusedOriginal {
            file: file.to_string(),
            flag: originals[o].flag(),
            name: originals[o].name(),
            ids,
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

    #[test]
    fn create_and_detach_of_one_policy_are_one_job() {
        let steps = [
            RecommendedStep::create(A, doc()),
            RecommendedStep::detach(A),
        ];
        let jobs = plan("r", &steps, &[file(None, "x/A.json")], None).unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].id, A);
        assert_eq!(jobs[0].documents.len(), 1);
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
        assert_eq!(
            jobs.iter()
                .map(|j| (j.original, j.documents.len()))
                .collect::<Vec<_>>(),
            [(0, 1), (1, 0)]
        );
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
        assert!(jobs[0].detached);
        let lone = plan("r", &steps[..1], &both[..1], None).unwrap();
        assert!(!lone[0].detached);
    }
}
