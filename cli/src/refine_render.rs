//! What `refine --format` prints for one policy, and the file names it goes to with
//! `--output-dir`:
//!
//! | format           | text                                              | file(s)                      |
//! |------------------|---------------------------------------------------|------------------------------|
//! | `policy`         | each refined document (several when split)        | `p.json`, `p-2.json`, ...    |
//! | `diff`           | unified diff, original to each document           | `p.diff`                     |
//! | `recommendation` | AWS's `get-finding-recommendation` shape          | `p.json`                     |
//! | `json`           | a summary: stats, sizes, warnings, verdict, documents | `p.json`                 |
//!
//! The diff's original side is the parsed original printed as the refined side is (pretty
//! JSON), so that only real changes show; a second and later part of a split policy is a
//! new file (`/dev/null` to `b/p-2.json`), a detached policy a deletion.
//!
//! In the recommendation, `existingPolicyId` is the `PolicyName` of `get-role-policy`
//! (user, group) output, and otherwise the file's stem: `get-policy-version` output does
//! not carry the policy's ARN. `resourceArn` is the findings' `resource` when they are a
//! `get-finding-v2` output.

use std::path::Path;

use serde_json::{json, Map, Value};

use iam_refine::{AccessLevel, Recommendation, RecommendedStep, Stats};

use crate::render::{json_text, unified_diff};

/// The name of part `k` (from 0) of a policy written as `name`: `name` itself, then
/// `p-2.json`, `p-3.json`, ... beside it.
pub fn part_name(name: &str, k: usize) -> String {
    if k == 0 {
        return name.to_string();
    }
    let path = Path::new(name);
    let stem = path
        .file_stem()
        .map_or_else(|| name.to_string(), |s| s.to_string_lossy().into_owned());
    let file = match path.extension() {
        Some(ext) => format!("{stem}-{}.{}", k + 1, ext.to_string_lossy()),
        None => format!("{stem}-{}", k + 1),
    };
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => parent.join(file).display().to_string(),
        None => file,
    }
}

/// `p.json` -> `p.diff`.
pub fn diff_name(name: &str) -> String {
    Path::new(name).with_extension("diff").display().to_string()
}

/// Each document as JSON text.
pub fn policy_texts(documents: &[Value], compact: bool) -> Vec<String> {
    documents.iter().map(|d| json_text(d, compact)).collect()
}

/// The unified diff of `original` (pretty JSON) to `documents`, named after `name`.
pub fn diff_text(name: &str, original: &str, documents: &[Value], color: bool) -> String {
    let old = format!("a/{name}");
    if documents.is_empty() {
        return unified_diff(&old, "/dev/null", original, "", color);
    }
    let mut text = String::new();
    for (k, doc) in documents.iter().enumerate() {
        let new = format!("b/{}", part_name(name, k));
        let refined = json_text(doc, false);
        if k == 0 {
            text.push_str(&unified_diff(&old, &new, original, &refined, color));
        } else {
            text.push_str(&unified_diff("/dev/null", &new, "", &refined, color));
        }
    }
    text
}

/// What the recommendation says of one policy.
pub struct Recommend<'a> {
    pub resource_arn: Option<&'a str>,
    pub policy_id: &'a str,
    /// The refined documents (several when split; none when detached).
    pub documents: &'a [Value],
    pub changed: bool,
}

/// AWS's `get-finding-recommendation` shape: `CREATE_POLICY` for each document then
/// `DETACH_POLICY` of the original; `DETACH_POLICY` alone when every action is unused; no
/// step when nothing changes.
pub fn recommendation(r: &Recommend<'_>) -> Value {
    let mut rec = Recommendation::new(r.resource_arn.unwrap_or_default());
    if r.resource_arn.is_none() {
        rec.resource_arn = None;
    }
    if r.changed {
        for doc in r.documents {
            if let Value::Object(map) = doc {
                rec.steps
                    .push(RecommendedStep::create(r.policy_id, map.clone()));
            }
        }
        rec.steps.push(RecommendedStep::detach(r.policy_id));
    }
    rec.to_value()
}

/// A proof's outcome, for the summary.
pub struct VerdictNote<'a> {
    /// `proved`, `counterexample` or `unknown`.
    pub result: &'static str,
    pub line: &'a str,
    pub witness: Option<&'a str>,
}

/// What the summary says of one policy.
pub struct Summary<'a> {
    pub name: &'a str,
    /// `refined`, `unchanged`, `detach` or `not-proved`.
    pub status: &'static str,
    pub stats: &'a Stats,
    pub size_before: usize,
    /// Of the refined policy, before `--fit-quota`; `None` when detached.
    pub size_after: Option<usize>,
    pub quota: usize,
    pub document_sizes: &'a [usize],
    pub fit: Option<&'a str>,
    pub warnings: &'a [String],
    pub verdict: Option<VerdictNote<'a>>,
    pub documents: &'a [Value],
}

pub fn summary(s: &Summary<'_>) -> Value {
    let stats = s.stats;
    let mut levels = Map::new();
    for level in AccessLevel::ALL {
        if let Some(n) = stats.removed.get(&level) {
            levels.insert(level.to_string(), json!(n));
        }
    }
    let mut value = json!({
        "name": s.name,
        "status": s.status,
        "stats": {
            "entriesBefore": stats.entries_before,
            "entriesAfter": stats.entries_after,
            "wildcardsReplaced": stats.entries_replaced,
            "entriesRemoved": stats.entries_removed,
            "entriesRedundant": stats.entries_redundant,
            "notActionAdded": stats.not_action_added,
            "statementsRemoved": stats.statements_removed,
            "actionsRemoved": stats.removed_total(),
            "actionsRemovedByAccessLevel": levels,
            "unknownActionsRemoved": stats.removed_unknown,
        },
        "sizes": {
            "before": s.size_before,
            "after": s.size_after,
            "quota": s.quota,
            "documents": s.document_sizes,
        },
        "warnings": s.warnings,
        "documents": s.documents,
    });
    if let Value::Object(map) = &mut value {
        if let Some(fit) = s.fit {
            map.insert("fit".into(), json!(fit));
        }
        if let Some(v) = &s.verdict {
            let mut verdict = json!({"result": v.result, "detail": v.line});
            if let (Some(w), Value::Object(m)) = (v.witness, &mut verdict) {
                m.insert("witness".into(), json!(w));
            }
            map.insert("verdict".into(), verdict);
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_named_beside_the_first() {
        assert_eq!(part_name("p.json", 0), "p.json");
        assert_eq!(part_name("p.json", 1), "p-2.json");
        assert_eq!(part_name("dir/p.json", 2), "dir/p-3.json");
        assert_eq!(part_name("policy", 1), "policy-2");
        assert_eq!(diff_name("dir/p.json"), "dir/p.diff");
    }

    #[test]
    fn a_detached_policy_is_one_step_and_an_unchanged_one_none() {
        let detach = recommendation(&Recommend {
            resource_arn: None,
            policy_id: "p",
            documents: &[],
            changed: true,
        });
        assert!(detach.get("resourceArn").is_none());
        let steps = detach["recommendedSteps"].as_array().unwrap();
        assert_eq!(steps.len(), 1);
        assert_eq!(
            steps[0]["unusedPermissionsRecommendedStep"]["recommendedAction"],
            "DETACH_POLICY"
        );
        let unchanged = recommendation(&Recommend {
            resource_arn: Some("arn:aws:iam::1:role/r"),
            policy_id: "p",
            documents: &[json!({"Statement": []})],
            changed: false,
        });
        assert_eq!(unchanged["recommendedSteps"], json!([]));
        assert_eq!(unchanged["resourceArn"], "arn:aws:iam::1:role/r");
    }
}
