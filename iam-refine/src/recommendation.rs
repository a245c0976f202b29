//! IAM Access Analyzer's recommendation shape, read and written: the output of `aws
//! accessanalyzer get-finding-recommendation`.
//!
//! ```json
//! {"recommendationType": "UnusedPermissionRecommendation",
//!  "resourceArn": "arn:aws:iam::123456789012:role/MyRole",
//!  "status": "SUCCEEDED",
//!  "recommendedSteps": [
//!    {"unusedPermissionsRecommendedStep": {"recommendedAction": "CREATE_POLICY",
//!       "existingPolicyId": "arn:aws:iam::aws:policy/AmazonS3FullAccess",
//!       "recommendedPolicy": "{\"Version\":\"2012-10-17\",\"Statement\":[...]}"}},
//!    {"unusedPermissionsRecommendedStep": {"recommendedAction": "DETACH_POLICY",
//!       "existingPolicyId": "arn:aws:iam::aws:policy/AmazonS3FullAccess"}}]}
//! ```
//!
//! A partly used policy is a `CREATE_POLICY` step followed by a `DETACH_POLICY` step with
//! the same `existingPolicyId` (the ARN of a managed policy, the name of an inline one); a
//! wholly unused one is a `DETACH_POLICY` step alone. `recommendedPolicy` is a JSON string.
//!
//! What we write is the same shape, so that automation written for AWS's API consumes ours
//! unchanged. Where we go beyond AWS (a policy split into several to fit IAM's quotas,
//! `NotAction` statements refined, a shared managed policy, a role to delete) we say so in
//! `iamRefine` objects, at the top and inside a step's `unusedPermissionsRecommendedStep`:
//! fields AWS's SDKs and the CLI ignore.

use serde_json::{Map, Value};

use crate::document::parse_json_text;
use crate::json::kind as json_kind;
use crate::policy::PolicyError;

/// The key of our extra fields, wherever they appear.
pub const EXTRA_KEY: &str = "iamRefine";

/// AWS's `recommendationType` for unused permissions.
pub const UNUSED_PERMISSION_RECOMMENDATION: &str = "UnusedPermissionRecommendation";

/// What a recommendation says about one policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecommendedAction {
    /// Create a policy with `recommendedPolicy` (to replace `existingPolicyId`).
    CreatePolicy,
    /// Detach (or, for an inline policy, delete) `existingPolicyId`.
    DetachPolicy,
}

impl RecommendedAction {
    /// AWS's spelling: `CREATE_POLICY`, `DETACH_POLICY`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            RecommendedAction::CreatePolicy => "CREATE_POLICY",
            RecommendedAction::DetachPolicy => "DETACH_POLICY",
        }
    }

    fn parse(text: &str) -> Option<RecommendedAction> {
        match text {
            "CREATE_POLICY" => Some(RecommendedAction::CreatePolicy),
            "DETACH_POLICY" => Some(RecommendedAction::DetachPolicy),
            _ => None,
        }
    }
}

/// One `unusedPermissionsRecommendedStep`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendedStep {
    /// `recommendedAction`: create a policy or detach one.
    pub action: RecommendedAction,
    /// The policy the step is about (`existingPolicyId`): a managed policy's ARN or an
    /// inline policy's name. Every `DETACH_POLICY` step has one.
    pub policy_id: Option<String>,
    /// The recommended document (`recommendedPolicy`): always for `CREATE_POLICY`, never
    /// for `DETACH_POLICY`.
    pub document: Option<Map<String, Value>>,
    /// `policyUpdatedAt`, as written.
    pub policy_updated_at: Option<String>,
    /// Our `iamRefine` fields, when the step has them (AWS's never do).
    pub extra: Option<Map<String, Value>>,
}

impl RecommendedStep {
    /// A `CREATE_POLICY` step for `policy_id` with `document`.
    #[must_use]
    pub fn create(policy_id: &str, document: Map<String, Value>) -> RecommendedStep {
        RecommendedStep {
            action: RecommendedAction::CreatePolicy,
            policy_id: Some(policy_id.to_string()),
            document: Some(document),
            policy_updated_at: None,
            extra: None,
        }
    }

    /// A `DETACH_POLICY` step for `policy_id`.
    #[must_use]
    pub fn detach(policy_id: &str) -> RecommendedStep {
        RecommendedStep {
            action: RecommendedAction::DetachPolicy,
            policy_id: Some(policy_id.to_string()),
            document: None,
            policy_updated_at: None,
            extra: None,
        }
    }

    /// Does this step name `id`, given as an ARN, a name, or the last part of an ARN?
    #[must_use]
    pub fn is_for(&self, id: &str) -> bool {
        self.policy_id
            .as_deref()
            .is_some_and(|own| own == id || own.rsplit('/').next() == Some(id))
    }

    fn to_value(&self) -> Value {
        let mut step = Map::new();
        step.insert(
            "recommendedAction".into(),
            Value::String(self.action.name().into()),
        );
        if let Some(id) = &self.policy_id {
            step.insert("existingPolicyId".into(), Value::String(id.clone()));
        }
        if let Some(at) = &self.policy_updated_at {
            step.insert("policyUpdatedAt".into(), Value::String(at.clone()));
        }
        if let Some(doc) = &self.document {
            // `Display` for a `Value` is compact JSON and cannot fail.
            step.insert(
                "recommendedPolicy".into(),
                Value::String(Value::Object(doc.clone()).to_string()),
            );
        }
        if let Some(extra) = &self.extra {
            step.insert(EXTRA_KEY.into(), Value::Object(extra.clone()));
        }
        let mut outer = Map::new();
        outer.insert(
            "unusedPermissionsRecommendedStep".into(),
            Value::Object(step),
        );
        Value::Object(outer)
    }
}

/// `status` of a recommendation. Only a `Succeeded` one is ever returned by
/// [`Recommendation::from_value`]; the others are errors quoting AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecommendationStatus {
    /// `SUCCEEDED`: the steps are there to use.
    Succeeded,
    /// `IN_PROGRESS`: Access Analyzer is still making it.
    InProgress,
    /// `FAILED`: Access Analyzer could not make it (`error` says why).
    Failed,
}

impl RecommendationStatus {
    /// AWS's spelling: `SUCCEEDED`, `IN_PROGRESS`, `FAILED`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            RecommendationStatus::Succeeded => "SUCCEEDED",
            RecommendationStatus::InProgress => "IN_PROGRESS",
            RecommendationStatus::Failed => "FAILED",
        }
    }
}

/// A `get-finding-recommendation` output.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// `resourceArn`: the role or user.
    pub resource_arn: Option<String>,
    /// `recommendationType`, [`UNUSED_PERMISSION_RECOMMENDATION`] when we write one.
    pub recommendation_type: String,
    /// `status`: always [`RecommendationStatus::Succeeded`] once read (the others are
    /// errors); a file without one is taken as succeeded.
    pub status: RecommendationStatus,
    /// `startedAt`, as written.
    pub started_at: Option<String>,
    /// `completedAt`, as written.
    pub completed_at: Option<String>,
    /// `recommendedSteps`, in order.
    pub steps: Vec<RecommendedStep>,
    /// Our top-level `iamRefine` fields.
    pub extra: Option<Map<String, Value>>,
}

/// What a recommendation does to one existing policy (its steps grouped by
/// `existingPolicyId`, in the order the ids first appear).
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyChange<'a> {
    /// `existingPolicyId`, `None` for `CREATE_POLICY` steps that name no policy.
    pub policy_id: Option<&'a str>,
    /// The documents of its `CREATE_POLICY` steps: one for a refined policy, several for
    /// one split to fit IAM's quotas, none when it is only detached.
    pub documents: Vec<&'a Map<String, Value>>,
    /// Whether a `DETACH_POLICY` step names it.
    pub detached: bool,
}

/// Errors in a recommendation. Steps count from 1.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecommendationError {
    /// [`Recommendation::parse`]: the text is not JSON the strict reader accepts.
    #[error("{source}")]
    Text {
        /// What the strict reader refused.
        source: PolicyError,
    },
    /// The object has both a policy's `Statement` and `recommendedSteps`.
    #[error("the document has both `Statement` and `recommendedSteps`: it must be a policy or a recommendation, not both")]
    Ambiguous,
    /// The recommendation's `status` is `IN_PROGRESS`.
    #[error("the recommendation is not ready (status IN_PROGRESS): run `aws accessanalyzer get-finding-recommendation` again until it is SUCCEEDED")]
    InProgress,
    /// The recommendation's `status` is `FAILED`.
    #[error(
        "Access Analyzer could not make this recommendation (status FAILED): {code}: {message}"
    )]
    Failed {
        /// AWS's `error.code`, or `(not given)`.
        code: String,
        /// AWS's `error.message`, or `(not given)`.
        message: String,
    },
    /// The `status` is none of `SUCCEEDED`, `IN_PROGRESS`, `FAILED`.
    #[error("unknown recommendation status {found} (expected SUCCEEDED, IN_PROGRESS or FAILED)")]
    Status {
        /// The status in backticks, or the JSON kind found when it is not a string.
        found: String,
    },
    /// A field has the wrong JSON type, or the whole value is not an object.
    #[error("`{key}` must be {expected}, found {found}")]
    Field {
        /// The field's key (`recommendedSteps`, `resourceArn`, a step's
        /// `existingPolicyId`, ...), or `recommendation` for the whole value.
        key: &'static str,
        /// What it must be (`a string`, `an array`, `an object`).
        expected: &'static str,
        /// The JSON kind found.
        found: &'static str,
    },
    /// A step is not an object with an `unusedPermissionsRecommendedStep` object.
    #[error("recommended step {step}: expected an object with `unusedPermissionsRecommendedStep`, found {found}")]
    StepShape {
        /// The step, from 1 (its position in `recommendedSteps`).
        step: usize,
        /// What it is instead: a JSON kind, or an object's first keys.
        found: String,
    },
    /// A step's `recommendedAction` is missing or not `CREATE_POLICY` / `DETACH_POLICY`.
    #[error("recommended step {step}: `recommendedAction` must be CREATE_POLICY or DETACH_POLICY, found {found}")]
    Action {
        /// The step, from 1 (its position in `recommendedSteps`).
        step: usize,
        /// The action in backticks, a JSON kind, or `nothing` when missing.
        found: String,
    },
    /// A `CREATE_POLICY` step has no `recommendedPolicy`.
    #[error("recommended step {step}: CREATE_POLICY without `recommendedPolicy`")]
    MissingPolicy {
        /// The step, from 1 (its position in `recommendedSteps`).
        step: usize,
    },
    /// A `DETACH_POLICY` step carries a `recommendedPolicy`.
    #[error("recommended step {step}: DETACH_POLICY with a `recommendedPolicy`: detach the policy or replace it, not both")]
    DetachWithPolicy {
        /// The step, from 1 (its position in `recommendedSteps`).
        step: usize,
    },
    /// A `DETACH_POLICY` step has no `existingPolicyId`.
    #[error(
        "recommended step {step}: DETACH_POLICY without `existingPolicyId`: no policy to detach"
    )]
    DetachWithoutId {
        /// The step, from 1 (its position in `recommendedSteps`).
        step: usize,
    },
    /// A step's `recommendedPolicy` text is not JSON the strict reader accepts.
    #[error("recommended step {step}: `recommendedPolicy`: {source}")]
    Document {
        /// The step, from 1 (its position in `recommendedSteps`).
        step: usize,
        /// What the strict reader refused.
        source: PolicyError,
    },
    /// A step's `recommendedPolicy` is JSON but not an object with `Statement`.
    #[error("recommended step {step}: `recommendedPolicy` must be a policy document (JSON text of an object with `Statement`), found {found}")]
    NotADocument {
        /// The step, from 1 (its position in `recommendedSteps`).
        step: usize,
        /// What it is instead: a JSON kind, or an object's first keys.
        found: String,
    },
}

/// Reads the steps of `get-finding-recommendation` output, or `None` when `value` is not
/// such output (no `recommendedSteps` and no `recommendationType`).
#[must_use]
pub fn recommended_steps(
    value: &Value,
) -> Option<Result<Vec<RecommendedStep>, RecommendationError>> {
    if !Recommendation::is_recommendation(value) {
        return None;
    }
    Some(Recommendation::from_value(value).map(|r| r.steps))
}

impl Recommendation {
    /// An empty, successful recommendation for `resource_arn`.
    #[must_use]
    pub fn new(resource_arn: &str) -> Recommendation {
        Recommendation {
            resource_arn: Some(resource_arn.to_string()),
            recommendation_type: UNUSED_PERMISSION_RECOMMENDATION.to_string(),
            status: RecommendationStatus::Succeeded,
            started_at: None,
            completed_at: None,
            steps: Vec::new(),
            extra: None,
        }
    }

    /// Does `value` look like `get-finding-recommendation` output (or claim to be)?
    #[must_use]
    pub fn is_recommendation(value: &Value) -> bool {
        value.get("recommendedSteps").is_some() || value.get("recommendationType").is_some()
    }

    /// Reads JSON text (or URL-encoded JSON text).
    ///
    /// # Errors
    ///
    /// [`RecommendationError::Text`] when the text is not JSON the strict reader accepts;
    /// otherwise as [`Recommendation::from_value`].
    pub fn parse(text: &str) -> Result<Recommendation, RecommendationError> {
        let value = parse_json_text(text).map_err(|source| RecommendationError::Text { source })?;
        Recommendation::from_value(&value)
    }

    /// Reads parsed output. An `IN_PROGRESS` or `FAILED` recommendation is an error that
    /// quotes AWS's own `error.code` and `error.message`.
    ///
    /// # Errors
    ///
    /// [`RecommendationError`] for a status other than `SUCCEEDED`, a field of the wrong
    /// type, or a step that is malformed (no action, a `CREATE_POLICY` without a document,
    /// a `DETACH_POLICY` with one or without an `existingPolicyId`).
    pub fn from_value(value: &Value) -> Result<Recommendation, RecommendationError> {
        let Value::Object(map) = value else {
            return Err(RecommendationError::Field {
                key: "recommendation",
                expected: "an object",
                found: json_kind(value),
            });
        };
        if map.contains_key("Statement") && map.contains_key("recommendedSteps") {
            return Err(RecommendationError::Ambiguous);
        }
        let status = match map.get("status") {
            // Hand-written files may leave the status out; AWS always writes it.
            None => RecommendationStatus::Succeeded,
            Some(Value::String(s)) if s == "SUCCEEDED" => RecommendationStatus::Succeeded,
            Some(Value::String(s)) if s == "IN_PROGRESS" => {
                return Err(RecommendationError::InProgress)
            }
            Some(Value::String(s)) if s == "FAILED" => {
                let field = |k: &str| {
                    map.get("error")
                        .and_then(|e| e.get(k))
                        .and_then(Value::as_str)
                        .unwrap_or("(not given)")
                        .to_string()
                };
                return Err(RecommendationError::Failed {
                    code: field("code"),
                    message: field("message"),
                });
            }
            Some(other) => {
                return Err(RecommendationError::Status {
                    found: match other {
                        Value::String(s) => format!("`{s}`"),
                        other => json_kind(other).to_string(),
                    },
                })
            }
        };
        let text = |key: &'static str| -> Result<Option<String>, RecommendationError> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(RecommendationError::Field {
                    key,
                    expected: "a string",
                    found: json_kind(other),
                }),
            }
        };
        let steps = match map.get("recommendedSteps") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| parse_step(i + 1, item))
                .collect::<Result<Vec<_>, _>>()?,
            Some(other) => {
                return Err(RecommendationError::Field {
                    key: "recommendedSteps",
                    expected: "an array",
                    found: json_kind(other),
                })
            }
        };
        Ok(Recommendation {
            resource_arn: text("resourceArn")?,
            recommendation_type: text("recommendationType")?
                .unwrap_or_else(|| UNUSED_PERMISSION_RECOMMENDATION.to_string()),
            status,
            started_at: text("startedAt")?,
            completed_at: text("completedAt")?,
            steps,
            extra: object_field(map),
        })
    }

    /// The steps grouped by the policy they name, in the order the ids first appear.
    #[must_use]
    pub fn changes(&self) -> Vec<PolicyChange<'_>> {
        let mut out: Vec<PolicyChange<'_>> = Vec::new();
        for step in &self.steps {
            let id = step.policy_id.as_deref();
            let k = if let Some(k) = out.iter().position(|c| c.policy_id == id) {
                k
            } else {
                out.push(PolicyChange {
                    policy_id: id,
                    documents: Vec::new(),
                    detached: false,
                });
                out.len() - 1
            };
            match (&step.document, step.action) {
                (Some(doc), RecommendedAction::CreatePolicy) => out[k].documents.push(doc),
                _ => out[k].detached |= step.action == RecommendedAction::DetachPolicy,
            }
        }
        out
    }

    /// The output in AWS's shape, with our `iamRefine` fields where there are any.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert(
            "recommendationType".into(),
            Value::String(self.recommendation_type.clone()),
        );
        if let Some(arn) = &self.resource_arn {
            map.insert("resourceArn".into(), Value::String(arn.clone()));
        }
        map.insert("status".into(), Value::String(self.status.name().into()));
        for (key, value) in [
            ("startedAt", &self.started_at),
            ("completedAt", &self.completed_at),
        ] {
            if let Some(v) = value {
                map.insert(key.into(), Value::String(v.clone()));
            }
        }
        map.insert(
            "recommendedSteps".into(),
            Value::Array(self.steps.iter().map(RecommendedStep::to_value).collect()),
        );
        if let Some(extra) = &self.extra {
            map.insert(EXTRA_KEY.into(), Value::Object(extra.clone()));
        }
        Value::Object(map)
    }
}

fn object_field(map: &Map<String, Value>) -> Option<Map<String, Value>> {
    match map.get(EXTRA_KEY) {
        Some(Value::Object(extra)) => Some(extra.clone()),
        _ => None,
    }
}

fn parse_step(n: usize, item: &Value) -> Result<RecommendedStep, RecommendationError> {
    let Some(Value::Object(step)) = item.get("unusedPermissionsRecommendedStep") else {
        let found = match item {
            Value::Object(o) => {
                let keys: Vec<&str> = o.keys().map(String::as_str).take(4).collect();
                format!("an object with keys {}", keys.join(", "))
            }
            other => json_kind(other).to_string(),
        };
        return Err(RecommendationError::StepShape { step: n, found });
    };
    let action = match step.get("recommendedAction") {
        Some(Value::String(s)) => {
            RecommendedAction::parse(s).ok_or_else(|| RecommendationError::Action {
                step: n,
                found: format!("`{s}`"),
            })?
        }
        Some(other) => {
            return Err(RecommendationError::Action {
                step: n,
                found: json_kind(other).to_string(),
            })
        }
        None => {
            return Err(RecommendationError::Action {
                step: n,
                found: "nothing".to_string(),
            })
        }
    };
    let string = |key: &'static str| match step.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(RecommendationError::Field {
            key,
            expected: "a string",
            found: json_kind(other),
        }),
    };
    let policy_id = string("existingPolicyId")?;
    let policy_updated_at = string("policyUpdatedAt")?;
    let document = match (action, step.get("recommendedPolicy")) {
        (RecommendedAction::DetachPolicy, None | Some(Value::Null)) => {
            if policy_id.is_none() {
                return Err(RecommendationError::DetachWithoutId { step: n });
            }
            None
        }
        (RecommendedAction::DetachPolicy, Some(_)) => {
            return Err(RecommendationError::DetachWithPolicy { step: n })
        }
        (RecommendedAction::CreatePolicy, None | Some(Value::Null)) => {
            return Err(RecommendationError::MissingPolicy { step: n })
        }
        (RecommendedAction::CreatePolicy, Some(doc)) => Some(document(n, doc)?),
    };
    Ok(RecommendedStep {
        action,
        policy_id,
        document,
        policy_updated_at,
        extra: object_field(step),
    })
}

/// `recommendedPolicy`: JSON text as AWS writes it (URL-encoded text is accepted too), or
/// an object in a hand-written file.
fn document(n: usize, value: &Value) -> Result<Map<String, Value>, RecommendationError> {
    let parsed;
    let value = match value {
        Value::String(text) => {
            parsed = parse_json_text(text)
                .map_err(|source| RecommendationError::Document { step: n, source })?;
            &parsed
        }
        other => other,
    };
    match value {
        Value::Object(doc) if doc.contains_key("Statement") => Ok(doc.clone()),
        Value::Object(doc) => {
            let keys: Vec<&str> = doc.keys().map(String::as_str).take(4).collect();
            Err(RecommendationError::NotADocument {
                step: n,
                found: if keys.is_empty() {
                    "an empty object".to_string()
                } else {
                    format!("an object with keys {}", keys.join(", "))
                },
            })
        }
        other => Err(RecommendationError::NotADocument {
            step: n,
            found: json_kind(other).to_string(),
        }),
    }
}

#[cfg(test)]
#[path = "recommendation_tests.rs"]
mod tests;
