//! README.md cannot drift from the binary:
//!
//! - every `console` block of README.md and of `docs/*.md` is run by `trycmd` from the
//!   workspace root and its
//!   output (stdout and stderr merged, `...` and `[..]` elisions) and exit code (`? N`)
//!   compared; `TRYCMD=overwrite cargo test -p iam-refine-cli --test readme` rewrites them;
//! - the synopsis of README's "Usage" section names exactly the subcommands and the flags
//!   that `iam-refine SUBCOMMAND --help` lists.
//!
//! Both need the prover (the README shows `--verify` and `verify`): `iam-refine` hands those
//! to `iam-refine-prover`, which `cargo test --workspace` builds beside it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the workspace root")
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

#[test]
fn readme_console_blocks_match_the_binary() {
    // The README's commands name files relative to the workspace root. This test binary
    // holds this one test, so changing the process's directory affects nothing else.
    std::env::set_current_dir(root()).expect("cd to the workspace root");
    // What a GitHub runner adds (annotations, a step summary) is not in the README's blocks.
    let cases = trycmd::TestCases::new();
    cases
        .register_bin("iam-refine", trycmd::cargo::cargo_bin!("iam-refine"))
        .env("GITHUB_ACTIONS", "false")
        .env("GITHUB_STEP_SUMMARY", "")
        .case("README.md")
        .case("docs/*.md");
}

/// The flags (`--unused`, `-q`, ...) a text names, without `--help` and `--version`.
fn flags(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .filter(|w| *w != "--help" && *w != "--version")
        .map(String::from)
        .collect()
}

/// README's "Usage" synopsis: subcommand -> the flags its lines name.
fn synopsis() -> BTreeMap<String, BTreeSet<String>> {
    let text = readme();
    let usage = text
        .split("\n## Usage\n")
        .nth(1)
        .expect("README has a Usage section");
    let block = usage
        .split("```text\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("the Usage section opens with a ```text synopsis");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current = None;
    // `every command: [--quiet] ...` names the global flags each subcommand's help lists.
    let global: BTreeSet<String> = block
        .lines()
        .filter_map(|l| l.strip_prefix("every command:"))
        .flat_map(flags)
        .collect();
    for line in block.lines() {
        if line.trim().is_empty() || line.starts_with("every command:") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("iam-refine ") {
            let sub = rest.split_whitespace().next().expect("a subcommand");
            current = Some(sub.to_string());
        }
        let sub = current
            .clone()
            .expect("the synopsis starts with `iam-refine SUBCOMMAND`");
        out.entry(sub).or_default().extend(flags(line));
    }
    for documented in out.values_mut() {
        documented.extend(global.iter().cloned());
    }
    out
}

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_iam-refine"))
        .args(args)
        .output()
        .expect("run iam-refine");
    assert!(out.status.success(), "iam-refine {args:?} failed");
    String::from_utf8(out.stdout).expect("help is UTF-8")
}

#[test]
fn readme_usage_names_every_subcommand_and_flag() {
    let readme = synopsis();
    let top = help(&["--help"]);
    let commands: BTreeSet<String> = top
        .split("Commands:\n")
        .nth(1)
        .expect("--help lists the commands")
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(String::from)
        .collect();
    let named: BTreeSet<String> = readme.keys().cloned().collect();
    assert_eq!(
        named, commands,
        "README's Usage names other subcommands than --help"
    );
    for (sub, documented) in &readme {
        // Option lines of clap's help start with spaces then `-`; descriptions may name
        // other commands' flags, so only the lines' own flags count.
        let options: String = help(&[sub, "--help"])
            .lines()
            .filter(|l| l.trim_start().starts_with('-'))
            .map(|l| l.trim_start().split("  ").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ");
        let actual = flags(&options);
        assert_eq!(
            documented, &actual,
            "README's Usage line for `{sub}` and `iam-refine {sub} --help` name different flags"
        );
    }
}
