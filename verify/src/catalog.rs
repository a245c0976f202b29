//! The action catalog as the prover reads it: validated, lower-cased, grouped by namespace,
//! plus the wildcard-free names the original policy writes.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::VerifyError;
use crate::policy::{self, Statement};
use crate::scope::namespace_of;

/// The catalog, lower-cased and grouped by namespace, plus the wildcard-free names written in
/// the original policy.
pub(crate) struct Catalog {
    pub by_namespace: BTreeMap<String, BTreeSet<String>>,
    /// Literal names from the original policy without a `:` (junk, but still checked).
    pub no_namespace: BTreeSet<String>,
    pub total: usize,
}

impl Catalog {
    pub fn new(catalog: &[String], original: &[Statement]) -> Result<Catalog, VerifyError> {
        let mut by_namespace: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut no_namespace = BTreeSet::new();
        for entry in catalog {
            if let Some(c) = policy::first_unsupported(entry) {
                return Err(VerifyError::UnsupportedCharacter {
                    what: "catalog entry".to_string(),
                    text: entry.clone(),
                    character: c,
                });
            }
            let low = entry.to_ascii_lowercase();
            match namespace_of(&low) {
                Some(ns) if !ns.is_empty() => {
                    by_namespace.entry(ns.to_string()).or_default().insert(low);
                }
                _ => {
                    return Err(VerifyError::InvalidInput {
                        what: "catalog entry",
                        text: entry.clone(),
                        reason: "expected `service:Action`",
                    })
                }
            }
        }
        for p in original.iter().flat_map(|s| &s.patterns) {
            if p.wildcard {
                continue;
            }
            match namespace_of(&p.low) {
                Some(ns) => {
                    by_namespace
                        .entry(ns.to_string())
                        .or_default()
                        .insert(p.low.clone());
                }
                None => {
                    no_namespace.insert(p.low.clone());
                }
            }
        }
        let total = by_namespace.values().map(BTreeSet::len).sum::<usize>() + no_namespace.len();
        Ok(Catalog {
            by_namespace,
            no_namespace,
            total,
        })
    }

    pub fn contains(&self, action: &str) -> bool {
        let low = action.to_ascii_lowercase();
        match namespace_of(&low) {
            Some(ns) => self.by_namespace.get(ns).is_some_and(|s| s.contains(&low)),
            None => self.no_namespace.contains(&low),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &String> {
        self.by_namespace
            .values()
            .flatten()
            .chain(&self.no_namespace)
    }

    /// The catalog namespaces some pattern of `stmt` can touch (all of them for `NotAction`
    /// statements, whose complement reaches everywhere).
    pub fn touched<'c>(&'c self, stmt: &Statement, into: &mut BTreeSet<&'c str>) {
        for ns in self.by_namespace.keys() {
            if stmt.not_action || stmt.patterns.iter().any(|p| p.touches(ns)) {
                into.insert(ns);
            }
        }
    }
}
