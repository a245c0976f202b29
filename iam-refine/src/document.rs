//! The shapes a document arrives in: JSON text or the URL-encoded text the raw IAM API
//! returns, and the AWS CLI's envelopes around a policy document (`get-policy-version`,
//! `get-role-policy`, a document embedded as a JSON string).
//!
//! A document that fits two shapes at once (`Statement` beside `recommendedSteps`, or
//! beside `PolicyVersion`) is refused: which one a reader picks would decide what gets
//! refined or proved.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::json::{self, quote};
use crate::policy::{PolicyError, PolicyKind};

/// How deep envelopes and embedded documents may nest.
const MAX_DEPTH: usize = 4;

/// The keys that each say "this object is a document of my shape". An object with keys of
/// two different shapes is ambiguous.
const SHAPES: &[&[&str]] = &[
    &["Statement"],
    &["PolicyVersion"],
    &["PolicyDocument"],
    &["recommendedSteps"],
    &["findingDetails"],
    &["unusedPermissionDetails"],
    &["findings"],
    &["serviceNamespace", "actions"],
];

/// Refuses an object with keys of two accepted shapes, naming them.
pub(crate) fn check_unambiguous(map: &Map<String, Value>) -> Result<(), PolicyError> {
    let mut first: Option<(usize, &str)> = None;
    for key in map.keys() {
        let Some(shape) = SHAPES.iter().position(|s| s.contains(&key.as_str())) else {
            continue;
        };
        match first {
            None => first = Some((shape, key)),
            Some((s, k)) if s != shape => {
                return Err(PolicyError::Ambiguous {
                    first: k.to_string(),
                    second: key.clone(),
                })
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Parses JSON text, or the URL-encoded JSON text the raw IAM API returns.
///
/// The one strict reader of the crate: a key repeated in any object is an error naming
/// the key, its line and its column; numbers keep their text (`1e3` stays `1e3`); a
/// top-level object with keys of two accepted document shapes (`Statement` beside
/// `recommendedSteps`, `PolicyVersion` or `PolicyDocument`) is refused.
///
/// ```
/// use iam_refine::parse_json_text;
///
/// let err = parse_json_text(r#"{"Effect": "Deny", "Effect": "Allow"}"#).unwrap_err();
/// assert_eq!(err.to_string(), "invalid JSON at line 1, column 27: duplicate key `Effect`");
/// assert!(parse_json_text(r#"{"Statement": [], "recommendedSteps": []}"#).is_err());
/// # Ok::<(), iam_refine::PolicyError>(())
/// ```
///
/// # Errors
///
/// [`PolicyError`] when the text (once URL-decoded) is not JSON, repeats a key anywhere,
/// or is an object with keys of two accepted shapes (`Statement` beside
/// `recommendedSteps`); or when its URL encoding is invalid.
pub fn parse_json_text(text: &str) -> Result<Value, PolicyError> {
    let value = json::parse(&json_text(text)?).map_err(PolicyError::from)?;
    if let Value::Object(map) = &value {
        check_unambiguous(map)?;
    }
    Ok(value)
}

/// The JSON text [`parse_json_text`] parses: `text` without a byte-order mark and the
/// whitespace around it, URL-decoded when it is URL-encoded (the raw IAM API's form).
pub(crate) fn json_text(text: &str) -> Result<Cow<'_, str>, PolicyError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.starts_with('%') {
        url_decode(trimmed).map(Cow::Owned)
    } else {
        Ok(Cow::Borrowed(trimmed))
    }
}

/// The policy document in `text`, out of the AWS CLI's envelopes: what [`crate::Policy::parse`]
/// reads, before any statement is checked.
///
/// ```
/// let text = r#"{"PolicyVersion": {"Document": "{\"Statement\": []}", "VersionId": "v1"}}"#;
/// let doc = iam_refine::policy_document(text)?;
/// assert_eq!(doc["Statement"], serde_json::json!([]));
/// # Ok::<(), iam_refine::PolicyError>(())
/// ```
///
/// # Errors
///
/// [`PolicyError`] when the text is not JSON the strict reader accepts or holds no
/// document in an accepted shape.
pub fn policy_document(text: &str) -> Result<Map<String, Value>, PolicyError> {
    parse_wrapped(text).map(|(doc, _)| doc)
}

/// Parses JSON text (or URL-encoded JSON text) and unwraps the AWS CLI's envelopes.
pub(crate) fn parse_wrapped(text: &str) -> Result<(Map<String, Value>, PolicyKind), PolicyError> {
    let value = parse_json_text(text)?;
    unwrap_document(value, PolicyKind::Managed, 0)
}

/// The policy document inside `value` and the kind its envelope says it is.
pub(crate) fn unwrap_document(
    value: Value,
    kind: PolicyKind,
    depth: usize,
) -> Result<(Map<String, Value>, PolicyKind), PolicyError> {
    if depth > MAX_DEPTH {
        return Err(PolicyError::TooDeep { limit: MAX_DEPTH });
    }
    match value {
        // A document embedded as a (possibly URL-encoded) JSON string.
        Value::String(s) => unwrap_document(parse_json_text(&s)?, kind, depth + 1),
        Value::Object(mut map) => {
            check_unambiguous(&map)?;
            if map.contains_key("Statement") {
                return Ok((map, kind));
            }
            if let Some(version) = map.remove("PolicyVersion") {
                let Value::Object(mut version) = version else {
                    return Err(PolicyError::Wrapper {
                        key: "PolicyVersion",
                        expected: "an object",
                        found: json::describe(&version),
                    });
                };
                let Some(doc) = version.remove("Document") else {
                    return Err(PolicyError::NotAPolicy {
                        found: "`PolicyVersion` without `Document`".to_string(),
                    });
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
            Err(PolicyError::NotAPolicy {
                found: describe_keys(&map),
            })
        }
        other => Err(PolicyError::NotAPolicy {
            found: json::describe(&other),
        }),
    }
}

/// ``an object with keys `Version`, `Id` ``, or `an empty object`, for messages.
pub(crate) fn describe_keys(map: &Map<String, Value>) -> String {
    if map.is_empty() {
        return "an empty object".to_string();
    }
    let mut keys: Vec<String> = map.keys().take(4).map(|k| quote(k)).collect();
    if map.len() > 4 {
        keys.push("...".to_string());
    }
    format!("an object with keys {}", keys.join(", "))
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
                    PolicyError::UrlEscape {
                        escape: String::from_utf8_lossy(&bytes[i..end]).into_owned(),
                        byte: i + 1,
                    }
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PolicyError::UrlNotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse_wrapped(text).map(|_| ()).unwrap_err().to_string()
    }

    #[test]
    fn documents_of_two_shapes_are_refused() {
        assert_eq!(
            err(r#"{"Statement": {"Effect": "Allow", "Action": "*"}, "recommendedSteps": []}"#),
            "ambiguous document: it has both `Statement` and `recommendedSteps`, which belong to different shapes"
        );
        assert!(
            err(r#"{"PolicyVersion": {"Document": {}}, "Statement": []}"#)
                .starts_with("ambiguous document: it has both `PolicyVersion` and `Statement`")
        );
        assert!(err(r#"{"PolicyDocument": {}, "PolicyVersion": {}}"#)
            .starts_with("ambiguous document: it has both `PolicyDocument` and `PolicyVersion`"));
        // Inside an envelope, and inside a document embedded as a string.
        assert!(
            err(r#"{"PolicyVersion": {"Document": {"Statement": [], "PolicyDocument": {}}}}"#)
                .starts_with("ambiguous document")
        );
        let inner = r#"{"Statement": [], "findingDetails": []}"#;
        let outer = serde_json::json!({"RoleName": "r", "PolicyDocument": inner}).to_string();
        assert!(
            err(&outer).starts_with("ambiguous document"),
            "{}",
            err(&outer)
        );
        // Keys of one shape are not a conflict.
        assert!(check_unambiguous(
            serde_json::json!({"serviceNamespace": "s3", "actions": []})
                .as_object()
                .expect("object")
        )
        .is_ok());
    }

    #[test]
    fn duplicate_keys_anywhere_are_refused() {
        assert_eq!(
            err(r#"{"Statement": {"Effect": "Deny", "Effect": "Allow", "Action": "*"}}"#),
            "invalid JSON at line 1, column 41: duplicate key `Effect`"
        );
        // In an embedded document and in URL-encoded text.
        let inner = r#"{"Statement": {"Effect": "Allow", "Action": "*", "Action": "s3:Get*"}}"#;
        let outer = serde_json::json!({"PolicyVersion": {"Document": inner}}).to_string();
        assert!(
            err(&outer).ends_with("duplicate key `Action`"),
            "{}",
            err(&outer)
        );
        let encoded: String = inner.bytes().map(|b| format!("%{b:02X}")).collect();
        assert!(err(&encoded).ends_with("duplicate key `Action`"));
    }

    #[test]
    fn url_decoding_errors_quote_the_escape() {
        assert_eq!(
            err("%7B%zz"),
            "invalid URL encoding: `%zz` at byte 4 is not a %XX escape"
        );
        assert_eq!(
            err("%7B%FF%FE"),
            "invalid URL encoding: the decoded text is not UTF-8"
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let mut doc = serde_json::json!({"Statement": []});
        for _ in 0..6 {
            doc = Value::String(doc.to_string());
        }
        assert_eq!(
            err(&doc.to_string()),
            "documents nested more than 4 levels deep"
        );
    }
}
