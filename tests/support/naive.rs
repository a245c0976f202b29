//! A naive refiner, for measurements and corpus tests only (the real one is the `iam-refine`
//! crate): in each Allow statement with `Action`, a pattern that allows no unused catalog
//! action is kept; a trailing-wildcard pattern `prefix*` that does is replaced by the highest
//! `q*` (q extending prefix, cut at any character) whose catalog actions are all kept, or by
//! literal names; other wildcards become literal lists. Statements left empty are dropped.

use iam_refine_verify::{glob_match, Unused};
use serde_json::{json, Value};

pub use crate::document::{action_list, statements};

/// The catalog entries a pattern can match: those starting with its literal prefix (binary
/// search in the lower-cased sorted catalog), then the glob matcher.
pub struct Index {
    sorted: Vec<(String, String)>, // (lower-case, as written)
}

impl Index {
    pub fn new(catalog: &[String]) -> Index {
        let mut sorted: Vec<(String, String)> = catalog
            .iter()
            .map(|c| (c.to_ascii_lowercase(), c.clone()))
            .collect();
        sorted.sort();
        Index { sorted }
    }

    pub fn matching(&self, pattern: &str) -> Vec<&String> {
        let low = pattern.to_ascii_lowercase();
        let lp = &low[..low.find(['*', '?']).unwrap_or(low.len())];
        let start = self.sorted.partition_point(|(l, _)| l.as_str() < lp);
        self.sorted[start..]
            .iter()
            .take_while(|(l, _)| l.starts_with(lp))
            .filter(|(l, _)| glob_match(&low, l))
            .map(|(_, c)| c)
            .collect()
    }
}

/// Pick findings: every `every`-th catalog action some Allow statement allows.
pub fn pick_unused(doc: &Value, index: &Index, every: usize) -> Unused {
    if every == 0 {
        return Unused::default();
    }
    let mut allowed = std::collections::BTreeSet::new();
    for s in statements(doc) {
        if s["Effect"] == "Allow" {
            for p in action_list(&s) {
                allowed.extend(index.matching(&p));
            }
        }
    }
    crate::plain_unused(
        allowed.into_iter().step_by(every).cloned().collect(),
        vec![],
    )
}

/// The naive refinement: in each Allow statement with `Action`, a pattern that allows no
/// unused catalog action is kept; a wildcard pattern `prefix*` that does is replaced by the
/// highest `q*` (q extending prefix, cut at any character) whose catalog actions are all
/// kept, or by literal names; other wildcards become literal lists. Statements left empty
/// are dropped. (Stand-in for the real refiner, which cuts at CamelCase boundaries.)
pub fn naive_refine(doc: &Value, index: &Index, unused: &Unused) -> Value {
    let unused_set: std::collections::HashSet<String> = unused
        .actions
        .iter()
        .map(|u| u.to_ascii_lowercase())
        .collect();
    let is_unused = |x: &str| unused_set.contains(&x.to_ascii_lowercase());
    let mut out = Vec::new();
    for stmt in statements(doc) {
        if stmt["Effect"] != "Allow" || stmt.get("Action").is_none() {
            out.push(stmt);
            continue;
        }
        let mut new = Vec::<String>::new();
        for p in action_list(&stmt) {
            let matched = index.matching(&p);
            if !matched.iter().any(|x| is_unused(x)) {
                new.push(p);
                continue;
            }
            let kept: Vec<&String> = matched.iter().copied().filter(|x| !is_unused(x)).collect();
            if p.ends_with('*') && !p[..p.len() - 1].contains(['*', '?']) {
                compress(&p[..p.len() - 1], &matched, &is_unused, &mut new);
            } else {
                new.extend(kept.iter().map(|s| s.to_string()));
            }
        }
        if new.is_empty() {
            continue;
        }
        let mut stmt = stmt.clone();
        stmt["Action"] = json!(new);
        out.push(stmt);
    }
    json!({"Version": "2012-10-17", "Statement": out})
}

fn compress(
    prefix: &str,
    matched: &[&String],
    is_unused: &dyn Fn(&str) -> bool,
    out: &mut Vec<String>,
) {
    let lp = prefix.to_ascii_lowercase();
    let under: Vec<&String> = matched
        .iter()
        .copied()
        .filter(|x| x.to_ascii_lowercase().starts_with(&lp))
        .collect();
    if under.is_empty() {
        return;
    }
    if !under.iter().any(|x| is_unused(x)) {
        out.push(format!("{prefix}*"));
        return;
    }
    // exact name equal to the prefix
    for x in &under {
        if x.len() == prefix.len() && !is_unused(x) {
            out.push(x.to_string());
        }
    }
    let mut next: Vec<String> = under
        .iter()
        .filter(|x| x.len() > prefix.len())
        .map(|x| format!("{prefix}{}", &x[prefix.len()..prefix.len() + 1]))
        .collect();
    next.sort_by_key(|s| s.to_ascii_lowercase());
    next.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    for n in next {
        compress(&n, &under, is_unused, out);
    }
}
