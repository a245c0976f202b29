//! Reproducible inputs for the verifier's hard classes (issue 7 and 10): each is a policy the
//! refiner (`iam-refine`, the library) refines under fixed findings, as `refine --verify`
//! does, or a hand-made equivalent rewrite. Shared by `verify/tests/classes.rs` (regression
//! tests), `benches/verify.rs` and `benches/verify_classes.rs` (figures), which include this
//! file by path.
#![allow(dead_code)] // each includer uses a part

use iam_refine::{refine, ActionKey, Catalog, Effect, Findings, Pattern, Policy};
use iam_refine_verify::Unused;
use serde_json::{json, Value};

/// One verification problem: original, refined, the findings as `refine --unused` reads them,
/// and as the verifier takes them.
pub struct Case {
    pub name: String,
    pub original: Value,
    pub refined: Value,
    /// `[{"serviceNamespace": ..., "actions": [...]}]`, for the CLI.
    pub findings: Value,
    pub unused: Unused,
}

/// The policy's size as IAM counts it (no whitespace outside strings): minified JSON.
pub fn size(doc: &Value) -> usize {
    serde_json::to_string(doc).map_or(0, |s| s.len())
}

/// CamelCase words of an action name (split before each capital).
fn words(action: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in action.chars() {
        if c.is_ascii_uppercase() || out.is_empty() {
            out.push(String::new());
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out
}

pub const SERVICES: [&str; 12] = [
    "s3",
    "ec2",
    "iam",
    "lambda",
    "dynamodb",
    "sqs",
    "sns",
    "kms",
    "rds",
    "logs",
    "glue",
    "sagemaker",
];

/// A single-statement Allow policy whose entries put `?*` runs around an infix word of
/// `services`' actions (`s3:*?*?*Get*`, `s3:*Tagging*?*`, ...), cycling over the services,
/// their most frequent words and four shapes, until the policy is about `target`
/// characters long.
pub fn infix_policy(catalog: &Catalog, services: &[&str], target: usize) -> Value {
    const SHAPES: [(&str, &str); 4] = [("*?*?*", "*"), ("*", "*?*"), ("?*", "*?*"), ("*?*", "?*")];
    let mut per_service: Vec<Vec<String>> = Vec::new();
    for svc in services {
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for i in 0..catalog.len() {
            if catalog.service(i) == *svc {
                let name = catalog.name(i);
                let action = name.split_once(':').map_or(name, |(_, a)| a);
                for w in words(action) {
                    *counts.entry(w).or_default() += 1;
                }
            }
        }
        let mut ranked: Vec<(usize, String)> = counts.into_iter().map(|(w, n)| (n, w)).collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        per_service.push(ranked.into_iter().map(|(_, w)| w).collect());
    }
    let mut entries: Vec<String> = Vec::new();
    let mut doc = json!({});
    'fill: for (before, after) in SHAPES {
        for rank in 0..per_service.iter().map(Vec::len).max().unwrap_or(0) {
            for (s, svc) in services.iter().enumerate() {
                let Some(word) = per_service[s].get(rank) else {
                    continue;
                };
                entries.push(format!("{svc}:{before}{word}{after}"));
                doc = json!({"Version": "2012-10-17", "Statement": [
                    {"Sid": "Infix", "Effect": "Allow", "Action": entries, "Resource": "*"}
                ]});
                if size(&doc) >= target {
                    break 'fill;
                }
            }
        }
    }
    doc
}

/// Names of catalog actions the policy's Allow `Action` statements allow, every `every`-th
/// (from the `offset`-th) of them: deterministic findings.
pub fn findings_every(policy: &Policy, catalog: &Catalog, every: usize, offset: usize) -> Findings {
    let patterns: Vec<Pattern> = policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && s.key == ActionKey::Action)
        .flat_map(|s| s.patterns.iter().map(|p| Pattern::new(p)))
        .collect();
    let allowed: Vec<String> = (0..catalog.len())
        .filter(|&i| patterns.iter().any(|p| p.matches(catalog.lower(i))))
        .map(|i| catalog.name(i).to_string())
        .collect();
    let chosen: Vec<String> = allowed
        .into_iter()
        .skip(offset)
        .step_by(every.max(1))
        .collect();
    Findings::from_names(&chosen, &[])
}

/// The findings as the CLI reads them.
pub fn findings_json(findings: &Findings) -> Value {
    let mut by_service: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for a in findings.actions() {
        if let Some((s, n)) = a.split_once(':') {
            by_service.entry(s).or_default().push(n);
        }
    }
    let mut out: Vec<Value> = by_service
        .into_iter()
        .map(|(s, actions)| json!({"serviceNamespace": s, "actions": actions}))
        .collect();
    for s in findings.services() {
        out.push(json!({"serviceNamespace": s}));
    }
    Value::Array(out)
}

pub fn unused_of(findings: &Findings) -> Unused {
    Unused {
        actions: findings.actions().map(String::from).collect(),
        services: findings.services().map(String::from).collect(),
        keep: findings.keep_patterns().map(String::from).collect(),
    }
}

/// `original` refined by the library under `findings`.
pub fn refined_case(name: &str, original: Value, findings: &Findings, catalog: &Catalog) -> Case {
    let policy = Policy::parse(&original.to_string()).expect("generated policy parses");
    let refinement = refine(&policy, &findings.resolve(catalog));
    Case {
        name: name.to_string(),
        refined: refinement.policy.to_value(),
        original: policy.to_value(),
        findings: findings_json(findings),
        unused: unused_of(findings),
    }
}

/// Class 1: the infix `?*` policy of about `target` characters, one in `every` of the
/// catalog actions it allows unused.
pub fn infix_case(catalog: &Catalog, services: &[&str], target: usize, every: usize) -> Case {
    let original = infix_policy(catalog, services, target);
    let policy = Policy::parse(&original.to_string()).expect("generated policy parses");
    let findings = findings_every(&policy, catalog, every, 3);
    let name = format!(
        "infix ?* policy over {}, {} chars, 1 in {every} unused",
        services.join(" "),
        size(&original)
    );
    refined_case(&name, original, &findings, catalog)
}

/// Class 1b: [`infix_case`] with the refined side's wildcard runs written another way
/// (`*?*?*` as `??*`, `*?*` as `?*`), as another tool, or a person, may write them.
pub fn infix_respelt_case(
    catalog: &Catalog,
    services: &[&str],
    target: usize,
    every: usize,
) -> Case {
    let mut case = infix_case(catalog, services, target, every);
    case.name.push_str(", refined runs respelt");
    respell(&mut case.refined, &|a: &str| {
        a.replace("*?*?*", "??*").replace("*?*", "?*")
    });
    case
}

/// Rewrite every `Action` / `NotAction` entry.
pub fn respell(doc: &mut Value, f: &dyn Fn(&str) -> String) {
    let statements: Vec<&mut Value> = match &mut doc["Statement"] {
        Value::Array(items) => items.iter_mut().collect(),
        one => vec![one],
    };
    for s in statements {
        for key in ["Action", "NotAction"] {
            match s.get_mut(key) {
                Some(Value::String(a)) => *a = f(a),
                Some(Value::Array(list)) => {
                    for a in list {
                        if let Value::String(a) = a {
                            *a = f(a);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// The Deny statement of class 2: prefix and infix wildcards over several services, and
/// literal names.
pub fn deny_actions() -> Vec<String> {
    let mut out: Vec<String> = [
        "s3:Delete*",
        "s3:PutBucket*",
        "s3:*Policy*",
        "s3:PutObjectAcl",
        "iam:*AccessKey*",
        "iam:Create*",
        "iam:*Policy",
        "iam:Delete*",
        "iam:Put*Policy",
        "iam:*User*",
        "iam:PassRole",
        "ec2:*Vpc*",
        "ec2:Delete*",
        "ec2:*SecurityGroup*",
        "ec2:Modify*Attribute",
        "kms:*Key*",
        "kms:ScheduleKeyDeletion",
        "lambda:*Permission*",
        "lambda:Delete*",
        "cloudtrail:Stop*",
        "cloudtrail:Delete*",
        "cloudtrail:*Trail*",
        "organizations:Leave*",
        "organizations:*Account*",
        "logs:Delete*",
        "logs:*Retention*",
        "sagemaker:*Model*",
        "sagemaker:Delete*",
        "glue:*Resource*",
        "glue:Delete*",
        "dynamodb:Delete*",
        "dynamodb:*Table*",
        "rds:Delete*",
        "rds:*Snapshot*",
        "sns:*Topic*",
        "sqs:*Queue*",
    ]
    .map(String::from)
    .to_vec();
    out.sort();
    out
}

/// An equivalent rewrite of a Deny action list: another order, every `*` written `**`, and
/// each trailing `X*` split into `X` and `X?*`.
pub fn deny_rewrite(actions: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for a in actions.iter().rev() {
        if let Some(stem) = a.strip_suffix('*') {
            if !stem.contains(['*', '?']) {
                out.push(format!("{stem}?**"));
                out.push(stem.to_string());
                continue;
            }
        }
        out.push(a.replace('*', "**"));
    }
    out
}

/// Class 2: a policy with an Allow statement and a Deny statement, refined by the library;
/// then the refined Deny replaced by an equivalent rewrite (the refiner never rewrites a
/// Deny: this is a hand-written refinement `verify` must still prove).
pub fn deny_case(catalog: &Catalog) -> Case {
    let original = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Work", "Effect": "Allow", "Action": ["s3:*", "ec2:Describe*", "iam:Get*", "iam:List*", "lambda:*", "logs:*"], "Resource": "*"},
        {"Sid": "Guard", "Effect": "Deny", "Action": deny_actions(), "Resource": "*"}
    ]});
    let policy = Policy::parse(&original.to_string()).expect("generated policy parses");
    let findings = findings_every(&policy, catalog, 10, 1);
    let mut case = refined_case("equivalent Deny rewrite", original, &findings, catalog);
    set_deny(&mut case.refined, deny_rewrite(&deny_actions()));
    case
}

/// Replace the `Action` of the (last) Deny statement.
pub fn set_deny(doc: &mut Value, actions: Vec<String>) {
    if let Some(list) = doc["Statement"].as_array_mut() {
        if let Some(deny) = list.iter_mut().rev().find(|s| s["Effect"] == "Deny") {
            deny["Action"] = json!(actions);
        }
    }
}

/// Every `*` of every `Action` / `NotAction` entry written `**`.
pub fn double_stars(doc: &Value) -> Value {
    let mut doc = doc.clone();
    respell(&mut doc, &|a: &str| a.replace('*', "**"));
    doc
}

/// The corpus policies class 3 uses (they have infix and suffix wildcards, or many entries).
pub const DOUBLED_STAR_POLICIES: [&str; 4] = [
    "ReadOnlyAccess",
    "SageMakerStudioAdminIAMDefaultExecutionPolicy",
    "AmazonAugmentedAIFullAccess",
    "AWSSupportServiceRolePolicy",
];

/// A policy of the vendored corpus (`tests/data/`), parsed.
fn corpus_policy(name: &str) -> Policy {
    let text = iam_refine_tests::corpus_policy(name).text();
    Policy::parse(&text).expect("corpus policy parses")
}

/// Class 3: a corpus policy with every `*` written `**`, against the library's refinement
/// of the policy as AWS publishes it (10 % of what it allows unused): the same patterns,
/// spelt differently on the two sides.
pub fn doubled_star_case(name: &str, catalog: &Catalog) -> Case {
    let policy = corpus_policy(name);
    let findings = findings_every(&policy, catalog, 10, 0);
    let mut case = refined_case(
        &format!("{name} with `**`"),
        policy.to_value(),
        &findings,
        catalog,
    );
    case.original = double_stars(&case.original);
    case
}

/// Class 3 under the corpus tests' random findings (`iam_refine_tests::random_findings`,
/// seeded by the policy's name).
pub fn doubled_star_random_case(
    name: &str,
    catalog: &Catalog,
    model: &iam_refine_tests::Model,
) -> Case {
    let policy = corpus_policy(name);
    let mut rng = iam_refine_tests::Rng(iam_refine_tests::seed_of(name));
    let (findings, _) = iam_refine_tests::random_findings(model, &policy, &mut rng);
    let findings = Findings::parse(&findings.to_string()).expect("findings parse");
    let mut case = refined_case(
        &format!("{name} with `**`, random findings"),
        policy.to_value(),
        &findings,
        catalog,
    );
    case.original = double_stars(&case.original);
    case
}

/// `ec2:*Vpc*Subnet*` and two more infix refinements inside a union of twenty `ec2:*Word*`
/// patterns (issue 10: past 120 s before cover hints).
pub fn infix_union_case() -> Case {
    let words = [
        "Vpc", "Subnet", "Route", "Gateway", "Endpoint", "Peering", "Acl", "Address", "Volume",
        "Snapshot", "Image", "Instance", "Key", "Tag", "Flow", "Dhcp", "Prefix", "Transit",
        "Network", "Security",
    ];
    let mut patterns: Vec<String> = words.iter().map(|w| format!("ec2:*{w}*")).collect();
    let original = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": patterns, "Resource": "*"}
    ]});
    patterns.extend(
        [
            "ec2:*Vpc*Subnet*",
            "ec2:*Route*Table?*",
            "ec2:Create*Gateway*",
        ]
        .map(String::from),
    );
    let refined = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": patterns, "Resource": "*"}
    ]});
    Case {
        name: "infix refinements in a union of 20 infix wildcards".to_string(),
        original,
        refined,
        findings: json!([]),
        unused: Unused::default(),
    }
}

/// A corpus policy refined by the library with every `every`-th catalog action it allows
/// unused (the benches' "10 % unused" cases).
pub fn corpus_case(name: &str, catalog: &Catalog, every: usize) -> Case {
    let policy = corpus_policy(name);
    let findings = findings_every(&policy, catalog, every, 0);
    refined_case(
        &format!("{name}, 1 in {every} unused"),
        policy.to_value(),
        &findings,
        catalog,
    )
}

/// The words of [`infix_union_case`]'s twenty `ec2:*Word*` originals.
pub const EC2_WORDS: [&str; 20] = [
    "Vpc", "Subnet", "Route", "Gateway", "Endpoint", "Peering", "Acl", "Address", "Volume",
    "Snapshot", "Image", "Instance", "Key", "Tag", "Flow", "Dhcp", "Prefix", "Transit", "Network",
    "Security",
];

/// IAM's quota on an inline role policy (characters, whitespace outside strings not
/// counted): the largest document a refinement can be.
pub const INLINE_QUOTA: usize = 10_240;

/// One Allow statement with these actions.
pub fn allow(actions: &[String]) -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions, "Resource": "*"}
    ]})
}

/// The verdict a hand-written case must get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    Proved,
    /// Refuted by T2 (the refinement allows a string the original does not); a witness
    /// known from the construction, checked by the glob matcher.
    Wider(String),
}

/// Issue 20's class: a hand-written refinement `refined` of the Allow statement `original`
/// (pattern lists). The findings name every catalog action the original allows and the
/// refinement does not (glob matcher), so exactness and "no unused action" hold on the
/// catalog by construction and containment over all strings decides the verdict.
pub fn hand_case(name: &str, catalog: &Catalog, original: &[String], refined: &[String]) -> Case {
    let matches =
        |patterns: &[String], x: &str| patterns.iter().any(|p| iam_refine_verify::glob_match(p, x));
    // every pattern here names its service: only those services' actions can match
    let services: Vec<&str> = original
        .iter()
        .filter_map(|p| p.split_once(':').map(|(s, _)| s))
        .collect();
    let unused: Vec<String> = (0..catalog.len())
        .filter(|&i| services.contains(&catalog.service(i)))
        .map(|i| catalog.name(i))
        .filter(|x| matches(original, x) && !matches(refined, x))
        .map(String::from)
        .collect();
    let findings = Findings::from_names(&unused, &[]);
    let original = allow(original);
    let refined = allow(refined);
    Case {
        name: format!(
            "{name} ({} chars refined, {} unused)",
            size(&refined),
            unused.len()
        ),
        original,
        refined,
        findings: findings_json(&findings),
        unused: unused_of(&findings),
    }
}

fn ec2_union() -> Vec<String> {
    EC2_WORDS.iter().map(|w| format!("ec2:*{w}*")).collect()
}

/// `ec2:*Vpc*Subnet*`-shaped refinements (two infixes) of twenty `ec2:*Word*` originals.
pub fn two_infix_case(catalog: &Catalog) -> (Case, Expect) {
    let refined = [
        "ec2:*Vpc*Subnet*",
        "ec2:*Route*Table*",
        "ec2:*Transit*Gateway*Attachment*",
        "ec2:*Security*Group*",
        "ec2:*Network*Interface*",
        "ec2:*Snapshot*Attribute*",
    ]
    .map(String::from);
    let c = hand_case(
        "two infixes over 20 ec2:*Word*",
        catalog,
        &ec2_union(),
        &refined,
    );
    (c, Expect::Proved)
}

/// [`two_infix_case`] with `?` mixed in.
pub fn two_infix_question_case(catalog: &Catalog) -> (Case, Expect) {
    let refined = [
        "ec2:*Vpc?*Subnet*",
        "ec2:?*Route*Table??*",
        "ec2:*Transit?Gateway*",
        "ec2:Create*Vpc*?Endpoint*",
        "ec2:*Security???*Group?*",
        "ec2:Describe?*Network*Interface*",
    ]
    .map(String::from);
    let c = hand_case(
        "two infixes with ? over 20 ec2:*Word*",
        catalog,
        &ec2_union(),
        &refined,
    );
    (c, Expect::Proved)
}

/// `s3:Get*` / `s3:Put*` / `s3:*Tagging` refined to `s3:Get*Tagging` plus
/// `s3:*Object*Tagging*`: wider than the original (`s3:DeleteObjectTaggingX`, say).
pub fn tagging_case(catalog: &Catalog) -> (Case, Expect) {
    let original = ["s3:Get*", "s3:Put*", "s3:*Tagging"].map(String::from);
    let refined = ["s3:Get*Tagging", "s3:*Object*Tagging*"].map(String::from);
    let c = hand_case("s3 tagging, widened", catalog, &original, &refined);
    (c, Expect::Wider("s3:ObjectTagging~".to_string()))
}

/// [`tagging_case`] refined right: `s3:*Object*Tagging` ends in `Tagging`.
pub fn tagging_right_case(catalog: &Catalog) -> (Case, Expect) {
    let original = ["s3:Get*", "s3:Put*", "s3:*Tagging"].map(String::from);
    let refined = ["s3:Get*Tagging", "s3:*Object*Tagging", "s3:Put*Object?*"].map(String::from);
    let c = hand_case("s3 tagging", catalog, &original, &refined);
    (c, Expect::Proved)
}

/// The shapes of the quota generator: how two words `A`, `B` of [`EC2_WORDS`] become one
/// refined pattern that only specialises `ec2:*A*` (so each is contained in the union).
pub const SHAPES: [&str; 6] = ["*A*B*", "*A?*B*", "?*A*B??*", "*A*B", "A*B*", "*A*B*A*"];

/// The generator: for `shape`, refined patterns over every ordered pair of distinct words
/// (`ec2:` + the shape), as many as fit the inline quota, over the twenty originals.
/// `widen`: one more pattern with a letter of each word turned into `?`, which leaves the
/// union (every word broken), so the verdict is a containment counterexample.
pub fn quota_case(catalog: &Catalog, shape: &str, widen: bool) -> (Case, Expect) {
    let mut refined: Vec<String> = Vec::new();
    let fill = |a: &str, b: &str| format!("ec2:{}", shape.replace('A', a).replace('B', b));
    'pairs: for a in EC2_WORDS {
        for b in EC2_WORDS {
            if a == b {
                continue;
            }
            refined.push(fill(a, b));
            if size(&allow(&refined)) > INLINE_QUOTA - 200 {
                refined.pop();
                break 'pairs;
            }
        }
    }
    let mut expect = Expect::Proved;
    if widen {
        // `Vpc` as `V?c`, `Subnet` as `S?bnet`: the witness fills each `?` with `~` and
        // each `*` with nothing
        refined.push(fill("V?c", "S?bnet"));
        let witness = fill("V~c", "S~bnet").replace('*', "").replace('?', "~");
        expect = Expect::Wider(witness);
    }
    let name = format!(
        "{shape} pairs up to the quota{}",
        if widen { ", one widened" } else { "" }
    );
    (hand_case(&name, catalog, &ec2_union(), &refined), expect)
}

/// Every case of issue 20's class, with its verdict.
pub fn multi_infix_cases(catalog: &Catalog) -> Vec<(Case, Expect)> {
    let mut out = vec![
        two_infix_case(catalog),
        two_infix_question_case(catalog),
        tagging_case(catalog),
        tagging_right_case(catalog),
    ];
    for shape in SHAPES {
        out.push(quota_case(catalog, shape, false));
        out.push(quota_case(catalog, shape, true));
    }
    out
}
