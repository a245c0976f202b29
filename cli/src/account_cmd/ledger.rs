//! What is kept of each principal's [`Outcome`] from the worker that made it to the one
//! commit at the end of the run: a [`Ledger`] per account.
//!
//! Why not the outcomes themselves: an outcome is half a dozen small allocations (its ARN,
//! name and file name, the staged file's target, hash and temporary path), made by a worker
//! among the thousands of short-lived ones of planning the principal, and kept to the end of
//! the run. An allocator cannot give a page back while one block on it lives, so the
//! outcomes of 8,050 principals, about 4 MB of heap, kept about 11 MB more resident
//! (measured by dropping each as it was made: 57.5 -> 46.1 MB with one job, 68.2 -> 58.2 MB
//! with two). Here their text is appended to one string and the rest is an entry of fixed
//! size in one vector, so an account's outcomes are two allocations, and the pages its
//! planning used are freed whole.
//!
//! A staged file is kept as its hash and the name of its temporary file: its target is
//! `DIR/<file>` and its temporary file is beside it ([`crate::output::stage::stage`]), which
//! is checked as it is kept. The ledger deletes the temporary files it holds when it is
//! dropped, as the outcomes did, so a run that fails before the commit leaves none.
//!
//! What most outcomes lack ([`Details`]) stays as it came, boxed: only principals that
//! failed or are not proved, or whose policies `--format json` prints, have any. So does an
//! outcome the ledger cannot pack (an error staging its file, a temporary file elsewhere,
//! text past [`Ledger::limit`]).

use std::path::{Path, PathBuf};

use iam_refine::{PrincipalKind, PrincipalStatus};

use super::exports::account_of;
use super::work::{Details, Outcome};
use crate::output::stage::parent;
use crate::output::Staged;

/// Each principal's outcome, by its index in the account's work, packed.
#[derive(Debug)]
pub(super) struct Ledger {
    text: String,
    entries: Vec<Option<Entry>>,
    /// `--output-dir`, in which every staged file's target is.
    dir: Option<PathBuf>,
    /// The most text held: spans are `u32`s. Lower in tests.
    limit: usize,
}

/// Where a string is in [`Ledger::text`].
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

#[derive(Debug)]
enum Entry {
    Packed(Packed),
    Whole(Box<Outcome>),
}

#[derive(Debug)]
struct Packed {
    arn: Span,
    name: Name,
    file: Option<Name>,
    kind: PrincipalKind,
    status: PrincipalStatus,
    /// Staged at `parent(DIR/<file>)/<temporary>`.
    staged: Option<StagedFile>,
    details: Option<Box<Details>>,
}

/// A principal's name, or its file's: mostly what its ARN says, so not held again.
#[derive(Debug, Clone, Copy)]
enum Name {
    /// The name is the ARN's last segment (after its last `/`); the file, `<name>.json`.
    AsArnSays,
    /// The file is `<account>/<name>.json`, the account as the ARN says (a folder of
    /// exports).
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
            text: String::with_capacity(text),
            entries: std::iter::repeat_with(|| None).take(count).collect(),
            dir: dir.map(Path::to_path_buf),
            limit: u32::MAX as usize,
        }
    }

    /// The text a principal whose ARN is `arn` most likely takes: its ARN, a hash and a
    /// temporary file's name (its name and file name are what its ARN says).
    pub fn room(arn: &str) -> usize {
        arn.len() + 64 + ".iam-refine-XXXXXX.tmp".len()
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
        let Some(staged) = self.staged_packable(&outcome) else {
            return Err(Box::new(outcome));
        };
        let size = outcome.arn.len()
            + outcome.name.len()
            + outcome.file.as_ref().map_or(0, String::len)
            + staged.map_or(0, |(sha, tmp)| sha.len() + tmp.len());
        if self.text.len().saturating_add(size) > self.limit {
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
        let staged = match staged {
            Some(Ok(staged)) => {
                let (_, sha256, temporary) = staged.into_parts();
                // `staged_packable` checked that it has a UTF-8 file name.
                let name = temporary.file_name().and_then(|n| n.to_str()).unwrap_or("");
                Some(StagedFile {
                    sha256: self.push(&sha256),
                    temporary: self.push(name),
                })
            }
            _ => None,
        };
        let tail = arn.rsplit('/').next().unwrap_or_default();
        let name = if name == tail {
            Name::AsArnSays
        } else {
            Name::Held(self.push(&name))
        };
        let file = file.map(|f| {
            let as_arn_says = matches!(name, Name::AsArnSays);
            match f.strip_suffix(".json") {
                Some(stem) if as_arn_says && stem == tail => Name::AsArnSays,
                Some(stem)
                    if as_arn_says
                        && stem.strip_suffix(tail).and_then(|s| s.strip_suffix('/'))
                            == Some(account_of(&arn)) =>
                {
                    Name::InAccountFolder
                }
                _ => Name::Held(self.push(&f)),
            }
        });
        Ok(Packed {
            arn: self.push(&arn),
            name,
            file,
            kind,
            status,
            staged,
            details,
        })
    }

    /// Whether the outcome's staged file (if any) can be kept as its hash and temporary
    /// file name: it was staged, at `DIR/<file>`, beside it. `Some(the two)` or
    /// `Some(None)` when it has none; `None` when it must be kept whole.
    #[allow(clippy::option_option)]
    fn staged_packable<'o>(&self, outcome: &'o Outcome) -> Option<Option<(&'o str, &'o str)>> {
        let staged = match &outcome.staged {
            None => return Some(None),
            Some(Err(_)) => return None,
            Some(Ok(staged)) => staged,
        };
        let target = self.dir.as_ref()?.join(outcome.file.as_ref()?);
        let temporary = staged.temporary();
        let name = temporary.file_name()?.to_str()?;
        (staged.target == target && parent(&target).join(name) == temporary)
            .then_some(Some((staged.sha256.as_str(), name)))
    }

    fn push(&mut self, s: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(s);
        // `pack` keeps the text within `limit`, itself within `u32`.
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            len: u32::try_from(s.len()).unwrap_or(0),
        }
    }

    fn get(&self, span: Span) -> &str {
        let start = span.start as usize;
        self.text
            .get(start..start + span.len as usize)
            .unwrap_or_default()
    }

    /// The name `name` is, of the principal whose ARN is `arn`, or of its file.
    fn name(&self, name: Name, arn: Span, file: bool) -> String {
        match name {
            Name::Held(span) => self.get(span).to_string(),
            Name::AsArnSays | Name::InAccountFolder => {
                let arn = self.get(arn);
                let tail = arn.rsplit('/').next().unwrap_or_default();
                match (file, name) {
                    (false, _) => tail.to_string(),
                    (true, Name::InAccountFolder) => format!("{}/{tail}.json", account_of(arn)),
                    (true, _) => format!("{tail}.json"),
                }
            }
        }
    }

    fn unpack(&self, p: Packed) -> Outcome {
        let file = p.file.map(|f| self.name(f, p.arn, true));
        let staged = match (p.staged, &self.dir, &file) {
            (Some(s), Some(dir), Some(file)) => {
                let target = dir.join(file);
                let temporary = parent(&target).join(self.get(s.temporary));
                let sha256 = self.get(s.sha256).to_string();
                match Staged::from_parts(target.clone(), sha256, temporary.clone()) {
                    Ok(staged) => Some(Ok(staged)),
                    Err(e) => {
                        // Nothing will delete it now: as a file that could not be staged.
                        let _ = std::fs::remove_file(&temporary);
                        Some(Err((target, e)))
                    }
                }
            }
            _ => None,
        };
        Outcome {
            arn: self.get(p.arn).to_string(),
            name: self.name(p.name, p.arn, false),
            kind: p.kind,
            status: p.status,
            staged,
            file,
            details: p.details,
        }
    }

    /// The temporary file of a packed entry's staged file.
    fn temporary(&self, p: &Packed) -> Option<PathBuf> {
        let staged = p.staged?;
        let target = self.dir.as_ref()?.join(self.name(p.file?, p.arn, true));
        Some(parent(&target).join(self.get(staged.temporary)))
    }
}

impl Drop for Ledger {
    /// Deletes the temporary files still held (a run that failed before its commit), as
    /// each outcome's [`Staged`] would have.
    fn drop(&mut self) {
        for entry in self.entries.iter().flatten() {
            if let Entry::Packed(p) = entry {
                if let Some(path) = self.temporary(p) {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
