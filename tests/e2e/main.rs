//! End-to-end and cross-checking tests, in one test binary to keep build
//! size down.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report failures by panicking"
)]

mod policy_oracle;
