//! `trailgrant self-policy`: the read-only IAM policy the tool needs.

use trailgrant::aws::{self_policy, SelfPolicyRequest, SourceKind};
use trailgrant::record::{arn_partition, RoleSelector};

use super::aws_args::write_stdout;
use super::Exit;

/// Flags of `self-policy`.
#[derive(Debug, clap::Args)]
pub struct SelfPolicyArgs {
    /// The event source the policy must cover.
    #[arg(long, value_enum, default_value_t = Source::Lookup)]
    source: Source,

    /// Also cover reading the role's policies from IAM (`learn --from-iam`).
    #[arg(long)]
    from_iam: bool,

    /// Narrow the IAM statements to this role (ARN or name).
    #[arg(long, value_name = "ROLE")]
    role: Option<String>,

    /// Narrow the S3 statements to the trail's bucket.
    #[arg(long, value_name = "NAME")]
    bucket: Option<String>,
}

/// `--source` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Source {
    /// CloudTrail LookupEvents.
    Lookup,
    /// The trail's log files in S3.
    S3,
    /// An Athena table over the trail's bucket.
    Athena,
    /// A CloudTrail Lake event data store.
    Lake,
}

/// Runs `self-policy`: prints the policy document on stdout.
pub fn run(args: SelfPolicyArgs) -> anyhow::Result<Exit> {
    let source = match args.source {
        Source::Lookup => SourceKind::Lookup,
        Source::S3 => SourceKind::S3,
        Source::Athena => SourceKind::Athena,
        Source::Lake => SourceKind::Lake,
    };
    let mut request = SelfPolicyRequest::new(source, args.from_iam);
    if let Some(role) = &args.role {
        request.role = Some(RoleSelector::parse(role).map_err(anyhow::Error::msg)?);
        request.partition = arn_partition(role).unwrap_or("aws").to_owned();
    }
    request.bucket = args.bucket;
    let policy = self_policy(&request)?;
    write_stdout(&format!("{}\n", serde_json::to_string_pretty(&policy)?))?;
    Ok(Exit::NoDenials)
}
