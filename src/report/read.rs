//! Reading what a run left in its output directory: the manifest, the
//! indicator partitions, the rejects, and the documents per source.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::indicators::{IndicatorRow, Level};

use super::{RejectReason, ReportError};

/// Record counts of one source, as in the manifest.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Counts {
    /// Records read.
    pub read: u64,
    /// Became documents.
    pub accepted: u64,
    /// Rejected.
    pub rejected: u64,
}

/// An input file, as in the manifest.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Input {
    /// Source name.
    pub source: String,
    /// Path.
    pub path: String,
    /// Size.
    pub bytes: u64,
    /// SHA-256.
    pub sha256: String,
}

/// A lexicon, as in the manifest.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Lexicon {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Entries.
    pub entries: usize,
}

/// The parts of `manifest.json` the report shows. Every field has a default,
/// so manifests of older or newer versions still read.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ManifestView {
    /// tocsin version.
    pub tocsin_version: String,
    /// Run id.
    pub run_id: String,
    /// Pipeline name.
    pub pipeline: String,
    /// Time zone of day boundaries.
    pub timezone: String,
    /// Input files.
    pub inputs: Vec<Input>,
    /// Lexicons.
    pub lexicons: Vec<Lexicon>,
    /// Counts per source.
    pub sources: BTreeMap<String, Counts>,
    /// Totals.
    pub totals: Counts,
    /// Days the run wrote.
    pub dates: Vec<String>,
    /// How documents were placed in regions (absent before region assignment existed).
    pub regions: Option<RegionsView>,
    /// Per language, how documents got it (`given`, `detected`, …, and figures such as `mean_confidence`).
    pub languages: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
}

/// The manifest's `regions` block: documents per assignment method.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct RegionsView {
    /// Documents per method (`field`, `source_table`, `location`, `text`, `ambiguous`, `unknown`).
    pub placed_by: BTreeMap<String, serde_json::Value>,
    /// The methods in the order the pipeline tries them.
    pub order: Vec<String>,
}

fn read_err(path: &Path, message: impl Into<String>) -> ReportError {
    ReportError::Read { path: path.to_path_buf(), message: message.into() }
}

/// `STORE/manifest.json`, or `None` when there is none.
pub fn manifest(store: &Path) -> Result<Option<ManifestView>, ReportError> {
    let path = store.join("manifest.json");
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_err(&path, e.to_string())),
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| read_err(&path, format!("not a tocsin manifest: {e}")))
}

/// The `date=YYYY-MM-DD` partitions of a dataset folder, by date.
pub fn partitions(dir: &Path) -> Result<Vec<(NaiveDate, PathBuf)>, ReportError> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| read_err(dir, format!("cannot list: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| read_err(dir, e.to_string()))?;
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(value) = name.strip_prefix("date=") else {
            continue;
        };
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| read_err(&path, format!("partition `{name}` is not date=YYYY-MM-DD")))?;
        out.push((date, path));
    }
    out.sort();
    Ok(out)
}

/// The Parquet files of a partition, sorted.
pub fn parquet_files(partition: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(partition)
        .map_err(|e| read_err(partition, format!("cannot list: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    files.sort();
    Ok(files)
}

/// Every batch of a Parquet file, errors naming it.
pub fn batches(file: &Path) -> Result<Vec<RecordBatch>, ReportError> {
    crate::sink::parquet::read_batches(file).map_err(|e| read_err(file, e.to_string()))
}

/// A column of a batch, or an error naming the file and the column.
pub fn column<'a>(b: &'a RecordBatch, name: &str, file: &Path) -> Result<&'a dyn Array, ReportError> {
    b.column_by_name(name).map(|c| c.as_ref()).ok_or_else(|| read_err(file, format!("no column `{name}`")))
}

fn wrong_type(file: &Path, name: &str, col: &dyn Array, want: &str) -> ReportError {
    read_err(file, format!("column `{name}` is {}, expected {want}", col.data_type()))
}

/// Every indicator row of `STORE/indicators/date=*/` (docs/INDICATORS.md), by date.
pub fn indicator_rows(store: &Path) -> Result<Vec<IndicatorRow>, ReportError> {
    let mut rows = Vec::new();
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    for (_, dir) in partitions(&store.join(crate::indicators::output::DATASET))? {
        for file in parquet_files(&dir)? {
            for b in batches(&file)? {
                let f = &file;
                let s = |name: &str| -> Result<_, ReportError> {
                    let c = column(&b, name, f)?;
                    c.as_string_opt::<i32>().ok_or_else(|| wrong_type(f, name, c, "Utf8"))
                };
                let fl = |name: &str| -> Result<_, ReportError> {
                    let c = column(&b, name, f)?;
                    c.as_primitive_opt::<Float64Type>().ok_or_else(|| wrong_type(f, name, c, "Float64"))
                };
                let int = |name: &str| -> Result<_, ReportError> {
                    let c = column(&b, name, f)?;
                    c.as_primitive_opt::<Int64Type>().ok_or_else(|| wrong_type(f, name, c, "Int64"))
                };
                let date = column(&b, "date", f)?;
                let date = date.as_primitive_opt::<Date32Type>().ok_or_else(|| wrong_type(f, "date", date, "Date32"))?;
                let (region, indicator, target, unit, level, reason, framework) =
                    (s("region")?, s("indicator")?, s("target")?, s("unit")?, s("level")?, s("reason")?, s("framework_indicators")?);
                let (value, baseline, mad, mean, ratio, deviation, value_week, deviation_week) = (
                    fl("value")?,
                    fl("baseline")?,
                    fl("baseline_mad")?,
                    fl("baseline_mean")?,
                    fl("ratio")?,
                    fl("deviation")?,
                    fl("value_week")?,
                    fl("deviation_week")?,
                );
                let (count, docs, baseline_days, count_week) = (int("count")?, int("docs")?, int("baseline_days")?, int("count_week")?);
                let opt = |a: &arrow_array::Float64Array, i: usize| (!a.is_null(i)).then(|| a.value(i));
                for i in 0..b.num_rows() {
                    let level = match level.value(i) {
                        "high" => Level::High,
                        "elevated" => Level::Elevated,
                        "normal" => Level::Normal,
                        "insufficient_data" => Level::InsufficientData,
                        other => return Err(read_err(f, format!("row {}: unknown level `{other}`", i + 1))),
                    };
                    rows.push(IndicatorRow {
                        date: epoch + chrono::Duration::days(date.value(i) as i64),
                        region: region.value(i).to_string(),
                        indicator: indicator.value(i).to_string(),
                        target: target.value(i).to_string(),
                        unit: unit.value(i).to_string(),
                        value: opt(value, i),
                        count: count.value(i),
                        docs: docs.value(i),
                        baseline: opt(baseline, i),
                        baseline_mad: opt(mad, i),
                        baseline_mean: opt(mean, i),
                        baseline_days: baseline_days.value(i),
                        ratio: opt(ratio, i),
                        deviation: opt(deviation, i),
                        count_week: (!count_week.is_null(i)).then(|| count_week.value(i)),
                        value_week: opt(value_week, i),
                        deviation_week: opt(deviation_week, i),
                        level,
                        reason: reason.value(i).to_string(),
                        framework_indicators: framework.value(i).to_string(),
                    });
                }
            }
        }
    }
    Ok(rows)
}

/// A reason with its quoted values and numbers generalised, so that
/// "row has 8 fields" and "row has 10 fields" count together.
pub fn generalise_reason(reason: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    // In a run of digits that is a value (replaced by one `N`), or one that belongs to a name (`UTF-8`, `H264`: kept).
    let (mut value, mut name) = (false, false);
    let mut prev = ' ';
    for c in reason.chars() {
        let before = std::mem::replace(&mut prev, c);
        if c == '`' {
            if !quoted {
                out.push_str("`…`");
            }
            quoted = !quoted;
            continue;
        }
        if quoted {
            continue;
        }
        if c.is_ascii_digit() {
            if !value && !name {
                name = before.is_ascii_alphabetic() || before == '-';
                value = !name;
                if value {
                    out.push('N');
                }
            }
            if name {
                out.push(c);
            }
            continue;
        }
        (value, name) = (false, false);
        out.push(c);
    }
    out
}

#[derive(Deserialize)]
struct RejectLine {
    #[serde(default)]
    source: String,
    #[serde(default)]
    file: String,
    #[serde(default)]
    line: Option<u64>,
    #[serde(default)]
    reason: String,
}

/// The run's rejects (`rejects/<run_id>.jsonl`) counted by source and reason;
/// `None` when the file is absent. Excerpts are not read: they are raw text.
pub fn reject_reasons(store: &Path, run_id: &str) -> Result<Option<Vec<RejectReason>>, ReportError> {
    let path = store.join("rejects").join(format!("{run_id}.jsonl"));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_err(&path, e.to_string())),
    };
    let mut counts: BTreeMap<(String, String), (usize, String)> = BTreeMap::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let r: RejectLine = serde_json::from_str(line).map_err(|e| read_err(&path, format!("line {}: {e}", i + 1)))?;
        let place = match r.line {
            Some(n) => format!("{}:{n}", r.file),
            None => r.file.clone(),
        };
        let e = counts.entry((r.source, generalise_reason(&r.reason))).or_insert((0, place));
        e.0 += 1;
    }
    let mut out: Vec<RejectReason> = counts.into_iter().map(|((source, reason), (count, example))| RejectReason { source, reason, count, example }).collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.source.cmp(&b.source)).then(a.reason.cmp(&b.reason)));
    Ok(Some(out))
}

/// Documents per day per source, from the `all` rows of the time series files
/// (as listed by the store reader). Empty when the store does not keep the
/// source (every `source` is `*`).
pub fn source_volume(files: &[PathBuf]) -> Result<BTreeMap<String, BTreeMap<NaiveDate, i64>>, ReportError> {
    let mut out: BTreeMap<String, BTreeMap<NaiveDate, i64>> = BTreeMap::new();
    for file in files {
        let date = file
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("date="))
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(|| read_err(file, "not inside a date=YYYY-MM-DD partition"))?;
        for b in batches(file)? {
            let get = |name: &str| -> Result<_, ReportError> {
                let c = column(&b, name, file)?;
                c.as_string_opt::<i32>().ok_or_else(|| wrong_type(file, name, c, "Utf8"))
            };
            let (source, category) = (get("source")?, get("category")?);
            let docs = column(&b, "docs", file)?;
            let docs = docs.as_primitive_opt::<Int64Type>().ok_or_else(|| wrong_type(file, "docs", docs, "Int64"))?;
            for i in 0..b.num_rows() {
                if category.value(i) == crate::aggregate::ALL_CATEGORIES {
                    *out.entry(source.value(i).to_string()).or_default().entry(date).or_default() += docs.value(i);
                }
            }
        }
    }
    if out.keys().all(|s| s == crate::aggregate::ANY) {
        out.clear();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_generalised_so_that_alike_ones_count_together() {
        assert_eq!(generalise_reason("row has 8 fields, the header has 9"), "row has N fields, the header has N");
        assert_eq!(generalise_reason("unparseable timestamp `2026-09-31 07:45:00`"), "unparseable timestamp `…`");
        assert_eq!(generalise_reason("field `text` is missing"), "field `…` is missing");
        assert_eq!(generalise_reason("invalid UTF-8 at byte 369"), "invalid UTF-8 at byte N");
        assert_eq!(generalise_reason("H264 frame 12, line 3"), "H264 frame N, line N");
    }

    #[test]
    fn an_older_manifest_without_some_fields_still_reads() {
        let m: ManifestView = serde_json::from_str(r#"{"run_id":"abc","sources":{"s":{"read":3,"accepted":2,"rejected":1}},"extra":1}"#).unwrap();
        assert_eq!(m.run_id, "abc");
        assert_eq!(m.sources["s"], Counts { read: 3, accepted: 2, rejected: 1 });
        assert!(m.inputs.is_empty());
        // Blocks added by later versions read whatever their numbers are.
        let m: ManifestView =
            serde_json::from_str(r#"{"languages":{"en":{"given":1,"mean_confidence":0.93}},"regions":{"placed_by":{"field":3},"new":true}}"#).unwrap();
        assert_eq!(m.languages["en"]["mean_confidence"], 0.93);
        assert_eq!(m.regions.unwrap().placed_by["field"], 3);
    }
}
