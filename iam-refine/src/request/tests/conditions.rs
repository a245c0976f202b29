//! `docs/semantics.md` §4: the condition block: shape, AND / OR / NOR, absent keys,
//! `...IfExists`, the set operators, `Null`, single- and multivalued keys.

use serde_json::json;

use super::{eval_error, holds, open_under, refused, req, with_condition};
use crate::request::{EvalPolicyError, Rule, ValueType};

const S: ValueType = ValueType::String;
const L: ValueType = ValueType::StringList;

#[test]
fn operators_and_keys_are_anded_values_ored() {
    let c = json!({"StringEquals": {"a": ["1", "2"], "b": "3"}, "StringLike": {"c": "x*"}});
    let all = [
        ("a", S, &["2"][..]),
        ("b", S, &["3"][..]),
        ("c", S, &["xy"][..]),
    ];
    assert!(holds(c.clone(), &all));
    assert!(!holds(
        c.clone(),
        &[
            ("a", S, &["9"][..]),
            ("b", S, &["3"][..]),
            ("c", S, &["xy"][..])
        ]
    ));
    assert!(!holds(
        c.clone(),
        &[
            ("a", S, &["1"][..]),
            ("b", S, &["4"][..]),
            ("c", S, &["xy"][..])
        ]
    ));
    assert!(!holds(
        c,
        &[
            ("a", S, &["1"][..]),
            ("b", S, &["3"][..]),
            ("c", S, &["y"][..])
        ]
    ));
    assert!(holds(json!({}), &[]), "an empty block holds");
    assert!(
        holds(json!({"StringEquals": {}}), &[]),
        "an operator with no key holds"
    );
}

#[test]
fn negated_operators_nor_their_values() {
    let c = json!({"StringNotEquals": {"a": ["1", "2"]}});
    assert!(holds(c.clone(), &[("a", S, &["3"][..])]));
    assert!(!holds(c.clone(), &[("a", S, &["1"][..])]));
    assert!(!holds(c, &[("a", S, &["2"][..])]));
}

#[test]
fn key_names_are_case_insensitive() {
    let c = json!({"StringEquals": {"AWS:PrincipalTag/Team": "x"}});
    assert!(holds(c, &[("aws:principaltag/team", S, &["x"][..])]));
}

#[test]
fn an_absent_key_fails_a_positive_operator_and_satisfies_a_negated_one() {
    for op in [
        "StringEquals",
        "StringLike",
        "NumericEquals",
        "DateEquals",
        "Bool",
        "IpAddress",
        "ArnLike",
        "BinaryEquals",
    ] {
        let v = match op {
            "NumericEquals" => "1",
            "DateEquals" => "2020-01-01",
            "Bool" => "true",
            "IpAddress" => "10.0.0.0/8",
            "ArnLike" => "arn:aws:s3:::x",
            "BinaryEquals" => "Zm9v",
            _ => "x",
        };
        assert!(!holds(json!({op: {"k": v}}), &[]), "{op}");
        assert!(
            holds(json!({format!("{op}IfExists"): {"k": v}}), &[]),
            "{op}IfExists"
        );
    }
    for op in [
        "StringNotEquals",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
        "ArnNotLike",
        "StringNotEqualsIgnoreCase",
        "ArnNotEquals",
    ] {
        let v = match op {
            "NumericNotEquals" => "1",
            "DateNotEquals" => "2020-01-01",
            "NotIpAddress" => "10.0.0.0/8",
            "ArnNotLike" | "ArnNotEquals" => "arn:aws:s3:::x",
            _ => "x",
        };
        assert!(holds(json!({op: {"k": v}}), &[]), "{op}");
        assert!(
            holds(json!({format!("{op}IfExists"): {"k": v}}), &[]),
            "{op}IfExists"
        );
    }
}

#[test]
fn if_exists_judges_a_present_key_as_usual() {
    assert!(holds(
        json!({"StringEqualsIfExists": {"k": "x"}}),
        &[("k", S, &["x"][..])]
    ));
    assert!(!holds(
        json!({"StringEqualsIfExists": {"k": "x"}}),
        &[("k", S, &["y"][..])]
    ));
    assert!(!holds(
        json!({"StringNotEqualsIfExists": {"k": "x"}}),
        &[("k", S, &["x"][..])]
    ));
}

#[test]
fn an_empty_list_is_an_absent_key() {
    assert!(!holds(
        json!({"StringEquals": {"k": "x"}}),
        &[("k", L, &[][..])]
    ));
    assert!(holds(json!({"Null": {"k": "true"}}), &[("k", L, &[][..])]));
    assert!(holds(
        json!({"ForAllValues:StringEquals": {"k": "x"}}),
        &[("k", L, &[][..])]
    ));
}

#[test]
fn for_any_value_needs_one_satisfying_value() {
    let c = json!({"ForAnyValue:StringEquals": {"k": ["a", "b"]}});
    assert!(holds(c.clone(), &[("k", L, &["z", "b"][..])]));
    assert!(!holds(c.clone(), &[("k", L, &["z", "y"][..])]));
    assert!(!holds(c, &[]), "absent: false");
    // Negated: some request value matches no policy value.
    let c = json!({"ForAnyValue:StringNotEquals": {"k": ["a", "b"]}});
    assert!(holds(c.clone(), &[("k", L, &["a", "z"][..])]));
    assert!(!holds(c.clone(), &[("k", L, &["a", "b"][..])]));
    assert!(!holds(c, &[]));
}

#[test]
fn u1_for_any_value_if_exists_without_a_value_is_undetermined() {
    for op in [
        "ForAnyValue:StringEqualsIfExists",
        "ForAnyValue:StringNotLikeIfExists",
        "ForAnyValue:NumericLessThanIfExists",
    ] {
        let c = json!({op: {"k": ["1"]}});
        assert_eq!(
            open_under(c.clone(), &[]),
            Rule::ForAnyValueIfExistsWithoutValue,
            "{op}: absent"
        );
        assert_eq!(
            open_under(c.clone(), &[("k", L, &[][..])]),
            Rule::ForAnyValueIfExistsWithoutValue,
            "{op}: an empty list"
        );
        assert_eq!(Rule::ForAnyValueIfExistsWithoutValue.code(), "U1");
    }
    // With a value, `...IfExists` changes nothing; `ForAllValues:` is true either way.
    assert!(holds(
        json!({"ForAnyValue:StringEqualsIfExists": {"k": "a"}}),
        &[("k", L, &["a"][..])]
    ));
    assert!(!holds(
        json!({"ForAnyValue:StringEqualsIfExists": {"k": "a"}}),
        &[("k", L, &["b"][..])]
    ));
    assert!(holds(
        json!({"ForAllValues:StringEqualsIfExists": {"k": "a"}}),
        &[]
    ));
    // An empty array of policy values: U1 is about the request's values, not these.
    assert_eq!(
        open_under(json!({"ForAnyValue:StringEqualsIfExists": {"k": []}}), &[]),
        Rule::ForAnyValueIfExistsWithoutValue
    );
}

#[test]
fn for_all_values_needs_every_value_to_satisfy() {
    let c = json!({"ForAllValues:StringLike": {"k": ["team*", "cost"]}});
    assert!(holds(c.clone(), &[("k", L, &["team-a", "cost"][..])]));
    assert!(!holds(c.clone(), &[("k", L, &["team-a", "secret"][..])]));
    assert!(holds(c, &[]), "absent: true");
    // Negated: no request value matches any policy value.
    let c = json!({"ForAllValues:StringNotEquals": {"k": ["a", "b"]}});
    assert!(holds(c.clone(), &[("k", L, &["x", "y"][..])]));
    assert!(!holds(c.clone(), &[("k", L, &["x", "a"][..])]));
    assert!(holds(c, &[]));
}

#[test]
fn a_set_operator_reads_a_single_valued_key_as_its_one_value() {
    assert!(holds(
        json!({"ForAnyValue:StringEquals": {"k": "a"}}),
        &[("k", S, &["a"][..])]
    ));
    assert!(!holds(
        json!({"ForAllValues:StringEquals": {"k": "a"}}),
        &[("k", S, &["b"][..])]
    ));
}

#[test]
fn a_plain_operator_on_a_multivalued_key_is_not_modelled() {
    let p = with_condition(json!({"StringLike": {"aws:TagKeys": "*"}}));
    let e = eval_error(
        &p,
        &req("s3:GetObject", "x", &[("aws:TagKeys", L, &["a"][..])]),
    );
    assert!(
        e.to_string()
            .contains("a multivalued key needs `ForAnyValue:` or `ForAllValues:`"),
        "{e}"
    );
    // Null and set operators are fine on it.
    assert!(holds(
        json!({"Null": {"aws:TagKeys": "false"}}),
        &[("aws:TagKeys", L, &["a"][..])]
    ));
}

#[test]
fn null_tests_presence() {
    assert!(holds(json!({"Null": {"k": "true"}}), &[]));
    assert!(!holds(
        json!({"Null": {"k": "true"}}),
        &[("k", S, &["x"][..])]
    ));
    assert!(
        holds(json!({"Null": {"k": false}}), &[("k", S, &[""][..])]),
        "an empty string is present"
    );
    assert!(!holds(json!({"Null": {"k": "False"}}), &[]));
    assert!(
        holds(json!({"Null": {"k": ["true", "false"]}}), &[]),
        "values ORed"
    );
    let e = refused(
        json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Null": {"k": "yes"}}}}),
    );
    assert_eq!(
        e.to_string(),
        "statement 1: not modelled: `Null` value `yes` of key `k` is not true or false"
    );
}

#[test]
fn condition_shapes_are_refused_naming_them() {
    let shape = |c: serde_json::Value| {
        let e = refused(
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": c}]}),
        );
        assert!(
            matches!(e, EvalPolicyError::Condition { statement: 2, .. }),
            "{e}"
        );
        e.to_string()
    };
    assert_eq!(
        shape(json!([{"StringEquals": {"k": "v"}}])),
        "statement 2: `Condition` must be an object of operators, found an array"
    );
    assert_eq!(shape(json!({"StringEquals": "v"})), "statement 2: condition operator `StringEquals` must map to an object of keys, found a string `v`");
    assert_eq!(shape(json!({"StringEquals": {"k": {"nested": "v"}}})), "statement 2: the value of key `k` under `StringEquals` must be a string, a number, a boolean or an array of them, found an object");
    assert!(shape(json!({"StringEquals": {"k": [["v"]]}})).ends_with("found an array"));
    assert!(shape(json!({"StringEquals": {"k": null}})).ends_with("found null `null`"));
    assert_eq!(
        shape(json!({"StringEquals": {"": "v"}})),
        "statement 2: condition operator `StringEquals` has an empty key"
    );
}

#[test]
fn an_empty_value_list_follows_the_or_and_nor_rules() {
    assert!(!holds(
        json!({"StringEquals": {"k": []}}),
        &[("k", S, &["x"][..])]
    ));
    assert!(holds(
        json!({"StringNotEquals": {"k": []}}),
        &[("k", S, &["x"][..])]
    ));
    // Other families and set operators alike; a request value that does not parse meets
    // no policy value to be undetermined against, so the NOR of none is true (U3 needs a
    // comparison).
    let n = ValueType::Numeric;
    assert!(!holds(
        json!({"NumericEquals": {"k": []}}),
        &[("k", n, &["1"][..])]
    ));
    assert!(holds(
        json!({"NumericNotEquals": {"k": []}}),
        &[("k", n, &["1"][..])]
    ));
    assert!(holds(
        json!({"NumericNotEquals": {"k": []}}),
        &[("k", n, &["abc"][..])]
    ));
    assert!(holds(
        json!({"NotIpAddress": {"k": []}}),
        &[("k", S, &["bad"][..])]
    ));
    assert!(!holds(
        json!({"ForAnyValue:StringLike": {"k": []}}),
        &[("k", L, &["a"][..])]
    ));
    assert!(holds(
        json!({"ForAllValues:StringNotLike": {"k": []}}),
        &[("k", L, &["a"][..])]
    ));
    assert!(
        !holds(json!({"Null": {"k": []}}), &[]),
        "the OR of no value"
    );
    assert!(!holds(json!({"Null": {"k": []}}), &[("k", S, &["x"][..])]));
}
