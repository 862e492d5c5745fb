//! Runs the source stage alone over CloudTrail files and prints its counts,
//! to measure reading speed apart from the rest of `learn`.
//!
//! Usage: `scan [--ignore-case] [--needle TEXT]... [--require TEXT]... PATH...`
//!
//! `--ignore-case` makes the needles ignore ASCII case, as `learn`'s role
//! needle does.
//!
//! Records passing the prefilter are parsed; the ones with an authorization
//! error code are counted as denied.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use trailgrant::source::{scan_paths, Prefilter};

fn main() -> ExitCode {
    let mut prefilter = Prefilter::default();
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ignore-case" => prefilter.ignore_case = true,
            "--needle" | "--require" => {
                let Some(text) = args.next() else {
                    eprintln!("scan: {arg} needs a value");
                    return ExitCode::from(2);
                };
                let list = if arg == "--needle" {
                    &mut prefilter.needles
                } else {
                    &mut prefilter.required
                };
                list.push(text.into_bytes());
            }
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    let denied = AtomicUsize::new(0);
    let report = scan_paths(&paths, &prefilter, |record, _| {
        let code = record
            .error_code
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase();
        if code.contains("denied") || code.contains("unauthorized") {
            denied.fetch_add(1, Ordering::Relaxed);
        }
    });
    for problem in &report.problems {
        eprintln!("scan: {problem}");
    }
    println!(
        "files {} records {} parsed {} denied {} skipped {} bytes {} problems {}",
        report.files,
        report.records,
        report.parsed,
        denied.into_inner(),
        report.skipped,
        report.bytes,
        report.problems.len()
    );
    if report.is_complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
