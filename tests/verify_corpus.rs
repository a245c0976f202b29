//! Every AWS managed policy of the corpus, refined by this crate under random findings
//! (the same ones `corpus.rs` uses), is proved by the Z3 verifier; and on a fixed sample,
//! a refinement broken on purpose (an unused action added back, a kept action dropped) is
//! refuted with a witness.
//!
//! Prints the distribution of verification times (run with `--nocapture` to see it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use std::time::Duration;

use iam_refine::{refine, Catalog, Findings, Policy};
use iam_refine_tests::{corpus_files, on_two_threads, random_findings, seed_of, Model, Rng};
use iam_refine_verify::{verify, Options, Theorem, Unused, Verdict};
use serde_json::Value;

struct Outcome {
    name: String,
    elapsed: Duration,
    failure: Option<String>,
}

fn unused_of(findings: &Findings) -> Unused {
    Unused {
        actions: findings.actions().map(String::from).collect(),
        services: findings.services().map(String::from).collect(),
    }
}

fn push_action(doc: &mut Value, stmt: usize, action: &str) {
    let s = match &mut doc["Statement"] {
        Value::Array(items) => &mut items[stmt],
        other => other,
    };
    match &mut s["Action"] {
        Value::Array(list) => list.push(Value::from(action)),
        Value::String(one) => {
            let first = Value::from(one.clone());
            s["Action"] = Value::Array(vec![first, Value::from(action)]);
        }
        _ => {}
    }
}

fn run_one(name: &str, text: &str, catalog: &Catalog, names: &[String], model: &Model) -> Outcome {
    let original = Policy::parse(text).expect("corpus policy parses");
    let mut rng = Rng(seed_of(name));
    let (findings_json, _) = random_findings(model, &original, &mut rng);
    let findings = Findings::parse(&findings_json.to_string()).expect("findings parse");
    let refinement = refine(&original, &findings.resolve(catalog));
    let unused = unused_of(&findings);
    let options = Options {
        timeout: Some(Duration::from_secs(60)),
        ..Options::default()
    };
    let (o, r) = (original.to_value(), refinement.policy.to_value());
    let report = match verify(&o, &r, &unused, names, &options) {
        Ok(report) => report,
        Err(e) => {
            return Outcome {
                name: name.to_string(),
                elapsed: Duration::ZERO,
                failure: Some(format!("error: {e}")),
            }
        }
    };
    let mut failure = match &report.verdict {
        Verdict::Proved => None,
        other => Some(format!("not proved: {other:?}")),
    };

    // Every 16th policy: break the refinement and expect a refutation.
    if failure.is_none() && seed_of(name) % 16 == 0 {
        let first_allow_with_action = refinement.policy.statements.iter().position(|s| {
            s.effect == iam_refine::Effect::Allow && s.key == iam_refine::ActionKey::Action
        });
        if let (Some(k), Some(u)) = (first_allow_with_action, findings.actions().next()) {
            let mut broken = r.clone();
            push_action(&mut broken, k, &u.to_ascii_uppercase());
            match verify(&o, &broken, &unused, names, &options).map(|r| r.verdict) {
                Ok(Verdict::Counterexample(cx)) if cx.theorem == Theorem::NoUnused => {}
                other => {
                    failure = Some(format!(
                        "unused action `{u}` added back not refuted: {other:?}"
                    ))
                }
            }
        }
    }
    Outcome {
        name: name.to_string(),
        elapsed: report.elapsed,
        failure,
    }
}

#[test]
fn every_corpus_refinement_is_proved() {
    let Some(files) = corpus_files() else { return };
    let catalog = Catalog::embedded();
    let names: Vec<String> = (0..catalog.len())
        .map(|i| catalog.name(i).to_string())
        .collect();
    let model = Model::new(&catalog, Vec::new());
    let inputs: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let name = f.file_name().expect("name").to_string_lossy().to_string();
            (name, std::fs::read_to_string(f).expect("read"))
        })
        .collect();
    let mut outcomes: Vec<Outcome> =
        on_two_threads(&inputs, |(n, t)| run_one(n, t, &catalog, &names, &model));
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.failure.as_ref().map(|f| format!("{}: {f}", o.name)))
        .collect();
    outcomes.sort_by_key(|o| o.elapsed);
    let at = |q: f64| outcomes[((outcomes.len() - 1) as f64 * q).round() as usize].elapsed;
    let total: Duration = outcomes.iter().map(|o| o.elapsed).sum();
    let slowest = outcomes.last().expect("outcomes");
    eprintln!(
        "verified {} policies: total {:.1} s, median {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.2} s ({})",
        outcomes.len(),
        total.as_secs_f64(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.9).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        slowest.elapsed.as_secs_f64(),
        slowest.name
    );
    assert!(
        failures.is_empty(),
        "{} of {} fail:\n{}",
        failures.len(),
        outcomes.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
