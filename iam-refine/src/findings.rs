//! Unused-permission findings: what IAM Access Analyzer says a role did not use.
//!
//! Accepted shapes (all may be mixed in one top-level array):
//! - `[{"serviceNamespace": "s3", "actions": ["GetBucketPolicy", ...]}]`;
//! - the output of `aws accessanalyzer get-finding-v2`: `findingDetails[].unusedPermissionDetails`
//!   with `actions: [{"action": "s3:GetObject", "lastAccessed": ...}]`, the action bare or
//!   prefixed;
//! - an entry without `actions`: the whole service is unused, including actions the
//!   catalog does not know yet. An empty `actions` list names nothing.
//!
//! Findings may also carry keep patterns ([`crate::RefineOptions::apply_keep`]): the unused
//! set is then what the findings name minus what a keep pattern matches, a difference of
//! languages over all strings. A wholly unused service with a kept action is still every
//! other string of the service, those the catalog does not know included.
//!
//! What counts, when the evidence is doubtful (statuses, pages, several findings, `null`),
//! is decided by the rules of `usage/findings_read.rs`, shared with the account reader:
//! only `ACTIVE` findings remove anything, and an action is unused only if every active
//! finding says so.
//!
//! [`Findings::resolve`] turns the names into catalog positions once, so that many
//! policies of one role can be refined against them.

use std::collections::BTreeSet;
use std::ops::Range;

use crate::catalog::Catalog;
use crate::json::quote;
use crate::pattern::Pattern;
use crate::policy::PolicyError;
use crate::usage::action_names::ActionName;

/// Errors in a findings file. Findings count from 1, in document order.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindingsError {
    /// The text is not (strict) JSON.
    #[error(transparent)]
    Text {
        /// The reader's error.
        #[from]
        source: PolicyError,
    },
    /// A finding of another type (`UnusedIAMRole`, `ExternalAccess`).
    #[error("finding type {} is not about unused permissions (expected `UnusedPermission`)", quote(.found))]
    FindingType {
        /// The `findingType` found.
        found: String,
    },
    /// JSON of no accepted shape.
    #[error("expected unused-permission findings (an array of {{serviceNamespace, actions}} or get-finding-v2 output), found {found}")]
    Shape {
        /// What was found, quoting its keys or text.
        found: String,
    },
    /// An object with keys of two shapes (`serviceNamespace` beside `findingDetails`).
    #[error("ambiguous findings: an object has both `{first}` and `{second}`, which belong to different shapes")]
    Ambiguous {
        /// The first key, in document order.
        first: String,
        /// The key of another shape.
        second: String,
    },
    /// A missing or malformed `serviceNamespace`.
    #[error("finding {finding}: `serviceNamespace` must be a non-empty string without `:`, `*` or `?`, found {found}")]
    Namespace {
        /// 1-based finding number.
        finding: usize,
        /// What was found (`nothing` when missing).
        found: String,
    },
    /// `actions` is not an array.
    #[error("finding {finding} ({service}): `actions` must be an array, found {found}")]
    ActionsType {
        /// 1-based finding number.
        finding: usize,
        /// The finding's service.
        service: String,
        /// What was found.
        found: String,
    },
    /// An item of `actions` that is neither a name nor an object with `action`.
    #[error("finding {finding} ({service}): expected an action name or an object with `action`, found {found}")]
    ActionType {
        /// 1-based finding number.
        finding: usize,
        /// The finding's service.
        service: String,
        /// What was found.
        found: String,
    },
    /// A prefixed action of another service (`ec2:RunInstances` in an `s3` finding).
    #[error("finding {finding} ({service}): {} is not an action of `{service}`", quote(.action))]
    OtherService {
        /// 1-based finding number.
        finding: usize,
        /// The finding's service.
        service: String,
        /// The action as written.
        action: String,
    },
    /// An action name with a wildcard, a `:` or whitespace, or an empty one.
    #[error("finding {finding} ({service}): {} is not an action name (findings name actions, not patterns)", quote(.action))]
    BadAction {
        /// 1-based finding number.
        finding: usize,
        /// The finding's service.
        service: String,
        /// The action as written.
        action: String,
    },
    /// `actions: null`: AWS omits `actions` for a wholly unused service and never writes
    /// `null`, so it is refused rather than read as the whole service unused.
    #[error("finding {finding} ({service}): `actions` is null; AWS omits `actions` for a wholly unused service and never writes null, so this is not read as the whole service unused")]
    ActionsNull {
        /// 1-based finding number.
        finding: usize,
        /// The finding's service.
        service: String,
    },
    /// A service named twice within one finding (on one page or two): which entry is
    /// right cannot be told.
    #[error("finding {finding}: service `{service}` is named again (first in finding {first}); a finding names each service once, so which entry is right cannot be told")]
    DuplicateService {
        /// 1-based finding number of the second entry.
        finding: usize,
        /// The service as written (lower-cased when it comes from another page).
        service: String,
        /// 1-based finding number of the first entry.
        first: usize,
    },
    /// A service named on two pages of one finding (the same `id` and `updatedAt`).
    #[error("service `{service}` is named on two pages of one finding (the same `id` and `updatedAt`); a finding names each service once, so which page is right cannot be told")]
    DuplicatePage {
        /// The service, lower-cased.
        service: String,
    },
    /// A field of a finding has the wrong JSON type (`status: null`).
    #[error("`{field}` must be {expected}, found {found}")]
    FieldType {
        /// The field's key.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A date of a finding (`analyzedAt`, `updatedAt`, `lastAccessed`) is not an ISO 8601
    /// date-time.
    #[error("`{field}` is not an ISO 8601 date-time: {}", quote(.value))]
    Date {
        /// The field's key.
        field: &'static str,
        /// Its value, as written.
        value: String,
    },
    /// A service or action last accessed after the finding was made (`analyzedAt`,
    /// `updatedAt`): a finding cannot know of later use.
    #[error("finding {finding}: {what} was last accessed at {}, after the finding was made; a finding cannot know of later use", quote(.accessed))]
    AccessedAfter {
        /// 1-based finding number.
        finding: usize,
        /// The service or action, as messages name it (``service `s3` ``, `` `s3:GetObject` ``).
        what: String,
        /// Its `lastAccessed`, as written.
        accessed: String,
    },
    /// Findings nested more deeply than any AWS output.
    #[error("findings nested more than {limit} levels deep")]
    TooDeep {
        /// The nesting accepted.
        limit: usize,
    },
}

/// A findings text, read: what is unused, and what the reader set aside or put together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingsRead {
    /// What the active findings agree is unused.
    pub findings: Findings,
    /// One line each: a finding set aside (``finding `f1` set aside: status is RESOLVED,
    /// not ACTIVE``), several findings put together.
    pub notes: Vec<String>,
    /// The first finding's `resource` (the principal's ARN), when it names one; whether
    /// all agree is for the caller to check.
    pub resource: Option<String>,
}

/// Unused actions and wholly unused services, as named (lower-cased for matching), minus
/// what the keep patterns match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// Full names, sorted by their lower-cased spelling, one entry a lower-cased name.
    actions: Vec<ActionName>,
    /// Lower-cased service prefixes with no action used at all.
    services: BTreeSet<String>,
    /// No string one of these matches is unused, whatever `actions` and `services` say.
    keep: Vec<Pattern>,
}

impl Findings {
    /// Reads findings in any accepted shape (see the module docs); the text is read
    /// strictly ([`crate::parse_json_text`]). The notes of [`Findings::read`] (findings set
    /// aside, several findings put together) are dropped: callers that report them use
    /// [`Findings::read`].
    ///
    /// # Errors
    ///
    /// As [`Findings::read`].
    pub fn parse(text: &str) -> Result<Findings, FindingsError> {
        Findings::read(text).map(|r| r.findings)
    }

    /// Reads findings in any accepted shape, with notes on what was set aside or put
    /// together. Only `ACTIVE` findings (or findings without `status`) count; several
    /// active ones count only where they all agree (see the module docs).
    ///
    /// # Errors
    ///
    /// [`FindingsError`] when the text is not JSON the strict reader accepts, is in none
    /// of the accepted shapes (the error says which shape it expected and what it found),
    /// or is doubtful evidence the rules refuse (`actions: null`, a service named twice in
    /// one finding, access after the finding was made).
    pub fn read(text: &str) -> Result<FindingsRead, FindingsError> {
        crate::usage::findings_read::read(text)
    }

    /// Findings naming these full action names (`s3:GetObject`) and wholly unused services.
    pub fn from_names<S: AsRef<str>>(actions: &[S], services: &[S]) -> Findings {
        let mut actions: Vec<ActionName> = actions
            .iter()
            .map(|a| ActionName::new(a.as_ref().to_string()))
            .collect();
        // As `(lower, written)` pairs were sorted: the first spelling in that order kept.
        actions.sort_by(|a, b| (a.lower(), a.written()).cmp(&(b.lower(), b.written())));
        actions.dedup_by(|b, a| a.lower() == b.lower());
        Findings {
            actions,
            services: services
                .iter()
                .map(|s| s.as_ref().to_ascii_lowercase())
                .collect(),
            keep: Vec::new(),
        }
    }

    /// Findings from actions already sorted by lower-cased name with one entry a name
    /// (what [`Findings::from_names`] makes of them), taken as they are.
    pub(crate) fn from_sorted(actions: Vec<ActionName>, services: BTreeSet<String>) -> Findings {
        debug_assert!(actions.windows(2).all(|w| w[0].lower() < w[1].lower()));
        Findings {
            actions,
            services,
            keep: Vec::new(),
        }
    }

    /// These findings minus what `keep` matches (added to the keep patterns they have).
    /// Named actions a pattern matches are dropped; a service a single pattern keeps whole
    /// (`s3:*`, `*`) is dropped; any other wholly unused service stays one, less what the
    /// patterns match, over all strings.
    #[must_use]
    pub(crate) fn keeping(&self, keep: &[Pattern]) -> Findings {
        let mut all = self.keep.clone();
        for p in keep {
            if !all.iter().any(|q| q.normalized() == p.normalized()) {
                all.push(p.clone());
            }
        }
        let kept = |lower: &str| all.iter().any(|p| p.matches(lower));
        Findings {
            actions: self
                .actions
                .iter()
                .filter(|name| !kept(name.lower()))
                .cloned()
                .collect(),
            services: self
                .services
                .iter()
                .filter(|s| {
                    let marker = format!("{s}:");
                    !all.iter().any(|p| p.contains_prefix(&marker))
                })
                .cloned()
                .collect(),
            keep: all,
        }
    }

    /// The unused full action names as written (none a keep pattern matches).
    pub fn actions(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().map(ActionName::written)
    }

    /// The wholly unused services (lower-cased), less what the keep patterns match.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.services.iter().map(String::as_str)
    }

    /// The keep patterns, as given: no string one of them matches is unused.
    pub fn keep_patterns(&self) -> impl Iterator<Item = &str> {
        self.keep.iter().map(Pattern::as_str)
    }

    /// Whether the findings name nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.services.is_empty()
    }

    /// Locates the findings in the catalog.
    #[must_use]
    pub fn resolve<'c>(&self, catalog: &'c Catalog) -> Unused<'c> {
        let kept = |lower: &str| self.keep.iter().any(|p| p.matches(lower));
        let mut indices = Vec::new();
        let mut extras = Vec::new();
        let mut whole = BTreeSet::new();
        let mut partial = BTreeSet::new();
        // The names are sorted as the catalog is: each is looked up from where the last
        // one was (a search over the whole catalog per name was 160 M instructions for
        // 100,000 findings against 1M names).
        let (mut from, mut previous) = (0, "");
        for name in &self.actions {
            let (lower, written) = (name.lower(), name.written());
            let service = lower.split_once(':').map_or("", |(s, _)| s);
            if self.services.contains(service) || kept(lower) {
                continue;
            }
            if lower < previous {
                // Not sorted after all (every constructor sorts): search from the start.
                from = 0;
            }
            previous = lower;
            let found = catalog.find_from(lower, from);
            from = match found {
                Ok(i) | Err(i) => i,
            };
            match found {
                Ok(i) => indices.push(i),
                Err(_) => extras.push(Extra {
                    lower: lower.to_string(),
                    written: written.to_string(),
                    service_marker: false,
                    partly_kept: false,
                }),
            }
        }
        for service in &self.services {
            let marker = format!("{service}:");
            if self.keep.iter().any(|p| p.contains_prefix(&marker)) {
                continue; // kept whole: nothing of it is unused
            }
            let partly_kept = self.keep.iter().any(|p| p.may_match_prefix(&marker));
            indices.extend(
                catalog
                    .prefix_range(&marker)
                    .filter(|&i| !partly_kept || !kept(catalog.lower(i))),
            );
            extras.push(Extra {
                lower: marker,
                written: format!("{service}:*"),
                service_marker: true,
                partly_kept,
            });
            if partly_kept {
                partial.insert(service.clone());
            } else {
                whole.insert(service.clone());
            }
        }
        indices.sort_unstable();
        indices.dedup();
        extras.sort_by(|a, b| a.lower.cmp(&b.lower));
        Unused {
            catalog,
            indices,
            extras,
            services: whole,
            partial,
            keep: self.keep.clone(),
            known_actions: self.actions.len(),
        }
    }
}

/// An unused name the catalog does not know, or a whole unused service's marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extra {
    /// Lower-cased full name, or `svc:` for a service marker.
    pub lower: String,
    /// As written in the findings, or `svc:*` for a service marker.
    pub written: String,
    /// Whether this is a wholly unused service's marker rather than an action.
    pub service_marker: bool,
    /// For a service marker: some keep pattern matches strings of the service, so what is
    /// unused is the service minus what they match ([`Unused::contains`] tells which), not
    /// all of `svc:*`.
    pub partly_kept: bool,
}

/// Findings located in one catalog.
#[derive(Debug, Clone)]
pub struct Unused<'c> {
    /// The catalog the findings were located in.
    pub catalog: &'c Catalog,
    /// Catalog positions of unused actions (including every action of an unused
    /// service), ascending.
    indices: Vec<usize>,
    /// Unknown unused actions and unused-service markers, sorted by `lower`. A marker
    /// `svc:` sorts where every name of that service would, so a prefix range over the
    /// extras tells whether a wildcard would reach into an unused service.
    extras: Vec<Extra>,
    /// Wholly unused services no keep pattern reaches into.
    services: BTreeSet<String>,
    /// Wholly unused services some keep pattern reaches into: unused is every string of
    /// the service that no keep pattern matches.
    partial: BTreeSet<String>,
    /// No string one of these matches is unused (`indices` and `extras` have them applied
    /// already; `partial` services need them at every question).
    keep: Vec<Pattern>,
    known_actions: usize,
}

impl Unused<'_> {
    /// Unused catalog positions, ascending.
    #[must_use]
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// The unused catalog positions within `range`.
    #[must_use]
    pub fn indices_in(&self, range: Range<usize>) -> &[usize] {
        let lo = self.indices.partition_point(|&i| i < range.start);
        let hi = self.indices.partition_point(|&i| i < range.end);
        &self.indices[lo..hi]
    }

    /// Whether any unused catalog position lies within `range` (one search where
    /// [`Unused::count_in`] makes two: the refiner asks this of every trie node it visits).
    #[must_use]
    pub fn any_in(&self, range: Range<usize>) -> bool {
        let lo = self.indices.partition_point(|&i| i < range.start);
        self.indices.get(lo).is_some_and(|&i| i < range.end)
    }

    /// How many unused catalog positions lie within `range`.
    #[must_use]
    pub fn count_in(&self, range: Range<usize>) -> usize {
        self.indices_in(range).len()
    }

    /// The unused names the catalog does not know, and the unused services' markers,
    /// sorted by lower-cased name.
    #[must_use]
    pub fn extras(&self) -> &[Extra] {
        &self.extras
    }

    /// Extras whose lower-cased name starts with `prefix`.
    #[must_use]
    pub fn extras_with_prefix(&self, prefix: &str) -> &[Extra] {
        let lo = self.extras.partition_point(|e| e.lower.as_str() < prefix);
        let len = self.extras[lo..].partition_point(|e| e.lower.starts_with(prefix));
        &self.extras[lo..lo + len]
    }

    /// Is the (lower-cased) full action name unused?
    #[must_use]
    pub fn contains(&self, lower: &str) -> bool {
        if let Some((service, _)) = lower.split_once(':') {
            if self.services.contains(service) {
                return true;
            }
            if self.partial.contains(service) {
                return !self.keeps(lower);
            }
        }
        match self.catalog.find(lower) {
            Some(i) => self.indices.binary_search(&i).is_ok(),
            None => self
                .extras
                .binary_search_by(|e| e.lower.as_str().cmp(lower))
                .is_ok_and(|k| !self.extras[k].service_marker),
        }
    }

    /// Is every action of `service` (lower-cased) unused, with no keep pattern reaching
    /// into it?
    #[must_use]
    pub fn service_unused(&self, service: &str) -> bool {
        self.services.contains(service)
    }

    /// Is `service` (lower-cased) wholly unused but for what keep patterns match?
    #[must_use]
    pub fn service_partly_kept(&self, service: &str) -> bool {
        self.partial.contains(service)
    }

    /// Does a keep pattern match the (lower-cased) full action name?
    #[must_use]
    pub fn keeps(&self, lower: &str) -> bool {
        self.keep.iter().any(|p| p.matches(lower))
    }

    /// The keep patterns (none when the findings were resolved without `keep`).
    #[must_use]
    pub fn keep_patterns(&self) -> &[Pattern] {
        &self.keep
    }

    /// Is some unused string that starts with `prefix` (lower-cased) outside the catalog:
    /// an unused name the catalog does not know, or any string of an unused service that
    /// no keep pattern matches? The catalog's own unused names are in [`Unused::indices`].
    ///
    /// Inside a service kept in part, `prefix` followed by anything must be matched by one
    /// keep pattern for the answer to be `false` (patterns that cover it only together are
    /// not recognised: the answer `true` is then conservative, never wrong the other way).
    #[must_use]
    pub fn unused_beyond_catalog(&self, prefix: &str) -> bool {
        if !self.extras_with_prefix(prefix).is_empty() {
            return true; // includes the markers of services that start with `prefix`
        }
        if self.services.is_empty() && self.partial.is_empty() {
            return false; // (asked of every trie node: the search for `:` is not needed)
        }
        let Some((service, _)) = prefix.split_once(':') else {
            return false;
        };
        self.services.contains(service)
            || (self.partial.contains(service)
                && !self.keep.iter().any(|p| p.contains_prefix(prefix)))
    }

    /// Whether nothing is unused.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty() && self.extras.is_empty()
    }

    /// How many actions the findings named one by one.
    #[must_use]
    pub fn named_actions(&self) -> usize {
        self.known_actions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_shape() {
        let f = Findings::parse(r#"[{"serviceNamespace": "s3", "actions": ["GetBucketPolicy", "s3:GetBucketAcl"]}, {"serviceNamespace": "sqs"}]"#)
            .expect("valid");
        assert_eq!(
            f.actions().collect::<Vec<_>>(),
            ["s3:GetBucketAcl", "s3:GetBucketPolicy"]
        );
        assert_eq!(f.services().collect::<Vec<_>>(), ["sqs"]);
    }

    #[test]
    fn get_finding_v2_shape() {
        let text = r#"{
            "analyzedAt": "2024-06-01T00:00:00Z", "findingType": "UnusedPermission", "status": "ACTIVE",
            "resource": "arn:aws:iam::123456789012:role/MyRole",
            "findingDetails": [
                {"unusedPermissionDetails": {"serviceNamespace": "lambda", "actions": [
                    {"action": "lambda:AddPermission", "lastAccessed": "2024-01-01T00:00:00Z"},
                    {"action": "CreateFunction"}], "lastAccessed": "2024-01-01T00:00:00Z"}},
                {"unusedPermissionDetails": {"serviceNamespace": "dynamodb"}}
            ]}"#;
        let f = Findings::parse(text).expect("valid");
        assert_eq!(
            f.actions().collect::<Vec<_>>(),
            ["lambda:AddPermission", "lambda:CreateFunction"]
        );
        assert_eq!(f.services().collect::<Vec<_>>(), ["dynamodb"]);
    }

    #[test]
    fn errors_are_specific() {
        let e = |t: &str| Findings::parse(t).unwrap_err().to_string();
        assert_eq!(
            e(r#"{"findingType": "UnusedIAMRole", "findingDetails": []}"#),
            "finding type `UnusedIAMRole` is not about unused permissions (expected `UnusedPermission`)"
        );
        assert_eq!(
            e(r#"[{"serviceNamespace": "s3", "actions": ["ec2:RunInstances"]}]"#),
            "finding 1 (s3): `ec2:RunInstances` is not an action of `s3`"
        );
        assert_eq!(
            e(r#"[{"serviceNamespace": "s3", "actions": ["Get*"]}]"#),
            "finding 1 (s3): `Get*` is not an action name (findings name actions, not patterns)"
        );
        assert_eq!(
            e(r#"[{"actions": []}]"#),
            "finding 1: `serviceNamespace` must be a non-empty string without `:`, `*` or `?`, found nothing"
        );
        assert!(
            e("[1,]").starts_with("invalid JSON at line 1, column 4"),
            "{}",
            e("[1,]")
        );
        assert_eq!(
            e(
                r#"[{"serviceNamespace": "s3", "serviceNamespace": "iam", "actions": ["CreateUser"]}]"#
            ),
            "invalid JSON at line 1, column 46: duplicate key `serviceNamespace`"
        );
        assert_eq!(
            e(r#"{"findingDetails": [], "serviceNamespace": "s3"}"#),
            "ambiguous findings: an object has both `findingDetails` and `serviceNamespace`, which belong to different shapes"
        );
        assert_eq!(
            e(r#"{"findingDetails": [], "findings": []}"#),
            "ambiguous findings: an object has both `findingDetails` and `findings`, which belong to different shapes"
        );
        assert_eq!(
            e(r#"[{"serviceNamespace": 3}]"#),
            "finding 1: `serviceNamespace` must be a non-empty string without `:`, `*` or `?`, found a number `3`"
        );
    }

    #[test]
    fn resolve_against_the_catalog() {
        let catalog = Catalog::embedded();
        let f = Findings::parse(
            r#"[{"serviceNamespace": "s3", "actions": ["GetObject", "GetNotARealAction"]}, {"serviceNamespace": "sqs"}, {"serviceNamespace": "brandnew"}]"#,
        )
        .expect("valid");
        let u = f.resolve(&catalog);
        let sqs = catalog.prefix_range("sqs:");
        assert_eq!(u.indices().len(), 1 + sqs.len());
        assert!(u.contains("s3:getobject"));
        assert!(u.contains("s3:getnotarealaction"));
        assert!(u.contains("sqs:sendmessage"));
        assert!(u.contains("brandnew:anything"));
        assert!(!u.contains("s3:putobject"));
        let markers: Vec<&str> = u.extras().iter().map(|e| e.lower.as_str()).collect();
        assert_eq!(markers, ["brandnew:", "s3:getnotarealaction", "sqs:"]);
        assert_eq!(u.extras_with_prefix("s3:get").len(), 1);
        assert_eq!(u.extras_with_prefix("").len(), 3);
    }
}
