//! IAM policy documents: the one model the rest of the crate works on, with JSON (and the
//! shapes the AWS CLI and API print) as its front end.
//!
//! A [`Policy`] keeps every key it does not interpret (`Version`, `Id`, `Sid`, `Resource`,
//! `Condition`, `Principal`, ...) as it was, in its order, so that writing a refined policy
//! changes nothing but the action lists.

use serde_json::{Map, Value};

use crate::catalog::json_kind;

/// Errors in a policy file. Statement numbers count from 1.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("invalid URL encoding: {0}")]
    UrlEncoding(String),
    #[error("expected an IAM policy document (an object with `Statement`), found {0}")]
    NotAPolicy(String),
    #[error("`{key}` must be {expected}, found {found}")]
    Wrapper {
        key: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    #[error("`Statement` must be an object or an array of objects, found {0}")]
    StatementType(&'static str),
    #[error("the policy has no statement")]
    NoStatement,
    #[error("statement {0}: expected an object, found {1}")]
    StatementNotObject(usize, &'static str),
    #[error("statement {0}: `Effect` is missing")]
    MissingEffect(usize),
    #[error("statement {0}: Effect must be Allow or Deny, found {1}")]
    Effect(usize, String),
    #[error("statement {0}: needs `Action` or `NotAction`")]
    NoAction(usize),
    #[error("statement {0}: has both `Action` and `NotAction`")]
    BothActions(usize),
    #[error("statement {0}: `{1}` must be a string or an array of strings, found {2}")]
    ActionType(usize, &'static str, &'static str),
    #[error("statement {0}: `{1}` is empty")]
    EmptyAction(usize, &'static str),
    #[error("statement {0}: `{1}` has an empty action name")]
    EmptyName(usize, &'static str),
}

impl PolicyError {
    fn json(e: &serde_json::Error) -> PolicyError {
        let message = e.to_string();
        // serde_json appends " at line L column C"; it is reported separately.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        PolicyError::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// Whether a statement lists the actions it applies to or the ones it does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKey {
    Action,
    NotAction,
}

impl ActionKey {
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
    pub fn quota(self) -> usize {
        match self {
            PolicyKind::Managed => 6_144,
            PolicyKind::RoleInline => 10_240,
            PolicyKind::UserInline => 2_048,
            PolicyKind::GroupInline => 5_120,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            PolicyKind::Managed => "a managed policy",
            PolicyKind::RoleInline => "a role's inline policies",
            PolicyKind::UserInline => "a user's inline policies",
            PolicyKind::GroupInline => "a group's inline policies",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub effect: Effect,
    pub key: ActionKey,
    pub patterns: Vec<String>,
    /// The action list was written as a single string.
    single: bool,
    /// Every key as written, in order.
    raw: Map<String, Value>,
}

impl Statement {
    /// The same statement with a new action list (same key, same position in the object).
    pub fn with_patterns(&self, patterns: Vec<String>) -> Statement {
        Statement {
            effect: self.effect,
            key: self.key,
            patterns,
            single: self.single,
            raw: self.raw.clone(),
        }
    }

    pub fn to_value(&self) -> Value {
        let mut raw = self.raw.clone();
        let list = if self.single && self.patterns.len() == 1 {
            Value::String(self.patterns[0].clone())
        } else {
            Value::Array(self.patterns.iter().cloned().map(Value::String).collect())
        };
        // With `preserve_order`, inserting an existing key keeps its position.
        raw.insert(self.key.name().to_string(), list);
        Value::Object(raw)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub statements: Vec<Statement>,
    pub kind: PolicyKind,
    /// The document's keys as written (`Version`, `Id`, `Statement`, ...).
    raw: Map<String, Value>,
    /// `Statement` was a single object rather than an array.
    single: bool,
}

impl Policy {
    /// Reads a policy in any shape the AWS CLI or API prints it.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let (doc, kind) = parse_wrapped(text)?;
        Policy::from_document(doc, kind)
    }

    /// Reads a bare document object.
    pub fn from_document(doc: Map<String, Value>, kind: PolicyKind) -> Result<Policy, PolicyError> {
        let Some(statement) = doc.get("Statement") else {
            return Err(PolicyError::NotAPolicy(
                "an object without `Statement`".to_string(),
            ));
        };
        let (items, single) = match statement {
            Value::Object(_) => (std::slice::from_ref(statement), true),
            Value::Array(items) => (items.as_slice(), false),
            other => return Err(PolicyError::StatementType(json_kind(other))),
        };
        if items.is_empty() {
            return Err(PolicyError::NoStatement);
        }
        let statements = items
            .iter()
            .enumerate()
            .map(|(i, s)| parse_statement(i + 1, s))
            .collect::<Result<Vec<_>, _>>()?;
        // `Statement` is rebuilt from `statements` by `to_value`; a placeholder keeps its
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
        let statements = if self.single && self.statements.len() == 1 {
            self.statements[0].to_value()
        } else {
            Value::Array(self.statements.iter().map(Statement::to_value).collect())
        };
        raw.insert("Statement".to_string(), statements);
        Value::Object(raw)
    }

    /// Pretty JSON with a two-space indent and a final newline.
    pub fn to_pretty_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.to_value()).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The size IAM counts against its quotas: characters, whitespace not counted.
    pub fn size(&self) -> usize {
        serde_json::to_string(&self.to_value())
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .count()
    }
}

fn parse_statement(n: usize, value: &Value) -> Result<Statement, PolicyError> {
    let Value::Object(raw) = value else {
        return Err(PolicyError::StatementNotObject(n, json_kind(value)));
    };
    let effect = match raw.get("Effect") {
        None => return Err(PolicyError::MissingEffect(n)),
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(Value::String(s)) => return Err(PolicyError::Effect(n, format!("`{s}`"))),
        Some(other) => return Err(PolicyError::Effect(n, json_kind(other).to_string())),
    };
    let key = match (raw.get("Action"), raw.get("NotAction")) {
        (Some(_), Some(_)) => return Err(PolicyError::BothActions(n)),
        (Some(_), None) => ActionKey::Action,
        (None, Some(_)) => ActionKey::NotAction,
        (None, None) => return Err(PolicyError::NoAction(n)),
    };
    let (patterns, single) = match &raw[key.name()] {
        Value::String(s) => (vec![s.clone()], true),
        Value::Array(items) => {
            let mut patterns = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => patterns.push(s.clone()),
                    other => return Err(PolicyError::ActionType(n, key.name(), json_kind(other))),
                }
            }
            (patterns, false)
        }
        other => return Err(PolicyError::ActionType(n, key.name(), json_kind(other))),
    };
    if patterns.is_empty() {
        return Err(PolicyError::EmptyAction(n, key.name()));
    }
    if patterns.iter().any(|p| p.is_empty()) {
        return Err(PolicyError::EmptyName(n, key.name()));
    }
    // The action list lives in `patterns`; `to_value` writes it back at the placeholder.
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

/// Parses JSON text (or URL-encoded JSON text) and unwraps the AWS CLI's envelopes.
pub(crate) fn parse_wrapped(text: &str) -> Result<(Map<String, Value>, PolicyKind), PolicyError> {
    let value = parse_json_text(text)?;
    unwrap_document(value, PolicyKind::Managed, 0)
}

/// JSON text, or the URL-encoded form the raw IAM API returns.
pub fn parse_json_text(text: &str) -> Result<Value, PolicyError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.starts_with('%') {
        let decoded = url_decode(trimmed)?;
        return serde_json::from_str(&decoded).map_err(|e| PolicyError::json(&e));
    }
    serde_json::from_str(trimmed).map_err(|e| PolicyError::json(&e))
}

fn unwrap_document(
    value: Value,
    kind: PolicyKind,
    depth: usize,
) -> Result<(Map<String, Value>, PolicyKind), PolicyError> {
    if depth > 4 {
        return Err(PolicyError::NotAPolicy(
            "documents nested too deeply".to_string(),
        ));
    }
    match value {
        // A document embedded as a (possibly URL-encoded) JSON string.
        Value::String(s) => unwrap_document(parse_json_text(&s)?, kind, depth + 1),
        Value::Object(mut map) => {
            if map.contains_key("Statement") {
                return Ok((map, kind));
            }
            if let Some(version) = map.remove("PolicyVersion") {
                let Value::Object(mut version) = version else {
                    return Err(PolicyError::Wrapper {
                        key: "PolicyVersion",
                        expected: "an object",
                        found: json_kind(&version),
                    });
                };
                let Some(doc) = version.remove("Document") else {
                    return Err(PolicyError::NotAPolicy(
                        "`PolicyVersion` without `Document`".to_string(),
                    ));
                };
                return unwrap_document(doc, PolicyKind::Managed, depth + 1);
            }
            if let Some(doc) = map.remove("PolicyDocument") {
                let kind = if map.contains_key("RoleName") {
                    PolicyKind::RoleInline
                } else if map.contains_key("UserName") {
                    PolicyKind::UserInline
                } else if map.contains_key("GroupName") {
                    PolicyKind::GroupInline
                } else {
                    PolicyKind::RoleInline
                };
                return unwrap_document(doc, kind, depth + 1);
            }
            let keys: Vec<&str> = map.keys().map(String::as_str).take(4).collect();
            Err(PolicyError::NotAPolicy(if keys.is_empty() {
                "an empty object".to_string()
            } else {
                format!("an object with keys {}", keys.join(", "))
            }))
        }
        other => Err(PolicyError::NotAPolicy(json_kind(&other).to_string())),
    }
}

/// Percent-decoding (`%7B` to `{`); `+` is left alone, as the IAM API encodes spaces as `%20`.
pub(crate) fn url_decode(text: &str) -> Result<String, PolicyError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    let end = (i + 3).min(bytes.len());
                    PolicyError::UrlEncoding(format!(
                        "`{}` at byte {} is not a %XX escape",
                        String::from_utf8_lossy(&bytes[i..end]),
                        i + 1
                    ))
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| PolicyError::UrlEncoding("the decoded text is not UTF-8".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
        {"Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
    ]}"#;

    #[test]
    fn parses_a_document_and_round_trips_it() {
        let p = Policy::parse(DOC).expect("valid");
        assert_eq!(p.statements.len(), 2);
        assert_eq!(p.statements[0].effect, Effect::Allow);
        assert_eq!(p.statements[0].patterns, ["s3:Get*"]);
        assert_eq!(p.statements[1].key, ActionKey::NotAction);
        let original: Value = serde_json::from_str(DOC).expect("json");
        assert_eq!(p.to_value(), original);
        // Key order survives, including Action's place between Effect and Resource.
        let keys: Vec<String> = p.to_value()["Statement"][0]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["Sid", "Effect", "Action", "Resource"]);
    }

    #[test]
    fn unwraps_cli_shapes_and_url_encoding() {
        let doc: Value = serde_json::from_str(DOC).expect("json");
        let managed = serde_json::json!({"PolicyVersion": {"Document": doc, "VersionId": "v3"}});
        let p = Policy::parse(&managed.to_string()).expect("managed");
        assert_eq!(p.kind, PolicyKind::Managed);
        assert_eq!(p.to_value(), doc);

        let encoded: String = doc
            .to_string()
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let role =
            serde_json::json!({"RoleName": "R", "PolicyName": "P", "PolicyDocument": encoded});
        let p = Policy::parse(&role.to_string()).expect("role inline");
        assert_eq!(p.kind, PolicyKind::RoleInline);
        assert_eq!(p.to_value(), doc);

        let p = Policy::parse(&encoded).expect("bare url-encoded text");
        assert_eq!(p.to_value(), doc);
        let user = serde_json::json!({"UserName": "u", "PolicyDocument": doc});
        assert_eq!(
            Policy::parse(&user.to_string()).map(|p| p.kind),
            Ok(PolicyKind::UserInline)
        );
    }

    #[test]
    fn single_statement_object_stays_an_object() {
        let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}}"#;
        let p = Policy::parse(text).expect("valid");
        let s = p.statements[0].with_patterns(vec!["s3:GetObject".into()]);
        let v = p.with_statements(vec![s]).to_value();
        assert!(v["Statement"].is_object());
        assert_eq!(
            v["Statement"]["Action"],
            serde_json::json!(["s3:GetObject"])
        );
    }

    fn err(text: &str) -> String {
        Policy::parse(text).map(|_| ()).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_statement_and_the_problem() {
        assert_eq!(
            err(
                r#"{"Statement": [{"Effect": "Allow", "Action": "s3:*"}, {"Effect": "Allow", "Action": "s3:*"}, {"Effect": "allow", "Action": "x:y"}]}"#
            ),
            "statement 3: Effect must be Allow or Deny, found `allow`"
        );
        assert_eq!(
            err(r#"{"Statement": {"Effect": "Allow"}}"#),
            "statement 1: needs `Action` or `NotAction`"
        );
        assert_eq!(
            err(r#"{"Statement": {"Effect": "Allow", "Action": "a:b", "NotAction": "c:d"}}"#),
            "statement 1: has both `Action` and `NotAction`"
        );
        assert_eq!(
            err(r#"{"Statement": {"Effect": "Allow", "Action": ["a:b", 3]}}"#),
            "statement 1: `Action` must be a string or an array of strings, found a number"
        );
        assert_eq!(
            err(r#"{"Statement": {"Effect": "Allow", "Action": []}}"#),
            "statement 1: `Action` is empty"
        );
        assert_eq!(err(r#"{"Statement": []}"#), "the policy has no statement");
        assert_eq!(
            err(r#"{"Statement": [3]}"#),
            "statement 1: expected an object, found a number"
        );
        assert_eq!(
            err(r#"{"Statement": {"Action": "a:b"}}"#),
            "statement 1: `Effect` is missing"
        );
        assert_eq!(
            err(r#"{"Version": "2012-10-17"}"#),
            "expected an IAM policy document (an object with `Statement`), found an object with keys Version"
        );
        assert_eq!(
            err("{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",}\n  ]\n}"),
            "invalid JSON at line 3, column 24: trailing comma"
        );
        assert!(
            err("%7B%zz").starts_with("invalid URL encoding: `%zz`"),
            "{}",
            err("%7B%zz")
        );
    }

    #[test]
    fn size_ignores_whitespace() {
        let p = Policy::parse(r#"{"Statement": {"Effect": "Allow", "Action": "a:b c"}}"#)
            .expect("valid");
        // {"Statement":{"Effect":"Allow","Action":"a:bc"}} minus the space inside the string
        assert_eq!(
            p.size(),
            r#"{"Statement":{"Effect":"Allow","Action":"a:bc"}}"#.len()
        );
        assert_eq!(PolicyKind::Managed.quota(), 6_144);
        assert_eq!(PolicyKind::RoleInline.quota(), 10_240);
    }
}
