//! Pipeline configs from arbitrary text: parsing with unknown fields set
//! aside, lines of problems, and the checks that need no file system.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match tocsin::config::LoadedConfig::from_str(text, Path::new("p.toml"), Path::new("/nonexistent-base")) {
        Ok(c) => {
            let _ = c.time_zone();
            let _ = c.hash();
            for p in &c.parse_problems {
                assert!(p.line.is_none_or(|l| l >= 1 && l <= text.lines().count() + 1), "line outside the file: {p}");
            }
            for s in &c.config.sources {
                let _ = s.csv.delimiter_byte();
                let _ = s.csv.quote_byte();
                let _ = tocsin::ingest::textdir::PathPattern::new(&s.textdir.pattern);
            }
        }
        Err(e) => {
            for p in &e.problems {
                assert!(p.line.is_none_or(|l| l >= 1 && l <= text.lines().count() + 1), "line outside the file: {p}");
            }
        }
    }
});
