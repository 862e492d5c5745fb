//! The output flags of `learn` through the real binary: `--summary`,
//! `--policy-type`, `--split-policies`, and the size warnings.

use serde_json::{json, Value};

use crate::support::{arg, fixture, run, Run, ROLE};

fn learn(extra: &[&str]) -> Run {
    let events = arg(&fixture("ecr-ecs-deploy/events.json"));
    let mut args = vec!["learn", "--events", &events, "--role", ROLE];
    args.extend_from_slice(extra);
    run(args)
}

fn learn_with_summary(extra: &[&str], summary: &std::path::Path) -> Run {
    let events = arg(&fixture("ecr-ecs-deploy/events.json"));
    let mut command = crate::support::command();
    command
        .args(["learn", "--events", &events, "--role", ROLE])
        .args(extra);
    command.env("GITHUB_STEP_SUMMARY", summary);
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn summary_appends_markdown_to_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("step_summary.md");
    std::fs::write(&summary, "# Deploy\n\n").unwrap();
    let with_summary = learn_with_summary(&["--output", "policy", "--summary"], &summary);
    let plain = learn(&["--output", "policy"]);
    let markdown = learn(&["--output", "markdown"]);
    assert_eq!(with_summary.code, 1, "{}", with_summary.stderr);
    assert_eq!(with_summary.stdout, plain.stdout);
    assert_eq!(with_summary.stderr, "");
    let written = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(written, format!("# Deploy\n\n{}", markdown.stdout));
    assert!(markdown
        .stdout
        .contains("| 1 | 2026-11-20 09:00:07 | ecr.amazonaws.com GetAuthorizationToken (×2) |"));
}

#[test]
fn summary_without_variable_warns() {
    let with_summary = learn(&["--output", "policy", "--summary"]);
    let plain = learn(&["--output", "policy"]);
    assert_eq!(with_summary.code, 1);
    assert_eq!(with_summary.stdout, plain.stdout);
    assert_eq!(
        with_summary.stderr,
        "trailgrant: warning: `--summary` needs `$GITHUB_STEP_SUMMARY`, which GitHub Actions \
         sets in each step; it is not set, so no step summary was written\n"
    );
}

#[test]
fn split_policies_prints_an_array_of_documents() {
    let whole = learn(&["--output", "policy"]).json();
    let split = learn(&[
        "--output",
        "policy",
        "--policy-type",
        "managed",
        "--split-policies=400",
    ]);
    assert_eq!(split.code, 1, "{}", split.stderr);
    let documents = split.json();
    let documents = documents.as_array().unwrap();
    assert_eq!(documents.len(), 3);
    let mut statements = Vec::new();
    for document in documents {
        assert_eq!(document["Version"], "2012-10-17");
        let compact = serde_json::to_string(document).unwrap();
        assert!(
            compact.chars().filter(|c| !c.is_whitespace()).count() <= 400,
            "{compact}"
        );
        statements.extend(document["Statement"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(Value::Array(statements), whole["Statement"]);
    let json = learn(&["--output", "json", "--split-policies=400"]).json();
    assert_eq!(json["policies"], Value::Array(documents.clone()));
    assert_eq!(json["policy"], whole);
}

/// Writes `count` denied `s3:PutObject` calls on distinct long keys.
fn many_denials(path: &std::path::Path, count: usize) {
    let records: Vec<Value> = (0..count)
        .map(|index| {
            let key =
                format!("exports/quarterly-reports/region-{index:04}/summary-with-a-long-name.csv");
            let arn = format!("arn:aws:s3:::reports-bucket/{key}");
            json!({
                "eventVersion": "1.11",
                "userIdentity": {
                    "type": "AssumedRole",
                    "arn": "arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions",
                    "accountId": "111122223333",
                    "sessionContext": {"sessionIssuer": {
                        "type": "Role",
                        "arn": ROLE,
                        "accountId": "111122223333",
                        "userName": "gha-deploy"
                    }}
                },
                "eventTime": format!("2026-11-21T10:{:02}:{:02}Z", index / 60, index % 60),
                "eventSource": "s3.amazonaws.com",
                "eventName": "PutObject",
                "awsRegion": "us-east-1",
                "errorCode": "AccessDenied",
                "errorMessage": format!(
                    "User: arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions is not \
                     authorized to perform: s3:PutObject on resource: \"{arn}\" because no \
                     identity-based policy allows the s3:PutObject action"
                ),
                "requestParameters": {"bucketName": "reports-bucket", "key": key},
                "eventID": format!("00000000-0000-4000-8000-{index:012}"),
                "recipientAccountId": "111122223333"
            })
        })
        .collect();
    std::fs::write(
        path,
        serde_json::to_string(&json!({"Records": records})).unwrap(),
    )
    .unwrap();
}

#[test]
fn oversized_proposal_warns_and_splits() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.json");
    many_denials(&events, 200);
    let events = arg(&events);
    let base = ["learn", "--events", events.as_str(), "--role", ROLE];
    let inline = run(base.iter().copied().chain(["--output", "json"]));
    assert_eq!(inline.code, 1, "{}", inline.stderr);
    let warnings = inline.json()["warnings"].clone();
    let warning = warnings
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|w| w.starts_with("the proposed inline policy takes "))
        .unwrap_or_else(|| panic!("no size warning in {warnings}"));
    assert!(warning.ends_with(
        "characters without whitespace, over the 10240 IAM allows for all inline policies of a \
         role together; attach them as managed policies instead (`--policy-type managed \
         --split-policies`)"
    ));
    assert!(inline
        .stderr
        .contains(&format!("trailgrant: warning: {warning}\n")));

    let managed = run(base.iter().copied().chain([
        "--output",
        "policy",
        "--policy-type",
        "managed",
        "--split-policies",
    ]));
    assert_eq!(managed.code, 1);
    assert_eq!(managed.stderr, "");
    let documents = managed.json();
    let documents = documents.as_array().unwrap();
    assert!(documents.len() >= 3, "{}", documents.len());
    for document in documents {
        let compact = serde_json::to_string(document).unwrap();
        assert!(compact.chars().filter(|c| !c.is_whitespace()).count() <= 6144);
    }
}

#[test]
fn markdown_shows_the_current_policy_diff() {
    let case = "acceptance/02-ecr-push-namespaced-repo";
    let output = run([
        "learn",
        "--events",
        &format!("fixtures/{case}/events.json"),
        "--role",
        ROLE,
        "--policy",
        &format!("fixtures/{case}/current-policy.json"),
        "--output",
        "markdown",
    ]);
    assert_eq!(output.code, 1, "{}", output.stderr);
    insta::assert_snapshot!("02-ecr-push-namespaced-repo.markdown", output.stdout);
}
