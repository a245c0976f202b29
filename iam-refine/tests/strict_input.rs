//! What the library reads, it reads one way: a repeated key anywhere is an error naming it
//! and its line, a document of two shapes is refused, a catalog cannot list a name twice,
//! and every value other than an action list comes out of `refine` exactly as written.
//!
//! Each test here uses only the API that existed before these rules, and fails without
//! them (`serde_json` keeps the last of repeated keys and rewrites `1e3` as `1e+3`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use iam_refine::{parse_json_text, refine, Catalog, Findings, Policy};

fn catalog() -> &'static Catalog {
    static C: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    C.get_or_init(Catalog::embedded)
}

fn policy_error(text: &str) -> String {
    match Policy::parse(text) {
        Ok(p) => panic!("accepted: {}", p.to_pretty_json()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_repeated_effect_is_an_error_never_an_allow() {
    let text = "{\"Statement\": [\n  {\"Effect\": \"Deny\",\n   \"Effect\": \"Allow\",\n   \"Action\": \"*\", \"Resource\": \"*\"}]}";
    let e = policy_error(text);
    assert!(e.contains("duplicate key `Effect`"), "{e}");
    assert!(e.contains("line 3"), "{e}");
}

#[test]
fn repeated_keys_are_refused_wherever_they_are() {
    for (text, key) in [
        (
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Action": "s3:Get*"}}"#,
            "Action",
        ),
        (
            r#"{"Version": "2012-10-17", "Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "*"}}"#,
            "Version",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"Bool": {"aws:SecureTransport": "true", "aws:SecureTransport": "false"}}}}"#,
            "aws:SecureTransport",
        ),
        (
            r#"{"PolicyVersion": {"Document": {"Statement": []}, "Document": {"Statement": {"Effect": "Allow", "Action": "*"}}}}"#,
            "Document",
        ),
    ] {
        let e = policy_error(text);
        assert!(e.contains(&format!("duplicate key `{key}`")), "{text}: {e}");
    }
    // Inside a document embedded as a string, and in URL-encoded text.
    let inner = r#"{"Statement": {"Effect": "Deny", "Effect": "Allow", "Action": "*"}}"#;
    let wrapped = serde_json::json!({"RoleName": "r", "PolicyDocument": inner}).to_string();
    assert!(policy_error(&wrapped).contains("duplicate key `Effect`"));
    let encoded: String = inner.bytes().map(|b| format!("%{b:02X}")).collect();
    assert!(policy_error(&encoded).contains("duplicate key `Effect`"));
    // Findings and any JSON text.
    let e =
        Findings::parse(r#"[{"serviceNamespace": "s3", "actions": ["GetObject"], "actions": []}]"#)
            .unwrap_err()
            .to_string();
    assert!(e.contains("duplicate key `actions`"), "{e}");
    let e = parse_json_text(r#"{"recommendedSteps": [], "recommendedSteps": []}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("duplicate key `recommendedSteps`"), "{e}");
}

#[test]
fn documents_of_two_shapes_are_refused() {
    let both = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"},
        "recommendedSteps": [{"unusedPermissionsRecommendedStep": {"recommendedAction": "DETACH_POLICY"}}]}"#;
    let e = parse_json_text(both).unwrap_err().to_string();
    assert!(
        e.contains("`Statement`") && e.contains("`recommendedSteps`"),
        "{e}"
    );
    assert!(policy_error(both).contains("ambiguous"));
    let e = policy_error(
        r#"{"Statement": {"Effect": "Allow", "Action": "*"}, "PolicyVersion": {"Document": {"Statement": {"Effect": "Allow", "Action": "s3:GetObject"}}}}"#,
    );
    assert!(
        e.contains("`Statement`") && e.contains("`PolicyVersion`"),
        "{e}"
    );
    let e = policy_error(
        r#"{"PolicyDocument": {"Statement": {"Effect": "Allow", "Action": "*"}}, "Statement": {"Effect": "Allow", "Action": "s3:GetObject"}}"#,
    );
    assert!(e.contains("ambiguous"), "{e}");
    let e = Findings::parse(r#"{"findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3"}}], "serviceNamespace": "iam", "actions": []}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("ambiguous"), "{e}");
}

#[test]
fn numbers_and_every_other_value_come_out_as_written() {
    let text = r#"{"Version": "2012-10-17", "Id": "caf\u00e9", "Statement": [{"Sid": "A", "Effect": "Allow",
        "Action": ["s3:GetObject*"], "Resource": "*",
        "Condition": {"NumericLessThan": {"s3:max-keys": [100000000000000000000001, 1.00000000000000000001, 1e3, 1E+2, -0, 0.50]}}}]}"#;
    let policy = Policy::parse(text).expect("valid");
    let findings = Findings::parse(r#"[{"serviceNamespace": "s3", "actions": ["GetObjectAcl"]}]"#)
        .expect("valid");
    let refinement = refine(&policy, &findings.resolve(catalog()));
    let out = refinement.policy.to_pretty_json();
    assert!(!out.contains("GetObjectAcl"), "not refined: {out}");
    for n in [
        "100000000000000000000001",
        "1.00000000000000000001",
        "1e3",
        "1E+2",
        "-0",
        "0.50",
    ] {
        assert!(
            out.contains(&format!("{n},")) || out.contains(&format!("{n}\n")),
            "`{n}` changed: {out}"
        );
    }
    assert!(out.contains("\"Id\": \"café\""), "{out}");
}

#[test]
fn a_catalog_cannot_list_a_name_twice() {
    let json = |t: &str| Catalog::from_json(t, "t".into()).unwrap_err().to_string();
    let e = json(r#"{"s3": ["GetObject"], "ec2": ["RunInstances"], "s3": ["PutObject"]}"#);
    assert!(e.contains("duplicate key `s3`"), "{e}");
    let e = json(r#"{"s3": ["GetObject", "PutObject", "GetObject"]}"#);
    assert!(e.contains("`s3:GetObject` is listed twice"), "{e}");
    let e = json(r#"{"s3": {"GetObject": "Read", "getObject": "Write"}}"#);
    assert!(e.contains("listed twice"), "{e}");
    let e = json(r#"{"s3": ["GetObject"], "S3": ["PutObject"]}"#);
    assert!(e.contains("`S3` is listed twice"), "{e}");
    let e = Catalog::from_tsv("s3\tGetObject\tRead\ns3\tGetObject\tWrite\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 2") && e.contains("listed twice"), "{e}");
}
