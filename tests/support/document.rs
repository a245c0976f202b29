//! A policy document as plain JSON, read independently of the library and the prover: its
//! statements, their effect, their action key and their entries. The mutation operators and
//! the witness checks work at this level, on what `verify` reads.

use serde_json::{json, Value};

/// The statements of a document (`Statement` may be one object or an array).
pub fn statements(doc: &Value) -> Vec<Value> {
    match &doc["Statement"] {
        Value::Array(v) => v.clone(),
        Value::Null => vec![],
        one => vec![one.clone()],
    }
}

/// The statements of a document, to edit in place; a single-object `Statement` becomes an
/// array of one first (an equivalent document).
pub fn statements_mut(doc: &mut Value) -> &mut Vec<Value> {
    let current = doc["Statement"].take();
    doc["Statement"] = match current {
        Value::Array(v) => Value::Array(v),
        Value::Null => json!([]),
        one => json!([one]),
    };
    doc["Statement"].as_array_mut().expect("just made an array")
}

/// `Action` or `NotAction`, whichever the statement has.
pub fn action_key(stmt: &Value) -> Option<&'static str> {
    ["Action", "NotAction"]
        .into_iter()
        .find(|k| stmt.get(k).is_some())
}

/// The entries of the statement's `Action` or `NotAction` (a string or an array).
pub fn entries(stmt: &Value) -> Vec<String> {
    let Some(key) = action_key(stmt) else {
        return vec![];
    };
    match &stmt[key] {
        Value::String(s) => vec![s.clone()],
        Value::Array(v) => v
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        _ => vec![],
    }
}

/// The entries of the statement's `Action` list (empty for a `NotAction` statement).
pub fn action_list(stmt: &Value) -> Vec<String> {
    match action_key(stmt) {
        Some("Action") => entries(stmt),
        _ => vec![],
    }
}

/// Replaces the statement's entries, keeping its key.
pub fn set_entries(stmt: &mut Value, list: Vec<String>) {
    let key = action_key(stmt).unwrap_or("Action");
    stmt[key] = json!(list);
}

pub fn is_allow(stmt: &Value) -> bool {
    stmt["Effect"] == "Allow"
}

pub fn is_deny(stmt: &Value) -> bool {
    stmt["Effect"] == "Deny"
}

/// Does the statement's action list allow (or, for a Deny, match) `action`, by the model's
/// glob? `NotAction` matches what none of its entries matches.
pub fn statement_matches(stmt: &Value, action: &str) -> bool {
    let hit = crate::glob::any_glob(&entries(stmt), action);
    match action_key(stmt) {
        Some("NotAction") => !hit,
        Some(_) => hit,
        None => false,
    }
}
