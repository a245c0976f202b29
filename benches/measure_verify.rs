//! Timing harness (not a benchmark framework): verifies the brief's lambda + s3 example, or a
//! corpus policy against a naive refinement of itself, and prints the report and the slowest
//! solver queries.
//!
//! ```text
//! cargo run --release -p iam-refine-benches --example measure_verify -- example
//! cargo run --release -p iam-refine-benches --example measure_verify -- policy FILE [EVERY]
//! ```
//! `policy FILE EVERY`: marks every EVERY-th catalog action the policy allows as unused
//! (0 = none) and refines with a naive rule (see `naive_refine`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use std::time::{Duration, Instant};

use iam_refine_verify::regex::Re;
use iam_refine_verify::{
    verify_with, Answer, Listed, Solver, Unused, Verdict, Z3Context, Z3Solver,
};
use serde_json::Value;

use iam_refine_tests::naive::{action_list, naive_refine, pick_unused, statements, Index};

/// At most `n` characters, unless FULL is set.
fn clip(s: String, n: usize) -> String {
    if std::env::var_os("FULL").is_some() {
        return s;
    }
    s.chars().take(n).collect()
}

struct Timed<'c> {
    inner: Z3Solver<'c>,
    log: Vec<(Duration, usize, String)>,
}

impl Solver for Timed<'_> {
    fn find_member(&mut self, language: &Re) -> Answer {
        if std::env::var_os("VERBOSE").is_some() {
            let t = clip(language.to_string(), 300);
            eprintln!("member size {}: {t}", language.size());
        }
        let start = Instant::now();
        let answer = self.inner.find_member(language);
        let text = clip(language.to_string(), 160);
        self.log.push((start.elapsed(), language.size(), text));
        answer
    }

    fn find_listed(&mut self, groups: &[Listed]) -> Answer<(usize, usize)> {
        if std::env::var_os("VERBOSE").is_some() {
            let names: usize = groups.iter().map(|g| g.candidates.len()).sum();
            let size: usize = groups.iter().map(|g| g.language.size()).sum();
            eprintln!("listed {names} names, {} groups, size {size}", groups.len());
        }
        let start = Instant::now();
        let answer = self.inner.find_listed(groups);
        let names: usize = groups.iter().map(|g| g.candidates.len()).sum();
        let size: usize = groups.iter().map(|g| g.language.size()).sum();
        let mut text = format!("listed: {names} names in {} groups", groups.len());
        if let Some(g) = groups.first() {
            text.push_str(&format!(", first {}", g.language));
        }
        let text = clip(text, 160);
        self.log.push((start.elapsed(), size, text));
        answer
    }
}

fn catalog() -> Vec<String> {
    iam_refine_tests::example::catalog().to_vec()
}

fn report(
    solver: &mut Timed<'_>,
    original: &Value,
    refined: &Value,
    unused: &Unused,
    catalog: &[String],
) {
    let r = verify_with(solver, original, refined, unused, catalog).expect("verify");
    println!(
        "verdict: {:?}\nqueries: {}  catalog actions: {}  elapsed: {:?}",
        r.verdict, r.queries, r.catalog_actions, r.elapsed
    );
    let total: Duration = solver.log.iter().map(|l| l.0).sum();
    let listed: Duration = solver
        .log
        .iter()
        .filter(|l| l.2.starts_with("listed"))
        .map(|l| l.0)
        .sum();
    let n_listed = solver
        .log
        .iter()
        .filter(|l| l.2.starts_with("listed"))
        .count();
    println!(
        "solver time: {total:?} (ground: {n_listed} queries {listed:?}; symbolic: {} queries {:?})",
        solver.log.len() - n_listed,
        total - listed
    );
    if std::env::var_os("ORDER").is_none() {
        solver.log.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    }
    let top: usize = std::env::var("TOP")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(5);
    for (d, size, text) in solver.log.iter().take(top) {
        println!("  {d:>10.2?} size {size:>6}  {text}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let catalog = catalog();
    let ctx = Z3Context::new();
    let mut solver = Timed {
        inner: Z3Solver::new(&ctx, None, None),
        log: vec![],
    };
    println!("{}", iam_refine_verify::z3_version());
    match args.first().map(String::as_str) {
        Some("sweep") => {
            // sweep DIR EVERY [TIMEOUT_SECONDS]
            let every: usize = args.get(2).map_or(0, |s| s.parse().unwrap());
            let timeout = args.get(3).map(|s| Duration::from_secs(s.parse().unwrap()));
            let index = Index::new(&catalog);
            let mut paths: Vec<_> = std::fs::read_dir(&args[1])
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            paths.sort();
            let mut times = Vec::new();
            let mut verdicts = std::collections::BTreeMap::<String, usize>::new();
            for path in &paths {
                let doc: Value =
                    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
                let doc = doc
                    .pointer("/PolicyVersion/Document")
                    .cloned()
                    .unwrap_or(doc);
                let unused = pick_unused(&doc, &index, every);
                let refined = naive_refine(&doc, &index, &unused);
                let ctx = Z3Context::new();
                let mut z3 = Z3Solver::new(&ctx, timeout, None);
                let report = verify_with(&mut z3, &doc, &refined, &unused, &catalog);
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                match report {
                    Ok(r) => {
                        let kind = match &r.verdict {
                            Verdict::Proved => "proved".to_string(),
                            Verdict::Unknown { reason } => format!("unknown ({reason})"),
                            Verdict::Counterexample(c) => {
                                println!("{name}: {}", c.detail);
                                format!("counterexample ({})", c.theorem)
                            }
                        };
                        *verdicts.entry(kind).or_default() += 1;
                        times.push((r.elapsed, r.queries, name));
                    }
                    Err(e) => {
                        println!("{name}: error: {e}");
                        *verdicts.entry("error".into()).or_default() += 1;
                    }
                }
            }
            times.sort();
            let n = times.len();
            let total: Duration = times.iter().map(|t| t.0).sum();
            println!("{verdicts:?}");
            println!(
                "policies {n}, total {total:.2?}, median {:.2?}, p90 {:.2?}, p99 {:.2?}, max {:.2?}",
                times[n / 2].0,
                times[n * 9 / 10].0,
                times[n * 99 / 100].0,
                times[n - 1].0
            );
            for (t, q, name) in times.iter().rev().take(8) {
                println!("  {t:>10.2?} {q:>5} queries  {name}");
            }
        }
        Some("policy") => {
            let text = std::fs::read_to_string(&args[1]).unwrap();
            let mut doc: Value = serde_json::from_str(&text).unwrap();
            if let Some(d) = doc.pointer("/PolicyVersion/Document") {
                doc = d.clone();
            }
            let every: usize = args.get(2).map_or(0, |s| s.parse().unwrap());
            let index = Index::new(&catalog);
            let t = Instant::now();
            let unused = pick_unused(&doc, &index, every);
            let refined = naive_refine(&doc, &index, &unused);
            println!("naive refinement took {:?}", t.elapsed());
            let n = |d: &Value| {
                statements(d)
                    .iter()
                    .map(|s| action_list(s).len())
                    .sum::<usize>()
            };
            println!(
                "unused: {}  patterns: original {} refined {}",
                unused.actions.len(),
                n(&doc),
                n(&refined)
            );
            if std::env::var_os("SHOW").is_some() {
                println!("{}", serde_json::to_string_pretty(&refined).unwrap());
            }
            report(&mut solver, &doc, &refined, &unused, &catalog);
        }
        _ => {
            let text = include_str!("measure_example.json");
            let v: Value = serde_json::from_str(text).unwrap();
            let unused = Unused {
                actions: serde_json::from_value(v["unused"].clone()).unwrap(),
                services: vec![],
                keep: vec![],
            };
            report(
                &mut solver,
                &v["original"],
                &v["refined"],
                &unused,
                &catalog,
            );
        }
    }
}
