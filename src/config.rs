//! The pipeline configuration (TOML), and its validation before any work.
//!
//! A config names its sources, lexicons, output directory, the time zone of
//! day boundaries and the aggregation keys. Paths are relative to the config
//! file's folder. `validate` checks everything the config references and lists
//! every problem at once, each with its file and line.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::signal::SignalPolicy;

/// One problem found in a config or in a file it references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong, in words.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// A config (or something it references) that cannot be used, with every problem found.
#[derive(Debug, thiserror::Error)]
#[error("{} problem(s):\n{}", .problems.len(), .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError {
    /// All problems, in file order.
    pub problems: Vec<Problem>,
}

/// The pipeline, as written in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    /// A short name for logs and the manifest.
    #[serde(default = "default_name")]
    pub name: String,
    /// A demo pipeline may run without a pseudonymisation key (it uses a published demo key).
    #[serde(default)]
    pub demo: bool,
    /// Output directory (the store): time series, indicators, evidence, rejects, manifest.
    pub output: Spanned<String>,
    /// IANA time zone whose midnight separates days (e.g. `Africa/Nairobi`).
    #[serde(default = "default_timezone")]
    pub timezone: Spanned<String>,
    /// Worker threads; 0 means all cores.
    #[serde(default)]
    pub threads: usize,
    /// Lexicon folders or CSV files; default: the shipped `lexicons/`.
    #[serde(default)]
    pub lexicons: Vec<Spanned<String>>,
    /// Inputs.
    pub sources: Vec<SourceConfig>,
    /// Aggregation keys.
    #[serde(default)]
    pub aggregate: AggregateConfig,
    /// Limits on records.
    #[serde(default)]
    pub limits: Limits,
    /// Where the pseudonymisation key comes from.
    #[serde(default)]
    pub pseudonymisation: PseudonymConfig,
    /// Which signal modifiers stop a signal from counting as hostile.
    #[serde(default)]
    pub signals: SignalPolicy,
    /// What the evidence output keeps (format, redaction).
    #[serde(default)]
    pub evidence: EvidenceConfig,
    /// Region assignment: order of the steps, source table, gazetteers (docs/REGIONS.md).
    #[serde(default)]
    pub regions: crate::region::RegionsConfig,
    /// Language detection: detector, candidates, confidence, mixed-language documents (docs/LANGUAGE.md).
    #[serde(default)]
    pub language: crate::language::LanguageConfig,
    /// Matching options (fuzzy matching of misspelt and glued words).
    #[serde(default)]
    pub matching: MatchingConfig,
    /// How much of what a run keeps until its end (evidence, repost log, rejects) stays in memory.
    #[serde(default)]
    pub memory: MemoryConfig,
}

/// The `[memory]` table: how much of what a run keeps until its end stays in memory before it is sorted
/// and written to scratch files in the staging folder (and merged from them at the end). Peak memory
/// follows these budgets and the chunk size, not the size of the night: lower them on a small machine,
/// raise them to spare the disk. Sizes are estimates of the held data, in MiB; 0 sends everything to disk.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemoryConfig {
    /// Evidence rows held (default 256).
    pub evidence_mb: usize,
    /// Repost-log lines held (default 64).
    pub reposts_mb: usize,
    /// Rejected records held (default 32).
    pub rejects_mb: usize,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        MemoryConfig {
            evidence_mb: crate::sink::evidence::HELD_BYTES >> 20,
            reposts_mb: crate::sink::reposts::HELD_REPOST_BYTES >> 20,
            rejects_mb: crate::sink::spill::HELD_REJECT_BYTES >> 20,
        }
    }
}

impl MemoryConfig {
    /// The evidence budget in bytes.
    pub fn evidence_bytes(&self) -> usize {
        self.evidence_mb.saturating_mul(1 << 20)
    }

    /// The repost-log budget in bytes.
    pub fn reposts_bytes(&self) -> usize {
        self.reposts_mb.saturating_mul(1 << 20)
    }

    /// The rejects budget in bytes.
    pub fn rejects_bytes(&self) -> usize {
        self.rejects_mb.saturating_mul(1 << 20)
    }
}

/// The `[matching]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatchingConfig {
    /// Read misspelt and glued words as the lexicon words they stand for, in the languages whose
    /// lexicons turn it on (`[[fuzzy]]` in their rules.toml); on by default.
    pub fuzzy: bool,
}

impl Default for MatchingConfig {
    fn default() -> Self {
        MatchingConfig { fuzzy: true }
    }
}

/// How much of a flagged document's text the evidence keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Redaction {
    /// Snippets and matched text as written (analysts need them).
    #[default]
    None,
    /// Snippets with every hostile match replaced by `[category]`; no matched text.
    MaskTerms,
    /// No snippet and no matched text; spans, terms and rules stay.
    DropText,
    /// As `drop_text`, and no speaker pseudonym: ids, places, times and findings only.
    IdsOnly,
}

/// Which files the evidence is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceFormat {
    /// `evidence/date=…/part-0.parquet`.
    #[default]
    Parquet,
    /// `evidence/date=…/part-0.jsonl`.
    Jsonl,
    /// Both.
    Both,
    /// No evidence output.
    Off,
}

/// The `[evidence]` table: flagged documents for human review.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvidenceConfig {
    /// Output format.
    pub format: EvidenceFormat,
    /// Redaction of text and speaker.
    pub redact: Redaction,
    /// Longest snippet of original text kept around the signals, in characters.
    pub snippet_chars: usize,
}

impl Default for EvidenceConfig {
    fn default() -> Self {
        EvidenceConfig { format: EvidenceFormat::Parquet, redact: Redaction::None, snippet_chars: 300 }
    }
}

fn default_name() -> String {
    "pipeline".into()
}

fn default_timezone() -> Spanned<String> {
    Spanned::new(0..0, "UTC".into())
}

/// Input file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Delimited text with a header row.
    Csv,
    /// Telegram Desktop channel export (`result.json`). Fields: `id`, `text`
    /// (entities flattened), `timestamp` (`date_unixtime`, else the local `date`),
    /// `author` (`from`), `source` (the channel's `name`), `reach` (`views`, else the
    /// sum of `reactions[].count`), `forwarded_from`; service messages are skipped.
    Telegram,
    /// X/Twitter API v2 response(s): `data` tweets joined to `includes.users`.
    /// Fields: `id`, `text`, `lang`, `timestamp` (`created_at`), `author` (the
    /// user's `username`), `location` (the user's location), `reach`
    /// (`impression_count`, else the sum of the other public metrics), `user.*`,
    /// `public_metrics.*`.
    Twitter,
    /// Parquet; columns are read by name (string, integer, float, timestamp, date).
    Parquet,
    /// A folder of `.txt` files, one document per file; metadata from the path by
    /// `textdir.pattern` (default `{date}/{id}.txt`); `{date}` is the timestamp.
    Textdir,
    /// RSS 2.0 `<item>` or Atom `<entry>`. Fields: `id` (guid/id/link), `text`
    /// (title and description/summary/content, HTML stripped), `timestamp`
    /// (pubDate/published/updated), `author`, `source` (the feed's title), `lang`, `link`.
    Feed,
}

impl Format {
    /// The name used in configs.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Telegram => "telegram",
            Format::Twitter => "twitter",
            Format::Parquet => "parquet",
            Format::Textdir => "textdir",
            Format::Feed => "feed",
        }
    }
}

/// Options of the `textdir` format.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TextdirOptions {
    /// The path of each file below the folder, with `{field}` placeholders (one path segment each), e.g. `{region}/{date}/{source}.txt`.
    pub pattern: String,
}

impl Default for TextdirOptions {
    fn default() -> Self {
        TextdirOptions { pattern: "{date}/{id}.txt".into() }
    }
}

/// One source: files of one format with one field mapping.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Name used in the manifest and as the default `source` value.
    pub name: String,
    /// Paths or glob patterns (relative to the config file).
    pub paths: Vec<Spanned<String>>,
    /// File format; compression (gzip, zstd) is recognised from the bytes.
    pub format: Format,
    /// Which record fields map onto the document.
    #[serde(default)]
    pub fields: FieldMap,
    /// CSV options.
    #[serde(default)]
    pub csv: CsvOptions,
    /// Text folder options.
    #[serde(default)]
    pub textdir: TextdirOptions,
    /// A fixed language for every record of this source (used when the record has none).
    pub lang: Option<String>,
    /// A fixed region for every record of this source (used when the record has none).
    pub region: Option<String>,
    /// A fixed speaker type for every record of this source (used when the record has none), e.g. `media` for a newspaper.
    pub speaker_type: Option<String>,
    /// Detect the language (whatlang) of records that have none, from the field or `lang`; off by default.
    #[serde(default)]
    pub detect_lang: bool,
    /// The languages this source publishes in: every document is read with each of their lexicons
    /// (code-switching), and a detected language outside the list is discarded.
    #[serde(default)]
    pub langs: Vec<String>,
}

/// A field name, or several whose values are joined (text) or summed (reach).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single field path.
    One(String),
    /// Several field paths.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The field paths, in order.
    pub fn paths(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// Mapping from record fields (dotted paths for nested JSON, column names for CSV) to document fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FieldMap {
    /// Identifier field.
    pub id: Option<String>,
    /// Text field(s); several are joined with a blank line (headline + body).
    pub text: OneOrMany,
    /// Language code field.
    pub lang: Option<String>,
    /// Region code field.
    pub region: Option<String>,
    /// Timestamp field: RFC 3339, `YYYY-MM-DD[ HH:MM:SS]` (local), epoch seconds or milliseconds.
    pub timestamp: String,
    /// Author field (pseudonymised at ingest).
    pub author: Option<String>,
    /// Source (channel, outlet, platform) field; default: the source's name.
    pub source: Option<String>,
    /// Numeric reach fields, summed (views, shares, circulation).
    pub reach: Vec<String>,
    /// Free-text location field (for region assignment).
    pub location: Option<String>,
    /// Speaker type field (`official`, `media`, `religious`, `user` …), for the Rabat "speaker" part.
    pub speaker_type: Option<String>,
}

impl Default for FieldMap {
    fn default() -> Self {
        FieldMap {
            id: Some("id".into()),
            text: OneOrMany::One("text".into()),
            lang: Some("lang".into()),
            region: Some("region".into()),
            timestamp: "timestamp".into(),
            author: Some("author".into()),
            source: Some("source".into()),
            reach: Vec::new(),
            location: None,
            speaker_type: None,
        }
    }
}

/// CSV reading options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CsvOptions {
    /// Field delimiter, one byte (`,`, `;`, `\t`, `|`).
    pub delimiter: String,
    /// Quote character.
    pub quote: String,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { delimiter: ",".into(), quote: "\"".into() }
    }
}

impl CsvOptions {
    /// The delimiter byte, if the option is a single byte (`\t` accepted as written).
    pub fn delimiter_byte(&self) -> Option<u8> {
        single_byte(&self.delimiter)
    }

    /// The quote byte, if the option is a single byte.
    pub fn quote_byte(&self) -> Option<u8> {
        single_byte(&self.quote)
    }
}

fn single_byte(s: &str) -> Option<u8> {
    match s {
        "\\t" | "\t" => Some(b'\t'),
        _ if s.len() == 1 => Some(s.as_bytes()[0]),
        _ => None,
    }
}

/// Dimensions that a time series row may be keyed by (besides date and category).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AggregateKey {
    /// Region code.
    Region,
    /// Language.
    Lang,
    /// Source (channel, outlet, platform).
    Source,
    /// Target group of the signal.
    Target,
}

/// Aggregation settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AggregateConfig {
    /// Keys kept in the time series; a key left out is written as `*`.
    pub keys: Vec<AggregateKey>,
    /// Exact reposts (the same normalised text on the same day in the same row) count once in `docs`; `copies` counts them all.
    pub dedup_reposts: bool,
}

impl Default for AggregateConfig {
    fn default() -> Self {
        AggregateConfig { keys: vec![AggregateKey::Region, AggregateKey::Lang, AggregateKey::Target], dedup_reposts: true }
    }
}

impl AggregateConfig {
    /// Whether the time series keeps this key.
    pub fn keeps(&self, key: AggregateKey) -> bool {
        self.keys.contains(&key)
    }
}

/// What invalid UTF-8 in a record does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum InvalidUtf8 {
    /// The record is rejected.
    #[default]
    Reject,
    /// Bad bytes become U+FFFD and the document is marked `lossy`.
    Lossy,
}

/// Limits that protect a run from hostile or broken input.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest record accepted, in bytes; a larger one is rejected without being loaded whole.
    pub max_record_bytes: usize,
    /// What invalid UTF-8 does.
    pub invalid_utf8: InvalidUtf8,
    /// Earliest accepted date (`YYYY-MM-DD`).
    pub min_date: String,
    /// Days after the run's wall-clock time still accepted (clock skew).
    pub max_future_days: i64,
    /// Deepest nesting of arrays and objects accepted in a JSON record (JSON lines, Telegram messages, tweets).
    pub max_json_depth: usize,
    /// What a NUL character (U+0000) in a record's mapped text or fields does.
    pub nul_bytes: NulBytes,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_record_bytes: 8 * 1024 * 1024,
            invalid_utf8: InvalidUtf8::Reject,
            min_date: "1990-01-01".into(),
            max_future_days: 2,
            max_json_depth: 64,
            nul_bytes: NulBytes::Reject,
        }
    }
}

/// What a NUL character in a record does. NUL is never text: it comes from
/// binary junk, broken exports or attempts to cut strings short in tools
/// downstream (C strings, some CSV readers), so by default the record is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum NulBytes {
    /// The record is rejected, naming the field.
    #[default]
    Reject,
    /// NUL characters are removed from every mapped field and the record is kept.
    Strip,
}

/// Where the pseudonymisation key comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PseudonymConfig {
    /// A file holding the key (relative to the config file).
    pub key_file: Option<String>,
    /// An environment variable holding the key.
    pub key_env: String,
}

impl Default for PseudonymConfig {
    fn default() -> Self {
        PseudonymConfig { key_file: None, key_env: "TOCSIN_PSEUDONYM_KEY".into() }
    }
}

/// A parsed config together with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The parsed config.
    pub config: PipelineConfig,
    /// The config file (or a description, for configs built from flags).
    pub path: PathBuf,
    /// Folder that relative paths are resolved against.
    pub base_dir: PathBuf,
    /// The TOML text, for line numbers and the config hash.
    pub text: String,
    /// Unknown fields found while parsing (the rest of the config was still read).
    pub parse_problems: Vec<Problem>,
}

impl LoadedConfig {
    /// Reads and parses a config file; a syntax or schema error is a problem with its line.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError { problems: vec![Problem { file: path.to_path_buf(), line: None, message: format!("cannot read: {e}") }] })?;
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::from_str(&text, path, &base_dir)
    }

    /// Parses config text; `path` is used in messages, `base_dir` resolves relative paths.
    ///
    /// Unknown fields do not hide the rest: each is recorded in
    /// `parse_problems` and its line is set aside, so validation can go on
    /// and list every other problem too.
    pub fn from_str(text: &str, path: &Path, base_dir: &Path) -> Result<Self, ConfigError> {
        let mut attempt = text.to_string();
        let mut parse_problems: Vec<Problem> = Vec::new();
        loop {
            match toml::from_str::<PipelineConfig>(&attempt) {
                Ok(config) => {
                    parse_problems.sort_by_key(|p: &Problem| p.line);
                    return Ok(LoadedConfig { config, path: path.to_path_buf(), base_dir: base_dir.to_path_buf(), text: text.to_string(), parse_problems });
                }
                Err(e) => {
                    let line = e.span().map(|s| line_of(text, s.start));
                    parse_problems.push(Problem { file: path.to_path_buf(), line, message: e.message().trim().to_string() });
                    let unknown = e.message().starts_with("unknown field");
                    match (unknown, e.span()) {
                        (true, Some(span)) if parse_problems.len() < 100 => blank_line(&mut attempt, span.start),
                        _ => return Err(ConfigError { problems: parse_problems }),
                    }
                }
            }
        }
    }

    /// A path from the config, resolved against the config's folder.
    pub fn resolve(&self, p: &str) -> PathBuf {
        let path = Path::new(p);
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }

    /// The 1-based line of a spanned value (None for values that came from defaults).
    pub fn line<T>(&self, s: &Spanned<T>) -> Option<usize> {
        let span = s.span();
        (span.end > 0).then(|| line_of(&self.text, span.start))
    }

    /// A problem located at a spanned value.
    pub fn problem_at<T>(&self, s: &Spanned<T>, message: impl Into<String>) -> Problem {
        Problem { file: self.path.clone(), line: self.line(s), message: message.into() }
    }

    /// The output directory.
    pub fn output_dir(&self) -> PathBuf {
        self.resolve(self.config.output.get_ref())
    }

    /// SHA-256 of the config text, hex.
    pub fn hash(&self) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(self.text.as_bytes()))
    }

    /// The time zone, parsed.
    pub fn time_zone(&self) -> Result<chrono_tz::Tz, Problem> {
        self.config.timezone.get_ref().parse::<chrono_tz::Tz>().map_err(|_| {
            self.problem_at(
                &self.config.timezone,
                format!("unknown time zone `{}` (use an IANA name such as `Africa/Nairobi` or `UTC`)", self.config.timezone.get_ref()),
            )
        })
    }

    /// Expands a source's paths and globs into files, sorted; a pattern that matches nothing is a problem.
    pub fn source_files(&self, source: &SourceConfig) -> (Vec<PathBuf>, Vec<Problem>) {
        let mut files = Vec::new();
        let mut problems = Vec::new();
        for pattern in &source.paths {
            let resolved = self.resolve(pattern.get_ref());
            // A text folder holds its files in subfolders named by the pattern.
            let found = if source.format == Format::Textdir && resolved.is_dir() { walk_files(&resolved) } else { expand_path_or_glob(&resolved) };
            match found {
                Ok(v) if v.is_empty() => problems.push(self.problem_at(pattern, format!("source `{}`: `{}` matches no file", source.name, resolved.display()))),
                Ok(v) => files.extend(v),
                Err(msg) => problems.push(self.problem_at(pattern, format!("source `{}`: {msg}", source.name))),
            }
        }
        files.sort();
        files.dedup();
        if source.format == Format::Textdir {
            if let Err(msg) = crate::ingest::textdir::PathPattern::new(&source.textdir.pattern) {
                problems.push(Problem { file: self.path.clone(), line: None, message: format!("source `{}`: textdir.pattern: {msg}", source.name) });
            }
        }
        (files, problems)
    }
}

/// Expands one path or glob pattern into the regular files it names, sorted.
pub fn expand_path_or_glob(path: &Path) -> Result<Vec<PathBuf>, String> {
    let s = path.to_string_lossy();
    if !s.contains(['*', '?', '[']) {
        // A path named outright may be a named pipe or `/dev/stdin` (`--input <(zstdcat night.zst)`):
        // read as a stream, like a file.
        return if path.is_file() || is_stream(path) {
            Ok(vec![path.to_path_buf()])
        } else if path.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("cannot list `{}`: {e}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            Ok(v)
        } else {
            Ok(Vec::new())
        };
    }
    let paths = glob::glob(&s).map_err(|e| format!("bad glob `{s}`: {e}"))?;
    let mut v: Vec<PathBuf> = paths.filter_map(Result::ok).filter(|p| p.is_file()).collect();
    v.sort();
    Ok(v)
}

/// Whether a path is a named pipe or character device (a stream to read once, not a file to list).
fn is_stream(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_char_device())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Every regular file below a folder, recursively, sorted.
pub fn walk_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| format!("cannot list `{}`: {e}", d.display()))? {
            let p = e.map_err(|e| format!("cannot list `{}`: {e}", d.display()))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Replaces the line holding `offset` with spaces (keeping every other offset in place).
fn blank_line(text: &mut String, offset: usize) {
    let start = text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let blank = " ".repeat(text[start..end].len());
    text.replace_range(start..end, &blank);
}

/// 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Escapes a string for a TOML basic string.
pub fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<LoadedConfig, ConfigError> {
        LoadedConfig::from_str(text, Path::new("p.toml"), Path::new("/base"))
    }

    #[test]
    fn minimal_config_takes_defaults() {
        let c = parse("output = \"out\"\n[[sources]]\nname = \"s\"\npaths = [\"a.jsonl\"]\nformat = \"jsonl\"\n").unwrap();
        assert_eq!(c.config.timezone.get_ref(), "UTC");
        assert_eq!(c.config.sources[0].fields.text, OneOrMany::One("text".into()));
        assert_eq!(c.output_dir(), PathBuf::from("/base/out"));
        assert!(c.config.aggregate.keeps(AggregateKey::Region));
    }

    #[test]
    fn unknown_fields_are_all_reported_with_their_lines() {
        let c = parse("output = \"out\"\nsources = []\nbogus = 1\n[aggregate]\nkeys = [\"region\"]\ncolour = \"red\"\n").unwrap();
        assert_eq!(c.parse_problems.len(), 2);
        assert_eq!(c.parse_problems[0].line, Some(3));
        assert!(c.parse_problems[0].message.contains("bogus"), "{}", c.parse_problems[0].message);
        assert_eq!(c.parse_problems[1].line, Some(6));
        assert_eq!(c.config.aggregate.keys.len(), 1);
        // Other errors still stop parsing.
        assert!(parse("output = 3\nsources = []\n").is_err());
    }

    #[test]
    fn bad_time_zone_names_its_line() {
        let c = parse("output = \"out\"\ntimezone = \"Mars/Olympus\"\nsources = []\n").unwrap();
        let p = c.time_zone().unwrap_err();
        assert_eq!(p.line, Some(2));
    }

    #[test]
    fn csv_delimiters() {
        let mut o = CsvOptions::default();
        assert_eq!(o.delimiter_byte(), Some(b','));
        o.delimiter = "\\t".into();
        assert_eq!(o.delimiter_byte(), Some(b'\t'));
        o.delimiter = ";;".into();
        assert_eq!(o.delimiter_byte(), None);
    }

    #[test]
    fn matching_switch_defaults_to_fuzzy_on() {
        let base = "output = \"out\"\nsources = []\n";
        assert!(parse(base).unwrap().config.matching.fuzzy);
        assert!(!parse(&format!("{base}[matching]\nfuzzy = false\n")).unwrap().config.matching.fuzzy);
        let c = parse(&format!("{base}[matching]\nfuzzy = false\nfuzzier = 2\n")).unwrap();
        assert_eq!(c.parse_problems[0].line, Some(5), "{:?}", c.parse_problems);
    }
}
