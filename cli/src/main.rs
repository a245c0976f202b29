//! The `iam-refine` command. Everything happens in [`app::run`]; this file only turns its
//! result into an exit code (documented in `iam-refine --help` and README.md).

mod app;
mod args;
mod io;
mod refine_cmd;
#[cfg(feature = "verify")]
mod verify_cmd;

use std::process::ExitCode;

use app::Exit;

fn main() -> ExitCode {
    match app::run() {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("iam-refine: error: {err:#}");
            Exit::Error.into()
        }
    }
}
