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

use crate::catalog::Catalog;
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
    others: HashSet<(Shape, String)>,
}

impl<'c> Distinct<'c> {
    pub(crate) fn new(catalog: &'c Catalog) -> Distinct<'c> {
        Distinct {
            catalog,
            names: vec![0u64; catalog.len().div_ceil(64)],
            others: HashSet::new(),
        }
    }

    /// Is `item` the first of its kind so far?
    pub(crate) fn first(&mut self, item: &Item) -> bool {
        let catalog = self.catalog;
        let name = match item {
            Item::Chosen(Choice::Exact(n)) => Some(*n),
            Item::Chosen(c) => {
                let key = c.lower_prefix(catalog);
                if self.others.contains(&(Shape::Prefix, key.to_string())) {
                    return false;
                }
                return self.others.insert((Shape::Prefix, key.to_string()));
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
struct Key<'a> {
    text: &'a str,
    shape: Shape,
}

/// Drops repeated and covered entries; keeps the order of the rest.
pub(crate) fn dedupe(items: Vec<Item>, catalog: &Catalog) -> Vec<Item> {
    // Normalized texts of the written entries, owned here so keys can borrow them.
    let written: Vec<Option<(String, usize, Shape)>> = items
        .iter()
        .map(|item| match item {
            Item::Written(s) => Some(normalize(s)),
            Item::Chosen(_) => None,
        })
        .collect();
    let keys: Vec<Key<'_>> = items
        .iter()
        .zip(&written)
        .map(|(item, w)| match (item, w) {
            (_, Some((norm, lit, Shape::General))) => {
                let _ = lit;
                Key {
                    text: norm,
                    shape: Shape::General,
                }
            }
            (_, Some((norm, lit, shape))) => Key {
                text: &norm[..*lit],
                shape: *shape,
            },
            (Item::Chosen(c @ Choice::Exact(_)), None) => Key {
                text: c.lower_prefix(catalog),
                shape: Shape::Literal,
            },
            (Item::Chosen(c), None) => Key {
                text: c.lower_prefix(catalog),
                shape: Shape::Prefix,
            },
            // A written item always has its normalization.
            (Item::Written(_), None) => Key {
                text: "",
                shape: Shape::General,
            },
        })
        .collect();
    // Catalog names are told apart by position, in a bit set; other keys by hashing.
    let mut seen_names = vec![0u64; catalog.len().div_ceil(64)];
    let mut seen: HashSet<(Shape, &str)> = HashSet::new();
    let mut first = |i: usize| {
        let name = match &items[i] {
            Item::Chosen(Choice::Exact(n)) => Some(*n),
            Item::Written(_) if keys[i].shape == Shape::Literal => catalog.find(keys[i].text),
            _ => None,
        };
        match name {
            Some(n) => {
                let (word, bit) = (n / 64, 1u64 << (n % 64));
                let new = seen_names[word] & bit == 0;
                seen_names[word] |= bit;
                new
            }
            None => seen.insert((keys[i].shape, keys[i].text)),
        }
    };
    let distinct: Vec<usize> = (0..keys.len()).filter(|&i| first(i)).collect();
    drop(seen);

    // `p*` entries by their literal prefix, sorted and prefix-free: in that order the only
    // candidate that can be a prefix of a string is its predecessor.
    let mut minimal: Vec<&str> = distinct
        .iter()
        .filter(|&&i| keys[i].shape == Shape::Prefix)
        .map(|&i| keys[i].text)
        .collect();
    minimal.sort_unstable();
    minimal.dedup_by(|later, earlier| later.starts_with(*earlier));
    let lit = |i: usize| -> &str {
        match keys[i].shape {
            Shape::General => written[i].as_ref().map_or("", |(n, l, _)| &n[..*l]),
            _ => keys[i].text,
        }
    };
    let by_prefix = |i: usize| {
        let l = lit(i);
        let own = keys[i].shape == Shape::Prefix;
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
        .filter(|&i| keys[i].shape == Shape::General)
        .collect();
    if !general.is_empty() {
        // What each open entry asks of a general wildcard: a literal, to be matched; a
        // wildcard, that every string starting with its literal prefix be matched.
        let query = |i: usize| match keys[i].shape {
            Shape::Literal => keys[i].text,
            _ => lit(i),
        };
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
                let covers = match keys[i].shape {
                    Shape::Literal => g.matches(query(i)),
                    _ => walker.contains_prefix(query(i)),
                };
                if !covers {
                    continue;
                }
                // Of two entries that cover each other, the earlier one stays.
                let mutual = j > i && keys[i].shape != Shape::Literal && {
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
        dedupe(items, &catalog)
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
        let out: Vec<String> = dedupe(items, &catalog)
            .iter()
            .map(|i| i.render(&catalog))
            .collect();
        assert_eq!(out, ["s3:Get*", "s3:*Object"]);
    }
}
