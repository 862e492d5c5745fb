//! End-to-end tests: the `trailgrant` binary and its AWS adapter against
//! loopback servers (a LookupEvents server of our own, moto for IAM), with
//! fake credentials and every endpoint on 127.0.0.1.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test loudly on a broken fixture or server"
)]

mod live_iam;
mod live_lookup;
mod live_runs;
mod support;
