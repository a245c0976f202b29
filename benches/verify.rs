//! Criterion benchmarks of verification (`cargo bench --bench verify`): the Access Analyzer
//! example, `ReadOnlyAccess` with 10% of its actions unused, a fixed sample of corpus
//! policies (every 100th file) with 10% unused, and the hard classes of issues 7 and 10
//! (`verify/tests/support/classes.rs`): infix `?*` policies of 5 and 9 KB, the same with
//! the refined runs respelt, an equivalent rewrite of a Deny statement, corpus policies
//! with every `*` written `**`, and infix refinements inside a union of twenty infix
//! wildcards; issue 20's multi-infix class (`classes::multi_infix_cases`: two-infix and
//! `?` refinements over twenty `ec2:*Word*`, the `s3` tagging rewrite, the quota-sized
//! generator) and the catalog's preparation. Each iteration proves one refinement from scratch (a fresh Z3 context and
//! catalog), as `refine --verify` does; `examples/verify_batch.rs` measures the batch set
//! up once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

#[path = "../verify/tests/support/classes.rs"]
mod classes;

use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use iam_refine::{refine, Catalog, Findings, Pattern, Policy};
use iam_refine::{ActionKey, Effect};
use iam_refine_tests::{corpus, corpus_policy};
use iam_refine_verify::{verify, Options, Prover, Unused, Verdict};
use serde_json::Value;

/// The workspace root (this package is `benches/`).
fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// A refinement ready to prove: both documents and the findings as plain data.
struct Case {
    original: Value,
    refined: Value,
    unused: Unused,
}

fn case(policy: &Policy, findings: &Findings, catalog: &Catalog) -> Case {
    let refinement = refine(policy, &findings.resolve(catalog));
    Case {
        original: policy.to_value(),
        refined: refinement.policy.to_value(),
        unused: Unused {
            actions: findings.actions().map(String::from).collect(),
            services: findings.services().map(String::from).collect(),
            keep: findings.keep_patterns().map(String::from).collect(),
        },
    }
}

/// Findings naming every `every`-th catalog action the policy's Allow statements allow.
fn findings_every(policy: &Policy, catalog: &Catalog, every: usize) -> Findings {
    let patterns: Vec<Pattern> = policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && s.key == ActionKey::Action)
        .flat_map(|s| s.patterns.iter().map(|p| Pattern::new(p)))
        .collect();
    let allowed: Vec<String> = (0..catalog.len())
        .filter(|&i| patterns.iter().any(|p| p.matches(catalog.lower(i))))
        .map(|i| catalog.name(i).to_string())
        .collect();
    let chosen: Vec<String> = allowed.into_iter().step_by(every).collect();
    Findings::from_names(&chosen, &[])
}

fn prove(c: &Case, names: &[String]) {
    let options = Options {
        timeout: Some(Duration::from_secs(60)),
        ..Options::default()
    };
    let report = verify(&c.original, &c.refined, &c.unused, names, &options).expect("verifiable");
    assert_eq!(report.verdict, Verdict::Proved);
}

fn benches(cr: &mut Criterion) {
    let catalog = Catalog::embedded();
    let names: Vec<String> = (0..catalog.len())
        .map(|i| catalog.name(i).to_string())
        .collect();
    let read = |p: &Path| std::fs::read_to_string(p).expect("read input");

    let mut group = cr.benchmark_group("verify");
    group.sample_size(20);
    let policy = Policy::parse(&read(&root().join("examples/policy.json"))).expect("policy");
    let findings = Findings::parse(&read(&root().join("examples/unused.json"))).expect("findings");
    let example = case(&policy, &findings, &catalog);
    group.bench_function("example", |b| b.iter(|| prove(&example, &names)));

    group.sample_size(10);
    let hard = [
        classes::infix_case(&catalog, &["s3"], 5_114, 10),
        classes::infix_case(&catalog, &["s3", "ec2"], 9_000, 10),
        classes::infix_respelt_case(&catalog, &["s3"], 5_114, 10),
        classes::infix_respelt_case(&catalog, &["s3", "ec2"], 9_000, 10),
        classes::deny_case(&catalog),
        classes::infix_union_case(),
    ];
    for c in &hard {
        let c2 = Case {
            original: c.original.clone(),
            refined: c.refined.clone(),
            unused: c.unused.clone(),
        };
        group.bench_function(c.name.as_str(), |b| b.iter(|| prove(&c2, &names)));
    }

    // Issue 20: what a `refine --verify` run pays before its first question (the catalog
    // validated, lower-cased and found sorted).
    group.sample_size(20);
    group.bench_function("prepare the catalog (Prover::from_names)", |b| {
        b.iter(|| {
            let prover = Prover::from_names((0..catalog.len()).map(|i| catalog.name(i)));
            assert_eq!(prover.unwrap().catalog_len(), catalog.len());
        })
    });
    // what the CLI does: the catalog handed over as one text
    group.bench_function("prepare the catalog (Prover::from_packed)", |b| {
        b.iter(|| {
            let (text, bounds) = catalog.packed_lower();
            let prover = Prover::from_packed(text, bounds);
            assert_eq!(prover.unwrap().catalog_len(), catalog.len());
        })
    });

    // Issue 20's class: multi-infix refinements over unions of infix wildcards, each with
    // its verdict (every one under 2 s; with Z3 alone 1.7 s to over 30 s).
    group.sample_size(10);
    for (c, expect) in classes::multi_infix_cases(&catalog) {
        let proved = expect == classes::Expect::Proved;
        group.bench_function(format!("multi-infix: {}", c.name), |b| {
            b.iter(|| {
                let options = Options {
                    timeout: Some(Duration::from_secs(60)),
                    ..Options::default()
                };
                let report = verify(&c.original, &c.refined, &c.unused, &names, &options)
                    .expect("verifiable");
                match report.verdict {
                    Verdict::Proved => assert!(proved, "{}", c.name),
                    Verdict::Counterexample(_) => assert!(!proved, "{}", c.name),
                    other => panic!("{}: {other:?}", c.name),
                }
            })
        });
    }

    {
        let ro = Policy::parse(&corpus_policy("ReadOnlyAccess").text()).expect("ReadOnlyAccess");
        let ro = case(&ro, &findings_every(&ro, &catalog, 10), &catalog);
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(20));
        group.bench_function("ReadOnlyAccess, 10% unused", |b| {
            b.iter(|| prove(&ro, &names))
        });

        for name in classes::DOUBLED_STAR_POLICIES {
            let c = classes::doubled_star_case(name, &catalog);
            let c2 = Case {
                original: c.original,
                refined: c.refined,
                unused: c.unused,
            };
            group.bench_function(c.name.as_str(), |b| b.iter(|| prove(&c2, &names)));
        }

        let sample: Vec<Case> = corpus()
            .iter()
            .step_by(100)
            .map(|f| {
                let p = Policy::parse(&f.text()).expect("corpus policy");
                let findings = findings_every(&p, &catalog, 10);
                case(&p, &findings, &catalog)
            })
            .collect();
        group.bench_function(
            format!("corpus sample ({} policies), 10% unused", sample.len()),
            |b| b.iter(|| sample.iter().for_each(|c| prove(c, &names))),
        );
    }
    group.finish();
}

criterion_group!(verify_benches, benches);
criterion_main!(verify_benches);
