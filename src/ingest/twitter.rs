//! X/Twitter API v2 responses: `data` (tweets) joined to `includes.users`.
//!
//! A file holds one response or several (one per line, as paginated dumps
//! are usually saved). The author is the user's `username` (pseudonymised
//! like any author), their free-text `location` is kept for region
//! assignment, and reach is the impression count where the API gives it,
//! else the sum of retweets, replies, likes and quotes.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::records::{line_at, offset_in, reject, sum_numbers, Record};
use super::{decode_utf8, Reject, SourcePlan};
use crate::config::Limits;

#[derive(Deserialize)]
struct Response<'a> {
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    includes: Option<Includes>,
}

#[derive(Deserialize, Default)]
struct Includes {
    #[serde(default)]
    users: Vec<Value>,
}

/// Reads one file of API responses.
pub fn read(buf: &[u8], plan: &SourcePlan, file: &str, limits: &Limits) -> Result<(Vec<Record>, Vec<Reject>), String> {
    let (text, lossy) = decode_utf8(buf, limits)?;
    let bytes = text.as_bytes();
    let mut records = Vec::new();
    let mut rejects = Vec::new();
    let mut responses = 0usize;
    for resp in serde_json::Deserializer::from_str(&text).into_iter::<&RawValue>() {
        let resp = resp.map_err(|e| format!("not an X/Twitter API response (malformed JSON: {e})"))?;
        responses += 1;
        let line = line_at(bytes, offset_in(bytes, resp.get()));
        let r: Response<'_> = serde_json::from_str(resp.get()).map_err(|e| format!("line {line}: not an X/Twitter API v2 response: {e}"))?;
        let users: HashMap<String, Value> =
            r.includes.unwrap_or_default().users.into_iter().filter_map(|u| Some((u.get("id")?.as_str()?.to_string(), u))).collect();
        let Some(data) = r.data else {
            // A page without results (`meta.result_count` 0) is valid and empty.
            continue;
        };
        let tweets: Vec<&RawValue> = if data.get().starts_with('[') {
            serde_json::from_str(data.get()).map_err(|e| format!("line {line}: `data` is not a list of tweets: {e}"))?
        } else {
            vec![data]
        };
        for raw in tweets {
            let line = line_at(bytes, offset_in(bytes, raw.get()));
            if raw.get().len() > limits.max_record_bytes {
                rejects.push(reject(plan, file, line, format!("record larger than {} bytes (limits.max_record_bytes)", limits.max_record_bytes), raw.get()));
                continue;
            }
            if super::records::json_too_deep(raw.get().as_bytes(), limits.max_json_depth) {
                rejects.push(reject(plan, file, line, super::records::nesting_reason(limits.max_json_depth), raw.get()));
                continue;
            }
            let mut t: Map<String, Value> = match serde_json::from_str::<Value>(raw.get()) {
                Ok(Value::Object(m)) => m,
                _ => {
                    rejects.push(reject(plan, file, line, "tweet is not a JSON object", raw.get()));
                    continue;
                }
            };
            // `source` in v2 is the posting app ("Twitter for Android"), not a channel: the source name is used instead.
            if let Some(app) = t.remove("source") {
                t.insert("client".into(), app);
            }
            if let Some(c) = t.get("created_at").cloned() {
                t.insert("timestamp".into(), c);
            }
            let user = t.get("author_id").and_then(Value::as_str).and_then(|id| users.get(id)).cloned();
            let author = user.as_ref().and_then(|u| u.get("username")).cloned().or_else(|| t.get("author_id").cloned());
            if let Some(a) = author {
                t.insert("author".into(), a);
            }
            if let Some(loc) = user.as_ref().and_then(|u| u.get("location")).cloned() {
                t.insert("location".into(), loc);
            }
            // Verified accounts (v2 `verified`/`verified_type`) carry more weight as speakers than ordinary users.
            let verified = user.as_ref().is_some_and(|u| u.get("verified").and_then(Value::as_bool) == Some(true));
            let verified_type = user.as_ref().and_then(|u| u.get("verified_type")).and_then(Value::as_str).filter(|v| *v != "none").map(str::to_owned);
            let speaker_type = match (verified_type, verified) {
                (Some(v), _) => format!("verified_{v}"),
                (None, true) => "verified_user".into(),
                (None, false) => "user".into(),
            };
            t.entry("speaker_type").or_insert(Value::String(speaker_type));
            if let Some(u) = user {
                t.insert("user".into(), u);
            }
            if let Some(m) = t.get("public_metrics").and_then(Value::as_object) {
                let reach = match m.get("impression_count").and_then(Value::as_u64).filter(|&n| n > 0) {
                    Some(n) => Some(n),
                    None => sum_numbers(["retweet_count", "reply_count", "like_count", "quote_count"].iter().map(|k| m.get(*k))),
                };
                if let Some(r) = reach {
                    t.insert("reach".into(), Value::from(r));
                }
            }
            let mut rec = Record::new(line, Value::Object(t));
            rec.lossy = lossy && raw.get().contains('\u{FFFD}');
            records.push(rec);
        }
    }
    if responses == 0 {
        return Err("empty file: no X/Twitter API response".into());
    }
    Ok((records, rejects))
}
