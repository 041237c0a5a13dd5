//! JSON lines: framing (chunks, over-long lines, byte order marks) and the
//! selective field reader, under both UTF-8 policies.
#![no_main]

#[path = "targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::jsonl(data));
