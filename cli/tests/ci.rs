//! `iam-refine ci` through the binary, on the fixtures of `cli/tests/data/ci/` (README.md
//! there): a Terraform plan (modules, a data source deferred to apply, a policy known only
//! after apply, create / update / delete), CloudFormation base and head templates in YAML
//! (`!Sub`, `!GetAtt`, `!If`, `!Join`), as files and as folders; every output format.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::sarif::assert_valid_sarif;
use common::{bin, stdout_json, text, write};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

const PLAN: &str = "cli/tests/data/ci/terraform/plan.json";
const BASE: &str = "cli/tests/data/ci/cloudformation/base";
const HEAD: &str = "cli/tests/data/ci/cloudformation/head";

fn ci(args: &[&str]) -> assert_cmd::Command {
    let mut c = bin();
    c.current_dir(root()).arg("ci").args(args);
    c
}

/// The line of stdout about `address`.
fn line_of<'a>(stdout: &'a str, address: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.contains(&format!(": {address}: ")))
        .unwrap_or_else(|| panic!("no line about {address} in:\n{stdout}"))
}

#[test]
fn a_plan_gets_one_verdict_per_policy_and_the_worst_exit_code() {
    let out = ci(&[PLAN]).assert().code(3);
    let stdout = text(&out.get_output().stdout);
    let at = |a| line_of(&stdout, a);
    // Narrowed (`s3:Get*` on data/* -> two actions on data/reports/*): proved.
    assert!(
        at("module.storage.aws_iam_policy.reader").contains(": no-new-access: proved"),
        "{stdout}"
    );
    // Widened resource (data/uploads/* -> data/*): refuted, with a request outside the old
    // prefix as witness, and the `aws` command that asks AWS the same.
    let writer = at("aws_iam_role_policy.writer");
    assert!(
        writer.starts_with(&format!(
            "{PLAN}:38: aws_iam_role_policy.writer: refuted (new-access)"
        )),
        "{writer}"
    );
    assert!(
        writer.contains("witness: s3:PutObject on arn:aws:s3:::data/"),
        "{writer}"
    );
    assert!(!writer.contains("arn:aws:s3:::data/uploads/"), "{writer}");
    assert!(stdout.contains(
        "    ask AWS: aws iam simulate-custom-policy --policy-input-list file://POLICY.json --action-names s3:PutObject --resource-arns arn:aws:s3:::data/"
    ));
    // Reformatted (keys reordered, statements split, action case): equivalent.
    assert!(at("module.app.aws_iam_user_policy.deploy").contains(": equivalent: proved"));
    // A Deny-only policy losing a statement allows nothing by itself, yet the principal's
    // other policies may now be allowed what it denied.
    let guard = at("aws_iam_group_policy.guard");
    assert!(guard.contains("refuted (deny-narrowed)"), "{guard}");
    assert!(guard.contains("witness: dynamodb:DeleteTable"), "{guard}");
    // Known only after apply: unknown, naming it.
    assert!(at("aws_iam_policy.computed").contains(
        "unknown (unknown): the policy is not known until deployment: ${tf:aws_iam_policy.computed.policy} = aws_iam_policy.computed.policy (known after apply)"
    ));
    assert!(at("module.app.aws_iam_policy.ops[\"admin\"]")
        .contains(": new: the plan's change is create"));
    assert!(at("aws_iam_policy.legacy").contains(": deleted: the plan's change is delete"));
    assert!(at("module.app.data.aws_iam_policy_document.assets")
        .contains(": new: a policy document read by a data source"));
    assert_eq!(stdout.lines().filter(|l| !l.starts_with("    ")).count(), 8);
    let stderr = text(&out.get_output().stderr);
    assert!(
        stderr.contains("iam-refine ci: 8 policies: 1 equivalent, 1 no-new-access, 2 refuted, 1 unknown, 2 new, 1 deleted"),
        "{stderr}"
    );
}

#[test]
fn quiet_keeps_only_what_explains_the_exit_code() {
    let out = ci(&[PLAN, "-q"]).assert().code(3);
    let stdout = text(&out.get_output().stdout);
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.starts_with("    ")).collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(text(&out.get_output().stderr).is_empty());
}

#[test]
fn templates_are_matched_by_logical_id_with_intrinsics_resolved_alike() {
    for (head, base) in [
        (format!("{HEAD}/app.yaml"), format!("{BASE}/app.yaml")),
        (HEAD.to_string(), BASE.to_string()),
    ] {
        let out = ci(&[&head, "--base", &base]).assert().code(3);
        let stdout = text(&out.get_output().stdout);
        let prefix = if head.ends_with(".yaml") {
            ""
        } else {
            "app.yaml: "
        };
        let at = |a: &str| line_of(&stdout, &format!("{prefix}{a}"));
        // `!Sub "${Bucket.Arn}/reports/*"` -> `"${Bucket.Arn}/*"`: the bucket's ARN is the
        // same unknown on both sides; the witness names the value it assumed.
        let read = at("AppRole/Policies/read-reports");
        assert!(read.contains("refuted (new-access)"), "{read}");
        assert!(
            read.contains("assuming ${cfn:GetAtt:Bucket.Arn}="),
            "{read}"
        );
        assert!(read.starts_with(&format!("{HEAD}/app.yaml:26: ")), "{read}");
        // `!GetAtt Queue.Arn` and `!GetAtt [Queue, Arn]` are one value.
        assert!(at("AppRole/Policies/queue").contains(": no-new-access: proved"));
        // `!If` on a condition decided by the parameter's default; `!Sub` and `!Join` of the
        // same pseudo parameters (left symbolic) compare equal.
        assert!(at("LogsPolicy").contains(": equivalent: proved: changed"));
        assert!(at("Guard").contains(": equivalent: unchanged"));
        assert!(at("Admin").contains(": new: not in BASE"));
        let legacy = at("Legacy");
        assert!(
            legacy.starts_with(&format!("{BASE}/app.yaml:62: ")),
            "{legacy}"
        );
        assert!(legacy.contains(": deleted: not in HEAD"));
    }
}

#[test]
fn a_change_that_only_reformats_passes() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(root().join(BASE).join("app.yaml")).unwrap();
    // The same template, the managed policy's action written as a list and the ARN with
    // `Fn::Sub`'s long form.
    let head = base
        .replace("Action: logs:PutLogEvents", "Action: [logs:PutLogEvents]")
        .replace(
            "Action: ec2:DescribeInstances",
            "Action:\n              - ec2:DescribeInstances",
        );
    assert_ne!(head, base);
    let head = write(dir.path(), "head.yaml", &head);
    let out = ci(&[
        head.to_str().unwrap(),
        "--base",
        &format!("{BASE}/app.yaml"),
    ])
    .assert()
    .code(0);
    let stdout = text(&out.get_output().stdout);
    assert!(line_of(&stdout, "LogsPolicy").contains(": equivalent: proved: changed"));
    assert!(line_of(&stdout, "Legacy").contains(": equivalent: proved: changed"));
    assert!(
        !stdout.contains("refuted") && !stdout.contains("unknown"),
        "{stdout}"
    );
}

#[test]
fn a_policy_known_only_after_apply_is_unknown_and_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(PLAN)).unwrap()).unwrap();
    let changes = plan["resource_changes"].as_array_mut().unwrap();
    changes.retain(|c| c["address"] == "aws_iam_policy.computed");
    let path = write(dir.path(), "plan.json", &plan.to_string());
    let out = ci(&[path.to_str().unwrap()]).assert().code(4);
    let stdout = text(&out.get_output().stdout);
    assert!(
        stdout.contains("${tf:aws_iam_policy.computed.policy}"),
        "{stdout}"
    );
}

#[test]
fn a_malformed_or_misplaced_input_is_exit_1_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.yaml",
        "Resources:\n  Role:\n    Type: AWS::IAM::Role\n   Properties: {}\n",
    );
    let out = ci(&[bad.to_str().unwrap()]).assert().code(1);
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains("bad.yaml:4:"), "{stderr}");

    // In a folder too: a broken template could hide a policy.
    let folder = dir.path().join("head");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(&bad, folder.join("broken.yml")).unwrap();
    write(&folder, "manifest.json", r#"{"version": "36.0.0"}"#);
    let out = ci(&[folder.to_str().unwrap()]).assert().code(1);
    assert!(text(&out.get_output().stderr).contains("broken.yml:4:"));

    // A plan carries both sides.
    let out = ci(&[PLAN, "--base", &format!("{BASE}/app.yaml")])
        .assert()
        .code(1);
    assert!(
        text(&out.get_output().stderr).contains("is a Terraform plan, which carries both sides")
    );
    // Both files or both folders.
    let out = ci(&[HEAD, "--base", &format!("{BASE}/app.yaml")])
        .assert()
        .code(1);
    assert!(text(&out.get_output().stderr).contains("must both be files or both be folders"));
    // A policy document is not a template.
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"Version": "2012-10-17", "Statement": []}"#,
    );
    let out = ci(&[policy.to_str().unwrap()]).assert().code(1);
    assert!(text(&out.get_output().stderr).contains("an IAM policy document"));
}

#[test]
fn a_folder_skips_what_is_not_a_template() {
    let dir = tempfile::tempdir().unwrap();
    let head = dir.path().join("cdk.out");
    std::fs::create_dir(&head).unwrap();
    std::fs::copy(
        root().join(HEAD).join("app.yaml"),
        head.join("App.template.yaml"),
    )
    .unwrap();
    write(
        &head,
        "manifest.json",
        r#"{"version": "36.0.0", "artifacts": {}}"#,
    );
    write(&head, "notes.txt", "not read");
    let out = ci(&[head.to_str().unwrap()]).assert().code(0);
    let out = out.get_output();
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 5, "{stdout}");
    assert!(
        stdout.lines().all(|l| l.contains(": new: not in BASE")),
        "{stdout}"
    );
    assert!(text(&out.stderr).contains("manifest.json: skipped: not a CloudFormation template"));
}

#[test]
fn sarif_points_at_the_template_line_and_is_valid() {
    let out = ci(&[HEAD, "--base", BASE, "--format", "sarif"])
        .assert()
        .code(3);
    let log = stdout_json(&out.get_output().stdout);
    assert_valid_sarif(&log);
    let run = &log["runs"][0];
    assert_eq!(run["automationDetails"]["id"], "iam-refine/ci/");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{log:#}");
    let r = &results[0];
    assert_eq!(r["ruleId"], "new-access");
    let location = &r["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        format!("{HEAD}/app.yaml")
    );
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 26);
    assert_eq!(
        location["logicalLocations"][0]["name"],
        "app.yaml: AppRole/Policies/read-reports"
    );
    assert_eq!(r["properties"]["witness"]["action"], "s3:GetObject");
    assert!(r["properties"]["witness"]["unknowns"]["cfn:GetAtt:Bucket.Arn"].is_string());
    // The verdict lines go to stderr when stdout holds the report.
    let stderr = text(&out.get_output().stderr);
    assert!(
        stderr.contains("AppRole/Policies/read-reports: refuted"),
        "{stderr}"
    );

    // A plan: the plan file and the resource's line.
    let out = ci(&[PLAN, "--format", "sarif"]).assert().code(3);
    let log = stdout_json(&out.get_output().stdout);
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let rules: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["new-access", "deny-narrowed", "unknown"]);
    assert_eq!(results[2]["level"], "warning");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        38
    );
}

#[test]
fn json_and_junit_have_one_entry_per_policy() {
    let out = ci(&[PLAN, "--format", "json"]).assert().code(3);
    let report = stdout_json(&out.get_output().stdout);
    assert_eq!(report["command"], "ci");
    assert_eq!(report["verdict"], "refuted");
    assert_eq!(report["exitCode"], 3);
    assert_eq!(report["counts"]["new"], 2);
    assert_eq!(report["counts"]["deleted"], 1);
    let subjects = report["subjects"].as_array().unwrap();
    assert_eq!(subjects.len(), 8);
    let writer = subjects
        .iter()
        .find(|s| s["policyId"] == "aws_iam_role_policy.writer")
        .unwrap();
    assert_eq!(writer["check"], "no-new-access");
    assert_eq!(writer["rule"], "new-access");
    assert_eq!(writer["line"], 38);
    assert_eq!(
        writer["witness"]["resource"]
            .as_str()
            .map(|r| r.starts_with("arn:aws:s3:::data/")),
        Some(true)
    );

    let out = ci(&[PLAN, "--format", "junit"]).assert().code(3);
    let xml = text(&out.get_output().stdout);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 8);
    let failures = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert_eq!(failures, 2);
    assert!(xml.contains("witness: s3:PutObject on arn:aws:s3:::data/"));
}

#[test]
fn on_github_a_widened_policy_is_annotated_and_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let summary = write(dir.path(), "summary.md", "");
    let out = ci(&[HEAD, "--base", BASE])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .assert()
        .code(3);
    let stderr = text(&out.get_output().stderr);
    let annotation = stderr
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        annotation.starts_with(&format!(
            "::error file={HEAD}/app.yaml,line=26,title=iam-refine ci%3A refuted (new-access)::"
        )),
        "{annotation}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("### iam-refine ci: refuted\n"), "{md}");
    assert!(md.contains("s3:GetObject"), "{md}");
}

#[test]
fn a_base_whose_existence_is_not_decided_proves_nothing_until_a_parameter_decides_it() {
    let dir = tempfile::tempdir().unwrap();
    let base = "Parameters:\n  Env: {Type: String}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Condition: IsProd\n    Properties:\n      PolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - {Effect: Allow, Action: \"s3:GetObject\", Resource: \"arn:aws:s3:::b/*\"}\n";
    let head = base.replace("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/*");
    let base = write(dir.path(), "base.yaml", base);
    let head = write(dir.path(), "head.yaml", &head);
    let (head, base) = (head.to_str().unwrap(), base.to_str().unwrap());
    // Narrowed, but the base may never have been deployed: nothing is claimed.
    let out = ci(&[head, "--base", base]).assert().code(4);
    let stdout = text(&out.get_output().stdout);
    assert!(stdout.contains("condition IsProd holds, which the template and the given --parameter / --pseudo values do not decide"), "{stdout}");
    ci(&[head, "--base", base, "--parameter", "Env=prod"])
        .assert()
        .code(0);
    // Decided false: the policy does not exist on either side.
    let out = ci(&[head, "--base", base, "--parameter", "Env=dev"])
        .assert()
        .code(0);
    assert_eq!(text(&out.get_output().stdout), "");
}

#[test]
fn a_cdk_output_folder_against_itself_is_unchanged() {
    let out = ci(&["iac/testdata/cdk", "--base", "iac/testdata/cdk"])
        .assert()
        .code(0);
    let stdout = text(&out.get_output().stdout);
    assert!(
        stdout.contains("AppStack.template.json: HandlerServiceRoleDefaultPolicyCBD0CC91: equivalent: unchanged"),
        "{stdout}"
    );
}

#[test]
fn every_policy_of_head_is_checked_against_the_rules() {
    const RULES: &str = "cli/tests/data/ci/rules.json";
    let out = ci(&[PLAN, "--rules", RULES]).assert().code(3);
    let stdout = text(&out.get_output().stdout);
    let admin = line_of(&stdout, "module.app.aws_iam_policy.ops[\"admin\"] [rules]");
    assert!(
        admin.contains("refuted (access-granted): grants what rule no-iam-write (Only the platform team's pipeline writes IAM) forbids; witness: iam:"),
        "{admin}"
    );
    // The narrowed policy, whose actions meet no rule's, grants none.
    assert!(
        line_of(&stdout, "module.storage.aws_iam_policy.reader [rules]")
            .contains("proved: grants none of the 2 rules")
    );
    // A policy known only after apply cannot be checked.
    assert!(line_of(&stdout, "aws_iam_policy.computed [rules]").contains("unknown"));
    // A deleted policy is not in HEAD: no rule line.
    assert!(!stdout.contains("aws_iam_policy.legacy [rules]"));
    let stderr = text(&out.get_output().stderr);
    assert!(
        stderr.contains("; 2 rules: 1 granted, 1 unknown, 0 error"),
        "{stderr}"
    );

    // Templates without a base: every policy new, the rules still apply; resources whose
    // value is known only after deployment do not keep a rule about other actions from
    // being proved.
    let out = ci(&[HEAD, "--rules", RULES, "--format", "sarif"])
        .assert()
        .code(3);
    let log = stdout_json(&out.get_output().stdout);
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{log:#}");
    assert_eq!(results[0]["ruleId"], "access-granted");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        66
    );
    let stderr = text(&out.get_output().stderr);
    assert!(
        stderr.contains("AppRole/Policies/read-reports [rules]: proved"),
        "{stderr}"
    );

    // A rules file that is not one is exit 1 naming it.
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "rules.json",
        r#"{"rules": [{"action": "iam:*"}]}"#,
    );
    let out = ci(&[PLAN, "--rules", bad.to_str().unwrap()])
        .assert()
        .code(1);
    assert!(text(&out.get_output().stderr).contains("rules.json"));
}

#[test]
fn a_policy_deleted_with_deny_statements_is_refuted_but_a_forgotten_one_stays() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(PLAN)).unwrap()).unwrap();
    let changes = plan["resource_changes"].as_array_mut().unwrap();
    changes.retain(|c| c["address"] == "aws_iam_group_policy.guard");
    changes[0]["change"]["after"] = Value::Null;
    changes[0]["change"]["after_unknown"] = Value::Bool(false);
    changes[0]["change"]["after_sensitive"] = Value::Bool(false);
    changes[0]["change"]["actions"] = serde_json::json!(["delete"]);
    let deleted = write(dir.path(), "deleted.json", &plan.to_string());
    let out = ci(&[deleted.to_str().unwrap()]).assert().code(3);
    let stdout = text(&out.get_output().stdout);
    assert!(
        stdout.contains("aws_iam_group_policy.guard: refuted (deny-narrowed): deleted"),
        "{stdout}"
    );

    plan["resource_changes"][0]["change"]["actions"] = serde_json::json!(["forget"]);
    let forgotten = write(dir.path(), "forgotten.json", &plan.to_string());
    let out = ci(&[forgotten.to_str().unwrap()]).assert().code(0);
    let stdout = text(&out.get_output().stdout);
    assert!(
        stdout.contains("aws_iam_group_policy.guard: deleted: forgotten"),
        "{stdout}"
    );
}
