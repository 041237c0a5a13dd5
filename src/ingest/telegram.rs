//! Telegram Desktop channel exports (`result.json`): one document per message.
//!
//! A message's `text` is a string or a list of strings and entity objects
//! (`{"type": "bold", "text": "…"}`); the parts are concatenated, which is
//! the text as the reader saw it. Service messages (joins, pins, title
//! changes) are not posts: they are skipped, counted in a log line, and do
//! not count as records read.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::records::{line_at, offset_in, reject, sum_numbers, Record};
use super::{decode_utf8, Reject, SourcePlan};
use crate::config::Limits;

#[derive(Deserialize)]
struct Export<'a> {
    name: Option<String>,
    #[serde(borrow)]
    messages: Option<Vec<&'a RawValue>>,
}

/// The text of a message: a string, or the concatenation of a list of strings and entities.
pub fn flatten_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .map(|p| match p {
                    Value::String(s) => s.as_str(),
                    Value::Object(o) => o.get("text").and_then(Value::as_str).unwrap_or(""),
                    _ => "",
                })
                .collect(),
        ),
        _ => None,
    }
}

/// Reads one export file.
pub fn read(buf: &[u8], plan: &SourcePlan, file: &str, limits: &Limits) -> Result<(Vec<Record>, Vec<Reject>), String> {
    let (text, lossy) = decode_utf8(buf, limits)?;
    let bytes = text.as_bytes();
    let export: Export<'_> = serde_json::from_str(&text).map_err(|e| format!("not a Telegram export (malformed JSON: {e})"))?;
    let messages = export.messages.ok_or("not a Telegram export: no `messages` list (export a single channel or chat as JSON)")?;
    let channel = export.name.unwrap_or_else(|| plan.name.clone());
    let mut records = Vec::with_capacity(messages.len());
    let mut rejects = Vec::new();
    let mut service = 0usize;
    for raw in messages {
        let line = line_at(bytes, offset_in(bytes, raw.get()));
        if raw.get().len() > limits.max_record_bytes {
            rejects.push(reject(plan, file, line, format!("record larger than {} bytes (limits.max_record_bytes)", limits.max_record_bytes), raw.get()));
            continue;
        }
        if super::records::json_too_deep(raw.get().as_bytes(), limits.max_json_depth) {
            rejects.push(reject(plan, file, line, super::records::nesting_reason(limits.max_json_depth), raw.get()));
            continue;
        }
        let mut msg: Map<String, Value> = match serde_json::from_str::<Value>(raw.get()) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                rejects.push(reject(plan, file, line, "message is not a JSON object", raw.get()));
                continue;
            }
            Err(e) => {
                rejects.push(reject(plan, file, line, format!("malformed message: {e}"), raw.get()));
                continue;
            }
        };
        if msg.get("type").and_then(Value::as_str) == Some("service") {
            service += 1;
            continue;
        }
        if let Some(t) = msg.get("text").and_then(flatten_text) {
            msg.insert("text".into(), Value::String(t));
        }
        // The Unix time is exact; `date` is local time of the exporting machine, read in the pipeline's zone.
        let ts = msg.get("date_unixtime").or_else(|| msg.get("date")).cloned();
        if let Some(ts) = ts {
            msg.insert("timestamp".into(), ts);
        }
        if let Some(a) = msg.get("from").filter(|v| v.is_string()).or_else(|| msg.get("from_id")).cloned() {
            msg.insert("author".into(), a);
        }
        // `from_id` is `channel…` for posts by the channel itself and `user…` for members' messages: the Rabat "speaker" part.
        let kind = msg.get("from_id").and_then(Value::as_str).and_then(|id| ["channel", "user", "chat"].into_iter().find(|k| id.starts_with(k)));
        if let Some(kind) = kind {
            msg.entry("speaker_type").or_insert_with(|| Value::String(kind.into()));
        }
        msg.insert("source".into(), Value::String(channel.clone()));
        let reach = match msg.get("views").and_then(Value::as_u64) {
            Some(v) => Some(v),
            None => msg.get("reactions").and_then(Value::as_array).and_then(|rs| sum_numbers(rs.iter().map(|r| r.get("count")))),
        };
        if let Some(r) = reach {
            msg.insert("reach".into(), Value::from(r));
        }
        let mut rec = Record::new(line, Value::Object(msg));
        rec.lossy = lossy && raw.get().contains('\u{FFFD}');
        records.push(rec);
    }
    if service > 0 {
        tracing::info!(file, service, "skipped Telegram service messages (not posts, not counted as records)");
    }
    Ok((records, rejects))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_entities_are_concatenated() {
        let v = serde_json::json!(["Look at ", {"type": "bold", "text": "them"}, ", ", {"type": "link", "text": "http://x"}]);
        assert_eq!(flatten_text(&v).as_deref(), Some("Look at them, http://x"));
        assert_eq!(flatten_text(&serde_json::json!("plain")).as_deref(), Some("plain"));
        assert_eq!(flatten_text(&serde_json::json!(3)), None);
    }

    fn plan() -> SourcePlan {
        let config: crate::config::SourceConfig = toml::from_str("name = \"tg\"\npaths = [\"x\"]\nformat = \"telegram\"\n").unwrap();
        SourcePlan::new(&config, Vec::new())
    }

    #[test]
    fn oversized_messages_are_rejected_with_their_line_and_services_skipped() {
        let export = "{\"name\": \"Chan\", \"messages\": [\n{\"id\": 1, \"type\": \"service\", \"text\": \"\"},\n{\"id\": 2, \"type\": \"message\", \"date_unixtime\": \"1759311000\", \"text\": \"short\", \"views\": 4},\n{\"id\": 3, \"type\": \"message\", \"text\": \"a much longer message that will not fit the limit at all\"}\n]}";
        let limits = Limits { max_record_bytes: 90, ..Limits::default() };
        let (records, rejects) = read(export.as_bytes(), &plan(), "result.json", &limits).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].line, 3);
        assert_eq!(records[0].value["source"], "Chan");
        assert_eq!(records[0].value["timestamp"], "1759311000");
        assert_eq!(records[0].value["reach"], 4);
        assert_eq!(rejects.len(), 1);
        assert_eq!(rejects[0].line, 4);
        assert!(rejects[0].reason.contains("max_record_bytes"));
        assert!(read(b"{\"name\": \"x\"}", &plan(), "f", &limits).unwrap_err().contains("no `messages`"));
        assert!(plan().fields.reach == vec!["reach".to_string()], "telegram maps reach by default");
    }
}
