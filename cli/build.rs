//! Fixes the build identity (`build_id.rs`) at build time, for `iam-refine` and for
//! `iam-refine-prover` (whose `build.rs` is this file): `IAM_REFINE_BUILD_ID`.
//!
//! In the workspace, the identity hashes every source of both binaries; in a published
//! package (no workspace around it), the package's own sources, which the two packages
//! share.

#[path = "build_id.rs"]
mod build_id;

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = std::env::var("CARGO_MANIFEST_DIR")?;
    let manifest = Path::new(&manifest);
    // `cli/` or `prover/`: the workspace root is the parent of either.
    let workspace = manifest.parent().filter(|root| {
        root.join("cli/build_id.rs").is_file() && root.join("prover/Cargo.toml").is_file()
    });
    let (root, entries, hash) = match workspace {
        Some(root) => (root, build_id::SOURCES, build_id::source_hash(root)?),
        None => (
            manifest,
            build_id::PACKAGE_SOURCES,
            build_id::package_hash(manifest)?,
        ),
    };
    for entry in entries {
        // A folder is scanned for any change to a file in it.
        println!("cargo:rerun-if-changed={}", root.join(entry).display());
    }
    let version = std::env::var("CARGO_PKG_VERSION")?;
    println!(
        "cargo:rustc-env=IAM_REFINE_BUILD_ID={}",
        build_id::build_id(&version, &hash)
    );
    Ok(())
}
