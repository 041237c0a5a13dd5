//! Lexicons: the entry model analysts maintain, loading and validation, and
//! the compiled matcher that finds entries in a matching view.
//!
//! A lexicon pack is a folder with `manifest.toml`, `terms.csv` and
//! optionally `modifiers.csv` and `rules.toml` (see `lexicons/README.md`). A
//! plain CSV with at least `term,lang,category` is a lexicon too.

mod fuzzy;
pub mod import;
mod load;
mod matcher;

use std::path::PathBuf;

pub use fuzzy::{FuzzyIndex, FuzzyLang, KnownWord};
pub use load::{load_lexicons, load_pack, parse_csv_lexicon, parse_modifiers, LexiconError};
pub(crate) use matcher::{for_each_word_start, verify};
pub use matcher::{CompiledLexicon, Hit};

use crate::signal::{Category, Modifier};

/// How a term is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchMode {
    /// Whole words.
    Word,
    /// Words that start with the term (for rich inflection).
    Prefix,
    /// Anywhere, for scripts written without spaces.
    Substring,
    /// Several words, allowing up to two small words in between.
    Phrase,
}

impl MatchMode {
    /// Parses the `match` column.
    pub fn parse(s: &str) -> Option<MatchMode> {
        Some(match s.trim() {
            "" | "word" => MatchMode::Word,
            "prefix" => MatchMode::Prefix,
            "substring" => MatchMode::Substring,
            "phrase" => MatchMode::Phrase,
            _ => return None,
        })
    }
}

/// One lexicon entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The term as the analyst wrote it.
    pub term: String,
    /// Language code.
    pub lang: String,
    /// What it signals.
    pub category: Category,
    /// Targeted or named group (`kind:group`), for group references and slurs.
    pub target: Option<String>,
    /// 1 to 3.
    pub severity: u8,
    /// Counts only when a rule supports it.
    pub ambiguous: bool,
    /// Languages of documents in which the term is ambiguous although it is not in its own
    /// (English "retard" is French for "late"). Empty when `ambiguous` says it all.
    pub ambiguous_in: Vec<String>,
    /// Other written forms.
    pub variants: Vec<String>,
    /// How it is matched.
    pub mode: MatchMode,
    /// Meaning and usage.
    pub note: String,
    /// Where the knowledge comes from.
    pub source: String,
    /// Name of the lexicon it belongs to.
    pub lexicon: String,
    /// Line in the lexicon file (1-based, header is line 1).
    pub line: usize,
    /// Matched only as written, letter for letter up to case and spacing: no accent or
    /// look-alike folding, no de-obfuscation, no fuzzy matching. The entries of plain CSV
    /// lexicons: their authors may mean their accents (Spanish "año" is not "ano"), and no
    /// list of real words guards their fuzzy matching (a pack's `words.txt`).
    pub exact: bool,
}

impl Entry {
    /// Whether the term needs a rule's support in a document of this language.
    pub fn ambiguous_for(&self, doc_lang: Option<&str>) -> bool {
        self.ambiguous || doc_lang.is_some_and(|l| self.ambiguous_in.iter().any(|a| a == l.split(['-', '_']).next().unwrap_or(l)))
    }

    /// The id used in signals for a bare lexicon hit.
    pub fn rule_id(&self) -> String {
        format!("lexicon:{}:{}", self.lexicon, self.line)
    }
}

/// Where a modifier cue applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueScope {
    /// The next few tokens of the sentence.
    Following,
    /// The whole sentence.
    Sentence,
    /// The tokens before, in the sentence.
    Preceding,
}

impl CueScope {
    /// Parses the `scope` column.
    pub fn parse(s: &str) -> Option<CueScope> {
        Some(match s.trim() {
            "following" => CueScope::Following,
            "" | "sentence" => CueScope::Sentence,
            "preceding" => CueScope::Preceding,
            _ => return None,
        })
    }
}

/// A context cue: a word or phrase that marks negation, reported speech, counter-speech …
#[derive(Debug, Clone)]
pub struct Cue {
    /// The cue as written.
    pub cue: String,
    /// Language code.
    pub lang: String,
    /// What it marks.
    pub modifier: Modifier,
    /// Where it applies.
    pub scope: CueScope,
    /// Lexicon it belongs to.
    pub lexicon: String,
    /// Line in modifiers.csv.
    pub line: usize,
}

/// A lexicon's manifest, with the hash of its files for provenance.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LexiconInfo {
    /// Name.
    pub name: String,
    /// Version.
    #[serde(default)]
    pub version: String,
    /// Language codes.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Regions it is specific to (empty: anywhere).
    #[serde(default)]
    pub regions: Vec<String>,
    /// License.
    #[serde(default)]
    pub license: String,
    /// Who maintains it.
    #[serde(default)]
    pub maintainer: String,
    /// What it covers.
    #[serde(default)]
    pub description: String,
    /// Where it was loaded from.
    #[serde(skip_deserializing)]
    pub path: PathBuf,
    /// SHA-256 over its files, hex.
    #[serde(skip_deserializing)]
    pub sha256: String,
    /// Number of entries.
    #[serde(skip_deserializing)]
    pub entries: usize,
}

/// Every lexicon of a run, loaded and validated.
#[derive(Debug, Clone, Default)]
pub struct LexiconSet {
    /// The lexicons, in load order.
    pub lexicons: Vec<LexiconInfo>,
    /// All entries.
    pub entries: Vec<Entry>,
    /// All modifier cues.
    pub cues: Vec<Cue>,
    /// Rule files found in the packs (path, text), parsed by the rules module.
    pub rule_files: Vec<(PathBuf, String)>,
    /// Real words that fuzzy matching must leave alone (`words.txt`), with the pack's first language.
    pub words: Vec<(String, String)>,
}

/// An entry for unit tests: severity 2, not ambiguous, matched with folding, of lexicon `t`.
#[cfg(test)]
pub(crate) fn test_entry(term: &str, lang: &str, category: Category, mode: MatchMode, variants: &[&str]) -> Entry {
    Entry {
        term: term.into(),
        lang: lang.into(),
        category,
        target: None,
        severity: 2,
        ambiguous: false,
        ambiguous_in: Vec::new(),
        variants: variants.iter().map(|s| s.to_string()).collect(),
        mode,
        note: String::new(),
        source: String::new(),
        lexicon: "t".into(),
        line: 2,
        exact: false,
    }
}
