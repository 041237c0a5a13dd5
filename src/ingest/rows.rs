//! CSV (and other delimited) exports: rows framed by the csv crate, so
//! quoted fields may hold delimiters, quotes and newlines.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::BufRead;
use std::sync::Arc;

use super::fields::{assemble, RawField};
use super::{excerpt, Chunk, ChunkData, IngestContext, Reject, SourcePlan};
use crate::document::Document;

/// Rows per chunk.
const ROWS_PER_CHUNK: usize = 4096;

/// Column positions of one file's header.
#[derive(Debug)]
pub struct CsvColumns {
    by_name: HashMap<String, usize>,
}

impl CsvColumns {
    /// Reads a header row; every mapped column that the header lacks is listed.
    pub fn from_header(header: &csv::ByteRecord, plan: &SourcePlan) -> Result<Self, String> {
        let by_name: HashMap<String, usize> =
            header.iter().enumerate().map(|(i, h)| (String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').to_string(), i)).collect();
        let f = &plan.fields;
        let mut required: Vec<&str> = f.text.iter().map(String::as_str).collect();
        required.push(&f.timestamp);
        let missing: Vec<&str> = required.into_iter().filter(|c| !by_name.contains_key(*c)).collect();
        if !missing.is_empty() {
            let mut have: Vec<&String> = by_name.keys().collect();
            have.sort();
            return Err(format!(
                "header lacks mapped column(s) `{}` (has: {})",
                missing.join("`, `"),
                have.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        Ok(CsvColumns { by_name })
    }
}

/// Line numbers by byte offset, counted on the raw stream: the csv crate's
/// own line numbers are off by one in files with CRLF line ends.
#[derive(Debug, Default)]
struct LineIndex {
    /// Bytes read so far.
    read: u64,
    /// Newlines before the first offset still held.
    base: u64,
    /// Offsets of newlines not yet passed by a query (bounded by the reader's look-ahead).
    newlines: std::collections::VecDeque<u64>,
    /// Where the row being read started (the end of the last row returned).
    row_start: u64,
    /// Bytes one row may take before reading stops (`limits.max_record_bytes` plus the reader's look-ahead).
    row_limit: u64,
}

/// Look-ahead of the CSV reader past the end of a row: more than its buffer.
const CSV_LOOKAHEAD: u64 = 64 * 1024;

impl LineIndex {
    /// The 1-based line of a record starting at a byte offset; offsets must be asked in increasing order.
    /// In CRLF files the csv crate places a record's start on the `\n` that ends the previous line, hence `<=`.
    fn line_at(&mut self, byte: u64) -> u64 {
        while self.newlines.front().is_some_and(|&n| n <= byte) {
            self.newlines.pop_front();
            self.base += 1;
        }
        self.base + 1
    }
}

/// Counts newlines in the bytes the CSV reader pulls.
struct Counting<R> {
    inner: R,
    index: Arc<std::sync::Mutex<LineIndex>>,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let idx = self.index.lock().expect("line index");
        if idx.row_limit > 0 && idx.read.saturating_sub(idx.row_start) > idx.row_limit {
            // A row this long is an unbalanced quote or junk: stop before the csv crate holds it whole.
            return Err(std::io::Error::other(format!(
                "a row longer than {} bytes (limits.max_record_bytes): an unclosed quote or a broken export",
                idx.row_limit - CSV_LOOKAHEAD
            )));
        }
        drop(idx);
        let n = self.inner.read(buf)?;
        let mut idx = self.index.lock().expect("line index");
        let start = idx.read;
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            idx.newlines.push_back(start + i as u64);
        }
        idx.read += n as u64;
        Ok(n)
    }
}

/// Frames one CSV file into chunks of rows.
pub struct RowChunker {
    pub(super) source: usize,
    file: Arc<str>,
    reader: csv::Reader<Counting<Box<dyn BufRead + Send>>>,
    lines: Arc<std::sync::Mutex<LineIndex>>,
    /// The line after the last row read (where a broken tail starts).
    next_line: u64,
    columns: Arc<CsvColumns>,
    done: bool,
    max_record: usize,
}

impl RowChunker {
    /// Opens the CSV reader and reads the header.
    pub fn new(source: usize, file: Arc<str>, stream: Box<dyn BufRead + Send>, plan: &SourcePlan, max_record: usize) -> Result<Self, String> {
        let lines = Arc::new(std::sync::Mutex::new(LineIndex { row_limit: max_record as u64 + CSV_LOOKAHEAD, ..LineIndex::default() }));
        let counting = Counting { inner: stream, index: lines.clone() };
        let mut reader = csv::ReaderBuilder::new().delimiter(plan.delimiter).quote(plan.quote).flexible(false).has_headers(true).from_reader(counting);
        let header = reader.byte_headers().map_err(|e| format!("cannot read the CSV header: {e}"))?.clone();
        let columns = CsvColumns::from_header(&header, plan)?;
        Ok(RowChunker { source, file, reader, lines, next_line: 2, columns: Arc::new(columns), done: false, max_record })
    }

    /// The next chunk, or `None` at the end of the file.
    pub fn next_chunk(&mut self, source_name: &str) -> Option<Chunk> {
        if self.done {
            return None;
        }
        let mut rows = Vec::with_capacity(ROWS_PER_CHUNK);
        let mut rejects = Vec::new();
        let mut record = csv::ByteRecord::new();
        while rows.len() < ROWS_PER_CHUNK {
            match self.reader.read_byte_record(&mut record) {
                Ok(true) => {
                    let line = self.line_of(&record);
                    if record.as_slice().len() > self.max_record {
                        rejects.push(self.reject(source_name, line, "record larger than limits.max_record_bytes".into(), &record));
                        continue;
                    }
                    rows.push((line, record.clone()));
                }
                Ok(false) => {
                    self.done = true;
                    break;
                }
                Err(e) => match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        // The csv crate has read the row into `record` before checking its length.
                        let line = self.line_of(&record);
                        let reason = format!("row has {len} fields, the header has {expected_len}");
                        rejects.push(self.reject(source_name, line, reason, &record));
                    }
                    _ => {
                        self.done = true;
                        let reason = format!("input truncated or corrupt at this row ({e}); the rest of the file is unreadable");
                        rejects.push(Reject { source: source_name.into(), file: self.file.to_string(), line: self.next_line, reason, excerpt: String::new() });
                        break;
                    }
                },
            }
        }
        if rows.is_empty() && rejects.is_empty() {
            return None;
        }
        Some(Chunk { source: self.source, file: self.file.clone(), data: ChunkData::Rows { columns: self.columns.clone(), rows }, rejects })
    }

    /// The line a row starts on, and where the next one will start.
    fn line_of(&mut self, record: &csv::ByteRecord) -> u64 {
        let byte = record.position().map_or(0, |p| p.byte());
        let mut idx = self.lines.lock().expect("line index");
        let line = idx.line_at(byte);
        idx.row_start = self.reader.position().byte();
        drop(idx);
        let inner_newlines = memchr::memchr_iter(b'\n', record.as_slice()).count() as u64;
        self.next_line = line + inner_newlines + 1;
        line
    }

    fn reject(&self, source: &str, line: u64, reason: String, record: &csv::ByteRecord) -> Reject {
        let first: Vec<u8> = record.iter().flat_map(|f| f.iter().copied().chain(std::iter::once(b','))).take(480).collect();
        Reject { source: source.into(), file: self.file.to_string(), line, reason, excerpt: excerpt(&String::from_utf8_lossy(&first), 120) }
    }
}

/// Turns rows into documents.
pub fn parse_rows(
    rows: &[(u64, csv::ByteRecord)],
    columns: &CsvColumns,
    plan: &SourcePlan,
    file: &str,
    ctx: &IngestContext,
    f: &mut dyn FnMut(Result<Document<'_>, Reject>),
) {
    for (line, record) in rows {
        let line = *line;
        let reject = |reason: String| {
            let joined: Vec<u8> = record.iter().flat_map(|f| f.iter().copied().chain(std::iter::once(b','))).take(480).collect();
            Reject { source: plan.name.clone(), file: file.to_string(), line, reason, excerpt: excerpt(&String::from_utf8_lossy(&joined), 120) }
        };
        // Invalid UTF-8 anywhere in a mapped column rejects the row (or is replaced, per config).
        let mut bad_utf8: Option<String> = None;
        let lossy = ctx.limits.invalid_utf8 == crate::config::InvalidUtf8::Lossy;
        let mut was_lossy = false;
        let mut get = |name: &str| -> RawField<'_> {
            let Some(&i) = columns.by_name.get(name) else {
                return RawField::Absent;
            };
            let Some(bytes) = record.get(i) else {
                return RawField::Absent;
            };
            if bytes.is_empty() {
                return RawField::Absent;
            }
            match std::str::from_utf8(bytes) {
                Ok(s) => RawField::Str(Cow::Borrowed(s)),
                Err(e) if lossy => {
                    let _ = e;
                    was_lossy = true;
                    RawField::Str(Cow::Owned(String::from_utf8_lossy(bytes).into_owned()))
                }
                Err(e) => {
                    bad_utf8.get_or_insert_with(|| format!("invalid UTF-8 in column `{name}` at byte {}", e.valid_up_to()));
                    RawField::Absent
                }
            }
        };
        let fallback = || format!("{}:{}", file.rsplit('/').next().unwrap_or(file), line);
        let result = assemble(plan, ctx, &fallback, &mut get);
        if let Some(reason) = bad_utf8 {
            f(Err(reject(reason)));
            continue;
        }
        match result {
            Ok(mut d) => {
                d.lossy = was_lossy;
                f(Ok(d))
            }
            Err(reason) => f(Err(reject(reason))),
        }
    }
}
