//! Readers for every shape CloudTrail events come in.
//!
//! A source turns input (files, directories, stdin, and through [`crate::aws`]
//! the AWS APIs) into [`Record`]s. Each raw record is first tested against a
//! [`Prefilter`] on its bytes, so records that cannot concern the role are
//! skipped before they are parsed. Unreadable input is reported as an
//! [`InputProblem`] naming the file and record index, and the scan goes on.
//!
//! Shapes are recognised from the bytes, not from file names: CloudTrail's
//! S3 delivery file `{"Records":[...]}`, gzipped or not (one or many gzip
//! members); a bare array of records; one record; JSON lines (including
//! Logstash exports with extra keys); the LookupEvents response, whose
//! `Events[].CloudTrailEvent` holds each record as a JSON string; EventBridge
//! events, whose `detail` is the record, alone, in an array or as lines;
//! and CloudTrail Lake `GetQueryResults` output, whose rows are mapped to
//! record fields (see `lake.rs`). Anything else, such as a JSON catalog of
//! error messages, is reported as not CloudTrail records.
//!
//! # Speed and memory
//!
//! Files are read in parallel on the rayon thread pool. Each stream is split
//! into records by a byte-level scanner that holds one record at a time, so
//! memory does not grow with the input; records longer than
//! [`MAX_RECORD_BYTES`] are reported and skipped without being held. The
//! prefilter runs on each record's raw bytes and only matching records are
//! parsed.
//!
//! # Order
//!
//! `on_record` is called from several threads, in no fixed order between
//! files. Within one file records arrive in file order, and every call
//! carries the exact [`Origin`], so callers that need a stable order sort by
//! it (or by the record's own time and id). [`ScanReport::problems`] is
//! sorted by path and index.

mod classify;
mod lake;
mod scan;
mod stream;
mod walk;

#[cfg(test)]
mod tests;

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;
use memchr::memmem;
use rayon::iter::{ParallelBridge, ParallelIterator};

use crate::record::Record;
use scan::Sink;
use walk::Input;

/// The largest record read. Larger values are reported and skipped, so a
/// hostile or corrupt file cannot make a scan hold unbounded memory.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// The size of the read buffer in front of each file.
const FILE_BUFFER: usize = 128 * 1024;

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file (`-` for stdin, a URL for remote sources).
    pub path: String,
    /// The record's index within the file, from 0.
    pub index: usize,
}

/// A byte-level test run on each raw record before parsing: a record is
/// parsed only when it contains at least one of the needles and every one of
/// the required byte strings. No needles and nothing required means every
/// record is parsed.
///
/// The test runs on the record's bytes as written, so a needle is found only
/// where the input spells it the same way. A record that writes the text
/// with JSON escapes (`\u0041` for `A`, `\/` for `/`) does not match, and
/// inside a LookupEvents `CloudTrailEvent` string every `"` is written `\"`.
/// CloudTrail escapes only `"`, `\` and control characters, so needles such
/// as a role name or an error code without quotes are safe.
#[derive(Debug, Clone, Default)]
pub struct Prefilter {
    /// Byte strings of which at least one must occur in the record.
    pub needles: Vec<Vec<u8>>,
    /// Byte strings that must all occur in the record.
    pub required: Vec<Vec<u8>>,
    /// True when `needles` match regardless of ASCII case, as IAM compares
    /// role names.
    pub ignore_case: bool,
}

impl Prefilter {
    /// Creates a prefilter passing records that contain any of `needles`.
    pub fn any_of<I, N>(needles: I) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<Vec<u8>>,
    {
        Prefilter {
            needles: needles.into_iter().map(Into::into).collect(),
            required: Vec::new(),
            ignore_case: false,
        }
    }

    /// Makes `needles` match regardless of ASCII case.
    #[must_use]
    pub fn ignoring_case(mut self) -> Self {
        self.ignore_case = true;
        self
    }

    /// Adds byte strings that a record must all contain as well.
    #[must_use]
    pub fn and_all_of<I, N>(mut self, required: I) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<Vec<u8>>,
    {
        self.required.extend(required.into_iter().map(Into::into));
        self
    }

    /// Returns true when `record` passes. Scans build their searchers once;
    /// this is for single checks.
    pub fn is_match(&self, record: &[u8]) -> bool {
        Matcher::new(self).is_match(record)
    }
}

/// A [`Prefilter`] with its searchers built.
struct Matcher {
    any: Vec<memmem::Finder<'static>>,
    /// The needles when they ignore case; `any` is then empty.
    any_folded: Option<AhoCorasick>,
    all: Vec<memmem::Finder<'static>>,
}

impl Matcher {
    fn new(prefilter: &Prefilter) -> Self {
        let build = |needles: &[Vec<u8>]| {
            needles
                .iter()
                .map(|needle| memmem::Finder::new(needle).into_owned())
                .collect()
        };
        let folded = (prefilter.ignore_case && !prefilter.needles.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build(&prefilter.needles)
                    .ok()
            })
            .flatten();
        Matcher {
            any: if folded.is_some() {
                Vec::new()
            } else {
                build(&prefilter.needles)
            },
            any_folded: folded,
            all: build(&prefilter.required),
        }
    }

    fn is_match(&self, record: &[u8]) -> bool {
        let any = match &self.any_folded {
            Some(folded) => folded.is_match(record),
            None => self.any.is_empty() || self.any.iter().any(|f| f.find(record).is_some()),
        };
        any && self.all.iter().all(|f| f.find(record).is_some())
    }
}

/// One piece of input that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputProblem {
    /// The file.
    pub path: String,
    /// The record index, when the problem is one record.
    pub index: Option<usize>,
    /// What went wrong, one line.
    pub message: String,
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.escape_debug();
        match self.index {
            Some(index) => write!(f, "{path}: record {index}: {}", self.message),
            None => write!(f, "{path}: {}", self.message),
        }
    }
}

/// Counts and problems of one scan.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    /// Files (or objects) opened.
    pub files: usize,
    /// Raw records seen.
    pub records: usize,
    /// Records that passed the prefilter and parsed: the number of
    /// `on_record` calls.
    pub parsed: usize,
    /// Files inside directories passed over because their name is not that
    /// of a log file.
    pub skipped: usize,
    /// Bytes read after decompression.
    pub bytes: u64,
    /// Everything that could not be read, sorted by path and index.
    pub problems: Vec<InputProblem>,
}

impl ScanReport {
    /// Returns true when every input was read whole.
    pub fn is_complete(&self) -> bool {
        self.problems.is_empty()
    }

    /// Adds the counts and problems of `other`.
    pub fn merge(&mut self, other: ScanReport) {
        self.files += other.files;
        self.records += other.records;
        self.parsed += other.parsed;
        self.skipped += other.skipped;
        self.bytes += other.bytes;
        self.problems.extend(other.problems);
    }

    fn sort_problems(&mut self) {
        self.problems
            .sort_by(|a, b| (&a.path, a.index).cmp(&(&b.path, b.index)));
    }
}

/// Reads every record under `paths` (files, directories searched
/// recursively, `-` for stdin), calling `on_record` for each record that
/// passes `prefilter`. Files are read in parallel, so calls come from
/// several threads in no fixed order; see the module documentation.
pub fn scan_paths<F>(paths: &[PathBuf], prefilter: &Prefilter, on_record: F) -> ScanReport
where
    F: Fn(Record, &Origin) + Sync,
{
    scan_inputs(walk::inputs(paths), prefilter, &on_record)
}

/// Reads a list of inputs in parallel; split from [`scan_paths`] so tests
/// can change the file system between listing and reading.
fn scan_inputs<I, F>(inputs: I, prefilter: &Prefilter, on_record: &F) -> ScanReport
where
    I: Iterator<Item = Input> + Send,
    F: Fn(Record, &Origin) + Sync,
{
    let matcher = Matcher::new(prefilter);
    let mut report = inputs
        .par_bridge()
        .map(|input| scan_one(input, &matcher, on_record))
        .reduce(ScanReport::default, |mut total, part| {
            total.merge(part);
            total
        });
    report.sort_problems();
    report
}

fn scan_one<F>(input: Input, matcher: &Matcher, on_record: &F) -> ScanReport
where
    F: Fn(Record, &Origin) + Sync,
{
    match input {
        Input::Stdin => read_stream("-", std::io::stdin().lock(), matcher, on_record),
        Input::File(path) => scan_file(&path, matcher, on_record),
        Input::Skipped => ScanReport {
            skipped: 1,
            ..ScanReport::default()
        },
        Input::Problem(problem) => ScanReport {
            problems: vec![problem],
            ..ScanReport::default()
        },
    }
}

fn scan_file<F>(path: &Path, matcher: &Matcher, on_record: &F) -> ScanReport
where
    F: Fn(Record, &Origin) + Sync,
{
    let name = path.display().to_string();
    match File::open(path) {
        Ok(file) => read_stream(&name, file, matcher, on_record),
        Err(error) => ScanReport {
            problems: vec![InputProblem {
                path: name,
                index: None,
                message: format!("cannot open: {error}"),
            }],
            ..ScanReport::default()
        },
    }
}

/// Reads one stream named `name` (a file name, `-` for stdin, or a URL),
/// calling `on_record` for each record that passes `prefilter`.
pub fn scan_reader<R, F>(name: &str, reader: R, prefilter: &Prefilter, on_record: F) -> ScanReport
where
    R: Read,
    F: FnMut(Record, &Origin),
{
    let mut report = read_stream(name, reader, &Matcher::new(prefilter), on_record);
    report.sort_problems();
    report
}

/// Reads records from bytes in memory; see [`scan_reader`].
pub fn scan_bytes<F>(name: &str, bytes: &[u8], prefilter: &Prefilter, on_record: F) -> ScanReport
where
    F: FnMut(Record, &Origin),
{
    scan_reader(name, bytes, prefilter, on_record)
}

fn read_stream<R, F>(name: &str, reader: R, matcher: &Matcher, on_record: F) -> ScanReport
where
    R: Read,
    F: FnMut(Record, &Origin),
{
    let mut sink = Sink::new(name.to_owned(), matcher, on_record);
    scan::scan_input(BufReader::with_capacity(FILE_BUFFER, reader), &mut sink);
    sink.finish()
}
