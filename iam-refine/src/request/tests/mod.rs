//! Unit tests of the evaluator: at least one per rule of `docs/semantics.md`, named after
//! the rule, plus hostile inputs.

mod conditions;
mod decision;
mod hostile;
mod operators;
mod request_json;
mod resources;
mod variables;

use serde_json::{json, Value};

use super::{
    evaluate, EvalError, EvalPolicy, EvalPolicyError, Outcome, Reason, Request, Rule, ValueType,
};

/// A request with context entries `(key, type, values)`.
pub(super) fn req(action: &str, resource: &str, context: &[(&str, ValueType, &[&str])]) -> Request {
    let mut r = Request::new(action, resource);
    for (k, t, vs) in context {
        r.insert(*k, *t, vs.iter().map(|v| v.to_string()).collect())
            .expect("a valid context");
    }
    r
}

pub(super) fn policy(doc: Value) -> EvalPolicy {
    EvalPolicy::parse(&doc).unwrap_or_else(|e| panic!("{e}: {doc}"))
}

pub(super) fn refused(doc: Value) -> EvalPolicyError {
    EvalPolicy::parse(&doc)
        .err()
        .unwrap_or_else(|| panic!("should be refused: {doc}"))
}

/// One Allow statement on `s3:GetObject` / `*` with this condition, Version 2012-10-17.
pub(super) fn with_condition(condition: Value) -> EvalPolicy {
    policy(json!({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}}))
}

/// Is the request allowed? Panics when the decision is undetermined.
pub(super) fn allowed(p: &EvalPolicy, r: &Request) -> bool {
    let d = evaluate(std::slice::from_ref(p), r).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(
        d.outcome,
        Outcome::Undetermined,
        "undetermined: {:?}",
        d.depends_on()
    );
    d.is_allowed()
}

/// The rule under which the decision is undetermined; panics when it is determined or
/// depends on more than one clause.
pub(super) fn undetermined(policies: &[EvalPolicy], r: &Request) -> Rule {
    let d = evaluate(policies, r).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.outcome, Outcome::Undetermined, "{d:?}");
    let on = d.depends_on();
    assert_eq!(on.len(), 1, "{on:?}");
    match &on[0].reason {
        Reason::Undetermined { rule, .. } => *rule,
        other => panic!("not a rule: {other}"),
    }
}

/// The rule under which the condition is undetermined for a `s3:GetObject` request with
/// this context.
pub(super) fn open_under(condition: Value, context: &[(&str, ValueType, &[&str])]) -> Rule {
    undetermined(
        &[with_condition(condition)],
        &req("s3:GetObject", "x", context),
    )
}

/// The condition holds for a `s3:GetObject` request with this context.
pub(super) fn holds(condition: Value, context: &[(&str, ValueType, &[&str])]) -> bool {
    allowed(
        &with_condition(condition),
        &req("s3:GetObject", "x", context),
    )
}

pub(super) fn eval_error(p: &EvalPolicy, r: &Request) -> EvalError {
    evaluate(std::slice::from_ref(p), r).expect_err("should not be judged")
}

pub(super) fn outcome(policies: &[EvalPolicy], r: &Request) -> Outcome {
    evaluate(policies, r)
        .unwrap_or_else(|e| panic!("{e}"))
        .outcome
}
