//! Random requests over the corpus's identity policies, each with iam-refine's decision, as
//! JSON lines for `scripts/differential-iam-simulate.sh`, which asks an independent
//! evaluator the same questions.
//!
//! ```text
//! cargo run --release -p iam-refine-tests --example differential_requests -- CASES SEED [corpus|synthetic] > cases.jsonl
//! ```
//!
//! `synthetic` draws small policies instead, over every operator family the corpus hardly
//! uses (`Numeric`, `Date`, `Bool`, `BinaryEquals`, `IpAddress` with IPv6, `Arn`,
//! `IgnoreCase`, `...IfExists`, set operators, `Null`, policy variables), with request values
//! equal to, near and unlike the policy's.
//!
//! Each line: `{"id", "policies": [{"name", "document"}], "request": {...}, "ours":
//! "allowed" | "explicitDeny" | "implicitDeny" | "undetermined", "open": [{"rule",
//! "effect", "decisive"}]}`: `open` lists the clauses whose outcome AWS's documentation does
//! not decide for this request (`docs/semantics.md`, rules U1 to U4), decisive or not. The requests come from each policy's
//! brute-force universe (`iam_refine_tests::Universe`: its actions, resources and condition
//! values plus fresh ones), so they hit the statements both ways; one case in five puts two
//! policies together, so `Deny` statements meet `Allow` statements of another document, and
//! one in five spells the context keys in lower case.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a tool: a failed assumption is a failed run

use std::io::Write;

use iam_refine::request::{evaluate, EvalPolicy, Reason, Request, ValueType};
use iam_refine_tests::{corpus, Rng, Universe};
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cases: usize = args.get(1).map_or(5_000, |a| a.parse().expect("CASES"));
    let seed: u64 = args.get(2).map_or(1, |a| a.parse().expect("SEED"));
    let synthetic_mode = match args.get(3).map(String::as_str) {
        None | Some("corpus") => false,
        Some("synthetic") => true,
        Some(other) => panic!("unknown mode {other}: corpus or synthetic"),
    };
    let mut rng = Rng(seed);
    // The corpus policies the evaluator reads (one has a `Resource` variable before the
    // fifth `:`, which is not modelled).
    let all: Vec<_> = corpus()
        .iter()
        .filter(|p| EvalPolicy::parse(p.document()).is_ok())
        .collect();
    // Policies with conditions or Deny statements are picked three times as often: they are
    // where evaluators differ.
    let weights: Vec<usize> = all
        .iter()
        .map(|p| {
            let text = p.document().to_string();
            if text.contains("\"Condition\"") || text.contains("\"Deny\"") {
                3
            } else {
                1
            }
        })
        .collect();
    let total: usize = weights.iter().sum();
    let pick = |rng: &mut Rng| {
        let mut x = rng.below(total);
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return all[i];
            }
            x -= w;
        }
        all[all.len() - 1]
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for id in 0..cases {
        let (names, documents, mut request) = if synthetic_mode {
            let (documents, request) = synthetic(&mut rng);
            let names = (0..documents.len())
                .map(|i| format!("synthetic-{id}-{i}"))
                .collect();
            (names, documents, request)
        } else {
            let n = if rng.chance(0.2) { 2 } else { 1 };
            let chosen: Vec<_> = (0..n).map(|_| pick(&mut rng)).collect();
            let documents: Vec<serde_json::Value> =
                chosen.iter().map(|p| p.document().clone()).collect();
            let universe = Universe::from_policies(&documents);
            let x =
                (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())) % universe.len();
            let names: Vec<String> = chosen.iter().map(|p| p.name.clone()).collect();
            (names, documents, universe.nth(x))
        };
        // Key names are case-insensitive: one case in five spells them in lower case.
        if rng.chance(0.2) {
            let mut lower = Request::new(request.action.clone(), request.resource.clone());
            for e in request.context() {
                lower
                    .insert(e.key.to_ascii_lowercase(), e.kind, e.values.clone())
                    .expect("the universe's keys differ in more than case");
            }
            request = lower;
        }
        let policies: Vec<EvalPolicy> = documents
            .iter()
            .map(|d| EvalPolicy::parse(d).expect("every corpus policy is read"))
            .collect();
        let decide = |r: &Request| match evaluate(&policies, r) {
            Ok(d) => json!(d.outcome.name()),
            Err(e) => json!({"error": e.to_string()}),
        };
        let open = |r: &Request| match evaluate(&policies, r) {
            Ok(d) => d
                .open
                .iter()
                .map(|c| {
                    json!({
                        "rule": match &c.reason {
                            Reason::Undetermined { rule, .. } => json!(rule.code()),
                            _ => serde_json::Value::Null,
                        },
                        "effect": match c.statement.effect {
                            iam_refine::Effect::Allow => "Allow",
                            iam_refine::Effect::Deny => "Deny",
                        },
                        "decisive": c.decisive,
                    })
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        // The same request without the universe's colon-crossing wildcard instances (`x:y`
        // becomes `xy`) in its action, in the rest, and in both: for the driver to tell
        // disagreements about `:` from the others.
        let counterfactuals: Vec<serde_json::Value> = [
            ("no-colon-action", true, false),
            ("no-colon-resource", false, true),
            ("no-colon-instances", true, true),
        ]
        .into_iter()
        .filter_map(|(name, action, rest)| {
            without_colons(&request, action, rest)
                .map(|r| json!({"name": name, "request": r.to_value(), "ours": decide(&r)}))
        })
        .collect();
        let line = json!({
            "id": id,
            "policies": names.iter().zip(&documents).map(|(n, d)| json!({"name": n, "document": d})).collect::<Vec<_>>(),
            "request": request.to_value(),
            "ours": decide(&request),
            "open": open(&request),
            "counterfactuals": counterfactuals,
        });
        writeln!(out, "{line}").expect("write stdout");
    }
}

/// `request` with every `x:y` (the universe's instance of a `*` that crosses a colon)
/// written `xy`, in its action and/or in its resource and context values; `None` when
/// that changes nothing.
fn without_colons(request: &Request, action: bool, rest: bool) -> Option<Request> {
    let fix = |s: &str, on: bool| {
        if on {
            s.replace("x:y", "xy")
        } else {
            s.to_string()
        }
    };
    let mut r = Request::new(fix(&request.action, action), fix(&request.resource, rest));
    for e in request.context() {
        r.insert(
            e.key.clone(),
            e.kind,
            e.values.iter().map(|v| fix(v, rest)).collect(),
        )
        .expect("the same keys");
    }
    (r != *request).then_some(r)
}

/// One family of the synthetic policies: its key, declared type, operators, policy values
/// and request values.
struct Family {
    key: &'static str,
    kind: ValueType,
    operators: &'static [&'static str],
    policy: &'static [&'static str],
    request: &'static [&'static str],
}

const FAMILIES: &[Family] = &[
    Family {
        key: "aws:PrincipalTag/team",
        kind: ValueType::String,
        operators: &[
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
        ],
        policy: &[
            "red",
            "Red",
            "r*",
            "r?d",
            "${aws:username}",
            "${aws:username, 'anon'}",
            "x${*}y",
            "",
        ],
        request: &["red", "RED", "rod", "alice", "anon", "x*y", "xzy", ""],
    },
    Family {
        key: "s3:max-keys",
        kind: ValueType::Numeric,
        operators: &[
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        ],
        policy: &["10", "10.0", "-1", "0.5", "007"],
        request: &["9", "10", "10.5", "7", "-1.0", "0.50", "abc"],
    },
    Family {
        key: "aws:CurrentTime",
        kind: ValueType::Date,
        operators: &[
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateLessThanEquals",
            "DateGreaterThan",
            "DateGreaterThanEquals",
        ],
        policy: &[
            "2020-01-01T00:00:00Z",
            "2020-06-01T12:30:00+02:00",
            "2020-01-01T00:00:00.500Z",
        ],
        request: &[
            "2020-01-01T00:00:00Z",
            "2019-12-31T23:59:59Z",
            "2020-06-01T10:30:00Z",
            "2020-06-01T10:30:01Z",
            "2020-01-01T00:00:00.500Z",
            "2020-01-01T00:00:00.5Z",
            "2020-01-01T00:00:00.500000001Z",
            "+1577836800",
            "1577836800",
            "2020-01",
            "not a date",
        ],
    },
    Family {
        key: "aws:SecureTransport",
        kind: ValueType::Boolean,
        operators: &["Bool"],
        policy: &["true", "false"],
        request: &["true", "false", "TRUE", "False", "yes"],
    },
    Family {
        key: "aws:SourceIp",
        kind: ValueType::Ip,
        operators: &["IpAddress", "NotIpAddress"],
        policy: &[
            "203.0.113.0/24",
            "10.0.0.0/8",
            "2001:db8::/32",
            "203.0.113.7",
            "2001:db8:1234:5678::/64",
        ],
        request: &[
            "203.0.113.7",
            "203.0.114.1",
            "10.1.2.3",
            "2001:db8::1",
            "2001:db8:1234:5678::ff",
            "2001:db9::1",
            "::ffff:203.0.113.7",
            "bad",
        ],
    },
    Family {
        key: "aws:SourceArn",
        kind: ValueType::String,
        operators: &["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"],
        policy: &[
            "arn:aws:sns:*:123456789012:topic-*",
            "arn:aws:s3:::b/*",
            "arn:aws:iam::*:role/${aws:username}",
            "arn:aws:sns:us-east-1:123456789012:topic-a",
        ],
        request: &[
            "arn:aws:sns:us-east-1:123456789012:topic-a",
            "arn:aws:sns:us-east-1:999999999999:topic-a",
            "arn:aws:s3:::b/k",
            "arn:aws:s3:::b/k:x",
            "arn:aws:iam::1:role/alice",
            "arn:aws:iam::1:role/bob",
        ],
    },
    Family {
        key: "aws:TagKeys",
        kind: ValueType::StringList,
        operators: &[
            "ForAnyValue:StringEquals",
            "ForAllValues:StringEquals",
            "ForAnyValue:StringLike",
            "ForAllValues:StringLike",
            "ForAnyValue:StringNotEquals",
            "ForAllValues:StringNotEquals",
            "ForAnyValue:StringNotLike",
            "ForAllValues:StringNotLike",
        ],
        policy: &["team", "cost*", "Team"],
        request: &["team", "cost-center", "secret", "Team"],
    },
];

/// A small random policy over [`FAMILIES`] and a request for it.
fn synthetic(rng: &mut Rng) -> (Vec<serde_json::Value>, Request) {
    let mut statements = Vec::new();
    for s in 0..1 + rng.below(2) {
        let mut condition = serde_json::Map::new();
        for _ in 0..1 + rng.below(2) {
            let f = &FAMILIES[rng.below(FAMILIES.len())];
            let mut op = if rng.chance(0.1) {
                "Null".to_string()
            } else {
                rng.pick(f.operators).to_string()
            };
            let values: Vec<&str> = if op == "Null" {
                vec![*rng.pick(&["true", "false"])]
            } else {
                if rng.chance(0.3) {
                    op.push_str("IfExists");
                }
                let k = 1 + rng.below(2);
                rng.sample(f.policy, k)
            };
            condition
                .entry(op)
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("an object")
                .insert(f.key.to_string(), json!(values));
        }
        let effect = if s == 0 || rng.chance(0.5) {
            "Allow"
        } else {
            "Deny"
        };
        let resource = *rng.pick(&[
            "*",
            "*",
            "arn:aws:s3:::b/${aws:username}/*",
            "arn:aws:s3:::b/${aws:username}/*",
            // A mid-segment `*`, which the two readings of U4 match differently against
            // a resource part with a `:`.
            "arn:aws:s3:::b/*/k",
        ]);
        statements.push(json!({"Effect": effect, "Action": "s3:GetObject", "Resource": resource, "Condition": condition}));
    }
    let version = if rng.chance(0.9) {
        "2012-10-17"
    } else {
        "2008-10-17"
    };
    let policy = json!({"Version": version, "Statement": statements});
    let resource = *rng.pick(&[
        "arn:aws:s3:::b/alice/k",
        "arn:aws:s3:::b/alice/k",
        "arn:aws:s3:::b/${aws:username}/k",
        "arn:aws:s3:::b/${aws:username}/k",
        "arn:aws:s3:::b/a:b/k",
    ]);
    let mut request = Request::new("s3:GetObject", resource);
    if rng.chance(0.7) {
        request
            .insert(
                "aws:username",
                ValueType::String,
                vec![rng.pick(&["alice", "bob"]).to_string()],
            )
            .expect("a new key");
    }
    for f in FAMILIES {
        if !rng.chance(0.7) {
            continue;
        }
        let values = if f.kind.is_list() {
            let k = rng.below(3);
            rng.sample(f.request, k)
                .into_iter()
                .map(String::from)
                .collect()
        } else {
            vec![rng.pick(f.request).to_string()]
        };
        request.insert(f.key, f.kind, values).expect("a new key");
    }
    (vec![policy], request)
}
