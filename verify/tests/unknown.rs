//! Undecided queries are never a pass; wrong solver answers are caught by the glob re-check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use std::time::Duration;

use iam_refine_tests::example::*;
use iam_refine_verify::regex::{glob_set, Re};
use iam_refine_verify::{
    verify, verify_with, Answer, Limits, Listed, Options, Prover, Solver, Unused, Verdict,
    VerifyError, Z3Context, Z3Solver, Z3Worker,
};
use serde_json::{json, Value};

/// Always gives up.
struct GivesUp;

impl Solver for GivesUp {
    fn find_member(&mut self, _: &Re) -> Answer {
        Answer::Unknown("stub gave up".into())
    }
    fn find_listed(&mut self, _: &[Listed]) -> Answer<(usize, usize)> {
        Answer::Unknown("stub gave up".into())
    }
}

/// Claims a fixed witness for every question.
struct Liar(&'static str);

impl Solver for Liar {
    fn find_member(&mut self, _: &Re) -> Answer {
        Answer::Member(self.0.into())
    }
    fn find_listed(&mut self, _: &[Listed]) -> Answer<(usize, usize)> {
        Answer::Member((0, 0))
    }
}

/// Allow everything but IAM, refined by excluding one unused action: T2 is a symbolic query.
fn not_action_case() -> (Value, Value, Unused) {
    let original =
        json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]});
    let refined = json!({"Statement": [
        {"Effect": "Allow", "NotAction": ["iam:*", "s3:GetBucketPolicy"], "Resource": "*"}
    ]});
    let unused = Unused {
        actions: vec!["s3:GetBucketPolicy".into()],
        services: vec![],
        keep: vec![],
    };
    (original, refined, unused)
}

#[test]
fn an_undecided_solver_gives_unknown_not_proved() {
    // (the example alone needs no query: its memberships are decided by string comparison;
    // an infix wildcard needs the solver)
    let mut refined = refined();
    actions(&mut refined, 1).push(json!("s3:Get*Tagging"));
    let report = verify_with(&mut GivesUp, &original(), &refined, &unused(), catalog()).unwrap();
    assert_eq!(
        report.verdict,
        Verdict::Unknown {
            reason: "stub gave up".into()
        }
    );
    assert!(report.queries > 0);
    let (original, refined, unused) = not_action_case();
    let report = verify_with(&mut GivesUp, &original, &refined, &unused, catalog()).unwrap();
    assert!(
        matches!(report.verdict, Verdict::Unknown { .. }),
        "{report:?}"
    );
}

#[test]
fn identical_policies_need_no_query() {
    // Every language difference is syntactically `A ∩ ¬A` and every pattern is listed on the
    // other side: nothing to ask, so even a solver that gives up cannot spoil it.
    let report = verify_with(
        &mut GivesUp,
        &original(),
        &original(),
        &Unused::default(),
        catalog(),
    )
    .unwrap();
    assert_eq!(report.verdict, Verdict::Proved);
    assert_eq!(report.queries, 0);
}

#[test]
fn a_lying_solver_is_caught_by_the_glob_recheck() {
    // A ground lie: the first question is T2 for the s3 statement's literal
    // `s3:PutObjectRetention` against the original's `s3:*Retention`; the liar says it is
    // outside.
    let mut original = original();
    actions(&mut original, 1).push(json!("s3:*Retention"));
    let mut refined = refined();
    actions(&mut refined, 1).push(json!("s3:*Retention"));
    actions(&mut refined, 1).push(json!("s3:PutObjectRetention"));
    let err = verify_with(
        &mut Liar("s3:getobject"),
        &original,
        &refined,
        &unused(),
        catalog(),
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::WitnessRejected { .. }), "{err}");
    // A symbolic lie: with no findings, the first question is T2 for `s3:G*`, asked behind
    // the prefix `s3:g`; the liar's `etobject` makes `s3:getobject`, which `s3:Get*` allows.
    let original =
        json!({"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]});
    let refined = json!({"Statement": [{"Effect": "Allow", "Action": "s3:G*", "Resource": "*"}]});
    let err = verify_with(
        &mut Liar("etobject"),
        &original,
        &refined,
        &Unused::default(),
        catalog(),
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::WitnessRejected { .. }), "{err}");
    assert!(err.to_string().contains("`s3:getobject`"), "{err}");
}

#[test]
fn a_witness_outside_the_alphabet_is_rejected() {
    let (original, refined, unused) = not_action_case();
    let err = verify_with(
        &mut Liar("S3:GetObject"),
        &original,
        &refined,
        &unused,
        catalog(),
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::WitnessRejected { .. }), "{err}");
}

/// Suffix and infix wildcards under a complement: Z3 4.8.12 needs tens of seconds for this.
fn hard_query() -> Re {
    Re::diff(
        glob_set(["*resource"]),
        glob_set([
            "*managedendpoint*",
            "*resources",
            "*session*",
            "*dashboard*",
        ]),
    )
}

/// Deterministic on every machine: a resource limit (not a 1 ms timeout, which a fast run
/// sometimes beats) cuts the hard query off; the same solver then still answers the next
/// query; and a verification whose time budget is already spent asks nothing and is
/// Unknown.
#[test]
fn z3_timeout_gives_unknown() {
    let ctx = Z3Context::new();
    let mut solver = Z3Solver::new(&ctx, None, None);
    solver.set_limits(Limits {
        timeout: None,
        rlimit: Some(50),
    });
    match solver.find_member(&hard_query()) {
        Answer::Unknown(reason) => assert!(!reason.is_empty()),
        other => panic!("expected Unknown, got {other:?}"),
    }
    // The same solver, its query cut off, still answers the next one.
    solver.set_limits(Limits::default());
    let easy = Re::diff(glob_set(["s3:getobject*"]), glob_set(["s3:get*"]));
    assert_eq!(solver.find_member(&easy), Answer::Empty);

    // The whole verification's time budget: none left, nothing asked, Unknown.
    let mut refined = refined();
    actions(&mut refined, 1).push(json!("s3:Get*Tagging"));
    let options = Options {
        timeout: Some(Duration::ZERO),
        rlimit: None,
    };
    let report = verify(&original(), &refined, &unused(), catalog(), &options).unwrap();
    match &report.verdict {
        Verdict::Unknown { reason } => assert!(reason.contains("time budget"), "{reason}"),
        other => panic!("expected Unknown, got {other:?}"),
    }
    assert_eq!(report.queries, 0);
}

/// The resource limit is deterministic: a tiny one gives Unknown on every machine, however
/// fast, and the same query with no limit is decided.
#[test]
fn z3_resource_limit_gives_unknown_deterministically() {
    let ctx = Z3Context::new();
    for _ in 0..3 {
        let mut solver = Z3Solver::new(&ctx, None, Some(1));
        assert!(matches!(
            solver.find_member(&hard_query()),
            Answer::Unknown(_)
        ));
        let easy = Re::diff(
            glob_set(["s3:getobject*", "*resource"]),
            glob_set(["s3:get*"]),
        );
        assert!(matches!(solver.find_member(&easy), Answer::Unknown(_)));
    }
    let mut solver = Z3Solver::new(&ctx, None, None);
    let easy = Re::diff(
        glob_set(["s3:getobject*", "*resource"]),
        glob_set(["s3:get*"]),
    );
    assert!(matches!(solver.find_member(&easy), Answer::Member(_)));
}

/// A real Z3 budget far below what the proof needs is Unknown, every time; an ample one
/// proves (resource units, not time: the same on every machine).
#[test]
fn a_resource_budget_is_deterministic() {
    let original = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:*Tagging", "iam:*AccessKey*"], "Resource": "*"}
    ]});
    let refined = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:*Tagging", "iam:*AccessKey*", "iam:*AccessKeys"], "Resource": "*"}
    ]});
    let prover = Prover::new(catalog()).unwrap();
    let run = |rlimit: u32| {
        let options = Options {
            timeout: None,
            rlimit: Some(rlimit),
        };
        let mut z3 = Z3Worker::z3_only();
        prover
            .verify(&mut z3, &original, &refined, &Unused::default(), &options)
            .unwrap()
            .verdict
    };
    for _ in 0..3 {
        assert!(matches!(run(1), Verdict::Unknown { .. }));
        assert_eq!(run(50_000_000), Verdict::Proved);
    }
    // The automata spend no Z3 units: they decide within any resource budget.
    let options = Options {
        timeout: None,
        rlimit: Some(1),
    };
    let report = prover
        .verify(
            &mut Z3Worker::new(),
            &original,
            &refined,
            &Unused::default(),
            &options,
        )
        .unwrap();
    assert_eq!(report.verdict, Verdict::Proved);
}
