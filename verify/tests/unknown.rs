//! Undecided queries are never a pass; wrong solver answers are caught by the glob re-check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use std::time::Duration;

use iam_refine_tests::example::*;
use iam_refine_verify::regex::{glob_set, Re};
use iam_refine_verify::{
    verify_with, Answer, Listed, Solver, Unused, Verdict, VerifyError, Z3Context, Z3Solver,
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
    };
    (original, refined, unused)
}

#[test]
fn an_undecided_solver_gives_unknown_not_proved() {
    let report = verify_with(&mut GivesUp, &original(), &refined(), &unused(), catalog()).unwrap();
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
    // A ground lie: candidate 0 of group 0 is a lambda action that both statements treat
    // alike.
    let err = verify_with(
        &mut Liar("s3:getobject"),
        &original(),
        &refined(),
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

#[test]
fn z3_timeout_gives_unknown() {
    let ctx = Z3Context::new();
    let mut solver = Z3Solver::new(&ctx, Some(Duration::from_millis(1)), None);
    match solver.find_member(&hard_query()) {
        Answer::Unknown(reason) => assert!(
            reason.contains("timeout") || reason.contains("canceled"),
            "{reason}"
        ),
        other => panic!("expected Unknown, got {other:?}"),
    }
    // A solver whose query was cut off still answers the next one.
    let mut solver = Z3Solver::new(&ctx, Some(Duration::from_millis(200)), None);
    match solver.find_member(&hard_query()) {
        Answer::Unknown(_) => {}
        // a faster Z3 may finish in time; then the answer must be right
        Answer::Member(w) => assert!(w.ends_with("resource"), "{w}"),
        Answer::Empty => panic!("the hard query has members, e.g. `sresource`"),
    }
    let easy = Re::diff(glob_set(["s3:getobject*"]), glob_set(["s3:get*"]));
    assert_eq!(solver.find_member(&easy), Answer::Empty);
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
