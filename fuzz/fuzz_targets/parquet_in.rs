//! Arbitrary bytes as a Parquet input file: opening, schema checks, batch
//! decoding and cell conversion must reject, never panic.
#![no_main]

#[path = "targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::parquet_in(data));
