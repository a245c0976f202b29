//! The document of an `aws_iam_policy_document` data source whose read is deferred to
//! apply, rebuilt from its planned arguments, each value unknown until apply declared where
//! it stands (see the `terraform` module docs for the rules).

use serde_json::{Map, Value};

use super::{declare, is_true, Declared};

/// The keys of a statement block and the policy element each becomes.
const LISTS: [(&str, &str); 4] = [
    ("actions", "Action"),
    ("not_actions", "NotAction"),
    ("resources", "Resource"),
    ("not_resources", "NotResource"),
];

/// Arguments that merge other documents into this one.
const MERGING: [&str; 4] = [
    "source_policy_documents",
    "override_policy_documents",
    "source_json",
    "override_json",
];

/// The rebuilt document; the whole document declared unknown (`ADDRESS.json`) when it
/// cannot be rebuilt faithfully.
pub(super) fn rebuild(
    address: &str,
    after: &Value,
    unknown: &Value,
    declared: &mut Declared,
) -> Value {
    let mut local = Declared::new();
    match try_rebuild(address, after, unknown, &mut local) {
        Some(doc) => {
            declared.extend(local);
            doc
        }
        None => Value::String(declare(declared, address, "json")),
    }
}

fn try_rebuild(address: &str, after: &Value, unknown: &Value, d: &mut Declared) -> Option<Value> {
    if is_true(Some(unknown)) {
        return None;
    }
    for key in MERGING {
        let present = match after.get(key) {
            None | Some(Value::Null) => false,
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::String(s)) => !s.is_empty(),
            Some(_) => true,
        };
        if present || unknown.get(key).is_some_and(|u| u != &Value::Bool(false)) {
            return None;
        }
    }
    let mut doc = Map::new();
    let version = scalar(
        address,
        "version",
        after.get("version"),
        unknown.get("version"),
        d,
    );
    doc.insert(
        "Version".to_string(),
        version.unwrap_or_else(|| Value::String("2012-10-17".to_string())),
    );
    if let Some(id) = scalar(
        address,
        "policy_id",
        after.get("policy_id"),
        unknown.get("policy_id"),
        d,
    ) {
        doc.insert("Id".to_string(), id);
    }
    let statements = if is_true(unknown.get("statement")) {
        Value::String(declare(d, address, "statement"))
    } else {
        let mut out = Vec::new();
        let blocks = after
            .get("statement")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for (i, block) in blocks.iter().enumerate() {
            let u = unknown
                .get("statement")
                .and_then(|s| s.get(i))
                .unwrap_or(&Value::Null);
            let path = format!("statement[{i}]");
            if is_true(Some(u)) {
                out.push(Value::String(declare(d, address, &path)));
                continue;
            }
            out.push(statement(address, &path, block, u, d)?);
        }
        Value::Array(out)
    };
    doc.insert("Statement".to_string(), statements);
    Some(Value::Object(doc))
}

/// A string argument: its value, the declared unknown, or `None` when absent or empty.
fn scalar(
    address: &str,
    path: &str,
    value: Option<&Value>,
    unknown: Option<&Value>,
    d: &mut Declared,
) -> Option<Value> {
    if is_true(unknown) {
        return Some(Value::String(declare(d, address, path)));
    }
    match value {
        Some(Value::String(s)) if !s.is_empty() => Some(Value::String(s.clone())),
        _ => None,
    }
}

/// A list argument of strings, each element known or declared.
fn list(
    address: &str,
    path: &str,
    value: Option<&Value>,
    unknown: Option<&Value>,
    d: &mut Declared,
) -> Option<Value> {
    if is_true(unknown) {
        return Some(Value::String(declare(d, address, path)));
    }
    let items = value?.as_array()?;
    if items.is_empty() {
        return None;
    }
    let out = items
        .iter()
        .enumerate()
        .map(|(j, item)| {
            if is_true(unknown.and_then(|u| u.get(j))) {
                Value::String(declare(d, address, &format!("{path}[{j}]")))
            } else {
                item.clone()
            }
        })
        .collect();
    Some(Value::Array(out))
}

fn statement(
    address: &str,
    path: &str,
    block: &Value,
    u: &Value,
    d: &mut Declared,
) -> Option<Value> {
    let mut st = Map::new();
    let field = |k: &str| (block.get(k), u.get(k));
    let (v, uv) = field("sid");
    if let Some(sid) = scalar(address, &format!("{path}.sid"), v, uv, d) {
        st.insert("Sid".to_string(), sid);
    }
    let (v, uv) = field("effect");
    let effect = scalar(address, &format!("{path}.effect"), v, uv, d);
    st.insert(
        "Effect".to_string(),
        effect.unwrap_or_else(|| Value::String("Allow".to_string())),
    );
    for (key, element) in LISTS {
        let (v, uv) = field(key);
        if let Some(l) = list(address, &format!("{path}.{key}"), v, uv, d) {
            st.insert(element.to_string(), l);
        }
    }
    for (key, element) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        let (v, uv) = field(key);
        let p = format!("{path}.{key}");
        if is_true(uv) {
            st.insert(element.to_string(), Value::String(declare(d, address, &p)));
            continue;
        }
        let Some(blocks) = v.and_then(Value::as_array).filter(|b| !b.is_empty()) else {
            continue;
        };
        let mut map = Map::new();
        for (j, b) in blocks.iter().enumerate() {
            let ub = uv.and_then(|u| u.get(j)).unwrap_or(&Value::Null);
            let kind = scalar(
                address,
                &format!("{p}[{j}].type"),
                b.get("type"),
                ub.get("type"),
                d,
            )?;
            let ids = list(
                address,
                &format!("{p}[{j}].identifiers"),
                b.get("identifiers"),
                ub.get("identifiers"),
                d,
            )?;
            let key = kind.as_str()?.to_string();
            if map.contains_key(&key) {
                return None;
            }
            map.insert(key, ids);
        }
        st.insert(element.to_string(), Value::Object(map));
    }
    let (v, uv) = field("condition");
    let p = format!("{path}.condition");
    if is_true(uv) {
        st.insert(
            "Condition".to_string(),
            Value::String(declare(d, address, &p)),
        );
    } else if let Some(blocks) = v.and_then(Value::as_array).filter(|b| !b.is_empty()) {
        let mut map: Map<String, Value> = Map::new();
        for (j, b) in blocks.iter().enumerate() {
            let ub = uv.and_then(|u| u.get(j)).unwrap_or(&Value::Null);
            let test = scalar(
                address,
                &format!("{p}[{j}].test"),
                b.get("test"),
                ub.get("test"),
                d,
            )?;
            let variable = scalar(
                address,
                &format!("{p}[{j}].variable"),
                b.get("variable"),
                ub.get("variable"),
                d,
            )?;
            let values = list(
                address,
                &format!("{p}[{j}].values"),
                b.get("values"),
                ub.get("values"),
                d,
            )?;
            let (test, variable) = (test.as_str()?.to_string(), variable.as_str()?.to_string());
            let operator = map.entry(test).or_insert_with(|| Value::Object(Map::new()));
            let keys = operator.as_object_mut()?;
            if keys.contains_key(&variable) {
                // How the provider merges a repeated test and variable is not documented.
                return None;
            }
            keys.insert(variable, values);
        }
        st.insert("Condition".to_string(), Value::Object(map));
    }
    Some(Value::Object(st))
}
