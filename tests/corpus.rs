//! Every AWS managed policy of `../shared/corpus/aws-managed-policies`, refined under
//! random findings (seeded by file name), checked against the brute-force model.
//!
//! Without the corpus the test skips with a message, except under `CI`, where the corpus
//! must be there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use iam_refine::{refine, Catalog, Findings, Policy};
use iam_refine_tests::{
    check, corpus_files, on_two_threads, random_findings, seed_of, tag_statements, Model, Rng,
    UnusedSet,
};

struct Case {
    name: String,
    /// Names this case knows that the catalog does not: its literal entries and its
    /// invented unused actions. Other cases' names are not part of its universe.
    extra: Vec<String>,
    policy: Policy,
    findings: Findings,
    unused: UnusedSet,
}

#[test]
fn every_corpus_policy_refines_and_passes_the_model() {
    let Some(files) = corpus_files() else { return };
    let catalog = Catalog::embedded();
    let base = Model::new(&catalog, Vec::new());
    let mut cases = Vec::new();
    for f in &files {
        let name = f
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(f).expect("read policy");
        let parsed = Policy::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let tagged = tag_statements(&parsed.to_value());
        let policy = Policy::parse(&tagged.to_string()).expect("tagged policy parses");
        let mut extra = Vec::new();
        for s in &policy.statements {
            extra.extend(
                s.patterns
                    .iter()
                    .filter(|p| !p.contains(['*', '?']))
                    .cloned(),
            );
        }
        let mut rng = Rng(seed_of(&name));
        let (findings, unused) = random_findings(&base, &policy, &mut rng);
        extra.extend(unused.actions.iter().cloned());
        let findings =
            Findings::parse(&findings.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
        cases.push(Case {
            name,
            extra,
            policy,
            findings,
            unused,
        });
    }
    let failures: Vec<String> = on_two_threads(&cases, |c| {
        let refinement = refine(&c.policy, &c.findings.resolve(&catalog));
        let model = Model::new(&catalog, c.extra.iter().cloned());
        check(&model, &c.policy, &refinement, &c.unused)
            .err()
            .map(|e| format!("{}: {e}", c.name))
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(
        failures.is_empty(),
        "{} of {} policies fail:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
