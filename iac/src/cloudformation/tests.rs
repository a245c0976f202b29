//! Unit tests of the template reader.
