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

use crate::catalog::json_kind;
use crate::policy::{parse_json_text, PolicyError};

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
    Succeeded,
    InProgress,
    Failed,
}

impl RecommendationStatus {
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
    pub status: RecommendationStatus,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
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
    #[error("{source}")]
    Text { source: PolicyError },
    #[error("the document has both `Statement` and `recommendedSteps`: it must be a policy or a recommendation, not both")]
    Ambiguous,
    #[error("the recommendation is not ready (status IN_PROGRESS): run `aws accessanalyzer get-finding-recommendation` again until it is SUCCEEDED")]
    InProgress,
    #[error(
        "Access Analyzer could not make this recommendation (status FAILED): {code}: {message}"
    )]
    Failed { code: String, message: String },
    #[error("unknown recommendation status {found} (expected SUCCEEDED, IN_PROGRESS or FAILED)")]
    Status { found: String },
    #[error("`{key}` must be {expected}, found {found}")]
    Field {
        key: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    #[error("recommended step {step}: expected an object with `unusedPermissionsRecommendedStep`, found {found}")]
    StepShape { step: usize, found: String },
    #[error("recommended step {step}: `recommendedAction` must be CREATE_POLICY or DETACH_POLICY, found {found}")]
    Action { step: usize, found: String },
    #[error("recommended step {step}: CREATE_POLICY without `recommendedPolicy`")]
    MissingPolicy { step: usize },
    #[error("recommended step {step}: DETACH_POLICY with a `recommendedPolicy`: detach the policy or replace it, not both")]
    DetachWithPolicy { step: usize },
    #[error(
        "recommended step {step}: DETACH_POLICY without `existingPolicyId`: no policy to detach"
    )]
    DetachWithoutId { step: usize },
    #[error("recommended step {step}: `recommendedPolicy`: {source}")]
    Document { step: usize, source: PolicyError },
    #[error("recommended step {step}: `recommendedPolicy` must be a policy document (JSON text of an object with `Statement`), found {found}")]
    NotADocument { step: usize, found: String },
}

/// Reads the steps of `get-finding-recommendation` output, or `None` when `value` is not
/// such output (no `recommendedSteps` and no `recommendationType`).
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
    pub fn is_recommendation(value: &Value) -> bool {
        value.get("recommendedSteps").is_some() || value.get("recommendationType").is_some()
    }

    /// Reads JSON text (or URL-encoded JSON text).
    pub fn parse(text: &str) -> Result<Recommendation, RecommendationError> {
        let value = parse_json_text(text).map_err(|source| RecommendationError::Text { source })?;
        Recommendation::from_value(&value)
    }

    /// Reads parsed output. An `IN_PROGRESS` or `FAILED` recommendation is an error that
    /// quotes AWS's own `error.code` and `error.message`.
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
    pub fn changes(&self) -> Vec<PolicyChange<'_>> {
        let mut out: Vec<PolicyChange<'_>> = Vec::new();
        for step in &self.steps {
            let id = step.policy_id.as_deref();
            let k = match out.iter().position(|c| c.policy_id == id) {
                Some(k) => k,
                None => {
                    out.push(PolicyChange {
                        policy_id: id,
                        documents: Vec::new(),
                        detached: false,
                    });
                    out.len() - 1
                }
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
mod tests {
    use super::*;
    use serde_json::json;

    /// As `aws accessanalyzer get-finding-recommendation` prints it for a role with one
    /// partly used AWS managed policy and one wholly unused inline policy.
    fn aws_output() -> Value {
        let refined = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]});
        json!({
            "startedAt": "2024-06-05T12:00:00+00:00",
            "completedAt": "2024-06-05T12:00:03+00:00",
            "resourceArn": "arn:aws:iam::123456789012:role/MyRole",
            "recommendedSteps": [
                {"unusedPermissionsRecommendedStep": {
                    "policyUpdatedAt": "2023-01-10T09:00:00+00:00",
                    "recommendedAction": "CREATE_POLICY",
                    "recommendedPolicy": refined.to_string(),
                    "existingPolicyId": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}},
                {"unusedPermissionsRecommendedStep": {
                    "recommendedAction": "DETACH_POLICY",
                    "existingPolicyId": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}},
                {"unusedPermissionsRecommendedStep": {
                    "recommendedAction": "DETACH_POLICY",
                    "existingPolicyId": "SqsInline"}}
            ],
            "recommendationType": "UnusedPermissionRecommendation",
            "status": "SUCCEEDED"
        })
    }

    #[test]
    fn reads_every_step_of_aws_output() {
        let rec = Recommendation::from_value(&aws_output()).expect("valid");
        assert_eq!(rec.status, RecommendationStatus::Succeeded);
        assert_eq!(
            rec.resource_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/MyRole")
        );
        let actions: Vec<_> = rec.steps.iter().map(|s| s.action).collect();
        assert_eq!(
            actions,
            [
                RecommendedAction::CreatePolicy,
                RecommendedAction::DetachPolicy,
                RecommendedAction::DetachPolicy
            ]
        );
        let doc = rec.steps[0].document.as_ref().expect("document");
        assert_eq!(doc["Statement"][0]["Action"][1], "s3:ListBucket");
        assert_eq!(
            rec.steps[0].policy_updated_at.as_deref(),
            Some("2023-01-10T09:00:00+00:00")
        );
        assert!(rec.steps[2].is_for("SqsInline"));
        assert!(rec.steps[0].is_for("AmazonS3ReadOnlyAccess"));

        let changes = rec.changes();
        assert_eq!(changes.len(), 2);
        assert_eq!(
            changes[0].policy_id,
            Some("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        );
        assert_eq!(changes[0].documents.len(), 1);
        assert!(changes[0].detached);
        assert!(changes[1].documents.is_empty() && changes[1].detached);

        let steps = recommended_steps(&aws_output())
            .expect("a recommendation")
            .expect("valid");
        assert_eq!(steps.len(), 3);
        assert!(recommended_steps(&json!({"Statement": []})).is_none());
    }

    #[test]
    fn writes_what_it_reads() {
        let rec = Recommendation::from_value(&aws_output()).expect("valid");
        let written = rec.to_value();
        assert_eq!(Recommendation::from_value(&written).expect("valid"), rec);
        // The same keys as AWS's, with `recommendedPolicy` a JSON string.
        let step = &written["recommendedSteps"][0]["unusedPermissionsRecommendedStep"];
        assert!(step["recommendedPolicy"].is_string());
        let mut keys: Vec<&String> = written.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "completedAt",
                "recommendationType",
                "recommendedSteps",
                "resourceArn",
                "startedAt",
                "status"
            ]
        );
    }

    #[test]
    fn extra_fields_survive_and_aws_fields_stay_first_class() {
        let mut rec = Recommendation::new("arn:aws:iam::123456789012:role/R");
        let doc = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}});
        let Value::Object(doc) = doc else {
            unreachable!()
        };
        let mut step = RecommendedStep::create("arn:aws:iam::123456789012:policy/P", doc);
        let mut extra = Map::new();
        extra.insert("part".into(), json!(1));
        step.extra = Some(extra);
        rec.steps.push(step);
        rec.steps.push(RecommendedStep::detach(
            "arn:aws:iam::123456789012:policy/P",
        ));
        let written = rec.to_value();
        assert_eq!(
            written["recommendedSteps"][0]["unusedPermissionsRecommendedStep"][EXTRA_KEY]["part"],
            1
        );
        let back = Recommendation::from_value(&written).expect("valid");
        assert_eq!(back, rec);
    }

    fn err(value: Value) -> String {
        Recommendation::from_value(&value).unwrap_err().to_string()
    }

    #[test]
    fn statuses_other_than_succeeded_quote_aws() {
        assert_eq!(
            err(json!({"status": "FAILED", "resourceArn": "arn:aws:iam::1:role/R",
                "recommendationType": "UnusedPermissionRecommendation",
                "error": {"code": "SERVICE_ERROR", "message": "The policy could not be analyzed."}})),
            "Access Analyzer could not make this recommendation (status FAILED): SERVICE_ERROR: The policy could not be analyzed."
        );
        let in_progress = json!({"status": "IN_PROGRESS", "recommendationType": "UnusedPermissionRecommendation", "startedAt": "2024-06-05T12:00:00Z"});
        assert!(err(in_progress.clone()).contains("status IN_PROGRESS"));
        assert!(matches!(
            recommended_steps(&in_progress),
            Some(Err(RecommendationError::InProgress))
        ));
        assert_eq!(
            err(json!({"status": "DONE", "recommendedSteps": []})),
            "unknown recommendation status `DONE` (expected SUCCEEDED, IN_PROGRESS or FAILED)"
        );
    }

    #[test]
    fn malformed_steps_are_named() {
        let steps = |s: Value| json!({"recommendedSteps": s});
        assert_eq!(
            err(steps(json!([{"unusedPermissionsRecommendedStep": {"recommendedAction": "EDIT_POLICY", "existingPolicyId": "P"}}]))),
            "recommended step 1: `recommendedAction` must be CREATE_POLICY or DETACH_POLICY, found `EDIT_POLICY`"
        );
        assert_eq!(
            err(steps(
                json!([{"unusedPermissionsRecommendedStep": {"recommendedAction": "DETACH_POLICY", "existingPolicyId": "P"}}, {"unusedPermissionsRecommendedStep": {"recommendedAction": "CREATE_POLICY"}}])
            )),
            "recommended step 2: CREATE_POLICY without `recommendedPolicy`"
        );
        assert_eq!(
            err(steps(
                json!([{"unusedPermissionsRecommendedStep": {"recommendedAction": "DETACH_POLICY"}}])
            )),
            "recommended step 1: DETACH_POLICY without `existingPolicyId`: no policy to detach"
        );
        assert_eq!(
            err(steps(json!([{"unusedPermissionsRecommendedStep": {"recommendedAction": "DETACH_POLICY", "existingPolicyId": "P", "recommendedPolicy": "{}"}}]))),
            "recommended step 1: DETACH_POLICY with a `recommendedPolicy`: detach the policy or replace it, not both"
        );
        assert_eq!(
            err(steps(json!([{"recommendedAction": "DETACH_POLICY"}]))),
            "recommended step 1: expected an object with `unusedPermissionsRecommendedStep`, found an object with keys recommendedAction"
        );
        assert_eq!(
            err(steps(json!([{"unusedPermissionsRecommendedStep": {"recommendedAction": "CREATE_POLICY", "recommendedPolicy": "{\"Version\": \"2012-10-17\"}"}}]))),
            "recommended step 1: `recommendedPolicy` must be a policy document (JSON text of an object with `Statement`), found an object with keys Version"
        );
        assert!(
            err(steps(json!([{"unusedPermissionsRecommendedStep": {"recommendedAction": "CREATE_POLICY", "recommendedPolicy": "{\"Statement\": ["}}])))
                .starts_with("recommended step 1: `recommendedPolicy`: invalid JSON at line 1"),
        );
        assert_eq!(
            err(steps(json!({}))),
            "`recommendedSteps` must be an array, found an object"
        );
        assert_eq!(
            err(json!({"Statement": [], "recommendedSteps": []})),
            "the document has both `Statement` and `recommendedSteps`: it must be a policy or a recommendation, not both"
        );
    }
}
