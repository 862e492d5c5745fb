//! Helpers for running the real binary, loading fixtures, and the external
//! tools some tests drive.

#![allow(dead_code, reason = "each test module uses a different subset")]

pub mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use trailgrant::catalog::Catalog;
use trailgrant::learn::{self, LearnOptions, Report, Window};
use trailgrant::record::{Record, RoleSelector};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    root().join("fixtures").join(relative)
}

/// The finished run of the binary.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// stdout as text.
    pub stdout: String,
    /// stderr as text.
    pub stderr: String,
}

impl Run {
    /// Parses stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|error| {
            panic!(
                "stdout is not JSON ({error}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// A `trailgrant` command with an environment that can reach nothing: no
/// AWS profile, fake credentials, no instance metadata, loopback endpoints.
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trailgrant"));
    command
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_SESSION_TOKEN", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("TRAILGRANT_CATALOG")
        .env_remove("TRAILGRANT_NOW")
        .stdin(Stdio::null());
    command
}

/// Runs the binary with `args`.
pub fn run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut command = command();
    command.args(args);
    finish(command.output().expect("failed to start trailgrant"))
}

/// Runs the binary with `args` and `input` on stdin.
pub fn run_with_stdin<I, S>(args: I, input: &[u8]) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    use std::io::Write;
    let mut command = command();
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("failed to start trailgrant");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    finish(child.wait_with_output().expect("trailgrant did not finish"))
}

fn finish(output: Output) -> Run {
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Returns `path` as a string argument.
pub fn arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The role every fixture studies.
pub const ROLE: &str = "arn:aws:iam::111122223333:role/gha-deploy";

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

/// Runs the library pipeline on a fixture scenario's `events.json` for
/// `role`, with no current policy.
pub fn scenario_report(scenario: &str, role: &str) -> Report {
    let records = fixture_records(&fixture(&format!("{scenario}/events.json")));
    let options = LearnOptions {
        role: RoleSelector::parse(role).unwrap(),
        window: Window::default(),
        trust_policy: None,
        current: None,
    };
    learn::learn(records, Catalog::embedded().unwrap(), &options)
}
