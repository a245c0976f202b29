use serde_json::json;

use super::*;
use crate::test_readers::Chunky;
use crate::usage::HeldFindings;

const JSONL: &str = include_str!("../../testdata/account/findings.jsonl");
const ROLE: &str = "arn:aws:iam::123456789012:role/EC2role";
const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const OLD: &str = "arn:aws:iam::123456789012:role/service/OldBatch";

fn folder() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/account/findings");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("fixture folder")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            (p.display().to_string(), text)
        })
        .collect()
}

#[test]
fn json_lines_and_a_folder_read_the_same() {
    let lines = AccountFindings::parse([("findings.jsonl", JSONL)]).expect("valid");
    let files = folder();
    let dir =
        AccountFindings::parse(files.iter().map(|(n, t)| (n.as_str(), t.as_str()))).expect("valid");
    assert_eq!(
        lines.principals().collect::<Vec<_>>(),
        dir.principals().collect::<Vec<_>>()
    );
    assert_eq!(lines.principals().count(), 3);
}

#[test]
fn each_type_lands_where_it_belongs() {
    let f = AccountFindings::parse([("findings.jsonl", JSONL)]).expect("valid");
    let role = f
        .principal(ROLE)
        .expect("role")
        .unpack()
        .expect("reads back");
    let unused = role.unused.as_ref().expect("unused permissions");
    let actions: Vec<&str> = unused.actions().collect();
    assert!(actions.contains(&"s3:GetObjectAcl"), "{actions:?}");
    assert!(actions.contains(&"logs:CreateLogGroup"), "{actions:?}");
    assert_eq!(
        unused.services().collect::<Vec<_>>(),
        ["ec2", "lambda", "s3-object-lambda"]
    );
    assert!(role.unused_role.is_none());
    // The archived iam finding is not merged in.
    assert!(
        !actions.iter().any(|a| a.starts_with("iam:")),
        "{actions:?}"
    );

    let old = f
        .principal(OLD)
        .expect("old role")
        .unpack()
        .expect("reads back");
    assert!(old.unused.is_none());
    assert_eq!(
        old.unused_role
            .as_ref()
            .and_then(|r| r.last_accessed.as_deref()),
        Some("2022-12-01T00:00:00+00:00")
    );

    let alice = f
        .principal(ALICE)
        .expect("alice")
        .unpack()
        .expect("reads back");
    let details: Vec<&str> = alice.reported.iter().map(|r| r.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "access key AKIAIOSFODNN7EXAMPLE unused (last accessed 2023-01-15T00:00:00+00:00)",
            "console password unused (never used)"
        ]
    );
    assert_eq!(alice.finding_ids.len(), 3);

    let reasons: Vec<&str> = f.ignored().iter().map(|i| i.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "status is ARCHIVED, not ACTIVE",
            "finding type `ExternalAccess` is not about unused access"
        ]
    );
    assert_eq!(f.ignored()[0].at, "findings.jsonl:6");
}

#[test]
fn findings_for_one_principal_add_up() {
    let a = json!({"id": "1", "findingType": "UnusedPermission", "status": "ACTIVE", "resource": ROLE,
        "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3", "actions": [{"action": "s3:GetObject"}]}}]});
    // The second page of the same finding (get-finding-v2 pages its details).
    let b = json!({"id": "1", "findingType": "UnusedPermission", "status": "ACTIVE", "resource": ROLE,
        "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "sqs"}}]});
    let text = format!("{a}{b}");
    let f = AccountFindings::parse([("x", text.as_str())]).expect("valid");
    let p = f
        .principal(ROLE)
        .expect("role")
        .unpack()
        .expect("reads back");
    let unused = p.unused.as_ref().expect("unused");
    assert_eq!(unused.actions().collect::<Vec<_>>(), ["s3:GetObject"]);
    assert_eq!(unused.services().collect::<Vec<_>>(), ["sqs"]);
    assert_eq!(p.finding_ids, ["1"]);
}

#[test]
fn the_account_tells_which_findings_it_has_no_principal_for() {
    let account = Account::parse(include_str!(
        "../../testdata/account/authorization-details.json"
    ))
    .expect("account");
    let other = json!({"findingType": "UnusedIAMRole", "resource": "arn:aws:iam::999999999999:role/Gone", "findingDetails": []});
    let text = format!("{JSONL}{other}");
    let f = AccountFindings::parse([("x", text.as_str())]).expect("valid");
    assert_eq!(
        f.unmatched(&account),
        ["arn:aws:iam::999999999999:role/Gone"]
    );
}

fn err(text: &str) -> String {
    AccountFindings::parse([("in.jsonl", text)])
        .unwrap_err()
        .to_string()
}

#[test]
fn errors_name_the_file_line_and_finding() {
    assert_eq!(
        err("{\"findingType\": \"UnusedIAMRole\", \"resource\": \"arn:aws:iam::1:role/R\"}\n{\"serviceNamespace\": \"s3\"}"),
        "in.jsonl:2: expected `aws accessanalyzer get-finding-v2` output (an object with `findingType`, `resource` and `findingDetails`), found an object with keys serviceNamespace"
    );
    assert_eq!(
        err(r#"{"findings": [{"id": "1"}]}"#),
        "in.jsonl:1: `list-findings-v2` output has no finding details: save `aws accessanalyzer get-finding-v2` for each finding id instead"
    );
    assert_eq!(
        err(r#"{"id": "f1", "findingType": "UnusedPermission", "findingDetails": []}"#),
        "in.jsonl:1: finding `f1`: `resource` is missing"
    );
    assert_eq!(
        err(
            r#"{"id": "f1", "findingType": "UnusedPermission", "resource": "arn:aws:s3:::bucket", "findingDetails": []}"#
        ),
        "in.jsonl:1: finding `f1`: `arn:aws:s3:::bucket` is not the ARN of an IAM role or user"
    );
    // Findings are read as they are parsed: the first fault in the file is the one named.
    assert!(err(
        "{\"findingType\": \"UnusedIAMRole\", \"resource\": \"arn:aws:iam::1:role/R\"}\n{"
    )
    .starts_with("in.jsonl:2: invalid JSON"));
    assert!(err("{}\n{").starts_with("in.jsonl:1: expected `aws accessanalyzer get-finding-v2`"));
    let bad_details = r#"{"id": "f1", "findingType": "UnusedPermission", "resource": "arn:aws:iam::1:role/R", "findingDetails": [{"unusedPermissionDetails": {"serviceNamespace": "s3", "actions": [{"action": "s3:Get*"}]}}]}"#;
    assert_eq!(
        err(bad_details),
        "in.jsonl:1: finding `f1`: finding 1 (s3): `s3:Get*` is not an action name (findings name actions, not patterns)"
    );
}

#[test]
fn principal_arns() {
    assert!(is_principal_arn("arn:aws:iam::123456789012:role/path/R"));
    assert!(is_principal_arn("arn:aws-us-gov:iam::123456789012:user/u"));
    assert!(!is_principal_arn("arn:aws:iam::123456789012:policy/P"));
    assert!(!is_principal_arn("arn:aws:iam:::role/R"));
    assert!(!is_principal_arn(
        "arn:aws:sts::123456789012:assumed-role/R/s"
    ));
    assert!(!is_principal_arn("arn:aws:iam::123456789012:role/"));
}

fn streamed(text: &[u8], sizes: &[usize]) -> Result<AccountFindings, AccountFindingsError> {
    let mut reader = AccountFindingsReader::default();
    reader.read_from("f", Chunky::new(text, sizes))?;
    Ok(reader.finish())
}

/// Read as it streams, in chunks of any size, the findings are what the whole text gives:
/// the same principals, findings set aside, notes, and the same error where there is one.
#[test]
fn streamed_findings_are_the_whole_texts() {
    let pretty: String = JSONL
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a finding per line");
            serde_json::to_string_pretty(&v).expect("prints") + "\n"
        })
        .collect();
    let array = format!(
        "[{}]",
        JSONL
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join(",\n")
    );
    let broken = format!("{JSONL}\n{{\"findingType\": \"UnusedPermission\", \"id\": \n");
    let repeated = format!("{JSONL}{{\"a\": 1, \"a\": 2}}\n");
    let bom = format!("\u{feff}{JSONL}");
    for text in [JSONL, &pretty, &array, &broken, &repeated, &bom] {
        let whole = AccountFindings::parse([("f", text)]);
        for sizes in [&[1][..], &[3, 7], &[64], &[1 << 20], &[5, 1, 200, 2]] {
            assert_eq!(streamed(text.as_bytes(), sizes), whole, "{sizes:?}");
        }
    }
}

#[test]
fn a_byte_that_is_not_utf8_is_refused_at_its_offset() {
    let mut text = JSONL.as_bytes().to_vec();
    let at = text.len() / 2;
    text[at] = 0xff;
    for sizes in [&[1][..], &[1 << 20]] {
        let err = streamed(&text, sizes).expect_err("not UTF-8");
        assert_eq!(
            err,
            AccountFindingsError::NotUtf8 {
                file: "f".to_string(),
                offset: at as u64
            }
        );
    }
}

/// Findings taken out read back after the last one is taken (when the account's findings
/// let their name tables go), and read as they did in place.
#[test]
fn findings_taken_out_read_back_after_the_last_is_taken() {
    let mut f = AccountFindings::parse([("findings.jsonl", JSONL)]).expect("valid");
    let arns: Vec<String> = f.arns().map(str::to_string).collect();
    let in_place: Vec<_> = f.principals().collect();
    let taken: Vec<_> = arns.iter().map(|a| f.take(a).expect("held")).collect();
    assert_eq!(f.arns().count(), 0);
    assert!(f.take(&arns[0]).is_none());
    let read: Vec<_> = taken.iter().map(HeldFindings::unpack).collect();
    assert_eq!(read, in_place);
    assert!(read.iter().all(Result::is_ok));
}
