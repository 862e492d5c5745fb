//! Every case under `fixtures/acceptance/`: the proposed statements must
//! allow what the case requires and nothing it forbids, with the causes it
//! names. The cases come with `expected.json`; its keys are described in
//! `fixtures/acceptance/README.md`.

use std::path::Path;

use serde_json::Value;
use trailgrant::catalog::Catalog;
use trailgrant::policy::eval::{evaluate_documents, Decision, Request};
use trailgrant::policy::PolicyDocument;

use crate::support::{arg, fixture, run, Run};

/// Runs `learn` on a case the way the cases are graded.
fn learn(case: &Path) -> Run {
    let mut args = vec![
        "learn".to_owned(),
        "--events".to_owned(),
        arg(&case.join("events.json")),
        "--role".to_owned(),
        crate::support::ROLE.to_owned(),
        "--output".to_owned(),
        "json".to_owned(),
    ];
    if case.join("current-policy.json").exists() {
        args.push("--policy".to_owned());
        args.push(arg(&case.join("current-policy.json")));
    }
    if case.join("current-trust-policy.json").exists() {
        args.push("--trust-policy".to_owned());
        args.push(arg(&case.join("current-trust-policy.json")));
    }
    run(args)
}

fn request_of(entry: &Value) -> Request {
    let mut request = Request::new(
        entry["action"].as_str().unwrap(),
        entry["resource"].as_str().unwrap(),
    );
    if let Some(context) = entry["context"].as_object() {
        for (key, value) in context {
            request = request.with_context(key, [value.as_str().unwrap()]);
        }
    }
    request
}

fn decide(policy: &PolicyDocument, request: &Request) -> Decision {
    evaluate_documents([("proposal", policy)], request).decision
}

/// Checks one case and returns what is wrong with it, one line each.
fn check_case(name: &str) -> Vec<String> {
    let case = fixture(&format!("acceptance/{name}"));
    let expected: Value =
        serde_json::from_slice(&std::fs::read(case.join("expected.json")).unwrap()).unwrap();
    let run = learn(&case);
    let mut problems = Vec::new();
    if !matches!(run.code, 0 | 1) {
        return vec![format!("exit code {}: {}", run.code, run.stderr)];
    }
    let output = run.json();
    let policy: PolicyDocument = serde_json::from_value(output["policy"].clone()).unwrap();
    let catalog = Catalog::embedded().unwrap();
    for statement in &policy.statements {
        for action in statement.actions() {
            if action.contains('*') || action.contains('?') {
                problems.push(format!("wildcard action `{action}`"));
            }
            if catalog.action(action).is_none() {
                problems.push(format!("action `{action}` is not in the catalog"));
            }
        }
        if statement.effect != trailgrant::policy::Effect::Allow {
            problems.push("a Deny statement was proposed".to_owned());
        }
    }
    for entry in expected["must_allow"].as_array().unwrap() {
        let request = request_of(entry);
        let decision = decide(&policy, &request);
        if decision != Decision::Allow {
            problems.push(format!(
                "must allow `{}` on `{}`, got {decision:?}",
                request.action, request.resource
            ));
        }
        for key in entry["condition_keys"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap();
            let carries = policy.statements.iter().any(|statement| {
                statement
                    .condition
                    .iter()
                    .flatten()
                    .any(|(_, keys)| keys.contains_key(key))
            });
            if !carries {
                problems.push(format!("no statement carries the condition key `{key}`"));
            }
        }
    }
    for group in expected["must_allow_any_of"].as_array().unwrap() {
        let any = group
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| decide(&policy, &request_of(entry)) == Decision::Allow);
        if !any {
            problems.push(format!("must allow one of {group}"));
        }
    }
    for entry in expected["must_not_allow"].as_array().unwrap() {
        let request = request_of(entry);
        let decision = decide(&policy, &request);
        if matches!(decision, Decision::Allow | Decision::Undetermined) {
            problems.push(format!(
                "must not allow `{}` on `{}` ({}), got {decision:?}",
                request.action,
                request.resource,
                entry["why"].as_str().unwrap_or("")
            ));
        }
    }
    if expected["must_be_empty"] == true && !policy.statements.is_empty() {
        problems.push(format!(
            "the proposal must be empty, got {} statement(s)",
            policy.statements.len()
        ));
    }
    let causes: Vec<&str> = output["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|finding| finding["cause"].as_str())
        .collect();
    for cause in expected["causes"].as_array().unwrap() {
        let cause = cause.as_str().unwrap();
        if !causes.contains(&cause) {
            problems.push(format!(
                "no finding reports the cause `{cause}` (causes: {causes:?})"
            ));
        }
    }
    problems
}

fn assert_case(name: &str) {
    let problems = check_case(name);
    assert!(problems.is_empty(), "{name}:\n  {}", problems.join("\n  "));
}

#[test]
fn every_case_is_tested() {
    let mut names: Vec<String> = std::fs::read_dir(fixture("acceptance"))
        .unwrap()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("expected.json").exists())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let problems: Vec<String> = names
        .iter()
        .flat_map(|name| {
            check_case(name)
                .into_iter()
                .map(move |p| format!("{name}: {p}"))
        })
        .collect();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn ecr_login_needs_star() {
    assert_case("01-ecr-get-authorization-token");
    let run = learn(&fixture("acceptance/01-ecr-get-authorization-token"));
    let output = run.json();
    assert_eq!(output["policy"]["Statement"].as_array().unwrap().len(), 1);
    let findings = output["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["occurrences"], 2);
}

#[test]
fn namespaced_repository_is_kept_whole() {
    assert_case("02-ecr-push-namespaced-repo");
    let output = learn(&fixture("acceptance/02-ecr-push-namespaced-repo")).json();
    let findings = output["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["occurrences"], 3);
    let edits = output["diff"]["edits"].as_array().unwrap();
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(edits[0]["kind"], "add-action");
    assert_eq!(edits[0]["sid"], "EcrPull");
    assert_eq!(edits[0]["action"], "ecr:InitiateLayerUpload");
}

#[test]
fn passrole_denial_inside_register_task_definition() {
    assert_case("04-ecs-register-taskdef-passrole");
    let output = learn(&fixture("acceptance/04-ecs-register-taskdef-passrole")).json();
    let edits = output["diff"]["edits"].as_array().unwrap();
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(edits[0]["kind"], "add-resource");
    assert_eq!(edits[0]["sid"], "PassExecutionRole");
    assert_eq!(
        edits[0]["resource"],
        "arn:aws:iam::111122223333:role/orders-task-role"
    );
}

#[test]
fn listbucket_goes_on_the_bucket_arn() {
    assert_case("06-s3-sync-listbucket-bucket-arn");
    let output = learn(&fixture("acceptance/06-s3-sync-listbucket-bucket-arn")).json();
    let near = output["diff"]["near_misses"].as_array().unwrap();
    assert_eq!(near.len(), 1, "{near:#?}");
    assert_eq!(near[0]["sid"], "SiteDeploy");
    assert_eq!(near[0]["written"], "arn:aws:s3:::example-site-bucket/*");
    assert_eq!(near[0]["corrected"], "arn:aws:s3:::example-site-bucket");
    let edits = output["diff"]["edits"].as_array().unwrap();
    assert_eq!(edits.len(), 2, "{edits:#?}");
    assert_eq!(edits[0]["kind"], "remove-action");
    assert_eq!(edits[0]["sid"], "SiteDeploy");
    assert_eq!(edits[1]["kind"], "new-statement");
    assert_eq!(
        edits[1]["statement"]["Resource"],
        "arn:aws:s3:::example-site-bucket"
    );
}

#[test]
fn write_updates_the_policy_file_with_a_backup() {
    let case = fixture("acceptance/15-ssm-parameter-double-slash");
    let folder = tempfile::tempdir().unwrap();
    let policy = folder.path().join("policy.json");
    std::fs::copy(case.join("current-policy.json"), &policy).unwrap();
    let original = std::fs::read_to_string(&policy).unwrap();
    let run = run([
        "learn".to_owned(),
        "--events".to_owned(),
        arg(&case.join("events.json")),
        "--role".to_owned(),
        crate::support::ROLE.to_owned(),
        "--policy".to_owned(),
        arg(&policy),
        "--write".to_owned(),
        arg(&policy),
        "--output".to_owned(),
        "json".to_owned(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&policy).unwrap()).unwrap();
    assert_eq!(
        written["Statement"][0]["Resource"],
        serde_json::json!([
            "arn:aws:ssm:us-east-1:111122223333:parameter/app/prod/db-url",
            "arn:aws:ssm:us-east-1:111122223333:parameter/app/prod/feature-flags"
        ])
    );
    let backup = folder.path().join("policy.json.bak");
    assert_eq!(std::fs::read_to_string(backup).unwrap(), original);
}

#[test]
fn sse_kms_denial_explains_the_s3_one() {
    assert_case("10-s3-sse-kms-decrypt");
    let output = learn(&fixture("acceptance/10-s3-sse-kms-decrypt")).json();
    let findings = output["findings"].as_array().unwrap();
    let s3 = findings
        .iter()
        .find(|f| f["event_name"] == "GetObject")
        .unwrap();
    assert_eq!(s3["status"], "explained");
    let kms = findings
        .iter()
        .find(|f| f["event_name"] == "Decrypt")
        .unwrap();
    assert_eq!(kms["status"], "missing");
    assert_eq!(s3["explained_by"], kms["event_id"]);
    let statement = &output["policy"]["Statement"][0];
    assert_eq!(
        statement["Condition"]["StringEquals"]["kms:ViaService"],
        "s3.us-east-1.amazonaws.com"
    );
}

#[test]
fn bucket_key_kms_denial_explains_the_s3_ones() {
    let case = "28-s3-sse-kms-bucket-key";
    assert_case(case);
    let output = learn(&fixture(&format!("acceptance/{case}"))).json();
    let findings = output["findings"].as_array().unwrap();
    let kms = findings
        .iter()
        .find(|f| f["event_name"] == "GenerateDataKey")
        .unwrap();
    for name in ["PutObject", "CreateMultipartUpload"] {
        let s3 = findings.iter().find(|f| f["event_name"] == name).unwrap();
        assert_eq!(s3["status"], "explained", "{name}");
        assert_eq!(s3["explained_by"], kms["event_id"], "{name}");
    }
}

#[test]
fn lambda_version_suffixes_are_stripped() {
    assert_case("12-lambda-versioned-event-names");
    let output = learn(&fixture("acceptance/12-lambda-versioned-event-names")).json();
    let findings = output["findings"].as_array().unwrap();
    let update = findings
        .iter()
        .find(|f| f["action"] == "lambda:UpdateFunctionCode")
        .unwrap();
    assert_eq!(update["status"], "already-allowed");
    let waiter = findings
        .iter()
        .find(|f| f["action"] == "lambda:GetFunctionConfiguration")
        .unwrap();
    assert_eq!(waiter["occurrences"], 2);
}

#[test]
fn ssm_parameter_without_double_slash() {
    assert_case("15-ssm-parameter-double-slash");
    let output = learn(&fixture("acceptance/15-ssm-parameter-double-slash")).json();
    let edits = output["diff"]["edits"].as_array().unwrap();
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(edits[0]["kind"], "replace-resource");
    assert_eq!(
        edits[0]["from"],
        "arn:aws:ssm:us-east-1:111122223333:parameter//app/prod/db-url"
    );
    assert_eq!(
        edits[0]["to"],
        "arn:aws:ssm:us-east-1:111122223333:parameter/app/prod/db-url"
    );
}

#[test]
fn oidc_environment_subject_is_a_trust_finding() {
    assert_case("19-oidc-sub-environment-claim");
    let output = learn(&fixture("acceptance/19-oidc-sub-environment-claim")).json();
    let trust = output["trust"].as_array().unwrap();
    assert_eq!(trust.len(), 1, "three retries are one change");
    assert_eq!(trust[0]["verdict"], "admit");
    let sub = &trust[0]["proposed_statement"]["Condition"]["StringEquals"]
        ["token.actions.githubusercontent.com:sub"];
    assert_eq!(
        sub,
        &serde_json::json!([
            "repo:example-org/example-app:ref:refs/heads/main",
            "repo:example-org/example-app:environment:production"
        ])
    );
    assert_eq!(
        trust[0]["proposed_statement"]["Condition"]["StringEquals"]
            ["token.actions.githubusercontent.com:aud"],
        "sts.amazonaws.com"
    );
}

#[test]
fn scp_explicit_deny_adds_nothing() {
    assert_case("21-scp-explicit-deny-region");
    let output = learn(&fixture("acceptance/21-scp-explicit-deny-region")).json();
    let edits = output["diff"]["edits"].as_array().unwrap();
    assert!(
        edits.iter().all(|edit| edit["kind"] == "new-statement"),
        "{edits:#?}"
    );
    let scp: Vec<_> = output["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["cause"] == "scp")
        .collect();
    assert_eq!(scp.len(), 2);
    assert!(scp
        .iter()
        .all(|f| f["explicit_deny"] == true && f["status"] == "not-fixable-on-role"));
}

#[test]
fn cloudwatch_events_use_the_cloudwatch_prefix() {
    assert_case("23-cloudwatch-monitoring-eventsource");
}
