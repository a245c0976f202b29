//! What a principal used and did not use, from every source iam-refine reads:
//! - unused-permission findings ([`crate::Findings`] for one policy; [`AccountFindings`]
//!   for an account: a folder or JSON-lines file of `get-finding-v2` outputs);
//! - IAM Access Advisor reports ([`AccessAdvisorReport`]);
//! - observed usage, the actions a principal was seen to use ([`ObservedUsage`]).
//!
//! [`Usage::parse`] detects which one a text is, and says which shapes it accepts when it
//! is none of them. Every source ends as [`crate::Findings`]: what the refiner removes.

pub(crate) mod action_names;
mod advisor;
mod analyzer;
mod date;
pub(crate) mod findings_read;
mod held;
mod observed;

use std::borrow::Cow;

use serde_json::Value;

use crate::catalog::Catalog;
use crate::document::parse_json_text;
use crate::findings::{Findings, FindingsError};
use crate::json::kind as json_kind;
use crate::policy::{Policy, PolicyError};

pub use advisor::AccessAdvisorReport;
pub use analyzer::{
    AccountFindings, AccountFindingsError, AccountFindingsReader, IgnoredFinding,
    PrincipalFindings, ReportedFinding, UnusedRole,
};
pub use held::HeldFindings;
pub use observed::ObservedUsage;

/// The shapes [`Usage::parse`] accepts, for messages.
pub const ACCEPTED_SHAPES: &str = "unused-permission findings (`aws accessanalyzer get-finding-v2` output, or [{\"serviceNamespace\": ..., \"actions\": [...]}]), an Access Advisor report (`aws iam get-service-last-accessed-details` output of an ACTION_LEVEL job), or the actions used (one per line, a JSON array of names, or a policy listing them as iamlive writes)";

/// Errors in a usage source.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// The text is not JSON the strict reader accepts, or a used-actions policy is not a
    /// valid policy.
    #[error("{source}")]
    Text {
        /// What the strict reader or the policy reader refused.
        source: PolicyError,
    },
    /// A page of an Access Advisor report is not JSON the strict reader accepts.
    #[error("page {page} (line {line}): {source}")]
    Page {
        /// The page, from 1.
        page: usize,
        /// The line (from 1) the page starts on.
        line: usize,
        /// What the strict reader refused.
        source: PolicyError,
    },
    /// The text is none of the accepted sources ([`ACCEPTED_SHAPES`]), or is empty.
    #[error("expected {ACCEPTED_SHAPES}; found {found}")]
    Unrecognised {
        /// What it is instead (`an empty text`, `an object with keys ...`, a JSON kind).
        found: String,
    },
    /// The text looks like unused-permission findings but the findings reader refuses it.
    #[error("{source}")]
    Findings {
        /// What the findings reader refused.
        source: FindingsError,
    },
    /// An Access Advisor report whose job has not completed (`IN_PROGRESS`, `FAILED`).
    #[error("the Access Advisor job is {status}, not COMPLETED{message}")]
    AdvisorJob {
        /// Its `JobStatus`.
        status: String,
        /// `: ` and the job's `Error.Message`, or empty when it has none.
        message: String,
    },
    /// An Access Advisor report lacks a field it needs (`JobStatus`, a service's
    /// `ServiceNamespace`, an action's `ActionName`; `JobCompletionDate` with
    /// [`UsageOptions::unused_after`]).
    #[error("{what}: `{field}` is missing")]
    MissingField {
        /// Where, as messages name it (`the Access Advisor report`, ``service `s3` ``,
        /// `ServicesLastAccessed item 2`).
        what: String,
        /// The missing field's key.
        field: &'static str,
    },
    /// A field of an Access Advisor report has the wrong JSON type.
    #[error("{what}: `{field}` must be {expected}, found {found}")]
    Field {
        /// Where, as in [`UsageError::MissingField`].
        what: String,
        /// The field's key.
        field: &'static str,
        /// What it must be (`a string`, `an array`, `in an object`).
        expected: &'static str,
        /// The JSON kind found.
        found: &'static str,
    },
    /// A date of an Access Advisor report (`JobCompletionDate`, `LastAuthenticated`,
    /// `LastAccessedTime`) is not an ISO 8601 date-time.
    #[error("`{field}` is not an ISO 8601 date-time: `{value}`")]
    Date {
        /// The field's key.
        field: &'static str,
        /// Its value, as written.
        value: String,
    },
    /// An Access Advisor service lists a tracked action prefixed by another service
    /// (`ec2:RunInstances` under `s3`).
    #[error("service `{service}`: `{action}` is not an action of `{service}`")]
    OtherService {
        /// The service's `ServiceNamespace`.
        service: String,
        /// The action's `ActionName`, as written.
        action: String,
    },
    /// An Access Advisor tracked action's name is empty, or holds a wildcard, a colon or
    /// whitespace.
    #[error("service `{service}`: `{action}` is not an action name")]
    BadAction {
        /// The service's `ServiceNamespace`.
        service: String,
        /// The action name, without its service prefix.
        action: String,
    },
    /// The pages of an Access Advisor report are of two different jobs (their `JobType`,
    /// `JobCreationDate` or `JobCompletionDate` differ), or a page follows one that says no
    /// more follow (`IsTruncated: false`).
    #[error("pages 1 and {page} of the Access Advisor report are of two different jobs: {detail}; give the pages of one job")]
    TwoJobs {
        /// The page (from 1) that differs from the first.
        page: usize,
        /// What differs (``` `JobCreationDate` `2024-06-05T12:00:00Z` and `2024-06-06T...` ```).
        detail: String,
    },
    /// An Access Advisor report names a service twice (on one page or two): which entry
    /// is right cannot be told.
    #[error("the Access Advisor report names service `{service}` twice ({first} and {second}); which entry is right cannot be told")]
    DuplicateService {
        /// The service as written the second time.
        service: String,
        /// Where first (`page 1, item 3`).
        first: String,
        /// Where again.
        second: String,
    },
    /// An Access Advisor service lists a tracked action twice.
    #[error("service `{service}`: tracked action `{action}` is listed twice; which entry is right cannot be told")]
    DuplicateAction {
        /// The service's `ServiceNamespace`.
        service: String,
        /// The action's name, as written the second time.
        action: String,
    },
    /// A field of an Access Advisor report whose absence means "never accessed" is `null`:
    /// AWS omits it and never writes `null`, so `null` is no evidence of non-use.
    #[error("{what}: `{field}` is null; AWS omits it for what was never accessed and never writes null, so this is not read as never accessed")]
    Null {
        /// Where, as in [`UsageError::MissingField`].
        what: String,
        /// The field's key.
        field: &'static str,
    },
    /// An Access Advisor `ServiceNamespace` that is empty or holds a wildcard, a colon or
    /// whitespace.
    #[error("`{service}` is not a service namespace")]
    BadService {
        /// The `ServiceNamespace`, as written.
        service: String,
    },
    /// A policy listing used actions has a statement that does not list them plainly (a
    /// Deny, or `NotAction`).
    #[error("used actions: statement {statement} is {what}; a policy of used actions lists them in Allow statements' `Action`")]
    UsedStatement {
        /// The statement, from 1.
        statement: usize,
        /// `a Deny` or `` `NotAction` ``.
        what: &'static str,
    },
    /// A used action is not of the form `service:Action` (wildcards allowed), or a JSON
    /// array of used actions holds something other than a string.
    #[error("used action {entry}: expected an action name (`service:Action`), found {found}")]
    UsedEntry {
        /// Where: the line (from 1) of a plain list, the position (from 1) in a JSON array
        /// or among a policy's actions.
        entry: usize,
        /// The entry in backticks, or the JSON kind found.
        found: String,
    },
}

/// Which source a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageKind {
    /// Unused-permission findings.
    Findings,
    /// An Access Advisor report.
    AccessAdvisor,
    /// The actions used.
    Used,
}

impl UsageKind {
    /// The kind as messages name it (`unused-permission findings`, `an Access Advisor
    /// report`, `a list of used actions`).
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            UsageKind::Findings => "unused-permission findings",
            UsageKind::AccessAdvisor => "an Access Advisor report",
            UsageKind::Used => "a list of used actions",
        }
    }
}

/// What one principal did not use, or used: the input of one refinement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Usage {
    /// The unused actions and services, from findings or an Access Advisor report.
    Unused(Findings),
    /// The actions used; unused is the rest of what the policies allow.
    Used(ObservedUsage),
}

/// A usage source, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRead {
    /// What it says was (not) used.
    pub usage: Usage,
    /// Which kind of source it is.
    pub kind: UsageKind,
    /// What the reader set aside, put together or could not use, one line each (findings
    /// not `ACTIVE`, several findings, a truncated Access Advisor report).
    pub notes: Vec<String>,
    /// The principal's ARN, when findings name it (`resource`).
    pub resource: Option<String>,
    /// The findings text as [`parse_json_text`] read it, for a caller that reads more from
    /// it than what was unused (the CLI checks the `resource` of every finding) without
    /// parsing a large file twice. `None` for other kinds of source.
    pub findings_json: Option<Value>,
}

impl UsageRead {
    fn of(usage: Usage, kind: UsageKind) -> UsageRead {
        UsageRead {
            usage,
            kind,
            notes: Vec::new(),
            resource: None,
            findings_json: None,
        }
    }
}

/// How to read a usage source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageOptions {
    /// With Access Advisor: what was last used more than this many days before the report
    /// was made counts as unused too.
    pub unused_after: Option<u32>,
}

/// Which kind of source `value` is, if any.
pub fn detect(value: &Value) -> Option<UsageKind> {
    match value {
        Value::Object(map) => {
            if AccessAdvisorReport::is_report(value) {
                Some(UsageKind::AccessAdvisor)
            } else if [
                "findingType",
                "findingDetails",
                "unusedPermissionDetails",
                "serviceNamespace",
            ]
            .iter()
            .any(|k| map.contains_key(*k))
            {
                Some(UsageKind::Findings)
            } else if map.contains_key("Statement") {
                Some(UsageKind::Used)
            } else {
                None
            }
        }
        // `[]` names nothing unused, as it always has for `--unused`.
        Value::Array(items) if items.is_empty() => Some(UsageKind::Findings),
        Value::Array(items) if items.iter().all(Value::is_string) => Some(UsageKind::Used),
        Value::Array(items) if items.iter().all(|i| detect(i) == Some(UsageKind::Findings)) => {
            Some(UsageKind::Findings)
        }
        _ => None,
    }
}

impl Usage {
    /// Reads a usage source of any accepted kind.
    ///
    /// # Errors
    ///
    /// [`UsageError::Unrecognised`] when the text is none of the accepted shapes
    /// ([`ACCEPTED_SHAPES`]); otherwise the error of the reader of the kind it is.
    pub fn parse(text: &str, options: UsageOptions) -> Result<UsageRead, UsageError> {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.is_empty() {
            return Err(UsageError::Unrecognised {
                found: "an empty text".to_string(),
            });
        }
        if !trimmed.starts_with(['{', '[', '%']) {
            return Ok(UsageRead::of(
                Usage::Used(ObservedUsage::parse(text)?),
                UsageKind::Used,
            ));
        }
        // Access Advisor pages may come one after another; the others are one JSON text.
        // One bracketed value is read whole, without cutting the text first (a tenth of
        // reading a 4 MB findings file): when it parses, cutting would have found just it
        // (after one BOM, only JSON whitespace surrounds it; see `json_values::split`).
        let body = text
            .strip_prefix('\u{feff}')
            .unwrap_or(text)
            .trim_matches([' ', '\t', '\r', '\n']);
        let bracketed = (body.starts_with('{') && body.ends_with('}'))
            || (body.starts_with('[') && body.ends_with(']'));
        let whole = if bracketed {
            parse_json_text(text).ok()
        } else {
            None
        };
        let value = match whole {
            Some(value) => value,
            None => match crate::json_values::split(text).as_slice() {
                [one] => parse_json_text(one.text).map_err(|source| UsageError::Text { source })?,
                [first, ..] => {
                    let value = parse_json_text(first.text)
                        .map_err(|source| UsageError::Text { source })?;
                    if !AccessAdvisorReport::is_report(&value) {
                        return Err(UsageError::Unrecognised {
                            found: "several JSON values one after another".to_string(),
                        });
                    }
                    value
                }
                [] => {
                    return Err(UsageError::Unrecognised {
                        found: "an empty text".to_string(),
                    })
                }
            },
        };
        match detect(&value) {
            Some(UsageKind::Findings) => {
                // The one value of the text, as `Findings::read` would parse it again.
                let read = crate::usage::findings_read::read_value(&value)
                    .map_err(|source| UsageError::Findings { source })?;
                Ok(UsageRead {
                    usage: Usage::Unused(read.findings),
                    kind: UsageKind::Findings,
                    notes: read.notes,
                    resource: read.resource,
                    findings_json: Some(value),
                })
            }
            Some(UsageKind::AccessAdvisor) => {
                let report = AccessAdvisorReport::parse(text)?;
                let mut read = UsageRead::of(
                    Usage::Unused(report.unused(options.unused_after)?),
                    UsageKind::AccessAdvisor,
                );
                read.notes = report.warnings().to_vec();
                Ok(read)
            }
            Some(UsageKind::Used) => Ok(UsageRead::of(
                Usage::Used(ObservedUsage::from_value(&value)?),
                UsageKind::Used,
            )),
            None => Err(UsageError::Unrecognised {
                found: describe(&value),
            }),
        }
    }

    /// [`Usage::unused_in`], borrowed when the source names what is unused itself (no
    /// copy of a large findings file per policy).
    pub fn unused_in_cow<'p>(
        &self,
        policies: impl IntoIterator<Item = &'p Policy>,
        catalog: &Catalog,
    ) -> Cow<'_, Findings> {
        match self {
            Usage::Unused(f) => Cow::Borrowed(f),
            Usage::Used(used) => Cow::Owned(used.unused_in(policies, catalog)),
        }
    }

    /// The findings for a principal carrying `policies` (only a [`Usage::Used`] needs them).
    pub fn unused_in<'p>(
        &self,
        policies: impl IntoIterator<Item = &'p Policy>,
        catalog: &Catalog,
    ) -> Findings {
        self.unused_in_cow(policies, catalog).into_owned()
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Object(map) if map.is_empty() => "an empty object".to_string(),
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).take(4).collect();
            format!("an object with keys {}", keys.join(", "))
        }
        Value::Array(_) => "an array mixing other values".to_string(),
        other => json_kind(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Result<UsageKind, String> {
        Usage::parse(text, UsageOptions::default())
            .map(|r| r.kind)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn detects_each_source() {
        assert_eq!(
            kind(r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}]"#),
            Ok(UsageKind::Findings)
        );
        assert_eq!(
            kind(
                r#"{"findingType": "UnusedPermission", "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "sqs"}}]}"#
            ),
            Ok(UsageKind::Findings)
        );
        assert_eq!(kind("[]"), Ok(UsageKind::Findings));
        assert_eq!(
            kind(
                r#"{"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL", "ServicesLastAccessed": []}"#
            ),
            Ok(UsageKind::AccessAdvisor)
        );
        assert_eq!(kind("s3:GetObject\n"), Ok(UsageKind::Used));
        assert_eq!(kind(r#"["s3:GetObject"]"#), Ok(UsageKind::Used));
        assert_eq!(
            kind(
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#
            ),
            Ok(UsageKind::Used)
        );
    }

    #[test]
    fn nothing_fitting_lists_the_accepted_shapes() {
        let e = kind(r#"{"PolicyVersion": {}}"#).unwrap_err();
        assert!(e.starts_with("expected unused-permission findings"), "{e}");
        assert!(e.contains("Access Advisor report"), "{e}");
        assert!(e.contains("the actions used"), "{e}");
        assert!(
            e.ends_with("found an object with keys PolicyVersion"),
            "{e}"
        );
        assert!(kind(r#"[{"serviceNamespace": "s3"}, "s3:GetObject"]"#)
            .unwrap_err()
            .ends_with("found an array mixing other values"));
        assert!(kind("").unwrap_err().ends_with("found an empty text"));
        assert!(kind("[1]\n[2]")
            .unwrap_err()
            .ends_with("several JSON values one after another"));
    }

    #[test]
    fn a_text_read_whole_is_read_as_when_cut_into_values() {
        let one = r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}]"#;
        // One value, with what may surround it: read whole, and as one piece.
        for text in [
            one.to_string(),
            format!("\u{feff} \r\n{one}\n\t "),
            format!("\u{feff}\u{feff}{one}"),
        ] {
            let read = Usage::parse(&text, UsageOptions::default()).expect("one value");
            assert_eq!(read.kind, UsageKind::Findings, "{text:?}");
            assert_eq!(
                read.findings_json,
                Some(parse_json_text(one).expect("valid")),
                "{text:?}"
            );
        }
        // Not one value once cut (a separator JSON does not count as whitespace, a second
        // value, two bracketed values): refused as before.
        for text in [
            format!("{one}\u{2028}"),
            format!("{one}\n{one}"),
            format!("{one}{one}"),
            format!("\u{a0}{one}\n[]"),
        ] {
            let e = kind(&text).unwrap_err();
            assert!(e.contains("several JSON values"), "{text:?}: {e}");
        }
        // Invalid JSON is reported by the parser.
        assert!(
            kind(r#"[{"serviceNamespace": "s3", "serviceNamespace": "s3"}]"#)
                .unwrap_err()
                .contains("duplicate key")
        );
    }

    #[test]
    fn each_source_ends_as_findings() {
        let catalog = Catalog::embedded();
        let policy = Policy::parse(
            r#"{"Statement": {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}}"#,
        )
        .expect("policy");
        let usage = Usage::parse("s3:GetObject", UsageOptions::default())
            .expect("valid")
            .usage;
        let f = usage.unused_in([&policy], &catalog);
        assert_eq!(f.actions().collect::<Vec<_>>(), ["s3:PutObject"]);
        let advisor = r#"{"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL", "JobCompletionDate": "2024-06-05T00:00:00Z",
            "ServicesLastAccessed": [{"ServiceNamespace": "s3", "LastAuthenticated": "2024-06-01T00:00:00Z",
              "TrackedActionsLastAccessed": [{"ActionName": "GetObject", "LastAccessedTime": "2024-06-01T00:00:00Z"}, {"ActionName": "PutObject"}]}]}"#;
        let read = Usage::parse(advisor, UsageOptions::default()).expect("valid");
        let usage = read.usage;
        assert_eq!(read.kind, UsageKind::AccessAdvisor);
        assert_eq!(
            usage
                .unused_in([&policy], &catalog)
                .actions()
                .collect::<Vec<_>>(),
            ["s3:PutObject"]
        );
        let usage = Usage::parse(
            advisor,
            UsageOptions {
                unused_after: Some(2),
            },
        )
        .expect("valid")
        .usage;
        assert_eq!(
            usage
                .unused_in([&policy], &catalog)
                .services()
                .collect::<Vec<_>>(),
            ["s3"]
        );
    }
}
