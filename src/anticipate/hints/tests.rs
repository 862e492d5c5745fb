//! Unit tests of reading deploy hints from workflow files.

use super::*;

/// Writes `workflow` as `.github/workflows/deploy.yml` of a new repository
/// folder, with `files` beside `.github/`, and reads its hints.
fn hints_of(workflow: &str, files: &[(&str, &str)]) -> DeployHints {
    let root = tempfile::tempdir().unwrap();
    let folder = root.path().join(".github/workflows");
    std::fs::create_dir_all(&folder).unwrap();
    for (path, text) in files {
        let file = root.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    let path = folder.join("deploy.yml");
    std::fs::write(&path, workflow).unwrap();
    let mut hints = read_workflow(&path, None).unwrap();
    // Origins name the temporary file; the tests compare the rest.
    let file = path.display().to_string();
    for hint in &mut hints.flows {
        hint.workflow = "deploy.yml".to_owned();
        for value in hint.values.values_mut() {
            value.origin = value.origin.replace(&file, "deploy.yml");
        }
        for reason in hint.unresolved.values_mut() {
            *reason = reason.replace(&file, "deploy.yml");
        }
    }
    hints
}

fn values(hint: &FlowHint) -> Vec<(&str, &str)> {
    hint.values
        .iter()
        .map(|(name, value)| (name.as_str(), value.value.as_str()))
        .collect()
}

const TASK_DEFINITION: &str = r#"{"family": "web-app", "taskRoleArn": "web-app-task",
    "executionRoleArn": "arn:aws:iam::111122223333:role/ecsTaskExecutionRole"}"#;

#[test]
fn ecs_deploy_follows_the_render_step() {
    let workflow = "
env:
  TASK_DEFINITION: .aws/task-definition.json
jobs:
  deploy:
    steps:
      - id: render
        uses: aws-actions/amazon-ecs-render-task-definition@v1
        with:
          task-definition: ${{ env.TASK_DEFINITION }}
      - uses: aws-actions/amazon-ecs-deploy-task-definition@v2
        with:
          task-definition: ${{ steps.render.outputs.task-definition }}
          service: web-app
";
    let hints = hints_of(workflow, &[(".aws/task-definition.json", TASK_DEFINITION)]);
    let [hint] = hints.flows.as_slice() else {
        panic!("{hints:?}");
    };
    assert_eq!(hint.flow, "ecs-deploy");
    assert_eq!(
        values(hint),
        [
            ("ClusterName", "default"),
            (
                "ExecutionRoleArn",
                "arn:aws:iam::111122223333:role/ecsTaskExecutionRole"
            ),
            ("ServiceName", "web-app"),
            ("TaskDefinitionFamilyName", "web-app"),
            ("TaskRoleArn", "web-app-task"),
        ]
    );
    assert!(hint.unresolved.is_empty(), "{:?}", hint.unresolved);
}

#[test]
fn ecs_deploy_without_the_file_leaves_roles_unresolved() {
    let workflow = "
jobs:
  deploy:
    steps:
      - uses: aws-actions/amazon-ecs-deploy-task-definition@v2
        with:
          task-definition: ${{ steps.missing.outputs.task-definition }}
          service: web-app
          cluster: prod
";
    let hints = hints_of(workflow, &[]);
    let hint = &hints.flows[0];
    assert_eq!(
        values(hint),
        [("ClusterName", "prod"), ("ServiceName", "web-app")]
    );
    assert_eq!(
        hint.unresolved["TaskRoleArn"],
        "the task definition of step `aws-actions/amazon-ecs-deploy-task-definition` of job \
         `deploy` in deploy.yml is `${{ steps.missing.outputs.task-definition }}`, known only \
         when the workflow runs; pass `--task-definition FILE`"
    );
}

#[test]
fn docker_push_reads_private_and_public_repositories() {
    let workflow = "
env:
  REPOSITORY: team-a/api
jobs:
  push:
    steps:
      - id: login
        uses: aws-actions/amazon-ecr-login@v2
      - env:
          REGISTRY: ${{ steps.login.outputs.registry }}
        run: |
          docker push $REGISTRY/$REPOSITORY:${{ github.sha }}
          docker image push 444455556666.dkr.ecr.eu-west-1.amazonaws.com/tools:1
          docker push public.ecr.aws/example-org/cli:latest
          docker push ghcr.io/example-org/web:latest
";
    let hints = hints_of(workflow, &[]);
    let flows: Vec<(&str, Vec<(&str, &str)>)> = hints
        .flows
        .iter()
        .map(|hint| (hint.flow.as_str(), values(hint)))
        .collect();
    assert_eq!(
        flows,
        [
            ("ecr-push", vec![("RepositoryName", "team-a/api")]),
            (
                "ecr-push",
                vec![
                    ("Account", "444455556666"),
                    ("Region", "eu-west-1"),
                    ("RepositoryName", "tools")
                ]
            ),
            ("ecr-public-push", vec![("RepositoryName", "cli")]),
        ]
    );
    assert_eq!(
        hints.flows[0].values["RepositoryName"].origin,
        "`env.REPOSITORY` in deploy.yml"
    );
}

#[test]
fn secret_repository_is_unresolved() {
    let workflow = "
env:
  ECR_REPOSITORY: ${{ secrets.ECR_REPOSITORY }}
jobs:
  push:
    steps:
      - uses: aws-actions/amazon-ecr-login@v2
        id: login
      - run: docker push $ECR_REGISTRY/$ECR_REPOSITORY:latest
        env:
          ECR_REGISTRY: ${{ steps.login.outputs.registry }}
";
    let hints = hints_of(workflow, &[]);
    let hint = &hints.flows[0];
    assert_eq!(hint.flow, "ecr-push");
    assert!(hint.values.is_empty());
    assert_eq!(
        hint.unresolved["RepositoryName"],
        "`env.ECR_REPOSITORY` is `${{ secrets.ECR_REPOSITORY }}`, known only when the \
         workflow runs"
    );
}

#[test]
fn aws_cli_commands_name_their_resources() {
    let workflow = "
jobs:
  deploy:
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws-us-gov:iam::111122223333:role/gha-deploy
          aws-region: us-gov-west-1
      - run: |
          BUCKET=site-bucket
          aws s3 sync --delete ./dist s3://$BUCKET/docs
          aws s3 cp report.html s3://$BUCKET/reports/
          aws --region eu-west-1 lambda publish-version --function-name arn:aws:lambda:eu-west-1:1:function:orders:live
          aws cloudformation deploy --stack-name app --template-file t.yml --role-arn=arn:aws:iam::1:role/cfn
          aws eks update-kubeconfig --name prod
          aws s3 cp --recursive ./out s3://$BUCKET/out
";
    let hints = hints_of(workflow, &[]);
    let flows: Vec<(&str, Vec<(&str, &str)>)> = hints
        .flows
        .iter()
        .map(|hint| (hint.flow.as_str(), values(hint)))
        .collect();
    assert_eq!(
        flows,
        [
            (
                "s3-sync-upload",
                vec![
                    ("BucketName", "site-bucket"),
                    ("Prefix", "docs/"),
                    ("SyncDelete", "--delete")
                ]
            ),
            (
                "s3-cp-upload",
                vec![
                    ("BucketName", "site-bucket"),
                    ("ObjectName", "reports/report.html")
                ]
            ),
            (
                "lambda-deploy",
                vec![
                    ("Account", "1"),
                    ("FunctionName", "orders"),
                    ("Partition", "aws"),
                    ("Region", "eu-west-1")
                ]
            ),
            (
                "cloudformation-deploy",
                vec![("RoleArn", "arn:aws:iam::1:role/cfn"), ("StackName", "app")]
            ),
            ("eks-update-kubeconfig", vec![("ClusterName", "prod")]),
        ]
    );
    assert_eq!(hints.flows[2].calls, ["PublishVersion"]);
    let credentials: Vec<(&str, &str)> = hints.flows[0]
        .credentials
        .iter()
        .map(|(name, value)| (name.as_str(), value.value.as_str()))
        .collect();
    assert_eq!(
        credentials,
        [
            ("Account", "111122223333"),
            ("Partition", "aws-us-gov"),
            ("Region", "us-gov-west-1")
        ]
    );
}

#[test]
fn login_output_registry_names_its_account() {
    let workflow = "
jobs:
  deploy:
    steps:
      - uses: aws-actions/amazon-ecr-login@v2
        id: ecr
        with:
          registries: \"444455556666\"
      - env:
          REGISTRY: ${{ steps.ecr.outputs.registry }}
        run: docker push \"$REGISTRY/app:latest\"
      - run: docker push ${{ steps.ecr.outputs.registry }}/web:latest
      - run: |
          docker push \"$REG/unset:latest\"
          docker push \"$(cat registry.txt)/command:latest\"
          docker push \"${{ secrets.REGISTRY }}/secret:latest\"
";
    let hints = hints_of(workflow, &[]);
    let flows: Vec<Vec<(&str, &str)>> = hints.flows.iter().map(values).collect();
    assert_eq!(
        flows,
        [
            vec![("Account", "444455556666"), ("RepositoryName", "app")],
            vec![("Account", "444455556666"), ("RepositoryName", "web")],
            vec![],
            vec![],
            vec![],
        ]
    );
    let registries: Vec<&str> = hints
        .flows
        .iter()
        .skip(2)
        .map(|hint| hint.unresolved["RepositoryName"].as_str())
        .collect();
    for (reason, expression) in registries.iter().zip([
        "`$REG`",
        "`$(cat registry.txt)`",
        "`${{ secrets.REGISTRY }}`",
    ]) {
        assert!(
            reason.contains(&format!(
                "is {expression}, known only when the workflow runs"
            )),
            "{reason}"
        );
    }
}

#[test]
fn cloudformation_action_reads_name_and_role() {
    let workflow = "
jobs:
  deploy:
    steps:
      - uses: aws-actions/aws-cloudformation-github-deploy@v1
        with:
          name: app-stack
          template: template.yml
          role-arn: arn:aws:iam::111122223333:role/cfn-exec
";
    let hints = hints_of(workflow, &[]);
    assert_eq!(
        values(&hints.flows[0]),
        [
            ("RoleArn", "arn:aws:iam::111122223333:role/cfn-exec"),
            ("StackName", "app-stack")
        ]
    );
}

#[test]
fn repository_root_is_the_folder_holding_github() {
    assert_eq!(
        repository_root(Path::new("/repo/.github/workflows/deploy.yml")),
        Path::new("/repo")
    );
    assert_eq!(
        repository_root(Path::new("fixtures/app/workflow.yml")),
        Path::new("fixtures/app")
    );
}

#[test]
fn task_definition_reads_describe_output() {
    let text = r#"{"taskDefinition": {"family": "api", "executionRoleArn": "exec"}}"#;
    let definition = TaskDefinition::parse(text, "td.json").unwrap();
    assert_eq!(definition.family.as_deref(), Some("api"));
    assert_eq!(definition.task_role, None);
    assert_eq!(definition.execution_role.as_deref(), Some("exec"));
    assert!(TaskDefinition::parse("[1]", "td.json").is_err());
}
