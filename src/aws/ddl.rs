//! The `CREATE EXTERNAL TABLE` statement for an Athena table over a trail
//! bucket, with partition projection, so that a user without a CloudTrail
//! table can create the one `learn --athena` queries.
//!
//! The columns are those of the CloudTrail table in the Athena User Guide
//! ("Create the table for CloudTrail logs in Athena using partition
//! projection"), with the same SerDe and input format. Where that table has
//! one `timestamp` partition for one account and region, this one adds
//! `account` and `region` partitions so that one table covers an
//! organization trail: `region` and `timestamp` are projected from lists,
//! and `account` from the listed accounts or, when none are given, from the
//! values each query names (Athena's `injected` projection type, which
//! requires every query to give the accounts; `learn --athena` does).

use std::fmt::Write as _;

use super::query::TrailLocation;

/// The columns of the Athena CloudTrail table and their types, in the
/// order of the Athena User Guide.
pub const CLOUDTRAIL_COLUMNS: &[(&str, &str)] = &[
    ("eventversion", "STRING"),
    (
        "useridentity",
        "STRUCT<\
type: STRING, principalid: STRING, arn: STRING, accountid: STRING, invokedby: STRING, \
accesskeyid: STRING, username: STRING, \
onbehalfof: STRUCT<userid: STRING, identitystorearn: STRING>, \
sessioncontext: STRUCT<\
attributes: STRUCT<mfaauthenticated: STRING, creationdate: STRING>, \
sessionissuer: STRUCT<type: STRING, principalid: STRING, arn: STRING, accountid: STRING, username: STRING>, \
ec2roledelivery: STRING, \
webidfederationdata: STRUCT<federatedprovider: STRING, attributes: MAP<STRING, STRING>>>>",
    ),
    ("eventtime", "STRING"),
    ("eventsource", "STRING"),
    ("eventname", "STRING"),
    ("awsregion", "STRING"),
    ("sourceipaddress", "STRING"),
    ("useragent", "STRING"),
    ("errorcode", "STRING"),
    ("errormessage", "STRING"),
    ("requestparameters", "STRING"),
    ("responseelements", "STRING"),
    ("additionaleventdata", "STRING"),
    ("requestid", "STRING"),
    ("eventid", "STRING"),
    ("readonly", "STRING"),
    (
        "resources",
        "ARRAY<STRUCT<arn: STRING, accountid: STRING, type: STRING>>",
    ),
    ("eventtype", "STRING"),
    ("apiversion", "STRING"),
    ("recipientaccountid", "STRING"),
    ("serviceeventdetails", "STRING"),
    ("sharedeventid", "STRING"),
    ("vpcendpointid", "STRING"),
    ("vpcendpointaccountid", "STRING"),
    ("eventcategory", "STRING"),
    (
        "addendum",
        "STRUCT<reason: STRING, updatedfields: STRING, originalrequestid: STRING, \
originaleventid: STRING>",
    ),
    ("sessioncredentialfromconsole", "STRING"),
    ("edgedevicedetails", "STRING"),
    (
        "tlsdetails",
        "STRUCT<tlsversion: STRING, ciphersuite: STRING, clientprovidedhostheader: STRING>",
    ),
];

/// What `trailgrant athena-ddl` is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdlRequest {
    /// The trail's bucket, prefix and organization.
    pub location: TrailLocation,
    /// The table name, optionally `DATABASE.TABLE`.
    pub table: String,
    /// The accounts to project; empty projects the accounts each query
    /// names.
    pub accounts: Vec<String>,
    /// The regions to project.
    pub regions: Vec<String>,
    /// The first day to project, as `yyyy/MM/dd`.
    pub first_day: String,
}

/// Returns the `CREATE EXTERNAL TABLE` statement.
pub fn athena_ddl(request: &DdlRequest) -> String {
    let location = request.location.url(&request.location.logs_prefix());
    let mut ddl = format!("CREATE EXTERNAL TABLE IF NOT EXISTS {} (\n", request.table);
    let columns: Vec<String> = CLOUDTRAIL_COLUMNS
        .iter()
        .map(|(name, kind)| format!("  {name} {kind}"))
        .collect();
    ddl.push_str(&columns.join(",\n"));
    ddl.push_str("\n)\nPARTITIONED BY (account STRING, region STRING, `timestamp` STRING)\n");
    ddl.push_str("ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\n");
    ddl.push_str("STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'\n");
    ddl.push_str("OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n");
    let _ = writeln!(ddl, "LOCATION '{location}'");
    ddl.push_str("TBLPROPERTIES (\n");
    let mut properties = vec![("projection.enabled".to_owned(), "true".to_owned())];
    if request.accounts.is_empty() {
        properties.push(("projection.account.type".into(), "injected".into()));
    } else {
        properties.push(("projection.account.type".into(), "enum".into()));
        properties.push((
            "projection.account.values".into(),
            request.accounts.join(","),
        ));
    }
    properties.push(("projection.region.type".into(), "enum".into()));
    properties.push(("projection.region.values".into(), request.regions.join(",")));
    properties.push(("projection.timestamp.type".into(), "date".into()));
    properties.push(("projection.timestamp.format".into(), "yyyy/MM/dd".into()));
    properties.push(("projection.timestamp.interval".into(), "1".into()));
    properties.push(("projection.timestamp.interval.unit".into(), "DAYS".into()));
    properties.push((
        "projection.timestamp.range".into(),
        format!("{},NOW", request.first_day),
    ));
    properties.push((
        "storage.location.template".into(),
        format!("{location}${{account}}/CloudTrail/${{region}}/${{timestamp}}"),
    ));
    let lines: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("  '{key}'='{value}'"))
        .collect();
    ddl.push_str(&lines.join(",\n"));
    ddl.push_str("\n)\n");
    ddl
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(accounts: &[&str]) -> DdlRequest {
        DdlRequest {
            location: TrailLocation {
                bucket: "org-trail".into(),
                prefix: "audit".into(),
                org_id: Some("o-a1b2c3d4e5".into()),
            },
            table: "security.cloudtrail_org".into(),
            accounts: accounts.iter().map(|a| (*a).to_owned()).collect(),
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            first_day: "2026/01/01".into(),
        }
    }

    #[test]
    fn ddl_for_organization_trail() {
        insta::assert_snapshot!(athena_ddl(&request(&[])));
    }

    #[test]
    fn listed_accounts_are_an_enum() {
        let ddl = athena_ddl(&request(&["111122223333", "444455556666"]));
        assert!(ddl.contains("  'projection.account.type'='enum',\n"));
        assert!(ddl.contains("  'projection.account.values'='111122223333,444455556666',\n"));
        assert!(!ddl.contains("injected"));
    }
}
