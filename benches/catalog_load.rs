//! Cost of loading the embedded catalog: decompression and the service
//! outline (what every run pays), the first lookups (which decode a few
//! services), a full decode of every service for comparison, the memory
//! each leaves resident, and the wall time of a whole `trailgrant catalog`
//! process.
//!
//! Run with `cargo bench --bench catalog_load`.

#![allow(clippy::panic, reason = "a benchmark stops on broken data")]

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use trailgrant::catalog::{ArnContext, Catalog, EventKey};
use trailgrant::record::Record;

const REFERENCE: &[u8] = include_bytes!("../data/service-reference.json.gz");
const EXCEPTIONS: &[u8] = include_bytes!("../data/event-action-exceptions.json.gz");
const RUNS: usize = 30;

fn main() {
    let rss_start = memory("VmRSS:");
    let first = load();
    let rss_loaded = memory("VmRSS:");
    lookups(&first);
    let rss_looked_up = memory("VmRSS:");
    first
        .validate()
        .unwrap_or_else(|error| panic!("catalog does not decode: {error}"));
    let rss_full = memory("VmRSS:");
    drop(first);

    report("decompress + outline", time(|| drop(load())));
    report(
        "decompress + outline + 3 lookups + resolve + ARN",
        time(|| lookups(&load())),
    );
    report(
        "decompress + full decode of all services",
        time(|| load().validate().map_or((), drop)),
    );
    report("process: trailgrant catalog ecr:PutImage", time(run_binary));

    println!("\nresident memory (VmRSS, KiB):");
    println!("  before load            {rss_start:>8}");
    println!(
        "  after load             {rss_loaded:>8}  (+{})",
        rss_loaded - rss_start
    );
    println!(
        "  after first lookups    {rss_looked_up:>8}  (+{})",
        rss_looked_up - rss_start
    );
    println!(
        "  after full decode      {rss_full:>8}  (+{})",
        rss_full - rss_start
    );
    println!("  peak (VmHWM)           {:>8}", memory("VmHWM:"));
}

fn load() -> Catalog {
    Catalog::from_gzip_parts(REFERENCE, EXCEPTIONS, "bench")
        .unwrap_or_else(|error| panic!("catalog does not load: {error}"))
}

/// Does what a one-record run does after loading: resolves the event, looks
/// up its action and builds its resource.
fn lookups(catalog: &Catalog) {
    let record = Record::from_value(json!({
        "eventSource": "ecr.amazonaws.com",
        "eventName": "PutImage",
        "awsRegion": "eu-west-1",
        "recipientAccountId": "111122223333",
        "userIdentity": {"arn": "arn:aws:sts::111122223333:assumed-role/gha/run"},
        "requestParameters": {"repositoryName": "app"}
    }))
    .unwrap_or_else(|error| panic!("bad record: {error}"));
    let resolution = catalog.resolve(EventKey::from_record(&record), None);
    assert_eq!(resolution.action_names(), ["ecr:PutImage"]);
    for name in ["ecr:PutImage", "s3:GetObject", "iam:PassRole"] {
        let action = catalog
            .action(name)
            .unwrap_or_else(|| panic!("{name} missing"));
        std::hint::black_box(catalog.build_resources(&action, ArnContext::new(&record)));
    }
}

fn run_binary() {
    let status = Command::new(env!("CARGO_BIN_EXE_trailgrant"))
        .args(["catalog", "ecr:PutImage"])
        .env(
            "TRAILGRANT_CACHE_DIR",
            std::env::temp_dir().join("trailgrant-bench-no-cache"),
        )
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap_or_else(|error| panic!("cannot run trailgrant: {error}"));
    assert!(status.success());
}

fn time(mut run: impl FnMut()) -> Vec<Duration> {
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect()
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let min = times.first().copied().unwrap_or_default();
    let max = times.last().copied().unwrap_or_default();
    println!(
        "{label:<52} min {:>7.2} ms  median {:>7.2} ms  max {:>7.2} ms",
        ms(min),
        ms(median),
        ms(max)
    );
}

/// Reads a `/proc/self/status` field in KiB (0 where unavailable).
fn memory(field: &str) -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with(field))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}
