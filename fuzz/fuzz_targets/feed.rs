//! RSS and Atom: the XML reader, items and entries, HTML stripping and entity decoding.
#![no_main]

#[path = "targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::feed(data));
