//! What `account` prints on stdout (rendered per principal by its worker,
//! [`super::work`], and put together here): recommendations as JSON lines, unified diffs of each
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

use serde_json::{json, Map, Value};

use iam_refine::{AccessLevel, AccountSummary, Policy, PolicyAction, PrincipalPlan};

use super::work::Outcome;
use crate::render;

/// The diffs of one principal's replaced and detached policies.
pub fn diff(plan: &PrincipalPlan, color: bool) -> String {
    let mut out = String::new();
    for p in &plan.policies {
        if p.action == PolicyAction::Unchanged {
            continue;
        }
        let refined: String = p.documents.iter().map(Policy::to_pretty_json).collect();
        let name = format!("{}/{}", plan.name, p.policy.name);
        out.push_str(&render::unified_diff(
            &format!("a/{name}"),
            &format!("b/{name}"),
            &p.original.to_pretty_json(),
            &refined,
            color,
        ));
    }
    out
}

pub fn summary_json(
    summary: &AccountSummary,
    outcomes: &[Outcome],
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
            let mut entry = json!({
                "principal": o.arn,
                "name": o.name,
                "type": o.kind.name(),
                "status": o.status.name(),
                "written": o.written(),
                "policies": o.details().policies.iter().map(|p| json!({
                    "policyId": p.id,
                    "action": match p.action {
                        PolicyAction::Unchanged => "unchanged",
                        PolicyAction::Replace => "replace",
                        PolicyAction::Detach => "detach",
                    },
                    "documents": p.documents,
                })).collect::<Vec<_>>(),
                "errors": o.details().errors,
                "warnings": o.details().plan_warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            });
            if let Some(file) = &o.file {
                entry["file"] = json!(file);
            }
            if verified {
                entry["verdicts"] = o
                    .details()
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
