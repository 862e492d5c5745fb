//! End-to-end and cross-checking tests: the real `trailgrant` binary on the
//! fixtures, in one test binary with a module per topic to keep build size
//! down.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report failures by panicking"
)]

mod acceptance;
mod hostile;
mod learn;
mod policy_oracle;
mod properties;
mod support;
