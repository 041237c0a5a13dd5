//! Python bindings of tocsin's batch API (`tocsin::batch`): pyarrow record
//! batches in and out through the Arrow C data interface (no copy), the
//! pipeline config and lexicons loaded as `tocsin run` loads them. All the
//! counting is the Rust library's; Python engines only move and group rows.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use arrow_pyarrow::{FromPyArrow, PyArrowType, ToPyArrow};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use tocsin::batch::{self, BatchPipeline, StoreInput};

fn value_err(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Batches from a pyarrow RecordBatch, a Table (or anything with `to_batches`), or a list of either.
fn batches(obj: &Bound<'_, PyAny>) -> PyResult<Vec<RecordBatch>> {
    if let Ok(list) = obj.cast::<PyList>() {
        let mut out = Vec::new();
        for item in list.iter() {
            out.extend(batches(&item)?);
        }
        return Ok(out);
    }
    if obj.hasattr("to_batches")? {
        let list = obj.call_method0("to_batches")?;
        return batches(&list);
    }
    Ok(vec![RecordBatch::from_pyarrow_bound(obj)?])
}

/// A tocsin pipeline loaded for batches: `Pipeline(config_path)`.
#[pyclass(module = "tocsin", frozen)]
struct Pipeline {
    inner: Arc<BatchPipeline>,
}

/// A partial aggregate filled batch by batch (`Pipeline.accumulator()`), so an engine's
/// partition never has to be held whole.
#[pyclass(module = "tocsin", frozen)]
struct Accumulator {
    pipeline: Arc<BatchPipeline>,
    partial: Mutex<batch::Partial>,
}

#[pymethods]
impl Accumulator {
    /// Adds a RecordBatch or Table of `source`'s records (`file` names their origin in rejects).
    #[pyo3(signature = (batch, source, file = "batch"))]
    fn add(&self, py: Python<'_>, batch: &Bound<'_, PyAny>, source: &str, file: &str) -> PyResult<()> {
        let input = batches(batch)?;
        py.detach(|| -> Result<(), batch::BatchError> {
            let mut p = self.partial.lock().expect("accumulator lock");
            for b in &input {
                p.add(&self.pipeline, source, file, b)?;
            }
            Ok(())
        })
        .map_err(value_err)
    }

    /// Documents counted so far (an exact repost once).
    fn documents(&self) -> u64 {
        self.partial.lock().expect("accumulator lock").documents()
    }

    /// The serialised partial (`partial_schema()`), named `part` (unique among the partials merged together).
    fn to_batch<'py>(&self, py: Python<'py>, part: &str) -> PyResult<Bound<'py, PyAny>> {
        let b = self.partial.lock().expect("accumulator lock").to_batch(part);
        b.to_pyarrow(py)
    }
}

#[pymethods]
impl Pipeline {
    /// Loads a pipeline config (TOML) with its lexicons, rules, regions and pseudonymisation key
    /// (`$TOCSIN_PSEUDONYM_KEY` or the configured key file). Input files and the output folder
    /// need not exist on this machine.
    #[new]
    fn new(config_path: PathBuf) -> PyResult<Self> {
        Ok(Pipeline { inner: Arc::new(BatchPipeline::load(&config_path).map_err(value_err)?) })
    }

    /// An empty partial aggregate to fill batch by batch.
    fn accumulator(&self) -> Accumulator {
        Accumulator { pipeline: self.inner.clone(), partial: Mutex::new(self.inner.partial()) }
    }

    /// The configured sources: a list of dicts with `name`, `format` and `files` (paths as the config names them).
    fn sources<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for s in self.inner.sources() {
            let d = PyDict::new(py);
            d.set_item("name", s.name)?;
            d.set_item("format", s.format)?;
            d.set_item("files", s.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>())?;
            out.append(d)?;
        }
        Ok(out)
    }

    /// The pipeline's output folder (as the config sets it).
    fn output_dir(&self) -> String {
        self.inner.prepared().out_dir.display().to_string()
    }

    /// Signals per document of `source` (one row per accepted document) for a RecordBatch or Table.
    #[pyo3(signature = (batch, source, file = "batch"))]
    fn analyse<'py>(&self, py: Python<'py>, batch: &Bound<'py, PyAny>, source: &str, file: &str) -> PyResult<Bound<'py, PyAny>> {
        let input = batches(batch)?;
        let out: Vec<RecordBatch> = py.detach(|| input.iter().map(|b| self.inner.analyse(source, file, b)).collect::<Result<_, _>>()).map_err(value_err)?;
        let schema = batch::signals_schema();
        let merged = arrow_select_concat(&schema, &out)?;
        merged.to_pyarrow(py)
    }

    /// The serialised partial aggregate (`partial_schema()`) of all the given batches of `source`.
    /// `part` must be unique among the partials that are merged together.
    #[pyo3(signature = (batch, source, part, file = "batch"))]
    fn partial<'py>(&self, py: Python<'py>, batch: &Bound<'py, PyAny>, source: &str, part: &str, file: &str) -> PyResult<Bound<'py, PyAny>> {
        let input = batches(batch)?;
        let out = py
            .detach(|| -> Result<RecordBatch, batch::BatchError> {
                let mut p = self.inner.partial();
                for b in &input {
                    p.add(&self.inner, source, file, b)?;
                }
                Ok(p.to_batch(part))
            })
            .map_err(value_err)?;
        out.to_pyarrow(py)
    }

    /// Writes a store as `tocsin run` does (time series, evidence, rejects, manifest, indicators, report).
    /// Either `merged` (partials, merged or not: everything is merged here), or `series` (rows merged
    /// elsewhere, `series_schema()`) with `payloads` (the partials' `counts`, `reject` and `evidence` rows).
    /// Returns a dict: `run_id`, `out_dir`, `docs_flagged`, `dates`.
    #[pyo3(signature = (out_dir, merged = None, *, series = None, payloads = None))]
    fn write_store<'py>(
        &self,
        py: Python<'py>,
        out_dir: PathBuf,
        merged: Option<&Bound<'py, PyAny>>,
        series: Option<&Bound<'py, PyAny>>,
        payloads: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let input = match (merged, series) {
            (Some(m), None) => {
                let b = batches(m)?;
                StoreInput::from_partial(py.detach(|| batch::merge(&b)).map_err(value_err)?)
            }
            (None, Some(s)) => {
                let s = batches(s)?;
                let p = match payloads {
                    Some(p) => batches(p)?,
                    None => Vec::new(),
                };
                StoreInput::from_series(&s, &p).map_err(value_err)?
            }
            _ => return Err(PyValueError::new_err("give either `merged` or `series` (with `payloads`)")),
        };
        let summary = py.detach(|| batch::write_store(&self.inner, &out_dir, input)).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        let d = PyDict::new(py);
        d.set_item("run_id", &summary.manifest.run_id)?;
        d.set_item("out_dir", summary.out_dir.display().to_string())?;
        d.set_item("docs_flagged", summary.docs_flagged)?;
        d.set_item("dates", &summary.manifest.dates)?;
        Ok(d)
    }
}

fn arrow_select_concat(schema: &arrow_schema::SchemaRef, parts: &[RecordBatch]) -> PyResult<RecordBatch> {
    arrow_select::concat::concat_batches(schema, parts).map_err(value_err)
}

/// Merges serialised partials (RecordBatches, Tables, or lists of them; rows of several parts in any
/// order) into one partial with part name `merged`, exactly.
#[pyfunction]
fn merge<'py>(py: Python<'py>, partials: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let input = batches(partials)?;
    let out = py.detach(|| batch::merge(&input).map(|p| p.to_batch("merged"))).map_err(value_err)?;
    out.to_pyarrow(py)
}

/// Merges the state rows of partials and returns their time series rows (`series_schema()`): what an
/// engine calls on each group of one date, region, lang and source.
#[pyfunction]
fn merge_to_series<'py>(py: Python<'py>, partials: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let input = batches(partials)?;
    let out = py.detach(|| batch::merge_to_series(&input)).map_err(value_err)?;
    out.to_pyarrow(py)
}

/// The pyarrow schema of serialised partials.
#[pyfunction]
fn partial_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    PyArrowType(batch::partial_schema().as_ref().clone()).into_pyobject(py)
}

/// The pyarrow schema of time series rows (`date` plus the `timeseries/` columns).
#[pyfunction]
fn series_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    PyArrowType(batch::series_schema().as_ref().clone()).into_pyobject(py)
}

/// The pyarrow schema of `Pipeline.analyse`.
#[pyfunction]
fn signals_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    PyArrowType(batch::signals_schema().as_ref().clone()).into_pyobject(py)
}

/// tocsin: incitement and atrocity-risk speech indicators, on Arrow batches.
#[pymodule]
#[pyo3(name = "tocsin")]
fn tocsin_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Pipeline>()?;
    m.add_class::<Accumulator>()?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(merge_to_series, m)?)?;
    m.add_function(wrap_pyfunction!(partial_schema, m)?)?;
    m.add_function(wrap_pyfunction!(series_schema, m)?)?;
    m.add_function(wrap_pyfunction!(signals_schema, m)?)?;
    m.add("STATE_KINDS", batch::STATE_KINDS.to_vec())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
