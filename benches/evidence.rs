//! Criterion benchmark of the end of a run: evidence rows built into Arrow batches and written as
//! Parquet, with and without the plain (no dictionary, no statistics) columns for mostly-distinct
//! values. Rows are synthetic but shaped like the 200 MB benchmark's: ids, pseudonyms and snippets
//! distinct, sources, regions, categories and terms from small sets.
//! Run: `cargo bench --bench evidence`.

use std::hint::black_box;

use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tocsin::evidence::{EvidenceRow, EvidenceSignal};
use tocsin::sink::evidence::{batch, schema, UNIQUE_COLUMNS};
use tocsin::sink::parquet::BatchWriter;

/// A small deterministic generator (xorshift), so every run writes the same rows.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn rows(n: usize) -> Vec<EvidenceRow> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let words = ["market", "city", "today", "people", "news", "the", "and", "police", "price", "school", "road", "water"];
    let categories = ["dehumanisation", "group_reference", "incitement", "threat", "traitor"];
    let regions = ["BE-BRU", "KE-30", "SN-DK", "EG-C", "FR-75", "ES-M", "GB-LND", "US-NY"];
    let day = NaiveDate::from_ymd_opt(2024, 3, 1).expect("date");
    (0..n)
        .map(|i| {
            let snippet: Vec<&str> = (0..35).map(|_| words[rng.next(words.len())]).collect();
            let term = format!("term{}", rng.next(5000));
            let category = categories[rng.next(categories.len())].to_string();
            let signals = (0..1 + rng.next(3))
                .map(|k| EvidenceSignal {
                    category: category.clone(),
                    target: None,
                    rule: format!("lexicon:bench:{}", rng.next(5000)),
                    term: term.clone(),
                    start: 10 * k as i64,
                    end: 10 * k as i64 + 8,
                    severity: 2,
                    status: "hostile".into(),
                    modifiers: Vec::new(),
                    text: Some(format!("{term}{k}")),
                })
                .collect();
            EvidenceRow {
                date: day,
                doc_id: format!("d{i:09}"),
                source_name: "corpus".into(),
                source: ["twitter", "telegram", "web"][rng.next(3)].into(),
                region: regions[rng.next(regions.len())].into(),
                lang: ["en", "fr", "es", "ar", "sw"][rng.next(5)].into(),
                timestamp: Utc.timestamp_opt(1_709_251_200 + i as i64, 0).single().expect("time"),
                speaker: Some(format!("{:016x}", rng.next(1 << 40))),
                speaker_type: None,
                reach: 1,
                status: "hostile".into(),
                categories: vec![category],
                targets: Vec::new(),
                terms: vec![term],
                max_severity: 2,
                call_to_action: false,
                attributed: false,
                counter_speech: false,
                snippet: Some(snippet.join(" ")),
                signals,
            }
        })
        .collect()
}

fn bench_evidence(c: &mut Criterion) {
    let rows = rows(26_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("part-0.parquet");
    let mut g = c.benchmark_group("evidence_day");
    g.throughput(Throughput::Elements(rows.len() as u64));
    g.sample_size(10);
    g.bench_function("arrow_batches", |b| b.iter(|| black_box(rows.chunks(4096).map(|c| batch(c).num_rows()).sum::<usize>())));
    for (name, unique) in [("parquet_dictionary_everywhere", &[][..]), ("parquet_unique_columns_plain", UNIQUE_COLUMNS)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut w = BatchWriter::create_with_unique(&path, schema(), unique).expect("create");
                for chunk in rows.chunks(4096) {
                    w.write(&batch(chunk)).expect("write");
                }
                w.finish().expect("finish");
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_evidence);
criterion_main!(benches);
