//! Random unused-permission findings for a policy, with the unused set the model judges by.

use std::collections::BTreeMap;

use iam_refine::{ActionKey, Effect, Policy};
use serde_json::{json, Value};

use crate::rng::Rng;
use crate::universe::Model;
use crate::unused::UnusedSet;

/// Findings that name a random share (2 %, 10 %, 50 % or all) of the catalog actions the
/// policy's Allow statements allow; now and then a whole service, or an action the catalog
/// does not know (`<known>Next`). Returns the findings JSON in the simple shape the CLI
/// reads (`[{"serviceNamespace": ..., "actions": [...]}]`) and what it names.
pub fn random_findings(model: &Model, policy: &Policy, rng: &mut Rng) -> (Value, UnusedSet) {
    let mut allowed: Vec<usize> = Vec::new();
    for s in &policy.statements {
        if s.effect == Effect::Allow && s.key == ActionKey::Action {
            allowed.extend(
                model
                    .matched(&s.patterns)
                    .into_iter()
                    .filter(|&i| i < model.catalog_len),
            );
        }
    }
    allowed.sort_unstable();
    allowed.dedup();
    let p = [0.02, 0.1, 0.5, 1.0][rng.below(4)];
    let mut by_service: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for &i in &allowed {
        if rng.chance(p) {
            let (s, a) = model
                .name(i)
                .split_once(':')
                .expect("catalog names have a service");
            by_service
                .entry(s.to_string())
                .or_default()
                .push(a.to_string());
        }
    }
    let mut unused = UnusedSet::default();
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
