//! The regular expressions handed to the solver, and the trie-shaped construction of pattern
//! and name sets.
//!
//! `Σ` ([`Re::AnyChar`]) is printable ASCII without upper-case letters and without the
//! backslash. [`Re::AnyStar`] means "any run of characters": `Σ*` in this module's reference
//! semantics ([`Re::accepts`]), Z3's `re.all` in the solver; the two agree on every string
//! over `Σ`, and every string the solver is asked about is one (ground candidates are
//! validated inputs, symbolic queries are intersected with `Σ*`). Complements ([`Re::Comp`])
//! are relative to all strings. Because no query ever contains a string outside `Σ*`, the
//! smart constructors may treat `Σ*` as the universe: `Σ* ∪ a = Σ*`, `Σ* ∩ a = a`,
//! `¬Σ* = ∅`, `¬∅ = Σ*`; those identities can change a language only outside `Σ*`.

use std::collections::BTreeMap;
use std::fmt;

/// A regular expression over strings.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Re {
    /// No string at all.
    Empty,
    /// Exactly this string; `Lit("")` is the empty string. Contains only characters of `Σ`.
    Lit(String),
    /// One character of `Σ`: printable ASCII (`' '..='~'`) except `A-Z` and `\`.
    AnyChar,
    /// Any run of characters (`Σ*` here, `re.all` in Z3; see the module docs).
    AnyStar,
    Concat(Vec<Re>),
    Union(Vec<Re>),
    Inter(Vec<Re>),
    /// Complement relative to all strings.
    Comp(Box<Re>),
}

/// Whether `c` is in the alphabet `Σ` that wildcards range over.
pub fn in_sigma(c: char) -> bool {
    (' '..='~').contains(&c) && !c.is_ascii_uppercase() && c != '\\'
}

/// All characters of `Σ`, in order.
pub fn sigma() -> impl Iterator<Item = char> {
    (' '..='~').filter(|&c| in_sigma(c))
}

impl Re {
    pub fn epsilon() -> Re {
        Re::Lit(String::new())
    }

    pub fn concat(parts: Vec<Re>) -> Re {
        let mut out: Vec<Re> = Vec::with_capacity(parts.len());
        for part in parts {
            let items = match part {
                Re::Concat(inner) => inner,
                other => vec![other],
            };
            for item in items {
                match item {
                    Re::Empty => return Re::Empty,
                    Re::Lit(s) if s.is_empty() => {}
                    Re::Lit(s) => {
                        if let Some(Re::Lit(prev)) = out.last_mut() {
                            prev.push_str(&s);
                        } else {
                            out.push(Re::Lit(s));
                        }
                    }
                    Re::AnyStar if out.last() == Some(&Re::AnyStar) => {}
                    other => out.push(other),
                }
            }
        }
        if out.len() > 1 {
            Re::Concat(out)
        } else {
            out.pop().unwrap_or_else(Re::epsilon)
        }
    }

    pub fn union(alternatives: Vec<Re>) -> Re {
        let mut out: Vec<Re> = Vec::with_capacity(alternatives.len());
        for alt in alternatives {
            let items = match alt {
                Re::Union(inner) => inner,
                other => vec![other],
            };
            for item in items {
                // `Σ*` absorbs every alternative (all strings the solver is asked about are
                // over Σ)
                if item == Re::AnyStar {
                    return Re::AnyStar;
                }
                if item != Re::Empty && !out.contains(&item) {
                    out.push(item);
                }
            }
        }
        if out.len() > 1 {
            Re::Union(out)
        } else {
            out.pop().unwrap_or(Re::Empty)
        }
    }

    /// Intersection; of no parts, all strings.
    pub fn inter(parts: Vec<Re>) -> Re {
        let mut out: Vec<Re> = Vec::with_capacity(parts.len());
        for part in parts {
            let items = match part {
                Re::Inter(inner) => inner,
                other => vec![other],
            };
            for item in items {
                if item == Re::Empty {
                    return Re::Empty;
                }
                // `Σ* ∩ a = a` on strings over Σ
                if item != Re::AnyStar && !out.contains(&item) {
                    out.push(item);
                }
            }
        }
        // `a ∩ ¬a = ∅`
        if out
            .iter()
            .any(|r| matches!(r, Re::Comp(inner) if out.contains(inner)))
        {
            return Re::Empty;
        }
        if out.len() > 1 {
            Re::Inter(out)
        } else {
            out.pop().unwrap_or(Re::AnyStar)
        }
    }

    /// Complement. `¬Σ*` is `∅` and `¬∅` is `Σ*`: they differ from the true complements
    /// only on strings outside Σ, which no query contains (module docs).
    pub fn comp(inner: Re) -> Re {
        match inner {
            Re::Comp(r) => *r,
            Re::AnyStar => Re::Empty,
            Re::Empty => Re::AnyStar,
            other => Re::Comp(Box::new(other)),
        }
    }

    /// `a ∖ b`.
    pub fn diff(a: Re, b: Re) -> Re {
        if a == Re::Empty {
            return Re::Empty;
        }
        if b == Re::Empty {
            return a;
        }
        Re::inter(vec![a, Re::comp(b)])
    }

    /// `a Δ b = (a ∖ b) ∪ (b ∖ a)`.
    pub fn sym_diff(a: Re, b: Re) -> Re {
        Re::union(vec![Re::diff(a.clone(), b.clone()), Re::diff(b, a)])
    }

    /// Whether the empty string is in the language.
    pub fn nullable(&self) -> bool {
        match self {
            Re::Empty | Re::AnyChar => false,
            Re::Lit(s) => s.is_empty(),
            Re::AnyStar => true,
            Re::Concat(v) | Re::Inter(v) => v.iter().all(Re::nullable),
            Re::Union(v) => v.iter().any(Re::nullable),
            Re::Comp(r) => !r.nullable(),
        }
    }

    /// The Brzozowski derivative by `c` (a character of `Σ`): the strings `y` such that
    /// `c·y` is in the language.
    pub fn derive(&self, c: char) -> Re {
        debug_assert!(in_sigma(c), "derivative by {c:?}, which is outside Σ");
        match self {
            Re::Empty => Re::Empty,
            Re::Lit(s) => match s.strip_prefix(c) {
                Some(rest) => Re::Lit(rest.to_string()),
                None => Re::Empty,
            },
            // Wildcards range over Σ (the reference semantics); callers derive only by
            // characters of validated input, which are all in Σ.
            Re::AnyChar if in_sigma(c) => Re::epsilon(),
            Re::AnyStar if in_sigma(c) => Re::AnyStar,
            Re::AnyChar | Re::AnyStar => Re::Empty,
            Re::Concat(parts) => {
                // D(p0 · rest) = D(p0) · rest  ∪  (D(rest) if p0 is nullable); D(ε) = ∅.
                let Some((first, rest)) = parts.split_first() else {
                    return Re::Empty;
                };
                let rest = Re::concat(rest.to_vec());
                let mut alternatives = vec![Re::concat(vec![first.derive(c), rest.clone()])];
                if first.nullable() {
                    alternatives.push(rest.derive(c));
                }
                Re::union(alternatives)
            }
            Re::Union(v) => Re::union(v.iter().map(|r| r.derive(c)).collect()),
            Re::Inter(v) => Re::inter(v.iter().map(|r| r.derive(c)).collect()),
            Re::Comp(r) => Re::comp(r.derive(c)),
        }
    }

    /// The derivative by the string `w`: the strings `y` such that `w·y` is in the language.
    pub fn derive_str(&self, w: &str) -> Re {
        let mut re = self.clone();
        for c in w.chars() {
            if re == Re::Empty {
                break;
            }
            re = re.derive(c);
        }
        re
    }

    /// Reference membership test (used by the tests to cross-check the Z3 translation; not
    /// used for proofs). Exponential in the worst case; fine for short strings.
    pub fn accepts(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        self.ends(&chars, 0).contains(&chars.len())
    }

    /// All `j` such that `chars[i..j]` is in the language.
    fn ends(&self, chars: &[char], i: usize) -> Vec<usize> {
        let mut out = match self {
            Re::Empty => vec![],
            Re::Lit(lit) => {
                let lit: Vec<char> = lit.chars().collect();
                if chars[i..].starts_with(&lit) {
                    vec![i + lit.len()]
                } else {
                    vec![]
                }
            }
            Re::AnyChar => {
                if i < chars.len() && in_sigma(chars[i]) {
                    vec![i + 1]
                } else {
                    vec![]
                }
            }
            Re::AnyStar => {
                let mut j = i;
                let mut v = vec![i];
                while j < chars.len() && in_sigma(chars[j]) {
                    j += 1;
                    v.push(j);
                }
                v
            }
            Re::Concat(parts) => {
                let mut cur = vec![i];
                for part in parts {
                    let mut next = vec![];
                    for &k in &cur {
                        next.extend(part.ends(chars, k));
                    }
                    next.sort_unstable();
                    next.dedup();
                    cur = next;
                }
                cur
            }
            Re::Union(alts) => alts.iter().flat_map(|a| a.ends(chars, i)).collect(),
            Re::Inter(parts) => {
                let mut cur = parts[0].ends(chars, i);
                for part in &parts[1..] {
                    let other = part.ends(chars, i);
                    cur.retain(|j| other.contains(j));
                }
                cur
            }
            Re::Comp(inner) => {
                let inner = inner.ends(chars, i);
                (i..=chars.len()).filter(|j| !inner.contains(j)).collect()
            }
        };
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Number of nodes (for statistics and tests).
    pub fn size(&self) -> usize {
        match self {
            Re::Empty | Re::Lit(_) | Re::AnyChar | Re::AnyStar => 1,
            Re::Concat(v) | Re::Union(v) | Re::Inter(v) => {
                1 + v.iter().map(Re::size).sum::<usize>()
            }
            Re::Comp(r) => 1 + r.size(),
        }
    }
}

impl fmt::Display for Re {
    /// SMT-LIB-like rendering, for debugging and error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, op: &str, items: &[Re]| -> fmt::Result {
            write!(f, "({op}")?;
            for item in items {
                write!(f, " {item}")?;
            }
            write!(f, ")")
        };
        match self {
            Re::Empty => write!(f, "re.none"),
            Re::Lit(s) => write!(f, "(str.to_re {s:?})"),
            Re::AnyChar => write!(f, "Σ"),
            Re::AnyStar => write!(f, "Σ*"),
            Re::Concat(v) => list(f, "re.++", v),
            Re::Union(v) => list(f, "re.union", v),
            Re::Inter(v) => list(f, "re.inter", v),
            Re::Comp(r) => write!(f, "(re.comp {r})"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    Char(char),
    /// `?`: one character of `Σ`.
    One,
    /// `*`: any run of characters of `Σ`.
    Any,
}

#[derive(Default, Debug)]
struct Node {
    terminal: bool,
    children: BTreeMap<Token, Node>,
}

/// A set of token sequences, turned into one trie-shaped regular expression: common prefixes
/// are shared, chains of single-child literal nodes collapse into one literal, and a node
/// below which `*` ends a pattern stands for `Σ*` (it absorbs its siblings).
#[derive(Default, Debug)]
pub struct TrieBuilder {
    root: Node,
    len: usize,
}

impl TrieBuilder {
    pub fn new() -> TrieBuilder {
        TrieBuilder::default()
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds an IAM pattern: `*` and `?` are wildcards, every other character is itself.
    /// `pattern` must already be lower-cased and consist of characters of `Σ`.
    pub fn add_glob(&mut self, pattern: &str) {
        let mut tokens = Vec::with_capacity(pattern.len());
        for c in pattern.chars() {
            let token = match c {
                '*' => Token::Any,
                '?' => Token::One,
                c => Token::Char(c),
            };
            // `**` = `*`
            if token == Token::Any && tokens.last() == Some(&Token::Any) {
                continue;
            }
            tokens.push(token);
        }
        self.add(tokens);
    }

    /// Adds a plain string (no wildcards: `*` and `?` stand for themselves).
    pub fn add_literal(&mut self, name: &str) {
        self.add(name.chars().map(Token::Char).collect());
    }

    /// Adds `prefix` followed by `Σ*`, with `prefix` taken literally.
    pub fn add_prefix(&mut self, prefix: &str) {
        let mut tokens: Vec<Token> = prefix.chars().map(Token::Char).collect();
        tokens.push(Token::Any);
        self.add(tokens);
    }

    fn add(&mut self, tokens: Vec<Token>) {
        let mut node = &mut self.root;
        for token in tokens {
            node = node.children.entry(token).or_default();
        }
        node.terminal = true;
        self.len += 1;
    }

    pub fn build(&self) -> Re {
        if self.len == 0 {
            return Re::Empty;
        }
        node_re(&self.root)
    }
}

fn node_re(node: &Node) -> Re {
    if node.children.get(&Token::Any).is_some_and(|n| n.terminal) {
        // Everything below this node is a string over Σ, and `*` + end accepts all of them.
        return Re::AnyStar;
    }
    let mut alternatives = Vec::with_capacity(node.children.len() + 1);
    if node.terminal {
        alternatives.push(Re::epsilon());
    }
    for (&token, child) in &node.children {
        alternatives.push(match token {
            Token::Char(c) => {
                let mut lit = String::from(c);
                let mut cur = child;
                while !cur.terminal && cur.children.len() == 1 {
                    let Some((&next_token, next)) = cur.children.iter().next() else {
                        break;
                    };
                    match next_token {
                        Token::Char(d) => {
                            lit.push(d);
                            cur = next;
                        }
                        _ => break,
                    }
                }
                Re::concat(vec![Re::Lit(lit), node_re(cur)])
            }
            Token::One => Re::concat(vec![Re::AnyChar, node_re(child)]),
            Token::Any => Re::concat(vec![Re::AnyStar, node_re(child)]),
        });
    }
    Re::union(alternatives)
}

/// The trie-shaped regex of a set of lower-cased IAM patterns.
pub fn glob_set<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Re {
    let mut trie = TrieBuilder::new();
    for p in patterns {
        trie.add_glob(p);
    }
    trie.build()
}

/// The trie-shaped regex of a set of plain strings.
pub fn literal_set<'a>(names: impl IntoIterator<Item = &'a str>) -> Re {
    let mut trie = TrieBuilder::new();
    for n in names {
        trie.add_literal(n);
    }
    trie.build()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::glob::glob_match;

    #[test]
    fn trie_shape_shares_prefixes_and_collapses_chains() {
        let re = literal_set(["s3:getobject", "s3:getobjectacl", "s3:listbucket"]);
        assert_eq!(
            re,
            Re::concat(vec![
                Re::Lit("s3:".into()),
                Re::union(vec![
                    Re::concat(vec![
                        Re::Lit("getobject".into()),
                        Re::union(vec![Re::epsilon(), Re::Lit("acl".into())]),
                    ]),
                    Re::Lit("listbucket".into()),
                ]),
            ])
        );
    }

    #[test]
    fn trailing_star_absorbs_siblings() {
        let re = glob_set(["s3:getobject", "s3:*", "s3:get?bject"]);
        assert_eq!(re, Re::concat(vec![Re::Lit("s3:".into()), Re::AnyStar]));
        assert_eq!(glob_set(["*", "s3:get*"]), Re::AnyStar);
        assert_eq!(glob_set(Vec::<&str>::new()), Re::Empty);
    }

    #[test]
    fn inner_wildcards() {
        let re = glob_set(["iam:*accesskey*", "s3:get?bject"]);
        for (s, want) in [
            ("iam:createaccesskey", true),
            ("iam:accesskey", true),
            ("iam:accesske", false),
            ("s3:getobject", true),
            ("s3:get_bject", true),
            ("s3:getbject", false),
        ] {
            assert_eq!(re.accepts(s), want, "{s}");
        }
    }

    /// A tiny deterministic generator (no dependency needed).
    pub(crate) struct Rng(u64);
    impl Rng {
        pub fn new(seed: u64) -> Rng {
            Rng(seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407))
        }
        pub fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
        pub fn string(&mut self, alphabet: &[char], max_len: usize) -> String {
            let len = self.below(max_len + 1);
            (0..len)
                .map(|_| alphabet[self.below(alphabet.len())])
                .collect()
        }
    }

    #[test]
    fn trie_regex_agrees_with_glob_on_random_sets() {
        let pattern_chars = ['a', 'b', ':', '*', '?'];
        let text_chars = ['a', 'b', ':', 'c'];
        let mut rng = Rng::new(7);
        for _ in 0..400 {
            let n = 1 + rng.below(4);
            let patterns: Vec<String> = (0..n).map(|_| rng.string(&pattern_chars, 5)).collect();
            let re = glob_set(patterns.iter().map(String::as_str));
            for _ in 0..30 {
                let text = rng.string(&text_chars, 6);
                let want = patterns.iter().any(|p| glob_match(p, &text));
                assert_eq!(re.accepts(&text), want, "{patterns:?} on {text:?}: {re}");
            }
        }
    }

    #[test]
    fn derivatives_agree_with_membership() {
        let pattern_chars = ['a', 'b', ':', '*', '?'];
        let text_chars = ['a', 'b', ':', 'c'];
        let mut rng = Rng::new(3);
        for _ in 0..300 {
            let p1: Vec<String> = (0..1 + rng.below(3))
                .map(|_| rng.string(&pattern_chars, 5))
                .collect();
            let p2: Vec<String> = (0..1 + rng.below(3))
                .map(|_| rng.string(&pattern_chars, 5))
                .collect();
            let a = glob_set(p1.iter().map(String::as_str));
            let b = glob_set(p2.iter().map(String::as_str));
            let queries = [
                a.clone(),
                Re::diff(a.clone(), b.clone()),
                Re::sym_diff(a.clone(), b.clone()),
                Re::inter(vec![a.clone(), b.clone()]),
            ];
            for q in &queries {
                for _ in 0..10 {
                    let w = rng.string(&text_chars, 3);
                    let y = rng.string(&text_chars, 4);
                    let d = q.derive_str(&w);
                    assert_eq!(
                        d.accepts(&y),
                        q.accepts(&format!("{w}{y}")),
                        "{q} by {w:?} = {d}, on {y:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn sigma_has_no_upper_case_and_no_backslash() {
        let s: Vec<char> = sigma().collect();
        assert_eq!(s.len(), 95 - 26 - 1);
        assert!(s.contains(&'*') && s.contains(&'?') && s.contains(&' ') && s.contains(&'~'));
        assert!(!s.contains(&'A') && !s.contains(&'\\'));
    }
}
