//! Writing Arrow record batches as Parquet files, and reading them back.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use super::SinkError;

/// Writes one batch to a Parquet file (Snappy), fully synced.
pub fn write_batch(path: &Path, batch: &RecordBatch) -> Result<(), SinkError> {
    let mut w = BatchWriter::create(path, batch.schema())?;
    w.write(batch)?;
    w.finish()
}

/// Rows of a row group: the writer holds one row group's columns in memory before it writes them.
const ROW_GROUP_ROWS: usize = 65_536;

/// A Parquet file (Snappy) written batch by batch, synced to disk when finished; memory follows a row group
/// ([`ROW_GROUP_ROWS`]), not the file.
pub struct BatchWriter {
    path: PathBuf,
    writer: ArrowWriter<std::fs::File>,
}

impl BatchWriter {
    /// Creates the file.
    pub fn create(path: &Path, schema: SchemaRef) -> Result<Self, SinkError> {
        Self::create_with_unique(path, schema, &[])
    }

    /// Creates the file; the columns at `unique` (Parquet column paths, such as `["signals", "list", "item", "text"]`)
    /// hold mostly distinct values (ids, quoted text), so they are written without a dictionary or statistics.
    /// For those, dictionary encoding only hashed every value before falling back to plain pages, and min/max
    /// statistics compared every value: together most of the evidence writing time (see bench/RESULTS.md).
    pub fn create_with_unique(path: &Path, schema: SchemaRef, unique: &[&[&str]]) -> Result<Self, SinkError> {
        let file = std::fs::File::create(path).map_err(super::io_err("creating", path))?;
        let mut props = WriterProperties::builder().set_compression(Compression::SNAPPY).set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
        for column in unique {
            let column = ColumnPath::new(column.iter().map(|part| part.to_string()).collect());
            props = props.set_column_dictionary_enabled(column.clone(), false).set_column_statistics_enabled(column, EnabledStatistics::None);
        }
        let props = props.build();
        let writer = ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| perr(path, e))?;
        Ok(BatchWriter { path: path.to_path_buf(), writer })
    }

    /// Appends a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), SinkError> {
        self.writer.write(batch).map_err(|e| perr(&self.path, e))
    }

    /// Writes the footer and syncs the file.
    pub fn finish(self) -> Result<(), SinkError> {
        let file = self.writer.into_inner().map_err(|e| perr(&self.path, e))?;
        file.sync_all().map_err(super::io_err("syncing", &self.path))
    }
}

fn perr(path: &Path, e: parquet::errors::ParquetError) -> SinkError {
    SinkError::Parquet { path: path.to_path_buf(), message: e.to_string() }
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
