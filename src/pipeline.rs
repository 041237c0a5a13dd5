//! The pipeline: validate everything up front, then stream chunks through
//! ingest → detect → aggregate on all cores, then write the outputs atomically.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use std::borrow::Cow;

use crate::aggregate::{text_key, Aggregator, RepostEntry, SeriesRow};
use crate::config::{ConfigError, EvidenceFormat, Format, LoadedConfig, Problem};
use crate::detect::Detector;
use crate::document::Pseudonymiser;
use crate::evidence::{evidence_row, EvidenceRow};
use crate::ingest::decompress::{file_digest, open};
use crate::ingest::timestamp::TimeParser;
use crate::ingest::{Chunk, ChunkStream, IngestContext, Reject, SourcePlan};
use crate::language::{LangCounts, Languages};
use crate::lexicon::{load_lexicons, LexiconInfo, LexiconSet};
use crate::normalize::MatchingView;
use crate::region::{PlacementCounts, RegionAssigner, RegionsRecord};
use crate::sink::evidence::{EvidenceSpill, SPILL_ROWS};
use crate::sink::lock::{LockError, OutputLock};
use crate::sink::manifest::{InputFile, LexiconRecord, Manifest, OutputFile, RuleRecord, SourceCounts};
use crate::sink::reposts::{RepostLog, REPOST_BATCH};
use crate::sink::spill::{write_rejects, RejectLog};
use crate::sink::{parquet, timeseries, SinkError, Staging};

/// The key used by pipelines marked `demo = true` when no key is configured.
/// It is public on purpose: demo data is fictional and needs no protection.
pub const DEMO_KEY: &[u8] = b"tocsin-demo-key: not a secret, for fictional demo data only";

/// A pipeline with everything it references loaded and checked.
#[derive(Debug)]
pub struct Prepared {
    /// The config.
    pub config: LoadedConfig,
    /// Ingest context (sources, time, pseudonymiser, limits).
    pub ingest: IngestContext,
    /// The compiled detector.
    pub detector: Arc<Detector>,
    /// Lexicons loaded.
    pub lexicons: Vec<LexiconInfo>,
    /// Output directory.
    pub out_dir: PathBuf,
    /// Region assignment (order, source table, gazetteers).
    pub regions: Arc<RegionAssigner>,
    /// Language detection and the languages each source is read in.
    pub languages: Arc<Languages>,
}

impl Prepared {
    /// The lexicons as the manifest records them.
    pub fn lexicon_records(&self) -> Vec<LexiconRecord> {
        self.lexicons.iter().map(|l| LexiconRecord { name: l.name.clone(), version: l.version.clone(), entries: l.entries, sha256: l.sha256.clone() }).collect()
    }

    /// The rule files as the manifest records them.
    pub fn rule_records(&self) -> Vec<RuleRecord> {
        self.detector.rules().files.iter().map(|(path, sha)| RuleRecord { path: path.display().to_string(), sha256: sha.clone() }).collect()
    }
}

/// Where the shipped lexicons are: `$TOCSIN_LEXICONS`, `./lexicons`, next to the binary's repo, or the source tree.
pub fn default_lexicon_dir() -> PathBuf {
    if let Ok(p) = std::env::var("TOCSIN_LEXICONS") {
        return PathBuf::from(p);
    }
    let here = PathBuf::from("lexicons");
    if here.join("common").is_dir() {
        return here;
    }
    if let Ok(exe) = std::env::current_exe() {
        for up in exe.ancestors().skip(1).take(4) {
            let p = up.join("lexicons");
            if p.join("common").is_dir() {
                return p;
            }
        }
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lexicons")
}

/// Loads and validates everything a config references; every problem is listed.
pub fn prepare(config: LoadedConfig) -> Result<Prepared, ConfigError> {
    prepare_with(config, true)
}

/// Like [`prepare`], for the batch API on a cluster's workers: the input
/// files and the output directory live elsewhere (the engine reads the
/// inputs, the driver writes the store), so they are not looked for here.
pub fn prepare_for_batches(config: LoadedConfig) -> Result<Prepared, ConfigError> {
    prepare_with(config, false)
}

fn prepare_with(config: LoadedConfig, local_io: bool) -> Result<Prepared, ConfigError> {
    let mut problems: Vec<Problem> = config.parse_problems.clone();
    let c = &config.config;
    let tz = config.time_zone().map_err(|p| problems.push(p)).ok();
    let min_date = match chrono::NaiveDate::parse_from_str(&c.limits.min_date, "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            problems.push(Problem { file: config.path.clone(), line: None, message: format!("limits.min_date `{}` is not YYYY-MM-DD", c.limits.min_date) });
            chrono::NaiveDate::from_ymd_opt(1990, 1, 1).expect("date")
        }
    };
    if c.sources.is_empty() {
        problems.push(Problem { file: config.path.clone(), line: None, message: "no [[sources]]: nothing to read".into() });
    }
    let mut plans = Vec::new();
    for s in &c.sources {
        let (files, ps) = if local_io { config.source_files(s) } else { (Vec::new(), Vec::new()) };
        problems.extend(ps);
        if s.format == Format::Csv {
            if s.csv.delimiter_byte().is_none() {
                problems.push(Problem {
                    file: config.path.clone(),
                    line: None,
                    message: format!("source `{}`: csv.delimiter `{}` must be one character", s.name, s.csv.delimiter),
                });
            }
            if s.csv.quote_byte().is_none() {
                problems.push(Problem {
                    file: config.path.clone(),
                    line: None,
                    message: format!("source `{}`: csv.quote `{}` must be one character", s.name, s.csv.quote),
                });
            }
        }
        let plan = SourcePlan::new(s, files);
        if s.format == Format::Csv {
            for f in &plan.files {
                if let Err(msg) = check_csv_header(f, &plan) {
                    problems.push(Problem { file: f.clone(), line: Some(1), message: format!("source `{}`: {msg}", s.name) });
                }
            }
        }
        plans.push(plan);
    }
    let lexicon_paths: Vec<PathBuf> = if c.lexicons.is_empty() {
        vec![default_lexicon_dir()]
    } else {
        let mut found = Vec::new();
        for l in &c.lexicons {
            let p = config.resolve(l.get_ref());
            if p.exists() {
                found.push(p);
            } else {
                problems.push(config.problem_at(l, format!("lexicon `{}` does not exist", p.display())));
            }
        }
        found
    };
    let set = match load_lexicons(&lexicon_paths) {
        Ok(set) => Some(set),
        Err(e) => {
            problems.extend(e.problems);
            None
        }
    };
    let key = pseudonym_key(&config).map_err(|p| problems.push(p)).ok();
    let regions = RegionAssigner::from_config(&config).map_err(|ps| problems.extend(ps)).ok();
    let languages = Languages::from_config(&config).map_err(|ps| problems.extend(ps)).ok();
    let out_dir = config.output_dir();
    if let Err(msg) = if local_io { check_writable(&out_dir) } else { Ok(()) } {
        problems.push(config.problem_at(&c.output, msg));
    }
    let detector = match set {
        Some(set) => match Detector::new(set.clone(), c.signals.clone()).map(|d| d.with_fuzzy(c.matching.fuzzy)) {
            Ok(d) => Some((d, set)),
            Err(crate::detect::DetectorError::Rules(e)) => {
                problems.extend(e.problems);
                None
            }
            Err(e) => {
                problems.push(Problem { file: lexicon_paths.first().cloned().unwrap_or_default(), line: None, message: e.to_string() });
                None
            }
        },
        None => None,
    };
    if !problems.is_empty() {
        return Err(ConfigError { problems });
    }
    let (detector, set) = detector.expect("no problems means a detector");
    let tz = tz.expect("no problems means a time zone");
    let max = chrono::Utc::now() + chrono::Duration::days(c.limits.max_future_days);
    let ingest = IngestContext {
        time: TimeParser::new(tz, min_date, max),
        pseudonymiser: Pseudonymiser::new(&key.expect("no problems means a key")),
        limits: c.limits.clone(),
        sources: plans,
    };
    let lexicons = lexicon_records(&set);
    let regions = Arc::new(regions.expect("no problems means region assignment"));
    let languages = Arc::new(languages.expect("no problems means languages"));
    Ok(Prepared { ingest, detector: Arc::new(detector), lexicons, out_dir, config, regions, languages })
}

fn lexicon_records(set: &LexiconSet) -> Vec<LexiconInfo> {
    set.lexicons.clone()
}

fn check_csv_header(path: &Path, plan: &SourcePlan) -> Result<(), String> {
    let (reader, _) = open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut r = csv::ReaderBuilder::new().delimiter(plan.delimiter).quote(plan.quote).from_reader(reader);
    let header = r.byte_headers().map_err(|e| format!("cannot read the CSV header: {e}"))?;
    crate::ingest::check_header(header, plan)
}

/// Checks that the output directory can be written, without creating it:
/// a run that fails validation must leave nothing behind.
fn check_writable(dir: &Path) -> Result<(), String> {
    let existing = dir.ancestors().find(|a| a.exists()).unwrap_or(Path::new("."));
    if !existing.is_dir() {
        return Err(format!("output directory `{}` cannot be created: `{}` is not a folder", dir.display(), existing.display()));
    }
    let probe = existing.join(format!(".tocsin-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"ok").map_err(|e| format!("output directory `{}` is not writable: {e}", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The pseudonymisation key: from the configured file, the environment, or (demo pipelines only) the demo key.
fn pseudonym_key(config: &LoadedConfig) -> Result<Vec<u8>, Problem> {
    let p = &config.config.pseudonymisation;
    if let Some(f) = &p.key_file {
        let path = config.resolve(f);
        return match std::fs::read(&path) {
            Ok(k) if k.trim_ascii().len() >= 16 => Ok(k.trim_ascii().to_vec()),
            Ok(_) => Err(Problem { file: path, line: None, message: "pseudonymisation key is shorter than 16 bytes".into() }),
            Err(e) => Err(Problem { file: path, line: None, message: format!("cannot read pseudonymisation key: {e}") }),
        };
    }
    if let Ok(k) = std::env::var(&p.key_env) {
        if k.len() >= 16 {
            return Ok(k.into_bytes());
        }
        return Err(Problem { file: config.path.clone(), line: None, message: format!("pseudonymisation key in ${} is shorter than 16 bytes", p.key_env) });
    }
    if config.config.demo {
        return Ok(DEMO_KEY.to_vec());
    }
    Err(Problem {
        file: config.path.clone(),
        line: None,
        message: format!(
            "no pseudonymisation key: set ${} (16+ bytes) or pseudonymisation.key_file; only a pipeline marked `demo = true` may run without one",
            p.key_env
        ),
    })
}

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads (0: the config's, else all cores).
    pub threads: usize,
    /// Show a progress bar (only used on a terminal).
    pub progress: bool,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Output directory.
    pub out_dir: PathBuf,
    /// The manifest.
    pub manifest: Manifest,
    /// Documents that counted as hostile speech somewhere.
    pub docs_flagged: u64,
    /// The indicators recomputed from the whole store after this run (`None` while the store holds no time series yet).
    pub indicators: Option<crate::indicators::IndicatorSummary>,
    /// The morning report written after the indicators (`OUTPUT/report.html`).
    pub report: Option<PathBuf>,
}

/// Why a run failed after validation.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Another run holds the output directory.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// Writing failed (disk full, permissions …); nothing was moved into place.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// Writing the outputs failed (disk full, file too large, permissions) before any was published.
    #[error("cannot write the outputs: {source}; nothing was published, `{}` is as it was before this run", .out.display())]
    Unpublished {
        /// The output directory.
        out: PathBuf,
        /// What failed.
        source: SinkError,
    },
    /// Moving the written outputs into place failed part way.
    #[error("cannot publish the outputs: {source}; the next run on `{}` finishes publishing this one from its staging folder", .out.display())]
    Publishing {
        /// The output directory.
        out: PathBuf,
        /// What failed.
        source: SinkError,
    },
    /// The thread pool could not start.
    #[error("cannot start worker threads: {0}")]
    Threads(String),
    /// The time series were written, but the indicators could not be recomputed.
    #[error("time series written, but the indicators failed: {0}; the previous indicators are unchanged (fix or remove what is named, re-run the night it came from, then `tocsin indicators STORE`)")]
    Indicators(#[from] crate::indicators::IndicatorError),
    /// The time series and indicators were written, but the report could not be.
    #[error("time series and indicators written, but the report failed: {0}")]
    Report(#[from] crate::report::ReportError),
}

/// The partial result of some chunks.
struct Partial {
    agg: Aggregator,
    rejects: Vec<Reject>,
    counts: Vec<SourceCounts>,
    evidence: Vec<EvidenceRow>,
    /// Repost-log lines not yet handed to the run's [`RepostLog`].
    reposts: Vec<RepostEntry>,
    placed: PlacementCounts,
    languages: LangCounts,
}

impl Partial {
    fn new(p: &Prepared) -> Self {
        Partial {
            agg: Aggregator::new(&p.config.config.aggregate),
            rejects: Vec::new(),
            counts: vec![SourceCounts::default(); p.ingest.sources.len()],
            evidence: Vec::new(),
            reposts: Vec::new(),
            placed: PlacementCounts::default(),
            languages: LangCounts::default(),
        }
    }

    /// Adds a chunk's documents. Repost-log lines and rejects go to the run's logs (`logs`) a batch at a
    /// time: reposts are found at the end from the log, so nothing per distinct text is kept here.
    fn process(mut self, chunk: Chunk, p: &Prepared, spill: Option<&EvidenceSpill>, logs: (&RepostLog, &RejectLog)) -> Self {
        let source_name = &p.ingest.sources[chunk.source].name;
        let counts = &mut self.counts[chunk.source];
        counts.read += chunk.rejects.len() as u64;
        counts.rejected += chunk.rejects.len() as u64;
        self.rejects.extend(chunk.rejects.iter().cloned());
        let agg = &mut self.agg;
        let rejects = &mut self.rejects;
        let evidence = &mut self.evidence;
        let placed = &mut self.placed;
        let languages = &mut self.languages;
        let reposts = &mut self.reposts;
        let source = chunk.source;
        chunk.for_each_record(&p.ingest, &mut |record| {
            counts.read += 1;
            match record {
                Ok(doc) => {
                    counts.accepted += 1;
                    counts.lossy += doc.lossy as u64;
                    let Analysed { doc, signals, key, lang, placed_by } = analyse_document(p, source, doc);
                    languages.add(doc.lang.as_deref(), &lang);
                    placed.add(placed_by);
                    reposts.extend(agg.add_deferred(&doc, &signals, key));
                    if spill.is_some() {
                        evidence.extend(evidence_row(&doc, source_name, &signals, &p.config.config.evidence));
                    }
                }
                Err(r) => {
                    counts.rejected += 1;
                    rejects.push(r);
                }
            }
        });
        if let Some(spill) = spill.filter(|_| self.evidence.len() >= SPILL_ROWS) {
            spill.spill(std::mem::take(&mut self.evidence));
        }
        if self.reposts.len() >= REPOST_BATCH {
            logs.0.add(std::mem::take(&mut self.reposts));
        }
        if self.rejects.len() >= SPILL_ROWS {
            logs.1.add(std::mem::take(&mut self.rejects));
        }
        self
    }

    fn merge(mut self, other: Partial) -> Self {
        self.agg.merge(other.agg);
        self.rejects.extend(other.rejects);
        self.evidence.extend(other.evidence);
        self.reposts.extend(other.reposts);
        self.placed.merge(&other.placed);
        self.languages.merge(other.languages);
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
        self
    }
}

/// One document after the per-document stages, ready to aggregate.
#[derive(Debug)]
pub struct Analysed<'a> {
    /// The document, with its language and region assigned.
    pub doc: crate::document::Document<'a>,
    /// Its signals.
    pub signals: Vec<crate::signal::Signal>,
    /// Its repost key ([`text_key`] of the plain matching view).
    pub key: u64,
    /// How its language was assigned (for the manifest, and the languages it is read in).
    pub lang: crate::language::Assigned,
    /// How it got its region (for the manifest).
    pub placed_by: crate::region::Method,
}

/// The per-document work of a run: language, region, detection and repost key of one document of source `source`.
///
/// `tocsin run` and the batch API ([`crate::batch`]) both call this, so a
/// document counts the same however it arrived.
pub fn analyse_document<'a>(p: &Prepared, source: usize, mut doc: crate::document::Document<'a>) -> Analysed<'a> {
    let lang = p.languages.assign(&mut doc, source);
    // One matching view serves region assignment, detection and the repost key.
    let plain = MatchingView::plain(&doc.text);
    let placement = p.regions.place(&doc, &plain);
    let placed_by = placement.method();
    if let Some(region) = placement.region() {
        doc.region = region.map(|r| Cow::Owned(r.to_string()));
    }
    let signals = p.detector.detect_langs(&plain, &p.languages.reading(doc.lang.as_deref(), source, &lang));
    let key = text_key(plain.text());
    Analysed { doc, signals, key, lang, placed_by }
}

/// What [`stage_outputs`] wrote: the files, the days, and the report's digest of every evidence day
/// written as Parquet (what the report reads).
pub(crate) type Staged = (Vec<OutputFile>, Vec<String>, BTreeMap<chrono::NaiveDate, crate::report::DayDigest>);

/// Writes a run's time series (a partition per day), evidence (a partition for every one of those days
/// and every spilled day) and rejects into the staging folder; returns what it staged and the series rows.
/// `series` makes the rows; it runs while the evidence days are written (in `tocsin run` it is the repost
/// merge, which took a tenth of a second with the other thread idle). `tocsin run` and the batch API
/// ([`crate::batch::write_store`]) both write through it.
pub(crate) fn stage_outputs(
    staging: &mut Staging,
    series: impl FnOnce() -> Result<Vec<SeriesRow>, SinkError> + Send,
    evidence: Option<(EvidenceSpill, Vec<EvidenceRow>, EvidenceFormat)>,
    rejects: (RejectLog, Vec<Reject>),
    run_id: &str,
) -> Result<(Staged, Vec<SeriesRow>), SinkError> {
    let format = evidence.as_ref().map(|(_, _, f)| *f);
    let staged = evidence.map(|(spill, rows, format)| spill.stage(rows, format, staging)).transpose()?;
    let with_evidence = staged.as_ref().map(|s| s.days()).unwrap_or_default();
    let (rows, written) = rayon::join(series, || staged.map(|s| s.write(&crate::report::DayDigest::default, &crate::report::DayDigest::add)).transpose());
    let (rows, mut written) = (rows?, written?.unwrap_or_default());
    let mut outputs = Vec::new();
    let mut dates = Vec::new();
    let mut days = BTreeSet::new();
    for (date, batch) in timeseries::batches_by_day(&rows) {
        let rel = timeseries::partition_path("timeseries", date);
        parquet::write_batch(&staging.path(&rel)?, &batch)?;
        outputs.push(OutputFile { path: rel.display().to_string(), rows: batch.num_rows() as u64 });
        dates.push(date.format("%Y-%m-%d").to_string());
        days.insert(date);
    }
    let mut digests = BTreeMap::new();
    if let Some(format) = format {
        // A day of the series without evidence still gets an (empty) partition, so a re-run replaces stale evidence.
        let empty = crate::sink::evidence::stage_empty(days.difference(&with_evidence).copied(), format, staging)?;
        written.extend(empty.write(&crate::report::DayDigest::default, &crate::report::DayDigest::add)?);
        let (files, summaries) = crate::sink::evidence::in_dates_order(written, &days);
        for (rel, n) in files {
            outputs.push(OutputFile { path: rel.display().to_string(), rows: n });
        }
        if matches!(format, EvidenceFormat::Parquet | EvidenceFormat::Both) {
            digests.extend(summaries);
        }
    }
    let rel = PathBuf::from("rejects").join(format!("{run_id}.jsonl"));
    let n = write_rejects(rejects.0, rejects.1, &staging.path(&rel)?)?;
    outputs.push(OutputFile { path: rel.display().to_string(), rows: n });
    Ok(((outputs, dates, digests), rows))
}

/// Runs a prepared pipeline.
pub fn run(p: &Prepared, opts: &RunOptions) -> Result<RunSummary, RunError> {
    let started = chrono::Utc::now();
    let _lock = OutputLock::acquire(&p.out_dir)?;
    let threads = if opts.threads > 0 { opts.threads } else { p.config.config.threads };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| RunError::Threads(e.to_string()))?;
    // Staged from the start: evidence spills into it while the workers run.
    let mut staging = Staging::new(&p.out_dir).map_err(|source| RunError::Unpublished { out: p.out_dir.clone(), source })?;
    let spill = if p.config.config.evidence.format == EvidenceFormat::Off {
        None
    } else {
        match EvidenceSpill::with_budget(staging.scratch("evidence"), p.config.config.memory.evidence_bytes()) {
            Ok(s) => Some(s),
            Err(e) => {
                staging.abandon();
                return Err(e.into());
            }
        }
    };
    let log = match RepostLog::with_budget(staging.scratch("reposts"), p.config.config.memory.reposts_bytes()) {
        Ok(l) => l,
        Err(e) => {
            staging.abandon();
            return Err(e.into());
        }
    };
    let reject_log = match RejectLog::new(staging.scratch("rejects"), p.config.config.memory.rejects_bytes()) {
        Ok(l) => l,
        Err(e) => {
            staging.abandon();
            return Err(e.into());
        }
    };
    let stream = ChunkStream::new(&p.ingest);
    let digests = stream.digests.clone();
    let progress = progress_bar(opts.progress);
    let docs_seen = AtomicU64::new(0);
    let result = pool.install(|| {
        stream
            .par_bridge()
            .fold(
                || Partial::new(p),
                |acc, chunk| {
                    let before = acc.counts.iter().map(|c| c.read).sum::<u64>();
                    let acc = acc.process(chunk, p, spill.as_ref(), (&log, &reject_log));
                    let n = acc.counts.iter().map(|c| c.read).sum::<u64>() - before;
                    let total = docs_seen.fetch_add(n, Ordering::Relaxed) + n;
                    if let Some(pb) = &progress {
                        pb.set_message(format!("{total} records"));
                        pb.tick();
                    }
                    acc
                },
            )
            .reduce(|| Partial::new(p), Partial::merge)
    });
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    let mut result = result;
    let rejects = (reject_log, std::mem::take(&mut result.rejects));
    let inputs = input_records(p, &digests.lock().expect("digests"));
    let run_id = run_id(p, &inputs);
    let reposts = std::mem::take(&mut result.reposts);
    let agg = &mut result.agg;
    // The repost merge completes the series; it runs beside the evidence writing.
    let series = move || -> Result<Vec<SeriesRow>, SinkError> {
        agg.take_back(&log.finish(reposts)?);
        Ok(agg.rows())
    };
    let evidence_rows = std::mem::take(&mut result.evidence);
    // In the run's pool: evidence days are encoded in parallel, with the threads the run was given.
    let format = p.config.config.evidence.format;
    let written = pool.install(|| stage_outputs(&mut staging, series, spill.map(|s| (s, evidence_rows, format)), rejects, &run_id));
    let ((outputs, dates, evidence_digests), rows) = match written {
        Ok(x) => x,
        Err(source) => {
            staging.abandon();
            return Err(RunError::Unpublished { out: p.out_dir.clone(), source });
        }
    };
    let docs_flagged = rows.iter().filter(|r| r.category == crate::aggregate::ALL_CATEGORIES).map(|r| r.docs_flagged as u64).sum();
    let mut sources = BTreeMap::new();
    for (plan, counts) in p.ingest.sources.iter().zip(&result.counts) {
        *sources.entry(plan.name.clone()).or_default() += *counts;
    }
    let mut totals = SourceCounts::default();
    for c in &result.counts {
        totals += *c;
    }
    let manifest = Manifest {
        tocsin_version: env!("CARGO_PKG_VERSION").into(),
        run_id: run_id.clone(),
        pipeline: p.config.config.name.clone(),
        config_path: p.config.path.display().to_string(),
        config_sha256: p.config.hash(),
        timezone: p.config.config.timezone.get_ref().clone(),
        inputs,
        lexicons: p.lexicon_records(),
        rules: p.rule_records(),
        sources,
        totals,
        languages: result.languages.finish(),
        regions: RegionsRecord { placed_by: result.placed, ..p.regions.record().clone() },
        dates,
        outputs,
        started: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        finished: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|source| SinkError::Json { path: p.out_dir.join("manifest.json"), source })?;
    let finish = (|| -> Result<(), SinkError> {
        staging.write(&PathBuf::from("runs").join(format!("{run_id}.json")), &json)?;
        staging.write(Path::new("manifest.json"), &json)?;
        Ok(())
    })();
    if let Err(source) = finish {
        staging.abandon();
        return Err(RunError::Unpublished { out: p.out_dir.clone(), source });
    }
    staging.commit(Some(Path::new("manifest.json"))).map_err(|source| RunError::Publishing { out: p.out_dir.clone(), source })?;
    // Still under the output lock: the indicators are recomputed from the whole store, so earlier nights count.
    let indicators = if p.out_dir.join("timeseries").is_dir() {
        Some(pool.install(|| crate::indicators::compute(&p.out_dir, &crate::indicators::IndicatorOptions::default()))?)
    } else {
        None
    };
    // Still under the lock, so the report shows one consistent store; written atomically.
    // The night's evidence days come digested from staging; only earlier days are read back.
    let report = Some(pool.install(|| crate::report::write_with(&p.out_dir, None, &crate::report::ReportOptions::default(), evidence_digests))?);
    Ok(RunSummary { out_dir: p.out_dir.clone(), manifest, docs_flagged, indicators, report })
}

fn progress_bar(wanted: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_style(indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("template"));
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    Some(pb)
}

fn input_records(p: &Prepared, digests: &[(usize, PathBuf, crate::ingest::decompress::Digest)]) -> Vec<InputFile> {
    digests
        .iter()
        .map(|(s, path, d)| {
            let meta = std::fs::metadata(path).ok();
            let size = meta.as_ref().map_or(0, |m| m.len());
            // A file the reader stopped inside (corrupt tail) is hashed whole from disk;
            // a stream (named pipe) cannot be read again: what was read is what it was.
            let stream = meta.is_some_and(|m| !m.is_file());
            let (sha256, bytes) = if stream {
                (d.hex(), d.bytes())
            } else if d.bytes() == size {
                (d.hex(), size)
            } else {
                file_digest(path).unwrap_or_else(|_| (String::new(), size))
            };
            InputFile { source: p.ingest.sources[*s].name.clone(), path: path.display().to_string(), bytes, sha256 }
        })
        .collect()
}

/// A run id hasher fed with what determines the rows besides the data: config, lexicons, region files.
/// `tocsin run` adds the input files' hashes, the batch API the rows.
pub(crate) fn run_id_hasher(p: &Prepared) -> Sha256 {
    let mut h = Sha256::new();
    h.update(p.config.hash());
    for l in &p.lexicons {
        h.update(&l.sha256);
    }
    // Region files change the rows too; runs without any keep their earlier ids.
    let r = p.regions.record();
    for f in r.source_table.iter().chain(&r.gazetteers) {
        h.update(&f.sha256);
    }
    h
}

fn run_id(p: &Prepared, inputs: &[InputFile]) -> String {
    let mut h = run_id_hasher(p);
    for i in inputs {
        h.update(&i.sha256);
    }
    hex::encode(h.finalize())[..16].to_string()
}
