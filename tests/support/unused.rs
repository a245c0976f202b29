//! The unused names and services of a case, as the brute-force model reads them.

use std::collections::HashSet;

use iam_refine_verify::Unused;

use crate::glob::any_glob;

/// Unused names and wholly unused services, lower-cased, minus every string a keep pattern
/// matches (`--keep`: a difference of languages, over all strings).
#[derive(Clone, Debug, Default)]
pub struct UnusedSet {
    pub actions: HashSet<String>,
    pub services: HashSet<String>,
    /// Keep patterns as written.
    pub keep: Vec<String>,
}

impl UnusedSet {
    /// From the findings as plain data (any casing).
    pub fn of(unused: &Unused) -> UnusedSet {
        UnusedSet {
            actions: unused
                .actions
                .iter()
                .map(|a| a.to_ascii_lowercase())
                .collect(),
            services: unused
                .services
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
            keep: unused.keep.clone(),
        }
    }

    /// Is `name` (any casing) unused: named, or in a wholly unused service, and matched by
    /// no keep pattern?
    pub fn contains(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        let named = self.actions.contains(&lower)
            || lower
                .split_once(':')
                .is_some_and(|(s, _)| self.services.contains(s));
        named && !self.kept(&lower)
    }

    /// Does a keep pattern match `name`?
    pub fn kept(&self, name: &str) -> bool {
        any_glob(&self.keep, name)
    }

    /// The same findings as the prover's plain data.
    pub fn to_unused(&self) -> Unused {
        let mut actions: Vec<String> = self.actions.iter().cloned().collect();
        let mut services: Vec<String> = self.services.iter().cloned().collect();
        actions.sort();
        services.sort();
        let mut unused = plain_unused(actions, services);
        unused.keep = self.keep.clone();
        unused
    }
}

/// The prover's plain findings data (built field by field, so a field added to `Unused`
/// later keeps its default).
#[allow(clippy::field_reassign_with_default)] // on purpose: see above
pub fn plain_unused(actions: Vec<String>, services: Vec<String>) -> Unused {
    let mut unused = Unused::default();
    unused.actions = actions;
    unused.services = services;
    unused
}
