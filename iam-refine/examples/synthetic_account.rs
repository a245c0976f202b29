//! A synthetic AWS account built from the corpus of AWS managed policies, for end-to-end
//! runs of the account path, and the library's time on it.
//!
//! ```sh
//! cargo run --release -p iam-refine --example synthetic_account -- \
//!     ../shared/corpus/aws-managed-policies /tmp/account 2000 --plan
//! ```
//!
//! Writes `DIR/authorization-details.json` (`get-account-authorization-details` output in
//! pages of 100 roles, one after another, every policy document URL-encoded as the raw API
//! returns it) and `DIR/findings.jsonl` (one `get-finding-v2` output per role: a random
//! share of what its policies allow, sometimes a whole service; every 50th role an
//! `UnusedIAMRole` finding instead). Each role has 1 to 5 corpus policies attached; every
//! 7th also an inline policy. With `--plan` it then reads both back and plans every
//! principal on one thread, printing the time of each stage.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use iam_refine::{
    plan_principal, Account, AccountFindings, AccountSummary, ActionKey, Catalog, Effect, Evidence,
    Pattern, PlanOptions, Policy,
};
use serde_json::{json, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    // The remainder is below `n`, a `usize`.
    #[allow(clippy::cast_possible_truncation)]
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    // 53 random bits, exactly representable in an `f64`.
    #[allow(clippy::cast_precision_loss)]
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// RFC 3986 percent-encoding of everything but unreserved characters, as IAM's API does.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn allowed(catalog: &Catalog, policies: &[&Policy]) -> Vec<usize> {
    let mut hit = vec![false; catalog.len()];
    for p in policies {
        for s in &p.statements {
            if s.effect != Effect::Allow || s.key != ActionKey::Action {
                continue;
            }
            for raw in &s.patterns {
                let pat = Pattern::new(raw);
                for i in catalog.prefix_range(pat.literal_prefix()) {
                    if pat.matches(catalog.lower(i)) {
                        hit[i] = true;
                    }
                }
            }
        }
    }
    (0..catalog.len()).filter(|&i| hit[i]).collect()
}

// Sizes and rates are printed to one decimal: an `f64` is exact enough.
#[allow(clippy::cast_precision_loss)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plan = args.iter().any(|a| a == "--plan");
    let args: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let corpus = PathBuf::from(
        args.first()
            .map_or("../shared/corpus/aws-managed-policies", |s| s.as_str()),
    );
    let out = PathBuf::from(args.get(1).map_or("/tmp/account", |s| s.as_str()));
    let roles: usize = args.get(2).map_or(2000, |n| n.parse().expect("ROLES"));
    std::fs::create_dir_all(&out).unwrap();

    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap_or_else(|e| panic!("{}: {e}", corpus.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let catalog = Catalog::embedded();
    let corpus: Vec<(String, Policy)> = files
        .iter()
        .map(|f| {
            let name = f.file_stem().unwrap().to_string_lossy().to_string();
            (
                name,
                Policy::parse(&std::fs::read_to_string(f).unwrap()).unwrap(),
            )
        })
        .collect();

    let started = Instant::now();
    let mut rng = Rng(2_000);
    let mut used_policies: BTreeMap<usize, usize> = BTreeMap::new();
    let mut pages: Vec<Value> = Vec::new();
    let mut role_items: Vec<Value> = Vec::new();
    let mut findings = String::new();
    for r in 0..roles {
        let name = format!("app-{r:05}");
        let arn = format!("arn:aws:iam::123456789012:role/synthetic/{name}");
        let picks: Vec<usize> = (0..=rng.below(5))
            .map(|_| rng.below(corpus.len()))
            .collect();
        let mut carried: Vec<&Policy> = Vec::new();
        let attached: Vec<Value> = picks
            .iter()
            .map(|&k| {
                *used_policies.entry(k).or_insert(0) += 1;
                carried.push(&corpus[k].1);
                json!({"PolicyName": corpus[k].0, "PolicyArn": format!("arn:aws:iam::aws:policy/{}", corpus[k].0)})
            })
            .collect();
        let inline: Vec<Value> = if r % 7 == 0 {
            let k = rng.below(corpus.len());
            carried.push(&corpus[k].1);
            vec![json!({"PolicyName": format!("inline-{}", corpus[k].0),
                        "PolicyDocument": url_encode(&corpus[k].1.to_value().to_string())})]
        } else {
            Vec::new()
        };
        role_items.push(json!({"Path": "/synthetic/", "RoleName": name, "RoleId": format!("AROA{r:016}"), "Arn": arn,
            "CreateDate": "2024-01-01T00:00:00+00:00", "RolePolicyList": inline, "AttachedManagedPolicies": attached,
            "InstanceProfileList": [], "Tags": []}));
        let finding = if r % 50 == 49 {
            json!({"id": format!("f-{r}"), "findingType": "UnusedIAMRole", "status": "ACTIVE", "resource": arn,
                   "resourceType": "AWS::IAM::Role", "resourceOwnerAccount": "123456789012",
                   "findingDetails": [{"unusedIamRoleDetails": {"lastAccessed": "2023-01-01T00:00:00+00:00"}}]})
        } else {
            let share = [0.02, 0.1, 0.5, 0.9][rng.below(4)];
            let mut by_service: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for i in allowed(&catalog, &carried) {
                if rng.chance(share) {
                    let (s, a) = catalog.name(i).split_once(':').unwrap();
                    by_service.entry(s).or_default().push(a);
                }
            }
            let details: Vec<Value> = by_service
                .into_iter()
                .map(|(s, actions)| {
                    if rng.chance(0.05) {
                        json!({"unusedPermissionDetails": {"serviceNamespace": s}})
                    } else {
                        let actions: Vec<Value> = actions.iter().map(|a| json!({"action": format!("{s}:{a}")})).collect();
                        json!({"unusedPermissionDetails": {"serviceNamespace": s, "actions": actions}})
                    }
                })
                .collect();
            json!({"id": format!("f-{r}"), "findingType": "UnusedPermission", "status": "ACTIVE", "resource": arn,
                   "resourceType": "AWS::IAM::Role", "resourceOwnerAccount": "123456789012",
                   "analyzedAt": "2024-06-05T00:00:00+00:00", "findingDetails": details})
        };
        findings.push_str(&finding.to_string());
        findings.push('\n');
        if role_items.len() == 100 {
            pages.push(json!({"RoleDetailList": std::mem::take(&mut role_items), "IsTruncated": true, "Marker": format!("m{r}")}));
        }
    }
    let policies: Vec<Value> = used_policies
        .iter()
        .map(|(&k, &n)| {
            let (name, p) = &corpus[k];
            json!({"PolicyName": name, "Arn": format!("arn:aws:iam::aws:policy/{name}"), "DefaultVersionId": "v1",
                   "AttachmentCount": n, "IsAttachable": true, "UpdateDate": "2024-01-01T00:00:00+00:00",
                   "PolicyVersionList": [{"Document": url_encode(&p.to_value().to_string()), "VersionId": "v1", "IsDefaultVersion": true}]})
        })
        .collect();
    pages.push(json!({"RoleDetailList": role_items, "Policies": policies, "IsTruncated": false}));
    let auth: String = pages.iter().map(|p| format!("{p}\n")).collect();
    std::fs::write(out.join("authorization-details.json"), &auth).unwrap();
    std::fs::write(out.join("findings.jsonl"), &findings).unwrap();
    println!(
        "wrote {roles} roles ({} distinct policies, {:.1} MB export, {:.1} MB findings) to {} in {:.2} s",
        used_policies.len(),
        auth.len() as f64 / 1e6,
        findings.len() as f64 / 1e6,
        out.display(),
        started.elapsed().as_secs_f64()
    );
    if !plan {
        return;
    }
    let t = Instant::now();
    let account = Account::parse(&auth).unwrap();
    let parse_account = t.elapsed();
    let t = Instant::now();
    let found = AccountFindings::parse([("findings.jsonl", findings.as_str())]).unwrap();
    let parse_findings = t.elapsed();
    let options = PlanOptions {
        fit_quota: true,
        ..PlanOptions::default()
    };
    let t = Instant::now();
    let mut summary = AccountSummary::default();
    let mut written = 0usize;
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for p in account.principals() {
        let evidence = found
            .principal(&p.arn)
            .map(Evidence::from)
            .unwrap_or_default();
        let plan = plan_principal(&account, p, evidence, &catalog, &options);
        written += plan.recommendation().to_value().to_string().len();
        for e in &plan.errors {
            // The message up to its first number: the kind of failure.
            let e = e.to_string();
            let kind = e
                .split(|c: char| c.is_ascii_digit())
                .next()
                .unwrap_or("")
                .to_string();
            *reasons.entry(kind).or_insert(0) += 1;
        }
        summary.add(&plan);
    }
    let planning = t.elapsed();
    println!(
        "read the export in {:.2} s, the findings in {:.2} s; planned {} principals in {:.2} s on one thread ({:.0} per second; {:.1} MB of recommendations)",
        parse_account.as_secs_f64(),
        parse_findings.as_secs_f64(),
        summary.principals,
        planning.as_secs_f64(),
        summary.principals as f64 / planning.as_secs_f64(),
        written as f64 / 1e6
    );
    println!("{}", summary.render());
    for (kind, n) in reasons {
        println!("  {n} x {kind}...");
    }
}
