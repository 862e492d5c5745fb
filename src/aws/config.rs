//! Loading the SDK configuration and choosing the regions to search.
//!
//! Credentials, profiles and endpoints come from `aws-config`'s standard
//! chain, so `AWS_PROFILE`, SSO profiles, web identity, `AWS_ENDPOINT_URL`
//! and the per-service `AWS_ENDPOINT_URL_CLOUDTRAIL` / `AWS_ENDPOINT_URL_IAM`
//! overrides all work as they do for the AWS CLI. Retries follow the
//! standard mode (3 attempts unless `AWS_MAX_ATTEMPTS` says otherwise); this
//! module adds timeouts, because the SDK sets none for reading a response
//! and a hanging endpoint would otherwise stall the run for good.

use std::time::Duration;

use aws_config::{BehaviorVersion, ConfigLoader, Region};
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;

/// How long one attempt of an API call may take by default before the SDK
/// gives up on it and retries. LookupEvents pages normally arrive within a
/// few seconds.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);

/// How the tool reaches AWS, as given on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsOptions {
    /// `--profile`: the named profile; the standard chain decides when unset.
    pub profile: Option<String>,
    /// `--region` (repeatable): regions to search. The first one is also the
    /// region of the SDK configuration.
    pub regions: Vec<String>,
    /// `--all-regions`: search every region enabled by default in the
    /// partition.
    pub all_regions: bool,
    /// An endpoint for every service, as `AWS_ENDPOINT_URL` sets it.
    pub endpoint_url: Option<String>,
    /// The timeout of one attempt of a call; [`DEFAULT_ATTEMPT_TIMEOUT`]
    /// when unset.
    pub attempt_timeout: Option<Duration>,
}

/// Returns the `aws-config` loader for these options, for callers that add
/// settings of their own (such as fixed credentials in tests) before
/// loading.
pub fn config_loader(options: &AwsOptions) -> ConfigLoader {
    let attempt = options.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT);
    // Three attempts with backoff fit well within four attempt timeouts.
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(attempt)
        .operation_timeout(attempt.saturating_mul(4))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts);
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = options.regions.first() {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader
}

/// Loads the SDK configuration for these options. Nothing is contacted yet:
/// a missing profile or credential surfaces at the first call.
pub async fn load_config(options: &AwsOptions) -> SdkConfig {
    config_loader(options).load().await
}

/// The regions enabled by default in each partition, as AWS's "Enable or
/// disable AWS Regions in your account" lists them; opt-in regions are
/// searched only when named with `--region`.
const DEFAULT_REGIONS_AWS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "sa-east-1",
];
const DEFAULT_REGIONS_CN: &[&str] = &["cn-north-1", "cn-northwest-1"];
const DEFAULT_REGIONS_GOV: &[&str] = &["us-gov-west-1", "us-gov-east-1"];

/// Returns the region where the partition records events of its global
/// services (IAM, the global STS endpoint, CloudFront).
pub fn global_region(region: Option<&str>) -> &'static str {
    match region {
        Some(region) if region.starts_with("cn-") => "cn-north-1",
        Some(region) if region.starts_with("us-gov-") => "us-gov-west-1",
        _ => "us-east-1",
    }
}

/// Returns the regions to search: the partition's global-service region
/// first, then `--region`s (or every default region with `--all-regions`,
/// or the configured region), without repeats.
pub fn search_regions(config: &SdkConfig, options: &AwsOptions) -> Vec<String> {
    let configured = options
        .regions
        .first()
        .map(String::as_str)
        .or_else(|| config.region().map(Region::as_ref));
    let global = global_region(configured);
    let mut regions = vec![global.to_owned()];
    let mut push = |region: &str| {
        if !regions.iter().any(|known| known == region) {
            regions.push(region.to_owned());
        }
    };
    if options.all_regions {
        let list = match global {
            "cn-north-1" => DEFAULT_REGIONS_CN,
            "us-gov-west-1" => DEFAULT_REGIONS_GOV,
            _ => DEFAULT_REGIONS_AWS,
        };
        list.iter().for_each(|region| push(region));
    }
    options.regions.iter().for_each(|region| push(region));
    if options.regions.is_empty() {
        configured.into_iter().for_each(&mut push);
    }
    regions
}

/// Returns the region for IAM calls: IAM is global, but the SDK still needs
/// a region to sign with, and every region of a partition reaches IAM.
pub(crate) fn iam_region(config: &SdkConfig) -> Region {
    config
        .region()
        .cloned()
        .unwrap_or_else(|| Region::from_static("us-east-1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(region: Option<&'static str>) -> SdkConfig {
        let mut builder = SdkConfig::builder().behavior_version(BehaviorVersion::latest());
        builder.set_region(region.map(Region::from_static));
        builder.build()
    }

    #[test]
    fn global_region_comes_first() {
        let options = AwsOptions {
            regions: vec!["eu-west-1".into()],
            ..AwsOptions::default()
        };
        assert_eq!(
            search_regions(&config(None), &options),
            ["us-east-1", "eu-west-1"]
        );
    }

    #[test]
    fn configured_region_used_without_flags() {
        let options = AwsOptions::default();
        assert_eq!(
            search_regions(&config(Some("us-west-2")), &options),
            ["us-east-1", "us-west-2"]
        );
        assert_eq!(search_regions(&config(None), &options), ["us-east-1"]);
    }

    #[test]
    fn repeated_regions_collapse() {
        let options = AwsOptions {
            regions: vec!["us-east-1".into(), "us-west-2".into(), "us-west-2".into()],
            ..AwsOptions::default()
        };
        assert_eq!(
            search_regions(&config(None), &options),
            ["us-east-1", "us-west-2"]
        );
    }

    #[test]
    fn all_regions_follow_the_partition() {
        let options = AwsOptions {
            all_regions: true,
            ..AwsOptions::default()
        };
        let aws = search_regions(&config(Some("eu-west-1")), &options);
        assert_eq!(aws.len(), 17);
        assert_eq!(aws[0], "us-east-1");
        let gov = search_regions(&config(Some("us-gov-east-1")), &options);
        assert_eq!(gov, ["us-gov-west-1", "us-gov-east-1"]);
    }
}
