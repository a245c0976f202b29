//! Statements whose action language is empty (`NotAction` covering every string, `Action:
//! []`) decide no request: removing or adding one is proved, and every counterexample's
//! witness is a string its statement matches (issue 17).
//!
//! Random `NotAction` / `Action` lists drawn from patterns that cover everything alone
//! (`*`, `**`), together (`?*` with `""`, `?` with `??*` and `""`) or not at all, judged by
//! the brute-force model: a list covers every string iff `uncovered_extension` finds none
//! (exact: see its docs). Each statement is removed as a Deny (DenyRemoved) and added as an
//! unpaired Deny and Allow (Unpaired).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use iam_refine_tests::glob::{any_glob, uncovered_extension};
use iam_refine_tests::Rng;
use iam_refine_verify::{Options, Prover, Report, Theorem, Unused, Verdict, Z3Worker};
use serde_json::{json, Value};

/// Patterns that together may or may not cover every string, over the characters `a`, `x`,
/// `:` (and any other, through the wildcards).
const POOL: [&str; 22] = [
    "*", "**", "?*", "*?", "", "?", "??", "??*", "???*", "a*", "*a", "a:*", "*:*", ":*", "*:",
    "?*?", "a", "x*", "*x*", "a:x", "?:*", "*?*?",
];

fn prove(prover: &Prover, z3: &mut Z3Worker, original: &Value, refined: &Value) -> Report {
    prover
        .verify_documents(
            z3,
            original,
            std::slice::from_ref(refined),
            &Unused::default(),
            &Options::default(),
        )
        .expect("verify")
}

fn policy(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Does the statement (`not_action`, `list`) match `action`, by the model's glob?
fn matches(not_action: bool, list: &[String], action: &str) -> bool {
    any_glob(list, action) != not_action
}

#[test]
fn statements_that_match_nothing_may_go_and_come() {
    let prover = Prover::new(&["a:x".to_string(), "a:y".to_string()]).unwrap();
    let mut z3 = Z3Worker::new();
    let allow = json!({"Effect": "Allow", "Action": "a:x", "Resource": "*"});
    let mut rng = Rng(17);
    let (mut empty, mut refuted) = (0, 0);
    for case in 0..300 {
        let not_action = case % 8 != 0;
        let list: Vec<String> = (0..rng.below(5) + usize::from(not_action))
            .map(|_| rng.pick(&POOL).to_string())
            .collect();
        let key = if not_action { "NotAction" } else { "Action" };
        let is_empty = if not_action {
            uncovered_extension(&list, "").is_none()
        } else {
            list.is_empty()
        };
        let deny = json!({"Effect": "Deny", key: list, "Resource": "*"});
        let other_allow = json!({"Effect": "Allow", key: list, "Resource": "arn:aws:s3:::b"});
        let runs = [
            (
                Theorem::DenyRemoved,
                policy(vec![deny.clone(), allow.clone()]),
                policy(vec![allow.clone()]),
            ),
            (
                Theorem::Unpaired,
                policy(vec![allow.clone()]),
                policy(vec![allow.clone(), deny.clone()]),
            ),
            (
                Theorem::Unpaired,
                policy(vec![allow.clone()]),
                policy(vec![allow.clone(), other_allow]),
            ),
        ];
        for (theorem, original, refined) in runs {
            let report = prove(&prover, &mut z3, &original, &refined);
            match (&report.verdict, is_empty) {
                (Verdict::Proved, true) => empty += 1,
                (Verdict::Counterexample(cx), false) => {
                    assert_eq!(cx.theorem, theorem, "{key} {list:?}: {cx:?}");
                    assert!(
                        matches(not_action, &list, &cx.action),
                        "{key} {list:?}: the witness `{}` is not matched",
                        cx.action
                    );
                    refuted += 1;
                }
                (other, _) => panic!("{key} {list:?} (empty: {is_empty}): {other:?}"),
            }
        }
    }
    println!("{empty} proved (the statement matches nothing), {refuted} refuted");
    // Both kinds are common enough to mean something.
    assert!(
        empty > 90 && refuted > 300,
        "{empty} proved, {refuted} refuted"
    );
}
