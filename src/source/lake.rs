//! CloudTrail Lake result rows into records.
//!
//! `GetQueryResults` returns each row as a list of single-key objects,
//! `[{"eventTime": "2024-01-30 07:52:08.000"}, {"arn": "arn:aws:…"}, …]`,
//! every value a string. A column is named after the selected field's last
//! segment (`userIdentity.arn` gives `arn`) unless the query gives an alias.
//! Columns are matched to record fields case-insensitively and ignoring
//! punctuation, by the field name, by any trailing part of its dotted path
//! (`sessionIssuer.arn`, `sessionissuerarn`) or by the whole path. A bare
//! leaf name that several fields share (`arn`, `type`, `accountId`,
//! `userName`, `principalId`) means the `userIdentity` field. Columns that
//! match no field, such as aggregates, are ignored.
//!
//! Struct columns (`userIdentity`, `sessionContext` …) may hold JSON or the
//! `{key=value, …}` text that CloudTrail Lake's Trino engine prints for a
//! row type; both are read.

use serde_json::{Map, Value};

use crate::record::Record;

/// The treatment of a column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A string field.
    Text,
    /// A JSON document, such as `requestParameters`, given as JSON text.
    Json,
    /// A struct whose members are themselves fields.
    Struct,
    /// `resources`, a JSON array of `{ARN, accountId, type}`.
    Resources,
}

/// Record fields by dotted path, in priority order for shared leaf names.
const FIELDS: &[(&[&str], Kind)] = &[
    (&["eventVersion"], Kind::Text),
    (&["eventTime"], Kind::Text),
    (&["eventSource"], Kind::Text),
    (&["eventName"], Kind::Text),
    (&["awsRegion"], Kind::Text),
    (&["sourceIPAddress"], Kind::Text),
    (&["userAgent"], Kind::Text),
    (&["errorCode"], Kind::Text),
    (&["errorMessage"], Kind::Text),
    (&["requestParameters"], Kind::Json),
    (&["responseElements"], Kind::Json),
    (&["additionalEventData"], Kind::Json),
    (&["requestID"], Kind::Text),
    (&["eventID"], Kind::Text),
    (&["eventType"], Kind::Text),
    (&["recipientAccountId"], Kind::Text),
    (&["vpcEndpointId"], Kind::Text),
    (&["resources"], Kind::Resources),
    (&["userIdentity"], Kind::Struct),
    (&["userIdentity", "type"], Kind::Text),
    (&["userIdentity", "principalId"], Kind::Text),
    (&["userIdentity", "arn"], Kind::Text),
    (&["userIdentity", "accountId"], Kind::Text),
    (&["userIdentity", "accessKeyId"], Kind::Text),
    (&["userIdentity", "userName"], Kind::Text),
    (&["userIdentity", "invokedBy"], Kind::Text),
    (&["userIdentity", "identityProvider"], Kind::Text),
    (&["userIdentity", "sessionContext"], Kind::Struct),
    (
        &["userIdentity", "sessionContext", "sessionIssuer"],
        Kind::Struct,
    ),
    (
        &["userIdentity", "sessionContext", "sessionIssuer", "type"],
        Kind::Text,
    ),
    (
        &[
            "userIdentity",
            "sessionContext",
            "sessionIssuer",
            "principalId",
        ],
        Kind::Text,
    ),
    (
        &["userIdentity", "sessionContext", "sessionIssuer", "arn"],
        Kind::Text,
    ),
    (
        &[
            "userIdentity",
            "sessionContext",
            "sessionIssuer",
            "accountId",
        ],
        Kind::Text,
    ),
    (
        &[
            "userIdentity",
            "sessionContext",
            "sessionIssuer",
            "userName",
        ],
        Kind::Text,
    ),
    (
        &["userIdentity", "sessionContext", "webIdFederationData"],
        Kind::Struct,
    ),
    (
        &[
            "userIdentity",
            "sessionContext",
            "webIdFederationData",
            "federatedProvider",
        ],
        Kind::Text,
    ),
];

/// Common aliases that no suffix of a field path spells.
const ALIASES: &[(&str, &[&str])] = &[
    ("userarn", &["userIdentity", "arn"]),
    ("callerarn", &["userIdentity", "arn"]),
    ("sourceip", &["sourceIPAddress"]),
    ("region", &["awsRegion"]),
    (
        "issuerarn",
        &["userIdentity", "sessionContext", "sessionIssuer", "arn"],
    ),
    (
        "sessionissuername",
        &[
            "userIdentity",
            "sessionContext",
            "sessionIssuer",
            "userName",
        ],
    ),
];

/// Decodes one result row.
pub(super) fn decode_row(bytes: &[u8]) -> Result<Record, String> {
    let row: Vec<Map<String, Value>> = serde_json::from_slice(bytes)
        .map_err(|error| format!("invalid CloudTrail Lake result row: {error}"))?;
    let mut record = Map::new();
    for (column, value) in row.into_iter().flatten() {
        place(&mut record, &normalize(alias_of(&column)), value);
    }
    Record::from_value(Value::Object(record))
        .map_err(|error| format!("invalid CloudTrail Lake result row: {error}"))
}

/// Returns the alias of a column named `expression AS alias`.
fn alias_of(column: &str) -> &str {
    let lower = column.to_ascii_lowercase();
    match lower.rfind(" as ") {
        Some(at) => column.get(at + 4..).unwrap_or(column),
        None => column,
    }
}

/// Lowercases and drops everything but letters and digits.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Finds the field a normalized column name means.
fn lookup(name: &str) -> Option<(&'static [&'static str], Kind)> {
    if let Some((_, path)) = ALIASES.iter().find(|(alias, _)| *alias == name) {
        return FIELDS.iter().find(|(field, _)| field == path).copied();
    }
    FIELDS.iter().copied().find(|(path, _)| {
        (0..path.len()).any(|from| {
            let suffix: String = path.iter().skip(from).copied().collect();
            normalize(&suffix) == name
        })
    })
}

/// Puts one column into the record; `name` is normalized.
fn place(record: &mut Map<String, Value>, name: &str, value: Value) {
    let Some((path, kind)) = lookup(name) else {
        return;
    };
    let value = match (kind, value) {
        (_, Value::Null) => return,
        (Kind::Text, Value::String(text)) => Value::String(text),
        (Kind::Text, other) => Value::String(other.to_string()),
        (Kind::Json, value) => parse_document(value),
        (Kind::Resources, value) => match parse_document(value) {
            Value::Array(items) => Value::Array(items.into_iter().map(resource).collect()),
            _ => return,
        },
        (Kind::Struct, value) => {
            if let Value::Object(members) = parse_document(value) {
                for (member, value) in members {
                    place(record, &format!("{name}{}", normalize(&member)), value);
                }
            }
            return;
        }
    };
    set_path(record, path, value);
}

/// Reads a document column: JSON text, Trino's `{key=value}` text, or a
/// value that is already JSON.
fn parse_document(value: Value) -> Value {
    let Value::String(text) = value else {
        return value;
    };
    if let Ok(parsed) = serde_json::from_str::<Value>(&text) {
        return parsed;
    }
    parse_trino_row(&text).map_or(Value::String(text), Value::Object)
}

/// Renames the members of one `resources` entry to the record's spelling.
fn resource(entry: Value) -> Value {
    let Value::Object(members) = entry else {
        return entry;
    };
    let renamed = members.into_iter().map(|(key, value)| {
        let key = match normalize(&key).as_str() {
            "arn" => "ARN".to_owned(),
            "accountid" => "accountId".to_owned(),
            "type" => "type".to_owned(),
            _ => key,
        };
        (key, value)
    });
    Value::Object(renamed.collect())
}

fn set_path(record: &mut Map<String, Value>, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = record;
    for parent in parents {
        let slot = node
            .entry((*parent).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(next) = slot else {
            return;
        };
        node = next;
    }
    node.insert((*last).to_owned(), value);
}

/// Parses Trino's text form of a row, `{a=1, b={c=x}, d=null}`, into an
/// object of strings. A value ends at the next `,` or `}`, so a value that
/// contains either is cut there. Identity fields (ARNs, ids, names, dates)
/// contain neither.
fn parse_trino_row(text: &str) -> Option<Map<String, Value>> {
    let mut rest = text.trim();
    let map = parse_trino_map(&mut rest)?;
    rest.trim().is_empty().then_some(map)
}

fn parse_trino_map(rest: &mut &str) -> Option<Map<String, Value>> {
    *rest = rest.strip_prefix('{')?;
    let mut map = Map::new();
    if let Some(after) = rest.strip_prefix('}') {
        *rest = after;
        return Some(map);
    }
    loop {
        let (key, after) = rest.split_once('=')?;
        if key.contains([',', '{', '}']) {
            return None;
        }
        *rest = after;
        let value = if rest.starts_with('{') {
            Value::Object(parse_trino_map(rest)?)
        } else {
            let end = rest.find([',', '}']).unwrap_or(rest.len());
            let (text, after) = rest.split_at(end);
            *rest = after;
            match text {
                "null" => Value::Null,
                _ => Value::String(text.to_owned()),
            }
        };
        map.insert(key.trim().to_owned(), value);
        if let Some(after) = rest.strip_prefix(", ").or_else(|| rest.strip_prefix(',')) {
            *rest = after;
        } else {
            *rest = rest.strip_prefix('}')?;
            return Some(map);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_map_by_name_suffix_and_alias() {
        let row = br#"[{"eventTime":"2021-09-09 14:01:22.000"},{"EVENTNAME":"ListFunctions"},
            {"arn":"arn:aws:sts::1:assumed-role/r/s"},{"principalid":"AROA:s"},{"type":"AssumedRole"},
            {"sessionissuerarn":"arn:aws:iam::1:role/r"},{"errorCode":null},
            {"requestParameters":"{\"roleArn\":\"arn:aws:iam::1:role/x\"}"},{"apiCount":"3"}]"#;
        let record = decode_row(row).unwrap();
        assert_eq!(
            record.event_time.unwrap().to_rfc3339(),
            "2021-09-09T14:01:22+00:00"
        );
        assert_eq!(record.name(), "ListFunctions");
        let identity = &record.user_identity;
        assert_eq!(
            identity.arn.as_deref(),
            Some("arn:aws:sts::1:assumed-role/r/s")
        );
        assert_eq!(identity.principal_id.as_deref(), Some("AROA:s"));
        assert_eq!(identity.identity_type.as_deref(), Some("AssumedRole"));
        let issuer = &identity.session_context.session_issuer;
        assert_eq!(issuer.arn.as_deref(), Some("arn:aws:iam::1:role/r"));
        assert_eq!(record.error_code, None);
        assert_eq!(record.request_str("roleArn"), Some("arn:aws:iam::1:role/x"));
    }

    #[test]
    fn dotted_and_aliased_columns() {
        let row = br#"[{"userIdentity.sessionContext.sessionIssuer.arn":"arn:aws:iam::1:role/a"},
            {"user_identity.arn":"arn:aws:sts::1:assumed-role/a/s"},
            {"userIdentity.sessionContext.sessionIssuer.arn AS role":"arn:aws:iam::1:role/a"},
            {"awsregion":"eu-west-1"}]"#;
        let record = decode_row(row).unwrap();
        let issuer = &record.user_identity.session_context.session_issuer;
        assert_eq!(issuer.arn.as_deref(), Some("arn:aws:iam::1:role/a"));
        assert_eq!(
            record.user_identity.arn.as_deref(),
            Some("arn:aws:sts::1:assumed-role/a/s")
        );
        assert_eq!(record.region(), "eu-west-1");
    }

    #[test]
    fn struct_column_in_trino_text() {
        let row = br#"[{"userIdentity":"{type=AssumedRole, principalid=AROA:gh, arn=arn:aws:sts::1:assumed-role/deploy/gh, accountid=1, sessioncontext={attributes={creationdate=2024-01-01 00:00:00.000, mfaauthenticated=false}, sessionissuer={type=Role, principalid=AROA, arn=arn:aws:iam::1:role/deploy, accountid=1, username=deploy}, webidfederationdata=null}, invokedby=null}"}]"#;
        let record = decode_row(row).unwrap();
        let identity = &record.user_identity;
        assert_eq!(identity.identity_type.as_deref(), Some("AssumedRole"));
        assert_eq!(identity.account_id.as_deref(), Some("1"));
        assert_eq!(identity.invoked_by, None);
        let issuer = &identity.session_context.session_issuer;
        assert_eq!(issuer.arn.as_deref(), Some("arn:aws:iam::1:role/deploy"));
        assert_eq!(issuer.user_name.as_deref(), Some("deploy"));
    }

    #[test]
    fn struct_column_in_json() {
        let row = br#"[{"userIdentity":"{\"type\":\"Root\",\"sessionContext\":{\"sessionIssuer\":{\"arn\":\"arn:aws:iam::1:role/z\"}}}"}]"#;
        let record = decode_row(row).unwrap();
        assert_eq!(record.user_identity.identity_type.as_deref(), Some("Root"));
        let issuer = &record.user_identity.session_context.session_issuer;
        assert_eq!(issuer.arn.as_deref(), Some("arn:aws:iam::1:role/z"));
    }

    #[test]
    fn row_that_is_not_columns_is_an_error() {
        let error = decode_row(br#"[1, 2]"#).unwrap_err();
        assert!(
            error.starts_with("invalid CloudTrail Lake result row: invalid type"),
            "{error}"
        );
    }
}
