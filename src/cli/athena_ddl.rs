//! `trailgrant athena-ddl`: the `CREATE EXTERNAL TABLE` statement of an
//! Athena table over a trail bucket, for users without a CloudTrail table.

use anyhow::bail;
use chrono::NaiveDate;

use trailgrant::aws::ddl::{athena_ddl, DdlRequest};
use trailgrant::aws::query::{is_account_id, is_bucket_name, TrailLocation};
use trailgrant::aws::{search_regions, AwsOptions, SdkConfig};

use super::aws_args::write_stdout;
use super::Exit;

/// Flags of `athena-ddl`.
#[derive(Debug, clap::Args)]
pub struct AthenaDdlArgs {
    /// The trail's bucket: a name, or `s3://BUCKET[/PREFIX][/AWSLogs/o-ORG]`.
    #[arg(long, value_name = "BUCKET")]
    bucket: String,

    /// The trail's S3 key prefix, when `--bucket` is a bare name.
    #[arg(long, value_name = "PREFIX")]
    prefix: Option<String>,

    /// The organization id (`o-…`) of an organization trail.
    #[arg(long, value_name = "ORG_ID")]
    org_id: Option<String>,

    /// The table to create, optionally `DATABASE.TABLE`.
    #[arg(long, value_name = "NAME", default_value = "cloudtrail_org")]
    table: String,

    /// An account to project (repeatable). Without any, every query must
    /// name its accounts, which `learn --athena` does.
    #[arg(long = "account", value_name = "ACCOUNT")]
    accounts: Vec<String>,

    /// A region to project (repeatable); `us-east-1`, where global services
    /// record their events, is always added. Defaults to every region
    /// enabled by default.
    #[arg(long = "region", value_name = "REGION", value_parser = super::aws_args::parse_region)]
    regions: Vec<String>,

    /// The first day of the projected dates, `YYYY/MM/DD`.
    #[arg(long, value_name = "DAY", default_value = "2020/01/01")]
    first_day: String,
}

/// Runs `athena-ddl`.
pub fn run(args: &AthenaDdlArgs) -> anyhow::Result<Exit> {
    if !args.bucket.starts_with("s3://") && !is_bucket_name(&args.bucket) {
        bail!(
            "`--bucket {}` is not an S3 bucket name (3 to 63 lower-case letters, digits, `.` and \
             `-`) or `s3://BUCKET[/PREFIX]`",
            args.bucket
        );
    }
    let url = if args.bucket.starts_with("s3://") {
        if args.prefix.is_some() {
            bail!("give the prefix inside the `--bucket` URL or with `--prefix`, not both");
        }
        args.bucket.clone()
    } else {
        let prefix = args.prefix.as_deref().unwrap_or_default();
        format!("s3://{}/{}", args.bucket, prefix.trim_matches('/'))
    };
    let (location, account) =
        TrailLocation::parse(&url, args.org_id.as_deref()).map_err(anyhow::Error::msg)?;
    // The location goes into a quoted SQL string literal.
    if let Some(bad) = location
        .prefix
        .chars()
        .find(|c| matches!(c, '\'' | '\\') || c.is_control())
    {
        bail!(
            "the trail prefix `{}` holds {bad:?}, which the DDL cannot quote; create the table \
             by hand",
            location.prefix.escape_debug()
        );
    }
    if account.is_some() {
        bail!("`--bucket` names an account folder; give the accounts with `--account`");
    }
    if let Some(account) = args.accounts.iter().find(|a| !is_account_id(a)) {
        bail!("`{account}` is not a 12-digit account id");
    }
    if NaiveDate::parse_from_str(&args.first_day, "%Y/%m/%d").is_err() {
        bail!(
            "`--first-day {}` is not a day such as `2024/01/31`",
            args.first_day
        );
    }
    let table_valid = args.table.split('.').count() <= 2
        && args.table.split('.').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
    if !table_valid {
        bail!(
            "`{}` is not a table name (`[DATABASE.]TABLE`, letters, digits and `_`)",
            args.table
        );
    }
    let options = AwsOptions {
        regions: args.regions.clone(),
        all_regions: args.regions.is_empty(),
        ..AwsOptions::default()
    };
    let request = DdlRequest {
        location,
        table: args.table.clone(),
        accounts: args.accounts.clone(),
        regions: search_regions(&SdkConfig::builder().build(), &options),
        first_day: args.first_day.clone(),
    };
    write_stdout(&athena_ddl(&request))?;
    Ok(Exit::NoDenials)
}
