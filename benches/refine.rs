//! Refiner benchmarks (issue 4).
//!
//! `cargo bench --bench refine` runs these criterion groups:
//!
//! - `catalog_load/embedded`: `Catalog::embedded()`, the snapshot of 22k actions.
//! - `example/resolve_refine`: `examples/policy.json` with `examples/unused.json`; the
//!   findings and the policy are parsed once, the bench times `resolve` + `refine`.
//! - `readonly_access/resolve_refine_10pct`: the AWS managed policy `ReadOnlyAccess`
//!   with 10% of the catalog actions it allows unused.
//! - `star/resolve_refine_1pct`: `Action: "*"` with 1% of the real catalog unused.
//! - `synthetic_star_10pct/{10000,100000,1000000}`: `Action: "*"` over a generated
//!   catalog of that many actions, 10% of them unused.
//! - `synthetic_service_10pct/{...}`: `svcX:*` for the largest service of the generated
//!   catalog, 10% of that service unused.
//! - `corpus/all_policies`: every AWS managed policy of `../shared/corpus`, each with 10%
//!   (rounded up) of the catalog actions it allows unused, refined one after the other on
//!   one thread; the throughput is in policies per second.
//!
//! All sizes are reported with `Throughput::Elements` (catalog actions, or policies) so
//! the per-element cost is visible. Random choices come from a fixed-seed SplitMix64, so
//! every run refines the same inputs.
//!
//! Without `../shared/corpus` the two corpus groups are skipped with a message.
//!
//! Two helper modes, selected by environment variables, run instead of criterion:
//!
//! - `IAM_REFINE_BENCH_ONESHOT=<scenario>` builds one scenario, runs `resolve` + `refine`
//!   once (or `IAM_REFINE_BENCH_REPEAT` times), prints the time of each phase and the
//!   peak resident memory of the refine phase, and exits. For `/usr/bin/time -v` and
//!   `valgrind --tool=callgrind`. Scenarios: `load`, `example`, `readonly`, `star-real`,
//!   `star-<n>` and `svc-<n>` (n = 10k, 100k, 1m), `corpus`.
//! - `IAM_REFINE_BENCH_WRITE_INPUTS=<dir>` writes the ReadOnlyAccess and `*` inputs as
//!   policy and findings files the CLI (and `benches/peers/run.sh`) can read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use std::collections::{BTreeMap, HashSet};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use iam_refine::{refine, AccessLevel, Catalog, Findings, Pattern, Policy};
use iam_refine::{ActionKey, Effect};
use iam_refine::{CatalogInfo, Entry};

const SEED: u64 = 0x1a_3e_f1_4e;
const SYNTHETIC_SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];
const STAR_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

/// The workspace root (this package is `benches/`).
fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = root().join("../shared/corpus/aws-managed-policies");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "refine bench: {} is absent; skipping the ReadOnlyAccess and corpus benchmarks",
            dir.display()
        );
        None
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn parse_policy(text: &str, what: &str) -> Policy {
    Policy::parse(text).unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// SplitMix64: tiny, fast, and the same sequence on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant here.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// `ceil(fraction * len)` of `items`, chosen uniformly without replacement, ascending.
fn sample(items: &[usize], fraction: f64, rng: &mut Rng) -> Vec<usize> {
    let k = ((items.len() as f64) * fraction).ceil() as usize;
    let mut pool = items.to_vec();
    for j in 0..k.min(pool.len()) {
        let r = j + rng.below(pool.len() - j);
        pool.swap(j, r);
    }
    pool.truncate(k);
    pool.sort_unstable();
    pool
}

/// The catalog actions some Allow statement of `policy` allows (brute force over the
/// catalog, using the crate's glob matcher), ascending.
fn allowed(catalog: &Catalog, policy: &Policy) -> Vec<usize> {
    let mut out = Vec::new();
    for s in &policy.statements {
        if s.effect != Effect::Allow {
            continue;
        }
        let patterns: Vec<Pattern> = s.patterns.iter().map(|p| Pattern::new(p)).collect();
        match s.key {
            ActionKey::Action => {
                for p in &patterns {
                    out.extend(
                        catalog
                            .prefix_range(p.literal_prefix())
                            .filter(|&i| p.matches(catalog.lower(i))),
                    );
                }
            }
            ActionKey::NotAction => out.extend(
                (0..catalog.len())
                    .filter(|&i| !patterns.iter().any(|p| p.matches(catalog.lower(i)))),
            ),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn findings_for(catalog: &Catalog, unused: &[usize]) -> Findings {
    let names: Vec<String> = unused
        .iter()
        .map(|&i| catalog.name(i).to_string())
        .collect();
    Findings::from_names::<String>(&names, &[])
}

/// Findings JSON in the simple shape the CLI accepts, grouped by service.
fn findings_json(catalog: &Catalog, unused: &[usize]) -> String {
    let mut by_service: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for &i in unused {
        let service = catalog.service(i);
        by_service
            .entry(service)
            .or_default()
            .push(&catalog.name(i)[service.len() + 1..]);
    }
    let list: Vec<serde_json::Value> = by_service
        .into_iter()
        .map(|(s, a)| serde_json::json!({"serviceNamespace": s, "actions": a}))
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Synthetic catalogs

const VERBS: &[&str] = &[
    "Get",
    "List",
    "Describe",
    "Create",
    "Delete",
    "Update",
    "Put",
    "Tag",
    "Untag",
    "Start",
    "Stop",
    "Modify",
    "Associate",
    "Disassociate",
    "Attach",
    "Detach",
    "Enable",
    "Disable",
    "Register",
    "Deregister",
    "Batch",
    "Import",
    "Export",
    "Search",
    "Cancel",
    "Reset",
    "Restore",
    "Copy",
    "Send",
    "Invoke",
    "Run",
    "Accept",
    "Reject",
    "Validate",
    "Test",
];

const NOUNS: &[&str] = &[
    "Instance",
    "Instances",
    "Bucket",
    "Buckets",
    "Object",
    "Objects",
    "Policy",
    "Policies",
    "Role",
    "Roles",
    "User",
    "Users",
    "Group",
    "Groups",
    "Key",
    "Keys",
    "Alias",
    "Aliases",
    "Snapshot",
    "Snapshots",
    "Volume",
    "Volumes",
    "Image",
    "Images",
    "Cluster",
    "Clusters",
    "Function",
    "Functions",
    "Table",
    "Tables",
    "Stream",
    "Streams",
    "Queue",
    "Queues",
    "Topic",
    "Topics",
    "Subscription",
    "Subscriptions",
    "Endpoint",
    "Endpoints",
    "Domain",
    "Domains",
    "Certificate",
    "Certificates",
    "Stack",
    "Stacks",
    "Resource",
    "Resources",
    "Configuration",
    "Configurations",
    "Attribute",
    "Attributes",
    "Permission",
    "Permissions",
    "Tag",
    "Tags",
    "Version",
    "Versions",
    "Layer",
    "Layers",
    "Job",
    "Jobs",
    "Task",
    "Tasks",
    "Service",
    "Services",
    "Network",
    "Interface",
    "Interfaces",
    "Gateway",
    "Gateways",
    "Route",
    "Routes",
    "Rule",
    "Rules",
    "Filter",
    "Filters",
    "Account",
    "Accounts",
    "Application",
    "Applications",
    "Environment",
    "Environments",
    "Pipeline",
    "Pipelines",
    "Repository",
    "Repositories",
    "Branch",
    "Branches",
    "Build",
    "Builds",
    "Deployment",
    "Deployments",
    "Template",
    "Templates",
    "Dataset",
    "Datasets",
    "Model",
    "Models",
    "Workflow",
    "Workflows",
    "Connection",
    "Connections",
    "Session",
    "Sessions",
    "Report",
    "Reports",
    "Metric",
    "Metrics",
    "Alarm",
    "Alarms",
    "Dashboard",
    "Dashboards",
    "Log",
    "Logs",
    "Event",
    "Events",
    "Schedule",
    "Schedules",
    "Backup",
    "Backups",
    "Vault",
    "Vaults",
    "Secret",
    "Secrets",
    "Parameter",
    "Parameters",
    "Document",
    "Documents",
    "Lifecycle",
    "Replication",
    "Encryption",
    "Access",
    "Point",
    "Points",
    "Block",
    "Public",
    "Settings",
    "Status",
    "Details",
    "Summary",
    "Summaries",
    "Acl",
    "Acls",
    "Lock",
    "Legal",
    "Hold",
    "Retention",
    "Notification",
    "Notifications",
    "Association",
    "Associations",
    "Target",
    "Targets",
    "Listener",
    "Listeners",
    "Option",
    "Options",
];

const ACRONYMS: &[&str] = &[
    "DB", "IP", "VPC", "ACL", "KMS", "SSL", "API", "ARN", "CIDR", "DNS", "HSM", "IAM", "SAML",
    "OIDC", "MFA", "SSH", "CORS", "EBS", "EC2", "S3", "URL", "JSON", "SQL",
];

const SUFFIXES: &[&str] = &["V2", "V3", "2", "ForAccount", "ByName", "Async", "Batch"];

const CONSONANTS: &[&str] = &[
    "b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u"];

/// A lower-case service prefix of 2 to 4 syllables, sometimes with a digit or a dash.
fn service_name(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..2 + rng.below(3) {
        s.push_str(rng.pick(CONSONANTS));
        s.push_str(rng.pick(VOWELS));
    }
    match rng.below(10) {
        0 => s.push_str(&(2 + rng.below(8)).to_string()),
        1 => {
            s.push('-');
            s.push_str(rng.pick(CONSONANTS));
            s.push_str(rng.pick(VOWELS));
            s.push_str(rng.pick(CONSONANTS));
        }
        _ => {}
    }
    s
}

/// `n` distinct actions over about `n / 50` services. Service sizes are skewed like
/// AWS's (a few services hold hundreds or thousands of actions, most hold a few dozen):
/// an action goes to service `floor(S * u^2)` for a uniform `u`. Each service draws its
/// nouns from its own small vocabulary, so names share CamelCase prefixes as real ones
/// do (`CreateDBInstance`, `DeleteDBInstance`, `DescribeDBInstances`).
fn synthetic_entries(n: usize, seed: u64) -> Vec<Entry> {
    let mut rng = Rng(seed);
    let services_n = (n / 50).max(1);
    let mut seen_services = HashSet::new();
    let mut services: Vec<(String, Vec<&str>)> = Vec::with_capacity(services_n);
    while services.len() < services_n {
        let name = service_name(&mut rng);
        if !seen_services.insert(name.clone()) {
            continue;
        }
        let vocab_len = 8 + rng.below(40);
        let vocab = (0..vocab_len)
            .map(|_| {
                if rng.below(6) == 0 {
                    rng.pick(ACRONYMS)
                } else {
                    rng.pick(NOUNS)
                }
            })
            .collect();
        services.push((name, vocab));
    }
    let levels = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::Tagging,
        AccessLevel::PermissionsManagement,
    ];
    // Keyed case-insensitively, as the catalog de-duplicates (`GetAcl` and `GetACL`).
    let mut seen: HashSet<(usize, String)> = HashSet::with_capacity(n);
    let mut entries = Vec::with_capacity(n);
    while entries.len() < n {
        let u = rng.unit();
        let s = ((services_n as f64) * u * u) as usize;
        let (service, vocab) = &services[s.min(services_n - 1)];
        let mut action = String::from(rng.pick(VERBS));
        for _ in 0..1 + rng.below(3) {
            if rng.below(8) == 0 {
                action.push_str(rng.pick(NOUNS));
            } else {
                action.push_str(rng.pick(vocab));
            }
        }
        if rng.below(12) == 0 {
            action.push_str(rng.pick(SUFFIXES));
        }
        if !seen.insert((s, action.to_ascii_lowercase())) {
            continue;
        }
        entries.push(Entry {
            service: service.clone(),
            action,
            level: levels[rng.below(levels.len())],
        });
    }
    entries
}

fn synthetic_catalog(n: usize) -> Catalog {
    let info = CatalogInfo {
        date: None,
        source: format!("synthetic, {n} actions"),
    };
    Catalog::from_entries(synthetic_entries(n, SEED ^ n as u64), info)
        .unwrap_or_else(|e| panic!("synthetic catalog: {e}"))
}

/// The service with the most actions, and its range.
fn largest_service(catalog: &Catalog) -> (String, std::ops::Range<usize>) {
    catalog
        .services()
        .into_iter()
        .max_by_key(|(_, r)| r.len())
        .map(|(s, r)| (s.to_string(), r))
        .unwrap_or_else(|| (String::new(), 0..0))
}

// ---------------------------------------------------------------------------------------
// Scenarios: a policy and findings over a catalog, ready for resolve + refine.

struct Scenario {
    policy: Policy,
    findings: Findings,
    /// Catalog actions the policy allows (the throughput unit).
    elements: usize,
}

impl Scenario {
    fn run(&self, catalog: &Catalog) -> iam_refine::Refinement {
        let unused = self.findings.resolve(catalog);
        refine(&self.policy, &unused)
    }
}

fn example_scenario() -> Scenario {
    let policy = parse_policy(
        &read(&root().join("examples/policy.json")),
        "examples/policy.json",
    );
    let findings = Findings::parse(&read(&root().join("examples/unused.json")))
        .unwrap_or_else(|e| panic!("examples/unused.json: {e}"));
    Scenario {
        policy,
        findings,
        elements: 1,
    }
}

/// `policy` with `fraction` of the catalog actions it allows unused.
fn fraction_scenario(
    catalog: &Catalog,
    policy: Policy,
    fraction: f64,
    seed: u64,
) -> (Scenario, Vec<usize>) {
    let allowed = allowed(catalog, &policy);
    let unused = sample(&allowed, fraction, &mut Rng(seed));
    let findings = findings_for(catalog, &unused);
    (
        Scenario {
            policy,
            findings,
            elements: allowed.len(),
        },
        unused,
    )
}

fn readonly_scenario(catalog: &Catalog, dir: &Path) -> (Scenario, Vec<usize>) {
    let path = dir.join("ReadOnlyAccess.json");
    let policy = parse_policy(&read(&path), "ReadOnlyAccess.json");
    fraction_scenario(catalog, policy, 0.10, SEED)
}

fn star_scenario(catalog: &Catalog, fraction: f64) -> (Scenario, Vec<usize>) {
    fraction_scenario(catalog, parse_policy(STAR_POLICY, "star"), fraction, SEED)
}

/// `svcX:*` for the largest service, 10% of it unused.
fn service_scenario(catalog: &Catalog) -> (Scenario, String) {
    let (service, range) = largest_service(catalog);
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "{service}:*", "Resource": "*"}}]}}"#
    );
    let (s, _) = fraction_scenario(catalog, parse_policy(&text, "service"), 0.10, SEED);
    assert_eq!(s.elements, range.len());
    (s, service)
}

/// Every corpus policy with 10% (rounded up) of what it allows unused.
fn corpus_scenarios(catalog: &Catalog, dir: &Path) -> Vec<Scenario> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut rng = Rng(SEED);
    paths
        .iter()
        .map(|p| {
            let policy = parse_policy(&read(p), &p.display().to_string());
            let seed = rng.next();
            fraction_scenario(catalog, policy, 0.10, seed).0
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Criterion groups

fn bench_catalog_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("catalog_load");
    g.throughput(Throughput::Elements(Catalog::embedded().len() as u64));
    g.bench_function("embedded", |b| b.iter(Catalog::embedded));
    g.finish();
}

fn bench_real(c: &mut Criterion) {
    let catalog = Catalog::embedded();

    let example = example_scenario();
    let mut g = c.benchmark_group("example");
    g.bench_function("resolve_refine", |b| {
        b.iter(|| example.run(black_box(&catalog)))
    });
    g.finish();

    if let Some(dir) = corpus_dir() {
        let (readonly, unused) = readonly_scenario(&catalog, &dir);
        eprintln!(
            "readonly_access: {} catalog actions allowed, {} unused",
            readonly.elements,
            unused.len()
        );
        let mut g = c.benchmark_group("readonly_access");
        g.throughput(Throughput::Elements(readonly.elements as u64));
        g.bench_function("resolve_refine_10pct", |b| {
            b.iter(|| readonly.run(black_box(&catalog)))
        });
        g.finish();
    }

    let (star, unused) = star_scenario(&catalog, 0.01);
    eprintln!(
        "star: {} catalog actions, {} unused",
        star.elements,
        unused.len()
    );
    let mut g = c.benchmark_group("star");
    g.throughput(Throughput::Elements(star.elements as u64));
    g.bench_function("resolve_refine_1pct", |b| {
        b.iter(|| star.run(black_box(&catalog)))
    });
    g.finish();
}

fn bench_synthetic(c: &mut Criterion) {
    for &n in &SYNTHETIC_SIZES {
        let catalog = synthetic_catalog(n);
        let (star, _) = star_scenario(&catalog, 0.10);
        let (svc, service) = service_scenario(&catalog);
        eprintln!(
            "synthetic {n}: {} services, largest `{service}` with {} actions",
            catalog.services().len(),
            svc.elements
        );
        // Keep the largest size to 10 samples of about a second each at most.
        let (samples, time) = if n >= 1_000_000 {
            (10, Duration::from_secs(8))
        } else {
            (20, Duration::from_secs(4))
        };

        let mut g = c.benchmark_group("synthetic_star_10pct");
        g.sample_size(samples).measurement_time(time);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &star, |b, s| {
            b.iter(|| s.run(black_box(&catalog)))
        });
        g.finish();

        let mut g = c.benchmark_group("synthetic_service_10pct");
        g.sample_size(samples).measurement_time(time);
        g.throughput(Throughput::Elements(svc.elements as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &svc, |b, s| {
            b.iter(|| s.run(black_box(&catalog)))
        });
        g.finish();
    }
}

fn bench_corpus(c: &mut Criterion) {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let catalog = Catalog::embedded();
    let scenarios = corpus_scenarios(&catalog, &dir);
    let mut g = c.benchmark_group("corpus");
    g.sample_size(10).measurement_time(Duration::from_secs(6));
    g.throughput(Throughput::Elements(scenarios.len() as u64));
    g.bench_function("all_policies", |b| {
        b.iter(|| {
            for s in &scenarios {
                black_box(s.run(black_box(&catalog)));
            }
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench_catalog_load, bench_real, bench_synthetic, bench_corpus
}

// ---------------------------------------------------------------------------------------
// Helper modes

/// Peak resident set size of this process, in kB, since the last `reset_peak_rss`.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Linux: writing 5 to clear_refs resets the peak RSS to the current RSS.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn size_arg(text: &str) -> Option<usize> {
    match text {
        "10k" => Some(10_000),
        "100k" => Some(100_000),
        "1m" => Some(1_000_000),
        _ => text.parse().ok(),
    }
}

fn oneshot(which: &str) {
    let repeat: usize = std::env::var("IAM_REFINE_BENCH_REPEAT")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let t = Instant::now();
    if which == "load" {
        for _ in 0..repeat {
            black_box(Catalog::embedded());
        }
        eprintln!("load x{repeat}: {:?}", t.elapsed());
        return;
    }
    let corpus = || corpus_dir().unwrap_or_else(|| panic!("the corpus is needed for `{which}`"));
    let (catalog, scenarios): (Catalog, Vec<Scenario>) = match which {
        "example" => (Catalog::embedded(), vec![example_scenario()]),
        "readonly" => {
            let c = Catalog::embedded();
            let s = readonly_scenario(&c, &corpus()).0;
            (c, vec![s])
        }
        "star-real" => {
            let c = Catalog::embedded();
            let s = star_scenario(&c, 0.01).0;
            (c, vec![s])
        }
        "corpus" => {
            let c = Catalog::embedded();
            let s = corpus_scenarios(&c, &corpus());
            (c, s)
        }
        other => {
            let (kind, size) = other.split_once('-').unwrap_or((other, ""));
            let n = size_arg(size).unwrap_or_else(|| panic!("unknown scenario `{which}`"));
            let c = synthetic_catalog(n);
            let s = match kind {
                "star" => star_scenario(&c, 0.10).0,
                "svc" => service_scenario(&c).0,
                _ => panic!("unknown scenario `{which}`"),
            };
            (c, vec![s])
        }
    };
    eprintln!(
        "{which}: setup (catalog of {} actions, findings) {:?}, RSS {} kB",
        catalog.len(),
        t.elapsed(),
        rss_kb().unwrap_or(0)
    );
    let reset = reset_peak_rss();
    let t = Instant::now();
    let mut entries = 0;
    let mut outputs = Vec::new();
    for round in 0..repeat {
        for s in &scenarios {
            let r = s.run(&catalog);
            entries += r
                .policy
                .statements
                .iter()
                .map(|s| s.patterns.len())
                .sum::<usize>();
            if round == 0 {
                outputs.push(r);
            }
        }
    }
    let elapsed = t.elapsed();
    eprintln!(
        "{which}: resolve + refine x{repeat}: {elapsed:?} ({:?} each), {} entries written per run",
        elapsed / repeat as u32,
        entries / repeat
    );
    if reset {
        eprintln!(
            "{which}: peak RSS during resolve + refine: {} kB (peak reset before it)",
            peak_rss_kb().unwrap_or(0)
        );
    }
    // FNV-1a over the refined documents: equal digests, equal outputs (to compare builds).
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    for r in &outputs {
        for b in r
            .policy
            .to_pretty_json()
            .bytes()
            .chain([u8::from(r.detach)])
        {
            digest = (digest ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    eprintln!("{which}: output digest {digest:016x}");
}

fn write_inputs(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let catalog = Catalog::embedded();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("wrote {}", path.display());
    };
    if let Some(corpus) = corpus_dir() {
        let (_, unused) = readonly_scenario(&catalog, &corpus);
        write("readonly-unused.json", &findings_json(&catalog, &unused));
        write(
            "ReadOnlyAccess.json",
            &read(&corpus.join("ReadOnlyAccess.json")),
        );
    }
    let (_, unused) = star_scenario(&catalog, 0.01);
    write("star-policy.json", STAR_POLICY);
    write("star-unused.json", &findings_json(&catalog, &unused));
}

fn main() {
    if let Ok(which) = std::env::var("IAM_REFINE_BENCH_ONESHOT") {
        oneshot(&which);
        return;
    }
    if let Ok(dir) = std::env::var("IAM_REFINE_BENCH_WRITE_INPUTS") {
        write_inputs(Path::new(&dir));
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
