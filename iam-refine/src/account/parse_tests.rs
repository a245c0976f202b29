use serde_json::json;

use super::*;
use crate::account::{Account, PrincipalKind};

const EXPORT: &str = include_str!("../../testdata/account/authorization-details.json");

fn err(text: &str) -> String {
    Account::parse(text).unwrap_err().to_string()
}

#[test]
fn reads_two_pages_of_cli_output() {
    let a = Account::parse(EXPORT).expect("valid");
    let arns: Vec<&str> = a.principals().iter().map(|p| p.arn.as_str()).collect();
    assert_eq!(
        arns,
        [
            "arn:aws:iam::123456789012:role/EC2role",
            "arn:aws:iam::123456789012:role/service/OldBatch",
            "arn:aws:iam::123456789012:user/alice",
        ]
    );
    let role = a
        .principal("arn:aws:iam::123456789012:role/EC2role")
        .expect("role");
    assert_eq!(role.kind, PrincipalKind::Role);
    assert_eq!(role.name, "EC2role");
    assert_eq!(role.inline.len(), 1);
    let logs = role.inline[0].document().expect("inline document");
    assert_eq!(logs.kind, PolicyKind::RoleInline);
    assert_eq!(logs.statements[0].patterns.len(), 3);
    assert_eq!(
        role.attached.iter().map(|a| &**a).collect::<Vec<_>>(),
        [
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
            "arn:aws:iam::123456789012:policy/DeployPolicy"
        ]
    );

    // The default version, URL-encoded in the export, not the older one.
    let deploy = a
        .managed_policy("arn:aws:iam::123456789012:policy/DeployPolicy")
        .expect("managed");
    assert!(!deploy.is_aws_managed());
    assert_eq!(deploy.default_version.as_deref(), Some("v2"));
    let doc = deploy.document().expect("document");
    assert_eq!(doc.statements.len(), 3);
    assert_eq!(
        deploy.update_date.as_deref(),
        Some("2023-03-03T03:03:03+00:00")
    );

    let alice = a
        .principal("arn:aws:iam::123456789012:user/alice")
        .expect("user");
    assert_eq!(alice.groups, ["Admins"]);
    let group = a.group("Admins").expect("group");
    assert_eq!(
        group.inline[0].document().map(|p| p.kind),
        Ok(PolicyKind::GroupInline)
    );
    // S3 read-only: the role and alice; SQS: OldBatch and the group.
    assert_eq!(
        a.attachments("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
        2
    );
    assert_eq!(
        a.attachments("arn:aws:iam::aws:policy/AmazonSQSFullAccess"),
        2
    );
    assert_eq!(
        a.attachments("arn:aws:iam::123456789012:policy/DeployPolicy"),
        1
    );
    assert!(a.warnings().is_empty(), "{:?}", a.warnings());
}

#[test]
fn an_array_of_pages_reads_the_same() {
    let pages: Vec<serde_json::Value> = crate::json_values::parse_all(EXPORT)
        .expect("valid")
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    let as_array = serde_json::Value::Array(pages.clone()).to_string();
    let a = Account::parse(&as_array).expect("valid");
    let b = Account::parse(EXPORT).expect("valid");
    assert_eq!(a.principals(), b.principals());
    // The same page twice (a repeated `--starting-token`) changes nothing.
    let twice = format!("{EXPORT}\n{EXPORT}");
    assert_eq!(
        Account::parse(&twice).expect("valid").principals(),
        b.principals()
    );
    // Only the first page: the export says more pages follow.
    let first = pages[0].to_string();
    let only = Account::parse(&first).expect("valid");
    assert_eq!(only.warnings().len(), 1);
    assert!(
        only.warnings()[0].contains("IsTruncated"),
        "{:?}",
        only.warnings()
    );
}

#[test]
fn a_bad_document_fails_its_policy_not_the_account() {
    let text = json!({"RoleDetailList": [{"RoleName": "R", "Arn": "arn:aws:iam::1:role/R",
        "RolePolicyList": [{"PolicyName": "P", "PolicyDocument": "%7B%22Statement%22%3A%5B%5D%7D"}]}]})
    .to_string();
    let a = Account::parse(&text).expect("the account reads");
    let p = &a.principals()[0].inline[0];
    assert_eq!(
        p.document().unwrap_err().to_string(),
        "the policy has no statement"
    );
}

#[test]
fn default_versions_must_be_unambiguous() {
    let policy = |versions: serde_json::Value, default: &str| {
        json!({"Policies": [{"PolicyName": "P", "Arn": "arn:aws:iam::1:policy/P",
            "DefaultVersionId": default, "PolicyVersionList": versions}]})
        .to_string()
    };
    let doc = json!({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}});
    let a = Account::parse(&policy(
        json!([{"Document": doc, "VersionId": "v1", "IsDefaultVersion": true},
               {"Document": doc, "VersionId": "v2", "IsDefaultVersion": true}]),
        "v1",
    ))
    .expect("reads");
    let m = a.managed_policy("arn:aws:iam::1:policy/P").expect("policy");
    assert_eq!(
        m.document().unwrap_err().to_string(),
        "versions `v1`, `v2` are all marked `IsDefaultVersion`"
    );
    let a = Account::parse(&policy(
        json!([{"Document": doc, "VersionId": "v1", "IsDefaultVersion": false}]),
        "v9",
    ))
    .expect("reads");
    assert!(matches!(
        a.managed_policy("arn:aws:iam::1:policy/P")
            .map(|m| m.document()),
        Some(Err(DocumentError::NoDefaultVersion))
    ));
    let a = Account::parse(&policy(
        json!([{"Document": doc, "VersionId": "v1", "IsDefaultVersion": true}]),
        "v2",
    ))
    .expect("reads");
    assert_eq!(
        a.managed_policy("arn:aws:iam::1:policy/P")
            .map(|m| m.document().unwrap_err().to_string()),
        Some("`DefaultVersionId` is `v2` but version `v1` is marked `IsDefaultVersion`".into())
    );
}

#[test]
fn ambiguity_refuses_the_export_naming_the_item() {
    let page = |doc: &str| {
        json!({"Policies": [{"PolicyName": "P", "Arn": "arn:aws:iam::1:policy/P",
            "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": true}]}]})
        .to_string()
    };
    let a = page(r#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#);
    let b = page(r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#);
    assert_eq!(
        err(&format!("{a}\n{b}")),
        "managed policy `arn:aws:iam::1:policy/P` is defined twice with different documents (pages 1 and 2)"
    );
    let role = |action: &str| {
        json!({"RoleDetailList": [{"RoleName": "R", "Arn": "arn:aws:iam::1:role/R",
            "RolePolicyList": [{"PolicyName": "I", "PolicyDocument": {"Statement": {"Effect": "Allow", "Action": action}}}]}]})
        .to_string()
    };
    assert_eq!(
        err(&format!("[{}, {}]", role("s3:*"), role("*"))),
        "role `arn:aws:iam::1:role/R` is defined twice with different contents (pages 1 and 2)"
    );
    let two_inline = json!({"RoleDetailList": [{"RoleName": "R", "Arn": "arn:aws:iam::1:role/R",
        "RolePolicyList": [
            {"PolicyName": "I", "PolicyDocument": {"Statement": {"Effect": "Allow", "Action": "s3:*"}}},
            {"PolicyName": "I", "PolicyDocument": {"Statement": {"Effect": "Allow", "Action": "*"}}}]}]});
    assert_eq!(
        err(&two_inline.to_string()),
        "page 1: role `R`: inline policy `I` is defined twice with different documents"
    );
}

#[test]
fn other_shapes_are_refused_with_their_page() {
    assert_eq!(
        err("{\"RoleDetailList\": []}\n\n{\"PolicyVersion\": {}}"),
        "page 2 (line 3): expected `aws iam get-account-authorization-details` output (an object with RoleDetailList, UserDetailList, GroupDetailList or Policies), found an object with keys PolicyVersion"
    );
    assert_eq!(
        err("  "),
        "the account export is empty: expected `aws iam get-account-authorization-details` output"
    );
    assert_eq!(err("[]"), err(" "));
    assert!(err("{\"RoleDetailList\": [}").starts_with("page 1 (line 1): invalid JSON"));
    assert_eq!(
        err(r#"{"RoleDetailList": {}}"#),
        "page 1: `RoleDetailList` must be an array, found an object"
    );
    assert_eq!(
        err(r#"{"RoleDetailList": [{"Arn": "arn:aws:iam::1:role/R"}]}"#),
        "page 1: RoleDetailList item 1: `RoleName` is missing"
    );
    assert_eq!(
        err(r#"{"UserDetailList": [{"UserName": "u", "Arn": "a", "GroupList": [3]}]}"#),
        "page 1: user `u`: `GroupList` must be an array of group names, found a number"
    );
    assert_eq!(
        err(
            r#"{"RoleDetailList": [{"RoleName": "R", "Arn": "a", "RolePolicyList": [{"PolicyName": "P"}]}]}"#
        ),
        "page 1: role `R`, inline policy `P`: `PolicyDocument` is missing"
    );
    assert_eq!(err("[3]"), "page 1 (line 1): expected `aws iam get-account-authorization-details` output (an object with RoleDetailList, UserDetailList, GroupDetailList or Policies), found a number");
}

/// Principals and groups that attach one policy share its ARN: one allocation per ARN.
#[test]
fn an_attached_policys_arn_is_held_once() {
    let attached =
        serde_json::json!([{"PolicyName": "P", "PolicyArn": "arn:aws:iam::aws:policy/P"}]);
    let export = serde_json::json!({
        "RoleDetailList": [
            {"RoleName": "A", "Arn": "arn:aws:iam::1:role/A", "AttachedManagedPolicies": attached},
            {"RoleName": "B", "Arn": "arn:aws:iam::1:role/B", "AttachedManagedPolicies": attached}
        ],
        "GroupDetailList": [
            {"GroupName": "G", "Arn": "arn:aws:iam::1:group/G", "AttachedManagedPolicies": attached}
        ]
    });
    let account = Account::parse(&export.to_string()).expect("reads");
    let [a, b] = account.principals() else {
        panic!("two roles");
    };
    assert_eq!(&*a.attached[0], "arn:aws:iam::aws:policy/P");
    assert!(std::sync::Arc::ptr_eq(&a.attached[0], &b.attached[0]));
    let group = account.groups().next().expect("a group");
    assert!(std::sync::Arc::ptr_eq(&a.attached[0], &group.attached[0]));
    assert_eq!(account.attachments("arn:aws:iam::aws:policy/P"), 3);
}
