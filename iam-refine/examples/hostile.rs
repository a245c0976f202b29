//! Times the refinement of a policy IAM accepts but that is costly to match: 600 entries
//! like `*x*y*?*?*?*` (9 KB), with every 11th catalog action unused.
//!
//! `cargo run --release -p iam-refine --example hostile` prints the time of `refine` alone
//! (best of five) and the entries before and after.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a measurement tool

use std::time::{Duration, Instant};

use iam_refine::{refine, Catalog, Findings, Policy};

fn main() {
    let letters: Vec<char> = ('a'..='z').collect();
    let mut entries = Vec::new();
    for a in &letters {
        for b in &letters {
            if entries.len() < 600 {
                entries.push(format!("*{a}*{b}*?*?*?*"));
            }
        }
    }
    let doc = serde_json::json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": entries, "Resource": "*"}]})
    .to_string();
    let catalog = Catalog::embedded();
    let unused: Vec<String> = (0..catalog.len())
        .step_by(11)
        .map(|i| catalog.name(i).to_string())
        .collect();
    let findings = Findings::from_names(&unused, &[]);
    let resolved = findings.resolve(&catalog);
    let policy = Policy::parse(&doc).expect("the policy parses");
    let mut best = Duration::MAX;
    let mut after = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let r = refine(&policy, &resolved);
        best = best.min(t.elapsed());
        after = r.policy.statements[0].patterns.len();
    }
    println!(
        "{} bytes, 600 entries -> {after}: refine {:.3} s (best of 5)",
        doc.len(),
        best.as_secs_f64()
    );
}
