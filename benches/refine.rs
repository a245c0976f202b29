//! Refiner benchmarks (`cargo bench --bench refine`), criterion groups only:
//!
//! - `catalog_load/embedded`: `Catalog::embedded()`, the snapshot of 22k actions.
//! - `example/resolve_refine`: `examples/policy.json` with `examples/unused.json`; the
//!   findings and the policy are parsed once, the bench times `resolve` + `refine`.
//! - `readonly_access/resolve_refine_10pct`: the AWS managed policy `ReadOnlyAccess`
//!   with 10% of the catalog actions it allows unused.
//! - `star/resolve_refine_1pct`: `Action: "*"` with 1% of the real catalog unused.
//! - `synthetic_star_10pct/{10000,100000,1000000}`: `Action: "*"` over a generated
//!   catalog of that many actions, 10% of them unused.
//! - `synthetic_service_10pct/{...}`: `svcX:*` for the largest service of the generated
//!   catalog, 10% of that service unused.
//! - `corpus/all_policies`: every AWS managed policy of the vendored corpus, each with 10%
//!   (rounded up) of the catalog actions it allows unused, refined one after the other on
//!   one thread; the throughput is in policies per second.
//!
//! - `large_catalog/{from_json,policy_size,usage_parse}/1000000`: reading a 1M-action
//!   catalog as `--catalog` JSON, `Policy::size` of its `*` refined with 10 % unused, and
//!   reading that run's findings file (100,000 actions) as `--unused` does (issue 20: with
//!   the writing of the output, what a whole process adds to the refinement).
//!
//! All sizes are reported with `Throughput::Elements` (catalog actions, or policies) so
//! the per-element cost is visible. The inputs are built by `iam_refine_benches::scenarios`
//! and `::synthetic`, which the one-shot profiler (`--example profile`) shares.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // bench code: a failed assumption is a failed run

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use iam_refine::{Catalog, Usage, UsageOptions};
use iam_refine_benches::scenarios::{
    corpus_scenarios, example_scenario, findings_json, readonly_scenario, service_scenario,
    star_scenario,
};
use iam_refine_benches::synthetic::synthetic_catalog;

const SYNTHETIC_SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

fn bench_catalog_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("catalog_load");
    g.throughput(Throughput::Elements(Catalog::embedded().len() as u64));
    g.bench_function("embedded", |b| b.iter(Catalog::embedded));
    g.finish();
}

fn bench_real(c: &mut Criterion) {
    let catalog = Catalog::embedded();

    let example = example_scenario();
    let mut g = c.benchmark_group("example");
    g.bench_function("resolve_refine", |b| {
        b.iter(|| example.run(black_box(&catalog)))
    });
    g.finish();

    let (readonly, unused) = readonly_scenario(&catalog);
    eprintln!(
        "readonly_access: {} catalog actions allowed, {} unused",
        readonly.elements,
        unused.len()
    );
    let mut g = c.benchmark_group("readonly_access");
    g.throughput(Throughput::Elements(readonly.elements as u64));
    g.bench_function("resolve_refine_10pct", |b| {
        b.iter(|| readonly.run(black_box(&catalog)))
    });
    g.finish();

    let (star, unused) = star_scenario(&catalog, 0.01);
    eprintln!(
        "star: {} catalog actions, {} unused",
        star.elements,
        unused.len()
    );
    let mut g = c.benchmark_group("star");
    g.throughput(Throughput::Elements(star.elements as u64));
    g.bench_function("resolve_refine_1pct", |b| {
        b.iter(|| star.run(black_box(&catalog)))
    });
    g.finish();
}

fn bench_synthetic(c: &mut Criterion) {
    for &n in &SYNTHETIC_SIZES {
        let catalog = synthetic_catalog(n);
        let (star, _) = star_scenario(&catalog, 0.10);
        let (svc, service) = service_scenario(&catalog);
        eprintln!(
            "synthetic {n}: {} services, largest `{service}` with {} actions",
            catalog.services().len(),
            svc.elements
        );
        // Keep the largest size to 10 samples of about a second each at most.
        let (samples, time) = if n >= 1_000_000 {
            (10, Duration::from_secs(8))
        } else {
            (20, Duration::from_secs(4))
        };

        let mut g = c.benchmark_group("synthetic_star_10pct");
        g.sample_size(samples).measurement_time(time);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &star, |b, s| {
            b.iter(|| s.run(black_box(&catalog)))
        });
        g.finish();

        let mut g = c.benchmark_group("synthetic_service_10pct");
        g.sample_size(samples).measurement_time(time);
        g.throughput(Throughput::Elements(svc.elements as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &svc, |b, s| {
            b.iter(|| s.run(black_box(&catalog)))
        });
        g.finish();
    }
}

fn bench_corpus(c: &mut Criterion) {
    let catalog = Catalog::embedded();
    let scenarios = corpus_scenarios(&catalog);
    let mut g = c.benchmark_group("corpus");
    g.sample_size(10).measurement_time(Duration::from_secs(6));
    g.throughput(Throughput::Elements(scenarios.len() as u64));
    g.bench_function("all_policies", |b| {
        b.iter(|| {
            for s in &scenarios {
                black_box(s.run(black_box(&catalog)));
            }
        })
    });
    g.finish();
}

/// Issue 20's large catalog, the parts of a whole `refine` process that the in-process
/// refinement above leaves out: reading a 1M-action catalog as `--catalog` JSON, the
/// size (`Policy::size`) of the refined `*` policy with 10 % unused, and reading the
/// findings file that names them.
fn bench_large(c: &mut Criterion) {
    let n = 1_000_000;
    let catalog = synthetic_catalog(n);
    let mut by_service: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for i in 0..catalog.len() {
        let name = catalog.name(i);
        let (svc, action) = name.split_once(':').unwrap();
        by_service.entry(svc).or_default().push(action);
    }
    let json = serde_json::to_string(&by_service).unwrap();
    let (star, unused) = star_scenario(&catalog, 0.10);
    let refined = star.run(&catalog).policy;
    let findings = findings_json(&catalog, &unused);
    let mut g = c.benchmark_group("large_catalog");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_with_input(BenchmarkId::new("from_json", n), &json, |b, json| {
        b.iter(|| Catalog::from_json(black_box(json), "bench".to_string()).unwrap())
    });
    g.bench_with_input(BenchmarkId::new("policy_size", n), &refined, |b, p| {
        b.iter(|| black_box(p).size())
    });
    // The findings file of the same run (100,000 actions, 4 MB) read as `--unused` reads it.
    g.bench_with_input(BenchmarkId::new("usage_parse", n), &findings, |b, text| {
        b.iter(|| Usage::parse(black_box(text), UsageOptions::default()).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench_catalog_load, bench_real, bench_synthetic, bench_corpus, bench_large
}
criterion_main!(benches);
