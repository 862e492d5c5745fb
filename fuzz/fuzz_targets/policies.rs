//! Feeds arbitrary text to the policy parser (every input shape, and one
//! document as a JSON value), then evaluates whatever parsed against fixed
//! requests: nothing may panic, and evaluating twice gives one answer.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trailgrant::policy::eval::{evaluate, evaluate_documents, Completeness, Decision, Request};
use trailgrant::policy::parse::{parse_document_value, parse_text, ParseOptions, PolicyKind};

fn requests() -> Vec<Request> {
    let session = "arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions";
    let object = Request::new("s3:GetObject", "arn:aws:s3:::bucket/path/key.txt")
        .with_context("aws:RequestedRegion", ["us-east-1"])
        .with_context("s3:prefix", ["path/"])
        .with_principal(session);
    let pass = Request::new("iam:PassRole", "arn:aws:iam::111122223333:role/task")
        .with_context("iam:PassedToService", ["ecs-tasks.amazonaws.com"])
        .with_context("aws:TagKeys", ["a", "b"])
        .with_absent("aws:SourceVpce")
        .with_completeness(Completeness::Complete);
    let star = Request::new("ecr:GetAuthorizationToken", "*");
    vec![object, pass, star]
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let requests = requests();
    for kind in [PolicyKind::Inline, PolicyKind::Trust] {
        let options = ParseOptions {
            plain_kind: kind,
            role: Some("gha-deploy".to_owned()),
        };
        let Ok(set) = parse_text(text, "fuzz.json", "fuzz", &options) else {
            continue;
        };
        for request in &requests {
            let first = evaluate(&set.policies, request);
            assert_eq!(first, evaluate(&set.policies, request));
            if first.decision == Decision::Allow || first.decision == Decision::ExplicitDeny {
                assert!(!first.deciding.is_empty());
            }
        }
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        if let Ok(document) = parse_document_value(&value, PolicyKind::Managed, "fuzz", "doc") {
            for request in &requests {
                let _ = evaluate_documents([("fuzz", &document)], request);
            }
        }
    }
});
