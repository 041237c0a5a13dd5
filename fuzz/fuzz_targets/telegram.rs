//! Telegram Desktop exports: the whole-file JSON reader, entity flattening, service messages.
#![no_main]

#[path = "targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::telegram(data));
