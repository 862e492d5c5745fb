//! Decides whether an identity policy allows a request, for the deploy
//! simulator.
//!
//! The simulator only needs an [`Authorizer`]; [`IdentityPolicyAuthorizer`]
//! implements the part of IAM's identity-policy evaluation the simulated
//! flows exercise: an explicit `Deny` wins, otherwise an `Allow` whose
//! `Action`, `Resource` and `Condition` all match allows. It handles `*` and
//! `?` wildcards, the `${*}`, `${?}` and `${$}` escapes, `NotAction`,
//! `NotResource`, and the `StringEquals`/`StringLike` condition operators
//! (with `IfExists`); a statement with any other operator never matches, so
//! an unsupported condition can only deny.

use std::collections::BTreeMap;

use trailgrant::policy::{Effect, PolicyDocument, Statement};

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

/// Identity-policy evaluation for the simulator (see the module doc).
#[derive(Debug, Clone, Copy, Default)]
pub struct IdentityPolicyAuthorizer;

impl Authorizer for IdentityPolicyAuthorizer {
    fn is_allowed(&self, policy: &PolicyDocument, request: &Request) -> bool {
        let matching = |effect: Effect| {
            policy.statements.iter().any(|statement| {
                statement.effect == effect && statement_matches(statement, request)
            })
        };
        !matching(Effect::Deny) && matching(Effect::Allow)
    }
}

fn statement_matches(statement: &Statement, request: &Request) -> bool {
    let action = match (&statement.action, &statement.not_action) {
        (Some(list), _) => list
            .values()
            .iter()
            .any(|pattern| action_matches(pattern, &request.action)),
        (None, Some(list)) => !list
            .values()
            .iter()
            .any(|pattern| action_matches(pattern, &request.action)),
        (None, None) => false,
    };
    let resource = match (&statement.resource, &statement.not_resource) {
        (Some(list), _) => list
            .values()
            .iter()
            .any(|pattern| wildcard_matches(pattern, &request.resource)),
        (None, Some(list)) => !list
            .values()
            .iter()
            .any(|pattern| wildcard_matches(pattern, &request.resource)),
        (None, None) => false,
    };
    action && resource && conditions_match(statement, request)
}

fn action_matches(pattern: &str, action: &str) -> bool {
    wildcard_matches(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
}

fn conditions_match(statement: &Statement, request: &Request) -> bool {
    let Some(block) = &statement.condition else {
        return true;
    };
    block.iter().all(|(operator, keys)| {
        let (base, if_exists) = match operator.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (operator.as_str(), false),
        };
        keys.iter().all(|(key, expected)| {
            let Some(actual) = request.context.get(&key.to_ascii_lowercase()) else {
                return if_exists;
            };
            actual.iter().any(|value| {
                expected.values().iter().any(|pattern| match base {
                    "StringEquals" => pattern == value,
                    "StringLike" => wildcard_matches(pattern, value),
                    _ => false,
                })
            })
        })
    })
}

/// IAM wildcard matching: `*` any run of characters (`/` included), `?` one
/// character, `${*}`, `${?}` and `${$}` the literal characters.
pub fn wildcard_matches(pattern: &str, text: &str) -> bool {
    let tokens = tokenize(pattern);
    let text: Vec<char> = text.chars().collect();
    // matches[i][j]: tokens[i..] match text[j..].
    let mut matches = vec![vec![false; text.len() + 1]; tokens.len() + 1];
    matches[tokens.len()][text.len()] = true;
    for i in (0..tokens.len()).rev() {
        for j in (0..=text.len()).rev() {
            matches[i][j] = match tokens[i] {
                Token::Any => matches[i + 1][j] || (j < text.len() && matches[i][j + 1]),
                Token::One => j < text.len() && matches[i + 1][j + 1],
                Token::Char(ch) => j < text.len() && text[j] == ch && matches[i + 1][j + 1],
            };
        }
    }
    matches[0][0]
}

#[derive(Debug, Clone, Copy)]
enum Token {
    Any,
    One,
    Char(char),
}

fn tokenize(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = pattern;
    while let Some(ch) = rest.chars().next() {
        let escape = ["${*}", "${?}", "${$}"]
            .into_iter()
            .find(|escape| rest.starts_with(escape));
        if let Some(escape) = escape {
            tokens.push(Token::Char(escape.chars().nth(2).unwrap()));
            rest = &rest[escape.len()..];
            continue;
        }
        tokens.push(match ch {
            '*' => Token::Any,
            '?' => Token::One,
            other => Token::Char(other),
        });
        rest = &rest[ch.len_utf8()..];
    }
    tokens
}

#[test]
fn wildcards_and_escapes_match_as_iam_does() {
    assert!(wildcard_matches(
        "arn:aws:s3:::b/site/*",
        "arn:aws:s3:::b/site/a/b.html"
    ));
    assert!(!wildcard_matches(
        "arn:aws:s3:::b/site/*",
        "arn:aws:s3:::b/other"
    ));
    assert!(wildcard_matches("a?c", "abc"));
    assert!(!wildcard_matches("a${*}", "ab"));
    assert!(wildcard_matches("a${*}", "a*"));
    assert!(wildcard_matches("*", "*"));
}

#[test]
fn explicit_deny_and_conditions_decide() {
    let policy: PolicyDocument = serde_json::from_value(serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/*",
             "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
            {"Effect": "Deny", "Action": "iam:passrole", "Resource": "arn:aws:iam::1:role/admin"}
        ]
    }))
    .unwrap();
    let authorizer = IdentityPolicyAuthorizer;
    let task = Request::new("iam:PassRole", "arn:aws:iam::1:role/task");
    assert!(!authorizer.is_allowed(&policy, &task));
    let to_ecs = task
        .clone()
        .with("iam:PassedToService", "ecs-tasks.amazonaws.com");
    assert!(authorizer.is_allowed(&policy, &to_ecs));
    let to_lambda = task.with("iam:PassedToService", "lambda.amazonaws.com");
    assert!(!authorizer.is_allowed(&policy, &to_lambda));
    let admin = Request::new("iam:PassRole", "arn:aws:iam::1:role/admin")
        .with("iam:PassedToService", "ecs-tasks.amazonaws.com");
    assert!(!authorizer.is_allowed(&policy, &admin));
}
