//! The lambda + s3 example of the brief, proved, then broken in every way a refiner could
//! break it; every refutation must carry a witness that the glob matcher confirms.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use iam_refine_tests::example::*;
use iam_refine_verify::{glob_match, Theorem, Unused};
use serde_json::json;

#[test]
fn the_example_refinement_is_proved() {
    let report = run(&original(), &refined(), &unused());
    expect_proved(&report);
    assert!(report.catalog_actions >= 22_321);
    // (every membership here is in a literal or a `prefix*` pattern, decided by string
    // comparison: no solver query is left; `infix_wildcards_ask_the_solver` has some)
}

#[test]
fn infix_wildcards_ask_the_solver() {
    let mut original = original();
    actions(&mut original, 1).push(json!("s3:*Retention"));
    let mut refined = refined();
    actions(&mut refined, 1).push(json!("s3:*Retention"));
    actions(&mut refined, 1).push(json!("s3:*Object*Retention"));
    let report = run(&original, &refined, &unused());
    expect_proved(&report);
    assert!(report.queries > 0);
}

#[test]
fn unchanged_policy_without_findings_is_proved() {
    expect_proved(&run(&original(), &original(), &Unused::default()));
}

#[test]
fn unchanged_policy_with_findings_is_refuted() {
    let report = run(&original(), &original(), &unused());
    let cx = expect_counterexample(&report, Theorem::NoUnused);
    assert!(cx.action.starts_with("lambda:"), "{cx:?}");
    assert_eq!(cx.refined_statement, Some(0));
}

#[test]
fn unused_action_added_back() {
    let mut refined = refined();
    actions(&mut refined, 1).push(json!("s3:GetBucketPolicy"));
    let cx = expect_counterexample(&run(&original(), &refined, &unused()), Theorem::NoUnused);
    assert_eq!(cx.action, "s3:getbucketpolicy");
    assert_eq!(cx.refined_statement, Some(1));
    assert_eq!(
        cx.detail,
        "refined statement 2 allows `s3:getbucketpolicy`, which is unused"
    );
}

#[test]
fn unused_action_added_back_in_other_casing() {
    let mut refined = refined();
    actions(&mut refined, 1).push(json!("S3:getbucketpolicy"));
    let cx = expect_counterexample(&run(&original(), &refined, &unused()), Theorem::NoUnused);
    assert_eq!(cx.action, "s3:getbucketpolicy");
}

#[test]
fn unused_action_reachable_through_a_wildcard() {
    let mut refined = refined();
    actions(&mut refined, 1).push(json!("s3:GetBucketP?licy*"));
    let cx = expect_counterexample(&run(&original(), &refined, &unused()), Theorem::NoUnused);
    assert!(
        cx.action == "s3:getbucketpolicy" || cx.action == "s3:getbucketpolicystatus",
        "{cx:?}"
    );
}

#[test]
fn kept_action_dropped() {
    let mut refined = refined();
    actions(&mut refined, 1).retain(|a| a != "s3:GetJobTagging");
    let cx = expect_counterexample(&run(&original(), &refined, &unused()), Theorem::Exactness);
    assert_eq!(cx.action, "s3:getjobtagging");
    assert_eq!(
        (cx.original_statement, cx.refined_statement),
        (Some(1), Some(1))
    );
    assert!(
        cx.detail.contains("does not allow `s3:getjobtagging`"),
        "{}",
        cx.detail
    );
}

#[test]
fn kept_wildcard_dropped() {
    let mut refined = refined();
    actions(&mut refined, 0).clear();
    actions(&mut refined, 0).push(json!("lambda:InvokeFunction"));
    let cx = expect_counterexample(&run(&original(), &refined, &unused()), Theorem::Exactness);
    assert!(cx.action.starts_with("lambda:invoke"), "{cx:?}");
    assert_ne!(cx.action, "lambda:invokefunction");
}

#[test]
fn wildcard_widened_beyond_the_original() {
    let mut refined = refined();
    let list = actions(&mut refined, 1);
    list.retain(|a| a != "s3:List*");
    list.push(json!("s3:L*"));
    let cx = expect_counterexample(&run(&original(), &refined, &unused()), Theorem::Containment);
    assert!(glob_match("s3:L*", &cx.action), "{cx:?}");
    assert!(!glob_match("s3:List*", &cx.action), "{cx:?}");
}

#[test]
fn other_service_added() {
    let mut refined = refined();
    actions(&mut refined, 1).push(json!("ec2:*"));
    let cx = expect_counterexample(&run(&original(), &refined, &unused()), Theorem::Containment);
    assert!(cx.action.starts_with("ec2:"), "{cx:?}");
}

#[test]
fn unknown_action_of_a_new_service_added() {
    let mut refined = refined();
    actions(&mut refined, 0).push(json!("newservice:DoThings"));
    let cx = expect_counterexample(&run(&original(), &refined, &unused()), Theorem::Containment);
    assert_eq!(cx.action, "newservice:dothings");
    assert_eq!(cx.refined_statement, Some(0));
}

#[test]
fn action_moved_between_statements() {
    // `lambda:InvokeFunction` is kept, but statement 1 has another Resource.
    let mut refined = refined();
    actions(&mut refined, 1).push(json!("lambda:InvokeFunction"));
    let cx = expect_counterexample(&run(&original(), &refined, &unused()), Theorem::Containment);
    assert_eq!(cx.action, "lambda:invokefunction");
    assert_eq!(cx.refined_statement, Some(1));
}

fn with_deny(mut policy: serde_json::Value, actions: serde_json::Value) -> serde_json::Value {
    policy["Statement"].as_array_mut().unwrap().push(json!({
        "Sid": "NoDeletes", "Effect": "Deny", "Action": actions, "Resource": "*"
    }));
    policy
}

#[test]
fn deny_statement_kept_is_proved() {
    let deny = json!(["s3:Delete*", "lambda:DeleteFunction"]);
    let report = run(
        &with_deny(original(), deny.clone()),
        &with_deny(refined(), deny),
        &unused(),
    );
    expect_proved(&report);
}

#[test]
fn deny_statement_weakened() {
    let original = with_deny(original(), json!(["s3:Delete*", "lambda:DeleteFunction"]));
    let refined = with_deny(
        refined(),
        json!(["s3:DeleteObject*", "lambda:DeleteFunction"]),
    );
    let cx = expect_counterexample(&run(&original, &refined, &unused()), Theorem::DenyChanged);
    assert!(glob_match("s3:Delete*", &cx.action), "{cx:?}");
    assert!(!glob_match("s3:DeleteObject*", &cx.action), "{cx:?}");
    assert_eq!(
        (cx.original_statement, cx.refined_statement),
        (Some(2), Some(2))
    );
}

#[test]
fn deny_statement_widened() {
    let original = with_deny(original(), json!(["s3:DeleteObject"]));
    let refined = with_deny(refined(), json!(["s3:DeleteObject*"]));
    let cx = expect_counterexample(&run(&original, &refined, &unused()), Theorem::DenyChanged);
    assert!(cx.action.starts_with("s3:deleteobject") && cx.action != "s3:deleteobject");
}

#[test]
fn deny_statement_removed() {
    let original = with_deny(original(), json!("s3:DeleteBucket"));
    let cx = expect_counterexample(&run(&original, &refined(), &unused()), Theorem::DenyRemoved);
    assert_eq!(cx.action, "s3:deletebucket");
    assert_eq!(cx.original_statement, Some(2));
}

#[test]
fn statement_with_kept_actions_deleted() {
    let mut refined = refined();
    refined["Statement"].as_array_mut().unwrap().remove(0);
    let cx = expect_counterexample(
        &run(&original(), &refined, &unused()),
        Theorem::StatementDropped,
    );
    assert!(cx.action.starts_with("lambda:invoke"), "{cx:?}");
    assert_eq!(cx.original_statement, Some(0));
}

#[test]
fn statement_with_nothing_left_may_be_deleted() {
    // Statement 0 keeps nothing once lambda:Invoke* is unused too (here: whole lambda unused).
    let mut unused = unused();
    unused.services.push("lambda".to_string());
    let mut refined = refined();
    refined["Statement"].as_array_mut().unwrap().remove(0);
    expect_proved(&run(&original(), &refined, &unused));
    // ... and keeping it is wrong (T3 over all strings in the unused service).
    let cx = expect_counterexample(
        &run(&original(), &self::refined(), &unused),
        Theorem::NoUnused,
    );
    assert!(cx.action.starts_with("lambda:invoke"), "{cx:?}");
}

#[test]
fn all_statements_deleted_when_everything_is_unused() {
    let unused = Unused {
        actions: vec![],
        services: vec!["lambda".into(), "S3".into()],
        keep: vec![],
    };
    let empty = json!({"Version": "2012-10-17", "Statement": []});
    expect_proved(&run(&original(), &empty, &unused));
    let cx = expect_counterexample(
        &run(&original(), &empty, &self::unused()),
        Theorem::StatementDropped,
    );
    assert_eq!(cx.original_statement, Some(0));
}

#[test]
fn whole_service_unused_finding() {
    let unused = Unused {
        actions: LAMBDA_UNUSED.iter().map(|s| s.to_string()).collect(),
        services: vec!["s3".into()],
        keep: vec![],
    };
    let statement0 = refined()["Statement"][0].clone();
    let good = json!({"Version": "2012-10-17", "Statement": [statement0]});
    expect_proved(&run(&original(), &good, &unused));
    // Keeping a narrowed s3 statement is refuted: every s3 string is unused.
    let cx = expect_counterexample(&run(&original(), &refined(), &unused), Theorem::NoUnused);
    assert!(
        cx.action.starts_with("s3:get") || cx.action.starts_with("s3:list"),
        "{cx:?}"
    );
}

#[test]
fn refined_statement_without_counterpart() {
    let mut refined = refined();
    refined["Statement"][1]["Resource"] = json!("arn:aws:s3:::bucket/*");
    let cx = expect_counterexample(&run(&original(), &refined, &unused()), Theorem::Unpaired);
    assert_eq!(cx.refined_statement, Some(1));
    assert!(cx.action.starts_with("s3:"), "{cx:?}");
}

#[test]
fn statements_reordered() {
    let mut refined = refined();
    refined["Statement"].as_array_mut().unwrap().swap(0, 1);
    let report = run(&original(), &refined, &unused());
    // Refined 0 (s3) pairs with original 1, original 0 is skipped, refined 1 (lambda) has no
    // counterpart left.
    let cx = expect_counterexample(&report, Theorem::Unpaired);
    assert_eq!(cx.refined_statement, Some(1));
}

#[test]
fn condition_must_be_kept() {
    let mut refined = refined();
    refined["Statement"][1]["Condition"] = json!({"Bool": {"aws:SecureTransport": "true"}});
    let cx = expect_counterexample(&run(&original(), &refined, &unused()), Theorem::Unpaired);
    assert_eq!(cx.refined_statement, Some(1));
}

#[test]
fn key_order_does_not_matter_but_values_do() {
    // (`Version` last: top-level key order does not matter either; its value does)
    let refined = json!({
        "Statement": [
            { "Resource": FUNCTION_ARN, "Action": "lambda:Invoke*", "Effect": "Allow", "Sid": "Lambda" },
            { "Resource": "*", "Effect": "Allow", "Action": S3_KEPT }
        ],
        "Version": "2012-10-17"
    });
    expect_proved(&run(&original(), &refined, &unused()));
    let mut refined = refined;
    refined["Statement"][1]["Resource"] = json!(["*"]);
    expect_counterexample(&run(&original(), &refined, &unused()), Theorem::Unpaired);
}

#[test]
fn statement_object_instead_of_array() {
    let original = json!({"Statement": {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}});
    let refined = json!({"Statement": {"Effect": "Allow", "Action": S3_KEPT, "Resource": "*"}});
    expect_proved(&run(&original, &refined, &unused()));
}

#[test]
fn not_action_statements() {
    // Allow everything but IAM; the refinement adds the unused actions to NotAction.
    let original = json!({"Statement": [
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    ]});
    let unused = Unused {
        actions: vec!["s3:GetBucketPolicy".into(), "lambda:GetFunction".into()],
        services: vec!["sqs".into()],
        keep: vec![],
    };
    let good = json!({"Statement": [
        {"Effect": "Allow", "NotAction": ["iam:*", "s3:GetBucketPolicy", "lambda:GetFunction", "sqs:*"], "Resource": "*"}
    ]});
    expect_proved(&run(&original, &good, &unused));

    // Forgetting one of them is refuted with that action.
    let bad = json!({"Statement": [
        {"Effect": "Allow", "NotAction": ["iam:*", "s3:GetBucketPolicy", "sqs:*"], "Resource": "*"}
    ]});
    let cx = expect_counterexample(&run(&original, &bad, &unused), Theorem::NoUnused);
    assert_eq!(cx.action, "lambda:getfunction");

    // Excluding a whole service through the catalog's names only is not enough: T3 is over
    // all strings, so `sqs:` strings the catalog does not know are still allowed.
    let bad = json!({"Statement": [
        {"Effect": "Allow", "NotAction": ["iam:*", "s3:GetBucketPolicy", "lambda:GetFunction", "sqs:*Message*"], "Resource": "*"}
    ]});
    let cx = expect_counterexample(&run(&original, &bad, &unused), Theorem::NoUnused);
    assert!(
        cx.action.starts_with("sqs:") && !cx.action.contains("message"),
        "{cx:?}"
    );

    // Excluding too much drops kept actions.
    let bad = json!({"Statement": [
        {"Effect": "Allow", "NotAction": ["iam:*", "s3:GetBucket*", "lambda:GetFunction", "sqs:*"], "Resource": "*"}
    ]});
    let cx = expect_counterexample(&run(&original, &bad, &unused), Theorem::Exactness);
    assert!(
        cx.action.starts_with("s3:getbucket") && cx.action != "s3:getbucketpolicy",
        "{cx:?}"
    );

    // Un-excluding IAM widens the statement.
    let bad = json!({"Statement": [
        {"Effect": "Allow", "NotAction": ["iam:Get*", "s3:GetBucketPolicy", "lambda:GetFunction", "sqs:*"], "Resource": "*"}
    ]});
    let cx = expect_counterexample(&run(&original, &bad, &unused), Theorem::Containment);
    assert!(
        cx.action.starts_with("iam:") && !cx.action.starts_with("iam:get"),
        "{cx:?}"
    );
}

#[test]
fn not_action_refined_into_action() {
    // Allow NotAction narrowed to an explicit Action list: wrong (drops every other service).
    let original =
        json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]});
    let refined = json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
    let cx = expect_counterexample(
        &run(&original, &refined, &Unused::default()),
        Theorem::Exactness,
    );
    assert!(
        !cx.action.starts_with("s3:") && !cx.action.starts_with("iam:"),
        "{cx:?}"
    );
}

#[test]
fn literal_names_unknown_to_the_catalog_must_be_kept() {
    let original = json!({"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:BrandNewAction", "s3:GetBucketPolicy"], "Resource": "*"}]});
    let unused = Unused {
        actions: vec!["s3:GetBucketPolicy".into()],
        services: vec![],
        keep: vec![],
    };
    let good = json!({"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:BrandNewAction"], "Resource": "*"}]});
    expect_proved(&run(&original, &good, &unused));
    let bad =
        json!({"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]});
    let cx = expect_counterexample(&run(&original, &bad, &unused), Theorem::Exactness);
    assert_eq!(cx.action, "s3:brandnewaction");
}

#[test]
fn unused_action_unknown_to_the_catalog() {
    let original =
        json!({"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]});
    let unused = Unused {
        actions: vec!["s3:GetSomethingNew".into()],
        services: vec![],
        keep: vec![],
    };
    // Keeping s3:Get* allows the (unknown) unused action: T3 refutes it.
    let cx = expect_counterexample(&run(&original, &original, &unused), Theorem::NoUnused);
    assert_eq!(cx.action, "s3:getsomethingnew");
}

#[test]
fn junk_patterns_are_globs_too() {
    let original = json!({"Statement": [{"Effect": "Allow", "Action": ["not-an-action", "s3:Get*", "weird*"], "Resource": "*"}]});
    expect_proved(&run(&original, &original, &Unused::default()));
    let refined = json!({"Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "weird*"], "Resource": "*"}]});
    let cx = expect_counterexample(
        &run(&original, &refined, &Unused::default()),
        Theorem::Exactness,
    );
    assert_eq!(cx.action, "not-an-action");
    // `weird?*` loses only the string `weird`, which is neither in the catalog nor written in
    // the policy: allowed (T2 holds, T1 is over the catalog).
    let refined = json!({"Statement": [{"Effect": "Allow", "Action": ["not-an-action", "s3:Get*", "weird?*"], "Resource": "*"}]});
    expect_proved(&run(&original, &refined, &Unused::default()));
    let refined = json!({"Statement": [{"Effect": "Allow", "Action": ["not-an-action", "s3:Get*", "weir*"], "Resource": "*"}]});
    let cx = expect_counterexample(
        &run(&original, &refined, &Unused::default()),
        Theorem::Containment,
    );
    assert!(cx.action.starts_with("weir") && !cx.action.starts_with("weird"));
}

#[test]
fn duplicate_keys_pair_with_the_statement_that_fits() {
    // Two statements with identical keys; the first keeps nothing and is deleted.
    let original = json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:GetBucketPolicy", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    ]});
    let unused = Unused {
        actions: vec!["s3:GetBucketPolicy".into()],
        services: vec![],
        keep: vec![],
    };
    let refined = json!({"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    ]});
    expect_proved(&run(&original, &refined, &unused));
}
