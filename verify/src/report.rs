//! What a verification answers: the verdict, and for a refutation the theorem, the
//! statements and the witness.

use std::fmt;
use std::time::Duration;

/// The outcome of one verification.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Report {
    pub verdict: Verdict,
    /// Distinct (case-insensitive) actions T1 was checked over: the catalog plus the
    /// wildcard-free names written in the original policy that it does not know.
    pub catalog_actions: usize,
    /// Solver queries asked (a query whose language is syntactically empty is not asked).
    pub queries: usize,
    pub elapsed: Duration,
    /// Proved by the policy-level theorem over whole requests
    /// ([`Prover::verify_documents_or_whole`](crate::Prover::verify_documents_or_whole)),
    /// the statements not pairing.
    pub whole_requests: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every theorem holds.
    Proved,
    /// A theorem fails; the witness passed the plain glob re-check.
    Counterexample(Counterexample),
    /// No counterexample was found but some query was not decided (timeout, resource
    /// limit, ...). Never a pass.
    Unknown { reason: String },
}

/// What a counterexample refutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Theorem {
    /// T1: over the catalog, a refined Allow statement allows `x` iff its original statement
    /// allows `x` and `x` is not unused.
    Exactness,
    /// T2: a refined Allow statement allows only strings its original statement allows.
    Containment,
    /// T3: a refined Allow statement allows no unused action (any casing, any string in a
    /// wholly unused service) that no keep pattern matches.
    NoUnused,
    /// A Deny statement matches a different set of strings than its original.
    DenyChanged,
    /// An original Deny statement that denies something has no counterpart in the refined
    /// policy.
    DenyRemoved,
    /// An original Allow statement was removed although it still allows a catalog action
    /// that is not unused.
    StatementDropped,
    /// A refined statement that matches something has no counterpart (same Effect, Sid,
    /// Resource, Condition, ...) in the original policy.
    Unpaired,
    /// A top-level key other than `Statement` (`Version`, `Id`, ...) differs between the
    /// original and a refined document, or is missing from one of them
    /// ([`Counterexample::key`] names it; there is no witness action).
    TopLevelKey,
    /// An original statement whose `Sid` is to be left as written
    /// ([`Keep`](crate::Keep)) does not appear, JSON-identical, exactly once in the
    /// refined documents: it was changed, dropped or duplicated
    /// ([`Counterexample::sid`] names it; there is no witness action).
    KeptStatementChanged,
}

impl Theorem {
    /// Every theorem, for reports that list them all (the rules of a SARIF log).
    pub const ALL: [Theorem; 9] = [
        Theorem::Exactness,
        Theorem::Containment,
        Theorem::NoUnused,
        Theorem::DenyChanged,
        Theorem::DenyRemoved,
        Theorem::StatementDropped,
        Theorem::Unpaired,
        Theorem::TopLevelKey,
        Theorem::KeptStatementChanged,
    ];

    /// A stable identifier for reports that machines read (the rule ids of SARIF, the
    /// failure types of JUnit): lower-case words joined by `-`, never changed once
    /// published.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Theorem::Exactness => "exactness",
            Theorem::Containment => "containment",
            Theorem::NoUnused => "no-unused",
            Theorem::DenyChanged => "deny-changed",
            Theorem::DenyRemoved => "deny-removed",
            Theorem::StatementDropped => "statement-dropped",
            Theorem::Unpaired => "unpaired",
            Theorem::TopLevelKey => "top-level-key",
            Theorem::KeptStatementChanged => "kept-statement-changed",
        }
    }
}

impl fmt::Display for Theorem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Theorem::Exactness => "T1 (exactness over the catalog)",
            Theorem::Containment => "T2 (containment)",
            Theorem::NoUnused => "T3 (no unused action)",
            Theorem::DenyChanged => "deny statement changed",
            Theorem::DenyRemoved => "deny statement removed",
            Theorem::StatementDropped => "statement dropped with kept actions",
            Theorem::Unpaired => "statement without counterpart",
            Theorem::TopLevelKey => "top-level key changed",
            Theorem::KeptStatementChanged => "statement left as written changed",
        })
    }
}

/// A refutation with a concrete witness. Statement indices are 0-based positions in the
/// `Statement` array (a single-object `Statement` is index 0); messages count from 1.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counterexample {
    pub theorem: Theorem,
    /// The refined statement involved, if any (none for a removed original statement):
    /// its index within its document.
    pub refined_statement: Option<usize>,
    /// The refined document involved (0-based; always 0 with one refined document), if any.
    pub refined_document: Option<usize>,
    /// For [`Theorem::TopLevelKey`]: the key.
    pub key: Option<String>,
    /// For [`Theorem::KeptStatementChanged`]: the `Sid` of the statement left as written.
    pub sid: Option<String>,
    /// The original statement involved, if any (none for an unpaired refined statement).
    pub original_statement: Option<usize>,
    /// The witness: an action string (lower-case; matching is case-insensitive). Empty for
    /// [`Theorem::TopLevelKey`], [`Theorem::KeptStatementChanged`] and for a removed or unpaired statement whose action set is
    /// empty.
    pub action: String,
    /// One line, e.g. "refined statement 1 allows `s3:getbucketpolicy`, which is unused".
    pub detail: String,
}
