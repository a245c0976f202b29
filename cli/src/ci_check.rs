//! The proofs behind `iam-refine ci`, one policy at a time, each witness re-checked by the
//! library's concrete evaluator (`iam_refine::request`, which shares no code with the
//! prover) before anything is claimed with it.
//!
//! - **No new access**: [`Comparer::compare`] of the policy before and after, with the
//!   declared unknowns of both (`${NAME}`: one fixed but unknown value, the same on both
//!   sides, so two versions writing the same `!GetAtt Bucket.Arn` compare equal).
//! - **Deny not narrowed**: a principal's access is what any of its policies allows minus
//!   what any of them denies, so a policy's Deny statements matter beyond the policy: a
//!   Deny-only policy that loses a statement allows nothing new by itself, yet the
//!   principal may gain access through another policy. When either side has a Deny
//!   statement, the Deny statements of each side, read as Allow statements, are compared
//!   too: every request the old ones denied must still be denied. Together with the first
//!   check this is sufficient for the principal, whatever its other policies: a request it
//!   is allowed after the change is allowed by some policy and denied by none; the changed
//!   policy's Deny statements denied no more before, and an Allow of the changed policy
//!   that allows it now (with its Deny statements not matching) allowed it before.
//! - **Never grant**: [`Comparer::check_not_granted`] of a policy against each rule.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::recheck::{Claim, Recheck, Side};
use iam_refine_verify::compare::{Access, CompareOptions, Comparer, Comparison, Witness};
use iam_refine_verify::Z3Worker;

/// What a check concluded.
#[derive(Debug)]
pub enum Found {
    /// The property holds; for a comparison, `true` when the two sides are equivalent.
    Holds(bool),
    /// It fails: a witness, re-checked.
    Fails(Witness),
    /// Not decided: why.
    Unknown(Vec<String>),
}

/// A document that allows nothing (and denies nothing as an Allow reading of its Denies).
fn nothing() -> Value {
    json!({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
}

/// The Deny statements of `document` as Allow statements (`None` when it has none). A
/// document whose `Statement` is not a list or object is given back as it is: the prover
/// refuses it by name.
pub fn denies_as_allows(document: &Value) -> Option<Value> {
    let statements: Vec<&Value> = match document.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return None,
    };
    let denies: Vec<Value> = statements
        .into_iter()
        .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Deny"))
        .map(|s| {
            let mut s = s.clone();
            if let Some(o) = s.as_object_mut() {
                o.insert("Effect".into(), json!("Allow"));
            }
            s
        })
        .collect();
    if denies.is_empty() {
        return None;
    }
    let mut out = serde_json::Map::new();
    if let Some(v) = document.get("Version") {
        out.insert("Version".into(), v.clone());
    }
    out.insert("Statement".into(), Value::Array(denies));
    Some(Value::Object(out))
}

/// A document allowing every request whose action one of `document`'s Allow statements
/// allows, whatever its resource and context (its Deny statements dropped): a superset of
/// what `document` allows. `None` when an Allow statement's action part is not plain
/// strings (the full question judges it).
fn actions_only(document: &Value) -> Option<Value> {
    let statements: Vec<&Value> = match document.get("Statement")? {
        Value::Array(items) => items.iter().collect(),
        one @ Value::Object(_) => vec![one],
        _ => return None,
    };
    let mut out = Vec::new();
    for s in statements {
        if s.get("Effect")?.as_str()? != "Allow" {
            continue;
        }
        let mut wide = serde_json::Map::new();
        wide.insert("Effect".into(), json!("Allow"));
        for key in ["Action", "NotAction"] {
            if let Some(v) = s.get(key) {
                let plain = match v {
                    Value::String(t) => !t.contains("${"),
                    Value::Array(items) => items
                        .iter()
                        .all(|i| i.as_str().is_some_and(|t| !t.contains("${"))),
                    _ => false,
                };
                if !plain {
                    return None;
                }
                wide.insert(key.into(), v.clone());
            }
        }
        wide.insert("Resource".into(), json!("*"));
        out.push(Value::Object(wide));
    }
    if out.is_empty() {
        // Allows nothing.
        out.push(json!({"Effect": "Deny", "Action": "*", "Resource": "*"}));
    }
    Some(json!({ "Statement": out }))
}

/// The prover's budget and the declared unknowns.
pub struct Checker {
    comparer: Comparer,
    z3: Z3Worker,
    pub timeout: std::time::Duration,
    pub rlimit: Option<u32>,
}

impl Checker {
    pub fn new(timeout: std::time::Duration, rlimit: Option<u32>) -> Checker {
        Checker {
            comparer: Comparer::new(),
            z3: Z3Worker::new(),
            timeout,
            rlimit,
        }
    }

    fn options(&self, unknowns: &BTreeSet<String>) -> CompareOptions {
        CompareOptions {
            timeout: Some(self.timeout),
            rlimit: self.rlimit,
            unknowns: unknowns.iter().cloned().collect(),
        }
    }

    /// Does `new` allow nothing `old` denies? (`Err`: the comparison could not be made, or
    /// its witness failed a re-check.)
    pub fn no_new_access(
        &mut self,
        old: &Value,
        new: &Value,
        unknowns: &BTreeSet<String>,
    ) -> Result<Found, String> {
        let options = self.options(unknowns);
        let comparison: Comparison = self
            .comparer
            .compare(
                &mut self.z3,
                std::slice::from_ref(old),
                std::slice::from_ref(new),
                &options,
            )
            .map_err(|e| e.to_string())?;
        match (comparison.no_new_access(), comparison.new_allows) {
            (Some(false), Some(w)) => match recheck(new, Some(old), &w, unknowns)? {
                None => Ok(Found::Fails(w)),
                Some(why) => Ok(Found::Unknown(vec![why])),
            },
            (Some(true), _) => Ok(Found::Holds(
                comparison.verdict == iam_refine_verify::compare::Verdict::Equivalent,
            )),
            (_, _) => Ok(Found::Unknown(match comparison.verdict {
                iam_refine_verify::compare::Verdict::Unknown { reasons } => reasons,
                other => vec![format!("the comparison gave {other:?} without a witness")],
            })),
        }
    }

    /// Does every request `old`'s Deny statements deny stay denied by `new`'s (`new`
    /// `None`: the policy is deleted)? `Holds` when `old` has no Deny statement.
    pub fn deny_kept(
        &mut self,
        old: &Value,
        new: Option<&Value>,
        unknowns: &BTreeSet<String>,
    ) -> Result<Found, String> {
        let Some(old_denies) = denies_as_allows(old) else {
            return Ok(Found::Holds(false));
        };
        let new_denies = new.and_then(denies_as_allows).unwrap_or_else(nothing);
        // "NEW allows more" with the sides swapped: a request the old Denies match and the
        // new ones do not.
        self.no_new_access(&new_denies, &old_denies, unknowns)
    }

    /// Does `policy` grant no request for `actions` on `resources` (none: any)?
    pub fn not_granted(
        &mut self,
        policy: &Value,
        actions: &[String],
        resources: &[String],
        unknowns: &BTreeSet<String>,
    ) -> Result<Found, String> {
        // First the policy's actions alone (a document allowing at least what the policy
        // does): when even that grants none of the rule's actions, nothing is; it spares
        // the full question, whose resources may hold declared unknowns, for the
        // statements whose actions meet the rule's.
        if let Some(wider) = actions_only(policy) {
            let options = self.options(&BTreeSet::new());
            let quick = self.comparer.check_not_granted(
                &mut self.z3,
                std::slice::from_ref(&wider),
                actions,
                &[],
                &options,
            );
            if matches!(quick.map(|r| r.access), Ok(Access::NotGranted)) {
                return Ok(Found::Holds(false));
            }
        }
        let options = self.options(unknowns);
        let report = self
            .comparer
            .check_not_granted(
                &mut self.z3,
                std::slice::from_ref(policy),
                actions,
                resources,
                &options,
            )
            .map_err(|e| e.to_string())?;
        match report.access {
            Access::NotGranted => Ok(Found::Holds(false)),
            Access::Unknown { reasons } => Ok(Found::Unknown(reasons)),
            Access::Granted(w) => {
                // The rule as a policy (no `Version`: its patterns are read literally) must
                // allow the witness too: it is a request the rule is about.
                let resources: Vec<String> = if resources.is_empty() {
                    vec!["*".to_string()]
                } else {
                    resources.to_vec()
                };
                let rule = json!({"Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}]});
                if let Some(why) = recheck(&rule, None, &w, &BTreeSet::new())? {
                    return Err(format!(
                        "the prover's witness {} is not a request the rule is about: {why}",
                        w.to_json()
                    ));
                }
                match recheck(policy, None, &w, unknowns)? {
                    None => Ok(Found::Fails(w)),
                    Some(why) => Ok(Found::Unknown(vec![why])),
                }
            }
        }
    }
}

/// The library evaluator's word on a witness (`crate::recheck`, shared with `compare` and
/// `check-not-granted`): `allowing` must allow it and `denying` (if any) deny it.
/// `Ok(None)`: confirmed; `Ok(Some(why))`: the evaluator cannot decide (an undetermined
/// clause, a construct it does not model): nothing is claimed; `Err`: it disagrees, or
/// refuses what the prover read: never a verdict.
fn recheck(
    allowing: &Value,
    denying: Option<&Value>,
    w: &Witness,
    unknowns: &BTreeSet<String>,
) -> Result<Option<String>, String> {
    let allowing = Side::of_values_with_unknowns(
        "the allowing side".to_string(),
        std::slice::from_ref(allowing),
        unknowns,
    );
    let denying = denying.map(|d| {
        Side::of_values_with_unknowns("the base".to_string(), std::slice::from_ref(d), unknowns)
    });
    let mut claims = vec![(&allowing, Claim::Allowed)];
    if let Some(denying) = &denying {
        claims.push((denying, Claim::Denied));
    }
    match crate::recheck::recheck(w, &claims) {
        Ok(Recheck::Confirmed) => Ok(None),
        Ok(Recheck::Undetermined(why)) => Ok(Some(why)),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_statements_read_as_allows() {
        let doc = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
        ]});
        assert_eq!(
            denies_as_allows(&doc),
            Some(json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:DeleteBucket", "Resource": "*"}
            ]}))
        );
        let allow_only = json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}});
        assert_eq!(denies_as_allows(&allow_only), None);
    }

    fn witness(action: &str, resource: &str) -> Witness {
        Witness {
            request: iam_refine_verify::compare::Request {
                action: action.into(),
                resource: resource.into(),
                context: Default::default(),
            },
            unknowns: Default::default(),
        }
    }

    #[test]
    fn a_witness_the_library_evaluator_contradicts_is_an_error_never_a_verdict() {
        let wide = json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
        let narrow =
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]});
        let none = BTreeSet::new();
        // Confirmed: the wide policy allows it, the narrow one denies it.
        assert_eq!(
            recheck(&wide, Some(&narrow), &witness("s3:PutObject", "x"), &none),
            Ok(None)
        );
        // The base allows it too: rejected.
        let e = recheck(&wide, Some(&narrow), &witness("s3:GetObject", "x"), &none).unwrap_err();
        assert!(
            e.contains(
                "is denied by the base per the prover, but the library's evaluator decides allowed"
            ),
            "{e}"
        );
        // The allowing side does not allow it: rejected.
        let e = recheck(&narrow, None, &witness("s3:PutObject", "x"), &none).unwrap_err();
        assert!(
            e.contains("is allowed by the allowing side per the prover, but the library's evaluator decides implicitDeny"),
            "{e}"
        );
    }
}
