//! Tells what one JSON value in a record position is (a CloudTrail record,
//! an EventBridge event, a LookupEvents entry, a CloudTrail Lake result row,
//! a container of records, or none of these) and decodes it into a
//! [`Record`].
//!
//! Classification reads only the value's top-level keys, on raw bytes and
//! without allocating, and stops at the first key that decides the shape, so
//! it costs little next to the parse it precedes.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::lake;
use super::stream::{advance_nested, advance_string, ValueState};
use crate::record::{parse_time, Record};

/// The kind of a value in a record position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Shape {
    /// A CloudTrail record.
    Record,
    /// An EventBridge event whose `detail` is the record.
    Envelope,
    /// A LookupEvents entry whose `CloudTrailEvent` contains the record.
    Lookup,
    /// A CloudTrail Lake result row: a list of `{column: value}` objects.
    LakeRow,
    /// An object with records under `Records`, `Events` or
    /// `QueryResultRows`.
    Container,
    /// Something else, described for the message.
    NotRecord(String),
}

/// Keys that only a CloudTrail record has at its top level. CloudTrail
/// Insights events lack `eventName` and `eventSource` but carry
/// `eventVersion`, `eventTime`, `eventType` and `insightDetails`.
const RECORD_KEYS: &[&[u8]] = &[
    b"eventVersion",
    b"eventTime",
    b"eventSource",
    b"eventName",
    b"eventID",
    b"eventType",
    b"eventCategory",
    b"userIdentity",
    b"awsRegion",
    b"errorCode",
    b"errorMessage",
    b"requestParameters",
    b"responseElements",
    b"sourceIPAddress",
    b"requestID",
    b"recipientAccountId",
    b"insightDetails",
];

/// The keys under which a container lists its records, as CloudTrail's S3
/// delivery files, the LookupEvents response and CloudTrail Lake's
/// GetQueryResults response name them.
pub(super) const CONTAINER_KEYS: &[&[u8]] = &[b"Records", b"Events", b"QueryResultRows"];

/// How many unknown keys a "not a record" message lists.
const KEYS_SHOWN: usize = 4;

/// Returns the shape of `bytes`, which contain one JSON value. Malformed input
/// is classified as a record so that the parser reports what is wrong.
pub(super) fn classify(bytes: &[u8]) -> Shape {
    let value = trim(bytes);
    match value.first() {
        Some(b'{') => classify_object(value),
        Some(b'[') => Shape::LakeRow,
        Some(b'"') => Shape::NotRecord("a JSON string".to_owned()),
        Some(b'n') if value == b"null" => Shape::NotRecord("`null`".to_owned()),
        Some(b't' | b'f') if value == b"true" || value == b"false" => {
            Shape::NotRecord("a JSON boolean".to_owned())
        }
        Some(b'-' | b'0'..=b'9') => Shape::NotRecord("a JSON number".to_owned()),
        _ => Shape::Record,
    }
}

fn classify_object(object: &[u8]) -> Shape {
    let mut unknown: Vec<&[u8]> = Vec::new();
    let keys = TopLevelKeys {
        bytes: object,
        at: 1,
    };
    for key in keys {
        let Some(key) = key else {
            return Shape::Record;
        };
        if RECORD_KEYS.contains(&key) {
            return Shape::Record;
        }
        if key == b"detail" || key == b"detail-type" {
            return Shape::Envelope;
        }
        if key == b"CloudTrailEvent" {
            return Shape::Lookup;
        }
        if CONTAINER_KEYS.contains(&key) {
            return Shape::Container;
        }
        if unknown.len() <= KEYS_SHOWN {
            unknown.push(key);
        }
    }
    Shape::NotRecord(describe_keys(&unknown))
}

/// Describes an object by its first keys, escaped so that input cannot
/// inject control characters into a message.
fn describe_keys(keys: &[&[u8]]) -> String {
    if keys.is_empty() {
        return "an empty JSON object".to_owned();
    }
    let mut shown: Vec<String> = keys
        .iter()
        .take(KEYS_SHOWN)
        .map(|key| {
            let text: String = String::from_utf8_lossy(key).chars().take(40).collect();
            format!("`{}`", text.escape_debug())
        })
        .collect();
    if keys.len() > KEYS_SHOWN {
        shown.push("…".to_owned());
    }
    format!("a JSON object with keys {}", shown.join(", "))
}

/// Iterates the keys of a JSON object's top level. Yields `Some(None)` when
/// the bytes are not a well-formed object.
struct TopLevelKeys<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Iterator for TopLevelKeys<'a> {
    type Item = Option<&'a [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        self.skip_ws_and(b',');
        match self.bytes.get(self.at)? {
            b'}' => return None,
            b'"' => {}
            _ => return Some(None),
        }
        let Some(key_end) = string_end(self.bytes, self.at) else {
            return Some(None);
        };
        let key = self.bytes.get(self.at + 1..key_end - 1)?;
        self.at = key_end;
        if !self.skip_ws_and(b':') {
            return Some(None);
        }
        let Some(value_end) = value_end(self.bytes, self.at) else {
            return Some(None);
        };
        self.at = value_end;
        Some(Some(key))
    }
}

impl TopLevelKeys<'_> {
    /// Skips whitespace and at most one `separator`; returns whether the
    /// separator was there.
    fn skip_ws_and(&mut self, separator: u8) -> bool {
        let mut seen = false;
        while let Some(&byte) = self.bytes.get(self.at) {
            if byte == separator && !seen {
                seen = true;
            } else if !matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.at += 1;
        }
        seen
    }
}

/// Returns the index just past the string whose opening quote is at `quote`.
fn string_end(bytes: &[u8], quote: usize) -> Option<usize> {
    let rest = bytes.get(quote + 1..)?;
    let (used, closed) = advance_string(&mut ValueState::in_string(), rest);
    closed.then_some(quote + 1 + used)
}

/// Returns the index just past the value that starts at `at`.
fn value_end(bytes: &[u8], at: usize) -> Option<usize> {
    let rest = bytes.get(at..)?;
    match rest.first()? {
        b'{' | b'[' => {
            let (used, done) = advance_nested(&mut ValueState::default(), rest);
            done.then_some(at + used)
        }
        b'"' => string_end(bytes, at),
        _ => {
            let delimiter = |b: &u8| matches!(b, b',' | b'}' | b' ' | b'\n' | b'\r' | b'\t');
            Some(at + rest.iter().position(delimiter).unwrap_or(rest.len()))
        }
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let is_space = |b: &u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |end| end + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// Decodes a value already classified as `shape` into a record; the error
/// is a one-line message.
pub(super) fn decode(shape: &Shape, bytes: &[u8]) -> Result<Record, String> {
    match shape {
        Shape::Envelope => decode_envelope(bytes),
        Shape::Lookup => decode_lookup(bytes),
        Shape::LakeRow => lake::decode_row(bytes),
        _ => decode_record(bytes),
    }
}

/// Parses a CloudTrail record.
pub(super) fn decode_record(bytes: &[u8]) -> Result<Record, String> {
    Record::from_slice(bytes).map_err(|error| format!("invalid record: {error}"))
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    detail: Option<&'a RawValue>,
}

fn decode_envelope(bytes: &[u8]) -> Result<Record, String> {
    let envelope: Envelope<'_> = serde_json::from_slice(bytes)
        .map_err(|error| format!("invalid EventBridge event: {error}"))?;
    let detail = envelope
        .detail
        .ok_or_else(|| "EventBridge event without `detail`".to_owned())?;
    decode_embedded(detail, "`detail`")
}

#[derive(Deserialize)]
struct LookupEvent<'a> {
    #[serde(rename = "CloudTrailEvent", borrow)]
    event: Option<&'a RawValue>,
    #[serde(rename = "EventTime")]
    time: Option<Value>,
}

/// Decodes a LookupEvents entry. The API returns `EventTime` as epoch
/// seconds and the AWS CLI prints it as ISO 8601; either fills in the time
/// when the embedded record lacks one.
fn decode_lookup(bytes: &[u8]) -> Result<Record, String> {
    let entry: LookupEvent<'_> = serde_json::from_slice(bytes)
        .map_err(|error| format!("invalid LookupEvents entry: {error}"))?;
    let event = entry
        .event
        .ok_or_else(|| "LookupEvents entry without `CloudTrailEvent`".to_owned())?;
    let mut record = decode_embedded(event, "`CloudTrailEvent`")?;
    if record.event_time.is_none() {
        record.event_time = match entry.time {
            Some(Value::String(text)) => parse_time(&text),
            Some(Value::Number(number)) => parse_time(&number.to_string()),
            _ => None,
        };
    }
    Ok(record)
}

/// Parses a record that is embedded either as an object or as a JSON
/// string holding the object's text.
fn decode_embedded(raw: &RawValue, field: &str) -> Result<Record, String> {
    let text = raw.get();
    if text.starts_with('"') {
        let inner: Cow<'_, str> = serde_json::from_str(text)
            .map_err(|error| format!("invalid {field} string: {error}"))?;
        return Record::from_slice(inner.as_bytes())
            .map_err(|error| format!("invalid record in {field}: {error}"));
    }
    if !text.starts_with('{') {
        return Err(format!("{field} is not a record object"));
    }
    Record::from_slice(text.as_bytes())
        .map_err(|error| format!("invalid record in {field}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_reads_deciding_keys() {
        let cases: &[(&[u8], Shape)] = &[
            (br#"{"eventVersion":"1.08"}"#, Shape::Record),
            (
                br#"{"@version":"1","@timestamp":"x","eventName":"A"}"#,
                Shape::Record,
            ),
            (
                br#"{"eventVersion":"1.08","insightDetails":{}}"#,
                Shape::Record,
            ),
            (
                br#"{"version":"0","source":"aws.s3","detail":{}}"#,
                Shape::Envelope,
            ),
            (
                br#"{"EventId":"1","EventTime":1.7e9,"CloudTrailEvent":"{}"}"#,
                Shape::Lookup,
            ),
            (br#"{"NextToken":"a","Events":[]}"#, Shape::Container),
            (br#"[{"eventName":"A"}]"#, Shape::LakeRow),
            (b"null", Shape::NotRecord("`null`".to_owned())),
            (b" 12 ", Shape::NotRecord("a JSON number".to_owned())),
            (
                br#"{"a":{"eventName":"x"},"b":[1,"]"],"c":"\"d"}"#,
                Shape::NotRecord("a JSON object with keys `a`, `b`, `c`".to_owned()),
            ),
            (b"{}", Shape::NotRecord("an empty JSON object".to_owned())),
            (br#"{"a" 1}"#, Shape::Record),
            (b"{\"a\":", Shape::Record),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                &classify(bytes),
                expected,
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn lookup_entry_falls_back_to_outer_time() {
        let entry = br#"{"EventTime":1706601128,"CloudTrailEvent":"{\"eventName\":\"X\"}"}"#;
        let record = decode(&Shape::Lookup, entry).unwrap();
        assert_eq!(record.name(), "X");
        assert_eq!(
            record.event_time.unwrap().to_rfc3339(),
            "2024-01-30T07:52:08+00:00"
        );
    }

    #[test]
    fn envelope_detail_may_be_a_string() {
        let envelope = br#"{"detail-type":"x","detail":"{\"eventName\":\"Y\"}"}"#;
        assert_eq!(decode(&Shape::Envelope, envelope).unwrap().name(), "Y");
        let missing = decode(&Shape::Envelope, br#"{"detail-type":"x"}"#).unwrap_err();
        assert_eq!(missing, "EventBridge event without `detail`");
    }

    #[test]
    fn unknown_keys_are_escaped() {
        let shape = classify(b"{\"a\\u001b[31m\":1,\"\x1b\":2}");
        assert_eq!(
            shape,
            Shape::NotRecord(r#"a JSON object with keys `a\\u001b[31m`, `\u{1b}`"#.to_owned())
        );
    }
}
