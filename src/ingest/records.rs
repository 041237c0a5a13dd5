//! Owned records for the whole-file and columnar formats (Telegram, X/Twitter,
//! Parquet, text folders, feeds). Each format turns its native structure into
//! a JSON object that keeps the native fields and adds the canonical ones the
//! default mapping reads (`id`, `text`, `timestamp`, `author`, `source`,
//! `reach`, `location`), so every format goes through [`assemble`] and maps,
//! parses timestamps, pseudonymises and rejects exactly like JSONL.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::Value;

use super::fields::{assemble, RawField};
use super::{excerpt, Chunk, ChunkData, IngestContext, Reject, SourcePlan};
use crate::document::Document;

/// Records per chunk: enough to keep workers busy, few enough to bound memory.
pub const RECORDS_PER_CHUNK: usize = 2048;

/// One record of a whole-file or columnar format.
#[derive(Debug, Clone)]
pub struct Record {
    /// Where it is: the 1-based line in the file (JSON and XML formats) or row / item number (Parquet, text folders).
    pub line: u64,
    /// Native fields plus the canonical ones.
    pub value: Value,
    /// True when invalid UTF-8 was replaced (lossy decoding).
    pub lossy: bool,
}

impl Record {
    /// A record at a location.
    pub fn new(line: u64, value: Value) -> Self {
        Record { line, value, lossy: false }
    }
}

/// A reject built by a format reader.
pub fn reject(plan: &SourcePlan, file: &str, line: u64, reason: impl Into<String>, raw: &str) -> Reject {
    let cut = raw.char_indices().nth(480).map_or(raw.len(), |(i, _)| i);
    Reject { source: plan.name.clone(), file: file.to_string(), line, reason: reason.into(), excerpt: excerpt(&raw[..cut], 120) }
}

/// 1-based line of a byte offset in a buffer.
pub fn line_at(buf: &[u8], offset: usize) -> u64 {
    memchr::memchr_iter(b'\n', &buf[..offset.min(buf.len())]).count() as u64 + 1
}

/// The byte offset of a slice borrowed from `buf`.
pub fn offset_in(buf: &[u8], part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(buf.as_ptr() as usize).min(buf.len())
}

/// Whether a JSON text nests arrays and objects deeper than `max`.
///
/// One pass over the bytes, outside strings. The field reader skips unmapped
/// values without recursion, so depth alone costs nothing there; but a
/// record nested thousands deep is junk or an attack on a tool downstream,
/// and the serde_json value tree used by some formats stops at 128 with an
/// error that does not say why. So every JSON format rejects it by this
/// one rule, with one reason: [`nesting_reason`].
pub fn json_too_deep(bytes: &[u8], max: usize) -> bool {
    // Depth cannot pass the number of openers: a fast count settles almost every record.
    if memchr::memchr2_iter(b'[', b'{', bytes).nth(max).is_none() {
        return false;
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The reject reason of a record nested too deeply.
pub fn nesting_reason(max: usize) -> String {
    format!("JSON nested too deeply (more than {max} levels of arrays and objects; limits.max_json_depth)")
}

/// Hands out the records of one file in chunks.
pub struct RecordChunker {
    pub(super) source: usize,
    file: Arc<str>,
    batches: Box<dyn Iterator<Item = (Vec<Record>, Vec<Reject>)> + Send>,
    pending: VecDeque<Record>,
    pending_rejects: Vec<Reject>,
}

impl RecordChunker {
    /// A chunker over records already read (whole-file formats).
    pub fn whole(source: usize, file: Arc<str>, records: Vec<Record>, rejects: Vec<Reject>) -> Self {
        RecordChunker { source, file, batches: Box::new(std::iter::empty()), pending: records.into(), pending_rejects: rejects }
    }

    /// A chunker over batches read on demand (columnar formats).
    pub fn streaming(source: usize, file: Arc<str>, batches: Box<dyn Iterator<Item = (Vec<Record>, Vec<Reject>)> + Send>) -> Self {
        RecordChunker { source, file, batches, pending: VecDeque::new(), pending_rejects: Vec::new() }
    }

    /// The next chunk, or `None` at the end of the file.
    pub fn next_chunk(&mut self) -> Option<Chunk> {
        while self.pending.len() < RECORDS_PER_CHUNK {
            match self.batches.next() {
                Some((records, rejects)) => {
                    self.pending.extend(records);
                    self.pending_rejects.extend(rejects);
                }
                None => break,
            }
        }
        if self.pending.is_empty() && self.pending_rejects.is_empty() {
            return None;
        }
        let n = self.pending.len().min(RECORDS_PER_CHUNK);
        let records: Vec<Record> = self.pending.drain(..n).collect();
        let rejects = std::mem::take(&mut self.pending_rejects);
        Some(Chunk { source: self.source, file: self.file.clone(), data: ChunkData::Records { records }, rejects })
    }
}

/// The value at a dotted path.
fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    if let Some(v) = value.get(path) {
        return Some(v);
    }
    let mut v = value;
    for part in path.split('.') {
        v = match v {
            Value::Object(m) => m.get(part)?,
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// A JSON value as a record field.
pub fn raw_field(v: Option<&Value>) -> RawField<'_> {
    match v {
        None | Some(Value::Null) => RawField::Absent,
        Some(Value::String(s)) => RawField::Str(Cow::Borrowed(s)),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) => RawField::Num(f, Cow::Owned(n.to_string())),
            None => RawField::Other("an unreadable number"),
        },
        Some(Value::Bool(_)) => RawField::Other("a boolean"),
        Some(Value::Object(_)) => RawField::Other("an object"),
        Some(Value::Array(a)) => {
            let strings: Option<Vec<Cow<'_, str>>> = a.iter().map(|x| x.as_str().map(Cow::Borrowed)).collect();
            match strings {
                Some(list) => RawField::StrList(list),
                None => RawField::Other("a list"),
            }
        }
    }
}

/// Turns records into documents.
pub fn parse_records(records: &[Record], plan: &SourcePlan, file: &str, ctx: &IngestContext, f: &mut dyn FnMut(Result<Document<'_>, Reject>)) {
    let short = file.rsplit('/').next().unwrap_or(file);
    for r in records {
        let fallback = || format!("{short}:{}", r.line);
        let mut get = |path: &str| raw_field(lookup(&r.value, path));
        match assemble(plan, ctx, &fallback, &mut get) {
            Ok(mut d) => {
                d.lossy = r.lossy;
                f(Ok(d))
            }
            Err(reason) => f(Err(reject(plan, file, r.line, reason, &r.value.to_string()))),
        }
    }
}

/// Sums the numbers of a list of values, skipping what is not a number.
pub fn sum_numbers<'a>(values: impl IntoIterator<Item = Option<&'a Value>>) -> Option<u64> {
    let mut any = false;
    let mut total: u64 = 0;
    for v in values.into_iter().flatten() {
        if let Some(n) = v.as_u64().or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)) {
            any = true;
            total = total.saturating_add(n);
        }
    }
    any.then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_follows_dots_and_prefers_flat_keys() {
        let v = serde_json::json!({"a": {"b": [1, {"c": "x"}]}, "d.e": 5});
        assert_eq!(lookup(&v, "a.b.1.c"), Some(&Value::String("x".into())));
        assert_eq!(lookup(&v, "d.e"), Some(&serde_json::json!(5)));
        assert!(lookup(&v, "a.z").is_none());
        assert!(matches!(raw_field(lookup(&v, "a")), RawField::Other("an object")));
        assert!(matches!(raw_field(Some(&serde_json::json!(["p", "q"]))), RawField::StrList(l) if l.len() == 2));
    }

    #[test]
    fn nesting_depth_counts_outside_strings_only() {
        assert!(!json_too_deep(br#"{"a":[1,{"b":2}]}"#, 3));
        assert!(json_too_deep(br#"{"a":[1,{"b":[2]}]}"#, 3));
        assert!(!json_too_deep(br#"{"a":"[[[[[[{{{{\"[[["}"#, 1));
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(json_too_deep(deep.as_bytes(), 64));
        assert!(!json_too_deep(deep.as_bytes(), 100_000));
    }

    #[test]
    fn lines_from_offsets() {
        let buf = b"a\nb\nc";
        assert_eq!(line_at(buf, 0), 1);
        assert_eq!(line_at(buf, 2), 2);
        assert_eq!(line_at(buf, 4), 3);
        assert_eq!(sum_numbers([Some(&serde_json::json!(2)), None, Some(&serde_json::json!("x")), Some(&serde_json::json!(3))]), Some(5));
        assert_eq!(sum_numbers([None]), None);
    }
}
