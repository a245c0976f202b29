use super::*;

const DOC: &str = r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
        {"Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
    ]}"#;

#[test]
fn parses_a_document_and_round_trips_it() {
    let p = Policy::parse(DOC).expect("valid");
    assert_eq!(p.statements.len(), 2);
    assert_eq!(p.statements[0].effect, Effect::Allow);
    assert_eq!(p.statements[0].patterns, ["s3:Get*"]);
    assert_eq!(p.statements[1].key, ActionKey::NotAction);
    let original: Value = serde_json::from_str(DOC).expect("json");
    assert_eq!(p.to_value(), original);
    // Key order survives, including Action's place between Effect and Resource.
    let keys: Vec<String> = p.to_value()["Statement"][0]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["Sid", "Effect", "Action", "Resource"]);
}

#[test]
fn unwraps_cli_shapes_and_url_encoding() {
    let doc: Value = serde_json::from_str(DOC).expect("json");
    let managed = serde_json::json!({"PolicyVersion": {"Document": doc, "VersionId": "v3"}});
    let p = Policy::parse(&managed.to_string()).expect("managed");
    assert_eq!(p.kind, PolicyKind::Managed);
    assert_eq!(p.to_value(), doc);

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
    let role = serde_json::json!({"RoleName": "R", "PolicyName": "P", "PolicyDocument": encoded});
    let p = Policy::parse(&role.to_string()).expect("role inline");
    assert_eq!(p.kind, PolicyKind::RoleInline);
    assert_eq!(p.to_value(), doc);

    let p = Policy::parse(&encoded).expect("bare url-encoded text");
    assert_eq!(p.to_value(), doc);
    let user = serde_json::json!({"UserName": "u", "PolicyDocument": doc});
    assert_eq!(
        Policy::parse(&user.to_string()).map(|p| p.kind),
        Ok(PolicyKind::UserInline)
    );
}

#[test]
fn single_statement_object_stays_an_object() {
    let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}}"#;
    let p = Policy::parse(text).expect("valid");
    let s = p.statements[0].with_patterns(vec!["s3:GetObject".into()]);
    let v = p.with_statements(vec![s]).to_value();
    assert!(v["Statement"].is_object());
    assert_eq!(
        v["Statement"]["Action"],
        serde_json::json!(["s3:GetObject"])
    );
}

fn err(text: &str) -> String {
    Policy::parse(text).map(|_| ()).unwrap_err().to_string()
}

#[test]
fn errors_name_the_statement_and_the_problem() {
    assert_eq!(
        err(
            r#"{"Statement": [{"Effect": "Allow", "Action": "s3:*"}, {"Effect": "Allow", "Action": "s3:*"}, {"Effect": "allow", "Action": "x:y"}]}"#
        ),
        "statement 3: Effect must be Allow or Deny, found `allow`"
    );
    assert_eq!(
        err(r#"{"Statement": {"Effect": "Allow"}}"#),
        "statement 1: needs `Action` or `NotAction`"
    );
    assert_eq!(
        err(r#"{"Statement": {"Effect": "Allow", "Action": "a:b", "NotAction": "c:d"}}"#),
        "statement 1: has both `Action` and `NotAction`"
    );
    assert_eq!(
        err(r#"{"Statement": {"Effect": "Allow", "Action": ["a:b", 3]}}"#),
        "statement 1: `Action` must be a string or an array of strings, found a number `3`"
    );
    assert_eq!(
        err(r#"{"Statement": {"Effect": "Allow", "Action": []}}"#),
        "statement 1: `Action` is empty"
    );
    assert_eq!(err(r#"{"Statement": []}"#), "the policy has no statement");
    assert_eq!(
        err(r#"{"Statement": [3]}"#),
        "statement 1: expected an object, found a number `3`"
    );
    assert_eq!(
        err(r#"{"Statement": {"Action": "a:b"}}"#),
        "statement 1: `Effect` is missing"
    );
    assert_eq!(
        err(r#"{"Version": "2012-10-17"}"#),
        "expected an IAM policy document (an object with `Statement`), found an object with keys `Version`"
    );
    assert_eq!(
        err("{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",}\n  ]\n}"),
        "invalid JSON at line 3, column 24: trailing comma"
    );
    assert!(
        err("%7B%zz").starts_with("invalid URL encoding: `%zz`"),
        "{}",
        err("%7B%zz")
    );
    assert_eq!(
        err(r#"{"Statement": {"Effect": 3, "Action": "a:b"}}"#),
        "statement 1: Effect must be Allow or Deny, found a number `3`"
    );
    assert_eq!(
        err(r#"{"Statement": "x"}"#),
        "`Statement` must be an object or an array of objects, found a string `x`"
    );
}

#[test]
fn values_come_out_exactly_as_written() {
    let text = r#"{"Version": "2012-10-17", "Id": "x\u00e9\n", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"NumericLessThan": {"s3:max-keys": [100000000000000000000001, 1.00000000000000000001, 1e3, -0, 1E+2, 0.10]}}}]}"#;
    let p = Policy::parse(text).expect("valid");
    let out = p.to_pretty_json();
    for n in [
        "100000000000000000000001",
        "1.00000000000000000001",
        "1e3",
        "-0",
        "1E+2",
        "0.10",
    ] {
        assert!(
            out.contains(&format!("{n},")) || out.contains(&format!("{n}\n")),
            "{n} lost in {out}"
        );
    }
    // Through the refiner's rewrite too.
    let s = p.statements[0].with_patterns(vec!["s3:GetObjectAcl".into()]);
    let out = p.with_statements(vec![s]).to_pretty_json();
    assert!(
        out.contains("100000000000000000000001,") && out.contains("1e3,"),
        "{out}"
    );
    // Serialize and to_value agree.
    assert_eq!(
        serde_json::to_string(&p).expect("serialises"),
        p.to_value().to_string()
    );
}

#[test]
fn duplicate_effect_is_an_error_never_an_allow() {
    assert_eq!(
        err(r#"{"Statement": {"Effect": "Deny", "Effect": "Allow", "Action": "*"}}"#),
        "invalid JSON at line 1, column 41: duplicate key `Effect`"
    );
    assert!(
        err(r#"{"Statement": {"Effect": "Allow", "Action": "*", "Action": "s3:Get*"}}"#)
            .ends_with("duplicate key `Action`")
    );
    assert!(
        err(r#"{"Statement": [], "Statement": [{"Effect": "Allow", "Action": "*"}]}"#)
            .ends_with("duplicate key `Statement`")
    );
}

#[test]
fn size_counts_non_ascii_characters_once() {
    let p = Policy::parse(r#"{"Statement": {"Effect": "Allow", "Action": "a:é\u00a0ü"}}"#)
        .expect("valid");
    // U+00A0 is whitespace to `char::is_whitespace`, as before.
    assert_eq!(
        p.size(),
        r#"{"Statement":{"Effect":"Allow","Action":"a:éü"}}"#
            .chars()
            .count()
    );
}

#[test]
fn size_ignores_whitespace() {
    let p =
        Policy::parse(r#"{"Statement": {"Effect": "Allow", "Action": "a:b c"}}"#).expect("valid");
    // {"Statement":{"Effect":"Allow","Action":"a:bc"}} minus the space inside the string
    assert_eq!(
        p.size(),
        r#"{"Statement":{"Effect":"Allow","Action":"a:bc"}}"#.len()
    );
    assert_eq!(PolicyKind::Managed.quota(), 6_144);
    assert_eq!(PolicyKind::RoleInline.quota(), 10_240);
}

/// The direct count of action lists agrees with counting the serialised policy, on
/// patterns with quotes, backslashes, control characters, Unicode and ASCII whitespace, as
/// single strings and lists, in one statement and several.
#[test]
fn size_counted_directly_agrees_with_serialising() {
    let odd = [
        "s3:Get*",
        "a\"b",
        "c\\d",
        "e\nf\tg\rh",
        "i\u{0001}j\u{001f}k",
        "l\u{0008}m\u{000c}n",
        "o p",
        "q\u{00a0}r",
        "é\u{2028}ü",
        "\u{007f}",
    ];
    let mut docs = Vec::new();
    for (i, a) in odd.iter().enumerate() {
        let action = serde_json::to_string(a).unwrap();
        docs.push(format!(r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Action": {action}, "Resource": "*"}}}}"#));
        let list: Vec<&str> = odd.iter().skip(i).copied().collect();
        let list = serde_json::to_string(&list).unwrap();
        docs.push(format!(r#"{{"Statement": [{{"Sid": "x y", "Effect": "Allow", "Action": {list}}}, {{"Effect": "Deny", "NotAction": ["x:y"], "Resource": ["a", "b"]}}], "Id": "i d"}}"#));
    }
    for doc in docs {
        let p = Policy::parse(&doc).expect("valid");
        assert_eq!(p.size(), p.size_by_serialising(), "{doc}");
        let q = p.statements[0].with_patterns(vec![]);
        let mut p2 = p.clone();
        p2.statements[0] = q;
        assert_eq!(
            p2.size(),
            p2.size_by_serialising(),
            "{doc} without patterns"
        );
    }
}

#[test]
fn into_value_is_to_value() {
    for text in [
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#,
        r#"{"Statement": [{"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}, {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*", "Condition": {"NumericLessThan": {"s3:max-keys": [1e3, 0.10]}}}], "Id": "x"}"#,
        r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    ] {
        let p = Policy::parse(text).expect("valid");
        assert_eq!(p.clone().into_value(), p.to_value(), "{text}");
        assert_eq!(p.clone().into_value().to_string(), p.to_value().to_string());
        // Rewritten lists, one and several names, as the refiner writes them.
        for names in [vec![], vec!["s3:GetObjectAcl"], vec!["s3:Get*", "s3:List*"]] {
            let statements = p
                .statements
                .iter()
                .map(|s| s.with_patterns(names.iter().map(|n| n.to_string()).collect()))
                .collect();
            let q = p.with_statements(statements);
            assert_eq!(q.clone().into_value(), q.to_value(), "{text} {names:?}");
        }
    }
}
