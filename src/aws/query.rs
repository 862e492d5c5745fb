//! Request builders of the organization-scale sources: the S3 key prefixes
//! of a trail bucket for a time window, and the SQL that Athena and
//! CloudTrail Lake run so that only the role's relevant events come back.
//!
//! Nothing here calls AWS, so every string the sources send can be unit
//! tested and snapshotted; [`super::s3`], [`super::athena`] and
//! [`super::lake`] send them.
//!
//! # What the queries return
//!
//! The pipeline needs more than the denials: `records_of_role` counts every
//! record of the role in the window, and a denial already allowed by the
//! current policy mentions a later success of the same call. One scan
//! returns all of that. Inside the role's events in the window, window
//! functions count the events and find, for each `(eventSource, eventName,
//! requestParameters)`, the time of its first denial. The outer query keeps
//! the denials, the successes that came after a denial of the same call, and
//! one arbitrary event so that the count arrives even when nothing was
//! denied. Every row carries the count in [`ROLE_RECORDS_COLUMN`]. Calls of
//! the deploy flows that anticipation recognises ([`Scope::flow_calls`])
//! are kept whatever their outcome, because it reads them all.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::record::RoleSelector;

/// The column of every result row that contains the number of the role's
/// events in the window, before the query kept only the relevant ones.
pub const ROLE_RECORDS_COLUMN: &str = "role_records";

/// The time CloudTrail may take to deliver the file that contains an event.
/// Files are filed under the day they were delivered ("CloudTrail log file
/// examples": a file "can contain records written at any point before"
/// its delivery time), and delivery normally takes about 5 minutes, rarely
/// up to 15; an hour leaves room for late files.
pub const DELIVERY_LAG: Duration = Duration::hours(1);

/// Substrings of a lower-cased `errorCode` that mark an authorization
/// failure. They mirror [`crate::denial::is_authorization_failure`], which a
/// unit test checks.
const DENIAL_CODE_PATTERN: &str =
    "accessdenied|access_denied|access denied|unauthori[sz]ed|authorizationerror|forbidden";

/// The `errorMessage` text that marks an authorization failure whatever the
/// code.
const DENIAL_MESSAGE_TEXT: &str = "is not authorized to perform:";

/// The events a query or listing covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The role.
    pub role: RoleSelector,
    /// The earliest `eventTime` (inclusive).
    pub start: DateTime<Utc>,
    /// The latest `eventTime` (inclusive).
    pub end: DateTime<Utc>,
    /// The accounts whose events to read (the trail's `AWSLogs/ACCOUNT`
    /// folders, `recipientAccountId`); empty means every account.
    pub accounts: Vec<String>,
    /// The regions whose events to read; empty means every region.
    pub regions: Vec<String>,
    /// Calls, as `(eventSource, eventName)` without an API-version suffix,
    /// whose every record the pipeline reads, denied or not: the steps of
    /// the deploy flows that anticipation recognises.
    pub flow_calls: Vec<(String, String)>,
}

impl Scope {
    /// Returns the days whose trail folders can hold events of the window,
    /// as `YYYY/MM/DD`: from the day of `start` to the day of `end` plus
    /// [`DELIVERY_LAG`].
    pub fn delivery_days(&self) -> Vec<String> {
        let first = self.start.date_naive();
        let last = (self.end + DELIVERY_LAG).date_naive();
        first
            .iter_days()
            .take_while(|day| *day <= last)
            .map(|day: NaiveDate| day.format("%Y/%m/%d").to_string())
            .collect()
    }
}

/// The place a trail delivers its files to: `s3://BUCKET/PREFIX/AWSLogs/[ORG/]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailLocation {
    /// The bucket.
    pub bucket: String,
    /// The trail's key prefix without slashes at either end; empty when the
    /// trail has none.
    pub prefix: String,
    /// The organization id (`o-…`) of an organization trail.
    pub org_id: Option<String>,
}

impl TrailLocation {
    /// Parses `s3://BUCKET[/PREFIX][/AWSLogs[/o-ORG][/ACCOUNT]]`, returning
    /// the location and the account named in the URL, if any.
    pub fn parse(
        url: &str,
        org_id: Option<&str>,
    ) -> Result<(TrailLocation, Option<String>), String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("`{url}` is not an S3 URL (`s3://BUCKET/PREFIX`)"))?;
        let mut segments = rest.split('/').filter(|segment| !segment.is_empty());
        let bucket = segments
            .next()
            .ok_or_else(|| format!("`{url}` names no bucket"))?
            .to_owned();
        if !is_bucket_name(&bucket) {
            return Err(format!(
                "`{bucket}` is not an S3 bucket name (3 to 63 lower-case letters, digits, `.` \
                 and `-`; older buckets may also hold upper-case letters and `_`)"
            ));
        }
        let segments: Vec<&str> = segments.collect();
        let logs_at = segments.iter().position(|segment| *segment == "AWSLogs");
        let (prefix, after) = match logs_at {
            Some(at) => (
                segments.get(..at).unwrap_or_default().join("/"),
                segments.get(at + 1..).unwrap_or_default(),
            ),
            None => (segments.join("/"), &[][..]),
        };
        let mut after = after.iter().copied();
        let mut org = org_id.map(str::to_owned);
        let mut account = None;
        let mut next = after.next();
        if let Some(segment) = next.filter(|segment| segment.starts_with("o-")) {
            if org.as_deref().is_some_and(|given| given != segment) {
                return Err(format!(
                    "`{url}` names organization `{segment}`, but `--org-id` is `{}`",
                    org.unwrap_or_default()
                ));
            }
            org = Some(segment.to_owned());
            next = after.next();
        }
        if let Some(segment) = next {
            if !is_account_id(segment) {
                return Err(format!(
                    "`{url}`: expected an account id after `AWSLogs/`, found `{segment}`"
                ));
            }
            account = Some(segment.to_owned());
            if let Some(extra) = after.next() {
                return Err(format!(
                    "`{url}`: give the trail's prefix up to `AWSLogs/[o-ORG/]ACCOUNT`; the \
                     regions and days are chosen from `--region` and the time window, so \
                     `{extra}` cannot follow"
                ));
            }
        }
        if let Some(org) = &org {
            if !is_org_id(org) {
                return Err(format!(
                    "`{org}` is not an organization id (`o-` and 10 to 32 letters or digits)"
                ));
            }
        }
        let location = TrailLocation {
            bucket,
            prefix,
            org_id: org,
        };
        Ok((location, account))
    }

    /// Returns the key prefix of the `AWSLogs/[ORG/]` folder, ending in `/`.
    pub fn logs_prefix(&self) -> String {
        let mut key = String::new();
        if !self.prefix.is_empty() {
            key.push_str(&self.prefix);
            key.push('/');
        }
        key.push_str("AWSLogs/");
        if let Some(org) = &self.org_id {
            key.push_str(org);
            key.push('/');
        }
        key
    }

    /// Returns the key prefix of one account's `CloudTrail/` folder, whose
    /// subfolders are the regions.
    pub fn account_prefix(&self, account: &str) -> String {
        format!("{}{account}/CloudTrail/", self.logs_prefix())
    }

    /// Returns the key prefix of one day's folder, as in
    /// `AWSLogs/o-ORG/111122223333/CloudTrail/us-east-1/2026/11/20/`.
    pub fn day_prefix(&self, account: &str, region: &str, day: &str) -> String {
        format!("{}{region}/{day}/", self.account_prefix(account))
    }

    /// Returns `s3://BUCKET/KEY`.
    pub fn url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}

/// Returns true for an S3 bucket name: 3 to 255 letters, digits, `.`, `-`
/// and `_`, starting and ending with a letter or digit. Buckets created
/// since 2018 are stricter (3 to 63 characters, lower case, no `_`), but
/// older `us-east-1` buckets keep the looser legacy names.
pub fn is_bucket_name(name: &str) -> bool {
    let edge_ok = |byte: Option<&u8>| byte.is_some_and(u8::is_ascii_alphanumeric);
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && edge_ok(name.as_bytes().first())
        && edge_ok(name.as_bytes().last())
}

/// Returns true for a 12-digit account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Returns true for an organization id: `o-` and 10 to 32 lower-case letters
/// or digits.
pub fn is_org_id(text: &str) -> bool {
    text.strip_prefix("o-").is_some_and(|rest| {
        (10..=32).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// Returns the delivery time that a CloudTrail log file name carries
/// (`ACCOUNT_CloudTrail_REGION_20261120T0905Z_UNIQUE.json.gz`), to the
/// minute.
pub fn delivery_time(key: &str) -> Option<DateTime<Utc>> {
    let name = key.rsplit('/').next()?;
    let stamp = name
        .split('_')
        .find(|part| part.len() == 14 && part.ends_with('Z') && part.get(8..9) == Some("T"))?;
    let naive = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%MZ").ok()?;
    Some(naive.and_utc())
}

/// The partition columns of an Athena table over a trail bucket, by what
/// they hold. A column left out is not filtered on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionColumns {
    /// The account folder (`AWSLogs/[ORG/]ACCOUNT`).
    pub account: Option<String>,
    /// The region folder.
    pub region: Option<String>,
    /// The day folder, as `yyyy/MM/dd`.
    pub date: Option<String>,
}

impl Default for PartitionColumns {
    /// Returns the columns of the table `trailgrant athena-ddl` prints.
    fn default() -> Self {
        PartitionColumns {
            account: Some("account".to_owned()),
            region: Some("region".to_owned()),
            date: Some("timestamp".to_owned()),
        }
    }
}

impl PartitionColumns {
    /// Parses `none` or a list such as `account=account,region=region,date=timestamp`.
    pub fn parse(text: &str) -> Result<PartitionColumns, String> {
        let mut columns = PartitionColumns {
            account: None,
            region: None,
            date: None,
        };
        if text.trim() == "none" {
            return Ok(columns);
        }
        for pair in text
            .split(',')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
        {
            let (key, column) = pair
                .split_once('=')
                .ok_or_else(|| format!("`{pair}` is not KEY=COLUMN (such as `date=timestamp`)"))?;
            if !is_identifier(column) {
                return Err(format!("`{column}` is not a column name"));
            }
            let slot = match key.trim() {
                "account" => &mut columns.account,
                "region" => &mut columns.region,
                "date" => &mut columns.date,
                other => {
                    return Err(format!(
                        "unknown partition key `{other}`; expected `account`, `region` or `date`"
                    ))
                }
            };
            *slot = Some(column.to_owned());
        }
        Ok(columns)
    }
}

/// An Athena table over a trail bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AthenaTable {
    /// The database, when the name is to be qualified.
    pub database: Option<String>,
    /// The table name.
    pub name: String,
    /// Its partition columns.
    pub partitions: PartitionColumns,
}

impl AthenaTable {
    /// Creates the table reference from `[DATABASE.]TABLE`; `database`
    /// (from `--database`) applies when the name has no database part.
    pub fn parse(
        text: &str,
        database: Option<&str>,
        partitions: PartitionColumns,
    ) -> Result<AthenaTable, String> {
        let (database, name) = match text.split_once('.') {
            Some((db, name)) => (Some(db.to_owned()), name.to_owned()),
            None => (database.map(str::to_owned), text.to_owned()),
        };
        for part in database.iter().chain([&name]) {
            if !is_identifier(part) {
                return Err(format!(
                    "`{part}` is not an Athena table or database name (letters, digits and `_`)"
                ));
            }
        }
        Ok(AthenaTable {
            database,
            name,
            partitions,
        })
    }

    fn qualified(&self) -> String {
        match &self.database {
            Some(database) => format!("\"{database}\".\"{}\"", self.name),
            None => format!("\"{}\"", self.name),
        }
    }
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A column the queries select: the expression over the table, and the
/// record field it fills (named so that the CloudTrail Lake row decoder of
/// [`crate::source`] maps it back).
struct Selected {
    expression: String,
    field: &'static str,
}

fn select(expression: &str, field: &'static str) -> Selected {
    Selected {
        expression: expression.to_owned(),
        field,
    }
}

/// The fields of a record that the pipeline reads, as the Athena CloudTrail
/// table names them (the DDL in "Creating the table for CloudTrail logs in
/// Athena using partition projection"). All are `STRING` there except
/// `resources`.
const ATHENA_SCALARS: &[(&str, &str)] = &[
    ("eventversion", "eventVersion"),
    ("eventtime", "eventTime"),
    ("eventsource", "eventSource"),
    ("eventname", "eventName"),
    ("awsregion", "awsRegion"),
    ("sourceipaddress", "sourceIPAddress"),
    ("useragent", "userAgent"),
    ("errorcode", "errorCode"),
    ("errormessage", "errorMessage"),
    ("requestparameters", "requestParameters"),
    ("responseelements", "responseElements"),
    ("additionaleventdata", "additionalEventData"),
    ("requestid", "requestID"),
    ("eventid", "eventID"),
    ("eventtype", "eventType"),
    ("recipientaccountid", "recipientAccountId"),
    ("vpcendpointid", "vpcEndpointId"),
    ("useridentity.type", "userIdentity.type"),
    ("useridentity.principalid", "userIdentity.principalId"),
    ("useridentity.arn", "userIdentity.arn"),
    ("useridentity.accountid", "userIdentity.accountId"),
    ("useridentity.accesskeyid", "userIdentity.accessKeyId"),
    ("useridentity.username", "userIdentity.userName"),
    ("useridentity.invokedby", "userIdentity.invokedBy"),
    (
        "useridentity.sessioncontext.sessionissuer.type",
        "userIdentity.sessionContext.sessionIssuer.type",
    ),
    (
        "useridentity.sessioncontext.sessionissuer.principalid",
        "userIdentity.sessionContext.sessionIssuer.principalId",
    ),
    (
        "useridentity.sessioncontext.sessionissuer.arn",
        "userIdentity.sessionContext.sessionIssuer.arn",
    ),
    (
        "useridentity.sessioncontext.sessionissuer.accountid",
        "userIdentity.sessionContext.sessionIssuer.accountId",
    ),
    (
        "useridentity.sessioncontext.sessionissuer.username",
        "userIdentity.sessionContext.sessionIssuer.userName",
    ),
    (
        "useridentity.sessioncontext.webidfederationdata.federatedprovider",
        "userIdentity.sessionContext.webIdFederationData.federatedProvider",
    ),
];

/// The provider ARN at the start of a web identity user's `principalId`
/// (`arn:aws:iam::ACCOUNT:oidc-provider/HOST:AUDIENCE:SUBJECT`).
const PROVIDER_PATTERN: &str = "^arn:[^:]+:iam::[0-9]+:oidc-provider/[^:]+";

/// One engine's spelling of the columns and literals the query needs.
struct Dialect {
    /// The columns selected.
    selected: Vec<Selected>,
    /// `eventTime` as a timestamp.
    time: &'static str,
    /// A time literal comparable with `time`.
    time_literal: fn(DateTime<Utc>) -> String,
    event_source: &'static str,
    event_name: &'static str,
    error_code: &'static str,
    error_message: &'static str,
    issuer_arn: &'static str,
    request_role_arn: &'static str,
    /// `requestParameters` as text, for grouping.
    request_text: &'static str,
    /// Conditions on partitions or account and region columns.
    narrowing: Vec<String>,
    /// The `FROM` target.
    from: String,
}

/// Returns the Athena SQL for the role's relevant events in `scope` (see the
/// module documentation).
pub fn athena_sql(table: &AthenaTable, scope: &Scope) -> String {
    let mut selected: Vec<Selected> = ATHENA_SCALARS
        .iter()
        .map(|(column, field)| select(column, field))
        .collect();
    selected.push(select("json_format(CAST(resources AS JSON))", "resources"));
    // NOTE: the CloudTrail table of the Athena documentation has no
    // `useridentity.identityprovider`. For OIDC providers the provider ARN
    // starts the web identity user's `principalId`, so it is taken from
    // there; other providers (Cognito, SAML) get none.
    selected.push(select(
        &format!(
            "CASE WHEN useridentity.type = 'WebIdentityUser' THEN \
             regexp_extract(useridentity.principalid, '{PROVIDER_PATTERN}') END"
        ),
        "userIdentity.identityProvider",
    ));
    let dialect = Dialect {
        selected,
        time: "from_iso8601_timestamp(eventtime)",
        time_literal: |time| format!("from_iso8601_timestamp('{}')", iso_time(time)),
        event_source: "eventsource",
        event_name: "eventname",
        error_code: "errorcode",
        error_message: "errormessage",
        issuer_arn: "useridentity.sessioncontext.sessionissuer.arn",
        request_role_arn: "json_extract_scalar(requestparameters, '$.roleArn')",
        request_text: "requestparameters",
        narrowing: athena_partitions(&table.partitions, scope),
        from: table.qualified(),
    };
    render(&dialect, scope)
}

/// Returns the CloudTrail Lake SQL for the role's relevant events in
/// `scope`; `event_data_store` is the store's id.
pub fn lake_sql(event_data_store: &str, scope: &Scope) -> String {
    // Lake keeps `userIdentity` as a struct and the documents as maps of
    // strings; casting them to JSON keeps every member the store has.
    let mut selected: Vec<Selected> = [
        ("eventVersion", "eventVersion"),
        ("eventTime", "eventTime"),
        ("eventSource", "eventSource"),
        ("eventName", "eventName"),
        ("awsRegion", "awsRegion"),
        ("sourceIPAddress", "sourceIPAddress"),
        ("userAgent", "userAgent"),
        ("errorCode", "errorCode"),
        ("errorMessage", "errorMessage"),
        ("requestId", "requestID"),
        ("eventId", "eventID"),
        ("eventType", "eventType"),
        ("recipientAccountId", "recipientAccountId"),
        ("vpcEndpointId", "vpcEndpointId"),
    ]
    .iter()
    .map(|(column, field)| select(column, field))
    .collect();
    for (column, field) in [
        ("requestParameters", "requestParameters"),
        ("responseElements", "responseElements"),
        ("additionalEventData", "additionalEventData"),
        ("resources", "resources"),
        ("userIdentity", "userIdentity"),
    ] {
        selected.push(select(
            &format!("json_format(CAST({column} AS JSON))"),
            field,
        ));
    }
    selected.push(select(
        &format!(
            "CASE WHEN userIdentity.type = 'WebIdentityUser' THEN \
             regexp_extract(userIdentity.principalId, '{PROVIDER_PATTERN}') END"
        ),
        "userIdentity.identityProvider",
    ));
    let mut narrowing = Vec::new();
    if !scope.accounts.is_empty() {
        narrowing.push(format!("recipientAccountId IN ({})", list(&scope.accounts)));
    }
    if !scope.regions.is_empty() {
        narrowing.push(format!("awsRegion IN ({})", list(&scope.regions)));
    }
    let dialect = Dialect {
        selected,
        time: "eventTime",
        time_literal: |time| format!("'{}'", time.format("%Y-%m-%d %H:%M:%S%.3f")),
        event_source: "eventSource",
        event_name: "eventName",
        error_code: "errorCode",
        error_message: "errorMessage",
        issuer_arn: "userIdentity.sessionContext.sessionIssuer.arn",
        request_role_arn: "element_at(requestParameters, 'roleArn')",
        request_text: "json_format(CAST(requestParameters AS JSON))",
        narrowing,
        from: event_data_store.to_owned(),
    };
    render(&dialect, scope)
}

fn athena_partitions(columns: &PartitionColumns, scope: &Scope) -> Vec<String> {
    let mut conditions = Vec::new();
    if let (Some(column), false) = (&columns.account, scope.accounts.is_empty()) {
        conditions.push(format!("\"{column}\" IN ({})", list(&scope.accounts)));
    }
    if let (Some(column), false) = (&columns.region, scope.regions.is_empty()) {
        conditions.push(format!("\"{column}\" IN ({})", list(&scope.regions)));
    }
    if let Some(column) = &columns.date {
        let days = scope.delivery_days();
        if let (Some(first), Some(last)) = (days.first(), days.last()) {
            conditions.push(format!("\"{column}\" BETWEEN '{first}' AND '{last}'"));
        }
    }
    conditions
}

fn render(dialect: &Dialect, scope: &Scope) -> String {
    let denied = denied_condition(dialect);
    let mut sql = String::from("SELECT\n");
    let outer: Vec<String> = dialect
        .selected
        .iter()
        .map(|column| format!("  \"{}\"", column.field))
        .chain([format!("  {ROLE_RECORDS_COLUMN}")])
        .collect();
    sql.push_str(&outer.join(",\n"));
    sql.push_str("\nFROM (\n  SELECT\n");
    let mut inner: Vec<String> = dialect
        .selected
        .iter()
        .map(|column| format!("    {} AS \"{}\"", column.expression, column.field))
        .collect();
    inner.push(format!("    {} AS event_at", dialect.time));
    inner.push(format!("    count(*) OVER () AS {ROLE_RECORDS_COLUMN}"));
    inner.push("    row_number() OVER () AS ordinal".to_owned());
    inner.push(format!("    {denied} AS denied"));
    let flow = flow_condition(dialect, &scope.flow_calls);
    inner.push(format!("    {flow} AS flow_call"));
    inner.push(format!(
        "    min(CASE WHEN {denied} THEN {} END) OVER (PARTITION BY {}, {}, {}) AS first_denied_at",
        dialect.time, dialect.event_source, dialect.event_name, dialect.request_text
    ));
    sql.push_str(&inner.join(",\n"));
    let _ = write!(sql, "\n  FROM {}\n  WHERE ", dialect.from);
    let mut conditions = dialect.narrowing.clone();
    conditions.push(format!(
        "{} BETWEEN {} AND {}",
        dialect.time,
        (dialect.time_literal)(scope.start),
        (dialect.time_literal)(scope.end)
    ));
    conditions.push(role_condition(dialect, &scope.role));
    sql.push_str(&conditions.join("\n    AND "));
    let _ = write!(
        sql,
        "\n)\nWHERE denied\n  OR flow_call\n  OR ordinal = 1\n  OR (\"errorCode\" IS NULL AND event_at > first_denied_at)\n"
    );
    sql
}

fn denied_condition(dialect: &Dialect) -> String {
    format!(
        "({code} IS NOT NULL AND (regexp_like(lower({code}), '{DENIAL_CODE_PATTERN}') \
         OR strpos({message}, '{DENIAL_MESSAGE_TEXT}') > 0))",
        code = dialect.error_code,
        message = dialect.error_message,
    )
}

/// Returns the condition for calls of the deploy flows: per event source,
/// the event names with an optional API-version suffix (`20150331v2`).
fn flow_condition(dialect: &Dialect, calls: &[(String, String)]) -> String {
    let mut by_source: std::collections::BTreeMap<&str, std::collections::BTreeSet<String>> =
        std::collections::BTreeMap::new();
    for (source, name) in calls {
        by_source
            .entry(source.as_str())
            .or_default()
            .insert(regex::escape(name));
    }
    if by_source.is_empty() {
        return "false".to_owned();
    }
    let terms: Vec<String> = by_source
        .iter()
        .map(|(source, names)| {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            format!(
                "({} = '{}' AND regexp_like({}, '^(?:{})(?:[0-9]{{8}}(?:v[0-9]+)?)?$'))",
                dialect.event_source,
                source.replace('\'', "''"),
                dialect.event_name,
                names.join("|").replace('\'', "''")
            )
        })
        .collect();
    format!("({})", terms.join("\n      OR "))
}

/// Returns the condition for the role's events: calls made by its sessions,
/// and web identity `AssumeRoleWithWebIdentity` calls that name it, matched
/// as [`RoleSelector::matches`] does.
fn role_condition(dialect: &Dialect, role: &RoleSelector) -> String {
    let pattern = role_arn_pattern(role).replace('\'', "''");
    format!(
        "(regexp_like({issuer}, '{pattern}')\n      OR ({name} = 'AssumeRoleWithWebIdentity' \
         AND {source} LIKE 'sts.%'\n        AND regexp_like({request}, '{pattern}')))",
        issuer = dialect.issuer_arn,
        name = dialect.event_name,
        source = dialect.event_source,
        request = dialect.request_role_arn,
    )
}

/// Returns the regular expression (Java syntax, as Trino's `regexp_like`
/// reads it) for the role's ARNs: any partition, the account exactly, the
/// name in any case, and the path exactly unless the selector gave none.
pub fn role_arn_pattern(role: &RoleSelector) -> String {
    match role {
        RoleSelector::Arn {
            account,
            name,
            path,
        } => {
            let path = if path == "/" {
                "(?:.+/)?".to_owned()
            } else {
                regex::escape(path.trim_start_matches('/'))
            };
            format!(
                "^arn:[^:]+:iam::{account}:role/{path}(?i:{})$",
                regex::escape(name)
            )
        }
        RoleSelector::Name(name) => format!(
            "^arn:[^:]+:iam::[0-9]+:role/(?:.+/)?(?i:{})$",
            regex::escape(name)
        ),
    }
}

/// Returns a time as Athena's CloudTrail `eventtime` spells it, with the
/// fraction only when there is one.
fn iso_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Returns a comma-separated list of SQL string literals.
fn list(values: &[String]) -> String {
    values
        .iter()
        .map(|value| format!("'{}'", value.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
