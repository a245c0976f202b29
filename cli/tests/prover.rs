//! The hand-over from `iam-refine`, which links no Z3, to `iam-refine-prover` (see
//! cli/src/prover.rs): what proves runs in the prover on the same arguments and standard
//! streams, what does not prove never needs it, and a missing or wrong prover is an error
//! that says what to install, never a pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{bin, bin_path, example, read, refine_cmd, text};
use predicates::prelude::*;

const PROVER_ENV: &str = "IAM_REFINE_PROVER";

/// The dynamic section names each shared library by its file name.
fn links_libz3(path: &std::path::Path) -> bool {
    let bytes = std::fs::read(path).expect("read the binary");
    bytes.windows(8).any(|w| w == b"libz3.so")
}

#[test]
#[cfg(target_os = "linux")]
fn iam_refine_links_no_z3_and_the_prover_does() {
    assert!(!links_libz3(&bin_path()), "{}", bin_path().display());
    let prover = bin_path().with_file_name("iam-refine-prover");
    assert!(links_libz3(&prover), "{}", prover.display());
}

#[test]
fn proving_runs_in_the_prover_with_the_same_streams_and_exit_code() {
    // A refutation: exit 3 and the witness on stdout, as the prover prints them.
    let out = bin()
        .args(["verify", "--original"])
        .arg(example("policy.json"))
        .arg("--refined")
        .arg(example("broken.json"))
        .arg("--unused")
        .arg(example("unused.json"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "s3:getbucketpolicy\n");
    assert!(
        text(&out.stderr).contains("counterexample"),
        "{}",
        text(&out.stderr)
    );
    // The original read from standard input, which the prover inherits: the same verdict.
    let mut child = std::process::Command::new(bin_path())
        .args(["verify", "--original", "-", "--refined"])
        .arg(example("broken.json"))
        .arg("--unused")
        .arg(example("unused.json"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let policy = read(&example("policy.json"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(policy.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "s3:getbucketpolicy\n");
    assert!(
        text(&out.stderr).contains("counterexample"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn without_the_prover_proving_is_an_error_naming_it_and_the_rest_works() {
    let missing = "/nonexistent/iam-refine-prover";
    for args in [vec!["--verify"], vec!["--verify", "--timeout", "5"]] {
        refine_cmd([example("policy.json")], example("unused.json"))
            .args(&args)
            .env(PROVER_ENV, missing)
            .assert()
            .code(1)
            .stdout("")
            .stderr(
                predicate::str::contains("iam-refine-prover")
                    .and(predicate::str::contains(
                        "cargo install --locked --path prover",
                    ))
                    .and(predicate::str::contains(missing)),
            );
    }
    bin()
        .args(["account"])
        .arg("../iam-refine/testdata/account/authorization-details.json")
        .args([
            "--findings",
            "../iam-refine/testdata/account/findings",
            "--verify",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env(PROVER_ENV, missing)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cargo install --locked --path prover",
        ));
    // What does not prove never looks for the prover.
    refine_cmd([example("policy.json")], example("unused.json"))
        .env(PROVER_ENV, missing)
        .assert()
        .success();
    bin()
        .args(["expand", "s3:GetObject"])
        .env(PROVER_ENV, missing)
        .assert()
        .success();
}

#[test]
fn bad_arguments_are_refused_before_the_hand_over() {
    // A usage error is exit 2 from `iam-refine` itself, prover or not.
    refine_cmd([example("policy.json")], example("unused.json"))
        .args(["--verify", "--timeout", "0"])
        .env(PROVER_ENV, "/nonexistent/iam-refine-prover")
        .assert()
        .code(2);
    bin()
        .args(["verify", "--refined", "x.json", "--unused", "u.json"])
        .env(PROVER_ENV, "/nonexistent/iam-refine-prover")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--original"));
}

#[test]
fn a_prover_built_without_the_prover_is_refused_not_looped() {
    // `iam-refine` named as its own prover would hand over to itself forever.
    refine_cmd([example("policy.json")], example("unused.json"))
        .arg("--verify")
        .env(PROVER_ENV, bin_path())
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("built without"));
}

/// What `iam-refine` hands over is its build identity (`--version`), which the prover it
/// runs carries too: a wrapper in the prover's place records it, then runs the prover.
#[test]
#[cfg(unix)]
fn the_hand_over_carries_the_build_identity() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let seen = dir.path().join("seen");
    let prover = bin_path().with_file_name("iam-refine-prover");
    let wrapper = dir.path().join("prover.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nprintf '%s' \"$IAM_REFINE_HANDED_OVER\" > '{}'\nexec '{}' \"$@\"\n",
            seen.display(),
            prover.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    refine_cmd([example("policy.json")], example("unused.json"))
        .arg("--verify")
        .env(PROVER_ENV, &wrapper)
        .assert()
        .success()
        .stderr(predicate::str::contains("proved"));
    let version = |path: &std::path::Path| {
        let out = std::process::Command::new(path)
            .arg("--version")
            .output()
            .unwrap();
        text(&out.stdout).trim_end().to_string()
    };
    let handed = read(&seen);
    assert_eq!(format!("iam-refine {handed}"), version(&bin_path()));
    assert_eq!(format!("iam-refine {handed}"), version(&prover));
    assert!(handed.contains(" (sources "), "{handed}");
}
