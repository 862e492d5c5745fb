//! Decides whether the role's policy allows a simulated request.
//!
//! The simulator asks an [`Authorizer`]; [`ProjectEvaluator`] answers with
//! trailgrant's own IAM evaluator (`trailgrant::policy::eval`). Each
//! simulated request carries every context key the real call would, so the
//! evaluation treats a key it does not carry as absent.

use std::collections::BTreeMap;

use trailgrant::policy::eval::{evaluate_documents, Completeness, Decision};
use trailgrant::policy::PolicyDocument;

/// One authorization request of a simulated call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `prefix:Name`.
    pub action: String,
    /// The resource ARN, or `*` for an action without a resource type.
    pub resource: String,
    /// Request context: lower-case condition key → values.
    pub context: BTreeMap<String, Vec<String>>,
}

impl Request {
    /// Creates a request without context.
    pub fn new(action: &str, resource: &str) -> Request {
        Request {
            action: action.to_owned(),
            resource: resource.to_owned(),
            context: BTreeMap::new(),
        }
    }

    /// Adds a context key and its value.
    pub fn with(mut self, key: &str, value: &str) -> Request {
        self.context
            .insert(key.to_ascii_lowercase(), vec![value.to_owned()]);
        self
    }
}

/// Decides requests against a role's identity policy.
pub trait Authorizer {
    /// Returns true when `policy` allows `request`.
    fn is_allowed(&self, policy: &PolicyDocument, request: &Request) -> bool;
}

/// trailgrant's IAM evaluator. Only `Allow` allows; an undetermined
/// decision counts as a denial, as it would if AWS lacked the key.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProjectEvaluator;

impl Authorizer for ProjectEvaluator {
    fn is_allowed(&self, policy: &PolicyDocument, request: &Request) -> bool {
        let mut evaluated = trailgrant::policy::eval::Request::new(
            request.action.clone(),
            request.resource.clone(),
        )
        .with_completeness(Completeness::Complete);
        for (key, values) in &request.context {
            evaluated = evaluated.with_context(key, values.iter().cloned());
        }
        evaluate_documents([("role-policy", policy)], &evaluated).decision == Decision::Allow
    }
}

#[test]
fn project_evaluator_checks_passed_to_service() {
    let policy: PolicyDocument = serde_json::from_value(serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/*",
             "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
            {"Effect": "Deny", "Action": "iam:passrole", "Resource": "arn:aws:iam::1:role/admin"}
        ]
    }))
    .unwrap();
    let evaluator = ProjectEvaluator;
    let task = Request::new("iam:PassRole", "arn:aws:iam::1:role/task");
    assert!(!evaluator.is_allowed(&policy, &task));
    let to_ecs = task
        .clone()
        .with("iam:PassedToService", "ecs-tasks.amazonaws.com");
    assert!(evaluator.is_allowed(&policy, &to_ecs));
    let to_lambda = task.with("iam:PassedToService", "lambda.amazonaws.com");
    assert!(!evaluator.is_allowed(&policy, &to_lambda));
    let admin = Request::new("iam:PassRole", "arn:aws:iam::1:role/admin")
        .with("iam:PassedToService", "ecs-tasks.amazonaws.com");
    assert!(!evaluator.is_allowed(&policy, &admin));
}
