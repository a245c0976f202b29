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
        // Catalogs usually come lower-cased already: a fold without early exit (vectorised)
        // finds out for much less than lower-casing byte by byte.
        let upper = self
            .text
            .bytes()
            .fold(false, |upper, b| upper | b.is_ascii_uppercase());
        if upper {
            self.text.make_ascii_lowercase();
        }
        self.sorted()
    }

    /// Sorted and de-duplicated; the sort is skipped when the names are already sorted and
    /// distinct, as a catalog's are. The check compares byte slices walked in one pass (it
    /// was most of preparing the embedded catalog when each name was sliced twice as text).
    fn sorted(self) -> Names {
        let bytes = self.text.as_bytes();
        let (mut prev, mut start, mut in_order) = (None::<&[u8]>, 0, true);
        for &end in &self.ends {
            let name = &bytes[start..end];
            if prev.is_some_and(|p| p >= name) {
                in_order = false;
                break;
            }
            (prev, start) = (Some(name), end);
        }
        if in_order {
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
    let mut names = Names::default();
    for entry in catalog {
        names.text.push_str(entry);
        names.ends.push(names.text.len());
    }
    validated(names)
}

/// [`prepare`] from names packed back to back, name `i` being
/// `text[bounds[i]..bounds[i + 1]]`: one copy of the text instead of one push per name (the
/// per-name loop was a third of a whole `refine --verify` run on the README example).
pub(crate) fn prepare_packed(text: &str, bounds: &[u32]) -> Result<Names, VerifyError> {
    let malformed = |reason| VerifyError::InvalidInput {
        what: "packed catalog bounds",
        text: format!("{} bounds over {} bytes", bounds.len(), text.len()),
        reason,
    };
    let Some((&first, rest)) = bounds.split_first() else {
        return if text.is_empty() {
            Ok(Names::default())
        } else {
            Err(malformed("no bounds for a non-empty text"))
        };
    };
    if first != 0 {
        return Err(malformed("the first bound must be 0"));
    }
    let mut ends = Vec::with_capacity(rest.len());
    let mut previous = 0;
    for &bound in rest {
        let end = bound as usize;
        if end < previous || !text.is_char_boundary(end) {
            return Err(malformed("bounds must increase within the text"));
        }
        ends.push(end);
        previous = end;
    }
    if previous != text.len() {
        return Err(malformed("the last bound must be the text's length"));
    }
    validated(Names {
        text: text.to_string(),
        ends,
    })
}

/// Checks every name (`service:` with a non-empty service; printable ASCII without
/// backslash), then lower-cases, sorts and de-duplicates.
fn validated(names: Names) -> Result<Names, VerifyError> {
    let bytes = names.text.as_bytes();
    let mut start = 0;
    for &end in &names.ends {
        // the first `:` not at 0 (a byte loop: the service is short, and a memchr call per
        // name cost twice as much)
        if bytes[start..end]
            .iter()
            .position(|&b| b == b':')
            .is_none_or(|colon| colon == 0)
        {
            return Err(VerifyError::InvalidInput {
                what: "catalog entry",
                text: names.text[start..end].to_string(),
                reason: "expected `service:Action`",
            });
        }
        start = end;
    }
    // The characters, all names at once (a loop without early exit, which the compiler
    // vectorises); the entry at fault is looked for only when there is one.
    if policy::any_unsupported_byte(bytes) {
        for entry in names.iter() {
            if let Some(c) = policy::first_unsupported(entry) {
                return Err(VerifyError::UnsupportedCharacter {
                    what: "catalog entry".to_string(),
                    text: entry.to_string(),
                    character: c,
                });
            }
        }
    }
    Ok(names.sorted_lowered())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(names: &[&str]) -> (String, Vec<u32>) {
        let mut bounds = vec![0];
        let text: String = names.concat();
        let mut end = 0;
        for n in names {
            end += n.len() as u32;
            bounds.push(end);
        }
        (text, bounds)
    }

    #[test]
    fn packed_names_prepare_as_listed_ones() {
        for names in [
            &["a:x", "b:y", "c:z"][..],
            &["S3:GetObject", "s3:getobject", "ec2:Run", "a:B"],
            &[],
        ] {
            let (text, bounds) = packed(names);
            let ours = prepare_packed(&text, &bounds).unwrap();
            let theirs = prepare(names.iter().copied()).unwrap();
            assert_eq!(
                ours.iter().collect::<Vec<_>>(),
                theirs.iter().collect::<Vec<_>>()
            );
        }
        assert_eq!(prepare_packed("", &[]).unwrap().len(), 0);
    }

    #[test]
    fn packed_names_are_validated() {
        let (text, bounds) = packed(&["s3:a", "nocolon"]);
        assert!(prepare_packed(&text, &bounds).is_err());
        let (text, bounds) = packed(&["s3:a", "s3:\\b"]);
        assert!(prepare_packed(&text, &bounds).is_err());
        let (text, bounds) = packed(&["s3:é", "s3:b"]);
        assert!(prepare_packed(&text, &bounds).is_err());
        // a bound inside a multi-byte character, bounds out of order or short of the text
        assert!(prepare_packed("s3:é", &[0, 4, 5]).is_err());
        assert!(prepare_packed("s3:as3:b", &[0, 5, 4, 8]).is_err());
        assert!(prepare_packed("s3:as3:b", &[0, 4]).is_err());
        assert!(prepare_packed("s3:as3:b", &[1, 4, 8]).is_err());
        assert!(prepare_packed("s3:a", &[]).is_err());
        assert!(prepare_packed("s3:a", &[0, 9]).is_err());
    }
}
