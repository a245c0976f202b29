//! What can go wrong before or instead of a verdict: input the prover cannot judge, and a
//! solver witness that fails the glob re-check.

use std::fmt;

/// Which of the documents an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Document {
    Original,
    /// The refined document (with several refined documents: the first).
    Refined,
    /// Refined document `n` (0-based) of several.
    RefinedNth(usize),
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Document::Original => f.write_str("original"),
            Document::Refined => f.write_str("refined"),
            Document::RefinedNth(n) => write!(f, "refined document {}", n + 1),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The document as a whole is not a policy.
    #[error("{document} policy: {message}")]
    Malformed { document: Document, message: String },
    /// A statement is malformed (0-based index).
    #[error("{document} statement {}: {message}", index + 1)]
    Statement {
        document: Document,
        index: usize,
        message: String,
    },
    /// A pattern, finding or catalog entry contains a character outside printable ASCII or a
    /// backslash.
    #[error("{what} `{text}` contains {character:?}: only printable ascii without backslash is supported")]
    UnsupportedCharacter {
        what: String,
        text: String,
        character: char,
    },
    /// An unused-service finding or a catalog entry of the wrong shape.
    #[error("{what} `{text}`: {reason}")]
    InvalidInput {
        what: &'static str,
        text: String,
        reason: &'static str,
    },
    /// A `Sid` pattern of [`Keep`](crate::Keep) matches no `Sid` of the original policy:
    /// most likely a typo, which would leave nothing as written without saying so.
    #[error("sid pattern `{pattern}` matches no statement's `Sid` in the original policy")]
    KeepUnmatched { pattern: String },
    /// A `Sid` to be left as written is on two statements of the original policy, so which
    /// refined statement stands for which is ambiguous (1-based statement numbers).
    #[error("sid `{sid}` is on original statements {first} and {second}: a statement left as written needs a sid of its own")]
    KeptSidRepeated {
        sid: String,
        first: usize,
        second: usize,
    },
    /// The solver's witness did not survive the glob re-check: a bug in the encoding or in
    /// the solver, never a pass.
    #[error("solver witness `{witness}` failed the glob re-check of the claim: {claim}")]
    WitnessRejected { witness: String, claim: String },
}
