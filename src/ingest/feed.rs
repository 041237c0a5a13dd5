//! RSS 2.0 and Atom files saved by media monitors: one document per
//! `<item>` or `<entry>`.
//!
//! The text is the title, a blank line, and the fullest body the item has
//! (`content:encoded` or Atom `content`, else `description` or `summary`),
//! with HTML tags stripped and entities decoded: feeds carry HTML, and the
//! matchers must see the words, not the markup. RSS dates (RFC 2822) are
//! converted to RFC 3339; Atom dates already are.

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::{Map, Value};

use super::records::{line_at, reject, Record};
use super::{decode_utf8, Reject, SourcePlan};
use crate::config::Limits;

/// An item being read.
struct Item {
    start: usize,
    line: u64,
    /// Depth of the `<item>`/`<entry>` element.
    depth: usize,
    /// Text per field, by the item child's local name (`author/name` inside an Atom author).
    fields: HashMap<String, String>,
    categories: Vec<String>,
    link: Option<String>,
    /// The field text goes to now.
    key: Option<String>,
}

fn local(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.local_name().as_ref() == name.as_bytes()).and_then(|a| a.unescape_value().ok()).map(|v| v.into_owned())
}

/// Reads one feed file.
pub fn read(buf: &[u8], plan: &SourcePlan, file: &str, limits: &Limits) -> Result<(Vec<Record>, Vec<Reject>), String> {
    let (text, lossy) = decode_utf8(buf, limits)?;
    let bytes = text.as_bytes();
    let mut reader = Reader::from_str(&text);
    reader.config_mut().trim_text(false);
    let mut records = Vec::new();
    let mut rejects = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut item: Option<Item> = None;
    let mut feed_title: Option<String> = None;
    let mut feed_lang: Option<String> = None;
    let mut head_text = String::new();
    let mut saw_root = false;
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let at = reader.error_position() as usize;
                let line = line_at(bytes, at);
                let raw = &text[item.as_ref().map_or(at, |i| i.start).min(text.len())..];
                rejects.push(reject(plan, file, line, format!("malformed XML ({e}); the rest of the file is unreadable"), raw));
                break;
            }
        };
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(e) => {
                let name = local(&e);
                let lang_attr = attr(&e, "lang");
                if !saw_root {
                    saw_root = true;
                    if !matches!(name.as_str(), "rss" | "feed" | "RDF") {
                        return Err(format!("not an RSS or Atom feed (root element `<{name}>`)"));
                    }
                    if feed_lang.is_none() {
                        feed_lang = lang_attr.clone();
                    }
                }
                stack.push(name.clone());
                match &mut item {
                    None if name == "item" || name == "entry" => {
                        item = Some(Item {
                            start: before,
                            line: line_at(bytes, after.saturating_sub(1)),
                            depth: stack.len(),
                            fields: HashMap::new(),
                            categories: Vec::new(),
                            link: None,
                            key: None,
                        });
                    }
                    None => head_text.clear(),
                    Some(it) => {
                        if stack.len() == it.depth + 1 {
                            if name == "link" {
                                if let Some(href) = attr(&e, "href") {
                                    it.link.get_or_insert(href);
                                }
                            }
                            it.key = Some(name.clone());
                            it.fields.entry(name).or_default();
                        } else if it.key.as_deref() == Some("author") || it.key.as_deref().is_some_and(|k| k.starts_with("author/")) {
                            let k = format!("author/{name}");
                            it.fields.entry(k.clone()).or_default();
                            it.key = Some(k);
                        }
                    }
                }
            }
            Event::Empty(e) => {
                if let Some(it) = &mut item {
                    if stack.len() == it.depth && local(&e) == "link" && attr(&e, "rel").is_none_or(|r| r == "alternate") {
                        if let Some(href) = attr(&e, "href") {
                            it.link.get_or_insert(href);
                        }
                    }
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                match &mut item {
                    Some(it) if stack.len() + 1 == it.depth => {
                        let it = item.take().expect("in an item");
                        let raw = &text[it.start.min(text.len())..after.min(text.len())];
                        if after - it.start > limits.max_record_bytes {
                            rejects.push(reject(
                                plan,
                                file,
                                it.line,
                                format!("record larger than {} bytes (limits.max_record_bytes)", limits.max_record_bytes),
                                raw,
                            ));
                        } else {
                            let mut rec = Record::new(it.line, item_value(it.fields, it.categories, it.link, &feed_title, &feed_lang));
                            rec.lossy = lossy && raw.contains('\u{FFFD}');
                            records.push(rec);
                        }
                    }
                    Some(it) => {
                        if stack.len() == it.depth {
                            if name == "category" {
                                if let Some(c) = it.fields.remove("category") {
                                    it.categories.push(c.trim().to_string());
                                }
                            }
                            it.key = None;
                        } else if let Some(k) = &it.key {
                            // Block ends inside a body keep words apart once tags are gone.
                            if !k.starts_with("author") {
                                it.fields.entry(k.clone()).or_default().push(' ');
                            } else {
                                it.key = Some("author".into());
                            }
                        }
                    }
                    None => {
                        // Feed-level title and language: children of <channel> (RSS) or of <feed> (Atom).
                        let parent = stack.last().map(String::as_str);
                        if matches!(parent, Some("channel" | "feed")) {
                            if name == "title" && feed_title.is_none() {
                                feed_title = Some(head_text.trim().to_string()).filter(|s| !s.is_empty());
                            } else if name == "language" && feed_lang.is_none() {
                                feed_lang = Some(head_text.trim().to_string()).filter(|s| !s.is_empty());
                            }
                        }
                    }
                }
            }
            Event::Text(t) => {
                let s = t.xml_content().map_err(|e| format!("cannot decode text: {e}"))?;
                push_text(&mut item, &mut head_text, &s);
            }
            Event::CData(t) => {
                let s = String::from_utf8_lossy(&t.into_inner()).into_owned();
                push_text(&mut item, &mut head_text, &s);
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| format!("cannot decode entity: {e}"))?;
                let s = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_xml_entity(&name).or_else(|| quick_xml::escape::resolve_html5_entity(&name)).unwrap_or("").to_string(),
                };
                push_text(&mut item, &mut head_text, &s);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root && rejects.is_empty() {
        return Err("not an RSS or Atom feed (no root element)".into());
    }
    Ok((records, rejects))
}

fn push_text(item: &mut Option<Item>, head: &mut String, s: &str) {
    match item {
        Some(it) => {
            if let Some(k) = &it.key {
                it.fields.entry(k.clone()).or_default().push_str(s);
            }
        }
        None => head.push_str(s),
    }
}

/// The record of an item: native fields (text, HTML stripped) plus the canonical ones.
fn item_value(
    fields: HashMap<String, String>,
    categories: Vec<String>,
    link: Option<String>,
    feed_title: &Option<String>,
    feed_lang: &Option<String>,
) -> Value {
    let get = |k: &str| fields.get(k).map(|s| strip_html(s)).filter(|s| !s.is_empty());
    let mut m = Map::new();
    let title = get("title");
    let body = get("encoded").or_else(|| get("content")).or_else(|| get("description")).or_else(|| get("summary"));
    for k in ["title", "description", "summary", "content", "encoded"] {
        if let Some(v) = get(k) {
            m.insert(k.into(), Value::String(v));
        }
    }
    let text = match (&title, &body) {
        (Some(t), Some(b)) => Some(format!("{t}\n\n{b}")),
        (Some(t), None) => Some(t.clone()),
        (None, Some(b)) => Some(b.clone()),
        (None, None) => None,
    };
    if let Some(t) = text {
        m.insert("text".into(), Value::String(t));
    }
    let link = link.or_else(|| get("link"));
    if let Some(l) = &link {
        m.insert("link".into(), Value::String(l.clone()));
    }
    if let Some(id) = get("guid").or_else(|| get("id")).or(link) {
        m.insert("id".into(), Value::String(id));
    }
    let date = get("pubDate").or_else(|| get("published")).or_else(|| get("updated")).or_else(|| get("date"));
    if let Some(d) = date {
        // RFC 2822 (RSS) is turned into RFC 3339; anything else is left for the timestamp parser to judge.
        let d = chrono::DateTime::parse_from_rfc2822(d.trim()).map(|t| t.to_rfc3339()).unwrap_or(d);
        m.insert("timestamp".into(), Value::String(d));
    }
    if let Some(a) = get("author/name").or_else(|| get("creator")).or_else(|| get("author")) {
        m.insert("author".into(), Value::String(a));
    }
    if let Some(t) = feed_title {
        m.insert("source".into(), Value::String(t.clone()));
    }
    if let Some(l) = feed_lang {
        // `en-gb` → `en`: lexicons are per language, not per locale.
        let base = l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase();
        m.insert("lang".into(), Value::String(base));
    }
    if !categories.is_empty() {
        m.insert("categories".into(), Value::from(categories));
    }
    Value::Object(m)
}

/// Plain text from an HTML fragment: tags removed (script and style with their content), entities decoded, blank runs collapsed.
pub fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt..];
        let Some(gt) = after.find('>') else {
            // A lone `<` is text.
            out.push_str(after);
            rest = "";
            break;
        };
        let tag = after[1..gt].trim().to_ascii_lowercase();
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        rest = &after[gt + 1..];
        if !tag.starts_with('/') && (name == "script" || name == "style") {
            let close = format!("</{name}");
            rest = rest.to_ascii_lowercase().find(&close).map_or("", |i| &rest[i..]);
            continue;
        }
        if matches!(name.as_str(), "br" | "p" | "div" | "li" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "tr" | "blockquote") {
            out.push('\n');
        } else if !name.is_empty() {
            out.push(' ');
        }
    }
    out.push_str(rest);
    let decoded = decode_entities(&out);
    // Collapse the blanks that removed tags leave, keeping paragraph breaks.
    let mut lines: Vec<String> = Vec::new();
    for line in decoded.lines() {
        let l = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if !l.is_empty() {
            lines.push(l);
        }
    }
    lines.join("\n")
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|&i| i <= 32);
        let resolved = end.and_then(|i| {
            let name = &after[..i];
            if let Some(num) = name.strip_prefix('#') {
                let n = match num.strip_prefix(['x', 'X']) {
                    Some(h) => u32::from_str_radix(h, 16).ok(),
                    None => num.parse::<u32>().ok(),
                };
                n.and_then(char::from_u32).map(|c| c.to_string())
            } else {
                quick_xml::escape::resolve_html5_entity(name).map(|v| if name == "nbsp" { " ".to_string() } else { v.to_string() })
            }
        });
        match (resolved, end) {
            (Some(v), Some(i)) => {
                out.push_str(&v);
                rest = &after[i + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_stripped_and_entities_decoded() {
        assert_eq!(strip_html("<p>They are <b>vermin</b>&nbsp;&amp; worse</p><p>Second</p>"), "They are vermin & worse\nSecond");
        assert_eq!(strip_html("a <script>var x = '<b>';</script>b"), "a b");
        assert_eq!(strip_html("1 < 2 &unknown; &#233;t&#xE9;"), "1 < 2 &unknown; été");
        assert_eq!(strip_html("plain"), "plain");
    }
}
