//! Policy documents read for evaluation (`docs/semantics.md` §2): [`EvalPolicy`] holds each
//! statement's effect, action part, resource part and condition, checked and compiled once.
//!
//! What is refused, naming the statement: a statement with `Principal` / `NotPrincipal` (a
//! resource-based policy, out of scope); one with neither or both of `Action` /
//! `NotAction`, or of `Resource` / `NotResource` (AWS: "Statements must include either a
//! `Resource` or a `NotResource` element"); an `Effect` other than `Allow` / `Deny`; a
//! `Version` other than `2012-10-17` / `2008-10-17`; a `Condition` of the wrong shape; and,
//! as [`EvalPolicyError::NotModelled`], what the evaluator does not model.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::document::parse_wrapped;
use crate::json::{self, quote};
use crate::pattern::Pattern;
use crate::policy::{Effect, Policy};

use super::condition::ConditionBlock;
use super::error::EvalPolicyError;
use super::open::{ClausePart, Reason, Tri};
use super::resource::ResourcePattern;
use super::variables::{names_unknown, Env, Template};

/// Something legal but suspicious in a policy, found while reading it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("statement {statement}: {message}")]
pub struct EvalWarning {
    /// The statement's number (from 1).
    pub statement: usize,
    /// What, quoting it.
    pub message: String,
}

/// One statement, ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct EvalStatement {
    /// From 1.
    pub(crate) number: usize,
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    /// `NotAction`.
    not_action: bool,
    actions: Vec<Pattern>,
    /// `NotResource`.
    not_resource: bool,
    resources: Vec<ResourcePattern>,
    condition: Option<ConditionBlock>,
}

/// A policy document read for evaluation.
///
/// ```
/// use iam_refine::request::{evaluate, EvalPolicy, Outcome, Request, ValueType};
///
/// let policy = EvalPolicy::parse(&serde_json::json!({
///     "Version": "2012-10-17",
///     "Statement": {"Effect": "Allow", "Action": "s3:GetObject",
///         "Resource": "arn:aws:s3:::bucket/${aws:username}/*",
///         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}
/// }))?;
/// let request = Request::new("s3:GetObject", "arn:aws:s3:::bucket/alice/notes.txt")
///     .with("aws:username", ValueType::String, ["alice"])?
///     .with("aws:SourceIp", ValueType::Ip, ["203.0.113.7"])?;
/// let decision = evaluate(&[policy], &request)?;
/// assert_eq!(decision.outcome, Outcome::Allowed);
/// assert_eq!(decision.deciding()[0].statement, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct EvalPolicy {
    pub(crate) statements: Vec<EvalStatement>,
    /// `Version` is `2012-10-17`.
    variables: bool,
    warnings: Vec<EvalWarning>,
}

impl EvalPolicy {
    /// Reads a policy document (a JSON object with `Statement`).
    ///
    /// # Errors
    ///
    /// [`EvalPolicyError`] naming the statement and what is wrong, out of scope or not
    /// modelled.
    pub fn parse(document: &Value) -> Result<EvalPolicy, EvalPolicyError> {
        EvalPolicy::parse_with_unknowns(document, &BTreeSet::new())
    }

    /// Reads a policy in any shape the AWS CLI prints it (as [`Policy::parse`] does: a
    /// document, `get-policy-version` or `get-role-policy` output, a document embedded as a
    /// string, URL-encoded text), with the crate's strict JSON reader.
    ///
    /// # Errors
    ///
    /// [`EvalPolicyError::Document`] when the text is not such a document; otherwise as
    /// [`EvalPolicy::parse`].
    pub fn parse_text(text: &str) -> Result<EvalPolicy, EvalPolicyError> {
        EvalPolicy::parse_text_with_unknowns(text, &BTreeSet::new())
    }

    /// [`EvalPolicy::parse_text`] with declared unknowns, as
    /// [`EvalPolicy::parse_with_unknowns`] reads them.
    ///
    /// # Errors
    ///
    /// As [`EvalPolicy::parse_text`] and [`EvalPolicy::parse_with_unknowns`].
    pub fn parse_text_with_unknowns(
        text: &str,
        unknowns: &BTreeSet<String>,
    ) -> Result<EvalPolicy, EvalPolicyError> {
        let (document, _) = parse_wrapped(text)?;
        EvalPolicy::parse_with_unknowns(&Value::Object(document), unknowns)
    }

    /// Reads a policy the crate has already read.
    ///
    /// # Errors
    ///
    /// As [`EvalPolicy::parse`].
    pub fn from_policy(policy: &Policy) -> Result<EvalPolicy, EvalPolicyError> {
        EvalPolicy::parse(&policy.to_value())
    }

    /// Reads a policy document in which `${NAME}`, for each declared `NAME`, stands for one
    /// fixed but unknown string (`docs/semantics.md` §7), whatever the `Version`: in
    /// `Resource` / `NotResource` and in values of `String...` / `Arn...` operators;
    /// anywhere else it is not modelled. Evaluate with
    /// [`evaluate_with_unknowns`](super::evaluate_with_unknowns), giving each its value.
    ///
    /// # Errors
    ///
    /// As [`EvalPolicy::parse`], and [`EvalPolicyError::NotModelled`] for an unknown in an
    /// action, a condition key or a value of another operator.
    pub fn parse_with_unknowns(
        document: &Value,
        unknowns: &BTreeSet<String>,
    ) -> Result<EvalPolicy, EvalPolicyError> {
        let Value::Object(doc) = document else {
            return Err(EvalPolicyError::NotAPolicy {
                found: json::describe(document),
            });
        };
        let variables = match doc.get("Version") {
            None => false,
            Some(Value::String(v)) if v == "2012-10-17" => true,
            Some(Value::String(v)) if v == "2008-10-17" => false,
            Some(other) => {
                return Err(EvalPolicyError::Version {
                    found: json::describe(other),
                })
            }
        };
        let items = match doc.get("Statement") {
            None => {
                return Err(EvalPolicyError::NotAPolicy {
                    found: crate::document::describe_keys(doc),
                })
            }
            Some(one @ Value::Object(_)) => std::slice::from_ref(one),
            Some(Value::Array(items)) => items.as_slice(),
            Some(other) => {
                return Err(EvalPolicyError::StatementType {
                    found: json::describe(other),
                })
            }
        };
        if items.is_empty() {
            return Err(EvalPolicyError::NoStatement);
        }
        let mut warnings = Vec::new();
        let statements = items
            .iter()
            .enumerate()
            .map(|(i, s)| parse_statement(i + 1, s, variables, unknowns, &mut warnings))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EvalPolicy {
            statements,
            variables,
            warnings,
        })
    }

    /// What was legal but suspicious (a wildcard in an ARN's service segment).
    #[must_use]
    pub fn warnings(&self) -> &[EvalWarning] {
        &self.warnings
    }

    /// The number of statements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// Never true: a policy without statements is refused.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// Whether `${...}` is read as policy variables (`"Version": "2012-10-17"`).
    #[must_use]
    pub fn has_variables(&self) -> bool {
        self.variables
    }
}

/// The list under `key`: a string or an array of strings.
fn string_list(
    statement: usize,
    key: &'static str,
    value: &Value,
) -> Result<Vec<String>, EvalPolicyError> {
    let bad = |found: &Value| EvalPolicyError::ListType {
        statement,
        key,
        found: json::describe(found),
    };
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad(v)))
            .collect(),
        other => Err(bad(other)),
    }
}

/// Exactly one of `first` / `second`: `(is_second, its value)`.
fn one_of<'v>(
    statement: usize,
    raw: &'v Map<String, Value>,
    first: &'static str,
    second: &'static str,
) -> Result<(bool, &'static str, &'v Value), EvalPolicyError> {
    match (raw.get(first), raw.get(second)) {
        (Some(v), None) => Ok((false, first, v)),
        (None, Some(v)) => Ok((true, second, v)),
        (Some(_), Some(_)) => Err(EvalPolicyError::Both {
            statement,
            first,
            second,
        }),
        (None, None) => Err(EvalPolicyError::Missing {
            statement,
            first,
            second,
        }),
    }
}

fn parse_statement(
    n: usize,
    value: &Value,
    variables: bool,
    unknowns: &BTreeSet<String>,
    warnings: &mut Vec<EvalWarning>,
) -> Result<EvalStatement, EvalPolicyError> {
    let Value::Object(raw) = value else {
        return Err(EvalPolicyError::StatementNotObject {
            statement: n,
            found: json::describe(value),
        });
    };
    for key in ["Principal", "NotPrincipal"] {
        if raw.contains_key(key) {
            return Err(EvalPolicyError::ResourceBased { statement: n, key });
        }
    }
    let effect = match raw.get("Effect") {
        None => return Err(EvalPolicyError::MissingEffect { statement: n }),
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(other) => {
            return Err(EvalPolicyError::Effect {
                statement: n,
                found: json::describe(other),
            })
        }
    };
    let (not_action, action_key, action_value) = one_of(n, raw, "Action", "NotAction")?;
    let mut actions = Vec::new();
    for a in string_list(n, action_key, action_value)? {
        if let Some(u) = names_unknown(&a, unknowns) {
            return Err(EvalPolicyError::NotModelled {
                statement: n,
                what: format!(
                    "the declared unknown `${{{u}}}` in the action {}",
                    quote(&a)
                ),
            });
        }
        actions.push(Pattern::new(&a));
    }
    let (not_resource, resource_key, resource_value) = one_of(n, raw, "Resource", "NotResource")?;
    let mut resources = Vec::new();
    for r in string_list(n, resource_key, resource_value)? {
        let template = Template::parse(&r, variables, unknowns);
        if let Some(key) = template.variable_before_fifth_colon() {
            return Err(EvalPolicyError::NotModelled {
                statement: n,
                what: format!(
                    "the policy variable `${{{key}}}` stands before the fifth `:` of the `{resource_key}` pattern {} (AWS allows policy variables in a resource ARN \"only in the resource portion of the ARN. This portion of the ARN appears after the fifth colon\")",
                    quote(&r)
                ),
            });
        }
        if let Some(u) = template.hidden_unknown(unknowns) {
            return Err(hidden_unknown(n, u, resource_key, &r));
        }
        resources.push(ResourcePattern::new(template));
    }
    for r in &resources {
        if r.wildcard_in_service() {
            warnings.push(EvalWarning {
                statement: n,
                message: format!(
                    "`{resource_key}` pattern {} has a wildcard in its service segment, which AWS says cannot be used there; it is matched by the same rules as any other",
                    quote(r.text())
                ),
            });
        }
    }
    let condition = raw
        .get("Condition")
        .map(|c| ConditionBlock::parse(n, c, variables, unknowns))
        .transpose()?;
    let sid = raw.get("Sid").map(|s| match s {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    Ok(EvalStatement {
        number: n,
        sid,
        effect,
        not_action,
        actions,
        not_resource,
        resources,
        condition,
    })
}

/// A declared unknown inside a malformed policy variable, which the grammar reads as text.
fn hidden_unknown(statement: usize, name: &str, place: &str, text: &str) -> EvalPolicyError {
    EvalPolicyError::NotModelled {
        statement,
        what: format!(
            "the declared unknown `${{{name}}}` stands inside a malformed policy variable in the `{place}` value {}, which is read as text",
            quote(text)
        ),
    }
}

/// The identity of an open clause: its text. The same clause text is the same Boolean
/// wherever it stands (AWS decides a clause from its text and the request), so a `Resource`
/// pattern in one statement and a `NotResource` pattern of the same text in another are one
/// Boolean and its negation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum OpenKey {
    /// "This pattern matches the resource".
    Resource(Template),
    /// "This clause holds": operator as written, key in ASCII lower case, values as read.
    Condition {
        operator: String,
        key: String,
        values: Vec<Template>,
    },
}

/// An open clause of one statement.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) key: OpenKey,
    pub(crate) part: ClausePart,
    pub(crate) reason: Reason,
}

/// How a statement matches a request.
#[derive(Debug, Clone)]
pub(crate) enum Match {
    No,
    Yes,
    /// It matches when each factor holds; a factor holds when one of its literals does; a
    /// literal `(i, positive)` holds when item `i`'s Boolean is `positive`.
    Open {
        items: Vec<Item>,
        factors: Vec<Vec<(usize, bool)>>,
    },
}

impl EvalStatement {
    /// Does the statement match the request? Three-valued: its action part is definite;
    /// its resource part and condition are built of patterns and clauses that may be open.
    pub(crate) fn matches(&self, env: Env<'_>) -> Match {
        let action = &env.request.action;
        let named = self.actions.iter().any(|p| p.matches(action));
        if named == self.not_action {
            return Match::No;
        }
        let mut items = Vec::new();
        let mut factors = Vec::new();
        let element = if self.not_resource {
            "NotResource"
        } else {
            "Resource"
        };
        let resource = &env.request.resource;
        let mut some = false;
        let mut open = Vec::new();
        for p in &self.resources {
            match p.matches(resource, env, element) {
                Tri::True => {
                    some = true;
                    break;
                }
                Tri::False => {}
                Tri::Open(reason) => {
                    items.push(Item {
                        key: OpenKey::Resource(p.template().clone()),
                        part: ClausePart::Resource {
                            element,
                            pattern: p.text().to_string(),
                        },
                        reason,
                    });
                    open.push(items.len() - 1);
                }
            }
        }
        match (some, self.not_resource) {
            (true, true) => return Match::No,
            (true, false) => items.clear(),
            (false, false) if open.is_empty() => return Match::No,
            // `Resource`: one pattern of those open must match.
            (false, false) => factors.push(open.iter().map(|&i| (i, true)).collect()),
            // `NotResource`: none of them may (the undetermined propagates through the
            // negation).
            (false, true) => factors.extend(open.iter().map(|&i| vec![(i, false)])),
        }
        if let Some(block) = &self.condition {
            for clause in block.clauses() {
                match clause.holds(env) {
                    Tri::True => {}
                    Tri::False => return Match::No,
                    Tri::Open(reason) => {
                        items.push(Item {
                            key: clause.identity(),
                            part: clause.part(),
                            reason,
                        });
                        factors.push(vec![(items.len() - 1, true)]);
                    }
                }
            }
        }
        if factors.is_empty() {
            Match::Yes
        } else {
            Match::Open { items, factors }
        }
    }
}
