//! End-to-end tests: each runs the real `trailgrant` binary in a temporary
//! directory, with AWS endpoints and the catalog cache pointed at places the
//! test owns.

// Helpers outside `#[test]` functions are test code too: they should fail
// loudly, as the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code fails loudly"
)]

mod catalog;
mod support;
