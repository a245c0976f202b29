//! IAM Access Advisor: `aws iam get-service-last-accessed-details` output, best of an
//! `ACTION_LEVEL` job (`aws iam generate-service-last-accessed-details --granularity
//! ACTION_LEVEL`).
//!
//! ```json
//! {"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL",
//!  "JobCompletionDate": "2024-06-05T12:00:03+00:00",
//!  "ServicesLastAccessed": [
//!    {"ServiceNamespace": "s3", "LastAuthenticated": "2024-06-01T08:00:00+00:00",
//!     "TrackedActionsLastAccessed": [
//!       {"ActionName": "GetObject", "LastAccessedTime": "2024-06-01T08:00:00+00:00"},
//!       {"ActionName": "PutObject"}]},
//!    {"ServiceNamespace": "sqs", "TotalAuthenticatedEntities": 0}]}
//! ```
//!
//! What is unused: a tracked action with no `LastAccessedTime` (or, with `unused_after`
//! days, one last accessed longer ago than that before the job completed); every action of
//! a service never authenticated (or not within `unused_after` days), including actions
//! AWS adds to it later. Everything else is kept: actions of a service without action-level
//! tracking, and actions a tracked service does not track (`iam:PassRole` is never tracked).
//!
//! A report that is doubtful never removes what it shows used:
//! - refused, naming the conflict: pages of two jobs (their `JobType`, `JobCreationDate` or
//!   `JobCompletionDate` differ, or a page follows one with `IsTruncated: false`), a
//!   service named twice (on one page or two), a tracked action listed twice, `null` where
//!   an absent key would mean "never accessed" (`LastAuthenticated`, `LastAccessedTime`), a
//!   `ServiceNamespace` that is no namespace;
//! - kept, with a warning: a service whose tracked action was accessed later than the
//!   service was last authenticated, or never authenticated at all, is taken as last
//!   authenticated when that action was accessed (what any entry shows used is used).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::date::parse_timestamp;
use super::findings_read::valid_part;
use super::UsageError;
use crate::findings::Findings;
use crate::json::kind as json_kind;
use crate::json_values;

/// One service of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ServiceAccess {
    namespace: String,
    last_authenticated: Option<i64>,
    /// `None` when the service has no action-level data.
    tracked: Option<Vec<(String, Option<i64>)>>,
}

/// A completed Access Advisor report for one principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessAdvisorReport {
    job_type: Option<String>,
    /// `JobCompletionDate`, seconds since the epoch.
    completed_at: Option<i64>,
    services: Vec<ServiceAccess>,
    warnings: Vec<String>,
}

impl AccessAdvisorReport {
    /// Does `value` look like `get-service-last-accessed-details` output?
    #[must_use]
    pub fn is_report(value: &Value) -> bool {
        value.get("ServicesLastAccessed").is_some()
            || (value.get("JobStatus").is_some() && value.get("JobType").is_some())
    }

    /// Reads one output or several pages one after another (`--max-items` and
    /// `--starting-token`): their services are put together.
    ///
    /// # Errors
    ///
    /// [`UsageError`] when a page is not JSON the strict reader accepts, the job is not
    /// `COMPLETED`, or a field is missing, of the wrong type, or not a valid date or action
    /// name.
    pub fn parse(text: &str) -> Result<AccessAdvisorReport, UsageError> {
        let pages = json_values::parse_all(text).map_err(|e| UsageError::Page {
            page: e.index,
            line: e.line,
            source: e.source,
        })?;
        let mut report = AccessAdvisorReport {
            job_type: None,
            completed_at: None,
            services: Vec::new(),
            warnings: Vec::new(),
        };
        if pages.is_empty() {
            return Err(UsageError::Unrecognised {
                found: "an empty text".to_string(),
            });
        }
        let last = pages.len();
        let mut first: Option<JobFields> = None;
        let mut seen: HashMap<String, String> = HashMap::new();
        for (k, (page, _)) in pages.iter().enumerate() {
            let (job, truncated) = report.page(page, k + 1, &mut seen)?;
            match &first {
                None => first = Some(job),
                Some(first) => first.same_job(&job, k + 1)?,
            }
            if k + 1 < last && truncated == Some(false) {
                return Err(UsageError::TwoJobs {
                    page: k + 2,
                    detail: format!(
                        "page {} says it is the last (`IsTruncated` is false)",
                        k + 1
                    ),
                });
            }
            if k + 1 == last && truncated == Some(true) {
                report.warnings.push(
                    "the Access Advisor report says more pages follow (`IsTruncated`): \
                     services of the missing pages are treated as used"
                        .to_string(),
                );
            }
        }
        if report.job_type.as_deref() == Some("SERVICE_LEVEL") {
            report.warnings.push(
                "a SERVICE_LEVEL report names no actions: only wholly unused services are \
                 removed (run `generate-service-last-accessed-details --granularity \
                 ACTION_LEVEL` for actions)"
                    .to_string(),
            );
        }
        Ok(report)
    }

    /// Reads one page (`index` from 1; `seen` holds each lower-cased service read so far,
    /// with where); returns its job's fields and its `IsTruncated`.
    fn page(
        &mut self,
        page: &Value,
        index: usize,
        seen: &mut HashMap<String, String>,
    ) -> Result<(JobFields, Option<bool>), UsageError> {
        let Value::Object(map) = page else {
            return Err(UsageError::Unrecognised {
                found: json_kind(page).to_string(),
            });
        };
        let status = str_field(map, "report", "JobStatus")?;
        match status.as_deref() {
            Some("COMPLETED") => {}
            Some(other) => {
                let message = map
                    .get("Error")
                    .and_then(|e| e.get("Message"))
                    .and_then(Value::as_str)
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                return Err(UsageError::AdvisorJob {
                    status: other.to_string(),
                    message,
                });
            }
            None => {
                return Err(UsageError::MissingField {
                    what: "the Access Advisor report".to_string(),
                    field: "JobStatus",
                })
            }
        }
        let job = JobFields {
            job_type: str_field(map, "report", "JobType")?,
            created: str_field(map, "report", "JobCreationDate")?,
            completed: str_field(map, "report", "JobCompletionDate")?,
        };
        if let Some(t) = &job.job_type {
            self.job_type = Some(t.clone());
        }
        if let Some(date) = &job.completed {
            self.completed_at = Some(timestamp("JobCompletionDate", date)?);
        }
        if let Some(date) = &job.created {
            timestamp("JobCreationDate", date)?;
        }
        let services = match map.get("ServicesLastAccessed") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(items)) => items.as_slice(),
            Some(other) => {
                return Err(UsageError::Field {
                    what: "the Access Advisor report".to_string(),
                    field: "ServicesLastAccessed",
                    expected: "an array",
                    found: json_kind(other),
                })
            }
        };
        for (k, service) in services.iter().enumerate() {
            let what = format!("ServicesLastAccessed item {}", k + 1);
            let Value::Object(s) = service else {
                return Err(UsageError::Field {
                    what,
                    field: "ServiceNamespace",
                    expected: "in an object",
                    found: json_kind(service),
                });
            };
            let Some(namespace) = str_field(s, &what, "ServiceNamespace")? else {
                return Err(UsageError::MissingField {
                    what,
                    field: "ServiceNamespace",
                });
            };
            if !valid_part(&namespace) {
                return Err(UsageError::BadService { service: namespace });
            }
            let place = format!("page {index}, item {}", k + 1);
            if let Some(first) = seen.get(&namespace.to_ascii_lowercase()) {
                return Err(UsageError::DuplicateService {
                    service: namespace,
                    first: first.clone(),
                    second: place,
                });
            }
            seen.insert(namespace.to_ascii_lowercase(), place);
            let what = format!("service `{namespace}`");
            let mut last_authenticated = never_null(s, &what, "LastAuthenticated")?
                .map(|d| timestamp("LastAuthenticated", &d))
                .transpose()?;
            let tracked = match s.get("TrackedActionsLastAccessed") {
                None | Some(Value::Null) => None,
                Some(Value::Array(items)) => {
                    let mut actions: Vec<(String, Option<i64>)> = Vec::with_capacity(items.len());
                    for a in items {
                        let (name, at) = tracked_action(&namespace, a)?;
                        if actions.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                            return Err(UsageError::DuplicateAction {
                                service: namespace,
                                action: name,
                            });
                        }
                        actions.push((name, at));
                    }
                    Some(actions)
                }
                Some(other) => {
                    return Err(UsageError::Field {
                        what,
                        field: "TrackedActionsLastAccessed",
                        expected: "an array",
                        found: json_kind(other),
                    })
                }
            };
            // An action used means its service was: the latest use any entry shows wins.
            let latest = tracked
                .iter()
                .flatten()
                .filter_map(|(name, at)| at.map(|at| (at, name)))
                .max();
            if let Some((at, action)) =
                latest.filter(|(at, _)| last_authenticated.is_none_or(|t| *at > t))
            {
                let said = if last_authenticated.is_some() {
                    "was last authenticated before"
                } else {
                    "was never authenticated, yet"
                };
                self.warnings.push(format!(
                    "service `{namespace}` {said} its tracked action `{action}` was accessed: it is taken as last authenticated when `{action}` was, so nothing the report shows accessed is removed"
                ));
                last_authenticated = Some(at);
            }
            self.services.push(ServiceAccess {
                namespace,
                last_authenticated,
                tracked,
            });
        }
        let truncated = map.get("IsTruncated").and_then(Value::as_bool);
        Ok((job, truncated))
    }

    /// Notes about the report (truncated, service level only).
    #[must_use]
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The unused actions and services, as findings. With `unused_after` days, what was
    /// last used longer ago than that before the job's completion counts as unused too
    /// (the report must then have its `JobCompletionDate`).
    ///
    /// # Errors
    ///
    /// [`UsageError::MissingField`] when `unused_after` is given and the report has no
    /// `JobCompletionDate`.
    pub fn unused(&self, unused_after: Option<u32>) -> Result<Findings, UsageError> {
        let cutoff = match unused_after {
            None => None,
            Some(days) => {
                let completed = self.completed_at.ok_or(UsageError::MissingField {
                    what: "the Access Advisor report (needed for --unused-after)".to_string(),
                    field: "JobCompletionDate",
                })?;
                Some(completed - i64::from(days) * 86_400)
            }
        };
        let stale = |at: Option<i64>| match (at, cutoff) {
            (None, _) => true,
            (Some(t), Some(c)) => t < c,
            (Some(_), None) => false,
        };
        let mut actions = Vec::new();
        let mut services = Vec::new();
        for s in &self.services {
            if stale(s.last_authenticated) {
                services.push(s.namespace.clone());
                continue;
            }
            for (action, at) in s.tracked.iter().flatten() {
                if stale(*at) {
                    actions.push(format!("{}:{action}", s.namespace));
                }
            }
        }
        Ok(Findings::from_names(&actions, &services))
    }
}

/// The fields that tell a report's job apart, as one page writes them.
#[derive(Debug)]
struct JobFields {
    job_type: Option<String>,
    created: Option<String>,
    completed: Option<String>,
}

impl JobFields {
    /// Refuses page `page` when a field both pages write differs from the first page's.
    /// Dates are compared as instants, so two spellings of one date agree.
    fn same_job(&self, other: &JobFields, page: usize) -> Result<(), UsageError> {
        let fields = [
            ("JobType", &self.job_type, &other.job_type, false),
            ("JobCreationDate", &self.created, &other.created, true),
            ("JobCompletionDate", &self.completed, &other.completed, true),
        ];
        for (field, a, b, date) in fields {
            let (Some(a), Some(b)) = (a, b) else { continue };
            let same = if date {
                parse_timestamp(a) == parse_timestamp(b)
            } else {
                a == b
            };
            if !same {
                return Err(UsageError::TwoJobs {
                    page,
                    detail: format!("`{field}` is `{a}` on page 1 and `{b}` on page {page}"),
                });
            }
        }
        Ok(())
    }
}

/// A string field whose absence means "never": `null` is refused rather than read so.
fn never_null(
    map: &Map<String, Value>,
    what: &str,
    field: &'static str,
) -> Result<Option<String>, UsageError> {
    if map.get(field) == Some(&Value::Null) {
        return Err(UsageError::Null {
            what: what.to_string(),
            field,
        });
    }
    str_field(map, what, field)
}

fn str_field(
    map: &Map<String, Value>,
    what: &str,
    field: &'static str,
) -> Result<Option<String>, UsageError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(UsageError::Field {
            what: what.to_string(),
            field,
            expected: "a string",
            found: json_kind(other),
        }),
    }
}

fn timestamp(field: &'static str, text: &str) -> Result<i64, UsageError> {
    parse_timestamp(text).ok_or_else(|| UsageError::Date {
        field,
        value: text.to_string(),
    })
}

/// `{"ActionName": "GetObject", "LastAccessedTime": ...}`; the name bare or prefixed.
fn tracked_action(namespace: &str, value: &Value) -> Result<(String, Option<i64>), UsageError> {
    let what = format!("service `{namespace}`, a tracked action");
    let Value::Object(a) = value else {
        return Err(UsageError::Field {
            what,
            field: "ActionName",
            expected: "in an object",
            found: json_kind(value),
        });
    };
    let Some(name) = str_field(a, &what, "ActionName")? else {
        return Err(UsageError::MissingField {
            what,
            field: "ActionName",
        });
    };
    let bare = match name.split_once(':') {
        Some((svc, rest)) if svc.eq_ignore_ascii_case(namespace) => rest.to_string(),
        Some(_) => {
            return Err(UsageError::OtherService {
                service: namespace.to_string(),
                action: name,
            })
        }
        None => name,
    };
    if bare.is_empty() || bare.contains(['*', '?', ':']) || bare.contains(char::is_whitespace) {
        return Err(UsageError::BadAction {
            service: namespace.to_string(),
            action: bare,
        });
    }
    let at = never_null(
        a,
        &format!("service `{namespace}`, action `{bare}`"),
        "LastAccessedTime",
    )?
    .map(|d| timestamp("LastAccessedTime", &d))
    .transpose()?;
    Ok((bare, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// As `aws iam get-service-last-accessed-details --job-id ...` prints an `ACTION_LEVEL`
    /// report for a role allowed S3, SQS, DynamoDB and Lambda.
    fn report() -> Value {
        json!({
            "JobStatus": "COMPLETED",
            "JobType": "ACTION_LEVEL",
            "JobCreationDate": "2024-06-05T12:00:00.123000+00:00",
            "ServicesLastAccessed": [
                {"ServiceName": "Amazon S3", "ServiceNamespace": "s3",
                 "LastAuthenticated": "2024-06-01T08:00:00+00:00",
                 "LastAuthenticatedEntity": "arn:aws:iam::123456789012:role/MyRole",
                 "LastAuthenticatedRegion": "us-east-1", "TotalAuthenticatedEntities": 1,
                 "TrackedActionsLastAccessed": [
                    {"ActionName": "GetObject", "LastAccessedEntity": "arn:aws:iam::123456789012:role/MyRole",
                     "LastAccessedTime": "2024-06-01T08:00:00+00:00", "LastAccessedRegion": "us-east-1"},
                    {"ActionName": "ListBucket", "LastAccessedTime": "2023-01-01T00:00:00+00:00"},
                    {"ActionName": "PutObject"}]},
                {"ServiceName": "Amazon SQS", "ServiceNamespace": "sqs", "TotalAuthenticatedEntities": 0},
                {"ServiceName": "Amazon DynamoDB", "ServiceNamespace": "dynamodb",
                 "LastAuthenticated": "2023-02-01T00:00:00+00:00", "TotalAuthenticatedEntities": 1},
                {"ServiceName": "AWS Lambda", "ServiceNamespace": "lambda",
                 "LastAuthenticated": "2024-06-04T00:00:00+00:00", "TotalAuthenticatedEntities": 1}
            ],
            "JobCompletionDate": "2024-06-05T12:00:03.456000+00:00",
            "IsTruncated": false
        })
    }

    #[test]
    fn unused_is_what_was_never_accessed() {
        let r = AccessAdvisorReport::parse(&report().to_string()).expect("valid");
        assert!(r.warnings().is_empty());
        let f = r.unused(None).expect("findings");
        assert_eq!(f.actions().collect::<Vec<_>>(), ["s3:PutObject"]);
        assert_eq!(f.services().collect::<Vec<_>>(), ["sqs"]);
    }

    #[test]
    fn unused_after_counts_days_before_the_job_completed() {
        let r = AccessAdvisorReport::parse(&report().to_string()).expect("valid");
        let f = r.unused(Some(90)).expect("findings");
        assert_eq!(
            f.actions().collect::<Vec<_>>(),
            ["s3:ListBucket", "s3:PutObject"]
        );
        assert_eq!(f.services().collect::<Vec<_>>(), ["dynamodb", "sqs"]);
        // One day: even GetObject (4 days before) and Lambda (1.5 days) are stale.
        let f = r.unused(Some(1)).expect("findings");
        assert_eq!(
            f.services().collect::<Vec<_>>(),
            ["dynamodb", "lambda", "s3", "sqs"]
        );
        let mut no_date = report();
        no_date
            .as_object_mut()
            .expect("object")
            .remove("JobCompletionDate");
        let r = AccessAdvisorReport::parse(&no_date.to_string()).expect("valid");
        assert!(r.unused(None).is_ok());
        assert!(r
            .unused(Some(30))
            .unwrap_err()
            .to_string()
            .contains("`JobCompletionDate` is missing"));
    }

    #[test]
    fn pages_are_put_together() {
        let mut first = report();
        let services = first["ServicesLastAccessed"]
            .as_array_mut()
            .expect("array")
            .split_off(2);
        first["IsTruncated"] = json!(true);
        first["Marker"] = json!("m1");
        let mut second = report();
        second["ServicesLastAccessed"] = Value::Array(services);
        let text = format!("{first}\n{second}");
        let r = AccessAdvisorReport::parse(&text).expect("valid");
        assert_eq!(r.unused(Some(90)).expect("findings").services().count(), 2);
        let only_first = AccessAdvisorReport::parse(&first.to_string()).expect("valid");
        assert!(only_first.warnings()[0].contains("IsTruncated"));
    }

    #[test]
    fn unfinished_jobs_and_bad_values_are_errors() {
        let failed = json!({"JobStatus": "FAILED", "JobType": "ACTION_LEVEL",
            "JobCreationDate": "2024-06-05T12:00:00Z", "ServicesLastAccessed": [],
            "Error": {"Message": "The entity does not exist.", "Code": "NoSuchEntity"}});
        assert_eq!(
            AccessAdvisorReport::parse(&failed.to_string())
                .unwrap_err()
                .to_string(),
            "the Access Advisor job is FAILED, not COMPLETED: The entity does not exist."
        );
        let mut bad = report();
        bad["ServicesLastAccessed"][0]["TrackedActionsLastAccessed"][0]["LastAccessedTime"] =
            json!("last week");
        assert_eq!(
            AccessAdvisorReport::parse(&bad.to_string())
                .unwrap_err()
                .to_string(),
            "`LastAccessedTime` is not an ISO 8601 date-time: `last week`"
        );
        let mut bad = report();
        bad["ServicesLastAccessed"][0]["TrackedActionsLastAccessed"][0]["ActionName"] =
            json!("sqs:SendMessage");
        assert_eq!(
            AccessAdvisorReport::parse(&bad.to_string())
                .unwrap_err()
                .to_string(),
            "service `s3`: `sqs:SendMessage` is not an action of `s3`"
        );
    }
}
