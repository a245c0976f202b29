//! What `verify`'s inputs name, gathered for [`crate::names::check_agree`], and the policy
//! names checked where two inputs name a policy.
//!
//! The principal is named by the recommendation (`resourceArn`, and our
//! `iamRefine.principalType` / `principalName`), by each `get-finding-v2` output in the
//! findings (`resource`), and by each `get-role-policy` / `get-user-policy` /
//! `get-group-policy` output given as an original or a refined policy (`RoleName`,
//! `UserName`, `GroupName`; a group's policy is about the group, so it never agrees with a
//! role or a user). All of them must agree.
//!
//! A policy is named by the step (`existingPolicyId`, and our `iamRefine.policyName` /
//! `policyType`) and by an original's `PolicyName`: an original with a `PolicyName` is an
//! inline policy of that name, so it stands only for the step whose id is that name. A
//! managed policy's ARN names its account: a principal can only have the managed policies
//! of its own account and AWS's (`arn:aws:iam::aws:policy/...`), per "Managed policies and
//! inline policies" in the IAM User Guide
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html>).

use serde_json::Value;

use iam_refine::{Recommendation, EXTRA_KEY};

use crate::document::Envelope;
use crate::names::{iam_arn, Kind, Mention, Principal};
use crate::verify_steps::is_managed;

#[derive(Debug, thiserror::Error)]
pub enum PolicyNameError {
    #[error("{original} (`PolicyName`) is the inline policy `{name}`, but it stands for policy `{id}` of {refined}")]
    Original {
        original: String,
        name: String,
        id: String,
        refined: String,
    },
    #[error("{original} (`PolicyName`) is the inline policy `{first}`, but {refined} (`PolicyName`) is `{second}`")]
    Refined {
        original: String,
        first: String,
        refined: String,
        second: String,
    },
    #[error("{file}: recommended step {step}: `{EXTRA_KEY}.{field}` is `{found}`, but `existingPolicyId` is `{id}`")]
    Extra {
        file: String,
        step: usize,
        field: &'static str,
        found: String,
        id: String,
    },
    #[error("{file}: policy `{id}` is not one {principal} can have: a principal has only the managed policies of its own account ({account}) and AWS's")]
    Account {
        file: String,
        id: String,
        principal: String,
        account: String,
    },
}

/// The recommendation's own words on its principal.
pub fn recommendation_mentions(file: &str, rec: &Recommendation) -> Vec<Mention> {
    let mut out = Vec::new();
    if let Some(arn) = &rec.resource_arn {
        out.push(Mention {
            file: file.to_string(),
            field: "resourceArn",
            principal: Principal::Arn(arn.clone()),
        });
    }
    let extra = |key: &str| {
        rec.extra
            .as_ref()
            .and_then(|e| e.get(key))
            .and_then(Value::as_str)
    };
    let kind = match extra("principalType") {
        Some("role") => Some(Kind::Role),
        Some("user") => Some(Kind::User),
        _ => None,
    };
    if let (Some(kind), Some(name)) = (kind, extra("principalName")) {
        out.push(Mention {
            file: file.to_string(),
            field: "iamRefine.principalName",
            principal: Principal::Named {
                kind,
                name: name.to_string(),
            },
        });
    }
    out
}

/// What a `get-<kind>-policy` envelope says of its owner.
pub fn envelope_mention(file: &str, envelope: &Envelope) -> Option<Mention> {
    envelope.owner.as_ref().map(|(kind, name)| Mention {
        file: file.to_string(),
        field: kind.key(),
        principal: Principal::Named {
            kind: *kind,
            name: name.clone(),
        },
    })
}

/// Each step's `iamRefine.policyName` / `policyType` (ours; AWS writes none) must describe
/// its `existingPolicyId`, and each managed policy must be one the principal can have.
pub fn check_steps(file: &str, rec: &Recommendation) -> Result<(), PolicyNameError> {
    let principal = rec.resource_arn.as_deref().and_then(iam_arn);
    for (n, step) in rec.steps.iter().enumerate() {
        let Some(id) = step.policy_id.as_deref() else {
            continue;
        };
        let managed = is_managed(id);
        let field = |key: &str| {
            step.extra
                .as_ref()
                .and_then(|e| e.get(key))
                .and_then(Value::as_str)
        };
        let wrong = |field: &'static str, found: &str| PolicyNameError::Extra {
            file: file.to_string(),
            step: n + 1,
            field,
            found: found.to_string(),
            id: id.to_string(),
        };
        if let Some(name) = field("policyName") {
            let own = if managed {
                id.rsplit('/').next().unwrap_or(id)
            } else {
                id
            };
            if name != own {
                return Err(wrong("policyName", name));
            }
        }
        if let Some(kind) = field("policyType") {
            let fits = match kind {
                "inline" => !managed,
                "customerManaged" => managed && iam_arn(id).is_some_and(|a| a.account != "aws"),
                "awsManaged" => managed && iam_arn(id).is_some_and(|a| a.account == "aws"),
                _ => false,
            };
            if !fits {
                return Err(wrong("policyType", kind));
            }
        }
        if let (true, Some(p)) = (managed, &principal) {
            let own = iam_arn(id).is_some_and(|a| {
                a.kind == "policy"
                    && a.partition == p.partition
                    && (a.account == p.account || a.account == "aws")
            });
            if !own {
                return Err(PolicyNameError::Account {
                    file: file.to_string(),
                    id: id.to_string(),
                    principal: format!("`{}`", rec.resource_arn.as_deref().unwrap_or_default()),
                    account: p.account.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// An original with a `PolicyName` stands only for the inline policy of that name.
pub fn check_original(
    original: &str,
    envelope: &Envelope,
    id: &str,
    refined: &str,
) -> Result<(), PolicyNameError> {
    match &envelope.policy_name {
        Some(name) if is_managed(id) || name != id => Err(PolicyNameError::Original {
            original: original.to_string(),
            name: name.clone(),
            id: id.to_string(),
            refined: refined.to_string(),
        }),
        _ => Ok(()),
    }
}

/// A refined policy given as `get-<kind>-policy` output must be the original's policy.
pub fn check_refined(
    original: &str,
    original_envelope: &Envelope,
    refined: &str,
    refined_envelope: &Envelope,
) -> Result<(), PolicyNameError> {
    match (
        &original_envelope.policy_name,
        &refined_envelope.policy_name,
    ) {
        (Some(first), Some(second)) if first != second => Err(PolicyNameError::Refined {
            original: original.to_string(),
            first: first.clone(),
            refined: refined.to_string(),
            second: second.clone(),
        }),
        _ => Ok(()),
    }
}
