//! Statements left as written (`--skip-sid`): which original statements a [`Keep`] selects,
//! and the check that each of them appears, JSON-identical, exactly once among the refined
//! documents' statements.
//!
//! A kept statement is paired with its identical copy by identity, not by the pairing of
//! [`crate::pairing`], and is held only to containment (or, for a Deny statement, to being
//! unchanged, which identity already says): its actions stay allowed even if unused, so it
//! takes no part in exactness or in the no-unused theorem. The `Sid` patterns are matched
//! by this crate's own glob matcher, exactly (IAM's `Sid`s are case-sensitive), never the
//! refiner's.

use serde_json::Value;

use crate::error::VerifyError;
use crate::glob::glob_match_exact;
use crate::report::{Counterexample, Theorem};
use crate::theorems::Inputs;

/// Which original statements were left as written: those whose `Sid` (a string) matches
/// one of `sids`, globs where `*` matches any run of characters and `?` one, compared
/// case-sensitively. Every pattern must match some `Sid`, and a matched `Sid` must be on
/// one original statement only ([`VerifyError::KeepUnmatched`],
/// [`VerifyError::KeptSidRepeated`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keep {
    pub sids: Vec<String>,
}

impl Keep {
    /// Leave nothing as written.
    pub fn nothing() -> Keep {
        Keep::default()
    }

    /// The patterns that match some statement's `Sid` in `original` (a policy document):
    /// for a run over several policies, where a pattern may be about some of them only.
    pub fn matching(&self, original: &Value) -> Keep {
        let statements = statement_values(original);
        let sids: Vec<&str> = statements.iter().filter_map(|s| sid_of(s)).collect();
        Keep {
            sids: self
                .sids
                .iter()
                .filter(|p| sids.iter().any(|sid| glob_match_exact(p, sid)))
                .cloned()
                .collect(),
        }
    }
}

/// An original statement left as written.
pub(crate) struct Kept {
    /// Its index in the original's `Statement` array.
    pub original: usize,
    pub sid: String,
    /// The first pattern that selected it.
    pub pattern: String,
}

/// The statements of a document that parsed as a policy (a single-object `Statement` is
/// one statement), as written.
pub(crate) fn statement_values(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    }
}

fn sid_of(statement: &Value) -> Option<&str> {
    statement.get("Sid").and_then(Value::as_str)
}

/// The original statements `keep` selects, in order.
pub(crate) fn select(original: &[&Value], keep: &Keep) -> Result<Vec<Kept>, VerifyError> {
    for pattern in &keep.sids {
        if !original
            .iter()
            .filter_map(|s| sid_of(s))
            .any(|sid| glob_match_exact(pattern, sid))
        {
            return Err(VerifyError::KeepUnmatched {
                pattern: pattern.clone(),
            });
        }
    }
    let mut kept: Vec<Kept> = Vec::new();
    for (o, statement) in original.iter().enumerate() {
        let Some(sid) = sid_of(statement) else {
            continue;
        };
        let Some(pattern) = keep.sids.iter().find(|p| glob_match_exact(p, sid)) else {
            continue;
        };
        if let Some(first) = kept.iter().find(|k| k.sid == sid) {
            return Err(VerifyError::KeptSidRepeated {
                sid: sid.to_string(),
                first: first.original + 1,
                second: o + 1,
            });
        }
        kept.push(Kept {
            original: o,
            sid: sid.to_string(),
            pattern: pattern.clone(),
        });
    }
    Ok(kept)
}

/// JSON equality written out, for the re-check: objects compared as sets of keys, numbers
/// as written (serde_json's `arbitrary_precision` keeps their text).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_json(v, w))
        }
        (Value::Number(x), Value::Number(y)) => x.to_string() == y.to_string(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        _ => false,
    }
}

/// Each kept statement with its one identical refined statement, as (original, refined)
/// indices into `inp`'s statements; or the counterexample for the first kept statement
/// that is missing, changed or repeated, re-checked with [`same_json`] and the glob
/// matcher before it is reported.
pub(crate) fn pair_kept(
    inp: &Inputs<'_>,
    kept: &[Kept],
    original: &[&Value],
    refined: &[&Value],
) -> Result<Result<Vec<(usize, usize)>, Counterexample>, VerifyError> {
    let mut pairs = Vec::with_capacity(kept.len());
    for k in kept {
        let Some(&written) = original.get(k.original) else {
            continue;
        };
        let copies: Vec<usize> = (0..refined.len())
            .filter(|&r| refined[r] == written)
            .collect();
        if let [r] = copies.as_slice() {
            pairs.push((k.original, *r));
            continue;
        }
        let name = format!(
            "original statement {} (Sid `{}`, left as written for `{}`)",
            k.original + 1,
            k.sid,
            k.pattern
        );
        let same_sid = (0..refined.len()).find(|&r| sid_of(refined[r]) == Some(k.sid.as_str()));
        let (at, detail) = match (copies.as_slice(), same_sid) {
            ([], Some(r)) => (
                Some(r),
                format!(
                    "{name} is changed: {} has its Sid but is not the statement as written",
                    inp.refined_name(r, "")
                ),
            ),
            ([], None) => (None, format!("{name} is missing from the refined policy")),
            (many, _) => (
                many.first().copied(),
                format!(
                    "{name} appears {} times in the refined policy ({}), not once",
                    many.len(),
                    many.iter()
                        .map(|&r| inp.refined_name(r, ""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        };
        let recount = refined.iter().filter(|s| same_json(s, written)).count();
        let selected = glob_match_exact(&k.pattern, &k.sid) && sid_of(written) == Some(&k.sid);
        if recount == 1 || !selected {
            return Err(VerifyError::WitnessRejected {
                witness: k.sid.clone(),
                claim: detail,
            });
        }
        let placed = at.and_then(|r| inp.refined_at.get(r).copied());
        return Ok(Err(Counterexample {
            theorem: Theorem::KeptStatementChanged,
            refined_statement: placed.map(|(_, i)| i),
            refined_document: placed.map(|(d, _)| d),
            key: None,
            sid: Some(k.sid.clone()),
            original_statement: Some(k.original),
            action: String::new(),
            detail,
        }));
    }
    Ok(Ok(pairs))
}

#[cfg(test)]
mod tests {
    use super::same_json;
    use serde_json::json;

    #[test]
    fn json_identity_ignores_key_order_only() {
        let a: serde_json::Value = serde_json::from_str(r#"{"a": 1, "b": [1e3, "x"]}"#).unwrap();
        let b: serde_json::Value = serde_json::from_str(r#"{"b": [1e3, "x"], "a": 1}"#).unwrap();
        let c: serde_json::Value = serde_json::from_str(r#"{"b": [1000, "x"], "a": 1}"#).unwrap();
        assert!(same_json(&a, &b) && a == b);
        assert!(!same_json(&a, &c) && a != c);
        assert!(!same_json(&json!([1, 2]), &json!([2, 1])));
    }
}
