//! A trail's S3 bucket as a source: the log files of the window's days, for
//! the chosen accounts and regions, read into the same pipeline as local
//! files.
//!
//! Only the day folders that can hold events of the window are listed
//! (`AWSLogs/[ORG/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`, see
//! [`Scope::delivery_days`]). When the regions are not given, one listing of
//! each account's `CloudTrail/` folder finds them; the organization's folder
//! is found the same way when the bucket has exactly one. Objects delivered
//! before the window starts, by the time in their name, are not read. The
//! rest are streamed and decompressed as they arrive, several at a time, and
//! each is scanned like a local `.json.gz` file, so a broken object costs
//! only its own records and is reported by its `s3://` URL.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_s3::Client;
use aws_types::SdkConfig;
use chrono::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::io::SyncIoBridge;

use super::errors::{translate, AwsError};
use super::query::{delivery_time, is_account_id, Scope, TrailLocation};
use super::spinner::{self, Spinner};
use crate::learn::LearnOptions;
use crate::record::Record;
use crate::source::{self, InputProblem, ScanReport};

/// Listings run at once.
const LIST_CONCURRENCY: usize = 8;

/// Objects read at once.
const READ_CONCURRENCY: usize = 16;

/// The IAM action of the listings.
const LIST_ACTION: &str = "s3:ListBucket";

/// The part of a trail bucket to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketRequest {
    /// The bucket, prefix and organization.
    pub location: TrailLocation,
    /// The window, accounts and regions; empty accounts or regions are
    /// found by listing.
    pub scope: Scope,
}

/// The records read from a trail bucket, and what could not be read.
#[derive(Debug, Clone, Default)]
pub struct BucketOutcome {
    /// The role's records in the window.
    pub records: Vec<Record>,
    /// Counts and the objects that could not be read.
    pub scan: ScanReport,
    /// Every prefix listed, sorted (one entry per prefix, however many
    /// pages its listing took).
    pub listed_prefixes: Vec<String>,
    /// Log files passed over because they were delivered before the window.
    pub skipped_objects: usize,
}

/// Counters behind the progress line.
#[derive(Debug, Default)]
struct Counts {
    listed: AtomicUsize,
    objects: AtomicUsize,
    read: AtomicUsize,
    bytes: AtomicU64,
}

/// Reads the role's records of `request` from the trail bucket.
pub async fn read_trail_bucket(
    config: &SdkConfig,
    request: &BucketRequest,
    options: &LearnOptions,
) -> Result<BucketOutcome, AwsError> {
    let client = client(config);
    let spinner = Spinner::on_stderr();
    let counts = Arc::new(Counts::default());
    let result = read(&client, request, options, &spinner, &counts).await;
    spinner.finish();
    result
}

/// Builds the S3 client. A custom endpoint (`AWS_ENDPOINT_URL`,
/// `AWS_ENDPOINT_URL_S3`) is an S3-compatible server, which normally wants
/// path-style addressing.
fn client(config: &SdkConfig) -> Client {
    let custom =
        config.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
    let s3_config = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(custom)
        .build();
    Client::from_conf(s3_config)
}

async fn read(
    client: &Client,
    request: &BucketRequest,
    options: &LearnOptions,
    spinner: &Spinner,
    counts: &Arc<Counts>,
) -> Result<BucketOutcome, AwsError> {
    let mut outcome = BucketOutcome::default();
    let mut location = request.location.clone();
    let scope = &request.scope;
    let mut accounts = scope.accounts.clone();
    let mut folders = None;
    if location.org_id.is_none() || accounts.is_empty() {
        let found = list_folders(client, &location.logs_prefix(), &location, &mut outcome).await?;
        let orgs: Vec<&String> = found.iter().filter(|f| f.starts_with("o-")).collect();
        let has_accounts = found.iter().any(|f| is_account_id(f));
        match (location.org_id.is_none(), orgs.as_slice(), has_accounts) {
            (true, [org], false) => {
                tracing::debug!(org = %org, "the trail bucket contains one organization folder");
                location.org_id = Some((*org).clone());
            }
            _ => folders = Some(found),
        }
    }
    if accounts.is_empty() {
        let found = match folders {
            Some(found) => found,
            None => list_folders(client, &location.logs_prefix(), &location, &mut outcome).await?,
        };
        accounts = found.into_iter().filter(|f| is_account_id(f)).collect();
    }
    let mut day_prefixes = Vec::new();
    for account in &accounts {
        let regions = if scope.regions.is_empty() {
            let prefix = location.account_prefix(account);
            list_folders(client, &prefix, &location, &mut outcome).await?
        } else {
            scope.regions.clone()
        };
        for region in &regions {
            for day in scope.delivery_days() {
                day_prefixes.push(location.day_prefix(account, region, &day));
            }
        }
    }
    spinner.set(progress(counts, day_prefixes.len()));
    let keys = list_days(client, &location, &day_prefixes, spinner, counts).await?;
    outcome.listed_prefixes.extend(day_prefixes.iter().cloned());
    let earliest = scope.start - Duration::minutes(1);
    let (keys, skipped): (Vec<String>, Vec<String>) = keys
        .into_iter()
        .partition(|key| delivery_time(key).is_none_or(|time| time > earliest));
    outcome.skipped_objects = skipped.len();
    counts.objects.store(keys.len(), Ordering::Relaxed);
    let (records, scan) = read_objects(
        client,
        &location,
        keys,
        options,
        spinner,
        counts,
        day_prefixes.len(),
    )
    .await;
    outcome.records = records;
    outcome.scan = scan;
    outcome.listed_prefixes.sort();
    Ok(outcome)
}

/// Lists the folder names directly under `prefix`.
async fn list_folders(
    client: &Client,
    prefix: &str,
    location: &TrailLocation,
    outcome: &mut BucketOutcome,
) -> Result<Vec<String>, AwsError> {
    outcome.listed_prefixes.push(prefix.to_owned());
    let mut pages = client
        .list_objects_v2()
        .bucket(&location.bucket)
        .prefix(prefix)
        .delimiter("/")
        .into_paginator()
        .send();
    let mut folders = BTreeSet::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| translate(&error, LIST_ACTION, None))?;
        for common in page.common_prefixes() {
            let name = common
                .prefix()
                .and_then(|full| full.strip_prefix(prefix))
                .map(|rest| rest.trim_end_matches('/'));
            if let Some(name) = name.filter(|name| !name.is_empty()) {
                folders.insert(name.to_owned());
            }
        }
    }
    tracing::debug!(prefix, folders = folders.len(), "listed trail folders");
    Ok(folders.into_iter().collect())
}

/// Lists the log files of the day folders, several folders at a time.
async fn list_days(
    client: &Client,
    location: &TrailLocation,
    prefixes: &[String],
    spinner: &Spinner,
    counts: &Arc<Counts>,
) -> Result<Vec<String>, AwsError> {
    let permits = Arc::new(Semaphore::new(LIST_CONCURRENCY));
    let mut tasks = JoinSet::new();
    for prefix in prefixes {
        let (client, bucket, prefix) = (client.clone(), location.bucket.clone(), prefix.clone());
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            list_keys(&client, &bucket, &prefix).await
        });
    }
    let mut keys = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let listed = joined.map_err(|error| {
            AwsError::invalid_response(LIST_ACTION, format!("a listing task failed: {error}"))
        })??;
        keys.extend(listed);
        counts.listed.fetch_add(1, Ordering::Relaxed);
        spinner.set(progress(counts, prefixes.len()));
    }
    keys.sort();
    Ok(keys)
}

async fn list_keys(client: &Client, bucket: &str, prefix: &str) -> Result<Vec<String>, AwsError> {
    let mut pages = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .into_paginator()
        .send();
    let mut keys = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| translate(&error, LIST_ACTION, None))?;
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|object| object.key())
                .filter(|key| key.ends_with(".json.gz") || key.ends_with(".json"))
                .map(str::to_owned),
        );
    }
    tracing::debug!(prefix, objects = keys.len(), "listed trail day folder");
    Ok(keys)
}

/// Streams the objects through the file scanner, several at a time.
async fn read_objects(
    client: &Client,
    location: &TrailLocation,
    keys: Vec<String>,
    options: &LearnOptions,
    spinner: &Spinner,
    counts: &Arc<Counts>,
    prefixes: usize,
) -> (Vec<Record>, ScanReport) {
    let permits = Arc::new(Semaphore::new(READ_CONCURRENCY));
    let options = Arc::new(options.clone());
    let mut tasks = JoinSet::new();
    for key in keys {
        let client = client.clone();
        let bucket = location.bucket.clone();
        let url = location.url(&key);
        let permits = Arc::clone(&permits);
        let options = Arc::clone(&options);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            read_object(&client, &bucket, &key, url, options).await
        });
    }
    let mut records = Vec::new();
    let mut scan = ScanReport::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((found, report)) => {
                counts.bytes.fetch_add(report.bytes, Ordering::Relaxed);
                records.extend(found);
                scan.merge(report);
            }
            Err(error) => scan.problems.push(InputProblem {
                path: location.url(""),
                index: None,
                message: format!("a read task failed: {error}"),
            }),
        }
        counts.read.fetch_add(1, Ordering::Relaxed);
        spinner.set(progress(counts, prefixes));
    }
    scan.problems
        .sort_by(|a, b| (&a.path, a.index).cmp(&(&b.path, b.index)));
    (records, scan)
}

async fn read_object(
    client: &Client,
    bucket: &str,
    key: &str,
    url: String,
    options: Arc<LearnOptions>,
) -> (Vec<Record>, ScanReport) {
    let response = match client.get_object().bucket(bucket).key(key).send().await {
        Ok(response) => response,
        Err(error) => {
            let error = translate(&error, "s3:GetObject", None);
            let report = ScanReport {
                problems: vec![InputProblem {
                    path: url,
                    index: None,
                    message: format!("cannot read: {error}"),
                }],
                ..ScanReport::default()
            };
            return (Vec::new(), report);
        }
    };
    let reader = SyncIoBridge::new(response.body.into_async_read());
    let scanned = tokio::task::spawn_blocking(move || {
        let mut records = Vec::new();
        let report = source::scan_reader(&url, reader, &options.prefilter(), |record, _| {
            if options.accepts(&record) {
                records.push(record);
            }
        });
        (records, report)
    })
    .await;
    scanned.unwrap_or_else(|error| {
        let report = ScanReport {
            problems: vec![InputProblem {
                path: format!("s3://{bucket}/{key}"),
                index: None,
                message: format!("the read task failed: {error}"),
            }],
            ..ScanReport::default()
        };
        (Vec::new(), report)
    })
}

fn progress(counts: &Counts, prefixes: usize) -> String {
    format!(
        "S3: {}/{prefixes} day folders listed, {}/{} objects read, {}",
        counts.listed.load(Ordering::Relaxed),
        counts.read.load(Ordering::Relaxed),
        counts.objects.load(Ordering::Relaxed),
        spinner::bytes(counts.bytes.load(Ordering::Relaxed)),
    )
}
