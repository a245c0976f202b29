//! A commit of files staged already ([`commit_staged`]): what an output folder's manifests
//! say is worked out, each unit's manifests staged, everything made durable at once, and
//! only then is anything in the folder changed, in the order its doc says.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::TempPath;

use super::stage::{self, Staged};
use super::{Done, StagedFiles, StagedPlan, WriteError, NAMED};
use crate::hashed::HashedIndex;
use crate::manifest::{self, ManifestError, Tracking};

/// [`commit`] of files staged already ([`stage::stage`], as `account` does while it plans),
/// in chunks: each chunk's files are read twice, for its units' manifests and to move them
/// into place, and not held unpacked at once (an organisation's run commits 100,000 files).
///
/// Durability, in order: every staged file and this run's manifests (pending and final) are
/// written but not synced; then one [`stage::Durable`] (on Linux one `syncfs` per file
/// system) makes all of their data durable; the pending manifests are renamed into place
/// and their folder synced; only then are last run's files removed and the staged files
/// renamed over their targets, and each folder synced; then the final manifests are renamed
/// into place (their folder synced), and the pending ones removed. So after a crash at any
/// point each target holds its old content or its complete new content (the data of every
/// file renamed was on disk before the first rename), a file this run may have left is
/// listed by a pending manifest that is itself on disk, and the next run finishes the work.
/// What the once-per-run sync gives up against one `fsync` per file: nothing of the above;
/// a run that fails before renaming leaves its temporary files to be deleted, as before.
pub fn commit_staged(
    dir: &Path,
    plan: StagedPlan,
    tracking: &Tracking<'_>,
) -> Result<Done, WriteError> {
    let StagedPlan { chunks, removals } = plan;
    let in_dir = |p: &Path| {
        p.strip_prefix(dir)
            .unwrap_or(p)
            .to_string_lossy()
            .replace(std::path::MAIN_SEPARATOR, "/")
    };
    let written = WrittenNames::new(&chunks, &in_dir);
    let named: Vec<(String, String)> = removals
        .iter()
        .map(|(t, why)| (in_dir(t), why.clone()))
        .collect();
    let manifest_error = |source| WriteError::Manifest { source };
    let mut prepared = manifest::prepare(dir, &|file| written.has(file), &named, tracking)
        .map_err(manifest_error)?;
    drop(written);
    // Each unit's manifests, staged before anything in the folder changes: its pending one
    // (what it may leave on disk) and its final one (what it wrote), made from its chunk.
    // The same pass notes each staged file to be made durable.
    let mut staged = StagedManifests::default();
    let mut durable = stage::Durable::default();
    for chunk in &chunks {
        let mut entries = Vec::with_capacity(chunk.len());
        chunk.each(|f| {
            durable.add(f.temporary);
            entries.push(manifest::Entry {
                file: in_dir(f.target),
                sha256: f.sha256.to_string(),
                owner: f.owner.to_string(),
            });
        });
        let units = prepared.units(entries, tracking).map_err(manifest_error)?;
        staged.stage(units)?;
    }
    staged.stage(prepared.rest(tracking))?;
    let StagedManifests { pending, finals } = staged;

    for tmp in pending
        .iter()
        .map(|(_, t)| t)
        .chain(finals.iter().flat_map(|(_, t)| t))
    {
        durable.add(tmp);
    }
    durable.finish().map_err(|source| WriteError::Manifest {
        source: ManifestError::Write {
            path: dir.to_path_buf(),
            source,
        },
    })?;
    if crashes_here() {
        return Err(crashed(dir));
    }
    persist_manifests(dir, pending).map_err(manifest_error)?;

    // The folders whose entries change, each once.
    let mut folders: BTreeSet<PathBuf> = BTreeSet::new();
    let mut note_folder = |path: &Path| {
        let folder = stage::parent(path);
        if !folders.contains(folder) {
            folders.insert(folder.to_path_buf());
        }
    };
    let mut done = Done {
        notes: std::mem::take(&mut prepared.notes),
        ..Done::default()
    };
    for (target, why) in prepared.removals() {
        let Ok(meta) = fs::symlink_metadata(&target) else {
            continue;
        };
        // Only a file (or a link) can be last run's output; a folder there is not ours.
        if meta.is_dir() {
            continue;
        }
        if crashes_here() {
            return Err(crashed(dir));
        }
        if let Err(source) = fs::remove_file(&target) {
            return Err(WriteError::Commit {
                verb: "remove",
                target,
                source,
                done: Box::new(done),
                not_written: chunks.iter().flat_map(StagedFiles::targets).collect(),
            });
        }
        note_folder(&target);
        done.removed.push((target, why));
    }
    // Staged files not yet renamed are deleted when dropped, chunk by chunk.
    let mut chunks = chunks.into_iter();
    while let Some(chunk) = chunks.next() {
        let mut files = chunk.into_staged().into_iter();
        while let Some(file) = files.next() {
            if crashes_here() {
                return Err(crashed(dir));
            }
            match file.and_then(Staged::persist) {
                Ok(target) => {
                    note_folder(&target);
                    done.written += 1;
                    if done.written_first.len() < NAMED {
                        done.written_first.push(target);
                    }
                }
                Err((target, source)) => {
                    let mut not_written = vec![target.clone()];
                    not_written.extend(files.map(|f| match f {
                        Ok(s) => s.target.clone(),
                        Err((target, _)) => target,
                    }));
                    not_written.extend(chunks.flat_map(|c| c.targets()));
                    return Err(WriteError::Commit {
                        verb: "write",
                        target,
                        source,
                        done: Box::new(done),
                        not_written,
                    });
                }
            }
        }
    }
    // The renames survive a crash only once their folders are synced.
    stage::sync_folders(folders.iter().map(PathBuf::as_path));

    let record_error = |path: &Path, source| WriteError::Record {
        source: ManifestError::Write {
            path: path.to_path_buf(),
            source,
        },
    };
    if crashes_here() {
        return Err(crashed(dir));
    }
    let mut ready = Vec::new();
    for (path, tmp) in finals {
        match tmp {
            Some(tmp) => ready.push((path, tmp)),
            None => remove_if_there(&path).map_err(|source| record_error(&path, source))?,
        }
    }
    persist_manifests(dir, ready).map_err(|source| WriteError::Record { source })?;
    for path in &prepared.sweep {
        if crashes_here() {
            return Err(crashed(dir));
        }
        remove_if_there(path).map_err(|source| record_error(path, source))?;
    }
    stage::sync_folders([dir.join(manifest::FOLDER).as_path()]);
    Ok(done)
}

/// Whether a test stops the commit here, before a change of the folder, as a crash would
/// ([`crash`]); never outside tests.
#[cfg(not(test))]
fn crashes_here() -> bool {
    false
}

#[cfg(test)]
fn crashes_here() -> bool {
    crash::here()
}

/// What a commit that a test stopped returns (its caller sees a failed commit; the folder
/// is as a crash at that point leaves it, but for temporary files, deleted as they drop).
fn crashed(dir: &Path) -> WriteError {
    WriteError::Record {
        source: ManifestError::Write {
            path: dir.to_path_buf(),
            source: io::Error::other("stopped here by a test"),
        },
    }
}

/// Crash points of commits on a test's thread: [`crash::at`] picks the change of the folder
/// before which the next commit stops.
#[cfg(test)]
pub(super) mod crash {
    use std::cell::Cell;

    thread_local! {
        static AT: Cell<Option<usize>> = const { Cell::new(None) };
        static SEEN: Cell<usize> = const { Cell::new(0) };
    }

    /// Commits on this thread stop before their `step`th change of the folder (counted from
    /// this call on), or (`None`) not at all.
    pub fn at(step: Option<usize>) {
        AT.set(step);
        SEEN.set(0);
    }

    pub(super) fn here() -> bool {
        let seen = SEEN.get();
        SEEN.set(seen + 1);
        AT.get() == Some(seen)
    }
}

/// The names of the files a commit writes, to ask whether it writes a name, without a list
/// of them all: where each file is, by its name's hash ([`HashedIndex`]), each candidate
/// confirmed against the file's own name.
struct WrittenNames<'c> {
    chunks: &'c [StagedFiles],
    in_dir: &'c dyn Fn(&Path) -> String,
    /// `(chunk, file)`, by the file's name.
    index: HashedIndex<(u32, u32)>,
}

impl<'c> WrittenNames<'c> {
    fn new(chunks: &'c [StagedFiles], in_dir: &'c dyn Fn(&Path) -> String) -> Self {
        let mut index = HashedIndex::with_capacity(chunks.iter().map(StagedFiles::len).sum());
        for (c, chunk) in chunks.iter().enumerate() {
            let mut i = 0;
            chunk.each(|f| {
                index.file(in_dir(f.target), (c as u32, i));
                i += 1;
            });
        }
        index.sort();
        WrittenNames {
            chunks,
            in_dir,
            index,
        }
    }

    fn has(&self, name: &str) -> bool {
        self.index.candidates(name).any(|(c, i)| {
            self.chunks[c as usize]
                .target(i as usize)
                .is_some_and(|target| (self.in_dir)(&target) == name)
        })
    }
}

/// Each unit's manifests, staged.
#[derive(Default)]
struct StagedManifests {
    pending: Vec<(PathBuf, TempPath)>,
    /// `None`: the unit lists nothing, its manifest is removed.
    finals: Vec<(PathBuf, Option<TempPath>)>,
}

impl StagedManifests {
    fn stage(&mut self, units: Vec<manifest::UnitManifests>) -> Result<(), WriteError> {
        let error = |source| WriteError::Manifest { source };
        for unit in units {
            let tmp =
                stage_manifest(&unit.pending, |out| unit.write_pending(out)).map_err(error)?;
            self.pending.push((unit.pending.clone(), tmp));
            let final_tmp = if unit.lists_nothing() {
                None
            } else {
                Some(stage_manifest(&unit.path, |out| unit.write_final(out)).map_err(error)?)
            };
            self.finals.push((unit.path, final_tmp));
        }
        Ok(())
    }
}

/// A manifest written in full by `write` to a temporary file beside `path`, not yet synced.
fn stage_manifest(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<TempPath, ManifestError> {
    let error = |source| ManifestError::Write {
        path: path.to_path_buf(),
        source,
    };
    fs::create_dir_all(stage::parent(path)).map_err(error)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(stage::TEMPORARY_PREFIX)
        .suffix(stage::TEMPORARY_SUFFIX)
        .tempfile_in(stage::parent(path))
        .map_err(error)?;
    let mut out = io::BufWriter::new(tmp.as_file_mut());
    write(&mut out).map_err(error)?;
    out.flush().map_err(error)?;
    drop(out);
    Ok(tmp.into_temp_path())
}

/// Renames synced manifests into place, and syncs their folder.
fn persist_manifests(dir: &Path, staged: Vec<(PathBuf, TempPath)>) -> Result<(), ManifestError> {
    if staged.is_empty() {
        return Ok(());
    }
    for (path, tmp) in staged {
        tmp.persist(&path).map_err(|e| ManifestError::Write {
            path: path.clone(),
            source: e.error,
        })?;
    }
    stage::sync_folders([dir.join(manifest::FOLDER).as_path()]);
    Ok(())
}

fn remove_if_there(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(test)]
#[path = "commit_tests.rs"]
mod tests;
