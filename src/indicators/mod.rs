//! Stage-two indicators: from the time series store's whole history, per
//! region × day (and target group), each indicator's rate, its robust
//! baseline, a deviation score and an alert level with the reason in words,
//! and the UN Framework of Analysis indicators it informs.
//!
//! [`compute`] reads `STORE/timeseries/`, and writes atomically:
//! `indicators/date=YYYY-MM-DD/part-0.parquet` (every date, rewritten each
//! time), `indicators_latest.csv` and `indicators_latest.json`. The method and
//! schema are in docs/INDICATORS.md.

pub mod baseline;
pub mod mapping;
pub mod output;
pub mod series;
pub mod store;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::aggregate::ANY;
use crate::config::ConfigError;
use crate::sink::SinkError;

pub use mapping::Mapping;
use series::{Measure, INDICATORS};

/// Alert level of one indicator on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Too little history, or too few documents that day, to judge.
    InsufficientData,
    /// Within the baseline's range.
    Normal,
    /// The day, or the last week, clearly above the baseline.
    Elevated,
    /// Raised `persistence_days` days running, and far and surely above the baseline today.
    High,
}

impl Level {
    /// The name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::InsufficientData => "insufficient_data",
            Level::Normal => "normal",
            Level::Elevated => "elevated",
            Level::High => "high",
        }
    }
}

/// How indicators are computed. Defaults are the documented method.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IndicatorOptions {
    /// Calendar days of the trailing baseline window (the day itself excluded).
    pub window_days: i64,
    /// How far back the window may extend over alert days, in calendar days.
    pub lookback_days: i64,
    /// Days with enough documents a baseline needs.
    pub min_history_days: usize,
    /// Documents a region needs on a day for that day to be judged or used in a baseline.
    pub min_docs: i64,
    /// Documents behind a count (hostile documents, for reach, authors and sources) below which nothing is raised.
    pub min_count: i64,
    /// Deviation score from which a day is raised.
    pub z_elevated: f64,
    /// Deviation score a raised test needs, today, for `high`.
    pub z_high: f64,
    /// Rate over baseline from which a day may be raised.
    pub ratio_elevated: f64,
    /// Rate over baseline a persistent rise needs to be `high`.
    pub ratio_high: f64,
    /// Raised days running that `high` needs.
    pub persistence_days: i64,
    /// Largest calendar gap between two days still counted as running (absent days).
    pub persistence_gap_days: i64,
    /// Days pooled by the weekly test (and a velocity week).
    pub week_days: i64,
    /// The Framework mapping CSV (default: `mappings/framework.csv` if found, else the built-in copy).
    pub mapping: Option<PathBuf>,
}

impl Default for IndicatorOptions {
    fn default() -> Self {
        IndicatorOptions {
            window_days: 28,
            lookback_days: 84,
            min_history_days: 14,
            min_docs: 10,
            min_count: 3,
            z_elevated: 3.0,
            z_high: 3.5,
            ratio_elevated: 1.5,
            ratio_high: 3.0,
            persistence_days: 3,
            persistence_gap_days: 2,
            week_days: 7,
            mapping: None,
        }
    }
}

impl IndicatorOptions {
    /// Every inconsistent setting, in words.
    pub fn check(&self) -> Result<(), IndicatorError> {
        let mut bad = Vec::new();
        if self.window_days < 7 {
            bad.push(format!("window_days {} is under 7", self.window_days));
        }
        if self.lookback_days < self.window_days {
            bad.push(format!("lookback_days {} is shorter than window_days {}", self.lookback_days, self.window_days));
        }
        if self.min_history_days < 3 || self.min_history_days as i64 > self.window_days {
            bad.push(format!("min_history_days {} must be between 3 and window_days", self.min_history_days));
        }
        if self.min_docs < 1 || self.min_count < 1 || self.persistence_days < 1 {
            bad.push("min_docs, min_count and persistence_days must be at least 1".into());
        }
        if self.persistence_gap_days < 1 {
            bad.push("persistence_gap_days must be at least 1".into());
        }
        if self.week_days < 3 || self.week_days > self.window_days {
            bad.push("week_days must be between 3 and window_days".into());
        }
        if !(self.z_elevated > 0.0 && self.z_high >= self.z_elevated && self.ratio_elevated >= 1.0 && self.ratio_high >= self.ratio_elevated) {
            bad.push("need 0 < z_elevated ≤ z_high and 1 ≤ ratio_elevated ≤ ratio_high".into());
        }
        if bad.is_empty() {
            Ok(())
        } else {
            Err(IndicatorError::Options(bad.join("; ")))
        }
    }
}

/// Why indicators could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum IndicatorError {
    /// The store (a partition, a Parquet file) cannot be read as a tocsin time series.
    #[error("time series store `{path}`: {message}")]
    Store {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The Framework mapping file is invalid.
    #[error("Framework mapping: {0}")]
    Mapping(#[from] ConfigError),
    /// The options are inconsistent.
    #[error("indicator options: {0}")]
    Options(String),
    /// Writing the outputs failed; nothing was moved into place.
    #[error(transparent)]
    Sink(#[from] SinkError),
}

/// One indicator of one region (and target) on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorRow {
    /// The day.
    #[serde(serialize_with = "ser_date")]
    pub date: NaiveDate,
    /// Region code.
    pub region: String,
    /// Indicator name (`targeting`, `propaganda_reach` …).
    pub indicator: String,
    /// Target group, or `*` for all.
    pub target: String,
    /// What `value` is: `per_10k_docs`, `per_10k_reach` or `growth`.
    pub unit: String,
    /// The day's rate (or growth factor).
    pub value: Option<f64>,
    /// The day's count (documents, authors, sources or reach; 7-day documents for velocity).
    pub count: i64,
    /// Documents seen in the region that day.
    pub docs: i64,
    /// Baseline: median rate of the baseline days (velocity: last week's rate).
    pub baseline: Option<f64>,
    /// Median absolute deviation of the baseline rates.
    pub baseline_mad: Option<f64>,
    /// Pooled rate of the baseline days (velocity: the normal reference).
    pub baseline_mean: Option<f64>,
    /// Days the baseline is made of.
    pub baseline_days: i64,
    /// Value over the reference rate.
    pub ratio: Option<f64>,
    /// Deviation score.
    pub deviation: Option<f64>,
    /// Count over the last `week_days` days with enough documents (velocity: the same as `count`).
    pub count_week: Option<i64>,
    /// Rate over those days.
    pub value_week: Option<f64>,
    /// Deviation score of those days pooled, against the baseline before them.
    pub deviation_week: Option<f64>,
    /// Alert level.
    pub level: Level,
    /// Why, in words.
    pub reason: String,
    /// Framework of Analysis indicator numbers, `;`-separated.
    pub framework_indicators: String,
}

/// What [`compute`] did.
#[derive(Debug, Clone)]
pub struct IndicatorSummary {
    /// Indicator rows written over all dates.
    pub rows: usize,
    /// Regions seen.
    pub regions: usize,
    /// First and last date with indicators.
    pub dates: Option<(NaiveDate, NaiveDate)>,
    /// The latest row of every region × indicator × target (what `indicators_latest.*` hold).
    pub latest: Vec<IndicatorRow>,
    /// Store-relative files written.
    pub files: Vec<PathBuf>,
    /// Store-relative partitions removed because their date is no longer in the store.
    pub removed: Vec<PathBuf>,
    /// Where the Framework mapping came from.
    pub mapping: String,
}

/// Serialises a date as YYYY-MM-DD (chrono's serde feature is not enabled).
pub fn ser_date<S: serde::Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&d.format("%Y-%m-%d"))
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Computes every indicator row from a store's history.
pub fn indicator_rows(history: &store::History, mapping: &Mapping, o: &IndicatorOptions) -> Vec<IndicatorRow> {
    let mut rows = Vec::new();
    for (region, days) in &history.regions {
        let mut spread = Vec::new();
        for (order, def) in INDICATORS.iter().enumerate() {
            let framework = mapping.framework(def.name).join(";");
            let mut targets = vec![ANY.to_string()];
            targets.extend(series::targets(days, def));
            for target in targets {
                let measure = if def.measure == Measure::Velocity {
                    INDICATORS.iter().find(|d| d.measure == Measure::AnyHostile).expect("propaganda_spread is defined")
                } else {
                    def
                };
                let points = series::points(days, measure, &target);
                let assessed =
                    if def.measure == Measure::Velocity { baseline::assess_velocity(&points, &spread, def, o) } else { baseline::assess(&points, def, o) };
                if def.measure == Measure::AnyHostile {
                    spread = assessed.clone();
                }
                let velocity = def.measure == Measure::Velocity;
                // A group's rows start the first day it was counted: zeros before say nothing new.
                let first = if target == ANY { 0 } else { points.iter().position(|p| p.count > 0).unwrap_or(points.len()) };
                for (i, (p, a)) in points.iter().zip(assessed).enumerate().skip(first) {
                    let count = if velocity {
                        let from = p.date - chrono::Duration::days(o.week_days - 1);
                        points[..=i].iter().filter(|q| q.date >= from).map(|q| q.count).sum()
                    } else {
                        p.count
                    };
                    rows.push((
                        order,
                        IndicatorRow {
                            date: p.date,
                            region: region.clone(),
                            indicator: def.name.to_string(),
                            target: target.clone(),
                            unit: def.unit().to_string(),
                            value: a.value.map(round4),
                            count,
                            docs: p.docs,
                            baseline: a.baseline.map(round4),
                            baseline_mad: a.baseline_mad.map(round4),
                            baseline_mean: a.baseline_mean.map(round4),
                            baseline_days: a.baseline_days,
                            ratio: a.ratio.map(round4),
                            deviation: a.deviation.map(round4),
                            count_week: a.count_week,
                            value_week: a.value_week.map(round4),
                            deviation_week: a.deviation_week.map(round4),
                            level: a.level,
                            reason: a.reason,
                            framework_indicators: framework.clone(),
                        },
                    ));
                }
            }
        }
    }
    rows.sort_by(|(oa, a), (ob, b)| (a.date, &a.region, oa, a.target != ANY, &a.target).cmp(&(b.date, &b.region, ob, b.target != ANY, &b.target)));
    rows.into_iter().map(|(_, r)| r).collect()
}

/// The latest row of every region × indicator × target.
pub fn latest(rows: &[IndicatorRow]) -> Vec<IndicatorRow> {
    let mut last: BTreeMap<(&str, &str, &str), &IndicatorRow> = BTreeMap::new();
    for r in rows {
        let key = (r.region.as_str(), r.indicator.as_str(), r.target.as_str());
        if last.get(&key).is_none_or(|l| l.date <= r.date) {
            last.insert(key, r);
        }
    }
    let mut out: Vec<IndicatorRow> = last.into_values().cloned().collect();
    let order = |name: &str| INDICATORS.iter().position(|d| d.name == name);
    out.sort_by(|a, b| (&a.region, order(&a.indicator), a.target != ANY, &a.target).cmp(&(&b.region, order(&b.indicator), b.target != ANY, &b.target)));
    out
}

/// Reads the whole store, computes every indicator for every date, and writes
/// them atomically into the store. The caller makes sure no run writes the
/// store meanwhile (`tocsin run` holds its lock; the CLI takes it).
pub fn compute(store: &Path, options: &IndicatorOptions) -> Result<IndicatorSummary, IndicatorError> {
    options.check()?;
    let mapping = Mapping::resolve(options.mapping.as_deref())?;
    let history = store::read_history(store)?;
    let rows = indicator_rows(&history, &mapping, options);
    output::write(store, &rows, &mapping, options, history.regions.len())
}
