//! A brute-force model of IAM action matching, written independently of the library:
//! it enumerates the catalog and matches globs directly, so that the refiner's range
//! arithmetic, trie walk and containment automaton are checked against the definition.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use iam_refine::{ActionKey, Effect};
use iam_refine::{Catalog, Policy, Refinement};
use serde_json::{json, Value};

/// `*` any run, `?` one character, ASCII case-insensitive; dynamic programming over both.
pub fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().map(|c| c.to_ascii_lowercase()).collect();
    let s: Vec<char> = name.chars().map(|c| c.to_ascii_lowercase()).collect();
    // row[j]: does p[..i] match s[..j]?
    let mut row = vec![false; s.len() + 1];
    row[0] = true;
    for &pc in &p {
        let mut next = vec![false; s.len() + 1];
        if pc == '*' {
            let mut any = false;
            for j in 0..=s.len() {
                any |= row[j];
                next[j] = any;
            }
        } else {
            for j in 1..=s.len() {
                next[j] = row[j - 1] && (pc == '?' || pc == s[j - 1]);
            }
        }
        row = next;
    }
    row[s.len()]
}

/// Is every string starting with `prefix` matched by `pattern`? A string `prefix + s` is
/// rejected for some `s` iff it is rejected for `s` made of a character the pattern never
/// mentions, repeated as often as `s` is long; lengths beyond the pattern's add nothing.
pub fn contains_prefix(pattern: &str, prefix: &str) -> bool {
    let fresh = '\u{1}';
    (0..=pattern.chars().count() + 1).all(|k| {
        let s: String = std::iter::repeat_n(fresh, k).collect();
        glob(pattern, &format!("{prefix}{s}"))
    })
}

/// Is everything `inner` matches also matched by `outer`? Exact for literal and
/// trailing-`*` inner patterns, which is all the refiner writes; `None` when unsure.
pub fn entry_contained(outer: &str, inner: &str) -> Option<bool> {
    let wild = inner.find(['*', '?']);
    match wild {
        None => Some(glob(outer, inner)),
        Some(i) if i + 1 == inner.len() && inner.ends_with('*') => {
            Some(contains_prefix(outer, &inner[..i]))
        }
        // Other shapes: sound only, by the literal text they are confined to.
        Some(i) => contains_prefix(outer, &inner[..i]).then_some(true),
    }
}

/// CamelCase word starts, written from the README's rule: before a capital that follows a
/// non-capital, and before the last capital of a run when a lower-case letter follows.
pub fn word_prefixes(full: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let Some((service, action)) = full.split_once(':') else {
        out.push(full.to_string());
        return out;
    };
    out.push(format!("{service}:"));
    let c: Vec<char> = action.chars().collect();
    for i in 1..c.len() {
        let boundary = c[i].is_ascii_uppercase()
            && (!c[i - 1].is_ascii_uppercase()
                || c.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()));
        if boundary {
            out.push(format!("{service}:{}", c[..i].iter().collect::<String>()));
        }
    }
    out.push(full.to_string());
    out
}

/// The catalog as a flat list of names, plus names it does not know, bucketed by service
/// so that patterns with a literal service only look at that service's names.
pub struct Model {
    pub names: Vec<String>,
    pub lower: Vec<String>,
    pub catalog_len: usize,
    by_service: HashMap<String, Vec<usize>>,
}

impl Model {
    pub fn new(catalog: &Catalog, extra_names: impl IntoIterator<Item = String>) -> Model {
        let mut names: Vec<String> = (0..catalog.len())
            .map(|i| catalog.name(i).to_string())
            .collect();
        let catalog_len = names.len();
        let mut seen: HashSet<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        for e in extra_names {
            if seen.insert(e.to_ascii_lowercase()) {
                names.push(e);
            }
        }
        let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let mut by_service: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, n) in lower.iter().enumerate() {
            let service = n.split_once(':').map_or(n.as_str(), |(s, _)| s);
            by_service.entry(service.to_string()).or_default().push(i);
        }
        Model {
            names,
            lower,
            catalog_len,
            by_service,
        }
    }

    /// Universe positions the pattern matches.
    pub fn matches(&self, pattern: &str) -> Vec<usize> {
        let lit_service = pattern
            .split_once(':')
            .map(|(s, _)| s)
            .filter(|s| !s.contains(['*', '?']));
        match lit_service {
            Some(s) => self
                .by_service
                .get(&s.to_ascii_lowercase())
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|&i| glob(pattern, &self.lower[i]))
                        .collect()
                })
                .unwrap_or_default(),
            None => (0..self.lower.len())
                .filter(|&i| glob(pattern, &self.lower[i]))
                .collect(),
        }
    }

    /// Universe positions a statement's action list allows.
    pub fn allowed(&self, key: ActionKey, patterns: &[String]) -> Vec<bool> {
        let mut hit = vec![false; self.names.len()];
        for p in patterns {
            for i in self.matches(p) {
                hit[i] = true;
            }
        }
        if key == ActionKey::NotAction {
            hit.iter_mut().for_each(|h| *h = !*h);
        }
        hit
    }
}

/// Unused names and services, lower-cased.
pub struct UnusedSet {
    pub actions: HashSet<String>,
    pub services: HashSet<String>,
}

impl UnusedSet {
    pub fn contains(&self, lower: &str) -> bool {
        self.actions.contains(lower)
            || lower
                .split_once(':')
                .is_some_and(|(s, _)| self.services.contains(s))
    }
}

/// Tags every statement with a unique `TestId` key so original and refined statements
/// pair up unambiguously (the refiner keeps keys it does not interpret).
pub fn tag_statements(policy: &Value) -> Value {
    let mut v = policy.clone();
    match &mut v["Statement"] {
        Value::Array(items) => {
            for (i, s) in items.iter_mut().enumerate() {
                s["TestId"] = Value::from(i);
            }
        }
        Value::Object(o) => {
            o.insert("TestId".into(), Value::from(0));
        }
        _ => {}
    }
    v
}

fn test_id(p: &Policy, k: usize) -> Option<u64> {
    p.statements[k].to_value()["TestId"].as_u64()
}

/// Checks a refinement of a tagged policy against the model; `Err` says what is wrong.
///
/// - exactness: over the whole universe, each refined statement allows exactly what its
///   original allowed minus the unused actions (a removed statement allowed nothing else);
/// - Deny statements are unchanged;
/// - containment: every entry written in place of an original one is contained, over all
///   strings, in some entry of the original statement;
/// - least generalization: the word-prefix parent of every new wildcard is unsafe or not
///   contained, and no new wildcard covers a single catalog action.
pub fn check(
    model: &Model,
    original: &Policy,
    refinement: &Refinement,
    unused: &UnusedSet,
) -> Result<(), String> {
    let refined = &refinement.policy;
    if refinement.detach != refined.statements.is_empty() {
        return Err("detach flag disagrees with the statements".into());
    }
    let mut j = 0;
    for (i, o) in original.statements.iter().enumerate() {
        let id = test_id(original, i);
        let r = if j < refined.statements.len() && test_id(refined, j) == id {
            j += 1;
            Some(&refined.statements[j - 1])
        } else {
            None
        };
        let n = i + 1;
        if o.effect == Effect::Deny {
            if r != Some(o) {
                return Err(format!("statement {n}: Deny statement changed or removed"));
            }
            continue;
        }
        let before = model.allowed(o.key, &o.patterns);
        let after = match r {
            Some(r) => {
                if r.key != o.key {
                    return Err(format!("statement {n}: action key changed"));
                }
                model.allowed(r.key, &r.patterns)
            }
            None => vec![false; model.names.len()],
        };
        for u in 0..model.names.len() {
            let want = before[u] && !unused.contains(&model.lower[u]);
            if after[u] != want {
                return Err(format!(
                    "statement {n}: `{}` is {} but should {}be (original {}, unused {})",
                    model.names[u],
                    if after[u] { "allowed" } else { "not allowed" },
                    if want { "" } else { "not " },
                    before[u],
                    unused.contains(&model.lower[u]),
                ));
            }
        }
        let Some(r) = r else { continue };
        match o.key {
            ActionKey::Action => check_new_entries(model, n, &o.patterns, &r.patterns, unused)?,
            ActionKey::NotAction => {
                for e in &o.patterns {
                    let kept = r
                        .patterns
                        .iter()
                        .any(|f| f.eq_ignore_ascii_case(e) || entry_contained(f, e) == Some(true));
                    if !kept {
                        return Err(format!("statement {n}: NotAction entry `{e}` lost"));
                    }
                }
            }
        }
    }
    if j != refined.statements.len() {
        return Err("refined policy has statements with no original".into());
    }
    Ok(())
}

fn check_new_entries(
    model: &Model,
    n: usize,
    original: &[String],
    refined: &[String],
    unused: &UnusedSet,
) -> Result<(), String> {
    for e in refined {
        if original.iter().any(|o| o == e) {
            continue;
        }
        let containers: Vec<&String> = original
            .iter()
            .filter(|o| entry_contained(o, e) == Some(true))
            .collect();
        if containers.is_empty() {
            return Err(format!(
                "statement {n}: new entry `{e}` is not contained in any original entry"
            ));
        }
        let Some(prefix) = e.strip_suffix('*') else {
            continue;
        };
        if prefix.contains(['*', '?']) {
            return Err(format!(
                "statement {n}: new entry `{e}` has an inner wildcard"
            ));
        }
        let lp = prefix.to_ascii_lowercase();
        let covered: Vec<usize> = (0..model.catalog_len)
            .filter(|&i| model.lower[i].starts_with(&lp))
            .collect();
        if covered.len() <= 1 {
            return Err(format!(
                "statement {n}: `{e}` covers {} catalog action(s); write it exactly",
                covered.len()
            ));
        }
        // The parent node: the longest word prefix shorter than `e` of the covered actions
        // that have `e` as a word prefix (names that only share it as a string do not count).
        let parents: std::collections::BTreeSet<String> = covered
            .iter()
            .map(|&i| word_prefixes(&model.names[i]))
            .filter(|nodes| nodes.iter().any(|p| p.eq_ignore_ascii_case(prefix)))
            .filter_map(|nodes| nodes.into_iter().rfind(|p| p.len() < prefix.len()))
            .map(|p| p.to_ascii_lowercase())
            .collect();
        if parents.is_empty() {
            return Err(format!(
                "statement {n}: `{e}` is not a word prefix of any action it covers"
            ));
        }
        for parent in parents {
            for o in &containers {
                parent_unsafe(model, n, e, o, &parent, unused)?;
            }
        }
    }
    Ok(())
}

fn parent_unsafe(
    model: &Model,
    n: usize,
    e: &str,
    o: &str,
    parent: &str,
    unused: &UnusedSet,
) -> Result<(), String> {
    let eligible = contains_prefix(o, parent);
    let safe = model
        .lower
        .iter()
        .filter(|l| l.starts_with(parent))
        .all(|l| glob(o, l) && !unused.contains(l))
        && !unused.actions.iter().any(|a| a.starts_with(parent))
        && !unused
            .services
            .iter()
            .any(|s| format!("{s}:").starts_with(parent));
    if eligible && safe {
        return Err(format!(
            "statement {n}: `{e}` has a safe, contained parent `{parent}*` in `{o}`: not the shortest"
        ));
    }
    Ok(())
}

/// A small deterministic PRNG (SplitMix64), so failures reproduce from the seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// The corpus of AWS managed policies, `../shared/corpus/aws-managed-policies`. Without it
/// a test skips with a message, except under `CI`, where it must be there.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/aws-managed-policies");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "the corpus is missing at {} (required when CI is set)",
            dir.display()
        );
    }
    eprintln!("skipping: no corpus at {}", dir.display());
    None
}

/// The corpus's policy files, sorted; `None` when the corpus is absent (outside CI).
pub fn corpus_files() -> Option<Vec<PathBuf>> {
    let dir = corpus_dir()?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read corpus dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() > 1_000, "only {} corpus files", files.len());
    Some(files)
}

/// A stable seed per corpus file (FNV-1a of its name), so failures reproduce.
pub fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Findings that name a random share of what the policy allows, sometimes a whole
/// service, sometimes an action the catalog does not know.
pub fn random_findings(model: &Model, policy: &Policy, rng: &mut Rng) -> (Value, UnusedSet) {
    let mut allowed: Vec<usize> = Vec::new();
    for s in &policy.statements {
        if s.effect == Effect::Allow && s.key == ActionKey::Action {
            for p in &s.patterns {
                allowed.extend(
                    model
                        .matches(p)
                        .into_iter()
                        .filter(|&i| i < model.catalog_len),
                );
            }
        }
    }
    allowed.sort_unstable();
    allowed.dedup();
    let p = [0.02, 0.1, 0.5, 1.0][rng.below(4)];
    let mut by_service: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for &i in &allowed {
        if rng.chance(p) {
            let (s, a) = model.names[i]
                .split_once(':')
                .expect("catalog names have a service");
            by_service
                .entry(s.to_string())
                .or_default()
                .push(a.to_string());
        }
    }
    let mut unused = UnusedSet {
        actions: HashSet::new(),
        services: HashSet::new(),
    };
    let mut entries = Vec::new();
    let services: Vec<String> = by_service.keys().cloned().collect();
    for (s, mut actions) in by_service {
        if rng.chance(0.05) {
            unused.services.insert(s.clone());
            entries.push(json!({"serviceNamespace": s}));
            continue;
        }
        if rng.chance(0.1) {
            actions.push(format!("{}Next", actions[0]));
        }
        for a in &actions {
            unused
                .actions
                .insert(format!("{s}:{a}").to_ascii_lowercase());
        }
        entries.push(json!({"serviceNamespace": s, "actions": actions}));
    }
    if services.is_empty() && rng.chance(0.5) {
        entries.push(json!({"serviceNamespace": "sqs", "actions": ["SendMessage"]}));
        unused.actions.insert("sqs:sendmessage".into());
    }
    (Value::Array(entries), unused)
}

/// `f` over `items` on two threads (these machines have two cores), results in order.
pub fn on_two_threads<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let (a, b) = items.split_at(items.len() / 2);
    let f = &f;
    std::thread::scope(|scope| {
        let first = scope.spawn(move || a.iter().map(f).collect::<Vec<R>>());
        let second: Vec<R> = b.iter().map(f).collect();
        let mut out = first.join().expect("worker thread");
        out.extend(second);
        out
    })
}
