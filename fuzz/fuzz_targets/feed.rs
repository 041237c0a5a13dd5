//! RSS and Atom: the XML reader, items and entries, HTML stripping and entity decoding.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&policy, body)) = data.split_first() else { return };
    let ctx = common::context("feed", "", common::utf8_policy(policy));
    common::drive(&ctx, body, std::path::Path::new("fuzz.feed"));
});
