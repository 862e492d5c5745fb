//! Flags and plumbing shared by the subcommands that call AWS: profile,
//! regions and timeout flags, the Tokio runtime, the current time, and
//! writing results to stdout.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use trailgrant::aws::AwsOptions;
use trailgrant::clock::{Clock, SystemClock};
use trailgrant::record::parse_time;

/// How the tool reaches AWS. The standard credential chain applies, and
/// `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` override endpoints.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AwsArgs {
    /// Use this profile from the AWS config files.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Search this region (repeatable); the first one is also the SDK's
    /// region. `us-east-1` is always searched, because IAM, global STS and
    /// CloudFront record their events there.
    #[arg(long = "region", value_name = "REGION", value_parser = parse_region)]
    pub regions: Vec<String>,

    /// Search every region enabled by default in the partition.
    #[arg(long)]
    pub all_regions: bool,

    /// Abandon one attempt of an API call after this long and retry it
    /// (for example `20s`).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub api_timeout: Option<Duration>,
}

impl AwsArgs {
    /// Converts the flags into the library's options.
    pub fn options(&self) -> AwsOptions {
        AwsOptions {
            profile: self.profile.clone(),
            regions: self.regions.clone(),
            all_regions: self.all_regions,
            endpoint_url: None,
            attempt_timeout: self.api_timeout,
        }
    }
}

/// Checks a region name such as `us-west-2`, `us-gov-west-1` or
/// `eusc-de-east-1`.
pub(super) fn parse_region(text: &str) -> Result<String, String> {
    let valid = regex::Regex::new(r"^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$")
        .map_err(|error| error.to_string())?
        .is_match(text);
    if valid {
        Ok(text.to_owned())
    } else {
        Err(format!("`{text}` is not a region name such as `us-west-2`"))
    }
}

/// Builds the Tokio runtime the AWS calls run on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("failed to start the async runtime")
}

/// Returns the current time: `TRAILGRANT_NOW` when set (so runs against
/// recorded fixtures are reproducible), else the system clock.
pub fn now() -> anyhow::Result<DateTime<Utc>> {
    match std::env::var("TRAILGRANT_NOW") {
        Ok(text) => {
            parse_time(&text).with_context(|| format!("`TRAILGRANT_NOW` is not a time: `{text}`"))
        }
        Err(_) => Ok(SystemClock.now()),
    }
}

/// Writes `text` to stdout; a closed pipe (`trailgrant … | head`) counts as
/// success.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("failed to write to stdout")
        }
        _ => Ok(()),
    }
}

/// Replaces control characters (terminal escapes included) and
/// bidirectional overrides with visible `\u{…}` escapes, for text that came
/// from event fields.
pub fn printable(text: &str) -> String {
    trailgrant::sanitize::terminal_safe(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_validate() {
        assert_eq!(parse_region("us-gov-west-1").unwrap(), "us-gov-west-1");
        assert!(parse_region("useast1").is_err());
        assert!(parse_region("US-EAST-1").is_err());
    }

    #[test]
    fn control_characters_become_escapes() {
        assert_eq!(printable("a\u{1b}[31mb\n"), "a\\u{1b}[31mb\\u{a}");
    }
}
