//! Text folders: the path pattern compiler and matcher on arbitrary patterns
//! and paths, then one file read with the default pattern.
#![no_main]

#[path = "targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::textdir(data));
