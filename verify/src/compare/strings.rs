//! Deciding, in Rust, whether one string can be in some languages and outside others,
//! each language a union of globs over the request's alphabet ([`Tok`] sequences): the
//! "string atoms" of the encoding are decided here, not by Z3's string solver (which takes
//! tens of milliseconds on Z3 4.8.12 for the smallest symbolic membership).
//!
//! A best-first (A*) search, by length, over the product of the globs' automata (the state of a glob is
//! the set of its positions still alive). Characters are explored by class: each character
//! written literally in some glob, `:` (the class boundary), and one `other` character that
//! no glob writes. Every character outside the literal set other than `:` moves every glob
//! exactly as `other` does (a glob compares characters only with its literal characters and
//! lets its classes take them, and both classes hold every such character), so the search
//! is exact: it finds a member when there is one (the shortest), and reports none only when
//! there is none. The witness is made of the characters explored, all in the alphabet.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

use super::rx::{Class, Tok};
use super::universe::in_strings;

/// The answer of [`find`].
#[cfg(test)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    Word(String),
    Empty,
    /// More states than the cap: undecided.
    TooBig,
}

/// Positions of a glob, as a bit set.
type Set = Vec<u64>;

/// A multiply-rotate hash over 8-byte words (as rustc's FxHash): the search hashes many
/// states of `u64` words; SipHash's resistance to collision attacks buys nothing here (the
/// states come from the policies, and a collision costs time only).
#[derive(Default)]
struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fx>>;

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
    /// Adds the positions a star can skip to (in increasing order, so that a run of stars
    /// is skipped in one pass).
    fn close(&self, set: &mut Set) {
        let mut w = 0;
        while w < set.len() {
            let mut bits = set[w];
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if matches!(self.toks.get(i), Some(Tok::Star(_))) {
                    put(set, i + 1);
                    if (i + 1) / 64 == w {
                        bits |= 1 << ((i + 1) % 64);
                    }
                }
            }
            w += 1;
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
        for (w, &word) in set.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let Some(tok) = self.toks.get(i) else {
                    continue;
                };
                self.advance(*tok, i, c, &mut next);
            }
        }
        self.close(&mut next);
        while next.last() == Some(&0) {
            next.pop();
        }
        next
    }

    fn advance(&self, tok: Tok, i: usize, c: char, next: &mut Set) {
        {
            match tok {
                Tok::Char(d) if d == c => put(next, i + 1),
                Tok::Fold(d) if d.eq_ignore_ascii_case(&c) => put(next, i + 1),
                Tok::One(class) if in_class(class, c) => put(next, i + 1),
                Tok::Star(class) if in_class(class, c) => put(next, i),
                _ => {}
            }
        }
    }

    fn accepts(&self, set: &Set) -> bool {
        has(set, self.toks.len())
    }

    /// Whether the glob matches the whole word.
    fn matches(&self, word: &str) -> bool {
        let mut set = self.start();
        for c in word.chars() {
            set = self.step(&set, c);
            if set.is_empty() {
                return false;
            }
        }
        self.accepts(&set)
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
#[cfg(test)]
pub(crate) fn find(pos: &[&[Vec<Tok>]], neg: &[&[Vec<Tok>]], other: char, cap: usize) -> Found {
    match find_many(pos, neg, other, cap, 1) {
        Many::Words(mut w) if !w.is_empty() => Found::Word(w.swap_remove(0)),
        Many::Words(_) => Found::Empty,
        Many::TooBig => Found::TooBig,
    }
}

/// Up to `k` distinct strings of the languages' combination (all of them when it has fewer),
/// over every string, not only those of the search's character classes: when `k > 1` the
/// search takes `k - 1` more characters no glob writes (see [`search`]).
pub(crate) enum Many {
    Words(Vec<String>),
    TooBig,
}

/// [`find`] for up to `k` distinct members.
///
/// The negative languages are taken in lazily: the search runs with the positive languages
/// and the negative ones seen to matter so far; a member found that some other negative
/// language holds brings that language in, and the search runs again. This is exact: a
/// search with fewer negative languages is over a superset, so "none" there is "none" here;
/// and when every member it gives is outside every negative language, they are members
/// here too (the shortest, as the search gives shortest first, of a superset). Most of the
/// negative languages of a question (every other statement's resources) cannot hold a
/// member of the positive ones anyway, and each one taken into the product multiplies its
/// states. A relaxed search over its cap falls back to the whole question.
pub(crate) fn find_many(
    pos: &[&[Vec<Tok>]],
    neg: &[&[Vec<Tok>]],
    other: char,
    cap: usize,
    k: usize,
) -> Many {
    let mut active: Vec<usize> = Vec::new();
    loop {
        let taken: Vec<&[Vec<Tok>]> = active.iter().map(|&i| neg[i]).collect();
        let words = match search(pos, &taken, other, cap, k) {
            Many::TooBig if active.len() < neg.len() => return search(pos, neg, other, cap, k),
            Many::TooBig => return Many::TooBig,
            Many::Words(words) => words,
        };
        let before = active.len();
        for word in &words {
            for (i, language) in neg.iter().enumerate() {
                if !active.contains(&i) && accepts_word(language, word) {
                    active.push(i);
                }
            }
        }
        if active.len() == before {
            return Many::Words(words);
        }
    }
}

/// Whether some glob of a union matches the whole word.
fn accepts_word(globs: &[Vec<Tok>], word: &str) -> bool {
    globs.iter().any(|toks| Glob { toks }.matches(word))
}

/// The search itself, over every language given. A state is expanded for at most `k`
/// different prefixes: a state reached by more can give `k` members through its first `k`
/// prefixes alone if it gives any, so no member is lost while fewer than `k` are found.
fn search(pos: &[&[Vec<Tok>]], neg: &[&[Vec<Tok>]], other: char, cap: usize, k: usize) -> Many {
    let languages: Vec<(bool, Vec<Glob<'_>>)> = pos
        .iter()
        .map(|l| (true, l.iter().map(|t| Glob { toks: t }).collect()))
        .chain(
            neg.iter()
                .map(|l| (false, l.iter().map(|t| Glob { toks: t }).collect())),
        )
        .collect();
    // a member is often one of the first language's globs with its wildcards filled in
    // plainly: tried (and checked against every language) before the search
    if k == 1 {
        if let Some(word) = sample(&languages, other) {
            return Many::Words(vec![word]);
        }
    }
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
    // Distinct members need distinct characters where they differ: a member with a
    // character no glob writes gives `k` members through `k` such characters, all alike to
    // every glob. With `other` alone, `??:` (segment mode) would have one member, `~~:`,
    // and two strings of it told to differ would be "impossible": a false string fact.
    // (Lower-case letters first, which read best in a witness, then digits and
    // punctuation: a letter no glob writes, in either case, is alike to every glob, as
    // any other character no glob writes is.)
    if k > 1 {
        let spares: Vec<char> = ('a'..='z')
            .chain('0'..='9')
            .chain((' '..='~').filter(|c| !c.is_ascii_alphanumeric()))
            .filter(|&c| {
                in_strings(c)
                    && !matches!(c, '*' | '?' | ':' | '$' | '{' | '}' | '\'' | ',')
                    && !alphabet.contains(&c.to_ascii_lowercase())
                    && !alphabet.contains(&c.to_ascii_uppercase())
            })
            .take(k - 1)
            .collect();
        if spares.len() < k - 1 {
            return Many::TooBig;
        }
        alphabet.extend(spares);
    }
    let alphabet: Vec<char> = alphabet.into_iter().filter(|&c| in_strings(c)).collect();
    type State = Vec<Set>;
    let k = k.max(1);
    let start: State = languages
        .iter()
        .flat_map(|(_, globs)| globs.iter().map(Glob::start))
        .collect();
    // judge a state: Some(true) goal, Some(false) dead, None go on
    let judge = |state: &State| -> (bool, bool) {
        let mut at = 0;
        let mut goal = true;
        let mut dead = false;
        for (positive, globs) in &languages {
            let sets = &state[at..at + globs.len()];
            at += globs.len();
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
    // Best-first (A*): a node's priority is its length plus a lower bound on what it still
    // needs, the most any positive language needs (the fewest characters one of its globs
    // must still read). The bound drops by at most one per character (a glob's positions
    // move forward one token, or stay on a star), so it is consistent: the first goal taken
    // is a shortest member, as breadth-first would find, but only nodes that can lead to
    // one that short are expanded before it. Without this a member of two globs whose
    // literal parts interleave (`arn:*:ec2:*:*:instance/*` and a 120-character role ARN)
    // is found only after every state up to its length (seconds; now milliseconds).
    // Ties go to the longer prefix (it is nearer a goal), then first come first served.
    let needs: Vec<Vec<Vec<u32>>> = languages
        .iter()
        .map(|(_, globs)| {
            globs
                .iter()
                .map(|g| {
                    let mut rest = vec![0u32; g.toks.len() + 1];
                    for i in (0..g.toks.len()).rev() {
                        let own = u32::from(!matches!(g.toks[i], Tok::Star(_)));
                        rest[i] = rest[i + 1] + own;
                    }
                    rest
                })
                .collect()
        })
        .collect();
    let bound = |state: &State| -> u32 {
        let mut at = 0;
        let mut most = 0;
        for ((positive, globs), rests) in languages.iter().zip(&needs) {
            let sets = &state[at..at + globs.len()];
            at += globs.len();
            if !*positive {
                continue;
            }
            let least = sets
                .iter()
                .zip(rests)
                .filter_map(|(set, rest)| {
                    let mut min: Option<u32> = None;
                    for (w, &word) in set.iter().enumerate() {
                        let mut bits = word;
                        while bits != 0 {
                            let i = w * 64 + bits.trailing_zeros() as usize;
                            bits &= bits - 1;
                            if let Some(&r) = rest.get(i) {
                                min = Some(min.map_or(r, |m| m.min(r)));
                            }
                        }
                    }
                    min
                })
                .min()
                .unwrap_or(0);
            most = most.max(least);
        }
        most
    };
    // times each state was reached (by distinct prefixes: the nodes are distinct words)
    let mut seen: FastMap<State, usize> = FastMap::default();
    // (state, parent index, character taken, length)
    let mut nodes: Vec<(State, usize, char, u32)> = Vec::new();
    let mut queue: BinaryHeap<Reverse<(u32, Reverse<u32>, usize)>> = BinaryHeap::new();
    let mut words: Vec<String> = Vec::new();
    seen.insert(start.clone(), 1);
    queue.push(Reverse((bound(&start), Reverse(0), 0)));
    nodes.push((start, 0, ' ', 0));
    while let Some(Reverse((_, _, at))) = queue.pop() {
        let state = nodes[at].0.clone();
        let length = nodes[at].3;
        let (goal, dead) = judge(&state);
        if goal {
            let mut word = Vec::new();
            let mut i = at;
            while i != 0 {
                word.push(nodes[i].2);
                i = nodes[i].1;
            }
            word.reverse();
            words.push(word.into_iter().collect());
            if words.len() >= k {
                return Many::Words(words);
            }
        }
        if dead {
            continue;
        }
        for &c in &alphabet {
            let mut j = 0;
            let mut next: State = Vec::with_capacity(state.len());
            for (_, globs) in &languages {
                for g in globs {
                    next.push(g.step(&state[j], c));
                    j += 1;
                }
            }
            let times = seen.entry(next.clone()).or_insert(0);
            if *times >= k {
                continue;
            }
            *times += 1;
            if nodes.len() >= cap {
                return Many::TooBig;
            }
            let f = length + 1 + bound(&next);
            nodes.push((next, at, c, length + 1));
            queue.push(Reverse((f, Reverse(length + 1), nodes.len() - 1)));
        }
    }
    Many::Words(words)
}

/// Languages (each a union of globs) by reference.
pub(crate) type Languages<'a> = Vec<&'a [Vec<Tok>]>;

/// A string of the form "a glob of the smallest positive language, each `*` taking nothing,
/// `other` or `:`, each `?` taking `other` or `:`", that is in every positive language and in
/// no negative one, if one of the few tried is.
fn sample(languages: &[(bool, Vec<Glob<'_>>)], other: char) -> Option<String> {
    let accepts = |globs: &[Glob<'_>], word: &str| globs.iter().any(|g| g.matches(word));
    let ok = |word: &str| {
        languages
            .iter()
            .all(|(positive, globs)| accepts(globs, word) == *positive)
    };
    let seeds: Vec<&Glob<'_>> = match languages
        .iter()
        .filter(|(positive, _)| *positive)
        .min_by_key(|(_, globs)| globs.len())
    {
        Some((_, globs)) => globs.iter().take(8).collect(),
        None => return ok("").then(String::new),
    };
    for g in seeds {
        for (star, one) in [
            ("", other.to_string()),
            (&*other.to_string(), other.to_string()),
            (":", ":".to_string()),
        ] {
            let word: String = g
                .toks
                .iter()
                .map(|t| match *t {
                    Tok::Char(c) | Tok::Fold(c) => c.to_string(),
                    Tok::One(Class::NoColon) => other.to_string(),
                    Tok::One(Class::Any) => one.clone(),
                    Tok::Star(Class::NoColon) => {
                        if star == ":" {
                            String::new()
                        } else {
                            star.to_string()
                        }
                    }
                    Tok::Star(Class::Any) => star.to_string(),
                })
                .collect();
            if ok(&word) {
                return Some(word);
            }
        }
    }
    None
}

/// Strings for several variables at once: each in its languages (`pos`) and outside others
/// (`neg`), and equal or different as `eqs` say (`(a, b, equal)`).
pub(crate) struct System<'a> {
    /// Per variable: the languages it is in, and those it is outside.
    pub vars: Vec<(Languages<'a>, Languages<'a>)>,
    pub eqs: Vec<(usize, usize, bool)>,
}

pub(crate) enum Solved {
    Words(Vec<String>),
    Empty,
    TooBig,
}

fn root(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Solves a [`System`] exactly: variables said equal form classes that must share one
/// string (in every language of their members); classes said different must get different
/// strings. Each class's candidates are up to (number of classes it must differ from + 1)
/// members (all of them when fewer exist), so a class with that many can always be served
/// last; the rest are assigned by backtracking.
pub(crate) fn solve(system: &System<'_>, other: char, cap: usize) -> Solved {
    let n = system.vars.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for &(a, b, equal) in &system.eqs {
        if equal {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            parent[ra] = rb;
        }
    }
    let roots: Vec<usize> = (0..n).map(|x| root(&mut parent, x)).collect();
    let mut classes: Vec<usize> = roots.clone();
    classes.sort_unstable();
    classes.dedup();
    let index = |r: usize| classes.binary_search(&r).unwrap_or(0);
    let mut apart: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); classes.len()];
    for &(a, b, equal) in &system.eqs {
        if !equal {
            let (ca, cb) = (index(roots[a]), index(roots[b]));
            if ca == cb {
                return Solved::Empty;
            }
            apart[ca].insert(cb);
            apart[cb].insert(ca);
        }
    }
    let mut candidates: Vec<Vec<String>> = Vec::with_capacity(classes.len());
    for (c, &r) in classes.iter().enumerate() {
        let mut pos = Vec::new();
        let mut neg = Vec::new();
        for (x, (p, q)) in system.vars.iter().enumerate() {
            if roots[x] == r {
                pos.extend(p.iter().copied());
                neg.extend(q.iter().copied());
            }
        }
        match find_many(&pos, &neg, other, cap, apart[c].len() + 1) {
            Many::TooBig => return Solved::TooBig,
            Many::Words(w) if w.is_empty() => return Solved::Empty,
            Many::Words(w) => candidates.push(w),
        }
    }
    // backtracking over the classes that may run short, the others served last
    let mut order: Vec<usize> = (0..classes.len()).collect();
    order.sort_by_key(|&c| (candidates[c].len() > apart[c].len(), candidates[c].len()));
    let mut chosen: Vec<Option<usize>> = vec![None; classes.len()];
    fn assign(
        at: usize,
        order: &[usize],
        candidates: &[Vec<String>],
        apart: &[BTreeSet<usize>],
        chosen: &mut Vec<Option<usize>>,
    ) -> bool {
        let Some(&c) = order.get(at) else {
            return true;
        };
        for (i, word) in candidates[c].iter().enumerate() {
            let clash = apart[c]
                .iter()
                .any(|&d| chosen[d].is_some_and(|j| &candidates[d][j] == word));
            if clash {
                continue;
            }
            chosen[c] = Some(i);
            if assign(at + 1, order, candidates, apart, chosen) {
                return true;
            }
            chosen[c] = None;
        }
        false
    }
    if !assign(0, &order, &candidates, &apart, &mut chosen) {
        return Solved::Empty;
    }
    Solved::Words(
        roots
            .iter()
            .map(|&r| {
                let c = index(r);
                chosen[c]
                    .and_then(|i| candidates[c].get(i).cloned())
                    .unwrap_or_default()
            })
            .collect(),
    )
}

#[cfg(test)]
#[path = "strings_tests.rs"]
mod tests;
