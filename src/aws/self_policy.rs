//! The read-only IAM policy the tool itself needs, for the sources and
//! options a user picks.
//!
//! Every action is looked up in the embedded catalog, and resources are
//! built from the catalog's ARN templates: known parts (partition, account,
//! role, bucket) are filled in and unknown ones become `*`, so the policy
//! names no action that does not exist and no resource type the action does
//! not authorize against.

use std::fmt;
use std::str::FromStr;

use crate::catalog::arn::escape_resource_name;
use crate::catalog::{Catalog, CatalogError};
use crate::policy::{PolicyDocument, Statement};
use crate::record::RoleSelector;

/// Where the tool reads CloudTrail events from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// CloudTrail LookupEvents (the default live source).
    Lookup,
    /// The trail's log files in its S3 bucket.
    S3,
    /// An Athena table over the trail's bucket.
    Athena,
    /// A CloudTrail Lake event data store.
    Lake,
}

impl SourceKind {
    /// Returns the name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Lookup => "lookup",
            SourceKind::S3 => "s3",
            SourceKind::Athena => "athena",
            SourceKind::Lake => "lake",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SourceKind {
    type Err = String;

    fn from_str(text: &str) -> Result<SourceKind, String> {
        match text {
            "lookup" => Ok(SourceKind::Lookup),
            "s3" => Ok(SourceKind::S3),
            "athena" => Ok(SourceKind::Athena),
            "lake" => Ok(SourceKind::Lake),
            other => Err(format!(
                "unknown source `{other}`; expected lookup, s3, athena or lake"
            )),
        }
    }
}

/// What the policy must cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfPolicyRequest {
    /// The event source.
    pub source: SourceKind,
    /// Whether the role's policies are read from IAM (`--from-iam`).
    pub from_iam: bool,
    /// The role studied; narrows the IAM statements to it.
    pub role: Option<RoleSelector>,
    /// The trail's bucket; narrows the S3 statements to it.
    pub bucket: Option<String>,
    /// The trail's key prefix, without slashes at either end; narrows the
    /// log objects to `PREFIX/AWSLogs/*`.
    pub prefix: Option<String>,
    /// The KMS key the trail encrypts its log files with (SSE-KMS); adds
    /// `kms:Decrypt` on it.
    pub kms_key: Option<KmsKey>,
    /// The bucket and prefix of Athena's query results location
    /// (`s3://BUCKET[/PREFIX]`); without it, the default results buckets.
    pub results: Option<(String, String)>,
    /// The partition, `aws` unless the role is in another one.
    pub partition: String,
}

impl SelfPolicyRequest {
    /// Creates a request for `source` with no known role or bucket.
    pub fn new(source: SourceKind, from_iam: bool) -> SelfPolicyRequest {
        SelfPolicyRequest {
            source,
            from_iam,
            role: None,
            bucket: None,
            prefix: None,
            kms_key: None,
            results: None,
            partition: "aws".to_owned(),
        }
    }
}

/// A KMS key named by its ARN, `arn:PARTITION:kms:REGION:ACCOUNT:key/ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsKey {
    /// The key's Region.
    pub region: String,
    /// The key's account.
    pub account: String,
    /// The key id.
    pub id: String,
}

impl KmsKey {
    /// Parses a key ARN. Aliases are rejected, because `kms:Decrypt` is
    /// authorized on the key itself.
    pub fn parse(arn: &str) -> Result<KmsKey, String> {
        let invalid = || {
            format!(
                "`{arn}` is not a KMS key ARN such as \
                 `arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab`"
            )
        };
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [_, _, service, region, account, resource] = parts[..] else {
            return Err(invalid());
        };
        let id = resource.strip_prefix("key/").ok_or_else(invalid)?;
        let id_valid = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let region_valid = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !arn.starts_with("arn:")
            || service != "kms"
            || !region_valid
            || !super::query::is_account_id(account)
            || !id_valid
        {
            return Err(invalid());
        }
        Ok(KmsKey {
            region: region.to_owned(),
            account: account.to_owned(),
            id: id.to_owned(),
        })
    }
}

/// Why the policy could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SelfPolicyError {
    /// The catalog could not be loaded.
    #[error("failed to load the action catalog")]
    Catalog(#[from] CatalogError),
    /// An action the tool calls is missing from the catalog.
    #[error("the catalog has no action `{0}`; refresh the catalog")]
    UnknownAction(String),
    /// The action does not authorize against the resource type.
    #[error("the catalog lists no `{resource_type}` resource for `{action}`")]
    UnknownResourceType {
        /// The action.
        action: String,
        /// The resource type.
        resource_type: String,
    },
}

/// One statement to build: its Sid, actions, and the resources as
/// (resource type, known template values) pairs; no pairs means `*`.
struct Plan {
    sid: &'static str,
    actions: &'static [&'static str],
    resources: Vec<(&'static str, Vec<(&'static str, String)>)>,
}

/// The bucket Athena writes query results to when the workgroup names no
/// other: `aws-athena-query-results-ACCOUNT-REGION`.
const ATHENA_RESULTS_BUCKETS: &str = "aws-athena-query-results-*";

/// Builds the minimal read-only policy for `request`.
pub fn self_policy(request: &SelfPolicyRequest) -> Result<PolicyDocument, SelfPolicyError> {
    let catalog = Catalog::embedded()?;
    let mut plans = source_plans(request);
    if request.from_iam {
        plans.extend(iam_plans(request));
    }
    let statements = plans
        .iter()
        .map(|plan| build_statement(catalog, plan, &request.partition))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PolicyDocument::with_statements(statements))
}

fn source_plans(request: &SelfPolicyRequest) -> Vec<Plan> {
    let bucket = || {
        vec![(
            "BucketName",
            request.bucket.clone().unwrap_or_else(|| "*".to_owned()),
        )]
    };
    let trail_bucket = || {
        // Trails write every log file under `[PREFIX/]AWSLogs/`.
        let logs = match request.prefix.as_deref().filter(|p| !p.is_empty()) {
            Some(prefix) => format!("{}/AWSLogs/*", escape_resource_name(prefix)),
            None => "AWSLogs/*".to_owned(),
        };
        let objects = vec![("BucketName", bucket().remove(0).1), ("ObjectName", logs)];
        let mut plans = vec![
            Plan {
                sid: "ListTrailBucket",
                actions: &["s3:GetBucketLocation", "s3:ListBucket"],
                resources: vec![("bucket", bucket())],
            },
            Plan {
                sid: "ReadTrailLogs",
                actions: &["s3:GetObject"],
                resources: vec![("object", objects)],
            },
        ];
        if let Some(key) = &request.kms_key {
            plans.push(Plan {
                sid: "DecryptTrailLogs",
                actions: &["kms:Decrypt"],
                resources: vec![(
                    "key",
                    vec![
                        ("Region", key.region.clone()),
                        ("Account", key.account.clone()),
                        ("KeyId", key.id.clone()),
                    ],
                )],
            });
        }
        plans
    };
    match request.source {
        SourceKind::Lookup => vec![Plan {
            sid: "LookupCloudTrailEvents",
            actions: &["cloudtrail:LookupEvents"],
            resources: Vec::new(),
        }],
        SourceKind::S3 => trail_bucket(),
        SourceKind::Athena => {
            let (results_bucket, results_objects) = match &request.results {
                Some((bucket, prefix)) if prefix.is_empty() => (bucket.clone(), "*".to_owned()),
                Some((bucket, prefix)) => (
                    bucket.clone(),
                    format!("{}/*", escape_resource_name(prefix)),
                ),
                None => (ATHENA_RESULTS_BUCKETS.to_owned(), "*".to_owned()),
            };
            let results = || vec![("BucketName", results_bucket.clone())];
            let result_objects = vec![
                ("BucketName", results_bucket.clone()),
                ("ObjectName", results_objects),
            ];
            let mut plans = vec![
                Plan {
                    sid: "RunAthenaQueries",
                    actions: &[
                        "athena:StartQueryExecution",
                        "athena:GetQueryExecution",
                        "athena:GetQueryResults",
                        "athena:StopQueryExecution",
                    ],
                    resources: vec![("workgroup", Vec::new())],
                },
                Plan {
                    sid: "ReadCloudTrailTable",
                    actions: &["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
                    resources: vec![
                        ("rootcatalog", Vec::new()),
                        ("database", Vec::new()),
                        ("table", Vec::new()),
                    ],
                },
                Plan {
                    sid: "ListQueryResultsBucket",
                    actions: &["s3:GetBucketLocation", "s3:ListBucket"],
                    resources: vec![("bucket", results())],
                },
                Plan {
                    sid: "WriteQueryResults",
                    actions: &["s3:GetObject", "s3:PutObject"],
                    resources: vec![("object", result_objects)],
                },
            ];
            plans.extend(trail_bucket());
            plans
        }
        SourceKind::Lake => vec![
            Plan {
                sid: "QueryEventDataStore",
                actions: &[
                    "cloudtrail:StartQuery",
                    "cloudtrail:DescribeQuery",
                    "cloudtrail:GetQueryResults",
                ],
                resources: vec![("eventdatastore", Vec::new())],
            },
            Plan {
                sid: "ListEventDataStores",
                actions: &["cloudtrail:ListEventDataStores"],
                resources: Vec::new(),
            },
        ],
    }
}

fn iam_plans(request: &SelfPolicyRequest) -> Vec<Plan> {
    let account = request
        .role
        .as_ref()
        .and_then(RoleSelector::account)
        .unwrap_or("*");
    let roles = match &request.role {
        Some(RoleSelector::Arn {
            account,
            name,
            path,
        }) => {
            let with_path = format!("{}{name}", path.trim_start_matches('/'));
            vec![vec![
                ("Account", account.clone()),
                ("RoleNameWithPath", with_path),
            ]]
        }
        // A bare name may sit under any path.
        Some(RoleSelector::Name(name)) => vec![
            vec![("RoleNameWithPath", name.clone())],
            vec![("RoleNameWithPath", format!("*/{name}"))],
        ],
        None => vec![Vec::new()],
    };
    let mut policies = vec![("policy", vec![("Account", account.to_owned())])];
    if account != "*" {
        // AWS managed policies live in the account `aws`.
        policies.push(("policy", vec![("Account", "aws".to_owned())]));
    }
    vec![
        Plan {
            sid: "ReadRolePolicies",
            actions: &[
                "iam:GetRole",
                "iam:ListRolePolicies",
                "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies",
            ],
            resources: roles.into_iter().map(|values| ("role", values)).collect(),
        },
        Plan {
            sid: "ReadManagedPolicies",
            actions: &["iam:GetPolicy", "iam:GetPolicyVersion"],
            resources: policies,
        },
    ]
}

fn build_statement(
    catalog: &Catalog,
    plan: &Plan,
    partition: &str,
) -> Result<Statement, SelfPolicyError> {
    let mut actions = Vec::new();
    let mut resources = Vec::new();
    for name in plan.actions {
        let action = catalog
            .action(name)
            .ok_or_else(|| SelfPolicyError::UnknownAction((*name).to_owned()))?;
        actions.push(action.full_name());
        // Each action gets the plan's resource types it authorizes against
        // (glue:GetDatabase has no table, glue:GetTable has one).
        let mut matched = false;
        for (resource_type, values) in &plan.resources {
            let template = action
                .resource_types()
                .find(|(row, _)| row.resource_type == *resource_type)
                .and_then(|(_, def)| def.arns.first());
            let Some(template) = template else { continue };
            matched = true;
            let arn = fill_template(template, partition, values);
            if !resources.contains(&arn) {
                resources.push(arn);
            }
        }
        if let (false, Some((resource_type, _))) = (matched, plan.resources.first()) {
            return Err(SelfPolicyError::UnknownResourceType {
                action: action.full_name(),
                resource_type: (*resource_type).to_owned(),
            });
        }
    }
    if resources.is_empty() {
        resources.push("*".to_owned());
    }
    let mut statement = Statement::allow(actions, resources);
    statement.sid = Some(plan.sid.to_owned());
    Ok(statement)
}

/// Replaces each `${Name}` of an ARN template with its value, the partition
/// for `${Partition}`, and `*` for names without a value.
fn fill_template(template: &str, partition: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("${") {
        let (before, after) = rest.split_at(open);
        out.push_str(before);
        let Some(close) = after.find('}') else {
            out.push_str(after);
            return out;
        };
        let name = after.get(2..close).unwrap_or_default();
        let value = match name {
            "Partition" => partition,
            _ => values
                .iter()
                .find(|(key, _)| *key == name)
                .map_or("*", |(_, value)| value),
        };
        out.push_str(value);
        rest = after.get(close + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(request: &SelfPolicyRequest) -> String {
        serde_json::to_string(&self_policy(request).unwrap()).unwrap()
    }

    #[test]
    fn lookup_needs_only_lookup_events() {
        assert_eq!(
            json(&SelfPolicyRequest::new(SourceKind::Lookup, false)),
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"LookupCloudTrailEvents","Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*"}]}"#
        );
    }

    #[test]
    fn from_iam_narrows_to_the_role() {
        let mut request = SelfPolicyRequest::new(SourceKind::Lookup, true);
        request.role = Some(RoleSelector::parse("arn:aws:iam::111122223333:role/ci/gha").unwrap());
        let policy = self_policy(&request).unwrap();
        assert_eq!(policy.statements.len(), 3);
        assert_eq!(
            policy.statements[1].resources(),
            ["arn:aws:iam::111122223333:role/ci/gha"]
        );
        assert_eq!(
            policy.statements[2].resources(),
            [
                "arn:aws:iam::111122223333:policy/*",
                "arn:aws:iam::aws:policy/*"
            ]
        );
    }

    #[test]
    fn bare_role_name_matches_any_path() {
        let mut request = SelfPolicyRequest::new(SourceKind::Lookup, true);
        request.role = Some(RoleSelector::parse("gha").unwrap());
        let policy = self_policy(&request).unwrap();
        assert_eq!(
            policy.statements[1].resources(),
            ["arn:aws:iam::*:role/gha", "arn:aws:iam::*:role/*/gha"]
        );
        assert_eq!(
            policy.statements[2].resources(),
            ["arn:aws:iam::*:policy/*"]
        );
    }

    #[test]
    fn every_source_builds_from_the_catalog() {
        for source in [
            SourceKind::Lookup,
            SourceKind::S3,
            SourceKind::Athena,
            SourceKind::Lake,
        ] {
            for from_iam in [false, true] {
                let policy = self_policy(&SelfPolicyRequest::new(source, from_iam)).unwrap();
                assert!(!policy.statements.is_empty(), "{source}");
            }
        }
    }

    #[test]
    fn bucket_fills_s3_resources() {
        let mut request = SelfPolicyRequest::new(SourceKind::S3, false);
        request.bucket = Some("org-trail".to_owned());
        let policy = self_policy(&request).unwrap();
        assert_eq!(policy.statements[0].resources(), ["arn:aws:s3:::org-trail"]);
        assert_eq!(
            policy.statements[1].resources(),
            ["arn:aws:s3:::org-trail/AWSLogs/*"]
        );
        assert_eq!(policy.statements.len(), 2);
    }

    #[test]
    fn prefix_and_kms_key_narrow_the_trail_statements() {
        let mut request = SelfPolicyRequest::new(SourceKind::S3, false);
        request.bucket = Some("org-trail".to_owned());
        request.prefix = Some("audit/a*b".to_owned());
        request.kms_key = Some(
            KmsKey::parse("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd").unwrap(),
        );
        let policy = self_policy(&request).unwrap();
        assert_eq!(
            policy.statements[1].resources(),
            ["arn:aws:s3:::org-trail/audit/a${*}b/AWSLogs/*"]
        );
        assert_eq!(
            policy.statements[2].sid.as_deref(),
            Some("DecryptTrailLogs")
        );
        assert_eq!(policy.statements[2].actions(), ["kms:Decrypt"]);
        assert_eq!(
            policy.statements[2].resources(),
            ["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd"]
        );
    }

    #[test]
    fn results_location_replaces_the_default_buckets() {
        let mut request = SelfPolicyRequest::new(SourceKind::Athena, false);
        request.results = Some(("query-results".to_owned(), "trailgrant".to_owned()));
        let policy = self_policy(&request).unwrap();
        let resources: Vec<String> = policy
            .statements
            .iter()
            .flat_map(|statement| statement.resources().to_vec())
            .collect();
        assert!(resources.contains(&"arn:aws:s3:::query-results".to_owned()));
        assert!(resources.contains(&"arn:aws:s3:::query-results/trailgrant/*".to_owned()));
        assert!(!resources
            .iter()
            .any(|arn| arn.contains("aws-athena-query-results")));
    }

    #[test]
    fn kms_key_arn_must_name_a_key() {
        for arn in [
            "arn:aws:kms:eu-west-1:111122223333:alias/trail",
            "arn:aws:s3:eu-west-1:111122223333:key/abc",
            "arn:aws:kms:eu-west-1:1111:key/abc",
            "arn:aws:kms:EU:111122223333:key/abc",
            "arn:aws:kms:eu-west-1:111122223333:key/",
            "key/abc",
        ] {
            assert!(KmsKey::parse(arn).is_err(), "{arn}");
        }
        let key = KmsKey::parse("arn:aws-cn:kms:cn-north-1:111122223333:key/abc-1").unwrap();
        assert_eq!(key.region, "cn-north-1");
        assert_eq!(key.id, "abc-1");
    }

    #[test]
    fn templates_fill_known_parts() {
        let filled = fill_template(
            "arn:${Partition}:glue:${Region}:${Account}:table/${DatabaseName}/${TableName}",
            "aws-cn",
            &[("Account", "1".to_owned())],
        );
        assert_eq!(filled, "arn:aws-cn:glue:*:1:table/*/*");
    }
}
