//! Reading the evidence store (`evidence/date=YYYY-MM-DD/part-0.parquet`, one
//! row per document with a hostile-category signal) and masking snippets.

use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType};
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_schema::{DataType, TimeUnit};
use chrono::NaiveDate;

use crate::normalize::{is_word_char, MatchingView};

use super::read::{parquet_files, partitions};
use super::ReportError;

/// The dataset folder of evidence partitions inside the store.
pub const DATASET: &str = "evidence";

pub use crate::evidence::{EvidenceRow, EvidenceSignal};

fn err(path: &Path, message: impl Into<String>) -> ReportError {
    ReportError::Read { path: path.to_path_buf(), message: message.into() }
}

/// Where columns come from: the batch, or the struct of a signal list.
enum Table<'a> {
    Batch(&'a RecordBatch),
    Struct(&'a StructArray),
}

/// Typed column access for one batch (or one struct array), errors naming file and column.
struct Cols<'a> {
    table: Table<'a>,
    file: &'a Path,
}

impl<'a> Cols<'a> {
    fn of_batch(b: &'a RecordBatch, file: &'a Path) -> Self {
        Cols { table: Table::Batch(b), file }
    }

    fn of_struct(s: &'a StructArray, file: &'a Path) -> Self {
        Cols { table: Table::Struct(s), file }
    }

    fn col(&self, name: &str) -> Result<&'a ArrayRef, ReportError> {
        let c = match self.table {
            Table::Batch(b) => b.column_by_name(name),
            Table::Struct(s) => s.column_by_name(name),
        };
        c.ok_or_else(|| err(self.file, format!("evidence: no column `{name}`")))
    }

    fn has(&self, name: &str) -> bool {
        self.col(name).is_ok()
    }

    fn bad(&self, name: &str, c: &ArrayRef, want: &str) -> ReportError {
        err(self.file, format!("evidence: column `{name}` is {}, expected {want}", c.data_type()))
    }

    fn opt_str(&self, name: &str, i: usize) -> Result<Option<String>, ReportError> {
        let c = self.col(name)?;
        let a = c.as_string_opt::<i32>().ok_or_else(|| self.bad(name, c, "Utf8"))?;
        Ok((!a.is_null(i)).then(|| a.value(i).to_string()))
    }

    fn str(&self, name: &str, i: usize) -> Result<String, ReportError> {
        Ok(self.opt_str(name, i)?.unwrap_or_default())
    }

    fn int(&self, name: &str, i: usize) -> Result<i64, ReportError> {
        let c = self.col(name)?;
        if c.is_null(i) {
            return Ok(0);
        }
        if let Some(a) = c.as_primitive_opt::<Int64Type>() {
            return Ok(a.value(i));
        }
        if let Some(a) = c.as_primitive_opt::<Int32Type>() {
            return Ok(a.value(i) as i64);
        }
        Err(self.bad(name, c, "Int64 or Int32"))
    }

    fn bool(&self, name: &str, i: usize) -> Result<bool, ReportError> {
        let c = self.col(name)?;
        let a = c.as_boolean_opt().ok_or_else(|| self.bad(name, c, "Boolean"))?;
        Ok(!a.is_null(i) && a.value(i))
    }

    fn strings(&self, name: &str, i: usize) -> Result<Vec<String>, ReportError> {
        let c = self.col(name)?;
        let list = c.as_list_opt::<i32>().ok_or_else(|| self.bad(name, c, "List<Utf8>"))?;
        if list.is_null(i) {
            return Ok(Vec::new());
        }
        let values = list.value(i);
        let s = values.as_string_opt::<i32>().ok_or_else(|| err(self.file, format!("evidence: `{name}` is not a list of Utf8")))?;
        Ok((0..s.len()).filter(|&k| !s.is_null(k)).map(|k| s.value(k).to_string()).collect())
    }

    fn timestamp_ms(&self, name: &str, i: usize) -> Result<i64, ReportError> {
        let c = self.col(name)?;
        Ok(match c.data_type() {
            DataType::Timestamp(TimeUnit::Millisecond, _) => c.as_primitive::<TimestampMillisecondType>().value(i),
            DataType::Timestamp(TimeUnit::Microsecond, _) => c.as_primitive::<TimestampMicrosecondType>().value(i) / 1_000,
            DataType::Timestamp(TimeUnit::Nanosecond, _) => c.as_primitive::<TimestampNanosecondType>().value(i) / 1_000_000,
            DataType::Timestamp(TimeUnit::Second, _) => c.as_primitive::<TimestampSecondType>().value(i) * 1_000,
            _ => return Err(self.bad(name, c, "Timestamp")),
        })
    }

    fn signals(&self, i: usize) -> Result<Vec<EvidenceSignal>, ReportError> {
        let c = self.col("signals")?;
        let list = c.as_list_opt::<i32>().ok_or_else(|| self.bad("signals", c, "List<Struct>"))?;
        if list.is_null(i) {
            return Ok(Vec::new());
        }
        let values = list.value(i);
        let s = values.as_struct_opt().ok_or_else(|| err(self.file, "evidence: `signals` is not a list of structs"))?;
        let inner = Cols::of_struct(s, self.file);
        (0..s.len())
            .map(|k| {
                Ok(EvidenceSignal {
                    category: inner.str("category", k)?,
                    target: inner.opt_str("target", k)?,
                    rule: inner.str("rule", k)?,
                    term: inner.str("term", k)?,
                    start: inner.int("start", k)?,
                    end: inner.int("end", k)?,
                    severity: inner.int("severity", k)? as i32,
                    status: inner.str("status", k)?,
                    modifiers: inner.strings("modifiers", k)?,
                    text: if inner.has("text") { inner.opt_str("text", k)? } else { None },
                })
            })
            .collect()
    }
}

/// Reads one evidence batch of a partition's day.
pub fn rows_of_batch(date: NaiveDate, b: &RecordBatch, file: &Path) -> Result<Vec<EvidenceRow>, ReportError> {
    let c = Cols::of_batch(b, file);
    (0..b.num_rows())
        .map(|i| {
            Ok(EvidenceRow {
                date,
                doc_id: c.str("doc_id", i)?,
                source_name: c.str("source_name", i)?,
                source: c.str("source", i)?,
                region: c.str("region", i)?,
                lang: c.str("lang", i)?,
                timestamp: chrono::DateTime::from_timestamp_millis(c.timestamp_ms("timestamp", i)?)
                    .ok_or_else(|| err(file, "evidence: `timestamp` out of range"))?,
                speaker: c.opt_str("speaker", i)?,
                speaker_type: c.opt_str("speaker_type", i)?,
                reach: c.int("reach", i)?,
                status: c.str("status", i)?,
                categories: c.strings("categories", i)?,
                targets: c.strings("targets", i)?,
                terms: c.strings("terms", i)?,
                max_severity: c.int("max_severity", i)? as i32,
                call_to_action: c.bool("call_to_action", i)?,
                attributed: c.bool("attributed", i)?,
                counter_speech: c.bool("counter_speech", i)?,
                snippet: c.opt_str("snippet", i)?,
                signals: c.signals(i)?,
            })
        })
        .collect()
}

/// The evidence files of a store with their days; `None` when the store has no `evidence/` folder.
fn store_files(store: &Path) -> Result<Option<Vec<(NaiveDate, std::path::PathBuf)>>, ReportError> {
    let dir = store.join(DATASET);
    if !dir.is_dir() {
        return Ok(None);
    }
    let mut files = Vec::new();
    for (date, partition) in partitions(&dir)? {
        for file in parquet_files(&partition)? {
            files.push((date, file));
        }
    }
    Ok(Some(files))
}

/// The latest day with evidence rows from day `from` on, from the Parquet footers alone.
pub fn latest_day(store: &Path, from: Option<NaiveDate>) -> Result<Option<NaiveDate>, ReportError> {
    let mut latest = None;
    for (date, file) in store_files(store)?.unwrap_or_default() {
        if from.is_none_or(|f| date >= f) && row_count(&file)? > 0 {
            latest = latest.max(Some(date));
        }
    }
    Ok(latest)
}

/// Folds the evidence rows of the days from `from` on (all without it), except the `known` days, one
/// record batch at a time, files in parallel, so that memory follows a batch and not the store (a large
/// night's evidence is millions of rows); also returns the number of rows of the whole store (the other
/// days from their Parquet footers). `None` when the store has no `evidence/` folder.
pub fn fold_store<T: Send>(
    store: &Path,
    from: Option<NaiveDate>,
    known: &BTreeSet<NaiveDate>,
    init: impl Fn() -> T + Sync,
    fold: impl Fn(&mut T, Vec<EvidenceRow>) + Sync,
    merge: impl Fn(T, T) -> T + Sync,
) -> Result<Option<(T, usize)>, ReportError> {
    let Some(files) = store_files(store)? else {
        return Ok(None);
    };
    let folded = files
        .par_iter()
        .map(|(date, file)| -> Result<(T, usize), ReportError> {
            let mut acc = init();
            if from.is_some_and(|f| *date < f) || known.contains(date) {
                return Ok((acc, row_count(file)?));
            }
            let mut n = 0;
            for b in batch_reader(file)? {
                let rows = rows_of_batch(*date, &b.map_err(|e| err(file, e.to_string()))?, file)?;
                n += rows.len();
                fold(&mut acc, rows);
            }
            Ok((acc, n))
        })
        .try_reduce(|| (init(), 0), |(a, n), (b, m)| Ok((merge(a, b), n + m)))?;
    Ok(Some(folded))
}

/// The record batches of a Parquet file, decoded one at a time.
fn batch_reader(file: &Path) -> Result<parquet::arrow::arrow_reader::ParquetRecordBatchReader, ReportError> {
    let f = std::fs::File::open(file).map_err(|e| err(file, e.to_string()))?;
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.with_batch_size(4096).build())
        .map_err(|e| err(file, e.to_string()))
}

/// The evidence rows of a store from day `from` on (all without it), and the number of rows of the
/// whole store; `None` when the store has no `evidence/` folder. Holds every row: for tests and small
/// stores; the report folds ([`fold_store`]).
pub fn read_store(store: &Path, from: Option<NaiveDate>) -> Result<Option<(Vec<EvidenceRow>, usize)>, ReportError> {
    fold_store(
        store,
        from,
        &BTreeSet::new(),
        Vec::new,
        |acc, rows| acc.extend(rows),
        |mut a, b| {
            a.extend(b);
            a
        },
    )
}

/// Rows of a Parquet file, from its footer.
fn row_count(file: &Path) -> Result<usize, ReportError> {
    let f = std::fs::File::open(file).map_err(|e| err(file, e.to_string()))?;
    let reader = parquet::file::serialized_reader::SerializedFileReader::new(f).map_err(|e| err(file, e.to_string()))?;
    use parquet::file::reader::FileReader;
    Ok(reader.metadata().file_metadata().num_rows().max(0) as usize)
}

/// A snippet with every hostile signal masked as `[category]`; `None` when
/// a hostile word might be left in it, so that the caller withholds it.
///
/// The signals' offsets point into the original text and the snippet is a
/// window of it (`…` where cut), so the window is located by the signals'
/// matched text (`signals.text`): the offset at which every signal inside
/// the window reads its own text. Then each hostile signal's span inside it
/// is masked exactly, edges included. Without the matched text (a writer
/// that does not keep it) each term is looked up in the snippet's matching
/// view instead ([`mask_by_terms`]). A snippet whose signals all lack their
/// text was redacted by the pipeline (`mask_terms`) and is returned as it is.
pub fn mask(snippet: &str, signals: &[EvidenceSignal]) -> Option<String> {
    let hostile: Vec<&EvidenceSignal> = signals.iter().filter(|s| s.category != "group_reference").collect();
    if hostile.is_empty() {
        return Some(snippet.to_string());
    }
    let with_text = hostile.iter().filter(|s| s.text.is_some()).count();
    if with_text == 0 {
        return Some(snippet.to_string());
    }
    let body_from = if snippet.starts_with('…') { '…'.len_utf8() } else { 0 };
    let body_to = if snippet.len() > body_from && snippet.ends_with('…') { snippet.len() - '…'.len_utf8() } else { snippet.len() };
    let body = &snippet[body_from..body_to];
    let Some(window) = locate(body, signals) else {
        return mask_by_terms(snippet, signals);
    };
    let window_end = window + body.len() as i64;
    let inside: Vec<&&EvidenceSignal> = hostile.iter().filter(|s| s.start < window_end && s.end > window).collect();
    let mut spans: Vec<(usize, usize, &str)> = inside
        .iter()
        .map(|s| (body_from + (s.start.max(window) - window) as usize, body_from + (s.end.min(window_end) - window) as usize, s.category.as_str()))
        .filter(|(a, b, _)| snippet.is_char_boundary(*a) && snippet.is_char_boundary(*b))
        .collect();
    if spans.len() != inside.len() {
        return None; // a span that does not fall on characters: the snippet is not what the offsets say
    }
    spans.sort();
    Some(replace_spans(snippet, spans))
}

/// The original offset of the snippet's body: the first candidate (from any
/// signal's text found in the body) at which every signal wholly inside the
/// window reads exactly its own text.
fn locate(body: &str, signals: &[EvidenceSignal]) -> Option<i64> {
    let len = body.len() as i64;
    let fits = |window: i64| {
        let mut inside = 0;
        for s in signals {
            let Some(t) = &s.text else { continue };
            if s.start >= window && s.end <= window + len {
                let (a, b) = ((s.start - window) as usize, (s.end - window) as usize);
                if body.get(a..b) != Some(t.as_str()) {
                    return false;
                }
                inside += 1;
            }
        }
        inside > 0
    };
    for s in signals {
        let Some(t) = s.text.as_deref().filter(|t| !t.is_empty()) else { continue };
        for (q, _) in body.match_indices(t) {
            let window = s.start - q as i64;
            if window >= 0 && fits(window) {
                return Some(window);
            }
        }
    }
    None
}

fn replace_spans(snippet: &str, spans: Vec<(usize, usize, &str)>) -> String {
    let mut out = String::with_capacity(snippet.len());
    let mut at = 0;
    for (start, end, category) in spans {
        if end <= at {
            continue;
        }
        let start = start.max(at);
        out.push_str(&snippet[at..start]);
        out.push('[');
        out.push_str(category);
        out.push(']');
        at = end;
    }
    out.push_str(&snippet[at..]);
    out
}

/// Masks each hostile signal's term where it is found in the snippet's
/// matching view (the same folding that found it: case, accents,
/// look-alikes, and leetspeak or spread-out letters in the aggressive view)
/// at a word start, the whole word ("cockroaches" for "cockroach"). `None`
/// when a term cannot be found.
pub fn mask_by_terms(snippet: &str, signals: &[EvidenceSignal]) -> Option<String> {
    let plain = MatchingView::plain(snippet);
    let aggressive = MatchingView::aggressive(&plain);
    let mut spans: Vec<(usize, usize, &str)> = Vec::new();
    let mut terms: Vec<(&str, &str)> =
        signals.iter().filter(|s| s.category != "group_reference" && !s.term.is_empty()).map(|s| (s.term.as_str(), s.category.as_str())).collect();
    terms.sort();
    terms.dedup();
    for (term, category) in terms {
        let mut found = find_words(&plain, MatchingView::plain(term).text(), category, &mut spans);
        if let Some(a) = &aggressive {
            found |= find_words(a, &MatchingView::aggressive_term(term), category, &mut spans);
        }
        if !found {
            return None;
        }
    }
    spans.sort();
    Some(replace_spans(snippet, spans))
}

/// Finds `needle` at word starts in a view and records the original spans of the words; whether any was found.
fn find_words<'a>(view: &MatchingView<'_>, needle: &str, category: &'a str, spans: &mut Vec<(usize, usize, &'a str)>) -> bool {
    let needle = needle.trim();
    if needle.is_empty() {
        return false;
    }
    let text = view.text();
    let mut found = false;
    for (i, _) in text.match_indices(needle) {
        let word_start = text[..i].chars().next_back().is_none_or(|c| !is_word_char(c));
        if !word_start {
            continue;
        }
        let mut end = i + needle.len();
        for c in text[end..].chars() {
            if !is_word_char(c) {
                break;
            }
            end += c.len_utf8();
        }
        let (s, e) = view.to_original(i, end);
        spans.push((s, e, category));
        found = true;
    }
    found
}

/// The first characters of a pseudonym: enough to tell authors apart on a page, not to be the id.
pub fn speaker_prefix(speaker: &str) -> String {
    speaker.chars().take(8).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(category: &str, term: &str) -> EvidenceSignal {
        EvidenceSignal {
            category: category.into(),
            target: None,
            rule: format!("lex:{term}"),
            term: term.into(),
            start: 0,
            end: 0,
            severity: 3,
            status: "hostile".into(),
            modifiers: Vec::new(),
            text: None,
        }
    }

    /// A signal with its span in `original` and its matched text.
    fn at(original: &str, category: &str, text: &str, nth: usize) -> EvidenceSignal {
        let start = original.match_indices(text).nth(nth).unwrap().0;
        EvidenceSignal { start: start as i64, end: (start + text.len()) as i64, text: Some(text.into()), ..sig(category, &text.to_lowercase()) }
    }

    #[test]
    fn spans_are_masked_exactly_once_the_window_is_located() {
        let original = "Intro text. The Oru are COCKR0ACHES and k.i.l.l them, kill them all. Outro about cockroaches in kitchens.";
        let signals = [
            at(original, "group_reference", "Oru", 0),
            at(original, "dehumanisation", "COCKR0ACHES", 0),
            at(original, "violence_call", "k.i.l.l", 0),
            at(original, "violence_call", "kill", 0),
        ];
        // The whole text, then a window cut on both sides.
        assert_eq!(
            mask(original, &signals).unwrap(),
            "Intro text. The Oru are [dehumanisation] and [violence_call] them, [violence_call] them all. Outro about cockroaches in kitchens."
        );
        let start = original.find("Oru").unwrap();
        let end = original.find(" all").unwrap();
        let window = format!("…{}…", &original[start..end]);
        assert_eq!(mask(&window, &signals).unwrap(), "…Oru are [dehumanisation] and [violence_call] them, [violence_call] them…");
        // A match cut by the window's edge is masked as far as it shows.
        let cut = format!("…{}…", &original[start..original.find("0ACHES").unwrap()]);
        assert_eq!(mask(&cut, &signals).unwrap(), "…Oru are [dehumanisation]…");
    }

    #[test]
    fn a_snippet_the_pipeline_redacted_is_shown_as_stored() {
        let s = [sig("dehumanisation", "cockroach")];
        assert_eq!(mask("The Oru are [dehumanisation].", &s).unwrap(), "The Oru are [dehumanisation].");
    }

    #[test]
    fn terms_are_masked_whole_words_whatever_their_case_or_disguise() {
        let s = [sig("dehumanisation", "cockroach"), sig("group_reference", "oru"), sig("violence_call", "kill")];
        assert_eq!(mask_by_terms("The Oru are COCKROACHES, k.i.l.l them all", &s).unwrap(), "The Oru are [dehumanisation], [violence_call] them all");
        assert_eq!(mask_by_terms("c0ckr0ach! kill", &s).unwrap(), "[dehumanisation]! [violence_call]");
        // Not inside another word.
        assert_eq!(mask_by_terms("skill and cockroach and kill", &s).unwrap(), "skill and [dehumanisation] and [violence_call]");
    }

    #[test]
    fn a_term_that_cannot_be_found_withholds_the_snippet() {
        assert_eq!(mask_by_terms("…nothing to see here", &[sig("dehumanisation", "vermin")]), None);
        assert_eq!(mask_by_terms("only a name: Oru", &[sig("group_reference", "oru")]).as_deref(), Some("only a name: Oru"));
        // With matched text that is nowhere in the snippet, the terms are looked up instead.
        let lost = EvidenceSignal { text: Some("vermin".into()), start: 500, end: 506, ..sig("dehumanisation", "vermin") };
        assert_eq!(mask("…nothing to see here", &[lost]), None);
    }

    #[test]
    fn accents_and_non_latin_scripts_mask_on_character_boundaries() {
        let s = [sig("dehumanisation", "cafard")];
        assert_eq!(mask_by_terms("Ces CAFARDS… «cafard»", &s).unwrap(), "Ces [dehumanisation]… «[dehumanisation]»");
        let s = [sig("derogation", "мусор")];
        assert_eq!(mask_by_terms("они МУСОР!", &s).unwrap(), "они [derogation]!");
    }

    #[test]
    fn speakers_are_shortened() {
        assert_eq!(speaker_prefix("0123456789abcdef0123456789abcdef"), "01234567");
    }
}
