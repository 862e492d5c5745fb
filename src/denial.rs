//! Decides whether a record is an authorization failure and reads what its
//! `errorMessage` says: the denied action and resource, which kind of policy
//! denied it, and whether the deny was explicit.
//!
//! AWS words these messages in several ways, all handled here:
//!
//! * `User: ARN is not authorized to perform: ACTION [on resource: RES]
//!   because no <kind> policy allows the ACTION action` (implicit deny);
//! * `… with an explicit deny in a(n) <kind> policy[: POLICY_ARN]`;
//! * `… because no permissions boundary allows …`, `… in a permissions
//!   boundary`, `… role trust policy`, `… transitively through a service
//!   control policy`;
//! * the resource double-quoted (S3 since 2024), `on resource: role NAME`
//!   (IAM), `… ACTION on this resource because …`;
//! * EC2's `You are not authorized to perform this operation. [User: …]
//!   Encoded authorization failure message: …`, possibly truncated;
//! * SDK suffixes such as `(Service: …; Status Code: 403; …)`, `status code:
//!   403, request id: …` and a pointer to `GetRequestAuthorizationDetails`;
//! * old messages without a reason clause, a bare `Access Denied`, and no
//!   message at all.

use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use crate::record::Record;

/// Why a request was denied, as far as the record tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// No identity-based policy of the role allows it (or one denies it).
    IdentityPolicy,
    /// An AWS Organizations service control policy.
    Scp,
    /// An AWS Organizations resource control policy.
    Rcp,
    /// The role's permissions boundary.
    PermissionsBoundary,
    /// A session policy passed when the role was assumed.
    SessionPolicy,
    /// The resource's own policy (bucket, key, repository, secret policy …).
    ResourcePolicy,
    /// The policy of the VPC endpoint the call went through.
    VpcEndpointPolicy,
    /// A role trust policy.
    TrustPolicy,
    /// The record does not say.
    Unknown,
}

impl Cause {
    /// Returns the name used in json output and the text report.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::IdentityPolicy => "identity-policy",
            Cause::Scp => "scp",
            Cause::Rcp => "rcp",
            Cause::PermissionsBoundary => "permissions-boundary",
            Cause::SessionPolicy => "session-policy",
            Cause::ResourcePolicy => "resource-policy",
            Cause::VpcEndpointPolicy => "vpc-endpoint-policy",
            Cause::TrustPolicy => "trust-policy",
            Cause::Unknown => "unknown",
        }
    }

    /// Returns the human name of the policy kind.
    pub fn policy_kind(self) -> &'static str {
        match self {
            Cause::IdentityPolicy => "identity-based policy",
            Cause::Scp => "service control policy",
            Cause::Rcp => "resource control policy",
            Cause::PermissionsBoundary => "permissions boundary",
            Cause::SessionPolicy => "session policy",
            Cause::ResourcePolicy => "resource-based policy",
            Cause::VpcEndpointPolicy => "VPC endpoint policy",
            Cause::TrustPolicy => "role trust policy",
            Cause::Unknown => "unknown policy",
        }
    }
}

/// How the message was worded, which decides how much it can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageForm {
    /// `… is not authorized to perform: …` with a reason clause.
    Detailed,
    /// `… is not authorized to perform: …` without a reason clause.
    NoReason,
    /// EC2's encoded message without the readable part.
    EncodedOnly,
    /// `Not authorized to perform ACTION` (STS web identity, client text).
    ActionOnly,
    /// `Access Denied`, `An unknown error occurred` and similar.
    Bare,
    /// No `errorMessage`.
    Missing,
}

/// What an `errorMessage` says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedMessage {
    /// The principal ARN after `User:`.
    pub principal: Option<String>,
    /// The denied action as written (`SNS:Publish` stays as is; the catalog
    /// normalizes the case).
    pub action: Option<String>,
    /// The resource, unquoted; `*` when AWS wrote `*`.
    pub resource: Option<String>,
    /// True when the message said `on this resource` without naming it.
    pub resource_unnamed: bool,
    /// The kind of policy named in the reason clause.
    pub cause: Option<Cause>,
    /// True for `with an explicit deny`.
    pub explicit: bool,
    /// The ARN of the denying policy, when the message ends with one.
    pub policy_arn: Option<String>,
    /// True for `… transitively through a service control policy`.
    pub via_scp: bool,
    /// The encoded authorization message, when present.
    pub encoded: Option<String>,
    /// True when the encoded message is visibly cut (`…` or `...`).
    pub encoded_truncated: bool,
}

/// A denied call: the record with its parsed message and the cause.
#[derive(Debug, Clone, PartialEq)]
pub struct Denial {
    /// The record.
    pub record: Record,
    /// `errorCode`.
    pub code: String,
    /// What the message says.
    pub message: ParsedMessage,
    /// How the message was worded.
    pub form: MessageForm,
    /// The cause.
    pub cause: Cause,
    /// True when the cause was not stated by AWS but inferred.
    pub cause_inferred: bool,
    /// True for an explicit deny.
    pub explicit: bool,
}

/// Returns true when `errorCode` is an authorization failure.
///
/// The rule, case-insensitive: the code contains `accessdenied` (with or
/// without a separator), `unauthorized`/`unauthorised`, `authorizationerror`
/// or `forbidden`. This covers `AccessDenied`, `AccessDeniedException`,
/// `Client.UnauthorizedOperation`, `UnauthorizedOperation`,
/// `VpceAccessDenied`, `KMSAccessDenied`, `Lambda.KMSAccessDeniedException`
/// and SNS's `AuthorizationError`, and leaves out `NoSuchKey`,
/// `ResourceNotFoundException`, `KMSInvalidStateException` and the like. A
/// record whose message says `is not authorized to perform:` is a denial
/// whatever its code.
pub fn is_authorization_failure(code: &str, message: Option<&str>) -> bool {
    let lower = code.to_ascii_lowercase();
    let code_matches = lower.contains("accessdenied")
        || lower.contains("access_denied")
        || lower.contains("access denied")
        || lower.contains("unauthorized")
        || lower.contains("unauthorised")
        || lower.contains("authorizationerror")
        || lower.contains("forbidden");
    code_matches || message.is_some_and(|text| text.contains("is not authorized to perform:"))
}

/// Returns true for an `AssumeRoleWithWebIdentity` that STS refused because
/// the OIDC provider's configuration rejected the token
/// (`InvalidIdentityToken`, such as "Incorrect token audience", or
/// `IDPRejectedClaim`). The role cannot be assumed either way, so it is a
/// trust finding like an `AccessDenied`.
pub fn is_rejected_web_identity_token(record: &Record) -> bool {
    let Some(code) = record.error_code.as_deref() else {
        return false;
    };
    let code = code.strip_suffix("Exception").unwrap_or(code);
    record.is_web_identity_assume()
        && (code.eq_ignore_ascii_case("InvalidIdentityToken")
            || code.eq_ignore_ascii_case("IDPRejectedClaim"))
}

/// Returns the denial in `record`, or `None` when the call did not fail
/// authorization.
pub fn classify(record: &Record) -> Option<Denial> {
    let code = record.error_code.as_deref()?;
    let message_text = record.error_message.as_deref();
    if !is_authorization_failure(code, message_text) && !is_rejected_web_identity_token(record) {
        return None;
    }
    let (message, form) = match message_text {
        Some(text) => parse_message(text),
        None => (ParsedMessage::default(), MessageForm::Missing),
    };
    let (cause, cause_inferred) = decide_cause(record, code, &message, form);
    let explicit = message.explicit;
    Some(Denial {
        record: record.clone(),
        code: code.to_owned(),
        message,
        form,
        cause,
        cause_inferred,
        explicit,
    })
}

fn decide_cause(
    record: &Record,
    code: &str,
    message: &ParsedMessage,
    form: MessageForm,
) -> (Cause, bool) {
    // A failed AssumeRoleWithWebIdentity is decided by the role's trust
    // policy; CloudTrail often records only "An unknown error occurred".
    if record.is_web_identity_assume() {
        return (
            Cause::TrustPolicy,
            message.cause != Some(Cause::TrustPolicy),
        );
    }
    if let Some(cause) = message.cause {
        return (cause, false);
    }
    // EKS Pod Identity: "Unauthorized Exception! EKS does not have
    // permissions to assume the associated role." The associated role's
    // trust policy does not admit `pods.eks.amazonaws.com`.
    if record
        .error_message
        .as_deref()
        .is_some_and(|text| text.contains("does not have permissions to assume"))
    {
        return (Cause::TrustPolicy, false);
    }
    if code.to_ascii_lowercase().starts_with("vpceaccessdenied") {
        return (Cause::VpcEndpointPolicy, false);
    }
    if message.explicit {
        // "with an explicit deny" and no policy kind: an identity policy,
        // a boundary, an SCP or a resource policy may hold it.
        return (Cause::Unknown, false);
    }
    match form {
        // Without a reason clause the common cause is a missing allow in the
        // role's own policies; the report marks it as inferred, and a
        // current policy that already allows the request overturns it.
        MessageForm::NoReason
        | MessageForm::EncodedOnly
        | MessageForm::Bare
        | MessageForm::Missing
        | MessageForm::ActionOnly => (Cause::IdentityPolicy, true),
        MessageForm::Detailed => (Cause::Unknown, false),
    }
}

struct Patterns {
    head: Regex,
    action_only: Regex,
    encoded: Regex,
    because: Regex,
    policy_arn: Regex,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let compile = |pattern: &str| match Regex::new(pattern) {
            Ok(regex) => regex,
            // The patterns are constants checked by the unit tests.
            Err(error) => unreachable!("invalid built-in pattern: {error}"),
        };
        Patterns {
            head: compile(
                r"(?s)(?:User: (?P<principal>\S+) )?is not authorized to perform: (?P<action>[A-Za-z0-9][A-Za-z0-9._-]*:[A-Za-z0-9*_-]+)(?P<rest>.*)",
            ),
            action_only: compile(
                r"(?i)not authorized to perform:? (?P<action>[a-z0-9-]+:[A-Za-z0-9]+)",
            ),
            encoded: compile(r"(?s)Encoded authorization failure message: (?P<blob>\S*)"),
            because: compile(r"^because no (?P<kind>.+?) allows?\b"),
            policy_arn: compile(r"(?P<arn>arn:[a-z-]+:[a-z0-9-]*:[a-z0-9-]*:[0-9]*:[^\s,;)]+)"),
        }
    })
}

/// Parses an `errorMessage`.
pub fn parse_message(text: &str) -> (ParsedMessage, MessageForm) {
    let text = text.trim();
    let patterns = patterns();
    let mut parsed = ParsedMessage::default();
    if let Some(captures) = patterns.encoded.captures(text) {
        let blob = captures.name("blob").map_or("", |m| m.as_str());
        parsed.encoded_truncated = blob.ends_with("...") || blob.ends_with('…') || blob.is_empty();
        parsed.encoded = Some(
            blob.trim_end_matches("...")
                .trim_end_matches('…')
                .to_owned(),
        );
    }
    let Some(head) = patterns.head.captures(text) else {
        if parsed.encoded.is_some() {
            return (parsed, MessageForm::EncodedOnly);
        }
        if let Some(captures) = patterns.action_only.captures(text) {
            parsed.action = captures.name("action").map(|m| m.as_str().to_owned());
            return (parsed, MessageForm::ActionOnly);
        }
        return (
            parsed,
            if text.is_empty() {
                MessageForm::Missing
            } else {
                MessageForm::Bare
            },
        );
    };
    parsed.principal = head.name("principal").map(|m| m.as_str().to_owned());
    parsed.action = head.name("action").map(|m| m.as_str().to_owned());
    let rest = head.name("rest").map_or("", |m| m.as_str());
    let rest = strip_suffixes(rest);
    let reason = read_resource(rest, &mut parsed);
    let form = read_reason(reason, &mut parsed);
    (parsed, form)
}

/// Cuts what SDKs and newer AWS messages append after the reason.
fn strip_suffixes(rest: &str) -> &str {
    let markers = [
        ". Encoded authorization failure message:",
        " Encoded authorization failure message:",
        " (Service:",
        " status code:",
        " Go to https://",
        " or call the GetRequestAuthorizationDetails",
        ". Authorization ID",
        " Authorization ID",
    ];
    // The last occurrence of each marker, because the text before the suffix
    // may hold a marker of its own (S3 keys and role session names are chosen
    // by callers).
    let end = markers
        .iter()
        .filter_map(|marker| rest.rfind(marker))
        .min()
        .unwrap_or(rest.len());
    rest.get(..end).unwrap_or(rest).trim_end()
}

/// Returns where the reason clause (` because no … policy allows …` or
/// ` with an explicit deny in …`) starts. AWS writes it after the resource
/// and does not escape the resource, so the last occurrence is the clause:
/// a resource name may hold the same words.
fn reason_start(text: &str) -> Option<usize> {
    [" because", " with an explicit"]
        .iter()
        .filter_map(|marker| text.rfind(marker))
        .max()
}

/// Finds the quote that closes a quoted resource. AWS does not escape a
/// `"` inside the name (an S3 key may hold one), so the closing quote is the
/// last one before the reason clause, or the last one of the message when
/// only a period follows it.
fn closing_quote(quoted: &str) -> Option<usize> {
    let before_reason = match reason_start(quoted) {
        Some(start) => quoted.get(..start).unwrap_or(quoted),
        None => quoted,
    };
    let last = before_reason
        .trim_end()
        .strip_suffix('.')
        .unwrap_or(before_reason);
    let last = last.trim_end();
    if last.ends_with('"') {
        return Some(last.len() - 1);
    }
    quoted.find('"')
}

/// Reads ` on resource: RES` or ` on this resource` and returns the rest.
fn read_resource<'a>(rest: &'a str, parsed: &mut ParsedMessage) -> &'a str {
    let rest = rest.trim_start();
    // KMS words a ciphertext's key this way for Decrypt and ReEncrypt.
    for unnamed in [
        "on this resource",
        "on the resource associated with this ciphertext",
    ] {
        if let Some(after) = rest.strip_prefix(unnamed) {
            parsed.resource_unnamed = true;
            return after.trim_start();
        }
    }
    let Some(after) = rest.strip_prefix("on resource:") else {
        return rest;
    };
    let after = after.trim_start();
    if let Some(quoted) = after.strip_prefix('"') {
        if let Some(close) = closing_quote(quoted) {
            parsed.resource = quoted.get(..close).map(str::to_owned);
            return quoted.get(close + 1..).unwrap_or("").trim_start();
        }
    }
    let reason_at = reason_start(after);
    let end = reason_at.unwrap_or(after.len());
    let resource = after.get(..end).unwrap_or(after).trim();
    // A resource that ends the message may carry the sentence's period; one
    // followed by a reason clause is exact, and names do end in `.` (an S3
    // key `report.`, a role `deploy.`).
    let resource = if reason_at.is_some() {
        resource
    } else {
        resource.trim_end_matches(['.', ','])
    };
    if !resource.is_empty() {
        parsed.resource = Some(resource.to_owned());
    }
    after.get(end..).unwrap_or("").trim_start()
}

fn read_reason(reason: &str, parsed: &mut ParsedMessage) -> MessageForm {
    let patterns = patterns();
    if let Some(captures) = patterns.because.captures(reason) {
        let kind = captures.name("kind").map_or("", |m| m.as_str());
        parsed.cause = Some(cause_from_kind(kind));
        parsed.via_scp = reason.contains("transitively through a service control policy");
        parsed.policy_arn = find_policy_arn(reason);
        return MessageForm::Detailed;
    }
    // KMS: "because the resource does not exist in this Region, no
    // resource-based policies allow access, or a resource-based policy
    // explicitly denies access". The key policy is the usual cause; a key
    // of another Region is the other.
    if reason.starts_with("because the resource does not exist")
        && reason.contains("resource-based polic")
    {
        parsed.cause = Some(Cause::ResourcePolicy);
        return MessageForm::Detailed;
    }
    if let Some(after) = reason.strip_prefix("with an explicit deny") {
        parsed.explicit = true;
        let kind = after.trim_start().strip_prefix("in ").unwrap_or("");
        let kind = kind.split(": arn:").next().unwrap_or(kind);
        if !kind.trim().is_empty() {
            parsed.cause = Some(cause_from_kind(kind));
        }
        parsed.policy_arn = find_policy_arn(after);
        parsed.via_scp = reason.contains("transitively through a service control policy");
        return MessageForm::Detailed;
    }
    MessageForm::NoReason
}

fn find_policy_arn(reason: &str) -> Option<String> {
    let captures = patterns().policy_arn.captures(reason)?;
    let arn = captures.name("arn")?.as_str().trim_end_matches('.');
    Some(arn.to_owned())
}

/// Maps the policy words of a reason clause to a cause.
fn cause_from_kind(kind: &str) -> Cause {
    // "a VPC endpoint policy transitively through a service control policy"
    // names the VPC endpoint policy as the one that denied.
    let kind = kind
        .split("transitively")
        .next()
        .unwrap_or(kind)
        .to_ascii_lowercase();
    if kind.contains("identity-based") || kind.contains("identity based") {
        Cause::IdentityPolicy
    } else if kind.contains("service control") {
        Cause::Scp
    } else if kind.contains("resource control") {
        Cause::Rcp
    } else if kind.contains("permissions boundary") || kind.contains("permission boundary") {
        Cause::PermissionsBoundary
    } else if kind.contains("vpc endpoint") {
        Cause::VpcEndpointPolicy
    } else if kind.contains("trust") {
        Cause::TrustPolicy
    } else if kind.contains("resource-based") || kind.contains("resource based") {
        Cause::ResourcePolicy
    } else if kind.contains("session") {
        Cause::SessionPolicy
    } else {
        Cause::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedMessage {
        parse_message(text).0
    }

    #[test]
    fn identity_implicit_with_resource() {
        let parsed = parse(
            "User: arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions is not authorized \
             to perform: iam:PassRole on resource: arn:aws:iam::111122223333:role/orders-task-role \
             because no identity-based policy allows the iam:PassRole action",
        );
        assert_eq!(parsed.action.as_deref(), Some("iam:PassRole"));
        assert_eq!(
            parsed.resource.as_deref(),
            Some("arn:aws:iam::111122223333:role/orders-task-role")
        );
        assert_eq!(parsed.cause, Some(Cause::IdentityPolicy));
        assert!(!parsed.explicit);
        assert_eq!(
            parsed.principal.as_deref(),
            Some("arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions")
        );
    }

    #[test]
    fn every_documented_policy_kind() {
        let cases = [
            (
                "because no VPC endpoint policy allows the x:Y action",
                Cause::VpcEndpointPolicy,
                false,
            ),
            (
                "because no permissions boundary allows the x:Y action",
                Cause::PermissionsBoundary,
                false,
            ),
            (
                "with an explicit deny in a permissions boundary",
                Cause::PermissionsBoundary,
                true,
            ),
            (
                "because no session policy allows the x:Y action",
                Cause::SessionPolicy,
                false,
            ),
            (
                "with an explicit deny in a sessions policy",
                Cause::SessionPolicy,
                true,
            ),
            (
                "because no resource-based policy allows the x:Y action",
                Cause::ResourcePolicy,
                false,
            ),
            (
                "with an explicit deny in a resource-based policy",
                Cause::ResourcePolicy,
                true,
            ),
            (
                "because no role trust policy allows the x:Y action",
                Cause::TrustPolicy,
                false,
            ),
            (
                "with an explicit deny in the role trust policy",
                Cause::TrustPolicy,
                true,
            ),
            (
                "because no identity-based policy allows the x:Y action",
                Cause::IdentityPolicy,
                false,
            ),
            (
                "with an explicit deny in an identity-based policy",
                Cause::IdentityPolicy,
                true,
            ),
            (
                "with an explicit deny in a service control policy",
                Cause::Scp,
                true,
            ),
            (
                "because no service control policy allows the x:Y action",
                Cause::Scp,
                false,
            ),
            (
                "because no resource control policy allows the x:Y action",
                Cause::Rcp,
                false,
            ),
            (
                "with an explicit deny in a resource control policy",
                Cause::Rcp,
                true,
            ),
            (
                "with an explicit deny in a VPC endpoint policy",
                Cause::VpcEndpointPolicy,
                true,
            ),
        ];
        for (reason, cause, explicit) in cases {
            let text = format!("User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: x:Y on resource: * {reason}");
            let (parsed, form) = parse_message(&text);
            assert_eq!(parsed.cause, Some(cause), "{reason}");
            assert_eq!(parsed.explicit, explicit, "{reason}");
            assert_eq!(parsed.resource.as_deref(), Some("*"), "{reason}");
            assert_eq!(form, MessageForm::Detailed, "{reason}");
        }
    }

    #[test]
    fn reason_without_resource() {
        let parsed = parse("User: arn:aws:iam::777788889999:user/JohnDoe is not authorized to perform: codecommit:ListRepositories with an explicit deny in a service control policy");
        assert_eq!(
            parsed.action.as_deref(),
            Some("codecommit:ListRepositories")
        );
        assert_eq!(parsed.resource, None);
        assert_eq!(parsed.cause, Some(Cause::Scp));
        assert!(parsed.explicit);
    }

    #[test]
    fn policy_arn_suffix() {
        let parsed = parse("User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:1:instance/* with an explicit deny in a service control policy: arn:aws:organizations::999:policy/o-abc/service_control_policy/p-123");
        assert_eq!(parsed.cause, Some(Cause::Scp));
        assert_eq!(
            parsed.policy_arn.as_deref(),
            Some("arn:aws:organizations::999:policy/o-abc/service_control_policy/p-123")
        );
        assert_eq!(
            parsed.resource.as_deref(),
            Some("arn:aws:ec2:us-east-1:1:instance/*")
        );
    }

    #[test]
    fn quoted_s3_resource_may_hold_a_quote() {
        let (parsed, _) = parse_message(
            "User: arn:aws:sts::111122223333:assumed-role/gha-deploy/run is not authorized to \
             perform: s3:GetObject on resource: \"arn:aws:s3:::my-bucket/a\"b\\c.txt\" because no \
             identity-based policy allows the s3:GetObject action",
        );
        assert_eq!(
            parsed.resource.as_deref(),
            Some("arn:aws:s3:::my-bucket/a\"b\\c.txt")
        );
        assert_eq!(parsed.cause, Some(Cause::IdentityPolicy));
    }

    #[test]
    fn reason_words_in_key_keep_cause() {
        let principal = "User: arn:aws:sts::111122223333:assumed-role/gha-deploy/run is not \
                         authorized to perform: s3:GetObject on resource: ";
        let identity = "because no identity-based policy allows the s3:GetObject action";
        let scp = "with an explicit deny in a service control policy";
        let cases = [
            (
                format!("\"arn:aws:s3:::b/y\" {scp}\" {identity}"),
                format!("arn:aws:s3:::b/y\" {scp}"),
                false,
                Cause::IdentityPolicy,
            ),
            (
                format!("\"arn:aws:s3:::b/v\" {identity}\" {scp}"),
                format!("arn:aws:s3:::b/v\" {identity}"),
                true,
                Cause::Scp,
            ),
            (
                format!("arn:aws:s3:::b/x {identity} {scp}"),
                format!("arn:aws:s3:::b/x {identity}"),
                true,
                Cause::Scp,
            ),
            (
                "arn:aws:s3:::b/z because no permissions boundary allows it because no \
                 identity-based policy allows the s3:GetObject action"
                    .to_owned(),
                "arn:aws:s3:::b/z because no permissions boundary allows it".to_owned(),
                false,
                Cause::IdentityPolicy,
            ),
        ];
        for (tail, resource, explicit, cause) in cases {
            let parsed = parse(&format!("{principal}{tail}"));
            assert_eq!(
                parsed.resource.as_deref(),
                Some(resource.as_str()),
                "{tail}"
            );
            assert_eq!(parsed.explicit, explicit, "{tail}");
            assert_eq!(parsed.cause, Some(cause), "{tail}");
        }
    }

    #[test]
    fn kms_ciphertext_forms() {
        let head = "User: arn:aws:sts::111122223333:assumed-role/gha-deploy/run is not authorized \
                    to perform: kms:Decrypt on the resource associated with this ciphertext";
        let key_policy = parse(&format!(
            "{head} because the resource does not exist in this Region, no resource-based \
             policies allow access, or a resource-based policy explicitly denies access"
        ));
        assert_eq!(key_policy.action.as_deref(), Some("kms:Decrypt"));
        assert!(key_policy.resource_unnamed);
        assert_eq!(key_policy.resource, None);
        assert_eq!(key_policy.cause, Some(Cause::ResourcePolicy));
        let identity = parse(&format!(
            "{head} because no identity-based policy allows the kms:Decrypt action"
        ));
        assert!(identity.resource_unnamed);
        assert_eq!(identity.cause, Some(Cause::IdentityPolicy));
    }

    #[test]
    fn suffix_words_in_a_key_are_kept() {
        let parsed = parse(
            "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: s3:GetObject on \
             resource: \"arn:aws:s3:::b/a (Service: x\" because no identity-based policy allows \
             the s3:GetObject action (Service: S3, Status Code: 403, Request ID: R1)",
        );
        assert_eq!(
            parsed.resource.as_deref(),
            Some("arn:aws:s3:::b/a (Service: x")
        );
        assert_eq!(parsed.cause, Some(Cause::IdentityPolicy));
    }

    #[test]
    fn quoted_s3_resource() {
        let parsed = parse("User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::my bucket/a key.txt\" because no identity-based policy allows the s3:GetObject action");
        assert_eq!(
            parsed.resource.as_deref(),
            Some("arn:aws:s3:::my bucket/a key.txt")
        );
        assert_eq!(parsed.cause, Some(Cause::IdentityPolicy));
    }

    #[test]
    fn iam_role_name_resource_form() {
        let parsed = parse("User: arn:aws:sts::1:assumed-role/XPTO/user1@example.com is not authorized to perform: iam:GetRole on resource: role XPTO with an explicit deny in an identity-based policy");
        assert_eq!(parsed.resource.as_deref(), Some("role XPTO"));
        assert!(parsed.explicit);
        assert_eq!(parsed.cause, Some(Cause::IdentityPolicy));
    }

    #[test]
    fn this_resource_form() {
        let parsed = parse("User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: logs:CreateLogGroup on this resource because no identity-based policy allows the logs:CreateLogGroup action");
        assert!(parsed.resource_unnamed);
        assert_eq!(parsed.resource, None);
        assert_eq!(parsed.cause, Some(Cause::IdentityPolicy));
    }

    #[test]
    fn ec2_encoded_forms() {
        let (parsed, form) = parse_message("You are not authorized to perform this operation. User: arn:aws:sts::1:assumed-role/k/1 is not authorized to perform: ec2:CreateFleet on resource: arn:aws:ec2:us-west-2:1:launch-template/* because no identity-based policy allows the ec2:CreateFleet action. Encoded authorization failure message: XXXX");
        assert_eq!(form, MessageForm::Detailed);
        assert_eq!(
            parsed.resource.as_deref(),
            Some("arn:aws:ec2:us-west-2:1:launch-template/*")
        );
        assert_eq!(parsed.encoded.as_deref(), Some("XXXX"));
        let (parsed, form) = parse_message(
            "You are not authorized to perform this operation. Encoded authorization failure message: abc...",
        );
        assert_eq!(form, MessageForm::EncodedOnly);
        assert!(parsed.encoded_truncated);
        assert_eq!(parsed.action, None);
    }

    #[test]
    fn sdk_suffixes_and_no_reason() {
        let (parsed, form) = parse_message("User: arn:aws:sts::0:assumed-role/x/y is not authorized to perform: iam:PassRole on resource: arn:aws:iam::0:role/ecsTaskExecutionRole (Service: AmazonECS; Status Code: 400; Error Code: AccessDeniedException; Request ID: 3)");
        assert_eq!(form, MessageForm::NoReason);
        assert_eq!(
            parsed.resource.as_deref(),
            Some("arn:aws:iam::0:role/ecsTaskExecutionRole")
        );
        let (parsed, _) = parse_message("User: arn:aws:sts::3:assumed-role/c/x is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:eu-west-2:3:key/b99 because no identity-based policy allows the kms:Decrypt action status code: 403, request id: TMZ");
        assert_eq!(
            parsed.resource.as_deref(),
            Some("arn:aws:kms:eu-west-2:3:key/b99")
        );
        assert_eq!(parsed.cause, Some(Cause::IdentityPolicy));
        let (parsed, _) = parse_message("User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\" because no identity-based policy allows the s3:GetObject action. Authorization ID: abc. Go to https://example.invalid or call the GetRequestAuthorizationDetails API");
        assert_eq!(parsed.resource.as_deref(), Some("arn:aws:s3:::b/k"));
        assert_eq!(parsed.cause, Some(Cause::IdentityPolicy));
    }

    #[test]
    fn explicit_deny_without_kind_and_trailing_period() {
        let parsed = parse("User: arn:aws:iam::1:user/U is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:us-east-1:1:function:f with an explicit deny");
        assert!(parsed.explicit);
        assert_eq!(parsed.cause, None);
        assert_eq!(
            parsed.resource.as_deref(),
            Some("arn:aws:lambda:us-east-1:1:function:f")
        );
        let parsed = parse("AccessDeniedException: User: arn:aws:iam::3:user/E is not authorized to perform: kms:DescribeKey on resource: arn:aws:kms:us-west-2:3:key/x because no resource-based policy allows the kms:DescribeKey action.");
        assert_eq!(parsed.cause, Some(Cause::ResourcePolicy));
    }

    #[test]
    fn resource_ending_in_a_period_before_the_reason_is_kept() {
        let parsed = parse("User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: iam:PassRole on resource: arn:aws:iam::1:role/deploy. because no identity-based policy allows the iam:PassRole action");
        assert_eq!(
            parsed.resource.as_deref(),
            Some("arn:aws:iam::1:role/deploy.")
        );
        let parsed = parse("User: arn:aws:iam::1:user/U is not authorized to perform: iam:GetUser on resource: arn:aws:iam::1:user/U.");
        assert_eq!(parsed.resource.as_deref(), Some("arn:aws:iam::1:user/U"));
    }

    #[test]
    fn transitive_vpce_through_scp() {
        let parsed = parse("User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:4:t with an explicit deny in a VPC endpoint policy transitively through a service control policy");
        assert_eq!(parsed.action.as_deref(), Some("SNS:Publish"));
        assert_eq!(parsed.cause, Some(Cause::VpcEndpointPolicy));
        assert!(parsed.via_scp);
    }

    #[test]
    fn bare_and_action_only_forms() {
        assert_eq!(parse_message("Access Denied").1, MessageForm::Bare);
        assert_eq!(
            parse_message("An unknown error occurred").1,
            MessageForm::Bare
        );
        let (parsed, form) =
            parse_message("Not authorized to perform sts:AssumeRoleWithWebIdentity");
        assert_eq!(form, MessageForm::ActionOnly);
        assert_eq!(
            parsed.action.as_deref(),
            Some("sts:AssumeRoleWithWebIdentity")
        );
    }

    #[test]
    fn authorization_failure_codes() {
        for code in [
            "AccessDenied",
            "AccessDeniedException",
            "Client.UnauthorizedOperation",
            "UnauthorizedOperation",
            "VpceAccessDenied",
            "KMSAccessDenied",
            "Lambda.KMSAccessDeniedException",
            "AuthorizationError",
            "Forbidden",
        ] {
            assert!(is_authorization_failure(code, None), "{code}");
        }
        for code in [
            "NoSuchKey",
            "ResourceNotFoundException",
            "KMSInvalidStateException",
            "ThrottlingException",
        ] {
            assert!(!is_authorization_failure(code, None), "{code}");
        }
    }
}
