//! Hand-written comparisons, one family of rules each (docs/semantics.md): the verdict,
//! and every witness re-checked by the crate's direct evaluation
//! ([`iam_refine_verify::compare::evaluate`]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "support/compare.rs"]
mod support;

use iam_refine_verify::compare::{CompareOptions, Comparer, Comparison, Verdict, Witness};
use iam_refine_verify::Z3Worker;
use serde_json::{json, Value};
use support::check_witnesses;

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// One Allow statement of `s3:GetObject` on `*` under `condition`.
fn when(condition: Value) -> Value {
    doc(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}]),
    )
}

fn compare_docs(old: &[Value], new: &[Value]) -> Comparison {
    let mut z3 = Z3Worker::new();
    let c = Comparer::new()
        .compare(&mut z3, old, new, &CompareOptions::default())
        .unwrap();
    check_witnesses(&c, old, new);
    c
}

fn compare(old: Value, new: Value) -> Comparison {
    compare_docs(&[old], &[new])
}

fn expect(old: Value, new: Value, verdict: Verdict) -> Comparison {
    let c = compare(old.clone(), new.clone());
    assert_eq!(c.verdict, verdict, "{old}\nvs\n{new}\n{c:?}");
    c
}

fn value<'w>(w: &'w Witness, key: &str) -> Option<&'w [String]> {
    w.request
        .context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.values.as_slice())
}

#[test]
fn strings_are_case_sensitive_unless_told() {
    let eq = |v: &str| when(json!({"StringEquals": {"aws:PrincipalTag/team": v}}));
    let c = expect(eq("Team"), eq("team"), Verdict::Incomparable);
    assert_eq!(
        value(c.new_allows.as_ref().unwrap(), "aws:PrincipalTag/team"),
        Some(&["team".to_string()][..])
    );
    let ic = |v: &str| when(json!({"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": v}}));
    expect(ic("team"), ic("TEAM"), Verdict::Equivalent);
    let c = expect(eq("team"), ic("team"), Verdict::NewAllowsMore);
    let w = value(c.new_allows.as_ref().unwrap(), "aws:PrincipalTag/team").unwrap();
    assert!(w[0].eq_ignore_ascii_case("team") && w[0] != "team");
    // keys compare case-insensitively
    expect(
        eq("x"),
        when(json!({"StringEquals": {"AWS:principaltag/TEAM": "x"}})),
        Verdict::Equivalent,
    );
}

#[test]
fn string_like_globs() {
    let like = |v: Value| when(json!({"StringLike": {"s3:prefix": v}}));
    expect(
        like(json!("home/*")),
        like(json!(["home/", "home/?*"])),
        Verdict::Equivalent,
    );
    let c = expect(
        like(json!("home/*")),
        like(json!("home/*/x")),
        Verdict::NoNewAccess,
    );
    let w = value(c.old_allows.as_ref().unwrap(), "s3:prefix").unwrap();
    assert!(w[0].starts_with("home/"));
    // `:` is not special in StringLike
    expect(
        like(json!("a*")),
        like(json!(["a", "a?*"])),
        Verdict::Equivalent,
    );
    expect(
        like(json!("*")),
        when(json!({"Null": {"s3:prefix": "false"}})),
        Verdict::Equivalent,
    );
}

#[test]
fn negated_operators_hold_on_absent_keys() {
    let ne = when(json!({"StringNotEquals": {"aws:PrincipalTag/team": "x"}}));
    let ne_if = when(json!({"StringNotEqualsIfExists": {"aws:PrincipalTag/team": "x"}}));
    expect(ne.clone(), ne_if, Verdict::Equivalent);
    // NOR over the values
    let nor = when(json!({"StringNotEquals": {"aws:PrincipalTag/team": ["x", "y"]}}));
    let c = expect(ne, nor, Verdict::NoNewAccess);
    assert_eq!(
        value(c.old_allows.as_ref().unwrap(), "aws:PrincipalTag/team"),
        Some(&["y".to_string()][..])
    );
    let eq = when(json!({"StringEquals": {"aws:PrincipalTag/team": "x"}}));
    let eq_if = when(json!({"StringEqualsIfExists": {"aws:PrincipalTag/team": "x"}}));
    let c = expect(eq, eq_if, Verdict::NewAllowsMore);
    assert_eq!(
        value(c.new_allows.as_ref().unwrap(), "aws:PrincipalTag/team"),
        None
    );
}

#[test]
fn numbers_compare_exactly() {
    let num = |op: &str, v: &str| when(json!({op: {"s3:max-keys": v}}));
    let c = expect(
        num("NumericLessThan", "10"),
        num("NumericLessThanEquals", "10"),
        Verdict::NewAllowsMore,
    );
    assert_eq!(
        value(c.new_allows.as_ref().unwrap(), "s3:max-keys"),
        Some(&["10".to_string()][..])
    );
    expect(
        num("NumericEquals", "1.0"),
        num("NumericEquals", "1"),
        Verdict::Equivalent,
    );
    let c = expect(
        num("NumericLessThan", "0.5"),
        num("NumericLessThan", "0.50000001"),
        Verdict::NewAllowsMore,
    );
    let w = &value(c.new_allows.as_ref().unwrap(), "s3:max-keys").unwrap()[0];
    assert!(w == "0.5" || w.starts_with("0.5000000"), "{w}");
    expect(
        num("NumericGreaterThan", "100000000000000000000000000000"),
        num(
            "NumericGreaterThanEquals",
            "100000000000000000000000000000.1",
        ),
        Verdict::NoNewAccess,
    );
    // NumericNotEquals: NOR; absent: true; a request value that is not a number: U3
    let c = compare(
        num("NumericNotEquals", "3"),
        doc(json!([
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"NumericLessThan": {"s3:max-keys": "3"}}},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"NumericGreaterThan": {"s3:max-keys": "3"}}},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"Null": {"s3:max-keys": "true"}}}
        ])),
    );
    match &c.verdict {
        Verdict::Unknown { reasons } => assert!(reasons.join(" ").contains("(U3)"), "{reasons:?}"),
        other => panic!("{other:?}"),
    }
    // dates to the nanosecond (docs/semantics.md since main's 4eeec3c; the library's
    // evaluator read milliseconds until then: re-checked by this crate only)
    let d = |v: &str| when(json!({"DateLessThan": {"aws:CurrentTime": v}}));
    let (old, new) = (
        d("2020-01-01T00:00:00.000000001Z"),
        d("2020-01-01T00:00:00.000000002Z"),
    );
    let c = Comparer::new()
        .compare(
            &mut Z3Worker::new(),
            std::slice::from_ref(&old),
            std::slice::from_ref(&new),
            &CompareOptions::default(),
        )
        .unwrap();
    assert_eq!(c.verdict, Verdict::NewAllowsMore);
    let w = c.new_allows.as_ref().unwrap();
    assert_eq!(
        iam_refine_verify::compare::evaluate(&[new], w, &[]).unwrap(),
        Some(true)
    );
    assert_eq!(
        iam_refine_verify::compare::evaluate(&[old], w, &[]).unwrap(),
        Some(false)
    );
    assert_eq!(
        value(c.new_allows.as_ref().unwrap(), "aws:CurrentTime"),
        Some(&["2020-01-01T00:00:00.000000001Z".to_string()][..])
    );
}

#[test]
fn dates() {
    let date = |op: &str, v: &str| when(json!({op: {"aws:CurrentTime": v}}));
    expect(
        date("DateLessThan", "2020-01-01T00:00:00Z"),
        date("DateLessThan", "1577836800"),
        Verdict::Equivalent,
    );
    expect(
        date("DateLessThan", "2020-01-01"),
        date("DateLessThan", "2020-01-01T01:00:00+01:00"),
        Verdict::Equivalent,
    );
    let c = expect(
        date("DateLessThan", "2020-01-01T00:00:00Z"),
        date("DateLessThanEquals", "2020-01-01T00:00:00Z"),
        Verdict::NewAllowsMore,
    );
    assert_eq!(
        value(c.new_allows.as_ref().unwrap(), "aws:CurrentTime"),
        Some(&["2020-01-01T00:00:00Z".to_string()][..])
    );
    let c = expect(
        date("DateGreaterThan", "2020-01-01T00:00:00Z"),
        date("DateGreaterThan", "2020-01-01T00:00:00.002Z"),
        Verdict::NoNewAccess,
    );
    assert_eq!(
        value(c.old_allows.as_ref().unwrap(), "aws:CurrentTime")
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn booleans_and_binary() {
    let c = expect(
        when(json!({"StringEquals": {"aws:SecureTransport": "true"}})),
        when(json!({"Bool": {"aws:SecureTransport": "true"}})),
        Verdict::NewAllowsMore,
    );
    let w = &value(c.new_allows.as_ref().unwrap(), "aws:SecureTransport").unwrap()[0];
    assert!(w.eq_ignore_ascii_case("true") && w != "true");
    expect(
        when(json!({"Bool": {"aws:SecureTransport": "TRUE"}})),
        when(json!({"Bool": {"aws:SecureTransport": true}})),
        Verdict::Equivalent,
    );
    let bin = |v: Value| when(json!({"BinaryEquals": {"kms:ciphertext": v}}));
    let c = expect(
        bin(json!("aGk=")),
        bin(json!(["aGk=", "aG8="])),
        Verdict::NewAllowsMore,
    );
    assert_eq!(
        value(c.new_allows.as_ref().unwrap(), "kms:ciphertext"),
        Some(&["aG8=".to_string()][..])
    );
}

#[test]
fn ip_addresses() {
    let ip = |op: &str, v: Value| when(json!({op: {"aws:SourceIp": v}}));
    let c = expect(
        ip("IpAddress", json!("10.0.0.0/16")),
        ip("IpAddress", json!("10.0.0.0/8")),
        Verdict::NewAllowsMore,
    );
    let w = &value(c.new_allows.as_ref().unwrap(), "aws:SourceIp").unwrap()[0];
    assert!(w.starts_with("10.") && !w.starts_with("10.0."), "{w}");
    expect(
        ip("IpAddress", json!("10.1.2.3/8")),
        ip("IpAddress", json!("10.0.0.0/8")),
        Verdict::Equivalent,
    );
    expect(
        ip("IpAddress", json!("2001:db8::/32")),
        ip("IpAddress", json!("2001:db8::/48")),
        Verdict::NoNewAccess,
    );
    expect(
        ip("IpAddress", json!("0.0.0.0/0")),
        ip("IpAddress", json!("::/0")),
        Verdict::Incomparable,
    );
    // NotIpAddress holds on an absent key
    let c = expect(
        ip("IpAddress", json!("0.0.0.0/0")),
        ip("NotIpAddress", json!("10.0.0.0/8")),
        Verdict::Incomparable,
    );
    assert!(c.new_allows.is_some());
}

#[test]
fn arn_components() {
    let arn = |op: &str, v: &str| when(json!({op: {"aws:SourceArn": v}}));
    expect(
        arn("ArnLike", "arn:aws:iam::123:role/x"),
        arn("ArnEquals", "arn:aws:iam::123:role/x"),
        Verdict::Equivalent,
    );
    let c = expect(
        arn("ArnLike", "arn:aws:iam::123:role/x"),
        arn("ArnLike", "arn:aws:iam::*:role/x"),
        Verdict::NewAllowsMore,
    );
    let w = &value(c.new_allows.as_ref().unwrap(), "aws:SourceArn").unwrap()[0];
    assert!(
        w.starts_with("arn:aws:iam::") && w.ends_with(":role/x") && w != "arn:aws:iam::123:role/x"
    );
    // a `*` stays in its component: no `:` inside the account
    let c = expect(
        arn("ArnLike", "arn:aws:iam::*:role/x"),
        arn("StringLike", "arn:aws:iam::*:role/x"),
        Verdict::NewAllowsMore,
    );
    let w = &value(c.new_allows.as_ref().unwrap(), "aws:SourceArn").unwrap()[0];
    assert!(w.matches(':').count() > 5, "{w}");
    // the sixth component keeps further `:`
    expect(
        arn("ArnLike", "arn:aws:logs:*:*:log-group:*"),
        arn("ArnLike", "arn:aws:logs:*:*:*"),
        Verdict::NewAllowsMore,
    );
}

#[test]
fn null_checks() {
    let null = |v: &str| when(json!({"Null": {"aws:TokenIssueTime": v}}));
    let any = doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]));
    let c = expect(any.clone(), null("true"), Verdict::NoNewAccess);
    assert!(value(c.old_allows.as_ref().unwrap(), "aws:TokenIssueTime").is_some());
    let c = expect(null("false"), null("true"), Verdict::Incomparable);
    assert!(value(c.new_allows.as_ref().unwrap(), "aws:TokenIssueTime").is_none());
    expect(
        any,
        when(json!({"Null": {"aws:TokenIssueTime": ["true", "false"]}})),
        Verdict::Equivalent,
    );
}

#[test]
fn set_operators() {
    let set = |op: &str, v: Value| when(json!({op: {"aws:TagKeys": v}}));
    let c = expect(
        set("ForAnyValue:StringEquals", json!(["a"])),
        set("ForAnyValue:StringEquals", json!(["a", "b"])),
        Verdict::NewAllowsMore,
    );
    assert_eq!(
        value(c.new_allows.as_ref().unwrap(), "aws:TagKeys"),
        Some(&["b".to_string()][..])
    );
    let c = expect(
        set("ForAllValues:StringEquals", json!(["a"])),
        set("ForAllValues:StringEquals", json!(["a", "b"])),
        Verdict::NewAllowsMore,
    );
    assert!(value(c.new_allows.as_ref().unwrap(), "aws:TagKeys")
        .unwrap()
        .contains(&"b".to_string()));
    // ForAllValues holds on no values; ForAnyValue does not (unless IfExists)
    let any = doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]));
    let c = expect(
        any.clone(),
        set("ForAllValues:StringEquals", json!(["a"])),
        Verdict::NoNewAccess,
    );
    assert!(value(c.old_allows.as_ref().unwrap(), "aws:TagKeys").is_some());
    // U1: `ForAnyValue:...IfExists` with no value is undetermined
    let c = compare(
        set("ForAnyValue:StringEquals", json!(["a"])),
        set("ForAnyValue:StringEqualsIfExists", json!(["a"])),
    );
    match &c.verdict {
        Verdict::Unknown { reasons } => assert!(reasons.join(" ").contains("(U1)"), "{reasons:?}"),
        other => panic!("{other:?}"),
    }
    // ForAllValues of a negated operator: no value equals `a`
    expect(
        set("ForAllValues:StringNotEquals", json!(["a"])),
        doc(json!([
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}}
        ])),
        Verdict::Equivalent,
    );
    // a witness with two values: both `a` and `b` present
    let both = when(
        json!({"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}, "ForAnyValue:StringLike": {"aws:TagKeys": "b"}}),
    );
    let none = doc(json!([{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]));
    let c = expect(none, both, Verdict::Incomparable);
    let mut w = value(c.new_allows.as_ref().unwrap(), "aws:TagKeys")
        .unwrap()
        .to_vec();
    w.sort();
    assert_eq!(w, ["a", "b"]);
}

#[test]
fn policy_variables() {
    let res = |r: &str| doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": r}]));
    let c = expect(
        res("arn:aws:s3:::b/${aws:username}/*"),
        res("arn:aws:s3:::b/*"),
        Verdict::NewAllowsMore,
    );
    let w = c.new_allows.as_ref().unwrap();
    assert!(w.request.resource.starts_with("arn:aws:s3:::b/"));
    expect(
        res("arn:aws:s3:::b/${aws:username}/*"),
        res("arn:aws:s3:::b/${aws:userName}/*"),
        Verdict::Equivalent,
    );
    // a default stands for an absent key
    let c = expect(
        res("arn:aws:s3:::b/${aws:username}/*"),
        res("arn:aws:s3:::b/${aws:username, 'anon'}/*"),
        Verdict::NewAllowsMore,
    );
    let w = c.new_allows.as_ref().unwrap();
    assert!(
        w.request.resource.starts_with("arn:aws:s3:::b/anon/"),
        "{}",
        w.to_json()
    );
    // a fact learned while the key was absent (its default in place) is not a fact when
    // it is present: NEW allows `b/anon` for a user not named `anon`
    let c = expect(
        res("arn:aws:s3:::b/${aws:username, 'anon'}"),
        res("arn:aws:s3:::b/anon"),
        Verdict::Incomparable,
    );
    let w = c.new_allows.as_ref().unwrap();
    assert_eq!(w.request.resource, "arn:aws:s3:::b/anon", "{}", w.to_json());
    assert_ne!(value(w, "aws:username"), Some(&["anon".to_string()][..]));
    // ${*} is a literal star
    let c = expect(
        res("arn:aws:s3:::b/${*}"),
        res("arn:aws:s3:::b/*"),
        Verdict::NewAllowsMore,
    );
    assert_ne!(
        c.new_allows.as_ref().unwrap().request.resource,
        "arn:aws:s3:::b/*"
    );
    // equality of two keys
    let same = when(json!({"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}));
    let c = expect(
        same.clone(),
        when(json!({"StringLike": {"aws:ResourceAccount": "*"}})),
        Verdict::NewAllowsMore,
    );
    let w = c.new_allows.as_ref().unwrap();
    assert_ne!(
        value(w, "aws:ResourceAccount"),
        value(w, "aws:PrincipalAccount")
    );
    let differ =
        when(json!({"StringNotEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}));
    expect(same, differ, Verdict::Incomparable);
}

#[test]
fn version_2008_reads_variables_literally() {
    let v = |version: Option<&str>| {
        let mut d = json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}"}]});
        if let Some(v) = version {
            d["Version"] = json!(v);
        }
        d
    };
    expect(v(None), v(Some("2008-10-17")), Verdict::Equivalent);
    let c = expect(v(None), v(Some("2012-10-17")), Verdict::Incomparable);
    assert_eq!(
        c.old_allows.as_ref().unwrap().request.resource,
        "arn:aws:s3:::b/${aws:username}"
    );
}

#[test]
fn resources_and_not_resource() {
    let stmt = |res: Value| doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": res}]));
    let c = expect(
        stmt(json!("arn:aws:s3:::b/*")),
        stmt(json!("arn:aws:s3:::b*")),
        Verdict::NewAllowsMore,
    );
    assert!(!c
        .new_allows
        .as_ref()
        .unwrap()
        .request
        .resource
        .starts_with("arn:aws:s3:::b/"));
    expect(
        doc(json!([{"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}])),
        doc(json!([
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::secret/*"}
        ])),
        Verdict::Equivalent,
    );
    // resource matching is case-sensitive
    expect(
        stmt(json!("arn:aws:s3:::B")),
        stmt(json!("arn:aws:s3:::b")),
        Verdict::Incomparable,
    );
    // a `*` ending its segment crosses `:`, others do not
    let c = expect(
        stmt(json!("arn:aws:s3:::b/*/x")),
        stmt(json!("arn:aws:s3:::b/*")),
        Verdict::NewAllowsMore,
    );
    let _ = c;
    expect(
        stmt(json!("arn:aws:logs:*:*:x")),
        stmt(json!("arn:aws:logs:*")),
        Verdict::NewAllowsMore,
    );
    expect(
        stmt(json!("arn:aws:logs:*")),
        stmt(json!(["arn:aws:logs:*:*:*", "arn:aws:logs:*"])),
        Verdict::Equivalent,
    );
}

#[test]
fn deny_wins_and_documents_combine() {
    expect(
        doc(json!([
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
        ])),
        doc(json!([{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}])),
        Verdict::Equivalent,
    );
    let a = doc(json!([{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]));
    let b =
        doc(json!([{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x"}]));
    let merged = doc(json!([
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x"},
        {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}
    ]));
    let c = compare_docs(&[a.clone(), b], &[merged]);
    assert_eq!(c.verdict, Verdict::Equivalent);
    let c = compare_docs(
        std::slice::from_ref(&a),
        &[
            a.clone(),
            doc(json!([{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}])),
        ],
    );
    assert_eq!(c.verdict, Verdict::NoNewAccess);
    assert_eq!(
        c.old_allows.as_ref().unwrap().request.action,
        "s3:GetObject"
    );
}

#[test]
fn rewrites_are_equivalent() {
    let d = doc(json!([
        {"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["x", "y"]}, "Bool": {"aws:SecureTransport": "true"}}},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Deny", "Action": ["s3:DeleteObject", "s3:PutObject"], "Resource": "*"}
    ]));
    for (name, r) in support::rewrites(&d) {
        let c = compare(d.clone(), r);
        assert_eq!(c.verdict, Verdict::Equivalent, "{name}");
    }
    for (name, m) in support::mutations(&d) {
        let c = compare(d.clone(), m);
        assert_ne!(c.verdict, Verdict::Equivalent, "{name}");
        assert!(
            !matches!(c.verdict, Verdict::Unknown { .. }),
            "{name}: {c:?}"
        );
    }
}
