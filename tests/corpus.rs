//! Every AWS managed policy of the vendored corpus, refined under random findings (seeded
//! by its name), checked against the brute-force model: exactness over the catalog,
//! containment over all strings, shortest safe prefixes, Deny untouched.
//!
//! The model's index is built once for the whole sweep; each policy adds only its own names.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use iam_refine::{refine, Findings, Policy};
use iam_refine_tests::{
    catalog_model, check, corpus, embedded_catalog, par_map, random_findings, seed_of,
    tag_statements, Rng,
};

#[test]
fn every_corpus_policy_refines_and_passes_the_model() {
    let catalog = embedded_catalog();
    let base = catalog_model();
    let policies = corpus();
    let failures: Vec<String> = par_map(policies, |p| {
        let name = &p.name;
        // The policy parses as `get-policy-version` prints it ...
        Policy::parse(&p.text()).unwrap_or_else(|e| panic!("{name}: {e}"));
        // ... and, tagged so statements pair up, is refined.
        let tagged = tag_statements(p.document());
        let policy = Policy::parse(&tagged.to_string()).expect("tagged policy parses");
        let mut rng = Rng(seed_of(name));
        let (findings, unused) = random_findings(base, &policy, &mut rng);
        let findings =
            Findings::parse(&findings.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The case's universe: the catalog, its literal entries, its invented unused names.
        let literals = policy.statements.iter().flat_map(|s| {
            s.patterns
                .iter()
                .filter(|p| !p.contains(['*', '?']))
                .cloned()
        });
        let model = base.with_extra(literals.chain(unused.actions.iter().cloned()));
        let refinement = refine(&policy, &findings.resolve(catalog));
        check(&model, &policy, &refinement, &unused)
            .err()
            .map(|e| format!("{name}: {e}"))
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(
        failures.is_empty(),
        "{} of {} policies fail:\n{}",
        failures.len(),
        policies.len(),
        failures[..failures.len().min(10)].join("\n")
    );
}
