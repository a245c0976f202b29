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

mod commit;
pub mod stage;
mod staged_files;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[cfg(not(unix))]
use same_file::Handle;

use crate::manifest::{ManifestError, Tracking};
pub use commit::commit_staged;
pub use stage::Staged;
pub use staged_files::StagedFiles;

/// What to do in the output folder.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files to write, with their contents.
    pub writes: Vec<(PathBuf, String)>,
    /// Whose each write is, in order (for the manifests: [`Tracking`]).
    pub owners: Vec<String>,
    /// Files at the names this run would have written for what now gets no file, each
    /// with the reason to give: removed when a manifest says they are last run's.
    pub removals: Vec<(PathBuf, String)>,
}

/// What to do in the output folder, with every file staged already.
#[derive(Debug, Default)]
pub struct StagedPlan {
    /// The files, in chunks (an organisation's accounts), each holding every file of the
    /// manifest units it has (each unit's manifests are made from one chunk: [`manifest::prepare`]).
    pub chunks: Vec<StagedFiles>,
    /// As [`Plan::removals`].
    pub removals: Vec<(PathBuf, String)>,
}

/// What was done.
#[derive(Debug, Default)]
pub struct Done {
    /// How many files were written.
    pub written: usize,
    /// The first [`NAMED`] of them, for a message (a list of every file written was
    /// 100,000 paths held to the end of an organisation's run).
    pub written_first: Vec<PathBuf>,
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

/// How many files a message names; the rest are counted.
const NAMED: usize = 20;

/// The first [`NAMED`] of `paths`, of `total`, quoted.
fn names<'a>(paths: impl IntoIterator<Item = &'a PathBuf>, total: usize) -> String {
    if total == 0 {
        return "none".to_string();
    }
    let named: Vec<String> = paths
        .into_iter()
        .take(NAMED)
        .map(|p| format!("`{}`", p.display()))
        .collect();
    let more = total.saturating_sub(named.len());
    let mut s = named.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {} more", iam_refine::thousands(more)));
    }
    s
}

fn progress(done: &Done, not_written: &[PathBuf]) -> String {
    let mut s = format!(
        "written: {}; not written: {}",
        names(&done.written_first, done.written),
        names(not_written, not_written.len())
    );
    if !done.removed.is_empty() {
        let removed = done.removed.iter().map(|(p, _)| p);
        s.push_str(&format!(
            "; removed: {}",
            names(removed, done.removed.len())
        ));
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
    let mut chunk = StagedFiles::new(dir, plan.writes.len(), 0);
    for (staged, owner) in stage_all(plan.writes)?.into_iter().zip(&plan.owners) {
        chunk.push(staged, owner);
    }
    let done = commit_staged(
        dir,
        StagedPlan {
            chunks: vec![chunk],
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
