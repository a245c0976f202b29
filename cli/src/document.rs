//! Policy documents as the prover reads them: the file's own JSON, parsed with the
//! library's [`parse_json_text`] and taken out of the AWS CLI's envelopes
//! (`get-policy-version`'s `PolicyVersion.Document`, `get-role-policy`'s `PolicyDocument`,
//! a document embedded as a JSON or URL-encoded string), and nothing else. Never the
//! refiner's reading of it written back: the prover must judge what the file says, not
//! what the refiner understood.
//!
//! What an envelope says of the policy it holds (`get-role-policy`'s `RoleName` and
//! `PolicyName`, ...) is kept beside the document ([`Envelope`]), for [`crate::names`] to
//! check against the other inputs.
//!
//! Files that could be read two ways are refused: a policy that also carries
//! `recommendedSteps` (or an envelope), and a recommendation that Access Analyzer has not
//! finished, which is reported with AWS's own error.

use serde_json::{Map, Value};

use iam_refine::{parse_json_text, PolicyError, Recommendation, RecommendationError};

use crate::names::{kind_of, owner_of, Kind, OwnerError};

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("expected an IAM policy document (an object with `Statement`), found {found}")]
    NotAPolicy { found: String },
    #[error("the document has both `Statement` and `{other}`: which of them applies is ambiguous, so it is not judged")]
    Ambiguous { other: &'static str },
    #[error("expected a policy, found an Access Analyzer recommendation")]
    Recommendation,
    #[error("the recommendation has status {status}, not SUCCEEDED{}", aws_error(.code, .message))]
    Unfinished {
        status: String,
        code: Option<String>,
        message: Option<String>,
    },
    #[error(transparent)]
    Steps(#[from] RecommendationError),
    #[error("the recommendation has no `recommendedSteps`")]
    NoSteps,
    #[error("documents nested too deeply")]
    TooDeep,
    #[error("`{key}` must be a string, found {found}")]
    EnvelopeField {
        key: &'static str,
        found: &'static str,
    },
    #[error(transparent)]
    Owner(#[from] OwnerError),
    #[error("`{key}` is `{first}`, and `{second}` in the document it wraps: which one it is is ambiguous")]
    EnvelopeConflict {
        key: &'static str,
        first: String,
        second: String,
    },
}

/// What the AWS CLI's envelope says of the policy it holds: `get-role-policy`,
/// `get-user-policy` and `get-group-policy` name the inline policy and its owner;
/// `get-policy-version` and a bare document name nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    /// `RoleName`, `UserName` or `GroupName`.
    pub owner: Option<(Kind, String)>,
    /// `PolicyName`.
    pub policy_name: Option<String>,
}

impl Envelope {
    /// Takes the names beside a `PolicyDocument`; an envelope inside another (a document
    /// given as a string holding one) must say the same.
    fn read(&mut self, map: &Map<String, Value>) -> Result<(), DocumentError> {
        let owner = owner_of(map)?;
        if let Some((k, name)) = owner {
            match &self.owner {
                Some((k0, n0)) if (*k0, n0) != (k, &name) => {
                    return Err(DocumentError::EnvelopeConflict {
                        key: k.key(),
                        first: format!("{} {n0}", k0.name()),
                        second: format!("{} {name}", k.name()),
                    })
                }
                _ => self.owner = Some((k, name)),
            }
        }
        let policy_name = match map.get("PolicyName") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(DocumentError::EnvelopeField {
                    key: "PolicyName",
                    found: kind_of(other),
                })
            }
        };
        if let Some(name) = policy_name {
            match &self.policy_name {
                Some(n0) if *n0 != name => {
                    return Err(DocumentError::EnvelopeConflict {
                        key: "PolicyName",
                        first: n0.clone(),
                        second: name,
                    })
                }
                _ => self.policy_name = Some(name),
            }
        }
        Ok(())
    }
}

fn aws_error(code: &Option<String>, message: &Option<String>) -> String {
    match (code, message) {
        (Some(c), Some(m)) => format!(": {c}: {m}"),
        (Some(s), None) | (None, Some(s)) => format!(": {s}"),
        (None, None) => String::new(),
    }
}

/// What a refined file holds.
pub enum Refined {
    Document(Value, Envelope),
    /// A finished `get-finding-recommendation` output.
    Recommendation(Recommendation),
}

/// Keys that, beside `Statement`, make a document mean two things.
const OTHER_READINGS: [&str; 3] = ["recommendedSteps", "PolicyVersion", "PolicyDocument"];

/// A policy file's document.
pub fn policy(text: &str) -> Result<Value, DocumentError> {
    policy_file(text).map(|(document, _)| document)
}

/// A policy file's document, and what its envelope says of it.
pub fn policy_file(text: &str) -> Result<(Value, Envelope), DocumentError> {
    let value = parse_json_text(text)?;
    if is_recommendation(&value) {
        refuse_ambiguity(&value)?;
        return Err(DocumentError::Recommendation);
    }
    let mut envelope = Envelope::default();
    let document = unwrap(value, 0, &mut envelope)?;
    Ok((document, envelope))
}

/// A refined file: a policy, or a recommendation's steps.
pub fn refined(text: &str) -> Result<Refined, DocumentError> {
    let value = parse_json_text(text)?;
    if !is_recommendation(&value) {
        let mut envelope = Envelope::default();
        let document = unwrap(value, 0, &mut envelope)?;
        return Ok(Refined::Document(document, envelope));
    }
    refuse_ambiguity(&value)?;
    let status = value.get("status").and_then(Value::as_str);
    if let Some(status) = status.filter(|s| *s != "SUCCEEDED") {
        let error = value.get("error");
        let field = |key: &str| {
            error
                .and_then(|e| e.get(key))
                .and_then(Value::as_str)
                .map(String::from)
        };
        return Err(DocumentError::Unfinished {
            status: status.to_string(),
            code: field("code"),
            message: field("message"),
        });
    }
    if value.get("recommendedSteps").is_none() {
        return Err(DocumentError::NoSteps);
    }
    Ok(Refined::Recommendation(Recommendation::from_value(&value)?))
}

/// `get-finding-recommendation` output, finished or not.
fn is_recommendation(value: &Value) -> bool {
    let Value::Object(map) = value else {
        return false;
    };
    map.contains_key("recommendedSteps")
        || map.contains_key("recommendationType")
        || (map.contains_key("status")
            && (map.contains_key("resourceArn") || map.contains_key("error")))
}

fn refuse_ambiguity(value: &Value) -> Result<(), DocumentError> {
    let Value::Object(map) = value else {
        return Ok(());
    };
    if map.contains_key("Statement") {
        if let Some(other) = OTHER_READINGS.into_iter().find(|k| map.contains_key(*k)) {
            return Err(DocumentError::Ambiguous { other });
        }
    }
    Ok(())
}

/// The document inside the AWS CLI's envelopes, as written.
fn unwrap(value: Value, depth: usize, envelope: &mut Envelope) -> Result<Value, DocumentError> {
    if depth > 4 {
        return Err(DocumentError::TooDeep);
    }
    refuse_ambiguity(&value)?;
    match value {
        // A document embedded as a (possibly URL-encoded) JSON string.
        Value::String(s) => unwrap(parse_json_text(&s)?, depth + 1, envelope),
        Value::Object(mut map) => {
            if map.contains_key("Statement") {
                return Ok(Value::Object(map));
            }
            if let Some(version) = map.remove("PolicyVersion") {
                let Value::Object(mut version) = version else {
                    return Err(DocumentError::NotAPolicy {
                        found: format!("`PolicyVersion` that is {}", kind_of(&version)),
                    });
                };
                let Some(doc) = version.remove("Document") else {
                    return Err(DocumentError::NotAPolicy {
                        found: "`PolicyVersion` without `Document`".to_string(),
                    });
                };
                return unwrap(doc, depth + 1, envelope);
            }
            if let Some(doc) = map.remove("PolicyDocument") {
                envelope.read(&map)?;
                return unwrap(doc, depth + 1, envelope);
            }
            Err(DocumentError::NotAPolicy {
                found: describe_keys(&map),
            })
        }
        other => Err(DocumentError::NotAPolicy {
            found: kind_of(&other).to_string(),
        }),
    }
}

fn describe_keys(map: &Map<String, Value>) -> String {
    let keys: Vec<&str> = map.keys().map(String::as_str).take(4).collect();
    if keys.is_empty() {
        "an empty object".to_string()
    } else {
        format!("an object with keys {}", keys.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes_are_opened_and_nothing_else_changes() {
        let doc = json!({"Version": "2012-10-17", "Statement": [], "Id": 1e3});
        let text = doc.to_string();
        assert_eq!(policy(&text).unwrap(), doc);
        let wrapped = json!({"PolicyVersion": {"Document": text.clone(), "VersionId": "v1"}});
        assert_eq!(policy(&wrapped.to_string()).unwrap(), doc);
        let inline = json!({"RoleName": "r", "PolicyDocument": doc.clone()});
        assert_eq!(policy(&inline.to_string()).unwrap(), doc);
    }

    #[test]
    fn two_readings_are_refused() {
        for other in OTHER_READINGS {
            let both = json!({"Statement": [], other: {}}).to_string();
            let err = policy(&both).unwrap_err().to_string();
            assert!(
                err.contains(&format!("both `Statement` and `{other}`")),
                "{err}"
            );
        }
        let nested =
            json!({"PolicyVersion": {"Document": {"Statement": [], "PolicyDocument": {}}}});
        assert!(matches!(
            policy(&nested.to_string()),
            Err(DocumentError::Ambiguous { .. })
        ));
    }

    #[test]
    fn unfinished_recommendations_name_aws_error() {
        let failed =
            json!({"status": "FAILED", "error": {"code": "C", "message": "M"}}).to_string();
        let Err(e) = refined(&failed) else {
            panic!("refused")
        };
        assert_eq!(
            e.to_string(),
            "the recommendation has status FAILED, not SUCCEEDED: C: M"
        );
        let pending = json!({"recommendationType": "UnusedPermissionRecommendation", "status": "IN_PROGRESS"});
        let Err(e) = refined(&pending.to_string()) else {
            panic!("refused")
        };
        assert_eq!(
            e.to_string(),
            "the recommendation has status IN_PROGRESS, not SUCCEEDED"
        );
        assert!(matches!(
            policy(&failed),
            Err(DocumentError::Recommendation)
        ));
    }
}
