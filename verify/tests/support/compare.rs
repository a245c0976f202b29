//! Rewrites that keep a policy's meaning and mutations that change it, for the comparison
//! tests (`verify/tests/compare_*.rs`), which include this file by path; and the re-check of
//! witnesses against the documents.
#![allow(dead_code)] // each includer uses a part

use std::collections::BTreeSet;

use iam_refine::request::{evaluate_with_unknowns, EvalPolicy, Request};
use iam_refine_verify::compare::{evaluate, Comparison, Verdict, Witness};
use serde_json::{json, Map, Value};

/// The library's concrete evaluator (`iam_refine::request`, written independently of this
/// crate) on a witness: `None` when it does not read the documents or cannot decide.
pub fn library_decides(docs: &[Value], w: &Witness, unknowns: &[String]) -> Option<bool> {
    let names: BTreeSet<String> = unknowns.iter().cloned().collect();
    let policies: Vec<EvalPolicy> = docs
        .iter()
        .map(|d| EvalPolicy::parse_with_unknowns(d, &names))
        .collect::<Result<_, _>>()
        .ok()?;
    let request = Request::from_value(&w.request.to_json())
        .unwrap_or_else(|e| panic!("the library refuses the witness {}: {e}", w.to_json()));
    evaluate_with_unknowns(&policies, &request, &w.unknowns)
        .ok()
        .map(|d| d.is_allowed())
}

pub fn statements(doc: &Value) -> Vec<Value> {
    match &doc["Statement"] {
        Value::Array(items) => items.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => Vec::new(),
    }
}

pub fn with_statements(doc: &Value, stmts: Vec<Value>) -> Value {
    let mut out = doc.clone();
    out["Statement"] = Value::Array(stmts);
    out
}

fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// Meaning-preserving rewrites of `doc`, named.
pub fn rewrites(doc: &Value) -> Vec<(&'static str, Value)> {
    let stmts = statements(doc);
    let mut out = Vec::new();
    let mut reversed = stmts.clone();
    reversed.reverse();
    out.push(("reordered", with_statements(doc, reversed)));
    // one statement per action
    let mut split = Vec::new();
    for s in &stmts {
        match s.get("Action") {
            Some(actions) if list(actions).len() > 1 => {
                for a in list(actions) {
                    let mut one = s.clone();
                    one["Action"] = a;
                    if let Some(o) = one.as_object_mut() {
                        o.remove("Sid");
                    }
                    split.push(one);
                }
            }
            _ => split.push(s.clone()),
        }
    }
    out.push(("split per action", with_statements(doc, split)));
    // statements with equal keys but Action merged
    let mut merged: Vec<Value> = Vec::new();
    for s in &stmts {
        let key = |s: &Value| {
            let mut o = s.as_object().cloned().unwrap_or_default();
            o.remove("Action");
            o.remove("Sid");
            Value::Object(o)
        };
        let into = merged
            .iter_mut()
            .find(|m| m.get("Action").is_some() && s.get("Action").is_some() && key(m) == key(s));
        match into {
            Some(m) => {
                let mut actions = list(&m["Action"]);
                actions.extend(list(&s["Action"]));
                m["Action"] = Value::Array(actions);
                if let Some(o) = m.as_object_mut() {
                    o.remove("Sid");
                }
            }
            None => merged.push(s.clone()),
        }
    }
    out.push(("merged", with_statements(doc, merged)));
    // string <-> one-element list, every list entry twice, condition blocks reversed
    let mut respelt = Vec::new();
    for s in &stmts {
        let mut t = s.clone();
        for element in ["Action", "NotAction", "Resource", "NotResource"] {
            if let Some(v) = s.get(element) {
                t[element] = match v {
                    Value::String(one) => json!([one]),
                    Value::Array(items) if items.len() == 1 => items[0].clone(),
                    Value::Array(items) => {
                        let mut twice = items.clone();
                        twice.extend(items.iter().cloned());
                        Value::Array(twice)
                    }
                    other => other.clone(),
                };
            }
        }
        if let Some(Value::Object(block)) = s.get("Condition") {
            let mut rev = Map::new();
            for (op, keys) in block.iter().rev() {
                let mut ks = Map::new();
                for (k, v) in keys.as_object().into_iter().flatten() {
                    let mut values = list(v);
                    values.extend(list(v));
                    ks.insert(k.clone(), Value::Array(values));
                }
                rev.insert(op.clone(), Value::Object(ks));
            }
            t["Condition"] = Value::Object(rev);
        }
        respelt.push(t);
    }
    out.push(("respelt", with_statements(doc, respelt)));
    out
}

/// Mutations that change what `doc` allows (in general: one that happens to be masked by
/// another statement may leave the meaning as it was), named.
pub fn mutations(doc: &Value) -> Vec<(&'static str, Value)> {
    let stmts = statements(doc);
    let mut out = Vec::new();
    let first = |f: &dyn Fn(&Value) -> bool| stmts.iter().position(f);
    let allow = |s: &Value| s["Effect"] == "Allow";
    let deny = |s: &Value| s["Effect"] == "Deny";
    let put = |out: &mut Vec<(&'static str, Value)>, name: &'static str, i: usize, s: Value| {
        let mut all = stmts.clone();
        all[i] = s;
        out.push((name, with_statements(doc, all)));
    };
    if let Some(i) = first(&|s| {
        allow(s)
            && s.get("Resource")
                .is_some_and(|r| r != "*" && r != &json!(["*"]))
    }) {
        let mut s = stmts[i].clone();
        s["Resource"] = json!("*");
        put(&mut out, "resource widened", i, s);
    }
    if let Some(i) = first(&|s| allow(s) && s.get("Condition").is_some()) {
        let mut s = stmts[i].clone();
        if let Some(o) = s.as_object_mut() {
            o.remove("Condition");
        }
        put(&mut out, "condition dropped", i, s.clone());
        let mut changed = stmts[i].clone();
        let block = changed["Condition"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if let Some((op, keys)) = block.iter().next() {
            let mut new_block = block.clone();
            let (set, base) = match op.split_once(':') {
                Some((set, base)) => (format!("{set}:"), base.to_string()),
                None => (String::new(), op.clone()),
            };
            let flipped = |v: &Value| -> Value {
                Value::Array(
                    list(v)
                        .into_iter()
                        .map(
                            |x| match x.as_str().map(str::to_ascii_lowercase).as_deref() {
                                Some("true") => json!("false"),
                                Some("false") => json!("true"),
                                _ => x,
                            },
                        )
                        .collect(),
                )
            };
            let (new_op, new_keys) = if base.starts_with("Bool") || base == "Null" {
                let mut ks = keys.clone();
                for v in ks.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
                    *v = flipped(v);
                }
                (op.clone(), ks)
            } else if let Some(rest) = base.strip_prefix("StringNot") {
                (format!("{set}String{rest}"), keys.clone())
            } else if let Some(rest) = base.strip_prefix("String") {
                (format!("{set}StringNot{rest}"), keys.clone())
            } else if let Some(rest) = base.strip_prefix("ArnNot") {
                (format!("{set}Arn{rest}"), keys.clone())
            } else if let Some(rest) = base.strip_prefix("Arn") {
                (format!("{set}ArnNot{rest}"), keys.clone())
            } else if base == "IpAddress" {
                ("NotIpAddress".to_string(), keys.clone())
            } else if base == "NotIpAddress" {
                ("IpAddress".to_string(), keys.clone())
            } else if set == "ForAnyValue:" {
                (format!("ForAllValues:{base}"), keys.clone())
            } else if set == "ForAllValues:" {
                (format!("ForAnyValue:{base}"), keys.clone())
            } else {
                (format!("{op}IfExists"), keys.clone())
            };
            new_block.shift_remove(op);
            new_block.insert(new_op, new_keys);
            changed["Condition"] = Value::Object(new_block);
            put(&mut out, "condition operator changed", i, changed);
            let mut valued = stmts[i].clone();
            let mut vblock = block.clone();
            if let Some(Value::Object(ks)) = vblock.get_mut(op) {
                for v in ks.values_mut() {
                    *v = Value::Array(
                        list(v)
                            .into_iter()
                            .map(|x| match x {
                                Value::String(t) if t.eq_ignore_ascii_case("true") => {
                                    json!("false")
                                }
                                Value::String(t) if t.eq_ignore_ascii_case("false") => {
                                    json!("true")
                                }
                                // numbers, dates and addresses stay readable: one more
                                Value::String(t) if t.parse::<f64>().is_ok() => {
                                    Value::String(format!("{t}1"))
                                }
                                Value::String(t) => Value::String(format!("{t}-changed")),
                                other => other,
                            })
                            .collect(),
                    );
                }
            }
            valued["Condition"] = Value::Object(vblock);
            put(&mut out, "condition value changed", i, valued);
        }
    }
    if let Some(i) = first(&|s| allow(s) && s.get("Action").is_some()) {
        let mut s = stmts[i].clone();
        let mut actions = list(&s["Action"]);
        actions.push(json!("zzzservice:NewAction"));
        s["Action"] = Value::Array(actions);
        put(&mut out, "action added", i, s);
    }
    if let Some(i) = first(&|s| allow(s) && s.get("Resource").is_some()) {
        let mut s = stmts[i].clone();
        let r = s["Resource"].clone();
        if let Some(o) = s.as_object_mut() {
            o.remove("Resource");
            o.insert("NotResource".into(), r);
        }
        put(&mut out, "NotResource introduced", i, s);
    }
    if let Some(i) = first(&deny) {
        let mut all = stmts.clone();
        all.remove(i);
        // (a document of no statement is refused)
        if !all.is_empty() {
            out.push(("deny removed", with_statements(doc, all)));
        }
        let mut s = stmts[i].clone();
        if let Some(Value::Array(actions)) = s.get("Action").cloned() {
            if actions.len() > 1 {
                s["Action"] = Value::Array(actions[1..].to_vec());
                put(&mut out, "deny narrowed", i, s);
            }
        }
    }
    out
}

/// Every witness of `c` re-checked against the documents by the crate's direct evaluation:
/// `new_allows` allowed by NEW and denied by OLD, `old_allows` the converse.
pub fn check_witnesses(c: &Comparison, old: &[Value], new: &[Value]) {
    check_witnesses_declaring(c, old, new, &[]);
}

/// [`check_witnesses`] with declared unknowns.
pub fn check_witnesses_declaring(
    c: &Comparison,
    old: &[Value],
    new: &[Value],
    unknowns: &[String],
) {
    let decide = |docs: &[Value], w: &Witness| evaluate(docs, w, unknowns).unwrap();
    // the library decides every witness the same way, where it reads the documents
    let library = |docs: &[Value], w: &Witness, want: bool| {
        if let Some(got) = library_decides(docs, w, unknowns) {
            assert_eq!(got, want, "the library evaluator on {}", w.to_json());
        }
    };
    if let Some(w) = &c.new_allows {
        assert_eq!(decide(new, w), Some(true), "{}", w.to_json());
        assert_eq!(decide(old, w), Some(false), "{}", w.to_json());
        library(new, w, true);
        library(old, w, false);
    }
    if let Some(w) = &c.old_allows {
        assert_eq!(decide(old, w), Some(true), "{}", w.to_json());
        assert_eq!(decide(new, w), Some(false), "{}", w.to_json());
        library(old, w, true);
        library(new, w, false);
    }
    match &c.verdict {
        Verdict::Equivalent => assert!(c.new_allows.is_none() && c.old_allows.is_none()),
        Verdict::NoNewAccess => assert!(c.new_allows.is_none() && c.old_allows.is_some()),
        Verdict::NewAllowsMore => assert!(c.new_allows.is_some() && c.old_allows.is_none()),
        Verdict::Incomparable => assert!(c.new_allows.is_some() && c.old_allows.is_some()),
        Verdict::Unknown { .. } => {}
    }
}
