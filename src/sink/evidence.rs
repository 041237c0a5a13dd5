//! The evidence store: `evidence/date=YYYY-MM-DD/part-0.parquet` (and/or
//! `.jsonl`), one row per document with hostile findings, sorted so that
//! identical inputs give identical files. Columns: see docs/EVIDENCE.md.
//!
//! Flagged documents are a small share of a night, but not a bounded one: rows
//! are held in memory up to [`HELD_BYTES`], and beyond that spilled to per-day
//! JSON-lines scratch files in the staging folder; each day is sorted and
//! written at the end. Memory is bounded by the budget plus the largest day's
//! evidence, not by the night's.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
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
/// evidence (≈ 230,000 rows) fits; a night of 10 GB does not and spills.
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

/// The order rows are written in: by time, then id, then source.
fn sort_rows(rows: &mut [EvidenceRow]) {
    rows.sort_by(|a, b| (a.timestamp, &a.doc_id, &a.source_name, &a.signals).cmp(&(b.timestamp, &b.doc_id, &b.source_name, &b.signals)));
}

fn string_list<'a>(rows: impl Iterator<Item = &'a Vec<String>>) -> ListArray {
    let mut b = ListBuilder::new(StringBuilder::new());
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
    let s = |f: fn(&EvidenceSignal) -> &str| Arc::new(StringArray::from_iter_values(all.iter().map(|x| f(x)))) as ArrayRef;
    let columns: Vec<ArrayRef> = vec![
        s(|x| &x.category),
        Arc::new(all.iter().map(|x| x.target.as_deref()).collect::<StringArray>()),
        s(|x| &x.rule),
        s(|x| &x.term),
        Arc::new(Int64Array::from_iter_values(all.iter().map(|x| x.start))),
        Arc::new(Int64Array::from_iter_values(all.iter().map(|x| x.end))),
        Arc::new(Int32Array::from_iter_values(all.iter().map(|x| x.severity))),
        s(|x| &x.status),
        Arc::new(string_list(all.iter().map(|x| &x.modifiers))),
        Arc::new(all.iter().map(|x| x.text.as_deref()).collect::<StringArray>()),
    ];
    let values = StructArray::new(signal_fields(), columns, None);
    let offsets = OffsetBuffer::from_lengths(rows.iter().map(|r| r.signals.len()));
    Arc::new(ListArray::new(Arc::new(Field::new("item", DataType::Struct(signal_fields()), true)), offsets, Arc::new(values), None))
}

/// Rows (already sorted) as one record batch.
pub fn batch(rows: &[EvidenceRow]) -> RecordBatch {
    let s = |f: fn(&EvidenceRow) -> &str| Arc::new(StringArray::from_iter_values(rows.iter().map(|r| f(r)))) as ArrayRef;
    let opt = |f: fn(&EvidenceRow) -> Option<&str>| Arc::new(rows.iter().map(f).collect::<StringArray>()) as ArrayRef;
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

/// The evidence rows of a run so far: held in memory within a budget, the rest in per-day scratch files.
#[derive(Debug)]
pub struct EvidenceSpill {
    dir: PathBuf,
    budget: usize,
    state: Mutex<SpillState>,
    failure: Mutex<Option<SinkError>>,
}

#[derive(Debug, Default)]
struct SpillState {
    held: BTreeMap<NaiveDate, Vec<EvidenceRow>>,
    held_bytes: usize,
    files: BTreeMap<NaiveDate, BufWriter<File>>,
}

impl EvidenceSpill {
    /// A spill in `dir` (a scratch folder inside the staging folder, created here) holding up to [`HELD_BYTES`] in memory.
    pub fn new(dir: PathBuf) -> Result<Self, SinkError> {
        Self::with_budget(dir, HELD_BYTES)
    }

    /// A spill holding up to `budget` estimated bytes of rows in memory (0: every row goes to the scratch files).
    pub fn with_budget(dir: PathBuf, budget: usize) -> Result<Self, SinkError> {
        std::fs::create_dir_all(&dir).map_err(io_err("creating evidence scratch folder", &dir))?;
        Ok(EvidenceSpill { dir, budget, state: Mutex::new(SpillState::default()), failure: Mutex::new(None) })
    }

    fn day_path(&self, date: NaiveDate) -> PathBuf {
        self.dir.join(format!("{}.jsonl", date.format("%Y-%m-%d")))
    }

    /// Adds rows; when the rows held pass the budget, all of them go to their days' scratch files. The first
    /// failure is kept and reported by [`EvidenceSpill::finish`]: workers cannot stop the stream, so the run
    /// fails at the end instead.
    pub fn spill(&self, rows: Vec<EvidenceRow>) {
        if rows.is_empty() {
            return;
        }
        let mut state = self.state.lock().expect("evidence spill lock");
        for r in rows {
            state.held_bytes += approx_bytes(&r);
            state.held.entry(r.date).or_default().push(r);
        }
        if state.held_bytes <= self.budget {
            return;
        }
        let SpillState { held, held_bytes, files } = &mut *state;
        *held_bytes = 0;
        let result = (|| -> Result<(), SinkError> {
            for (date, rows) in std::mem::take(held) {
                let path = self.day_path(date);
                let w = match files.entry(date) {
                    std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::btree_map::Entry::Vacant(e) => e.insert(BufWriter::new(File::create(&path).map_err(io_err("creating", &path))?)),
                };
                for r in &rows {
                    serde_json::to_writer(&mut *w, r).map_err(|source| SinkError::Json { path: path.clone(), source })?;
                    w.write_all(b"\n").map_err(io_err("writing", &path))?;
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            self.failure.lock().expect("evidence failure lock").get_or_insert(e);
        }
    }

    /// Writes one evidence partition per day in `dates` (an empty one for a day without evidence, so a re-run
    /// replaces stale evidence), from the spilled rows plus `rest`. Returns the staged files and their row counts,
    /// and `summarise` of every day's sorted rows (what the report needs, while the rows are at hand).
    pub fn finish<T: Send>(
        self,
        rest: Vec<EvidenceRow>,
        dates: &BTreeSet<NaiveDate>,
        format: EvidenceFormat,
        staging: &mut Staging,
        summarise: impl Fn(&[EvidenceRow]) -> T + Sync,
    ) -> Result<(Vec<(PathBuf, u64)>, Vec<(NaiveDate, T)>), SinkError> {
        self.spill(rest);
        if let Some(e) = self.failure.lock().expect("evidence failure lock").take() {
            return Err(e);
        }
        let SpillState { mut held, mut files, .. } = self.state.into_inner().expect("evidence spill lock");
        for (date, w) in files.iter_mut() {
            let path = self.dir.join(format!("{}.jsonl", date.format("%Y-%m-%d")));
            w.flush().map_err(io_err("writing", &path))?;
        }
        let spilled: BTreeSet<NaiveDate> = files.keys().chain(held.keys()).copied().collect();
        let on_disk: BTreeSet<NaiveDate> = files.keys().copied().collect();
        drop(files);
        let mut written = Vec::new();
        let mut summaries = Vec::new();
        let all: Vec<NaiveDate> = dates.iter().chain(spilled.difference(dates)).copied().collect();
        // Reading, sorting and encoding a day is independent of the others: a window of days as wide as the
        // thread pool is prepared at once (memory: that many days, not the night), then written in order.
        let window = rayon::current_num_threads().max(1);
        for days in all.chunks(window) {
            let days: Vec<(NaiveDate, Vec<EvidenceRow>)> = days.iter().map(|d| (*d, held.remove(d).unwrap_or_default())).collect();
            let encoded: Vec<(NaiveDate, u64, Option<RecordBatch>, Option<Vec<u8>>, T)> = days
                .into_par_iter()
                .map(|(date, in_memory)| {
                    let mut rows = if on_disk.contains(&date) { read_spill(&self.dir.join(format!("{}.jsonl", date.format("%Y-%m-%d"))))? } else { Vec::new() };
                    rows.extend(in_memory);
                    sort_rows(&mut rows);
                    let parquet = matches!(format, EvidenceFormat::Parquet | EvidenceFormat::Both).then(|| batch(&rows));
                    let jsonl = matches!(format, EvidenceFormat::Jsonl | EvidenceFormat::Both).then(|| super::jsonl_bytes(&rows));
                    Ok((date, rows.len() as u64, parquet, jsonl, summarise(&rows)))
                })
                .collect::<Result<_, SinkError>>()?;
            for (date, n, parquet, jsonl, summary) in encoded {
                summaries.push((date, summary));
                if let Some(b) = parquet {
                    let rel = super::timeseries::partition_path("evidence", date);
                    parquet::write_batch(&staging.path(&rel)?, &b)?;
                    written.push((rel, n));
                }
                if let Some(bytes) = jsonl {
                    let rel = super::timeseries::partition_path("evidence", date).with_extension("jsonl");
                    staging.write(&rel, &bytes)?;
                    written.push((rel, n));
                }
            }
        }
        Ok((written, summaries))
    }
}

fn read_spill(path: &Path) -> Result<Vec<EvidenceRow>, SinkError> {
    let f = File::open(path).map_err(io_err("opening", path))?;
    let mut rows = Vec::new();
    for line in BufReader::new(f).lines() {
        let line = line.map_err(io_err("reading", path))?;
        rows.push(serde_json::from_str(&line).map_err(|source| SinkError::Json { path: path.to_path_buf(), source })?);
    }
    Ok(rows)
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
    fn spilled_days_are_sorted_and_every_run_day_gets_a_partition() {
        let one_row = approx_bytes(&row("z1", "2026-10-10T10:00:00Z", None));
        // All on disk; the first two on disk and the last held; all held.
        for budget in [0, one_row * 3 / 2, HELD_BYTES] {
            let dir = tempfile::tempdir().expect("tmp");
            let mut staging = Staging::new(dir.path()).expect("staging");
            let spill = EvidenceSpill::with_budget(dir.path().join("scratch"), budget).expect("spill");
            spill.spill(vec![row("z2", "2026-10-10T10:00:00Z", None), row("z1", "2026-10-10T10:00:00Z", None)]);
            let dates: BTreeSet<NaiveDate> = ["2026-10-10", "2026-10-11"].iter().map(|d| d.parse().expect("date")).collect();
            let (written, sizes) = spill.finish(vec![row("a", "2026-10-10T07:00:00Z", None)], &dates, EvidenceFormat::Both, &mut staging, <[_]>::len).expect("finish");
            assert_eq!(sizes.iter().map(|(d, n)| (d.to_string(), *n)).collect::<Vec<_>>(), vec![("2026-10-10".to_string(), 3), ("2026-10-11".to_string(), 0)]);
            let counts: Vec<u64> = written.iter().map(|(_, n)| *n).collect();
            assert_eq!(counts, vec![3, 3, 0, 0], "budget {budget}");
            let jsonl = std::fs::read_to_string(dir.path().join(".staging-".to_string() + &std::process::id().to_string()).join(&written[1].0)).expect("jsonl");
            let ids: Vec<String> = jsonl.lines().map(|l| serde_json::from_str::<EvidenceRow>(l).expect("row").doc_id).collect();
            assert_eq!(ids, vec!["a", "z1", "z2"], "budget {budget}");
            let scratch_files = std::fs::read_dir(dir.path().join("scratch")).expect("scratch").count();
            assert_eq!(scratch_files, usize::from(budget < HELD_BYTES), "budget {budget}");
        }
    }
}
