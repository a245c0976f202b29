//! Statements left as written (`--skip-sid`): each must come out JSON-identical exactly
//! once, keeps its unused actions, and still counts for containment.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use iam_refine_tests::example::*;
use iam_refine_verify::{
    Counterexample, Keep, Options, Prover, Report, Theorem, Unused, VerifyError, Z3Worker,
};
use serde_json::{json, Value};

fn keeping(
    original: &Value,
    refined: &[Value],
    unused: &Unused,
    sids: &[&str],
) -> Result<Report, VerifyError> {
    let prover = Prover::new(catalog()).unwrap();
    let keep = Keep {
        sids: sids.iter().map(|s| s.to_string()).collect(),
    };
    prover.verify_documents_keeping(
        &mut Z3Worker::new(),
        original,
        refined,
        unused,
        &keep,
        &Options::default(),
    )
}

fn run_keeping(original: &Value, refined: &Value, sids: &[&str]) -> Report {
    keeping(original, std::slice::from_ref(refined), &unused(), sids).expect("verify")
}

/// The example's refinement with the Lambda statement (all of its actions but
/// `lambda:Invoke*` unused) left exactly as the original writes it.
fn lambda_kept() -> Value {
    let mut refined = refined();
    refined["Statement"][0] = original()["Statement"][0].clone();
    refined
}

fn kept_cx(report: &Report) -> Counterexample {
    let cx = expect_counterexample(report, Theorem::KeptStatementChanged);
    assert_eq!(cx.sid.as_deref(), Some("Lambda"), "{cx:#?}");
    assert_eq!(cx.original_statement, Some(0));
    assert_eq!(cx.action, "");
    cx
}

#[test]
fn a_kept_statement_keeps_its_unused_actions() {
    // Without keeping, the unused Lambda actions are a T3 counterexample...
    let cx = expect_counterexample(
        &run(&original(), &lambda_kept(), &unused()),
        Theorem::NoUnused,
    );
    assert!(cx.action.starts_with("lambda:"), "{cx:#?}");
    // ... left as written on purpose, they are proved, by exact Sid or by a glob.
    expect_proved(&run_keeping(&original(), &lambda_kept(), &["Lambda"]));
    expect_proved(&run_keeping(
        &original(),
        &lambda_kept(),
        &["La*", "?ambd?"],
    ));
    // The other statement is still held to exactness and T3.
    let mut bad = lambda_kept();
    actions(&mut bad, 1).push(json!("s3:GetBucketPolicy"));
    expect_counterexample(
        &run_keeping(&original(), &bad, &["Lambda"]),
        Theorem::NoUnused,
    );
    let mut bad = lambda_kept();
    actions(&mut bad, 1).retain(|a| a != "s3:GetJobTagging");
    expect_counterexample(
        &run_keeping(&original(), &bad, &["Lambda"]),
        Theorem::Exactness,
    );
}

#[test]
fn identity_is_of_parsed_values_not_of_text() {
    let mut reordered = lambda_kept();
    let written = original()["Statement"][0].clone();
    let mut object = serde_json::Map::new();
    for key in ["Resource", "Action", "Effect", "Sid"] {
        object.insert(key.to_string(), written[key].clone());
    }
    reordered["Statement"][0] = Value::Object(object);
    expect_proved(&run_keeping(&original(), &reordered, &["Lambda"]));
}

#[test]
fn an_altered_kept_statement_is_refuted() {
    let mut altered = lambda_kept();
    actions(&mut altered, 0).retain(|a| a != "lambda:AddPermission");
    let cx = kept_cx(&run_keeping(&original(), &altered, &["Lambda"]));
    assert_eq!(cx.refined_statement, Some(0));
    assert!(cx.detail.contains("is changed"), "{}", cx.detail);
    // Refining a kept statement as if it were not kept is refuted too.
    let cx = kept_cx(&run_keeping(&original(), &refined(), &["Lambda"]));
    assert!(cx.detail.contains("Sid `Lambda`"), "{}", cx.detail);
    // A changed Resource, same actions.
    let mut moved = lambda_kept();
    moved["Statement"][0]["Resource"] = json!("*");
    kept_cx(&run_keeping(&original(), &moved, &["Lambda"]));
}

#[test]
fn a_dropped_kept_statement_is_refuted() {
    let mut dropped = lambda_kept();
    dropped["Statement"].as_array_mut().unwrap().remove(0);
    let cx = kept_cx(&run_keeping(&original(), &dropped, &["Lambda"]));
    assert_eq!(cx.refined_statement, None);
    assert!(cx.detail.contains("missing"), "{}", cx.detail);
    // Detaching the policy drops it too.
    let cx = expect_counterexample(
        &keeping(&original(), &[], &unused(), &["Lambda"]).unwrap(),
        Theorem::KeptStatementChanged,
    );
    assert!(cx.detail.contains("missing"), "{}", cx.detail);
}

#[test]
fn a_duplicated_kept_statement_is_refuted() {
    let mut twice = lambda_kept();
    let copy = twice["Statement"][0].clone();
    twice["Statement"]
        .as_array_mut()
        .unwrap()
        .push(copy.clone());
    let cx = kept_cx(&run_keeping(&original(), &twice, &["Lambda"]));
    assert!(cx.detail.contains("appears 2 times"), "{}", cx.detail);
    // Across two documents as well.
    let other = json!({"Version": "2012-10-17", "Statement": [copy]});
    let cx =
        kept_cx(&keeping(&original(), &[lambda_kept(), other], &unused(), &["Lambda"]).unwrap());
    assert!(cx.detail.contains("refined document 2"), "{}", cx.detail);
}

#[test]
fn a_kept_statement_may_move_to_another_document() {
    let mut rest = refined();
    rest["Statement"].as_array_mut().unwrap().remove(0);
    let alone = json!({"Version": "2012-10-17", "Statement": [original()["Statement"][0].clone()]});
    let report = keeping(&original(), &[rest, alone], &unused(), &["Lambda"]).unwrap();
    expect_proved(&report);
}

#[test]
fn a_sid_on_two_original_statements_is_an_error() {
    let mut original = original();
    original["Statement"][1]["Sid"] = json!("Lambda");
    let err = keeping(&original, &[lambda_kept()], &unused(), &["Lambda"]).unwrap_err();
    assert!(
        matches!(&err, VerifyError::KeptSidRepeated { sid, first: 1, second: 2 } if sid == "Lambda"),
        "{err:?}"
    );
    assert!(err.to_string().contains("`Lambda`"), "{err}");
}

#[test]
fn a_pattern_matching_no_sid_is_an_error() {
    for pattern in ["Lambada", "lambda", "LAMBDA*", "Lambda?"] {
        let err = keeping(&original(), &[lambda_kept()], &unused(), &[pattern]).unwrap_err();
        assert!(
            matches!(&err, VerifyError::KeepUnmatched { pattern: p } if p == pattern),
            "{pattern}: {err:?}"
        );
        assert!(err.to_string().contains(&format!("`{pattern}`")), "{err}");
    }
    // One good pattern does not excuse a bad one.
    let err = keeping(
        &original(),
        &[lambda_kept()],
        &unused(),
        &["Lambda", "Nope"],
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::KeepUnmatched { .. }), "{err:?}");
}

#[test]
fn a_kept_deny_statement_must_be_identical() {
    let deny =
        json!({"Sid": "NoDelete", "Effect": "Deny", "Action": ["s3:Delete*"], "Resource": "*"});
    let mut original = original();
    original["Statement"]
        .as_array_mut()
        .unwrap()
        .push(deny.clone());
    let mut refined = refined();
    refined["Statement"]
        .as_array_mut()
        .unwrap()
        .push(deny.clone());
    expect_proved(&run_keeping(&original, &refined, &["NoDelete"]));
    // An equivalent rewrite would pass as a plain Deny, but not when kept as written.
    let mut rewritten = refined.clone();
    rewritten["Statement"][2]["Action"] = json!(["s3:Delete**"]);
    expect_proved(&run(&original, &rewritten, &unused()));
    let cx = expect_counterexample(
        &run_keeping(&original, &rewritten, &["NoDelete"]),
        Theorem::KeptStatementChanged,
    );
    assert_eq!(cx.sid.as_deref(), Some("NoDelete"));
    assert_eq!(cx.original_statement, Some(2));
}

#[test]
fn keeping_nothing_is_verify_documents() {
    let prover = Prover::new(catalog()).unwrap();
    let mut z3 = Z3Worker::new();
    let plain = prover
        .verify_documents(
            &mut z3,
            &original(),
            &[refined()],
            &unused(),
            &Options::default(),
        )
        .unwrap();
    let kept = keeping(&original(), &[refined()], &unused(), &[]).unwrap();
    assert_eq!(plain.verdict, kept.verdict);
    expect_proved(&kept);
}

#[test]
fn the_patterns_a_policy_has_sids_for() {
    let keep = Keep {
        sids: vec!["Lam*".into(), "Other".into(), "lambda".into()],
    };
    assert_eq!(keep.matching(&original()).sids, ["Lam*"]);
    assert!(keep.matching(&json!({"Statement": []})).sids.is_empty());
}
