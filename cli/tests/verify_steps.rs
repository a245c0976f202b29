//! `iam-refine verify` on AWS's real recommendation shape: several steps, several policies,
//! several originals; and the opt-outs `--keep` / `--skip-sid` on the prover's side.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{json, Value};

use iam_refine::{refine_with, Catalog, Findings, Policy, RefineOptions};

use common::{bin, example, read, refine_cmd, stdout_json, text, write};

const MY_POLICY: &str = "arn:aws:iam::123456789012:policy/MyPolicy";

/// The example refined by the real binary.
fn refined_by_binary() -> Value {
    let out = refine_cmd([example("policy.json")], example("unused.json"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    stdout_json(&out)
}

/// The example refined by the library with these opt-outs (`refine` on this branch has no
/// `--keep` / `--skip-sid` yet).
fn refined_with(options: &RefineOptions) -> Value {
    let catalog = Catalog::embedded();
    let policy = Policy::parse(&read(&example("policy.json"))).unwrap();
    let findings = Findings::parse(&read(&example("unused.json"))).unwrap();
    let unused = options.resolve(&findings, &catalog);
    let refinement = refine_with(&policy, &unused, options);
    assert!(!refinement.detach);
    refinement.policy.to_value()
}

fn create(id: &str, doc: &Value) -> Value {
    json!({"unusedPermissionsRecommendedStep": {
        "recommendedAction": "CREATE_POLICY",
        "existingPolicyId": id,
        "recommendedPolicy": doc.to_string()}})
}

fn detach(id: &str) -> Value {
    json!({"unusedPermissionsRecommendedStep": {
        "recommendedAction": "DETACH_POLICY",
        "existingPolicyId": id}})
}

fn recommendation(dir: &Path, steps: Vec<Value>) -> PathBuf {
    let rec = json!({
        "recommendationType": "UnusedPermissionRecommendation",
        "resourceArn": "arn:aws:iam::123456789012:role/MyRole",
        "status": "SUCCEEDED",
        "recommendedSteps": steps,
    });
    write(dir, "rec.json", &rec.to_string())
}

/// `verify --refined REFINED --unused examples/unused.json` with these `--original`s.
fn verify(refined: &Path, originals: &[String]) -> Command {
    let mut c = bin();
    c.arg("verify");
    for o in originals {
        c.arg("--original").arg(o);
    }
    c.arg("--refined")
        .arg(refined)
        .arg("--unused")
        .arg(example("unused.json"));
    c
}

fn my_policy() -> String {
    format!("MyPolicy={}", example("policy.json").display())
}

fn legacy() -> String {
    example("LegacyDeploy.json").display().to_string()
}

fn proved_line(id: &str) -> String {
    format!("{id}: proved: exact over ")
}

#[test]
fn create_and_detach_of_one_policy_is_proved() {
    let dir = tempfile::tempdir().unwrap();
    let rec = recommendation(
        dir.path(),
        vec![create(MY_POLICY, &refined_by_binary()), detach(MY_POLICY)],
    );
    for original in [
        my_policy(),
        format!("{MY_POLICY}={}", example("policy.json").display()),
    ] {
        verify(&rec, &[original])
            .assert()
            .code(0)
            .stdout("")
            .stderr(predicate::str::contains(proved_line(MY_POLICY)));
    }
    // One plain --original against a recommendation about one policy, as before.
    verify(&rec, &[example("policy.json").display().to_string()])
        .assert()
        .code(0);
    // --policy-id still selects.
    verify(&rec, &[my_policy()])
        .args(["--policy-id", "MyPolicy"])
        .assert()
        .code(0);
    // Split into two policies (as for IAM's size quota): their statements together.
    let whole = refined_by_binary();
    let part = |i: usize| {
        let mut doc = whole.clone();
        doc["Statement"] = json!([whole["Statement"][i].clone()]);
        doc
    };
    let split = recommendation(
        dir.path(),
        vec![
            create(MY_POLICY, &part(0)),
            create(MY_POLICY, &part(1)),
            detach(MY_POLICY),
        ],
    );
    verify(&split, &[my_policy()]).assert().code(0).stderr(
        predicate::str::contains(proved_line(MY_POLICY))
            .and(predicate::str::contains("warning").not()),
    );
    let half = recommendation(
        dir.path(),
        vec![create(MY_POLICY, &part(1)), detach(MY_POLICY)],
    );
    verify(&half, &[my_policy()])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "statement dropped with kept actions",
        ));
    // A CREATE_POLICY step without DETACH_POLICY leaves the original attached, with its
    // unused actions: refuted (cli/tests/verify_recs.rs has the rest).
    let alone = recommendation(dir.path(), vec![create(MY_POLICY, &whole)]);
    verify(&alone, &[my_policy()])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "CREATE_POLICY without DETACH_POLICY",
        ));
}

#[test]
fn a_tampered_create_document_is_refuted_with_its_witness() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = refined_by_binary();
    bad["Statement"][1]["Action"]
        .as_array_mut()
        .unwrap()
        .push(json!("s3:GetBucketPolicy"));
    let rec = recommendation(dir.path(), vec![create(MY_POLICY, &bad), detach(MY_POLICY)]);
    verify(&rec, &[my_policy()])
        .assert()
        .code(3)
        .stdout("s3:getbucketpolicy\n")
        .stderr(predicate::str::contains(format!(
            "{MY_POLICY}: counterexample to T3 (no unused action)"
        )));
}

#[test]
fn two_policies_are_each_verified_and_the_worst_exit_wins() {
    // The README's fixture: both proved.
    verify(&example("recommendation.json"), &[my_policy(), legacy()])
        .assert()
        .code(0)
        .stderr(
            predicate::str::contains(proved_line(MY_POLICY))
                .and(predicate::str::contains(proved_line("LegacyDeploy"))),
        );
    // MyPolicy's document tampered with: exit 3, LegacyDeploy still reported proved.
    let dir = tempfile::tempdir().unwrap();
    let mut bad = refined_by_binary();
    bad["Statement"][0]["Action"] = json!(["lambda:*"]);
    let rec = recommendation(
        dir.path(),
        vec![
            create(MY_POLICY, &bad),
            detach(MY_POLICY),
            detach("LegacyDeploy"),
        ],
    );
    let out = verify(&rec, &[my_policy(), legacy()])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{MY_POLICY}: counterexample to ")),
        "{err}"
    );
    assert!(err.contains(&proved_line("LegacyDeploy")), "{err}");
    assert!(
        text(&out.stdout).starts_with("lambda:"),
        "{}",
        text(&out.stdout)
    );
    // The other way round: the inline policy is refuted, MyPolicy proved.
    let rec = recommendation(
        dir.path(),
        vec![
            create(MY_POLICY, &refined_by_binary()),
            detach(MY_POLICY),
            detach("LegacyDeploy"),
        ],
    );
    let used = write(
        dir.path(),
        "LegacyDeploy.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]})
        .to_string(),
    );
    let out = verify(&rec, &[my_policy(), used.display().to_string()])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let err = text(&out.stderr);
    assert!(err.contains(&proved_line(MY_POLICY)), "{err}");
    assert!(err.contains("LegacyDeploy: counterexample to "), "{err}");
}

#[test]
fn every_policy_needs_its_original_and_every_original_its_policy() {
    let rec = example("recommendation.json");
    verify(&rec, &[my_policy()])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "no --original for policy `LegacyDeploy` (given: --original MyPolicy=",
        ));
    verify(&rec, &[legacy()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "no --original for policy `{MY_POLICY}`"
        )));
    let other = format!("Other={}", example("policy.json").display());
    verify(&rec, &[my_policy(), legacy(), other])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("`--original Other=")
                .and(predicate::str::contains("no step of")),
        );
    // A plain policy document is checked against one original only.
    verify(&example("broken.json"), &[my_policy(), legacy()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("give one --original, not 2"));
    // Malformed --original values are usage errors.
    for bad in ["=x.json", "MyPolicy="] {
        verify(&rec, &[bad.to_string()]).assert().code(2);
    }
    verify(&rec, &[my_policy(), my_policy()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("both stand for policy `MyPolicy`"));
}

#[test]
fn detach_only_is_proved_only_when_nothing_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let rec = recommendation(dir.path(), vec![detach("LegacyDeploy")]);
    verify(&rec, &[legacy()])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(proved_line("LegacyDeploy")));
    let rec = recommendation(dir.path(), vec![detach(MY_POLICY)]);
    verify(&rec, &[my_policy()])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!(
            "{MY_POLICY}: counterexample to statement dropped with kept actions"
        )));
}

#[test]
fn skip_sid_proves_a_statement_left_as_written_and_refutes_an_edited_one() {
    let dir = tempfile::tempdir().unwrap();
    let options = RefineOptions::new().skip_sid("Lambda*").unwrap();
    let kept = refined_with(&options);
    // The refiner did leave it as written: its unused actions are still there.
    assert_eq!(
        kept["Statement"][0],
        stdout_json(read(&example("policy.json")).as_bytes())["Statement"][0]
    );
    let good = recommendation(
        dir.path(),
        vec![create(MY_POLICY, &kept), detach(MY_POLICY)],
    );
    verify(&good, &[my_policy()])
        .args(["--skip-sid", "Lambda*"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(proved_line(MY_POLICY)));
    // Without the opt-out its unused actions refute it.
    verify(&good, &[my_policy()])
        .assert()
        .code(3)
        .stdout(predicate::str::starts_with("lambda:"));
    // The kept statement edited.
    let mut edited = kept.clone();
    edited["Statement"][0]["Action"]
        .as_array_mut()
        .unwrap()
        .push(json!("lambda:PublishVersion"));
    let bad = recommendation(
        dir.path(),
        vec![create(MY_POLICY, &edited), detach(MY_POLICY)],
    );
    verify(&bad, &[my_policy()])
        .args(["--skip-sid", "Lambda*"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "counterexample to statement left as written changed: original statement 1 (Sid `LambdaFunctions`",
        ));
    // As a plain policy file too.
    let plain = write(dir.path(), "edited.json", &edited.to_string());
    let mut c = bin();
    c.args(["verify", "--original"])
        .arg(example("policy.json"))
        .arg("--refined")
        .arg(&plain)
        .arg("--unused")
        .arg(example("unused.json"))
        .args(["--skip-sid", "LambdaFunctions"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("Sid `LambdaFunctions`"));
    // A pattern no statement has, or an empty one.
    verify(&good, &[my_policy()])
        .args(["--skip-sid", "lambda*"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--skip-sid `lambda*` matches no statement",
        ));
    verify(&good, &[my_policy()])
        .args(["--skip-sid", ""])
        .assert()
        .code(2);
}

#[test]
fn keep_proves_a_refinement_that_kept_a_kept_action() {
    let dir = tempfile::tempdir().unwrap();
    let options = RefineOptions::new().keep("s3:GetBucketPolicy").unwrap();
    let kept = refined_with(&options);
    assert!(kept.to_string().contains("s3:GetBucketPolicy"), "{kept}");
    let rec = recommendation(
        dir.path(),
        vec![create(MY_POLICY, &kept), detach(MY_POLICY)],
    );
    verify(&rec, &[my_policy()])
        .args(["--keep", "s3:GetBucketPolicy"])
        .assert()
        .code(0);
    verify(&rec, &[my_policy()])
        .args(["--keep", "s3:GetBucket*"])
        .assert()
        .code(3);
    verify(&rec, &[my_policy()])
        .assert()
        .code(3)
        .stdout("s3:getbucketpolicy\n");
    verify(&rec, &[my_policy()])
        .args(["--keep", "GetBucketPolicy"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`--keep GetBucketPolicy`"));
}

#[test]
fn an_unfinished_recommendation_gives_aws_error() {
    let dir = tempfile::tempdir().unwrap();
    let pending = write(
        dir.path(),
        "pending.json",
        &json!({"recommendationType": "UnusedPermissionRecommendation",
                "resourceArn": "arn:aws:iam::123456789012:role/MyRole",
                "status": "IN_PROGRESS"})
        .to_string(),
    );
    verify(&pending, &[my_policy()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the recommendation has status IN_PROGRESS, not SUCCEEDED",
        ));
    let failed = write(
        dir.path(),
        "failed.json",
        &json!({"recommendationType": "UnusedPermissionRecommendation",
                "status": "FAILED",
                "error": {"code": "SERVICE_ERROR", "message": "Service error. Try again."}})
        .to_string(),
    );
    verify(&failed, &[my_policy()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "status FAILED, not SUCCEEDED: SERVICE_ERROR: Service error. Try again.",
        ));
}

#[test]
fn a_policy_the_prover_cannot_judge_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let stmt = json!({"Sid": "Deploy", "Effect": "Allow", "Action": ["lambda:CreateFunction"], "Resource": "*"});
    let twice = write(
        dir.path(),
        "LegacyDeploy.json",
        &json!({"Version": "2012-10-17", "Statement": [stmt.clone(), stmt]}).to_string(),
    );
    let out = verify(
        &example("recommendation.json"),
        &[my_policy(), twice.display().to_string()],
    )
    .args(["--skip-sid", "Deploy"])
    .assert()
    .code(1)
    .get_output()
    .clone();
    let err = text(&out.stderr);
    assert!(err.contains(&proved_line(MY_POLICY)), "{err}");
    assert!(
        err.contains("LegacyDeploy: sid `Deploy` is on original statements 1 and 2"),
        "{err}"
    );
}
