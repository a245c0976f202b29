//! No input makes the library panic: arbitrary text and arbitrary JSON through every parser,
//! and whatever parses through the refiner.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use iam_refine::{refine, Catalog, Findings, Policy};
use proptest::prelude::*;
use serde_json::Value;

fn catalog() -> &'static Catalog {
    static C: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    C.get_or_init(Catalog::embedded)
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just("Allow".to_string()),
            Just("Deny".to_string()),
            Just("*".to_string()),
            Just("s3:Get*".to_string()),
            Just("s3:GetObject".to_string()),
            Just("iam:*AccessKey?".to_string()),
            Just("%7B%22Statement%22%3A%5B%5D%7D".to_string()),
            "[a-zA-Z:*?%é{}\" ]{0,12}",
        ]
        .prop_map(Value::String),
    ];
    let keys = prop_oneof![
        Just("Statement"),
        Just("Effect"),
        Just("Action"),
        Just("NotAction"),
        Just("Resource"),
        Just("PolicyVersion"),
        Just("Document"),
        Just("PolicyDocument"),
        Just("serviceNamespace"),
        Just("actions"),
        Just("action"),
        Just("findingDetails"),
        Just("unusedPermissionDetails"),
        Just("findingType"),
        Just("s3"),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic_on_text(text in "\\PC{0,80}") {
        let _ = Policy::parse(&text);
        let _ = Findings::parse(&text);
        let _ = Catalog::from_json(&text, "t".into());
        let _ = Catalog::from_tsv(&text);
    }

    #[test]
    fn parsers_and_refiner_never_panic_on_json(v in json_value(), f in json_value()) {
        let text = v.to_string();
        let _ = Catalog::from_json(&text, "t".into());
        let policy = Policy::parse(&text);
        let findings = Findings::parse(&f.to_string());
        if let (Ok(policy), Ok(findings)) = (policy, findings) {
            let r = refine(&policy, &findings.resolve(catalog()));
            let _ = r.policy.to_pretty_json();
        }
    }

    #[test]
    fn refiner_never_panics_on_odd_patterns(patterns in prop::collection::vec("[a-zA-Z0-9:*?é\\-]{0,10}", 1..5),
                                            unused in prop::collection::vec("[a-zA-Z0-9é]{1,8}", 0..4)) {
        let doc = serde_json::json!({"Statement": [{"Effect": "Allow", "Action": patterns}]});
        let findings = serde_json::json!([{"serviceNamespace": "s3", "actions": unused}, {"serviceNamespace": "é"}]);
        if let (Ok(p), Ok(f)) = (Policy::parse(&doc.to_string()), Findings::parse(&findings.to_string())) {
            let _ = refine(&p, &f.resolve(catalog())).policy.to_pretty_json();
        }
    }
}
