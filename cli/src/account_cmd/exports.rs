//! The exports an `account` run reads: one `get-account-authorization-details` output, or a
//! folder of them, one per account (an organisation in one run).
//!
//! In a folder, every visible `*.json` regular file is one account's export (other files are
//! skipped; a `*.json` that is a folder, a pipe or a broken link is refused, as its
//! principals would otherwise silently get no recommendation). Each export's account is the
//! account id of its principals' ARNs: all of them must name one, of 12 digits, and no two
//! exports the same one. So principals of two accounts never share an ARN, and findings
//! (keyed by ARN) are matched to their own account's principal only: a finding about
//! `arn:aws:iam::111111111111:role/deploy` is never applied to `deploy` of `222222222222`.
//! An organisation's output files go in a folder per account, named by its id
//! (`DIR/111111111111/deploy.json`): the id is digits only, so no export can name a folder
//! outside `DIR`, whatever its file name or its principals' names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use iam_refine::{Account, AccountError};

use crate::input::{self, display_name};

/// One account's export, read.
#[derive(Debug)]
pub struct Export {
    pub path: PathBuf,
    /// Its principals' account id (with one file: every account id its ARNs name, joined
    /// by `+`, possibly none, as a single export has always been taken as it is).
    pub id: String,
    pub account: Account,
}

/// The account part of a principal's ARN (`arn:aws:iam::123456789012:role/x`).
pub fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or("")
}

/// The export files `AUTH` names, not yet read: itself, or a folder's `*.json` files.
#[derive(Debug)]
pub struct Sources {
    /// Sorted by name.
    pub files: Vec<PathBuf>,
    /// `AUTH` was a folder: files go in a folder per account.
    pub organisation: bool,
}

impl Sources {
    /// Lists `path`'s exports (refusing a folder with none), reading none of them.
    pub fn of(path: &Path) -> Result<Sources> {
        if !path.is_dir() {
            return Ok(Sources {
                files: vec![path.to_path_buf()],
                organisation: false,
            });
        }
        let files = folder_files(path)?;
        if files.is_empty() {
            bail!(
                "the exports folder `{}` has no `*.json` file: give one `get-account-authorization-details` output per account",
                path.display()
            );
        }
        Ok(Sources {
            files,
            organisation: true,
        })
    }

    /// Reads and parses `file`, one of these sources, with its account id; `Ok(None)` for
    /// an export of a folder with no role or user (skipped: [`skipped`]).
    pub fn read(&self, file: &Path, limit: u64) -> Result<Option<Export>> {
        // Read as it streams: the export's text is never held whole (it was the larger part
        // of reading an account, beside the account read from it).
        let mut input = input::open_input(file, limit)?;
        let account = match Account::read_from(&mut input) {
            Ok(account) => account,
            Err(e) => return Err(export_error(&input, file, e)),
        };
        let id = if self.organisation {
            match single_account(&account) {
                Ok(Some(id)) => id.to_string(),
                Ok(None) => return Ok(None),
                Err(why) => bail!("{}: {why}", display_name(file)),
            }
        } else {
            // A single export has always been taken as it is.
            let ids: std::collections::BTreeSet<&str> = account
                .principals()
                .iter()
                .map(|p| account_of(&p.arn))
                .collect();
            ids.into_iter().collect::<Vec<_>>().join("+")
        };
        Ok(Some(Export {
            path: file.to_path_buf(),
            id,
            account,
        }))
    }
}

/// The error of an export that failed as it streamed: over `--max-input-bytes`, not UTF-8
/// or unreadable as [`input::read_input`] says it of any input; anything else named after
/// the file, as before.
fn export_error(input: &input::Bounded, file: &Path, e: AccountError) -> anyhow::Error {
    if let Some(over) = input.too_large() {
        return over.into();
    }
    let name = display_name(file);
    match e {
        AccountError::NotUtf8 { offset } => input::InputError::NotUtf8 {
            name,
            offset: usize::try_from(offset).unwrap_or(usize::MAX),
        }
        .into(),
        AccountError::Read { message } => input::InputError::Read {
            name,
            source: std::io::Error::other(message),
        }
        .into(),
        e => anyhow::Error::from(e).context(name),
    }
}

/// The warning for an export of a folder with no role or user.
pub fn skipped(file: &Path) -> String {
    format!(
        "{}: no role or user in this export: skipped",
        display_name(file)
    )
}

/// The account ids of a folder's exports read so far, so that no two exports are of one
/// account (their files would go in one folder, and a principal's findings to either).
#[derive(Debug, Default)]
pub struct Claimed(BTreeMap<String, PathBuf>);

impl Claimed {
    /// Claims `export`'s account id, refusing one another export claimed already.
    pub fn claim(&mut self, export: &Export) -> Result<()> {
        if let Some(other) = self.0.get(&export.id) {
            bail!(
                "{} and {} are both exports of account {}: give one export per account (pages of one export go one after another in one file)",
                display_name(other),
                display_name(&export.path),
                export.id
            );
        }
        self.0.insert(export.id.clone(), export.path.clone());
        Ok(())
    }

    /// Whether any export was claimed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The error when no export of the folder `path` has a principal.
pub fn none_usable(path: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "no export in the folder `{}` has a role or user",
        path.display()
    )
}

/// The one account id every principal's ARN names, `None` with no principal.
fn single_account(account: &Account) -> Result<Option<&str>, String> {
    let mut ids = account
        .principals()
        .iter()
        .map(|p| (account_of(&p.arn), &p.arn));
    let Some((id, arn)) = ids.next() else {
        return Ok(None);
    };
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{arn}` has no 12-digit account id: in a folder of exports, each names its account's folder of recommendations"
        ));
    }
    if let Some((_, other)) = ids.find(|(i, _)| *i != id) {
        return Err(format!(
            "`{arn}` and `{other}` are of two accounts: in a folder of exports, each file is one account's"
        ));
    }
    Ok(Some(id))
}

/// The folder's visible `*.json` regular files, sorted.
fn folder_files(path: &Path) -> Result<Vec<PathBuf>> {
    let cannot = || format!("cannot read the exports folder `{}`", path.display());
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).with_context(cannot)? {
        let p = entry.with_context(cannot)?.path();
        let hidden = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden || p.extension().is_none_or(|e| e != "json") {
            continue;
        }
        if !p.is_file() {
            bail!(
                "`{}` in the exports folder is not a regular file (a folder, a pipe, a device or a broken link)",
                display_name(&p)
            );
        }
        files.push(p);
    }
    files.sort();
    Ok(files)
}
