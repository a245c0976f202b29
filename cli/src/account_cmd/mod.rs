//! `iam-refine account`: one AWS account's `get-account-authorization-details` export and
//! what its principals used or did not use (Access Analyzer findings, or one Access
//! Advisor report or list of used actions per principal: [`usage`]) in, one
//! recommendation per principal out, in AWS's `get-finding-recommendation` shape.
//!
//! In order: [`load`] reads every input (and checks where outputs would go) before any
//! work; [`work`] plans (and with `--verify` proves) every principal of the shard that has
//! a finding, in parallel; [`print`] renders what goes to stdout (JSON lines, diffs, or a
//! JSON summary); the files are written at the end, all at once, through
//! [`crate::output::commit`]. One principal's failure is its own: it is named on stderr, gets
//! no file (last run's is removed), and makes the exit code 1 once the rest is done.
//!
//! `AUTH` may be a folder of exports, one per account ([`exports`]): every account's
//! principals are then one run's (one `--shard` slicing, one pool of workers, one commit of
//! the files, synced once), and each account's files go in a folder named by its id.
//!
//! File names: `DIR/<name>.json` (`DIR/<account id>/<name>.json` for a folder of exports),
//! the principal's name without its path. A role and a user
//! may share a name (IAM names are unique per kind only): then both get a kind prefix,
//! `role-<name>.json` and `user-<name>.json`. Names are compared without case (as
//! case-insensitive file systems do) and over the whole account, not the shard, so every
//! shard of a fanned-out run names each file the same way.

pub(crate) mod exports;
mod print;
pub(crate) mod usage;
mod work;

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use iam_refine::{
    in_shard, Account, AccountSummary, Catalog, PlanWarning, Principal, PrincipalKind,
};

use exports::{account_of, Exports};

use crate::args::Format;
use crate::config::{AccountConfig, AccountUsage, Common, Output};
use crate::console::Console;
use crate::exit::Exit;
use crate::input::{self, display_name};
use crate::manifest::Tracking;
use crate::output::{self, StagedPlan, WriteError};
use crate::render;
use crate::warnings;
use usage::LoadedUsage;
use work::{Outcome, Wanted, Work};

/// The "Exit codes:" section of `account --help`.
pub fn help() -> String {
    Exit::account_help()
}

pub fn run(config: &AccountConfig, common: Common, console: &mut Console) -> Result<Exit> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.jobs)
        .thread_name(|i| format!("iam-refine-{i}"))
        .build()?;
    let loaded = load(config, common, &pool)?;
    input_warnings(&loaded, console);
    let names = all_file_names(&loaded.exports);
    let (shard, count) = (config.shard.index, config.shard.count);
    let (todo, idle): (Vec<Job<'_>>, Vec<Job<'_>>) = loaded
        .exports
        .list
        .iter()
        .flat_map(|e| e.account.principals().iter().map(|p| (&e.account, p)))
        .filter(|(_, p)| in_shard(&p.arn, shard, count))
        .partition(|(_, p)| loaded.usage.evidences.of(&p.arn).is_some());
    let idle: Vec<&Principal> = idle.into_iter().map(|(_, p)| p).collect();
    if let Output::Dir(dir) = &config.output {
        let targets: Vec<PathBuf> = todo
            .iter()
            .map(|(_, p)| *p)
            .chain(idle.iter().copied())
            .filter_map(|p| names.get(p.arn.as_str()).and_then(|n| n.as_ref().ok()))
            .map(|n| dir.join(n))
            .collect();
        let mut inputs: Vec<&Path> = loaded.exports.files().collect();
        inputs.extend(loaded.usage.files.iter().map(PathBuf::as_path));
        inputs.extend(config.catalog.as_deref());
        output::refuse_over_inputs(&targets, &inputs)?;
        // Files are staged as principals are done: their folders first, and no target
        // that is a folder.
        let targets: Vec<&Path> = targets.iter().map(PathBuf::as_path).collect();
        output::create_dirs(dir, &targets)?;
        output::check_targets(targets)?;
    }

    #[cfg(feature = "verify")]
    let prover = config
        .verify
        .map(|limits| {
            crate::verify_cmd::Prover::new(
                &loaded.catalog,
                &iam_refine::Findings::default(),
                limits,
            )
        })
        .transpose()?;
    let color = render::color_enabled(config.color);
    let wanted = Wanted {
        file: matches!(config.output, Output::Dir(_)).then_some(config.compact),
        line: config.format == Format::Recommendation && config.output == Output::Stdout,
        diff: (config.format == Format::Diff).then_some(color),
    };
    let work = Work {
        evidences: &loaded.usage.evidences,
        catalog: &loaded.catalog,
        options: &config.plan,
        #[cfg(feature = "verify")]
        prover: prover.as_ref(),
        skip_sid: &config.skip_sid,
        names: matches!(config.output, Output::Dir(_)).then_some(&names),
        dir: match &config.output {
            Output::Dir(dir) => Some(dir.as_path()),
            Output::Stdout => None,
        },
        wanted,
    };
    let progress = progress_bar(todo.len(), common.quiet);
    let outcomes = work::run_all(&work, &todo, &pool, &progress);

    let mut summary = AccountSummary::default();
    for o in &outcomes {
        summary.merge(&o.summary);
    }
    summary.principals += idle.len();
    summary.no_findings += idle.len();
    report_principals(&outcomes, console);

    // With `--verify` on GitHub Actions: an annotation per policy not proved, and a summary.
    let verdict_subjects: Vec<crate::report::Subject> = outcomes
        .iter()
        .flat_map(|o| o.verdicts.iter().map(|v| v.subject.clone()))
        .collect();
    let written = outcomes.iter().filter(|o| o.written());
    let stdout: Option<String> = match config.format {
        Format::Json => Some(print::summary_json(
            &summary,
            &outcomes,
            &names,
            verifies(config),
            config.compact,
        )),
        Format::Diff => Some(written.filter_map(|o| o.diff.as_deref()).collect()),
        _ if wanted.line => Some(written.filter_map(|o| o.line.as_deref()).collect()),
        _ => None,
    };
    if let Some(text) = stdout {
        console.out(&text)?;
        // Before the summary on stderr, so that a terminal shows the two in that order.
        console.flush()?;
    }
    let exit = outcomes
        .iter()
        .fold(Exit::Ok, |exit, o| exit.worse(o.exit()));
    if let Output::Dir(dir) = &config.output {
        write_files(
            dir,
            outcomes,
            &idle,
            &names,
            &loaded.exports,
            (shard, count),
            console,
        )?;
    }
    console.info(&summary.render());
    if common.github && config.verify.is_some() {
        let mut report = crate::report::Report::new("account");
        report.subjects = verdict_subjects;
        crate::report::emit(
            &report,
            crate::args::ReportFormat::Text,
            false,
            common,
            console,
        )?;
    }
    Ok(exit)
}

fn verifies(config: &AccountConfig) -> bool {
    config.verify.is_some()
}

/// A principal to plan, with the export it is in.
type Job<'a> = (&'a Account, &'a Principal);

/// Every input, read and checked.
struct Loaded {
    catalog: Catalog,
    exports: Exports,
    usage: LoadedUsage,
}

fn load(config: &AccountConfig, common: Common, pool: &rayon::ThreadPool) -> Result<Loaded> {
    let limit = common.max_input_bytes;
    let catalog = input::load_catalog(config.catalog.as_deref(), limit)?;
    let output = match &config.output {
        Output::Dir(dir) => Some(dir.as_path()),
        Output::Stdout => None,
    };
    if let (Some(dir), true) = (output, config.auth.is_dir()) {
        usage::refuse_inside(dir, &config.auth, "exports", "exports")?;
    }
    // `--findings` need no export to be parsed: read on a second thread of the pool while
    // the exports are (with one job, one after the other). An error of the exports is
    // reported first, as when they were read first.
    let (exports, findings) = pool.join(
        || exports::load(&config.auth, limit, pool),
        || match &config.usage {
            AccountUsage::Findings(path) => Some(usage::read_findings(path, output, limit)),
            AccountUsage::Folder(_) => None,
        },
    );
    let exports = exports?;
    if let (true, AccountUsage::Folder(source)) = (exports.organisation, &config.usage) {
        // Its files are named after principals, and a name may be of several accounts.
        anyhow::bail!(
            "{} reads one file per principal, named after it, which does not say its account: with a folder of exports, give --findings (each finding names its principal by ARN)",
            match source {
                crate::config::UsageSource::Unused(_) => "--unused",
                crate::config::UsageSource::Used(_) => "--used",
            }
        );
    }
    let (shard, count) = (config.shard.index, config.shard.count);
    let accounts: Vec<&Account> = exports.list.iter().map(|e| &e.account).collect();
    let usage = match findings {
        Some(read) => usage::with_accounts(read?, &accounts),
        None => usage::load(
            &config.usage,
            &accounts,
            |arn| in_shard(arn, shard, count),
            config.unused_after,
            output,
            limit,
        )?,
    };
    Ok(Loaded {
        catalog,
        exports,
        usage,
    })
}

/// What is odd about the inputs as a whole: a truncated export, findings set aside,
/// findings for principals the export does not have, usage files with notes.
fn input_warnings(loaded: &Loaded, console: &mut Console) {
    let organisation = loaded.exports.organisation;
    for export in &loaded.exports.list {
        // Each export's own, named after its file when there are several.
        let prefix = if organisation {
            format!("{}: ", display_name(&export.path))
        } else {
            String::new()
        };
        let own = export.account.warnings().iter().map(String::as_str);
        for line in warnings::summarise(&prefix, own) {
            console.warn(&line);
        }
    }
    let all = loaded
        .exports
        .warnings
        .iter()
        .chain(&loaded.usage.warnings)
        .map(String::as_str);
    for line in warnings::summarise("", all) {
        console.warn(&line);
    }
}

/// Each failure and each verdict other than "proved" (they explain the exit code, so
/// `--quiet` shows them), and the principals' warnings, summarised: those over a quota one
/// line per kind ([`warnings::quota_lines`]).
fn report_principals(outcomes: &[Outcome], console: &mut Console) {
    for o in outcomes {
        for e in &o.errors {
            console.notice(&format!("{}: failed: {e}", o.arn));
        }
        for v in o.verdicts.iter().filter(|v| v.exit != Exit::Ok) {
            console.notice(&format!("{}: policy `{}`: {}", o.arn, v.policy, v.line));
        }
    }
    let warned = outcomes
        .iter()
        .flat_map(|o| o.warnings.iter().map(String::as_str));
    for line in warnings::summarise("", warned) {
        console.warn(&line);
    }
    let whose: Vec<(String, &PlanWarning)> = outcomes
        .iter()
        .flat_map(|o| {
            let who = format!("{} `{}`", o.kind.name(), o.name);
            o.plan_warnings
                .iter()
                .filter(|w| w.is_quota())
                .map(move |w| (who.clone(), w))
        })
        .collect();
    for line in warnings::quota_lines(whose.iter().map(|(who, w)| (who.as_str(), *w))) {
        console.warn(&line);
    }
}

/// [`file_names`] of every export, in its account's folder for a folder of exports.
fn all_file_names(exports: &Exports) -> HashMap<&str, Result<String, String>> {
    let mut all = HashMap::new();
    for export in &exports.list {
        let names = file_names(&export.account);
        if exports.organisation {
            all.extend(
                names
                    .into_iter()
                    .map(|(arn, n)| (arn, n.map(|n| format!("{}/{n}", export.id)))),
            );
        } else {
            all.extend(names);
        }
    }
    all
}

/// `<name>.json` for each principal by ARN, or why it cannot have a file.
fn file_names(account: &Account) -> HashMap<&str, Result<String, String>> {
    let mut kinds: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    for p in account.principals() {
        let e = kinds.entry(p.name.to_lowercase()).or_default();
        match p.kind {
            PrincipalKind::Role => e.0 = true,
            PrincipalKind::User => e.1 = true,
        }
    }
    let mut names: HashMap<&str, Result<String, String>> = HashMap::new();
    let mut taken: HashMap<String, usize> = HashMap::new();
    for p in account.principals() {
        let name = &p.name;
        let usable =
            !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0', ':']);
        if !usable {
            names.insert(
                &p.arn,
                Err(format!("its name `{name}` cannot be a file name")),
            );
            continue;
        }
        let shared = kinds
            .get(&name.to_lowercase())
            .is_some_and(|&(role, user)| role && user);
        let file = if shared {
            format!("{}-{name}.json", p.kind.name())
        } else {
            format!("{name}.json")
        };
        *taken.entry(file.to_lowercase()).or_default() += 1;
        names.insert(&p.arn, Ok(file));
    }
    for result in names.values_mut() {
        if let Ok(file) = result {
            if taken.get(&file.to_lowercase()).is_some_and(|&n| n > 1) {
                *result = Err(format!(
                    "its file `{file}` would also be another principal's"
                ));
            }
        }
    }
    names
}

/// Writes the recommendations, and removes last run's files of the shard's principals that
/// this run does not write again (a principal that now has none, or whose file name
/// changed), as the folder's manifest lists them ([`crate::manifest`]): each shard has its
/// own, and answers only for its principals.
fn write_files(
    dir: &Path,
    outcomes: Vec<Outcome>,
    idle: &[&Principal],
    names: &HashMap<&str, Result<String, String>>,
    exports: &Exports,
    (shard, count): (usize, usize),
    console: &mut Console,
) -> Result<()> {
    let target = |arn: &str| {
        names
            .get(arn)
            .and_then(|n| n.as_ref().ok())
            .map(|n| dir.join(n))
    };
    let mut plan = StagedPlan::default();
    let mut owners = Vec::new();
    let mut why: HashMap<String, String> = HashMap::new();
    for o in outcomes {
        let reason = if o.failed() {
            "this principal failed"
        } else {
            "this principal's recommendation is not proved"
        };
        if let (true, Some(staged)) = (o.written(), o.staged) {
            // On an error, every file staged is deleted as `outcomes` is dropped.
            let staged =
                staged.map_err(|(target, source)| WriteError::Prepare { target, source })?;
            plan.writes.push(staged);
            owners.push(o.arn);
            continue;
        }
        if let Some(path) = target(&o.arn) {
            plan.removals.push((path, reason.to_string()));
        }
        why.insert(o.arn, reason.to_string());
    }
    for p in idle {
        let reason = "this principal has no finding now";
        if let Some(path) = target(&p.arn) {
            plan.removals.push((path, reason.to_string()));
        }
        why.insert(p.arn.clone(), reason.to_string());
    }
    // Each manifest is one account's (a folder may hold several accounts' files) and one
    // shard's: `account-<id>-shard-<i>-of-<n>.json`.
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, export) in exports.list.iter().enumerate() {
        if exports.organisation {
            index.insert(&export.id, i);
        } else {
            for p in export.account.principals() {
                index.insert(account_of(&p.arn), i);
            }
        }
    }
    let families: Vec<String> = exports
        .list
        .iter()
        .map(|e| format!("account-{}-shard-", e.id))
        .collect();
    let units: Vec<String> = families
        .iter()
        .map(|f| format!("{f}{shard}-of-{count}.json"))
        .collect();
    let tracking = Tracking {
        units: units.clone(),
        owners,
        unit_of: Box::new(|owner| {
            index
                .get(account_of(owner))
                .map_or_else(String::new, |&i| units[i].clone())
        }),
        owns: Box::new(|owner, manifest| {
            index
                .get(account_of(owner))
                .is_some_and(|&i| manifest.starts_with(&families[i]))
                && in_shard(owner, shard, count)
        }),
        supersedes: Box::new(|manifest| {
            families.iter().any(|f| manifest.starts_with(f)) && !units.iter().any(|u| u == manifest)
        }),
        why: Box::new(|owner| {
            why.get(owner).cloned().unwrap_or_else(|| {
                let there = exports
                    .list
                    .iter()
                    .any(|e| e.account.principal(owner).is_some());
                if there {
                    "this principal gets no file now".to_string()
                } else {
                    "this principal is no longer in the export".to_string()
                }
            })
        }),
    };
    let done = output::commit_staged(dir, plan, &tracking)?;
    for (removed, why) in &done.removed {
        console.info(&format!(
            "removed {}: last run's recommendation; {why}",
            removed.display()
        ));
    }
    for note in &done.notes {
        console.warn(note);
    }
    console.info(&format!(
        "wrote {} recommendations to {}",
        iam_refine::thousands(done.written.len()),
        dir.display()
    ));
    Ok(())
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
