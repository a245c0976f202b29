//! How unused-permission findings become what is unused, for one policy's file
//! ([`crate::Findings::read`]) and for a whole account ([`crate::AccountFindings`]) alike.
//!
//! The rules, for evidence that is doubtful (an action is removed only when the file says,
//! without contradiction, that it was not used):
//! - Only `ACTIVE` findings count (a finding without `status` is a hand-written one, and
//!   counts); `ARCHIVED`, `RESOLVED` or any other status is set aside, with a note naming
//!   it. A `status` that is not a string (`null` included) is refused.
//! - The pages of one finding (`get-finding-v2` pages its `findingDetails`: the same `id`
//!   and the same `updatedAt`) add up; a page read twice counts once. A service named twice
//!   within one finding (on one page or two) is refused: which entry is right cannot be
//!   told, and the one without `actions` would remove the whole service.
//! - Several findings about one principal (different ids, or one id with two `updatedAt`,
//!   i.e. read at two times): an action is unused only if every one of them says so
//!   (their intersection), with a note naming them. A service no finding mentions is used.
//! - `actions: null` is refused: AWS omits `actions` for a wholly unused service and
//!   never writes `null`, so `null` is no evidence that the whole service is unused.
//! - A `lastAccessed` (of a service or an action) later than the finding was made
//!   (`analyzedAt`, `updatedAt`) is refused: the finding cannot know of later use.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::action_names::{ActionName, ActionNames};
use super::date::parse_timestamp;
use crate::document::{check_unambiguous, describe_keys, parse_json_text};
use crate::findings::{Findings, FindingsError, FindingsRead};
use crate::json::{describe, quote};
use crate::policy::PolicyError;

/// How deep the accepted shapes nest (`findingDetails[].unusedPermissionDetails`).
const MAX_DEPTH: usize = 4;

/// What one finding (all of its pages) says is unused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Said {
    /// `(lower-cased full name, as written)`: in the order read until [`Said::settle`],
    /// then sorted with one entry a name (its first spelling). A list sorted once, not a
    /// map: a findings file of 100,000 actions spent more in map inserts than in parsing.
    pub(super) actions: Vec<ActionName>,
    /// Lower-cased services said to be wholly unused.
    pub(super) services: BTreeSet<String>,
    /// Lower-cased service -> the entry (from 1, in the file) that named it.
    pub(super) named: BTreeMap<String, usize>,
}

impl Said {
    /// Sorts the actions by lower-cased name, keeping the first spelling of each (the
    /// sort is stable). Two pages never share a name: a name's service is its entry's,
    /// and a service named on two pages is refused.
    fn settle(&mut self) {
        self.actions.sort_by(|a, b| a.lower().cmp(b.lower()));
        self.actions
            .dedup_by(|later, first| later.lower() == first.lower());
    }

    /// Does this finding say the lower-cased `action` is unused? (Once settled.)
    fn unused(&self, action: &str) -> bool {
        self.actions
            .binary_search_by(|name| name.lower().cmp(action))
            .is_ok()
            || action
                .split_once(':')
                .is_some_and(|(service, _)| self.services.contains(service))
    }

    /// Adds another page of the same finding; a service it names again is refused.
    fn add_page(&mut self, page: Said) -> Result<(), FindingsError> {
        if let Some(service) = page.named.keys().find(|s| self.named.contains_key(*s)) {
            return Err(FindingsError::DuplicatePage {
                service: service.clone(),
            });
        }
        self.actions.extend(page.actions);
        self.services.extend(page.services);
        self.named.extend(page.named);
        Ok(())
    }
}

/// A finding's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    /// `ACTIVE`, or no `status` at all (a hand-written finding).
    Active,
    /// Why it is set aside (`status is ARCHIVED, not ACTIVE`).
    SetAside(String),
}

/// One `get-finding-v2` output, read.
#[derive(Debug, Clone)]
pub(crate) struct FindingValue {
    pub(crate) id: Option<String>,
    /// `updatedAt` (else `analyzedAt`) as written: pages of one fetch share it.
    pub(crate) stamp: Option<String>,
    pub(crate) resource: Option<String>,
    pub(crate) status: Status,
    pub(crate) said: Said,
}

/// The finding's `status`, refused unless a string (or absent).
pub(crate) fn status(map: &Map<String, Value>) -> Result<Status, FindingsError> {
    match map.get("status") {
        None => Ok(Status::Active),
        Some(Value::String(s)) if s == "ACTIVE" => Ok(Status::Active),
        Some(Value::String(s)) => Ok(Status::SetAside(format!("status is {s}, not ACTIVE"))),
        Some(other) => Err(FindingsError::FieldType {
            field: "status",
            expected: "a string (ACTIVE, ARCHIVED or RESOLVED)",
            found: describe(other),
        }),
    }
}

fn string_field(
    map: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<String>, FindingsError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(FindingsError::FieldType {
            field,
            expected: "a string",
            found: describe(other),
        }),
    }
}

fn date_field(map: &Map<String, Value>, field: &'static str) -> Result<Option<i64>, FindingsError> {
    string_field(map, field)?
        .map(|text| {
            parse_timestamp(&text).ok_or(FindingsError::Date {
                field,
                value: text.clone(),
            })
        })
        .transpose()
}

/// Reads one finding object (`findingType` absent or `UnusedPermission`); `entry` counts
/// the entries of the whole file, for messages; its names are taken from `names`.
pub(crate) fn finding(
    map: &Map<String, Value>,
    entry: &mut usize,
    names: &mut ActionNames,
) -> Result<FindingValue, FindingsError> {
    match map.get("findingType") {
        None => {}
        Some(Value::String(t)) if t == "UnusedPermission" => {}
        Some(Value::String(t)) => return Err(FindingsError::FindingType { found: t.clone() }),
        Some(other) => {
            return Err(FindingsError::FieldType {
                field: "findingType",
                expected: "a string",
                found: describe(other),
            })
        }
    }
    let status = status(map)?;
    let id = string_field(map, "id")?;
    let resource = string_field(map, "resource")?;
    let updated = string_field(map, "updatedAt")?;
    let stamp = updated.or(string_field(map, "analyzedAt")?);
    let made = [
        date_field(map, "analyzedAt")?,
        date_field(map, "updatedAt")?,
    ]
    .into_iter()
    .flatten()
    .max();
    // A finding set aside is not read further: nothing in it counts, either way.
    if status != Status::Active {
        return Ok(FindingValue {
            id,
            stamp,
            resource,
            status,
            said: Said::default(),
        });
    }
    let details = ["findingDetails", "unusedPermissionDetails"]
        .iter()
        .find_map(|k| map.get(*k));
    let Some(details) = details else {
        return Err(FindingsError::Shape {
            found: describe_keys(map),
        });
    };
    let mut entries = Vec::new();
    collect_entries(details, &mut entries, 1)?;
    let mut said = Said::default();
    for e in entries {
        *entry += 1;
        read_entry(e, *entry, made, &mut said, names)?;
    }
    Ok(FindingValue {
        id,
        stamp,
        resource,
        status,
        said,
    })
}

/// A top-level piece of a findings text.
enum Piece<'v> {
    /// A `get-finding-v2` output (it has `findingType` or `findingDetails`).
    Finding(&'v Map<String, Value>),
    /// A loose `{"serviceNamespace", "actions"}` entry.
    Entry(&'v Map<String, Value>),
}

fn pieces<'v>(
    value: &'v Value,
    out: &mut Vec<Piece<'v>>,
    depth: usize,
) -> Result<(), FindingsError> {
    if depth > MAX_DEPTH {
        return Err(FindingsError::TooDeep { limit: MAX_DEPTH });
    }
    match value {
        Value::Array(items) => items
            .iter()
            .try_for_each(|item| pieces(item, out, depth + 1)),
        Value::Object(map) => {
            ambiguous(map)?;
            if map.contains_key("findingType") || map.contains_key("findingDetails") {
                out.push(Piece::Finding(map));
                return Ok(());
            }
            if map.contains_key("serviceNamespace") || map.contains_key("actions") {
                out.push(Piece::Entry(map));
                return Ok(());
            }
            for key in ["unusedPermissionDetails", "findings"] {
                if let Some(inner) = map.get(key) {
                    return pieces(inner, out, depth + 1);
                }
            }
            Err(FindingsError::Shape {
                found: describe_keys(map),
            })
        }
        other => Err(FindingsError::Shape {
            found: describe(other),
        }),
    }
}

fn ambiguous(map: &Map<String, Value>) -> Result<(), FindingsError> {
    match check_unambiguous(map) {
        Err(PolicyError::Ambiguous { first, second }) => {
            Err(FindingsError::Ambiguous { first, second })
        }
        _ => Ok(()),
    }
}

/// Walks a finding's details down to `{serviceNamespace, actions}` objects.
fn collect_entries<'v>(
    value: &'v Value,
    out: &mut Vec<&'v Map<String, Value>>,
    depth: usize,
) -> Result<(), FindingsError> {
    if depth > MAX_DEPTH {
        return Err(FindingsError::TooDeep { limit: MAX_DEPTH });
    }
    match value {
        Value::Array(items) => items
            .iter()
            .try_for_each(|item| collect_entries(item, out, depth + 1)),
        Value::Object(map) => {
            ambiguous(map)?;
            if map.contains_key("serviceNamespace") || map.contains_key("actions") {
                out.push(map);
                return Ok(());
            }
            if let Some(inner) = map.get("unusedPermissionDetails") {
                return collect_entries(inner, out, depth + 1);
            }
            Err(FindingsError::Shape {
                found: describe_keys(map),
            })
        }
        other => Err(FindingsError::Shape {
            found: describe(other),
        }),
    }
}

pub(crate) fn valid_part(s: &str) -> bool {
    if s.is_ascii() {
        // The same test on bytes (a findings file names 100,000s of actions): the ASCII
        // characters `char::is_whitespace` accepts are exactly these six.
        return !s.is_empty()
            && !s.bytes().any(|b| {
                matches!(
                    b,
                    b':' | b'*' | b'?' | b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r'
                )
            });
    }
    !s.is_empty()
        && !s
            .chars()
            .any(|c| matches!(c, ':' | '*' | '?') || c.is_whitespace())
}

/// Refuses a `lastAccessed` in `map` later than `made` (when its finding was made);
/// `what` names the service or action for the message, built only then.
fn accessed_after(
    map: &Map<String, Value>,
    finding: usize,
    made: Option<i64>,
    what: impl FnOnce() -> String,
) -> Result<(), FindingsError> {
    let Some(at) = date_field(map, "lastAccessed")? else {
        return Ok(());
    };
    match made {
        Some(made) if at > made => Err(FindingsError::AccessedAfter {
            finding,
            what: what(),
            accessed: string_field(map, "lastAccessed")?.unwrap_or_default(),
        }),
        _ => Ok(()),
    }
}

/// Reads one `{serviceNamespace, actions}` entry into `said`. `made` is when its finding
/// was made, when known: no access can be later.
fn read_entry(
    entry: &Map<String, Value>,
    finding: usize,
    made: Option<i64>,
    said: &mut Said,
    names: &mut ActionNames,
) -> Result<(), FindingsError> {
    let namespace = match entry.get("serviceNamespace") {
        Some(Value::String(s)) if valid_part(s) => s.clone(),
        Some(other) => {
            return Err(FindingsError::Namespace {
                finding,
                found: describe(other),
            })
        }
        None => {
            return Err(FindingsError::Namespace {
                finding,
                found: "nothing".to_string(),
            })
        }
    };
    let lower_ns = namespace.to_ascii_lowercase();
    if let Some(&first) = said.named.get(&lower_ns) {
        return Err(FindingsError::DuplicateService {
            finding,
            service: namespace,
            first,
        });
    }
    accessed_after(entry, finding, made, || format!("service `{namespace}`"))?;
    said.named.insert(lower_ns.clone(), finding);
    let list = match entry.get("actions") {
        None => {
            said.services.insert(lower_ns);
            return Ok(());
        }
        Some(Value::Array(list)) => list,
        Some(Value::Null) => {
            return Err(FindingsError::ActionsNull {
                finding,
                service: namespace,
            })
        }
        Some(other) => {
            return Err(FindingsError::ActionsType {
                finding,
                service: namespace,
                found: describe(other),
            })
        }
    };
    for item in list {
        let item_error = |found: String| FindingsError::ActionType {
            finding,
            service: namespace.clone(),
            found,
        };
        let name = match item {
            Value::String(s) => s,
            Value::Object(o) => {
                let name = match o.get("action") {
                    Some(Value::String(s)) => s,
                    Some(other) => return Err(item_error(describe(other))),
                    None => return Err(item_error("an object without `action`".to_string())),
                };
                accessed_after(o, finding, made, || match name.split_once(':') {
                    Some(_) => quote(name),
                    None => quote(&format!("{namespace}:{name}")),
                })?;
                name
            }
            other => return Err(item_error(describe(other))),
        };
        let bare = match name.split_once(':') {
            Some((svc, rest)) if svc.eq_ignore_ascii_case(&namespace) => rest,
            Some(_) => {
                return Err(FindingsError::OtherService {
                    finding,
                    service: namespace,
                    action: name.clone(),
                })
            }
            None => name.as_str(),
        };
        if !valid_part(bare) {
            return Err(FindingsError::BadAction {
                finding,
                service: namespace,
                action: name.clone(),
            });
        }
        let mut full = String::with_capacity(namespace.len() + 1 + bare.len());
        full.push_str(&namespace);
        full.push(':');
        full.push_str(bare);
        said.actions.push(names.get(&full));
    }
    Ok(())
}

/// One finding's pages so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Group {
    pub(super) id: Option<String>,
    pub(super) stamp: Option<String>,
    /// Findings of two principals are never pages of one.
    pub(super) resource: Option<String>,
    pub(super) said: Said,
    /// Each page's fingerprint, so that a page read twice counts once.
    pub(super) pages: Vec<PageId>,
}

/// The active findings about one principal, put together by the rules of the module docs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Current {
    pub(super) groups: Vec<Group>,
}

impl Current {
    /// Adds an active finding, or a page of one already added (same `id`, stamp and
    /// `resource`).
    /// `page` is its fingerprint, to tell a page read twice.
    ///
    /// # Errors
    ///
    /// [`FindingsError::DuplicatePage`] when the page names a service another page of the
    /// finding named.
    pub(crate) fn add(&mut self, finding: FindingValue, page: PageId) -> Result<(), FindingsError> {
        if finding.id.is_some() {
            if let Some(g) = self.groups.iter_mut().find(|g| {
                g.id == finding.id && g.stamp == finding.stamp && g.resource == finding.resource
            }) {
                if !g.pages.contains(&page) {
                    g.said.add_page(finding.said)?;
                    g.pages.push(page);
                }
                return Ok(());
            }
        }
        // Held until every finding is read (a principal's others may come last): an
        // organisation's findings are 100,000 of these, so no spare capacity is kept.
        let mut said = finding.said;
        said.actions.shrink_to_fit();
        if self.groups.is_empty() {
            // Most principals have one finding; later ones grow the list as usual (an
            // exact reserve on every push would copy it each time).
            self.groups.reserve_exact(1);
        }
        self.groups.push(Group {
            id: finding.id,
            stamp: finding.stamp,
            resource: finding.resource,
            said,
            pages: vec![page],
        });
        Ok(())
    }

    /// What every finding says is unused, and a note when there were several.
    pub(crate) fn finish(self) -> (Findings, Option<String>) {
        let note = self.note();
        (self.findings(), note)
    }

    /// A note naming the findings when there are several, of which only what all agree on
    /// is unused.
    pub(crate) fn note(&self) -> Option<String> {
        (self.groups.len() > 1).then(|| {
            let labels: Vec<String> = self
                .groups
                .iter()
                .map(|g| {
                    let repeated = self.groups.iter().filter(|o| o.id == g.id).count() > 1;
                    match (&g.id, &g.stamp) {
                        (Some(id), Some(stamp)) if repeated => {
                            format!("{} of {stamp}", quote(id))
                        }
                        (Some(id), _) => quote(id),
                        (None, _) => "one without an id".to_string(),
                    }
                })
                .collect();
            format!(
                "{} active unused-permission findings ({}): an action is taken as unused only if every one of them says so",
                self.groups.len(),
                labels.join(", ")
            )
        })
    }

    /// What every finding says is unused.
    pub(crate) fn findings(self) -> Findings {
        let mut groups = self.groups;
        for g in &mut groups {
            g.said.settle();
        }
        match groups.pop() {
            // One finding: everything it names is agreed, taken over without copies.
            Some(one) if groups.is_empty() => {
                Findings::from_sorted(one.said.actions, one.said.services)
            }
            last => {
                groups.extend(last);
                let said: Vec<&Said> = groups.iter().map(|g| &g.said).collect();
                agreed(&said)
            }
        }
    }
}

/// What all of `said` call unused: a service only if every one says the whole service is,
/// an action only if every one names it or its whole service.
fn agreed(said: &[&Said]) -> Findings {
    let Some((first, rest)) = said.split_first() else {
        return Findings::default();
    };
    let services: BTreeSet<String> = first
        .services
        .iter()
        .filter(|s| rest.iter().all(|o| o.services.contains(*s)))
        .cloned()
        .collect();
    // Every name any finding gives, with the spelling of the first finding that gives it
    // (a stable sort of the findings' lists in turn).
    let mut candidates: Vec<&ActionName> = said.iter().flat_map(|s| s.actions.iter()).collect();
    candidates.sort_by(|a, b| a.lower().cmp(b.lower()));
    candidates.dedup_by(|later, first| later.lower() == first.lower());
    let actions = candidates
        .into_iter()
        .filter(|name| said.iter().all(|s| s.unused(name.lower())))
        .cloned()
        .collect();
    Findings::from_sorted(actions, services)
}

/// Reads a findings text of any accepted shape (see [`crate::Findings`]).
pub(crate) fn read(text: &str) -> Result<FindingsRead, FindingsError> {
    let value = parse_json_text(text).map_err(|e| match e {
        PolicyError::Ambiguous { first, second } => FindingsError::Ambiguous { first, second },
        e => FindingsError::from(e),
    })?;
    read_value(&value)
}

/// Reads findings of any accepted shape from the text's value, as [`parse_json_text`]
/// gives it (so that a caller that has parsed the text need not parse it again).
pub(crate) fn read_value(value: &Value) -> Result<FindingsRead, FindingsError> {
    let mut found = Vec::new();
    pieces(value, &mut found, 0)?;
    let mut entry = 0;
    let mut names = ActionNames::default();
    let mut loose: Option<Said> = None;
    let mut current = Current::default();
    let mut notes = Vec::new();
    let mut resource: Option<String> = None;
    for piece in found {
        match piece {
            Piece::Entry(map) => {
                entry += 1;
                let said = loose.get_or_insert_with(Said::default);
                read_entry(map, entry, None, said, &mut names)?;
            }
            Piece::Finding(map) => {
                let f = finding(map, &mut entry, &mut names)?;
                // Which principal the file is about (and that it names one) is the
                // command line's to check, over every `resource` the file writes.
                if resource.is_none() {
                    resource.clone_from(&f.resource);
                }
                match &f.status {
                    Status::Active => current.add(f, PageId::of(map)?)?,
                    Status::SetAside(reason) => {
                        let label = f.id.as_deref().map(quote).unwrap_or_default();
                        let space = if label.is_empty() { "" } else { " " };
                        notes.push(format!("finding{space}{label} set aside: {reason}"));
                    }
                }
            }
        }
    }
    if let Some(said) = loose {
        current.groups.push(Group {
            id: None,
            stamp: None,
            resource: None,
            said,
            pages: Vec::new(),
        });
    }
    let (findings, note) = current.finish();
    notes.extend(note);
    Ok(FindingsRead {
        findings,
        notes,
        resource,
    })
}

/// A page's fingerprint, to tell a page read twice: the SHA-256 of the object as
/// `serde_json` prints it. Equal texts have equal fingerprints; different texts with equal
/// ones (a SHA-256 collision) would count a page once too often left out, which only keeps
/// its actions, never removes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageId(pub(super) [u8; 32]);

impl PageId {
    pub(crate) fn of<T: serde::Serialize + ?Sized>(value: &T) -> Result<PageId, FindingsError> {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        // Printing JSON values cannot fail (their keys are strings), nor can hashing; the
        // error is passed on rather than unwrapped all the same.
        serde_json::to_writer(&mut hasher, value).map_err(|e| FindingsError::Shape {
            found: e.to_string(),
        })?;
        Ok(PageId(hasher.finalize().into()))
    }
}

#[cfg(test)]
mod tests {
    use super::valid_part;

    #[test]
    fn valid_part_on_bytes_is_valid_part_on_chars() {
        let by_chars = |s: &str| {
            !s.is_empty()
                && !s
                    .chars()
                    .any(|c| matches!(c, ':' | '*' | '?') || c.is_whitespace())
        };
        for c in (0u32..0x3100).filter_map(char::from_u32) {
            for s in [c.to_string(), format!("Get{c}Object"), format!("{c}{c}")] {
                assert_eq!(valid_part(&s), by_chars(&s), "{s:?}");
            }
        }
        assert!(!valid_part(""));
    }
}
