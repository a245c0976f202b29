//! `iam-refine policies`: the IAM policies of Terraform plans and CloudFormation templates,
//! as `iam-refine-iac` finds and resolves them, listed (`text`) or given whole (`json`).

use anyhow::Result;
use serde_json::{json, Value};

use iam_refine_iac::{extract, Extraction, Found, FoundPolicy, PlannedPolicy};

use crate::config::{Common, PoliciesConfig};
use crate::console::Console;
use crate::exit::Exit;
use crate::input::{display_name, read_input};

/// The version of the `--format json` output; raised when a field changes meaning.
const SCHEMA_VERSION: u32 = 1;

pub fn run(config: &PoliciesConfig, common: Common, console: &mut Console) -> Result<Exit> {
    // Every file is read and resolved before anything is printed: one bad file is exit 1
    // with no partial listing.
    let mut extractions = Vec::with_capacity(config.files.len());
    for path in &config.files {
        let text = read_input(path, common.max_input_bytes)?;
        extractions.push(extract(&display_name(path), &text, &config.options)?);
    }
    let count: usize = extractions.iter().map(count).sum();
    if config.json {
        let files: Vec<Value> = extractions.iter().map(file_json).collect();
        let out = json!({"schemaVersion": SCHEMA_VERSION, "files": files});
        console.out(&format!("{}\n", serde_json::to_string_pretty(&out)?))?;
    } else {
        for e in &extractions {
            console.out(&file_text(e))?;
        }
    }
    // The listing first, then what goes to stderr, as a terminal shows them.
    console.flush()?;
    for e in &extractions {
        for note in &e.notes {
            console.warn(&format!("{}: {note}", e.file));
        }
    }
    let files = extractions.len();
    console.info(&format!(
        "{count} {} in {files} {}",
        if count == 1 { "policy" } else { "policies" },
        if files == 1 { "file" } else { "files" }
    ));
    Ok(Exit::Ok)
}

fn count(e: &Extraction) -> usize {
    match &e.found {
        Found::Template(p) => p.len(),
        Found::Plan(p) => p.len(),
    }
}

/// `file:line` (or the file alone).
fn location(file: &str, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("{file}:{l}"),
        None => file.to_string(),
    }
}

fn unknown_lines(p: &FoundPolicy, side: &str) -> String {
    let mut out = String::new();
    if let Some(c) = &p.condition {
        out.push_str(&format!(
            "    exists if condition {c} holds (not decided)\n"
        ));
    }
    for u in &p.unknowns {
        out.push_str(&format!(
            "    {side}unknown ${{{}}} = {}\n",
            u.name, u.expression
        ));
    }
    out
}

fn file_text(e: &Extraction) -> String {
    let mut out = String::new();
    match &e.found {
        Found::Template(policies) => {
            for p in policies {
                out.push_str(&format!(
                    "{}: {} ({})\n",
                    location(&p.file, p.line),
                    p.address,
                    p.kind.name()
                ));
                out.push_str(&unknown_lines(p, ""));
            }
        }
        Found::Plan(policies) => {
            for p in policies {
                let line = p.after.as_ref().or(p.before.as_ref()).and_then(|s| s.line);
                out.push_str(&format!(
                    "{}: {} ({}) {}\n",
                    location(&e.file, line),
                    p.address,
                    p.kind.name(),
                    p.change.name()
                ));
                if let Some(after) = &p.after {
                    out.push_str(&unknown_lines(after, "after: "));
                }
            }
        }
    }
    out
}

fn policy_json(p: &FoundPolicy) -> Value {
    let unknowns: Vec<Value> = p
        .unknowns
        .iter()
        .map(|u| json!({"name": u.name, "expression": u.expression}))
        .collect();
    json!({
        "address": p.address,
        "kind": p.kind.name(),
        "name": p.name,
        "file": p.file,
        "line": p.line,
        "condition": p.condition,
        "unknowns": unknowns,
        "document": p.document,
    })
}

fn planned_json(p: &PlannedPolicy) -> Value {
    json!({
        "address": p.address,
        "kind": p.kind.name(),
        "change": p.change.name(),
        "before": p.before.as_ref().map(policy_json),
        "after": p.after.as_ref().map(policy_json),
    })
}

fn file_json(e: &Extraction) -> Value {
    let policies: Vec<Value> = match &e.found {
        Found::Template(p) => p.iter().map(policy_json).collect(),
        Found::Plan(p) => p.iter().map(planned_json).collect(),
    };
    json!({
        "file": e.file,
        "kind": e.kind.to_string(),
        "notes": e.notes,
        "policies": policies,
    })
}
