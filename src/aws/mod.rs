//! The AWS adapter: every call the tool makes through the AWS SDK for Rust.
//!
//! This module is the pipeline's live source and its IAM reader. It loads
//! the SDK configuration ([`config`]), lists a role's GitHub Actions runs
//! ([`runs`]), fetches one run's CloudTrail events through LookupEvents
//! ([`lookup`], paced by [`ratelimit`]), reads a role's current policies
//! ([`iam`]), and builds the read-only policy the tool itself needs
//! ([`mod@self_policy`]). Callers see plain [`crate::record::Record`]s and
//! [`crate::policy::PolicyDocument`]s; SDK errors are translated in
//! [`errors`] into messages that say what to do next.
//!
//! The organization-scale sources read a trail's S3 bucket ([`s3`]), query
//! an Athena table over it ([`athena`], whose table [`ddl`] can create) or
//! query a CloudTrail Lake event data store ([`lake`]); the prefixes and SQL
//! they send are built in [`query`].

pub mod athena;
pub mod config;
pub mod ddl;
pub mod errors;
pub mod iam;
pub mod lake;
pub mod lookup;
pub mod query;
pub mod ratelimit;
pub mod results;
pub mod runs;
pub mod s3;
pub mod self_policy;

mod progress;
mod spinner;

pub use config::{config_loader, load_config, search_regions, AwsOptions};
pub use errors::{AwsError, AwsErrorKind};
pub use lookup::{fetch_events, FetchGap, FetchOutcome, LookupScope, TimeWindow, WaitResult};
pub use self_policy::{self_policy, KmsKey, SelfPolicyRequest, SourceKind};

/// Re-exported so callers can pass the loaded configuration around without
/// depending on `aws-types` themselves.
pub use aws_types::SdkConfig;
