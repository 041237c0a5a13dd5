//! What the ingest targets share: a context for one source of a format, and
//! a driver that frames and parses bytes exactly as a run reads a file.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use tocsin::config::{InvalidUtf8, Limits, SourceConfig};
use tocsin::document::Pseudonymiser;
use tocsin::ingest::timestamp::TimeParser;
use tocsin::ingest::{file_chunks, IngestContext, SourcePlan};

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
