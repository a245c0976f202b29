//! Case-sensitive globs over the request's strings (resources and text values) as
//! regular expressions for Z3: a trie of tokens, as [`crate::regex::TrieBuilder`] builds for
//! actions, but over a different alphabet (printable ASCII without backslash, upper case
//! included: [`super::universe::in_strings`]) and with two kinds of wildcard, since the
//! ARN segment rule lets a `*` that ends its segment cross `:` while every other wildcard
//! stays inside its segment (docs/semantics.md §3).
//!
//! `Star(Any)` is Z3's `re.all`; the classes are character ranges (Z3 4.8.12's C API has
//! no `re.allchar`). They agree with the glob semantics on every string over the alphabet;
//! strings outside it are the soundness argument's business (crate docs).

use std::collections::BTreeMap;

use z3::ast::Regexp;

/// Which characters a wildcard ranges over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Class {
    /// Every character of the alphabet.
    Any,
    /// Every character of the alphabet but `:`.
    NoColon,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Tok {
    /// This character (already in the solver's alphabet).
    Char(char),
    /// This ASCII letter in either case.
    Fold(char),
    /// One character of the class (`?`).
    One(Class),
    /// Any run of characters of the class (`*`).
    Star(Class),
}

/// A regular expression over the request's strings.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Rx {
    Empty,
    Lit(String),
    Tok(Tok),
    Concat(Vec<Rx>),
    Union(Vec<Rx>),
}

#[derive(Default, Debug)]
struct Node {
    terminal: bool,
    children: BTreeMap<Tok, Node>,
}

/// A set of token sequences as one trie-shaped [`Rx`]: shared prefixes factored, chains
/// of characters collapsed into one literal, and a node where `Star(Any)` ends a sequence
/// standing for everything below it.
#[derive(Default, Debug)]
pub(crate) struct Trie {
    root: Node,
    len: usize,
}

impl Trie {
    pub fn add(&mut self, tokens: &[Tok]) {
        let mut node = &mut self.root;
        let mut last: Option<Tok> = None;
        for &t in tokens {
            // `**` of one class is one star
            if matches!(t, Tok::Star(_)) && last == Some(t) {
                continue;
            }
            node = node.children.entry(t).or_default();
            last = Some(t);
        }
        node.terminal = true;
        self.len += 1;
    }

    pub fn build(&self) -> Rx {
        if self.len == 0 {
            return Rx::Empty;
        }
        node_rx(&self.root)
    }
}

fn concat(parts: Vec<Rx>) -> Rx {
    let mut out: Vec<Rx> = Vec::new();
    for p in parts {
        match p {
            Rx::Empty => return Rx::Empty,
            Rx::Lit(s) if s.is_empty() => {}
            Rx::Concat(inner) => out.extend(inner),
            Rx::Lit(s) => match out.last_mut() {
                Some(Rx::Lit(prev)) => prev.push_str(&s),
                _ => out.push(Rx::Lit(s)),
            },
            other => out.push(other),
        }
    }
    match out.len() {
        0 => Rx::Lit(String::new()),
        1 => out.pop().unwrap_or(Rx::Empty),
        _ => Rx::Concat(out),
    }
}

fn union(parts: Vec<Rx>) -> Rx {
    let mut out: Vec<Rx> = Vec::new();
    for p in parts {
        match p {
            Rx::Empty => {}
            Rx::Union(inner) => out.extend(inner),
            other => out.push(other),
        }
    }
    match out.len() {
        0 => Rx::Empty,
        1 => out.pop().unwrap_or(Rx::Empty),
        _ => Rx::Union(out),
    }
}

fn node_rx(node: &Node) -> Rx {
    if node
        .children
        .get(&Tok::Star(Class::Any))
        .is_some_and(|n| n.terminal)
    {
        return Rx::Tok(Tok::Star(Class::Any));
    }
    let mut alternatives = Vec::new();
    if node.terminal {
        alternatives.push(Rx::Lit(String::new()));
    }
    for (&tok, child) in &node.children {
        alternatives.push(match tok {
            Tok::Char(c) => {
                let mut lit = String::from(c);
                let mut cur = child;
                while !cur.terminal && cur.children.len() == 1 {
                    match cur.children.iter().next() {
                        Some((Tok::Char(d), next)) => {
                            lit.push(*d);
                            cur = next;
                        }
                        _ => break,
                    }
                }
                concat(vec![Rx::Lit(lit), node_rx(cur)])
            }
            other => concat(vec![Rx::Tok(other), node_rx(child)]),
        });
    }
    union(alternatives)
}

/// Z3's regexes for the classes, made once per context.
pub(crate) struct Classes<'c> {
    any: Regexp<'c>,
    no_colon: Regexp<'c>,
    no_colon_star: Regexp<'c>,
}

impl<'c> Classes<'c> {
    pub fn new(ctx: &'c z3::Context) -> Classes<'c> {
        let r = |lo: char, hi: char| Regexp::range(ctx, &lo, &hi);
        let any = Regexp::union(ctx, &[&r(' ', '['), &r(']', '~')]);
        let no_colon = Regexp::union(ctx, &[&r(' ', '9'), &r(';', '['), &r(']', '~')]);
        Classes {
            no_colon_star: no_colon.star(),
            any,
            no_colon,
        }
    }

    /// `Σ*` over the alphabet: what every string of a witness must be in.
    pub fn alphabet_star(&self) -> Regexp<'c> {
        self.any.star()
    }

    /// `([^:]*:){5}`: the first five components of an ARN and their separators.
    pub fn arn_head(&self, ctx: &'c z3::Context) -> Regexp<'c> {
        let one = Regexp::concat(ctx, &[&self.no_colon_star, &Regexp::literal(ctx, ":")]);
        one.r#loop(5, 5)
    }

    pub fn to_z3(&self, ctx: &'c z3::Context, rx: &Rx) -> Regexp<'c> {
        match rx {
            Rx::Empty => Regexp::empty(ctx),
            Rx::Lit(s) => Regexp::literal(ctx, s),
            Rx::Tok(Tok::Char(c)) => Regexp::literal(ctx, &c.to_string()),
            Rx::Tok(Tok::Fold(c)) => Regexp::union(
                ctx,
                &[
                    &Regexp::literal(ctx, &c.to_ascii_lowercase().to_string()),
                    &Regexp::literal(ctx, &c.to_ascii_uppercase().to_string()),
                ],
            ),
            Rx::Tok(Tok::One(Class::Any)) => self.any.clone(),
            Rx::Tok(Tok::One(Class::NoColon)) => self.no_colon.clone(),
            Rx::Tok(Tok::Star(Class::Any)) => Regexp::full(ctx),
            Rx::Tok(Tok::Star(Class::NoColon)) => self.no_colon_star.clone(),
            Rx::Concat(parts) => {
                let parts: Vec<Regexp<'c>> = parts.iter().map(|p| self.to_z3(ctx, p)).collect();
                let refs: Vec<&Regexp<'c>> = parts.iter().collect();
                Regexp::concat(ctx, &refs)
            }
            Rx::Union(parts) => {
                let parts: Vec<Regexp<'c>> = parts.iter().map(|p| self.to_z3(ctx, p)).collect();
                let refs: Vec<&Regexp<'c>> = parts.iter().collect();
                Regexp::union(ctx, &refs)
            }
        }
    }
}

/// Reference semantics of token sequences (for the tests: a plain backtracking matcher).
#[cfg(test)]
pub(crate) fn tokens_match(tokens: &[Tok], text: &[char]) -> bool {
    let in_class = |class: Class, c: char| match class {
        Class::Any => super::universe::in_strings(c),
        Class::NoColon => super::universe::in_strings(c) && c != ':',
    };
    match tokens.split_first() {
        None => text.is_empty(),
        Some((&Tok::Star(class), rest)) => (0..=text.len())
            .take_while(|&i| i == 0 || in_class(class, text[i - 1]))
            .any(|i| tokens_match(rest, &text[i..])),
        Some((&t, rest)) => match text.split_first() {
            None => false,
            Some((&c, more)) => {
                let ok = match t {
                    Tok::Char(d) => c == d,
                    Tok::Fold(d) => c.eq_ignore_ascii_case(&d),
                    Tok::One(class) => in_class(class, c),
                    Tok::Star(_) => false,
                };
                ok && tokens_match(rest, more)
            }
        },
    }
}
