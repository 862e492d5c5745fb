//! Reading one input stream: decompression, the top-level layout, and the
//! hand-off of each record to the prefilter, the parser and the caller.
//!
//! The layout is found from the bytes, never from the file name:
//!
//! * gzip (one or many members) by its magic bytes;
//! * an object with `Records`, `Events` or `QueryResultRows` holding an
//!   array streams that array element by element, ignoring its other keys
//!   (`NextToken`, `QueryStatus` …);
//! * a top-level array streams its elements;
//! * any other object is one value in a record position, and so is each of
//!   several values written one after another. When the first of them is on
//!   one line and the next starts on a new line, the rest is read as JSON
//!   lines, one value per line, so a broken line costs only that line.
//!
//! Each value in a record position is then classified (record, EventBridge
//! event, LookupEvents entry, Lake row, nested container, or not a record)
//! and, if it passes the prefilter, decoded.

use std::io::{BufRead, Read};

use flate2::bufread::MultiGzDecoder;
use memchr::memchr;

use super::classify::{self, Shape, CONTAINER_KEYS};
use super::stream::{advance_nested, JsonStream, Span, StreamError, ValueState};
use super::{InputProblem, Matcher, Origin, ScanReport, MAX_RECORD_BYTES};
use crate::record::Record;

/// The receiver of one stream's records: prefilter, callback, counts and
/// problems.
pub(super) struct Sink<'a, F> {
    origin: Origin,
    matcher: &'a Matcher,
    on_record: F,
    report: ScanReport,
    next_index: usize,
    limit: usize,
}

/// Where a value sits in the input, which decides how it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// An element of a `Records` array: a record, read without classifying.
    Record,
    /// An element of any other array, or a line of JSON lines.
    Element,
    /// A whole top-level value.
    TopLevel,
}

/// A stream failure and the record it interrupted, if any.
struct Failure {
    index: Option<usize>,
    error: StreamError,
}

impl From<StreamError> for Failure {
    fn from(error: StreamError) -> Self {
        Failure { index: None, error }
    }
}

impl<'a, F: FnMut(Record, &Origin)> Sink<'a, F> {
    /// Creates a sink for the stream named `path`.
    pub fn new(path: String, matcher: &'a Matcher, on_record: F) -> Self {
        Sink {
            origin: Origin { path, index: 0 },
            matcher,
            on_record,
            report: ScanReport::default(),
            next_index: 0,
            limit: MAX_RECORD_BYTES,
        }
    }

    /// Returns the counts and problems collected.
    pub fn finish(mut self) -> ScanReport {
        self.report.files = 1;
        self.report
    }

    /// Records a problem of this stream.
    pub fn problem(&mut self, index: Option<usize>, message: String) {
        self.report.problems.push(InputProblem {
            path: self.origin.path.clone(),
            index,
            message,
        });
    }

    fn take_index(&mut self) -> usize {
        let index = self.next_index;
        self.next_index += 1;
        self.report.records += 1;
        index
    }

    fn oversized(&mut self) {
        let index = self.take_index();
        let mib = self.limit / (1024 * 1024);
        let message = if mib > 0 {
            format!("record is larger than {mib} MiB; skipped")
        } else {
            format!("record is larger than {} bytes; skipped", self.limit)
        };
        self.problem(Some(index), message);
    }

    /// Handles one value in a record position.
    fn value(&mut self, position: Position, bytes: &[u8], nested: bool) {
        // `Records` elements are records; only a non-object (`null`, a
        // number) among them is worth classifying, for a clearer message.
        let is_object = bytes.first() == Some(&b'{');
        let shape = if position == Position::Record && is_object {
            Shape::Record
        } else {
            classify::classify(bytes)
        };
        match shape {
            Shape::Container if !nested => {
                scan_json(bytes, self, Framing::Nested);
            }
            Shape::Container => {
                let index = self.take_index();
                let message = "a container of records nested in another is not read".to_owned();
                self.problem(Some(index), message);
            }
            Shape::NotRecord(what) if position == Position::TopLevel && self.next_index == 0 => {
                self.next_index += 1;
                self.problem(None, format!("not CloudTrail records: the input is {what}"));
            }
            Shape::NotRecord(what) => {
                let index = self.take_index();
                self.problem(Some(index), format!("not a CloudTrail record: {what}"));
            }
            shape => {
                let index = self.take_index();
                if self.matcher.is_match(bytes) {
                    self.deliver(index, classify::decode(&shape, bytes));
                }
            }
        }
    }

    fn deliver(&mut self, index: usize, decoded: Result<Record, String>) {
        match decoded {
            Ok(record) => {
                self.report.parsed += 1;
                self.origin.index = index;
                (self.on_record)(record, &self.origin);
            }
            Err(message) => self.problem(Some(index), message),
        }
    }

    fn stream_failure(&mut self, failure: Failure, gzip: bool) {
        let message = match failure.error {
            StreamError::Io(error) if gzip => format!("gzip data is truncated or corrupt: {error}"),
            StreamError::Io(error) => format!("read failed: {error}"),
            StreamError::UnexpectedEnd if failure.index.is_some() => {
                "input ends inside a record".to_owned()
            }
            StreamError::UnexpectedEnd => "input ends inside its top-level JSON value".to_owned(),
            StreamError::Syntax {
                expected,
                found,
                offset,
            } => {
                format!(
                    "invalid JSON at byte {offset}: expected {expected}, found {}",
                    show(found)
                )
            }
        };
        self.problem(failure.index, message);
    }
}

/// Shows one input byte in a message.
fn show(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("`{}`", char::from(byte))
    } else {
        format!("byte 0x{byte:02x}")
    }
}

/// Reads one stream, decompressing it first when it is gzip.
pub(super) fn scan_input<R: BufRead, F: FnMut(Record, &Origin)>(mut reader: R, sink: &mut Sink<F>) {
    let head = match reader.fill_buf() {
        Ok(head) => head,
        Err(error) => {
            sink.problem(None, format!("read failed: {error}"));
            return;
        }
    };
    match compression(head) {
        Some("gzip") => {
            let read = scan_json(MultiGzDecoder::new(reader), sink, Framing::Gzip);
            sink.report.bytes += read;
        }
        Some(format) => {
            sink.problem(
                None,
                format!("{format}-compressed input is not supported; decompress it first"),
            );
        }
        None => {
            let read = scan_json(reader, sink, Framing::Plain);
            sink.report.bytes += read;
        }
    }
}

/// Names the compression format whose magic bytes start `head`.
fn compression(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some("gzip")
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some("zstd")
    } else if head.starts_with(b"BZh") {
        Some("bzip2")
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Some("xz")
    } else if head.starts_with(b"PK\x03\x04") {
        Some("zip")
    } else {
        None
    }
}

/// What a JSON stream is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// An uncompressed file or stream.
    Plain,
    /// The output of the gzip decoder, whose I/O errors mean bad compressed
    /// data rather than a failing device.
    Gzip,
    /// A container found inside a record position, read from memory.
    Nested,
}

/// Reads every value of a JSON stream; returns the bytes read, not counting
/// nested containers, which were counted with their stream.
fn scan_json<R: Read, F: FnMut(Record, &Origin)>(
    reader: R,
    sink: &mut Sink<F>,
    framing: Framing,
) -> u64 {
    let mut stream = JsonStream::new(reader, sink.limit);
    let nested = framing == Framing::Nested;
    if let Err(failure) = scan_values(&mut stream, sink, nested) {
        sink.stream_failure(failure, framing == Framing::Gzip);
    }
    if nested {
        0
    } else {
        stream.bytes_read()
    }
}

fn scan_values<R: Read, F: FnMut(Record, &Origin)>(
    stream: &mut JsonStream<R>,
    sink: &mut Sink<F>,
    nested: bool,
) -> Result<(), Failure> {
    stream.skip_bom()?;
    let mut first = true;
    let mut one_line_object = false;
    loop {
        let (next, newline) = stream.skip_ws()?;
        let Some(byte) = next else {
            return Ok(());
        };
        if one_line_object && newline {
            return scan_lines(stream, sink, nested);
        }
        one_line_object = false;
        match byte {
            b',' if !first => stream.bump(),
            b'{' => match top_object(stream, sink, nested) {
                Ok(one_line) => one_line_object = one_line && first,
                Err(failure) if first && !nested && starts_json_lines(stream, &failure) => {
                    stream.rewind_to_hold();
                    return scan_lines(stream, sink, nested);
                }
                Err(failure) => return Err(failure),
            },
            b'[' => array(stream, sink, Position::Element, nested)?,
            other if first => return Err(Failure::from(not_records(stream, other))),
            other => {
                let error = stream.syntax("a JSON value after the last record", other);
                return Err(Failure { index: None, error });
            }
        }
        first = false;
    }
}

/// Explains a first byte that cannot start CloudTrail records.
fn not_records<R: Read>(stream: &JsonStream<R>, byte: u8) -> StreamError {
    let head = stream.buffered();
    let literal = [&b"true"[..], b"false", b"null"]
        .iter()
        .any(|word| head.starts_with(word));
    let expected = if matches!(byte, b'"' | b'-' | b'0'..=b'9') || literal {
        "an object or array of CloudTrail records, not a JSON scalar"
    } else {
        "JSON (an object or array of CloudTrail records)"
    };
    stream.syntax(expected, byte)
}

/// Decides whether a first value that failed to parse is the broken first
/// line of JSON lines. That is so when the failure is a syntax error or an
/// early end, the value is still held whole, and a later buffered line
/// starts with `{`. The stream is then read again as lines, and only that
/// line is lost.
fn starts_json_lines<R: Read>(stream: &JsonStream<R>, failure: &Failure) -> bool {
    if matches!(failure.error, StreamError::Io(_)) {
        return false;
    }
    let Some(bytes) = stream.held_and_buffered() else {
        return false;
    };
    memchr::memchr_iter(b'\n', bytes).any(|at| bytes.get(at + 1) == Some(&b'{'))
}

/// Reads the rest of the stream as JSON lines.
fn scan_lines<R: Read, F: FnMut(Record, &Origin)>(
    stream: &mut JsonStream<R>,
    sink: &mut Sink<F>,
    nested: bool,
) -> Result<(), Failure> {
    loop {
        let (next, _) = stream.skip_ws()?;
        if next.is_none() {
            return Ok(());
        }
        let span = stream.scan_line()?;
        if stream.take_overflow() {
            sink.oversized();
            continue;
        }
        let Some(line) = stream.slice(span) else {
            sink.oversized();
            continue;
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = line.strip_suffix(b",").unwrap_or(line);
        if let Some(problem) = broken_line(line) {
            let index = sink.take_index();
            sink.problem(Some(index), problem.to_owned());
            continue;
        }
        sink.value(Position::Element, line, nested);
    }
}

/// Checks the brackets and strings of one JSON line, so a broken line is
/// reported even when the prefilter would skip it unparsed. Returns the
/// problem, or `None` for a line that contains one whole object or array.
fn broken_line(line: &[u8]) -> Option<&'static str> {
    let line = line.trim_ascii_end();
    if !matches!(line.first(), Some(b'{' | b'[')) {
        return Some("invalid JSON line: expected an object; skipped");
    }
    let mut state = ValueState::default();
    match advance_nested(&mut state, line) {
        (used, true) if used == line.len() => None,
        (_, true) => Some("invalid JSON line: text after the end of its object; skipped"),
        (_, false) => Some("invalid JSON line: it ends inside its object; skipped"),
    }
}

/// Reads a top-level object: streams its container array if it has one,
/// else hands the whole object on as one value. Returns true when the
/// object was a single value written on one line.
fn top_object<R: Read, F: FnMut(Record, &Origin)>(
    stream: &mut JsonStream<R>,
    sink: &mut Sink<F>,
    nested: bool,
) -> Result<bool, Failure> {
    let start = stream.offset();
    stream.hold();
    stream.expect(b'{', "`{`")?;
    let mut container = false;
    loop {
        match stream.skip_ws()?.0 {
            Some(b'}') => {
                stream.bump();
                break;
            }
            Some(b'"') => {}
            Some(other) => return Err(stream.syntax("a key", other).into()),
            None => return Err(StreamError::UnexpectedEnd.into()),
        }
        let key = stream.scan_value()?;
        let kind = stream.slice(key).and_then(container_key);
        stream.skip_ws()?;
        stream.expect(b':', "`:`")?;
        let first = stream.skip_ws()?.0;
        match (kind, first) {
            (Some(_), Some(b'[')) => {
                stream.release();
                container = true;
                let position = if kind == Some("Records") {
                    Position::Record
                } else {
                    Position::Element
                };
                array(stream, sink, position, nested)?;
            }
            (Some(name), Some(byte)) => {
                container = true;
                stream.scan_value()?;
                sink.problem(
                    None,
                    format!("`{name}` is {}, expected an array", describe(byte)),
                );
            }
            _ => {
                stream.scan_value()?;
            }
        }
        match stream.skip_ws()?.0 {
            Some(b',') => stream.bump(),
            Some(b'}') => {
                stream.bump();
                break;
            }
            Some(other) => return Err(stream.syntax("`,` or `}`", other).into()),
            None => return Err(StreamError::UnexpectedEnd.into()),
        }
    }
    let span = Span {
        start,
        end: stream.offset(),
    };
    let one_line = if container {
        false
    } else if !stream.is_holding() {
        stream.take_overflow();
        sink.oversized();
        false
    } else if let Some(bytes) = stream.slice(span) {
        sink.value(Position::TopLevel, bytes, nested);
        memchr(b'\n', bytes).is_none()
    } else {
        sink.oversized();
        false
    };
    stream.release();
    Ok(one_line)
}

fn container_key(key: &[u8]) -> Option<&'static str> {
    let name = key.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    CONTAINER_KEYS
        .iter()
        .find(|candidate| **candidate == name)
        .and_then(|found| std::str::from_utf8(found).ok())
}

/// Names the JSON type that starts with `byte`.
fn describe(byte: u8) -> &'static str {
    match byte {
        b'{' => "an object",
        b'"' => "a string",
        b'n' => "null",
        b't' | b'f' => "a boolean",
        _ => "a number",
    }
}

/// Streams the elements of the array that starts at the next byte.
fn array<R: Read, F: FnMut(Record, &Origin)>(
    stream: &mut JsonStream<R>,
    sink: &mut Sink<F>,
    position: Position,
    nested: bool,
) -> Result<(), Failure> {
    stream.expect(b'[', "`[`")?;
    loop {
        let index = sink.next_index;
        let at = |error| Failure {
            index: Some(index),
            error,
        };
        match stream.skip_ws().map_err(at)?.0 {
            Some(b']') => {
                stream.bump();
                return Ok(());
            }
            Some(_) => {}
            None => return Err(at(StreamError::UnexpectedEnd)),
        }
        let span = stream.scan_value().map_err(at)?;
        let overflowed = stream.take_overflow();
        match stream.slice(span) {
            Some(bytes) if !overflowed => sink.value(position, bytes, nested),
            _ => sink.oversized(),
        }
        let index = sink.next_index;
        let at = |error| Failure {
            index: Some(index),
            error,
        };
        match stream.skip_ws().map_err(at)?.0 {
            Some(b',') => stream.bump(),
            Some(b']') => {
                stream.bump();
                return Ok(());
            }
            Some(other) => return Err(at(stream.syntax("`,` or `]`", other))),
            None => return Err(at(StreamError::UnexpectedEnd)),
        }
    }
}
