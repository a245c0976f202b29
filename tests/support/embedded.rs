//! The embedded catalog, its names as plain data and its brute-force model, each built once
//! per process and shared by every test of the process.

use std::sync::OnceLock;

use iam_refine::Catalog;

use crate::universe::Model;

/// `Catalog::embedded()`, loaded once.
pub fn embedded_catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::embedded)
}

/// Every action name of the embedded catalog, `service:Action`, in catalog order (what the
/// prover takes as its catalog).
pub fn catalog_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let catalog = embedded_catalog();
        (0..catalog.len())
            .map(|i| catalog.name(i).to_string())
            .collect()
    })
}

/// The model of the embedded catalog with no extra names; [`Model::with_extra`] adds a
/// case's names without rebuilding the index.
pub fn catalog_model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::new(embedded_catalog(), Vec::new()))
}
