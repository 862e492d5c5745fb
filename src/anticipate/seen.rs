//! The role's records as calls of the flows: for each, the flow and step it
//! is, the variables it names, and the `(action, resource)` pairs the run
//! was allowed or denied.

use std::collections::BTreeSet;

use crate::catalog::Catalog;
use crate::denial;
use crate::record::Record;
use crate::requirement::{self, Requirement};

use super::bind::Binding;
use super::flows::{self, ActionSpec, FlowSet, Step};

/// One record recognised as a call of a flow.
#[derive(Debug)]
pub(super) struct Observation {
    /// Index of the flow in the flow set.
    pub(super) flow: usize,
    /// Index of the step in the flow.
    pub(super) step: usize,
    /// The record's event name without an API-version suffix.
    pub(super) origin: String,
    /// The variables the record names.
    pub(super) bindings: Vec<Binding>,
}

/// The flow calls and the allowed and denied permissions in the role's
/// records.
#[derive(Debug, Default)]
pub(super) struct Seen {
    /// Every record recognised as a call of a flow, in record order.
    pub(super) observations: Vec<Observation>,
    /// `(action in lower case, resource)` the run was allowed.
    allowed: BTreeSet<(String, String)>,
    /// `(action in lower case, resource)` the run was denied.
    denied: BTreeSet<(String, String)>,
}

impl Seen {
    pub(super) fn collect(flows: &FlowSet, records: &[Record], catalog: &Catalog) -> Seen {
        let mut seen = Seen::default();
        for record in records {
            if record.is_web_identity_assume() || record.source().is_empty() {
                continue;
            }
            let denied: Option<Vec<Requirement>> = denial::classify(record)
                .map(|denial| requirement::derive(&denial, catalog).requirements);
            for requirement in denied.iter().flatten() {
                seen.denied
                    .insert(key(&requirement.action, &requirement.resource));
            }
            for (flow_index, flow) in flows.flows.iter().enumerate() {
                for (step_index, step) in flow.steps.iter().enumerate() {
                    if !step.matches(record) {
                        continue;
                    }
                    let bindings = bindings_for(step, record, denied.as_deref(), catalog);
                    seen.mark_allowed(step, &bindings, denied.as_deref(), catalog);
                    seen.observations.push(Observation {
                        flow: flow_index,
                        step: step_index,
                        origin: flows::base_event_name(record.name()).to_owned(),
                        bindings,
                    });
                }
            }
        }
        seen
    }

    /// Records the step's actions the call got past: all of them when it
    /// succeeded (or failed for a reason other than authorization), those
    /// up to the denied one when it was denied, since AWS checks them in
    /// order.
    fn mark_allowed(
        &mut self,
        step: &Step,
        bindings: &[Binding],
        denied: Option<&[Requirement]>,
        catalog: &Catalog,
    ) {
        let passed = match denied {
            None => step.actions.len(),
            Some(requirements) => match last_denied_index(step, bindings, requirements, catalog) {
                Some(index) => index + 1,
                None => 0,
            },
        };
        for spec in step.actions.iter().take(passed) {
            for binding in bindings {
                if let Built::Arn(arn) = build(spec, binding, catalog) {
                    self.allowed.insert(key(&spec.action, &arn));
                }
            }
        }
    }

    /// Returns true when a denial of the run requires `action`, on any
    /// resource, so the proposal already contains it.
    pub(super) fn was_denied(&self, action: &str) -> bool {
        let action = action.to_ascii_lowercase();
        self.denied.iter().any(|(denied, _)| *denied == action)
    }

    pub(super) fn is_known(&self, action: &str, resource: &str) -> bool {
        let entry = key(action, resource);
        self.allowed.contains(&entry) || self.denied.contains(&entry)
    }
}

fn key(action: &str, resource: &str) -> (String, String) {
    (action.to_ascii_lowercase(), resource.to_owned())
}

/// Returns the index of the step's last action a denial names. Of several
/// actions with the same name (two `iam:PassRole`), the one whose resource
/// is the denied one.
fn last_denied_index(
    step: &Step,
    bindings: &[Binding],
    requirements: &[Requirement],
    catalog: &Catalog,
) -> Option<usize> {
    requirements
        .iter()
        .filter_map(|requirement| {
            let same_action: Vec<usize> = step
                .actions
                .iter()
                .enumerate()
                .filter(|(_, spec)| spec.action.eq_ignore_ascii_case(&requirement.action))
                .map(|(index, _)| index)
                .collect();
            let same_resource = same_action.iter().copied().find(|index| {
                step.actions.get(*index).is_some_and(|spec| {
                    bindings.iter().any(|binding| {
                        build(spec, binding, catalog) == Built::Arn(requirement.resource.clone())
                    })
                })
            });
            same_resource.or_else(|| same_action.first().copied())
        })
        .max()
}

/// Returns the record's bindings: its partition, region and account, the
/// step's captures, and each denied resource's placeholders.
fn bindings_for(
    step: &Step,
    record: &Record,
    denied: Option<&[Requirement]>,
    catalog: &Catalog,
) -> Vec<Binding> {
    let origin = flows::base_event_name(record.name());
    let captured = Binding::of_record(record, origin).with_step(step, record);
    let mut bindings = captured.clone();
    for requirement in denied.into_iter().flatten() {
        let Some(template) = template_of(
            catalog,
            &requirement.action,
            requirement.resource_type.as_deref(),
        ) else {
            continue;
        };
        for binding in &captured {
            let mut merged = binding.clone();
            if merged.merge_arn(template, &requirement.resource) {
                bindings.push(merged);
            }
        }
    }
    bindings.sort();
    bindings.dedup();
    bindings
}

/// Returns the catalog's first ARN template for a resource type of an
/// action.
pub(super) fn template_of<'c>(
    catalog: &'c Catalog,
    action: &str,
    resource_type: Option<&str>,
) -> Option<&'c str> {
    let found = catalog.action(action)?;
    let definition = found.service.resource_types.get(resource_type?)?;
    definition.arns.first().map(String::as_str)
}

/// Returns the ARN template an action's resource is built from.
pub(super) fn template_for<'a>(spec: &'a ActionSpec, catalog: &'a Catalog) -> Option<&'a str> {
    spec.arn
        .as_deref()
        .or_else(|| template_of(catalog, &spec.action, spec.resource_type.as_deref()))
}

/// An action's resource for one binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Built {
    /// The resource: an escaped ARN, possibly with a wildcard the flow data
    /// wrote, or `*` for an action without a resource type.
    Arn(String),
    /// Variables no value was seen for.
    Missing(BTreeSet<String>),
    /// The catalog has no template for the action and resource type, or
    /// the filled ARN does not have the resource type's shape.
    Unusable,
}

pub(super) fn build(spec: &ActionSpec, binding: &Binding, catalog: &Catalog) -> Built {
    let Some(resource_type) = spec.resource_type.as_deref() else {
        return Built::Arn("*".to_owned());
    };
    if spec.all_resources {
        return Built::Arn("*".to_owned());
    }
    let Some(catalog_template) = template_of(catalog, &spec.action, Some(resource_type)) else {
        return Built::Unusable;
    };
    let template = spec.arn.as_deref().unwrap_or(catalog_template);
    match binding.fill(template) {
        Ok(arn) if requirement::template_matches(catalog_template, &arn) => Built::Arn(arn),
        Ok(_) => Built::Unusable,
        Err(missing) => Built::Missing(missing),
    }
}
