#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use iam_refine_verify::compare::{compare, CompareOptions, Verdict};
use serde_json::json;

#[test]
fn smoke() {
    let old = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": "arn:aws:s3:::b/*"}]});
    let new = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:List*", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]});
    let c = compare(&[old.clone()], &[new], &CompareOptions::default()).unwrap();
    println!("{c:?}");
    assert_eq!(c.verdict, Verdict::Equivalent);
    let wider = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": "arn:aws:s3:::*"}]});
    let c = compare(&[old.clone()], &[wider], &CompareOptions::default()).unwrap();
    println!("{c:?}");
    println!("{}", c.new_allows.as_ref().unwrap().to_json());
    assert_eq!(c.verdict, Verdict::NewAllowsMore);
    let cond = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": "arn:aws:s3:::b/*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "x"}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]});
    let c = compare(&[old], &[cond], &CompareOptions::default()).unwrap();
    println!("{c:?}");
    println!("{}", c.old_allows.as_ref().unwrap().to_json());
    assert_eq!(c.verdict, Verdict::NoNewAccess);
}
