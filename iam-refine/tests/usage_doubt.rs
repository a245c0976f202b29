//! The usage readers never read a file as saying more is unused than it does. Findings
//! files (one policy's and an account's) and Access Advisor reports are generated as data
//! (statuses, ids, stamps, pages, services in two cases, entries named twice, `null`s,
//! accesses after the finding, pages of two jobs), written out as JSON, read through the
//! public API, and compared with an oracle written here from the generated data alone:
//! either the reader refuses the file, exactly when the documented rules say it must, or
//! what it reports unused is exactly what the rules say (for findings: what every active
//! finding calls unused; for a report: what no entry shows used).
//!
//! `IAM_REFINE_FULL=1` runs 20,000 cases of each instead of 1,500.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use iam_refine::{AccountFindings, Findings, Usage, UsageOptions};

const RESOURCE: &str = "arn:aws:iam::123456789012:role/R";
const MADE: &str = "2024-06-05T11:00:00Z";
const LATER: &str = "2024-06-06T11:00:00Z";

/// Services in two spellings of one case-insensitive name, and actions likewise.
const SERVICES: &[&str] = &["s3", "S3", "sqs", "logs"];
const ACTIONS: &[&str] = &["GetObject", "getobject", "PutObject", "SendMessage"];

fn cases() -> u32 {
    if std::env::var_os("IAM_REFINE_FULL").is_some() {
        20_000
    } else {
        1_500
    }
}

/// Every full name the oracle is asked about: each service with each action.
fn universe() -> Vec<String> {
    let mut all = BTreeSet::new();
    for s in SERVICES {
        for a in ACTIONS {
            all.insert(format!("{s}:{a}").to_ascii_lowercase());
        }
    }
    all.into_iter().collect()
}

fn reported(f: &Findings, lower: &str) -> bool {
    let service = lower.split_once(':').map_or("", |(s, _)| s);
    f.services().any(|s| s == service) || f.actions().any(|a| a.eq_ignore_ascii_case(lower))
}

// ---------------------------------------------------------------- findings

#[derive(Debug, Clone)]
struct Action {
    name: &'static str,
    prefixed: bool,
    accessed_later: bool,
}

#[derive(Debug, Clone)]
enum Actions {
    Absent,
    Null,
    List(Vec<Action>),
}

#[derive(Debug, Clone)]
struct Entry {
    service: &'static str,
    actions: Actions,
}

#[derive(Debug, Clone)]
struct Finding {
    id: Option<&'static str>,
    status: Option<&'static str>,
    later: bool,
    other_resource: bool,
    entries: Vec<Entry>,
}

fn action() -> impl Strategy<Value = Action> {
    (
        prop::sample::select(ACTIONS),
        any::<bool>(),
        prop::bool::weighted(0.05),
    )
        .prop_map(|(name, prefixed, accessed_later)| Action {
            name,
            prefixed,
            accessed_later,
        })
}

fn entry() -> impl Strategy<Value = Entry> {
    let actions = prop_oneof![
        3 => Just(Actions::Absent),
        1 => Just(Actions::Null),
        6 => prop::collection::vec(action(), 0..3).prop_map(Actions::List),
    ];
    (prop::sample::select(SERVICES), actions)
        .prop_map(|(service, actions)| Entry { service, actions })
}

fn finding() -> impl Strategy<Value = Finding> {
    (
        prop::sample::select(vec![Some("f1"), Some("f2"), None]),
        prop::sample::select(vec![
            Some("ACTIVE"),
            Some("ACTIVE"),
            Some("RESOLVED"),
            Some("ARCHIVED"),
            None,
        ]),
        any::<bool>(),
        prop::bool::weighted(0.03),
        prop::collection::vec(entry(), 0..4),
    )
        .prop_map(|(id, status, later, other_resource, entries)| Finding {
            id,
            status,
            later,
            other_resource,
            entries,
        })
}

impl Finding {
    fn to_json(&self) -> Value {
        let details: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                let mut d = Map::new();
                d.insert("serviceNamespace".into(), json!(e.service));
                match &e.actions {
                    Actions::Absent => {}
                    Actions::Null => {
                        d.insert("actions".into(), Value::Null);
                    }
                    Actions::List(list) => {
                        let items: Vec<Value> = list
                            .iter()
                            .map(|a| {
                                let name = if a.prefixed {
                                    format!("{}:{}", e.service, a.name)
                                } else {
                                    a.name.to_string()
                                };
                                let mut item = json!({"action": name});
                                if a.accessed_later {
                                    item["lastAccessed"] = json!("2030-01-01T00:00:00Z");
                                }
                                item
                            })
                            .collect();
                        d.insert("actions".into(), Value::Array(items));
                    }
                }
                json!({"unusedPermissionDetails": d})
            })
            .collect();
        let mut f = json!({"findingType": "UnusedPermission",
            "resource": if self.other_resource { "arn:aws:iam::123456789012:role/Other" } else { RESOURCE },
            "analyzedAt": MADE, "updatedAt": if self.later { LATER } else { MADE },
            "findingDetails": details});
        if let Some(id) = self.id {
            f["id"] = json!(id);
        }
        if let Some(s) = self.status {
            f["status"] = json!(s);
        }
        f
    }

    fn active(&self) -> bool {
        matches!(self.status, None | Some("ACTIVE"))
    }
}

/// One finding's pages in the oracle: id, (stamp later or not, the other principal's),
/// page texts, entries.
type Group<'f> = (Option<&'f str>, (bool, bool), Vec<Value>, Vec<&'f Entry>);

/// What the rules say of a findings file: refused, or exactly these names unused.
fn findings_oracle(findings: &[Finding]) -> Option<BTreeSet<String>> {
    // Refused: malformed entries of an active finding (one set aside is not read).
    for f in findings.iter().filter(|f| f.active()) {
        for e in &f.entries {
            match &e.actions {
                Actions::Null => return None,
                Actions::List(list) if list.iter().any(|a| a.accessed_later) => return None,
                _ => {}
            }
        }
        let mut seen = BTreeSet::new();
        if !f
            .entries
            .iter()
            .all(|e| seen.insert(e.service.to_ascii_lowercase()))
        {
            return None;
        }
    }
    // Groups: an id, a stamp and a principal; a page read twice counts once; without an
    // id, alone. (Which principal a file is about is the command line's to check.)
    let mut groups: Vec<Group<'_>> = Vec::new();
    for f in findings.iter().filter(|f| f.active()) {
        let text = f.to_json();
        if let Some(g) = groups
            .iter_mut()
            .find(|g| f.id.is_some() && g.0 == f.id && g.1 == (f.later, f.other_resource))
        {
            if g.2.contains(&text) {
                continue;
            }
            g.2.push(text);
            g.3.extend(f.entries.iter());
            continue;
        }
        groups.push((
            f.id,
            (f.later, f.other_resource),
            vec![text],
            f.entries.iter().collect(),
        ));
    }
    // A service on two pages of one finding: refused.
    for g in &groups {
        let mut seen = BTreeSet::new();
        if !g
            .3
            .iter()
            .all(|e| seen.insert(e.service.to_ascii_lowercase()))
        {
            return None;
        }
    }
    if groups.is_empty() {
        return Some(BTreeSet::new());
    }
    let says = |entries: &[&Entry], name: &str| -> bool {
        let (service, action) = name.split_once(':').unwrap();
        entries
            .iter()
            .filter(|e| e.service.eq_ignore_ascii_case(service))
            .any(|e| match &e.actions {
                Actions::Absent => true,
                Actions::Null => unreachable!(),
                Actions::List(list) => list.iter().any(|a| a.name.eq_ignore_ascii_case(action)),
            })
    };
    Some(
        universe()
            .into_iter()
            .filter(|name| groups.iter().all(|g| says(&g.3, name)))
            .collect(),
    )
}

fn check_findings(findings: &[Finding]) -> Result<(), TestCaseError> {
    let values: Vec<Value> = findings.iter().map(Finding::to_json).collect();
    // One policy's file: a JSON array of the outputs.
    let text = Value::Array(values.clone()).to_string();
    let expected = findings_oracle(findings);
    match (Findings::read(&text), &expected) {
        (Err(_), None) => {}
        (Ok(read), Some(want)) => {
            for name in universe() {
                prop_assert_eq!(
                    reported(&read.findings, &name),
                    want.contains(&name),
                    "{} in {}",
                    name,
                    text
                );
            }
        }
        (got, want) => prop_assert!(false, "read {:?}, oracle {:?}, text {}", got, want, text),
    }
    // An account's: JSON lines, every finding about the one principal.
    if findings.iter().any(|f| f.other_resource) {
        return Ok(());
    }
    let lines: String = values.iter().map(|v| format!("{v}\n")).collect();
    let expected = findings_oracle(findings);
    match (
        AccountFindings::parse([("f.jsonl", lines.as_str())]),
        &expected,
    ) {
        (Err(_), None) => {}
        (Ok(account), Some(want)) => {
            let unused = account
                .principal(RESOURCE)
                .and_then(|p| p.unpack().expect("reads back").unused);
            for name in universe() {
                let got = unused.as_ref().is_some_and(|f| reported(f, &name));
                prop_assert_eq!(got, want.contains(&name), "{} in {}", name, lines);
            }
        }
        (got, want) => prop_assert!(false, "read {:?}, oracle {:?}, lines {}", got, want, lines),
    }
    Ok(())
}

// ---------------------------------------------------------------- Access Advisor

#[derive(Debug, Clone)]
enum Time {
    Absent,
    Null,
    /// Days before the job completed.
    DaysBefore(u8),
}

#[derive(Debug, Clone)]
struct Service {
    namespace: &'static str,
    last: Time,
    tracked: Option<Vec<(&'static str, Time)>>,
}

#[derive(Debug, Clone)]
struct Page {
    other_job: bool,
    truncated: Option<bool>,
    services: Vec<Service>,
}

fn time() -> impl Strategy<Value = Time> {
    prop_oneof![
        4 => Just(Time::Absent),
        1 => Just(Time::Null),
        8 => (0u8..200).prop_map(Time::DaysBefore),
    ]
}

fn service() -> impl Strategy<Value = Service> {
    (
        prop::sample::select(SERVICES),
        time(),
        prop::option::weighted(
            0.8,
            prop::collection::vec((prop::sample::select(ACTIONS), time()), 0..4),
        ),
    )
        .prop_map(|(namespace, last, tracked)| Service {
            namespace,
            last,
            tracked,
        })
}

fn page() -> impl Strategy<Value = Page> {
    (
        prop::bool::weighted(0.1),
        prop::sample::select(vec![None, Some(true), Some(false)]),
        prop::collection::vec(service(), 0..4),
    )
        .prop_map(|(other_job, truncated, services)| Page {
            other_job,
            truncated,
            services,
        })
}

const COMPLETED: i64 = 1_718_000_000;

fn stamp(days: u8) -> String {
    // Whole days before the completion, as a date-time AWS would print.
    let t = COMPLETED - i64::from(days) * 86_400;
    let days_since = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days_since + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

fn put_time(map: &mut Map<String, Value>, key: &str, t: &Time) {
    match t {
        Time::Absent => {}
        Time::Null => {
            map.insert(key.into(), Value::Null);
        }
        Time::DaysBefore(d) => {
            map.insert(key.into(), json!(stamp(*d)));
        }
    }
}

impl Page {
    fn to_json(&self) -> Value {
        let services: Vec<Value> = self
            .services
            .iter()
            .map(|s| {
                let mut m = Map::new();
                m.insert("ServiceNamespace".into(), json!(s.namespace));
                put_time(&mut m, "LastAuthenticated", &s.last);
                if let Some(tracked) = &s.tracked {
                    let items: Vec<Value> = tracked
                        .iter()
                        .map(|(name, t)| {
                            let mut a = Map::new();
                            a.insert("ActionName".into(), json!(name));
                            put_time(&mut a, "LastAccessedTime", t);
                            Value::Object(a)
                        })
                        .collect();
                    m.insert("TrackedActionsLastAccessed".into(), Value::Array(items));
                }
                Value::Object(m)
            })
            .collect();
        let created = if self.other_job {
            "2024-06-01T00:00:00Z".to_string()
        } else {
            stamp(0)
        };
        let mut p = json!({"JobStatus": "COMPLETED", "JobType": "ACTION_LEVEL",
            "JobCreationDate": created, "JobCompletionDate": stamp(0),
            "ServicesLastAccessed": services});
        if let Some(t) = self.truncated {
            p["IsTruncated"] = json!(t);
        }
        p
    }
}

fn days(t: &Time) -> Option<u8> {
    match t {
        Time::DaysBefore(d) => Some(*d),
        _ => None,
    }
}

/// What the rules say of a report: refused, or exactly these names unused (with
/// `unused_after` days, what was last used longer ago counts as unused too).
fn advisor_oracle(pages: &[Page], unused_after: Option<u8>) -> Option<BTreeSet<String>> {
    if pages.is_empty() {
        return None;
    }
    // Pages of two jobs, or a page after the last.
    if pages
        .iter()
        .skip(1)
        .any(|p| p.other_job != pages[0].other_job)
    {
        return None;
    }
    if pages[..pages.len() - 1]
        .iter()
        .any(|p| p.truncated == Some(false))
    {
        return None;
    }
    let all: Vec<&Service> = pages.iter().flat_map(|p| &p.services).collect();
    let mut seen = BTreeSet::new();
    for s in &all {
        if !seen.insert(s.namespace.to_ascii_lowercase()) || matches!(s.last, Time::Null) {
            return None;
        }
        let mut names = BTreeSet::new();
        for (name, t) in s.tracked.iter().flatten() {
            if !names.insert(name.to_ascii_lowercase()) || matches!(t, Time::Null) {
                return None;
            }
        }
    }
    // Fewer days before completion is more recent; stale is older than the cut-off.
    let stale = |d: Option<u8>| match (d, unused_after) {
        (None, _) => true,
        (Some(d), Some(after)) => d > after,
        (Some(_), None) => false,
    };
    let mut unused = BTreeSet::new();
    for name in universe() {
        let (service, action) = name.split_once(':').unwrap();
        let Some(s) = all
            .iter()
            .find(|s| s.namespace.eq_ignore_ascii_case(service))
        else {
            continue;
        };
        // The latest use any entry of the service shows.
        let latest = std::iter::once(days(&s.last))
            .chain(s.tracked.iter().flatten().map(|(_, t)| days(t)))
            .flatten()
            .min();
        if stale(latest) {
            unused.insert(name);
            continue;
        }
        if let Some((_, t)) = s
            .tracked
            .iter()
            .flatten()
            .find(|(n, _)| n.eq_ignore_ascii_case(action))
        {
            if stale(days(t)) {
                unused.insert(name);
            }
        }
    }
    Some(unused)
}

fn check_advisor(pages: &[Page], unused_after: Option<u8>) -> Result<(), TestCaseError> {
    let text: String = pages.iter().map(|p| format!("{}\n", p.to_json())).collect();
    let options = UsageOptions {
        unused_after: unused_after.map(u32::from),
    };
    let expected = advisor_oracle(pages, unused_after);
    match (Usage::parse(&text, options), &expected) {
        (Err(_), None) => {}
        (Ok(read), Some(want)) => {
            let Usage::Unused(f) = &read.usage else {
                panic!("a report is read as unused actions");
            };
            for name in universe() {
                prop_assert_eq!(
                    reported(f, &name),
                    want.contains(&name),
                    "{} in {}",
                    name,
                    text
                );
            }
        }
        (got, want) => prop_assert!(false, "read {:?}, oracle {:?}, text {}", got, want, text),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn findings_never_say_more_is_unused_than_every_active_finding(
        findings in prop::collection::vec(finding(), 0..4)
    ) {
        check_findings(&findings)?;
    }

    #[test]
    fn access_advisor_never_removes_what_any_entry_shows_used(
        pages in prop::collection::vec(page(), 1..3),
        unused_after in prop::option::of(0u8..200),
    ) {
        check_advisor(&pages, unused_after)?;
    }
}

#[test]
fn the_date_helper_writes_what_the_reader_reads() {
    assert_eq!(stamp(0), "2024-06-10T06:13:20Z");
    assert_eq!(stamp(1), "2024-06-09T06:13:20Z");
}
