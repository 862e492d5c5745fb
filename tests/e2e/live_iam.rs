//! Reading a role's policies from IAM (moto on 127.0.0.1), and the tool's
//! own policy through `trailgrant self-policy`.

use aws_sdk_iam::Client;
use serde_json::json;
use trailgrant::aws::iam::read_role;
use trailgrant::policy::PolicyDocument;

use crate::support::moto::MotoServer;
use crate::support::{command_at, sdk_config};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/web:*"}}}]}"#;
const INLINE: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"PushImages","Effect":"Allow","Action":["ecr:InitiateLayerUpload","ecr:PutImage"],"Resource":"arn:aws:ecr:us-west-2:123456789012:repository/web"}]}"#;
const ECS_V1: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecs:DescribeServices","Resource":"*"}]}"#;
const ECS_V2: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecs:UpdateService","Resource":"arn:aws:ecs:us-west-2:123456789012:service/prod/web"}]}"#;
const S3: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::acme-web-assets/*"}]}"#;
const BOUNDARY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#;

fn document(text: &str) -> PolicyDocument {
    serde_json::from_str(text).unwrap()
}

async fn create_policy(iam: &Client, name: &str, text: &str) -> String {
    let created = iam
        .create_policy()
        .policy_name(name)
        .policy_document(text)
        .send()
        .await
        .unwrap();
    created.policy().unwrap().arn().unwrap().to_owned()
}

#[tokio::test]
async fn read_role_returns_every_policy() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    let config = sdk_config(&moto.url(), "us-east-1", None).await;
    let iam = Client::new(&config);

    let boundary = create_policy(&iam, "deploy-boundary", BOUNDARY).await;
    let ecs = create_policy(&iam, "deploy-ecs", ECS_V1).await;
    iam.create_policy_version()
        .policy_arn(&ecs)
        .policy_document(ECS_V2)
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    let s3 = create_policy(&iam, "deploy-s3", S3).await;
    iam.create_role()
        .role_name("gha-deploy")
        .assume_role_policy_document(TRUST)
        .permissions_boundary(&boundary)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("gha-deploy")
        .policy_name("push-images")
        .policy_document(INLINE)
        .send()
        .await
        .unwrap();
    for arn in [&s3, &ecs] {
        iam.attach_role_policy()
            .role_name("gha-deploy")
            .policy_arn(arn)
            .send()
            .await
            .unwrap();
    }

    let policies = read_role(&config, "gha-deploy").await.unwrap();

    assert_eq!(
        policies.role_arn,
        "arn:aws:iam::123456789012:role/gha-deploy"
    );
    assert_eq!(
        policies.inline,
        [("push-images".to_owned(), document(INLINE))]
    );
    assert_eq!(
        policies.managed,
        [(ecs.clone(), document(ECS_V2)), (s3.clone(), document(S3))],
        "attached policies at their default version, sorted by ARN"
    );
    assert_eq!(policies.boundary, Some((boundary, document(BOUNDARY))));
    assert_eq!(policies.trust, Some(document(TRUST)));
}

#[tokio::test]
async fn read_role_reports_a_missing_role() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    let config = sdk_config(&moto.url(), "us-east-1", None).await;
    let error = read_role(&config, "arn:aws:iam::123456789012:role/ci/absent")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), trailgrant::aws::AwsErrorKind::NotFound);
    assert_eq!(error.action(), "iam:GetRole");
    assert!(
        error
            .to_string()
            .starts_with("`iam:GetRole` failed: NoSuchEntity:"),
        "{error}"
    );
}

#[test]
fn self_policy_covers_lookup_and_iam() {
    let output = command_at("http://127.0.0.1:9")
        .args([
            "self-policy",
            "--from-iam",
            "--role",
            "arn:aws:iam::111122223333:role/gha-deploy",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        value,
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "LookupCloudTrailEvents", "Effect": "Allow",
                 "Action": "cloudtrail:LookupEvents", "Resource": "*"},
                {"Sid": "ReadRolePolicies", "Effect": "Allow",
                 "Action": ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy",
                            "iam:ListAttachedRolePolicies"],
                 "Resource": "arn:aws:iam::111122223333:role/gha-deploy"},
                {"Sid": "ReadManagedPolicies", "Effect": "Allow",
                 "Action": ["iam:GetPolicy", "iam:GetPolicyVersion"],
                 "Resource": ["arn:aws:iam::111122223333:policy/*", "arn:aws:iam::aws:policy/*"]}
            ]
        })
    );
}

#[test]
fn self_policy_for_s3_reads_the_bucket() {
    let output = command_at("http://127.0.0.1:9")
        .args(["self-policy", "--source", "s3", "--bucket", "org-trail"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        value["Statement"][0]["Action"],
        json!(["s3:GetBucketLocation", "s3:ListBucket"])
    );
    assert_eq!(value["Statement"][0]["Resource"], "arn:aws:s3:::org-trail");
    assert_eq!(value["Statement"][1]["Action"], "s3:GetObject");
    assert_eq!(
        value["Statement"][1]["Resource"],
        "arn:aws:s3:::org-trail/AWSLogs/*"
    );
}

#[test]
fn self_policy_bucket_url_and_flags() {
    let output = command_at("http://127.0.0.1:9")
        .args([
            "self-policy",
            "--source",
            "s3",
            "--bucket",
            "s3://org-trail/audit/",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["Statement"][0]["Resource"], "arn:aws:s3:::org-trail");
    assert_eq!(
        value["Statement"][1]["Resource"],
        "arn:aws:s3:::org-trail/audit/AWSLogs/*"
    );
    let cases: [(&[&str], &str); 4] = [
        (
            &["--source", "lookup", "--bucket", "org-trail"],
            "`--bucket` and `--kms-key` apply to `--source s3` and `--source athena` only",
        ),
        (
            &["--source", "s3", "--bucket", "Bad'Bucket"],
            "is not an S3 bucket name",
        ),
        (
            &["--source", "s3", "--output-location", "s3://results"],
            "`--output-location` applies to `--source athena` only",
        ),
        (
            &[
                "--source",
                "athena",
                "--kms-key",
                "arn:aws:kms:eu-west-1:111122223333:alias/t",
            ],
            "is not a KMS key ARN",
        ),
    ];
    for (args, expected) in cases {
        let output = command_at("http://127.0.0.1:9")
            .arg("self-policy")
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
