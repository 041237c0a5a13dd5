//! JSON lines: framing a byte stream into chunks of whole lines, and reading
//! the mapped fields of each line without building a full JSON tree.

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::fields::{assemble, RawField};
use super::{excerpt, Chunk, ChunkData, IngestContext, Reject, SourcePlan, CHUNK_BYTES};
use crate::config::InvalidUtf8;
use crate::document::Document;

/// Frames one file into chunks of whole lines.
pub struct LineChunker {
    pub(super) source: usize,
    file: Arc<str>,
    reader: Box<dyn BufRead + Send>,
    carry: Vec<u8>,
    /// Line number of the first line in `carry`.
    next_line: u64,
    /// Inside a record that is too large: discard until its end.
    skipping: bool,
    done: bool,
    max_record: usize,
}

impl LineChunker {
    /// A chunker over a decompressed stream.
    pub fn new(source: usize, file: Arc<str>, reader: Box<dyn BufRead + Send>, max_record: usize) -> Self {
        LineChunker { source, file, reader, carry: Vec::with_capacity(CHUNK_BYTES + 4096), next_line: 1, skipping: false, done: false, max_record }
    }

    fn reject(&self, source: &str, line: u64, reason: String, bytes: &[u8]) -> Reject {
        Reject {
            source: source.into(),
            file: self.file.to_string(),
            line,
            reason,
            excerpt: excerpt(&String::from_utf8_lossy(&bytes[..bytes.len().min(480)]), 120),
        }
    }

    fn emit(&mut self, upto: usize, rejects: Vec<Reject>) -> Chunk {
        // The carry keeps a chunk's capacity: split off at its tail's size, it regrew (copying) to a
        // chunk for every chunk, and each growth took fresh pages the kernel had to zero.
        let mut rest = Vec::with_capacity((CHUNK_BYTES + 4096).max(self.carry.len() - upto));
        rest.extend_from_slice(&self.carry[upto..]);
        self.carry.truncate(upto);
        let bytes = std::mem::replace(&mut self.carry, rest);
        let first_line = self.next_line;
        self.next_line += memchr::memchr_iter(b'\n', &bytes).count() as u64;
        Chunk { source: self.source, file: self.file.clone(), data: ChunkData::Lines { bytes, first_line }, rejects }
    }

    /// The next chunk, or `None` at the end of the file.
    pub fn next_chunk(&mut self, source_name: &str) -> Option<Chunk> {
        let mut rejects = Vec::new();
        loop {
            if self.done {
                if self.carry.is_empty() && rejects.is_empty() {
                    return None;
                }
                let n = self.carry.len();
                return Some(self.emit(n, rejects));
            }
            let data = match self.reader.fill_buf() {
                Ok(d) => d,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Truncated or corrupt compressed input: keep the complete lines, reject the broken tail.
                    self.done = true;
                    let cut = memchr::memrchr(b'\n', &self.carry).map_or(0, |i| i + 1);
                    let lines_before = memchr::memchr_iter(b'\n', &self.carry[..cut]).count() as u64;
                    let tail = self.carry.split_off(cut);
                    let line = self.next_line + lines_before;
                    rejects.push(self.reject(
                        source_name,
                        line,
                        format!("input truncated or corrupt at this record ({e}); the rest of the file is unreadable"),
                        &tail,
                    ));
                    let n = self.carry.len();
                    return Some(self.emit(n, rejects));
                }
            };
            if data.is_empty() {
                self.done = true;
                if self.skipping {
                    self.skipping = false;
                }
                continue;
            }
            if self.skipping {
                match memchr::memchr(b'\n', data) {
                    Some(i) => {
                        self.reader.consume(i + 1);
                        self.skipping = false;
                        self.next_line += 1;
                    }
                    None => {
                        let n = data.len();
                        self.reader.consume(n);
                    }
                }
                continue;
            }
            let n = data.len();
            // A byte order mark at the start of the file is not part of the first record.
            let skip = if self.next_line == 1 && self.carry.is_empty() && data.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
            self.carry.extend_from_slice(&data[skip..]);
            self.reader.consume(n);
            let last_newline = memchr::memrchr(b'\n', &self.carry);
            let tail_start = last_newline.map_or(0, |i| i + 1);
            if self.carry.len() - tail_start > self.max_record {
                // A record larger than the limit: reject it without holding it whole.
                let lines_before = memchr::memchr_iter(b'\n', &self.carry[..tail_start]).count() as u64;
                let line = self.next_line + lines_before;
                let reason = format!("record larger than {} bytes (limits.max_record_bytes)", self.max_record);
                rejects.push(self.reject(source_name, line, reason, &self.carry[tail_start..]));
                self.carry.truncate(tail_start);
                self.skipping = true;
                // The skipped line is counted when its end is found.
                let chunk = self.emit(tail_start, std::mem::take(&mut rejects));
                return Some(chunk);
            }
            if self.carry.len() >= CHUNK_BYTES {
                if let Some(i) = last_newline {
                    return Some(self.emit(i + 1, rejects));
                }
            }
        }
    }
}

/// Parses the lines of a chunk.
pub fn parse_lines(bytes: &[u8], first_line: u64, plan: &SourcePlan, file: &str, ctx: &IngestContext, f: &mut dyn FnMut(Result<Document<'_>, Reject>)) {
    let top = TopKeys::new(plan);
    let mut rest = bytes;
    // memchr finds line ends a word at a time rather than a byte at a time.
    let lines = std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, tail) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = tail;
        Some(line)
    });
    for (this_line, raw_line) in (first_line..).zip(lines) {
        let line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let reject = |reason: String| Reject {
            source: plan.name.clone(),
            file: file.to_string(),
            line: this_line,
            reason,
            excerpt: excerpt(&String::from_utf8_lossy(&line[..line.len().min(480)]), 120),
        };
        let fallback = || format!("{}:{}", short_name(file), this_line);
        // The chunker only sees lines still growing past the limit; a whole line read in one buffer is checked here.
        if line.len() > ctx.limits.max_record_bytes {
            f(Err(reject(format!("record larger than {} bytes (limits.max_record_bytes)", ctx.limits.max_record_bytes))));
            continue;
        }
        if super::records::json_too_deep(line, ctx.limits.max_json_depth) {
            f(Err(reject(super::records::nesting_reason(ctx.limits.max_json_depth))));
            continue;
        }
        // The SIMD check answers valid or not; std says where, for the reject, on the rare invalid line.
        match simdutf8::basic::from_utf8(line) {
            Ok(s) => f(parse_record(s, &top, plan, ctx, &fallback).map_err(reject)),
            Err(_) => match ctx.limits.invalid_utf8 {
                InvalidUtf8::Reject => {
                    let at = std::str::from_utf8(line).err().map_or(0, |e| e.valid_up_to());
                    f(Err(reject(format!("invalid UTF-8 at byte {at}"))))
                }
                InvalidUtf8::Lossy => {
                    let owned = String::from_utf8_lossy(line).into_owned();
                    match parse_record(&owned, &top, plan, ctx, &fallback) {
                        Ok(d) => {
                            let mut d = d.into_owned();
                            d.lossy = true;
                            f(Ok(d))
                        }
                        Err(r) => f(Err(reject(r))),
                    }
                }
            },
        }
    }
}

fn short_name(file: &str) -> &str {
    file.rsplit('/').next().unwrap_or(file)
}

/// The top-level keys a mapping needs, and the rest of each path.
struct TopKeys {
    keys: Vec<String>,
}

impl TopKeys {
    fn new(plan: &SourcePlan) -> Self {
        let mut keys: Vec<String> = plan.fields.all_paths().iter().map(|p| p.split('.').next().unwrap_or(p).to_string()).collect();
        keys.sort();
        keys.dedup();
        TopKeys { keys }
    }
}

fn parse_record<'a>(s: &'a str, top: &TopKeys, plan: &SourcePlan, ctx: &IngestContext, fallback: &dyn Fn() -> String) -> Result<Document<'a>, String> {
    let mut de = serde_json::Deserializer::from_str(s);
    let values = SelectKeys { keys: &top.keys }.deserialize(&mut de).map_err(|e| json_reason(&e))?;
    de.end().map_err(|e| json_reason(&e))?;
    let mut get = |path: &str| -> RawField<'a> { field(&values, &top.keys, path) };
    assemble(plan, ctx, fallback, &mut get)
}

fn json_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    if msg.contains("recursion limit") {
        "JSON nested too deeply".into()
    } else if msg.starts_with("invalid type: ") && msg.contains("expected a JSON object") {
        "record is not a JSON object".into()
    } else {
        format!("malformed JSON: {msg}")
    }
}

fn field<'a>(values: &[Option<&'a RawValue>], keys: &[String], path: &str) -> RawField<'a> {
    let mut parts = path.split('.');
    let first = parts.next().unwrap_or(path);
    let Some(i) = key_index(keys, first) else {
        return RawField::Absent;
    };
    let Some(mut raw) = values[i] else {
        return RawField::Absent;
    };
    for part in parts {
        let mut de = serde_json::Deserializer::from_str(raw.get());
        let key = [part.to_string()];
        match (SelectKeys { keys: &key }).deserialize(&mut de) {
            Ok(v) => match v[0] {
                Some(r) => raw = r,
                None => return RawField::Absent,
            },
            Err(_) => return RawField::Absent,
        }
    }
    interpret(raw)
}

/// Where `key` is among the wanted keys. A record has a handful of keys and a source wants a
/// handful: comparing lengths first skips most string comparisons (a binary search compared
/// strings at every step: ≈ 1.5 % of a one-thread run).
fn key_index(keys: &[String], key: &str) -> Option<usize> {
    keys.iter().position(|k| k.len() == key.len() && k == key)
}

fn interpret(raw: &RawValue) -> RawField<'_> {
    let s = raw.get();
    match s.as_bytes().first() {
        Some(b'"') => match serde_json::from_str::<BorrowedStr>(s) {
            Ok(b) => RawField::Str(b.0),
            Err(_) => RawField::Other("a broken string"),
        },
        Some(b'n') => RawField::Absent,
        Some(b't' | b'f') => RawField::Other("a boolean"),
        Some(b'{') => RawField::Other("an object"),
        Some(b'[') => match serde_json::from_str::<Vec<BorrowedStr>>(s) {
            Ok(v) => RawField::StrList(v.into_iter().map(|b| b.0).collect()),
            Err(_) => RawField::Other("a list"),
        },
        Some(_) => match s.parse::<f64>() {
            Ok(v) => RawField::Num(v, Cow::Borrowed(s)),
            Err(_) => RawField::Other("an unreadable number"),
        },
        None => RawField::Absent,
    }
}

/// A string that borrows from the input when it has no escapes.
struct BorrowedStr<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for BorrowedStr<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BorrowedStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Reads a JSON object keeping only the values of the wanted keys (unparsed),
/// skipping everything else without allocating.
struct SelectKeys<'k> {
    keys: &'k [String],
}

impl<'de> DeserializeSeed<'de> for SelectKeys<'_> {
    type Value = Vec<Option<&'de RawValue>>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SelectKeys<'_> {
    type Value = Vec<Option<&'de RawValue>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = vec![None; self.keys.len()];
        while let Some(key) = map.next_key::<BorrowedStr<'de>>()? {
            match key_index(self.keys, &key.0) {
                Some(i) => out[i] = Some(map.next_value::<&'de RawValue>()?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_keys_and_nested_paths() {
        let s = r#"{"text":"hi \"there\"","user":{"location":"Nairobi","n":{"x":1}},"views":12,"tags":["a","b"],"skip":[1,{"a":2}]}"#;
        let keys = vec!["tags".to_string(), "text".to_string(), "user".to_string(), "views".to_string()];
        let mut de = serde_json::Deserializer::from_str(s);
        let v = SelectKeys { keys: &keys }.deserialize(&mut de).unwrap();
        assert!(matches!(field(&v, &keys, "text"), RawField::Str(s) if s == "hi \"there\""));
        assert!(matches!(field(&v, &keys, "user.location"), RawField::Str(Cow::Borrowed("Nairobi"))));
        assert!(matches!(field(&v, &keys, "user.n.x"), RawField::Num(x, _) if x == 1.0));
        assert!(matches!(field(&v, &keys, "user.missing"), RawField::Absent));
        assert!(matches!(field(&v, &keys, "views"), RawField::Num(x, _) if x == 12.0));
        assert!(matches!(field(&v, &keys, "tags"), RawField::StrList(l) if l.len() == 2));
    }
}
