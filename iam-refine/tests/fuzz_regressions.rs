//! Inputs the fuzz targets (`fuzz/`) once failed on, kept as plain tests so that
//! `cargo test` checks them without nightly. The raw inputs are in `fuzz/regressions/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use iam_refine::{refine, AccessLevel, Catalog, CatalogInfo, Entry, Findings, Pattern, Policy};

/// `refine` target, `crash-7070a901…`: `["*", "ab", "*"]` with the service `ab` wholly
/// unused. The model took the name `ab` (no `:`) to be in service `ab`; IAM names are
/// `service:action`, so it is in no service, stays allowed, and only `ab:…` goes. The
/// refiner was right; the test pins it.
#[test]
fn a_name_without_a_colon_is_in_no_service() {
    let catalog = Catalog::from_entries(
        vec![Entry {
            service: "s3".into(),
            action: "Do".into(),
            level: AccessLevel::Read,
        }],
        CatalogInfo::default(),
    )
    .expect("valid");
    let policy = Policy::parse(r#"{"Statement": [{"Sid": "S0", "Effect": "Allow", "Action": ["*", "ab", "*"], "Resource": "*"}]}"#)
        .expect("valid");
    let findings = Findings::from_names::<&str>(&[], &["ab"]);
    let r = refine(&policy, &findings.resolve(&catalog));
    let allowed = |name: &str| {
        r.policy.statements[0]
            .patterns
            .iter()
            .any(|p| Pattern::new(p).matches(name))
    };
    assert!(allowed("ab"), "{:?}", r.policy.statements[0].patterns);
    assert!(allowed("s3:Do"));
    assert!(!allowed("ab:Anything"));
    assert!(!allowed("ab:"));
}
