//! What one denial needs: the IAM action(s), the exact resource(s), the
//! conditions least privilege adds, and the request context the evaluator
//! checks them against.
//!
//! The action and resource come from the denial's message when it names
//! them, since that is what AWS evaluated (`iam:PassRole` inside an ECS
//! `RegisterTaskDefinition` denial, `kms:Decrypt` inside an S3 one). When it
//! does not, the catalog resolves the event and builds the ARN from its
//! request parameters.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::{ArnContext, Catalog, EventKey, Resolution, ResolutionRule};
use crate::denial::{Denial, MessageForm};
use crate::record::Record;

/// One permission a denied call needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Requirement {
    /// `prefix:Name` as the catalog spells it.
    pub action: String,
    /// The exact resource ARN with `*`, `?` and `$` in names escaped, or `*`.
    pub resource: String,
    /// The catalog resource type of [`Requirement::resource`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Conditions least privilege adds: operator → key → values.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub conditions: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Where the action came from.
    pub action_source: ActionSource,
    /// Where the resource came from.
    pub resource_source: ResourceSource,
}

/// Where a requirement's action came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionSource {
    /// Named in the error message.
    ErrorMessage,
    /// The exceptions table.
    ExceptionTable,
    /// An API-version suffix stripped from the event name.
    VersionSuffix,
    /// The event source's IAM prefix differs from its host.
    EventSourceHost,
    /// `prefix:eventName`, confirmed by the catalog.
    EventName,
    /// A later call of a recognised deploy flow (anticipated).
    Flow,
    /// The catalog's dependent actions of a denied action (anticipated).
    DependentAction,
}

/// Where a requirement's resource came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceSource {
    /// Named in the error message.
    ErrorMessage,
    /// Built from the event with the catalog's ARN template.
    Event,
    /// Built from the values a `--workflow` file names, or the ECS task
    /// definition it deploys (anticipated).
    Workflow,
    /// `*` because the action has no resource type.
    NoResourceType,
    /// `*` because AWS authorizes the action only on `*`, although the
    /// catalog lists a resource type for it.
    AllResources,
    /// `*` because the resource could not be known.
    Unknown,
}

/// The requirements of one denial, with what could not be determined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Derived {
    /// The permissions the call needs.
    pub requirements: Vec<Requirement>,
    /// The request context known from the event (lower-case keys).
    pub context: BTreeMap<String, Vec<String>>,
    /// Warnings to show on the finding.
    pub warnings: Vec<String>,
    /// Why no action could be determined, when none was.
    pub unknown: Option<String>,
    /// True when the call needs no permission at all.
    pub no_permission: bool,
}

/// Derives what `denial` needs.
pub fn derive(denial: &Denial, catalog: &Catalog) -> Derived {
    let record = &denial.record;
    let mut derived = Derived {
        context: request_context(record),
        ..Derived::default()
    };
    let (actions, action_source) = match resolve_actions(denial, catalog) {
        Ok(Some(found)) => found,
        Ok(None) => {
            derived.no_permission = true;
            return derived;
        }
        Err(reason) => {
            derived.unknown = Some(reason);
            return derived;
        }
    };
    for action in actions {
        let Some(action_ref) = catalog.action(&action) else {
            continue;
        };
        let canonical = action_ref.full_name();
        let resources = resources_for(denial, catalog, &canonical, &mut derived.warnings);
        for (resource, resource_type, resource_source) in resources {
            let conditions = conditions_for(&canonical, &resource, record, &mut derived);
            derived.requirements.push(Requirement {
                action: canonical.clone(),
                resource,
                resource_type,
                conditions: conditions.clone(),
                action_source,
                resource_source,
            });
        }
    }
    derived.requirements.sort();
    derived.requirements.dedup();
    derived
}

type Actions = (Vec<String>, ActionSource);

/// Returns the actions of the denial: `Ok(None)` when the call needs no
/// permission, `Err` with the reason when no action could be determined.
fn resolve_actions(denial: &Denial, catalog: &Catalog) -> Result<Option<Actions>, String> {
    let record = &denial.record;
    if let Some(action) = denial.message.action.as_deref() {
        return match catalog.action(action) {
            Some(found) => Ok(Some((vec![found.full_name()], ActionSource::ErrorMessage))),
            None => Err(format!(
                "the message names `{action}`, which the catalog does not know; \
                 run `trailgrant catalog refresh` if AWS added it recently"
            )),
        };
    }
    let key = EventKey {
        event_source: record.source(),
        event_name: record.name(),
        request_parameters: record.request_parameters.as_ref(),
    };
    match catalog.resolve(key, None) {
        Resolution::Actions { actions, rule, .. } => {
            let source = match rule {
                ResolutionRule::ErrorMessage => ActionSource::ErrorMessage,
                ResolutionRule::ExceptionTable => ActionSource::ExceptionTable,
                ResolutionRule::VersionSuffix => ActionSource::VersionSuffix,
                ResolutionRule::EventSourceHost => ActionSource::EventSourceHost,
                ResolutionRule::Naive | ResolutionRule::NoPermission => ActionSource::EventName,
            };
            let names = actions
                .into_iter()
                .map(|resolved| resolved.action)
                .collect();
            Ok(Some((names, source)))
        }
        Resolution::NoPermission { .. } => Ok(None),
        Resolution::Unknown { reason } => Err(reason),
    }
}

type ResourceChoice = (String, Option<String>, ResourceSource);

fn resources_for(
    denial: &Denial,
    catalog: &Catalog,
    action: &str,
    warnings: &mut Vec<String>,
) -> Vec<ResourceChoice> {
    let Some(action_ref) = catalog.action(action) else {
        return Vec::new();
    };
    if !action_ref.has_resource_types() {
        return vec![("*".to_owned(), None, ResourceSource::NoResourceType)];
    }
    let built = catalog.build_resources(&action_ref, ArnContext::new(&denial.record));
    let from_message = denial.message.resource.as_deref().filter(|_| {
        denial
            .message
            .action
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(action))
    });
    // Some services name the resource as the caller gave it rather than by
    // ARN (Secrets Manager writes the secret's name). IAM rejects a policy
    // whose Resource is not an ARN or `*`, so such a name gives way to the
    // ARN built from the event.
    let from_message = from_message
        .map(|resource| message_resource_arn(resource, &denial.record))
        .filter(|arn| arn == "*" || arn.starts_with("arn:"));
    if let Some(arn) = from_message {
        // Prefer the event-built ARN when it is the same resource, because
        // it carries the escapes the message cannot show.
        let same = built
            .iter()
            .find(|b| unescape(&b.arn) == arn && b.unfilled.is_empty());
        if let Some(same) = same {
            return vec![(
                same.arn.clone(),
                same.resource_type.clone(),
                ResourceSource::ErrorMessage,
            )];
        }
        let escaped = escape_message_resource(&arn);
        let resource_type = resource_type_of(catalog, action, &escaped);
        if escaped == "*" {
            warnings.push(format!(
                "AWS evaluated `{action}` on `*`, so the statement needs `\"Resource\": \"*\"`"
            ));
        }
        return vec![(escaped, resource_type, ResourceSource::ErrorMessage)];
    }
    let mut choices = Vec::new();
    for resource in built {
        if let Some(warning) = &resource.warning {
            warnings.push(warning.clone());
        }
        let source = if resource.arn == "*" {
            ResourceSource::Unknown
        } else {
            ResourceSource::Event
        };
        choices.push((resource.arn, resource.resource_type, source));
    }
    if choices.is_empty() {
        warnings.push(format!(
            "the resource of `{action}` could not be determined from the event; the statement \
             uses `*` — narrow it to the resource your workflow uses"
        ));
        choices.push(("*".to_owned(), None, ResourceSource::Unknown));
    }
    if denial.form == MessageForm::EncodedOnly {
        warnings.push(encoded_hint(denial));
    }
    choices
}

fn encoded_hint(denial: &Denial) -> String {
    if denial.message.encoded_truncated {
        "the encoded authorization message is truncated in CloudTrail and cannot be decoded; \
         the action was resolved from the event name"
            .to_owned()
    } else {
        "the action was resolved from the event name; `aws sts decode-authorization-message \
         --encoded-message …` shows the exact action and resource AWS evaluated"
            .to_owned()
    }
}

/// Turns the message's resource into an ARN: IAM writes `role NAME` and
/// `user NAME` for its own resources.
fn message_resource_arn(resource: &str, record: &Record) -> String {
    let mut words = resource.splitn(2, ' ');
    if let (Some(kind), Some(name)) = (words.next(), words.next()) {
        if matches!(
            kind,
            "role" | "user" | "group" | "policy" | "instance-profile"
        ) {
            let partition = record.partition().unwrap_or("aws");
            let account = record.account().unwrap_or("");
            return format!("arn:{partition}:iam::{account}:{kind}/{name}");
        }
    }
    resource.to_owned()
}

/// Escapes a resource taken from a message. `$` is always literal there.
/// `*` and `?` are literal unless AWS wrote them as a pattern: the whole
/// resource `*`, or a last path segment `*` such as `repository/*`, which is
/// how AWS shows calls that are not about one resource.
fn escape_message_resource(resource: &str) -> String {
    if resource == "*" {
        return resource.to_owned();
    }
    let pattern_tail = resource.ends_with("/*") || resource.ends_with(":*");
    let (body, tail) = if pattern_tail {
        resource.split_at(resource.len().saturating_sub(1))
    } else {
        (resource, "")
    };
    let mut out = String::with_capacity(resource.len());
    for ch in body.chars() {
        match ch {
            '*' => out.push_str("${*}"),
            '?' => out.push_str("${?}"),
            '$' => out.push_str("${$}"),
            other => out.push(other),
        }
    }
    out.push_str(tail);
    out
}

fn unescape(arn: &str) -> String {
    arn.replace("${*}", "*")
        .replace("${?}", "?")
        .replace("${$}", "$")
}

/// Finds which of the action's resource types `arn` is an instance of.
pub fn resource_type_of(catalog: &Catalog, action: &str, arn: &str) -> Option<String> {
    let action_ref = catalog.action(action)?;
    action_ref.def.resources.iter().find_map(|row| {
        let def = action_ref.service.resource_types.get(&row.resource_type)?;
        def.arns
            .iter()
            .any(|template| template_matches(template, arn))
            .then(|| row.resource_type.clone())
    })
}

/// Returns true when `arn` has the shape of an ARN template: the literal
/// parts match and each `${…}` covers some text (`${Partition}`,
/// `${Region}` and `${Account}` never span a `:`).
pub fn template_matches(template: &str, arn: &str) -> bool {
    let mut pattern = String::from("^");
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let (literal, after) = rest.split_at(start);
        pattern.push_str(&regex::escape(literal));
        let Some(end) = after.find('}') else {
            return false;
        };
        let name = after.get(2..end).unwrap_or("");
        pattern.push_str(match name {
            "Partition" | "Region" | "Account" => "[^:]*",
            _ => ".+",
        });
        rest = after.get(end + 1..).unwrap_or("");
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    regex::Regex::new(&pattern).is_ok_and(|regex| regex.is_match(arn))
}

/// The service principal a role is passed to, by the calling service. Used
/// for `iam:PassedToService`, which AWS recommends on every `iam:PassRole`
/// grant ("Granting a user permissions to pass a role to an AWS service").
const PASSED_TO_SERVICE: &[(&str, &str)] = &[
    ("ecs.amazonaws.com", "ecs-tasks.amazonaws.com"),
    ("lambda.amazonaws.com", "lambda.amazonaws.com"),
    (
        "cloudformation.amazonaws.com",
        "cloudformation.amazonaws.com",
    ),
    ("ec2.amazonaws.com", "ec2.amazonaws.com"),
    ("autoscaling.amazonaws.com", "ec2.amazonaws.com"),
    ("states.amazonaws.com", "states.amazonaws.com"),
    ("events.amazonaws.com", "events.amazonaws.com"),
    ("scheduler.amazonaws.com", "scheduler.amazonaws.com"),
    ("pipes.amazonaws.com", "pipes.amazonaws.com"),
    ("codebuild.amazonaws.com", "codebuild.amazonaws.com"),
    ("codepipeline.amazonaws.com", "codepipeline.amazonaws.com"),
    ("glue.amazonaws.com", "glue.amazonaws.com"),
    ("sagemaker.amazonaws.com", "sagemaker.amazonaws.com"),
    ("batch.amazonaws.com", "batch.amazonaws.com"),
    ("eks.amazonaws.com", "eks.amazonaws.com"),
    (
        "elasticmapreduce.amazonaws.com",
        "elasticmapreduce.amazonaws.com",
    ),
    ("datapipeline.amazonaws.com", "datapipeline.amazonaws.com"),
    ("firehose.amazonaws.com", "firehose.amazonaws.com"),
    ("apigateway.amazonaws.com", "apigateway.amazonaws.com"),
    ("appsync.amazonaws.com", "appsync.amazonaws.com"),
];

/// Returns the service principal a role is passed to by a call to
/// `event_source`, when known.
pub fn passed_to_service(event_source: &str) -> Option<&'static str> {
    PASSED_TO_SERVICE
        .iter()
        .find(|(source, _)| *source == event_source)
        .map(|(_, service)| *service)
}

/// The service principal a role is passed to, by the request parameter that
/// names the role, for services whose calls pass roles to more than one
/// principal. ECS passes `taskRoleArn` and `executionRoleArn` to the tasks
/// (`ecs-tasks.amazonaws.com`). The legacy service role (`role` of
/// `CreateService`) and the infrastructure role (`roleArn` of a managed EBS
/// volume, Service Connect TLS or VPC Lattice, and `infrastructureRoleArn`)
/// are trusted by `ecs.amazonaws.com` (Amazon ECS Developer Guide, "Amazon
/// ECS infrastructure IAM role",
/// <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/infrastructure_IAM_role.html>).
const PASSED_TO_SERVICE_BY_PARAMETER: &[(&str, &str, &str)] = &[
    (
        "ecs.amazonaws.com",
        "taskRoleArn",
        "ecs-tasks.amazonaws.com",
    ),
    (
        "ecs.amazonaws.com",
        "executionRoleArn",
        "ecs-tasks.amazonaws.com",
    ),
    ("ecs.amazonaws.com", "role", "ecs.amazonaws.com"),
    ("ecs.amazonaws.com", "roleArn", "ecs.amazonaws.com"),
    (
        "ecs.amazonaws.com",
        "infrastructureRoleArn",
        "ecs.amazonaws.com",
    ),
];

/// Returns the service principal the role `role_arn` is passed to by
/// `record`: decided by the request parameter that names the role where the
/// service passes roles to several principals, else by the event source.
pub fn passed_to_service_of(record: &Record, role_arn: &str) -> Option<&'static str> {
    let by_parameter = record.request_parameters.as_ref().and_then(|parameters| {
        let key = parameter_naming_role(parameters, role_arn)?;
        PASSED_TO_SERVICE_BY_PARAMETER
            .iter()
            .find(|(source, parameter, _)| *source == record.source() && *parameter == key)
            .map(|(_, _, service)| *service)
    });
    by_parameter.or_else(|| passed_to_service(record.source()))
}

/// Returns the key of the first request parameter whose value is the role,
/// as an ARN or, as ECS accepts for `role`, a bare name.
fn parameter_naming_role<'v>(value: &'v serde_json::Value, role_arn: &str) -> Option<&'v str> {
    let name = role_arn.rsplit('/').next().unwrap_or(role_arn);
    match value {
        serde_json::Value::Object(map) => map.iter().find_map(|(key, child)| match child {
            serde_json::Value::String(text) if text == role_arn || text == name => {
                Some(key.as_str())
            }
            other => parameter_naming_role(other, role_arn),
        }),
        serde_json::Value::Array(items) => items
            .iter()
            .find_map(|item| parameter_naming_role(item, role_arn)),
        _ => None,
    }
}

/// Returns the roles of `iam:PassRole` requirements that belong to another
/// account than the caller's. IAM lets a principal pass
/// only a role of its own account to a service (IAM User Guide, "Grant a
/// user permissions to pass a role to an AWS service",
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html>),
/// so no Allow on the role can fix such a denial.
pub fn roles_of_other_accounts<'r>(
    requirements: &'r [Requirement],
    record: &Record,
) -> Vec<&'r str> {
    let caller_account = record.user_identity.account_id.as_deref();
    let Some(account) = caller_account.or(record.account()) else {
        return Vec::new();
    };
    requirements
        .iter()
        .filter(|requirement| requirement.action == "iam:PassRole")
        .filter(|requirement| {
            requirement
                .resource
                .split(':')
                .nth(4)
                .is_some_and(|owner| !owner.is_empty() && owner != account)
        })
        .map(|requirement| requirement.resource.as_str())
        .collect()
}

fn conditions_for(
    action: &str,
    resource: &str,
    record: &Record,
    derived: &mut Derived,
) -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let mut conditions = BTreeMap::new();
    if action == "iam:PassRole" {
        match passed_to_service_of(record, resource) {
            Some(service) => {
                derived
                    .context
                    .insert("iam:passedtoservice".to_owned(), vec![service.to_owned()]);
                conditions.insert(
                    "StringEquals".to_owned(),
                    BTreeMap::from([("iam:PassedToService".to_owned(), vec![service.to_owned()])]),
                );
            }
            None => derived.warnings.push(format!(
                "the service `{}` passes the role to is not known, so the statement has no \
                 `iam:PassedToService` condition; add one",
                record.source()
            )),
        }
    }
    // Tags that a creating call adds (`RunInstances` with
    // `TagSpecifications`) are authorized as `ec2:CreateTags` on the new
    // resource. The `ec2:CreateAction` condition keeps the grant from
    // re-tagging existing resources.
    if action == "ec2:CreateTags" && record.source().starts_with("ec2.") {
        let creating = record.name();
        if creating != "CreateTags" && !creating.is_empty() {
            derived
                .context
                .insert("ec2:createaction".to_owned(), vec![creating.to_owned()]);
            conditions
                .entry("StringEquals".to_owned())
                .or_insert_with(BTreeMap::new)
                .insert("ec2:CreateAction".to_owned(), vec![creating.to_owned()]);
        }
    }
    if let Some(via) = kms_via_service(action, record) {
        derived
            .context
            .insert("kms:viaservice".to_owned(), vec![via.clone()]);
        conditions.insert(
            "StringEquals".to_owned(),
            BTreeMap::from([("kms:ViaService".to_owned(), vec![via])]),
        );
    }
    conditions
}

/// Returns `SERVICE.REGION.amazonaws.com` for a KMS call another service
/// made on the caller's behalf (a forward access session). CloudTrail marks
/// the KMS record with `userIdentity.invokedBy` or a service name as source
/// address. The calling service's own record shows it too, when its denial
/// message names a KMS action (SSM and Secrets Manager restate the KMS
/// denial of a `SecureString` or secret they could not decrypt).
fn kms_via_service(action: &str, record: &Record) -> Option<String> {
    if !action.starts_with("kms:") {
        return None;
    }
    let source = record.source();
    let caller = if source.starts_with("kms.") {
        record
            .user_identity
            .invoked_by
            .as_deref()
            .or(record.source_ip_address.as_deref())
            .filter(|value| value.ends_with(".amazonaws.com"))?
    } else {
        source
    };
    let service = caller.strip_suffix(".amazonaws.com")?;
    if service.is_empty() || service.contains('.') {
        return None;
    }
    let region = record
        .aws_region
        .as_deref()
        .filter(|region| !region.is_empty())?;
    Some(format!("{service}.{region}.amazonaws.com"))
}

/// Returns the request context the event shows, with lower-case keys as IAM
/// compares them.
pub fn request_context(record: &Record) -> BTreeMap<String, Vec<String>> {
    let mut context = BTreeMap::new();
    let mut put = |key: &str, value: &str| {
        context.insert(key.to_owned(), vec![value.to_owned()]);
    };
    if let Some(region) = record.aws_region.as_deref() {
        put("aws:requestedregion", region);
    }
    if let Some(ip) = record.source_ip_address.as_deref() {
        if ip.parse::<std::net::IpAddr>().is_ok() {
            put("aws:sourceip", ip);
        }
    }
    let identity = &record.user_identity;
    if let Some(arn) = identity.session_context.session_issuer.arn.as_deref() {
        put("aws:principalarn", arn);
    }
    if let Some(account) = identity.account_id.as_deref() {
        put("aws:principalaccount", account);
        if record.source().starts_with("kms.") {
            put("kms:calleraccount", account);
        }
    }
    if let Some(vpce) = record.vpc_endpoint_id.as_deref() {
        put("aws:sourcevpce", vpce);
    }
    if let Some(invoked_by) = identity.invoked_by.as_deref() {
        put("aws:viaawsservice", "true");
        put("aws:calledviafirst", invoked_by);
    }
    if record.source().starts_with("kms.") {
        add_kms_context(record, &mut context);
    }
    if record.source().starts_with("s3.") {
        for (param, key) in [
            ("prefix", "s3:prefix"),
            ("delimiter", "s3:delimiter"),
            ("max-keys", "s3:max-keys"),
        ] {
            if let Some(value) = record.request_str(param) {
                context.insert(key.to_owned(), vec![value.to_owned()]);
            }
        }
    }
    context
}

fn add_kms_context(record: &Record, context: &mut BTreeMap<String, Vec<String>>) {
    let Some(parameters) = record.request_parameters.as_ref() else {
        return;
    };
    if let Some(serde_json::Value::Object(pairs)) = parameters.get("encryptionContext") {
        for (key, value) in pairs {
            if let Some(value) = value.as_str() {
                context.insert(
                    format!("kms:encryptioncontext:{}", key.to_ascii_lowercase()),
                    vec![value.to_owned()],
                );
            }
        }
    }
    if let Some(algorithm) = parameters
        .get("encryptionAlgorithm")
        .and_then(|v| v.as_str())
    {
        context.insert(
            "kms:encryptionalgorithm".to_owned(),
            vec![algorithm.to_owned()],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_resource_escaping() {
        assert_eq!(escape_message_resource("*"), "*");
        assert_eq!(
            escape_message_resource("arn:aws:ecr:us-east-1:1:repository/*"),
            "arn:aws:ecr:us-east-1:1:repository/*"
        );
        assert_eq!(
            escape_message_resource("arn:aws:s3:::b/a*b?c${x}"),
            "arn:aws:s3:::b/a${*}b${?}c${$}{x}"
        );
    }

    #[test]
    fn templates_match_their_instances() {
        let template =
            "arn:${Partition}:ecs:${Region}:${Account}:service/${ClusterName}/${ServiceName}";
        assert!(template_matches(
            template,
            "arn:aws:ecs:us-east-1:1:service/c/s"
        ));
        assert!(!template_matches(
            template,
            "arn:aws:ecs:us-east-1:1:task/c/s"
        ));
    }

    fn denied(source: &str, name: &str, parameters: serde_json::Value, message: &str) -> Denial {
        let record: Record = serde_json::from_value(serde_json::json!({
            "eventSource": source,
            "eventName": name,
            "awsRegion": "us-east-1",
            "recipientAccountId": "111122223333",
            "userIdentity": {
                "arn": "arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions"
            },
            "requestParameters": parameters,
            "errorCode": "AccessDeniedException",
            "errorMessage": message,
        }))
        .unwrap();
        crate::denial::classify(&record).unwrap()
    }

    const CALLER: &str = "User: arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions \
                          is not authorized to perform:";

    #[test]
    fn secret_named_in_message_becomes_its_arn() {
        let denial = denied(
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            serde_json::json!({"secretId": "prod/orders/db"}),
            &format!(
                "{CALLER} secretsmanager:GetSecretValue on resource: prod/orders/db because no \
                 identity-based policy allows the secretsmanager:GetSecretValue action"
            ),
        );
        let derived = derive(&denial, Catalog::embedded().unwrap());
        let resources: Vec<&str> = derived
            .requirements
            .iter()
            .map(|requirement| requirement.resource.as_str())
            .collect();
        assert_eq!(
            resources,
            ["arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/orders/db-??????"]
        );
    }

    #[test]
    fn kms_denial_restated_by_ssm_is_via_ssm() {
        let key = "arn:aws:kms:us-east-1:111122223333:key/0b1c2d3e";
        let denial = denied(
            "ssm.amazonaws.com",
            "GetParametersByPath",
            serde_json::json!({"path": "/app/prod", "withDecryption": true}),
            &format!(
                "{CALLER} kms:Decrypt on resource: {key} because no identity-based policy allows \
                 the kms:Decrypt action (Service: AWSKMS; Status Code: 400; Error Code: \
                 AccessDeniedException; Request ID: 4a5b; Proxy: null)"
            ),
        );
        let derived = derive(&denial, Catalog::embedded().unwrap());
        assert_eq!(derived.requirements.len(), 1);
        let requirement = &derived.requirements[0];
        assert_eq!(requirement.action, "kms:Decrypt");
        assert_eq!(requirement.resource, key);
        assert_eq!(
            requirement.conditions,
            BTreeMap::from([(
                "StringEquals".to_owned(),
                BTreeMap::from([(
                    "kms:ViaService".to_owned(),
                    vec!["ssm.us-east-1.amazonaws.com".to_owned()]
                )])
            )])
        );
    }

    fn ecs_record(name: &str, parameters: serde_json::Value) -> Record {
        serde_json::from_value(serde_json::json!({
            "eventSource": "ecs.amazonaws.com",
            "eventName": name,
            "recipientAccountId": "111122223333",
            "requestParameters": parameters,
        }))
        .unwrap()
    }

    #[test]
    fn passed_to_service_follows_the_parameter() {
        let role = |name: &str| format!("arn:aws:iam::111122223333:role/{name}");
        let volume = ecs_record(
            "CreateService",
            serde_json::json!({"volumeConfigurations": [
                {"managedEBSVolume": {"roleArn": role("infra")}}
            ]}),
        );
        assert_eq!(
            passed_to_service_of(&volume, &role("infra")),
            Some("ecs.amazonaws.com")
        );
        let legacy = ecs_record(
            "CreateService",
            serde_json::json!({"role": "ecsServiceRole"}),
        );
        assert_eq!(
            passed_to_service_of(&legacy, &role("ecsServiceRole")),
            Some("ecs.amazonaws.com")
        );
        let task = ecs_record(
            "RunTask",
            serde_json::json!({"overrides": {"taskRoleArn": role("app"),
                "executionRoleArn": role("exec")}}),
        );
        assert_eq!(
            passed_to_service_of(&task, &role("app")),
            Some("ecs-tasks.amazonaws.com")
        );
        assert_eq!(
            passed_to_service_of(&task, &role("exec")),
            Some("ecs-tasks.amazonaws.com")
        );
        // A role the request does not name falls back to the event source.
        assert_eq!(
            passed_to_service_of(&task, &role("other")),
            Some("ecs-tasks.amazonaws.com")
        );
    }

    #[test]
    fn roles_of_other_accounts_are_found() {
        let record = ecs_record("RunTask", serde_json::json!({}));
        let passes = |resource: &str| Requirement {
            action: "iam:PassRole".to_owned(),
            resource: resource.to_owned(),
            resource_type: Some("role".to_owned()),
            conditions: BTreeMap::new(),
            action_source: ActionSource::ErrorMessage,
            resource_source: ResourceSource::ErrorMessage,
        };
        let requirements = [
            passes("arn:aws:iam::111122223333:role/own"),
            passes("arn:aws:iam::999988887777:role/other"),
        ];
        assert_eq!(
            roles_of_other_accounts(&requirements, &record),
            ["arn:aws:iam::999988887777:role/other"]
        );
    }

    #[test]
    fn passed_to_service_for_ecs() {
        assert_eq!(
            passed_to_service("ecs.amazonaws.com"),
            Some("ecs-tasks.amazonaws.com")
        );
        assert_eq!(passed_to_service("example.amazonaws.com"), None);
    }
}
