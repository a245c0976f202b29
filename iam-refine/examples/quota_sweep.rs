//! How many corpus policies go over IAM's 6,144-character managed-policy quota after
//! refinement, and what `fit_quota` makes of them.
//!
//! ```sh
//! cargo run --release -p iam-refine --example quota_sweep -- ../shared/corpus/aws-managed-policies 200
//! ```
//!
//! Takes `COUNT` policies of the corpus folder at random (a fixed seed, so runs agree),
//! draws random findings for each (a share of 2 %, 10 %, 50 % or 100 % of the catalog
//! actions it allows, sometimes a whole service, sometimes a name the catalog does not
//! know), refines, and fits the result to the quota with up to 10 parts. With `--dump DIR`
//! it writes each over-quota case (original, findings, refined, fitted parts) for an
//! independent check such as `iam-refine verify`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use iam_refine::{
    fit_quota, refine, ActionKey, Catalog, Effect, Findings, Fit, FitLimits, Pattern, Policy,
    MANAGED_POLICIES_PER_PRINCIPAL, MANAGED_POLICY_QUOTA,
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

fn random_findings(catalog: &Catalog, policy: &Policy, rng: &mut Rng) -> Value {
    let mut allowed = vec![false; catalog.len()];
    for s in &policy.statements {
        if s.effect == Effect::Allow && s.key == ActionKey::Action {
            for p in &s.patterns {
                let p = Pattern::new(p);
                for i in catalog.prefix_range(p.literal_prefix()) {
                    if p.matches(catalog.lower(i)) {
                        allowed[i] = true;
                    }
                }
            }
        }
    }
    let share = [0.02, 0.1, 0.5, 1.0][rng.below(4)];
    let mut by_service: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in (0..catalog.len()).filter(|&i| allowed[i]) {
        if rng.chance(share) {
            let (s, a) = catalog.name(i).split_once(':').unwrap();
            by_service
                .entry(s.to_string())
                .or_default()
                .push(a.to_string());
        }
    }
    let mut entries = Vec::new();
    for (s, mut actions) in by_service {
        if rng.chance(0.05) {
            entries.push(json!({"serviceNamespace": s}));
            continue;
        }
        if rng.chance(0.1) {
            actions.push(format!("{}Next", actions[0]));
        }
        entries.push(json!({"serviceNamespace": s, "actions": actions}));
    }
    Value::Array(entries)
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let dump = args.iter().position(|a| a == "--dump").map(|k| {
        let dir = PathBuf::from(args.remove(k + 1));
        args.remove(k);
        dir
    });
    let dir = PathBuf::from(
        args.first()
            .cloned()
            .unwrap_or_else(|| "../shared/corpus/aws-managed-policies".into()),
    );
    let count: usize = args.get(1).map_or(200, |n| n.parse().expect("COUNT"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut rng = Rng(20_240_605);
    for i in (1..files.len()).rev() {
        files.swap(i, rng.below(i + 1));
    }
    files.truncate(count);

    let catalog = Catalog::embedded();
    let limits = FitLimits {
        quota: MANAGED_POLICY_QUOTA,
        max_parts: MANAGED_POLICIES_PER_PRINCIPAL,
    };
    let (mut over_before, mut over_after, mut pushed_over) = (0, 0, 0);
    let (mut infix_fits, mut splits, mut too_large) = (0, 0, 0);
    let mut rows = Vec::new();
    let start = Instant::now();
    let mut fit_time = std::time::Duration::ZERO;
    for file in &files {
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let policy = Policy::parse(&std::fs::read_to_string(file).unwrap()).unwrap();
        let mut rng = Rng(name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }));
        let findings_json = random_findings(&catalog, &policy, &mut rng);
        let findings = Findings::parse(&findings_json.to_string()).unwrap();
        let unused = findings.resolve(&catalog);
        let r = refine(&policy, &unused);
        let before = policy.size();
        if before > limits.quota {
            over_before += 1;
        }
        if r.detach {
            continue;
        }
        let after = r.policy.size();
        if after <= limits.quota {
            continue;
        }
        over_after += 1;
        if before <= limits.quota {
            pushed_over += 1;
        }
        let t = Instant::now();
        let fit = fit_quota(&policy, &r, &unused, limits);
        fit_time += t.elapsed();
        let outcome = match &fit {
            Fit::Fits { policy, infix } => {
                infix_fits += 1;
                format!(
                    "fits: {} characters, {} infix entries for {}",
                    policy.size(),
                    infix.written,
                    infix.replaced
                )
            }
            Fit::Split { parts, infix, .. } => {
                splits += 1;
                let sizes: Vec<String> = parts.iter().map(|p| p.size().to_string()).collect();
                format!(
                    "split into {} ({}), {} infix entries for {}",
                    parts.len(),
                    sizes.join(" + "),
                    infix.written,
                    infix.replaced
                )
            }
            Fit::TooLarge {
                smallest,
                parts_needed,
                ..
            } => {
                too_large += 1;
                format!("too large: smallest {smallest}, parts needed {parts_needed:?}")
            }
        };
        assert_eq!(
            fit.infix().rejected,
            0,
            "{name}: a rewrite failed its own check"
        );
        rows.push(format!("  {name}: {before} -> {after}; {outcome}"));
        if let Some(out) = &dump {
            let case = out.join(&name);
            std::fs::create_dir_all(&case).unwrap();
            std::fs::write(case.join("original.json"), policy.to_pretty_json()).unwrap();
            std::fs::write(case.join("findings.json"), findings_json.to_string()).unwrap();
            std::fs::write(case.join("refined.json"), r.policy.to_pretty_json()).unwrap();
            for (k, p) in fit.policies().iter().enumerate() {
                std::fs::write(
                    case.join(format!("fitted-{}.json", k + 1)),
                    p.to_pretty_json(),
                )
                .unwrap();
            }
        }
    }
    println!(
        "{} corpus policies from {} (seed 20240605), random findings, quota {}:",
        files.len(),
        dir.display(),
        limits.quota
    );
    println!("  over the quota as written (AWS managed policies may be): {over_before}");
    println!(
        "  over the quota after refinement: {over_after} ({pushed_over} of them pushed over by it)"
    );
    println!(
        "  after fit_quota: {infix_fits} fit with infix wildcards, {splits} split, {too_large} cannot fit"
    );
    println!(
        "  time: {:.2} s in all, {:.3} s in fit_quota",
        start.elapsed().as_secs_f64(),
        fit_time.as_secs_f64()
    );
    for row in rows {
        println!("{row}");
    }
}
