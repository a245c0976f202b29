//! Deciding, in Rust, whether one string can be in some languages and outside others,
//! each language a union of globs over the request's alphabet ([`Tok`] sequences): the
//! "string atoms" of the encoding are decided here, not by Z3's string solver (which takes
//! tens of milliseconds on Z3 4.8.12 for the smallest symbolic membership).
//!
//! A breadth-first search over the product of the globs' automata (the state of a glob is
//! the set of its positions still alive). Characters are explored by class: each character
//! written literally in some glob, `:` (the class boundary), and one `other` character that
//! no glob writes. Every character outside the literal set other than `:` moves every glob
//! exactly as `other` does (a glob compares characters only with its literal characters and
//! lets its classes take them, and both classes hold every such character), so the search
//! is exact: it finds a member when there is one (the shortest), and reports none only when
//! there is none. The witness is made of the characters explored, all in the alphabet.

use std::collections::{BTreeSet, HashMap, VecDeque};

use super::rx::{Class, Tok};
use super::universe::in_strings;

/// The answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    Word(String),
    Empty,
    /// More states than the cap: undecided.
    TooBig,
}

/// Positions of a glob, as a bit set.
type Set = Vec<u64>;

struct Glob<'a> {
    toks: &'a [Tok],
}

fn has(set: &Set, i: usize) -> bool {
    set.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

fn put(set: &mut Set, i: usize) {
    if set.len() <= i / 64 {
        set.resize(i / 64 + 1, 0);
    }
    set[i / 64] |= 1 << (i % 64);
}

fn in_class(class: Class, c: char) -> bool {
    in_strings(c) && (class == Class::Any || c != ':')
}

impl Glob<'_> {
    /// Adds the positions a star can skip to.
    fn close(&self, set: &mut Set) {
        for i in 0..self.toks.len() {
            if has(set, i) && matches!(self.toks[i], Tok::Star(_)) {
                put(set, i + 1);
            }
        }
    }

    fn start(&self) -> Set {
        let mut s = Set::new();
        put(&mut s, 0);
        self.close(&mut s);
        s
    }

    fn step(&self, set: &Set, c: char) -> Set {
        let mut next = Set::new();
        for (i, tok) in self.toks.iter().enumerate() {
            if !has(set, i) {
                continue;
            }
            match *tok {
                Tok::Char(d) if d == c => put(&mut next, i + 1),
                Tok::Fold(d) if d.eq_ignore_ascii_case(&c) => put(&mut next, i + 1),
                Tok::One(class) if in_class(class, c) => put(&mut next, i + 1),
                Tok::Star(class) if in_class(class, c) => put(&mut next, i),
                _ => {}
            }
        }
        self.close(&mut next);
        while next.last() == Some(&0) {
            next.pop();
        }
        next
    }

    fn accepts(&self, set: &Set) -> bool {
        has(set, self.toks.len())
    }

    /// Accepts every continuation: alive at a final `Star(Any)`.
    fn universal(&self, set: &Set) -> bool {
        let n = self.toks.len();
        n > 0 && self.toks[n - 1] == Tok::Star(Class::Any) && has(set, n - 1)
    }
}

/// A string in every language of `pos` and in none of `neg` (each language a union of
/// globs), or proof there is none. `other` is a character of the alphabet that no glob
/// writes and is not `:`. At most `cap` states are explored.
pub(crate) fn find(pos: &[&[Vec<Tok>]], neg: &[&[Vec<Tok>]], other: char, cap: usize) -> Found {
    let languages: Vec<(bool, Vec<Glob<'_>>)> = pos
        .iter()
        .map(|l| (true, l.iter().map(|t| Glob { toks: t }).collect()))
        .chain(
            neg.iter()
                .map(|l| (false, l.iter().map(|t| Glob { toks: t }).collect())),
        )
        .collect();
    let mut alphabet: BTreeSet<char> = [':', other].into_iter().collect();
    for (_, globs) in &languages {
        for g in globs {
            for t in g.toks {
                match *t {
                    Tok::Char(c) => {
                        alphabet.insert(c);
                    }
                    Tok::Fold(c) => {
                        alphabet.insert(c.to_ascii_lowercase());
                        alphabet.insert(c.to_ascii_uppercase());
                    }
                    _ => {}
                }
            }
        }
    }
    let alphabet: Vec<char> = alphabet.into_iter().filter(|&c| in_strings(c)).collect();
    type State = Vec<Set>;
    let start: State = languages
        .iter()
        .flat_map(|(_, globs)| globs.iter().map(Glob::start))
        .collect();
    // judge a state: Some(true) goal, Some(false) dead, None go on
    let judge = |state: &State| -> (bool, bool) {
        let mut k = 0;
        let mut goal = true;
        let mut dead = false;
        for (positive, globs) in &languages {
            let sets = &state[k..k + globs.len()];
            k += globs.len();
            let accepts = globs.iter().zip(sets).any(|(g, s)| g.accepts(s));
            if *positive {
                goal &= accepts;
                dead |= sets.iter().all(Vec::is_empty);
            } else {
                goal &= !accepts;
                dead |= globs.iter().zip(sets).any(|(g, s)| g.universal(s));
            }
        }
        (goal, dead)
    };
    let mut seen: HashMap<State, usize> = HashMap::new();
    // (state, parent index, character taken)
    let mut nodes: Vec<(State, usize, char)> = Vec::new();
    let mut queue = VecDeque::new();
    seen.insert(start.clone(), 0);
    nodes.push((start, 0, ' '));
    queue.push_back(0);
    while let Some(at) = queue.pop_front() {
        let state = nodes[at].0.clone();
        let (goal, dead) = judge(&state);
        if goal {
            let mut word = Vec::new();
            let mut i = at;
            while i != 0 {
                word.push(nodes[i].2);
                i = nodes[i].1;
            }
            word.reverse();
            return Found::Word(word.into_iter().collect());
        }
        if dead {
            continue;
        }
        for &c in &alphabet {
            let mut k = 0;
            let mut next: State = Vec::with_capacity(state.len());
            for (_, globs) in &languages {
                for g in globs {
                    next.push(g.step(&state[k], c));
                    k += 1;
                }
            }
            if seen.contains_key(&next) {
                continue;
            }
            if nodes.len() >= cap {
                return Found::TooBig;
            }
            seen.insert(next.clone(), nodes.len());
            nodes.push((next, at, c));
            queue.push_back(nodes.len() - 1);
        }
    }
    Found::Empty
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::patterns::{ground, items, Mode};
    use crate::compare::rx::tokens_match;
    use crate::compare::text::Text;
    use crate::compare::universe::Alphabet;
    use crate::regex::tests::Rng;

    fn toks(p: &str, mode: Mode) -> Vec<Tok> {
        ground(&items(&Text::plain(p).pieces, mode, &Alphabet::default())).unwrap()
    }

    #[test]
    fn simple_cases() {
        let a = vec![toks("arn:aws:s3:::*", Mode::Resource)];
        let b = vec![toks("arn:aws:s3:::b/*", Mode::Resource)];
        match find(&[&a], &[&b], '~', 10_000) {
            Found::Word(w) => assert!(w.starts_with("arn:aws:s3:::") && !w.starts_with("arn:aws:s3:::b/")),
            other => panic!("{other:?}"),
        }
        assert_eq!(find(&[&b], &[&a], '~', 10_000), Found::Empty);
        let star = vec![toks("*", Mode::Resource)];
        assert_eq!(find(&[], &[&star], '~', 10_000), Found::Empty);
        assert_eq!(find(&[], &[], '~', 10_000), Found::Word(String::new()));
        let fold = vec![toks("true", Mode::Fold)];
        let exact = vec![toks("TRUE", Mode::Exact), toks("true", Mode::Exact)];
        match find(&[&fold], &[&exact], '~', 10_000) {
            Found::Word(w) => assert!(w.eq_ignore_ascii_case("true") && w != "TRUE" && w != "true"),
            other => panic!("{other:?}"),
        }
    }

    /// Random glob sets: a word found is right; "empty" agrees with every sampled string.
    #[test]
    fn agrees_with_the_reference_matcher() {
        let pattern_chars = ['a', 'b', ':', '*', '?'];
        let text_chars = ['a', 'b', ':', '~'];
        let mut rng = Rng::new(23);
        let (mut words, mut empties) = (0, 0);
        for _ in 0..600 {
            let mode = [Mode::Resource, Mode::Like, Mode::Segment][rng.below(3)];
            let lang = |rng: &mut Rng| -> Vec<Vec<Tok>> {
                (0..1 + rng.below(2))
                    .map(|_| toks(&rng.string(&pattern_chars, 4), mode))
                    .collect()
            };
            let p: Vec<Vec<Vec<Tok>>> = (0..rng.below(3)).map(|_| lang(&mut rng)).collect();
            let n: Vec<Vec<Vec<Tok>>> = (0..rng.below(3)).map(|_| lang(&mut rng)).collect();
            let pr: Vec<&[Vec<Tok>]> = p.iter().map(Vec::as_slice).collect();
            let nr: Vec<&[Vec<Tok>]> = n.iter().map(Vec::as_slice).collect();
            let member = |l: &[Vec<Tok>], w: &str| {
                let w: Vec<char> = w.chars().collect();
                l.iter().any(|t| tokens_match(t, &w))
            };
            let ok = |w: &str| pr.iter().all(|l| member(l, w)) && nr.iter().all(|l| !member(l, w));
            match find(&pr, &nr, '~', 100_000) {
                Found::Word(w) => {
                    words += 1;
                    assert!(ok(&w), "{p:?} {n:?}: {w:?}");
                }
                Found::Empty => {
                    empties += 1;
                    for _ in 0..200 {
                        let w = rng.string(&text_chars, 7);
                        assert!(!ok(&w), "{p:?} {n:?} has {w:?}");
                    }
                }
                Found::TooBig => panic!("too big"),
            }
        }
        assert!(words > 100 && empties > 50, "{words} {empties}");
    }
}
