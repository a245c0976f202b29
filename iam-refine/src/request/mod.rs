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
//!   are case-insensitive; a `...List` key with no value is absent.
//! - **Decision** ([`evaluate`], `decision.rs`): allowed when some `Allow` statement matches
//!   and no `Deny` statement does; an explicit deny wins; otherwise the implicit deny.
//! - **Statement** ([`EvalPolicy`], `statement.rs`): matches when its action part, resource
//!   part and condition all hold. `Principal` / `NotPrincipal` is refused (identity-based
//!   policies only), as is a statement without `Resource` / `NotResource`.
//! - **Action**: case-insensitive glob (`*` any run, `?` one character), all strings.
//! - **Resource** (`resource.rs`): case-sensitive; a `*` that ends its `:`-separated segment
//!   matches across colons, every other wildcard stays within its segment.
//! - **Condition** (`condition.rs`): operators ANDed, keys ANDed, values ORed (NORed for a
//!   negated operator); an absent key fails a positive operator and satisfies a negated
//!   one; `...IfExists` holds for an absent key; `ForAnyValue:` is false and
//!   `ForAllValues:` true for no value; `Null` tests presence.
//! - **Operators** (`operator.rs`): `String*` (exact, ASCII case folding, glob), `Numeric*`
//!   (exact decimals), `Date*` (instants at millisecond precision), `Bool`,
//!   `BinaryEquals` (base64), `IpAddress` / `NotIpAddress` (IPv4 and IPv6 CIDRs), `Arn*`
//!   (six components, each a glob). A policy value that does not parse for its operator is
//!   not modelled; a request value that does not parse compares false.
//! - **Policy variables** (`variables.rs`): under `Version` `2012-10-17`, `${key}`,
//!   `${key, 'default'}`, `${*}`, `${?}`, `${$}` in `Resource` and in `String*` / `Arn*`
//!   values, substituted as literal text; a variable without a value matches nothing.
//!   Under `2008-10-17` or no `Version`, literal text.
//! - **Declared unknowns** ([`EvalPolicy::parse_with_unknowns`],
//!   [`evaluate_with_unknowns`]): `${NAME}` for a name the caller declares stands for a
//!   value the caller gives at evaluation.
//!
//! # What is not modelled
//!
//! An operator AWS does not document, a policy value that does not parse for its operator,
//! a declared unknown outside `Resource` and `String*` / `Arn*` values: the policy is
//! refused with [`EvalPolicyError::NotModelled`], naming it. A plain operator on a
//! multivalued request key, or a multivalued key used as a variable: the evaluation fails
//! with [`EvalError::NotModelled`] when that statement could change the decision. Nothing
//! not modelled is ever guessed.
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
mod operator;
mod resource;
mod statement;
mod variables;

#[cfg(test)]
mod tests;

pub use context::{ContextEntry, Request, RequestError, ValueType};
pub use decision::{evaluate, evaluate_with_unknowns, Decision, Outcome, StatementRef};
pub use error::{EvalError, EvalPolicyError};
pub use statement::{EvalPolicy, EvalWarning};
