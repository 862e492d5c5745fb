//! Helpers shared by the end-to-end tests: fixture loading, the binary, and
//! the external tools some tests drive.

pub mod tools;

use std::path::{Path, PathBuf};

use trailgrant::catalog::Catalog;
use trailgrant::learn::{self, LearnOptions, Report, Window};
use trailgrant::record::{Record, RoleSelector};

/// The deploy role of the scenario fixtures.
pub const DEPLOY_ROLE: &str = "arn:aws:iam::111122223333:role/gha-deploy";

/// Returns the repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Returns the path of a fixture file, such as `ecr-ecs-deploy/events.json`.
pub fn fixture(relative: &str) -> PathBuf {
    root().join("fixtures").join(relative)
}

/// Reads the records of a `{"Records": […]}` fixture file.
pub fn fixture_records(path: &Path) -> Vec<Record> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["Records"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no `Records` array", path.display()))
        .iter()
        .map(|record| Record::from_value(record.clone()).unwrap())
        .collect()
}

/// Runs the pipeline on a fixture scenario's `events.json` for `role`.
pub fn scenario_report(scenario: &str, role: &str) -> Report {
    let records = fixture_records(&fixture(&format!("{scenario}/events.json")));
    let options = LearnOptions {
        role: RoleSelector::parse(role).unwrap(),
        window: Window::default(),
    };
    learn::learn(records, Catalog::embedded().unwrap(), &options)
}

/// Returns a command running the built `trailgrant` binary, with no AWS
/// endpoint or credentials it could reach.
pub fn trailgrant() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_trailgrant"));
    command
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1");
    command
}
