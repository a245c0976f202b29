//! A chunk shows and gives back every file as it was added, in order, and no staged file
//! outlives it unless it is taken out.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::StagedFiles;
use crate::output::stage::stage;

/// Where a test file is staged: in the chunk's folder (or a folder inside it), or elsewhere.
#[derive(Debug, Clone)]
struct Case {
    name: String,
    in_folder: bool,
    owner: String,
}

fn cases() -> impl Strategy<Value = Vec<Case>> {
    let case = (
        prop_oneof![
            "[a-zA-Zé+=,.@_-]{1,10}\\.json",
            "[0-9]{3}/[a-z]{1,6}\\.json"
        ],
        prop_oneof![4 => Just(true), 1 => Just(false)],
        "[a-z:/0-9é]{0,20}",
    )
        .prop_map(|(name, in_folder, owner)| Case {
            name,
            in_folder,
            owner,
        });
    proptest::collection::vec(case, 0..10).prop_map(|mut cases| {
        let mut names = std::collections::HashSet::new();
        cases.retain(|c| names.insert(c.name.clone()));
        cases
    })
}

/// What a file is, every field: compared when added and after.
type Seen = (PathBuf, String, String, PathBuf);

fn temporaries(dir: &Path) -> usize {
    walk(dir)
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .count()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Added in any folder, relative or not, with any text limit: each file is shown and
    /// given back as it was added, in order; dropped, the chunk deletes what it holds.
    #[test]
    fn files_come_back_as_added(
        cases in cases(),
        relative in any::<bool>(),
        limit in prop_oneof![Just(usize::MAX), 0..300usize],
        take in any::<bool>(),
    ) {
        let cwd = std::env::current_dir().unwrap();
        let (dir, other) = (tempfile::tempdir_in(&cwd).unwrap(), tempfile::tempdir().unwrap());
        let dir_path = if relative { dir.path().strip_prefix(&cwd).unwrap() } else { dir.path() };
        let mut chunk = StagedFiles::new(dir_path, 0, 0);
        chunk.text.limit = limit;
        let mut expected: Vec<Seen> = Vec::new();
        for c in &cases {
            let target = if c.in_folder { dir_path.join(&c.name) } else { other.path().join(&c.name) };
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            let staged = stage(&target, &c.owner).unwrap();
            expected.push((
                staged.target.clone(),
                staged.sha256.clone(),
                c.owner.clone(),
                staged.temporary().to_path_buf(),
            ));
            chunk.push(staged, &c.owner);
        }
        let mut shown: Vec<Seen> = Vec::new();
        chunk.each(|f| shown.push((
            f.target.to_path_buf(),
            f.sha256.to_string(),
            f.owner.to_string(),
            f.temporary.to_path_buf(),
        )));
        prop_assert_eq!(&shown, &expected);
        prop_assert_eq!(chunk.targets(), expected.iter().map(|e| e.0.clone()).collect::<Vec<_>>());
        prop_assert_eq!(temporaries(dir.path()) + temporaries(other.path()), cases.len());
        if take {
            let back = chunk.into_staged();
            let back: Vec<(PathBuf, String, PathBuf)> = back
                .into_iter()
                .map(|s| {
                    let s = s.unwrap();
                    (s.target.clone(), s.sha256.clone(), s.temporary().to_path_buf())
                })
                .collect();
            let want: Vec<(PathBuf, String, PathBuf)> =
                expected.iter().map(|e| (e.0.clone(), e.1.clone(), e.3.clone())).collect();
            prop_assert_eq!(back, want);
        } else {
            drop(chunk);
        }
        prop_assert_eq!(temporaries(dir.path()) + temporaries(other.path()), 0);
    }
}

/// The point of it: files staged as `stage` makes them are held as the chunk's text.
#[test]
fn files_staged_in_the_folder_are_packed() {
    let dir = tempfile::tempdir().unwrap();
    let mut chunk = StagedFiles::new(dir.path(), 0, 0);
    std::fs::create_dir(dir.path().join("123456789012")).unwrap();
    for i in 0..50 {
        let target = dir.path().join(format!("123456789012/r{i}.json"));
        chunk.push(
            stage(&target, "{}").unwrap(),
            "arn:aws:iam::123456789012:role/r",
        );
    }
    assert!(chunk
        .files
        .iter()
        .all(|k| matches!(k, super::Kept::Packed(_))));
    assert_eq!(chunk.len(), 50);
    let persisted: usize = chunk
        .into_staged()
        .into_iter()
        .map(|s| s.unwrap().persist().unwrap())
        .filter(|target| std::fs::read_to_string(target).unwrap() == "{}")
        .count();
    assert_eq!(persisted, 50);
}

/// What a packed file saves: counted by the tests' allocator, 2,000 files as an
/// organisation's run stages them, each with its owner, held as `Staged`s and as a chunk
/// (324 and 193 bytes a file when this was written).
#[test]
fn a_packed_file_takes_two_thirds_of_a_staged_one() {
    use crate::allocator::counting::kept;
    let dir = tempfile::tempdir().unwrap();
    let account = dir.path().join("123456789012");
    std::fs::create_dir(&account).unwrap();
    let n = 2_000;
    let owner = |i: usize| format!("arn:aws:iam::123456789012:role/Role{i:05}");
    let file = |i: usize| stage(&account.join(format!("Role{i:05}.json")), "{}").unwrap();
    let (whole, as_staged) = kept(|| (0..n).map(|i| (file(i), owner(i))).collect::<Vec<_>>());
    drop(whole);
    let room = StagedFiles::room("123456789012/Role00000.json", &owner(0));
    let (chunk, as_chunk) = kept(|| {
        let mut chunk = StagedFiles::new(dir.path(), n, n * room);
        for i in 0..n {
            chunk.push(file(i), &owner(i));
        }
        chunk
    });
    let (staged_bytes, chunk_bytes) = (as_staged / n, as_chunk / n);
    assert!(
        chunk_bytes * 3 <= staged_bytes * 2,
        "{chunk_bytes} bytes a file packed, {staged_bytes} as a `Staged` and its owner"
    );
    drop(chunk);
    assert_eq!(temporaries(dir.path()), 0);
}
