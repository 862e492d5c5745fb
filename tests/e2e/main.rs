//! End-to-end tests: the real `trailgrant` binary on the fixtures, one test
//! binary with a module per topic.

mod acceptance;
mod learn;
mod support;
