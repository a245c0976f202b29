//! Where `account` learns what each principal did or did not use, read before any work:
//!
//! - `--findings DIR|FILE`: `get-finding-v2` outputs, each naming its principal by ARN
//!   ([`AccountFindings`]);
//! - `--unused DIR` / `--used DIR`: one file per principal, named after it
//!   ([`PrincipalFiles`]), each read as `refine --unused` / `--used` reads its file
//!   ([`usage_input::load`]): an Access Advisor report or findings, or the actions used.
//!
//! A folder's file that stands for no principal, for two, or for one another file already
//! stands for is refused with all the others like it, before anything is read: a misnamed
//! file would otherwise leave its principal "without findings", and last run's
//! recommendation for it removed. Only the files of the shard's principals are read.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use iam_refine::{
    Account, AccountFindings, AccountFindingsError, AccountFindingsReader, Evidence, FileNameError,
    HeldFindings, PrincipalFiles, PrincipalFindings, Usage,
};

use crate::config::UsageSource;
use crate::input::{self, display_name};
use crate::usage_input;
use crate::warnings::first_few;

/// How many of a folder's misnamed files an error names.
const NAMED_PROBLEMS: usize = 5;

/// What is known of each principal's use of its permissions.
#[derive(Debug)]
pub enum Evidences {
    Findings(AccountFindings),
    /// Each principal's file, read, by the principal's ARN.
    Files(HashMap<String, Usage>),
}

impl Evidences {
    /// What is known of the principal `arn`; `None` when nothing is (`verify --account`
    /// reads it in place: `account` takes it out).
    ///
    /// # Errors
    ///
    /// As [`HeldFindings::unpack`].
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    pub fn of(&self, arn: &str) -> Option<Result<Known<'_>, AccountFindingsError>> {
        match self {
            Evidences::Findings(f) => f
                .principal(arn)
                .map(|held| held.unpack().map(Known::Findings)),
            Evidences::Files(files) => files.get(arn).map(|u| Ok(Known::File(u))),
        }
    }

    /// How many principals `wanted` holds for have evidence (some may be of no export).
    pub fn count(&self, wanted: impl Fn(&str) -> bool) -> usize {
        match self {
            Evidences::Findings(f) => f.arns().filter(|arn| wanted(arn)).count(),
            Evidences::Files(files) => files.keys().filter(|arn| wanted(arn)).count(),
        }
    }

    /// Takes out what is known of the principal `arn`, for the worker that plans it to
    /// drop once done: what stays is what is known of principals no export has (yet), for
    /// [`Evidences::unmatched`].
    pub fn take(&mut self, arn: &str) -> Option<Taken> {
        match self {
            Evidences::Findings(f) => f.take(arn).map(Taken::Findings),
            Evidences::Files(files) => files.remove(arn).map(Taken::File),
        }
    }

    /// Drops what is known of `arns` (principals of an account worked on).
    pub fn forget<'a>(&mut self, arns: impl IntoIterator<Item = &'a str>) {
        for arn in arns {
            self.take(arn);
        }
    }

    /// One warning per principal whose findings are still here once every export's
    /// principals are taken out ([`Evidences::take`], [`Evidences::forget`]): no export has
    /// it. In ARN order; none for files, each of which named its principal.
    pub fn unmatched(&self, several: bool) -> Vec<String> {
        let Evidences::Findings(findings) = self else {
            return Vec::new();
        };
        let which = if several {
            "no export has"
        } else {
            "the export does not have"
        };
        findings
            .arns()
            .map(|arn| format!("findings for `{arn}`, which {which}, are not used"))
            .collect()
    }
}

/// What is known of one principal, taken out of [`Evidences`]: findings still packed, to be
/// unpacked by the worker that plans it.
#[derive(Debug)]
pub enum Taken {
    Findings(HeldFindings),
    File(Usage),
}

impl Taken {
    /// What is known, read.
    ///
    /// # Errors
    ///
    /// As [`HeldFindings::unpack`].
    pub fn unpack(&self) -> Result<Known<'_>, AccountFindingsError> {
        match self {
            Taken::Findings(held) => held.unpack().map(Known::Findings),
            Taken::File(u) => Ok(Known::File(u)),
        }
    }
}

/// What is known of one principal, read.
#[derive(Debug)]
pub enum Known<'a> {
    Findings(PrincipalFindings),
    File(&'a Usage),
}

impl Known<'_> {
    pub fn evidence(&self) -> Evidence<'_> {
        match self {
            Known::Findings(f) => Evidence::from(f),
            Known::File(u) => Evidence::from(*u),
        }
    }
}

/// The usage source, read.
#[derive(Debug)]
pub struct LoadedUsage {
    pub evidences: Evidences,
    /// Every file of the source, so that no output goes over one.
    pub files: Vec<PathBuf>,
    /// What is odd about it (findings set aside, reports truncated), one line each.
    pub warnings: Vec<String>,
}

/// Reads `--unused DIR` / `--used DIR` for `account` (one export: a folder of them is
/// refused before, as its principals' names do not say their account); only the files of
/// principals `wanted` holds for (the shard's).
pub fn load_folder(
    source: &UsageSource,
    account: &Account,
    wanted: impl Fn(&str) -> bool,
    unused_after: Option<u32>,
    output: Option<&Path>,
    limit: u64,
) -> Result<LoadedUsage> {
    let flag = match source {
        UsageSource::Unused(_) => "--unused",
        UsageSource::Used(_) => "--used",
    };
    if let Some(dir) = output {
        if source.path().is_dir() {
            refuse_inside(dir, source.path(), flag, "usage files")?;
        }
    }
    per_principal(source, flag, account, wanted, unused_after, limit)
}

/// Refuses an output folder that is `folder` or inside it: what is written there would be
/// read as input (`label`, `what`) next time.
pub fn refuse_inside(dir: &Path, folder: &Path, label: &str, what: &str) -> Result<()> {
    let (inside, folder_real) = (resolved(dir)?, resolved(folder)?);
    if inside == folder_real {
        bail!(
            "--output-dir `{}` is the {label} folder: recommendations written there would be read as {what} next time; choose another --output-dir",
            dir.display()
        );
    }
    if inside.starts_with(&folder_real) {
        bail!(
            "--output-dir `{}` is inside the {label} folder `{}`: the next run would find it there among the {what}; choose another --output-dir",
            dir.display(),
            folder.display()
        );
    }
    Ok(())
}

/// `--findings`, read and parsed: what does not need the exports, so that it can be done
/// while they are read ([`read_findings`], then [`without_accounts`]).
pub struct ReadFindings {
    files: Vec<PathBuf>,
    findings: AccountFindings,
}

/// Reads and parses `--findings` (a file, or a folder's `*.json` files), after refusing an
/// output folder inside its folder, as [`load_folder`] does for usage files.
pub fn read_findings(path: &Path, output: Option<&Path>, limit: u64) -> Result<ReadFindings> {
    if let Some(dir) = output {
        if path.is_dir() {
            refuse_inside(dir, path, "findings", "findings")?;
        }
    }
    let files = findings_files(path)?;
    // Streamed, a finding at a time: an organisation's findings file is hundreds of MB, and
    // what is kept of each finding is a small part of its text.
    let mut reader = AccountFindingsReader::default();
    for path in &files {
        let mut input = input::open_input(path, limit)?;
        if let Err(e) = reader.read_from(&display_name(path), &mut input) {
            return Err(match input.too_large() {
                Some(over) => over.into(),
                None => e.into(),
            });
        }
    }
    let findings = reader.finish();
    Ok(ReadFindings { files, findings })
}

/// [`ReadFindings`] with the warnings about findings set aside, read before any export (those
/// about principals no export has are [`Evidences::unmatched`], once all are worked on).
pub fn without_accounts(read: ReadFindings) -> LoadedUsage {
    let ReadFindings { files, findings } = read;
    let ignored = findings
        .ignored()
        .iter()
        .map(|i| format!("{}: finding set aside: {}", i.at, i.reason));
    let notes = findings.notes().iter().cloned();
    let warnings = ignored.chain(notes).collect();
    LoadedUsage {
        evidences: Evidences::Findings(findings),
        files,
        warnings,
    }
}

/// A folder's `*.json` files, sorted by name, or the one file given.
fn findings_files(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let json = |p: &PathBuf| p.extension().is_some_and(|e| e == "json");
    let (files, others) = folder_entries(path, "findings")?;
    // A `*.json` pipe, device or folder would be skipped, and the findings in it missed.
    if let Some(other) = others.iter().find(|p| json(p)) {
        bail!(
            "`{}` in the findings folder is not a regular file (a folder, a pipe, a device or a broken link)",
            display_name(other)
        );
    }
    let mut files: Vec<PathBuf> = files.into_iter().filter(json).collect();
    if files.is_empty() {
        bail!(
            "the findings folder `{}` has no `*.json` file (save one `aws accessanalyzer get-finding-v2` output per file there)",
            path.display()
        );
    }
    files.sort();
    Ok(files)
}

/// A folder's regular files (symbolic links followed) and its other entries (folders,
/// pipes, devices, broken links), unsorted.
fn folder_entries(path: &Path, what: &str) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let cannot = || format!("cannot read the {what} folder `{}`", path.display());
    let (mut files, mut others) = (Vec::new(), Vec::new());
    for entry in std::fs::read_dir(path).with_context(cannot)? {
        let p = entry.with_context(cannot)?.path();
        if p.is_file() {
            files.push(p);
        } else {
            others.push(p);
        }
    }
    Ok((files, others))
}

fn per_principal(
    source: &UsageSource,
    flag: &str,
    account: &Account,
    wanted: impl Fn(&str) -> bool,
    unused_after: Option<u32>,
    limit: u64,
) -> Result<LoadedUsage> {
    let dir = source.path();
    if !dir.is_dir() {
        bail!(
            "{flag} `{}` is not a folder: `account` reads one file per principal from a folder, each named after its role or user",
            dir.display()
        );
    }
    // Hidden files (`.DS_Store`, an editor's swap file) are no one's usage.
    let visible = |p: &PathBuf| {
        p.file_name()
            .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
    };
    let (files, others) = folder_entries(dir, &flag[2..])?;
    let mut files: Vec<PathBuf> = files.into_iter().filter(visible).collect();
    files.sort();
    // A folder, pipe or device in place of a principal's file would leave that principal
    // "without findings" (and remove last run's recommendation), or block on a read.
    let mut others: Vec<String> = others
        .iter()
        .filter(|p| visible(p))
        .map(|p| format!("`{}`", base(p)))
        .collect();
    others.sort();
    if !others.is_empty() {
        let subject = if others.len() == 1 {
            format!("{} is", others.remove(0))
        } else {
            format!("{} are", first_few(others, NAMED_PROBLEMS, ", "))
        };
        bail!(
            "{flag} `{}`: {subject} not a regular file (a folder, a pipe, a device or a broken link); each principal's usage is one file",
            dir.display()
        );
    }
    if files.is_empty() {
        bail!(
            "{flag} `{}` has no file (save one file per principal there, named after it)",
            dir.display()
        );
    }
    let names = PrincipalFiles::new(account);
    let mut unnamed: Vec<String> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut by_arn: BTreeMap<&str, Vec<&PathBuf>> = BTreeMap::new();
    for path in &files {
        let name = base(path);
        match names.principal(&name) {
            Ok(p) => by_arn.entry(p.arn.as_str()).or_default().push(path),
            Err(FileNameError::NoPrincipal { .. }) => unnamed.push(format!("`{name}`")),
            Err(e) => problems.push(e.to_string()),
        }
    }
    for (arn, paths) in by_arn.iter().filter(|(_, paths)| paths.len() > 1) {
        if let Some(p) = account.principal(arn) {
            let list: Vec<String> = paths.iter().map(|f| format!("`{}`", base(f))).collect();
            let (list, all) = match list.as_slice() {
                [a, b] => (format!("{a} and {b}"), "both"),
                _ => (list.join(", "), "all"),
            };
            problems.push(format!(
                "{list} {all} stand for {} `{}`",
                p.kind.name(),
                p.name
            ));
        }
    }
    let unnamed_none = unnamed.is_empty();
    if !unnamed_none {
        let n = unnamed.len();
        problems.insert(
            0,
            format!(
                "{} named after no role or user of the export: {}",
                if n == 1 {
                    "1 file is".to_string()
                } else {
                    format!("{} files are", iam_refine::thousands(n))
                },
                first_few(unnamed, NAMED_PROBLEMS, ", ")
            ),
        );
    }
    if !problems.is_empty() {
        let hint = if flag == "--unused" && !unnamed_none {
            "; a folder of `get-finding-v2` outputs, which name their principal inside, goes with --findings"
        } else {
            ""
        };
        bail!(
            "{flag} `{}`: {} (each file is named after its principal: `<name>`, or `role-<name>` / `user-<name>`, with any extension{hint})",
            dir.display(),
            first_few(problems, NAMED_PROBLEMS, "; ")
        );
    }
    let mut usage = HashMap::new();
    let mut warnings = Vec::new();
    for (arn, paths) in by_arn.iter().filter(|(arn, _)| wanted(arn)) {
        let [path] = paths.as_slice() else { continue };
        let file = match source {
            UsageSource::Unused(_) => UsageSource::Unused(path.to_path_buf()),
            UsageSource::Used(_) => UsageSource::Used(path.to_path_buf()),
        };
        let read = usage_input::load(&file, unused_after, limit)?;
        if let Some(resource) = read.resource_arn.as_deref().filter(|r| r != arn) {
            bail!(
                "{} is a finding about `{resource}`, but its name stands for `{arn}`",
                display_name(path)
            );
        }
        let shown = display_name(path);
        warnings.extend(read.warnings.iter().map(|w| format!("{shown}: {w}")));
        usage.insert((*arn).to_string(), read.usage);
    }
    Ok(LoadedUsage {
        evidences: Evidences::Files(usage),
        files,
        warnings,
    })
}

/// `path` with every link and `..` resolved, also when its last parts do not exist yet
/// (an output folder to be made): its nearest existing ancestor resolved, the rest added.
fn resolved(path: &Path) -> Result<PathBuf> {
    let absolute = std::path::absolute(path)
        .with_context(|| format!("cannot resolve `{}`", path.display()))?;
    let mut rest = Vec::new();
    let mut existing = absolute.as_path();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                match part {
                    std::path::Component::ParentDir => {
                        out.pop();
                    }
                    std::path::Component::CurDir => {}
                    other => out.push(other),
                }
            }
            return Ok(out);
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => return Ok(absolute),
        }
    }
}

/// A path's file name, for messages that already name its folder.
fn base(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
