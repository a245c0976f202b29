//! The standard streams. Every byte the commands print goes through [`Console`], so that:
//! a reader that went away (`| head -1`) ends the output quietly, never a panic as
//! `println!` gives; any other write error on stdout (`> /dev/full`) is one error; stderr
//! failing is ignored (there is nowhere left to report it); `--quiet` decides in one
//! place what is shown; and on GitHub Actions no line of ours can be read as a workflow
//! command but the annotations meant as ones ([`crate::report::github`]).

use std::io::{self, BufWriter, Stdout, Write};

/// Writing stdout failed for a reason other than its reader having gone.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to stdout: {source}")]
pub struct StdoutError {
    #[source]
    pub source: io::Error,
}

pub struct Console {
    out: BufWriter<Stdout>,
    /// The reader of stdout went away: later output is dropped.
    closed: bool,
    quiet: bool,
    /// On GitHub Actions: lines that look like workflow commands are quoted.
    github: bool,
}

impl Console {
    pub fn new(quiet: bool, github: bool) -> Console {
        Console {
            out: BufWriter::new(io::stdout()),
            closed: false,
            quiet,
            github,
        }
    }

    /// Output proper (policies, witnesses, action lists) on stdout.
    pub fn out(&mut self, text: &str) -> Result<(), StdoutError> {
        if self.closed {
            return Ok(());
        }
        let text = if self.github {
            crate::report::github::neutralise(text)
        } else {
            text.into()
        };
        let result = self.out.write_all(text.as_bytes());
        self.settle(result)
    }

    /// Everything written so far reaches stdout; call once at the end of a command.
    pub fn flush(&mut self) -> Result<(), StdoutError> {
        if self.closed {
            return Ok(());
        }
        let result = self.out.flush();
        self.settle(result)
    }

    fn settle(&mut self, result: io::Result<()>) -> Result<(), StdoutError> {
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(source) => {
                // The buffer's bytes cannot be delivered; drop them rather than retry on drop.
                self.closed = true;
                Err(StdoutError { source })
            }
        }
    }

    /// A summary or progress line on stderr; `--quiet` hides it.
    pub fn info(&mut self, text: &str) {
        if !self.quiet {
            self.stderr(text);
        }
    }

    /// `iam-refine: warning: ...`; `--quiet` hides it.
    pub fn warn(&mut self, text: &str) {
        if !self.quiet {
            self.stderr(&format!("iam-refine: warning: {text}"));
        }
    }

    /// A line that explains a failing exit code (a counterexample, an unknown verdict):
    /// shown even with `--quiet`.
    pub fn notice(&mut self, text: &str) {
        self.stderr(text);
    }

    fn stderr(&mut self, text: &str) {
        let text = if self.github {
            crate::report::github::neutralise(text)
        } else {
            text.into()
        };
        let _ = writeln!(io::stderr().lock(), "{text}");
    }

    /// GitHub workflow commands (annotations), on stderr as they are, whatever `--quiet`
    /// says: they explain a failing exit code where GitHub shows it.
    pub fn workflow_commands(&mut self, text: &str) {
        let _ = io::stderr().lock().write_all(text.as_bytes());
    }
}

/// An error line, whatever `--quiet` says.
pub fn error(text: &str) {
    let line = format!("iam-refine: error: {text}");
    let line = if crate::report::github::enabled() {
        crate::report::github::neutralise(&line)
    } else {
        line.as_str().into()
    };
    let _ = writeln!(io::stderr().lock(), "{line}");
}
