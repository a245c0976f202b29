//! `--format json`: the report as one JSON object (docs/reports.md documents every
//! field). `schemaVersion` is raised when a field changes meaning or goes; fields may be
//! added without raising it.

use serde_json::{json, Map, Value};

use super::{tool_version, Report, Subject, Verdict};

/// The version of the JSON report.
pub const SCHEMA_VERSION: u32 = 1;

/// The report as a JSON value.
pub fn value(report: &Report) -> Value {
    let counts: Map<String, Value> = Verdict::ALL
        .iter()
        .map(|v| (v.count_key().to_string(), json!(report.count(*v))))
        .collect();
    json!({
        "schemaVersion": SCHEMA_VERSION,
        "tool": {
            "name": "iam-refine",
            "version": tool_version(),
            "build": crate::prover::BUILD_ID,
        },
        "command": report.command,
        "verdict": report.verdict().name(),
        "exitCode": report.exit() as u8,
        "counts": counts,
        "error": report.failure,
        "subjects": report.subjects.iter().map(subject).collect::<Vec<_>>(),
    })
}

fn subject(s: &Subject) -> Value {
    json!({
        "file": s.file,
        "line": s.line,
        "original": s.original,
        "policyId": s.policy_id,
        "principal": s.principal,
        "check": s.check,
        "verdict": s.verdict.name(),
        "rule": s.rule,
        "witness": s.witness.as_ref().map(|w| w.value().clone()),
        "reasons": s.reasons,
    })
}

/// The report as text: pretty JSON (or one line), ending with a newline.
pub fn render(report: &Report, compact: bool) -> String {
    crate::render::json_text(&value(report), compact)
}
