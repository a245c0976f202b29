//! The ledger gives back every outcome as it was kept, in index order, and no staged file
//! outlives it unless its outcome is taken out.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use iam_refine::{PrincipalKind, PrincipalStatus};

use super::Ledger;
use crate::account_cmd::work::{Details, Outcome};
use crate::output::stage::stage;

/// How a test outcome's file is: none, staged where the ledger expects it, staged elsewhere,
/// or an error staging it.
#[derive(Debug, Clone, Copy)]
enum How {
    NoFile,
    Staged,
    Elsewhere,
    Failed,
}

#[derive(Debug, Clone)]
struct Case {
    arn: String,
    name: String,
    file: Option<String>,
    kind: PrincipalKind,
    status: PrincipalStatus,
    how: How,
    errors: Vec<String>,
}

/// What an outcome says, every field: compared before keeping and after.
#[derive(Debug, PartialEq)]
struct Seen {
    arn: String,
    name: String,
    file: Option<String>,
    kind: PrincipalKind,
    status: PrincipalStatus,
    staged: Option<Result<(PathBuf, String, PathBuf), PathBuf>>,
    errors: Vec<String>,
}

fn seen(o: &Outcome) -> Seen {
    Seen {
        arn: o.arn.clone(),
        name: o.name.clone(),
        file: o.file.clone(),
        kind: o.kind,
        status: o.status,
        staged: o.staged.as_ref().map(|s| match s {
            Ok(s) => Ok((
                s.target.clone(),
                s.sha256.clone(),
                s.temporary().to_path_buf(),
            )),
            Err((target, _)) => Err(target.clone()),
        }),
        errors: o.details().errors.clone(),
    }
}

fn outcome(case: &Case, dir: &Path, other: &Path) -> Outcome {
    let staged_in = |dir: &Path, file: &str| {
        let target = dir.join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        stage(&target, &case.arn).unwrap()
    };
    let staged = match (case.how, &case.file) {
        (How::Staged, Some(file)) => Some(Ok(staged_in(dir, file))),
        (How::Elsewhere, Some(file)) => Some(Ok(staged_in(other, file))),
        (How::Failed, Some(file)) => Some(Err((
            dir.join(file),
            std::io::Error::other("no space left"),
        ))),
        _ => None,
    };
    let details = Details {
        errors: case.errors.clone(),
        ..Details::default()
    };
    Outcome {
        arn: case.arn.clone(),
        name: case.name.clone(),
        kind: case.kind,
        status: case.status,
        staged,
        file: case.file.clone(),
        details: (!case.errors.is_empty()).then(|| Box::new(details)),
    }
}

fn cases() -> impl Strategy<Value = Vec<Case>> {
    let status = prop_oneof![
        Just(PrincipalStatus::Refined),
        Just(PrincipalStatus::Detach),
        Just(PrincipalStatus::Unchanged),
        Just(PrincipalStatus::DeleteRole),
        Just(PrincipalStatus::Failed),
    ];
    let kind = prop_oneof![Just(PrincipalKind::Role), Just(PrincipalKind::User)];
    let how = prop_oneof![
        Just(How::NoFile),
        Just(How::Staged),
        Just(How::Elsewhere),
        Just(How::Failed)
    ];
    // Names and files mostly as the ARN says (`<name>.json`, `<account>/<name>.json`), as
    // `file_names` gives them, and any other.
    let case = (
        "[0-9]{3}",
        "[a-zA-Zé+=,.@_-]{0,12}",
        proptest::option::of("[a-zA-Zé+=,.@_-]{0,12}"),
        proptest::option::of(prop_oneof![Just(None), Just(Some(true)), Just(Some(false)),]),
        "[a-zA-Z0-9é_-]{1,10}",
        kind,
        status,
        how,
        proptest::collection::vec(".{0,8}", 0..2),
    )
        .prop_map(
            |(account, tail, name, file, other_file, kind, status, how, errors)| {
                let name = name.unwrap_or_else(|| tail.clone());
                let file = file.map(|in_folder| match in_folder {
                    None => format!("{other_file}.json"),
                    Some(true) => format!("{account}/{name}.json"),
                    Some(false) => format!("{name}.json"),
                });
                Case {
                    arn: format!("arn:aws:iam::{account}:role/{tail}"),
                    name,
                    file,
                    kind,
                    status,
                    how,
                    errors,
                }
            },
        );
    proptest::collection::vec(case, 0..12).prop_map(|mut cases| {
        // Each file once, as `file_names` gives them.
        let mut files = std::collections::HashSet::new();
        for c in &mut cases {
            if c.file.as_ref().is_some_and(|f| !files.insert(f.clone())) {
                c.file = None;
            }
        }
        cases
    })
}

fn temporaries(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        })
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Kept in any order, with any text limit: the outcomes come back in index order, each
    /// as it was, its staged file where it was; dropped, they delete them.
    #[test]
    fn outcomes_come_back_as_kept_in_index_order(
        cases in cases(),
        order in proptest::collection::vec(any::<prop::sample::Index>(), 12),
        limit in prop_oneof![Just(usize::MAX), 0..200usize],
        relative in any::<bool>(),
    ) {
        let cwd = std::env::current_dir().unwrap();
        let (dir, other) = (tempfile::tempdir_in(&cwd).unwrap(), tempfile::tempdir().unwrap());
        // `-o out` as well as `-o /abs/out`.
        let dir_path = if relative { dir.path().strip_prefix(&cwd).unwrap() } else { dir.path() };
        let outcomes: Vec<Outcome> =
            cases.iter().map(|c| outcome(c, dir_path, other.path())).collect();
        let expected: Vec<Seen> = outcomes.iter().map(seen).collect();
        let mut ledger = Ledger::new(cases.len(), Some(dir_path), 0);
        ledger.text.limit = limit.min(ledger.text.limit);
        let mut slots: Vec<(usize, Outcome)> = outcomes.into_iter().enumerate().collect();
        // Workers finish in any order.
        for pick in &order {
            if !slots.is_empty() {
                let (i, o) = slots.remove(pick.index(slots.len()));
                ledger.keep(i, o);
            }
        }
        for (i, o) in slots {
            ledger.keep(i, o);
        }
        let staged = temporaries(dir.path()) + temporaries(other.path());
        let back = ledger.into_outcomes();
        let got: Vec<Seen> = back.iter().map(seen).collect();
        prop_assert_eq!(got, expected);
        // Every staged file is still there, and each goes with its outcome.
        prop_assert_eq!(temporaries(dir.path()) + temporaries(other.path()), staged);
        drop(back);
        prop_assert_eq!(temporaries(dir.path()) + temporaries(other.path()), 0);
    }

    /// A ledger dropped before its outcomes are taken out (a run that failed) deletes every
    /// staged file it holds, packed or kept whole.
    #[test]
    fn a_ledger_dropped_deletes_its_staged_files(
        cases in cases(),
        limit in prop_oneof![Just(usize::MAX), 0..200usize],
    ) {
        let (dir, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut ledger = Ledger::new(cases.len(), Some(dir.path()), 0);
        ledger.text.limit = limit.min(ledger.text.limit);
        for (i, c) in cases.iter().enumerate() {
            ledger.keep(i, outcome(c, dir.path(), other.path()));
        }
        drop(ledger);
        prop_assert_eq!(temporaries(dir.path()) + temporaries(other.path()), 0);
    }
}

/// The point of it: outcomes staged where the ledger expects them are held as its text,
/// not as allocations of their own.
#[test]
fn staged_outcomes_are_packed_into_the_ledgers_text() {
    let dir = tempfile::tempdir().unwrap();
    hundred_are_packed(dir.path());
}

/// Also in a relative output folder (`-o out`), where the temporary files' paths are
/// absolute: before, none of them was packed.
#[test]
fn staged_outcomes_of_a_relative_folder_are_packed_too() {
    let cwd = std::env::current_dir().unwrap();
    let dir = tempfile::tempdir_in(&cwd).unwrap();
    let relative = dir.path().strip_prefix(&cwd).unwrap();
    assert!(relative.is_relative());
    hundred_are_packed(relative);
}

/// A hundred outcomes staged in `dir` are packed, and come back as they were kept.
fn hundred_are_packed(dir: &Path) {
    let mut ledger = Ledger::new(100, Some(dir), 0);
    let mut expected = Vec::new();
    for i in 0..100 {
        let case = Case {
            arn: format!("arn:aws:iam::123456789012:role/r{i}"),
            name: format!("r{i}"),
            // Half in their account's folder, as a folder of exports names them.
            file: Some(if i % 2 == 0 {
                format!("r{i}.json")
            } else {
                format!("123456789012/r{i}.json")
            }),
            kind: PrincipalKind::Role,
            status: PrincipalStatus::Refined,
            how: How::Staged,
            errors: Vec::new(),
        };
        let outcome = outcome(&case, dir, dir);
        expected.push(seen(&outcome));
        ledger.keep(i, outcome);
    }
    let packed = ledger
        .entries
        .iter()
        .filter(|e| matches!(e, Some(super::Entry::Packed(_))))
        .count();
    assert_eq!(packed, 100);
    // Each is its ARN, hash and temporary file's name: its name and file are the ARN's.
    let held: usize = (0..100)
        .map(|i| format!("arn:aws:iam::123456789012:role/r{i}").len() + 64 + 22)
        .sum();
    assert_eq!(ledger.text.len(), held);
    let back: Vec<Seen> = ledger.into_outcomes().iter().map(seen).collect();
    assert_eq!(back, expected);
}

/// No outcome is lost to an index the ledger was not made for.
#[test]
fn an_outcome_past_the_count_is_kept_last() {
    let dir = tempfile::tempdir().unwrap();
    let case = |name: &str| Case {
        arn: format!("arn:aws:iam::1:user/{name}"),
        name: name.to_string(),
        file: Some(format!("{name}.json")),
        kind: PrincipalKind::User,
        status: PrincipalStatus::Refined,
        how: How::Staged,
        errors: Vec::new(),
    };
    let mut ledger = Ledger::new(1, Some(dir.path()), 0);
    ledger.keep(5, outcome(&case("b"), dir.path(), dir.path()));
    ledger.keep(0, outcome(&case("a"), dir.path(), dir.path()));
    let names: Vec<String> = ledger.into_outcomes().into_iter().map(|o| o.name).collect();
    assert_eq!(names, ["a", "b"]);
}

/// What the ledger saves: counted by the tests' allocator, 2,000 outcomes as an
/// organisation's account gives them, held as outcomes and in a ledger (394 and 190 bytes
/// a principal when this was written).
#[test]
fn a_packed_outcome_takes_about_half_of_an_outcome() {
    use crate::allocator::counting::kept;
    let dir = tempfile::tempdir().unwrap();
    let n = 2_000;
    let case = |i: usize| Case {
        arn: format!("arn:aws:iam::123456789012:role/Role{i:05}"),
        name: format!("Role{i:05}"),
        file: Some(format!("123456789012/Role{i:05}.json")),
        kind: PrincipalKind::Role,
        status: PrincipalStatus::Refined,
        how: How::Staged,
        errors: Vec::new(),
    };
    let (whole, as_outcomes) = kept(|| {
        (0..n)
            .map(|i| outcome(&case(i), dir.path(), dir.path()))
            .collect::<Vec<_>>()
    });
    drop(whole);
    let (ledger, as_ledger) = kept(|| {
        let room = Ledger::room(&case(0).arn);
        let mut ledger = Ledger::new(n, Some(dir.path()), n * room);
        for i in 0..n {
            ledger.keep(i, outcome(&case(i), dir.path(), dir.path()));
        }
        ledger
    });
    let (outcome_bytes, ledger_bytes) = (as_outcomes / n, as_ledger / n);
    assert!(
        ledger_bytes * 20 <= outcome_bytes * 11,
        "{ledger_bytes} bytes a principal packed, {outcome_bytes} as an outcome"
    );
    drop(ledger);
    assert_eq!(temporaries(dir.path()), 0);
}
