//! Parquet input from a data team: columns read by name with the arrow
//! reader, one record per row, batch by batch so memory stays bounded by the
//! batch size. Only the mapped columns are decoded.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use serde_json::{Map, Value};

use super::records::{reject, Record};
use super::{Reject, SourcePlan};
use crate::config::Limits;

/// Rows per decoded batch.
const BATCH_ROWS: usize = 2048;

fn supported(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Boolean => true,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => true,
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => true,
        DataType::Float32 | DataType::Float64 | DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) => true,
        DataType::List(f) | DataType::LargeList(f) => matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8),
        _ => false,
    }
}

/// Batches of a Parquet file, each as its records and its rejects.
pub type RecordBatches = Box<dyn Iterator<Item = (Vec<Record>, Vec<Reject>)> + Send>;

/// Opens a Parquet file; a file that is not Parquet or lacks the mapped text or timestamp column fails whole.
pub fn open(path: &Path, plan: &SourcePlan, file: &str, limits: &Limits) -> Result<RecordBatches, String> {
    let f = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let schema = builder.schema().clone();
    let roots = mapped_roots(&schema, plan, "Parquet file")?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder.with_projection(mask).with_batch_size(BATCH_ROWS).build().map_err(|e| format!("cannot read Parquet: {e}"))?;
    let plan = plan.clone();
    let file: Arc<str> = Arc::from(file);
    let max = limits.max_record_bytes;
    let mut next_row: u64 = 1;
    let mut failed = false;
    Ok(Box::new(reader.map_while(move |batch| {
        if failed {
            return None;
        }
        Some(match batch {
            Ok(b) => {
                let first = next_row;
                next_row += b.num_rows() as u64;
                batch_records(&b, first, &plan, &file, max)
            }
            Err(e) => {
                // A corrupt page ends the file: the rows after it cannot be located.
                failed = true;
                let reason = format!("input truncated or corrupt at this row ({e}); the rest of the file is unreadable");
                (Vec::new(), vec![reject(&plan, &file, next_row, reason, "")])
            }
        })
    })))
}

/// The columns a source maps (by position), checked: the text and timestamp columns must exist and every mapped column have a type that maps.
fn mapped_roots(schema: &arrow_schema::Schema, plan: &SourcePlan, what: &str) -> Result<Vec<usize>, String> {
    // A dotted path reads a column of that whole name first (as records do), else the column of its first part.
    let paths = plan.fields.all_paths();
    let mut wanted: Vec<&str> = paths.iter().map(|p| p.split('.').next().unwrap_or(p)).chain(paths.iter().copied()).collect();
    wanted.sort();
    wanted.dedup();
    let mut required: Vec<&str> = plan.fields.text.iter().map(String::as_str).collect();
    required.push(&plan.fields.timestamp);
    let missing: Vec<&str> = required.into_iter().filter(|c| schema.field_with_name(c).is_err()).collect();
    if !missing.is_empty() {
        let have: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        return Err(format!("{what} lacks mapped column(s) `{}` (has: {})", missing.join("`, `"), have.join(", ")));
    }
    let mut roots = Vec::new();
    for (i, field) in schema.fields().iter().enumerate() {
        if wanted.contains(&field.name().as_str()) {
            if !supported(field.data_type()) {
                return Err(format!(
                    "column `{}` has type {} which cannot be mapped (use strings, numbers, timestamps or dates)",
                    field.name(),
                    field.data_type()
                ));
            }
            roots.push(i);
        }
    }
    Ok(roots)
}

/// The records of an Arrow batch handed in by the batch API, read exactly as a Parquet file's batch
/// (only the mapped columns; rows numbered from `first_row`).
pub fn arrow_records(b: &RecordBatch, first_row: u64, plan: &SourcePlan, file: &str, max: usize) -> Result<(Vec<Record>, Vec<Reject>), String> {
    let roots = mapped_roots(&b.schema(), plan, "record batch")?;
    let projected = b.project(&roots).map_err(|e| format!("cannot select the mapped columns: {e}"))?;
    Ok(batch_records(&projected, first_row, plan, file, max))
}

fn batch_records(b: &RecordBatch, first_row: u64, plan: &SourcePlan, file: &str, max: usize) -> (Vec<Record>, Vec<Reject>) {
    let schema = b.schema();
    let mut records = Vec::with_capacity(b.num_rows());
    let mut rejects = Vec::new();
    for row in 0..b.num_rows() {
        let mut m = Map::new();
        let mut size = 0usize;
        for (i, field) in schema.fields().iter().enumerate() {
            let v = cell(b.column(i), row);
            if let Value::String(s) = &v {
                size += s.len();
            }
            m.insert(field.name().clone(), v);
        }
        let line = first_row + row as u64;
        let value = Value::Object(m);
        if size > max {
            rejects.push(reject(plan, file, line, format!("record larger than {max} bytes (limits.max_record_bytes)"), &value.to_string()));
            continue;
        }
        records.push(Record::new(line, value));
    }
    (records, rejects)
}

/// One cell as JSON: strings and numbers as they are, timestamps as RFC 3339 (UTC) or local `YYYY-MM-DD HH:MM:SS` (no zone).
fn cell(a: &ArrayRef, i: usize) -> Value {
    if a.is_null(i) {
        return Value::Null;
    }
    match a.data_type() {
        DataType::Utf8 => Value::String(a.as_string::<i32>().value(i).to_string()),
        DataType::LargeUtf8 => Value::String(a.as_string::<i64>().value(i).to_string()),
        DataType::Utf8View => Value::String(a.as_string_view().value(i).to_string()),
        DataType::Boolean => Value::Bool(a.as_boolean().value(i)),
        DataType::Int8 => a.as_primitive::<Int8Type>().value(i).into(),
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i).into(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).into(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i).into(),
        DataType::UInt8 => a.as_primitive::<UInt8Type>().value(i).into(),
        DataType::UInt16 => a.as_primitive::<UInt16Type>().value(i).into(),
        DataType::UInt32 => a.as_primitive::<UInt32Type>().value(i).into(),
        DataType::UInt64 => a.as_primitive::<UInt64Type>().value(i).into(),
        DataType::Float32 => serde_json::Number::from_f64(a.as_primitive::<Float32Type>().value(i) as f64).map_or(Value::Null, Value::Number),
        DataType::Float64 => serde_json::Number::from_f64(a.as_primitive::<Float64Type>().value(i)).map_or(Value::Null, Value::Number),
        DataType::Date32 => {
            let days = a.as_primitive::<Date32Type>().value(i);
            chrono::NaiveDate::from_num_days_from_ce_opt(days + 719_163).map_or(Value::Null, |d| Value::String(d.format("%Y-%m-%d").to_string()))
        }
        DataType::Date64 => timestamp_value(a.as_primitive::<Date64Type>().value(i), &TimeUnit::Millisecond, true),
        DataType::Timestamp(unit, tz) => {
            let v = match unit {
                TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(i),
                TimeUnit::Millisecond => a.as_primitive::<TimestampMillisecondType>().value(i),
                TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(i),
                TimeUnit::Nanosecond => a.as_primitive::<TimestampNanosecondType>().value(i),
            };
            timestamp_value(v, unit, tz.is_some())
        }
        DataType::List(_) => list_value(a.as_list::<i32>().value(i)),
        DataType::LargeList(_) => list_value(a.as_list::<i64>().value(i)),
        _ => Value::Null,
    }
}

fn list_value(a: ArrayRef) -> Value {
    Value::Array((0..a.len()).map(|j| cell(&a, j)).collect())
}

fn timestamp_value(v: i64, unit: &TimeUnit, utc: bool) -> Value {
    let nanos: i128 = match unit {
        TimeUnit::Second => v as i128 * 1_000_000_000,
        TimeUnit::Millisecond => v as i128 * 1_000_000,
        TimeUnit::Microsecond => v as i128 * 1_000,
        TimeUnit::Nanosecond => v as i128,
    };
    let secs = nanos.div_euclid(1_000_000_000) as i64;
    let sub = nanos.rem_euclid(1_000_000_000) as u32;
    match chrono::DateTime::<chrono::Utc>::from_timestamp(secs, sub) {
        // A zoned timestamp is an instant; a zone-less one is wall-clock time, read in the pipeline's zone.
        Some(t) if utc => Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        Some(t) => Value::String(t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string()),
        None => Value::Null,
    }
}
