//! Policy texts with policy variables (docs/semantics.md §6, §7): a `Resource` /
//! `NotResource` pattern or a value of a `String...` / `Arn...` operator, split into literal
//! text, always-literal characters, variables and declared unknowns.
//!
//! Under `Version` `2012-10-17`, `${key}` and `${key, 'default'}` are variables, `${*}`,
//! `${?}` and `${$}` the literal characters `*`, `?`, `$`. Under `2008-10-17` (or no
//! `Version`) all of that is literal text. `${NAME}` for a declared unknown `NAME` is that
//! unknown under either version. A `${` without a closing `}`, or whose inside is none of
//! these forms, is literal text: its `${` is kept as written and reading goes on after it
//! (so `${a${b}` is the text `${a` followed by the variable `b`).
//!
//! The inside of a variable is a key, optionally followed by `,` and a default in single
//! quotes (spaces around the comma allowed). A key is non-empty after trimming spaces and
//! holds no `$`, `{`, `}`, `,`, `'` (docs/semantics.md §6); keys compare ASCII
//! case-insensitively (AWS: "Condition key names are not case-sensitive").

use std::collections::BTreeSet;

/// One piece of a policy text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Piece {
    /// Text as written; in a pattern its `*` and `?` are wildcards.
    Text(String),
    /// A character that is always literal (`${*}`, `${?}`, `${$}`).
    Char(char),
    /// `${key}` (no default) or `${key, 'default'}`.
    Var(Var),
    /// `${NAME}` of a declared unknown.
    Unknown(String),
}

/// A policy variable.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Var {
    /// The key, ASCII lower-cased.
    pub key: String,
    /// The key as written.
    pub written: String,
    pub default: Option<String>,
}

/// A policy text split into pieces (adjacent literal texts merged).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Text {
    pub raw: String,
    pub pieces: Vec<Piece>,
}

impl Text {
    /// Reads `raw`; `variables` is whether the document's `Version` is `2012-10-17`.
    pub fn parse(raw: &str, variables: bool, unknowns: &BTreeSet<String>) -> Text {
        let mut pieces: Vec<Piece> = Vec::new();
        let mut literal = String::new();
        let mut rest = raw;
        while let Some(at) = rest.find("${") {
            literal.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            let piece = after
                .find('}')
                .and_then(|end| read_inside(&after[..end], variables, unknowns).map(|p| (p, end)));
            match piece {
                Some((piece, end)) => {
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(piece);
                    rest = &after[end + 1..];
                }
                None => {
                    literal.push_str("${");
                    rest = after;
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Text {
            raw: raw.to_string(),
            pieces,
        }
    }

    /// A text of only literal text (no variable, no unknown).
    #[cfg(test)]
    pub fn plain(raw: &str) -> Text {
        Text::parse(raw, false, &BTreeSet::new())
    }

    /// Whether the text has no variable and no unknown.
    pub fn is_ground(&self) -> bool {
        self.pieces
            .iter()
            .all(|p| matches!(p, Piece::Text(_) | Piece::Char(_)))
    }

    /// The variables' keys (lower-cased).
    pub fn var_keys(&self) -> impl Iterator<Item = &Var> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(v) => Some(v),
            _ => None,
        })
    }
}

fn read_inside(inside: &str, variables: bool, unknowns: &BTreeSet<String>) -> Option<Piece> {
    if unknowns.contains(inside) {
        return Some(Piece::Unknown(inside.to_string()));
    }
    if !variables {
        return None;
    }
    match inside {
        "*" => return Some(Piece::Char('*')),
        "?" => return Some(Piece::Char('?')),
        "$" => return Some(Piece::Char('$')),
        _ => {}
    }
    let (key, default) = match inside.split_once(',') {
        None => (inside.trim(), None),
        Some((key, default)) => {
            let quoted = default.trim();
            let inner = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
            if inner.contains('\'') {
                return None;
            }
            (key.trim(), Some(inner.to_string()))
        }
    };
    let bad = |c: char| matches!(c, '$' | '{' | '}' | ',' | '\'');
    if key.is_empty() || key.chars().any(bad) {
        return None;
    }
    Some(Piece::Var(Var {
        key: key.to_ascii_lowercase(),
        written: key.to_string(),
        default,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Vec<Piece> {
        let unknowns: BTreeSet<String> = ["BucketArn".to_string()].into_iter().collect();
        Text::parse(raw, true, &unknowns).pieces
    }

    fn text(s: &str) -> Piece {
        Piece::Text(s.to_string())
    }

    fn var(key: &str, default: Option<&str>) -> Piece {
        Piece::Var(Var {
            key: key.to_ascii_lowercase(),
            written: key.to_string(),
            default: default.map(str::to_string),
        })
    }

    #[test]
    fn variables_and_literal_characters() {
        assert_eq!(
            parse("arn:aws:s3:::b/${aws:username}/*"),
            vec![
                text("arn:aws:s3:::b/"),
                var("aws:username", None),
                text("/*")
            ]
        );
        assert_eq!(
            parse("a${*}b${?}${$}"),
            vec![
                text("a"),
                Piece::Char('*'),
                text("b"),
                Piece::Char('?'),
                Piece::Char('$')
            ]
        );
        assert_eq!(
            parse("${aws:PrincipalTag/team , 'x y'}"),
            vec![var("aws:PrincipalTag/team", Some("x y"))]
        );
        assert_eq!(
            parse("${BucketArn}/*"),
            vec![Piece::Unknown("BucketArn".into()), text("/*")]
        );
    }

    #[test]
    fn malformed_forms_are_literal() {
        assert_eq!(parse("a${b"), vec![text("a${b")]);
        assert_eq!(parse("${}"), vec![text("${}")]);
        assert_eq!(parse("${a, b}"), vec![text("${a, b}")]);
        assert_eq!(parse("${a${b}"), vec![text("${a"), var("b", None)]);
        assert_eq!(parse("${a, 'x'y'}"), vec![text("${a, 'x'y'}")]);
        assert_eq!(parse(""), vec![]);
    }

    #[test]
    fn version_2008_keeps_variables_literal_but_not_unknowns() {
        let unknowns: BTreeSet<String> = ["U".to_string()].into_iter().collect();
        let t = Text::parse("${aws:username}-${U}-${*}", false, &unknowns);
        assert_eq!(
            t.pieces,
            vec![
                text("${aws:username}-"),
                Piece::Unknown("U".into()),
                text("-${*}")
            ]
        );
        assert!(!t.is_ground());
        assert!(Text::plain("${aws:username}").is_ground());
    }
}
