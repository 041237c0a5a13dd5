//! Folders of plain-text files (articles, radio transcripts): one document
//! per file, with metadata taken from the file's path by a pattern such as
//! `{region}/{date}/{source}.txt`.
//!
//! The pattern is matched against the last path segments of each file (as
//! many as the pattern has), so it does not matter where the folder lives.
//! `{date}` (or `{timestamp}`) gives the timestamp; `{id}` the identifier,
//! else the matched relative path is the identifier. A file whose path does
//! not fit the pattern is rejected, never skipped.

use std::path::Path;

use regex::Regex;
use serde_json::{Map, Value};

use super::records::{reject, Record};
use super::{decode_utf8, Reject, SourcePlan};
use crate::config::Limits;

/// A compiled path pattern.
#[derive(Debug, Clone)]
pub struct PathPattern {
    regex: Regex,
    segments: usize,
    names: Vec<String>,
}

impl PathPattern {
    /// Compiles a pattern; placeholders are `{name}` with a name of letters, digits and `_`, each within one path segment.
    pub fn new(pattern: &str) -> Result<Self, String> {
        if pattern.trim().is_empty() {
            return Err("empty pattern".into());
        }
        if pattern.starts_with('/') {
            return Err(format!("`{pattern}` must be relative to the folder"));
        }
        let mut re = String::from("^");
        let mut names: Vec<String> = Vec::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            re.push_str(&regex::escape(&rest[..open]));
            let close = rest[open..].find('}').ok_or_else(|| format!("`{pattern}`: unclosed `{{`"))? + open;
            let name = &rest[open + 1..close];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("`{pattern}`: placeholder `{{{name}}}` must be a name of letters, digits and `_`"));
            }
            if names.iter().any(|n| n == name) {
                return Err(format!("`{pattern}`: placeholder `{{{name}}}` appears twice"));
            }
            re.push_str(&format!("(?P<{name}>[^/]+?)"));
            names.push(name.to_string());
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return Err(format!("`{pattern}`: `}}` without `{{`"));
        }
        re.push_str(&regex::escape(rest));
        re.push('$');
        let regex = Regex::new(&re).map_err(|e| format!("`{pattern}`: {e}"))?;
        Ok(PathPattern { regex, segments: pattern.split('/').count(), names })
    }

    /// The last segments of a path that the pattern is matched against, joined with `/`.
    pub fn relative(&self, path: &Path) -> String {
        let parts: Vec<String> = path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        parts[parts.len().saturating_sub(self.segments)..].join("/")
    }

    /// The placeholder values of a relative path, or `None` when it does not fit.
    pub fn captures(&self, relative: &str) -> Option<Vec<(String, String)>> {
        let c = self.regex.captures(relative)?;
        Some(self.names.iter().map(|n| (n.clone(), c[n.as_str()].to_string())).collect())
    }
}

/// Reads one text file as one record.
pub fn read(buf: &[u8], path: &Path, plan: &SourcePlan, file: &str, limits: &Limits) -> Result<(Vec<Record>, Vec<Reject>), String> {
    let pattern = PathPattern::new(&plan.textdir_pattern)?;
    let rel = pattern.relative(path);
    let head = String::from_utf8_lossy(&buf[..buf.len().min(480)]).into_owned();
    let Some(captures) = pattern.captures(&rel) else {
        let reason = format!("path `{rel}` does not match textdir.pattern `{}`", plan.textdir_pattern);
        return Ok((Vec::new(), vec![reject(plan, file, 1, reason, &head)]));
    };
    if buf.len() > limits.max_record_bytes {
        let reason = format!("record larger than {} bytes (limits.max_record_bytes)", limits.max_record_bytes);
        return Ok((Vec::new(), vec![reject(plan, file, 1, reason, &head)]));
    }
    let (text, lossy) = match decode_utf8(buf, limits) {
        Ok(t) => t,
        Err(reason) => return Ok((Vec::new(), vec![reject(plan, file, 1, reason, &head)])),
    };
    let mut m = Map::new();
    for (k, v) in captures {
        m.insert(k, Value::String(v));
    }
    m.entry("id").or_insert_with(|| Value::String(rel.clone()));
    if let Some(d) = m.get("date").cloned() {
        m.entry("timestamp").or_insert(d);
    }
    m.insert("path".into(), Value::String(rel));
    m.insert("text".into(), Value::String(text.into_owned()));
    let mut rec = Record::new(1, Value::Object(m));
    rec.lossy = lossy;
    Ok((vec![rec], Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_takes_metadata_from_the_last_segments() {
        let p = PathPattern::new("{region}/{date}/{source}.txt").unwrap();
        let rel = p.relative(Path::new("/data/radio/XA-NO/2025-10-01/radio_north.txt"));
        assert_eq!(rel, "XA-NO/2025-10-01/radio_north.txt");
        let c = p.captures(&rel).unwrap();
        assert_eq!(c, vec![("region".into(), "XA-NO".into()), ("date".into(), "2025-10-01".into()), ("source".into(), "radio_north".into())]);
        assert!(p.captures("XA-NO/2025-10-01/notes.md").is_none());
        assert!(p.captures("2025-10-01/radio.txt").is_none());
    }

    #[test]
    fn bad_patterns_are_explained() {
        assert!(PathPattern::new("{region/{date}.txt").is_err());
        assert!(PathPattern::new("{a}/{a}.txt").is_err());
        assert!(PathPattern::new("{a b}.txt").is_err());
        assert!(PathPattern::new("/abs/{id}.txt").is_err());
        assert!(PathPattern::new("").is_err());
        assert!(PathPattern::new("{date}/{id}.txt").is_ok());
    }
}
