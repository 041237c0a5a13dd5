//! The morning report: one self-contained HTML page (`OUTPUT/report.html`)
//! that answers "what changed, where — show me".
//!
//! [`gather`] reads a run's output directory into a plain [`ReportData`]
//! (header, region summary, current alerts, indicator series, top targets and
//! terms, an evidence sample, data quality); [`html::render`] turns it into a
//! single HTML string with inline CSS and inline SVG charts ([`svg`]), no
//! script and no external resource. The same store gives byte-identical HTML:
//! nothing reads the clock, everything is sorted. Every piece of text that
//! comes from data is escaped ([`svg::esc`]); evidence snippets are masked by
//! default ([`evidence::mask`]). What each section shows is in docs/REPORT.md.

pub mod evidence;
pub mod html;
pub mod read;
pub mod svg;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::aggregate::ANY;
use crate::indicators::series::INDICATORS;
use crate::indicators::{IndicatorError, IndicatorRow, Level};

pub use evidence::EvidenceRow;

/// The report's file name inside an output directory.
pub const FILE_NAME: &str = "report.html";

/// Indicators charted for every region, whatever their level.
pub const HEADLINE: [&str; 6] = ["targeting", "moderates", "mobilisation", "propaganda_spread", "propaganda_reach", "propaganda_velocity"];

/// Evidence documents shown in the sample.
pub const SAMPLE_SIZE: usize = 20;

/// Days the charts cover at most (the latest ones): half a year still leaves a day a visible width.
pub const CHART_DAYS: i64 = 182;

/// Days of the "recent" window (top targets, terms and the evidence sample), and of the window before it.
pub const RECENT_DAYS: i64 = 7;
/// Days of the comparison window before the recent one.
pub const BEFORE_DAYS: i64 = 28;

/// How to build the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// Mask matched terms in evidence snippets as `[category]` (the default).
    pub redact: bool,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions { redact: true }
    }
}

/// Why the report could not be built or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// An input file exists but cannot be read as what it should be.
    #[error("report input `{path}`: {message}")]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The time series store cannot be read.
    #[error(transparent)]
    Store(#[from] IndicatorError),
    /// The output directory holds nothing to report on.
    #[error("`{0}` holds no time series, indicators or manifest: name the output directory of a run")]
    Empty(PathBuf),
    /// Writing the HTML failed; no half-written report was left in place.
    #[error("writing the report `{path}`: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The run the report describes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    /// Pipeline name (from the manifest).
    pub pipeline: Option<String>,
    /// Run id (from the manifest).
    pub run_id: Option<String>,
    /// tocsin version that wrote the run (else this one).
    pub tocsin_version: String,
    /// Time zone of day boundaries.
    pub timezone: String,
    /// First day of the store.
    pub first_date: Option<NaiveDate>,
    /// Latest day of the store.
    pub latest_date: Option<NaiveDate>,
    /// Regions in the store.
    pub regions: usize,
}

/// One region's current state.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionSummary {
    /// Region code.
    pub region: String,
    /// Its latest day with documents.
    pub date: NaiveDate,
    /// Highest level of its indicators on that day.
    pub level: Level,
    /// First day of the unbroken run of days at this level (rows on consecutive days with documents).
    pub since: Option<NaiveDate>,
    /// First day of the unbroken run of days at elevated or high.
    pub raised_since: Option<NaiveDate>,
    /// `indicator` or `indicator:target` at high on the latest day.
    pub high: Vec<String>,
    /// The same at elevated.
    pub elevated: Vec<String>,
    /// Documents on the latest day.
    pub docs: i64,
    /// The level of every day with indicator rows (the highest of the day's rows).
    pub days: Vec<(NaiveDate, Level)>,
}

/// One current alert: an indicator row at elevated or high on its region's latest day.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The row.
    pub row: IndicatorRow,
    /// Indicator label in words.
    pub label: String,
    /// First day of the unbroken run of raised days.
    pub since: NaiveDate,
    /// Raised days in that run.
    pub days: usize,
}

/// One day of a charted series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesPoint {
    /// The day.
    pub date: NaiveDate,
    /// The value (rate or growth).
    pub value: Option<f64>,
    /// Bottom of the baseline band.
    pub band_low: Option<f64>,
    /// Top of the baseline band.
    pub band_high: Option<f64>,
    /// Level of the day.
    pub level: Level,
}

/// One small multiple: an indicator (and target) of a region over the whole period.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Indicator name.
    pub indicator: String,
    /// Target, or `*`.
    pub target: String,
    /// Indicator label in words.
    pub label: String,
    /// Unit of `value`.
    pub unit: String,
    /// Level on the region's latest day.
    pub level: Level,
    /// Days with a row.
    pub points: Vec<SeriesPoint>,
    /// Top of the y axis, shared by every region's chart of this indicator and target.
    pub y_max: f64,
}

/// A region's charts.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionCharts {
    /// Region code.
    pub region: String,
    /// Its series, headline indicators first.
    pub series: Vec<Series>,
}

/// A target group's recent hostile documents against the weeks before.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetTrend {
    /// Region code.
    pub region: String,
    /// `kind:group`.
    pub target: String,
    /// Flagged documents naming the target over the recent days, summed over hostile categories.
    pub recent: i64,
    /// Documents seen in the region over those days.
    pub recent_docs: i64,
    /// The same count over the days before.
    pub before: i64,
    /// Documents seen over the days before.
    pub before_docs: i64,
    /// The category with most of the recent count.
    pub top_category: String,
}

impl TargetTrend {
    /// Recent rate per 10,000 documents.
    pub fn recent_rate(&self) -> f64 {
        per_10k(self.recent, self.recent_docs)
    }

    /// Earlier rate per 10,000 documents.
    pub fn before_rate(&self) -> f64 {
        per_10k(self.before, self.before_docs)
    }
}

fn per_10k(n: i64, d: i64) -> f64 {
    if d > 0 {
        1e4 * n as f64 / d as f64
    } else {
        0.0
    }
}

/// A matched lexicon term's recent documents against the weeks before.
#[derive(Debug, Clone, PartialEq)]
pub struct TermTrend {
    /// The canonical term.
    pub term: String,
    /// Its categories in the signals.
    pub categories: Vec<String>,
    /// Languages of the documents.
    pub langs: Vec<String>,
    /// Regions of the recent documents.
    pub regions: Vec<String>,
    /// Hostile or reported documents with the term over the recent days.
    pub recent: i64,
    /// The same over the days before.
    pub before: i64,
}

/// What the evidence section shows.
#[derive(Debug, Clone, PartialEq)]
pub enum EvidenceSection {
    /// The store has no `evidence/` folder (runs before evidence was written).
    Absent,
    /// The sample, and how many evidence documents the recent days hold.
    Sample {
        /// The rows shown, most severe and far-reaching first.
        rows: Vec<EvidenceRow>,
        /// Evidence documents in the recent days.
        recent_total: usize,
        /// Evidence documents in the store.
        total: usize,
    },
}

/// Record counts of one source, from the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceQuality {
    /// Source name.
    pub source: String,
    /// Records read.
    pub read: u64,
    /// Became documents.
    pub accepted: u64,
    /// Rejected.
    pub rejected: u64,
}

/// Rejected records of one source with one (normalised) reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectReason {
    /// Source name.
    pub source: String,
    /// The reason with quoted values and numbers generalised.
    pub reason: String,
    /// Records.
    pub count: usize,
    /// The first record's place (`file:line`).
    pub example: String,
}

/// Data quality: the manifest's counts, rejects, volume per day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Quality {
    /// Per source, from the manifest.
    pub sources: Vec<SourceQuality>,
    /// Totals, from the manifest.
    pub totals: Option<SourceQuality>,
    /// Days this run wrote.
    pub run_dates: Vec<String>,
    /// Input files: source, path, bytes, SHA-256.
    pub inputs: Vec<(String, String, u64, String)>,
    /// Lexicons: name, version, entries.
    pub lexicons: Vec<(String, String, usize)>,
    /// Documents per region assignment method, in the pipeline's order, then `ambiguous` and `unknown`.
    pub placed_by: Vec<(String, u64)>,
    /// Per language: documents whose language was given, detected, undetected or unknown (and any other figure the manifest gives), as shown.
    pub languages: Vec<(String, Vec<(String, String)>)>,
    /// Reject reasons of this run, most frequent first; `None` when the rejects file is absent.
    pub rejects: Option<Vec<RejectReason>>,
    /// Documents per day per region (from the time series).
    pub region_volume: BTreeMap<String, BTreeMap<NaiveDate, i64>>,
    /// Documents per day per source, when the time series keeps the source.
    pub source_volume: BTreeMap<String, BTreeMap<NaiveDate, i64>>,
}

/// Everything the report shows, gathered from an output directory.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportData {
    /// The run.
    pub header: Header,
    /// Every region, highest level first.
    pub regions: Vec<RegionSummary>,
    /// Current alerts, high first.
    pub alerts: Vec<Alert>,
    /// Charts per region, in the order of `regions`.
    pub charts: Vec<RegionCharts>,
    /// First and last day of the charts' x axis (at most the last [`CHART_DAYS`] days).
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// Target groups with the most recent hostile documents.
    pub targets: Vec<TargetTrend>,
    /// Lexicon terms with the most recent documents (`None` without evidence).
    pub terms: Option<Vec<TermTrend>>,
    /// The evidence sample.
    pub evidence: EvidenceSection,
    /// Data quality.
    pub quality: Quality,
    /// Parts of the store that are missing, in words.
    pub notes: Vec<String>,
    /// Whether evidence snippets are masked.
    pub redacted: bool,
}

/// Reads an output directory into the report's data.
pub fn gather(store: &Path, options: &ReportOptions) -> Result<ReportData, ReportError> {
    gather_with(store, options, BTreeMap::new())
}

/// [`gather`], with the evidence digests of some days already known (the days a run just wrote):
/// the store's evidence of those days is not read.
pub fn gather_with(store: &Path, options: &ReportOptions, known: BTreeMap<NaiveDate, DayDigest>) -> Result<ReportData, ReportError> {
    let mut notes = Vec::new();
    let manifest = read::manifest(store)?;
    if manifest.is_none() {
        notes.push("no manifest.json: run details and per-source counts are unknown".to_string());
    }
    let history = if store.join("timeseries").is_dir() {
        Some(crate::indicators::store::read_history(store)?)
    } else {
        notes.push("no timeseries/ folder: volumes and top targets are unknown".to_string());
        None
    };
    let rows = if store.join(crate::indicators::output::DATASET).is_dir() {
        read::indicator_rows(store)?
    } else {
        notes.push("no indicators/ folder: run `tocsin indicators` on this store for levels and charts".to_string());
        Vec::new()
    };
    if manifest.is_none() && history.is_none() && rows.is_empty() {
        return Err(ReportError::Empty(store.to_path_buf()));
    }
    let dates: BTreeSet<NaiveDate> = history.as_ref().map(|h| h.regions.values().flat_map(|d| d.keys().copied()).collect()).unwrap_or_default();
    let last_row = rows.iter().map(|r| r.date).max();
    let latest = dates.iter().next_back().copied().or(last_row);
    // Only the days the evidence sections look at are read: the evidence store grows every night.
    let evidence_from = latest.map(|l| l - chrono::Duration::days(RECENT_DAYS + BEFORE_DAYS - 1));
    let evidence_latest = match latest {
        Some(l) => Some(l),
        None => evidence::latest_day(store, evidence_from)?,
    };
    let known_days: BTreeSet<NaiveDate> = known.keys().copied().collect();
    let folded = evidence::fold_store(
        store,
        evidence_from,
        &known_days,
        BTreeMap::new,
        |days: &mut BTreeMap<NaiveDate, DayDigest>, batch| {
            if let Some(date) = batch.first().map(|r| r.date) {
                days.entry(date).or_default().add(&batch);
            }
        },
        |mut a, b| {
            for (date, d) in b {
                let merged = match a.remove(&date) {
                    Some(x) => x.merge(d),
                    None => d,
                };
                a.insert(date, merged);
            }
            a
        },
    )?;
    let digest = folded.map(|(mut days, total)| {
        days.extend(known);
        // Days digested in parallel and merged pairwise: folding them one after another was a serial
        // tenth of a second at the end of a two-thread benchmark run.
        let digest = match evidence_latest {
            Some(l) => days
                .into_par_iter()
                .map(|(date, day)| {
                    let mut d = EvidenceDigest::default();
                    d.add_day(date, day, l);
                    d
                })
                .reduce(EvidenceDigest::default, EvidenceDigest::merge),
            None => EvidenceDigest::default(),
        };
        (digest, total)
    });

    let mut regions = region_summaries(&rows, history.as_ref());
    let alerts = alerts(&rows, &regions);
    let period = rows.iter().map(|r| r.date).min().zip(last_row).map(|(first, last)| (first.max(last - chrono::Duration::days(CHART_DAYS - 1)), last));
    if let Some((from, _)) = period {
        for r in &mut regions {
            r.days.retain(|(d, _)| *d >= from);
        }
    }
    let charts = charts(&rows, &regions, period);
    let targets = match (&history, latest) {
        (Some(h), Some(latest)) => target_trends(h, latest),
        _ => Vec::new(),
    };
    let (terms, evidence) = match digest {
        None => (None, EvidenceSection::Absent),
        Some((d, total)) => (Some(d.term_trends()), d.into_section(total)),
    };

    let mut quality = Quality::default();
    if let Some(m) = &manifest {
        quality.sources =
            m.sources.iter().map(|(s, c)| SourceQuality { source: s.clone(), read: c.read, accepted: c.accepted, rejected: c.rejected }).collect();
        quality.totals = Some(SourceQuality { source: "all".into(), read: m.totals.read, accepted: m.totals.accepted, rejected: m.totals.rejected });
        quality.run_dates = m.dates.clone();
        quality.inputs = m.inputs.iter().map(|i| (i.source.clone(), i.path.clone(), i.bytes, i.sha256.clone())).collect();
        quality.lexicons = m.lexicons.iter().map(|l| (l.name.clone(), l.version.clone(), l.entries)).collect();
        quality.rejects = read::reject_reasons(store, &m.run_id)?;
        if let Some(r) = &m.regions {
            let mut order: Vec<&String> = r.order.iter().collect();
            order.extend(["ambiguous", "unknown"].iter().filter_map(|k| r.placed_by.get_key_value(*k).map(|(k, _)| k)));
            order.extend(r.placed_by.keys().filter(|k| !r.order.contains(k) && *k != "ambiguous" && *k != "unknown"));
            quality.placed_by = order.into_iter().map(|k| (k.clone(), r.placed_by.get(k).and_then(|v| v.as_u64()).unwrap_or(0))).collect();
        }
        quality.languages = m.languages.iter().map(|(l, c)| (l.clone(), c.iter().map(|(k, v)| (k.clone(), figure(v))).collect())).collect();
    }
    if let Some(h) = &history {
        quality.region_volume = h.regions.iter().map(|(r, days)| (r.clone(), days.iter().map(|(d, t)| (*d, t.docs)).collect())).collect();
        quality.source_volume = read::source_volume(&h.files)?;
    }

    let header = Header {
        pipeline: manifest.as_ref().map(|m| m.pipeline.clone()),
        run_id: manifest.as_ref().map(|m| m.run_id.clone()),
        tocsin_version: manifest.as_ref().map(|m| m.tocsin_version.clone()).filter(|v| !v.is_empty()).unwrap_or_else(|| env!("CARGO_PKG_VERSION").into()),
        timezone: manifest.as_ref().map(|m| m.timezone.clone()).filter(|t| !t.is_empty()).unwrap_or_else(|| "UTC".into()),
        first_date: dates.iter().next().copied().or(rows.iter().map(|r| r.date).min()),
        latest_date: latest,
        regions: regions.len(),
    };
    Ok(ReportData { header, regions, alerts, charts, period, targets, terms, evidence, quality, notes, redacted: options.redact })
}

/// A manifest figure as shown: integers as they are, fractions to two places.
fn figure(v: &serde_json::Value) -> String {
    match (v.as_u64(), v.as_i64(), v.as_f64()) {
        (Some(n), _, _) => n.to_string(),
        (_, Some(n), _) => n.to_string(),
        (_, _, Some(x)) => format!("{x:.2}"),
        _ if v.is_null() => "–".into(),
        _ => v.to_string(),
    }
}

/// Builds the report of an output directory and writes it atomically (a
/// temporary file beside it, then a rename). Default place: `STORE/report.html`.
pub fn write(store: &Path, output: Option<&Path>, options: &ReportOptions) -> Result<PathBuf, ReportError> {
    write_with(store, output, options, BTreeMap::new())
}

/// [`write`], with the evidence digests of the days a run just wrote (see [`gather_with`]).
pub fn write_with(store: &Path, output: Option<&Path>, options: &ReportOptions, known: BTreeMap<NaiveDate, DayDigest>) -> Result<PathBuf, ReportError> {
    let data = gather_with(store, options, known)?;
    let html = html::render(&data);
    let path = output.map(Path::to_path_buf).unwrap_or_else(|| store.join(FILE_NAME));
    write_atomic(&path, html.as_bytes())?;
    Ok(path)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    use std::io::Write;
    let err = |source| ReportError::Write { path: path.to_path_buf(), source };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| FILE_NAME.into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

/// The label of an indicator in words.
pub fn label(indicator: &str) -> String {
    let def = INDICATORS.iter().find(|d| d.name == indicator);
    match def {
        Some(d) if d.name == "propaganda_velocity" => "acceleration of hostile documents".into(),
        Some(d) => d.label.to_string(),
        None => indicator.replace('_', " "),
    }
}

fn indicator_order(name: &str) -> usize {
    INDICATORS.iter().position(|d| d.name == name).unwrap_or(usize::MAX)
}

fn raised(l: Level) -> bool {
    matches!(l, Level::Elevated | Level::High)
}

/// `indicator` or `indicator:target`, as in `indicators_latest.json`.
pub fn series_name(indicator: &str, target: &str) -> String {
    if target == ANY {
        indicator.to_string()
    } else {
        format!("{indicator}:{target}")
    }
}

/// Per region: the level of each day (the highest of its rows).
fn day_levels(rows: &[IndicatorRow]) -> BTreeMap<&str, BTreeMap<NaiveDate, Level>> {
    let mut out: BTreeMap<&str, BTreeMap<NaiveDate, Level>> = BTreeMap::new();
    for r in rows {
        let e = out.entry(r.region.as_str()).or_default().entry(r.date).or_insert(Level::InsufficientData);
        *e = (*e).max(r.level);
    }
    out
}

/// The first day of the unbroken run, ending on the last day, of days that pass `keep`.
fn run_start<'a>(days: impl DoubleEndedIterator<Item = (&'a NaiveDate, &'a Level)>, keep: impl Fn(Level) -> bool) -> Option<NaiveDate> {
    let mut since = None;
    for (d, l) in days.rev() {
        if !keep(*l) {
            break;
        }
        since = Some(*d);
    }
    since
}

fn region_summaries(rows: &[IndicatorRow], history: Option<&crate::indicators::store::History>) -> Vec<RegionSummary> {
    let levels = day_levels(rows);
    let mut out = Vec::new();
    let mut names: BTreeSet<&str> = levels.keys().copied().collect();
    if let Some(h) = history {
        names.extend(h.regions.keys().map(String::as_str));
    }
    for region in names {
        let docs_of = |d: NaiveDate| history.and_then(|h| h.regions.get(region)).and_then(|days| days.get(&d)).map(|t| t.docs).unwrap_or(0);
        let Some(days) = levels.get(region) else {
            let last = history.and_then(|h| h.regions.get(region)).and_then(|d| d.keys().next_back().copied());
            if let Some(date) = last {
                out.push(RegionSummary {
                    region: region.to_string(),
                    date,
                    level: Level::InsufficientData,
                    since: None,
                    raised_since: None,
                    high: Vec::new(),
                    elevated: Vec::new(),
                    docs: docs_of(date),
                    days: Vec::new(),
                });
            }
            continue;
        };
        let (&date, &level) = days.iter().next_back().expect("a region with rows has days");
        let since = run_start(days.iter(), |l| l == level);
        let raised_since = if raised(level) { run_start(days.iter(), raised) } else { None };
        let mut high = Vec::new();
        let mut elevated = Vec::new();
        let mut latest: Vec<&IndicatorRow> = rows.iter().filter(|r| r.region == region && r.date == date).collect();
        latest.sort_by_key(|r| (indicator_order(&r.indicator), r.target != ANY, r.target.clone()));
        for r in latest {
            match r.level {
                Level::High => high.push(series_name(&r.indicator, &r.target)),
                Level::Elevated => elevated.push(series_name(&r.indicator, &r.target)),
                _ => {}
            }
        }
        let days = days.iter().map(|(d, l)| (*d, *l)).collect();
        out.push(RegionSummary { region: region.to_string(), date, level, since, raised_since, high, elevated, docs: docs_of(date), days });
    }
    out.sort_by(|a, b| b.level.cmp(&a.level).then(b.high.len().cmp(&a.high.len())).then(b.elevated.len().cmp(&a.elevated.len())).then(a.region.cmp(&b.region)));
    out
}

fn alerts(rows: &[IndicatorRow], regions: &[RegionSummary]) -> Vec<Alert> {
    let mut by_series: BTreeMap<(&str, &str, &str), Vec<&IndicatorRow>> = BTreeMap::new();
    for r in rows {
        by_series.entry((r.region.as_str(), r.indicator.as_str(), r.target.as_str())).or_default().push(r);
    }
    let mut out = Vec::new();
    for (rank, region) in regions.iter().enumerate() {
        for ((reg, _, _), series) in by_series.range((region.region.as_str(), "", "")..) {
            if *reg != region.region {
                break;
            }
            let mut series = series.clone();
            series.sort_by_key(|r| r.date);
            let last = series.last().expect("non-empty");
            // Only rows of the region's latest day: a target last seen weeks ago is not a current alert.
            if last.date != region.date || !raised(last.level) {
                continue;
            }
            let run: Vec<&&IndicatorRow> = series.iter().rev().take_while(|r| raised(r.level)).collect();
            let since = run.last().map(|r| r.date).unwrap_or(last.date);
            out.push((rank, Alert { row: (*last).clone(), label: label(&last.indicator), since, days: run.len() }));
        }
    }
    out.sort_by(|(ra, a), (rb, b)| {
        (ra, std::cmp::Reverse(a.row.level), indicator_order(&a.row.indicator), a.row.target != ANY, &a.row.target).cmp(&(
            rb,
            std::cmp::Reverse(b.row.level),
            indicator_order(&b.row.indicator),
            b.row.target != ANY,
            &b.row.target,
        ))
    });
    out.into_iter().map(|(_, a)| a).collect()
}

/// The baseline band of a row: from the lower of median and pooled mean, less
/// two robust standard deviations, to the higher, plus two (velocity: 0 to 1,
/// "no faster than the reference").
fn band(r: &IndicatorRow) -> (Option<f64>, Option<f64>) {
    if r.unit == "growth" {
        return if r.level == Level::InsufficientData { (None, None) } else { (Some(0.0), Some(1.0)) };
    }
    let (Some(median), Some(mean)) = (r.baseline, r.baseline_mean) else {
        return (None, None);
    };
    let sd = 1.4826 * r.baseline_mad.unwrap_or(0.0);
    (Some((median.min(mean) - 2.0 * sd).max(0.0)), Some(median.max(mean) + 2.0 * sd))
}

fn charts(rows: &[IndicatorRow], regions: &[RegionSummary], period: Option<(NaiveDate, NaiveDate)>) -> Vec<RegionCharts> {
    let Some((from, _)) = period else {
        return regions.iter().map(|r| RegionCharts { region: r.region.clone(), series: Vec::new() }).collect();
    };
    let mut by_series: BTreeMap<(&str, &str, &str), Vec<&IndicatorRow>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.date >= from) {
        by_series.entry((r.region.as_str(), r.indicator.as_str(), r.target.as_str())).or_default().push(r);
    }
    // Which series each region shows: the headline ones, plus every series raised on any day.
    let mut shown: BTreeMap<&str, BTreeSet<(usize, bool, &str, &str)>> = BTreeMap::new();
    for ((region, indicator, target), series) in &by_series {
        let headline = *target == ANY && HEADLINE.contains(indicator);
        if headline || series.iter().any(|r| raised(r.level)) {
            shown.entry(region).or_default().insert((indicator_order(indicator), *target != ANY, indicator, target));
        }
    }
    // One y scale per indicator and target, shared by the regions, so that the charts compare.
    let mut y_max: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    for ((_, indicator, target), series) in &by_series {
        let m = y_max.entry((indicator, target)).or_insert(0.0);
        for r in series {
            let (_, hi) = band(r);
            *m = m.max(r.value.unwrap_or(0.0)).max(hi.unwrap_or(0.0));
        }
    }
    let mut out = Vec::new();
    for region in regions {
        let mut series = Vec::new();
        for (_, _, indicator, target) in shown.get(region.region.as_str()).into_iter().flatten() {
            let rows = &by_series[&(region.region.as_str(), *indicator, *target)];
            let mut rows = rows.clone();
            rows.sort_by_key(|r| r.date);
            let last = rows.last().expect("non-empty");
            let points = rows
                .iter()
                .map(|r| {
                    let (band_low, band_high) = band(r);
                    SeriesPoint { date: r.date, value: r.value, band_low, band_high, level: r.level }
                })
                .collect();
            series.push(Series {
                indicator: indicator.to_string(),
                target: target.to_string(),
                label: label(indicator),
                unit: last.unit.clone(),
                level: if last.date == region.date { last.level } else { Level::InsufficientData },
                points,
                y_max: svg::nice_ceiling(y_max[&(*indicator, *target)]),
            });
        }
        out.push(RegionCharts { region: region.region.clone(), series });
    }
    out
}

fn target_trends(h: &crate::indicators::store::History, latest: NaiveDate) -> Vec<TargetTrend> {
    let recent_from = latest - chrono::Duration::days(RECENT_DAYS - 1);
    let before_from = recent_from - chrono::Duration::days(BEFORE_DAYS);
    let mut out = Vec::new();
    for (region, days) in &h.regions {
        let mut per: BTreeMap<&str, (i64, i64, BTreeMap<&str, i64>)> = BTreeMap::new();
        let (mut recent_docs, mut before_docs) = (0, 0);
        for (d, t) in days.range(before_from..=latest) {
            let recent = *d >= recent_from;
            if recent {
                recent_docs += t.docs;
            } else {
                before_docs += t.docs;
            }
            for ((cat, target), (flagged, _)) in &t.categories {
                if target == ANY || *flagged == 0 {
                    continue;
                }
                let e = per.entry(target.as_str()).or_default();
                if recent {
                    e.0 += flagged;
                    *e.2.entry(cat.as_str()).or_default() += flagged;
                } else {
                    e.1 += flagged;
                }
            }
        }
        // A group no longer named lately is not what changed this morning.
        for (target, (recent, before, cats)) in per.into_iter().filter(|(_, (recent, _, _))| *recent > 0) {
            let top_category = cats.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(c, _)| c.to_string()).unwrap_or_default();
            out.push(TargetTrend { region: region.clone(), target: target.to_string(), recent, recent_docs, before, before_docs, top_category });
        }
    }
    out.sort_by(|a, b| {
        b.recent
            .cmp(&a.recent)
            .then(b.recent_rate().total_cmp(&a.recent_rate()))
            .then(a.before.cmp(&b.before))
            .then(a.region.cmp(&b.region))
            .then(a.target.cmp(&b.target))
    });
    out.truncate(15);
    out
}

/// One term's documents in the evidence, as the report's term table counts them.
#[derive(Default)]
struct TermAcc {
    categories: BTreeSet<String>,
    langs: BTreeSet<String>,
    regions: BTreeSet<String>,
    recent: i64,
    before: i64,
}

/// What one day of evidence gives the report: per term, the documents that count (not discounted)
/// with their categories, languages and regions; the day's best rows for the sample; its row count.
/// `tocsin run` builds these while it writes the evidence, so its report does not read the night's
/// evidence back (a tenth of a one-thread benchmark run); [`gather`] builds them from the store.
#[derive(Debug, Clone, Default)]
pub struct DayDigest {
    /// Per term; hashed, not ordered: every evidence row looks its terms up here, and a tree
    /// compared strings at each of its levels.
    terms: std::collections::HashMap<String, TermDay, foldhash::fast::RandomState>,
    /// The day's best rows for the sample, at most [`SAMPLE_SIZE`].
    sample: Vec<EvidenceRow>,
    rows: usize,
}

#[derive(Debug, Clone, Default)]
struct TermDay {
    categories: BTreeSet<String>,
    langs: BTreeSet<String>,
    regions: BTreeSet<String>,
    docs: i64,
}

fn insert_missing(set: &mut BTreeSet<String>, value: &str) {
    if !set.contains(value) {
        set.insert(value.to_string());
    }
}

impl DayDigest {
    /// Adds rows of the same day.
    pub fn add(&mut self, rows: &[EvidenceRow]) {
        self.rows += rows.len();
        for r in rows.iter().filter(|r| r.status != "discounted") {
            for term in &r.terms {
                // One search for a term already seen (almost all of them), not two.
                let a = match self.terms.get_mut(term) {
                    Some(a) => a,
                    None => self.terms.entry(term.clone()).or_default(),
                };
                for s in r.signals.iter().filter(|s| &s.term == term && s.category != "group_reference") {
                    insert_missing(&mut a.categories, &s.category);
                }
                insert_missing(&mut a.langs, &r.lang);
                insert_missing(&mut a.regions, &r.region);
                a.docs += 1;
            }
        }
        // Only the best few rows are copied: a day has hundreds of thousands.
        let mut best: Vec<&EvidenceRow> = rows.iter().collect();
        if best.len() > SAMPLE_SIZE {
            best.select_nth_unstable_by(SAMPLE_SIZE - 1, |a, b| sample_order(a, b));
            best.truncate(SAMPLE_SIZE);
        }
        self.sample.extend(best.into_iter().cloned());
        self.sample.sort_by(sample_order);
        self.sample.truncate(SAMPLE_SIZE);
    }

    fn merge(mut self, other: DayDigest) -> Self {
        for (term, b) in other.terms {
            let a = self.terms.entry(term).or_default();
            a.categories.extend(b.categories);
            a.langs.extend(b.langs);
            a.regions.extend(b.regions);
            a.docs += b.docs;
        }
        self.rows += other.rows;
        self.sample.extend(other.sample);
        self.sample.sort_by(sample_order);
        self.sample.truncate(SAMPLE_SIZE);
        self
    }
}

/// What the report takes from the evidence: term counts of the recent window and the one before it,
/// and the best rows of the recent window for the sample, from the digests of the days.
#[derive(Default)]
struct EvidenceDigest {
    terms: BTreeMap<String, TermAcc>,
    /// Candidates for the sample: never more than twice its size.
    sample: Vec<EvidenceRow>,
    recent_total: usize,
}

impl EvidenceDigest {
    fn add_day(&mut self, date: NaiveDate, day: DayDigest, latest: NaiveDate) {
        let recent_from = latest - chrono::Duration::days(RECENT_DAYS - 1);
        let before_from = recent_from - chrono::Duration::days(BEFORE_DAYS);
        if date < before_from || date > latest {
            return;
        }
        let recent = date >= recent_from;
        for (term, t) in day.terms {
            let a = self.terms.entry(term).or_default();
            a.categories.extend(t.categories);
            a.langs.extend(t.langs);
            if recent {
                a.recent += t.docs;
                a.regions.extend(t.regions);
            } else {
                a.before += t.docs;
            }
        }
        if recent {
            self.recent_total += day.rows;
            self.sample.extend(day.sample);
            if self.sample.len() >= 2 * SAMPLE_SIZE {
                self.keep_best();
            }
        }
    }

    /// Both digests together (the same as adding every day of both to one).
    fn merge(mut self, other: EvidenceDigest) -> Self {
        if self.terms.len() < other.terms.len() {
            return other.merge(self);
        }
        for (term, b) in other.terms {
            let a = self.terms.entry(term).or_default();
            a.categories.extend(b.categories);
            a.langs.extend(b.langs);
            a.regions.extend(b.regions);
            a.recent += b.recent;
            a.before += b.before;
        }
        self.recent_total += other.recent_total;
        self.sample.extend(other.sample);
        if self.sample.len() >= 2 * SAMPLE_SIZE {
            self.keep_best();
        }
        self
    }

    fn keep_best(&mut self) {
        self.sample.sort_by(sample_order);
        self.sample.truncate(SAMPLE_SIZE);
    }

    /// The term table: terms with hostile categories, most recent documents first, at most 15.
    fn term_trends(&self) -> Vec<TermTrend> {
        let mut out: Vec<TermTrend> = self
            .terms
            .iter()
            .filter(|(_, a)| !a.categories.is_empty())
            .map(|(t, a)| TermTrend {
                term: t.clone(),
                categories: a.categories.iter().cloned().collect(),
                langs: a.langs.iter().cloned().collect(),
                regions: a.regions.iter().cloned().collect(),
                recent: a.recent,
                before: a.before,
            })
            .collect();
        out.sort_by(|a, b| b.recent.cmp(&a.recent).then(a.before.cmp(&b.before)).then(a.term.cmp(&b.term)));
        out.truncate(15);
        out
    }

    fn into_section(mut self, total: usize) -> EvidenceSection {
        self.keep_best();
        EvidenceSection::Sample { rows: self.sample, recent_total: self.recent_total, total }
    }
}

fn status_rank(s: &str) -> u8 {
    match s {
        "hostile" => 2,
        "reported" => 1,
        _ => 0,
    }
}

/// The sample's order: hostile before reported before discounted, then severity, calls to action, reach, recency.
fn sample_order(a: &EvidenceRow, b: &EvidenceRow) -> std::cmp::Ordering {
    status_rank(&b.status)
        .cmp(&status_rank(&a.status))
        .then(b.max_severity.cmp(&a.max_severity))
        .then(b.call_to_action.cmp(&a.call_to_action))
        .then(b.reach.cmp(&a.reach))
        .then(b.timestamp.cmp(&a.timestamp))
        .then(a.doc_id.cmp(&b.doc_id))
        .then(a.source_name.cmp(&b.source_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + chrono::Duration::days(n)
    }

    fn row(n: i64, region: &str, indicator: &str, target: &str, value: f64, level: Level) -> IndicatorRow {
        IndicatorRow {
            date: day(n),
            region: region.into(),
            indicator: indicator.into(),
            target: target.into(),
            unit: "per_10k_docs".into(),
            value: Some(value),
            count: 1,
            docs: 30,
            baseline: Some(0.0),
            baseline_mad: Some(0.0),
            baseline_mean: Some(100.0),
            baseline_days: 28,
            ratio: None,
            deviation: None,
            count_week: None,
            value_week: None,
            deviation_week: None,
            level,
            reason: String::new(),
            framework_indicators: String::new(),
        }
    }

    /// R-UP: targeting normal, elevated, high, high; its group last seen (raised) on day 1. R-FLAT: normal.
    fn rows() -> Vec<IndicatorRow> {
        use Level::*;
        let mut rows = Vec::new();
        for (n, level, v) in [(0, Normal, 100.0), (1, Elevated, 900.0), (2, High, 1500.0), (3, High, 2400.0)] {
            rows.push(row(n, "R-UP", "targeting", "*", v, level));
            rows.push(row(n, "R-UP", "mobilisation", "*", 0.0, Normal));
            rows.push(row(n, "R-FLAT", "targeting", "*", 50.0, if n == 0 { InsufficientData } else { Normal }));
        }
        rows.push(row(1, "R-UP", "targeting", "ethnicity:oru", 900.0, Elevated));
        rows
    }

    /// A flagged row of day `n`: terms, region and severity vary with `k` so days overlap in some terms only.
    fn flagged(n: i64, k: usize) -> EvidenceRow {
        let term = format!("t{}", (n as usize * 3 + k) % 11);
        EvidenceRow {
            date: day(n),
            doc_id: format!("d{n}-{k}"),
            source_name: "s".into(),
            source: "chan".into(),
            region: format!("R{}", k % 4),
            lang: ["en", "fr"][k % 2].into(),
            timestamp: day(n).and_hms_opt(12, 0, k as u32).expect("time").and_utc(),
            speaker: None,
            speaker_type: None,
            reach: (k * 7 % 13) as i64,
            status: ["hostile", "reported", "discounted"][k % 3].into(),
            categories: vec!["dehumanisation".into()],
            targets: Vec::new(),
            terms: vec![term.clone()],
            max_severity: (k % 3) as i32 + 1,
            call_to_action: k.is_multiple_of(5),
            attributed: false,
            counter_speech: false,
            snippet: None,
            signals: vec![crate::evidence::EvidenceSignal {
                category: ["dehumanisation", "group_reference"][k % 2].into(),
                target: None,
                rule: "r".into(),
                term,
                start: 0,
                end: 1,
                severity: 2,
                status: "hostile".into(),
                modifiers: Vec::new(),
                text: None,
            }],
        }
    }

    #[test]
    fn evidence_digests_merged_pairwise_equal_days_added_in_turn() {
        let digest = |n: i64| {
            let mut d = DayDigest::default();
            d.add(&(0..30).map(|k| flagged(n, k)).collect::<Vec<_>>());
            d
        };
        let latest = day(40);
        let mut in_turn = EvidenceDigest::default();
        for n in 0..40 {
            in_turn.add_day(day(n), digest(n), latest);
        }
        let pairwise = (0..40)
            .map(|n| {
                let mut d = EvidenceDigest::default();
                d.add_day(day(n), digest(n), latest);
                d
            })
            .reduce(|a, b| a.merge(b))
            .expect("days");
        assert_eq!(pairwise.term_trends(), in_turn.term_trends());
        assert!(!in_turn.term_trends().is_empty());
        assert_eq!(pairwise.recent_total, in_turn.recent_total);
        assert_eq!(pairwise.into_section(0), in_turn.into_section(0));
    }

    #[test]
    fn regions_say_their_level_and_since_when() {
        let rows = rows();
        let regions = region_summaries(&rows, None);
        assert_eq!(regions.iter().map(|r| r.region.as_str()).collect::<Vec<_>>(), ["R-UP", "R-FLAT"], "highest level first");
        let up = &regions[0];
        assert_eq!((up.level, up.since, up.raised_since), (Level::High, Some(day(2)), Some(day(1))));
        assert_eq!(up.high, ["targeting"]);
        assert_eq!(up.days.len(), 4);
        let flat = &regions[1];
        assert_eq!((flat.level, flat.since, flat.raised_since), (Level::Normal, Some(day(1)), None));
    }

    #[test]
    fn alerts_are_the_latest_day_s_raised_rows_with_their_run() {
        let rows = rows();
        let regions = region_summaries(&rows, None);
        let alerts = alerts(&rows, &regions);
        // The group's row of day 1 is raised but stale: not a current alert.
        assert_eq!(alerts.len(), 1, "{alerts:#?}");
        assert_eq!((alerts[0].row.indicator.as_str(), alerts[0].since, alerts[0].days), ("targeting", day(1), 3));
    }

    #[test]
    fn charts_show_headline_and_raised_series_on_a_shared_scale() {
        let rows = rows();
        let regions = region_summaries(&rows, None);
        let charts = charts(&rows, &regions, Some((day(0), day(3))));
        let names = |c: &RegionCharts| c.series.iter().map(|s| series_name(&s.indicator, &s.target)).collect::<Vec<_>>();
        assert_eq!(names(&charts[0]), ["targeting", "targeting:ethnicity:oru", "mobilisation"]);
        assert_eq!(names(&charts[1]), ["targeting"]);
        // R-FLAT's targeting chart goes up to R-UP's peak (2400 → 2500).
        assert_eq!(charts[0].series[0].y_max, 2500.0);
        assert_eq!(charts[1].series[0].y_max, 2500.0);
        // Band: median 0 to mean 100 (MAD 0).
        assert_eq!((charts[1].series[0].points[1].band_low, charts[1].series[0].points[1].band_high), (Some(0.0), Some(100.0)));
        // A period that starts later leaves the earlier days out.
        let later = super::charts(&rows, &regions, Some((day(2), day(3))));
        assert_eq!(later[0].series[0].points.len(), 2);
    }
}
