//! The concrete evaluator (`iam_refine::request`) over brute-force universes
//! (`iam_refine_tests::Universe`):
//!
//! - on hand-written policies, every request of the universe is decided, and the decisions
//!   agree with a direct reading of each policy written here;
//! - on the corpus, every policy is read (none refused, none not modelled), and decisions
//!   are invariant under meaning-preserving rewrites (statements reordered, split per
//!   action and per resource, duplicated, `Action` string vs list) and change as they must
//!   under a `Deny` of everything added.
//!
//! By default a fixed sample of the corpus and of each universe; `IAM_REFINE_FULL=1` takes
//! every policy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use iam_refine::request::{evaluate, EvalError, EvalPolicy, Outcome, Request};
use iam_refine_tests::{corpus, corpus_sample, full_sweep, par_map, seed_of, Rng, Universe};
use serde_json::{json, Value};

fn decide(policies: &[EvalPolicy], r: &Request) -> Result<Outcome, EvalError> {
    evaluate(policies, r).map(|d| d.outcome)
}

#[test]
fn the_universe_enumerates_what_its_length_says_and_hits_both_outcomes() {
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:ListBucket"], "Resource": "arn:aws:s3:::b/${aws:username}/*",
         "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": ["team*"]}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": {"NumericGreaterThan": {"s3:max-keys": "10"}}}]});
    let u = Universe::from_policies(std::slice::from_ref(&policy));
    let all: Vec<Request> = u.requests().collect();
    assert_eq!(all.len() as u128, u.len());
    assert_eq!(u.nth(u.len() - 1), *all.last().unwrap());
    assert_eq!(u.nth(7), all[7]);
    let p = EvalPolicy::parse(&policy).unwrap();
    let mut seen = std::collections::BTreeMap::new();
    for r in &all {
        *seen
            .entry(decide(std::slice::from_ref(&p), r).unwrap())
            .or_insert(0) += 1;
    }
    assert_eq!(
        seen.len(),
        3,
        "allowed, explicit and implicit deny: {seen:?}"
    );
    // A direct reading of the Allow statement, by hand.
    for r in &all {
        let user = r.get("aws:username").map(|e| e.values[0].clone());
        let action = r.action.to_ascii_lowercase();
        let action_ok = action.starts_with("s3:get") || action == "s3:listbucket";
        let resource_ok =
            user.is_some_and(|u| r.resource.starts_with(&format!("arn:aws:s3:::b/{u}/")));
        let tags_ok = r
            .get("aws:TagKeys")
            .is_none_or(|e| e.values.iter().all(|v| v.starts_with("team")));
        let ip_ok = r.get("aws:SourceIp").is_some_and(|e| {
            e.values[0]
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|a| a.octets()[0] == 10)
        });
        let max_keys = r.get("s3:max-keys").map(|e| e.values[0].clone());
        let denied = action == "s3:getobject"
            && max_keys.is_some_and(|m| {
                // Decimal text of the universe, compared exactly with 10.
                m.parse::<f64>().is_ok_and(|x| x > 10.0)
            });
        let expected = if denied {
            Outcome::ExplicitDeny
        } else if action_ok && resource_ok && tags_ok && ip_ok {
            Outcome::Allowed
        } else {
            Outcome::ImplicitDeny
        };
        assert_eq!(
            decide(std::slice::from_ref(&p), r).unwrap(),
            expected,
            "{}",
            r.to_value()
        );
    }
}

fn statements(doc: &Value) -> Vec<Value> {
    match &doc["Statement"] {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    }
}

fn with_statements(doc: &Value, statements: Vec<Value>) -> Value {
    let mut d = doc.clone();
    d["Statement"] = Value::Array(statements);
    d
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    }
}

/// Each statement split into one per action (of `Action`) and per resource (of
/// `Resource`), with lists written as single strings.
fn split(doc: &Value) -> Value {
    let mut out = Vec::new();
    for s in statements(doc) {
        let actions = s.get("Action").map(as_list);
        let resources = s.get("Resource").map(as_list);
        for a in actions.clone().unwrap_or_else(|| vec![Value::Null]) {
            for r in resources.clone().unwrap_or_else(|| vec![Value::Null]) {
                let mut t = s.clone();
                if !a.is_null() {
                    t["Action"] = a.clone();
                }
                if !r.is_null() {
                    t["Resource"] = r.clone();
                }
                out.push(t);
            }
        }
    }
    with_statements(doc, out)
}

/// The rewrites of `doc` that mean the same.
fn rewrites(doc: &Value, rng: &mut Rng) -> Vec<(&'static str, Value)> {
    let mut reversed = statements(doc);
    reversed.reverse();
    let mut doubled = statements(doc);
    doubled.extend(statements(doc));
    let mut shuffled = statements(doc);
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.below(i + 1));
    }
    vec![
        ("reversed", with_statements(doc, reversed)),
        ("shuffled", with_statements(doc, shuffled)),
        ("duplicated", with_statements(doc, doubled)),
        ("split", split(doc)),
    ]
}

/// Requests of the policy's universe: all of it when small, else a random sample.
fn sample(u: &Universe, n: usize, rng: &mut Rng) -> Vec<Request> {
    if u.len() <= n as u128 {
        return u.requests().collect();
    }
    (0..n)
        .map(|_| {
            let x = (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())) % u.len();
            u.nth(x)
        })
        .collect()
}

#[test]
fn every_corpus_policy_is_read_and_decides_every_request() {
    let per_policy = if full_sweep() { 2_000 } else { 100 };
    let failures: Vec<String> = par_map(corpus(), |p| {
        let doc = p.document();
        let policy = match EvalPolicy::parse(doc) {
            Ok(policy) => policy,
            Err(e) => return Some(format!("{}: {e}", p.name)),
        };
        let u = Universe::from_policies(std::slice::from_ref(doc));
        let mut rng = Rng(seed_of(&p.name));
        for r in sample(&u, per_policy, &mut rng) {
            if let Err(e) = decide(std::slice::from_ref(&policy), &r) {
                return Some(format!("{}: {e} on {}", p.name, r.to_value()));
            }
        }
        None
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(
        failures.is_empty(),
        "{} policies: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
}

#[test]
fn rewrites_that_mean_the_same_decide_the_same() {
    let sample_policies = corpus_sample(
        120,
        &["AWSDenyAll", "AmazonEC2FullAccess", "AWSCodeStarFullAccess"],
    );
    let per_policy = if full_sweep() { 1_000 } else { 150 };
    let failures: Vec<String> = par_map(&sample_policies, |p| {
        let doc = p.document();
        let original = EvalPolicy::parse(doc).unwrap();
        let mut rng = Rng(seed_of(&p.name));
        let u = Universe::from_policies(std::slice::from_ref(doc));
        let requests = sample(&u, per_policy, &mut rng);
        let deny_all = EvalPolicy::parse(
            &json!({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}),
        )
        .unwrap();
        for (name, rewritten) in rewrites(doc, &mut rng) {
            let rewritten = EvalPolicy::parse(&rewritten).unwrap();
            for r in &requests {
                let a = decide(std::slice::from_ref(&original), r).unwrap();
                let b = decide(std::slice::from_ref(&rewritten), r).unwrap();
                if a != b {
                    return Some(format!(
                        "{} {name}: {a:?} vs {b:?} on {}",
                        p.name,
                        r.to_value()
                    ));
                }
            }
        }
        for r in &requests {
            let d = decide(&[original.clone(), deny_all.clone()], r).unwrap();
            if d != Outcome::ExplicitDeny {
                return Some(format!("{} + deny all: {d:?}", p.name));
            }
        }
        None
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}
