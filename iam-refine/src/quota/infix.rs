//! Infix wildcards: the first way [`super::fit_quota`] shrinks a refined policy.
//!
//! Refining `s3:Get*` against a few unused `s3:Get...` actions writes dozens of entries
//! (`s3:GetBucketTagging`, `s3:GetJobTagging`, `s3:GetObjectTagging*`, ...). Where no unused
//! action ends the same way, one entry `s3:Get*Tagging` can stand for several of them. Such
//! an entry is new in kind (the refiner only ever writes names and trailing-`*` prefixes),
//! so every one is held to the two guarantees on its own:
//!
//! - **Contained over all strings.** A candidate is `P*S` with `P` and `S` literal, `P` a
//!   word prefix and `S` a word suffix of a kept action. It is only written when an entry
//!   `W` of the original statement contains *every* string that starts with `P`
//!   ([`Pattern::contains_prefix`]): every string `P*S` matches starts with `P`, so
//!   `P*S ⊆ W`. (`s3:Get*Tagging` inside `s3:Get*`; never `s3:*Tagging` inside `s3:Get*`.)
//! - **Exact over the catalog.** `P*S` matches no unused catalog action, no unused name the
//!   catalog does not know, and lies in no wholly unused service; with containment, every
//!   catalog action it matches is allowed by the original statement and not unused, so it is
//!   one the refined statement allows already. It replaces only entries that the refiner
//!   wrote (never one the user wrote) all of whose catalog actions, and all of whose
//!   matches among the names the policy writes that the catalog does not know, it matches.
//!
//! Replacing loses only strings outside the catalog that a replaced prefix entry allowed
//! (actions AWS may add later), which refinement may always drop. After a statement is
//! rewritten, both properties are checked again directly (the catalog sets before and
//! after are compared name by name); a statement that fails the check is left as refined.
//!
//! Choice: greedy by characters saved, lazily re-scored (a saving only shrinks as entries are
//! taken by other candidates), until the policy fits or nothing saves more.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

use crate::catalog::Catalog;
use crate::findings::Unused;
use crate::pattern::{Pattern, Shape};
use crate::policy::{ActionKey, Effect, Policy};
use crate::refine::Refinement;
use crate::trie::node_lengths;

/// What the infix step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InfixStats {
    /// Infix entries written.
    pub written: usize,
    /// Refined entries they replaced.
    pub replaced: usize,
    /// Characters saved (whitespace not counted).
    pub saved: usize,
    /// Statements whose rewrite failed the final check and were left as refined (never
    /// expected; a test holds it at 0).
    pub rejected: usize,
}

/// One entry of a refined statement.
struct Entry {
    text: String,
    /// Characters it takes in the array: the text, its quotes and a comma.
    cost: usize,
    /// Written by the refiner (not in the original statement) and replaceable.
    removable: bool,
    /// Catalog actions it matches, ascending.
    matches: Vec<usize>,
    /// Positions in the policy's unknown literals that it matches.
    literals: Vec<usize>,
    alive: bool,
}

struct Stmt {
    /// Position in the refined policy.
    index: usize,
    entries: Vec<Entry>,
    /// Accepted infix entries: (text, position of the first entry it replaced).
    added: Vec<(String, usize)>,
}

struct Candidate {
    stmt: usize,
    text: String,
    cost: usize,
    /// Entries (of its statement) that it covers.
    covers: Vec<usize>,
}

fn cost(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count() + 3
}

/// Names the original policy writes literally that the catalog does not know
/// (lower-cased): the verifier checks exactness over these too.
fn unknown_literals(original: &Policy, catalog: &Catalog) -> Vec<String> {
    let mut out: Vec<String> = original
        .statements
        .iter()
        .flat_map(|s| &s.patterns)
        .map(|p| Pattern::new(p))
        .filter(|p| p.shape() == Shape::Literal && catalog.find(p.normalized()).is_none())
        .map(|p| p.normalized().to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Rewrites entries of `refinement.policy` into infix wildcards, most characters saved
/// first, until its size is at most `target` (or as far as it goes, with `None`).
pub(crate) fn compress(
    original: &Policy,
    refinement: &Refinement,
    unused: &Unused<'_>,
    target: Option<usize>,
) -> (Policy, InfixStats) {
    let catalog = unused.catalog;
    let refined = &refinement.policy;
    let mut stats = InfixStats::default();
    let mut size = refined.size();
    if refinement.detach || target.is_some_and(|t| size <= t) {
        return (refined.clone(), stats);
    }
    let literals = unknown_literals(original, catalog);
    let mut stmts: Vec<Stmt> = Vec::new();
    let mut candidates: Vec<Candidate> = Vec::new();
    for (j, stmt) in refined.statements.iter().enumerate() {
        let Some(orig) = refinement
            .origins
            .get(j)
            .and_then(|&o| original.statements.get(o))
        else {
            continue;
        };
        if stmt.effect != Effect::Allow || stmt.key != ActionKey::Action {
            continue;
        }
        let written: Vec<String> = orig
            .patterns
            .iter()
            .map(|p| Pattern::new(p).normalized().to_string())
            .collect();
        let wildcards: Vec<Pattern> = orig
            .patterns
            .iter()
            .map(|p| Pattern::new(p))
            .filter(|p| p.shape() != Shape::Literal)
            .collect();
        if wildcards.is_empty() {
            continue;
        }
        let entries: Vec<Entry> = stmt
            .patterns
            .iter()
            .map(|text| entry(text, &written, catalog, &literals))
            .collect();
        if entries.iter().filter(|e| e.removable).count() < 2 {
            continue;
        }
        let k = stmts.len();
        let found = candidates_for(k, &entries, &wildcards, unused, &literals);
        if found.is_empty() {
            continue;
        }
        candidates.extend(found);
        stmts.push(Stmt {
            index: j,
            entries,
            added: Vec::new(),
        });
    }

    // Sizes are a policy's characters, far below `isize::MAX`.
    #[allow(clippy::cast_possible_wrap)]
    let gain = |c: &Candidate, stmts: &[Stmt]| -> isize {
        let freed: usize = c
            .covers
            .iter()
            .map(|&e| &stmts[c.stmt].entries[e])
            .filter(|e| e.alive)
            .map(|e| e.cost)
            .sum();
        freed as isize - c.cost as isize
    };
    let mut heap: BinaryHeap<(isize, Reverse<usize>)> = candidates
        .iter()
        .enumerate()
        .map(|(k, c)| (gain(c, &stmts), Reverse(k)))
        .filter(|(g, _)| *g > 0)
        .collect();
    while let Some((stored, Reverse(k))) = heap.pop() {
        if target.is_some_and(|t| size <= t) {
            break;
        }
        let c = &candidates[k];
        let now = gain(c, &stmts);
        if now <= 0 {
            continue;
        }
        if now < stored {
            heap.push((now, Reverse(k)));
            continue;
        }
        let s = &mut stmts[c.stmt];
        let mut first = usize::MAX;
        for &e in &c.covers {
            if s.entries[e].alive {
                s.entries[e].alive = false;
                first = first.min(e);
            }
        }
        s.added.push((c.text.clone(), first));
        size = size.saturating_sub(now.unsigned_abs());
    }

    let mut statements = refined.statements.clone();
    for s in &stmts {
        if s.added.is_empty() {
            continue;
        }
        let mut patterns = Vec::with_capacity(s.entries.len());
        for (e, entry) in s.entries.iter().enumerate() {
            for (text, at) in &s.added {
                if *at == e {
                    patterns.push(text.clone());
                }
            }
            if entry.alive {
                patterns.push(entry.text.clone());
            }
        }
        let old = &refined.statements[s.index];
        let orig = &original.statements[refinement.origins[s.index]];
        if !still_exact(&old.patterns, &patterns, &orig.patterns, unused, &literals) {
            stats.rejected += 1;
            continue;
        }
        stats.written += s.added.len();
        stats.replaced += s.entries.iter().filter(|e| !e.alive).count();
        statements[s.index] = old.with_patterns(patterns);
    }
    let policy = refined.with_statements(statements);
    stats.saved = refined.size().saturating_sub(policy.size());
    (policy, stats)
}

fn entry(text: &str, written: &[String], catalog: &Catalog, literals: &[String]) -> Entry {
    let p = Pattern::new(text);
    let new = !written.iter().any(|w| w == p.normalized());
    let matches: Vec<usize> = match p.shape() {
        Shape::Literal => catalog.find(p.normalized()).into_iter().collect(),
        Shape::Prefix => catalog.prefix_range(p.literal_prefix()).collect(),
        Shape::General => catalog
            .prefix_range(p.literal_prefix())
            .filter(|&i| p.matches(catalog.lower(i)))
            .collect(),
    };
    let lits: Vec<usize> = (0..literals.len())
        .filter(|&k| p.matches(&literals[k]))
        .collect();
    // Only entries the refiner wrote (names and prefixes) that stand for catalog actions.
    let removable = new && p.shape() != Shape::General && !matches.is_empty();
    Entry {
        cost: cost(text),
        text: text.to_string(),
        removable,
        matches,
        literals: lits,
        alive: true,
    }
}

/// The infix candidates of one statement that are safe and save characters.
fn candidates_for(
    stmt: usize,
    entries: &[Entry],
    wildcards: &[Pattern],
    unused: &Unused<'_>,
    literals: &[String],
) -> Vec<Candidate> {
    let catalog = unused.catalog;
    let mut eligible: HashMap<String, bool> = HashMap::new();
    // (P, S) lower-cased -> (action, |P|, start of S) to render it in catalog casing.
    let mut pairs: BTreeMap<(String, String), (usize, usize, usize)> = BTreeMap::new();
    // Catalog action -> removable entries matching it.
    let mut owners: HashMap<usize, Vec<usize>> = HashMap::new();
    for (e, entry) in entries.iter().enumerate().filter(|(_, e)| e.removable) {
        for &i in &entry.matches {
            owners.entry(i).or_default().push(e);
            let name = catalog.name(i);
            let lower = catalog.lower(i);
            let Some(colon) = lower.find(':') else {
                continue;
            };
            let bounds: Vec<usize> = node_lengths(name).collect();
            for &lp in bounds.iter().filter(|&&l| l > colon && l < lower.len()) {
                let p = &lower[..lp];
                // A wildcard can only contain every extension of `p` if its literal prefix
                // is a prefix of `p`; a trailing-`*` one then always does.
                let ok = *eligible.entry(p.to_string()).or_insert_with(|| {
                    wildcards.iter().any(|w| {
                        p.starts_with(w.literal_prefix())
                            && (w.shape() == Shape::Prefix || w.contains_prefix(p))
                    })
                });
                if !ok {
                    continue;
                }
                for &b in bounds.iter().filter(|&&b| b > lp && b < lower.len()) {
                    pairs
                        .entry((p.to_string(), lower[b..].to_string()))
                        .or_insert((i, lp, b));
                }
            }
        }
    }
    let mut out = Vec::new();
    for ((p, s), (i, lp, b)) in pairs {
        let name = catalog.name(i);
        let text = format!("{}*{}", &name[..lp], &name[b..]);
        let pattern = Pattern::new(&text);
        if !safe(&pattern, &p, unused) {
            continue;
        }
        let matched: Vec<usize> = catalog
            .prefix_range(&p)
            .filter(|&y| {
                let l = catalog.lower(y);
                l.len() >= p.len() + s.len() && l.ends_with(s.as_str())
            })
            .collect();
        let lits: Vec<usize> = (0..literals.len())
            .filter(|&k| pattern.matches(&literals[k]))
            .collect();
        let mut count: HashMap<usize, usize> = HashMap::new();
        for y in &matched {
            for &e in owners.get(y).into_iter().flatten() {
                *count.entry(e).or_insert(0) += 1;
            }
        }
        let mut covers: Vec<usize> = count
            .into_iter()
            .filter(|&(e, n)| {
                n == entries[e].matches.len()
                    && entries[e].literals.iter().all(|l| lits.contains(l))
            })
            .map(|(e, _)| e)
            .collect();
        covers.sort_unstable();
        let freed: usize = covers.iter().map(|&e| entries[e].cost).sum();
        let own = cost(&text);
        if freed > own {
            out.push(Candidate {
                stmt,
                text,
                cost: own,
                covers,
            });
        }
    }
    out
}

/// Does `pattern` (`P*S`, with lower-cased `P` = `prefix`) allow nothing unused: no unused
/// catalog action, no unused name the catalog does not know, nothing in a wholly unused
/// service?
fn safe(pattern: &Pattern, prefix: &str, unused: &Unused<'_>) -> bool {
    let catalog = unused.catalog;
    if pattern
        .fixed_service()
        .is_some_and(|svc| unused.service_unused(svc))
    {
        return false;
    }
    let hit = unused
        .indices_in(catalog.prefix_range(prefix))
        .iter()
        .any(|&i| pattern.matches(catalog.lower(i)));
    if hit {
        return false;
    }
    !unused.extras().iter().any(|e| {
        if e.service_marker {
            pattern.may_match_prefix(&e.lower)
        } else {
            pattern.matches(&e.lower)
        }
    })
}

/// The final check of a rewritten statement, independent of how it was built: every new
/// entry is contained in an original one and allows nothing unused, and over the catalog
/// and the policy's unknown literals the statement allows exactly what it did.
fn still_exact(
    before: &[String],
    after: &[String],
    original: &[String],
    unused: &Unused<'_>,
    literals: &[String],
) -> bool {
    let catalog = unused.catalog;
    let originals: Vec<Pattern> = original.iter().map(|p| Pattern::new(p)).collect();
    let old: Vec<Pattern> = before.iter().map(|p| Pattern::new(p)).collect();
    let new: Vec<Pattern> = after.iter().map(|p| Pattern::new(p)).collect();
    let kept: HashSet<&str> = before.iter().map(String::as_str).collect();
    for p in new.iter().filter(|p| !kept.contains(p.as_str())) {
        let contained = originals
            .iter()
            .any(|o| o.contains_prefix(p.literal_prefix()));
        if !contained || !safe(p, p.literal_prefix(), unused) {
            return false;
        }
    }
    // Only the services the statement touches can differ; each is checked against the
    // entries of that service (an entry with no fixed service reaches every one).
    let everywhere = old.iter().chain(&new).any(|p| p.fixed_service().is_none());
    let mut by_service: BTreeMap<&str, (Vec<&Pattern>, Vec<&Pattern>)> = BTreeMap::new();
    for p in &old {
        by_service
            .entry(p.fixed_service().unwrap_or(""))
            .or_default()
            .0
            .push(p);
    }
    for p in &new {
        by_service
            .entry(p.fixed_service().unwrap_or(""))
            .or_default()
            .1
            .push(p);
    }
    let checks: Vec<(std::ops::Range<usize>, Vec<&Pattern>, Vec<&Pattern>)> = if everywhere {
        vec![(0..catalog.len(), old.iter().collect(), new.iter().collect())]
    } else {
        by_service
            .into_iter()
            .map(|(svc, (o, n))| (catalog.prefix_range(&format!("{svc}:")), o, n))
            .collect()
    };
    for (range, old, new) in checks {
        for i in range {
            let name = catalog.lower(i);
            if old.iter().any(|p| p.matches(name)) != new.iter().any(|p| p.matches(name)) {
                return false;
            }
        }
    }
    literals
        .iter()
        .all(|l| old.iter().any(|p| p.matches(l)) == new.iter().any(|p| p.matches(l)))
}
