//! The inputs the refiner benchmarks and the profiler time: a policy and its findings over
//! a catalog, ready for `resolve` + `refine`. Random choices come from the shared
//! [`Rng`] with a fixed seed, so every run refines the same inputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iam_refine::{refine, ActionKey, Catalog, Effect, Findings, Pattern, Policy, Refinement};
use iam_refine_tests::{corpus, corpus_policy, Rng};

use crate::synthetic::{largest_service, SEED};

/// `Action: "*"` on every resource.
pub const STAR_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

/// The workspace root (this package is `benches/`).
pub fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

pub fn parse_policy(text: &str, what: &str) -> Policy {
    Policy::parse(text).unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// A policy and findings over a catalog.
pub struct Scenario {
    pub policy: Policy,
    pub findings: Findings,
    /// Catalog actions the policy allows (the throughput unit).
    pub elements: usize,
}

impl Scenario {
    /// What is timed: the findings resolved against the catalog, then the refinement.
    pub fn run(&self, catalog: &Catalog) -> Refinement {
        let unused = self.findings.resolve(catalog);
        refine(&self.policy, &unused)
    }
}

/// The catalog actions some Allow statement of `policy` allows (brute force over the
/// catalog, with the library's own matcher: this is set-up, not what is measured),
/// ascending.
pub fn allowed(catalog: &Catalog, policy: &Policy) -> Vec<usize> {
    let mut out = Vec::new();
    for s in &policy.statements {
        if s.effect != Effect::Allow {
            continue;
        }
        let patterns: Vec<Pattern> = s.patterns.iter().map(|p| Pattern::new(p)).collect();
        match s.key {
            ActionKey::Action => {
                for p in &patterns {
                    out.extend(
                        catalog
                            .prefix_range(p.literal_prefix())
                            .filter(|&i| p.matches(catalog.lower(i))),
                    );
                }
            }
            ActionKey::NotAction => out.extend(
                (0..catalog.len())
                    .filter(|&i| !patterns.iter().any(|p| p.matches(catalog.lower(i)))),
            ),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// `ceil(fraction * len)` of `items`, chosen uniformly without replacement, ascending.
pub fn sample(items: &[usize], fraction: f64, rng: &mut Rng) -> Vec<usize> {
    let k = ((items.len() as f64) * fraction).ceil() as usize;
    rng.sample(items, k)
}

pub fn findings_for(catalog: &Catalog, unused: &[usize]) -> Findings {
    let names: Vec<String> = unused
        .iter()
        .map(|&i| catalog.name(i).to_string())
        .collect();
    Findings::from_names::<String>(&names, &[])
}

/// Findings JSON in the simple shape the CLI accepts, grouped by service.
pub fn findings_json(catalog: &Catalog, unused: &[usize]) -> String {
    let mut by_service: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for &i in unused {
        let service = catalog.service(i);
        by_service
            .entry(service)
            .or_default()
            .push(&catalog.name(i)[service.len() + 1..]);
    }
    let list: Vec<serde_json::Value> = by_service
        .into_iter()
        .map(|(s, a)| serde_json::json!({"serviceNamespace": s, "actions": a}))
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_default()
}

/// `examples/policy.json` with `examples/unused.json`.
pub fn example_scenario() -> Scenario {
    let policy = parse_policy(
        &read(&root().join("examples/policy.json")),
        "examples/policy.json",
    );
    let findings = Findings::parse(&read(&root().join("examples/unused.json")))
        .unwrap_or_else(|e| panic!("examples/unused.json: {e}"));
    Scenario {
        policy,
        findings,
        elements: 1,
    }
}

/// `policy` with `fraction` of the catalog actions it allows unused; also returns those.
pub fn fraction_scenario(
    catalog: &Catalog,
    policy: Policy,
    fraction: f64,
    seed: u64,
) -> (Scenario, Vec<usize>) {
    let allowed = allowed(catalog, &policy);
    let unused = sample(&allowed, fraction, &mut Rng(seed));
    let findings = findings_for(catalog, &unused);
    (
        Scenario {
            policy,
            findings,
            elements: allowed.len(),
        },
        unused,
    )
}

/// The corpus's `ReadOnlyAccess` with 10 % of what it allows unused.
pub fn readonly_scenario(catalog: &Catalog) -> (Scenario, Vec<usize>) {
    let policy = parse_policy(&corpus_policy("ReadOnlyAccess").text(), "ReadOnlyAccess");
    fraction_scenario(catalog, policy, 0.10, SEED)
}

/// `Action: "*"` with `fraction` of the catalog unused.
pub fn star_scenario(catalog: &Catalog, fraction: f64) -> (Scenario, Vec<usize>) {
    fraction_scenario(catalog, parse_policy(STAR_POLICY, "star"), fraction, SEED)
}

/// `svcX:*` for the largest service, 10 % of it unused.
pub fn service_scenario(catalog: &Catalog) -> (Scenario, String) {
    let (service, range) = largest_service(catalog);
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "{service}:*", "Resource": "*"}}]}}"#
    );
    let (s, _) = fraction_scenario(catalog, parse_policy(&text, "service"), 0.10, SEED);
    assert_eq!(s.elements, range.len());
    (s, service)
}

/// Every corpus policy with 10 % (rounded up) of what it allows unused.
pub fn corpus_scenarios(catalog: &Catalog) -> Vec<Scenario> {
    let mut rng = Rng(SEED);
    corpus()
        .iter()
        .map(|p| {
            let policy = parse_policy(&p.text(), &p.name);
            let seed = rng.next_u64();
            fraction_scenario(catalog, policy, 0.10, seed).0
        })
        .collect()
}
