//! `verify --account AUTH.json (--findings | --unused DIR | --used DIR) --recommendations
//! DIR`: a folder of recommendations as `account --output-dir` wrote them, proved against the
//! export with no original extracted by hand.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use common::account::{auth, testdata};
use common::{bin, read, stdout_json, text, write};

/// `account AUTH USAGE... --output-dir DIR/out`.
fn account_output(dir: &Path, usage: &[&str]) -> PathBuf {
    let out = dir.join("out");
    let run = bin()
        .arg("account")
        .arg(auth())
        .args(usage)
        .arg("--output-dir")
        .arg(&out)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    out
}

fn verify_account(usage: &[&str], recommendations: &Path) -> assert_cmd::Command {
    let mut c = bin();
    c.arg("verify")
        .arg("--account")
        .arg(auth())
        .args(usage)
        .arg("--recommendations")
        .arg(recommendations)
        .args(["--format", "json"]);
    c
}

fn findings() -> String {
    testdata("findings").display().to_string()
}

/// The subjects of a report, as (principal's last segment, policy id, verdict).
fn verdicts(report: &Value) -> Vec<(String, String, String)> {
    report["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["principal"]
                    .as_str()
                    .unwrap_or("")
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                s["policyId"].as_str().unwrap_or("").to_string(),
                s["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Rewrites the recommendation `file` with `edit` applied to its JSON.
fn edit(file: &Path, edit: impl FnOnce(&mut Value)) {
    let mut rec: Value = serde_json::from_str(&read(file)).unwrap();
    edit(&mut rec);
    std::fs::write(file, serde_json::to_string_pretty(&rec).unwrap()).unwrap();
}

#[test]
fn account_output_is_proved_against_the_export() {
    let dir = tempfile::tempdir().unwrap();
    let out = account_output(dir.path(), &["--findings", &findings()]);
    let run = verify_account(&["--findings", &findings()], &out)
        .assert()
        .success();
    let run = run.get_output();
    let report = stdout_json(&run.stdout);
    let v = verdicts(&report);
    assert!(v.len() >= 4, "{v:?}");
    assert!(v.iter().all(|(_, _, verdict)| verdict == "proved"), "{v:?}");
    assert!(v.contains(&("EC2role".into(), "LogsWriter".into(), "proved".into())));
    assert!(v.iter().any(|(p, _, _)| p == "alice"), "{v:?}");
    for s in report["subjects"].as_array().unwrap() {
        assert!(s["line"].as_u64().is_some(), "{s}");
        assert!(s["file"].as_str().unwrap().ends_with(".json"), "{s}");
    }
    // The role to delete is named, not judged.
    assert!(!v.iter().any(|(p, _, _)| p == "OldBatch"), "{v:?}");
    assert!(
        text(&run.stderr).contains("OldBatch"),
        "{}",
        text(&run.stderr)
    );
}

#[test]
fn an_unused_action_put_back_is_refuted_with_its_witness_and_the_rest_still_judged() {
    let dir = tempfile::tempdir().unwrap();
    let out = account_output(dir.path(), &["--findings", &findings()]);
    edit(&out.join("EC2role.json"), |rec| {
        for step in rec["recommendedSteps"].as_array_mut().unwrap() {
            let s = &mut step["unusedPermissionsRecommendedStep"];
            if s["existingPolicyId"] == "LogsWriter" && s["recommendedAction"] == "CREATE_POLICY" {
                let mut doc: Value =
                    serde_json::from_str(s["recommendedPolicy"].as_str().unwrap()).unwrap();
                doc["Statement"][0]["Action"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!("logs:CreateLogGroup"));
                s["recommendedPolicy"] = json!(doc.to_string());
            }
        }
    });
    let run = verify_account(&["--findings", &findings()], &out)
        .assert()
        .code(3);
    let report = stdout_json(&run.get_output().stdout);
    let refuted: Vec<&Value> = report["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["verdict"] == "refuted")
        .collect();
    assert_eq!(refuted.len(), 1, "{report:#}");
    let s = refuted[0];
    assert_eq!(s["policyId"], "LogsWriter");
    assert_eq!(s["principal"], "arn:aws:iam::123456789012:role/EC2role");
    assert_eq!(s["witness"]["action"], "logs:createloggroup");
    assert!(s["file"].as_str().unwrap().ends_with("EC2role.json"));
    assert!(verdicts(&report)
        .iter()
        .any(|(p, _, v)| p == "alice" && v == "proved"));
}

#[test]
fn a_policy_the_recommendation_leaves_alone_must_allow_nothing_unused() {
    let dir = tempfile::tempdir().unwrap();
    let out = account_output(dir.path(), &["--findings", &findings()]);
    edit(&out.join("EC2role.json"), |rec| {
        rec["recommendedSteps"]
            .as_array_mut()
            .unwrap()
            .retain(|s| s["unusedPermissionsRecommendedStep"]["existingPolicyId"] != "LogsWriter");
    });
    let run = verify_account(&["--findings", &findings()], &out)
        .assert()
        .code(3);
    let report = stdout_json(&run.get_output().stdout);
    let s = report["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["policyId"] == "LogsWriter")
        .unwrap();
    assert_eq!(s["verdict"], "refuted", "{s}");
    assert!(s["reasons"][0]
        .as_str()
        .unwrap()
        .starts_with("not in the recommendation, so kept as it is"));
    assert!(
        s["witness"]["action"]
            .as_str()
            .unwrap()
            .starts_with("logs:"),
        "{s}"
    );
}

#[test]
fn a_file_that_cannot_be_judged_is_an_error_and_the_others_are_judged() {
    let dir = tempfile::tempdir().unwrap();
    let out = account_output(dir.path(), &["--findings", &findings()]);
    // About a principal the export does not have.
    let ec2 = read(&out.join("EC2role.json"));
    write(
        &out,
        "ghost.json",
        &ec2.replace("role/EC2role", "role/Ghost"),
    );
    // Named after alice, about EC2role.
    write(&out, "zz-misnamed.json", &ec2);
    std::fs::rename(out.join("zz-misnamed.json"), out.join("user-alice.json")).unwrap();
    // Not JSON files, and hidden files: not recommendations.
    write(&out, "notes.txt", "not a recommendation");
    write(&out, ".hidden.json", "{");
    let run = verify_account(&["--findings", &findings()], &out)
        .assert()
        .code(1);
    let run = run.get_output();
    let report = stdout_json(&run.stdout);
    let errors: Vec<String> = report["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["verdict"] == "error")
        .map(|s| format!("{} {}", s["file"], s["reasons"][0]))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("ghost.json") && e.contains("role/Ghost")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("user-alice.json") && e.contains("named after user `alice`")),
        "{errors:#?}"
    );
    assert!(
        verdicts(&report)
            .iter()
            .filter(|(_, _, v)| v == "proved")
            .count()
            >= 4
    );
}

#[test]
fn access_advisor_and_used_folders_are_read_as_account_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let advisor = testdata("advisor").display().to_string();
    let out = account_output(dir.path(), &["--unused", &advisor, "--unused-after", "90"]);
    let run = verify_account(&["--unused", &advisor, "--unused-after", "90"], &out)
        .assert()
        .success();
    let v = verdicts(&stdout_json(&run.get_output().stdout));
    assert!(v.iter().any(|(p, _, _)| p == "EC2role"), "{v:?}");
    // Without --unused-after the same output removed what was used within 90 days.
    verify_account(&["--unused", &advisor], &out)
        .assert()
        .code(3);

    let used = dir.path().join("used");
    std::fs::create_dir(&used).unwrap();
    write(&used, "EC2role.txt", "logs:PutLogEvents\ns3:GetObject\n");
    let out2 = dir.path().join("out2");
    let run = bin()
        .arg("account")
        .arg(auth())
        .arg("--used")
        .arg(&used)
        .arg("--output-dir")
        .arg(&out2)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let run = verify_account(&["--used", used.to_str().unwrap()], &out2)
        .assert()
        .success();
    let v = verdicts(&stdout_json(&run.get_output().stdout));
    assert!(v.iter().any(|(p, _, _)| p == "EC2role"), "{v:?}");
}

#[test]
fn account_mode_flags_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    // --account needs --recommendations, and takes no --original, --refined or --policy-id.
    bin()
        .args(["verify", "--account"])
        .arg(auth())
        .args(["--findings", &findings()])
        .assert()
        .code(2);
    bin()
        .args(["verify", "--account"])
        .arg(auth())
        .args([
            "--findings",
            &findings(),
            "--recommendations",
            "x",
            "--original",
            "p.json",
        ])
        .assert()
        .code(2);
    // An empty or missing folder.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let run = verify_account(&["--findings", &findings()], &empty)
        .assert()
        .code(1);
    assert!(text(&run.get_output().stderr).contains("has no `*.json` file"));
    verify_account(&["--findings", &findings()], &dir.path().join("missing"))
        .assert()
        .code(1);
}
