//! The end of an `account` run, once every account is done: each account's outcomes are
//! unpacked from its [`Ledger`] in turn and read once, as they come, for everything the
//! end does with them: each failure and each verdict other than "proved" named on stderr,
//! the recommendations (or diffs) for stdout, the exit code, the GitHub report's subjects,
//! and what the commit needs ([`Commit::add`]). An outcome is dropped once read.
//!
//! Why not all at once: every outcome unpacked together was 394 bytes a principal
//! beside what the commit then made of them, at the run's resident peak (an organisation of
//! 100,450 principals rose from 110-126 MB through the run to 205 MB in its last second).
//! What the commit needs of each account's files is packed again, in a chunk of its own
//! ([`crate::output::StagedFiles`]), as its ledger is read; the commit reads the chunks in
//! turn. `--format json` lists every principal in one document, so it alone keeps the
//! outcomes (without their staged files, which go to the commit).

use std::path::Path;

use iam_refine::PlanWarning;

use super::files::{Commit, Idle};
use super::ledger::Ledger;
use super::print;
use super::work::{Outcome, Wanted};
use crate::args::Format;
use crate::console::Console;
use crate::exit::Exit;
use crate::output::StagedFiles;
use crate::report::Subject;
use crate::warnings;

/// What the end of the run has read of the outcomes so far.
pub(super) struct Ending<'a> {
    format: Format,
    wanted: Wanted,
    /// `--output-dir`: what the commit needs is gathered.
    dir: Option<&'a Path>,
    /// Whether the verdicts' report subjects are gathered (`--verify` on GitHub Actions).
    report: bool,
    /// `--format json`: every outcome, for the summary that lists them.
    kept: Vec<Outcome>,
    /// The recommendations' lines or the diffs, in order, for stdout.
    stdout: String,
    warned: Vec<String>,
    /// Warnings over a quota, with whose they are: stderr groups them by kind.
    quota: Vec<(String, PlanWarning)>,
    pub subjects: Vec<Subject>,
    pub exit: Exit,
    pub commit: Commit,
}

impl<'a> Ending<'a> {
    pub fn new(format: Format, wanted: Wanted, dir: Option<&'a Path>, report: bool) -> Self {
        Ending {
            format,
            wanted,
            dir,
            report,
            kept: Vec::new(),
            stdout: String::new(),
            warned: Vec::new(),
            quota: Vec::new(),
            subjects: Vec::new(),
            exit: Exit::Ok,
            commit: Commit::default(),
        }
    }

    /// One account's outcomes, unpacked and read in turn, then its principals without
    /// findings.
    pub fn account(&mut self, ledger: Ledger, idle: Vec<Idle>, console: &mut Console) {
        let outcomes = ledger.into_outcomes();
        if let Some(dir) = self.dir {
            let (mut files, mut text) = (0, 0);
            for o in &outcomes {
                if let (true, Some(Ok(_)), Some(file)) = (o.written(), &o.staged, &o.file) {
                    files += 1;
                    text += StagedFiles::room(file, &o.arn);
                }
            }
            self.commit.account(dir, files, text);
        }
        for outcome in outcomes {
            self.outcome(outcome, console);
        }
        if self.dir.is_some() {
            for p in idle {
                self.commit.add_idle(p);
            }
        }
    }

    fn outcome(&mut self, mut o: Outcome, console: &mut Console) {
        // Each failure and each verdict other than "proved": they explain the exit code,
        // so `--quiet` shows them.
        for e in &o.details().errors {
            console.notice(&format!("{}: failed: {e}", o.arn));
        }
        for v in o.details().verdicts.iter().filter(|v| v.exit != Exit::Ok) {
            console.notice(&format!("{}: policy `{}`: {}", o.arn, v.policy, v.line));
        }
        self.exit = self.exit.worse(o.exit());
        let written = o.written();
        if let Some(details) = o.details.as_deref_mut() {
            self.warned.append(&mut details.warnings);
            let who = format!("{} `{}`", o.kind.name(), o.name);
            self.quota.extend(
                details
                    .plan_warnings
                    .iter()
                    .filter(|w| w.is_quota())
                    .map(|w| (who.clone(), w.clone())),
            );
            if self.report {
                self.subjects.extend(
                    details
                        .verdicts
                        .iter_mut()
                        .filter_map(|v| v.subject.take().map(|s| *s)),
                );
            }
            let text = match self.format {
                Format::Diff => details.diff.take(),
                _ if self.wanted.line => details.line.take(),
                _ => None,
            };
            if let (true, Some(text)) = (written, text) {
                self.stdout.push_str(&text);
            }
        }
        if let Some(dir) = self.dir {
            self.commit.add(&mut o, dir);
        }
        if self.format == Format::Json {
            self.kept.push(o);
        }
    }

    /// The principals' warnings on stderr, summarised (those over a quota one line per
    /// kind: [`warnings::quota_lines`]); then what goes to stdout, if anything.
    pub fn finish(
        &mut self,
        summary: &iam_refine::AccountSummary,
        verified: bool,
        compact: bool,
        console: &mut Console,
    ) -> Option<String> {
        for line in warnings::summarise("", self.warned.iter().map(String::as_str)) {
            console.warn(&line);
        }
        let whose = self.quota.iter().map(|(who, w)| (who.as_str(), w));
        for line in warnings::quota_lines(whose) {
            console.warn(&line);
        }
        match self.format {
            Format::Json => Some(print::summary_json(summary, &self.kept, verified, compact)),
            Format::Diff => Some(std::mem::take(&mut self.stdout)),
            _ if self.wanted.line => Some(std::mem::take(&mut self.stdout)),
            _ => None,
        }
    }
}
