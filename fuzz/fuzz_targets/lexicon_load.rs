//! Lexicon loading from bytes: terms CSV/TSV and modifiers CSV (the first
//! byte picks which); whatever loads must compile into a detector that runs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    let loaded = match which % 3 {
        0 => tocsin::lexicon::parse_csv_lexicon(Path::new("fuzz.csv"), body),
        1 => tocsin::lexicon::parse_csv_lexicon(Path::new("fuzz.tsv"), body),
        _ => tocsin::lexicon::parse_modifiers(Path::new("modifiers.csv"), body, "fuzz"),
    };
    match loaded {
        Ok(set) => {
            let detector = tocsin::detect::Detector::new(set, Default::default()).expect("a lexicon that loads compiles");
            let text = String::from_utf8_lossy(body);
            for s in detector.detect(&text, Some("en")) {
                assert!(s.span.0 <= s.span.1 && s.span.1 <= text.len());
            }
        }
        Err(e) => {
            for p in &e.problems {
                assert!(!p.message.is_empty(), "problem without a message");
            }
        }
    }
});
