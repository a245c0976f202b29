//! Texts looked up without being kept: a [`HashedIndex`] files a small value under each
//! text's 64-bit hash, under a key chosen per run (so that no input can be made to
//! collide), and answers a lookup with the values filed under the same hash: candidates,
//! which the caller confirms against the text itself where a wrong answer would matter.
//! What a commit asks of 100,000 names (which ones it writes, which earlier manifests list
//! a file) is asked of these, at 16 bytes a name, not of the names.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash};

/// Values filed by their texts' hashes: [`HashedIndex::file`] them, [`HashedIndex::sort`]
/// once, then look them up.
#[derive(Debug)]
pub struct HashedIndex<T> {
    key: RandomState,
    /// `(hash, value)`, sorted by hash once filed.
    entries: Vec<(u64, T)>,
}

impl<T: Copy> HashedIndex<T> {
    /// An empty index with room for `count` values.
    pub fn with_capacity(count: usize) -> Self {
        HashedIndex {
            key: RandomState::new(),
            entries: Vec::with_capacity(count),
        }
    }

    /// Files `value` under `text`.
    pub fn file(&mut self, text: impl Hash, value: T) {
        let hash = self.key.hash_one(text);
        self.entries.push((hash, value));
    }

    /// Makes the values filed so far found: called once every value is filed.
    pub fn sort(&mut self) {
        self.entries.sort_unstable_by_key(|e| e.0);
    }

    /// The values filed under `text`'s hash: those filed under `text`, and any other text
    /// of the same hash.
    pub fn candidates(&self, text: impl Hash) -> impl Iterator<Item = T> + '_ {
        let hash = self.key.hash_one(text);
        let start = self.entries.partition_point(|e| e.0 < hash);
        self.entries[start..]
            .iter()
            .take_while(move |e| e.0 == hash)
            .map(|e| e.1)
    }
}

#[cfg(test)]
mod tests {
    use super::HashedIndex;
    use proptest::prelude::*;

    proptest! {
        /// Every value filed under a text is among its candidates.
        #[test]
        fn a_text_finds_its_values(texts in prop::collection::vec("[a-c]{0,3}", 0..30)) {
            let mut index = HashedIndex::with_capacity(texts.len());
            for (i, t) in texts.iter().enumerate() {
                index.file(t, i);
            }
            index.sort();
            for (i, t) in texts.iter().enumerate() {
                prop_assert!(index.candidates(t).any(|v| v == i));
            }
        }
    }
}
