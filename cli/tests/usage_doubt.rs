//! Usage data that is doubtful never removes an action, through the real binary, for
//! `refine`, `verify` and `account` alike: findings that are not `ACTIVE`, several active
//! findings for one principal, `actions: null`, a service named twice, Access Advisor
//! reports with pages of two jobs or entries that contradict each other, and the other
//! shapes of that class the readers refuse.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use serde_json::{json, Value};

use common::account::{account, auth};
use common::{bin, refine_cmd, refine_used, stdout_json, write};

const ROLE: &str = "arn:aws:iam::123456789012:role/EC2role";

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Buckets", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}]}"#;

/// The policy without `s3:PutObject`: what findings naming it unused refine it to.
const WITHOUT_PUT: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Buckets", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}"#;

/// A `get-finding-v2` output for `EC2role` naming `actions` of `service` unused (the
/// whole service when `actions` is `None`).
fn finding(id: &str, status: &str, service: &str, actions: Option<&[&str]>) -> Value {
    let mut details = json!({"serviceNamespace": service});
    if let Some(list) = actions {
        details["actions"] = list.iter().map(|a| json!({"action": a})).collect();
    }
    json!({"id": id, "findingType": "UnusedPermission", "status": status, "resource": ROLE,
        "analyzedAt": "2024-06-05T11:00:00+00:00", "updatedAt": "2024-06-05T11:00:00+00:00",
        "findingDetails": [{"unusedPermissionDetails": details}]})
}

/// The Buckets statement's actions of the refined policy on stdout.
fn refined_actions(stdout: &[u8]) -> Vec<String> {
    stdout_json(stdout)["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

fn refine(dir: &Path, unused: &Value) -> assert_cmd::assert::Assert {
    let policy = write(dir, "policy.json", POLICY);
    let unused = write(dir, "unused.json", &unused.to_string());
    refine_cmd([&policy], &unused).args(["--compact"]).assert()
}

fn verify(dir: &Path, unused: &Value) -> assert_cmd::assert::Assert {
    let policy = write(dir, "policy.json", POLICY);
    let refined = write(dir, "refined.json", WITHOUT_PUT);
    let unused = write(dir, "unused.json", &unused.to_string());
    bin()
        .arg("verify")
        .arg("--original")
        .arg(&policy)
        .arg("--refined")
        .arg(&refined)
        .arg("--unused")
        .arg(&unused)
        .assert()
}

#[test]
fn findings_not_active_remove_nothing_in_refine_and_verify() {
    for status in ["RESOLVED", "ARCHIVED"] {
        let dir = tempfile::tempdir().unwrap();
        let unused = finding("f1", status, "s3", Some(&["s3:PutObject"]));
        let out = refine(dir.path(), &unused)
            .code(0)
            .stderr(predicate::str::contains(format!(
                "unused.json: finding `f1` set aside: status is {status}, not ACTIVE"
            )))
            .get_output()
            .stdout
            .clone();
        assert_eq!(refined_actions(&out), ["s3:GetObject", "s3:PutObject"]);
        // The proof is about the active findings only: removing PutObject is refuted.
        verify(dir.path(), &unused)
            .code(3)
            .stdout(predicate::str::contains("s3:putobject"))
            .stderr(predicate::str::contains(format!(
                "unused.json: finding `f1` set aside: status is {status}, not ACTIVE"
            )));
    }
    // Beside an active finding, the set-aside one does not count either way.
    let dir = tempfile::tempdir().unwrap();
    let both = json!([
        finding("f1", "ACTIVE", "s3", Some(&["s3:PutObject"])),
        finding("f2", "RESOLVED", "s3", None)
    ]);
    let out = refine(dir.path(), &both)
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(refined_actions(&out), ["s3:GetObject"]);
    verify(dir.path(), &both).code(0);
    // A status that is not a string is refused.
    let mut null = finding("f1", "ACTIVE", "s3", None);
    null["status"] = Value::Null;
    refine(dir.path(), &null)
        .code(1)
        .stderr(predicate::str::contains(
            "unused.json: `status` must be a string (ACTIVE, ARCHIVED or RESOLVED), found null",
        ));
}

#[test]
fn actions_null_is_refused_not_read_as_the_whole_service() {
    let dir = tempfile::tempdir().unwrap();
    let simple = json!([{"serviceNamespace": "s3", "actions": null}]);
    let message = "unused.json: finding 1 (s3): `actions` is null; AWS omits `actions` for a wholly unused service and never writes null";
    refine(dir.path(), &simple)
        .code(1)
        .stderr(predicate::str::contains(message));
    verify(dir.path(), &simple)
        .code(1)
        .stderr(predicate::str::contains(message));
    let mut v2 = finding("f1", "ACTIVE", "s3", None);
    v2["findingDetails"][0]["unusedPermissionDetails"]["actions"] = Value::Null;
    refine(dir.path(), &v2)
        .code(1)
        .stderr(predicate::str::contains(message));
    // Through `account --findings` too, naming the file and line.
    let findings = dir.path().join("findings");
    std::fs::create_dir(&findings).unwrap();
    write(&findings, "f1.json", &v2.to_string());
    account(&auth(), &findings)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "f1.json:1: finding `f1`: finding 1 (s3): `actions` is null",
        ));
}

#[test]
fn several_active_findings_count_only_where_all_agree() {
    let dir = tempfile::tempdir().unwrap();
    // f1 says PutObject unused; f2 says all of S3 is: only PutObject is, by both.
    let two = json!([
        finding("f1", "ACTIVE", "s3", Some(&["s3:PutObject"])),
        finding("f2", "ACTIVE", "s3", None)
    ]);
    let note = "2 active unused-permission findings (`f1`, `f2`): an action is taken as unused only if every one of them says so";
    let out = refine(dir.path(), &two)
        .code(0)
        .stderr(predicate::str::contains(format!("unused.json: {note}")))
        .get_output()
        .stdout
        .clone();
    assert_eq!(refined_actions(&out), ["s3:GetObject"]);
    // f2 names another service only: nothing of S3 is unused by both.
    let disjoint = json!([
        finding("f1", "ACTIVE", "s3", Some(&["s3:PutObject"])),
        finding("f2", "ACTIVE", "sqs", None)
    ]);
    let out = refine(dir.path(), &disjoint)
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(refined_actions(&out), ["s3:GetObject", "s3:PutObject"]);
    verify(dir.path(), &disjoint).code(3);
    // One id read at two times (two `updatedAt`) is two findings.
    let mut later = finding("f1", "ACTIVE", "s3", None);
    later["updatedAt"] = json!("2024-06-06T11:00:00+00:00");
    let twice = json!([
        finding("f1", "ACTIVE", "s3", Some(&["s3:PutObject"])),
        later
    ]);
    refine(dir.path(), &twice)
        .code(0)
        .stderr(predicate::str::contains(
            "2 active unused-permission findings (`f1` of 2024-06-05T11:00:00+00:00, `f1` of 2024-06-06T11:00:00+00:00)",
        ));

    // Through `account --findings`: EC2role's LogsWriter allows CreateLogGroup,
    // CreateLogStream and PutLogEvents; f1 says the first two are unused, f2 only the first.
    let findings = dir.path().join("findings");
    std::fs::create_dir(&findings).unwrap();
    let f1 = finding(
        "f1",
        "ACTIVE",
        "logs",
        Some(&["CreateLogGroup", "CreateLogStream"]),
    );
    let f2 = finding("f2", "ACTIVE", "logs", Some(&["CreateLogGroup"]));
    write(&findings, "f1.json", &f1.to_string());
    write(&findings, "f2.json", &f2.to_string());
    let out = account(&auth(), &findings)
        .args(["--format", "diff", "--color", "never"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(format!("`{ROLE}`: {note}")))
        .get_output()
        .stdout
        .clone();
    let diff = String::from_utf8(out).unwrap();
    assert!(diff.contains("-        \"logs:CreateLogGroup\""), "{diff}");
    assert!(
        !diff.contains("-        \"logs:CreateLogStream\""),
        "{diff}"
    );
}

#[test]
fn a_service_named_twice_in_one_finding_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let simple =
        json!([{"serviceNamespace": "s3", "actions": ["PutObject"]}, {"serviceNamespace": "S3"}]);
    refine(dir.path(), &simple)
        .code(1)
        .stderr(predicate::str::contains(
            "unused.json: finding 2: service `S3` is named again (first in finding 1)",
        ));
    // On two pages of one finding (same id and updatedAt): refused too.
    let findings = dir.path().join("findings");
    std::fs::create_dir(&findings).unwrap();
    let page1 = finding("f1", "ACTIVE", "logs", Some(&["CreateLogGroup"]));
    let page2 = finding("f1", "ACTIVE", "logs", None);
    write(&findings, "f1.json", &format!("{page1}\n{page2}\n"));
    account(&auth(), &findings)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "f1.json:2: finding `f1`: service `logs` is named on two pages of one finding",
        ));
    // The same page saved twice counts once.
    write(&findings, "f1.json", &format!("{page1}\n{page1}\n"));
    account(&auth(), &findings).assert().code(0);
}

#[test]
fn findings_that_cannot_be_true_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Last accessed after the finding was made.
    let mut late = finding("f1", "ACTIVE", "s3", Some(&["s3:PutObject"]));
    late["findingDetails"][0]["unusedPermissionDetails"]["actions"][0]["lastAccessed"] =
        json!("2024-07-01T00:00:00Z");
    refine(dir.path(), &late).code(1).stderr(predicate::str::contains(
        "unused.json: finding 1: `s3:PutObject` was last accessed at `2024-07-01T00:00:00Z`, after the finding was made",
    ));
}

/// `get-service-last-accessed-details` of an ACTION_LEVEL job with these services.
fn advisor(services: Value) -> Value {
    json!({"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL",
        "JobCreationDate": "2024-06-10T00:00:00Z", "JobCompletionDate": "2024-06-10T00:00:05Z",
        "ServicesLastAccessed": services, "IsTruncated": false})
}

fn s3(last: Option<&str>, get: Option<&str>) -> Value {
    let mut get_entry = json!({"ActionName": "GetObject"});
    if let Some(t) = get {
        get_entry["LastAccessedTime"] = json!(t);
    }
    let mut s = json!({"ServiceNamespace": "s3",
        "TrackedActionsLastAccessed": [get_entry, {"ActionName": "PutObject"}]});
    if let Some(t) = last {
        s["LastAuthenticated"] = json!(t);
    }
    s
}

fn refine_advisor(dir: &Path, text: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    let policy = write(dir, "policy.json", POLICY);
    let report = write(dir, "advisor.json", text);
    refine_cmd([&policy], &report)
        .args(["--compact"])
        .args(extra)
        .assert()
}

#[test]
fn access_advisor_conflicts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // S3 twice: once with GetObject used, once never authenticated.
    let twice = advisor(json!([
        s3(Some("2024-06-09T00:00:00Z"), Some("2024-06-09T00:00:00Z")),
        {"ServiceNamespace": "S3"}
    ]));
    refine_advisor(dir.path(), &twice.to_string(), &[])
        .code(1)
        .stderr(predicate::str::contains(
            "advisor.json: the Access Advisor report names service `S3` twice (page 1, item 1 and page 1, item 2)",
        ));
    // Pages of two jobs: the second page says S3 was never used.
    let mut first = advisor(json!([s3(
        Some("2024-06-09T00:00:00Z"),
        Some("2024-06-09T00:00:00Z")
    )]));
    first["IsTruncated"] = json!(true);
    let mut second = advisor(json!([{"ServiceNamespace": "sqs"}]));
    second["JobCreationDate"] = json!("2024-06-11T00:00:00Z");
    refine_advisor(dir.path(), &format!("{first}\n{second}"), &[])
        .code(1)
        .stderr(predicate::str::contains(
            "advisor.json: pages 1 and 2 of the Access Advisor report are of two different jobs: `JobCreationDate` is `2024-06-10T00:00:00Z` on page 1 and `2024-06-11T00:00:00Z` on page 2",
        ));
    // Two complete reports one after the other.
    let whole = advisor(json!([s3(
        Some("2024-06-09T00:00:00Z"),
        Some("2024-06-09T00:00:00Z")
    )]));
    refine_advisor(dir.path(), &format!("{whole}\n{}", advisor(json!([]))), &[])
        .code(1)
        .stderr(predicate::str::contains(
            "page 1 says it is the last (`IsTruncated` is false)",
        ));
    // A tracked action twice, and `null` for "never".
    let dup = advisor(
        json!([{"ServiceNamespace": "s3", "LastAuthenticated": "2024-06-09T00:00:00Z",
        "TrackedActionsLastAccessed": [{"ActionName": "GetObject", "LastAccessedTime": "2024-06-09T00:00:00Z"}, {"ActionName": "getobject"}]}]),
    );
    refine_advisor(dir.path(), &dup.to_string(), &[])
        .code(1)
        .stderr(predicate::str::contains(
            "service `s3`: tracked action `getobject` is listed twice",
        ));
    let null = advisor(json!([{"ServiceNamespace": "s3", "LastAuthenticated": null}]));
    refine_advisor(dir.path(), &null.to_string(), &[])
        .code(1)
        .stderr(predicate::str::contains(
            "service `s3`: `LastAuthenticated` is null",
        ));
}

#[test]
fn access_advisor_entries_that_contradict_keep_what_any_shows_used() {
    let dir = tempfile::tempdir().unwrap();
    // Never authenticated, yet GetObject accessed: S3 is not wholly unused; PutObject is.
    let never = advisor(json!([s3(None, Some("2024-06-09T00:00:00Z"))]));
    let out = refine_advisor(dir.path(), &never.to_string(), &[])
        .code(0)
        .stderr(predicate::str::contains(
            "advisor.json: service `s3` was never authenticated, yet its tracked action `GetObject` was accessed: it is taken as last authenticated when `GetObject` was",
        ))
        .get_output()
        .stdout
        .clone();
    assert_eq!(refined_actions(&out), ["s3:GetObject"]);
    // Last authenticated long ago (stale with --unused-after 30), GetObject the day before:
    // GetObject stays.
    let stale = advisor(json!([s3(
        Some("2023-01-01T00:00:00Z"),
        Some("2024-06-09T00:00:00Z")
    )]));
    let out = refine_advisor(dir.path(), &stale.to_string(), &["--unused-after", "30"])
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(refined_actions(&out), ["s3:GetObject"]);
}

#[test]
fn a_used_actions_policy_with_deny_or_not_action_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(dir.path(), "policy.json", POLICY);
    for (statement, what) in [
        (
            json!({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}),
            "a Deny",
        ),
        (
            json!({"Effect": "Allow", "NotAction": "s3:PutObject", "Resource": "*"}),
            "`NotAction`",
        ),
    ] {
        let used: PathBuf = write(
            dir.path(),
            "used.json",
            &json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, statement]})
            .to_string(),
        );
        refine_used([&policy], &used)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(format!(
                "used.json: used actions: statement 2 is {what}"
            )));
    }
}
