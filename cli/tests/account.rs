//! `iam-refine account` through the real binary, on the account in
//! `iam-refine/testdata/account` (two export pages, findings as a folder and as JSON lines)
//! and on accounts these tests build from it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};

use common::{bin, read, text, write};

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../iam-refine/testdata/account")
        .join(name)
}

fn auth() -> PathBuf {
    testdata("authorization-details.json")
}

fn account(auth: &Path, findings: &Path) -> Command {
    let mut c = bin();
    c.arg("account").arg(auth).arg("--findings").arg(findings);
    c
}

/// Every file of a folder, by name, with its contents.
fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                read(&p),
            )
        })
        .collect()
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).expect("JSON")
}

fn steps(rec: &Value) -> Vec<&Value> {
    rec["recommendedSteps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["unusedPermissionsRecommendedStep"])
        .collect()
}

/// The testdata account with one more role, `Broken`, whose inline document is not JSON,
/// and a finding for it; written to `dir`.
fn with_broken_role(dir: &Path) -> (PathBuf, PathBuf) {
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
fn many_roles(dir: &Path, roles: usize) -> (PathBuf, PathBuf) {
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
            json!([{"unusedPermissionDetails": {"serviceNamespace": a}},
                   {"unusedPermissionDetails": {"serviceNamespace": b}}])
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

#[test]
fn writes_one_recommendation_per_principal_in_aws_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = account(&auth(), &testdata("findings"))
        .arg("--output-dir")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(run.stdout.is_empty(), "{}", text(&run.stdout));
    let written = files(&out);
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        ["EC2role.json", "OldBatch.json", "alice.json"]
    );
    let ec2 = json_of(&written["EC2role.json"]);
    assert_eq!(ec2["resourceArn"], "arn:aws:iam::123456789012:role/EC2role");
    assert_eq!(ec2["recommendationType"], "UnusedPermissionRecommendation");
    let steps = steps(&ec2);
    assert!(!steps.is_empty());
    let mut created = 0;
    for step in &steps {
        let action = step["recommendedAction"].as_str().unwrap();
        assert!(
            ["CREATE_POLICY", "DETACH_POLICY"].contains(&action),
            "{step}"
        );
        assert!(step["existingPolicyId"].is_string(), "{step}");
        if action == "CREATE_POLICY" {
            created += 1;
            let doc = json_of(step["recommendedPolicy"].as_str().unwrap());
            assert!(doc["Statement"].is_array(), "{doc}");
        }
    }
    assert!(created >= 2, "{ec2}");
    // An inline policy is named, a managed one by its ARN; each replaced one is detached.
    let ids: Vec<&str> = steps
        .iter()
        .map(|s| s["existingPolicyId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"LogsWriter"), "{ids:?}");
    assert!(ids.contains(&"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"));
    let logs = steps
        .iter()
        .find(|s| {
            s["existingPolicyId"] == "LogsWriter" && s["recommendedAction"] == "CREATE_POLICY"
        })
        .unwrap();
    let doc = json_of(logs["recommendedPolicy"].as_str().unwrap());
    let actions = doc["Statement"][0]["Action"].to_string();
    assert!(!actions.contains("logs:CreateLogGroup"), "{actions}");
    assert!(actions.contains("logs:PutLogEvents"), "{actions}");
    let err = text(&run.stderr);
    assert!(err.contains("wrote 3 recommendations"), "{err}");
    assert!(err.contains("principals: 3 (2 refined"), "{err}");
}

#[test]
fn an_unused_role_is_to_be_deleted_not_refined() {
    let tmp = tempfile::tempdir().unwrap();
    let run = account(&auth(), &testdata("findings.jsonl"))
        .arg("-o")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let old = json_of(&read(&tmp.path().join("OldBatch.json")));
    assert_eq!(
        old["iamRefine"]["recommendedAction"], "DELETE_ROLE",
        "{old}"
    );
    assert_eq!(old["iamRefine"]["status"], "delete role");
    assert!(steps(&old).is_empty(), "{old}");
    assert!(text(&run.stderr).contains("1 roles to delete"));
}

#[test]
fn a_folder_and_json_lines_give_the_same_recommendations() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (findings, out) in [(testdata("findings"), &a), (testdata("findings.jsonl"), &b)] {
        account(&auth(), &findings)
            .arg("-o")
            .arg(out)
            .assert()
            .success();
    }
    assert_eq!(files(&a), files(&b));
    // --compact writes the same recommendations minified.
    let c = tmp.path().join("c");
    account(&auth(), &testdata("findings"))
        .args(["--compact", "-o"])
        .arg(&c)
        .assert()
        .success();
    for (name, contents) in files(&c) {
        assert_eq!(contents.lines().count(), 1, "{name}");
        assert_eq!(json_of(&contents), json_of(&files(&a)[&name]));
    }
}

#[test]
fn without_output_dir_recommendations_are_json_lines() {
    let run = account(&auth(), &testdata("findings.jsonl"))
        .output()
        .unwrap();
    assert!(run.status.success());
    let lines: Vec<Value> = text(&run.stdout).lines().map(json_of).collect();
    let principals: Vec<&str> = lines
        .iter()
        .map(|l| l["principal"].as_str().unwrap())
        .collect();
    assert_eq!(
        principals,
        [
            "arn:aws:iam::123456789012:role/EC2role",
            "arn:aws:iam::123456789012:role/service/OldBatch",
            "arn:aws:iam::123456789012:user/alice"
        ]
    );
    assert!(lines
        .iter()
        .all(|l| l["recommendation"]["recommendedSteps"].is_array()));
}

#[test]
fn shards_partition_the_principals_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let (auth, findings) = many_roles(tmp.path(), 40);
    let all = tmp.path().join("all");
    account(&auth, &findings)
        .arg("-o")
        .arg(&all)
        .assert()
        .success();
    let all = files(&all);
    assert_eq!(all.len(), 40);
    let mut union = BTreeMap::new();
    for shard in ["0/3", "1/3", "2/3"] {
        let out = tmp.path().join(shard.replace('/', "-"));
        account(&auth, &findings)
            .args(["--shard", shard, "-o"])
            .arg(&out)
            .assert()
            .success();
        let part = files(&out);
        assert!(
            !part.is_empty() && part.len() < 40,
            "{shard}: {}",
            part.len()
        );
        for (name, contents) in part {
            assert!(
                union.insert(name.clone(), contents).is_none(),
                "{name} twice"
            );
        }
    }
    assert_eq!(union, all);
    // The small account too: two shards, each principal in exactly one.
    let mut seen = Vec::new();
    for shard in ["0/2", "1/2"] {
        let run = account(
            &testdata("authorization-details.json"),
            &testdata("findings"),
        )
        .args(["--shard", shard])
        .output()
        .unwrap();
        assert!(run.status.success());
        seen.extend(
            text(&run.stdout)
                .lines()
                .map(|l| json_of(l)["principal"].clone()),
        );
    }
    seen.sort_by_key(ToString::to_string);
    assert_eq!(seen.len(), 3, "{seen:?}");
    seen.dedup();
    assert_eq!(seen.len(), 3, "{seen:?}");
}

#[test]
fn one_thread_or_two_write_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (auth, findings) = many_roles(tmp.path(), 60);
    let mut results = Vec::new();
    for jobs in ["1", "2"] {
        let out = tmp.path().join(format!("jobs{jobs}"));
        account(&auth, &findings)
            .args(["--fit-quota", "--jobs", jobs, "-o"])
            .arg(&out)
            .assert()
            .success();
        results.push(files(&out));
    }
    assert_eq!(results[0].len(), 60);
    assert_eq!(results[0], results[1]);
    // Every fifth role has both its services wholly unused: its policy is detached.
    let r0 = json_of(&results[0]["r000.json"]);
    let actions: Vec<&Value> = steps(&r0).iter().map(|s| &s["recommendedAction"]).collect();
    assert_eq!(actions, [&json!("DETACH_POLICY")], "{r0}");
}

#[cfg(feature = "verify")]
#[test]
fn verify_proves_every_changed_policy_and_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let run = account(&auth(), &testdata("findings.jsonl"))
        .args(["--verify", "--jobs", "2", "-o"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert!(
        err.contains("verified: 5 proved, 0 refuted, 0 unknown"),
        "{err}"
    );
    assert_eq!(files(tmp.path()).len(), 3);
    // The JSON summary says the same, per policy.
    let run = account(&auth(), &testdata("findings.jsonl"))
        .args(["--verify", "--format", "json"])
        .output()
        .unwrap();
    assert!(run.status.success());
    let summary = json_of(&text(&run.stdout));
    assert_eq!(
        summary["verified"],
        json!({"proved": 5, "refuted": 0, "unknown": 0})
    );
    let verdicts: Vec<&Value> = summary["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["verdicts"].as_array().unwrap())
        .collect();
    assert_eq!(verdicts.len(), 5);
    assert!(
        verdicts.iter().all(|v| v["verdict"] == "proved"),
        "{verdicts:?}"
    );
}

#[cfg(feature = "verify")]
#[test]
fn verify_proves_detached_and_many_policies_on_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let (auth, findings) = many_roles(tmp.path(), 20);
    let run = account(&auth, &findings)
        .args(["--verify", "--jobs", "2", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let summary = json_of(&text(&run.stdout));
    assert_eq!(summary["verified"]["proved"], 20, "{}", summary["verified"]);
    assert_eq!(summary["policiesDetached"], 4);
}

#[test]
fn a_broken_principal_fails_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let (auth, findings) = with_broken_role(tmp.path());
    let out = tmp.path().join("out");
    // Last run's file of the principal that now fails must not pass for current.
    write(
        &{
            std::fs::create_dir(&out).unwrap();
            out.clone()
        },
        "Broken.json",
        "{}",
    );
    let run = account(&auth, &findings)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains("arn:aws:iam::123456789012:role/Broken: failed: policy `Bad`"),
        "{err}"
    );
    assert!(err.contains("1 failed"), "{err}");
    assert!(err.contains("removed "), "{err}");
    assert_eq!(
        files(&out).keys().collect::<Vec<_>>(),
        ["EC2role.json", "OldBatch.json", "alice.json"]
    );
    // With --quiet the failure is still named.
    let quiet = account(&auth, &findings).arg("-q").output().unwrap();
    assert_eq!(quiet.status.code(), Some(1));
    let err = text(&quiet.stderr);
    assert!(err.contains("role/Broken: failed"), "{err}");
    assert!(!err.contains("principals:"), "{err}");
    assert_eq!(text(&quiet.stdout).lines().count(), 3);
}

#[test]
fn json_summary_parses_and_names_each_principal() {
    let tmp = tempfile::tempdir().unwrap();
    let (auth, findings) = with_broken_role(tmp.path());
    let run = account(&auth, &findings)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let summary = json_of(&text(&run.stdout));
    assert_eq!(summary["principals"], 4);
    assert_eq!(summary["failed"], 1);
    assert_eq!(summary["rolesToDelete"], 1);
    assert!(summary["actionsRemoved"].as_u64().unwrap() > 0);
    let results = summary["results"].as_array().unwrap();
    let broken = results
        .iter()
        .find(|r| r["name"] == "Broken")
        .expect("the broken role is listed");
    assert_eq!(broken["status"], "failed");
    assert_eq!(broken["written"], false);
    assert!(broken["errors"][0].as_str().unwrap().contains("`Bad`"));
    let compact = account(&auth, &findings)
        .args(["--format", "json", "--compact"])
        .output()
        .unwrap();
    assert_eq!(text(&compact.stdout).lines().count(), 1);
    assert_eq!(json_of(&text(&compact.stdout)), summary);
}

#[test]
fn diff_shows_removed_and_added_lines() {
    let run = account(&auth(), &testdata("findings"))
        .args(["--format", "diff", "--color", "never"])
        .output()
        .unwrap();
    assert!(run.status.success());
    let diff = text(&run.stdout);
    assert!(
        diff.contains("--- a/EC2role/LogsWriter\n+++ b/EC2role/LogsWriter\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n-        \"logs:CreateLogGroup\",\n"),
        "{diff}"
    );
    assert!(diff.contains("\n-        \"s3:Get*\",\n"), "{diff}");
    assert!(diff.contains("\n+        \"s3:GetObject\",\n"), "{diff}");
    assert!(!diff.contains('\u{1b}'));
    let colored = account(&auth(), &testdata("findings"))
        .args(["--format", "diff", "--color", "always"])
        .output()
        .unwrap();
    assert!(text(&colored.stdout).contains('\u{1b}'));
}

#[test]
fn keep_keeps_the_actions_it_names() {
    let tmp = tempfile::tempdir().unwrap();
    account(&auth(), &testdata("findings"))
        .args(["--keep", "logs:CreateLogGroup", "-o"])
        .arg(tmp.path())
        .assert()
        .success();
    let ec2 = json_of(&read(&tmp.path().join("EC2role.json")));
    // Nothing else of LogsWriter was unused: it is now unchanged, so it has no step.
    assert!(
        steps(&ec2)
            .iter()
            .all(|s| s["existingPolicyId"] != "LogsWriter"),
        "{ec2}"
    );
    assert!(steps(&ec2)
        .iter()
        .any(|s| s["existingPolicyId"] == "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"));
    let bad = account(&auth(), &testdata("findings"))
        .args(["--keep", "PassRole"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
}

#[test]
fn skip_sid_leaves_statements_as_written() {
    let run = account(&auth(), &testdata("findings"))
        .args(["--skip-sid", "Depl*"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let ec2: Value = text(&run.stdout)
        .lines()
        .map(json_of)
        .find(|l| l["principal"] == "arn:aws:iam::123456789012:role/EC2role")
        .unwrap();
    let rec = &ec2["recommendation"];
    let deploy = steps(rec)
        .into_iter()
        .find(|s| {
            s["existingPolicyId"] == "arn:aws:iam::123456789012:policy/DeployPolicy"
                && s["recommendedAction"] == "CREATE_POLICY"
        })
        .expect(
            "DeployPolicy is still refined: its BreakGlass statement (ec2, wholly unused) goes",
        );
    assert_eq!(deploy["iamRefine"]["statementsLeftAsWritten"], json!([1]));
    let doc = json_of(deploy["recommendedPolicy"].as_str().unwrap());
    assert_eq!(doc["Statement"][0]["Sid"], "Deploy");
    let actions = doc["Statement"][0]["Action"].to_string();
    assert!(
        actions.contains("cloudformation:*") && actions.contains("lambda:*"),
        "{actions}"
    );
}

#[cfg(feature = "verify")]
#[test]
fn skip_sid_with_verify_still_proves_policies_it_does_not_touch() {
    let tmp = tempfile::tempdir().unwrap();
    let run = account(&auth(), &testdata("findings"))
        .args(["--skip-sid", "Depl*", "--verify", "-o"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let err = text(&run.stderr);
    // alice carries no statement with a matching Sid: proved and written either way.
    assert!(tmp.path().join("alice.json").exists(), "{err}");
    // EC2role's DeployPolicy has one: proved once the prover checks statements left as
    // written, until then EC2role fails, named, alone.
    match run.status.code() {
        Some(0) => assert!(tmp.path().join("EC2role.json").exists()),
        Some(1) => {
            assert!(
                err.contains("role/EC2role: failed: policy `arn:aws:iam::123456789012:policy/DeployPolicy`: cannot verify"),
                "{err}"
            );
            assert!(!err.contains("`LogsWriter`: cannot verify"), "{err}");
            assert!(!tmp.path().join("EC2role.json").exists());
        }
        other => panic!("exit {other:?}: {err}"),
    }
}

#[test]
fn outputs_never_go_over_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    // The export saved under a principal's file name in the output folder.
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let original = read(&auth());
    let input = write(&out, "EC2role.json", &original);
    let run = account(&input, &testdata("findings"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("would overwrite the input"),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(read(&input), original);
    assert_eq!(files(&out).len(), 1);
    // The findings folder as the output folder: what is written would be read as findings.
    let findings = tmp.path().join("findings");
    std::fs::create_dir(&findings).unwrap();
    for (name, contents) in files(&testdata("findings")) {
        write(&findings, &name, &contents);
    }
    let run = account(&auth(), &findings)
        .arg("-o")
        .arg(&findings)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("is the findings folder"),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(files(&findings).len(), 7);
}

#[test]
fn a_role_and_a_user_of_one_name_get_prefixed_files() {
    let tmp = tempfile::tempdir().unwrap();
    let page = json!({"RoleDetailList": [{"RoleName": "alice", "Path": "/", "Arn": "arn:aws:iam::123456789012:role/alice",
        "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["sqs:*", "sns:Publish"], "Resource": "*"}]}}],
        "AttachedManagedPolicies": []}]});
    let auth = write(
        tmp.path(),
        "auth.json",
        &format!("{}\n{page}\n", read(&auth())),
    );
    let finding = json!({"id": "f-alice-role", "findingType": "UnusedPermission", "status": "ACTIVE",
        "resource": "arn:aws:iam::123456789012:role/alice", "resourceType": "AWS::IAM::Role",
        "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "sqs"}}]});
    let findings = write(
        tmp.path(),
        "findings.jsonl",
        &format!("{}{finding}\n", read(&testdata("findings.jsonl"))),
    );
    let out = tmp.path().join("out");
    account(&auth, &findings)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let written = files(&out);
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        [
            "EC2role.json",
            "OldBatch.json",
            "role-alice.json",
            "user-alice.json"
        ]
    );
    assert_eq!(
        json_of(&written["role-alice.json"])["resourceArn"],
        "arn:aws:iam::123456789012:role/alice"
    );
    assert_eq!(
        json_of(&written["user-alice.json"])["resourceArn"],
        "arn:aws:iam::123456789012:user/alice"
    );
}

#[test]
fn bad_flag_values_are_usage_errors() {
    for args in [
        &["--shard", "2/2"][..],
        &["--shard", "0/0"],
        &["--shard", "1"],
        &["--shard", "-1/2"],
        &["--jobs", "0"],
        &["--format", "policy"],
        &["--unused-after", "30"],
        &["--timeout", "5"],
    ] {
        let run = account(&auth(), &testdata("findings"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            run.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&run.stderr)
        );
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn unreadable_inputs_are_errors_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let run = account(&auth(), &empty).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("has no `*.json` file"),
        "{}",
        text(&run.stderr)
    );
    let bad = write(tmp.path(), "bad.jsonl", "{\"findingType\": 1}\n");
    let run = account(&auth(), &bad).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("bad.jsonl:1"),
        "{}",
        text(&run.stderr)
    );
    let run = account(&auth(), &testdata("findings"))
        .args(["--max-input-bytes", "4KiB"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("authorization-details.json` is larger than --max-input-bytes"),
        "{}",
        text(&run.stderr)
    );
    let run = account(&testdata("findings.jsonl"), &testdata("findings"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("findings.jsonl"),
        "{}",
        text(&run.stderr)
    );
}
