//! Language: each document's language, where it came from and how sure we
//! are, and the languages whose lexicons read it.
//!
//! A record's own language (its mapped `lang` field, else the source's fixed
//! `lang`) is used as given. Otherwise, for a source with `detect_lang`, the
//! run's detector (`[language] detector`: whatlang, or lingua with the cargo
//! feature `lingua`) chooses among the candidate languages: those we have
//! lexicons for (or `[language] candidates`) plus those sources declare.
//! Restricting the candidates is what makes short texts work: a post need
//! only be told from sixteen languages, not seventy. A result below
//! `min_confidence` (whatlang: one it does not call reliable) and, when the
//! source declares `langs`, a language outside that list, are `und`. The
//! manifest counts, per language, the documents given, detected (with their
//! mean confidence) and left unknown.
//!
//! A source that declares several languages (`langs = ["en", "sw"]`) is read
//! with the lexicons, rules and cues of each of them, and of the document's
//! own language: posts switch languages mid-sentence. A source that detects
//! and declares nothing has its longer documents (`mixed_min_chars`) cut into
//! sentences (whatlang) or single-language stretches (lingua); every language
//! holding `mixed_min_share` of the text is read too (docs/LANGUAGE.md).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::{LoadedConfig, Problem};
use crate::document::Document;

#[cfg(feature = "lingua")]
mod lingua;
mod whatlang;

/// The languages of the shipped lexicons (`lexicons/*/`): the default candidates of detection.
pub const SHIPPED: [&str; 16] = ["am", "ar", "de", "en", "es", "fr", "ha", "hi", "my", "nl", "pt", "ru", "rw", "sw", "uk", "zh"];

/// Which library detects languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectorKind {
    /// whatlang: fast, always compiled; unsure of short posts; no Swahili, Hausa, Kinyarwanda.
    #[default]
    Whatlang,
    /// lingua: better on short posts and splits mixed texts; needs `cargo build --features lingua`.
    Lingua,
}

/// The `[language]` table of a pipeline config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LanguageConfig {
    /// The detector (default whatlang).
    pub detector: DetectorKind,
    /// Lowest confidence (0 to 1) a detected language needs. Default: whatlang keeps what it calls
    /// reliable, lingua a language it gives at least 0.5.
    pub min_confidence: Option<f64>,
    /// The languages detection chooses among (ISO 639-1); default: those of the shipped lexicons.
    /// Sources' declared `langs` are always added.
    pub candidates: Vec<String>,
    /// Look for further languages in a document (mixed-language posts); on by default.
    pub mixed: bool,
    /// The share of a document (whatlang: of its letters, lingua: of its words) a second language
    /// needs to be read with its lexicons.
    pub mixed_min_share: f64,
    /// Documents shorter than this (characters) are not searched for a second language: too short to split.
    pub mixed_min_chars: usize,
}

impl Default for LanguageConfig {
    fn default() -> Self {
        LanguageConfig {
            detector: DetectorKind::Whatlang,
            min_confidence: None,
            candidates: Vec::new(),
            mixed: true,
            mixed_min_share: 0.2,
            mixed_min_chars: 80,
        }
    }
}

/// lingua's default floor: below it the top language of a short post is mostly a guess among several.
const LINGUA_MIN_CONFIDENCE: f64 = 0.5;

#[derive(Debug)]
enum Engine {
    Whatlang(whatlang::Whatlang),
    #[cfg(feature = "lingua")]
    Lingua(lingua::Lingua),
}

/// A language detector restricted to candidate languages, built once per run and shared by the workers.
#[derive(Debug)]
pub struct LanguageId {
    engine: Engine,
    min_confidence: f64,
}

impl LanguageId {
    /// Builds the detector of `kind` choosing among `candidates` (lexicon codes). Fails when the build
    /// lacks the detector or the detector knows none of the candidates.
    pub fn new(kind: DetectorKind, candidates: &[String], min_confidence: Option<f64>) -> Result<Self, String> {
        let mut candidates: Vec<String> = candidates.iter().map(|c| base(c).to_string()).collect();
        candidates.sort();
        candidates.dedup();
        let engine = match kind {
            DetectorKind::Whatlang => {
                Engine::Whatlang(whatlang::Whatlang::new(&candidates).ok_or_else(|| format!("whatlang knows none of the candidate languages {candidates:?}"))?)
            }
            #[cfg(feature = "lingua")]
            DetectorKind::Lingua => {
                Engine::Lingua(lingua::Lingua::new(&candidates).ok_or_else(|| format!("lingua knows none of the candidate languages {candidates:?}"))?)
            }
            #[cfg(not(feature = "lingua"))]
            DetectorKind::Lingua => return Err(
                "language.detector = \"lingua\" needs the cargo feature `lingua`, which this build lacks: build with `cargo build --release --features lingua`"
                    .into(),
            ),
        };
        let floor = match kind {
            DetectorKind::Whatlang => 0.0,
            DetectorKind::Lingua => LINGUA_MIN_CONFIDENCE,
        };
        Ok(LanguageId { engine, min_confidence: min_confidence.unwrap_or(floor) })
    }

    /// The language of a text (a lexicon code) and the detector's confidence, when sure enough.
    pub fn detect(&self, text: &str) -> Option<(&'static str, f64)> {
        let found = match &self.engine {
            Engine::Whatlang(w) => w.detect(text),
            #[cfg(feature = "lingua")]
            Engine::Lingua(l) => l.detect(text),
        };
        found.filter(|(_, c)| *c >= self.min_confidence)
    }

    /// The languages of a text's sentences or stretches, each with its share of the text (0 to 1), largest first.
    pub fn shares(&self, text: &str) -> Vec<(&'static str, f64)> {
        let (found, total) = match &self.engine {
            Engine::Whatlang(w) => w.segments(text, self.min_confidence),
            #[cfg(feature = "lingua")]
            Engine::Lingua(l) => l.segments(text),
        };
        let mut out: Vec<(&'static str, f64)> = found.into_iter().filter(|(l, _)| *l != "und").map(|(l, n)| (l, n as f64 / total.max(1) as f64)).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        out
    }
}

/// Where a document's language came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LangOrigin {
    /// The record's own field, or the source's fixed `lang`.
    Given,
    /// Detected, with the detector's confidence (0 to 1).
    Detected(f64),
    /// Detection ran but gave nothing sure enough (or a language outside the source's `langs`).
    Undetected,
    /// No language and no detection.
    Unknown,
}

/// What the language stage found for one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Assigned {
    /// Where the document's (main) language came from.
    pub origin: LangOrigin,
    /// Further languages found in the document, read with their lexicons too.
    pub also: Vec<&'static str>,
    /// Read with the lexicons of more than one language (declared or found).
    pub multilingual: bool,
}

/// Documents of one language, by where the language came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LangCount {
    /// From the record or the source's fixed `lang`.
    pub given: u64,
    /// Detected.
    pub detected: u64,
    /// Mean confidence of the detected ones (three decimals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_confidence: Option<f64>,
    /// `und` only: detection ran and gave nothing usable.
    pub undetected: u64,
    /// `und` only: no language given and no detection asked for.
    pub unknown: u64,
    /// Documents read with the lexicons of more than one language (declared by the source or found in the text).
    #[serde(skip_serializing_if = "is_zero")]
    pub multilingual: u64,
    /// Second languages found in the text (mixed-language documents) → documents read in them too.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub mixed: BTreeMap<String, u64>,
    /// Sum of the detected confidences in thousandths: integers merge exactly, whatever the order.
    #[serde(skip)]
    confidence_milli: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The manifest's `languages`: language code (`und` for none) → counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct LangCounts(pub BTreeMap<String, LangCount>);

impl LangCounts {
    /// Counts one document.
    pub fn add(&mut self, lang: Option<&str>, assigned: &Assigned) {
        let key = lang.unwrap_or(crate::aggregate::UNKNOWN_LANG);
        let c = match self.0.get_mut(key) {
            Some(c) => c,
            None => self.0.entry(key.to_string()).or_default(),
        };
        match assigned.origin {
            LangOrigin::Given => c.given += 1,
            LangOrigin::Detected(conf) => {
                c.detected += 1;
                c.confidence_milli += (conf.clamp(0.0, 1.0) * 1000.0).round() as u64;
            }
            LangOrigin::Undetected => c.undetected += 1,
            LangOrigin::Unknown => c.unknown += 1,
        }
        c.multilingual += assigned.multilingual as u64;
        for l in &assigned.also {
            match c.mixed.get_mut(*l) {
                Some(n) => *n += 1,
                None => {
                    c.mixed.insert(l.to_string(), 1);
                }
            }
        }
    }

    /// Adds another part's counts.
    pub fn merge(&mut self, other: LangCounts) {
        for (k, o) in other.0 {
            let c = self.0.entry(k).or_default();
            c.given += o.given;
            c.detected += o.detected;
            c.undetected += o.undetected;
            c.unknown += o.unknown;
            c.multilingual += o.multilingual;
            for (l, n) in o.mixed {
                *c.mixed.entry(l).or_default() += n;
            }
            c.confidence_milli += o.confidence_milli;
        }
    }

    /// The counts with their mean confidences filled in.
    pub fn finish(mut self) -> Self {
        for c in self.0.values_mut() {
            c.mean_confidence = (c.detected > 0).then(|| (c.confidence_milli as f64 / c.detected as f64).round() / 1000.0);
        }
        self
    }
}

#[derive(Debug, Clone, Default)]
struct SourceLangs {
    detect: bool,
    /// The source fixes every record's language: no search for a second one.
    fixed: bool,
    langs: Vec<String>,
}

/// The language stage of a run: the detector, and per source whether to detect and which languages it declares.
#[derive(Debug, Default)]
pub struct Languages {
    sources: Vec<SourceLangs>,
    /// Built only when a source detects.
    id: Option<LanguageId>,
    /// `None`: no search for further languages.
    mixed: Option<(f64, usize)>,
}

fn base(l: &str) -> &str {
    l.split(['-', '_']).next().unwrap_or(l)
}

fn valid_code(l: &str) -> bool {
    let (b, rest) = l.split_once(['-', '_']).unwrap_or((l, ""));
    (2..=3).contains(&b.len()) && b.chars().all(|c| c.is_ascii_lowercase()) && rest.chars().all(|c| c.is_ascii_alphanumeric())
}

impl Languages {
    /// Reads `[language]` and every source's `detect_lang`, `lang` and `langs`, and builds the detector
    /// when a source detects; every problem (a bad code, a share out of range, a detector this build
    /// lacks) is listed.
    pub fn from_config(config: &LoadedConfig) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let problem = |message: String| Problem { file: config.path.clone(), line: None, message };
        let mut sources = Vec::new();
        for s in &config.config.sources {
            for l in s.langs.iter().chain(&s.lang) {
                if !valid_code(l) {
                    problems.push(problem(format!("source `{}`: `{l}` is not a language code (ISO 639-1 such as `en`, `sw`)", s.name)));
                }
            }
            sources.push(SourceLangs { detect: s.detect_lang, fixed: s.lang.is_some(), langs: s.langs.clone() });
        }
        let c = &config.config.language;
        for l in &c.candidates {
            if !valid_code(l) {
                problems.push(problem(format!("language.candidates: `{l}` is not a language code (ISO 639-1 such as `en`, `sw`)")));
            }
        }
        if let Some(m) = c.min_confidence.filter(|m| !(0.0..=1.0).contains(m)) {
            problems.push(problem(format!("language.min_confidence = {m}: must be between 0 and 1")));
        }
        if !(c.mixed_min_share > 0.0 && c.mixed_min_share <= 1.0) {
            problems.push(problem(format!("language.mixed_min_share = {}: must be above 0 and at most 1", c.mixed_min_share)));
        }
        let mut id = None;
        if problems.is_empty() && (sources.iter().any(|s| s.detect) || c.detector == DetectorKind::Lingua) {
            let mut candidates: Vec<String> = if c.candidates.is_empty() { SHIPPED.iter().map(|s| s.to_string()).collect() } else { c.candidates.clone() };
            candidates.extend(sources.iter().flat_map(|s| s.langs.iter().cloned()));
            match LanguageId::new(c.detector, &candidates, c.min_confidence) {
                Ok(x) => id = Some(x),
                Err(e) => problems.push(problem(e)),
            }
        }
        if problems.is_empty() {
            Ok(Languages { sources, id, mixed: c.mixed.then_some((c.mixed_min_share, c.mixed_min_chars)) })
        } else {
            Err(problems)
        }
    }

    /// Gives a document without a language a detected one, when its source asks for detection, and
    /// finds the further languages of a long document from a source that detects and declares none.
    pub fn assign(&self, doc: &mut Document<'_>, source: usize) -> Assigned {
        let s = self.sources.get(source);
        let detect = s.filter(|s| s.detect).zip(self.id.as_ref());
        let origin = if doc.lang.is_some() {
            LangOrigin::Given
        } else if let Some((s, id)) = detect {
            match id.detect(&doc.text) {
                Some((l, confidence)) if s.langs.is_empty() || s.langs.iter().any(|x| base(x) == l) => {
                    doc.lang = Some(Cow::Borrowed(l));
                    LangOrigin::Detected(confidence)
                }
                _ => LangOrigin::Undetected,
            }
        } else {
            LangOrigin::Unknown
        };
        let mut also = Vec::new();
        // Declared languages are read anyway and others are not believed: nothing to search for.
        // A document of unknown language is read with every lexicon: nothing to add either.
        if let (Some((s, id)), Some((min_share, min_chars)), Some(main)) = (detect, self.mixed, doc.lang.as_deref()) {
            if !s.fixed && s.langs.is_empty() && doc.text.len() >= min_chars && doc.text.chars().nth(min_chars.saturating_sub(1)).is_some() {
                also = id.shares(&doc.text).into_iter().filter(|(l, share)| *share >= min_share && base(main) != *l).map(|(l, _)| l).collect();
            }
        }
        let declared = s.map_or(0, |s| s.langs.iter().filter(|l| doc.lang.as_deref().is_none_or(|d| base(d) != base(l))).count());
        let multilingual = doc.lang.is_some() as usize + declared + also.len() > 1;
        Assigned { origin, also, multilingual }
    }

    /// The languages whose lexicons read a document: its own, the further ones found in it, then its
    /// source's declared ones, once each. Empty: every lexicon, as for a document of unknown language.
    pub fn reading<'a>(&'a self, doc_lang: Option<&'a str>, source: usize, assigned: &Assigned) -> Vec<&'a str> {
        let mut out: Vec<&str> = doc_lang.into_iter().collect();
        let declared = self.sources.get(source).map(|s| s.langs.as_slice()).unwrap_or_default();
        for l in assigned.also.iter().copied().chain(declared.iter().map(String::as_str)) {
            if !out.iter().any(|x| base(x) == base(l)) {
                out.push(l);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, Utc};
    use std::path::Path;

    fn doc(text: &'static str, lang: Option<&'static str>) -> Document<'static> {
        Document {
            id: Cow::Borrowed("d"),
            text: Cow::Borrowed(text),
            lang: lang.map(Cow::Borrowed),
            region: None,
            timestamp: Utc::now(),
            date: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            source: Cow::Borrowed("s"),
            author: None,
            reach: 0,
            location: None,
            speaker_type: None,
            lossy: false,
        }
    }

    fn languages(sources: &str) -> Result<Languages, Vec<Problem>> {
        let text = format!("output = \"out\"\n{sources}");
        Languages::from_config(&LoadedConfig::from_str(&text, Path::new("p.toml"), Path::new(".")).unwrap())
    }

    const EN: &str = "The council met again this morning and the people of the north were told to stay calm.";
    const FR: &str = "Le conseil s'est réuni ce matin et les habitants du nord ont été appelés au calme.";

    #[test]
    fn given_detected_declared_and_unknown() {
        let l = languages(
            "[[sources]]\nname = \"a\"\npaths = [\"x\"]\nformat = \"jsonl\"\ndetect_lang = true\n\
             [[sources]]\nname = \"b\"\npaths = [\"x\"]\nformat = \"jsonl\"\ndetect_lang = true\nlangs = [\"en\", \"sw\"]\n\
             [[sources]]\nname = \"c\"\npaths = [\"x\"]\nformat = \"jsonl\"\n",
        )
        .unwrap();
        let mut counts = LangCounts::default();
        let mut run = |text, lang, source| {
            let mut d = doc(text, lang);
            let a = l.assign(&mut d, source);
            counts.add(d.lang.as_deref(), &a);
            (d.lang.map(|x| x.into_owned()), a.origin)
        };
        assert_eq!(run(EN, Some("sw"), 0), (Some("sw".into()), LangOrigin::Given));
        let (lang, o) = run(EN, None, 0);
        assert_eq!(lang.as_deref(), Some("en"));
        assert!(matches!(o, LangOrigin::Detected(c) if c > 0.5), "{o:?}");
        assert_eq!(run("ok", None, 0), (None, LangOrigin::Undetected));
        // Source b publishes in English and Swahili: French is not believed.
        assert_eq!(run(FR, None, 1), (None, LangOrigin::Undetected));
        assert_eq!(run(FR, None, 0).0.as_deref(), Some("fr"));
        assert_eq!(run(EN, None, 2), (None, LangOrigin::Unknown));
        let counts = counts.finish();
        assert_eq!((counts.0["sw"].given, counts.0["en"].detected, counts.0["fr"].detected), (1, 1, 1));
        assert_eq!((counts.0["und"].undetected, counts.0["und"].unknown), (2, 1));
        assert!(counts.0["en"].mean_confidence.is_some_and(|c| c > 0.5 && c <= 1.0));
        assert_eq!(counts.0["und"].mean_confidence, None);
        let json = serde_json::to_value(&counts).unwrap();
        // The French post of source b is `und` but read in English and Swahili.
        assert_eq!(json["und"], serde_json::json!({"given": 0, "detected": 0, "undetected": 2, "unknown": 1, "multilingual": 1}));

        // Reading languages: the document's own first, then the declared ones, once each.
        let none = Assigned { origin: LangOrigin::Unknown, also: vec![], multilingual: false };
        assert_eq!(l.reading(Some("en"), 1, &none), ["en", "sw"]);
        assert_eq!(l.reading(Some("fr"), 1, &none), ["fr", "en", "sw"]);
        assert_eq!(l.reading(None, 1, &none), ["en", "sw"]);
        assert!(l.reading(None, 0, &none).is_empty());
        let fr = Assigned { also: vec!["fr", "en"], ..none };
        assert_eq!(l.reading(Some("en"), 0, &fr), ["en", "fr"]);
    }

    #[test]
    fn merged_counts_do_not_depend_on_the_order() {
        let mut a = LangCounts::default();
        let mut b = LangCounts::default();
        let one = |origin| Assigned { origin, also: vec![], multilingual: false };
        a.add(Some("en"), &Assigned { also: vec!["fr"], multilingual: true, ..one(LangOrigin::Detected(0.8)) });
        b.add(Some("en"), &one(LangOrigin::Detected(0.3333)));
        b.add(Some("en"), &Assigned { also: vec!["fr", "ar"], multilingual: true, ..one(LangOrigin::Given) });
        let (mut x, mut y) = (a.clone(), b.clone());
        x.merge(b);
        y.merge(a);
        assert_eq!(x.clone().finish(), y.finish());
        let mixed = BTreeMap::from([("ar".to_string(), 1), ("fr".to_string(), 2)]);
        assert_eq!(
            x.finish().0["en"],
            LangCount { given: 1, detected: 2, mean_confidence: Some(0.567), undetected: 0, unknown: 0, multilingual: 2, mixed, confidence_milli: 1133 }
        );
    }

    const DETECT: &str = "[[sources]]\nname = \"a\"\npaths = [\"x\"]\nformat = \"jsonl\"\ndetect_lang = true\n";
    /// English news with a French hostile sentence (tests/functional/fr.jsonl fr-0001) at the end.
    const EN_FR: &str = "The council met again this morning and the people of the north were told to stay calm. \
                         Everyone waited outside the hall until the evening. \
                         Les migrants qui débarquent à Calais, c'est des cafards, rien d'autre.";
    /// French news with an Arabic hostile sentence (tests/functional/ar.jsonl ar-0001).
    const FR_AR: &str = "Le conseil s'est réuni ce matin et les habitants du nord ont été appelés au calme. اللاجئون السوريون صراصير تملأ شوارعنا.";
    const EN_LONG: &str = "The council met again this morning and the people of the north were told to stay calm. \
                           Everyone waited outside the hall until the evening, and the mayor thanked them for their patience.";

    fn assigned(l: &Languages, text: &'static str, lang: Option<&'static str>) -> (Option<String>, Assigned) {
        let mut d = doc(text, lang);
        let a = l.assign(&mut d, 0);
        (d.lang.map(|x| x.into_owned()), a)
    }

    #[test]
    fn mixed_documents_are_read_in_every_language_found() {
        let l = languages(DETECT).unwrap();
        let (lang, a) = assigned(&l, EN_FR, None);
        assert_eq!((lang.as_deref(), &a.also, a.multilingual), (Some("en"), &vec!["fr"], true), "{a:?}");
        assert_eq!(l.reading(lang.as_deref(), 0, &a), ["en", "fr"]);
        let (lang, a) = assigned(&l, FR_AR, None);
        assert_eq!((lang.as_deref(), &a.also), (Some("fr"), &vec!["ar"]), "{a:?}");
        // A record's own language is believed, and its text still searched.
        assert_eq!(assigned(&l, EN_FR, Some("en")).1.also, ["fr"]);
        // One language only; and a short post is not split.
        let (lang, a) = assigned(&l, EN_LONG, None);
        assert_eq!((lang.as_deref(), a.also.len(), a.multilingual), (Some("en"), 0, false));
        assert_eq!(assigned(&l, "Tell them: Waoru ni wadudu.", Some("en")).1.also, Vec::<&str>::new());
        let mut counts = LangCounts::default();
        counts.add(Some("en"), &assigned(&l, EN_FR, None).1);
        counts.add(Some("en"), &assigned(&l, EN_LONG, None).1);
        let json = serde_json::to_value(counts.finish()).unwrap();
        assert_eq!((&json["en"]["multilingual"], &json["en"]["mixed"]), (&serde_json::json!(1), &serde_json::json!({"fr": 1})));
    }

    #[test]
    fn no_search_for_a_second_language_when_it_cannot_change_the_reading() {
        let off = languages(&format!("{DETECT}[language]\nmixed = false\n")).unwrap();
        assert!(assigned(&off, EN_FR, None).1.also.is_empty());
        // Half the text: French is below a share of 0.6.
        let high = languages(&format!("{DETECT}[language]\nmixed_min_share = 0.6\n")).unwrap();
        assert!(assigned(&high, EN_FR, None).1.also.is_empty());
        let long = languages(&format!("{DETECT}[language]\nmixed_min_chars = 1000\n")).unwrap();
        assert!(assigned(&long, EN_FR, None).1.also.is_empty());
        // The source fixes the language, or declares its languages (read anyway, others not believed).
        assert!(assigned(&languages(&format!("{DETECT}lang = \"en\"\n")).unwrap(), EN_FR, Some("en")).1.also.is_empty());
        let declared = languages(&format!("{DETECT}langs = [\"en\", \"sw\"]\n")).unwrap();
        let (lang, a) = assigned(&declared, EN_FR, None);
        assert_eq!((lang.as_deref(), a.also.len(), a.multilingual), (Some("en"), 0, true));
        // Nothing detected: every lexicon reads it already.
        assert!(assigned(&languages(DETECT).unwrap(), "ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok ok", None)
            .1
            .also
            .is_empty());
    }

    #[test]
    fn candidates_restrict_detection() {
        // Only English and Swahili may be detected: French text is not French.
        let l = languages(&format!("{DETECT}[language]\ncandidates = [\"en\", \"sw\"]\n")).unwrap();
        assert_ne!(assigned(&l, FR, None).0.as_deref(), Some("fr"));
        assert_eq!(assigned(&l, EN, None).0.as_deref(), Some("en"));
        // Among sixteen candidates whatlang is sure of this short sentence; among all its languages it is not.
        assert_eq!(assigned(&l, "The people of the north were told.", None).0.as_deref(), Some("en"));
        assert_eq!(crate::ingest::detect_lang("The people of the north were told."), None);
    }

    #[test]
    fn bad_language_tables_are_problems() {
        let p = languages(&format!("{DETECT}[language]\nmin_confidence = 1.5\nmixed_min_share = 0.0\ncandidates = [\"French\"]\n")).unwrap_err();
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p.iter().any(|p| p.message.contains("min_confidence = 1.5")), "{p:?}");
        assert!(p.iter().any(|p| p.message.contains("mixed_min_share = 0")), "{p:?}");
        assert!(p.iter().any(|p| p.message.contains("`French`")), "{p:?}");
        assert!(LoadedConfig::from_str("output = \"o\"\nsources = []\n[language]\ndetector = \"cld3\"\n", Path::new("p.toml"), Path::new("."))
            .map(|c| !c.parse_problems.is_empty())
            .unwrap_or(true));
    }

    #[cfg(not(feature = "lingua"))]
    #[test]
    fn lingua_without_the_feature_fails_fast_naming_it() {
        let p = languages(&format!("{DETECT}[language]\ndetector = \"lingua\"\n")).unwrap_err();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("feature `lingua`") && p[0].message.contains("cargo build --release --features lingua"), "{p:?}");
    }

    #[cfg(feature = "lingua")]
    mod with_lingua {
        use super::*;

        fn lingua(extra: &str) -> Languages {
            languages(&format!("{DETECT}[language]\ndetector = \"lingua\"\n{extra}")).unwrap()
        }

        #[test]
        fn short_posts() {
            let l = lingua("");
            // tests/functional/sw.jsonl sw-0003: whatlang has no Swahili at all.
            assert_eq!(assigned(&l, "Wasomali wote ni wadudu wanaoharibu mji wetu.", None).0.as_deref(), Some("sw"));
            assert_eq!(assigned(&l, "Ces parasites d'immigrés vivent des allocs.", None).0.as_deref(), Some("fr"));
            assert_eq!(assigned(&l, "Those refugees are vermin.", None).0.as_deref(), Some("en"));
            assert_eq!(assigned(&l, "ሰላም ለሁላችሁ ይሁን", None).0.as_deref(), Some("am"));
            let (_, a) = assigned(&l, "Those refugees are vermin.", None);
            assert!(matches!(a.origin, LangOrigin::Detected(c) if (0.5..=1.0).contains(&c)), "{a:?}");
        }

        #[test]
        fn mixed_posts() {
            let l = lingua("");
            // A long enough English part to stay the main language; lingua reads the two sentences alone
            // with more weight on the Swahili, whose n-grams are rarer.
            let en_sw = "The council met again this morning and the people of the north were told to stay calm. \
                         Everyone waited outside the hall until the evening. Wasomali wote ni wadudu wanaoharibu mji wetu.";
            let (lang, a) = assigned(&l, en_sw, None);
            assert_eq!((lang.as_deref(), &a.also), (Some("en"), &vec!["sw"]), "{a:?}");
            let (lang, a) = assigned(&l, EN_FR, None);
            assert_eq!((lang.as_deref(), &a.also), (Some("en"), &vec!["fr"]), "{a:?}");
            let (lang, a) = assigned(&l, FR_AR, None);
            assert_eq!((lang.as_deref(), &a.also), (Some("fr"), &vec!["ar"]), "{a:?}");
            assert!(assigned(&l, EN_LONG, None).1.also.is_empty());
        }
    }

    #[test]
    fn bad_codes_are_problems() {
        let p = languages("[[sources]]\nname = \"a\"\npaths = [\"x\"]\nformat = \"jsonl\"\nlangs = [\"English\", \"sw\"]\nlang = \"EN\"\n").unwrap_err();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].message.contains("`English`") && p[1].message.contains("`EN`"), "{p:?}");
    }
}
