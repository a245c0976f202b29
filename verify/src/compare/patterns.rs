//! Policy texts as token sequences for the solver: how each kind of text is matched
//! (docs/semantics.md §3, §5) — resources with the ARN segment rule, `StringLike` globs,
//! exact and case-insensitive strings, and the six components of `Arn...` values.

use super::rx::{Class, Tok};
use super::text::Piece;
use super::universe::Alphabet;

/// How the literal text of a pattern is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A `Resource` pattern: `*` ending its segment (followed by `:` or the end) crosses
    /// `:`, every other wildcard does not.
    Resource,
    /// A `StringLike` value or an ARN's sixth component: wildcards range over everything.
    Like,
    /// One of an ARN's first five components: wildcards do not cross `:`.
    Segment,
    /// A `StringEquals` value: no wildcards.
    Exact,
    /// A `StringEqualsIgnoreCase` value: no wildcards, ASCII letters in either case.
    Fold,
}

/// A token, or a value the pattern takes from the request or an unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Item {
    Tok(Tok),
    /// A variable or declared unknown ([`Piece::Var`] or [`Piece::Unknown`]).
    Value(Piece),
    /// A `Resource` `*` followed directly by a value: it ends its segment exactly when the
    /// text that follows it starts with `:`.
    StarThen,
}

/// The items of `pieces` in `mode`, literal characters given to the solver through
/// `alphabet`.
pub(crate) fn items(pieces: &[Piece], mode: Mode, alphabet: &Alphabet) -> Vec<Item> {
    enum Raw {
        Star,
        One,
        Char(char),
        Value(Piece),
    }
    let wild = matches!(mode, Mode::Resource | Mode::Like | Mode::Segment);
    let mut raw = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => raw.extend(t.chars().map(|c| match c {
                '*' if wild => Raw::Star,
                '?' if wild => Raw::One,
                c => Raw::Char(c),
            })),
            Piece::Char(c) => raw.push(Raw::Char(*c)),
            value => raw.push(Raw::Value(value.clone())),
        }
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        out.push(match r {
            Raw::Char(c) => {
                let c = alphabet.encode(&c.to_string()).chars().next().unwrap_or(*c);
                if mode == Mode::Fold && c.is_ascii_alphabetic() {
                    Item::Tok(Tok::Fold(c))
                } else {
                    Item::Tok(Tok::Char(c))
                }
            }
            Raw::Value(p) => Item::Value(p.clone()),
            Raw::One => Item::Tok(Tok::One(match mode {
                Mode::Like => Class::Any,
                _ => Class::NoColon,
            })),
            Raw::Star => match mode {
                Mode::Like => Item::Tok(Tok::Star(Class::Any)),
                Mode::Segment => Item::Tok(Tok::Star(Class::NoColon)),
                _ => match raw.get(i + 1) {
                    None | Some(Raw::Char(':')) => Item::Tok(Tok::Star(Class::Any)),
                    Some(Raw::Value(_)) => Item::StarThen,
                    Some(_) => Item::Tok(Tok::Star(Class::NoColon)),
                },
            },
        });
    }
    out
}

/// The tokens of ground items (`None` if some item is a value).
pub(crate) fn ground(items: &[Item]) -> Option<Vec<Tok>> {
    items
        .iter()
        .map(|i| match i {
            Item::Tok(t) => Some(*t),
            _ => None,
        })
        .collect()
}

/// The tokens of an `Arn...` value's first five components with their `:` separators.
pub(crate) fn arn_head(head: &[Vec<Piece>], alphabet: &Alphabet) -> Vec<Tok> {
    let mut out = Vec::new();
    for component in head {
        for item in items(component, Mode::Segment, alphabet) {
            if let Item::Tok(t) = item {
                out.push(t);
            }
        }
        out.push(Tok::Char(':'));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::rx::tokens_match;
    use crate::compare::text::Text;

    fn resource_matches(pattern: &str, text: &str) -> bool {
        let t = Text::plain(pattern);
        let toks = ground(&items(&t.pieces, Mode::Resource, &Alphabet::default())).unwrap();
        tokens_match(&toks, &text.chars().collect::<Vec<_>>())
    }

    /// The Resource documentation's rules, one case each (docs/semantics.md §3).
    #[test]
    fn segment_rule() {
        assert!(resource_matches("arn:aws:s3:::bkt/*", "arn:aws:s3:::bkt/a:b/log"));
        assert!(!resource_matches("arn:aws:s3:::bkt/*/log", "arn:aws:s3:::bkt/a:b/log"));
        assert!(resource_matches("arn:aws:s3:::bkt/*/log", "arn:aws:s3:::bkt/a/b/log"));
        assert!(resource_matches("arn:aws:*:us-east-1:*", "arn:aws:s3:us-east-1:1:x:y"));
        assert!(resource_matches("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:a:b:c:1:instance/i"));
        assert!(!resource_matches("arn:aws:ec2:?:1:x", "arn:aws:ec2:::1:x"));
        assert!(resource_matches("*", "anything:at:all"));
        assert!(resource_matches("*", ""));
        assert!(!resource_matches("a*b", "a:b"));
        assert!(resource_matches("a**:b", "a:x:b"));
        assert!(!resource_matches("Arn:aws", "arn:aws"));
    }
}
