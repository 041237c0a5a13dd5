//! Ingest: files in, documents or rejects out.
//!
//! A reader turns each input file into chunks (about a mebibyte of JSON
//! lines, or a few thousand CSV rows) so memory is bounded by chunk size and
//! never by input size; workers then parse chunks into [`Document`]s in
//! parallel. Every record that cannot become a document becomes a
//! [`Reject`] with its file, line and reason: nothing is dropped silently.

pub mod decompress;
mod feed;
mod fields;
mod jsonl;
mod parquet_in;
mod records;
mod rows;
mod telegram;
pub mod textdir;
pub mod timestamp;
mod twitter;

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::config::{Format, Limits, SourceConfig};
use crate::document::{Document, Pseudonymiser};
pub(crate) use fields::lexicon_code;
pub use fields::{detect_lang, detect_lang_scored, FieldPlan};

/// Checks that a CSV header has every column the source maps.
pub fn check_header(header: &csv::ByteRecord, plan: &SourcePlan) -> Result<(), String> {
    rows::CsvColumns::from_header(header, plan).map(|_| ())
}
use timestamp::TimeParser;

/// A record that could not be read, with where it was and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, PartialOrd, Ord)]
pub struct Reject {
    /// Source name from the config.
    pub source: String,
    /// Input file.
    pub file: String,
    /// 1-based line (JSONL) or line where the row starts (CSV); 0 when the whole file failed.
    pub line: u64,
    /// Why, in words.
    pub reason: String,
    /// The start of the record (at most 120 characters).
    pub excerpt: String,
}

/// The first `max` characters of a string, for excerpts.
pub fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// One source, ready to read: its files and compiled field mapping.
#[derive(Debug, Clone)]
pub struct SourcePlan {
    /// Source name.
    pub name: String,
    /// Format.
    pub format: Format,
    /// Input files, sorted.
    pub files: Vec<PathBuf>,
    /// The field mapping.
    pub fields: FieldPlan,
    /// Language used when a record has none.
    pub fixed_lang: Option<String>,
    /// Region used when a record has none.
    pub fixed_region: Option<String>,
    /// Speaker type used when a record has none.
    pub fixed_speaker_type: Option<String>,
    /// CSV delimiter.
    pub delimiter: u8,
    /// CSV quote.
    pub quote: u8,
    /// Text folder path pattern.
    pub textdir_pattern: String,
    /// Whether records without a language get a detected one.
    pub detect_lang: bool,
}

impl SourcePlan {
    /// Builds a plan from a source config and its expanded files.
    pub fn new(config: &SourceConfig, files: Vec<PathBuf>) -> Self {
        SourcePlan {
            name: config.name.clone(),
            format: config.format,
            files,
            fields: default_fields(config),
            fixed_lang: config.lang.clone(),
            fixed_region: config.region.clone(),
            fixed_speaker_type: config.speaker_type.clone(),
            delimiter: config.csv.delimiter_byte().unwrap_or(b','),
            quote: config.csv.quote_byte().unwrap_or(b'"'),
            textdir_pattern: config.textdir.pattern.clone(),
            detect_lang: config.detect_lang,
        }
    }
}

/// The mapping of a source, with the format's own defaults where the config leaves reach and location unmapped.
///
/// The record formats name their canonical fields like the default mapping
/// (`id`, `text`, `timestamp`, ...), so only reach and location, which JSONL
/// and CSV leave unmapped by default, need a per-format default.
fn default_fields(config: &SourceConfig) -> FieldPlan {
    let mut plan = FieldPlan::new(&config.fields);
    if matches!(config.format, Format::Telegram | Format::Twitter) && plan.reach.is_empty() {
        plan.reach = vec!["reach".into()];
    }
    if config.format == Format::Twitter && plan.location.is_none() {
        plan.location = Some("location".into());
    }
    if matches!(config.format, Format::Telegram | Format::Twitter) && plan.speaker_type.is_none() {
        plan.speaker_type = Some("speaker_type".into());
    }
    plan
}

/// What every worker needs to turn records into documents.
#[derive(Debug, Clone)]
pub struct IngestContext {
    /// Timestamp parsing and day boundaries.
    pub time: TimeParser,
    /// Author pseudonymisation.
    pub pseudonymiser: Pseudonymiser,
    /// Record limits.
    pub limits: Limits,
    /// The sources.
    pub sources: Vec<SourcePlan>,
}

/// The payload of a chunk.
#[derive(Debug)]
pub enum ChunkData {
    /// Whole JSON lines.
    Lines {
        /// The bytes, ending at a line end.
        bytes: Vec<u8>,
        /// Line number of the first line.
        first_line: u64,
    },
    /// CSV rows with the line each starts on.
    Rows {
        /// Column positions for this file's header.
        columns: Arc<rows::CsvColumns>,
        /// The rows.
        rows: Vec<(u64, csv::ByteRecord)>,
    },
    /// Owned records of the whole-file and columnar formats.
    Records {
        /// The records, in file order.
        records: Vec<records::Record>,
    },
}

/// A piece of one input file.
#[derive(Debug)]
pub struct Chunk {
    /// Index into [`IngestContext::sources`].
    pub source: usize,
    /// The file, as shown in rejects.
    pub file: Arc<str>,
    /// Records.
    pub data: ChunkData,
    /// Records the reader itself could not frame (too large, truncated stream, broken CSV row).
    pub rejects: Vec<Reject>,
}

impl Chunk {
    /// Parses every record of the chunk, calling `f` with a document or a reject, in input order.
    pub fn for_each_record(&self, ctx: &IngestContext, f: &mut dyn FnMut(Result<Document<'_>, Reject>)) {
        let source = &ctx.sources[self.source];
        match &self.data {
            ChunkData::Lines { bytes, first_line } => jsonl::parse_lines(bytes, *first_line, source, &self.file, ctx, f),
            ChunkData::Rows { columns, rows } => rows::parse_rows(rows, columns, source, &self.file, ctx, f),
            ChunkData::Records { records } => records::parse_records(records, source, &self.file, ctx, f),
        }
    }
}

/// A chunk of source `s` made from an Arrow record batch (the batch API, [`crate::batch`]).
///
/// A JSON lines source may be handed its raw lines as one string column named
/// `value`, string or binary (binary keeps invalid UTF-8 for the reader to
/// judge; Spark: `read.text` then cast to binary): they are parsed by the JSON lines
/// reader itself. Any other batch is read like a Parquet file's: columns by
/// the source's field mapping, a batch lacking the text or timestamp column,
/// or with a mapped column of a type that does not map, fails whole.
/// Records are numbered from `first_row`.
pub fn batch_chunk(
    sources: &[SourcePlan],
    s: usize,
    file: Arc<str>,
    batch: &arrow_array::RecordBatch,
    first_row: u64,
    limits: &Limits,
) -> Result<Chunk, String> {
    use arrow_array::cast::AsArray;
    use arrow_array::Array;
    let plan = &sources[s];
    let schema = batch.schema();
    let raw_lines = plan.format == Format::Jsonl
        && schema.fields().len() == 1
        && schema.field(0).name() == "value"
        && matches!(
            schema.field(0).data_type(),
            arrow_schema::DataType::Utf8 | arrow_schema::DataType::LargeUtf8 | arrow_schema::DataType::Binary | arrow_schema::DataType::LargeBinary
        );
    if raw_lines {
        let col = batch.column(0);
        let mut bytes = Vec::new();
        for i in 0..col.len() {
            // A null line is a blank one: skipped like an empty line of a file, its number kept.
            if !col.is_null(i) {
                match col.data_type() {
                    arrow_schema::DataType::Utf8 => bytes.extend_from_slice(col.as_string::<i32>().value(i).as_bytes()),
                    arrow_schema::DataType::LargeUtf8 => bytes.extend_from_slice(col.as_string::<i64>().value(i).as_bytes()),
                    arrow_schema::DataType::Binary => bytes.extend_from_slice(col.as_binary::<i32>().value(i)),
                    _ => bytes.extend_from_slice(col.as_binary::<i64>().value(i)),
                }
            }
            bytes.push(b'\n');
        }
        return Ok(Chunk { source: s, file, data: ChunkData::Lines { bytes, first_line: first_row }, rejects: Vec::new() });
    }
    let (records, rejects) = parquet_in::arrow_records(batch, first_row, plan, &file, limits.max_record_bytes)?;
    Ok(Chunk { source: s, file, data: ChunkData::Records { records }, rejects })
}

/// Reads every file of every source as a sequence of chunks.
pub struct ChunkStream {
    /// Digests of the files opened so far, in order: (source, path, digest).
    pub digests: Arc<std::sync::Mutex<Vec<(usize, PathBuf, decompress::Digest)>>>,
    sources: Vec<SourcePlan>,
    limits: Limits,
    position: (usize, usize),
    current: Option<FileChunks>,
}

enum FileReader {
    Jsonl(jsonl::LineChunker),
    Csv(rows::RowChunker),
    Records(records::RecordChunker),
}

/// Target size of a JSON lines chunk.
pub const CHUNK_BYTES: usize = 1 << 20;

/// The chunks of one input of one source, framed as its format says.
///
/// A run gets these for every file from [`ChunkStream`]; the fuzz targets and
/// tools get them from [`file_chunks`] over any byte stream, so both go
/// through the same framing and parsing.
pub struct FileChunks {
    source_name: String,
    reader: Option<FileReader>,
    /// A file that cannot be read at all: one chunk holding its reject.
    failed: Option<Chunk>,
}

impl Iterator for FileChunks {
    type Item = Chunk;

    fn next(&mut self) -> Option<Chunk> {
        if let Some(chunk) = self.failed.take() {
            return Some(chunk);
        }
        let next = match self.reader.as_mut()? {
            FileReader::Jsonl(r) => r.next_chunk(&self.source_name),
            FileReader::Csv(r) => r.next_chunk(&self.source_name),
            FileReader::Records(r) => r.next_chunk(),
        };
        if next.is_none() {
            self.reader = None;
        }
        next
    }
}

/// Frames one decompressed input of source `s` (an index into `sources`) into chunks.
///
/// `file` is the name rejects carry; `path` is only opened again by the
/// Parquet reader, which needs random access. A file that cannot be read at
/// all (no header, not the format) gives one chunk holding one reject.
pub fn file_chunks(
    sources: &[SourcePlan],
    s: usize,
    file: Arc<str>,
    path: &std::path::Path,
    reader: Box<dyn std::io::BufRead + Send>,
    limits: &Limits,
) -> FileChunks {
    let source = &sources[s];
    let whole_file_reject = |line: u64, reason: String| Chunk {
        source: s,
        file: file.clone(),
        data: ChunkData::Lines { bytes: Vec::new(), first_line: 1 },
        rejects: vec![Reject { source: source.name.clone(), file: file.to_string(), line, reason, excerpt: String::new() }],
    };
    let opened = match source.format {
        Format::Jsonl => Ok(FileReader::Jsonl(jsonl::LineChunker::new(s, file.clone(), reader, limits.max_record_bytes))),
        Format::Telegram | Format::Twitter | Format::Feed | Format::Textdir | Format::Parquet => {
            open_records(s, file.clone(), path, reader, source, limits).map(FileReader::Records).map_err(|reason| whole_file_reject(0, reason))
        }
        Format::Csv => {
            rows::RowChunker::new(s, file.clone(), reader, source, limits.max_record_bytes).map(FileReader::Csv).map_err(|reason| whole_file_reject(1, reason))
        }
    };
    match opened {
        Ok(r) => FileChunks { source_name: source.name.clone(), reader: Some(r), failed: None },
        Err(chunk) => FileChunks { source_name: source.name.clone(), reader: None, failed: Some(chunk) },
    }
}

impl ChunkStream {
    /// A stream over the sources of a context.
    pub fn new(ctx: &IngestContext) -> Self {
        ChunkStream { digests: Default::default(), sources: ctx.sources.clone(), limits: ctx.limits.clone(), position: (0, 0), current: None }
    }

    fn open_next(&mut self) -> Option<FileChunks> {
        let (s, f) = self.position;
        let source = self.sources.get(s)?;
        let Some(path) = source.files.get(f) else {
            self.position = (s + 1, 0);
            return self.open_next();
        };
        self.position = (s, f + 1);
        let file: Arc<str> = Arc::from(path.display().to_string());
        Some(match decompress::open_hashed(path) {
            Ok((reader, _, digest)) => {
                self.digests.lock().expect("digest list").push((s, path.clone(), digest));
                file_chunks(&self.sources, s, file, path, reader, &self.limits)
            }
            Err(e) => FileChunks {
                source_name: source.name.clone(),
                reader: None,
                failed: Some(Chunk {
                    source: s,
                    file: file.clone(),
                    data: ChunkData::Lines { bytes: Vec::new(), first_line: 1 },
                    rejects: vec![Reject {
                        source: source.name.clone(),
                        file: file.to_string(),
                        line: 0,
                        reason: format!("cannot open: {e}"),
                        excerpt: String::new(),
                    }],
                }),
            },
        })
    }
}

impl Iterator for ChunkStream {
    type Item = Chunk;

    fn next(&mut self) -> Option<Chunk> {
        loop {
            if let Some(chunk) = self.current.as_mut().and_then(Iterator::next) {
                return Some(chunk);
            }
            self.current = Some(self.open_next()?);
        }
    }
}

/// Opens one file of a record format; an error rejects the whole file (line 0).
fn open_records(
    s: usize,
    file: Arc<str>,
    path: &std::path::Path,
    mut reader: Box<dyn std::io::BufRead + Send>,
    plan: &SourcePlan,
    limits: &Limits,
) -> Result<records::RecordChunker, String> {
    if plan.format == Format::Parquet {
        // Parquet needs random access: the stream is only drained so the manifest gets the file's hash.
        std::io::copy(&mut reader, &mut std::io::sink()).map_err(|e| format!("cannot read: {e}"))?;
        let batches = parquet_in::open(path, plan, &file, limits)?;
        return Ok(records::RecordChunker::streaming(s, file, batches));
    }
    // The other formats are exports of bounded size, read whole; each item still obeys max_record_bytes.
    let mut buf = Vec::new();
    std::io::Read::read_to_end(&mut reader, &mut buf).map_err(|e| format!("input truncated or corrupt ({e}); the file is unreadable"))?;
    let (records, rejects) = match plan.format {
        Format::Telegram => telegram::read(&buf, plan, &file, limits)?,
        Format::Twitter => twitter::read(&buf, plan, &file, limits)?,
        Format::Feed => feed::read(&buf, plan, &file, limits)?,
        Format::Textdir => textdir::read(&buf, path, plan, &file, limits)?,
        Format::Jsonl | Format::Csv | Format::Parquet => unreachable!("framed elsewhere"),
    };
    Ok(records::RecordChunker::whole(s, file, records, rejects))
}

/// Decodes a whole file as UTF-8, or lossily when the config allows it (the flag says whether bytes were replaced).
fn decode_utf8<'b>(buf: &'b [u8], limits: &Limits) -> Result<(std::borrow::Cow<'b, str>, bool), String> {
    let buf = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf);
    match std::str::from_utf8(buf) {
        Ok(s) => Ok((std::borrow::Cow::Borrowed(s), false)),
        Err(e) => match limits.invalid_utf8 {
            crate::config::InvalidUtf8::Reject => Err(format!("invalid UTF-8 at byte {} (line {})", e.valid_up_to(), records::line_at(buf, e.valid_up_to()))),
            crate::config::InvalidUtf8::Lossy => Ok((String::from_utf8_lossy(buf), true)),
        },
    }
}

impl Document<'_> {
    /// Copies every borrowed field, detaching the document from its chunk.
    pub fn into_owned(self) -> Document<'static> {
        fn own(c: std::borrow::Cow<'_, str>) -> std::borrow::Cow<'static, str> {
            std::borrow::Cow::Owned(c.into_owned())
        }
        Document {
            id: own(self.id),
            text: own(self.text),
            lang: self.lang.map(own),
            region: self.region.map(own),
            timestamp: self.timestamp,
            date: self.date,
            source: own(self.source),
            author: self.author,
            reach: self.reach,
            location: self.location.map(own),
            speaker_type: self.speaker_type.map(own),
            lossy: self.lossy,
        }
    }
}
