//! X/Twitter API v2 responses: concatenated responses, tweets joined to users, metrics.
#![no_main]

#[path = "targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::twitter(data));
