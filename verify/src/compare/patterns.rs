//! Policy texts as token sequences for the string search: how each kind of text is matched
//! (docs/semantics.md §3, §5) — resources with the ARN segment rule, `StringLike` globs,
//! exact and case-insensitive strings, and the six components of `Arn...` values — with
//! policy variables and unknowns substituted, or (for a sound over-approximation over every
//! value) replaced by "anything".

use super::rx::{Class, Tok};
use super::text::Piece;
use super::universe::Alphabet;

/// How the literal text of a pattern is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Mode {
    /// A `Resource` pattern: `*` ending its segment (followed by `:` or the end, after
    /// substitution) crosses `:`, every other wildcard does not.
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

/// A pattern character: literal, or a wildcard of the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Raw {
    Star,
    One,
    Char(char),
    /// A value whose text is not known: anything (over-approximation).
    Anything,
}

/// The tokens of `pieces` in `mode`, each variable or unknown replaced by `value(piece)`
/// (literal text) or, when that is `None`, by "any string" — which makes the result a
/// superset of the pattern for every value. Literal characters go to the solver's alphabet
/// through `alphabet`.
pub(crate) fn tokens(
    pieces: &[Piece],
    mode: Mode,
    alphabet: &Alphabet,
    value: &dyn Fn(&Piece) -> Option<String>,
) -> Vec<Tok> {
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
            other => match value(other) {
                Some(v) => raw.extend(v.chars().map(Raw::Char)),
                None => raw.push(Raw::Anything),
            },
        }
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        out.push(match *r {
            Raw::Char(c) => {
                let c = alphabet.encode_char(c);
                if mode == Mode::Fold && c.is_ascii_alphabetic() {
                    Tok::Fold(c)
                } else {
                    Tok::Char(c)
                }
            }
            Raw::Anything => Tok::Star(Class::Any),
            Raw::One => Tok::One(match mode {
                Mode::Like => Class::Any,
                _ => Class::NoColon,
            }),
            Raw::Star => match mode {
                Mode::Like => Tok::Star(Class::Any),
                Mode::Segment => Tok::Star(Class::NoColon),
                _ => match raw.get(i + 1) {
                    // ends its segment; before an unknown value it may, so it may cross
                    None | Some(Raw::Char(':')) | Some(Raw::Anything) => Tok::Star(Class::Any),
                    Some(_) => Tok::Star(Class::NoColon),
                },
            },
        });
    }
    out
}

/// The tokens of a ground text.
pub(crate) fn ground(pieces: &[Piece], mode: Mode, alphabet: &Alphabet) -> Vec<Tok> {
    tokens(pieces, mode, alphabet, &|_| None)
}

/// The second reading of a `Resource` pattern (docs/semantics.md U4): substituted, then
/// split at its first five `:` into components; every component but the last must match
/// one of the resource's (wildcards not crossing `:`), the last matches the rest of the
/// resource (wildcards taking anything). A value not known (`value` gives `None`) before
/// the fifth `:` could move the split: the over-approximation is then "anything".
pub(crate) fn components(
    pieces: &[Piece],
    alphabet: &Alphabet,
    value: &dyn Fn(&Piece) -> Option<String>,
) -> Vec<Tok> {
    let raw = substituted(pieces, true, value);
    let mut out = Vec::new();
    let mut colons = 0;
    for r in &raw {
        if colons == 5 {
            out.push(token(*r, Class::Any, alphabet, Mode::Like));
            continue;
        }
        match r {
            Raw::Anything => return vec![Tok::Star(Class::Any)],
            Raw::Char(':') => {
                colons += 1;
                out.push(Tok::Char(':'));
            }
            other => out.push(token(*other, Class::NoColon, alphabet, Mode::Segment)),
        }
    }
    // the last component read with wildcards taking anything
    let last = out
        .iter()
        .rposition(|t| *t == Tok::Char(':'))
        .map_or(0, |i| i + 1);
    let last = if colons == 5 { out.len() } else { last };
    for t in &mut out[last..] {
        *t = match *t {
            Tok::Star(_) => Tok::Star(Class::Any),
            Tok::One(_) => Tok::One(Class::Any),
            other => other,
        };
    }
    out
}

/// The pattern characters of `pieces`, values substituted (`None`: not known).
fn substituted(pieces: &[Piece], wild: bool, value: &dyn Fn(&Piece) -> Option<String>) -> Vec<Raw> {
    let mut raw = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => raw.extend(t.chars().map(|c| match c {
                '*' if wild => Raw::Star,
                '?' if wild => Raw::One,
                c => Raw::Char(c),
            })),
            Piece::Char(c) => raw.push(Raw::Char(*c)),
            other => match value(other) {
                Some(v) => raw.extend(v.chars().map(Raw::Char)),
                None => raw.push(Raw::Anything),
            },
        }
    }
    raw
}

fn token(r: Raw, class: Class, alphabet: &Alphabet, mode: Mode) -> Tok {
    match r {
        Raw::Char(c) => {
            let c = alphabet.encode_char(c);
            if mode == Mode::Fold && c.is_ascii_alphabetic() {
                Tok::Fold(c)
            } else {
                Tok::Char(c)
            }
        }
        Raw::Star => Tok::Star(class),
        Raw::One => Tok::One(class),
        Raw::Anything => Tok::Star(Class::Any),
    }
}

/// Whether both readings of a `Resource` pattern are the same language whatever its values
/// are: no wildcard at all, or one `*` that ends the pattern and no other (the pattern is
/// then its literal text followed by anything, in either reading).
pub(crate) fn readings_agree(pieces: &[Piece]) -> bool {
    let raw = substituted(pieces, true, &|_| None);
    match raw.iter().position(|r| matches!(r, Raw::Star | Raw::One)) {
        None => true,
        Some(i) => i + 1 == raw.len() && raw[i] == Raw::Star,
    }
}

/// The tokens of an `Arn...` value: its first five components (no variables: the reader
/// refuses them there) with their `:` separators, then the sixth.
pub(crate) fn arn(
    head: &[Vec<Piece>],
    tail: &[Piece],
    alphabet: &Alphabet,
    value: &dyn Fn(&Piece) -> Option<String>,
) -> Vec<Tok> {
    let mut out = Vec::new();
    for component in head {
        out.extend(tokens(component, Mode::Segment, alphabet, value));
        out.push(Tok::Char(':'));
    }
    out.extend(tokens(tail, Mode::Like, alphabet, value));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::rx::tokens_match;
    use crate::compare::text::Text;

    fn resource_matches(pattern: &str, text: &str) -> bool {
        let t = Text::plain(pattern);
        let toks = ground(&t.pieces, Mode::Resource, &Alphabet::default());
        tokens_match(&toks, &text.chars().collect::<Vec<_>>())
    }

    /// The Resource documentation's rules, one case each (docs/semantics.md §3).
    #[test]
    fn segment_rule() {
        assert!(resource_matches(
            "arn:aws:s3:::bkt/*",
            "arn:aws:s3:::bkt/a:b/log"
        ));
        assert!(!resource_matches(
            "arn:aws:s3:::bkt/*/log",
            "arn:aws:s3:::bkt/a:b/log"
        ));
        assert!(resource_matches(
            "arn:aws:s3:::bkt/*/log",
            "arn:aws:s3:::bkt/a/b/log"
        ));
        assert!(resource_matches(
            "arn:aws:*:us-east-1:*",
            "arn:aws:s3:us-east-1:1:x:y"
        ));
        assert!(resource_matches(
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws:ec2:a:b:c:1:instance/i"
        ));
        assert!(!resource_matches("arn:aws:ec2:?:1:x", "arn:aws:ec2:::1:x"));
        assert!(resource_matches("*", "anything:at:all"));
        assert!(resource_matches("*", ""));
        assert!(!resource_matches("a*b", "a:b"));
        assert!(resource_matches("a**:b", "a:x:b"));
        assert!(!resource_matches("Arn:aws", "arn:aws"));
    }

    /// After substitution a value's `:` ends the segment of the `*` before it; with the
    /// value unknown the `*` may cross.
    #[test]
    fn substitution_and_over_approximation() {
        let unknowns = std::collections::BTreeSet::new();
        let t = Text::parse("a*${k}b", true, &unknowns);
        let colon = tokens(&t.pieces, Mode::Resource, &Alphabet::default(), &|_| {
            Some(":".into())
        });
        assert!(tokens_match(&colon, &"ax:y:b".chars().collect::<Vec<_>>()));
        let plain = tokens(&t.pieces, Mode::Resource, &Alphabet::default(), &|_| {
            Some("v".into())
        });
        assert!(!tokens_match(&plain, &"ax:yvb".chars().collect::<Vec<_>>()));
        assert!(tokens_match(&plain, &"axyvb".chars().collect::<Vec<_>>()));
        let any = ground(&t.pieces, Mode::Resource, &Alphabet::default());
        assert!(tokens_match(&any, &"a:::b".chars().collect::<Vec<_>>()));
    }
}
