//! Policy variables and declared unknowns (`docs/semantics.md` §6 and §7).
//!
//! Under `"Version": "2012-10-17"`, a `Resource` / `NotResource` pattern and a value of a
//! `String...` or `Arn...` operator is a [`Template`]: text with `${...}` parts that the
//! request fills in. AWS: "When the policy is evaluated, the policy variables are replaced
//! with values that come from the context of the request itself"; `${*}`, `${?}` and `${$}`
//! stand for the characters themselves; "To add a default value to a variable, surround the
//! default value with single quotes (' '), and separate the variable text and the default
//! value with a comma and space" ([policy variables](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html)).
//! Under `2008-10-17` or without `Version`, `${...}` is literal text ("variables like
//! `${aws:username}` are treated as literal strings in the policy").
//!
//! What is substituted is literal: a `*` in a user name is not a wildcard. A variable whose
//! key is absent (and has no default) leaves the pattern without a value: it matches
//! nothing. A multivalued key used as a variable is not modelled ("you can't use
//! multivalued context keys as policy variables").
//!
//! Grammar (`docs/semantics.md` §6): `${` starts a variable, which ends at the first `}`
//! after it; inside, `*`, `?` or `$`; or a declared unknown's name; or a key (trimmed of
//! spaces, not empty, none of `$ { } ' ,`) optionally followed by `,` and a default quoted
//! in `'...'` (which holds no `'` and no `}`). Anything else, up to that `}`, and a `${`
//! with no `}` after it, is literal text. Variables are substituted before a pattern is
//! split into segments or components, so a `:` they bring in separates them. In a
//! `Resource` pattern, a variable before the fifth `:` is not modelled (AWS allows them
//! "only in the resource portion of the ARN").
//!
//! Declared unknowns (`${NAME}` for a name the caller declares, whatever the `Version`)
//! stand for one fixed but unknown string; the evaluator takes their values as a parameter.

use std::collections::{BTreeMap, BTreeSet};

use super::context::{Lookup, Request};
use super::glob::{wild_chars, PChar};

/// One part of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Piece {
    /// Policy text: `*` and `?` are wildcards where the operator has them.
    Text(String),
    /// `${*}`, `${?}`, `${$}`: the character itself, never a wildcard.
    Char(char),
    /// `${key}` or `${key, 'default'}`.
    Var {
        key: String,
        default: Option<String>,
    },
    /// A declared unknown, `${NAME}`.
    Unknown(String),
}

/// A policy string that may hold policy variables and declared unknowns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Template {
    pub(crate) text: String,
    pieces: Vec<Piece>,
}

/// What the request (and the caller, for unknowns) gives the variables.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Env<'a> {
    pub(crate) request: &'a Request,
    pub(crate) unknowns: &'a BTreeMap<String, String>,
}

/// Why a template could not be filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unresolved {
    /// A multivalued key used as a variable: not modelled.
    MultiValued(String),
    /// A declared unknown the caller gave no value for.
    NoValue(String),
    /// An `Arn...` value that, once its variables are substituted, has fewer than six
    /// components: not modelled.
    NotArn(String),
}

impl Template {
    /// Reads `text`: with `variables`, every `${...}` form; without, only declared unknowns.
    pub(crate) fn parse(text: &str, variables: bool, unknowns: &BTreeSet<String>) -> Template {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("${") {
            literal.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            let Some(close) = after.find('}') else {
                literal.push_str(&rest[at..]);
                rest = "";
                break;
            };
            let inside = &after[..close];
            match read_inside(inside, variables, unknowns) {
                Some(piece) => {
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(piece);
                    rest = &after[close + 1..];
                }
                None if variables => {
                    // Malformed: the whole `${...}`, up to its first `}`, is text (the
                    // spec's grammar: a variable ends at the first `}` after its `${`).
                    literal.push_str(&rest[at..at + 2 + close + 1]);
                    rest = &after[close + 1..];
                }
                None => {
                    // No policy variables: only `${NAME}` of a declared unknown is read,
                    // wherever it stands, so reading goes on after the `$`.
                    literal.push('$');
                    rest = &rest[at + 1..];
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Template {
            text: text.to_string(),
            pieces,
        }
    }

    /// The first policy variable (its key) that stands before the fifth `:` of the text as
    /// written (a declared unknown's value counts for no `:`), for `Resource` patterns,
    /// where AWS allows variables only "in the resource portion of the ARN. This portion of
    /// the ARN appears after the fifth colon".
    pub(crate) fn variable_before_fifth_colon(&self) -> Option<&str> {
        let mut colons = 0;
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => colons += t.matches(':').count(),
                Piece::Var { key, .. } if colons < 5 => return Some(key),
                Piece::Var { .. } | Piece::Char(_) | Piece::Unknown(_) => {}
            }
        }
        None
    }

    /// A declared unknown's `${NAME}` inside text that is not read as one (within a
    /// malformed variable, `${x ${NAME}}`): the front end meant a value there, which the
    /// grammar reads as text. Not modelled rather than guessed.
    pub(crate) fn hidden_unknown<'u>(&self, unknowns: &'u BTreeSet<String>) -> Option<&'u str> {
        self.pieces.iter().find_map(|p| match p {
            Piece::Text(t) => names_unknown(t, unknowns),
            _ => None,
        })
    }

    /// No variable and no unknown: the text alone decides.
    pub(crate) fn is_constant(&self) -> bool {
        self.pieces
            .iter()
            .all(|p| matches!(p, Piece::Text(_) | Piece::Char(_)))
    }

    /// The value a variable or unknown takes, `None` when it has none (text is itself).
    fn fill<'e>(piece: &'e Piece, env: Env<'e>) -> Result<Option<&'e str>, Unresolved> {
        match piece {
            Piece::Var { key, default } => match env.request.lookup(key) {
                Lookup::Absent => Ok(default.as_deref()),
                Lookup::Single(v) => Ok(Some(v)),
                Lookup::Multi(..) => Err(Unresolved::MultiValued(key.clone())),
            },
            Piece::Unknown(name) => env
                .unknowns
                .get(name)
                .map(|v| Some(v.as_str()))
                .ok_or_else(|| Unresolved::NoValue(name.clone())),
            Piece::Text(t) => Ok(Some(t)),
            // Callers push the character themselves.
            Piece::Char(_) => Ok(Some("")),
        }
    }

    /// The text with every variable substituted, for operators without wildcards
    /// (`StringEquals`); `None` when a variable has no value.
    pub(crate) fn resolve_text(&self, env: Env<'_>) -> Result<Option<String>, Unresolved> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Char(c) => out.push(*c),
                other => match Template::fill(other, env)? {
                    Some(s) => out.push_str(s),
                    None => return Ok(None),
                },
            }
        }
        Ok(Some(out))
    }

    /// The pattern with every variable substituted as literal characters, for operators
    /// with wildcards (`StringLike`, `Arn...`, `Resource`); `None` when a variable has no
    /// value.
    pub(crate) fn resolve_chars(&self, env: Env<'_>) -> Result<Option<Vec<PChar>>, Unresolved> {
        let mut out = Vec::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.extend(wild_chars(t)),
                Piece::Char(c) => out.push(PChar::Lit(*c)),
                other => match Template::fill(other, env)? {
                    Some(s) => out.extend(s.chars().map(PChar::Lit)),
                    None => return Ok(None),
                },
            }
        }
        Ok(Some(out))
    }

    /// For a constant template: its pattern characters.
    pub(crate) fn constant_chars(&self) -> Vec<PChar> {
        let mut out = Vec::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.extend(wild_chars(t)),
                Piece::Char(c) => out.push(PChar::Lit(*c)),
                Piece::Var { .. } | Piece::Unknown(_) => {}
            }
        }
        out
    }
}

/// Does `text` name a declared unknown as `${NAME}` anywhere? For places where unknowns are
/// not modelled (actions, keys, values of other operators).
pub(crate) fn names_unknown<'u>(text: &str, unknowns: &'u BTreeSet<String>) -> Option<&'u str> {
    if unknowns.is_empty() || !text.contains("${") {
        return None;
    }
    unknowns
        .iter()
        .find(|n| text.contains(&format!("${{{n}}}")))
        .map(String::as_str)
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
        None => (inside, None),
        Some((key, rest)) => {
            let quoted = rest.trim_matches(' ');
            let default = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
            if quoted.len() < 2 || default.contains('\'') {
                return None;
            }
            (key, Some(default.to_string()))
        }
    };
    // Spaces only (the spec's word): a tab is part of the key.
    let key = key.trim_matches(' ');
    if key.is_empty() || key.contains(['$', '{', '}', '\'', ',']) {
        return None;
    }
    Some(Piece::Var {
        key: key.to_string(),
        default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Vec<Piece> {
        Template::parse(text, true, &BTreeSet::new()).pieces
    }

    fn text(s: &str) -> Piece {
        Piece::Text(s.to_string())
    }

    fn var(k: &str, d: Option<&str>) -> Piece {
        Piece::Var {
            key: k.to_string(),
            default: d.map(str::to_string),
        }
    }

    #[test]
    fn forms() {
        assert_eq!(
            t("a/${aws:username}/*"),
            [text("a/"), var("aws:username", None), text("/*")]
        );
        assert_eq!(
            t("${*}${?}${$}"),
            [Piece::Char('*'), Piece::Char('?'), Piece::Char('$')]
        );
        assert_eq!(
            t("${aws:userid, 'anonymous'}"),
            [var("aws:userid", Some("anonymous"))]
        );
        assert_eq!(t("${ k ,'' }"), [var("k", Some(""))]);
        assert_eq!(
            t("${aws:PrincipalTag/cost center}"),
            [var("aws:PrincipalTag/cost center", None)]
        );
    }

    #[test]
    fn malformed_is_literal() {
        for s in [
            "${",
            "${aws:username",
            "${}",
            "${ }",
            "${a, b}",
            "${a, 'b}",
            "${a, 'b''c'}",
            "$ {a}",
            "${'a'}",
        ] {
            assert_eq!(t(s), [text(s)], "{s}");
        }
        // A variable ends at the first `}` after its `${`: a malformed one is text up to
        // there, and reading goes on after it.
        assert_eq!(t("${a ${b}}"), [text("${a ${b}}")]);
        assert_eq!(
            t("${a'b}${c}"),
            [text("${a'b}"), var("c", None)],
            "a malformed inside"
        );
        assert_eq!(
            t("x${a, 'b'c'}/${d}"),
            [text("x${a, 'b'c'}/"), var("d", None)]
        );
        assert_eq!(t("${${a}"), [text("${${a}")]);
        assert_eq!(t("${a}}"), [var("a", None), text("}")]);
    }

    #[test]
    fn grammar_of_the_inside() {
        // `*`, `?`, `$` exactly; a key trimmed of spaces; a default in single quotes.
        assert_eq!(
            t("${ * }"),
            [var("*", None)],
            "a key named `*`, not `${{*}}`"
        );
        assert_eq!(t("${a b}"), [var("a b", None)]);
        assert_eq!(t("${  aws:username  }"), [var("aws:username", None)]);
        assert_eq!(t("${k,'d e'}"), [var("k", Some("d e"))]);
        assert_eq!(t("${k, 'a,b'}"), [var("k", Some("a,b"))]);
        assert_eq!(t("${k, ''}"), [var("k", Some(""))]);
        assert_eq!(
            t("${\tk}"),
            [var("\tk", None)],
            "spaces are trimmed, not tabs"
        );
        for bad in [
            "${a{b}",
            "${a$b}",
            "${a'b}",
            "${a,}",
            "${a, b, 'c'}",
            "${, 'd'}",
            "${a, 'd",
        ] {
            assert!(
                t(bad).iter().all(|p| matches!(p, Piece::Text(_))),
                "{bad}: {:?}",
                t(bad)
            );
        }
    }

    #[test]
    fn variables_before_the_fifth_colon() {
        let before = |s: &str| {
            Template::parse(s, true, &BTreeSet::new())
                .variable_before_fifth_colon()
                .map(str::to_string)
        };
        assert_eq!(
            before("arn:*:kms:*:${aws:PrincipalAccount}:key/*").as_deref(),
            Some("aws:PrincipalAccount")
        );
        assert_eq!(before("${aws:username}").as_deref(), Some("aws:username"));
        assert_eq!(before("arn:aws:s3:::b/${aws:username}"), None);
        assert_eq!(before("arn:aws:iam::1:user/${aws:username}"), None);
        assert_eq!(
            before("arn:aws:s3:${*}:b/${aws:username}").as_deref(),
            Some("aws:username"),
            "`${{*}}` is no colon"
        );
        assert_eq!(before("arn:aws:s3:::b/${*}"), None);
        let unknowns: BTreeSet<String> = ["Bucket.Arn".to_string()].into();
        let tpl = Template::parse("${Bucket.Arn}/${aws:username}", true, &unknowns);
        assert_eq!(
            tpl.variable_before_fifth_colon(),
            Some("aws:username"),
            "an unknown's value counts for no colon"
        );
        assert_eq!(
            Template::parse("${Bucket.Arn}/*", true, &unknowns).variable_before_fifth_colon(),
            None
        );
    }

    #[test]
    fn version_2008_is_literal_but_unknowns_are_not() {
        let unknowns: BTreeSet<String> = ["Bucket.Arn".to_string()].into();
        let tpl = Template::parse("${Bucket.Arn}/${aws:username}/${*}", false, &unknowns);
        assert_eq!(
            tpl.pieces,
            [
                Piece::Unknown("Bucket.Arn".into()),
                text("/${aws:username}/${*}")
            ]
        );
        assert_eq!(
            names_unknown("x${Bucket.Arn}", &unknowns),
            Some("Bucket.Arn")
        );
        assert_eq!(names_unknown("x${Bucket}", &unknowns), None);
        // Without variables every `${NAME}` is found; with them, one inside a malformed
        // variable is text, and said to be hidden.
        let tpl = Template::parse("${a${Bucket.Arn}", false, &unknowns);
        assert_eq!(
            tpl.pieces,
            [text("${a"), Piece::Unknown("Bucket.Arn".into())]
        );
        let tpl = Template::parse("${a ${Bucket.Arn}}", true, &unknowns);
        assert_eq!(tpl.pieces, [text("${a ${Bucket.Arn}}")]);
        assert_eq!(tpl.hidden_unknown(&unknowns), Some("Bucket.Arn"));
        assert_eq!(
            Template::parse("${Bucket.Arn}", true, &unknowns).hidden_unknown(&unknowns),
            None
        );
    }
}
