//! Reading `--unused` and `--used`: which kind of usage source a file is, decided by its
//! content ([`Usage::parse`]), checked against the flag it was given with, and the one
//! fact the recommendation format wants from it (the finding's `resource`, the role or
//! user it is about).
//!
//! `--unused` takes what names the unused actions: unused-permission findings (today's
//! `[{"serviceNamespace", "actions"}]`, `get-finding-v2` output) or an Access Advisor
//! report. `--used` takes what names the used ones (one per line, a JSON array, an iamlive
//! policy); unused is then resolved per policy ([`Usage::unused_in`]).

use std::borrow::Cow;

use iam_refine::{
    Catalog, Findings, Policy, Usage, UsageError, UsageKind, UsageOptions, ACCEPTED_SHAPES,
};

use crate::config::UsageSource;
use crate::input::{self, display_name, InputError};
use crate::names::{self, NamesError};

#[derive(Debug, thiserror::Error)]
pub enum UsageInputError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{name}: {source}")]
    Invalid {
        name: String,
        #[source]
        source: UsageError,
    },
    #[error("{name}: expected {ACCEPTED_SHAPES}; found text that is not JSON and not one action name per line")]
    Unrecognised { name: String },
    #[error("{name} is {found}, which names what was used: give it with --used, not --unused")]
    UsedGivenAsUnused { name: String, found: &'static str },
    #[error("{name} is {found}, which names what was not used: give it with --unused, not --used")]
    UnusedGivenAsUsed { name: String, found: &'static str },
    #[error("--unused-after applies to an Access Advisor report; {name} is {found}")]
    UnusedAfter { name: String, found: &'static str },
    #[error(transparent)]
    Principal(#[from] NamesError),
}

/// A usage source, read and checked.
#[derive(Debug)]
pub struct UsageInput {
    pub usage: Usage,
    /// Which kind of source the file is.
    #[cfg_attr(not(feature = "verify"), allow(dead_code))] // read by `verify`
    pub kind: UsageKind,
    /// `resource` of a `get-finding-v2` output: the principal's ARN.
    pub resource_arn: Option<String>,
    /// Notes about the source (findings set aside or put together, an Access Advisor
    /// report truncated or without action-level data), for stderr.
    pub warnings: Vec<String>,
}

impl UsageInput {
    /// The findings for one policy: the source's own, or for observed usage what this
    /// policy allows and was not used.
    pub fn unused_in(&self, policy: &Policy, catalog: &Catalog) -> Cow<'_, Findings> {
        self.usage.unused_in_cow([policy], catalog)
    }
}

pub fn load(
    source: &UsageSource,
    unused_after: Option<u32>,
    limit: u64,
) -> Result<UsageInput, UsageInputError> {
    let path = source.path();
    let name = display_name(path);
    let text = input::read_input(path, limit)?;
    let options = UsageOptions { unused_after };
    let read = match Usage::parse(&text, options) {
        Ok(parsed) => parsed,
        // Plain text that is no list of action names is no shape at all; with `--used`
        // the line at fault says more.
        Err(UsageError::UsedEntry { .. }) if matches!(source, UsageSource::Unused(_)) => {
            return Err(UsageInputError::Unrecognised { name })
        }
        Err(source) => return Err(UsageInputError::Invalid { name, source }),
    };
    let kind = read.kind;
    let found = kind.describe();
    match (source, kind) {
        (UsageSource::Unused(_), UsageKind::Used) => {
            return Err(UsageInputError::UsedGivenAsUnused { name, found })
        }
        (UsageSource::Used(_), UsageKind::Findings | UsageKind::AccessAdvisor) => {
            return Err(UsageInputError::UnusedGivenAsUsed { name, found })
        }
        (_, UsageKind::Findings) if unused_after.is_some() => {
            return Err(UsageInputError::UnusedAfter { name, found })
        }
        _ => {}
    }
    // The findings as the library parsed them (a large file is not parsed twice).
    let resource_arn = match &read.findings_json {
        Some(value) => names::finding_principal(&name, value)?,
        None => None,
    };
    Ok(UsageInput {
        usage: read.usage,
        kind,
        resource_arn,
        warnings: read.notes,
    })
}
