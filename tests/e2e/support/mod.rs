//! Helpers for running the real binary, loading fixtures, and the external
//! tools some tests drive; for the AWS adapter's tests, loopback servers,
//! generated CloudTrail traffic and SDK configurations, all pointed at
//! 127.0.0.1 with fake credentials.

#![allow(dead_code, reason = "each test module uses a different subset")]

pub mod authorizer;
pub mod catalog_env;
pub mod cloudtrail_server;
pub mod lake_server;
pub mod moto;
pub mod simulator;
pub mod tools;
pub mod trail_query;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use aws_sdk_cloudtrail::config::retry::RetryConfig;
use aws_sdk_cloudtrail::config::Credentials;
use serde_json::{json, Value};
use trailgrant::anticipate::AnticipateMode;
use trailgrant::aws::{config_loader, AwsOptions, SdkConfig};

use trailgrant::catalog::Catalog;
use trailgrant::learn::{self, LearnOptions, Report, Window};
use trailgrant::record::{Record, RoleSelector};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    root().join("fixtures").join(relative)
}

/// The finished run of the binary.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// stdout as text.
    pub stdout: String,
    /// stderr as text.
    pub stderr: String,
}

impl Run {
    /// Parses stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|error| {
            panic!(
                "stdout is not JSON ({error}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// A `trailgrant` command with an environment that can reach nothing: no
/// AWS profile, fake credentials, no instance metadata, loopback endpoints.
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trailgrant"));
    command
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_SESSION_TOKEN", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("TRAILGRANT_CATALOG")
        .env_remove("TRAILGRANT_SERVICE_REFERENCE_URL")
        .env(
            "TRAILGRANT_CACHE_DIR",
            root().join("target/e2e-no-catalog-cache"),
        )
        .env_remove("TRAILGRANT_NOW")
        .stdin(Stdio::null());
    command
}

/// Runs the binary with `args`.
pub fn run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut command = command();
    command.args(args);
    finish(command.output().expect("failed to start trailgrant"))
}

/// Runs the binary with `args` and `input` on stdin.
pub fn run_with_stdin<I, S>(args: I, input: &[u8]) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    use std::io::Write;
    let mut command = command();
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("failed to start trailgrant");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    finish(child.wait_with_output().expect("trailgrant did not finish"))
}

fn finish(output: Output) -> Run {
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Returns `path` as a string argument.
pub fn arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The role every fixture studies.
pub const ROLE: &str = "arn:aws:iam::111122223333:role/gha-deploy";

/// Runs `learn --output json` for [`ROLE`] on `fixtures/CASE/events.json`,
/// passing each file of `policies` in the case folder as its flag (such as
/// `("--policy", "current-policy.json")`), and checks that it exits with
/// code 1, a change proposed. Returns the report.
pub fn learn_case(case: &str, policies: &[(&str, &str)]) -> Value {
    let folder = fixture(case);
    let mut args = vec![
        "learn".to_owned(),
        "--events".to_owned(),
        arg(&folder.join("events.json")),
        "--role".to_owned(),
        ROLE.to_owned(),
        "--output".to_owned(),
        "json".to_owned(),
    ];
    for (flag, file) in policies {
        args.push((*flag).to_owned());
        args.push(arg(&folder.join(file)));
    }
    let run = run(args);
    assert_eq!(run.code, 1, "{case}: stderr: {}", run.stderr);
    run.json()
}

/// Reads the records of a `{"Records": […]}` fixture file.
pub fn fixture_records(path: &Path) -> Vec<Record> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["Records"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no `Records` array", path.display()))
        .iter()
        .map(|record| Record::from_value(record.clone()).unwrap())
        .collect()
}

/// Runs the library pipeline on a fixture scenario's `events.json` for
/// `role`, with no current policy and no anticipation.
pub fn scenario_report(scenario: &str, role: &str) -> Report {
    let records = fixture_records(&fixture(&format!("{scenario}/events.json")));
    let options = LearnOptions {
        role: RoleSelector::parse(role).unwrap(),
        window: Window::default(),
        trust_policy: None,
        current: None,
        anticipate: AnticipateMode::None,
        hints: Default::default(),
    };
    learn::learn(records, Catalog::embedded().unwrap(), &options)
}

/// The account of every fixture.
pub const ACCOUNT: &str = "111122223333";

/// Returns an SDK configuration for `endpoint` with fixed fake credentials,
/// `region` as the configured region, and quick retries so fault tests stay
/// short (3 attempts, as the standard mode makes).
pub async fn sdk_config(
    endpoint: &str,
    region: &str,
    attempt_timeout: Option<Duration>,
) -> SdkConfig {
    let options = AwsOptions {
        regions: vec![region.to_owned()],
        endpoint_url: Some(endpoint.to_owned()),
        attempt_timeout,
        ..AwsOptions::default()
    };
    config_loader(&options)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "e2e"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(50)),
        )
        .load()
        .await
}

/// Returns the binary under test with an emptied environment: fake static
/// credentials, a home without AWS profile files, no instance metadata,
/// every endpoint at `endpoint`, and the clock fixed after the fixtures'
/// runs.
pub fn command_at(endpoint: &str) -> Command {
    let home = std::env::temp_dir().join("trailgrant-e2e-home");
    let mut command = Command::new(env!("CARGO_BIN_EXE_trailgrant"));
    command
        .env_clear()
        .env("HOME", &home)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-west-2")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_RETRY_MODE", "standard")
        .env("AWS_MAX_ATTEMPTS", "3")
        .env("TRAILGRANT_NOW", "2026-11-20T12:00:00Z");
    command
}

/// Returns `count` successful calls of the session `key` of `gha-deploy` in
/// `region`, one second apart from `start` (RFC 3339).
pub fn session_calls(key: &str, region: &str, count: usize, start: &str) -> Vec<Value> {
    (0..count)
        .map(|i| {
            let time = offset(start, i as i64);
            json!({
                "eventVersion": "1.09", "eventTime": time, "awsRegion": region,
                "eventSource": "ecr.amazonaws.com", "eventName": "BatchCheckLayerAvailability",
                "eventID": format!("ev-{key}-{region}-{i:05}"), "readOnly": true,
                "eventType": "AwsApiCall", "recipientAccountId": ACCOUNT,
                "userIdentity": {
                    "type": "AssumedRole", "accountId": ACCOUNT, "accessKeyId": key,
                    "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/gha-deploy/GitHubActions"),
                    "sessionContext": {"sessionIssuer": {"type": "Role", "arn": ROLE,
                        "accountId": ACCOUNT, "userName": "gha-deploy"}}
                },
                "requestParameters": {"repositoryName": "web"}
            })
        })
        .collect()
}

/// Returns `count` events of other principals in `region` from `start`,
/// a tenth of them denied, spread over 50 sessions of another role, one
/// every 0.3 seconds (rounded down to the second).
pub fn other_traffic(region: &str, count: usize, start: &str) -> Vec<Value> {
    (0..count)
        .map(|i| {
            let key = format!("ASIAQNOISE{:09}", i % 50);
            let time = offset(start, (i * 3 / 10) as i64);
            let mut record = json!({
                "eventVersion": "1.09", "eventTime": time, "awsRegion": region,
                "eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances",
                "eventID": format!("ev-noise-{region}-{i:06}"), "readOnly": true,
                "eventType": "AwsApiCall", "recipientAccountId": ACCOUNT,
                "userIdentity": {
                    "type": "AssumedRole", "accountId": ACCOUNT, "accessKeyId": key,
                    "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/ops/session-{}", i % 50),
                    "sessionContext": {"sessionIssuer": {"type": "Role",
                        "arn": format!("arn:aws:iam::{ACCOUNT}:role/ops"),
                        "accountId": ACCOUNT, "userName": "ops"}}
                }
            });
            if i % 10 == 0 {
                record["errorCode"] = json!("Client.UnauthorizedOperation");
            }
            record
        })
        .collect()
}

fn offset(start: &str, seconds: i64) -> String {
    let start = chrono::DateTime::parse_from_rfc3339(start).unwrap();
    (start + chrono::Duration::seconds(seconds))
        .to_utc()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Returns true when tools installed by `scripts/test-setup` must be
/// present (the test script sets `TRAILGRANT_REQUIRE_TOOLS=1`).
pub fn tools_required() -> bool {
    std::env::var("TRAILGRANT_REQUIRE_TOOLS").is_ok_and(|value| value == "1")
}
