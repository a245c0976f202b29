//! The direct evaluation of one concrete request against the statements as this crate
//! read them (docs/semantics.md §2–§6): the re-check of every witness before it is handed
//! out. It shares no code with the encoding (its own glob matcher over substituted text;
//! actions through [`crate::glob_match`]), only the readers of typed values.
//!
//! Three-valued: a construct that is not modelled makes the result [`Tri::Unknown`] unless
//! the decision does not depend on it (Kleene logic).

use std::collections::{BTreeMap, HashMap};

use super::condition::{ArnValue, Base, Cond, Operator, SetOp, Values};
use super::document::Stmt;
use super::text::{Piece, Text};
use super::values::{parse_base64, parse_bool, parse_date, Address, Decimal};
use super::witness::{ContextValue, Request};
use crate::policy::Effect;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tri {
    Yes,
    No,
    /// Depends on a construct that is not modelled (the reason names it).
    Unknown(String),
}

impl Tri {
    fn from(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }

    fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            u => u,
        }
    }

    /// Kleene conjunction.
    fn and(parts: impl IntoIterator<Item = Tri>) -> Tri {
        let mut unknown = None;
        for p in parts {
            match p {
                Tri::No => return Tri::No,
                Tri::Unknown(r) => {
                    unknown.get_or_insert(r);
                }
                Tri::Yes => {}
            }
        }
        unknown.map_or(Tri::Yes, Tri::Unknown)
    }

    /// Kleene disjunction.
    fn or(parts: impl IntoIterator<Item = Tri>) -> Tri {
        Tri::and(parts.into_iter().map(Tri::not)).not()
    }
}

/// The request and the values assumed for declared unknowns.
pub(crate) struct Concrete<'a> {
    pub request: &'a Request,
    pub unknowns: &'a BTreeMap<String, String>,
    /// The context by ASCII-lower-cased key (the first of keys equal but for case).
    by_key: HashMap<String, &'a ContextValue>,
}

impl<'a> Concrete<'a> {
    pub fn new(request: &'a Request, unknowns: &'a BTreeMap<String, String>) -> Concrete<'a> {
        let mut by_key = HashMap::new();
        for (k, v) in &request.context {
            by_key.entry(k.to_ascii_lowercase()).or_insert(v);
        }
        Concrete {
            request,
            unknowns,
            by_key,
        }
    }

    /// The values of `key` (lower-cased), absent when none.
    fn entry(&self, key: &str) -> Option<&ContextValue> {
        self.by_key
            .get(key)
            .copied()
            .filter(|v| !v.values.is_empty())
    }
}

/// Is the request allowed: some Allow statement matches and no Deny statement does.
pub(crate) fn allowed(stmts: &[&Stmt], c: &Concrete<'_>) -> Tri {
    let allow = Tri::or(
        stmts
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .map(|s| matches(s, c)),
    );
    let deny = Tri::or(
        stmts
            .iter()
            .filter(|s| s.effect == Effect::Deny)
            .map(|s| matches(s, c)),
    );
    Tri::and([allow, deny.not()])
}

fn matches(stmt: &Stmt, c: &Concrete<'_>) -> Tri {
    let action = stmt.action.matches(&c.request.action);
    if !action {
        return Tri::No;
    }
    let resource = Tri::or(stmt.resources.iter().map(|r| resource_matches(r, c)));
    let resource = if stmt.not_resource {
        resource.not()
    } else {
        resource
    };
    Tri::and(std::iter::once(resource).chain(stmt.conditions.iter().map(|cond| condition(cond, c))))
}

/// A pattern character after substitution.
#[derive(Clone, Copy, PartialEq, Eq)]
enum P {
    Lit(char),
    Star,
    One,
}

/// The pattern with variables and unknowns substituted: `Ok(None)` when a variable has no
/// value (the pattern has no value and matches nothing).
fn substitute(text: &Text, wildcards: bool, c: &Concrete<'_>) -> Result<Option<Vec<P>>, String> {
    let mut out = Vec::new();
    for piece in &text.pieces {
        match piece {
            Piece::Text(t) => out.extend(t.chars().map(|ch| match ch {
                '*' if wildcards => P::Star,
                '?' if wildcards => P::One,
                ch => P::Lit(ch),
            })),
            Piece::Char(ch) => out.push(P::Lit(*ch)),
            Piece::Unknown(name) => match c.unknowns.get(name) {
                Some(v) => out.extend(v.chars().map(P::Lit)),
                None => return Err(format!("no value assumed for the unknown `{name}`")),
            },
            Piece::Var(v) => match c.entry(&v.key) {
                Some(entry) if entry.kind.is_list() => {
                    return Err(format!(
                        "the multivalued key `{}` used as a policy variable",
                        v.written
                    ))
                }
                Some(entry) => out.extend(entry.values[0].chars().map(P::Lit)),
                None => match &v.default {
                    Some(d) => out.extend(d.chars().map(P::Lit)),
                    None => return Ok(None),
                },
            },
        }
    }
    Ok(Some(out))
}

/// Glob matching over substituted characters; with `segments`, a `*` followed by `:` or
/// the end matches any run, every other wildcard only characters other than `:`.
fn glob(pattern: &[P], text: &str, segments: bool) -> bool {
    let t: Vec<char> = text.chars().collect();
    // row[j]: the pattern prefix so far matches t[..j]
    let mut row = vec![false; t.len() + 1];
    row[0] = true;
    for (i, &p) in pattern.iter().enumerate() {
        let crossing = !segments
            || match pattern.get(i + 1) {
                None => true,
                Some(P::Lit(':')) => true,
                Some(_) => false,
            };
        let mut next = vec![false; t.len() + 1];
        for j in 0..=t.len() {
            next[j] = match p {
                P::Star => row[j] || (j > 0 && next[j - 1] && (crossing || t[j - 1] != ':')),
                P::One => j > 0 && row[j - 1] && (!segments || t[j - 1] != ':'),
                P::Lit(ch) => j > 0 && row[j - 1] && t[j - 1] == ch,
            };
        }
        row = next;
    }
    row[t.len()]
}

/// Both readings of docs/semantics.md §3 (U4): they agree, or the match is undetermined.
fn resource_matches(text: &Text, c: &Concrete<'_>) -> Tri {
    match substitute(text, true, c) {
        Err(reason) => Tri::Unknown(reason),
        Ok(None) => Tri::No,
        Ok(Some(p)) => {
            let r = &c.request.resource;
            let (one, two) = (glob(&p, r, true), by_components(&p, r));
            if one == two {
                Tri::from(one)
            } else {
                Tri::Unknown(format!(
                    "undetermined: resource `{}` against `{r}`: the segment rule says {one}, \
                     the component reading {two} (U4)",
                    text.raw
                ))
            }
        }
    }
}

/// The component reading: the pattern split at its first five `:` into at most six
/// components; all but the last match the resource's first ones, the last the rest.
fn by_components(pattern: &[P], resource: &str) -> bool {
    let mut components: Vec<&[P]> = Vec::new();
    let mut start = 0;
    for (i, p) in pattern.iter().enumerate() {
        if components.len() == 5 {
            break;
        }
        if *p == P::Lit(':') {
            components.push(&pattern[start..i]);
            start = i + 1;
        }
    }
    let last = &pattern[start..];
    let mut rest = resource;
    for component in components {
        let Some((first, after)) = rest.split_once(':') else {
            return false;
        };
        if !glob(component, first, false) {
            return false;
        }
        rest = after;
    }
    glob(last, rest, false)
}

fn condition(cond: &Cond, c: &Concrete<'_>) -> Tri {
    let (op, values) = match &cond.body {
        Err(reason) => return Tri::Unknown(reason.clone()),
        Ok(b) => b,
    };
    let entry = c.entry(&cond.key);
    if let Values::Null(flags) = values {
        return Tri::from(flags.iter().any(|&absent| absent == entry.is_none()));
    }
    let sat = |v: &str| -> Tri {
        let (each, unjudged) = compare(op, values, v, c);
        let any = Tri::or(each);
        if !op.negated {
            return any;
        }
        // U2, U3: nothing matched, and some policy value had no value or the request's
        // value does not parse: undetermined
        match (any, unjudged) {
            (Tri::No, Some(why)) => Tri::Unknown(format!(
                "undetermined: `{}` `{}`: {why}",
                cond.operator, cond.key_written
            )),
            (any, _) => any.not(),
        }
    };
    match op.set {
        None => match entry {
            None => Tri::from(op.if_exists || op.negated),
            Some(e) if e.kind.is_list() => Tri::Unknown(format!(
                "`{}` (no set operator) on the multivalued request key `{}`",
                cond.operator, cond.key_written
            )),
            Some(e) => sat(&e.values[0]),
        },
        Some(set) => {
            let values: &[String] = entry.map_or(&[], |e| &e.values);
            match set {
                // U1: AWS's pages disagree on `ForAnyValue:...IfExists` with no value
                SetOp::Any if values.is_empty() && op.if_exists => Tri::Unknown(format!(
                    "undetermined: `{}` `{}` with no value (U1)",
                    cond.operator, cond.key_written
                )),
                SetOp::Any if values.is_empty() => Tri::No,
                SetOp::Any => Tri::or(values.iter().map(|v| sat(v))),
                SetOp::All => Tri::and(values.iter().map(|v| sat(v))),
            }
        }
    }
}

/// `cmp(v, p)` for each policy value `p`, and why a negated operator could not judge (a
/// policy value without a value: U2; a request value that does not parse: U3).
fn compare(
    op: &Operator,
    values: &Values,
    v: &str,
    c: &Concrete<'_>,
) -> (Vec<Tri>, Option<String>) {
    let undefined = std::cell::Cell::new(false);
    let texts = |texts: &[Text], wildcards: bool, f: &dyn Fn(&[P]) -> bool| -> Vec<Tri> {
        texts
            .iter()
            .map(|t| match substitute(t, wildcards, c) {
                Err(reason) => Tri::Unknown(reason),
                Ok(None) => {
                    undefined.set(true);
                    Tri::No
                }
                Ok(Some(p)) => Tri::from(f(&p)),
            })
            .collect()
    };
    let each = compare_each(op, values, v, c, &texts);
    let unparsed = match (op.base, values) {
        (Base::Numeric(_), _) => Decimal::parse(v).is_none(),
        (Base::Date(_), _) => parse_date(v).is_none(),
        (Base::Ip, _) => Address::parse(v).is_none(),
        (Base::Arn, _) => v.matches(':').count() < 5,
        _ => false,
    };
    let why = if unparsed {
        Some(format!("the request value `{v}` does not parse (U3)"))
    } else if undefined.get() || arn_undefined(values, c) {
        Some("a policy value's variable has no value (U2)".to_string())
    } else {
        None
    };
    (each, why)
}

/// Whether some `Arn...` policy value has a variable without a value.
fn arn_undefined(values: &Values, c: &Concrete<'_>) -> bool {
    let Values::Arn(arns) = values else {
        return false;
    };
    arns.iter().any(|a| {
        let tail = Text {
            raw: String::new(),
            pieces: a.tail.clone(),
        };
        matches!(substitute(&tail, true, c), Ok(None))
    })
}

/// How the policy texts of a `String...` operator compare: wildcards or not, and the test.
type TextsFn<'a> = dyn Fn(&[Text], bool, &dyn Fn(&[P]) -> bool) -> Vec<Tri> + 'a;

fn compare_each(
    op: &Operator,
    values: &Values,
    v: &str,
    c: &Concrete<'_>,
    texts: &TextsFn<'_>,
) -> Vec<Tri> {
    let literal = |p: &[P]| -> String {
        p.iter()
            .map(|x| match x {
                P::Lit(ch) => *ch,
                P::Star => '*',
                P::One => '?',
            })
            .collect()
    };
    match (op.base, values) {
        (Base::StringEquals, Values::Text(ts)) => texts(ts, false, &|p| literal(p) == v),
        (Base::StringEqualsIgnoreCase, Values::Text(ts)) => {
            texts(ts, false, &|p| literal(p).eq_ignore_ascii_case(v))
        }
        (Base::StringLike, Values::Text(ts)) => texts(ts, true, &|p| glob(p, v, false)),
        (Base::Arn, Values::Arn(arns)) => arns.iter().map(|a| arn(a, v, c)).collect(),
        (Base::Numeric(cmp), Values::Number(ds)) => {
            let x = Decimal::parse(v);
            ds.iter()
                .map(|d| Tri::from(x.as_ref().is_some_and(|x| cmp.holds(x.cmp(d)))))
                .collect()
        }
        (Base::Date(cmp), Values::Date(ts)) => {
            let x = parse_date(v);
            ts.iter()
                .map(|t| Tri::from(x.is_some_and(|x| cmp.holds(x.cmp(t)))))
                .collect()
        }
        (Base::Bool, Values::Bool(bs)) => {
            let x = parse_bool(v);
            bs.iter().map(|b| Tri::from(x == Some(*b))).collect()
        }
        (Base::Binary, Values::Binary(bs)) => {
            let x = parse_base64(v);
            bs.iter()
                .map(|b| Tri::from(x.as_ref() == Some(b)))
                .collect()
        }
        (Base::Ip, Values::Ip(cidrs)) => {
            let x = Address::parse(v);
            cidrs
                .iter()
                .map(|cidr| Tri::from(x.is_some_and(|a| a.within(*cidr))))
                .collect()
        }
        _ => vec![Tri::Unknown(
            "an operator with values of another type".to_string(),
        )],
    }
}

/// `ArnLike`: both split at their first five `:`, each component a glob.
fn arn(a: &ArnValue, v: &str, c: &Concrete<'_>) -> Tri {
    let parts: Vec<&str> = v.splitn(6, ':').collect();
    if parts.len() < 6 {
        return Tri::No;
    }
    for (component, text) in a.head.iter().zip(&parts) {
        let t = Text {
            raw: String::new(),
            pieces: component.clone(),
        };
        match substitute(&t, true, c) {
            Err(reason) => return Tri::Unknown(reason),
            Ok(None) => return Tri::No,
            Ok(Some(p)) if !glob(&p, text, false) => return Tri::No,
            Ok(Some(_)) => {}
        }
    }
    let tail = Text {
        raw: String::new(),
        pieces: a.tail.clone(),
    };
    match substitute(&tail, true, c) {
        Err(reason) => Tri::Unknown(reason),
        Ok(None) => Tri::No,
        Ok(Some(p)) => Tri::from(glob(&p, parts[5], false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(s: &str) -> Vec<P> {
        s.chars()
            .map(|ch| match ch {
                '*' => P::Star,
                '?' => P::One,
                ch => P::Lit(ch),
            })
            .collect()
    }

    #[test]
    fn segment_glob() {
        assert!(glob(&pat("arn:aws:s3:::b/*"), "arn:aws:s3:::b/a:b", true));
        assert!(!glob(
            &pat("arn:aws:s3:::b/*/x"),
            "arn:aws:s3:::b/a:b/x",
            true
        ));
        assert!(glob(&pat("a*:c"), "ab:x:c", true));
        assert!(!glob(&pat("a?c"), "a:c", true));
        assert!(glob(&pat("a?c"), "a:c", false));
        assert!(glob(&pat("A*"), "A", false));
        assert!(!glob(&pat("A*"), "a", false));
    }
}
