//! `iam-refine account`'s work per principal (`cargo bench --bench account`), on a
//! synthetic account built here from the vendored corpus (roles with 1-5 attached AWS
//! managed policies, a finding per role naming one service unused), each stage on its own so
//! that a regression says where it is:
//!
//! - `account/parse_export/N`: `Account::parse` of the export text;
//! - `account/stream_export/N`: the same read as `account` reads a file, as it streams
//!   (`Account::read_from`): its text never held whole, each byte handed to `serde_json` one
//!   at a time and lexed for number literals as it goes;
//! - `account/parse_findings/N`: `AccountFindings::parse` of the JSON-lines findings;
//! - `account/stream_findings/N`: the same read as `account --findings` reads a file, a
//!   chunk at a time (`AccountFindingsReader::read_from`): the streaming that keeps an
//!   organisation's findings file from being held whole must cost no more than the text
//!   parse (the one-allocation-per-name table and SHA-256 page fingerprints included);
//! - `account/plan/N`: `plan_principal` for every principal, one thread;
//! - `account/plan_render_hash/N`: the same, plus what the CLI does with each plan before
//!   it writes the file: the recommendation rendered to pretty JSON and its SHA-256 for the
//!   output manifest. The SHA-256 was the measurable code part of issue 20's "2.6x slower
//!   than the README's account figures" (+1.03 G of 13.8 G instructions for 2,050
//!   principals under callgrind: `sha2`'s portable code on a CPU without SHA extensions);
//!   the rest was the machine (the old binary took as long as the new in a paired run).
//!
//! - `account/plan_prove/N`: `plan` and, as `account --verify` does, each changed policy
//!   proved (`verify_documents_or_whole` on one Z3 worker, against the principal's
//!   findings): issue 20 part 3's per-principal work. Guards the prover's ground questions
//!   (`Statement::for_each_relevant` looking up only the prefix lengths a statement has,
//!   T1's kept candidates sorted in a `Vec`), `parse_document` copying only the top-level
//!   keys, and patterns normal without a copy (1,050 principals under callgrind: the
//!   prover's part 6.56 G -> 3.39 G instructions, with mimalloc in the binaries).
//!
//! Throughput is in principals, so the per-principal cost reads off directly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // bench code

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use iam_refine::{
    plan_principal, Account, AccountFindings, AccountFindingsReader, Catalog, Evidence,
    PlanOptions, PolicyAction,
};
use iam_refine_tests::corpus::corpus;
use iam_refine_verify::{Keep, Options, Prover, Unused, Verdict, Z3Worker};

const ROLES: usize = 400;
const ACCOUNT: &str = "123456789012";

/// A deterministic pseudo-random sequence (xorshift), so every run benches one account.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// The first service an Allow statement of `doc` names in `Action`.
fn first_service(doc: &Value) -> Option<String> {
    let statements = match &doc["Statement"] {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    statements.iter().find_map(|s| {
        let actions = match &s["Action"] {
            Value::String(a) => vec![a.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        };
        actions
            .iter()
            .find_map(|a| a.split_once(':').map(|(s, _)| s.to_string()))
    })
}

/// The export and the findings (JSON lines) of an account of `roles` roles.
fn synthetic_account(roles: usize) -> (String, String) {
    let corpus = corpus();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut used = std::collections::BTreeMap::new();
    let mut items = Vec::new();
    let mut findings = String::new();
    for r in 0..roles {
        let arn = format!("arn:aws:iam::{ACCOUNT}:role/Role{r:05}");
        let mut attached = Vec::new();
        let mut service = None;
        for _ in 0..1 + rng.below(5) {
            let p = &corpus[rng.below(corpus.len())];
            let policy_arn = format!("arn:aws:iam::aws:policy/{}", p.name);
            if attached
                .iter()
                .any(|a: &Value| a["PolicyArn"] == policy_arn)
            {
                continue;
            }
            service = service.or_else(|| first_service(p.document()));
            used.insert(policy_arn.clone(), p);
            attached.push(json!({"PolicyName": p.name, "PolicyArn": policy_arn}));
        }
        items.push(
            json!({"RoleName": format!("Role{r:05}"), "Path": "/", "Arn": arn,
            "RolePolicyList": [], "AttachedManagedPolicies": attached}),
        );
        let service = service.unwrap_or_else(|| "s3".to_string());
        let finding = json!({"id": format!("f{r}"), "findingType": "UnusedPermission",
            "status": "ACTIVE", "resource": arn, "resourceType": "AWS::IAM::Role",
            "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": service}}]});
        findings.push_str(&format!("{finding}\n"));
    }
    let policies: Vec<Value> = used
        .iter()
        .map(|(arn, p)| {
            json!({"PolicyName": p.name, "Arn": arn, "DefaultVersionId": "v1",
                "AttachmentCount": 1,
                "PolicyVersionList": [{"Document": p.document(), "VersionId": "v1",
                    "IsDefaultVersion": true}]})
        })
        .collect();
    let export = json!({"RoleDetailList": items, "Policies": policies}).to_string();
    (export, findings)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn bench_account(c: &mut Criterion) {
    let catalog = Catalog::embedded();
    let options = PlanOptions::default();
    let (export, findings_text) = synthetic_account(ROLES);
    let account = Account::parse(&export).unwrap();
    let findings = AccountFindings::parse([("findings.jsonl", findings_text.as_str())]).unwrap();
    let principals = account.principals();
    assert_eq!(principals.len(), ROLES);

    let mut g = c.benchmark_group("account");
    g.throughput(Throughput::Elements(ROLES as u64));
    g.measurement_time(Duration::from_secs(10));
    g.sample_size(10);
    g.bench_with_input(BenchmarkId::new("parse_export", ROLES), &export, |b, t| {
        b.iter(|| Account::parse(black_box(t)).unwrap());
    });
    g.bench_with_input(BenchmarkId::new("stream_export", ROLES), &export, |b, t| {
        b.iter(|| Account::read_from(black_box(t.as_bytes())).unwrap());
    });
    g.bench_with_input(
        BenchmarkId::new("parse_findings", ROLES),
        &findings_text,
        |b, t| b.iter(|| AccountFindings::parse([("f", black_box(t.as_str()))]).unwrap()),
    );
    g.bench_with_input(
        BenchmarkId::new("stream_findings", ROLES),
        &findings_text,
        |b, t| {
            b.iter(|| {
                let mut reader = AccountFindingsReader::default();
                reader.read_from("f", black_box(t.as_bytes())).unwrap();
                reader.finish()
            });
        },
    );
    let plan_all = |render: bool| {
        let mut n = 0usize;
        for p in principals {
            let held = findings.principal(&p.arn).unwrap().unpack().unwrap();
            let evidence = Evidence::from(&held);
            let plan = plan_principal(&account, p, evidence, &catalog, &options);
            if render {
                let text = serde_json::to_string_pretty(&plan.recommendation().to_value()).unwrap();
                n += sha256_hex(text.as_bytes()).len();
            } else {
                n += plan.policies.len();
            }
        }
        n
    };
    g.bench_function(BenchmarkId::new("plan", ROLES), |b| {
        b.iter(|| black_box(plan_all(false)));
    });
    g.bench_function(BenchmarkId::new("plan_render_hash", ROLES), |b| {
        b.iter(|| black_box(plan_all(true)));
    });
    let (text, bounds) = catalog.packed_lower();
    let prover = Prover::from_packed(text, bounds).unwrap();
    let mut z3 = Z3Worker::new();
    let mut plan_prove = || {
        let mut proved = 0usize;
        for p in principals {
            let held = findings.principal(&p.arn).unwrap().unpack().unwrap();
            let evidence = Evidence::from(&held);
            let plan = plan_principal(&account, p, evidence, &catalog, &options);
            let f = plan.findings.clone().unwrap_or_default();
            let unused = Unused {
                actions: f.actions().map(String::from).collect(),
                services: f.services().map(String::from).collect(),
                keep: f.keep_patterns().map(String::from).collect(),
            };
            for policy in plan
                .policies
                .iter()
                .filter(|x| x.action != PolicyAction::Unchanged)
            {
                let original = policy.original.to_value();
                let documents: Vec<Value> = policy.documents.iter().map(|d| d.to_value()).collect();
                let report = prover
                    .verify_documents_or_whole(
                        &mut z3,
                        &original,
                        &documents,
                        &unused,
                        &Keep::nothing(),
                        &Options::default(),
                    )
                    .unwrap();
                proved += usize::from(report.verdict == Verdict::Proved);
            }
        }
        proved
    };
    assert!(plan_prove() > 0);
    g.bench_function(BenchmarkId::new("plan_prove", ROLES), |b| {
        b.iter(|| black_box(plan_prove()));
    });
    g.finish();
}

criterion_group!(benches, bench_account);
criterion_main!(benches);
