//! Condition operators (`docs/semantics.md` §4 and §5): their names, how each reads its
//! policy values, and `cmp(v, p)`, the positive comparison of a request value `v` with a
//! policy value `p`. Negation, `...IfExists`, absent keys and the set operators are the
//! condition block's business (`condition.rs`).
//!
//! AWS documents the operators in
//! [Condition operators](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
//! "Exact matching, case sensitive" (`StringEquals`), "Exact matching, ignoring case"
//! (`StringEqualsIgnoreCase`), "Case-sensitive matching. The values can include
//! multi-character match wildcards (*) and single-character match wildcards (?) anywhere
//! in the string" (`StringLike`), "Each of the six colon-delimited components of the ARN
//! is checked separately and each can include multi-character match wildcards (*) or
//! single-character match wildcards (?)" and "The `ArnEquals` and `ArnLike` condition
//! operators behave identically" (`Arn...`).
//!
//! A policy value that does not parse for its operator makes the statement not modelled
//! (an error when the policy is read); a request value that does not parse compares false
//! with every policy value, so a positive operator over it is false and a negated one
//! undetermined (U3).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::net::IpAddr;

use super::base64;
use super::date::{self, Nanos};
use super::glob::{components, plain_tokens, Glob, PChar};
use super::ip::{self, Cidr};
use super::numeric::Decimal;
use super::open::{Reason, Rule, Tri};
use super::variables::{Env, Template, Unresolved};
use crate::json::quote;

/// What an operator compares, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
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

/// The relation of a `Numeric...` or `Date...` operator, `v OP p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds(self, o: Ordering) -> bool {
        match self {
            Cmp::Eq => o == Ordering::Equal,
            Cmp::Lt => o == Ordering::Less,
            Cmp::Le => o != Ordering::Greater,
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Ge => o != Ordering::Less,
        }
    }
}

/// `ForAnyValue:` or `ForAllValues:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetOp {
    Any,
    All,
}

/// A parsed operator name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operator {
    pub(crate) family: Family,
    /// `StringNotEquals`, `NotIpAddress`, ...: values are NORed.
    pub(crate) negated: bool,
    pub(crate) if_exists: bool,
    pub(crate) set: Option<SetOp>,
}

/// The operators AWS documents for identity policies, without prefix or suffix.
const BASES: &[(&str, Family, bool)] = &[
    ("StringEquals", Family::StringEquals, false),
    ("StringNotEquals", Family::StringEquals, true),
    (
        "StringEqualsIgnoreCase",
        Family::StringEqualsIgnoreCase,
        false,
    ),
    (
        "StringNotEqualsIgnoreCase",
        Family::StringEqualsIgnoreCase,
        true,
    ),
    ("StringLike", Family::StringLike, false),
    ("StringNotLike", Family::StringLike, true),
    ("NumericEquals", Family::Numeric(Cmp::Eq), false),
    ("NumericNotEquals", Family::Numeric(Cmp::Eq), true),
    ("NumericLessThan", Family::Numeric(Cmp::Lt), false),
    ("NumericLessThanEquals", Family::Numeric(Cmp::Le), false),
    ("NumericGreaterThan", Family::Numeric(Cmp::Gt), false),
    ("NumericGreaterThanEquals", Family::Numeric(Cmp::Ge), false),
    ("DateEquals", Family::Date(Cmp::Eq), false),
    ("DateNotEquals", Family::Date(Cmp::Eq), true),
    ("DateLessThan", Family::Date(Cmp::Lt), false),
    ("DateLessThanEquals", Family::Date(Cmp::Le), false),
    ("DateGreaterThan", Family::Date(Cmp::Gt), false),
    ("DateGreaterThanEquals", Family::Date(Cmp::Ge), false),
    ("Bool", Family::Bool, false),
    ("BinaryEquals", Family::Binary, false),
    ("IpAddress", Family::Ip, false),
    ("NotIpAddress", Family::Ip, true),
    ("ArnEquals", Family::Arn, false),
    ("ArnLike", Family::Arn, false),
    ("ArnNotEquals", Family::Arn, true),
    ("ArnNotLike", Family::Arn, true),
    ("Null", Family::Null, false),
];

impl Operator {
    /// Reads an operator name (case-sensitive). `None` for anything AWS does not
    /// document: not modelled. `Null` takes neither `IfExists` (AWS: "You can add
    /// `IfExists` to the end of any condition operator name except the `Null` condition")
    /// nor a set prefix (AWS documents none for it).
    pub(crate) fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetOp::Any), r)
        } else if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetOp::All), r)
        } else {
            (None, name)
        };
        let lookup = |base: &str| {
            BASES
                .iter()
                .find(|(n, _, _)| *n == base)
                .map(|&(_, family, negated)| (family, negated))
        };
        let (family, negated, if_exists) = match lookup(rest) {
            Some((f, n)) => (f, n, false),
            None => {
                let base = rest.strip_suffix("IfExists")?;
                let (f, n) = lookup(base)?;
                (f, n, true)
            }
        };
        if family == Family::Null && (if_exists || set.is_some()) {
            return None;
        }
        Some(Operator {
            family,
            negated,
            if_exists,
            set,
        })
    }

    /// Policy variables are read in the values of `String...` and `Arn...` operators only
    /// (AWS: "You can use a policy variable for `Condition` values in any condition that
    /// involves the string operators or the ARN operators").
    pub(crate) fn takes_variables(self) -> bool {
        matches!(
            self.family,
            Family::StringEquals
                | Family::StringEqualsIgnoreCase
                | Family::StringLike
                | Family::Arn
        )
    }
}

/// The six components of an `Arn...` policy value, each a glob.
#[derive(Debug, Clone)]
pub(crate) struct ArnGlob(Vec<Glob>);

impl ArnGlob {
    /// Splits at the first five literal `:`; `None` with fewer.
    pub(crate) fn new(chars: &[PChar]) -> Option<ArnGlob> {
        let parts = components(chars);
        (parts.len() == 6).then(|| {
            ArnGlob(
                parts
                    .into_iter()
                    .map(|p| Glob::new(plain_tokens(p)))
                    .collect(),
            )
        })
    }

    fn matches(&self, value: &str) -> bool {
        let parts: Vec<&str> = value.splitn(6, ':').collect();
        parts.len() == 6 && self.0.iter().zip(parts).all(|(g, p)| g.matches(p))
    }
}

/// A `StringLike` or `Arn...` value: its template, compiled once when it has no variable.
#[derive(Debug, Clone)]
pub(crate) struct Pattern<T> {
    pub(crate) template: Template,
    compiled: Option<T>,
}

/// The policy values of one operator and key, read for the operator's family.
#[derive(Debug, Clone)]
pub(crate) enum Values {
    Equals {
        values: Vec<Template>,
        ignore_case: bool,
    },
    Like(Vec<Pattern<Glob>>),
    Arn(Vec<Pattern<ArnGlob>>),
    Numeric(Vec<Decimal>, Cmp),
    Date(Vec<Nanos>, Cmp),
    Bool(Vec<bool>),
    Binary(Vec<Vec<u8>>),
    Ip(Vec<Cidr>),
}

/// A policy value that does not parse for its operator: what it should have been.
pub(crate) fn expected(family: Family) -> &'static str {
    match family {
        Family::Numeric(_) => "a number (-?[0-9]+(.[0-9]+)?)",
        Family::Date(_) => {
            "a date (epoch seconds [+-]?[0-9]{1,12}, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss[.f]](Z|+hh:mm|-hh:mm) with 1 to 9 fractional digits)"
        }
        Family::Bool | Family::Null => "true or false",
        Family::Binary => "base64",
        Family::Ip => "an IPv4 or IPv6 address or CIDR range",
        Family::Arn => "an ARN (six components separated by `:`)",
        Family::StringEquals | Family::StringEqualsIgnoreCase | Family::StringLike => "a string",
    }
}

/// Reads `true` / `false` as `Bool` does (ASCII case-insensitive).
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

impl Values {
    /// Reads the policy values of a non-`Null` family; `Err(i)` names the first value that
    /// does not parse.
    pub(crate) fn read(family: Family, values: Vec<Template>) -> Result<Values, usize> {
        fn each<T>(values: &[Template], f: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, usize> {
            values
                .iter()
                .enumerate()
                .map(|(i, t)| f(&t.text).ok_or(i))
                .collect()
        }
        Ok(match family {
            Family::StringEquals => Values::Equals {
                values,
                ignore_case: false,
            },
            Family::StringEqualsIgnoreCase => Values::Equals {
                values,
                ignore_case: true,
            },
            Family::StringLike => Values::Like(
                values
                    .into_iter()
                    .map(|t| {
                        let compiled = t
                            .is_constant()
                            .then(|| Glob::new(plain_tokens(&t.constant_chars())));
                        Pattern {
                            template: t,
                            compiled,
                        }
                    })
                    .collect(),
            ),
            Family::Arn => {
                let mut out = Vec::with_capacity(values.len());
                for (i, t) in values.into_iter().enumerate() {
                    let compiled = if t.is_constant() {
                        Some(ArnGlob::new(&t.constant_chars()).ok_or(i)?)
                    } else {
                        None
                    };
                    out.push(Pattern {
                        template: t,
                        compiled,
                    });
                }
                Values::Arn(out)
            }
            Family::Numeric(cmp) => Values::Numeric(each(&values, Decimal::parse)?, cmp),
            Family::Date(cmp) => Values::Date(each(&values, date::parse)?, cmp),
            Family::Bool => Values::Bool(each(&values, parse_bool)?),
            Family::Binary => Values::Binary(each(&values, base64::decode)?),
            Family::Ip => Values::Ip(each(&values, Cidr::parse)?),
            // `Null` is read by the condition block; nothing compares with it.
            Family::Null => Values::Bool(each(&values, parse_bool)?),
        })
    }

    /// The values with the request's variables substituted, ready to compare with every
    /// request value of the key.
    pub(crate) fn prepare<'a>(&'a self, env: Env<'_>) -> Prepared<'a> {
        match self {
            Values::Equals {
                values,
                ignore_case,
            } => Prepared::Equals(
                values
                    .iter()
                    .map(|t| t.resolve_text(env).map(|o| o.map(Cow::Owned)))
                    .collect(),
                *ignore_case,
            ),
            Values::Like(patterns) => Prepared::Like(
                patterns
                    .iter()
                    .map(|p| match &p.compiled {
                        Some(g) => Ok(Some(Cow::Borrowed(g))),
                        None => p
                            .template
                            .resolve_chars(env)
                            .map(|o| o.map(|chars| Cow::Owned(Glob::new(plain_tokens(&chars))))),
                    })
                    .collect(),
            ),
            Values::Arn(patterns) => Prepared::Arn(
                patterns
                    .iter()
                    .map(|p| match &p.compiled {
                        Some(g) => Ok(Some(Cow::Borrowed(g))),
                        None => match p.template.resolve_chars(env)? {
                            None => Ok(None),
                            Some(chars) => ArnGlob::new(&chars)
                                .map(|g| Some(Cow::Owned(g)))
                                .ok_or_else(|| Unresolved::NotArn(p.template.text.clone())),
                        },
                    })
                    .collect(),
            ),
            fixed => Prepared::Fixed(fixed),
        }
    }
}

/// Policy values after substitution: `Ok(None)` for a value whose variable has no value
/// (it compares false with everything), `Err` for one that cannot be judged.
pub(crate) enum Prepared<'a> {
    Equals(Vec<Result<Option<Cow<'a, str>>, Unresolved>>, bool),
    Like(Vec<Result<Option<Cow<'a, Glob>>, Unresolved>>),
    Arn(Vec<Result<Option<Cow<'a, ArnGlob>>, Unresolved>>),
    Fixed(&'a Values),
}

/// How a clause is named in the reasons it gives.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Named<'a> {
    pub(crate) operator: &'a str,
    pub(crate) key: &'a str,
}

impl Prepared<'_> {
    /// Does request value `v` satisfy the operator: for a positive one, is `cmp(v, p)` true
    /// for some policy value `p`; for a negated one, for none?
    ///
    /// A request value that does not parse compares false with every policy value, so a
    /// positive operator over it is false, and a negated one undetermined (U3) when there is
    /// a policy value to compare with. A policy value whose variable has no value compares
    /// false: a positive operator's OR gets false from it, a negated one's NOR an open
    /// value (U2).
    pub(crate) fn satisfied(&self, v: &str, negated: bool, named: Named<'_>) -> Tri {
        let count = match self {
            Prepared::Equals(ps, _) => ps.len(),
            Prepared::Like(ps) => ps.len(),
            Prepared::Arn(ps) => ps.len(),
            Prepared::Fixed(values) => values.len(),
        };
        if !self.parses(v) {
            if !negated || count == 0 {
                return Tri::from(negated);
            }
            return Tri::Open(Reason::Undetermined {
                rule: Rule::NegatedOverUnparsedValue,
                detail: format!(
                    "{} over the request value {} of key {}, which is not {}: AWS does not say whether a negated operator holds for it",
                    quote(named.operator),
                    quote(v),
                    quote(named.key),
                    self.expected()
                ),
            });
        }
        fn each<T>(
            ps: &[Result<Option<T>, Unresolved>],
            negated: bool,
            named: Named<'_>,
            f: impl Fn(&T) -> bool,
        ) -> Tri {
            Tri::any(ps.iter().map(|p| match p {
                Ok(Some(p)) => Tri::from(f(p)),
                Ok(None) if negated => Tri::Open(Reason::Undetermined {
                    rule: Rule::NegatedOverVariableWithoutValue,
                    detail: format!(
                        "a value of {} on key {} has a policy variable without a value, and no other value matches: AWS does not say whether \"no equal or like value\" makes a negated operator true",
                        quote(named.operator),
                        quote(named.key)
                    ),
                }),
                Ok(None) => Tri::False,
                Err(e) => Tri::Open(e.clone().into()),
            }))
        }
        let matched = match self {
            Prepared::Equals(ps, false) => each(ps, negated, named, |p| p.as_ref() == v),
            Prepared::Equals(ps, true) => each(ps, negated, named, |p| p.eq_ignore_ascii_case(v)),
            Prepared::Like(ps) => each(ps, negated, named, |g| g.matches(v)),
            Prepared::Arn(ps) => each(ps, negated, named, |g| g.matches(v)),
            Prepared::Fixed(values) => Tri::from(fixed_match(values, v)),
        };
        if negated {
            matched.not()
        } else {
            matched
        }
    }

    /// Does the request value parse for the operator? Strings always do; an ARN needs six
    /// components.
    fn parses(&self, v: &str) -> bool {
        match self {
            Prepared::Equals(..) | Prepared::Like(_) => true,
            Prepared::Arn(_) => v.matches(':').count() >= 5,
            Prepared::Fixed(values) => match values {
                Values::Numeric(..) => Decimal::parse(v).is_some(),
                Values::Date(..) => date::parse(v).is_some(),
                Values::Bool(_) => parse_bool(v).is_some(),
                Values::Binary(_) => base64::decode(v).is_some(),
                Values::Ip(_) => ip::parse_address(v).is_some(),
                Values::Equals { .. } | Values::Like(_) | Values::Arn(_) => true,
            },
        }
    }

    fn expected(&self) -> &'static str {
        match self {
            Prepared::Equals(..) | Prepared::Like(_) => "a string",
            Prepared::Arn(_) => "an ARN (six components separated by `:`)",
            Prepared::Fixed(values) => match values {
                Values::Numeric(..) => "a number",
                Values::Date(..) => "a date",
                Values::Bool(_) => "true or false",
                Values::Binary(_) => "base64",
                Values::Ip(_) => "an IP address",
                Values::Equals { .. } | Values::Like(_) | Values::Arn(_) => "a string",
            },
        }
    }
}

impl Values {
    /// How many policy values.
    fn len(&self) -> usize {
        match self {
            Values::Equals { values, .. } => values.len(),
            Values::Like(ps) => ps.len(),
            Values::Arn(ps) => ps.len(),
            Values::Numeric(ps, _) => ps.len(),
            Values::Date(ps, _) => ps.len(),
            Values::Bool(ps) => ps.len(),
            Values::Binary(ps) => ps.len(),
            Values::Ip(ps) => ps.len(),
        }
    }
}

/// `cmp(v, p)` for some `p`, for the families without variables; `v` parses (checked by
/// the caller, which decides what a value that does not parse means).
fn fixed_match(values: &Values, v: &str) -> bool {
    match values {
        Values::Numeric(ps, cmp) => {
            Decimal::parse(v).is_some_and(|v| ps.iter().any(|p| cmp.holds(v.cmp(p))))
        }
        Values::Date(ps, cmp) => {
            date::parse(v).is_some_and(|v| ps.iter().any(|p| cmp.holds(v.cmp(p))))
        }
        Values::Bool(ps) => parse_bool(v).is_some_and(|v| ps.contains(&v)),
        Values::Binary(ps) => base64::decode(v).is_some_and(|v| ps.contains(&v)),
        Values::Ip(ps) => {
            ip::parse_address(v).is_some_and(|a: IpAddr| ps.iter().any(|p| p.contains(a)))
        }
        // Handled by `Prepared`.
        Values::Equals { .. } | Values::Like(_) | Values::Arn(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let op = Operator::parse("ForAllValues:StringNotLikeIfExists").unwrap();
        assert_eq!(op.family, Family::StringLike);
        assert!(op.negated && op.if_exists);
        assert_eq!(op.set, Some(SetOp::All));
        assert_eq!(Operator::parse("NotIpAddress").unwrap().family, Family::Ip);
        assert!(Operator::parse("Null").is_some());
        for bad in [
            "stringequals",
            "StringEqualsIfexists",
            "NullIfExists",
            "ForAnyValue:Null",
            "BinaryNotEquals",
            "ForAnyValues:StringEquals",
            "forallvalues:StringEquals",
            "StringEqualsIfExistsIfExists",
            "IfExists",
            "",
            "ForAnyValue:",
            "StringMatches",
            "ForAnyValue:ForAllValues:StringEquals",
        ] {
            assert!(Operator::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn arn_components() {
        let g = |p: &str| ArnGlob::new(&super::super::glob::wild_chars(p).collect::<Vec<_>>());
        let p = g("arn:aws:someservice:*:111122223333:finance/*").unwrap();
        // AWS's own example: StringLike matches, ArnLike does not.
        assert!(!p.matches("arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"));
        assert!(p.matches("arn:aws:someservice:us-east-2:111122223333:finance/a:b"));
        assert!(
            !p.matches("arn:aws:someservice:us-east-2:111122223333"),
            "five components"
        );
        assert!(g("arn:aws:s3:::*").unwrap().matches("arn:aws:s3:::a:b:c"));
        assert!(g("*").is_none());
        assert!(g("arn:aws:s3::*").is_none());
        assert!(g("arn:*:*:*:*:*").unwrap().matches("arn:::::"));
    }
}
