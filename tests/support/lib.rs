//! What the tests of every crate share: the brute-force model of IAM action matching
//! ([`model`]), the naive refiner ([`naive`]), and the README's example as prover fixtures
//! ([`example`]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod example;
pub mod model;
pub mod naive;

pub use model::*;
