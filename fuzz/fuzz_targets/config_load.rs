//! Pipeline configs from arbitrary text: parsing with unknown fields set
//! aside, lines of problems, and the checks that need no file system.
#![no_main]

#[path = "targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::config_load(data));
