//! The serde model of `service-reference.json` (format `iam-catalog/1`):
//! services, actions, resource types and condition keys as the Service
//! Authorization Reference describes them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// The whole `service-reference.json` document, decoded at once. The catalog
/// itself decodes services one at a time (see [`super::Catalog`]); this type
/// serves the refresh, which rewrites the whole document.
#[derive(Debug, Deserialize, Serialize)]
pub struct ServiceReference {
    /// Format tag, `iam-catalog/1`.
    pub format: String,
    /// When the file was generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    /// Provenance of the data.
    #[serde(default)]
    pub sources: serde_json::Value,
    /// Services by IAM prefix.
    pub services: HashMap<String, Service>,
}

/// One service (IAM prefix).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct Service {
    /// The service's full name.
    #[serde(default)]
    pub name: String,
    /// Actions by name as AWS spells it.
    #[serde(default)]
    pub actions: HashMap<String, ActionDef>,
    /// Resource types by name.
    #[serde(default)]
    pub resource_types: HashMap<String, ResourceTypeDef>,
    /// Condition keys with their types.
    #[serde(default)]
    pub condition_keys: HashMap<String, String>,
}

/// One action.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ActionDef {
    /// Access level: List, Read, Write, Permissions management, Tagging.
    #[serde(default)]
    pub access: String,
    /// Resource types the action authorizes against; empty means the action
    /// only accepts `"Resource": "*"`.
    #[serde(default)]
    pub resources: Vec<ActionResource>,
    /// Condition keys of the action itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// Dependent actions (the SAR column of that name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deps: Vec<String>,
}

/// One resource type row of an action.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ActionResource {
    /// Resource type name, a key of [`Service::resource_types`].
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Whether the SAR marks it required.
    #[serde(default)]
    pub required: bool,
    /// Condition keys on that row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}

/// One resource type.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ResourceTypeDef {
    /// ARN templates such as
    /// `arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}`.
    #[serde(default)]
    pub arns: Vec<String>,
    /// Condition keys of the resource type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}

impl ResourceTypeDef {
    /// Returns the ARN templates one by one. The reference data joins a few
    /// alternatives into one string (`…/apis/${ApiId}, …/restapis/${RestApiId}`
    /// for API Gateway); they are split here.
    pub fn templates(&self) -> impl Iterator<Item = &str> {
        self.arns
            .iter()
            .flat_map(|arns| arns.split(", "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }
}
