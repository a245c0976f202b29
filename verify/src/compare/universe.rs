//! The universe of requests a comparison ranges over (docs/semantics.md §4, §8): the
//! context keys the policies mention, each with its kind (single- or multivalued, from the
//! operators that use it) and the type its values are read as; the number of value slots a
//! multivalued key needs; the scale that makes every number an integer; and the alphabet
//! the solver's strings are written in.

use std::collections::{BTreeMap, BTreeSet};

use super::condition::{Base, Family, Values};
use super::document::Stmt;
use super::text::{Piece, Text};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Single,
    Multi,
}

/// One context key of the universe.
#[derive(Clone, Debug)]
pub(crate) struct KeyInfo {
    /// The key as first written.
    pub written: String,
    pub kind: Kind,
    /// What its values are read as; `None` when only `Null` uses it.
    pub family: Option<Family>,
    /// Every operator reading its value is `Bool` (the witness says `boolean`).
    pub bool_only: bool,
    /// The `BinaryEquals` policy values on it, distinct.
    pub binaries: Vec<Vec<u8>>,
    /// The `Date...` policy values on it (a witness's date is moved to the roundest instant
    /// comparing the same with each).
    pub dates: Vec<i128>,
    /// Value slots of a multivalued key (see the crate docs' small-model argument).
    pub slots: usize,
    /// Why the key is not modelled (then every condition on it and every text using it as
    /// a variable is opaque).
    pub unmodelled: Option<String>,
}

#[derive(Default)]
struct Usage {
    written: String,
    plain: bool,
    set: bool,
    variable: bool,
    families: BTreeSet<Family>,
    bool_uses: usize,
    value_uses: usize,
    binaries: Vec<Vec<u8>>,
    dates: Vec<i128>,
    conditions: BTreeSet<String>,
}

/// The keys, scale and alphabet of one comparison.
#[derive(Clone, Debug)]
pub(crate) struct Universe {
    pub keys: BTreeMap<String, KeyInfo>,
    /// Numbers are integers once multiplied by `10^scale`.
    pub scale: usize,
    pub alphabet: Alphabet,
}

/// Printable ASCII without backslash: the characters the solver's strings are read and
/// written in (Z3 4.8.12 reads backslash escapes in string literals and prints other
/// characters ambiguously).
pub(crate) fn in_strings(c: char) -> bool {
    (' '..='~').contains(&c) && c != '\\'
}

/// How the characters of policy texts are given to the solver: those outside
/// [`in_strings`] are swapped with placeholders (printable punctuation no text uses), a
/// permutation of characters that every comparison the encoding makes respects (see the
/// crate docs); and a spare character the soundness argument needs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Alphabet {
    /// Original character → placeholder.
    pub to_solver: BTreeMap<char, char>,
    /// Placeholder → original character.
    pub from_solver: BTreeMap<char, char>,
    /// A character of [`in_strings`] that is not a letter and that no text, placeholder or
    /// reading uses: `None` means the proof over all strings does not carry over.
    pub spare: Option<char>,
}

impl Alphabet {
    pub fn encode_char(&self, c: char) -> char {
        self.to_solver.get(&c).copied().unwrap_or(c)
    }

    pub fn decode(&self, text: &str) -> String {
        text.chars()
            .map(|c| self.from_solver.get(&c).copied().unwrap_or(c))
            .collect()
    }
}

/// Characters never used as placeholders or as the spare: the wildcards, the ARN separator
/// and the characters of policy-variable syntax.
fn reserved(c: char) -> bool {
    matches!(c, '*' | '?' | ':' | '$' | '{' | '}' | '\'' | ',')
}

fn text_chars(text: &Text, out: &mut BTreeSet<char>) {
    for piece in &text.pieces {
        match piece {
            Piece::Text(t) => out.extend(t.chars()),
            Piece::Char(c) => {
                out.insert(*c);
            }
            Piece::Var(v) => {
                if let Some(d) = &v.default {
                    out.extend(d.chars());
                }
            }
            Piece::Unknown(_) => {}
        }
    }
}

impl Universe {
    /// The universe of the statements of both sides (and of the extra resource patterns of
    /// `check-not-granted`, already among the statements).
    pub fn new(statements: &[&Stmt]) -> Universe {
        let mut usage: BTreeMap<String, Usage> = BTreeMap::new();

        let mut used: BTreeSet<char> = "truefalseTRUEFALSE:".chars().collect();
        let mut scale = 0;
        let note_vars = |text: &Text, usage: &mut BTreeMap<String, Usage>| {
            for v in text.var_keys() {
                let u = usage.entry(v.key.clone()).or_default();
                if u.written.is_empty() {
                    u.written = v.written.clone();
                }
                u.variable = true;
                u.families.insert(Family::Text);
            }
        };
        for stmt in statements {
            for r in &stmt.resources {
                text_chars(r, &mut used);
                note_vars(r, &mut usage);
            }
            for cond in &stmt.conditions {
                let Ok((op, values)) = &cond.body else {
                    continue;
                };
                let u = usage.entry(cond.key.clone()).or_default();
                if u.written.is_empty() {
                    u.written = cond.key_written.clone();
                }
                u.conditions.insert(cond.canonical.clone());
                if op.base != Base::Null {
                    if op.set.is_some() {
                        u.set = true;
                    } else {
                        u.plain = true;
                    }
                    u.value_uses += 1;
                    if op.base == Base::Bool {
                        u.bool_uses += 1;
                    }
                }
                if let Some(f) = op.base.family() {
                    u.families.insert(f);
                }

                match values {
                    Values::Text(texts) => {
                        for t in texts {
                            text_chars(t, &mut used);
                        }
                        for t in texts {
                            note_vars(t, &mut usage);
                        }
                    }
                    Values::Arn(arns) => {
                        for a in arns {
                            let whole = Text {
                                raw: String::new(),
                                pieces: a.head.iter().flatten().chain(&a.tail).cloned().collect(),
                            };
                            text_chars(&whole, &mut used);
                            note_vars(&whole, &mut usage);
                        }
                    }
                    Values::Number(ds) => {
                        scale = ds.iter().map(|d| d.frac.len()).fold(scale, usize::max);
                    }
                    Values::Binary(bs) => {
                        let u = usage.entry(cond.key.clone()).or_default();
                        for b in bs {
                            if !u.binaries.contains(b) {
                                u.binaries.push(b.clone());
                            }
                        }
                    }
                    Values::Date(ts) => {
                        let u = usage.entry(cond.key.clone()).or_default();
                        u.dates.extend(ts.iter().copied());
                    }
                    Values::Bool(_) | Values::Ip(_) | Values::Null(_) => {}
                }
            }
        }
        let keys = usage
            .into_iter()
            .map(|(key, u)| {
                let kind = if u.set { Kind::Multi } else { Kind::Single };
                let unmodelled = if u.set && (u.plain || u.variable) {
                    Some(format!(
                        "context key `{}` is used both with set operators (multivalued) and {}",
                        u.written,
                        if u.variable {
                            "as a policy variable (single-valued)"
                        } else {
                            "with plain operators (single-valued)"
                        }
                    ))
                } else if u.families.len() > 1 {
                    let names: Vec<&str> = u
                        .families
                        .iter()
                        .map(|f| match f {
                            Family::Text => "text",
                            Family::Number => "number",
                            Family::Date => "date",
                            Family::Ip => "IP address",
                            Family::Binary => "binary",
                        })
                        .collect();
                    Some(format!(
                        "context key `{}` is read as {} by different operators",
                        u.written,
                        names.join(" and ")
                    ))
                } else {
                    None
                };
                let info = KeyInfo {
                    written: u.written,
                    kind,
                    family: u.families.iter().next().copied(),
                    bool_only: u.value_uses > 0 && u.bool_uses == u.value_uses && !u.variable,
                    binaries: u.binaries,
                    dates: u.dates,
                    // one witness element per distinct condition (each one or two atoms of
                    // the form "some value satisfies P"), plus one for "some value at all"
                    slots: u.conditions.len() + 1,
                    unmodelled,
                };
                (key, info)
            })
            .collect();
        // Closed under ASCII case: case-insensitive comparisons see both cases.
        let mut closed: BTreeSet<char> = BTreeSet::new();
        for c in &used {
            closed.insert(c.to_ascii_lowercase());
            closed.insert(c.to_ascii_uppercase());
        }
        let odd: Vec<char> = closed.iter().copied().filter(|&c| !in_strings(c)).collect();
        let mut free = (' '..='~').filter(|&c| {
            in_strings(c) && !c.is_ascii_alphanumeric() && !reserved(c) && !closed.contains(&c)
        });
        let mut alphabet = Alphabet::default();
        let mut enough = true;
        for c in odd {
            match free.next() {
                Some(p) => {
                    alphabet.to_solver.insert(c, p);
                    alphabet.from_solver.insert(p, c);
                }
                None => enough = false,
            }
        }
        alphabet.spare = if enough { free.next() } else { None };
        Universe {
            keys,
            scale: scale + 1,
            alphabet,
        }
    }
}
