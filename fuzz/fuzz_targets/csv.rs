//! CSV: header check, row framing with line numbers, quoting, ragged rows,
//! invalid UTF-8 in mapped columns; the first byte picks delimiter and policy.
#![no_main]

#[path = "targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::csv(data));
