//! The deploy flows of `data/flows.json`: for each flow, the calls a deploy
//! tool makes in order, the IAM actions each call needs in the order AWS
//! evaluates them, the resource each action acts on and the public AWS page
//! that lists them.
//!
//! The file is embedded in the binary and decoded once, on first use.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize};

use crate::record::Record;

const EMBEDDED_FLOWS: &str = include_str!("../../data/flows.json");

/// The `format` tag of a flows file this version reads.
pub const FLOWS_FORMAT: &str = "trailgrant-flows/1";

/// Errors loading a flows file.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// The text is not a flows document.
    #[error("invalid flows data")]
    Invalid(#[source] serde_json::Error),
    /// The document names a format this version does not read.
    #[error("the flows data is in format `{0}`, expected `{FLOWS_FORMAT}`")]
    Format(String),
}

/// Conditions of a statement: operator → key → values.
pub type Conditions = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Every known deploy flow.
#[derive(Debug, Deserialize)]
pub struct FlowSet {
    /// Format tag, [`FLOWS_FORMAT`].
    pub format: String,
    /// The flows, in the order their anticipated items are listed.
    pub flows: Vec<Flow>,
}

/// One deploy flow.
#[derive(Debug, Deserialize)]
pub struct Flow {
    /// Short name used in output, such as `ecr-push`.
    pub name: String,
    /// What the flow does, in a few words.
    pub title: String,
    /// Whether the steps run in the listed order. Anticipation of an ordered
    /// flow starts at the first step the events show; an unordered flow may
    /// need any of its steps.
    #[serde(default = "ordered_by_default")]
    pub ordered: bool,
    /// The public page that lists the flow's permissions.
    pub source: Citation,
    /// The calls, in order.
    pub steps: Vec<Step>,
}

fn ordered_by_default() -> bool {
    true
}

/// A public documentation page: title and address.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Citation {
    /// The page title.
    pub title: String,
    /// The page address.
    pub url: String,
}

/// One call of a flow, recognised in CloudTrail by its event source and
/// event name.
#[derive(Debug, Deserialize)]
pub struct Step {
    /// `eventSource`, such as `ecr.amazonaws.com`.
    pub event_source: String,
    /// `eventName` without an API-version suffix, such as `PutImage` or
    /// `UpdateFunctionCode` (CloudTrail writes
    /// `UpdateFunctionCode20150331v2`).
    pub event_name: String,
    /// True when only some runs make this call; it is never anticipated.
    #[serde(default)]
    pub optional: bool,
    /// Which runs make an optional call.
    #[serde(default)]
    pub note: Option<String>,
    /// The page for this call, when not the flow's.
    #[serde(default)]
    pub source: Option<Citation>,
    /// Variables taken from `requestParameters`: name → key. `key[]` takes
    /// each string of an array; `|name` keeps the last `/` (or `:`) segment
    /// of an ARN; `|role` turns a role name into the role's ARN.
    #[serde(default)]
    pub captures: BTreeMap<String, String>,
    /// Request parameters that must match for a record to be this call; the
    /// named groups become variables.
    #[serde(default)]
    pub patterns: Vec<ParamPattern>,
    /// Request parameters the call never sends, so a record that has one is
    /// another client's call (`aws s3 sync` lists without a `delimiter`;
    /// Terraform's S3 backend lists its workspaces with one).
    #[serde(default)]
    pub absent: Vec<String>,
    /// The IAM actions the call needs, in the order AWS evaluates them.
    pub actions: Vec<ActionSpec>,
}

/// A request parameter pattern.
#[derive(Debug, Deserialize)]
pub struct ParamPattern {
    /// The `requestParameters` key.
    pub param: String,
    /// The pattern; named groups become variables.
    #[serde(deserialize_with = "de_regex")]
    pub regex: Regex,
}

/// One IAM action of a call.
#[derive(Debug, Deserialize)]
pub struct ActionSpec {
    /// `prefix:Name`.
    pub action: String,
    /// The catalog resource type the action acts on; none when the action
    /// has no resource type and takes `*`.
    #[serde(default)]
    pub resource_type: Option<String>,
    /// The resource ARN template over variables; the catalog's template of
    /// `resource_type` when absent.
    #[serde(default)]
    pub arn: Option<String>,
    /// True when AWS authorizes the action on `*` although the catalog
    /// lists a resource type (`ecs:RegisterTaskDefinition`: ECS has no
    /// resource-level permissions for registering task definitions). The
    /// action is then proposed on `*`, and `note` cites the page.
    #[serde(default)]
    pub all_resources: bool,
    /// Conditions least privilege adds.
    #[serde(default)]
    pub conditions: Conditions,
    /// True when only some runs need it, so it is anticipated only when
    /// `needed_when` shows that the call needs it.
    #[serde(default)]
    pub optional: bool,
    /// A variable whose value in the call shows that this optional action
    /// is needed, such as the KMS key an upload names. The action is then
    /// anticipated on the resource built from it.
    #[serde(default)]
    pub needed_when: Option<String>,
    /// Which runs need an optional action.
    #[serde(default)]
    pub note: Option<String>,
    /// A description of the resource for the report, such as `the task
    /// role the request names`.
    #[serde(default)]
    pub resource_description: Option<String>,
    /// The page for this action, when not the step's or the flow's.
    #[serde(default)]
    pub source: Option<Citation>,
}

fn de_regex<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Regex, D::Error> {
    let text = String::deserialize(deserializer)?;
    Regex::new(&text).map_err(serde::de::Error::custom)
}

impl FlowSet {
    /// Returns the flows embedded in the binary, decoding them on first use.
    pub fn embedded() -> Result<&'static FlowSet, &'static FlowError> {
        static EMBEDDED: OnceLock<Result<FlowSet, FlowError>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| FlowSet::from_json(EMBEDDED_FLOWS))
            .as_ref()
    }

    /// Decodes a flows document.
    pub fn from_json(text: &str) -> Result<FlowSet, FlowError> {
        let set: FlowSet = serde_json::from_str(text).map_err(FlowError::Invalid)?;
        if set.format != FLOWS_FORMAT {
            return Err(FlowError::Format(set.format));
        }
        Ok(set)
    }
}

impl Step {
    /// Returns true when `record` is this call: same event source, same
    /// event name once an API-version suffix is removed, every parameter
    /// pattern matches and no parameter of `absent` is present.
    pub fn matches(&self, record: &Record) -> bool {
        record.source() == self.event_source
            && base_event_name(record.name()) == self.event_name
            && self.patterns.iter().all(|pattern| {
                record
                    .request_str(&pattern.param)
                    .is_some_and(|value| pattern.regex.is_match(value))
            })
            && self.absent.iter().all(|param| {
                record
                    .request_parameters
                    .as_ref()
                    .and_then(|params| params.get(param))
                    .is_none_or(serde_json::Value::is_null)
            })
    }

    /// Returns `eventSource eventName`, the step's label in output.
    pub fn label(&self) -> String {
        format!("{} {}", self.event_source, self.event_name)
    }
}

/// Removes an API-version suffix such as `20150331` or `20150331v2` from an
/// event name, as Lambda and CloudFront write them.
pub fn base_event_name(name: &str) -> &str {
    static SUFFIX: OnceLock<Option<Regex>> = OnceLock::new();
    let suffix =
        SUFFIX.get_or_init(|| Regex::new(r"[A-Za-z](?P<suffix>[0-9]{8}(?:v[0-9]+)?)$").ok());
    let Some(captures) = suffix.as_ref().and_then(|regex| regex.captures(name)) else {
        return name;
    };
    match captures.name("suffix") {
        Some(found) => name.get(..found.start()).unwrap_or(name),
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn version_suffixes_are_removed() {
        assert_eq!(
            base_event_name("UpdateFunctionCode20150331v2"),
            "UpdateFunctionCode"
        );
        assert_eq!(base_event_name("PublishVersion20150331"), "PublishVersion");
        assert_eq!(base_event_name("PutImage"), "PutImage");
        assert_eq!(base_event_name("20150331"), "20150331");
    }

    #[test]
    fn embedded_flows_decode() {
        let flows = FlowSet::embedded().unwrap();
        let names: Vec<&str> = flows.flows.iter().map(|flow| flow.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "ecr-push",
                "ecr-public-push",
                "ecr-pull",
                "ecs-deploy",
                "s3-sync-upload",
                "s3-cp-upload",
                "s3-cp-download",
                "lambda-deploy",
                "cloudformation-deploy",
                "cdk-deploy",
                "ssm-parameters-read",
                "secretsmanager-read",
                "eks-update-kubeconfig",
            ]
        );
    }

    #[test]
    fn every_flow_cites_an_aws_page() {
        let flows = FlowSet::embedded().unwrap();
        for flow in &flows.flows {
            let mut citations = vec![&flow.source];
            for step in &flow.steps {
                citations.extend(step.source.iter());
                citations.extend(step.actions.iter().filter_map(|spec| spec.source.as_ref()));
            }
            for citation in citations {
                assert!(!citation.title.is_empty(), "{}", flow.name);
                assert!(
                    citation.url.starts_with("https://docs.aws.amazon.com/")
                        || citation.url.starts_with("https://github.com/aws-actions/"),
                    "{}: {}",
                    flow.name,
                    citation.url
                );
            }
        }
    }

    /// Every action exists in the catalog under its exact spelling, none is
    /// a wildcard, and the resource type agrees with the catalog: named
    /// when the action has resource types, absent when it only takes `*`.
    #[test]
    fn every_action_agrees_with_the_catalog() {
        let catalog = Catalog::embedded().unwrap();
        let flows = FlowSet::embedded().unwrap();
        for flow in &flows.flows {
            for step in &flow.steps {
                for spec in &step.actions {
                    let context = format!("{} {} {}", flow.name, step.event_name, spec.action);
                    assert!(!spec.action.contains(['*', '?']), "{context}");
                    let found = catalog
                        .action(&spec.action)
                        .unwrap_or_else(|| panic!("{context}"));
                    assert_eq!(found.full_name(), spec.action, "{context}");
                    match &spec.resource_type {
                        Some(resource_type) => {
                            let types: BTreeSet<&str> = found
                                .def
                                .resources
                                .iter()
                                .map(|row| row.resource_type.as_str())
                                .collect();
                            assert!(
                                types.contains(resource_type.as_str()),
                                "{context}: {types:?}"
                            );
                        }
                        None => assert!(!found.has_resource_types(), "{context}"),
                    }
                }
            }
        }
    }

    /// Every `${Variable}` of an `arn` template is a catalog placeholder, a
    /// capture or a pattern group of the same flow, so it can be filled.
    #[test]
    fn arn_templates_use_known_variables() {
        let flows = FlowSet::embedded().unwrap();
        let placeholder = Regex::new(r"\$\{([A-Za-z]+)\}").unwrap();
        for flow in &flows.flows {
            let mut known: BTreeSet<String> = ["Partition", "Region", "Account"]
                .iter()
                .map(|name| (*name).to_owned())
                .collect();
            for step in &flow.steps {
                known.extend(step.captures.keys().cloned());
                for pattern in &step.patterns {
                    known.extend(pattern.regex.capture_names().flatten().map(str::to_owned));
                }
            }
            for step in &flow.steps {
                for spec in &step.actions {
                    let Some(template) = &spec.arn else { continue };
                    for name in placeholder.captures_iter(template) {
                        assert!(
                            known.contains(&name[1]),
                            "{}: `{}` in {template}",
                            flow.name,
                            &name[1]
                        );
                    }
                }
            }
        }
    }
}
