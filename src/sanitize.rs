//! Neutralizes text from events before it reaches a terminal or Markdown,
//! and keeps secrets that events carry out of logs and debug output.
//!
//! Event fields are set by callers (S3 keys, session names, user agents), so
//! they may carry ANSI escape sequences, carriage returns or bidirectional
//! overrides that rewrite what a terminal shows. Text and Markdown output
//! pass every event-derived string through [`terminal_safe`]; JSON output
//! stays exact because its escaping already makes it inert.
//!
//! CloudTrail records session tokens in the `responseElements.credentials`
//! of `AssumeRole*` and `GetSessionToken` events, and some services return
//! presigned URLs (ECR layer downloads, Lambda code locations). [`redact`]
//! replaces those before a record is shown in `Debug` output or a log.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

/// Returns `text` with control characters, DEL, C1 controls and
/// bidirectional formatting characters replaced by `\u{…}` escapes.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if is_unsafe(ch) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(ch)));
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(ch: char) -> bool {
    ch.is_control()
        || matches!(ch, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Escapes text for a Markdown table cell or inline text: neutralizes
/// control characters and the characters Markdown would interpret,
/// including GitHub's `$` math delimiters, `~` strikethrough and `&`
/// entity references.
pub fn markdown_safe(text: &str) -> String {
    let safe = terminal_safe(text);
    let mut out = String::with_capacity(safe.len());
    for ch in safe.chars() {
        match ch {
            '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '\\' | '$' | '~' | '&' => {
                out.push('\\');
                out.push(ch);
            }
            other => out.push(other),
        }
    }
    out
}

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// Keys (compared without case, `-` and `_`) whose values are secrets.
const SECRET_KEYS: &[&str] = &[
    "credentials",
    "sessiontoken",
    "securitytoken",
    "secretaccesskey",
    "secretkey",
    "password",
    "webidentitytoken",
    "samlassertion",
    "authorization",
    "xamzsecuritytoken",
    "clientsecret",
    "privatekey",
    "secretstring",
    "secretbinary",
];

/// Query parameters that make a URL a signed one.
const SIGNED_URL_MARKERS: &[&str] = &[
    "x-amz-signature=",
    "x-amz-security-token=",
    "x-amz-credential=",
    "signature=",
];

/// Returns `value` with secrets replaced by [`REDACTED`]: the values of
/// credential, token and password keys at any depth, and the query of
/// signed URLs.
pub fn redact(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| {
                    let item = if is_secret_key(key) && !item.is_null() {
                        Value::String(REDACTED.to_owned())
                    } else {
                        redact(item)
                    };
                    (key.clone(), item)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        Value::String(text) => match redact_signed_url(text) {
            Cow::Borrowed(_) => value.clone(),
            Cow::Owned(text) => Value::String(text),
        },
        other => other.clone(),
    }
}

fn is_secret_key(key: &str) -> bool {
    let squashed: String = key
        .chars()
        .filter(|ch| !matches!(ch, '-' | '_'))
        .map(|ch| ch.to_ascii_lowercase())
        .collect();
    SECRET_KEYS.contains(&squashed.as_str())
}

/// Returns `text` with the query of a signed URL replaced, so the
/// signature and any session token in it are gone.
pub fn redact_signed_url(text: &str) -> Cow<'_, str> {
    let Some((base, query)) = text.split_once('?') else {
        return Cow::Borrowed(text);
    };
    let lower = query.to_ascii_lowercase();
    if SIGNED_URL_MARKERS
        .iter()
        .any(|marker| lower.contains(marker))
    {
        Cow::Owned(format!("{base}?{REDACTED}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Shows an optional JSON value in `Debug` output with its secrets
/// redacted.
pub struct RedactedValue<'a>(pub &'a Option<Value>);

impl fmt::Debug for RedactedValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(value) => write!(f, "Some({})", redact(value)),
            None => f.write_str("None"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_neutralized() {
        assert_eq!(terminal_safe("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(terminal_safe("line\rover"), "line\\u{d}over");
        assert_eq!(terminal_safe("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(terminal_safe("plain/key.txt"), "plain/key.txt");
    }

    #[test]
    fn credentials_and_signed_urls_are_redacted() {
        let value = serde_json::json!({
            "credentials": {"accessKeyId": "ASIAEXAMPLE", "sessionToken": "IQoJb3JpZ2lu"},
            "assumedRoleUser": {"arn": "arn:aws:sts::1:assumed-role/r/s"},
            "Session_Token": "FwoGZXIvYXdz",
            "layers": [{"downloadUrl": "https://bucket.s3.amazonaws.com/l?X-Amz-Security-Token=FQoD&X-Amz-Signature=abc"}],
            "queueUrl": "https://sqs.us-east-1.amazonaws.com/1/q?Action=SendMessage",
        });
        let redacted = redact(&value).to_string();
        for secret in ["ASIAEXAMPLE", "IQoJb3JpZ2lu", "FwoGZXIvYXdz", "FQoD", "abc"] {
            assert!(!redacted.contains(secret), "{secret} in {redacted}");
        }
        assert!(redacted.contains("arn:aws:sts::1:assumed-role/r/s"));
        assert!(redacted.contains("https://sqs.us-east-1.amazonaws.com/1/q?Action=SendMessage"));
        assert!(redacted.contains("https://bucket.s3.amazonaws.com/l?<redacted>"));
    }

    #[test]
    fn markdown_specials_are_escaped() {
        assert_eq!(markdown_safe("a|b`c"), "a\\|b\\`c");
        assert_eq!(markdown_safe("${$}x&amp;~y"), "\\${\\$}x\\&amp;\\~y");
    }
}
