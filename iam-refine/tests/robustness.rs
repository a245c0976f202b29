//! No input makes the library panic: arbitrary text and arbitrary JSON through every parser,
//! and whatever parses through the refiner; also JSON text with repeated keys, numbers in
//! every spelling and objects of several shapes, and patterns made mostly of wildcards.
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

/// JSON text that `Value` cannot hold: objects may repeat keys; numbers come in odd
/// spellings.
fn json_text() -> impl Strategy<Value = String> {
    let number = prop_oneof![
        Just("1e3"),
        Just("-0"),
        Just("1E+2"),
        Just("100000000000000000000001"),
        Just("1.00000000000000000001"),
        Just("0.5e-7"),
        Just("18446744073709551616"),
        Just("-9223372036854775809"),
    ];
    let leaf = prop_oneof![
        number.prop_map(str::to_string),
        Just("\"Allow\"".to_string()),
        Just("\"Deny\"".to_string()),
        Just("\"*\"".to_string()),
        Just("\"s3:Get*\"".to_string()),
        Just("\"*x*y*?*\"".to_string()),
        Just("\"$serde_json::private::Number\"".to_string()),
        Just("null".to_string()),
    ];
    let key = prop_oneof![
        Just("Statement"),
        Just("Effect"),
        Just("Action"),
        Just("NotAction"),
        Just("PolicyVersion"),
        Just("Document"),
        Just("PolicyDocument"),
        Just("recommendedSteps"),
        Just("serviceNamespace"),
        Just("actions"),
        Just("findingDetails"),
        Just("s3"),
        Just("$serde_json::private::Number"),
    ];
    leaf.prop_recursive(4, 48, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((key.clone(), inner), 0..5).prop_map(|kv| {
                let fields: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic_on_json_text_with_repeats(text in json_text(), f in json_text()) {
        let _ = iam_refine::parse_json_text(&text);
        let _ = Catalog::from_json(&text, "t".into());
        let policy = Policy::parse(&text);
        let findings = Findings::parse(&f);
        if let Ok(p) = &policy {
            // What was accepted prints and reads back the same.
            let again = Policy::parse(&p.to_pretty_json()).expect("own output parses");
            prop_assert_eq!(again.to_value(), p.to_value());
        }
        if let (Ok(policy), Ok(findings)) = (policy, findings) {
            let _ = refine(&policy, &findings.resolve(catalog())).policy.to_pretty_json();
        }
    }

    #[test]
    fn refiner_never_panics_on_wildcard_heavy_patterns(
        patterns in prop::collection::vec("[a-z:*?]{1,12}", 1..8),
        unused in prop::collection::vec(0usize..22_000, 0..40),
    ) {
        let doc = serde_json::json!({"Statement": [{"Effect": "Allow", "Action": patterns},
                                                   {"Effect": "Allow", "NotAction": ["*?*x"]}]});
        let c = catalog();
        let names: Vec<String> = unused.iter().map(|&i| c.name(i % c.len()).to_string()).collect();
        let findings = Findings::from_names(&names, &[]);
        if let Ok(p) = Policy::parse(&doc.to_string()) {
            let _ = refine(&p, &findings.resolve(c)).policy.to_pretty_json();
        }
    }

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
