//! `verify` of random recommendations through the real binary, against an independent
//! reading of what it must answer: exit 0 only when every policy to be proved has exactly
//! one original (the one assignment of originals to policies, found by brute force), every
//! input names one principal, every `get-role-policy` original is the inline policy it
//! stands for, and the change as applied is right; otherwise the precise non-zero code.
//!
//! Each policy's files are built so that a wrong pairing cannot be proved by accident: a
//! policy to replace has its own bucket in its original and its refined document; a policy
//! to detach is wholly unused; a `CREATE_POLICY` without `DETACH_POLICY` keeps either an
//! original with unused actions (refuted) or one with none (an addition: exit 1).
//!
//! 40 cases run by default; `IAM_REFINE_FULL=1` runs 2,000. A failure prints the
//! seed and the case.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

mod common;

#[allow(dead_code)] // the tests' one generator, shared with tests/; only `Rng` is used here
#[path = "../../tests/support/rng.rs"]
mod rng;

use std::path::Path;

use serde_json::{json, Value};

use common::{bin, example, read, text};
use rng::Rng;

const ROLE: &str = "arn:aws:iam::123456789012:role/MyRole";
const PRINCIPALS: [&str; 4] = [
    "arn:aws:iam::123456789012:role/Other",
    "arn:aws:iam::123456789012:user/MyRole",
    "arn:aws:iam::123456789012:role/ops/MyRole",
    "arn:aws:iam::210987654321:role/MyRole",
];
/// Ids that collide every way a name can.
const IDS: [&str; 6] = [
    "arn:aws:iam::123456789012:policy/S3Access",
    "arn:aws:iam::123456789012:policy/team/S3Access",
    "arn:aws:iam::aws:policy/S3Access",
    "S3Access",
    "arn:aws:iam::123456789012:policy/Deploy",
    "Deploy",
];
/// A managed policy of another account than the principal's.
const FOREIGN: &str = "arn:aws:iam::210987654321:policy/Deploy";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Replace,
    Detach,
    /// `CREATE_POLICY` alone; `true` when the original has unused actions.
    Add(bool),
}

fn json_file(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap()
}

/// The example's original with statement 2 on bucket `k`, and its refinement likewise.
fn replace_pair(k: usize) -> (Value, Value) {
    let bucket = json!(format!("arn:aws:s3:::bucket-{k}"));
    let mut original = json_file(&example("policy.json"));
    original["Statement"][1]["Resource"] = bucket.clone();
    let rec = json_file(&example("recommendation.json"));
    let mut refined: Value = serde_json::from_str(
        rec["recommendedSteps"][0]["unusedPermissionsRecommendedStep"]["recommendedPolicy"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    refined["Statement"][1]["Resource"] = bucket;
    (original, refined)
}

/// A policy all of whose actions are unused, on function `k`.
fn unused_policy(k: usize) -> Value {
    let mut doc = json_file(&example("LegacyDeploy.json"));
    doc["Statement"][0]["Resource"] = json!(format!(
        "arn:aws:lambda:us-east-1:123456789012:function:f-{k}"
    ));
    doc
}

fn short(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

fn managed(id: &str) -> bool {
    id.starts_with("arn:")
}

/// A principal as an input names it: an ARN, or `(kind, name)` from an envelope.
#[derive(Clone, Debug)]
enum Named {
    Arn(String),
    Owner(&'static str, String),
}

fn agree(a: &Named, b: &Named) -> bool {
    let parts = |arn: &str| -> Option<(String, String)> {
        let resource = arn.strip_prefix("arn:aws:iam::")?.split_once(':')?.1;
        let (kind, rest) = resource.split_once('/')?;
        Some((kind.to_string(), short(rest).to_string()))
    };
    match (a, b) {
        (Named::Arn(x), Named::Arn(y)) => x == y,
        (Named::Arn(x), Named::Owner(k, n)) | (Named::Owner(k, n), Named::Arn(x)) => {
            parts(x) == Some((k.to_string(), n.clone()))
        }
        (Named::Owner(k, n), Named::Owner(l, m)) => k == l && n == m,
    }
}

/// Every assignment of originals to distinct policies they may stand for that covers
/// `selected`; a lone plain original that may stand for none stands for the one selected.
fn assignments(
    ids: &[&str],
    names: &[String],
    plain: &[bool],
    selected: &[usize],
) -> Vec<Vec<usize>> {
    let may =
        |o: usize, g: usize| ids[g] == names[o] || (managed(ids[g]) && short(ids[g]) == names[o]);
    if names.len() == 1 && plain[0] && selected.len() == 1 && !(0..ids.len()).any(|g| may(0, g)) {
        return vec![vec![selected[0]]];
    }
    let mut found = Vec::new();
    let mut stack: Vec<(usize, Vec<usize>)> = vec![(0, Vec::new())];
    while let Some((o, chosen)) = stack.pop() {
        if o == names.len() {
            if selected.iter().all(|g| chosen.contains(g)) {
                found.push(chosen);
            }
            continue;
        }
        for g in 0..ids.len() {
            if may(o, g) && !chosen.contains(&g) {
                let mut next = chosen.clone();
                next.push(g);
                stack.push((o + 1, next));
            }
        }
    }
    found
}

/// The worse of two exit codes, as `verify` ranks them (an error over a counterexample).
fn worse(a: i32, b: i32) -> i32 {
    let rank = |c: i32| match c {
        0 => 0,
        3 => 1,
        _ => 2,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

struct Case {
    args: Vec<String>,
    expected: i32,
    /// What decided `expected`, for the tally.
    reason: &'static str,
    why: String,
}

fn generate(seed: u64, dir: &Path) -> Case {
    let mut rng = Rng(seed);
    let k = 1 + rng.below(3);
    let mut ids: Vec<&str> = rng.sample(&IDS, k);
    if rng.chance(0.05) {
        ids[0] = FOREIGN;
    }
    let kinds: Vec<Kind> = ids
        .iter()
        .map(|_| match rng.below(6) {
            0 | 1 => Kind::Replace,
            2 | 3 => Kind::Detach,
            _ => Kind::Add(rng.chance(0.5)),
        })
        .collect();
    let mut why = format!("ids {ids:?}, kinds {kinds:?}");
    let mut fatal: Option<String> = None;

    // The recommendation.
    let mut steps = Vec::new();
    for (g, id) in ids.iter().enumerate() {
        let (_, refined) = replace_pair(g);
        let create = json!({"unusedPermissionsRecommendedStep": {
            "recommendedAction": "CREATE_POLICY", "existingPolicyId": id,
            "recommendedPolicy": refined.to_string()}});
        let detach = json!({"unusedPermissionsRecommendedStep": {
            "recommendedAction": "DETACH_POLICY", "existingPolicyId": id}});
        match kinds[g] {
            Kind::Replace => steps.extend([create, detach]),
            Kind::Detach => steps.push(detach),
            Kind::Add(_) => steps.push(create),
        }
    }
    if rng.chance(0.05) {
        steps.push(json!({"unusedPermissionsRecommendedStep": {
            "recommendedAction": "CREATE_POLICY",
            "recommendedPolicy": replace_pair(0).1.to_string()}}));
        fatal = Some("a CREATE_POLICY without id".into());
    }
    let mut mentions: Vec<Named> = Vec::new();
    let mut rec = json!({"status": "SUCCEEDED", "recommendedSteps": steps});
    let with_arn = rng.chance(0.9);
    if with_arn {
        rec["resourceArn"] = json!(ROLE);
        mentions.push(Named::Arn(ROLE.into()));
        if ids.contains(&FOREIGN) {
            fatal = Some("a managed policy of another account".into());
        }
    }
    let rec_path = dir.join("rec.json");
    std::fs::write(&rec_path, rec.to_string()).unwrap();

    // The findings.
    let base = json_file(&example("unused.json"));
    let about = |arn: &str| {
        let mut f = base.clone();
        f["resource"] = json!(arn);
        f
    };
    let findings = match rng.below(20) {
        0..=14 => {
            mentions.push(Named::Arn(ROLE.into()));
            base.clone()
        }
        15..=16 => {
            let mut f = base.clone();
            f.as_object_mut().unwrap().remove("resource");
            f
        }
        17 | 18 => {
            let other = *rng.pick(&PRINCIPALS);
            mentions.push(Named::Arn(other.into()));
            about(other)
        }
        _ => {
            let other = *rng.pick(&PRINCIPALS);
            mentions.push(Named::Arn(ROLE.into()));
            mentions.push(Named::Arn(other.into()));
            json!([base.clone(), about(other)])
        }
    };
    let findings_path = dir.join("findings.json");
    std::fs::write(&findings_path, findings.to_string()).unwrap();

    // The originals: mostly one per policy, named by its id or short name (or a stem);
    // sometimes one dropped, one added, or names drawn at random.
    let mut intents: Vec<usize> = (0..ids.len()).collect();
    if rng.chance(0.15) && intents.len() > 1 {
        intents.remove(rng.below(intents.len()));
    }
    if rng.chance(0.15) {
        intents.push(rng.below(ids.len()));
    }
    let mut names: Vec<String> = Vec::new();
    let mut plain: Vec<bool> = Vec::new();
    let mut owners: Vec<Option<(&'static str, String, String)>> = Vec::new();
    let mut args: Vec<String> = vec!["verify".into()];
    for (j, &i) in intents.iter().enumerate() {
        let mut name = match rng.below(20) {
            0..=8 => ids[i].to_string(),
            9..=17 => short(ids[i]).to_string(),
            18 => short(rng.pick::<&str>(&IDS)).to_string(),
            _ => "Nothing".to_string(),
        };
        // Mostly avoid a name already given (a usage error, exit 2, tells little).
        if names.contains(&name) && rng.chance(0.8) {
            name = ids[i].to_string();
        }
        let content = match kinds[i] {
            Kind::Replace | Kind::Add(true) => replace_pair(i).0,
            Kind::Detach => unused_policy(i),
            Kind::Add(false) => replace_pair(i).1,
        };
        let envelope = rng.chance(0.25).then(|| {
            let (key, owner) = match rng.below(10) {
                0..=7 => ("RoleName", "MyRole"),
                8 => ("RoleName", "Other"),
                _ => ("UserName", "MyRole"),
            };
            let policy = if rng.chance(0.8) {
                short(ids[i]).to_string()
            } else {
                "Else".to_string()
            };
            (key, owner.to_string(), policy)
        });
        let written = match &envelope {
            Some((key, owner, policy)) => {
                json!({*key: owner, "PolicyName": policy, "PolicyDocument": content})
            }
            None => content,
        };
        let as_stem = !name.contains('/') && rng.chance(0.3);
        let sub = dir.join(format!("o{j}"));
        std::fs::create_dir(&sub).unwrap();
        let path = sub.join(if as_stem {
            format!("{name}.json")
        } else {
            "policy.json".to_string()
        });
        std::fs::write(&path, written.to_string()).unwrap();
        args.push("--original".into());
        args.push(if as_stem {
            path.display().to_string()
        } else {
            format!("{name}={}", path.display())
        });
        if let Some((key, owner, _)) = &envelope {
            let kind = if *key == "RoleName" { "role" } else { "user" };
            mentions.push(Named::Owner(kind, owner.clone()));
        }
        names.push(name);
        plain.push(as_stem);
        owners.push(envelope);
    }
    args.extend([
        "--refined".into(),
        rec_path.display().to_string(),
        "--unused".into(),
        findings_path.display().to_string(),
    ]);
    let policy_id = rng.chance(0.2).then(|| {
        let pool = ["S3Access", "Deploy", "Nothing", ids[0], short(ids[0])];
        rng.pick(&pool).to_string()
    });
    if let Some(p) = &policy_id {
        args.extend(["--policy-id".into(), p.clone()]);
    }
    why.push_str(&format!(
        ", originals {:?} for {intents:?}, envelopes {owners:?}, --policy-id {policy_id:?}, mentions {mentions:?}",
        names
    ));

    // What verify must answer.
    if names.is_empty()
        || names
            .iter()
            .enumerate()
            .any(|(a, n)| names[..a].contains(n))
    {
        return Case {
            args,
            expected: 2,
            why: format!("{why}: no original, or two of one name"),
            reason: "usage",
        };
    }
    let selected: Vec<usize> = match &policy_id {
        None => (0..ids.len()).collect(),
        Some(w) => match ids.iter().position(|id| id == w) {
            Some(g) => vec![g],
            None => (0..ids.len())
                .filter(|&g| managed(ids[g]) && short(ids[g]) == w)
                .collect(),
        },
    };
    if policy_id.is_some() && selected.len() != 1 {
        fatal.get_or_insert("--policy-id selects no single policy".into());
    }
    let found = assignments(&ids, &names, &plain, &selected);
    let [assignment] = found.as_slice() else {
        return Case {
            args,
            expected: 1,
            why: format!("{why}: {} assignments", found.len()),
            reason: if found.is_empty() {
                "no assignment"
            } else {
                "several assignments"
            },
        };
    };
    if let Some(reason) = fatal {
        return Case {
            args,
            expected: 1,
            why: format!("{why}: {reason}"),
            reason: "bad step or policy",
        };
    }
    for (a, x) in mentions.iter().enumerate() {
        if mentions[a + 1..].iter().any(|y| !agree(x, y)) {
            return Case {
                args,
                expected: 1,
                why: format!("{why}: principals disagree"),
                reason: "principals disagree",
            };
        }
    }
    let mut expected = 0;
    for &g in &selected {
        let Some(o) = assignment.iter().position(|&h| h == g) else {
            unreachable!("every selected policy is assigned")
        };
        if let Some((_, _, policy)) = &owners[o] {
            if managed(ids[g]) || policy != ids[g] {
                return Case {
                    args,
                    expected: 1,
                    why: format!("{why}: PolicyName {policy} for {}", ids[g]),
                    reason: "PolicyName",
                };
            }
        }
        let i = intents[o];
        let code = match (kinds[g], kinds[i]) {
            (Kind::Replace, _) if i == g => 0,
            (Kind::Replace, _) => 3,
            (Kind::Detach, Kind::Detach) => 0,
            (Kind::Detach, _) => 3,
            (Kind::Add(_), Kind::Add(false)) => 1,
            (Kind::Add(_), _) => 3,
        };
        expected = worse(expected, code);
    }
    Case {
        args,
        expected,
        why: format!("{why}: assignment {assignment:?}"),
        reason: "proof",
    }
}

#[test]
fn random_recommendations_exit_as_an_independent_reading_says() {
    let cases: u64 = if std::env::var_os("IAM_REFINE_FULL").is_some() {
        2_000
    } else {
        40
    };
    let mut by_code = [0usize; 6];
    let mut by_reason: std::collections::BTreeMap<&str, usize> = Default::default();
    for seed in 0..cases {
        let dir = tempfile::tempdir().unwrap();
        let case = generate(seed, dir.path());
        let out = bin().args(&case.args).output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        let err = text(&out.stderr);
        assert_eq!(
            code, case.expected,
            "seed {seed}: {}\nargs {:?}\nstderr {err}",
            case.why, case.args
        );
        if code == 0 {
            assert!(out.stdout.is_empty(), "seed {seed}");
        }
        assert!(!err.contains("panicked"), "seed {seed}: {err}");
        by_code[code as usize] += 1;
        *by_reason.entry(case.reason).or_default() += 1;
    }
    eprintln!(
        "{cases} cases: exit 0 {}, 1 {}, 2 {}, 3 {}; decided by {by_reason:?}",
        by_code[0], by_code[1], by_code[2], by_code[3]
    );
}
