//! `--keep` against findings that say a whole service is unused, through the real binaries.
//!
//! An entry without `actions` says every `s3:` string is unused, also those the catalog
//! does not know yet. `--keep s3:GetObject` takes out what it matches and nothing more: the
//! unused set is still "all of `s3:`, minus what the keep patterns match", over all
//! strings. So `refine`, `account` and `verify` must never let through a wildcard that
//! reaches a future `s3:` action no keep pattern matches.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use predicates::prelude::*;
use serde_json::{json, Value};

use common::account::{json_of, steps};
use common::{bin, refine_cmd, stdout_json, text, write};

const ALL_S3: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
const S3_UNUSED: &str = r#"[{"serviceNamespace": "s3"}]"#;

/// Every catalog action of `s3:GetObjectVersion*`, so that keeping them all makes the
/// catalog's whole `s3:GetObjectVersion` node kept (but not the strings AWS may add there).
const VERSION_ACTIONS: [&str; 8] = [
    "s3:GetObjectVersion",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionAnnotation",
    "s3:GetObjectVersionAnnotationForReplication",
    "s3:GetObjectVersionAttributes",
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionTagging",
    "s3:GetObjectVersionTorrent",
];

fn keep_args(patterns: &[&str]) -> Vec<String> {
    patterns
        .iter()
        .flat_map(|p| ["--keep".to_string(), p.to_string()])
        .collect()
}

fn actions(statement: &Value) -> Vec<String> {
    match &statement["Action"] {
        Value::String(a) => vec![a.clone()],
        Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
        other => panic!("Action {other}"),
    }
}

/// Does an IAM action pattern match `name` (case-insensitive glob)?
fn glob(pattern: &str, name: &str) -> bool {
    iam_refine::Pattern::new(pattern).matches(&name.to_ascii_lowercase())
}

#[test]
fn verify_refutes_a_wildcard_into_the_rest_of_a_kept_service() {
    let dir = tempfile::tempdir().unwrap();
    let original = write(dir.path(), "p.json", ALL_S3);
    let refined = write(
        dir.path(),
        "r.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:Zzz*"], "Resource": "*"}]}"#,
    );
    let unused = write(dir.path(), "unused.json", S3_UNUSED);
    let verify = |extra: &[&str]| {
        let mut c = bin();
        c.arg("verify")
            .arg("--original")
            .arg(&original)
            .arg("--refined")
            .arg(&refined)
            .arg("--unused")
            .arg(&unused)
            .args(extra);
        c
    };
    for keep in [&["--keep", "s3:GetObject"][..], &[][..]] {
        let out = verify(keep).assert().code(3).get_output().clone();
        let witness = text(&out.stdout);
        assert!(witness.starts_with("s3:zzz"), "{keep:?}: {witness}");
        assert!(
            text(&out.stderr).contains("counterexample to T3"),
            "{keep:?}: {}",
            text(&out.stderr)
        );
    }
    // What the keep pattern matches is not unused.
    let exact = write(
        dir.path(),
        "exact.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
    );
    bin()
        .arg("verify")
        .arg("--original")
        .arg(&original)
        .arg("--refined")
        .arg(&exact)
        .arg("--unused")
        .arg(&unused)
        .args(["--keep", "s3:getobject"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("proved"));
}

#[test]
fn refine_writes_no_wildcard_into_the_rest_of_a_kept_service() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "p.json", ALL_S3);
    let unused = write(dir.path(), "unused.json", S3_UNUSED);
    let out = refine_cmd([&policy], &unused)
        .args(keep_args(&VERSION_ACTIONS))
        .arg("--verify")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("proved"))
        .get_output()
        .clone();
    let doc = stdout_json(&out.stdout);
    let written = actions(&doc["Statement"][0]);
    // Every kept catalog action stays allowed, and nothing that AWS may add to `s3:`.
    for a in VERSION_ACTIONS {
        assert!(written.iter().any(|w| glob(w, a)), "{a}: {written:?}");
    }
    for future in ["s3:GetObjectVersionFuture", "s3:Zzz"] {
        assert!(
            !written.iter().any(|w| glob(w, future)),
            "{future}: {written:?}"
        );
    }
    // A pattern that is kept all through stays a wildcard.
    let out = refine_cmd([&policy], &unused)
        .args(["--keep", "s3:GetObjectVersion*", "--verify"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let doc = stdout_json(&out.stdout);
    assert_eq!(actions(&doc["Statement"][0]), ["s3:GetObjectVersion*"]);
}

#[test]
fn refine_removes_a_name_the_catalog_does_not_know_in_a_kept_service() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectFuture", "s3:Zzz*"], "Resource": "*"}]}"#,
    );
    let unused = write(dir.path(), "unused.json", S3_UNUSED);
    let out = refine_cmd([&policy], &unused)
        .args(["--keep", "s3:GetObject", "--verify"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("proved"))
        .get_output()
        .clone();
    let doc = stdout_json(&out.stdout);
    assert_eq!(actions(&doc["Statement"][0]), ["s3:GetObject"]);
}

/// An account of one role whose inline policy allows all of S3, and a finding that says all
/// of S3 is unused.
fn one_role(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let arn = "arn:aws:iam::123456789012:role/Keeper";
    let page = json!({"RoleDetailList": [{
        "RoleName": "Keeper", "Path": "/", "RoleId": "AROAKEEPER0000000000", "Arn": arn,
        "RolePolicyList": [{"PolicyName": "S3", "PolicyDocument": serde_json::from_str::<Value>(ALL_S3).unwrap()}],
        "AttachedManagedPolicies": []
    }], "UserDetailList": [], "GroupDetailList": [], "Policies": []});
    let finding = json!({"id": "f-keeper", "findingType": "UnusedPermission", "status": "ACTIVE",
        "resource": arn, "resourceType": "AWS::IAM::Role",
        "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3"}}]});
    (
        write(dir, "auth.json", &page.to_string()),
        write(dir, "findings.jsonl", &format!("{finding}\n")),
    )
}

#[test]
fn account_writes_no_wildcard_into_the_rest_of_a_kept_service() {
    let dir = tempfile::tempdir().unwrap();
    let (auth, findings) = one_role(dir.path());
    let out = dir.path().join("out");
    let run = bin()
        .arg("account")
        .arg(&auth)
        .arg("--findings")
        .arg(&findings)
        .args(keep_args(&VERSION_ACTIONS))
        .args(["--verify", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let rec = json_of(&std::fs::read_to_string(out.join("Keeper.json")).unwrap());
    let created: Vec<Value> = steps(&rec)
        .iter()
        .filter(|s| s["recommendedAction"] == "CREATE_POLICY")
        .map(|s| json_of(s["recommendedPolicy"].as_str().unwrap()))
        .collect();
    assert_eq!(created.len(), 1, "{rec}");
    let written = actions(&created[0]["Statement"][0]);
    for a in VERSION_ACTIONS {
        assert!(written.iter().any(|w| glob(w, a)), "{a}: {written:?}");
    }
    assert!(
        !written.iter().any(|w| glob(w, "s3:GetObjectVersionFuture")),
        "{written:?}"
    );
}

#[test]
fn a_not_action_statement_cannot_keep_part_of_an_unused_service() {
    // `NotAction` cannot say "all of s3 but s3:GetObject": the statement excludes all of
    // `s3:*`, says so, and the proof names the kept action it lost.
    let dir = tempfile::tempdir().unwrap();
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}"#,
    );
    let unused = write(dir.path(), "unused.json", S3_UNUSED);
    let out = refine_cmd([&policy], &unused)
        .args(["--keep", "s3:GetObject"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "`--keep s3:GetObject` cannot be honoured",
        ))
        .get_output()
        .clone();
    let doc = stdout_json(&out.stdout);
    let not_action: Vec<String> = match &doc["Statement"][0]["NotAction"] {
        Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
        other => panic!("NotAction {other}"),
    };
    assert_eq!(not_action, ["iam:*", "s3:*"]);
    refine_cmd([&policy], &unused)
        .args(["--keep", "s3:GetObject", "--verify"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("s3:getobject"));
}
