//! The universe the brute-force model enumerates: every catalog name, plus the names a case
//! knows that the catalog does not (literal entries, invented unused actions).
//!
//! The catalog part is built once and shared ([`Model::with_extra`] adds a case's names in
//! microseconds); it is sorted by lower-cased name, so the names a pattern can match (those
//! starting with its literal prefix) are one binary search away and the glob runs only on
//! them.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

use iam_refine::{ActionKey, Catalog};

use crate::glob::{glob, literal_prefix};
use crate::unused::UnusedSet;

struct Names {
    /// Lower-cased, sorted, distinct.
    lower: Vec<String>,
    /// As the catalog writes them, parallel to `lower`.
    names: Vec<String>,
}

/// The catalog's names, indexed, plus a case's extra names. Positions `0..catalog_len` are
/// catalog names in lower-cased order; the extra names follow.
#[derive(Clone)]
pub struct Model {
    base: Arc<Names>,
    pub catalog_len: usize,
    extra_lower: Vec<String>,
    extra_names: Vec<String>,
}

impl Model {
    /// The catalog's names plus `extra_names` (those the catalog knows, in any casing, are
    /// not added twice). Builds the index: for many cases over one catalog, build it once
    /// and use [`Model::with_extra`].
    pub fn new(catalog: &Catalog, extra_names: impl IntoIterator<Item = String>) -> Model {
        let mut pairs: Vec<(String, String)> = (0..catalog.len())
            .map(|i| {
                let n = catalog.name(i).to_string();
                (n.to_ascii_lowercase(), n)
            })
            .collect();
        pairs.sort();
        pairs.dedup_by(|a, b| a.0 == b.0);
        let (lower, names) = pairs.into_iter().unzip();
        let base = Names { lower, names };
        let model = Model {
            catalog_len: base.lower.len(),
            base: Arc::new(base),
            extra_lower: Vec::new(),
            extra_names: Vec::new(),
        };
        model.with_extra(extra_names)
    }

    /// This model's catalog with other extra names (the index is shared, not rebuilt).
    pub fn with_extra(&self, extra_names: impl IntoIterator<Item = String>) -> Model {
        let mut model = Model {
            base: Arc::clone(&self.base),
            catalog_len: self.catalog_len,
            extra_lower: Vec::new(),
            extra_names: Vec::new(),
        };
        let mut seen = HashSet::new();
        for e in extra_names {
            let l = e.to_ascii_lowercase();
            if model.base_position(&l).is_none() && seen.insert(l.clone()) {
                model.extra_lower.push(l);
                model.extra_names.push(e);
            }
        }
        model
    }

    /// Number of names in the universe.
    pub fn len(&self) -> usize {
        self.catalog_len + self.extra_lower.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name at a universe position, as written.
    pub fn name(&self, u: usize) -> &str {
        match u.checked_sub(self.catalog_len) {
            None => &self.base.names[u],
            Some(k) => &self.extra_names[k],
        }
    }

    /// The name at a universe position, lower-cased.
    pub fn lower(&self, u: usize) -> &str {
        match u.checked_sub(self.catalog_len) {
            None => &self.base.lower[u],
            Some(k) => &self.extra_lower[k],
        }
    }

    fn base_position(&self, lower: &str) -> Option<usize> {
        self.base
            .lower
            .binary_search_by(|l| l.as_str().cmp(lower))
            .ok()
    }

    /// The universe position of a name (any casing), if it is in the universe.
    pub fn position(&self, name: &str) -> Option<usize> {
        let l = name.to_ascii_lowercase();
        self.base_position(&l).or_else(|| {
            self.extra_lower
                .iter()
                .position(|e| *e == l)
                .map(|k| self.catalog_len + k)
        })
    }

    /// Catalog positions whose names start with `lower_prefix` (lower-case).
    pub fn catalog_prefix_range(&self, lower_prefix: &str) -> Range<usize> {
        let lower = &self.base.lower;
        let start = lower.partition_point(|l| l.as_str() < lower_prefix);
        let len = lower[start..].partition_point(|l| l.starts_with(lower_prefix));
        start..start + len
    }

    /// Universe positions whose names start with `lower_prefix` (lower-case), ascending.
    pub fn with_prefix(&self, lower_prefix: &str) -> impl Iterator<Item = usize> + '_ {
        let lp = lower_prefix.to_string();
        let extra = self
            .extra_lower
            .iter()
            .enumerate()
            .filter(move |(_, l)| l.starts_with(&lp))
            .map(|(k, _)| self.catalog_len + k);
        self.catalog_prefix_range(lower_prefix).chain(extra)
    }

    /// Universe positions the pattern matches, ascending.
    pub fn matches(&self, pattern: &str) -> Vec<usize> {
        let low = pattern.to_ascii_lowercase();
        self.with_prefix(&literal_prefix(pattern))
            .filter(|&u| glob(&low, self.lower(u)))
            .collect()
    }

    /// Universe positions some pattern matches, ascending, distinct.
    pub fn matched<S: AsRef<str>>(&self, patterns: &[S]) -> Vec<usize> {
        let mut hits: Vec<usize> = patterns
            .iter()
            .flat_map(|p| self.matches(p.as_ref()))
            .collect();
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    /// Universe positions a statement's action list allows, as a mask.
    pub fn allowed<S: AsRef<str>>(&self, key: ActionKey, patterns: &[S]) -> Vec<bool> {
        let mut hit = vec![false; self.len()];
        for u in self.matched(patterns) {
            hit[u] = true;
        }
        if key == ActionKey::NotAction {
            hit.iter_mut().for_each(|h| *h = !*h);
        }
        hit
    }

    /// Universe positions that are unused (named, or in a wholly unused service, and not
    /// kept), ascending.
    pub fn unused_positions(&self, unused: &UnusedSet) -> Vec<usize> {
        let mut out: Vec<usize> = unused
            .actions
            .iter()
            .filter_map(|a| self.position(a))
            .collect();
        for s in &unused.services {
            out.extend(self.with_prefix(&format!("{s}:")));
        }
        out.retain(|&u| !unused.kept(self.lower(u)));
        out.sort_unstable();
        out.dedup();
        out
    }
}
