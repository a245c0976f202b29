//! Synthetic catalogs of any size for the scaling benchmarks: about n/50 services with
//! skewed sizes (an action goes to service `floor(S * u^2)` for a uniform `u`, so a few
//! services hold thousands of actions and most a few dozen), names made of a verb, one to
//! three nouns from a per-service vocabulary, acronyms (`DB`, `VPC`, `S3`) and suffixes
//! (`V2`, `ForAccount`), so that names share CamelCase prefixes as AWS's do. De-duplicated
//! case-insensitively, as the catalog does. Deterministic: the same `n` gives the same
//! catalog on every run.

use std::collections::HashSet;

use iam_refine::{AccessLevel, Catalog, CatalogInfo, Entry};
use iam_refine_tests::Rng;

/// One word of a list.
fn pick<'a>(rng: &mut Rng, words: &[&'a str]) -> &'a str {
    words[rng.below(words.len())]
}

/// The seed every synthetic catalog and every bench scenario derives its randomness from.
pub const SEED: u64 = 0x1a_3e_f1_4e;

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
        s.push_str(pick(rng, CONSONANTS));
        s.push_str(pick(rng, VOWELS));
    }
    match rng.below(10) {
        0 => s.push_str(&(2 + rng.below(8)).to_string()),
        1 => {
            s.push('-');
            s.push_str(pick(rng, CONSONANTS));
            s.push_str(pick(rng, VOWELS));
            s.push_str(pick(rng, CONSONANTS));
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
pub fn synthetic_entries(n: usize, seed: u64) -> Vec<Entry> {
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
                    pick(&mut rng, ACRONYMS)
                } else {
                    pick(&mut rng, NOUNS)
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
        let mut action = String::from(pick(&mut rng, VERBS));
        for _ in 0..1 + rng.below(3) {
            if rng.below(8) == 0 {
                action.push_str(pick(&mut rng, NOUNS));
            } else {
                action.push_str(pick(&mut rng, vocab));
            }
        }
        if rng.below(12) == 0 {
            action.push_str(pick(&mut rng, SUFFIXES));
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

pub fn synthetic_catalog(n: usize) -> Catalog {
    let info = CatalogInfo {
        date: None,
        source: format!("synthetic, {n} actions"),
    };
    Catalog::from_entries(synthetic_entries(n, SEED ^ n as u64), info)
        .unwrap_or_else(|e| panic!("synthetic catalog: {e}"))
}

/// The service with the most actions, and its range.
pub fn largest_service(catalog: &Catalog) -> (String, std::ops::Range<usize>) {
    catalog
        .services()
        .into_iter()
        .max_by_key(|(_, r)| r.len())
        .map(|(s, r)| (s.to_string(), r))
        .unwrap_or_else(|| (String::new(), 0..0))
}
