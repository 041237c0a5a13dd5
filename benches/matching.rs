//! Criterion benchmarks of the hot path, per script: building the matching
//! view, lexicon matching with the shipped lexicons, full detection (rules,
//! cues, modifiers) and aggregation. Figures in MiB of text per second.
//! Run: `cargo bench --bench matching`.

use std::borrow::Cow;
use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tocsin::aggregate::Aggregator;
use tocsin::config::AggregateConfig;
use tocsin::detect::Detector;
use tocsin::document::{Document, Pseudonymiser};
use tocsin::normalize::MatchingView;

/// Text samples per script: mostly neutral chatter with a hostile phrase now and then, as in real feeds.
fn samples() -> Vec<(&'static str, String)> {
    let en = "Breaking news from the city market today, traffic is heavy near the school and the police ask drivers to be patient. ";
    let en_hostile = "Those migrants are cockroaches and we must take up arms. ";
    let fr = "Les prix du marché ont encore augmenté cette semaine à Dakar, selon les commerçants interrogés près de l'hôpital. ";
    let ru = "Сегодня в городе прошли выборы, на улицах было много людей, погода была хорошая и все спокойно. ";
    let ar = "أعلنت الحكومة اليوم عن خطة جديدة للطرق في المدينة وقال الوزير إن الأسعار ستنخفض قريبا. ";
    let obf = "Th3y are c0ckr0aches and v e r m i n, kiiiill them all!!! ";
    let build = |base: &str, hostile: Option<&str>| {
        let mut s = String::new();
        for i in 0..400 {
            s.push_str(base);
            if let (Some(h), 0) = (hostile, i % 20) {
                s.push_str(h);
            }
        }
        s
    };
    vec![
        ("latin_ascii", build(en, Some(en_hostile))),
        ("latin_accents", build(fr, None)),
        ("cyrillic", build(ru, None)),
        ("arabic", build(ar, None)),
        ("obfuscated", build(obf, None)),
    ]
}

fn detector() -> Detector {
    let set = tocsin::lexicon::load_lexicons(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("lexicons")]).expect("lexicons");
    Detector::new(set, Default::default()).expect("detector")
}

fn bench_view(c: &mut Criterion) {
    let mut g = c.benchmark_group("matching_view");
    for (name, text) in samples() {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let plain = MatchingView::plain(black_box(&text));
                let agg = MatchingView::aggressive(&plain);
                black_box((plain.text().len(), agg.map(|a| a.text().len())))
            })
        });
    }
    g.finish();
}

fn bench_detect(c: &mut Criterion) {
    let d = detector();
    let mut g = c.benchmark_group("lexicon_match");
    for (name, text) in samples() {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let plain = MatchingView::plain(black_box(&text));
                black_box(d.lexicon().find(&plain, None, None).len())
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("detect_with_rules");
    for (name, text) in samples() {
        // Per-post granularity: split into ~120-byte documents as social feeds are.
        let docs: Vec<&str> = text.split_inclusive(". ").collect();
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(name, |b| b.iter(|| docs.iter().map(|t| d.detect(black_box(t), None).len()).sum::<usize>()));
    }
    g.finish();
}

fn bench_aggregate(c: &mut Criterion) {
    let p = Pseudonymiser::new(b"bench-key-0123456789");
    let d = detector();
    let texts = ["Those migrants are cockroaches and we must take up arms.", "Market prices rose again today near the school."];
    let signals: Vec<_> = texts.iter().map(|t| d.detect(t, Some("en"))).collect();
    let docs: Vec<Document> = (0..10_000)
        .map(|i| Document {
            id: Cow::Owned(i.to_string()),
            text: Cow::Borrowed(texts[i % 2]),
            lang: Some(Cow::Borrowed("en")),
            region: Some(Cow::Owned(format!("R{}", i % 8))),
            timestamp: chrono::Utc::now(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 10, 1 + (i % 28) as u32).unwrap(),
            source: Cow::Borrowed("x"),
            author: Some(p.pseudonymise(&format!("user{}", i % 500))),
            reach: 10,
            location: None,
            speaker_type: None,
            lossy: false,
        })
        .collect();
    let mut g = c.benchmark_group("aggregate");
    g.throughput(Throughput::Elements(docs.len() as u64));
    g.bench_function("10k_docs", |b| {
        b.iter(|| {
            let mut a = Aggregator::new(&AggregateConfig::default());
            for (i, doc) in docs.iter().enumerate() {
                a.add(doc, &signals[i % 2]);
            }
            black_box(a.documents())
        })
    });
    g.finish();
}

criterion_group!(benches, bench_view, bench_detect, bench_aggregate);
criterion_main!(benches);
