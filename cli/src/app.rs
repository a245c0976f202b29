//! The command line: arguments (clap) resolved into a plain configuration before any
//! work, then one function per subcommand. `anyhow` is used here and nowhere in the library.

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use iam_refine::{Catalog, Pattern};

use crate::args::{Args, Command};
use crate::{io, refine_cmd};

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success (for `verify`: proved).
    Ok = 0,
    /// Bad input or another error; nothing was written.
    Error = 1,
    /// A refinement was refuted: the witness action is on stdout.
    Counterexample = 3,
    /// The solver could not decide (timeout or gave up); nothing is claimed.
    Unknown = 4,
}

impl Exit {
    /// The worse of two outcomes: an error outranks a counterexample, which outranks an
    /// unknown, which outranks success.
    pub fn worse(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Ok => 0,
            Exit::Unknown => 1,
            Exit::Counterexample => 2,
            Exit::Error => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

pub fn run() -> Result<Exit> {
    let args = Args::parse();
    match args.command {
        Command::Refine(a) => {
            let config = refine_cmd::Config::resolve(a)?;
            refine_cmd::run(&config)
        }
        #[cfg(feature = "verify")]
        Command::Verify(a) => crate::verify_cmd::run(&a),
        Command::Expand { patterns, catalog } => {
            let catalog = io::load_catalog(catalog.as_deref())?;
            expand(&catalog, &patterns)
        }
        Command::Catalog { catalog, services } => {
            let catalog = io::load_catalog(catalog.as_deref())?;
            describe_catalog(&catalog, services)
        }
    }
}

fn expand(catalog: &Catalog, patterns: &[String]) -> Result<Exit> {
    use std::io::Write;
    let patterns: Vec<Pattern> = patterns.iter().map(|p| Pattern::new(p)).collect();
    let mut hits = vec![0usize; patterns.len()];
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
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
            writeln!(out, "{}", catalog.name(i))?;
        }
    }
    out.flush()?;
    for (p, n) in patterns.iter().zip(&hits) {
        if *n == 0 {
            eprintln!("iam-refine: warning: `{p}` matches no action in the catalog");
        }
    }
    eprintln!("{} actions", io::thousands(total));
    Ok(Exit::Ok)
}

fn describe_catalog(catalog: &Catalog, services: bool) -> Result<Exit> {
    let info = catalog.info();
    let list = catalog.services();
    if services {
        for (s, r) in &list {
            println!("{s}\t{}", r.len());
        }
        return Ok(Exit::Ok);
    }
    println!("date:     {}", info.date.as_deref().unwrap_or("unknown"));
    println!("source:   {}", info.source);
    println!("services: {}", io::thousands(list.len()));
    println!("actions:  {}", io::thousands(catalog.len()));
    for (level, n) in catalog.level_counts() {
        println!("  {:<24}{:>7}", level.name(), io::thousands(n));
    }
    Ok(Exit::Ok)
}
