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

fn err(value: &Value) -> String {
    Recommendation::from_value(value).unwrap_err().to_string()
}

#[test]
fn statuses_other_than_succeeded_quote_aws() {
    assert_eq!(
        err(&json!({"status": "FAILED", "resourceArn": "arn:aws:iam::1:role/R",
            "recommendationType": "UnusedPermissionRecommendation",
            "error": {"code": "SERVICE_ERROR", "message": "The policy could not be analyzed."}})),
        "Access Analyzer could not make this recommendation (status FAILED): SERVICE_ERROR: The policy could not be analyzed."
    );
    let in_progress = json!({"status": "IN_PROGRESS", "recommendationType": "UnusedPermissionRecommendation", "startedAt": "2024-06-05T12:00:00Z"});
    assert!(err(&in_progress).contains("status IN_PROGRESS"));
    assert!(matches!(
        recommended_steps(&in_progress),
        Some(Err(RecommendationError::InProgress))
    ));
    assert_eq!(
        err(&json!({"status": "DONE", "recommendedSteps": []})),
        "unknown recommendation status `DONE` (expected SUCCEEDED, IN_PROGRESS or FAILED)"
    );
}

#[test]
fn malformed_steps_are_named() {
    let steps = |s: Value| json!({"recommendedSteps": s});
    assert_eq!(
        err(&steps(json!([{"unusedPermissionsRecommendedStep": {"recommendedAction": "EDIT_POLICY", "existingPolicyId": "P"}}]))),
        "recommended step 1: `recommendedAction` must be CREATE_POLICY or DETACH_POLICY, found `EDIT_POLICY`"
    );
    assert_eq!(
        err(&steps(
            json!([{"unusedPermissionsRecommendedStep": {"recommendedAction": "DETACH_POLICY", "existingPolicyId": "P"}}, {"unusedPermissionsRecommendedStep": {"recommendedAction": "CREATE_POLICY"}}])
        )),
        "recommended step 2: CREATE_POLICY without `recommendedPolicy`"
    );
    assert_eq!(
        err(&steps(
            json!([{"unusedPermissionsRecommendedStep": {"recommendedAction": "DETACH_POLICY"}}])
        )),
        "recommended step 1: DETACH_POLICY without `existingPolicyId`: no policy to detach"
    );
    assert_eq!(
        err(&steps(json!([{"unusedPermissionsRecommendedStep": {"recommendedAction": "DETACH_POLICY", "existingPolicyId": "P", "recommendedPolicy": "{}"}}]))),
        "recommended step 1: DETACH_POLICY with a `recommendedPolicy`: detach the policy or replace it, not both"
    );
    assert_eq!(
        err(&steps(json!([{"recommendedAction": "DETACH_POLICY"}]))),
        "recommended step 1: expected an object with `unusedPermissionsRecommendedStep`, found an object with keys recommendedAction"
    );
    assert_eq!(
        err(&steps(json!([{"unusedPermissionsRecommendedStep": {"recommendedAction": "CREATE_POLICY", "recommendedPolicy": "{\"Version\": \"2012-10-17\"}"}}]))),
        "recommended step 1: `recommendedPolicy` must be a policy document (JSON text of an object with `Statement`), found an object with keys Version"
    );
    assert!(
        err(&steps(json!([{"unusedPermissionsRecommendedStep": {"recommendedAction": "CREATE_POLICY", "recommendedPolicy": "{\"Statement\": ["}}])))
            .starts_with("recommended step 1: `recommendedPolicy`: invalid JSON at line 1"),
    );
    assert_eq!(
        err(&steps(json!({}))),
        "`recommendedSteps` must be an array, found an object"
    );
    assert_eq!(
        err(&json!({"Statement": [], "recommendedSteps": []})),
        "the document has both `Statement` and `recommendedSteps`: it must be a policy or a recommendation, not both"
    );
}
