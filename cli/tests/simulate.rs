//! `iam-refine simulate` through the binary: decisions, formats, `--expect`, exit codes,
//! the `aws iam simulate-custom-policy` command, and every refusal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::json;

use common::{bin, example, stdout_json, text, write};

fn simulate() -> Command {
    let mut c = bin();
    c.arg("simulate");
    c
}

const OBJECT: &str = "arn:aws:s3:::reports/red/q1.csv";

fn tls(c: &mut Command) -> &mut Command {
    c.arg(example("tls.json"))
        .args(["--action", "s3:GetObject", "--resource", OBJECT])
        .args(["--context", "aws:PrincipalTag/team=string:red"])
}

#[test]
fn allowed_prints_the_deciding_statement_and_the_aws_command() {
    let out = tls(&mut simulate())
        .args(["--context", "aws:SecureTransport=boolean:true"])
        .assert()
        .code(0);
    let stdout = text(&out.get_output().stdout);
    assert!(stdout.starts_with("allowed\n"), "{stdout}");
    assert!(
        stdout.contains("tls.json, statement 1 (Sid `ReadReports`): Allow\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("aws iam simulate-custom-policy --policy-input-list file://"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("--action-names s3:GetObject --resource-arns {OBJECT} --context-entries ContextKeyName=aws:PrincipalTag/team,ContextKeyValues=red,ContextKeyType=string ContextKeyName=aws:SecureTransport,ContextKeyValues=true,ContextKeyType=boolean\n")), "{stdout}");
}

#[test]
fn an_unmet_expectation_exits_3_and_says_so() {
    tls(&mut simulate())
        .args([
            "--context",
            "aws:SecureTransport=boolean:false",
            "--expect",
            "allowed",
        ])
        .assert()
        .code(3)
        .stdout(contains("denied (explicit deny)\n"))
        .stdout(contains("statement 2 (Sid `DenyPlainHttp`): Deny"))
        .stderr(contains(
            "expected allowed, but the request is denied (explicit deny)",
        ));
    tls(&mut simulate())
        .args([
            "--context",
            "aws:SecureTransport=boolean:false",
            "--expect",
            "denied",
        ])
        .assert()
        .code(0);
    // The team's tag decides the resource: another team is implicitly denied.
    simulate()
        .arg(example("tls.json"))
        .args([
            "--action",
            "s3:GetObject",
            "--resource",
            OBJECT,
            "--expect",
            "denied",
        ])
        .assert()
        .code(0)
        .stdout(contains("denied (implicit deny: no statement allows it)"));
}

#[test]
fn json_has_a_schema_version_the_request_and_the_statements() {
    let out = tls(&mut simulate())
        .args([
            "--context",
            "aws:SecureTransport=boolean:false",
            "--format",
            "json",
            "--expect",
            "denied",
        ])
        .assert()
        .code(0);
    let v = stdout_json(&out.get_output().stdout);
    assert_eq!(v["schemaVersion"], 2);
    assert_eq!(v["decision"], "explicitDeny");
    assert_eq!(v["allowed"], false);
    assert_eq!(v["asExpected"], true);
    assert_eq!(v["statements"][0]["statement"], 2);
    assert_eq!(v["statements"][0]["sid"], "DenyPlainHttp");
    assert_eq!(v["matched"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["request"]["context"]["aws:SecureTransport"],
        json!({"type": "boolean", "values": ["false"]})
    );
    assert_eq!(v["awsCli"][2], "simulate-custom-policy");
}

#[test]
fn a_request_file_and_repeated_list_keys() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(
        dir.path(),
        "p.json",
        &json!({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "cost"]}}}})
        .to_string(),
    );
    let request = write(
        dir.path(),
        "r.json",
        r#"{"action": "ec2:CreateTags", "resource": "x",
        "context": {"aws:TagKeys": {"type": "stringList", "values": ["team", "secret"]}}}"#,
    );
    simulate()
        .arg(&policy)
        .arg("--request")
        .arg(&request)
        .assert()
        .code(0)
        .stdout(contains("denied (implicit"));
    simulate()
        .arg(&policy)
        .args(["--action", "ec2:CreateTags", "--resource", "x"])
        .args([
            "--context",
            "aws:TagKeys=stringList:team",
            "--context",
            "aws:tagkeys=stringList:cost",
        ])
        .assert()
        .code(0)
        .stdout(contains("allowed\n"))
        .stdout(contains(
            "ContextKeyValues=team,cost,ContextKeyType=stringList",
        ));
    let bad = write(
        dir.path(),
        "bad.json",
        r#"{"action": "a", "resource": "b", "context": {"k": {"type": "string", "values": []}}}"#,
    );
    simulate()
        .arg(&policy)
        .arg("--request")
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(contains(
            "bad.json: context key `k`: type `string` takes exactly one value, found 0",
        ));
}

#[test]
fn several_policies_and_envelopes() {
    let dir = tempfile::tempdir().unwrap();
    let allow = write(
        dir.path(),
        "allow.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#,
    );
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Sid": "NoIam", "Effect": "Deny", "Action": "iam:*", "Resource": "*"}]});
    let deny = write(
        dir.path(),
        "deny.json",
        &json!({"PolicyVersion": {"Document": doc, "VersionId": "v1"}}).to_string(),
    );
    let out = simulate()
        .arg(&allow)
        .arg(&deny)
        .args([
            "--action",
            "iam:CreateUser",
            "--resource",
            "arn:aws:iam::1:user/x",
        ])
        .assert()
        .code(0);
    let stdout = text(&out.get_output().stdout);
    assert!(
        stdout.contains("deny.json, statement 1 (Sid `NoIam`): Deny"),
        "{stdout}"
    );
    // A bare file by name; an envelope as its document's text.
    assert!(
        stdout.contains(&format!(
            "--policy-input-list file://{} '{{",
            allow.display()
        )),
        "{stdout}"
    );
    assert!(stdout.contains(r#""Sid":"NoIam""#), "{stdout}");
}

#[test]
fn what_is_not_modelled_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "p.json",
        r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "abc"}}}]}"#,
    );
    simulate()
        .arg(&p)
        .args(["--action", "a", "--resource", "b"])
        .assert()
        .code(1)
        .stderr(contains("p.json: statement 2: not modelled: `NumericLessThan` value `abc` of key `aws:MultiFactorAuthAge` is not a number"));
    let q = write(
        dir.path(),
        "q.json",
        r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:TagKeys": "x"}}}]}"#,
    );
    simulate()
        .arg(&q)
        .args([
            "--action",
            "a",
            "--resource",
            "b",
            "--context",
            "aws:TagKeys=stringList:x",
        ])
        .assert()
        .code(1)
        .stderr(contains(
            "q.json: statement 2: not modelled: `StringEquals` applied to the key `aws:TagKeys`",
        ));
    let r = write(
        dir.path(),
        "r.json",
        r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}}"#,
    );
    simulate()
        .arg(&r)
        .args(["--action", "a", "--resource", "b"])
        .assert()
        .code(1)
        .stderr(contains(
            "r.json: statement 1: has `Principal`: a resource-based policy",
        ));
    let s = write(
        dir.path(),
        "s.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "*"}}"#,
    );
    simulate()
        .arg(&s)
        .args(["--action", "a", "--resource", "b"])
        .assert()
        .code(1)
        .stderr(contains(
            "s.json: statement 1: needs `Resource` or `NotResource`",
        ));
}

#[test]
fn usage_errors_exit_2() {
    let p = example("tls.json");
    for args in [
        vec!["--action", "a"],
        vec!["--resource", "b"],
        vec!["--action", "a", "--resource", "b", "--request", "r.json"],
        vec!["--action", "a", "--resource", "b", "--context", "k"],
        vec!["--action", "a", "--resource", "b", "--context", "k=text:x"],
        vec![
            "--action",
            "a",
            "--resource",
            "b",
            "--context",
            "k=string:x",
            "--context",
            "K=string:y",
        ],
        vec![
            "--action",
            "a",
            "--resource",
            "b",
            "--context",
            "k=string:x",
            "--context",
            "k=stringList:y",
        ],
        vec!["--action", "a", "--resource", "b", "--format", "yaml"],
        vec!["--action", "a", "--resource", "b", "--expect", "maybe"],
        vec![],
    ] {
        simulate().arg(&p).args(&args).assert().code(2);
    }
    simulate()
        .args(["-", "--request", "-"])
        .assert()
        .code(2)
        .stderr(contains("stdin"));
}

#[test]
fn policies_and_requests_from_stdin() {
    simulate()
        .args(["-", "--action", "s3:GetObject", "--resource", "x"])
        .write_stdin(r#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#)
        .assert()
        .code(0)
        .stdout(contains("<stdin>, statement 1: Allow"))
        .stdout(contains(r#"--policy-input-list '{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}'"#));
    simulate()
        .arg(example("tls.json"))
        .args(["--request", "-"])
        .write_stdin(r#"{"action": "s3:PutObject", "resource": "x", "context": {"aws:SecureTransport": {"type": "boolean", "values": ["FALSE"]}}}"#)
        .assert()
        .code(0)
        .stdout(contains("denied (explicit deny)"));
}

#[test]
fn an_undetermined_decision_exits_4_naming_the_clauses_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "p.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Logs", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bkt/*/log"},
            {"Sid": "Tagged", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
             "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "secret*"}}}]})
        .to_string(),
    );
    let out = simulate()
        .arg(&p)
        .args([
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::bkt/a:b/log",
        ])
        .assert()
        .code(4)
        .stderr(contains(
            "iam-refine: the decision is undetermined: nothing is claimed",
        ));
    let stdout = text(&out.get_output().stdout);
    assert!(
        stdout.starts_with("undetermined: AWS's documentation does not decide this request (nothing is claimed)\nIt depends on:\n"),
        "{stdout}"
    );
    assert!(stdout.contains("p.json, statement 1 (Sid `Logs`), `Resource` pattern `arn:aws:s3:::bkt/*/log`: undetermined (U4): "), "{stdout}");
    assert!(stdout.contains("p.json, statement 2 (Sid `Tagged`), `ForAnyValue:StringLikeIfExists` on `aws:TagKeys`: undetermined (U1): "), "{stdout}");
    assert!(
        stdout.contains("Re-check with AWS:\n  aws iam simulate-custom-policy"),
        "{stdout}"
    );
    // --expect does not turn it into a verdict; json says the same.
    let out = simulate()
        .arg(&p)
        .args([
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::bkt/a:b/log",
        ])
        .args(["--expect", "denied", "--format", "json"])
        .assert()
        .code(4)
        .stderr(contains(
            "expected denied, but the decision is undetermined: nothing is claimed",
        ));
    let v = stdout_json(&out.get_output().stdout);
    assert_eq!(v["decision"], "undetermined");
    assert_eq!(v["allowed"], serde_json::Value::Null);
    assert!(v.get("asExpected").is_none(), "{v}");
    let open = v["open"].as_array().unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(open[0]["rule"], "U4");
    assert_eq!(open[0]["element"], "Resource");
    assert_eq!(open[0]["pattern"], "arn:aws:s3:::bkt/*/log");
    assert_eq!(open[0]["decisive"], true);
    assert_eq!(open[1]["rule"], "U1");
    assert_eq!(open[1]["operator"], "ForAnyValue:StringLikeIfExists");
    assert_eq!(open[1]["key"], "aws:TagKeys");
    assert_eq!(open[1]["sid"], "Tagged");
    assert!(open[1]["reason"]
        .as_str()
        .unwrap()
        .starts_with("undetermined (U1): "));
    // With the tags given, U1 is gone but U4 remains.
    simulate()
        .arg(&p)
        .args([
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::bkt/a:b/log",
        ])
        .args(["--context", "aws:TagKeys=stringList:team"])
        .assert()
        .code(4)
        .stdout(contains("(U4)"))
        .stdout(contains("(U1)").not());
    // A resource both readings agree on: decided, and the open Deny is a warning.
    simulate()
        .arg(&p)
        .args([
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::bkt/a/log",
            "--expect",
            "allowed",
        ])
        .assert()
        .code(4)
        .stdout(contains("(U1)"));
    simulate()
        .arg(&p)
        .args(["--action", "s3:PutObject", "--resource", "x", "--expect", "denied"])
        .assert()
        .code(0)
        .stdout(contains("denied (implicit deny"))
        .stderr(contains("p.json, statement 2 (Sid `Tagged`): `ForAnyValue:StringLikeIfExists` on `aws:TagKeys`: undetermined (U1): "))
        .stderr(contains("; it cannot change the decision"));
}

#[test]
fn a_witness_with_unknowns_is_read_by_request() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "p.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}}"#,
    );
    let r = write(
        dir.path(),
        "r.json",
        r#"{"action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "unknowns": {"Bucket.Arn": "arn:aws:s3:::b"}}"#,
    );
    let out = simulate()
        .arg(&p)
        .arg("--request")
        .arg(&r)
        .args(["--format", "json"])
        .assert()
        .code(0);
    let v = stdout_json(&out.get_output().stdout);
    assert_eq!(
        v["request"]["unknowns"],
        json!({"Bucket.Arn": "arn:aws:s3:::b"})
    );
}
