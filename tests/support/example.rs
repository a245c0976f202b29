//! The Access Analyzer example of the README as plain JSON fixtures for the prover's tests,
//! and the catalog's names as plain data.

use iam_refine_verify::{verify, Counterexample, Options, Report, Theorem, Unused, Verdict};
use serde_json::{json, Value};

/// Every action name of the embedded catalog, `service:Action`, in catalog order.
pub fn catalog() -> &'static [String] {
    crate::embedded::catalog_names()
}

pub const LAMBDA_UNUSED: [&str; 8] = [
    "lambda:AddPermission",
    "lambda:GetFunctionConfiguration",
    "lambda:UpdateFunctionConfiguration",
    "lambda:UpdateFunctionCode",
    "lambda:CreateFunction",
    "lambda:DeleteFunction",
    "lambda:ListVersionsByFunction",
    "lambda:GetFunction",
];

pub const S3_UNUSED: [&str; 22] = [
    "GetAccelerateConfiguration",
    "GetAnalyticsConfiguration",
    "GetBucketAcl",
    "GetBucketCORS",
    "GetBucketLocation",
    "GetBucketLogging",
    "GetBucketNotification",
    "GetBucketObjectLockConfiguration",
    "GetBucketOwnershipControls",
    "GetBucketPolicy",
    "GetBucketPolicyStatus",
    "GetBucketPublicAccessBlock",
    "GetBucketRequestPayment",
    "GetBucketTagging",
    "GetBucketVersioning",
    "GetBucketWebsite",
    "GetEncryptionConfiguration",
    "GetIntelligentTieringConfiguration",
    "GetInventoryConfiguration",
    "GetLifecycleConfiguration",
    "GetMetricsConfiguration",
    "GetReplicationConfiguration",
];

pub const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:my-function";

pub fn original() -> Value {
    let mut lambda: Vec<Value> = LAMBDA_UNUSED.iter().map(|a| json!(a)).collect();
    lambda.push(json!("lambda:Invoke*"));
    json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Sid": "Lambda", "Effect": "Allow", "Action": lambda, "Resource": FUNCTION_ARN },
            { "Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*" }
        ]
    })
}

pub const S3_KEPT: [&str; 10] = [
    "s3:GetAccess*",
    "s3:GetAccountPublicAccessBlock",
    "s3:GetBucketAbac",
    "s3:GetBucketMetadataTableConfiguration",
    "s3:GetDataAccess",
    "s3:GetJobTagging",
    "s3:GetMulti*",
    "s3:GetObject*",
    "s3:GetStorage*",
    "s3:List*",
];

pub fn refined() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Sid": "Lambda", "Effect": "Allow", "Action": ["lambda:Invoke*"], "Resource": FUNCTION_ARN },
            { "Effect": "Allow", "Action": S3_KEPT, "Resource": "*" }
        ]
    })
}

pub fn unused() -> Unused {
    let mut actions: Vec<String> = LAMBDA_UNUSED.iter().map(|s| s.to_string()).collect();
    actions.extend(S3_UNUSED.iter().map(|a| format!("s3:{a}")));
    crate::plain_unused(actions, vec![])
}

pub fn run(original: &Value, refined: &Value, unused: &Unused) -> Report {
    verify(original, refined, unused, catalog(), &Options::default()).expect("verify")
}

pub fn expect_proved(report: &Report) {
    assert_eq!(report.verdict, Verdict::Proved, "{report:#?}");
}

pub fn expect_counterexample(report: &Report, theorem: Theorem) -> Counterexample {
    match &report.verdict {
        Verdict::Counterexample(cx) if cx.theorem == theorem => cx.clone(),
        other => panic!("expected a {theorem} counterexample, got {other:#?}"),
    }
}

/// The `Action` array of statement `i`, for in-place mutation.
pub fn actions(policy: &mut Value, i: usize) -> &mut Vec<Value> {
    policy["Statement"][i]["Action"].as_array_mut().unwrap()
}
