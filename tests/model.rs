//! Property tests: random policies and findings, over the real catalog and over small
//! adversarial ones, each refinement checked against the brute-force model of
//! `iam_refine_tests` (exactness over the catalog, containment over all strings, shortest
//! safe prefixes). `IAM_REFINE_FULL=1` runs 16 times as many cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use iam_refine::{refine, Catalog, Findings, Policy};
use iam_refine_tests::{
    catalog_model, check, embedded_catalog, full_sweep, tag_statements, Model, Rng, UnusedSet,
};
use proptest::prelude::*;
use serde_json::{json, Value};

fn catalog() -> &'static Catalog {
    embedded_catalog()
}

/// `default` cases, or 16 times as many under `IAM_REFINE_FULL`.
fn cases(default: u32) -> u32 {
    if full_sweep() {
        default * 16
    } else {
        default
    }
}

/// Services with many actions and deep CamelCase trees are the interesting ones.
const RICH: [&str; 8] = [
    "s3",
    "ec2",
    "iam",
    "rds",
    "lambda",
    "dynamodb",
    "sagemaker",
    "glue",
];

fn random_case_text(s: &str, rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => s.to_ascii_lowercase(),
        1 => s.to_ascii_uppercase(),
        _ => s.to_string(),
    }
}

struct Case {
    policy: Value,
    findings: Findings,
    unused: UnusedSet,
    unknown_names: Vec<String>,
}

fn service_actions(c: &Catalog, service: &str) -> Vec<String> {
    c.prefix_range(&format!("{service}:"))
        .map(|i| c.name(i).to_string())
        .collect()
}

fn random_entry(
    rng: &mut Rng,
    service: &str,
    actions: &[String],
    unknown: &mut Vec<String>,
) -> String {
    let a = &actions[rng.below(actions.len())];
    let name = &a[service.len() + 1..];
    match rng.below(20) {
        0..=4 => random_case_text(a, rng),
        5..=8 => {
            let nodes = iam_refine_tests::word_prefixes(a);
            let cut = &nodes[2 + rng.below(nodes.len() - 2)];
            format!("{}*", random_case_text(cut, rng))
        }
        9..=11 => {
            let cut = 1 + rng.below(name.len());
            format!("{service}:{}*", &name[..cut])
        }
        12 => format!("{service}:*"),
        13 => "*".to_string(),
        14 => {
            let words: Vec<&str> = iam_refine::words(name);
            let w = words[rng.below(words.len())];
            format!("{service}:*{w}*")
        }
        15 => {
            let k = rng.below(name.len());
            let mut chars: Vec<char> = name.chars().collect();
            chars[k] = '?';
            format!("{service}:{}", chars.into_iter().collect::<String>())
        }
        16 => {
            let words: Vec<&str> = iam_refine::words(name);
            format!("{service}:{}*{}", words[0], words[words.len() - 1])
        }
        17 => {
            let u = format!("{service}:{name}Future{}", rng.below(3));
            unknown.push(u.clone());
            u
        }
        _ => format!("{}*", &a[..a.len().min(service.len() + 1 + rng.below(4))]),
    }
}

fn random_case(seed: u64) -> Case {
    let c = catalog();
    let mut rng = Rng(seed);
    let mut services: Vec<String> = Vec::new();
    for _ in 0..1 + rng.below(2) {
        let s = if rng.chance(0.6) {
            RICH[rng.below(RICH.len())].to_string()
        } else {
            c.service(rng.below(c.len())).to_string()
        };
        if !services.contains(&s) {
            services.push(s);
        }
    }
    let actions: Vec<Vec<String>> = services.iter().map(|s| service_actions(c, s)).collect();
    let mut unknown = Vec::new();
    let mut statements = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let effect = if rng.chance(0.12) { "Deny" } else { "Allow" };
        let key = if rng.chance(0.15) {
            "NotAction"
        } else {
            "Action"
        };
        let entries: Vec<String> = (0..1 + rng.below(5))
            .map(|_| {
                let k = rng.below(services.len());
                random_entry(&mut rng, &services[k], &actions[k], &mut unknown)
            })
            .collect();
        statements.push(json!({"Effect": effect, key: entries, "Resource": "*"}));
    }
    let policy = tag_statements(&json!({"Version": "2012-10-17", "Statement": statements}));

    let mut findings = Vec::new();
    let mut unused = UnusedSet::default();
    let p = [0.03, 0.2, 0.5, 0.9][rng.below(4)];
    for (s, list) in services.iter().zip(&actions) {
        if rng.chance(0.08) {
            findings.push(json!({"serviceNamespace": s}));
            unused.services.insert(s.to_ascii_lowercase());
            continue;
        }
        let mut names: Vec<String> = list
            .iter()
            .filter(|_| rng.chance(p))
            .map(|a| a[s.len() + 1..].to_string())
            .collect();
        if rng.chance(0.2) {
            // An unused action the catalog does not know, sharing a prefix with real ones.
            let a = &list[rng.below(list.len())];
            let name = format!("{}Next", &a[s.len() + 1..]);
            unknown.push(format!("{s}:{name}"));
            names.push(name);
        }
        if rng.chance(0.3) && !unknown.is_empty() {
            let u = &unknown[rng.below(unknown.len())];
            if let Some(rest) = u.strip_prefix(&format!("{s}:")) {
                names.push(rest.to_string());
            }
        }
        for n in &names {
            unused
                .actions
                .insert(format!("{s}:{n}").to_ascii_lowercase());
        }
        findings.push(json!({"serviceNamespace": s, "actions": names}));
    }
    let findings =
        Findings::parse(&Value::Array(findings).to_string()).expect("generated findings parse");
    Case {
        policy,
        findings,
        unused,
        unknown_names: unknown,
    }
}

fn run_case(seed: u64) -> Result<(), String> {
    let case = random_case(seed);
    let c = catalog();
    let policy = Policy::parse(&case.policy.to_string()).map_err(|e| e.to_string())?;
    let unused = case.findings.resolve(c);
    let refinement = refine(&policy, &unused);
    let model = catalog_model().with_extra(case.unknown_names.iter().cloned());
    check(&model, &policy, &refinement, &case.unused).map_err(|e| {
        format!(
            "{e}\npolicy: {}\nfindings: {:?} / services {:?}\nrefined: {}",
            case.policy,
            case.findings.actions().collect::<Vec<_>>(),
            case.findings.services().collect::<Vec<_>>(),
            refinement.policy.to_value()
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(512),
        // A seed has no structure to shrink; report it as found.
        max_shrink_iters: 0,
        ..ProptestConfig::default()
    })]

    #[test]
    fn refinement_matches_the_brute_force_model(seed in any::<u64>()) {
        if let Err(e) = run_case(seed) {
            prop_assert!(false, "seed {seed}: {e}");
        }
    }
}

/// The model itself must be able to fail: a refinement broken on purpose is caught.
#[test]
fn the_model_catches_broken_refinements() {
    let c = catalog();
    let text = tag_statements(
        &json!({"Statement": [{"Effect": "Allow", "Action": ["s3:List*", "s3:GetObject*"]}]}),
    );
    let policy = Policy::parse(&text.to_string()).expect("policy");
    let findings = Findings::from_names(&["s3:ListBucket", "s3:GetObjectAcl"], &[]);
    let unused_set = UnusedSet {
        actions: ["s3:listbucket", "s3:getobjectacl"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ..UnusedSet::default()
    };
    let model = catalog_model();
    let good = refine(&policy, &findings.resolve(c));
    check(model, &policy, &good, &unused_set).expect("the real refinement passes");

    let mutate = |f: &dyn Fn(&mut Vec<String>)| {
        let mut bad = good.clone();
        let mut patterns = bad.policy.statements[0].patterns.clone();
        f(&mut patterns);
        let s = bad.policy.statements[0].with_patterns(patterns);
        bad.policy = bad.policy.with_statements(vec![s]);
        check(model, &policy, &bad, &unused_set)
    };
    let e = mutate(&|p| p.push("S3:LISTBUCKET".into())).expect_err("unused action added back");
    assert!(e.contains("s3:ListBucket"), "{e}");
    let e = mutate(&|p| p.retain(|x| x != "s3:GetObject")).expect_err("kept action dropped");
    assert!(e.contains("s3:GetObject"), "{e}");
    let e = mutate(&|p| {
        p.retain(|x| !x.starts_with("s3:ListA"));
        p.push("s3:L*".into());
    })
    .expect_err("widened wildcard");
    assert!(
        e.contains("should not be") || e.contains("not contained"),
        "{e}"
    );
    // Same actions over the catalog, but a wildcard below a safe parent: not the shortest.
    let e = mutate(&|p| {
        p.retain(|x| x != "s3:GetObjectVersion*");
        p.extend(
            [
                "s3:GetObjectVersion",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionAnnotation*",
                "s3:GetObjectVersionAttributes",
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionTagging",
                "s3:GetObjectVersionTorrent",
            ]
            .map(String::from),
        );
    })
    .expect_err("a wildcard that is not the shortest");
    assert!(e.contains("not the shortest"), "{e}");
}

/// Seeds that once exposed bugs, kept as regression cases.
#[test]
fn regression_seeds() {
    // 10343112163702268665 and 6863399110036614306 caught an unknown literal name of one
    // statement added to another statement's prefix wildcard (a refiner bug, never landed).
    for seed in [
        0u64,
        1,
        2,
        42,
        7_777,
        10_343_112_163_702_268_665,
        6_863_399_110_036_614_306,
    ] {
        run_case(seed).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    }
}

/// A small synthetic catalog with services that share prefixes (`a`, `ab`, `a-b`) and names
/// that share words and letters, so that string prefixes and word prefixes disagree often.
fn small_catalog(rng: &mut Rng) -> Catalog {
    const WORDS: [&str; 12] = [
        "Get", "Gets", "Object", "Obj", "Objects", "DB", "DBS", "Instance", "V2", "X", "Acl", "a",
    ];
    let mut entries = Vec::new();
    for service in ["a", "ab", "a-b"] {
        for _ in 0..rng.below(25) + 5 {
            let n = 1 + rng.below(3);
            let name: String = (0..n).map(|_| WORDS[rng.below(WORDS.len())]).collect();
            entries.push(iam_refine::Entry {
                service: service.to_string(),
                action: name,
                level: iam_refine::AccessLevel::Read,
            });
        }
    }
    Catalog::from_entries(entries, Default::default()).expect("valid synthetic catalog")
}

/// A pattern made by mangling a catalog name: wildcards anywhere, cuts, case changes.
fn mangled(rng: &mut Rng, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    for _ in 0..rng.below(3) {
        let k = rng.below(chars.len());
        match rng.below(5) {
            0 => chars[k] = '?',
            1 => chars.insert(k, '*'),
            2 => chars.truncate(k + 1),
            3 => chars[k] = chars[k].to_ascii_uppercase(),
            _ => chars[k] = '*',
        }
    }
    if rng.chance(0.5) {
        chars.push('*');
    }
    chars.into_iter().collect()
}

fn run_small_case(seed: u64) -> Result<(), String> {
    let mut rng = Rng(seed);
    let c = small_catalog(&mut rng);
    let names: Vec<String> = (0..c.len()).map(|i| c.name(i).to_string()).collect();
    let mut unknown = Vec::new();
    let mut statements = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let effect = if rng.chance(0.1) { "Deny" } else { "Allow" };
        let key = if rng.chance(0.2) {
            "NotAction"
        } else {
            "Action"
        };
        let entries: Vec<String> = (0..1 + rng.below(4))
            .map(|_| match rng.below(10) {
                0 => "*".to_string(),
                1 => {
                    let u = format!("{}Zz", names[rng.below(names.len())]);
                    unknown.push(u.clone());
                    u
                }
                2 => names[rng.below(names.len())].clone(),
                _ => {
                    let k = rng.below(names.len());
                    mangled(&mut rng, &names[k])
                }
            })
            .collect();
        statements.push(json!({"Effect": effect, key: entries}));
    }
    let policy_json = tag_statements(&json!({"Statement": statements}));
    let mut unused = UnusedSet::default();
    let mut findings = Vec::new();
    for service in ["a", "ab", "a-b", "new"] {
        if rng.chance(0.1) {
            unused.services.insert(service.to_string());
            findings.push(json!({"serviceNamespace": service}));
            continue;
        }
        let p = rng.below(100) as f64 / 100.0;
        let mut list: Vec<String> = names
            .iter()
            .filter_map(|n| n.strip_prefix(&format!("{service}:")))
            .filter(|_| rng.chance(p))
            .map(String::from)
            .collect();
        if rng.chance(0.3) && !unknown.is_empty() {
            let u = &unknown[rng.below(unknown.len())];
            if let Some(rest) = u.strip_prefix(&format!("{service}:")) {
                list.push(rest.to_string());
            }
        }
        if rng.chance(0.2) {
            list.push("GetObjectFuture".to_string());
            unknown.push(format!("{service}:GetObjectFuture"));
        }
        for a in &list {
            unused
                .actions
                .insert(format!("{service}:{a}").to_ascii_lowercase());
        }
        findings.push(json!({"serviceNamespace": service, "actions": list}));
    }
    let findings =
        Findings::parse(&Value::Array(findings).to_string()).map_err(|e| e.to_string())?;
    let policy = Policy::parse(&policy_json.to_string()).map_err(|e| e.to_string())?;
    let refinement = refine(&policy, &findings.resolve(&c));
    let model = Model::new(&c, unknown);
    check(&model, &policy, &refinement, &unused).map_err(|e| {
        format!(
            "{e}\ncatalog: {names:?}\npolicy: {policy_json}\nfindings: {:?} / {:?}\nrefined: {}",
            findings.actions().collect::<Vec<_>>(),
            findings.services().collect::<Vec<_>>(),
            refinement.policy.to_value()
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(2_000),
        max_shrink_iters: 0,
        ..ProptestConfig::default()
    })]

    /// Adversarial patterns (wildcards anywhere) over a small catalog, checked exhaustively.
    #[test]
    fn adversarial_patterns_over_a_small_catalog(seed in any::<u64>()) {
        if let Err(e) = run_small_case(seed) {
            prop_assert!(false, "seed {seed}: {e}");
        }
    }
}
