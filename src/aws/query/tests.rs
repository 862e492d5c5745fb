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

    let (location, _) = TrailLocation::parse("s3://b/p", Some("o-a1b2c3d4e5")).unwrap();
    assert_eq!(location.logs_prefix(), "p/AWSLogs/o-a1b2c3d4e5/");
}

#[test]
fn trail_url_errors() {
    let cases = [
        ("org-trail", "`org-trail` is not an S3 URL (`s3://BUCKET/PREFIX`)"),
        ("s3://", "`s3://` names no bucket"),
        (
            "s3://b/AWSLogs/o-a1b2c3d4e5",
            "`s3://b/AWSLogs/o-a1b2c3d4e5` names organization `o-a1b2c3d4e5`, but `--org-id` is `o-zzzzzzzzzz`",
        ),
        (
            "s3://b/AWSLogs/CloudTrail",
            "`s3://b/AWSLogs/CloudTrail`: expected an account id after `AWSLogs/`, found `CloudTrail`",
        ),
    ];
    for (url, expected) in cases {
        let error = TrailLocation::parse(url, Some("o-zzzzzzzzzz")).unwrap_err();
        assert_eq!(error, expected, "{url}");
    }
    let error = TrailLocation::parse("s3://b/AWSLogs/111122223333/CloudTrail", None).unwrap_err();
    assert!(error.contains("`CloudTrail` cannot follow"), "{error}");
    let error = TrailLocation::parse("s3://b", Some("o-x")).unwrap_err();
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
