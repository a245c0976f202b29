use serde_json::json;

use super::*;
use crate::account::summary::AccountSummary;
use crate::recommendation::{Recommendation, RecommendedAction};
use crate::usage::AccountFindings;

const EXPORT: &str = include_str!("../../testdata/account/authorization-details.json");
const JSONL: &str = include_str!("../../testdata/account/findings.jsonl");
const ROLE: &str = "arn:aws:iam::123456789012:role/EC2role";
const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const OLD: &str = "arn:aws:iam::123456789012:role/service/OldBatch";

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(Catalog::embedded)
}

fn fixture() -> (Account, AccountFindings) {
    (
        Account::parse(EXPORT).expect("account"),
        AccountFindings::parse([("findings.jsonl", JSONL)]).expect("findings"),
    )
}

fn plan_of(
    account: &Account,
    findings: &AccountFindings,
    arn: &str,
    options: &PlanOptions,
) -> PrincipalPlan {
    let principal = account.principal(arn).expect("principal");
    let held = findings
        .principal(arn)
        .map(|h| h.unpack().expect("reads back"));
    let evidence = held.as_ref().map(Evidence::from).unwrap_or_default();
    plan_principal(account, principal, evidence, catalog(), options)
}

fn policy<'a>(plan: &'a PrincipalPlan, id: &str) -> &'a PolicyPlan {
    plan.policies
        .iter()
        .find(|p| p.policy.id == id)
        .unwrap_or_else(|| panic!("no policy {id}"))
}

#[test]
fn a_role_gets_one_step_pair_per_refined_policy() {
    let (account, findings) = fixture();
    let plan = plan_of(&account, &findings, ROLE, &PlanOptions::default());
    assert_eq!(plan.status, PrincipalStatus::Refined, "{:?}", plan.errors);
    assert_eq!(plan.policies.len(), 3);

    let logs = policy(&plan, "LogsWriter");
    assert_eq!(logs.policy.source, PolicySource::Inline);
    assert_eq!(logs.action, PolicyAction::Replace);
    assert_eq!(
        logs.documents[0].statements[0].patterns,
        ["logs:CreateLogStream", "logs:PutLogEvents"]
    );

    let s3 = policy(&plan, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess");
    assert_eq!(s3.policy.source, PolicySource::AwsManaged);
    assert_eq!(s3.attachments, 2);
    let s3_actions = &s3.documents[0].statements[0].patterns;
    assert!(
        !s3_actions.iter().any(|a| a.starts_with("s3-object-lambda")),
        "{s3_actions:?}"
    );
    assert!(
        s3_actions.contains(&"s3:Describe*".to_string())
            || s3_actions.iter().any(|a| a.starts_with("s3:Describe"))
    );

    let deploy = policy(&plan, "arn:aws:iam::123456789012:policy/DeployPolicy");
    assert_eq!(deploy.policy.source, PolicySource::CustomerManaged);
    let doc = &deploy.documents[0];
    // lambda and ec2 are wholly unused: lambda:* goes, and the BreakGlass statement with it.
    assert!(!doc.statements[0].patterns.contains(&"lambda:*".to_string()));
    assert!(doc.statements[0]
        .patterns
        .contains(&"iam:PassRole".to_string()));
    assert_eq!(
        doc.statements.len(),
        2,
        "BreakGlass (ec2:*) is removed; the Deny stays"
    );
    assert_eq!(doc.statements[1].effect, Effect::Deny);
    assert_eq!(
        deploy.updated_at.as_deref(),
        Some("2023-03-03T03:03:03+00:00")
    );
    assert_eq!((plan.managed_before, plan.managed_after), (2, 2));

    let rec = plan.recommendation();
    let steps: Vec<(RecommendedAction, &str)> = rec
        .steps
        .iter()
        .map(|s| (s.action, s.policy_id.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        steps,
        [
            (RecommendedAction::CreatePolicy, "LogsWriter"),
            (RecommendedAction::DetachPolicy, "LogsWriter"),
            (
                RecommendedAction::CreatePolicy,
                "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
            ),
            (
                RecommendedAction::DetachPolicy,
                "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
            ),
            (
                RecommendedAction::CreatePolicy,
                "arn:aws:iam::123456789012:policy/DeployPolicy"
            ),
            (
                RecommendedAction::DetachPolicy,
                "arn:aws:iam::123456789012:policy/DeployPolicy"
            ),
        ]
    );
    // A shared managed policy says so; AWS's consumers ignore the field.
    let shared = rec.steps[2].extra.as_ref().expect("extra");
    assert_eq!(shared["attachedTo"], 2);
    assert!(shared["note"]
        .as_str()
        .is_some_and(|n| n.contains("never edit it in place")));
    // What we write, AWS's reader takes back unchanged.
    let back = Recommendation::from_value(&rec.to_value()).expect("our output reads as AWS's");
    assert_eq!(back, rec);
    assert_eq!(back.changes().len(), 3);
    assert!(back
        .changes()
        .iter()
        .all(|c| c.detached && c.documents.len() == 1));
}

#[test]
fn skip_sid_and_keep_change_the_plan() {
    let (account, findings) = fixture();
    let options = PlanOptions {
        refine: RefineOptions::new()
            .skip_sid("BreakGlass")
            .and_then(|o| o.keep("logs:CreateLogGroup"))
            .expect("valid"),
        ..PlanOptions::default()
    };
    let plan = plan_of(&account, &findings, ROLE, &options);
    let deploy = policy(&plan, "arn:aws:iam::123456789012:policy/DeployPolicy");
    assert_eq!(deploy.skipped_statements, [1]);
    let doc = &deploy.documents[0];
    assert_eq!(doc.statements.len(), 3);
    assert_eq!(doc.statements[1], deploy.original.statements[1]);
    assert_eq!(policy(&plan, "LogsWriter").action, PolicyAction::Unchanged);
    let effective = plan.findings.as_ref().expect("findings");
    assert!(!effective.actions().any(|a| a == "logs:CreateLogGroup"));
    let rec = plan.recommendation();
    let step = rec
        .steps
        .iter()
        .find(|s| s.is_for("DeployPolicy") && s.action == RecommendedAction::CreatePolicy)
        .expect("step");
    assert_eq!(
        step.extra.as_ref().expect("extra")["statementsLeftAsWritten"],
        json!([2])
    );
}

#[test]
fn an_unused_role_is_to_be_deleted_not_refined() {
    let (account, findings) = fixture();
    let plan = plan_of(&account, &findings, OLD, &PlanOptions::default());
    assert_eq!(plan.status, PrincipalStatus::DeleteRole);
    assert!(plan.policies.is_empty());
    let rec = plan.recommendation();
    assert!(rec.steps.is_empty());
    let extra = rec.extra.expect("extra");
    assert_eq!(extra["recommendedAction"], "DELETE_ROLE");
    assert_eq!(extra["roleLastAccessed"], "2022-12-01T00:00:00+00:00");
}

#[test]
fn a_user_reports_group_policies_and_refines_not_action() {
    let (account, findings) = fixture();
    let plan = plan_of(&account, &findings, ALICE, &PlanOptions::default());
    assert_eq!(plan.status, PrincipalStatus::Refined, "{:?}", plan.errors);
    let power = policy(&plan, "PowerUser");
    assert!(power.not_action_refined);
    let not_action = &power.documents[0].statements[0].patterns;
    assert!(not_action.contains(&"ec2:*".to_string()), "{not_action:?}");
    // Group policies: reported with their unused actions, never stepped.
    let groups: Vec<(&str, &str, usize)> = plan
        .inherited
        .iter()
        .map(|i| (i.group.as_str(), i.policy.id.as_str(), i.unused_actions))
        .collect();
    assert_eq!(
        groups,
        [
            ("Admins", "IamAll", 0),
            ("Admins", "arn:aws:iam::aws:policy/AmazonSQSFullAccess", 2)
        ]
    );
    let rec = plan.recommendation();
    assert!(!rec
        .steps
        .iter()
        .any(|s| s.is_for("IamAll") || s.is_for("AmazonSQSFullAccess")));
    let extra = rec.extra.as_ref().expect("extra");
    assert_eq!(extra["inheritedPolicies"][1]["unusedActions"], 2);
    assert_eq!(extra["otherFindings"].as_array().map(Vec::len), Some(2));
    let create = rec
        .steps
        .iter()
        .find(|s| s.is_for("PowerUser"))
        .expect("step");
    assert_eq!(
        create.extra.as_ref().expect("extra")["notActionRefined"],
        true
    );
    assert_eq!(plan.reported.len(), 2);
}

#[test]
fn summary_counts_each_outcome() {
    let (account, findings) = fixture();
    let mut summary = AccountSummary::default();
    for p in account.principals() {
        let held = findings
            .principal(&p.arn)
            .map(|h| h.unpack().expect("reads back"));
        let evidence = held.as_ref().map(Evidence::from).unwrap_or_default();
        summary.add(&plan_principal(
            &account,
            p,
            evidence,
            catalog(),
            &PlanOptions::default(),
        ));
    }
    assert_eq!(
        (
            summary.principals,
            summary.refined,
            summary.delete_role,
            summary.failed
        ),
        (3, 2, 1, 0)
    );
    assert_eq!(summary.policies_replaced, 5);
    assert!(summary.removed_total() > 100, "{summary:?}");
    let text = summary.render();
    assert!(
        text.starts_with("principals: 3 (2 refined, 0 to detach, 0 unchanged, 1 roles to delete, 0 without findings, 0 failed)"),
        "{text}"
    );
    assert!(!text.contains("verified:"), "no verdicts counted: {text}");
    let mut verified = summary.clone();
    verified.proved = 4;
    verified.unknown = 1;
    assert!(verified
        .render()
        .contains("\nverified: 4 proved, 0 refuted, 1 unknown\n"));
    let mut halves = AccountSummary::default();
    halves.merge(&summary);
    halves.merge(&AccountSummary::default());
    assert_eq!(halves, summary);
}

/// A one-role account; `policies` are `(arn, document)` customer managed policies.
fn account_with(policies: &[(&str, serde_json::Value)]) -> Account {
    let attached: Vec<_> = policies
        .iter()
        .map(|(arn, _)| json!({"PolicyName": arn.rsplit('/').next(), "PolicyArn": arn}))
        .collect();
    let defs: Vec<_> = policies
        .iter()
        .map(|(arn, doc)| {
            json!({"PolicyName": arn.rsplit('/').next(), "Arn": arn, "DefaultVersionId": "v1", "AttachmentCount": 1,
                   "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": true}]})
        })
        .collect();
    let text = json!({"RoleDetailList": [{"RoleName": "R", "Arn": "arn:aws:iam::1:role/R",
        "RolePolicyList": [], "AttachedManagedPolicies": attached}], "Policies": defs});
    Account::parse(&text.to_string()).expect("account")
}

#[test]
fn failures_are_the_principals_own_and_named() {
    let text = json!({"RoleDetailList": [{"RoleName": "R", "Arn": "arn:aws:iam::1:role/R",
        "AttachedManagedPolicies": [{"PolicyName": "Gone", "PolicyArn": "arn:aws:iam::1:policy/Gone"}],
        "RolePolicyList": [{"PolicyName": "Bad", "PolicyDocument": {"Statement": {"Effect": "allow", "Action": "s3:*"}}}]}]});
    let account = Account::parse(&text.to_string()).expect("account");
    let f = Findings::parse(r#"[{"serviceNamespace": "s3"}]"#).expect("findings");
    let p = &account.principals()[0];
    let plan = plan_principal(
        &account,
        p,
        Evidence {
            usage: Some(UsageRef::Unused(&f)),
            ..Evidence::default()
        },
        catalog(),
        &PlanOptions::default(),
    );
    assert_eq!(plan.status, PrincipalStatus::Failed);
    let errors: Vec<String> = plan.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors[0],
        "policy `Bad`: statement 1: Effect must be Allow or Deny, found `allow`"
    );
    assert!(
        errors[1].starts_with("attached policy `arn:aws:iam::1:policy/Gone` is not in the export"),
        "{errors:?}"
    );
    let rec = plan.recommendation();
    assert!(
        rec.steps.is_empty(),
        "nothing of a failed plan is to be applied"
    );
    assert_eq!(
        rec.extra.expect("extra")["errors"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn everything_unused_is_detach_alone() {
    let account = account_with(&[(
        "arn:aws:iam::1:policy/Queue",
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}}),
    )]);
    let f = Findings::parse(r#"[{"serviceNamespace": "sqs"}]"#).expect("findings");
    let plan = plan_principal(
        &account,
        &account.principals()[0],
        Evidence {
            usage: Some(UsageRef::Unused(&f)),
            ..Evidence::default()
        },
        catalog(),
        &PlanOptions::default(),
    );
    assert_eq!(plan.status, PrincipalStatus::Detach);
    let rec = plan.recommendation();
    assert_eq!(rec.steps.len(), 1);
    assert_eq!(rec.steps[0].action, RecommendedAction::DetachPolicy);
    assert_eq!(plan.managed_after, 0);
}

#[test]
fn observed_usage_plans_like_findings() {
    let account = account_with(&[(
        "arn:aws:iam::1:policy/Rw",
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "sqs:SendMessage"], "Resource": "*"}}),
    )]);
    let used = ObservedUsage::parse("s3:GetObject\nsqs:SendMessage").expect("used");
    let plan = plan_principal(
        &account,
        &account.principals()[0],
        Evidence {
            usage: Some(UsageRef::Used(&used)),
            ..Evidence::default()
        },
        catalog(),
        &PlanOptions::default(),
    );
    assert_eq!(plan.status, PrincipalStatus::Refined);
    assert_eq!(
        plan.policies[0].documents[0].statements[0].patterns,
        ["s3:GetObject", "sqs:SendMessage"]
    );
    let no_usage = plan_principal(
        &account,
        &account.principals()[0],
        Evidence::default(),
        catalog(),
        &PlanOptions::default(),
    );
    assert_eq!(no_usage.status, PrincipalStatus::NoFindings);
    assert!(no_usage.recommendation().steps.is_empty());
}

/// A managed policy whose refinement is over 6,144 characters: every third action of
/// several read-only wildcards unused.
fn big_case() -> (Account, Findings) {
    let doc = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": ["ec2:Describe*", "s3:Get*", "iam:Get*", "iam:List*", "rds:Describe*", "glue:Get*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]});
    let account = account_with(&[
        ("arn:aws:iam::1:policy/Big", doc),
        (
            "arn:aws:iam::1:policy/Other",
            json!({"Statement": {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}}),
        ),
    ]);
    let c = catalog();
    let names: Vec<String> = [
        "ec2:describe",
        "s3:get",
        "iam:get",
        "iam:list",
        "rds:describe",
        "glue:get",
    ]
    .iter()
    .flat_map(|p| c.prefix_range(p))
    .enumerate()
    .filter(|(k, _)| k % 3 == 0)
    .map(|(_, i)| c.name(i).to_string())
    .collect();
    (account, Findings::from_names(&names, &[]))
}

#[test]
fn over_quota_is_a_warning_or_fitted_or_a_failure() {
    let (account, f) = big_case();
    let p = &account.principals()[0];
    let evidence = Evidence {
        usage: Some(UsageRef::Unused(&f)),
        ..Evidence::default()
    };
    let plan = plan_principal(&account, p, evidence, catalog(), &PlanOptions::default());
    let big = policy(&plan, "arn:aws:iam::1:policy/Big");
    let check = big.quota.as_ref().expect("checked");
    assert!(check.refined > 6_144, "{check:?}");
    assert!(!check.fits());
    assert_eq!(plan.status, PrincipalStatus::Refined);
    assert!(
        matches!(&plan.warnings[0], PlanWarning::ManagedQuota { policy, size, quota: 6_144 }
            if policy == "arn:aws:iam::1:policy/Big" && *size == check.refined),
        "{:?}",
        plan.warnings
    );
    assert!(plan.warnings[0].is_quota());
    assert!(
        plan.warnings[0]
            .to_string()
            .contains("over IAM's 6144-character quota"),
        "{:?}",
        plan.warnings
    );

    let fit = PlanOptions {
        fit_quota: true,
        ..PlanOptions::default()
    };
    let plan = plan_principal(&account, p, evidence, catalog(), &fit);
    assert_eq!(plan.status, PrincipalStatus::Refined, "{:?}", plan.errors);
    let big = policy(&plan, "arn:aws:iam::1:policy/Big");
    let check = big.quota.as_ref().expect("checked");
    assert!(check.fits(), "{check:?}");
    assert!(check.infix.written > 0);
    assert_eq!(
        big.documents.len(),
        2,
        "infix wildcards, then a split: {check:?}"
    );
    assert_eq!(plan.managed_after, 2 + big.documents.len() - 1);
    // The policy the parts were cut from comes with them, for a prover; nothing else has one.
    let whole = big
        .split_from
        .as_ref()
        .expect("a split carries its whole policy");
    assert!(whole.size() > 6_144, "{}", whole.size());
    assert!(plan
        .policies
        .iter()
        .filter(|q| q.policy.id != big.policy.id)
        .all(|q| q.split_from.is_none()));
    let rec = plan.recommendation();
    let creates = rec
        .steps
        .iter()
        .filter(|s| {
            s.is_for("arn:aws:iam::1:policy/Big") && s.action == RecommendedAction::CreatePolicy
        })
        .count();
    assert_eq!(creates, big.documents.len());
    assert_eq!(rec.steps[0].extra.as_ref().expect("extra")["parts"], 2);
    assert_eq!(rec.steps[1].extra.as_ref().expect("extra")["part"], 2);

    // No room for a second managed policy: the principal fails, naming the smallest size.
    let tight = PlanOptions {
        fit_quota: true,
        max_managed_policies: 2,
        ..PlanOptions::default()
    };
    let plan = plan_principal(&account, p, evidence, catalog(), &tight);
    assert_eq!(plan.status, PrincipalStatus::Failed);
    let e = plan.errors[0].to_string();
    assert!(e.contains("the smallest reached is"), "{e}");
    assert!(
        e.contains("a split would take 2 managed policies where 1 can be attached"),
        "{e}"
    );
}

fn user_with_inline(actions: &[&str], unused_every: usize) -> (Account, Findings) {
    let text = json!({"UserDetailList": [{"UserName": "u", "Arn": "arn:aws:iam::1:user/u", "GroupList": [],
        "UserPolicyList": [{"PolicyName": "Mine", "PolicyDocument": {"Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": actions, "Resource": "*"}}}]}]});
    let account = Account::parse(&text.to_string()).expect("account");
    let c = catalog();
    let names: Vec<String> = actions
        .iter()
        .flat_map(|a| c.prefix_range(&a.trim_end_matches('*').to_ascii_lowercase()))
        .enumerate()
        .filter(|(k, _)| k % unused_every == 0)
        .map(|(_, i)| c.name(i).to_string())
        .collect();
    (account, Findings::from_names(&names, &[]))
}

#[test]
fn a_users_inline_policies_are_held_to_2048_together() {
    for (actions, every, fits) in [
        (&["s3:Get*", "s3:Put*"][..], 6, true),
        (&["s3:Get*", "s3:Put*", "ec2:Describe*"][..], 4, false),
    ] {
        let (account, f) = user_with_inline(actions, every);
        let evidence = Evidence {
            usage: Some(UsageRef::Unused(&f)),
            ..Evidence::default()
        };
        let p = &account.principals()[0];
        let plain = plan_principal(&account, p, evidence, catalog(), &PlanOptions::default());
        let check = plain.inline_quota.as_ref().expect("checked");
        assert!(check.refined > 2_048, "{check:?}");
        assert!(
            plain.warnings[0]
                .to_string()
                .contains("inline policies total"),
            "{:?}",
            plain.warnings
        );
        let fit = PlanOptions {
            fit_quota: true,
            ..PlanOptions::default()
        };
        let plan = plan_principal(&account, p, evidence, catalog(), &fit);
        let check = plan.inline_quota.as_ref().expect("checked");
        assert_eq!(check.fits(), fits, "{check:?}");
        if fits {
            assert_eq!(plan.status, PrincipalStatus::Refined);
        } else {
            assert_eq!(plan.status, PrincipalStatus::Failed);
            assert!(plan.errors[0]
                .to_string()
                .starts_with("the user's inline policies total"));
        }
    }
}
