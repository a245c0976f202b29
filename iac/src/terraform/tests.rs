//! Unit tests of the plan reader, on `testdata/terraform/plan.json` and small plans.

use serde_json::{json, Value};

use crate::{extract, Change, Found, IacError, Options, PlannedPolicy, PolicyKind};

const PLAN: &str = include_str!("../../testdata/terraform/plan.json");

fn planned(text: &str) -> Result<Vec<PlannedPolicy>, IacError> {
    match extract("plan.json", text, &Options::default())?.found {
        Found::Plan(p) => Ok(p),
        Found::Template(_) => panic!("a plan"),
    }
}

fn get<'p>(plan: &'p [PlannedPolicy], address: &str) -> &'p PlannedPolicy {
    plan.iter()
        .find(|p| p.address == address)
        .unwrap_or_else(|| panic!("{address} not found"))
}

fn plan_with(changes: Value) -> String {
    json!({"format_version": "1.2", "resource_changes": changes}).to_string()
}

#[test]
fn the_fixture_gives_every_policy_with_both_sides() {
    let p = planned(PLAN).unwrap();
    let summary: Vec<(&str, PolicyKind, Change, bool, bool)> = p
        .iter()
        .map(|p| {
            (
                p.address.as_str(),
                p.kind,
                p.change,
                p.before.is_some(),
                p.after.is_some(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "aws_iam_policy.readonly",
                PolicyKind::Managed,
                Change::Update,
                true,
                true
            ),
            (
                "aws_iam_policy.replaced",
                PolicyKind::Managed,
                Change::Replace,
                true,
                true
            ),
            (
                "aws_iam_user_policy.legacy",
                PolicyKind::UserInline,
                Change::Delete,
                true,
                false
            ),
            (
                "aws_iam_group_policy.ops",
                PolicyKind::GroupInline,
                Change::NoOp,
                true,
                true
            ),
            (
                "aws_iam_role.ci/inline_policy/deploy",
                PolicyKind::RoleInline,
                Change::Update,
                true,
                true
            ),
            (
                "aws_iam_role.ci/inline_policy/old",
                PolicyKind::RoleInline,
                Change::Delete,
                true,
                false
            ),
            (
                "aws_iam_role.ci/inline_policy/extra",
                PolicyKind::RoleInline,
                Change::Create,
                false,
                true
            ),
            (
                "module.app.aws_iam_role.this/inline_policy",
                PolicyKind::RoleInline,
                Change::Create,
                false,
                true
            ),
            (
                "module.app.aws_iam_role_policy.this",
                PolicyKind::RoleInline,
                Change::Create,
                false,
                true
            ),
            (
                "module.app.data.aws_iam_policy_document.s3",
                PolicyKind::Document,
                Change::Read,
                false,
                true
            ),
            (
                "module.app.aws_iam_policy.from_doc[\"s3\"]",
                PolicyKind::Managed,
                Change::Create,
                false,
                true
            ),
            (
                "data.aws_iam_policy_document.base",
                PolicyKind::Document,
                Change::Read,
                false,
                true
            ),
        ]
    );
    let readonly = get(&p, "aws_iam_policy.readonly");
    let before = readonly.before.as_ref().unwrap();
    let after = readonly.after.as_ref().unwrap();
    assert_eq!(before.document["Statement"].as_array().unwrap().len(), 1);
    assert_eq!(after.document["Statement"][1]["Action"], "s3:ListBucket");
    assert_eq!(
        (after.name.as_deref(), after.file.as_str()),
        (Some("readonly"), "plan.json")
    );
    let replaced = get(&p, "aws_iam_policy.replaced");
    assert_eq!(
        replaced.before.as_ref().unwrap().name.as_deref(),
        Some("old-name")
    );
    assert_eq!(
        replaced.after.as_ref().unwrap().name.as_deref(),
        Some("new-name")
    );
}

#[test]
fn values_known_after_apply_are_declared_by_address_and_attribute() {
    let p = planned(PLAN).unwrap();
    let this = get(&p, "module.app.aws_iam_role_policy.this")
        .after
        .clone()
        .unwrap();
    assert_eq!(
        this.document,
        "${tf:module.app.aws_iam_role_policy.this.policy}"
    );
    assert_eq!(
        this.unknowns[0].name,
        "tf:module.app.aws_iam_role_policy.this.policy"
    );
    assert_eq!(
        this.unknowns[0].expression,
        "module.app.aws_iam_role_policy.this.policy (known after apply)"
    );
    assert_eq!(this.name.as_deref(), Some("app-s3"));
    // A for_each key's quotes are encoded.
    let from_doc = get(&p, "module.app.aws_iam_policy.from_doc[\"s3\"]")
        .after
        .clone()
        .unwrap();
    assert_eq!(
        from_doc.document,
        "${tf:module.app.aws_iam_policy.from_doc[%22s3%22].policy}"
    );
    let extra = get(&p, "aws_iam_role.ci/inline_policy/extra")
        .after
        .clone()
        .unwrap();
    assert_eq!(
        extra.document,
        "${tf:aws_iam_role.ci.inline_policy[1].policy}"
    );
    let role = get(&p, "module.app.aws_iam_role.this/inline_policy")
        .after
        .clone()
        .unwrap();
    assert_eq!(
        role.document,
        "${tf:module.app.aws_iam_role.this.inline_policy}"
    );
}

#[test]
fn a_deferred_data_source_keeps_its_known_rest() {
    let p = planned(PLAN).unwrap();
    let doc = get(&p, "module.app.data.aws_iam_policy_document.s3")
        .after
        .clone()
        .unwrap();
    let name = "tf:module.app.data.aws_iam_policy_document.s3.statement[0].resources[0]";
    assert_eq!(
        doc.document,
        json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject"],
            "Resource": [format!("${{{name}}}"), "arn:aws:s3:::static/*"],
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["app"]}}
        }]})
    );
    assert_eq!(doc.unknowns.len(), 1);
    assert_eq!(doc.unknowns[0].name, name);
    let base = get(&p, "data.aws_iam_policy_document.base")
        .after
        .clone()
        .unwrap();
    assert_eq!(base.document["Statement"][0]["Action"], "ec2:Describe*");
}

#[test]
fn a_data_source_that_merges_documents_is_unknown_as_a_whole() {
    let change = |after: Value, unknown: Value| {
        plan_with(
            json!([{"address": "data.aws_iam_policy_document.d", "mode": "data", "type": "aws_iam_policy_document", "name": "d",
            "change": {"actions": ["read"], "before": null, "after": after, "after_unknown": unknown}}]),
        )
    };
    let text = change(
        json!({"source_policy_documents": ["{}"], "statement": []}),
        json!({"json": true}),
    );
    let p = planned(&text).unwrap();
    assert_eq!(
        p[0].after.as_ref().unwrap().document,
        "${tf:data.aws_iam_policy_document.d.json}"
    );
    // A repeated test and variable: how the provider merges them is not documented.
    let cond = json!({"test": "StringEquals", "variable": "k", "values": ["a"]});
    let text = change(
        json!({"statement": [{"condition": [cond.clone(), cond]}]}),
        json!({"json": true}),
    );
    assert_eq!(
        planned(&text).unwrap()[0].after.as_ref().unwrap().document,
        "${tf:data.aws_iam_policy_document.d.json}"
    );
    // Whole statements and whole lists unknown stay where they are.
    let text = change(
        json!({"statement": [{"actions": null, "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::1:root"]}]}, null]}),
        json!({"json": true, "statement": [{"actions": true}, true]}),
    );
    let doc = planned(&text).unwrap()[0].after.clone().unwrap();
    assert_eq!(
        doc.document["Statement"],
        json!([
            {"Effect": "Allow", "Action": "${tf:data.aws_iam_policy_document.d.statement[0].actions}", "Principal": {"AWS": ["arn:aws:iam::1:root"]}},
            "${tf:data.aws_iam_policy_document.d.statement[1]}"
        ])
    );
    assert_eq!(doc.unknowns.len(), 2);
    let text = change(
        json!({"statement": [{"actions": ["${tf:x}"]}]}),
        json!({"json": true}),
    );
    assert!(planned(&text)
        .unwrap_err()
        .to_string()
        .contains("declared unknowns are written"));
}

#[test]
fn a_one_line_plan_reads_the_same_with_line_1() {
    let compact = serde_json::to_string(&serde_json::from_str::<Value>(PLAN).unwrap()).unwrap();
    let a = planned(PLAN).unwrap();
    let b = planned(&compact).unwrap();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            x.after.as_ref().map(|p| &p.document),
            y.after.as_ref().map(|p| &p.document)
        );
        if let Some(p) = &y.after {
            assert!(matches!(p.line, Some(1) | None), "{:?}", p.line);
        }
    }
    // Pretty-printed, each resource change has its own line.
    assert_eq!(
        get(&a, "aws_iam_policy.readonly")
            .after
            .as_ref()
            .unwrap()
            .line,
        Some(56)
    );
}

#[test]
fn malformed_plans_are_errors_naming_the_address() {
    let one = |policy: &str| {
        plan_with(
            json!([{"address": "aws_iam_policy.p", "mode": "managed", "type": "aws_iam_policy", "name": "p",
            "change": {"actions": ["create"], "before": null, "after": {"policy": policy}, "after_unknown": {}}}]),
        )
    };
    let e = planned(&one("{\"Statement\": [], \"Statement\": []}"))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("plan.json:1: aws_iam_policy.p: the policy is not JSON"),
        "{e}"
    );
    assert!(e.contains("duplicate key `Statement`"), "{e}");
    let e = planned(&one("[]")).unwrap_err().to_string();
    assert!(e.contains("not an object"), "{e}");
    let e = planned(&one("{\"Statement\": [{\"Resource\": \"${cfn:Ref:X}\"}]}"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("declared unknowns are written"), "{e}");
    let e = planned(&json!({"format_version": "2.0", "resource_changes": []}).to_string())
        .unwrap_err()
        .to_string();
    assert!(e.contains("only format version 1.x"), "{e}");
    let bad_action = plan_with(
        json!([{"address": "aws_iam_policy.p", "mode": "managed", "type": "aws_iam_policy", "name": "p",
        "change": {"actions": ["explode"], "before": null, "after": null}}]),
    );
    assert!(planned(&bad_action)
        .unwrap_err()
        .to_string()
        .contains("`[\"explode\"]`"));
    let e = planned("{\"format_version\": \"1.0\", \"values\": {}}")
        .unwrap_err()
        .to_string();
    assert!(e.contains("a Terraform state"), "{e}");
}

#[test]
fn deposed_objects_and_forgotten_resources() {
    let text = plan_with(json!([
        {"address": "aws_iam_policy.p", "deposed": "00000001", "mode": "managed", "type": "aws_iam_policy", "name": "p",
         "change": {"actions": ["delete"], "before": {"policy": "{\"Statement\": []}"}, "after": null}},
        {"address": "aws_iam_policy.q", "mode": "managed", "type": "aws_iam_policy", "name": "q",
         "change": {"actions": ["forget"], "before": {"policy": "{\"Statement\": []}"}, "after": null}}
    ]));
    let p = planned(&text).unwrap();
    assert_eq!(p[0].address, "aws_iam_policy.p (deposed 00000001)");
    assert_eq!((p[1].change, p[1].after.is_none()), (Change::Forget, true));
}
