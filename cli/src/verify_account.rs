//! `iam-refine verify --account AUTH.json (--findings | --unused DIR | --used DIR)
//! --recommendations DIR`: a folder of recommendations as `account --output-dir` writes them,
//! proved against the export, so that `account`'s output is proved without extracting any
//! original by hand.
//!
//! Each `*.json` file of the folder (hidden files and the manifests' folder are skipped) is
//! one principal's recommendation: its `resourceArn` names the principal, which must be in
//! the export (a file named after one principal but about another is refused). The
//! principal's own policies are its originals, read from the export as `account` reads them
//! (the parsed document, every key and value as written); what it did not use is what
//! `account` refined it against, from the same usage source read the same way, after
//! `--keep` (for `--used`, every catalog action its policies allow that is not listed).
//!
//! Each policy the steps name is judged as `verify` judges a recommendation's policy; each
//! of the principal's own policies the steps do not name stays as it is, so it is proved
//! against itself: a counterexample is an unused action the principal keeps. Policies
//! inherited from a group are the group's, not judged here. One verdict per principal and
//! policy; a file that cannot be judged (not a recommendation, a principal the export or
//! the usage source does not have, a step about a policy the principal does not carry) is
//! one error verdict, and the others go on. A role with an `UnusedIAMRole` finding is to be
//! deleted, which `verify` does not judge: it is named and skipped.
//!
//! `AUTH` may also be a folder of exports, one per account, as `account` takes it; then
//! `account --output-dir DIR` wrote each account's files to `DIR/<account id>/`, and each
//! such folder is proved against its own account's export (a file in another account's
//! folder names a principal that export does not have: an error verdict). An account with
//! no folder had nothing written (no principal with a change); a `DIR` with no folder for
//! any account is refused, naming the layout it expected.
//!
//! Files are proved in parallel on `--jobs` threads, each with its own Z3 context; the
//! verdicts are printed in the files' order, accounts by id. A folder of exports is read one
//! export at a time, as `account` reads it (the next one read while this one's files are
//! proved; each account's findings dropped once they are): an organisation's exports are
//! never all held at once. The warnings (exports skipped, each export's, the usage
//! source's, findings of no export) come before the verdicts, as they did when every
//! export was read first.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde_json::Value;

use iam_refine::{
    plan_principal, Account, Catalog, FileNameError, PlanOptions, PolicyPlan, PrincipalFiles,
    PrincipalStatus, RefineOptions,
};
use iam_refine_iac::JsonLines;
use iam_refine_verify::Z3Worker;

use crate::account_cmd::exports;
use crate::account_cmd::usage::Evidences;
use crate::account_cmd::{load_first, FirstInputs};
use crate::config::{Common, VerifyAccount, VerifyConfig};
use crate::console::Console;
use crate::document::{self, Refined};
use crate::input::{self, display_name};
use crate::report::{Report, Subject};
use crate::verify_cmd::{
    error_subject, judge, judge_addition, subject, unused_of, Judgement, Prover,
};
use crate::verify_names;
use crate::verify_steps::{self, Change};

thread_local! {
    /// This thread's Z3 context (one per worker thread, made on its first proof).
    static Z3: RefCell<Option<Z3Worker>> = const { RefCell::new(None) };
}

/// One recommendation file and the account export it is proved against.
struct Job<'a> {
    account: &'a Account,
    /// The export's name, for the report's `original`.
    auth: String,
    path: PathBuf,
}

/// What the workers share.
struct Shared<'a> {
    evidences: &'a Evidences,
    catalog: &'a Catalog,
    plan: &'a PlanOptions,
    prover: &'a Prover,
    skip_sid: &'a [String],
    limit: u64,
}

/// One verdict of a file, for printing and the report.
struct Verdict {
    /// `<policy>` for the stderr line.
    name: String,
    judgement: Option<Judgement>,
    subject: Subject,
}

/// What a file gave.
struct FileOutcome {
    file: String,
    verdicts: Vec<Verdict>,
    /// Why nothing of it is judged (a role to delete).
    skipped: Option<String>,
}

pub fn run(
    config: &VerifyConfig,
    inputs: &VerifyAccount,
    common: Common,
    console: &mut Console,
    report: &mut Report,
) -> Result<()> {
    let limit = common.max_input_bytes;
    let catalog = input::load_catalog(config.catalog.as_deref(), limit)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(inputs.jobs)
        .thread_name(|i| format!("iam-refine-{i}"))
        .build()?;
    let sources = exports::Sources::of(&inputs.auth)?;
    let first_inputs = FirstInputs {
        auth: &inputs.auth,
        usage: &inputs.usage,
        unused_after: config.unused_after,
        output: None,
    };
    let (first, usage) = load_first(&first_inputs, |_| true, &sources, limit, &pool)?;
    let dir = inputs.recommendations.as_path();
    if sources.organisation && !dir.is_dir() {
        bail!(
            "--recommendations `{}` is not a folder (`account --output-dir` writes a folder per account there)",
            dir.display()
        );
    }
    let mut refine = RefineOptions::new();
    for k in &config.keep {
        refine = refine.keep(k)?;
    }
    for s in &config.skip_sid {
        refine = refine.skip_sid(s)?;
    }
    let plan = PlanOptions {
        refine,
        ..PlanOptions::default()
    };
    let prover = Prover::new(&catalog, &iam_refine::Findings::default(), config.limits)?;
    let mut evidences = usage.evidences;

    // One export at a time, the next one read while this one's files are proved, as
    // `account` reads them: what is kept of a done account is its files' verdicts.
    let mut claimed = exports::Claimed::default();
    let mut skipped = Vec::new();
    let mut done: Vec<AccountDone> = Vec::new();
    let mut next = Some(Ok(first));
    for i in 0..sources.files.len() {
        let Some(export) = next.take().transpose()?.flatten() else {
            skipped.push(exports::skipped(&sources.files[i]));
            next = sources.files.get(i + 1).map(|f| sources.read(f, limit));
            continue;
        };
        if sources.organisation {
            claimed.claim(&export)?;
        }
        let jobs = recommendation_jobs(&export, dir, sources.organisation)?;
        let shared = Shared {
            evidences: &evidences,
            catalog: &catalog,
            plan: &plan,
            prover: &prover,
            skip_sid: &config.skip_sid,
            limit,
        };
        let (outcomes, following) = pool.join(
            || pool.install(|| jobs.par_iter().map(|j| one_file(&shared, j)).collect()),
            || sources.files.get(i + 1).map(|f| sources.read(f, limit)),
        );
        // What the rest of the run needs of them: that they had findings (the warning
        // about findings of no export asks only of principals no export has).
        evidences.forget(export.account.principals().iter().map(|p| p.arn.as_str()));
        done.push(AccountDone {
            id: export.id.clone(),
            warnings: export.account.warnings().to_vec(),
            files: jobs.len(),
            outcomes,
        });
        next = following;
    }
    if sources.organisation && claimed.is_empty() {
        return Err(exports::none_usable(&inputs.auth));
    }
    // Every run lists the accounts in one order: by id.
    done.sort_by(|a, b| a.id.cmp(&b.id));
    if sources.organisation && done.iter().all(|d| d.files == 0) {
        let ids: Vec<&str> = done.iter().map(|d| d.id.as_str()).collect();
        bail!(
            "the recommendations folder `{}` has no folder for any account of the exports ({}): `account --output-dir` writes each account's files to `DIR/<account id>/`",
            dir.display(),
            ids.join(", ")
        );
    }
    // In the order they had when every export was read first: the exports skipped, each
    // account's, then the usage source's, findings of no export last.
    // Every export's principals are dropped by now: what is left, no export has.
    let unmatched = evidences.unmatched(done.len() > 1);
    for w in crate::warnings::summarise(
        "",
        skipped
            .iter()
            .chain(done.iter().flat_map(|d| &d.warnings))
            .chain(&usage.warnings)
            .chain(&unmatched)
            .map(String::as_str),
    ) {
        console.warn(&w);
    }
    let text = config.format == crate::args::ReportFormat::Text;
    for o in done.into_iter().flat_map(|d| d.outcomes) {
        if let Some(why) = &o.skipped {
            console.info(&format!("{}: {why}", o.file));
        }
        for v in o.verdicts {
            let name = format!("{}: {}", o.file, v.name);
            match &v.judgement {
                Some(j) if text => j.print(Some(&name), console)?,
                Some(j) => j.print_line(Some(&name), console)?,
                None => crate::console::error(&format!("{name}: {}", v.subject.reasons.join("; "))),
            }
            report.subjects.push(v.subject);
        }
    }
    Ok(())
}

/// One account, its files proved: what is kept of it once its export is dropped.
struct AccountDone {
    id: String,
    /// The export's own warnings (a truncated export).
    warnings: Vec<String>,
    /// How many recommendation files it had.
    files: usize,
    /// Its files', in their order.
    outcomes: Vec<FileOutcome>,
}

/// The files to prove against `export`: `dir`'s, or with a folder of exports
/// (`organisation`) its account's folder `dir/<account id>/`, when there is one (an
/// account with none had nothing written).
fn recommendation_jobs<'a>(
    export: &'a exports::Export,
    dir: &Path,
    organisation: bool,
) -> Result<Vec<Job<'a>>> {
    let own = if organisation {
        let own = dir.join(&export.id);
        if !own.exists() {
            return Ok(Vec::new());
        }
        own
    } else {
        dir.to_path_buf()
    };
    Ok(recommendation_files(&own)?
        .into_iter()
        .map(|path| Job {
            account: &export.account,
            auth: display_name(&export.path),
            path,
        })
        .collect())
}

/// The folder's `*.json` files, sorted; hidden ones skipped (the manifests' folder
/// `.iam-refine/` among them). A `*.json` entry that is not a regular file is refused: a
/// recommendation in it would go unproved.
fn recommendation_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        bail!(
            "--recommendations `{}` is not a folder (`account --output-dir` writes one file per principal there)",
            dir.display()
        );
    }
    let cannot = || format!("cannot read the recommendations folder `{}`", dir.display());
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(cannot)? {
        let path = entry.with_context(cannot)?.path();
        let visible = path
            .file_name()
            .is_some_and(|n| !n.to_string_lossy().starts_with('.'));
        if !visible || path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        if !path.is_file() {
            bail!(
                "`{}` in the recommendations folder is not a regular file (a folder, a pipe, a device or a broken link)",
                display_name(&path)
            );
        }
        files.push(path);
    }
    if files.is_empty() {
        bail!(
            "the recommendations folder `{}` has no `*.json` file",
            dir.display()
        );
    }
    files.sort();
    Ok(files)
}

fn one_file(shared: &Shared<'_>, job: &Job<'_>) -> FileOutcome {
    let file = display_name(&job.path);
    let mut outcome = FileOutcome {
        file: file.clone(),
        verdicts: Vec::new(),
        skipped: None,
    };
    if let Err(e) = judge_file(shared, job, &mut outcome) {
        let mut s = error_subject(format!("{e:#}"));
        s.file = Some(file);
        outcome.verdicts.push(Verdict {
            name: "cannot be judged".to_string(),
            judgement: None,
            subject: s,
        });
    }
    outcome
}

fn judge_file(shared: &Shared<'_>, job: &Job<'_>, outcome: &mut FileOutcome) -> Result<()> {
    let (path, account) = (job.path.as_path(), job.account);
    let file = outcome.file.clone();
    let text = input::read_input(path, shared.limit)?;
    let rec = match document::refined(&text).with_context(|| file.clone())? {
        Refined::Recommendation(rec) => rec,
        Refined::Document(..) => bail!(
            "{file} is a policy document, not a recommendation as `account --output-dir` writes them"
        ),
    };
    let Some(arn) = rec.resource_arn.clone().filter(|a| !a.is_empty()) else {
        bail!("{file}: the recommendation has no `resourceArn`: which principal it is about is not said");
    };
    let Some(principal) = account.principal(&arn) else {
        bail!("{file}: `resourceArn` `{arn}` is no role or user of the export");
    };
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match PrincipalFiles::new(account).principal(&base) {
        Ok(named) if named.arn != principal.arn => bail!(
            "{file} is named after {} `{}`, but its `resourceArn` is `{arn}`",
            named.kind.name(),
            named.name
        ),
        Ok(_) | Err(FileNameError::NoPrincipal { .. }) => {}
        Err(e) => bail!("{file}: {e}"),
    }
    verify_names::check_steps(&file, &rec)?;
    let Some(known) = shared.evidences.of(&arn) else {
        bail!("{file}: the usage source says nothing of `{arn}`, so there is nothing to prove its recommendation against");
    };
    let known = known?;
    let plan = plan_principal(
        account,
        principal,
        known.evidence(),
        shared.catalog,
        shared.plan,
    );
    match plan.status {
        PrincipalStatus::DeleteRole => {
            outcome.skipped = Some(format!(
                "role `{}` has an UnusedIAMRole finding: its recommendation is to delete it, which verify does not judge",
                principal.name
            ));
            return Ok(());
        }
        PrincipalStatus::Failed => {
            let errors: Vec<String> = plan.errors.iter().map(ToString::to_string).collect();
            bail!(
                "{file}: the export's policies of `{arn}` cannot be read: {}",
                errors.join("; ")
            );
        }
        _ => {}
    }
    // What `account` refined the principal against (after `--keep`).
    let unused = unused_of(&plan.findings.clone().unwrap_or_default());
    let lines = JsonLines::of(&text);
    let groups = verify_steps::group(&file, &rec.steps)?;
    let mut named = Vec::new();
    for (id, members) in &groups {
        let first = members.first().map(|(n, _)| *n);
        let line = first.and_then(|n| lines.line(&["recommendedSteps", &n.to_string()]));
        let base_subject = |mut s: Subject| {
            s.file = Some(file.clone());
            s.line = line;
            s.policy_id = Some((*id).to_string());
            s.principal = Some(arn.clone());
            s.original = Some(job.auth.clone());
            s
        };
        let Some(policy) = plan.policies.iter().find(|p| p.policy.id == *id) else {
            outcome.verdicts.push(Verdict {
                name: format!("policy `{id}`"),
                judgement: None,
                subject: base_subject(error_subject(format!(
                    "policy `{id}` is not one of {} `{}`'s own policies in the export",
                    principal.kind.name(),
                    principal.name
                ))),
            });
            continue;
        };
        named.push(*id);
        let (change, creates) = verify_steps::change_of(members);
        let judged = prove(shared, policy, &change, &unused);
        outcome.verdicts.push(match judged {
            Ok(j) => {
                let mut s = base_subject(subject(&j));
                if let (Some((doc, _)), Change::Replace(_)) = (j.refined_at, &change) {
                    if let Some(n) = creates.get(doc) {
                        s.line = lines.line(&["recommendedSteps", &n.to_string()]).or(s.line);
                    }
                }
                Verdict {
                    name: format!("policy `{id}`"),
                    judgement: Some(j),
                    subject: s,
                }
            }
            Err(e) => Verdict {
                name: format!("policy `{id}`"),
                judgement: None,
                subject: base_subject(error_subject(format!("cannot verify: {e:#}"))),
            },
        });
    }
    // The principal's own policies the recommendation leaves as they are.
    for policy in plan
        .policies
        .iter()
        .filter(|p| !named.contains(&p.policy.id.as_str()))
    {
        let id = &policy.policy.id;
        let judged = prove(shared, policy, &Change::Add(Vec::new()), &unused).map(|mut j| {
            const KEPT: &str = "not in the recommendation, so kept as it is";
            if j.exit == crate::exit::Exit::Ok {
                j.line = format!("{KEPT}: allows nothing unused; {}", j.line);
                j.reason = format!("{KEPT}: allows nothing unused; {}", j.reason);
            } else {
                j.line = format!("{KEPT}: {}", j.line);
                j.reason = format!("{KEPT}: {}", j.reason);
            }
            j
        });
        let mut s = match &judged {
            Ok(j) => subject(j),
            Err(e) => error_subject(format!("cannot verify: {e:#}")),
        };
        s.file = Some(file.clone());
        s.policy_id = Some(id.clone());
        s.principal = Some(arn.clone());
        s.original = Some(job.auth.clone());
        outcome.verdicts.push(Verdict {
            name: format!("policy `{id}`"),
            judgement: judged.ok(),
            subject: s,
        });
    }
    Ok(())
}

/// Proves what `change` does to `policy`'s original. A policy kept as it is ([`Change::Add`]
/// with no document) is proved against itself, judged as [`judge`] judges it.
fn prove(
    shared: &Shared<'_>,
    policy: &PolicyPlan,
    change: &Change,
    unused: &iam_refine_verify::Unused,
) -> Result<Judgement> {
    // The parsed original's `to_value()`: every key and value as the export wrote them, in
    // order, re-serialised (`account --verify` proves the same).
    let original = policy.original.to_value();
    let refined: &[Value] = match change {
        Change::Replace(documents) => documents,
        Change::Detach => &[],
        Change::Add(_) => std::slice::from_ref(&original),
    };
    let report = Z3.with(|cell| {
        let mut slot = cell.borrow_mut();
        let z3 = slot.get_or_insert_with(crate::prover::new_worker);
        shared
            .prover
            .prove_keeping(z3, &original, refined, unused, shared.skip_sid)
    })?;
    Ok(match change {
        Change::Add(documents) if !documents.is_empty() => judge_addition(&report),
        _ => judge(&report),
    })
}
