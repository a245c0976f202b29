//! `docs/semantics.md` §2: statements, documents and the decision; `Version`.

use serde_json::json;

use super::{allowed, outcome, policy, refused, req};
use crate::request::{
    evaluate, evaluate_choosing, evaluate_with_unknowns, ClausePart, EvalError, EvalPolicy,
    EvalPolicyError, Outcome, Request, ValueType, Verdict,
};
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
    let e = evaluate(&[allow_all.clone(), undecided_deny.clone()], &r).unwrap_err();
    assert!(e.to_string().starts_with("document 2, statement 1: not modelled: `StringEquals` applied to the key `aws:TagKeys`"), "{e}");
    // Alone, it cannot matter: nothing allows the request.
    assert_eq!(outcome(&[undecided_deny], &r), Outcome::ImplicitDeny);
    // An undecided Allow beside a certain Allow or a certain Deny: it cannot matter.
    let d = evaluate(&[allow_all, undecided_allow.clone()], &r).unwrap();
    assert_eq!((d.outcome, d.open.len()), (Outcome::Allowed, 1));
    assert!(!d.open[0].decisive);
    assert!(d.open[0].reason.is_not_modelled());
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

#[test]
fn an_undetermined_decision_names_the_clauses_it_depends_on() {
    let u1 = json!({"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "team*"}});
    let allow = policy(json!({"Statement": [
        {"Sid": "Tags", "Effect": "Allow", "Action": "*", "Resource": "*", "Condition": u1},
        {"Sid": "Other", "Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "x"}, "Bool": {"aws:SecureTransport": "true"}}}]}));
    let r = req("s3:GetObject", "x", &[]);
    let d = evaluate(std::slice::from_ref(&allow), &r).unwrap();
    assert_eq!(d.outcome, Outcome::Undetermined);
    assert!(!d.is_allowed() && !d.is_denied());
    assert!(d.deciding().is_empty());
    // Statement 2 is false for sure (no `aws:SecureTransport`): its clause is not listed.
    let on = d.depends_on();
    assert_eq!(on.len(), 1);
    assert_eq!(on[0].statement.sid.as_deref(), Some("Tags"));
    assert_eq!(
        on[0].part,
        ClausePart::Condition {
            operator: "ForAnyValue:StringLikeIfExists".into(),
            key: "aws:TagKeys".into()
        }
    );
    assert!(
        on[0].to_string().starts_with("document 1, statement 1 (Sid `Tags`), `ForAnyValue:StringLikeIfExists` on `aws:TagKeys`: undetermined (U1): "),
        "{}",
        on[0]
    );
    assert_eq!(d.verdict(), Verdict::Undetermined(vec![on[0].clone()]));
    // A Deny for sure decides whatever the open clause.
    let deny = policy(json!({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}));
    let d = evaluate(&[allow.clone(), deny], &r).unwrap();
    assert_eq!(
        (d.outcome, d.verdict()),
        (Outcome::ExplicitDeny, Verdict::Denied)
    );
    assert_eq!(d.open.len(), 1);
    assert!(!d.open[0].decisive);
    // A Deny on the same clause: denied whichever way it goes (implicitly when it is
    // false, explicitly when it is true).
    let same = policy(
        json!({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": u1}}),
    );
    let d = evaluate(&[allow.clone(), same], &r).unwrap();
    assert_eq!(
        (d.outcome, d.verdict()),
        (Outcome::ImplicitDeny, Verdict::Denied)
    );
    // The clause's key present: determined.
    let tags = [("aws:TagKeys", ValueType::StringList, &["team-a"][..])];
    let d = evaluate(
        std::slice::from_ref(&allow),
        &req("s3:GetObject", "x", &tags),
    )
    .unwrap();
    assert_eq!((d.verdict(), d.open.len()), (Verdict::Allowed, 0));
}

#[test]
fn a_decision_depending_on_a_clause_not_modelled_is_an_error_even_beside_an_undetermined_one() {
    let p = policy(json!({"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "team*"}}},
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/x": "a"}}}]}));
    let r = req(
        "s3:GetObject",
        "x",
        &[("aws:PrincipalTag/x", ValueType::StringList, &["a"][..])],
    );
    let e = evaluate(std::slice::from_ref(&p), &r).unwrap_err();
    assert!(
        matches!(
            e,
            EvalError::NotModelled {
                document: 1,
                statement: 2,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn choosing_decides_every_open_clause_once_per_text() {
    let u1 = json!({"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "team*"}});
    let p = policy(json!({"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": u1},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": u1},
        {"Effect": "Deny", "Action": "*", "Resource": "arn:aws:s3:::b/*/x"}]}));
    let r = req("s3:GetObject", "arn:aws:s3:::b/1:2/x", &[]);
    let d = evaluate(std::slice::from_ref(&p), &r).unwrap();
    assert_eq!(d.outcome, Outcome::Undetermined);
    assert_eq!(d.open.len(), 3);
    for (tags, pattern, expected, matched) in [
        (true, false, Outcome::Allowed, vec![1, 2]),
        (true, true, Outcome::ExplicitDeny, vec![1, 2, 3]),
        (false, false, Outcome::ImplicitDeny, vec![]),
        (false, true, Outcome::ExplicitDeny, vec![3]),
    ] {
        let mut asked = Vec::new();
        let d = evaluate_choosing(std::slice::from_ref(&p), &r, &mut |c| {
            asked.push(c.part.clone());
            match c.part {
                ClausePart::Condition { .. } => tags,
                ClausePart::Resource { .. } => pattern,
            }
        });
        assert_eq!(
            asked.len(),
            2,
            "the clause of statements 1 and 2 is asked once"
        );
        assert_eq!(d.outcome, expected);
        assert!(d.open.is_empty());
        let m: Vec<usize> = d.matched.iter().map(|s| s.statement).collect();
        assert_eq!(m, matched);
    }
}

#[test]
fn declared_unknowns_take_the_requests_values() {
    let unknowns: std::collections::BTreeSet<String> = ["Bucket.Arn".to_string()].into();
    let p = EvalPolicy::parse_with_unknowns(
        &json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "${Bucket.Arn}/*"}}),
        &unknowns,
    )
    .unwrap();
    let r = Request::from_json(
        r#"{"action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "unknowns": {"Bucket.Arn": "arn:aws:s3:::b"}}"#,
    )
    .unwrap();
    assert_eq!(
        evaluate(std::slice::from_ref(&p), &r).unwrap().verdict(),
        Verdict::Allowed
    );
    // Values given to `evaluate_with_unknowns` replace the request's.
    let other: std::collections::BTreeMap<String, String> =
        [("Bucket.Arn".to_string(), "arn:aws:s3:::c".to_string())].into();
    assert!(evaluate_with_unknowns(std::slice::from_ref(&p), &r, &other)
        .unwrap()
        .is_denied());
    // Without a value: an error, since the decision depends on it.
    let bare = Request::new("s3:GetObject", "arn:aws:s3:::b/k");
    assert!(matches!(
        evaluate(std::slice::from_ref(&p), &bare),
        Err(EvalError::NoUnknownValue { .. })
    ));
}
