//! A prover's counterexample re-checked by the brute-force model: the witness really is
//! allowed, denied or unused as the counterexample claims, by the model's own glob and the
//! documents as plain JSON (nothing of the prover or the refiner is used).

use iam_refine_verify::{Counterexample, Theorem};
use serde_json::Value;

use crate::document::{is_allow, is_deny, statement_matches, statements};
use crate::universe::Model;
use crate::unused::UnusedSet;

/// `Ok` when the model confirms the counterexample's claim about its witness; `Err` says
/// which part of the claim the model refutes.
///
/// `model` is the case's universe (the catalog plus the names the case knows): exactness
/// and dropped-statement witnesses must be in it, as T1 is over those names only.
pub fn confirm(
    model: &Model,
    original: &Value,
    refined: &Value,
    unused: &UnusedSet,
    cx: &Counterexample,
) -> Result<(), String> {
    let originals = statements(original);
    let refineds = statements(refined);
    let x = cx.action.as_str();
    let get = |list: &[Value], i: Option<usize>, which: &str| -> Result<Value, String> {
        let i = i.ok_or_else(|| format!("no {which} statement named"))?;
        list.get(i)
            .cloned()
            .ok_or_else(|| format!("{which} statement {i} does not exist"))
    };
    let claim = |ok: bool, what: &str| {
        if ok {
            Ok(())
        } else {
            Err(format!("the model refutes `{x}`: {what}"))
        }
    };
    let in_universe = || model.position(x).is_some();
    match cx.theorem {
        Theorem::NoUnused => {
            let r = get(&refineds, cx.refined_statement, "refined")?;
            claim(is_allow(&r), "its refined statement is not an Allow")?;
            claim(
                statement_matches(&r, x),
                "the refined statement does not allow it",
            )?;
            claim(unused.contains(x), "it is not unused")
        }
        Theorem::Exactness => {
            let o = get(&originals, cx.original_statement, "original")?;
            let r = get(&refineds, cx.refined_statement, "refined")?;
            claim(
                in_universe(),
                "it is neither a catalog name nor written in the policy",
            )?;
            let want = statement_matches(&o, x) && !unused.contains(x);
            claim(
                statement_matches(&r, x) != want,
                "the refined statement allows it exactly when it should",
            )
        }
        Theorem::Containment => {
            let o = get(&originals, cx.original_statement, "original")?;
            let r = get(&refineds, cx.refined_statement, "refined")?;
            claim(
                statement_matches(&r, x),
                "the refined statement does not allow it",
            )?;
            claim(
                !statement_matches(&o, x),
                "the original statement allows it",
            )
        }
        Theorem::DenyChanged => {
            let o = get(&originals, cx.original_statement, "original")?;
            let r = get(&refineds, cx.refined_statement, "refined")?;
            claim(
                is_deny(&o) && is_deny(&r),
                "the statements are not both Deny",
            )?;
            claim(
                statement_matches(&o, x) != statement_matches(&r, x),
                "both Deny statements match it alike",
            )
        }
        Theorem::DenyRemoved => {
            let o = get(&originals, cx.original_statement, "original")?;
            claim(is_deny(&o), "the original statement is not a Deny")?;
            claim(
                statement_matches(&o, x),
                "the original Deny does not match it",
            )
        }
        Theorem::StatementDropped => {
            let o = get(&originals, cx.original_statement, "original")?;
            claim(is_allow(&o), "the original statement is not an Allow")?;
            claim(
                in_universe(),
                "it is neither a catalog name nor written in the policy",
            )?;
            claim(
                statement_matches(&o, x),
                "the original statement does not allow it",
            )?;
            claim(!unused.contains(x), "it is unused")
        }
        Theorem::Unpaired => {
            let r = get(&refineds, cx.refined_statement, "refined")?;
            claim(
                statement_matches(&r, x),
                "the unpaired statement does not match it",
            )
        }
        Theorem::TopLevelKey => {
            let key = cx
                .key
                .as_deref()
                .ok_or("a top-level key counterexample names no key")?;
            let value = |doc: &Value| doc.get(key).cloned();
            let changed = match cx.refined_document {
                None | Some(0) => value(original) != value(refined),
                Some(_) => return Err("one refined document, but another is named".into()),
            };
            if changed {
                Ok(())
            } else {
                Err(format!(
                    "the model refutes key `{key}`: it is equal in both documents"
                ))
            }
        }
        #[allow(unreachable_patterns)] // theorems the prover may add later
        other => Err(format!("no model check for {other}")),
    }
}
