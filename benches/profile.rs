//! One-shot runs of the refiner benchmarks' scenarios, for `/usr/bin/time -v` and
//! `valgrind --tool=callgrind` (which criterion's repeated, timed loop does not suit):
//!
//! ```text
//! cargo run --release -p iam-refine-benches --example profile -- SCENARIO [--repeat N]
//! cargo run --release -p iam-refine-benches --example profile -- write-inputs DIR
//! ```
//!
//! `SCENARIO` builds one scenario of `iam_refine_benches::scenarios`, runs `resolve` +
//! `refine` once (or N times), and prints the set-up time, the run time, the peak resident
//! memory of the refine phase (reset just before it) and an FNV digest of the refined
//! documents (equal digests, equal outputs: to compare two builds). Scenarios: `load`,
//! `example`, `readonly`, `star-real`, `star-<n>` and `svc-<n>` (n = 10k, 100k, 1m or a
//! number), `corpus`.
//!
//! `write-large DIR SIZE` writes a synthetic catalog of SIZE actions (`catalog.json`, as
//! `--catalog` reads it), `star-policy.json` and `star-unused.json` (10 % unused).
//! `write-inputs DIR` writes the ReadOnlyAccess and `*` cases (the benches' fixed random
//! findings) as policy and findings files the CLI and `benches/peers/run.sh` read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // bench code: a failed assumption is a failed run

use std::hint::black_box;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use iam_refine::Catalog;
use iam_refine_benches::memory::{peak_rss_kb, reset_peak_rss, rss_kb};
use iam_refine_benches::scenarios::{
    corpus_scenarios, example_scenario, findings_json, readonly_scenario, service_scenario,
    star_scenario, Scenario, STAR_POLICY,
};
use iam_refine_benches::synthetic::synthetic_catalog;
use iam_refine_tests::corpus_policy;

const USAGE: &str =
    "usage: profile SCENARIO [--repeat N] | profile write-inputs DIR | profile write-large DIR SIZE
scenarios: load, example, readonly, star-real, star-<n>, svc-<n> (n = 10k, 100k, 1m), corpus";

fn size_arg(text: &str) -> Option<usize> {
    match text {
        "10k" => Some(10_000),
        "100k" => Some(100_000),
        "1m" => Some(1_000_000),
        _ => text.parse().ok(),
    }
}

/// The scenario's catalog and inputs, or `None` for an unknown name.
fn build(which: &str) -> Option<(Catalog, Vec<Scenario>)> {
    Some(match which {
        "example" => (Catalog::embedded(), vec![example_scenario()]),
        "readonly" => {
            let c = Catalog::embedded();
            let s = readonly_scenario(&c).0;
            (c, vec![s])
        }
        "star-real" => {
            let c = Catalog::embedded();
            let s = star_scenario(&c, 0.01).0;
            (c, vec![s])
        }
        "corpus" => {
            let c = Catalog::embedded();
            let s = corpus_scenarios(&c);
            (c, s)
        }
        other => {
            let (kind, size) = other.split_once('-')?;
            let n = size_arg(size)?;
            if kind != "star" && kind != "svc" {
                return None;
            }
            let c = synthetic_catalog(n);
            let s = if kind == "star" {
                star_scenario(&c, 0.10).0
            } else {
                service_scenario(&c).0
            };
            (c, vec![s])
        }
    })
}

fn oneshot(which: &str, repeat: usize) -> ExitCode {
    let t = Instant::now();
    if which == "load" {
        for _ in 0..repeat {
            black_box(Catalog::embedded());
        }
        eprintln!("load x{repeat}: {:?}", t.elapsed());
        return ExitCode::SUCCESS;
    }
    let Some((catalog, scenarios)) = build(which) else {
        eprintln!("profile: unknown scenario `{which}`\n{USAGE}");
        return ExitCode::from(2);
    };
    eprintln!(
        "{which}: setup (catalog of {} actions, findings) {:?}, RSS {} kB",
        catalog.len(),
        t.elapsed(),
        rss_kb().unwrap_or(0)
    );
    let reset = reset_peak_rss();
    let t = Instant::now();
    let mut entries = 0;
    let mut outputs = Vec::new();
    for round in 0..repeat {
        for s in &scenarios {
            let r = s.run(&catalog);
            entries += r
                .policy
                .statements
                .iter()
                .map(|s| s.patterns.len())
                .sum::<usize>();
            if round == 0 {
                outputs.push(r);
            }
        }
    }
    let elapsed = t.elapsed();
    eprintln!(
        "{which}: resolve + refine x{repeat}: {elapsed:?} ({:?} each), {} entries written per run",
        elapsed / repeat as u32,
        entries / repeat
    );
    if reset {
        eprintln!(
            "{which}: peak RSS during resolve + refine: {} kB (peak reset before it)",
            peak_rss_kb().unwrap_or(0)
        );
    }
    // FNV-1a over the refined documents: equal digests, equal outputs (to compare builds).
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    for r in &outputs {
        for b in r
            .policy
            .to_pretty_json()
            .bytes()
            .chain([u8::from(r.detach)])
        {
            digest = (digest ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    eprintln!("{which}: output digest {digest:016x}");
    ExitCode::SUCCESS
}

fn write_inputs(dir: &Path) -> ExitCode {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let catalog = Catalog::embedded();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("wrote {}", path.display());
    };
    let (_, unused) = readonly_scenario(&catalog);
    write("readonly-unused.json", &findings_json(&catalog, &unused));
    write(
        "ReadOnlyAccess.json",
        &corpus_policy("ReadOnlyAccess").text(),
    );
    let (_, unused) = star_scenario(&catalog, 0.01);
    write("star-policy.json", STAR_POLICY);
    write("star-unused.json", &findings_json(&catalog, &unused));
    ExitCode::SUCCESS
}

/// The 1M-action case of issue 20 as files for the command line: a synthetic catalog of `n`
/// actions as `--catalog` JSON, `Action: "*"` and 10 % of the catalog unused.
fn write_large(dir: &Path, n: usize) -> ExitCode {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let catalog = synthetic_catalog(n);
    let mut by_service: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for i in 0..catalog.len() {
        let name = catalog.name(i);
        let (svc, action) = name.split_once(':').unwrap_or(("", name));
        by_service.entry(svc).or_default().push(action);
    }
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("wrote {} ({} bytes)", path.display(), text.len());
    };
    let json = serde_json::to_string(&by_service).unwrap_or_default();
    write("catalog.json", &json);
    let (_, unused) = star_scenario(&catalog, 0.10);
    write("star-policy.json", STAR_POLICY);
    write("star-unused.json", &findings_json(&catalog, &unused));
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [cmd, dir] if cmd == "write-inputs" => write_inputs(Path::new(dir)),
        [cmd, dir, n] if cmd == "write-large" => match size_arg(n) {
            Some(n) => write_large(Path::new(dir), n),
            None => {
                eprintln!("profile: write-large takes a size (10k, 100k, 1m or a number)\n{USAGE}");
                ExitCode::from(2)
            }
        },
        [which] => oneshot(which, 1),
        [which, flag, n] if flag == "--repeat" => match n.parse() {
            Ok(n) if n > 0 => oneshot(which, n),
            _ => {
                eprintln!("profile: --repeat takes a positive number, not `{n}`\n{USAGE}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
