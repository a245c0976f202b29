//! Every corpus policy (a fixed sample; all of them with `IAM_REFINE_FULL=1`) compared with
//! itself and with its meaning-preserving rewrites (equivalent, never Unknown), and with
//! mutations (refutations re-checked). The timing sweep is `#[ignore]`d:
//! `cargo test --release -p iam-refine-verify --test compare_corpus whole_corpus -- --ignored --nocapture`
//! (`JOBS=2` before it: the policies dealt out to two threads, one Z3 worker each).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "support/compare.rs"]
mod support;

use std::time::{Duration, Instant};

use iam_refine_tests::{corpus, corpus_sample};
use iam_refine_verify::compare::{CompareOptions, Comparer, Verdict};
use iam_refine_verify::Z3Worker;
use serde_json::Value;
use support::{check_witnesses, mutations, rewrites};

fn options() -> CompareOptions {
    CompareOptions {
        timeout: Some(Duration::from_secs(60)),
        ..Default::default()
    }
}

#[derive(Default)]
struct Figures {
    times: Vec<(Duration, String)>,
    unknown: Vec<String>,
    refuted: usize,
    masked: usize,
}

impl Figures {
    fn add(&mut self, other: Figures) {
        self.times.extend(other.times);
        self.unknown.extend(other.unknown);
        self.refuted += other.refuted;
        self.masked += other.masked;
    }
}

/// [`run`] on `jobs` threads, the policies dealt out in turn (neighbours in the corpus are
/// often alike in size); the wall time of the whole.
fn run_on(policies: &[&iam_refine_tests::CorpusPolicy], jobs: usize) -> (Figures, Duration) {
    let start = Instant::now();
    let mut figures = Figures::default();
    let parts: Vec<Figures> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs)
            .map(|j| {
                let mine: Vec<_> = policies.iter().copied().skip(j).step_by(jobs).collect();
                scope.spawn(move || {
                    let mut figures = Figures::default();
                    run(&mine, &mut figures);
                    figures
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for part in parts {
        figures.add(part);
    }
    (figures, start.elapsed())
}

fn run(policies: &[&iam_refine_tests::CorpusPolicy], figures: &mut Figures) {
    let mut z3 = Z3Worker::new();
    let comparer = Comparer::new();
    for p in policies {
        let doc = p.document().clone();
        let old = [doc.clone()];
        let mut cases: Vec<(&str, Value, bool)> = vec![("itself", doc.clone(), true)];
        cases.extend(rewrites(&doc).into_iter().map(|(n, d)| (n, d, true)));
        cases.extend(mutations(&doc).into_iter().map(|(n, d)| (n, d, false)));
        for (name, new, same) in cases {
            let new = [new];
            let start = Instant::now();
            let c = comparer
                .compare(&mut z3, &old, &new, &options())
                .unwrap_or_else(|e| panic!("{} {name}: {e}", p.name));
            figures
                .times
                .push((start.elapsed(), format!("{} {name}", p.name)));
            check_witnesses(&c, &old, &new);
            if let Verdict::Unknown { reasons } = &c.verdict {
                figures
                    .unknown
                    .push(format!("{} {name}: {reasons:?}", p.name));
                continue;
            }
            if same {
                assert_eq!(c.verdict, Verdict::Equivalent, "{} {name}: {c:?}", p.name);
            } else if c.verdict == Verdict::Equivalent {
                figures.masked += 1;
            } else {
                figures.refuted += 1;
            }
        }
    }
}

fn report(figures: &mut Figures) {
    figures.times.sort();
    let n = figures.times.len();
    let at = |q: f64| figures.times[((n as f64 * q) as usize).min(n - 1)].0;
    let total: Duration = figures.times.iter().map(|(t, _)| *t).sum();
    eprintln!(
        "{n} comparisons in {total:?} of comparing: median {:?}, p90 {:?}, p99 {:?}, max {:?} ({}); {} refuted, {} mutations equivalent, {} unknown",
        at(0.5),
        at(0.9),
        at(0.99),
        figures.times[n - 1].0,
        figures.times[n - 1].1,
        figures.refuted,
        figures.masked,
        figures.unknown.len()
    );
    for limit in [1, 10, 100, 1000] {
        let over: Vec<Duration> = figures
            .times
            .iter()
            .map(|(t, _)| *t)
            .filter(|t| *t >= Duration::from_millis(limit))
            .collect();
        eprintln!(
            "  {} comparisons of {limit} ms or more: {:?} in all",
            over.len(),
            over.iter().sum::<Duration>()
        );
    }
    for (t, name) in figures.times.iter().rev().take(10) {
        eprintln!("  {t:?} {name}");
    }
    for u in &figures.unknown {
        eprintln!("  unknown: {u}");
    }
}

#[test]
fn corpus_sample_is_proved_and_refuted() {
    // (the largest and slowest policies are in the whole-corpus sweep)
    let policies = corpus_sample(16, &["ReadOnlyAccess", "AWSPrivateCAUser"]);
    let mut figures = Figures::default();
    run(&policies, &mut figures);
    report(&mut figures);
    // the only Unknowns are AWS's undecided rules (docs/semantics.md U1-U4)
    assert!(
        figures
            .unknown
            .iter()
            .all(|u| u.contains("AWS does not decide")),
        "{:?}",
        figures.unknown
    );
    assert!(figures.refuted > 40);
}

#[test]
#[ignore = "the whole corpus: a timing sweep"]
fn whole_corpus() {
    let all: Vec<_> = corpus().iter().collect();
    let jobs = std::env::var("JOBS").map_or(1, |j| j.parse().unwrap());
    let (mut figures, wall) = run_on(&all, jobs);
    eprintln!("{jobs} thread(s): {wall:?} wall for the whole sweep");
    report(&mut figures);
    assert!(
        figures
            .unknown
            .iter()
            .all(|u| u.contains("AWS does not decide")),
        "{:?}",
        figures.unknown
    );
}

/// One policy and case, for profiling: `ONLY=Name CASE='deny removed' cargo test ... one -- --ignored`.
#[test]
#[ignore = "a profiling aid"]
fn one() {
    let name = std::env::var("ONLY").unwrap();
    let case = std::env::var("CASE").unwrap_or_else(|_| "itself".into());
    let p = iam_refine_tests::corpus_policy(&name);
    let doc = p.document().clone();
    let mut all: Vec<(&str, Value)> = vec![("itself", doc.clone())];
    all.extend(rewrites(&doc));
    all.extend(mutations(&doc));
    let (_, new) = all.into_iter().find(|(n, _)| *n == case).unwrap();
    let mut z3 = Z3Worker::new();
    let start = Instant::now();
    let c = Comparer::new()
        .compare(
            &mut z3,
            std::slice::from_ref(&doc),
            std::slice::from_ref(&new),
            &options(),
        )
        .unwrap();
    eprintln!(
        "{:?} in {:?}, {} queries",
        c.verdict,
        start.elapsed(),
        c.queries
    );
    check_witnesses(&c, &[doc], &[new]);
}
