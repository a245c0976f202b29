//! `iam-refine account` through the real binary, on the account in
//! `iam-refine/testdata/account` (two export pages, findings as a folder and as JSON lines)
//! and on accounts these tests build from it: the recommendations, formats, opt-outs,
//! failures and outputs. Shards, threads and proofs are in `account_scale.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use predicates::prelude::*;
use serde_json::{json, Value};

use common::account::{
    account, auth, files, json_of, over_quota, steps, testdata, with_broken_role,
};
use common::{read, text, write};

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
fn a_broken_principal_fails_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let (auth, findings) = with_broken_role(tmp.path());
    let out = tmp.path().join("out");
    // Last run's file of the principal that now fails must not pass for current: last run,
    // its document was valid.
    let broken = read(&auth);
    let valid = broken.replace(
        "%7B%22Statement%22%3A",
        "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D",
    );
    assert_ne!(valid, broken);
    write(tmp.path(), "auth.json", &valid);
    account(&auth, &findings)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0);
    assert!(out.join("Broken.json").is_file());
    write(tmp.path(), "auth.json", &broken);
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

/// Many policies over IAM's quota are one warning line with a count and the first few names;
/// one of its kind prints as it is; `--format json` and the files keep every one.
#[test]
fn quota_warnings_are_grouped_on_stderr_and_kept_whole_in_json() {
    let tmp = tempfile::tempdir().unwrap();
    let (auth, findings) = over_quota(tmp.path(), 8);
    let out = tmp.path().join("out");
    let run = account(&auth, &findings)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning:")).collect();
    assert_eq!(warnings.len(), 2, "{err}");
    let grouped = warnings
        .iter()
        .find(|l| l.contains("8 managed policies are over IAM's 6,144-character quota"))
        .unwrap_or_else(|| panic!("no grouped line: {err}"));
    for r in 0..5 {
        assert!(
            grouped.contains(&format!("(role `big{r:02}`, ")),
            "{grouped}"
        );
    }
    assert!(!grouped.contains("big05"), "{grouped}");
    assert!(grouped.contains("and 3 more"), "{grouped}");
    assert!(grouped.contains("--format json lists each"), "{grouped}");
    // Alone of its kind: as it always was, with who.
    assert!(
        warnings
            .iter()
            .any(|l| l.contains("the role's inline policies total ")
                && l.ends_with("(--fit-quota rewrites them smaller) (role `solo`)")),
        "{err}"
    );
    let rec = json_of(&read(&out.join("big07.json")));
    let w = rec["iamRefine"]["warnings"][0].as_str().unwrap_or_default();
    assert!(
        w.starts_with("policy `arn:aws:iam::123456789012:policy/Big`: "),
        "{rec}"
    );

    let run = account(&auth, &findings)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let summary = json_of(&text(&run.stdout));
    assert_eq!(summary["principalsWithWarnings"], 9);
    let results = summary["results"].as_array().unwrap();
    assert_eq!(results.len(), 9);
    for r in results {
        let w = r["warnings"].as_array().unwrap();
        assert_eq!(w.len(), 1, "{r}");
        let w = w[0].as_str().unwrap();
        if r["name"] == "solo" {
            assert!(w.starts_with("the role's inline policies total "), "{w}");
        } else {
            assert!(
                w.starts_with("policy `arn:aws:iam::123456789012:policy/Big`: ")
                    && w.contains("over IAM's 6144-character quota for a managed policy"),
                "{w}"
            );
        }
    }
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

#[test]
fn outputs_never_go_over_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    // The export saved under a principal's file name in the output folder.
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let original = read(&auth());
    let input = write(&out, "EC2role.json", &original);
    account(&input, &testdata("findings"))
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would overwrite the input"));
    assert_eq!(read(&input), original);
    assert_eq!(files(&out).len(), 1);
    // The findings folder as the output folder: what is written would be read as findings.
    let findings = tmp.path().join("findings");
    std::fs::create_dir(&findings).unwrap();
    for (name, contents) in files(&testdata("findings")) {
        write(&findings, &name, &contents);
    }
    account(&auth(), &findings)
        .arg("-o")
        .arg(&findings)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is the findings folder"));
    assert_eq!(files(&findings).len(), 7);
    // Inside it (made by the run, or through a link to the folder): refused up front too,
    // as the next run would find it among the findings.
    let link = tmp.path().join("link");
    let mut cases = vec![
        (findings.clone(), findings.join("out")),
        (findings.clone(), findings.join("new").join("deeper")),
    ];
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&findings, &link).unwrap();
        cases.push((link.clone(), findings.join("out")));
        cases.push((findings.clone(), link.join("out")));
    }
    for (given, out) in cases {
        account(&auth(), &given)
            .arg("-o")
            .arg(&out)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(format!(
                "--output-dir `{}` is inside the findings folder",
                out.display()
            )));
        assert!(!out.exists(), "{}", out.display());
    }
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
    account(&testdata("findings.jsonl"), &testdata("findings"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("findings.jsonl"));
    // A `*.json` entry of the findings folder that is no file would be skipped, and the
    // findings in it missed; other entries (a folder of old runs) are no findings.
    let findings = tmp.path().join("findings");
    std::fs::create_dir(&findings).unwrap();
    for (name, contents) in files(&testdata("findings")) {
        write(&findings, &name, &contents);
    }
    std::fs::create_dir(findings.join("archive")).unwrap();
    account(&auth(), &findings).assert().success();
    std::fs::create_dir(findings.join("more.json")).unwrap();
    let run = account(&auth(), &findings).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("more.json` in the findings folder is not a regular file"),
        "{}",
        text(&run.stderr)
    );
}

/// `--findings` are read as they stream (a finding at a time): a pipe over
/// `--max-input-bytes` is still refused as over it, naming it, and a byte that is not UTF-8
/// is refused at its offset; under the limit, stdin gives what the file gives.
#[test]
fn streamed_findings_keep_the_limit_and_name_bad_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let jsonl = read(&testdata("findings.jsonl"));
    let from_stdin = |limit: &str, input: Vec<u8>| {
        account(&auth(), Path::new("-"))
            .args(["--max-input-bytes", limit])
            .write_stdin(input)
            .output()
            .unwrap()
    };
    // A limit the export is within and the findings (repeated: a finding read twice
    // counts once) are over.
    let limit = std::fs::metadata(auth()).unwrap().len();
    let repeated = jsonl.repeat(usize::try_from(limit).unwrap() / jsonl.len() + 2);
    let over = from_stdin(&limit.to_string(), repeated.clone().into_bytes());
    assert_eq!(over.status.code(), Some(1));
    assert!(
        text(&over.stderr).contains("`<stdin>` is larger than --max-input-bytes"),
        "{}",
        text(&over.stderr)
    );
    let within = from_stdin(&(repeated.len() as u64).to_string(), repeated.into_bytes());
    assert!(within.status.success(), "{}", text(&within.stderr));
    let piped = from_stdin("1MiB", jsonl.clone().into_bytes());
    let file = account(&auth(), &testdata("findings.jsonl"))
        .output()
        .unwrap();
    assert!(piped.status.success(), "{}", text(&piped.stderr));
    assert_eq!(text(&piped.stdout), text(&file.stdout));

    let mut bad = jsonl.into_bytes();
    let at = bad.len() / 3;
    bad[at] = 0xfe;
    let bad = {
        let p = tmp.path().join("bad.jsonl");
        std::fs::write(&p, bad).unwrap();
        p
    };
    let run = account(&auth(), &bad).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains(&format!(
            "bad.jsonl` is not UTF-8 text (invalid byte at offset {at})"
        )),
        "{}",
        text(&run.stderr)
    );
}
