//! Open clauses (`docs/semantics.md`, "Undetermined outcomes"): a `Resource` pattern or a
//! `Condition` clause whose outcome for a request is not definite, either because AWS's
//! documentation does not decide it (rules U1 to U4: [`Rule`]) or because it is not
//! modelled for that request (a plain operator on a multivalued key, a declared unknown
//! without a value). The evaluator computes the decision three-valued over them; the
//! vocabulary of that computation lives here: [`Rule`], [`Reason`], [`ClausePart`],
//! [`OpenClause`], [`Verdict`], and the crate's three-valued truth, `Tri`.

use std::fmt;

use super::decision::StatementRef;

/// A rule of `docs/semantics.md` under which a clause's outcome is undetermined: AWS's
/// documentation does not decide it (or two of its pages, or AWS's observed behaviour,
/// disagree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// U1: `ForAnyValue:...IfExists` with no value for the key (`ForAnyValue:` says false,
    /// `...IfExists` says true; AWS users report requests denied by it).
    ForAnyValueIfExistsWithoutValue,
    /// U2: a negated operator with a policy value whose variable has no value, and no other
    /// value that matches (AWS: "There is no equal or like value"; it does not say whether
    /// that makes `...Not...` true).
    NegatedOverVariableWithoutValue,
    /// U3: a negated operator over a request value that does not parse for it (AWS does not
    /// say).
    NegatedOverUnparsedValue,
    /// U4: a resource pattern on which the segment rule of the Resource page and the
    /// six-component reading of the `Arn...` operators' page disagree.
    ResourceReadingsDisagree,
}

impl Rule {
    /// `U1` to `U4`, as the spec names them.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Rule::ForAnyValueIfExistsWithoutValue => "U1",
            Rule::NegatedOverVariableWithoutValue => "U2",
            Rule::NegatedOverUnparsedValue => "U3",
            Rule::ResourceReadingsDisagree => "U4",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a clause's outcome for a request is not definite.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// Undetermined by a rule of the spec: the decision is reported only when it holds
    /// whichever way the clause goes.
    Undetermined {
        /// Which rule.
        rule: Rule,
        /// What, for this request, quoting it.
        detail: String,
    },
    /// Not modelled for this request (a plain operator on a multivalued key, a multivalued
    /// key as a policy variable): an error when the decision depends on it.
    NotModelled {
        /// What, quoting it.
        what: String,
    },
    /// A declared unknown the policies use and the request gives no value for: an error
    /// when the decision depends on it.
    NoUnknownValue {
        /// The unknown's name.
        name: String,
    },
}

impl Reason {
    /// Not modelled (or without an unknown's value), rather than undetermined by a rule.
    #[must_use]
    pub fn is_not_modelled(&self) -> bool {
        !matches!(self, Reason::Undetermined { .. })
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Undetermined { rule, detail } => write!(f, "undetermined ({rule}): {detail}"),
            Reason::NotModelled { what } => write!(f, "not modelled: {what}"),
            Reason::NoUnknownValue { name } => {
                write!(f, "no value given for the declared unknown `{name}`")
            }
        }
    }
}

/// Which part of a statement a clause is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClausePart {
    /// One pattern of `Resource` or `NotResource`: whether it matches the resource.
    Resource {
        /// `Resource` or `NotResource`.
        element: &'static str,
        /// The pattern as written.
        pattern: String,
    },
    /// One operator and key of `Condition`: whether it holds.
    Condition {
        /// The operator as written.
        operator: String,
        /// The key as written.
        key: String,
    },
}

impl fmt::Display for ClausePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClausePart::Resource { element, pattern } => {
                write!(f, "`{element}` pattern {}", crate::json::quote(pattern))
            }
            ClausePart::Condition { operator, key } => {
                write!(f, "`{operator}` on {}", crate::json::quote(key))
            }
        }
    }
}

/// A clause whose outcome for the request is not definite, in a statement that matches or
/// not depending on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenClause {
    /// The statement.
    pub statement: StatementRef,
    /// The clause in it.
    pub part: ClausePart,
    /// Why it is open.
    pub reason: Reason,
    /// The decision depends on it: some way of deciding the open clauses allows the request
    /// and another denies it, and this clause is one that tips it. Only ever true when the
    /// outcome is [`Outcome::Undetermined`](super::Outcome::Undetermined).
    pub decisive: bool,
}

impl fmt::Display for OpenClause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "document {}, statement {}",
            self.statement.document, self.statement.statement
        )?;
        if let Some(sid) = &self.statement.sid {
            write!(f, " (Sid `{sid}`)")?;
        }
        write!(f, ", {}: {}", self.part, self.reason)
    }
}

/// What a side decides for a request, as a witness of the prover is re-checked: allowed,
/// denied (explicitly or implicitly), or undetermined, naming the clauses the decision
/// depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Allowed, whichever way each undetermined clause goes.
    Allowed,
    /// Denied, whichever way each undetermined clause goes.
    Denied,
    /// Allowed for some ways of deciding the undetermined clauses and denied for others:
    /// nothing is claimed. The clauses it depends on.
    Undetermined(Vec<OpenClause>),
}

/// Three-valued truth (Kleene's): a clause, pattern or comparison is true, false, or open
/// for a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tri {
    True,
    False,
    Open(Reason),
}

impl From<bool> for Tri {
    fn from(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }
}

/// Of two reasons, the one to report: not modelled outranks undetermined (if the decision
/// depends on the clause, that is an error), else the first.
fn keep(a: Reason, b: Reason) -> Reason {
    if b.is_not_modelled() && !a.is_not_modelled() {
        b
    } else {
        a
    }
}

impl Tri {
    pub(crate) fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            open @ Tri::Open(_) => open,
        }
    }

    /// OR: a definite `true` wins, then an open value, then `false`.
    pub(crate) fn any(items: impl IntoIterator<Item = Tri>) -> Tri {
        let mut open: Option<Reason> = None;
        for t in items {
            match t {
                Tri::True => return Tri::True,
                Tri::False => {}
                Tri::Open(r) => {
                    open = Some(match open {
                        None => r,
                        Some(o) => keep(o, r),
                    });
                }
            }
        }
        open.map_or(Tri::False, Tri::Open)
    }

    /// AND: a definite `false` wins, then an open value, then `true`.
    pub(crate) fn all(items: impl IntoIterator<Item = Tri>) -> Tri {
        Tri::any(items.into_iter().map(Tri::not)).not()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(n: u8) -> Tri {
        Tri::Open(Reason::Undetermined {
            rule: Rule::ResourceReadingsDisagree,
            detail: n.to_string(),
        })
    }

    fn nm() -> Tri {
        Tri::Open(Reason::NotModelled { what: "x".into() })
    }

    #[test]
    fn kleene() {
        assert_eq!(Tri::any([Tri::False, u(1), Tri::True]), Tri::True);
        assert_eq!(Tri::any([Tri::False, u(1), u(2)]), u(1), "the first reason");
        assert_eq!(Tri::any([u(1), nm()]), nm(), "not modelled outranks");
        assert_eq!(Tri::any([]), Tri::False);
        assert_eq!(Tri::all([Tri::True, u(1), Tri::False]), Tri::False);
        assert_eq!(Tri::all([Tri::True, u(1)]), u(1));
        assert_eq!(Tri::all([]), Tri::True);
        assert_eq!(u(1).not(), u(1));
    }
}
