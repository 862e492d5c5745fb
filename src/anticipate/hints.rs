//! Deploy hints: the flows a GitHub Actions workflow runs and the resources
//! it names for them, read before any CloudTrail record shows them.
//!
//! The steps recognised are `aws-actions/amazon-ecr-login` with `docker
//! push` (private and public registries), `docker/build-push-action`,
//! `aws-actions/amazon-ecs-deploy-task-definition` with its task definition
//! file, `aws-actions/aws-cloudformation-github-deploy`, and the AWS CLI
//! commands `s3 sync`, `s3 cp`, `lambda update-function-code`,
//! `update-function-configuration`, `publish-version`, `cloudformation
//! deploy` and `eks update-kubeconfig`. A resource whose name exists only
//! while the workflow runs is recorded as unresolved, with the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;

use crate::record::RoleSelector;

use super::workflow::{self, Job, Piece, Scope, Workflow, WorkflowError, WorkflowStep};

/// One variable value the workflow names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HintValue {
    /// The value, not escaped.
    pub value: String,
    /// The place it is written, such as `` `env.ECR_REPOSITORY` in deploy.yml ``.
    pub origin: String,
}

/// One flow a workflow runs, with the variables it names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowHint {
    /// The flow's name in `data/flows.json`, such as `ecr-push`.
    pub flow: String,
    /// The workflow file that runs it.
    pub workflow: String,
    /// Variable name (as the flow data names it) → value.
    pub values: BTreeMap<String, HintValue>,
    /// Variable name → why its value is not known before the run.
    pub unresolved: BTreeMap<String, String>,
    /// The role the step runs as, from the last
    /// `aws-actions/configure-aws-credentials` step before it in its job.
    pub role: StepRole,
    /// `Partition` and `Account` (from `role-to-assume`) and `Region` (from
    /// `aws-region`) of that credentials step.
    pub credentials: BTreeMap<String, HintValue>,
    /// The event names of the flow's calls the command makes, such as
    /// `PublishVersion` for `aws lambda publish-version`; empty when it
    /// makes every call of the flow.
    pub calls: Vec<String>,
}

/// The role a workflow step runs as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StepRole {
    /// No `configure-aws-credentials` step comes before the step in its
    /// job, so the step runs with whatever credentials the runner has.
    #[default]
    NotConfigured,
    /// The `role-to-assume` the credentials step assumes, a role ARN or
    /// name.
    Role(HintValue),
    /// A credentials step without `role-to-assume`: the access keys it is
    /// given, which are no role's.
    AccessKeys,
    /// A `role-to-assume` known only when the workflow runs, with the
    /// reason.
    Unresolved(String),
}

impl StepRole {
    /// Returns false when the step runs as a role other than `role` (in
    /// `account`, when known), or with access keys. A step whose role is
    /// not configured or known only at run time may run as `role`, so it
    /// returns true.
    pub fn may_be(&self, role: &RoleSelector, account: Option<&str>) -> bool {
        match self {
            StepRole::NotConfigured | StepRole::Unresolved(_) => true,
            StepRole::AccessKeys => false,
            StepRole::Role(assumed) if assumed.value.starts_with("arn:") => {
                let assumed_account = assumed.value.split(':').nth(4);
                role.matches_role_arn(&assumed.value)
                    && account.is_none_or(|account| assumed_account == Some(account))
            }
            StepRole::Role(assumed) => assumed.value.eq_ignore_ascii_case(role.name()),
        }
    }
}

/// The flows and resources the workflow files name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeployHints {
    /// The flows the workflows run, in the order their steps come.
    pub flows: Vec<FlowHint>,
}

impl DeployHints {
    /// Returns true when no workflow step was recognised.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Adds the hints of another workflow.
    pub fn extend(&mut self, other: DeployHints) {
        self.flows.extend(other.flows);
    }

    /// Returns the hints of the steps that may run as `role`: a job that
    /// assumes another role, or a step after a credentials step that
    /// switches to another role (role chaining), runs with that role's
    /// permissions, not `role`'s.
    /// `account`, when known, is the role's account, for a role given by
    /// name.
    pub fn for_role(&self, role: &RoleSelector, account: Option<&str>) -> DeployHints {
        let flows = self
            .flows
            .iter()
            .filter(|hint| hint.role.may_be(role, account))
            .cloned()
            .collect();
        DeployHints { flows }
    }

    /// Returns true when the workflows run the flow.
    pub fn runs(&self, flow: &str) -> bool {
        self.flows.iter().any(|hint| hint.flow == flow)
    }
}

/// The `family` and roles of an ECS task definition file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskDefinition {
    /// The file, as named in messages.
    pub path: String,
    /// `family`.
    pub family: Option<String>,
    /// `taskRoleArn`.
    pub task_role: Option<String>,
    /// `executionRoleArn`.
    pub execution_role: Option<String>,
}

impl TaskDefinition {
    /// Reads a task definition JSON file, as registered or as `aws ecs
    /// describe-task-definition` prints it.
    pub fn read(path: &Path) -> Result<TaskDefinition, String> {
        let text = std::fs::read_to_string(path).map_err(|error| error.to_string())?;
        TaskDefinition::parse(&text, &path.display().to_string())
    }

    fn parse(text: &str, path: &str) -> Result<TaskDefinition, String> {
        let document: serde_json::Value =
            serde_json::from_str(text).map_err(|error| format!("not JSON: {error}"))?;
        let definition = document.get("taskDefinition").unwrap_or(&document);
        if !definition.is_object() {
            return Err("not a JSON object".to_owned());
        }
        let field = |key: &str| {
            definition
                .get(key)
                .and_then(serde_json::Value::as_str)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        Ok(TaskDefinition {
            path: path.to_owned(),
            family: field("family"),
            task_role: field("taskRoleArn"),
            execution_role: field("executionRoleArn"),
        })
    }
}

/// Reads a workflow file and derives its deploy hints. Task definition
/// paths are relative to the repository root: the folder that contains
/// `.github/` when the file is in `.github/workflows/`, else the file's own
/// folder. `task_definition`, when given, replaces every task definition
/// the workflow names.
pub fn read_workflow(
    path: &Path,
    task_definition: Option<&TaskDefinition>,
) -> Result<DeployHints, WorkflowError> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| WorkflowError::Read {
        path: label.clone(),
        source,
    })?;
    let workflow = Workflow::parse(&text, &label)?;
    let context = Context {
        file: label,
        root: repository_root(path),
        task_definition,
    };
    Ok(context.hints(&workflow))
}

/// Returns the folder that contains `.github/` for a file in
/// `.github/workflows/`, else the file's folder.
fn repository_root(path: &Path) -> PathBuf {
    let folder = path.parent().unwrap_or(Path::new(""));
    let in_workflows = folder.file_name().is_some_and(|name| name == "workflows")
        && folder
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|name| name == ".github");
    match folder.parent().and_then(Path::parent) {
        Some(root) if in_workflows => root.to_path_buf(),
        _ => folder.to_path_buf(),
    }
}

/// The file being read.
struct Context<'a> {
    /// The workflow file, as named in origins.
    file: String,
    root: PathBuf,
    task_definition: Option<&'a TaskDefinition>,
}

/// The registry an image goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Registry {
    Private,
    Public,
}

impl Context<'_> {
    fn hints(&self, workflow: &Workflow) -> DeployHints {
        let mut hints = DeployHints::default();
        for (job_id, job) in &workflow.jobs {
            let mut credentials = (StepRole::NotConfigured, BTreeMap::new());
            for (index, step) in job.steps.iter().enumerate() {
                let mut scope = Scope::of_step(workflow, job, step);
                let at = StepAt {
                    job_id,
                    job,
                    workflow,
                    index,
                    step,
                };
                // Each credentials step replaces the credentials of the
                // steps after it, with or without `role-chaining`.
                if step.action() == Some("aws-actions/configure-aws-credentials") {
                    credentials = self.read_credentials(&at, &scope);
                }
                let first = hints.flows.len();
                self.read_step(&at, &mut scope, &mut hints);
                for hint in hints.flows.iter_mut().skip(first) {
                    hint.role = credentials.0.clone();
                    hint.credentials.clone_from(&credentials.1);
                }
            }
        }
        for hint in &mut hints.flows {
            hint.workflow.clone_from(&self.file);
        }
        hints
    }

    fn read_step(&self, at: &StepAt<'_>, scope: &mut Scope, hints: &mut DeployHints) {
        let step = at.step;
        match step.action() {
            Some("aws-actions/amazon-ecs-deploy-task-definition") => {
                hints.flows.push(self.ecs_deploy(at, scope));
            }
            Some("aws-actions/aws-cloudformation-github-deploy") => {
                let mut hint = FlowHint::named("cloudformation-deploy");
                self.input(&mut hint, "StackName", at, scope, "name");
                if step.with.contains_key("role-arn") {
                    self.input(&mut hint, "RoleArn", at, scope, "role-arn");
                }
                hints.flows.push(hint);
            }
            Some("docker/build-push-action") => {
                let push = step.with.get("push").map(|push| scope.expand(push));
                let push = push.map(|pieces| (workflow::literal(&pieces), pieces));
                let tags = step.with.get("tags").cloned().unwrap_or_default();
                let unknown_push = match &push {
                    Some((Ok(push), _)) if push == "true" => None,
                    Some((Err(expression), pieces)) => {
                        let location = self.location(at, "with.push");
                        Some(unresolved_reason(pieces, expression, &location))
                    }
                    _ => None,
                };
                let pushes = push.as_ref().is_some_and(|(push, _)| match push {
                    Ok(push) => push == "true",
                    Err(_) => true,
                });
                if pushes {
                    for tag in tags.split([',', '\n']).map(str::trim) {
                        if tag.is_empty() {
                            continue;
                        }
                        let location = self.location(at, "with.tags");
                        let Some(mut hint) = self.image_push(at, scope, tag, &location) else {
                            continue;
                        };
                        // Whether it pushes is known only at run time.
                        if let Some(reason) = &unknown_push {
                            hint.values.remove("RepositoryName");
                            hint.unresolved
                                .insert("RepositoryName".to_owned(), reason.clone());
                        }
                        hints.flows.push(hint);
                    }
                }
            }
            _ => {}
        }
        if let Some(script) = &step.run {
            for words in workflow::commands(script) {
                self.read_command(at, scope, &words, hints);
            }
        }
    }

    /// Reads the role and the `Partition`, `Account` and `Region` of an
    /// `aws-actions/configure-aws-credentials` step.
    fn read_credentials(
        &self,
        at: &StepAt<'_>,
        scope: &Scope,
    ) -> (StepRole, BTreeMap<String, HintValue>) {
        let mut values = BTreeMap::new();
        let role = match at.step.with.get("role-to-assume") {
            None => StepRole::AccessKeys,
            Some(role) => {
                let pieces = scope.expand(role);
                let location = self.location(at, "with.role-to-assume");
                match workflow::literal(&pieces) {
                    Ok(arn) => {
                        let origin = self.origin_or(&pieces, &location);
                        let mut parts = arn.splitn(6, ':');
                        if let (
                            Some("arn"),
                            Some(partition),
                            Some("iam"),
                            Some(""),
                            Some(account),
                        ) = (
                            parts.next(),
                            parts.next(),
                            parts.next(),
                            parts.next(),
                            parts.next(),
                        ) {
                            values
                                .insert("Partition".to_owned(), HintValue::new(partition, &origin));
                            values.insert("Account".to_owned(), HintValue::new(account, &origin));
                        }
                        StepRole::Role(HintValue::new(arn.trim(), &origin))
                    }
                    Err(expression) => {
                        StepRole::Unresolved(unresolved_reason(&pieces, &expression, &location))
                    }
                }
            }
        };
        if let Some(region) = at.step.with.get("aws-region") {
            let pieces = scope.expand(region);
            if let Ok(region) = workflow::literal(&pieces) {
                let origin = self.origin(&pieces, at, "with.aws-region");
                values.insert("Region".to_owned(), HintValue::new(&region, &origin));
            }
        }
        (role, values)
    }

    fn read_command(
        &self,
        at: &StepAt<'_>,
        scope: &mut Scope,
        words: &[String],
        hints: &mut DeployHints,
    ) {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let words = match words.split_first() {
            Some((&"export", rest)) => rest,
            _ => words.as_slice(),
        };
        // `NAME=value command …` sets NAME for that command only.
        let prefix = words.iter().take_while(|word| is_assignment(word)).count();
        let (assignments, words) = match words.split_at_checked(prefix) {
            Some((assignments, command)) if !command.is_empty() => (assignments, command),
            _ => (&[][..], words),
        };
        let region_variable = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .find_map(|name| {
                assignments
                    .iter()
                    .find_map(|word| word.strip_prefix(name)?.strip_prefix('='))
            });
        match words {
            [assignment] if is_assignment(assignment) => {
                if let Some((name, value)) = assignment.split_once('=') {
                    scope.assign(name, value);
                }
            }
            ["docker", "push" | "image", ..] => {
                let reference = words.iter().skip(2).find(|word| !word.starts_with('-'));
                let is_push = words.get(1) == Some(&"push") || words.get(2) == Some(&"push");
                let reference = if words.get(1) == Some(&"image") {
                    words.iter().skip(3).find(|word| !word.starts_with('-'))
                } else {
                    reference
                };
                if let (true, Some(reference)) = (is_push, reference) {
                    let location = self.location(at, "docker push");
                    hints
                        .flows
                        .extend(self.image_push(at, scope, reference, &location));
                }
            }
            ["aws", rest @ ..] => {
                if let Some(mut call) = AwsCall::parse(rest) {
                    call.region_variable = region_variable;
                    hints.flows.extend(self.aws_call(at, scope, &call));
                }
            }
            _ => {}
        }
    }

    fn aws_call(&self, at: &StepAt<'_>, scope: &Scope, call: &AwsCall<'_>) -> Option<FlowHint> {
        let command = format!("aws {} {}", call.service, call.operation);
        let location = self.location(at, &command);
        let mut hint = match (call.service, call.operation) {
            ("s3", "sync" | "cp") => self.s3_copy(scope, call, &location)?,
            ("lambda", operation) => {
                let mut hint = FlowHint::named("lambda-deploy");
                hint.calls = lambda_calls(operation, call)?;
                let value = call.option("--function-name");
                self.value(&mut hint, "FunctionName", scope, value, &location, same);
                split_function_arn(&mut hint);
                hint
            }
            ("cloudformation", "deploy") => {
                let mut hint = FlowHint::named("cloudformation-deploy");
                let stack = call.option("--stack-name");
                self.value(&mut hint, "StackName", scope, stack, &location, same);
                if let Some(role) = call.option("--role-arn") {
                    self.value(&mut hint, "RoleArn", scope, Some(role), &location, same);
                }
                hint
            }
            ("eks", "update-kubeconfig") => {
                let mut hint = FlowHint::named("eks-update-kubeconfig");
                let name = call.option("--name");
                self.value(&mut hint, "ClusterName", scope, name, &location, same);
                hint
            }
            _ => return None,
        };
        // The CLI sends the call to `--region`, else to the Region of the
        // command's `AWS_REGION=…` prefix; a Region an ARN names wins.
        let region = call
            .option("--region")
            .map(|region| (region, location.clone()))
            .or_else(|| {
                call.region_variable
                    .map(|region| (region, format!("the `AWS_REGION` prefix of {location}")))
            });
        if let Some((region, place)) = region {
            let pieces = scope.expand(region);
            if let Ok(text) = workflow::literal(&pieces) {
                let origin = self.origin_or(&pieces, &place);
                hint.values
                    .entry("Region".to_owned())
                    .or_insert(HintValue::new(&text, &origin));
            }
        }
        Some(hint)
    }

    /// `aws s3 sync|cp SOURCE TARGET`: an upload when only the target is in
    /// S3, a download (`cp` only) when only the source is.
    fn s3_copy(&self, scope: &Scope, call: &AwsCall<'_>, location: &str) -> Option<FlowHint> {
        let [source, target] = call.positional.as_slice() else {
            return None;
        };
        let recursive = call.flags.contains(&"--recursive");
        let (flow, bucket_path, local) = match (
            call.operation,
            source.starts_with("s3://"),
            target.starts_with("s3://"),
        ) {
            ("sync", false, true) => ("s3-sync-upload", *target, *source),
            ("cp", false, true) if !recursive => ("s3-cp-upload", *target, *source),
            ("cp", true, false) if !recursive => ("s3-cp-download", *source, *target),
            _ => return None,
        };
        let pieces = scope.expand(bucket_path.strip_prefix("s3://").unwrap_or(bucket_path));
        let mut hint = FlowHint::named(flow);
        self.s3_options(&mut hint, scope, call, location);
        // The bucket and the key resolve apart: a literal bucket with a
        // key known only at run time still names the bucket.
        let (bucket_pieces, key_pieces) =
            split_at(&pieces, |ch| ch == '/').unwrap_or((pieces.clone(), Vec::new()));
        let bucket = match workflow::literal(&bucket_pieces) {
            Ok(bucket) => bucket,
            Err(expression) => {
                let reason = unresolved_reason(&bucket_pieces, &expression, location);
                hint.unresolved.insert("BucketName".to_owned(), reason);
                return Some(hint);
            }
        };
        let origin = self.origin_or(&bucket_pieces, location);
        hint.values
            .insert("BucketName".to_owned(), HintValue::new(&bucket, &origin));
        let key_name = if flow == "s3-sync-upload" {
            "Prefix"
        } else {
            "ObjectName"
        };
        let key = match workflow::literal(&key_pieces) {
            Ok(key) => key,
            Err(expression) => {
                let reason = unresolved_reason(&key_pieces, &expression, location);
                hint.unresolved.insert(key_name.to_owned(), reason);
                return Some(hint);
            }
        };
        let key = key.as_str();
        let origin = self.origin_or(&pieces, location);
        match flow {
            "s3-sync-upload" => {
                let prefix = if key.is_empty() || key.ends_with('/') {
                    key.to_owned()
                } else {
                    format!("{key}/")
                };
                hint.values
                    .insert("Prefix".to_owned(), HintValue::new(&prefix, &origin));
            }
            _ => {
                let file = Path::new(local).file_name().and_then(|name| name.to_str());
                let object = match (key.is_empty() || key.ends_with('/'), file) {
                    (false, _) => Some(key.to_owned()),
                    (true, Some(file)) if flow == "s3-cp-upload" => Some(format!("{key}{file}")),
                    _ => None,
                };
                match object {
                    Some(object) => {
                        hint.values
                            .insert("ObjectName".to_owned(), HintValue::new(&object, &origin));
                    }
                    None => {
                        hint.unresolved.insert(
                            "ObjectName".to_owned(),
                            format!("{location} names no object key"),
                        );
                    }
                }
            }
        }
        Some(hint)
    }

    /// Reads the options of an upload that need more than `s3:PutObject`:
    /// `--delete` (`s3:DeleteObject`), `--acl` (`s3:PutObjectAcl`) and
    /// `--sse-kms-key-id` (`kms:GenerateDataKey` on that key).
    fn s3_options(&self, hint: &mut FlowHint, scope: &Scope, call: &AwsCall<'_>, location: &str) {
        if call.operation == "sync" && call.flags.contains(&"--delete") {
            hint.values.insert(
                "SyncDelete".to_owned(),
                HintValue::new("--delete", location),
            );
        }
        if let Some(acl) = call.option("--acl") {
            self.value(hint, "CannedAcl", scope, Some(acl), location, same);
        }
        if let Some(key) = call.option("--sse-kms-key-id") {
            self.value(hint, "KmsKeyArn", scope, Some(key), location, same);
        }
    }

    /// `docker push REGISTRY/REPOSITORY[:TAG]` to Amazon ECR.
    fn image_push(
        &self,
        at: &StepAt<'_>,
        scope: &Scope,
        reference: &str,
        location: &str,
    ) -> Option<FlowHint> {
        let pieces = scope.expand(reference);
        let (registry, rest) = split_at(&pieces, |ch| ch == '/')?;
        let (mut repository, _tag) =
            split_at(&rest, |ch| ch == ':' || ch == '@').unwrap_or((rest, Vec::new()));
        let (kind, account_region) = match workflow::literal(&registry) {
            Ok(host) => classify_registry(&host)?,
            Err(expression) => match self.login_output(at, scope, &expression) {
                Some(Ok(login)) => login,
                Some(Err(reason)) => {
                    return Some(unresolved_push(at.login_registry()?, reason));
                }
                None => {
                    let reason = format!(
                        "the registry of {location} is `{expression}`, known only when the \
                         workflow runs, so the repository's account and Region are unknown"
                    );
                    return Some(unresolved_push(at.login_registry()?, reason));
                }
            },
        };
        if kind == Registry::Public {
            repository = split_at(&repository, |ch| ch == '/')?.1;
        }
        let flow = match kind {
            Registry::Private => "ecr-push",
            Registry::Public => "ecr-public-push",
        };
        let mut hint = FlowHint::named(flow);
        self.value_of(&mut hint, "RepositoryName", &repository, location, same);
        if let Some((account, region)) = account_region {
            let origin = self.origin_or(&registry, location);
            hint.values
                .insert("Account".to_owned(), HintValue::new(&account, &origin));
            if let Some(region) = region {
                hint.values
                    .insert("Region".to_owned(), HintValue::new(&region, &origin));
            }
        }
        Some(hint)
    }

    /// Reads the registry that `${{ steps.ID.outputs.registry }}` of an
    /// `aws-actions/amazon-ecr-login` step names: the registry of the
    /// credentials' account and Region, or of the one account its
    /// `registries` input lists. `None` when the expression is not such an
    /// output; an error with the reason when the account is unknown.
    fn login_output(
        &self,
        at: &StepAt<'_>,
        scope: &Scope,
        expression: &str,
    ) -> Option<Result<RegistryTarget, String>> {
        let login = at
            .output_step(expression, "registry")
            .filter(|step| step.action() == Some("aws-actions/amazon-ecr-login"))?;
        if login.with.get("registry-type").map(String::as_str) == Some("public") {
            return Some(Ok((Registry::Public, None)));
        }
        let Some(registries) = login.with.get("registries") else {
            return Some(Ok((Registry::Private, None)));
        };
        let pieces = scope.expand(registries);
        let login_at =
            format!("`with.registries` of the `amazon-ecr-login` step `{expression}` reads");
        let text = match workflow::literal(&pieces) {
            Ok(text) => text,
            Err(unknown) => return Some(Err(unresolved_reason(&pieces, &unknown, &login_at))),
        };
        let accounts: Vec<&str> = text
            .split(',')
            .map(str::trim)
            .filter(|account| !account.is_empty())
            .collect();
        match accounts.as_slice() {
            [account]
                if account.len() == 12 && account.bytes().all(|byte| byte.is_ascii_digit()) =>
            {
                Some(Ok((Registry::Private, Some(((*account).to_owned(), None)))))
            }
            _ => Some(Err(format!(
                "{login_at} is `{text}`, not one account, so the registry `{expression}` is unknown"
            ))),
        }
    }

    fn ecs_deploy(&self, at: &StepAt<'_>, scope: &Scope) -> FlowHint {
        let mut hint = FlowHint::named("ecs-deploy");
        // The action deploys to the cluster `default` when `cluster` is
        // not set, as `aws ecs update-service` does.
        match at.step.with.get("cluster") {
            Some(_) => self.input(&mut hint, "ClusterName", at, scope, "cluster"),
            None => {
                let origin = format!("the default of `cluster` in {}", self.file);
                hint.values
                    .insert("ClusterName".to_owned(), HintValue::new("default", &origin));
            }
        }
        if at.step.with.contains_key("service") {
            self.input(&mut hint, "ServiceName", at, scope, "service");
        } else {
            hint.unresolved.insert(
                "ServiceName".to_owned(),
                format!("{} sets no `service`", self.step_location(at)),
            );
        }
        let definition = match self.task_definition {
            Some(given) => Ok(given.clone()),
            None => self.workflow_task_definition(at, scope),
        };
        let names = [
            "TaskDefinitionFamilyName",
            "TaskRoleArn",
            "ExecutionRoleArn",
        ];
        match definition {
            Ok(definition) => {
                let fields = [
                    ("family", &definition.family),
                    ("taskRoleArn", &definition.task_role),
                    ("executionRoleArn", &definition.execution_role),
                ];
                for (name, (key, value)) in names.into_iter().zip(fields) {
                    let origin = definition.path.clone();
                    match value {
                        Some(value) if has_placeholder(value) => {
                            hint.unresolved.insert(
                                name.to_owned(),
                                format!(
                                    "the task definition {} sets `{key}` to `{value}`, which \
                                     holds an unexpanded shell placeholder",
                                    definition.path
                                ),
                            );
                        }
                        Some(value) => {
                            hint.values
                                .insert(name.to_owned(), HintValue::new(value, &origin));
                        }
                        None => {
                            hint.unresolved.insert(
                                name.to_owned(),
                                format!("the task definition {} has no `{key}`", definition.path),
                            );
                        }
                    }
                }
            }
            Err(reason) => {
                for name in names {
                    hint.unresolved.insert(name.to_owned(), reason.clone());
                }
            }
        }
        hint
    }

    /// Follows the deploy step's `task-definition` input, through
    /// `aws-actions/amazon-ecs-render-task-definition` outputs, to a file
    /// of the repository, and reads it.
    fn workflow_task_definition(
        &self,
        at: &StepAt<'_>,
        scope: &Scope,
    ) -> Result<TaskDefinition, String> {
        let mut input = at.step.with.get("task-definition").cloned();
        let mut current_scope = scope.clone();
        for _ in 0..4 {
            let Some(text) = input.take() else {
                return Err(format!(
                    "{} sets no `task-definition`",
                    self.step_location(at)
                ));
            };
            let pieces = current_scope.expand(&text);
            let expression = match workflow::literal(&pieces) {
                Ok(path) => return self.read_task_definition(&path),
                Err(expression) => expression,
            };
            let Some(render) = at.output_step(&expression, "task-definition") else {
                return Err(format!(
                    "the task definition of {} is `{expression}`, known only when the \
                     workflow runs; pass `--task-definition FILE`",
                    self.step_location(at)
                ));
            };
            if render.action() != Some("aws-actions/amazon-ecs-render-task-definition") {
                return Err(format!(
                    "the task definition comes from `{expression}`, which trailgrant cannot \
                     follow; pass `--task-definition FILE`"
                ));
            }
            input = render.with.get("task-definition").cloned();
            current_scope = Scope::of_step(at.workflow, at.job, render);
        }
        Err(
            "the task definition passes through too many render steps; pass \
             `--task-definition FILE`"
                .to_owned(),
        )
    }

    fn read_task_definition(&self, path: &str) -> Result<TaskDefinition, String> {
        let file = self.root.join(path);
        TaskDefinition::read(&file).map_err(|error| {
            format!(
                "the task definition `{}` that {} names could not be read ({error}); pass \
                 `--task-definition FILE`",
                file.display(),
                self.file
            )
        })
    }

    /// Sets `name` from the step input `key`.
    fn input(&self, hint: &mut FlowHint, name: &str, at: &StepAt<'_>, scope: &Scope, key: &str) {
        let location = self.location(at, &format!("with.{key}"));
        let value = at.step.with.get(key).map(String::as_str);
        self.value(hint, name, scope, value, &location, same);
    }

    fn value(
        &self,
        hint: &mut FlowHint,
        name: &str,
        scope: &Scope,
        text: Option<&str>,
        location: &str,
        convert: fn(&str) -> String,
    ) {
        match text {
            Some(text) => self.value_of(hint, name, &scope.expand(text), location, convert),
            None => {
                hint.unresolved
                    .insert(name.to_owned(), format!("{location} names none"));
            }
        }
    }

    fn value_of(
        &self,
        hint: &mut FlowHint,
        name: &str,
        pieces: &[Piece],
        location: &str,
        convert: fn(&str) -> String,
    ) {
        match workflow::literal(pieces) {
            Ok(text) if !text.is_empty() => {
                let origin = self.origin_or(pieces, location);
                hint.values
                    .insert(name.to_owned(), HintValue::new(&convert(&text), &origin));
            }
            Ok(_) => {
                hint.unresolved
                    .insert(name.to_owned(), format!("{location} is empty"));
            }
            Err(expression) => {
                let reason = unresolved_reason(pieces, &expression, location);
                hint.unresolved.insert(name.to_owned(), reason);
            }
        }
    }

    /// Returns "`env.X` in FILE" for the env keys of `pieces`, else the
    /// step location of the value.
    fn origin(&self, pieces: &[Piece], at: &StepAt<'_>, key: &str) -> String {
        self.origin_or(pieces, &self.location(at, key))
    }

    fn origin_or(&self, pieces: &[Piece], location: &str) -> String {
        let keys = workflow::origins(pieces);
        if keys.is_empty() {
            return location.to_owned();
        }
        let keys: Vec<String> = keys.iter().map(|key| format!("`{key}`")).collect();
        format!("{} in {}", keys.join(" and "), self.file)
    }

    fn location(&self, at: &StepAt<'_>, key: &str) -> String {
        format!("`{key}` of {}", self.step_location(at))
    }

    fn step_location(&self, at: &StepAt<'_>) -> String {
        format!(
            "step `{}` of job `{}` in {}",
            at.step.label(at.index),
            at.job_id,
            self.file
        )
    }
}

fn unresolved_reason(pieces: &[Piece], expression: &str, location: &str) -> String {
    let keys = workflow::opaque_origins(pieces);
    let place = match keys.first() {
        Some(key) => format!("`{key}`"),
        None => location.to_owned(),
    };
    format!("{place} is `{expression}`, known only when the workflow runs")
}

/// Returns true when `text` contains a `$NAME` or `${NAME}` placeholder that
/// a template tool such as `envsubst` has not replaced.
fn has_placeholder(text: &str) -> bool {
    text.split('$').skip(1).any(|after| {
        after
            .strip_prefix('{')
            .unwrap_or(after)
            .starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_')
    })
}

fn same(text: &str) -> String {
    text.to_owned()
}

/// Returns the calls of the `lambda-deploy` flow an `aws lambda` command
/// makes, or `None` for a command the flow does not cover.
fn lambda_calls(operation: &str, call: &AwsCall<'_>) -> Option<Vec<String>> {
    let calls: &[&str] = match operation {
        "update-function-code" if call.flags.contains(&"--publish") => {
            &["UpdateFunctionCode", "PublishVersion"]
        }
        "update-function-code" => &["UpdateFunctionCode"],
        "update-function-configuration" => &["UpdateFunctionConfiguration"],
        "publish-version" => &["PublishVersion"],
        // `aws lambda wait function-updated` polls `GetFunctionConfiguration`.
        "wait" if call.positional.first() == Some(&"function-updated") => {
            &["GetFunctionConfiguration"]
        }
        _ => return None,
    };
    Some(calls.iter().map(|call| (*call).to_owned()).collect())
}

/// Splits a function ARN (`arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME`)
/// or partial ARN (`ACCOUNT:function:NAME`), with or without a qualifier,
/// into the function's name and the account, Region and partition it names,
/// which win over the deploy's own.
fn split_function_arn(hint: &mut FlowHint) {
    let Some(value) = hint.values.get("FunctionName").cloned() else {
        return;
    };
    let parts: Vec<&str> = value.value.split(':').collect();
    let (names, name) = match parts.as_slice() {
        ["arn", partition, "lambda", region, account, "function", name, ..] => (
            vec![
                ("Partition", *partition),
                ("Region", *region),
                ("Account", *account),
            ],
            *name,
        ),
        [account, "function", name, ..] => (vec![("Account", *account)], *name),
        _ => return,
    };
    for (key, text) in names {
        hint.values
            .insert(key.to_owned(), HintValue::new(text, &value.origin));
    }
    hint.values.insert(
        "FunctionName".to_owned(),
        HintValue::new(name, &value.origin),
    );
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            && !name.starts_with(|ch: char| ch.is_ascii_digit())
    })
}

/// Splits `pieces` at the first literal character that `at` accepts.
fn split_at(pieces: &[Piece], at: impl Fn(char) -> bool) -> Option<(Vec<Piece>, Vec<Piece>)> {
    for (index, piece) in pieces.iter().enumerate() {
        let Piece::Literal { text, origin } = piece else {
            continue;
        };
        let Some(position) = text.find(&at) else {
            continue;
        };
        let mut before: Vec<Piece> = pieces.get(..index).unwrap_or_default().to_vec();
        let mut after = Vec::new();
        let head = text.get(..position).unwrap_or("");
        let separator = text.get(position..).and_then(|rest| rest.chars().next())?;
        let tail = text.get(position + separator.len_utf8()..).unwrap_or("");
        if !head.is_empty() {
            before.push(Piece::Literal {
                text: head.to_owned(),
                origin: origin.clone(),
            });
        }
        if !tail.is_empty() {
            after.push(Piece::Literal {
                text: tail.to_owned(),
                origin: origin.clone(),
            });
        }
        after.extend(pieces.get(index + 1..).unwrap_or_default().iter().cloned());
        return Some((before, after));
    }
    None
}

/// A registry's kind, with the account and, when known, the Region of a
/// private one.
type RegistryTarget = (Registry, Option<(String, Option<String>)>);

/// Returns a push hint whose repository is left out, with the reason.
fn unresolved_push(kind: Registry, reason: String) -> FlowHint {
    let flow = match kind {
        Registry::Private => "ecr-push",
        Registry::Public => "ecr-public-push",
    };
    let mut hint = FlowHint::named(flow);
    hint.unresolved.insert("RepositoryName".to_owned(), reason);
    hint
}

/// Returns the kind of an ECR registry host, with the account and Region of
/// a private one; `None` for a registry that is not ECR.
fn classify_registry(host: &str) -> Option<RegistryTarget> {
    static PRIVATE: OnceLock<Option<Regex>> = OnceLock::new();
    let private = PRIVATE.get_or_init(|| {
        Regex::new(r"^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$").ok()
    });
    if host == "public.ecr.aws" {
        return Some((Registry::Public, None));
    }
    let groups = private.as_ref()?.captures(host)?;
    let account = groups.get(1)?.as_str().to_owned();
    let region = groups.get(2)?.as_str().to_owned();
    Some((Registry::Private, Some((account, Some(region)))))
}

impl HintValue {
    fn new(value: &str, origin: &str) -> HintValue {
        HintValue {
            value: value.to_owned(),
            origin: origin.to_owned(),
        }
    }
}

impl FlowHint {
    fn named(flow: &str) -> FlowHint {
        FlowHint {
            flow: flow.to_owned(),
            ..FlowHint::default()
        }
    }
}

/// A step and where it is.
struct StepAt<'a> {
    workflow: &'a Workflow,
    job_id: &'a str,
    job: &'a Job,
    index: usize,
    step: &'a WorkflowStep,
}

impl StepAt<'_> {
    /// Returns the registry kind of the job's `amazon-ecr-login` step.
    fn login_registry(&self) -> Option<Registry> {
        let login = self
            .job
            .steps
            .iter()
            .find(|step| step.action() == Some("aws-actions/amazon-ecr-login"))?;
        match login.with.get("registry-type").map(String::as_str) {
            Some("public") => Some(Registry::Public),
            _ => Some(Registry::Private),
        }
    }

    /// Returns the step of the job an `${{ steps.ID.outputs.NAME }}`
    /// expression reads.
    fn output_step(&self, expression: &str, name: &str) -> Option<&WorkflowStep> {
        let inner = expression.strip_prefix("${{")?.strip_suffix("}}")?.trim();
        let id = inner
            .strip_prefix("steps.")?
            .strip_suffix(&format!(".outputs.{name}"))?;
        self.job
            .steps
            .iter()
            .find(|step| step.id.as_deref() == Some(id))
    }
}

/// The words of an AWS CLI command after `aws`.
struct AwsCall<'a> {
    service: &'a str,
    operation: &'a str,
    positional: Vec<&'a str>,
    options: BTreeMap<&'a str, &'a str>,
    flags: Vec<&'a str>,
    /// `AWS_REGION` (or `AWS_DEFAULT_REGION`) of the command's prefix.
    region_variable: Option<&'a str>,
}

/// AWS CLI options that take no value, among those deploy scripts use.
const FLAGS: &[&str] = &[
    "--delete",
    "--recursive",
    "--dryrun",
    "--quiet",
    "--only-show-errors",
    "--no-progress",
    "--size-only",
    "--exact-timestamps",
    "--follow-symlinks",
    "--no-follow-symlinks",
    "--no-guess-mime-type",
    "--no-cli-pager",
    "--debug",
    "--no-verify-ssl",
    "--no-paginate",
    "--publish",
    "--no-publish",
    "--fail-on-empty-changeset",
    "--no-fail-on-empty-changeset",
    "--no-execute-changeset",
    "--disable-rollback",
    "--no-disable-rollback",
    "--dry-run",
];

impl<'a> AwsCall<'a> {
    fn parse(words: &[&'a str]) -> Option<AwsCall<'a>> {
        let mut positional = Vec::new();
        let mut options = BTreeMap::new();
        let mut flags = Vec::new();
        let mut iter = words.iter().copied().peekable();
        while let Some(word) = iter.next() {
            if !word.starts_with("--") {
                positional.push(word);
                continue;
            }
            if let Some((name, value)) = word.split_once('=') {
                options.insert(name, value);
            } else if FLAGS.contains(&word) || iter.peek().is_none_or(|next| next.starts_with("--"))
            {
                flags.push(word);
            } else if let Some(value) = iter.next() {
                options.insert(word, value);
            }
        }
        let mut positional = positional.into_iter();
        Some(AwsCall {
            service: positional.next()?,
            operation: positional.next()?,
            positional: positional.collect(),
            options,
            flags,
            region_variable: None,
        })
    }

    fn option(&self, name: &str) -> Option<&'a str> {
        self.options.get(name).copied()
    }
}

#[cfg(test)]
mod tests;
