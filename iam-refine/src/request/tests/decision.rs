//! `docs/semantics.md` §2: statements, documents and the decision; `Version`.

use serde_json::json;

use super::{allowed, eval_error, outcome, policy, refused, req};
use crate::request::{evaluate, EvalPolicyError, Outcome, ValueType};
use crate::Effect;

#[test]
fn allow_needs_a_matching_allow_and_deny_wins() {
    let allow =
        policy(json!({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}));
    let deny = policy(json!({"Statement": [
        {"Sid": "Other", "Effect": "Deny", "Action": "ec2:*", "Resource": "*"},
        {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]}));
    let both = [allow.clone(), deny.clone()];
    assert_eq!(
        outcome(&both, &req("s3:GetObject", "x", &[])),
        Outcome::Allowed
    );
    let d = evaluate(&both, &req("s3:DeleteObject", "x", &[])).unwrap();
    assert_eq!(d.outcome, Outcome::ExplicitDeny);
    assert_eq!(d.matched.len(), 2, "the Allow matched too");
    let deciding = d.deciding();
    assert_eq!(deciding.len(), 1);
    assert_eq!((deciding[0].document, deciding[0].statement), (2, 2));
    assert_eq!(deciding[0].sid.as_deref(), Some("NoDelete"));
    assert_eq!(deciding[0].effect, Effect::Deny);
    assert_eq!(
        outcome(&both, &req("sqs:SendMessage", "x", &[])),
        Outcome::ImplicitDeny
    );
    assert_eq!(
        outcome(&[deny], &req("sqs:SendMessage", "x", &[])),
        Outcome::ImplicitDeny
    );
    assert_eq!(
        outcome(&[], &req("s3:GetObject", "x", &[])),
        Outcome::ImplicitDeny
    );
    assert!(evaluate(&[], &req("a", "b", &[]))
        .unwrap()
        .deciding()
        .is_empty());
}

#[test]
fn a_statement_matches_when_action_resource_and_condition_all_hold() {
    let p = policy(
        json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}}),
    );
    let tls = [("aws:SecureTransport", ValueType::Boolean, &["true"][..])];
    assert!(allowed(&p, &req("s3:GetObject", "arn:aws:s3:::b/k", &tls)));
    assert!(!allowed(&p, &req("s3:PutObject", "arn:aws:s3:::b/k", &tls)));
    assert!(!allowed(&p, &req("s3:GetObject", "arn:aws:s3:::c/k", &tls)));
    assert!(!allowed(&p, &req("s3:GetObject", "arn:aws:s3:::b/k", &[])));
}

#[test]
fn resource_based_policies_are_refused_naming_the_key() {
    for key in ["Principal", "NotPrincipal"] {
        let e = refused(
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Allow", key: {"AWS": "*"}, "Action": "*", "Resource": "*"}]}),
        );
        assert_eq!(
            e,
            EvalPolicyError::ResourceBased {
                statement: 2,
                key: if key == "Principal" {
                    "Principal"
                } else {
                    "NotPrincipal"
                }
            }
        );
        assert!(
            e.to_string()
                .starts_with(&format!("statement 2: has `{key}`")),
            "{e}"
        );
    }
}

#[test]
fn statements_need_exactly_one_of_each_pair() {
    let e = refused(json!({"Statement": {"Effect": "Allow", "Action": "*"}}));
    assert_eq!(
        e.to_string(),
        "statement 1: needs `Resource` or `NotResource`"
    );
    let e = refused(json!({"Statement": {"Effect": "Allow", "Resource": "*"}}));
    assert_eq!(e.to_string(), "statement 1: needs `Action` or `NotAction`");
    let e = refused(
        json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "x"}}),
    );
    assert_eq!(
        e.to_string(),
        "statement 1: has both `Resource` and `NotResource`"
    );
    let e = refused(json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": [1]}}));
    assert_eq!(
        e.to_string(),
        "statement 1: `Resource` must be a string or an array of strings, found a number `1`"
    );
}

#[test]
fn effect_is_allow_or_deny_case_sensitive() {
    let e = refused(json!({"Statement": {"Effect": "allow", "Action": "*", "Resource": "*"}}));
    assert_eq!(
        e.to_string(),
        "statement 1: Effect must be Allow or Deny, found a string `allow`"
    );
    let e = refused(json!({"Statement": {"Action": "*", "Resource": "*"}}));
    assert_eq!(e.to_string(), "statement 1: `Effect` is missing");
}

#[test]
fn sid_and_unknown_keys_are_ignored() {
    let p = policy(
        json!({"Id": "x", "Statement": {"Sid": 7, "Effect": "Allow", "Action": "*", "Resource": "*", "Whatever": [1]}}),
    );
    let d = evaluate(&[p], &req("a", "b", &[])).unwrap();
    assert_eq!(d.deciding()[0].sid.as_deref(), Some("7"));
}

#[test]
fn version_rules() {
    let doc = |v: serde_json::Value| {
        let mut d = json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/${aws:username}"}});
        if !v.is_null() {
            d["Version"] = v;
        }
        d
    };
    let bob = [("aws:username", ValueType::String, &["bob"][..])];
    // 2012-10-17: variables.
    let p = policy(doc(json!("2012-10-17")));
    assert!(p.has_variables());
    assert!(allowed(&p, &req("a", "arn:aws:s3:::b/bob", &bob)));
    assert!(!allowed(
        &p,
        &req("a", "arn:aws:s3:::b/${aws:username}", &bob)
    ));
    // 2008-10-17 and no Version: literal text.
    for v in [json!("2008-10-17"), serde_json::Value::Null] {
        let p = policy(doc(v));
        assert!(!p.has_variables());
        assert!(!allowed(&p, &req("a", "arn:aws:s3:::b/bob", &bob)));
        assert!(allowed(
            &p,
            &req("a", "arn:aws:s3:::b/${aws:username}", &bob)
        ));
    }
    for bad in [
        json!("2012-10-18"),
        json!(""),
        json!(2012),
        json!("2012-10-17 "),
    ] {
        let e = refused(doc(bad.clone()));
        assert!(matches!(e, EvalPolicyError::Version { .. }), "{bad}: {e}");
    }
}

#[test]
fn documents_of_the_wrong_shape_are_refused() {
    assert!(matches!(
        refused(json!([])),
        EvalPolicyError::NotAPolicy { .. }
    ));
    assert!(matches!(
        refused(json!({"Version": "2012-10-17"})),
        EvalPolicyError::NotAPolicy { .. }
    ));
    assert_eq!(
        refused(json!({"Statement": []})),
        EvalPolicyError::NoStatement
    );
    assert!(matches!(
        refused(json!({"Statement": "x"})),
        EvalPolicyError::StatementType { .. }
    ));
    assert!(matches!(
        refused(json!({"Statement": [1]})),
        EvalPolicyError::StatementNotObject { statement: 1, .. }
    ));
}

#[test]
fn envelopes_are_opened_as_everywhere_else() {
    let doc = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}});
    let wrapped = json!({"PolicyVersion": {"Document": doc.to_string(), "VersionId": "v1"}});
    let p = crate::request::EvalPolicy::parse_text(&wrapped.to_string()).unwrap();
    assert!(allowed(&p, &req("a", "b", &[])));
    let e = crate::request::EvalPolicy::parse_text(r#"{"Statement": [], "Statement": []}"#)
        .unwrap_err();
    assert!(e.to_string().contains("duplicate key `Statement`"), "{e}");
    let policy = crate::Policy::parse(&doc.to_string()).unwrap();
    assert!(allowed(
        &crate::request::EvalPolicy::from_policy(&policy).unwrap(),
        &req("a", "b", &[])
    ));
}

#[test]
fn an_undecided_statement_is_an_error_only_when_it_could_change_the_decision() {
    let tags = [("aws:TagKeys", ValueType::StringList, &["a", "b"][..])];
    let plain_on_list = json!({"StringEquals": {"aws:TagKeys": "a"}});
    let allow_all =
        policy(json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}));
    let undecided_deny = policy(
        json!({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": plain_on_list}}),
    );
    let undecided_allow = policy(
        json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": plain_on_list}}),
    );
    let deny_all = policy(json!({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}));
    let r = req("s3:GetObject", "x", &tags);
    // An undecided Deny beside an Allow: the decision depends on it.
    let e = eval_error(&undecided_deny, &r);
    assert!(e.to_string().starts_with("document 1, statement 1: not modelled: `StringEquals` applied to the key `aws:TagKeys`"), "{e}");
    assert!(evaluate(&[allow_all.clone(), undecided_deny], &r).is_err());
    // An undecided Allow beside a certain Allow or a certain Deny: it cannot matter.
    let d = evaluate(&[allow_all, undecided_allow.clone()], &r).unwrap();
    assert_eq!((d.outcome, d.undecided.len()), (Outcome::Allowed, 1));
    assert_eq!(
        outcome(&[deny_all, undecided_allow.clone()], &r),
        Outcome::ExplicitDeny
    );
    // Alone, it decides.
    assert!(evaluate(std::slice::from_ref(&undecided_allow), &r).is_err());
    // A statement whose action does not match is never judged further.
    let s3_only = policy(
        json!({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": plain_on_list}}),
    );
    assert_eq!(
        outcome(&[s3_only], &req("ec2:RunInstances", "x", &tags)),
        Outcome::ImplicitDeny
    );
    drop(undecided_allow);
}
