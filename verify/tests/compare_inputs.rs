//! What the comparison refuses, what it answers Unknown, `check-not-granted`, and hostile
//! inputs (within a budget: a clear error or Unknown, never a hang or a panic).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "support/compare.rs"]
mod support;

use std::time::{Duration, Instant};

use iam_refine_verify::compare::{
    evaluate, Access, CompareError, CompareOptions, Comparer, Comparison, Verdict,
};
use iam_refine_verify::Z3Worker;
use serde_json::{json, Value};
use support::check_witnesses_declaring;

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn budget() -> CompareOptions {
    CompareOptions {
        timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    }
}

fn compare_with(
    old: Value,
    new: Value,
    options: &CompareOptions,
) -> Result<Comparison, CompareError> {
    let mut z3 = Z3Worker::new();
    let c = Comparer::new().compare(
        &mut z3,
        std::slice::from_ref(&old),
        std::slice::from_ref(&new),
        options,
    )?;
    check_witnesses_declaring(&c, &[old], &[new], &options.unknowns);
    Ok(c)
}

fn reasons(c: &Comparison) -> String {
    match &c.verdict {
        Verdict::Unknown { reasons } => reasons.join("; "),
        other => panic!("expected Unknown, got {other:?}"),
    }
}

#[test]
fn resource_based_policies_and_malformed_statements_are_refused() {
    let ok = doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]));
    for (bad, words) in [
        (
            doc(json!([{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}])),
            "`Principal`",
        ),
        (
            doc(
                json!([{"Effect": "Allow", "NotPrincipal": {"AWS": "x"}, "Action": "*", "Resource": "*"}]),
            ),
            "`NotPrincipal`",
        ),
        (
            doc(json!([{"Effect": "Allow", "Action": "*"}])),
            "neither `Resource` nor `NotResource`",
        ),
        (
            doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "x"}])),
            "both",
        ),
        (
            doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": [{}]}])),
            "`Condition`",
        ),
        (
            doc(
                json!([{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"k": {"a": "b"}}}}]),
            ),
            "not a string",
        ),
        (
            json!({"Version": "2013-01-01", "Statement": []}),
            "`Version`",
        ),
    ] {
        let err = compare_with(ok.clone(), bad, &budget())
            .unwrap_err()
            .to_string();
        assert!(err.contains(words), "{err}");
        assert!(err.starts_with("new document 1"), "{err}");
    }
}

#[test]
fn unmodelled_constructs_are_unknown_or_opaque() {
    let base = doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]));
    // a date that is not a date: Unknown, naming it
    let bad_date = doc(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"DateLessThan": {"aws:CurrentTime": "yesterday"}}}]),
    );
    let c = compare_with(base.clone(), bad_date.clone(), &budget()).unwrap();
    assert!(reasons(&c).contains("`yesterday` is not a date"), "{c:?}");
    // ... but the same construct on both sides, identical: one opaque Boolean, still proved
    expect_equivalent(bad_date.clone(), bad_date.clone());
    let mut more = bad_date.clone();
    more["Statement"][0]["Action"] = json!(["s3:GetObject", "s3:PutObject"]);
    let c = compare_with(bad_date, more, &budget()).unwrap();
    // the witness for PutObject depends on the opaque date: Unknown, not a verdict
    assert!(matches!(c.verdict, Verdict::Unknown { .. }), "{c:?}");
    // an operator AWS does not document
    let odd = doc(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEqualsAnyCase": {"k": "x"}}}]),
    );
    let c = compare_with(base.clone(), odd, &budget()).unwrap();
    assert!(reasons(&c).contains("`StringEqualsAnyCase` is not one AWS documents"));
    // a key used both single- and multivalued
    let plain = doc(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {"aws:TagKeys": "x"}}}]),
    );
    let set = doc(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "x"}}}]),
    );
    let c = compare_with(plain, set, &budget()).unwrap();
    assert!(reasons(&c).contains("both with set operators"), "{c:?}");
    // a declared unknown in an action
    let options = CompareOptions {
        unknowns: vec!["Svc".into()],
        ..budget()
    };
    let c = compare_with(
        base.clone(),
        doc(json!([{"Effect": "Allow", "Action": "${Svc}:Get", "Resource": "*"}])),
        &options,
    )
    .unwrap();
    assert!(reasons(&c).contains("declared unknown `Svc`"));
}

fn expect_equivalent(old: Value, new: Value) {
    let c = compare_with(old, new, &budget()).unwrap();
    assert_eq!(c.verdict, Verdict::Equivalent, "{c:?}");
}

#[test]
fn declared_unknowns_are_fixed_strings() {
    let options = CompareOptions {
        unknowns: vec!["BucketArn".into()],
        ..budget()
    };
    let res = |r: &str| doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": r}]));
    let c = compare_with(res("${BucketArn}/*"), res("${BucketArn}/*"), &options).unwrap();
    assert_eq!(c.verdict, Verdict::Equivalent);
    let c = compare_with(res("${BucketArn}/*"), res("arn:aws:s3:::b/*"), &options).unwrap();
    assert_eq!(c.verdict, Verdict::Incomparable);
    let w = c.new_allows.as_ref().unwrap();
    assert!(w.unknowns.contains_key("BucketArn"), "{}", w.to_json());
    assert_eq!(
        evaluate(&[res("arn:aws:s3:::b/*")], w, &options.unknowns).unwrap(),
        Some(true)
    );
    assert_eq!(
        evaluate(&[res("${BucketArn}/*")], w, &options.unknowns).unwrap(),
        Some(false)
    );
    // under Version 2008 too
    let old = json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "${BucketArn}/*"}]});
    let c = compare_with(old, res("${BucketArn}/*"), &options).unwrap();
    assert_eq!(c.verdict, Verdict::Equivalent);
}

#[test]
fn check_not_granted() {
    let policy = doc(json!([
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "arn:aws:s3:::prod/*"}
    ]));
    let mut z3 = Z3Worker::new();
    let check = |z3: &mut Z3Worker, actions: &[&str], resources: &[&str]| {
        let actions: Vec<String> = actions.iter().map(|s| s.to_string()).collect();
        let resources: Vec<String> = resources.iter().map(|s| s.to_string()).collect();
        Comparer::new()
            .check_not_granted(
                z3,
                std::slice::from_ref(&policy),
                &actions,
                &resources,
                &budget(),
            )
            .unwrap()
            .access
    };
    assert_eq!(
        check(&mut z3, &["s3:DeleteObject"], &["arn:aws:s3:::prod/*"]),
        Access::NotGranted
    );
    assert_eq!(
        check(&mut z3, &["iam:*", "ec2:RunInstances"], &[]),
        Access::NotGranted
    );
    match check(&mut z3, &["s3:DeleteObject"], &["arn:aws:s3:::*"]) {
        Access::Granted(w) => {
            assert_eq!(w.request.action, "s3:DeleteObject");
            assert!(!w.request.resource.starts_with("arn:aws:s3:::prod/"));
            assert_eq!(
                evaluate(std::slice::from_ref(&policy), &w, &[]).unwrap(),
                Some(true)
            );
        }
        other => panic!("{other:?}"),
    }
    match check(&mut z3, &["S3:Delete?bject"], &[]) {
        Access::Granted(w) => assert!(w
            .request
            .action
            .to_ascii_lowercase()
            .starts_with("s3:delete")),
        other => panic!("{other:?}"),
    }
    assert_eq!(check(&mut z3, &[], &[]), Access::NotGranted);
}

#[test]
fn ten_thousand_cidrs() {
    let cidrs: Vec<String> = (0..10_000u32)
        .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
        .collect();
    let mut fewer = cidrs.clone();
    fewer.remove(5_000);
    let ip = |v: &[String]| {
        doc(
            json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": v}}}]),
        )
    };
    let start = Instant::now();
    let c = compare_with(ip(&cidrs), ip(&fewer), &budget()).unwrap();
    assert_eq!(c.verdict, Verdict::NoNewAccess, "{c:?}");
    let w = c.old_allows.as_ref().unwrap();
    assert!(
        w.request.context["aws:SourceIp"].values[0].starts_with("10.19.136."),
        "{}",
        w.to_json()
    );
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
fn huge_and_deep_condition_blocks_and_odd_characters() {
    // 2,000 keys under one operator, every one required
    let mut keys = serde_json::Map::new();
    for i in 0..2_000 {
        keys.insert(format!("aws:PrincipalTag/k{i}"), json!(format!("v{i}")));
    }
    let big = doc(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": Value::Object(keys.clone())}}]),
    );
    let mut smaller = keys.clone();
    smaller.remove("aws:PrincipalTag/k1999");
    let less = doc(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": Value::Object(smaller)}}]),
    );
    let t = Instant::now();
    let c = compare_with(big.clone(), less, &budget()).unwrap();
    eprintln!("2000 keys: {:?}", t.elapsed());
    assert!(
        matches!(c.verdict, Verdict::NewAllowsMore | Verdict::Unknown { .. }),
        "{:?}",
        c.verdict
    );
    // deep nesting inside a condition value (as deep as serde_json reads: 128 levels):
    // refused, not recursed into
    let mut deep = json!("x");
    for _ in 0..120 {
        deep = json!([deep]);
    }
    let nested = doc(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {"k": deep}}}]),
    );
    let err = compare_with(big.clone(), nested, &budget()).unwrap_err();
    assert!(err.to_string().contains("not a string"), "{err}");
    // odd Unicode and control characters in ARNs: read, compared, witnesses written back
    let odd = |r: &str| doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": r}]));
    let c = compare_with(
        odd("arn:aws:s3:::b\u{e9}/\u{1F600}*"),
        odd("arn:aws:s3:::b\u{e9}/*"),
        &budget(),
    )
    .unwrap();
    assert_eq!(c.verdict, Verdict::NewAllowsMore);
    assert!(c
        .new_allows
        .as_ref()
        .unwrap()
        .request
        .resource
        .starts_with("arn:aws:s3:::b\u{e9}/"));
    let c = compare_with(odd("a\\b\u{0}c*"), odd("a\\b\u{0}c"), &budget()).unwrap();
    assert_eq!(c.verdict, Verdict::NoNewAccess);
    assert!(c
        .old_allows
        .as_ref()
        .unwrap()
        .request
        .resource
        .starts_with("a\\b\u{0}c"));
    expect_equivalent(odd("\u{202e}\u{feff}x"), odd("\u{202e}\u{feff}x"));
}

#[test]
fn three_thousand_statements() {
    let stmts: Vec<Value> = (0..3_000)
        .map(|i| {
            json!({"Effect": "Allow", "Action": format!("svc{}:Act{i}", i % 50),
            "Resource": format!("arn:aws:svc:::r{i}/*"),
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": format!("t{}", i % 7)}}})
        })
        .collect();
    let mut fewer = stmts.clone();
    fewer.remove(1_234);
    let start = Instant::now();
    let c = compare_with(doc(json!(stmts)), doc(json!(fewer)), &budget()).unwrap();
    assert_eq!(c.verdict, Verdict::NoNewAccess, "{:?}", c.verdict);
    assert_eq!(
        c.old_allows.as_ref().unwrap().request.action,
        "svc34:Act1234"
    );
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_spent_budget_is_unknown() {
    let old =
        doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"}]));
    let new =
        doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]));
    let options = CompareOptions {
        rlimit: Some(1),
        ..Default::default()
    };
    let c = compare_with(old, new, &options).unwrap();
    assert!(matches!(c.verdict, Verdict::Unknown { .. }), "{c:?}");
}
