//! What `account` prints on stdout: recommendations as JSON lines, unified diffs of each
//! changed policy, or a machine-readable summary.
//!
//! - JSON lines (the default without `--output-dir`): one line per principal whose
//!   recommendation is written, `{"principal": ARN, "recommendation": {...}}`, always
//!   minified so that each is one line (`jq -c`, `split -l` and job runners take them as
//!   they come).
//! - Diffs: for each replaced or detached policy of those principals, `a/<principal>/<policy>`
//!   (the original, pretty JSON) against `b/<principal>/<policy>` (the documents that replace
//!   it, one after another; nothing when it is detached).
//! - JSON: the totals of [`AccountSummary`] and, per principal, its status, file, errors,
//!   warnings and verdicts.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use iam_refine::{AccessLevel, AccountSummary, PolicyAction};

use super::work::Outcome;
use crate::render;

pub fn recommendation_lines(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for o in outcomes.iter().filter(|o| o.written()) {
        let line =
            json!({"principal": o.plan.arn, "recommendation": o.plan.recommendation().to_value()});
        out.push_str(&render::json_text(&line, true));
    }
    out
}

pub fn diffs(outcomes: &[Outcome], color: bool) -> String {
    let mut out = String::new();
    for o in outcomes.iter().filter(|o| o.written()) {
        for p in &o.plan.policies {
            if p.action == PolicyAction::Unchanged {
                continue;
            }
            let refined: String = p.documents.iter().map(|d| d.to_pretty_json()).collect();
            let name = format!("{}/{}", o.plan.name, p.policy.name);
            out.push_str(&render::unified_diff(
                &format!("a/{name}"),
                &format!("b/{name}"),
                &p.original.to_pretty_json(),
                &refined,
                color,
            ));
        }
    }
    out
}

pub fn summary_json(
    summary: &AccountSummary,
    outcomes: &[Outcome],
    names: &HashMap<&str, Result<String, String>>,
    verified: bool,
    compact: bool,
) -> String {
    let removed: Map<String, Value> = AccessLevel::ALL
        .iter()
        .filter_map(|l| {
            summary
                .removed
                .get(l)
                .map(|n| (l.name().to_string(), json!(n)))
        })
        .collect();
    let principals: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let plan = &o.plan;
            let mut entry = json!({
                "principal": plan.arn,
                "name": plan.name,
                "type": plan.kind.name(),
                "status": plan.status.name(),
                "written": o.written(),
                "policies": plan.policies.iter().map(|p| json!({
                    "policyId": p.policy.id,
                    "action": match p.action {
                        PolicyAction::Unchanged => "unchanged",
                        PolicyAction::Replace => "replace",
                        PolicyAction::Detach => "detach",
                    },
                    "documents": p.documents.len(),
                })).collect::<Vec<_>>(),
                "errors": o.error_lines(),
                "warnings": plan.warnings,
            });
            if let Some(Ok(file)) = names.get(plan.arn.as_str()) {
                entry["file"] = json!(file);
            }
            if verified {
                entry["verdicts"] = o
                    .verdicts
                    .iter()
                    .map(|v| json!({"policyId": v.policy, "verdict": v.name(), "detail": v.line}))
                    .collect();
            }
            entry
        })
        .collect();
    let mut value = json!({
        "principals": summary.principals,
        "refined": summary.refined,
        "toDetach": summary.to_detach,
        "unchanged": summary.unchanged,
        "rolesToDelete": summary.delete_role,
        "withoutFindings": summary.no_findings,
        "failed": summary.failed,
        "policiesReplaced": summary.policies_replaced,
        "policiesSplit": summary.policies_split,
        "policiesWithInfixWildcards": summary.policies_infix,
        "policiesDetached": summary.policies_detached,
        "actionsRemoved": summary.removed_total(),
        "actionsRemovedByAccessLevel": removed,
        "unknownNamesRemoved": summary.removed_unknown,
        "principalsWithWarnings": summary.warned,
        "results": principals,
    });
    if verified {
        value["verified"] = json!({"proved": summary.proved, "refuted": summary.refuted, "unknown": summary.unknown});
    }
    render::json_text(&value, compact)
}
