//! X/Twitter API v2 responses: concatenated responses, tweets joined to users, metrics.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&policy, body)) = data.split_first() else { return };
    let ctx = common::context("twitter", "", common::utf8_policy(policy));
    common::drive(&ctx, body, std::path::Path::new("fuzz.twitter"));
});
