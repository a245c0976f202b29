//! The brute-force judgement of a refinement: what the refiner promises, checked name by
//! name over the model's universe.

use std::collections::{BTreeSet, HashMap};

use iam_refine::{ActionKey, Effect, Policy, Refinement, Statement};
use serde_json::Value;

use crate::glob::{contains_prefix, entry_contained, glob, literal_prefix};
use crate::universe::Model;
use crate::unused::UnusedSet;
use crate::words::word_prefixes;

/// Tags every statement with a unique `TestId` key so original and refined statements
/// pair up unambiguously (the refiner keeps keys it does not interpret).
pub fn tag_statements(policy: &Value) -> Value {
    let mut v = policy.clone();
    match &mut v["Statement"] {
        Value::Array(items) => {
            for (i, s) in items.iter_mut().enumerate() {
                s["TestId"] = Value::from(i);
            }
        }
        Value::Object(o) => {
            o.insert("TestId".into(), Value::from(0));
        }
        _ => {}
    }
    v
}

fn test_id(p: &Policy, k: usize) -> Option<u64> {
    p.statements[k].to_value()["TestId"].as_u64()
}

/// Checks a refinement of a tagged policy against the model; `Err` says what is wrong.
///
/// - exactness: over the whole universe, each refined statement allows exactly what its
///   original allowed minus the unused actions (a removed statement allowed nothing else);
/// - Deny statements are unchanged;
/// - containment: every entry written in place of an original one is contained, over all
///   strings, in some entry of the original statement;
/// - least generalization: the word-prefix parent of every new wildcard is unsafe or not
///   contained, and no new wildcard covers a single catalog action.
pub fn check(
    model: &Model,
    original: &Policy,
    refinement: &Refinement,
    unused: &UnusedSet,
) -> Result<(), String> {
    let refined = &refinement.policy;
    if refinement.detach != refined.statements.is_empty() {
        return Err("detach flag disagrees with the statements".into());
    }
    let unused_positions = model.unused_positions(unused);
    let mut j = 0;
    for (i, o) in original.statements.iter().enumerate() {
        let id = test_id(original, i);
        let r = if j < refined.statements.len() && test_id(refined, j) == id {
            j += 1;
            Some(&refined.statements[j - 1])
        } else {
            None
        };
        let n = i + 1;
        if o.effect == Effect::Deny {
            if r != Some(o) {
                return Err(format!("statement {n}: Deny statement changed or removed"));
            }
            continue;
        }
        if let Some(r) = r {
            if r.key != o.key {
                return Err(format!("statement {n}: action key changed"));
            }
        }
        exact(model, n, o, r, unused, &unused_positions)?;
        let Some(r) = r else { continue };
        match o.key {
            ActionKey::Action => check_new_entries(model, n, &o.patterns, &r.patterns, unused)?,
            ActionKey::NotAction => {
                for e in &o.patterns {
                    let kept = r
                        .patterns
                        .iter()
                        .any(|f| f.eq_ignore_ascii_case(e) || entry_contained(f, e) == Some(true));
                    if !kept {
                        return Err(format!("statement {n}: NotAction entry `{e}` lost"));
                    }
                }
            }
        }
    }
    if j != refined.statements.len() {
        return Err("refined policy has statements with no original".into());
    }
    Ok(())
}

/// Exactness of one statement over the universe. Only the names some pattern of either
/// statement matches, and the unused names, can tell the two sides apart: elsewhere both
/// allow nothing (`Action`) or everything not unused (`NotAction`).
fn exact(
    model: &Model,
    n: usize,
    o: &Statement,
    r: Option<&Statement>,
    unused: &UnusedSet,
    unused_positions: &[usize],
) -> Result<(), String> {
    let not = o.key == ActionKey::NotAction;
    let before_hits = model.matched(&o.patterns);
    let after_hits = r.map(|r| model.matched(&r.patterns)).unwrap_or_default();
    let mut candidates: BTreeSet<usize> = before_hits.iter().chain(&after_hits).copied().collect();
    if not {
        candidates.extend(unused_positions);
        if r.is_none() {
            // Removed: every name outside the candidates is allowed before and not after.
            if let Some(u) = (0..model.len()).find(|u| !candidates.contains(u)) {
                candidates.insert(u);
            }
        }
    }
    for u in candidates {
        let before = not != before_hits.binary_search(&u).is_ok();
        let after = r.is_some() && (not != after_hits.binary_search(&u).is_ok());
        let is_unused = unused.contains(model.lower(u));
        let want = before && !is_unused;
        if after != want {
            return Err(format!(
                "statement {n}: `{}` is {} but should {}be (original {before}, unused {is_unused})",
                model.name(u),
                if after { "allowed" } else { "not allowed" },
                if want { "" } else { "not " },
            ));
        }
    }
    Ok(())
}

fn check_new_entries(
    model: &Model,
    n: usize,
    original: &[String],
    refined: &[String],
    unused: &UnusedSet,
) -> Result<(), String> {
    // Whether a parent node is safe in a container depends on neither entry: many new
    // entries (`svc:*` for every service of a refined `*`) share one.
    let mut safe_parents: HashMap<(String, String), bool> = HashMap::new();
    for e in refined {
        if original.iter().any(|o| o == e) {
            continue;
        }
        // An entry that contains `e` has a literal prefix that `e`'s starts with (it
        // matches `e`'s own prefix and what follows it): a cheap necessary condition first.
        let lit = literal_prefix(e);
        let containers: Vec<&String> = original
            .iter()
            .filter(|o| lit.starts_with(&literal_prefix(o)))
            .filter(|o| entry_contained(o, e) == Some(true))
            .collect();
        if containers.is_empty() {
            return Err(format!(
                "statement {n}: new entry `{e}` is not contained in any original entry"
            ));
        }
        let Some(prefix) = e.strip_suffix('*') else {
            continue;
        };
        if prefix.contains(['*', '?']) {
            return Err(format!(
                "statement {n}: new entry `{e}` has an inner wildcard"
            ));
        }
        let covered = model.catalog_prefix_range(&prefix.to_ascii_lowercase());
        if covered.len() <= 1 {
            return Err(format!(
                "statement {n}: `{e}` covers {} catalog action(s); write it exactly",
                covered.len()
            ));
        }
        // The parent node: the longest word prefix shorter than `e` of the covered actions
        // that have `e` as a word prefix (names that only share it as a string do not count).
        let parents: BTreeSet<String> = covered
            .map(|i| word_prefixes(model.name(i)))
            .filter(|nodes| nodes.iter().any(|p| p.eq_ignore_ascii_case(prefix)))
            .filter_map(|nodes| nodes.into_iter().rfind(|p| p.len() < prefix.len()))
            .map(|p| p.to_ascii_lowercase())
            .collect();
        if parents.is_empty() {
            return Err(format!(
                "statement {n}: `{e}` is not a word prefix of any action it covers"
            ));
        }
        for parent in parents {
            for o in &containers {
                let safe = *safe_parents
                    .entry((parent.clone(), o.to_string()))
                    .or_insert_with(|| safe_in(model, o, &parent, unused));
                if safe {
                    return Err(format!(
                        "statement {n}: `{e}` has a safe, contained parent `{parent}*` in `{o}`: not the shortest"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Is the node `parent*` safe and contained in the original entry `o`: every string
/// starting with `parent` matched by `o`, and every name of the universe (and every unused
/// name or string of an unused service) starting with it kept?
///
/// Inside a wholly unused service with keep patterns, the strings of the service starting
/// with `parent` are all kept when one keep pattern matches every one of them: the
/// refiner's rule (patterns that cover them only together count as not covering, so the
/// refiner writes names there; that costs precision, never safety).
fn safe_in(model: &Model, o: &str, parent: &str, unused: &UnusedSet) -> bool {
    contains_prefix(o, parent)
        && model
            .with_prefix(parent)
            .all(|u| glob(o, model.lower(u)) && !unused.contains(model.lower(u)))
        && !unused
            .actions
            .iter()
            .any(|a| a.starts_with(parent) && !unused.kept(a))
        && !unused.services.iter().any(|s| {
            let marker = format!("{s}:");
            let reached = if marker.starts_with(parent) {
                marker
            } else if parent.starts_with(&marker) {
                parent.to_string()
            } else {
                return false;
            };
            !unused.keep.iter().any(|k| contains_prefix(k, &reached))
        })
}
