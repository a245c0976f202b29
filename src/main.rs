//! The `iam-refine` command. Everything happens in [`cli::run`]; this file only turns its
//! result into an exit code (documented in `iam-refine --help` and README.md).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("iam-refine: error: {err:#}");
            cli::Exit::Error.into()
        }
    }
}
