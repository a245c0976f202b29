//! The request (`docs/semantics.md` §1): an action, a resource and a context of condition
//! keys, each with a declared type and its values; and its JSON form, the input of
//! `simulate --request FILE` and the output of every witness:
//!
//! ```json
//! {"action": "s3:GetObject", "resource": "arn:aws:s3:::bucket/key",
//!  "context": {"aws:SourceIp": {"type": "ip", "values": ["203.0.113.7"]}},
//!  "unknowns": {"Bucket.Arn": "arn:aws:s3:::b"}}
//! ```
//!
//! `unknowns` (optional) is what a witness of a comparison involving declared unknowns
//! (`docs/semantics.md` §7) assumed: a value for each, which [`evaluate`](super::evaluate)
//! gives the `${NAME}` of policies read with
//! [`EvalPolicy::parse_with_unknowns`](super::EvalPolicy::parse_with_unknowns).
//!
//! Key names are compared case-insensitively (ASCII): AWS: "Key names are
//! case-insensitive. For example, `aws:CurrentTime` is equivalent to `AWS:currenttime`"
//! ([policy variables](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html)).
//! Two keys of one request that differ only in case are refused.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use crate::json::{self, quote};

/// The declared type of a context key, as `aws iam simulate-custom-policy
/// --context-entries` takes it (`ContextKeyType`). The `...List` types are multivalued.
///
/// The type is for display and for re-checking with AWS: each condition operator reads a
/// value's text its own way (`docs/semantics.md` §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueType {
    /// `string`.
    String,
    /// `stringList`.
    StringList,
    /// `numeric`.
    Numeric,
    /// `numericList`.
    NumericList,
    /// `boolean`.
    Boolean,
    /// `booleanList`.
    BooleanList,
    /// `date`.
    Date,
    /// `dateList`.
    DateList,
    /// `ip`.
    Ip,
    /// `ipList`.
    IpList,
    /// `binary`.
    Binary,
    /// `binaryList`.
    BinaryList,
}

impl ValueType {
    /// Every type, single-valued then multivalued by pairs.
    pub const ALL: [ValueType; 12] = [
        ValueType::String,
        ValueType::StringList,
        ValueType::Numeric,
        ValueType::NumericList,
        ValueType::Boolean,
        ValueType::BooleanList,
        ValueType::Date,
        ValueType::DateList,
        ValueType::Ip,
        ValueType::IpList,
        ValueType::Binary,
        ValueType::BinaryList,
    ];

    /// The name AWS uses (`stringList`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::StringList => "stringList",
            ValueType::Numeric => "numeric",
            ValueType::NumericList => "numericList",
            ValueType::Boolean => "boolean",
            ValueType::BooleanList => "booleanList",
            ValueType::Date => "date",
            ValueType::DateList => "dateList",
            ValueType::Ip => "ip",
            ValueType::IpList => "ipList",
            ValueType::Binary => "binary",
            ValueType::BinaryList => "binaryList",
        }
    }

    /// The type named `name`, ignoring ASCII case (`stringlist` is `stringList`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<ValueType> {
        ValueType::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
    }

    /// A `...List` type: the key holds zero or more values.
    #[must_use]
    pub fn is_list(self) -> bool {
        self.name().ends_with("List")
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One context key of a request: its name as written, its type and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEntry {
    /// The key as written (`aws:SourceIp`).
    pub key: String,
    /// The declared type.
    pub kind: ValueType,
    /// The values: exactly one for a single-valued type, zero or more for a `...List`.
    pub values: Vec<String>,
}

/// A request to evaluate (`docs/semantics.md` §1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    /// The action, such as `s3:GetObject`.
    pub action: String,
    /// The resource, normally an ARN.
    pub resource: String,
    /// The context keys, in the order given.
    entries: Vec<ContextEntry>,
    /// ASCII-lower-cased key -> position in `entries`.
    index: BTreeMap<String, usize>,
    /// The values assumed for declared unknowns (`docs/semantics.md` §7), by name.
    unknowns: BTreeMap<String, String>,
}

/// What the context holds for a key, as the condition rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup<'r> {
    /// Not in the context, or a `...List` key with no value.
    Absent,
    /// A single-valued key.
    Single(&'r str),
    /// A `...List` key with one or more values.
    Multi(&'r [String], ValueType),
}

/// Why a request could not be built or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The text is not JSON, or repeats a key.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A field of the wrong JSON type, or a missing one.
    #[error("`{field}` must be {expected}, found {found}")]
    Field {
        /// The field (`action`, `context`, `context.aws:SourceIp.values`).
        field: String,
        /// What it must be.
        expected: &'static str,
        /// What it is (`nothing` when missing).
        found: String,
    },
    /// A field the request shape does not have.
    #[error("unknown field `{field}` (a request has `action`, `resource`, `context` and `unknowns`; a context key `type` and `values`)")]
    UnknownField {
        /// Its path.
        field: String,
    },
    /// A type that is not one of AWS's `ContextKeyType` names.
    #[error("context key {key}: unknown type {found} (expected one of string, stringList, numeric, numericList, boolean, booleanList, date, dateList, ip, ipList, binary, binaryList)")]
    UnknownType {
        /// The key, quoted.
        key: String,
        /// The type given, quoted.
        found: String,
    },
    /// A single-valued type with other than one value.
    #[error("context key {key}: type `{kind}` takes exactly one value, found {count} (use `{kind}List` for several)")]
    ValueCount {
        /// The key, quoted.
        key: String,
        /// Its type.
        kind: ValueType,
        /// How many values were given.
        count: usize,
    },
    /// Two keys that differ only in case, which IAM reads as one.
    #[error("context keys {first} and {second} are the same key (key names are case-insensitive)")]
    DuplicateKey {
        /// The first spelling, quoted.
        first: String,
        /// The second, quoted.
        second: String,
    },
    /// An empty key name.
    #[error("a context key name is empty")]
    EmptyKey,
    /// An empty name of a declared unknown.
    #[error("the name of an unknown is empty")]
    EmptyUnknown,
}

impl Request {
    /// A request with an empty context.
    #[must_use]
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Request {
        Request {
            action: action.into(),
            resource: resource.into(),
            ..Request::default()
        }
    }

    /// Adds a context key.
    ///
    /// # Errors
    ///
    /// [`RequestError`] when the key is empty or already in the context (in any case), or
    /// a single-valued type is given other than one value.
    pub fn insert(
        &mut self,
        key: impl Into<String>,
        kind: ValueType,
        values: Vec<String>,
    ) -> Result<(), RequestError> {
        let key = key.into();
        if key.is_empty() {
            return Err(RequestError::EmptyKey);
        }
        if !kind.is_list() && values.len() != 1 {
            return Err(RequestError::ValueCount {
                key: quote(&key),
                kind,
                count: values.len(),
            });
        }
        let lower = key.to_ascii_lowercase();
        if let Some(&i) = self.index.get(&lower) {
            return Err(RequestError::DuplicateKey {
                first: quote(&self.entries[i].key),
                second: quote(&key),
            });
        }
        self.index.insert(lower, self.entries.len());
        self.entries.push(ContextEntry { key, kind, values });
        Ok(())
    }

    /// [`Request::insert`], by value.
    ///
    /// # Errors
    ///
    /// As [`Request::insert`].
    pub fn with(
        mut self,
        key: impl Into<String>,
        kind: ValueType,
        values: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Request, RequestError> {
        self.insert(key, kind, values.into_iter().map(Into::into).collect())?;
        Ok(self)
    }

    /// Gives the declared unknown `name` (`docs/semantics.md` §7: `${name}` in a policy read
    /// by [`EvalPolicy::parse_with_unknowns`](super::EvalPolicy::parse_with_unknowns)) the
    /// value `value` for this request, as a witness of the prover states the values it
    /// assumed. A name given again takes the new value.
    ///
    /// # Errors
    ///
    /// [`RequestError::EmptyUnknown`] for an empty name.
    pub fn set_unknown(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<(), RequestError> {
        let name = name.into();
        if name.is_empty() {
            return Err(RequestError::EmptyUnknown);
        }
        self.unknowns.insert(name, value.into());
        Ok(())
    }

    /// [`Request::set_unknown`], by value.
    ///
    /// # Errors
    ///
    /// As [`Request::set_unknown`].
    pub fn with_unknown(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Request, RequestError> {
        self.set_unknown(name, value)?;
        Ok(self)
    }

    /// The values this request assumes for declared unknowns, by name (empty unless given).
    #[must_use]
    pub fn unknowns(&self) -> &BTreeMap<String, String> {
        &self.unknowns
    }

    /// The context keys, in the order given.
    #[must_use]
    pub fn context(&self) -> &[ContextEntry] {
        &self.entries
    }

    /// The entry of `key`, compared case-insensitively.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&ContextEntry> {
        self.index
            .get(&key.to_ascii_lowercase())
            .and_then(|&i| self.entries.get(i))
    }

    pub(crate) fn lookup(&self, key: &str) -> Lookup<'_> {
        match self.get(key) {
            None => Lookup::Absent,
            Some(e) if e.kind.is_list() => match e.values.as_slice() {
                [] => Lookup::Absent,
                values => Lookup::Multi(values, e.kind),
            },
            Some(e) => match e.values.first() {
                Some(v) => Lookup::Single(v),
                None => Lookup::Absent,
            },
        }
    }

    /// Reads the JSON form (`docs/semantics.md` §1) with the crate's strict reader: a
    /// repeated key anywhere is refused, and so is an unknown field.
    ///
    /// # Errors
    ///
    /// [`RequestError`] naming what is wrong.
    pub fn from_json(text: &str) -> Result<Request, RequestError> {
        let value =
            json::parse(text.trim_start_matches('\u{feff}')).map_err(|e| RequestError::Json {
                line: e.line,
                column: e.column,
                message: e.message,
            })?;
        Request::from_value(&value)
    }

    /// Reads the JSON form from a parsed value.
    ///
    /// # Errors
    ///
    /// [`RequestError`] naming what is wrong.
    pub fn from_value(value: &Value) -> Result<Request, RequestError> {
        let top = object(value, "the request")?;
        for key in top.keys() {
            if !matches!(key.as_str(), "action" | "resource" | "context" | "unknowns") {
                return Err(RequestError::UnknownField { field: key.clone() });
            }
        }
        let mut request = Request::new(
            string(top.get("action"), "action")?,
            string(top.get("resource"), "resource")?,
        );
        if let Some(unknowns) = top.get("unknowns") {
            for (name, value) in object(unknowns, "unknowns")? {
                let value = string(Some(value), &format!("unknowns.{name}"))?;
                request.set_unknown(name.clone(), value)?;
            }
        }
        let Some(context) = top.get("context") else {
            return Ok(request);
        };
        for (key, entry) in object(context, "context")? {
            let path = format!("context.{key}");
            let entry = object(entry, &path)?;
            for field in entry.keys() {
                if !matches!(field.as_str(), "type" | "values") {
                    return Err(RequestError::UnknownField {
                        field: format!("{path}.{field}"),
                    });
                }
            }
            let kind_name = string(entry.get("type"), &format!("{path}.type"))?;
            let kind =
                ValueType::from_name(&kind_name).ok_or_else(|| RequestError::UnknownType {
                    key: quote(key),
                    found: quote(&kind_name),
                })?;
            let values_path = format!("{path}.values");
            let values = match entry.get("values") {
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| string(Some(v), &values_path))
                    .collect::<Result<Vec<_>, _>>()?,
                other => {
                    return Err(RequestError::Field {
                        field: values_path,
                        expected: "an array of strings",
                        found: other.map_or_else(|| "nothing".to_string(), json::describe),
                    })
                }
            };
            request.insert(key.clone(), kind, values)?;
        }
        Ok(request)
    }

    /// The JSON form; `context` and `unknowns` are left out when empty.
    #[must_use]
    pub fn to_value(&self) -> Value {
        let mut top = Map::new();
        top.insert("action".to_string(), Value::String(self.action.clone()));
        top.insert("resource".to_string(), Value::String(self.resource.clone()));
        if !self.entries.is_empty() {
            let mut context = Map::new();
            for e in &self.entries {
                let mut entry = Map::new();
                entry.insert("type".to_string(), Value::String(e.kind.name().to_string()));
                entry.insert(
                    "values".to_string(),
                    Value::Array(e.values.iter().cloned().map(Value::String).collect()),
                );
                context.insert(e.key.clone(), Value::Object(entry));
            }
            top.insert("context".to_string(), Value::Object(context));
        }
        if !self.unknowns.is_empty() {
            let unknowns = self
                .unknowns
                .iter()
                .map(|(n, v)| (n.clone(), Value::String(v.clone())))
                .collect();
            top.insert("unknowns".to_string(), Value::Object(unknowns));
        }
        Value::Object(top)
    }
}

fn object<'v>(value: &'v Value, field: &str) -> Result<&'v Map<String, Value>, RequestError> {
    value.as_object().ok_or_else(|| RequestError::Field {
        field: field.to_string(),
        expected: "an object",
        found: json::describe(value),
    })
}

fn string(value: Option<&Value>, field: &str) -> Result<String, RequestError> {
    match value {
        Some(Value::String(s)) => Ok(s.clone()),
        other => Err(RequestError::Field {
            field: field.to_string(),
            expected: "a string",
            found: other.map_or_else(|| "nothing".to_string(), json::describe),
        }),
    }
}
