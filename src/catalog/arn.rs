//! Resource ARNs built from a CloudTrail event by filling the catalog's ARN
//! templates, and the escaping of IAM's special characters in resource names.

use crate::record::Record;

use super::{ActionRef, Catalog};

/// A resource ARN built for one action of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltResource {
    /// The ARN, with `*`, `?` and `$` in names escaped; `*` when the action
    /// has no resource type or a placeholder could not be filled.
    pub arn: String,
    /// The catalog resource type the ARN was built for; `None` for `*`.
    pub resource_type: Option<String>,
    /// Placeholders that could not be filled from the event.
    pub unfilled: Vec<String>,
    /// Why the resource is wider than one exact ARN, when it is.
    pub warning: Option<String>,
}

/// What the ARN builder reads from an event.
#[derive(Debug, Clone, Copy)]
pub struct ArnContext<'a> {
    /// The event.
    pub record: &'a Record,
}

/// Escapes `*`, `?` and `$` in a resource name as `${*}`, `${?}`, `${$}`.
pub fn escape_resource_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.chars() {
        match ch {
            '*' => out.push_str("${*}"),
            '?' => out.push_str("${?}"),
            '$' => out.push_str("${$}"),
            other => out.push(other),
        }
    }
    out
}

impl Catalog {
    /// Builds the resources `action` needs for the call in `context`.
    pub fn build_resources(
        &self,
        action: &ActionRef<'_>,
        context: ArnContext<'_>,
    ) -> Vec<BuiltResource> {
        let _ = (action, context);
        Vec::new()
    }
}
