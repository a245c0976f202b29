//! The fixtures in `testdata/`, end to end through the public API, and hostile inputs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::time::Instant;

use serde_json::json;

use iam_refine_iac::{detect, extract, FileKind, Found, FoundPolicy, IacError, Options};

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{}/testdata/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn template(path: &str, options: &Options) -> Vec<FoundPolicy> {
    match extract(path, &fixture(path), options).unwrap().found {
        Found::Template(p) => p,
        Found::Plan(_) => panic!("a template"),
    }
}

fn options(pseudo: &[(&str, &str)], parameters: &[(&str, &str)]) -> Options {
    Options {
        pseudo: pseudo
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        parameters: parameters
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[test]
fn kinds_are_detected_by_content() {
    let cases = [
        ("terraform/plan.json", FileKind::TerraformPlan),
        ("cloudformation/template.yaml", FileKind::CloudFormationYaml),
        (
            "cloudformation/template.json",
            FileKind::CloudFormationJson { cdk: false },
        ),
        (
            "cdk/AppStack.template.json",
            FileKind::CloudFormationJson { cdk: true },
        ),
    ];
    for (path, kind) in cases {
        assert_eq!(detect(path, &fixture(path)).unwrap(), Some(kind), "{path}");
    }
    assert_eq!(
        detect("p.json", r#"{"Version": "2012-10-17", "Statement": []}"#).unwrap(),
        None
    );
    assert_eq!(
        detect("manifest.json", r#"{"version": "36.0.0", "artifacts": {}}"#).unwrap(),
        None
    );
    assert_eq!(detect("notes.txt", "just some words").unwrap(), None);
}

#[test]
fn yaml_and_json_templates_give_the_same_policies() {
    for o in [
        Options::default(),
        options(&[("AWS::Region", "eu-west-1")], &[("Env", "dev")]),
    ] {
        let yaml = template("cloudformation/template.yaml", &o);
        let json = template("cloudformation/template.json", &o);
        assert_eq!(yaml.len(), json.len());
        for (y, j) in yaml.iter().zip(&json) {
            assert_eq!(
                (&y.address, &y.kind, &y.name, &y.condition),
                (&j.address, &j.kind, &j.name, &j.condition)
            );
            assert_eq!(y.document, j.document, "{}", y.address);
            assert_eq!(y.unknowns, j.unknowns, "{}", y.address);
        }
    }
}

#[test]
fn the_template_resolves_what_it_decides_and_names_the_rest() {
    let p = template("cloudformation/template.yaml", &Options::default());
    let addresses: Vec<(&str, Option<usize>)> =
        p.iter().map(|p| (p.address.as_str(), p.line)).collect();
    // Env defaults to prod: DevOnly's condition (NotProd) is false, so it is left out.
    assert_eq!(
        addresses,
        [
            ("AppRole/Policies/s3-read", Some(38)),
            ("AppRole/Policies/prod-logs", Some(55)),
            ("SharedPolicy", Some(87)),
            ("DeployerPolicy", Some(114)),
        ]
    );
    let s3 = &p[0].document["Statement"];
    assert_eq!(
        s3[0]["Resource"],
        json!([
            "${cfn:GetAtt:Bucket.Arn}",
            "${cfn:GetAtt:Bucket.Arn}/*",
            "arn:aws:s3:::app-prod/*"
        ])
    );
    assert_eq!(
        s3[1]["Resource"],
        "arn:aws:s3:::${cfn:Ref:Bucket}/home/${aws:username}/*"
    );
    let logs = &p[1].document["Statement"];
    assert_eq!(
        logs[0]["Resource"],
        "arn:aws:logs:${cfn:Ref:AWS::Region}:${cfn:Ref:AWS::AccountId}:log-group:/app/first:*"
    );
    // ProdInIreland is undecided without a region: the whole statement is unknown.
    assert!(logs[1]
        .as_str()
        .unwrap()
        .starts_with("${cfn:expr=%7B%22Fn::If%22:[%22ProdInIreland%22"));
    assert_eq!(logs[2]["Resource"], "arn:aws:ssm:*:*:parameter/prod/*");
    assert_eq!(
        logs[2]["Condition"]["StringEquals"]["aws:PrincipalTag/team"],
        json!(["data", "web"])
    );
    assert_eq!(
        p[2].name.as_deref(),
        Some("${cfn:Ref:AWS::StackName}-shared")
    );
    assert_eq!(p[2].condition, None);
    assert_eq!(
        p[2].document["Statement"][0]["Resource"],
        "${cfn:ImportValue:SharedQueueArn}"
    );
    let unknowns: Vec<&str> = p[2].unknowns.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(unknowns.len(), 4, "{unknowns:?}");

    // With the region, account and a dev environment, more is known.
    let o = options(
        &[
            ("AWS::Region", "eu-west-1"),
            ("AWS::AccountId", "123456789012"),
            ("AWS::StackName", "app"),
        ],
        &[
            ("Env", "dev"),
            ("KmsKeyArn", "arn:aws:kms:eu-west-1:123456789012:key/k"),
        ],
    );
    let p = template("cloudformation/template.yaml", &o);
    let addresses: Vec<&str> = p.iter().map(|p| p.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "AppRole/Policies/s3-read",
            "AppRole/Policies/dev-logs",
            "SharedPolicy",
            "DevOnly",
            "DeployerPolicy"
        ]
    );
    let logs = &p[1].document["Statement"];
    assert_eq!(
        logs[0]["Resource"],
        "arn:aws:logs:eu-west-1:123456789012:log-group:/app/first:*"
    );
    // Not prod: the kms statement and the ssm resource are removed (AWS::NoValue).
    assert_eq!(logs.as_array().unwrap().len(), 2);
    assert!(logs[1].get("Resource").is_none());
    assert_eq!(p[2].name.as_deref(), Some("app-shared"));
    assert_eq!(
        p[4].document["Statement"][0]["Resource"],
        "arn:aws:cloudformation:eu-west-1:123456789012:stack/app/*"
    );
}

#[test]
fn the_cdk_output_is_read_as_cloudformation() {
    let p = template("cdk/AppStack.template.json", &Options::default());
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].address, "HandlerServiceRoleDefaultPolicyCBD0CC91");
    assert_eq!(p[0].line, Some(45));
    assert_eq!(
        p[0].document["Statement"][0]["Resource"],
        json!([
            "${cfn:GetAtt:AssetsBucket5CB76180.Arn}",
            "${cfn:GetAtt:AssetsBucket5CB76180.Arn}/*"
        ])
    );
}

#[test]
fn a_huge_template_is_read_in_linear_time() {
    let mut text = String::from("Resources:\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "  P{i}:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - {{Effect: Allow, Action: 's3:GetObject', Resource: !Sub 'arn:${{AWS::Partition}}:s3:::b{i}/*'}}\n"
        ));
    }
    assert!(text.len() > 3_000_000);
    let start = Instant::now();
    let found = extract("big.yaml", &text, &Options::default()).unwrap();
    let Found::Template(p) = found.found else {
        panic!()
    };
    assert_eq!(p.len(), 20_000);
    assert_eq!(p[19_999].line, Some(1 + 19_999 * 6 + 1));
    // Not a timing test: a generous bound that only a quadratic reader would miss.
    assert!(start.elapsed().as_secs() < 60);
}

#[test]
fn hostile_inputs_are_refused_with_file_and_line() {
    let cases: [(&str, &str, &str); 6] = [
        ("a.yaml", "Resources:\n  A: &a {Type: AWS::S3::Bucket}\n  B: *a\n", "a.yaml:3:6: invalid YAML: an alias"),
        ("b.yaml", "Resources:\n  A: {Type: x}\n  A: {Type: y}\n", "b.yaml:3:3: invalid YAML: duplicate key `A`"),
        ("c.json", "{\"Resources\": {\"A\": {\"Type\": \"x\", \"Type\": \"y\"}}}", "c.json:1:40: invalid JSON: duplicate key `Type`"),
        ("d.yaml", "Resources: [\n", "d.yaml:2:1: invalid YAML"),
        ("e.json", "{\"Resources\": ", "e.json:1:14: invalid JSON"),
        ("f.yaml", "- a\n- b\n", "f.yaml: not a Terraform plan (`terraform show -json`) or a CloudFormation template: an array at the top level"),
    ];
    for (file, text, expected) in cases {
        let e = extract(file, text, &Options::default())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(expected), "{file}: {e}");
    }
    let deep_json = format!(
        "{{\"Resources\": {}{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let e = extract("g.json", &deep_json, &Options::default());
    assert!(matches!(e, Err(IacError::Syntax { .. })), "{e:?}");
    // Flow collections: the parser's own limit; block collections: the reader's.
    let deep_yaml = format!("Resources: {}{}", "[".repeat(5000), "]".repeat(5000));
    let e = extract("h.yaml", &deep_yaml, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("h.yaml:1:") && e.contains("recursion limit exceeded"),
        "{e}"
    );
    let mut block = String::from("Resources:\n");
    for depth in 1..200 {
        block.push_str(&format!("{}k{depth}:\n", " ".repeat(depth)));
    }
    let e = extract("i.yaml", &block, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("nested deeper than 128 levels"), "{e}");
}
