//! Values being resolved: JSON with holes. A string may hold declared unknowns among its
//! known text ([`Val::Str`]); a whole value may be one ([`Val::Unknown`]).

use serde_json::{Map, Number, Value};

use crate::names::occurrence;

/// A part of a string.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    Text(String),
    Unknown(String),
}

/// A value with declared unknowns in it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Number(Number),
    Str(Vec<Piece>),
    Array(Vec<Val>),
    Object(Vec<(String, Val)>),
    Unknown(String),
}

impl Val {
    pub(crate) fn text(s: impl Into<String>) -> Val {
        Val::Str(vec![Piece::Text(s.into())])
    }

    /// The value's text when it is a scalar (a number or a boolean stands for its text),
    /// with its unknowns as pieces; `None` for a list, an object or null.
    pub(crate) fn pieces(&self) -> Option<Vec<Piece>> {
        match self {
            Val::Str(p) => Some(p.clone()),
            Val::Number(n) => Some(vec![Piece::Text(n.to_string())]),
            Val::Bool(b) => Some(vec![Piece::Text(b.to_string())]),
            Val::Unknown(name) => Some(vec![Piece::Unknown(name.clone())]),
            Val::Null | Val::Array(_) | Val::Object(_) => None,
        }
    }

    /// The text of a scalar with no unknown in it.
    pub(crate) fn known_text(&self) -> Option<String> {
        let pieces = self.pieces()?;
        let mut out = String::new();
        for p in pieces {
            match p {
                Piece::Text(t) => out.push_str(&t),
                Piece::Unknown(_) => return None,
            }
        }
        Some(out)
    }

    /// Whether no declared unknown occurs anywhere in the value.
    pub(crate) fn is_known(&self) -> bool {
        match self {
            Val::Null | Val::Bool(_) | Val::Number(_) => true,
            Val::Str(p) => p.iter().all(|p| matches!(p, Piece::Text(_))),
            Val::Array(items) => items.iter().all(Val::is_known),
            Val::Object(members) => members.iter().all(|(_, v)| v.is_known()),
            Val::Unknown(_) => false,
        }
    }

    /// As JSON: each unknown as `${NAME}`.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Number(n) => Value::Number(n.clone()),
            Val::Str(pieces) => Value::String(render(pieces)),
            Val::Array(items) => Value::Array(items.iter().map(Val::to_value).collect()),
            Val::Object(members) => {
                let mut map = Map::new();
                for (k, v) in members {
                    map.insert(k.clone(), v.to_value());
                }
                Value::Object(map)
            }
            Val::Unknown(name) => Value::String(occurrence(name)),
        }
    }
}

/// A string's pieces as text, each unknown as `${NAME}`.
pub(crate) fn render(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Unknown(name) => out.push_str(&occurrence(name)),
        }
    }
    out
}

/// Appends `more` to `pieces`, merging adjacent text.
pub(crate) fn extend(pieces: &mut Vec<Piece>, more: Vec<Piece>) {
    for p in more {
        match (pieces.last_mut(), p) {
            (Some(Piece::Text(a)), Piece::Text(b)) => a.push_str(&b),
            (_, p) => pieces.push(p),
        }
    }
}
