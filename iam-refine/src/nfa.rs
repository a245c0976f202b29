//! A pattern's automaton as bit sets, read incrementally along sorted names.
//!
//! A normalized pattern (`pattern.rs`: no `**`, every wildcard run with a `*` written
//! `?…?*`) has one state per token plus the end. A state set is a bit set; reading a
//! character moves the states of matching literals and of `?` one place right, keeps the
//! `*` states, and lets a `*` match nothing (one step suffices: no two stars are adjacent).
//! That is linear in the name for any pattern, where backtracking matchers are not.
//!
//! The refiner reads the catalog in sorted order, where consecutive names share long
//! prefixes; a [`Walker`] keeps the state set after each character of the last text it
//! read, so the next one costs only the characters after their common prefix: asking
//! "does the pattern contain every string under this trie node" for each node the
//! refiner visits costs, in all, about one step per character of the catalog.

use crate::pattern::{Pattern, Tok};

/// The automaton of one pattern.
#[derive(Debug, Clone)]
pub(crate) struct Nfa {
    /// 64-bit words per state set.
    words: usize,
    /// The state of the end of the pattern.
    #[cfg(test)]
    end: usize,
    /// States that are a `*` / a `?`.
    star: Vec<u64>,
    one: Vec<u64>,
    /// Per literal character, the states that are that literal; `ascii[c]` indexes it.
    lits: Vec<(char, Vec<u64>)>,
    ascii: [u8; 128],
    /// The start set (state 0 and what a leading `*` reaches matching nothing).
    start: Vec<u64>,
    /// For one-word automata, per ASCII character the states it moves on (`?` and that
    /// literal): the common case, one table look-up per character.
    movers1: Option<Box<[u64; 128]>>,
    /// The fewest characters a prefix needs before every suffix can match: the tokens
    /// other than `*` up to the last `*`; `None` when the pattern does not end in a
    /// wildcard run with a `*` (then no prefix is ever followed by every suffix).
    min_prefix: Option<usize>,
    /// From this state on the pattern has no literal: only these states can accept every
    /// suffix.
    tail: usize,
    /// For each state `i >= tail`: the `?` count after it, and whether a `*` follows.
    tail_info: Vec<(usize, bool)>,
    /// For one-word automata with a short tail: [`Nfa::accepts_every_suffix`] for each
    /// subset of the tail states, indexed by those bits.
    every1: Option<Vec<bool>>,
}

impl Nfa {
    pub(crate) fn new(pattern: &Pattern) -> Nfa {
        Nfa::from_tokens(pattern.tokens())
    }

    fn from_tokens(toks: &[Tok]) -> Nfa {
        let states = toks.len() + 1;
        let words = states.div_ceil(64);
        let mut star = vec![0u64; words];
        let mut one = vec![0u64; words];
        let mut lits: Vec<(char, Vec<u64>)> = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            let set = |v: &mut Vec<u64>| v[i / 64] |= 1 << (i % 64);
            match *t {
                Tok::Star => set(&mut star),
                Tok::One => set(&mut one),
                Tok::Lit(c) => {
                    if let Some((_, v)) = lits.iter_mut().find(|(l, _)| *l == c) {
                        set(v);
                    } else {
                        let mut v = vec![0u64; words];
                        set(&mut v);
                        lits.push((c, v));
                    }
                }
            }
        }
        let mut ascii = [0u8; 128];
        // More than 255 distinct literals only happens with non-ASCII text, found by scan.
        for ((c, _), k) in lits.iter().zip(1u8..=255) {
            if let Some(slot) = ascii.get_mut(*c as usize) {
                *slot = k;
            }
        }
        let tail = toks
            .iter()
            .rposition(|t| matches!(t, Tok::Lit(_)))
            .map_or(0, |i| i + 1);
        let tail_info = (tail..states)
            .map(|i| {
                let rest = &toks[i.min(toks.len())..];
                (
                    rest.iter().filter(|t| **t == Tok::One).count(),
                    rest.contains(&Tok::Star),
                )
            })
            .collect();
        let movers1 = (words == 1).then(|| {
            let mut table = Box::new([one[0]; 128]);
            for (c, mask) in &lits {
                if let Some(slot) = table.get_mut(*c as usize).filter(|_| c.is_ascii()) {
                    *slot |= mask[0];
                }
            }
            table
        });
        let min_prefix = toks[tail.min(toks.len())..]
            .contains(&Tok::Star)
            .then(|| toks.iter().filter(|t| **t != Tok::Star).count());
        let mut nfa = Nfa {
            words,
            movers1,
            min_prefix,
            every1: None,
            #[cfg(test)]
            end: toks.len(),
            star,
            one,
            lits,
            ascii,
            start: vec![0u64; words],
            tail,
            tail_info,
        };
        let mut start = vec![0u64; words];
        start[0] = 1;
        nfa.close(&mut start);
        nfa.start = start;
        let tail_len = nfa.tail_info.len();
        if words == 1 && tail_len <= 10 {
            let table = (0..1u64 << tail_len)
                .map(|bits| nfa.accepts_every_suffix_slow(&[bits << nfa.tail]))
                .collect();
            nfa.every1 = Some(table);
        }
        nfa
    }

    fn lit_mask(&self, c: char) -> Option<&[u64]> {
        let k = match self.ascii.get(c as usize) {
            Some(&k) if c.is_ascii() => k as usize,
            _ => {
                return self
                    .lits
                    .iter()
                    .find(|(l, _)| *l == c)
                    .map(|(_, v)| v.as_slice())
            }
        };
        if k == 0 && self.lits.len() > 255 {
            return self
                .lits
                .iter()
                .find(|(l, _)| *l == c)
                .map(|(_, v)| v.as_slice());
        }
        (k > 0).then(|| self.lits[k - 1].1.as_slice())
    }

    /// Lets every `*` in `set` match nothing.
    fn close(&self, set: &mut [u64]) {
        let mut carry = 0u64;
        for (w, s) in set.iter_mut().enumerate() {
            let stars = *s & self.star[w];
            let moved = (stars << 1) | carry;
            carry = stars >> 63;
            *s |= moved;
        }
    }

    /// `to` = the states after reading `c` from `from`.
    fn step(&self, from: &[u64], c: char, to: &mut [u64]) {
        let c = c.to_ascii_lowercase();
        if let (Some(table), true) = (&self.movers1, c.is_ascii()) {
            let star = self.star[0];
            let movers = from[0] & table[c as usize];
            let next = (movers << 1) | (from[0] & star);
            to[0] = next | ((next & star) << 1);
            return;
        }
        let lit = self.lit_mask(c);
        if self.words == 1 {
            let movers = from[0] & (self.one[0] | lit.map_or(0, |l| l[0]));
            let next = (movers << 1) | (from[0] & self.star[0]);
            to[0] = next | ((next & self.star[0]) << 1);
            return;
        }
        let mut carry = 0u64;
        for w in 0..self.words {
            let movers = from[w] & (self.one[w] | lit.map_or(0, |l| l[w]));
            to[w] = (movers << 1) | carry | (from[w] & self.star[w]);
            carry = movers >> 63;
        }
        self.close(to);
    }

    /// Does the set accept the text read so far?
    #[cfg(test)]
    pub(crate) fn accepts(&self, set: &[u64]) -> bool {
        has(set, self.end)
    }

    /// Does the set accept every suffix? A state with a literal left rejects a suffix made
    /// of a character the pattern never mentions; a state without one, with `m` question
    /// marks left, accepts suffixes of length exactly `m`, or at least `m` when a `*` is
    /// left. Every suffix is accepted iff those lengths cover every `n >= 0`.
    // `bits` below has `tail_info.len()` bits and indexes a table of 2^that entries.
    #[allow(clippy::cast_possible_truncation)]
    pub(crate) fn accepts_every_suffix(&self, set: &[u64]) -> bool {
        match &self.every1 {
            Some(table) => {
                let bits = (set[0] >> self.tail) & ((1u64 << self.tail_info.len()) - 1);
                table[bits as usize]
            }
            None => self.accepts_every_suffix_slow(set),
        }
    }

    fn accepts_every_suffix_slow(&self, set: &[u64]) -> bool {
        let mut star_min: Option<usize> = None;
        let mut exact = 0u128;
        let mut exact_long = Vec::new();
        for (k, &(m, star)) in self.tail_info.iter().enumerate() {
            if !has(set, self.tail + k) {
                continue;
            }
            if star {
                star_min = Some(star_min.map_or(m, |s| s.min(m)));
            } else if m < 128 {
                exact |= 1 << m;
            } else {
                exact_long.push(m);
            }
        }
        match star_min {
            None => false,
            Some(s) => (0..s).all(|k| {
                if k < 128 {
                    exact >> k & 1 == 1
                } else {
                    exact_long.contains(&k)
                }
            }),
        }
    }

    /// Is the set empty (no extension can match)?
    #[cfg(test)]
    pub(crate) fn is_dead(set: &[u64]) -> bool {
        set.iter().all(|&w| w == 0)
    }

    /// Does the pattern match `text` (case-insensitively)?
    #[cfg(test)]
    pub(crate) fn matches(&self, text: &str) -> bool {
        let mut a = self.start.clone();
        let mut b = vec![0u64; self.words];
        for c in text.chars() {
            self.step(&a, c, &mut b);
            if Nfa::is_dead(&b) {
                return false;
            }
            std::mem::swap(&mut a, &mut b);
        }
        self.accepts(&a)
    }
}

/// Is state `i` in `set`?
fn has(set: &[u64], i: usize) -> bool {
    set[i / 64] >> (i % 64) & 1 == 1
}

/// The length of the longest common prefix of `a` and `b`, eight bytes at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_le_bytes(a[i..i + 8].try_into().unwrap_or([0; 8]));
        let y = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        if x != y {
            return i + ((x ^ y).trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// Several patterns' automata side by side in one bit set, to read many names through
/// many patterns at once: a character costs one pass over the words of the union instead
/// of one matcher run per pattern. Patterns lie in consecutive states; nothing crosses
/// from one to the next, because a pattern's end state is no token and never moves.
pub(crate) struct Union {
    nfa: Nfa,
    /// The end state of each pattern.
    ends: Vec<usize>,
}

impl Union {
    pub(crate) fn new(patterns: &[&Pattern]) -> Union {
        let mut toks = Vec::new();
        let mut ends = Vec::with_capacity(patterns.len());
        let mut starts = Vec::with_capacity(patterns.len());
        for p in patterns {
            starts.push(toks.len());
            toks.extend_from_slice(p.tokens());
            ends.push(toks.len());
            // The end state: a literal no text contains would do, but a plain gap is
            // simpler: push a placeholder token position that no mask includes.
            toks.push(Tok::Lit('\u{0}'));
        }
        let mut nfa = Nfa::from_tokens(&toks);
        // The placeholders are ends, not literals: no character moves out of them.
        for &e in &ends {
            let bit = !(1u64 << (e % 64));
            for (_, mask) in &mut nfa.lits {
                mask[e / 64] &= bit;
            }
            if let Some(table) = nfa.movers1.as_mut() {
                table.iter_mut().for_each(|m| *m &= bit);
            }
        }
        let mut start = vec![0u64; nfa.words];
        for &s in &starts {
            start[s / 64] |= 1 << (s % 64);
        }
        nfa.close(&mut start);
        nfa.start = start;
        Union { nfa, ends }
    }

    /// For each name, the patterns that match it: `hit(name index, pattern index)`.
    /// `names` must be sorted so consecutive names share prefixes.
    pub(crate) fn each_match<'t>(
        &self,
        names: impl Iterator<Item = &'t str>,
        mut hit: impl FnMut(usize, usize),
    ) {
        let mut walker = Walker::new(&self.nfa);
        for (k, name) in names.enumerate() {
            let set = walker.states(name);
            for (j, &e) in self.ends.iter().enumerate() {
                if set[e / 64] >> (e % 64) & 1 == 1 {
                    hit(k, j);
                }
            }
        }
    }
}

/// The state sets after each character of the last text read, reused for the next text
/// as far as the two share a prefix.
pub(crate) struct Walker<'n> {
    nfa: &'n Nfa,
    /// The text the stack was computed for.
    text: Vec<u8>,
    /// `(1 + text.len())` state sets back to back; set `k` is the one after `text[..k]`
    /// where `k` is a character boundary (inside a character it is a copy of the set
    /// before it, never read).
    stack: Vec<u64>,
    /// The last non-empty prefix [`Walker::first_every`] found.
    every_prefix: Vec<u8>,
}

impl<'n> Walker<'n> {
    pub(crate) fn new(nfa: &'n Nfa) -> Walker<'n> {
        Walker {
            nfa,
            text: Vec::new(),
            stack: nfa.start.clone(),
            every_prefix: Vec::new(),
        }
    }

    /// The state set after reading `text`.
    pub(crate) fn states(&mut self, text: &str) -> &[u64] {
        let w = self.nfa.words;
        let bytes = text.as_bytes();
        let mut common = common_prefix(&self.text, bytes);
        // Back off to a character boundary of both texts (they agree up to `common`).
        while !text.is_char_boundary(common) {
            common -= 1;
        }
        self.text.truncate(common);
        self.stack.truncate((common + 1) * w);
        for c in text[common..].chars() {
            let from = self.stack.len() - w;
            let len = c.len_utf8();
            // Sets inside the character, then the set after it.
            for _ in 1..len {
                self.stack.extend_from_within(from..from + w);
            }
            self.stack.extend(std::iter::repeat_n(0, w));
            let at = self.stack.len() - w;
            let (done, next) = self.stack.split_at_mut(at);
            self.nfa.step(&done[from..from + w], c, next);
        }
        self.text.extend_from_slice(&bytes[common..]);
        &self.stack[self.stack.len() - w..]
    }

    /// The shortest prefix of `text` (its byte length, at a character boundary) after
    /// which every suffix matches, if any. Such prefixes are closed under extension, so
    /// this is a binary search over the character boundaries.
    pub(crate) fn first_every(&mut self, text: &str) -> Option<usize> {
        let nfa = self.nfa;
        let min = nfa.min_prefix?;
        if text.len() < min {
            return None;
        }
        // The last prefix found is the answer for any text that starts with it: the
        // shorter prefixes are the same strings, which were not followed by everything.
        if !self.every_prefix.is_empty() && text.as_bytes().starts_with(&self.every_prefix) {
            return Some(self.every_prefix.len());
        }
        let found = self.first_every_read(text, min);
        self.every_prefix.clear();
        if let Some(d) = found.filter(|&d| d > 0) {
            self.every_prefix.extend_from_slice(&text.as_bytes()[..d]);
        }
        found
    }

    fn first_every_read(&mut self, text: &str, min: usize) -> Option<usize> {
        let nfa = self.nfa;
        self.states(text);
        let w = nfa.words;
        let every = |k: usize| nfa.accepts_every_suffix(&self.stack[k * w..(k + 1) * w]);
        if !every(text.len()) {
            return None;
        }
        if !text.is_ascii() {
            return (min..=text.len()).find(|&k| text.is_char_boundary(k) && every(k));
        }
        // Every byte is a boundary: the smallest `k >= min` with `every(k)`, monotone.
        let (mut lo, mut hi) = (min, text.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if every(mid) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(hi)
    }

    /// Does every string that starts with `prefix` match?
    pub(crate) fn contains_prefix(&mut self, prefix: &str) -> bool {
        let nfa = self.nfa;
        // A byte count bounds the character count from above.
        if nfa.min_prefix.is_none_or(|m| prefix.len() < m) {
            return false;
        }
        nfa.accepts_every_suffix(self.states(prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn glob_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just('a'),
                Just('b'),
                Just('A'),
                Just(':'),
                Just('*'),
                Just('?'),
                Just('é')
            ],
            0..9,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![Just('a'), Just('B'), Just('b'), Just(':'), Just('é')],
            0..9,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    #[test]
    fn a_union_matches_as_its_patterns_do() {
        let texts = [
            "", "a", "ab", "aab", "abab", "b", "ba", "bbb", "a:b", "a:bb", "xyz", "é",
        ];
        let raw = ["*a*b?*", "a*", "?", "*", "a?b", "b*b", "é*", "*:*", "x?z"];
        let patterns: Vec<Pattern> = raw.iter().map(|p| Pattern::new(p)).collect();
        let refs: Vec<&Pattern> = patterns.iter().collect();
        let union = Union::new(&refs);
        let mut sorted = texts.to_vec();
        sorted.sort_unstable();
        let mut got = vec![vec![false; raw.len()]; sorted.len()];
        union.each_match(sorted.iter().copied(), |k, j| got[k][j] = true);
        for (k, t) in sorted.iter().enumerate() {
            for (j, p) in patterns.iter().enumerate() {
                assert_eq!(got[k][j], p.matches(t), "{} on {t:?}", raw[j]);
            }
        }
    }

    #[test]
    fn common_prefixes() {
        for (a, b, n) in [
            ("", "", 0),
            ("abc", "abd", 2),
            ("abcdefghij", "abcdefghij", 10),
            ("abcdefghijk", "abcdefghXjk", 8),
            ("abcdefgh", "abcdefghi", 8),
            ("x", "", 0),
        ] {
            assert_eq!(common_prefix(a.as_bytes(), b.as_bytes()), n, "{a} {b}");
        }
    }

    #[test]
    fn long_patterns_span_several_words() {
        let long = format!("{}*{}?*", "a".repeat(70), "b".repeat(70));
        let p = Pattern::new(&long);
        let nfa = Nfa::new(&p);
        assert!(nfa.words > 1);
        let hit = format!("{}xx{}yz", "a".repeat(70), "B".repeat(70));
        assert!(nfa.matches(&hit));
        assert!(!nfa.matches(&format!("{}xx{}", "a".repeat(70), "b".repeat(70))));
        let mut w = Walker::new(&nfa);
        assert!(w.contains_prefix(&format!("{}x{}y", "a".repeat(70), "b".repeat(70))));
        assert!(!w.contains_prefix(&format!("{}x{}", "a".repeat(70), "b".repeat(70))));
    }

    proptest! {
        #[test]
        fn agrees_with_the_backtracking_matcher(p in glob_text(), texts in proptest::collection::vec(text(), 1..6)) {
            let pattern = Pattern::new(&p);
            let nfa = Nfa::new(&pattern);
            let mut walker = Walker::new(&nfa);
            let mut sorted = texts.clone();
            sorted.sort();
            for t in texts.iter().chain(&sorted) {
                prop_assert_eq!(nfa.matches(t), pattern.matches(t), "{} on {}", p, t);
                let lower = t.to_ascii_lowercase();
                prop_assert_eq!(nfa.accepts(walker.states(&lower)), pattern.matches(t));
                prop_assert_eq!(walker.contains_prefix(&lower), pattern.contains_prefix(t), "{} after {}", p, t);
                // The shortest prefix after which everything matches, by brute force.
                let brute = (0..=lower.len())
                    .filter(|&k| lower.is_char_boundary(k))
                    .find(|&k| pattern.contains_prefix(&lower[..k]));
                prop_assert_eq!(walker.first_every(&lower), brute, "{} on {}", p, t);
            }
        }
    }
}
