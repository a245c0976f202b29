//! AWS managed policies of the vendored corpus, refined by the naive refiner of
//! `iam_refine_tests::naive`, are proved; a refinement with an unused action put back is
//! refuted. The two corpus-wide sweeps are `#[ignore]`d (README, "Tests").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use std::time::{Duration, Instant};

use iam_refine_tests::corpus::{corpus, corpus_policy};
use iam_refine_tests::example::*;
use iam_refine_tests::naive::{naive_refine, pick_unused, statements, Index};
use iam_refine_verify::{verify, Options, Theorem, Unused, Verdict};
use serde_json::{json, Value};

fn document(name: &str) -> Value {
    corpus_policy(name).document().clone()
}

fn index() -> &'static Index {
    static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| Index::new(catalog()))
}

/// Policies with suffix and infix wildcards (`sagemaker:*HumanLoop`, `autoscaling:*Tags`,
/// `aws-portal:*Billing`), many statements, Deny statements with conditions.
const SAMPLES: [&str; 5] = [
    "AmazonAugmentedAIFullAccess",
    "AWSElasticBeanstalkRoleCore",
    "Billing",
    "AmazonCognitoUnAuthedIdentitiesSessionPolicy",
    "AWSDenyAll",
];

#[test]
fn corpus_samples_refined_naively_are_proved_and_mutants_refuted() {
    for name in SAMPLES {
        let original = document(name);
        let unused = pick_unused(&original, index(), 3);
        let refined = naive_refine(&original, index(), &unused);
        let report = run(&original, &refined, &unused);
        assert_eq!(report.verdict, Verdict::Proved, "{name}: {report:?}");

        // Mutant: the first unused action put back into the first refined Allow statement.
        let Some(first_unused) = unused.actions.first() else {
            continue;
        };
        let mut mutant = refined.clone();
        let allow = statements(&mutant)
            .iter()
            .position(|s| s["Effect"] == "Allow" && s.get("Action").is_some());
        let Some(i) = allow else { continue };
        let statement = if mutant["Statement"].is_array() {
            &mut mutant["Statement"][i]
        } else {
            &mut mutant["Statement"]
        };
        let mut list = match statement["Action"].take() {
            Value::Array(v) => v,
            one => vec![one],
        };
        list.push(json!(first_unused.to_ascii_uppercase()));
        statement["Action"] = json!(list);
        let report = run(&original, &mutant, &unused);
        match &report.verdict {
            Verdict::Counterexample(cx) => {
                assert_eq!(cx.theorem, Theorem::NoUnused, "{name}: {cx:?}");
                assert!(
                    cx.action.eq_ignore_ascii_case(first_unused),
                    "{name}: {cx:?}"
                );
            }
            other => panic!("{name}: mutant not refuted: {other:?}"),
        }
    }
}

/// Runs `f` over every corpus policy; returns the timings, slowest first.
#[allow(clippy::field_reassign_with_default)] // a field added to `Options` keeps its default
fn sweep(every: usize) -> Vec<(Duration, String)> {
    let mut options = Options::default();
    options.timeout = Some(Duration::from_secs(60));
    let mut times = Vec::new();
    for p in corpus() {
        let name = p.name.clone();
        let original = p.document().clone();
        let (unused, refined) = if every == 0 {
            (Unused::default(), original.clone())
        } else {
            let unused = pick_unused(&original, index(), every);
            let refined = naive_refine(&original, index(), &unused);
            (unused, refined)
        };
        let start = Instant::now();
        let report = verify(&original, &refined, &unused, catalog(), &options)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(report.verdict, Verdict::Proved, "{name}: {report:?}");
        times.push((start.elapsed(), name));
    }
    times.sort();
    times.reverse();
    let total: Duration = times.iter().map(|t| t.0).sum();
    eprintln!("{} policies in {total:.1?}; slowest:", times.len());
    for (t, name) in times.iter().take(5) {
        eprintln!("  {t:.2?} {name}");
    }
    times
}

/// Every corpus policy against itself, no findings.
#[test]
#[ignore = "corpus-wide sweep: about 35 s (debug or release)"]
fn corpus_sweep_identity() {
    sweep(0);
}

/// Every corpus policy with every 3rd allowed catalog action unused, refined naively.
#[test]
#[ignore = "corpus-wide sweep: about 60 s (debug or release)"]
fn corpus_sweep_naive_refinement() {
    sweep(3);
}
