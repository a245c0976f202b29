//! Writing refined policies into an output folder, all or nothing: every file is written
//! in full to a temporary file beside its target first, and only when all of them are
//! complete are they renamed into place, so a failure part way (a full disk, a target that
//! is a folder) leaves the folder as it was. Last run's files that this run does not write
//! again are removed, whatever their names, by the folder's manifests
//! ([`crate::manifest`]), so they cannot pass for current; a file iam-refine did not write
//! is never removed. No output is ever written over an input.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(not(unix))]
use same_file::Handle;
use tempfile::TempPath;

use crate::manifest::{self, ManifestError, Tracking};

/// What to do in the output folder.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files to write, with their contents.
    pub writes: Vec<(PathBuf, String)>,
    /// Files at the names this run would have written for what now gets no file, each
    /// with the reason to give: removed when a manifest says they are last run's.
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
    fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    for (target, _) in &plan.writes {
        if fs::symlink_metadata(target).is_ok_and(|m| m.is_dir()) {
            return Err(WriteError::IsDirectory {
                target: target.clone(),
            });
        }
    }
    let in_dir = |p: &Path| {
        p.strip_prefix(dir)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    let names: Vec<(String, &str)> = plan
        .writes
        .iter()
        .map(|(t, text)| (in_dir(t), text.as_str()))
        .collect();
    let named: Vec<(String, String)> = plan
        .removals
        .iter()
        .map(|(t, why)| (in_dir(t), why.clone()))
        .collect();
    let prepared = manifest::prepare(dir, &names, &named, tracking)
        .map_err(|source| WriteError::Manifest { source })?;
    // Every file complete on disk before any is moved into place.
    let staged = stage_all(plan.writes)?;
    // What this run may leave on disk, recorded before anything in the folder changes.
    for (path, text) in &prepared.pending {
        manifest::write_atomic(path, text).map_err(|source| WriteError::Manifest { source })?;
    }
    let targets: Vec<PathBuf> = staged.iter().map(|(t, _)| t.clone()).collect();
    let mut done = Done {
        notes: prepared.notes,
        ..Done::default()
    };
    for (target, why) in prepared.removals {
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
                not_written: targets,
            });
        }
        done.removed.push((target, why));
    }
    // Staged files not yet renamed are deleted when dropped.
    for (i, (target, tmp)) in staged.into_iter().enumerate() {
        if let Err(e) = tmp.persist(&target) {
            return Err(WriteError::Commit {
                verb: "write",
                target,
                source: e.error,
                done: Box::new(done),
                not_written: targets[i..].to_vec(),
            });
        }
        done.written.push(target);
    }
    // The renames survive a crash only once the folder itself is synced; a file system
    // that cannot sync folders still has every file complete under its name.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    for (path, text) in &prepared.finals {
        match text {
            Some(text) => manifest::write_atomic(path, text)
                .map_err(|source| WriteError::Record { source })?,
            None => remove_if_there(path).map_err(|source| WriteError::Record {
                source: ManifestError::Write {
                    path: path.clone(),
                    source,
                },
            })?,
        }
    }
    for path in &prepared.sweep {
        remove_if_there(path).map_err(|source| WriteError::Record {
            source: ManifestError::Write {
                path: path.clone(),
                source,
            },
        })?;
    }
    if let Ok(d) = fs::File::open(dir.join(manifest::FOLDER)) {
        let _ = d.sync_all();
    }
    Ok(done)
}

fn remove_if_there(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Most of the time staging takes is waiting for the disk to sync each file: with
/// thousands of files (`account`), syncing them one after another dominates the run. So
/// they are staged by up to this many threads at once (plain threads, not rayon's pool:
/// they wait, they do not compute).
const STAGING_THREADS: usize = 8;

/// [`stage`] for every write, in order; on the first failure (in order) every staged
/// file is deleted (dropped) and nothing in the folder has changed.
fn stage_all(writes: Vec<(PathBuf, String)>) -> Result<Vec<(PathBuf, TempPath)>, WriteError> {
    let chunk = writes.len().div_ceil(STAGING_THREADS).max(1);
    let results: Vec<io::Result<TempPath>> = std::thread::scope(|scope| {
        let handles: Vec<_> = writes
            .chunks(chunk)
            .map(|part| {
                let handle = scope.spawn(move || {
                    part.iter()
                        .map(|(target, contents)| stage(target, contents))
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
            Ok(tmp) => staged.push((target, tmp)),
            Err(source) => return Err(WriteError::Prepare { target, source }),
        }
    }
    Ok(staged)
}

/// A complete copy of `contents` in a temporary file beside `target`, with the
/// permissions a new file gets (0666 less the umask), not tempfile's private 0600. The
/// file is closed (its path still deleted when dropped): an account run stages thousands,
/// more than a process may hold open.
fn stage(target: &Path, contents: &str) -> io::Result<TempPath> {
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".iam-refine-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    // Through the plain file: tempfile's own writer names the temporary path in its errors.
    tmp.as_file_mut().write_all(contents.as_bytes())?;
    tmp.as_file().sync_all()?;
    Ok(tmp.into_temp_path())
}
