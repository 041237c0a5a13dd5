//! Aggregation: documents and their signals in, mergeable counters per
//! day × region × language × source × category × target out.
//!
//! Counters are plain sums plus exact sets of 64-bit digests for distinct
//! authors and sources, so partial aggregates from any number of chunks,
//! threads or machines merge exactly. Rows carry no text and no identity.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};

use crate::config::{AggregateConfig, AggregateKey};
use crate::document::Document;
use crate::signal::{Category, Counting, Signal};

/// The `category` value of the row that counts every document seen.
pub const ALL_CATEGORIES: &str = "all";
/// The value of a key that the time series does not keep, and of `target` on category totals.
pub const ANY: &str = "*";
/// Region of documents no source or gazetteer could place.
pub const UNKNOWN_REGION: &str = "unknown";
/// Language of documents whose language is unknown.
pub const UNKNOWN_LANG: &str = "und";

#[derive(Debug, Clone, Default)]
struct Interner {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), i);
        i
    }
}

/// Day, region, language, source (interned ids).
type BaseKey = (i32, u32, u32, u32);
/// Base key, category (index in `Category::ALL`, or `u8::MAX` for all), target (interned; `*` for totals).
type RowKey = (BaseKey, u8, u32);

const ALL_INDEX: u8 = u8::MAX;

#[derive(Debug, Clone, Default)]
struct Counters {
    docs_flagged: u64,
    docs_reported: u64,
    matches: u64,
    hostile: u64,
    reported: u64,
    discounted: u64,
    reach: u64,
    authors: HashSet<u64>,
    sources: HashSet<u32>,
}

impl Counters {
    fn merge(&mut self, o: Counters, source_map: &[u32]) {
        self.docs_flagged += o.docs_flagged;
        self.docs_reported += o.docs_reported;
        self.matches += o.matches;
        self.hostile += o.hostile;
        self.reported += o.reported;
        self.discounted += o.discounted;
        self.reach += o.reach;
        self.authors.extend(o.authors);
        self.sources.extend(o.sources.into_iter().map(|s| source_map[s as usize]));
    }
}

/// Mergeable counters of one part of a run.
#[derive(Debug, Clone, Default)]
pub struct Aggregator {
    keys: Vec<AggregateKey>,
    names: Interner,
    docs: HashMap<BaseKey, Seen>,
    rows: HashMap<RowKey, Counters>,
}

/// What was seen of every document of a day, region, language and source.
#[derive(Debug, Clone, Default)]
struct Seen {
    docs: u64,
    reach: u64,
    authors: HashSet<u64>,
    sources: HashSet<u32>,
}

/// One row of the time series.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeriesRow {
    /// Local day.
    pub date: NaiveDate,
    /// Region code (or `*`).
    pub region: String,
    /// Language (or `*`).
    pub lang: String,
    /// Source (or `*`).
    pub source: String,
    /// Category, or `all` for the row counting every document.
    pub category: String,
    /// Target group, or `*` for the category total.
    pub target: String,
    /// Documents seen for this day, region, language and source.
    pub docs: i64,
    /// Documents with at least one signal of this category that counts as hostile.
    pub docs_flagged: i64,
    /// Documents with at least one reported (quoted) signal of this category.
    pub docs_reported: i64,
    /// All signals of this category (hostile + reported + discounted; mentions for group_reference).
    pub matches: i64,
    /// Signals that count as the writer's hostile speech.
    pub hostile: i64,
    /// Reported or quoted signals.
    pub reported: i64,
    /// Negated, counter-speech or hypothetical signals (evidence only).
    pub discounted: i64,
    /// Distinct authors of the flagged documents.
    pub authors: i64,
    /// Distinct sources of the flagged documents.
    pub sources: i64,
    /// Summed reach of the flagged documents.
    pub reach: i64,
    /// Distinct authors of all documents seen for this day, region, language and source.
    pub authors_seen: i64,
    /// Distinct sources of all documents seen.
    pub sources_seen: i64,
    /// Summed reach of all documents seen.
    pub reach_seen: i64,
}

impl Aggregator {
    /// An empty aggregator keeping these keys.
    pub fn new(config: &AggregateConfig) -> Self {
        let mut a = Aggregator { keys: config.keys.clone(), ..Default::default() };
        a.names.id(ANY);
        a
    }

    fn keeps(&self, k: AggregateKey) -> bool {
        self.keys.contains(&k)
    }

    /// Adds one document and its signals.
    pub fn add(&mut self, doc: &Document<'_>, signals: &[Signal]) {
        let day = doc.date.num_days_from_ce();
        let region = if self.keeps(AggregateKey::Region) { self.names.id(doc.region.as_deref().unwrap_or(UNKNOWN_REGION)) } else { 0 };
        let lang = if self.keeps(AggregateKey::Lang) { self.names.id(doc.lang.as_deref().unwrap_or(UNKNOWN_LANG)) } else { 0 };
        let source_id = self.names.id(&doc.source);
        let source = if self.keeps(AggregateKey::Source) { source_id } else { 0 };
        let base: BaseKey = (day, region, lang, source);
        let author = doc.author.map(|a| a.short());
        let seen = self.docs.entry(base).or_default();
        seen.docs += 1;
        seen.reach += doc.reach;
        seen.authors.extend(author);
        seen.sources.insert(source_id);
        let flagged = signals.iter().any(|s| s.counting == Counting::Hostile);
        let any_reported = signals.iter().any(|s| s.counting == Counting::Reported);
        let all = self.rows.entry((base, ALL_INDEX, 0)).or_default();
        if flagged {
            all.reach += doc.reach;
            all.authors.extend(author);
            all.sources.insert(source_id);
        }
        all.docs_flagged += flagged as u64;
        all.docs_reported += any_reported as u64;
        for s in signals.iter().filter(|s| s.category.is_hostile()) {
            count(all, s.counting);
        }
        if signals.is_empty() {
            return;
        }
        // Each (category, target) once per document for document-level counts.
        let keep_target = self.keeps(AggregateKey::Target);
        let mut seen: Vec<(u8, u32, bool, bool)> = Vec::new();
        for s in signals {
            let cat = s.category.index() as u8;
            let targets = [Some(0u32), if keep_target { s.target.as_deref().map(|t| self.names.id(t)) } else { None }];
            for t in targets.into_iter().flatten() {
                let c = self.rows.entry((base, cat, t)).or_default();
                count(c, s.counting);
                match seen.iter_mut().find(|x| x.0 == cat && x.1 == t) {
                    Some(x) => {
                        x.2 |= s.counting == Counting::Hostile || s.counting == Counting::Reference;
                        x.3 |= s.counting == Counting::Reported;
                    }
                    None => seen.push((cat, t, s.counting == Counting::Hostile || s.counting == Counting::Reference, s.counting == Counting::Reported)),
                }
            }
        }
        for (cat, t, hostile, reported) in seen {
            let c = self.rows.get_mut(&(base, cat, t)).expect("row just counted");
            c.docs_flagged += hostile as u64;
            c.docs_reported += reported as u64;
            if hostile {
                c.reach += doc.reach;
                c.authors.extend(author);
                c.sources.insert(source_id);
            }
        }
    }

    /// Merges another part into this one.
    pub fn merge(&mut self, other: Aggregator) {
        let map: Vec<u32> = other.names.names.iter().map(|n| self.names.id(n)).collect();
        let remap = |k: BaseKey| (k.0, map[k.1 as usize], map[k.2 as usize], map[k.3 as usize]);
        for (k, n) in other.docs {
            let seen = self.docs.entry(remap(k)).or_default();
            seen.docs += n.docs;
            seen.reach += n.reach;
            seen.authors.extend(n.authors);
            seen.sources.extend(n.sources.into_iter().map(|s| map[s as usize]));
        }
        for ((k, cat, t), c) in other.rows {
            self.rows.entry((remap(k), cat, map[t as usize])).or_default().merge(c, &map);
        }
    }

    /// Number of documents counted.
    pub fn documents(&self) -> u64 {
        self.docs.values().map(|s| s.docs).sum()
    }

    /// The rows, sorted by date, region, language, source, category order, target.
    pub fn rows(&self) -> Vec<SeriesRow> {
        let name = |i: u32| self.names.names[i as usize].clone();
        let mut out: Vec<(RowKey, SeriesRow)> = self
            .rows
            .iter()
            .map(|(&(base, cat, t), c)| {
                let seen = self.docs.get(&base).cloned().unwrap_or_default();
                let category = if cat == ALL_INDEX { ALL_CATEGORIES.to_string() } else { Category::ALL[cat as usize].as_str().to_string() };
                let row = SeriesRow {
                    date: NaiveDate::from_num_days_from_ce_opt(base.0).expect("valid day"),
                    region: name(base.1),
                    lang: name(base.2),
                    source: name(base.3),
                    category,
                    target: name(t),
                    docs: seen.docs as i64,
                    docs_flagged: c.docs_flagged as i64,
                    docs_reported: c.docs_reported as i64,
                    matches: c.matches as i64,
                    hostile: c.hostile as i64,
                    reported: c.reported as i64,
                    discounted: c.discounted as i64,
                    authors: c.authors.len() as i64,
                    sources: c.sources.len() as i64,
                    reach: c.reach.min(i64::MAX as u64) as i64,
                    authors_seen: seen.authors.len() as i64,
                    sources_seen: seen.sources.len() as i64,
                    reach_seen: seen.reach.min(i64::MAX as u64) as i64,
                };
                ((base, cat, t), row)
            })
            .collect();
        out.sort_by(|(ka, a), (kb, b)| {
            (a.date, &a.region, &a.lang, &a.source)
                .cmp(&(b.date, &b.region, &b.lang, &b.source))
                .then(ka.1.wrapping_add(1).cmp(&kb.1.wrapping_add(1)))
                .then(a.target.cmp(&b.target))
        });
        out.into_iter().map(|(_, r)| r).collect()
    }
}

fn count(c: &mut Counters, counting: Counting) {
    c.matches += 1;
    match counting {
        Counting::Hostile => c.hostile += 1,
        Counting::Reported => c.reported += 1,
        Counting::Discounted => c.discounted += 1,
        Counting::Reference => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Pseudonymiser;
    use crate::signal::Modifiers;
    use chrono::Utc;
    use std::borrow::Cow;

    fn doc(region: &str, day: u32, author: &str) -> Document<'static> {
        Document {
            id: Cow::Borrowed("x"),
            text: Cow::Borrowed(""),
            lang: Some(Cow::Borrowed("en")),
            region: Some(Cow::Owned(region.into())),
            timestamp: Utc::now(),
            date: NaiveDate::from_ymd_opt(2026, 10, day).unwrap(),
            source: Cow::Borrowed("x"),
            author: Some(Pseudonymiser::new(b"k").pseudonymise(author)),
            reach: 10,
            location: None,
            speaker_type: None,
            lossy: false,
        }
    }

    fn signal(category: Category, target: Option<&str>, counting: Counting) -> Signal {
        Signal {
            category,
            target: target.map(String::from),
            severity: 2,
            rule: "r".into(),
            term: "t".into(),
            span: (0, 1),
            modifiers: Modifiers::NONE,
            counting,
        }
    }

    #[test]
    fn counts_and_merge_are_exact() {
        let cfg = AggregateConfig::default();
        let mut a = Aggregator::new(&cfg);
        let mut b = Aggregator::new(&cfg);
        let deh = signal(Category::Dehumanisation, Some("ethnicity:oru"), Counting::Hostile);
        a.add(&doc("XA-NO", 1, "u1"), &[deh.clone(), deh.clone()]);
        a.add(&doc("XA-NO", 1, "u2"), &[]);
        b.add(&doc("XA-NO", 1, "u1"), &[signal(Category::Dehumanisation, None, Counting::Reported)]);
        b.add(&doc("XA-SO", 1, "u3"), &[]);
        a.merge(b);
        assert_eq!(a.documents(), 4);
        let rows = a.rows();
        let find =
            |region: &str, cat: &str, target: &str| rows.iter().find(|r| r.region == region && r.category == cat && r.target == target).cloned().unwrap();
        let all = find("XA-NO", "all", "*");
        let counts = (all.docs, all.docs_flagged, all.docs_reported, all.matches, all.hostile, all.reported);
        assert_eq!(counts, (3, 1, 1, 3, 2, 1));
        assert_eq!((all.authors, all.reach, all.authors_seen, all.sources_seen, all.reach_seen), (1, 10, 2, 1, 30));
        let d = find("XA-NO", "dehumanisation", "*");
        assert_eq!((d.docs, d.docs_flagged, d.matches, d.hostile, d.reported, d.authors, d.reach), (3, 1, 3, 2, 1, 1, 10));
        let t = find("XA-NO", "dehumanisation", "ethnicity:oru");
        assert_eq!((t.docs_flagged, t.matches), (1, 2));
        assert_eq!(find("XA-SO", "all", "*").docs, 1);
        assert_eq!(rows[0].category, "all");
    }
}
