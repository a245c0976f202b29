//! What the `iam-refine` binary does to its standard streams and to files: closed pipes,
//! full disks, several outputs written all or nothing, permissions, and inputs never
//! overwritten.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

mod common;

use std::os::fd::OwnedFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use predicates::prelude::*;

use common::{bin_path, example, read, refine_cmd, text, write};

/// A standard output whose reader is gone: every write fails with EPIPE, on every run
/// (a socket pair with one end closed behaves as a pipe whose reader exited).
fn closed_stdout() -> Stdio {
    let (ours, theirs) = UnixStream::pair().expect("socketpair");
    drop(theirs);
    Stdio::from(OwnedFd::from(ours))
}

fn run_with_stdout(args: &[&std::ffi::OsStr], stdout: Stdio) -> Output {
    Command::new(bin_path())
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("run")
}

fn os<'a>(args: &'a [&'a str]) -> Vec<&'a std::ffi::OsStr> {
    args.iter().map(std::ffi::OsStr::new).collect()
}

fn example_args() -> Vec<String> {
    vec![
        "refine".into(),
        example("policy.json").display().to_string(),
        "--unused".into(),
        example("unused.json").display().to_string(),
    ]
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let refine = example_args();
    let refine: Vec<&str> = refine.iter().map(String::as_str).collect();
    for (args, code) in [
        (refine.clone(), 0),
        (vec!["expand", "*"], 0),
        (vec!["expand", "s3:GetObject"], 0),
        (vec!["catalog"], 0),
        (vec!["catalog", "--services"], 0),
        (vec!["--help"], 0),
        (vec!["refine", "--help"], 0),
        (vec!["--version"], 0),
    ] {
        let out = run_with_stdout(&os(&args), closed_stdout());
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("error"), "{args:?}: {err}");
    }
    // A closed pipe does not turn a refutation into a pass: the verdict's exit code stays.
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = write(
        dir.path(),
        "broken.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "LambdaFunctions", "Effect": "Allow", "Action": "*", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:my-function"}]}"#,
    );
    let args = [
        "verify".to_string(),
        "--original".into(),
        example("policy.json").display().to_string(),
        "--refined".into(),
        broken.display().to_string(),
        "--unused".into(),
        example("unused.json").display().to_string(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_with_stdout(&os(&args), closed_stdout());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"));
}

#[test]
fn a_pipe_closed_by_head_ends_quietly() {
    let bin = bin_path();
    for cmd in [
        r#""$0" expand '*' | head -1"#,
        r#""$0" catalog --services | head -1"#,
        r#""$0" refine "$1" --unused "$2" | head -1"#,
    ] {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("set -o pipefail; {cmd}"))
            .arg(&bin)
            .arg(example("policy.json"))
            .arg(example("unused.json"))
            .output()
            .expect("bash");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{cmd}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("error"),
            "{cmd}: {err}"
        );
        assert_eq!(text(&out.stdout).lines().count(), 1, "{cmd}");
    }
}

#[test]
fn a_full_disk_on_stdout_is_one_error_line_and_exit_1() {
    let refine = example_args();
    let mut quiet: Vec<&str> = refine.iter().map(String::as_str).collect();
    quiet.push("--quiet");
    for args in [
        quiet,
        vec!["expand", "*"],
        vec!["catalog"],
        vec!["catalog", "--services"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = run_with_stdout(&os(&args), Stdio::from(full));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        let errors: Vec<&str> = err.lines().filter(|l| l.contains("error")).collect();
        assert_eq!(errors.len(), 1, "{args:?}: {err}");
        assert!(errors[0].starts_with("iam-refine: error: "), "{err}");
        assert!(errors[0].contains("stdout"), "{err}");
        assert!(errors[0].contains("No space left on device"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // With --quiet there is nothing else on stderr.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let mut args = example_args();
    args.push("-q".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_with_stdout(&os(&args), Stdio::from(full));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
}

const OLD: &str = "last run's output\n";

/// Three policies that all refine to a file, the findings, and an output folder.
fn three_policies(dir: &Path) -> ([PathBuf; 3], PathBuf, PathBuf) {
    let a = write(
        dir,
        "a.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}}"#,
    );
    let b = write(
        dir,
        "b.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}}"#,
    );
    let c = write(
        dir,
        "c.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}}"#,
    );
    let unused = write(
        dir,
        "u.json",
        r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}]"#,
    );
    ([a, b, c], unused, dir.join("out"))
}

fn temporary_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("out dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") || (n.starts_with(".iam-refine") && n != ".iam-refine"))
        .collect()
}

#[test]
fn a_target_that_is_a_folder_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (policies, unused, out) = three_policies(dir.path());
    std::fs::create_dir_all(out.join("b.json")).expect("mkdir");
    write(&out, "a.json", OLD);
    refine_cmd(&policies, &unused)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("b.json"))
        .stderr(predicate::str::contains("is a directory"))
        .stderr(predicate::str::contains("nothing was written"));
    assert_eq!(
        read(&out.join("a.json")),
        OLD,
        "a.json is not new while b.json failed"
    );
    assert!(!out.join("c.json").exists());
    assert!(
        temporary_files(&out).is_empty(),
        "{:?}",
        temporary_files(&out)
    );
}

#[test]
fn a_write_failing_part_way_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(
        dir.path(),
        "a.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}}"#,
    );
    // b's refined file is far over the file-size limit below; a's and c's are under it.
    let statements: Vec<String> = (0..100)
        .map(|i| format!(r#"{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-{i}/*"}}"#))
        .collect();
    let b = write(
        dir.path(),
        "b.json",
        &format!(r#"{{"Statement": [{}]}}"#, statements.join(",")),
    );
    let c = write(
        dir.path(),
        "c.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}}"#,
    );
    let unused = write(
        dir.path(),
        "u.json",
        r#"[{"serviceNamespace": "s3", "actions": ["GetObjectAcl"]}]"#,
    );
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    for name in ["a.json", "b.json", "c.json"] {
        write(&out, name, OLD);
    }
    // As a full disk would: writes past 2 KiB fail (EFBIG; the signal is ignored).
    let run = Command::new("bash")
        .arg("-c")
        .arg(r#"trap '' XFSZ; ulimit -f 2; exec "$0" "$@""#)
        .arg(bin_path())
        .args(["refine"])
        .args([&a, &b, &c])
        .arg("--unused")
        .arg(&unused)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("bash");
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(err.contains("b.json"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for name in ["a.json", "b.json", "c.json"] {
        assert_eq!(read(&out.join(name)), OLD, "{name} changed");
    }
    assert!(
        temporary_files(&out).is_empty(),
        "{:?}",
        temporary_files(&out)
    );
    // Without the limit, all three are written.
    refine_cmd([&a, &b, &c], &unused)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    for name in ["a.json", "b.json", "c.json"] {
        assert_ne!(read(&out.join(name)), OLD, "{name} not written");
    }
}

#[test]
fn last_runs_file_of_a_policy_now_to_detach_is_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (policies, unused, out) = three_policies(dir.path());
    refine_cmd(&policies, &unused)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote 3 refined policies"));
    assert!(out.join("b.json").exists());
    let unused_now = write(
        dir.path(),
        "u2.json",
        r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}, {"serviceNamespace": "sqs"}]"#,
    );
    refine_cmd(&policies, &unused_now)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("wrote 2 refined policies"))
        .stderr(predicate::str::contains("removed"))
        .stderr(predicate::str::contains("b.json"));
    assert!(
        !out.join("b.json").exists(),
        "a stale refined file is not left looking current"
    );
    assert!(out.join("a.json").exists() && out.join("c.json").exists());
    // --quiet still removes it (and says nothing).
    refine_cmd(&policies, &unused)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("b.json").exists());
    refine_cmd(&policies, &unused_now)
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .assert()
        .code(5)
        .stderr(predicate::str::contains("warning").not());
    assert!(!out.join("b.json").exists());
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn output_files_follow_the_umask() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (policies, unused, out) = three_policies(dir.path());
    for (umask, expected) in [("022", 0o644), ("027", 0o640), ("002", 0o664)] {
        let run = Command::new("sh")
            .arg("-c")
            .arg(format!(r#"umask {umask}; exec "$0" "$@""#))
            .arg(bin_path())
            .arg("refine")
            .args(&policies)
            .arg("--unused")
            .arg(&unused)
            .arg("-o")
            .arg(&out)
            .output()
            .expect("sh");
        assert!(run.status.success(), "{}", text(&run.stderr));
        for name in ["a.json", "b.json", "c.json"] {
            assert_eq!(mode(&out.join(name)), expected, "umask {umask}: {name}");
        }
    }
}

#[test]
fn outputs_never_overwrite_any_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (policies, _, out) = three_policies(dir.path());
    std::fs::create_dir(&out).expect("mkdir");
    // The findings file sits where a refined policy would go.
    let findings = write(
        &out,
        "b.json",
        r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}]"#,
    );
    let before = read(&findings);
    refine_cmd(&policies, &findings)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would overwrite the input"));
    assert_eq!(read(&findings), before);
    assert!(!out.join("a.json").exists(), "nothing is written");
    std::fs::remove_file(&findings).expect("rm");

    // A catalog there.
    let unused = write(dir.path(), "u.json", "[]");
    let catalog = write(
        &out,
        "c.json",
        r#"{"s3": ["GetObject"], "sqs": ["SendMessage"], "ec2": ["DescribeThing"]}"#,
    );
    let before = read(&catalog);
    refine_cmd(&policies, &unused)
        .arg("--catalog")
        .arg(&catalog)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would overwrite the input"));
    assert_eq!(read(&catalog), before);
    std::fs::remove_file(&catalog).expect("rm");

    // A hard link to a policy, under another name.
    std::fs::hard_link(&policies[0], out.join("a.json")).expect("hard link");
    let before = read(&policies[0]);
    refine_cmd(&policies, &unused)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would overwrite the input"));
    assert_eq!(read(&policies[0]), before);
    std::fs::remove_file(out.join("a.json")).expect("rm");

    // A symbolic link to one.
    std::os::unix::fs::symlink(&policies[1], out.join("b.json")).expect("symlink");
    refine_cmd(&policies, &unused)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would overwrite the input"));
    assert!(temporary_files(&out).is_empty());
}

#[test]
fn last_runs_file_of_a_policy_now_not_proved_is_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Asked of Z3 alone (the automata, which decide it first by default, spend no resource
    // units), a NotAction refinement with infix patterns needs a symbolic query, which a
    // resource limit of 1 cuts off on every machine: the verdict is unknown.
    let policy = write(
        dir.path(),
        "na.json",
        r#"{"Statement": [{"Effect": "Allow", "NotAction": ["iam:*Role*", "*session*"], "Resource": "*"}]}"#,
    );
    let other = write(
        dir.path(),
        "s3.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject*", "Resource": "*"}}"#,
    );
    let unused = write(
        dir.path(),
        "u.json",
        r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}]"#,
    );
    let out = dir.path().join("out");
    refine_cmd([&policy, &other], &unused)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("na.json").exists());
    refine_cmd([&policy, &other], &unused)
        .args(["-o"])
        .arg(&out)
        .args(["--verify", "--rlimit", "1"])
        .env("IAM_REFINE_SOLVER", "z3")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("na.json: unknown"))
        .stderr(predicate::str::contains("removed"))
        .stderr(predicate::str::contains("not proved"));
    assert!(
        !out.join("na.json").exists(),
        "an unproved refinement is not left looking current"
    );
    assert!(out.join("s3.json").exists());
}
