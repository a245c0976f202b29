//! Many short strings kept as one: each appended to a [`PackedText`] and found again by its
//! [`Span`]. What `account` keeps of each principal to the end of a run (its outcome in a
//! ledger, its staged file for the commit) is kept this way: a `String` each was an
//! allocation of its own, with its 24 bytes and the allocator's rounding, per principal.

/// Where a string is in a [`PackedText`].
#[derive(Debug, Clone, Copy)]
pub struct Span {
    start: u32,
    len: u32,
}

/// Strings appended one after another.
#[derive(Debug)]
pub struct PackedText {
    text: String,
    /// The most text held: spans are `u32`s. Lower in tests.
    pub limit: usize,
}

impl PackedText {
    /// Room for `bytes` of text, reserved at once (a string grown by doubling could be
    /// twice what it holds).
    pub fn with_capacity(bytes: usize) -> Self {
        PackedText {
            text: String::with_capacity(bytes),
            limit: u32::MAX as usize,
        }
    }

    /// Whether `more` bytes can still be appended.
    pub fn has_room(&self, more: usize) -> bool {
        self.text.len().saturating_add(more) <= self.limit
    }

    /// Appends `s`; its caller has checked that it [has room](PackedText::has_room) (past
    /// it, the span is cut short, never wrong about where it starts).
    pub fn push(&mut self, s: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(s);
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            len: u32::try_from(s.len()).unwrap_or(0),
        }
    }

    /// The string at `span` (empty for a span of another text).
    pub fn get(&self, span: Span) -> &str {
        let start = span.start as usize;
        self.text
            .get(start..start.saturating_add(span.len as usize))
            .unwrap_or_default()
    }

    /// The bytes held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.text.len()
    }
}

#[cfg(test)]
mod tests {
    use super::PackedText;
    use proptest::prelude::*;

    proptest! {
        /// Every string comes back as it went in, whatever else was appended.
        #[test]
        fn each_string_comes_back(strings in prop::collection::vec(".{0,12}", 0..20)) {
            let mut packed = PackedText::with_capacity(0);
            let spans: Vec<_> = strings.iter().map(|s| packed.push(s)).collect();
            for (s, span) in strings.iter().zip(spans) {
                prop_assert_eq!(packed.get(span), s.as_str());
            }
            prop_assert_eq!(packed.len(), strings.iter().map(String::len).sum::<usize>());
        }
    }
}
