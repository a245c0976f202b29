//! `docs/semantics.md` §6 and §7: policy variables and declared unknowns.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::{allowed, eval_error, holds, open_under, policy, req};
use crate::request::{
    evaluate_with_unknowns, EvalError, EvalPolicy, EvalPolicyError, Rule, ValueType,
};

const S: ValueType = ValueType::String;

fn on(resource: &str) -> EvalPolicy {
    policy(
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": resource}}),
    )
}

#[test]
fn a_variable_in_a_resource_is_the_keys_value() {
    let p = on("arn:aws:s3:::b/${aws:username}/*");
    let bob = [("AWS:UserName", S, &["bob"][..])];
    assert!(allowed(&p, &req("a", "arn:aws:s3:::b/bob/k", &bob)));
    assert!(!allowed(&p, &req("a", "arn:aws:s3:::b/alice/k", &bob)));
    let tag = on("arn:aws:s3:::${aws:PrincipalTag/team}");
    assert!(allowed(
        &tag,
        &req(
            "a",
            "arn:aws:s3:::red",
            &[("aws:principaltag/TEAM", S, &["red"][..])]
        )
    ));
}

#[test]
fn substituted_text_is_literal() {
    let p = on("arn:aws:s3:::b/${aws:username}");
    let star = [("aws:username", S, &["*"][..])];
    assert!(allowed(&p, &req("a", "arn:aws:s3:::b/*", &star)));
    assert!(!allowed(&p, &req("a", "arn:aws:s3:::b/anything", &star)));
    let like = json!({"StringLike": {"s3:prefix": "${aws:username}/*"}});
    let q = [("aws:username", S, &["a?"][..])];
    assert!(holds(
        like.clone(),
        &[q[0], ("s3:prefix", S, &["a?/x"][..])]
    ));
    assert!(!holds(like, &[q[0], ("s3:prefix", S, &["ab/x"][..])]));
}

#[test]
fn special_characters() {
    let p = on("arn:aws:s3:::b/${*}${?}${$}");
    assert!(allowed(&p, &req("a", "arn:aws:s3:::b/*?$", &[])));
    assert!(!allowed(&p, &req("a", "arn:aws:s3:::b/x?$", &[])));
    assert!(holds(
        json!({"StringEquals": {"k": "a${*}b"}}),
        &[("k", S, &["a*b"][..])]
    ));
}

#[test]
fn a_default_stands_in_for_an_absent_key() {
    let p = on("arn:aws:s3:::b/${aws:userid, 'anonymous'}/*");
    assert!(allowed(&p, &req("a", "arn:aws:s3:::b/anonymous/k", &[])));
    assert!(!allowed(
        &p,
        &req(
            "a",
            "arn:aws:s3:::b/anonymous/k",
            &[("aws:userid", S, &["AID1"][..])]
        )
    ));
    assert!(allowed(
        &p,
        &req(
            "a",
            "arn:aws:s3:::b/AID1/k",
            &[("aws:userid", S, &["AID1"][..])]
        )
    ));
}

#[test]
fn a_variable_without_a_value_matches_nothing() {
    let p = on("arn:aws:s3:::b/${aws:username}*");
    assert!(!allowed(&p, &req("a", "arn:aws:s3:::b/", &[])));
    assert!(!allowed(
        &p,
        &req("a", "arn:aws:s3:::b/${aws:username}", &[])
    ));
    let c = json!({"StringEquals": {"k": "${aws:username}"}});
    assert!(!holds(c, &[("k", S, &[""][..])]));
}

#[test]
fn u2_a_negated_operator_over_a_variable_without_a_value_is_undetermined() {
    for (op, value, request) in [
        ("StringNotEquals", "${aws:username}", "x"),
        ("StringNotEqualsIgnoreCase", "${aws:username}", "x"),
        ("StringNotLike", "${aws:username}*", "x"),
        (
            "ArnNotLike",
            "arn:aws:iam::1:user/${aws:username}",
            "arn:aws:iam::1:user/x",
        ),
        (
            "ArnNotEquals",
            "arn:aws:iam::1:user/${aws:username}",
            "arn:aws:iam::1:user/x",
        ),
        ("StringNotEqualsIfExists", "${aws:username}", "x"),
    ] {
        let c = json!({op: {"k": value}});
        assert_eq!(
            open_under(c.clone(), &[("k", S, &[request][..])]),
            Rule::NegatedOverVariableWithoutValue,
            "{op}"
        );
        // Among others that do not match: still undetermined.
        let c = json!({op: {"k": [value, "arn:aws:iam::1:user/other"]}});
        assert_eq!(
            open_under(c, &[("k", S, &[request][..])]),
            Rule::NegatedOverVariableWithoutValue,
            "{op} among others"
        );
        // With another value that matches: false for sure.
        let c = json!({op: {"k": [value, request]}});
        assert!(
            !holds(c, &[("k", S, &[request][..])]),
            "{op}: another matches"
        );
        // With the variable's key present: decided as usual.
        let c = json!({op: {"k": value}});
        assert!(holds(
            c,
            &[("k", S, &[request][..]), ("aws:username", S, &["bob"][..])]
        ));
    }
    // The key absent: the single-valued rule decides before any value is compared.
    assert!(holds(
        json!({"StringNotEquals": {"k": "${aws:username}"}}),
        &[]
    ));
    // A default is a value.
    assert!(holds(
        json!({"StringNotEquals": {"k": "${aws:username, 'anon'}"}}),
        &[("k", S, &["x"][..])]
    ));
    // In a set operator, per request value.
    let l = ValueType::StringList;
    assert_eq!(
        open_under(
            json!({"ForAllValues:StringNotEquals": {"k": "${aws:username}"}}),
            &[("k", l, &["a", "b"][..])]
        ),
        Rule::NegatedOverVariableWithoutValue
    );
}

#[test]
fn a_multivalued_key_as_a_variable_is_not_modelled() {
    let p = on("arn:aws:s3:::${aws:TagKeys}");
    let e = eval_error(
        &p,
        &req(
            "a",
            "arn:aws:s3:::x",
            &[("aws:TagKeys", ValueType::StringList, &["x"][..])],
        ),
    );
    assert!(
        e.to_string()
            .contains("the multivalued key `aws:TagKeys` is used as a policy variable"),
        "{e}"
    );
}

#[test]
fn variables_in_arn_values_are_substituted_before_splitting() {
    let c = json!({"ArnLike": {"aws:SourceArn": "arn:aws:ec2:*:*:instance/${ec2:InstanceId}"}});
    let id = ("ec2:InstanceId", S, &["i-1"][..]);
    assert!(holds(
        c.clone(),
        &[
            id,
            (
                "aws:SourceArn",
                S,
                &["arn:aws:ec2:eu-west-1:1:instance/i-1"][..]
            )
        ]
    ));
    assert!(!holds(
        c,
        &[
            id,
            (
                "aws:SourceArn",
                S,
                &["arn:aws:ec2:eu-west-1:1:instance/i-2"][..]
            )
        ]
    ));
    // Whole-value variables whose value is no ARN: not modelled.
    let p = super::with_condition(json!({"ArnEquals": {"aws:SourceArn": "${aws:username}"}}));
    let r = req(
        "s3:GetObject",
        "x",
        &[
            ("aws:username", S, &["bob"][..]),
            ("aws:SourceArn", S, &["arn:a:b:c:d:e"][..]),
        ],
    );
    assert!(eval_error(&p, &r).to_string().contains("fewer than six"));
}

#[test]
fn variables_are_literal_in_other_operators() {
    // `${...}` in a Numeric value is text, which is not a number: not modelled.
    let e = EvalPolicy::parse(&json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"NumericLessThan": {"k": "${aws:username}"}}}})).unwrap_err();
    assert!(matches!(e, EvalPolicyError::NotModelled { .. }));
}

#[test]
fn actions_and_keys_take_no_variables() {
    let p = policy(
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:${aws:username}", "Resource": "*"}}),
    );
    assert!(allowed(
        &p,
        &req(
            "s3:${aws:username}",
            "x",
            &[("aws:username", S, &["Get"][..])]
        )
    ));
    assert!(!allowed(
        &p,
        &req("s3:Get", "x", &[("aws:username", S, &["Get"][..])])
    ));
}

fn unknowns() -> BTreeSet<String> {
    ["Bucket.Arn".to_string()].into()
}

#[test]
fn declared_unknowns_take_the_values_given_whatever_the_version() {
    for version in [json!("2012-10-17"), json!("2008-10-17")] {
        let doc = json!({"Version": version, "Statement": {"Effect": "Allow", "Action": "*", "Resource": "${Bucket.Arn}/*",
            "Condition": {"StringEquals": {"k": "${Bucket.Arn}"}}}});
        let p = EvalPolicy::parse_with_unknowns(&doc, &unknowns()).unwrap();
        let values: BTreeMap<String, String> =
            [("Bucket.Arn".to_string(), "arn:aws:s3:::b*".to_string())].into();
        let r = req(
            "a",
            "arn:aws:s3:::b*/k",
            &[("k", S, &["arn:aws:s3:::b*"][..])],
        );
        assert!(
            evaluate_with_unknowns(std::slice::from_ref(&p), &r, &values)
                .unwrap()
                .is_allowed()
        );
        let r = req(
            "a",
            "arn:aws:s3:::bx/k",
            &[("k", S, &["arn:aws:s3:::b*"][..])],
        );
        assert!(
            !evaluate_with_unknowns(std::slice::from_ref(&p), &r, &values)
                .unwrap()
                .is_allowed(),
            "literal"
        );
        let e = evaluate_with_unknowns(std::slice::from_ref(&p), &r, &BTreeMap::new()).unwrap_err();
        assert_eq!(
            e,
            EvalError::NoUnknownValue {
                document: 1,
                statement: 1,
                name: "Bucket.Arn".into()
            }
        );
    }
}

#[test]
fn declared_unknowns_are_read_from_text_and_envelopes_too() {
    let doc =
        json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "${Bucket.Arn}/*"}});
    let wrapped = json!({"PolicyVersion": {"Document": doc.to_string()}}).to_string();
    let p = EvalPolicy::parse_text_with_unknowns(&wrapped, &unknowns()).unwrap();
    let r = req("a", "arn:aws:s3:::b/k", &[])
        .with_unknown("Bucket.Arn", "arn:aws:s3:::b")
        .unwrap();
    assert!(allowed(&p, &r));
    // Without the declaration, `${Bucket.Arn}` is text (no Version: no variables).
    let p = EvalPolicy::parse_text(&wrapped).unwrap();
    assert!(!allowed(&p, &r));
}

#[test]
fn declared_unknowns_elsewhere_are_not_modelled() {
    for (where_, doc) in [
        (
            "action",
            json!({"Statement": {"Effect": "Allow", "Action": "s3:${Bucket.Arn}", "Resource": "*"}}),
        ),
        (
            "key",
            json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"${Bucket.Arn}": "x"}}}}),
        ),
        (
            "numeric",
            json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"NumericEquals": {"k": "${Bucket.Arn}"}}}}),
        ),
    ] {
        let e = EvalPolicy::parse_with_unknowns(&doc, &unknowns()).unwrap_err();
        assert!(
            e.to_string()
                .contains("the declared unknown `${Bucket.Arn}`"),
            "{where_}: {e}"
        );
    }
}

#[test]
fn a_variable_before_the_fifth_colon_of_a_resource_is_not_modelled() {
    for (element, pattern) in [
        ("Resource", "arn:*:kms:*:${aws:PrincipalAccount}:key/*"),
        ("NotResource", "arn:aws:s3::${aws:username}"),
        ("Resource", "${aws:username}"),
    ] {
        let e = EvalPolicy::parse(&json!({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Action": "*", element: ["*", pattern]}}))
        .unwrap_err();
        assert!(
            matches!(e, EvalPolicyError::NotModelled { statement: 1, .. }),
            "{e}"
        );
        assert!(
            e.to_string().contains(&format!(
                "stands before the fifth `:` of the `{element}` pattern `{pattern}`"
            )),
            "{e}"
        );
    }
    // After the fifth colon, and anywhere under 2008-10-17 (literal text): fine.
    on("arn:aws:s3:::b/${aws:username}");
    on("arn:aws:iam::123456789012:user/${aws:username}");
    policy(
        json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:${aws:username}"}}),
    );
    // Condition values may hold one anywhere.
    holds(
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:iam::${aws:PrincipalAccount}:role/x"}}),
        &[],
    );
}

#[test]
fn a_malformed_variable_is_text_up_to_its_first_closing_brace() {
    // `${a ${aws:username}}` is one malformed variable (it ends at the first `}`): text.
    let p = on("arn:aws:s3:::b/${a ${aws:username}}");
    let bob = [("aws:username", S, &["bob"][..])];
    assert!(allowed(
        &p,
        &req("a", "arn:aws:s3:::b/${a ${aws:username}}", &bob)
    ));
    assert!(!allowed(&p, &req("a", "arn:aws:s3:::b/${a bob}", &bob)));
    assert!(holds(
        json!({"StringEquals": {"k": "${a'b}${aws:username}"}}),
        &[bob[0], ("k", S, &["${a'b}bob"][..])]
    ));
}

#[test]
fn an_unknown_inside_a_malformed_variable_is_not_modelled() {
    for doc in [
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "${x ${Bucket.Arn}}"}}),
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {"k": "${x ${Bucket.Arn}}"}}}}),
    ] {
        let e = EvalPolicy::parse_with_unknowns(&doc, &unknowns()).unwrap_err();
        assert!(
            e.to_string().contains(
                "the declared unknown `${Bucket.Arn}` stands inside a malformed policy variable"
            ),
            "{e}"
        );
    }
    // Under 2008-10-17 there is no variable to be inside of: the unknown is read.
    let doc =
        json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "${x${Bucket.Arn}"}});
    EvalPolicy::parse_with_unknowns(&doc, &unknowns()).unwrap();
}
