//! Terraform plans: `terraform show -json PLAN`, as Terraform's
//! [JSON output format](https://developer.hashicorp.com/terraform/internals/json-format)
//! documents it (`format_version` 1.x; another major version is refused, as the format
//! asks).
//!
//! Each entry of `resource_changes` of type `aws_iam_policy` ([`PolicyKind::Managed`]),
//! `aws_iam_role_policy`, `aws_iam_user_policy`, `aws_iam_group_policy` (inline) gives
//! one [`PlannedPolicy`]: `before` from `change.before`, `after` from `change.after`, and
//! the [`Change`] from `change.actions`. The `policy` attribute is a JSON string, read
//! strictly. An `aws_iam_role` gives one per block of its `inline_policy`
//! (`ADDRESS/inline_policy/NAME`; the role's own change for a created, deleted or replaced
//! role, otherwise per block). A deposed object's address ends in ` (deposed KEY)`.
//!
//! `aws_iam_policy_document` data sources ([`PolicyKind::Document`], change
//! [`Change::Read`]): read while planning, their `json` is in `prior_state` (or
//! `planned_values`); deferred to apply (`resource_changes` with `["read"]`), their `json`
//! is unknown and the document is rebuilt from the planned `statement` blocks as the AWS
//! provider documents them (`sid`, `effect` (default `Allow`), `actions`, `not_actions`,
//! `resources`, `not_resources`, `principals`, `not_principals`, `condition`, `version`
//! (default `2012-10-17`), `policy_id`), each value still unknown declared where it is.
//! A data source that merges other documents (`source_policy_documents`,
//! `override_policy_documents`, ...) or repeats a condition's test and variable is not
//! rebuilt: its document is unknown as a whole.
//!
//! # Unknown values
//!
//! `change.after_unknown` marks each value known only after apply with `true` (a list
//! marks each element; `after` holds `null` in its place). Such a value is a declared
//! unknown named `tf:` + address + `.` + attribute path (see the crate's naming scheme),
//! never guessed: a resource's `policy` known after apply makes the whole document the
//! string `"${tf:ADDRESS.policy}"`; a role whose whole `inline_policy` is known after
//! apply (as for every role created without `inline_policy` blocks: the attribute is
//! computed) gives one entry, `ADDRESS/inline_policy`, whose document is unknown.

mod document;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::lines::LineIndex;
use crate::names::{encode, find_declared_looking, occurrence};
use crate::{Change, FoundPolicy, Located, PlannedPolicy, PolicyKind, Unknown};

/// The declared unknowns of one side, name to expression.
pub(crate) type Declared = BTreeMap<String, String>;

/// Declares the unknown `attribute` of `address` and returns its occurrence text.
pub(crate) fn declare(declared: &mut Declared, address: &str, attribute: &str) -> String {
    let name = format!("tf:{}.{}", encode(address), encode(attribute));
    declared
        .entry(name.clone())
        .or_insert_with(|| format!("{address}.{attribute} (known after apply)"));
    occurrence(&name)
}

fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

struct Ctx<'a> {
    file: &'a str,
}

impl Ctx<'_> {
    fn policy(
        &self,
        line: Option<usize>,
        address: &str,
        kind: PolicyKind,
        name: Option<String>,
        document: Value,
        declared: &Declared,
    ) -> FoundPolicy {
        let unknowns = crate::names::occurring(&document, declared)
            .into_iter()
            .map(|n| Unknown {
                name: n.to_string(),
                expression: declared.get(n).cloned().unwrap_or_default(),
            })
            .collect();
        FoundPolicy {
            file: self.file.to_string(),
            line,
            address: address.to_string(),
            kind,
            name,
            document,
            unknowns,
            condition: None,
        }
    }
}

/// A policy attribute: a JSON text holding a document object.
fn parse_policy(text: &str, address: &str, line: Option<usize>) -> Result<Value, Located> {
    let fail = |m: String| Located::new(line, address.to_string(), m);
    let value = crate::json::parse(text).map_err(|e| {
        fail(format!(
            "the policy is not JSON (line {}, column {} of it: {})",
            e.line, e.column, e.message
        ))
    })?;
    if !value.is_object() {
        return Err(fail(format!(
            "the policy is {}, not an object",
            crate::describe(&value)
        )));
    }
    if let Some(s) = find_declared_looking(&value) {
        return Err(fail(format!(
            "the policy holds `{s}`, which is how declared unknowns are written"
        )));
    }
    Ok(value)
}

fn change_of(
    actions: Option<&Value>,
    address: &str,
    line: Option<usize>,
) -> Result<Change, Located> {
    let names: Option<Vec<&str>> = actions
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect());
    Ok(match names.as_deref() {
        Some(["no-op"]) => Change::NoOp,
        Some(["create"]) => Change::Create,
        Some(["read"]) => Change::Read,
        Some(["update"]) => Change::Update,
        Some(["delete"]) => Change::Delete,
        Some(["forget"]) => Change::Forget,
        Some(["delete", "create"] | ["create", "delete"]) => Change::Replace,
        _ => {
            return Err(Located::new(
                line,
                address.to_string(),
                format!(
                    "`change.actions` is {}, not one the format documents",
                    actions.map_or_else(|| "missing".to_string(), |a| format!("`{a}`"))
                ),
            ))
        }
    })
}

const MANAGED: [(&str, PolicyKind); 4] = [
    ("aws_iam_policy", PolicyKind::Managed),
    ("aws_iam_role_policy", PolicyKind::RoleInline),
    ("aws_iam_user_policy", PolicyKind::UserInline),
    ("aws_iam_group_policy", PolicyKind::GroupInline),
];

pub(crate) fn extract(
    file: &str,
    plan: &Value,
    lines: &LineIndex,
) -> Result<(Vec<PlannedPolicy>, Vec<String>), Located> {
    let version = plan
        .get("format_version")
        .and_then(Value::as_str)
        .unwrap_or("");
    if version.split('.').next() != Some("1") {
        return Err(Located::new(
            lines.line(&["format_version"]),
            "format_version",
            format!("`{version}`: only format version 1.x of `terraform show -json` is read"),
        ));
    }
    let ctx = Ctx { file };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let changes = match plan.get("resource_changes") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(Located::new(None, "resource_changes", "not a list")),
    };
    for (i, rc) in changes.iter().enumerate() {
        let line = lines.line(&["resource_changes", &i.to_string()]);
        let field = |k: &str| rc.get(k).and_then(Value::as_str);
        let (Some(address), Some(mode), Some(rtype)) =
            (field("address"), field("mode"), field("type"))
        else {
            return Err(Located::new(
                line,
                format!("resource_changes[{i}]"),
                "an entry without `address`, `mode` or `type`",
            ));
        };
        let address = match field("deposed") {
            Some(key) => format!("{address} (deposed {key})"),
            None => address.to_string(),
        };
        let managed_kind = MANAGED.iter().find(|(t, _)| *t == rtype).map(|(_, k)| *k);
        let relevant = (mode == "managed" && (managed_kind.is_some() || rtype == "aws_iam_role"))
            || (mode == "data" && rtype == "aws_iam_policy_document");
        if !relevant {
            continue;
        }
        let change = rc.get("change").unwrap_or(&Value::Null);
        let action = change_of(change.get("actions"), &address, line)?;
        let before = change.get("before").filter(|v| !v.is_null());
        let after = change.get("after").filter(|v| !v.is_null());
        let unknown = change.get("after_unknown").unwrap_or(&Value::Null);
        let no_unknown = Value::Null;
        if mode == "data" {
            seen.insert(address.clone());
            let mut declared = Declared::new();
            let Some(after) = after else { continue };
            let doc = if is_true(unknown.get("json")) || is_true(Some(unknown)) {
                if let Some(s) = find_declared_looking(after) {
                    return Err(Located::new(
                        line,
                        address.clone(),
                        format!("the data source holds `{s}`, which is how declared unknowns are written"),
                    ));
                }
                document::rebuild(&address, after, unknown, &mut declared)
            } else {
                let text = after
                    .get("json")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Located::new(line, address.clone(), "no `json` attribute"))?;
                parse_policy(text, &address, line)?
            };
            out.push(PlannedPolicy {
                address: address.clone(),
                kind: PolicyKind::Document,
                change: Change::Read,
                before: None,
                after: Some(ctx.policy(line, &address, PolicyKind::Document, None, doc, &declared)),
            });
            continue;
        }
        if let Some(kind) = managed_kind {
            let side = |values: Option<&Value>,
                        unknown: &Value|
             -> Result<Option<FoundPolicy>, Located> {
                let Some(values) = values else {
                    return Ok(None);
                };
                let mut declared = Declared::new();
                let document = if is_true(unknown.get("policy")) || is_true(Some(unknown)) {
                    Value::String(declare(&mut declared, &address, "policy"))
                } else {
                    let text = values
                        .get("policy")
                        .and_then(Value::as_str)
                        .ok_or_else(|| {
                            Located::new(line, address.clone(), "no `policy` attribute")
                        })?;
                    parse_policy(text, &address, line)?
                };
                let name = if is_true(unknown.get("name")) {
                    None
                } else {
                    values.get("name").and_then(Value::as_str).map(String::from)
                };
                Ok(Some(
                    ctx.policy(line, &address, kind, name, document, &declared),
                ))
            };
            out.push(PlannedPolicy {
                address: address.clone(),
                kind,
                change: action,
                before: side(before, &no_unknown)?,
                after: side(after, unknown)?,
            });
            continue;
        }
        // `aws_iam_role`: its `inline_policy` blocks.
        let before_blocks = inline_blocks(&ctx, line, &address, before, &no_unknown)?;
        let after_blocks = inline_blocks(&ctx, line, &address, after, unknown)?;
        let mut addresses: Vec<String> = before_blocks.iter().map(|p| p.address.clone()).collect();
        for p in &after_blocks {
            if !addresses.contains(&p.address) {
                addresses.push(p.address.clone());
            }
        }
        for a in addresses {
            let b = before_blocks.iter().find(|p| p.address == a).cloned();
            let f = after_blocks.iter().find(|p| p.address == a).cloned();
            let change = match (action, &b, &f) {
                (
                    Change::Create
                    | Change::Delete
                    | Change::Replace
                    | Change::Forget
                    | Change::Read,
                    _,
                    _,
                ) => action,
                (_, Some(_), None) => Change::Delete,
                (_, None, Some(_)) => Change::Create,
                (_, Some(x), Some(y)) if x.document == y.document && y.unknowns.is_empty() => {
                    Change::NoOp
                }
                _ => Change::Update,
            };
            out.push(PlannedPolicy {
                address: a,
                kind: PolicyKind::RoleInline,
                change,
                before: b,
                after: f,
            });
        }
    }
    // Data sources read while planning.
    for (section, path) in [
        ("prior_state", &["prior_state", "values", "root_module"][..]),
        ("planned_values", &["planned_values", "root_module"][..]),
    ] {
        let mut module = plan;
        for p in path {
            module = module.get(*p).unwrap_or(&Value::Null);
        }
        let mut documents = Vec::new();
        collect_documents(module, &mut documents, 0);
        for (address, values) in documents {
            if !seen.insert(address.clone()) {
                continue;
            }
            let text = values.get("json").and_then(Value::as_str).ok_or_else(|| {
                Located::new(
                    None,
                    address.clone(),
                    format!("no `json` attribute in `{section}`"),
                )
            })?;
            let doc = parse_policy(text, &address, None)?;
            out.push(PlannedPolicy {
                address: address.clone(),
                kind: PolicyKind::Document,
                change: Change::Read,
                before: None,
                after: Some(ctx.policy(
                    None,
                    &address,
                    PolicyKind::Document,
                    None,
                    doc,
                    &Declared::new(),
                )),
            });
        }
    }
    Ok((out, Vec::new()))
}

/// The `aws_iam_policy_document` data resources of a module and its children.
fn collect_documents<'v>(module: &'v Value, out: &mut Vec<(String, &'v Value)>, depth: usize) {
    if depth > 64 {
        return;
    }
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field = |k: &str| r.get(k).and_then(Value::as_str);
        if field("mode") == Some("data") && field("type") == Some("aws_iam_policy_document") {
            if let (Some(address), Some(values)) = (field("address"), r.get("values")) {
                out.push((address.to_string(), values));
            }
        }
    }
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect_documents(child, out, depth + 1);
    }
}

/// The `inline_policy` blocks of one side of an `aws_iam_role`.
fn inline_blocks(
    ctx: &Ctx<'_>,
    line: Option<usize>,
    address: &str,
    values: Option<&Value>,
    unknown: &Value,
) -> Result<Vec<FoundPolicy>, Located> {
    let Some(values) = values else {
        return Ok(Vec::new());
    };
    let kind = PolicyKind::RoleInline;
    if is_true(unknown.get("inline_policy")) || is_true(Some(unknown)) {
        let mut declared = Declared::new();
        let doc = Value::String(declare(&mut declared, address, "inline_policy"));
        let a = format!("{address}/inline_policy");
        return Ok(vec![ctx.policy(line, &a, kind, None, doc, &declared)]);
    }
    let blocks = match values.get("inline_policy") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(b)) => b,
        Some(_) => {
            return Err(Located::new(
                line,
                address.to_string(),
                "`inline_policy` is not a list",
            ))
        }
    };
    let unknown_blocks = unknown.get("inline_policy").and_then(Value::as_array);
    let mut out = Vec::new();
    for (j, block) in blocks.iter().enumerate() {
        let ub = unknown_blocks
            .and_then(|u| u.get(j))
            .unwrap_or(&Value::Null);
        let name_unknown = is_true(ub.get("name")) || is_true(Some(ub));
        let policy_unknown = is_true(ub.get("policy")) || is_true(Some(ub));
        let name = block
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty());
        let policy = block
            .get("policy")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty());
        // An empty block (`inline_policy {}`) says "no inline policies".
        if name.is_none() && policy.is_none() && !name_unknown && !policy_unknown {
            continue;
        }
        let a = match (name, name_unknown) {
            (Some(n), false) => format!("{address}/inline_policy/{n}"),
            _ => format!("{address}/inline_policy/#{j}"),
        };
        let mut declared = Declared::new();
        let doc = match (policy, policy_unknown) {
            (_, true) => Value::String(declare(
                &mut declared,
                address,
                &format!("inline_policy[{j}].policy"),
            )),
            (Some(text), false) => parse_policy(text, &a, line)?,
            (None, false) => {
                return Err(Located::new(
                    line,
                    a,
                    "an `inline_policy` block without `policy`",
                ))
            }
        };
        let name = name.filter(|_| !name_unknown).map(String::from);
        out.push(ctx.policy(line, &a, kind, name, doc, &declared));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
