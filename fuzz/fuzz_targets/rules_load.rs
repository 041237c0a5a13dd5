//! Rule files from arbitrary text: parsing, validation with lines, regex
//! compilation under the size limits; what loads must run.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match tocsin::rules::RuleSet::load(&[(PathBuf::from("rules.toml"), text.to_string())]) {
        Ok(set) => {
            for r in &set.regex {
                let _ = r.regex.find_iter("they are vermin and must be driven out, kill them all").count();
            }
        }
        Err(e) => {
            for p in &e.problems {
                assert!(!p.message.is_empty(), "problem without a message");
                if let Some(line) = p.line {
                    assert!(line >= 1 && line <= text.lines().count().max(1) + 1, "line {line} outside the file");
                }
            }
        }
    }
});
