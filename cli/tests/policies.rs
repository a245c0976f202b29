//! `iam-refine policies`, end to end through the binary: the fixtures of `iac/testdata/`,
//! values given on the command line, JSON output, and refused inputs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

mod common;

use std::path::PathBuf;

use predicates::prelude::*;
use serde_json::json;

use common::{bin, stdout_json, text, write};

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../iac/testdata")
        .join(path)
}

#[test]
fn lists_the_policies_of_a_plan_a_template_and_a_cdk_output() {
    let out = bin()
        .current_dir(fixture(""))
        .args([
            "policies",
            "terraform/plan.json",
            "cloudformation/template.yaml",
            "cdk/AppStack.template.json",
        ])
        .assert()
        .success()
        .stderr("17 policies in 3 files\n")
        .get_output()
        .clone();
    let stdout = text(&out.stdout);
    for line in [
        "terraform/plan.json:56: aws_iam_policy.readonly (managed) update\n",
        "terraform/plan.json:111: aws_iam_user_policy.legacy (user-inline) delete\n",
        "terraform/plan.json:232: module.app.aws_iam_role_policy.this (role-inline) create\n    after: unknown ${tf:module.app.aws_iam_role_policy.this.policy} = module.app.aws_iam_role_policy.this.policy (known after apply)\n",
        "cloudformation/template.yaml:38: AppRole/Policies/s3-read (role-inline)\n    unknown ${cfn:GetAtt:Bucket.Arn} = {\"Fn::GetAtt\":[\"Bucket\",\"Arn\"]}\n",
        "cdk/AppStack.template.json:45: HandlerServiceRoleDefaultPolicyCBD0CC91 (inline)\n",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in\n{stdout}");
    }
}

#[test]
fn json_gives_each_document_with_a_schema_version() {
    let out = bin()
        .args([
            "policies",
            "--format",
            "json",
            "--pseudo",
            "AWS::Region=eu-west-1",
            "--pseudo",
            "AWS::AccountId=123456789012",
            "--parameter",
            "Env=dev",
        ])
        .arg(fixture("cloudformation/template.yaml"))
        .arg(fixture("terraform/plan.json"))
        .assert()
        .success()
        .get_output()
        .clone();
    let v = stdout_json(&out.stdout);
    assert_eq!(v["schemaVersion"], 1);
    let template = &v["files"][0];
    assert_eq!(template["kind"], "CloudFormation template (YAML)");
    let logs = &template["policies"][1];
    assert_eq!(logs["address"], "AppRole/Policies/dev-logs");
    assert_eq!(logs["kind"], "role-inline");
    assert_eq!(logs["line"], 55);
    assert_eq!(
        logs["document"]["Statement"][0]["Resource"],
        "arn:aws:logs:eu-west-1:123456789012:log-group:/app/first:*"
    );
    let plan = &v["files"][1];
    assert_eq!(plan["kind"], "Terraform plan");
    let readonly = &plan["policies"][0];
    assert_eq!(
        (
            readonly["change"].as_str(),
            readonly["before"]["line"].as_u64()
        ),
        (Some("update"), Some(56))
    );
    assert_eq!(
        readonly["after"]["document"]["Statement"][1]["Sid"],
        "ListLogs"
    );
    let data = plan["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["address"] == "module.app.data.aws_iam_policy_document.s3")
        .unwrap();
    assert_eq!(
        data["after"]["unknowns"],
        json!([{"name": "tf:module.app.data.aws_iam_policy_document.s3.statement[0].resources[0]",
                "expression": "module.app.data.aws_iam_policy_document.s3.statement[0].resources[0] (known after apply)"}])
    );
}

#[test]
fn a_malformed_file_is_exit_1_naming_file_and_line_and_nothing_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("dup.yaml", "Resources:\n  A: {Type: x}\n  A: {Type: y}\n", "dup.yaml:3:3: invalid YAML: duplicate key `A`"),
        ("dup.json", "{\"Resources\": {},\n \"Resources\": {}}", "dup.json:2:12: invalid JSON: duplicate key `Resources`"),
        ("bomb.yaml", "a: &a [x, x]\nb: &b [*a, *a]\nResources: {}\n", "bomb.yaml:2:8: invalid YAML: an alias"),
        ("policy.json", "{\"Version\": \"2012-10-17\", \"Statement\": []}", "policy.json: not a Terraform plan (`terraform show -json`) or a CloudFormation template: an IAM policy document"),
        ("ref.yaml", "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties: {PolicyDocument: {Statement: [{Resource: !Ref Nope}]}}\n", "ref.yaml:2: P: `Ref` to `Nope`, which is neither a parameter, a resource nor a pseudo parameter"),
    ];
    let good = fixture("cdk/AppStack.template.json");
    for (name, content, message) in cases {
        let path = write(dir.path(), name, content);
        bin()
            .arg("policies")
            .arg(&good)
            .arg(&path)
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains(message))
            .stderr(predicate::str::starts_with("iam-refine: error: "));
    }
    let bad = dir.path().join("latin1.yaml");
    std::fs::write(&bad, b"Resources:\n  A: {Type: \xe9}\n").unwrap();
    bin()
        .arg("policies")
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "is not UTF-8 text (invalid byte at offset 23)",
        ));
    bin()
        .args(["--max-input-bytes", "100", "policies"])
        .arg(fixture("terraform/plan.json"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "is larger than --max-input-bytes (100 bytes)",
        ));
}

#[test]
fn bad_values_are_usage_errors() {
    for (args, message) in [
        (&["--parameter", "Env"][..], "is not NAME=VALUE"),
        (
            &["--pseudo", "AWS::NoValue=x"][..],
            "is not a pseudo parameter that takes a value",
        ),
        (
            &["--parameter", "A=1", "--parameter", "A=2"][..],
            "--parameter `A` is given twice",
        ),
        (&["--format", "sarif"][..], "invalid value 'sarif'"),
    ] {
        bin()
            .arg("policies")
            .arg(fixture("cdk/AppStack.template.json"))
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
}

#[test]
fn stdin_and_notes() {
    let template = "Transform: AWS::Serverless-2016-10-31\nResources:\n  P: {Type: AWS::IAM::ManagedPolicy, Properties: {PolicyDocument: {Statement: []}}}\n";
    bin()
        .args(["policies", "-"])
        .write_stdin(template)
        .assert()
        .success()
        .stdout("<stdin>:3: P (managed)\n")
        .stderr(predicate::str::contains("iam-refine: warning: <stdin>: the template declares `Transform` \"AWS::Serverless-2016-10-31\""));
}
