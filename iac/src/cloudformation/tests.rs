//! Unit tests of the template reader: one per resolution rule and resource type.

use serde_json::{json, Value};

use crate::{extract, Found, FoundPolicy, IacError, Options, PolicyKind};

fn with(text: &str, options: &Options) -> Result<Vec<FoundPolicy>, IacError> {
    match extract("t.yaml", text, options)?.found {
        Found::Template(p) => Ok(p),
        Found::Plan(_) => panic!("a template"),
    }
}

fn policies(text: &str) -> Vec<FoundPolicy> {
    with(text, &Options::default()).unwrap()
}

fn err(text: &str) -> String {
    with(text, &Options::default()).unwrap_err().to_string()
}

/// A template with one managed policy whose statement's `Resource` is `resource` (YAML),
/// and extra top-level sections.
fn resource_of(resource: &str, sections: &str) -> Value {
    resource_with(resource, sections, &Options::default())
}

fn resource_with(resource: &str, sections: &str, options: &Options) -> Value {
    let text = format!(
        "{sections}\nResources:\n  Bucket: {{Type: AWS::S3::Bucket}}\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Action: s3:GetObject\n            Resource: {resource}\n"
    );
    let p = with(&text, options).unwrap();
    p[0].document["Statement"][0]["Resource"].clone()
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
fn every_resource_type_is_found_with_its_kind_address_and_line() {
    let text = "Resources:
  Managed:
    Type: AWS::IAM::ManagedPolicy
    Properties: {ManagedPolicyName: m, PolicyDocument: {Statement: []}}
  Plain:
    Type: AWS::IAM::Policy
    Properties: {PolicyName: p, PolicyDocument: {Statement: []}, Roles: [r]}
  RP:
    Type: AWS::IAM::RolePolicy
    Properties: {PolicyName: rp, RoleName: r, PolicyDocument: {Statement: []}}
  UP:
    Type: AWS::IAM::UserPolicy
    Properties: {PolicyName: up, UserName: u, PolicyDocument: {Statement: []}}
  GP:
    Type: AWS::IAM::GroupPolicy
    Properties: {PolicyName: gp, GroupName: g, PolicyDocument: {Statement: []}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: one
          PolicyDocument: {Statement: []}
        - PolicyName: two
          PolicyDocument: {Statement: []}
  User:
    Type: AWS::IAM::User
    Properties:
      Policies: [{PolicyName: u1, PolicyDocument: {Statement: []}}]
  Group:
    Type: AWS::IAM::Group
    Properties:
      Policies: [{PolicyName: g1, PolicyDocument: {Statement: []}}]
  Bare: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {}}}
  Other: {Type: AWS::S3::Bucket}
";
    let found: Vec<(String, PolicyKind, Option<String>, Option<usize>)> = policies(text)
        .into_iter()
        .map(|p| (p.address, p.kind, p.name, p.line))
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        found,
        [
            ("Managed".to_string(), PolicyKind::Managed, s("m"), Some(2)),
            ("Plain".to_string(), PolicyKind::Inline, s("p"), Some(5)),
            ("RP".to_string(), PolicyKind::RoleInline, s("rp"), Some(8)),
            ("UP".to_string(), PolicyKind::UserInline, s("up"), Some(11)),
            ("GP".to_string(), PolicyKind::GroupInline, s("gp"), Some(14)),
            (
                "Role/Policies/one".to_string(),
                PolicyKind::RoleInline,
                s("one"),
                Some(22)
            ),
            (
                "Role/Policies/two".to_string(),
                PolicyKind::RoleInline,
                s("two"),
                Some(24)
            ),
            (
                "User/Policies/u1".to_string(),
                PolicyKind::UserInline,
                s("u1"),
                Some(29)
            ),
            (
                "Group/Policies/g1".to_string(),
                PolicyKind::GroupInline,
                s("g1"),
                Some(33)
            ),
        ]
    );
}

#[test]
fn pseudo_parameters_come_from_the_caller_and_partition_defaults_to_aws() {
    let r = resource_of(
        "!Sub 'arn:${AWS::Partition}:s3:::b-${AWS::AccountId}-${AWS::Region}'",
        "",
    );
    assert_eq!(
        r,
        "arn:aws:s3:::b-${cfn:Ref:AWS::AccountId}-${cfn:Ref:AWS::Region}"
    );
    let o = options(
        &[
            ("AWS::AccountId", "123456789012"),
            ("AWS::Region", "eu-west-1"),
            ("AWS::Partition", "aws-cn"),
        ],
        &[],
    );
    let r = resource_with(
        "!Sub 'arn:${AWS::Partition}:s3:::b-${AWS::AccountId}-${AWS::Region}'",
        "",
        &o,
    );
    assert_eq!(r, "arn:aws-cn:s3:::b-123456789012-eu-west-1");
    for pseudo in ["AWS::URLSuffix", "AWS::StackName", "AWS::StackId"] {
        let r = resource_of(&format!("!Ref {pseudo}"), "");
        assert_eq!(r, format!("${{cfn:Ref:{pseudo}}}"));
        let o = options(&[(pseudo, "v")], &[]);
        assert_eq!(resource_with(&format!("!Ref {pseudo}"), "", &o), "v");
    }
    assert!(err("Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties: {PolicyDocument: {Statement: [{Resource: !Ref AWS::Nothing}]}}\n").contains("not a pseudo parameter"));
}

#[test]
fn parameters_take_the_callers_value_then_their_default() {
    let params = "Parameters:\n  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}\n  Count: {Type: Number, Default: 3}\n  Free: {Type: String}\n  Names: {Type: CommaDelimitedList, Default: 'a, b,c'}\n  Ssm: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /x}";
    assert_eq!(
        resource_of("!Sub 'arn:aws:s3:::${Env}-${Count}'", params),
        "arn:aws:s3:::dev-3"
    );
    let o = options(&[], &[("Env", "prod")]);
    assert_eq!(
        resource_with("!Sub 'arn:aws:s3:::${Env}'", params, &o),
        "arn:aws:s3:::prod"
    );
    assert_eq!(resource_of("!Ref Free", params), "${cfn:Ref:Free}");
    assert_eq!(resource_of("!Ref Names", params), json!(["a", "b", "c"]));
    // Looked up at deployment: unknown even with a default.
    assert_eq!(resource_of("!Ref Ssm", params), "${cfn:Ref:Ssm}");
    let o = options(&[], &[("Env", "test")]);
    let text = format!("{params}\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties: {{PolicyDocument: {{Statement: [{{Resource: !Ref Env}}]}}}}\n");
    assert!(with(&text, &o)
        .unwrap_err()
        .to_string()
        .contains("not one of its `AllowedValues`"));
}

#[test]
fn refs_to_resources_and_get_atts_are_unknowns_named_by_their_expression() {
    let p = policies("Resources:\n  Bucket: {Type: AWS::S3::Bucket}\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Resource: [!Ref Bucket, !GetAtt Bucket.Arn, !GetAtt [Bucket, Arn], {'Fn::GetAtt': [Bucket, Arn]}, !Sub '${Bucket.Arn}/*', !Sub '${Bucket}']\n");
    assert_eq!(
        p[0].document["Statement"][0]["Resource"],
        json!([
            "${cfn:Ref:Bucket}",
            "${cfn:GetAtt:Bucket.Arn}",
            "${cfn:GetAtt:Bucket.Arn}",
            "${cfn:GetAtt:Bucket.Arn}",
            "${cfn:GetAtt:Bucket.Arn}/*",
            "${cfn:Ref:Bucket}"
        ])
    );
    let names: Vec<(&str, &str)> = p[0]
        .unknowns
        .iter()
        .map(|u| (u.name.as_str(), u.expression.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("cfn:Ref:Bucket", r#"{"Ref":"Bucket"}"#),
            (
                "cfn:GetAtt:Bucket.Arn",
                r#"{"Fn::GetAtt":["Bucket","Arn"]}"#
            )
        ]
    );
    assert!(err("Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties: {PolicyDocument: {Statement: [{Resource: !Ref Nothing}]}}\n").contains("neither a parameter, a resource nor a pseudo parameter"));
    assert!(err("Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties: {PolicyDocument: {Statement: [{Resource: !GetAtt Nothing.Arn}]}}\n").contains("not a resource"));
}

#[test]
fn join_of_known_and_unknown_parts() {
    assert_eq!(
        resource_of(
            "!Join ['', ['arn:', !Ref AWS::Partition, ':s3:::', !Ref Bucket, '/*']]",
            ""
        ),
        "arn:aws:s3:::${cfn:Ref:Bucket}/*"
    );
    assert_eq!(resource_of("!Join [':', [a, 1, true]]", ""), "a:1:true");
    // A list that is itself unknown makes the whole `Fn::Join` unknown.
    // (The inner unknown's `${...}` is encoded inside the outer name like any other text.)
    let r = resource_of("!Join [',', !GetAZs '']", "");
    assert_eq!(r, "${cfn:expr=%7B%22Fn::Join%22:[%22%2C%22%2C%22%24%7Bcfn:expr=%257B%2522Fn::GetAZs%2522:%2522%2522%257D%7D%22]%7D}");
}

#[test]
fn sub_in_both_forms_with_literal_escapes() {
    assert_eq!(
        resource_of("!Sub 'arn:aws:s3:::${!Literal}/${AWS::Partition}'", ""),
        "arn:aws:s3:::${Literal}/aws"
    );
    assert_eq!(resource_of("!Sub ['arn:aws:s3:::${Name}/${B}', {Name: !Ref AWS::Partition, B: !GetAtt Bucket.Arn}]", ""), "arn:aws:s3:::aws/${cfn:GetAtt:Bucket.Arn}");
    assert_eq!(resource_of("!Sub 'no ${ end'", ""), "no ${ end");
    // Policy variables written with the escape stay policy variables.
    assert_eq!(
        resource_of("!Sub 'arn:aws:s3:::b/${!aws:username}/*'", ""),
        "arn:aws:s3:::b/${aws:username}/*"
    );
}

#[test]
fn if_on_a_computable_condition_picks_its_branch() {
    let sections = "Parameters:\n  Env: {Type: String, Default: prod}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n  NotProd: !Not [!Condition IsProd]\n  Both: !And [!Condition IsProd, !Equals [a, a]]\n  Either: !Or [!Condition NotProd, !Equals [!Ref AWS::Region, x]]\n  Unknown: !Equals [!Ref AWS::Region, eu-west-1]\n  FalseAnd: !And [!Condition NotProd, !Condition Unknown]\n  TrueOr: !Or [!Condition IsProd, !Condition Unknown]";
    assert_eq!(resource_of("!If [IsProd, p, d]", sections), "p");
    assert_eq!(resource_of("!If [NotProd, p, d]", sections), "d");
    assert_eq!(resource_of("!If [Both, p, d]", sections), "p");
    // Three-valued logic: one decisive member decides.
    assert_eq!(resource_of("!If [FalseAnd, p, d]", sections), "d");
    assert_eq!(resource_of("!If [TrueOr, p, d]", sections), "p");
    let r = resource_of("!If [Either, p, d]", sections);
    assert!(
        r.as_str()
            .unwrap()
            .starts_with("${cfn:expr=%7B%22Fn::If%22:[%22Either%22"),
        "{r}"
    );
    let o = options(&[("AWS::Region", "eu-west-1")], &[]);
    assert_eq!(resource_with("!If [Unknown, p, d]", sections, &o), "p");
    // The same expression in two files gets the same name.
    assert_eq!(resource_of("!If [Either, p, d]", sections), r);
}

#[test]
fn no_value_removes_the_key_or_item() {
    let p = policies("Conditions:\n  Never: !Equals [a, b]\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Effect: Allow\n            Sid: !If [Never, s, !Ref AWS::NoValue]\n            Resource: [a, !Ref AWS::NoValue, b]\n");
    assert_eq!(
        p[0].document["Statement"][0],
        json!({"Effect": "Allow", "Resource": ["a", "b"]})
    );
}

#[test]
fn select_split_and_find_in_map() {
    let maps = "Mappings:\n  Buckets:\n    prod: {name: p-bucket, list: [x, z]}\nParameters:\n  Env: {Type: String, Default: prod}";
    assert_eq!(resource_of("!Select [1, [a, b, c]]", maps), "b");
    assert_eq!(resource_of("!Select ['0', !Split ['/', 'x/y']]", maps), "x");
    assert_eq!(
        resource_of("!FindInMap [Buckets, !Ref Env, name]", maps),
        "p-bucket"
    );
    assert_eq!(
        resource_of("!FindInMap [Buckets, !Ref Env, list]", maps),
        json!(["x", "z"])
    );
    assert_eq!(
        resource_of("!FindInMap [Buckets, dev, name, {DefaultValue: d}]", maps),
        "d"
    );
    let r = resource_of("!FindInMap [Buckets, !Ref AWS::Region, name]", maps);
    assert!(
        r.as_str()
            .unwrap()
            .starts_with("${cfn:expr=%7B%22Fn::FindInMap%22"),
        "{r}"
    );
    let r = resource_of("!Select [0, !Split [',', !Ref Bucket]]", maps);
    assert!(
        r.as_str()
            .unwrap()
            .starts_with("${cfn:expr=%7B%22Fn::Select%22"),
        "{r}"
    );
    let e = with(&format!("{maps}\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties: {{PolicyDocument: {{Statement: [{{Resource: !Select [5, [a]]}}]}}}}\n"), &Options::default()).unwrap_err().to_string();
    assert!(e.contains("out of range"), "{e}");
    let e = with(&format!("{maps}\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties: {{PolicyDocument: {{Statement: [{{Resource: !FindInMap [Buckets, dev, name]}}]}}}}\n"), &Options::default()).unwrap_err().to_string();
    assert!(e.contains("no such entry"), "{e}");
}

#[test]
fn everything_else_is_an_unknown_named_after_its_arguments() {
    assert_eq!(
        resource_of("!ImportValue SharedBucketArn", ""),
        "${cfn:ImportValue:SharedBucketArn}"
    );
    assert_eq!(
        resource_of("!ImportValue {'Fn::Sub': '${AWS::Partition}-arn'}", ""),
        "${cfn:ImportValue:aws-arn}"
    );
    for f in [
        "!GetAZs ''",
        "!Base64 x",
        "!Cidr [10.0.0.0/16, 2, 8]",
        "!Transform {Name: X}",
    ] {
        let r = resource_of(f, "");
        assert!(r.as_str().unwrap().starts_with("${cfn:expr="), "{f}: {r}");
        let name = &r.as_str().unwrap()[2..r.as_str().unwrap().len() - 1];
        for bad in ['}', ',', '\'', ' ', '"'] {
            assert!(!name.contains(bad), "{name}");
        }
    }
}

#[test]
fn unknowns_where_the_semantics_does_not_model_them_are_kept_as_written() {
    let p = policies("Conditions:\n  C: !Equals [!Ref AWS::Region, x]\nResources:\n  Bucket: {Type: AWS::S3::Bucket}\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Action: !Sub 's3:${Bucket}'\n            Resource: '*'\n            Condition: {StringEquals: {k: !Ref Bucket}}\n          - !If [C, {Effect: Allow, Action: '*', Resource: '*'}, !Ref AWS::NoValue]\n");
    let st = &p[0].document["Statement"];
    assert_eq!(st[0]["Action"], "s3:${cfn:Ref:Bucket}");
    assert!(st[1].as_str().unwrap().starts_with("${cfn:expr="));
    assert_eq!(p[0].unknowns.len(), 2);
}

#[test]
fn conditions_on_resources_leave_out_or_flag_the_policy() {
    let text = "Conditions:\n  Never: !Equals [a, b]\n  Maybe: !Equals [!Ref AWS::Region, x]\nResources:\n  A: {Type: AWS::IAM::ManagedPolicy, Condition: Never, Properties: {PolicyDocument: {Statement: []}}}\n  B: {Type: AWS::IAM::ManagedPolicy, Condition: Maybe, Properties: {PolicyDocument: {Statement: []}}}\n";
    let p = policies(text);
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].address.as_str(), p[0].condition.as_deref()),
        ("B", Some("Maybe"))
    );
    let e = err("Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\nResources:\n  P: {Type: AWS::IAM::ManagedPolicy, Condition: A, Properties: {PolicyDocument: {Statement: []}}}\n");
    assert!(e.contains("refers to itself"), "{e}");
}

#[test]
fn policies_lists_with_functions() {
    let text = "Conditions:\n  Maybe: !Equals [!Ref AWS::Region, x]\n  Always: !Equals [a, a]\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - !If [Always, {PolicyName: a, PolicyDocument: {Statement: []}}, !Ref AWS::NoValue]\n        - !If [Maybe, {PolicyName: b, PolicyDocument: {Statement: []}}, !Ref AWS::NoValue]\n        - PolicyName: !Sub '${AWS::StackName}-c'\n          PolicyDocument: '{\"Statement\": [{\"Resource\": \"x\"}]}'\n  S:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies: !If [Maybe, [], []]\n";
    let p = policies(text);
    let addresses: Vec<&str> = p.iter().map(|p| p.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "R/Policies/a",
            "R/Policies/#1",
            "R/Policies/${cfn:Ref:AWS::StackName}-c",
            "S/Policies"
        ]
    );
    assert_eq!(
        (p[0].line, p[1].line, p[2].line),
        (Some(9), Some(10), Some(11))
    );
    assert_eq!(p[2].document, json!({"Statement": [{"Resource": "x"}]}));
    assert!(p[1].document.as_str().unwrap().starts_with("${cfn:expr="));
}

#[test]
fn a_json_string_document_is_read_when_known_and_kept_as_the_string_otherwise() {
    let known = "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument: !Sub '{\"Statement\": [{\"Resource\": \"arn:${AWS::Partition}:s3:::b\"}]}'\n";
    assert_eq!(
        policies(known)[0].document,
        json!({"Statement": [{"Resource": "arn:aws:s3:::b"}]})
    );
    // The unknown's value is spliced into JSON text (a `"` in it would change the
    // document's shape): kept as the string, never guessed.
    let text = "Resources:\n  B: {Type: AWS::S3::Bucket}\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument: !Sub '{\"Statement\": [{\"Resource\": \"${B.Arn}\"}]}'\n";
    let p = policies(text);
    assert_eq!(
        p[0].document,
        "{\"Statement\": [{\"Resource\": \"${cfn:GetAtt:B.Arn}\"}]}"
    );
    assert_eq!(p[0].unknowns[0].name, "cfn:GetAtt:B.Arn");
    assert!(err("Resources:\n  P: {Type: AWS::IAM::ManagedPolicy, Properties: {PolicyDocument: '{\"a\": 1, \"a\": 2}'}}\n").contains("duplicate key `a`"));
}

#[test]
fn text_reading_as_a_declared_unknown_is_refused() {
    for doc in [
        "{Statement: [{Resource: '${cfn:Ref:B}'}]}",
        "{Statement: [{Resource: !Sub '${!cfn:Ref:B}'}]}",
        "'{\"Statement\": [{\"Resource\": \"${tf:x}\"}]}'",
        "{Statement: [{'${cfn:x}': 1}]}",
        "{Statement: [{Resource: !Join ['', ['$', '{cfn:Ref:B}']]}]}",
        "{Statement: [{Resource: !Sub ['${A}{tf:x}', {A: $}]}]}",
    ] {
        let e = err(&format!("Resources:\n  P: {{Type: AWS::IAM::ManagedPolicy, Properties: {{PolicyDocument: {doc}}}}}\n"));
        assert!(e.contains("declared unknowns are written"), "{doc}: {e}");
    }
    let o = options(&[("AWS::Region", "${cfn:Ref:X}")], &[]);
    assert!(with("Resources:\n  P: {Type: AWS::IAM::ManagedPolicy, Properties: {PolicyDocument: {Statement: [{Resource: !Ref AWS::Region}]}}}\n", &o).is_err());
}

#[test]
fn malformed_templates_are_errors_naming_file_line_and_resource() {
    let e = err("Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties: {}\n");
    assert_eq!(e, "t.yaml:2: P: no `PolicyDocument`");
    let e = err("Resources:\n  Bad-Id: {Type: AWS::S3::Bucket}\n");
    assert!(
        e.starts_with("t.yaml:2: Bad-Id: a logical id must be alphanumeric"),
        "{e}"
    );
    let e = err("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - {PolicyName: a, PolicyDocument: {}}\n        - {PolicyName: a, PolicyDocument: {}}\n");
    assert!(
        e.contains("R/Policies/a: two policies have this address"),
        "{e}"
    );
    let e = err("Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties: {PolicyDocument: {Statement: [{Resource: {'Fn::Sub': x, Other: 1}}]}}\n");
    assert!(e.contains("beside other keys"), "{e}");
    assert!(err("Resources: []\n").contains("not an object"));
    let e = with(
        "{\"Resources\": {}, \"Resources\": {}}",
        &Options::default(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(e, "t.yaml:1:29: invalid JSON: duplicate key `Resources`");
}

#[test]
fn uncertain_yaml_scalars_are_refused_only_where_they_reach_a_policy() {
    let e = err("Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties: {PolicyDocument: {Statement: [{Condition: {NumericEquals: {k: 0x10}}}]}}\n");
    assert!(e.starts_with("t.yaml:4: Resources/P/Properties/PolicyDocument/Statement/0/Condition/NumericEquals/k: the plain scalar `0x10`"), "{e}");
    assert!(
        err("Parameters:\n  P: {Type: String, Default: 010}\nResources: {}\n").contains("`010`")
    );
    // Elsewhere, the template is read.
    assert!(
        policies("Resources:\n  I: {Type: AWS::EC2::Instance, Properties: {Port: 0x50}}\n")
            .is_empty()
    );
}

#[test]
fn transforms_and_for_each_are_noted() {
    let e = extract(
        "t.yaml",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn::ForEach::X: [a, [b], {}]\n",
        &Options::default(),
    )
    .unwrap();
    assert_eq!(e.notes.len(), 2, "{:?}", e.notes);
    assert!(e.notes[0].contains("AWS::Serverless-2016-10-31"));
}
