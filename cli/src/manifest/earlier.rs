//! What an output folder's earlier manifests say, as much of it as [`super::prepare`] asks:
//! read one manifest at a time, in the order of their names, and held as little as that.
//!
//! Why not every entry: a run over last run's folder of an organisation read 100,450
//! entries (three strings each, 204 bytes an entry; 24 as held here when every file is
//! written again: test `earlier_manifests_are_held_in_a_fraction_of_their_entries`) and held
//! them through its commit, some 20 MB at the end of the run. Kept whole: the entries this
//! run answers for and does not write again (the files it may remove) and the manifests it
//! may remove (of another layout). Of every other
//! entry only two 64-bit hashes are kept ([`HashedIndex`]): of its file, and of its file
//! and hash with its manifest. Answers that only add or leave out a warning
//! ([`Earlier::lists`], [`Earlier::lists_file`]) are the hashes' (two names that collide
//! would lose a warning); the answer that lets a manifest be removed
//! ([`Earlier::listed_by_another`]) is confirmed against the other manifest, read again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{parse, Entry, ManifestError, FOLDER};
use crate::hashed::HashedIndex;

/// What the earlier manifests say.
#[derive(Debug)]
pub(super) struct Earlier {
    /// Every manifest's file name (`x.json`, `x.pending.json`), sorted.
    pub names: Vec<String>,
    /// Earlier files this run answers for and does not write again, by name: every hash it
    /// was listed with, and the owner it was first listed with.
    pub owned: BTreeMap<String, (Vec<String>, String)>,
    /// The manifests this run may remove, by index in `names`, with their entries.
    pub removable: Vec<(usize, Vec<Entry>)>,
    folder: PathBuf,
    /// Each entry's manifest (its index), by the entry's file and hash.
    listings: HashedIndex<u32>,
    /// Each entry, by its file.
    files: HashedIndex<()>,
}

impl Earlier {
    /// Reads every manifest of `dir`. `owned` says whether this run answers for an entry and
    /// does not write it again (`(manifest's unit, entry)`: `x.json` for `x.pending.json`);
    /// `removable` whether it may remove a manifest of that unit.
    pub fn read(
        dir: &Path,
        owned: impl Fn(&str, &Entry) -> bool,
        removable: impl Fn(&str) -> bool,
    ) -> Result<Self, ManifestError> {
        let folder = dir.join(FOLDER);
        let mut earlier = Earlier {
            names: names(&folder)?,
            owned: BTreeMap::new(),
            removable: Vec::new(),
            folder,
            listings: HashedIndex::with_capacity(0),
            files: HashedIndex::with_capacity(0),
        };
        for i in 0..earlier.names.len() {
            let entries = earlier.entries(i)?;
            let unit = unit_of(&earlier.names[i]);
            for e in &entries {
                earlier.listings.file((&e.file, &e.sha256), i as u32);
                earlier.files.file(&e.file, ());
                if owned(&unit, e) {
                    let slot = earlier
                        .owned
                        .entry(e.file.clone())
                        .or_insert_with(|| (Vec::new(), e.owner.clone()));
                    slot.0.push(e.sha256.clone());
                }
            }
            if removable(&unit) {
                earlier.removable.push((i, entries));
            }
        }
        earlier.listings.sort();
        earlier.files.sort();
        Ok(earlier)
    }

    /// The `i`th manifest's entries, read from its file.
    fn entries(&self, i: usize) -> Result<Vec<Entry>, ManifestError> {
        let path = self.folder.join(&self.names[i]);
        let text = fs::read_to_string(&path).map_err(|source| ManifestError::Read {
            path: path.clone(),
            source,
        })?;
        parse(&text).map_err(|why| ManifestError::Malformed { path, why })
    }

    /// Whether a manifest lists `file` as `sha256` (by the hashes: a warning's answer).
    pub fn lists(&self, file: &str, sha256: &str) -> bool {
        self.listings.candidates((file, sha256)).next().is_some()
    }

    /// Whether a manifest lists `file` at all (by the hashes: a warning's answer).
    pub fn lists_file(&self, file: &str) -> bool {
        self.files.candidates(file).next().is_some()
    }

    /// Whether a manifest other than the `except`th and those `gone` lists `file` as
    /// `sha256`: confirmed against each such manifest, read again once (`read` keeps them).
    /// A manifest that cannot be read again lists nothing (its file is not taken as listed,
    /// so the manifest asking stays).
    pub fn listed_by_another(
        &self,
        file: &str,
        sha256: &str,
        except: usize,
        gone: &BTreeSet<usize>,
        read: &mut HashMap<usize, Vec<Entry>>,
    ) -> bool {
        self.listings
            .candidates((file, sha256))
            .map(|i| i as usize)
            .filter(|&i| i != except && !gone.contains(&i))
            .any(|i| {
                read.entry(i)
                    .or_insert_with(|| self.entries(i).unwrap_or_default())
                    .iter()
                    .any(|e| e.file == file && e.sha256 == sha256)
            })
    }
}

/// The unit a manifest is of: `x.json` for `x.json` and `x.pending.json`.
pub(super) fn unit_of(manifest: &str) -> String {
    let stem = manifest
        .trim_end_matches(super::PENDING)
        .trim_end_matches(".json");
    format!("{stem}.json")
}

/// The manifests of `folder`, by file name, sorted (none when it does not exist).
fn names(folder: &Path) -> Result<Vec<String>, ManifestError> {
    let listing = match fs::read_dir(folder) {
        Ok(l) => l,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ManifestError::Read {
                path: folder.to_path_buf(),
                source,
            })
        }
    };
    let mut names = Vec::new();
    for entry in listing {
        let entry = entry.map_err(|source| ManifestError::Read {
            path: folder.to_path_buf(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Staged manifests of a run that stopped (`.iam-refine-*.tmp`) are not manifests.
        if name.ends_with(".json") && !name.starts_with('.') {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use proptest::prelude::*;

    use super::{Earlier, FOLDER};
    use crate::manifest::{write_manifest, Entry};

    fn manifests() -> impl Strategy<Value = Vec<Vec<Entry>>> {
        let entry = ("[ab]{1,2}\\.json", "[01]", "[xy]").prop_map(|(file, sha256, owner)| Entry {
            file,
            sha256,
            owner,
        });
        proptest::collection::vec(proptest::collection::vec(entry, 0..4), 0..4)
    }

    /// What reading earlier manifests this way saves: counted by the tests' allocator, a
    /// manifest of 2,000 entries as an organisation's run writes them, held whole and as
    /// [`Earlier`] holds it when this run writes every file again (204 and 24 bytes an
    /// entry when this was written).
    #[test]
    fn earlier_manifests_are_held_in_a_fraction_of_their_entries() {
        use crate::allocator::counting::kept;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(FOLDER)).unwrap();
        let entries: Vec<Entry> = (0..2_000)
            .map(|i| Entry {
                file: format!("123456789012/Role{i:05}.json"),
                sha256: format!("{i:064x}"),
                owner: format!("arn:aws:iam::123456789012:role/Role{i:05}"),
            })
            .collect();
        let mut text = Vec::new();
        write_manifest(&mut text, entries.iter(), true).unwrap();
        let path = dir
            .path()
            .join(FOLDER)
            .join("account-123456789012-shard-0-of-1.json");
        std::fs::write(&path, &text).unwrap();
        let (whole, as_entries) =
            kept(|| crate::manifest::parse(std::str::from_utf8(&text).unwrap()).unwrap());
        assert_eq!(whole, entries);
        let (earlier, as_earlier) = kept(|| Earlier::read(dir.path(), |_, _| false, |_| false));
        assert_eq!(earlier.unwrap().names.len(), 1);
        let (whole_bytes, earlier_bytes) = (as_entries / 2_000, as_earlier / 2_000);
        assert!(
            earlier_bytes * 4 <= whole_bytes,
            "{earlier_bytes} bytes an entry held, {whole_bytes} whole"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100))]

        /// Every answer is what the manifests themselves, all held, say.
        #[test]
        fn answers_as_the_whole_manifests_do(
            manifests in manifests(),
            file in "[ab]{1,2}\\.json",
            sha256 in "[01]",
            except in 0..4usize,
            gone in proptest::collection::btree_set(0..4usize, 0..3),
        ) {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir(dir.path().join(FOLDER)).unwrap();
            let names: Vec<String> = (0..manifests.len()).map(|i| format!("m{i}.json")).collect();
            for (name, entries) in names.iter().zip(&manifests) {
                let mut text = Vec::new();
                write_manifest(&mut text, entries.iter(), true).unwrap();
                std::fs::write(dir.path().join(FOLDER).join(name), text).unwrap();
            }
            let earlier = Earlier::read(
                dir.path(),
                |unit, e| unit == "m0.json" && e.owner == "x",
                |unit| unit != "m1.json",
            )
            .unwrap();
            prop_assert_eq!(&earlier.names, &names);
            let all = || manifests.iter().enumerate().flat_map(|(i, m)| m.iter().map(move |e| (i, e)));
            prop_assert_eq!(earlier.lists(&file, &sha256), all().any(|(_, e)| e.file == file && e.sha256 == sha256));
            prop_assert_eq!(earlier.lists_file(&file), all().any(|(_, e)| e.file == file));
            let gone: BTreeSet<usize> = gone;
            let expected = all().any(|(i, e)| i != except && !gone.contains(&i) && e.file == file && e.sha256 == sha256);
            let mut read = HashMap::new();
            prop_assert_eq!(earlier.listed_by_another(&file, &sha256, except, &gone, &mut read), expected);
            // What this run answers for, kept whole; the manifests it may remove, whole.
            let owned: Vec<(String, String)> = manifests.first().into_iter().flatten()
                .filter(|e| e.owner == "x")
                .map(|e| (e.file.clone(), e.sha256.clone()))
                .collect();
            let kept: Vec<(String, String)> = earlier.owned.iter()
                .flat_map(|(f, (hashes, _))| hashes.iter().map(move |h| (f.clone(), h.clone())))
                .collect();
            let mut sorted = owned.clone();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            prop_assert_eq!(kept, sorted);
            let removable: Vec<usize> = earlier.removable.iter().map(|(i, _)| *i).collect();
            prop_assert_eq!(removable, (0..manifests.len()).filter(|&i| i != 1).collect::<Vec<_>>());
        }
    }
}
