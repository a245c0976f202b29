//! The evaluator's errors: [`EvalPolicyError`] when a policy is read (its shape, what is
//! out of scope, what is not modelled), and [`EvalError`] when a request is evaluated (a
//! construct that is not modelled for that request). Statement and document numbers count
//! from 1.

use crate::policy::PolicyError;

use super::open::Reason;
use super::variables::Unresolved;

/// Why a policy document cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalPolicyError {
    /// The text is not JSON, or is in no shape the AWS CLI prints a policy in.
    #[error(transparent)]
    Document(#[from] PolicyError),
    /// Not an object with `Statement`.
    #[error("expected an IAM policy document (an object with `Statement`), found {found}")]
    NotAPolicy {
        /// What was found, described.
        found: String,
    },
    /// A `Version` other than `2012-10-17` and `2008-10-17`.
    #[error("`Version` must be \"2012-10-17\" or \"2008-10-17\", found {found}")]
    Version {
        /// The value found, described.
        found: String,
    },
    /// `Statement` is neither an object nor an array.
    #[error("`Statement` must be an object or an array of objects, found {found}")]
    StatementType {
        /// What it is.
        found: String,
    },
    /// `Statement` is an empty array.
    #[error("the policy has no statement")]
    NoStatement,
    /// A statement that is not an object.
    #[error("statement {statement}: expected an object, found {found}")]
    StatementNotObject {
        /// The statement's number.
        statement: usize,
        /// What it is.
        found: String,
    },
    /// A statement without `Effect`.
    #[error("statement {statement}: `Effect` is missing")]
    MissingEffect {
        /// The statement's number.
        statement: usize,
    },
    /// An `Effect` other than `Allow` or `Deny` (case-sensitive).
    #[error("statement {statement}: Effect must be Allow or Deny, found {found}")]
    Effect {
        /// The statement's number.
        statement: usize,
        /// The value found, described.
        found: String,
    },
    /// Neither of a pair (`Action`/`NotAction`, `Resource`/`NotResource`), which an
    /// identity-based policy requires one of.
    #[error("statement {statement}: needs `{first}` or `{second}`")]
    Missing {
        /// The statement's number.
        statement: usize,
        /// `Action` or `Resource`.
        first: &'static str,
        /// `NotAction` or `NotResource`.
        second: &'static str,
    },
    /// Both of a pair.
    #[error("statement {statement}: has both `{first}` and `{second}`")]
    Both {
        /// The statement's number.
        statement: usize,
        /// `Action` or `Resource`.
        first: &'static str,
        /// `NotAction` or `NotResource`.
        second: &'static str,
    },
    /// An `Action`, `NotAction`, `Resource` or `NotResource` that is not a string or an
    /// array of strings.
    #[error(
        "statement {statement}: `{key}` must be a string or an array of strings, found {found}"
    )]
    ListType {
        /// The statement's number.
        statement: usize,
        /// The key.
        key: &'static str,
        /// What it is, described.
        found: String,
    },
    /// `Principal` or `NotPrincipal`: a resource-based policy, out of scope.
    #[error("statement {statement}: has `{key}`: a resource-based policy, which is not evaluated (identity-based policies only)")]
    ResourceBased {
        /// The statement's number.
        statement: usize,
        /// `Principal` or `NotPrincipal`.
        key: &'static str,
    },
    /// A `Condition` of the wrong shape.
    #[error("statement {statement}: {problem}")]
    Condition {
        /// The statement's number.
        statement: usize,
        /// What is wrong, quoting it.
        problem: String,
    },
    /// A construct the evaluator does not model (an unknown operator, a policy value that
    /// does not parse for its operator, a declared unknown where unknowns are not
    /// modelled): never evaluated, never guessed.
    #[error("statement {statement}: not modelled: {what}")]
    NotModelled {
        /// The statement's number.
        statement: usize,
        /// What, quoting it.
        what: String,
    },
}

/// Why a request could not be evaluated: a construct not modelled for it, on which the
/// decision depends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A construct that is not modelled for this request (a plain operator on a
    /// multivalued key, a multivalued key as a policy variable), in a statement whose
    /// outcome could change the decision.
    #[error("document {document}, statement {statement}: not modelled: {what}")]
    NotModelled {
        /// The document's number, in the order given.
        document: usize,
        /// The statement's number.
        statement: usize,
        /// What, quoting it.
        what: String,
    },
    /// A declared unknown that the policies use and no value was given for.
    #[error("document {document}, statement {statement}: no value given for the declared unknown `{name}`")]
    NoUnknownValue {
        /// The document's number.
        document: usize,
        /// The statement's number.
        statement: usize,
        /// The unknown's name.
        name: String,
    },
}

impl EvalError {
    /// The error for a clause that is not modelled for a request (or lacks an unknown's
    /// value), when the decision depends on it. `None` for a clause undetermined by a rule,
    /// which is no error.
    pub(crate) fn from_reason(
        reason: &Reason,
        document: usize,
        statement: usize,
    ) -> Option<EvalError> {
        match reason {
            Reason::NotModelled { what } => Some(EvalError::NotModelled {
                document,
                statement,
                what: what.clone(),
            }),
            Reason::NoUnknownValue { name } => Some(EvalError::NoUnknownValue {
                document,
                statement,
                name: name.clone(),
            }),
            Reason::Undetermined { .. } => None,
        }
    }
}

impl From<Unresolved> for Reason {
    fn from(u: Unresolved) -> Reason {
        match u {
            Unresolved::MultiValued(key) => Reason::NotModelled {
                what: format!(
                    "the multivalued key `{key}` is used as a policy variable (AWS: \"you can't use multivalued context keys as policy variables\")"
                ),
            },
            Unresolved::NoValue(name) => Reason::NoUnknownValue { name },
            Unresolved::NotArn(text) => Reason::NotModelled {
                what: format!(
                    "the `Arn...` value `{text}` has fewer than six `:`-separated components once its variables are substituted"
                ),
            },
        }
    }
}
