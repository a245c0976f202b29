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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

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
    /// For each write of the plan, in order: its owner.
    pub owners: Vec<String>,
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

/// Every manifest of the folder, by file name (`x.json`, `x.pending.json`).
pub fn read_all(dir: &Path) -> Result<BTreeMap<String, Vec<Entry>>, ManifestError> {
    let folder = dir.join(FOLDER);
    let mut out = BTreeMap::new();
    let listing = match fs::read_dir(&folder) {
        Ok(l) => l,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(source) => {
            return Err(ManifestError::Read {
                path: folder,
                source,
            })
        }
    };
    for entry in listing {
        let entry = entry.map_err(|source| ManifestError::Read {
            path: folder.clone(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Staged manifests of a run that stopped (`.iam-refine-*.tmp`) are not manifests.
        if !name.ends_with(".json") || name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let text = fs::read_to_string(&path).map_err(|source| ManifestError::Read {
            path: path.clone(),
            source,
        })?;
        let entries = parse(&text).map_err(|why| ManifestError::Malformed {
            path: path.clone(),
            why,
        })?;
        out.insert(name, entries);
    }
    Ok(out)
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
/// newline), straight to `out`: rendered to a string first, an organisation's manifests of
/// 100,000 files were some 20 MB of text each, all held at once at the end of the run.
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

/// What a tracked run does besides its plan's writes.
#[derive(Debug, Default)]
pub struct Prepared {
    /// Earlier files of this run's owners to remove, with why.
    pub removals: Vec<(PathBuf, String)>,
    /// Each of this run's units (in [`Tracking::units`] order) and its manifests, written
    /// from [`Prepared::entries`] as they are staged ([`Prepared::write_pending`],
    /// [`Prepared::write_final`]).
    pub units: Vec<UnitManifests>,
    /// Earlier manifests to remove at the end (superseded, or this run's pending ones).
    pub sweep: Vec<PathBuf>,
    /// Warnings: files left in place, a run that stopped part way.
    pub notes: Vec<String>,
    /// Every entry a unit lists: this run's files, then last run's files it removes.
    entries: Vec<Entry>,
}

/// One unit's manifests.
#[derive(Debug)]
pub struct UnitManifests {
    /// `<unit>.pending.json`, written before anything in the folder changes.
    pub pending: PathBuf,
    /// `<unit>.json`, written once every file is in place (removed when it lists nothing).
    pub path: PathBuf,
    /// This run's files of the unit, by index in [`Prepared::entries`].
    listed: Vec<usize>,
    /// Last run's files of the unit that this run removes.
    old: Vec<usize>,
}

impl UnitManifests {
    /// Whether the unit writes no file: its manifest is removed, not written.
    pub fn lists_nothing(&self) -> bool {
        self.listed.is_empty()
    }
}

impl Prepared {
    /// Writes `unit`'s pending manifest: everything it may leave on disk, should the run
    /// stop part way (the files it writes and the earlier files it removes).
    pub fn write_pending(&self, unit: &UnitManifests, out: &mut dyn Write) -> io::Result<()> {
        let all = unit.listed.iter().chain(&unit.old);
        write_manifest(out, all.map(|&i| &self.entries[i]), false)
    }

    /// Writes `unit`'s manifest once every file is in place: the files it wrote.
    pub fn write_final(&self, unit: &UnitManifests, out: &mut dyn Write) -> io::Result<()> {
        write_manifest(out, unit.listed.iter().map(|&i| &self.entries[i]), true)
    }
}

/// Works out what a run must remove and record. `writes` are the plan's files (in the
/// folder, by name) with the SHA-256 of their contents; `named_removals` the plan's own
/// removals (files at the names this run would have written), which are removed only when a
/// manifest this run answers for lists them as they are.
pub fn prepare(
    dir: &Path,
    writes: Vec<(String, String)>,
    named_removals: &[(String, String)],
    tracking: &Tracking<'_>,
) -> Result<Prepared, ManifestError> {
    let manifests = read_all(dir)?;
    let mut prepared = Prepared::default();
    for name in manifests.keys().filter(|n| n.ends_with(PENDING)) {
        let unit = name.trim_end_matches(PENDING);
        if tracking
            .units
            .iter()
            .any(|u| u.trim_end_matches(".json") == unit)
            || (tracking.supersedes)(&format!("{unit}.json"))
        {
            prepared.notes.push(format!(
                "an earlier run into {} did not finish (`{FOLDER}/{name}`): its files are dealt with now",
                dir.display()
            ));
        }
    }
    let new: Vec<Entry> = writes
        .into_iter()
        .zip(&tracking.owners)
        .map(|((file, sha256), owner)| Entry {
            file,
            sha256,
            owner: owner.clone(),
        })
        .collect();
    let written: BTreeMap<&str, &Entry> = new.iter().map(|e| (e.file.as_str(), e)).collect();
    // Earlier files this run answers for, by name: each with every hash it was listed with.
    let mut owned: BTreeMap<&str, (Vec<&Entry>, &str)> = BTreeMap::new();
    for (manifest, entries) in &manifests {
        let unit = manifest.trim_end_matches(PENDING).trim_end_matches(".json");
        let unit = format!("{unit}.json");
        for e in entries {
            if (tracking.owns)(&e.owner, &unit) && !written.contains_key(e.file.as_str()) {
                let slot = owned.entry(&e.file).or_insert((Vec::new(), &e.owner));
                slot.0.push(e);
            }
        }
    }
    // Listed as it is now by an entry this run does not answer for: another unit's file.
    let listed_elsewhere = |file: &str, sha: &str| {
        manifests
            .values()
            .flatten()
            .any(|e| e.file == file && e.sha256 == sha)
    };
    let named: BTreeMap<&str, &str> = named_removals
        .iter()
        .map(|(f, why)| (f.as_str(), why.as_str()))
        .collect();
    let mut old_entries: Vec<Entry> = Vec::new();
    let mut changed: Vec<String> = Vec::new();
    for (file, (entries, owner)) in &owned {
        let path = dir.join(file);
        let Some(sha) = on_disk(&path) else { continue };
        if entries.iter().any(|e| e.sha256 == sha) {
            let why = match named.get(file) {
                Some(why) => (*why).to_string(),
                None => match new.iter().find(|n| n.owner == *owner) {
                    Some(n) => format!("its output is now `{}`", n.file),
                    None => (tracking.why)(owner),
                },
            };
            old_entries.push(Entry {
                file: (*file).to_string(),
                sha256: sha,
                owner: (*owner).to_string(),
            });
            prepared.removals.push((path, why));
        } else if !listed_elsewhere(file, &sha) {
            changed.push(format!("`{file}`"));
        }
    }
    if !changed.is_empty() {
        prepared.notes.push(format!(
            "{} in {}: last run's, but changed since it was written (not by iam-refine): left in place",
            crate::warnings::first_few(changed, 5, ", "),
            dir.display()
        ));
    }
    let mut unlisted: Vec<String> = Vec::new();
    for (file, _) in named_removals {
        let listed = manifests.values().flatten().any(|e| &e.file == file);
        if !listed && on_disk(&dir.join(file)).is_some() {
            unlisted.push(format!("`{file}`"));
        }
    }
    if !unlisted.is_empty() {
        prepared.notes.push(format!(
            "{} in {}: would be removed as last run's, but no manifest of iam-refine lists it (written by an older version, or not by iam-refine): left in place",
            crate::warnings::first_few(unlisted, 5, ", "),
            dir.display()
        ));
    }
    let folder = dir.join(FOLDER);
    // Each entry's unit, asked once: an organisation has a unit per account. Entries by
    // index: `new`, then `old_entries`.
    let mut by_unit: HashMap<String, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (i, e) in new.iter().enumerate() {
        by_unit
            .entry((tracking.unit_of)(&e.owner))
            .or_default()
            .0
            .push(i);
    }
    for (i, e) in old_entries.iter().enumerate() {
        by_unit
            .entry((tracking.unit_of)(&e.owner))
            .or_default()
            .1
            .push(new.len() + i);
    }
    for unit in &tracking.units {
        let (listed, old) = by_unit.remove(unit).unwrap_or_default();
        let stem = unit.trim_end_matches(".json");
        let pending = folder.join(format!("{stem}{PENDING}"));
        prepared.sweep.push(pending.clone());
        prepared.units.push(UnitManifests {
            pending,
            path: folder.join(unit),
            listed,
            old,
        });
    }
    // Manifests of another layout: removed once nothing they list is still theirs (written
    // or removed by this run, gone, changed, or listed by another manifest as it is).
    let ours: BTreeSet<&str> = tracking.units.iter().map(String::as_str).collect();
    let removing: BTreeSet<&Path> = prepared.removals.iter().map(|(p, _)| p.as_path()).collect();
    let mut gone: BTreeSet<&str> = BTreeSet::new();
    for (name, entries) in &manifests {
        let unit = format!(
            "{}.json",
            name.trim_end_matches(PENDING).trim_end_matches(".json")
        );
        if ours.contains(unit.as_str()) || !(tracking.supersedes)(&unit) {
            continue;
        }
        let dead = entries.iter().all(|e| {
            let path = dir.join(&e.file);
            if written.contains_key(e.file.as_str()) || removing.contains(path.as_path()) {
                return true;
            }
            match on_disk(&path) {
                None => true,
                Some(sha) if sha != e.sha256 => true,
                Some(_) => manifests.iter().any(|(other, list)| {
                    other != name
                        && !gone.contains(other.as_str())
                        && list
                            .iter()
                            .any(|o| o.file == e.file && o.sha256 == e.sha256)
                }),
            }
        });
        if dead {
            gone.insert(name);
            prepared.sweep.push(folder.join(name));
        }
    }
    drop(written);
    prepared.entries = new;
    prepared.entries.extend(old_entries);
    Ok(prepared)
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
