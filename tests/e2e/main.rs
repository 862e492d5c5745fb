//! End-to-end tests: the real binary and the library's public pipeline on
//! the scenario fixtures under `fixtures/`, checked by the tools of each
//! ecosystem the output is meant for.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test at the first unexpected value"
)]

mod render;
mod support;
