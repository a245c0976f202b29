//! `docs/semantics.md` §3: actions and resources.

use serde_json::json;

use super::{allowed, policy, req};
use crate::request::{evaluate, ClausePart, EvalPolicy, Outcome, Reason, Rule, ValueType};

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
    assert!(
        matches("arn:aws:s3:::b**", "arn:aws:s3:::b:c"),
        "a run ending the segment"
    );
    // The region's `*` ends its segment: it may take `us-east-1:999`, leaving `:1:...`;
    // the six-component reading does not (U4).
    assert_eq!(
        u4(
            "arn:aws:ec2:*:1:instance/*",
            "arn:aws:ec2:us-east-1:999:1:instance/i"
        ),
        Some(true)
    );
}

#[test]
fn rule_3_other_wildcards_stay_within_their_segment() {
    assert!(matches(
        "arn:aws:s3:::bkt/*/log",
        "arn:aws:s3:::bkt/a/b/log"
    ));
    assert!(!matches("arn:aws:*x:::b", "arn:aws:s3:x:::b"));
    assert!(!matches("arn:aws:s3:::b*c/k", "arn:aws:s3:::b:x:c/j"));
    // In the resource part, the six-component reading lets them take a `:` (U4).
    assert_eq!(
        u4("arn:aws:s3:::bkt/*/log", "arn:aws:s3:::bkt/a:b/log"),
        Some(false)
    );
    assert_eq!(
        u4("arn:aws:s3:::bkt/a?b", "arn:aws:s3:::bkt/a:b"),
        Some(false)
    );
}

/// When the two readings of U4 disagree on `pattern` against `resource`: `Some(true)` when
/// the segment rule (I) says it matches, `Some(false)` when the six-component reading (II)
/// does; `None` when they agree (asserted through `Resource` and `NotResource` both).
fn u4(pattern: &str, resource: &str) -> Option<bool> {
    let r = req("s3:GetObject", resource, &[]);
    let d = evaluate(&[on(pattern)], &r).unwrap();
    let not = policy(json!({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "*", "NotResource": pattern}}));
    let n = evaluate(&[not], &r).unwrap();
    if d.outcome != Outcome::Undetermined {
        assert_ne!(n.outcome, Outcome::Undetermined, "NotResource agrees");
        assert_ne!(
            d.is_allowed(),
            n.is_allowed(),
            "NotResource is the negation"
        );
        return None;
    }
    // Undetermined propagates through the negation.
    assert_eq!(n.outcome, Outcome::Undetermined, "NotResource {pattern}");
    for d in [&d, &n] {
        let on = d.depends_on();
        assert_eq!(on.len(), 1, "{on:?}");
        let Reason::Undetermined { rule, detail } = &on[0].reason else {
            panic!("{:?}", on[0]);
        };
        assert_eq!(*rule, Rule::ResourceReadingsDisagree);
        assert_eq!(rule.code(), "U4");
        assert!(detail.contains(pattern), "{detail}");
    }
    let ClausePart::Resource {
        element,
        pattern: p,
    } = &n.depends_on()[0].part
    else {
        panic!("a resource pattern");
    };
    assert_eq!((*element, p.as_str()), ("NotResource", pattern));
    let detail = match &d.depends_on()[0].reason {
        Reason::Undetermined { detail, .. } => detail.clone(),
        _ => unreachable!(),
    };
    Some(detail.contains("by the segment rule (the Resource page) but not"))
}

#[test]
fn u4_the_two_readings_of_the_arn_rules() {
    // The spec's examples.
    assert_eq!(
        u4("arn:aws:s3:::bkt/*/log", "arn:aws:s3:::bkt/a:b/log"),
        Some(false)
    );
    assert_eq!(u4("arn:aws:s3:*:1:x", "arn:aws:s3:a:b:1:x"), Some(true));
    // Patterns that are the same language under both: nothing undetermined.
    for (p, r) in [
        ("arn:aws:s3:::bkt/*", "arn:aws:s3:::bkt/a:b/log"),
        ("arn:aws:logs:*:*:*", "arn:aws:logs:r:1:log-group:x:*"),
        ("arn:aws:logs:*:*:*", "arn:aws:logs:a:b"),
        ("*", "anything:at:all"),
        ("*", ""),
        ("arn:aws:s3:::*", "arn:aws:s3::b"),
        ("arn:aws:iam::*:role/x", "arn:aws:iam::1:role/x"),
    ] {
        assert_eq!(u4(p, r), None, "{p} on {r}");
    }
    // A pattern of fewer than six components: its last takes the rest of the resource.
    assert_eq!(u4("arn:*:s3", "arn:a:b:s3"), Some(true));
    assert_eq!(u4("arn:aws:s3:::b?c", "arn:aws:s3:::b:c"), Some(false));
    assert_eq!(u4("a*b", "a:x:b"), Some(false));
    assert_eq!(u4("arn:aws:*:1:x", "arn:aws:a:b:1:x"), Some(true));
    assert_eq!(
        u4("arn:aws:*", "arn:aws"),
        None,
        "no component to take the rest"
    );
    // Variables are substituted before splitting: a `:` in a value separates components.
    let p = on("arn:aws:s3:::b/${aws:username}/*/x");
    let colon = [("aws:username", ValueType::String, &["a:b"][..])];
    let d = evaluate(
        std::slice::from_ref(&p),
        &req("a", "arn:aws:s3:::b/a:b/c:d/x", &colon),
    )
    .unwrap();
    assert_eq!(
        d.outcome,
        Outcome::Undetermined,
        "`*` takes `c:d` by (II) only"
    );
    assert!(allowed(&p, &req("a", "arn:aws:s3:::b/a:b/c/x", &colon)));
}

#[test]
fn u4_open_patterns_combine_with_the_others() {
    // Another pattern of the same `Resource` that matches for sure: allowed.
    let p = policy(json!({"Statement": {"Effect": "Allow", "Action": "*",
        "Resource": ["arn:aws:s3:::bkt/*/log", "arn:aws:s3:::bkt/*"]}}));
    assert!(allowed(&p, &req("a", "arn:aws:s3:::bkt/a:b/log", &[])));
    // In `NotResource`, one that matches for sure: not matched.
    let p = policy(json!({"Statement": {"Effect": "Allow", "Action": "*",
        "NotResource": ["arn:aws:s3:::bkt/*/log", "arn:aws:s3:::bkt/*"]}}));
    assert!(!allowed(&p, &req("a", "arn:aws:s3:::bkt/a:b/log", &[])));
    // A condition false for sure: not matched, whatever the pattern.
    let p = policy(json!({"Statement": {"Effect": "Allow", "Action": "*",
        "Resource": "arn:aws:s3:::bkt/*/log", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}}));
    assert!(!allowed(&p, &req("a", "arn:aws:s3:::bkt/a:b/log", &[])));
    // The same pattern in an `Allow`'s `Resource` and a `Deny`'s `NotResource` is one
    // Boolean: whichever way it goes, one of them decides, and the two outcomes differ.
    let p = policy(json!({"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bkt/*/log"},
        {"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::bkt/*/log"}]}));
    let d = evaluate(
        std::slice::from_ref(&p),
        &req("a", "arn:aws:s3:::bkt/a:b/log", &[]),
    )
    .unwrap();
    assert_eq!(d.outcome, Outcome::Undetermined);
    assert_eq!(d.open.len(), 2, "two occurrences");
    assert!(d.open.iter().all(|c| c.decisive));
    // In an `Allow` and a `Deny`'s `Resource`: denied whichever way it goes.
    let p = policy(json!({"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bkt/*/log"},
        {"Effect": "Deny", "Action": "*", "Resource": "arn:aws:s3:::bkt/*/log"}]}));
    let d = evaluate(
        std::slice::from_ref(&p),
        &req("a", "arn:aws:s3:::bkt/a:b/log", &[]),
    )
    .unwrap();
    assert_eq!(d.outcome, Outcome::ImplicitDeny);
    assert!(d.open.iter().all(|c| !c.decisive));
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
