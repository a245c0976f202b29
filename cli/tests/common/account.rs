//! What the tests of `iam-refine account` share: the account in
//! `iam-refine/testdata/account` and accounts built from it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};

use super::{bin, read, write};

pub fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../iam-refine/testdata/account")
        .join(name)
}

pub fn auth() -> PathBuf {
    testdata("authorization-details.json")
}

pub fn account(auth: &Path, findings: &Path) -> Command {
    let mut c = bin();
    c.arg("account").arg(auth).arg("--findings").arg(findings);
    c
}

/// Every file of a folder, by name, with its contents (not the manifests' folder,
/// `.iam-refine/`).
pub fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with(".iam-refine"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                read(&p),
            )
        })
        .collect()
}

pub fn json_of(text: &str) -> Value {
    serde_json::from_str(text).expect("JSON")
}

pub fn steps(rec: &Value) -> Vec<&Value> {
    rec["recommendedSteps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["unusedPermissionsRecommendedStep"])
        .collect()
}

/// The testdata account with one more role, `Broken`, whose inline document is not JSON,
/// and a finding for it; written to `dir`.
pub fn with_broken_role(dir: &Path) -> (PathBuf, PathBuf) {
    let page = json!({"RoleDetailList": [{
        "RoleName": "Broken", "Path": "/", "RoleId": "AROABROKEN0000000000",
        "Arn": "arn:aws:iam::123456789012:role/Broken",
        "RolePolicyList": [{"PolicyName": "Bad", "PolicyDocument": "%7B%22Statement%22%3A"}],
        "AttachedManagedPolicies": []
    }]});
    let auth = write(dir, "auth.json", &format!("{}\n{page}\n", read(&auth())));
    let finding = json!({"id": "f-broken", "findingType": "UnusedPermission", "status": "ACTIVE",
        "resource": "arn:aws:iam::123456789012:role/Broken", "resourceType": "AWS::IAM::Role",
        "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3"}}]});
    let findings = write(
        dir,
        "findings.jsonl",
        &format!("{}{finding}\n", read(&testdata("findings.jsonl"))),
    );
    (auth, findings)
}

/// An account of `roles` roles, each with one inline policy and a finding naming part of
/// it unused, so that shards and threads have something to share.
pub fn many_roles(dir: &Path, roles: usize) -> (PathBuf, PathBuf) {
    let services = ["s3", "ec2", "sqs", "sns", "dynamodb", "lambda"];
    let mut items = Vec::new();
    let mut findings = String::new();
    for r in 0..roles {
        let arn = format!("arn:aws:iam::123456789012:role/team/r{r:03}");
        let a = services[r % services.len()];
        let b = services[(r / 2 + 1) % services.len()];
        let doc = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": [format!("{a}:*"), format!("{b}:List*")], "Resource": "*"}]});
        items.push(
            json!({"RoleName": format!("r{r:03}"), "Path": "/team/", "Arn": arn,
            "RolePolicyList": [{"PolicyName": "main", "PolicyDocument": doc}],
            "AttachedManagedPolicies": []}),
        );
        let unused = if r % 5 == 0 {
            // A finding names each service once.
            let mut both = vec![json!({"unusedPermissionDetails": {"serviceNamespace": a}})];
            if b != a {
                both.push(json!({"unusedPermissionDetails": {"serviceNamespace": b}}));
            }
            Value::Array(both)
        } else {
            let unused = [
                ("s3", "DeleteBucket", "PutObject"),
                ("ec2", "DeleteVpc", "RunInstances"),
                ("sqs", "DeleteQueue", "SendMessage"),
                ("sns", "DeleteTopic", "Publish"),
                ("dynamodb", "DeleteTable", "PutItem"),
                ("lambda", "DeleteFunction", "InvokeFunction"),
            ];
            let (_, one, two) = unused.iter().find(|u| u.0 == a).unwrap();
            let mut actions = vec![json!({"action": one})];
            if r % 2 == 0 {
                actions.push(json!({"action": format!("{a}:{two}")}));
            }
            json!([{"unusedPermissionDetails": {"serviceNamespace": a, "actions": actions}}])
        };
        let finding = json!({"id": format!("f{r}"), "findingType": "UnusedPermission",
            "status": "ACTIVE", "resource": arn, "resourceType": "AWS::IAM::Role",
            "findingDetails": unused});
        findings.push_str(&format!("{finding}\n"));
    }
    let auth = write(
        dir,
        "auth.json",
        &json!({"RoleDetailList": items}).to_string(),
    );
    (auth, write(dir, "findings.jsonl", &findings))
}

/// An account whose refinements are over IAM's quotas: `managed` roles each carrying the
/// customer managed policy `Big` (`ec2:*`), one role, `solo`, with an inline `ec2:*`, and a
/// finding for each naming every third EC2 action unused, so that what is left is listed
/// name by name (over 10,240 characters).
pub fn over_quota(dir: &Path, managed: usize) -> (PathBuf, PathBuf) {
    let out = bin().args(["expand", "ec2:*"]).output().unwrap();
    let names: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert!(names.len() > 600, "{}", names.len());
    let unused: Vec<Value> = names
        .iter()
        .step_by(3)
        .map(|n| json!({"action": n}))
        .collect();
    let doc = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]});
    let big = "arn:aws:iam::123456789012:policy/Big";
    let mut roles: Vec<Value> = (0..managed)
        .map(|r| {
            json!({"RoleName": format!("big{r:02}"), "Path": "/", "Arn": format!("arn:aws:iam::123456789012:role/big{r:02}"),
                "RolePolicyList": [],
                "AttachedManagedPolicies": [{"PolicyName": "Big", "PolicyArn": big}]})
        })
        .collect();
    roles.push(
        json!({"RoleName": "solo", "Path": "/", "Arn": "arn:aws:iam::123456789012:role/solo",
        "RolePolicyList": [{"PolicyName": "main", "PolicyDocument": doc}],
        "AttachedManagedPolicies": []}),
    );
    let findings: String = roles
        .iter()
        .map(|r| {
            let f = json!({"id": format!("f-{}", r["RoleName"].as_str().unwrap()),
                "findingType": "UnusedPermission", "status": "ACTIVE", "resource": r["Arn"],
                "resourceType": "AWS::IAM::Role",
                "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "ec2", "actions": unused}}]});
            format!("{f}\n")
        })
        .collect();
    let auth = json!({"RoleDetailList": roles,
        "Policies": [{"PolicyName": "Big", "Arn": big, "Path": "/", "DefaultVersionId": "v1",
            "AttachmentCount": managed,
            "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": true}]}]});
    (
        write(dir, "auth.json", &auth.to_string()),
        write(dir, "findings.jsonl", &findings),
    )
}
