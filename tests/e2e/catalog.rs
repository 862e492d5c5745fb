//! `trailgrant catalog`: action lookups, event resolution and the refresh.

use serde_json::{json, Value};

use crate::support::catalog_env::{stderr, stdout, trailgrant, trailgrant_env, StaticServer};

fn json_of(output: &std::process::Output) -> Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_str(&stdout(output)).expect("JSON on stdout")
}

fn resolve(cache: &std::path::Path, source: &str, name: &str, params: &Value) -> Value {
    let params = params.to_string();
    let args = [
        "catalog",
        "--event-source",
        source,
        "--event-name",
        name,
        "--request-parameters",
        &params,
        "--region",
        "eu-west-1",
        "--account",
        "111122223333",
        "--output",
        "json",
    ];
    json_of(&trailgrant(&args, cache))
}

/// Returns the actions and the first resource of each from a resolution
/// document.
fn actions_and_arns(document: &Value) -> Vec<(String, String)> {
    document["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|action| {
            (
                action["action"].as_str().unwrap().to_owned(),
                action["resources"][0]["arn"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn action_lookup_prints_resource_types_and_arn_formats() {
    let cache = tempfile::tempdir().unwrap();
    let output = trailgrant(
        &["catalog", "ECR:putimage", "--output", "json"],
        cache.path(),
    );
    assert_eq!(
        json_of(&output),
        json!({
            "action": "ecr:PutImage",
            "service": "Amazon Elastic Container Registry",
            "access_level": "Write",
            "resource_level_permissions": true,
            "resource_types": [{
                "type": "repository",
                "required": true,
                "arns": ["arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}"],
                "condition_keys": []
            }],
            "condition_keys": [],
            "dependent_actions": []
        })
    );
    let text = trailgrant(&["catalog", "ecr:GetAuthorizationToken"], cache.path());
    assert_eq!(
        stdout(&text),
        "ecr:GetAuthorizationToken (Amazon Elastic Container Registry)\n  access level: Read\n  \
         resource types: none; the action only accepts \"Resource\": \"*\"\n  condition keys: \
         none\n  dependent actions: none\n"
    );
}

#[test]
fn lookup_of_unknown_action_fails() {
    let cache = tempfile::tempdir().unwrap();
    let output = trailgrant(&["catalog", "ecr:PutImages"], cache.path());
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "trailgrant: `ecr:PutImages` is not in the catalog (embedded catalog)\n"
    );
}

#[test]
fn closed_stdout_ends_quietly() {
    let cache = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trailgrant"))
        .args(["catalog", "s3:GetObject"])
        .env("TRAILGRANT_CACHE_DIR", cache.path())
        .env_remove("TRAILGRANT_CATALOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before the catalog is loaded, so the first write
    // meets a closed pipe.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn request_parameters_must_be_an_object() {
    let cache = tempfile::tempdir().unwrap();
    for (params, kind) in [
        ("[1]", "an array"),
        ("\"app\"", "a string"),
        ("7", "a number"),
    ] {
        let output = trailgrant(
            &[
                "catalog",
                "--event-source",
                "ecr.amazonaws.com",
                "--event-name",
                "PutImage",
                "--request-parameters",
                params,
            ],
            cache.path(),
        );
        assert_eq!(output.status.code(), Some(2), "{params}");
        let message = stderr(&output);
        assert!(
            message.starts_with(&format!("trailgrant: `--request-parameters` is {kind};")),
            "{params}: {message}"
        );
    }
}

#[test]
fn golden_event_resolutions() {
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path();
    let list = resolve(
        dir,
        "s3.amazonaws.com",
        "ListObjectsV2",
        &json!({"bucketName": "artifacts"}),
    );
    assert_eq!(list["rule"], "exceptions-table");
    assert_eq!(
        actions_and_arns(&list),
        [("s3:ListBucket".into(), "arn:aws:s3:::artifacts".into())]
    );

    let head = resolve(
        dir,
        "s3.amazonaws.com",
        "HeadObject",
        &json!({"bucketName": "b", "key": "a*b?c${x}"}),
    );
    assert_eq!(
        actions_and_arns(&head),
        [(
            "s3:GetObject".into(),
            "arn:aws:s3:::b/a${*}b${?}c${$}{x}".into()
        )]
    );
    assert_eq!(
        head["actions"][0]["when"],
        "requestParameters.versionId is absent"
    );

    let lambda = resolve(
        dir,
        "lambda.amazonaws.com",
        "UpdateFunctionCode20150331v2",
        &json!({"functionName": "deploy"}),
    );
    assert_eq!(lambda["rule"], "version-suffix");
    assert_eq!(
        actions_and_arns(&lambda),
        [(
            "lambda:UpdateFunctionCode".into(),
            "arn:aws:lambda:eu-west-1:111122223333:function:deploy".into()
        )]
    );

    let metrics = resolve(
        dir,
        "monitoring.amazonaws.com",
        "PutMetricData",
        &json!({"namespace": "ci"}),
    );
    assert_eq!(metrics["rule"], "event-source-host");
    assert_eq!(
        actions_and_arns(&metrics),
        [("cloudwatch:PutMetricData".into(), "*".into())]
    );

    let key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let re = resolve(
        dir,
        "kms.amazonaws.com",
        "ReEncrypt",
        &json!({"sourceKeyId": key, "destinationKeyId": key}),
    );
    assert_eq!(
        actions_and_arns(&re),
        [
            ("kms:ReEncryptFrom".into(), key.into()),
            ("kms:ReEncryptTo".into(), key.into())
        ]
    );

    let ecs = resolve(
        dir,
        "ecs.amazonaws.com",
        "UpdateService",
        &json!({"cluster": "prod", "service": "web"}),
    );
    assert_eq!(
        actions_and_arns(&ecs),
        [(
            "ecs:UpdateService".into(),
            "arn:aws:ecs:eu-west-1:111122223333:service/prod/web".into()
        )]
    );

    let ssm = resolve(
        dir,
        "ssm.amazonaws.com",
        "GetParameter",
        &json!({"name": "/app/db"}),
    );
    assert_eq!(
        actions_and_arns(&ssm),
        [(
            "ssm:GetParameter".into(),
            "arn:aws:ssm:eu-west-1:111122223333:parameter/app/db".into()
        )]
    );
    assert_eq!(ssm["forward_access"][0]["action"], "kms:Decrypt");

    let ecr = resolve(
        dir,
        "ecr.amazonaws.com",
        "PutImage",
        &json!({"repositoryName": "app"}),
    );
    assert_eq!(ecr["rule"], "naive");
    assert_eq!(
        actions_and_arns(&ecr),
        [(
            "ecr:PutImage".into(),
            "arn:aws:ecr:eu-west-1:111122223333:repository/app".into()
        )]
    );

    let login = resolve(
        dir,
        "ecr.amazonaws.com",
        "GetAuthorizationToken",
        &json!({}),
    );
    assert_eq!(login["actions"][0]["resources"][0]["arn"], "*");
    assert!(login["actions"][0]["resources"][0]["note"]
        .as_str()
        .unwrap()
        .contains("no resource-level permissions"));

    let whoami = resolve(dir, "sts.amazonaws.com", "GetCallerIdentity", &json!({}));
    assert_eq!(whoami["rule"], "no-permission");
    assert_eq!(whoami["actions"], json!([]));

    let unknown = resolve(dir, "ecr.amazonaws.com", "PutImages", &json!({}));
    assert_eq!(unknown["rule"], Value::Null);
    assert_eq!(
        unknown["unknown"],
        "no IAM action is known for `ecr.amazonaws.com` `PutImages`: `ecr:PutImages` is not in \
         the catalog and no exceptions-table row or name rule covers the call"
    );
}

#[test]
fn s3_object_versions_and_copies_resolve_exactly() {
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path();
    let get = resolve(
        dir,
        "s3.amazonaws.com",
        "GetObject",
        &json!({"bucketName": "b", "key": "k", "versionId": "v1"}),
    );
    assert_eq!(
        actions_and_arns(&get),
        [("s3:GetObjectVersion".into(), "arn:aws:s3:::b/k".into())]
    );
    let delete = resolve(
        dir,
        "s3.amazonaws.com",
        "DeleteObject",
        &json!({"bucketName": "b", "key": "k", "versionId": "v1"}),
    );
    assert_eq!(
        actions_and_arns(&delete),
        [("s3:DeleteObjectVersion".into(), "arn:aws:s3:::b/k".into())]
    );

    let copy = resolve(
        dir,
        "s3.amazonaws.com",
        "CopyObject",
        &json!({"bucketName": "dst", "key": "a/b.txt",
            "x-amz-copy-source": "src/path/v.txt?versionId=abc123"}),
    );
    assert_eq!(
        actions_and_arns(&copy),
        [
            (
                "s3:GetObjectVersion".into(),
                "arn:aws:s3:::src/path/v.txt".into()
            ),
            ("s3:PutObject".into(), "arn:aws:s3:::dst/a/b.txt".into()),
        ]
    );

    let put = resolve(
        dir,
        "s3.amazonaws.com",
        "PutObject",
        &json!({"bucketName": "b", "key": "k", "x-amz-acl": "bucket-owner-full-control"}),
    );
    assert_eq!(
        actions_and_arns(&put),
        [
            ("s3:PutObject".into(), "arn:aws:s3:::b/k".into()),
            ("s3:PutObjectAcl".into(), "arn:aws:s3:::b/k".into()),
        ]
    );
}

#[test]
fn resolution_text_names_the_rule() {
    let cache = tempfile::tempdir().unwrap();
    let args = [
        "catalog",
        "--event-source",
        "s3.amazonaws.com",
        "--event-name",
        "ListObjectsV2",
        "--request-parameters",
        r#"{"bucketName":"artifacts"}"#,
    ];
    let output = trailgrant(&args, cache.path());
    assert_eq!(
        stdout(&output),
        "s3.amazonaws.com ListObjectsV2\n  rule: exceptions-table\n  action: s3:ListBucket\n    \
         resource: arn:aws:s3:::artifacts\n  note: S3 API reference\n"
    );
    let bad = trailgrant(
        &[
            "catalog",
            "--event-source",
            "s3.amazonaws.com",
            "--event-name",
            "X",
            "--request-parameters",
            "{",
        ],
        cache.path(),
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).starts_with("trailgrant: `--request-parameters` is not JSON: "));
}

#[test]
fn forward_access_without_a_region_shows_a_stand_in() {
    let cache = tempfile::tempdir().unwrap();
    let args = [
        "catalog",
        "--event-source",
        "s3.amazonaws.com",
        "--event-name",
        "PutObject",
        "--request-parameters",
        r#"{"bucketName":"artifacts","key":"app.zip"}"#,
    ];
    let output = stdout(&trailgrant(&args, cache.path()));
    assert!(
        output.contains(
            r#"forward access: kms:GenerateDataKey {"StringEquals":{"kms:ViaService":"s3.REGION.amazonaws.com"}}"#
        ),
        "{output}"
    );
}

fn reference_routes(base: &str) -> Vec<(String, String)> {
    let index = json!([{"service": "ecr", "url": format!("{base}/v1/ecr/ecr.json")}]);
    let ecr = json!({
        "Name": "ecr",
        "Actions": [
            {"Name": "PutImage", "Resources": [{"Name": "repository"}],
             "Annotations": {"Properties": {"IsWrite": true}}},
            {"Name": "PutImageV9", "Resources": [{"Name": "repository"}],
             "Annotations": {"Properties": {"IsWrite": true}}}
        ],
        "Resources": [{"Name": "repository",
                       "ARNFormats": ["arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}"]}]
    });
    vec![
        ("/".to_owned(), index.to_string()),
        ("/v1/ecr/ecr.json".to_owned(), ecr.to_string()),
    ]
}

#[test]
fn refresh_writes_the_cache_that_later_runs_use() {
    let cache = tempfile::tempdir().unwrap();
    let before = trailgrant(&["catalog", "ecr:PutImageV9"], cache.path());
    assert_eq!(before.status.code(), Some(2));

    let server = StaticServer::start(reference_routes);
    let url = format!("{}/", server.base);
    let output = trailgrant(
        &["catalog", "refresh", "--url", &url, "--output", "json"],
        cache.path(),
    );
    let report = json_of(&output);
    assert_eq!(report["services_fetched"], 1);
    assert_eq!(report["actions_added"], json!(["ecr:PutImageV9"]));
    let written = cache.path().join("service-reference.json.gz");
    assert_eq!(report["path"], written.display().to_string());
    assert!(written.is_file());

    let after = trailgrant(&["catalog", "ecr:PutImageV9"], cache.path());
    assert!(after.status.success(), "{}", stderr(&after));
    assert!(stdout(&after).starts_with("ecr:PutImageV9 "));
    let gone = trailgrant(&["catalog", "ecr:BatchGetImage"], cache.path());
    assert_eq!(gone.status.code(), Some(2));

    // `--catalog` points at a file and overrides the cache.
    let other = tempfile::tempdir().unwrap();
    let path = written.display().to_string();
    let pinned = trailgrant_env(
        &["--catalog", &path, "catalog", "ecr:PutImageV9"],
        other.path(),
        &[],
    );
    assert!(pinned.status.success(), "{}", stderr(&pinned));
}

#[test]
fn refresh_unreachable_env_url_fails() {
    let cache = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let output = trailgrant_env(
        &["catalog", "refresh"],
        cache.path(),
        &[("TRAILGRANT_SERVICE_REFERENCE_URL", &url)],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(&format!("trailgrant: failed to fetch `{url}`: ")),
        "{}",
        stderr(&output)
    );
    assert!(!cache.path().join("service-reference.json.gz").exists());
}
