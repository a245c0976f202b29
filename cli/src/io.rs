//! Files in and out: reading inputs with their names in every error, and atomic writes.

use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, Result};

use iam_refine::Catalog;

pub use iam_refine::thousands;

/// Reads a whole file, or stdin for `-`.
pub fn read_input(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read stdin")?;
        return Ok(text);
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))
}

/// The embedded snapshot, or a catalog file (JSON object, or the snapshot's TSV format).
pub fn load_catalog(path: Option<&Path>) -> Result<Catalog> {
    let Some(path) = path else {
        return Ok(Catalog::embedded());
    };
    let text = read_input(path)?;
    let source = path.display().to_string();
    let catalog = if text.trim_start().starts_with('{') {
        Catalog::from_json(&text, source)
    } else {
        Catalog::from_tsv(&text)
    };
    catalog.with_context(|| format!("{}: not a usable catalog", path.display()))
}

/// Writes `contents` to `path` through a temporary file in the same directory and a
/// rename, so `path` is never seen half-written.
pub fn write_atomic(path: &Path, contents: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".iam-refine-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in `{}`", dir.display()))?;
    tmp.write_all(contents.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}
