//! Text folders: the path pattern compiler and matcher on arbitrary patterns
//! and paths, then one file read with the default pattern.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tocsin::ingest::textdir::PathPattern;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        let ctx = common::context("textdir", "", common::utf8_policy(data.first().copied().unwrap_or(0)));
        common::drive(&ctx, data, std::path::Path::new("/in/2025-10-01/a.txt"));
        return;
    };
    let (pattern, path) = s.split_once('\n').unwrap_or((s, "XA-NO/2025-10-01/radio.txt"));
    if let Ok(p) = PathPattern::new(pattern) {
        let rel = p.relative(std::path::Path::new(path));
        if let Some(caps) = p.captures(&rel) {
            for (name, value) in caps {
                assert!(!value.contains('/'), "placeholder {name} spans segments: {value:?}");
            }
        }
    }
    let ctx = common::context("textdir", "", tocsin::config::InvalidUtf8::Reject);
    common::drive(&ctx, data, std::path::Path::new("/in/2025-10-01/a.txt"));
});
