//! IAM policy documents: the one model the rest of the crate works on, with JSON (and the
//! shapes the AWS CLI and API print) as its front end.
//!
//! A [`Policy`] keeps every key it does not interpret (`Version`, `Id`, `Sid`, `Resource`,
//! `Condition`, `Principal`, ...) as it was, in its order, so that writing a refined policy
//! changes nothing but the action lists. Reading the shapes a document arrives in is
//! [`crate::document`]'s job; this module owns the model and its serialisation.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::document::parse_wrapped;
use crate::json::{self, JsonError};

/// Errors in a policy file. Statement numbers count from 1.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
    /// The text is not JSON, or repeats a key (``duplicate key `Effect` ``).
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line of the error, as `serde_json` reports it.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What is wrong, without the position.
        message: String,
    },
    /// A `%` not followed by two hexadecimal digits in URL-encoded text.
    #[error("invalid URL encoding: `{escape}` at byte {byte} is not a %XX escape")]
    UrlEscape {
        /// The text at the `%`.
        escape: String,
        /// 1-based byte offset of the `%`.
        byte: usize,
    },
    /// URL-encoded text that decodes to bytes that are not UTF-8.
    #[error("invalid URL encoding: the decoded text is not UTF-8")]
    UrlNotUtf8,
    /// Valid JSON of no accepted shape.
    #[error("expected an IAM policy document (an object with `Statement`), found {found}")]
    NotAPolicy {
        /// What was found instead, quoting its keys or text.
        found: String,
    },
    /// An object with keys of two accepted shapes (`Statement` beside `recommendedSteps`).
    #[error("ambiguous document: it has both `{first}` and `{second}`, which belong to different shapes")]
    Ambiguous {
        /// The first key, in document order.
        first: String,
        /// The key of another shape.
        second: String,
    },
    /// Documents embedded in strings or envelopes more deeply than any AWS output.
    #[error("documents nested more than {limit} levels deep")]
    TooDeep {
        /// The nesting accepted.
        limit: usize,
    },
    /// An envelope key whose value has the wrong type (`PolicyVersion` not an object).
    #[error("`{key}` must be {expected}, found {found}")]
    Wrapper {
        /// The envelope key.
        key: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What it is.
        found: String,
    },
    /// `Statement` is neither an object nor an array.
    #[error("`Statement` must be an object or an array of objects, found {found}")]
    StatementType {
        /// What it is.
        found: String,
    },
    /// `Statement` is an empty array.
    #[error("the policy has no statement")]
    NoStatement,
    /// A statement that is not an object.
    #[error("statement {statement}: expected an object, found {found}")]
    StatementNotObject {
        /// 1-based statement number.
        statement: usize,
        /// What it is.
        found: String,
    },
    /// A statement without `Effect`.
    #[error("statement {statement}: `Effect` is missing")]
    MissingEffect {
        /// 1-based statement number.
        statement: usize,
    },
    /// An `Effect` other than `Allow` or `Deny` (case matters, as in IAM).
    #[error("statement {statement}: Effect must be Allow or Deny, found {found}")]
    Effect {
        /// 1-based statement number.
        statement: usize,
        /// The value found, quoted.
        found: String,
    },
    /// A statement with neither `Action` nor `NotAction`.
    #[error("statement {statement}: needs `Action` or `NotAction`")]
    NoAction {
        /// 1-based statement number.
        statement: usize,
    },
    /// A statement with both `Action` and `NotAction`.
    #[error("statement {statement}: has both `Action` and `NotAction`")]
    BothActions {
        /// 1-based statement number.
        statement: usize,
    },
    /// An action list that is not a string or an array of strings.
    #[error(
        "statement {statement}: `{key}` must be a string or an array of strings, found {found}"
    )]
    ActionType {
        /// 1-based statement number.
        statement: usize,
        /// `Action` or `NotAction`.
        key: &'static str,
        /// The offending value, quoted.
        found: String,
    },
    /// An empty action list.
    #[error("statement {statement}: `{key}` is empty")]
    EmptyAction {
        /// 1-based statement number.
        statement: usize,
        /// `Action` or `NotAction`.
        key: &'static str,
    },
    /// An empty string in an action list.
    #[error("statement {statement}: `{key}` has an empty action name")]
    EmptyName {
        /// 1-based statement number.
        statement: usize,
        /// `Action` or `NotAction`.
        key: &'static str,
    },
}

impl From<JsonError> for PolicyError {
    fn from(e: JsonError) -> PolicyError {
        PolicyError::Json {
            line: e.line,
            column: e.column,
            message: e.message,
        }
    }
}

/// What a statement does to the actions it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

/// Whether a statement lists the actions it applies to or the ones it does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKey {
    /// `Action`: the statement applies to the actions listed.
    Action,
    /// `NotAction`: the statement applies to every action except those listed.
    NotAction,
}

impl ActionKey {
    /// The key as IAM spells it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ActionKey::Action => "Action",
            ActionKey::NotAction => "NotAction",
        }
    }
}

/// Where a policy document came from; decides which IAM size quota applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// A managed policy (`get-policy-version`) or a bare document.
    Managed,
    /// `get-role-policy`.
    RoleInline,
    /// `get-user-policy`.
    UserInline,
    /// `get-group-policy`.
    GroupInline,
}

impl PolicyKind {
    /// IAM's size quota in characters, not counting whitespace.
    #[must_use]
    pub fn quota(self) -> usize {
        match self {
            PolicyKind::Managed => 6_144,
            PolicyKind::RoleInline => 10_240,
            PolicyKind::UserInline => 2_048,
            PolicyKind::GroupInline => 5_120,
        }
    }

    /// What the quota is for, for messages (`a managed policy`).
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            PolicyKind::Managed => "a managed policy",
            PolicyKind::RoleInline => "a role's inline policies",
            PolicyKind::UserInline => "a user's inline policies",
            PolicyKind::GroupInline => "a group's inline policies",
        }
    }
}

/// One statement: its effect and action list, with every other key kept as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// `Action` or `NotAction`.
    pub key: ActionKey,
    /// The action list, as written (patterns such as `s3:Get*`).
    pub patterns: Vec<String>,
    /// The action list was written as a single string.
    single: bool,
    /// Every key as written, in order; the action key holds a placeholder.
    raw: Map<String, Value>,
}

impl Statement {
    /// The same statement with a new action list (same key, same position in the object).
    #[must_use]
    pub fn with_patterns(&self, patterns: Vec<String>) -> Statement {
        Statement {
            effect: self.effect,
            key: self.key,
            patterns,
            single: self.single,
            raw: self.raw.clone(),
        }
    }

    /// The statement as a JSON object.
    #[must_use]
    pub fn to_value(&self) -> Value {
        let mut raw = self.raw.clone();
        // With `preserve_order`, inserting an existing key keeps its position.
        raw.insert(self.key.name().to_string(), self.action_value());
        Value::Object(raw)
    }

    /// [`Statement::to_value`] taking the statement apart: its names are moved into the
    /// value, not copied.
    fn into_value(self) -> Value {
        let mut raw = self.raw;
        let single = self.single && self.patterns.len() == 1;
        let mut patterns = self.patterns;
        let actions = match patterns.pop() {
            Some(one) if single => Value::String(one),
            last => {
                patterns.extend(last);
                Value::Array(patterns.into_iter().map(Value::String).collect())
            }
        };
        raw.insert(self.key.name().to_string(), actions);
        Value::Object(raw)
    }

    /// The value of `Action` / `NotAction`: a string when it was written as one.
    fn action_value(&self) -> Value {
        match self.patterns.as_slice() {
            [one] if self.single => Value::String(one.clone()),
            list => Value::Array(list.iter().cloned().map(Value::String).collect()),
        }
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.raw.len()))?;
        for (key, value) in &self.raw {
            if key == self.key.name() {
                match self.patterns.as_slice() {
                    [one] if self.single => map.serialize_entry(key, one)?,
                    list => map.serialize_entry(key, list)?,
                }
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// A policy document: its statements, and every other key kept as written, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The statements, in order.
    pub statements: Vec<Statement>,
    /// Where the document came from (decides the size quota).
    pub kind: PolicyKind,
    /// The document's keys as written (`Version`, `Id`, `Statement`, ...); `Statement`
    /// holds a placeholder.
    raw: Map<String, Value>,
    /// `Statement` was a single object rather than an array.
    single: bool,
}

impl Policy {
    /// Reads a policy in any shape the AWS CLI or API prints it: a document, the output
    /// of `get-policy-version` or `get-role-policy` / `get-user-policy` /
    /// `get-group-policy`, a document embedded as a JSON string, or URL-encoded text.
    ///
    /// The text is read strictly ([`crate::parse_json_text`]): a repeated key anywhere, or
    /// an object of two shapes, is an error.
    ///
    /// # Errors
    ///
    /// [`PolicyError`] when the text is not JSON the strict reader accepts, is in none of
    /// those shapes, or holds a document [`Policy::from_document`] refuses.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let (doc, kind) = parse_wrapped(text)?;
        Policy::from_document(doc, kind)
    }

    /// Reads a bare document object.
    ///
    /// # Errors
    ///
    /// [`PolicyError`] when a field is missing or of the wrong type (`Statement`, `Effect`,
    /// `Action` / `NotAction`, ...), or an action name is empty.
    pub fn from_document(doc: Map<String, Value>, kind: PolicyKind) -> Result<Policy, PolicyError> {
        let Some(statement) = doc.get("Statement") else {
            return Err(PolicyError::NotAPolicy {
                found: crate::document::describe_keys(&doc),
            });
        };
        let (items, single) = match statement {
            Value::Object(_) => (std::slice::from_ref(statement), true),
            Value::Array(items) => (items.as_slice(), false),
            other => {
                return Err(PolicyError::StatementType {
                    found: json::describe(other),
                })
            }
        };
        if items.is_empty() {
            return Err(PolicyError::NoStatement);
        }
        let statements = items
            .iter()
            .enumerate()
            .map(|(i, s)| parse_statement(i + 1, s))
            .collect::<Result<Vec<_>, _>>()?;
        // `Statement` is rebuilt from `statements` when written; a placeholder keeps its
        // position among the keys without a second copy of every statement.
        let mut doc = doc;
        doc.insert("Statement".to_string(), Value::Null);
        Ok(Policy {
            statements,
            kind,
            raw: doc,
            single,
        })
    }

    /// The same policy with other statements.
    #[must_use]
    pub fn with_statements(&self, statements: Vec<Statement>) -> Policy {
        Policy {
            statements,
            kind: self.kind,
            raw: self.raw.clone(),
            single: self.single,
        }
    }

    /// The policy document; a policy with one statement written as an object stays so.
    pub fn to_value(&self) -> Value {
        let mut raw = self.raw.clone();
        let statements = match self.statements.as_slice() {
            [one] if self.single => one.to_value(),
            list => Value::Array(list.iter().map(Statement::to_value).collect()),
        };
        raw.insert("Statement".to_string(), statements);
        Value::Object(raw)
    }

    /// [`Policy::to_value`] taking the policy apart: its action names are moved into the
    /// value, not copied (a refinement of 550,000 entries spent more copying and freeing
    /// them than printing them).
    #[must_use]
    pub fn into_value(self) -> Value {
        let mut raw = self.raw;
        let single = self.single && self.statements.len() == 1;
        let mut statements: Vec<Value> = self
            .statements
            .into_iter()
            .map(Statement::into_value)
            .collect();
        let statements = match statements.pop() {
            Some(one) if single => one,
            last => {
                statements.extend(last);
                Value::Array(statements)
            }
        };
        raw.insert("Statement".to_string(), statements);
        Value::Object(raw)
    }

    /// Pretty JSON with a two-space indent and a final newline. Every value other than
    /// the action lists comes out as it was written, numbers included.
    #[must_use]
    pub fn to_pretty_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The size IAM counts against its quotas: characters, whitespace not counted.
    /// Counted while serialising, without building the text.
    #[must_use]
    pub fn size(&self) -> usize {
        // The action lists (all but a few characters of a large policy) are counted
        // directly; the rest, with each list written empty, by serialising.
        let lists: usize = self
            .statements
            .iter()
            .map(|s| match s.patterns.as_slice() {
                [one] if s.single => json_string_size(one),
                list => {
                    2 + list.iter().map(|p| json_string_size(p)).sum::<usize>()
                        + list.len().saturating_sub(1)
                }
            })
            .sum();
        // each empty list was counted as `[]`
        serialised_size(&WithoutLists(self)) + lists - 2 * self.statements.len()
    }

    /// [`Policy::size`] by serialising the whole policy (the reference the direct count is
    /// tested against).
    #[cfg(test)]
    pub(crate) fn size_by_serialising(&self) -> usize {
        serialised_size(self)
    }
}

/// The policy serialised with every statement's action list written `[]`.
struct WithoutLists<'a>(&'a Policy);

impl Serialize for WithoutLists<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let policy = self.0;
        let mut map = serializer.serialize_map(Some(policy.raw.len()))?;
        for (key, value) in &policy.raw {
            if key == "Statement" {
                let empty: Vec<StatementWithoutList<'_>> =
                    policy.statements.iter().map(StatementWithoutList).collect();
                match empty.as_slice() {
                    [one] if policy.single => map.serialize_entry(key, one)?,
                    list => map.serialize_entry(key, list)?,
                }
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

struct StatementWithoutList<'a>(&'a Statement);

impl Serialize for StatementWithoutList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let statement = self.0;
        let mut map = serializer.serialize_map(Some(statement.raw.len()))?;
        for (key, value) in &statement.raw {
            if key == statement.key.name() {
                map.serialize_entry(key, &[] as &[String])?;
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// The characters of `s` as serde_json writes it (quoted, escaped), whitespace not counted,
/// as [`SizeCounter`] counts them.
fn json_string_size(s: &str) -> usize {
    if s.is_ascii() {
        return 2 + s
            .bytes()
            .map(|b| usize::from(ASCII_SIZE[usize::from(b & 0x7f)]))
            .sum::<usize>();
    }
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if u32::from(c) < 0x20 => 6, // `\u00XX`
            c if c.is_whitespace() => 0,
            _ => 1,
        })
        .sum::<usize>()
}

/// [`json_string_size`] of each ASCII character, by table.
const ASCII_SIZE: [u8; 128] = {
    let mut table = [1u8; 128];
    let mut b = 0;
    while b < 0x20 {
        table[b] = 6; // `\u00XX`
        b += 1;
    }
    table[0x08] = 2;
    table[0x0c] = 2;
    table[b'\n' as usize] = 2;
    table[b'\r' as usize] = 2;
    table[b'\t' as usize] = 2;
    table[b'"' as usize] = 2;
    table[b'\\' as usize] = 2;
    table[b' ' as usize] = 0; // whitespace, not counted
    table
};

/// Non-whitespace characters of `value` serialised compactly, counted as written.
fn serialised_size<T: Serialize + ?Sized>(value: &T) -> usize {
    let mut counter = SizeCounter::default();
    {
        // serde_json writes a few bytes per call; counting 64 KiB at a time keeps a
        // 1M-action policy from costing more to count than to refine.
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut counter);
        // Writing to a counter cannot fail, and policies serialise without error.
        let _ = serde_json::to_writer(&mut buffered, value);
        let _ = std::io::Write::flush(&mut buffered);
    }
    counter.count
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.raw.len()))?;
        for (key, value) in &self.raw {
            if key == "Statement" {
                match self.statements.as_slice() {
                    [one] if self.single => map.serialize_entry(key, one)?,
                    list => map.serialize_entry(key, list)?,
                }
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// Counts the characters written to it that are not whitespace. `serde_json` writes whole
/// characters per call (it slices strings at character boundaries), but a split one is
/// carried over rather than miscounted.
#[derive(Default)]
struct SizeCounter {
    count: usize,
    carry: Vec<u8>,
}

impl std::io::Write for SizeCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.carry.is_empty() && buf.is_ascii() {
            // ASCII: every byte is a character, and the whitespace ones are the ASCII ones
            // `char::is_whitespace` names (a loop the compiler vectorises)
            let blank = buf.iter().fold(0usize, |n, &b| {
                n + usize::from(matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
            });
            self.count += buf.len() - blank;
            return Ok(buf.len());
        }
        let mut bytes = buf;
        let joined;
        if !self.carry.is_empty() {
            self.carry.extend_from_slice(buf);
            joined = std::mem::take(&mut self.carry);
            bytes = &joined;
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                self.carry = rest.to_vec();
                // `valid_up_to` is a character boundary.
                std::str::from_utf8(valid).unwrap_or_default()
            }
        };
        self.count += text.chars().filter(|c| !c.is_whitespace()).count();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn parse_statement(n: usize, value: &Value) -> Result<Statement, PolicyError> {
    let Value::Object(raw) = value else {
        return Err(PolicyError::StatementNotObject {
            statement: n,
            found: json::describe(value),
        });
    };
    let effect = match raw.get("Effect") {
        None => return Err(PolicyError::MissingEffect { statement: n }),
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(Value::String(s)) => {
            return Err(PolicyError::Effect {
                statement: n,
                found: json::quote(s),
            })
        }
        Some(other) => {
            return Err(PolicyError::Effect {
                statement: n,
                found: json::describe(other),
            })
        }
    };
    let key = match (raw.get("Action"), raw.get("NotAction")) {
        (Some(_), Some(_)) => return Err(PolicyError::BothActions { statement: n }),
        (Some(_), None) => ActionKey::Action,
        (None, Some(_)) => ActionKey::NotAction,
        (None, None) => return Err(PolicyError::NoAction { statement: n }),
    };
    let type_error = |found: &Value| PolicyError::ActionType {
        statement: n,
        key: key.name(),
        found: json::describe(found),
    };
    let (patterns, single) = match &raw[key.name()] {
        Value::String(s) => (vec![s.clone()], true),
        Value::Array(items) => {
            let mut patterns = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => patterns.push(s.clone()),
                    other => return Err(type_error(other)),
                }
            }
            (patterns, false)
        }
        other => return Err(type_error(other)),
    };
    if patterns.is_empty() {
        return Err(PolicyError::EmptyAction {
            statement: n,
            key: key.name(),
        });
    }
    if patterns.iter().any(String::is_empty) {
        return Err(PolicyError::EmptyName {
            statement: n,
            key: key.name(),
        });
    }
    // The action list lives in `patterns`; serialisation writes it back at the placeholder.
    let mut raw = raw.clone();
    raw.insert(key.name().to_string(), Value::Null);
    Ok(Statement {
        effect,
        key,
        patterns,
        single,
        raw,
    })
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
