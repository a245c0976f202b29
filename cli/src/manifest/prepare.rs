//! What a run does in an output folder besides writing its files, worked out from the
//! folder's earlier manifests before anything in it changes ([`prepare`]): which earlier
//! files it removes, and each unit's manifests ([`Prepared::units`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::earlier::{unit_of, Earlier};
use super::{on_disk, write_manifest, Entry, ManifestError, Tracking, FOLDER, PENDING};

/// What a tracked run does besides writing its files, worked out before anything in the
/// folder changes ([`prepare`]); each unit's manifests are made as its files are read
/// ([`Prepared::units`], one chunk of a commit at a time, then [`Prepared::rest`]).
#[derive(Debug)]
pub struct Prepared<'n> {
    /// Earlier manifests to remove at the end (superseded, or this run's pending ones).
    pub sweep: Vec<PathBuf>,
    /// Warnings: files left in place, a run that stopped part way.
    pub notes: Vec<String>,
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
                Some(true) => return Err(ManifestError::Split { unit }),
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
        let folder = self.dir.join(FOLDER);
        UnitManifests {
            pending: pending_of(&folder, unit),
            path: folder.join(unit),
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
    let ours: BTreeSet<&str> = tracking.units.iter().map(String::as_str).collect();
    let earlier = Earlier::read(
        dir,
        |unit, e| (tracking.owns)(&e.owner, unit) && !written(&e.file),
        // Manifests of another layout.
        |unit| !ours.contains(unit) && (tracking.supersedes)(unit),
    )?;
    let folder = dir.join(FOLDER);
    let mut prepared = Prepared {
        sweep: Vec::new(),
        notes: Vec::new(),
        dir: dir.to_path_buf(),
        removable: HashMap::new(),
        named: named_removals
            .iter()
            .map(|(f, why)| (f.as_str(), why.as_str()))
            .collect(),
        units: tracking.units.iter().map(|u| (u.clone(), false)).collect(),
        removals: Vec::new(),
    };
    for name in earlier.names.iter().filter(|n| n.ends_with(PENDING)) {
        let unit = unit_of(name);
        if ours.contains(unit.as_str()) || (tracking.supersedes)(&unit) {
            prepared.notes.push(format!(
                "an earlier run into {} did not finish (`{FOLDER}/{name}`): its files are dealt with now",
                dir.display()
            ));
        }
    }
    let mut removing: BTreeSet<PathBuf> = BTreeSet::new();
    let mut changed: Vec<String> = Vec::new();
    for (file, (hashes, owner)) in &earlier.owned {
        let path = dir.join(file);
        let Some(sha) = on_disk(&path) else { continue };
        if hashes.contains(&sha) {
            prepared
                .removable
                .entry((tracking.unit_of)(owner))
                .or_default()
                .push(Entry {
                    file: file.clone(),
                    sha256: sha,
                    owner: owner.clone(),
                });
            removing.insert(path);
        // Listed as it is now by an entry this run does not answer for: another unit's file.
        } else if !earlier.lists(file, &sha) {
            changed.push(format!("`{file}`"));
        }
    }
    // A warning naming the first few `files` left in place, and why.
    let mut left = |files: Vec<String>, why: &str| {
        if !files.is_empty() {
            let files = crate::warnings::first_few(files, 5, ", ");
            let dir = dir.display();
            prepared
                .notes
                .push(format!("{files} in {dir}: {why}: left in place"));
        }
    };
    left(
        changed,
        "last run's, but changed since it was written (not by iam-refine)",
    );
    let unlisted: Vec<String> = named_removals
        .iter()
        .filter(|(file, _)| !earlier.lists_file(file) && on_disk(&dir.join(file)).is_some())
        .map(|(file, _)| format!("`{file}`"))
        .collect();
    left(
        unlisted,
        "would be removed as last run's, but no manifest of iam-refine lists it (written by an older version, or not by iam-refine)",
    );
    for unit in &tracking.units {
        prepared.sweep.push(pending_of(&folder, unit));
    }
    // Manifests of another layout: removed once nothing they list is still theirs (written
    // or removed by this run, gone, changed, or listed by another manifest as it is).
    let mut gone: BTreeSet<usize> = BTreeSet::new();
    let mut read_again = HashMap::new();
    for (i, entries) in &earlier.removable {
        let dead = entries.iter().all(|e| {
            let path = dir.join(&e.file);
            if written(&e.file) || removing.contains(&path) {
                return true;
            }
            match on_disk(&path) {
                None => true,
                Some(sha) if sha != e.sha256 => true,
                Some(_) => {
                    earlier.listed_by_another(&e.file, &e.sha256, *i, &gone, &mut read_again)
                }
            }
        });
        if dead {
            gone.insert(*i);
            prepared.sweep.push(folder.join(&earlier.names[*i]));
        }
    }
    Ok(prepared)
}

/// Where `unit`'s pending manifest is: `<unit>.pending.json` for `<unit>.json`.
fn pending_of(folder: &Path, unit: &str) -> PathBuf {
    let stem = unit.trim_end_matches(".json");
    folder.join(format!("{stem}{PENDING}"))
}
