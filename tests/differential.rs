//! Differential test of the refiner, the brute-force model and the Z3 prover (issue 7).
//!
//! For each corpus policy, under random findings (the same as `corpus.rs`):
//!
//! 1. the refiner's output passes the model and the prover proves it;
//! 2. the refinement broken on purpose (the mutation classes of
//!    `iam_refine_tests::mutation`, those of `verify/tests/mutations.rs`) is refuted by the
//!    prover, naming a theorem the mutation breaks, with a witness the model confirms.
//!
//! By default a fixed sample runs (about 60 policies, 4 random mutation classes each, and
//! every class on a few policies chosen for their Deny, `NotAction` and unknown names), in
//! seconds. `IAM_REFINE_FULL=1` runs every policy with every class (see README, "Tests").
//! Policies with `NotAction` Deny statements are also run with those statements made Allow,
//! so that the `NotAction` classes have real statements to break.
//!
//! Prints the verification times and a table per class (`--nocapture` to see them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use std::collections::BTreeMap;
use std::time::Duration;

use iam_refine::{refine, Findings, Policy};
use iam_refine_tests::document::statements_mut;
use iam_refine_tests::mutation::{Case, Class};
use iam_refine_tests::witness::confirm;
use iam_refine_tests::{
    catalog_model, catalog_names, check, corpus, corpus_sample, embedded_catalog, full_sweep,
    par_map, random_findings, seed_of, tag_statements, Rng,
};
use iam_refine_verify::{verify, Options, Report, Verdict};
use serde_json::Value;

/// Policies in every sample, each tried with every mutation class: Deny statements with
/// `Action` and `NotAction`, Conditions, several statements, infix wildcards, and names the
/// catalog does not know.
const ALWAYS: [&str; 8] = [
    "AWSCodeStarFullAccess",
    "AWSDenyAll",
    "AmazonAugmentedAIFullAccess",
    "Billing",
    "IAMAuditRootUserCredentials",
    "S3UnlockBucketPolicy",
    "AWSElasticBeanstalkRoleCore",
    "RDSCloudHsmAuthorizationRole",
];

/// Policies in the default sample besides [`ALWAYS`].
const SAMPLE: usize = 60;

/// Mutation classes tried per sampled policy (every class under `IAM_REFINE_FULL`).
const CLASSES_PER_POLICY: usize = 4;

#[allow(clippy::field_reassign_with_default)] // a field added to `Options` keeps its default
fn options() -> Options {
    let mut o = Options::default();
    o.timeout = Some(Duration::from_secs(60));
    o
}

/// The document with every `NotAction` Deny statement made an Allow, or `None` when it has
/// none.
fn not_action_allowed(doc: &Value) -> Option<Value> {
    let mut doc = doc.clone();
    let mut changed = false;
    for s in statements_mut(&mut doc) {
        if s.get("NotAction").is_some() && s["Effect"] == "Deny" {
            s["Effect"] = Value::from("Allow");
            changed = true;
        }
    }
    changed.then_some(doc)
}

#[derive(Default)]
struct Tally {
    applied: usize,
    refuted: BTreeMap<String, usize>,
}

struct Outcome {
    name: String,
    proof_time: Duration,
    failures: Vec<String>,
    /// Per class: applied once more, refuted by this theorem.
    mutants: Vec<(Class, String)>,
}

fn run(name: &str, doc: &Value, every_class: bool) -> Outcome {
    let catalog = embedded_catalog();
    let base = catalog_model();
    let mut out = Outcome {
        name: name.to_string(),
        proof_time: Duration::ZERO,
        failures: Vec::new(),
        mutants: Vec::new(),
    };
    let tagged = tag_statements(doc);
    let policy = Policy::parse(&tagged.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut rng = Rng(seed_of(name));
    let (findings, unused) = random_findings(base, &policy, &mut rng);
    let findings = Findings::parse(&findings.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let literals = policy.statements.iter().flat_map(|s| {
        s.patterns
            .iter()
            .filter(|p| !p.contains(['*', '?']))
            .cloned()
    });
    let model = base.with_extra(literals.chain(unused.actions.iter().cloned()));

    // 1. The refiner's output passes the model and is proved.
    let refinement = refine(&policy, &findings.resolve(catalog));
    if let Err(e) = check(&model, &policy, &refinement, &unused) {
        out.failures
            .push(format!("the model rejects the refinement: {e}"));
        return out;
    }
    let refined = refinement.policy.to_value();
    let plain = unused.to_unused();
    let prove = |doc: &Value| -> Result<Report, String> {
        verify(&tagged, doc, &plain, catalog_names(), &options()).map_err(|e| format!("error: {e}"))
    };
    match prove(&refined) {
        Ok(r) if r.verdict == Verdict::Proved => out.proof_time = r.elapsed,
        Ok(r) => {
            out.failures
                .push(format!("the refinement is not proved: {:?}", r.verdict));
            return out;
        }
        Err(e) => {
            out.failures.push(e);
            return out;
        }
    }

    // 2. Broken on purpose, refuted with a witness the model confirms.
    let case = Case {
        model: &model,
        original: &tagged,
        refined: &refined,
        unused: &unused,
    };
    let mut classes = Class::ALL.to_vec();
    for i in (1..classes.len()).rev() {
        classes.swap(i, rng.below(i + 1));
    }
    let wanted = if every_class {
        classes.len()
    } else {
        CLASSES_PER_POLICY
    };
    let mut applied = 0;
    for class in classes {
        if applied == wanted {
            break;
        }
        let Some(mutant) = class.apply(&case, &mut rng) else {
            continue;
        };
        applied += 1;
        let what = &mutant.what;
        let verdict = match prove(&mutant.document) {
            Ok(r) => r.verdict,
            Err(e) => {
                out.failures.push(format!("{class:?} ({what}): {e}"));
                continue;
            }
        };
        match verdict {
            Verdict::Counterexample(cx) => {
                if !class.refuted_by().contains(&cx.theorem) {
                    out.failures.push(format!(
                        "{class:?} ({what}): refuted by {}, expected one of {:?}: {}",
                        cx.theorem,
                        class.refuted_by(),
                        cx.detail
                    ));
                } else if let Err(e) = confirm(&model, &tagged, &mutant.document, &unused, &cx) {
                    out.failures.push(format!(
                        "{class:?} ({what}): witness not confirmed: {e} ({})",
                        cx.detail
                    ));
                }
                out.mutants.push((class, format!("{:?}", cx.theorem)));
            }
            other => out
                .failures
                .push(format!("{class:?} ({what}): not refuted: {other:?}")),
        }
    }
    out
}

#[test]
fn refiner_model_and_prover_agree_on_corpus_policies_and_their_mutants() {
    let full = full_sweep();
    let sample = if full {
        corpus().iter().collect()
    } else {
        corpus_sample(SAMPLE + ALWAYS.len(), &ALWAYS)
    };
    let mut inputs: Vec<(String, Value, bool)> = Vec::new();
    for p in sample {
        let every_class = full || ALWAYS.contains(&p.name.as_str());
        inputs.push((p.name.clone(), p.document().clone(), every_class));
        if let Some(doc) = not_action_allowed(p.document()) {
            inputs.push((format!("{} (NotAction allowed)", p.name), doc, every_class));
        }
    }
    let mut outcomes = par_map(&inputs, |(name, doc, every)| run(name, doc, *every));

    let mut tally: BTreeMap<Class, Tally> =
        Class::ALL.iter().map(|&c| (c, Tally::default())).collect();
    for o in &outcomes {
        for (class, theorem) in &o.mutants {
            let t = tally.get_mut(class).expect("every class is tallied");
            t.applied += 1;
            *t.refuted.entry(theorem.clone()).or_default() += 1;
        }
    }
    let mutants: usize = tally.values().map(|t| t.applied).sum();
    outcomes.sort_by_key(|o| o.proof_time);
    let total: Duration = outcomes.iter().map(|o| o.proof_time).sum();
    let at = |q: f64| outcomes[((outcomes.len() - 1) as f64 * q).round() as usize].proof_time;
    let slowest = outcomes.last().expect("outcomes");
    eprintln!(
        "{} refinements proved (total {:.1} s, median {:.0} ms, p99 {:.0} ms, max {:.2} s: {}); {mutants} mutants:",
        outcomes.len(),
        total.as_secs_f64(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        slowest.proof_time.as_secs_f64(),
        slowest.name,
    );
    for (class, t) in &tally {
        eprintln!(
            "  {:<28} {:>5}  {:?}",
            format!("{class:?}"),
            t.applied,
            t.refuted
        );
    }

    let failures: Vec<String> = outcomes
        .iter()
        .flat_map(|o| o.failures.iter().map(move |f| format!("{}: {f}", o.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures over {} policies:\n{}",
        failures.len(),
        outcomes.len(),
        failures[..failures.len().min(15)].join("\n")
    );
    let never: Vec<&Class> = tally
        .iter()
        .filter(|(_, t)| t.applied == 0)
        .map(|(c, _)| c)
        .collect();
    assert!(
        never.is_empty(),
        "mutation classes never applied: {never:?}"
    );
}

/// The witness check must be able to fail: a real counterexample with its witness swapped
/// for an action the refined statement does not allow is rejected.
#[test]
fn the_model_rejects_a_false_witness() {
    use iam_refine_tests::example::{original, refined, run, unused};
    use iam_refine_tests::{catalog_model, UnusedSet};
    let mut broken = refined();
    broken["Statement"][1]["Action"]
        .as_array_mut()
        .expect("array")
        .push(Value::from("s3:GetBucketPolicy"));
    let report = run(&original(), &broken, &unused());
    let Verdict::Counterexample(mut cx) = report.verdict else {
        panic!("not refuted: {report:?}");
    };
    let unused = UnusedSet::of(&unused());
    confirm(catalog_model(), &original(), &broken, &unused, &cx).expect("the real witness");
    cx.action = "s3:getobject".into(); // allowed, but not unused
    confirm(catalog_model(), &original(), &broken, &unused, &cx).expect_err("a false witness");
    cx.action = "ec2:describeinstances".into(); // unused nowhere, allowed nowhere
    confirm(catalog_model(), &original(), &broken, &unused, &cx).expect_err("a false witness");
}
