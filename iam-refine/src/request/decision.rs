//! The decision (`docs/semantics.md` §2): a request is allowed when some `Allow` statement
//! of any document matches it and no `Deny` statement does. AWS
//! ([policy evaluation logic](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)):
//! "An explicit deny in any policy overrides any allows", and "By default, all requests
//! are implicitly denied".
//!
//! A statement that cannot be judged for this request (not modelled) is an error only when
//! its outcome could change the decision: when no `Deny` matches for sure, an undecided
//! `Deny` is an error; when no `Allow` matches for sure, an undecided `Allow` is. Otherwise
//! it is reported in [`Decision::undecided`].

use std::collections::BTreeMap;

use crate::policy::Effect;

use super::context::Request;
use super::error::EvalError;
use super::statement::EvalPolicy;
use super::variables::Env;

/// What IAM decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Some `Allow` statement matches and no `Deny` does.
    Allowed,
    /// Some `Deny` statement matches.
    ExplicitDeny,
    /// No `Allow` statement matches, and no `Deny`: denied by default.
    ImplicitDeny,
}

impl Outcome {
    /// `allowed`, `explicitDeny`, `implicitDeny`: the JSON spelling.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::ExplicitDeny => "explicitDeny",
            Outcome::ImplicitDeny => "implicitDeny",
        }
    }
}

/// A statement, located: which document (in the order given) and which statement of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    /// The document's number, from 1.
    pub document: usize,
    /// The statement's number in its document, from 1.
    pub statement: usize,
    /// Its `Sid`, if it has one (as written; not a string: its JSON text).
    pub sid: Option<String>,
    /// Its effect.
    pub effect: Effect,
}

/// The decision for one request, and the statements behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Allowed, explicitly denied, or implicitly denied.
    pub outcome: Outcome,
    /// Every statement that matches the request, `Allow` and `Deny`, in document order.
    pub matched: Vec<StatementRef>,
    /// Statements that could not be judged for this request but cannot change the
    /// decision, with why.
    pub undecided: Vec<(StatementRef, EvalError)>,
}

impl Decision {
    /// Allowed?
    #[must_use]
    pub fn is_allowed(&self) -> bool {
        self.outcome == Outcome::Allowed
    }

    /// The statements that decided: the matching `Deny` statements of an explicit deny,
    /// the matching `Allow` statements of an allow, none for an implicit deny.
    #[must_use]
    pub fn deciding(&self) -> Vec<&StatementRef> {
        let effect = match self.outcome {
            Outcome::Allowed => Effect::Allow,
            Outcome::ExplicitDeny => Effect::Deny,
            Outcome::ImplicitDeny => return Vec::new(),
        };
        self.matched.iter().filter(|s| s.effect == effect).collect()
    }
}

/// Evaluates a request against a set of identity-based policies (the policies of one
/// principal).
///
/// # Errors
///
/// [`EvalError`] when a statement that could change the decision cannot be judged for this
/// request (a plain operator on a multivalued key, a multivalued key as a policy
/// variable).
pub fn evaluate(policies: &[EvalPolicy], request: &Request) -> Result<Decision, EvalError> {
    evaluate_with_unknowns(policies, request, &BTreeMap::new())
}

/// [`evaluate`] with a value for each declared unknown (`docs/semantics.md` §7) of policies
/// read by [`EvalPolicy::parse_with_unknowns`].
///
/// # Errors
///
/// As [`evaluate`], and [`EvalError::NoUnknownValue`] when a statement that could change
/// the decision uses an unknown without a value.
pub fn evaluate_with_unknowns(
    policies: &[EvalPolicy],
    request: &Request,
    unknowns: &BTreeMap<String, String>,
) -> Result<Decision, EvalError> {
    let env = Env { request, unknowns };
    let mut matched = Vec::new();
    let mut undecided: Vec<(StatementRef, EvalError)> = Vec::new();
    for (d, policy) in policies.iter().enumerate() {
        for s in &policy.statements {
            let at = StatementRef {
                document: d + 1,
                statement: s.number,
                sid: s.sid.clone(),
                effect: s.effect,
            };
            match s.matches(env) {
                Ok(true) => matched.push(at),
                Ok(false) => {}
                Err(problem) => {
                    let error = problem.at(d + 1, s.number);
                    undecided.push((at, error));
                }
            }
        }
    }
    let any = |effect: Effect| matched.iter().any(|s| s.effect == effect);
    let first_undecided = |effect: Effect| {
        undecided
            .iter()
            .find(|(s, _)| s.effect == effect)
            .map(|(_, e)| e.clone())
    };
    let outcome = if any(Effect::Deny) {
        Outcome::ExplicitDeny
    } else if let Some(e) = first_undecided(Effect::Deny) {
        return Err(e);
    } else if any(Effect::Allow) {
        Outcome::Allowed
    } else if let Some(e) = first_undecided(Effect::Allow) {
        return Err(e);
    } else {
        Outcome::ImplicitDeny
    };
    Ok(Decision {
        outcome,
        matched,
        undecided,
    })
}
