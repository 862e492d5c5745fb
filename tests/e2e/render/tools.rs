//! Output read back by the real tools of each ecosystem: python-hcl2 for
//! Terraform, tsc and aws-cdk-lib for CDK TypeScript, Python's parser for
//! CDK Python, PyYAML and cfn-lint for CloudFormation, parliament for the
//! JSON policy. Each round trip compares the statements the tool reads with
//! the report's own.

use std::path::Path;

use serde_json::{json, Value};
use trailgrant::learn::Report;
use trailgrant::policy::{PolicyDocument, Statement};
use trailgrant::render::{Format, PolicyType, RenderOptions};

use super::{deploy_report, escapes_report, rendered};
use crate::support::tools::{
    node_program, run, run_with_input, stdout_of, tools_dir, venv_program,
};

/// Statements with everything the fixtures lack: `Deny`, `NotAction`,
/// `NotResource`, principals of every kind, multi-valued and qualified
/// condition operators, a policy variable, `%{`, quotes, a backslash and a
/// newline.
fn synthetic_report() -> Report {
    let policy: PolicyDocument = serde_json::from_value(json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyOutsideRegions",
                "Effect": "Deny",
                "NotAction": ["iam:PassRole", "sts:GetCallerIdentity"],
                "NotResource": "arn:aws:s3:::keep-${aws:username}/*",
                "Condition": {
                    "StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]},
                    "ForAnyValue:StringLike": {"aws:TagKeys": "team-%{x}"}
                }
            },
            {
                "Sid": "TrustGitHub",
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:example-org/web-app:*"}}
            },
            {
                "Sid": "Quotes",
                "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::444455556666:root"], "Service": "ecs-tasks.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/it's \"quoted\" \\ back\nslash $${x} 50%"
            },
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::public/*"
            }
        ]
    }))
    .unwrap();
    Report {
        policy,
        findings: Vec::new(),
        records_of_role: 0,
        diff: None,
        trust: Vec::new(),
        warnings: Vec::new(),
        anticipated: Vec::new(),
        not_anticipated: Vec::new(),
    }
}

fn reports() -> Vec<(&'static str, Report)> {
    vec![
        ("deploy", deploy_report()),
        ("escapes", escapes_report()),
        ("synthetic", synthetic_report()),
    ]
}

/// Returns a statement in a form every format can be compared in: each list
/// sorted, conditions as `[operator, key, values]`, principals as
/// `[type, identifier]`.
fn normalized(statement: &Statement) -> Value {
    let list = |values: Option<&trailgrant::policy::ValueList>| {
        values.map(|list| {
            let mut values = list.values().to_vec();
            values.sort();
            values
        })
    };
    let mut conditions = Vec::new();
    for (operator, keys) in statement.condition.iter().flatten() {
        for (key, values) in keys {
            let mut values = values.values().to_vec();
            values.sort();
            conditions.push(json!([operator, key, values]));
        }
    }
    json!({
        "sid": statement.sid,
        "effect": format!("{:?}", statement.effect),
        "actions": list(statement.action.as_ref()),
        "not_actions": list(statement.not_action.as_ref()),
        "resources": list(statement.resource.as_ref()),
        "not_resources": list(statement.not_resource.as_ref()),
        "principals": principal_pairs(statement.principal.as_ref()),
        "not_principals": principal_pairs(statement.not_principal.as_ref()),
        "conditions": conditions,
    })
}

fn principal_pairs(principal: Option<&Value>) -> Option<Vec<(String, String)>> {
    let principal = principal?;
    let mut pairs = Vec::new();
    match principal {
        Value::Object(map) => {
            for (kind, ids) in map {
                for id in strings(ids) {
                    pairs.push((kind.clone(), id));
                }
            }
        }
        other => pairs.extend(strings(other).into_iter().map(|id| ("*".to_owned(), id))),
    }
    pairs.sort();
    Some(pairs)
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::String(text) => vec![text.clone()],
        other => vec![other.to_string()],
    }
}

fn expected(report: &Report) -> Vec<Value> {
    report.policy.statements.iter().map(normalized).collect()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Converts one `statement` block as the HCL helper prints it into a
/// policy statement.
fn statement_from_hcl(block: &Value) -> Statement {
    let mut statement = json!({
        "Sid": block.get("sid"),
        "Effect": block["effect"],
    });
    for (hcl, iam) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(values) = block.get(hcl) {
            statement[iam] = values.clone();
        }
    }
    for (hcl, iam) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        let Some(blocks) = block.get(hcl).and_then(Value::as_array) else {
            continue;
        };
        let mut principal = serde_json::Map::new();
        for entry in blocks {
            let kind = entry["type"].as_str().unwrap().to_owned();
            let ids = entry["identifiers"].clone();
            if kind == "*" {
                statement[iam] = json!("*");
            } else {
                principal.insert(kind, ids);
            }
        }
        if !principal.is_empty() {
            statement[iam] = Value::Object(principal);
        }
    }
    let mut condition = serde_json::Map::new();
    for entry in block
        .get("condition")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let operator = entry["test"].as_str().unwrap().to_owned();
        let keys = condition.entry(operator).or_insert_with(|| json!({}));
        keys[entry["variable"].as_str().unwrap()] = entry["values"].clone();
    }
    if !condition.is_empty() {
        statement["Condition"] = Value::Object(condition);
    }
    if statement["Sid"].is_null() {
        statement.as_object_mut().unwrap().remove("Sid");
    }
    serde_json::from_value(statement).unwrap()
}

#[test]
fn terraform_round_trips_through_hcl_parser() {
    let Some(python) = venv_program("python", "terraform_round_trips_through_hcl_parser") else {
        return;
    };
    let helper = tools_dir().join("hcl_statements.py");
    let dir = tempfile::tempdir().unwrap();
    for (name, report) in reports() {
        let file = write(
            dir.path(),
            &format!("{name}.tf"),
            &rendered(&report, Format::Terraform, &RenderOptions::default()),
        );
        let output = run(&python, &[helper.to_str().unwrap(), &file]);
        let parsed: Value =
            serde_json::from_str(&stdout_of(&output, &format!("hcl parse of {name}"))).unwrap();
        let blocks = parsed["learned"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no `learned` data source: {parsed}"));
        let read: Vec<Value> = blocks
            .iter()
            .map(|block| normalized(&statement_from_hcl(block)))
            .collect();
        assert_eq!(read, expected(&report), "{name}");
    }
}

#[test]
fn terraform_split_names_each_document() {
    let Some(python) = venv_program("python", "terraform_split_names_each_document") else {
        return;
    };
    let helper = tools_dir().join("hcl_statements.py");
    let dir = tempfile::tempdir().unwrap();
    let report = deploy_report();
    let options = RenderOptions {
        policy_type: PolicyType::Managed,
        split_at: Some(400),
    };
    let documents = options.documents(&report.policy);
    let file = write(
        dir.path(),
        "split.tf",
        &rendered(&report, Format::Terraform, &options),
    );
    let parsed: Value = serde_json::from_str(&stdout_of(
        &run(&python, &[helper.to_str().unwrap(), &file]),
        "hcl parse",
    ))
    .unwrap();
    assert_eq!(parsed.as_object().unwrap().len(), documents.len());
    assert!(documents.len() > 1);
    for (index, document) in documents.iter().enumerate() {
        let blocks = parsed[format!("learned_{}", index + 1)].as_array().unwrap();
        let read: Vec<Value> = blocks
            .iter()
            .map(|block| normalized(&statement_from_hcl(block)))
            .collect();
        let want: Vec<Value> = document.statements.iter().map(normalized).collect();
        assert_eq!(read, want, "document {}", index + 1);
    }
}

const STACK_TS: &str = "\
import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { learnedStatements } from './learned';

const app = new cdk.App();
const stack = new cdk.Stack(app, 'Deploy');
const role = new iam.Role(stack, 'DeployRole', {
  assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
});
for (const statement of learnedStatements) role.addToPolicy(statement);
";

const TSCONFIG: &str = r#"{
  "compilerOptions": {
    "strict": true,
    "noEmit": true,
    "target": "ES2020",
    "module": "commonjs",
    "moduleResolution": "node",
    "skipLibCheck": true,
    "noUnusedLocals": true,
    "typeRoots": []
  },
  "include": ["*/*.ts"]
}
"#;

#[test]
fn cdk_typescript_type_checks() {
    let Some(tsc) = node_program("tsc", "cdk_typescript_type_checks") else {
        return;
    };
    // One project with a folder per report, under tests/tools so that
    // aws-cdk-lib resolves from tests/tools/node_modules; one tsc run reads
    // the aws-cdk-lib declarations once for all of them.
    let project = tempfile::tempdir_in(tools_dir()).unwrap();
    let split = RenderOptions {
        policy_type: PolicyType::Managed,
        split_at: Some(400),
    };
    for (name, report) in reports() {
        let dir = project.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        let learned = rendered(&report, Format::Cdk, &RenderOptions::default());
        write(&dir, "learned.ts", &learned);
        write(&dir, "split.ts", &rendered(&report, Format::Cdk, &split));
        write(&dir, "stack.ts", STACK_TS);
    }
    write(project.path(), "tsconfig.json", TSCONFIG);
    let output = run(&tsc, &["--noEmit", "-p", project.path().to_str().unwrap()]);
    stdout_of(&output, "tsc --noEmit");
}

#[test]
fn cdk_typescript_statements_match() {
    let Some(_) = node_program("tsc", "cdk_typescript_statements_match") else {
        return;
    };
    let script = tools_dir().join("cdk_statements.js");
    let dir = tempfile::tempdir().unwrap();
    for (name, report) in reports() {
        let file = write(
            dir.path(),
            &format!("{name}.ts"),
            &rendered(&report, Format::Cdk, &RenderOptions::default()),
        );
        let output = run(Path::new("node"), &[script.to_str().unwrap(), &file]);
        let parsed: Value =
            serde_json::from_str(&stdout_of(&output, &format!("cdk evaluation of {name}")))
                .unwrap();
        let read: Vec<Value> = parsed["learnedStatements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|json| normalized(&serde_json::from_value(json.clone()).unwrap()))
            .collect();
        assert_eq!(read, expected(&report), "{name}");
    }
}

/// Converts one `iam.PolicyStatement(...)` call as the Python helper prints
/// it into a policy statement.
fn statement_from_python(call: &Value) -> Statement {
    let effect = match call["effect"].as_str() {
        Some("ALLOW") => "Allow",
        Some("DENY") => "Deny",
        other => panic!("unexpected effect {other:?}"),
    };
    let mut statement = json!({"Effect": effect});
    let fields = [
        ("sid", "Sid"),
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
        ("conditions", "Condition"),
    ];
    for (python, iam) in fields {
        if let Some(value) = call.get(python) {
            statement[iam] = value.clone();
        }
    }
    for (python, iam) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        let Some(principals) = call.get(python).and_then(Value::as_array) else {
            continue;
        };
        let mut map = serde_json::Map::new();
        for principal in principals {
            let kind = match principal[0].as_str().unwrap() {
                "StarPrincipal" => {
                    statement[iam] = json!("*");
                    continue;
                }
                "ArnPrincipal" => "AWS",
                "ServicePrincipal" => "Service",
                "FederatedPrincipal" => "Federated",
                "CanonicalUserPrincipal" => "CanonicalUser",
                other => panic!("unexpected principal class {other}"),
            };
            let ids = map.entry(kind.to_owned()).or_insert_with(|| json!([]));
            ids.as_array_mut().unwrap().push(principal[1].clone());
        }
        if !map.is_empty() {
            statement[iam] = Value::Object(map);
        }
    }
    serde_json::from_value(statement).unwrap()
}

#[test]
fn cdk_python_statements_match() {
    let Some(python) = venv_program("python", "cdk_python_statements_match") else {
        return;
    };
    let helper = tools_dir().join("cdk_python_statements.py");
    let dir = tempfile::tempdir().unwrap();
    for (name, report) in reports() {
        let file = write(
            dir.path(),
            &format!("{name}.py"),
            &rendered(&report, Format::CdkPython, &RenderOptions::default()),
        );
        let output = run(&python, &[helper.to_str().unwrap(), &file]);
        let parsed: Value =
            serde_json::from_str(&stdout_of(&output, &format!("python parse of {name}"))).unwrap();
        let read: Vec<Value> = parsed["LEARNED_STATEMENTS"]
            .as_array()
            .unwrap()
            .iter()
            .map(|call| normalized(&statement_from_python(call)))
            .collect();
        assert_eq!(read, expected(&report), "{name}");
    }
}

/// Returns a template around a CloudFormation snippet: the inline shape
/// under a role's `Properties`, the managed shape under `Resources` with a
/// role that attaches every policy.
fn cloudformation_template(snippet: &str, options: &RenderOptions, policies: usize) -> String {
    let mut template = String::from("AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n");
    template.push_str(
        "  DeployRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        \
         Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal:\n              \
         Service: ecs-tasks.amazonaws.com\n            Action: sts:AssumeRole\n",
    );
    let indent = match options.policy_type {
        PolicyType::Inline => "      ",
        PolicyType::Managed => {
            template.push_str("      ManagedPolicyArns:\n");
            for number in 1..=policies {
                let id = if options.is_split() {
                    format!("TrailgrantLearnedPolicy{number}")
                } else {
                    "TrailgrantLearnedPolicy".to_owned()
                };
                template.push_str(&format!("        - !Ref {id}\n"));
            }
            "  "
        }
    };
    for line in snippet.lines() {
        template.push_str(indent);
        template.push_str(line);
        template.push('\n');
    }
    template
}

fn cloudformation_layouts() -> Vec<(&'static str, RenderOptions)> {
    vec![
        ("inline", RenderOptions::default()),
        (
            "managed",
            RenderOptions {
                policy_type: PolicyType::Managed,
                split_at: None,
            },
        ),
        (
            "managed-split",
            RenderOptions {
                policy_type: PolicyType::Managed,
                split_at: Some(400),
            },
        ),
    ]
}

#[test]
fn cloudformation_passes_cfn_lint() {
    let Some(cfn_lint) = venv_program("cfn-lint", "cloudformation_passes_cfn_lint") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, report) in [("deploy", deploy_report()), ("escapes", escapes_report())] {
        for (layout, options) in cloudformation_layouts() {
            let snippet = rendered(&report, Format::CloudFormation, &options);
            let policies = options.documents(&report.policy).len();
            let template = cloudformation_template(&snippet, &options, policies);
            files.push(write(
                dir.path(),
                &format!("{name}-{layout}.yaml"),
                &template,
            ));
        }
    }
    let mut args = vec!["--format", "parseable"];
    args.extend(files.iter().map(String::as_str));
    let output = run(&cfn_lint, &args);
    stdout_of(&output, "cfn-lint");
}

#[test]
fn cloudformation_yaml_reads_back_as_policy() {
    let Some(python) = venv_program("python", "cloudformation_yaml_reads_back_as_policy") else {
        return;
    };
    let helper = tools_dir().join("yaml_to_json.py");
    let dir = tempfile::tempdir().unwrap();
    for (name, report) in reports() {
        for (layout, options) in cloudformation_layouts() {
            let snippet = rendered(&report, Format::CloudFormation, &options);
            let file = write(dir.path(), &format!("{name}-{layout}.yaml"), &snippet);
            let parsed: Value = serde_json::from_str(&stdout_of(
                &run(&python, &[helper.to_str().unwrap(), &file]),
                "yaml",
            ))
            .unwrap();
            let read: Vec<Value> = match options.policy_type {
                PolicyType::Inline => parsed["Policies"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["PolicyDocument"].clone())
                    .collect(),
                PolicyType::Managed => parsed
                    .as_object()
                    .unwrap()
                    .values()
                    .map(|r| r["Properties"]["PolicyDocument"].clone())
                    .collect(),
            };
            let want: Vec<Value> = options
                .documents(&report.policy)
                .iter()
                .map(|d| serde_json::to_value(d).unwrap())
                .collect();
            // PyYAML sorts keys; compare as JSON values, which ignore order.
            assert_eq!(read, want, "{name} {layout}");
        }
    }
}

#[test]
fn policy_passes_parliament() {
    let Some(parliament) = venv_program("parliament", "policy_passes_parliament") else {
        return;
    };
    for (name, report) in [("deploy", deploy_report()), ("escapes", escapes_report())] {
        let policy = rendered(&report, Format::Policy, &RenderOptions::default());
        // parliament reads the policy from stdin and exits 1 on any finding,
        // LOW and INFO included.
        let output = run_with_input(
            &parliament,
            &["--json", "--minimum_severity", "INFO"],
            &policy,
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{name}: parliament findings:\n{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(stdout, "", "{name}");
    }
}
