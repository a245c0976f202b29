//! SARIF logs checked against the official SARIF 2.1.0 JSON schema, and read back into
//! `serde-sarif`'s types.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use super::text;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

/// The SARIF 2.1.0 JSON schema, as the `serde-sarif` crate ships it (`src/schema.json`, the
/// schema its types are generated from), found in cargo's copy of that crate.
pub fn sarif_schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let cargo = env!("CARGO");
        // Only this platform's packages: cargo has the sources of those, and of no other.
        let version = std::process::Command::new(cargo)
            .arg("-vV")
            .output()
            .unwrap();
        let host = text(&version.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
            .expect("cargo -vV names the host");
        let out = std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--offline", "--locked"])
            .args(["--filter-platform", &host, "--manifest-path"])
            .arg(root().join("Cargo.toml"))
            .output()
            .expect("cargo metadata runs");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
        let package = meta["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "serde-sarif")
            .expect("serde-sarif is a dev-dependency");
        let dir = Path::new(package["manifest_path"].as_str().unwrap())
            .parent()
            .unwrap()
            .to_path_buf();
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("src/schema.json")).unwrap())
                .unwrap();
        assert_eq!(
            schema["title"],
            "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
        );
        schema
    })
}

/// Fails unless `log` is valid SARIF 2.1.0, naming every violation.
pub fn assert_valid_sarif(log: &Value) {
    let validator = jsonschema::validator_for(sarif_schema()).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}\n{log:#}");
    let typed: Result<serde_sarif::sarif::Sarif, _> = serde_json::from_value(log.clone());
    assert!(typed.is_ok(), "{typed:?}");
}
