//! Variables seen in the events and the ARNs built from them.
//!
//! A binding maps variable names (the catalog's ARN placeholders such as
//! `RepositoryName`, or a flow's own such as `TaskRoleArn`) to values taken
//! from one record: its partition, region and account, its request
//! parameters, and the resource ARNs its denial named. Values are stored
//! escaped for an IAM `Resource` (`${*}`, `${?}`, `${$}`), so filling a
//! template never turns a literal `*` in a name into a wildcard.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::catalog::{self, escape_resource_name};
use crate::record::Record;

use super::flows::Step;

/// Variable values of one record, escaped for an IAM `Resource`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Binding {
    /// Variable name → escaped value.
    pub values: BTreeMap<String, String>,
    /// The base event name of the record the values come from, or the
    /// workflow file of a deploy hint.
    pub origin: String,
    /// Variable name → where a workflow names its value; empty for a
    /// record's binding.
    pub sources: BTreeMap<String, String>,
    /// True for the binding of a deploy hint, whose resources the workflow
    /// names.
    pub from_workflow: bool,
    /// Variable name → why the workflow's value is known only at run time.
    pub unresolved: BTreeMap<String, String>,
    /// The event names of the flow's calls the workflow command makes;
    /// `None` for every call of the flow.
    pub calls: Option<BTreeSet<String>>,
    /// A caveat for the reason of every item built from this binding.
    pub caveat: Option<String>,
}

impl Binding {
    /// Starts a binding with the record's partition, region and account.
    pub fn of_record(record: &Record, origin: &str) -> Binding {
        let mut values = BTreeMap::new();
        let partition = record
            .partition()
            .filter(|text| catalog::is_partition(text));
        values.insert(
            "Partition".to_owned(),
            partition.unwrap_or("aws").to_owned(),
        );
        if catalog::is_region(record.region()) {
            values.insert("Region".to_owned(), record.region().to_owned());
        }
        if let Some(account) = record.account().filter(|text| catalog::is_account(text)) {
            values.insert("Account".to_owned(), account.to_owned());
        }
        Binding {
            values,
            origin: origin.to_owned(),
            ..Binding::default()
        }
    }

    /// Returns true when the binding applies to the flow call `event_name`.
    pub fn covers(&self, event_name: &str) -> bool {
        self.calls
            .as_ref()
            .is_none_or(|calls| calls.contains(event_name))
    }

    /// Returns where the values `template` uses come from: the workflow
    /// keys of a hint's variables, else the record's event name.
    pub fn origin_of(&self, template: &str) -> String {
        let mut found: Vec<&str> = Vec::new();
        for groups in placeholder().captures_iter(template) {
            let name = groups.get(1).map_or("", |found| found.as_str());
            if let Some(source) = self.sources.get(name) {
                if !found.contains(&source.as_str()) {
                    found.push(source);
                }
            }
        }
        if found.is_empty() {
            return self.origin.clone();
        }
        // "`env.A` in FILE" and "`env.B` in FILE" read as "`env.A` and
        // `env.B` in FILE".
        let split: Vec<Option<(&str, &str)>> = found
            .iter()
            .map(|source| source.split_once(" in "))
            .collect();
        let first_file = split.first().copied().flatten().map(|(_, file)| file);
        let same_file = split
            .iter()
            .all(|parts| parts.map(|(_, file)| file) == first_file);
        match (same_file, first_file) {
            (true, Some(file)) => {
                let keys: Vec<&str> = split.iter().flatten().map(|(key, _)| *key).collect();
                format!("{} in {file}", keys.join(" and "))
            }
            _ => found.join(" and "),
        }
    }

    /// Adds the placeholders of `template` read from `arn`, an escaped ARN
    /// of that template. Empty values (an S3 ARN's region and account) do not
    /// replace known ones.
    pub fn merge_arn(&mut self, template: &str, arn: &str) -> bool {
        let Some(parsed) = parse_arn(template, arn) else {
            return false;
        };
        for (name, value) in parsed {
            if !value.is_empty() {
                self.values.insert(name, value);
            }
        }
        true
    }

    /// Returns the bindings the step's captures and patterns add to this one:
    /// one per combination of array elements, none when a pattern fails.
    pub fn with_step(&self, step: &Step, record: &Record) -> Vec<Binding> {
        let mut base = self.clone();
        for pattern in &step.patterns {
            let Some(value) = record.request_str(&pattern.param) else {
                return Vec::new();
            };
            let Some(groups) = pattern.regex.captures(value) else {
                return Vec::new();
            };
            for name in pattern.regex.capture_names().flatten() {
                if let Some(found) = groups.name(name) {
                    base.values
                        .insert(name.to_owned(), escape_resource_name(found.as_str()));
                }
            }
        }
        let mut bindings = vec![base];
        for (name, spec) in &step.captures {
            let values = capture(record, spec, &self.values);
            if values.is_empty() {
                continue;
            }
            bindings = bindings
                .into_iter()
                .flat_map(|binding| {
                    values.iter().map(move |value| {
                        let mut next = binding.clone();
                        next.values.insert(name.clone(), value.clone());
                        next
                    })
                })
                .collect();
        }
        bindings
    }

    /// Fills `${Name}` placeholders of `template`; on failure returns the
    /// names no value was found for.
    pub fn fill(&self, template: &str) -> Result<String, BTreeSet<String>> {
        let mut missing = BTreeSet::new();
        let filled = placeholder().replace_all(template, |groups: &regex::Captures<'_>| {
            let name = groups.get(1).map_or("", |found| found.as_str());
            match self.values.get(name) {
                Some(value) => value.clone(),
                None => {
                    missing.insert(name.to_owned());
                    String::new()
                }
            }
        });
        if missing.is_empty() {
            Ok(filled.into_owned())
        } else {
            Err(missing)
        }
    }
}

fn placeholder() -> &'static Regex {
    static PLACEHOLDER: OnceLock<Regex> = OnceLock::new();
    PLACEHOLDER.get_or_init(|| match Regex::new(r"\$\{([A-Za-z]+)\}") {
        Ok(regex) => regex,
        Err(error) => unreachable!("invalid built-in pattern: {error}"),
    })
}

/// Reads a capture (`key`, `key[]`, with `|name` or `|role`) from the
/// record's request parameters, escaped.
fn capture(record: &Record, spec: &str, base: &BTreeMap<String, String>) -> Vec<String> {
    let (path, modifier) = spec.split_once('|').unwrap_or((spec, ""));
    let (key, each) = match path.strip_suffix("[]") {
        Some(key) => (key, true),
        None => (path, false),
    };
    let Some(value) = record
        .request_parameters
        .as_ref()
        .and_then(|params| params.get(key))
    else {
        return Vec::new();
    };
    let raw: Vec<&str> = match (value, each) {
        (Value::String(text), false) => vec![text.as_str()],
        (Value::Array(items), true) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    raw.into_iter()
        .filter_map(|text| apply_modifier(text, modifier, base))
        .collect()
}

fn apply_modifier(text: &str, modifier: &str, base: &BTreeMap<String, String>) -> Option<String> {
    match modifier {
        "" => Some(escape_resource_name(text)),
        "name" => {
            if !text.starts_with("arn:") {
                return Some(escape_resource_name(text));
            }
            let tail = text.rsplit_once('/').map(|(_, tail)| tail);
            let tail = tail.or_else(|| text.rsplit_once(':').map(|(_, tail)| tail))?;
            (!tail.is_empty()).then(|| escape_resource_name(tail))
        }
        "role" => {
            if text.starts_with("arn:") {
                return Some(escape_resource_name(text));
            }
            // ECS and others accept a role name where a role ARN goes; the
            // role is then in the calling account.
            let partition = base.get("Partition")?;
            let account = base.get("Account")?;
            Some(format!(
                "arn:{partition}:iam::{account}:role/{}",
                escape_resource_name(text)
            ))
        }
        "kmskey" => kms_key_arn(text, base),
        _ => None,
    }
}

/// Returns the KMS key a request names by key ARN or key id, as a key ARN.
/// Returns `None` for an alias, which is not a key resource for the key's
/// actions.
pub(super) fn kms_key_arn(text: &str, base: &BTreeMap<String, String>) -> Option<String> {
    if text.starts_with("arn:") {
        let is_key = text.split(':').nth(2) == Some("kms")
            && text
                .split(':')
                .nth(5)
                .is_some_and(|resource| resource.starts_with("key/"));
        return is_key.then(|| escape_resource_name(text));
    }
    if text.is_empty() || text.starts_with("alias/") || text.contains(['/', ':']) {
        return None;
    }
    let partition = base.get("Partition")?;
    let region = base.get("Region")?;
    let account = base.get("Account")?;
    Some(format!(
        "arn:{partition}:kms:{region}:{account}:key/{}",
        escape_resource_name(text)
    ))
}

/// Reads the placeholders of a catalog ARN template from `arn`.
/// `${Partition}`, `${Region}` and `${Account}` never span a `:`; other
/// placeholders before the last never span a `/` or `:`, and the last takes
/// the rest, so `repository/team-a/api` gives `RepositoryName` `team-a/api`.
/// A last placeholder after a `:` does not span a `:` either, so Lambda's
/// `function:${FunctionName}` does not read the alias ARN
/// `function:app:live` as a function named `app:live`.
pub fn parse_arn(template: &str, arn: &str) -> Option<BTreeMap<String, String>> {
    let mut pattern = String::from("^");
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let (literal, after) = rest.split_at(start);
        pattern.push_str(&regex::escape(literal));
        let end = after.find('}')?;
        let name = after.get(2..end)?;
        rest = after.get(end + 1..)?;
        let last = !rest.contains("${");
        pattern.push_str(match name {
            "Partition" | "Region" | "Account" => "([^:]*)",
            _ if last && literal.ends_with(':') => "([^:]+)",
            _ if last => "(.+)",
            _ => "([^/:]+)",
        });
        names.push(name.to_owned());
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    let regex = Regex::new(&pattern).ok()?;
    let groups = regex.captures(arn)?;
    let mut values = BTreeMap::new();
    for (index, name) in names.into_iter().enumerate() {
        let value = groups.get(index + 1)?.as_str().to_owned();
        values.insert(name, value);
    }
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPOSITORY: &str =
        "arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}";

    fn record(params: serde_json::Value) -> Record {
        Record::from_value(serde_json::json!({
            "eventSource": "ecs.amazonaws.com",
            "eventName": "RegisterTaskDefinition",
            "awsRegion": "eu-west-1",
            "recipientAccountId": "111122223333",
            "userIdentity": {"arn": "arn:aws:sts::111122223333:assumed-role/gha/s"},
            "requestParameters": params,
        }))
        .unwrap()
    }

    #[test]
    fn arn_placeholders_parse() {
        let parsed = parse_arn(
            REPOSITORY,
            "arn:aws:ecr:us-east-1:111122223333:repository/team-a/api",
        )
        .unwrap();
        assert_eq!(parsed["RepositoryName"], "team-a/api");
        assert_eq!(parsed["Region"], "us-east-1");
        let service =
            "arn:${Partition}:ecs:${Region}:${Account}:service/${ClusterName}/${ServiceName}";
        let parsed = parse_arn(service, "arn:aws:ecs:us-east-1:1:service/prod/web").unwrap();
        assert_eq!(parsed["ClusterName"], "prod");
        assert_eq!(parsed["ServiceName"], "web");
        assert_eq!(
            parse_arn(service, "arn:aws:ecs:us-east-1:1:task/prod/web"),
            None
        );
    }

    #[test]
    fn qualified_lambda_arn_is_not_a_function_name() {
        let function = "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}";
        assert_eq!(
            parse_arn(function, "arn:aws:lambda:us-east-1:1:function:app:live"),
            None
        );
        let parsed = parse_arn(function, "arn:aws:lambda:us-east-1:1:function:app").unwrap();
        assert_eq!(parsed["FunctionName"], "app");
    }

    #[test]
    fn fill_reports_missing_variables() {
        let binding = Binding::of_record(&record(serde_json::json!({})), "x");
        let missing = binding.fill(REPOSITORY).unwrap_err();
        assert_eq!(missing.into_iter().collect::<Vec<_>>(), ["RepositoryName"]);
    }

    #[test]
    fn captures_read_names_roles_and_arrays() {
        let step: Step = serde_json::from_value(serde_json::json!({
            "event_source": "ecs.amazonaws.com",
            "event_name": "RegisterTaskDefinition",
            "captures": {
                "TaskRoleArn": "taskRoleArn|role",
                "ServiceName": "services[]|name",
                "Family": "family"
            },
            "actions": []
        }))
        .unwrap();
        let record = record(serde_json::json!({
            "taskRoleArn": "web-task",
            "services": ["arn:aws:ecs:eu-west-1:111122223333:service/prod/a", "b"],
            "family": "web*"
        }));
        let bindings =
            Binding::of_record(&record, "RegisterTaskDefinition").with_step(&step, &record);
        assert_eq!(bindings.len(), 2);
        assert_eq!(
            bindings[0].values["TaskRoleArn"],
            "arn:aws:iam::111122223333:role/web-task"
        );
        assert_eq!(bindings[0].values["ServiceName"], "a");
        assert_eq!(bindings[1].values["ServiceName"], "b");
        assert_eq!(bindings[0].values["Family"], "web${*}");
    }
}
