//! The corpus batch (issue 10): every AWS managed policy refined by the library under the
//! corpus tests' random findings (as `tests/verify_corpus.rs` draws them), then all of them
//! verified in one process: one [`Prover`] (the catalog prepared once) shared by the worker
//! threads, one [`Z3Worker`] (Z3 context and solver) per thread, reused across policies.
//!
//! ```text
//! cargo run --release -p iam-refine-benches --example verify_batch -- [THREADS] [TIMEOUT_S]
//! ```
//! Prints the wall time of the verification phase, the distribution of per-policy times
//! and the slowest policies; fails if any policy is not proved. `MUTATE=1` also checks
//! broken refinements against a glob oracle; `AGREE=1` verifies every policy again with Z3
//! alone (`Z3Worker::z3_only`) and fails if a verdict differs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a tool: a failed assumption ends it

#[path = "../verify/tests/support/classes.rs"]
mod classes;
mod timed;

use timed::Timed;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use iam_refine::{refine, Catalog, Findings, Policy};
use iam_refine_tests::{random_findings, seed_of, Model, Rng};
use iam_refine_verify::{Options, Prover, Verdict, Z3Worker};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let threads: usize = args.first().map_or(1, |t| t.parse().unwrap());
    let timeout: f64 = args.get(1).map_or(60.0, |t| t.parse().unwrap());
    let catalog = Catalog::embedded();
    let names: Vec<String> = (0..catalog.len())
        .map(|i| catalog.name(i).to_string())
        .collect();
    let model = Model::new(&catalog, Vec::new());
    let mut files: Vec<&iam_refine_tests::CorpusPolicy> =
        iam_refine_tests::corpus().iter().collect();
    if let Ok(one) = std::env::var("ONE") {
        files.retain(|p| p.name == one.trim_end_matches(".json"));
    }
    let t = Instant::now();
    let cases: Vec<classes::Case> = files
        .iter()
        .map(|f| {
            let name = f.name.clone();
            let policy = Policy::parse(&f.text()).unwrap();
            let mut rng = Rng(seed_of(&name));
            let (findings, _) = random_findings(&model, &policy, &mut rng);
            let findings = Findings::parse(&findings.to_string()).unwrap();
            let refinement = refine(&policy, &findings.resolve(&catalog));
            classes::Case {
                name,
                original: policy.to_value(),
                refined: refinement.policy.to_value(),
                findings: serde_json::Value::Null,
                unused: classes::unused_of(&findings),
            }
        })
        .collect();
    eprintln!(
        "{}; refined {} policies in {:.2} s",
        iam_refine_verify::z3_version(),
        cases.len(),
        t.elapsed().as_secs_f64()
    );

    if let Ok(one) = std::env::var("ONE") {
        // one policy, with the time of every query
        let prover = Prover::new(&names).unwrap();
        let c = cases
            .iter()
            .find(|c| c.name == one)
            .expect("no such policy");
        let mut timed = Timed::new();
        let report = prover
            .verify(
                &mut timed,
                &c.original,
                &c.refined,
                &c.unused,
                &Options::default(),
            )
            .unwrap();
        println!("{:?} in {:?}", report.verdict, report.elapsed);
        timed.print(8);
        return;
    }
    let start = Instant::now();
    let prover = Prover::new(&names).unwrap();
    let options = Options {
        timeout: Some(Duration::from_secs_f64(timeout)),
        rlimit: None,
    };
    let next = AtomicUsize::new(0);
    let mut results: Vec<(Duration, String, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut z3 = Z3Worker::new();
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(c) = cases.get(i) else { break };
                        let report = prover
                            .verify(&mut z3, &c.original, &c.refined, &c.unused, &options)
                            .unwrap();
                        let verdict = match &report.verdict {
                            Verdict::Proved => String::new(),
                            other => format!("{other:?}"),
                        };
                        out.push((report.elapsed, c.name.clone(), verdict));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let wall = start.elapsed();
    if std::env::var_os("MUTATE").is_some() {
        mutate(&cases, &prover, &names);
    }
    if std::env::var_os("AGREE").is_some() {
        agree(&cases, &prover, &options);
    }
    results.sort();
    let n = results.len();
    let at = |q: f64| {
        results[((n - 1) as f64 * q).round() as usize]
            .0
            .as_secs_f64()
            * 1e3
    };
    let failures: Vec<_> = results.iter().filter(|r| !r.2.is_empty()).collect();
    println!(
        "{threads} thread(s): {n} policies verified in {:.2} s wall; per policy median {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.0} ms; {} not proved",
        wall.as_secs_f64(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        failures.len()
    );
    for (d, name, _) in results.iter().rev().take(5) {
        println!("  {:>8.1} ms  {name}", d.as_secs_f64() * 1e3);
    }
    for (_, name, verdict) in failures.iter().take(10) {
        println!("  NOT PROVED {name}: {verdict}");
    }
    assert!(failures.is_empty());
}

/// Every policy verified twice, with the automata first and with Z3 alone: the same verdict
/// (issue 20: every decision not made by Z3 agrees with Z3's on the corpus).
fn agree(cases: &[classes::Case], prover: &Prover, options: &Options) {
    let (mut automata, mut z3) = (Z3Worker::new(), Z3Worker::z3_only());
    let mut differ = Vec::new();
    for c in cases {
        let a = prover
            .verify(&mut automata, &c.original, &c.refined, &c.unused, options)
            .unwrap()
            .verdict;
        let b = prover
            .verify(&mut z3, &c.original, &c.refined, &c.unused, options)
            .unwrap()
            .verdict;
        if std::mem::discriminant(&a) != std::mem::discriminant(&b) {
            differ.push(format!("{}: automata {a:?}, z3 {b:?}", c.name));
        }
    }
    let (by_automata, by_z3) = automata.questions();
    println!(
        "agreement: {} policies, {} verdicts differ; the automata decided {by_automata} questions ({by_z3} went on to Z3), Z3 alone {} questions",
        cases.len(),
        differ.len(),
        z3.questions().1
    );
    for d in &differ {
        println!("  DIFFER {d}");
    }
    assert!(differ.is_empty());
}

/// Break every refinement two ways and check the verdict against a glob oracle over the
/// catalog: (1) an unused action added back (upper-cased) must be refuted; (2) one entry of
/// an Allow `Action` statement dropped must be refuted with T1 exactly when some catalog
/// action, not unused, was allowed by that entry alone, and proved otherwise.
fn mutate(cases: &[classes::Case], prover: &Prover, names: &[String]) {
    use iam_refine_verify::{glob_match, Theorem};
    let mut z3 = Z3Worker::new();
    let options = Options {
        timeout: Some(Duration::from_secs(60)),
        rlimit: None,
    };
    let (mut refuted, mut proved, mut checked) = (0, 0, 0);
    let unused_lower = |c: &classes::Case| -> std::collections::HashSet<String> {
        c.unused
            .actions
            .iter()
            .map(|a| a.to_ascii_lowercase())
            .collect()
    };
    for (n, c) in cases.iter().enumerate() {
        let Some(list) = c.refined["Statement"].as_array() else {
            continue;
        };
        let Some(k) = list
            .iter()
            .position(|s| s["Effect"] == "Allow" && s["Action"].is_array())
        else {
            continue;
        };
        if let Some(u) = c.unused.actions.first() {
            let mut broken = c.refined.clone();
            broken["Statement"][k]["Action"]
                .as_array_mut()
                .unwrap()
                .push(u.to_ascii_uppercase().into());
            let v = prover
                .verify(&mut z3, &c.original, &broken, &c.unused, &options)
                .unwrap()
                .verdict;
            match v {
                Verdict::Counterexample(cx) if cx.theorem == Theorem::NoUnused => refuted += 1,
                other => panic!("{}: unused `{u}` added back: {other:?}", c.name),
            }
            checked += 1;
        }
        let entries: Vec<String> = list[k]["Action"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a.as_str().map(String::from))
            .collect();
        if entries.len() < 2 {
            continue;
        }
        let drop = n % entries.len();
        let rest: Vec<&String> = entries
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != drop)
            .map(|(_, e)| e)
            .collect();
        let unused = unused_lower(c);
        let services: Vec<String> = c
            .unused
            .services
            .iter()
            .map(|s| format!("{}:", s.to_ascii_lowercase()))
            .collect();
        // T1 is over the catalog and the original's wildcard-free names
        let mut universe: Vec<String> = names.to_vec();
        let statements = match &c.original["Statement"] {
            serde_json::Value::Array(v) => v.clone(),
            one => vec![one.clone()],
        };
        for st in &statements {
            for key in ["Action", "NotAction"] {
                let written = match &st[key] {
                    serde_json::Value::String(a) => vec![a.clone()],
                    serde_json::Value::Array(v) => v
                        .iter()
                        .filter_map(|a| a.as_str().map(String::from))
                        .collect(),
                    _ => vec![],
                };
                universe.extend(written.into_iter().filter(|a| !a.contains(['*', '?'])));
            }
        }
        let lost = universe.iter().find(|x| {
            let low = x.to_ascii_lowercase();
            glob_match(&entries[drop], x)
                && !rest.iter().any(|e| glob_match(e, x))
                && !unused.contains(&low)
                && !services.iter().any(|s| low.starts_with(s.as_str()))
        });
        let mut broken = c.refined.clone();
        broken["Statement"][k]["Action"]
            .as_array_mut()
            .unwrap()
            .remove(drop);
        if broken["Statement"][k]["Action"]
            .as_array()
            .unwrap()
            .is_empty()
        {
            continue;
        }
        let v = prover
            .verify(&mut z3, &c.original, &broken, &c.unused, &options)
            .unwrap()
            .verdict;
        // With several original statements of the same key, the pairing (a heuristic over
        // catalog sets) may pair differently once an entry is gone: any re-checked verdict.
        let key_of = |st: &serde_json::Value| {
            let mut m = st.as_object().cloned().unwrap_or_default();
            m.shift_remove("Action");
            m.shift_remove("NotAction");
            m
        };
        let same_key = statements
            .iter()
            .filter(|st| key_of(st) == key_of(&list[k]))
            .count();
        match (lost, v) {
            (Some(_), Verdict::Counterexample(cx)) if cx.theorem == Theorem::Exactness => {
                assert!(glob_match(&entries[drop], &cx.action), "{}: {cx:?}", c.name);
                refuted += 1;
            }
            (Some(_), Verdict::Counterexample(_)) if same_key > 1 => refuted += 1,
            (None, Verdict::Proved) => proved += 1,
            (None, Verdict::Counterexample(_)) if same_key > 1 => refuted += 1,
            (lost, other) => panic!(
                "{}: dropped `{}` (loses {lost:?}): {other:?}",
                c.name, entries[drop]
            ),
        }
        checked += 1;
    }
    println!("mutations: {checked} checked, {refuted} refuted, {proved} proved, all as the glob oracle says");
}
