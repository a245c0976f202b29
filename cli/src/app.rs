//! From arguments to an exit code: clap's arguments are resolved into a plain
//! [`Config`] before any work, then one function per subcommand runs on it, and every
//! failure travels back to `main` as a value ([`Failure`]): nothing below exits the
//! process. `anyhow` is used from the commands' `run` functions up; the modules below them
//! return typed errors.

use std::io;

use anyhow::anyhow;
use clap::{CommandFactory, Parser};

use crate::args::Args;
use crate::config::{Config, Task, UsageError};
use crate::console::{self, Console};
use crate::exit::Exit;
use crate::{account_cmd, catalog_cmd, expand_cmd, input, policies_cmd, refine_cmd, simulate_cmd};

/// Why a run failed.
#[derive(Debug)]
pub enum Failure {
    /// Exit 2: a bad flag or flag value, printed by clap with the usage line.
    Usage(clap::Error),
    /// Exit 1: one line naming what is wrong.
    Error(anyhow::Error),
}

impl Failure {
    /// Prints the failure on stderr and says which exit code it is.
    pub fn report(self) -> Exit {
        match self {
            Failure::Usage(e) => {
                let _ = e.print();
                Exit::Usage
            }
            Failure::Error(e) => {
                console::error(&one_line(&e));
                Exit::Error
            }
        }
    }
}

/// An error and its causes on one line, each cause once (a message that already quotes its
/// cause is not followed by it again).
pub fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// A usage error found after parsing, as clap would print it for its subcommand.
fn usage_error(e: UsageError) -> clap::Error {
    let mut cmd = Args::command();
    cmd.build();
    let sub = cmd.find_subcommand(e.subcommand).cloned().unwrap_or(cmd);
    let mut sub = sub;
    sub.error(clap::error::ErrorKind::ArgumentConflict, e.message)
}

pub fn run() -> Result<Exit, Failure> {
    let args = match Args::try_parse() {
        Ok(args) => args,
        // `--help` and `--version` arrive as clap "errors" with exit code 0.
        Err(e) if e.exit_code() == 0 => {
            return match e.print() {
                Err(io) if io.kind() != io::ErrorKind::BrokenPipe => {
                    Err(Failure::Error(anyhow!("cannot write to stdout: {io}")))
                }
                _ => Ok(Exit::Ok),
            };
        }
        Err(e) => return Err(Failure::Usage(e)),
    };
    let config = Config::resolve(args).map_err(|e| Failure::Usage(usage_error(e)))?;
    #[cfg(feature = "verify")]
    crate::prover::check_hand_over().map_err(Failure::Error)?;
    let mut console = Console::new(config.common.quiet, config.common.github);
    let exit = execute(&config, &mut console).map_err(Failure::Error)?;
    console
        .flush()
        .map_err(|e| Failure::Error(anyhow::Error::new(e)))?;
    Ok(exit)
}

fn execute(config: &Config, console: &mut Console) -> anyhow::Result<Exit> {
    let common = config.common;
    // Checked arguments, no input read yet: the binary with the prover takes over from here.
    #[cfg(not(feature = "verify"))]
    if config.proves() {
        return crate::prover::hand_over();
    }
    match &config.task {
        Task::Refine(c) => refine_cmd::run(c, common, console),
        Task::Account(c) => account_cmd::run(c, common, console),
        #[cfg(feature = "verify")]
        Task::Verify(c) => crate::verify_cmd::run(c, common, console),
        #[cfg(not(feature = "verify"))]
        Task::Verify(_) => crate::prover::hand_over(),
        #[cfg(feature = "verify")]
        Task::Ci(c) => crate::ci_cmd::run(c, common, console),
        #[cfg(not(feature = "verify"))]
        Task::Ci(_) => crate::prover::hand_over(),
        Task::Expand { patterns, catalog } => {
            let catalog = input::load_catalog(catalog.as_deref(), common.max_input_bytes)?;
            expand_cmd::run(&catalog, patterns, console)
        }
        Task::Policies(c) => policies_cmd::run(c, common, console),
        #[cfg(feature = "verify")]
        Task::Compare(c) => crate::compare_cmd::run(c, common, console),
        #[cfg(feature = "verify")]
        Task::CheckNotGranted(c) => crate::check_cmd::run(c, common, console),
        #[cfg(not(feature = "verify"))]
        Task::Compare(_) | Task::CheckNotGranted(_) => crate::prover::hand_over(),
        Task::Simulate(c) => simulate_cmd::run(c, common, console),
        Task::Catalog { catalog, services } => {
            let catalog = input::load_catalog(catalog.as_deref(), common.max_input_bytes)?;
            catalog_cmd::run(&catalog, *services, console)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_is_printed_once() {
        let inner = anyhow!("invalid JSON at line 1");
        let outer = inner.context("p.json");
        assert_eq!(one_line(&outer), "p.json: invalid JSON at line 1");
        let quoted = anyhow!("x").context("cannot read `a`: x");
        assert_eq!(one_line(&quoted), "cannot read `a`: x");
    }

    #[test]
    fn clap_definition_is_consistent() {
        Args::command().debug_assert();
    }
}
