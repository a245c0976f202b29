//! Tests of the string search: against a reference matcher, exhaustive enumeration of
//! short strings, and exhaustive assignment for systems of several strings.

use super::*;
use crate::compare::patterns::{ground, Mode};
use crate::compare::rx::tokens_match;
use crate::compare::text::Text;
use crate::compare::universe::Alphabet;
use crate::regex::tests::Rng;

fn toks(p: &str, mode: Mode) -> Vec<Tok> {
    ground(&Text::plain(p).pieces, mode, &Alphabet::default())
}

/// A union of globs matches the word (the reference matcher).
fn member(l: &[Vec<Tok>], w: &str) -> bool {
    let w: Vec<char> = w.chars().collect();
    l.iter().any(|t| tokens_match(t, &w))
}

/// A random question: fewer than 3 positive languages and fewer than `negatives` negative
/// ones, each a union of 1-2 globs of up to 4 characters over `a b : * ?`, in one mode.
type Union = Vec<Vec<Tok>>;
fn question(rng: &mut Rng, negatives: usize) -> (Vec<Union>, Vec<Union>) {
    let pattern_chars = ['a', 'b', ':', '*', '?'];
    let mode = [Mode::Resource, Mode::Like, Mode::Segment][rng.below(3)];
    let lang = |rng: &mut Rng| -> Union {
        (0..1 + rng.below(2))
            .map(|_| toks(&rng.string(&pattern_chars, 4), mode))
            .collect()
    };
    let p = (0..rng.below(3)).map(|_| lang(rng)).collect();
    let n = (0..rng.below(negatives)).map(|_| lang(rng)).collect();
    (p, n)
}

#[test]
fn simple_cases() {
    let a = vec![toks("arn:aws:s3:::*", Mode::Resource)];
    let b = vec![toks("arn:aws:s3:::b/*", Mode::Resource)];
    match find(&[&a], &[&b], '~', 10_000) {
        Found::Word(w) => {
            assert!(w.starts_with("arn:aws:s3:::") && !w.starts_with("arn:aws:s3:::b/"))
        }
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
    let text_chars = ['a', 'b', ':', '~'];
    let mut rng = Rng::new(23);
    let (mut words, mut empties) = (0, 0);
    for _ in 0..600 {
        let (p, n) = question(&mut rng, 3);
        let pr: Vec<&[Vec<Tok>]> = p.iter().map(Vec::as_slice).collect();
        let nr: Vec<&[Vec<Tok>]> = n.iter().map(Vec::as_slice).collect();
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

#[test]
fn shortest_members_and_emptiness_as_exhaustive_enumeration_finds_them() {
    // every string up to 6 characters over the text alphabet, against the search with
    // its negative languages taken in lazily (up to 6 of them, most irrelevant) and the
    // search over every language at once
    let text_chars = ['a', 'b', ':', '~'];
    let mut all: Vec<String> = vec![String::new()];
    let mut at = 0;
    while at < all.len() {
        if all[at].chars().count() < 6 {
            for c in text_chars {
                all.push(format!("{}{c}", all[at]));
            }
        }
        at += 1;
    }
    let mut rng = Rng::new(71);
    let (mut found, mut empty, mut lazy_rounds) = (0, 0, 0);
    for _ in 0..400 {
        let (p, n) = question(&mut rng, 7);
        let pr: Vec<&[Vec<Tok>]> = p.iter().map(Vec::as_slice).collect();
        let nr: Vec<&[Vec<Tok>]> = n.iter().map(Vec::as_slice).collect();
        let ok = |w: &str| pr.iter().all(|l| member(l, w)) && nr.iter().all(|l| !member(l, w));
        let members: Vec<&String> = all.iter().filter(|w| ok(w)).collect();
        let eager = match search(&pr, &nr, '~', 100_000, 1) {
            Many::Words(w) => w,
            Many::TooBig => panic!("too big"),
        };
        match find(&pr, &nr, '~', 100_000) {
            Found::Word(w) => {
                found += 1;
                assert!(ok(&w), "{p:?} {n:?}: {w:?}");
                // (not always a shortest one: `sample` tries plain fillings first)
                assert!(
                    !members.is_empty() || w.chars().count() > 6,
                    "{p:?} {n:?}: {w:?} but none up to 6"
                );
                assert!(!eager.is_empty());
                if nr.iter().any(|l| !l.is_empty()) {
                    lazy_rounds += 1;
                }
            }
            Found::Empty => {
                empty += 1;
                assert!(members.is_empty(), "{p:?} {n:?} has {:?}", members.first());
                assert!(eager.is_empty());
            }
            Found::TooBig => panic!("too big"),
        }
        // several members: distinct, members, and all of them when fewer than asked
        if let Many::Words(words) = find_many(&pr, &nr, '~', 100_000, 3) {
            let distinct: BTreeSet<&String> = words.iter().collect();
            assert_eq!(distinct.len(), words.len());
            assert!(words.iter().all(|w| ok(w)), "{p:?} {n:?}: {words:?}");
            if words.len() < 3 {
                let missed = members.iter().find(|m| !words.contains(m));
                assert!(missed.is_none(), "{p:?} {n:?}: {words:?} misses {missed:?}");
            }
        }
    }
    assert!(
        found > 100 && empty > 50 && lazy_rounds > 50,
        "{found} {empty} {lazy_rounds}"
    );
}

#[test]
fn many_words_are_distinct_and_complete() {
    let two = vec![toks("a", Mode::Exact), toks("b", Mode::Exact)];
    match find_many(&[&two], &[], '~', 1000, 5) {
        Many::Words(w) => assert_eq!(w, vec!["a".to_string(), "b".to_string()]),
        Many::TooBig => panic!(),
    }
    let any = vec![toks("x*", Mode::Like)];
    match find_many(&[&any], &[], '~', 1000, 3) {
        Many::Words(w) => {
            assert_eq!(w.len(), 3);
            assert!(w.iter().all(|x| x.starts_with('x')));
        }
        Many::TooBig => panic!(),
    }
}

#[test]
fn systems_agree_with_exhaustive_assignment() {
    // two or three strings, each in and outside random languages, equal or different
    // as random pairs say; "none" must mean no assignment of short strings exists over
    // an alphabet with two characters no glob writes ('#', '%'), so that strings can
    // differ where no glob looks
    let pattern_chars = ['a', ':', '*', '?'];
    let text_chars = ['a', ':', '#', '%'];
    let strings = |max: usize| {
        let mut all: Vec<String> = vec![String::new()];
        let mut at = 0;
        while at < all.len() {
            if all[at].chars().count() < max {
                for c in text_chars {
                    all.push(format!("{}{c}", all[at]));
                }
            }
            at += 1;
        }
        all
    };
    let (short2, short3) = (strings(3), strings(2));
    let mut rng = Rng::new(5);
    let (mut solved, mut empty) = (0, 0);
    for _ in 0..3000 {
        let n = 2 + rng.below(2);
        let mode = [Mode::Resource, Mode::Like, Mode::Segment][rng.below(3)];
        let lang = |rng: &mut Rng| -> Vec<Vec<Tok>> {
            (0..1 + rng.below(2))
                .map(|_| toks(&rng.string(&pattern_chars, 3), mode))
                .collect()
        };
        // per string: the languages it is in, those it is outside
        let langs: Vec<(Vec<Union>, Vec<Union>)> = (0..n)
            .map(|_| {
                let p = (0..rng.below(2)).map(|_| lang(&mut rng)).collect();
                let q = (0..rng.below(2)).map(|_| lang(&mut rng)).collect();
                (p, q)
            })
            .collect();
        let mut eqs = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                match rng.below(3) {
                    0 => eqs.push((a, b, true)),
                    1 => eqs.push((a, b, false)),
                    _ => {}
                }
            }
        }
        let sys = System {
            vars: langs
                .iter()
                .map(|(p, q)| {
                    (
                        p.iter().map(Vec::as_slice).collect(),
                        q.iter().map(Vec::as_slice).collect(),
                    )
                })
                .collect(),
            eqs: eqs.clone(),
        };
        let member = |l: &[Vec<Tok>], w: &str| {
            let w: Vec<char> = w.chars().collect();
            l.iter().any(|t| tokens_match(t, &w))
        };
        let fits = |x: usize, w: &str| {
            langs[x].0.iter().all(|l| member(l, w)) && langs[x].1.iter().all(|l| !member(l, w))
        };
        let holds = |ws: &[&String]| {
            eqs.iter().all(|&(a, b, equal)| (ws[a] == ws[b]) == equal)
                && (0..n).all(|x| fits(x, ws[x]))
        };
        let pool = if n == 2 { &short2 } else { &short3 };
        let candidates: Vec<Vec<&String>> = (0..n)
            .map(|x| pool.iter().filter(|w| fits(x, w)).collect())
            .collect();
        let mut exists = false;
        let mut pick = vec![0usize; n];
        'all: loop {
            if candidates.iter().any(Vec::is_empty) {
                break;
            }
            let ws: Vec<&String> = (0..n).map(|x| candidates[x][pick[x]]).collect();
            if holds(&ws) {
                exists = true;
                break;
            }
            for x in 0..n {
                pick[x] += 1;
                if pick[x] < candidates[x].len() {
                    continue 'all;
                }
                pick[x] = 0;
            }
            break;
        }
        match solve(&sys, '~', 100_000) {
            Solved::Words(w) => {
                solved += 1;
                let ws: Vec<&String> = w.iter().collect();
                assert!(holds(&ws), "{langs:?} {eqs:?}: {w:?}");
            }
            Solved::Empty => {
                empty += 1;
                assert!(!exists, "{langs:?} {eqs:?}: none, but an assignment exists");
            }
            Solved::TooBig => panic!("too big"),
        }
    }
    assert!(solved > 1000 && empty > 200, "{solved} {empty}");
}

#[test]
fn systems_with_equalities() {
    let a = [toks("a", Mode::Exact)];
    let ab = [toks("a", Mode::Exact), toks("b", Mode::Exact)];
    // x = "a", y in {a, b}, x != y: y = "b"
    let sys = System {
        vars: vec![(vec![&a[..]], vec![]), (vec![&ab[..]], vec![])],
        eqs: vec![(0, 1, false)],
    };
    match solve(&sys, '~', 1000) {
        Solved::Words(w) => assert_eq!(w, vec!["a".to_string(), "b".to_string()]),
        _ => panic!(),
    }
    // x = y, x = "a", y not "a": none
    let sys = System {
        vars: vec![(vec![&a[..]], vec![]), (vec![], vec![&a[..]])],
        eqs: vec![(0, 1, true)],
    };
    assert!(matches!(solve(&sys, '~', 1000), Solved::Empty));
    // three variables pairwise different, two words only: none
    let sys = System {
        vars: vec![(vec![&ab[..]], vec![]); 3],
        eqs: vec![(0, 1, false), (1, 2, false), (0, 2, false)],
    };
    assert!(matches!(solve(&sys, '~', 1000), Solved::Empty));
    // two different strings of a language no glob writes a character of (but `:`)
    let q = [toks("??:", Mode::Segment)];
    let sys = System {
        vars: vec![(vec![&q[..]], vec![]); 2],
        eqs: vec![(0, 1, false)],
    };
    match solve(&sys, '~', 1000) {
        Solved::Words(w) => assert_ne!(w[0], w[1]),
        _ => panic!("two strings of ??: that differ exist"),
    }
}
