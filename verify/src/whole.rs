//! The policy-level theorem (issue 18), for refinements whose statements do not pair
//! (reordered, split, merged, duplicated): over whole requests (action, resource, context),
//! with the comparison prover ([`crate::compare`]),
//!
//! * **(a) nothing new, over all strings**: every request the refined documents allow, the
//!   original allows and its action is not unused: `refined ⊆ original ∧ ¬unused`;
//! * **(b) exactness over the catalog**: for every action of `D` (the catalog plus the
//!   wildcard-free names the original writes, as T1 takes them), every resource and every
//!   context, `original ∧ ¬unused ⇒ refined`.
//!
//! * **(c) the same Deny statements, in meaning**: the refined documents' `Deny` statements
//!   deny exactly the requests the original's deny (compared as `Allow` statements). A
//!   principal's policies are evaluated together, so a `Deny` that denies nothing its own
//!   policy allows may still deny what another policy allows: dropping or narrowing it is
//!   no refinement, as for the per-statement theorems.
//!
//! Together: `refined(request) ⇔ original(request) ∧ ¬unused(action)` for every request
//! whose action is in `D`, and `⊆` for every other string (actions AWS adds later may be
//! lost, as T2 allows, never gained) — what the per-statement theorems T1, T2, T3 and the
//! Deny checks give, without asking statements to pair.
//!
//! Both are comparisons of policy sets. "Unused" is an action language, written as a
//! `Deny` statement added to the original's side:
//!
//! * for (a), `Deny` of the unused names and of `service:*` for each wholly unused service.
//!   With `keep` patterns this is *more* than the unused language (kept strings are denied
//!   too), so the original's side allows less: a proof that the refined documents allow
//!   nothing more is still a proof (sound), though one may be missed;
//! * for (b), both sides are first restricted to the names of `D` that some original
//!   `Allow` statement's action part matches (a `Deny` with `NotAction` of them, added to
//!   both sides; every other name of `D` the original denies, and (a) makes the refined
//!   documents deny it too), and the unused names among them are denied on the original's
//!   side, by name: exact on that domain. Only names without `*` or `?` are written this
//!   way (a name with one would be read as a pattern): otherwise (b) is not attempted.
//!
//! The verdict is Proved when (c) and (a) hold and the restricted sides are equivalent;
//! anything else (a witness, Unknown, an input the comparison refuses) is
//! [`Whole::NotProved`] with the reason: the caller keeps its per-statement verdict.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::catalog::Catalog;
use crate::compare::{CompareOptions, Comparer, Verdict as Relation};
use crate::error::{Document, VerifyError};
use crate::policy::{self, Effect};
use crate::unused::UnusedSet;
use crate::{Keep, Options, Prover, Report, Theorem, Unused, Verdict, Z3Worker};

/// The outcome of [`Prover::verify_whole_requests`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Whole {
    /// `refined ⇔ original ∧ ¬unused` over the catalog, `⊆` over all strings.
    Proved {
        /// Distinct names of `D` (as [`crate::Report::catalog_actions`]).
        catalog_actions: usize,
        /// Solver queries of both comparisons.
        queries: usize,
        elapsed: Duration,
    },
    /// Not proved (refuted, undecided, or out of the comparison's scope); why.
    NotProved { reason: String },
}

impl Prover {
    /// [`Prover::verify_documents_keeping`], and when it refutes the refinement only by a
    /// per-statement theorem (statements that do not pair, T1, T2, T3, a Deny changed or
    /// removed, a statement dropped) and no statement is kept as written, the policy-level
    /// theorem ([`Prover::verify_whole_requests`]): proved there, the verdict is
    /// [`Verdict::Proved`] with [`Report::whole_requests`] set; otherwise the per-statement
    /// counterexample stands. What the per-statement theorems prove costs nothing more.
    ///
    /// # Errors
    ///
    /// As [`Prover::verify_documents_keeping`].
    pub fn verify_documents_or_whole(
        &self,
        worker: &mut Z3Worker,
        original: &Value,
        refined: &[Value],
        unused: &Unused,
        keep: &Keep,
        options: &Options,
    ) -> Result<Report, VerifyError> {
        let start = Instant::now();
        let report =
            self.verify_documents_keeping(worker, original, refined, unused, keep, options)?;
        let Verdict::Counterexample(cx) = &report.verdict else {
            return Ok(report);
        };
        if !keep.sids.is_empty()
            || matches!(
                cx.theorem,
                Theorem::TopLevelKey | Theorem::KeptStatementChanged
            )
        {
            return Ok(report);
        }
        let left = Options {
            timeout: options.timeout.map(|t| t.saturating_sub(start.elapsed())),
            rlimit: options.rlimit,
        };
        Ok(
            match self.verify_whole_requests(worker, original, refined, unused, &left)? {
                Whole::Proved {
                    catalog_actions,
                    queries,
                    ..
                } => Report {
                    verdict: Verdict::Proved,
                    catalog_actions,
                    queries: report.queries + queries,
                    elapsed: start.elapsed(),
                    whole_requests: true,
                },
                Whole::NotProved { .. } => Report {
                    elapsed: start.elapsed(),
                    ..report
                },
            },
        )
    }

    /// Proves the policy-level theorem (module `whole`): `refined`, the documents that
    /// together replace `original`, allow exactly what `original` allows minus the unused
    /// actions, over whole requests, however their statements are arranged. For when
    /// [`Prover::verify_documents`] refutes a refinement only because its statements do not
    /// pair. `options` bounds both comparisons together.
    ///
    /// # Errors
    ///
    /// [`VerifyError`] when `original` or `unused` cannot be read; anything the comparison
    /// refuses is [`Whole::NotProved`].
    pub fn verify_whole_requests(
        &self,
        worker: &mut Z3Worker,
        original: &Value,
        refined: &[Value],
        unused: &Unused,
        options: &Options,
    ) -> Result<Whole, VerifyError> {
        let start = Instant::now();
        let statements = policy::parse_document(original, Document::Original)?.statements;
        let unused_set = UnusedSet::new(unused)?;
        let catalog = Catalog::new(&self.catalog, &statements);
        let not_proved = |reason: String| Ok(Whole::NotProved { reason });
        if refined.is_empty() {
            return not_proved("no refined document".to_string());
        }
        let allows: Vec<_> = statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .collect();
        let domain: Vec<&str> = catalog
            .iter()
            .filter(|x| allows.iter().any(|s| s.matches(x)))
            .collect();
        if domain.iter().any(|x| x.contains(['*', '?'])) {
            return not_proved("a catalog name holds `*` or `?`".to_string());
        }
        let remaining = |spent: Duration| CompareOptions {
            timeout: options.timeout.map(|t| t.saturating_sub(spent)),
            rlimit: options.rlimit,
            unknowns: Vec::new(),
        };
        let comparer = Comparer::new();
        // (c) the same Deny language: a Deny also denies what the principal's other
        // policies allow, so "it denies nothing this policy allows" is no reason to drop it.
        let (old_d, new_d) = (denies(std::slice::from_ref(original)), denies(refined));
        match (old_d.is_empty(), new_d.is_empty()) {
            (true, true) => {}
            (false, false) => {
                let c = match comparer.compare(worker, &old_d, &new_d, &remaining(start.elapsed())) {
                    Ok(c) => c,
                    Err(e) => {
                        return not_proved(format!("the comparison refuses the documents: {e}"))
                    }
                };
                if c.verdict != Relation::Equivalent {
                    return not_proved(format!(
                        "the Deny statements do not deny the same requests: {:?}",
                        c.verdict
                    ));
                }
            }
            _ => {
                return not_proved(
                    "Deny statements are added or removed (the principal's other policies may depend on them)"
                        .to_string(),
                )
            }
        }
        // (a) refined ⊆ original ∧ ¬unused, over all strings.
        let mut over: Vec<String> = unused.actions.clone();
        over.extend(unused.services.iter().map(|s| format!("{s}:*")));
        let mut old_a = vec![original.clone()];
        if !over.is_empty() {
            old_a.push(deny(json!({"Action": over})));
        }
        let a = match comparer.compare(worker, &old_a, refined, &remaining(start.elapsed())) {
            Ok(c) => c,
            Err(e) => return not_proved(format!("the comparison refuses the documents: {e}")),
        };
        match &a.verdict {
            Relation::Equivalent | Relation::NoNewAccess => {}
            Relation::Unknown { reasons } if a.new_allows.is_none() => {
                return not_proved(format!(
                    "whether the refined documents allow more is unknown: {}",
                    reasons.join("; ")
                ))
            }
            _ => {
                let w = a.new_allows.as_ref().map(|w| w.to_json().to_string());
                return not_proved(format!(
                    "the refined documents allow a request the original minus the unused does not: {}",
                    w.unwrap_or_default()
                ));
            }
        }
        // (b) on the names of D the original may allow: original ∧ ¬unused ⇔ refined.
        let restrict = if domain.is_empty() {
            deny(json!({"Action": "*"}))
        } else {
            deny(json!({ "NotAction": domain }))
        };
        let gone: Vec<&str> = domain
            .iter()
            .copied()
            .filter(|x| unused_set.contains(x))
            .collect();
        let mut old_b = vec![original.clone(), restrict.clone()];
        if !gone.is_empty() {
            old_b.push(deny(json!({ "Action": gone })));
        }
        let mut new_b = refined.to_vec();
        new_b.push(restrict);
        let b = match comparer.compare(worker, &old_b, &new_b, &remaining(start.elapsed())) {
            Ok(c) => c,
            Err(e) => return not_proved(format!("the comparison refuses the documents: {e}")),
        };
        match &b.verdict {
            // Only "the original minus the unused allows nothing the refined documents
            // deny" is asked here; the other direction is (a).
            Relation::Equivalent | Relation::NewAllowsMore => Ok(Whole::Proved {
                catalog_actions: catalog.total(),
                queries: a.queries + b.queries,
                elapsed: start.elapsed(),
            }),
            Relation::Unknown { reasons } => not_proved(format!(
                "whether the refined documents keep every used catalog action is unknown: {}",
                reasons.join("; ")
            )),
            _ => {
                let w = b.old_allows.as_ref().map(|w| w.to_json().to_string());
                not_proved(format!(
                    "the refined documents deny a request for a used catalog action the original allows: {}",
                    w.unwrap_or_default()
                ))
            }
        }
    }
}

/// The `Deny` statements of `documents` as `Allow` statements, each document's kept with its
/// `Version` (which decides whether `${...}` is a variable); documents without one left out.
fn denies(documents: &[Value]) -> Vec<Value> {
    documents
        .iter()
        .filter_map(|doc| {
            let statements: Vec<Value> = match doc.get("Statement") {
                Some(Value::Array(items)) => items.clone(),
                Some(one @ Value::Object(_)) => vec![one.clone()],
                _ => Vec::new(),
            };
            let flipped: Vec<Value> = statements
                .into_iter()
                .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Deny"))
                .map(|mut s| {
                    s["Effect"] = json!("Allow");
                    s
                })
                .collect();
            if flipped.is_empty() {
                return None;
            }
            let mut out = json!({ "Statement": flipped });
            if let Some(v) = doc.get("Version") {
                out["Version"] = v.clone();
            }
            Some(out)
        })
        .collect()
}

/// A `Deny` statement on every resource, in a document of its own.
fn deny(action: Value) -> Value {
    let mut statement = json!({"Effect": "Deny", "Resource": "*"});
    if let (Some(s), Some(a)) = (statement.as_object_mut(), action.as_object()) {
        s.extend(a.clone());
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}
