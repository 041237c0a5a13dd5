//! Rule files from arbitrary text: parsing, validation with lines, regex
//! compilation under the size limits; what loads must run.
#![no_main]

#[path = "targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::rules_load(data));
