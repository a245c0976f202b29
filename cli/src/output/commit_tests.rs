//! A commit in chunks leaves the folder as one chunk would, tells exactly which names it
//! writes, and a rename failing part way leaves every file it may have written listed.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use proptest::prelude::*;

use super::{commit_staged, crash, WrittenNames};
use crate::manifest::{Tracking, FOLDER};
use crate::output::stage::stage;
use crate::output::{StagedFiles, StagedPlan, WriteError};

/// A unit per owner's first letter: `unit-a.json` lists the files of owners `a...`.
fn tracking<'a>() -> Tracking<'a> {
    let unit_of = |owner: &str| format!("unit-{}.json", &owner[..1]);
    Tracking {
        units: vec!["unit-a.json".to_string(), "unit-b.json".to_string()],
        unit_of: Box::new(unit_of),
        owns: Box::new(move |owner, manifest| manifest == unit_of(owner)),
        supersedes: Box::new(|_| false),
        why: Box::new(|_| "gone".to_string()),
    }
}

/// Every file of `dir` and folders inside it, by name, with its content.
fn contents(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(name, fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Files `(name, owner, content)` staged in `dir`: in one chunk, or (`split`) a new chunk
/// wherever the unit changes.
fn chunks(dir: &Path, files: &[(String, String, String)], split: bool) -> Vec<StagedFiles> {
    let mut out: Vec<StagedFiles> = Vec::new();
    let mut unit = None;
    for (name, owner, content) in files {
        let target = dir.join(name);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        let this = owner[..1].to_string();
        if out.is_empty() || (split && unit.as_ref() != Some(&this)) {
            out.push(StagedFiles::new(dir, 0, 0));
        }
        unit = Some(this);
        out.last_mut()
            .unwrap()
            .push(stage(&target, content).unwrap(), owner);
    }
    out
}

fn files() -> impl Strategy<Value = Vec<(String, String, String)>> {
    let file = ("[a-z]{1,3}(/[a-z]{1,3})?", "[ab][a-z]{0,3}", "[a-z{}]{0,8}")
        .prop_map(|(name, owner, content)| (format!("{name}.json"), owner, content));
    proptest::collection::vec(file, 0..8).prop_map(|mut files| {
        let mut names = std::collections::HashSet::new();
        files.retain(|f| names.insert(f.0.clone()) && !f.0.starts_with('.'));
        // A unit's files together, as an organisation's accounts give them.
        files.sort_by(|a, b| a.1[..1].cmp(&b.1[..1]));
        files
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Over last run's folder, a commit in a chunk per unit leaves every file and manifest
    /// as a commit of one chunk does.
    #[test]
    fn chunks_commit_as_one_chunk_does(before in files(), after in files()) {
        let (one, many) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for dir in [one.path(), many.path()] {
            let plan = StagedPlan { chunks: chunks(dir, &before, false), removals: Vec::new() };
            commit_staged(dir, plan, &tracking()).unwrap();
        }
        prop_assert_eq!(contents(one.path()), contents(many.path()));
        for (dir, split) in [(one.path(), false), (many.path(), true)] {
            let plan = StagedPlan { chunks: chunks(dir, &after, split), removals: Vec::new() };
            commit_staged(dir, plan, &tracking()).unwrap();
        }
        let (got, expected) = (contents(many.path()), contents(one.path()));
        prop_assert_eq!(&got, &expected);
        // What is left is this run's files and manifests: last run's are gone.
        let written: Vec<&String> = after.iter().map(|f| &f.0).collect();
        for name in got.keys().filter(|n| !n.starts_with(FOLDER)) {
            prop_assert!(written.contains(&name), "{} left", name);
        }
    }

    /// A commit writes a name exactly when one of its chunks has a file of that name.
    #[test]
    fn written_names_are_exactly_the_chunks(files in files(), asked in "[a-z]{1,3}(/[a-z]{1,3})?") {
        let dir = tempfile::tempdir().unwrap();
        let chunks = chunks(dir.path(), &files, true);
        let in_dir = |p: &Path| p.strip_prefix(dir.path()).unwrap().to_string_lossy().into_owned();
        let names = WrittenNames::new(&chunks, &in_dir);
        for (name, _, _) in &files {
            prop_assert!(names.has(name));
        }
        let asked = format!("{asked}.json");
        prop_assert_eq!(names.has(&asked), files.iter().any(|f| f.0 == asked));
    }
}

/// Every file of `dir` but temporary ones (a crash leaves those; they are hidden, and no
/// run reads them).
fn lasting(dir: &Path) -> BTreeMap<String, String> {
    let mut files = contents(dir);
    files.retain(|name, _| !name.ends_with(".tmp"));
    files
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    /// A run stopped before any change of the folder, as by a crash, and then a run that
    /// finishes: the folder is what it would be had the stopped run never been (no file
    /// of either earlier run that the last does not write survives, every manifest as it
    /// would be), whatever the step.
    #[test]
    fn a_run_that_crashed_is_finished_by_the_next(
        first in files(),
        crashed in files(),
        last in files(),
        step in 0..40usize,
        split in any::<bool>(),
    ) {
        let (dir, clean) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for d in [dir.path(), clean.path()] {
            let plan = StagedPlan { chunks: chunks(d, &first, split), removals: Vec::new() };
            commit_staged(d, plan, &tracking()).unwrap();
        }
        let plan = StagedPlan { chunks: chunks(dir.path(), &crashed, split), removals: Vec::new() };
        crash::at(Some(step));
        let stopped = commit_staged(dir.path(), plan, &tracking());
        crash::at(None);
        drop(stopped);
        for d in [dir.path(), clean.path()] {
            let plan = StagedPlan { chunks: chunks(d, &last, split), removals: Vec::new() };
            commit_staged(d, plan, &tracking()).unwrap();
        }
        prop_assert_eq!(lasting(dir.path()), lasting(clean.path()));
    }
}

/// A rename that fails part way: the files before it are in place, none after it is, no
/// temporary file is left, and each unit's pending manifest (on disk) lists every file it
/// may have written, where no final manifest says the run finished.
#[test]
fn a_rename_failing_part_way_leaves_every_file_listed() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(String, String, String)> = ["a1", "a2", "b1", "b2"]
        .iter()
        .map(|n| (format!("{n}.json"), n.to_string(), format!("{{\"{n}\":1}}")))
        .collect();
    let chunks = chunks(dir.path(), &files, true);
    // `b1.json` became a folder (with a file in it) after it was staged.
    fs::create_dir(dir.path().join("b1.json")).unwrap();
    fs::write(dir.path().join("b1.json/x"), "").unwrap();
    let plan = StagedPlan {
        chunks,
        removals: Vec::new(),
    };
    let error = commit_staged(dir.path(), plan, &tracking()).unwrap_err();
    let WriteError::Commit {
        verb,
        target,
        done,
        not_written,
        ..
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!(*verb, "write");
    assert_eq!(target, &dir.path().join("b1.json"));
    assert_eq!(done.written, 2);
    assert_eq!(
        not_written,
        &[dir.path().join("b1.json"), dir.path().join("b2.json")]
    );
    let message = error.to_string();
    assert!(message.contains("a1.json`, `"), "{message}");
    let left = contents(dir.path());
    let names: Vec<&str> = left.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            ".iam-refine/unit-a.pending.json",
            ".iam-refine/unit-b.pending.json",
            "a1.json",
            "a2.json",
            "b1.json/x"
        ]
    );
    for (unit, listed) in [("a", ["a1.json", "a2.json"]), ("b", ["b1.json", "b2.json"])] {
        let pending = &left[&format!(".iam-refine/unit-{unit}.pending.json")];
        for name in listed {
            assert!(pending.contains(&format!("\"{name}\"")), "{pending}");
        }
    }
}

/// A unit's files in two chunks would give it two manifests, each with half of them: the
/// commit refuses before anything in the folder changes.
#[test]
fn a_unit_in_two_chunks_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(String, String, String)> = ["a1", "b1", "a2"]
        .iter()
        .map(|n| (format!("{n}.json"), n.to_string(), "{}".to_string()))
        .collect();
    let plan = StagedPlan {
        chunks: chunks(dir.path(), &files, true),
        removals: Vec::new(),
    };
    let error = commit_staged(dir.path(), plan, &tracking()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("`unit-a.json` came in two parts"),
        "{error}"
    );
    assert!(error.to_string().contains("nothing was written"), "{error}");
    assert!(
        contents(dir.path()).is_empty(),
        "{:?}",
        contents(dir.path())
    );
}

/// What a commit holds beyond its chunks, a few dozen bytes a file: the chunks are read in
/// turn, the manifests written as they are serialised, and last run's manifests held as
/// hashes. Before (every file unpacked, every manifest's text made, last run's manifests
/// held whole) it was over 1,000 bytes a file.
#[test]
fn a_commit_holds_little_per_file_beyond_its_chunks() {
    let dir = tempfile::tempdir().unwrap();
    // 20 units of 100 files each, in a chunk each, as an organisation's accounts come.
    let files: Vec<(String, String, String)> = (0..2_000)
        .map(|i| {
            let unit = if i % 2 == 0 { 'a' } else { 'b' };
            (
                format!("{unit}{}/principal-{i:05}.json", i % 20),
                format!(
                    "{unit}{}-arn:aws:iam::123456789012:role/principal-{i:05}",
                    i % 20
                ),
                format!("{{\"Version\": \"2012-10-17\", \"n\": {i}}}"),
            )
        })
        .collect();
    let mut files = files;
    files.sort_by(|a, b| a.1[..2].cmp(&b.1[..2]).then(a.0.cmp(&b.0)));
    let units: Vec<String> = {
        let mut u: Vec<String> = files
            .iter()
            .map(|f| format!("unit-{}.json", &f.1[..2]))
            .collect();
        u.dedup();
        u
    };
    let tracking = || {
        let unit_of = |owner: &str| format!("unit-{}.json", owner.split('-').next().unwrap_or(""));
        Tracking {
            units: units.clone(),
            unit_of: Box::new(unit_of),
            owns: Box::new(move |owner, manifest| manifest == unit_of(owner)),
            supersedes: Box::new(|_| false),
            why: Box::new(|_| "gone".to_string()),
        }
    };
    let split = |dir: &Path| {
        let mut out: Vec<StagedFiles> = Vec::new();
        let mut unit = "";
        for (name, owner, content) in &files {
            let target = dir.join(name);
            fs::create_dir_all(target.parent().unwrap()).unwrap();
            if out.is_empty() || unit != &owner[..2] {
                out.push(StagedFiles::new(dir, 100, 100 * 200));
                unit = &owner[..2];
            }
            out.last_mut()
                .unwrap()
                .push(stage(&target, content).unwrap(), owner);
        }
        out
    };
    // A first run into an empty folder, then one over its files and manifests.
    for run in ["first", "second"] {
        let plan = StagedPlan {
            chunks: split(dir.path()),
            removals: Vec::new(),
        };
        let tracking = tracking();
        let (done, peak) =
            crate::allocator::counting::measured(|| commit_staged(dir.path(), plan, &tracking));
        assert_eq!(done.unwrap().written, files.len());
        let per_file = peak / files.len();
        assert!(
            per_file < 150,
            "{run} run: {peak} bytes held at once, {per_file} a file"
        );
    }
}
