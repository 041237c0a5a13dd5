//! Lexicon loading from bytes: terms CSV/TSV and modifiers CSV (the first
//! byte picks which); whatever loads must compile into a detector that runs.
#![no_main]

#[path = "targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::lexicon_load(data));
