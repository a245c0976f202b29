//! The action catalog as the prover reads it: validated, lower-cased, sorted and
//! de-duplicated once ([`Names`]), so that "the names starting with a pattern's literal
//! prefix" is a range found by binary search; per verification, the wildcard-free names
//! the original policy writes that the catalog does not know are added ([`Catalog`]).

use crate::error::VerifyError;
use crate::policy::{self, Statement};
use crate::scope::namespace_of;

/// Sorted, distinct, lower-cased names.
#[derive(Clone, Debug, Default)]
pub(crate) struct Names(Vec<String>);

impl Names {
    /// The names starting with `prefix` (a contiguous range of the sorted list).
    pub fn with_prefix<'s>(&'s self, prefix: &str) -> &'s [String] {
        let start = self.0.partition_point(|n| n.as_str() < prefix);
        let len = self.0[start..].partition_point(|n| n.starts_with(prefix));
        &self.0[start..start + len]
    }

    pub fn contains(&self, low: &str) -> bool {
        self.0.binary_search_by(|n| n.as_str().cmp(low)).is_ok()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &String> {
        self.0.iter()
    }

    fn from_unsorted(mut names: Vec<String>) -> Names {
        names.sort_unstable();
        names.dedup();
        Names(names)
    }
}

/// The validated catalog (`service:Action` names), built once and shared.
pub(crate) fn prepare(catalog: &[String]) -> Result<Names, VerifyError> {
    let mut names = Vec::with_capacity(catalog.len());
    for entry in catalog {
        if let Some(c) = policy::first_unsupported(entry) {
            return Err(VerifyError::UnsupportedCharacter {
                what: "catalog entry".to_string(),
                text: entry.clone(),
                character: c,
            });
        }
        let low = entry.to_ascii_lowercase();
        if namespace_of(&low).is_none_or(str::is_empty) {
            return Err(VerifyError::InvalidInput {
                what: "catalog entry",
                text: entry.clone(),
                reason: "expected `service:Action`",
            });
        }
        names.push(low);
    }
    Ok(Names::from_unsorted(names))
}

/// The names T1 is checked over: the prepared catalog plus the wildcard-free names of the
/// original policy it does not know.
pub(crate) struct Catalog<'c> {
    pub known: &'c Names,
    pub extra: Names,
}

impl<'c> Catalog<'c> {
    pub fn new(known: &'c Names, original: &[Statement]) -> Catalog<'c> {
        let extra = original
            .iter()
            .flat_map(|s| &s.patterns)
            .filter(|p| !p.wildcard && !known.contains(&p.low))
            .map(|p| p.low.clone())
            .collect();
        Catalog {
            known,
            extra: Names::from_unsorted(extra),
        }
    }

    /// How many distinct names.
    pub fn total(&self) -> usize {
        self.known.len() + self.extra.len()
    }

    pub fn contains(&self, action: &str) -> bool {
        let low = action.to_ascii_lowercase();
        self.known.contains(&low) || self.extra.contains(&low)
    }

    /// Every name starting with `prefix`.
    pub fn with_prefix<'s>(&'s self, prefix: &str) -> impl Iterator<Item = &'s String> {
        self.known
            .with_prefix(prefix)
            .iter()
            .chain(self.extra.with_prefix(prefix))
    }

    pub fn iter(&self) -> impl Iterator<Item = &String> {
        self.known.iter().chain(self.extra.iter())
    }
}
