//! The verifier's hard input classes (issues 7 and 10), generated reproducibly, written out
//! for the CLI or timed through the library.
//!
//! ```text
//! cargo run --release -p iam-refine-benches --example verify_classes -- gen DIR
//! cargo run --release -p iam-refine-benches --example verify_classes -- run [TIMEOUT_S]
//! ```
//! `gen` writes, per case, `DIR/NAME.original.json`, `NAME.refined.json` and
//! `NAME.unused.json` (then `iam-refine verify --original ... --refined ... --unused ...`
//! or `iam-refine refine NAME.original.json --unused NAME.unused.json --verify` times the
//! whole process); `run` verifies each case once in this process and prints verdict, time
//! and query count (`Z3_ONLY=1`: every question asked of Z3, as before the automata).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a tool: a failed assumption ends it

#[path = "../verify/tests/support/classes.rs"]
mod classes;
mod timed;

use std::time::Duration;

use iam_refine::Catalog;
use iam_refine_verify::{verify, Options};

fn cases(catalog: &Catalog) -> Vec<classes::Case> {
    let example = {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
        let policy: serde_json::Value =
            serde_json::from_str(&read("examples/policy.json")).unwrap();
        let findings = iam_refine::Findings::parse(&read("examples/unused.json")).unwrap();
        classes::refined_case("the README example", policy, &findings, catalog)
    };
    let mut out = vec![
        example,
        classes::infix_union_case(),
        classes::infix_case(catalog, &["s3"], 5_114, 10),
        classes::infix_case(catalog, &["s3", "ec2"], 9_000, 10),
        classes::infix_case(catalog, &classes::SERVICES, 5_114, 10),
        classes::infix_respelt_case(catalog, &["s3"], 5_114, 10),
        classes::infix_respelt_case(catalog, &["s3", "ec2"], 9_000, 10),
        classes::deny_case(catalog),
    ];
    out.extend(
        classes::multi_infix_cases(catalog)
            .into_iter()
            .map(|(c, _)| c),
    );
    out.push(classes::corpus_case("ReadOnlyAccess", catalog, 10));
    out.push(classes::corpus_case("DataScientist", catalog, 10));
    for name in classes::DOUBLED_STAR_POLICIES {
        out.push(classes::doubled_star_case(name, catalog));
    }
    out
}

fn file_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let catalog = Catalog::embedded();
    match args.first().map(String::as_str) {
        Some("gen") => {
            let dir = std::path::Path::new(&args[1]);
            std::fs::create_dir_all(dir).unwrap();
            for c in cases(&catalog) {
                let stem = file_name(&c.name);
                let write = |suffix: &str, v: &serde_json::Value| {
                    let path = dir.join(format!("{stem}.{suffix}.json"));
                    std::fs::write(&path, serde_json::to_string_pretty(v).unwrap()).unwrap();
                };
                write("original", &c.original);
                write("refined", &c.refined);
                write("unused", &c.findings);
                println!(
                    "{stem}: original {} chars, refined {} chars",
                    classes::size(&c.original),
                    classes::size(&c.refined)
                );
            }
        }
        Some("run") | None => {
            let timeout = args.get(1).map_or(120.0, |t| t.parse::<f64>().unwrap());
            let names: Vec<String> = (0..catalog.len())
                .map(|i| catalog.name(i).to_string())
                .collect();
            println!("{}", iam_refine_verify::z3_version());
            let options = Options {
                timeout: Some(Duration::from_secs_f64(timeout)),
                ..Options::default()
            };
            let prover = iam_refine_verify::Prover::new(&names).unwrap();
            let profile = std::env::var_os("PROFILE").is_some();
            let only = std::env::var("ONLY").ok();
            for c in cases(&catalog) {
                if only.as_ref().is_some_and(|o| !c.name.contains(o.as_str())) {
                    continue;
                }
                let report = if profile {
                    let mut t = timed::Timed::new();
                    let r = prover
                        .verify(&mut t, &c.original, &c.refined, &c.unused, &options)
                        .unwrap();
                    t.print(4);
                    r
                } else if std::env::var_os("Z3_ONLY").is_some() {
                    let mut worker = iam_refine_verify::Z3Worker::z3_only();
                    prover
                        .verify(&mut worker, &c.original, &c.refined, &c.unused, &options)
                        .unwrap()
                } else {
                    verify(&c.original, &c.refined, &c.unused, &names, &options).unwrap()
                };
                println!(
                    "{:<60} {:>8.3} s  {:>4} queries  {:?}",
                    c.name,
                    report.elapsed.as_secs_f64(),
                    report.queries,
                    report.verdict
                );
            }
        }
        Some("sweep-doubled") => {
            // every corpus policy with `**`, random findings; prints those over 1 s
            let timeout = args.get(1).map_or(60.0, |t| t.parse::<f64>().unwrap());
            let names: Vec<String> = (0..catalog.len())
                .map(|i| catalog.name(i).to_string())
                .collect();
            let model = iam_refine_tests::Model::new(&catalog, Vec::new());
            let options = Options {
                timeout: Some(Duration::from_secs_f64(timeout)),
                ..Options::default()
            };
            let policies = iam_refine_tests::corpus();
            let mut total = 0.0;
            for p in policies {
                let c = classes::doubled_star_random_case(&p.name, &catalog, &model);
                let report = verify(&c.original, &c.refined, &c.unused, &names, &options).unwrap();
                let secs = report.elapsed.as_secs_f64();
                total += secs;
                if secs > 1.0 || !matches!(report.verdict, iam_refine_verify::Verdict::Proved) {
                    println!("{:<70} {secs:>8.3} s {:?}", c.name, report.verdict);
                }
            }
            println!("{} policies, total {total:.1} s", policies.len());
        }
        Some(other) => panic!("unknown mode {other}"),
    }
}
