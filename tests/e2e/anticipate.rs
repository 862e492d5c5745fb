//! Anticipation in a closed loop: each deploy flow is replayed from an empty
//! policy until it succeeds, learning after every failed run, without
//! anticipation, with the suggested statements applied, and with them
//! included; for the flows with a workflow file under `fixtures/`, the
//! last two again with that workflow's deploy hints. The table of failed
//! runs is printed with `--nocapture` and recorded in BENCHMARKS.md.

use serde_json::json;

use trailgrant::anticipate::{read_workflow, DeployHints};
use trailgrant::catalog::Catalog;

use crate::support::authorizer::{ProjectEvaluator, Request};
use crate::support::simulator::{
    converge, unused_grants, Applied, Call, Convergence, Scenario, ACCOUNT,
};
use crate::support::{arg, fixture, run, ROLE};

const ECR: &str = "ecr.amazonaws.com";
const ECS: &str = "ecs.amazonaws.com";

fn arn(service: &str, rest: &str) -> String {
    format!("arn:aws:{service}:us-east-1:{ACCOUNT}:{rest}")
}

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

/// `docker push` of one new layer to a private repository, after
/// `aws ecr get-login-password`.
fn ecr_push(repository: &str) -> Vec<Call> {
    let repository_arn = arn("ecr", &format!("repository/{repository}"));
    let params = json!({"registryId": ACCOUNT, "repositoryName": repository});
    let on_repository = |action: &str| vec![Request::new(action, &repository_arn)];
    vec![
        Call::new(
            ECR,
            "GetAuthorizationToken",
            json!(null),
            vec![Request::new("ecr:GetAuthorizationToken", "*")],
        ),
        Call::new(
            ECR,
            "BatchCheckLayerAvailability",
            json!({"registryId": ACCOUNT, "repositoryName": repository, "layerDigests": ["sha256:3f1b"]}),
            on_repository("ecr:BatchCheckLayerAvailability"),
        ),
        Call::new(
            ECR,
            "InitiateLayerUpload",
            params.clone(),
            on_repository("ecr:InitiateLayerUpload"),
        ),
        Call::new(
            ECR,
            "UploadLayerPart",
            params.clone(),
            on_repository("ecr:UploadLayerPart"),
        ),
        Call::new(
            ECR,
            "CompleteLayerUpload",
            params.clone(),
            on_repository("ecr:CompleteLayerUpload"),
        ),
        Call::new(
            ECR,
            "PutImage",
            json!({"registryId": ACCOUNT, "repositoryName": repository, "imageTag": "3f9c2e1"}),
            on_repository("ecr:PutImage"),
        ),
    ]
}

/// `aws-actions/amazon-ecs-deploy-task-definition` with
/// `wait-for-service-stability`: register, describe the service, update it,
/// wait. AWS authorizes `RegisterTaskDefinition` on `*` (the action's
/// documented policy), then passes the task and execution roles.
fn ecs_deploy(family: &str, cluster: &str, service: &str) -> Vec<Call> {
    let service_arn = arn("ecs", &format!("service/{cluster}/{service}"));
    let pass = |name: &str| {
        Request::new("iam:PassRole", &role(name))
            .with("iam:PassedToService", "ecs-tasks.amazonaws.com")
    };
    let describe = || {
        Call::new(
            ECS,
            "DescribeServices",
            json!({"cluster": cluster, "services": [service]}),
            vec![Request::new("ecs:DescribeServices", &service_arn)],
        )
    };
    vec![
        Call::new(
            ECS,
            "RegisterTaskDefinition",
            json!({
                "family": family,
                "taskRoleArn": role(&format!("{family}-task")),
                "executionRoleArn": role("ecsTaskExecutionRole"),
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "cpu": "256",
                "memory": "512",
                "containerDefinitions": [{
                    "name": family,
                    "image": format!("{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{family}:3f9c2e1"),
                    "essential": true
                }]
            }),
            vec![
                Request::new("ecs:RegisterTaskDefinition", "*"),
                pass(&format!("{family}-task")),
                pass("ecsTaskExecutionRole"),
            ],
        ),
        describe(),
        Call::new(
            ECS,
            "UpdateService",
            json!({"cluster": cluster, "service": service, "taskDefinition": format!("{family}:15"),
                   "forceNewDeployment": false}),
            vec![Request::new("ecs:UpdateService", &service_arn)],
        ),
        describe(),
    ]
}

/// `docker push` to ECR Public, which lives in us-east-1 and whose token
/// also needs `sts:GetServiceBearerToken`.
fn ecr_public_push(repository: &str) -> Vec<Call> {
    let repository_arn = format!("arn:aws:ecr-public::{ACCOUNT}:repository/{repository}");
    let params = json!({"registryId": ACCOUNT, "repositoryName": repository});
    let step = |name: &str| {
        Call::new(
            "ecr-public.amazonaws.com",
            name,
            params.clone(),
            vec![Request::new(&format!("ecr-public:{name}"), &repository_arn)],
        )
    };
    vec![
        Call::new(
            "ecr-public.amazonaws.com",
            "GetAuthorizationToken",
            json!(null),
            vec![
                Request::new("ecr-public:GetAuthorizationToken", "*"),
                Request::new("sts:GetServiceBearerToken", "*"),
            ],
        ),
        step("BatchCheckLayerAvailability"),
        step("InitiateLayerUpload"),
        step("UploadLayerPart"),
        step("CompleteLayerUpload"),
        step("PutImage"),
    ]
}

/// `docker pull` from a private repository.
fn ecr_pull(repository: &str) -> Vec<Call> {
    let repository_arn = arn("ecr", &format!("repository/{repository}"));
    vec![
        Call::new(
            ECR,
            "GetAuthorizationToken",
            json!(null),
            vec![Request::new("ecr:GetAuthorizationToken", "*")],
        ),
        Call::new(
            ECR,
            "BatchGetImage",
            json!({"registryId": ACCOUNT, "repositoryName": repository, "imageIds": [{"imageTag": "latest"}]}),
            vec![Request::new("ecr:BatchGetImage", &repository_arn)],
        ),
        Call::new(
            ECR,
            "GetDownloadUrlForLayer",
            json!({"registryId": ACCOUNT, "repositoryName": repository, "layerDigest": "sha256:9a0b"}),
            vec![Request::new("ecr:GetDownloadUrlForLayer", &repository_arn)],
        ),
    ]
}

/// `aws s3 sync ./dist s3://BUCKET/PREFIX [--delete]` of new files.
fn s3_sync(bucket: &str, prefix: &str, uploads: &[&str], deletes: &[&str]) -> Vec<Call> {
    let host = format!("{bucket}.s3.us-east-1.amazonaws.com");
    let object = |key: &str| format!("arn:aws:s3:::{bucket}/{prefix}{key}");
    let mut calls = vec![Call::new(
        "s3.amazonaws.com",
        "ListObjects",
        json!({"bucketName": bucket, "Host": host, "list-type": "2", "prefix": prefix, "encoding-type": "url"}),
        vec![Request::new("s3:ListBucket", &format!("arn:aws:s3:::{bucket}"))],
    )
    .error_code("AccessDenied")
    .data_event()];
    for key in uploads {
        calls.push(
            Call::new(
                "s3.amazonaws.com",
                "PutObject",
                json!({"bucketName": bucket, "Host": host, "key": format!("{prefix}{key}")}),
                vec![Request::new("s3:PutObject", &object(key))],
            )
            .error_code("AccessDenied")
            .data_event(),
        );
    }
    for key in deletes {
        calls.push(
            Call::new(
                "s3.amazonaws.com",
                "DeleteObject",
                json!({"bucketName": bucket, "Host": host, "key": format!("{prefix}{key}")}),
                vec![Request::new("s3:DeleteObject", &object(key))],
            )
            .error_code("AccessDenied")
            .data_event(),
        );
    }
    calls
}

/// `aws lambda update-function-code`, wait, `update-function-configuration`,
/// wait, `publish-version`; CloudTrail writes Lambda's event names with the
/// API version.
fn lambda_deploy(function: &str) -> Vec<Call> {
    let function_arn = arn("lambda", &format!("function:{function}"));
    let call = |event: &str, action: &str| {
        Call::new(
            "lambda.amazonaws.com",
            event,
            json!({"functionName": function}),
            vec![Request::new(action, &function_arn)],
        )
    };
    vec![
        call("UpdateFunctionCode20150331v2", "lambda:UpdateFunctionCode"),
        call(
            "GetFunctionConfiguration20150331v2",
            "lambda:GetFunctionConfiguration",
        ),
        call(
            "UpdateFunctionConfiguration20150331v2",
            "lambda:UpdateFunctionConfiguration",
        ),
        call(
            "GetFunctionConfiguration20150331v2",
            "lambda:GetFunctionConfiguration",
        ),
        call("PublishVersion20150331", "lambda:PublishVersion"),
    ]
}

/// `aws cloudformation deploy --role-arn …` of a stack: describe, create a
/// change set passing the service role, wait, execute, wait. The stack ID is
/// not known before the stack exists, so AWS checks `stack/NAME/*`.
fn cloudformation_deploy(stack: &str, service_role: &str) -> Vec<Call> {
    let stack_arn = arn("cloudformation", &format!("stack/{stack}/*"));
    let source = "cloudformation.amazonaws.com";
    let call = |event: &str, params: serde_json::Value| {
        Call::new(
            source,
            event,
            params,
            vec![Request::new(&format!("cloudformation:{event}"), &stack_arn)],
        )
        .error_code("AccessDenied")
    };
    let mut create = call(
        "CreateChangeSet",
        json!({"stackName": stack, "changeSetName": "samcli-deploy-1", "changeSetType": "CREATE",
               "roleARN": role(service_role), "capabilities": ["CAPABILITY_IAM"]}),
    );
    create.needs.push(
        Request::new("iam:PassRole", &role(service_role))
            .with("iam:PassedToService", "cloudformation.amazonaws.com"),
    );
    let change_set = json!({"stackName": stack, "changeSetName": "samcli-deploy-1"});
    vec![
        call("DescribeStacks", json!({"stackName": stack})),
        create,
        call("DescribeChangeSet", change_set.clone()),
        call("ExecuteChangeSet", change_set),
        call("DescribeStacks", json!({"stackName": stack})),
    ]
}

/// `cdk deploy` of an app with file assets: the CLI assumes the file
/// publishing role, then the deploy role.
fn cdk_deploy(qualifier: &str) -> Vec<Call> {
    let assume = |kind: &str| {
        let role_arn = role(&format!("cdk-{qualifier}-{kind}-role-{ACCOUNT}-us-east-1"));
        Call::new(
            "sts.amazonaws.com",
            "AssumeRole",
            json!({"roleArn": role_arn, "roleSessionName": "aws-cdk-gha-deploy"}),
            vec![Request::new("sts:AssumeRole", &role_arn)],
        )
        .error_code("AccessDenied")
    };
    vec![assume("file-publishing"), assume("deploy")]
}

/// Two `aws ssm get-parameter --with-decryption` calls.
fn ssm_read(names: &[&str]) -> Vec<Call> {
    names
        .iter()
        .map(|name| {
            Call::new(
                "ssm.amazonaws.com",
                "GetParameter",
                json!({"name": name, "withDecryption": true}),
                vec![Request::new(
                    "ssm:GetParameter",
                    &arn("ssm", &format!("parameter{name}")),
                )],
            )
        })
        .collect()
}

/// `aws secretsmanager get-secret-value`.
fn secret_read(secret: &str) -> Vec<Call> {
    vec![Call::new(
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        json!({"secretId": secret}),
        vec![Request::new(
            "secretsmanager:GetSecretValue",
            &arn("secretsmanager", &format!("secret:{secret}-AbCdEf")),
        )],
    )]
}

/// `aws eks update-kubeconfig --name CLUSTER`.
fn eks_update_kubeconfig(cluster: &str) -> Vec<Call> {
    vec![Call::new(
        "eks.amazonaws.com",
        "DescribeCluster",
        json!({"name": cluster}),
        vec![Request::new(
            "eks:DescribeCluster",
            &arn("eks", &format!("cluster/{cluster}")),
        )],
    )]
}

/// The workflow file of each scenario that has one, under `fixtures/`.
fn workflow_of(scenario: &str) -> Option<&'static str> {
    Some(match scenario {
        "private ECR push + ECS deploy" => "ecr-ecs-deploy/workflow.yml",
        "private ECR push" => "workflows/ecr-push/.github/workflows/image.yml",
        "ECR Public push" => "workflows/ecr-public-push/.github/workflows/image.yml",
        "ECS deploy" => "workflows/ecs-deploy/.github/workflows/deploy.yml",
        "S3 sync (2 files)" => "workflows/s3-sync/.github/workflows/site.yml",
        "S3 sync --delete (2 files, 1 delete)" => {
            "workflows/s3-sync/.github/workflows/site-prune.yml"
        }
        "Lambda code, config, publish" => "workflows/lambda/.github/workflows/function.yml",
        "CloudFormation deploy (service role)" => {
            "workflows/cloudformation/.github/workflows/stack.yml"
        }
        "EKS update-kubeconfig" => "workflows/eks/.github/workflows/kubectl.yml",
        _ => return None,
    })
}

fn hints_of(scenario: &str) -> Option<DeployHints> {
    let path = workflow_of(scenario)?;
    Some(read_workflow(&fixture(path), None).unwrap())
}

fn scenarios() -> Vec<Scenario> {
    let mut push_and_deploy = ecr_push("web-app");
    push_and_deploy.extend(ecs_deploy("web-app", "prod", "web-app"));
    vec![
        Scenario {
            name: "private ECR push + ECS deploy",
            calls: push_and_deploy,
        },
        Scenario {
            name: "private ECR push",
            calls: ecr_push("web-app"),
        },
        Scenario {
            name: "ECR Public push",
            calls: ecr_public_push("web-app"),
        },
        Scenario {
            name: "ECR pull",
            calls: ecr_pull("base-images"),
        },
        Scenario {
            name: "ECS deploy",
            calls: ecs_deploy("web-app", "prod", "web-app"),
        },
        Scenario {
            name: "S3 sync (2 files)",
            calls: s3_sync("example-site", "site/", &["index.html", "app.js"], &[]),
        },
        Scenario {
            name: "S3 sync --delete (2 files, 1 delete)",
            calls: s3_sync(
                "example-site",
                "site/",
                &["index.html", "app.js"],
                &["old.html"],
            ),
        },
        Scenario {
            name: "Lambda code, config, publish",
            calls: lambda_deploy("orders-api"),
        },
        Scenario {
            name: "CloudFormation deploy (service role)",
            calls: cloudformation_deploy("app-stack", "cfn-exec"),
        },
        Scenario {
            name: "CDK deploy (file assets)",
            calls: cdk_deploy("hnb659fds"),
        },
        Scenario {
            name: "SSM parameters (2)",
            calls: ssm_read(&["/app/prod/db-url", "/app/prod/api-key"]),
        },
        Scenario {
            name: "Secrets Manager read",
            calls: secret_read("prod/db"),
        },
        Scenario {
            name: "EKS update-kubeconfig",
            calls: eks_update_kubeconfig("prod"),
        },
    ]
}

/// Failed runs and unused grants with a workflow, suggested and included.
type WorkflowCounts = ([usize; 2], [usize; 2]);

struct Row {
    name: &'static str,
    runs: [usize; 3],
    unused: [usize; 3],
    outcomes: Vec<Convergence>,
    /// Failed runs and unused grants with the workflow's hints, suggested
    /// and included; `None` for a flow without a workflow file.
    with_workflow: Option<([usize; 2], [usize; 2], Vec<Convergence>)>,
}

fn measure() -> Vec<Row> {
    let catalog = Catalog::embedded().unwrap();
    let authorizer = ProjectEvaluator;
    scenarios()
        .into_iter()
        .map(|scenario| {
            let outcomes: Vec<Convergence> =
                [Applied::Without, Applied::Suggested, Applied::Included]
                    .into_iter()
                    .map(|applied| converge(&scenario, applied, None, &authorizer, catalog))
                    .collect();
            let runs = [
                outcomes[0].failed_runs,
                outcomes[1].failed_runs,
                outcomes[2].failed_runs,
            ];
            let unused = [0, 1, 2].map(|i| unused_grants(&outcomes[i].policy, &scenario).len());
            let with_workflow = hints_of(scenario.name).map(|hints| {
                let outcomes: Vec<Convergence> = [Applied::Suggested, Applied::Included]
                    .into_iter()
                    .map(|applied| converge(&scenario, applied, Some(&hints), &authorizer, catalog))
                    .collect();
                let runs = [outcomes[0].failed_runs, outcomes[1].failed_runs];
                let unused = [0, 1].map(|i| unused_grants(&outcomes[i].policy, &scenario).len());
                (runs, unused, outcomes)
            });
            Row {
                name: scenario.name,
                runs,
                unused,
                outcomes,
                with_workflow,
            }
        })
        .collect()
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| flow | failed runs, none | failed runs, suggest applied | failed runs, include | \
         failed runs, suggest + workflow | failed runs, include + workflow | \
         unused grants (none / suggest / include / suggest + workflow / include + workflow) |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let (suggest, include, unused) = match &row.with_workflow {
            Some((runs, unused, _)) => (
                runs[0].to_string(),
                runs[1].to_string(),
                format!("{} / {}", unused[0], unused[1]),
            ),
            None => ("—".to_owned(), "—".to_owned(), "— / —".to_owned()),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {suggest} | {include} | {} / {} / {} / {unused} |\n",
            row.name,
            row.runs[0],
            row.runs[1],
            row.runs[2],
            row.unused[0],
            row.unused[1],
            row.unused[2]
        ));
    }
    out
}

/// Failed runs before each flow succeeds from an empty policy. The numbers
/// are exact: a change in anticipation or learning shows up here.
#[test]
fn convergence_table() {
    let rows = measure();
    println!("{}", table(&rows));
    let measured: Vec<(&str, [usize; 3], [usize; 3])> = rows
        .iter()
        .map(|row| (row.name, row.runs, row.unused))
        .collect();
    // The CloudFormation flow's one unused grant is `cloudformation:ListStacks`,
    // which the catalog lists as a dependent action of `DescribeStacks`.
    assert_eq!(
        measured,
        [
            ("private ECR push + ECS deploy", [11, 4, 4], [0, 0, 0]),
            ("private ECR push", [6, 2, 2], [0, 0, 0]),
            ("ECR Public push", [7, 2, 2], [0, 0, 0]),
            ("ECR pull", [3, 2, 2], [0, 0, 0]),
            ("ECS deploy", [5, 2, 2], [0, 0, 0]),
            ("S3 sync (2 files)", [3, 1, 1], [0, 0, 0]),
            ("S3 sync --delete (2 files, 1 delete)", [4, 2, 2], [0, 0, 0]),
            ("Lambda code, config, publish", [4, 1, 1], [0, 0, 0]),
            ("CloudFormation deploy (service role)", [5, 2, 2], [0, 1, 1]),
            ("CDK deploy (file assets)", [2, 1, 1], [0, 0, 0]),
            ("SSM parameters (2)", [2, 2, 2], [0, 0, 0]),
            ("Secrets Manager read", [1, 1, 1], [0, 0, 0]),
            ("EKS update-kubeconfig", [1, 1, 1], [0, 0, 0]),
        ]
    );
    let cloudformation = rows
        .iter()
        .find(|row| row.name.starts_with("CloudFormation"))
        .unwrap();
    let scenario = scenarios()
        .into_iter()
        .find(|s| s.name == cloudformation.name)
        .unwrap();
    assert_eq!(
        unused_grants(&cloudformation.outcomes[2].policy, &scenario),
        [("cloudformation:ListStacks".to_owned(), "*".to_owned())]
    );
    for row in &rows {
        assert!(row.runs[1] <= row.runs[0], "{}", row.name);
        assert_eq!(row.runs[1], row.runs[2], "{}", row.name);
    }
    let with_workflow: Vec<(&str, Option<WorkflowCounts>)> = rows
        .iter()
        .map(|row| {
            let measured = row
                .with_workflow
                .as_ref()
                .map(|(runs, unused, _)| (*runs, *unused));
            (row.name, measured)
        })
        .collect();
    // The workflow's `--delete` makes the optional `DeleteObject` step
    // needed, so S3 sync --delete converges in one failed run too.
    assert_eq!(
        with_workflow,
        [
            ("private ECR push + ECS deploy", Some(([1, 1], [0, 0]))),
            ("private ECR push", Some(([1, 1], [0, 0]))),
            ("ECR Public push", Some(([1, 1], [0, 0]))),
            ("ECR pull", None),
            ("ECS deploy", Some(([1, 1], [0, 0]))),
            ("S3 sync (2 files)", Some(([1, 1], [0, 0]))),
            (
                "S3 sync --delete (2 files, 1 delete)",
                Some(([1, 1], [0, 0]))
            ),
            ("Lambda code, config, publish", Some(([1, 1], [0, 0]))),
            (
                "CloudFormation deploy (service role)",
                Some(([1, 1], [1, 1]))
            ),
            ("CDK deploy (file assets)", None),
            ("SSM parameters (2)", None),
            ("Secrets Manager read", None),
            ("EKS update-kubeconfig", Some(([1, 1], [0, 0]))),
        ]
    );
}

/// With the workflow, the push and deploy fails once, at the ECR login
/// that names no resource, and then everything is proposed from the
/// workflow and its task definition, with no grant the flow did not use.
#[test]
fn push_deploy_with_workflow_fails_once() {
    let rows = measure();
    let row = &rows[0];
    assert_eq!(row.name, "private ECR push + ECS deploy");
    let (runs, unused, outcomes) = row.with_workflow.as_ref().unwrap();
    assert_eq!(*runs, [1, 1]);
    assert_eq!(*unused, [0, 0]);
    for outcome in outcomes {
        assert_eq!(
            outcome.denials,
            [("ecr:GetAuthorizationToken".to_owned(), "*".to_owned())]
        );
    }
}

/// The headline flow: anticipation cuts the failed runs and grants nothing
/// the push and deploy did not use.
#[test]
fn push_deploy_grants_only_used() {
    let rows = measure();
    let row = &rows[0];
    assert_eq!(row.name, "private ECR push + ECS deploy");
    assert!(row.runs[1] < row.runs[0]);
    assert_eq!(row.unused, [0, 0, 0]);
    // Each failed run with anticipation stops at a call whose resource no
    // earlier call named: the login, the repository, the task definition's
    // roles, the service.
    let denied: Vec<(&str, &str)> = row.outcomes[2]
        .denials
        .iter()
        .map(|(action, resource)| (action.as_str(), resource.as_str()))
        .collect();
    assert_eq!(
        denied,
        [
            ("ecr:GetAuthorizationToken", "*"),
            (
                "ecr:BatchCheckLayerAvailability",
                "arn:aws:ecr:us-east-1:111122223333:repository/web-app"
            ),
            ("ecs:RegisterTaskDefinition", "*"),
            (
                "ecs:DescribeServices",
                "arn:aws:ecs:us-east-1:111122223333:service/prod/web-app"
            ),
        ]
    );
}

fn learn_fixture(mode: &str, output: &str) -> crate::support::Run {
    let events = arg(&fixture("ecr-ecs-deploy/events.json"));
    run([
        "learn",
        "--events",
        &events,
        "--role",
        ROLE,
        "--output",
        output,
        "--anticipate",
        mode,
    ])
}

#[test]
fn fixture_json_lists_anticipated_apart() {
    let run = learn_fixture("suggest", "json");
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let json = run.json();
    let anticipated = json["anticipated"].as_array().unwrap();
    assert_eq!(anticipated.len(), 1);
    assert_eq!(anticipated[0]["action"], "ecs:DescribeServices");
    assert_eq!(
        anticipated[0]["resource"],
        "arn:aws:ecs:us-east-1:111122223333:service/prod/web-app"
    );
    assert_eq!(anticipated[0]["flow"], "ecs-deploy");
    assert_eq!(anticipated[0]["action_source"], "flow");
    let statements = json["policy"]["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 4);
    assert!(statements
        .iter()
        .all(|statement| statement["Action"] != "ecs:DescribeServices"));
    assert_eq!(json["not_anticipated"][0]["action"], "ecr:BatchGetImage");
}

#[test]
fn fixture_include_adds_labelled_statement() {
    let run = learn_fixture("include", "policy");
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let json = run.json();
    let statements = json["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 5);
    let anticipated = statements
        .iter()
        .find(|statement| statement["Sid"] == "AnticipatedEcsService")
        .unwrap();
    assert_eq!(anticipated["Action"], "ecs:DescribeServices");
    assert_eq!(
        anticipated["Resource"],
        "arn:aws:ecs:us-east-1:111122223333:service/prod/web-app"
    );
}

#[test]
fn fixture_none_omits_the_keys() {
    let run = learn_fixture("none", "json");
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let json = run.json();
    assert!(json.get("anticipated").is_none());
    assert!(json.get("not_anticipated").is_none());
}

#[test]
fn fixture_text_shows_anticipated_section() {
    let run = learn_fixture("suggest", "text");
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert!(
        run.stdout.contains(
            "Anticipated for the rest of the deploy (not in the statements below; add them \
             after review, or pass `--anticipate include`):\n  - ecs:DescribeServices  \
             arn:aws:ecs:us-east-1:111122223333:service/prod/web-app\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn anticipate_flag_rejects_unknown_modes() {
    let run = learn_fixture("always", "json");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("invalid value 'always' for '--anticipate <MODE>'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("[possible values: none, suggest, include]"),
        "{}",
        run.stderr
    );
}

#[test]
fn include_puts_anticipated_statements_in_the_edit() {
    let case = crate::support::fixture("acceptance/02-ecr-push-namespaced-repo");
    let run = crate::support::run([
        "learn".to_owned(),
        "--events".to_owned(),
        crate::support::arg(&case.join("events.json")),
        "--role".to_owned(),
        crate::support::ROLE.to_owned(),
        "--policy".to_owned(),
        crate::support::arg(&case.join("current-policy.json")),
        "--anticipate".to_owned(),
        "include".to_owned(),
        "--output".to_owned(),
        "json".to_owned(),
    ]);
    let json = run.json();
    let edits = json["diff"]["edits"].as_array().unwrap();
    let anticipated: Vec<_> = edits
        .iter()
        .filter(|edit| {
            edit["statement"]["Sid"]
                .as_str()
                .is_some_and(|sid| sid.starts_with("Anticipated"))
        })
        .collect();
    assert_eq!(anticipated.len(), 1, "{edits:#?}");
    assert_eq!(
        anticipated[0]["statement"]["Action"],
        serde_json::json!([
            "ecr:CompleteLayerUpload",
            "ecr:PutImage",
            "ecr:UploadLayerPart"
        ])
    );
}

/// Runs `learn --output json` on the first run of the fixture (denied at
/// the ECR login) with a workflow file.
fn learn_first_run(workflow: &std::path::Path) -> crate::support::Run {
    run([
        "learn".to_owned(),
        "--events".to_owned(),
        arg(&fixture("ecr-ecs-deploy/events.json")),
        "--role".to_owned(),
        ROLE.to_owned(),
        "--end".to_owned(),
        "2026-11-20T09:10:00Z".to_owned(),
        "--workflow".to_owned(),
        arg(workflow),
        "--output".to_owned(),
        "json".to_owned(),
    ])
}

fn anticipated_pairs(json: &serde_json::Value) -> Vec<(String, String)> {
    json["anticipated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["action"].as_str().unwrap().to_owned(),
                item["resource"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn workflow_anticipates_push_and_deploy() {
    let workflow = fixture("ecr-ecs-deploy/workflow.yml");
    let run = learn_first_run(&workflow);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let json = run.json();
    let repository = "arn:aws:ecr:us-east-1:111122223333:repository/web-app";
    let service = "arn:aws:ecs:us-east-1:111122223333:service/prod/web-app";
    let expected: Vec<(String, String)> = [
        ("ecr:BatchCheckLayerAvailability", repository),
        ("ecr:InitiateLayerUpload", repository),
        ("ecr:UploadLayerPart", repository),
        ("ecr:CompleteLayerUpload", repository),
        ("ecr:PutImage", repository),
        ("ecs:RegisterTaskDefinition", "*"),
        (
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/web-app-task",
        ),
        (
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/ecsTaskExecutionRole",
        ),
        ("ecs:DescribeServices", service),
        ("ecs:UpdateService", service),
    ]
    .iter()
    .map(|(action, resource)| ((*action).to_owned(), (*resource).to_owned()))
    .collect();
    assert_eq!(anticipated_pairs(&json), expected);
    let items = json["anticipated"].as_array().unwrap();
    let file = arg(&workflow);
    assert_eq!(
        items[0]["reason"],
        format!(
            "docker push to a private Amazon ECR repository: the events show \
             GetAuthorizationToken; the flow's BatchCheckLayerAvailability needs it on the \
             repository named in `env.ECR_REPOSITORY` in {file}"
        )
    );
    assert_eq!(
        items[8]["reason"],
        format!(
            "register an Amazon ECS task definition and deploy it to a service: {file} runs \
             this flow; its DescribeServices needs it on the service named in \
             `env.ECS_CLUSTER` and `env.ECS_SERVICE` in {file}"
        )
    );
    assert_eq!(
        items[6]["conditions"],
        json!({"StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}})
    );
    // The pull flow shares only the login with the workflow's push.
    let flows: Vec<&str> = json["not_anticipated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["flow"].as_str().unwrap())
        .collect();
    assert!(!flows.contains(&"ecr-pull"), "{flows:?}");
}

#[test]
fn workflow_secret_repository_is_left_out() {
    let folder = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("ecr-ecs-deploy/workflow.yml")).unwrap();
    let text = text.replace(
        "ECR_REPOSITORY: web-app",
        "ECR_REPOSITORY: ${{ secrets.ECR_REPOSITORY }}",
    );
    let workflow = folder.path().join("deploy.yml");
    std::fs::write(&workflow, text).unwrap();
    std::fs::copy(
        fixture("ecr-ecs-deploy/task-definition.json"),
        folder.path().join("task-definition.json"),
    )
    .unwrap();
    let run = learn_first_run(&workflow);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let json = run.json();
    let pairs = anticipated_pairs(&json);
    assert!(
        pairs.iter().all(|(action, _)| !action.starts_with("ecr:")),
        "{pairs:?}"
    );
    assert_eq!(pairs.len(), 5, "{pairs:?}");
    let left_out = json["not_anticipated"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["action"] == "ecr:PutImage" && item["flow"] == "ecr-push")
        .unwrap();
    assert_eq!(
        left_out["reason"],
        "its repository ARN needs `RepositoryName`: `env.ECR_REPOSITORY` is \
         `${{ secrets.ECR_REPOSITORY }}`, known only when the workflow runs"
    );
    assert!(!run.stdout.contains("repository/*"), "{}", run.stdout);
}

#[test]
fn workflow_missing_file_is_an_input_error() {
    let folder = tempfile::tempdir().unwrap();
    let missing = folder.path().join("deploy.yml");
    let run = learn_first_run(&missing);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "trailgrant: failed to read the workflow `{}`: No such file or directory (os error 2)\n",
            missing.display()
        )
    );
}

#[test]
fn workflow_malformed_file_is_an_input_error() {
    let folder = tempfile::tempdir().unwrap();
    let malformed = folder.path().join("deploy.yml");
    std::fs::write(&malformed, "name: deploy\njobs:\n  - build\n").unwrap();
    let run = learn_first_run(&malformed);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "trailgrant: invalid workflow `{}`: jobs: invalid type: sequence, expected a map \
             at line 3 column 3\n",
            malformed.display()
        )
    );
    assert!(run.stdout.is_empty());
}
