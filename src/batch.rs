//! The engine-neutral batch API: what Spark, Ray or Dask call through the
//! Python bindings (`python/`), with Arrow record batches in and out.
//!
//! - Documents in: a [`RecordBatch`] of one configured source, its columns
//!   named like the fields the source maps (or, for a JSON lines source, its
//!   raw lines as one string column `value`). It becomes an ingest chunk and
//!   is read by the same code as a file of that source: field mapping,
//!   timestamps, pseudonymisation (HMAC with the pipeline's key), rejects.
//! - Every document then goes through [`crate::pipeline::analyse_document`],
//!   the per-document work of `tocsin run` (language, region, detection,
//!   repost key), and into an [`Aggregator`].
//! - Out: signals per document ([`BatchPipeline::analyse`]), or a partial
//!   aggregate ([`Partial`]) serialised as a record batch
//!   ([`partial_schema`]): the aggregator's exact state
//!   ([`crate::aggregate::StateEntry`], distinct counts as sets of 64-bit
//!   digests, no sketch), plus evidence rows, rejects and record counts as
//!   JSON payloads. [`merge`] merges any number of them exactly; the state
//!   of one day × region × language × source never depends on another's,
//!   so an engine may merge each such group apart (Spark: `groupBy` on
//!   date, region, lang, source).
//! - [`write_store`] writes the merged result as `tocsin run` writes a run:
//!   Hive-partitioned `timeseries/`, `evidence/`, `rejects/`, the manifest,
//!   then the indicators and the report, so every command reads it unchanged.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Date32Builder, Int64Builder, ListBuilder, StringBuilder, TimestampMillisecondBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::aggregate::{sort_rows, Aggregator, EntryKind, SeriesRow, StateEntry, StateError, ALL_CATEGORIES};
use crate::config::{ConfigError, EvidenceFormat, LoadedConfig};
use crate::evidence::{evidence_row, EvidenceRow};
use crate::ingest::{batch_chunk, Reject};
use crate::pipeline::{analyse_document, stage_outputs, Analysed, Prepared, RunError, RunSummary};
use crate::region::{PlacementCounts, RegionsRecord};
use crate::signal::Counting;
use crate::sink::evidence::EvidenceSpill;
use crate::sink::lock::OutputLock;
use crate::sink::manifest::{Manifest, SourceCounts};
use crate::sink::spill::RejectLog;
use crate::sink::{timeseries, SinkError, Staging};

/// Why a batch could not be analysed, or partials merged.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The pipeline config has problems.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The batch names a source the pipeline does not have.
    #[error("no source `{name}` in the pipeline (its sources: {known})")]
    UnknownSource {
        /// The name asked for.
        name: String,
        /// The pipeline's sources.
        known: String,
    },
    /// The batch cannot be read as records of its source (a missing text or timestamp column, a column type that does not map).
    #[error("source `{source_name}`, batch from `{file}`: {message}")]
    Batch {
        /// The source.
        source_name: String,
        /// Where the batch came from, as given.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A partial aggregate batch is not one this API wrote.
    #[error("partial aggregate: {0}")]
    Partial(String),
    /// A partial aggregate's state is inconsistent.
    #[error(transparent)]
    State(#[from] StateError),
}

/// A pipeline loaded for batches: the same config, lexicons, rules, regions and key as `tocsin run`.
#[derive(Debug)]
pub struct BatchPipeline {
    prepared: Prepared,
}

/// A configured source as the engine needs it to read the inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    /// `[[sources]] name`.
    pub name: String,
    /// Format (`jsonl`, `parquet`, `csv` …).
    pub format: String,
    /// The files the config names (globs expanded on this machine; empty where they live elsewhere).
    pub files: Vec<PathBuf>,
}

impl BatchPipeline {
    /// Loads a pipeline config as `tocsin run` does; input files and the output directory are not required to exist here.
    pub fn load(config: &Path) -> Result<Self, ConfigError> {
        let loaded = LoadedConfig::from_file(config)?;
        Ok(BatchPipeline { prepared: crate::pipeline::prepare_for_batches(loaded)? })
    }

    /// A pipeline already prepared.
    pub fn from_prepared(prepared: Prepared) -> Self {
        BatchPipeline { prepared }
    }

    /// The prepared pipeline.
    pub fn prepared(&self) -> &Prepared {
        &self.prepared
    }

    /// The configured sources, with the files their paths match on this machine.
    pub fn sources(&self) -> Vec<SourceInfo> {
        let c = &self.prepared.config;
        c.config.sources.iter().map(|s| SourceInfo { name: s.name.clone(), format: s.format.name().to_string(), files: c.source_files(s).0 }).collect()
    }

    fn source_index(&self, name: &str) -> Result<usize, BatchError> {
        let sources = &self.prepared.ingest.sources;
        sources
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| BatchError::UnknownSource { name: name.to_string(), known: sources.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ") })
    }

    /// Reads a batch as records of `source` and calls `f` with each analysed document or reject, in order.
    /// `file` names where the batch came from (in rejects); rows are numbered from `first_row`.
    fn for_each(
        &self,
        source: &str,
        file: &str,
        first_row: u64,
        batch: &RecordBatch,
        f: &mut dyn FnMut(Result<Analysed<'_>, Reject>, bool),
    ) -> Result<Vec<Reject>, BatchError> {
        let p = &self.prepared;
        let s = self.source_index(source)?;
        let chunk = batch_chunk(&p.ingest.sources, s, Arc::from(file), batch, first_row, &p.ingest.limits).map_err(|message| BatchError::Batch {
            source_name: source.to_string(),
            file: file.to_string(),
            message,
        })?;
        chunk.for_each_record(&p.ingest, &mut |record| match record {
            Ok(doc) => {
                let lossy = doc.lossy;
                f(Ok(analyse_document(p, s, doc)), lossy)
            }
            Err(r) => f(Err(r), false),
        });
        Ok(chunk.rejects)
    }

    /// Signals per document: one row per accepted document of the batch ([`signals_schema`]).
    /// Rejected records are left out (a [`Partial`] keeps them).
    pub fn analyse(&self, source: &str, file: &str, batch: &RecordBatch) -> Result<RecordBatch, BatchError> {
        let mut out = SignalsBuilder::default();
        self.for_each(source, file, 1, batch, &mut |record, _| {
            if let Ok(a) = record {
                out.push(source, &a);
            }
        })?;
        Ok(out.finish())
    }

    /// An empty partial aggregate for this pipeline.
    pub fn partial(&self) -> Partial {
        Partial { agg: Aggregator::new(&self.prepared.config.config.aggregate), extras: Extras::default(), rows_read: HashMap::new() }
    }
}

/// Record counts and placements of one source in a partial.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Counts {
    records: SourceCounts,
    placed: PlacementCounts,
}

/// What a partial carries besides the aggregator: merged by concatenation and sums.
#[derive(Debug, Clone, Default)]
struct Extras {
    counts: BTreeMap<String, Counts>,
    rejects: Vec<Reject>,
    evidence: Vec<EvidenceRow>,
}

impl Extras {
    fn merge(&mut self, o: Extras) {
        for (name, c) in o.counts {
            let e = self.counts.entry(name).or_default();
            e.records += c.records;
            e.placed.merge(&c.placed);
        }
        self.rejects.extend(o.rejects);
        self.evidence.extend(o.evidence);
    }
}

/// The partial aggregate of some batches: mergeable exactly, in any order, however the documents were split.
#[derive(Debug, Clone)]
pub struct Partial {
    agg: Aggregator,
    extras: Extras,
    /// Rows handed in per batch origin, so rejects of later batches of one file get their row numbers.
    rows_read: HashMap<(String, String), u64>,
}

impl Partial {
    /// Adds a batch of `source`'s records, read from `file` (a name for rejects; batches of one file are numbered on).
    pub fn add(&mut self, pipeline: &BatchPipeline, source: &str, file: &str, batch: &RecordBatch) -> Result<(), BatchError> {
        let p = &pipeline.prepared;
        let first_row = self.rows_read.get(&(source.to_string(), file.to_string())).copied().unwrap_or(0) + 1;
        let mut c = self.extras.counts.get(source).copied().unwrap_or_default();
        let agg = &mut self.agg;
        let (rejects, evidence) = (&mut self.extras.rejects, &mut self.extras.evidence);
        let keep_evidence = p.config.config.evidence.format != EvidenceFormat::Off;
        let framed = pipeline.for_each(source, file, first_row, batch, &mut |record, lossy| {
            c.records.read += 1;
            match record {
                Ok(a) => {
                    c.records.accepted += 1;
                    c.records.lossy += lossy as u64;
                    c.placed.add(a.placed_by);
                    agg.add_keyed(&a.doc, &a.signals, a.key);
                    if keep_evidence {
                        evidence.extend(evidence_row(&a.doc, source, &a.signals, &p.config.config.evidence));
                    }
                }
                Err(r) => {
                    c.records.rejected += 1;
                    rejects.push(r);
                }
            }
        })?;
        c.records.read += framed.len() as u64;
        c.records.rejected += framed.len() as u64;
        self.extras.rejects.extend(framed);
        self.extras.counts.insert(source.to_string(), c);
        *self.rows_read.entry((source.to_string(), file.to_string())).or_default() += batch.num_rows() as u64;
        Ok(())
    }

    /// Merges another partial into this one.
    pub fn merge(&mut self, other: Partial) {
        self.agg.merge(other.agg);
        self.extras.merge(other.extras);
    }

    /// Documents counted (an exact repost once).
    pub fn documents(&self) -> u64 {
        self.agg.documents()
    }

    /// The time series rows, sorted as `tocsin run` writes them.
    pub fn rows(&self) -> Vec<SeriesRow> {
        self.agg.rows()
    }

    /// The partial as a record batch ([`partial_schema`]); `part` names it, so a merge can tell
    /// partials apart when an engine hands their rows over mixed.
    pub fn to_batch(&self, part: &str) -> RecordBatch {
        let mut b = PartialBuilder::default();
        for e in self.agg.entries() {
            b.entry(part, &e);
        }
        for (name, c) in &self.extras.counts {
            b.payload(part, KIND_COUNTS, &serde_json::json!({ "source": name, "counts": c }).to_string());
        }
        let mut rejects = self.extras.rejects.clone();
        rejects.sort();
        for r in &rejects {
            b.payload(part, KIND_REJECT, &serde_json::to_string(r).expect("a reject serialises"));
        }
        // Sorted, so that equal partials give equal batches whatever order their parts were merged in.
        let mut evidence: Vec<String> = self.extras.evidence.iter().map(|e| serde_json::to_string(e).expect("an evidence row serialises")).collect();
        evidence.sort();
        for e in &evidence {
            b.payload(part, KIND_EVIDENCE, e);
        }
        b.finish()
    }
}

const KIND_COUNTS: &str = "counts";
const KIND_REJECT: &str = "reject";
const KIND_EVIDENCE: &str = "evidence";

/// The `kind` values of partial rows that hold aggregator state: an engine groups these by
/// date, region, lang and source to merge apart; the other kinds (`counts`, `reject`,
/// `evidence`) go to the driver whole.
pub const STATE_KINDS: [&str; 3] = ["seen", "row", "contribution"];

fn list_of(t: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", t, true)))
}

/// The schema of a serialised partial aggregate: one row per aggregator state entry
/// ([`StateEntry`]; 64-bit digests stored as Int64 bit patterns, since Spark has no unsigned
/// types) or per JSON payload (`counts`, `reject`, `evidence`). Every column is nullable.
pub fn partial_schema() -> SchemaRef {
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    let i = |n: &str| Field::new(n, DataType::Int64, true);
    Arc::new(Schema::new(vec![
        s("part"),
        s("kind"),
        Field::new("date", DataType::Date32, true),
        s("region"),
        s("lang"),
        s("source"),
        s("category"),
        s("target"),
        i("text_key"),
        i("docs"),
        i("copies"),
        i("reach"),
        i("docs_flagged"),
        i("docs_reported"),
        i("matches"),
        i("hostile"),
        i("reported"),
        i("discounted"),
        i("copies_flagged"),
        Field::new("authors", list_of(DataType::Int64), true),
        Field::new("sources", list_of(DataType::Utf8), true),
        Field::new("texts", list_of(DataType::Int64), true),
        s("payload"),
    ]))
}

/// Days since 1970-01-01, Arrow's Date32.
fn date32(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

fn from_date32(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch").checked_add_signed(chrono::Duration::days(days as i64))
}

#[derive(Default)]
struct PartialBuilder {
    part: StringBuilder,
    kind: StringBuilder,
    date: Date32Builder,
    region: StringBuilder,
    lang: StringBuilder,
    source: StringBuilder,
    category: StringBuilder,
    target: StringBuilder,
    text_key: Int64Builder,
    counters: [Int64Builder; 10],
    authors: ListBuilder<Int64Builder>,
    sources: ListBuilder<StringBuilder>,
    texts: ListBuilder<Int64Builder>,
    payload: StringBuilder,
}

impl PartialBuilder {
    fn entry(&mut self, part: &str, e: &StateEntry) {
        let kind = e.kind.expect("entries from an aggregator have a kind");
        self.part.append_value(part);
        self.kind.append_value(kind.as_str());
        self.date.append_value(date32(e.date));
        self.region.append_value(&e.region);
        self.lang.append_value(&e.lang);
        self.source.append_value(&e.source);
        self.category.append_option(e.category.as_deref());
        self.target.append_option(e.target.as_deref());
        self.text_key.append_option(e.text_key.map(|k| k as i64));
        let t = e.tally;
        let values = [e.docs, e.copies, e.reach, t[0], t[1], t[2], t[3], t[4], t[5], e.copies_flagged];
        for (b, v) in self.counters.iter_mut().zip(values) {
            b.append_value(v.min(i64::MAX as u64) as i64);
        }
        let lists = kind != EntryKind::Contribution;
        self.authors.append_option(lists.then(|| e.authors.iter().map(|&a| Some(a as i64))));
        self.sources.append_option(lists.then(|| e.sources.iter().map(Some)));
        self.texts.append_option((kind == EntryKind::Seen).then(|| e.texts.iter().map(|&h| Some(h as i64))));
        self.payload.append_null();
    }

    fn payload(&mut self, part: &str, kind: &str, json: &str) {
        self.part.append_value(part);
        self.kind.append_value(kind);
        self.date.append_null();
        for b in [&mut self.region, &mut self.lang, &mut self.source, &mut self.category, &mut self.target] {
            b.append_null();
        }
        self.text_key.append_null();
        for b in &mut self.counters {
            b.append_null();
        }
        self.authors.append_null();
        self.sources.append_null();
        self.texts.append_null();
        self.payload.append_value(json);
    }

    fn finish(mut self) -> RecordBatch {
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.part.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.date.finish()),
            Arc::new(self.region.finish()),
            Arc::new(self.lang.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.category.finish()),
            Arc::new(self.target.finish()),
            Arc::new(self.text_key.finish()),
        ];
        columns.extend(self.counters.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
        columns.push(Arc::new(self.authors.finish()));
        columns.push(Arc::new(self.sources.finish()));
        columns.push(Arc::new(self.texts.finish()));
        columns.push(Arc::new(self.payload.finish()));
        RecordBatch::try_new(partial_schema(), columns).expect("columns match the partial schema")
    }
}

/// Reads columns by name whatever the producer called the list items or whether strings are large.
struct Columns<'b> {
    batch: &'b RecordBatch,
}

impl<'b> Columns<'b> {
    fn get(&self, name: &str) -> Result<&'b ArrayRef, BatchError> {
        self.batch.column_by_name(name).ok_or_else(|| BatchError::Partial(format!("no column `{name}`")))
    }

    fn string(&self, name: &str, i: usize) -> Result<Option<String>, BatchError> {
        string_at(self.get(name)?, i).map_err(|m| BatchError::Partial(format!("column `{name}`: {m}")))
    }

    fn int(&self, name: &str, i: usize) -> Result<Option<i64>, BatchError> {
        let a = self.get(name)?;
        if a.is_null(i) {
            return Ok(None);
        }
        match a.data_type() {
            DataType::Int64 => Ok(Some(a.as_primitive::<Int64Type>().value(i))),
            t => Err(BatchError::Partial(format!("column `{name}` is {t}, not Int64"))),
        }
    }

    fn count(&self, name: &str, i: usize) -> Result<u64, BatchError> {
        Ok(self.int(name, i)?.unwrap_or(0).max(0) as u64)
    }

    fn date(&self, name: &str, i: usize) -> Result<Option<NaiveDate>, BatchError> {
        let a = self.get(name)?;
        if a.is_null(i) {
            return Ok(None);
        }
        match a.data_type() {
            DataType::Date32 => Ok(from_date32(a.as_primitive::<Date32Type>().value(i))),
            t => Err(BatchError::Partial(format!("column `{name}` is {t}, not Date32"))),
        }
    }

    fn list(&self, name: &str, i: usize) -> Result<Option<ArrayRef>, BatchError> {
        let a = self.get(name)?;
        if a.is_null(i) {
            return Ok(None);
        }
        match a.data_type() {
            DataType::List(_) => Ok(Some(a.as_list::<i32>().value(i))),
            DataType::LargeList(_) => Ok(Some(a.as_list::<i64>().value(i))),
            t => Err(BatchError::Partial(format!("column `{name}` is {t}, not a list"))),
        }
    }

    fn ints(&self, name: &str, i: usize) -> Result<Vec<u64>, BatchError> {
        let Some(l) = self.list(name, i)? else { return Ok(Vec::new()) };
        match l.data_type() {
            DataType::Int64 => Ok(l.as_primitive::<Int64Type>().iter().flatten().map(|v| v as u64).collect()),
            t => Err(BatchError::Partial(format!("column `{name}` holds {t}, not Int64"))),
        }
    }

    fn strings(&self, name: &str, i: usize) -> Result<Vec<String>, BatchError> {
        let Some(l) = self.list(name, i)? else { return Ok(Vec::new()) };
        (0..l.len()).filter_map(|j| string_at(&l, j).transpose()).collect::<Result<_, _>>().map_err(|m| BatchError::Partial(format!("column `{name}`: {m}")))
    }
}

fn string_at(a: &ArrayRef, i: usize) -> Result<Option<String>, String> {
    if a.is_null(i) {
        return Ok(None);
    }
    match a.data_type() {
        DataType::Utf8 => Ok(Some(a.as_string::<i32>().value(i).to_string())),
        DataType::LargeUtf8 => Ok(Some(a.as_string::<i64>().value(i).to_string())),
        DataType::Utf8View => Ok(Some(a.as_string_view().value(i).to_string())),
        t => Err(format!("{t}, not a string")),
    }
}

/// A merged partial: the aggregator and what goes beside it.
#[derive(Debug, Clone)]
struct Parts {
    agg: Aggregator,
    extras: Extras,
}

/// Merges serialised partials ([`Partial::to_batch`]; rows of several parts may come mixed and
/// split over batches in any way) into one partial, exactly.
pub fn merge(batches: &[RecordBatch]) -> Result<Partial, BatchError> {
    let parts = read_parts(batches, true)?;
    Ok(Partial { agg: parts.agg, extras: parts.extras, rows_read: HashMap::new() })
}

/// Reads partial rows; with `state` false the aggregator state rows are skipped (only payloads wanted).
fn read_parts(batches: &[RecordBatch], state: bool) -> Result<Parts, BatchError> {
    let mut entries: BTreeMap<String, Vec<StateEntry>> = BTreeMap::new();
    let mut extras = Extras::default();
    for batch in batches {
        let c = Columns { batch };
        for i in 0..batch.num_rows() {
            let part = c.string("part", i)?.unwrap_or_default();
            let kind = c.string("kind", i)?.unwrap_or_default();
            let payload =
                || -> Result<String, BatchError> { c.string("payload", i)?.ok_or_else(|| BatchError::Partial(format!("a `{kind}` row without payload"))) };
            let bad_json = |e: serde_json::Error| BatchError::Partial(format!("a `{kind}` payload: {e}"));
            match kind.as_str() {
                KIND_COUNTS => {
                    #[derive(Deserialize)]
                    struct SourceCountsRow {
                        source: String,
                        counts: Counts,
                    }
                    let row: SourceCountsRow = serde_json::from_str(&payload()?).map_err(bad_json)?;
                    let e = extras.counts.entry(row.source).or_default();
                    e.records += row.counts.records;
                    e.placed.merge(&row.counts.placed);
                }
                KIND_REJECT => extras.rejects.push(serde_json::from_str(&payload()?).map_err(bad_json)?),
                KIND_EVIDENCE => extras.evidence.push(serde_json::from_str(&payload()?).map_err(bad_json)?),
                _ if !state => {}
                k => {
                    let kind = EntryKind::parse(k).ok_or_else(|| BatchError::Partial(format!("unknown kind `{k}`")))?;
                    let date = c.date("date", i)?.ok_or_else(|| BatchError::Partial(format!("a `{k}` row without date")))?;
                    let name =
                        |n: &str| -> Result<String, BatchError> { c.string(n, i)?.ok_or_else(|| BatchError::Partial(format!("a `{k}` row without {n}"))) };
                    let tally = [
                        c.count("docs_flagged", i)?,
                        c.count("docs_reported", i)?,
                        c.count("matches", i)?,
                        c.count("hostile", i)?,
                        c.count("reported", i)?,
                        c.count("discounted", i)?,
                    ];
                    entries.entry(part).or_default().push(StateEntry {
                        kind: Some(kind),
                        date,
                        region: name("region")?,
                        lang: name("lang")?,
                        source: name("source")?,
                        category: c.string("category", i)?,
                        target: c.string("target", i)?,
                        text_key: c.int("text_key", i)?.map(|k| k as u64),
                        docs: c.count("docs", i)?,
                        copies: c.count("copies", i)?,
                        reach: c.count("reach", i)?,
                        tally,
                        copies_flagged: c.count("copies_flagged", i)?,
                        authors: c.ints("authors", i)?,
                        sources: c.strings("sources", i)?,
                        texts: c.ints("texts", i)?,
                    });
                }
            }
        }
    }
    let config = crate::config::AggregateConfig::default();
    let mut agg: Option<Aggregator> = None;
    for (_, e) in entries {
        let a = Aggregator::from_entries(&config, &e)?;
        match agg.as_mut() {
            Some(m) => m.merge(a),
            None => agg = Some(a),
        }
    }
    Ok(Parts { agg: agg.unwrap_or_else(|| Aggregator::new(&config)), extras })
}

/// The schema of time series rows handed between engine and library: `date` plus the
/// columns of a `timeseries/` partition file.
pub fn series_schema() -> SchemaRef {
    let mut fields = vec![Field::new("date", DataType::Date32, false)];
    fields.extend(timeseries::schema().fields().iter().map(|f| f.as_ref().clone()));
    Arc::new(Schema::new(fields))
}

/// Time series rows as a batch ([`series_schema`]).
pub fn series_batch(rows: &[SeriesRow]) -> RecordBatch {
    let refs: Vec<&SeriesRow> = rows.iter().collect();
    let mut columns: Vec<ArrayRef> = vec![Arc::new(arrow_array::Date32Array::from_iter_values(rows.iter().map(|r| date32(r.date))))];
    columns.extend(timeseries::batch(&refs).columns().iter().cloned());
    RecordBatch::try_new(series_schema(), columns).expect("columns match the series schema")
}

/// Reads time series rows back from batches of [`series_schema`] (column order free).
pub fn series_rows(batches: &[RecordBatch]) -> Result<Vec<SeriesRow>, BatchError> {
    let mut rows = Vec::new();
    for batch in batches {
        let c = Columns { batch };
        for i in 0..batch.num_rows() {
            let s = |n: &str| -> Result<String, BatchError> { Ok(c.string(n, i)?.unwrap_or_default()) };
            let n = |n: &str| -> Result<i64, BatchError> { Ok(c.int(n, i)?.unwrap_or(0)) };
            rows.push(SeriesRow {
                date: c.date("date", i)?.ok_or_else(|| BatchError::Partial("a time series row without date".into()))?,
                region: s("region")?,
                lang: s("lang")?,
                source: s("source")?,
                category: s("category")?,
                target: s("target")?,
                docs: n("docs")?,
                docs_flagged: n("docs_flagged")?,
                docs_reported: n("docs_reported")?,
                matches: n("matches")?,
                hostile: n("hostile")?,
                reported: n("reported")?,
                discounted: n("discounted")?,
                authors: n("authors")?,
                sources: n("sources")?,
                reach: n("reach")?,
                authors_seen: n("authors_seen")?,
                sources_seen: n("sources_seen")?,
                reach_seen: n("reach_seen")?,
                copies: n("copies")?,
                copies_flagged: n("copies_flagged")?,
            });
        }
    }
    sort_rows(&mut rows);
    Ok(rows)
}

/// Merges the state rows of partials ([`STATE_KINDS`]; payload rows are ignored) and returns
/// their time series rows ([`series_schema`]). An engine calls this on each group of one date,
/// region, lang and source, then hands the rows of every group to [`write_store`].
pub fn merge_to_series(batches: &[RecordBatch]) -> Result<RecordBatch, BatchError> {
    let parts = read_parts(batches, true)?;
    Ok(series_batch(&parts.agg.rows()))
}

/// What goes into a store: time series rows (merged already), and the payloads of the partials.
#[derive(Debug, Clone, Default)]
pub struct StoreInput {
    /// Time series rows, any order.
    pub rows: Vec<SeriesRow>,
    /// Evidence rows, any order.
    pub evidence: Vec<EvidenceRow>,
    /// Rejects, any order.
    pub rejects: Vec<Reject>,
    counts: BTreeMap<String, Counts>,
}

impl StoreInput {
    /// Everything of a merged partial.
    pub fn from_partial(p: Partial) -> Self {
        StoreInput { rows: p.agg.rows(), evidence: p.extras.evidence, rejects: p.extras.rejects, counts: p.extras.counts }
    }

    /// Time series rows merged elsewhere ([`merge_to_series`]), with the payloads of the partials
    /// (their `counts`, `reject` and `evidence` rows; state rows are ignored here).
    pub fn from_series(series: &[RecordBatch], payloads: &[RecordBatch]) -> Result<Self, BatchError> {
        let parts = read_parts(payloads, false)?;
        Ok(StoreInput { rows: series_rows(series)?, evidence: parts.extras.evidence, rejects: parts.extras.rejects, counts: parts.extras.counts })
    }
}

/// Writes a store from merged results exactly as `tocsin run` writes one: under the output lock,
/// staged then published, `timeseries/` and `evidence/` per day, `rejects/<run_id>.jsonl`, the
/// manifest (per-source counts and placements from the partials; `inputs` is empty, the engine
/// read them, and `languages` is not carried by partials), then the indicators and the report.
pub fn write_store(pipeline: &BatchPipeline, out_dir: &Path, input: StoreInput) -> Result<RunSummary, RunError> {
    let p = &pipeline.prepared;
    let started = chrono::Utc::now();
    let _lock = OutputLock::acquire(out_dir)?;
    let StoreInput { mut rows, evidence, rejects, counts } = input;
    sort_rows(&mut rows);
    let run_id = run_id(p, &rows);
    let docs_flagged = rows.iter().filter(|r| r.category == ALL_CATEGORIES).map(|r| r.docs_flagged as u64).sum();
    let mut staging = Staging::new(out_dir).map_err(|source| RunError::Unpublished { out: out_dir.to_path_buf(), source })?;
    let format = p.config.config.evidence.format;
    let spill = match (format != EvidenceFormat::Off)
        .then(|| EvidenceSpill::with_budget(staging.scratch("evidence"), p.config.config.memory.evidence_bytes()))
        .transpose()
    {
        Ok(spill) => spill,
        Err(source) => {
            staging.abandon();
            return Err(RunError::Unpublished { out: out_dir.to_path_buf(), source });
        }
    };
    let reject_log = match RejectLog::new(staging.scratch("rejects"), p.config.config.memory.rejects_bytes()) {
        Ok(l) => l,
        Err(source) => {
            staging.abandon();
            return Err(RunError::Unpublished { out: out_dir.to_path_buf(), source });
        }
    };
    let written = stage_outputs(&mut staging, || Ok(rows), spill.map(|s| (s, evidence, format)), (reject_log, rejects), &run_id);
    let ((outputs, dates, _), _) = match written {
        Ok(x) => x,
        Err(source) => {
            staging.abandon();
            return Err(RunError::Unpublished { out: out_dir.to_path_buf(), source });
        }
    };
    let mut totals = SourceCounts::default();
    let mut placed = PlacementCounts::default();
    for c in counts.values() {
        totals += c.records;
        placed.merge(&c.placed);
    }
    let manifest = Manifest {
        tocsin_version: env!("CARGO_PKG_VERSION").into(),
        run_id: run_id.clone(),
        pipeline: p.config.config.name.clone(),
        config_path: p.config.path.display().to_string(),
        config_sha256: p.config.hash(),
        timezone: p.config.config.timezone.get_ref().clone(),
        inputs: Vec::new(),
        lexicons: p.lexicon_records(),
        rules: p.rule_records(),
        sources: counts.iter().map(|(k, c)| (k.clone(), c.records)).collect(),
        totals,
        languages: Default::default(),
        regions: RegionsRecord { placed_by: placed, ..p.regions.record().clone() },
        dates,
        outputs,
        started: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        finished: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|source| SinkError::Json { path: out_dir.join("manifest.json"), source })?;
    let finish = (|| -> Result<(), SinkError> {
        staging.write(&PathBuf::from("runs").join(format!("{run_id}.json")), &json)?;
        staging.write(Path::new("manifest.json"), &json)?;
        Ok(())
    })();
    if let Err(source) = finish {
        staging.abandon();
        return Err(RunError::Unpublished { out: out_dir.to_path_buf(), source });
    }
    staging.commit(Some(Path::new("manifest.json"))).map_err(|source| RunError::Publishing { out: out_dir.to_path_buf(), source })?;
    let indicators =
        if out_dir.join("timeseries").is_dir() { Some(crate::indicators::compute(out_dir, &crate::indicators::IndicatorOptions::default())?) } else { None };
    let report = Some(crate::report::write(out_dir, None, &crate::report::ReportOptions::default())?);
    Ok(RunSummary { out_dir: out_dir.to_path_buf(), manifest, docs_flagged, indicators, report })
}

/// A run id from what determines the rows: config, lexicons, region files and the rows themselves
/// (the engine read the inputs, so their hashes are not known here).
fn run_id(p: &Prepared, rows: &[SeriesRow]) -> String {
    let mut h = crate::pipeline::run_id_hasher(p);
    for row in rows {
        h.update(format!("{row:?}\n"));
    }
    hex::encode(h.finalize())[..16].to_string()
}

/// The schema of [`BatchPipeline::analyse`]: one row per document.
pub fn signals_schema() -> SchemaRef {
    let s = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    let i = |n: &str| Field::new(n, DataType::Int64, false);
    let b = |n: &str| Field::new(n, DataType::Boolean, false);
    Arc::new(Schema::new(vec![
        s("source_name", false),
        s("doc_id", false),
        s("source", false),
        Field::new("date", DataType::Date32, false),
        Field::new("timestamp", DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())), false),
        s("region", false),
        s("lang", false),
        s("speaker", true),
        i("reach"),
        b("flagged"),
        b("reported"),
        i("signals"),
        i("hostile"),
        Field::new("categories", list_of(DataType::Utf8), false),
        Field::new("targets", list_of(DataType::Utf8), false),
        Field::new("terms", list_of(DataType::Utf8), false),
        Field::new("max_severity", DataType::Int64, true),
    ]))
}

#[derive(Default)]
struct SignalsBuilder {
    source_name: StringBuilder,
    doc_id: StringBuilder,
    source: StringBuilder,
    date: Date32Builder,
    timestamp: TimestampMillisecondBuilder,
    region: StringBuilder,
    lang: StringBuilder,
    speaker: StringBuilder,
    reach: Int64Builder,
    flagged: BooleanBuilder,
    reported: BooleanBuilder,
    signals: Int64Builder,
    hostile: Int64Builder,
    categories: ListBuilder<StringBuilder>,
    targets: ListBuilder<StringBuilder>,
    terms: ListBuilder<StringBuilder>,
    max_severity: Int64Builder,
}

impl SignalsBuilder {
    fn push(&mut self, source_name: &str, a: &Analysed<'_>) {
        let d = &a.doc;
        self.source_name.append_value(source_name);
        self.doc_id.append_value(&d.id);
        self.source.append_value(&d.source);
        self.date.append_value(date32(d.date));
        self.timestamp.append_value(d.timestamp.timestamp_millis());
        self.region.append_value(d.region.as_deref().unwrap_or(crate::aggregate::UNKNOWN_REGION));
        self.lang.append_value(d.lang.as_deref().unwrap_or(crate::aggregate::UNKNOWN_LANG));
        self.speaker.append_option(d.author.map(|x| x.to_hex()));
        self.reach.append_value(d.reach.min(i64::MAX as u64) as i64);
        self.flagged.append_value(a.signals.iter().any(|s| s.counting == Counting::Hostile));
        self.reported.append_value(a.signals.iter().any(|s| s.counting == Counting::Reported));
        self.signals.append_value(a.signals.len() as i64);
        self.hostile.append_value(a.signals.iter().filter(|s| s.counting == Counting::Hostile).count() as i64);
        let sorted = |v: Vec<String>| -> BTreeSet<String> { v.into_iter().collect() };
        let categories = sorted(a.signals.iter().filter(|s| s.category.is_hostile()).map(|s| s.category.as_str().to_string()).collect());
        let targets = sorted(a.signals.iter().filter_map(|s| s.target.clone()).collect());
        let terms = sorted(a.signals.iter().map(|s| s.term.clone()).collect());
        self.categories.append_value(categories.iter().map(Some));
        self.targets.append_value(targets.iter().map(Some));
        self.terms.append_value(terms.iter().map(Some));
        self.max_severity.append_option(a.signals.iter().filter(|s| s.category.is_hostile()).map(|s| s.severity as i64).max());
    }

    fn finish(mut self) -> RecordBatch {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.source_name.finish()),
            Arc::new(self.doc_id.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.date.finish()),
            Arc::new(self.timestamp.finish().with_timezone("UTC")),
            Arc::new(self.region.finish()),
            Arc::new(self.lang.finish()),
            Arc::new(self.speaker.finish()),
            Arc::new(self.reach.finish()),
            Arc::new(self.flagged.finish()),
            Arc::new(self.reported.finish()),
            Arc::new(self.signals.finish()),
            Arc::new(self.hostile.finish()),
            Arc::new(self.categories.finish()),
            Arc::new(self.targets.finish()),
            Arc::new(self.terms.finish()),
            Arc::new(self.max_severity.finish()),
        ];
        RecordBatch::try_new(signals_schema(), columns).expect("columns match the signals schema")
    }
}
