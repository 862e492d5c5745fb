//! Builds resource ARNs for arbitrary events and catalog actions. The
//! builder may not panic, and an ARN it calls exact (every placeholder
//! filled, no warning) may not hold a wildcard: names from the event are
//! written with `${*}`, `${?}` and `${$}`, so a caller-chosen `*` in an S3 key
//! or a role name never widens a grant.

#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use trailgrant::catalog::{ArnContext, Catalog};
use trailgrant::record::Record;

/// Parameter names the builder reads for some service, besides the
/// lower-camel names of template placeholders.
const KEYS: &[&str] = &[
    "bucketName", "key", "copySource", "x-amz-copy-source", "functionName", "qualifier", "name",
    "path", "queueUrl", "keyId", "aliasName", "targetKeyId", "sourceKeyId", "destinationKeyId",
    "secretId", "tableName", "indexName", "taskDefinition", "family", "cluster", "service",
    "repositoryName", "roleArn", "roleName", "policyArn", "logGroupName", "logGroupIdentifier",
    "instanceId", "groupId", "clusterName", "distributionId", "id", "httpMethod", "stackName",
];

#[derive(Arbitrary, Debug)]
enum Key<'a> {
    Known(u8),
    Placeholder(u8),
    Free(&'a str),
}

#[derive(Arbitrary, Debug)]
enum Val<'a> {
    Text(&'a str),
    /// An ARN made from one of the service's templates.
    Arn(u8, &'a str),
    Number(i64),
    List(Vec<&'a str>),
    /// EC2's `{"items": [{"instanceId": …, "groupId": …}]}`.
    Items(Vec<&'a str>),
    /// S3 `DeleteObjects`' `{"objects": [{"key": …}]}`.
    Objects(Vec<&'a str>),
    Nested(Vec<(Key<'a>, &'a str)>),
    Null,
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    action: u16,
    event_name: Option<&'a str>,
    region: Option<&'a str>,
    account: Option<&'a str>,
    caller_arn: Option<&'a str>,
    message_resource: Option<&'a str>,
    params: Vec<(Key<'a>, Val<'a>)>,
    resources: Vec<(Option<&'a str>, Option<&'a str>)>,
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<&'static Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::embedded().expect("the embedded catalog loads"))
}

fn action_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| catalog().action_names().map(str::to_owned).collect())
}

/// The service's templates, sorted so an index picks the same one each run.
fn templates(prefix: &str) -> Vec<String> {
    let Some(service) = catalog().service(prefix) else {
        return Vec::new();
    };
    let mut all: Vec<String> = service
        .resource_types
        .values()
        .flat_map(|def| def.templates().map(str::to_owned))
        .collect();
    all.sort();
    all
}

fn fill_template(template: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let var = &rest[start + 2..start + len];
        out.push_str(match var {
            "Partition" => "aws",
            "Region" => "us-east-1",
            "Account" => "111122223333",
            _ => value,
        });
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

fn placeholder_keys(templates: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = templates
        .iter()
        .flat_map(|t| t.split("${").skip(1).filter_map(|s| s.split('}').next()))
        .map(|var| {
            let mut chars = var.chars();
            chars.next().map_or_else(String::new, |c| c.to_ascii_lowercase().to_string() + chars.as_str())
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn key_text(key: &Key<'_>, placeholders: &[String]) -> String {
    match key {
        Key::Known(i) => KEYS[usize::from(*i) % KEYS.len()].to_owned(),
        Key::Placeholder(i) if !placeholders.is_empty() => {
            placeholders[usize::from(*i) % placeholders.len()].clone()
        }
        Key::Placeholder(_) => "name".to_owned(),
        Key::Free(text) => (*text).to_owned(),
    }
}

fn value(val: &Val<'_>, templates: &[String], placeholders: &[String]) -> Value {
    match val {
        Val::Text(text) => json!(text),
        Val::Arn(i, text) if !templates.is_empty() => {
            json!(fill_template(&templates[usize::from(*i) % templates.len()], text))
        }
        Val::Arn(_, text) => json!(format!("arn:aws:s3:::{text}")),
        Val::Number(number) => json!(number),
        Val::List(items) => json!(items),
        Val::Items(ids) => json!({
            "items": ids.iter().map(|id| json!({"instanceId": id, "groupId": id})).collect::<Vec<_>>()
        }),
        Val::Objects(keys) => json!({
            "objects": keys.iter().map(|key| json!({"key": key})).collect::<Vec<_>>()
        }),
        Val::Nested(pairs) => Value::Object(
            pairs
                .iter()
                .map(|(key, text)| (key_text(key, placeholders), json!(text)))
                .collect(),
        ),
        Val::Null => Value::Null,
    }
}

/// Counts `*` and `?` that are not written as `${*}` or `${?}`.
fn raw_wildcards(arn: &str) -> usize {
    let mut count = 0;
    let mut rest = arn;
    while let Some(ch) = rest.chars().next() {
        if ["${*}", "${?}", "${$}"].iter().any(|escape| rest.starts_with(escape)) {
            rest = &rest[4..];
            continue;
        }
        if ch == '*' || ch == '?' {
            count += 1;
        }
        rest = &rest[ch.len_utf8()..];
    }
    count
}

fuzz_target!(|input: Input<'_>| {
    let names = action_names();
    let name = &names[usize::from(input.action) % names.len()];
    let Some(action) = catalog().action(name) else {
        panic!("the catalog lists `{name}` but cannot look it up");
    };
    let templates = templates(action.prefix);
    let placeholders = placeholder_keys(&templates);
    let mut params = Map::new();
    for (key, val) in &input.params {
        params.insert(key_text(key, &placeholders), value(val, &templates, &placeholders));
    }
    let record = Record::from_value(json!({
        "eventSource": format!("{}.amazonaws.com", action.prefix),
        "eventName": input.event_name.unwrap_or(action.name),
        "awsRegion": input.region,
        "recipientAccountId": input.account,
        "userIdentity": {"arn": input.caller_arn},
        "requestParameters": params,
        "resources": input.resources.iter().map(|(arn, kind)| json!({"ARN": arn, "type": kind})).collect::<Vec<_>>(),
    }))
    .expect("the record is well formed");
    let context = ArnContext {
        record: &record,
        message_resource: input.message_resource,
    };
    let built = catalog().build_resources(&action, context);
    assert!(!built.is_empty(), "no resource for `{name}`");
    for resource in &built {
        if resource.arn == "*" {
            continue;
        }
        if resource.unfilled.is_empty() && resource.warning.is_none() {
            assert_eq!(
                raw_wildcards(&resource.arn),
                0,
                "`{}` for `{name}` is exact yet holds a wildcard",
                resource.arn
            );
        }
    }
});
