//! IAM action patterns: case-insensitive globs where `*` matches any run of characters
//! (also none) and `?` exactly one.
//!
//! Besides matching, this module owns the two language questions the refiner must answer
//! exactly, over all strings and not only over the catalog:
//! - [`Pattern::contains_prefix`]: is every string that starts with `p` matched? This is
//!   what makes a new wildcard `p*` safe to write in place of the pattern (`s3:List*` may
//!   become `s3:ListBucket*`, never `s3:L*`).
//! - [`Pattern::covers`]: is everything another pattern matches also matched by this one?
//!   Used to drop redundant entries; it is sound (never claims coverage that does not
//!   hold) and exact for literal and trailing-`*` patterns.
//!
//! Case folding is ASCII (`A`-`Z` to `a`-`z`): every AWS action name is ASCII, and a
//! non-ASCII character in a pattern then only ever matches itself.

use std::fmt;

/// One token of a normalized pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(char),
    /// `?`
    One,
    /// `*` (a wildcard run holds at most one, at its end)
    Star,
}

/// A parsed, lower-cased action pattern.
#[derive(Clone, PartialEq, Eq)]
pub struct Pattern {
    raw: String,
    /// ASCII-lower-cased `raw` with every wildcard run normalized (see [`normalize`]).
    norm: String,
    toks: Vec<Tok>,
    /// Byte length of the literal text before the first `*` or `?`.
    lit_len: usize,
    shape: Shape,
}

/// What kind of glob a pattern is; the refiner takes a fast path for the first two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// No wildcard: `s3:GetObject`.
    Literal,
    /// Literal text then one trailing `*`: `s3:Get*`, `*`.
    Prefix,
    /// Anything else: `iam:*AccessKey*`, `s3:Get?bject`.
    General,
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.raw)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// A pattern's normalized text, the length of its literal prefix, and its shape, without
/// building its tokens.
///
/// Normalizing lower-cases ASCII and rewrites every run of wildcards that holds a `*` as
/// its `?`s followed by one `*`: such a run matches any text at least as long as its `?`
/// count, whatever its order (`**` is `*`, `*?*?*` is `??*`). Equal normalized texts are
/// equal languages, and the matchers never search through a run of stars.
pub(crate) fn normalize(raw: &str) -> (String, usize, Shape) {
    let lower = raw.to_ascii_lowercase();
    let norm = if lower.contains("**") || lower.contains("*?") {
        let mut out = String::with_capacity(lower.len());
        let mut ones = 0usize;
        let mut star = false;
        let flush = |out: &mut String, ones: &mut usize, star: &mut bool| {
            out.extend(std::iter::repeat_n('?', *ones));
            if *star {
                out.push('*');
            }
            *ones = 0;
            *star = false;
        };
        for c in lower.chars() {
            match c {
                '*' => star = true,
                '?' => ones += 1,
                c => {
                    flush(&mut out, &mut ones, &mut star);
                    out.push(c);
                }
            }
        }
        flush(&mut out, &mut ones, &mut star);
        out
    } else {
        lower
    };
    let lit_len = norm.find(['*', '?']).unwrap_or(norm.len());
    let shape = if lit_len == norm.len() {
        Shape::Literal
    } else if lit_len + 1 == norm.len() && norm.ends_with('*') {
        Shape::Prefix
    } else {
        Shape::General
    };
    (norm, lit_len, shape)
}

impl Pattern {
    /// Parses a pattern as written in a policy (`s3:Get*`); any text is a pattern.
    #[must_use]
    pub fn new(raw: &str) -> Pattern {
        let (norm, lit_len, shape) = normalize(raw);
        let toks = tokens_of(&norm);
        Pattern {
            raw: raw.to_string(),
            norm,
            toks,
            lit_len,
            shape,
        }
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Lower-cased, with each wildcard run holding a `*` written as its `?`s then one `*`
    /// (`S3:Get**` is `s3:get*`, `a*?*?` is `a??*`): equal for patterns that are spelled
    /// alike, and patterns with equal normalized texts match the same strings.
    #[must_use]
    pub fn normalized(&self) -> &str {
        &self.norm
    }

    /// The normalized tokens.
    pub(crate) fn tokens(&self) -> &[Tok] {
        &self.toks
    }

    /// What kind of glob the pattern is.
    #[must_use]
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The lower-cased literal text before the first wildcard: every match starts with it.
    #[must_use]
    pub fn literal_prefix(&self) -> &str {
        &self.norm[..self.lit_len]
    }

    /// The service part when it is written without wildcards (`s3` for `s3:Get*`).
    #[must_use]
    pub fn fixed_service(&self) -> Option<&str> {
        self.literal_prefix().split_once(':').map(|(s, _)| s)
    }

    /// Does the pattern match `name`? Case-insensitive.
    #[must_use]
    pub fn matches(&self, name: &str) -> bool {
        if name.is_ascii() {
            glob(&self.toks, name.as_bytes(), |b| {
                b.to_ascii_lowercase() as char
            })
        } else {
            let chars: Vec<char> = name.chars().collect();
            glob(&self.toks, &chars, |c| c.to_ascii_lowercase())
        }
    }

    /// Does the pattern, as written, match `text` with case counting? For `Sid`s, which
    /// IAM compares exactly (actions are matched with [`Pattern::matches`]).
    #[must_use]
    pub fn matches_case_sensitive(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        glob(&tokens_of(&self.raw), &chars, |c| c)
    }

    /// Is every string that starts with `prefix` matched (`prefix` followed by anything)?
    ///
    /// Reads `prefix` through the pattern's automaton and asks whether the states reached
    /// accept every suffix. A state whose remaining pattern has a literal character rejects
    /// every suffix made only of a character the pattern never mentions, so only the states
    /// whose remainder is `?`s and at most one `*` matter: with `m` question marks such a
    /// remainder accepts suffixes of length exactly `m`, or at least `m` with the star. The
    /// suffixes are all accepted iff those lengths cover every `n >= 0`.
    #[must_use]
    pub fn contains_prefix(&self, prefix: &str) -> bool {
        let Some(states) = self.states_after(prefix) else {
            return false;
        };
        let mut star_min: Option<usize> = None;
        let mut exact = Vec::new();
        for (i, _) in states.iter().enumerate().filter(|(_, &s)| s) {
            let rest = &self.toks[i..];
            if rest.iter().any(|t| matches!(t, Tok::Lit(_))) {
                continue;
            }
            let m = rest.iter().filter(|t| **t == Tok::One).count();
            if rest.contains(&Tok::Star) {
                star_min = Some(star_min.map_or(m, |s| s.min(m)));
            } else {
                exact.push(m);
            }
        }
        match star_min {
            None => false,
            Some(s) => (0..s).all(|k| exact.contains(&k)),
        }
    }

    /// Does the pattern match some string that starts with `prefix`?
    #[must_use]
    pub fn may_match_prefix(&self, prefix: &str) -> bool {
        self.states_after(prefix).is_some()
    }

    /// The automaton's live states after reading `prefix`, or `None` when none is left.
    fn states_after(&self, prefix: &str) -> Option<Vec<bool>> {
        let n = self.toks.len();
        let mut states = vec![false; n + 1];
        states[0] = true;
        close(&self.toks, &mut states);
        let mut next = vec![false; n + 1];
        for c in prefix.chars() {
            let c = c.to_ascii_lowercase();
            next.fill(false);
            let mut any = false;
            for i in 0..n {
                if !states[i] {
                    continue;
                }
                match self.toks[i] {
                    Tok::Star => next[i] = true,
                    Tok::One => next[i + 1] = true,
                    Tok::Lit(l) if l == c => next[i + 1] = true,
                    Tok::Lit(_) => continue,
                }
                any = true;
            }
            if !any {
                return None;
            }
            close(&self.toks, &mut next);
            std::mem::swap(&mut states, &mut next);
        }
        Some(states)
    }

    /// Does this pattern match everything `other` matches? Exact when `other` is a literal
    /// or a trailing-`*` pattern; for other shapes it answers for the prefix `other` is
    /// confined to, so a `true` is always right and a `false` may be conservative.
    #[must_use]
    pub fn covers(&self, other: &Pattern) -> bool {
        if self.norm == other.norm {
            return true;
        }
        match other.shape {
            Shape::Literal => self.matches(&other.norm),
            Shape::Prefix | Shape::General => self.contains_prefix(other.literal_prefix()),
        }
    }
}

/// A pattern's text as tokens, character by character (lower-cased or not, as given).
fn tokens_of(text: &str) -> Vec<Tok> {
    text.chars()
        .map(|c| match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Lit(c),
        })
        .collect()
}

/// Adds the states reachable by letting a `*` match nothing.
fn close(toks: &[Tok], states: &mut [bool]) {
    for i in 0..toks.len() {
        if states[i] && toks[i] == Tok::Star {
            states[i + 1] = true;
        }
    }
}

/// Glob matching with one backtrack point (the last `*`): linear in practice and exact,
/// because a later `*` can absorb anything an earlier one would have.
fn glob<T: Copy>(toks: &[Tok], s: &[T], lower: impl Fn(T) -> char) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut back: Option<(usize, usize)> = None;
    while i < s.len() {
        match toks.get(p) {
            Some(Tok::Star) => {
                back = Some((p, i));
                p += 1;
                continue;
            }
            Some(Tok::One) => {
                p += 1;
                i += 1;
                continue;
            }
            Some(Tok::Lit(c)) if *c == lower(s[i]) => {
                p += 1;
                i += 1;
                continue;
            }
            _ => {}
        }
        match back {
            Some((bp, bi)) => {
                p = bp + 1;
                i = bi + 1;
                back = Some((bp, bi + 1));
            }
            None => return false,
        }
    }
    toks[p.min(toks.len())..].iter().all(|t| *t == Tok::Star)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, by recursion over both strings: slow, obviously right.
    fn reference(p: &[char], s: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('*') => reference(&p[1..], s) || (!s.is_empty() && reference(p, &s[1..])),
            Some('?') => !s.is_empty() && reference(&p[1..], &s[1..]),
            Some(c) => !s.is_empty() && s[0].eq_ignore_ascii_case(c) && reference(&p[1..], &s[1..]),
        }
    }

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn matching_basics() {
        let p = Pattern::new("s3:Get*");
        assert!(p.matches("s3:GetObject"));
        assert!(p.matches("S3:GETOBJECT"));
        assert!(p.matches("s3:Get"));
        assert!(!p.matches("s3:PutObject"));
        assert!(Pattern::new("*").matches(""));
        assert!(Pattern::new("s3:Get?bject").matches("s3:getObject"));
        assert!(!Pattern::new("s3:Get?bject").matches("s3:Getbject"));
        assert!(Pattern::new("iam:*AccessKey*").matches("iam:CreateAccessKey"));
        assert!(Pattern::new("iam:*AccessKey*").matches("iam:AccessKey"));
        assert!(!Pattern::new("iam:*AccessKey*").matches("iam:CreateAccessKe"));
        assert!(Pattern::new("é*").matches("é"));
        assert!(!Pattern::new("é*").matches("É"), "only ASCII folds");
    }

    #[test]
    fn shapes_and_prefixes() {
        assert_eq!(Pattern::new("s3:GetObject").shape(), Shape::Literal);
        assert_eq!(Pattern::new("s3:Get*").shape(), Shape::Prefix);
        assert_eq!(Pattern::new("s3:Get**").shape(), Shape::Prefix);
        assert_eq!(Pattern::new("*").shape(), Shape::Prefix);
        assert_eq!(Pattern::new("s3:*Object").shape(), Shape::General);
        assert_eq!(Pattern::new("s3:Get?").shape(), Shape::General);
        assert_eq!(Pattern::new("*x*y*?*").normalized(), "*x*y?*");
        assert_eq!(Pattern::new("A*?*?B?*").normalized(), "a??*b?*");
        assert_eq!(Pattern::new("a?b").normalized(), "a?b");
        assert_eq!(Pattern::new("*?").shape(), Shape::General);
        assert_eq!(Pattern::new("S3:Get*").literal_prefix(), "s3:get");
        assert_eq!(Pattern::new("S3:Get*").fixed_service(), Some("s3"));
        assert_eq!(Pattern::new("s3*:Get").fixed_service(), None);
    }

    #[test]
    fn containment_of_prefixes() {
        let list = Pattern::new("s3:List*");
        assert!(list.contains_prefix("s3:list"));
        assert!(list.contains_prefix("s3:ListBucket"));
        assert!(
            !list.contains_prefix("s3:l"),
            "s3:List* may not become s3:L*"
        );
        assert!(!list.contains_prefix("s3:"));
        let inner = Pattern::new("iam:*AccessKey*");
        assert!(inner.contains_prefix("iam:CreateAccessKey"));
        assert!(inner.contains_prefix("iam:AccessKeyX"));
        assert!(!inner.contains_prefix("iam:Create"));
        assert!(!Pattern::new("s3:*Object").contains_prefix("s3:GetObject"));
        assert!(Pattern::new("*").contains_prefix(""));
        // Tricky: the union of states covers every length although no single one does.
        assert!(Pattern::new("a*?").contains_prefix("ab"));
        assert!(!Pattern::new("a?").contains_prefix("ab"));
    }

    #[test]
    fn may_match_prefix() {
        assert!(Pattern::new("*:Get*").may_match_prefix("newsvc:"));
        assert!(Pattern::new("s3:Get*").may_match_prefix("s3:"));
        assert!(!Pattern::new("s3:Get*").may_match_prefix("s3-outposts:"));
        assert!(!Pattern::new("s3:Get").may_match_prefix("s3:GetX"));
    }

    #[test]
    fn coverage() {
        let get = Pattern::new("s3:Get*");
        assert!(get.covers(&Pattern::new("s3:GetObject")));
        assert!(get.covers(&Pattern::new("S3:GETOBJECT*")));
        assert!(get.covers(&Pattern::new("s3:Get*Acl")));
        assert!(!get.covers(&Pattern::new("s3:*")));
        assert!(Pattern::new("*").covers(&get));
        assert!(!Pattern::new("s3:GetObject").covers(&get));
    }

    fn alphabet() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![Just('a'), Just('B'), Just('b'), Just(':')],
            0..7,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    fn glob_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just('a'),
                Just('b'),
                Just('A'),
                Just(':'),
                Just('*'),
                Just('?')
            ],
            0..7,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn matches_agrees_with_the_definition(p in glob_text(), s in alphabet()) {
            prop_assert_eq!(Pattern::new(&p).matches(&s), reference(&chars(&p), &chars(&s)));
        }

        /// `contains_prefix` against brute force over every suffix up to length 6 over an
        /// alphabet with a character the patterns never use.
        #[test]
        fn contains_prefix_agrees_with_enumeration(p in glob_text(), prefix in alphabet()) {
            let pat = Pattern::new(&p);
            let letters = ['a', 'b', ':', 'z'];
            let mut brute = true;
            let mut suffixes = vec![String::new()];
            for _ in 0..=6 {
                for s in &suffixes {
                    if !pat.matches(&format!("{prefix}{s}")) {
                        brute = false;
                    }
                }
                suffixes = suffixes.iter().flat_map(|s| letters.iter().map(move |c| format!("{s}{c}"))).collect();
            }
            // Enumeration up to length 6 can only miss a counterexample longer than the
            // pattern, which the automaton argument rules out for patterns this short.
            prop_assert_eq!(pat.contains_prefix(&prefix), brute);
        }

        #[test]
        fn covers_is_sound(a in glob_text(), b in glob_text(), s in alphabet()) {
            let (pa, pb) = (Pattern::new(&a), Pattern::new(&b));
            if pa.covers(&pb) && pb.matches(&s) {
                prop_assert!(pa.matches(&s), "{a:?} covers {b:?} but misses {s:?}");
            }
        }
    }
}
