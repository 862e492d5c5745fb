//! trailgrant learns the minimal IAM statements a role was missing from the
//! CloudTrail records of its denied calls.
//!
//! The library is a pipeline of plain functions over plain types:
//!
//! ```text
//! source ─► record ─► denial ─► requirement ─► proposal ─► diff ─► render
//! ```
//!
//! * [`source`] reads every shape CloudTrail events come in (files, stdin,
//!   and the AWS sources in [`aws`]) and hands out raw records;
//! * [`record`] is the CloudTrail event model and the role filter;
//! * [`denial`] decides whether a record is an authorization failure and
//!   parses its error message;
//! * [`requirement`] says what one denial needs: actions, resources, request
//!   context and the cause;
//! * [`proposal`] merges the requirements into minimal statements and
//!   remedies;
//! * [`diff`] compares them with the role's current policy;
//! * [`render`] writes every output format from the same in-memory report.
//!
//! Only [`source`], [`aws`], [`render`] and the workflow reader
//! ([`anticipate::read_workflow`]) do I/O; the binary owns the terminal and
//! the exit code.

pub mod anticipate;
pub mod aws;
pub mod catalog;
pub mod clock;
pub mod denial;
pub mod diff;
pub mod learn;
pub mod policy;
pub mod proposal;
pub mod record;
pub mod remedy;
pub mod render;
pub mod requirement;
pub mod sanitize;
pub mod source;
pub mod trust;
