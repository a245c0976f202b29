//! The concrete evaluator: one request against a set of identity-based policies, by direct
//! computation, following [`docs/semantics.md`](https://github.com/iam-refine/iam-refine/blob/main/docs/semantics.md),
//! the specification it shares with the symbolic encoding of `iam-refine-verify` (and
//! nothing else: one bug cannot hide in both). It is the oracle of the property tests, the
//! re-check of every witness the prover prints, and `iam-refine simulate`.
//!
//! ```
//! use iam_refine::request::{evaluate, EvalPolicy, Outcome, Request, ValueType};
//!
//! let allow = EvalPolicy::parse(&serde_json::json!({"Version": "2012-10-17", "Statement": [
//!     {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
//!     {"Sid": "NoTags", "Effect": "Deny", "Action": "s3:PutObjectTagging", "Resource": "*",
//!      "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": "secret*"}}}]}))?;
//! let request = Request::new("s3:PutObjectTagging", "arn:aws:s3:::b/k")
//!     .with("aws:TagKeys", ValueType::StringList, ["team", "secret-level"])?;
//! let decision = evaluate(&[allow], &request)?;
//! assert_eq!(decision.outcome, Outcome::ExplicitDeny);
//! assert_eq!(decision.deciding()[0].sid.as_deref(), Some("NoTags"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The semantics, in short (each rule cites AWS's IAM User Guide in its module)
//!
//! - **Request** ([`Request`], `context.rs`): an action, a resource and context keys, each
//!   with a declared [`ValueType`] (`string`, `stringList`, ...) and its values; key names
//!   are case-insensitive; a `...List` key with no value is absent. A witness also carries
//!   the values it assumed for declared unknowns ([`Request::unknowns`]).
//! - **Decision** ([`evaluate`], `decision.rs`): allowed when some `Allow` statement matches
//!   and no `Deny` statement does; an explicit deny wins; otherwise the implicit deny.
//!   Computed three-valued: see below.
//! - **Statement** ([`EvalPolicy`], `statement.rs`): matches when its action part, resource
//!   part and condition all hold. `Principal` / `NotPrincipal` is refused (identity-based
//!   policies only), as is a statement without `Resource` / `NotResource`, and a document
//!   whose `Statement` is empty.
//! - **Action**: case-insensitive glob (`*` any run, `?` one character), all strings.
//! - **Resource** (`resource.rs`): case-sensitive; a `*` that ends its `:`-separated segment
//!   matches across colons, every other wildcard stays within its segment (I); where the
//!   six-component reading of the `Arn...` operators' page (II) says otherwise, the pattern
//!   is undetermined (U4).
//! - **Condition** (`condition.rs`): operators ANDed, keys ANDed, values ORed (NORed for a
//!   negated operator; an empty array: false, NOR true); an absent key fails a positive
//!   operator and satisfies a negated one; `...IfExists` holds for an absent key;
//!   `ForAnyValue:` is false and `ForAllValues:` true for no value, and
//!   `ForAnyValue:...IfExists` for no value is undetermined (U1); `Null` tests presence.
//! - **Operators** (`operator.rs`): `String*` (exact, ASCII case folding, glob), `Numeric*`
//!   (exact decimals), `Date*` (instants, exactly to the nanosecond), `Bool`,
//!   `BinaryEquals` (base64), `IpAddress` / `NotIpAddress` (IPv4 and IPv6 CIDRs), `Arn*`
//!   (six components, each a glob). A policy value that does not parse for its operator is
//!   not modelled; a request value that does not parse compares false, so a negated
//!   operator over it is undetermined (U3).
//! - **Policy variables** (`variables.rs`): under `Version` `2012-10-17`, `${key}`,
//!   `${key, 'default'}`, `${*}`, `${?}`, `${$}` in `Resource` (after its fifth `:`) and in
//!   `String*` / `Arn*` values, substituted as literal text before splitting; a variable
//!   without a value matches nothing, and a negated operator over it is undetermined (U2).
//!   Under `2008-10-17` or no `Version`, literal text.
//! - **Declared unknowns** ([`EvalPolicy::parse_with_unknowns`]): `${NAME}` for a name the
//!   caller declares stands for the value the request assumes ([`Request::unknowns`], or
//!   [`evaluate_with_unknowns`]).
//!
//! # Undetermined outcomes
//!
//! Where AWS's documentation does not decide a clause for a request (rules U1 to U4,
//! [`Rule`]), the clause is **open**: the evaluator does not pick a side. The decision is
//! computed three-valued over the open clauses (each distinct clause text one Boolean): a
//! decision that holds whichever way each goes is reported as such
//! ([`Outcome::Allowed`], [`Outcome::ExplicitDeny`], [`Outcome::ImplicitDeny`]), and the
//! open clauses it does not depend on are listed in [`Decision::open`]; otherwise the
//! outcome is [`Outcome::Undetermined`], and [`Decision::depends_on`] names the clauses
//! (statement, `Resource` pattern or operator and key, [`Reason`] with its rule).
//! [`evaluate_choosing`] decides every open clause as the caller says, two-valued.
//!
//! # Re-checking a witness
//!
//! The prover prints a request one side allows and the other does not only when this
//! evaluator confirms it with a determined decision on both sides. The call, per side:
//! read its documents with the declared unknowns of the comparison
//! ([`EvalPolicy::parse_with_unknowns`], or [`EvalPolicy::parse_text_with_unknowns`] for a
//! file in any shape the AWS CLI prints), read the witness ([`Request::from_json`], with the
//! values it assumed for them), and ask [`evaluate`] for the [`Verdict`]:
//!
//! ```
//! use std::collections::BTreeSet;
//! use iam_refine::request::{evaluate, EvalPolicy, Request, Verdict};
//!
//! let declared: BTreeSet<String> = ["Bucket.Arn".to_string()].into();
//! let side = [EvalPolicy::parse_with_unknowns(
//!     &serde_json::json!({"Version": "2012-10-17", "Statement": {
//!         "Effect": "Allow", "Action": "s3:GetObject", "Resource": "${Bucket.Arn}/*"}}),
//!     &declared,
//! )?];
//! let witness = Request::from_json(r#"{"action": "s3:GetObject",
//!     "resource": "arn:aws:s3:::b/k", "unknowns": {"Bucket.Arn": "arn:aws:s3:::b"}}"#)?;
//! assert_eq!(evaluate(&side, &witness)?.verdict(), Verdict::Allowed);
//! // A request on which AWS's documentation does not decide (U4): nothing is claimed.
//! let side = [EvalPolicy::parse(&serde_json::json!({"Statement": {
//!     "Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bkt/*/log"}}))?];
//! let request = Request::new("s3:GetObject", "arn:aws:s3:::bkt/a:b/log");
//! let Verdict::Undetermined(clauses) = evaluate(&side, &request)?.verdict() else {
//!     panic!("undetermined")
//! };
//! assert_eq!(clauses[0].reason.to_string().get(..17), Some("undetermined (U4)"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! An [`EvalError`] (the decision depends on a construct not modelled for this request,
//! or on a declared unknown the witness gives no value) and [`Verdict::Undetermined`] both
//! mean the witness is not confirmed.
//!
//! # What is not modelled
//!
//! An operator AWS does not document (or `Null` with a set prefix), a policy value that
//! does not parse for its operator, a policy variable before a `Resource` pattern's fifth
//! `:`, a declared unknown outside `Resource` and `String*` / `Arn*` values: the policy is
//! refused with [`EvalPolicyError::NotModelled`], naming it. A plain operator on a
//! multivalued request key, or a multivalued key used as a variable: an open clause, and
//! the evaluation fails with [`EvalError::NotModelled`] when the decision depends on it.
//! Nothing not modelled is ever guessed.
//!
//! Matching never backtracks: globs run as bit-parallel automata, linear in the text, so
//! hostile patterns (`*a*a*a…`) and 10,000-value conditions take milliseconds.

mod base64;
mod condition;
mod context;
mod date;
mod decision;
mod error;
mod glob;
mod ip;
mod numeric;
mod open;
mod operator;
mod resource;
mod solve;
mod statement;
mod variables;

#[cfg(test)]
mod tests;

pub use context::{ContextEntry, Request, RequestError, ValueType};
pub use decision::{
    evaluate, evaluate_choosing, evaluate_with_unknowns, Decision, Outcome, StatementRef,
};
pub use error::{EvalError, EvalPolicyError};
pub use open::{ClausePart, OpenClause, Reason, Rule, Verdict};
pub use statement::{EvalPolicy, EvalWarning};
