//! Every output format on the scenario fixtures: snapshots, and the real
//! tools of each ecosystem (tsc, cfn-lint, parliament, an HCL parser)
//! reading what trailgrant wrote.

mod cli;
mod tools;

use trailgrant::learn::Report;
use trailgrant::render::{render_with, Format, PolicyType, RenderOptions};

use crate::support::{scenario_report, ROLE};

const FORMATS: &[(Format, &str)] = &[
    (Format::Text, "text"),
    (Format::Json, "json"),
    (Format::Policy, "policy"),
    (Format::Terraform, "terraform"),
    (Format::Cdk, "cdk"),
    (Format::CdkPython, "cdk-python"),
    (Format::CloudFormation, "cloudformation"),
    (Format::Markdown, "markdown"),
];

/// Renders `report` in `format` with `options`.
pub fn rendered(report: &Report, format: Format, options: &RenderOptions) -> String {
    let mut out = Vec::new();
    render_with(report, format, options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Returns the report of the motivating scenario: an ECR push and an ECS
/// deploy.
pub fn deploy_report() -> Report {
    scenario_report("ecr-ecs-deploy", ROLE)
}

/// Returns the report of the escapes scenario: resources with `$`, `*`, `?` and `${…}`, conditions, Markdown-hostile
/// text and causes outside the role.
pub fn escapes_report() -> Report {
    scenario_report("render-escapes", ROLE)
}

fn snapshot_all(scenario: &str, report: &Report, options: &RenderOptions, suffix: &str) {
    for (format, name) in FORMATS {
        let output = rendered(report, *format, options);
        insta::assert_snapshot!(format!("{scenario}{suffix}.{name}"), output);
    }
}

#[test]
fn deploy_scenario_in_every_format() {
    snapshot_all(
        "ecr-ecs-deploy",
        &deploy_report(),
        &RenderOptions::default(),
        "",
    );
}

#[test]
fn escapes_scenario_in_every_format() {
    snapshot_all(
        "render-escapes",
        &escapes_report(),
        &RenderOptions::default(),
        "",
    );
}

#[test]
fn split_managed_policies_in_every_format() {
    let options = RenderOptions {
        policy_type: PolicyType::Managed,
        split_at: Some(400),
    };
    snapshot_all("ecr-ecs-deploy", &deploy_report(), &options, "-split");
}
