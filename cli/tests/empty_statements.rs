//! Statements that match no action (`NotAction: "*"`, `Action: []`), through the real
//! binaries: they decide no request, so removing or adding one changes nothing and is
//! proved; a counterexample's witness is always a string its statement matches.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use predicates::prelude::*;
use serde_json::{json, Value};

use common::{bin, text, write};

const ALLOW: &str = r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#;

fn verify(original: &Value, refined: &Value) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    let o = write(dir.path(), "o.json", &original.to_string());
    let r = write(dir.path(), "r.json", &refined.to_string());
    let u = write(dir.path(), "u.json", "[]");
    bin()
        .arg("verify")
        .arg("--original")
        .arg(&o)
        .arg("--refined")
        .arg(&r)
        .arg("--unused")
        .arg(&u)
        .assert()
}

fn policy(statements: &[Value]) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

#[test]
fn a_deny_that_denies_nothing_may_be_removed() {
    let allow: Value = serde_json::from_str(ALLOW).unwrap();
    let refined = policy(std::slice::from_ref(&allow));
    for deny in [
        json!({"Effect": "Deny", "NotAction": "*", "Resource": "*"}),
        json!({"Effect": "Deny", "NotAction": ["s3:*", "*"], "Resource": "*"}),
        json!({"Effect": "Deny", "NotAction": ["**"], "Resource": "*"}),
        // `?*` misses only the empty string, which `""` matches.
        json!({"Effect": "Deny", "NotAction": ["?*", ""], "Resource": "*"}),
        json!({"Effect": "Deny", "Action": [], "Resource": "*"}),
    ] {
        let original = policy(&[deny.clone(), allow.clone()]);
        verify(&original, &refined)
            .code(0)
            .stdout("")
            .stderr(predicate::str::contains("proved"));
        // Added where the original has none, it changes nothing either.
        verify(&refined, &policy(&[allow.clone(), deny.clone()]))
            .code(0)
            .stderr(predicate::str::contains("proved"));
    }
}

#[test]
fn a_deny_that_denies_something_is_refuted_with_a_string_it_denies() {
    let allow: Value = serde_json::from_str(ALLOW).unwrap();
    let refined = policy(std::slice::from_ref(&allow));
    for (deny, matches) in [
        (
            json!({"Effect": "Deny", "NotAction": "?*", "Resource": "*"}),
            (|w: &str| w.is_empty()) as fn(&str) -> bool,
        ),
        (
            json!({"Effect": "Deny", "NotAction": ["s3:*", "iam:*"], "Resource": "*"}),
            |w: &str| !w.starts_with("s3:") && !w.starts_with("iam:"),
        ),
        (
            json!({"Effect": "Deny", "Action": "iam:*", "Resource": "*"}),
            |w: &str| w.starts_with("iam:"),
        ),
    ] {
        let original = policy(&[deny.clone(), allow.clone()]);
        let out = verify(&original, &refined).code(3).get_output().clone();
        let stdout = text(&out.stdout);
        let witness = stdout.strip_suffix('\n').unwrap_or(&stdout);
        assert!(matches(witness), "{deny}: witness {witness:?}");
        assert!(
            text(&out.stderr).contains("deny statement removed"),
            "{deny}: {}",
            text(&out.stderr)
        );
    }
}
