//! What the end-to-end tests of the `iam-refine` binary share.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

pub mod account;
pub mod sarif;
pub mod yaml;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

pub fn bin() -> Command {
    prover_is_built();
    let mut c = Command::cargo_bin("iam-refine").expect("the binary is built");
    // The same output on a GitHub runner as anywhere else: annotations and the step summary
    // are tested where they are meant to be (cli/tests/report.rs).
    c.env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY");
    c
}

/// `iam-refine` hands `verify` and `--verify` to `iam-refine-prover` beside it, which
/// `cargo test --workspace` builds but `cargo test -p iam-refine-cli` alone does not.
fn prover_is_built() {
    let prover =
        bin_path().with_file_name(format!("iam-refine-prover{}", std::env::consts::EXE_SUFFIX));
    assert!(
        prover.is_file(),
        "{} is not built: run `cargo test --workspace` (or `-p iam-refine-cli -p iam-refine-prover`)",
        prover.display()
    );
}

/// The binary's path, for tests that run it through a shell or with odd standard streams.
pub fn bin_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin("iam-refine")
}

/// `iam-refine refine POLICY... --unused FINDINGS`.
pub fn refine_cmd<P: AsRef<OsStr>>(
    policies: impl IntoIterator<Item = P>,
    unused: impl AsRef<OsStr>,
) -> Command {
    let mut c = bin();
    c.arg("refine").args(policies).arg("--unused").arg(unused);
    c
}

/// `iam-refine refine POLICY... --used USED`.
pub fn refine_used<P: AsRef<OsStr>>(
    policies: impl IntoIterator<Item = P>,
    used: impl AsRef<OsStr>,
) -> Command {
    let mut c = bin();
    c.arg("refine").args(policies).arg("--used").arg(used);
    c
}

pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

pub fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, contents).expect("write test input");
    p
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read")
}

pub fn stdout_json(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("stdout is JSON")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

/// Whatever the outcome, the process ended by itself with a documented exit code and
/// did not panic.
pub fn assert_no_panic(out: &std::process::Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "panic: {err}");
    let code = out.status.code();
    assert!(
        matches!(code, Some(0..=5)),
        "exit status {:?}, stderr: {err}",
        out.status
    );
}
