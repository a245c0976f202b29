//! The corpus of AWS managed policies vendored in `tests/data/aws-managed-policies.jsonl`
//! (see `tests/data/README.md`: source, licence, snapshot date, `scripts/update-corpus.py`),
//! and how big a sweep over it is.
//!
//! Every test and benchmark reads the corpus through [`corpus`]; a missing or malformed
//! file is a failure, never a skip. By default a sweep takes a fixed sample
//! ([`corpus_sample`]); with `IAM_REFINE_FULL=1` it takes every policy ([`full_sweep`]).

use std::sync::OnceLock;

use serde_json::Value;

use crate::rng::Rng;

/// The vendored corpus file.
pub const CORPUS_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/aws-managed-policies.jsonl"
);

/// One AWS managed policy: its name and what `aws iam get-policy-version` prints for it.
#[derive(Clone, Debug)]
pub struct CorpusPolicy {
    pub name: String,
    /// `{"PolicyVersion": {"Document": ..., "VersionId": ..., ...}}`.
    pub version: Value,
}

impl CorpusPolicy {
    /// The policy document, `PolicyVersion.Document`.
    pub fn document(&self) -> &Value {
        &self.version["PolicyVersion"]["Document"]
    }

    /// The `get-policy-version` output as JSON text, as it would be given to `iam-refine`.
    pub fn text(&self) -> String {
        self.version.to_string()
    }
}

/// Every policy of the corpus, sorted by name, read once per process.
///
/// # Panics
/// When the file is missing or malformed: the corpus travels with the project, so a test
/// that cannot read it has checked nothing and must fail.
pub fn corpus() -> &'static [CorpusPolicy] {
    static CORPUS: OnceLock<Vec<CorpusPolicy>> = OnceLock::new();
    CORPUS.get_or_init(|| load(CORPUS_FILE))
}

fn load(path: &str) -> Vec<CorpusPolicy> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("the corpus is missing: cannot read {path}: {e} (see tests/data/README.md)")
    });
    let mut policies = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut entry: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{path}:{}: not JSON: {e}", n + 1));
        let name = entry["name"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}:{}: no `name`", n + 1))
            .to_string();
        let version = entry["policy"].take();
        assert!(
            version["PolicyVersion"]["Document"].is_object(),
            "{path}:{}: {name} has no PolicyVersion.Document",
            n + 1
        );
        policies.push(CorpusPolicy { name, version });
    }
    assert!(
        policies.len() > 1_000,
        "{path}: only {} policies; expected the whole corpus",
        policies.len()
    );
    assert!(
        policies.windows(2).all(|w| w[0].name < w[1].name),
        "{path}: names are not sorted and unique"
    );
    policies
}

/// The corpus policy named `name`.
///
/// # Panics
/// When the corpus has no such policy.
pub fn corpus_policy(name: &str) -> &'static CorpusPolicy {
    let all = corpus();
    all.binary_search_by(|p| p.name.as_str().cmp(name))
        .map(|i| &all[i])
        .unwrap_or_else(|_| panic!("{name} is not in the corpus"))
}

/// Whether the long sweeps run in full: `IAM_REFINE_FULL` set to anything but `0` or empty.
pub fn full_sweep() -> bool {
    std::env::var("IAM_REFINE_FULL").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// `n` policies spread over the corpus (a fixed pseudo-random choice, the same on every
/// run), or every policy under [`full_sweep`]. `always` names policies that are in every
/// sample (the large or odd ones a sweep must not miss).
pub fn corpus_sample(n: usize, always: &[&str]) -> Vec<&'static CorpusPolicy> {
    let all = corpus();
    if full_sweep() {
        return all.iter().collect();
    }
    let mut picked: Vec<&CorpusPolicy> = always.iter().map(|n| corpus_policy(n)).collect();
    let rest: Vec<&CorpusPolicy> = all
        .iter()
        .filter(|p| !always.contains(&p.name.as_str()))
        .collect();
    let room = n.saturating_sub(picked.len());
    picked.extend(Rng(0x5EED_C0A9_0B05).sample(&rest, room));
    picked.sort_by(|a, b| a.name.cmp(&b.name));
    picked
}
