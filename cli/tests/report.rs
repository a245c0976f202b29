//! The machine-readable reports of `verify` through the binary: `--format json`, `sarif`
//! (validated against the SARIF 2.1.0 JSON schema and read back into `serde-sarif`'s types),
//! `junit` (parsed as XML), and on GitHub Actions the annotations and the step summary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::sarif::assert_valid_sarif;
use common::{bin, example, stdout_json, text, write};

fn verify_broken() -> assert_cmd::Command {
    let mut c = bin();
    c.current_dir(root()).args([
        "verify",
        "--original",
        "examples/policy.json",
        "--refined",
        "examples/broken.json",
        "--unused",
        "examples/unused.json",
    ]);
    c
}

fn verify_recommendation() -> assert_cmd::Command {
    let mut c = bin();
    c.current_dir(root()).args([
        "verify",
        "--original",
        "MyPolicy=examples/policy.json",
        "--original",
        "examples/LegacyDeploy.json",
        "--refined",
        "examples/recommendation.json",
        "--unused",
        "examples/unused.json",
    ]);
    c
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

#[test]
fn json_names_the_verdict_the_rule_the_witness_and_the_line() {
    let out = verify_broken().args(["--format", "json"]).assert().code(3);
    let out = out.get_output();
    let report = stdout_json(&out.stdout);
    assert_eq!(report["schemaVersion"], 1);
    assert_eq!(report["command"], "verify");
    assert_eq!(report["verdict"], "refuted");
    assert_eq!(report["exitCode"], 3);
    assert_eq!(report["counts"]["refuted"], 1);
    let s = &report["subjects"][0];
    assert_eq!(s["file"], "examples/broken.json");
    assert_eq!(s["original"], "examples/policy.json");
    assert_eq!(s["verdict"], "refuted");
    assert_eq!(s["rule"], "no-unused");
    assert_eq!(
        s["witness"],
        serde_json::json!({"action": "s3:getbucketpolicy"})
    );
    // The refuted statement (the second) starts on line 12 of examples/broken.json.
    assert_eq!(s["line"], 12);
    assert_eq!(s["principal"], "arn:aws:iam::123456789012:role/MyRole");
    // stdout is the report alone; the verdict line stays on stderr.
    assert!(text(&out.stderr).contains("counterexample to T3"));
}

#[test]
fn json_of_a_recommendation_has_one_subject_per_policy() {
    let out = verify_recommendation()
        .args(["--format", "json", "--compact"])
        .assert()
        .success();
    let stdout = text(&out.get_output().stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["verdict"], "proved");
    let subjects = report["subjects"].as_array().unwrap();
    let ids: Vec<&str> = subjects
        .iter()
        .map(|s| s["policyId"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["arn:aws:iam::123456789012:policy/MyPolicy", "LegacyDeploy"]
    );
    for s in subjects {
        assert_eq!(s["verdict"], "proved");
        assert_eq!(s["rule"], Value::Null);
        assert_eq!(s["witness"], Value::Null);
        assert_eq!(s["file"], "examples/recommendation.json");
        assert!(s["line"].as_u64().is_some(), "{s}");
    }
}

#[test]
fn sarif_of_a_refutation_is_valid_and_points_at_the_statement() {
    let out = verify_broken().args(["--format", "sarif"]).assert().code(3);
    let log = stdout_json(&out.get_output().stdout);
    assert_valid_sarif(&log);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!(r["ruleId"], "no-unused");
    let index = r["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "no-unused");
    assert_eq!(r["level"], "error");
    assert!(r["message"]["text"]
        .as_str()
        .unwrap()
        .contains("witness: s3:getbucketpolicy"));
    let physical = &r["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "examples/broken.json");
    assert_eq!(physical["region"]["startLine"], 12);
    assert_eq!(r["properties"]["witness"]["action"], "s3:getbucketpolicy");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn sarif_of_proved_policies_has_no_result_and_is_valid() {
    let out = verify_recommendation()
        .args(["--format", "sarif"])
        .assert()
        .success();
    let log = stdout_json(&out.get_output().stdout);
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn a_failed_run_still_writes_a_valid_report_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.json", "{\"Statement\": [");
    for format in ["sarif", "json", "junit"] {
        let out = bin()
            .args(["verify", "--original"])
            .arg(example("policy.json"))
            .arg("--refined")
            .arg(&bad)
            .arg("--unused")
            .arg(example("unused.json"))
            .args(["--format", format])
            .assert()
            .code(1);
        let out = out.get_output();
        assert!(
            text(&out.stderr).contains("bad.json"),
            "{}",
            text(&out.stderr)
        );
        match format {
            "sarif" => {
                let log = stdout_json(&out.stdout);
                assert_valid_sarif(&log);
                let invocation = &log["runs"][0]["invocations"][0];
                assert_eq!(invocation["executionSuccessful"], false);
                assert!(
                    invocation["toolExecutionNotifications"][0]["message"]["text"]
                        .as_str()
                        .unwrap()
                        .contains("bad.json")
                );
            }
            "json" => {
                let report = stdout_json(&out.stdout);
                assert_eq!(report["verdict"], "error");
                assert_eq!(report["exitCode"], 1);
                assert!(report["error"].as_str().unwrap().contains("bad.json"));
            }
            _ => {
                let xml = text(&out.stdout);
                let doc = roxmltree::Document::parse(&xml).unwrap();
                let error = doc.descendants().find(|n| n.has_tag_name("error")).unwrap();
                assert!(error.text().unwrap().contains("bad.json"));
            }
        }
    }
    // In text, nothing goes to stdout.
    bin()
        .args(["verify", "--original"])
        .arg(example("policy.json"))
        .arg("--refined")
        .arg(&bad)
        .arg("--unused")
        .arg(example("unused.json"))
        .assert()
        .code(1)
        .stdout("");
}

#[test]
fn junit_has_one_test_case_per_policy_and_the_witness_in_the_failure() {
    let out = verify_broken().args(["--format", "junit"]).assert().code(3);
    let xml = text(&out.get_output().stdout);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("1"));
    assert_eq!(suite.attribute("failures"), Some("1"));
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(failure.attribute("type"), Some("no-unused"));
    assert!(failure
        .text()
        .unwrap()
        .contains("witness: s3:getbucketpolicy"));

    let out = verify_recommendation()
        .args(["--format", "junit"])
        .assert()
        .success();
    let xml = text(&out.get_output().stdout);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    assert!(cases.iter().all(|c| c.children().all(|k| !k.is_element())));
    assert_eq!(cases[1].attribute("name"), Some("LegacyDeploy"));
}

#[test]
fn on_github_a_refutation_is_annotated_and_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let summary = write(dir.path(), "summary.md", "earlier step\n");
    let out = verify_broken()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .assert()
        .code(3);
    let out = out.get_output();
    // stdout is as anywhere else: the witness.
    assert_eq!(text(&out.stdout), "s3:getbucketpolicy\n");
    let stderr = text(&out.stderr);
    let annotation = stderr
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        annotation.starts_with(
            "::error file=examples/broken.json,line=12,title=iam-refine verify%3A refuted (no-unused)::"
        ),
        "{annotation}"
    );
    assert!(annotation.contains("witness: s3:getbucketpolicy"));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("earlier step\n### iam-refine verify: refuted\n"),
        "{md}"
    );
    assert!(md.contains("<code>s3:getbucketpolicy</code>"), "{md}");
    assert!(md.contains("examples/broken.json:12"), "{md}");

    // Without GITHUB_ACTIONS=true, neither.
    let summary2 = write(dir.path(), "summary2.md", "");
    let out = verify_broken()
        .env("GITHUB_ACTIONS", "false")
        .env("GITHUB_STEP_SUMMARY", &summary2)
        .assert()
        .code(3);
    assert!(!text(&out.get_output().stderr).contains("::"));
    assert_eq!(std::fs::read_to_string(&summary2).unwrap(), "");
}

#[test]
fn on_github_input_text_cannot_issue_workflow_commands() {
    let dir = tempfile::tempdir().unwrap();
    // Messages name files as they are called, line breaks and all.
    let bad = write(
        dir.path(),
        "p\n::add-mask::secret\r##[warning]x.json",
        "{\"Statement\": [",
    );
    let out = bin()
        .env("GITHUB_ACTIONS", "true")
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(["verify", "--original"])
        .arg(example("policy.json"))
        .arg("--refined")
        .arg(&bad)
        .arg("--unused")
        .arg(example("unused.json"))
        .assert()
        .code(1);
    let stderr = text(&out.get_output().stderr);
    assert!(stderr.contains("::add-mask::secret"), "{stderr:?}");
    // The one command is ours: the run's failure, escaped onto one line.
    let commands: Vec<&str> = stderr
        .split(['\n', '\r'])
        .filter(|l| l.trim_start().starts_with("::") || l.trim_start().starts_with("##["))
        .collect();
    assert_eq!(commands.len(), 1, "{stderr:?}");
    assert!(
        commands[0].starts_with("::error title=iam-refine verify::"),
        "{stderr:?}"
    );
    assert!(
        commands[0].contains("p%0A::add-mask::secret%0D##[warning]x.json"),
        "{stderr:?}"
    );
}

#[test]
fn on_github_refine_and_account_verify_summarise_their_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let summary = write(dir.path(), "summary.md", "");
    verify_broken(); // the binaries are built
    bin()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .arg("refine")
        .arg(example("policy.json"))
        .arg("--unused")
        .arg(example("unused.json"))
        .args(["--verify", "--quiet"])
        .assert()
        .success();
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("### iam-refine refine: proved\n"), "{md}");
    assert!(md.contains("| ✅ proved | policy |"), "{md}");

    let account = Path::new(env!("CARGO_MANIFEST_DIR")).join("../iam-refine/testdata/account");
    let out = bin()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .arg("account")
        .arg(account.join("authorization-details.json"))
        .arg("--findings")
        .arg(account.join("findings"))
        .args(["--verify", "--quiet"])
        .assert()
        .success();
    assert!(!text(&out.get_output().stderr).contains("::error"));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("### iam-refine account: proved\n"), "{md}");
    assert!(md.contains("LogsWriter"), "{md}");
}
