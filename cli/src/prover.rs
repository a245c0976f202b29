//! The hand-over from the binary without the prover to the one with it.
//!
//! Why two binaries: libz3 is 23 MB with some 750 static initialisers, and a process that
//! merely links it spends ~18 ms loading it, 15× a Rust hello-world, on every run, also
//! those that never prove. So `iam-refine` (package `iam-refine-cli`) links no Z3, and
//! `iam-refine-prover` (package `iam-refine-prover`) is the same program built from the
//! same sources with the prover in. When `iam-refine` is asked to prove (`verify`,
//! `refine --verify`, `account --verify`) it checks its arguments, then replaces itself
//! with the prover run on the very same arguments, before reading any input: standard
//! input, output and the exit code are the prover's own.
//!
//! Where the prover is: `$IAM_REFINE_PROVER` if set, else `iam-refine-prover` beside this
//! executable (as `cargo install` and `cargo build` place it), else on `PATH`.
//!
//! Which prover is accepted: one built from the very same sources. Both binaries carry the
//! build identity (`cli/build_id.rs`: the version and a hash of the sources, fixed at build
//! time; `--version` prints it), and the prover refuses a hand-over from another identity,
//! naming both: a prover left from another commit would prove with other code.

#[cfg(not(feature = "verify"))]
pub use hand_over::hand_over;

/// Set on the prover's environment by the hand-over, to the build identity of the binary
/// handing over: the prover refuses a build of other sources (a `cargo install` of one
/// binary and not the other, a prover left from another commit), and a binary without the
/// prover that was itself named as the prover refuses instead of handing over forever.
const HANDED_OVER_ENV: &str = "IAM_REFINE_HANDED_OVER";
/// `0.1.0 (sources 0123456789abcdef)`, from the build script (`cli/build_id.rs`).
pub const BUILD_ID: &str = env!("IAM_REFINE_BUILD_ID");
const PROVER_NAME: &str = "iam-refine-prover";

/// Set to `z3` to have every question asked of Z3 alone, without the automata that decide
/// most of them first (to cross-check the automata against Z3, to measure Z3 alone, and to
/// make `--rlimit`, a budget of Z3's resource units, bound every question: the automata
/// spend none).
#[cfg(feature = "verify")]
pub const SOLVER_ENV: &str = "IAM_REFINE_SOLVER";

/// In the prover: the solver of one thread, as `$IAM_REFINE_SOLVER` asks (see
/// [`SOLVER_ENV`]; anything but `z3` is the default portfolio).
#[cfg(feature = "verify")]
pub fn new_worker() -> iam_refine_verify::Z3Worker {
    match std::env::var_os(SOLVER_ENV) {
        Some(v) if v == "z3" => iam_refine_verify::Z3Worker::z3_only(),
        _ => iam_refine_verify::Z3Worker::new(),
    }
}

/// In the prover: refuses a hand-over from a build of `iam-refine` of other sources.
#[cfg(feature = "verify")]
pub fn check_hand_over() -> anyhow::Result<()> {
    match std::env::var_os(HANDED_OVER_ENV) {
        Some(from) if from != BUILD_ID => Err(anyhow::anyhow!(
            "`iam-refine` {} handed proving over to `{PROVER_NAME}` {BUILD_ID}, built from other sources: build or install both from the same sources (`cargo build -p iam-refine-cli -p iam-refine-prover`, or `cargo install --locked --path cli` and `--path prover` in one checkout)",
            from.to_string_lossy()
        )),
        _ => Ok(()),
    }
}

/// The side of the binary without the prover.
#[cfg(not(feature = "verify"))]
mod hand_over {
    use std::ffi::OsString;
    use std::path::PathBuf;
    use std::process::Command;

    use anyhow::{anyhow, Result};

    use super::{BUILD_ID, HANDED_OVER_ENV, PROVER_NAME};
    use crate::exit::Exit;

    /// Names the prover's path, overriding the search.
    const PROVER_ENV: &str = "IAM_REFINE_PROVER";

    /// Runs the prover on this process's arguments: on Unix in place of this process (it
    /// returns only when that cannot be done), elsewhere as a child whose exit code is passed on.
    pub fn hand_over() -> Result<Exit> {
        if std::env::var_os(HANDED_OVER_ENV).is_some() {
            return Err(anyhow!(
                "this `iam-refine` was started as the prover (${PROVER_ENV}, or `{PROVER_NAME}` beside it or on PATH) but was built without it: point ${PROVER_ENV} at an `{PROVER_NAME}` binary"
            ));
        }
        let (program, searched) = locate();
        let mut args = std::env::args_os();
        let arg0 = args.next();
        let mut command = Command::new(&program);
        command.args(args).env(HANDED_OVER_ENV, BUILD_ID);
        let failure = match run(command, arg0) {
            Ok(exit) => return Ok(exit),
            Err(e) => e,
        };
        Err(match failure.kind() {
            std::io::ErrorKind::NotFound => anyhow!(
                "proving (verify, --verify) needs `{PROVER_NAME}`, which was not found ({searched}): install it beside this binary (`cargo install --locked --path prover` in a checkout of iam-refine; it links libz3), or set ${PROVER_ENV} to its path"
            ),
            _ => anyhow!("cannot run the prover `{}`: {failure}", program.to_string_lossy()),
        })
    }

    /// The program to run, and where it was looked for (for the error when it is not there).
    fn locate() -> (OsString, String) {
        if let Some(path) = std::env::var_os(PROVER_ENV).filter(|p| !p.is_empty()) {
            let shown = format!("${PROVER_ENV} is `{}`", path.to_string_lossy());
            return (path, shown);
        }
        let file = format!("{PROVER_NAME}{}", std::env::consts::EXE_SUFFIX);
        let beside: Option<PathBuf> = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(&file)));
        match beside {
            Some(path) if path.is_file() => {
                let shown = format!("`{}`", path.display());
                (path.into_os_string(), shown)
            }
            Some(path) => (
                OsString::from(PROVER_NAME),
                format!(
                    "not beside this binary as `{}`, nor on PATH",
                    path.display()
                ),
            ),
            None => (OsString::from(PROVER_NAME), "not on PATH".to_string()),
        }
    }

    /// On Unix, returns only the error that kept the prover from replacing this process.
    #[cfg(unix)]
    fn run(mut command: Command, arg0: Option<OsString>) -> std::io::Result<Exit> {
        use std::os::unix::process::CommandExt;
        // The prover names itself as this binary was named (`iam-refine`), so its messages
        // and usage lines read the same.
        if let Some(arg0) = arg0 {
            command.arg0(arg0);
        }
        Err(command.exec())
    }

    /// Without `exec`, the prover runs as a child on the same standard streams.
    #[cfg(not(unix))]
    fn run(mut command: Command, _arg0: Option<OsString>) -> std::io::Result<Exit> {
        let status = command.status()?;
        Ok(Exit::ALL
            .into_iter()
            .find(|&e| status.code() == Some(e as i32))
            .unwrap_or(Exit::Error))
    }
}
