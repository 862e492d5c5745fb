//! Exit codes and the one place errors are printed.

use std::process::ExitCode;

use trailgrant::sanitize::terminal_safe;

/// How a run ended. The values are part of the command's interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the input was read and nothing needs to change: it held no
    /// denial of the role, or only denials that need nothing (allowed since,
    /// no permission needed). Commands other than `learn` end with it on
    /// success.
    NoDenials = 0,
    /// 1: statements, policy edits or remedies were proposed.
    Proposed = 1,
    /// 2: the run failed (bad flags, `--events` paths none of which can be
    /// read, unreadable catalog, AWS error …).
    Error = 2,
    /// 3: some input could not be read; whatever was found is still printed.
    PartialInput = 3,
}

/// The exit code table shown at the end of `--help`.
pub const HELP: &str = "\
Exit codes:
  0  nothing to change: no denial of the role, or only denials that need nothing
  1  statements, policy edits or remedies were proposed
  2  error
  3  some input could not be read (findings from the rest are printed)";

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// Prints an error and its chain of causes on one line, prefixed with the
/// program name. Messages may quote input (a policy file, an AWS error), so
/// control characters in them are neutralized.
pub fn report_error(error: &anyhow::Error) {
    let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
    eprintln!("trailgrant: {}", terminal_safe(&chain.join(": ")));
}
