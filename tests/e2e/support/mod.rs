//! Helpers shared by the end-to-end tests.

pub mod authorizer;
pub mod simulator;
