//! whatlang: the default detector, always compiled. Fast (trigrams), but
//! often unsure of short posts, and without Swahili, Hausa or Kinyarwanda.

use whatlang::Lang;

/// whatlang restricted to the candidate languages it knows.
#[derive(Debug, Clone)]
pub(super) struct Whatlang {
    detector: whatlang::Detector,
}

impl Whatlang {
    /// A detector choosing only among `candidates` (lexicon codes); `None` when whatlang knows none of them.
    pub(super) fn new(candidates: &[String]) -> Option<Self> {
        let allow: Vec<Lang> =
            Lang::all().iter().copied().filter(|l| crate::ingest::lexicon_code(l.code()).is_some_and(|c| candidates.iter().any(|x| x == c))).collect();
        (!allow.is_empty()).then(|| Whatlang { detector: whatlang::Detector::with_allowlist(allow) })
    }

    /// The language (lexicon code) and confidence of a text, when whatlang calls it reliable.
    pub(super) fn detect(&self, text: &str) -> Option<(&'static str, f64)> {
        let info = self.detector.detect(text)?;
        if !info.is_reliable() {
            return None;
        }
        crate::ingest::lexicon_code(info.lang().code()).map(|l| (l, info.confidence()))
    }

    /// The reliable languages of a text's sentences, each with the characters of its sentences
    /// (sentences too short to judge are left out, but their characters count in the total).
    pub(super) fn segments(&self, text: &str, min_confidence: f64) -> (Vec<(&'static str, usize)>, usize) {
        let mut found: Vec<(&'static str, usize)> = Vec::new();
        let mut total = 0;
        for s in sentences(text) {
            let n = s.chars().filter(|c| c.is_alphabetic()).count();
            total += n;
            if n < MIN_SEGMENT_LETTERS {
                continue;
            }
            if let Some((l, _)) = self.detect(s).filter(|(_, c)| *c >= min_confidence) {
                match found.iter_mut().find(|(x, _)| *x == l) {
                    Some((_, w)) => *w += n,
                    None => found.push((l, n)),
                }
            }
        }
        (found, total)
    }
}

/// Below this many letters whatlang is rarely reliable: not worth asking.
const MIN_SEGMENT_LETTERS: usize = 12;

/// The text cut after sentence ends (Latin, Arabic, Devanagari, Ethiopic, CJK), colons and line breaks:
/// a switch of language mostly comes with one of them ("Tell them: …").
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive(['.', '!', '?', ';', ':', '\n', '…', '؟', '۔', '।', '።', '。', '！', '？', '；']).filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_at_every_script_end() {
        let s: Vec<&str> = sentences("One. Deux ! ثلاثة؟ 四。Five:\nsix").collect();
        assert_eq!(s, ["One.", " Deux !", " ثلاثة؟", " 四。", "Five:", "\n", "six"].into_iter().filter(|x| !x.trim().is_empty()).collect::<Vec<_>>());
    }

    #[test]
    fn candidates_whatlang_does_not_know_give_no_detector() {
        assert!(Whatlang::new(&["sw".into(), "ha".into(), "rw".into()]).is_none());
        let w = Whatlang::new(&["en".into(), "sw".into()]).unwrap();
        // Restricted to English, a French sentence is English or nothing, never French.
        assert_ne!(w.detect("Le conseil s'est réuni ce matin et les habitants du nord ont été appelés au calme.").map(|x| x.0), Some("fr"));
    }
}
