use chrono::TimeZone;

use super::*;

fn role() -> RoleSelector {
    RoleSelector::parse("arn:aws:iam::111122223333:role/gha-deploy").unwrap()
}

fn scope() -> Scope {
    Scope {
        role: role(),
        start: Utc.with_ymd_and_hms(2026, 11, 19, 8, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 11, 20, 23, 30, 0).unwrap(),
        accounts: vec!["111122223333".into()],
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        flow_calls: vec![
            ("ecr.amazonaws.com".into(), "PutImage".into()),
            (
                "ecr.amazonaws.com".into(),
                "BatchCheckLayerAvailability".into(),
            ),
            ("lambda.amazonaws.com".into(), "UpdateFunctionCode".into()),
        ],
    }
}

#[test]
fn delivery_days_cover_late_files() {
    assert_eq!(
        scope().delivery_days(),
        ["2026/11/19", "2026/11/20", "2026/11/21"]
    );
    let mut early = scope();
    early.end = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
    assert_eq!(early.delivery_days(), ["2026/11/19", "2026/11/20"]);
}

#[test]
fn trail_urls_parse() {
    let (location, account) = TrailLocation::parse("s3://org-trail", None).unwrap();
    assert_eq!(location.bucket, "org-trail");
    assert_eq!(location.prefix, "");
    assert_eq!(location.org_id, None);
    assert_eq!(account, None);
    assert_eq!(location.logs_prefix(), "AWSLogs/");

    let (location, account) = TrailLocation::parse(
        "s3://org-trail/audit/logs/AWSLogs/o-a1b2c3d4e5/111122223333/",
        None,
    )
    .unwrap();
    assert_eq!(location.prefix, "audit/logs");
    assert_eq!(location.org_id.as_deref(), Some("o-a1b2c3d4e5"));
    assert_eq!(account.as_deref(), Some("111122223333"));
    assert_eq!(
        location.day_prefix("111122223333", "us-east-1", "2026/11/20"),
        "audit/logs/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-east-1/2026/11/20/"
    );

    let (location, _) = TrailLocation::parse("s3://bkt/p", Some("o-a1b2c3d4e5")).unwrap();
    assert_eq!(location.logs_prefix(), "p/AWSLogs/o-a1b2c3d4e5/");
}

#[test]
fn trail_url_errors() {
    let cases = [
        ("org-trail", "`org-trail` is not an S3 URL (`s3://BUCKET/PREFIX`)"),
        ("s3://", "`s3://` names no bucket"),
        (
            "s3://b'x/AWSLogs",
            "`b'x` is not an S3 bucket name (3 to 63 lower-case letters, digits, `.` and `-`; \
             older buckets may also hold upper-case letters and `_`)",
        ),
        (
            "s3://bkt/AWSLogs/o-a1b2c3d4e5",
            "`s3://bkt/AWSLogs/o-a1b2c3d4e5` names organization `o-a1b2c3d4e5`, but `--org-id` is `o-zzzzzzzzzz`",
        ),
        (
            "s3://bkt/AWSLogs/CloudTrail",
            "`s3://bkt/AWSLogs/CloudTrail`: expected an account id after `AWSLogs/`, found `CloudTrail`",
        ),
    ];
    for (url, expected) in cases {
        let error = TrailLocation::parse(url, Some("o-zzzzzzzzzz")).unwrap_err();
        assert_eq!(error, expected, "{url}");
    }
    let error = TrailLocation::parse("s3://bkt/AWSLogs/111122223333/CloudTrail", None).unwrap_err();
    assert!(error.contains("`CloudTrail` cannot follow"), "{error}");
    let error = TrailLocation::parse("s3://bkt", Some("o-x")).unwrap_err();
    assert_eq!(
        error,
        "`o-x` is not an organization id (`o-` and 10 to 32 letters or digits)"
    );
}

#[test]
fn delivery_time_from_file_name() {
    let key = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/\
               111122223333_CloudTrail_us-east-1_20261120T0905Z_Mu0KsOhtH1ar15ZZ.json.gz";
    assert_eq!(
        delivery_time(key),
        Some(Utc.with_ymd_and_hms(2026, 11, 20, 9, 5, 0).unwrap())
    );
    assert_eq!(delivery_time("AWSLogs/x/events.json.gz"), None);
}

#[test]
fn partition_columns_parse() {
    assert_eq!(
        PartitionColumns::parse("date=timestamp").unwrap(),
        PartitionColumns {
            account: None,
            region: None,
            date: Some("timestamp".into())
        }
    );
    assert_eq!(
        PartitionColumns::parse("none").unwrap(),
        PartitionColumns {
            account: None,
            region: None,
            date: None
        }
    );
    assert_eq!(
        PartitionColumns::parse("day=dt").unwrap_err(),
        "unknown partition key `day`; expected `account`, `region` or `date`"
    );
    assert_eq!(
        PartitionColumns::parse("date").unwrap_err(),
        "`date` is not KEY=COLUMN (such as `date=timestamp`)"
    );
}

#[test]
fn table_names_parse() {
    let table = AthenaTable::parse(
        "security.cloudtrail",
        Some("other"),
        PartitionColumns::default(),
    )
    .unwrap();
    assert_eq!(table.qualified(), "\"security\".\"cloudtrail\"");
    let table = AthenaTable::parse("cloudtrail", Some("db"), PartitionColumns::default()).unwrap();
    assert_eq!(table.qualified(), "\"db\".\"cloudtrail\"");
    let error = AthenaTable::parse("x\"; drop", None, PartitionColumns::default()).unwrap_err();
    assert!(
        error.starts_with("`x\"; drop` is not an Athena table"),
        "{error}"
    );
}

#[test]
fn athena_query_text() {
    let table =
        AthenaTable::parse("security.cloudtrail_org", None, PartitionColumns::default()).unwrap();
    insta::assert_snapshot!(athena_sql(&table, &scope()));
}

#[test]
fn athena_query_without_partitions() {
    let table = AthenaTable::parse(
        "cloudtrail_logs",
        None,
        PartitionColumns::parse("none").unwrap(),
    )
    .unwrap();
    let sql = athena_sql(&table, &scope());
    assert!(sql
        .contains("  FROM \"cloudtrail_logs\"\n  WHERE from_iso8601_timestamp(eventtime) BETWEEN"));
    assert!(!sql.contains("\"account\""));
    assert!(!sql.contains("\"timestamp\""));
}

#[test]
fn lake_query_text() {
    let mut scope = scope();
    scope.regions.clear();
    insta::assert_snapshot!(lake_sql("EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE", &scope));
}

#[test]
fn role_patterns_follow_the_selector() {
    let pattern = |text: &str| {
        regex::Regex::new(&role_arn_pattern(&RoleSelector::parse(text).unwrap())).unwrap()
    };
    let any_path = pattern("arn:aws:iam::111122223333:role/gha-deploy");
    assert!(any_path.is_match("arn:aws:iam::111122223333:role/gha-deploy"));
    assert!(any_path.is_match("arn:aws-us-gov:iam::111122223333:role/ci/GHA-Deploy"));
    assert!(!any_path.is_match("arn:aws:iam::111122223333:role/gha-deploy-2"));
    assert!(!any_path.is_match("arn:aws:iam::999988887777:role/gha-deploy"));
    assert!(!any_path.is_match("arn:aws:iam::111122223333:role/xgha-deploy"));
    let with_path = pattern("arn:aws:iam::111122223333:role/ci/gha.deploy");
    assert!(with_path.is_match("arn:aws:iam::111122223333:role/ci/gha.deploy"));
    assert!(!with_path.is_match("arn:aws:iam::111122223333:role/gha.deploy"));
    assert!(!with_path.is_match("arn:aws:iam::111122223333:role/ci/ghaxdeploy"));
    let by_name = pattern("gha-deploy");
    assert!(by_name.is_match("arn:aws:iam::999988887777:role/x/gha-deploy"));
}

#[test]
fn role_pattern_agrees_with_selector() {
    let arns = [
        "arn:aws:iam::111122223333:role/gha-deploy",
        "arn:aws:iam::111122223333:role/GHA-DEPLOY",
        "arn:aws:iam::111122223333:role/ci/gha-deploy",
        "arn:aws:iam::111122223333:role/ci/x/gha-deploy",
        "arn:aws:iam::111122223333:role/gha-deploy2",
        "arn:aws:iam::11112222333:role/gha-deploy",
        "arn:aws:iam::111122223333:user/gha-deploy",
        "arn:aws:sts::111122223333:assumed-role/gha-deploy/s",
    ];
    for selector in [
        "arn:aws:iam::111122223333:role/gha-deploy",
        "arn:aws:iam::111122223333:role/ci/gha-deploy",
        "gha-deploy",
    ] {
        let role = RoleSelector::parse(selector).unwrap();
        let pattern = regex::Regex::new(&role_arn_pattern(&role)).unwrap();
        for arn in arns {
            assert_eq!(
                pattern.is_match(arn),
                role.matches_role_arn(arn),
                "{selector} vs {arn}"
            );
        }
    }
}

#[test]
fn denial_pattern_agrees_with_classifier() {
    let pattern = regex::Regex::new(DENIAL_CODE_PATTERN).unwrap();
    let codes = [
        "AccessDenied",
        "AccessDeniedException",
        "Client.UnauthorizedOperation",
        "UnauthorizedOperation",
        "VpceAccessDenied",
        "KMSAccessDenied",
        "Lambda.KMSAccessDeniedException",
        "AuthorizationError",
        "Forbidden",
        "access_denied",
        "Access Denied",
        "UnauthorisedAccess",
        "NoSuchKey",
        "ResourceNotFoundException",
        "KMSInvalidStateException",
        "ThrottlingException",
    ];
    for code in codes {
        assert_eq!(
            pattern.is_match(&code.to_ascii_lowercase()),
            crate::denial::is_authorization_failure(code, None),
            "{code}"
        );
    }
    assert!(crate::denial::is_authorization_failure(
        "ValidationError",
        Some(&format!("User: x {DENIAL_MESSAGE_TEXT} y"))
    ));
}

/// Parses the column list of a `CREATE EXTERNAL TABLE` statement into
/// dotted paths (`useridentity.sessioncontext.sessionissuer.arn`) and their
/// types, lower-cased; partition columns are included.
fn ddl_columns(ddl: &str) -> std::collections::BTreeMap<String, String> {
    fn split_top(text: &str) -> Vec<&str> {
        let mut parts = Vec::new();
        let (mut depth, mut from) = (0i32, 0usize);
        for (at, c) in text.char_indices() {
            match c {
                '<' | '(' => depth += 1,
                '>' | ')' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(text[from..at].trim());
                    from = at + 1;
                }
                _ => {}
            }
        }
        parts.push(text[from..].trim());
        parts.into_iter().filter(|p| !p.is_empty()).collect()
    }
    fn add(path: &str, kind: &str, out: &mut std::collections::BTreeMap<String, String>) {
        let kind = kind.trim().to_ascii_lowercase();
        out.insert(path.to_owned(), kind.clone());
        if let Some(members) = kind
            .strip_prefix("struct<")
            .and_then(|k| k.strip_suffix('>'))
        {
            for member in split_top(members) {
                let (name, member_kind) = member.split_once(':').unwrap();
                add(&format!("{path}.{}", name.trim()), member_kind, out);
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    let open = ddl.find('(').unwrap();
    let close = ddl.find("\n)\n").unwrap();
    for column in split_top(&ddl[open + 1..close]) {
        let (name, kind) = column.split_once(' ').unwrap();
        add(&name.to_ascii_lowercase(), kind, &mut out);
    }
    let partitions = ddl.split("PARTITIONED BY (").nth(1).unwrap();
    let partitions = &partitions[..partitions.find(")\n").unwrap()];
    for column in split_top(partitions) {
        let (name, kind) = column.split_once(' ').unwrap();
        add(&name.trim_matches('`').to_ascii_lowercase(), kind, &mut out);
    }
    out
}

/// Returns the column references of a query: identifier chains outside
/// string literals and quoted aliases that are not function calls, SQL
/// words or names the query defines.
fn column_references(sql: &str) -> std::collections::BTreeSet<String> {
    let without_literals = regex::Regex::new(r"'(?:[^']|'')*'")
        .unwrap()
        .replace_all(sql, "''");
    let identifier =
        regex::Regex::new(r#""[^"]*"|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(\s*\()?"#)
            .unwrap();
    const WORDS: &[&str] = &[
        "select",
        "from",
        "where",
        "as",
        "and",
        "or",
        "not",
        "is",
        "null",
        "case",
        "when",
        "then",
        "end",
        "in",
        "between",
        "like",
        "over",
        "partition",
        "by",
        "cast",
        "json",
        "true",
        "false",
        // Names the query itself defines.
        "event_at",
        "role_records",
        "ordinal",
        "denied",
        "first_denied_at",
        "flow_call",
    ];
    identifier
        .captures_iter(&without_literals)
        .filter(|captures| captures.get(1).is_none())
        .map(|captures| captures[0].to_owned())
        .filter(|word| !word.starts_with('"'))
        .map(|word| word.to_ascii_lowercase())
        .filter(|word| !WORDS.contains(&word.as_str()))
        .collect()
}

#[test]
fn athena_query_fits_cloudtrail_table() {
    let ddl = crate::aws::ddl::athena_ddl(&crate::aws::ddl::DdlRequest {
        location: TrailLocation::parse("s3://org-trail", Some("o-a1b2c3d4e5"))
            .unwrap()
            .0,
        table: "cloudtrail_org".into(),
        accounts: Vec::new(),
        regions: vec!["us-east-1".into()],
        first_day: "2026/01/01".into(),
    });
    let table_columns = ddl_columns(&ddl);
    // The checks below rely on the parser seeing nested members.
    assert_eq!(
        table_columns["useridentity.sessioncontext.sessionissuer.arn"],
        "string"
    );
    let table = AthenaTable::parse("cloudtrail_org", None, PartitionColumns::default()).unwrap();
    let sql = athena_sql(&table, &scope());
    let references = column_references(&sql);
    // Every table and partition column the query names exists; the table
    // name is the only other identifier.
    for reference in &references {
        if reference == "cloudtrail_org" {
            continue;
        }
        let kind = table_columns
            .get(reference.as_str())
            .unwrap_or_else(|| panic!("`{reference}` is not a column of the CloudTrail table"));
        // Every reference is used as text except `resources`, which is
        // cast to JSON whole.
        if reference == "resources" {
            assert!(kind.starts_with("array<struct<"), "{reference}: {kind}");
        } else {
            assert_eq!(kind, "string", "{reference}");
        }
    }
    for partition in ["account", "region", "timestamp"] {
        assert!(
            sql.contains(&format!("\"{partition}\"")),
            "{partition} not filtered"
        );
        assert_eq!(table_columns[partition], "string", "{partition}");
    }
    // The partition columns the query filters on are the projected ones.
    for property in [
        "'projection.account.type'='injected'",
        "'projection.region.type'='enum'",
        "'projection.timestamp.type'='date'",
        "'projection.timestamp.format'='yyyy/MM/dd'",
    ] {
        assert!(ddl.contains(property), "{property}");
    }
    assert!(references.contains("useridentity.sessioncontext.sessionissuer.arn"));
    assert!(references.contains("requestparameters"));
    assert!(references.len() > 30, "{references:?}");
}
