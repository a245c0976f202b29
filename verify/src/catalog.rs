//! The action catalog as the prover reads it: validated, lower-cased, sorted and
//! de-duplicated once ([`Names`]), so that "the names starting with a pattern's literal
//! prefix" is a range found by binary search; per verification, the wildcard-free names
//! the original policy writes that the catalog does not know are added ([`Catalog`]).

use crate::error::VerifyError;
use crate::policy::{self, Statement};

/// Sorted, distinct, lower-cased names, packed in one buffer (one allocation for the whole
/// catalog instead of one per name: preparing the 22,321 names of the embedded catalog was
/// a quarter of a whole `refine --verify` run).
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    text: String,
    /// Where name `i` ends in `text` (it starts where name `i - 1` ends).
    ends: Vec<usize>,
}

impl Names {
    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// The index of the first name not less than `s`.
    fn lower_bound(&self, s: &str) -> usize {
        let (mut lo, mut hi) = (0, self.ends.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.get(mid) < s {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The names starting with `prefix` (a contiguous range of the sorted list).
    pub fn with_prefix<'s>(&'s self, prefix: &str) -> impl Iterator<Item = &'s str> + 's {
        let start = self.lower_bound(prefix);
        let prefix = prefix.to_string();
        (start..self.len())
            .map(|i| self.get(i))
            .take_while(move |n| n.starts_with(prefix.as_str()))
    }

    pub fn contains(&self, low: &str) -> bool {
        let i = self.lower_bound(low);
        i < self.len() && self.get(i) == low
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i))
    }

    /// From lower-cased names in any order: packed, sorted and de-duplicated.
    fn from_names<'a>(names: impl Iterator<Item = &'a str>) -> Names {
        let mut packed = Names::default();
        for n in names {
            packed.text.push_str(n);
            packed.ends.push(packed.text.len());
        }
        packed.sorted()
    }

    fn sorted_lowered(mut self) -> Names {
        self.text.make_ascii_lowercase();
        self.sorted()
    }

    /// Sorted and de-duplicated; the sort is skipped when the names are already sorted and
    /// distinct, as a catalog's are.
    fn sorted(self) -> Names {
        if (1..self.len()).all(|i| self.get(i - 1) < self.get(i)) {
            return self;
        }
        let mut all: Vec<&str> = self.iter().collect();
        all.sort_unstable();
        all.dedup();
        let mut out = Names::default();
        for n in all {
            out.text.push_str(n);
            out.ends.push(out.text.len());
        }
        out
    }
}

/// The validated catalog (`service:Action` names), built once and shared.
pub(crate) fn prepare<'a>(
    catalog: impl IntoIterator<Item = &'a str>,
) -> Result<Names, VerifyError> {
    let mut text = String::new();
    let mut ends = Vec::new();
    for entry in catalog {
        // `service:` with a non-empty service
        if entry
            .bytes()
            .position(|b| b == b':')
            .is_none_or(|colon| colon == 0)
        {
            return Err(VerifyError::InvalidInput {
                what: "catalog entry",
                text: entry.to_string(),
                reason: "expected `service:Action`",
            });
        }
        text.push_str(entry);
        ends.push(text.len());
    }
    // The characters, all names at once (a loop without early exit, which the compiler
    // vectorises); the entry at fault is looked for only when there is one.
    if policy::any_unsupported_byte(text.as_bytes()) {
        let names = Names { text, ends };
        for entry in names.iter() {
            if let Some(c) = policy::first_unsupported(entry) {
                return Err(VerifyError::UnsupportedCharacter {
                    what: "catalog entry".to_string(),
                    text: entry.to_string(),
                    character: c,
                });
            }
        }
        return Ok(names.sorted_lowered());
    }
    Ok(Names { text, ends }.sorted_lowered())
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
            .map(|p| p.low.as_str());
        Catalog {
            known,
            extra: Names::from_names(extra),
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
    pub fn with_prefix<'s>(&'s self, prefix: &str) -> impl Iterator<Item = &'s str> + 's {
        self.known
            .with_prefix(prefix)
            .chain(self.extra.with_prefix(prefix))
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.known.iter().chain(self.extra.iter())
    }
}
