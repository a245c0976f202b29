//! `verify`'s policy-level fallback (issue 18): a refinement whose statements do not pair
//! (reordered, split, merged, duplicated) is proved over whole requests; a real change is
//! still refuted, with the per-statement counterexample.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::{Path, PathBuf};

use predicates::str::contains;
use serde_json::{json, Value};

use common::{bin, write};

fn original() -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:GetBucketPolicy"], "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"},
        {"Sid": "Logs", "Effect": "Allow", "Action": "logs:CreateLogStream", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
    ]})
}

const READ: &str = "arn:aws:s3:::b/*";

fn refined(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn verify(dir: &Path, refined: &Value) -> assert_cmd::assert::Assert {
    let o = write(dir, "original.json", &original().to_string());
    let u = write(
        dir,
        "unused.json",
        r#"[{"serviceNamespace": "s3", "actions": ["GetBucketPolicy"]}]"#,
    );
    let r: PathBuf = write(dir, "refined.json", &refined.to_string());
    bin()
        .arg("verify")
        .arg("--original")
        .arg(o)
        .arg("--refined")
        .arg(r)
        .arg("--unused")
        .arg(u)
        .assert()
}

/// Each of these is refuted by the per-statement theorems (it does not pair), and means
/// exactly the original minus `s3:GetBucketPolicy`.
#[test]
fn reordered_split_merged_and_duplicated_statements_are_proved_over_whole_requests() {
    let dir = tempfile::tempdir().unwrap();
    let deny = json!({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"});
    let cases = [
        // The Deny first, the two Logs statements merged, Read split per action.
        json!([
            deny,
            {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"},
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:PutObject", "Resource": READ},
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": READ}
        ]),
        // In order, a statement duplicated.
        json!([
            {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": READ},
            {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": READ},
            {"Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"},
            {"Sid": "Logs", "Effect": "Allow", "Action": "logs:CreateLogStream", "Resource": "*"},
            deny
        ]),
        // The Deny's values as lists, the Sid of Read kept, Logs merged.
        json!([
            {"Effect": "Deny", "Action": ["s3:DeleteObject"], "Resource": ["*"]},
            {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"},
            {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": READ}
        ]),
        // Sids dropped: the bodies no longer pair, the meaning is the same.
        json!([
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": READ},
            {"Effect": "Allow", "Action": ["logs:PutLogEvents", "logs:CreateLogStream"], "Resource": "*"},
            deny
        ]),
    ];
    for statements in cases {
        verify(dir.path(), &refined(statements.clone()))
            .code(0)
            .stderr(contains(
                "proved over whole requests (the statements do not pair)",
            ))
            .stdout("");
    }
}

#[test]
fn a_real_change_is_still_refuted() {
    let dir = tempfile::tempdir().unwrap();
    let deny = json!({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"});
    let logs = json!({"Effect": "Allow", "Action": ["logs:PutLogEvents", "logs:CreateLogStream"], "Resource": "*"});
    let cases = [
        // A used action removed.
        json!([{"Effect": "Allow", "Action": "s3:PutObject", "Resource": READ}, logs, deny]),
        // The unused action kept.
        json!([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:GetBucketPolicy"], "Resource": READ}, logs, deny]),
        // The Deny dropped: it denies nothing this policy allows, but a principal's other
        // policies may allow what it denies.
        json!([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": READ}, logs]),
        // The Deny narrowed.
        json!([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": READ}, logs,
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": READ}]),
        // A condition added.
        json!([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": READ,
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}}, logs, deny]),
        // A resource widened.
        json!([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}, logs, deny]),
    ];
    for statements in cases {
        verify(dir.path(), &refined(statements.clone()))
            .code(3)
            .stderr(contains("counterexample to"));
    }
}
