//! Turns the paths given on the command line into the streams to read.
//!
//! A file given by name is always read, whatever its name. A directory is
//! searched recursively, following symbolic links, which is how the S3
//! delivery layout `AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`
//! comes out of `aws s3 sync`. Inside a directory:
//!
//! * hidden files and directories (name starting with `.`) are passed over
//!   silently, as `.git` or editor files are no part of a trail;
//! * `CloudTrail-Digest` directories are passed over silently: they hold
//!   integrity digests, not records (`CloudTrail-Insight` is read);
//! * files whose name does not end in `.json`, `.jsonl`, `.ndjson` or `.gz`
//!   (any case) are skipped and counted in [`ScanReport::skipped`], so a
//!   README next to the logs does not make the input look partial;
//! * FIFOs, sockets and devices are reported and not opened, since reading
//!   one could block forever;
//! * a symbolic link that leads back to one of its own ancestors is
//!   reported once and not followed, and the walk goes on.
//!
//! The walk is lazy: entries are produced while earlier files are read, so
//! a directory of any size is never listed into memory whole.
//!
//! [`ScanReport::skipped`]: super::ScanReport::skipped

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use walkdir::{DirEntry, WalkDir};

use super::InputProblem;

/// One thing to read, or the reason something could not be.
#[derive(Debug)]
pub(super) enum Input {
    /// Standard input.
    Stdin,
    /// A file to open.
    File(PathBuf),
    /// A directory entry skipped by its name.
    Skipped,
    /// An entry that could not be listed or is not a file.
    Problem(InputProblem),
}

/// File name endings read inside directories.
const LOG_SUFFIXES: &[&str] = &[".json", ".jsonl", ".ndjson", ".gz"];

/// Directory names whose content is never records.
const NOT_LOG_DIRECTORIES: &[&str] = &["CloudTrail-Digest"];

/// Returns the inputs under `paths`, lazily, in walk order.
pub(super) fn inputs(paths: &[PathBuf]) -> impl Iterator<Item = Input> + Send + '_ {
    paths.iter().flat_map(|path| expand(path))
}

fn expand(path: &Path) -> Box<dyn Iterator<Item = Input> + Send> {
    if path.as_os_str() == "-" {
        return Box::new(std::iter::once(Input::Stdin));
    }
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => Box::new(walk(path)),
        Ok(_) => Box::new(std::iter::once(Input::File(path.to_path_buf()))),
        Err(error) => {
            let problem = problem(path, format!("cannot read: {error}"));
            Box::new(std::iter::once(Input::Problem(problem)))
        }
    }
}

fn walk(root: &Path) -> impl Iterator<Item = Input> + Send {
    let root = root.to_path_buf();
    WalkDir::new(&root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_passed_over(entry))
        .filter_map(move |entry| match entry {
            Ok(entry) => classify_entry(entry),
            Err(error) => Some(Input::Problem(walk_problem(&root, &error))),
        })
}

/// Hidden entries and digest directories, left out without a word.
fn is_passed_over(entry: &DirEntry) -> bool {
    let name = entry.file_name();
    let hidden = name.as_encoded_bytes().first() == Some(&b'.');
    let digest = entry.file_type().is_dir() && NOT_LOG_DIRECTORIES.iter().any(|dir| name == *dir);
    hidden || digest
}

fn classify_entry(entry: DirEntry) -> Option<Input> {
    let file_type = entry.file_type();
    if file_type.is_dir() {
        return None;
    }
    if !file_type.is_file() {
        let message = "not a regular file (a FIFO, socket or device); skipped".to_owned();
        return Some(Input::Problem(problem(entry.path(), message)));
    }
    if !is_log_name(entry.file_name()) {
        tracing::debug!(path = %entry.path().display(), "skipped: not a log file name");
        return Some(Input::Skipped);
    }
    Some(Input::File(entry.into_path()))
}

fn is_log_name(name: &OsStr) -> bool {
    let name = name.to_string_lossy().to_ascii_lowercase();
    LOG_SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
}

fn walk_problem(root: &Path, error: &walkdir::Error) -> InputProblem {
    let path = error.path().unwrap_or(root);
    if let Some(ancestor) = error.loop_ancestor() {
        let message = format!(
            "symbolic link loop: leads back to `{}`; not followed",
            ancestor.display()
        );
        return problem(path, message);
    }
    let message = match error.io_error() {
        Some(io) => format!("cannot read: {io}"),
        None => format!("cannot read: {error}"),
    };
    problem(path, message)
}

fn problem(path: &Path, message: String) -> InputProblem {
    InputProblem {
        path: path.display().to_string(),
        index: None,
        message,
    }
}
