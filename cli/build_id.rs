//! The identity of a build of `iam-refine` and `iam-refine-prover`: the crate version and a
//! hash of every source file that goes into the two binaries.
//!
//! `iam-refine` hands proving over to `iam-refine-prover` by running it (cli/src/prover.rs),
//! and the prover must be built from the very same sources: one built from another commit,
//! or from this one with edits, would prove with other code than the refiner it is handed
//! over from. The crate version does not change between commits, so each binary carries
//! this identity, fixed at build time by the build script (`cli/build.rs`, also the
//! prover's), and the prover refuses a hand-over from another.
//!
//! A hash of the files rather than the git commit: it works from a source tarball without
//! `.git`, and uncommitted edits change it. Included by the build script and by the tests
//! (`cli/tests/build_id.rs`), so what they check is what the build runs.

use std::fs;
use std::io;
use std::path::Path;

use sha2::{Digest, Sha256};

/// What the binaries are built from, relative to the workspace root: every crate of this
/// workspace they link (sources, build scripts, embedded data; `cli/tests/build_id.rs`
/// checks that none is missing), the manifests and the lock file (dependency versions and
/// features).
pub const SOURCES: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "cli/Cargo.toml",
    "cli/build.rs",
    "cli/build_id.rs",
    "cli/src",
    "prover/Cargo.toml",
    "iam-refine/Cargo.toml",
    "iam-refine/build.rs",
    "iam-refine/src",
    "iam-refine/data",
    "iac/Cargo.toml",
    "iac/src",
    "verify/Cargo.toml",
    "verify/src",
];

/// What a published package of either binary is built from, relative to its own folder
/// (outside the workspace, as `cargo install iam-refine-cli` builds it): the two packages
/// hold the same sources (`prover/src` is `cli/src`), build script and lock file, so a
/// pair of one release hashes alike. Its manifest differs between the two and is left out;
/// the crate version, in the identity, stands for the library crates it depends on.
pub const PACKAGE_SOURCES: &[&str] = &["src", "build.rs", "build_id.rs", "Cargo.lock"];

/// Hex digits of the hash kept in the identity (64 bits: enough to tell builds apart).
const SHOWN: usize = 16;

/// The hash of [`SOURCES`] under `root`: SHA-256 over every file, in the order of their
/// paths (relative, `/`-separated), each as its path, a NUL, its length (8 bytes, little
/// endian) and its bytes, so that no two different trees hash alike by moving bytes between
/// files or names. A missing entry counts as its path and the word `missing`. The first
/// [`SHOWN`] hex digits.
pub fn source_hash(root: &Path) -> io::Result<String> {
    hash_of(root, SOURCES)
}

/// The hash of [`PACKAGE_SOURCES`] under a published package's folder, as
/// [`source_hash`] hashes the workspace.
pub fn package_hash(dir: &Path) -> io::Result<String> {
    hash_of(dir, PACKAGE_SOURCES)
}

fn hash_of(root: &Path, entries: &[&str]) -> io::Result<String> {
    let mut files: Vec<(String, Option<std::path::PathBuf>)> = Vec::new();
    for entry in entries {
        collect(root, entry, &mut files)?;
    }
    files.sort();
    let mut hash = Sha256::new();
    for (name, path) in files {
        hash.update(name.as_bytes());
        hash.update([0u8]);
        match path {
            Some(path) => {
                let bytes = fs::read(&path)?;
                hash.update((bytes.len() as u64).to_le_bytes());
                hash.update(&bytes);
            }
            None => hash.update(b"missing"),
        }
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(hex[..SHOWN].to_string())
}

/// The identity both binaries print with `--version` and compare at the hand-over.
pub fn build_id(version: &str, hash: &str) -> String {
    format!("{version} (sources {hash})")
}

/// The files under `relative` (a file, or a folder walked recursively), with their
/// `/`-separated names; `None` for a missing entry.
fn collect(
    root: &Path,
    relative: &str,
    out: &mut Vec<(String, Option<std::path::PathBuf>)>,
) -> io::Result<()> {
    let path = root.join(relative);
    let meta = match fs::metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            out.push((relative.to_string(), None));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        out.push((relative.to_string(), Some(path)));
        return Ok(());
    }
    for entry in fs::read_dir(&path)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "a source file name is not UTF-8: {}",
                    entry.path().display()
                ),
            ));
        };
        collect(root, &format!("{relative}/{name}"), out)?;
    }
    Ok(())
}
