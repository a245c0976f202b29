//! A policy document of the export, kept as its compact JSON text and read into a
//! [`Policy`] only when a principal that carries it is worked on.
//!
//! Read, a document is three to four times its text: a JSON tree, with each statement's
//! keys beside its action list. An account holds every role's inline policies and every
//! managed policy, but its principals are worked on a few at a time, and each one's plan
//! reads its documents once (it took a copy of each before). Kept as text, an account's
//! documents are about the export's own size.
//!
//! The text is what the export gave, only re-serialised: keys in their order, numbers as
//! written (`arbitrary_precision` and the strict reader's [`crate::json::Numbers`]), so it
//! reads back into the very document the export held. A document the export gave as a
//! string (URL-encoded, as the raw API returns it, or JSON text) is kept as that string and
//! read as [`crate::parse_json_text`] reads it. Nothing is checked when it is kept: every
//! error is found when it is read, the same each time, and is the policy's own
//! ([`DocumentError`]), as it was when documents were read with the export.
//!
//! A managed policy larger than a customer managed policy may be is read once, on first
//! use, and shared by every principal that carries it ([`ReadOnce`]): only AWS managed
//! policies are that large, and one such as `ReadOnlyAccess` (91 KB) is attached to many
//! roles, where reading it costs almost four times copying it (384 against 104 µs). What an
//! account keeps read is bounded ([`KeptBudget`]): read, AWS's 81 large policies (1.5 MB of
//! text) took 9 MB, held to the end of an account that attached them all; the first of
//! them up to a third of that text are kept, the others read at each use.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::DocumentError;
use crate::document::parse_json_text;
use crate::json::{self, kind as json_kind};
use crate::policy::{Policy, PolicyKind};

/// A document of the export, as text.
#[derive(Debug, Clone)]
pub(crate) struct DocumentText {
    /// The document's compact JSON text, or the string the export gave.
    text: Box<str>,
    /// About its size as IAM counts it ([`DocumentText::size`]), counted once: it decides
    /// at each use whether the reading is shared.
    size: usize,
    /// `text` is the export's string, to be read as [`parse_json_text`] reads a text.
    string: bool,
    /// The quota kind the document is read as.
    kind: PolicyKind,
}

impl DocumentText {
    /// Keeps the export's `PolicyDocument` or version `Document` value.
    pub(crate) fn keep(value: &Value, kind: PolicyKind) -> DocumentText {
        let (text, string) = match value {
            Value::String(s) => (s.as_str().into(), true),
            // Serialising a `Value` cannot fail: its keys are strings.
            other => (other.to_string().into_boxed_str(), false),
        };
        let size = if string && text.starts_with('%') {
            // Each `%XX` is one byte once decoded.
            let escapes = text.bytes().filter(|&b| b == b'%').count();
            text.len().saturating_sub(2 * escapes)
        } else {
            text.len()
        };
        DocumentText {
            text,
            size,
            string,
            kind,
        }
    }

    /// About its size as IAM counts it: its text's bytes (the export's whitespace is gone),
    /// those of the URL-decoded text for a URL-encoded one.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// The document, read; or why it cannot be used.
    pub(crate) fn read(&self) -> Result<Policy, DocumentError> {
        let value = if self.string {
            parse_json_text(&self.text).map_err(|source| DocumentError::Policy { source })?
        } else {
            // The text was serialised from a value the strict reader accepted, so it
            // reads back; an error here would be the policy's, not a panic.
            json::parse(&self.text).map_err(|e| DocumentError::Policy { source: e.into() })?
        };
        match value {
            Value::Object(map) => Policy::from_document(map, self.kind)
                .map_err(|source| DocumentError::Policy { source }),
            other => Err(DocumentError::NotADocument {
                found: json_kind(&other).to_string(),
            }),
        }
    }
}

/// Two documents are equal when they read the same (a page that repeats an item may give
/// its document once as an object and once as a string); the same text reads the same.
impl PartialEq for DocumentText {
    fn eq(&self, other: &DocumentText) -> bool {
        (self.text == other.text && self.string == other.string && self.kind == other.kind)
            || self.read() == other.read()
    }
}

/// How much text (as [`DocumentText::size`] counts it) an account's large documents may keep
/// read, in all: a third of AWS's large managed policies (81 of 1,567, 1.5 MB), several
/// times what an account attaches in practice (`ReadOnlyAccess`, the largest, is 91 KB).
/// Read, a document is about six times its text.
pub(crate) const KEPT_TEXT: usize = 512 * 1024;

/// What is left of an account's [`KEPT_TEXT`], shared by its large documents.
#[derive(Debug, Clone)]
pub(crate) struct KeptBudget(Arc<AtomicUsize>);

impl Default for KeptBudget {
    fn default() -> KeptBudget {
        KeptBudget(Arc::new(AtomicUsize::new(KEPT_TEXT)))
    }
}

impl KeptBudget {
    /// Takes `size` out, if that much is left.
    fn take(&self, size: usize) -> bool {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(size)
            })
            .is_ok()
    }

    fn give_back(&self, size: usize) {
        self.0.fetch_add(size, Ordering::AcqRel);
    }
}

/// A document read on first use and kept while its account's [`KeptBudget`] has room: each
/// use gets a copy of the one read (or, past the budget, a reading of its own).
pub(crate) struct ReadOnce {
    read: OnceLock<Result<Policy, DocumentError>>,
    budget: KeptBudget,
}

impl ReadOnce {
    pub(crate) fn new(budget: KeptBudget) -> ReadOnce {
        ReadOnce {
            read: OnceLock::new(),
            budget,
        }
    }

    /// `text`, read the first time, copied each time; read at each use once the budget is
    /// spent.
    pub(crate) fn read(&self, text: &DocumentText) -> Result<Policy, DocumentError> {
        if let Some(read) = self.read.get() {
            return read.clone();
        }
        if !self.budget.take(text.size()) {
            return text.read();
        }
        let mut kept = false;
        let read = self.read.get_or_init(|| {
            kept = true;
            text.read()
        });
        if !kept {
            // Another thread read it first, out of its own share.
            self.budget.give_back(text.size());
        }
        read.clone()
    }

    /// Whether the document was read and is kept.
    #[cfg(test)]
    pub(crate) fn is_read(&self) -> bool {
        self.read.get().is_some()
    }
}

/// What a document is, is its text's: whether it was read yet is not.
impl PartialEq for ReadOnce {
    fn eq(&self, _: &ReadOnce) -> bool {
        true
    }
}

impl fmt::Debug for ReadOnce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReadOnce")
    }
}
