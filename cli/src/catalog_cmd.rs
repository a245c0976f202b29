//! `iam-refine catalog`: the catalog's date, source and counts, or its services.

use anyhow::Result;

use iam_refine::{thousands, Catalog};

use crate::console::Console;
use crate::exit::Exit;

pub fn run(catalog: &Catalog, services: bool, console: &mut Console) -> Result<Exit> {
    let info = catalog.info();
    let list = catalog.services();
    if services {
        for (s, r) in &list {
            console.out(&format!("{s}\t{}\n", r.len()))?;
        }
        return Ok(Exit::Ok);
    }
    let mut text = format!(
        "date:     {}\nsource:   {}\nservices: {}\nactions:  {}\n",
        info.date.as_deref().unwrap_or("unknown"),
        info.source,
        thousands(list.len()),
        thousands(catalog.len())
    );
    for (level, n) in catalog.level_counts() {
        text.push_str(&format!("  {:<24}{:>7}\n", level.name(), thousands(n)));
    }
    console.out(&text)?;
    Ok(Exit::Ok)
}
