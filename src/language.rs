//! Language: each document's language, where it came from and how sure we
//! are, and the languages whose lexicons read it.
//!
//! A record's own language (its mapped `lang` field, else the source's fixed
//! `lang`) is used as given. Otherwise, for a source with `detect_lang`,
//! whatlang detects it; only a result whatlang calls reliable is kept, with
//! its confidence, and (when the source declares `langs`) only a language of
//! that list. Everything else is `und`. The manifest counts, per language,
//! the documents given, detected (with their mean confidence) and left
//! unknown.
//!
//! A source that declares several languages (`langs = ["en", "sw"]`) is read
//! with the lexicons, rules and cues of each of them, and of the document's
//! own language: posts switch languages mid-sentence.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::{LoadedConfig, Problem};
use crate::document::Document;

/// Where a document's language came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LangOrigin {
    /// The record's own field, or the source's fixed `lang`.
    Given,
    /// Detected, with whatlang's confidence (0 to 1).
    Detected(f64),
    /// Detection ran but gave nothing reliable (or a language outside the source's `langs`).
    Undetected,
    /// No language and no detection.
    Unknown,
}

/// Documents of one language, by where the language came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LangCount {
    /// From the record or the source's fixed `lang`.
    pub given: u64,
    /// Detected by whatlang.
    pub detected: u64,
    /// Mean confidence of the detected ones (three decimals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_confidence: Option<f64>,
    /// `und` only: detection ran and gave nothing usable.
    pub undetected: u64,
    /// `und` only: no language given and no detection asked for.
    pub unknown: u64,
    /// Sum of the detected confidences in thousandths: integers merge exactly, whatever the order.
    #[serde(skip)]
    confidence_milli: u64,
}

/// The manifest's `languages`: language code (`und` for none) → counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct LangCounts(pub BTreeMap<String, LangCount>);

impl LangCounts {
    /// Counts one document.
    pub fn add(&mut self, lang: Option<&str>, origin: LangOrigin) {
        let key = lang.unwrap_or(crate::aggregate::UNKNOWN_LANG);
        let c = match self.0.get_mut(key) {
            Some(c) => c,
            None => self.0.entry(key.to_string()).or_default(),
        };
        match origin {
            LangOrigin::Given => c.given += 1,
            LangOrigin::Detected(conf) => {
                c.detected += 1;
                c.confidence_milli += (conf.clamp(0.0, 1.0) * 1000.0).round() as u64;
            }
            LangOrigin::Undetected => c.undetected += 1,
            LangOrigin::Unknown => c.unknown += 1,
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
    langs: Vec<String>,
}

/// The language stage of a run: per source, whether to detect and which languages it declares.
#[derive(Debug, Clone, Default)]
pub struct Languages {
    sources: Vec<SourceLangs>,
}

fn base(l: &str) -> &str {
    l.split(['-', '_']).next().unwrap_or(l)
}

fn valid_code(l: &str) -> bool {
    let (b, rest) = l.split_once(['-', '_']).unwrap_or((l, ""));
    (2..=3).contains(&b.len()) && b.chars().all(|c| c.is_ascii_lowercase()) && rest.chars().all(|c| c.is_ascii_alphanumeric())
}

impl Languages {
    /// Reads every source's `detect_lang` and `langs`; a code that is not a language code is a problem.
    pub fn from_config(config: &LoadedConfig) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut sources = Vec::new();
        for s in &config.config.sources {
            for l in s.langs.iter().chain(&s.lang) {
                if !valid_code(l) {
                    problems.push(Problem {
                        file: config.path.clone(),
                        line: None,
                        message: format!("source `{}`: `{l}` is not a language code (ISO 639-1 such as `en`, `sw`)", s.name),
                    });
                }
            }
            sources.push(SourceLangs { detect: s.detect_lang, langs: s.langs.clone() });
        }
        if problems.is_empty() {
            Ok(Languages { sources })
        } else {
            Err(problems)
        }
    }

    /// Gives a document without a language a detected one, when its source asks for detection.
    pub fn assign(&self, doc: &mut Document<'_>, source: usize) -> LangOrigin {
        if doc.lang.is_some() {
            return LangOrigin::Given;
        }
        let Some(s) = self.sources.get(source).filter(|s| s.detect) else {
            return LangOrigin::Unknown;
        };
        match crate::ingest::detect_lang_scored(&doc.text) {
            Some((l, confidence)) if s.langs.is_empty() || s.langs.iter().any(|x| base(x) == l) => {
                doc.lang = Some(Cow::Borrowed(l));
                LangOrigin::Detected(confidence)
            }
            _ => LangOrigin::Undetected,
        }
    }

    /// The languages whose lexicons read a document: its own, then its source's declared ones.
    /// Empty: every lexicon, as for a document of unknown language.
    pub fn reading<'a>(&'a self, doc_lang: Option<&'a str>, source: usize) -> Vec<&'a str> {
        let mut out: Vec<&str> = doc_lang.into_iter().collect();
        for l in self.sources.get(source).map(|s| s.langs.as_slice()).unwrap_or_default() {
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
            let o = l.assign(&mut d, source);
            counts.add(d.lang.as_deref(), o);
            (d.lang.map(|x| x.into_owned()), o)
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
        assert_eq!(json["und"], serde_json::json!({"given": 0, "detected": 0, "undetected": 2, "unknown": 1}));

        // Reading languages: the document's own first, then the declared ones, once each.
        assert_eq!(l.reading(Some("en"), 1), ["en", "sw"]);
        assert_eq!(l.reading(Some("fr"), 1), ["fr", "en", "sw"]);
        assert_eq!(l.reading(None, 1), ["en", "sw"]);
        assert!(l.reading(None, 0).is_empty());
    }

    #[test]
    fn merged_counts_do_not_depend_on_the_order() {
        let mut a = LangCounts::default();
        let mut b = LangCounts::default();
        a.add(Some("en"), LangOrigin::Detected(0.8));
        b.add(Some("en"), LangOrigin::Detected(0.3333));
        b.add(Some("en"), LangOrigin::Given);
        let (mut x, mut y) = (a.clone(), b.clone());
        x.merge(b);
        y.merge(a);
        assert_eq!(x.clone().finish(), y.finish());
        assert_eq!(x.finish().0["en"], LangCount { given: 1, detected: 2, mean_confidence: Some(0.567), undetected: 0, unknown: 0, confidence_milli: 1133 });
    }

    #[test]
    fn bad_codes_are_problems() {
        let p = languages("[[sources]]\nname = \"a\"\npaths = [\"x\"]\nformat = \"jsonl\"\nlangs = [\"English\", \"sw\"]\nlang = \"EN\"\n").unwrap_err();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].message.contains("`English`") && p[1].message.contains("`EN`"), "{p:?}");
    }
}
