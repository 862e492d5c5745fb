//! The IAM policy document: `Version`, `Id` and `Statement`, with each
//! statement's `Sid`, `Effect`, `Principal`, `Action`/`NotAction`,
//! `Resource`/`NotResource` and `Condition`.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The policy language version every document this tool writes declares.
pub const POLICY_VERSION: &str = "2012-10-17";

/// An IAM policy document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyDocument {
    /// `Version`.
    #[serde(rename = "Version", skip_serializing_if = "Option::is_none", default)]
    pub version: Option<String>,
    /// `Id`.
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
    /// `Statement`, which IAM accepts as one object or an array.
    #[serde(rename = "Statement", deserialize_with = "de_statements", default)]
    pub statements: Vec<Statement>,
}

impl Default for PolicyDocument {
    fn default() -> Self {
        PolicyDocument {
            version: Some(POLICY_VERSION.to_owned()),
            id: None,
            statements: Vec::new(),
        }
    }
}

impl PolicyDocument {
    /// Creates a document with the current version and these statements.
    pub fn with_statements(statements: Vec<Statement>) -> PolicyDocument {
        PolicyDocument {
            statements,
            ..PolicyDocument::default()
        }
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// A statement's condition block: operator → key → values.
pub type ConditionBlock = BTreeMap<String, BTreeMap<String, ValueList>>;

/// One statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// `Sid`.
    #[serde(rename = "Sid", skip_serializing_if = "Option::is_none", default)]
    pub sid: Option<String>,
    /// `Effect`.
    #[serde(rename = "Effect")]
    pub effect: Effect,
    /// `Principal`, present in trust and resource policies.
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none", default)]
    pub principal: Option<Value>,
    /// `NotPrincipal`.
    #[serde(
        rename = "NotPrincipal",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub not_principal: Option<Value>,
    /// `Action`.
    #[serde(rename = "Action", skip_serializing_if = "Option::is_none", default)]
    pub action: Option<ValueList>,
    /// `NotAction`.
    #[serde(rename = "NotAction", skip_serializing_if = "Option::is_none", default)]
    pub not_action: Option<ValueList>,
    /// `Resource`.
    #[serde(rename = "Resource", skip_serializing_if = "Option::is_none", default)]
    pub resource: Option<ValueList>,
    /// `NotResource`.
    #[serde(
        rename = "NotResource",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub not_resource: Option<ValueList>,
    /// `Condition`.
    #[serde(rename = "Condition", skip_serializing_if = "Option::is_none", default)]
    pub condition: Option<ConditionBlock>,
}

impl Statement {
    /// Creates an `Allow` statement for these actions and resources.
    pub fn allow(actions: Vec<String>, resources: Vec<String>) -> Statement {
        Statement {
            sid: None,
            effect: Effect::Allow,
            principal: None,
            not_principal: None,
            action: Some(ValueList::from(actions)),
            not_action: None,
            resource: Some(ValueList::from(resources)),
            not_resource: None,
            condition: None,
        }
    }

    /// Returns the `Action` values, or none for a `NotAction` statement.
    pub fn actions(&self) -> &[String] {
        self.action.as_ref().map_or(&[], |list| list.values())
    }

    /// Returns the `Resource` values, or none for a `NotResource` statement.
    pub fn resources(&self) -> &[String] {
        self.resource.as_ref().map_or(&[], |list| list.values())
    }
}

/// A string or an array of strings, as IAM writes `Action`, `Resource` and
/// condition values. Numbers and booleans in condition values are kept as
/// their text, which is how IAM compares them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ValueList {
    values: Vec<String>,
    written_as_array: bool,
}

impl ValueList {
    /// Returns the values.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Returns the values for editing. A list edited to more than one value
    /// is written as an array.
    pub fn values_mut(&mut self) -> &mut Vec<String> {
        &mut self.values
    }

    /// Returns true when the document wrote the list as a JSON array.
    pub fn is_array(&self) -> bool {
        self.written_as_array || self.values.len() != 1
    }
}

impl From<Vec<String>> for ValueList {
    fn from(values: Vec<String>) -> Self {
        ValueList {
            written_as_array: values.len() != 1,
            values,
        }
    }
}

impl From<&str> for ValueList {
    fn from(value: &str) -> Self {
        ValueList {
            values: vec![value.to_owned()],
            written_as_array: false,
        }
    }
}

impl Serialize for ValueList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.values.as_slice() {
            [one] if !self.written_as_array => serializer.serialize_str(one),
            values => values.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ValueList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let scalar = |value: Value| -> Result<String, D::Error> {
            match value {
                Value::String(text) => Ok(text),
                Value::Bool(flag) => Ok(flag.to_string()),
                Value::Number(number) => Ok(number.to_string()),
                other => Err(serde::de::Error::custom(format!(
                    "expected a string or an array of strings, found {other}"
                ))),
            }
        };
        match value {
            Value::Array(items) => Ok(ValueList {
                values: items.into_iter().map(scalar).collect::<Result<_, _>>()?,
                written_as_array: true,
            }),
            other => Ok(ValueList {
                values: vec![scalar(other)?],
                written_as_array: false,
            }),
        }
    }
}

fn de_statements<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Statement>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(|item| serde_json::from_value(item).map_err(serde::de::Error::custom))
            .collect(),
        Value::Object(_) => Ok(vec![
            serde_json::from_value(value).map_err(serde::de::Error::custom)?
        ]),
        other => Err(serde::de::Error::custom(format!(
            "`Statement` must be an object or an array, found {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_values_round_trip_as_written() {
        let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":true}}}}"#;
        let document: PolicyDocument = serde_json::from_str(text).unwrap();
        assert_eq!(document.statements.len(), 1);
        let out = serde_json::to_string(&document.statements[0]).unwrap();
        assert_eq!(
            out,
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#
        );
    }
}
