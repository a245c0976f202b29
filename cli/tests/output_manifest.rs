//! No file of an earlier run survives looking current, through the real binary: a
//! principal whose file name changes between runs (`alice.json` / `role-alice.json`), a
//! policy whose outputs change (`--fit-quota` parts, `--format`), shards into one folder,
//! a run that stopped part way; and what is never removed (a file iam-refine did not write,
//! one changed since it was written, another shard's or another policy's).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use common::account::{account, auth, files, testdata};
use common::{read, refine_cmd, write};

const ROLE_ALICE: &str = "arn:aws:iam::123456789012:role/alice";

/// The testdata account (with the user `alice`) plus a role `alice`, and findings for both.
fn with_role_alice(dir: &Path) -> (PathBuf, PathBuf) {
    let page = json!({"RoleDetailList": [{"RoleName": "alice", "Path": "/", "Arn": ROLE_ALICE,
        "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["sqs:*", "sns:Publish"], "Resource": "*"}]}}],
        "AttachedManagedPolicies": []}]});
    let auth = write(dir, "auth2.json", &format!("{}\n{page}\n", read(&auth())));
    let finding = json!({"id": "f-alice-role", "findingType": "UnusedPermission", "status": "ACTIVE",
        "resource": ROLE_ALICE, "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "sqs"}}]});
    let findings = write(
        dir,
        "findings2.jsonl",
        &format!("{}{finding}\n", read(&testdata("findings.jsonl"))),
    );
    (auth, findings)
}

fn names(dir: &Path) -> Vec<String> {
    files(dir).into_keys().collect()
}

fn manifests(dir: &Path) -> Vec<String> {
    let mut m: Vec<String> = std::fs::read_dir(dir.join(".iam-refine"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    m.sort();
    m
}

#[test]
fn a_principal_whose_file_name_changes_leaves_no_file_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (auth2, findings2) = with_role_alice(tmp.path());
    let findings = testdata("findings.jsonl");
    // The user `alice` alone: `alice.json`.
    account(&auth(), &findings)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(names(&out), ["EC2role.json", "OldBatch.json", "alice.json"]);
    // A role `alice` beside her: both prefixed, and last run's `alice.json` (the user's,
    // granting what this run may remove) is gone.
    account(&auth2, &findings2)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "alice.json: last run's recommendation; its output is now `user-alice.json`",
        ));
    assert_eq!(
        names(&out),
        [
            "EC2role.json",
            "OldBatch.json",
            "role-alice.json",
            "user-alice.json"
        ]
    );
    // And back: the role is gone from the export, the user is `alice.json` again.
    account(&auth(), &findings)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "role-alice.json: last run's recommendation; this principal is no longer in the export",
        ));
    assert_eq!(names(&out), ["EC2role.json", "OldBatch.json", "alice.json"]);
    assert_eq!(manifests(&out), ["account-123456789012-shard-0-of-1.json"]);
}

#[test]
fn files_iam_refine_did_not_write_or_that_changed_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // Someone else's files, one at a name this run would remove (alice has no finding in
    // a findings folder holding only EC2role's).
    write(&out, "notes.txt", "mine");
    write(&out, "alice.json", "{\"mine\": true}");
    let only_ec2 = tmp.path().join("findings");
    std::fs::create_dir(&only_ec2).unwrap();
    let f1 = "a1b2c3d4-0001-4000-8000-000000000001.json";
    std::fs::copy(testdata("findings").join(f1), only_ec2.join(f1)).unwrap();
    account(&auth(), &only_ec2)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("`alice.json` in "))
        .stderr(predicate::str::contains(
            "no manifest of iam-refine lists it",
        ));
    assert_eq!(read(&out.join("alice.json")), "{\"mine\": true}");
    assert_eq!(read(&out.join("notes.txt")), "mine");
    // A file of the tool's, changed by hand since: left, named.
    let all = testdata("findings");
    std::fs::remove_file(out.join("alice.json")).unwrap();
    account(&auth(), &all).arg("-o").arg(&out).assert().code(0);
    write(&out, "alice.json", "{\"edited\": true}");
    account(&auth(), &only_ec2)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "changed since it was written (not by iam-refine): left in place",
        ));
    assert_eq!(read(&out.join("alice.json")), "{\"edited\": true}");
    // Unchanged, it is last run's: removed.
    account(&auth(), &all).arg("-o").arg(&out).assert().code(0);
    account(&auth(), &only_ec2)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "alice.json: last run's recommendation; this principal has no finding now",
        ));
    assert!(!out.join("alice.json").exists());
    assert_eq!(read(&out.join("notes.txt")), "mine");
}

#[test]
fn shards_into_one_folder_answer_only_for_their_principals() {
    let tmp = tempfile::tempdir().unwrap();
    let (auth2, findings2) = with_role_alice(tmp.path());
    let one = tmp.path().join("one");
    account(&auth2, &findings2)
        .arg("-o")
        .arg(&one)
        .assert()
        .code(0);
    let out = tmp.path().join("out");
    for shard in ["0/2", "1/2"] {
        account(&auth2, &findings2)
            .args(["--shard", shard, "-o"])
            .arg(&out)
            .assert()
            .code(0);
    }
    assert_eq!(files(&out), files(&one));
    // Each shard again, alone: the other's files stay.
    for shard in ["0/2", "1/2"] {
        account(&auth2, &findings2)
            .args(["--shard", shard, "-o"])
            .arg(&out)
            .assert()
            .code(0)
            .stderr(predicate::str::contains(format!("removed {}", out.display())).not());
        assert_eq!(files(&out), files(&one), "after shard {shard}");
    }
    assert_eq!(
        manifests(&out),
        [
            "account-123456789012-shard-0-of-2.json",
            "account-123456789012-shard-1-of-2.json"
        ]
    );
    // Three shards now, without the role `alice`: every file of the earlier layout is
    // dealt with by the shard now answering for its principal, and the earlier manifests
    // go once nothing they list is theirs.
    let findings = testdata("findings.jsonl");
    for shard in ["0/3", "1/3", "2/3"] {
        account(&auth(), &findings)
            .args(["--shard", shard, "-o"])
            .arg(&out)
            .assert()
            .code(0);
    }
    assert_eq!(names(&out), ["EC2role.json", "OldBatch.json", "alice.json"]);
    assert!(
        manifests(&out).iter().all(|m| m.contains("-of-3")),
        "{:?}",
        manifests(&out)
    );
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_run_that_stopped_part_way_leaves_nothing_unaccounted_for() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (auth2, findings2) = with_role_alice(tmp.path());
    account(&auth2, &findings2)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0);
    // A run that stopped after writing `alice.json` but before its manifest: only its
    // pending manifest lists the file.
    let text = "{\"stale\": true}\n";
    write(&out, "alice.json", text);
    let pending = json!({"manifest": "iam-refine output manifest", "version": 1, "complete": false,
        "files": [{"file": "alice.json", "sha256": sha256(text), "owner": "arn:aws:iam::123456789012:user/alice"}]});
    write(
        &out.join(".iam-refine"),
        "account-123456789012-shard-0-of-1.pending.json",
        &pending.to_string(),
    );
    account(&auth2, &findings2)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("did not finish"))
        .stderr(predicate::str::contains(format!(
            "removed {}: last run's recommendation",
            out.join("alice.json").display()
        )));
    assert_eq!(
        names(&out),
        [
            "EC2role.json",
            "OldBatch.json",
            "role-alice.json",
            "user-alice.json"
        ]
    );
    assert_eq!(manifests(&out), ["account-123456789012-shard-0-of-1.json"]);
    // A manifest that is not one is refused, and nothing is written.
    write(
        &out.join(".iam-refine"),
        "account-123456789012-shard-0-of-1.json",
        "{}",
    );
    let before = files(&out);
    account(&auth(), &testdata("findings.jsonl"))
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not one iam-refine wrote"));
    assert_eq!(files(&out), before);
}

const BIG_POLICY_UNUSED: &str = r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}]"#;

#[test]
fn a_policy_whose_outputs_change_leaves_none_of_last_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let p = write(
        tmp.path(),
        "p.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}]}"#,
    );
    let q = write(
        tmp.path(),
        "q.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"], "Resource": "*"}]}"#,
    );
    let unused = write(tmp.path(), "u.json", BIG_POLICY_UNUSED);
    // A diff of p, then p itself: last run's `p.diff` would pass for current.
    refine_cmd([&p], &unused)
        .args(["--format", "diff", "-o"])
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(names(&out), ["p.diff"]);
    refine_cmd([&p], &unused)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "p.diff: last run's refined policy; its output is now `p.json`",
        ));
    assert_eq!(names(&out), ["p.json"]);
    // q into the same folder, on its own: p's file stays; then p again: q's stays.
    refine_cmd([&q], &unused)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(names(&out), ["p.json", "q.json"]);
    refine_cmd([&p], &unused)
        .args(["--format", "recommendation", "-o"])
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(names(&out), ["p.json", "q.json"]);
    assert_eq!(
        manifests(&out),
        ["refine-p.json.json", "refine-q.json.json"]
    );
}
