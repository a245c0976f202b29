//! The build identity (`cli/build_id.rs`) that `iam-refine` hands over to
//! `iam-refine-prover`: it is the hash of the sources the binaries were built from, and it
//! changes with any change to them, with or without `.git`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

// The build script uses what a published package hashes; these tests do not.
#[allow(dead_code)]
#[path = "../build_id.rs"]
mod build_id;

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{bin, text};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn version_of(mut command: Command) -> String {
    let out = command.arg("--version").output().unwrap();
    assert!(out.status.success());
    text(&out.stdout)
        .trim_end()
        .strip_prefix("iam-refine ")
        .expect("`iam-refine <identity>`")
        .to_string()
}

#[test]
fn both_binaries_carry_the_hash_of_these_sources() {
    let expected = build_id::build_id(
        env!("CARGO_PKG_VERSION"),
        &build_id::source_hash(&root()).unwrap(),
    );
    assert_eq!(version_of(bin()), expected);
    assert_eq!(
        version_of(Command::cargo_bin("iam-refine-prover").unwrap()),
        expected,
        "the prover is built from other sources: `cargo build -p iam-refine-prover`"
    );
    assert!(expected.contains(" (sources "), "{expected}");
}

/// Copies every source entry of the workspace to `to` (no `.git`, as in a tarball).
fn copy_sources(to: &Path) {
    fn copy(from: &Path, to: &Path) {
        if from.is_dir() {
            fs::create_dir_all(to).unwrap();
            for entry in fs::read_dir(from).unwrap() {
                let entry = entry.unwrap();
                copy(&entry.path(), &to.join(entry.file_name()));
            }
        } else {
            fs::create_dir_all(to.parent().unwrap()).unwrap();
            fs::copy(from, to).unwrap();
        }
    }
    for entry in build_id::SOURCES {
        copy(&root().join(entry), &to.join(entry));
    }
}

#[test]
fn any_change_to_the_sources_changes_the_identity() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path();
    copy_sources(tree);
    assert!(!tree.join(".git").exists());
    let hash = |t: &Path| build_id::source_hash(t).unwrap();
    let original = hash(&root());
    assert_eq!(hash(tree), original, "a copy without .git hashes alike");

    // One byte of the prover's code.
    let theorems = tree.join("verify/src/theorems.rs");
    let text = fs::read_to_string(&theorems).unwrap();
    fs::write(&theorems, text.replacen("Ok(None)", "Ok(None) ", 1)).unwrap();
    let edited = hash(tree);
    assert_ne!(edited, original);
    fs::write(&theorems, &text).unwrap();
    assert_eq!(hash(tree), original, "undone, the same identity");

    // A file added, or renamed, or moved bytes between two files.
    let extra = tree.join("iam-refine/src/extra.rs");
    fs::write(&extra, "").unwrap();
    assert_ne!(hash(tree), original);
    fs::remove_file(&extra).unwrap();
    let lock = tree.join("Cargo.lock");
    let lock_text = fs::read(&lock).unwrap();
    fs::write(&lock, &lock_text[..lock_text.len() - 1]).unwrap();
    assert_ne!(hash(tree), original, "dependency versions count");
    fs::write(&lock, &lock_text).unwrap();
    let a = tree.join("verify/src/unused.rs");
    let b = tree.join("verify/src/unused2.rs");
    fs::rename(&a, &b).unwrap();
    assert_ne!(hash(tree), original);
    fs::rename(&b, &a).unwrap();

    // A missing entry counts too.
    fs::remove_dir_all(tree.join("iam-refine/data")).unwrap();
    assert_ne!(hash(tree), original);
}

/// Every crate of the workspace that `iam-refine` or `iam-refine-prover` depends on is in
/// the identity: its manifest and its `src/` (a crate added later must be added there).
#[test]
fn every_workspace_crate_the_binaries_link_is_hashed() {
    let root_manifest = fs::read_to_string(root().join("Cargo.toml")).unwrap();
    // `name = { path = "dir", ... }` lines of `[workspace.dependencies]`.
    let paths: Vec<(String, String)> = root_manifest
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.split_once('=')?;
            let path = rest.split("path = \"").nth(1)?.split('"').next()?;
            Some((name.trim().to_string(), path.to_string()))
        })
        .collect();
    assert!(paths.iter().any(|(n, _)| n == "iam-refine"), "{paths:?}");
    let mut linked = 0;
    for package in ["cli", "prover"] {
        let manifest = fs::read_to_string(root().join(package).join("Cargo.toml")).unwrap();
        for (name, dir) in &paths {
            let depends = manifest.lines().any(|l| {
                l.trim_start().starts_with(&format!("{name}.workspace"))
                    || l.trim_start()
                        .starts_with(&format!("{name} = {{ workspace"))
            });
            if depends {
                linked += 1;
                for entry in [format!("{dir}/Cargo.toml"), format!("{dir}/src")] {
                    assert!(
                        build_id::SOURCES.contains(&entry.as_str()),
                        "{package} depends on {name}, but cli/build_id.rs does not hash `{entry}`"
                    );
                }
            }
        }
    }
    assert!(linked >= 3, "{linked}");
}

#[test]
fn a_published_package_hashes_its_own_sources_and_the_cli_and_prover_packages_alike() {
    // The two published packages hold the same sources (prover/src is cli/src), so their
    // hashes agree; and an edit to any hashed file changes it.
    let cli = build_id::package_hash(&root().join("cli")).unwrap();
    let prover = build_id::package_hash(&root().join("prover")).unwrap();
    assert_eq!(cli, prover);
    assert!(build_id::PACKAGE_SOURCES.contains(&"src"));

    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("src")).unwrap();
    fs::write(dir.path().join("src/main.rs"), "fn main() {}").unwrap();
    fs::write(dir.path().join("build.rs"), "fn main() {}").unwrap();
    let before = build_id::package_hash(dir.path()).unwrap();
    fs::write(dir.path().join("src/main.rs"), "fn main() { }").unwrap();
    let after = build_id::package_hash(dir.path()).unwrap();
    assert_ne!(before, after);
    // A file missing is not the same as an empty one.
    fs::write(dir.path().join("Cargo.lock"), "").unwrap();
    assert_ne!(build_id::package_hash(dir.path()).unwrap(), after);
}
