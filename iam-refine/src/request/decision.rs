//! The decision (`docs/semantics.md` §2): a request is allowed when some `Allow` statement
//! of any document matches it and no `Deny` statement does. AWS
//! ([policy evaluation logic](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)):
//! "An explicit deny in any policy overrides any allows", and "By default, all requests
//! are implicitly denied".
//!
//! Three-valued (the spec's "Undetermined outcomes"): a statement may match or not
//! depending on open clauses (`open.rs`): clauses AWS's documentation does not decide
//! (U1 to U4) and clauses not modelled for this request. A decision that holds whichever
//! way each goes is reported as such (`solve.rs` decides it); otherwise the outcome is
//! [`Outcome::Undetermined`], naming the clauses it depends on, unless one of those is not
//! modelled: then the evaluation is an error ([`EvalError`]), as a construct not modelled
//! is an error wherever it could change the decision.

use std::collections::{BTreeMap, HashMap};

use crate::policy::Effect;

use super::context::Request;
use super::error::EvalError;
use super::open::{OpenClause, Verdict};
use super::solve::{term_holds, Formula, Lit, Term};
use super::statement::{EvalPolicy, Match, OpenKey};
use super::variables::Env;

/// What IAM decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Some `Allow` statement matches and no `Deny` does, whichever way the open clauses
    /// go.
    Allowed,
    /// Some `Deny` statement matches, whichever way the open clauses go.
    ExplicitDeny,
    /// Denied whichever way the open clauses go, and not always by a `Deny` statement: no
    /// `Allow` statement matches (or every one that may is met by a `Deny` that may). A
    /// `Deny` whose match is open cannot change that; it is listed in
    /// [`Decision::open`].
    ImplicitDeny,
    /// Allowed for some ways the undetermined clauses may go and denied for others: nothing
    /// is claimed. [`Decision::depends_on`] names the clauses.
    Undetermined,
}

impl Outcome {
    /// `allowed`, `explicitDeny`, `implicitDeny`, `undetermined`: the JSON spelling.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::ExplicitDeny => "explicitDeny",
            Outcome::ImplicitDeny => "implicitDeny",
            Outcome::Undetermined => "undetermined",
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

/// The decision for one request, and the statements and clauses behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Allowed, explicitly denied, implicitly denied, or undetermined.
    pub outcome: Outcome,
    /// Every statement that matches the request for sure, `Allow` and `Deny`, in document
    /// order.
    pub matched: Vec<StatementRef>,
    /// The open clauses of statements whose match depends on them (undetermined by a rule,
    /// or not modelled for this request), in document order; [`OpenClause::decisive`] marks
    /// those the decision depends on.
    pub open: Vec<OpenClause>,
}

impl Decision {
    /// Allowed, whichever way the open clauses go.
    #[must_use]
    pub fn is_allowed(&self) -> bool {
        self.outcome == Outcome::Allowed
    }

    /// Denied (explicitly or implicitly), whichever way the open clauses go. Not the same
    /// as `!is_allowed()`: an undetermined decision is neither.
    #[must_use]
    pub fn is_denied(&self) -> bool {
        matches!(self.outcome, Outcome::ExplicitDeny | Outcome::ImplicitDeny)
    }

    /// The statements that decided: the matching `Deny` statements of an explicit deny,
    /// the matching `Allow` statements of an allow, none for an implicit deny or an
    /// undetermined decision. (An explicit deny that holds only because, whichever way an
    /// open clause goes, one of two `Deny` statements matches has none either.)
    #[must_use]
    pub fn deciding(&self) -> Vec<&StatementRef> {
        let effect = match self.outcome {
            Outcome::Allowed => Effect::Allow,
            Outcome::ExplicitDeny => Effect::Deny,
            Outcome::ImplicitDeny | Outcome::Undetermined => return Vec::new(),
        };
        self.matched.iter().filter(|s| s.effect == effect).collect()
    }

    /// The clauses an undetermined decision depends on (none when it is determined).
    #[must_use]
    pub fn depends_on(&self) -> Vec<&OpenClause> {
        self.open.iter().filter(|c| c.decisive).collect()
    }

    /// Allowed, denied, or undetermined with the clauses it depends on: what a witness is
    /// re-checked against.
    #[must_use]
    pub fn verdict(&self) -> Verdict {
        match self.outcome {
            Outcome::Allowed => Verdict::Allowed,
            Outcome::ExplicitDeny | Outcome::ImplicitDeny => Verdict::Denied,
            Outcome::Undetermined => {
                Verdict::Undetermined(self.depends_on().into_iter().cloned().collect())
            }
        }
    }
}

/// Evaluates a request against a set of identity-based policies (the policies of one
/// principal), giving each declared unknown of the policies the value the request assumes
/// for it ([`Request::unknowns`]).
///
/// # Errors
///
/// [`EvalError`] when the decision depends on a clause that is not modelled for this
/// request (a plain operator on a multivalued key, a multivalued key as a policy variable,
/// a declared unknown without a value). A decision that depends only on clauses
/// undetermined by the spec's rules is no error: it is [`Outcome::Undetermined`].
pub fn evaluate(policies: &[EvalPolicy], request: &Request) -> Result<Decision, EvalError> {
    evaluate_with_unknowns(policies, request, request.unknowns())
}

/// [`evaluate`] with `unknowns` as the values of the declared unknowns (`docs/semantics.md`
/// §7) of policies read by [`EvalPolicy::parse_with_unknowns`], in place of those the
/// request carries.
///
/// # Errors
///
/// As [`evaluate`]; [`EvalError::NoUnknownValue`] when the decision depends on an unknown
/// without a value.
pub fn evaluate_with_unknowns(
    policies: &[EvalPolicy],
    request: &Request,
    unknowns: &BTreeMap<String, String>,
) -> Result<Decision, EvalError> {
    let env = Env { request, unknowns };
    let judged = Judged::new(policies, env);
    let solution = judged.formula.solve();
    let mut open = Vec::new();
    for (at, items) in &judged.open {
        for (item, var) in items {
            open.push(OpenClause {
                statement: at.clone(),
                part: item.part.clone(),
                reason: item.reason.clone(),
                decisive: solution.decisive.get(*var).copied().unwrap_or(false),
            });
        }
    }
    if let Some(error) = open.iter().filter(|c| c.decisive).find_map(|c| {
        EvalError::from_reason(&c.reason, c.statement.document, c.statement.statement)
    }) {
        return Err(error);
    }
    Ok(Decision {
        outcome: solution.outcome,
        matched: judged.sure,
        open,
    })
}

/// [`evaluate`] two-valued: each open clause is taken to hold or not as `choose` says (once
/// per distinct clause: the same clause text in several statements is asked once), so the
/// decision is always determined and nothing is an error. For the property tests, and to
/// ask "what if AWS decides this clause so". The clauses passed have `decisive` false.
pub fn evaluate_choosing(
    policies: &[EvalPolicy],
    request: &Request,
    choose: &mut dyn FnMut(&OpenClause) -> bool,
) -> Decision {
    let env = Env {
        request,
        unknowns: request.unknowns(),
    };
    let judged = Judged::new(policies, env);
    let mut values = vec![None; judged.formula.vars];
    for (at, items) in &judged.open {
        for (item, var) in items {
            if let Some(slot) = values.get_mut(*var) {
                if slot.is_none() {
                    *slot = Some(choose(&OpenClause {
                        statement: at.clone(),
                        part: item.part.clone(),
                        reason: item.reason.clone(),
                        decisive: false,
                    }));
                }
            }
        }
    }
    let value = |v: usize| values.get(v).copied().flatten().unwrap_or(false);
    let (allowed, explicit) = judged.formula.eval(&value);
    let mut matched = judged.sure;
    for (at, term) in &judged.terms {
        if term_holds(term, &value) {
            matched.push(at.clone());
        }
    }
    matched.sort_by_key(|s| (s.document, s.statement));
    let outcome = match (allowed, explicit) {
        (true, _) => Outcome::Allowed,
        (false, true) => Outcome::ExplicitDeny,
        (false, false) => Outcome::ImplicitDeny,
    };
    Decision {
        outcome,
        matched,
        open: Vec::new(),
    }
}

/// Every statement judged for one request.
struct Judged {
    /// The statements that match for sure.
    sure: Vec<StatementRef>,
    /// Per open statement, its open clauses with their Boolean.
    open: Vec<(StatementRef, Vec<(super::statement::Item, usize)>)>,
    /// Per open statement, its term.
    terms: Vec<(StatementRef, Term)>,
    formula: Formula,
}

impl Judged {
    fn new(policies: &[EvalPolicy], env: Env<'_>) -> Judged {
        let mut judged = Judged {
            sure: Vec::new(),
            open: Vec::new(),
            terms: Vec::new(),
            formula: Formula::default(),
        };
        let mut vars: HashMap<OpenKey, usize> = HashMap::new();
        for (d, policy) in policies.iter().enumerate() {
            for s in &policy.statements {
                let at = StatementRef {
                    document: d + 1,
                    statement: s.number,
                    sid: s.sid.clone(),
                    effect: s.effect,
                };
                match s.matches(env) {
                    Match::No => {}
                    Match::Yes => {
                        match s.effect {
                            Effect::Allow => judged.formula.allow_sure = true,
                            Effect::Deny => judged.formula.deny_sure = true,
                        }
                        judged.sure.push(at);
                    }
                    Match::Open { items, factors } => {
                        let ids: Vec<usize> = items
                            .iter()
                            .map(|item| {
                                let next = vars.len();
                                *vars.entry(item.key.clone()).or_insert(next)
                            })
                            .collect();
                        let term: Term = factors
                            .iter()
                            .map(|f| {
                                f.iter()
                                    .filter_map(|&(i, positive)| ids.get(i).map(|&v| (v, positive)))
                                    .collect::<Vec<Lit>>()
                            })
                            .collect();
                        match s.effect {
                            Effect::Allow => judged.formula.allow.push(term.clone()),
                            Effect::Deny => judged.formula.deny.push(term.clone()),
                        }
                        judged.terms.push((at.clone(), term));
                        judged.open.push((at, items.into_iter().zip(ids).collect()));
                    }
                }
            }
        }
        judged.formula.vars = vars.len();
        judged
    }
}
