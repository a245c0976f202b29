//! From a model to a witness: the request it describes (strings as decided in Rust,
//! numbers and dates written as the readers of docs/semantics.md §5 read them back), and its
//! re-check by the direct evaluation (`eval.rs`) before it is handed out, with the context
//! keys it does not need dropped.

use std::collections::BTreeMap;

use z3::ast::Bool;

use super::document::Stmt;
use super::encode::{
    bv_value, int_text, slot_string, unknown_string, unscale, Encoder, Val, RESOURCE,
};
use super::error::CompareError;
use super::eval::{allowed, Concrete, Tri};
use super::values::{render_base64, render_date, Address};
use super::witness::{ContextValue, Request, ValueType, Witness};

/// Context keys above which a witness is handed out without dropping the keys it does not
/// need (each drop is one evaluation of both sides).
const MINIMISED_KEYS: usize = 64;

/// Re-checks a witness with the direct evaluation, then drops the context keys it does
/// not need. `Err` names why the decision is not determined (an unmodelled construct).
pub(crate) fn check(
    allow: &[&Stmt],
    deny: &[&Stmt],
    witness: Witness,
    opaque: &[(Bool<'_>, String)],
) -> Result<Result<Witness, String>, CompareError> {
    let verdict = |w: &Witness| {
        let c = Concrete::new(&w.request, &w.unknowns);
        (allowed(allow, &c), allowed(deny, &c))
    };
    match verdict(&witness) {
        (Tri::Yes, Tri::No) => {}
        (Tri::Unknown(r), _) | (_, Tri::Unknown(r)) => {
            return Ok(Err(
                if let Some(clause) = r.strip_prefix("undetermined: ") {
                    format!(
                        "a request that would be a witness exists only through clauses AWS does \
                     not decide: {clause}"
                    )
                } else {
                    format!("a request the search found depends on what is not modelled: {r}")
                },
            ))
        }
        // the model gave a construct that is not modelled a value the request does not
        // have: the search's request is no witness, and says nothing
        _ if !opaque.is_empty() => {
            let names: Vec<&str> = opaque.iter().map(|(_, r)| r.as_str()).collect();
            return Ok(Err(format!(
                "a request the search found depends on what is not modelled: {}",
                names.join("; ")
            )));
        }
        (a, b) => {
            return Err(CompareError::WitnessRejected {
                witness: witness.to_json().to_string(),
                claim: format!(
                    "one side allows it and the other does not (direct evaluation: {a:?} and {b:?})"
                ),
            })
        }
    }
    let mut w = witness;
    let keys: Vec<String> = w.request.context.keys().cloned().collect();
    // one evaluation per key: a huge context keeps its keys (still a witness)
    if keys.len() > MINIMISED_KEYS {
        return Ok(Ok(w));
    }
    for k in keys {
        let mut smaller = w.clone();
        smaller.request.context.remove(&k);
        if verdict(&smaller) == (Tri::Yes, Tri::No) {
            w = smaller;
        }
    }
    Ok(Ok(w))
}

/// The instant with the fewest fraction digits that compares with every constant as `t`
/// does (dates are compared with the policy's constants only, so any instant of `t`'s
/// interval between two consecutive constants, or `t` itself if it is one, gives every
/// comparison the same outcome): readable, and readable by evaluators at coarser precision.
fn roundest(t: i128, constants: &[i128]) -> i128 {
    if constants.contains(&t) {
        return t;
    }
    let below = constants.iter().copied().filter(|&c| c < t).max();
    let above = constants.iter().copied().filter(|&c| c > t).min();
    for unit in [1_000_000_000, 1_000_000, 1_000] {
        // the multiple of `unit` nearest `t` inside (below, above)
        let down = t.div_euclid(unit) * unit;
        for candidate in [down, down + unit] {
            let inside = below.is_none_or(|b| candidate > b) && above.is_none_or(|a| candidate < a);
            if inside && crate::compare::values::nameable(candidate) {
                return candidate;
            }
        }
    }
    t
}

/// The action as the policies spell it. AWS compares actions ignoring case, so every
/// spelling is the same request; the search works in lower case, and a reader recognises
/// `s3:GetObject` sooner than `s3:getobject`. The first pattern written without wildcards
/// that equals it ignoring case gives its spelling; else the longest literal prefix of a
/// pattern it starts with (`s3:Get*` spells `s3:getobjectzz` as `s3:Getobjectzz`); else
/// it stays as found.
pub(crate) fn spelled<'s>(action: &str, statements: impl Iterator<Item = &'s Stmt>) -> String {
    let mut best: Option<(usize, String)> = None;
    for stmt in statements {
        for pattern in &stmt.action.patterns {
            let raw = pattern.raw.as_str();
            let prefix = raw.find(['*', '?']).map_or(raw, |at| &raw[..at]);
            if prefix.len() == raw.len() && raw.eq_ignore_ascii_case(action) {
                return raw.to_string();
            }
            let fits = action.len() >= prefix.len()
                && action.is_char_boundary(prefix.len())
                && action[..prefix.len()].eq_ignore_ascii_case(prefix);
            if fits && best.as_ref().is_none_or(|(n, _)| prefix.len() > *n) {
                best = Some((prefix.len(), format!("{prefix}{}", &action[prefix.len()..])));
            }
        }
    }
    best.map_or_else(|| action.to_string(), |(_, s)| s)
}

/// The model's request with `action`, its strings as decided in Rust (`chosen`; a string
/// no atom mentions can be anything: the empty string).
pub(crate) fn read<'c>(
    enc: &Encoder<'c, '_>,
    model: &z3::Model<'c>,
    action: &str,
    chosen: &BTreeMap<String, String>,
) -> Witness {
    let string = |var: &str| -> String {
        enc.uni
            .alphabet
            .decode(chosen.get(var).map_or("", String::as_str))
    };
    let resource = string(RESOURCE);
    let mut context = BTreeMap::new();
    for (key, slots) in &enc.keys {
        let Some(info) = enc.uni.keys.get(key) else {
            continue;
        };
        let mut values: Vec<String> = Vec::new();
        let mut kind = ValueType::String;
        for (i, slot) in slots.iter().enumerate() {
            if model.eval(&slot.present, true).and_then(|b| b.as_bool()) != Some(true) {
                continue;
            }
            let truth = |b: &Bool<'c>| model.eval(b, true).and_then(|b| b.as_bool()) == Some(true);
            let value = match &slot.val {
                Val::Presence => "present".to_string(),
                Val::Text => {
                    if info.bool_only {
                        kind = ValueType::Boolean;
                    }
                    string(&slot_string(key, i))
                }
                Val::Number { ok, scaled } => {
                    kind = ValueType::Numeric;
                    let text = model.eval(scaled, true).and_then(|i| int_text(&i));
                    match text.and_then(|t| unscale(&t, enc.uni.scale)) {
                        Some(d) if truth(ok) => d.to_string(),
                        _ => "not-a-number".to_string(),
                    }
                }
                Val::Date { ok, ms } => {
                    kind = ValueType::Date;
                    let ms = model
                        .eval(ms, true)
                        .and_then(|i| int_text(&i))
                        .and_then(|t| t.parse::<i128>().ok());
                    match ms {
                        Some(ms) if truth(ok) => render_date(roundest(ms, &info.dates)),
                        _ => "not-a-date".to_string(),
                    }
                }
                Val::Ip { v4, v6, a4, a6 } => {
                    kind = ValueType::Ip;
                    let bits = |b: &z3::ast::BV<'c>| model.eval(b, true).and_then(|b| bv_value(&b));
                    if truth(v4) {
                        let a = bits(a4).and_then(|b| u32::try_from(b).ok()).unwrap_or(0);
                        Address::V4(a).render()
                    } else if truth(v6) {
                        Address::V6(bits(a6).unwrap_or(0)).render()
                    } else {
                        "not-an-address".to_string()
                    }
                }
                Val::Binary(sel) => {
                    kind = ValueType::Binary;
                    let n = model
                        .eval(sel, true)
                        .and_then(|i| i.as_i64())
                        .and_then(|n| usize::try_from(n).ok());
                    match n.and_then(|n| info.binaries.get(n)) {
                        Some(bytes) => render_base64(bytes),
                        None => {
                            // bytes equal to no policy value
                            let mut other: Vec<u8> = Vec::new();
                            while info.binaries.contains(&other) {
                                other.push(0);
                            }
                            render_base64(&other)
                        }
                    }
                }
            };
            if !values.contains(&value) {
                values.push(value);
            }
        }
        if values.is_empty() {
            continue;
        }
        let kind = match info.kind {
            super::universe::Kind::Multi => kind.list(),
            super::universe::Kind::Single => kind,
        };
        context.insert(info.written.clone(), ContextValue { kind, values });
    }
    let unknowns = enc
        .unknowns
        .iter()
        .map(|name| (name.clone(), string(&unknown_string(name))))
        .collect();
    Witness {
        request: Request {
            action: action.to_string(),
            resource,
            context,
        },
        unknowns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stmts(actions: serde_json::Value) -> Vec<Stmt> {
        let doc = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": "*"}
        ]});
        super::super::document::read_side(&[doc], super::super::Side::Old, &Default::default())
            .unwrap()
            .statements
    }

    #[test]
    fn actions_are_spelled_as_the_policies_write_them() {
        let s = stmts(json!([
            "s3:GetObject",
            "s3:Get*",
            "s3:GetObjectT*",
            "ec2:*"
        ]));
        let spell = |a: &str| spelled(a, s.iter());
        assert_eq!(spell("s3:getobject"), "s3:GetObject");
        assert_eq!(spell("s3:getobjecttagging"), "s3:GetObjectTagging");
        assert_eq!(spell("s3:getbucket"), "s3:Getbucket");
        assert_eq!(spell("ec2:runinstances"), "ec2:runinstances");
        assert_eq!(spell("iam:zz"), "iam:zz");
        // the same action ignoring case: nothing but the spelling changes
        for a in [
            "s3:getobject",
            "s3:getobjecttagging",
            "s3:getbucket",
            "ec2:x",
        ] {
            assert!(spell(a).eq_ignore_ascii_case(a));
        }
    }
}
