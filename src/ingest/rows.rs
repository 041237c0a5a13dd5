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

/// Frames one CSV file into chunks of rows.
pub struct RowChunker {
    pub(super) source: usize,
    file: Arc<str>,
    reader: csv::Reader<Box<dyn BufRead + Send>>,
    columns: Arc<CsvColumns>,
    done: bool,
    max_record: usize,
}

impl RowChunker {
    /// Opens the CSV reader and reads the header.
    pub fn new(source: usize, file: Arc<str>, stream: Box<dyn BufRead + Send>, plan: &SourcePlan) -> Result<Self, String> {
        let mut reader = csv::ReaderBuilder::new().delimiter(plan.delimiter).quote(plan.quote).flexible(false).has_headers(true).from_reader(stream);
        let header = reader.byte_headers().map_err(|e| format!("cannot read the CSV header: {e}"))?.clone();
        let columns = CsvColumns::from_header(&header, plan)?;
        Ok(RowChunker { source, file, reader, columns: Arc::new(columns), done: false, max_record: usize::MAX })
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
                    let line = record.position().map_or(0, |p| p.line());
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
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    match e.kind() {
                        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                            let reason = format!("row has {len} fields, the header has {expected_len}");
                            rejects.push(Reject { source: source_name.into(), file: self.file.to_string(), line, reason, excerpt: String::new() });
                        }
                        _ => {
                            self.done = true;
                            rejects.push(Reject {
                                source: source_name.into(),
                                file: self.file.to_string(),
                                line,
                                reason: format!("input truncated or corrupt at this row ({e}); the rest of the file is unreadable"),
                                excerpt: String::new(),
                            });
                            break;
                        }
                    }
                }
            }
        }
        if rows.is_empty() && rejects.is_empty() {
            return None;
        }
        Some(Chunk { source: self.source, file: self.file.clone(), data: ChunkData::Rows { columns: self.columns.clone(), rows }, rejects })
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
