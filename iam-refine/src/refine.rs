//! Refinement: a policy and its role's unused actions in, the least-privilege policy out.
//!
//! Rules, in the order the code applies them to each statement:
//! - Deny statements are never changed.
//! - In an Allow statement with `Action`, every entry is refined on its own against the
//!   catalog actions it allows minus the unused ones. An entry that allows no unused
//!   action stays as written; one that allows only unused actions goes; a wildcard that
//!   allows both is replaced by the shortest safe prefixes from the CamelCase trie
//!   ([`crate::trie`]), each of which stays inside the original pattern over all strings.
//! - In an Allow statement with `NotAction`, the unused actions it allows are added to
//!   `NotAction`, as wildcards where every catalog action a wildcard covers is unused and
//!   allowed by the statement (and that reach no string a keep pattern matches), and as
//!   `svc:*` for a wholly unused service, also one a keep pattern reaches into (`NotAction`
//!   cannot exclude all of a service but the kept part: a warning names the keep pattern).
//! - Entries are de-duplicated and an entry covered by another of the same statement is
//!   dropped; a statement left with no action is removed; a policy left with no statement
//!   is to be detached.
//! - Names the catalog does not know are kept (with a warning) unless the findings name
//!   them, in which case they go where they are written literally, and no new wildcard is
//!   allowed to reach them. The same holds for every string of a wholly unused service
//!   that no keep pattern matches ([`Unused::unused_beyond_catalog`]).

use std::collections::{BTreeMap, HashSet};

use crate::catalog::{AccessLevel, Catalog};
use crate::dedupe::{dedupe, Distinct, Item};
use crate::findings::Unused;
use crate::options::RefineOptions;
use crate::pattern::{Pattern, Shape};
use crate::policy::{ActionKey, Effect, Policy, Statement};
use crate::trie;

mod entry;

/// What refining one policy did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Entries in all Allow statements before and after.
    pub entries_before: usize,
    /// Entries in the Allow statements of the refined policy.
    pub entries_after: usize,
    /// Wildcard entries rewritten into narrower entries.
    pub entries_replaced: usize,
    /// Entries removed because everything they allowed is unused.
    pub entries_removed: usize,
    /// Entries removed as duplicates of, or covered by, another entry.
    pub entries_redundant: usize,
    /// Entries added to `NotAction` lists.
    pub not_action_added: usize,
    /// Allow statements removed because nothing they allowed is used.
    pub statements_removed: usize,
    /// Catalog actions the policy allowed and no longer allows, per access level.
    pub removed: BTreeMap<AccessLevel, usize>,
    /// Unused names the catalog does not know, removed where written literally.
    pub removed_unknown: usize,
}

impl Stats {
    /// Actions no longer allowed: catalog actions of every level, and unknown names.
    #[must_use]
    pub fn removed_total(&self) -> usize {
        self.removed.values().sum::<usize>() + self.removed_unknown
    }
}

/// The outcome for one policy.
#[derive(Debug, Clone)]
pub struct Refinement {
    /// The refined policy; with no statements when `detach` is set.
    pub policy: Policy,
    /// Every action of the policy is unused: detach it rather than write it.
    pub detach: bool,
    /// What the refinement did, for the summary.
    pub stats: Stats,
    /// Things the user should know, one line each (`statement 2: ...`).
    pub warnings: Vec<String>,
    /// For each statement of the refined policy, the index of the original statement it
    /// comes from (statements are only ever removed, never reordered or added).
    pub origins: Vec<usize>,
}

impl Refinement {
    /// Did anything change?
    #[must_use]
    pub fn changed(&self, original: &Policy) -> bool {
        self.detach || self.policy != *original
    }
}

/// What becomes of one entry.
#[derive(Debug, Clone)]
enum Outcome {
    Keep,
    Drop,
    Replace(Vec<Item>),
}

struct Refiner<'a, 'c> {
    catalog: &'c Catalog,
    unused: &'a Unused<'c>,
    /// Catalog positions no longer allowed (may repeat; counted at the end).
    removed: Vec<usize>,
    removed_unknown: HashSet<String>,
    /// Names written literally somewhere in the policy that the catalog does not know
    /// and the findings do not name, as `(lower-cased, as written)`, sorted. The user
    /// told us they exist, so a wildcard that allowed them keeps allowing them.
    unknown_kept: Vec<(String, String)>,
    warnings: Vec<String>,
    /// What each normalized pattern refined to, and joint matches not used yet.
    cache: entry::Cache,
}

/// Refines `policy` against `unused` (findings resolved in a catalog).
#[must_use]
pub fn refine(policy: &Policy, unused: &Unused<'_>) -> Refinement {
    refine_with(policy, unused, &RefineOptions::default())
}

/// [`refine()`] with opt-outs: statements whose `Sid` matches a `skip_sid` pattern are left
/// as written, like Deny statements. (`keep` patterns act on the findings:
/// [`RefineOptions::resolve`].)
#[must_use]
pub fn refine_with(policy: &Policy, unused: &Unused<'_>, options: &RefineOptions) -> Refinement {
    let mut r = Refiner {
        catalog: unused.catalog,
        unused,
        removed: Vec::new(),
        removed_unknown: HashSet::new(),
        unknown_kept: unknown_literals(policy, unused),
        warnings: Vec::new(),
        cache: entry::Cache::default(),
    };
    let mut stats = Stats::default();
    let mut statements = Vec::with_capacity(policy.statements.len());
    let mut origins = Vec::with_capacity(policy.statements.len());
    for (n, stmt) in policy.statements.iter().enumerate() {
        origins.push(n);
        let n = n + 1;
        if stmt.effect == Effect::Deny || options.skips(stmt) {
            statements.push(stmt.clone());
            continue;
        }
        stats.entries_before += stmt.patterns.len();
        let refined = match stmt.key {
            ActionKey::Action => r.refine_action(n, stmt, &mut stats),
            ActionKey::NotAction => Some(r.refine_not_action(n, stmt, &mut stats)),
        };
        if let Some(s) = refined {
            stats.entries_after += s.patterns.len();
            statements.push(s);
        } else {
            origins.pop();
            stats.statements_removed += 1;
        }
    }
    r.removed.sort_unstable();
    r.removed.dedup();
    for &i in &r.removed {
        *stats.removed.entry(r.catalog.level(i)).or_insert(0) += 1;
    }
    stats.removed_unknown = r.removed_unknown.len();
    let detach = statements.is_empty();
    Refinement {
        policy: policy.with_statements(statements),
        detach,
        stats,
        warnings: r.warnings,
        origins,
    }
}

impl Refiner<'_, '_> {
    fn refine_action(
        &mut self,
        n: usize,
        stmt: &Statement,
        stats: &mut Stats,
    ) -> Option<Statement> {
        self.match_jointly(&stmt.patterns);
        let mut out = Vec::with_capacity(stmt.patterns.len());
        let mut sources = 0;
        // Repeats are dropped as the list grows (the first stays, as in `dedupe`).
        let mut distinct = Distinct::new(self.catalog);
        let mut repeats = 0;
        for raw in &stmt.patterns {
            let pattern = Pattern::new(raw);
            let mut push = |item: Item| {
                if distinct.first(&item) {
                    out.push(item);
                } else {
                    repeats += 1;
                }
            };
            match self.refine_entry(n, &pattern) {
                Outcome::Keep => {
                    sources += 1;
                    push(Item::Written(raw.clone()));
                }
                Outcome::Drop => stats.entries_removed += 1,
                Outcome::Replace(entries) => {
                    sources += 1;
                    stats.entries_replaced += 1;
                    entries.into_iter().for_each(push);
                }
            }
        }
        stats.entries_redundant += repeats;
        // What one entry became is distinct and free of entries another covers (the
        // trie's nodes are disjoint runs, see `trie::select`), so a list from one source
        // needs no more; repeats are gone already in any case.
        let before = out.len();
        let out = if sources > 1 {
            dedupe(out, self.catalog, true)
        } else {
            out
        };
        stats.entries_redundant += before - out.len();
        let patterns: Vec<String> = out.iter().map(|i| i.render(self.catalog)).collect();
        (!patterns.is_empty()).then(|| stmt.with_patterns(patterns))
    }

    fn refine_not_action(&mut self, n: usize, stmt: &Statement, stats: &mut Stats) -> Statement {
        let catalog = self.catalog;
        let unused = self.unused;
        let excluded: Vec<Pattern> = stmt.patterns.iter().map(|p| Pattern::new(p)).collect();
        let allowed = |name: &str| !excluded.iter().any(|p| p.matches(name));

        // A wholly unused service goes as `svc:*`, even where part of it is excluded
        // already: the finding covers actions the catalog does not know yet. So does one
        // kept in part: `NotAction` cannot exclude "all of svc but what keep matches" (no
        // finite set of globs is that language), and the statement must allow nothing
        // unused, so the kept actions it allowed go too, and the warning says so.
        let mut additions: Vec<(String, String)> = Vec::new();
        for e in unused.extras() {
            if e.service_marker {
                if !excluded.iter().any(|p| p.contains_prefix(&e.lower)) {
                    additions.push((e.lower.clone(), e.written.clone()));
                    self.removed.extend(
                        catalog
                            .prefix_range(&e.lower)
                            .filter(|&i| allowed(catalog.lower(i))),
                    );
                    if e.partly_kept {
                        self.warn_keep_lost(n, &e.lower, &excluded);
                    }
                }
            } else if allowed(&e.lower) {
                self.removed_unknown.insert(e.lower.clone());
                additions.push((e.lower.clone(), e.written.clone()));
            }
        }
        let wanted: Vec<usize> = unused
            .indices()
            .iter()
            .copied()
            .filter(|&i| {
                let service = catalog.service(i).to_ascii_lowercase();
                !unused.service_unused(&service) && !unused.service_partly_kept(&service)
            })
            .filter(|&i| allowed(catalog.lower(i)))
            .collect();
        self.removed.extend(&wanted);
        let unknown_kept = &self.unknown_kept;
        // A wildcard added to `NotAction` takes out strings the catalog does not know too:
        // never one a name of the policy or a keep pattern stands for.
        let choices = trie::select(
            catalog,
            wanted.iter().copied(),
            |_| Some(0),
            |prefix, range| {
                let lo = wanted.partition_point(|&i| i < range.start);
                let hi = wanted.partition_point(|&i| i < range.end);
                hi - lo == range.len()
                    && !unknown_kept.iter().any(|(l, _)| l.starts_with(prefix))
                    && !unused
                        .keep_patterns()
                        .iter()
                        .any(|k| k.may_match_prefix(prefix))
            },
        );
        for c in choices {
            additions.push((c.lower_prefix(catalog).to_string(), c.render(catalog)));
        }
        if additions.is_empty() {
            return stmt.clone();
        }
        additions.sort();
        stats.not_action_added += additions.len();
        let mut items: Vec<Item> = stmt.patterns.iter().cloned().map(Item::Written).collect();
        items.extend(additions.into_iter().map(|(_, t)| Item::Written(t)));
        let before = items.len();
        let items = dedupe(items, catalog, false);
        stats.entries_redundant += before - items.len();
        stmt.with_patterns(items.iter().map(|i| i.render(catalog)).collect())
    }

    /// Statement `n`, a `NotAction` one, gains `svc:*` (`marker` is `svc:`) for a service
    /// the findings call unused but for what keep patterns match: names each keep pattern
    /// reaching into the service that the statement does not exclude already.
    fn warn_keep_lost(&mut self, n: usize, marker: &str, excluded: &[Pattern]) {
        let service = marker.trim_end_matches(':');
        for k in self.unused.keep_patterns() {
            if k.may_match_prefix(marker) && !excluded.iter().any(|x| x.covers(k)) {
                self.warnings.push(format!(
                    "statement {n}: `--keep {k}` cannot be honoured in this NotAction statement: the findings say all of `{service}` is unused, and NotAction cannot exclude all of `{service}:*` but what a keep pattern matches; `{service}:*` added (leave the statement as written with --skip-sid, or write it with Action)"
                ));
            }
        }
    }
}

/// Literal names of the policy that the catalog does not know and the findings do not name.
fn unknown_literals(policy: &Policy, unused: &Unused<'_>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = policy
        .statements
        .iter()
        .flat_map(|s| &s.patterns)
        .map(|p| (crate::pattern::normalize(p), p))
        .filter(|((_, _, shape), _)| *shape == Shape::Literal)
        .filter(|((norm, _, _), _)| unused.catalog.find(norm).is_none() && !unused.contains(norm))
        .map(|((norm, _, _), p)| (norm, p.clone()))
        .collect();
    out.sort();
    out.dedup_by(|b, a| a.0 == b.0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Findings;

    fn run(policy: &str, findings: &str) -> Refinement {
        let catalog = Box::leak(Box::new(Catalog::embedded()));
        let f = Findings::parse(findings).expect("findings");
        let u = f.resolve(catalog);
        refine(&Policy::parse(policy).expect("policy"), &u)
    }

    fn actions(r: &Refinement, stmt: usize) -> Vec<String> {
        r.policy.statements[stmt].patterns.clone()
    }

    #[test]
    fn entry_without_unused_action_stays_as_written() {
        let r = run(
            r#"{"Statement": {"Effect": "Allow", "Action": ["S3:get*", "ec2:DescribeInstances"], "Resource": "*"}}"#,
            r#"[{"serviceNamespace": "iam", "actions": ["CreateUser"]}]"#,
        );
        assert_eq!(actions(&r, 0), ["S3:get*", "ec2:DescribeInstances"]);
        assert_eq!(r.stats.removed_total(), 0);
    }

    #[test]
    fn literal_unused_entries_go_and_empty_statements_with_them() {
        let r = run(
            r#"{"Statement": [{"Effect": "Allow", "Action": "iam:CreateUser"}, {"Effect": "Allow", "Action": ["s3:GetObject", "S3:PUTOBJECT"]}]}"#,
            r#"[{"serviceNamespace": "iam", "actions": ["CreateUser"]}, {"serviceNamespace": "s3", "actions": ["PutObject"]}]"#,
        );
        assert_eq!(r.policy.statements.len(), 1);
        assert_eq!(actions(&r, 0), ["s3:GetObject"]);
        assert_eq!(r.stats.statements_removed, 1);
        assert_eq!(r.stats.removed_total(), 2);
        assert!(!r.detach);
    }

    #[test]
    fn everything_unused_means_detach() {
        let r = run(
            r#"{"Statement": [{"Effect": "Allow", "Action": "sqs:*"}]}"#,
            r#"[{"serviceNamespace": "sqs"}]"#,
        );
        assert!(r.detach);
        assert!(r.stats.removed_total() > 10);
    }

    #[test]
    fn wildcard_becomes_safe_prefixes_inside_the_original() {
        let r = run(
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:List*"}}"#,
            r#"[{"serviceNamespace": "s3", "actions": ["ListBucket"]}]"#,
        );
        let out = actions(&r, 0);
        assert!(!out
            .iter()
            .any(|e| e.eq_ignore_ascii_case("s3:ListBucket")
                || e.eq_ignore_ascii_case("s3:ListBucket*")));
        assert!(
            out.iter()
                .all(|e| e.to_ascii_lowercase().starts_with("s3:list")),
            "{out:?}"
        );
        // s3:ListBucket is unused but s3:ListBucketVersions etc. are not: the node
        // s3:ListBucket is unsafe, so its children appear.
        assert!(
            out.iter()
                .any(|e| e.starts_with("s3:ListBucket") && e.len() > "s3:ListBucket".len()),
            "{out:?}"
        );
        assert!(
            out.contains(&"s3:ListAccess*".to_string())
                || out.iter().any(|e| e.starts_with("s3:ListAccess")),
            "{out:?}"
        );
    }

    #[test]
    fn kept_action_on_an_unsafe_node_is_written_exactly() {
        let r = run(
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject*"}}"#,
            r#"[{"serviceNamespace": "s3", "actions": ["GetObjectAcl"]}]"#,
        );
        let out = actions(&r, 0);
        assert!(out.contains(&"s3:GetObject".to_string()), "{out:?}");
        assert!(out.contains(&"s3:GetObjectVersion*".to_string()), "{out:?}");
        assert!(
            !out.iter().any(|e| e.starts_with("s3:GetObjectAcl")),
            "{out:?}"
        );
    }

    #[test]
    fn inner_wildcards_get_wildcards_only_where_contained() {
        let r = run(
            r#"{"Statement": {"Effect": "Allow", "Action": "iam:*AccessKey*"}}"#,
            r#"[{"serviceNamespace": "iam", "actions": ["DeleteAccessKey"]}]"#,
        );
        let out = actions(&r, 0);
        let p = Pattern::new("iam:*AccessKey*");
        for e in &out {
            let q = Pattern::new(e);
            assert!(p.covers(&q), "{e} escapes the original");
        }
        assert!(out.contains(&"iam:CreateAccessKey".to_string()), "{out:?}");
        assert!(
            !out.iter().any(|e| e.contains("DeleteAccessKey")),
            "{out:?}"
        );
    }

    #[test]
    fn deny_statements_are_never_changed() {
        let text = r#"{"Statement": [{"Effect": "Deny", "Action": ["s3:*", "s3:GetObject"]}, {"Effect": "Allow", "Action": "s3:Get*"}]}"#;
        let r = run(
            text,
            r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}]"#,
        );
        assert_eq!(actions(&r, 0), ["s3:*", "s3:GetObject"]);
    }

    #[test]
    fn not_action_gains_the_unused_actions_it_allows() {
        let r = run(
            r#"{"Statement": {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}}"#,
            r#"[{"serviceNamespace": "iam", "actions": ["CreateUser"]}, {"serviceNamespace": "sqs"}, {"serviceNamespace": "s3", "actions": ["GetObject", "GetObjectAcl"]}]"#,
        );
        let out = actions(&r, 0);
        assert_eq!(out[0], "iam:*");
        assert!(out.contains(&"sqs:*".to_string()), "{out:?}");
        assert!(out.contains(&"s3:GetObject".to_string()), "{out:?}");
        assert!(out.contains(&"s3:GetObjectAcl".to_string()), "{out:?}");
        assert!(
            !out.iter().any(|e| e.eq_ignore_ascii_case("iam:CreateUser")),
            "already excluded: {out:?}"
        );
    }

    #[test]
    fn unknown_names_are_kept_with_a_warning_unless_unused() {
        let r = run(
            r#"{"Statement": {"Effect": "Allow", "Action": ["s3:GetFutureThing", "newsvc:Do", "newsvc:*", "s3:List*"]}}"#,
            r#"[{"serviceNamespace": "newsvc", "actions": ["Do"]}]"#,
        );
        let out = actions(&r, 0);
        assert_eq!(
            out,
            ["s3:GetFutureThing", "s3:List*"],
            "newsvc:* allowed only unused actions"
        );
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("`s3:GetFutureThing` is not in the catalog")),
            "{:?}",
            r.warnings
        );
        assert_eq!(r.stats.removed_unknown, 1);
    }

    #[test]
    fn unknown_unused_actions_make_prefixes_unsafe() {
        let r = run(
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject*"}}"#,
            r#"[{"serviceNamespace": "s3", "actions": ["GetObjectFuture"]}]"#,
        );
        let out = actions(&r, 0);
        assert!(!out.contains(&"s3:GetObject*".to_string()), "{out:?}");
        assert!(
            out.iter()
                .all(|e| !Pattern::new(e).matches("s3:getobjectfuture")),
            "{out:?}"
        );
    }

    #[test]
    fn unknown_names_stay_only_where_their_own_entry_allowed_them() {
        // A name the catalog does not know, written in another statement, must not be
        // added to a prefix wildcard that never matched it (a bug of an intermediate
        // version, found by the model test).
        let r = run(
            r#"{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject*"}, {"Effect": "Allow", "Action": ["newsvc:Thing", "s3:GetObjectFuture"]}]}"#,
            r#"[{"serviceNamespace": "s3", "actions": ["GetObjectAcl"]}]"#,
        );
        let first = actions(&r, 0);
        assert!(!first.iter().any(|e| e == "newsvc:Thing"), "{first:?}");
        assert!(
            first.contains(&"s3:GetObjectFuture".to_string()),
            "{first:?}"
        );
    }

    #[test]
    fn star_excludes_an_unknown_unused_service() {
        let r = run(
            r#"{"Statement": {"Effect": "Allow", "Action": "*"}}"#,
            r#"[{"serviceNamespace": "brandnew"}]"#,
        );
        let out = actions(&r, 0);
        assert!(out
            .iter()
            .all(|e| !Pattern::new(e).matches("brandnew:anything")));
        assert!(out.contains(&"s3:*".to_string()));
    }
}
