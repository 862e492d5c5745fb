//! The external tools that check rendered output: Python packages in the
//! test virtualenv and npm packages under `tests/tools/node_modules`, both
//! installed by `scripts/test-setup`.
//!
//! Under `scripts/test` (`TRAILGRANT_REQUIRE_TOOLS=1`) a missing tool fails
//! the test; otherwise the test prints why it skipped and passes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::root;

/// Returns true when missing tools must fail the tests.
pub fn tools_required() -> bool {
    std::env::var("TRAILGRANT_REQUIRE_TOOLS").is_ok_and(|value| value == "1")
}

/// Returns `path` when it exists. Otherwise fails under
/// `TRAILGRANT_REQUIRE_TOOLS=1`, or prints why `test` is skipped and
/// returns `None`.
pub fn require(path: PathBuf, test: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    let reason = format!(
        "{} is missing; run scripts/test-setup to install it",
        path.display()
    );
    assert!(!tools_required(), "{test}: {reason}");
    eprintln!("skipping {test}: {reason}");
    None
}

/// Returns the test virtualenv's directory (`$TRAILGRANT_VENV`, else
/// `.venv`).
pub fn venv() -> PathBuf {
    std::env::var_os("TRAILGRANT_VENV").map_or_else(|| root().join(".venv"), PathBuf::from)
}

/// Returns a program of the test virtualenv, such as `cfn-lint`.
pub fn venv_program(name: &str, test: &str) -> Option<PathBuf> {
    require(venv().join("bin").join(name), test)
}

/// Returns `tests/tools`: the npm project and the Python helpers.
pub fn tools_dir() -> PathBuf {
    root().join("tests").join("tools")
}

/// Returns a program of `tests/tools/node_modules/.bin`, such as `tsc`.
pub fn node_program(name: &str, test: &str) -> Option<PathBuf> {
    require(
        tools_dir().join("node_modules").join(".bin").join(name),
        test,
    )
}

/// Runs `program` with `args` and returns its output; panics when it cannot
/// start.
pub fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("failed to run {}: {e}", program.display()))
}

/// Runs `program` with `args` and `input` on its stdin, and returns its
/// output; panics when it cannot start.
pub fn run_with_input(program: &Path, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("failed to run {}: {e}", program.display()));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Returns stdout of a run that must succeed, with both streams in the
/// failure message.
pub fn stdout_of(output: &Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}
