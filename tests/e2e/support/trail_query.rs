//! What Athena and CloudTrail Lake would return for trailgrant's query over
//! a corpus of records, computed here from the records, so that moto's
//! canned Athena results and the loopback Lake server serve the rows the
//! real engines would.
//!
//! The query keeps the role's events in the window that are denials, the
//! successes that followed a denial of the same call, and the first event;
//! every row carries the count of the role's events (see
//! `trailgrant::aws::query`); calls of the anticipation flows are kept
//! whatever their outcome. The values follow each engine's types: Athena's
//! CloudTrail table holds documents as JSON text and `eventtime` as written,
//! while Lake holds documents as maps of strings, `userIdentity` as a struct
//! with lower-case member names and `eventTime` as a timestamp.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use trailgrant::anticipate::flows::{base_event_name, FlowSet};
use trailgrant::denial::is_authorization_failure;
use trailgrant::record::{Record, RoleSelector};

/// The rows the query returns, before any engine formatting.
#[derive(Debug, Clone)]
pub struct QueryRows {
    /// The kept records, in corpus order.
    pub records: Vec<Value>,
    /// The role's records in the window.
    pub role_records: usize,
}

/// Applies the query's filters to `corpus`.
pub fn relevant(
    corpus: &[Value],
    role: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    accounts: &[&str],
) -> QueryRows {
    let role = RoleSelector::parse(role).unwrap();
    let in_scope: Vec<(&Value, Record)> = corpus
        .iter()
        .map(|value| (value, Record::from_value(value.clone()).unwrap()))
        .filter(|(_, record)| {
            role.matches(record)
                && record
                    .event_time
                    .is_some_and(|time| time >= start && time <= end)
                && accounts.contains(&record.recipient_account_id.as_deref().unwrap_or(""))
        })
        .collect();
    let denied = |record: &Record| {
        record
            .error_code
            .as_deref()
            .is_some_and(|code| is_authorization_failure(code, record.error_message.as_deref()))
    };
    let key = |record: &Record| {
        (
            record.source().to_owned(),
            record.name().to_owned(),
            record.request_parameters.as_ref().map(Value::to_string),
        )
    };
    let mut first_denied: HashMap<_, DateTime<Utc>> = HashMap::new();
    for (_, record) in &in_scope {
        if denied(record) {
            let time = record.event_time.unwrap();
            let slot = first_denied.entry(key(record)).or_insert(time);
            *slot = (*slot).min(time);
        }
    }
    let records = in_scope
        .iter()
        .enumerate()
        .filter(|(index, (_, record))| {
            let later_success = record.error_code.is_none()
                && first_denied
                    .get(&key(record))
                    .is_some_and(|first| record.event_time.unwrap() > *first);
            denied(record) || *index == 0 || later_success || is_flow_call(record)
        })
        .map(|(_, (value, _))| (*value).clone())
        .collect();
    QueryRows {
        records,
        role_records: in_scope.len(),
    }
}

/// Returns true for a call of a deploy flow that anticipation recognises,
/// which the query keeps whatever its outcome.
fn is_flow_call(record: &Record) -> bool {
    let flows = FlowSet::embedded().unwrap();
    flows.flows.iter().flat_map(|flow| &flow.steps).any(|step| {
        record.source() == step.event_source && base_event_name(record.name()) == step.event_name
    })
}

/// Returns the output column names of a query printed by `--explain`: the
/// lines of the outer `SELECT` list.
pub fn columns(sql: &str) -> Vec<String> {
    let list = sql
        .strip_prefix("SELECT\n")
        .and_then(|rest| rest.split_once("\nFROM (").map(|(list, _)| list))
        .unwrap();
    list.lines()
        .map(|line| {
            line.trim()
                .trim_end_matches(',')
                .trim_matches('"')
                .to_owned()
        })
        .collect()
}

/// Returns the Athena rows: `(column, VarCharValue)` lists.
pub fn athena_rows(rows: &QueryRows, columns: &[String]) -> Vec<Vec<Option<String>>> {
    rows.records
        .iter()
        .map(|record| {
            columns
                .iter()
                .map(|column| match column.as_str() {
                    "role_records" => Some(rows.role_records.to_string()),
                    "resources" => record.get("resources").map(|r| lower_keys(r).to_string()),
                    "userIdentity.identityProvider" => provider(record),
                    path => text(lookup(record, path)),
                })
                .collect()
        })
        .collect()
}

/// Returns the CloudTrail Lake rows: lists of single-column objects.
pub fn lake_rows(rows: &QueryRows, columns: &[String]) -> Vec<Value> {
    rows.records
        .iter()
        .map(|record| {
            let cells = columns.iter().map(|column| {
                let value = match column.as_str() {
                    "role_records" => Some(rows.role_records.to_string()),
                    "eventTime" => {
                        lookup(record, "eventTime")
                            .and_then(Value::as_str)
                            .map(|time| {
                                let time: DateTime<Utc> = time.parse().unwrap();
                                time.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
                            })
                    }
                    "requestParameters" | "responseElements" | "additionalEventData" => {
                        lookup(record, column).map(|document| string_map(document).to_string())
                    }
                    "resources" | "userIdentity" => {
                        lookup(record, column).map(|value| lower_keys(value).to_string())
                    }
                    "userIdentity.identityProvider" => provider(record),
                    path => text(lookup(record, path)),
                };
                // A null value would not fit the API's map of strings; the
                // column is left out of its cell.
                let mut cell = Map::new();
                if let Some(value) = value {
                    cell.insert(column.clone(), Value::String(value));
                }
                Value::Object(cell)
            });
            Value::Array(cells.collect())
        })
        .collect()
}

fn lookup<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(record, |node, key| node.get(key))
        .filter(|value| !value.is_null())
}

fn text(value: Option<&Value>) -> Option<String> {
    value.map(|value| match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    })
}

/// A web identity user's provider ARN, from the start of its `principalId`,
/// as the query's `regexp_extract` takes it.
fn provider(record: &Value) -> Option<String> {
    if lookup(record, "userIdentity.type")?.as_str()? != "WebIdentityUser" {
        return None;
    }
    let principal = lookup(record, "userIdentity.principalId")?.as_str()?;
    let pattern = regex::Regex::new("^arn:[^:]+:iam::[0-9]+:oidc-provider/[^:]+").unwrap();
    pattern
        .find(principal)
        .map(|found| found.as_str().to_owned())
}

/// A document as Lake's `map<string,string>`: nested values and numbers
/// become their JSON text.
fn string_map(document: &Value) -> Value {
    let Value::Object(members) = document else {
        return document.clone();
    };
    let members = members.iter().map(|(key, value)| {
        let value = match value {
            Value::String(_) | Value::Null => value.clone(),
            other => Value::String(other.to_string()),
        };
        (key.clone(), value)
    });
    Value::Object(members.collect())
}

/// Lower-cases every object key, as a struct cast to JSON names its
/// members.
fn lower_keys(value: &Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(key, value)| (key.to_ascii_lowercase(), lower_keys(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(lower_keys).collect()),
        other => other.clone(),
    }
}
