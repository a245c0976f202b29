//! `iam-refine compare` and `check-not-granted` through the binaries (the thin one hands
//! over to the prover): relations, witnesses with their `aws` commands, the `--expect`
//! gates and exit codes, several files a side, envelopes, JSON shapes, rules files and
//! every refusal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;
use serde_json::{json, Value};

use common::{bin, stdout_json, text, write};

fn policy(statements: Value) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn allow(actions: Value, resources: Value) -> Value {
    json!({"Effect": "Allow", "Action": actions, "Resource": resources})
}

fn file(dir: &Path, name: &str, statements: Value) -> PathBuf {
    write(dir, name, &policy(statements))
}

fn compare(old: &Path, new: &Path) -> Command {
    let mut c = bin();
    c.arg("compare").arg(old).arg(new);
    c
}

const BUCKET: &str = "arn:aws:s3:::reports/*";

/// One statement with two actions and a Deny, against the same split per action, reordered,
/// `Action` as a string, a duplicated statement, and the Deny's values as a list.
#[test]
fn split_merged_reordered_and_duplicated_statements_are_equivalent() {
    let dir = tempfile::tempdir().unwrap();
    let old = file(
        dir.path(),
        "old.json",
        json!([
            allow(json!(["s3:GetObject", "s3:PutObject"]), json!(BUCKET)),
            {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports/locked/*"},
        ]),
    );
    let new = file(
        dir.path(),
        "new.json",
        json!([
            {"Effect": "Deny", "Action": ["s3:PutObject"], "Resource": ["arn:aws:s3:::reports/locked/*"]},
            allow(json!("s3:PutObject"), json!([BUCKET])),
            allow(json!("s3:GetObject"), json!(BUCKET)),
            allow(json!("s3:GetObject"), json!(BUCKET)),
        ]),
    );
    compare(&old, &new)
        .args(["--expect", "equivalent"])
        .assert()
        .code(0)
        .stdout("OLD and NEW are equivalent: they allow the same requests\n");
}

#[test]
fn a_narrowed_resource_is_no_new_access_with_a_witness_of_what_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let old = file(
        dir.path(),
        "old.json",
        json!([allow(json!("s3:GetObject"), json!(BUCKET))]),
    );
    let new = file(
        dir.path(),
        "new.json",
        json!([allow(
            json!("s3:GetObject"),
            json!("arn:aws:s3:::reports/public/*")
        )]),
    );
    compare(&old, &new)
        .args(["--expect", "no-new-access"])
        .assert()
        .code(0)
        .stdout(contains("NEW allows less: no new access"))
        .stdout(contains("OLD allows, NEW denies:\n  action    s3:"));
    let out = compare(&old, &new)
        .args(["--expect", "equivalent"])
        .assert()
        .code(3)
        .stderr(contains(
            "iam-refine: expected equivalent, but NEW allows less",
        ));
    let stdout = text(&out.get_output().stdout);
    // The witness is a resource the old pattern matches and the new one does not.
    let resource = stdout
        .lines()
        .find_map(|l| l.strip_prefix("  resource  "))
        .unwrap();
    assert!(resource.starts_with("arn:aws:s3:::reports/"), "{stdout}");
    assert!(
        !resource.starts_with("arn:aws:s3:::reports/public/"),
        "{stdout}"
    );
    assert!(
        stdout.contains("aws iam simulate-custom-policy --policy-input-list file://"),
        "{stdout}"
    );
}

#[test]
fn a_condition_added_is_no_new_access() {
    let dir = tempfile::tempdir().unwrap();
    let old = file(
        dir.path(),
        "old.json",
        json!([allow(json!("s3:GetObject"), json!(BUCKET))]),
    );
    let mut narrowed = allow(json!("s3:GetObject"), json!(BUCKET));
    narrowed["Condition"] = json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}});
    let new = file(dir.path(), "new.json", json!([narrowed]));
    let out = compare(&old, &new)
        .args(["--format", "json"])
        .assert()
        .code(0);
    let report = stdout_json(&out.get_output().stdout);
    assert_eq!(report["relation"], "noNewAccess");
    assert_eq!(report["noNewAccess"], true);
    assert_eq!(report["equivalent"], false);
    assert_eq!(report["newAllows"], Value::Null);
    assert!(report["oldAllows"]["request"]["action"].is_string());
}

/// A Deny on plain HTTP removed: NEW allows more, and only a request with
/// `aws:SecureTransport` false shows it, so the witness carries that context entry, in the
/// `aws` command too.
#[test]
fn a_condition_removed_allows_more_with_the_context_that_matters() {
    let dir = tempfile::tempdir().unwrap();
    let read = allow(json!("s3:GetObject"), json!(BUCKET));
    let old = file(
        dir.path(),
        "old.json",
        json!([read, {"Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]),
    );
    let new = file(dir.path(), "new.json", json!([read]));
    let out = compare(&old, &new)
        .args(["--expect", "no-new-access"])
        .assert()
        .code(3)
        .stderr(contains("expected no new access, but NEW allows more"));
    let stdout = text(&out.get_output().stdout);
    assert!(stdout.contains("NEW allows, OLD denies:\n"), "{stdout}");
    assert!(
        stdout.contains("  context   aws:SecureTransport (boolean) = false\n"),
        "{stdout}"
    );
    assert!(stdout.contains("--context-entries"), "{stdout}");
    let out = compare(&old, &new)
        .args(["--format", "json", "--expect", "no-new-access"])
        .assert()
        .code(3);
    let report = stdout_json(&out.get_output().stdout);
    assert_eq!(report["schemaVersion"], 1);
    assert_eq!(report["relation"], "newAllowsMore");
    assert_eq!(report["holds"], false);
    assert_eq!(report["exitCode"], 3);
    let w = &report["newAllows"];
    assert_eq!(
        w["request"]["context"]["aws:SecureTransport"],
        json!({"type": "boolean", "values": ["false"]})
    );
    assert_eq!(w["awsCli"]["new"][0], "aws");
    assert!(w["awsCli"]["old"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a.as_str().unwrap().ends_with("old.json")));
}

#[test]
fn incomparable_sides_get_a_witness_each_and_exit_0_without_expect() {
    let dir = tempfile::tempdir().unwrap();
    let old = file(
        dir.path(),
        "old.json",
        json!([allow(json!("s3:GetObject"), json!("*"))]),
    );
    let new = file(
        dir.path(),
        "new.json",
        json!([allow(json!("s3:PutObject"), json!("*"))]),
    );
    let out = compare(&old, &new)
        .args(["--format", "json"])
        .assert()
        .code(0);
    let report = stdout_json(&out.get_output().stdout);
    assert_eq!(report["relation"], "incomparable");
    assert_eq!(report["holds"], Value::Null);
    assert!(report["newAllows"]["request"]["action"]
        .as_str()
        .unwrap()
        .eq_ignore_ascii_case("s3:PutObject"));
    assert!(report["oldAllows"]["request"]["action"]
        .as_str()
        .unwrap()
        .eq_ignore_ascii_case("s3:GetObject"));
    compare(&old, &new)
        .args(["--expect", "equivalent"])
        .assert()
        .code(3)
        .stdout(contains("incomparable"));
}

#[test]
fn an_unmodelled_operator_is_unknown_exit_4_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let old = file(
        dir.path(),
        "old.json",
        json!([allow(json!("s3:GetObject"), json!("*"))]),
    );
    let mut odd = allow(json!("s3:GetObject"), json!("*"));
    odd["Condition"] = json!({"StringFancy": {"aws:username": "x"}});
    let new = file(dir.path(), "new.json", json!([odd]));
    for expect in ["equivalent", "no-new-access"] {
        compare(&old, &new)
            .args(["--expect", expect])
            .assert()
            .code(4)
            .stdout(contains("could not be decided"))
            .stdout(contains("StringFancy"))
            .stderr(contains("nothing is claimed"));
    }
    compare(&old, &new).assert().code(4);
}

#[test]
fn a_resource_based_policy_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let old = file(
        dir.path(),
        "old.json",
        json!([allow(json!("s3:GetObject"), json!("*"))]),
    );
    let mut bucket = allow(json!("s3:GetObject"), json!("*"));
    bucket["Principal"] = json!("*");
    let new = file(dir.path(), "bucket.json", json!([bucket]));
    compare(&old, &new)
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("bucket.json: statement 1:"))
        .stderr(contains("Principal"));
}

#[test]
fn several_files_a_side_are_one_principal_and_envelopes_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let get = file(
        dir.path(),
        "get.json",
        json!([allow(json!("s3:GetObject"), json!(BUCKET))]),
    );
    // `aws iam get-role-policy` output, and `get-policy-version` with the document as a
    // URL-encoded string.
    let put = write(
        dir.path(),
        "put.json",
        &json!({"RoleName": "r", "PolicyName": "put",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [allow(json!("s3:PutObject"), json!(BUCKET))]}})
        .to_string(),
    );
    let both_doc = policy(json!([allow(
        json!(["s3:PutObject", "s3:GetObject"]),
        json!(BUCKET)
    )]));
    let encoded: String = both_doc
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let both = write(
        dir.path(),
        "both.json",
        &json!({"PolicyVersion": {"Document": encoded, "VersionId": "v1", "IsDefaultVersion": true}}).to_string(),
    );
    let mut c = bin();
    c.arg("compare")
        .arg("--old")
        .arg(&get)
        .arg("--old")
        .arg(&put)
        .arg("--new")
        .arg(&both)
        .args(["--expect", "equivalent", "--format", "json"]);
    let out = c.assert().code(0);
    let report = stdout_json(&out.get_output().stdout);
    assert_eq!(report["relation"], "equivalent");
    assert_eq!(report["old"].as_array().unwrap().len(), 2);
    // Without the second old file, NEW allows more (s3:PutObject).
    let mut c = bin();
    c.arg("compare")
        .arg("--old")
        .arg(&get)
        .arg("--new")
        .arg(&both);
    let out = c.args(["--format", "json"]).assert().code(0);
    let report = stdout_json(&out.get_output().stdout);
    assert_eq!(report["relation"], "newAllowsMore");
    // The envelope is handed to AWS as the document's text, not by file name.
    let aws = report["newAllows"]["awsCli"]["new"].as_array().unwrap();
    assert!(aws[4].as_str().unwrap().starts_with("{\""), "{aws:?}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = file(
        dir.path(),
        "p.json",
        json!([allow(json!("s3:GetObject"), json!("*"))]),
    );
    let run = |args: &[&str]| {
        let mut c = bin();
        c.arg("compare").args(args).current_dir(dir.path());
        c.assert().code(2);
    };
    run(&["p.json"]);
    run(&["p.json", "p.json", "p.json"]);
    run(&["p.json", "p.json", "--old", "p.json"]);
    run(&["--old", "p.json"]);
    run(&["--new", "p.json"]);
    run(&["p.json", "p.json", "--expect", "maybe"]);
    run(&["p.json", "p.json", "--unknown", ""]);
    run(&["p.json", "p.json", "--timeout", "0"]);
    run(&["-", "-"]);
    assert!(p.exists());
}

fn check(policy: &Path) -> Command {
    let mut c = bin();
    c.arg("check-not-granted").arg(policy);
    c
}

#[test]
fn check_not_granted_with_actions_and_resources() {
    let dir = tempfile::tempdir().unwrap();
    let p = file(
        dir.path(),
        "p.json",
        json!([allow(json!(["s3:Get*", "s3:PutObject"]), json!(BUCKET))]),
    );
    check(&p)
        .args(["--action", "iam:*", "--action", "s3:Delete*"])
        .assert()
        .code(0)
        .stdout("command-line: not granted\n");
    check(&p)
        .args(["--action", "s3:Put*", "--resource", "arn:aws:s3:::other/*"])
        .assert()
        .code(0);
    let out = check(&p)
        .args([
            "--action",
            "S3:PUT*",
            "--resource",
            "arn:aws:s3:::reports/secret/*",
        ])
        .assert()
        .code(3);
    let stdout = text(&out.get_output().stdout);
    assert!(stdout.starts_with("command-line: granted:\n"), "{stdout}");
    assert!(
        stdout.contains("  resource  arn:aws:s3:::reports/secret/"),
        "{stdout}"
    );
    assert!(stdout.contains("--policy-input-list file://"), "{stdout}");
}

#[test]
fn check_not_granted_with_a_rules_file_one_line_per_rule_and_the_worst_exit() {
    let dir = tempfile::tempdir().unwrap();
    let p = file(
        dir.path(),
        "p.json",
        json!([allow(json!("s3:*"), json!(BUCKET))]),
    );
    let rules = write(
        dir.path(),
        "rules.json",
        &json!({"rules": [
            {"id": "no-iam-write", "description": "No one writes IAM", "actions": ["iam:Create*", "iam:Put*"]},
            {"id": "no-bucket-delete", "actions": "s3:DeleteBucket", "resources": ["arn:aws:s3:::*"]},
            {"actions": "ec2:*"}
        ]})
        .to_string(),
    );
    let out = check(&p).arg("--rules").arg(&rules).assert().code(3);
    let stdout = text(&out.get_output().stdout);
    assert!(
        stdout.starts_with("no-iam-write: not granted\nno-bucket-delete: granted:\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("rule-3: not granted\n"), "{stdout}");
    let out = check(&p)
        .arg("--rules")
        .arg(&rules)
        .args(["--format", "json"])
        .assert()
        .code(3);
    let report = stdout_json(&out.get_output().stdout);
    assert_eq!(report["command"], "check-not-granted");
    let subjects = report["subjects"].as_array().unwrap();
    assert_eq!(subjects.len(), 3);
    assert_eq!(subjects[0]["policyId"], "no-iam-write");
    assert_eq!(subjects[0]["verdict"], "proved");
    assert_eq!(subjects[1]["verdict"], "refuted");
    assert_eq!(subjects[1]["rule"], "access-granted");
    assert!(subjects[1]["witness"]["resource"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:s3:::"));
    // SARIF for code scanning: one result, the granted rule.
    let out = check(&p)
        .arg("--rules")
        .arg(&rules)
        .args(["--format", "sarif"])
        .assert()
        .code(3);
    let sarif = stdout_json(&out.get_output().stdout);
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
}

#[test]
fn hostile_rules_files_are_refused_naming_the_file_and_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let p = file(
        dir.path(),
        "p.json",
        json!([allow(json!("s3:*"), json!("*"))]),
    );
    let cases = [
        (
            r#"{"rules": [{"id": "a", "actions": "iam:*", "actions": "s3:*"}]}"#,
            "duplicate key `actions`",
        ),
        (
            r#"{"rules": [{"id": "a", "action": "iam:*"}]}"#,
            "rule 1 (`a`): unknown key `action`",
        ),
        (
            r#"{"rules": [{"actions": []}]}"#,
            "rule 1: `actions` is empty",
        ),
        (
            r#"{"rules": [{"actions": "iam:*", "resources": [""]}]}"#,
            "empty pattern",
        ),
        (
            r#"{"rules": [{"id": "x", "actions": "a:b"}, {"id": "x", "actions": "c:d"}]}"#,
            "rule 2 (`x`)",
        ),
        (r#"{"rules": []}"#, "`rules` is empty"),
        ("[1, 2]", "expected an object"),
        ("{\"rules\": [", "not a rules file"),
    ];
    for (i, (body, expected)) in cases.into_iter().enumerate() {
        let rules = write(dir.path(), &format!("r{i}.json"), body);
        check(&p)
            .arg("--rules")
            .arg(&rules)
            .assert()
            .code(1)
            .stdout("")
            .stderr(contains(format!("r{i}.json")))
            .stderr(contains(expected));
    }
    // --rules and --action are one or the other.
    check(&p)
        .args(["--action", "iam:*", "--rules", "r0.json"])
        .assert()
        .code(2);
    check(&p).assert().code(2);
    check(&p).args(["--resource", "*"]).assert().code(2);
}

/// `${BucketName}` declared unknown: one string, the same on both sides; the witness says
/// what it assumed. NEW narrows the resource, so `--expect equivalent` is refuted whatever
/// the other direction gives.
#[test]
fn declared_unknowns_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let any = "arn:aws:s3:::${BucketName}/*";
    let old = file(
        dir.path(),
        "old.json",
        json!([allow(json!("s3:GetObject"), json!(any))]),
    );
    let narrowed = policy(json!([allow(
        json!("s3:GetObject"),
        json!("arn:aws:s3:::${BucketName}/public/*")
    )]));
    let mut c = bin();
    c.arg("compare")
        .arg(&old)
        .arg("-")
        .args(["--unknown", "BucketName", "--format", "json"])
        .args(["--expect", "equivalent"])
        .write_stdin(narrowed);
    let out = c.assert().code(3).stderr(contains(
        "expected equivalent, but OLD allows a request NEW denies",
    ));
    let report = stdout_json(&out.get_output().stdout);
    assert_eq!(report["new"], json!(["<stdin>"]));
    let w = &report["oldAllows"];
    assert!(w["unknowns"]["BucketName"].is_string(), "{report}");
    // Declared, it is no context key.
    assert_eq!(w["request"]["context"], json!({}), "{report}");
    let mut c = bin();
    c.arg("compare")
        .arg(&old)
        .arg(&old)
        .args(["--unknown", "a}b"]);
    c.assert().code(2);
}

#[test]
fn a_rules_file_over_the_size_limit_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let p = file(
        dir.path(),
        "p.json",
        json!([allow(json!("s3:*"), json!("*"))]),
    );
    let rules = write(
        dir.path(),
        "big.json",
        &format!(
            r#"{{"rules": [{{"actions": "iam:*", "description": "{}"}}]}}"#,
            "x".repeat(4096)
        ),
    );
    check(&p)
        .arg("--rules")
        .arg(&rules)
        .args(["--max-input-bytes", "1KiB"])
        .assert()
        .code(1)
        .stderr(contains("big.json"))
        .stderr(contains("--max-input-bytes"));
}

#[test]
fn the_gate_as_sarif_and_junit() {
    let dir = tempfile::tempdir().unwrap();
    let old = file(
        dir.path(),
        "old.json",
        json!([allow(json!("s3:GetObject"), json!("*"))]),
    );
    let new = file(
        dir.path(),
        "new.json",
        json!([allow(json!(["s3:GetObject", "s3:PutObject"]), json!("*"))]),
    );
    let out = compare(&old, &new)
        .args(["--expect", "no-new-access", "--format", "sarif"])
        .assert()
        .code(3)
        .stderr(contains("NEW allows, OLD denies:"));
    let sarif = stdout_json(&out.get_output().stdout);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "new-access");
    let out = compare(&new, &old)
        .args(["--expect", "equivalent", "--format", "junit"])
        .assert()
        .code(3);
    let xml = text(&out.get_output().stdout);
    assert!(xml.contains(r#"<failure type="access-removed""#), "{xml}");
    compare(&old, &old)
        .args(["--expect", "equivalent", "--format", "junit"])
        .assert()
        .code(0)
        .stdout(contains(r#"failures="0""#));
    // Without a gate there is nothing to report.
    compare(&old, &new)
        .args(["--format", "sarif"])
        .assert()
        .code(2);
}

/// Three one-character values that must differ pairwise, in languages that write no
/// character: OLD allows a request only when two of them are equal, NEW whatever they are.
/// The string search once offered only the characters the policies write plus one spare,
/// so three different one-character strings were "impossible" and this was proved
/// `equivalent` (exit 0 under `--expect no-new-access`): a false proof. Now refuted, with
/// three different values as witness, re-checked by the library's evaluator.
#[test]
fn three_values_that_must_differ_are_found_not_called_impossible() {
    let dir = tempfile::tempdir().unwrap();
    let like = json!({"aws:username": "?", "s3:prefix": "?", "aws:userid": "?"});
    let get = |condition: Value| json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition});
    let new = file(
        dir.path(),
        "new.json",
        json!([get(json!({ "StringLike": like }))]),
    );
    let pairs = [
        ("s3:prefix", "${aws:username}"),
        ("aws:userid", "${aws:username}"),
        ("s3:prefix", "${aws:userid}"),
    ];
    let old_statements: Vec<Value> = pairs
        .iter()
        .map(|(key, var)| get(json!({"StringLike": like, "StringEquals": {*key: var}})))
        .collect();
    let old = file(dir.path(), "old.json", json!(old_statements));
    let out = compare(&old, &new)
        .args(["--format", "json", "--expect", "no-new-access"])
        .assert()
        .code(3);
    let report = stdout_json(&out.get_output().stdout);
    assert_eq!(report["relation"], "newAllowsMore");
    let context = &report["newAllows"]["request"]["context"];
    let value = |key: &str| context[key]["values"][0].as_str().unwrap().to_string();
    let (a, b, c) = (
        value("aws:username"),
        value("s3:prefix"),
        value("aws:userid"),
    );
    assert!(a != b && b != c && a != c, "{context}");
    assert!(
        [&a, &b, &c].iter().all(|v| v.chars().count() == 1),
        "{context}"
    );
}
