//! The `tocsin` command line: parses arguments and calls the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tocsin::config::{toml_string, ConfigError, LoadedConfig};
use tocsin::indicators::{IndicatorError, IndicatorOptions, Level};
use tocsin::pipeline::{self, RunOptions};

// glibc malloc was a fifth of a one-thread run's CPU (perf, 20 MB benchmark slice): documents,
// views and evidence rows are many small short-lived allocations, which mimalloc serves from
// per-thread free lists.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its index in `mi_option_e`, mimalloc.h; libmimalloc-sys names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory freed by a run is handed back to the system only after it has been unused for ten seconds, not one:
/// chunks and evidence buffers are freed and allocated again all through a run, and each time the freed pages
/// had been returned, the kernel faulted and zeroed them anew (16,000 page faults and 5 % of a one-thread
/// benchmark run, against 900 faults with this delay; peak memory within 10 %).
fn keep_freed_memory_longer() {
    // SAFETY: mi_option_set only stores an option value; the purge delay may change at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10_000) }
}

#[derive(Parser)]
#[command(
    name = "tocsin",
    version,
    about = "Watch media and social text for dehumanisation, targeting of groups and incitement; write per-region daily time series and indicators."
)]
struct Cli {
    /// Only print errors.
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a pipeline (default: pipelines/demo.toml), or a run described by flags alone.
    Run(RunArgs),
    /// Check a pipeline config and everything it references; lists every problem (exit 2).
    Validate {
        /// The pipeline config.
        pipeline: PathBuf,
    },
    /// Verdicts on single documents: JSONL (`text`, optional `id`, `lang`) or plain text, one document per line.
    Scan {
        /// Input files; `-` or none for standard input.
        files: Vec<PathBuf>,
        /// Print the reasons in words instead of JSON.
        #[arg(long)]
        explain: bool,
        /// Lexicon folders or CSV files (default: the shipped lexicons).
        #[arg(long)]
        lexicon: Vec<PathBuf>,
    },
    /// Measure quality on labelled JSONL (`text`, `label`: hateful / non-hateful / a category).
    Eval {
        /// Labelled files.
        files: Vec<PathBuf>,
        /// Grouping columns (default: functionality, lang, target where present).
        #[arg(long, value_delimiter = ',')]
        by: Vec<String>,
        /// List the cases the tool got wrong.
        #[arg(long)]
        errors: bool,
        /// Lexicon folders or CSV files (default: the shipped lexicons).
        #[arg(long)]
        lexicon: Vec<PathBuf>,
    },
    /// Recompute the stage-two indicators of a store (an output directory) from its whole time series history.
    Indicators(IndicatorArgs),
    /// Write the morning report (one self-contained HTML page) of a run's output directory.
    Report(ReportArgs),
    /// Lexicon tools.
    Lexicon {
        #[command(subcommand)]
        command: LexiconCommand,
    },
    /// Gazetteer tools (place names → regions, for region assignment).
    Gazetteer {
        #[command(subcommand)]
        command: GazetteerCommand,
    },
}

#[derive(Subcommand)]
enum GazetteerCommand {
    /// Validate gazetteer CSV files; lists every problem with file and line (exit 2).
    Check {
        /// Gazetteer files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Turn GeoNames dumps (admin1CodesASCII.txt, cities*.txt) into a gazetteer CSV.
    Import {
        /// Source format.
        #[arg(long, value_enum)]
        format: tocsin::region::import::GeonamesFormat,
        /// The GeoNames files (plain, gzip or zstd).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Only this country (ISO 3166-1 alpha-2, e.g. KE).
        #[arg(long)]
        country: Option<String>,
        /// With geonames-cities: admin1CodesASCII.txt; its division names are imported too.
        #[arg(long)]
        admin1: Option<PathBuf>,
        /// Leave out cities with fewer inhabitants.
        #[arg(long, default_value_t = 0)]
        min_population: u64,
        /// CSV `geonames_code,iso_3166_2` (e.g. `KE.05,KE-30`): regions as ISO 3166-2 codes (docs/REGIONS.md).
        #[arg(long)]
        iso_map: Option<PathBuf>,
        /// The gazetteer CSV to write.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum LexiconCommand {
    /// Validate lexicon packs or CSV files; lists every problem with file and line (exit 2).
    Check {
        /// Lexicon folders or files.
        paths: Vec<PathBuf>,
    },
    /// Import a third-party lexicon (HurtLex, Hatebase, any CSV) into a pack folder of your own.
    Import {
        /// Source format.
        #[arg(long, value_enum)]
        format: tocsin::lexicon::import::ImportFormat,
        /// The file to import.
        file: PathBuf,
        /// Folder to write the pack into.
        #[arg(long)]
        out: PathBuf,
        /// Language when the file does not say.
        #[arg(long)]
        lang: Option<String>,
        /// Pack name (default: the file's name).
        #[arg(long)]
        name: Option<String>,
        /// CSV: map one of our columns to theirs, e.g. `term=Word` (repeatable).
        #[arg(long = "column", value_parser = parse_pair)]
        columns: Vec<(String, String)>,
        /// CSV: map one of their categories to ours, e.g. `insult=derogation` (repeatable).
        #[arg(long = "category", value_parser = parse_pair)]
        categories: Vec<(String, String)>,
    },
    /// List the real words (one per line in WORDS, e.g. a spelling dictionary) that fuzzy
    /// matching would rewrite in a language: candidates for the pack's words.txt guard list.
    FuzzyCheck {
        /// Word list, one word per line.
        words: PathBuf,
        /// Language whose lexicon words the rewrites go to.
        #[arg(long)]
        lang: String,
        /// Lexicon folders or CSV files (default: the shipped lexicons).
        #[arg(long)]
        lexicon: Vec<PathBuf>,
    },
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=').map(|(a, b)| (a.trim().to_string(), b.trim().to_string())).ok_or_else(|| format!("`{s}`: expected KEY=VALUE"))
}

#[derive(clap::Args)]
struct IndicatorArgs {
    /// The store: a run's output directory (holding timeseries/).
    store: PathBuf,
    /// Framework of Analysis mapping CSV (default: mappings/framework.csv if found, else the built-in copy).
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Days of the trailing baseline window.
    #[arg(long, default_value_t = IndicatorOptions::default().window_days)]
    window: i64,
    /// Days with enough documents a baseline needs.
    #[arg(long, default_value_t = IndicatorOptions::default().min_history_days)]
    min_history: usize,
    /// Documents a region needs on a day to be judged.
    #[arg(long, default_value_t = IndicatorOptions::default().min_docs)]
    min_docs: i64,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// The output directory of a run (default: the pipeline's).
    #[arg(long, conflicts_with = "pipeline")]
    out: Option<PathBuf>,
    /// Pipeline config whose output directory to report on (default: pipelines/demo.toml).
    #[arg(long)]
    pipeline: Option<PathBuf>,
    /// Where to write the HTML (default: OUTPUT/report.html).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Show evidence snippets as stored, without masking matched terms.
    #[arg(long)]
    no_redact: bool,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Pipeline config (TOML).
    pipeline: Option<PathBuf>,
    /// Input file, folder, glob or named pipe (JSONL with fields id, text, lang, region, timestamp, author, source; plain, gzip or zstd).
    #[arg(long, conflicts_with = "pipeline")]
    input: Vec<String>,
    /// Lexicon folder or CSV (term,lang,category,…); default: the shipped lexicons.
    #[arg(long)]
    lexicon: Vec<String>,
    /// Output directory (with --input).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Time zone of day boundaries (with --input).
    #[arg(long, default_value = "UTC")]
    timezone: String,
    /// Worker threads (default: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

fn main() -> ExitCode {
    keep_freed_memory_longer();
    let cli = Cli::parse();
    init_logging(cli.quiet);
    match cli.command {
        Command::Run(args) => run(args, cli.quiet),
        Command::Validate { pipeline } => validate(&pipeline),
        Command::Indicators(args) => indicators(args, cli.quiet),
        Command::Report(args) => report(args, cli.quiet),
        Command::Lexicon { command: LexiconCommand::Check { paths } } => lexicon_check(&paths),
        Command::Lexicon { command: LexiconCommand::Import { format, file, out, lang, name, columns, categories } } => {
            let opts =
                tocsin::lexicon::import::ImportOptions { lang, name, columns: columns.into_iter().collect(), categories: categories.into_iter().collect() };
            lexicon_import(format, &file, &out, &opts)
        }
        Command::Lexicon { command: LexiconCommand::FuzzyCheck { words, lang, lexicon } } => fuzzy_check(&words, &lang, &lexicon),
        Command::Gazetteer { command: GazetteerCommand::Check { files } } => gazetteer_check(&files),
        Command::Gazetteer { command: GazetteerCommand::Import { format, files, country, admin1, min_population, iso_map, out } } => {
            gazetteer_import(format, &files, &tocsin::region::import::GeonamesOptions { country, admin1, min_population, iso_map }, &out)
        }
        Command::Scan { files, explain, lexicon } => scan(&files, explain, &lexicon),
        Command::Eval { files, by, errors, lexicon } => eval(&files, &by, errors, &lexicon),
    }
}

fn init_logging(quiet: bool) {
    let default = if quiet { "error" } else { "info" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TOCSIN_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colour codes only for a terminal: a cron job's log file or a test reading stderr gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).with_ansi(ansi).init();
}

fn report_problems(e: &ConfigError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}

/// Builds a config from --input/--lexicon/--out flags: JSONL with the default field names.
fn config_from_flags(args: &RunArgs) -> Result<LoadedConfig, ConfigError> {
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("out/run"));
    let mut text = format!("name = \"flags\"\noutput = {}\ntimezone = {}\n", toml_string(&out.display().to_string()), toml_string(&args.timezone));
    if !args.lexicon.is_empty() {
        text.push_str(&format!("lexicons = [{}]\n", args.lexicon.iter().map(|l| toml_string(l)).collect::<Vec<_>>().join(", ")));
    }
    text.push_str(&format!(
        "\n[[sources]]\nname = \"input\"\nformat = \"jsonl\"\npaths = [{}]\n",
        args.input.iter().map(|l| toml_string(l)).collect::<Vec<_>>().join(", ")
    ));
    let cwd = std::env::current_dir().unwrap_or_default();
    LoadedConfig::from_str(&text, Path::new("<command-line flags>"), &cwd)
}

fn run(args: RunArgs, quiet: bool) -> ExitCode {
    let loaded = if !args.input.is_empty() {
        config_from_flags(&args)
    } else {
        let path = args.pipeline.clone().unwrap_or_else(|| PathBuf::from("pipelines/demo.toml"));
        if args.pipeline.is_none() && !path.exists() {
            eprintln!(
                "error: no pipeline given and `pipelines/demo.toml` is not here; run from the repository root or name a pipeline: tocsin run PIPELINE.toml"
            );
            return ExitCode::from(2);
        }
        LoadedConfig::from_file(&path)
    };
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => return report_problems(&e),
    };
    let prepared = match pipeline::prepare(loaded) {
        Ok(p) => p,
        Err(e) => return report_problems(&e),
    };
    tracing::info!(pipeline = %prepared.config.config.name, patterns = prepared.detector.lexicon().pattern_count(), "starting");
    match pipeline::run(&prepared, &RunOptions { threads: args.threads, progress: !quiet }) {
        Ok(summary) => {
            let m = &summary.manifest;
            if !quiet {
                println!(
                    "read {} records: {} documents, {} rejected; {} documents flagged; {} days ({} to {})",
                    m.totals.read,
                    m.totals.accepted,
                    m.totals.rejected,
                    summary.docs_flagged,
                    m.dates.len(),
                    m.dates.first().map(String::as_str).unwrap_or("-"),
                    m.dates.last().map(String::as_str).unwrap_or("-"),
                );
                let out = summary.out_dir.display();
                let evidence = if m.outputs.iter().any(|o| o.path.starts_with("evidence")) { "evidence/ (flagged documents for review), " } else { "" };
                println!("results in {out}/: timeseries/ (Parquet, one partition per day), {evidence}rejects/{}.jsonl, manifest.json", m.run_id);
                if let Some(ind) = &summary.indicators {
                    let high: Vec<_> = ind.latest.iter().filter(|r| r.level == Level::High).collect();
                    println!("indicators: {} rows, {} regions; latest alerts at high: {}", ind.rows, ind.regions, high.len());
                    for r in high.iter().take(12) {
                        println!("  {} {} {}: {}", r.region, r.indicator, r.target, r.reason);
                    }
                    println!("  see {}/indicators_latest.csv and indicators/ (Parquet)", summary.out_dir.display());
                }
                if let Some(report) = &summary.report {
                    println!("report: {}", report.display());
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn indicators(args: IndicatorArgs, quiet: bool) -> ExitCode {
    let options = IndicatorOptions {
        window_days: args.window,
        lookback_days: 3 * args.window,
        min_history_days: args.min_history,
        min_docs: args.min_docs,
        mapping: args.mapping,
        ..IndicatorOptions::default()
    };
    if !args.store.join("timeseries").is_dir() {
        eprintln!("error: `{}` has no timeseries/ folder; name the output directory of a run", args.store.display());
        return ExitCode::from(2);
    }
    let _lock = match tocsin::sink::lock::OutputLock::acquire(&args.store) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match tocsin::indicators::compute(&args.store, &options) {
        Ok(s) => {
            if !quiet {
                let (first, last) = s.dates.map(|(a, b)| (a.to_string(), b.to_string())).unwrap_or_default();
                println!("{} indicator rows for {} regions, {first} to {last} (mapping: {})", s.rows, s.regions, s.mapping);
                for level in [Level::High, Level::Elevated] {
                    for r in s.latest.iter().filter(|r| r.level == level) {
                        println!("  {} {} {} {} {}: {}", r.date, r.region, r.indicator, r.target, level.as_str(), r.reason);
                    }
                }
                println!("results in {}/: indicators/ (Parquet, one partition per day), indicators_latest.csv, indicators_latest.json", args.store.display());
            }
            ExitCode::SUCCESS
        }
        Err(e @ (IndicatorError::Mapping(_) | IndicatorError::Options(_))) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn report(args: ReportArgs, quiet: bool) -> ExitCode {
    let store = match args.out {
        Some(out) => out,
        None => {
            let path = args.pipeline.clone().unwrap_or_else(|| PathBuf::from("pipelines/demo.toml"));
            if args.pipeline.is_none() && !path.exists() {
                eprintln!("error: no --out or --pipeline given and `pipelines/demo.toml` is not here; name the output directory: tocsin report --out DIR");
                return ExitCode::from(2);
            }
            match LoadedConfig::from_file(&path) {
                Ok(l) => l.output_dir(),
                Err(e) => return report_problems(&e),
            }
        }
    };
    if !store.is_dir() {
        eprintln!("error: `{}` is not a folder; name the output directory of a run", store.display());
        return ExitCode::from(2);
    }
    // A run writing the store meanwhile would give a report of half-old, half-new files.
    let _lock = match tocsin::sink::lock::OutputLock::acquire(&store) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let options = tocsin::report::ReportOptions { redact: !args.no_redact };
    match tocsin::report::write(&store, args.output.as_deref(), &options) {
        Ok(path) => {
            if !quiet {
                println!("report: {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e @ tocsin::report::ReportError::Empty(_)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn validate(path: &Path) -> ExitCode {
    let loaded = match LoadedConfig::from_file(path) {
        Ok(l) => l,
        Err(e) => return report_problems(&e),
    };
    match pipeline::prepare(loaded) {
        Ok(p) => {
            let files: usize = p.ingest.sources.iter().map(|s| s.files.len()).sum();
            println!(
                "{}: ok ({} sources, {} files, {} lexicon entries, {} rules)",
                path.display(),
                p.ingest.sources.len(),
                files,
                p.detector.lexicon().entries.len(),
                p.detector.rules().proximity.len() + p.detector.rules().regex.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => report_problems(&e),
    }
}

fn fuzzy_check(words: &Path, lang: &str, lexicon: &[PathBuf]) -> ExitCode {
    let detector = match detector(lexicon) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let Some(fuzzy) = detector.fuzzy() else {
        eprintln!("error: no lexicon turns fuzzy matching on ([[fuzzy]] in a rules.toml)");
        return ExitCode::from(2);
    };
    let text = match std::fs::read(words) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            eprintln!("error: {}: {e}", words.display());
            return ExitCode::from(2);
        }
    };
    for (word, rewrite) in fuzzy.check_words(text.lines(), lang) {
        println!("{word}\t{rewrite}");
    }
    ExitCode::SUCCESS
}

fn lexicon_check(paths: &[PathBuf]) -> ExitCode {
    let paths = if paths.is_empty() { vec![pipeline::default_lexicon_dir()] } else { paths.to_vec() };
    match tocsin::lexicon::load_lexicons(&paths) {
        Ok(set) => match tocsin::rules::RuleSet::load(&set.rule_files) {
            Ok(rules) => {
                for l in &set.lexicons {
                    println!("{:<24} {:>5} entries  {}", l.name, l.entries, l.path.display());
                }
                println!(
                    "ok: {} lexicons, {} entries, {} modifier cues, {} rules",
                    set.lexicons.len(),
                    set.entries.len(),
                    set.cues.len(),
                    rules.proximity.len() + rules.regex.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Loads lexicons (default: the shipped ones) and builds a detector with the default policy.
fn detector(lexicon: &[PathBuf]) -> Result<tocsin::detect::Detector, ExitCode> {
    let paths = if lexicon.is_empty() { vec![pipeline::default_lexicon_dir()] } else { lexicon.to_vec() };
    let set = tocsin::lexicon::load_lexicons(&paths).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    tocsin::detect::Detector::new(set, Default::default()).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

fn read_inputs(files: &[PathBuf]) -> Result<Vec<(String, String)>, ExitCode> {
    use std::io::Read;
    let mut out = Vec::new();
    if files.is_empty() || files.iter().any(|f| f.as_os_str() == "-") {
        let mut s = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut s) {
            eprintln!("error: reading standard input: {e}");
            return Err(ExitCode::FAILURE);
        }
        out.push(("-".to_string(), s));
    }
    for f in files.iter().filter(|f| f.as_os_str() != "-") {
        match tocsin::ingest::decompress::read_all(f) {
            Ok(b) => out.push((f.display().to_string(), String::from_utf8_lossy(&b).into_owned())),
            Err(e) => {
                eprintln!("error: {}: {e}", f.display());
                return Err(ExitCode::FAILURE);
            }
        }
    }
    Ok(out)
}

/// What `scan` and `eval` both start from: the detector and the input texts.
fn detector_and_inputs(lexicon: &[PathBuf], files: &[PathBuf]) -> Result<(tocsin::detect::Detector, Vec<(String, String)>), ExitCode> {
    Ok((detector(lexicon)?, read_inputs(files)?))
}

fn scan(files: &[PathBuf], explain: bool, lexicon: &[PathBuf]) -> ExitCode {
    let (detector, inputs) = match detector_and_inputs(lexicon, files) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    use std::io::Write;
    for (name, content) in inputs {
        for (i, line) in content.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let parsed: Option<serde_json::Value> =
                serde_json::from_str(line).ok().filter(|v: &serde_json::Value| v.get("text").is_some_and(|t| t.is_string()));
            let (id, text, lang) = match &parsed {
                Some(v) => (
                    v.get("id").map(|x| x.as_str().map(String::from).unwrap_or_else(|| x.to_string())).unwrap_or_else(|| format!("{name}:{}", i + 1)),
                    v["text"].as_str().unwrap_or_default().to_string(),
                    v.get("lang").and_then(|l| l.as_str()).map(String::from),
                ),
                None => (format!("{name}:{}", i + 1), line.to_string(), None),
            };
            let v = tocsin::evaluate::verdict(&detector, &id, &text, lang.as_deref());
            let written = if explain {
                write!(out, "{}", tocsin::evaluate::explain(&v))
            } else {
                writeln!(out, "{}", serde_json::to_string(&v).expect("verdicts serialise"))
            };
            if written.is_err() {
                return ExitCode::SUCCESS; // closed pipe
            }
        }
    }
    let _ = out.flush();
    ExitCode::SUCCESS
}

fn eval(files: &[PathBuf], by: &[String], errors: bool, lexicon: &[PathBuf]) -> ExitCode {
    let (detector, inputs) = match detector_and_inputs(lexicon, files) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let mut cases = Vec::new();
    for (name, content) in &inputs {
        let by: Vec<String> = if by.is_empty() {
            ["functionality", "lang", "target"].iter().filter(|k| content.contains(&format!("\"{k}\""))).map(|k| k.to_string()).collect()
        } else {
            by.to_vec()
        };
        match tocsin::evaluate::read_labelled(content, &by) {
            Ok(c) => cases.extend(c),
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let report = tocsin::evaluate::evaluate(&detector, &cases);
    print!("{}", report.table());
    if errors {
        println!("\nerrors:");
        for (id, label, flagged) in &report.errors {
            println!("  {id}: labelled {label}, {}", if *flagged { "flagged" } else { "not flagged" });
        }
    }
    ExitCode::SUCCESS
}

fn lexicon_import(format: tocsin::lexicon::import::ImportFormat, file: &Path, out: &Path, opts: &tocsin::lexicon::import::ImportOptions) -> ExitCode {
    match tocsin::lexicon::import::import(format, file, out, opts) {
        Ok(report) => {
            println!("wrote {} entries to {}", report.written, out.display());
            for (why, n) in &report.skipped {
                println!("  skipped {n}: {why}");
            }
            lexicon_check(&[out.to_path_buf()])
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn gazetteer_check(files: &[PathBuf]) -> ExitCode {
    match tocsin::region::gazetteer::Gazetteer::load(files, &Default::default()) {
        Ok(g) => {
            for f in &g.files {
                println!("{:>7} places  {}", f.places, f.path);
            }
            let regions: std::collections::BTreeSet<&str> = g.places().iter().map(|p| p.region.as_str()).collect();
            println!("ok: {} places in {} regions", g.places().len(), regions.len());
            ExitCode::SUCCESS
        }
        Err(problems) => report_problems(&ConfigError { problems }),
    }
}

fn gazetteer_import(format: tocsin::region::import::GeonamesFormat, files: &[PathBuf], opts: &tocsin::region::import::GeonamesOptions, out: &Path) -> ExitCode {
    let imported = match tocsin::region::import::import(format, files, opts) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if imported.places.is_empty() {
        eprintln!("error: nothing to write: no place matched (check --country and --min-population)");
        return ExitCode::from(2);
    }
    let written = (|| -> Result<(), String> {
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("creating `{}`: {e}", dir.display()))?;
        }
        let tmp = out.with_extension("csv.tmp");
        let file = std::fs::File::create(&tmp).map_err(|e| format!("creating `{}`: {e}", tmp.display()))?;
        tocsin::region::gazetteer::write_csv(std::io::BufWriter::new(file), &imported.places).map_err(|e| format!("writing `{}`: {e}", tmp.display()))?;
        std::fs::rename(&tmp, out).map_err(|e| format!("moving into place `{}`: {e}", out.display()))
    })();
    if let Err(e) = written {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    println!("wrote {} places to {}", imported.places.len(), out.display());
    for (why, n) in &imported.skipped {
        println!("  skipped {n}: {why}");
    }
    gazetteer_check(&[out.to_path_buf()])
}
