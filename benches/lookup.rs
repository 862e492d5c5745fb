//! Measures fetching one run's session from a region that contains 10,000
//! events of other principals: by the session's access key id, by its
//! session name, and by paging the whole region.
//!
//! It runs the real SDK against the loopback LookupEvents server of the
//! end-to-end tests, which enforces LookupEvents' 2 requests per second per
//! region, so wall time is dominated by that limit and not by this machine.
//! Run it with `cargo bench --bench lookup --profile dev`; it prints a
//! Markdown table.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    reason = "a benchmark driver fails loudly on a broken setup"
)]

#[path = "../tests/e2e/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use trailgrant::aws::{fetch_events, LookupScope, TimeWindow};
use trailgrant::record::{parse_time, RoleSelector};

use support::cloudtrail_server::CloudTrailServer;
use support::{other_traffic, sdk_config, session_calls, ROLE};

const SESSION_KEY: &str = "ASIAQBENCHSESSION01";
const OTHER_EVENTS: usize = 10_000;
const SESSION_EVENTS: usize = 40;
const REGION: &str = "us-west-2";

struct Row {
    approach: &'static str,
    calls: usize,
    region_calls: usize,
    records: usize,
    wall: Duration,
    throttled: usize,
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let window = TimeWindow::new(
        parse_time("2026-11-20T10:00:00Z").unwrap(),
        parse_time("2026-11-20T11:10:00Z").unwrap(),
    );
    let role = RoleSelector::parse(ROLE).unwrap();
    let scopes = [
        (
            "AccessKeyId (this tool)",
            LookupScope::AccessKey(SESSION_KEY.to_owned()),
            3,
        ),
        (
            "Username = session name",
            LookupScope::Role {
                role: role.clone(),
                session_name: Some("GitHubActions".into()),
            },
            3,
        ),
        (
            "whole region, filtered locally",
            LookupScope::Role {
                role,
                session_name: None,
            },
            1,
        ),
    ];
    let mut rows = Vec::new();
    for (approach, scope, repeats) in scopes {
        for _ in 0..repeats {
            rows.push(runtime.block_on(measure(approach, &scope, window)));
        }
    }
    print_table(&rows);
}

/// Fetches `scope` from a fresh server, so rate-limit buckets start full.
async fn measure(approach: &'static str, scope: &LookupScope, window: TimeWindow) -> Row {
    let server = CloudTrailServer::start();
    server.add_records(other_traffic(REGION, OTHER_EVENTS, "2026-11-20T10:05:00Z"));
    server.add_records(session_calls(
        SESSION_KEY,
        REGION,
        SESSION_EVENTS,
        "2026-11-20T10:20:00Z",
    ));
    let config = sdk_config(&server.url(), REGION, None).await;
    let started = Instant::now();
    let outcome = fetch_events(&config, &[REGION.to_owned()], scope, window, None)
        .await
        .unwrap();
    let wall = started.elapsed();
    assert!(outcome.is_complete(), "{:?}", outcome.incomplete);
    assert_eq!(outcome.records.len(), SESSION_EVENTS);
    Row {
        approach,
        calls: outcome.calls,
        region_calls: server.calls_in(REGION).len(),
        records: outcome.records.len(),
        wall,
        throttled: server.throttled(),
    }
}

fn print_table(rows: &[Row]) {
    println!(
        "| approach | LookupEvents calls (all regions) | calls in {REGION} | session events \
         | wall time | throttled |"
    );
    println!("|---|---|---|---|---|---|");
    for row in rows {
        println!(
            "| {} | {} | {} | {} | {:.2} s | {} |",
            row.approach,
            row.calls,
            row.region_calls,
            row.records,
            row.wall.as_secs_f64(),
            row.throttled
        );
    }
}
