//! The organization-scale sources against loopback servers: a trail bucket
//! and Athena on moto, CloudTrail Lake on a server of our own. One corpus
//! (`fixtures/org-trail/events.json`) is read from local files, from the
//! bucket, through Athena and through Lake, and every source must print the
//! same json.

use std::io::{Read, Write};
use std::net::TcpStream;

use chrono::{DateTime, Duration, Timelike, Utc};
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};
use trailgrant::aws::query::{Scope, TrailLocation};
use trailgrant::aws::s3::{read_trail_bucket, BucketRequest};
use trailgrant::learn::{LearnOptions, Window};
use trailgrant::record::RoleSelector;

use crate::support::lake_server::LakeServer;
use crate::support::moto::MotoServer;
use crate::support::trail_query::{athena_rows, columns, lake_rows, relevant};
use crate::support::{arg, command_at, fixture, sdk_config, ACCOUNT, ROLE};

const BUCKET: &str = "org-trail";
const ORG: &str = "o-a1b2c3d4e5";
const START: &str = "2026-11-19T06:00:00Z";
const END: &str = "2026-11-21T23:59:59Z";

fn time(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn corpus() -> Vec<Value> {
    let text = std::fs::read_to_string(fixture("org-trail/events.json")).unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();
    document["Records"].as_array().unwrap().clone()
}

/// The flags every run shares: role, window, current policy, json output.
fn common_args() -> Vec<String> {
    [
        "--role",
        ROLE,
        "--start",
        START,
        "--end",
        END,
        "--policy",
        &arg(&fixture("org-trail/policy.json")),
        "--output",
        "json",
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
    ]
    .iter()
    .map(ToString::to_string)
    .collect()
}

fn run_at(endpoint: &str, args: &[String]) -> (i32, String, String) {
    let output = command_at(endpoint).args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn learn_files() -> String {
    let mut args = vec![
        "learn".to_owned(),
        "--events".to_owned(),
        arg(&fixture("org-trail/events.json")),
    ];
    args.extend(common_args());
    let (code, stdout, stderr) = run_at("http://127.0.0.1:9", &args);
    assert_eq!(code, 1, "stderr: {stderr}");
    stdout
}

/// The key CloudTrail would deliver `record` under: a file per account,
/// region and five minutes, delivered five minutes after its events.
fn object_key(record: &Value) -> String {
    let account = record["recipientAccountId"].as_str().unwrap();
    let region = record["awsRegion"].as_str().unwrap();
    let event = time(record["eventTime"].as_str().unwrap());
    let later = event + Duration::minutes(5);
    let delivered = later
        .with_minute(later.minute() / 5 * 5)
        .and_then(|t| t.with_second(0))
        .unwrap();
    let stamp = delivered.format("%Y%m%dT%H%MZ");
    format!(
        "AWSLogs/{ORG}/{account}/CloudTrail/{region}/{}/{account}_CloudTrail_{region}_{stamp}_Ab12Cd34Ef56Gh78.json.gz",
        delivered.format("%Y/%m/%d"),
    )
}

fn gzip(document: &Value) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(document.to_string().as_bytes()).unwrap();
    encoder.finish().unwrap()
}

/// Uploads the corpus as a trail would have delivered it, plus a file in a
/// folder outside the window.
async fn fill_bucket(moto: &MotoServer) -> usize {
    let config = sdk_config(&moto.url(), "us-east-1", None).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let mut files: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for record in corpus() {
        files.entry(object_key(&record)).or_default().push(record);
    }
    let old = corpus()[0].clone();
    let old_key = format!(
        "AWSLogs/{ORG}/{ACCOUNT}/CloudTrail/us-east-1/2026/11/18/{ACCOUNT}_CloudTrail_us-east-1_20261118T1005Z_Zz12Cd34Ef56Gh78.json.gz"
    );
    files.insert(old_key, vec![old]);
    for (key, records) in &files {
        let body = gzip(&json!({ "Records": records }));
        s3.put_object()
            .bucket(BUCKET)
            .key(key)
            .body(body.into())
            .send()
            .await
            .unwrap();
    }
    files.len()
}

fn role_options() -> LearnOptions {
    LearnOptions {
        role: RoleSelector::parse(ROLE).unwrap(),
        window: Window {
            start: Some(time(START)),
            end: Some(time(END)),
        },
        trust_policy: None,
        current: None,
        anticipate: Default::default(),
        hints: Default::default(),
    }
}

fn scope(regions: &[&str]) -> Scope {
    Scope {
        role: RoleSelector::parse(ROLE).unwrap(),
        start: time(START),
        end: time(END),
        accounts: vec![ACCOUNT.to_owned()],
        regions: regions.iter().map(|r| (*r).to_owned()).collect(),
        flow_calls: Vec::new(),
    }
}

#[tokio::test]
async fn s3_listing_touches_only_window_days() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    fill_bucket(&moto).await;
    let config = sdk_config(&moto.url(), "us-east-1", None).await;
    let (location, _) = TrailLocation::parse(&format!("s3://{BUCKET}"), Some(ORG)).unwrap();
    let request = BucketRequest {
        location,
        scope: scope(&["us-east-1", "eu-west-1"]),
    };
    let outcome = read_trail_bucket(&config, &request, &role_options())
        .await
        .unwrap();
    let mut expected = Vec::new();
    for region in ["eu-west-1", "us-east-1"] {
        for day in ["2026/11/19", "2026/11/20", "2026/11/21", "2026/11/22"] {
            expected.push(format!(
                "AWSLogs/{ORG}/{ACCOUNT}/CloudTrail/{region}/{day}/"
            ));
        }
    }
    assert_eq!(outcome.listed_prefixes, expected);
    // The file delivered at 03:00 on the first day holds only events from
    // before the window's 06:00 start, so it is not read.
    assert_eq!(outcome.skipped_objects, 1);
    assert!(
        outcome.scan.problems.is_empty(),
        "{:?}",
        outcome.scan.problems
    );
    let mut ids: Vec<&str> = outcome
        .records
        .iter()
        .filter_map(|record| record.event_id.as_deref())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 17);
    assert!(outcome
        .records
        .iter()
        .all(|r| r.event_time.unwrap() >= time(START)));
}

#[tokio::test]
async fn s3_regions_found_by_listing() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    fill_bucket(&moto).await;
    let config = sdk_config(&moto.url(), "us-east-1", None).await;
    let (location, _) = TrailLocation::parse(&format!("s3://{BUCKET}"), None).unwrap();
    let request = BucketRequest {
        location,
        scope: scope(&[]),
    };
    let outcome = read_trail_bucket(&config, &request, &role_options())
        .await
        .unwrap();
    // One listing finds the organization folder, one the regions, then
    // four days in each of the two regions that have events.
    assert_eq!(outcome.listed_prefixes.len(), 2 + 8);
    assert!(outcome.listed_prefixes.contains(&"AWSLogs/".to_owned()));
    assert!(outcome
        .listed_prefixes
        .contains(&format!("AWSLogs/{ORG}/{ACCOUNT}/CloudTrail/")));
    assert_eq!(outcome.records.len(), 17);
}

/// Sets moto's next Athena result for `region`, with the header row Athena
/// puts first.
fn queue_athena_result(
    moto: &MotoServer,
    region: &str,
    columns: &[String],
    rows: &[Vec<Option<String>>],
) {
    let datum = |value: &Option<String>| match value {
        Some(text) => json!({ "VarCharValue": text }),
        None => json!({}),
    };
    let header =
        json!({ "Data": columns.iter().map(|c| json!({ "VarCharValue": c })).collect::<Vec<_>>() });
    let mut all = vec![header];
    all.extend(
        rows.iter()
            .map(|row| json!({ "Data": row.iter().map(datum).collect::<Vec<_>>() })),
    );
    let info: Vec<Value> = columns
        .iter()
        .map(|c| json!({ "Name": c, "Label": c, "Type": "varchar" }))
        .collect();
    let body = json!({ "region": region, "results": [{ "rows": all, "column_info": info }] });
    let status = post(&moto.url(), "/moto-api/static/athena/query-results", &body);
    assert_eq!(status, 201);
}

/// Posts JSON to a loopback server and returns the HTTP status.
fn post(url: &str, path: &str, body: &Value) -> u16 {
    let address = url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(address).unwrap();
    let text = body.to_string();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split(' ').nth(1).unwrap().parse().unwrap()
}

fn explain(endpoint: &str, source: &[&str]) -> String {
    let mut args: Vec<String> = vec!["learn".into()];
    args.extend(source.iter().map(ToString::to_string));
    args.extend(common_args());
    args.push("--explain".into());
    let (code, stdout, stderr) = run_at(endpoint, &args);
    assert_eq!(code, 0, "stderr: {stderr}");
    stdout
}

#[tokio::test]
async fn four_sources_print_the_same_json() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    let expected = learn_files();
    let findings = serde_json::from_str::<Value>(&expected).unwrap()["findings"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(findings, 10);

    // The trail bucket.
    fill_bucket(&moto).await;
    let mut args = vec![
        "learn".to_owned(),
        "--events".to_owned(),
        format!("s3://{BUCKET}"),
        "--org-id".to_owned(),
        ORG.to_owned(),
    ];
    args.extend(common_args());
    let (code, stdout, stderr) = run_at(&moto.url(), &args);
    assert_eq!(code, 1, "stderr: {stderr}");
    assert_eq!(stdout, expected, "bucket");

    // Athena: moto returns the rows that the query selects from the corpus.
    let athena = ["--athena", "trail.cloudtrail_org"];
    let sql = explain(&moto.url(), &athena);
    let rows = relevant(&corpus(), ROLE, time(START), time(END), &[ACCOUNT]);
    assert!(
        rows.records.len() < rows.role_records,
        "the query drops records"
    );
    let athena_columns = columns(&sql);
    let athena_rows = athena_rows(&rows, &athena_columns);
    queue_athena_result(&moto, "us-east-1", &athena_columns, &athena_rows);
    let mut args: Vec<String> = athena.iter().map(ToString::to_string).collect();
    args.insert(0, "learn".into());
    args.extend(common_args());
    let (code, stdout, stderr) = run_at(&moto.url(), &args);
    assert_eq!(code, 1, "stderr: {stderr}");
    assert_eq!(stdout, expected, "athena");
    let config = sdk_config(&moto.url(), "us-east-1", None).await;
    let client = aws_sdk_athena::Client::new(&config);
    let ids = client.list_query_executions().send().await.unwrap();
    let id = ids.query_execution_ids().first().unwrap().clone();
    let execution = client
        .get_query_execution()
        .query_execution_id(id)
        .send()
        .await
        .unwrap();
    let sent = execution.query_execution().unwrap().query().unwrap();
    assert_eq!(sent, sql);
    let context = execution
        .query_execution()
        .unwrap()
        .query_execution_context()
        .unwrap();
    assert_eq!(context.database(), Some("trail"));

    // CloudTrail Lake: the loopback server returns the rows in pages of 4.
    let store = "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/EXAMPLE-f852-4e8f";
    let lake_sql = explain("http://127.0.0.1:9", &["--lake", store]);
    let lake_columns = columns(&lake_sql);
    let lake = LakeServer::start(lake_rows(&rows, &lake_columns), 4);
    let mut args = vec!["learn".to_owned(), "--lake".to_owned(), store.to_owned()];
    args.extend(common_args());
    let (code, stdout, stderr) = run_at(&lake.url(), &args);
    assert_eq!(code, 1, "stderr: {stderr}");
    assert_eq!(stdout, expected, "lake");
    assert_eq!(lake.statements(), [lake_sql]);
    assert_eq!(lake.describes(), 2);
    assert_eq!(lake.result_pages(), rows.records.len().div_ceil(4));
}

#[test]
fn athena_ddl_for_organization_bucket() {
    let args = [
        "athena-ddl",
        "--bucket",
        "s3://org-trail/audit",
        "--org-id",
        ORG,
        "--account",
        ACCOUNT,
        "--region",
        "eu-west-1",
        "--table",
        "security.trail",
    ];
    let (code, stdout, stderr) = run_at("http://127.0.0.1:9", &args.map(String::from));
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stdout.starts_with("CREATE EXTERNAL TABLE IF NOT EXISTS security.trail (\n"));
    assert!(stdout.contains("\nLOCATION 's3://org-trail/audit/AWSLogs/o-a1b2c3d4e5/'\n"));
    assert!(stdout.contains("  'projection.account.values'='111122223333',\n"));
    assert!(stdout.contains("  'projection.region.values'='us-east-1,eu-west-1',\n"));
    assert!(stdout.contains(
        "  'storage.location.template'='s3://org-trail/audit/AWSLogs/o-a1b2c3d4e5/${account}/CloudTrail/${region}/${timestamp}'\n"
    ));
}

#[test]
fn athena_ddl_rejects_what_it_cannot_quote() {
    let cases: [(&[&str], &str); 4] = [
        (&["--bucket", "b'x"], "is not an S3 bucket name"),
        (&["--bucket", ""], "is not an S3 bucket name"),
        (
            &["--bucket", "org-trail", "--prefix", "p'q"],
            "which the DDL cannot quote",
        ),
        (
            &["--bucket", "org-trail", "--region", "US-EAST-1"],
            "is not a region name",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["athena-ddl".to_owned()];
        args.extend(extra.iter().map(|arg| (*arg).to_owned()));
        let (code, stdout, stderr) = run_at("http://127.0.0.1:9", &args);
        assert_eq!(code, 2, "{extra:?}: {stderr}");
        assert_eq!(stdout, "", "{extra:?}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
    }
}

#[test]
fn remote_source_errors() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["learn", "--athena", "t", "--role", ROLE],
            "trailgrant: reading a trail bucket, Athena or CloudTrail Lake needs a time window: \
             give `--since` or `--start`\n",
        ),
        (
            &["learn", "--events", "x.json", "--role", ROLE, "--explain"],
            "trailgrant: `--explain` prints the query of `--athena` or `--lake`; give one of them\n",
        ),
        (
            &["learn", "--lake", "x;y", "--role", ROLE, "--since", "1d"],
            "trailgrant: `x;y` is not an event data store ARN or id \
             (`arn:aws:cloudtrail:REGION:ACCOUNT:eventdatastore/ID`)\n",
        ),
        (
            &["learn", "--events", "s3://trail/AWSLogs/x", "--role", ROLE, "--since", "1d"],
            "trailgrant: `s3://trail/AWSLogs/x`: expected an account id after `AWSLogs/`, found \
             `x`\n",
        ),
        (
            &["learn", "--events", "s3://b/AWSLogs", "--role", ROLE, "--since", "1d"],
            "trailgrant: `b` is not an S3 bucket name (3 to 63 lower-case letters, digits, `.` \
             and `-`; older buckets may also hold upper-case letters and `_`)\n",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<String> = args.iter().map(ToString::to_string).collect();
        let (code, stdout, stderr) = run_at("http://127.0.0.1:9", &args);
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(stdout, "", "{args:?}");
        assert_eq!(stderr, expected, "{args:?}");
    }
}
