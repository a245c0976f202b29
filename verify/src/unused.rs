//! Access Analyzer's findings: as given ([`Unused`]) and as the prover reads them.

use std::collections::BTreeSet;

use crate::error::VerifyError;
use crate::policy;
use crate::scope::namespace_of;

/// Access Analyzer's unused-permission findings as plain data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unused {
    /// Unused actions, `service:Action`, any casing, possibly unknown to the catalog.
    pub actions: Vec<String>,
    /// Wholly unused service prefixes (`s3`): every `s3:...` string, known or not.
    pub services: Vec<String>,
}

/// The findings, validated and lower-cased.
pub(crate) struct UnusedSet {
    /// Lower-cased, deduplicated.
    pub names: BTreeSet<String>,
    /// Lower-cased service prefixes, no `:`.
    pub services: BTreeSet<String>,
}

impl UnusedSet {
    pub fn new(unused: &Unused) -> Result<UnusedSet, VerifyError> {
        let mut names = BTreeSet::new();
        for a in &unused.actions {
            if let Some(c) = policy::first_unsupported(a) {
                return Err(VerifyError::UnsupportedCharacter {
                    what: "unused action".to_string(),
                    text: a.clone(),
                    character: c,
                });
            }
            names.insert(a.to_ascii_lowercase());
        }
        let mut services = BTreeSet::new();
        for s in &unused.services {
            if let Some(c) = policy::first_unsupported(s) {
                return Err(VerifyError::UnsupportedCharacter {
                    what: "unused service".to_string(),
                    text: s.clone(),
                    character: c,
                });
            }
            if s.is_empty() || s.contains([':', '*', '?']) {
                return Err(VerifyError::InvalidInput {
                    what: "unused service",
                    text: s.clone(),
                    reason: "a service prefix must be non-empty and contain no `:`, `*` or `?`",
                });
            }
            services.insert(s.to_ascii_lowercase());
        }
        Ok(UnusedSet { names, services })
    }

    /// Reference semantics, for re-checks: plain string comparisons.
    pub fn contains(&self, action: &str) -> bool {
        let low = action.to_ascii_lowercase();
        self.names.contains(&low) || namespace_of(&low).is_some_and(|ns| self.services.contains(ns))
    }
}
