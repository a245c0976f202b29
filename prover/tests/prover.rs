//! `iam-refine-prover` proves by itself, with the prover linked in. (The hand-over to it
//! from `iam-refine` is tested with that binary, in cli/tests/prover.rs; this file also
//! makes `cargo test --workspace` build the prover those tests run.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

fn prover() -> Command {
    Command::cargo_bin("iam-refine-prover").expect("the binary is built")
}

#[test]
fn the_prover_proves_and_refutes() {
    prover()
        .args(["refine", "--verify", "--unused"])
        .arg(example("unused.json"))
        .arg(example("policy.json"))
        // A prover must never hand over (to a binary that could be any).
        .env("IAM_REFINE_PROVER", "/nonexistent/iam-refine-prover")
        .assert()
        .success()
        .stderr(predicate::str::contains("proved"));
    prover()
        .args(["verify", "--original"])
        .arg(example("policy.json"))
        .arg("--refined")
        .arg(example("broken.json"))
        .arg("--unused")
        .arg(example("unused.json"))
        .assert()
        .code(3)
        .stdout("s3:getbucketpolicy\n")
        .stderr(predicate::str::contains("counterexample"));
}

#[test]
fn the_prover_speaks_as_iam_refine() {
    prover()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("iam-refine "));
}

/// This prover's build identity, as `--version` prints it after `iam-refine `.
fn identity() -> String {
    let out = prover().arg("--version").output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end()
        .strip_prefix("iam-refine ")
        .expect("`iam-refine <identity>`")
        .to_string()
}

#[test]
fn a_hand_over_from_a_build_of_other_sources_is_refused_naming_both() {
    let ours = identity();
    assert!(
        ours.starts_with(&format!("{} (sources ", env!("CARGO_PKG_VERSION"))),
        "{ours}"
    );
    // `0.0.1`: another version. The bare crate version: what an `iam-refine` of the same
    // version but other sources (before build identities) hands over. A build of other
    // sources: the same version, another hash. The arguments may mean something else to
    // this prover, so nothing is judged.
    for theirs in [
        "0.0.1".to_string(),
        env!("CARGO_PKG_VERSION").to_string(),
        format!("{} (sources 0000000000000000)", env!("CARGO_PKG_VERSION")),
    ] {
        prover()
            .args(["verify", "--original"])
            .arg(example("policy.json"))
            .arg("--refined")
            .arg(example("policy.json"))
            .arg("--unused")
            .arg(example("unused.json"))
            .env("IAM_REFINE_HANDED_OVER", &theirs)
            .assert()
            .code(1)
            .stdout("")
            .stderr(
                predicate::str::contains(format!("`iam-refine` {theirs} handed"))
                    .and(predicate::str::contains(format!(
                        "`iam-refine-prover` {ours}"
                    )))
                    .and(predicate::str::contains("built from other sources")),
            );
    }
    // The same build is fine.
    prover()
        .args(["refine", "--unused"])
        .arg(example("unused.json"))
        .arg(example("policy.json"))
        .env("IAM_REFINE_HANDED_OVER", &ours)
        .assert()
        .success();
}
