//! What can go wrong before or instead of a comparison's verdict: a document that is not an
//! identity-based policy, input the prover refuses to read, and a witness that fails the
//! re-check. Constructs that are read but not modelled are not errors: they make the
//! verdict [`Verdict::Unknown`](super::Verdict::Unknown), naming them.

use std::fmt;

/// Which policies an error or a statement is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Side {
    /// The old side of [`Comparer::compare`](super::Comparer::compare).
    Old,
    /// The new side of [`Comparer::compare`](super::Comparer::compare).
    New,
    /// The policies of [`Comparer::check_not_granted`](super::Comparer::check_not_granted).
    Policies,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Old => "old",
            Side::New => "new",
            Side::Policies => "policy",
        })
    }
}

/// A statement: its side, its document (0-based) among the side's documents and its index
/// (0-based) in that document's `Statement` list. Displayed 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    pub side: Side,
    pub document: usize,
    pub statement: usize,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} document {} statement {}",
            self.side,
            self.document + 1,
            self.statement + 1
        )
    }
}

/// Why a comparison could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompareError {
    /// A document as a whole is not a policy (0-based document index).
    #[error("{side} document {}: {message}", document + 1)]
    Document {
        side: Side,
        document: usize,
        message: String,
    },
    /// A statement is malformed or outside the scope of identity-based policies.
    #[error("{place}: {message}")]
    Statement { place: Place, message: String },
    /// An `Action` / `NotAction` entry holds a character outside printable ASCII or a
    /// backslash (no IAM action name does; Z3 4.8.12 cannot be given one faithfully).
    #[error("{place}: `{element}` entry `{text}` contains {character:?}: only printable ascii without backslash is supported in actions")]
    UnsupportedCharacter {
        place: Place,
        element: &'static str,
        text: String,
        character: char,
    },
    /// A declared unknown's name cannot be one (empty, or holding `}`).
    #[error("declared unknown `{name}`: {reason}")]
    InvalidUnknown { name: String, reason: &'static str },
    /// A pattern of [`Comparer::check_not_granted`](super::Comparer::check_not_granted) is
    /// unusable.
    #[error("{what} pattern `{pattern}`: {reason}")]
    InvalidPattern {
        what: &'static str,
        pattern: String,
        reason: &'static str,
    },
    /// The solver's witness did not survive the re-check by this crate's direct
    /// evaluation of the statements: a bug in the encoding or in the solver, never a
    /// verdict.
    #[error("solver witness {witness} failed the re-check: {claim}")]
    WitnessRejected { witness: String, claim: String },
}
