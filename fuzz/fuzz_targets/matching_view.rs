//! The matching view of arbitrary UTF-8: every view span maps back onto
//! character boundaries of the original, inside it, and the map is monotone
//! (the proptests of src/normalize/, with the fuzzer's inputs); then the
//! whole detector with the shipped lexicons runs on the text.
#![no_main]

#[path = "targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::matching_view(data));
