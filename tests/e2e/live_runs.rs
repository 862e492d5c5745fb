//! Listing a role's GitHub Actions runs, through the library and through
//! `trailgrant runs`.

use trailgrant::aws::runs::discover_runs;
use trailgrant::aws::TimeWindow;
use trailgrant::record::{parse_time, RoleSelector};

use crate::support::cloudtrail_server::{CloudTrailServer, Fault};
use crate::support::{command_at, fixture, other_traffic, sdk_config, session_calls, ROLE};

fn server() -> CloudTrailServer {
    let server = CloudTrailServer::start();
    server.load_file(&fixture("live-lookup/records.json"));
    server.add_records(session_calls(
        "ASIAQEXAMPLERUNBBBB",
        "us-west-2",
        110,
        "2026-11-20T10:01:00Z",
    ));
    server.add_records(other_traffic("us-west-2", 200, "2026-11-20T09:00:00Z"));
    server
}

#[tokio::test]
async fn discovery_lists_sessions_with_denials() {
    let server = server();
    let config = sdk_config(&server.url(), "us-west-2", None).await;
    let role = RoleSelector::parse(ROLE).unwrap();
    let window = TimeWindow::last(
        parse_time("2026-11-20T12:00:00Z").unwrap(),
        std::time::Duration::from_secs(24 * 3600),
    );
    let discovery = discover_runs(&config, &["us-west-2".to_owned()], &role, window)
        .await
        .unwrap();

    let keys: Vec<Option<&str>> = discovery
        .runs
        .iter()
        .map(|run| run.access_key_id.as_deref())
        .collect();
    assert_eq!(
        keys,
        [
            Some("ASIAQEXAMPLERUNBBBB"),
            Some("ASIAQEXAMPLERUNAAAA"),
            None
        ]
    );
    let counts: Vec<(Option<usize>, Option<usize>)> = discovery
        .runs
        .iter()
        .map(|run| (run.events, run.denials))
        .collect();
    assert_eq!(
        counts,
        [(Some(115), Some(3)), (Some(2), Some(1)), (None, None)]
    );
    let b = &discovery.runs[0];
    assert_eq!(b.region, "us-east-1");
    assert_eq!(b.claims.repository.as_deref(), Some("acme/web"));
    assert_eq!(b.claims.git_ref.as_deref(), Some("refs/heads/main"));
    let a = &discovery.runs[1];
    assert_eq!(a.region, "us-west-2");
    assert_eq!(a.claims.environment.as_deref(), Some("staging"));
    let refused = &discovery.runs[2];
    assert_eq!(refused.assume_error.as_deref(), Some("AccessDenied"));
    assert_eq!(
        refused.subject.as_deref(),
        Some("repo:evil/fork:pull_request")
    );
    assert!(discovery.incomplete.is_empty());
    // 2 discovery calls, run B 1 + 3 pages, run A 1 + 1.
    assert_eq!(discovery.calls, 8);
    assert_eq!(server.throttled(), 0);
}

#[test]
fn runs_prints_a_table() {
    let server = server();
    let output = command_at(&server.url())
        .args(["runs", "--role", ROLE, "--since", "24h"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "\
TIME (UTC)           REGION     SESSION        ACCESS KEY ID        REPOSITORY  REF OR ENVIRONMENT   EVENTS  DENIALS
2026-11-20 10:00:05  us-east-1  GitHubActions  ASIAQEXAMPLERUNBBBB  acme/web    refs/heads/main      115     3
2026-11-20 09:00:00  us-west-2  GitHubActions  ASIAQEXAMPLERUNAAAA  acme/web    environment staging  2       1
2026-11-20 08:30:00  us-east-1  GitHubActions  -                    evil/fork   pull request         -       refused: AccessDenied
"
    );
    assert_eq!(stderr, "");
}

#[test]
fn runs_prints_json() {
    let server = server();
    let output = command_at(&server.url())
        .args([
            "runs",
            "--role",
            "gha-deploy",
            "--since",
            "6h",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["window"]["start"], "2026-11-20T06:00:00Z");
    assert_eq!(value["window"]["end"], "2026-11-20T12:00:00Z");
    assert_eq!(value["calls"], 8);
    assert_eq!(value["incomplete"], serde_json::json!([]));
    let run = &value["runs"][0];
    assert_eq!(run["time"], "2026-11-20T10:00:05Z");
    assert_eq!(run["session_name"], "GitHubActions");
    assert_eq!(run["access_key_id"], "ASIAQEXAMPLERUNBBBB");
    assert_eq!(run["subject"], "repo:acme/web:ref:refs/heads/main");
    assert_eq!(run["repository"], "acme/web");
    assert_eq!(run["ref"], "refs/heads/main");
    assert_eq!(run["environment"], serde_json::Value::Null);
    assert_eq!(run["expires"], "2026-11-20T11:00:05Z");
    assert_eq!(run["events"], 115);
    assert_eq!(run["denials"], 3);
    assert_eq!(value["runs"][2]["assume_error"], "AccessDenied");
}

#[test]
fn runs_names_the_missing_permission() {
    let server = server();
    server.inject(None, Fault::AccessDenied, usize::MAX);
    let output = command_at(&server.url())
        .args(["runs", "--role", ROLE])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(output.stdout, b"");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("trailgrant: `cloudtrail:LookupEvents` was denied in `us-"),
        "{stderr}"
    );
    assert!(stderr.contains(
        "AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/trailgrant-reader/test \
         is not authorized to perform: cloudtrail:LookupEvents"
    ));
    assert!(stderr.trim_end().ends_with(
        "grant `cloudtrail:LookupEvents` to the credentials in use (`trailgrant self-policy` \
         prints every permission the tool needs)"
    ));
}

#[test]
fn runs_marks_a_failed_region_incomplete() {
    let server = server();
    server.inject(Some("us-west-2"), Fault::ServerError, usize::MAX);
    let output = command_at(&server.url())
        .args(["runs", "--role", ROLE])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "partial input");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("ASIAQEXAMPLERUNBBBB"), "{stdout}");
    assert!(
        !stdout.contains("ASIAQEXAMPLERUNAAAA"),
        "run A is recorded in us-west-2 only"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "trailgrant: warning: incomplete result: `us-west-2` page 1: \
             `cloudtrail:LookupEvents` failed in `us-west-2` with a server error after the retries"
        ),
        "{stderr}"
    );
}

#[test]
fn runs_without_credentials_says_how_to_add_them() {
    let output = command_at("http://127.0.0.1:9")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["runs", "--role", ROLE])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("trailgrant: no usable AWS credentials for `cloudtrail:LookupEvents`: "),
        "{stderr}"
    );
    assert!(stderr.contains("no credentials found in chain"), "{stderr}");
    assert!(stderr.trim_end().ends_with(
        "set `--profile`, `AWS_PROFILE` or the `AWS_ACCESS_KEY_ID` variables, or run \
         `aws sso login` for an SSO profile"
    ));
}
