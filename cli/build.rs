//! Fixes the build identity (`build_id.rs`) at build time, for `iam-refine` and for
//! `iam-refine-prover` (whose manifest names this script): `IAM_REFINE_BUILD_ID`.

#[path = "build_id.rs"]
mod build_id;

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = std::env::var("CARGO_MANIFEST_DIR")?;
    // `cli/` or `prover/`: the workspace root is the parent of either.
    let root = Path::new(&manifest)
        .parent()
        .ok_or("the package has no parent folder")?;
    for entry in build_id::SOURCES {
        // A folder is scanned for any change to a file in it.
        println!("cargo:rerun-if-changed={}", root.join(entry).display());
    }
    let hash = build_id::source_hash(root)?;
    let version = std::env::var("CARGO_PKG_VERSION")?;
    println!(
        "cargo:rustc-env=IAM_REFINE_BUILD_ID={}",
        build_id::build_id(&version, &hash)
    );
    Ok(())
}
