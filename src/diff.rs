//! The role's current policies against what the denials need: which
//! requirements are already allowed (so the denial came from elsewhere),
//! which are missing, the smallest edit of the current documents that adds
//! them, and statements that look meant for a denied request but match
//! nothing.
//!
//! The smallest edit, in order of preference: replace a resource that can
//! never match (`parameter//…`) with the corrected one; add the resource to a
//! statement whose actions and conditions already fit; add the action to a
//! statement whose resources and conditions already fit; else a new
//! statement. "Fit" means the edit grants nothing that was not needed: a
//! statement gets a resource only when every one of its actions is needed on
//! that resource, and an action only when it is needed on every one of its
//! resources.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::policy::eval::{evaluate_documents, Decision, Request, StatementRef};
use crate::policy::parse::{InputShape, NamedPolicy, PolicyKind, PolicySet};
use crate::policy::wildcard::{matches_action, matches_resource};
use crate::policy::{ConditionBlock, PolicyDocument, Statement, ValueList};
use crate::proposal;
use crate::render::json_inert;
use crate::requirement::Requirement;
use crate::sanitize::terminal_safe;

/// How one requirement stands against the current policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequirementState {
    /// An Allow statement matches and no Deny does.
    Allowed,
    /// No statement allows it.
    Missing,
    /// A Deny statement of the role's policies matches it.
    ExplicitlyDenied,
    /// The answer depends on context the event does not show.
    Undetermined,
}

/// One requirement with its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementStatus {
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The state in the role's identity policies.
    pub state: RequirementState,
    /// The statements that decided it.
    pub decided_by: Vec<StatementRef>,
    /// Context keys the decision depends on but the event does not show.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undetermined_keys: Vec<String>,
    /// False when the permissions boundary does not allow it either.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boundary_allows: Option<bool>,
}

/// One change to a current document.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Edit {
    /// Add a resource to a statement whose actions and conditions fit.
    AddResource {
        /// The policy name.
        policy: String,
        /// The statement index.
        statement: usize,
        /// The statement's Sid.
        sid: Option<String>,
        /// The resource added.
        resource: String,
    },
    /// Add an action to a statement whose resources and conditions fit.
    AddAction {
        /// The policy name.
        policy: String,
        /// The statement index.
        statement: usize,
        /// The statement's Sid.
        sid: Option<String>,
        /// The action added.
        action: String,
    },
    /// Replace a resource that can never match with the corrected one.
    ReplaceResource {
        /// The policy name.
        policy: String,
        /// The statement index.
        statement: usize,
        /// The statement's Sid.
        sid: Option<String>,
        /// The resource as written.
        from: String,
        /// The corrected resource.
        to: String,
    },
    /// Remove an action from a statement whose resources it can never match.
    RemoveAction {
        /// The policy name.
        policy: String,
        /// The statement index.
        statement: usize,
        /// The statement's Sid.
        sid: Option<String>,
        /// The action removed (a new statement grants it correctly).
        action: String,
    },
    /// Append a new statement.
    NewStatement {
        /// The policy name.
        policy: String,
        /// The statement.
        statement: Box<Statement>,
    },
}

/// A statement that looks meant for a denied request but matches nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NearMiss {
    /// The policy name.
    pub policy: String,
    /// The statement index.
    pub statement: usize,
    /// The statement's Sid.
    pub sid: Option<String>,
    /// The denied action the statement names.
    pub action: String,
    /// The resource as the statement writes it.
    pub written: String,
    /// The resource the request used.
    pub needed: String,
    /// What is wrong, in words.
    pub problem: String,
    /// The corrected resource, when one can be given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected: Option<String>,
    /// True when the written resource can match nothing for any action of
    /// the statement, so correcting it in place grants nothing new.
    #[serde(skip)]
    pub dead: bool,
}

/// A document before and after the edits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EditedDocument {
    /// The policy name.
    pub policy: String,
    /// Where it was read.
    pub source: String,
    /// The policy's role for the principal.
    pub kind: PolicyKind,
    /// The shape of the input it was read from.
    pub shape: InputShape,
    /// The managed policy's ARN, when known.
    pub arn: Option<String>,
    /// The document as read.
    pub before: PolicyDocument,
    /// The document with the edits applied.
    pub after: PolicyDocument,
    /// The file's text, when the file is this document alone. The unified
    /// diff starts from it, so that `patch` applies it to the file and gets
    /// what `--write` writes.
    #[serde(skip)]
    pub original_text: Option<String>,
}

/// The comparison with the current policies.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PolicyDiff {
    /// Every requirement of the role's denials with its state.
    pub requirements: Vec<RequirementStatus>,
    /// The smallest edit of the current documents.
    pub edits: Vec<Edit>,
    /// Statements meant for a denied request that match nothing.
    pub near_misses: Vec<NearMiss>,
    /// The edited documents.
    #[serde(skip)]
    pub documents: Vec<EditedDocument>,
}

/// Evaluates one requirement against the role's identity policies and its
/// boundary.
pub fn judge(
    requirement: &Requirement,
    context: &BTreeMap<String, Vec<String>>,
    current: &PolicySet,
) -> RequirementStatus {
    let request = request_for(requirement, context);
    let identity: Vec<(&str, &PolicyDocument)> = current
        .identity()
        .map(|policy| (policy.name.as_str(), &policy.document))
        .collect();
    let evaluation = evaluate_documents(identity, &request);
    let state = match evaluation.decision {
        Decision::Allow => RequirementState::Allowed,
        Decision::ExplicitDeny => RequirementState::ExplicitlyDenied,
        Decision::ImplicitDeny => RequirementState::Missing,
        Decision::Undetermined => RequirementState::Undetermined,
    };
    let boundary_allows = current.boundary().map(|boundary| {
        evaluate_documents([(boundary.name.as_str(), &boundary.document)], &request).decision
            == Decision::Allow
    });
    let decided_by = if evaluation.decision == Decision::Undetermined {
        evaluation.undetermined.clone()
    } else {
        evaluation.deciding.clone()
    };
    RequirementStatus {
        action: requirement.action.clone(),
        resource: requirement.resource.clone(),
        state,
        decided_by,
        undetermined_keys: evaluation.undetermined_keys,
        boundary_allows,
    }
}

/// Builds the evaluation request of a requirement. The requirement's
/// resource is written with IAM's escapes; the request carries the literal
/// resource.
pub fn request_for(requirement: &Requirement, context: &BTreeMap<String, Vec<String>>) -> Request {
    let resource = requirement
        .resource
        .replace("${*}", "*")
        .replace("${?}", "?")
        .replace("${$}", "$");
    let mut request = Request::new(requirement.action.clone(), resource);
    for (key, values) in context {
        request = request.with_context(key, values.iter().cloned());
    }
    for keys in requirement.conditions.values() {
        for (key, values) in keys {
            request = request.with_context(key, values.iter().cloned());
        }
    }
    if let Some(principal) = context
        .get("aws:principalarn")
        .and_then(|values| values.first())
    {
        request = request.with_principal(principal);
    }
    request
}

/// Plans the smallest edit that adds `missing` to the current documents,
/// and flags near misses for every requirement in `flag`.
pub fn plan(missing: &[Requirement], flag: &[Requirement], current: &PolicySet) -> PolicyDiff {
    let mut documents: Vec<EditedDocument> = current
        .policies
        .iter()
        .filter(|policy| is_editable(policy))
        .map(|policy| EditedDocument {
            policy: policy.name.clone(),
            source: policy.source.clone(),
            kind: policy.kind,
            shape: policy.shape,
            arn: policy.arn.clone(),
            before: policy.document.clone(),
            after: policy.document.clone(),
            original_text: None,
        })
        .collect();
    let mut diff = PolicyDiff::default();
    for requirement in flag {
        diff.near_misses.extend(near_misses(requirement, current));
    }
    let mut remaining: Vec<Requirement> = Vec::new();
    for requirement in missing {
        if !apply_smallest_edit(
            requirement,
            missing,
            &diff.near_misses,
            &mut documents,
            &mut diff.edits,
        ) {
            remaining.push(requirement.clone());
        }
    }
    if !remaining.is_empty() {
        append_new_statements(&remaining, &mut documents, &mut diff.edits);
    }
    diff.documents = documents;
    diff
}

/// Local files and inline policies can be edited; AWS managed policies
/// cannot.
fn is_editable(policy: &NamedPolicy) -> bool {
    match policy.kind {
        PolicyKind::Inline => true,
        PolicyKind::Managed => !policy
            .arn
            .as_deref()
            .is_some_and(|arn| arn.contains(":iam::aws:policy/")),
        PolicyKind::Boundary | PolicyKind::Trust => false,
    }
}

fn apply_smallest_edit(
    requirement: &Requirement,
    all_missing: &[Requirement],
    near: &[NearMiss],
    documents: &mut [EditedDocument],
    edits: &mut Vec<Edit>,
) -> bool {
    let wanted_conditions = proposal::to_condition_block(&requirement.conditions);
    // 1. A resource that can never match, corrected in place.
    for miss in near.iter().filter(|miss| {
        miss.action.eq_ignore_ascii_case(&requirement.action)
            && miss
                .corrected
                .as_deref()
                .is_some_and(|corrected| matches_literal(corrected, &requirement.resource))
    }) {
        let Some(document) = documents.iter_mut().find(|d| d.policy == miss.policy) else {
            continue;
        };
        let Some(statement) = document.after.statements.get_mut(miss.statement) else {
            continue;
        };
        if !conditions_fit(statement, &wanted_conditions) || is_pattern_kind(miss) {
            continue;
        }
        let Some(corrected) = miss.corrected.as_deref() else {
            continue;
        };
        if miss.dead && statement.resources().iter().any(|r| r == corrected) {
            // An earlier requirement's edit corrected this resource already.
            return true;
        }
        if !miss.dead {
            // Move the action out: the statement keeps its other actions on
            // the resource they need, and the action gets its own resource.
            if let Some(actions) = statement.action.as_mut() {
                let kept: Vec<String> = actions
                    .values()
                    .iter()
                    .filter(|a| !a.eq_ignore_ascii_case(&requirement.action))
                    .cloned()
                    .collect();
                *actions = ValueList::from(kept);
            }
            edits.push(Edit::RemoveAction {
                policy: miss.policy.clone(),
                statement: miss.statement,
                sid: miss.sid.clone(),
                action: requirement.action.clone(),
            });
            return false;
        }
        if let Some(resources) = statement.resource.as_mut() {
            for value in resources.values_mut().iter_mut() {
                if *value == miss.written {
                    *value = corrected.to_owned();
                }
            }
        }
        edits.push(Edit::ReplaceResource {
            policy: miss.policy.clone(),
            statement: miss.statement,
            sid: miss.sid.clone(),
            from: miss.written.clone(),
            to: corrected.to_owned(),
        });
        return true;
    }
    let needed_on_resource: BTreeSet<String> = all_missing
        .iter()
        .filter(|other| {
            other.resource == requirement.resource && other.conditions == requirement.conditions
        })
        .map(|other| other.action.to_ascii_lowercase())
        .collect();
    let resources_of_action: BTreeSet<&str> = all_missing
        .iter()
        .filter(|other| {
            other.action == requirement.action && other.conditions == requirement.conditions
        })
        .map(|other| other.resource.as_str())
        .collect();
    for document in documents.iter_mut() {
        for (index, statement) in document.after.statements.iter_mut().enumerate() {
            if !is_plain_allow(statement) || !conditions_fit(statement, &wanted_conditions) {
                continue;
            }
            // 2. Add the resource where every action of the statement is
            // needed on it.
            let actions = statement.actions().to_vec();
            let has_action = actions
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&requirement.action));
            if has_action
                && actions.iter().all(|a| {
                    !has_wildcard(a) && needed_on_resource.contains(&a.to_ascii_lowercase())
                })
                && statement.resources().iter().all(|r| r != "*")
            {
                push_value(&mut statement.resource, &requirement.resource);
                edits.push(Edit::AddResource {
                    policy: document.policy.clone(),
                    statement: index,
                    sid: statement.sid.clone(),
                    resource: requirement.resource.clone(),
                });
                return true;
            }
            // 3. Add the action where it is needed on every resource of the
            // statement.
            let resources = statement.resources().to_vec();
            let has_resource = resources.contains(&requirement.resource);
            if has_resource
                && resources
                    .iter()
                    .all(|r| resources_of_action.contains(r.as_str()))
            {
                push_value(&mut statement.action, &requirement.action);
                edits.push(Edit::AddAction {
                    policy: document.policy.clone(),
                    statement: index,
                    sid: statement.sid.clone(),
                    action: requirement.action.clone(),
                });
                return true;
            }
        }
    }
    false
}

/// Near misses that are about a pattern, not a dead resource, are flagged
/// but never rewritten: a statement for another region may be meant.
fn is_pattern_kind(miss: &NearMiss) -> bool {
    miss.problem.starts_with("another region") || miss.problem.starts_with("another account")
}

/// Appends whole statements (such as anticipated ones) to the first
/// editable document, as new-statement edits.
pub fn append_statements(diff: &mut PolicyDiff, statements: Vec<Statement>) {
    if statements.is_empty() {
        return;
    }
    if diff.documents.is_empty() {
        diff.documents.push(new_document());
    }
    let Some(document) = diff.documents.first_mut() else {
        return;
    };
    for statement in statements {
        document.after.statements.push(statement.clone());
        diff.edits.push(Edit::NewStatement {
            policy: document.policy.clone(),
            statement: Box::new(statement),
        });
    }
}

fn new_document() -> EditedDocument {
    EditedDocument {
        policy: "trailgrant-additions".to_owned(),
        source: "new inline policy".to_owned(),
        kind: PolicyKind::Inline,
        shape: InputShape::Document,
        arn: None,
        before: PolicyDocument::with_statements(Vec::new()),
        after: PolicyDocument::with_statements(Vec::new()),
        original_text: None,
    }
}

fn append_new_statements(
    remaining: &[Requirement],
    documents: &mut Vec<EditedDocument>,
    edits: &mut Vec<Edit>,
) {
    let statements = proposal::build_statements(remaining);
    if documents.is_empty() {
        documents.push(new_document());
    }
    let Some(document) = documents.first_mut() else {
        return;
    };
    let taken: BTreeSet<String> = document
        .after
        .statements
        .iter()
        .filter_map(|s| s.sid.clone())
        .collect();
    for mut statement in statements {
        if let Some(sid) = statement.sid.clone() {
            let mut unique = sid.clone();
            let mut counter = 2;
            while taken.contains(&unique) {
                unique = format!("{sid}{counter}");
                counter += 1;
            }
            statement.sid = Some(unique);
        }
        document.after.statements.push(statement.clone());
        edits.push(Edit::NewStatement {
            policy: document.policy.clone(),
            statement: Box::new(statement),
        });
    }
}

fn push_value(list: &mut Option<ValueList>, value: &str) {
    match list {
        Some(values) => {
            let mut all = values.values().to_vec();
            if !all.iter().any(|v| v == value) {
                all.push(value.to_owned());
            }
            *values = ValueList::from(all);
        }
        None => *list = Some(ValueList::from(value)),
    }
}

fn is_plain_allow(statement: &Statement) -> bool {
    statement.effect == crate::policy::Effect::Allow
        && statement.not_action.is_none()
        && statement.not_resource.is_none()
        && statement.principal.is_none()
        && statement.action.is_some()
        && statement.resource.is_some()
}

fn has_wildcard(text: &str) -> bool {
    text.contains('*') || text.contains('?')
}

fn conditions_fit(statement: &Statement, wanted: &ConditionBlock) -> bool {
    let written = statement.condition.clone().unwrap_or_default();
    normalize(&written) == normalize(wanted)
}

fn normalize(block: &ConditionBlock) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    block
        .iter()
        .map(|(operator, keys)| {
            let keys = keys
                .iter()
                .map(|(key, values)| {
                    (
                        key.to_ascii_lowercase(),
                        values.values().iter().cloned().collect(),
                    )
                })
                .collect();
            (operator.to_ascii_lowercase(), keys)
        })
        .collect()
}

/// Finds statements of the role's identity policies that name the
/// requirement's action but whose resources match nothing it needs, for
/// a reason that can be told.
pub fn near_misses(requirement: &Requirement, current: &PolicySet) -> Vec<NearMiss> {
    let mut found = Vec::new();
    for policy in current.identity() {
        for (index, statement) in policy.document.statements.iter().enumerate() {
            if statement.effect != crate::policy::Effect::Allow {
                continue;
            }
            if !statement
                .actions()
                .iter()
                .any(|pattern| matches_action(pattern, &requirement.action))
            {
                continue;
            }
            if statement
                .resources()
                .iter()
                .any(|pattern| matches_literal(pattern, &requirement.resource))
            {
                continue;
            }
            for written in statement.resources() {
                if let Some((problem, corrected)) = diagnose_resource(written, requirement) {
                    // An object ARN is dead only for the bucket actions; the
                    // statement's object actions still need it.
                    let dead = if problem.starts_with("an object ARN") {
                        statement
                            .actions()
                            .iter()
                            .all(|a| a.eq_ignore_ascii_case(&requirement.action))
                    } else {
                        corrected.is_some()
                    };
                    found.push(NearMiss {
                        policy: policy.name.clone(),
                        statement: index,
                        sid: statement.sid.clone(),
                        action: requirement.action.clone(),
                        written: written.clone(),
                        needed: requirement.resource.clone(),
                        problem,
                        corrected,
                        dead,
                    });
                }
            }
        }
    }
    found
}

fn matches_literal(pattern: &str, resource: &str) -> bool {
    let literal = resource
        .replace("${*}", "*")
        .replace("${?}", "?")
        .replace("${$}", "$");
    matches_resource(pattern, &literal, &Request::default()).unwrap_or(false)
}

/// Tells why `written` does not match the needed resource when the reason is
/// one of the common mistakes.
fn diagnose_resource(written: &str, requirement: &Requirement) -> Option<(String, Option<String>)> {
    let needed = requirement.resource.as_str();
    if written.contains(":parameter//")
        && matches_literal(&written.replacen(":parameter//", ":parameter/", 1), needed)
    {
        // The pattern itself is corrected, so every parameter it was meant
        // for is covered, not only the one this denial named.
        return Some((
            "`parameter//`: the SSM parameter ARN drops the name's leading `/`, so this \
             resource matches no parameter"
                .to_owned(),
            Some(written.replacen(":parameter//", ":parameter/", 1)),
        ));
    }
    if requirement.resource_type.as_deref() == Some("bucket") && written.starts_with("arn:") {
        let bucket_part = written.split(":::").nth(1).unwrap_or("");
        if bucket_part.contains('/')
            && needed
                .split(":::")
                .nth(1)
                .is_some_and(|b| bucket_part.starts_with(&format!("{b}/")))
        {
            return Some((
                format!(
                    "an object ARN for a bucket action: `{}` authorizes against the bucket \
                     `{needed}`, never against objects, so it can never match here",
                    requirement.action
                ),
                Some(needed.to_owned()),
            ));
        }
    }
    if needed.contains(":secret:") && needed.ends_with("-??????") {
        let base = needed.trim_end_matches("-??????");
        if written == base {
            return Some((
                "a secret ARN without the six-character random suffix Secrets Manager appends; \
                 use `NAME-??????` or the full ARN"
                    .to_owned(),
                Some(needed.to_owned()),
            ));
        }
    }
    if let Some(corrected) = old_ecs_service_arn(written, needed) {
        return Some((
            "the old ECS service ARN format without the cluster name; services use \
             `service/CLUSTER/SERVICE`"
                .to_owned(),
            Some(corrected),
        ));
    }
    let written_fields: Vec<&str> = written.splitn(6, ':').collect();
    let needed_fields: Vec<&str> = needed.splitn(6, ':').collect();
    if written_fields.len() == 6 && needed_fields.len() == 6 {
        let same_except = |skip: usize| {
            written_fields
                .iter()
                .zip(&needed_fields)
                .enumerate()
                .all(|(i, (w, n))| i == skip || w == n)
        };
        if written_fields.get(3) != needed_fields.get(3) && same_except(3) {
            return Some((
                format!(
                    "another region: the statement names `{}`, the call was in `{}`",
                    written_fields.get(3).unwrap_or(&""),
                    needed_fields.get(3).unwrap_or(&"")
                ),
                None,
            ));
        }
        if written_fields.get(4) != needed_fields.get(4) && same_except(4) {
            return Some((
                format!(
                    "another account: the statement names `{}`, the resource is in `{}`",
                    written_fields.get(4).unwrap_or(&""),
                    needed_fields.get(4).unwrap_or(&"")
                ),
                None,
            ));
        }
    }
    if written.eq_ignore_ascii_case(needed) && written != needed {
        return Some((
            "the ARN differs only in letter case; resource names are case-sensitive".to_owned(),
            Some(needed.to_owned()),
        ));
    }
    None
}

/// `arn:aws:ecs:R:A:service/SERVICE` against `…:service/CLUSTER/SERVICE`.
fn old_ecs_service_arn(written: &str, needed: &str) -> Option<String> {
    let (needed_head, needed_tail) = needed.split_once(":service/")?;
    let (written_head, written_tail) = written.split_once(":service/")?;
    let (_, service) = needed_tail.split_once('/')?;
    (written_head == needed_head && written_tail == service && !written_tail.contains('/'))
        .then(|| needed.to_owned())
}

/// Returns one warning for each customer managed policy the edit widens:
/// other roles, users or groups it is attached to gain the permissions too.
pub fn managed_policy_warnings(diff: &PolicyDiff) -> Vec<String> {
    diff.documents
        .iter()
        .filter(|document| {
            document.kind == PolicyKind::Managed && document.before != document.after
        })
        .map(|document| {
            let arn = document
                .arn
                .as_deref()
                .map_or(String::new(), |arn| format!(" (`{arn}`)"));
            format!(
                "the edit widens the customer managed policy `{}`{arn}; every role, user or \
                 group it is attached to gains the same permissions, so put the statements in an \
                 inline policy of the role instead if the others should not have them",
                document.policy
            )
        })
        .collect()
}

/// Writes a unified diff of every edited document (pretty-printed JSON with
/// a stable key order).
pub fn unified(diff: &PolicyDiff, color: bool) -> String {
    let mut out = String::new();
    for document in &diff.documents {
        let after = pretty(&document.after);
        if pretty(&document.before) == after {
            continue;
        }
        let before = match (&document.original_text, document.shape) {
            (Some(text), InputShape::Document) => text.clone(),
            _ => pretty(&document.before),
        };
        // The documents hold names from events; the diff is read on a
        // terminal, so characters that could steer it are escaped.
        let (before, after) = (json_inert(&before), json_inert(&after));
        let text = similar::TextDiff::from_lines(&before, &after);
        let source = terminal_safe(&document.source);
        let (header_a, header_b) = if document.shape == InputShape::Document {
            (format!("a/{source}"), format!("b/{source}"))
        } else {
            // The document is one of several inside the file, so the line
            // numbers cannot be applied to the file: the headers name the
            // policy, and a line before them states this.
            let policy = terminal_safe(&document.policy);
            out.push_str(&format!(
                "# policy `{policy}` inside `{source}` ({}); line numbers count lines of the \
                 pretty-printed document, not of the file\n",
                document.shape.description()
            ));
            (
                format!("a/{source}#{policy}"),
                format!("b/{source}#{policy}"),
            )
        };
        let rendered = text
            .unified_diff()
            .context_radius(3)
            .header(&header_a, &header_b)
            .to_string();
        if color {
            for line in rendered.lines() {
                let painted = match line.chars().next() {
                    Some('+') if !line.starts_with("+++") => format!("\u{1b}[32m{line}\u{1b}[0m"),
                    Some('-') if !line.starts_with("---") => format!("\u{1b}[31m{line}\u{1b}[0m"),
                    Some('@') => format!("\u{1b}[36m{line}\u{1b}[0m"),
                    _ => line.to_owned(),
                };
                out.push_str(&painted);
                out.push('\n');
            }
        } else {
            out.push_str(&rendered);
        }
    }
    out
}

/// Pretty-prints a document with a trailing newline.
pub fn pretty(document: &PolicyDocument) -> String {
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}
