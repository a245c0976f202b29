//! Refining one entry of an `Action` list, with a cache per normalized pattern.
//!
//! An entry's outcome depends only on its normalized text (equal texts, equal languages),
//! so a policy that repeats a pattern, in one statement or several, in any spelling, pays
//! for it once. Whether a general wildcard (`*x*y?*`) contains every name under a trie
//! node is read through its automaton along the sorted catalog ([`crate::nfa`]): a node
//! costs the characters after the prefix it shares with the node asked before.

use std::collections::HashMap;

use crate::dedupe::Item;
use crate::nfa::{Nfa, Union, Walker};
use crate::pattern::{normalize, Pattern, Shape};
use crate::trie::{self, Choice};

use super::{Outcome, Refiner};

/// General wildcards whose literal prefix leaves more catalog names than this are matched
/// against the catalog together ([`Union`]); below it, one by one.
const JOINT_FROM: usize = 512;
/// Patterns per joint pass: the union's bit set stays a few cache lines per character.
const JOINT_BATCH: usize = 64;

/// What refining the patterns of a policy found so far.
#[derive(Debug, Default)]
pub(super) struct Cache {
    /// Per normalized pattern, what refining it found.
    found: HashMap<String, Found>,
    /// Per normalized general wildcard, the catalog positions it matches, ascending.
    matched: HashMap<String, Vec<usize>>,
}

/// What refining one normalized pattern found, to replay for its repeats.
#[derive(Debug, Clone)]
pub(super) struct Found {
    outcome: Outcome,
    /// Catalog positions it stops allowing.
    removed: Vec<usize>,
    /// Unknown unused names it stops allowing.
    removed_unknown: Vec<String>,
    warning: Option<Warning>,
}

#[derive(Debug, Clone, Copy)]
enum Warning {
    NotInCatalog,
    MatchesNothing,
    OnlyUnknownUnused,
}

impl Refiner<'_, '_> {
    /// Matches the general wildcards of `patterns` that reach far into the catalog, in
    /// joint passes, for [`Refiner::refine_entry`] to use.
    pub(super) fn match_jointly(&mut self, patterns: &[String]) {
        let catalog = self.catalog;
        let mut todo: Vec<(String, std::ops::Range<usize>)> = Vec::new();
        for raw in patterns {
            let (norm, lit, shape) = normalize(raw);
            if shape != Shape::General
                || self.cache.found.contains_key(&norm)
                || self.cache.matched.contains_key(&norm)
                || todo.iter().any(|(n, _)| *n == norm)
            {
                continue;
            }
            let range = catalog.prefix_range(&norm[..lit]);
            if range.len() >= JOINT_FROM {
                todo.push((norm, range));
            }
        }
        for batch in todo.chunks(JOINT_BATCH) {
            let patterns: Vec<Pattern> = batch.iter().map(|(n, _)| Pattern::new(n)).collect();
            let refs: Vec<&Pattern> = patterns.iter().collect();
            let union = Union::new(&refs);
            let start = batch.iter().map(|(_, r)| r.start).min().unwrap_or(0);
            let end = batch.iter().map(|(_, r)| r.end).max().unwrap_or(0);
            let mut lists: Vec<Vec<usize>> = vec![Vec::new(); batch.len()];
            union.each_match((start..end).map(|i| catalog.lower(i)), |k, j| {
                lists[j].push(start + k);
            });
            for ((norm, _), list) in batch.iter().zip(lists) {
                self.cache.matched.insert(norm.clone(), list);
            }
        }
    }

    pub(super) fn refine_entry(&mut self, n: usize, pattern: &Pattern) -> Outcome {
        let found = if let Some(found) = self.cache.found.get(pattern.normalized()) {
            found.clone()
        } else {
            let found = self.find(pattern);
            self.cache.matched.remove(pattern.normalized());
            self.cache
                .found
                .insert(pattern.normalized().to_string(), found.clone());
            found
        };
        self.removed.extend(&found.removed);
        self.removed_unknown
            .extend(found.removed_unknown.iter().cloned());
        if let Some(w) = found.warning {
            self.warnings.push(match w {
                Warning::NotInCatalog => {
                    format!("statement {n}: `{pattern}` is not in the catalog; kept as written")
                }
                Warning::MatchesNothing => format!(
                    "statement {n}: `{pattern}` matches no action in the catalog; kept as written"
                ),
                Warning::OnlyUnknownUnused => format!(
                    "statement {n}: `{pattern}` allows only unused actions the catalog does not know; removed"
                ),
            });
        }
        found.outcome
    }

    fn find(&self, pattern: &Pattern) -> Found {
        let catalog = self.catalog;
        let unused = self.unused;
        let mut found = Found {
            outcome: Outcome::Keep,
            removed: Vec::new(),
            removed_unknown: Vec::new(),
            warning: None,
        };
        if pattern.shape() == Shape::Literal {
            let name = pattern.normalized();
            if unused.contains(name) {
                match catalog.find(name) {
                    Some(i) => found.removed.push(i),
                    None => found.removed_unknown.push(name.to_string()),
                }
                found.outcome = Outcome::Drop;
            } else if catalog.find(name).is_none() {
                found.warning = Some(Warning::NotInCatalog);
            }
            return found;
        }

        let range = catalog.prefix_range(pattern.literal_prefix());
        let general = pattern.shape() == Shape::General;
        let nfa = general.then(|| Nfa::new(pattern));
        // Whether the pattern matches a name (the backtracking matcher is linear on
        // normalized patterns and fastest on short names); inside `range`, a prefix
        // pattern matches every name.
        let matches = |name: &str| pattern.matches(name);
        let joint = self.cache.matched.get(pattern.normalized());
        let matches_at = |i: usize| match joint {
            Some(list) => list.binary_search(&i).is_ok(),
            None => !general || matches(catalog.lower(i)),
        };
        let unused_hit: Vec<usize> = unused
            .indices_in(range.clone())
            .iter()
            .copied()
            .filter(|&i| matches_at(i))
            .collect();
        let extras_hit: Vec<&str> = unused
            .extras_with_prefix(if general {
                ""
            } else {
                pattern.literal_prefix()
            })
            .iter()
            .filter(|e| {
                if e.service_marker {
                    // A service kept in part is hit unless one keep pattern covers the
                    // whole pattern (`covers` may say no wrongly, never yes).
                    pattern.may_match_prefix(&e.lower)
                        && !(e.partly_kept
                            && unused.keep_patterns().iter().any(|k| k.covers(pattern)))
                } else {
                    matches(&e.lower)
                }
            })
            .map(|e| e.lower.as_str())
            .collect();
        // Service markers also sort before their service's names, so a prefix pattern
        // inside an unused service must be caught by its service, not by the range.
        let in_unused_service = pattern
            .fixed_service()
            .is_some_and(|s| unused.service_unused(s));
        let in_partly_kept_service = pattern.fixed_service().is_some_and(|s| {
            unused.service_partly_kept(s)
                && !unused.keep_patterns().iter().any(|k| k.covers(pattern))
        });
        if unused_hit.is_empty()
            && extras_hit.is_empty()
            && !in_unused_service
            && !in_partly_kept_service
        {
            let none = match joint {
                Some(list) => list.is_empty(),
                None => !range.clone().any(matches_at),
            };
            if none {
                found.warning = Some(Warning::MatchesNothing);
            }
            return found;
        }
        found.removed.extend(&unused_hit);
        found.removed_unknown.extend(
            extras_hit
                .iter()
                .filter(|e| !e.ends_with(':'))
                .map(ToString::to_string),
        );
        if in_unused_service {
            found.outcome = Outcome::Drop;
            return found;
        }

        // Kept = matched minus unused, in catalog order.
        let mut hits = unused_hit.iter().peekable();
        let mut wanted = Vec::with_capacity(range.len().saturating_sub(unused_hit.len()));
        let mut keep = |i: usize| {
            while hits.peek().is_some_and(|&&h| h < i) {
                hits.next();
            }
            if hits.peek() != Some(&&i) {
                wanted.push(i);
            }
        };
        match joint {
            Some(list) => list.iter().copied().for_each(&mut keep),
            None => range.clone().filter(|&i| matches_at(i)).for_each(&mut keep),
        }
        let any_match = !wanted.is_empty() || !unused_hit.is_empty();
        let lit = pattern.literal_prefix();
        let mut eligible = nfa.as_ref().map(Walker::new);
        let choices = trie::select(
            catalog,
            wanted,
            |name| match &mut eligible {
                Some(walker) => walker.first_every(name),
                None => name.starts_with(lit).then_some(lit.len()),
            },
            |prefix, range| !unused.any_in(range) && !unused.unused_beyond_catalog(prefix),
        );
        // Names the catalog does not know but the policy does: kept where the entry
        // allowed them and no new entry does.
        let mut unknown: Vec<(&str, &str)> = Vec::new();
        for (lower, written) in &self.unknown_kept {
            let covered = |c: &Choice| match c {
                Choice::Exact(_) => false,
                Choice::Prefix { .. } => lower.starts_with(c.lower_prefix(catalog)),
            };
            if matches(lower) && !choices.iter().any(covered) {
                unknown.push((lower, written));
            }
        }
        if choices.is_empty() && unknown.is_empty() {
            if !any_match {
                found.warning = Some(Warning::OnlyUnknownUnused);
            }
            found.outcome = Outcome::Drop;
            return found;
        }
        // Sorted by lower-cased text, then by text: the choices come sorted already.
        let mut items: Vec<(&str, Item)> = choices
            .into_iter()
            .map(|c| (c.lower_prefix(catalog), Item::Chosen(c)))
            .collect();
        if !unknown.is_empty() {
            items.extend(
                unknown
                    .into_iter()
                    .map(|(lower, written)| (lower, Item::Written(written.to_string()))),
            );
            items.sort_by(|(a, x), (b, y)| {
                a.cmp(b)
                    .then_with(|| x.render(catalog).cmp(&y.render(catalog)))
            });
        }
        found.outcome = Outcome::Replace(items.into_iter().map(|(_, item)| item).collect());
        found
    }
}
