//! `docs/semantics.md` §3: actions and resources.

use serde_json::json;

use super::{allowed, policy, req};
use crate::request::EvalPolicy;

fn on(resource: &str) -> EvalPolicy {
    policy(json!({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "*", "Resource": resource}}))
}

fn matches(pattern: &str, resource: &str) -> bool {
    allowed(&on(pattern), &req("s3:GetObject", resource, &[]))
}

#[test]
fn actions_are_case_insensitive_globs_over_all_strings() {
    let p = policy(
        json!({"Statement": {"Effect": "Allow", "Action": ["S3:Get*", "iam:?assRole"], "Resource": "*"}}),
    );
    assert!(allowed(&p, &req("s3:getobject", "x", &[])));
    assert!(allowed(
        &p,
        &req("s3:GetFutureThingAwsHasNotMadeYet", "x", &[])
    ));
    assert!(allowed(&p, &req("IAM:PASSROLE", "x", &[])));
    assert!(!allowed(&p, &req("iam:PassRoles", "x", &[])));
    assert!(!allowed(&p, &req("s3:PutObject", "x", &[])));
}

#[test]
fn not_action_matches_every_other_action() {
    let p =
        policy(json!({"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}));
    assert!(allowed(&p, &req("s3:GetObject", "x", &[])));
    assert!(!allowed(&p, &req("IAM:CreateUser", "x", &[])));
}

#[test]
fn rule_1_wildcards_within_a_segment() {
    assert!(matches(
        "arn:aws:iam::123456789012:user/accounting/*",
        "arn:aws:iam::123456789012:user/accounting/bob"
    ));
    assert!(matches("arn:aws:s3:::b?cket/k", "arn:aws:s3:::bucket/k"));
    assert!(!matches("arn:aws:s3:::b?cket/k", "arn:aws:s3:::bcket/k"));
    assert!(
        matches("arn:aws:s3:::a*b*c/k", "arn:aws:s3:::aXbYc/k"),
        "several wildcards in one segment"
    );
}

#[test]
fn rule_2_a_star_ending_its_segment_crosses_colons() {
    assert!(matches("arn:aws:s3:::bkt/*", "arn:aws:s3:::bkt/a:b/log"));
    assert!(matches(
        "arn:aws:ec2:*:123456789012:instance/*",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-1"
    ));
    // The region's `*` ends its segment: it may take `us-east-1:999`, leaving `:1:...`.
    assert!(matches(
        "arn:aws:ec2:*:1:instance/*",
        "arn:aws:ec2:us-east-1:999:1:instance/i"
    ));
}

#[test]
fn rule_3_other_wildcards_stay_within_their_segment() {
    assert!(!matches(
        "arn:aws:s3:::bkt/*/log",
        "arn:aws:s3:::bkt/a:b/log"
    ));
    assert!(matches(
        "arn:aws:s3:::bkt/*/log",
        "arn:aws:s3:::bkt/a/b/log"
    ));
    assert!(!matches("arn:aws:s3:::bkt/a?b", "arn:aws:s3:::bkt/a:b"));
    assert!(!matches("arn:aws:*x:::b", "arn:aws:s3:x:::b"));
}

#[test]
fn rule_4_a_slash_is_an_ordinary_character() {
    assert!(matches("arn:aws:s3:::bkt*", "arn:aws:s3:::bkt/deep/er/key"));
    assert!(matches("arn:aws:s3:::b*y", "arn:aws:s3:::b/x/y"));
}

#[test]
fn rule_5_star_alone_matches_every_string() {
    for r in ["", "*", "arn:aws:s3:::b", "not an arn", ":::", "ü:\u{0}"] {
        assert!(matches("*", r), "{r:?}");
    }
}

#[test]
fn rule_6_a_wildcard_in_the_service_segment_is_matched_and_warned_about() {
    let p = on("arn:aws:s*:::x");
    assert_eq!(p.warnings().len(), 1, "{:?}", p.warnings());
    assert!(p.warnings()[0].to_string().contains("service segment"));
    assert!(allowed(&p, &req("a", "arn:aws:s3:::x", &[])));
    assert!(on("arn:aws:s3:::x*").warnings().is_empty());
    assert!(on("*").warnings().is_empty());
}

#[test]
fn resources_are_case_sensitive() {
    assert!(!matches(
        "arn:aws:iam::1:user/Bob",
        "arn:aws:iam::1:user/bob"
    ));
    assert!(!matches("ARN:aws:s3:::b", "arn:aws:s3:::b"));
}

#[test]
fn not_resource_matches_what_no_pattern_does() {
    let p = policy(
        json!({"Statement": {"Effect": "Allow", "Action": "*", "NotResource": ["arn:aws:s3:::secret*", "arn:aws:iam::*"]}}),
    );
    assert!(allowed(&p, &req("a", "arn:aws:s3:::public", &[])));
    assert!(!allowed(&p, &req("a", "arn:aws:s3:::secret/k", &[])));
    assert!(!allowed(&p, &req("a", "arn:aws:iam::1:user/x", &[])));
}

#[test]
fn empty_lists_match_nothing_and_their_negations_everything() {
    let p = policy(json!({"Statement": [
        {"Effect": "Allow", "Action": [], "Resource": "*"},
        {"Effect": "Allow", "Action": "*", "Resource": []}]}));
    assert!(!allowed(&p, &req("a", "b", &[])));
    let p = policy(json!({"Statement": {"Effect": "Allow", "NotAction": [], "NotResource": []}}));
    assert!(allowed(&p, &req("a", "b", &[])));
}
