//! `iam-refine account` with one usage file per principal, through the real binary: IAM
//! Access Advisor reports and findings (`--unused DIR`, with `--unused-after`), observed
//! usage (`--used DIR`), with `--verify`; and what is refused: misnamed, ambiguous and
//! duplicate files, mixed flags, files of the other kind, outputs over inputs, inputs over
//! `--max-input-bytes`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{json, Value};

use common::account::{account, auth, files, json_of, steps, testdata};
use common::{bin, read, text, write};

/// `iam-refine/testdata/account/advisor/EC2role.json`: `aws iam
/// get-service-last-accessed-details` for the testdata's `EC2role`, completed on
/// 10 June 2024: of Logs, `PutLogEvents` used the day before, `CreateLogStream` 101 days
/// before, `CreateLogGroup` never; S3 authenticated, without action-level data; EC2 never
/// authenticated. Lambda, CloudFormation and S3 Object Lambda are not in the report.
fn ec2role_advisor() -> String {
    read(&testdata("advisor/EC2role.json"))
}

fn folder(dir: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).unwrap();
    for (file, contents) in files {
        write(&folder, file, contents);
    }
    folder
}

fn with(flag: &str, auth: &Path, dir: &Path) -> Command {
    let mut c = bin();
    c.arg("account").arg(auth).arg(flag).arg(dir);
    c
}

/// The actions of the `CREATE_POLICY` step for `policy` in a recommendation.
fn created(rec: &Value, policy: &str) -> Option<Vec<Value>> {
    let step = steps(rec)
        .into_iter()
        .find(|s| s["existingPolicyId"] == policy && s["recommendedAction"] == "CREATE_POLICY")?;
    let doc = json_of(step["recommendedPolicy"].as_str().unwrap());
    Some(doc["Statement"].as_array().unwrap().clone())
}

fn logs_actions(rec: &Value) -> Value {
    created(rec, "LogsWriter").expect("LogsWriter is replaced")[0]["Action"].clone()
}

#[test]
fn access_advisor_reports_refine_their_principals() {
    let tmp = tempfile::tempdir().unwrap();
    let unused = folder(
        tmp.path(),
        "advisor",
        &[("EC2role.json", &ec2role_advisor())],
    );
    let out = tmp.path().join("out");
    let run = with("--unused", &auth(), &unused)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = text(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(
        err.contains("principals: 3 (1 refined, 0 to detach, 0 unchanged, 0 roles to delete, 2 without findings, 0 failed)"),
        "{err}"
    );
    assert_eq!(files(&out).keys().collect::<Vec<_>>(), ["EC2role.json"]);
    let rec = json_of(&read(&out.join("EC2role.json")));
    assert_eq!(rec["resourceArn"], "arn:aws:iam::123456789012:role/EC2role");
    // Never accessed: gone; accessed in March: kept.
    assert_eq!(
        logs_actions(&rec),
        json!(["logs:CreateLogStream", "logs:PutLogEvents"])
    );
    // EC2 never authenticated: the statement allowing only it goes; Lambda, CloudFormation
    // and iam:PassRole (not in the report) stay.
    let deploy = created(&rec, "arn:aws:iam::123456789012:policy/DeployPolicy").unwrap();
    assert_eq!(deploy.len(), 2, "{deploy:?}");
    assert_eq!(deploy[0]["Sid"], "Deploy");
    assert_eq!(
        deploy[0]["Action"],
        json!(["lambda:*", "cloudformation:*", "iam:PassRole"])
    );
    assert_eq!(deploy[1]["Effect"], "Deny");
    // S3 has no action-level data: nothing of AmazonS3ReadOnlyAccess is known unused.
    assert!(
        steps(&rec)
            .iter()
            .all(|s| s["existingPolicyId"] != "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
        "{rec}"
    );

    // --unused-after 90: March's use is stale.
    let stale = with("--unused", &auth(), &unused)
        .args(["--unused-after", "90"])
        .output()
        .unwrap();
    assert!(stale.status.success(), "{}", text(&stale.stderr));
    let line = json_of(text(&stale.stdout).lines().next().unwrap());
    assert_eq!(line["principal"], "arn:aws:iam::123456789012:role/EC2role");
    assert_eq!(
        logs_actions(&line["recommendation"]),
        json!(["logs:PutLogEvents"])
    );
}

#[test]
fn a_reports_notes_are_warnings_naming_its_file() {
    let tmp = tempfile::tempdir().unwrap();
    let truncated = ec2role_advisor().replace(
        r#""IsTruncated": false"#,
        r#""IsTruncated": true, "Marker": "AAEAAQ==""#,
    );
    assert_ne!(truncated, ec2role_advisor());
    let unused = folder(tmp.path(), "advisor", &[("EC2role.json", &truncated)]);
    let run = with("--unused", &auth(), &unused).output().unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let err = text(&run.stderr);
    assert!(
        err.contains(
            "EC2role.json: the Access Advisor report says more pages follow (`IsTruncated`)"
        ),
        "{err}"
    );
}

#[test]
fn unused_folders_take_findings_too_and_check_whom_they_are_about() {
    let tmp = tempfile::tempdir().unwrap();
    let unused = folder(
        tmp.path(),
        "unused",
        &[(
            "role-EC2role",
            r#"[{"serviceNamespace": "logs", "actions": ["CreateLogGroup", "CreateLogStream"]}]"#,
        )],
    );
    let run = with("--unused", &auth(), &unused).output().unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let line = json_of(text(&run.stdout).lines().next().unwrap());
    assert_eq!(
        logs_actions(&line["recommendation"]),
        json!(["logs:PutLogEvents"])
    );
    // A `get-finding-v2` output about another principal than its name says.
    let finding = read(&testdata(
        "findings/a1b2c3d4-0001-4000-8000-000000000001.json",
    ));
    assert!(finding.contains("role/EC2role"), "{finding}");
    let wrong = folder(tmp.path(), "wrong", &[("alice.json", &finding)]);
    let run = with("--unused", &auth(), &wrong).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = text(&run.stderr);
    assert!(
        err.contains("alice.json is a finding about `arn:aws:iam::123456789012:role/EC2role`, but its name stands for `arn:aws:iam::123456789012:user/alice`"),
        "{err}"
    );
    // --unused-after with findings: they already say what is unused.
    with("--unused", &auth(), &unused)
        .args(["--unused-after", "30"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--unused-after applies to an Access Advisor report",
        ));
}

#[test]
fn used_folders_remove_what_each_principal_did_not_use() {
    let tmp = tempfile::tempdir().unwrap();
    let used = folder(
        tmp.path(),
        "used",
        &[
            (
                "OldBatch.txt",
                "# seen in CloudTrail\nsqs:SendMessage\nsqs:ReceiveMessage\n",
            ),
            (
                "EC2role",
                r#"["logs:PutLogEvents", "s3:GetObject", "lambda:InvokeFunction"]"#,
            ),
        ],
    );
    let out = tmp.path().join("out");
    let run = with("--used", &auth(), &used)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = text(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(
        err.contains("principals: 3 (2 refined, 0 to detach, 0 unchanged, 0 roles to delete, 1 without findings, 0 failed)"),
        "{err}"
    );
    let written = files(&out);
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        ["EC2role.json", "OldBatch.json"]
    );
    let batch = json_of(&written["OldBatch.json"]);
    let sqs = created(&batch, "arn:aws:iam::aws:policy/AmazonSQSFullAccess").unwrap();
    assert_eq!(
        sqs[0]["Action"],
        json!(["sqs:ReceiveMessage", "sqs:SendMessage"])
    );
    let ec2 = json_of(&written["EC2role.json"]);
    assert_eq!(logs_actions(&ec2), json!(["logs:PutLogEvents"]));
    let deploy = created(&ec2, "arn:aws:iam::123456789012:policy/DeployPolicy").unwrap();
    assert_eq!(deploy[0]["Action"], json!(["lambda:InvokeFunction"]));
    let summary = with("--used", &auth(), &used)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(summary.status.success());
    let summary = json_of(&text(&summary.stdout));
    assert_eq!(summary["withoutFindings"], 1);
    // --unused-after is for Access Advisor reports.
    with("--used", &auth(), &used)
        .args(["--unused-after", "30"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--unused-after applies to IAM Access Advisor reports given with --unused DIR, not to --used"));
}

/// Each changed policy is proved against the unused set its plan was refined against: the
/// report's (after `--unused-after`), or what the principal's policies allow and it did not
/// use. A proof against any other set (none, or another policy's) would refute one.
#[test]
fn proofs_use_the_unused_set_the_plan_used() {
    let tmp = tempfile::tempdir().unwrap();
    let unused = folder(
        tmp.path(),
        "advisor",
        &[("EC2role.json", &ec2role_advisor())],
    );
    let used = folder(
        tmp.path(),
        "used",
        &[
            ("OldBatch.txt", "sqs:SendMessage\n"),
            (
                "EC2role",
                r#"["logs:PutLogEvents", "s3:GetObject", "lambda:InvokeFunction"]"#,
            ),
            ("alice", "s3:List*\n"),
        ],
    );
    for (flag, dir, extra, verified) in [
        (
            "--unused",
            &unused,
            &["--unused-after", "90"][..],
            "verified: 2 proved, 0 refuted, 0 unknown",
        ),
        (
            "--used",
            &used,
            &[],
            "verified: 6 proved, 0 refuted, 0 unknown",
        ),
    ] {
        let out = tmp.path().join(format!("out{flag}"));
        let run = with(flag, &auth(), dir)
            .args(extra)
            .args(["--verify", "-o"])
            .arg(&out)
            .output()
            .unwrap();
        let err = text(&run.stderr);
        assert!(run.status.success(), "{flag}: {err}");
        assert!(err.contains(verified), "{flag}: {err}");
        assert!(!files(&out).is_empty());
    }
}

#[test]
fn a_file_of_the_other_kind_is_refused_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let advisor = folder(
        tmp.path(),
        "advisor",
        &[("EC2role.json", &ec2role_advisor())],
    );
    let run = with("--used", &auth(), &advisor).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = text(&run.stderr);
    assert!(
        err.contains("EC2role.json is an Access Advisor report, which names what was not used: give it with --unused, not --used"),
        "{err}"
    );
    let used = folder(tmp.path(), "used", &[("alice.txt", "s3:GetObject\n")]);
    let run = with("--unused", &auth(), &used).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("alice.txt is a list of used actions"),
        "{}",
        text(&run.stderr)
    );
    // One file, not a folder: it names no principal.
    with("--unused", &auth(), &advisor.join("EC2role.json"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a folder"));
}

#[test]
fn misnamed_files_are_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let unused = folder(
        tmp.path(),
        "advisor",
        &[
            ("EC2role.json", &ec2role_advisor()),
            ("bob.json", &ec2role_advisor()),
            ("ec2ROLE.txt", &ec2role_advisor()),
            // Hidden files are no one's usage.
            (".DS_Store", "\0\0"),
        ],
    );
    let out = tmp.path().join("out");
    let run = with("--unused", &auth(), &unused)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(run.stdout.is_empty());
    let err = text(&run.stderr);
    assert!(
        err.contains("1 file is named after no role or user of the export: `bob.json`; `EC2role.json` and `ec2ROLE.txt` both stand for role `EC2role`"),
        "{err}"
    );
    assert!(!err.contains("DS_Store"), "{err}");
    assert!(!out.exists(), "nothing is written");
    // Findings saved by finding id are no per-principal folder.
    let run = with("--unused", &auth(), &testdata("findings"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = text(&run.stderr);
    assert!(
        err.contains("7 files are named after no role or user of the export: `a1b2c3d4-0001-4000-8000-000000000001.json`"),
        "{err}"
    );
    assert!(err.contains(", and 2 more"), "{err}");
    assert!(err.contains("goes with --findings"), "{err}");
    let empty = folder(tmp.path(), "empty", &[]);
    let run = with("--used", &auth(), &empty).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(text(&run.stderr).contains("has no file"));
}

/// A folder, pipe or device where a principal's file would be is refused, not skipped (its
/// principal would pass for "without findings") and never read (a pipe would block).
#[test]
fn entries_that_are_not_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let unused = folder(
        tmp.path(),
        "advisor",
        &[("EC2role.json", &ec2role_advisor())],
    );
    // Hidden entries, files or not, are still no one's usage.
    std::fs::create_dir(unused.join(".git")).unwrap();
    with("--unused", &auth(), &unused).assert().success();
    std::fs::create_dir(unused.join("EC2role")).unwrap();
    let run = with("--unused", &auth(), &unused).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = text(&run.stderr);
    assert!(err.contains("`EC2role` is not a regular file"), "{err}");
    #[cfg(unix)]
    {
        std::fs::remove_dir(unused.join("EC2role")).unwrap();
        let fifo = unused.join("alice.json");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let run = with("--unused", &auth(), &unused)
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(1));
        let err = text(&run.stderr);
        assert!(err.contains("`alice.json` is not a regular file"), "{err}");
    }
}

#[test]
fn a_role_and_a_user_of_one_name_need_the_kind_prefix() {
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
    let plain = folder(tmp.path(), "plain", &[("alice.txt", "sns:Publish\n")]);
    let run = with("--used", &auth, &plain).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = text(&run.stderr);
    assert!(
        err.contains("`alice.txt` could stand for role `alice` and user `alice`; name it `role-alice.txt` or `user-alice.txt`"),
        "{err}"
    );
    let prefixed = folder(
        tmp.path(),
        "prefixed",
        &[
            ("role-alice.txt", "sns:Publish\n"),
            ("user-alice.txt", "s3:GetObject\n"),
        ],
    );
    let out = tmp.path().join("out");
    let run = with("--used", &auth, &prefixed)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let written = files(&out);
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        ["role-alice.json", "user-alice.json"]
    );
    let role = json_of(&written["role-alice.json"]);
    assert_eq!(role["resourceArn"], "arn:aws:iam::123456789012:role/alice");
    assert_eq!(
        created(&role, "p").unwrap()[0]["Action"],
        json!(["sns:Publish"])
    );
    let user = json_of(&written["user-alice.json"]);
    assert_eq!(user["resourceArn"], "arn:aws:iam::123456789012:user/alice");
}

#[test]
fn exactly_one_usage_source_is_required() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = folder(tmp.path(), "d", &[("EC2role.json", &ec2role_advisor())]);
    for flags in [
        &["--findings", "F", "--unused", "D"][..],
        &["--unused", "D", "--used", "D"],
        &["--findings", "F", "--used", "D"],
        &[],
    ] {
        let args: Vec<PathBuf> = flags
            .iter()
            .map(|f| match *f {
                "F" => testdata("findings"),
                "D" => dir.clone(),
                flag => PathBuf::from(flag),
            })
            .collect();
        let run = bin()
            .arg("account")
            .arg(auth())
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(
            run.status.code(),
            Some(2),
            "{flags:?}: {}",
            text(&run.stderr)
        );
        assert!(run.stdout.is_empty());
    }
    account(&auth(), &testdata("findings"))
        .args(["--unused-after", "30"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--unused-after applies to IAM Access Advisor reports given with --unused DIR; --findings reads Access Analyzer findings, which already say what is unused"));
}

#[test]
fn outputs_never_go_over_usage_files() {
    let tmp = tempfile::tempdir().unwrap();
    let unused = folder(
        tmp.path(),
        "advisor",
        &[("EC2role.json", &ec2role_advisor())],
    );
    with("--unused", &auth(), &unused)
        .arg("-o")
        .arg(&unused)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is the --unused folder"));
    // Inside it: the next run would refuse the folder it made there.
    for flag in ["--unused", "--used"] {
        with(flag, &auth(), &unused)
            .arg("-o")
            .arg(unused.join("out"))
            .assert()
            .code(1)
            .stderr(predicate::str::contains(format!(
                "--output-dir `{}` is inside the {flag} folder",
                unused.join("out").display()
            )));
        assert!(!unused.join("out").exists());
    }
    // The output's EC2role.json is the usage file under another name.
    let out = folder(tmp.path(), "out", &[]);
    std::fs::hard_link(unused.join("EC2role.json"), out.join("EC2role.json")).unwrap();
    with("--unused", &auth(), &unused)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would overwrite the input"));
    assert_eq!(read(&unused.join("EC2role.json")), ec2role_advisor());
}

#[test]
fn max_input_bytes_applies_to_each_usage_file() {
    let tmp = tempfile::tempdir().unwrap();
    let padded = format!("{}{}", ec2role_advisor(), " ".repeat(20_000));
    let unused = folder(tmp.path(), "advisor", &[("EC2role.json", &padded)]);
    with("--unused", &auth(), &unused)
        .args(["--max-input-bytes", "16KiB"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "EC2role.json` is larger than --max-input-bytes",
        ));
}

#[test]
fn a_shard_reads_only_its_principals_files() {
    let tmp = tempfile::tempdir().unwrap();
    let used = folder(
        tmp.path(),
        "used",
        &[
            ("OldBatch.txt", "not an action\n"),
            ("EC2role.txt", "logs:PutLogEvents\n"),
        ],
    );
    // Each principal's shard of 2; the one holding OldBatch fails on its file.
    let (mut failed, mut fine) = (0, 0);
    for shard in ["0/2", "1/2"] {
        let run = with("--used", &auth(), &used)
            .args(["--shard", shard])
            .output()
            .unwrap();
        match run.status.code() {
            Some(0) => fine += 1,
            Some(1) => {
                assert!(
                    text(&run.stderr).contains("OldBatch.txt"),
                    "{}",
                    text(&run.stderr)
                );
                failed += 1;
            }
            other => panic!("{other:?}: {}", text(&run.stderr)),
        }
    }
    assert_eq!(failed, 1, "only OldBatch's shard reads its file");
    assert_eq!(fine, 1);
}
