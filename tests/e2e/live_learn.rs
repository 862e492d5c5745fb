//! `learn` on live sources: the last run, a run by id, and the role's
//! policies from IAM, through the loopback CloudTrail server.

use crate::support::cloudtrail_server::CloudTrailServer;
use crate::support::{command_at, fixture, other_traffic, ROLE};

fn server() -> CloudTrailServer {
    let server = CloudTrailServer::start();
    server.load_file(&fixture("live-lookup/records.json"));
    server.add_records(other_traffic("us-west-2", 120, "2026-11-20T09:00:00Z"));
    server
}

fn learn(server: &CloudTrailServer, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut command = command_at(&server.url());
    command.env("TRAILGRANT_NOW", "2026-11-20T12:00:00Z");
    command.args([
        "learn",
        "--role",
        ROLE,
        "--output",
        "json",
        "--region",
        "us-west-2",
    ]);
    command.args(extra);
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "{error}: {}\n{stderr}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (output.status.code().unwrap_or(-1), json, stderr)
}

fn event_names(json: &serde_json::Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["event_name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn last_run_reads_only_that_session() {
    let server = server();
    let (code, json, stderr) = learn(&server, &["--last-run"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("ASIAQEXAMPLERUNBBBB") || stderr.contains("run `"),
        "{stderr}"
    );
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for finding in findings {
        assert!(
            finding["event_ids"]
                .as_array()
                .unwrap()
                .iter()
                .all(|id| !id.as_str().unwrap().contains("RUNAAAA")),
            "run A leaked: {finding}"
        );
    }
    let lookups = server.calls();
    assert!(
        lookups.iter().any(|call| call.attribute
            == Some(("AccessKeyId".to_owned(), "ASIAQEXAMPLERUNBBBB".to_owned()))),
        "the run's events were not fetched by access key"
    );
}

#[test]
fn run_by_access_key_id() {
    let server = server();
    let (code, json, stderr) = learn(&server, &["--run", "ASIAQEXAMPLERUNAAAA"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(event_names(&json).len(), 1, "{json:#}");
}

#[test]
fn unknown_run_is_an_error() {
    let server = server();
    let mut command = command_at(&server.url());
    command.env("TRAILGRANT_NOW", "2026-11-20T12:00:00Z");
    command.args([
        "learn",
        "--role",
        ROLE,
        "--run",
        "nope",
        "--region",
        "us-west-2",
    ]);
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("nope"), "{stderr}");
}

#[tokio::test]
async fn from_iam_diffs_against_the_role_in_iam() {
    use crate::support::moto::MotoServer;
    let Some(moto) = MotoServer::start() else {
        return;
    };
    let config = crate::support::sdk_config(&moto.url(), "us-east-1", None).await;
    let iam = aws_sdk_iam::Client::new(&config);
    iam.create_role()
        .role_name("gha-deploy")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#,
        )
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("gha-deploy")
        .policy_name("login")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Login","Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let mut command = command_at(&moto.url());
    command.args([
        "learn",
        "--events",
        &crate::support::arg(&fixture("ecr-ecs-deploy/events.json")),
        "--role",
        ROLE,
        "--from-iam",
        "--output",
        "json",
    ]);
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let login = &json["findings"][0];
    assert_eq!(login["event_name"], "GetAuthorizationToken");
    assert_eq!(login["status"], "already-allowed");
    let statements = json["policy"]["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 3, "{statements:#?}");
    assert!(statements
        .iter()
        .all(|s| s["Action"] != "ecr:GetAuthorizationToken"));
}
