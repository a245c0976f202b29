//! Staging output files, and making them durable once per run.
//!
//! A file is staged by writing it in full to a temporary file beside its target
//! (`.iam-refine-*.tmp`, closed at once: an account run stages more files than a process
//! may hold open), without syncing it: [`Durable`] syncs every staged file's data in
//! one call before anything is renamed into place, where syncing each file as it was
//! written cost more than all the planning (one `fsync` per file, each waiting for the
//! disk: 6 s for 2,000 files of 10 KB on the 2-core VM of `benches/README.md`, against
//! 0.1-0.25 s for one `syncfs`).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::TempPath;

use crate::manifest;

/// A staged file's name: `.iam-refine-XXXXXX.tmp`, six random characters.
pub const TEMPORARY_PREFIX: &str = ".iam-refine-";
const TEMPORARY_RANDOM: usize = 6;
pub const TEMPORARY_SUFFIX: &str = ".tmp";
/// The length of a staged file's name.
pub const TEMPORARY_NAME_LEN: usize =
    TEMPORARY_PREFIX.len() + TEMPORARY_RANDOM + TEMPORARY_SUFFIX.len();

/// One output file, staged.
#[derive(Debug)]
pub struct Staged {
    pub target: PathBuf,
    /// SHA-256 of the contents, for the manifest.
    pub sha256: String,
    /// The complete temporary file to rename into place. Deleted when dropped, so a run
    /// that stops short of renaming it leaves the folder as it was.
    tmp: TempPath,
}

impl Staged {
    /// The temporary file.
    pub fn temporary(&self) -> &Path {
        &self.tmp
    }

    /// Its target, its hash and the temporary file's path, with the file no longer deleted
    /// when they are dropped: whoever takes them deletes it or gives it back
    /// ([`Staged::from_parts`]).
    pub fn into_parts(self) -> (PathBuf, String, PathBuf) {
        let mut tmp = self.tmp;
        tmp.disable_cleanup(true);
        let path = tmp.to_path_buf();
        (self.target, self.sha256, path)
    }

    /// A file staged at `temporary`, deleted when dropped (unless renamed into place). A
    /// relative path is made absolute (`TempPath` does, so that a change of folder cannot
    /// delete another file), which fails when the current folder cannot be read.
    pub fn from_parts(target: PathBuf, sha256: String, temporary: PathBuf) -> io::Result<Self> {
        Ok(Staged {
            target,
            sha256,
            tmp: TempPath::try_from_path(temporary)?,
        })
    }

    /// Moves the staged file into place; on an error, its target and why.
    pub fn persist(self) -> Result<PathBuf, (PathBuf, io::Error)> {
        match self.tmp.persist(&self.target) {
            Ok(()) => Ok(self.target),
            Err(e) => Err((self.target, e.error)),
        }
    }
}

/// A complete copy of `contents` in a temporary file beside `target`, with the
/// permissions a new file gets (0666 less the umask), not tempfile's private 0600. Not
/// synced: see [`Durable`]. (A target already holding these bytes is replaced all
/// the same: the new file takes the umask of this run, as `output_files_follow_the_umask`
/// requires, and its time says this run wrote it.)
pub fn stage(target: &Path, contents: &str) -> io::Result<Staged> {
    let sha256 = manifest::sha256(contents.as_bytes());
    let dir = parent(target);
    let mut builder = tempfile::Builder::new();
    builder
        .prefix(TEMPORARY_PREFIX)
        .suffix(TEMPORARY_SUFFIX)
        .rand_bytes(TEMPORARY_RANDOM);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    // Through the plain file: tempfile's own writer names the temporary path in its errors.
    tmp.as_file_mut().write_all(contents.as_bytes())?;
    Ok(Staged {
        target: target.to_path_buf(),
        sha256,
        tmp: tmp.into_temp_path(),
    })
}

/// An output folder, and how its staged files are found again from two short names: a
/// file's name in the folder (`<name>.json`, `<account>/<name>.json`) and its temporary
/// file's. What keeps many staged files to a commit (`account`'s ledger, a commit's chunks)
/// keeps those names, not two paths a file.
///
/// A temporary file's path is absolute when the folder is not: `tempfile` joins the current
/// folder to a relative one (not normalised), so that a change of folder cannot make it
/// delete another file. Compared with the relative target's folder instead, no file staged
/// in `-o out` was found again.
#[derive(Debug, Clone)]
pub struct StagingFolder {
    dir: PathBuf,
    /// `dir` as the temporary files' paths name it; `None` when the current folder cannot
    /// be read (then no file can be staged in a relative folder, and none is found again).
    staged_in: Option<PathBuf>,
}

impl StagingFolder {
    pub fn new(dir: &Path) -> Self {
        let staged_in = if dir.is_absolute() {
            Some(dir.to_path_buf())
        } else {
            std::env::current_dir().ok().map(|cwd| cwd.join(dir))
        };
        StagingFolder {
            dir: dir.to_path_buf(),
            staged_in,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The name of `staged`'s temporary file when it is `DIR/<name>`'s, staged beside it
    /// under a UTF-8 name: what [`StagingFolder::paths`] finds it again from.
    pub fn temporary_name<'s>(&self, staged: &'s Staged, name: &str) -> Option<&'s str> {
        let temporary = staged.temporary();
        let file_name = temporary.file_name()?.to_str()?;
        let found = staged.target == self.dir.join(name)
            && parent(&self.staged_in.as_ref()?.join(name)).join(file_name) == temporary;
        found.then_some(file_name)
    }

    /// The target and the temporary file of `DIR/<name>`, staged as `temporary` (a name
    /// [`StagingFolder::temporary_name`] gave).
    pub fn paths(&self, name: &str, temporary: &str) -> (PathBuf, PathBuf) {
        let staged_in = self.staged_in.as_deref().unwrap_or(&self.dir);
        let temporary = parent(&staged_in.join(name)).join(temporary);
        (self.dir.join(name), temporary)
    }

    /// `DIR/<name>`, staged as `temporary` with contents hashed `sha256`, taken back: again
    /// deleted when dropped unless moved into place. One that cannot be taken back (the
    /// current folder gone: [`Staged::from_parts`]) is deleted now, and its target and why
    /// given instead.
    pub fn take_back(
        &self,
        name: &str,
        sha256: String,
        temporary: &str,
    ) -> Result<Staged, (PathBuf, io::Error)> {
        let (target, temporary) = self.paths(name, temporary);
        Staged::from_parts(target.clone(), sha256, temporary.clone()).map_err(|e| {
            let _ = fs::remove_file(&temporary);
            (target, e)
        })
    }

    /// Deletes `DIR/<name>`'s temporary file `temporary` (what held it was dropped before
    /// the commit), as its [`Staged`] would have.
    pub fn delete(&self, name: &str, temporary: &str) {
        let _ = fs::remove_file(self.paths(name, temporary).1);
    }
}

/// The folder a file of the output folder is in.
pub fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Makes the data of files (staged files and manifests, closed, in the output folder or
/// folders inside it), added one at a time, durable at once, before any of them is renamed
/// over a target.
///
/// On Linux, one `syncfs(2)` per file system the files' folders are on, when it
/// [finishes](Durable::finish): it writes every dirty page and inode of that file system
/// and waits for them (since Linux 5.8 it also reports a write-back error of any file
/// there; before, such an error went unreported, as it may with `fsync` too); the files'
/// folders are noted as they are added. Elsewhere, each file is opened again and synced as
/// it is added (`File::sync_all`: `fsync`, `FlushFileBuffers`).
#[derive(Debug, Default)]
pub struct Durable {
    #[cfg(target_os = "linux")]
    folders: std::collections::BTreeSet<PathBuf>,
    /// The first file that could not be synced.
    #[cfg(not(target_os = "linux"))]
    error: Option<io::Error>,
}

impl Durable {
    pub fn add(&mut self, file: &Path) {
        #[cfg(target_os = "linux")]
        {
            let folder = parent(file);
            if !self.folders.contains(folder) {
                self.folders.insert(folder.to_path_buf());
            }
        }
        #[cfg(not(target_os = "linux"))]
        if self.error.is_none() {
            let synced = fs::OpenOptions::new()
                .write(true)
                .open(file)
                .and_then(|f| f.sync_all());
            if let Err(e) = synced {
                self.error = Some(e);
            }
        }
    }

    /// Every file added is durable, or why not.
    pub fn finish(self) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::fs::MetadataExt;

            let mut devices = std::collections::BTreeSet::new();
            for folder in &self.folders {
                let d = fs::File::open(folder)?;
                if devices.insert(d.metadata()?.dev()) {
                    rustix::fs::syncfs(&d)?;
                }
            }
            Ok(())
        }
        #[cfg(not(target_os = "linux"))]
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Syncs folders, so that the renames and removals in them survive a crash. A file system
/// that cannot sync a folder (some network ones) still has every file complete under its
/// name, so a failure here is not an error.
pub fn sync_folders<'a>(folders: impl IntoIterator<Item = &'a Path>) {
    let unique: std::collections::BTreeSet<&Path> = folders.into_iter().collect();
    for folder in unique {
        if let Ok(d) = fs::File::open(folder) {
            let _ = d.sync_all();
        }
    }
}
