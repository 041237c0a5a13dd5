//! Writing indicators: one Parquet partition per date, plus the latest levels
//! as CSV (spreadsheets) and JSON (for a risk tool to poll).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::sink::{io_err, parquet, timeseries, SinkError, Staging};

use super::{latest, IndicatorError, IndicatorOptions, IndicatorRow, IndicatorSummary, Level, Mapping};

/// The dataset folder of indicator partitions inside the store.
pub const DATASET: &str = "indicators";
/// The latest levels as CSV.
pub const LATEST_CSV: &str = "indicators_latest.csv";
/// The latest levels as JSON.
pub const LATEST_JSON: &str = "indicators_latest.json";
/// Version of the JSON document's shape.
pub const JSON_SCHEMA: &str = "tocsin.indicators_latest.v1";

/// The file schema of an indicator partition (docs/INDICATORS.md).
pub fn schema() -> Arc<Schema> {
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    let f = |n: &str| Field::new(n, DataType::Float64, true);
    let i = |n: &str, null: bool| Field::new(n, DataType::Int64, null);
    Arc::new(Schema::new(vec![
        Field::new("date", DataType::Date32, false),
        s("region"),
        s("indicator"),
        s("target"),
        s("unit"),
        f("value"),
        i("count", false),
        i("docs", false),
        f("baseline"),
        f("baseline_mad"),
        f("baseline_mean"),
        i("baseline_days", false),
        f("ratio"),
        f("deviation"),
        i("count_week", true),
        f("value_week"),
        f("deviation_week"),
        s("level"),
        s("reason"),
        s("framework_indicators"),
    ]))
}

/// Rows of one date as a record batch.
pub fn batch(rows: &[&IndicatorRow]) -> RecordBatch {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    let s = |f: fn(&IndicatorRow) -> &str| Arc::new(StringArray::from_iter_values(rows.iter().map(|r| f(r)))) as ArrayRef;
    let f = |f: fn(&IndicatorRow) -> Option<f64>| Arc::new(Float64Array::from_iter(rows.iter().map(|r| f(r)))) as ArrayRef;
    let i = |f: fn(&IndicatorRow) -> i64| Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| f(r)))) as ArrayRef;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.date.num_days_from_ce() - epoch.num_days_from_ce()))),
        s(|r| &r.region),
        s(|r| &r.indicator),
        s(|r| &r.target),
        s(|r| &r.unit),
        f(|r| r.value),
        i(|r| r.count),
        i(|r| r.docs),
        f(|r| r.baseline),
        f(|r| r.baseline_mad),
        f(|r| r.baseline_mean),
        i(|r| r.baseline_days),
        f(|r| r.ratio),
        f(|r| r.deviation),
        Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.count_week))),
        f(|r| r.value_week),
        f(|r| r.deviation_week),
        s(|r| r.level.as_str()),
        s(|r| &r.reason),
        s(|r| &r.framework_indicators),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns match the schema")
}

/// The CSV of rows, same columns as the Parquet (date as YYYY-MM-DD, empty for null).
pub fn csv_bytes(rows: &[IndicatorRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let names: Vec<String> = schema().fields().iter().map(|f| f.name().clone()).collect();
    w.write_record(&names).expect("in memory");
    let opt = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    for r in rows {
        w.write_record([
            r.date.format("%Y-%m-%d").to_string(),
            r.region.clone(),
            r.indicator.clone(),
            r.target.clone(),
            r.unit.clone(),
            opt(r.value),
            r.count.to_string(),
            r.docs.to_string(),
            opt(r.baseline),
            opt(r.baseline_mad),
            opt(r.baseline_mean),
            r.baseline_days.to_string(),
            opt(r.ratio),
            opt(r.deviation),
            r.count_week.map(|d| d.to_string()).unwrap_or_default(),
            opt(r.value_week),
            opt(r.deviation_week),
            r.level.as_str().to_string(),
            r.reason.clone(),
            r.framework_indicators.clone(),
        ])
        .expect("in memory");
    }
    w.into_inner().expect("in memory")
}

/// One region's latest state in the JSON.
#[derive(Debug, Serialize)]
struct RegionLatest<'a> {
    region: &'a str,
    #[serde(serialize_with = "super::ser_date")]
    date: NaiveDate,
    /// The highest level of the region's indicators on its latest date.
    level: Level,
    high: Vec<String>,
    elevated: Vec<String>,
}

#[derive(Debug, Serialize)]
struct JsonRow<'a> {
    #[serde(flatten)]
    row: &'a IndicatorRow,
    framework: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
struct LatestJson<'a> {
    schema: &'static str,
    tocsin_version: &'static str,
    latest_date: Option<String>,
    mapping: &'a str,
    method: Method,
    regions: Vec<RegionLatest<'a>>,
    indicators: Vec<JsonRow<'a>>,
}

#[derive(Debug, Serialize)]
struct Method {
    window_days: i64,
    lookback_days: i64,
    week_days: i64,
    min_history_days: usize,
    min_docs: i64,
    z_elevated: f64,
    z_high: f64,
    ratio_elevated: f64,
    ratio_high: f64,
    persistence_days: i64,
}

/// The JSON of the latest rows (deterministic: no clock; the file's mtime says when).
pub fn json_bytes(latest: &[IndicatorRow], mapping: &Mapping, o: &IndicatorOptions) -> Result<Vec<u8>, serde_json::Error> {
    let mut regions: BTreeMap<&str, RegionLatest> = BTreeMap::new();
    for r in latest {
        let e = regions.entry(&r.region).or_insert(RegionLatest {
            region: &r.region,
            date: r.date,
            level: Level::InsufficientData,
            high: Vec::new(),
            elevated: Vec::new(),
        });
        e.date = e.date.max(r.date);
    }
    for r in latest {
        let e = regions.get_mut(r.region.as_str()).expect("inserted");
        if r.date != e.date {
            continue; // stale rows of a target not seen lately do not set today's level
        }
        e.level = e.level.max(r.level);
        let name = if r.target == crate::aggregate::ANY { r.indicator.clone() } else { format!("{}:{}", r.indicator, r.target) };
        match r.level {
            Level::High => e.high.push(name),
            Level::Elevated => e.elevated.push(name),
            _ => {}
        }
    }
    let doc = LatestJson {
        schema: JSON_SCHEMA,
        tocsin_version: env!("CARGO_PKG_VERSION"),
        latest_date: latest.iter().map(|r| r.date).max().map(|d| d.to_string()),
        mapping: &mapping.source,
        method: Method {
            window_days: o.window_days,
            lookback_days: o.lookback_days,
            week_days: o.week_days,
            min_history_days: o.min_history_days,
            min_docs: o.min_docs,
            z_elevated: o.z_elevated,
            z_high: o.z_high,
            ratio_elevated: o.ratio_elevated,
            ratio_high: o.ratio_high,
            persistence_days: o.persistence_days,
        },
        regions: regions.into_values().collect(),
        indicators: latest.iter().map(|row| JsonRow { row, framework: row.framework_indicators.split(';').filter(|s| !s.is_empty()).collect() }).collect(),
    };
    let mut out = serde_json::to_vec_pretty(&doc)?;
    out.push(b'\n');
    Ok(out)
}

/// Writes every partition and the latest files through a staging folder, then
/// removes partitions of dates no longer in the store.
pub fn write(store: &Path, rows: &[IndicatorRow], mapping: &Mapping, o: &IndicatorOptions, regions: usize) -> Result<IndicatorSummary, IndicatorError> {
    let mut by_date: BTreeMap<NaiveDate, Vec<&IndicatorRow>> = BTreeMap::new();
    for r in rows {
        by_date.entry(r.date).or_default().push(r);
    }
    let latest_rows = latest(rows);
    let mut staging = Staging::new(store)?;
    let staged = (|| -> Result<(), SinkError> {
        for (date, rows) in &by_date {
            let rel = timeseries::partition_path(DATASET, *date);
            let path = staging.path(&rel)?;
            parquet::write_batch(&path, &batch(rows))?;
        }
        staging.write(Path::new(LATEST_CSV), &csv_bytes(&latest_rows))?;
        let json = json_bytes(&latest_rows, mapping, o).map_err(|source| SinkError::Json { path: store.join(LATEST_JSON), source })?;
        staging.write(Path::new(LATEST_JSON), &json)?;
        Ok(())
    })();
    if let Err(e) = staged {
        staging.abandon();
        return Err(e.into());
    }
    // The JSON last: a poller that sees it new finds the partitions already in place.
    let files = staging.commit(Some(Path::new(LATEST_JSON)))?;
    let removed = remove_stale(store, &by_date)?;
    Ok(IndicatorSummary {
        rows: rows.len(),
        regions,
        dates: by_date.keys().next().copied().zip(by_date.keys().next_back().copied()),
        latest: latest_rows,
        files,
        removed,
        mapping: mapping.source.clone(),
    })
}

/// Removes `indicators/date=…` partitions whose date has no indicators any more
/// (its time series partition was removed), so the dataset mirrors the store.
fn remove_stale(store: &Path, written: &BTreeMap<NaiveDate, Vec<&IndicatorRow>>) -> Result<Vec<PathBuf>, SinkError> {
    let dir = store.join(DATASET);
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(removed);
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(value) = name.strip_prefix("date=") else {
            continue;
        };
        let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") else {
            continue;
        };
        if !written.contains_key(&date) && entry.path().is_dir() {
            let path = entry.path();
            std::fs::remove_dir_all(&path).map_err(io_err("removing stale partition", &path))?;
            removed.push(PathBuf::from(DATASET).join(name));
        }
    }
    removed.sort();
    Ok(removed)
}
