//! A byte-level JSON splitter over any reader.
//!
//! [`JsonStream`] finds where each JSON value starts and ends without parsing
//! it: it tracks strings, escapes and bracket depth, and hands out the bytes
//! of one value at a time from a buffer that only ever holds the value being
//! read plus one read chunk. This is what lets a `{"Records":[...]}` file of
//! any size be scanned in flat memory, with each record parsed (or skipped by
//! the prefilter) straight from the buffer.
//!
//! The splitter does not validate what it skips: a value with mismatched
//! brackets or a bad escape is found by the JSON parser afterwards, record by
//! record. Depth is a counter, so no nesting can exhaust the stack here.

use std::io::{self, Read};

use memchr::{memchr, memchr2};

/// Bytes asked of the reader at a time.
const CHUNK: usize = 256 * 1024;

/// The absolute byte range of one value in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    /// Offset of the first byte.
    pub start: u64,
    /// Offset just past the last byte.
    pub end: u64,
}

/// Why the stream could not go on.
#[derive(Debug)]
pub(super) enum StreamError {
    /// The reader failed.
    Io(io::Error),
    /// The input ended inside a value.
    UnexpectedEnd,
    /// A byte that cannot start or continue the expected structure.
    Syntax {
        /// What was expected there.
        expected: &'static str,
        /// The byte found instead.
        found: u8,
        /// Its offset in the stream.
        offset: u64,
    },
}

impl From<io::Error> for StreamError {
    fn from(error: io::Error) -> Self {
        StreamError::Io(error)
    }
}

/// Scanning state carried across buffer refills.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ValueState {
    depth: u64,
    in_string: bool,
    escaped: bool,
}

impl ValueState {
    /// Returns the state just after a string's opening quote.
    pub fn in_string() -> Self {
        ValueState {
            depth: 0,
            in_string: true,
            escaped: false,
        }
    }
}

/// A JSON splitter reading from `R` through its own buffer.
pub(super) struct JsonStream<R> {
    reader: R,
    buf: Vec<u8>,
    /// `buf[..filled]` holds data.
    filled: usize,
    /// Index of the next byte to examine.
    pos: usize,
    /// Absolute offset of `buf[0]`.
    base: u64,
    /// Absolute offset below which bytes may be dropped.
    anchor: u64,
    /// Absolute offset of a value the caller wants kept whole, such as a
    /// top-level object that may turn out to be a single record.
    hold: Option<u64>,
    eof: bool,
    /// The most bytes one held value may take before it is dropped.
    limit: usize,
    overflowed: bool,
    /// Uncompressed bytes read so far.
    read_total: u64,
}

impl<R: Read> JsonStream<R> {
    /// Wraps `reader`; values longer than `limit` bytes are skipped and
    /// flagged instead of held.
    pub fn new(reader: R, limit: usize) -> Self {
        JsonStream {
            reader,
            buf: Vec::new(),
            filled: 0,
            pos: 0,
            base: 0,
            anchor: 0,
            hold: None,
            eof: false,
            limit,
            overflowed: false,
            read_total: 0,
        }
    }

    /// Returns the number of bytes read from the reader so far.
    pub fn bytes_read(&self) -> u64 {
        self.read_total
    }

    /// Returns the absolute offset of the next byte.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Returns the bytes of `span`, or `None` when they were dropped because
    /// the value was longer than the limit.
    pub fn slice(&self, span: Span) -> Option<&[u8]> {
        let start = usize::try_from(span.start.checked_sub(self.base)?).ok()?;
        let end = usize::try_from(span.end.checked_sub(self.base)?).ok()?;
        self.buf.get(start..end)
    }

    /// Keeps every byte from the next one on until [`Self::release`], so the
    /// whole value starting here can be read back with [`Self::slice`].
    pub fn hold(&mut self) {
        self.hold = Some(self.offset());
        self.anchor = self.offset();
    }

    /// Stops keeping the held value.
    pub fn release(&mut self) {
        self.hold = None;
    }

    /// Returns the held value's bytes and every byte buffered after them,
    /// or `None` when nothing is held.
    pub fn held_and_buffered(&self) -> Option<&[u8]> {
        let start = usize::try_from(self.hold?.checked_sub(self.base)?).ok()?;
        self.buf.get(start..self.filled)
    }

    /// Moves back to the start of the held value and stops holding it, so
    /// its bytes are read again. Returns false, moving nothing, when no
    /// value is held.
    pub fn rewind_to_hold(&mut self) -> bool {
        let Some(start) = self.hold else {
            return false;
        };
        let Some(pos) = start
            .checked_sub(self.base)
            .and_then(|pos| usize::try_from(pos).ok())
            .filter(|pos| *pos <= self.filled)
        else {
            return false;
        };
        self.hold = None;
        self.pos = pos;
        self.anchor = start;
        true
    }

    /// Returns true while the held value is still complete in the buffer.
    pub fn is_holding(&self) -> bool {
        self.hold.is_some()
    }

    /// Returns true, once, when bytes of the current value were dropped
    /// because it was longer than the limit.
    pub fn take_overflow(&mut self) -> bool {
        std::mem::take(&mut self.overflowed)
    }

    /// Returns the next byte without consuming it, or `None` at the end.
    pub fn peek(&mut self) -> Result<Option<u8>, StreamError> {
        loop {
            if let Some(&byte) = self.buf.get(self.pos).filter(|_| self.pos < self.filled) {
                return Ok(Some(byte));
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Returns the bytes buffered from the next one on, without reading.
    pub fn buffered(&self) -> &[u8] {
        self.buf.get(self.pos..self.filled).unwrap_or_default()
    }

    /// Consumes one byte that [`Self::peek`] returned.
    pub fn bump(&mut self) {
        if self.pos < self.filled {
            self.pos += 1;
        }
    }

    /// Skips a UTF-8 byte order mark at the current position.
    pub fn skip_bom(&mut self) -> Result<(), StreamError> {
        const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
        while self.filled - self.pos < BOM.len() && self.fill()? {}
        if self.buf.get(self.pos..self.pos + BOM.len()) == Some(&BOM[..]) {
            self.pos += BOM.len();
        }
        Ok(())
    }

    /// Skips whitespace and returns the next byte (not consumed) and whether
    /// a line break was skipped.
    pub fn skip_ws(&mut self) -> Result<(Option<u8>, bool), StreamError> {
        let mut newline = false;
        loop {
            match self.peek()? {
                Some(b'\n') => {
                    newline = true;
                    self.pos += 1;
                }
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                other => {
                    self.drop_before_pos();
                    return Ok((other, newline));
                }
            }
        }
    }

    /// Consumes `byte` if it is next, or fails naming `expected`.
    pub fn expect(&mut self, byte: u8, expected: &'static str) -> Result<(), StreamError> {
        match self.peek()? {
            Some(found) if found == byte => {
                self.pos += 1;
                Ok(())
            }
            Some(found) => Err(self.syntax(expected, found)),
            None => Err(StreamError::UnexpectedEnd),
        }
    }

    /// Builds a syntax error for `found` at the current position.
    pub fn syntax(&self, expected: &'static str, found: u8) -> StreamError {
        StreamError::Syntax {
            expected,
            found,
            offset: self.offset(),
        }
    }

    /// Reads one complete JSON value starting at the next byte, which must
    /// not be whitespace, and returns its span. Scalars end at the next
    /// delimiter or at the end of input.
    pub fn scan_value(&mut self) -> Result<Span, StreamError> {
        let start = self.offset();
        if self.hold.is_none() {
            self.anchor = start;
        }
        let first = self.peek()?.ok_or(StreamError::UnexpectedEnd)?;
        match first {
            b'{' | b'[' => self.scan_nested()?,
            b'"' => {
                self.pos += 1;
                self.scan_string_end()?;
            }
            _ => self.scan_scalar()?,
        }
        Ok(Span {
            start,
            end: self.offset(),
        })
    }

    /// Reads bytes up to the next line break, which is consumed but not part
    /// of the span.
    pub fn scan_line(&mut self) -> Result<Span, StreamError> {
        let start = self.offset();
        self.anchor = start;
        loop {
            let window = self.buf.get(self.pos..self.filled).unwrap_or_default();
            if let Some(found) = memchr(b'\n', window) {
                self.pos += found;
                let end = self.offset();
                self.pos += 1;
                return Ok(Span { start, end });
            }
            self.pos = self.filled;
            if !self.fill()? {
                return Ok(Span {
                    start,
                    end: self.offset(),
                });
            }
        }
    }

    fn scan_scalar(&mut self) -> Result<(), StreamError> {
        loop {
            match self.peek()? {
                None | Some(b' ' | b'\t' | b'\r' | b'\n' | b',' | b']' | b'}') => return Ok(()),
                Some(_) => self.pos += 1,
            }
        }
    }

    /// Advances past the closing quote of a string whose opening quote has
    /// been consumed.
    fn scan_string_end(&mut self) -> Result<(), StreamError> {
        let mut state = ValueState::in_string();
        loop {
            let window = self.buf.get(self.pos..self.filled).unwrap_or_default();
            let (used, done) = advance_string(&mut state, window);
            self.pos += used;
            if done {
                return Ok(());
            }
            if !self.fill()? {
                return Err(StreamError::UnexpectedEnd);
            }
        }
    }

    fn scan_nested(&mut self) -> Result<(), StreamError> {
        let mut state = ValueState::default();
        loop {
            let window = self.buf.get(self.pos..self.filled).unwrap_or_default();
            let (used, done) = advance_nested(&mut state, window);
            self.pos += used;
            if done {
                return Ok(());
            }
            if !self.fill()? {
                return Err(StreamError::UnexpectedEnd);
            }
        }
    }

    fn drop_before_pos(&mut self) {
        if self.hold.is_none() {
            self.anchor = self.offset();
        }
    }

    /// Makes more bytes available: drops what is no longer needed, skips
    /// over a held value that grew past the limit, and reads one chunk.
    /// Returns false at the end of input.
    fn fill(&mut self) -> Result<bool, StreamError> {
        if self.eof {
            return Ok(false);
        }
        self.compact();
        if self.filled >= self.limit {
            // The value being read is larger than any record may be: drop
            // what is held and keep only the scanning position.
            self.overflowed = true;
            self.hold = None;
            self.anchor = self.offset();
            self.compact();
        }
        if self.buf.len() > 8 * CHUNK && self.filled < CHUNK {
            // Give back the memory of an earlier large value.
            self.buf.truncate(self.filled + CHUNK);
            self.buf.shrink_to_fit();
        }
        if self.buf.len() < self.filled + CHUNK {
            self.buf.resize(self.filled + CHUNK, 0);
        }
        loop {
            let target = self.buf.get_mut(self.filled..).unwrap_or_default();
            match self.reader.read(target) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(count) => {
                    self.filled += count;
                    self.read_total += count as u64;
                    return Ok(true);
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(StreamError::Io(error)),
            }
        }
    }

    /// Moves the bytes from the anchor on to the start of the buffer.
    fn compact(&mut self) {
        let keep = usize::try_from(self.anchor.saturating_sub(self.base))
            .unwrap_or(usize::MAX)
            .min(self.pos);
        if keep == 0 {
            return;
        }
        self.buf.copy_within(keep..self.filled, 0);
        self.filled -= keep;
        self.pos -= keep;
        self.base += keep as u64;
    }
}

/// Advances through `bytes` inside a string; returns the bytes used and
/// whether the closing quote was reached (and consumed).
pub(super) fn advance_string(state: &mut ValueState, bytes: &[u8]) -> (usize, bool) {
    let mut at = 0;
    if state.escaped {
        if bytes.is_empty() {
            return (0, false);
        }
        state.escaped = false;
        at = 1;
    }
    loop {
        let rest = bytes.get(at..).unwrap_or_default();
        let Some(found) = memchr2(b'"', b'\\', rest) else {
            return (bytes.len(), false);
        };
        at += found;
        if rest.get(found) == Some(&b'"') {
            state.in_string = false;
            return (at + 1, true);
        }
        // A backslash escapes the next byte, which may be in the next chunk.
        if at + 1 >= bytes.len() {
            state.escaped = true;
            return (bytes.len(), false);
        }
        at += 2;
    }
}

/// Advances through `bytes` inside an object or array; returns the bytes
/// used and whether the value's closing bracket was reached (and consumed).
pub(super) fn advance_nested(state: &mut ValueState, bytes: &[u8]) -> (usize, bool) {
    let mut at = 0;
    while at < bytes.len() {
        if state.in_string {
            let (used, closed) = advance_string(state, bytes.get(at..).unwrap_or_default());
            at += used;
            if !closed {
                return (at, false);
            }
            continue;
        }
        match bytes.get(at) {
            Some(b'"') => state.in_string = true,
            Some(b'{' | b'[') => state.depth += 1,
            Some(b'}' | b']') => {
                state.depth = state.depth.saturating_sub(1);
                if state.depth == 0 {
                    return (at + 1, true);
                }
            }
            _ => {}
        }
        at += 1;
    }
    (at, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes per call, to cross every
    /// chunk boundary.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let count = self.step.min(out.len()).min(self.data.len());
            out[..count].copy_from_slice(&self.data[..count]);
            self.data = &self.data[count..];
            Ok(count)
        }
    }

    fn values(data: &[u8], step: usize) -> Vec<String> {
        let mut stream = JsonStream::new(Trickle { data, step }, 1 << 20);
        let mut out = Vec::new();
        while let (Some(_), _) = stream.skip_ws().unwrap() {
            let span = stream.scan_value().unwrap();
            out.push(String::from_utf8(stream.slice(span).unwrap().to_vec()).unwrap());
        }
        out
    }

    #[test]
    fn splitter_handles_strings_escapes_and_nesting() {
        let data = br#"{"a":"x}\"]","b":[1,{"c":"\\"}]} "s\"" 12 [[]] true"#;
        for step in [1, 2, 3, 7, 1000] {
            assert_eq!(
                values(data, step),
                [
                    r#"{"a":"x}\"]","b":[1,{"c":"\\"}]}"#,
                    r#""s\"""#,
                    "12",
                    "[[]]",
                    "true"
                ],
                "step {step}"
            );
        }
    }

    #[test]
    fn splitter_reports_unterminated_value() {
        let mut stream = JsonStream::new(&br#"{"a":"b"#[..], 1 << 20);
        assert!(matches!(
            stream.scan_value(),
            Err(StreamError::UnexpectedEnd)
        ));
    }

    #[test]
    fn oversized_value_is_skipped_and_flagged() {
        let mut data = b"[\"".to_vec();
        data.extend(std::iter::repeat_n(b'x', 3 * CHUNK));
        data.extend(b"\"] 5");
        let mut stream = JsonStream::new(
            Trickle {
                data: &data,
                step: CHUNK,
            },
            CHUNK,
        );
        let span = stream.scan_value().unwrap();
        assert!(stream.take_overflow());
        assert_eq!(stream.slice(span), None);
        assert_eq!(span.end - span.start, data.len() as u64 - 2);
        stream.skip_ws().unwrap();
        let next = stream.scan_value().unwrap();
        assert_eq!(stream.slice(next), Some(&b"5"[..]));
        assert!(!stream.take_overflow());
    }

    #[test]
    fn held_value_stays_readable_across_refills() {
        let data = br#"{"k":"0123456789","l":[1,2,3]}"#;
        let mut stream = JsonStream::new(Trickle { data, step: 4 }, 1 << 20);
        stream.hold();
        let start = stream.offset();
        stream.expect(b'{', "`{`").unwrap();
        let key = stream.scan_value().unwrap();
        assert_eq!(stream.slice(key), Some(&br#""k""#[..]));
        while stream.peek().unwrap().is_some() {
            stream.bump();
        }
        let whole = stream
            .slice(Span {
                start,
                end: stream.offset(),
            })
            .unwrap();
        assert_eq!(whole, data);
    }
}
