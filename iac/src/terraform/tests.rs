//! Unit tests of the plan reader.
