//! A principal's plan written in AWS's `get-finding-recommendation` shape, with what AWS
//! does not say (policy kinds, shared policies, parts of a split, group policies, roles to
//! delete, other findings, sizes) in `iamRefine` fields that AWS's consumers ignore.

use serde_json::{json, Map, Value};

use super::plan::{PolicyAction, PolicySource, PrincipalPlan, PrincipalStatus};
use crate::recommendation::{Recommendation, RecommendedStep};

impl PrincipalPlan {
    /// The plan in AWS's `get-finding-recommendation` shape: for each replaced policy a
    /// `CREATE_POLICY` step per document and a `DETACH_POLICY` step; for each detached one a
    /// `DETACH_POLICY` step. What AWS does not say is in `iamRefine` fields.
    /// A failed plan has no steps (only its errors): nothing of it is to be applied.
    pub fn recommendation(&self) -> Recommendation {
        let mut rec = Recommendation::new(&self.arn);
        let steps = if self.status == PrincipalStatus::Failed {
            &[][..]
        } else {
            &self.policies[..]
        };
        for p in steps {
            let mut extra = Map::new();
            extra.insert("policyType".into(), json!(p.policy.source.name()));
            extra.insert("policyName".into(), json!(p.policy.name));
            if p.policy.source != PolicySource::Inline {
                extra.insert("attachedTo".into(), json!(p.attachments));
                if p.attachments > 1 {
                    extra.insert(
                        "note".into(),
                        json!("attached to other principals too: create a new policy for this one, never edit it in place"),
                    );
                }
            }
            if p.not_action_refined {
                extra.insert("notActionRefined".into(), json!(true));
            }
            if !p.skipped_statements.is_empty() {
                extra.insert(
                    "statementsLeftAsWritten".into(),
                    json!(p
                        .skipped_statements
                        .iter()
                        .map(|i| i + 1)
                        .collect::<Vec<_>>()),
                );
            }
            match p.action {
                PolicyAction::Unchanged => {}
                PolicyAction::Detach => {
                    let mut step = RecommendedStep::detach(&p.policy.id);
                    step.policy_updated_at.clone_from(&p.updated_at);
                    step.extra = Some(extra);
                    rec.steps.push(step);
                }
                PolicyAction::Replace => {
                    let parts = p.documents.len();
                    for (k, doc) in p.documents.iter().enumerate() {
                        let Value::Object(document) = doc.to_value() else {
                            continue;
                        };
                        let mut step = RecommendedStep::create(&p.policy.id, document);
                        step.policy_updated_at.clone_from(&p.updated_at);
                        let mut e = extra.clone();
                        if parts > 1 {
                            e.insert("part".into(), json!(k + 1));
                            e.insert("parts".into(), json!(parts));
                        }
                        if let Some(q) = &p.quota {
                            e.insert(
                                "size".into(),
                                json!({"before": q.before, "after": doc.size(), "quota": q.quota}),
                            );
                            if q.infix.written > 0 {
                                e.insert("infixWildcards".into(), json!(q.infix.written));
                            }
                        }
                        step.extra = Some(e);
                        rec.steps.push(step);
                    }
                    let mut step = RecommendedStep::detach(&p.policy.id);
                    step.policy_updated_at.clone_from(&p.updated_at);
                    rec.steps.push(step);
                }
            }
        }
        let mut extra = Map::new();
        extra.insert("principalType".into(), json!(self.kind.name()));
        extra.insert("principalName".into(), json!(self.name));
        extra.insert("status".into(), json!(self.status.name()));
        if let Some(role) = &self.unused_role {
            extra.insert("recommendedAction".into(), json!("DELETE_ROLE"));
            if let Some(at) = &role.last_accessed {
                extra.insert("roleLastAccessed".into(), json!(at));
            }
        }
        if !self.inherited.is_empty() {
            extra.insert(
                "inheritedPolicies".into(),
                Value::Array(
                    self.inherited
                        .iter()
                        .map(|i| {
                            json!({"group": i.group, "policyId": i.policy.id,
                                   "policyType": i.policy.source.name(),
                                   "unusedActions": i.unused_actions,
                                   "note": "inherited from a group: not refined, as that would change it for every member"})
                        })
                        .collect(),
                ),
            );
        }
        if !self.reported.is_empty() {
            extra.insert(
                "otherFindings".into(),
                Value::Array(
                    self.reported
                        .iter()
                        .map(|r| json!({"findingType": r.finding_type, "id": r.finding_id, "detail": r.detail}))
                        .collect(),
                ),
            );
        }
        if let Some(q) = &self.inline_quota {
            extra.insert(
                "inlineSize".into(),
                json!({"before": q.before, "after": q.written.iter().sum::<usize>(), "quota": q.quota}),
            );
        }
        extra.insert(
            "managedPolicies".into(),
            json!({"before": self.managed_before, "after": self.managed_after}),
        );
        if !self.errors.is_empty() {
            extra.insert(
                "errors".into(),
                json!(self
                    .errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()),
            );
        }
        if !self.warnings.is_empty() {
            extra.insert(
                "warnings".into(),
                json!(self
                    .warnings
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()),
            );
        }
        rec.extra = Some(extra);
        rec
    }
}
