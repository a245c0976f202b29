//! Proving a policy split by `--fit-quota`: the prover pairs refined statements with
//! original ones in order, one to one, so it cannot pair the slices of a statement cut
//! across parts, nor statements that first-fit packing put in another order. So the single
//! policy the parts were cut from is proved against the original, and this module checks,
//! on the documents as printed, that the parts together allow and deny exactly what that
//! policy does:
//!
//! - every part has the whole policy's top-level keys (`Version`, ...) and all its Deny
//!   statements, so each part alone denies what it denies;
//! - for every distinct Allow statement without its `Action` list (same Effect, Sid,
//!   Resource, Condition, ...), the `Action` entries over all parts are those of the whole
//!   policy: allow statements that differ only in their action list allow the union of
//!   their lists. `NotAction` statements are never cut and must appear whole.
//!
//! A principal's permissions are the union of its policies' allows minus any deny, so
//! these make the parts, attached together, equivalent to the proved policy.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// Allow statements by their keys other than `Action`: the `Action` entries, or (for a
/// `NotAction` statement, in the key itself) none. Deny statements whole.
#[derive(Default, PartialEq, Eq)]
struct Permissions {
    allows: BTreeMap<String, BTreeSet<String>>,
    denies: BTreeSet<String>,
}

fn statements(doc: &Map<String, Value>) -> Vec<&Map<String, Value>> {
    match doc.get("Statement") {
        Some(Value::Object(one)) => vec![one],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

/// The document's keys other than `Statement`, as canonical text.
fn top_level(doc: &Map<String, Value>) -> String {
    let rest: BTreeMap<&String, &Value> = doc.iter().filter(|(k, _)| *k != "Statement").collect();
    serde_json::to_string(&rest).unwrap_or_default()
}

/// Canonical text of a statement (keys sorted, so that key order does not matter).
fn canonical(map: &Map<String, Value>) -> String {
    let sorted: BTreeMap<&String, &Value> = map.iter().collect();
    serde_json::to_string(&sorted).unwrap_or_default()
}

fn add(p: &mut Permissions, doc: &Map<String, Value>, with_denies: bool) {
    for s in statements(doc) {
        if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
            if with_denies {
                p.denies.insert(canonical(s));
            }
            continue;
        }
        let mut key = s.clone();
        let actions = match key.remove("Action") {
            Some(Value::String(a)) => vec![a],
            Some(Value::Array(list)) => list
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect(),
            Some(other) => vec![other.to_string()],
            None => Vec::new(),
        };
        p.allows.entry(canonical(&key)).or_default().extend(actions);
    }
}

/// Why the parts are not the whole policy, if they are not.
pub fn parts_match(whole: &Value, parts: &[Value]) -> Result<(), String> {
    let Some(whole) = whole.as_object() else {
        return Err("the policy is not an object".to_string());
    };
    let mut want = Permissions::default();
    add(&mut want, whole, true);
    let mut got = Permissions::default();
    for (k, part) in parts.iter().enumerate() {
        let Some(part) = part.as_object() else {
            return Err(format!("part {} is not an object", k + 1));
        };
        if top_level(part) != top_level(whole) {
            return Err(format!("part {} has other top-level keys", k + 1));
        }
        let mut own = Permissions::default();
        add(&mut own, part, true);
        if own.denies != want.denies {
            return Err(format!(
                "part {} does not carry every Deny statement",
                k + 1
            ));
        }
        add(&mut got, part, false);
    }
    got.denies = want.denies.clone();
    if got != want {
        return Err("the parts' Allow statements are not the policy's".to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parts_must_cover_the_whole_and_nothing_else() {
        let deny = json!({"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"});
        let whole = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
            {"Sid": "B", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
            deny]});
        let part = |statements: Value| json!({"Version": "2012-10-17", "Statement": statements});
        let a1 =
            json!({"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"});
        let a2 =
            json!({"Sid": "A", "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "*"});
        let b =
            json!({"Sid": "B", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"});
        let good = [part(json!([b, a1, deny])), part(json!([a2, deny]))];
        assert_eq!(parts_match(&whole, &good), Ok(()));
        let missing = [part(json!([b, a1, deny])), part(json!([deny]))];
        assert!(parts_match(&whole, &missing).is_err());
        let no_deny = [part(json!([b, a1, deny])), part(json!([a2]))];
        assert!(parts_match(&whole, &no_deny).is_err());
        let wider = json!({"Sid": "A", "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::*"});
        assert!(parts_match(
            &whole,
            &[part(json!([b, a1, deny])), part(json!([wider, deny]))]
        )
        .is_err());
        let no_version = json!({"Statement": [a2, deny]});
        assert!(parts_match(&whole, &[part(json!([b, a1, deny])), no_version]).is_err());
    }
}
