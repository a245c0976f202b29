//! What the tests and benchmarks of every crate share, in one place:
//!
//! - [`rng`]: the one random generator (SplitMix64) and per-name seeds;
//! - [`corpus`](mod@corpus): the vendored corpus of AWS managed policies, and sweep sizes;
//! - the brute-force model of IAM action matching, written independently of the library and
//!   the prover: [`glob`](mod@glob) (matching by definition), [`words`] (the CamelCase rule),
//!   [`universe`] (the indexed names it enumerates), [`unused`] (what findings name),
//!   [`check`](mod@check) (a refinement judged name by name);
//! - [`findings`]: random findings for a policy;
//! - [`document`]: a policy document read as plain JSON;
//! - [`mutation`]: refinements broken on purpose, and [`witness`]: a prover counterexample
//!   re-checked by the model;
//! - [`naive`]: a naive refiner, for measurements;
//! - [`example`]: the README's example as prover fixtures; [`embedded`]: the embedded
//!   catalog, its names and its model, built once per process;
//! - [`parallel`]: sweeps on every core;
//! - [`requests`]: the brute-force universe of requests for a set of policies, for the
//!   concrete evaluator and the prover's request-level theorems.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

pub mod check;
pub mod corpus;
pub mod document;
pub mod embedded;
pub mod example;
pub mod findings;
pub mod glob;
pub mod mutation;
pub mod naive;
pub mod parallel;
pub mod requests;
pub mod rng;
pub mod universe;
pub mod unused;
pub mod witness;
pub mod words;

pub use check::{check, tag_statements};
pub use corpus::{corpus, corpus_policy, corpus_sample, full_sweep, CorpusPolicy};
pub use embedded::{catalog_model, catalog_names, embedded_catalog};
pub use findings::random_findings;
pub use glob::{contains_prefix, entry_contained, glob};
pub use parallel::par_map;
pub use requests::{KeyDomain, Universe};
pub use rng::{seed_of, Rng};
pub use universe::Model;
pub use unused::{plain_unused, UnusedSet};
pub use words::word_prefixes;
