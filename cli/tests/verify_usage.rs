//! `verify` takes what `refine` takes: an Access Advisor report (with `--unused-after`) as
//! well as findings with `--unused`, and a list of used actions with `--used`; what it
//! proves against is what the refinement was made against.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::{Path, PathBuf};

use common::{bin, example, stdout_json, text, write};

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Logs", "Effect": "Allow", "Action": ["logs:PutLogEvents", "logs:CreateLogStream", "logs:CreateLogGroup", "ec2:DescribeInstances", "s3:GetObject"], "Resource": "*"}]}"#;

fn advisor() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../iam-refine/testdata/account/advisor/EC2role.json")
}

/// `refine POLICY ARGS --quiet`, its refined document written to `dir/name`.
fn refined(dir: &Path, name: &str, policy: &Path, args: &[&str]) -> PathBuf {
    let out = bin()
        .arg("refine")
        .arg(policy)
        .args(args)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    write(dir, name, &text(&out.stdout))
}

fn verify(original: &Path, refined: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut c = bin();
    c.arg("verify")
        .arg("--original")
        .arg(original)
        .arg("--refined")
        .arg(refined)
        .args(args)
        .args(["--format", "json"]);
    c
}

#[test]
fn a_refinement_from_an_access_advisor_report_is_proved_against_it() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "p.json", POLICY);
    let report = advisor();
    let report = report.to_str().unwrap();
    let r = refined(dir.path(), "r.json", &policy, &["--unused", report]);
    verify(&policy, &r, &["--unused", report])
        .assert()
        .success();
    // The same refinement against a report that also calls CreateLogStream unused (last
    // used 101 days before the job) keeps an unused action.
    let out = verify(&policy, &r, &["--unused", report, "--unused-after", "90"])
        .assert()
        .code(3);
    let v = stdout_json(&out.get_output().stdout);
    assert_eq!(
        v["subjects"][0]["witness"]["action"],
        "logs:createlogstream"
    );
    // Refined with --unused-after 90, it is proved with it, and refuted without it (an
    // action that is not unused was removed).
    let r90 = refined(
        dir.path(),
        "r90.json",
        &policy,
        &["--unused", report, "--unused-after", "90"],
    );
    verify(&policy, &r90, &["--unused", report, "--unused-after", "90"])
        .assert()
        .success();
    let out = verify(&policy, &r90, &["--unused", report])
        .assert()
        .code(3);
    let v = stdout_json(&out.get_output().stdout);
    assert_eq!(v["subjects"][0]["rule"], "exactness");
    assert_eq!(
        v["subjects"][0]["witness"]["action"],
        "logs:createlogstream"
    );
}

#[test]
fn a_refinement_from_used_actions_is_proved_against_them() {
    let dir = tempfile::tempdir().unwrap();
    let used = example("used.txt");
    let used = used.to_str().unwrap();
    let policy = example("policy.json");
    let r = refined(dir.path(), "r.json", &policy, &["--used", used]);
    let out = verify(&policy, &r, &["--used", used]).assert().success();
    assert_eq!(stdout_json(&out.get_output().stdout)["verdict"], "proved");
    // The refinement made from the findings keeps actions that were not used
    // (lambda:InvokeAsync, s3:GetBucketAbac, ...): refuted against the used list, with one
    // of them as witness.
    let findings = example("unused.json");
    let from_findings = refined(
        dir.path(),
        "f.json",
        &policy,
        &["--unused", findings.to_str().unwrap()],
    );
    let out = verify(&policy, &from_findings, &["--used", used])
        .assert()
        .code(3);
    let v = stdout_json(&out.get_output().stdout);
    let witness = v["subjects"][0]["witness"]["action"].as_str().unwrap();
    assert!(
        witness.starts_with("s3:get") || witness.starts_with("lambda:invoke"),
        "{v}"
    );
    assert!(
        !["s3:getobject", "s3:listbucket", "lambda:invokefunction"].contains(&witness),
        "{v}"
    );
}

#[test]
fn usage_sources_are_checked_as_for_refine() {
    let dir = tempfile::tempdir().unwrap();
    let policy = example("policy.json");
    let refined_file = example("broken.json");
    // --unused-after with findings: the file is not an Access Advisor report.
    let out = verify(
        &policy,
        &refined_file,
        &[
            "--unused",
            example("unused.json").to_str().unwrap(),
            "--unused-after",
            "30",
        ],
    )
    .assert()
    .code(1);
    assert!(text(&out.get_output().stderr)
        .contains("--unused-after applies to an Access Advisor report"));
    // --unused-after with --used, and both --unused and --used: usage errors.
    verify(
        &policy,
        &refined_file,
        &["--used", "x", "--unused-after", "30"],
    )
    .assert()
    .code(2);
    verify(&policy, &refined_file, &["--used", "x", "--unused", "y"])
        .assert()
        .code(2);
    // A list of used actions given as unused, and findings given as used.
    let out = verify(
        &policy,
        &refined_file,
        &["--unused", example("used.txt").to_str().unwrap()],
    )
    .assert()
    .code(1);
    assert!(text(&out.get_output().stderr).contains("give it with --used"));
    let out = verify(
        &policy,
        &refined_file,
        &["--used", example("unused.json").to_str().unwrap()],
    )
    .assert()
    .code(1);
    assert!(text(&out.get_output().stderr).contains("give it with --unused"));
    // --findings is for --account only.
    let f = write(dir.path(), "f.json", "[]");
    verify(&policy, &refined_file, &["--findings", f.to_str().unwrap()])
        .assert()
        .code(2);
}
