//! `trailgrant self-policy`: the read-only IAM policy the tool needs.

use anyhow::bail;
use trailgrant::aws::query::is_bucket_name;
use trailgrant::aws::{self_policy, KmsKey, SelfPolicyRequest, SourceKind};
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

    /// Narrow the S3 statements to the trail's bucket: a name, or
    /// `s3://BUCKET[/PREFIX]` to narrow them to the trail's prefix too.
    /// For `--source s3` and `--source athena`.
    #[arg(long, value_name = "BUCKET")]
    bucket: Option<String>,

    /// Add `kms:Decrypt` on the KMS key (ARN) the trail encrypts its log
    /// files with (SSE-KMS). For `--source s3` and `--source athena`.
    #[arg(long, value_name = "KEY_ARN")]
    kms_key: Option<String>,

    /// Narrow the query results statements to this location
    /// (`s3://BUCKET[/PREFIX]`, as given to `learn --output-location`)
    /// instead of the default `aws-athena-query-results-*` buckets. For
    /// `--source athena`.
    #[arg(long, value_name = "S3_URL")]
    output_location: Option<String>,
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
    let reads_bucket = matches!(args.source, Source::S3 | Source::Athena);
    if !reads_bucket && (args.bucket.is_some() || args.kms_key.is_some()) {
        bail!("`--bucket` and `--kms-key` apply to `--source s3` and `--source athena` only");
    }
    if !matches!(args.source, Source::Athena) && args.output_location.is_some() {
        bail!("`--output-location` applies to `--source athena` only");
    }
    if let Some(bucket) = &args.bucket {
        let (bucket, prefix) = parse_bucket(bucket, "--bucket")?;
        request.bucket = Some(bucket);
        request.prefix = Some(prefix);
    }
    if let Some(key) = &args.kms_key {
        request.kms_key = Some(KmsKey::parse(key).map_err(anyhow::Error::msg)?);
    }
    if let Some(location) = &args.output_location {
        if !location.starts_with("s3://") {
            bail!("`--output-location {location}` is not an S3 URL (`s3://BUCKET[/PREFIX]`)");
        }
        request.results = Some(parse_bucket(location, "--output-location")?);
    }
    let policy = self_policy(&request)?;
    write_stdout(&format!("{}\n", serde_json::to_string_pretty(&policy)?))?;
    Ok(Exit::NoDenials)
}

/// Splits a bucket name or `s3://BUCKET[/PREFIX]` into the bucket and the
/// prefix without slashes at either end.
fn parse_bucket(text: &str, flag: &str) -> anyhow::Result<(String, String)> {
    let Some(rest) = text.strip_prefix("s3://") else {
        if !is_bucket_name(text) {
            bail!(
                "`{flag} {text}` is not an S3 bucket name (3 to 63 lower-case letters, digits, \
                 `.` and `-`) or `s3://BUCKET[/PREFIX]`"
            );
        }
        return Ok((text.to_owned(), String::new()));
    };
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if !is_bucket_name(bucket) {
        bail!("`{flag} {text}` does not name a valid S3 bucket");
    }
    Ok((bucket.to_owned(), prefix.trim_matches('/').to_owned()))
}
