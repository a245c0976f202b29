//! `refine`'s usage sources and opt-outs, through the real binary: Access Analyzer's
//! `get-finding-v2`, IAM Access Advisor reports (with `--unused-after`), observed usage
//! (`--used`), what is refused and how, `--keep` and `--skip-sid`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{bin, example, refine_cmd, refine_used, stdout_json, text, write};
use predicates::prelude::*;
use serde_json::{json, Value};

/// Lambda (one action used, one never, one long ago), S3 (authenticated, no action-level
/// data) and SQS (never authenticated).
const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Lambda", "Effect": "Allow", "Action": ["lambda:InvokeFunction", "lambda:GetFunction", "lambda:CreateFunction"], "Resource": "*"},
  {"Sid": "Buckets", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
  {"Sid": "Queues", "Effect": "Allow", "Action": "sqs:*", "Resource": "*"}
]}"#;

/// `aws iam get-service-last-accessed-details` of an ACTION_LEVEL job for that policy's
/// role, completed on 10 June 2024.
const ADVISOR: &str = r#"{"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL",
 "JobCreationDate": "2024-06-10T00:00:00Z", "JobCompletionDate": "2024-06-10T00:00:05Z",
 "ServicesLastAccessed": [
  {"ServiceName": "AWS Lambda", "ServiceNamespace": "lambda", "LastAuthenticated": "2024-06-09T08:00:00Z",
   "TotalAuthenticatedEntities": 1,
   "TrackedActionsLastAccessed": [
     {"ActionName": "InvokeFunction", "LastAccessedTime": "2024-06-09T08:00:00Z"},
     {"ActionName": "GetFunction"},
     {"ActionName": "CreateFunction", "LastAccessedTime": "2024-03-01T08:00:00Z"}]},
  {"ServiceName": "Amazon S3", "ServiceNamespace": "s3", "LastAuthenticated": "2024-06-02T08:00:00Z",
   "TotalAuthenticatedEntities": 1},
  {"ServiceName": "Amazon SQS", "ServiceNamespace": "sqs", "TotalAuthenticatedEntities": 0}],
 "IsTruncated": false}"#;

fn setup(dir: &Path) -> (PathBuf, PathBuf) {
    (
        write(dir, "policy.json", POLICY),
        write(dir, "advisor.json", ADVISOR),
    )
}

/// Each statement's `Sid` with its actions.
fn actions(doc: &Value) -> Vec<(String, Vec<String>)> {
    doc["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| {
            let list = match &s["Action"] {
                Value::String(a) => vec![a.clone()],
                Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
                other => panic!("Action {other}"),
            };
            (s["Sid"].as_str().unwrap_or_default().to_string(), list)
        })
        .collect()
}

fn sid(name: &str, list: &[&str]) -> (String, Vec<String>) {
    (
        name.to_string(),
        list.iter().map(|s| s.to_string()).collect(),
    )
}

#[test]
fn access_advisor_removes_the_never_used_and_keeps_what_it_does_not_track() {
    let dir = tempfile::tempdir().unwrap();
    let (policy, advisor) = setup(dir.path());
    let out = refine_cmd([&policy], &advisor)
        .args(["--verify"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("proved"))
        .get_output()
        .stdout
        .clone();
    // GetFunction was never used; SQS never authenticated; S3 has no action-level data,
    // so nothing of it is known unused; CreateFunction was used (in March).
    assert_eq!(
        actions(&stdout_json(&out)),
        [
            sid(
                "Lambda",
                &["lambda:InvokeFunction", "lambda:CreateFunction"]
            ),
            sid("Buckets", &["s3:GetObject", "s3:PutObject"]),
        ]
    );
}

#[test]
fn unused_after_counts_what_was_last_used_long_ago() {
    let dir = tempfile::tempdir().unwrap();
    let (policy, advisor) = setup(dir.path());
    let run = |days: &str| {
        let out = refine_cmd([&policy], &advisor)
            .args(["--unused-after", days, "--verify"])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        actions(&stdout_json(&out))
    };
    // Used 101 days before the report.
    assert_eq!(
        run("90")[0],
        sid("Lambda", &["lambda:InvokeFunction"]),
        "CreateFunction is stale after 90 days"
    );
    assert_eq!(
        run("120")[0],
        sid(
            "Lambda",
            &["lambda:InvokeFunction", "lambda:CreateFunction"]
        )
    );
    // S3's last authentication, 8 days before the report, is stale after 7 days: all of
    // S3 is then unused, and so is the statement.
    assert_eq!(
        run("7"),
        [sid("Lambda", &["lambda:InvokeFunction"])],
        "lambda and its InvokeFunction were used the day before"
    );
}

#[test]
fn unused_after_needs_an_access_advisor_report() {
    let dir = tempfile::tempdir().unwrap();
    let (policy, _) = setup(dir.path());
    refine_cmd([&policy], example("unused.json"))
        .args(["--unused-after", "30"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--unused-after applies to an Access Advisor report",
        ));
    let used = write(dir.path(), "used.txt", "s3:GetObject\n");
    refine_used([&policy], &used)
        .args(["--unused-after", "30"])
        .assert()
        .code(2);
}

#[test]
fn used_actions_as_lines_and_as_a_json_array() {
    let dir = tempfile::tempdir().unwrap();
    let (policy, _) = setup(dir.path());
    let lines = write(
        dir.path(),
        "used.txt",
        "# seen in CloudTrail\nlambda:InvokeFunction\n\nS3:GetObject\n",
    );
    let array = write(
        dir.path(),
        "used.json",
        r#"["lambda:invokefunction", "s3:GetObject"]"#,
    );
    for used in [&lines, &array] {
        let out = refine_used([&policy], used)
            .arg("--verify")
            .assert()
            .code(0)
            .stderr(predicate::str::contains("proved"))
            .get_output()
            .stdout
            .clone();
        assert_eq!(
            actions(&stdout_json(&out)),
            [
                sid("Lambda", &["lambda:InvokeFunction"]),
                sid("Buckets", &["s3:GetObject"]),
            ],
            "{}",
            used.display()
        );
    }
    // A wildcard counts every action it matches as used.
    let wildcard = write(dir.path(), "wild.json", r#"["lambda:*", "sqs:Send*"]"#);
    let out = refine_used([&policy], &wildcard)
        .arg("--verify")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let got = actions(&stdout_json(&out));
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].1.len(), 3);
    assert!(
        got[1].1.iter().all(|a| a.starts_with("sqs:Send")),
        "{got:?}"
    );
}

#[test]
fn get_finding_v2_output_is_read_and_names_the_role() {
    let out = refine_cmd([example("policy.json")], example("unused.json"))
        .args(["--format", "recommendation"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let rec = stdout_json(&out);
    assert_eq!(rec["resourceArn"], "arn:aws:iam::123456789012:role/MyRole");
    let doc: Value = serde_json::from_str(
        rec["recommendedSteps"][0]["unusedPermissionsRecommendedStep"]["recommendedPolicy"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        actions(&doc)[0],
        sid("LambdaFunctions", &["lambda:Invoke*"])
    );
}

#[test]
fn an_unrecognised_file_names_itself_and_the_accepted_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let (policy, _) = setup(dir.path());
    for (name, contents) in [
        ("odd.json", r#"{"PolicyVersion": {"VersionId": "v1"}}"#),
        ("prose.txt", "these are not findings\n"),
    ] {
        let file = write(dir.path(), name, contents);
        let out = refine_cmd([&policy], &file)
            .assert()
            .code(1)
            .stdout("")
            .get_output()
            .stderr
            .clone();
        let err = text(&out);
        assert!(err.contains(&file.display().to_string()), "{err}");
        for shape in [
            "get-finding-v2",
            "serviceNamespace",
            "get-service-last-accessed-details",
            "one per line",
        ] {
            assert!(err.contains(shape), "{shape}: {err}");
        }
    }
}

#[test]
fn a_source_given_with_the_wrong_flag_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (policy, advisor) = setup(dir.path());
    let used = write(dir.path(), "used.json", r#"["s3:GetObject"]"#);
    refine_used([&policy], &advisor)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("give it with --unused"));
    refine_cmd([&policy], &used)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("give it with --used"));
}

#[test]
fn used_and_unused_together_or_neither_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let (policy, advisor) = setup(dir.path());
    let used = write(dir.path(), "used.txt", "s3:GetObject\n");
    refine_used([&policy], &used)
        .arg("--unused")
        .arg(&advisor)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("cannot be used with"));
    bin().arg("refine").arg(&policy).assert().code(2);
}

#[test]
fn keep_keeps_an_unused_action_and_the_proof_allows_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:PassRole", "iam:CreateUser", "iam:GetRole"], "Resource": "*"}]}"#,
    );
    let unused = write(
        dir.path(),
        "unused.json",
        r#"[{"serviceNamespace": "iam", "actions": ["PassRole", "CreateUser"]}]"#,
    );
    let refine = |extra: &[&str]| {
        let out = refine_cmd([&policy], &unused)
            .args(extra)
            .args(["--verify"])
            .assert()
            .code(0)
            .stderr(predicate::str::contains("proved"))
            .get_output()
            .stdout
            .clone();
        actions(&stdout_json(&out))[0].1.clone()
    };
    assert_eq!(refine(&[]), ["iam:GetRole"]);
    assert_eq!(
        refine(&["--keep", "iam:passrole"]),
        ["iam:PassRole", "iam:GetRole"]
    );
    refine_cmd([&policy], &unused)
        .args(["--keep", "PassRole"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`--keep PassRole`"));
}

#[test]
fn skip_sid_leaves_the_statement_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let original = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "BreakGlass", "Effect": "Allow", "Action": ["s3:*", "s3:GetObject"],
         "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Sid": "Daily", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    ]});
    let policy = write(
        dir.path(),
        "p.json",
        &serde_json::to_string_pretty(&original).unwrap(),
    );
    let unused = write(
        dir.path(),
        "unused.json",
        r#"[{"serviceNamespace": "s3", "actions": ["GetObject", "PutObject"]}]"#,
    );
    let out = refine_cmd([&policy], &unused)
        // Sids match with case counting, as IAM and the prover compare them.
        .args(["--skip-sid", "Break*"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let refined = stdout_json(&out);
    let statement = |doc: &Value, k: usize| serde_json::to_string(&doc["Statement"][k]).unwrap();
    assert_eq!(statement(&refined, 0), statement(&original, 0));
    let pretty = serde_json::to_string_pretty(&original["Statement"][0])
        .unwrap()
        .replace('\n', "\n    ");
    assert!(
        text(&out).contains(&format!("    {pretty}")),
        "{}",
        text(&out)
    );
    assert_ne!(statement(&refined, 1), statement(&original, 1));
    // The statement left as written still allows the unused s3:GetObject: the prover holds
    // it to "unchanged" instead of "exact", and proves the rest.
    refine_cmd([&policy], &unused)
        .args(["--skip-sid", "Break*", "--verify"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("proved"));
}
