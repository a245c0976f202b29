//! `iam-refine verify` and `refine --verify`, end to end (handed over to `iam-refine-prover`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{json, Value};

use common::{bin, example, refine_cmd, stdout_json, write};

fn refined_example(dir: &Path) -> (PathBuf, Value) {
    let out = refine_cmd([example("policy.json")], example("unused.json"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = stdout_json(&out);
    (write(dir, "refined.json", &v.to_string()), v)
}

fn verify_cmd(refined: &Path) -> Command {
    let mut c = bin();
    c.arg("verify")
        .arg("--original")
        .arg(example("policy.json"))
        .arg("--refined")
        .arg(refined)
        .arg("--unused")
        .arg(example("unused.json"));
    c
}

#[test]
fn refine_verify_prints_only_proved_policies() {
    refine_cmd([example("policy.json")], example("unused.json"))
        .arg("--verify")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"lambda:Invoke*\""))
        .stderr(predicate::str::is_match(
            r"proved: exact over 22,\d{3} catalog actions; contained over all strings \(\d+\.\d\d s\)",
        ).expect("regex"));
}

#[test]
fn verify_proves_a_right_refinement_and_refutes_broken_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (good, v) = refined_example(dir.path());
    verify_cmd(&good)
        .assert()
        .code(0)
        .stdout("")
        .stderr(predicate::str::contains("proved: exact over"));

    let mutate = |name: &str, f: &dyn Fn(&mut Value)| {
        let mut bad = v.clone();
        f(&mut bad);
        write(dir.path(), name, &bad.to_string())
    };
    let push = |v: &mut Value, stmt: usize, action: &str| {
        v["Statement"][stmt]["Action"]
            .as_array_mut()
            .expect("array")
            .push(json!(action));
    };
    // An unused action added back, in another casing: the witness is that action.
    let bad = mutate("added.json", &|v| push(v, 1, "S3:getBucketPolicy"));
    verify_cmd(&bad)
        .assert()
        .code(3)
        .stdout("s3:getbucketpolicy\n")
        .stderr(predicate::str::contains("counterexample to T"));
    // A kept action dropped.
    let bad = mutate("dropped.json", &|v| {
        v["Statement"][1]["Action"]
            .as_array_mut()
            .expect("array")
            .retain(|a| a != "s3:GetJobTagging");
    });
    verify_cmd(&bad)
        .assert()
        .code(3)
        .stdout("s3:getjobtagging\n")
        .stderr(predicate::str::contains("T1 (exactness over the catalog)"));
    // A wildcard widened beyond the original.
    let bad = mutate("widened.json", &|v| {
        let list = v["Statement"][1]["Action"].as_array_mut().expect("array");
        list.retain(|a| a != "s3:List*");
        list.push(json!("s3:L*"));
    });
    let out = verify_cmd(&bad)
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let witness = String::from_utf8(out).expect("utf-8");
    assert!(
        witness.starts_with("s3:l") && !witness.starts_with("s3:list"),
        "{witness}"
    );
    // A new service.
    let bad = mutate("newservice.json", &|v| push(v, 0, "ec2:*"));
    let out = verify_cmd(&bad)
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(out).expect("utf-8").starts_with("ec2:"));
}

#[test]
fn verify_reads_access_analyzer_recommendations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, v) = refined_example(dir.path());
    let rec = json!({
        "recommendationType": "UnusedPermissionRecommendation",
        "resourceArn": "arn:aws:iam::123456789012:role/MyRole",
        "status": "SUCCEEDED",
        "recommendedSteps": [
            {"unusedPermissionsRecommendedStep": {
                "recommendedAction": "CREATE_POLICY",
                "recommendedPolicy": v.to_string(),
                "existingPolicyId": "arn:aws:iam::123456789012:policy/MyPolicy"}},
            {"unusedPermissionsRecommendedStep": {
                "recommendedAction": "DETACH_POLICY",
                "existingPolicyId": "arn:aws:iam::123456789012:policy/MyPolicy"}},
            {"unusedPermissionsRecommendedStep": {
                "recommendedAction": "DETACH_POLICY",
                "existingPolicyId": "arn:aws:iam::123456789012:policy/Other"}}
        ]
    });
    let rec = write(dir.path(), "rec.json", &rec.to_string());
    verify_cmd(&rec)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
        "no --original for policy `arn:aws:iam::123456789012:policy/MyPolicy` (given: --original ",
    ));
    verify_cmd(&rec)
        .args(["--policy-id", "MyPolicy"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("proved"));
    // Detaching a policy that still has used actions is refuted.
    verify_cmd(&rec)
        .args(["--policy-id", "arn:aws:iam::123456789012:policy/Other"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "no counterpart in the refined policy",
        ));
}

#[test]
fn verify_unknown_is_exit_4_and_never_proved() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The refined Deny statement adds a redundant infix pattern: the same language, but
    // proving so takes a symbolic query, which a resource limit of 1 cuts off on every
    // machine when Z3 alone is asked (a time limit would depend on the machine's speed; the
    // automata, asked first by default, spend no resource units).
    let original = write(
        dir.path(),
        "o.json",
        r#"{"Statement": [{"Effect": "Deny", "Action": ["*resource", "*session*"], "Resource": "*"}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
    );
    let refined = write(
        dir.path(),
        "r.json",
        r#"{"Statement": [{"Effect": "Deny", "Action": ["*session*", "*resource", "*sessionresource"], "Resource": "*"}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
    );
    let unused = write(dir.path(), "u.json", "[]");
    let run = |limit: &[&str]| {
        let mut c = bin();
        c.arg("verify")
            .arg("--original")
            .arg(&original)
            .arg("--refined")
            .arg(&refined)
            .arg("--unused")
            .arg(&unused)
            .args(limit)
            .env("IAM_REFINE_SOLVER", "z3");
        c
    };
    let out = run(&["--rlimit", "1"])
        .assert()
        .code(4)
        .stdout("")
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).expect("utf-8");
    assert!(
        err.contains("unknown: the solver could not decide"),
        "{err}"
    );
    assert!(!err.contains("proved"), "{err}");
    run(&[])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("proved"));
}

#[test]
fn verify_judges_a_refined_file_with_no_statement() {
    // The refiner refuses a policy without statements; the prover judges it as written (a
    // policy with no statement allows nothing: fine only when everything was unused).
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = write(
        dir.path(),
        "empty.json",
        r#"{"Version": "2012-10-17", "Statement": []}"#,
    );
    verify_cmd(&empty)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "statement dropped with kept actions",
        ));
    let original = write(
        dir.path(),
        "o.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}"#,
    );
    let unused = write(dir.path(), "u.json", r#"[{"serviceNamespace": "sqs"}]"#);
    bin()
        .arg("verify")
        .arg("--original")
        .arg(&original)
        .arg("--refined")
        .arg(&empty)
        .arg("--unused")
        .arg(&unused)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("proved"));
}

#[test]
fn verify_refuses_a_policy_that_embeds_a_recommendation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, v) = refined_example(dir.path());
    // Its own statements allow everything; the embedded recommendation is right.
    let both = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        "recommendedSteps": [{"unusedPermissionsRecommendedStep": {
            "recommendedAction": "CREATE_POLICY",
            "recommendedPolicy": v.to_string(),
            "existingPolicyId": "arn:aws:iam::123456789012:policy/MyPolicy"}}]
    });
    let both = write(dir.path(), "both.json", &both.to_string());
    verify_cmd(&both)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "both `Statement` and `recommendedSteps`",
        ))
        .stderr(predicate::str::contains("both.json"));
    // The same ambiguity in the original.
    bin()
        .arg("verify")
        .arg("--original")
        .arg(&both)
        .arg("--refined")
        .arg(example("policy.json"))
        .arg("--unused")
        .arg(example("unused.json"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "both `Statement` and `recommendedSteps`",
        ));
}

#[test]
fn verify_reports_an_unfinished_recommendation_with_aws_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let failed = write(
        dir.path(),
        "failed.json",
        &json!({
            "recommendationType": "UnusedPermissionRecommendation",
            "resourceArn": "arn:aws:iam::123456789012:role/MyRole",
            "startedAt": "2024-11-01T00:00:00Z",
            "status": "FAILED",
            "error": {"code": "ServiceError", "message": "Internal failure while generating"}
        })
        .to_string(),
    );
    verify_cmd(&failed)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("FAILED"))
        .stderr(predicate::str::contains("ServiceError"))
        .stderr(predicate::str::contains(
            "Internal failure while generating",
        ))
        .stderr(predicate::str::contains("expected an IAM policy document").not());
    let pending = write(
        dir.path(),
        "pending.json",
        &json!({
            "recommendationType": "UnusedPermissionRecommendation",
            "resourceArn": "arn:aws:iam::123456789012:role/MyRole",
            "startedAt": "2024-11-01T00:00:00Z",
            "status": "IN_PROGRESS"
        })
        .to_string(),
    );
    verify_cmd(&pending)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("IN_PROGRESS"))
        .stderr(predicate::str::contains("pending.json"))
        .stderr(predicate::str::contains("expected an IAM policy document").not());
}

#[test]
fn refine_verify_proves_the_document_it_prints() {
    // Values the refiner must carry through untouched; the proof is of the printed text.
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"Version": "2012-10-17", "Id": "x", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": {"NumericLessThan": {"s3:max-keys": 100000000000000000000001, "a:b": 1.00000000000000000001, "c:d": 1e3}}}]}"#,
    );
    let unused = write(
        dir.path(),
        "u.json",
        r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}]"#,
    );
    let out = refine_cmd([&policy], &unused)
        .arg("--verify")
        .assert()
        .success()
        .stderr(predicate::str::contains("p.json: proved"))
        .get_output()
        .stdout
        .clone();
    let printed = String::from_utf8(out).expect("utf-8");
    for literal in [
        "100000000000000000000001",
        "1.00000000000000000001",
        "\"c:d\": 1e3",
        "\"Id\": \"x\"",
    ] {
        assert!(printed.contains(literal), "{literal} in {printed}");
    }
    // And `verify` agrees on the file as printed.
    let refined = write(dir.path(), "r.json", &printed);
    bin()
        .arg("verify")
        .arg("--original")
        .arg(&policy)
        .arg("--refined")
        .arg(&refined)
        .arg("--unused")
        .arg(&unused)
        .assert()
        .code(0);
}

#[test]
fn refine_verify_proves_a_policy_to_detach() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:*", "sns:Publish"], "Resource": "*"}]}"#,
    );
    let unused = write(
        dir.path(),
        "u.json",
        r#"[{"serviceNamespace": "sqs"}, {"serviceNamespace": "sns", "actions": ["Publish"]}]"#,
    );
    refine_cmd([&policy], &unused)
        .arg("--verify")
        .assert()
        .code(5)
        .stdout("")
        .stderr(predicate::str::contains("detach this policy"))
        .stderr(predicate::str::contains("p.json: proved"));
}

#[test]
fn refine_verify_reads_the_original_file_itself() {
    // A reader of `Statement` and a reader of the envelope would judge different policies:
    // the file is refused (by the strict reader, before the refiner or the prover see it).
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}],
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}"#,
    );
    let unused = write(
        dir.path(),
        "u.json",
        r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}]"#,
    );
    refine_cmd([&policy], &unused)
        .arg("--verify")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("p.json:"))
        .stderr(predicate::str::contains(
            "both `Statement` and `PolicyDocument`",
        ));
}
