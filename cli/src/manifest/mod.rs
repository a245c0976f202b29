//! What an output folder holds of iam-refine's: manifests in `DIR/.iam-refine/`, each
//! listing the files one unit of work wrote (an `account` shard, one `refine` policy), with
//! their SHA-256 and whose they are (a principal's ARN, a policy's file name).
//!
//! A run removes every file an earlier manifest lists that it answers for (its shard's
//! principals, its policies) and does not write again, whatever its name: a principal's
//! `alice.json` that became `role-alice.json`, a policy's `p-2.json` or `p.diff` of another
//! `--fit-quota` or `--format`. It removes only a file whose content is still what the
//! manifest recorded: one changed since (by hand, or by another unit's run) is left, with
//! a warning, and a file no manifest lists is never removed (it is someone else's, or an
//! older version's: named in a warning when this run would have removed it).
//!
//! Crashes: before anything in the folder changes, each unit's manifest is written as
//! `<unit>.pending.json`, listing what it may leave on disk (the files it writes and the
//! earlier files it removes); only when every file is in place is `<unit>.json` written and
//! the pending one removed. A run that stops part way leaves its pending manifest, which
//! the next run reads too (and warns about), so no file of either run escapes it.
//!
//! Shards of one `account` run write into one folder at once: each has its own manifest and
//! answers only for its principals, so no shard removes another's files. A manifest of
//! another layout (`--shard` with another count) is removed once nothing it lists is on
//! disk as it listed it, or another manifest lists it too.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

mod earlier;
mod prepare;

pub use prepare::{prepare, UnitManifests};

/// The folder of manifests inside an output folder.
pub const FOLDER: &str = ".iam-refine";
const PENDING: &str = ".pending.json";
const KIND: &str = "iam-refine output manifest";
const VERSION: u64 = 1;

/// One file a manifest lists (serialised as it is written: `file`, `sha256`, `owner`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// Its name in the output folder.
    pub file: String,
    pub sha256: String,
    /// Whose it is: a principal's ARN (`account`), a policy's file name (`refine`).
    pub owner: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read the manifest `{}`: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the manifest `{}` is not one iam-refine wrote ({why}); it records which files of the folder are iam-refine's: restore it, or remove the folder's files and it", .path.display())]
    Malformed { path: PathBuf, why: String },
    /// A unit's files in two chunks of one commit: it would get two manifests, each with
    /// part of its files.
    #[error("the files of the manifest `{unit}` came in two parts of one commit (a bug in iam-refine: please report it)")]
    Split { unit: String },
    #[error("cannot write the manifest `{}`: {source}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Whether a run answers for an earlier entry: `(owner, manifest name)`.
pub type Owns<'a> = Box<dyn Fn(&str, &str) -> bool + 'a>;

/// What a run writes and answers for, to be recorded.
pub struct Tracking<'a> {
    /// The manifests this run rewrites (`account-...-shard-0-of-1.json`, one per `refine`
    /// policy), each listing what it writes, if anything.
    pub units: Vec<String>,
    /// The manifest (of `units`) that lists an owner's files.
    pub unit_of: Box<dyn Fn(&str) -> String + 'a>,
    /// Whether this run answers for an earlier entry: `(owner, manifest name)`.
    pub owns: Owns<'a>,
    /// Earlier manifests (not among `units`) this run may remove once nothing they list
    /// is on disk as they listed it (another `--shard` layout of the same account).
    pub supersedes: Box<dyn Fn(&str) -> bool + 'a>,
    /// Why an owner gets no file now, for messages (`this principal failed`).
    pub why: Box<dyn Fn(&str) -> String + 'a>,
}

/// The SHA-256 of `bytes`, in lower-case hex as `sha256sum` prints it.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if value.get("manifest").and_then(Value::as_str) != Some(KIND) {
        return Err(format!("no `\"manifest\": \"{KIND}\"`"));
    }
    if value.get("version").and_then(Value::as_u64) != Some(VERSION) {
        return Err(format!("not version {VERSION}"));
    }
    let files = value
        .get("files")
        .and_then(Value::as_array)
        .ok_or("no `files` array")?;
    files
        .iter()
        .map(|f| {
            let field = |k: &str| {
                f.get(k)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| format!("a file without `{k}`"))
            };
            let entry = Entry {
                file: field("file")?,
                sha256: field("sha256")?,
                owner: field("owner")?,
            };
            // A name that leaves the folder is no file of ours.
            if !in_folder(&entry.file) {
                return Err(format!("`{}` is not a file name in the folder", entry.file));
            }
            Ok(entry)
        })
        .collect()
}

/// A file of the output folder or of a folder inside it (`alice.json`,
/// `123456789012/alice.json`: an organisation's run writes each account's files in a
/// folder of its own), `/`-separated: no part empty, `.`, `..` or the manifests' folder,
/// none with a backslash or NUL. Nothing a manifest lists can be outside the folder.
pub fn in_folder(name: &str) -> bool {
    name.split('/').all(|part| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part != FOLDER
            && !part.contains(['\\', '\0'])
    })
}

/// Writes a manifest listing `entries`, as `serde_json::to_string_pretty` renders it (and a
/// newline), straight to `out`: rendered to strings first, an organisation's manifests of
/// 100,450 files were 20.1 MB of text (their pending and final texts, and a copy of those,
/// all held at once at the end of the run).
fn write_manifest<'a, I>(out: &mut dyn Write, entries: I, complete: bool) -> io::Result<()>
where
    I: Iterator<Item = &'a Entry> + Clone,
{
    /// The entries, serialised as a list as they are borrowed (no list of them is made).
    struct Files<I>(I);
    impl<'a, I: Iterator<Item = &'a Entry> + Clone> serde::Serialize for Files<I> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.0.clone())
        }
    }
    #[derive(serde::Serialize)]
    #[serde(bound = "")]
    struct Manifest<'a, I: Iterator<Item = &'a Entry> + Clone> {
        manifest: &'a str,
        version: u64,
        complete: bool,
        files: Files<I>,
    }
    let manifest = Manifest {
        manifest: KIND,
        version: VERSION,
        complete,
        files: Files(entries),
    };
    serde_json::to_writer_pretty(&mut *out, &manifest)?;
    out.write_all(b"\n")
}

/// The SHA-256 of a regular file's content, `None` when it is missing or not a file.
fn on_disk(path: &Path) -> Option<String> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    fs::read(path).ok().map(|b| sha256(&b))
}

#[cfg(test)]
mod tests {
    use super::{in_folder, write_manifest, Entry, KIND, VERSION};

    #[test]
    fn only_names_inside_the_folder_are_files_of_a_manifest() {
        for ok in ["a.json", "123456789012/alice.json", "a/b/c", "..a", "a.."] {
            assert!(in_folder(ok), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../x.json",
            "a/../../x",
            "a/./b",
            "/etc/passwd",
            "a//b",
            "a/",
            ".iam-refine/x.json",
            "a/.iam-refine",
            "a\\..\\b",
            "a\0b",
        ] {
            assert!(!in_folder(bad), "{bad:?}");
        }
    }

    /// A manifest written as it is serialised reads as it did when it was rendered from a
    /// `Value`: byte for byte, so that a run and the one before agree on every manifest's
    /// text.
    #[test]
    fn a_manifest_renders_as_its_value_did() {
        let entry = |file: &str, sha256: &str, owner: &str| Entry {
            file: file.to_string(),
            sha256: sha256.to_string(),
            owner: owner.to_string(),
        };
        let entries = [
            entry("a.json", "00ff", "arn:aws:iam::1:role/a"),
            entry("1/é \"q\"\\.json", "", "arn:aws:iam::1:user/p/é\u{1}"),
        ];
        for n in 0..=entries.len() {
            let listed: Vec<&Entry> = entries[..n].iter().collect();
            for complete in [false, true] {
                let files: Vec<serde_json::Value> = listed
                    .iter()
                    .map(|e| serde_json::json!({"file": e.file, "sha256": e.sha256, "owner": e.owner}))
                    .collect();
                let value = serde_json::json!({"manifest": KIND, "version": VERSION, "complete": complete, "files": files});
                let expected = serde_json::to_string_pretty(&value).unwrap() + "\n";
                let mut written = Vec::new();
                write_manifest(&mut written, listed.iter().copied(), complete).unwrap();
                assert_eq!(String::from_utf8(written).unwrap(), expected);
            }
        }
    }
}
