//! The `iam-refine` command. Everything happens in [`app::run`]; this file only turns its
//! outcome into an exit code (the codes are [`exit::Exit`], listed in `--help` and
//! README.md).
//!
//! These sources build two binaries: `iam-refine` (package `iam-refine-cli`) without the
//! prover, which hands proving over (`prover`), and `iam-refine-prover` (package
//! `iam-refine-prover`, feature `verify`) with it.

mod account_cmd;
mod allocator;
mod app;
mod args;
mod catalog_cmd;
#[cfg(feature = "verify")]
mod check_cmd;
#[cfg(feature = "verify")]
mod ci_check;
#[cfg(feature = "verify")]
mod ci_cmd;
mod ci_config;
#[cfg(feature = "verify")]
mod ci_inputs;
#[cfg(feature = "verify")]
mod compare_cmd;
mod config;
mod console;
#[cfg(feature = "verify")]
mod document;
mod exit;
mod expand_cmd;
mod hashed;
mod input;
mod manifest;
mod names;
mod output;
mod packed;
mod policies_cmd;
mod prover;
#[cfg(feature = "verify")]
mod recheck;
mod refine_cmd;
mod refine_render;
mod render;
// The thin binary hands every verdict over to the prover: it uses only `github::neutralise`.
#[cfg_attr(not(feature = "verify"), allow(dead_code, unused_imports))]
mod report;
// Read by `check-not-granted` in the prover (and by `ci`).
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
mod rules;
mod simulate_cmd;
#[cfg(feature = "verify")]
mod split_check;
mod usage_input;
#[cfg(feature = "verify")]
mod verify_account;
#[cfg(feature = "verify")]
mod verify_cmd;
#[cfg(feature = "verify")]
mod verify_files;
#[cfg(feature = "verify")]
mod verify_names;
#[cfg(feature = "verify")]
mod verify_steps;
mod warnings;

use std::process::ExitCode;

fn main() -> ExitCode {
    match app::run() {
        Ok(exit) => exit.into(),
        Err(failure) => failure.report().into(),
    }
}
