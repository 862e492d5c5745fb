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
}

/// The flows and resources the workflow files name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeployHints {
    /// The flows the workflows run, in the order their steps come.
    pub flows: Vec<FlowHint>,
    /// `Partition`, `Account` (from `role-to-assume`) and `Region` (from
    /// `aws-region`) of `aws-actions/configure-aws-credentials`.
    pub base: BTreeMap<String, HintValue>,
}

impl DeployHints {
    /// Returns true when no workflow step was recognised.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Adds the hints of another workflow.
    pub fn extend(&mut self, other: DeployHints) {
        self.flows.extend(other.flows);
        for (name, value) in other.base {
            self.base.entry(name).or_insert(value);
        }
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
            for (index, step) in job.steps.iter().enumerate() {
                let mut scope = Scope::of_step(workflow, job, step);
                let at = StepAt {
                    job_id,
                    job,
                    workflow,
                    index,
                    step,
                };
                self.read_step(&at, &mut scope, &mut hints);
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
            Some("aws-actions/configure-aws-credentials") => {
                self.read_credentials(at, scope, hints)
            }
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
                let push = step.with.get("push").is_some_and(|push| push == "true");
                let tags = step.with.get("tags").cloned().unwrap_or_default();
                if push {
                    for tag in tags.split([',', '\n']).map(str::trim) {
                        if !tag.is_empty() {
                            let location = self.location(at, "with.tags");
                            hints
                                .flows
                                .extend(self.image_push(at, scope, tag, &location));
                        }
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

    fn read_credentials(&self, at: &StepAt<'_>, scope: &Scope, hints: &mut DeployHints) {
        if let Some(role) = at.step.with.get("role-to-assume") {
            let pieces = scope.expand(role);
            if let Ok(arn) = workflow::literal(&pieces) {
                let origin = self.origin(&pieces, at, "with.role-to-assume");
                let mut parts = arn.splitn(6, ':');
                if let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account)) = (
                    parts.next(),
                    parts.next(),
                    parts.next(),
                    parts.next(),
                    parts.next(),
                ) {
                    hints
                        .base
                        .entry("Partition".to_owned())
                        .or_insert(HintValue::new(partition, &origin));
                    hints
                        .base
                        .entry("Account".to_owned())
                        .or_insert(HintValue::new(account, &origin));
                }
            }
        }
        if let Some(region) = at.step.with.get("aws-region") {
            let pieces = scope.expand(region);
            if let Ok(region) = workflow::literal(&pieces) {
                let origin = self.origin(&pieces, at, "with.aws-region");
                hints
                    .base
                    .entry("Region".to_owned())
                    .or_insert(HintValue::new(&region, &origin));
            }
        }
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
                if let Some(call) = AwsCall::parse(rest) {
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
            (
                "lambda",
                "update-function-code" | "update-function-configuration" | "publish-version",
            ) => {
                let mut hint = FlowHint::named("lambda-deploy");
                let value = call.option("--function-name");
                self.value(
                    &mut hint,
                    "FunctionName",
                    scope,
                    value,
                    &location,
                    function_name,
                );
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
        if let Some(region) = call.option("--region") {
            let pieces = scope.expand(region);
            if let Ok(text) = workflow::literal(&pieces) {
                let origin = self.origin_or(&pieces, &location);
                hint.values
                    .insert("Region".to_owned(), HintValue::new(&text, &origin));
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
        let origin = self.origin_or(&pieces, location);
        let text = match workflow::literal(&pieces) {
            Ok(text) => text,
            Err(expression) => {
                let reason = unresolved_reason(&pieces, &expression, location);
                hint.unresolved.insert("BucketName".to_owned(), reason);
                return Some(hint);
            }
        };
        let (bucket, key) = text.split_once('/').unwrap_or((text.as_str(), ""));
        hint.values
            .insert("BucketName".to_owned(), HintValue::new(bucket, &origin));
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
            Err(_) => (at.login_registry()?, None),
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
            hint.values
                .insert("Region".to_owned(), HintValue::new(&region, &origin));
        }
        Some(hint)
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

fn same(text: &str) -> String {
    text.to_owned()
}

/// Keeps the name of a function ARN (`arn:aws:lambda:…:function:NAME[:QUALIFIER]`).
fn function_name(text: &str) -> String {
    match text.split_once(":function:") {
        Some((_, rest)) => rest.split(':').next().unwrap_or(rest).to_owned(),
        None => text.to_owned(),
    }
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

/// Returns the kind of an ECR registry host, with the account and Region of
/// a private one; `None` for a registry that is not ECR.
fn classify_registry(host: &str) -> Option<(Registry, Option<(String, String)>)> {
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
    Some((Registry::Private, Some((account, region))))
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
        })
    }

    fn option(&self, name: &str) -> Option<&'a str> {
        self.options.get(name).copied()
    }
}

#[cfg(test)]
mod tests;
