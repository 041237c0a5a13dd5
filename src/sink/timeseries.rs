//! The time series: one Hive partition per day, long format, typed columns.
//!
//! `timeseries/date=YYYY-MM-DD/part-0.parquet`, columns (the date is the
//! partition key, not a column of the file): region, lang, source, category,
//! target (Utf8); docs, docs_flagged, docs_reported, matches, hostile,
//! reported, discounted, authors, sources, reach, authors_seen, sources_seen,
//! reach_seen, copies, copies_flagged (Int64). See docs/SCHEMA.md.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use chrono::NaiveDate;

use crate::aggregate::SeriesRow;

/// The file schema of a time series partition.
pub fn schema() -> Arc<Schema> {
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    let i = |n: &str| Field::new(n, DataType::Int64, false);
    Arc::new(Schema::new(vec![
        s("region"),
        s("lang"),
        s("source"),
        s("category"),
        s("target"),
        i("docs"),
        i("docs_flagged"),
        i("docs_reported"),
        i("matches"),
        i("hostile"),
        i("reported"),
        i("discounted"),
        i("authors"),
        i("sources"),
        i("reach"),
        i("authors_seen"),
        i("sources_seen"),
        i("reach_seen"),
        i("copies"),
        i("copies_flagged"),
    ]))
}

/// The relative path of a day's partition file.
pub fn partition_path(dataset: &str, date: NaiveDate) -> PathBuf {
    PathBuf::from(dataset).join(format!("date={}", date.format("%Y-%m-%d"))).join("part-0.parquet")
}

/// Rows grouped by day, as record batches.
pub fn batches_by_day(rows: &[SeriesRow]) -> BTreeMap<NaiveDate, RecordBatch> {
    let mut by_day: BTreeMap<NaiveDate, Vec<&SeriesRow>> = BTreeMap::new();
    for r in rows {
        by_day.entry(r.date).or_default().push(r);
    }
    by_day.into_iter().map(|(d, rows)| (d, batch(&rows))).collect()
}

/// The rows of one partition file as a batch ([`schema`]).
pub fn batch(rows: &[&SeriesRow]) -> RecordBatch {
    let s = |f: fn(&SeriesRow) -> &str| Arc::new(StringArray::from_iter_values(rows.iter().map(|r| f(r)))) as ArrayRef;
    let i = |f: fn(&SeriesRow) -> i64| Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| f(r)))) as ArrayRef;
    let columns: Vec<ArrayRef> = vec![
        s(|r| &r.region),
        s(|r| &r.lang),
        s(|r| &r.source),
        s(|r| &r.category),
        s(|r| &r.target),
        i(|r| r.docs),
        i(|r| r.docs_flagged),
        i(|r| r.docs_reported),
        i(|r| r.matches),
        i(|r| r.hostile),
        i(|r| r.reported),
        i(|r| r.discounted),
        i(|r| r.authors),
        i(|r| r.sources),
        i(|r| r.reach),
        i(|r| r.authors_seen),
        i(|r| r.sources_seen),
        i(|r| r.reach_seen),
        i(|r| r.copies),
        i(|r| r.copies_flagged),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns match the schema")
}
