//! `verify` of a recommendation says "proved" only of the change the recommendation makes,
//! to the policies it names, of the principal every input is about: each policy matched to
//! exactly one `--original`, a `CREATE_POLICY` without its `DETACH_POLICY` judged as what it
//! does (the old policy stays), and inputs about different principals or policies refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{json, Value};

use common::{bin, example, read, write};

const ROLE: &str = "arn:aws:iam::123456789012:role/MyRole";
const MANAGED: &str = "arn:aws:iam::123456789012:policy/S3Access";

/// The example's refinement, as `examples/recommendation.json` holds it.
fn refined() -> Value {
    let rec: Value = serde_json::from_str(&read(&example("recommendation.json"))).unwrap();
    serde_json::from_str(
        rec["recommendedSteps"][0]["unusedPermissionsRecommendedStep"]["recommendedPolicy"]
            .as_str()
            .unwrap(),
    )
    .unwrap()
}

fn create(id: &str, doc: &Value) -> Value {
    json!({"unusedPermissionsRecommendedStep": {
        "recommendedAction": "CREATE_POLICY",
        "existingPolicyId": id,
        "recommendedPolicy": doc.to_string()}})
}

fn detach(id: &str) -> Value {
    json!({"unusedPermissionsRecommendedStep": {
        "recommendedAction": "DETACH_POLICY",
        "existingPolicyId": id}})
}

fn recommendation_for(dir: &Path, arn: &str, steps: Vec<Value>) -> PathBuf {
    let rec = json!({
        "recommendationType": "UnusedPermissionRecommendation",
        "resourceArn": arn,
        "status": "SUCCEEDED",
        "recommendedSteps": steps,
    });
    write(dir, "rec.json", &rec.to_string())
}

fn recommendation(dir: &Path, steps: Vec<Value>) -> PathBuf {
    recommendation_for(dir, ROLE, steps)
}

fn verify(refined: &Path, originals: &[String], unused: &Path) -> Command {
    let mut c = bin();
    c.arg("verify");
    for o in originals {
        c.arg("--original").arg(o);
    }
    c.arg("--refined").arg(refined).arg("--unused").arg(unused);
    c
}

fn policy() -> String {
    example("policy.json").display().to_string()
}

/// The example's findings, about `arn` instead of the example's role.
fn findings_about(dir: &Path, arn: &str) -> PathBuf {
    let mut f: Value = serde_json::from_str(&read(&example("unused.json"))).unwrap();
    f["resource"] = json!(arn);
    write(dir, &format!("unused-{}.json", arn.len()), &f.to_string())
}

#[test]
fn one_original_stands_for_one_policy_of_a_recommendation() {
    let dir = tempfile::tempdir().unwrap();
    let unused = example("unused.json");
    // A managed policy and an inline one, both called S3Access, both refined alike.
    let rec = recommendation(
        dir.path(),
        vec![
            create(MANAGED, &refined()),
            detach(MANAGED),
            create("S3Access", &refined()),
            detach("S3Access"),
        ],
    );
    // One --original for both was proved twice; now it is refused, naming both.
    verify(&rec, &[format!("S3Access={}", policy())], &unused)
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!(
            "iam-refine: error: {}: `--original S3Access={}` could stand for policy `{MANAGED}` or `S3Access`; name each policy by its id (a managed policy's ARN, an inline policy's name)\n",
            rec.display(),
            policy()
        ));
    // Naming each by its id, as the error says, was refused as ambiguous; it is proved.
    verify(
        &rec,
        &[
            format!("{MANAGED}={}", policy()),
            format!("S3Access={}", policy()),
        ],
        &unused,
    )
    .assert()
    .code(0)
    .stderr(
        predicate::str::contains(format!("{MANAGED}: proved"))
            .and(predicate::str::contains("\nS3Access: proved")),
    );
    // A plain file named after both, likewise.
    let stem = write(dir.path(), "S3Access.json", &read(&example("policy.json")));
    verify(&rec, &[stem.display().to_string()], &unused)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "`--original {}` could stand for policy `{MANAGED}` or `S3Access`",
            stem.display()
        )));
    // --policy-id by the short name is the inline policy, for which the original then
    // stands; by the ARN the managed one.
    verify(&rec, &[format!("S3Access={}", policy())], &unused)
        .args(["--policy-id", "S3Access"])
        .assert()
        .code(0)
        .stderr(
            predicate::str::contains("S3Access: proved")
                .and(predicate::str::contains(MANAGED).not()),
        );
    verify(&rec, &[format!("{MANAGED}={}", policy())], &unused)
        .args(["--policy-id", MANAGED])
        .assert()
        .code(0);
    // Two managed policies of one name: the short name is refused, naming both.
    let aws = "arn:aws:iam::aws:policy/S3Access";
    let two = recommendation(
        dir.path(),
        vec![
            create(MANAGED, &refined()),
            detach(MANAGED),
            create(aws, &refined()),
            detach(aws),
        ],
    );
    verify(&two, &[format!("S3Access={}", policy())], &unused)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "rec.json: `--original S3Access={}` could stand for policy `{MANAGED}` or `{aws}`",
            policy()
        )));
    verify(
        &two,
        &[
            format!("{aws}={}", policy()),
            format!("S3Access={}", policy()),
        ],
        &unused,
    )
    .assert()
    .code(0);
}

#[test]
fn a_create_step_without_its_detach_is_judged_as_applied() {
    let dir = tempfile::tempdir().unwrap();
    let unused = example("unused.json");
    let mine = format!("MyPolicy={}", policy());
    let my = "arn:aws:iam::123456789012:policy/MyPolicy";
    // Applied as written the original stays, with its unused actions: refuted, even with
    // --quiet, the witness an action the principal keeps.
    let alone = recommendation(dir.path(), vec![create(my, &refined())]);
    verify(&alone, std::slice::from_ref(&mine), &unused)
        .arg("--quiet")
        .assert()
        .code(3)
        .stdout("lambda:addpermission\n")
        .stderr(predicate::str::contains(format!(
            "{my}: CREATE_POLICY without DETACH_POLICY: applied as written, the policy stays attached beside the new documents; judged as kept unchanged: counterexample to T3 (no unused action)"
        )));
    // An original with nothing unused stays as it is, and gains the new documents: an
    // addition, which is not judged (exit 1, nothing claimed), whatever the documents.
    let exact = write(dir.path(), "exact.json", &refined().to_string());
    let wide = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    for doc in [refined(), wide] {
        let added = recommendation(dir.path(), vec![create(my, &doc)]);
        verify(&added, &[format!("MyPolicy={}", exact.display())], &unused)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "allows nothing unused: the change only adds permissions, which verify does not judge; nothing is claimed",
            ));
    }
    // Beside a policy that is proved, the exit is still not 0.
    let both = recommendation(
        dir.path(),
        vec![create(my, &refined()), detach("LegacyDeploy")],
    );
    verify(
        &both,
        &[
            mine.clone(),
            example("LegacyDeploy.json").display().to_string(),
        ],
        &unused,
    )
    .assert()
    .code(3)
    .stderr(predicate::str::contains("LegacyDeploy: proved"));
    // A CREATE_POLICY step naming no policy replaces nothing known.
    let anonymous = write(
        dir.path(),
        "anonymous.json",
        &json!({"resourceArn": ROLE, "status": "SUCCEEDED", "recommendedSteps": [
            {"unusedPermissionsRecommendedStep": {"recommendedAction": "CREATE_POLICY",
             "recommendedPolicy": refined().to_string()}}]})
        .to_string(),
    );
    verify(&anonymous, &[policy()], &unused)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "anonymous.json: recommended step 1: CREATE_POLICY without `existingPolicyId`",
        ));
}

#[test]
fn inputs_about_another_principal_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let rec = example("recommendation.json");
    let mine = format!("MyPolicy={}", policy());
    let legacy = example("LegacyDeploy.json").display().to_string();
    // Another role's findings.
    let other = findings_about(dir.path(), "arn:aws:iam::123456789012:role/Other");
    verify(&rec, &[mine.clone(), legacy.clone()], &other)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "{} (`resource`) is about `arn:aws:iam::123456789012:role/Other`, but {} (`resourceArn`) is about `{ROLE}`: the inputs must be about one principal",
            other.display(),
            rec.display()
        )));
    // A user of the same name, a role of the same name in another path or account.
    for arn in [
        "arn:aws:iam::123456789012:user/MyRole",
        "arn:aws:iam::123456789012:role/ops/MyRole",
        "arn:aws:iam::210987654321:role/MyRole",
    ] {
        let f = findings_about(dir.path(), arn);
        verify(&rec, &[mine.clone(), legacy.clone()], &f)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(arn));
    }
    // Findings about two principals in one file.
    let mut two: Value = serde_json::from_str(&read(&example("unused.json"))).unwrap();
    let mut b = two.clone();
    b["resource"] = json!("arn:aws:iam::123456789012:role/Other");
    two = json!([two, b]);
    let two = write(dir.path(), "two.json", &two.to_string());
    verify(&rec, &[mine.clone(), legacy.clone()], &two)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("two.json (`resource`) is about"));

    // An original from `get-role-policy`: its role and its policy name must be the step's.
    let unused = example("unused.json");
    let deploy: Value = serde_json::from_str(&read(&example("LegacyDeploy.json"))).unwrap();
    let envelope = |key: &str, owner: &str, name: &str| {
        let file = write(
            dir.path(),
            "LegacyDeploy.json",
            &json!({key: owner, "PolicyName": name, "PolicyDocument": deploy}).to_string(),
        );
        file.display().to_string()
    };
    verify(
        &rec,
        &[mine.clone(), envelope("RoleName", "MyRole", "LegacyDeploy")],
        &unused,
    )
    .assert()
    .code(0);
    for (key, owner, name, message) in [
        ("RoleName", "Other", "LegacyDeploy", "(`RoleName`) is about role `Other`"),
        ("UserName", "MyRole", "LegacyDeploy", "(`UserName`) is about user `MyRole`"),
        ("GroupName", "MyRole", "LegacyDeploy", "(`GroupName`) is about group `MyRole`"),
        (
            "RoleName",
            "MyRole",
            "Else",
            "(`PolicyName`) is the inline policy `Else`, but it stands for policy `LegacyDeploy` of",
        ),
    ] {
        verify(&rec, &[mine.clone(), envelope(key, owner, name)], &unused)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(message));
    }
    // An inline policy's output standing for a managed policy.
    let managed = write(
        dir.path(),
        "m.json",
        &json!({"RoleName": "MyRole", "PolicyName": "MyPolicy",
                "PolicyDocument": serde_json::from_str::<Value>(&read(&example("policy.json"))).unwrap()})
        .to_string(),
    );
    verify(
        &rec,
        &[format!("MyPolicy={}", managed.display()), legacy.clone()],
        &unused,
    )
    .assert()
    .code(1)
    .stderr(predicate::str::contains(
        "(`PolicyName`) is the inline policy `MyPolicy`, but it stands for policy `arn:aws:iam::123456789012:policy/MyPolicy`",
    ));

    // A managed policy of another account cannot be the principal's.
    let foreign = "arn:aws:iam::210987654321:policy/MyPolicy";
    let rec2 = recommendation(
        dir.path(),
        vec![create(foreign, &refined()), detach(foreign)],
    );
    verify(&rec2, &[format!("MyPolicy={}", policy())], &unused)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "rec.json: policy `{foreign}` is not one `{ROLE}` can have"
        )));
}

#[test]
fn a_plain_refined_policy_is_checked_against_the_same_names() {
    let dir = tempfile::tempdir().unwrap();
    let doc: Value = serde_json::from_str(&read(&example("policy.json"))).unwrap();
    let wrapped = |name: &str, role: &str, policy: &Value| {
        write(
            dir.path(),
            name,
            &json!({"RoleName": role, "PolicyName": "MyPolicy", "PolicyDocument": policy})
                .to_string(),
        )
    };
    let original = wrapped("original.json", "MyRole", &doc);
    let good = wrapped("good.json", "MyRole", &refined());
    let plain = |refined: &Path, unused: &Path| {
        let mut c = bin();
        c.args(["verify", "--original"])
            .arg(&original)
            .arg("--refined")
            .arg(refined)
            .arg("--unused")
            .arg(unused);
        c
    };
    plain(&good, &example("unused.json")).assert().code(0);
    let other = findings_about(dir.path(), "arn:aws:iam::123456789012:role/Other");
    plain(&good, &other).assert().code(1).stderr(
        predicate::str::contains(
            "(`resource`) is about `arn:aws:iam::123456789012:role/Other`, but",
        )
        .and(predicate::str::contains(
            "original.json (`RoleName`) is about role `MyRole`",
        )),
    );
    let elsewhere = wrapped("elsewhere.json", "Other", &refined());
    plain(&elsewhere, &example("unused.json"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "elsewhere.json (`RoleName`) is about role `Other`",
        ));
    let renamed = write(
        dir.path(),
        "renamed.json",
        &json!({"RoleName": "MyRole", "PolicyName": "Other", "PolicyDocument": refined()})
            .to_string(),
    );
    plain(&renamed, &example("unused.json"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "original.json (`PolicyName`) is the inline policy `MyPolicy`, but",
        ));
}

#[test]
fn our_own_names_in_a_recommendation_must_agree_with_aws_fields() {
    let dir = tempfile::tempdir().unwrap();
    let my = "arn:aws:iam::123456789012:policy/MyPolicy";
    let mut rec = json!({
        "resourceArn": ROLE, "status": "SUCCEEDED",
        "recommendedSteps": [create(my, &refined()), detach(my)],
        "iamRefine": {"principalType": "role", "principalName": "MyRole"},
    });
    let run = |rec: &Value| {
        let file = write(dir.path(), "ours.json", &rec.to_string());
        verify(
            &file,
            &[format!("MyPolicy={}", policy())],
            &example("unused.json"),
        )
        .assert()
    };
    run(&rec).code(0);
    rec["iamRefine"]["principalName"] = json!("Other");
    run(&rec).code(1).stderr(predicate::str::contains(
        "(`iamRefine.principalName`) is about role `Other`",
    ));
    rec["iamRefine"]["principalName"] = json!("MyRole");
    rec["recommendedSteps"][0]["unusedPermissionsRecommendedStep"]["iamRefine"] =
        json!({"policyName": "Other", "policyType": "customerManaged"});
    run(&rec).code(1).stderr(predicate::str::contains(
        "recommended step 1: `iamRefine.policyName` is `Other`, but `existingPolicyId` is",
    ));
    rec["recommendedSteps"][0]["unusedPermissionsRecommendedStep"]["iamRefine"] =
        json!({"policyName": "MyPolicy", "policyType": "inline"});
    run(&rec).code(1).stderr(predicate::str::contains(
        "`iamRefine.policyType` is `inline`",
    ));
}

#[test]
fn account_refuses_a_findings_file_about_two_principals() {
    let dir = tempfile::tempdir().unwrap();
    let auth = json!({"UserDetailList": [], "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [{"RoleName": "MyRole", "Arn": ROLE, "Path": "/",
            "RolePolicyList": [{"PolicyName": "Inline",
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}],
            "AttachedManagedPolicies": []}]});
    let auth = write(dir.path(), "auth.json", &auth.to_string());
    let folder = dir.path().join("unused");
    std::fs::create_dir(&folder).unwrap();
    let f: Value = serde_json::from_str(&read(&example("unused.json"))).unwrap();
    let mut g = f.clone();
    g["resource"] = json!("arn:aws:iam::123456789012:role/Other");
    write(&folder, "MyRole.json", &json!([f, g]).to_string());
    let mut c = bin();
    c.arg("account")
        .arg(&auth)
        .arg("--unused")
        .arg(&folder)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "MyRole.json (`resource`) is about `arn:aws:iam::123456789012:role/MyRole`, but",
        ));
}

#[test]
fn refine_refuses_a_policy_of_another_principal_than_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    let doc: Value = serde_json::from_str(&read(&example("policy.json"))).unwrap();
    let wrapped = |key: &str, owner: &str| {
        write(
            dir.path(),
            "inline.json",
            &json!({key: owner, "PolicyName": "MyPolicy", "PolicyDocument": doc}).to_string(),
        )
    };
    let refine = |policy: &Path| {
        let mut c = bin();
        c.arg("refine")
            .arg(policy)
            .arg("--unused")
            .arg(example("unused.json"));
        c
    };
    refine(&wrapped("RoleName", "MyRole")).assert().code(0);
    for (key, owner, said) in [
        ("RoleName", "Other", "role `Other`"),
        ("UserName", "MyRole", "user `MyRole`"),
        ("GroupName", "MyRole", "group `MyRole`"),
    ] {
        refine(&wrapped(key, owner))
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains(format!(
                "unused.json (`resource`) is about `{ROLE}`, but {} (`{key}`) is about {said}: the inputs must be about one principal",
                dir.path().join("inline.json").display()
            )));
    }
}
