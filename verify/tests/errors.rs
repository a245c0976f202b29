//! Malformed input is an error with a message that quotes it, never a verdict.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use iam_refine_tests::example::*;
use iam_refine_verify::{verify, Options, Unused, VerifyError};
use serde_json::{json, Value};

fn error(original: &Value, refined: &Value, unused: &Unused) -> String {
    verify(original, refined, unused, catalog(), &Options::default())
        .unwrap_err()
        .to_string()
}

fn with_statement(statement: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        statement
    ]})
}

#[test]
fn malformed_documents() {
    let ok = original();
    let u = Unused::default();
    assert_eq!(
        error(&json!([]), &ok, &u),
        "original policy: the policy document must be a JSON object, got an array"
    );
    assert_eq!(
        error(&ok, &json!({"Version": "2012-10-17"}), &u),
        "refined policy: the policy document has no `Statement`"
    );
    assert_eq!(
        error(&ok, &json!({"Statement": "nope"}), &u),
        "refined policy: `Statement` must be an object or an array, got a string"
    );
}

#[test]
fn malformed_statements() {
    let ok = original();
    let u = Unused::default();
    let cases = [
        (
            json!({"Effect": "allow", "Action": "s3:*"}),
            "original statement 2: `Effect` must be `Allow` or `Deny`, got `\"allow\"`",
        ),
        (
            json!({"Action": "s3:*"}),
            "original statement 2: has no `Effect`",
        ),
        (
            json!({"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*"}),
            "original statement 2: has both `Action` and `NotAction`",
        ),
        (
            json!({"Effect": "Allow", "Resource": "*"}),
            "original statement 2: has neither `Action` nor `NotAction`",
        ),
        (
            json!({"Effect": "Allow", "Action": ["s3:*", 7]}),
            "original statement 2: `Action` entries must be strings, got `7`",
        ),
        (
            json!({"Effect": "Allow", "NotAction": {"s3": "*"}}),
            "original statement 2: `NotAction` must be a string or an array of strings, got an object",
        ),
        (json!("s3:*"), "original statement 2: must be a JSON object, got a string"),
    ];
    for (statement, message) in cases {
        assert_eq!(error(&with_statement(statement), &ok, &u), message);
    }
}

#[test]
fn backslash_and_non_ascii_are_refused() {
    let u = Unused::default();
    let doc = with_statement(json!({"Effect": "Allow", "Action": "s3:Get\\u*"}));
    let err = verify(&original(), &doc, &u, catalog(), &Options::default()).unwrap_err();
    assert!(matches!(
        err,
        VerifyError::UnsupportedCharacter {
            character: '\\',
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "refined statement 2 Action entry `s3:Get\\u*` contains '\\\\': only printable ascii without backslash is supported"
    );
    let doc = with_statement(json!({"Effect": "Allow", "Action": "s3:Gét*"}));
    assert!(error(&doc, &doc, &u).contains("contains 'é'"));
}

#[test]
fn malformed_findings_and_catalog() {
    let ok = original();
    let bad = Unused {
        actions: vec![],
        services: vec!["s3:".into()],
        keep: vec![],
    };
    assert_eq!(
        error(&ok, &ok, &bad),
        "unused service `s3:`: a service prefix must be non-empty and contain no `:`, `*` or `?`"
    );
    let bad = Unused {
        actions: vec!["s3:Get\tObject".into()],
        services: vec![],
        keep: vec![],
    };
    assert!(error(&ok, &ok, &bad).starts_with("unused action `s3:Get\tObject` contains '\\t'"));
    let err = verify(
        &ok,
        &ok,
        &Unused::default(),
        &["GetObject".to_string()],
        &Options::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "catalog entry `GetObject`: expected `service:Action`"
    );
}
