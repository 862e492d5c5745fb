//! Refused web identity tokens against the role's trust policy
//! (`fixtures/oidc-trust`): a token with the wrong audience, one whose
//! repository differs from the trust policy only in letter case, and a
//! role-chaining `sts:AssumeRole` denial beside them.

use serde_json::Value;

use crate::support::{arg, fixture, learn_case, run, Run};

const CHAINING_WARNING: &str = "the role being assumed must also trust this role in its trust \
                                policy; an identity statement alone is not enough";

fn learn(format: &str) -> Run {
    let case = fixture("oidc-trust");
    let run = run([
        "learn".to_owned(),
        "--events".to_owned(),
        arg(&case.join("events.json")),
        "--role".to_owned(),
        crate::support::ROLE.to_owned(),
        "--trust-policy".to_owned(),
        arg(&case.join("trust-policy.json")),
        "--anticipate".to_owned(),
        "none".to_owned(),
        "--output".to_owned(),
        format.to_owned(),
    ]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    run
}

fn warnings_of(finding: &Value) -> Vec<&str> {
    finding["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|warning| warning.as_str().unwrap())
        .collect()
}

#[test]
fn chaining_warning_only_on_assume_role() {
    let output = learn("json").json();
    let findings = output["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    for finding in findings {
        let warned = warnings_of(finding).contains(&CHAINING_WARNING);
        match finding["event_name"].as_str().unwrap() {
            "AssumeRoleWithWebIdentity" => assert!(!warned, "{finding:#}"),
            "AssumeRole" => assert!(warned, "{finding:#}"),
            other => panic!("unexpected finding `{other}`"),
        }
    }
}

#[test]
fn provider_rejected_audience_is_a_trust_finding() {
    let output = learn_case("oidc-provider-audience", &[]);
    assert_eq!(output["findings"].as_array().unwrap().len(), 1);
    assert_eq!(output["findings"][0]["cause"], "trust-policy");
    let trust = output["trust"].as_array().unwrap();
    assert_eq!(trust.len(), 1);
    let explanation = trust[0]["explanation"].as_str().unwrap();
    assert!(
        explanation.contains("rejected the token's audience `https://github.com/example-org`"),
        "{explanation}"
    );
    assert!(
        explanation.contains("add-client-id-to-open-id-connect-provider"),
        "{explanation}"
    );
    assert_eq!(output["policy"]["Statement"], serde_json::json!([]));
}

#[test]
fn tag_session_needs_the_target_trust_policy_too() {
    let output = learn_case("role-chaining-tags", &[]);
    let tagging = output["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["requirements"][0]["action"] == "sts:TagSession")
        .unwrap();
    assert!(
        warnings_of(tagging).contains(
            &"the trust policy of the role being assumed must also allow `sts:TagSession` for \
              this role; an identity statement alone is not enough"
        ),
        "{tagging:#}"
    );
}

#[test]
fn edits_of_one_statement_are_merged() {
    let output = learn_case(
        "oidc-several-subjects",
        &[("--trust-policy", "trust-policy.json")],
    );
    let edits: Vec<&Value> = output["trust"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|finding| finding.get("proposed_statement").filter(|s| !s.is_null()))
        .collect();
    assert_eq!(edits.len(), 2);
    assert_eq!(edits[0], edits[1]);
    let subjects = &edits[0]["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"];
    for subject in [
        "repo:example-org/example-app:ref:refs/heads/main",
        "repo:example-org/example-app:pull_request",
        "repo:example-org/example-app:ref:refs/heads/release/2026-11",
    ] {
        assert!(
            subjects
                .as_array()
                .unwrap()
                .iter()
                .any(|value| value == subject),
            "{subject}: {subjects}"
        );
    }
    let pull_request = output["trust"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["claims"]["subject"] == "repo:example-org/example-app:pull_request")
        .unwrap();
    assert!(pull_request["explanation"]
        .as_str()
        .unwrap()
        .contains("every pull request"));
}

#[test]
fn audience_mismatch_is_the_stated_cause() {
    let output = learn("json").json();
    let trust = output["trust"].as_array().unwrap();
    let audience = trust
        .iter()
        .find(|finding| finding["claims"]["audience"] == "sigstore")
        .unwrap();
    assert_eq!(audience["failed_claims"], serde_json::json!(["aud"]));
    assert_eq!(audience["verdict"], "admit");
    assert_eq!(audience["proposed_statement"], Value::Null);
    let explanation = audience["explanation"].as_str().unwrap();
    assert!(
        explanation.contains("because of its audience"),
        "{explanation}"
    );
    assert!(!explanation.contains("failing `sub`"), "{explanation}");
}

#[test]
fn repository_case_mismatch_recases_policy() {
    let output = learn("json").json();
    let trust = output["trust"].as_array().unwrap();
    let case = trust
        .iter()
        .find(|finding| finding["github"]["owner"] == "Example-Org")
        .unwrap();
    assert_eq!(case["verdict"], "admit");
    assert_eq!(
        case["proposed_statement"]["Condition"]["StringLike"]
            ["token.actions.githubusercontent.com:sub"],
        "repo:Example-Org/web-app:ref:refs/heads/main"
    );
    let explanation = case["explanation"].as_str().unwrap();
    assert!(explanation.contains("only in letter case"), "{explanation}");
    assert!(
        !explanation.contains("another organization"),
        "{explanation}"
    );
}

#[test]
fn trust_causes_in_text_and_markdown() {
    for format in ["text", "markdown"] {
        let run = learn(format);
        assert!(
            run.stdout.contains("because of its audience"),
            "{format}:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("only in letter case"),
            "{format}:\n{}",
            run.stdout
        );
        assert_eq!(
            run.stdout.matches("must also trust this role").count(),
            1,
            "{format}: only the sts:AssumeRole finding warns:\n{}",
            run.stdout
        );
    }
}
