//! The ARN builder's rules for particular services' request parameters:
//! where the names are, which values are already ARNs, and what the event
//! cannot say (a stack's id, a secret's random suffix, the key behind a KMS
//! alias).

use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::template::Template;
use super::{escape_resource_name, Event, Fill, Known, Piece};
use crate::catalog::ActionRef;

/// Returns what the service's own rules give for one resource type, or
/// `None` to let the generic lookup fill the template.
pub(super) fn resources(
    event: &Event<'_>,
    action: &ActionRef<'_>,
    type_name: &str,
    template: &Template<'_>,
) -> Option<Known> {
    match action.prefix {
        "s3" => s3(event, action, type_name),
        "lambda" => lambda(event, type_name),
        "ssm" if type_name == "parameter" => ssm_parameters(event),
        "secretsmanager" if type_name.eq_ignore_ascii_case("secret") => secrets(event),
        "kms" => kms(event, action, type_name, template),
        "sqs" if type_name == "queue" => sqs_queue(event),
        "dynamodb" if type_name == "table" => dynamodb_tables(event),
        "ecs" if type_name == "task-definition" => ecs_task_definition(event, template),
        _ => None,
    }
}

/// Request parameters, by placeholder, whose names differ from the
/// placeholder's (the generic lookup also tries the placeholder's own name
/// in lower camel case).
pub(super) fn param_keys(prefix: &str, var: &str) -> &'static [&'static str] {
    match (prefix, var) {
        ("ecs", "ClusterName") => &["cluster"],
        ("ecs", "ServiceName") => &["service"],
        ("eks", "ClusterName") => &["clusterName", "name"],
        ("logs", "LogGroupName") => &["logGroupName", "logGroupIdentifier"],
        ("cloudfront", "DistributionId") => &["distributionId", "id"],
        ("cloudfront", "Id") => &["id"],
        ("apigateway", "HttpMethodType") => &["httpMethod"],
        ("sns", "TopicName") => &["name"],
        ("ec2", "InstanceId") => &["instanceId", "instancesSet.items[].instanceId"],
        ("ec2", "SecurityGroupId") => &["groupId", "groupSet.items[].groupId"],
        ("ecr", "RepositoryName") => &["repositoryName"],
        _ => &[],
    }
}

/// Returns the value a service assumes for an omitted parameter, with a note.
pub(super) fn default_value(prefix: &str, var: &str) -> Option<(&'static str, &'static str)> {
    match (prefix, var) {
        ("ecs", "ClusterName") => Some((
            "default",
            "the request names no cluster, so ECS used the `default` cluster",
        )),
        _ => None,
    }
}

/// Returns a note for a filled template that is exact but rests on an
/// assumption.
pub(super) fn note_for(prefix: &str, template: &Template<'_>, fill: &Fill) -> Option<String> {
    if prefix != "iam" && prefix != "sts" {
        return None;
    }
    let var = template.vars().find(|var| var.ends_with("WithPath"))?;
    fill.get(var).map(|_| {
        format!("the event gives only the name for `${{{var}}}`, so the ARN assumes the path `/`")
    })
}

/// Returns why a placeholder of a service cannot come from the event.
pub(super) fn unfilled_reason(prefix: &str, var: &str) -> Option<&'static str> {
    Some(match (prefix, var) {
        ("cloudformation", "Id") => {
            "CloudFormation ends every stack and change set ARN with a unique id, and the event \
             names the stack only by name"
        }
        ("ecs", "TaskDefinitionRevisionNumber") => {
            "the call names the task definition family without a revision"
        }
        ("kms", "KeyId") => "the event does not say which key the call used",
        ("s3", "ObjectName") => "the event names no object key",
        ("s3", "BucketName") => "the event names no bucket",
        (_, "Region") => "the event has no awsRegion",
        (_, "Account") => "the event has no recipientAccountId",
        (_, "Partition") => "the event has no caller ARN to take the partition from",
        _ => return None,
    })
}

// ---------------------------------------------------------------- S3

/// The target of an S3 call: a bucket by name or an access point by ARN.
enum S3Target {
    Bucket(String),
    AccessPoint(String),
}

fn s3_target(bucket: &str) -> S3Target {
    if bucket.starts_with("arn:") && bucket.contains(":accesspoint/") {
        S3Target::AccessPoint(bucket.to_owned())
    } else {
        S3Target::Bucket(bucket.to_owned())
    }
}

fn s3(event: &Event<'_>, action: &ActionRef<'_>, type_name: &str) -> Option<Known> {
    if !matches!(
        type_name,
        "bucket" | "object" | "accesspoint" | "accesspointobject"
    ) {
        return None;
    }
    let (target, keys) = if reads_copy_source(event, action) {
        copy_source(event)?
    } else {
        let target = event.string("bucketName").map(|bucket| s3_target(&bucket));
        let target = target.or_else(|| access_point_in_resources(event));
        (target, object_keys(event))
    };
    let fills = |fill: Fill| Some(Known::Fills(vec![fill]));
    match (type_name, target) {
        ("bucket", Some(S3Target::Bucket(bucket))) => {
            fills(Fill::default().with("BucketName", Piece::Name(bucket)))
        }
        ("object", Some(S3Target::Bucket(bucket))) if keys.is_empty() => {
            fills(Fill::default().with("BucketName", Piece::Name(bucket)))
        }
        ("object", Some(S3Target::Bucket(bucket))) => Some(Known::Fills(
            keys.into_iter()
                .map(|key| {
                    Fill::default()
                        .with("BucketName", Piece::Name(bucket.clone()))
                        .with("ObjectName", Piece::Name(key))
                })
                .collect(),
        )),
        ("accesspoint", Some(S3Target::AccessPoint(arn))) => Some(Known::Arns(vec![arn])),
        ("accesspointobject", Some(S3Target::AccessPoint(arn))) if !keys.is_empty() => {
            Some(Known::Arns(
                keys.into_iter()
                    .map(|key| format!("{arn}/object/{key}"))
                    .collect(),
            ))
        }
        // An access point ARN does not name the bucket behind it, and a
        // bucket name does not name an access point. The generic lookup
        // marks those placeholders unfilled.
        _ => fills(Fill::default()),
    }
}

/// `CopyObject` and `UploadPartCopy` read the source object: the read
/// actions (`s3:GetObject…`, `s3:ListBucket`) apply to the copy source,
/// the write actions to the destination.
fn reads_copy_source(event: &Event<'_>, action: &ActionRef<'_>) -> bool {
    matches!(event.name, "CopyObject" | "UploadPartCopy")
        && (action.name.starts_with("Get") || action.name == "ListBucket")
}

/// Parses `x-amz-copy-source` (`bucket/key`, `/bucket/key?versionId=…`, or
/// an access point ARN with `/object/key`), URL-encoded as sent.
fn copy_source(event: &Event<'_>) -> Option<(Option<S3Target>, Vec<String>)> {
    let raw = event
        .string("x-amz-copy-source")
        .or_else(|| event.string("copySource"))?;
    let decoded = percent_decode_str(&raw).decode_utf8_lossy().into_owned();
    let source = decoded
        .split("?versionId=")
        .next()
        .unwrap_or(&decoded)
        .trim_start_matches('/');
    if source.starts_with("arn:") {
        let (access_point, key) = source.split_once("/object/")?;
        return Some((
            Some(S3Target::AccessPoint(access_point.to_owned())),
            vec![key.to_owned()],
        ));
    }
    let (bucket, key) = source.split_once('/')?;
    Some((
        Some(S3Target::Bucket(bucket.to_owned())),
        vec![key.to_owned()],
    ))
}

fn object_keys(event: &Event<'_>) -> Vec<String> {
    let mut keys = event.strings("key");
    if keys.is_empty() {
        keys = event.strings("delete.objects[].key");
    }
    if keys.is_empty() {
        keys = event
            .record
            .resources
            .iter()
            .filter(|entry| entry.resource_type.as_deref() == Some("AWS::S3::Object"))
            .filter_map(|entry| {
                entry
                    .arn
                    .as_deref()?
                    .strip_prefix("arn:")?
                    .split_once(":::")
            })
            .filter_map(|(_, path)| path.split_once('/').map(|(_, key)| key.to_owned()))
            .collect();
    }
    keys
}

fn access_point_in_resources(event: &Event<'_>) -> Option<S3Target> {
    event
        .record
        .resources
        .iter()
        .filter_map(|entry| entry.arn.as_deref())
        .find(|arn| arn.contains(":accesspoint/"))
        .map(s3_target)
}

// ---------------------------------------------------------------- Lambda

/// A function as `FunctionName` gives it: a name, a partial ARN
/// (`ACCOUNT:function:NAME`) or an ARN, each with an optional `:QUALIFIER`.
struct FunctionRef {
    partition: Option<String>,
    region: Option<String>,
    account: Option<String>,
    name: String,
    qualifier: Option<String>,
}

fn parse_function(raw: &str) -> Option<FunctionRef> {
    let fields: Vec<&str> = raw.split(':').collect();
    let (partition, region, account, rest) = match fields.as_slice() {
        ["arn", partition, "lambda", region, account, "function", rest @ ..] => {
            (Some(*partition), Some(*region), Some(*account), rest)
        }
        [account, "function", rest @ ..] => (None, None, Some(*account), rest),
        rest => (None, None, None, rest),
    };
    let (name, qualifier) = match rest {
        [name] => (*name, None),
        [name, qualifier] => (*name, Some(*qualifier)),
        _ => return None,
    };
    Some(FunctionRef {
        partition: partition.map(str::to_owned),
        region: region.map(str::to_owned),
        account: account.map(str::to_owned),
        name: name.to_owned(),
        qualifier: qualifier.filter(|q| !q.is_empty()).map(str::to_owned),
    })
}

/// A call that used a qualifier (`my-function:prod`, or `Qualifier`) is
/// authorized on the qualified ARN only; one without on the unqualified ARN
/// only (Lambda developer guide, "Versioning, aliases, and resource
/// policies").
fn lambda(event: &Event<'_>, type_name: &str) -> Option<Known> {
    if !matches!(
        type_name,
        "function" | "function alias" | "function version"
    ) {
        return None;
    }
    let function = parse_function(&event.string("functionName")?)?;
    let qualifier = function
        .qualifier
        .clone()
        .or_else(|| event.string("qualifier"));
    let mut fill = Fill::default();
    for (var, value) in [
        ("Partition", &function.partition),
        ("Region", &function.region),
        ("Account", &function.account),
    ] {
        if let Some(value) = value {
            fill = fill.with(var, Piece::Name(value.clone()));
        }
    }
    let is_version = |q: &str| q == "$LATEST" || q.chars().all(|c| c.is_ascii_digit());
    let fill = match (type_name, qualifier) {
        ("function", None) => fill.with("FunctionName", Piece::Name(function.name)),
        ("function", Some(qualifier)) => fill.with(
            "FunctionName",
            Piece::Pattern(format!(
                "{}:{}",
                escape_resource_name(&function.name),
                escape_resource_name(&qualifier)
            )),
        ),
        ("function alias", Some(q)) if !is_version(&q) => fill
            .with("FunctionName", Piece::Name(function.name))
            .with("Alias", Piece::Name(q)),
        ("function version", Some(q)) if is_version(&q) => fill
            .with("FunctionName", Piece::Name(function.name))
            .with("Version", Piece::Name(q)),
        _ => return None,
    };
    Some(Known::Fills(vec![fill]))
}

// ---------------------------------------------------------------- SSM

/// Parameter names (`/app/db`, `app/db`, `/app/db:3`, an ARN) and, for
/// `GetParametersByPath`, the path, which is what that call is authorized
/// against.
fn ssm_parameters(event: &Event<'_>) -> Option<Known> {
    let mut names = event.strings("name");
    names.extend(event.strings("names[]"));
    if event.name == "GetParametersByPath" {
        names.extend(event.strings("path"));
    }
    if names.is_empty() {
        return None;
    }
    let fills = names
        .iter()
        .map(|name| {
            if let Some(rest) = name.strip_prefix("arn:") {
                let (context, path) = rest.split_once(":parameter/").unwrap_or((rest, ""));
                return arn_context(context).with(
                    "ParameterNameWithoutLeadingSlash",
                    Piece::Name(without_selector(path).to_owned()),
                );
            }
            let trimmed = without_selector(name)
                .trim_start_matches('/')
                .trim_end_matches('/');
            Fill::default().with(
                "ParameterNameWithoutLeadingSlash",
                Piece::Name(trimmed.to_owned()),
            )
        })
        .collect();
    Some(Known::Fills(fills))
}

/// Drops a `:version` or `:label` selector; parameter names hold no `:`.
fn without_selector(name: &str) -> &str {
    name.split(':').next().unwrap_or(name)
}

/// Turns `PARTITION:SERVICE:REGION:ACCOUNT` (an ARN after `arn:`, before its
/// resource) into partition, region and account values.
fn arn_context(context: &str) -> Fill {
    let mut fields = context.split(':');
    let mut fill = Fill::default();
    let (partition, _service, region, account) =
        (fields.next(), fields.next(), fields.next(), fields.next());
    for (var, value) in [
        ("Partition", partition),
        ("Region", region),
        ("Account", account),
    ] {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            fill = fill.with(var, Piece::Name(value.to_owned()));
        }
    }
    fill
}

// ---------------------------------------------------------------- Secrets Manager

/// A secret's ARN ends in `-` and six random characters that its name does
/// not carry; for a secret named by name, `-??????` stands for them, which
/// matches that secret and any other whose name is this one plus exactly
/// seven characters.
fn secrets(event: &Event<'_>) -> Option<Known> {
    let mut ids = event.strings("secretId");
    ids.extend(event.strings("secretIdList[]"));
    if event.name == "CreateSecret" {
        ids.extend(event.strings("name"));
    }
    if ids.is_empty() {
        return None;
    }
    let fills = ids
        .into_iter()
        .map(|id| {
            match id
                .strip_prefix("arn:")
                .and_then(|rest| rest.split_once(":secret:"))
            {
                Some((context, name)) => {
                    arn_context(context).with("SecretId", Piece::Name(name.to_owned()))
                }
                None => Fill {
                    warning: Some(format!(
                        "the event names secret `{id}` without the random six-character suffix of \
                     its ARN, so `-??????` stands for it"
                    )),
                    ..Fill::default()
                }
                .with(
                    "SecretId",
                    Piece::Pattern(format!("{}-??????", escape_resource_name(&id))),
                ),
            }
        })
        .collect();
    Some(Known::Fills(fills))
}

// ---------------------------------------------------------------- KMS

/// A KMS key reference as `KeyId` accepts it.
enum KeyRef {
    KeyArn(String),
    KeyId(String),
    AliasArn(String),
    AliasName(String),
}

fn key_ref(raw: &str) -> KeyRef {
    if raw.starts_with("arn:") {
        if raw.contains(":alias/") {
            KeyRef::AliasArn(raw.to_owned())
        } else {
            KeyRef::KeyArn(raw.to_owned())
        }
    } else if let Some(alias) = raw.strip_prefix("alias/") {
        KeyRef::AliasName(alias.to_owned())
    } else {
        KeyRef::KeyId(raw.to_owned())
    }
}

fn kms(
    event: &Event<'_>,
    action: &ActionRef<'_>,
    type_name: &str,
    template: &Template<'_>,
) -> Option<Known> {
    let raw = match (event.name, action.name) {
        ("ReEncrypt", "ReEncryptFrom") => event.strings("sourceKeyId"),
        ("ReEncrypt", "ReEncryptTo") => event.strings("destinationKeyId"),
        _ => {
            let mut ids = event.strings("keyId");
            ids.extend(event.strings("targetKeyId"));
            ids.extend(event.strings("aliasName"));
            ids
        }
    };
    let refs: Vec<KeyRef> = raw.iter().map(|id| key_ref(id)).collect();
    match type_name {
        "alias" => kms_aliases(&refs),
        "key" => kms_keys(event, &refs, template),
        _ => None,
    }
}

fn kms_aliases(refs: &[KeyRef]) -> Option<Known> {
    let mut arns = Vec::new();
    let mut fills = Vec::new();
    for key in refs {
        match key {
            KeyRef::AliasArn(arn) => arns.push(arn.clone()),
            KeyRef::AliasName(name) => {
                fills.push(Fill::default().with("Alias", Piece::Name(name.clone())))
            }
            KeyRef::KeyArn(_) | KeyRef::KeyId(_) => {}
        }
    }
    match (arns.is_empty(), fills.is_empty()) {
        (true, true) => None,
        (false, true) => Some(Known::Arns(arns)),
        _ => Some(Known::Fills(fills)),
    }
}

/// Keys by id or ARN; for an alias, the key it points to is known only when
/// `resources[]` or the response names it, else `key/*` with a warning.
fn kms_keys(event: &Event<'_>, refs: &[KeyRef], template: &Template<'_>) -> Option<Known> {
    let mut arns = Vec::new();
    let mut fills = Vec::new();
    let mut aliases = Vec::new();
    for key in refs {
        match key {
            KeyRef::KeyArn(arn) => arns.push(arn.clone()),
            KeyRef::KeyId(id) => fills.push(Fill::default().with("KeyId", Piece::Name(id.clone()))),
            KeyRef::AliasArn(alias) => aliases.push(alias.clone()),
            KeyRef::AliasName(alias) => aliases.push(format!("alias/{alias}")),
        }
    }
    if !fills.is_empty() {
        return Some(Known::Fills(fills));
    }
    if !arns.is_empty() {
        return Some(Known::Arns(arns));
    }
    if aliases.is_empty() {
        return None;
    }
    let mut named: Vec<String> = event
        .record
        .resources
        .iter()
        .filter_map(|entry| entry.arn.clone())
        .filter(|arn| template.matches(arn))
        .collect();
    if let Some(arn) = event
        .record
        .response_elements
        .as_ref()
        .and_then(|r| r.get("keyId"))
        .and_then(Value::as_str)
    {
        if template.matches(arn) && !named.iter().any(|seen| seen == arn) {
            named.push(arn.to_owned());
        }
    }
    if !named.is_empty() {
        return Some(Known::Arns(named));
    }
    Some(Known::Fills(vec![Fill {
        warning: Some(format!(
            "the call named `{}`, and the key it points to is not in the event",
            aliases.join("`, `")
        )),
        ..Fill::default()
    }]))
}

// ---------------------------------------------------------------- SQS

/// Turns a queue URL (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`, the
/// legacy `https://REGION.queue.amazonaws.com/…` and
/// `https://queue.amazonaws.com/…`) into region, account and name.
fn sqs_queue(event: &Event<'_>) -> Option<Known> {
    let url = event.string("queueUrl")?;
    let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    let mut segments = rest.split('/');
    let host = segments.next()?;
    let (account, name) = (segments.next()?, segments.next()?);
    if account.is_empty() || name.is_empty() {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let region = match labels.as_slice() {
        ["sqs", region, ..] => Some(*region),
        [region, "queue", ..] => Some(*region),
        ["queue", "amazonaws", "com"] => Some("us-east-1"),
        _ => None,
    };
    let mut fill = Fill::default()
        .with("Account", Piece::Name(account.to_owned()))
        .with("QueueName", Piece::Name(name.to_owned()));
    if let Some(region) = region {
        fill = fill.with("Region", Piece::Name(region.to_owned()));
    }
    Some(Known::Fills(vec![fill]))
}

// ---------------------------------------------------------------- DynamoDB

/// Batch and transaction calls name their tables inside the request:
/// `requestItems` keys, `transactItems[].put.tableName` …
fn dynamodb_tables(event: &Event<'_>) -> Option<Known> {
    if event.string("tableName").is_some() {
        return None;
    }
    let mut tables: Vec<String> = event
        .params
        .and_then(|params| {
            super::super::resolve::lookup(params, "requestItems")
                .into_iter()
                .next()
        })
        .and_then(Value::as_object)
        .map(|items| items.keys().cloned().collect())
        .unwrap_or_default();
    for kind in ["get", "put", "update", "delete", "conditionCheck"] {
        for table in event.strings(&format!("transactItems[].{kind}.tableName")) {
            if !tables.contains(&table) {
                tables.push(table);
            }
        }
    }
    if tables.is_empty() {
        return None;
    }
    let (arns, names): (Vec<String>, Vec<String>) =
        tables.into_iter().partition(|t| t.starts_with("arn:"));
    if names.is_empty() {
        return Some(Known::Arns(arns));
    }
    Some(Known::Fills(
        names
            .into_iter()
            .map(|name| Fill::default().with("TableName", Piece::Name(name)))
            .collect(),
    ))
}

// ---------------------------------------------------------------- ECS

/// `taskDefinition` as `family:revision`, `family` or an ARN;
/// `RegisterTaskDefinition` names only the `family`.
fn ecs_task_definition(event: &Event<'_>, template: &Template<'_>) -> Option<Known> {
    let raw = event
        .string("taskDefinition")
        .or_else(|| event.string("family"))?;
    if raw.starts_with("arn:") {
        return template.matches(&raw).then(|| Known::Arns(vec![raw]));
    }
    let fill = match raw.split_once(':') {
        Some((family, revision)) => Fill::default()
            .with("TaskDefinitionFamilyName", Piece::Name(family.to_owned()))
            .with(
                "TaskDefinitionRevisionNumber",
                Piece::Name(revision.to_owned()),
            ),
        None => Fill::default().with("TaskDefinitionFamilyName", Piece::Name(raw)),
    };
    Some(Known::Fills(vec![fill]))
}
