//! Hostile inputs: huge conditions, long and pathological patterns, odd Unicode. Each must
//! give an answer or a clear error at once: never a hang, never a panic.

use serde_json::{json, Value};

use super::{allowed, holds, policy, req};
use crate::request::ValueType;

#[test]
fn ten_thousand_values_in_one_condition() {
    let cidrs: Vec<Value> = (0..10_000u32)
        .map(|i| json!(format!("10.{}.{}.0/24", i / 256, i % 256)))
        .collect();
    let c = json!({"IpAddress": {"aws:SourceIp": cidrs}});
    assert!(holds(
        c.clone(),
        &[("aws:SourceIp", ValueType::Ip, &["10.39.15.9"][..])]
    ));
    assert!(!holds(
        c,
        &[("aws:SourceIp", ValueType::Ip, &["10.40.0.1"][..])]
    ));
    let globs: Vec<Value> = (0..10_000).map(|i| json!(format!("*a*{i}*b*"))).collect();
    let values: Vec<String> = (0..100).map(|i| format!("xax{i}yb")).collect();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    assert!(holds(
        json!({"ForAllValues:StringLike": {"k": globs}}),
        &[("k", ValueType::StringList, &refs)]
    ));
}

#[test]
fn pathological_globs_do_not_backtrack() {
    let pattern = "*a".repeat(2_000) + "*b";
    let p = policy(
        json!({"Statement": {"Effect": "Allow", "Action": pattern, "Resource": format!("arn:{pattern}")}}),
    );
    let long = "a".repeat(10_000);
    assert!(!allowed(&p, &req(&long, &format!("arn:{long}"), &[])));
    assert!(holds(
        json!({"StringNotLike": {"k": pattern}}),
        &[("k", ValueType::String, &[long.as_str()][..])]
    ));
}

#[test]
fn odd_unicode_is_compared_as_characters() {
    let arn = "arn:aws:s3:::bücket/\u{202e}evil\u{0}/🙂";
    let p = policy(
        json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b?cket/*/?"}}),
    );
    assert!(allowed(&p, &req("a", arn, &[])));
    // Composed and decomposed forms are different strings, as in IAM.
    let p = policy(
        json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::caf\u{e9}"}}),
    );
    assert!(!allowed(&p, &req("a", "arn:aws:s3:::cafe\u{301}", &[])));
}

#[test]
fn deep_json_is_refused_by_the_reader() {
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    assert!(crate::request::EvalPolicy::parse_text(&deep).is_err());
    assert!(crate::request::Request::from_json(&deep).is_err());
}

#[test]
fn long_numbers_and_dates_are_judged_exactly() {
    let big = "9".repeat(5_000);
    let c = json!({"NumericLessThan": {"k": big.clone() + "0"}});
    assert!(holds(c, &[("k", ValueType::Numeric, &[big.as_str()][..])]));
    let c = json!({"DateLessThan": {"k": "2020-01-01"}});
    assert!(
        !holds(c, &[("k", ValueType::Date, &[big.as_str()][..])]),
        "an epoch beyond 64 bits is not a date"
    );
}
