//! CSV: header check, row framing with line numbers, quoting, ragged rows,
//! invalid UTF-8 in mapped columns; the first byte picks delimiter and policy.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&opts, body)) = data.split_first() else { return };
    let delimiter = [",", ";", "\\t", "|"][(opts >> 1) as usize % 4];
    let extra = format!("[csv]\ndelimiter = \"{delimiter}\"\n[fields]\ntext = [\"headline\", \"body\"]\ntimestamp = \"published\"\nreach = [\"circulation\"]\n");
    let ctx = common::context("csv", &extra, common::utf8_policy(opts));
    common::drive(&ctx, body, std::path::Path::new("fuzz.csv"));
});
