//! tocsin watches media and social text for the speech of atrocity risk's
//! stage two — a group singled out, dehumanised, moderates called traitors,
//! people called to arms — and turns it into per-region, per-day time series
//! and early-warning indicators, with the evidence kept for human review.
//!
//! Data flows one way: [`ingest`] (sources → [`document::Document`]) →
//! [`normalize`] (matching view with an offset map) → [`lexicon`] and
//! [`rules`] (→ [`signal::Signal`]s, in [`detect`]) → [`aggregate`]
//! (mergeable counters) and [`evidence`] (flagged documents for review) →
//! [`sink`] (Parquet time series and evidence, rejects, manifest)
//! → [`indicators`] (stage-two indicators, baselines and alert levels)
//! → [`report`] (the morning report, one self-contained HTML page).
//! [`region`] places each document in a region (its own field, a source
//! table, or a gazetteer of place names) before it is aggregated.
//! [`pipeline`] drives the stages on all cores; the binary only parses
//! arguments and calls this library. [`batch`] offers the same stages over
//! Arrow record batches, for Spark, Ray or Dask (see docs/SPARK.md).
#![deny(missing_docs)]

pub mod aggregate;
pub mod batch;
pub mod config;
pub mod detect;
pub mod document;
pub mod evaluate;
pub mod evidence;
pub mod indicators;
pub mod ingest;
pub mod language;
pub mod lexicon;
pub mod normalize;
pub mod pipeline;
pub mod region;
pub mod report;
pub mod rules;
pub mod signal;
pub mod sink;
