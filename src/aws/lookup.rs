//! CloudTrail LookupEvents: one session's management events from every
//! region searched, as plain [`Record`]s.
//!
//! A GitHub Actions run is one STS session, and every call it made carries
//! that session's access key id. Asking LookupEvents for that key returns the
//! run's events and nothing else, a page or two per region, where paging the
//! region's whole traffic would take minutes at the API's limit of 2
//! requests per second. Regions are searched in parallel, each paced by its
//! own [`RateLimiter`]; the SDK retries throttling, 5xx responses, resets and
//! timeouts, and a page that still fails is recorded as a [`FetchGap`] so the
//! result is never silently incomplete.
//!
//! LookupEvents returns management events only; [`blind_spots`] says when a
//! run's events suggest that its failure may lie in data events it cannot
//! see.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cloudtrail::operation::lookup_events::LookupEventsOutput;
use aws_sdk_cloudtrail::types::{Event, LookupAttribute, LookupAttributeKey};
use aws_sdk_cloudtrail::Client;
use aws_types::SdkConfig;
use chrono::{DateTime, Utc};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::config::global_region;
use super::errors::{translate, AwsError};
use super::progress::Progress;
use super::ratelimit::{RateLimiter, RegionLimiters};
use crate::record::{Record, RoleSelector};

/// The IAM action of every call in this module.
pub const LOOKUP_ACTION: &str = "cloudtrail:LookupEvents";

/// Events per page: the most LookupEvents returns.
pub const PAGE_SIZE: i32 = 50;

/// LookupEvents' limit in requests per second, per account and region.
pub const REQUESTS_PER_SECOND: u32 = 2;

/// Extra tries of a page that is still throttled after the SDK's own
/// retries, each after a longer pause.
const PAGE_RETRIES: u32 = 2;

/// The pause before the first extra try of a throttled page; it doubles.
const PAGE_BACKOFF: Duration = Duration::from_secs(2);

/// A time range to search, inclusive at both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    /// The earliest event time.
    pub start: DateTime<Utc>,
    /// The latest event time.
    pub end: DateTime<Utc>,
}

impl TimeWindow {
    /// Creates the window from `start` to `end`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> TimeWindow {
        TimeWindow { start, end }
    }

    /// Creates the window of the last `span` before `now`.
    pub fn last(now: DateTime<Utc>, span: Duration) -> TimeWindow {
        let span = chrono::Duration::from_std(span).unwrap_or(chrono::Duration::MAX);
        let start = now
            .checked_sub_signed(span)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        TimeWindow { start, end: now }
    }
}

/// Whose events to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupScope {
    /// The events of one session, by its access key id: the narrowest
    /// lookup, and the one a known run uses.
    AccessKey(String),
    /// The role's events when no session is known. With a session name,
    /// LookupEvents is asked for that `Username`, and sessions of other
    /// roles with the same name are dropped here. Without one, every event
    /// in the window is paged and filtered here, which is slow on a busy
    /// account.
    Role {
        /// The role.
        role: RoleSelector,
        /// The session name, such as `GitHubActions`.
        session_name: Option<String>,
    },
}

impl LookupScope {
    pub(crate) fn query(&self, window: TimeWindow) -> Query {
        match self {
            LookupScope::AccessKey(key) => Query {
                attribute: Some((LookupAttributeKey::AccessKeyId, key.clone())),
                window,
                filter: Filter::AccessKey(key.clone()),
            },
            LookupScope::Role { role, session_name } => Query {
                attribute: session_name
                    .as_ref()
                    .map(|name| (LookupAttributeKey::Username, name.clone())),
                window,
                filter: Filter::Role(role.clone()),
            },
        }
    }
}

/// One page or event that could not be read, so the result lacks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchGap {
    /// The region.
    pub region: String,
    /// The page number, from 1.
    pub page: usize,
    /// The event, when one event of an otherwise good page was unreadable.
    pub event_id: Option<String>,
    /// The failure, as one line.
    pub reason: String,
}

impl fmt::Display for FetchGap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` page {}", self.region, self.page)?;
        if let Some(event_id) = &self.event_id {
            write!(f, ", event `{event_id}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The end of a wait for delayed denials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitResult {
    /// No `--wait` was given: one pass was made.
    NotRequested,
    /// A denial of the session was found.
    DenialsFound {
        /// Time from the first call to the pass that found it.
        after: Duration,
        /// Passes made, including the first.
        polls: usize,
    },
    /// The wait ended without a denial.
    TimedOut {
        /// Time spent.
        waited: Duration,
        /// Passes made, including the first.
        polls: usize,
    },
}

impl fmt::Display for WaitResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = |duration: &Duration| Duration::from_secs(duration.as_secs());
        match self {
            WaitResult::NotRequested => f.write_str("fetched once without waiting"),
            WaitResult::DenialsFound { after, polls } => write!(
                f,
                "denials appeared after {} ({polls} passes)",
                humantime::format_duration(seconds(after))
            ),
            WaitResult::TimedOut { waited, polls } => write!(
                f,
                "no denial appeared within {} ({polls} passes); CloudTrail can take up to \
                 about 15 minutes to deliver an event",
                humantime::format_duration(seconds(waited))
            ),
        }
    }
}

/// The events fetched, and what could not be.
#[derive(Debug, Clone)]
pub struct FetchOutcome {
    /// The session's records, oldest first.
    pub records: Vec<Record>,
    /// Pages and events that failed. When not empty, the records are
    /// incomplete, and the caller must report it.
    pub incomplete: Vec<FetchGap>,
    /// LookupEvents calls made, over every region and pass (the SDK's own
    /// retries of one call are not counted).
    pub calls: usize,
    /// The end of the wait for denials.
    pub waited_for_denials: WaitResult,
    /// The regions searched, the global-service region first.
    pub regions: Vec<String>,
}

impl FetchOutcome {
    /// Returns true when every page of every region was read.
    pub fn is_complete(&self) -> bool {
        self.incomplete.is_empty()
    }
}

/// Fetches the events of `scope` in `window` from each region, in parallel,
/// adding the partition's global-service region (`us-east-1`) when it is
/// missing, since IAM, global STS and CloudFront events are recorded there.
///
/// With `wait`, the search is repeated until a denial of the session shows
/// up or the time is spent, because CloudTrail delivers events about 5 (up
/// to 15) minutes after the call.
///
/// Fails when the credentials are unusable or every region failed; a region
/// or page failing alone ends up in [`FetchOutcome::incomplete`].
pub async fn fetch_events(
    config: &SdkConfig,
    regions: &[String],
    scope: &LookupScope,
    window: TimeWindow,
    wait: Option<Duration>,
) -> Result<FetchOutcome, AwsError> {
    let regions = with_global_region(regions);
    let query = Arc::new(scope.query(window));
    let progress = Progress::on_stderr(regions.len());
    let _clear = ClearOnDrop(progress.clone());
    let lookup = Lookup::new(config, progress.clone());
    let started = Instant::now();
    let mut calls = 0;
    let mut polls = 0;
    loop {
        polls += 1;
        progress.new_pass();
        let pages = lookup.search(&regions, &query).await?;
        calls += pages.calls;
        let waited = match wait {
            None => Some(WaitResult::NotRequested),
            Some(_) if pages.records.iter().any(is_denial) => Some(WaitResult::DenialsFound {
                after: started.elapsed(),
                polls,
            }),
            Some(wait) if started.elapsed() >= wait => Some(WaitResult::TimedOut {
                waited: started.elapsed(),
                polls,
            }),
            Some(_) => None,
        };
        if let Some(waited_for_denials) = waited {
            return Ok(FetchOutcome {
                records: pages.records,
                incomplete: pages.gaps,
                calls,
                waited_for_denials,
                regions,
            });
        }
        let left = wait.unwrap_or_default().saturating_sub(started.elapsed());
        progress.note(&format!(
            "no denial yet, {} left",
            humantime::format_duration(Duration::from_secs(left.as_secs()))
        ));
        tokio::time::sleep(poll_interval(wait.unwrap_or_default()).min(left)).await;
    }
}

/// Returns the pause between passes while waiting: a tenth of the wait,
/// between 1 and 30 seconds, so a long wait costs few calls.
fn poll_interval(wait: Duration) -> Duration {
    (wait / 10).clamp(Duration::from_secs(1), Duration::from_secs(30))
}

pub(crate) fn with_global_region(regions: &[String]) -> Vec<String> {
    let global = global_region(regions.first().map(String::as_str));
    let mut all = vec![global.to_owned()];
    for region in regions {
        if !all.contains(region) {
            all.push(region.clone());
        }
    }
    all
}

/// Returns true when the record is a denied call, by the same rule the
/// pipeline applies ([`crate::denial::is_authorization_failure`]).
pub(crate) fn is_denial(record: &Record) -> bool {
    record.error_code.as_deref().is_some_and(|code| {
        crate::denial::is_authorization_failure(code, record.error_message.as_deref())
    })
}

struct ClearOnDrop(Progress);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        self.0.finish();
    }
}

/// A LookupEvents request as sent to every region.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    /// The one lookup attribute LookupEvents accepts, if any.
    pub(crate) attribute: Option<(LookupAttributeKey, String)>,
    /// The time range.
    pub(crate) window: TimeWindow,
    /// The test a returned record must pass to be kept.
    pub(crate) filter: Filter,
}

/// The test a returned record must pass to be kept.
#[derive(Debug, Clone)]
pub(crate) enum Filter {
    /// Calls made with this access key id.
    AccessKey(String),
    /// Calls made by a session of the role, or web identity assumptions of
    /// it.
    Role(RoleSelector),
    /// Web identity assumptions of the role only.
    WebIdentityAssume(RoleSelector),
}

impl Filter {
    fn keeps(&self, record: &Record) -> bool {
        match self {
            Filter::AccessKey(key) => record.user_identity.access_key_id.as_deref() == Some(key),
            Filter::Role(role) => role.matches(record),
            Filter::WebIdentityAssume(role) => role.matches_web_identity_assume(record),
        }
    }
}

/// The records and gaps of one search over several regions.
#[derive(Debug, Default)]
pub(crate) struct Pages {
    /// Kept records, oldest first.
    pub(crate) records: Vec<Record>,
    /// What failed.
    pub(crate) gaps: Vec<FetchGap>,
    /// Calls made.
    pub(crate) calls: usize,
}

/// The records, gaps and calls of one region.
#[derive(Debug)]
struct RegionPages {
    records: Vec<Record>,
    gaps: Vec<FetchGap>,
    calls: usize,
    /// The error that stopped the region on its first page, so nothing at
    /// all came from it.
    failed_at_once: Option<AwsError>,
}

/// Sends LookupEvents requests with shared per-region rate limiters.
#[derive(Debug, Clone)]
pub(crate) struct Lookup {
    config: SdkConfig,
    limiters: RegionLimiters,
    progress: Progress,
}

impl Lookup {
    /// Creates a lookup over this configuration.
    pub(crate) fn new(config: &SdkConfig, progress: Progress) -> Lookup {
        Lookup {
            config: config.clone(),
            limiters: RegionLimiters::per_second(REQUESTS_PER_SECOND),
            progress,
        }
    }

    /// Runs `query` in every region in parallel. Fails on unusable
    /// credentials, and when every region failed on its first page.
    pub(crate) async fn search(
        &self,
        regions: &[String],
        query: &Arc<Query>,
    ) -> Result<Pages, AwsError> {
        let mut tasks = JoinSet::new();
        for region in regions {
            let lookup = self.clone();
            let query = Arc::clone(query);
            let region = region.clone();
            tasks.spawn(async move { lookup.search_region(region, query).await });
        }
        let mut pages = Pages::default();
        let mut first_failure = None;
        let mut failed_regions = 0;
        while let Some(joined) = tasks.join_next().await {
            let region = match joined {
                Ok(result) => result?,
                Err(join_error) => {
                    return Err(AwsError::invalid_response(
                        LOOKUP_ACTION,
                        format!("a region's search stopped unexpectedly: {join_error}"),
                    ))
                }
            };
            if let Some(error) = region.failed_at_once {
                failed_regions += 1;
                first_failure.get_or_insert(error);
            }
            pages.records.extend(region.records);
            pages.gaps.extend(region.gaps);
            pages.calls += region.calls;
        }
        if let Some(error) = first_failure.filter(|_| failed_regions == regions.len()) {
            return Err(error);
        }
        sort_records(&mut pages.records);
        pages
            .gaps
            .sort_by(|a, b| (&a.region, a.page).cmp(&(&b.region, b.page)));
        Ok(pages)
    }

    async fn search_region(
        self,
        region: String,
        query: Arc<Query>,
    ) -> Result<RegionPages, AwsError> {
        let client = self.client(&region);
        let limiter = self.limiters.region(&region);
        let mut out = RegionPages {
            records: Vec::new(),
            gaps: Vec::new(),
            calls: 0,
            failed_at_once: None,
        };
        let mut token: Option<String> = None;
        let mut page = 0;
        loop {
            page += 1;
            let request = PageRequest {
                client: &client,
                limiter: &limiter,
                region: &region,
            };
            let output = match request.send(&query, token.as_deref(), &mut out.calls).await {
                Ok(output) => output,
                Err(error) if error.is_fatal() => return Err(error),
                Err(error) => {
                    tracing::debug!(region, page, %error, "LookupEvents page failed");
                    out.gaps.push(gap(&region, page, None, error.to_string()));
                    if page == 1 {
                        out.failed_at_once = Some(error);
                    }
                    break;
                }
            };
            self.progress.page(output.events().len());
            for event in output.events() {
                match parse_event(event) {
                    Ok(record) if query.filter.keeps(&record) => out.records.push(record),
                    Ok(_) => {}
                    Err(reason) => {
                        let id = event.event_id().map(str::to_owned);
                        out.gaps.push(gap(&region, page, id, reason));
                    }
                }
            }
            match output.next_token {
                Some(next) if token.as_deref() == Some(next.as_str()) => {
                    let reason = "the endpoint returned the same pagination token twice".to_owned();
                    out.gaps.push(gap(&region, page + 1, None, reason));
                    break;
                }
                Some(next) if !next.is_empty() => token = Some(next),
                _ => break,
            }
        }
        tracing::debug!(
            region,
            pages = page,
            calls = out.calls,
            kept = out.records.len(),
            "region done"
        );
        self.progress.region_done();
        Ok(out)
    }

    fn client(&self, region: &str) -> Client {
        let config = aws_sdk_cloudtrail::config::Builder::from(&self.config)
            .region(aws_config::Region::new(region.to_owned()))
            .build();
        Client::from_conf(config)
    }
}

/// One page's request in one region.
struct PageRequest<'a> {
    client: &'a Client,
    limiter: &'a RateLimiter,
    region: &'a str,
}

impl PageRequest<'_> {
    /// Sends the request for the page after `token`, retrying a throttled
    /// page [`PAGE_RETRIES`] more times with a growing pause.
    async fn send(
        &self,
        query: &Query,
        token: Option<&str>,
        calls: &mut usize,
    ) -> Result<LookupEventsOutput, AwsError> {
        let mut retries = 0;
        loop {
            self.limiter.acquire().await;
            *calls += 1;
            let result = self.build(query, token)?.send().await;
            let error = match result {
                Ok(output) => return Ok(output),
                Err(error) => translate(&error, LOOKUP_ACTION, Some(self.region)),
            };
            if !error.is_throttling() || retries == PAGE_RETRIES {
                return Err(error);
            }
            let pause = PAGE_BACKOFF * 2u32.pow(retries);
            retries += 1;
            tracing::debug!(
                region = self.region,
                ?pause,
                "LookupEvents still throttled; pausing"
            );
            self.limiter.back_off(pause);
        }
    }

    fn build(
        &self,
        query: &Query,
        token: Option<&str>,
    ) -> Result<
        aws_sdk_cloudtrail::operation::lookup_events::builders::LookupEventsFluentBuilder,
        AwsError,
    > {
        let mut request = self
            .client
            .lookup_events()
            .max_results(PAGE_SIZE)
            .start_time(smithy_time(query.window.start))
            .end_time(smithy_time(query.window.end))
            .set_next_token(token.map(str::to_owned));
        if let Some((key, value)) = &query.attribute {
            let attribute = LookupAttribute::builder()
                .attribute_key(key.clone())
                .attribute_value(value)
                .build()
                .map_err(|error| AwsError::invalid_response(LOOKUP_ACTION, error.to_string()))?;
            request = request.lookup_attributes(attribute);
        }
        Ok(request)
    }
}

fn smithy_time(time: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_millis(time.timestamp_millis())
}

fn gap(region: &str, page: usize, event_id: Option<String>, reason: String) -> FetchGap {
    FetchGap {
        region: region.to_owned(),
        page,
        event_id,
        reason,
    }
}

/// Parses the record LookupEvents returns as a JSON string in
/// `CloudTrailEvent`.
fn parse_event(event: &Event) -> Result<Record, String> {
    let text = event
        .cloud_trail_event()
        .ok_or_else(|| "the event has no `CloudTrailEvent` field".to_owned())?;
    Record::from_slice(text.as_bytes())
        .map_err(|error| format!("invalid `CloudTrailEvent` JSON: {error}"))
}

/// Sorts by event time, then event id, so the output does not depend on
/// which region responded first.
pub(crate) fn sort_records(records: &mut [Record]) {
    records.sort_by(|a, b| (a.event_time, &a.event_id).cmp(&(b.event_time, &b.event_id)));
}

/// Management events that a run's data-plane calls leave no trace among.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlindSpot {
    /// The service whose data events are missing, such as `s3`.
    pub service: &'static str,
    /// The event that suggests the service was used, as `source:EventName`
    /// or the user agent's command.
    pub evidence: String,
}

impl fmt::Display for BlindSpot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.service {
            "s3" => write!(
                f,
                "the run used S3 ({}) but no S3 denial was found: S3 object calls \
                 (PutObject, GetObject, ListObjectsV2, DeleteObject) are data events, which \
                 LookupEvents does not return; read them from the trail's bucket if the trail \
                 logs S3 data events",
                self.evidence
            ),
            _ => write!(
                f,
                "the run used Lambda ({}) but no Lambda denial was found: Lambda Invoke is a \
                 data event, which LookupEvents does not return; read it from the trail's \
                 bucket if the trail logs Lambda data events",
                self.evidence
            ),
        }
    }
}

/// Returns the data events LookupEvents may have hidden from a run. S3 is
/// listed when the run touched S3: a bucket call, an `aws s3` copy or sync,
/// or a CloudFront invalidation, which usually follows an upload. Lambda is
/// listed when the run touched a function. Each is listed only when no
/// denial of that service was found.
pub fn blind_spots(records: &[Record]) -> Vec<BlindSpot> {
    let mut spots = Vec::new();
    let denied = |source: &str| records.iter().any(|r| r.source() == source && is_denial(r));
    if !denied("s3.amazonaws.com") {
        if let Some(evidence) = records.iter().find_map(s3_evidence) {
            spots.push(BlindSpot {
                service: "s3",
                evidence,
            });
        }
    }
    if !denied("lambda.amazonaws.com") {
        let used = records
            .iter()
            .find(|r| r.source() == "lambda.amazonaws.com");
        if let Some(record) = used {
            spots.push(BlindSpot {
                service: "lambda",
                evidence: event_label(record),
            });
        }
    }
    spots
}

fn s3_evidence(record: &Record) -> Option<String> {
    if record.source() == "s3.amazonaws.com" {
        return Some(event_label(record));
    }
    if record.source() == "cloudfront.amazonaws.com" && record.name() == "CreateInvalidation" {
        return Some(event_label(record));
    }
    let agent = record.user_agent.as_deref()?;
    ["s3.sync", "s3.cp", "s3.mv", "s3.rm"]
        .into_iter()
        .find(|command| agent.contains(command))
        .map(|command| format!("`aws {}`", command.replace('.', " ")))
}

fn event_label(record: &Record) -> String {
    let prefix = record.source().split('.').next().unwrap_or_default();
    format!("`{prefix}:{}`", record.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> Record {
        Record::from_slice(json.as_bytes()).unwrap()
    }

    #[test]
    fn global_region_added_first() {
        let regions = with_global_region(&["eu-west-1".to_owned(), "us-east-1".to_owned()]);
        assert_eq!(regions, ["us-east-1", "eu-west-1"]);
        let gov = with_global_region(&["us-gov-east-1".to_owned()]);
        assert_eq!(gov, ["us-gov-west-1", "us-gov-east-1"]);
    }

    #[test]
    fn poll_interval_is_bounded() {
        assert_eq!(
            poll_interval(Duration::from_secs(3)),
            Duration::from_secs(1)
        );
        assert_eq!(
            poll_interval(Duration::from_secs(120)),
            Duration::from_secs(12)
        );
        assert_eq!(
            poll_interval(Duration::from_secs(3600)),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn denial_codes_recognised() {
        for code in [
            "AccessDenied",
            "AccessDeniedException",
            "Client.UnauthorizedOperation",
            "VpceAccessDenied",
            "KMSAccessDenied",
        ] {
            let denied = record(&format!(r#"{{"errorCode":"{code}"}}"#));
            assert!(is_denial(&denied), "{code}");
        }
        assert!(!is_denial(&record(
            r#"{"errorCode":"ResourceNotFoundException"}"#
        )));
        assert!(!is_denial(&record("{}")));
    }

    #[test]
    fn access_key_filter_drops_other_keys() {
        let filter = Filter::AccessKey("ASIAONE".to_owned());
        assert!(filter.keeps(&record(r#"{"userIdentity":{"accessKeyId":"ASIAONE"}}"#)));
        assert!(!filter.keeps(&record(r#"{"userIdentity":{"accessKeyId":"ASIATWO"}}"#)));
        assert!(!filter.keeps(&record("{}")));
    }

    #[test]
    fn s3_use_without_denial_is_blind_spot() {
        let records = [record(
            r#"{"eventSource":"cloudfront.amazonaws.com","eventName":"CreateInvalidation"}"#,
        )];
        let spots = blind_spots(&records);
        assert_eq!(spots.len(), 1);
        assert_eq!(spots[0].service, "s3");
        assert_eq!(spots[0].evidence, "`cloudfront:CreateInvalidation`");
        let by_agent = [record(
            r#"{"eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity",
                "userAgent":"aws-cli/2.22.0 md/command#s3.sync"}"#,
        )];
        assert_eq!(blind_spots(&by_agent)[0].evidence, "`aws s3 sync`");
    }

    #[test]
    fn found_s3_denial_needs_no_hint() {
        let records = [
            record(r#"{"eventSource":"s3.amazonaws.com","eventName":"GetBucketLocation"}"#),
            record(
                r#"{"eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicy",
                    "errorCode":"AccessDenied"}"#,
            ),
        ];
        assert!(blind_spots(&records).is_empty());
    }

    #[test]
    fn lambda_use_is_a_blind_spot() {
        let records = [record(
            r#"{"eventSource":"lambda.amazonaws.com","eventName":"UpdateFunctionCode20150331v2"}"#,
        )];
        let spots = blind_spots(&records);
        assert_eq!(spots.len(), 1);
        assert_eq!(spots[0].service, "lambda");
        assert!(spots[0]
            .to_string()
            .contains("Lambda Invoke is a data event"));
    }

    #[test]
    fn gap_display_names_region_and_page() {
        let shown = gap("us-west-2", 3, Some("e-1".into()), "bad".into()).to_string();
        assert_eq!(shown, "`us-west-2` page 3, event `e-1`: bad");
    }
}
