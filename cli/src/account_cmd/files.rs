//! What `account` leaves in `--output-dir`: each principal's file name ([`file_names`]),
//! and at the end of the run the one commit of every staged file, with last run's files
//! of the shard's principals that this run does not write again removed and each
//! account's manifest updated ([`Commit`]). What is kept of a done account for that is
//! its [`Roster`] and its principals' outcomes.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Result;

use iam_refine::{in_shard, Account, PrincipalKind};

use super::exports::account_of;
use super::work::Outcome;
use crate::console::Console;
use crate::manifest::Tracking;
use crate::output::{self, StagedFiles, StagedPlan, WriteError};
use crate::packed::{PackedText, Span};

/// A principal of the shard without findings: last run's file for it is removed.
pub(super) struct Idle {
    pub arn: String,
    pub target: Option<PathBuf>,
}

/// What is kept of an export once its principals are done: its account id and its
/// principals' ARNs, sorted, one after another in one text. Kept to the end of the run, a
/// `String` each was an allocation per principal made as the account was dropped around it
/// (see [`super::ledger`] for why that costs more than its bytes).
pub(super) struct Roster {
    pub id: String,
    text: PackedText,
    arns: Vec<Span>,
}

impl Roster {
    /// The roster of account `id`, whose principals' ARNs are `arns`, sorted.
    pub fn new<'a>(id: String, arns: impl IntoIterator<Item = &'a str> + Clone) -> Self {
        let mut text = PackedText::with_capacity(arns.clone().into_iter().map(str::len).sum());
        let arns = arns.into_iter().map(|arn| text.push(arn)).collect();
        Roster { id, text, arns }
    }

    /// The ARNs, sorted.
    pub fn arns(&self) -> impl Iterator<Item = &str> {
        self.arns.iter().map(|&span| self.text.get(span))
    }

    pub fn has(&self, arn: &str) -> bool {
        self.arns
            .binary_search_by(|&span| self.text.get(span).cmp(arn))
            .is_ok()
    }
}

/// Every account's roster, by id, and whether they came from a folder of exports.
pub(super) struct Accounts<'a> {
    pub rosters: &'a [Roster],
    pub organisation: bool,
}

/// `<name>.json` for each principal by ARN (`<account id>/<name>.json` with `folder`, for a
/// folder of exports), or why it cannot have a file.
pub(super) fn file_names<'a>(
    account: &'a Account,
    folder: Option<&str>,
) -> HashMap<&'a str, Result<String, String>> {
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
    if let Some(id) = folder {
        for file in names.values_mut().flat_map(|n| n.as_mut().ok()) {
            *file = format!("{id}/{file}");
        }
    }
    names
}

/// What the commit does with each principal, gathered account by account as the outcomes
/// are unpacked from their ledgers ([`Commit::add`]), then carried out at once
/// ([`Commit::write`]).
#[derive(Default)]
pub(super) struct Commit {
    /// A chunk of staged files per account ([`Commit::account`]).
    plan: StagedPlan,
    /// Why each principal of the shard that gets no file gets none.
    why: HashMap<String, String>,
    /// The first file that could not be staged: the commit fails, with nothing written.
    failed: Option<WriteError>,
}

impl Commit {
    /// The next account's files go in a chunk of their own (read again at the commit, not
    /// unpacked all at once), with room for `files` files and `text` bytes
    /// ([`StagedFiles::new`]).
    pub fn account(&mut self, dir: &Path, files: usize, text: usize) {
        self.plan.chunks.push(StagedFiles::new(dir, files, text));
    }

    /// Takes what the commit needs of a principal's outcome: its staged file when it is
    /// written, else its file's name (last run's is removed) and why.
    pub fn add(&mut self, o: &mut Outcome, dir: &Path) {
        let reason = if o.failed() {
            "this principal failed"
        } else {
            "this principal's recommendation is not proved"
        };
        if o.written() {
            if let Some(staged) = o.staged.take() {
                match staged {
                    Ok(staged) => {
                        if self.plan.chunks.is_empty() {
                            self.account(dir, 0, 0);
                        }
                        if let Some(chunk) = self.plan.chunks.last_mut() {
                            chunk.push(staged, &o.arn);
                        }
                    }
                    // Every file staged is deleted as the commit is dropped.
                    Err((target, source)) => {
                        self.failed
                            .get_or_insert(WriteError::Prepare { target, source });
                    }
                }
                return;
            }
        }
        if let Some(file) = &o.file {
            self.plan
                .removals
                .push((dir.join(file), reason.to_string()));
        }
        self.why.insert(o.arn.clone(), reason.to_string());
    }

    /// A principal of the shard without findings: last run's file for it is removed.
    pub fn add_idle(&mut self, p: Idle) {
        let reason = "this principal has no finding now";
        if let Some(path) = p.target {
            self.plan.removals.push((path, reason.to_string()));
        }
        self.why.insert(p.arn, reason.to_string());
    }

    /// Writes the recommendations, and removes last run's files of the shard's principals
    /// that this run does not write again (a principal that now has none, or whose file
    /// name changed), as the folder's manifest lists them ([`crate::manifest`]): each shard
    /// has its own, and answers only for its principals.
    pub fn write(
        self,
        dir: &Path,
        accounts: &Accounts<'_>,
        (shard, count): (usize, usize),
        console: &mut Console,
    ) -> Result<()> {
        let Commit { plan, why, failed } = self;
        if let Some(error) = failed {
            return Err(error.into());
        }
        // Each manifest is one account's (a folder may hold several accounts' files) and one
        // shard's: `account-<id>-shard-<i>-of-<n>.json`.
        let rosters = accounts.rosters;
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, roster) in rosters.iter().enumerate() {
            if accounts.organisation {
                index.insert(&roster.id, i);
            } else {
                for arn in roster.arns() {
                    index.insert(account_of(arn), i);
                }
            }
        }
        let families: Vec<String> = rosters
            .iter()
            .map(|r| format!("account-{}-shard-", r.id))
            .collect();
        let units: Vec<String> = families
            .iter()
            .map(|f| format!("{f}{shard}-of-{count}.json"))
            .collect();
        let tracking = Tracking {
            units: units.clone(),
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
                families.iter().any(|f| manifest.starts_with(f))
                    && !units.iter().any(|u| u == manifest)
            }),
            why: Box::new(|owner| {
                why.get(owner).cloned().unwrap_or_else(|| {
                    if rosters.iter().any(|r| r.has(owner)) {
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
            iam_refine::thousands(done.written),
            dir.display()
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Roster;

    #[test]
    fn a_roster_has_exactly_its_arns() {
        let arns = ["arn:a", "arn:b", "arn:bb", "arn:c/d", "arn:é"];
        for n in 0..=arns.len() {
            let roster = Roster::new("1".to_string(), arns[..n].iter().copied());
            assert_eq!(roster.arns().collect::<Vec<_>>(), arns[..n]);
            for (i, arn) in arns.iter().enumerate() {
                assert_eq!(roster.has(arn), i < n, "{arn} of {n}");
            }
            for absent in ["", "arn:", "arn:ab", "arn:bbb", "arn:z"] {
                assert!(!roster.has(absent), "{absent} of {n}");
            }
        }
    }
}
