//! `--format sarif`: the report as a SARIF 2.1.0 log, as GitHub code scanning (and any
//! SARIF viewer) reads it. The tests validate it against the SARIF 2.1.0 JSON schema.
//!
//! - One run; the tool's driver lists every rule of [`super::RULES`] (so a rule's index
//!   never changes), each result names its rule by id and index.
//! - One result per subject that does not pass: `error` for a refuted or unjudged subject,
//!   `warning` for an unknown one (nothing is claimed either way). Proved subjects have no
//!   result: code scanning closes the alert of a subject proved since.
//! - The message names the subject, the verdict, the reasons and the witness; the witness
//!   is also in `properties.witness` as JSON.
//! - Where: the file judged with its line where the input has lines (a relative path as
//!   given, percent-encoded; code scanning resolves it against the repository's root, so
//!   run from there), and the policy's id and principal as a logical location. A subject
//!   read from stdin has only the logical location.
//! - `partialFingerprints`: a hash of the rule, file, policy and principal, so that an
//!   alert is the same alert across runs whatever lines move.
//! - A run that stopped before judging everything has `executionSuccessful: false` and the
//!   reason as a tool execution notification.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{rule, tool_version, Report, Subject, Verdict, HOME, RULES};

/// The `$schema` of the log: the schema GitHub's documentation points SARIF producers to.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The log as a JSON value.
pub fn value(report: &Report) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.short},
                "fullDescription": {"text": r.full},
                "helpUri": format!("{HOME}/blob/main/docs/reports.md"),
                "help": {"text": r.full},
                "defaultConfiguration": {"level": if r.id == "unknown" { "warning" } else { "error" }},
                "properties": {"tags": ["security", "iam", "least-privilege"]},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .subjects
        .iter()
        .filter(|s| !s.verdict.passed())
        .map(result)
        .collect();
    let mut invocation = json!({
        "executionSuccessful": report.failure.is_none(),
        "exitCode": report.exit() as u8,
    });
    if let Some(failure) = &report.failure {
        invocation["toolExecutionNotifications"] = json!([{
            "level": "error",
            "message": {"text": failure},
        }]);
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "iam-refine",
                "semanticVersion": tool_version(),
                "version": crate::prover::BUILD_ID,
                "informationUri": HOME,
                "rules": rules,
            }},
            "automationDetails": {"id": format!("iam-refine/{}/", report.command)},
            "invocations": [invocation],
            "results": results,
        }],
    })
}

fn result(s: &Subject) -> Value {
    let rule_id = s.rule.unwrap_or(match s.verdict {
        Verdict::Unknown => "unknown",
        _ => "error",
    });
    let index = rule(rule_id).map(|(i, _)| i);
    let level = if s.verdict == Verdict::Unknown {
        "warning"
    } else {
        "error"
    };
    let mut location = serde_json::Map::new();
    if let Some(uri) = s.file.as_deref().and_then(uri) {
        let mut physical = json!({"artifactLocation": {"uri": uri}});
        if let Some(line) = s.line {
            physical["region"] = json!({"startLine": line});
        }
        location.insert("physicalLocation".into(), physical);
    }
    if let Some(address) = s.address() {
        location.insert(
            "logicalLocations".into(),
            json!([{
                "name": s.policy_id.as_deref().unwrap_or(&address),
                "fullyQualifiedName": address,
                "kind": "resource",
            }]),
        );
    }
    let mut properties = json!({"verdict": s.verdict.name(), "check": s.check});
    if let Some(w) = &s.witness {
        properties["witness"] = w.value().clone();
    }
    if let Some(o) = &s.original {
        properties["original"] = json!(o);
    }
    let mut out = json!({
        "ruleId": rule_id,
        "level": level,
        "message": {"text": format!("{}: {}", s.name(), s.message())},
        "partialFingerprints": {"iamRefineSubject/v1": fingerprint(rule_id, s)},
        "properties": properties,
    });
    if let Some(i) = index {
        out["ruleIndex"] = json!(i);
    }
    if !location.is_empty() {
        out["locations"] = json!([Value::Object(location)]);
    }
    out
}

/// The same subject breaking the same rule hashes alike in every run.
fn fingerprint(rule_id: &str, s: &Subject) -> String {
    let mut hash = Sha256::new();
    for part in [
        Some(rule_id),
        s.file.as_deref(),
        s.policy_id.as_deref(),
        s.principal.as_deref(),
    ] {
        hash.update(part.unwrap_or("").as_bytes());
        hash.update([0u8]);
    }
    hash.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A file name as a URI reference: relative paths stay relative (`/`-separated), absolute
/// ones become `file://` URIs; every byte but the unreserved ones and `/` is
/// percent-encoded (RFC 3986). `<stdin>` is no file.
fn uri(file: &str) -> Option<String> {
    if file == "<stdin>" || file.is_empty() {
        return None;
    }
    let path = if cfg!(windows) {
        file.replace('\\', "/")
    } else {
        file.to_string()
    };
    let mut encoded = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    Some(if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    })
}

/// The log as text, pretty (or on one line), ending with a newline.
pub fn render(report: &Report, compact: bool) -> String {
    crate::render::json_text(&value(report), compact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_become_uri_references() {
        assert_eq!(uri("examples/p.json").as_deref(), Some("examples/p.json"));
        assert_eq!(uri("a b/p%.json").as_deref(), Some("a%20b/p%25.json"));
        assert_eq!(uri("/abs/p.json").as_deref(), Some("file:///abs/p.json"));
        assert_eq!(uri("dir/é.json").as_deref(), Some("dir/%C3%A9.json"));
        assert_eq!(uri("<stdin>"), None);
    }
}
