//! The concrete evaluator (`iam_refine::request`) over brute-force universes
//! (`iam_refine_tests::Universe`):
//!
//! - on hand-written policies, every request of the universe is decided, and the decisions
//!   agree with a direct reading of each policy written here;
//! - on the corpus, every policy is read (none refused but the one whose `Resource` has a
//!   policy variable before the fifth `:`, which is not modelled), and decisions are
//!   invariant under meaning-preserving rewrites (statements reordered, split per action
//!   and per resource, duplicated, `Action` string vs list) and change as they must under a
//!   `Deny` of everything added;
//! - the three-valued decision (`docs/semantics.md`, "Undetermined outcomes") agrees with
//!   every two-valued instantiation (each open clause forced true or false through
//!   `evaluate_choosing`): when all instantiations agree it equals them, when they differ it
//!   is undetermined (or an error, when a clause not modelled tips it), and the clauses it
//!   calls decisive are those that tip it; over hand-written policies hitting U1 to U4 and
//!   over the corpus.
//!
//! By default a fixed sample of the corpus and of each universe; `IAM_REFINE_FULL=1` takes
//! every policy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeMap;

use iam_refine::request::{
    evaluate, evaluate_choosing, ClausePart, EvalError, EvalPolicy, EvalPolicyError, Outcome,
    Reason, Request,
};
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

/// The corpus policies the spec does not model: a policy variable before the fifth `:` of
/// a `Resource` pattern (`docs/semantics.md` §6).
const NOT_MODELLED: &[&str] = &["AmazonTimestreamInfluxDBServiceRolePolicy"];

/// A corpus policy read for evaluation; `None` for one of [`NOT_MODELLED`].
fn read(p: &iam_refine_tests::CorpusPolicy) -> Option<EvalPolicy> {
    match EvalPolicy::parse(p.document()) {
        Ok(policy) => Some(policy),
        Err(_) if NOT_MODELLED.contains(&p.name.as_str()) => None,
        Err(e) => panic!("{}: {e}", p.name),
    }
}

#[test]
fn every_corpus_policy_is_read_and_decides_every_request() {
    let per_policy = if full_sweep() { 2_000 } else { 100 };
    let failures: Vec<String> = par_map(corpus(), |p| {
        let doc = p.document();
        let policy = match EvalPolicy::parse(doc) {
            Ok(_) if NOT_MODELLED.contains(&p.name.as_str()) => {
                return Some(format!("{}: read, but expected not modelled", p.name))
            }
            Ok(policy) => policy,
            Err(EvalPolicyError::NotModelled { what, .. })
                if NOT_MODELLED.contains(&p.name.as_str())
                    && what.contains("stands before the fifth `:`") =>
            {
                return None
            }
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
        let original = read(p)?;
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

/// Hand-written policies whose universes hit every rule of undetermined outcomes: U1
/// (`ForAnyValue:...IfExists`), U2 (a negated operator over a variable), U3 (a negated
/// operator over a value that does not parse), U4 (resource patterns the two readings
/// match differently), in `Resource` and `NotResource`, with the same clause text in an
/// `Allow` and a `Deny`, and with several open clauses in one request.
fn undetermined_policies() -> Vec<Vec<Value>> {
    let u1 = json!({"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "secret*"}});
    vec![
        vec![json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/*/current.log"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": u1}]})],
        vec![json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": ["${aws:username}", "admin"]}}},
            {"Effect": "Deny", "Action": "s3:Put*", "Resource": "*",
             "Condition": {"ArnNotLike": {"aws:SourceArn": "arn:aws:iam::*:role/${aws:username}"}}}]})],
        vec![json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
             "Condition": {"NumericNotEquals": {"ec2:Count": "10"}, "DateNotEquals": {"aws:CurrentTime": "2020-01-01"}}},
            {"Effect": "Deny", "Action": "ec2:Run*", "Resource": "*",
             "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]})],
        vec![json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::b/*/x", "arn:aws:s3:*:1:y"]},
            {"Effect": "Deny", "Action": "s3:Delete*", "NotResource": "arn:aws:s3:::b/*/x"},
            {"Effect": "Allow", "Action": "s3:List*", "Resource": "*", "Condition": u1},
            {"Effect": "Deny", "Action": "s3:ListAll*", "Resource": "*", "Condition": u1}]})],
        vec![
            json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": "iam:*",
                "NotResource": ["arn:aws:s3:::private/*/k", "arn:aws:iam::*:role/*"]}}),
            json!({"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "arn:aws:s3:::b?c",
                "Condition": {"ForAnyValue:NumericNotEqualsIfExists": {"aws:MultiFactorAuthAge": "3600"}}}}),
        ],
    ]
}

/// Checks the three-valued decision of one request against its two-valued
/// instantiations. `Ok(n)` with the number of distinct open clauses; `Err` says what
/// disagrees.
fn three_valued_agrees(
    policies: &[EvalPolicy],
    r: &Request,
    rng: &mut Rng,
) -> Result<usize, String> {
    type Place = (usize, usize, ClausePart);
    // The distinct open clauses, as the two-valued evaluation asks for them.
    let mut asked: Vec<(Place, bool)> = Vec::new();
    evaluate_choosing(policies, r, &mut |c| {
        asked.push((
            (c.statement.document, c.statement.statement, c.part.clone()),
            c.reason.is_not_modelled(),
        ));
        false
    });
    let index: BTreeMap<Place, usize> = asked
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (p.clone(), i))
        .collect();
    let n = asked.len();
    let exhaustive = n <= 10;
    let masks: Vec<u64> = if exhaustive {
        (0..1u64 << n).collect()
    } else {
        let mut m: Vec<u64> = (0..64).map(|_| rng.next_u64()).collect();
        m.extend([0, u64::MAX]);
        m
    };
    let instantiate = |mask: u64| {
        evaluate_choosing(policies, r, &mut |c| {
            let i = index[&(c.statement.document, c.statement.statement, c.part.clone())];
            mask >> i & 1 == 1
        })
        .outcome
    };
    let outcomes: Vec<Outcome> = masks.iter().map(|&m| instantiate(m)).collect();
    let allowed = |o: &Outcome| *o == Outcome::Allowed;
    let mixed = outcomes.iter().any(allowed) && !outcomes.iter().all(allowed);
    let expected = if mixed {
        Outcome::Undetermined
    } else if outcomes.iter().all(allowed) {
        Outcome::Allowed
    } else if outcomes.iter().all(|o| *o == Outcome::ExplicitDeny) {
        Outcome::ExplicitDeny
    } else {
        Outcome::ImplicitDeny
    };
    let show = || format!("{} ({n} open: {asked:?})", r.to_value());
    let d = match evaluate(policies, r) {
        Err(e) => {
            // An error only where a clause not modelled tips the decision.
            if !mixed || !asked.iter().any(|(_, nm)| *nm) {
                return Err(format!(
                    "error {e} but instantiations {outcomes:?} on {}",
                    show()
                ));
            }
            return Ok(n);
        }
        Ok(d) => d,
    };
    if exhaustive {
        if d.outcome != expected {
            return Err(format!(
                "three-valued {:?}, instantiations say {expected:?} on {}",
                d.outcome,
                show()
            ));
        }
        // Decisive: exactly the clauses whose flip changes allowed-ness somewhere.
        let allowed_at: Vec<bool> = outcomes.iter().map(allowed).collect();
        for (i, (place, _)) in asked.iter().enumerate() {
            let tips = (0..masks.len()).any(|m| allowed_at[m] != allowed_at[m ^ (1 << i)]);
            let said = d.open.iter().any(|c| {
                c.decisive
                    && (c.statement.document, c.statement.statement, c.part.clone()) == *place
            });
            if tips != said {
                return Err(format!(
                    "clause {place:?}: tips {tips}, said decisive {said} on {}",
                    show()
                ));
            }
        }
    } else if mixed && d.outcome != Outcome::Undetermined {
        return Err(format!(
            "three-valued {:?}, but instantiations differ on {}",
            d.outcome,
            show()
        ));
    } else if d.outcome != Outcome::Undetermined
        && outcomes.iter().any(|o| allowed(o) != d.is_allowed())
    {
        return Err(format!(
            "three-valued {:?}, an instantiation differs on {}",
            d.outcome,
            show()
        ));
    }
    if d.outcome != Outcome::Undetermined && d.open.iter().any(|c| c.decisive) {
        return Err(format!(
            "a determined decision with decisive clauses on {}",
            show()
        ));
    }
    Ok(n)
}

#[test]
fn the_three_valued_decision_agrees_with_every_two_valued_instantiation() {
    let per_set = if full_sweep() { 20_000 } else { 3_000 };
    let mut opened = 0usize;
    let mut undetermined = 0usize;
    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    for (k, docs) in undetermined_policies().iter().enumerate() {
        let policies: Vec<EvalPolicy> =
            docs.iter().map(|d| EvalPolicy::parse(d).unwrap()).collect();
        let u = Universe::from_policies(docs);
        let mut rng = Rng(seed_of(&format!("three-valued {k}")));
        for r in sample(&u, per_set, &mut rng) {
            match three_valued_agrees(&policies, &r, &mut rng) {
                Ok(0) => {}
                Ok(_) => {
                    opened += 1;
                    if let Ok(d) = evaluate(&policies, &r) {
                        if d.outcome == Outcome::Undetermined {
                            undetermined += 1;
                        }
                        for c in d.depends_on() {
                            if let Reason::Undetermined { rule, .. } = &c.reason {
                                *rules.entry(rule.code()).or_insert(0usize) += 1;
                            }
                        }
                    }
                }
                Err(e) => panic!("policy set {k}: {e}"),
            }
        }
    }
    // The universes do reach the open clauses, not all of them decide, and every rule
    // decides some.
    eprintln!(
        "{opened} requests with an open clause, {undetermined} undetermined, by rule {rules:?}"
    );
    assert!(opened > 1_000, "{opened} requests with an open clause");
    assert!(
        undetermined > 100 && undetermined < opened,
        "{undetermined} of {opened} undetermined"
    );
    assert_eq!(
        rules.keys().copied().collect::<Vec<_>>(),
        ["U1", "U2", "U3", "U4"],
        "{rules:?}"
    );
}

#[test]
fn the_three_valued_decision_agrees_with_every_instantiation_over_the_corpus() {
    let per_policy = if full_sweep() { 500 } else { 40 };
    let policies = corpus_sample(200, &["AmazonS3FullAccess", "AWSDenyAll"]);
    let failures: Vec<String> = par_map(&policies, |p| {
        let policy = read(p)?;
        let u = Universe::from_policies(std::slice::from_ref(p.document()));
        let mut rng = Rng(seed_of(&p.name));
        for r in sample(&u, per_policy, &mut rng) {
            if let Err(e) = three_valued_agrees(std::slice::from_ref(&policy), &r, &mut rng) {
                return Some(format!("{}: {e}", p.name));
            }
        }
        None
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}
