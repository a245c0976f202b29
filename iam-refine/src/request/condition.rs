//! The `Condition` element (`docs/semantics.md` §4): its shape, and how a block holds for a
//! request.
//!
//! AWS ([multiple keys and values](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html)):
//! "If your policy statement has multiple condition operators, the condition operators are
//! evaluated using a logical AND"; keys under one operator, AND; "If a single condition
//! operator includes multiple values for a context key, those values are evaluated using a
//! logical OR", and for a negated operator "using a logical NOR".
//!
//! A key absent from the request ([condition operators](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)):
//! "the values do not match and the condition is *false*. If the policy condition requires
//! that the key is *not* matched, such as `StringNotLike` or `ArnNotLike`, and the right key
//! is not present, the condition is *true*"; with `...IfExists`, "If the key is not
//! present, evaluate the condition element as true"; `Null` "true (the key doesn't exist —
//! it is null) or false (the key exists and its value is not null)".
//!
//! Set operators: `ForAnyValue:` holds when some request value satisfies the single-valued
//! rule, false for no value ("If the key is not present in the request, it returns false");
//! `ForAllValues:` when every one does, true for no value ("It also returns true if there
//! are no context keys in the request"). U1: `ForAnyValue:...IfExists` with no value is
//! undetermined (the `...IfExists` page says an absent key makes the condition true; AWS
//! users report requests denied by it). A plain operator on a multivalued request key is
//! not modelled (AWS: "Multivalued context keys require a condition set operator"): an
//! open clause, an error when the decision depends on it; a set operator on a
//! single-valued key reads its one value.
//!
//! Evaluation is three-valued (`open.rs`): each clause is true, false, or open; the
//! statement decides what an open clause means for the decision.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::json::{self, quote};

use super::context::Lookup;
use super::error::EvalPolicyError;
use super::open::{ClausePart, Reason, Rule, Tri};
use super::operator::{expected, parse_bool, Family, Named, Operator, SetOp, Values};
use super::statement::OpenKey;
use super::variables::{names_unknown, Env, Template};

/// One operator and key of a block, with its values.
#[derive(Debug, Clone)]
pub(crate) struct Clause {
    /// The operator as written.
    name: String,
    op: Operator,
    /// The key as written (looked up case-insensitively).
    key: String,
    /// The values as read, for the clause's identity.
    texts: Vec<Template>,
    values: ClauseValues,
}

#[derive(Debug, Clone)]
enum ClauseValues {
    /// `Null`: `true` holds for an absent key, `false` for a present one.
    Null(Vec<bool>),
    Compare(Values),
}

/// A statement's `Condition`: every clause must hold.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConditionBlock {
    clauses: Vec<Clause>,
}

impl ConditionBlock {
    /// Reads a `Condition` value: an object of operator -> object of key -> value or array
    /// of values (strings; numbers and booleans stand for their text as written).
    pub(crate) fn parse(
        statement: usize,
        value: &Value,
        variables: bool,
        unknowns: &BTreeSet<String>,
    ) -> Result<ConditionBlock, EvalPolicyError> {
        let shape = |problem: String| EvalPolicyError::Condition { statement, problem };
        let not_modelled = |what: String| EvalPolicyError::NotModelled { statement, what };
        let Value::Object(operators) = value else {
            return Err(shape(format!(
                "`Condition` must be an object of operators, found {}",
                json::describe(value)
            )));
        };
        let mut clauses = Vec::new();
        for (name, keys) in operators {
            let Some(op) = Operator::parse(name) else {
                return Err(not_modelled(format!(
                    "condition operator {} is not one AWS documents for identity-based policies",
                    quote(name)
                )));
            };
            let Value::Object(keys) = keys else {
                return Err(shape(format!(
                    "condition operator {} must map to an object of keys, found {}",
                    quote(name),
                    json::describe(keys)
                )));
            };
            for (key, values) in keys {
                clauses.push(
                    Clause::parse(name, op, key, values, variables, unknowns).map_err(
                        |e| match e {
                            ClauseError::Shape(p) => shape(p),
                            ClauseError::NotModelled(w) => not_modelled(w),
                        },
                    )?,
                );
            }
        }
        Ok(ConditionBlock { clauses })
    }

    /// The clauses, in the order written: the block holds when every one does.
    pub(crate) fn clauses(&self) -> &[Clause] {
        &self.clauses
    }
}

enum ClauseError {
    Shape(String),
    NotModelled(String),
}

/// The text a condition value stands for: strings as they are, numbers and booleans as
/// written.
fn value_text(name: &str, key: &str, v: &Value) -> Result<String, ClauseError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(ClauseError::Shape(format!(
            "the value of key {} under {} must be a string, a number, a boolean or an array of them, found {}",
            quote(key),
            quote(name),
            json::describe(other)
        ))),
    }
}

impl Clause {
    fn parse(
        name: &str,
        op: Operator,
        key: &str,
        values: &Value,
        variables: bool,
        unknowns: &BTreeSet<String>,
    ) -> Result<Clause, ClauseError> {
        if key.is_empty() {
            return Err(ClauseError::Shape(format!(
                "condition operator {} has an empty key",
                quote(name)
            )));
        }
        if let Some(u) = names_unknown(key, unknowns) {
            return Err(ClauseError::NotModelled(format!(
                "the declared unknown `${{{u}}}` in the condition key {}",
                quote(key)
            )));
        }
        let texts = match values {
            Value::Array(items) => items
                .iter()
                .map(|v| value_text(name, key, v))
                .collect::<Result<Vec<_>, _>>()?,
            single => vec![value_text(name, key, single)?],
        };
        let takes_variables = op.takes_variables();
        if !takes_variables {
            if let Some(u) = texts.iter().find_map(|t| names_unknown(t, unknowns)) {
                return Err(ClauseError::NotModelled(format!(
                    "the declared unknown `${{{u}}}` in a {} value of key {}",
                    quote(name),
                    quote(key)
                )));
            }
        }
        let templates: Vec<Template> = texts
            .iter()
            .map(|t| Template::parse(t, variables && takes_variables, unknowns))
            .collect();
        for (t, text) in templates.iter().zip(&texts) {
            if let Some(u) = t.hidden_unknown(unknowns) {
                return Err(ClauseError::NotModelled(format!(
                    "the declared unknown `${{{u}}}` stands inside a malformed policy variable in the {} value {} of key {}, which is read as text",
                    quote(name),
                    quote(text),
                    quote(key)
                )));
            }
        }
        let bad = |i: usize| {
            ClauseError::NotModelled(format!(
                "{} value {} of key {} is not {}",
                quote(name),
                quote(texts.get(i).map_or("", String::as_str)),
                quote(key),
                expected(op.family)
            ))
        };
        let clause_templates = templates.clone();
        let values = if op.family == Family::Null {
            let mut out = Vec::with_capacity(texts.len());
            for (i, t) in texts.iter().enumerate() {
                out.push(parse_bool(t).ok_or_else(|| bad(i))?);
            }
            ClauseValues::Null(out)
        } else {
            ClauseValues::Compare(Values::read(op.family, templates).map_err(bad)?)
        };
        Ok(Clause {
            name: name.to_string(),
            op,
            key: key.to_string(),
            texts: clause_templates,
            values,
        })
    }

    /// Where the clause is, for reasons and reports.
    pub(crate) fn part(&self) -> ClausePart {
        ClausePart::Condition {
            operator: self.name.clone(),
            key: self.key.clone(),
        }
    }

    /// The clause's identity as an open clause: its text (operator, key in ASCII lower
    /// case, values as read). The same clause text is the same Boolean wherever it stands.
    pub(crate) fn identity(&self) -> OpenKey {
        OpenKey::Condition {
            operator: self.name.clone(),
            key: self.key.to_ascii_lowercase(),
            values: self.texts.clone(),
        }
    }

    /// Does the clause hold for the request? Three-valued: open when a rule leaves it
    /// undetermined (U1 to U3) or it is not modelled for this request.
    pub(crate) fn holds(&self, env: Env<'_>) -> Tri {
        let look = env.request.lookup(&self.key);
        let values = match &self.values {
            ClauseValues::Null(ps) => {
                let absent = look == Lookup::Absent;
                return Tri::from(ps.contains(&absent));
            }
            ClauseValues::Compare(values) => values,
        };
        let op = self.op;
        let request_values: Vec<&str> = match (op.set, look) {
            (None, Lookup::Absent) => return Tri::from(op.if_exists || op.negated),
            (Some(SetOp::Any), Lookup::Absent) if op.if_exists => {
                return Tri::Open(Reason::Undetermined {
                    rule: Rule::ForAnyValueIfExistsWithoutValue,
                    detail: format!(
                        "{} with no value for {}: false by `ForAnyValue:` (\"If the key is not present in the request, it returns false\"), true by `...IfExists` (\"If the key is not present, evaluate the condition element as true\")",
                        quote(&self.name),
                        quote(&self.key)
                    ),
                })
            }
            (Some(SetOp::Any), Lookup::Absent) => return Tri::False,
            (Some(SetOp::All), Lookup::Absent) => return Tri::True,
            (None, Lookup::Multi(_, kind)) => {
                return Tri::Open(Reason::NotModelled {
                    what: format!(
                        "{} applied to the key {}, which the request gives as a list ({kind}): a multivalued key needs `ForAnyValue:` or `ForAllValues:` (AWS: \"Multivalued context keys require a condition set operator\")",
                        quote(&self.name),
                        quote(&self.key)
                    ),
                })
            }
            (_, Lookup::Single(v)) => vec![v],
            (Some(_), Lookup::Multi(vs, _)) => vs.iter().map(String::as_str).collect(),
        };
        let prepared = values.prepare(env);
        let named = Named {
            operator: &self.name,
            key: &self.key,
        };
        let satisfied = request_values
            .iter()
            .map(|v| prepared.satisfied(v, op.negated, named));
        match op.set {
            Some(SetOp::All) => Tri::all(satisfied),
            _ => Tri::any(satisfied),
        }
    }
}
