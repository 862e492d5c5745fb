//! Minimal statements from the requirements of the denials the role's own
//! policies can fix: deduplicated, actions that share a resource set merged
//! into one statement, sorted, with `Sid`s derived from the content so that
//! two runs over the same input print the same bytes.

use std::collections::{BTreeMap, BTreeSet};

use crate::policy::{ConditionBlock, PolicyDocument, Statement, ValueList};
use crate::requirement::Requirement;

type Conditions = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Builds the minimal statements that allow every requirement.
pub fn build_statements(requirements: &[Requirement]) -> Vec<Statement> {
    // Step 1: each (action, conditions) with the set of resources it needs.
    let mut by_action: BTreeMap<(String, Conditions), BTreeSet<String>> = BTreeMap::new();
    let mut types: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for requirement in requirements {
        by_action
            .entry((requirement.action.clone(), requirement.conditions.clone()))
            .or_default()
            .insert(requirement.resource.clone());
        let type_name = requirement
            .resource_type
            .clone()
            .unwrap_or_else(|| "*".to_owned());
        types
            .entry(requirement.resource.clone())
            .or_default()
            .insert(type_name);
    }
    // Step 2: actions that need exactly the same resources under the same
    // conditions share a statement.
    let mut by_resources: BTreeMap<(BTreeSet<String>, Conditions), BTreeSet<String>> =
        BTreeMap::new();
    for ((action, conditions), resources) in by_action {
        by_resources
            .entry((resources, conditions))
            .or_default()
            .insert(action);
    }
    let mut statements: Vec<Statement> = by_resources
        .into_iter()
        .map(|((resources, conditions), actions)| {
            let resource_types: BTreeSet<&str> = resources
                .iter()
                .flat_map(|resource| types.get(resource).into_iter().flatten())
                .map(String::as_str)
                .collect();
            let mut statement = Statement::allow(
                actions.iter().cloned().collect(),
                resources.iter().cloned().collect(),
            );
            let every_resource = resources.iter().all(|resource| resource == "*");
            statement.sid = Some(sid_for(
                &actions,
                &resource_types,
                every_resource,
                &conditions,
            ));
            if !conditions.is_empty() {
                statement.condition = Some(to_condition_block(&conditions));
            }
            statement
        })
        .collect();
    make_sids_unique(&mut statements);
    statements.sort_by(|a, b| a.sid.cmp(&b.sid));
    statements
}

/// Wraps statements in a policy document.
pub fn document(statements: Vec<Statement>) -> PolicyDocument {
    PolicyDocument::with_statements(statements)
}

/// Converts requirement conditions to a policy condition block.
pub fn to_condition_block(conditions: &Conditions) -> ConditionBlock {
    conditions
        .iter()
        .map(|(operator, keys)| {
            let keys = keys
                .iter()
                .map(|(key, values)| (key.clone(), ValueList::from(values.clone())))
                .collect();
            (operator.clone(), keys)
        })
        .collect()
}

/// Derives a `Sid` from the services, resource types and conditions, such
/// as `EcrRepository`, `IamRolePassedToEcsTasks` or `EcrAnyResource`.
fn sid_for(
    actions: &BTreeSet<String>,
    resource_types: &BTreeSet<&str>,
    every_resource: bool,
    conditions: &Conditions,
) -> String {
    let prefixes: BTreeSet<&str> = actions
        .iter()
        .filter_map(|action| action.split(':').next())
        .collect();
    let mut sid: String = prefixes.iter().map(|prefix| pascal_case(prefix)).collect();
    if resource_types.is_empty() || resource_types.iter().all(|t| *t == "*") {
        // A named resource whose type the catalog does not list (such as
        // CloudFormation's `transform/…`) is not "any resource".
        sid.push_str(if every_resource {
            "AnyResource"
        } else {
            "Resource"
        });
    } else {
        for resource_type in resource_types.iter().filter(|t| **t != "*") {
            sid.push_str(&pascal_case(resource_type));
        }
    }
    for keys in conditions.values() {
        for (key, values) in keys {
            if key.eq_ignore_ascii_case("iam:PassedToService") {
                sid.push_str("PassedTo");
            } else if key.eq_ignore_ascii_case("kms:ViaService") {
                sid.push_str("Via");
            } else {
                continue;
            }
            for value in values {
                let service = value.split('.').next().unwrap_or(value);
                sid.push_str(&pascal_case(service));
            }
        }
    }
    sid
}

fn pascal_case(text: &str) -> String {
    text.split(|ch: char| !ch.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn make_sids_unique(statements: &mut [Statement]) {
    statements.sort_by(|a, b| {
        (a.sid.as_deref(), a.actions(), a.resources()).cmp(&(
            b.sid.as_deref(),
            b.actions(),
            b.resources(),
        ))
    });
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for statement in statements.iter_mut() {
        let Some(sid) = statement.sid.clone() else {
            continue;
        };
        let count = seen.entry(sid.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            statement.sid = Some(format!("{sid}{count}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requirement::{ActionSource, ResourceSource};

    fn requirement(action: &str, resource: &str, resource_type: Option<&str>) -> Requirement {
        Requirement {
            action: action.to_owned(),
            resource: resource.to_owned(),
            resource_type: resource_type.map(str::to_owned),
            conditions: BTreeMap::new(),
            action_source: ActionSource::ErrorMessage,
            resource_source: ResourceSource::ErrorMessage,
        }
    }

    #[test]
    fn named_resource_without_type_is_not_any_resource() {
        let transform = "arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31";
        let statements = build_statements(&[requirement(
            "cloudformation:CreateChangeSet",
            transform,
            None,
        )]);
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].sid.as_deref(), Some("CloudformationResource"));
    }

    #[test]
    fn actions_sharing_resources_merge() {
        let repo = "arn:aws:ecr:us-east-1:1:repository/web";
        let statements = build_statements(&[
            requirement("ecr:PutImage", repo, Some("repository")),
            requirement("ecr:InitiateLayerUpload", repo, Some("repository")),
            requirement("ecr:PutImage", repo, Some("repository")),
            requirement("ecr:GetAuthorizationToken", "*", None),
        ]);
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0].sid.as_deref(), Some("EcrAnyResource"));
        assert_eq!(statements[0].actions(), ["ecr:GetAuthorizationToken"]);
        assert_eq!(statements[1].sid.as_deref(), Some("EcrRepository"));
        assert_eq!(
            statements[1].actions(),
            ["ecr:InitiateLayerUpload", "ecr:PutImage"]
        );
        assert_eq!(statements[1].resources(), [repo]);
    }

    #[test]
    fn different_resource_sets_stay_apart_with_unique_sids() {
        let statements = build_statements(&[
            requirement(
                "ecr:PutImage",
                "arn:aws:ecr:us-east-1:1:repository/a",
                Some("repository"),
            ),
            requirement(
                "ecr:BatchGetImage",
                "arn:aws:ecr:us-east-1:1:repository/b",
                Some("repository"),
            ),
        ]);
        let sids: Vec<_> = statements.iter().map(|s| s.sid.clone().unwrap()).collect();
        assert_eq!(sids, ["EcrRepository", "EcrRepository2"]);
    }
}
