//! lingua (cargo feature `lingua`): n-gram models up to five letters, much
//! better than whatlang on short posts and able to split a mixed text, at
//! some build time, binary size and memory (docs/LANGUAGE.md). Only the
//! models of our lexicon languages are compiled in (Cargo.toml). Amharic and
//! Burmese have no lingua model but a script of their own: they are told by
//! their script.

use std::str::FromStr;

use lingua::{IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder};
use whatlang::Script;

/// lingua built once for the run's candidate languages; `Sync`, shared by the workers.
pub(super) struct Lingua {
    detector: Option<LanguageDetector>,
    /// Candidates told by their script alone: (script, lexicon code).
    by_script: Vec<(Script, &'static str)>,
}

impl std::fmt::Debug for Lingua {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lingua").field("models", &self.detector.is_some()).field("by_script", &self.by_script).finish()
    }
}

/// The lexicon code of a lingua language (its ISO 639-1 code).
fn code(l: Language) -> &'static str {
    // Lingua's codes are an enum: map through the lexicon codes we know rather than leak a String.
    let c = l.iso_code_639_1().to_string();
    super::SHIPPED.iter().copied().find(|x| *x == c).unwrap_or("und")
}

impl Lingua {
    /// A detector for the candidates lingua or their script can tell; `None` when there is none.
    pub(super) fn new(candidates: &[String]) -> Option<Self> {
        let languages: Vec<Language> =
            candidates.iter().filter_map(|c| IsoCode639_1::from_str(super::base(c)).ok()).map(|iso| Language::from_iso_code_639_1(&iso)).collect();
        let by_script: Vec<(Script, &'static str)> =
            [(Script::Ethiopic, "am"), (Script::Myanmar, "my")].into_iter().filter(|(_, c)| candidates.iter().any(|x| x == c)).collect();
        if languages.is_empty() && by_script.is_empty() {
            return None;
        }
        // from_languages panics on an empty list; a run of only Amharic needs no model.
        let detector = (!languages.is_empty()).then(|| LanguageDetectorBuilder::from_languages(&languages).build());
        Some(Lingua { detector, by_script })
    }

    fn script(&self, text: &str) -> Option<&'static str> {
        if self.by_script.is_empty() {
            return None;
        }
        let s = whatlang::detect_script(text)?;
        self.by_script.iter().find(|(x, _)| *x == s).map(|(_, c)| *c)
    }

    /// The most likely language and its confidence (the share lingua gives it among the candidates).
    pub(super) fn detect(&self, text: &str) -> Option<(&'static str, f64)> {
        if let Some(c) = self.script(text) {
            return Some((c, 1.0));
        }
        let (l, confidence) = self.detector.as_ref()?.compute_language_confidence_values(text).into_iter().next()?;
        (confidence > 0.0).then(|| (code(l), confidence))
    }

    /// The languages of a text's single-language stretches, each with its words, and the words in all.
    pub(super) fn segments(&self, text: &str) -> (Vec<(&'static str, usize)>, usize) {
        let mut found: Vec<(&'static str, usize)> = Vec::new();
        let Some(detector) = &self.detector else {
            return (found, 0);
        };
        let mut total = 0;
        for r in detector.detect_multiple_languages_of(text) {
            total += r.word_count();
            let l = code(r.language());
            match found.iter_mut().find(|(x, _)| *x == l) {
                Some((_, w)) => *w += r.word_count(),
                None => found.push((l, r.word_count())),
            }
        }
        (found, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lingua_model_we_compile_maps_to_a_lexicon_language() {
        for iso in [
            IsoCode639_1::AR,
            IsoCode639_1::DE,
            IsoCode639_1::EN,
            IsoCode639_1::ES,
            IsoCode639_1::FR,
            IsoCode639_1::HI,
            IsoCode639_1::NL,
            IsoCode639_1::PT,
            IsoCode639_1::RU,
            IsoCode639_1::SW,
            IsoCode639_1::UK,
            IsoCode639_1::ZH,
        ] {
            assert_ne!(code(Language::from_iso_code_639_1(&iso)), "und", "{iso}");
        }
    }

    #[test]
    fn amharic_and_burmese_by_their_script() {
        let l = Lingua::new(&["am".into(), "my".into(), "en".into()]).unwrap();
        assert_eq!(l.detect("ሰላም ለሁላችሁ ይሁን").map(|x| x.0), Some("am"));
        assert_eq!(l.detect("မင်္ဂလာပါ").map(|x| x.0), Some("my"));
        assert!(Lingua::new(&["ha".into(), "rw".into()]).is_none());
    }
}
