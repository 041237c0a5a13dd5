//! The evidence store: `evidence/date=YYYY-MM-DD/part-0.parquet` (and/or
//! `.jsonl`), one row per document with hostile findings, sorted so that
//! identical inputs give identical files. Columns: see docs/EVIDENCE.md.
//!
//! Flagged documents are a small share of a night, but not a bounded one: rows
//! are held in memory up to [`HELD_BYTES`]; beyond that each day's held rows
//! are sorted and written as a run (a JSON-lines scratch file in the staging
//! folder). At the end each day's runs and held rows are merged in order and
//! written a batch at a time, so memory is bounded by the budget and a batch
//! per day being written, not by the day's or the night's evidence.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arrow_array::builder::{Int32Builder, Int64Builder, ListBuilder, StringBuilder, TimestampMillisecondBuilder};
use arrow_array::{ArrayRef, BooleanArray, Int32Array, Int64Array, ListArray, RecordBatch, StringArray, StructArray};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Fields, Schema, TimeUnit};
use chrono::NaiveDate;
use rayon::prelude::*;

use super::{io_err, parquet, SinkError, Staging};
use crate::config::EvidenceFormat;
use crate::evidence::{EvidenceRow, EvidenceSignal};

/// Rows a worker buffers before handing them to the spill.
pub const SPILL_ROWS: usize = 4096;

/// Evidence held in memory (estimated heap bytes) before rows go to scratch files. Writing every
/// row as JSON and reading it back was a tenth of a one-thread run on the 200 MB benchmark, whose
/// evidence (≈ 230,000 rows) fits; a night of 10 GB does not and spills. The default of `[memory] evidence_mb`.
pub const HELD_BYTES: usize = 256 << 20;

/// A rough count of the heap bytes of a row, for the memory budget.
fn approx_bytes(r: &EvidenceRow) -> usize {
    let s = |x: &String| x.len() + 24;
    let list = |v: &Vec<String>| v.iter().map(s).sum::<usize>() + 24;
    std::mem::size_of::<EvidenceRow>()
        + s(&r.doc_id)
        + s(&r.source_name)
        + s(&r.source)
        + s(&r.region)
        + s(&r.lang)
        + s(&r.status)
        + r.speaker.as_ref().map_or(0, s)
        + r.speaker_type.as_ref().map_or(0, s)
        + r.snippet.as_ref().map_or(0, s)
        + list(&r.categories)
        + list(&r.targets)
        + list(&r.terms)
        + r.signals.len() * (std::mem::size_of::<EvidenceSignal>() + 64)
}

fn utf8_list(name: &str) -> Field {
    Field::new(name, DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), false)
}

/// The fields of one signal inside the `signals` list.
fn signal_fields() -> Fields {
    Fields::from(vec![
        Field::new("category", DataType::Utf8, false),
        Field::new("target", DataType::Utf8, true),
        Field::new("rule", DataType::Utf8, false),
        Field::new("term", DataType::Utf8, false),
        Field::new("start", DataType::Int64, false),
        Field::new("end", DataType::Int64, false),
        Field::new("severity", DataType::Int32, false),
        Field::new("status", DataType::Utf8, false),
        utf8_list("modifiers"),
        Field::new("text", DataType::Utf8, true),
    ])
}

/// The file schema of an evidence partition.
pub fn schema() -> Arc<Schema> {
    let s = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    Arc::new(Schema::new(vec![
        s("doc_id", false),
        s("source_name", false),
        s("source", false),
        s("region", false),
        s("lang", false),
        Field::new("timestamp", DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())), false),
        s("speaker", true),
        s("speaker_type", true),
        Field::new("reach", DataType::Int64, false),
        s("status", false),
        utf8_list("categories"),
        utf8_list("targets"),
        utf8_list("terms"),
        Field::new("max_severity", DataType::Int32, false),
        Field::new("call_to_action", DataType::Boolean, false),
        Field::new("attributed", DataType::Boolean, false),
        Field::new("counter_speech", DataType::Boolean, false),
        s("snippet", true),
        Field::new("signals", DataType::List(Arc::new(Field::new("item", DataType::Struct(signal_fields()), true))), false),
    ]))
}

/// Columns whose values are mostly distinct (a document id, a quote): written without dictionary or statistics.
pub const UNIQUE_COLUMNS: &[&[&str]] = &[&["doc_id"], &["speaker"], &["snippet"], &["signals", "list", "item", "text"]];

/// The order rows are written in: by time, then id, then source.
/// The order of rows in a partition: identical inputs give identical files.
fn row_order(a: &EvidenceRow, b: &EvidenceRow) -> std::cmp::Ordering {
    (a.timestamp, &a.doc_id, &a.source_name, &a.signals).cmp(&(b.timestamp, &b.doc_id, &b.source_name, &b.signals))
}

/// A day's held rows, in segments of [`SEGMENT_ROWS`]: one growing vector per day was copied whole at
/// each doubling, into fresh pages the kernel zeroed (a quarter of the page zeroing perf saw in a run).
type Segments = Vec<Vec<EvidenceRow>>;

/// Rows per segment of a day's held rows.
const SEGMENT_ROWS: usize = 1024;

fn push_row(day: &mut Segments, row: EvidenceRow) {
    match day.last_mut() {
        Some(segment) if segment.len() < SEGMENT_ROWS => segment.push(row),
        _ => {
            let mut segment = Vec::with_capacity(SEGMENT_ROWS);
            segment.push(row);
            day.push(segment);
        }
    }
}

/// A day's held rows in [`row_order`]. A row is hundreds of bytes: sorting them in place moves each one
/// log n times; sorting their positions moves each row once.
fn sort_rows(segments: Segments) -> Vec<EvidenceRow> {
    let mut taken: Vec<Option<EvidenceRow>> = Vec::with_capacity(segments.iter().map(Vec::len).sum());
    taken.extend(segments.into_iter().flatten().map(Some));
    let mut order: Vec<u32> = (0..taken.len() as u32).collect();
    let row = |i: u32| taken[i as usize].as_ref().expect("not taken yet");
    order.sort_by(|&a, &b| row_order(row(a), row(b)));
    order.into_iter().map(|i| taken[i as usize].take().expect("each position once")).collect()
}

/// A string column built with its final size reserved: collecting values one by one regrew (and copied)
/// the value buffer, a third of the time spent building evidence batches (criterion bench `evidence`).
fn strings<'a>(values: impl Iterator<Item = Option<&'a str>> + Clone) -> StringArray {
    let (n, bytes) = values.clone().fold((0, 0), |(n, b), v| (n + 1, b + v.map_or(0, str::len)));
    let mut b = StringBuilder::with_capacity(n, bytes);
    for v in values {
        b.append_option(v);
    }
    b.finish()
}

fn string_list<'a>(rows: impl Iterator<Item = &'a Vec<String>> + Clone) -> ListArray {
    let (n, values, bytes) = rows.clone().fold((0, 0, 0), |(n, k, b), v| (n + 1, k + v.len(), b + v.iter().map(String::len).sum::<usize>()));
    let mut b = ListBuilder::with_capacity(StringBuilder::with_capacity(values, bytes), n);
    for values in rows {
        for v in values {
            b.values().append_value(v);
        }
        b.append(true);
    }
    b.finish()
}

fn signals_array(rows: &[EvidenceRow]) -> ArrayRef {
    let all: Vec<&EvidenceSignal> = rows.iter().flat_map(|r| &r.signals).collect();
    let s = |f: fn(&EvidenceSignal) -> &str| Arc::new(strings(all.iter().map(|x| Some(f(x))))) as ArrayRef;
    let columns: Vec<ArrayRef> = vec![
        s(|x| &x.category),
        Arc::new(strings(all.iter().map(|x| x.target.as_deref()))),
        s(|x| &x.rule),
        s(|x| &x.term),
        Arc::new(Int64Array::from_iter_values(all.iter().map(|x| x.start))),
        Arc::new(Int64Array::from_iter_values(all.iter().map(|x| x.end))),
        Arc::new(Int32Array::from_iter_values(all.iter().map(|x| x.severity))),
        s(|x| &x.status),
        Arc::new(string_list(all.iter().map(|x| &x.modifiers))),
        Arc::new(strings(all.iter().map(|x| x.text.as_deref()))),
    ];
    let values = StructArray::new(signal_fields(), columns, None);
    let offsets = OffsetBuffer::from_lengths(rows.iter().map(|r| r.signals.len()));
    Arc::new(ListArray::new(Arc::new(Field::new("item", DataType::Struct(signal_fields()), true)), offsets, Arc::new(values), None))
}

/// Rows (already sorted) as one record batch.
pub fn batch(rows: &[EvidenceRow]) -> RecordBatch {
    let s = |f: fn(&EvidenceRow) -> &str| Arc::new(strings(rows.iter().map(|r| Some(f(r))))) as ArrayRef;
    let opt = |f: fn(&EvidenceRow) -> Option<&str>| Arc::new(strings(rows.iter().map(f))) as ArrayRef;
    let b = |f: fn(&EvidenceRow) -> bool| Arc::new(rows.iter().map(|r| Some(f(r))).collect::<BooleanArray>()) as ArrayRef;
    let mut ts = TimestampMillisecondBuilder::with_capacity(rows.len()).with_timezone("UTC");
    let mut reach = Int64Builder::with_capacity(rows.len());
    let mut sev = Int32Builder::with_capacity(rows.len());
    for r in rows {
        ts.append_value(r.timestamp.timestamp_millis());
        reach.append_value(r.reach);
        sev.append_value(r.max_severity);
    }
    let columns: Vec<ArrayRef> = vec![
        s(|r| &r.doc_id),
        s(|r| &r.source_name),
        s(|r| &r.source),
        s(|r| &r.region),
        s(|r| &r.lang),
        Arc::new(ts.finish()),
        opt(|r| r.speaker.as_deref()),
        opt(|r| r.speaker_type.as_deref()),
        Arc::new(reach.finish()),
        s(|r| &r.status),
        Arc::new(string_list(rows.iter().map(|r| &r.categories))),
        Arc::new(string_list(rows.iter().map(|r| &r.targets))),
        Arc::new(string_list(rows.iter().map(|r| &r.terms))),
        Arc::new(sev.finish()),
        b(|r| r.call_to_action),
        b(|r| r.attributed),
        b(|r| r.counter_speech),
        opt(|r| r.snippet.as_deref()),
        signals_array(rows),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns match the evidence schema")
}

/// The evidence rows of a run so far: held in memory within a budget, the rest in sorted runs on disk.
#[derive(Debug)]
pub struct EvidenceSpill {
    dir: PathBuf,
    budget: usize,
    state: Mutex<SpillState>,
    failure: Mutex<Option<SinkError>>,
}

#[derive(Debug, Default)]
struct SpillState {
    held: BTreeMap<NaiveDate, Segments>,
    held_bytes: usize,
    /// Per day, the scratch files of its sorted runs, in the order they were written.
    runs: BTreeMap<NaiveDate, Vec<PathBuf>>,
    next_run: usize,
}

/// Rows written to the Parquet and JSON-lines files at a time.
const WRITE_BATCH_ROWS: usize = 4096;

impl EvidenceSpill {
    /// A spill in `dir` (a scratch folder inside the staging folder, created here) holding up to `budget`
    /// estimated bytes of rows in memory (`[memory] evidence_mb`; 0: every row goes to the scratch files).
    pub fn with_budget(dir: PathBuf, budget: usize) -> Result<Self, SinkError> {
        std::fs::create_dir_all(&dir).map_err(io_err("creating evidence scratch folder", &dir))?;
        Ok(EvidenceSpill { dir, budget, state: Mutex::new(SpillState::default()), failure: Mutex::new(None) })
    }

    /// Adds rows; when the rows held pass the budget, each day's rows are sorted and written to a new run
    /// file of that day. The first failure is kept and reported by [`EvidenceSpill::stage`]: workers cannot
    /// stop the stream, so the run fails at the end instead.
    pub fn spill(&self, rows: Vec<EvidenceRow>) {
        if rows.is_empty() {
            return;
        }
        let mut state = self.state.lock().expect("evidence spill lock");
        for r in rows {
            state.held_bytes += approx_bytes(&r);
            push_row(state.held.entry(r.date).or_default(), r);
        }
        if state.held_bytes <= self.budget {
            return;
        }
        let SpillState { held, held_bytes, runs, next_run } = &mut *state;
        *held_bytes = 0;
        let result = (|| -> Result<(), SinkError> {
            for (date, segments) in std::mem::take(held) {
                let rows = sort_rows(segments);
                let path = self.dir.join(format!("{}.{next_run}.jsonl", date.format("%Y-%m-%d")));
                *next_run += 1;
                let mut w = BufWriter::new(File::create(&path).map_err(io_err("creating", &path))?);
                for r in &rows {
                    serde_json::to_writer(&mut w, r).map_err(|source| SinkError::Json { path: path.clone(), source })?;
                    w.write_all(b"\n").map_err(io_err("writing", &path))?;
                }
                w.flush().map_err(io_err("writing", &path))?;
                runs.entry(date).or_default().push(path);
            }
            Ok(())
        })();
        if let Err(e) = result {
            self.failure.lock().expect("evidence failure lock").get_or_insert(e);
        }
    }

    /// Writes one evidence partition per day in `dates` (an empty one for a day without evidence, so a re-run
    /// replaces stale evidence), from the spilled rows plus `rest`. A day is merged from its sorted runs and
    /// written batch by batch, so memory follows a batch, not the day. Returns the staged files and their row
    /// counts, and per day what `fold` made of its rows, in order, from `init()` (what the report needs, while
    /// the rows are at hand). Days of `dates` come first, then the other days with evidence.
    ///
    /// The tests' shorthand: a run calls [`EvidenceSpill::stage`], [`stage_empty`] and [`StagedDays::write`]
    /// itself, so that other work (the repost merge) runs beside the writing.
    #[cfg(test)]
    fn finish<T: Send>(
        self,
        rest: Vec<EvidenceRow>,
        dates: &BTreeSet<NaiveDate>,
        format: EvidenceFormat,
        staging: &mut Staging,
        init: impl Fn() -> T + Sync,
        fold: impl Fn(&mut T, &[EvidenceRow]) + Sync,
    ) -> Result<Written<T>, SinkError> {
        let mut staged = self.stage(rest, format, staging)?;
        let empty: Vec<NaiveDate> = dates.difference(&staged.days()).copied().collect();
        staged.plans.extend(stage_empty(empty, format, staging)?.plans);
        Ok(in_dates_order(staged.write(&init, &fold)?, dates))
    }

    /// Stages one partition per day that has evidence (spilled rows plus `rest`), to be written by
    /// [`StagedDays::write`]. Fails with the first error a spill met.
    pub fn stage(self, rest: Vec<EvidenceRow>, format: EvidenceFormat, staging: &mut Staging) -> Result<StagedDays, SinkError> {
        self.spill(rest);
        if let Some(e) = self.failure.lock().expect("evidence failure lock").take() {
            return Err(e);
        }
        let SpillState { held, mut runs, .. } = self.state.into_inner().expect("evidence spill lock");
        super::spill::log_spilled(&self.dir, runs.values().map(Vec::len).sum());
        let mut days: BTreeMap<NaiveDate, Segments> = held;
        for date in runs.keys() {
            days.entry(*date).or_default();
        }
        let mut plans = Vec::with_capacity(days.len());
        for (date, in_memory) in days {
            plans.push(DayPlan::staged(date, in_memory, runs.remove(&date).unwrap_or_default(), format, staging)?);
        }
        Ok(StagedDays { plans })
    }
}

/// Stages an empty partition (the schema, no rows) for each of `dates`, so a re-run replaces stale evidence of a day
/// that now has none.
pub fn stage_empty(dates: impl IntoIterator<Item = NaiveDate>, format: EvidenceFormat, staging: &mut Staging) -> Result<StagedDays, SinkError> {
    let plans = dates.into_iter().map(|date| DayPlan::staged(date, Vec::new(), Vec::new(), format, staging)).collect::<Result<_, _>>()?;
    Ok(StagedDays { plans })
}

/// Puts written days in the order a run lists its outputs: the days of `dates` first, then the others, each by date.
pub fn in_dates_order<T>(mut done: Vec<WrittenDay<T>>, dates: &BTreeSet<NaiveDate>) -> Written<T> {
    done.sort_by_key(|d| (!dates.contains(&d.date), d.date));
    let mut written = Vec::new();
    let mut summaries = Vec::new();
    for d in done {
        written.extend(d.files);
        summaries.push((d.date, d.summary));
    }
    (written, summaries)
}

/// The evidence files written (output-relative, with their row counts) and per day the fold of its rows.
pub type Written<T> = (Vec<(PathBuf, u64)>, Vec<(NaiveDate, T)>);

/// Evidence partitions whose paths are staged, ready to be written.
pub struct StagedDays {
    plans: Vec<DayPlan>,
}

/// One evidence day written: its files with their row counts, and what the fold made of its rows.
pub struct WrittenDay<T> {
    /// The partition's day.
    pub date: NaiveDate,
    /// Staged files (output-relative) and their row counts.
    pub files: Vec<(PathBuf, u64)>,
    /// The fold of the day's rows.
    pub summary: T,
}

impl StagedDays {
    /// The days staged.
    pub fn days(&self) -> BTreeSet<NaiveDate> {
        self.plans.iter().map(|p| p.date).collect()
    }

    /// Writes every staged day in parallel (in the current rayon pool), each merged from its sorted runs and
    /// held rows and written batch by batch; per day, `fold` sees its rows in order, from `init()`.
    pub fn write<T: Send>(self, init: &(impl Fn() -> T + Sync), fold: &(impl Fn(&mut T, &[EvidenceRow]) + Sync)) -> Result<Vec<WrittenDay<T>>, SinkError> {
        // The largest days first: on two threads, a large day started last ran alone.
        let mut plans = self.plans;
        plans.sort_by_key(|p| std::cmp::Reverse(p.in_memory.iter().map(Vec::len).sum::<usize>() + 4096 * p.runs.len()));
        plans.into_par_iter().map(|plan| write_day(plan, init, fold)).collect()
    }
}

/// One day to write: its rows held in memory, its sorted runs on disk, and where its files go.
struct DayPlan {
    date: NaiveDate,
    in_memory: Segments,
    runs: Vec<PathBuf>,
    parquet_path: Option<(PathBuf, PathBuf)>,
    jsonl_path: Option<(PathBuf, PathBuf)>,
}

impl DayPlan {
    /// Stages the day's files (Parquet and/or JSON lines, per `format`).
    fn staged(date: NaiveDate, in_memory: Segments, runs: Vec<PathBuf>, format: EvidenceFormat, staging: &mut Staging) -> Result<Self, SinkError> {
        let rel = super::timeseries::partition_path("evidence", date);
        let parquet_path = if matches!(format, EvidenceFormat::Parquet | EvidenceFormat::Both) { Some((rel.clone(), staging.path(&rel)?)) } else { None };
        let jsonl_rel = rel.with_extension("jsonl");
        let jsonl_path =
            if matches!(format, EvidenceFormat::Jsonl | EvidenceFormat::Both) { Some((jsonl_rel.clone(), staging.path(&jsonl_rel)?)) } else { None };
        Ok(DayPlan { date, in_memory, runs, parquet_path, jsonl_path })
    }
}

/// Merges a day's sorted runs and held rows and writes them batch by batch; returns the files with their row
/// counts and the day's fold.
fn write_day<T>(plan: DayPlan, init: impl Fn() -> T, fold: impl Fn(&mut T, &[EvidenceRow])) -> Result<WrittenDay<T>, SinkError> {
    let DayPlan { date, in_memory, runs, parquet_path, jsonl_path } = plan;
    let in_memory = sort_rows(in_memory);
    let mut sources: Vec<Box<dyn Iterator<Item = Result<EvidenceRow, SinkError>> + Send>> = vec![Box::new(in_memory.into_iter().map(Ok))];
    for path in runs {
        sources.push(Box::new(RunReader::open(path)?));
    }
    let mut parquet = parquet_path.as_ref().map(|(_, p)| parquet::BatchWriter::create_with_unique(p, schema(), UNIQUE_COLUMNS)).transpose()?;
    let mut jsonl = match &jsonl_path {
        Some((_, p)) => Some(BufWriter::new(File::create(p).map_err(io_err("creating", p))?)),
        None => None,
    };
    let mut acc = init();
    let mut n = 0u64;
    let mut batch_rows = Vec::with_capacity(WRITE_BATCH_ROWS);
    let mut merged = Merge::new(sources)?;
    loop {
        let next = merged.next().transpose()?;
        let full = batch_rows.len() >= WRITE_BATCH_ROWS;
        if (next.is_none() || full) && !batch_rows.is_empty() {
            fold(&mut acc, &batch_rows);
            if let Some(w) = parquet.as_mut() {
                w.write(&batch(&batch_rows))?;
            }
            if let (Some(w), Some((_, p))) = (jsonl.as_mut(), &jsonl_path) {
                w.write_all(&super::jsonl_bytes(&batch_rows)).map_err(io_err("writing", p))?;
            }
            n += batch_rows.len() as u64;
            batch_rows.clear();
        }
        match next {
            Some(r) => batch_rows.push(r),
            None => break,
        }
    }
    let mut files = Vec::new();
    if let (Some(w), Some((rel, _))) = (parquet, parquet_path) {
        if n == 0 {
            // An empty partition still carries the schema.
            let mut w = w;
            w.write(&batch(&[]))?;
            w.finish()?;
        } else {
            w.finish()?;
        }
        files.push((rel, n));
    }
    if let (Some(w), Some((rel, p))) = (jsonl, jsonl_path) {
        let f = w.into_inner().map_err(|e| SinkError::Io { action: "writing", path: p.clone(), source: e.into_error() })?;
        f.sync_all().map_err(io_err("syncing", &p))?;
        files.push((rel, n));
    }
    Ok(WrittenDay { date, files, summary: acc })
}

/// The rows of one sorted run file, read a line at a time.
struct RunReader {
    path: PathBuf,
    lines: std::io::Lines<BufReader<File>>,
}

impl RunReader {
    fn open(path: PathBuf) -> Result<Self, SinkError> {
        let f = File::open(&path).map_err(io_err("opening", &path))?;
        Ok(RunReader { lines: BufReader::new(f).lines(), path })
    }
}

impl Iterator for RunReader {
    type Item = Result<EvidenceRow, SinkError>;

    fn next(&mut self) -> Option<Self::Item> {
        let line = self.lines.next()?;
        Some(
            line.map_err(|e| SinkError::Io { action: "reading", path: self.path.clone(), source: e })
                .and_then(|l| serde_json::from_str(&l).map_err(|source| SinkError::Json { path: self.path.clone(), source })),
        )
    }
}

/// A k-way merge of sorted row streams in [`sort_rows`] order.
struct Merge {
    sources: Vec<Box<dyn Iterator<Item = Result<EvidenceRow, SinkError>> + Send>>,
    heads: Vec<Option<EvidenceRow>>,
}

impl Merge {
    fn new(mut sources: Vec<Box<dyn Iterator<Item = Result<EvidenceRow, SinkError>> + Send>>) -> Result<Self, SinkError> {
        let heads = sources.iter_mut().map(|s| s.next().transpose()).collect::<Result<_, _>>()?;
        Ok(Merge { sources, heads })
    }

    fn next(&mut self) -> Option<Result<EvidenceRow, SinkError>> {
        // A handful of runs a day: a linear scan of the heads is simpler than a heap and as fast.
        let best = (0..self.heads.len()).filter(|i| self.heads[*i].is_some()).min_by(|a, b| {
            let (a, b) = (self.heads[*a].as_ref().expect("some"), self.heads[*b].as_ref().expect("some"));
            row_order(a, b)
        })?;
        let row = self.heads[best].take().expect("some");
        match self.sources[best].next().transpose() {
            Ok(next) => self.heads[best] = next,
            Err(e) => return Some(Err(e)),
        }
        Some(Ok(row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    fn row(id: &str, ts: &str, snippet: Option<&str>) -> EvidenceRow {
        let timestamp = chrono::DateTime::parse_from_rfc3339(ts).expect("ts").with_timezone(&chrono::Utc);
        EvidenceRow {
            date: timestamp.date_naive(),
            doc_id: id.into(),
            source_name: "social".into(),
            source: "chan".into(),
            region: "XA-NO".into(),
            lang: "en".into(),
            timestamp,
            speaker: None,
            speaker_type: Some("user".into()),
            reach: 3,
            status: "hostile".into(),
            categories: vec!["dehumanisation".into()],
            targets: vec![],
            terms: vec!["vermin".into(), "oru".into()],
            max_severity: 2,
            call_to_action: false,
            attributed: true,
            counter_speech: false,
            snippet: snippet.map(Into::into),
            signals: vec![EvidenceSignal {
                category: "dehumanisation".into(),
                target: None,
                rule: "r".into(),
                term: "vermin".into(),
                start: 1,
                end: 7,
                severity: 2,
                status: "hostile".into(),
                modifiers: vec!["reported".into()],
                text: None,
            }],
        }
    }

    #[test]
    fn a_batch_has_the_schema_and_round_trips_through_parquet() {
        let rows = vec![row("a", "2026-10-10T08:00:00Z", Some("x")), row("b", "2026-10-10T09:00:00Z", None)];
        let b = batch(&rows);
        assert_eq!(b.num_rows(), 2);
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("e.parquet");
        parquet::write_batch(&path, &b).expect("write");
        let back = parquet::read_batches(&path).expect("read");
        assert_eq!(back[0].schema(), schema());
        let signals = back[0].column_by_name("signals").expect("signals").as_any().downcast_ref::<ListArray>().expect("list");
        assert_eq!(signals.value(1).len(), 1);
        let snippet = back[0].column_by_name("snippet").expect("snippet");
        assert!(snippet.is_null(1) && !snippet.is_null(0));
    }

    #[test]
    fn a_day_spilled_in_many_runs_is_merged_in_order_across_batches() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut staging = Staging::new(dir.path()).expect("staging");
        // Budget 0: every call writes a sorted run; five runs of 2,000 rows, times interleaved between runs.
        let spill = EvidenceSpill::with_budget(dir.path().join("scratch"), 0).expect("spill");
        for run in 0..5 {
            let rows = (0..2000).map(|k| {
                let n = (k * 7919 + run * 104_729) % 10_000;
                row(&format!("d{n:05}"), &format!("2026-10-10T{:02}:{:02}:{:02}Z", n / 3600, n / 60 % 60, n % 60), None)
            });
            spill.spill(rows.collect());
        }
        let dates: BTreeSet<NaiveDate> = ["2026-10-10"].iter().map(|d| d.parse().expect("date")).collect();
        let count = |n: &mut usize, rows: &[EvidenceRow]| *n += rows.len();
        let (written, sizes) = spill.finish(Vec::new(), &dates, EvidenceFormat::Parquet, &mut staging, || 0, count).expect("finish");
        assert_eq!(sizes[0].1, 10_000);
        assert_eq!(written[0].1, 10_000);
        let path = dir.path().join(".staging-".to_string() + &std::process::id().to_string()).join(&written[0].0);
        let ids: Vec<String> = parquet::read_batches(&path)
            .expect("read")
            .iter()
            .flat_map(|b| {
                let ids = b.column_by_name("doc_id").expect("doc_id").as_any().downcast_ref::<StringArray>().expect("strings").clone();
                (0..ids.len()).map(move |i| ids.value(i).to_string())
            })
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids.len(), 10_000);
        assert_eq!(ids, sorted, "rows come out in timestamp order (here also id order)");
    }

    #[test]
    fn spilled_days_are_sorted_and_every_run_day_gets_a_partition() {
        let one_row = approx_bytes(&row("z1", "2026-10-10T10:00:00Z", None));
        // All on disk; the first two on disk and the last held; all held.
        for budget in [0, one_row * 3 / 2, HELD_BYTES] {
            let dir = tempfile::tempdir().expect("tmp");
            let mut staging = Staging::new(dir.path()).expect("staging");
            let spill = EvidenceSpill::with_budget(dir.path().join("scratch"), budget).expect("spill");
            spill.spill(vec![row("z2", "2026-10-10T10:00:00Z", None), row("z1", "2026-10-10T10:00:00Z", None)]);
            let dates: BTreeSet<NaiveDate> = ["2026-10-10", "2026-10-11"].iter().map(|d| d.parse().expect("date")).collect();
            let count = |n: &mut usize, rows: &[EvidenceRow]| *n += rows.len();
            let (written, sizes) =
                spill.finish(vec![row("a", "2026-10-10T07:00:00Z", None)], &dates, EvidenceFormat::Both, &mut staging, || 0, count).expect("finish");
            assert_eq!(sizes.iter().map(|(d, n)| (d.to_string(), *n)).collect::<Vec<_>>(), vec![("2026-10-10".to_string(), 3), ("2026-10-11".to_string(), 0)]);
            let counts: Vec<u64> = written.iter().map(|(_, n)| *n).collect();
            assert_eq!(counts, vec![3, 3, 0, 0], "budget {budget}");
            let jsonl = std::fs::read_to_string(dir.path().join(".staging-".to_string() + &std::process::id().to_string()).join(&written[1].0)).expect("jsonl");
            let ids: Vec<String> = jsonl.lines().map(|l| serde_json::from_str::<EvidenceRow>(l).expect("row").doc_id).collect();
            assert_eq!(ids, vec!["a", "z1", "z2"], "budget {budget}");
            let scratch_files = std::fs::read_dir(dir.path().join("scratch")).expect("scratch").count();
            // One sorted run per spill that passed the budget.
            assert_eq!(scratch_files, [2, 1, 0][[0, one_row * 3 / 2, HELD_BYTES].iter().position(|b| *b == budget).unwrap()], "budget {budget}");
        }
    }
}
