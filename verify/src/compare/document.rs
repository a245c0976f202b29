//! This crate's own reading of identity-based policy documents for the comparison
//! (docs/semantics.md §2): `Version`, `Statement`, `Effect`, `Action` / `NotAction`,
//! `Resource` / `NotResource` and `Condition`. `Principal` / `NotPrincipal` (a resource-based
//! policy) is refused; `Sid` and unknown statement keys are ignored by evaluation.
//! Independent of the library's policy model on purpose.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::condition::{parse_conditions, Cond};
use super::error::{CompareError, Place, Side};
use super::text::{Piece, Text};
use crate::policy::{first_unsupported, kind, Effect, Pattern, Statement};

/// One statement as the comparison reads it.
#[derive(Clone, Debug)]
pub(crate) struct Stmt {
    pub place: Place,
    pub effect: Effect,
    /// The action part: patterns (as written and normalised) and whether it is `NotAction`.
    pub action: Statement,
    pub not_resource: bool,
    pub resources: Vec<Text>,
    pub conditions: Vec<Cond>,
    /// `Version` `2012-10-17` (policy variables are read).
    pub v2012: bool,
}

impl Stmt {
    /// What identifies the statement's resource part and condition as a formula over
    /// requests: statements with equal keys hold for exactly the same requests whatever
    /// their actions (resource patterns and condition values as sets; the `Version` only
    /// where it changes a meaning, i.e. where a text holds `${`).
    pub fn body_key(&self) -> String {
        let mut resources: Vec<&str> = self.resources.iter().map(|t| t.raw.as_str()).collect();
        resources.sort_unstable();
        resources.dedup();
        let mut conditions: Vec<&str> = self
            .conditions
            .iter()
            .map(|c| c.canonical.as_str())
            .collect();
        conditions.sort_unstable();
        conditions.dedup();
        let variables = self.v2012 && resources.iter().any(|r| r.contains("${"));
        format!(
            "{}{}\u{3}{}\u{3}{}",
            if self.not_resource { "not" } else { "" },
            u8::from(variables),
            resources.join("\u{2}"),
            conditions.join("\u{3}")
        )
    }

    /// What identifies the action part as a language: `NotAction` or not, and the set of
    /// normalised patterns.
    pub fn action_key(&self) -> String {
        let mut patterns: Vec<&str> = self
            .action
            .patterns
            .iter()
            .map(|p| p.low.as_str())
            .collect();
        patterns.sort_unstable();
        patterns.dedup();
        format!(
            "{}\u{3}{}",
            if self.action.not_action { "not" } else { "" },
            patterns.join("\u{2}")
        )
    }
}

/// What a side's documents hold: the statements, and the constructs that make every
/// verdict about them Unknown (a declared unknown in an `Action`).
pub(crate) struct Read {
    pub statements: Vec<Stmt>,
    pub unmodelled: Vec<String>,
}

/// A value for a message: scalars as written (cut short), containers by kind only (a
/// deeply nested value is never rendered: that would recurse as deep as it is).
pub(crate) fn brief(value: &Value) -> String {
    match value {
        Value::Array(_) | Value::Object(_) => kind(value).to_string(),
        scalar => {
            let text = scalar.to_string();
            if text.chars().count() > 80 {
                let cut: String = text.chars().take(80).collect();
                format!("`{cut}...`")
            } else {
                format!("`{text}`")
            }
        }
    }
}

/// Reads the documents of one side.
pub(crate) fn read_side(
    documents: &[Value],
    side: Side,
    unknowns: &BTreeSet<String>,
) -> Result<Read, CompareError> {
    let mut read = Read {
        statements: Vec::new(),
        unmodelled: Vec::new(),
    };
    for (document, doc) in documents.iter().enumerate() {
        let malformed = |message: String| CompareError::Document {
            side,
            document,
            message,
        };
        let object = doc.as_object().ok_or_else(|| {
            malformed(format!(
                "a policy document must be a JSON object, got {}",
                kind(doc)
            ))
        })?;
        let v2012 = match object.get("Version") {
            None => false,
            Some(Value::String(v)) if v == "2012-10-17" => true,
            Some(Value::String(v)) if v == "2008-10-17" => false,
            Some(other) => {
                return Err(malformed(format!(
                    "`Version` must be \"2012-10-17\" or \"2008-10-17\", got {}",
                    brief(other)
                )))
            }
        };
        let list: Vec<&Value> = match object.get("Statement") {
            Some(Value::Array(items)) if items.is_empty() => {
                return Err(malformed("`Statement` is an empty array".to_string()))
            }
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            Some(other) => {
                return Err(malformed(format!(
                    "`Statement` must be an object or an array, got {}",
                    kind(other)
                )))
            }
            None => return Err(malformed("the document has no `Statement`".to_string())),
        };
        for (statement, value) in list.into_iter().enumerate() {
            let place = Place {
                side,
                document,
                statement,
            };
            let stmt = read_statement(value, place, v2012, unknowns, &mut read.unmodelled)?;
            read.statements.push(stmt);
        }
    }
    Ok(read)
}

fn strings<'v>(
    value: &'v Value,
    element: &str,
    place: Place,
) -> Result<Vec<&'v str>, CompareError> {
    let bad = |message: String| CompareError::Statement { place, message };
    match value {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str().ok_or_else(|| {
                    bad(format!(
                        "`{element}` entries must be strings, got {}",
                        brief(item)
                    ))
                })
            })
            .collect(),
        other => Err(bad(format!(
            "`{element}` must be a string or an array of strings, got {}",
            kind(other)
        ))),
    }
}

/// Exactly one of `a` / `b`: `(is_b, value)`.
fn one_of<'v>(
    object: &'v Map<String, Value>,
    a: &'static str,
    b: &'static str,
    place: Place,
) -> Result<(bool, &'v Value), CompareError> {
    let bad = |message: String| CompareError::Statement { place, message };
    match (object.get(a), object.get(b)) {
        (Some(v), None) => Ok((false, v)),
        (None, Some(v)) => Ok((true, v)),
        (Some(_), Some(_)) => Err(bad(format!("has both `{a}` and `{b}`"))),
        (None, None) => Err(bad(format!("has neither `{a}` nor `{b}`"))),
    }
}

fn read_statement(
    value: &Value,
    place: Place,
    v2012: bool,
    unknowns: &BTreeSet<String>,
    unmodelled: &mut Vec<String>,
) -> Result<Stmt, CompareError> {
    let bad = |message: String| CompareError::Statement { place, message };
    let object = value
        .as_object()
        .ok_or_else(|| bad(format!("must be a JSON object, got {}", kind(value))))?;
    for element in ["Principal", "NotPrincipal"] {
        if object.contains_key(element) {
            return Err(bad(format!(
                "has `{element}`: a resource-based policy, which the comparison does not read \
                 (identity-based policies only)"
            )));
        }
    }
    let effect = match object.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(other) => {
            return Err(bad(format!(
                "`Effect` must be `Allow` or `Deny`, got {}",
                brief(other)
            )))
        }
        None => return Err(bad("has no `Effect`".to_string())),
    };
    let (not_action, actions) = one_of(object, "Action", "NotAction", place)?;
    let element = if not_action { "NotAction" } else { "Action" };
    let mut patterns = Vec::new();
    for entry in strings(actions, element, place)? {
        if let Some(character) = first_unsupported(entry) {
            return Err(CompareError::UnsupportedCharacter {
                place,
                element,
                text: entry.to_string(),
                character,
            });
        }
        let text = Text::parse(entry, false, unknowns);
        if let Some(Piece::Unknown(name)) =
            text.pieces.iter().find(|p| matches!(p, Piece::Unknown(_)))
        {
            unmodelled.push(format!(
                "{place}: `{element}` entry `{entry}` holds the declared unknown `{name}` \
                 (unknowns are modelled in resources and string values only)"
            ));
        }
        patterns.push(Pattern::new(entry));
    }
    let (not_resource, resources) = one_of(object, "Resource", "NotResource", place)?;
    let resource_element = if not_resource {
        "NotResource"
    } else {
        "Resource"
    };
    let resources = strings(resources, resource_element, place)?
        .into_iter()
        .map(|r| Text::parse(r, v2012, unknowns))
        .collect();
    let conditions = match object.get("Condition") {
        None => Vec::new(),
        Some(block) => parse_conditions(block, v2012, unknowns).map_err(bad)?,
    };
    Ok(Stmt {
        place,
        effect,
        action: Statement::new(effect, not_action, patterns, Map::new()),
        not_resource,
        resources,
        conditions,
        v2012,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(doc: Value) -> Result<Read, CompareError> {
        read_side(&[doc], Side::Old, &BTreeSet::new())
    }

    #[test]
    fn refuses_what_is_not_an_identity_policy() {
        for (doc, words) in [
            (
                json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"}}),
                "Principal",
            ),
            (
                json!({"Statement": {"Effect": "Allow", "Action": "*"}}),
                "neither `Resource`",
            ),
            (
                json!({"Statement": {"Effect": "Allow", "Resource": "*"}}),
                "neither `Action`",
            ),
            (
                json!({"Statement": {"Effect": "allow", "Action": "*", "Resource": "*"}}),
                "`Effect`",
            ),
            (
                json!({"Version": "2012-10-18", "Statement": []}),
                "`Version`",
            ),
            (
                json!({"Statement": {"Effect": "Allow", "Action": "s3:Get\u{e9}", "Resource": "*"}}),
                "contains",
            ),
            (json!([]), "JSON object"),
        ] {
            let err = read(doc).err().unwrap().to_string();
            assert!(err.contains(words), "{err}");
        }
    }

    #[test]
    fn reads_versions_and_elements() {
        let r = read(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "NotAction": ["s3:*"], "NotResource": "arn:${aws:username}",
                           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
        }))
        .unwrap();
        let s = &r.statements[0];
        assert!(s.v2012 && s.not_resource && s.action.not_action);
        assert!(!s.resources[0].is_ground());
        assert_eq!(s.conditions.len(), 1);
        let old = read(
            json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "${aws:username}"}}),
        )
        .unwrap();
        assert!(old.statements[0].resources[0].is_ground());
    }
}
