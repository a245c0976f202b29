//! Criterion benchmarks of the comparison prover (`cargo bench --bench compare`, issue 18):
//! corpus policies (every 100th file, as `verify`'s bench samples them) each compared with
//! itself, its meaning-preserving rewrites and its mutations
//! (`verify/tests/support/compare.rs`), one Z3 worker reused as `compare` and the corpus
//! sweep reuse it; and `verify`'s policy-level fallback on a refinement whose statements
//! are reordered. The whole-corpus figures (median, p99, total) come from the sweep:
//! `cargo test --release -p iam-refine-verify --test compare_corpus whole_corpus -- --ignored --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // bench code

#[path = "../verify/tests/support/compare.rs"]
mod support;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use iam_refine_tests::corpus;
use iam_refine_verify::compare::{CompareOptions, Comparer};
use iam_refine_verify::{Keep, Options, Prover, Unused, Verdict, Z3Worker};
use serde_json::{json, Value};

fn options() -> CompareOptions {
    CompareOptions {
        timeout: Some(Duration::from_secs(60)),
        ..Default::default()
    }
}

/// Every case of one policy: itself, its rewrites, its mutations.
fn cases(doc: &Value) -> Vec<Value> {
    let mut out = vec![doc.clone()];
    out.extend(support::rewrites(doc).into_iter().map(|(_, d)| d));
    out.extend(support::mutations(doc).into_iter().map(|(_, d)| d));
    out
}

fn benches(cr: &mut Criterion) {
    let mut group = cr.benchmark_group("compare");
    group.sample_size(10);
    let comparer = Comparer::new();
    let mut z3 = Z3Worker::new();
    for p in corpus().iter().step_by(100) {
        let old = [p.document().clone()];
        let news: Vec<[Value; 1]> = cases(&old[0]).into_iter().map(|d| [d]).collect();
        group.bench_function(format!("{} ({} cases)", p.name, news.len()), |b| {
            b.iter(|| {
                for new in &news {
                    comparer.compare(&mut z3, &old, new, &options()).unwrap();
                }
            })
        });
    }
    group.finish();

    let mut group = cr.benchmark_group("verify fallback");
    group.sample_size(10);
    let original = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:GetBucketPolicy"], "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
    ]});
    let refined = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
        {"Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"},
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    ]});
    let unused = Unused {
        actions: vec!["s3:GetBucketPolicy".into()],
        ..Default::default()
    };
    let catalog = iam_refine::Catalog::embedded();
    let prover = Prover::from_names((0..catalog.len()).map(|i| catalog.name(i))).unwrap();
    let options = Options {
        timeout: Some(Duration::from_secs(60)),
        rlimit: None,
    };
    group.bench_function("reordered, split and merged statements", |b| {
        b.iter(|| {
            let report = prover
                .verify_documents_or_whole(
                    &mut z3,
                    &original,
                    std::slice::from_ref(&refined),
                    &unused,
                    &Keep::nothing(),
                    &options,
                )
                .unwrap();
            assert!(report.whole_requests && report.verdict == Verdict::Proved);
        })
    });
    group.finish();
}

criterion_group!(compare, benches);
criterion_main!(compare);
