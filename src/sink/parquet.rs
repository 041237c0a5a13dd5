//! Writing Arrow record batches as Parquet files, and reading them back.

use std::path::Path;
use std::sync::Arc;

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::SinkError;

/// Writes one batch to a Parquet file (Snappy), fully synced.
pub fn write_batch(path: &Path, batch: &RecordBatch) -> Result<(), SinkError> {
    let perr = |e: parquet::errors::ParquetError| SinkError::Parquet { path: path.to_path_buf(), message: e.to_string() };
    let file = std::fs::File::create(path).map_err(super::io_err("creating", path))?;
    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(perr)?;
    writer.write(batch).map_err(perr)?;
    let file = writer.into_inner().map_err(perr)?;
    file.sync_all().map_err(super::io_err("syncing", path))?;
    Ok(())
}

/// Reads every batch of a Parquet file.
pub fn read_batches(path: &Path) -> Result<Vec<RecordBatch>, SinkError> {
    let perr = |e: String| SinkError::Parquet { path: path.to_path_buf(), message: e };
    let file = std::fs::File::open(path).map_err(super::io_err("opening", path))?;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| perr(e.to_string()))?
        .build()
        .map_err(|e| perr(e.to_string()))?;
    reader.map(|b| b.map_err(|e| perr(e.to_string()))).collect()
}

/// A schema reference, for building batches.
pub type SchemaRef = Arc<arrow_schema::Schema>;
