//! `iam-refine account`: one AWS account's `get-account-authorization-details` export and
//! what its principals used or did not use (Access Analyzer findings, or one Access
//! Advisor report or list of used actions per principal: [`usage`]) in, one
//! recommendation per principal out, in AWS's `get-finding-recommendation` shape.
//!
//! In order: [`load`] reads the usage source and the first export; then, export by export,
//! [`Steps::account`] checks where the account's outputs go and [`work`] plans (and with
//! `--verify` proves) every principal of the shard that has a finding, in parallel, staging
//! each file as it is made, while the next export is read. At the end, [`ending`] reads
//! each account's outcomes in turn: what goes to stdout ([`print`]: JSON lines, diffs, or a
//! JSON summary), what stderr says of them, and what the commit needs, a chunk of staged
//! files per account; the files are committed all at once ([`files::Commit`]). One
//! principal's failure is its own: it is named on stderr, gets no file (last run's is
//! removed), and makes the exit code 1 once the rest is done.
//!
//! `AUTH` may be a folder of exports, one per account ([`exports`]): every account's
//! principals are then one run's (one `--shard` slicing, one pool of workers, one commit of
//! the files, synced once), and each account's files go in a folder named by its id. Only
//! two exports are held at a time (the one worked on, the next one read): what is kept of
//! a done account is its roster of ARNs and its principals' outcomes, packed in a
//! [`ledger::Ledger`] (about 190 bytes a principal), and at the commit its staged files,
//! packed likewise ([`crate::output::StagedFiles`]), so the peak does not grow with the
//! organisation but by that (an organisation of 100,450 principals: 126 MB resident through
//! the run, and no higher at its end). Each principal's findings go to the worker that
//! plans it and are dropped once it is done; a done account's others (of other shards) are
//! dropped with it ([`Evidences::forget`]). An export refused half way (unreadable, of an
//! account already read) fails the run before anything is committed: the files staged are
//! deleted and the folders made removed ([`MadeDirs`]).
//!
//! File names: `DIR/<name>.json` (`DIR/<account id>/<name>.json` for a folder of exports),
//! the principal's name without its path. A role and a user
//! may share a name (IAM names are unique per kind only): then both get a kind prefix,
//! `role-<name>.json` and `user-<name>.json`. Names are compared without case (as
//! case-insensitive file systems do) and over the whole account, not the shard, so every
//! shard of a fanned-out run names each file the same way.

mod ending;
pub(crate) mod exports;
mod files;
mod ledger;
mod print;
pub(crate) mod usage;
mod work;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use iam_refine::{in_shard, AccountSummary, Catalog, Principal};

use exports::{Claimed, Export, Sources};

use crate::args::Format;
use crate::config::{AccountConfig, AccountUsage, Common, Output};
use crate::console::Console;
use crate::exit::Exit;
use crate::input::{self, display_name};
use crate::output::{self, MadeDirs};
use crate::render;
use crate::warnings;
use ending::Ending;
use files::{file_names, Accounts, Idle, Roster};
use usage::{Evidences, LoadedUsage};
use work::{Wanted, Work};

/// The "Exit codes:" section of `account --help`.
pub fn help() -> String {
    Exit::account_help()
}

pub fn run(config: &AccountConfig, common: Common, console: &mut Console) -> Result<Exit> {
    // The pool's threads, joined before the end of the run ([`end_pool`]).
    let mut threads = Vec::new();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.jobs)
        .thread_name(|i| format!("iam-refine-{i}"))
        .spawn_handler(|thread| {
            let mut builder = std::thread::Builder::new();
            if let Some(name) = thread.name() {
                builder = builder.name(name.to_string());
            }
            if let Some(size) = thread.stack_size() {
                builder = builder.stack_size(size);
            }
            threads.push(builder.spawn(|| thread.run())?);
            Ok(())
        })
        .build()?;
    let limit = common.max_input_bytes;
    let catalog = input::load_catalog(config.catalog.as_deref(), limit)?;
    let sources = Sources::of(&config.auth)?;
    let (first, usage) = load(config, &sources, limit, &pool)?;
    let input_files: Vec<PathBuf> = sources
        .files
        .iter()
        .chain(&usage.files)
        .chain(config.catalog.as_ref())
        .cloned()
        .collect();
    for line in warnings::summarise("", usage.warnings.iter().map(String::as_str)) {
        console.warn(&line);
    }

    #[cfg(feature = "verify")]
    let prover = config
        .verify
        .map(|limits| {
            crate::verify_cmd::Prover::new(&catalog, &iam_refine::Findings::default(), limits)
        })
        .transpose()?;
    let color = render::color_enabled(config.color);
    let wanted = Wanted {
        file: matches!(config.output, Output::Dir(_)).then_some(config.compact),
        line: config.format == Format::Recommendation && config.output == Output::Stdout,
        diff: (config.format == Format::Diff).then_some(color),
    };
    let (shard, count) = (config.shard.index, config.shard.count);
    let principals_with_evidence = usage.evidences.count(|arn| in_shard(arn, shard, count));
    // Taken out for each account's principals when its work starts (`Steps::account`), the
    // rest of a done account's dropped (`forget`): what stays is of principals no export
    // has had yet.
    let evidences = Mutex::new(usage.evidences);
    let steps = Steps {
        config,
        organisation: sources.organisation,
        inputs: input_files.iter().map(PathBuf::as_path).collect(),
        evidences: &evidences,
        catalog: &catalog,
        #[cfg(feature = "verify")]
        prover: prover.as_ref(),
        wanted,
        report: common.github && config.verify.is_some(),
        progress: progress_bar(principals_with_evidence, common.quiet),
        made: Mutex::default(),
    };

    // One export at a time, the next one read while this one's principals are worked on:
    // what is held is two accounts and, of the others, what each principal's outcome keeps.
    let mut claimed = Claimed::default();
    let mut done: Vec<AccountDone> = Vec::new();
    let mut summary = AccountSummary::default();
    let mut next = Some(Ok(first));
    for i in 0..sources.files.len() {
        // `next` is file i's read: `Ok(None)` for an export skipped.
        let Some(export) = next.take().transpose()?.flatten() else {
            console.warn(&exports::skipped(&sources.files[i]));
            next = sources.files.get(i + 1).map(|f| sources.read(f, limit));
            continue;
        };
        if sources.organisation {
            claimed.claim(&export)?;
        }
        let prefix = if sources.organisation {
            format!("{}: ", display_name(&export.path))
        } else {
            String::new()
        };
        for line in warnings::summarise(
            &prefix,
            export.account.warnings().iter().map(String::as_str),
        ) {
            console.warn(&line);
        }
        let (this, following) = pool.join(
            || steps.account(export, &pool),
            || sources.files.get(i + 1).map(|f| sources.read(f, limit)),
        );
        let this = this?;
        // What the rest of the run needs of them: that they had findings (`unmatched`
        // asks only of principals no export has).
        evidences
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .forget(this.roster.arns());
        summary.merge(&this.summary);
        done.push(this);
        next = following;
    }
    steps.progress.finish_and_clear();
    end_pool(pool, threads);
    if sources.organisation && claimed.is_empty() {
        return Err(exports::none_usable(&config.auth));
    }
    // Every run (and every shard) lists the accounts in one order: by id.
    done.sort_by(|a, b| a.roster.id.cmp(&b.roster.id));
    // Every export's principals are taken out by now: what is left, no export has.
    let unmatched = evidences
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .unmatched(sources.organisation);
    for line in warnings::summarise("", unmatched.iter().map(String::as_str)) {
        console.warn(&line);
    }

    let dir = match &config.output {
        Output::Dir(dir) => Some(dir.as_path()),
        Output::Stdout => None,
    };
    let mut ending = Ending::new(config.format, wanted, dir, steps.report);
    let mut rosters = Vec::new();
    for d in done {
        summary.principals += d.idle.len();
        summary.no_findings += d.idle.len();
        ending.account(d.outcomes, d.idle, console);
        rosters.push(d.roster);
    }
    if let Some(text) = ending.finish(&summary, verifies(config), config.compact, console) {
        console.out(&text)?;
        // Before the summary on stderr, so that a terminal shows the two in that order.
        console.flush()?;
    }
    if let Some(dir) = dir {
        let accounts = Accounts {
            rosters: &rosters,
            organisation: sources.organisation,
        };
        std::mem::take(&mut ending.commit).write(dir, &accounts, (shard, count), console)?;
        steps
            .made
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keep();
    }
    console.info(&summary.render());
    if steps.report {
        let mut report = crate::report::Report::new("account");
        report.subjects = std::mem::take(&mut ending.subjects);
        crate::report::emit(
            &report,
            crate::args::ReportFormat::Text,
            false,
            common,
            console,
        )?;
    }
    Ok(ending.exit)
}

fn verifies(config: &AccountConfig) -> bool {
    config.verify.is_some()
}

/// What every account's step reads, decided once per run.
struct Steps<'a> {
    config: &'a AccountConfig,
    organisation: bool,
    /// Every input file, so that no output goes over one.
    inputs: Vec<&'a Path>,
    /// What is known of each principal's use, taken out as its account's work starts.
    evidences: &'a Mutex<Evidences>,
    catalog: &'a Catalog,
    #[cfg(feature = "verify")]
    prover: Option<&'a crate::verify_cmd::Prover>,
    wanted: Wanted,
    /// Whether verdicts are reported on GitHub Actions (their subjects kept).
    report: bool,
    progress: ProgressBar,
    /// The output folders made so far: removed again if the run fails.
    made: Mutex<MadeDirs>,
}

/// One account, worked on: what is kept of it once its export is dropped.
struct AccountDone {
    roster: Roster,
    /// Its shard's principals with findings, in ARN order.
    outcomes: ledger::Ledger,
    /// Its shard's principals without, with their file (when they can have one).
    idle: Vec<Idle>,
    /// The totals of its outcomes.
    summary: AccountSummary,
}

impl Steps<'_> {
    /// Plans (and proves) the shard's principals of `export` with findings, after checking
    /// where their files go, staging each file as it is made.
    fn account(&self, export: Export, pool: &rayon::ThreadPool) -> Result<AccountDone> {
        let config = self.config;
        let account = &export.account;
        let names = file_names(account, self.organisation.then_some(export.id.as_str()));
        let (shard, count) = (config.shard.index, config.shard.count);
        // Each principal's findings go to the worker that plans it, which drops them once
        // done: an account's findings are not all held to its end.
        let (mut todo, mut taken, mut idle) = (Vec::new(), Vec::new(), Vec::new());
        let mut evidences = self
            .evidences
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for p in account
            .principals()
            .iter()
            .filter(|p| in_shard(&p.arn, shard, count))
        {
            match evidences.take(&p.arn) {
                Some(t) => {
                    todo.push(p);
                    taken.push(t);
                }
                None => idle.push(p),
            }
        }
        drop(evidences);
        let target = |p: &Principal| match (&config.output, names.get(p.arn.as_str())) {
            (Output::Dir(dir), Some(Ok(name))) => Some(dir.join(name)),
            _ => None,
        };
        if let Output::Dir(dir) = &config.output {
            let targets: Vec<PathBuf> =
                todo.iter().chain(&idle).filter_map(|p| target(p)).collect();
            output::refuse_over_inputs(&targets, &self.inputs)?;
            // Files are staged as principals are done: their folders first, and no target
            // that is a folder.
            let targets: Vec<&Path> = targets.iter().map(PathBuf::as_path).collect();
            let mut made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
            output::create_dirs(dir, &targets, &mut made)?;
            output::check_targets(targets)?;
        }
        let work = Work {
            catalog: self.catalog,
            options: &config.plan,
            #[cfg(feature = "verify")]
            prover: self.prover,
            skip_sid: &config.skip_sid,
            report: self.report,
            names: &names,
            dir: match &config.output {
                Output::Dir(dir) => Some(dir.as_path()),
                Output::Stdout => None,
            },
            wanted: self.wanted,
            details: config.format == Format::Json,
        };
        let (outcomes, summary) = work::run_all(&work, account, &todo, taken, pool, &self.progress);
        let idle = idle
            .iter()
            .map(|p| Idle {
                arn: p.arn.clone(),
                target: target(p),
            })
            .collect();
        let roster = Roster::new(
            export.id,
            account.principals().iter().map(|p| p.arn.as_str()),
        );
        Ok(AccountDone {
            roster,
            outcomes,
            idle,
            summary,
        })
    }
}

/// `account`'s inputs, read by [`load_first`].
fn load(
    config: &AccountConfig,
    sources: &Sources,
    limit: u64,
    pool: &rayon::ThreadPool,
) -> Result<(Option<Export>, LoadedUsage)> {
    let inputs = FirstInputs {
        auth: &config.auth,
        usage: &config.usage,
        unused_after: config.unused_after,
        output: match &config.output {
            Output::Dir(dir) => Some(dir.as_path()),
            Output::Stdout => None,
        },
    };
    let (shard, count) = (config.shard.index, config.shard.count);
    load_first(
        &inputs,
        |arn| in_shard(arn, shard, count),
        sources,
        limit,
        pool,
    )
}

/// What [`load_first`] reads, from `account`'s or `verify --account`'s flags.
pub(crate) struct FirstInputs<'a> {
    pub auth: &'a Path,
    pub usage: &'a AccountUsage,
    pub unused_after: Option<u32>,
    /// `--output-dir`, inside which no input may be.
    pub output: Option<&'a Path>,
}

/// The usage source, read, and `AUTH`'s first export (`None` when it is skipped: a folder's
/// export with no role or user), read while `--findings` are (they need no export). An
/// error of the export is reported first, as when exports were read first. Of a folder of
/// usage files, only those of principals `wanted` holds for are read.
pub(crate) fn load_first(
    inputs: &FirstInputs<'_>,
    wanted: impl Fn(&str) -> bool,
    sources: &Sources,
    limit: u64,
    pool: &rayon::ThreadPool,
) -> Result<(Option<Export>, LoadedUsage)> {
    let output = inputs.output;
    if let (Some(dir), true) = (output, sources.organisation) {
        usage::refuse_inside(dir, inputs.auth, "exports", "exports")?;
    }
    if let (true, AccountUsage::Folder(source)) = (sources.organisation, inputs.usage) {
        // Its files are named after principals, and a name may be of several accounts.
        anyhow::bail!(
            "{} reads one file per principal, named after it, which does not say its account: with a folder of exports, give --findings (each finding names its principal by ARN)",
            match source {
                crate::config::UsageSource::Unused(_) => "--unused",
                crate::config::UsageSource::Used(_) => "--used",
            }
        );
    }
    let first_file = &sources.files[0];
    match inputs.usage {
        AccountUsage::Findings(path) => {
            let (first, findings) = pool.join(
                || sources.read(first_file, limit),
                || usage::read_findings(path, output, limit),
            );
            Ok((first?, usage::without_accounts(findings?)))
        }
        AccountUsage::Folder(source) => {
            // One export (a folder of them is refused above): its principals name the files.
            let export = sources.read(first_file, limit)?;
            let account = export
                .as_ref()
                .map(|e| &e.account)
                .context("a single export is never skipped (this is a bug)")?;
            let usage =
                usage::load_folder(source, account, wanted, inputs.unused_after, output, limit)?;
            Ok((export, usage))
        }
    }
}

/// Ends the pool's threads and waits until they have ended, before the outcomes are put
/// together and the files committed on this thread.
///
/// Why: each worker's freed memory stays with its thread (mimalloc keeps a heap per
/// thread, and an account's documents and findings were read and freed on the pool's
/// threads), so what the end of the run allocates here took new pages beside them. Once a
/// thread has ended, its free pages can be used by any thread. Over an organisation of
/// 20,500 principals, `--jobs 2 --verify`, the resident peak went from 94-102 MB to
/// 81-91 MB (three runs each, with the outcomes packed: benches/README.md). Then what they
/// freed is given back to the system at once ([`crate::allocator::release_freed`]), not a
/// second later as mimalloc would: the end of the run is shorter than that.
fn end_pool(pool: rayon::ThreadPool, threads: Vec<std::thread::JoinHandle<()>>) {
    // Every job is done: dropping the pool ends its threads at once.
    drop(pool);
    for thread in threads {
        // A thread that panicked has ended too; its panic was the job's, reported there.
        let _ = thread.join();
    }
    // What they freed is given back now, not a second from now.
    crate::allocator::release_freed();
}

/// A bar on stderr when it is a terminal and not `--quiet`; otherwise nothing is drawn.
fn progress_bar(total: usize, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(
        Some(u64::try_from(total).unwrap_or(u64::MAX)),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} principals ({per_sec}, {eta} left)")
    {
        bar.set_style(style);
    }
    bar
}
