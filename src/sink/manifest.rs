//! The run manifest: what went in, what came out, and how the counts reconcile.

use std::collections::BTreeMap;

use serde::Serialize;

/// One input file.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    /// Source name.
    pub source: String,
    /// Path as configured.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}

/// Record counts of one source: read = accepted + rejected.
#[derive(Debug, Clone, Copy, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct SourceCounts {
    /// Records read.
    pub read: u64,
    /// Records that became documents.
    pub accepted: u64,
    /// Records rejected (see rejects/).
    pub rejected: u64,
    /// Accepted documents whose invalid UTF-8 was replaced by U+FFFD (`limits.invalid_utf8 = "lossy"`); part of `accepted`.
    pub lossy: u64,
}

impl std::ops::AddAssign for SourceCounts {
    fn add_assign(&mut self, o: SourceCounts) {
        self.read += o.read;
        self.accepted += o.accepted;
        self.rejected += o.rejected;
        self.lossy += o.lossy;
    }
}

/// A lexicon used by the run.
#[derive(Debug, Clone, Serialize)]
pub struct LexiconRecord {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Entries.
    pub entries: usize,
    /// SHA-256 of its files.
    pub sha256: String,
}

/// A rule file used by the run.
#[derive(Debug, Clone, Serialize)]
pub struct RuleRecord {
    /// Path.
    pub path: String,
    /// SHA-256.
    pub sha256: String,
}

/// An output file written by the run.
#[derive(Debug, Clone, Serialize)]
pub struct OutputFile {
    /// Path relative to the output directory.
    pub path: String,
    /// Rows (Parquet and JSONL files).
    pub rows: u64,
}

/// The manifest written as `manifest.json` (and `runs/<run_id>.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// tocsin version.
    pub tocsin_version: String,
    /// Identifier of this run: a hash of config, lexicons and inputs, so the same run has the same id.
    pub run_id: String,
    /// Pipeline name.
    pub pipeline: String,
    /// Config file.
    pub config_path: String,
    /// SHA-256 of the config text.
    pub config_sha256: String,
    /// Time zone of day boundaries.
    pub timezone: String,
    /// Inputs.
    pub inputs: Vec<InputFile>,
    /// Lexicons.
    pub lexicons: Vec<LexiconRecord>,
    /// Rule files.
    pub rules: Vec<RuleRecord>,
    /// Counts per source.
    pub sources: BTreeMap<String, SourceCounts>,
    /// Totals over all sources.
    pub totals: SourceCounts,
    /// Documents per language (`und`: none), by where the language came from: given, detected (with the mean confidence), unknown.
    pub languages: crate::language::LangCounts,
    /// Region assignment: the order of the steps, the files, and documents per method.
    pub regions: crate::region::RegionsRecord,
    /// Days written.
    pub dates: Vec<String>,
    /// Outputs written by this run.
    pub outputs: Vec<OutputFile>,
    /// Wall-clock start (RFC 3339); the only fields that differ between identical runs are this and `finished`.
    pub started: String,
    /// Wall-clock end.
    pub finished: String,
}
