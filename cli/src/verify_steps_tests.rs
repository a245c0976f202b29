//! `plan`: the examples, and a sweep of random recommendations and originals against a
//! brute-force reading of the matching rule.

use super::*;
use serde_json::{json, Map};
use std::path::PathBuf;

fn doc() -> Map<String, Value> {
    json!({"Statement": []}).as_object().unwrap().clone()
}

fn file(id: Option<&str>, path: &str) -> OriginalFile {
    OriginalFile {
        id: id.map(String::from),
        path: PathBuf::from(path),
    }
}

const A: &str = "arn:aws:iam::123456789012:policy/A";

fn originals_of(jobs: &[Job]) -> Vec<(&str, usize)> {
    jobs.iter().map(|j| (j.id.as_str(), j.original)).collect()
}

#[test]
fn create_and_detach_of_one_policy_are_one_job() {
    let steps = [
        RecommendedStep::create(A, doc()),
        RecommendedStep::detach(A),
    ];
    let jobs = plan("r", &steps, &[file(None, "x/A.json")], None).unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].id, A);
    assert_eq!(jobs[0].change, Change::Replace(vec![Value::Object(doc())]));
}

#[test]
fn several_policies_need_their_originals() {
    let steps = [
        RecommendedStep::create(A, doc()),
        RecommendedStep::detach(A),
        RecommendedStep::detach("Inline"),
    ];
    let both = [file(None, "A.json"), file(Some("Inline"), "i.json")];
    let jobs = plan("r", &steps, &both, None).unwrap();
    assert_eq!(originals_of(&jobs), [(A, 0), ("Inline", 1)]);
    assert_eq!(jobs[1].change, Change::Detach);
    let err = plan("r", &steps, &both[..1], None).unwrap_err().to_string();
    assert!(err.contains("no --original for policy `Inline`"), "{err}");
    assert!(err.contains("--original A.json"), "{err}");
    let extra = [both[0].clone(), both[1].clone(), file(None, "B.json")];
    let err = plan("r", &steps, &extra, None).unwrap_err().to_string();
    assert!(err.contains("`--original B.json`: no step"), "{err}");
    let jobs = plan("r", &steps, &both[1..], Some("Inline")).unwrap();
    assert_eq!(jobs[0].id, "Inline");
    // An original for a step not selected is not an error.
    let jobs = plan("r", &steps, &both, Some("Inline")).unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].change, Change::Detach);
    let lone = plan("r", &steps[..1], &both[..1], None).unwrap();
    assert_eq!(lone[0].change, Change::Add(vec![Value::Object(doc())]));
}

#[test]
fn a_name_stands_for_one_policy_only() {
    let m = "arn:aws:iam::123456789012:policy/S3Access";
    let steps = [
        RecommendedStep::create(m, doc()),
        RecommendedStep::detach(m),
        RecommendedStep::detach("S3Access"),
    ];
    // The short name may be either: refused, naming both.
    let err = plan("r", &steps, &[file(Some("S3Access"), "m.json")], None)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!("r: `--original S3Access=m.json` could stand for policy `{m}` or `S3Access`; name each policy by its id (a managed policy's ARN, an inline policy's name)")
    );
    // Each named by its id, in either order.
    let each = [file(Some(m), "m.json"), file(Some("S3Access"), "i.json")];
    let jobs = plan("r", &steps, &each, None).unwrap();
    assert_eq!(originals_of(&jobs), [(m, 0), ("S3Access", 1)]);
    let swapped = [each[1].clone(), each[0].clone()];
    let jobs = plan("r", &steps, &swapped, None).unwrap();
    assert_eq!(originals_of(&jobs), [(m, 1), ("S3Access", 0)]);
    // --policy-id by the short name is the inline policy; the managed one by its ARN.
    let jobs = plan("r", &steps, &each[1..], Some("S3Access")).unwrap();
    assert_eq!(originals_of(&jobs), [("S3Access", 0)]);
    let jobs = plan("r", &steps, &each[..1], Some(m)).unwrap();
    assert_eq!(originals_of(&jobs), [(m, 0)]);
    // Two managed policies named alike: the short name stands for neither.
    let other = "arn:aws:iam::aws:policy/S3Access";
    let two = [RecommendedStep::detach(m), RecommendedStep::detach(other)];
    let err = plan("r", &two, &[file(Some("S3Access"), "m.json")], None)
        .unwrap_err()
        .to_string();
    assert_eq!(err, format!("r: `--original S3Access=m.json` could stand for policy `{m}` or `{other}`; name each policy by its id (a managed policy's ARN, an inline policy's name)"));
    let err = plan("r", &two, &[file(Some(m), "m.json")], Some("S3Access"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`--policy-id S3Access` could be"), "{err}");
    // One of them named by its ARN: the short name is the other.
    let named = [
        file(Some(other), "a.json"),
        file(Some("S3Access"), "m.json"),
    ];
    let jobs = plan("r", &two, &named, None).unwrap();
    assert_eq!(originals_of(&jobs), [(m, 1), (other, 0)]);
}

#[test]
fn a_create_step_must_name_its_policy() {
    let mut step = RecommendedStep::create(A, doc());
    step.policy_id = None;
    let err = plan("r", &[step], &[file(None, "A.json")], None)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("r: recommended step 1: CREATE_POLICY without `existingPolicyId`"),
        "{err}"
    );
}

#[allow(dead_code)] // the tests' one generator, shared with tests/; only `Rng` is used here
#[path = "../../tests/support/rng.rs"]
mod rng;

/// Ids that collide in every way a name can: a managed policy and an inline one of one
/// name, two managed ones of one name (paths, AWS's), a name no policy has.
const IDS: [&str; 7] = [
    "arn:aws:iam::123456789012:policy/S3Access",
    "arn:aws:iam::123456789012:policy/team/S3Access",
    "arn:aws:iam::aws:policy/S3Access",
    "S3Access",
    "arn:aws:iam::123456789012:policy/Deploy",
    "Deploy",
    "arn:aws:iam::123456789012:policy/Other",
];
const EXTRA_NAMES: [&str; 2] = ["Nothing", "Other"];

/// The rule, read as a matching problem and solved by brute force: `o` may stand for `g`
/// when its name is `g`'s id or, `g` being managed, the last segment of its ARN; a plan is
/// accepted only when exactly one assignment of every original to a distinct policy covers
/// every selected policy (a lone plain original that may stand for none stands for the
/// one selected).
fn oracle(
    ids: &[&str],
    originals: &[OriginalFile],
    selected: &[usize],
) -> Result<Vec<usize>, usize> {
    let may = |o: usize, g: usize| {
        let name = originals[o].name();
        ids[g] == name || (is_managed(ids[g]) && ids[g].rsplit('/').next() == Some(&*name))
    };
    if let ([only], [g]) = (originals, selected) {
        if only.id.is_none() && !(0..ids.len()).any(|h| may(0, h)) {
            return Ok(vec![*g]);
        }
    }
    let mut found: Vec<Vec<usize>> = Vec::new();
    let mut assignment = Vec::new();
    fn search(
        o: usize,
        n: usize,
        groups: usize,
        may: &dyn Fn(usize, usize) -> bool,
        assignment: &mut Vec<usize>,
        found: &mut Vec<Vec<usize>>,
    ) {
        if o == n {
            found.push(assignment.clone());
            return;
        }
        for g in 0..groups {
            if may(o, g) && !assignment.contains(&g) {
                assignment.push(g);
                search(o + 1, n, groups, may, assignment, found);
                assignment.pop();
            }
        }
    }
    search(
        0,
        originals.len(),
        ids.len(),
        &may,
        &mut assignment,
        &mut found,
    );
    found.retain(|a| selected.iter().all(|g| a.contains(g)));
    match found.as_slice() {
        [one] => Ok(one.clone()),
        other => Err(other.len()),
    }
}

#[test]
fn random_recommendations_are_matched_only_when_the_matching_is_unique() {
    let cases = if std::env::var_os("IAM_REFINE_FULL").is_some() {
        1_000_000
    } else {
        20_000
    };
    let (mut accepted, mut refused) = (0, 0);
    for seed in 0..cases {
        let mut rng = rng::Rng(seed);
        let k = 1 + rng.below(4);
        let ids = rng.sample(&IDS, k);
        let mut steps = Vec::new();
        let mut want = Vec::new();
        for id in &ids {
            let change = match rng.below(3) {
                0 => {
                    steps.push(RecommendedStep::create(id, doc()));
                    steps.push(RecommendedStep::detach(id));
                    Change::Replace(vec![Value::Object(doc())])
                }
                1 => {
                    steps.push(RecommendedStep::detach(id));
                    Change::Detach
                }
                _ => {
                    steps.push(RecommendedStep::create(id, doc()));
                    Change::Add(vec![Value::Object(doc())])
                }
            };
            want.push(change);
        }
        let mut names: Vec<&str> = IDS.iter().chain(&EXTRA_NAMES).copied().collect();
        names.extend(IDS.iter().filter_map(|id| id.rsplit('/').next()));
        // Half the time one original per policy, named by its id or its short name, then
        // one dropped or one added; else any names.
        let mut wanted: Vec<&str> = Vec::new();
        if rng.chance(0.5) {
            for id in &ids {
                let short = id.rsplit('/').next().unwrap_or(id);
                wanted.push(if rng.chance(0.5) { id } else { short });
            }
            if rng.chance(0.2) {
                wanted.remove(rng.below(wanted.len()));
            }
            if rng.chance(0.2) {
                wanted.push(*rng.pick(&names));
            }
        } else {
            let n = rng.below(ids.len() + 2);
            for _ in 0..n {
                wanted.push(*rng.pick(&names));
            }
        }
        let mut originals: Vec<OriginalFile> = Vec::new();
        for name in wanted {
            let plain = !name.contains('/') && rng.chance(0.4);
            let file = if plain {
                OriginalFile {
                    id: None,
                    path: PathBuf::from(format!("dir/{name}.json")),
                }
            } else {
                OriginalFile {
                    id: Some(name.to_string()),
                    path: PathBuf::from("x.json"),
                }
            };
            // Two originals of one name are a usage error before `plan` runs.
            if originals.iter().all(|o| o.name() != file.name()) {
                originals.push(file);
            }
        }
        let policy_id = rng.chance(0.25).then(|| *rng.pick(&names));
        let selected: Result<Vec<usize>, ()> = match policy_id {
            None => Ok((0..ids.len()).collect()),
            Some(w) => match ids.iter().position(|id| *id == w) {
                Some(g) => Ok(vec![g]),
                None => {
                    let short: Vec<usize> = (0..ids.len())
                        .filter(|&g| is_managed(ids[g]) && ids[g].rsplit('/').next() == Some(w))
                        .collect();
                    match short.as_slice() {
                        [g] => Ok(vec![*g]),
                        _ => Err(()),
                    }
                }
            },
        };
        let got = plan("r", &steps, &originals, policy_id);
        let case = || {
            format!("seed {seed}: ids {ids:?}, originals {originals:?}, --policy-id {policy_id:?}")
        };
        let Ok(selected) = selected else {
            assert!(got.is_err(), "{}", case());
            refused += 1;
            continue;
        };
        match (oracle(&ids, &originals, &selected), got) {
            (Ok(assignment), Ok(jobs)) => {
                accepted += 1;
                assert_eq!(jobs.len(), selected.len(), "{}", case());
                for (job, &g) in jobs.iter().zip(&selected) {
                    assert_eq!(job.id, ids[g], "{}", case());
                    assert_eq!(assignment[job.original], g, "{}", case());
                    assert_eq!(job.change, want[g], "{}", case());
                }
            }
            (Err(count), Ok(jobs)) => panic!(
                "{}: accepted {:?} though {count} matchings fit",
                case(),
                originals_of(&jobs)
            ),
            (Ok(assignment), Err(e)) => {
                panic!(
                    "{}: refused ({e}) though {assignment:?} is the one matching",
                    case()
                )
            }
            (Err(_), Err(_)) => refused += 1,
        }
    }
    eprintln!("{cases} cases: {accepted} accepted, {refused} refused");
    assert!(
        accepted > cases / 5 && refused > cases / 5,
        "{accepted} {refused}"
    );
}
