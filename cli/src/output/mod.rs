//! Writing refined policies into an output folder, all or nothing: every file is written
//! in full to a temporary file beside its target first, and only when all of them are
//! complete are they renamed into place, so a failure part way (a full disk, a target that
//! is a folder) leaves the folder as it was. Last run's files that this run does not write
//! again are removed, whatever their names, by the folder's manifests
//! ([`crate::manifest`]), so they cannot pass for current; a file iam-refine did not write
//! is never removed. No output is ever written over an input.
//!
//! Files are staged without syncing each ([`stage`]); the data of all of them is made
//! durable at once before the first rename ([`commit_staged`] says in which order, and what
//! a crash leaves).

pub mod stage;

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(not(unix))]
use same_file::Handle;
use tempfile::TempPath;

use crate::manifest::{self, ManifestError, Tracking};
pub use stage::Staged;

/// What to do in the output folder.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files to write, with their contents.
    pub writes: Vec<(PathBuf, String)>,
    /// Files at the names this run would have written for what now gets no file, each
    /// with the reason to give: removed when a manifest says they are last run's.
    pub removals: Vec<(PathBuf, String)>,
}

/// What to do in the output folder, with every file staged already.
#[derive(Debug, Default)]
pub struct StagedPlan {
    pub writes: Vec<Staged>,
    /// As [`Plan::removals`].
    pub removals: Vec<(PathBuf, String)>,
}

/// What was done.
#[derive(Debug, Default)]
pub struct Done {
    pub written: Vec<PathBuf>,
    /// Files that existed and were removed, with their reasons.
    pub removed: Vec<(PathBuf, String)>,
    /// Warnings: files left in place, an earlier run that did not finish.
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot create the output folder `{}`: {source}", .dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("writing to `{}` would overwrite the input `{}`; choose another --output-dir", .target.display(), .input.display())]
    OverInput { target: PathBuf, input: PathBuf },
    /// Failed before anything in the folder changed.
    #[error("{source}; nothing was written")]
    Manifest {
        #[source]
        source: ManifestError,
    },
    /// Every file is in place, but its record could not be finished.
    #[error(
        "{source}; every file is in place, and the next run reads this run's pending manifest"
    )]
    Record {
        #[source]
        source: ManifestError,
    },
    #[error("cannot write `{}`: it is a directory; nothing was written", .target.display())]
    IsDirectory { target: PathBuf },
    /// Failed before anything in the folder changed.
    #[error("cannot write `{}`: {source}; nothing was written", .target.display())]
    Prepare {
        target: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Failed while moving files into place: some are new, some not.
    #[error("cannot {verb} `{}`: {source}; {}", .target.display(), progress(.done, .not_written))]
    Commit {
        verb: &'static str,
        target: PathBuf,
        #[source]
        source: io::Error,
        done: Box<Done>,
        not_written: Vec<PathBuf>,
    },
}

fn names(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "none".to_string();
    }
    paths
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn progress(done: &Done, not_written: &[PathBuf]) -> String {
    let mut s = format!(
        "written: {}; not written: {}",
        names(&done.written),
        names(not_written)
    );
    if !done.removed.is_empty() {
        let removed: Vec<PathBuf> = done.removed.iter().map(|(p, _)| p.clone()).collect();
        s.push_str(&format!("; removed: {}", names(&removed)));
    }
    s
}

/// Refuses any target that is one of the inputs, under whatever name (the same path, a
/// symbolic link, a hard link). Targets that do not exist yet cannot be an input.
///
/// On Unix files are compared by device and inode from their metadata, which holds no file
/// open: an account run may have thousands of inputs, and opening them all at once would
/// pass the process's limit of open files, leaving inputs unchecked.
#[cfg(unix)]
pub fn refuse_over_inputs(targets: &[PathBuf], inputs: &[&Path]) -> Result<(), WriteError> {
    use std::collections::HashMap;
    use std::os::unix::fs::MetadataExt;

    let identity = |p: &Path| fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
    let inputs: HashMap<(u64, u64), &Path> = inputs
        .iter()
        .filter_map(|p| identity(p).map(|id| (id, *p)))
        .collect();
    for target in targets {
        if let Some(input) = identity(target).and_then(|id| inputs.get(&id)) {
            return Err(WriteError::OverInput {
                target: target.clone(),
                input: input.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// Refuses any target that is one of the inputs, under whatever name (the same path, a
/// symbolic link, a hard link). Targets that do not exist yet cannot be an input.
#[cfg(not(unix))]
pub fn refuse_over_inputs(targets: &[PathBuf], inputs: &[&Path]) -> Result<(), WriteError> {
    let inputs: Vec<(&Path, Handle)> = inputs
        .iter()
        .filter_map(|p| Handle::from_path(p).ok().map(|h| (*p, h)))
        .collect();
    for target in targets {
        let Ok(handle) = Handle::from_path(target) else {
            continue;
        };
        if let Some((input, _)) = inputs.iter().find(|(_, h)| *h == handle) {
            return Err(WriteError::OverInput {
                target: target.clone(),
                input: input.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// Carries out `plan` in `dir`: all files written, or (short of a rename failing once every
/// file is complete) none; last run's files that `tracking` answers for and that are not
/// written again removed, and the folder's manifests updated ([`crate::manifest`]).
pub fn commit(dir: &Path, plan: Plan, tracking: &Tracking<'_>) -> Result<Done, WriteError> {
    let targets: Vec<&Path> = plan.writes.iter().map(|(t, _)| t.as_path()).collect();
    let mut made = MadeDirs::default();
    create_dirs(dir, &targets, &mut made)?;
    check_targets(targets)?;
    let writes = stage_all(plan.writes)?;
    let done = commit_staged(
        dir,
        StagedPlan {
            writes,
            removals: plan.removals,
        },
        tracking,
    )?;
    made.keep();
    Ok(done)
}

/// Creates the output folder (and its parents), and the folders inside it that `targets`
/// are in (an organisation's per-account folders), noting in `made` those it made.
pub fn create_dirs(dir: &Path, targets: &[&Path], made: &mut MadeDirs) -> Result<(), WriteError> {
    let mut create = |d: &Path| {
        let new: Vec<PathBuf> = d
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && fs::symlink_metadata(a).is_err())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(d).map_err(|source| WriteError::CreateDir {
            dir: d.to_path_buf(),
            source,
        })?;
        made.0.extend(new.into_iter().rev());
        Ok(())
    };
    create(dir)?;
    let inner: std::collections::BTreeSet<&Path> = targets
        .iter()
        .map(|t| stage::parent(t))
        .filter(|p| *p != dir && p.starts_with(dir))
        .collect();
    for folder in inner {
        create(folder)?;
    }
    Ok(())
}

/// The folders a run made for its files, outermost first: removed again when it is dropped
/// (those still empty: its staged files are gone by then), so that a run that fails half
/// way (an organisation's later export refused) leaves no folder behind; [`MadeDirs::keep`]
/// once the files are committed.
#[derive(Debug, Default)]
pub struct MadeDirs(Vec<PathBuf>);

impl MadeDirs {
    /// The run committed: its folders stay.
    pub fn keep(&mut self) {
        self.0.clear();
    }
}

impl Drop for MadeDirs {
    fn drop(&mut self) {
        for dir in self.0.iter().rev() {
            // Only an empty folder is removed; one with anything in it is not this run's
            // to remove.
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Refuses a target that is a folder: nothing could be renamed over it.
pub fn check_targets<'a>(targets: impl IntoIterator<Item = &'a Path>) -> Result<(), WriteError> {
    for target in targets {
        if fs::symlink_metadata(target).is_ok_and(|m| m.is_dir()) {
            return Err(WriteError::IsDirectory {
                target: target.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// [`commit`] of files staged already ([`stage::stage`], as `account` does while it plans).
///
/// Durability, in order: every staged file and this run's pending manifests are written
/// but not synced; then one [`stage::make_durable`] (on Linux one `syncfs` per file
/// system) makes all of their data durable; the pending manifests are renamed into place
/// and their folder synced; only then are last run's files removed and the staged files
/// renamed over their targets, and each folder synced; the final manifests are written the
/// same way (written, synced at once, renamed), and the pending ones removed. So after a
/// crash at any point each target holds its old content or its complete new content (the
/// data of every file renamed was on disk before the first rename), a file this run may
/// have left is listed by a pending manifest that is itself on disk, and the next run
/// finishes the work. What the once-per-run sync gives up against one `fsync` per file:
/// nothing of the above; a run that fails before renaming leaves its temporary files to be
/// deleted, as before.
pub fn commit_staged(
    dir: &Path,
    mut plan: StagedPlan,
    tracking: &Tracking<'_>,
) -> Result<Done, WriteError> {
    let in_dir = |p: &Path| {
        p.strip_prefix(dir)
            .unwrap_or(p)
            .to_string_lossy()
            .replace(std::path::MAIN_SEPARATOR, "/")
    };
    // Each staged file's hash goes to the manifest, not copied: over 100,000 files, every
    // copy of the list held at the commit was megabytes at the end of the run.
    let names: Vec<(String, String)> = plan
        .writes
        .iter_mut()
        .map(|s| (in_dir(&s.target), std::mem::take(&mut s.sha256)))
        .collect();
    let named: Vec<(String, String)> = plan
        .removals
        .iter()
        .map(|(t, why)| (in_dir(t), why.clone()))
        .collect();
    let mut prepared = manifest::prepare(dir, names, &named, tracking)
        .map_err(|source| WriteError::Manifest { source })?;
    // What this run may leave on disk, recorded before anything in the folder changes.
    let mut pending = Vec::with_capacity(prepared.units.len());
    for unit in &prepared.units {
        let staged = stage_manifest(&unit.pending, |out| prepared.write_pending(unit, out))
            .map_err(|source| WriteError::Manifest { source })?;
        pending.push((unit.pending.clone(), staged));
    }
    let mut to_sync: Vec<&Path> = plan.writes.iter().map(Staged::temporary).collect();
    to_sync.extend(pending.iter().map(|(_, tmp)| -> &Path { tmp }));
    stage::make_durable(to_sync).map_err(|source| WriteError::Manifest {
        source: ManifestError::Write {
            path: dir.to_path_buf(),
            source,
        },
    })?;
    persist_manifests(dir, pending).map_err(|source| WriteError::Manifest { source })?;

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
    for (target, why) in std::mem::take(&mut prepared.removals) {
        let Ok(meta) = fs::symlink_metadata(&target) else {
            continue;
        };
        // Only a file (or a link) can be last run's output; a folder there is not ours.
        if meta.is_dir() {
            continue;
        }
        if let Err(source) = fs::remove_file(&target) {
            return Err(WriteError::Commit {
                verb: "remove",
                target,
                source,
                done: Box::new(done),
                not_written: plan.writes.iter().map(|s| s.target.clone()).collect(),
            });
        }
        note_folder(&target);
        done.removed.push((target, why));
    }
    // Staged files not yet renamed are deleted when dropped.
    let mut writes = plan.writes.into_iter();
    while let Some(staged) = writes.next() {
        match staged.persist() {
            Ok(target) => {
                note_folder(&target);
                done.written.push(target);
            }
            Err((target, source)) => {
                let mut not_written = vec![target.clone()];
                not_written.extend(writes.map(|s| s.target));
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
    // The renames survive a crash only once their folders are synced.
    stage::sync_folders(folders.iter().map(PathBuf::as_path));

    let mut finals = Vec::new();
    for unit in &prepared.units {
        let path = &unit.path;
        if unit.lists_nothing() {
            remove_if_there(path).map_err(|source| WriteError::Record {
                source: ManifestError::Write {
                    path: path.clone(),
                    source,
                },
            })?;
            continue;
        }
        let staged = stage_manifest(path, |out| prepared.write_final(unit, out))
            .map_err(|source| WriteError::Record { source })?;
        finals.push((path.clone(), staged));
    }
    stage::make_durable(finals.iter().map(|(_, tmp)| -> &Path { tmp })).map_err(|source| {
        WriteError::Record {
            source: ManifestError::Write {
                path: dir.join(manifest::FOLDER),
                source,
            },
        }
    })?;
    persist_manifests(dir, finals).map_err(|source| WriteError::Record { source })?;
    for path in &prepared.sweep {
        remove_if_there(path).map_err(|source| WriteError::Record {
            source: ManifestError::Write {
                path: path.clone(),
                source,
            },
        })?;
    }
    stage::sync_folders([dir.join(manifest::FOLDER).as_path()]);
    Ok(done)
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

/// Staging is mostly waiting for the file system (creating a file, writing it): with
/// thousands of files (`refine` of many policies), up to this many threads stage at once
/// (plain threads, not rayon's pool: they wait, they do not compute).
const STAGING_THREADS: usize = 8;

/// [`stage::stage`] for every write, in order; on the first failure (in order) every staged
/// file is deleted (dropped) and nothing in the folder has changed.
pub fn stage_all(writes: Vec<(PathBuf, String)>) -> Result<Vec<Staged>, WriteError> {
    let chunk = writes.len().div_ceil(STAGING_THREADS).max(1);
    let results: Vec<io::Result<Staged>> = std::thread::scope(|scope| {
        let handles: Vec<_> = writes
            .chunks(chunk)
            .map(|part| {
                let handle = scope.spawn(move || {
                    part.iter()
                        .map(|(target, contents)| stage::stage(target, contents))
                        .collect::<Vec<_>>()
                });
                (part.len(), handle)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(len, h)| {
                // Staging does not panic; if a thread did, each of its files is an error
                // rather than missing.
                h.join().unwrap_or_else(|_| {
                    (0..len)
                        .map(|_| Err(io::Error::other("a staging thread stopped")))
                        .collect()
                })
            })
            .collect()
    });
    let mut staged = Vec::with_capacity(writes.len());
    for ((target, _), result) in writes.into_iter().zip(results) {
        match result {
            Ok(s) => staged.push(s),
            Err(source) => return Err(WriteError::Prepare { target, source }),
        }
    }
    Ok(staged)
}
