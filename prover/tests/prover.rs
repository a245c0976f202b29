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

#[test]
fn a_hand_over_from_another_version_is_refused() {
    // What `iam-refine` 0.0.1 handing over to this prover would look like: its arguments
    // may mean something else here, so nothing is judged.
    prover()
        .args(["verify", "--original"])
        .arg(example("policy.json"))
        .arg("--refined")
        .arg(example("policy.json"))
        .arg("--unused")
        .arg(example("unused.json"))
        .env("IAM_REFINE_HANDED_OVER", "0.0.1")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("0.0.1").and(predicate::str::contains("same version")));
    // The same version is fine.
    prover()
        .args(["refine", "--unused"])
        .arg(example("unused.json"))
        .arg(example("policy.json"))
        .env("IAM_REFINE_HANDED_OVER", env!("CARGO_PKG_VERSION"))
        .assert()
        .success();
}
