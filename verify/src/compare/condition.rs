//! Reading a statement's `Condition` (docs/semantics.md §4, §5): operators, keys and the
//! policy values read by each operator's type. A condition this crate reads but does not
//! model (an operator AWS does not document for identity policies, a policy value that does
//! not parse for its operator, a form of policy variable the encoding cannot express) is
//! kept with the reason; the comparison treats it as an opaque Boolean and answers Unknown,
//! naming it, whenever a verdict would depend on it.

use std::collections::BTreeSet;

use serde_json::Value;

use super::document::brief;
use super::text::{Piece, Text};
use super::values::{parse_base64, parse_bool, parse_date, Cidr, Decimal};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SetOp {
    /// `ForAnyValue:`
    Any,
    /// `ForAllValues:`
    All,
}

/// The comparison of `Numeric...` and `Date...` operators, request value on the left.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Cmp::Eq => ordering == Equal,
            Cmp::Lt => ordering == Less,
            Cmp::Le => ordering != Greater,
            Cmp::Gt => ordering == Greater,
            Cmp::Ge => ordering != Less,
        }
    }
}

/// An operator's positive comparison (`StringNotEquals` uses `StringEquals`'s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Base {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// What a key's request values are read as, by the operators that use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Family {
    /// `String...`, `Arn...` and `Bool` (all compare the text itself).
    Text,
    Number,
    Date,
    Ip,
    Binary,
}

impl Base {
    /// `None` for `Null`, which reads no value.
    pub fn family(self) -> Option<Family> {
        Some(match self {
            Base::StringEquals
            | Base::StringEqualsIgnoreCase
            | Base::StringLike
            | Base::Bool
            | Base::Arn => Family::Text,
            Base::Numeric(_) => Family::Number,
            Base::Date(_) => Family::Date,
            Base::Ip => Family::Ip,
            Base::Binary => Family::Binary,
            Base::Null => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Operator {
    pub set: Option<SetOp>,
    pub base: Base,
    /// `...Not...` and `NotIpAddress`: the values are NORed.
    pub negated: bool,
    pub if_exists: bool,
}

/// The operators AWS documents for identity policies
/// (reference_policies_elements_condition_operators.html), by name without prefix and
/// `IfExists`.
fn base_operator(name: &str) -> Option<(Base, bool)> {
    use Cmp::*;
    Some(match name {
        "StringEquals" => (Base::StringEquals, false),
        "StringNotEquals" => (Base::StringEquals, true),
        "StringEqualsIgnoreCase" => (Base::StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (Base::StringEqualsIgnoreCase, true),
        "StringLike" => (Base::StringLike, false),
        "StringNotLike" => (Base::StringLike, true),
        "NumericEquals" => (Base::Numeric(Eq), false),
        "NumericNotEquals" => (Base::Numeric(Eq), true),
        "NumericLessThan" => (Base::Numeric(Lt), false),
        "NumericLessThanEquals" => (Base::Numeric(Le), false),
        "NumericGreaterThan" => (Base::Numeric(Gt), false),
        "NumericGreaterThanEquals" => (Base::Numeric(Ge), false),
        "DateEquals" => (Base::Date(Eq), false),
        "DateNotEquals" => (Base::Date(Eq), true),
        "DateLessThan" => (Base::Date(Lt), false),
        "DateLessThanEquals" => (Base::Date(Le), false),
        "DateGreaterThan" => (Base::Date(Gt), false),
        "DateGreaterThanEquals" => (Base::Date(Ge), false),
        "Bool" => (Base::Bool, false),
        "BinaryEquals" => (Base::Binary, false),
        "IpAddress" => (Base::Ip, false),
        "NotIpAddress" => (Base::Ip, true),
        "ArnEquals" | "ArnLike" => (Base::Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Base::Arn, true),
        "Null" => (Base::Null, false),
        _ => return None,
    })
}

impl Operator {
    /// Reads an operator name (case-sensitive), or says why it is not modelled.
    pub fn parse(name: &str) -> Result<Operator, String> {
        let (set, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetOp::Any), rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetOp::All), rest)
        } else {
            (None, name)
        };
        let unknown = || format!("condition operator `{name}` is not one AWS documents");
        let (base, negated, if_exists) = match base_operator(rest) {
            Some((base, negated)) => (base, negated, false),
            None => {
                let stem = rest.strip_suffix("IfExists").ok_or_else(unknown)?;
                match base_operator(stem) {
                    Some((Base::Null, _)) | None => return Err(unknown()),
                    Some((base, negated)) => (base, negated, true),
                }
            }
        };
        if base == Base::Null && set.is_some() {
            return Err(format!(
                "condition operator `{name}`: AWS documents no set operator on `Null`"
            ));
        }
        Ok(Operator {
            set,
            base,
            negated,
            if_exists,
        })
    }
}

/// An `Arn...` policy value split at its first five `:` into six components; the first
/// five hold no variable and no unknown.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ArnValue {
    /// Components 1–5: literal text (wildcards active) and always-literal characters.
    pub head: Vec<Vec<Piece>>,
    /// Component 6 (keeps any further `:`).
    pub tail: Vec<Piece>,
}

impl ArnValue {
    fn split(text: &Text) -> Result<ArnValue, String> {
        let mut head: Vec<Vec<Piece>> = Vec::new();
        let mut current: Vec<Piece> = Vec::new();
        for piece in &text.pieces {
            if head.len() == 5 {
                current.push(piece.clone());
                continue;
            }
            match piece {
                Piece::Text(t) => {
                    let mut rest = t.as_str();
                    while head.len() < 5 {
                        let Some((before, after)) = rest.split_once(':') else {
                            break;
                        };
                        if !before.is_empty() {
                            current.push(Piece::Text(before.to_string()));
                        }
                        head.push(std::mem::take(&mut current));
                        rest = after;
                    }
                    if !rest.is_empty() {
                        current.push(Piece::Text(rest.to_string()));
                    }
                }
                Piece::Char(_) => current.push(piece.clone()),
                Piece::Var(_) | Piece::Unknown(_) => {
                    return Err(format!(
                        "`{}`: a policy variable or unknown before the fifth `:` of an ARN \
                         value (its value could hold a `:` and move the components)",
                        text.raw
                    ))
                }
            }
        }
        if head.len() < 5 {
            return Err(format!(
                "`{}` is not an ARN (fewer than five `:`)",
                text.raw
            ));
        }
        Ok(ArnValue {
            head,
            tail: current,
        })
    }
}

/// The policy values of one condition, read for its operator.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Values {
    /// `String...` values (literal for `StringEquals`, globs for `StringLike`).
    Text(Vec<Text>),
    Arn(Vec<ArnValue>),
    Number(Vec<Decimal>),
    Date(Vec<i128>),
    Bool(Vec<bool>),
    Binary(Vec<Vec<u8>>),
    Ip(Vec<Cidr>),
    /// `Null`'s `true` (absent) / `false` (present).
    Null(Vec<bool>),
}

/// One key under one operator of a `Condition`.
#[derive(Clone, Debug)]
pub(crate) struct Cond {
    /// The operator as written.
    pub operator: String,
    /// The key, ASCII lower-cased, and as written.
    pub key: String,
    pub key_written: String,
    /// The operator and values, or why they are not modelled.
    pub body: Result<(Operator, Values), String>,
    /// A canonical text: operator, key and the set of values (order and repeats do not
    /// matter: values are ORed).
    pub canonical: String,
}

/// A JSON condition value as text: strings as they are, numbers and booleans as written.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads one statement's `Condition`, or says what is malformed.
pub(crate) fn parse_conditions(
    value: &Value,
    v2012: bool,
    unknowns: &BTreeSet<String>,
) -> Result<Vec<Cond>, String> {
    let Value::Object(block) = value else {
        return Err("`Condition` must be an object of operators".to_string());
    };
    let mut out = Vec::new();
    for (operator, keys) in block {
        let Value::Object(keys) = keys else {
            return Err(format!(
                "`Condition` operator `{operator}` must map to an object of keys"
            ));
        };
        for (key, values) in keys {
            if key.is_empty() {
                return Err(format!(
                    "`Condition` operator `{operator}` has an empty key"
                ));
            }
            let raw: Vec<String> = match values {
                Value::Array(items) => items
                    .iter()
                    .map(|v| {
                        value_text(v).ok_or_else(|| {
                            format!("`Condition` `{operator}` `{key}`: value {} is not a string, number or boolean", brief(v))
                        })
                    })
                    .collect::<Result<_, _>>()?,
                other => vec![value_text(other).ok_or_else(|| {
                    format!("`Condition` `{operator}` `{key}`: value {} is not a string, number or boolean, or an array of them", brief(other))
                })?],
            };
            let mut set: Vec<&String> = raw.iter().collect();
            set.sort();
            set.dedup();
            let variables = v2012 && raw.iter().any(|r| r.contains("${"));
            let canonical = format!(
                "{operator}\u{1}{}\u{1}{}\u{1}{}",
                key.to_ascii_lowercase(),
                u8::from(variables),
                set.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\u{2}")
            );
            let body = Operator::parse(operator).and_then(|op| {
                read_values(op, &raw, v2012, unknowns)
                    .map(|values| (op, values))
                    .map_err(|reason| format!("`{operator}` `{key}`: {reason}"))
            });
            out.push(Cond {
                operator: operator.clone(),
                key: key.to_ascii_lowercase(),
                key_written: key.clone(),
                body,
                canonical,
            });
        }
    }
    Ok(out)
}

fn read_values(
    op: Operator,
    raw: &[String],
    v2012: bool,
    unknowns: &BTreeSet<String>,
) -> Result<Values, String> {
    fn all<T>(
        raw: &[String],
        what: &str,
        read: impl Fn(&str) -> Option<T>,
    ) -> Result<Vec<T>, String> {
        raw.iter()
            .map(|r| read(r).ok_or_else(|| format!("`{r}` is not {what}")))
            .collect()
    }
    let texts = || -> Vec<Text> {
        raw.iter()
            .map(|r| Text::parse(r, v2012, unknowns))
            .collect()
    };
    Ok(match op.base {
        Base::StringEquals | Base::StringLike => Values::Text(texts()),
        Base::StringEqualsIgnoreCase => {
            let texts = texts();
            if let Some(t) = texts.iter().find(|t| !t.is_ground()) {
                return Err(format!(
                    "`{}`: a policy variable or unknown under a case-insensitive comparison",
                    t.raw
                ));
            }
            Values::Text(texts)
        }
        Base::Arn => Values::Arn(
            texts()
                .iter()
                .map(ArnValue::split)
                .collect::<Result<_, _>>()?,
        ),
        Base::Numeric(_) => Values::Number(all(raw, "a decimal number", Decimal::parse)?),
        Base::Date(_) => Values::Date(all(raw, "a date", parse_date)?),
        Base::Bool => Values::Bool(all(raw, "`true` or `false`", parse_bool)?),
        Base::Binary => Values::Binary(all(raw, "canonical base64", parse_base64)?),
        Base::Ip => Values::Ip(all(raw, "an IPv4 or IPv6 address or CIDR", Cidr::parse)?),
        Base::Null => Values::Null(all(raw, "`true` or `false`", parse_bool)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operator_names() {
        let op = Operator::parse("ForAnyValue:StringNotLikeIfExists").unwrap();
        assert_eq!(
            op,
            Operator {
                set: Some(SetOp::Any),
                base: Base::StringLike,
                negated: true,
                if_exists: true
            }
        );
        assert_eq!(Operator::parse("NotIpAddress").unwrap().base, Base::Ip);
        assert!(Operator::parse("NotIpAddress").unwrap().negated);
        for bad in [
            "stringequals",
            "NullIfExists",
            "ForAnyValue:Null",
            "StringEqualsIfExistsIfExists",
            "ForAnyValue:",
            "IfExists",
            "StringMatches",
        ] {
            assert!(Operator::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn values_by_type() {
        let none = BTreeSet::new();
        let conds = parse_conditions(
            &json!({
                "NumericLessThan": {"s3:max-keys": [10, "2.5"]},
                "DateGreaterThan": {"aws:CurrentTime": "not a date"},
                "Bool": {"aws:SecureTransport": true},
                "ArnLike": {"aws:SourceArn": "arn:aws:s3:::${aws:username}/*"},
                "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:root"}
            }),
            true,
            &none,
        )
        .unwrap();
        assert!(matches!(&conds[0].body, Ok((_, Values::Number(v))) if v.len() == 2));
        assert!(conds[1].body.as_ref().unwrap_err().contains("not a date"));
        assert!(matches!(&conds[2].body, Ok((_, Values::Bool(v))) if v == &[true]));
        assert!(matches!(&conds[3].body, Ok((_, Values::Arn(v))) if v[0].head.len() == 5));
        assert!(conds[4].body.as_ref().unwrap_err().contains("fifth"));
        assert_eq!(conds[0].key, "s3:max-keys");
    }

    #[test]
    fn malformed_blocks_are_refused() {
        let none = BTreeSet::new();
        for bad in [
            json!([]),
            json!({"StringEquals": ["a"]}),
            json!({"StringEquals": {"": "a"}}),
            json!({"StringEquals": {"k": {"nested": 1}}}),
            json!({"StringEquals": {"k": [null]}}),
        ] {
            assert!(parse_conditions(&bad, true, &none).is_err(), "{bad}");
        }
    }

    #[test]
    fn canonical_ignores_order_and_repeats() {
        let none = BTreeSet::new();
        let a = parse_conditions(
            &json!({"StringEquals": {"K": ["b", "a", "a"]}}),
            true,
            &none,
        )
        .unwrap();
        let b = parse_conditions(&json!({"StringEquals": {"k": ["a", "b"]}}), true, &none).unwrap();
        assert_eq!(a[0].canonical, b[0].canonical);
    }
}
