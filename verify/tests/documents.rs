//! The whole document is judged: top-level keys must come out exactly as they went in, and
//! a refinement may be several documents (or none: the policy is detached).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use iam_refine_tests::example::*;
use iam_refine_verify::{
    Counterexample, Document, Options, Prover, Report, Theorem, Verdict, VerifyError, Z3Worker,
};
use serde_json::{json, Value};

fn key_cx(report: &Report) -> Counterexample {
    expect_counterexample(report, Theorem::TopLevelKey)
}

#[test]
fn a_refined_policy_without_version_is_not_proved() {
    let mut refined = refined();
    refined.as_object_mut().unwrap().shift_remove("Version");
    let cx = key_cx(&run(&original(), &refined, &unused()));
    assert_eq!(cx.key.as_deref(), Some("Version"));
    assert_eq!(cx.action, "");
    assert!(cx.detail.contains("drops `Version`"), "{}", cx.detail);
}

#[test]
fn a_changed_version_is_refuted() {
    let mut refined = refined();
    refined["Version"] = json!("2008-10-17");
    let cx = key_cx(&run(&original(), &refined, &unused()));
    assert_eq!(cx.key.as_deref(), Some("Version"));
    assert!(
        cx.detail.contains("\"2012-10-17\" to \"2008-10-17\""),
        "{}",
        cx.detail
    );
}

#[test]
fn an_added_or_changed_id_is_refuted() {
    let mut refined = refined();
    refined["Id"] = json!("new");
    let cx = key_cx(&run(&original(), &refined, &unused()));
    assert_eq!(cx.key.as_deref(), Some("Id"));
    assert!(cx.detail.contains("adds `Id`"), "{}", cx.detail);
    let mut original = original();
    original["Id"] = json!("a");
    refined["Id"] = json!("b");
    assert_eq!(
        key_cx(&run(&original, &refined, &unused())).key.as_deref(),
        Some("Id")
    );
}

#[test]
fn numbers_are_compared_as_written() {
    let text = |n: &str| -> Value {
        serde_json::from_str(&format!(
            r#"{{"Version": "2012-10-17", "X-Limit": {n}, "Statement": []}}"#
        ))
        .unwrap()
    };
    let report = run(&text("1e3"), &text("1e3"), &Default::default());
    expect_proved(&report);
    let cx = key_cx(&run(&text("1e3"), &text("1000"), &Default::default()));
    assert_eq!(cx.key.as_deref(), Some("X-Limit"));
    let cx = key_cx(&run(
        &text("100000000000000000000001"),
        &text("100000000000000000000000"),
        &Default::default(),
    ));
    assert_eq!(cx.key.as_deref(), Some("X-Limit"));
}

#[test]
fn key_order_of_nested_values_does_not_matter() {
    let mut original = original();
    original["Meta"] = json!({"a": 1, "b": [1, 2]});
    let mut refined = refined();
    refined["Meta"] = json!({"b": [1, 2], "a": 1});
    expect_proved(&run(&original, &refined, &unused()));
    refined["Meta"] = json!({"b": [2, 1], "a": 1});
    assert_eq!(
        key_cx(&run(&original, &refined, &unused())).key.as_deref(),
        Some("Meta")
    );
}

fn documents(refined: &[Value]) -> Report {
    let prover = Prover::new(catalog()).unwrap();
    prover
        .verify_documents(
            &mut Z3Worker::new(),
            &original(),
            refined,
            &unused(),
            &Options::default(),
        )
        .unwrap()
}

/// The example's refinement split into one document per statement.
fn split() -> Vec<Value> {
    let r = refined();
    (0..2)
        .map(|i| json!({"Version": "2012-10-17", "Statement": [r["Statement"][i].clone()]}))
        .collect()
}

#[test]
fn a_refinement_split_into_several_documents_is_proved() {
    expect_proved(&documents(&split()));
    expect_proved(&documents(&[refined()]));
}

#[test]
fn a_broken_document_among_several_is_named() {
    let mut docs = split();
    docs[1]["Statement"][0]["Action"]
        .as_array_mut()
        .unwrap()
        .push(json!("s3:GetBucketPolicy"));
    let cx = expect_counterexample(&documents(&docs), Theorem::NoUnused);
    assert_eq!(
        (cx.refined_document, cx.refined_statement),
        (Some(1), Some(0))
    );
    assert!(
        cx.detail
            .starts_with("refined document 2, statement 1 allows"),
        "{}",
        cx.detail
    );
    // Statements in the wrong order across documents do not pair.
    let mut docs = split();
    docs.swap(0, 1);
    expect_counterexample(&documents(&docs), Theorem::Unpaired);
}

#[test]
fn every_document_keeps_the_top_level_keys() {
    let mut docs = split();
    docs[1].as_object_mut().unwrap().shift_remove("Version");
    let cx = key_cx(&documents(&docs));
    assert_eq!(
        (cx.refined_document, cx.key.as_deref()),
        (Some(1), Some("Version"))
    );
    assert!(
        cx.detail.starts_with("refined document 2 drops"),
        "{}",
        cx.detail
    );
}

#[test]
fn no_document_means_detached() {
    // Every Allow statement must keep nothing.
    let cx = expect_counterexample(&documents(&[]), Theorem::StatementDropped);
    assert_eq!(cx.original_statement, Some(0));
    let prover = Prover::new(catalog()).unwrap();
    let everything = iam_refine_verify::Unused {
        actions: vec![],
        services: vec!["lambda".into(), "s3".into()],
        keep: vec![],
    };
    let report = prover
        .verify_documents(
            &mut Z3Worker::new(),
            &original(),
            &[],
            &everything,
            &Options::default(),
        )
        .unwrap();
    assert_eq!(report.verdict, Verdict::Proved);
    // A Deny statement cannot be detached.
    let mut original = original();
    original["Statement"]
        .as_array_mut()
        .unwrap()
        .push(json!({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}));
    let report = prover
        .verify_documents(
            &mut Z3Worker::new(),
            &original,
            &[],
            &everything,
            &Options::default(),
        )
        .unwrap();
    let cx = expect_counterexample(&report, Theorem::DenyRemoved);
    assert_eq!(cx.action, "s3:deletebucket");
}

#[test]
fn a_malformed_document_among_several_is_named() {
    let mut docs = split();
    docs.push(json!({"Version": "2012-10-17"}));
    let prover = Prover::new(catalog()).unwrap();
    let err = prover
        .verify_documents(
            &mut Z3Worker::new(),
            &original(),
            &docs,
            &unused(),
            &Options::default(),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        VerifyError::Malformed {
            document: Document::RefinedNth(2),
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "refined document 3 policy: the policy document has no `Statement`"
    );
}
