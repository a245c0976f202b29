//! Dropping the entries of one action list that repeat an earlier one or that another
//! entry covers.
//!
//! The rule: an entry goes when an earlier one is equal to it after normalization, or when
//! another entry covers it ([`Pattern::covers`]); of two entries that cover each other the
//! earlier stays. The order of the rest is kept.
//!
//! Lists can be long (a statement of 600 hostile wildcards refines into two million
//! entries, most of them repeats), so the work is arranged to stay near linear: entries
//! the trie produced are compared as catalog slices without being rendered; repeats go by
//! hashing; coverage by `p*` entries is a binary search in their sorted, prefix-free
//! literal prefixes; and only what survives that is read through each general wildcard's
//! automaton, in sorted order so that consecutive entries share the states of their common
//! prefix.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use crate::catalog::Catalog;
use crate::fxhash::FxHasher;
use crate::nfa::{Nfa, Walker};
use crate::pattern::{normalize, Pattern, Shape};
use crate::trie::Choice;

/// One entry of a refined action list: as written, or chosen from the catalog's trie.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    Written(String),
    Chosen(Choice),
}

impl Item {
    pub(crate) fn render(&self, catalog: &Catalog) -> String {
        match self {
            Item::Written(s) => s.clone(),
            Item::Chosen(c) => c.render(catalog),
        }
    }
}

/// Keeps the first of equal entries as a list is built, so repeats never pile up:
/// catalog names are told apart by position in a bit set, other entries by their key.
pub(crate) struct Distinct<'c> {
    catalog: &'c Catalog,
    names: Vec<u64>,
    /// FxHash (`crate::fxhash`): the keys are the user's own entries, and SipHash was most
    /// of the time spent here on a 1M-action refinement (190,000 prefix entries).
    others: HashSet<(Shape, String), BuildHasherDefault<FxHasher>>,
}

impl<'c> Distinct<'c> {
    pub(crate) fn new(catalog: &'c Catalog) -> Distinct<'c> {
        Distinct {
            catalog,
            names: vec![0u64; catalog.len().div_ceil(64)],
            others: HashSet::default(),
        }
    }

    /// Is `item` the first of its kind so far?
    pub(crate) fn first(&mut self, item: &Item) -> bool {
        let catalog = self.catalog;
        let name = match item {
            Item::Chosen(Choice::Exact(n)) => Some(*n),
            Item::Chosen(c) => {
                return self
                    .others
                    .insert((Shape::Prefix, c.lower_prefix(catalog).to_string()));
            }
            Item::Written(s) => {
                let (norm, lit, shape) = normalize(s);
                match shape {
                    Shape::Literal => match catalog.find(&norm) {
                        Some(n) => Some(n),
                        None => return self.others.insert((shape, norm)),
                    },
                    Shape::Prefix => return self.others.insert((shape, norm[..lit].to_string())),
                    Shape::General => return self.others.insert((shape, norm)),
                }
            }
        };
        let n = name.unwrap_or(0);
        let (word, bit) = (n / 64, 1u64 << (n % 64));
        let new = self.names[word] & bit == 0;
        self.names[word] |= bit;
        new
    }
}

/// What dedupe compares: the literal text (`lit`, the whole name for a literal, the part
/// before `*` for a prefix) or, for other wildcards, the normalized pattern.
#[derive(Clone, Copy)]
struct Key<'a> {
    text: &'a str,
    shape: Shape,
    /// The literal prefix (equal to `text` but for general wildcards).
    lit: &'a str,
}

/// Drops repeated and covered entries; keeps the order of the rest. `distinct` says the
/// list has no repeats already (it went through [`Distinct`]).
pub(crate) fn dedupe(items: Vec<Item>, catalog: &Catalog, distinct: bool) -> Vec<Item> {
    // Normalized texts of the written entries (few), by position; chosen entries are
    // read from the catalog when asked.
    let written: Vec<(usize, (String, usize, Shape))> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Item::Written(s) => Some((i, normalize(s))),
            Item::Chosen(_) => None,
        })
        .collect();
    let key = |i: usize| -> Key<'_> {
        match &items[i] {
            Item::Chosen(c) => {
                let text = c.lower_prefix(catalog);
                let shape = match c {
                    Choice::Exact(_) => Shape::Literal,
                    Choice::Prefix { .. } => Shape::Prefix,
                };
                Key {
                    text,
                    shape,
                    lit: text,
                }
            }
            Item::Written(_) => {
                let k = written.partition_point(|(j, _)| *j < i);
                let (norm, lit, shape) = &written[k].1;
                Key {
                    text: if *shape == Shape::General {
                        norm
                    } else {
                        &norm[..*lit]
                    },
                    shape: *shape,
                    lit: &norm[..*lit],
                }
            }
        }
    };
    let distinct: Vec<usize> = if distinct {
        (0..items.len()).collect()
    } else {
        let mut seen = Distinct::new(catalog);
        (0..items.len())
            .filter(|&i| seen.first(&items[i]))
            .collect()
    };

    // `p*` entries by their literal prefix, sorted and prefix-free: in that order the only
    // candidate that can be a prefix of a string is its predecessor.
    let mut minimal: Vec<&str> = distinct
        .iter()
        .map(|&i| key(i))
        .filter(|k| k.shape == Shape::Prefix)
        .map(|k| k.text)
        .collect();
    if !minimal.is_sorted() {
        minimal.sort_unstable();
    }
    minimal.dedup_by(|later, earlier| later.starts_with(*earlier));
    let by_prefix = |i: usize| {
        let k = key(i);
        let l = k.lit;
        let own = k.shape == Shape::Prefix;
        let k = minimal.partition_point(|m| *m <= l);
        k > 0 && l.starts_with(minimal[k - 1]) && !(own && minimal[k - 1].len() == l.len())
    };
    let mut keep = vec![false; items.len()];
    let mut open: Vec<usize> = Vec::new();
    for &i in &distinct {
        if !by_prefix(i) {
            keep[i] = true;
            open.push(i);
        }
    }

    let general: Vec<usize> = distinct
        .iter()
        .copied()
        .filter(|&i| key(i).shape == Shape::General)
        .collect();
    if !general.is_empty() {
        // What each open entry asks of a general wildcard: a literal, to be matched; a
        // wildcard, that every string starting with its literal prefix be matched.
        let query = |i: usize| key(i).lit;
        open.sort_by(|&a, &b| query(a).cmp(query(b)));
        let patterns: Vec<Pattern> = general
            .iter()
            .map(|&j| Pattern::new(&items[j].render(catalog)))
            .collect();
        for (&j, g) in general.iter().zip(&patterns) {
            let nfa = Nfa::new(g);
            let mut walker = Walker::new(&nfa);
            let g_lit = g.literal_prefix();
            for &i in &open {
                if i == j || !keep[i] || !query(i).starts_with(g_lit) {
                    continue;
                }
                let covers = match key(i).shape {
                    Shape::Literal => g.matches(query(i)),
                    _ => walker.contains_prefix(query(i)),
                };
                if !covers {
                    continue;
                }
                // Of two entries that cover each other, the earlier one stays.
                let mutual = j > i && key(i).shape != Shape::Literal && {
                    let p = Pattern::new(&items[i].render(catalog));
                    p.covers(g)
                };
                if !mutual {
                    keep[i] = false;
                }
            }
        }
    }
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(e, k)| k.then_some(e))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(v: &[&str]) -> Vec<String> {
        let catalog = Catalog::embedded();
        let items = v.iter().map(|s| Item::Written(s.to_string())).collect();
        dedupe(items, &catalog, false)
            .iter()
            .map(|i| i.render(&catalog))
            .collect()
    }

    #[test]
    fn dedupe_rules() {
        assert_eq!(
            run(&[
                "s3:GetObject",
                "s3:Get*",
                "S3:GET*",
                "s3:GetObject*",
                "ec2:*",
                "ec2:Describe*"
            ]),
            ["s3:Get*", "ec2:*"]
        );
        assert_eq!(
            run(&["iam:*AccessKey*", "iam:CreateAccessKey", "iam:Get*"]),
            ["iam:*AccessKey*", "iam:Get*"]
        );
        // Equal after normalization: a repeat.
        assert_eq!(run(&["a:b*?", "a:b?*"]), ["a:b*?"]);
        assert_eq!(
            run(&["a:b?*c", "a:b*?c"]),
            ["a:b?*c"],
            "equal languages, spelled differently"
        );
        assert_eq!(run(&["*", "s3:Get*", "x"]), ["*"]);
        // Mutual coverage keeps the earlier one, whichever kind it is.
        assert_eq!(run(&["s3:*", "s3:?*", "s3:"]), ["s3:*"]);
        assert_eq!(run(&["s3:?*", "s3:*", "s3:x"]), ["s3:*"]);
        // Conservative: a general wildcard is covered only through its literal prefix.
        assert_eq!(run(&["a:*b", "a:*"]), ["a:*"]);
        assert_eq!(run(&["a:x*b", "a:*b"]), ["a:x*b", "a:*b"]);
    }

    #[test]
    fn chosen_entries_compare_as_their_text() {
        let catalog = Catalog::embedded();
        let i = catalog.find("s3:getobject").expect("in the catalog");
        let items = vec![
            Item::Chosen(Choice::Exact(i)),
            Item::Written("S3:GETOBJECT".into()),
            Item::Chosen(Choice::Prefix { action: i, len: 6 }),
            Item::Written("s3:*Object".into()),
        ];
        let out: Vec<String> = dedupe(items, &catalog, false)
            .iter()
            .map(|i| i.render(&catalog))
            .collect();
        assert_eq!(out, ["s3:Get*", "s3:*Object"]);
    }
}
