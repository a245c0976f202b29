//! Access Analyzer's findings: as given ([`Unused`]) and as the prover reads them.

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde_json::Map;

use crate::error::VerifyError;
use crate::policy::{self, Effect, Pattern, Statement};
use crate::scope::namespace_of;

/// Access Analyzer's unused-permission findings as plain data, minus what `keep` keeps.
///
/// The unused set is `(actions ∪ services) ∖ keep` over all strings, a difference of
/// languages and not of name lists: `services: ["s3"]` with `keep: ["s3:GetObject"]` is
/// every `s3:` string but `s3:getobject`, including the actions no catalog knows yet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unused {
    /// Unused actions, `service:Action`, any casing, possibly unknown to the catalog.
    pub actions: Vec<String>,
    /// Wholly unused service prefixes (`s3`): every `s3:...` string, known or not.
    pub services: Vec<String>,
    /// Action patterns (`--keep`, globs as in `Action`): no string one of them matches is
    /// unused, whatever `actions` and `services` say.
    pub keep: Vec<String>,
}

/// The findings, validated and lower-cased.
pub(crate) struct UnusedSet {
    /// Lower-cased, deduplicated, as the findings name them (kept ones too).
    pub names: BTreeSet<String>,
    /// Lower-cased service prefixes, no `:`.
    pub services: BTreeSet<String>,
    /// The keep patterns as one `Allow` / `Action` statement: a string it matches is not
    /// unused. With no pattern it matches nothing.
    pub keep: Statement,
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
        let mut keep = Vec::with_capacity(unused.keep.len());
        for k in &unused.keep {
            if let Some(c) = policy::first_unsupported(k) {
                return Err(VerifyError::UnsupportedCharacter {
                    what: "keep pattern".to_string(),
                    text: k.clone(),
                    character: c,
                });
            }
            keep.push(Pattern::new(k));
        }
        Ok(UnusedSet {
            names,
            services,
            keep: Statement::new(Effect::Allow, false, keep, Map::new()),
        })
    }

    /// Reference semantics, for re-checks: plain string comparisons and the glob matcher
    /// on the keep patterns as written.
    pub fn contains(&self, action: &str) -> bool {
        // Catalog names come lower-cased: no copy for them.
        let low: Cow<'_, str> = if action.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(action.to_ascii_lowercase())
        } else {
            Cow::Borrowed(action)
        };
        let found = self.names.contains(low.as_ref())
            || namespace_of(&low).is_some_and(|ns| self.services.contains(ns));
        found && !self.keep.matches(&low)
    }
}
