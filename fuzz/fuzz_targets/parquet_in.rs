//! Arbitrary bytes as a Parquet input file: opening, schema checks, batch
//! decoding and cell conversion must reject, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    // The Parquet reader needs random access to a real file, as in a run.
    let path = std::env::temp_dir().join(format!("tocsin-fuzz-{}.parquet", std::process::id()));
    std::fs::write(&path, data).expect("write the input");
    let ctx = common::context("parquet", "", tocsin::config::InvalidUtf8::Reject);
    common::drive(&ctx, data, &path);
});
