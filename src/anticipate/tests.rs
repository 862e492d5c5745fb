//! Unit tests of anticipation over the motivating fixture and small
//! hand-made runs.

use serde_json::json;

use super::*;
use crate::learn::{learn, LearnOptions, Report, Window};
use crate::record::RoleSelector;

const ROLE: &str = "arn:aws:iam::111122223333:role/gha-deploy";

fn fixture_records() -> Vec<Record> {
    let text = include_str!("../../fixtures/ecr-ecs-deploy/events.json");
    let document: serde_json::Value = serde_json::from_str(text).unwrap();
    document["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|value| Record::from_value(value.clone()).unwrap())
        .collect()
}

fn options(mode: AnticipateMode) -> LearnOptions {
    LearnOptions {
        role: RoleSelector::parse(ROLE).unwrap(),
        window: Window::default(),
        trust_policy: None,
        current: None,
        anticipate: mode,
        hints: Default::default(),
    }
}

fn learn_with(records: Vec<Record>, mode: AnticipateMode) -> Report {
    learn(records, Catalog::embedded().unwrap(), &options(mode))
}

fn pairs(report: &Report) -> Vec<(String, String)> {
    report
        .anticipated
        .iter()
        .map(|item| {
            (
                item.requirement.action.clone(),
                item.requirement.resource.clone(),
            )
        })
        .collect()
}

/// Builds one call of the role, denied when `denied` names the action and
/// resource.
fn call(
    time: &str,
    source: &str,
    name: &str,
    params: serde_json::Value,
    denied: Option<(&str, &str)>,
) -> Record {
    let mut value = json!({
        "eventVersion": "1.11",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": "arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions",
            "accountId": "111122223333",
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": ROLE, "accountId": "111122223333"}}
        },
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "requestParameters": params,
        "eventID": format!("{time}-{name}"),
        "recipientAccountId": "111122223333"
    });
    if let Some((action, resource)) = denied {
        value["errorCode"] = json!("AccessDenied");
        value["errorMessage"] = json!(format!(
            "User: arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions is not \
             authorized to perform: {action} on resource: {resource} because no \
             identity-based policy allows the {action} action"
        ));
    }
    Record::from_value(value).unwrap()
}

#[test]
fn fixture_anticipates_the_waits_of_the_deploy() {
    let report = learn_with(fixture_records(), AnticipateMode::Suggest);
    // Every push step and both roles were denied, so they are in the policy.
    // The denied UpdateService named the service, and the deploy flow also
    // describes it.
    assert_eq!(
        pairs(&report),
        [(
            "ecs:DescribeServices".to_owned(),
            "arn:aws:ecs:us-east-1:111122223333:service/prod/web-app".to_owned()
        )]
    );
    let item = &report.anticipated[0];
    assert_eq!(item.flow, "ecs-deploy");
    assert_eq!(item.step, "ecs.amazonaws.com DescribeServices");
    assert_eq!(item.requirement.resource_type.as_deref(), Some("service"));
    assert_eq!(item.requirement.action_source, ActionSource::Flow);
    assert_eq!(
        item.reason,
        "register an Amazon ECS task definition and deploy it to a service: the events show \
         DescribeTaskDefinition, RegisterTaskDefinition, UpdateService; the flow's \
         DescribeServices needs it on the service named in UpdateService"
    );
    assert!(report.policy.statements.iter().all(|s| !s
        .sid
        .as_deref()
        .unwrap_or("")
        .starts_with(SID_PREFIX)));
}

#[test]
fn fixture_include_adds_labelled_statements() {
    let report = learn_with(fixture_records(), AnticipateMode::Include);
    let anticipated: Vec<&Statement> = report
        .policy
        .statements
        .iter()
        .filter(|statement| {
            statement
                .sid
                .as_deref()
                .unwrap_or("")
                .starts_with(SID_PREFIX)
        })
        .collect();
    assert_eq!(anticipated.len(), 1);
    assert_eq!(anticipated[0].sid.as_deref(), Some("AnticipatedEcsService"));
    assert_eq!(anticipated[0].actions(), ["ecs:DescribeServices"]);
    assert_eq!(
        anticipated[0].resources(),
        ["arn:aws:ecs:us-east-1:111122223333:service/prod/web-app"]
    );
    let suggested = learn_with(fixture_records(), AnticipateMode::Suggest);
    assert_eq!(
        report.policy.statements.len(),
        suggested.policy.statements.len() + 1
    );
}

#[test]
fn mode_none_anticipates_nothing() {
    let report = learn_with(fixture_records(), AnticipateMode::None);
    assert!(report.anticipated.is_empty());
    assert!(report.not_anticipated.is_empty());
}

#[test]
fn layer_check_denial_anticipates_push() {
    let repository = "arn:aws:ecr:us-east-1:111122223333:repository/web-app";
    let records = vec![
        call(
            "2026-11-20T09:00:00Z",
            "ecr.amazonaws.com",
            "GetAuthorizationToken",
            json!(null),
            None,
        ),
        call(
            "2026-11-20T09:00:05Z",
            "ecr.amazonaws.com",
            "BatchCheckLayerAvailability",
            json!({"registryId": "111122223333", "repositoryName": "web-app"}),
            Some(("ecr:BatchCheckLayerAvailability", repository)),
        ),
    ];
    let report = learn_with(records, AnticipateMode::Suggest);
    let expected: Vec<(String, String)> = [
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
    ]
    .iter()
    .map(|action| ((*action).to_owned(), repository.to_owned()))
    .collect();
    assert_eq!(pairs(&report), expected);
    // The pull shares only the login with the push, so it is not proposed.
    assert!(report
        .anticipated
        .iter()
        .all(|item| item.flow == "ecr-push"));
    assert_eq!(
        report.not_anticipated,
        [NotAnticipated {
            flow: "ecr-push".to_owned(),
            step: "ecr.amazonaws.com BatchGetImage".to_owned(),
            action: "ecr:BatchGetImage".to_owned(),
            reason: "the push permissions page lists it, but docker calls it only when it reads a \
                     manifest back"
                .to_owned(),
        }]
    );
}

#[test]
fn denied_login_alone_names_no_repository() {
    let records = vec![call(
        "2026-11-20T09:00:00Z",
        "ecr.amazonaws.com",
        "GetAuthorizationToken",
        json!(null),
        Some(("ecr:GetAuthorizationToken", "*")),
    )];
    let report = learn_with(records, AnticipateMode::Suggest);
    assert!(report.anticipated.is_empty());
    let reason =
        "its repository ARN needs `RepositoryName`, and no call of this flow in the events names them";
    let left_out: Vec<(&str, &str, &str)> = report
        .not_anticipated
        .iter()
        .map(|item| {
            (
                item.flow.as_str(),
                item.action.as_str(),
                item.reason.as_str(),
            )
        })
        .collect();
    assert!(
        left_out.contains(&("ecr-push", "ecr:PutImage", reason)),
        "{left_out:?}"
    );
    assert!(
        left_out.contains(&("ecr-pull", "ecr:BatchGetImage", reason)),
        "{left_out:?}"
    );
}

#[test]
fn denied_registration_anticipates_both_roles_with_condition() {
    let records = vec![call(
        "2026-11-20T09:00:00Z",
        "ecs.amazonaws.com",
        "RegisterTaskDefinition",
        json!({"family": "web-app", "taskRoleArn": "web-app-task",
               "executionRoleArn": "arn:aws:iam::111122223333:role/ecsTaskExecutionRole"}),
        Some(("ecs:RegisterTaskDefinition", "*")),
    )];
    let report = learn_with(records, AnticipateMode::Suggest);
    assert_eq!(
        pairs(&report),
        [
            (
                "iam:PassRole".to_owned(),
                "arn:aws:iam::111122223333:role/web-app-task".to_owned()
            ),
            (
                "iam:PassRole".to_owned(),
                "arn:aws:iam::111122223333:role/ecsTaskExecutionRole".to_owned()
            ),
        ]
    );
    let condition =
        &report.anticipated[0].requirement.conditions["StringEquals"]["iam:PassedToService"];
    assert_eq!(condition, &["ecs-tasks.amazonaws.com"]);
    assert_eq!(
        report.anticipated[1].source.title,
        "Amazon ECS task execution IAM role"
    );
    // The registration itself was denied and is the finding's, and the
    // service is not named yet.
    let left_out: Vec<&str> = report
        .not_anticipated
        .iter()
        .map(|item| item.action.as_str())
        .collect();
    assert_eq!(left_out, ["ecs:DescribeServices", "ecs:UpdateService"]);
}

#[test]
fn second_role_follows_a_denied_first_role() {
    let params = json!({"family": "web-app",
        "taskRoleArn": "arn:aws:iam::111122223333:role/web-app-task",
        "executionRoleArn": "arn:aws:iam::111122223333:role/ecsTaskExecutionRole"});
    let records = vec![call(
        "2026-11-20T09:00:00Z",
        "ecs.amazonaws.com",
        "RegisterTaskDefinition",
        params,
        Some((
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/web-app-task",
        )),
    )];
    let report = learn_with(records, AnticipateMode::Suggest);
    assert_eq!(
        pairs(&report),
        [(
            "iam:PassRole".to_owned(),
            "arn:aws:iam::111122223333:role/ecsTaskExecutionRole".to_owned()
        )]
    );
}

#[test]
fn sync_listing_anticipates_uploads_under_the_prefix() {
    let records = vec![call(
        "2026-11-20T09:00:00Z",
        "s3.amazonaws.com",
        "ListObjects",
        json!({"bucketName": "example-site", "prefix": "site/", "list-type": "2"}),
        Some(("s3:ListBucket", "\"arn:aws:s3:::example-site\"")),
    )];
    let report = learn_with(records, AnticipateMode::Suggest);
    assert_eq!(
        pairs(&report),
        [(
            "s3:PutObject".to_owned(),
            "arn:aws:s3:::example-site/site/*".to_owned()
        )]
    );
    let left_out: Vec<(&str, &str)> = report
        .not_anticipated
        .iter()
        .map(|item| (item.action.as_str(), item.reason.as_str()))
        .collect();
    assert!(left_out.contains(&(
        "s3:DeleteObject",
        "only `aws s3 sync --delete` deletes objects"
    )));
}

#[test]
fn delimited_listing_is_not_a_sync() {
    // Terraform's S3 backend lists its workspaces with a delimiter.
    let records = vec![call(
        "2026-11-20T09:00:00Z",
        "s3.amazonaws.com",
        "ListObjects",
        json!({"bucketName": "tf-state", "prefix": "env:/", "delimiter": "/", "list-type": "2"}),
        Some(("s3:ListBucket", "\"arn:aws:s3:::tf-state\"")),
    )];
    let report = learn_with(records, AnticipateMode::Suggest);
    assert!(pairs(&report).is_empty(), "{:?}", pairs(&report));
}

#[test]
fn denied_action_is_not_also_left_out() {
    let object = "arn:aws:s3:::site/index.html";
    let mut upload = call(
        "2026-11-20T09:00:00Z",
        "s3.amazonaws.com",
        "PutObject",
        json!({"bucketName": "site", "key": "index.html", "x-amz-acl": "public-read"}),
        Some(("s3:PutObjectAcl", object)),
    );
    upload.error_message = Some(format!(
        "User: arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions is not \
         authorized to perform: s3:PutObjectAcl on resource: \"{object}\" because no \
         identity-based policy allows the s3:PutObjectAcl action"
    ));
    let report = learn_with(vec![upload], AnticipateMode::Suggest);
    let left_out: Vec<&str> = report
        .not_anticipated
        .iter()
        .map(|item| item.action.as_str())
        .collect();
    assert!(!left_out.contains(&"s3:PutObjectAcl"), "{left_out:?}");
}

#[test]
fn cross_account_pull_names_the_registry_account() {
    let repository = "arn:aws:ecr:us-west-2:444455556666:repository/base/node";
    let mut pull = call(
        "2026-11-20T09:00:05Z",
        "ecr.amazonaws.com",
        "BatchGetImage",
        json!({"registryId": "444455556666", "repositoryName": "base/node"}),
        Some(("ecr:BatchGetImage", repository)),
    );
    pull.aws_region = Some("us-west-2".to_owned());
    let report = learn_with(vec![pull], AnticipateMode::Suggest);
    assert_eq!(
        pairs(&report),
        [(
            "ecr:GetDownloadUrlForLayer".to_owned(),
            repository.to_owned()
        )]
    );
}

#[test]
fn cdk_roles_follow_the_qualifier_seen() {
    let role = "arn:aws:iam::111122223333:role/cdk-hnb659fds-deploy-role-111122223333-eu-west-1";
    let records = vec![call(
        "2026-11-20T09:00:00Z",
        "sts.amazonaws.com",
        "AssumeRole",
        json!({"roleArn": role, "roleSessionName": "aws-cdk-gha"}),
        Some(("sts:AssumeRole", role)),
    )];
    let report = learn_with(records, AnticipateMode::Suggest);
    assert_eq!(
        pairs(&report),
        [(
            "sts:AssumeRole".to_owned(),
            "arn:aws:iam::111122223333:role/cdk-hnb659fds-file-publishing-role-111122223333-eu-west-1"
                .to_owned()
        )]
    );
}

#[test]
fn denial_outside_the_identity_policy_activates_no_flow() {
    let repository = "arn:aws:ecr:us-east-1:111122223333:repository/web-app";
    let mut record = call(
        "2026-11-20T09:00:05Z",
        "ecr.amazonaws.com",
        "BatchCheckLayerAvailability",
        json!({"repositoryName": "web-app"}),
        None,
    );
    record.error_code = Some("AccessDeniedException".to_owned());
    record.error_message = Some(format!(
        "User: arn:aws:sts::111122223333:assumed-role/gha-deploy/GitHubActions is not authorized \
         to perform: ecr:BatchCheckLayerAvailability on resource: {repository} with an explicit \
         deny in a service control policy"
    ));
    let report = learn_with(vec![record], AnticipateMode::Suggest);
    assert!(report.anticipated.is_empty());
    assert!(report.not_anticipated.is_empty());
}

#[test]
fn statements_carry_the_prefix() {
    let item = Anticipated {
        requirement: Requirement {
            action: "ecr:PutImage".to_owned(),
            resource: "arn:aws:ecr:us-east-1:1:repository/a".to_owned(),
            resource_type: Some("repository".to_owned()),
            conditions: BTreeMap::new(),
            action_source: ActionSource::Flow,
            resource_source: ResourceSource::Event,
        },
        flow: "ecr-push".to_owned(),
        step: "ecr.amazonaws.com PutImage".to_owned(),
        reason: String::new(),
        source: Citation {
            title: String::new(),
            url: String::new(),
        },
    };
    let built = statements(&[item]);
    assert_eq!(built.len(), 1);
    assert_eq!(built[0].sid.as_deref(), Some("AnticipatedEcrRepository"));
}

#[test]
fn text_report_shows_both_lists() {
    let records = vec![call(
        "2026-11-20T09:00:00Z",
        "ecs.amazonaws.com",
        "RegisterTaskDefinition",
        json!({"family": "web-app", "taskRoleArn": "web-app-task",
               "executionRoleArn": "arn:aws:iam::111122223333:role/ecsTaskExecutionRole"}),
        Some(("ecs:RegisterTaskDefinition", "*")),
    )];
    let report = learn_with(records, AnticipateMode::Suggest);
    let mut out = Vec::new();
    write_text(&report, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();

    assert_eq!(
        lines[0],
        "Anticipated for the rest of the deploy (not in the statements below; add them after \
         review, or pass `--anticipate include`):"
    );
    assert_eq!(
        lines[1],
        "  - iam:PassRole  arn:aws:iam::111122223333:role/web-app-task"
    );
    assert_eq!(
        lines[2],
        "      condition StringEquals iam:PassedToService ecs-tasks.amazonaws.com"
    );
    assert_eq!(lines[3], "      flow      ecs-deploy");
    assert!(
        lines[4].starts_with("      why       register an Amazon ECS task definition"),
        "{}",
        lines[4]
    );
    assert_eq!(
        lines[5],
        "      source    Grant a user permissions to pass a role to an AWS service \
         <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html>"
    );

    let left_out = lines
        .iter()
        .position(|line| *line == "Not anticipated:")
        .unwrap();
    assert_eq!(
        lines[left_out + 1],
        "  - ecs:DescribeServices for ecs.amazonaws.com DescribeServices (ecs-deploy): its service \
         ARN needs `ClusterName`, `ServiceName`, and no call of this flow in the events names them"
    );
}

#[test]
fn an_upload_that_names_its_kms_key_needs_generate_data_key_on_it() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let upload = |time: &str, key_id: &str| {
        call(
            time,
            "s3.amazonaws.com",
            "PutObject",
            json!({
                "bucketName": "artifacts",
                "key": "build.zip",
                "x-amz-server-side-encryption": "aws:kms",
                "x-amz-server-side-encryption-aws-kms-key-id": key_id
            }),
            Some(("s3:PutObject", "arn:aws:s3:::artifacts/build.zip")),
        )
    };
    let report = learn_with(
        vec![upload("2026-11-20T09:00:00Z", key)],
        AnticipateMode::Suggest,
    );
    let kms: Vec<&Anticipated> = report
        .anticipated
        .iter()
        .filter(|item| item.requirement.action == "kms:GenerateDataKey")
        .collect();
    assert_eq!(kms.len(), 1, "{:#?}", report.anticipated);
    assert_eq!(kms[0].requirement.resource, key);
    assert_eq!(
        kms[0].requirement.conditions["StringEquals"]["kms:ViaService"],
        ["s3.us-east-1.amazonaws.com"]
    );

    // A bare key id is the key of the call's account and Region.
    let report = learn_with(
        vec![upload(
            "2026-11-20T09:00:00Z",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
        )],
        AnticipateMode::Suggest,
    );
    assert!(pairs(&report).contains(&("kms:GenerateDataKey".to_owned(), key.to_owned())));

    // An alias is not a key resource, and an upload without a key gives none.
    for key_id in ["alias/artifacts", ""] {
        let report = learn_with(
            vec![upload("2026-11-20T09:00:00Z", key_id)],
            AnticipateMode::Suggest,
        );
        assert!(
            report
                .anticipated
                .iter()
                .all(|item| item.requirement.action != "kms:GenerateDataKey"),
            "{key_id}: {:#?}",
            report.anticipated
        );
        assert!(report
            .not_anticipated
            .iter()
            .any(|item| item.action == "kms:GenerateDataKey"));
    }
}

/// Learns from `records` with the deploy hints of `workflow`, written as
/// `.github/workflows/deploy.yml` with `files` beside `.github/`.
fn learn_workflow(workflow: &str, files: &[(&str, &str)], records: Vec<Record>) -> Report {
    let root = tempfile::tempdir().unwrap();
    for (path, text) in files {
        std::fs::write(root.path().join(path), text).unwrap();
    }
    let folder = root.path().join(".github/workflows");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("deploy.yml");
    std::fs::write(&path, workflow).unwrap();
    let mut options = options(AnticipateMode::Suggest);
    options.hints = read_workflow(&path, None).unwrap();
    let mut report = learn(records, Catalog::embedded().unwrap(), &options);
    // Reasons name the temporary folder; the tests compare the rest.
    let root = format!("{}/", root.path().display());
    for item in &mut report.not_anticipated {
        item.reason = item.reason.replace(&root, "");
    }
    for item in &mut report.anticipated {
        item.reason = item.reason.replace(&root, "");
    }
    report
}

/// A denied `ecr:GetAuthorizationToken`, which activates the workflow's
/// flows.
fn denied_login() -> Record {
    call(
        "2026-11-20T09:00:00Z",
        "ecr.amazonaws.com",
        "GetAuthorizationToken",
        json!(null),
        Some(("ecr:GetAuthorizationToken", "*")),
    )
}

fn reasons_of<'a>(report: &'a Report, action: &str) -> Vec<&'a str> {
    report
        .not_anticipated
        .iter()
        .filter(|item| item.action == action)
        .map(|item| item.reason.as_str())
        .collect()
}

const CREDENTIALS: &str = "      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::111122223333:role/gha-deploy
          aws-region: eu-west-1
";

#[test]
fn jobs_of_other_roles_are_not_anticipated() {
    let workflow = "
jobs:
  build:
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: {role-to-assume: arn:aws:iam::111122223333:role/gha-build, aws-region: us-east-1}
      - run: aws s3 cp ./app.zip s3://build-artifacts/app.zip
  deploy:
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: {role-to-assume: arn:aws:iam::111122223333:role/gha-deploy, aws-region: us-east-1}
      - run: aws s3 cp ./index.html s3://deploy-site/index.html
  other-account:
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: {role-to-assume: arn:aws:iam::999988887777:role/gha-deploy, aws-region: us-east-1}
      - run: aws s3 cp ./index.html s3://other-site/index.html
  chained:
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: {role-to-assume: gha-deploy, aws-region: us-east-1}
      - run: aws s3 cp ./a s3://before-chain/a
      - uses: aws-actions/configure-aws-credentials@v4
        with: {role-to-assume: arn:aws:iam::111122223333:role/prod-admin, aws-region: us-east-1, role-chaining: true}
      - run: aws s3 cp ./x s3://after-chain/x
  unknown-role:
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: {role-to-assume: '${{ secrets.ROLE }}', aws-region: us-east-1}
      - run: aws s3 cp ./y s3://secret-role-site/y
";
    let report = learn_workflow(workflow, &[], vec![denied_login()]);
    let uploads: Vec<&Anticipated> = report
        .anticipated
        .iter()
        .filter(|item| item.requirement.action == "s3:PutObject")
        .collect();
    let resources: Vec<&str> = uploads
        .iter()
        .map(|item| item.requirement.resource.as_str())
        .collect();
    assert_eq!(
        resources,
        [
            "arn:aws:s3:::before-chain/a",
            "arn:aws:s3:::deploy-site/index.html",
            "arn:aws:s3:::secret-role-site/y"
        ]
    );
    let caveat = "the step's role is unknown before the run (`with.role-to-assume` of step \
                  `aws-actions/configure-aws-credentials` of job `unknown-role`";
    assert!(uploads[2].reason.contains(caveat), "{}", uploads[2].reason);
    assert!(!uploads[1].reason.contains("unknown before the run"));
}

#[test]
fn function_arn_keeps_its_account_and_region() {
    let workflow = format!(
        "
jobs:
  deploy:
    steps:
{CREDENTIALS}      - run: aws lambda update-function-code --function-name arn:aws:lambda:eu-central-1:444455556666:function:xacct:live --zip-file fileb://f.zip
      - run: aws lambda update-function-code --function-name 555566667777:function:partial --zip-file fileb://f.zip
"
    );
    let report = learn_workflow(&workflow, &[], vec![denied_login()]);
    assert_eq!(
        pairs(&report),
        [
            (
                "lambda:UpdateFunctionCode".to_owned(),
                "arn:aws:lambda:eu-central-1:444455556666:function:xacct".to_owned()
            ),
            (
                "lambda:UpdateFunctionCode".to_owned(),
                "arn:aws:lambda:eu-west-1:555566667777:function:partial".to_owned()
            ),
        ]
    );
}

#[test]
fn lambda_commands_anticipate_only_their_calls() {
    let workflow = format!(
        "
jobs:
  deploy:
    steps:
{CREDENTIALS}      - run: aws lambda publish-version --function-name only-publish
      - run: aws lambda update-function-configuration --function-name only-config --timeout 9
      - run: |
          aws lambda update-function-code --function-name code --zip-file fileb://f.zip --publish
          aws lambda wait function-updated --function-name code
"
    );
    let report = learn_workflow(&workflow, &[], vec![denied_login()]);
    let function = |name: &str| format!("arn:aws:lambda:eu-west-1:111122223333:function:{name}");
    let mut found = pairs(&report);
    found.sort();
    assert_eq!(
        found,
        [
            (
                "lambda:GetFunctionConfiguration".to_owned(),
                function("code")
            ),
            ("lambda:PublishVersion".to_owned(), function("code")),
            ("lambda:PublishVersion".to_owned(), function("only-publish")),
            ("lambda:UpdateFunctionCode".to_owned(), function("code")),
            (
                "lambda:UpdateFunctionConfiguration".to_owned(),
                function("only-config")
            ),
        ]
    );
}

#[test]
fn workflow_region_beats_a_global_service_record() {
    let workflow = format!(
        "
jobs:
  deploy:
    steps:
{CREDENTIALS}      - run: aws lambda update-function-code --function-name f3 --zip-file fileb://f.zip
      - run: AWS_REGION=ap-south-1 aws lambda update-function-code --function-name f4 --zip-file fileb://f.zip
"
    );
    let get_role = call(
        "2026-11-20T09:00:00Z",
        "iam.amazonaws.com",
        "GetRole",
        json!({"roleName": "x"}),
        Some(("iam:GetRole", "arn:aws:iam::111122223333:role/x")),
    );
    let report = learn_workflow(&workflow, &[], vec![get_role]);
    let resources: Vec<String> = pairs(&report)
        .into_iter()
        .filter(|(action, _)| action == "lambda:UpdateFunctionCode")
        .map(|(_, resource)| resource)
        .collect();
    assert_eq!(
        resources,
        [
            "arn:aws:lambda:ap-south-1:111122223333:function:f4",
            "arn:aws:lambda:eu-west-1:111122223333:function:f3"
        ]
    );
    let item = &report.anticipated[0];
    assert_eq!(item.requirement.resource_source, ResourceSource::Workflow);
}

#[test]
fn unresolved_uploads_stay_listed_beside_resolved_ones() {
    let workflow = format!(
        "
jobs:
  deploy:
    steps:
{CREDENTIALS}      - run: aws s3 cp ./x \"s3://known-bucket/x\"
      - run: aws s3 cp ./y \"s3://${{{{ secrets.PROD_BUCKET }}}}/y\"
      - run: aws s3 cp ./z s3://artifacts/releases/${{{{ github.sha }}}}.zip
"
    );
    let denied_upload = call(
        "2026-11-20T09:00:00Z",
        "s3.amazonaws.com",
        "PutObject",
        json!({"bucketName": "known-bucket", "key": "x"}),
        Some(("s3:PutObject", "arn:aws:s3:::known-bucket/x")),
    );
    let report = learn_workflow(&workflow, &[], vec![denied_upload]);
    let reasons = reasons_of(&report, "s3:PutObject");
    assert_eq!(reasons.len(), 2, "{reasons:#?}");
    assert!(
        reasons[0].starts_with("its object ARN needs `BucketName`: `aws s3 cp` of step `step 3`"),
        "{}",
        reasons[0]
    );
    assert!(
        reasons[0].ends_with("is `${{ secrets.PROD_BUCKET }}`, known only when the workflow runs")
    );
    assert!(
        reasons[1].starts_with("its object ARN needs `ObjectName`: `aws s3 cp` of step `step 4`"),
        "{}",
        reasons[1]
    );
    assert!(reasons[1].ends_with("is `${{ github.sha }}`, known only when the workflow runs"));
}

#[test]
fn s3_options_anticipate_their_permissions() {
    let key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let workflow = format!(
        "
jobs:
  deploy:
    steps:
{CREDENTIALS}      - run: aws s3 sync ./dist s3://site-b --delete
      - run: aws s3 cp index.html s3://site-c/index.html --acl public-read
      - run: aws s3 cp ./x s3://sse-b/x --sse aws:kms --sse-kms-key-id {key}
      - run: aws s3 sync ./dist s3://keep-b
"
    );
    let report = learn_workflow(&workflow, &[], vec![denied_login()]);
    let found = pairs(&report);
    let has =
        |action: &str, resource: &str| found.contains(&(action.to_owned(), resource.to_owned()));
    assert!(
        has("s3:DeleteObject", "arn:aws:s3:::site-b/*"),
        "{found:#?}"
    );
    assert!(!has("s3:DeleteObject", "arn:aws:s3:::keep-b/*"));
    assert!(has("s3:PutObjectAcl", "arn:aws:s3:::site-c/index.html"));
    assert!(!has("s3:PutObjectAcl", "arn:aws:s3:::sse-b/x"));
    assert!(has("kms:GenerateDataKey", key));
}

#[test]
fn unusable_pass_roles_are_left_out() {
    let workflow = format!(
        "
jobs:
  deploy:
    steps:
{CREDENTIALS}      - uses: aws-actions/amazon-ecs-deploy-task-definition@v2
        with:
          task-definition: td.json
          cluster: prod
          service: api
"
    );
    let definition = r#"{"family": "api",
        "taskRoleArn": "arn:aws:iam::444455556666:role/xacct-task",
        "executionRoleArn": "arn:aws:iam::111122223333:role/${EXEC_ROLE}"}"#;
    let report = learn_workflow(&workflow, &[("td.json", definition)], vec![denied_login()]);
    assert!(
        report
            .anticipated
            .iter()
            .all(|item| item.requirement.action != "iam:PassRole"),
        "{:#?}",
        report.anticipated
    );
    let reasons = reasons_of(&report, "iam:PassRole");
    assert_eq!(
        reasons,
        [
            "its role ARN needs `TaskRoleArn`: the role `arn:aws:iam::444455556666:role/xacct-task` \
             (td.json) is in account 444455556666, and IAM cannot pass a role of another account \
             than the deploy's (111122223333)",
            "its role ARN needs `ExecutionRoleArn`: the task definition td.json sets \
             `executionRoleArn` to `arn:aws:iam::111122223333:role/${EXEC_ROLE}`, which holds an \
             unexpanded shell placeholder",
        ]
    );
}

#[test]
fn workflow_flows_follow_a_denial_the_policy_allows_since() {
    let root = tempfile::tempdir().unwrap();
    let folder = root.path().join(".github/workflows");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("site.yml");
    std::fs::write(
        &path,
        format!(
            "on: push
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
{CREDENTIALS}      - run: aws s3 sync ./dist s3://site-b/
"
        ),
    )
    .unwrap();
    let current = crate::policy::parse::parse_text(
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Put", "Effect": "Allow",
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::site-b/*"}]}"#,
        "current.json",
        "current",
        &Default::default(),
    )
    .unwrap();
    let mut options = options(AnticipateMode::Suggest);
    options.hints = read_workflow(&path, None).unwrap();
    options.current = Some(current);
    let upload = call(
        "2026-11-20T09:00:00Z",
        "s3.amazonaws.com",
        "PutObject",
        json!({"bucketName": "site-b", "key": "index.html"}),
        Some(("s3:PutObject", "arn:aws:s3:::site-b/index.html")),
    );
    let report = learn(vec![upload], Catalog::embedded().unwrap(), &options);
    assert_eq!(report.findings[0].status, Status::AlreadyAllowed);
    assert_eq!(
        pairs(&report),
        [("s3:ListBucket".to_owned(), "arn:aws:s3:::site-b".to_owned())]
    );
}
