//! Anticipation: the permissions a deploy will need after the call it was
//! denied on, proposed apart from what the events show.
//!
//! A failing deploy stops at its first denial, so each run's events show one
//! missing permission. This stage recognises the deploy flows (see
//! [`flows`]) that the role's denied and successful calls belong to. It
//! proposes each flow's remaining actions on the resources those calls
//! named. A denied `BatchCheckLayerAvailability` gives the repository for
//! the rest of the push, a `RegisterTaskDefinition` request the roles for
//! `iam:PassRole`, a `DescribeServices` the service for `UpdateService`. It
//! also proposes the catalog's dependent actions of denied actions.
//!
//! The rules that keep it least-privilege:
//! * a resource comes only from a record of the same flow; a step whose
//!   resource no record names is left out with the reason, and only an
//!   action without a resource type gets `*`;
//! * actions come from the flow data and the catalog, never with wildcards,
//!   and an action the catalog does not know is left out;
//! * nothing the run was already allowed, or was denied (the proposal
//!   covers that), is proposed again;
//! * steps that only some runs make (`optional` in the data) are never
//!   proposed, only mentioned;
//! * an ordered flow is anticipated from the first of its calls the events
//!   show, so a flow entered half-way is not proposed from its start.
//!
//! The deploy's own workflow file (`learn --workflow`, read by [`hints`])
//! names the resources before any record does. A flow the workflow runs is
//! active once the run was denied anywhere, even before a record shows it,
//! and is anticipated from its first step. Its resources come from the
//! workflow's values as well as the records. A value that exists only while
//! the workflow runs (a secret, a step output) leaves its permissions out
//! with the reason. Given a workflow, a flow the records match only through
//! calls that a workflow flow also makes (the ECR login of a pull and a
//! push) is not activated unless the workflow runs it.

mod bind;
mod dependent;
pub mod flows;
pub mod hints;
mod seen;
mod text;
pub mod workflow;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::catalog::{escape_resource_name, ActionRef, Catalog};
use crate::diff::{self, RequirementState};
use crate::learn::{Finding, LearnOptions, Status};
use crate::policy::parse::PolicySet;
use crate::policy::Statement;
use crate::proposal;
use crate::record::Record;
use crate::requirement::{ActionSource, Requirement, ResourceSource};

use bind::Binding;
use dependent::anticipate_dependent_actions;
pub use flows::{Citation, Conditions, Flow, FlowError, FlowSet, Step};
pub use hints::{read_workflow, DeployHints, FlowHint, HintValue, StepRole, TaskDefinition};
use seen::{build, template_for, Built, Observation, Seen};
pub use text::write_text;

/// The `Sid` prefix of anticipated statements.
pub const SID_PREFIX: &str = "Anticipated";

/// The `flow` of items that come from the catalog's dependent actions.
pub const DEPENDENT_ACTIONS: &str = "dependent-actions";

/// The handling of anticipated permissions in `learn`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum AnticipateMode {
    /// Anticipate nothing.
    None,
    /// List them in the report, apart from the policy.
    #[default]
    Suggest,
    /// List them and add them to the policy as statements whose `Sid` starts
    /// with `Anticipated`.
    Include,
}

/// One permission the rest of a flow will need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anticipated {
    /// The action, resource and conditions.
    #[serde(flatten)]
    pub requirement: Requirement,
    /// The flow's name, or `dependent-actions`.
    pub flow: String,
    /// The call that needs it (`eventSource eventName`), or the denied
    /// action it depends on.
    pub step: String,
    /// The reason it is proposed, with the origin of its resource.
    pub reason: String,
    /// The public page that lists the permission.
    pub source: Citation,
}

/// A permission of a recognised flow that is not proposed, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NotAnticipated {
    /// The flow's name, or `dependent-actions`.
    pub flow: String,
    /// The call that would need it.
    pub step: String,
    /// The action.
    pub action: String,
    /// The reason it is left out.
    pub reason: String,
}

/// The outcome of anticipation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anticipation {
    /// The proposed permissions, by flow and call order.
    pub anticipated: Vec<Anticipated>,
    /// Permissions of the recognised flows that are left out.
    pub not_anticipated: Vec<NotAnticipated>,
}

/// Anticipates for `learn` in `options.anticipate`: nothing for `none`;
/// for `include` the anticipated statements are also appended to
/// `statements`. With the current policies, what they already allow is not
/// proposed, and what they deny is left out.
pub fn run(
    options: &LearnOptions,
    findings: &[Finding],
    records: &[Record],
    catalog: &Catalog,
    statements: &mut Vec<Statement>,
) -> Anticipation {
    if options.anticipate == AnticipateMode::None {
        return Anticipation::default();
    }
    // A role given by name is the one in the account its records show.
    let account = options.role.account().or_else(|| {
        records
            .iter()
            .find(|record| options.role.matches_session(record))
            .and_then(Record::account)
    });
    let hints = options.hints.for_role(&options.role, account);
    let mut anticipation = anticipate(findings, records, catalog, &hints);
    if let Some(current) = &options.current {
        anticipation.drop_decided(current);
    }
    if options.anticipate == AnticipateMode::Include {
        statements.extend(self::statements(&anticipation.anticipated));
    }
    anticipation
}

impl Anticipation {
    /// Removes the items the current policies already allow, and moves
    /// those a `Deny` statement of theirs matches to the left-out list.
    fn drop_decided(&mut self, current: &PolicySet) {
        let context = BTreeMap::new();
        let mut kept = Vec::new();
        for item in std::mem::take(&mut self.anticipated) {
            match diff::judge(&item.requirement, &context, current).state {
                RequirementState::Allowed => {}
                RequirementState::ExplicitlyDenied => self.not_anticipated.push(NotAnticipated {
                    flow: item.flow,
                    step: item.step,
                    action: item.requirement.action,
                    reason: "a Deny statement of the role's policies matches it, and an Allow \
                             cannot override that"
                        .to_owned(),
                }),
                RequirementState::Missing | RequirementState::Undetermined => kept.push(item),
            }
        }
        self.anticipated = kept;
    }
}

/// Anticipates the rest of the embedded flows that the findings and the
/// role's records (denied and successful) belong to, and of those the
/// workflow runs according to the deploy hints.
pub fn anticipate(
    findings: &[Finding],
    records: &[Record],
    catalog: &Catalog,
    hints: &DeployHints,
) -> Anticipation {
    match FlowSet::embedded() {
        Ok(flows) => anticipate_with(flows, findings, records, catalog, hints),
        Err(error) => {
            tracing::warn!(%error, "the embedded deploy flows do not decode; nothing anticipated");
            Anticipation::default()
        }
    }
}

/// Anticipates with the given flows.
pub fn anticipate_with(
    flows: &FlowSet,
    findings: &[Finding],
    records: &[Record],
    catalog: &Catalog,
    hints: &DeployHints,
) -> Anticipation {
    let seen = Seen::collect(flows, records, catalog);
    let hinted = hinted_flows(flows, hints, records);
    let mut out = Collector::default();
    for flow_index in active_flows(flows, findings, &seen, &hinted) {
        if let Some(flow) = flows.flows.get(flow_index) {
            let hint = hinted.get(&flow_index);
            anticipate_flow(flow, flow_index, &seen, hint, catalog, &mut out);
        }
    }
    anticipate_dependent_actions(findings, &seen, catalog, &mut out);
    out.finish()
}

/// Builds the statements of anticipated permissions, each `Sid` prefixed
/// with [`SID_PREFIX`].
pub fn statements(anticipated: &[Anticipated]) -> Vec<Statement> {
    let requirements: Vec<Requirement> = anticipated
        .iter()
        .map(|item| item.requirement.clone())
        .collect();
    let mut statements = proposal::build_statements(&requirements);
    for statement in &mut statements {
        let sid = statement.sid.take().unwrap_or_default();
        statement.sid = Some(format!("{SID_PREFIX}{sid}"));
    }
    statements
}

/// Returns the flows a denial the role's policies lack belongs to, without
/// a flow whose observed calls are a strict part of another's (a login that
/// a push and a pull share, once the push shows itself). Optional calls
/// take no part: a pull's `BatchGetImage` does not make a push.
///
/// With deploy hints, the flows the workflow runs are active too once any
/// denial is missing from the role's policies. A flow it does not run is
/// dropped when every call the records show of it is a call of a flow the
/// workflow runs.
fn active_flows(
    flows: &FlowSet,
    findings: &[Finding],
    seen: &Seen,
    hinted: &BTreeMap<usize, HintedFlow>,
) -> Vec<usize> {
    let mut denied_in: BTreeSet<usize> = flows
        .flows
        .iter()
        .enumerate()
        .filter(|(_, flow)| {
            findings.iter().any(|finding| {
                finding.status == Status::Missing
                    && flow
                        .steps
                        .iter()
                        .any(|step| !step.optional && step.matches(&finding.record))
            })
        })
        .map(|(index, _)| index)
        .collect();
    let calls = |flow: usize| -> BTreeSet<(&str, &str)> {
        seen.observations
            .iter()
            .filter(|observation| observation.flow == flow)
            .filter_map(|observation| flows.flows.get(flow)?.steps.get(observation.step))
            .filter(|step| !step.optional)
            .map(|step| (step.event_source.as_str(), step.event_name.as_str()))
            .collect()
    };
    if !hinted.is_empty() {
        let workflow_calls: BTreeSet<(&str, &str)> = hinted
            .keys()
            .filter_map(|flow| flows.flows.get(*flow))
            .flat_map(|flow| flow.steps.iter())
            .filter(|step| !step.optional)
            .map(|step| (step.event_source.as_str(), step.event_name.as_str()))
            .collect();
        denied_in
            .retain(|flow| hinted.contains_key(flow) || !calls(*flow).is_subset(&workflow_calls));
        // A denial the current policy has allowed since still means the
        // deploy is being fixed: its next run needs the rest of the
        // workflow, and what the policy already allows is dropped later.
        let denied = findings.iter().any(|finding| {
            matches!(
                finding.status,
                Status::Missing | Status::AlreadyAllowed | Status::Undetermined
            )
        });
        if denied {
            denied_in.extend(hinted.keys().copied());
        }
    }
    denied_in
        .iter()
        .copied()
        .filter(|flow| {
            if hinted.contains_key(flow) {
                return true;
            }
            let own = calls(*flow);
            !denied_in.iter().any(|other| {
                let theirs = calls(*other);
                other != flow && own.len() < theirs.len() && own.is_subset(&theirs)
            })
        })
        .collect()
}

fn anticipate_flow(
    flow: &Flow,
    flow_index: usize,
    seen: &Seen,
    hint: Option<&HintedFlow>,
    catalog: &Catalog,
    out: &mut Collector,
) {
    let observations: Vec<&Observation> = seen
        .observations
        .iter()
        .filter(|observation| observation.flow == flow_index)
        .collect();
    let first = observations
        .iter()
        .map(|observation| observation.step)
        .min();
    // A flow the workflow runs starts at its first step: the run may have
    // stopped before reaching it. Optional steps are never proposed anyway.
    let start = match (hint, first) {
        (Some(_), _) => 0,
        (None, None) => return,
        (None, Some(first)) if flow.ordered => first,
        (None, Some(_)) => 0,
    };
    let mut calls_seen: Vec<&str> = Vec::new();
    for observation in &observations {
        if !calls_seen.contains(&observation.origin.as_str()) {
            calls_seen.push(&observation.origin);
        }
    }
    let mut bindings: Vec<&Binding> = observations
        .iter()
        .flat_map(|observation| observation.bindings.iter())
        .collect();
    bindings.extend(hint.iter().flat_map(|hint| hint.bindings.iter()));
    let flow_context = FlowContext {
        flow,
        calls_seen: calls_seen.join(", "),
        bindings,
        hint,
    };
    let observed: BTreeSet<usize> = observations
        .iter()
        .map(|observation| observation.step)
        .collect();
    for (index, step) in flow.steps.iter().enumerate().skip(start) {
        // The workflow names the calls a command makes (`aws lambda
        // publish-version` makes no `UpdateFunctionCode`): a call of a
        // flow it runs that none of its commands makes is not proposed.
        let made = hint.is_none_or(|hint| {
            hint.bindings
                .iter()
                .any(|binding| binding.covers(&step.event_name))
        });
        if !made {
            continue;
        }
        let context = StepContext {
            step,
            observed: observed.contains(&index),
        };
        for spec in &step.actions {
            anticipate_action(&flow_context, &context, spec, seen, catalog, out);
        }
    }
}

struct FlowContext<'a> {
    flow: &'a Flow,
    /// The base event names of the flow's calls the events show.
    calls_seen: String,
    bindings: Vec<&'a Binding>,
    /// The workflow's values, when the workflow runs the flow.
    hint: Option<&'a HintedFlow>,
}

struct StepContext<'a> {
    step: &'a Step,
    /// True when the events show this call, denied on an earlier action.
    observed: bool,
}

fn anticipate_action(
    context: &FlowContext<'_>,
    step_context: &StepContext<'_>,
    spec: &flows::ActionSpec,
    seen: &Seen,
    catalog: &Catalog,
    out: &mut Collector,
) {
    let flow = context.flow;
    let step = step_context.step;
    let left_out = |reason: String| NotAnticipated {
        flow: flow.name.clone(),
        step: step.label(),
        action: spec.action.clone(),
        reason,
    };
    let Some(found) = catalog.action(&spec.action) else {
        out.left_out(left_out(format!(
            "the catalog does not know `{}`",
            spec.action
        )));
        return;
    };
    let template = template_for(spec, catalog).unwrap_or("");
    let optional = step.optional || spec.optional;
    let mut resources: BTreeMap<String, Origin> = BTreeMap::new();
    let mut missing: BTreeSet<String> = BTreeSet::new();
    let mut unresolved: Vec<String> = Vec::new();
    let bindings = context
        .bindings
        .iter()
        .filter(|binding| binding.covers(&step.event_name));
    for binding in bindings {
        let shows_need = spec.needed_when.as_ref().is_some_and(|name| {
            binding.values.contains_key(name) || binding.unresolved.contains_key(name)
        });
        match build(spec, binding, catalog) {
            Built::Arn(arn) => {
                let origin = resources.entry(arn).or_insert_with(|| Origin {
                    text: binding.origin_of(template),
                    conditions: fill_conditions(&spec.conditions, binding),
                    from_workflow: binding.from_workflow,
                    caveat: binding.caveat.clone(),
                    shows_need,
                });
                // A record and the workflow may name the same resource. The
                // need that an option shows applies whichever came first.
                origin.shows_need |= shows_need;
            }
            Built::Missing(names) => {
                let reasons = unresolved_reasons(spec, &names, binding);
                if reasons.is_empty() {
                    missing.extend(names);
                } else if !optional || shows_need {
                    // Each value the workflow has only at run time is
                    // listed, even when another binding resolves.
                    unresolved.extend(reasons);
                }
            }
            Built::Unusable => {}
        }
    }
    for reason in &unresolved {
        out.left_out(left_out(reason.clone()));
    }
    let mut fresh: Vec<(&String, &Origin)> = resources
        .iter()
        .filter(|(arn, _)| !seen.is_known(&spec.action, arn))
        .collect();
    if !resources.is_empty() && fresh.is_empty() {
        return;
    }
    if optional {
        fresh.retain(|(_, origin)| origin.shows_need);
        if fresh.is_empty() {
            if unresolved.is_empty() {
                // A denial of the run that requires the action puts it in
                // the proposal; calling it left out would contradict that.
                if !seen.was_denied(&spec.action) {
                    let note = spec.note.as_ref().or(step.note.as_ref());
                    let why =
                        note.map_or_else(|| "only some runs need it".to_owned(), Clone::clone);
                    out.left_out(left_out(why));
                }
            }
            return;
        }
    }
    if fresh.is_empty() {
        if unresolved.is_empty() && !seen.was_denied(&spec.action) {
            out.left_out(left_out(unseen_reason(spec, &missing)));
        }
        return;
    }
    let source = spec
        .source
        .as_ref()
        .or(step.source.as_ref())
        .unwrap_or(&flow.source);
    for (arn, origin) in fresh {
        let text = &origin.text;
        let resource = match (&spec.resource_type, &spec.resource_description) {
            (None, _) => "`*`, as the action has no resource type".to_owned(),
            (Some(_), _) if spec.all_resources => {
                "`*`, as AWS authorizes it only on `*`".to_owned()
            }
            (Some(_), Some(why)) => format!("{why} in {text}"),
            (Some(resource_type), None) => format!("the {resource_type} named in {text}"),
        };
        let mut reason = if step_context.observed {
            format!(
                "{}: {} also needs it, on {resource}; AWS checks it after the denied action",
                flow.title, step.event_name
            )
        } else if context.calls_seen.is_empty() {
            let workflow = context
                .hint
                .map_or("the workflow", |hint| hint.workflow.as_str());
            format!(
                "{}: {workflow} runs this flow; its {} needs it on {resource}",
                flow.title, step.event_name
            )
        } else {
            format!(
                "{}: the events show {}; the flow's {} needs it on {resource}",
                flow.title, context.calls_seen, step.event_name
            )
        };
        if let Some(caveat) = &origin.caveat {
            reason.push_str("; ");
            reason.push_str(caveat);
        }
        let mut requirement = anticipated_requirement(&found, spec, arn, &origin.conditions);
        if origin.from_workflow && requirement.resource_source == ResourceSource::Event {
            requirement.resource_source = ResourceSource::Workflow;
        }
        out.add(Anticipated {
            requirement,
            flow: flow.name.clone(),
            step: step.label(),
            reason,
            source: source.clone(),
        });
    }
}

/// The source of an anticipated resource, for its reason.
struct Origin {
    /// The record's event name or the workflow keys, for the reason.
    text: String,
    conditions: Conditions,
    /// True when a deploy hint, not a record, names the resource.
    from_workflow: bool,
    caveat: Option<String>,
    /// True when the binding shows that an optional action is needed
    /// (`needed_when`).
    shows_need: bool,
}

/// Returns one reason for each of `names` the binding's workflow has only
/// at run time.
fn unresolved_reasons(
    spec: &flows::ActionSpec,
    names: &BTreeSet<String>,
    binding: &Binding,
) -> Vec<String> {
    let resource_type = spec.resource_type.as_deref().unwrap_or("resource");
    names
        .iter()
        .filter_map(|name| {
            let reason = binding.unresolved.get(name)?;
            Some(format!("its {resource_type} ARN needs `{name}`: {reason}"))
        })
        .collect()
}

fn unseen_reason(spec: &flows::ActionSpec, missing: &BTreeSet<String>) -> String {
    let resource_type = spec.resource_type.as_deref().unwrap_or("resource");
    if missing.is_empty() {
        return format!("no {resource_type} of the right shape was seen in the events");
    }
    let names: Vec<String> = missing.iter().map(|name| format!("`{name}`")).collect();
    format!(
        "its {resource_type} ARN needs {}, and no call of this flow in the events names them",
        names.join(", ")
    )
}

/// Fills `${Name}` variables in condition values from the binding
/// (`s3.${Region}.amazonaws.com`); a value it cannot fill stays as written.
fn fill_conditions(conditions: &Conditions, binding: &Binding) -> Conditions {
    conditions
        .iter()
        .map(|(operator, keys)| {
            let keys = keys
                .iter()
                .map(|(key, values)| {
                    let values = values
                        .iter()
                        .map(|value| binding.fill(value).unwrap_or_else(|_| value.clone()))
                        .collect();
                    (key.clone(), values)
                })
                .collect();
            (operator.clone(), keys)
        })
        .collect()
}

fn anticipated_requirement(
    found: &ActionRef<'_>,
    spec: &flows::ActionSpec,
    arn: &str,
    conditions: &Conditions,
) -> Requirement {
    let (resource_type, resource_source) = match &spec.resource_type {
        None => (None, ResourceSource::NoResourceType),
        Some(_) if spec.all_resources => (None, ResourceSource::AllResources),
        Some(resource_type) => (Some(resource_type.clone()), ResourceSource::Event),
    };
    Requirement {
        action: found.full_name(),
        resource: arn.to_owned(),
        resource_type,
        conditions: conditions.clone(),
        action_source: ActionSource::Flow,
        resource_source,
    }
}

/// A flow the workflow runs: one binding per time the workflow runs it.
#[derive(Debug, Default)]
struct HintedFlow {
    bindings: Vec<Binding>,
    /// The workflow files that run it.
    workflow: String,
}

/// Builds the bindings of the flows the hints name. Partition, Region and
/// Account come from the `configure-aws-credentials` step the hint's step
/// runs under, else from the first call of the role in the records. The
/// workflow's `aws-region` is where its calls go, while a record of a
/// global service (IAM, the global STS endpoint) is in us-east-1. A hint's
/// own Region or Account (a private ECR registry host, a function ARN) wins
/// over either.
fn hinted_flows(
    flows: &FlowSet,
    hints: &DeployHints,
    records: &[Record],
) -> BTreeMap<usize, HintedFlow> {
    let mut base = records
        .iter()
        .find(|record| {
            !record.is_web_identity_assume()
                && !record.source().is_empty()
                && record.account().is_some()
        })
        .map(|record| Binding::of_record(record, ""))
        .unwrap_or_default();
    base.values
        .entry("Partition".to_owned())
        .or_insert_with(|| "aws".to_owned());
    let mut hinted: BTreeMap<usize, HintedFlow> = BTreeMap::new();
    for hint in &hints.flows {
        let Some(index) = flows.flows.iter().position(|flow| flow.name == hint.flow) else {
            continue;
        };
        let entry = hinted.entry(index).or_default();
        entry.bindings.push(hint_binding(&base, hint));
        if !entry.workflow.split(", ").any(|file| file == hint.workflow) {
            if !entry.workflow.is_empty() {
                entry.workflow.push_str(", ");
            }
            entry.workflow.push_str(&hint.workflow);
        }
    }
    hinted
}

/// Builds the binding of one hint over the records' base values.
fn hint_binding(base: &Binding, hint: &FlowHint) -> Binding {
    let mut binding = base.clone();
    binding.origin = hint.workflow.clone();
    binding.from_workflow = true;
    binding.unresolved = hint.unresolved.clone();
    if !hint.calls.is_empty() {
        binding.calls = Some(hint.calls.iter().cloned().collect());
    }
    if let hints::StepRole::Unresolved(reason) = &hint.role {
        binding.caveat = Some(format!(
            "the step's role is unknown before the run ({reason}), and is taken to be this role"
        ));
    }
    for (name, value) in &hint.credentials {
        binding
            .values
            .insert(name.clone(), escape_resource_name(&value.value));
    }
    for (name, value) in &hint.values {
        binding
            .values
            .insert(name.clone(), escape_resource_name(&value.value));
        binding.sources.insert(name.clone(), value.origin.clone());
    }
    for (name, value) in &hint.values {
        if name.ends_with("RoleArn") {
            resolve_role(&mut binding, name, value);
        } else if name == "KmsKeyArn" {
            match bind::kms_key_arn(&value.value, &binding.values) {
                Some(arn) => {
                    binding.values.insert(name.clone(), arn);
                }
                None => {
                    binding.values.remove(name);
                    binding.unresolved.insert(
                        name.clone(),
                        format!(
                            "{} names `{}`, which is not a key ARN or key id",
                            value.origin, value.value
                        ),
                    );
                }
            }
        }
    }
    binding
}

/// Turns a role name into a role ARN of the deploy's account (a task
/// definition may name its roles by name), and leaves out a role of
/// another account: IAM lets a principal pass only roles of its own
/// account.
fn resolve_role(binding: &mut Binding, name: &str, value: &hints::HintValue) {
    let account = binding.values.get("Account").cloned();
    if !value.value.starts_with("arn:") {
        match binding.fill("arn:${Partition}:iam::${Account}:role/").ok() {
            Some(prefix) => {
                let arn = format!("{prefix}{}", escape_resource_name(&value.value));
                binding.values.insert(name.to_owned(), arn);
            }
            None => {
                binding.values.remove(name);
            }
        }
        return;
    }
    let role_account = value.value.split(':').nth(4).unwrap_or("");
    if let Some(account) = account.filter(|account| account != role_account) {
        binding.values.remove(name);
        binding.unresolved.insert(
            name.to_owned(),
            format!(
                "the role `{}` ({}) is in account {role_account}, and IAM cannot pass a role \
                 of another account than the deploy's ({account})",
                value.value, value.origin
            ),
        );
    }
}

/// Collects items without duplicates, in the order they come.
#[derive(Debug, Default)]
struct Collector {
    anticipated: Vec<Anticipated>,
    not_anticipated: Vec<NotAnticipated>,
}

impl Collector {
    fn add(&mut self, item: Anticipated) {
        let duplicate = self.anticipated.iter().any(|earlier| {
            earlier.requirement.action == item.requirement.action
                && earlier.requirement.resource == item.requirement.resource
                && earlier.requirement.conditions == item.requirement.conditions
        });
        if !duplicate {
            self.anticipated.push(item);
        }
    }

    fn left_out(&mut self, item: NotAnticipated) {
        if !self.not_anticipated.contains(&item) {
            self.not_anticipated.push(item);
        }
    }

    fn finish(self) -> Anticipation {
        Anticipation {
            anticipated: self.anticipated,
            not_anticipated: self.not_anticipated,
        }
    }
}

#[cfg(test)]
mod tests;
