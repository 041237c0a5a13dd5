//! Evidence: one reviewable record per document with hostile findings — who
//! (pseudonymous speaker), where, when, what (signals with spans, rules,
//! terms), how far it reached, and a snippet of the original text — shaped
//! around the Rabat Plan's six-part test so an analyst can judge it.
//!
//! Building a row is a pure function of a document and its signals; the
//! redaction configured for the pipeline is applied here, before anything is
//! written, so redacted text never reaches the disk.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::config::{EvidenceConfig, Redaction};
use crate::document::Document;
use crate::signal::{Counting, Modifier, Signal};

/// One signal as evidence keeps it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EvidenceSignal {
    /// Category (`dehumanisation`, `group_reference` …).
    pub category: String,
    /// Targeted group (`kind:group`), when resolved.
    pub target: Option<String>,
    /// Rule id, or `lexicon:<lexicon>:<line>` for a bare lexicon hit.
    pub rule: String,
    /// Canonical lexicon term.
    pub term: String,
    /// Byte offset of the match in the original text.
    pub start: i64,
    /// Byte offset just past the match.
    pub end: i64,
    /// Severity 1–3.
    pub severity: i32,
    /// `hostile`, `reported`, `discounted` or `reference`.
    pub status: String,
    /// Context modifiers (`negation`, `reported`, `call_to_action` …).
    pub modifiers: Vec<String>,
    /// The original text of the match; `None` when redacted.
    pub text: Option<String>,
}

/// One flagged document, ready for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRow {
    /// Local day of publication (the partition).
    pub date: NaiveDate,
    /// Identifier given by the source.
    pub doc_id: String,
    /// The pipeline source (`[[sources]] name`) it was read from.
    pub source_name: String,
    /// Channel, outlet or platform.
    pub source: String,
    /// Region code, `unknown` when none.
    pub region: String,
    /// Language code, `und` when unknown.
    pub lang: String,
    /// Instant of publication.
    pub timestamp: DateTime<Utc>,
    /// Pseudonymous speaker (hex); `None` when the source names none or under `ids_only`.
    pub speaker: Option<String>,
    /// Speaker type when the source gives it.
    pub speaker_type: Option<String>,
    /// Audience reached.
    pub reach: i64,
    /// `hostile`, else `reported`, else `discounted`: how the document counts.
    pub status: String,
    /// Distinct hostile categories of its signals, sorted.
    pub categories: Vec<String>,
    /// Distinct targets, sorted.
    pub targets: Vec<String>,
    /// Distinct matched terms, sorted.
    pub terms: Vec<String>,
    /// Highest severity of a hostile-category signal.
    pub max_severity: i32,
    /// Rabat "intent": a signal carries a call to action.
    pub call_to_action: bool,
    /// Rabat "intent": the words are reported or quoted, not the writer's own.
    pub attributed: bool,
    /// A signal sits in counter-speech.
    pub counter_speech: bool,
    /// Original text around the findings; masked or absent per redaction.
    pub snippet: Option<String>,
    /// Every signal, in text order.
    pub signals: Vec<EvidenceSignal>,
}

/// Region written for documents that none of the assignment steps placed.
pub const UNKNOWN_REGION: &str = "unknown";
/// Language written for documents of unknown language.
pub const UNKNOWN_LANG: &str = "und";

/// The evidence row of a document, or `None` when none of its signals is of a hostile category.
///
/// Documents whose findings are all discounted (negated, counter-speech) are
/// kept too: they are how an analyst checks that the discounting was right.
pub fn evidence_row(doc: &Document<'_>, source_name: &str, signals: &[Signal], config: &EvidenceConfig) -> Option<EvidenceRow> {
    let hostile: Vec<&Signal> = signals.iter().filter(|s| s.category.is_hostile()).collect();
    if hostile.is_empty() {
        return None;
    }
    let status = if hostile.iter().any(|s| s.counting == Counting::Hostile) {
        Counting::Hostile
    } else if hostile.iter().any(|s| s.counting == Counting::Reported) {
        Counting::Reported
    } else {
        Counting::Discounted
    };
    let keep_text = config.redact == Redaction::None;
    let mut categories: Vec<String> = hostile.iter().map(|s| s.category.as_str().to_string()).collect();
    let mut targets: Vec<String> = signals.iter().filter_map(|s| s.target.clone()).collect();
    let mut terms: Vec<String> = signals.iter().map(|s| s.term.clone()).collect();
    for v in [&mut categories, &mut targets, &mut terms] {
        v.sort();
        v.dedup();
    }
    let has = |m: Modifier| hostile.iter().any(|s| s.modifiers.contains(m));
    let snippet = match config.redact {
        Redaction::None => Some(snippet(&doc.text, signals, status, config.snippet_chars, false)),
        Redaction::MaskTerms => Some(snippet(&doc.text, signals, status, config.snippet_chars, true)),
        Redaction::DropText | Redaction::IdsOnly => None,
    };
    Some(EvidenceRow {
        date: doc.date,
        doc_id: doc.id.to_string(),
        source_name: source_name.to_string(),
        source: doc.source.to_string(),
        region: doc.region.as_deref().unwrap_or(UNKNOWN_REGION).to_string(),
        lang: doc.lang.as_deref().unwrap_or(UNKNOWN_LANG).to_string(),
        timestamp: doc.timestamp,
        speaker: if config.redact == Redaction::IdsOnly { None } else { doc.author.map(|a| a.to_hex()) },
        speaker_type: doc.speaker_type.as_deref().map(str::to_string),
        reach: i64::try_from(doc.reach).unwrap_or(i64::MAX),
        status: counting_name(status).to_string(),
        categories,
        targets,
        terms,
        max_severity: hostile.iter().map(|s| s.severity as i32).max().unwrap_or(0),
        call_to_action: has(Modifier::CallToAction),
        attributed: has(Modifier::Reported),
        counter_speech: has(Modifier::Counter),
        snippet,
        signals: signals
            .iter()
            .map(|s| EvidenceSignal {
                category: s.category.as_str().to_string(),
                target: s.target.clone(),
                rule: s.rule.clone(),
                term: s.term.clone(),
                start: s.span.0 as i64,
                end: s.span.1 as i64,
                severity: s.severity as i32,
                status: counting_name(s.counting).to_string(),
                modifiers: s.modifiers.names().into_iter().map(str::to_string).collect(),
                text: keep_text.then(|| doc.text.get(s.span.0..s.span.1).unwrap_or_default().to_string()),
            })
            .collect(),
    })
}

/// The name of a counting status as written in files.
pub fn counting_name(c: Counting) -> &'static str {
    match c {
        Counting::Hostile => "hostile",
        Counting::Reported => "reported",
        Counting::Discounted => "discounted",
        Counting::Reference => "reference",
    }
}

/// At most `max_chars` characters of the original text around the signals that decide the document's status, `…` where cut.
///
/// With `mask`, every hostile match inside the window becomes `[category]`
/// so a report can show the context without repeating the slur.
pub fn snippet(text: &str, signals: &[Signal], status: Counting, max_chars: usize, mask: bool) -> String {
    let focus: Vec<&Signal> = signals.iter().filter(|s| s.category.is_hostile() && s.counting == status).collect();
    let (lo, hi) = focus.iter().fold((usize::MAX, 0), |(lo, hi), s| (lo.min(s.span.0), hi.max(s.span.1)));
    let (lo, hi) = if lo > hi { (0, 0) } else { (lo.min(text.len()), hi.min(text.len())) };
    let span_chars = text[lo..hi].chars().count();
    let (start, end) = if span_chars >= max_chars {
        (lo, advance(text, lo, max_chars))
    } else {
        // Context shared between both sides; what one side cannot use goes to the other.
        let spare = max_chars - span_chars;
        let before = text[..lo].chars().count().min(spare / 2);
        let after = text[hi..].chars().count().min(spare - before);
        let before = text[..lo].chars().count().min(spare - after);
        (retreat(text, lo, before), advance(text, hi, after))
    };
    let mut out = String::with_capacity(end - start + 8);
    if start > 0 {
        out.push('…');
    }
    if mask {
        let mut spans: Vec<(usize, usize, &str)> = signals
            .iter()
            .filter(|s| s.category.is_hostile() && s.span.0 < end && s.span.1 > start)
            .map(|s| (s.span.0.max(start), s.span.1.min(end), s.category.as_str()))
            .collect();
        spans.sort();
        let mut at = start;
        for (s, e, cat) in spans {
            if e <= at {
                continue;
            }
            if s >= at {
                out.push_str(&text[at..s]);
                out.push('[');
                out.push_str(cat);
                out.push(']');
            }
            at = e;
        }
        out.push_str(&text[at..end]);
    } else {
        out.push_str(&text[start..end]);
    }
    if end < text.len() {
        out.push('…');
    }
    out
}

/// The byte offset `n` characters after `from` (or the end).
fn advance(text: &str, from: usize, n: usize) -> usize {
    text[from..].char_indices().nth(n).map_or(text.len(), |(i, _)| from + i)
}

/// The byte offset `n` characters before `to` (or the start).
fn retreat(text: &str, to: usize, n: usize) -> usize {
    if n == 0 {
        return to;
    }
    text[..to].char_indices().rev().nth(n - 1).map_or(0, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::signal::{Category, Modifiers};

    fn signal(category: Category, span: (usize, usize), counting: Counting, modifiers: &[Modifier]) -> Signal {
        Signal {
            category,
            target: Some("ethnicity:oru".into()),
            severity: 2,
            rule: "r1".into(),
            term: "vermin".into(),
            span,
            modifiers: Modifiers::from_list(modifiers),
            counting,
        }
    }

    fn doc(text: &str) -> Document<'_> {
        let timestamp = DateTime::parse_from_rfc3339("2026-10-10T08:00:00Z").expect("ts").with_timezone(&Utc);
        Document {
            id: Cow::Borrowed("d1"),
            text: Cow::Borrowed(text),
            lang: Some(Cow::Borrowed("en")),
            region: None,
            timestamp,
            date: timestamp.date_naive(),
            source: Cow::Borrowed("chan"),
            author: Some(crate::document::Pseudonymiser::new(b"k").pseudonymise("alice")),
            reach: 7,
            location: None,
            speaker_type: Some(Cow::Borrowed("channel")),
            lossy: false,
        }
    }

    const TEXT: &str = "Yesterday at the market the Oru are vermin, said nobody we know.";

    fn signals() -> Vec<Signal> {
        vec![
            signal(Category::GroupReference, (28, 31), Counting::Reference, &[]),
            signal(Category::Dehumanisation, (36, 42), Counting::Hostile, &[Modifier::CallToAction]),
        ]
    }

    #[test]
    fn documents_without_hostile_signals_give_no_row() {
        let s = vec![signal(Category::GroupReference, (28, 31), Counting::Reference, &[])];
        assert!(evidence_row(&doc(TEXT), "social", &s, &EvidenceConfig::default()).is_none());
    }

    #[test]
    fn a_row_carries_the_findings_and_the_rabat_fields() {
        let row = evidence_row(&doc(TEXT), "social", &signals(), &EvidenceConfig::default()).expect("row");
        assert_eq!(row.status, "hostile");
        assert_eq!(row.region, "unknown");
        assert_eq!(row.categories, vec!["dehumanisation"]);
        assert_eq!(row.targets, vec!["ethnicity:oru"]);
        assert!(row.call_to_action && !row.attributed && !row.counter_speech);
        assert_eq!(row.speaker.as_deref().map(str::len), Some(32));
        assert_eq!(row.signals[1].text.as_deref(), Some("vermin"));
        assert_eq!(row.snippet.as_deref(), Some(TEXT));
    }

    #[test]
    fn discounted_only_documents_are_kept_as_discounted() {
        let s = vec![signal(Category::Dehumanisation, (36, 42), Counting::Discounted, &[Modifier::Counter])];
        let row = evidence_row(&doc(TEXT), "social", &s, &EvidenceConfig::default()).expect("row");
        assert_eq!(row.status, "discounted");
        assert!(row.counter_speech);
    }

    #[test]
    fn redaction_masks_drops_and_hides_the_speaker() {
        let mut c = EvidenceConfig { redact: Redaction::MaskTerms, ..EvidenceConfig::default() };
        let row = evidence_row(&doc(TEXT), "social", &signals(), &c).expect("row");
        assert_eq!(row.snippet.as_deref(), Some("Yesterday at the market the Oru are [dehumanisation], said nobody we know."));
        assert!(row.signals.iter().all(|s| s.text.is_none()));
        c.redact = Redaction::DropText;
        let row = evidence_row(&doc(TEXT), "social", &signals(), &c).expect("row");
        assert!(row.snippet.is_none() && row.speaker.is_some());
        c.redact = Redaction::IdsOnly;
        let row = evidence_row(&doc(TEXT), "social", &signals(), &c).expect("row");
        assert!(row.snippet.is_none() && row.speaker.is_none());
        assert_eq!(row.signals[1].start, 36);
    }

    #[test]
    fn snippets_are_cut_around_the_findings_on_char_boundaries() {
        let text = format!("{}the Oru are vermin{}", "é".repeat(400), "ü".repeat(400));
        let start = 800 + "the Oru are ".len();
        let s = vec![signal(Category::Dehumanisation, (start, start + 6), Counting::Hostile, &[])];
        let out = snippet(&text, &s, Counting::Hostile, 40, false);
        assert!(out.starts_with('…') && out.ends_with('…'));
        assert!(out.contains("vermin"));
        assert_eq!(out.chars().count(), 42);
        let masked = snippet(&text, &s, Counting::Hostile, 40, true);
        assert!(masked.contains("[dehumanisation]") && !masked.contains("vermin"));
        // A finding longer than the budget keeps its start.
        assert!(snippet(&text, &s, Counting::Hostile, 3, false).starts_with("…ver"));
    }
}
