//! The fuzz targets' bodies, one function per target: each `fuzz_targets/NAME.rs`
//! calls its function on libFuzzer's input, and `tests/fuzz_replay.rs` (in the
//! main crate's `cargo test`) calls the same functions on the committed seeds
//! and on every crash input kept as a regression (`tests/data/fuzz/NAME/`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use tocsin::config::{InvalidUtf8, Limits, SourceConfig};
use tocsin::document::Pseudonymiser;
use tocsin::ingest::textdir::PathPattern;
use tocsin::ingest::timestamp::TimeParser;
use tocsin::ingest::{file_chunks, IngestContext, SourcePlan};
use tocsin::normalize::MatchingView;

/// A context with one source of `format`, its default mapping, small limits (so the fuzzer reaches them) and the given UTF-8 policy.
pub fn context(format: &str, extra: &str, utf8: InvalidUtf8) -> IngestContext {
    let toml = format!("name = \"fuzz\"\npaths = [\"x\"]\nformat = \"{format}\"\n{extra}");
    let config: SourceConfig = toml::from_str(&toml).expect("source config");
    let plan = SourcePlan::new(&config, Vec::new());
    let limits = Limits { max_record_bytes: 4096, invalid_utf8: utf8, ..Limits::default() };
    IngestContext {
        time: TimeParser::new(chrono_tz(), NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(), Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap()),
        pseudonymiser: Pseudonymiser::new(b"fuzz-key-0123456789"),
        limits,
        sources: vec![plan],
    }
}

fn chrono_tz() -> chrono_tz::Tz {
    "Africa/Nairobi".parse().unwrap()
}

/// Frames and parses `data` as the context's only source; checks that every
/// record ends up as a document or a reject, and that documents are sane.
pub fn drive(ctx: &IngestContext, data: &[u8], path: &Path) -> (u64, u64) {
    let reader: Box<dyn std::io::BufRead + Send> = Box::new(std::io::Cursor::new(data.to_vec()));
    let file: Arc<str> = Arc::from(path.display().to_string());
    let (mut accepted, mut rejected) = (0u64, 0u64);
    for chunk in file_chunks(&ctx.sources, 0, file, path, reader, &ctx.limits) {
        rejected += chunk.rejects.len() as u64;
        for r in &chunk.rejects {
            assert!(!r.reason.is_empty(), "reject without a reason");
        }
        chunk.for_each_record(ctx, &mut |record| match record {
            Ok(doc) => {
                accepted += 1;
                assert!(!doc.id.is_empty(), "document without an id");
                assert!(doc.text.len() <= data.len() * 4 + 64, "text grew beyond its input");
            }
            Err(r) => {
                rejected += 1;
                assert!(!r.reason.is_empty(), "reject without a reason");
                assert!(r.excerpt.chars().count() <= 121, "excerpt too long");
            }
        });
    }
    (accepted, rejected)
}

/// The UTF-8 policy picked by one input byte.
pub fn utf8_policy(b: u8) -> InvalidUtf8 {
    if b & 1 == 0 {
        InvalidUtf8::Reject
    } else {
        InvalidUtf8::Lossy
    }
}

fn check(view: &MatchingView<'_>) {
    let o = view.original();
    let text = view.text();
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
    let mut last = 0;
    for &i in &bounds {
        let at = view.origin(i);
        assert!(at <= o.len() && o.is_char_boundary(at), "origin({i}) = {at} not a boundary of {o:?}");
        assert!(at >= last, "map not monotone at view byte {i}: {at} < {last} in {o:?}");
        last = at;
    }
    // All spans on short views, spans of up to 8 characters on long ones (bounded time per input).
    let reach = if bounds.len() <= 64 { bounds.len() } else { 8 };
    for (k, &i) in bounds.iter().enumerate() {
        for &j in bounds.iter().skip(k).take(reach) {
            let (a, b) = view.to_original(i, j);
            assert!(a <= b && b <= o.len(), "span {i}..{j} -> {a}..{b} out of {}", o.len());
            assert!(o.is_char_boundary(a) && o.is_char_boundary(b), "span {i}..{j} -> {a}..{b} not on boundaries of {o:?}");
        }
    }
}

fn detector() -> &'static tocsin::detect::Detector {
    static D: std::sync::OnceLock<tocsin::detect::Detector> = std::sync::OnceLock::new();
    D.get_or_init(|| {
        // The shipped lexicons, from the fuzz crate (fuzz/) or from the main crate's tests.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let lexicons = if root.join("lexicons").is_dir() { root.join("lexicons") } else { root.join("../lexicons") };
        let set = tocsin::lexicon::load_lexicons(&[lexicons]).expect("shipped lexicons load");
        tocsin::detect::Detector::new(set, Default::default()).expect("detector")
    })
}

/// JSON lines: framing (chunks, over-long lines, byte order marks) and the
/// selective field reader, under both UTF-8 policies.
pub fn jsonl(data: &[u8]) {
    let Some((&policy, body)) = data.split_first() else {
        return;
    };
    let extra = "[fields]\ntext = [\"text\", \"body.main\"]\nregion = \"user.location\"\nreach = [\"views\", \"m.shares\"]\n";
    let ctx = context("jsonl", extra, utf8_policy(policy));
    let (accepted, rejected) = drive(&ctx, body, std::path::Path::new("fuzz.jsonl"));
    // Every non-blank line is a document or a reject; an over-long line is one reject.
    let lines = body.split(|&b| b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).count() as u64;
    assert!(accepted + rejected <= lines.max(1) + 1, "{accepted} + {rejected} records from {lines} lines");
}

/// CSV: header check, row framing with line numbers, quoting, ragged rows,
/// invalid UTF-8 in mapped columns; the first byte picks delimiter and policy.
pub fn csv(data: &[u8]) {
    let Some((&opts, body)) = data.split_first() else {
        return;
    };
    let delimiter = [",", ";", "\\t", "|"][(opts >> 1) as usize % 4];
    let extra =
        format!("[csv]\ndelimiter = \"{delimiter}\"\n[fields]\ntext = [\"headline\", \"body\"]\ntimestamp = \"published\"\nreach = [\"circulation\"]\n");
    let ctx = context("csv", &extra, utf8_policy(opts));
    drive(&ctx, body, std::path::Path::new("fuzz.csv"));
}

/// Telegram Desktop exports: the whole-file JSON reader, entity flattening, service messages.
pub fn telegram(data: &[u8]) {
    let Some((&policy, body)) = data.split_first() else {
        return;
    };
    let ctx = context("telegram", "", utf8_policy(policy));
    drive(&ctx, body, std::path::Path::new("fuzz.telegram"));
}

/// X/Twitter API v2 responses: concatenated responses, tweets joined to users, metrics.
pub fn twitter(data: &[u8]) {
    let Some((&policy, body)) = data.split_first() else {
        return;
    };
    let ctx = context("twitter", "", utf8_policy(policy));
    drive(&ctx, body, std::path::Path::new("fuzz.twitter"));
}

/// RSS and Atom: the XML reader, items and entries, HTML stripping and entity decoding.
pub fn feed(data: &[u8]) {
    let Some((&policy, body)) = data.split_first() else {
        return;
    };
    let ctx = context("feed", "", utf8_policy(policy));
    drive(&ctx, body, std::path::Path::new("fuzz.feed"));
}

/// Arbitrary bytes as a Parquet input file: opening, schema checks, batch
/// decoding and cell conversion must reject, never panic.
pub fn parquet_in(data: &[u8]) {
    // The Parquet reader needs random access to a real file, as in a run.
    let path = std::env::temp_dir().join(format!("tocsin-fuzz-{}.parquet", std::process::id()));
    std::fs::write(&path, data).expect("write the input");
    let ctx = context("parquet", "", tocsin::config::InvalidUtf8::Reject);
    drive(&ctx, data, &path);
}

/// Text folders: the path pattern compiler and matcher on arbitrary patterns
/// and paths, then one file read with the default pattern.
pub fn textdir(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        let ctx = context("textdir", "", utf8_policy(data.first().copied().unwrap_or(0)));
        drive(&ctx, data, std::path::Path::new("/in/2025-10-01/a.txt"));
        return;
    };
    let (pattern, path) = s.split_once('\n').unwrap_or((s, "XA-NO/2025-10-01/radio.txt"));
    if let Ok(p) = PathPattern::new(pattern) {
        let rel = p.relative(std::path::Path::new(path));
        if let Some(caps) = p.captures(&rel) {
            for (name, value) in caps {
                assert!(!value.contains('/'), "placeholder {name} spans segments: {value:?}");
            }
        }
    }
    let ctx = context("textdir", "", tocsin::config::InvalidUtf8::Reject);
    drive(&ctx, data, std::path::Path::new("/in/2025-10-01/a.txt"));
}

/// The matching view of arbitrary UTF-8: every view span maps back onto
/// character boundaries of the original, inside it, and the map is monotone
/// (the proptests of src/normalize/, with the fuzzer's inputs); then the
/// whole detector with the shipped lexicons runs on the text.
pub fn matching_view(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let plain = MatchingView::plain(s);
    check(&plain);
    if let Some(agg) = MatchingView::aggressive(&plain) {
        check(&agg);
    }
    let _ = MatchingView::aggressive_term(s);
    for lang in [None, Some("en"), Some("fr"), Some("ar")] {
        for signal in detector().detect(s, lang) {
            let (a, b) = (signal.span.0, signal.span.1);
            assert!(a <= b && b <= s.len() && s.is_char_boundary(a) && s.is_char_boundary(b), "signal span {a}..{b} in {s:?}");
        }
    }
}

/// Lexicon loading from bytes: terms CSV/TSV and modifiers CSV (the first
/// byte picks which); whatever loads must compile into a detector that runs.
pub fn lexicon_load(data: &[u8]) {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let loaded = match which % 3 {
        0 => tocsin::lexicon::parse_csv_lexicon(Path::new("fuzz.csv"), body),
        1 => tocsin::lexicon::parse_csv_lexicon(Path::new("fuzz.tsv"), body),
        _ => tocsin::lexicon::parse_modifiers(Path::new("modifiers.csv"), body, "fuzz"),
    };
    match loaded {
        Ok(set) => {
            let detector = tocsin::detect::Detector::new(set, Default::default()).expect("a lexicon that loads compiles");
            let text = String::from_utf8_lossy(body);
            for s in detector.detect(&text, Some("en")) {
                assert!(s.span.0 <= s.span.1 && s.span.1 <= text.len());
            }
        }
        Err(e) => {
            for p in &e.problems {
                assert!(!p.message.is_empty(), "problem without a message");
            }
        }
    }
}

/// Rule files from arbitrary text: parsing, validation with lines, regex
/// compilation under the size limits; what loads must run.
pub fn rules_load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match tocsin::rules::RuleSet::load(&[(PathBuf::from("rules.toml"), text.to_string())]) {
        Ok(set) => {
            for r in &set.regex {
                let _ = r.regex.find_iter("they are vermin and must be driven out, kill them all").count();
            }
        }
        Err(e) => {
            for p in &e.problems {
                assert!(!p.message.is_empty(), "problem without a message");
                if let Some(line) = p.line {
                    assert!(line >= 1 && line <= text.lines().count().max(1) + 1, "line {line} outside the file");
                }
            }
        }
    }
}

/// Pipeline configs from arbitrary text: parsing with unknown fields set
/// aside, lines of problems, and the checks that need no file system.
pub fn config_load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match tocsin::config::LoadedConfig::from_str(text, Path::new("p.toml"), Path::new("/nonexistent-base")) {
        Ok(c) => {
            let _ = c.time_zone();
            let _ = c.hash();
            for p in &c.parse_problems {
                assert!(p.line.is_none_or(|l| l >= 1 && l <= text.lines().count() + 1), "line outside the file: {p}");
            }
            for s in &c.config.sources {
                let _ = s.csv.delimiter_byte();
                let _ = s.csv.quote_byte();
                let _ = tocsin::ingest::textdir::PathPattern::new(&s.textdir.pattern);
            }
        }
        Err(e) => {
            for p in &e.problems {
                assert!(p.line.is_none_or(|l| l >= 1 && l <= text.lines().count() + 1), "line outside the file: {p}");
            }
        }
    }
}
