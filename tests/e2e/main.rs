//! End-to-end tests, in one test binary to keep the build small.

// clippy.toml re-allows these inside `#[test]` functions only; the helpers
// here are test code too, where a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

mod anticipate;
mod support;
