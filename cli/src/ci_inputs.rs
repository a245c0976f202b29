//! What `iam-refine ci` judges: the policies of HEAD matched with those of BASE, as
//! `iam-refine-iac` finds and resolves them.
//!
//! - A **Terraform plan** carries both sides: each policy's `before` and `after` (`--base`
//!   is refused with a plan).
//! - **CloudFormation**: HEAD and BASE are both files (policies matched by address: the
//!   logical id, and `/Policies/NAME` for an entry of a role's `Policies`) or both folders
//!   (matched by the template's path inside the folder, then by address: a template moved
//!   to another path is a deletion and a creation). Without BASE, every policy is new.
//! - In a **folder**, every file (hidden ones and hidden folders skipped, symbolic links not
//!   followed) ending in `.json`, `.yaml`, `.yml` or `.template` is read and detected by
//!   content; valid JSON or YAML that is not a template (a CDK `manifest.json`) is skipped,
//!   and a file that is not valid JSON or YAML is an error naming it: a broken template
//!   could hide a policy. A plan inside a folder is an error (give the plan itself).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use iam_refine_iac::{detect, extract, Change, Found, FoundPolicy, Options};

use crate::input::{display_name, read_input};

/// One policy of HEAD or BASE (or both).
#[derive(Debug, Clone)]
pub struct Item {
    /// The address (with `FOLDER-RELATIVE-PATH: ` in front when the sides are folders).
    pub key: String,
    /// For a plan, what it does; `None` for templates (the sides say).
    pub change: Option<Change>,
    pub base: Option<FoundPolicy>,
    pub head: Option<FoundPolicy>,
}

impl Item {
    /// Where it is: the head's file and line, else the base's.
    pub fn place(&self) -> (Option<&str>, Option<usize>) {
        match self.head.as_ref().or(self.base.as_ref()) {
            Some(p) => (Some(p.file.as_str()), p.line),
            None => (None, None),
        }
    }
}

/// Everything `ci` judges, in HEAD's order, then BASE's policies HEAD no longer has.
#[derive(Debug, Default)]
pub struct Inputs {
    pub items: Vec<Item>,
    /// Files of a folder that were skipped (not a template), and the readers' notes.
    pub notes: Vec<String>,
    /// Whether HEAD is a Terraform plan.
    pub plan: bool,
}

/// Reads HEAD (and BASE) into matched items.
pub fn read(head: &Path, base: Option<&Path>, options: &Options, limit: u64) -> Result<Inputs> {
    let mut inputs = Inputs::default();
    let head_dir = head.is_dir();
    if let Some(base) = base {
        if base.is_dir() != head_dir {
            bail!(
                "HEAD `{}` and --base `{}` must both be files or both be folders",
                head.display(),
                base.display()
            );
        }
    }
    let head_files = files_of(head, limit, &mut inputs.notes)?;
    let mut head_side = Vec::new();
    for (rel, path) in &head_files {
        let name = display_name(path);
        let text = read_input(path, limit)?;
        let found = extract(&name, &text, options)?;
        inputs
            .notes
            .extend(found.notes.iter().map(|n| format!("{name}: {n}")));
        match found.found {
            Found::Plan(planned) => {
                if head_dir {
                    bail!("{name}: a Terraform plan in a folder: give the plan itself as HEAD");
                }
                if let Some(base) = base {
                    bail!(
                        "{name} is a Terraform plan, which carries both sides of every change: --base `{}` is not used with a plan",
                        base.display()
                    );
                }
                inputs.plan = true;
                for p in planned {
                    inputs.items.push(Item {
                        key: p.address,
                        change: Some(p.change),
                        base: p.before,
                        head: p.after,
                    });
                }
                return Ok(inputs);
            }
            Found::Template(policies) => {
                head_side.extend(policies.into_iter().map(|p| (key(rel, &p.address), p)));
            }
        }
    }
    let mut base_side: BTreeMap<String, FoundPolicy> = BTreeMap::new();
    let mut base_order: Vec<String> = Vec::new();
    if let Some(base) = base {
        for (rel, path) in files_of(base, limit, &mut inputs.notes)? {
            let name = display_name(&path);
            let text = read_input(&path, limit)?;
            let found = extract(&name, &text, options)?;
            inputs
                .notes
                .extend(found.notes.iter().map(|n| format!("{name}: {n}")));
            match found.found {
                Found::Plan(_) => bail!(
                    "{name}: --base is a Terraform plan; a plan is given alone as HEAD (it carries both sides)"
                ),
                Found::Template(policies) => {
                    for p in policies {
                        let k = key(&rel, &p.address);
                        base_order.push(k.clone());
                        base_side.insert(k, p);
                    }
                }
            }
        }
    }
    for (k, head) in head_side {
        let base = base_side.remove(&k);
        inputs.items.push(Item {
            key: k,
            change: None,
            base,
            head: Some(head),
        });
    }
    for k in base_order {
        if let Some(base) = base_side.remove(&k) {
            inputs.items.push(Item {
                key: k,
                change: None,
                base: Some(base),
                head: None,
            });
        }
    }
    Ok(inputs)
}

fn key(rel: &Option<String>, address: &str) -> String {
    match rel {
        Some(rel) => format!("{rel}: {address}"),
        None => address.to_string(),
    }
}

/// The files to read: `path` itself (no relative name), or a folder's candidate files by
/// their `/`-separated path inside it, sorted.
fn files_of(
    path: &Path,
    limit: u64,
    notes: &mut Vec<String>,
) -> Result<Vec<(Option<String>, PathBuf)>> {
    if !path.is_dir() {
        return Ok(vec![(None, path.to_path_buf())]);
    }
    let mut out = Vec::new();
    walk(path, path, 0, &mut out)?;
    out.sort();
    let mut kept = Vec::new();
    for (rel, file) in out {
        let name = display_name(&file);
        let text = read_input(&file, limit)
            .with_context(|| format!("cannot read `{name}` in folder `{}`", path.display()))?;
        match detect(&name, &text)? {
            Some(_) => kept.push((Some(rel), file)),
            None => notes.push(format!("{name}: skipped: not a CloudFormation template")),
        }
    }
    Ok(kept)
}

/// Folders nested deeper than this are not searched (a link loop cannot occur: links are
/// not followed; this bounds a hostile tree).
const MAX_DEPTH: usize = 32;

fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    if depth > MAX_DEPTH {
        bail!(
            "`{}`: folders nested more than {MAX_DEPTH} deep",
            dir.display()
        );
    }
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list folder `{}`", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list folder `{}`", dir.display()))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            bail!(
                "`{}`: a file name that is not UTF-8 in `{}`",
                entry.path().display(),
                dir.display()
            );
        };
        if name.starts_with('.') {
            continue;
        }
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read `{}`", entry.path().display()))?;
        let path = entry.path();
        if kind.is_dir() {
            walk(root, &path, depth + 1, out)?;
        } else if kind.is_file()
            && [".json", ".yaml", ".yml", ".template"]
                .iter()
                .any(|e| name.ends_with(e))
        {
            let rel = path
                .strip_prefix(root)
                .map_err(|_| anyhow!("`{}` is not inside `{}`", path.display(), root.display()))?;
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push((rel.join("/"), path));
        }
    }
    Ok(())
}
