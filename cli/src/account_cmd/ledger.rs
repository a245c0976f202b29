//! What is kept of each principal's [`Outcome`] from the worker that made it to the one
//! commit at the end of the run: a [`Ledger`] per account.
//!
//! Why not the outcomes themselves: an outcome is half a dozen small allocations (its ARN,
//! name and file name, the staged file's target, hash and temporary path), 394 bytes with
//! its struct, kept for every principal of every account to the end of the run. Here a
//! principal's ARN, hash and temporary file's name are appended to one string, and the
//! rest is an entry of fixed size in one vector: 190 bytes (test
//! `a_packed_outcome_takes_about_half_of_an_outcome`; massif, 8,050 principals: 1.53 MB,
//! reserved once from their ARNs).
//!
//! A staged file is kept as its hash and the name of its temporary file: its target is
//! `DIR/<file>` and its temporary file is beside it ([`crate::output::stage::stage`]), which
//! is checked as it is kept ([`StagingFolder`], which also finds the files of a relative
//! `--output-dir` again). A name and file name that are what the ARN says (`<name>.json`,
//! `<account>/<name>.json`) are not held again. The ledger deletes the temporary files it
//! holds when it is dropped, as the outcomes did, so a run that fails before the commit
//! leaves none.
//!
//! What most outcomes lack ([`Details`]) stays as it came, boxed: only principals that
//! failed or are not proved, or whose policies `--format json` prints, have any. So does an
//! outcome the ledger cannot pack (an error staging its file, a temporary file elsewhere,
//! text past [`PackedText::limit`]).

use std::path::Path;

use iam_refine::{PrincipalKind, PrincipalStatus};

use super::exports::account_of;
use super::work::{Details, Outcome};
use crate::output::stage::StagingFolder;
use crate::packed::{PackedText, Span};

/// Each principal's outcome, by its index in the account's work, packed.
#[derive(Debug)]
pub(super) struct Ledger {
    text: PackedText,
    entries: Vec<Option<Entry>>,
    /// `--output-dir`, in which every staged file's target is.
    dir: Option<StagingFolder>,
}

#[derive(Debug)]
enum Entry {
    Packed(Packed),
    Whole(Box<Outcome>),
}

#[derive(Debug)]
struct Packed {
    arn: Span,
    /// `None`: the ARN's last segment (after its last `/`), as it mostly is.
    name: Option<Span>,
    file: Option<File>,
    kind: PrincipalKind,
    status: PrincipalStatus,
    /// Staged at `parent(DIR/<file>)/<temporary>`.
    staged: Option<StagedFile>,
    details: Option<Box<Details>>,
}

/// A principal's file name.
#[derive(Debug, Clone, Copy)]
enum File {
    /// `<name>.json`, the name as the ARN says ([`file_as_arn_says`]).
    OfName,
    /// `<account>/<name>.json`, both as the ARN says (a folder of exports).
    InAccountFolder,
    Held(Span),
}

#[derive(Debug, Clone, Copy)]
struct StagedFile {
    sha256: Span,
    temporary: Span,
}

impl Ledger {
    /// A ledger for `count` principals, whose files are staged in `dir`, with room for
    /// `text` bytes of text ([`Ledger::room`]: held a whole account, a string grown by
    /// doubling could be twice what it holds).
    pub fn new(count: usize, dir: Option<&Path>, text: usize) -> Self {
        Ledger {
            text: PackedText::with_capacity(text),
            entries: std::iter::repeat_with(|| None).take(count).collect(),
            dir: dir.map(StagingFolder::new),
        }
    }

    /// The text a principal whose ARN is `arn` most likely takes: its ARN, a hash and a
    /// temporary file's name (its name and file name are what its ARN says).
    pub fn room(arn: &str) -> usize {
        arn.len() + 64 + crate::output::stage::TEMPORARY_NAME_LEN
    }

    /// Keeps `outcome` as the `index`th principal's (replacing any kept there before).
    pub fn keep(&mut self, index: usize, outcome: Outcome) {
        let entry = match self.pack(outcome) {
            Ok(packed) => Entry::Packed(packed),
            Err(whole) => Entry::Whole(whole),
        };
        if let Some(slot) = self.entries.get_mut(index) {
            *slot = Some(entry);
        } else {
            // Not one of the principals it was made for: kept all the same (last), so
            // that nothing staged is lost track of.
            self.entries.push(Some(entry));
        }
    }

    /// The outcomes, in index order (an index never kept has none), each staged file
    /// again deleted when its outcome is dropped.
    pub fn into_outcomes(mut self) -> Vec<Outcome> {
        let entries = std::mem::take(&mut self.entries);
        entries
            .into_iter()
            .flatten()
            .map(|entry| match entry {
                Entry::Whole(outcome) => *outcome,
                Entry::Packed(p) => self.unpack(p),
            })
            .collect()
    }

    /// The outcome's text appended, or the outcome back when it cannot be.
    fn pack(&mut self, outcome: Outcome) -> Result<Packed, Box<Outcome>> {
        // An upper bound of what it appends (its staged file's whole temporary path).
        let size = outcome.arn.len()
            + outcome.name.len()
            + outcome.file.as_ref().map_or(0, String::len)
            + outcome.staged.as_ref().map_or(0, |s| match s {
                Ok(s) => s.sha256.len() + s.temporary().as_os_str().len(),
                Err(_) => 0,
            });
        if !self.finds_again(&outcome) || !self.text.has_room(size) {
            return Err(Box::new(outcome));
        }
        let Outcome {
            arn,
            name,
            kind,
            status,
            staged,
            file,
            details,
        } = outcome;
        let staged = match (staged, &self.dir, &file) {
            (Some(Ok(staged)), Some(folder), Some(file)) => {
                // `finds_again` checked that it has one.
                let temporary = folder.temporary_name(&staged, file).unwrap_or_default();
                let kept = StagedFile {
                    sha256: self.text.push(&staged.sha256),
                    temporary: self.text.push(temporary),
                };
                // Deleted by the ledger from now on, not by `staged`.
                let _ = staged.into_parts();
                Some(kept)
            }
            _ => None,
        };
        let name = (name != arn_tail(&arn)).then(|| self.text.push(&name));
        let file = file.map(|f| {
            if name.is_none() && f == file_as_arn_says(&arn, false) {
                File::OfName
            } else if name.is_none() && f == file_as_arn_says(&arn, true) {
                File::InAccountFolder
            } else {
                File::Held(self.text.push(&f))
            }
        });
        Ok(Packed {
            arn: self.text.push(&arn),
            name,
            file,
            kind,
            status,
            staged,
            details,
        })
    }

    /// Whether the outcome's staged file, if it has one, is where [`Ledger::staged_names`] finds
    /// it again: staged at `DIR/<file>`, beside it, under a UTF-8 name.
    fn finds_again(&self, outcome: &Outcome) -> bool {
        match (&outcome.staged, &self.dir, &outcome.file) {
            (None, _, _) => true,
            (Some(Ok(staged)), Some(folder), Some(file)) => {
                folder.temporary_name(staged, file).is_some()
            }
            _ => false,
        }
    }

    fn file(&self, p: &Packed) -> Option<String> {
        let arn = self.text.get(p.arn);
        Some(match p.file? {
            File::OfName => file_as_arn_says(arn, false),
            File::InAccountFolder => file_as_arn_says(arn, true),
            File::Held(span) => self.text.get(span).to_string(),
        })
    }

    /// A packed entry's staged file: its name in the folder and its temporary file's.
    fn staged_names(&self, p: &Packed) -> Option<(String, &str)> {
        Some((self.file(p)?, self.text.get(p.staged?.temporary)))
    }

    fn unpack(&self, p: Packed) -> Outcome {
        let staged = self
            .dir
            .as_ref()
            .zip(self.staged_names(&p))
            .zip(p.staged)
            .map(|((folder, (file, temporary)), s)| {
                folder.take_back(&file, self.text.get(s.sha256).to_string(), temporary)
            });
        let arn = self.text.get(p.arn);
        Outcome {
            arn: arn.to_string(),
            name: p
                .name
                .map_or(arn_tail(arn), |n| self.text.get(n))
                .to_string(),
            kind: p.kind,
            status: p.status,
            staged,
            file: self.file(&p),
            details: p.details,
        }
    }
}

/// The last segment of an ARN (after its last `/`): a role's or user's name.
fn arn_tail(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or_default()
}

/// The file of the principal whose ARN is `arn` when its name is what the ARN says:
/// `<name>.json`, or `<account>/<name>.json` in an account's folder.
fn file_as_arn_says(arn: &str, in_account_folder: bool) -> String {
    let name = arn_tail(arn);
    if in_account_folder {
        format!("{}/{name}.json", account_of(arn))
    } else {
        format!("{name}.json")
    }
}

impl Drop for Ledger {
    /// Deletes the temporary files still held (a run that failed before its commit), as
    /// each outcome's [`crate::output::Staged`] would have.
    fn drop(&mut self) {
        for entry in self.entries.iter().flatten() {
            if let (Entry::Packed(p), Some(folder)) = (entry, &self.dir) {
                if let Some((file, temporary)) = self.staged_names(p) {
                    folder.delete(&file, temporary);
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
