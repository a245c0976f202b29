//! Glob matching for resources, `StringLike` and the components of `Arn...` values: a
//! pattern of literal characters, `?` and `*`, where each wildcard may or may not match a
//! `:` (the Resource element's segment rule, `docs/semantics.md` §3).
//!
//! Matching simulates the pattern's automaton on a bit set of its states, one step per
//! character of the text: time is `O(len(text) × len(pattern) / 64)` whatever the pattern,
//! so hostile patterns (`*a*a*a*…b` against `aaaa…`) cannot make it backtrack
//! exponentially. No regex crate: the language is three tokens, and the segment rule
//! needs wildcards that differ in what they match, which a plain glob crate does not have.

use std::collections::HashMap;

/// One character of a pattern after policy variables are substituted: substituted text is
/// always literal, so a `*` it holds is `Lit('*')`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PChar {
    /// Matches itself.
    Lit(char),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters, also none.
    Star,
}

/// A token of a compiled glob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(char),
    /// `?`; `colon`: it may match `:`.
    One {
        colon: bool,
    },
    /// `*`; `colon`: it may match `:`.
    Star {
        colon: bool,
    },
}

/// A compiled glob.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    /// Number of tokens; the automaton's states are `0..=len` (state `i`: the first `i`
    /// tokens consumed), and `len` accepts.
    len: usize,
    /// 64-bit words per state set.
    words: usize,
    /// States `i` whose token is a literal, per character.
    lit: HashMap<char, Vec<u64>>,
    /// States whose token is a `?` matching any character / any but `:`.
    one_any: Vec<u64>,
    one_no_colon: Vec<u64>,
    /// States whose token is a `*` (any kind) / a `*` that may match `:`.
    star: Vec<u64>,
    star_colon: Vec<u64>,
    /// The start state with the stars it may skip.
    start: Vec<u64>,
    /// The pattern is only literal characters: compared directly.
    literal: Option<String>,
}

fn set(bits: &mut [u64], i: usize) {
    if let Some(w) = bits.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

fn get(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

/// `to |= from << 1`, across words.
fn or_shifted(to: &mut [u64], from: &[u64]) {
    let mut carry = 0u64;
    for (t, f) in to.iter_mut().zip(from) {
        *t |= (f << 1) | carry;
        carry = f >> 63;
    }
}

impl Glob {
    /// Compiles tokens. Adjacent stars are merged into one (a run of stars matches what its
    /// most permissive star matches), so skipping stars is a single step.
    pub(crate) fn new(toks: impl IntoIterator<Item = Tok>) -> Glob {
        let mut merged: Vec<Tok> = Vec::new();
        for t in toks {
            match (merged.last_mut(), t) {
                (Some(Tok::Star { colon: a }), Tok::Star { colon: b }) => *a = *a || b,
                _ => merged.push(t),
            }
        }
        let literal = merged
            .iter()
            .map(|t| match t {
                Tok::Lit(c) => Some(*c),
                _ => None,
            })
            .collect::<Option<String>>();
        let len = merged.len();
        let words = len / 64 + 1;
        let zero = vec![0u64; words];
        let mut glob = Glob {
            len,
            words,
            lit: HashMap::new(),
            one_any: zero.clone(),
            one_no_colon: zero.clone(),
            star: zero.clone(),
            star_colon: zero.clone(),
            start: zero.clone(),
            literal,
        };
        for (i, t) in merged.iter().enumerate() {
            match *t {
                Tok::Lit(c) => set(
                    glob.lit
                        .entry(c)
                        .or_insert_with(|| zero.clone())
                        .as_mut_slice(),
                    i,
                ),
                Tok::One { colon: true } => set(&mut glob.one_any, i),
                Tok::One { colon: false } => set(&mut glob.one_no_colon, i),
                Tok::Star { colon } => {
                    set(&mut glob.star, i);
                    if colon {
                        set(&mut glob.star_colon, i);
                    }
                }
            }
        }
        let mut start = zero;
        set(&mut start, 0);
        glob.close(&mut start);
        glob.start = start;
        glob
    }

    /// Adds the states reached by letting a star match nothing. Stars are never adjacent,
    /// so one step reaches them all.
    fn close(&self, states: &mut [u64]) {
        let mut carry = 0u64;
        for (s, t) in states.iter_mut().zip(&self.star) {
            let skipped = *s & t;
            *s |= (skipped << 1) | carry;
            carry = skipped >> 63;
        }
    }

    /// Does the glob match all of `text`?
    pub(crate) fn matches(&self, text: &str) -> bool {
        if let Some(lit) = &self.literal {
            return lit == text;
        }
        let mut cur = self.start.clone();
        let mut next = vec![0u64; self.words];
        let mut advance = vec![0u64; self.words];
        for c in text.chars() {
            let lit = self.lit.get(&c);
            let colon = c == ':';
            let mut any = 0u64;
            for w in 0..self.words {
                let mut can = self.one_any[w];
                if !colon {
                    can |= self.one_no_colon[w];
                }
                if let Some(l) = lit {
                    can |= l[w];
                }
                advance[w] = cur[w] & can;
                let stars = if colon {
                    self.star_colon[w]
                } else {
                    self.star[w]
                };
                next[w] = cur[w] & stars;
                any |= advance[w] | next[w];
            }
            if any == 0 {
                return false;
            }
            or_shifted(&mut next, &advance);
            self.close(&mut next);
            std::mem::swap(&mut cur, &mut next);
        }
        get(&cur, self.len)
    }
}

/// Tokens of `*`/`?` text where every wildcard matches any character (`StringLike`, the
/// components of `Arn...` values).
pub(crate) fn plain_tokens(chars: &[PChar]) -> Vec<Tok> {
    chars
        .iter()
        .map(|c| match *c {
            PChar::Lit(c) => Tok::Lit(c),
            PChar::One => Tok::One { colon: true },
            PChar::Star => Tok::Star { colon: true },
        })
        .collect()
}

/// Tokens of a `Resource` pattern (`docs/semantics.md` §3, rules 1-3): a `*` that ends its
/// segment (followed by `:` or by the end of the pattern) matches any run, colons
/// included; every other `*`, and every `?`, match only characters other than `:`.
pub(crate) fn resource_tokens(chars: &[PChar]) -> Vec<Tok> {
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| match *c {
            PChar::Lit(c) => Tok::Lit(c),
            PChar::One => Tok::One { colon: false },
            PChar::Star => Tok::Star {
                colon: matches!(chars.get(i + 1), None | Some(PChar::Lit(':'))),
            },
        })
        .collect()
}

/// The components of a pattern: split at its first five literal `:` (a `:` substituted
/// from a variable counts), at most six, the last keeping any further `:`.
pub(crate) fn components(chars: &[PChar]) -> Vec<&[PChar]> {
    let mut out = Vec::with_capacity(6);
    let mut start = 0;
    for (i, c) in chars.iter().enumerate() {
        if out.len() == 5 {
            break;
        }
        if *c == PChar::Lit(':') {
            out.push(&chars[start..i]);
            start = i + 1;
        }
    }
    out.push(&chars[start..]);
    out
}

/// `*` and `?` of `text` as wildcards, every other character literal.
pub(crate) fn wild_chars(text: &str) -> impl Iterator<Item = PChar> + '_ {
    text.chars().map(|c| match c {
        '*' => PChar::Star,
        '?' => PChar::One,
        c => PChar::Lit(c),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(p: &str, s: &str) -> bool {
        let chars: Vec<PChar> = wild_chars(p).collect();
        Glob::new(plain_tokens(&chars)).matches(s)
    }

    fn res(p: &str, s: &str) -> bool {
        let chars: Vec<PChar> = wild_chars(p).collect();
        Glob::new(resource_tokens(&chars)).matches(s)
    }

    /// The definition, by recursion: slow, obviously right.
    fn reference(p: &[char], s: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('*') => reference(&p[1..], s) || (!s.is_empty() && reference(p, &s[1..])),
            Some('?') => !s.is_empty() && reference(&p[1..], &s[1..]),
            Some(c) => !s.is_empty() && s[0] == *c && reference(&p[1..], &s[1..]),
        }
    }

    #[test]
    fn plain_globs() {
        assert!(like("*", ""));
        assert!(like("*", "a:b"));
        assert!(like("a?c", "abc"));
        assert!(!like("a?c", "ac"));
        assert!(like("a*c", "ac"));
        assert!(like("a*c", "a:b:c"));
        assert!(!like("A*", "abc"), "case-sensitive");
        assert!(like("", ""));
        assert!(!like("", "a"));
        assert!(like("é?", "éü"), "characters, not bytes");
        assert!(like("**?**", "x"));
        assert!(!like("**?**", ""));
    }

    #[test]
    fn agrees_with_the_definition() {
        let alphabet = ['a', 'b', '*', '?'];
        let texts = ["", "a", "b", "ab", "ba", "aab", "abab", "bbb", "aaaa"];
        // Every pattern of up to 4 characters over the alphabet.
        let mut patterns = vec![String::new()];
        for _ in 0..4 {
            let mut longer = Vec::new();
            for p in &patterns {
                for c in alphabet {
                    longer.push(format!("{p}{c}"));
                }
            }
            patterns.extend(longer);
        }
        for p in &patterns {
            let pc: Vec<char> = p.chars().collect();
            for s in texts {
                let sc: Vec<char> = s.chars().collect();
                assert_eq!(like(p, s), reference(&pc, &sc), "{p:?} on {s:?}");
            }
        }
    }

    #[test]
    fn resource_segments() {
        assert!(res("*", "arn:aws:s3:::b/k"));
        assert!(res("arn:aws:s3:::bkt/*", "arn:aws:s3:::bkt/a:b/log"));
        assert!(!res("arn:aws:s3:::bkt/*/log", "arn:aws:s3:::bkt/a:b/log"));
        assert!(res("arn:aws:s3:::bkt/*/log", "arn:aws:s3:::bkt/a/b/log"));
        assert!(res("arn:aws:*:us-east-1:*", "arn:aws:ec2:us-east-1:1:x:y"));
        assert!(
            res("arn:*:s3", "arn:a:b:s3"),
            "a `*` before `:` crosses colons"
        );
        assert!(
            !res("arn:aws:s3:::b?c", "arn:aws:s3:::b:c"),
            "`?` never matches `:`"
        );
        assert!(!res("arn:aws:s3:::b*c", "arn:aws:s3:::b:c"));
        assert!(
            res("arn:aws:s3:::b**", "arn:aws:s3:::b:c"),
            "a run ending the segment"
        );
    }

    #[test]
    fn hostile_patterns_are_linear() {
        // `*a*a*a...*b` against `aaa...a`: exponential for a backtracking matcher.
        let pattern = "*a".repeat(5_000) + "*b";
        let text = "a".repeat(20_000);
        assert!(!like(&pattern, &text));
        assert!(!res(&pattern, &text));
        let text = format!("{}b", "a".repeat(20_000));
        assert!(like(&pattern, &text));
        // A long literal pattern and odd Unicode.
        let long = "\u{1F600}\u{0301}".repeat(50_000);
        assert!(like(&long, &long));
        let shorter: String = long.chars().skip(1).collect();
        assert!(!like(&long, &shorter));
    }
}
