//! Fetching one run's events through the real SDK from the loopback
//! LookupEvents server: scoping, pagination, the rate limit, waiting for
//! late events, and API faults.

use std::time::Duration;

use trailgrant::aws::lookup::blind_spots;
use trailgrant::aws::{
    fetch_events, AwsErrorKind, FetchOutcome, LookupScope, TimeWindow, WaitResult,
};
use trailgrant::record::{parse_time, RoleSelector};

use crate::support::cloudtrail_server::{CloudTrailServer, Fault};
use crate::support::{fixture, other_traffic, sdk_config, session_calls, ROLE};

const RUN_B: &str = "ASIAQEXAMPLERUNBBBB";

/// Starts a server with the fixture's runs, 110 more calls of run B in
/// `us-west-2` (113 there in all, so 3 pages), and other sessions' traffic
/// inside run B's window.
fn server() -> CloudTrailServer {
    let server = CloudTrailServer::start();
    server.load_file(&fixture("live-lookup/records.json"));
    server.add_records(session_calls(
        RUN_B,
        "us-west-2",
        110,
        "2026-11-20T10:01:00Z",
    ));
    server.add_records(other_traffic("us-west-2", 300, "2026-11-20T10:00:00Z"));
    server.add_records(other_traffic("us-east-1", 60, "2026-11-20T10:00:00Z"));
    server
}

fn run_b_window() -> TimeWindow {
    TimeWindow::new(
        parse_time("2026-11-20T09:55:05Z").unwrap(),
        parse_time("2026-11-20T11:05:05Z").unwrap(),
    )
}

async fn fetch(
    server: &CloudTrailServer,
    scope: LookupScope,
    attempt_timeout: Option<Duration>,
) -> Result<FetchOutcome, trailgrant::aws::AwsError> {
    let config = sdk_config(&server.url(), "us-west-2", attempt_timeout).await;
    fetch_events(
        &config,
        &["us-west-2".to_owned()],
        &scope,
        run_b_window(),
        None,
    )
    .await
}

fn denial_ids(outcome: &FetchOutcome) -> Vec<&str> {
    outcome
        .records
        .iter()
        .filter(|record| record.error_code.is_some())
        .filter_map(|record| record.event_id.as_deref())
        .collect()
}

#[tokio::test]
async fn access_key_fetch_returns_only_the_session() {
    let server = server();
    let outcome = fetch(&server, LookupScope::AccessKey(RUN_B.into()), None)
        .await
        .unwrap();

    assert_eq!(outcome.regions, ["us-east-1", "us-west-2"]);
    assert_eq!(outcome.records.len(), 115);
    assert!(outcome
        .records
        .iter()
        .all(|record| record.user_identity.access_key_id.as_deref() == Some(RUN_B)));
    assert_eq!(denial_ids(&outcome), ["ev-b-3", "ev-b-4", "ev-b-5"]);
    assert!(outcome.is_complete());
    assert_eq!(outcome.waited_for_denials, WaitResult::NotRequested);
    assert_eq!(outcome.calls, 4);

    let calls = server.calls();
    assert_eq!(calls.len(), 4);
    assert!(calls
        .iter()
        .all(|call| call.attribute == Some(("AccessKeyId".into(), RUN_B.into()))));
    assert!(calls.iter().all(|call| call.max_results == Some(50)));
    let west: Vec<bool> = server
        .calls_in("us-west-2")
        .iter()
        .map(|call| call.paged)
        .collect();
    assert_eq!(west, [false, true, true]);
    assert_eq!(server.throttled(), 0);
}

#[tokio::test]
async fn session_events_hint_at_data_events() {
    let server = server();
    let outcome = fetch(&server, LookupScope::AccessKey(RUN_B.into()), None)
        .await
        .unwrap();
    let spots = blind_spots(&outcome.records);
    assert_eq!(spots.len(), 1);
    assert_eq!(spots[0].service, "s3");
    assert_eq!(spots[0].evidence, "`cloudfront:CreateInvalidation`");
}

#[tokio::test]
async fn role_scope_pages_everything_and_filters() {
    let server = server();
    let role = RoleSelector::parse(ROLE).unwrap();
    let scope = LookupScope::Role {
        role,
        session_name: None,
    };
    let outcome = fetch(&server, scope, None).await.unwrap();

    // Run B's 115 calls plus its AssumeRoleWithWebIdentity event.
    assert_eq!(outcome.records.len(), 116);
    assert_eq!(denial_ids(&outcome), ["ev-b-3", "ev-b-4", "ev-b-5"]);
    // The window contains 413 events in us-west-2 (9 pages) and 63 in
    // us-east-1 (2 pages).
    assert_eq!(outcome.calls, 11);
    assert_eq!(server.calls_in("us-west-2").len(), 9);
    assert!(server.calls().iter().all(|call| call.attribute.is_none()));
    // Nine pages in one region at the client's pace never trip the limit.
    assert_eq!(server.throttled(), 0);
}

#[tokio::test]
async fn session_name_scope_uses_username() {
    let server = server();
    let role = RoleSelector::parse(ROLE).unwrap();
    let scope = LookupScope::Role {
        role,
        session_name: Some("GitHubActions".into()),
    };
    let outcome = fetch(&server, scope, None).await.unwrap();

    assert_eq!(outcome.records.len(), 115);
    assert_eq!(outcome.calls, 4);
    assert!(server
        .calls()
        .iter()
        .all(|call| call.attribute == Some(("Username".into(), "GitHubActions".into()))));
}

#[tokio::test]
async fn server_errors_and_resets_are_retried() {
    let server = server();
    server.inject(Some("us-west-2"), Fault::ServerError, 1);
    server.inject(Some("us-west-2"), Fault::ConnectionReset, 1);
    let outcome = fetch(&server, LookupScope::AccessKey(RUN_B.into()), None)
        .await
        .unwrap();

    assert!(outcome.is_complete(), "{:?}", outcome.incomplete);
    assert_eq!(outcome.records.len(), 115);
    assert_eq!(outcome.calls, 4);
    let statuses: Vec<u16> = server
        .calls_in("us-west-2")
        .iter()
        .map(|call| call.status)
        .collect();
    assert_eq!(statuses, [500, 0, 200, 200, 200]);
}

#[tokio::test]
async fn throttling_storm_marks_region_incomplete() {
    let server = server();
    server.inject(Some("us-west-2"), Fault::Throttle, usize::MAX);
    let outcome = fetch(&server, LookupScope::AccessKey(RUN_B.into()), None)
        .await
        .unwrap();

    assert_eq!(outcome.records.len(), 2, "us-east-1's events are kept");
    assert_eq!(outcome.incomplete.len(), 1);
    let gap = &outcome.incomplete[0];
    assert_eq!((gap.region.as_str(), gap.page), ("us-west-2", 1));
    assert!(
        gap.reason.starts_with(
            "`cloudtrail:LookupEvents` was still throttled in `us-west-2` after the retries"
        ),
        "{}",
        gap.reason
    );
    // One call in us-east-1; three tries of the page, three SDK attempts each.
    assert_eq!(outcome.calls, 4);
    assert_eq!(server.calls_in("us-west-2").len(), 9);
}

#[tokio::test]
async fn hanging_endpoint_times_out() {
    let server = server();
    server.inject(Some("us-west-2"), Fault::Hang, usize::MAX);
    let timeout = Some(Duration::from_millis(300));
    let outcome = fetch(&server, LookupScope::AccessKey(RUN_B.into()), timeout)
        .await
        .unwrap();

    assert_eq!(outcome.records.len(), 2);
    assert_eq!(outcome.incomplete.len(), 1);
    assert_eq!(
        outcome.incomplete[0].reason,
        "`cloudtrail:LookupEvents` timed out in `us-west-2` after the retries; check the \
         network or endpoint and run again"
    );
    let attempts = server.calls_in("us-west-2").len();
    assert!((1..=3).contains(&attempts), "{attempts} attempts");
}

#[tokio::test]
async fn expired_token_fails_the_fetch() {
    let server = server();
    server.inject(None, Fault::ExpiredToken, usize::MAX);
    let error = fetch(&server, LookupScope::AccessKey(RUN_B.into()), None)
        .await
        .unwrap_err();

    assert_eq!(error.kind(), AwsErrorKind::ExpiredCredentials);
    assert!(
        error
            .to_string()
            .starts_with("the AWS credentials expired during `cloudtrail:LookupEvents` in `us-"),
        "{error}"
    );
    assert!(error
        .to_string()
        .ends_with("refresh them (for an SSO profile run `aws sso login`) and run again"));
}

#[tokio::test]
async fn access_denied_in_one_region_is_a_gap() {
    let server = server();
    server.inject(Some("us-west-2"), Fault::AccessDenied, usize::MAX);
    let outcome = fetch(&server, LookupScope::AccessKey(RUN_B.into()), None)
        .await
        .unwrap();

    assert_eq!(outcome.records.len(), 2);
    assert_eq!(outcome.incomplete.len(), 1);
    assert!(outcome.incomplete[0]
        .to_string()
        .starts_with("`us-west-2` page 1: `cloudtrail:LookupEvents` was denied in `us-west-2`"));
    assert_eq!(
        server.calls_in("us-west-2").len(),
        1,
        "access denied is not retried"
    );
}

#[tokio::test]
async fn access_denied_everywhere_names_the_permission() {
    let server = server();
    server.inject(None, Fault::AccessDenied, usize::MAX);
    let error = fetch(&server, LookupScope::AccessKey(RUN_B.into()), None)
        .await
        .unwrap_err();

    assert_eq!(error.kind(), AwsErrorKind::AccessDenied);
    assert_eq!(error.action(), "cloudtrail:LookupEvents");
    assert!(error.to_string().ends_with(
        "grant `cloudtrail:LookupEvents` to the credentials in use (`trailgrant self-policy` \
         prints every permission the tool needs)"
    ));
}

/// Run B's calls with its three denials delivered `delay` late.
fn late_denials_server(delay: Duration) -> CloudTrailServer {
    let text = std::fs::read_to_string(fixture("live-lookup/records.json")).unwrap();
    let records: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run_b = records["Records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["userIdentity"]["accessKeyId"] == RUN_B)
        .cloned();
    let (denied, allowed): (Vec<_>, Vec<_>) = run_b.partition(|r| r.get("errorCode").is_some());
    let server = CloudTrailServer::start();
    server.add_records(allowed);
    server.add_records_delayed(denied, delay);
    server
}

#[tokio::test]
async fn wait_returns_when_denials_arrive() {
    let server = late_denials_server(Duration::from_millis(2500));
    let config = sdk_config(&server.url(), "us-west-2", None).await;
    let scope = LookupScope::AccessKey(RUN_B.into());
    let wait = Some(Duration::from_secs(20));
    let outcome = fetch_events(&config, &["us-west-2".into()], &scope, run_b_window(), wait)
        .await
        .unwrap();

    let WaitResult::DenialsFound { after, polls } = outcome.waited_for_denials else {
        panic!("expected denials, got {:?}", outcome.waited_for_denials);
    };
    assert!(after >= Duration::from_millis(2500), "{after:?}");
    assert!(polls >= 2, "{polls} polls");
    assert_eq!(denial_ids(&outcome), ["ev-b-3", "ev-b-4", "ev-b-5"]);
    assert_eq!(outcome.calls, polls * 2, "one page per region per pass");
}

#[tokio::test]
async fn wait_ends_without_denials() {
    let server = late_denials_server(Duration::from_secs(3600));
    let config = sdk_config(&server.url(), "us-west-2", None).await;
    let scope = LookupScope::AccessKey(RUN_B.into());
    let wait = Some(Duration::from_secs(2));
    let outcome = fetch_events(&config, &["us-west-2".into()], &scope, run_b_window(), wait)
        .await
        .unwrap();

    let WaitResult::TimedOut { waited, polls } = outcome.waited_for_denials else {
        panic!("expected a timeout, got {:?}", outcome.waited_for_denials);
    };
    assert!(waited >= Duration::from_secs(2), "{waited:?}");
    assert!(polls >= 2, "{polls} polls");
    assert_eq!(outcome.records.len(), 2);
    assert!(outcome
        .waited_for_denials
        .to_string()
        .starts_with("no denial appeared within 2s"));
}

#[tokio::test]
async fn test_server_throttles_past_two_per_second() {
    // Without the tool's limiter, back-to-back calls must trip the server's
    // limit; otherwise the zero-throttle checks above would prove nothing.
    let server = server();
    let config = sdk_config(&server.url(), "us-west-2", None).await;
    let client = aws_sdk_cloudtrail::Client::from_conf(
        aws_sdk_cloudtrail::config::Builder::from(&config)
            .retry_config(aws_sdk_cloudtrail::config::retry::RetryConfig::disabled())
            .build(),
    );
    let mut codes = Vec::new();
    for _ in 0..4 {
        let result = client.lookup_events().max_results(1).send().await;
        codes.push(
            result
                .err()
                .and_then(|e| e.into_service_error().meta().code().map(str::to_owned)),
        );
    }
    assert_eq!(codes[..2], [None, None]);
    assert!(
        codes[2..].contains(&Some("ThrottlingException".to_owned())),
        "{codes:?}"
    );
    assert!(server.throttled() >= 1);
}
