//! Telegram Desktop exports: the whole-file JSON reader, entity flattening, service messages.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&policy, body)) = data.split_first() else { return };
    let ctx = common::context("telegram", "", common::utf8_policy(policy));
    common::drive(&ctx, body, std::path::Path::new("fuzz.telegram"));
});
