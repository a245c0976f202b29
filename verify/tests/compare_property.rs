//! Random policies over small alphabets of actions, resources and condition values,
//! compared by the prover and by brute force over every request of their universe
//! (`iam_refine_tests::Universe`) with the library's concrete evaluator, written
//! independently of this crate: a proof must hold on every request, and every witness is
//! confirmed by both evaluators. `IAM_REFINE_FULL=1` runs ten times as many cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "support/compare.rs"]
mod support;

use iam_refine::request::{evaluate, EvalPolicy, Request};
use iam_refine_tests::{full_sweep, Rng, Universe};
use iam_refine_verify::compare::{CompareOptions, Comparer, Verdict};
use iam_refine_verify::Z3Worker;
use serde_json::{json, Value};
use support::check_witnesses;

const ACTIONS: [&str; 6] = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:Get*",
    "s3:*",
    "ec2:Run?nstances",
    "*",
];
const RESOURCES: [&str; 6] = [
    "*",
    "arn:aws:s3:::a/*",
    "arn:aws:s3:::a/x",
    "arn:aws:s3:::b*",
    "arn:aws:s3:::a/${aws:username}/*",
    "arn:aws:ec2:*:*:instance/*",
];

fn condition(rng: &mut Rng) -> Value {
    let one = |rng: &mut Rng| -> (String, String, Value) {
        match rng.below(9) {
            0 => (
                "StringEquals".into(),
                "aws:PrincipalTag/team".into(),
                json!(rng.pick(&["x", "y"]).to_string()),
            ),
            1 => (
                "StringNotEquals".into(),
                "aws:PrincipalTag/team".into(),
                json!(["x"]),
            ),
            2 => (
                "StringLike".into(),
                "s3:prefix".into(),
                json!(rng.pick(&["home/*", "h?me/x", "*"]).to_string()),
            ),
            3 => (
                "Null".into(),
                "aws:PrincipalTag/team".into(),
                json!(rng.pick(&["true", "false"]).to_string()),
            ),
            4 => (
                "NumericLessThan".into(),
                "s3:max-keys".into(),
                json!(rng.pick(&["10", "2.5"]).to_string()),
            ),
            5 => (
                "Bool".into(),
                "aws:SecureTransport".into(),
                json!(rng.pick(&["true", "false"]).to_string()),
            ),
            6 => (
                "ForAnyValue:StringEquals".into(),
                "aws:TagKeys".into(),
                json!(["a", "b"]),
            ),
            7 => (
                "ForAllValues:StringLike".into(),
                "aws:TagKeys".into(),
                json!(["a*"]),
            ),
            _ => (
                "IpAddress".into(),
                "aws:SourceIp".into(),
                json!(rng.pick(&["10.0.0.0/8", "10.1.0.0/16"]).to_string()),
            ),
        }
    };
    let mut block = serde_json::Map::new();
    for _ in 0..1 + rng.below(2) {
        let (op, key, v) = one(rng);
        let entry = block.entry(op).or_insert_with(|| json!({}));
        entry[key] = v;
    }
    Value::Object(block)
}

fn statement(rng: &mut Rng) -> Value {
    let deny = rng.chance(0.25);
    let k = 1 + rng.below(2);
    let mut s = json!({
        "Effect": if deny { "Deny" } else { "Allow" },
        "Action": rng.sample(&ACTIONS, k),
    });
    let k = 1 + rng.below(2);
    let resources = rng.sample(&RESOURCES, k);
    if rng.chance(0.15) {
        s["NotResource"] = json!(resources);
    } else {
        s["Resource"] = json!(resources);
    }
    if rng.chance(0.5) {
        s["Condition"] = condition(rng);
    }
    s
}

fn policy(rng: &mut Rng) -> Value {
    let n = 1 + rng.below(3);
    json!({"Version": "2012-10-17", "Statement": (0..n).map(|_| statement(rng)).collect::<Vec<_>>()})
}

/// A policy close to `old`: one statement replaced, added or dropped.
fn neighbour(old: &Value, rng: &mut Rng) -> Value {
    let mut new = old.clone();
    let stmts = new["Statement"].as_array_mut().unwrap();
    match rng.below(3) {
        0 => {
            let i = rng.below(stmts.len());
            stmts[i] = statement(rng);
        }
        1 => stmts.push(statement(rng)),
        _ if stmts.len() > 1 => {
            let i = rng.below(stmts.len());
            stmts.remove(i);
        }
        _ => stmts.push(statement(rng)),
    }
    new
}

fn allowed(policies: &[EvalPolicy], r: &Request) -> Option<bool> {
    evaluate(policies, r).ok().map(|d| d.is_allowed())
}

#[test]
fn the_prover_agrees_with_brute_force_over_the_evaluator() {
    let cases = if full_sweep() { 3_000 } else { 100 };
    let mut z3 = Z3Worker::new();
    let mut rng = Rng(0xC0_4A_9E);
    let (mut proved, mut refuted, mut unknown, mut requests) = (0, 0, 0, 0u128);
    for case in 0..cases {
        let old = policy(&mut rng);
        let new = if rng.chance(0.2) {
            old.clone()
        } else {
            neighbour(&old, &mut rng)
        };
        let c = Comparer::new()
            .compare(
                &mut z3,
                std::slice::from_ref(&old),
                std::slice::from_ref(&new),
                &CompareOptions::default(),
            )
            .unwrap_or_else(|e| panic!("case {case}: {e}\n{old}\n{new}"));
        check_witnesses(&c, std::slice::from_ref(&old), std::slice::from_ref(&new));
        if matches!(c.verdict, Verdict::Unknown { .. }) {
            unknown += 1;
            continue;
        }
        if c.new_allows.is_some() || c.old_allows.is_some() {
            refuted += 1;
        }
        if c.new_allows.is_none() || c.old_allows.is_none() {
            proved += 1;
        }
        // every request of the universe respects the directions proved
        let universe = Universe::from_policies(&[old.clone(), new.clone()]);
        if universe.len() > 50_000 {
            continue;
        }
        let o = [EvalPolicy::parse(&old).unwrap()];
        let n = [EvalPolicy::parse(&new).unwrap()];
        for r in universe.requests() {
            requests += 1;
            let (Some(a), Some(b)) = (allowed(&o, &r), allowed(&n, &r)) else {
                continue;
            };
            let shown = r.to_value();
            assert!(
                !b || a || c.new_allows.is_some(),
                "case {case}: proved no new access, but NEW allows {shown} and OLD does not\n{old}\n{new}\n{c:?}"
            );
            assert!(
                !a || b || c.old_allows.is_some(),
                "case {case}: proved nothing lost, but OLD allows {shown} and NEW does not\n{old}\n{new}\n{c:?}"
            );
        }
    }
    eprintln!("{cases} comparisons: {proved} with a direction proved, {refuted} refuted, {unknown} unknown; {requests} requests evaluated");
    assert!(
        proved > cases / 4 && refuted > cases / 4,
        "{proved} {refuted}"
    );
    assert!(unknown < cases / 10, "{unknown} unknown");
}
