//! Every AWS managed policy of `../shared/corpus/aws-managed-policies`, refined under
//! random findings (seeded by file name), checked against the brute-force model.
//!
//! Without the corpus the test skips with a message, except under `CI`, where the corpus
//! must be there.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use common::{check, tag_statements, Model, Rng, UnusedSet};
use iam_refine::policy::{ActionKey, Effect};
use iam_refine::{refine, Catalog, Findings, Policy};
use serde_json::{json, Value};

pub fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/aws-managed-policies");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "the corpus is missing at {} (required when CI is set)",
            dir.display()
        );
    }
    eprintln!("skipping: no corpus at {}", dir.display());
    None
}

struct Case {
    name: String,
    /// Names this case knows that the catalog does not: its literal entries and its
    /// invented unused actions. Other cases' names are not part of its universe.
    extra: Vec<String>,
    policy: Policy,
    findings: Findings,
    unused: UnusedSet,
}

fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Findings that name a random share of what the policy allows, sometimes a whole
/// service, sometimes an action the catalog does not know.
fn random_findings(model: &Model, policy: &Policy, rng: &mut Rng) -> (Value, UnusedSet) {
    let mut allowed: Vec<usize> = Vec::new();
    for s in &policy.statements {
        if s.effect == Effect::Allow && s.key == ActionKey::Action {
            for p in &s.patterns {
                allowed.extend(
                    model
                        .matches(p)
                        .into_iter()
                        .filter(|&i| i < model.catalog_len),
                );
            }
        }
    }
    allowed.sort_unstable();
    allowed.dedup();
    let p = [0.02, 0.1, 0.5, 1.0][rng.below(4)];
    let mut by_service: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for &i in &allowed {
        if rng.chance(p) {
            let (s, a) = model.names[i]
                .split_once(':')
                .expect("catalog names have a service");
            by_service
                .entry(s.to_string())
                .or_default()
                .push(a.to_string());
        }
    }
    let mut unused = UnusedSet {
        actions: HashSet::new(),
        services: HashSet::new(),
    };
    let mut entries = Vec::new();
    let services: Vec<String> = by_service.keys().cloned().collect();
    for (s, mut actions) in by_service {
        if rng.chance(0.05) {
            unused.services.insert(s.clone());
            entries.push(json!({"serviceNamespace": s}));
            continue;
        }
        if rng.chance(0.1) {
            actions.push(format!("{}Next", actions[0]));
        }
        for a in &actions {
            unused
                .actions
                .insert(format!("{s}:{a}").to_ascii_lowercase());
        }
        entries.push(json!({"serviceNamespace": s, "actions": actions}));
    }
    if services.is_empty() && rng.chance(0.5) {
        entries.push(json!({"serviceNamespace": "sqs", "actions": ["SendMessage"]}));
        unused.actions.insert("sqs:sendmessage".into());
    }
    (Value::Array(entries), unused)
}

#[test]
fn every_corpus_policy_refines_and_passes_the_model() {
    let Some(dir) = corpus_dir() else { return };
    let catalog = Catalog::embedded();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read corpus dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() > 1_000, "only {} corpus files", files.len());

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
    let (a, b) = cases.split_at(cases.len() / 2);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let first = scope.spawn(|| run_chunk(a, &catalog));
        let mut f = run_chunk(b, &catalog);
        f.extend(first.join().expect("worker"));
        f
    });
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

fn run_chunk(chunk: &[Case], catalog: &Catalog) -> Vec<String> {
    let mut failures = Vec::new();
    for c in chunk {
        let model = &Model::new(catalog, c.extra.iter().cloned());
        let unused = c.findings.resolve(catalog);
        let refinement = refine(&c.policy, &unused);
        if let Err(e) = check(model, &c.policy, &refinement, &c.unused) {
            failures.push(format!("{}: {e}", c.name));
        }
    }
    failures
}
