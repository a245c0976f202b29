//! `iam-refine account` at scale, through the real binary: `--shard I/N` partitions the
//! principals, `--jobs` does not change a byte, and `--verify` proves every changed policy
//! with one Z3 context per thread, and a low limit of open files stops nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use common::account::auth;
use common::account::{account, files, json_of, many_roles, steps, testdata};
use common::{bin_path, text, write};

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

/// A role carrying AWS's `AWSElasticBeanstalkRoleCore`, whose refinement is over the
/// managed-policy quota, split by `--fit-quota`: the parts are proved (the policy they were
/// cut from against the original, and the parts checked to be exactly it). The prover
/// pairs statements in order, so the parts themselves were refuted before.
#[test]
fn fit_quota_splits_are_proved() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/aws-managed-policies.jsonl");
    let line = std::fs::read_to_string(&corpus)
        .unwrap()
        .lines()
        .find(|l| l.contains("\"name\":\"AWSElasticBeanstalkRoleCore\""))
        .expect("the policy is in the corpus")
        .to_string();
    let row: serde_json::Value = serde_json::from_str(&line).unwrap();
    let document = row["policy"]["PolicyVersion"]["Document"].clone();
    let document = if document.is_null() {
        row["policy"].clone()
    } else {
        document
    };
    let arn = "arn:aws:iam::aws:policy/AWSElasticBeanstalkRoleCore";
    let role = "arn:aws:iam::123456789012:role/beanstalk";
    let auth = serde_json::json!({
        "RoleDetailList": [{"RoleName": "beanstalk", "Path": "/", "Arn": role,
            "RolePolicyList": [],
            "AttachedManagedPolicies": [{"PolicyName": "AWSElasticBeanstalkRoleCore", "PolicyArn": arn}]}],
        "Policies": [{"PolicyName": "AWSElasticBeanstalkRoleCore", "Arn": arn, "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 1,
            "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": true}]}]
    });
    let unused: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/beanstalk-core-unused.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let details: Vec<serde_json::Value> = unused
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let actions: Vec<serde_json::Value> = u["actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| serde_json::json!({"action": a}))
                .collect();
            serde_json::json!({"unusedPermissionDetails":
                {"serviceNamespace": u["serviceNamespace"], "actions": actions}})
        })
        .collect();
    let finding = serde_json::json!({"id": "f1", "findingType": "UnusedPermission",
        "status": "ACTIVE", "resource": role, "resourceType": "AWS::IAM::Role",
        "findingDetails": details});
    let auth_path = dir.path().join("auth.json");
    std::fs::write(&auth_path, auth.to_string()).unwrap();
    let findings_path = dir.path().join("findings.jsonl");
    std::fs::write(&findings_path, format!("{finding}\n")).unwrap();
    let out = dir.path().join("out");
    let assert = account(&auth_path, &findings_path)
        .args(["--fit-quota", "--verify", "-o"])
        .arg(&out)
        .assert();
    let output = assert.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("1 split"), "{stderr}");
    assert!(stderr.contains("0 refuted"), "{stderr}");
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("beanstalk.json")).unwrap())
            .unwrap();
    let creates = rec["recommendedSteps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["unusedPermissionsRecommendedStep"]["recommendedAction"] == "CREATE_POLICY")
        .count();
    assert!(creates >= 2, "{rec}");
}

/// Thousands of usage files are checked against the outputs, and thousands of outputs
/// staged, without holding them open: a low limit of open files (1,024 is a common default)
/// must neither leave an input unchecked nor stop the run at writing.
#[cfg(unix)]
#[test]
fn a_low_open_files_limit_neither_skips_inputs_nor_stops_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let roles: Vec<Value> = (0..100)
        .map(|i| {
            json!({"RoleName": format!("r{i:03}"), "Arn": format!("arn:aws:iam::123456789012:role/r{i:03}"),
                "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}}],
                "AttachedManagedPolicies": []})
        })
        .collect();
    let auth = write(
        tmp.path(),
        "auth.json",
        &json!({ "RoleDetailList": roles }).to_string(),
    );
    let used = tmp.path().join("used");
    std::fs::create_dir(&used).unwrap();
    for i in 0..100 {
        write(&used, &format!("r{i:03}.txt"), "sqs:SendMessage\n");
    }
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // The first principal's output is, by a hard link, the last usage file.
    std::fs::hard_link(used.join("r099.txt"), out.join("r000.json")).unwrap();
    let script = format!(
        "ulimit -n 40 && exec '{}' account '{}' --used '{}' -o '{}'",
        bin_path().display(),
        auth.display(),
        used.display(),
        out.display()
    );
    let run = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    assert!(
        text(&run.stderr).contains("would overwrite the input"),
        "{}",
        text(&run.stderr)
    );
    // Without the link, all 100 recommendations are written under that limit.
    std::fs::remove_file(out.join("r000.json")).unwrap();
    let run = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(files(&out).len(), 100);
}
