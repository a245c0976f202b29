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
    end: usize,
    /// States that are a `*` / a `?`.
    star: Vec<u64>,
    one: Vec<u64>,
    /// Per literal character, the states that are that literal; `ascii[c]` indexes it.
    lits: Vec<(char, Vec<u64>)>,
    ascii: [u8; 128],
    /// The start set (state 0 and what a leading `*` reaches matching nothing).
    start: Vec<u64>,
    /// From this state on the pattern has no literal: only these states can accept every
    /// suffix.
    tail: usize,
    /// For each state `i >= tail`: the `?` count after it, and whether a `*` follows.
    tail_info: Vec<(usize, bool)>,
}

impl Nfa {
    pub(crate) fn new(pattern: &Pattern) -> Nfa {
        let toks = pattern.tokens();
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
                Tok::Lit(c) => match lits.iter_mut().find(|(l, _)| *l == c) {
                    Some((_, v)) => set(v),
                    None => {
                        let mut v = vec![0u64; words];
                        set(&mut v);
                        lits.push((c, v));
                    }
                },
            }
        }
        let mut ascii = [0u8; 128];
        // More than 255 distinct literals only happens with non-ASCII text, found by scan.
        for (k, (c, _)) in lits.iter().enumerate().take(255) {
            if let Some(slot) = ascii.get_mut(*c as usize) {
                *slot = (k + 1) as u8;
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
        let mut nfa = Nfa {
            words,
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
        let lit = self.lit_mask(c);
        let mut carry = 0u64;
        for w in 0..self.words {
            let movers = from[w] & (self.one[w] | lit.map_or(0, |l| l[w]));
            to[w] = (movers << 1) | carry | (from[w] & self.star[w]);
            carry = movers >> 63;
        }
        self.close(to);
    }

    fn has(&self, set: &[u64], i: usize) -> bool {
        set[i / 64] >> (i % 64) & 1 == 1
    }

    /// Does the set accept the text read so far?
    pub(crate) fn accepts(&self, set: &[u64]) -> bool {
        self.has(set, self.end)
    }

    /// Does the set accept every suffix? A state with a literal left rejects a suffix made
    /// of a character the pattern never mentions; a state without one, with `m` question
    /// marks left, accepts suffixes of length exactly `m`, or at least `m` when a `*` is
    /// left. Every suffix is accepted iff those lengths cover every `n >= 0`.
    pub(crate) fn accepts_every_suffix(&self, set: &[u64]) -> bool {
        let mut star_min: Option<usize> = None;
        let mut exact = 0u128;
        let mut exact_long = Vec::new();
        for (k, &(m, star)) in self.tail_info.iter().enumerate() {
            if !self.has(set, self.tail + k) {
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
    pub(crate) fn is_dead(set: &[u64]) -> bool {
        set.iter().all(|&w| w == 0)
    }

    /// Does the pattern match `text` (case-insensitively)?
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

/// The state sets after each character of the last text read, reused for the next text
/// as far as the two share a prefix.
pub(crate) struct Walker<'n> {
    nfa: &'n Nfa,
    /// The text the stack was computed for.
    text: String,
    /// `ends[k]`: the byte length of the text's first `k + 1` characters.
    ends: Vec<usize>,
    /// `(1 + ends.len())` state sets back to back: after 0, 1, ... characters.
    stack: Vec<u64>,
}

impl<'n> Walker<'n> {
    pub(crate) fn new(nfa: &'n Nfa) -> Walker<'n> {
        Walker {
            nfa,
            text: String::new(),
            ends: Vec::new(),
            stack: nfa.start.clone(),
        }
    }


    /// The state set after reading `text`.
    pub(crate) fn states(&mut self, text: &str) -> &[u64] {
        let w = self.nfa.words;
        let common = self
            .text
            .bytes()
            .zip(text.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        // Keep the characters wholly inside the common prefix.
        let keep = self.ends.partition_point(|&e| e <= common);
        let kept_bytes = if keep == 0 { 0 } else { self.ends[keep - 1] };
        self.ends.truncate(keep);
        self.stack.truncate((keep + 1) * w);
        self.text.truncate(kept_bytes);
        for c in text[kept_bytes..].chars() {
            let from = self.stack.len() - w;
            self.stack.extend(std::iter::repeat_n(0, w));
            let (done, next) = self.stack.split_at_mut(from + w);
            self.nfa.step(&done[from..], c, next);
            self.text.push(c);
            self.ends.push(self.text.len());
        }
        &self.stack[self.stack.len() - w..]
    }

    /// Does every string that starts with `prefix` match?
    pub(crate) fn contains_prefix(&mut self, prefix: &str) -> bool {
        let nfa = self.nfa;
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
            }
        }
    }
}
