//! `iam-refine expand`: the catalog actions that patterns allow, one a line.

use anyhow::Result;

use iam_refine::{thousands, Catalog, Pattern};

use crate::console::Console;
use crate::exit::Exit;
use crate::warnings;

pub fn run(catalog: &Catalog, patterns: &[String], console: &mut Console) -> Result<Exit> {
    let patterns: Vec<Pattern> = patterns.iter().map(|p| Pattern::new(p)).collect();
    let mut hits = vec![0usize; patterns.len()];
    let mut total = 0;
    for i in 0..catalog.len() {
        let mut any = false;
        for (k, p) in patterns.iter().enumerate() {
            if p.matches(catalog.lower(i)) {
                hits[k] += 1;
                any = true;
            }
        }
        if any {
            total += 1;
            console.out(catalog.name(i))?;
            console.out("\n")?;
        }
    }
    console.flush()?;
    let unmatched: Vec<String> = patterns
        .iter()
        .zip(&hits)
        .filter(|(_, n)| **n == 0)
        .map(|(p, _)| format!("`{p}` matches no action in the catalog"))
        .collect();
    for line in warnings::summarise("", unmatched.iter().map(String::as_str)) {
        console.warn(&line);
    }
    console.info(&format!("{} actions", thousands(total)));
    Ok(Exit::Ok)
}
