//! JSON lines: framing (chunks, over-long lines, byte order marks) and the
//! selective field reader, under both UTF-8 policies.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&policy, body)) = data.split_first() else { return };
    let extra = "[fields]\ntext = [\"text\", \"body.main\"]\nregion = \"user.location\"\nreach = [\"views\", \"m.shares\"]\n";
    let ctx = common::context("jsonl", extra, common::utf8_policy(policy));
    let (accepted, rejected) = common::drive(&ctx, body, std::path::Path::new("fuzz.jsonl"));
    // Every non-blank line is a document or a reject; an over-long line is one reject.
    let lines = body.split(|&b| b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).count() as u64;
    assert!(accepted + rejected <= lines.max(1) + 1, "{accepted} + {rejected} records from {lines} lines");
});
