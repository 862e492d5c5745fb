//! The catalog's dependent actions of denied actions: the Service
//! Authorization Reference lists, for some actions, others the call may
//! also need (`ecs:RunTask` → `iam:PassRole`).

use std::collections::BTreeMap;

use crate::catalog::{ActionRef, Catalog};
use crate::learn::{Finding, Status};
use crate::requirement::{ActionSource, Requirement, ResourceSource};

use super::bind::Binding;
use super::seen::{template_of, Seen};
use super::{Anticipated, Citation, Collector, NotAnticipated, DEPENDENT_ACTIONS};

/// Returns the page that defines dependent actions.
fn dependent_actions_source() -> Citation {
    Citation {
        title: "Actions, resources, and condition keys for AWS services".to_owned(),
        url: "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"
            .to_owned(),
    }
}

/// Proposes the catalog's dependent actions of denied actions the role's
/// policies lack, on a resource built from the denied call.
pub(super) fn anticipate_dependent_actions(
    findings: &[Finding],
    seen: &Seen,
    catalog: &Catalog,
    out: &mut Collector,
) {
    for finding in findings
        .iter()
        .filter(|finding| finding.status == Status::Missing)
    {
        for denied in &finding.requirements {
            let Some(action) = catalog.action(&denied.action) else {
                continue;
            };
            for dependency in &action.def.deps {
                let left_out = |reason: String| NotAnticipated {
                    flow: DEPENDENT_ACTIONS.to_owned(),
                    step: denied.action.clone(),
                    action: dependency.clone(),
                    reason,
                };
                let Some(found) = catalog.action(dependency) else {
                    out.left_out(left_out(format!(
                        "the catalog does not know `{dependency}`"
                    )));
                    continue;
                };
                let resource = match dependent_resource(&found, finding, denied, catalog) {
                    Ok(resource) => resource,
                    Err(reason) => {
                        out.left_out(left_out(reason));
                        continue;
                    }
                };
                if seen.is_known(&found.full_name(), &resource.0) {
                    continue;
                }
                out.add(Anticipated {
                    requirement: Requirement {
                        action: found.full_name(),
                        resource: resource.0,
                        resource_type: resource.1.clone(),
                        conditions: BTreeMap::new(),
                        action_source: ActionSource::DependentAction,
                        resource_source: if resource.1.is_some() {
                            ResourceSource::Event
                        } else {
                            ResourceSource::NoResourceType
                        },
                    },
                    flow: DEPENDENT_ACTIONS.to_owned(),
                    step: denied.action.clone(),
                    reason: format!(
                        "the Service Authorization Reference lists it as a dependent action of the \
                         denied `{}`; the call may need it",
                        denied.action
                    ),
                    source: dependent_actions_source(),
                });
            }
        }
    }
}

/// Returns a dependent action's resource and its type: `*` when it has no
/// resource type, else the first of its resource types that the denied
/// call's event and resource fill.
fn dependent_resource(
    found: &ActionRef<'_>,
    finding: &Finding,
    denied: &Requirement,
    catalog: &Catalog,
) -> Result<(String, Option<String>), String> {
    if !found.has_resource_types() {
        return Ok(("*".to_owned(), None));
    }
    let mut binding = Binding::of_record(&finding.record, &finding.event_name);
    if let Some(template) = template_of(catalog, &denied.action, denied.resource_type.as_deref()) {
        binding.merge_arn(template, &denied.resource);
    }
    let mut types = Vec::new();
    for (row, definition) in found.resource_types() {
        types.push(format!("`{}`", row.resource_type));
        for template in &definition.arns {
            if let Ok(arn) = binding.fill(template) {
                return Ok((arn, Some(row.resource_type.clone())));
            }
        }
    }
    Err(format!(
        "it acts on a {} resource, and the denied call named none",
        types.join(" or ")
    ))
}
