//! Files staged for a commit, with whose they are, kept packed until they are moved into
//! place: [`StagedFiles`], one chunk of a commit ([`super::commit_staged`]; an
//! organisation's run gives one per account).
//!
//! Why packed: a [`Staged`] is its target, its hash and its temporary file's path, three
//! allocations, and with its owner 324 bytes a file (193 packed: test
//! `a_packed_file_takes_two_thirds_of_a_staged_one`). A commit reads its files twice
//! (for the manifests, then to move them), and an organisation's run commits 100,000 files
//! at its end: held as `Staged`s, they were the largest part of what the commit added to the
//! run's peak. Here each file is its name in the output folder, its hash, its owner and its
//! temporary file's name, appended to one text, and four spans.
//!
//! A file whose paths are not as [`super::stage::stage`] makes them (a target outside the
//! folder, a temporary file elsewhere, a name that is not UTF-8), or past the text's
//! limit, is kept whole: nothing staged is lost track of. Every temporary file still held is
//! deleted when the chunk is dropped, as each `Staged` would have been.

use std::io;
use std::path::{Path, PathBuf};

use super::stage::{Staged, StagingFolder};
use crate::packed::{PackedText, Span};

/// One chunk of a commit's files, in the order they were added.
#[derive(Debug)]
pub struct StagedFiles {
    /// The output folder, in which every packed file's target is.
    folder: StagingFolder,
    text: PackedText,
    files: Vec<Kept>,
}

#[derive(Debug)]
enum Kept {
    Packed(Packed),
    Whole(Box<(Staged, String)>),
}

/// A file staged at `parent(DIR/<name>)/<temporary>`, its target `DIR/<name>`.
#[derive(Debug, Clone, Copy)]
struct Packed {
    name: Span,
    sha256: Span,
    owner: Span,
    temporary: Span,
}

/// One file of a chunk, as [`StagedFiles::each`] shows it.
#[derive(Debug)]
pub struct StagedRef<'a> {
    pub target: &'a Path,
    pub sha256: &'a str,
    /// Whose it is: a principal's ARN, a policy's file name.
    pub owner: &'a str,
    pub temporary: &'a Path,
}

impl StagedFiles {
    /// An empty chunk of files whose targets are in `dir`, with room for `files` files and
    /// `text` bytes of their names, hashes, owners and temporary files' names
    /// ([`StagedFiles::room`]).
    pub fn new(dir: &Path, files: usize, text: usize) -> Self {
        StagedFiles {
            folder: StagingFolder::new(dir),
            text: PackedText::with_capacity(text),
            files: Vec::with_capacity(files),
        }
    }

    /// The text a file named `name` in the folder, `owner`'s, most likely takes.
    pub fn room(name: &str, owner: &str) -> usize {
        name.len() + 64 + owner.len() + super::stage::TEMPORARY_NAME_LEN
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Adds a staged file, `owner`'s.
    pub fn push(&mut self, staged: Staged, owner: &str) {
        let packed = self
            .packable(&staged, owner)
            .map(|(name, temporary)| Packed {
                name: self.text.push(name),
                sha256: self.text.push(&staged.sha256),
                owner: self.text.push(owner),
                temporary: self.text.push(temporary),
            });
        let kept = match packed {
            Some(packed) => {
                // Deleted by this chunk from now on, not by `staged`.
                let _ = staged.into_parts();
                Kept::Packed(packed)
            }
            None => Kept::Whole(Box::new((staged, owner.to_string()))),
        };
        self.files.push(kept);
    }

    /// The file's name in the folder and its temporary file's, when they find it again
    /// ([`StagingFolder::temporary_name`]) and the text has room for them.
    fn packable<'s>(&self, staged: &'s Staged, owner: &str) -> Option<(&'s str, &'s str)> {
        let name = staged
            .target
            .strip_prefix(self.folder.dir())
            .ok()?
            .to_str()?;
        let temporary = self.folder.temporary_name(staged, name)?;
        let size = name.len() + staged.sha256.len() + owner.len() + temporary.len();
        self.text.has_room(size).then_some((name, temporary))
    }

    /// A packed file's target and temporary file.
    fn paths(&self, p: &Packed) -> (PathBuf, PathBuf) {
        self.folder
            .paths(self.text.get(p.name), self.text.get(p.temporary))
    }

    /// Shows each file in turn, in order.
    pub fn each(&self, mut f: impl FnMut(StagedRef<'_>)) {
        for kept in &self.files {
            match kept {
                Kept::Packed(p) => {
                    let (target, temporary) = self.paths(p);
                    f(StagedRef {
                        target: &target,
                        sha256: self.text.get(p.sha256),
                        owner: self.text.get(p.owner),
                        temporary: &temporary,
                    });
                }
                Kept::Whole(whole) => {
                    let (staged, owner) = &**whole;
                    f(StagedRef {
                        target: &staged.target,
                        sha256: &staged.sha256,
                        owner,
                        temporary: staged.temporary(),
                    });
                }
            }
        }
    }

    /// The `i`th file's target.
    pub fn target(&self, i: usize) -> Option<PathBuf> {
        match self.files.get(i)? {
            Kept::Packed(p) => Some(self.paths(p).0),
            Kept::Whole(whole) => Some(whole.0.target.clone()),
        }
    }

    /// Every target, in order (for a message naming the files not written).
    pub fn targets(&self) -> Vec<PathBuf> {
        let mut out = Vec::with_capacity(self.files.len());
        self.each(|f| out.push(f.target.to_path_buf()));
        out
    }

    /// The files, in order, each again deleted when dropped unless moved into place; a
    /// file that cannot be taken back (the current folder gone: [`Staged::from_parts`]) is
    /// deleted, and its target and why given instead.
    pub fn into_staged(mut self) -> Vec<Result<Staged, (PathBuf, io::Error)>> {
        let files = std::mem::take(&mut self.files);
        files
            .into_iter()
            .map(|kept| match kept {
                Kept::Whole(whole) => Ok(whole.0),
                Kept::Packed(p) => self.folder.take_back(
                    self.text.get(p.name),
                    self.text.get(p.sha256).to_string(),
                    self.text.get(p.temporary),
                ),
            })
            .collect()
    }
}

impl Drop for StagedFiles {
    /// Deletes the temporary files still held (a commit that failed before moving them).
    fn drop(&mut self) {
        for kept in &self.files {
            if let Kept::Packed(p) = kept {
                self.folder
                    .delete(self.text.get(p.name), self.text.get(p.temporary));
            }
        }
    }
}

#[cfg(test)]
#[path = "staged_files_tests.rs"]
mod tests;
