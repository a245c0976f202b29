use std::collections::HashSet;

use super::*;
use crate::catalog::Catalog;
use crate::findings::Findings;
use crate::pattern::Pattern;
use crate::policy::{ActionKey, Effect};
use crate::refine::refine;

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(Catalog::embedded)
}

/// Glob matching by the definition (case-insensitive ASCII), sharing nothing with
/// `Pattern`: dynamic programming over (pattern position, text position).
fn glob(p: &str, s: &str) -> bool {
    let (p, s) = (p.to_ascii_lowercase(), s.to_ascii_lowercase());
    let (p, s) = (p.as_bytes(), s.as_bytes());
    let mut row = vec![false; s.len() + 1];
    row[0] = true;
    for &c in p {
        let mut next = vec![false; s.len() + 1];
        for j in 0..=s.len() {
            next[j] = match c {
                b'*' => row[j] || (j > 0 && next[j - 1]),
                b'?' => j > 0 && row[j - 1],
                c => j > 0 && row[j - 1] && s[j - 1] == c,
            };
        }
        row = next;
    }
    row[s.len()]
}

fn allows(patterns: &[String], name: &str) -> bool {
    patterns.iter().any(|p| glob(p, name))
}

/// Strings to probe containment with beyond the catalog: every catalog name of the
/// services involved with something appended, and each infix entry's two halves around
/// strings the catalog does not have.
fn probes(entries: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for e in entries {
        if let Some((p, s)) = e.split_once('*') {
            for mid in ["", "Zq", "Future", "Q", "Tagging", "Policy"] {
                out.push(format!("{p}{mid}{s}"));
                out.push(format!("{p}{mid}{s}Zq"));
            }
        }
    }
    out
}

/// Statement by statement (the fitted policy keeps the refinement's statements): over the
/// catalog, exactly the original minus the unused; beyond it, nothing the original does not
/// allow, nothing unused.
fn assert_exact(
    original: &Policy,
    refinement: &Refinement,
    fitted: &Policy,
    unused: &HashSet<String>,
) {
    assert_eq!(fitted.statements.len(), refinement.policy.statements.len());
    for (j, s) in fitted.statements.iter().enumerate() {
        let o = &original.statements[refinement.origins[j]];
        if s.effect == Effect::Deny || s.key == ActionKey::NotAction {
            assert_eq!(s, &refinement.policy.statements[j]);
            continue;
        }
        // The services the original names (the tests' originals name theirs).
        let services: HashSet<&str> = o
            .patterns
            .iter()
            .map(|p| p.split_once(':').map_or("", |(svc, _)| svc))
            .collect();
        let range = |svc: &str| catalog().prefix_range(&format!("{}:", svc.to_ascii_lowercase()));
        for i in services.iter().flat_map(|svc| range(svc)) {
            let name = catalog().lower(i);
            let want = allows(&o.patterns, name) && !unused.contains(name);
            assert_eq!(allows(&s.patterns, name), want, "statement {j}: {name}");
        }
        assert!(s
            .patterns
            .iter()
            .all(|p| services.contains(p.split_once(':').map_or("", |(svc, _)| svc))));
        for probe in probes(&s.patterns) {
            if allows(&s.patterns, &probe) {
                assert!(allows(&o.patterns, &probe), "{probe} escapes the original");
                assert!(
                    !unused.contains(&probe.to_ascii_lowercase()),
                    "{probe} is unused"
                );
            }
        }
    }
}

/// A policy whose refinement is long: every fourth `s3:Get...` and `s3:Put...` action
/// unused, and every `...Acl` one.
fn long_case() -> (Policy, Findings, HashSet<String>) {
    let policy = Policy::parse(
        r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"},
            {"Sid": "Write", "Effect": "Allow", "Action": ["s3:Put*", "ec2:Describe*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
        ]}"#,
    )
    .expect("policy");
    let c = catalog();
    let names: Vec<String> = c
        .prefix_range("s3:")
        .map(|i| c.name(i).to_string())
        .filter(|n| n.starts_with("s3:Get") || n.starts_with("s3:Put"))
        .enumerate()
        .filter(|(k, n)| k % 4 == 0 || n.ends_with("Acl"))
        .map(|(_, n)| n)
        .collect();
    let unused: HashSet<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    (policy, Findings::from_names(&names, &[]), unused)
}

#[test]
fn infix_wildcards_shrink_a_refinement_and_keep_both_guarantees() {
    let (policy, findings, unused_set) = long_case();
    let unused = findings.resolve(catalog());
    let r = refine(&policy, &unused);
    let before = r.policy.size();
    let (fitted, stats) = compress(&policy, &r, &unused, None);
    assert_eq!(stats.rejected, 0);
    assert!(
        stats.written > 0 && stats.replaced > stats.written,
        "{stats:?}"
    );
    assert_eq!(fitted.size(), before - stats.saved);
    assert!(stats.saved > 100, "{stats:?}");
    let infix: Vec<&String> = fitted
        .statements
        .iter()
        .flat_map(|s| &s.patterns)
        .filter(|e| e.find('*').is_some_and(|k| k + 1 < e.len()))
        .collect();
    assert!(!infix.is_empty());
    // Inside the original wildcard: s3:Get*X or s3:Put*X, never s3:*X.
    assert!(
        infix.iter().all(|e| e.starts_with("s3:Get")
            || e.starts_with("s3:Put")
            || e.starts_with("s3:List")),
        "{infix:?}"
    );
    assert_exact(&policy, &r, &fitted, &unused_set);
    // What the user wrote stays as written: ec2:Describe* allowed nothing unused.
    assert!(fitted.statements[1]
        .patterns
        .contains(&"ec2:Describe*".to_string()));
}

#[test]
fn a_target_stops_the_rewrite_early() {
    let (policy, findings, unused_set) = long_case();
    let unused = findings.resolve(catalog());
    let r = refine(&policy, &unused);
    let (full, all) = compress(&policy, &r, &unused, None);
    let target = r.policy.size() - all.saved / 3;
    let fit = fit_quota(
        &policy,
        &r,
        &unused,
        FitLimits {
            quota: target,
            max_parts: 1,
        },
    );
    let Fit::Fits {
        policy: fitted,
        infix,
    } = fit
    else {
        panic!("expected a fit, got {fit:?}");
    };
    assert!(fitted.size() <= target);
    assert!(infix.written < all.written, "{infix:?} vs {all:?}");
    assert!(fitted.size() > full.size());
    assert_exact(&policy, &r, &fitted, &unused_set);
}

#[test]
fn no_infix_reaches_an_unused_action_or_service() {
    // s3:GetObjectTagging is unused: s3:Get*Tagging would allow it.
    let policy = Policy::parse(
        r#"{"Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}}"#,
    )
    .expect("policy");
    let findings = Findings::parse(
        r#"[{"serviceNamespace": "s3", "actions": ["GetObjectTagging", "GetBucketPolicy", "GetObjectAcl", "GetBucketAcl", "GetAccessPoint", "GetJobTaggingFuture"]}]"#,
    )
    .expect("findings");
    let unused = findings.resolve(catalog());
    let r = refine(&policy, &unused);
    let (fitted, _) = compress(&policy, &r, &unused, None);
    for e in &fitted.statements[0].patterns {
        assert!(!glob(e, "s3:GetObjectTagging"), "{e}");
        assert!(
            !glob(e, "s3:GetJobTaggingFuture"),
            "{e} reaches an unknown unused name"
        );
    }
    let set: HashSet<String> = findings.actions().map(str::to_ascii_lowercase).collect();
    assert_exact(&policy, &r, &fitted, &set);
}

#[test]
fn splitting_shares_out_statements_and_copies_denies() {
    let (policy, findings, unused_set) = long_case();
    let unused = findings.resolve(catalog());
    let r = refine(&policy, &unused);
    let (smallest, _) = compress(&policy, &r, &unused, None);
    let quota = smallest.size() * 2 / 3;
    let fit = fit_quota(
        &policy,
        &r,
        &unused,
        FitLimits {
            quota,
            max_parts: 10,
        },
    );
    let Fit::Split { parts, .. } = &fit else {
        panic!("expected a split, got {fit:?}");
    };
    assert!(parts.len() >= 2);
    for part in parts {
        assert!(part.size() <= quota, "{} > {quota}", part.size());
        let denies: Vec<_> = part
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Deny)
            .collect();
        assert_eq!(denies, [&policy.statements[2]]);
        let sids: Vec<String> = part
            .statements
            .iter()
            .filter_map(|s| {
                s.to_value()
                    .get("Sid")
                    .and_then(|v| v.as_str())
                    .map(String::from)
            })
            .collect();
        let mut unique = sids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            sids.len(),
            "a Sid repeats in a part: {sids:?}"
        );
    }
    // Together: exactly the original minus the unused over the catalog.
    let allowed = |p: &Policy, name: &str| {
        p.statements
            .iter()
            .any(|s| s.effect == Effect::Allow && allows(&s.patterns, name))
    };
    for i in 0..catalog().len() {
        let name = catalog().lower(i);
        let want = allowed(&policy, name) && !unused_set.contains(name);
        assert_eq!(parts.iter().any(|p| allowed(p, name)), want, "{name}");
    }
}

#[test]
fn a_split_carries_the_policy_its_parts_were_cut_from() {
    let (policy, findings, unused_set) = long_case();
    let unused = findings.resolve(catalog());
    let r = refine(&policy, &unused);
    let (smallest, _) = compress(&policy, &r, &unused, None);
    let quota = smallest.size() * 2 / 3;
    let fit = fit_quota(
        &policy,
        &r,
        &unused,
        FitLimits {
            quota,
            max_parts: 10,
        },
    );
    let Fit::Split { whole, parts, .. } = &fit else {
        panic!("expected a split, got {fit:?}");
    };
    // It is the refinement compressed towards the quota, over it (else no split), and what
    // callers used to recompute to prove a split.
    assert!(whole.size() > quota);
    assert_eq!(whole, &compress(&policy, &r, &unused, Some(quota)).0);
    // Within the original: exactly the original minus the unused over the catalog, and
    // nothing beyond the original or unused off it.
    assert_exact(&policy, &r, whole, &unused_set);
    // The parts together allow exactly what it allows, over the catalog, and each denies
    // what it denies.
    let allowed = |p: &Policy, name: &str| {
        p.statements
            .iter()
            .any(|s| s.effect == Effect::Allow && allows(&s.patterns, name))
    };
    let mut allowed_somewhere = 0;
    for i in 0..catalog().len() {
        let name = catalog().lower(i);
        let by_whole = allowed(whole, name);
        allowed_somewhere += usize::from(by_whole);
        assert_eq!(parts.iter().any(|p| allowed(p, name)), by_whole, "{name}");
    }
    assert!(allowed_somewhere > 0);
    let denies = |p: &Policy| -> Vec<_> {
        p.statements
            .iter()
            .filter(|s| s.effect == Effect::Deny)
            .cloned()
            .collect()
    };
    for part in parts {
        assert_eq!(denies(part), denies(whole));
    }
    // The policies to write are the parts, not the whole.
    assert_eq!(fit.policies(), parts.iter().collect::<Vec<_>>());
}

#[test]
fn when_nothing_fits_the_smallest_size_is_reported() {
    let (policy, findings, _) = long_case();
    let unused = findings.resolve(catalog());
    let r = refine(&policy, &unused);
    let (smallest, _) = compress(&policy, &r, &unused, None);
    let quota = smallest.size() / 3;
    match fit_quota(
        &policy,
        &r,
        &unused,
        FitLimits {
            quota,
            max_parts: 2,
        },
    ) {
        Fit::TooLarge {
            smallest: size,
            parts_needed,
            policy: p,
            ..
        } => {
            assert_eq!(size, smallest.size());
            assert_eq!(p, smallest);
            assert!(parts_needed.is_some_and(|n| n > 2), "{parts_needed:?}");
        }
        other => panic!("expected too large, got {other:?}"),
    }
    // A NotAction statement cannot be cut.
    let not_action = Policy::parse(
        r#"{"Statement": {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}}"#,
    )
    .expect("policy");
    let f = Findings::parse(r#"[{"serviceNamespace": "s3", "actions": ["GetObject", "PutObject", "GetObjectAcl", "ListBucket"]}, {"serviceNamespace": "ec2"}]"#)
        .expect("findings");
    let u = f.resolve(catalog());
    let r = refine(&not_action, &u);
    let fit = fit_quota(
        &not_action,
        &r,
        &u,
        FitLimits {
            quota: 60,
            max_parts: 10,
        },
    );
    assert!(
        matches!(
            fit,
            Fit::TooLarge {
                parts_needed: None,
                ..
            }
        ),
        "{fit:?}"
    );
}

#[test]
fn a_policy_within_its_quota_is_left_as_refined() {
    let (policy, findings, _) = long_case();
    let unused = findings.resolve(catalog());
    let r = refine(&policy, &unused);
    let fit = fit_quota(
        &policy,
        &r,
        &unused,
        FitLimits {
            quota: MANAGED_POLICY_QUOTA * 10,
            max_parts: 1,
        },
    );
    assert_eq!(
        fit,
        Fit::Fits {
            policy: r.policy.clone(),
            infix: InfixStats::default()
        }
    );
    // The probe is meaningful: the definition and the crate agree on a tricky case.
    assert!(glob("s3:Get*Tagging", "s3:GetTagging"));
    assert!(!glob("s3:Get*Tagging", "s3:GetTaggingX"));
    assert_eq!(Pattern::new("a*?").matches("ab"), glob("a*?", "ab"));
}

#[test]
fn infix_inside_an_inner_wildcard_stays_inside_it() {
    // `s3:*Object*` contains every extension of `s3:GetObject`, not of `s3:Get`.
    let policy = Policy::parse(
        r#"{"Statement": {"Effect": "Allow", "Action": ["s3:*Object*"], "Resource": "*"}}"#,
    )
    .expect("policy");
    let c = catalog();
    let names: Vec<String> = c
        .prefix_range("s3:")
        .map(|i| c.name(i).to_string())
        .filter(|n| n.contains("Object"))
        .enumerate()
        .filter(|(k, n)| k % 3 == 0 && !n.ends_with("Tagging"))
        .map(|(_, n)| n)
        .collect();
    let unused_set: HashSet<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let unused = Findings::from_names(&names, &[]).resolve(c);
    let r = refine(&policy, &unused);
    let (fitted, stats) = compress(&policy, &r, &unused, None);
    assert_eq!(stats.rejected, 0);
    let infix: Vec<&String> = fitted.statements[0]
        .patterns
        .iter()
        .filter(|e| e.contains('*'))
        .collect();
    assert!(
        infix.iter().any(|e| e.ends_with("*Tagging")),
        "expected an infix for the kept ...Tagging actions: {infix:?}"
    );
    for e in &infix {
        let (p, _) = e.split_once('*').expect("a wildcard");
        assert!(p.contains("Object"), "{e} is not inside s3:*Object*");
    }
    assert_exact(&policy, &r, &fitted, &unused_set);
}

#[test]
fn plans_and_inputs_cross_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Catalog>();
    shared::<Policy>();
    shared::<Refinement>();
    shared::<Fit>();
    shared::<crate::Account>();
    shared::<crate::AccountFindings>();
    shared::<crate::PrincipalPlan>();
    shared::<crate::PlanOptions>();
    shared::<crate::Evidence<'static>>();
    shared::<crate::Recommendation>();
}
