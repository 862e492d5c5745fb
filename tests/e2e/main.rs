//! End-to-end and cross-checking tests: the real `trailgrant` binary on the
//! fixtures, and the AWS adapter against loopback servers (a LookupEvents
//! server of our own, moto for IAM), in one test binary with a module per
//! topic to keep build size down.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers report failures by panicking"
)]

mod acceptance;
mod anticipate;
mod catalog;
mod hostile;
mod learn;
mod live_iam;
mod live_learn;
mod live_lookup;
mod live_runs;
mod org_sources;
mod policy_oracle;
mod properties;
mod render;
mod samples;
mod support;
mod trust;
