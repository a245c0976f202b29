//! `iam-refine account` over a folder of exports, one per account (an organisation in one
//! run), through the real binary: findings matched to their own account's principal by
//! ARN, files in a folder per account, `--shard` across every account, the manifests of
//! per-account folders, and exports that cannot be told apart or would name a folder
//! outside the output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use common::account::{json_of, steps};
use common::{bin, read, text, write};

const A: &str = "111111111111";
const B: &str = "222222222222";

/// An export of account `id` with one role per name, each with one inline policy allowing
/// `s3:GetObject`, `s3:PutObject` and `s3:DeleteObject`.
fn export(dir: &Path, file: &str, id: &str, roles: &[&str]) -> PathBuf {
    let items: Vec<Value> = roles
        .iter()
        .map(|r| {
            let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": "*"}]});
            json!({"RoleName": r, "Path": "/", "Arn": format!("arn:aws:iam::{id}:role/{r}"),
                "RolePolicyList": [{"PolicyName": "main", "PolicyDocument": doc}],
                "AttachedManagedPolicies": []})
        })
        .collect();
    std::fs::create_dir_all(dir).unwrap();
    write(dir, file, &json!({ "RoleDetailList": items }).to_string())
}

/// A finding that `arn` did not use `s3:<unused>`.
fn finding(arn: &str, unused: &str) -> String {
    let f = json!({"id": format!("f-{arn}"), "findingType": "UnusedPermission",
        "status": "ACTIVE", "resource": arn, "resourceType": "AWS::IAM::Role",
        "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3",
            "actions": [{"action": unused}]}}]});
    format!("{f}\n")
}

fn arn(id: &str, role: &str) -> String {
    format!("arn:aws:iam::{id}:role/{role}")
}

/// The actions of a recommendation's one created policy.
fn kept(rec: &str) -> String {
    let rec = json_of(rec);
    let created: Vec<&Value> = steps(&rec)
        .into_iter()
        .filter(|s| s["recommendedAction"] == "CREATE_POLICY")
        .collect();
    assert_eq!(created.len(), 1, "{rec}");
    let doc = json_of(created[0]["recommendedPolicy"].as_str().unwrap());
    doc["Statement"][0]["Action"].to_string()
}

fn org(exports: &Path, findings: &Path) -> assert_cmd::Command {
    let mut c = bin();
    c.arg("account")
        .arg(exports)
        .arg("--findings")
        .arg(findings);
    c
}

/// `findings.jsonl` in `dir`: one finding per `(account, role, unused action)`.
fn findings_file(dir: &Path, found: &[(&str, &str, &str)]) -> PathBuf {
    let text: String = found
        .iter()
        .map(|(id, role, unused)| finding(&arn(id, role), unused))
        .collect();
    write(dir, "findings.jsonl", &text)
}

/// `account EXPORTS --findings FINDINGS EXTRA... -o OUT`, run.
fn run_org(exports: &Path, findings: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    org(exports, findings)
        .args(extra)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

/// Every file under `dir` (not the manifests' folder), by its `/`-separated path.
fn tree(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.ends_with(".iam-refine") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel);
            }
        }
    }
    out
}

#[test]
fn findings_of_an_organisation_go_to_their_own_accounts_principal() {
    let tmp = tempfile::tempdir().unwrap();
    let exports = tmp.path().join("exports");
    export(&exports, "a.json", A, &["deploy", "ci"]);
    export(&exports, "b.json", B, &["deploy"]);
    // Not an export: skipped.
    write(&exports, "notes.txt", "not JSON");
    // One file for every account, as an organisation's analyzer reports them; `deploy` is
    // in both, each with its own finding; `ci` has none; an account with no export.
    let findings = findings_file(
        tmp.path(),
        &[
            (A, "deploy", "DeleteObject"),
            (B, "deploy", "PutObject"),
            ("333333333333", "deploy", "GetObject"),
        ],
    );
    let out = tmp.path().join("out");
    let run = run_org(&exports, &findings, &out, &[]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(
        tree(&out),
        [format!("{A}/deploy.json"), format!("{B}/deploy.json")]
            .into_iter()
            .collect()
    );
    let a = read(&out.join(A).join("deploy.json"));
    let b = read(&out.join(B).join("deploy.json"));
    assert_eq!(json_of(&a)["resourceArn"], arn(A, "deploy"));
    assert_eq!(json_of(&b)["resourceArn"], arn(B, "deploy"));
    // Each finding applied to its own account's `deploy`, never to the other one.
    let (a, b) = (kept(&a), kept(&b));
    assert!(
        !a.contains("DeleteObject") && a.contains("PutObject"),
        "{a}"
    );
    assert!(
        !b.contains("PutObject") && b.contains("DeleteObject"),
        "{b}"
    );
    let err = text(&run.stderr);
    assert!(
        err.contains("findings for `arn:aws:iam::333333333333:role/deploy`, which no export has, are not used"),
        "{err}"
    );
    assert!(err.contains("principals: 3"), "{err}");

    // Next run: A's `deploy` has no finding now. Its file, listed by its account's
    // manifest in the per-account folder, is removed; a file of the user's beside it and
    // B's file stay.
    write(&out.join(A), "mine.json", "{}");
    let findings = findings_file(tmp.path(), &[(B, "deploy", "PutObject")]);
    let run = run_org(&exports, &findings, &out, &[]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(
        tree(&out),
        [format!("{A}/mine.json"), format!("{B}/deploy.json")]
            .into_iter()
            .collect()
    );
    let err = text(&run.stderr);
    assert!(err.contains("this principal has no finding now"), "{err}");
    let manifests: BTreeSet<String> = std::fs::read_dir(out.join(".iam-refine"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        manifests,
        [format!("account-{B}-shard-0-of-1.json")]
            .into_iter()
            .collect(),
        "A's manifest lists nothing now"
    );
    let listed = read(
        &out.join(".iam-refine")
            .join(format!("account-{B}-shard-0-of-1.json")),
    );
    assert!(listed.contains(&format!("\"{B}/deploy.json\"")), "{listed}");
}

#[test]
fn shards_slice_every_account_and_write_into_one_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let exports = tmp.path().join("exports");
    let roles: Vec<String> = (0..12).map(|i| format!("r{i:02}")).collect();
    let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
    export(&exports, "a.json", A, &roles);
    export(&exports, "b.json", B, &roles);
    let mut all = String::new();
    for id in [A, B] {
        for r in &roles {
            all.push_str(&finding(&arn(id, r), "DeleteObject"));
        }
    }
    let findings = write(tmp.path(), "findings.jsonl", &all);
    let whole = tmp.path().join("whole");
    let run = org(&exports, &findings)
        .arg("-o")
        .arg(&whole)
        .args(["--jobs", "2"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let expected = tree(&whole);
    assert_eq!(expected.len(), 24);

    let sharded = tmp.path().join("sharded");
    let mut seen = Vec::new();
    for shard in ["0/3", "1/3", "2/3"] {
        let before = if sharded.exists() {
            tree(&sharded)
        } else {
            BTreeSet::new()
        };
        let run = org(&exports, &findings)
            .arg("-o")
            .arg(&sharded)
            .args(["--shard", shard, "--jobs", "1"])
            .output()
            .unwrap();
        assert!(run.status.success(), "{shard}: {}", text(&run.stderr));
        let now = tree(&sharded);
        assert!(
            before.is_subset(&now),
            "{shard} removed another shard's files"
        );
        seen.push(now.len() - before.len());
    }
    assert_eq!(tree(&sharded), expected);
    // Every shard took some of both accounts' principals.
    assert!(seen.iter().all(|&n| n > 0 && n < 24), "{seen:?}");
    for f in &expected {
        assert_eq!(read(&whole.join(f)), read(&sharded.join(f)), "{f}");
    }
    let manifests = std::fs::read_dir(sharded.join(".iam-refine"))
        .unwrap()
        .count();
    assert_eq!(manifests, 6, "one per account and shard");
}

#[test]
fn exports_that_cannot_be_told_apart_or_would_leave_the_folder_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let findings = findings_file(tmp.path(), &[(A, "x", "GetObject")]);
    let refused = |exports: &Path, what: &str| {
        let out = tmp.path().join("out");
        let run = org(exports, &findings)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(1), "{what}: {}", text(&run.stderr));
        assert!(!out.exists(), "{what}: nothing written");
        text(&run.stderr)
    };
    // An account id that would be a folder name outside `DIR` (or no id at all).
    for (i, id) in ["..", "", "1111111111/1", "11111111111a"]
        .iter()
        .enumerate()
    {
        let dir = tmp.path().join(format!("hostile{i}"));
        export(&dir, "a.json", id, &["x"]);
        let err = refused(&dir, id);
        assert!(err.contains("has no 12-digit account id"), "{id}: {err}");
    }
    // Two exports of one account.
    let dir = tmp.path().join("twice");
    export(&dir, "a.json", A, &["x"]);
    export(&dir, "a-again.json", A, &["y"]);
    let err = refused(&dir, "twice");
    assert!(
        err.contains("are both exports of account 111111111111"),
        "{err}"
    );
    // One export with two accounts' principals.
    let dir = tmp.path().join("mixed");
    export(&dir, "a.json", A, &["x"]);
    let mixed = format!(
        "{}\n{}",
        read(&dir.join("a.json")),
        read(&export(&tmp.path().join("b"), "b.json", B, &["x"]))
    );
    write(&dir, "a.json", &mixed);
    let err = refused(&dir, "mixed");
    assert!(err.contains("are of two accounts"), "{err}");
    // A `*.json` that is a folder.
    let dir = tmp.path().join("folder");
    export(&dir, "a.json", A, &["x"]);
    std::fs::create_dir_all(dir.join("b.json")).unwrap();
    let err = refused(&dir, "folder");
    assert!(err.contains("is not a regular file"), "{err}");
    // Per-principal usage folders name principals without their account.
    let dir = tmp.path().join("ok");
    export(&dir, "a.json", A, &["x"]);
    let usage = tmp.path().join("unused");
    std::fs::create_dir_all(&usage).unwrap();
    let run = bin()
        .arg("account")
        .arg(&dir)
        .arg("--unused")
        .arg(&usage)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    assert!(
        text(&run.stderr).contains("give --findings"),
        "{}",
        text(&run.stderr)
    );
    // The output folder inside the exports folder.
    let run = org(&dir, &findings)
        .arg("-o")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    assert!(text(&run.stderr).contains("inside the exports folder"));
}

#[test]
fn a_manifest_naming_a_file_outside_the_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let exports = tmp.path().join("exports");
    export(&exports, "a.json", A, &["x"]);
    let findings = findings_file(tmp.path(), &[(A, "x", "GetObject")]);
    let out = tmp.path().join("out");
    let run = run_org(&exports, &findings, &out, &[]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let victim = write(tmp.path(), "victim.json", "precious");
    let manifest = out
        .join(".iam-refine")
        .join(format!("account-{A}-shard-0-of-1.json"));
    let sha = read(&manifest);
    // The same entry pointed at `../victim.json` (same content hash as written would not
    // matter: the name alone is refused).
    let text_now = sha.replace(&format!("\"{A}/x.json\""), "\"../victim.json\"");
    assert_ne!(text_now, sha);
    std::fs::write(&manifest, text_now).unwrap();
    let none = write(tmp.path(), "none.jsonl", "");
    let run = org(&exports, &none).arg("-o").arg(&out).output().unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    assert!(
        text(&run.stderr).contains("is not a file name in the folder"),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(read(&victim), "precious");
}

/// `verify --account EXPORTS USAGE_FLAG USAGE --recommendations RECOMMENDATIONS`, run.
fn verify_org(
    exports: &Path,
    usage_flag: &str,
    usage: &Path,
    recommendations: &Path,
) -> std::process::Output {
    bin()
        .arg("verify")
        .arg("--account")
        .arg(exports)
        .arg(usage_flag)
        .arg(usage)
        .arg("--recommendations")
        .arg(recommendations)
        .output()
        .unwrap()
}

/// `verify --account FOLDER`: each account's folder of `account --output-dir` is proved
/// against its own export; a file moved into another account's folder is an error verdict
/// (its principal is not in that export), never a proof; a folder with no account's folder
/// is refused, naming the layout.
#[test]
fn verify_proves_each_accounts_folder_against_its_own_export() {
    let tmp = tempfile::tempdir().unwrap();
    let exports = tmp.path().join("exports");
    export(&exports, "a.json", A, &["deploy", "ci"]);
    export(&exports, "b.json", B, &["deploy"]);
    let findings = findings_file(
        tmp.path(),
        &[
            (A, "deploy", "DeleteObject"),
            (A, "ci", "PutObject"),
            (B, "deploy", "PutObject"),
        ],
    );
    let out = tmp.path().join("out");
    let run = run_org(&exports, &findings, &out, &[]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let verify =
        |recommendations: &Path| verify_org(&exports, "--findings", &findings, recommendations);
    let run = verify(&out);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    for file in [
        format!("{A}/deploy.json"),
        format!("{A}/ci.json"),
        format!("{B}/deploy.json"),
    ] {
        assert!(
            err.lines()
                .any(|l| l.contains(&file) && l.contains(": proved")),
            "{file}: {err}"
        );
    }
    // A's `ci` moved into B's folder: B's export has no such role.
    std::fs::rename(out.join(A).join("ci.json"), out.join(B).join("ci.json")).unwrap();
    let run = verify(&out);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "`resourceArn` `{}` is no role or user of the export",
            arn(A, "ci")
        )),
        "{err}"
    );
    // The files of one account, flat, without the folder per account: refused.
    let flat = tmp.path().join("flat");
    std::fs::create_dir_all(&flat).unwrap();
    std::fs::copy(out.join(A).join("deploy.json"), flat.join("deploy.json")).unwrap();
    let run = verify(&flat);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains("has no folder for any account of the exports (111111111111, 222222222222)"),
        "{err}"
    );
}

/// `verify --account FOLDER` reads one export at a time, in file-name order, yet prints
/// the verdicts in account-id order, warns once about findings of a principal no export
/// has (and about none of those an export has), and refuses usage files named after
/// principals, as `account` does.
#[test]
fn verify_reads_the_exports_one_by_one_and_reports_them_by_account() {
    let tmp = tempfile::tempdir().unwrap();
    let exports = tmp.path().join("exports");
    // File names sort against the account ids: B's file is read first.
    export(&exports, "z.json", A, &["deploy"]);
    export(&exports, "a.json", B, &["deploy"]);
    let findings = findings_file(
        tmp.path(),
        &[
            (A, "deploy", "DeleteObject"),
            (B, "deploy", "PutObject"),
            ("333333333333", "gone", "PutObject"),
        ],
    );
    let out = tmp.path().join("out");
    let run = run_org(&exports, &findings, &out, &[]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let run = verify_org(&exports, "--findings", &findings, &out);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    let proved: Vec<&str> = err.lines().filter(|l| l.contains(": proved")).collect();
    assert_eq!(proved.len(), 2, "{err}");
    assert!(proved[0].contains(&format!("{A}/deploy.json")), "{err}");
    assert!(proved[1].contains(&format!("{B}/deploy.json")), "{err}");
    let unmatched: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("no export has"))
        .collect();
    assert_eq!(unmatched.len(), 1, "{err}");
    assert!(unmatched[0].contains(&arn("333333333333", "gone")), "{err}");
    // The warnings come before the verdicts, as when every export was read first.
    let warned = err.find("no export has").unwrap();
    assert!(warned < err.find(": proved").unwrap(), "{err}");

    let usage = tmp.path().join("usage");
    std::fs::create_dir_all(&usage).unwrap();
    let run = verify_org(&exports, "--unused", &usage, &out);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains("with a folder of exports, give --findings"),
        "{err}"
    );
}

/// Every file under `dir`, hidden ones (manifests, staged files) too, with its text.
fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.to_string_lossy().into_owned(), read(&p)));
            }
        }
    }
    out.sort();
    out
}

/// Exports are read one at a time, each account worked on as the next is read: an export
/// refused after earlier accounts are done still leaves the output as it was (last run's
/// files, manifests, no folder made, nothing staged left over).
#[test]
fn an_export_refused_after_others_are_done_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let exports = tmp.path().join("exports");
    let c = "333333333333";
    export(&exports, "a.json", A, &["deploy", "ci"]);
    export(&exports, "c.json", c, &["ops"]);
    let findings = findings_file(
        tmp.path(),
        &[(A, "deploy", "DeleteObject"), (c, "ops", "PutObject")],
    );
    let out = tmp.path().join("out");
    let run = run_org(&exports, &findings, &out, &[]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let before = snapshot(&out);
    assert_eq!(before.len(), 4, "{before:?}");

    // `b.json` sorts between the two and is not an export; A's `ci` now has a finding.
    write(&exports, "b.json", "{\"RoleDetailList\": [");
    let findings = findings_file(
        tmp.path(),
        &[(A, "ci", "GetObject"), (c, "ops", "DeleteObject")],
    );
    for jobs in ["1", "2"] {
        let run = run_org(&exports, &findings, &out, &["--jobs", jobs]);
        assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
        assert!(
            text(&run.stderr).contains("b.json"),
            "{}",
            text(&run.stderr)
        );
        assert_eq!(snapshot(&out), before, "--jobs {jobs}");
        let fresh = tmp.path().join("fresh").join("out");
        let run = run_org(&exports, &findings, &fresh, &["--jobs", jobs]);
        assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
        assert!(
            !tmp.path().join("fresh").exists(),
            "--jobs {jobs}: no folder made"
        );
    }
}
