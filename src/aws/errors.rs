//! Translation of AWS SDK errors into one-line messages that say what failed
//! and what to do about it.
//!
//! The SDK's own `Display` is often just `service error` or `dispatch
//! failure`; the cause is further down the source chain. Each error here
//! carries a message built from the service's error code and text, and the
//! whole SDK chain (rendered with [`DisplayErrorContext`]) is logged at
//! debug level, so `--verbose` shows it without flooding normal output.

use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// The kind of failure of an [`AwsError`], from which callers decide
/// whether to go on with other regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorKind {
    /// The caller lacks the IAM permission for the tool's own call.
    AccessDenied,
    /// The session token expired.
    ExpiredCredentials,
    /// AWS rejected the credentials (unknown key, bad signature, or a region
    /// that is not enabled for the account).
    InvalidCredentials,
    /// No credentials could be loaded from the standard chain.
    NoCredentials,
    /// Still throttled after the retries.
    Throttled,
    /// A request timed out, also after the retries.
    Timeout,
    /// The endpoint could not be reached or closed the connection.
    Connection,
    /// The service returned an HTTP 5xx status, also after the retries.
    ServerError,
    /// The requested entity (such as a role) does not exist.
    NotFound,
    /// The service's response could not be used (such as a policy document
    /// that is not JSON).
    InvalidResponse,
    /// Anything else.
    Other,
}

/// A failed AWS call, with a message that names the call, the region and
/// what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    kind: AwsErrorKind,
    action: &'static str,
    region: Option<String>,
    message: String,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AwsError {}

impl AwsError {
    /// Returns the kind of failure.
    pub fn kind(&self) -> AwsErrorKind {
        self.kind
    }

    /// Returns the IAM action of the failed call, such as
    /// `cloudtrail:LookupEvents`.
    pub fn action(&self) -> &'static str {
        self.action
    }

    /// Returns the region the call went to, when it had one.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// Returns true when the failure concerns the credentials themselves, so
    /// calls in other regions would fail the same way.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self.kind,
            AwsErrorKind::ExpiredCredentials | AwsErrorKind::NoCredentials
        )
    }

    /// Returns true when the call may succeed if repeated later.
    pub fn is_throttling(&self) -> bool {
        self.kind == AwsErrorKind::Throttled
    }

    /// Creates an error for a service response the tool cannot use.
    pub(crate) fn invalid_response(action: &'static str, message: String) -> AwsError {
        AwsError {
            kind: AwsErrorKind::InvalidResponse,
            action,
            region: None,
            message,
        }
    }

    /// Creates an error for an entity that does not exist.
    pub(crate) fn not_found(action: &'static str, message: String) -> AwsError {
        AwsError {
            kind: AwsErrorKind::NotFound,
            action,
            region: None,
            message,
        }
    }
}

/// Error codes AWS uses for throttling, as the SDK's retry classifier lists
/// them.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
];

/// Error codes of rejected credentials.
const INVALID_CREDENTIAL_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "AuthFailure",
];

/// Translates an SDK error of the call `action` made in `region`.
pub(crate) fn translate<E>(
    error: &SdkError<E, HttpResponse>,
    action: &'static str,
    region: Option<&str>,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    tracing::debug!(action, region, err = %DisplayErrorContext(error), "AWS call failed");
    let kind = classify(error);
    let message = describe(kind, error, action, region);
    AwsError {
        kind,
        action,
        region: region.map(str::to_owned),
        message,
    }
}

fn classify<E>(error: &SdkError<E, HttpResponse>) -> AwsErrorKind
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = error
        .raw_response()
        .map(|response| response.status().as_u16());
    match error {
        SdkError::TimeoutError(_) => return AwsErrorKind::Timeout,
        SdkError::DispatchFailure(failure) => {
            if failure.is_timeout() {
                return AwsErrorKind::Timeout;
            }
            if failure.is_io() {
                return AwsErrorKind::Connection;
            }
            if failure.is_user() || mentions_credentials(error) {
                return AwsErrorKind::NoCredentials;
            }
            return AwsErrorKind::Connection;
        }
        SdkError::ConstructionFailure(_) if mentions_credentials(error) => {
            return AwsErrorKind::NoCredentials;
        }
        _ => {}
    }
    let code = error.code().unwrap_or("");
    if code.starts_with("ExpiredToken") || code == "RequestExpired" {
        AwsErrorKind::ExpiredCredentials
    } else if code.contains("AccessDenied") || code == "UnauthorizedOperation" {
        AwsErrorKind::AccessDenied
    } else if INVALID_CREDENTIAL_CODES.contains(&code) {
        AwsErrorKind::InvalidCredentials
    } else if THROTTLING_CODES.contains(&code) || status == Some(429) {
        AwsErrorKind::Throttled
    } else if code == "NoSuchEntity" || code.ends_with("NotFoundException") {
        AwsErrorKind::NotFound
    } else if status.is_some_and(|status| status >= 500) {
        AwsErrorKind::ServerError
    } else {
        AwsErrorKind::Other
    }
}

/// Returns true when some error in the chain is about credentials: the SDK
/// reports a missing or unloadable identity as a dispatch or construction
/// failure whose cause names the credentials provider.
fn mentions_credentials(error: &dyn std::error::Error) -> bool {
    let mut current: Option<&dyn std::error::Error> = Some(error);
    while let Some(error) = current {
        let text = error.to_string().to_ascii_lowercase();
        if text.contains("credential") || text.contains("sso token") || text.contains("identity") {
            return true;
        }
        current = error.source();
    }
    false
}

fn describe<E>(
    kind: AwsErrorKind,
    error: &SdkError<E, HttpResponse>,
    action: &'static str,
    region: Option<&str>,
) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let place = region
        .map(|region| format!(" in `{region}`"))
        .unwrap_or_default();
    let service_text = service_text(error);
    match kind {
        AwsErrorKind::AccessDenied => format!(
            "`{action}` was denied{place}{service_text}; grant `{action}` to the credentials \
             in use (`trailgrant self-policy` prints every permission the tool needs)"
        ),
        AwsErrorKind::ExpiredCredentials => format!(
            "the AWS credentials expired during `{action}`{place}; refresh them (for an SSO \
             profile run `aws sso login`) and run again"
        ),
        AwsErrorKind::InvalidCredentials => format!(
            "AWS rejected the credentials for `{action}`{place}{service_text}; check the \
             profile or access keys, and that the region is enabled for the account"
        ),
        AwsErrorKind::NoCredentials => format!(
            "no usable AWS credentials for `{action}`: {}; set `--profile`, `AWS_PROFILE` or \
             the `AWS_ACCESS_KEY_ID` variables, or run `aws sso login` for an SSO profile",
            chain(error)
        ),
        AwsErrorKind::Throttled => format!(
            "`{action}` was still throttled{place} after the retries{service_text}; run again \
             later or narrow the search (fewer regions, a shorter `--since`)"
        ),
        AwsErrorKind::Timeout => format!(
            "`{action}` timed out{place} after the retries; check the network or endpoint \
             and run again"
        ),
        AwsErrorKind::Connection => {
            format!(
                "`{action}` could not reach the endpoint{place}: {}",
                chain(error)
            )
        }
        AwsErrorKind::ServerError => format!(
            "`{action}` failed{place} with a server error after the retries{service_text}; \
             run again later"
        ),
        AwsErrorKind::NotFound | AwsErrorKind::InvalidResponse | AwsErrorKind::Other => {
            format!("`{action}` failed{place}{service_text}")
        }
    }
}

/// Returns `: CODE: message (HTTP status)` from the service's answer, or the
/// error chain when there is no answer.
fn service_text<E>(error: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = error
        .raw_response()
        .map(|response| response.status().as_u16());
    match (error.code(), error.message(), status) {
        (Some(code), Some(message), _) => {
            format!(": {code}: {}", one_line(message).trim_end_matches('.'))
        }
        (Some(code), None, _) => format!(": {code}"),
        (None, _, Some(status)) => format!(": HTTP {status}"),
        (None, _, None) => format!(": {}", chain(error)),
    }
}

/// Joins an error and its sources with `: `, skipping the SDK's generic
/// wrappers that say nothing on their own.
fn chain(error: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut current: Option<&dyn std::error::Error> = Some(error);
    while let Some(error) = current {
        let text = one_line(&error.to_string());
        if !matches!(
            text.as_str(),
            "dispatch failure" | "service error" | "other"
        ) {
            parts.push(text);
        }
        current = error.source();
    }
    parts.dedup();
    parts.join(": ")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn service_error(
        status: u16,
        code: &str,
        message: &str,
    ) -> SdkError<ErrorMetadata, HttpResponse> {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        let response =
            HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from("{}"));
        SdkError::service_error(meta, response)
    }

    #[test]
    fn access_denied_names_the_permission() {
        let error = service_error(
            400,
            "AccessDeniedException",
            "User: arn:aws:sts::111122223333:assumed-role/ci/x is not authorized to perform: \
             cloudtrail:LookupEvents",
        );
        let translated = translate(&error, "cloudtrail:LookupEvents", Some("us-west-2"));
        assert_eq!(translated.kind(), AwsErrorKind::AccessDenied);
        assert_eq!(
            translated.to_string(),
            "`cloudtrail:LookupEvents` was denied in `us-west-2`: AccessDeniedException: User: \
             arn:aws:sts::111122223333:assumed-role/ci/x is not authorized to perform: \
             cloudtrail:LookupEvents; grant `cloudtrail:LookupEvents` to the credentials in use \
             (`trailgrant self-policy` prints every permission the tool needs)"
        );
        assert!(!translated.is_fatal());
    }

    #[test]
    fn expired_token_is_fatal() {
        let error = service_error(400, "ExpiredTokenException", "The security token expired");
        let translated = translate(&error, "iam:GetRole", None);
        assert_eq!(translated.kind(), AwsErrorKind::ExpiredCredentials);
        assert!(translated.is_fatal());
        assert!(translated.to_string().contains("aws sso login"));
    }

    #[test]
    fn codes_and_statuses_classify() {
        let cases = [
            (400, "ThrottlingException", AwsErrorKind::Throttled),
            (
                400,
                "UnrecognizedClientException",
                AwsErrorKind::InvalidCredentials,
            ),
            (404, "NoSuchEntity", AwsErrorKind::NotFound),
            (503, "ServiceUnavailable", AwsErrorKind::ServerError),
            (400, "InvalidNextTokenException", AwsErrorKind::Other),
            (403, "AccessDenied", AwsErrorKind::AccessDenied),
        ];
        for (status, code, kind) in cases {
            let error = service_error(status, code, "text");
            assert_eq!(translate(&error, "x:Y", None).kind(), kind, "{code}");
        }
    }

    #[test]
    fn timeouts_classify() {
        let error: SdkError<ErrorMetadata, HttpResponse> =
            SdkError::timeout_error("attempt timed out");
        assert_eq!(
            translate(&error, "x:Y", Some("eu-west-1")).kind(),
            AwsErrorKind::Timeout
        );
    }
}
