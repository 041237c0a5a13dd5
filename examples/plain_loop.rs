//! The "plain Rust loop" of `../shared/bench/README.md`, as a floor for `bench/run_bench.py`: serde_json
//! parsing, lowercasing, an Aho-Corasick automaton and a word-boundary check, counting matches per
//! (region, day, category) on one thread — what pyahocorasick's peer does, in Rust. tocsin's one-thread
//! run is compared with it in the same invocation: the ratio says what the rest of the pipeline
//! (normalisation, obfuscation, rules, evidence, Parquet) costs on top of bare matching.
//!
//! `cargo run --release --example plain_loop -- corpus.jsonl lexicon.csv [--parse-only]` prints one JSON
//! line in the format of `peers.py` (`peer`, `docs`, `mb`, `seconds`, `docs_per_s`, `mb_per_s`, `matches`).
//! `--parse-only` stops after serde_json (the floor of any JSON-lines tool; the README's "serde_json alone").

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::BufRead;
use std::time::Instant;

use aho_corasick::AhoCorasick;
use serde::Deserialize;

/// The fields the loop reads; the text is borrowed unless it has escapes.
#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow)]
    region: Cow<'a, str>,
    #[serde(borrow)]
    timestamp: Cow<'a, str>,
}

/// A word character as `peers.py` has it (`str.isalnum()` or `_`).
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (corpus, lexicon, parse_only) = match args.as_slice() {
        [_, corpus, lexicon] => (corpus, lexicon, false),
        [_, corpus, lexicon, flag] if flag == "--parse-only" => (corpus, lexicon, true),
        _ => return Err("usage: plain_loop CORPUS.jsonl LEXICON.csv [--parse-only]".into()),
    };
    let mut categories: Vec<String> = Vec::new();
    let mut terms: Vec<String> = Vec::new();
    let mut term_category: Vec<usize> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in csv::Reader::from_path(lexicon)?.deserialize::<HashMap<String, String>>() {
        let row = row?;
        let term = row["term"].to_lowercase();
        let category = match categories.iter().position(|c| *c == row["category"]) {
            Some(i) => i,
            None => {
                categories.push(row["category"].clone());
                categories.len() - 1
            }
        };
        // As peers.py's dict: a later row of the same term replaces the earlier one's category.
        match seen.get(&term) {
            Some(&i) => term_category[i] = category,
            None => {
                seen.insert(term.clone(), terms.len());
                terms.push(term);
                term_category.push(category);
            }
        }
    }
    let automaton = AhoCorasick::new(&terms)?;

    let start = Instant::now();
    let mut counts: HashMap<(String, String, usize), u64> = HashMap::new();
    let (mut docs, mut bytes, mut matches) = (0u64, 0u64, 0u64);
    let mut reader = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(corpus)?);
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line)? > 0 {
        bytes += line.len() as u64;
        docs += 1;
        let record: Record = serde_json::from_slice(&line)?;
        if parse_only {
            std::hint::black_box(&record);
            line.clear();
            continue;
        }
        let text = record.text.to_lowercase();
        let day = &record.timestamp[..10.min(record.timestamp.len())];
        for m in automaton.find_overlapping_iter(&text) {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
                matches += 1;
                let key = (record.region.to_string(), day.to_string(), term_category[m.pattern().as_usize()]);
                *counts.entry(key).or_default() += 1;
            }
        }
        line.clear();
    }
    let seconds = start.elapsed().as_secs_f64();
    let mb = bytes as f64 / 1_048_576.0;
    println!(
        "{}",
        serde_json::json!({
            "peer": if parse_only { "rust_parse_only" } else { "rust_plain_loop" }, "docs": docs, "mb": mb, "seconds": seconds,
            "docs_per_s": docs as f64 / seconds, "mb_per_s": mb / seconds, "matches": matches, "keys": counts.len(),
        })
    );
    Ok(())
}
