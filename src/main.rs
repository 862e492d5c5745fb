//! The `trailgrant` command: flags → a validated plan → the library pipeline
//! → output and an exit code.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
