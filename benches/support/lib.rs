//! What the refiner's benchmarks and its profiler share: [`synthetic`] catalogs of any
//! size, the [`scenarios`] they time (the README example, `ReadOnlyAccess`, `*`, the
//! corpus), and [`memory`] readings. The corpus and the random generator come from
//! `iam-refine-tests`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // bench code: a failed assumption is a failed run

pub mod memory;
pub mod scenarios;
pub mod synthetic;
