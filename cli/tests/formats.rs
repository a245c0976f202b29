//! `refine --format`, `--color`, `--compact` and `--fit-quota`, through the real binary:
//! what each format prints and writes, that a recommendation's policy proves with
//! `iam-refine verify`, and that a corpus policy refined over IAM's quota is split into
//! documents that each fit and together prove.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{bin, example, read, refine_cmd, stdout_json, text, write};
use predicates::prelude::*;
use serde_json::Value;

/// IAM's count: characters of the compact JSON without whitespace (no policy of these has
/// whitespace inside a string).
fn iam_size(doc: &Value) -> usize {
    serde_json::to_string(doc)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

fn example_refine() -> assert_cmd::Command {
    refine_cmd([example("policy.json")], example("unused.json"))
}

#[test]
fn diff_shows_only_the_real_changes() {
    let out = example_refine()
        .args(["--format", "diff"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let diff = text(&out);
    let name = example("policy.json").display().to_string();
    assert!(
        diff.starts_with(&format!("--- a/{name}\n+++ b/{name}\n@@ ")),
        "{diff}"
    );
    assert!(diff.contains("\n-        \"s3:Get*\",\n"), "{diff}");
    assert!(diff.contains("\n+        \"s3:GetObject*\",\n"), "{diff}");
    assert!(
        diff.contains("\n-        \"lambda:AddPermission\",\n"),
        "{diff}"
    );
    // Context lines are the original's, unchanged.
    assert!(diff.contains("\n         \"lambda:Invoke*\"\n"), "{diff}");
    assert!(
        !diff.contains("\"Version\": "),
        "unchanged keys are no change: {diff}"
    );
    assert!(!diff.contains('\u{1b}'), "not a terminal: no colour");
}

#[test]
fn color_always_colours_never_and_no_color_do_not() {
    let run = |color: &str, no_color: Option<&str>| {
        let mut c = example_refine();
        c.args(["--format", "diff", "--color", color]);
        match no_color {
            Some(v) => c.env("NO_COLOR", v),
            None => c.env_remove("NO_COLOR"),
        };
        text(&c.assert().code(0).get_output().stdout)
    };
    let red_removal = "\u{1b}[31m-        \"s3:Get*\",";
    let coloured = run("always", None);
    assert!(coloured.contains(red_removal), "{coloured}");
    assert!(coloured.contains("\u{1b}[32m+"), "{coloured}");
    assert!(
        run("always", Some("1")).contains(red_removal),
        "always wins"
    );
    let plain = run("never", None);
    assert!(!plain.contains('\u{1b}'));
    assert_eq!(run("auto", Some("1")), plain);
    assert_eq!(run("auto", None), plain, "stdout is not a terminal");
}

#[test]
fn recommendation_has_aws_shape_and_its_policy_proves() {
    let dir = tempfile::tempdir().unwrap();
    let out = example_refine()
        .args(["--format", "recommendation"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let rec = stdout_json(&out);
    assert_eq!(rec["recommendationType"], "UnusedPermissionRecommendation");
    assert_eq!(rec["status"], "SUCCEEDED");
    let steps: Vec<&Value> = rec["recommendedSteps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["unusedPermissionsRecommendedStep"])
        .collect();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["recommendedAction"], "CREATE_POLICY");
    assert_eq!(steps[1]["recommendedAction"], "DETACH_POLICY");
    for s in &steps {
        assert_eq!(s["existingPolicyId"], "policy", "the file's stem");
    }
    assert!(steps[1].get("recommendedPolicy").is_none());
    let policy = write(
        dir.path(),
        "recommended.json",
        steps[0]["recommendedPolicy"].as_str().unwrap(),
    );
    bin()
        .arg("verify")
        .arg("--original")
        .arg(example("policy.json"))
        .arg("--refined")
        .arg(&policy)
        .arg("--unused")
        .arg(example("unused.json"))
        .assert()
        .code(0)
        .stderr(predicate::str::contains("proved"));
}

#[test]
fn recommendation_of_an_inline_policy_names_it_and_a_policy_to_detach_is_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let inline = write(
        dir.path(),
        "inline.json",
        r#"{"RoleName": "MyRole", "PolicyName": "QueueAccess", "PolicyDocument": {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}}}"#,
    );
    let unused = write(
        dir.path(),
        "unused.json",
        r#"[{"serviceNamespace": "sqs"}]"#,
    );
    let out = refine_cmd([&inline], &unused)
        .args(["--format", "recommendation", "--verify"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("proved"))
        .get_output()
        .stdout
        .clone();
    let rec = stdout_json(&out);
    assert!(
        rec.get("resourceArn").is_none(),
        "the findings name no role"
    );
    assert_eq!(
        rec["recommendedSteps"],
        serde_json::json!([{"unusedPermissionsRecommendedStep": {
            "recommendedAction": "DETACH_POLICY", "existingPolicyId": "QueueAccess"}}])
    );
}

#[test]
fn json_summary_parses_and_carries_the_verdict() {
    let out = example_refine()
        .args(["--format", "json", "--verify"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let summary = stdout_json(&out);
    assert_eq!(summary["status"], "refined");
    assert_eq!(summary["stats"]["entriesBefore"], 11);
    assert_eq!(summary["stats"]["entriesRemoved"], 8);
    assert_eq!(summary["stats"]["actionsRemoved"], 30);
    assert_eq!(summary["stats"]["actionsRemovedByAccessLevel"]["Read"], 24);
    assert_eq!(summary["sizes"]["before"], 490);
    assert_eq!(summary["sizes"]["after"], 452);
    assert_eq!(summary["sizes"]["quota"], 6144);
    assert_eq!(summary["verdict"]["result"], "proved");
    assert_eq!(summary["warnings"], serde_json::json!([]));
    let docs = summary["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 1);
    // The same document `--format policy` prints.
    let policy = example_refine()
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(docs[0], stdout_json(&policy));
    assert_eq!(iam_size(&docs[0]), 452);
}

#[test]
fn compact_is_one_line() {
    for format in ["policy", "recommendation", "json"] {
        let out = example_refine()
            .args(["--format", format, "--compact"])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let t = text(&out);
        assert_eq!(t.matches('\n').count(), 1, "{format}: {t}");
        assert!(t.ends_with("}\n"));
        stdout_json(&out);
    }
}

#[test]
fn output_dir_files_follow_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    example_refine()
        .arg("--output-dir")
        .arg(&out)
        .args(["--format", "diff", "--color", "always"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("wrote 1 diffs"));
    let diff = read(&out.join("policy.diff"));
    assert!(diff.starts_with("--- a/"), "{diff}");
    assert!(!diff.contains('\u{1b}'), "files are never coloured");
    assert!(!out.join("policy.json").exists());
    example_refine()
        .arg("--output-dir")
        .arg(&out)
        .args(["--format", "json"])
        .assert()
        .code(0);
    let summary: Value = serde_json::from_str(&read(&out.join("policy.json"))).unwrap();
    assert_eq!(summary["status"], "refined");
}

/// A corpus policy whose refinement is over the managed-policy quota: AWS's
/// `AWSElasticBeanstalkRoleCore`, with every second action of each of its wildcards unused
/// (`cli/tests/data/beanstalk-core-unused.json`).
fn over_quota(dir: &Path) -> (PathBuf, PathBuf) {
    let corpus =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/aws-managed-policies.jsonl");
    let line = read(&corpus)
        .lines()
        .find(|l| l.contains("\"name\":\"AWSElasticBeanstalkRoleCore\""))
        .expect("the policy is in the corpus")
        .to_string();
    let row: Value = serde_json::from_str(&line).unwrap();
    let policy = write(dir, "beanstalk.json", &row["policy"].to_string());
    let unused =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/beanstalk-core-unused.json");
    (policy, unused)
}

fn documents(stdout: &[u8]) -> Vec<Value> {
    serde_json::Deserializer::from_slice(stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .expect("JSON documents one after another")
}

#[test]
fn fit_quota_splits_an_over_quota_policy_into_documents_that_fit_and_prove() {
    let dir = tempfile::tempdir().unwrap();
    let (policy, unused) = over_quota(dir.path());
    // Without --fit-quota: one document, over the quota, with a warning.
    let out = refine_cmd([&policy], &unused)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("over the 6,144-character quota"))
        .get_output()
        .stdout
        .clone();
    let single = documents(&out);
    assert_eq!(single.len(), 1);
    assert!(iam_size(&single[0]) > 6144);

    let out = refine_cmd([&policy], &unused)
        .args(["--fit-quota", "--verify"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("split into"))
        .stderr(predicate::str::contains("proved"))
        .stderr(predicate::str::contains("over the").not())
        .get_output()
        .stdout
        .clone();
    let parts = documents(&out);
    assert!(parts.len() >= 2, "{} documents", parts.len());
    for p in &parts {
        assert!(iam_size(p) <= 6144, "{}", iam_size(p));
    }

    // The same documents as files, p.json, p-2.json, ...; a later run with fewer parts
    // removes the stale ones.
    let out_dir = dir.path().join("out");
    refine_cmd([&policy], &unused)
        .arg("--fit-quota")
        .arg("--output-dir")
        .arg(&out_dir)
        .assert()
        .code(0);
    for (k, p) in parts.iter().enumerate() {
        let name = if k == 0 {
            "beanstalk.json".to_string()
        } else {
            format!("beanstalk-{}.json", k + 1)
        };
        let written: Value = serde_json::from_str(&read(&out_dir.join(&name))).unwrap();
        assert_eq!(&written, p, "{name}");
    }
    let empty = write(dir.path(), "none.json", "[]");
    refine_cmd([&policy], &empty)
        .arg("--fit-quota")
        .arg("--output-dir")
        .arg(&out_dir)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "beanstalk-2.json: last run's refined policy",
        ));
    assert!(!out_dir.join("beanstalk-2.json").exists());

    // In a diff, later parts are new files.
    let out = refine_cmd([&policy], &unused)
        .args(["--fit-quota", "--format", "diff"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let diff = text(&out);
    assert!(diff.contains("--- /dev/null\n+++ b/"), "{diff}");
    assert!(diff.contains("beanstalk-2.json\n"));
}

#[test]
fn an_undecided_json_summary_says_so_and_holds_no_document() {
    let dir = tempfile::tempdir().unwrap();
    // Asked of Z3 alone (the automata, which decide it first by default, spend no resource
    // units), a NotAction refinement with infix patterns needs a symbolic query, which a
    // resource limit of 1 cuts off on every machine: the verdict is unknown.
    let policy = write(
        dir.path(),
        "na.json",
        r#"{"Statement": [{"Effect": "Allow", "NotAction": ["iam:*Role*", "*session*"], "Resource": "*"}]}"#,
    );
    let unused = write(
        dir.path(),
        "u.json",
        r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}]"#,
    );
    let out = refine_cmd([&policy], &unused)
        .args(["--format", "json", "--verify", "--rlimit", "1"])
        .env("IAM_REFINE_SOLVER", "z3")
        .assert()
        .code(4)
        .get_output()
        .stdout
        .clone();
    let summary = stdout_json(&out);
    assert_eq!(summary["status"], "not-proved");
    assert_eq!(summary["verdict"]["result"], "unknown");
    assert_eq!(summary["documents"], serde_json::json!([]));
    assert_eq!(summary["sizes"]["documents"], serde_json::json!([]));
}
