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

/// What a tracked run does besides writing its files, worked out before anything in the
/// folder changes ([`prepare`]); each unit's manifests are made as its files are read
/// ([`Prepared::units`], one chunk of a commit at a time, then [`Prepared::rest`]).
#[derive(Debug)]
pub struct Prepared<'n> {
    /// Earlier manifests to remove at the end (superseded, or this run's pending ones).
    pub sweep: Vec<PathBuf>,
    /// Warnings: files left in place, a run that stopped part way.
    pub notes: Vec<String>,
    folder: PathBuf,
    dir: PathBuf,
    /// Earlier files of this run's owners that it removes, as they are on disk, by unit.
    removable: HashMap<String, Vec<Entry>>,
    /// The plan's own removals, by name, with why.
    named: BTreeMap<&'n str, &'n str>,
    /// The units whose manifests are made: `(unit, whether made)`.
    units: BTreeMap<String, bool>,
    /// The earlier files to remove, with their names (their order) and why.
    removals: Vec<(String, PathBuf, String)>,
}

/// One unit's manifests, and what they list.
#[derive(Debug)]
pub struct UnitManifests {
    /// `<unit>.pending.json`, written before anything in the folder changes.
    pub pending: PathBuf,
    /// `<unit>.json`, written once every file is in place (removed when it lists nothing).
    pub path: PathBuf,
    /// This run's files of the unit.
    listed: Vec<Entry>,
    /// Last run's files of the unit that this run removes.
    old: Vec<Entry>,
}

impl UnitManifests {
    /// Whether the unit writes no file: its manifest is removed, not written.
    pub fn lists_nothing(&self) -> bool {
        self.listed.is_empty()
    }

    /// Writes the pending manifest: everything the unit may leave on disk, should the run
    /// stop part way (the files it writes and the earlier files it removes).
    pub fn write_pending(&self, out: &mut dyn Write) -> io::Result<()> {
        write_manifest(out, self.listed.iter().chain(&self.old), false)
    }

    /// Writes the manifest for when every file is in place: the files the unit wrote.
    pub fn write_final(&self, out: &mut dyn Write) -> io::Result<()> {
        write_manifest(out, self.listed.iter(), true)
    }
}

impl Prepared<'_> {
    /// The manifests of the units whose files `entries` are (this run's, in the folder by
    /// name, with their hashes and owners; one chunk of a commit, which holds every file of
    /// its units), each with the earlier files it removes, which join
    /// [`Prepared::removals`]. A unit not among [`Tracking::units`] gets none, as before.
    pub fn units(
        &mut self,
        entries: Vec<Entry>,
        tracking: &Tracking<'_>,
    ) -> Result<Vec<UnitManifests>, ManifestError> {
        let mut by_unit: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
        for e in entries {
            by_unit
                .entry((tracking.unit_of)(&e.owner))
                .or_default()
                .push(e);
        }
        let mut out = Vec::new();
        for (unit, listed) in by_unit {
            match self.units.get_mut(&unit) {
                None => {}
                Some(true) => {
                    return Err(ManifestError::Malformed {
                        path: self.folder.join(&unit),
                        why: "its files came in two chunks of one commit (this is a bug)"
                            .to_string(),
                    })
                }
                Some(made) => {
                    *made = true;
                    out.push(self.unit(&unit, listed, tracking));
                }
            }
        }
        Ok(out)
    }

    /// The manifests of the units with no file this run (their pending manifests list the
    /// earlier files they remove; their manifests are removed).
    pub fn rest(&mut self, tracking: &Tracking<'_>) -> Vec<UnitManifests> {
        let rest: Vec<String> = self
            .units
            .iter_mut()
            .filter(|(_, made)| !**made)
            .map(|(unit, made)| {
                *made = true;
                unit.clone()
            })
            .collect();
        let made = rest
            .into_iter()
            .map(|unit| self.unit(&unit, Vec::new(), tracking))
            .collect();
        // Earlier files of owners whose unit is none of this run's (no owner the run
        // answers for has one): removed all the same, without a manifest to list them.
        let orphans: Vec<Entry> = std::mem::take(&mut self.removable)
            .into_values()
            .flatten()
            .collect();
        self.remove(&orphans, &[], tracking);
        made
    }

    fn unit(&mut self, unit: &str, listed: Vec<Entry>, tracking: &Tracking<'_>) -> UnitManifests {
        let old = self.removable.remove(unit).unwrap_or_default();
        self.remove(&old, &listed, tracking);
        let stem = unit.trim_end_matches(".json");
        UnitManifests {
            pending: self.folder.join(format!("{stem}{PENDING}")),
            path: self.folder.join(unit),
            listed,
            old,
        }
    }

    /// Earlier files `old` to remove, each with why (given the files `listed` of its unit).
    fn remove(&mut self, old: &[Entry], listed: &[Entry], tracking: &Tracking<'_>) {
        for e in old {
            let why = match self.named.get(e.file.as_str()) {
                Some(why) => (*why).to_string(),
                None => match listed.iter().find(|n| n.owner == e.owner) {
                    Some(n) => format!("its output is now `{}`", n.file),
                    None => (tracking.why)(&e.owner),
                },
            };
            self.removals
                .push((e.file.clone(), self.dir.join(&e.file), why));
        }
    }

    /// Earlier files of this run's owners to remove, with why, in the order of their names:
    /// those of the units made so far (every unit's, once [`Prepared::rest`] is made).
    pub fn removals(&mut self) -> Vec<(PathBuf, String)> {
        let mut removals = std::mem::take(&mut self.removals);
        removals.sort_by(|a, b| a.0.cmp(&b.0));
        removals
            .into_iter()
            .map(|(_, path, why)| (path, why))
            .collect()
    }
}

/// Works out, before anything in the folder changes, what a run must remove besides what it
/// writes: `written` says whether this run writes a file (in the folder, by name);
/// `named_removals` are the plan's own removals (files at the names this run would have
/// written), which are removed only when a manifest this run answers for lists them as
/// they are.
pub fn prepare<'n>(
    dir: &Path,
    written: &dyn Fn(&str) -> bool,
    named_removals: &'n [(String, String)],
    tracking: &Tracking<'_>,
) -> Result<Prepared<'n>, ManifestError> {
    let manifests = read_all(dir)?;
    let folder = dir.join(FOLDER);
    let mut prepared = Prepared {
        sweep: Vec::new(),
        notes: Vec::new(),
        folder: folder.clone(),
        dir: dir.to_path_buf(),
        removable: HashMap::new(),
        named: named_removals
            .iter()
            .map(|(f, why)| (f.as_str(), why.as_str()))
            .collect(),
        units: tracking.units.iter().map(|u| (u.clone(), false)).collect(),
        removals: Vec::new(),
    };
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
    // Earlier files this run answers for, by name: each with every hash it was listed with.
    let mut owned: BTreeMap<&str, (Vec<&Entry>, &str)> = BTreeMap::new();
    for (manifest, entries) in &manifests {
        let unit = manifest.trim_end_matches(PENDING).trim_end_matches(".json");
        let unit = format!("{unit}.json");
        for e in entries {
            if (tracking.owns)(&e.owner, &unit) && !written(&e.file) {
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
    let mut removing: BTreeSet<PathBuf> = BTreeSet::new();
    let mut changed: Vec<String> = Vec::new();
    for (file, (entries, owner)) in &owned {
        let path = dir.join(file);
        let Some(sha) = on_disk(&path) else { continue };
        if entries.iter().any(|e| e.sha256 == sha) {
            prepared
                .removable
                .entry((tracking.unit_of)(owner))
                .or_default()
                .push(Entry {
                    file: (*file).to_string(),
                    sha256: sha,
                    owner: (*owner).to_string(),
                });
            removing.insert(path);
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
    for unit in &tracking.units {
        let stem = unit.trim_end_matches(".json");
        prepared.sweep.push(folder.join(format!("{stem}{PENDING}")));
    }
    // Manifests of another layout: removed once nothing they list is still theirs (written
    // or removed by this run, gone, changed, or listed by another manifest as it is).
    let ours: BTreeSet<&str> = tracking.units.iter().map(String::as_str).collect();
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
            if written(&e.file) || removing.contains(&path) {
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
