//! `docs/semantics.md` §5: each operator family's `cmp(v, p)`, its positive and negated
//! forms, and values that do not parse.

use serde_json::json;

use super::{holds, open_under, refused};
use crate::request::{EvalPolicyError, Rule, ValueType};

const K: &str = "k";

/// Does `op` with policy values `p` hold for a single request value `v` of type `t`?
fn single(op: &str, p: serde_json::Value, t: ValueType, v: &str) -> bool {
    holds(json!({op: {K: p}}), &[(K, t, &[v][..])])
}

fn s(op: &str, p: serde_json::Value, v: &str) -> bool {
    single(op, p, ValueType::String, v)
}

fn not_modelled(op: &str, p: serde_json::Value) -> String {
    let e = refused(
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {op: {"aws:MultiFactorAuthAge": p}}}}),
    );
    assert!(matches!(e, EvalPolicyError::NotModelled { .. }), "{e}");
    e.to_string()
}

#[test]
fn string_equals_is_exact_and_case_sensitive() {
    assert!(s("StringEquals", json!("Team"), "Team"));
    assert!(!s("StringEquals", json!("Team"), "team"));
    assert!(!s("StringEquals", json!("a*"), "abc"), "no wildcards");
    assert!(s("StringEquals", json!("a*"), "a*"));
    assert!(s("StringEquals", json!(["x", "y"]), "y"), "values ORed");
    assert!(
        !s("StringNotEquals", json!(["x", "y"]), "y"),
        "negated: NOR"
    );
    assert!(s("StringNotEquals", json!(["x", "y"]), "z"));
}

#[test]
fn string_equals_ignore_case_folds_ascii_only() {
    assert!(s("StringEqualsIgnoreCase", json!("TEAM"), "team"));
    assert!(
        !s("StringEqualsIgnoreCase", json!("ÉQUIPE"), "équipe"),
        "non-ASCII compares exactly"
    );
    assert!(s("StringEqualsIgnoreCase", json!("Équipe"), "ÉQUIPE"));
    assert!(!s("StringNotEqualsIgnoreCase", json!("TEAM"), "team"));
    assert!(s("StringNotEqualsIgnoreCase", json!("TEAM"), "teams"));
}

#[test]
fn string_like_is_a_case_sensitive_glob_where_colon_is_ordinary() {
    assert!(s("StringLike", json!("home/*"), "home/a/b"));
    assert!(s("StringLike", json!("a?c"), "abc"));
    assert!(!s("StringLike", json!("A*"), "abc"));
    assert!(s("StringLike", json!("arn:*:x"), "arn:a:b:c:x"));
    assert!(s("StringLike", json!(""), ""));
    assert!(!s("StringNotLike", json!(["x*", "y*"]), "yes"));
    assert!(s("StringNotLike", json!(["x*", "y*"]), "no"));
}

#[test]
fn numeric_operators_compare_exact_decimals() {
    let n = |op: &str, p: serde_json::Value, v: &str| single(op, p, ValueType::Numeric, v);
    assert!(n("NumericEquals", json!("1"), "1.0"));
    assert!(
        n("NumericEquals", json!(10), "10"),
        "a JSON number stands for its text"
    );
    assert!(n("NumericNotEquals", json!("10"), "11"));
    assert!(!n("NumericNotEquals", json!("10"), "010"));
    assert!(n("NumericLessThan", json!("10"), "9.99999999999999999999"));
    assert!(!n("NumericLessThan", json!("10"), "10"));
    assert!(n("NumericLessThanEquals", json!("10"), "10"));
    assert!(n("NumericGreaterThan", json!("-1"), "-0.5"));
    assert!(!n("NumericGreaterThan", json!("-1"), "-1"));
    assert!(n("NumericGreaterThanEquals", json!("-1"), "-1.000"));
    // A request value that is not a number compares false, whatever the operator.
    assert!(!n("NumericLessThan", json!("10"), "abc"));
    assert!(!n("NumericEquals", json!("1000"), "1e3"));
}

#[test]
fn u3_a_negated_operator_over_a_request_value_that_does_not_parse_is_undetermined() {
    let cases: &[(&str, serde_json::Value, ValueType, &str)] = &[
        ("NumericNotEquals", json!("10"), ValueType::Numeric, "abc"),
        ("NumericNotEquals", json!("10"), ValueType::Numeric, "1e1"),
        (
            "DateNotEquals",
            json!("2020-01-01"),
            ValueType::Date,
            "2020-01",
        ),
        (
            "NotIpAddress",
            json!("203.0.113.0/24"),
            ValueType::Ip,
            "garbage",
        ),
        (
            "NotIpAddress",
            json!("203.0.113.0/24"),
            ValueType::Ip,
            "203.0.113.0/24",
        ),
        (
            "ArnNotLike",
            json!("arn:aws:s3:::b"),
            ValueType::String,
            "arn:aws:s3::b",
        ),
        (
            "ArnNotEquals",
            json!("arn:aws:s3:::b"),
            ValueType::String,
            "b",
        ),
        (
            "NumericNotEqualsIfExists",
            json!("10"),
            ValueType::Numeric,
            "x",
        ),
    ];
    for (op, p, t, v) in cases {
        assert_eq!(
            open_under(json!({*op: {K: p}}), &[(K, *t, &[*v][..])]),
            Rule::NegatedOverUnparsedValue,
            "{op} over {v}"
        );
        // The positive operator over it is false: every comparison is.
        let positive = op.replace("Not", "");
        assert!(!single(&positive, p.clone(), *t, v), "{positive} over {v}");
    }
    // A set operator: one such value among others.
    let list = ValueType::NumericList;
    assert_eq!(
        open_under(
            json!({"ForAllValues:NumericNotEquals": {K: "10"}}),
            &[(K, list, &["1", "x"][..])]
        ),
        Rule::NegatedOverUnparsedValue
    );
    assert!(
        !holds(
            json!({"ForAllValues:NumericNotEquals": {K: "10"}}),
            &[(K, list, &["10", "x"][..])]
        ),
        "another value fails it for sure"
    );
    assert!(
        holds(
            json!({"ForAnyValue:NumericNotEquals": {K: "10"}}),
            &[(K, list, &["1", "x"][..])]
        ),
        "another value satisfies it for sure"
    );
    // Strings always parse: the NOR holds.
    assert!(s("StringNotEquals", json!("10"), "abc"));
    // Bool and BinaryEquals have no negated form: a value that does not parse is false.
    assert!(!single("Bool", json!("true"), ValueType::Boolean, "yes"));
}

#[test]
fn numeric_policy_values_that_are_not_numbers_are_not_modelled() {
    assert_eq!(
        not_modelled("NumericLessThan", json!("abc")),
        "statement 1: not modelled: `NumericLessThan` value `abc` of key `aws:MultiFactorAuthAge` is not a number (-?[0-9]+(.[0-9]+)?)"
    );
    not_modelled("NumericEquals", json!(["1", "1e3"]));
    not_modelled("NumericEquals", serde_json::from_str("1e3").unwrap());
    not_modelled("NumericEquals", json!(true));
    not_modelled("NumericEquals", json!("${aws:username}"));
}

#[test]
fn date_operators_compare_instants() {
    let d = |op: &str, p: &str, v: &str| single(op, json!(p), ValueType::Date, v);
    assert!(d("DateEquals", "2020-01-01T00:00:00Z", "1577836800"));
    assert!(d("DateEquals", "2020-01-01", "2020-01-01T01:00:00+01:00"));
    assert!(d("DateNotEquals", "2020-01-01", "2020-01-01T00:00:00.001Z"));
    assert!(d(
        "DateLessThan",
        "2020-01-01T00:00:01Z",
        "2020-01-01T00:00:00Z"
    ));
    assert!(!d("DateLessThan", "2020-01-01", "2020-01-01"));
    assert!(d("DateLessThanEquals", "2020-01-01", "2020-01-01"));
    assert!(d(
        "DateGreaterThan",
        "2020-01-01",
        "2020-01-01T00:00:00.001Z"
    ));
    assert!(d("DateGreaterThanEquals", "1577836800", "2020-01-01"));
    assert!(
        !d("DateGreaterThan", "2020-01-01", "tomorrow"),
        "not a date: false"
    );
    assert!(not_modelled("DateLessThan", json!("2020-13-01")).ends_with(
        "is not a date (epoch seconds [+-]?[0-9]{1,12}, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss[.f]](Z|+hh:mm|-hh:mm) with 1 to 9 fractional digits)"
    ));
    not_modelled("DateLessThan", json!("${aws:CurrentTime}"));
}

#[test]
fn dates_compare_exactly_to_the_nanosecond() {
    let d = |op: &str, p: &str, v: &str| single(op, json!(p), ValueType::Date, v);
    // Millisecond precision would make these equal.
    assert!(d(
        "DateLessThan",
        "2020-01-01T00:00:00.0001Z",
        "2020-01-01T00:00:00Z"
    ));
    assert!(!d(
        "DateEquals",
        "2020-01-01T00:00:00.123456789Z",
        "2020-01-01T00:00:00.123456788Z"
    ));
    assert!(d(
        "DateEquals",
        "2020-01-01T00:00:00.1Z",
        "2020-01-01T00:00:00.100000000Z"
    ));
    // Epoch seconds: a sign, at most 12 digits.
    assert!(d("DateEquals", "+1577836800", "2020-01-01"));
    assert!(d("DateLessThan", "-1", "-2"));
    assert!(
        !d("DateGreaterThan", "0", "1000000000000"),
        "13 digits: no date"
    );
    not_modelled("DateEquals", json!("1000000000000"));
    not_modelled("DateEquals", json!("2020-01-01T00:00:00.1234567891Z"));
    // `YYYY` is epoch seconds; `YYYY-MM` is nothing.
    assert!(d("DateEquals", "2020", "1970-01-01T00:33:40Z"));
    not_modelled("DateEquals", json!("2020-01"));
    assert!(!d("DateLessThan", "2030-01-01", "2020-01"));
}

#[test]
fn bool_compares_true_and_false_ignoring_case() {
    let b = |p: serde_json::Value, v: &str| single("Bool", p, ValueType::Boolean, v);
    assert!(b(json!("true"), "TRUE"));
    assert!(b(json!(true), "true"), "a JSON boolean stands for its text");
    assert!(b(json!("False"), "false"));
    assert!(!b(json!("true"), "false"));
    assert!(!b(json!("true"), "yes"));
    assert!(!b(json!("true"), "1"));
    not_modelled("Bool", json!("yes"));
    not_modelled("Bool", json!("${aws:SecureTransport}"));
}

#[test]
fn binary_equals_compares_decoded_bytes() {
    let b = |p: &str, v: &str| single("BinaryEquals", json!(p), ValueType::Binary, v);
    assert!(b(
        "QmluYXJ5VmFsdWVJbkJhc2U2NA==",
        "QmluYXJ5VmFsdWVJbkJhc2U2NA=="
    ));
    assert!(!b("Zm9v", "Zm9vYg=="));
    assert!(!b("Zm9v", "Zm9v="), "not base64: false");
    not_modelled("BinaryEquals", json!("not base64!"));
}

#[test]
fn ip_address_operators_take_ipv4_and_ipv6_cidrs() {
    let ip = |op: &str, p: serde_json::Value, v: &str| single(op, p, ValueType::Ip, v);
    assert!(ip("IpAddress", json!("203.0.113.0/24"), "203.0.113.7"));
    assert!(ip(
        "IpAddress",
        json!(["10.0.0.0/8", "2001:DB8:1234:5678::/64"]),
        "2001:db8:1234:5678::99"
    ));
    assert!(
        !ip("IpAddress", json!("203.0.113.0/24"), "::ffff:203.0.113.7"),
        "families never mix"
    );
    assert!(
        !ip("IpAddress", json!("203.0.113.0/24"), "203.0.113.0/24"),
        "a request value is an address"
    );
    assert!(ip("NotIpAddress", json!("203.0.113.0/24"), "198.51.100.1"));
    assert!(!ip("NotIpAddress", json!("203.0.113.0/24"), "203.0.113.1"));

    not_modelled("IpAddress", json!("203.0.113.0/33"));
}

#[test]
fn arn_operators_match_six_components() {
    let a = |op: &str, p: &str, v: &str| s(op, json!(p), v);
    for op in ["ArnEquals", "ArnLike"] {
        assert!(a(
            op,
            "arn:aws:sns:*:123456789012:topic-*",
            "arn:aws:sns:us-east-1:123456789012:topic-a"
        ));
        assert!(!a(op, "arn:aws:someservice:*:111122223333:finance/*",
            "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"));
        assert!(
            a(op, "arn:aws:s3:::b/*", "arn:aws:s3:::b/x:y"),
            "the sixth component keeps its colons"
        );
        assert!(!a(op, "arn:aws:s3:::b", "arn:aws:s3:::B"), "case-sensitive");
        assert!(
            !a(op, "arn:aws:s3:::*", "arn:aws:s3::b"),
            "a request value with fewer than six components"
        );
    }
    assert!(a(
        "ArnNotLike",
        "arn:aws:iam::*:role/admin",
        "arn:aws:iam::1:role/user"
    ));
    assert!(!a(
        "ArnNotEquals",
        "arn:aws:iam::*:role/*",
        "arn:aws:iam::1:role/user"
    ));
    assert!(not_modelled("ArnLike", json!("*")).contains("is not an ARN"));
    not_modelled("ArnEquals", json!("arn:aws:s3::x"));
}

#[test]
fn unknown_operators_are_not_modelled() {
    for op in [
        "StringMatches",
        "stringequals",
        "BinaryNotEquals",
        "NullIfExists",
        "ForAnyValue:Null",
        "ForAllValues:Null",
        "ForSomeValues:StringEquals",
    ] {
        let e = not_modelled(op, json!("x"));
        assert!(e.contains("is not one AWS documents"), "{e}");
    }
}
