//! The CloudTrail event model: the fields the pipeline reads from one record,
//! and the filter that decides whether a record belongs to the role under
//! study.
//!
//! Records come from many shapes (see [`crate::source`]); by the time they
//! reach this module each is one JSON object in CloudTrail's record format.
//! Unknown keys are ignored and every field is optional, because real trails
//! carry Insights events without `eventName`, service events without
//! `userIdentity.arn`, and vendor exports with extra keys.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// One CloudTrail event.
///
/// Its `Debug` output redacts secrets in `requestParameters`,
/// `responseElements` and `additionalEventData` (see
/// [`crate::sanitize::redact`]): `AssumeRole*` events carry session tokens.
#[derive(Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Record {
    /// `eventVersion`, such as `1.11`.
    pub event_version: Option<String>,
    /// `eventTime`, parsed from ISO 8601 or the space-separated forms that
    /// CloudTrail Lake and some exporters write.
    #[serde(deserialize_with = "de_time")]
    pub event_time: Option<DateTime<Utc>>,
    /// `eventSource`, the service host such as `ecr.amazonaws.com`.
    pub event_source: Option<String>,
    /// `eventName`, the API operation.
    pub event_name: Option<String>,
    /// `awsRegion`.
    pub aws_region: Option<String>,
    /// `sourceIPAddress`: an IP address or a service name such as
    /// `s3.amazonaws.com`.
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: Option<String>,
    /// `userAgent`.
    pub user_agent: Option<String>,
    /// `errorCode`; absent on success.
    pub error_code: Option<String>,
    /// `errorMessage`; absent on success and on some denials.
    pub error_message: Option<String>,
    /// `requestParameters` as CloudTrail recorded them.
    pub request_parameters: Option<Value>,
    /// `responseElements`.
    pub response_elements: Option<Value>,
    /// `additionalEventData`.
    pub additional_event_data: Option<Value>,
    /// `requestID`.
    #[serde(rename = "requestID")]
    pub request_id: Option<String>,
    /// `eventID`, unique per event.
    #[serde(rename = "eventID")]
    pub event_id: Option<String>,
    /// `eventType`: `AwsApiCall`, `AwsServiceEvent`, `AwsCloudTrailInsight` …
    pub event_type: Option<String>,
    /// `recipientAccountId`, the account that received the call.
    pub recipient_account_id: Option<String>,
    /// `vpcEndpointId`, set when the call came through a VPC endpoint.
    pub vpc_endpoint_id: Option<String>,
    /// `resources[]`, the resources CloudTrail attributes to the call.
    #[serde(deserialize_with = "de_null_default")]
    pub resources: Vec<ResourceRef>,
    /// `userIdentity`.
    #[serde(deserialize_with = "de_null_default")]
    pub user_identity: UserIdentity,
}

/// One entry of a record's `resources[]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ResourceRef {
    /// The resource ARN.
    #[serde(rename = "ARN")]
    pub arn: Option<String>,
    /// The CloudFormation-style type, such as `AWS::S3::Bucket`.
    #[serde(rename = "type")]
    pub resource_type: Option<String>,
    /// The owning account.
    #[serde(rename = "accountId")]
    pub account_id: Option<String>,
}

/// `userIdentity` of a record.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct UserIdentity {
    /// `type`: `AssumedRole`, `IAMUser`, `WebIdentityUser`, `AWSService` …
    #[serde(rename = "type")]
    pub identity_type: Option<String>,
    /// `principalId`; for web identity users `<provider>:<aud>:<sub>`.
    pub principal_id: Option<String>,
    /// `arn` of the caller, such as an assumed-role session ARN.
    pub arn: Option<String>,
    /// `accountId` of the caller.
    pub account_id: Option<String>,
    /// `accessKeyId` of the session.
    pub access_key_id: Option<String>,
    /// `userName`; for web identity users the token subject.
    pub user_name: Option<String>,
    /// `invokedBy`, set when a service made the call on the caller's behalf.
    pub invoked_by: Option<String>,
    /// `identityProvider`, set for web identity users.
    pub identity_provider: Option<String>,
    /// `sessionContext`.
    #[serde(deserialize_with = "de_null_default")]
    pub session_context: SessionContext,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionContext {
    /// `sessionIssuer`: the role (or user) the session was issued for.
    #[serde(deserialize_with = "de_null_default")]
    pub session_issuer: SessionIssuer,
    /// `webIdFederationData`.
    #[serde(deserialize_with = "de_null_default")]
    pub web_id_federation_data: WebIdFederationData,
}

/// `userIdentity.sessionContext.sessionIssuer`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionIssuer {
    /// `type`, normally `Role`.
    #[serde(rename = "type")]
    pub issuer_type: Option<String>,
    /// `arn` of the role, such as `arn:aws:iam::111122223333:role/gha-deploy`.
    pub arn: Option<String>,
    /// `accountId` of the role.
    pub account_id: Option<String>,
    /// `userName`, the role name.
    pub user_name: Option<String>,
}

/// `userIdentity.sessionContext.webIdFederationData`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct WebIdFederationData {
    /// `federatedProvider`, the OIDC provider ARN.
    pub federated_provider: Option<String>,
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::sanitize::RedactedValue;
        f.debug_struct("Record")
            .field("event_version", &self.event_version)
            .field("event_time", &self.event_time)
            .field("event_source", &self.event_source)
            .field("event_name", &self.event_name)
            .field("aws_region", &self.aws_region)
            .field("source_ip_address", &self.source_ip_address)
            .field("user_agent", &self.user_agent)
            .field("error_code", &self.error_code)
            .field("error_message", &self.error_message)
            .field(
                "request_parameters",
                &RedactedValue(&self.request_parameters),
            )
            .field("response_elements", &RedactedValue(&self.response_elements))
            .field(
                "additional_event_data",
                &RedactedValue(&self.additional_event_data),
            )
            .field("request_id", &self.request_id)
            .field("event_id", &self.event_id)
            .field("event_type", &self.event_type)
            .field("recipient_account_id", &self.recipient_account_id)
            .field("vpc_endpoint_id", &self.vpc_endpoint_id)
            .field("resources", &self.resources)
            .field("user_identity", &self.user_identity)
            .finish()
    }
}

impl Record {
    /// Parses one record from its JSON text.
    pub fn from_slice(bytes: &[u8]) -> Result<Record, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// Converts a parsed JSON value into a record.
    pub fn from_value(value: Value) -> Result<Record, serde_json::Error> {
        serde_json::from_value(value)
    }

    /// Returns `eventSource`, or an empty string.
    pub fn source(&self) -> &str {
        self.event_source.as_deref().unwrap_or("")
    }

    /// Returns `eventName`, or an empty string.
    pub fn name(&self) -> &str {
        self.event_name.as_deref().unwrap_or("")
    }

    /// Returns `awsRegion`, or an empty string.
    pub fn region(&self) -> &str {
        self.aws_region.as_deref().unwrap_or("")
    }

    /// Returns one string field of `requestParameters`.
    pub fn request_str(&self, key: &str) -> Option<&str> {
        self.request_parameters.as_ref()?.get(key)?.as_str()
    }

    /// Returns the partition (`aws`, `aws-us-gov`, `aws-cn` …) from the
    /// caller's ARN, the session issuer or the role in the request.
    pub fn partition(&self) -> Option<&str> {
        let identity = &self.user_identity;
        [
            identity.arn.as_deref(),
            identity.session_context.session_issuer.arn.as_deref(),
            self.request_str("roleArn"),
        ]
        .into_iter()
        .flatten()
        .find_map(arn_partition)
    }

    /// Returns the account that received the call: `recipientAccountId`,
    /// else the caller's account.
    pub fn account(&self) -> Option<&str> {
        self.recipient_account_id
            .as_deref()
            .or(self.user_identity.account_id.as_deref())
            .or(self
                .user_identity
                .session_context
                .session_issuer
                .account_id
                .as_deref())
    }

    /// Returns true for a failed or successful `AssumeRoleWithWebIdentity`
    /// made with a web identity token.
    pub fn is_web_identity_assume(&self) -> bool {
        self.name() == "AssumeRoleWithWebIdentity" && self.source().starts_with("sts.")
    }
}

/// Returns the partition field of an ARN.
pub fn arn_partition(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(3, ':');
    match (parts.next(), parts.next()) {
        (Some("arn"), Some(partition)) if !partition.is_empty() => Some(partition),
        _ => None,
    }
}

fn de_null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

fn de_time<'de, D>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(match value {
        Some(Value::String(text)) => parse_time(&text),
        Some(Value::Number(number)) => number.as_f64().and_then(epoch_to_time),
        _ => None,
    })
}

fn epoch_to_time(seconds: f64) -> Option<DateTime<Utc>> {
    // LookupEvents returns `EventTime` in epoch seconds, sometimes with a
    // fraction; values above 1e11 are epoch milliseconds.
    let seconds = if seconds > 1e11 {
        seconds / 1000.0
    } else {
        seconds
    };
    let whole = seconds.trunc();
    let nanos = ((seconds - whole) * 1e9).round();
    #[expect(
        clippy::cast_possible_truncation,
        reason = "range checked by timestamp_opt"
    )]
    Utc.timestamp_opt(whole as i64, nanos as u32).single()
}

/// Parses the time forms CloudTrail material uses: RFC 3339 (`…Z` or with an
/// offset), `YYYY-MM-DD HH:MM:SS[.fff…]` in UTC (CloudTrail Lake, Athena,
/// some exporters), and epoch seconds or milliseconds as text.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f UTC",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    if let Ok(time) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f %z") {
        return Some(time.with_timezone(&Utc));
    }
    text.parse::<f64>().ok().and_then(epoch_to_time)
}

/// The role whose denials are studied, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleSelector {
    /// A full role ARN: matched on account, path and name, in any partition.
    Arn {
        /// Account id from the ARN.
        account: String,
        /// Role name without its path.
        name: String,
        /// Path between `role/` and the name, with slashes (`/` when none).
        path: String,
    },
    /// A bare role name: matched in every account, which the report notes.
    Name(String),
}

impl RoleSelector {
    /// Parses a role ARN (`arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`) or a
    /// bare role name.
    pub fn parse(text: &str) -> Result<RoleSelector, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the role is empty".to_owned());
        }
        if !text.starts_with("arn:") {
            if text.contains(':') || text.contains('/') {
                return Err(format!(
                    "`{text}` is neither a role ARN nor a role name; give \
                     `arn:aws:iam::ACCOUNT:role/NAME` or `NAME`"
                ));
            }
            return Ok(RoleSelector::Name(text.to_owned()));
        }
        let (account, name, path) = split_role_arn(text).ok_or_else(|| {
            format!("`{text}` is not a role ARN (`arn:aws:iam::ACCOUNT:role/NAME`)")
        })?;
        Ok(RoleSelector::Arn {
            account,
            name,
            path,
        })
    }

    /// Returns the role name.
    pub fn name(&self) -> &str {
        match self {
            RoleSelector::Arn { name, .. } | RoleSelector::Name(name) => name,
        }
    }

    /// Returns the account, when the selector names one.
    pub fn account(&self) -> Option<&str> {
        match self {
            RoleSelector::Arn { account, .. } => Some(account),
            RoleSelector::Name(_) => None,
        }
    }

    /// Returns true when `arn` is the selected role's ARN. Role names are
    /// case-insensitive in IAM, paths and accounts are compared exactly.
    pub fn matches_role_arn(&self, arn: &str) -> bool {
        let Some((account, name, path)) = split_role_arn(arn) else {
            return false;
        };
        match self {
            RoleSelector::Arn {
                account: a,
                name: n,
                path: p,
            } => a == &account && n.eq_ignore_ascii_case(&name) && (p == &path || p == "/"),
            RoleSelector::Name(n) => n.eq_ignore_ascii_case(&name),
        }
    }

    /// Returns true when the record is a call made by a session of the role,
    /// judged by `userIdentity.sessionContext.sessionIssuer.arn` and never by
    /// the session name, which other roles share (`GitHubActions`).
    pub fn matches_session(&self, record: &Record) -> bool {
        record
            .user_identity
            .session_context
            .session_issuer
            .arn
            .as_deref()
            .is_some_and(|arn| self.matches_role_arn(arn))
    }

    /// Returns true when the record is an `AssumeRoleWithWebIdentity` call
    /// for the role (the only link is `requestParameters.roleArn`).
    pub fn matches_web_identity_assume(&self, record: &Record) -> bool {
        record.is_web_identity_assume()
            && record
                .request_str("roleArn")
                .is_some_and(|arn| self.matches_role_arn(arn))
    }

    /// Returns true when the record belongs to the role in either way.
    pub fn matches(&self, record: &Record) -> bool {
        self.matches_session(record) || self.matches_web_identity_assume(record)
    }
}

/// Splits `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME` into account, name and
/// path (`/` or `/PATH/`).
fn split_role_arn(arn: &str) -> Option<(String, String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let rest = resource.strip_prefix("role/")?;
    let (path, name) = match rest.rfind('/') {
        Some(slash) => (format!("/{}", rest.get(..=slash)?), rest.get(slash + 1..)?),
        None => ("/".to_owned(), rest),
    };
    if name.is_empty() || account.is_empty() {
        return None;
    }
    Some((account.to_owned(), name.to_owned(), path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_forms_parse() {
        let expected = Utc.with_ymd_and_hms(2024, 6, 2, 20, 16, 32).unwrap();
        for text in [
            "2024-06-02T20:16:32Z",
            "2024-06-02T20:16:32+00:00",
            "2024-06-02 20:16:32.000000000",
            "2024-06-02 20:16:32.000",
            "2024-06-02 20:16:32",
            "1717359392",
        ] {
            assert_eq!(parse_time(text), Some(expected), "{text}");
        }
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn role_selector_matches_partitions_and_paths() {
        let role = RoleSelector::parse("arn:aws:iam::111122223333:role/gha-deploy").unwrap();
        assert!(role.matches_role_arn("arn:aws:iam::111122223333:role/gha-deploy"));
        assert!(role.matches_role_arn("arn:aws-us-gov:iam::111122223333:role/gha-deploy"));
        assert!(role.matches_role_arn("arn:aws:iam::111122223333:role/ci/gha-deploy"));
        assert!(!role.matches_role_arn("arn:aws:iam::999988887777:role/gha-deploy"));
        assert!(!role.matches_role_arn("arn:aws:iam::111122223333:role/gha-deploy-2"));
        let pathed = RoleSelector::parse("arn:aws:iam::111122223333:role/ci/gha-deploy").unwrap();
        assert!(!pathed.matches_role_arn("arn:aws:iam::111122223333:role/gha-deploy"));
        let by_name = RoleSelector::parse("gha-deploy").unwrap();
        assert!(by_name.matches_role_arn("arn:aws-cn:iam::999988887777:role/gha-deploy"));
        assert!(RoleSelector::parse("arn:aws:iam::1:user/bob").is_err());
        assert!(RoleSelector::parse("a/b").is_err());
    }

    #[test]
    fn record_tolerates_nulls_and_extra_keys() {
        let record = Record::from_slice(
            br#"{"eventTime":"2026-11-20T10:00:07Z","userIdentity":null,"resources":null,
                 "@version":"1","eventName":"X","requestParameters":null}"#,
        )
        .unwrap();
        assert_eq!(record.name(), "X");
        assert!(record.user_identity.arn.is_none());
        assert!(record.resources.is_empty());
    }

    #[test]
    fn debug_output_hides_session_credentials() {
        let record = Record::from_slice(
            br#"{"eventName":"AssumeRole","requestID":"req-1",
                 "requestParameters":{"roleArn":"arn:aws:iam::1:role/next","roleSessionName":"s"},
                 "responseElements":{"credentials":{"accessKeyId":"ASIAQEXAMPLEKEY",
                   "sessionToken":"IQoJb3JpZ2luX2VjEXAMPLETOKEN","expiration":"Nov 20, 2026"}}}"#,
        )
        .unwrap();
        let shown = format!("{record:?}");
        assert!(!shown.contains("IQoJb3JpZ2luX2VjEXAMPLETOKEN"), "{shown}");
        assert!(!shown.contains("ASIAQEXAMPLEKEY"), "{shown}");
        assert!(shown.contains("arn:aws:iam::1:role/next") && shown.contains("req-1"));
    }
}
