//! Identity-based policy evaluation: decides one request against a role's
//! identity policies the way the IAM User Guide's "Policy evaluation logic"
//! describes it for a single account. A matching `Deny` wins, then a
//! matching `Allow`, and otherwise the request is implicitly denied.
//!
//! Requests built from CloudTrail events rarely carry the whole request
//! context. A key the request does not carry is unknown, not absent, unless
//! the request is marked [`Completeness::Complete`] or lists the key in
//! [`Request::absent_keys`]. A statement whose match depends on an unknown
//! key is undetermined, and a decision that depends on such a statement is
//! [`Decision::Undetermined`], never an allow.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::condition::evaluate_block;
use super::model::{Effect, PolicyDocument, Statement, ValueList};
use super::parse::NamedPolicy;
use super::wildcard::{matches_action, matches_resource, Lookup, UnresolvedReason, VariableSource};

/// Whether the request context lists every key the real request carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Completeness {
    /// Keys not in the context may have been in the request (the usual
    /// case for a request rebuilt from a CloudTrail event).
    #[default]
    Partial,
    /// Keys not in the context were not in the request.
    Complete,
}

/// One request to decide: who does what to which resource, and with which
/// request context.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    /// The action, `service:Name`.
    pub action: String,
    /// The resource ARN, or `*` for actions without a resource type.
    pub resource: String,
    /// Context keys, lower-cased, with their values. A key with one value
    /// is single-valued; with none or several it is multivalued.
    pub context: BTreeMap<String, Vec<String>>,
    /// Keys, lower-cased, known not to be in the request.
    pub absent_keys: BTreeSet<String>,
    /// How to read keys in neither `context` nor `absent_keys`.
    pub completeness: Completeness,
    /// The calling principal's ARN, when known.
    pub principal_arn: Option<String>,
    /// The calling principal's account, when known.
    pub account: Option<String>,
}

/// The state of one context key in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState<'a> {
    /// The request carries these values.
    Present(&'a [String]),
    /// The request does not carry the key.
    Absent,
    /// The request may carry the key; its value is not known.
    Unknown,
}

impl Request {
    /// Creates a request with an empty, partial context.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Request {
        Request {
            action: action.into(),
            resource: resource.into(),
            ..Request::default()
        }
    }

    /// Adds a context key (any letter case) with its values.
    pub fn with_context<I, V>(mut self, key: &str, values: I) -> Request
    where
        I: IntoIterator<Item = V>,
        V: Into<String>,
    {
        let values = values.into_iter().map(Into::into).collect();
        self.context.insert(key.to_lowercase(), values);
        self
    }

    /// Marks a context key as known not to be in the request.
    pub fn with_absent(mut self, key: &str) -> Request {
        self.absent_keys.insert(key.to_lowercase());
        self
    }

    /// Sets how keys missing from the context are read.
    pub fn with_completeness(mut self, completeness: Completeness) -> Request {
        self.completeness = completeness;
        self
    }

    /// Sets the calling principal and fills `aws:PrincipalArn` and
    /// `aws:PrincipalAccount` unless the context already has them.
    pub fn with_principal(mut self, arn: &str) -> Request {
        let account = arn.split(':').nth(4).filter(|account| !account.is_empty());
        if let Some(account) = account {
            self.account = Some(account.to_owned());
            self.context
                .entry("aws:principalaccount".to_owned())
                .or_insert_with(|| vec![account.to_owned()]);
        }
        self.context
            .entry("aws:principalarn".to_owned())
            .or_insert_with(|| vec![arn.to_owned()]);
        self.principal_arn = Some(arn.to_owned());
        self
    }

    /// Returns the state of the context key `key` (any letter case).
    pub fn key_state(&self, key: &str) -> KeyState<'_> {
        let key = key.to_lowercase();
        if let Some(values) = self.context.get(&key) {
            return KeyState::Present(values);
        }
        if self.completeness == Completeness::Complete || self.absent_keys.contains(&key) {
            return KeyState::Absent;
        }
        KeyState::Unknown
    }
}

impl VariableSource for Request {
    fn lookup(&self, key: &str) -> Lookup<'_> {
        match self.key_state(key) {
            KeyState::Present([value]) => Lookup::Value(value),
            KeyState::Present(_) => Lookup::MultiValued,
            KeyState::Absent => Lookup::Absent,
            KeyState::Unknown => Lookup::Unknown,
        }
    }
}

/// Three-valued result of matching a statement or one of its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchResult {
    /// It matches.
    Match,
    /// It does not match.
    NoMatch,
    /// It depends on request context the request does not carry.
    Undetermined,
}

impl MatchResult {
    /// Combines two results that must both hold.
    pub fn and(self, other: MatchResult) -> MatchResult {
        match (self, other) {
            (MatchResult::NoMatch, _) | (_, MatchResult::NoMatch) => MatchResult::NoMatch,
            (MatchResult::Undetermined, _) | (_, MatchResult::Undetermined) => {
                MatchResult::Undetermined
            }
            _ => MatchResult::Match,
        }
    }

    /// Combines results of which one must hold.
    pub fn or(self, other: MatchResult) -> MatchResult {
        self.not().and(other.not()).not()
    }

    /// Negates a result; an undetermined result stays undetermined.
    #[expect(
        clippy::should_implement_trait,
        reason = "a plain method reads better at call sites"
    )]
    pub fn not(self) -> MatchResult {
        match self {
            MatchResult::Match => MatchResult::NoMatch,
            MatchResult::NoMatch => MatchResult::Match,
            MatchResult::Undetermined => MatchResult::Undetermined,
        }
    }

    /// Returns the result that requires every item to hold (true when empty).
    pub fn all(results: impl IntoIterator<Item = MatchResult>) -> MatchResult {
        results
            .into_iter()
            .fold(MatchResult::Match, MatchResult::and)
    }

    /// Returns the result that requires one item to hold (false when empty).
    pub fn any(results: impl IntoIterator<Item = MatchResult>) -> MatchResult {
        results
            .into_iter()
            .fold(MatchResult::NoMatch, MatchResult::or)
    }
}

impl From<bool> for MatchResult {
    fn from(matches: bool) -> MatchResult {
        if matches {
            MatchResult::Match
        } else {
            MatchResult::NoMatch
        }
    }
}

/// The match of one statement against a request, part by part, so that a
/// caller can tell which part keeps the statement from applying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementMatch {
    /// Whether `Action`/`NotAction` covers the request's action.
    pub action: MatchResult,
    /// Whether `Resource`/`NotResource` covers the request's resource.
    pub resource: MatchResult,
    /// Whether the `Condition` block holds.
    pub condition: MatchResult,
    /// Keys whose unknown value left a part undetermined.
    pub undetermined_keys: Vec<String>,
    /// Keys read as absent because `Null` or `…IfExists` define that case.
    pub assumed_absent_keys: Vec<String>,
    /// Parts of the statement that could not be read.
    pub problems: Vec<String>,
}

impl StatementMatch {
    /// Returns whether the whole statement applies to the request.
    pub fn result(&self) -> MatchResult {
        self.action.and(self.resource).and(self.condition)
    }
}

/// Matches one statement against a request.
pub fn match_statement(statement: &Statement, request: &Request) -> StatementMatch {
    let mut problems = Vec::new();
    let action = match (&statement.action, &statement.not_action) {
        (Some(actions), None) => MatchResult::from(any_action(actions, &request.action)),
        (None, Some(actions)) => MatchResult::from(!any_action(actions, &request.action)),
        _ => {
            problems.push("statement needs exactly one of `Action` and `NotAction`".to_owned());
            MatchResult::NoMatch
        }
    };
    let mut undetermined_keys = Vec::new();
    let resource = match (&statement.resource, &statement.not_resource) {
        (Some(patterns), None) => match_resources(patterns, request, &mut undetermined_keys),
        (None, Some(patterns)) => not_resources(patterns, request, &mut undetermined_keys),
        // Trust policies name no resource; the role itself is the resource.
        (None, None) => MatchResult::Match,
        (Some(_), Some(_)) => {
            problems.push("statement has both `Resource` and `NotResource`".to_owned());
            MatchResult::NoMatch
        }
    };
    let mut assumed_absent_keys = Vec::new();
    let condition = match &statement.condition {
        Some(block) => {
            let outcome = evaluate_block(block, request);
            undetermined_keys.extend(outcome.undetermined_keys);
            assumed_absent_keys = outcome.assumed_absent_keys;
            problems.extend(outcome.problems);
            outcome.result
        }
        None => MatchResult::Match,
    };
    StatementMatch {
        action,
        resource,
        condition,
        undetermined_keys,
        assumed_absent_keys,
        problems,
    }
}

fn any_action(patterns: &ValueList, action: &str) -> bool {
    patterns
        .values()
        .iter()
        .any(|pattern| matches_action(pattern, action))
}

/// Matches one resource pattern against the request. A pattern whose
/// variable has no value matches nothing, and `None` means the variable's
/// value is unknown.
fn match_one_resource(pattern: &str, request: &Request, keys: &mut Vec<String>) -> Option<bool> {
    match matches_resource(pattern, &request.resource, request) {
        Ok(matches) => Some(matches),
        Err(unresolved) if unresolved.reason == UnresolvedReason::Unknown => {
            keys.push(unresolved.key);
            None
        }
        Err(_) => Some(false),
    }
}

fn match_resources(patterns: &ValueList, request: &Request, keys: &mut Vec<String>) -> MatchResult {
    MatchResult::any(patterns.values().iter().map(|pattern| {
        match_one_resource(pattern, request, keys)
            .map_or(MatchResult::Undetermined, MatchResult::from)
    }))
}

// A `NotResource` pattern whose variable cannot be replaced does not prove
// the resource lies outside the list, so the element does not apply.
fn not_resources(patterns: &ValueList, request: &Request, keys: &mut Vec<String>) -> MatchResult {
    MatchResult::all(patterns.values().iter().map(|pattern| {
        let variables_resolve = super::wildcard::substitute_text(pattern, request);
        match (
            match_one_resource(pattern, request, keys),
            variables_resolve,
        ) {
            (None, _) => MatchResult::Undetermined,
            (Some(_), Err(_)) => MatchResult::NoMatch,
            (Some(matches), Ok(_)) => MatchResult::from(!matches),
        }
    }))
}

/// The outcome of evaluating a request against a set of policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// An `Allow` statement matches and no `Deny` statement does.
    Allow,
    /// A `Deny` statement matches.
    ExplicitDeny,
    /// No statement matches.
    ImplicitDeny,
    /// The outcome depends on context keys the request does not carry.
    Undetermined,
}

/// A statement inside a set of policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    /// Position of the policy in the evaluated set.
    pub policy_index: usize,
    /// The policy's name.
    pub policy_name: String,
    /// Position of the statement in its policy's `Statement` list.
    pub statement_index: usize,
    /// The statement's `Sid`.
    pub sid: Option<String>,
    /// The statement's `Effect`.
    pub effect: Effect,
}

/// A part of a policy that evaluation could not read and skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The statement it is in.
    pub statement: StatementRef,
    /// The description of the problem, as one line.
    pub message: String,
}

/// A decision with the statements behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// The outcome.
    pub decision: Decision,
    /// For `Allow`, the matching `Allow` statements; for `ExplicitDeny`,
    /// the matching `Deny` statements; for `Undetermined`, the statements
    /// that match for sure; empty for `ImplicitDeny`.
    pub deciding: Vec<StatementRef>,
    /// Statements whose match depends on unknown context.
    pub undetermined: Vec<StatementRef>,
    /// The context keys those statements depend on, without duplicates.
    pub undetermined_keys: Vec<String>,
    /// Keys the request did not carry that `Null` or `…IfExists`
    /// conditions read as absent, in statements whose action and resource
    /// match. The decision holds only if these keys were really absent.
    pub assumed_absent_keys: Vec<String>,
    /// Parts of policies that could not be read.
    pub problems: Vec<Problem>,
}

/// Evaluates a request against named policies, such as a role's inline
/// and attached managed policies.
pub fn evaluate(policies: &[NamedPolicy], request: &Request) -> Evaluation {
    evaluate_documents(
        policies
            .iter()
            .map(|policy| (policy.name.as_str(), &policy.document)),
        request,
    )
}

/// Evaluates a request against `(name, document)` pairs.
pub fn evaluate_documents<'a>(
    documents: impl IntoIterator<Item = (&'a str, &'a PolicyDocument)>,
    request: &Request,
) -> Evaluation {
    let mut tally = Tally::default();
    for (policy_index, (name, document)) in documents.into_iter().enumerate() {
        for (statement_index, statement) in document.statements.iter().enumerate() {
            let reference = StatementRef {
                policy_index,
                policy_name: name.to_owned(),
                statement_index,
                sid: statement.sid.clone(),
                effect: statement.effect,
            };
            tally.add(reference, match_statement(statement, request));
        }
    }
    tally.decide()
}

/// Returns the decision of one document alone for a request.
pub fn allows(document: &PolicyDocument, request: &Request) -> Decision {
    evaluate_documents([("policy", document)], request).decision
}

#[derive(Default)]
struct Tally {
    allows: Vec<StatementRef>,
    denies: Vec<StatementRef>,
    undetermined: Vec<StatementRef>,
    undetermined_keys: BTreeMap<String, String>,
    assumed_absent_keys: BTreeMap<String, String>,
    problems: Vec<Problem>,
}

impl Tally {
    fn add(&mut self, reference: StatementRef, matched: StatementMatch) {
        for message in matched.problems.iter() {
            self.problems.push(Problem {
                statement: reference.clone(),
                message: message.clone(),
            });
        }
        // An assumption about a missing key matters whenever the condition
        // block could decide the statement, including when it rejects it.
        let result = matched.result();
        if matched.action != MatchResult::NoMatch && matched.resource != MatchResult::NoMatch {
            for key in matched.assumed_absent_keys {
                self.assumed_absent_keys
                    .entry(key.to_lowercase())
                    .or_insert(key);
            }
        }
        if result == MatchResult::NoMatch {
            return;
        }
        if result == MatchResult::Undetermined {
            for key in matched.undetermined_keys {
                self.undetermined_keys
                    .entry(key.to_lowercase())
                    .or_insert(key);
            }
        }
        match (result, reference.effect) {
            (MatchResult::Match, Effect::Allow) => self.allows.push(reference),
            (MatchResult::Match, Effect::Deny) => self.denies.push(reference),
            _ => self.undetermined.push(reference),
        }
    }

    fn decide(self) -> Evaluation {
        let (decision, deciding, undetermined) = if !self.denies.is_empty() {
            (Decision::ExplicitDeny, self.denies, Vec::new())
        } else if !self.undetermined.is_empty() {
            // An undetermined Deny may override the allows; an undetermined
            // Allow may turn an implicit deny into an allow. Either way the
            // decision is open.
            (Decision::Undetermined, self.allows, self.undetermined)
        } else if !self.allows.is_empty() {
            (Decision::Allow, self.allows, Vec::new())
        } else {
            (Decision::ImplicitDeny, Vec::new(), Vec::new())
        };
        let undetermined_keys = if decision == Decision::Undetermined {
            self.undetermined_keys.into_values().collect()
        } else {
            Vec::new()
        };
        Evaluation {
            decision,
            deciding,
            undetermined,
            undetermined_keys,
            assumed_absent_keys: self.assumed_absent_keys.into_values().collect(),
            problems: self.problems,
        }
    }
}

#[cfg(test)]
mod tests;
