//! The last word on every witness the prover hands out (`compare`, `check-not-granted`):
//! the library's concrete evaluator (`iam_refine::request`, docs/semantics.md), which shares
//! no code with the prover's encoding nor with the prover's own re-check, evaluates the
//! request against each side. A side that should allow it must decide *allowed*, a side
//! that should deny it *denied*; anything else is never printed as a verdict:
//!
//! - the evaluator decides otherwise: [`RecheckError::Disagrees`], an error (exit 1) naming
//!   the request, the side and both answers: one of the two implementations is wrong;
//! - the evaluator cannot decide (an undetermined clause, a construct it does not model):
//!   [`Recheck::Undetermined`], which the commands report as Unknown (exit 4).

use std::collections::BTreeSet;

use iam_refine::request::{
    evaluate, EvalPolicy, EvalPolicyError, Outcome, Request, ValueType as LibValueType,
};
use iam_refine_verify::compare::Witness;

/// The policies of one side as the library's evaluator reads them.
pub struct Side {
    /// How messages name it: `NEW (new.json)`.
    pub label: String,
    read: Result<Vec<EvalPolicy>, Unreadable>,
}

/// Why the evaluator cannot read a side.
enum Unreadable {
    /// A construct it does not model: it cannot judge, which is no disagreement.
    NotModelled(String),
    /// It refuses a document the prover read: a disagreement.
    Refused(String),
}

impl Unreadable {
    /// Why the evaluator cannot read `source`: a construct it does not model, or a refusal.
    fn of(source: &str, e: EvalPolicyError) -> Unreadable {
        let why = format!("{source}: {e}");
        match e {
            EvalPolicyError::NotModelled { .. } => Unreadable::NotModelled(why),
            _ => Unreadable::Refused(why),
        }
    }
}

/// What the second opinion says of a witness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recheck {
    /// Every side decides as the witness claims.
    Confirmed,
    /// The evaluator cannot decide; why. Nothing is claimed.
    Undetermined(String),
}

/// A witness the library's evaluator contradicts.
#[derive(Debug, thiserror::Error)]
pub enum RecheckError {
    #[error("the prover's witness {request} is {claimed} by {side} per the prover, but the library's evaluator decides {found}: one of the two is wrong, so no verdict is given")]
    Disagrees {
        request: String,
        side: String,
        claimed: &'static str,
        found: String,
    },
    #[error(
        "the prover's witness {request} is not a request the library's evaluator reads: {message}"
    )]
    Request { request: String, message: String },
}

/// What a witness claims of one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    Allowed,
    Denied,
}

impl Claim {
    fn name(self) -> &'static str {
        match self {
            Claim::Allowed => "allowed",
            Claim::Denied => "denied",
        }
    }
}

impl Side {
    /// Reads `files` (name, text: any shape the CLI reads) with the declared `unknowns`.
    pub fn read(label: String, files: &[(String, String)], unknowns: &[String]) -> Side {
        let names: BTreeSet<String> = unknowns.iter().cloned().collect();
        let read = files
            .iter()
            .map(|(name, text)| {
                EvalPolicy::parse_text_with_unknowns(text, &names)
                    .map_err(|e| Unreadable::of(name, e))
            })
            .collect();
        Side { label, read }
    }

    /// A side of documents given as JSON values (a rule's access, written by the command).
    pub fn of_values(label: String, documents: &[serde_json::Value]) -> Side {
        Side::of_values_with_unknowns(label, documents, &BTreeSet::new())
    }

    /// A side of documents given as JSON values, with the declared `unknowns` (`ci`'s
    /// policies, read from templates and plans).
    pub fn of_values_with_unknowns(
        label: String,
        documents: &[serde_json::Value],
        unknowns: &BTreeSet<String>,
    ) -> Side {
        let read = documents
            .iter()
            .map(|d| {
                EvalPolicy::parse_with_unknowns(d, unknowns).map_err(|e| Unreadable::of(&label, e))
            })
            .collect();
        Side { label, read }
    }
}

/// The witness as the library's request (its context, and the unknowns it assumes).
pub fn to_request(witness: &Witness) -> Result<Request, RecheckError> {
    let shown = witness.to_json().to_string();
    let bad = |message: String| RecheckError::Request {
        request: shown.clone(),
        message,
    };
    let w = &witness.request;
    let mut r = Request::new(w.action.clone(), w.resource.clone());
    for (key, value) in &w.context {
        let kind = LibValueType::from_name(value.kind.name())
            .ok_or_else(|| bad(format!("type `{}`", value.kind.name())))?;
        r.insert(key.clone(), kind, value.values.clone())
            .map_err(|e| bad(e.to_string()))?;
    }
    for (name, value) in &witness.unknowns {
        r.set_unknown(name.clone(), value.clone())
            .map_err(|e| bad(e.to_string()))?;
    }
    Ok(r)
}

/// Re-checks `witness` against each side and what it claims of it.
pub fn recheck(witness: &Witness, claims: &[(&Side, Claim)]) -> Result<Recheck, RecheckError> {
    let req = to_request(witness)?;
    let shown = witness.to_json().to_string();
    let mut undetermined = Vec::new();
    for (side, claim) in claims {
        let policies = match &side.read {
            Ok(p) => p,
            Err(Unreadable::NotModelled(why)) => {
                undetermined.push(format!(
                    "the library's evaluator does not model {}: {why}",
                    side.label
                ));
                continue;
            }
            Err(Unreadable::Refused(why)) => {
                return Err(RecheckError::Disagrees {
                    request: shown,
                    side: side.label.clone(),
                    claimed: claim.name(),
                    found: format!("nothing: it refuses the policy ({why})"),
                })
            }
        };
        let decision = match evaluate(policies, &req) {
            Ok(d) => d,
            Err(e) => {
                undetermined.push(format!(
                    "the library's evaluator cannot decide {shown} for {}: {e}",
                    side.label
                ));
                continue;
            }
        };
        let agrees = match (claim, decision.outcome) {
            (_, Outcome::Undetermined) => {
                let clauses: Vec<String> = decision
                    .depends_on()
                    .iter()
                    .map(|c| {
                        format!(
                            "document {} statement {}: {}: {}",
                            c.statement.document, c.statement.statement, c.part, c.reason
                        )
                    })
                    .collect();
                undetermined.push(format!(
                    "the library's evaluator finds {shown} undetermined for {} ({})",
                    side.label,
                    clauses.join("; ")
                ));
                continue;
            }
            (Claim::Allowed, o) => o == Outcome::Allowed,
            (Claim::Denied, o) => matches!(o, Outcome::ExplicitDeny | Outcome::ImplicitDeny),
        };
        if !agrees {
            return Err(RecheckError::Disagrees {
                request: shown,
                side: side.label.clone(),
                claimed: claim.name(),
                found: decision.outcome.name().to_string(),
            });
        }
    }
    Ok(if undetermined.is_empty() {
        Recheck::Confirmed
    } else {
        Recheck::Undetermined(undetermined.join("; "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use iam_refine_verify::compare::{ContextValue, Request as ProverRequest, ValueType};
    use std::collections::BTreeMap;

    fn side(label: &str, text: &str) -> Side {
        Side::read(label.into(), &[(format!("{label}.json"), text.into())], &[])
    }

    fn witness(action: &str, resource: &str) -> Witness {
        Witness {
            request: ProverRequest {
                action: action.into(),
                resource: resource.into(),
                context: BTreeMap::new(),
            },
            unknowns: BTreeMap::new(),
        }
    }

    const READ: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#;
    const WRITE: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"}]}"#;

    #[test]
    fn a_true_witness_is_confirmed() {
        let (old, new) = (side("OLD", READ), side("NEW", WRITE));
        let w = witness("s3:PutObject", "arn:aws:s3:::b/k");
        assert_eq!(
            recheck(&w, &[(&new, Claim::Allowed), (&old, Claim::Denied)]).unwrap(),
            Recheck::Confirmed
        );
    }

    #[test]
    fn a_wrong_witness_is_an_error_naming_both_answers() {
        let (old, new) = (side("OLD", READ), side("NEW", WRITE));
        // Both sides allow it: the claim "OLD denies" is false.
        let w = witness("s3:GetObject", "arn:aws:s3:::b/k");
        let e = recheck(&w, &[(&new, Claim::Allowed), (&old, Claim::Denied)]).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("denied by OLD per the prover"), "{text}");
        assert!(text.contains("decides allowed"), "{text}");
        // Neither allows it: the claim "NEW allows" is false.
        let w = witness("s3:DeleteObject", "arn:aws:s3:::b/k");
        let e = recheck(&w, &[(&new, Claim::Allowed), (&old, Claim::Denied)]).unwrap_err();
        assert!(e.to_string().contains("decides implicitDeny"), "{e}");
    }

    #[test]
    fn an_undecided_evaluation_is_unknown_not_a_verdict() {
        // A multivalued key under a plain operator: the evaluator does not model it for
        // this request, so the witness is neither confirmed nor refuted.
        let cond = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:TagKeys": "a"}}}]}"#;
        let new = side("NEW", cond);
        let old = side("OLD", READ);
        let mut w = witness("s3:GetObject", "arn:aws:s3:::c/k");
        w.request.context.insert(
            "aws:TagKeys".into(),
            ContextValue {
                kind: ValueType::StringList,
                values: vec!["a".into(), "b".into()],
            },
        );
        match recheck(&w, &[(&new, Claim::Allowed), (&old, Claim::Denied)]) {
            Ok(Recheck::Undetermined(why)) => assert!(why.contains("NEW"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
