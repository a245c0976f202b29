//! "Never grant" rules files (`check-not-granted --rules FILE`, and `ci --rules`): the
//! accesses a team keeps in its repository as ones no policy may grant.
//!
//! The format, JSON only (the YAML reader of `iam-refine-iac` is private to CloudFormation
//! templates, and a second YAML reader is not worth a dependency for a list of globs):
//!
//! ```json
//! {"rules": [
//!   {"id": "no-iam-write", "description": "No one writes IAM",
//!    "actions": ["iam:Create*", "iam:Put*"], "resources": ["*"]}
//! ]}
//! ```
//!
//! - `actions`: required, a pattern or a non-empty array of them (IAM action globs);
//! - `resources`: optional, a pattern or a non-empty array of them; default `*`;
//! - `id`: optional, a non-empty string unique in the file; default `rule-N` (N from 1);
//! - `description`: optional string.
//!
//! Refused, with the file and the rule named: anything else than an object holding only a
//! non-empty `rules` array, an unknown key, a duplicate key (the library's strict JSON
//! reader), a value of another type, an empty pattern, a repeated id. A rule that could be
//! read two ways is never guessed at: a typo in a key would otherwise silently widen or
//! drop a rule.

use std::path::Path;

use serde_json::{Map, Value};

use crate::input::{display_name, read_input, InputError};
use crate::names::kind_of;

/// One access no policy may grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// As written, or `rule-N` (N its position, from 1).
    pub id: String,
    pub description: Option<String>,
    /// Action globs (case-insensitive, as in IAM); never empty.
    pub actions: Vec<String>,
    /// Resource globs (case-sensitive, as in IAM); `["*"]` when not given.
    pub resources: Vec<String>,
}

/// Why a rules file was refused.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{file}: not a rules file: {message}")]
    Json { file: String, message: String },
    #[error("{file}: {message}")]
    Shape { file: String, message: String },
    #[error("{file}: rule {position}{}: {message}", id_suffix(.id))]
    Rule {
        file: String,
        /// From 1.
        position: usize,
        id: Option<String>,
        message: String,
    },
}

fn id_suffix(id: &Option<String>) -> String {
    id.as_ref().map(|i| format!(" (`{i}`)")).unwrap_or_default()
}

/// The largest bound a read goes through (the caller's `--max-input-bytes` is smaller or
/// equal in practice; [`read_rules_bounded`] takes it).
#[allow(dead_code)] // for `read_rules`
const DEFAULT_LIMIT: u64 = 256 << 20;

/// Reads a rules file (see the module docs for the format), bounded at 256 MiB.
#[allow(dead_code)] // `check-not-granted` passes its --max-input-bytes; `ci` may not
pub fn read_rules(path: &Path) -> Result<Vec<Rule>, RulesError> {
    read_rules_bounded(path, DEFAULT_LIMIT)
}

/// [`read_rules`] refusing a file larger than `limit` bytes before reading it whole.
pub fn read_rules_bounded(path: &Path, limit: u64) -> Result<Vec<Rule>, RulesError> {
    let text = read_input(path, limit)?;
    parse_rules(&display_name(path), &text)
}

/// Reads the text of a rules file named `file` (for messages).
pub fn parse_rules(file: &str, text: &str) -> Result<Vec<Rule>, RulesError> {
    let shape = |message: String| RulesError::Shape {
        file: file.to_string(),
        message,
    };
    let value = iam_refine::parse_json_text(text).map_err(|e| RulesError::Json {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    let Value::Object(top) = value else {
        return Err(shape(format!(
            "expected an object `{{\"rules\": [...]}}`, found {}",
            kind_of(&value)
        )));
    };
    if let Some(other) = top.keys().find(|k| *k != "rules") {
        return Err(shape(format!(
            "unknown key `{other}` (a rules file holds only `rules`)"
        )));
    }
    let items = match top.get("rules") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(Value::Array(_)) => return Err(shape("`rules` is empty".to_string())),
        Some(other) => {
            return Err(shape(format!(
                "`rules` must be an array, found {}",
                kind_of(other)
            )))
        }
        None => return Err(shape("no `rules` array".to_string())),
    };
    let mut rules: Vec<Rule> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let position = i + 1;
        let rule = read_rule(position, item).map_err(|(id, message)| RulesError::Rule {
            file: file.to_string(),
            position,
            id,
            message,
        })?;
        if let Some(first) = rules.iter().position(|r| r.id == rule.id) {
            return Err(RulesError::Rule {
                file: file.to_string(),
                position,
                id: Some(rule.id),
                message: format!("the id is already rule {}'s", first + 1),
            });
        }
        rules.push(rule);
    }
    Ok(rules)
}

const KEYS: [&str; 4] = ["id", "description", "actions", "resources"];

/// One rule, or its id as far as known and what is wrong.
fn read_rule(position: usize, item: &Value) -> Result<Rule, (Option<String>, String)> {
    let Value::Object(map) = item else {
        return Err((None, format!("expected an object, found {}", kind_of(item))));
    };
    let id = match map.get("id") {
        None => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::String(_)) => return Err((None, "`id` is empty".to_string())),
        Some(other) => {
            return Err((
                None,
                format!("`id` must be a string, found {}", kind_of(other)),
            ))
        }
    };
    let fail = |message: String| (id.clone(), message);
    if let Some(other) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(fail(format!(
            "unknown key `{other}` (a rule has {})",
            KEYS.map(|k| format!("`{k}`")).join(", ")
        )));
    }
    let description = match map.get("description") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(fail(format!(
                "`description` must be a string, found {}",
                kind_of(other)
            )))
        }
    };
    let actions = patterns(map, "actions").map_err(fail)?.ok_or_else(|| {
        fail("no `actions` (required: a pattern or an array of them)".to_string())
    })?;
    let resources = patterns(map, "resources")
        .map_err(fail)?
        .unwrap_or_else(|| vec!["*".to_string()]);
    Ok(Rule {
        id: id.clone().unwrap_or_else(|| format!("rule-{position}")),
        description,
        actions,
        resources,
    })
}

/// `key` as a pattern or a non-empty array of non-empty patterns; `None` when absent.
fn patterns(map: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, String> {
    let list = match map.get(key) {
        None => return Ok(None),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(format!("`{key}` is empty"));
        }
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!(
                    "`{key}` entries must be strings, found {}",
                    kind_of(other)
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(format!(
                "`{key}` must be a string or an array of strings, found {}",
                kind_of(other)
            ))
        }
    };
    if list.iter().any(|p| p.is_empty()) {
        return Err(format!("`{key}` holds an empty pattern"));
    }
    Ok(Some(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Rule>, String> {
        parse_rules("rules.json", text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_full_rule_and_the_defaults() {
        let rules = read(
            r#"{"rules": [
                {"id": "no-iam-write", "description": "d", "actions": ["iam:Create*", "iam:Put*"], "resources": ["*"]},
                {"actions": "s3:DeleteBucket"}
            ]}"#,
        )
        .unwrap();
        assert_eq!(
            rules,
            [
                Rule {
                    id: "no-iam-write".into(),
                    description: Some("d".into()),
                    actions: vec!["iam:Create*".into(), "iam:Put*".into()],
                    resources: vec!["*".into()],
                },
                Rule {
                    id: "rule-2".into(),
                    description: None,
                    actions: vec!["s3:DeleteBucket".into()],
                    resources: vec!["*".into()],
                },
            ]
        );
    }

    #[test]
    fn hostile_files_are_refused_naming_file_and_rule() {
        let cases = [
            ("[]", "rules.json: expected an object"),
            ("{}", "rules.json: no `rules` array"),
            (r#"{"rules": []}"#, "rules.json: `rules` is empty"),
            (
                r#"{"rules": {}}"#,
                "`rules` must be an array, found an object",
            ),
            (r#"{"rules": [], "rule": 1}"#, "unknown key `rule`"),
            (
                r#"{"rules": [1]}"#,
                "rule 1: expected an object, found a number",
            ),
            (r#"{"rules": [{}]}"#, "rule 1: no `actions`"),
            (
                r#"{"rules": [{"id": "x", "actions": []}]}"#,
                "rule 1 (`x`): `actions` is empty",
            ),
            (
                r#"{"rules": [{"actions": [""]}]}"#,
                "rule 1: `actions` holds an empty pattern",
            ),
            (
                r#"{"rules": [{"actions": "a", "resources": ""}]}"#,
                "`resources` holds an empty pattern",
            ),
            (
                r#"{"rules": [{"actions": "a", "resources": []}]}"#,
                "`resources` is empty",
            ),
            (
                r#"{"rules": [{"actions": [1]}]}"#,
                "`actions` entries must be strings, found a number",
            ),
            (
                r#"{"rules": [{"actions": "a", "Actions": "b"}]}"#,
                "unknown key `Actions`",
            ),
            (
                r#"{"rules": [{"id": "x", "actions": "a", "actions": "b"}]}"#,
                "duplicate key `actions`",
            ),
            (
                r#"{"rules": [{"id": "", "actions": "a"}]}"#,
                "`id` is empty",
            ),
            (
                r#"{"rules": [{"id": 3, "actions": "a"}]}"#,
                "`id` must be a string",
            ),
            (
                r#"{"rules": [{"actions": "a", "description": 1}]}"#,
                "`description` must be a string",
            ),
            (
                r#"{"rules": [{"id": "x", "actions": "a"}, {"id": "x", "actions": "b"}]}"#,
                "rule 2 (`x`): the id is already rule 1's",
            ),
            (
                r#"{"rules": [{"actions": "a"}, {"id": "rule-1", "actions": "b"}]}"#,
                "rule 2 (`rule-1`): the id is already rule 1's",
            ),
            ("{\"rules\": [", "rules.json: not a rules file"),
        ];
        for (text, expected) in cases {
            let e = read(text).expect_err(text);
            assert!(e.contains(expected), "{text}: {e}");
            assert!(e.starts_with("rules.json"), "{text}: {e}");
        }
    }
}
