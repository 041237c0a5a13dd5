//! Aggregation: documents and their signals in, mergeable counters per
//! day × region × language × source × category × target out.
//!
//! Counters are plain sums plus exact sets of 64-bit digests for distinct
//! authors and sources, so partial aggregates from any number of chunks,
//! threads or machines merge exactly. Rows carry no text and no identity.
//!
//! Exact reposts (the same plain matching view of a text, on the same day,
//! in the same region, language and source row) count once in `docs`,
//! `docs_flagged` and the signal counts; `copies` and `copies_flagged` count
//! every copy, and reach, authors and sources add up over the copies. Two
//! ways to find the reposts: [`Aggregator::add_keyed`] keeps one 64-bit hash
//! per distinct text and row (≈ 16 bytes per distinct document, plus ≈ 60
//! bytes and 56 per touched row for a text with signals) so that partial
//! aggregates merge exactly (the batch API); [`Aggregator::add_deferred`]
//! keeps nothing per text and returns a line for a repost log that the run
//! sorts (on disk when large) and takes back at the end, so memory stays flat
//! (`tocsin run`). `[aggregate] dedup_reposts = false` turns it off. See
//! docs/SCHEMA.md.

// Aggregation keys are small and hashed for every document: foldhash instead of SipHash
// (SipHash was 4 % of a one-thread benchmark run). The keys come from the run, not from a party
// who could choose collisions, and the seed is still random per process.
use foldhash::{HashMap, HashSet, HashSetExt};

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
    /// [`stable_digest`] of each name (repost-log lines name their targets by digest).
    digests: Vec<u64>,
    ids: HashMap<String, u32>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.digests.push(stable_digest(s));
        self.ids.insert(s.to_string(), i);
        i
    }
}

/// Day, region, language, source (interned ids).
type BaseKey = (i32, u32, u32, u32);
/// Base key, category (index in `Category::ALL`, or `u8::MAX` for all), target (interned; `*` for totals).
type RowKey = (BaseKey, u8, u32);

const ALL_INDEX: u8 = u8::MAX;

/// The document-level counts one document adds to one row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    docs_flagged: u64,
    docs_reported: u64,
    matches: u64,
    hostile: u64,
    reported: u64,
    discounted: u64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.docs_flagged += o.docs_flagged;
        self.docs_reported += o.docs_reported;
        self.matches += o.matches;
        self.hostile += o.hostile;
        self.reported += o.reported;
        self.discounted += o.discounted;
    }

    /// Takes back a repost that two parts each counted as new.
    fn sub(&mut self, o: &Tally) {
        self.docs_flagged = self.docs_flagged.saturating_sub(o.docs_flagged);
        self.docs_reported = self.docs_reported.saturating_sub(o.docs_reported);
        self.matches = self.matches.saturating_sub(o.matches);
        self.hostile = self.hostile.saturating_sub(o.hostile);
        self.reported = self.reported.saturating_sub(o.reported);
        self.discounted = self.discounted.saturating_sub(o.discounted);
    }

    fn is_zero(&self) -> bool {
        *self == Tally::default()
    }
}

#[derive(Debug, Clone, Default)]
struct Counters {
    /// Counts of the distinct texts (a repost counts once).
    tally: Tally,
    /// Flagged documents, reposts included.
    copies_flagged: u64,
    /// Reach, authors and sources of the flagged documents, reposts included.
    reach: u64,
    authors: HashSet<u64>,
    sources: HashSet<u32>,
}

impl Counters {
    fn merge(&mut self, o: Counters, source_map: &[u32]) {
        self.tally.add(&o.tally);
        self.copies_flagged += o.copies_flagged;
        self.reach += o.reach;
        self.authors.extend(o.authors);
        self.sources.extend(o.sources.into_iter().map(|s| source_map[s as usize]));
    }
}

/// The repost key of a text: a 64-bit hash of its plain matching view
/// (NFKC-style folding, case fold, collapsed whitespace; see `normalize`), so
/// copies that differ only in case, spacing or accents count as one. The
/// hash is only compared within one run, never stored.
pub fn text_key(matching_view: &str) -> u64 {
    stable_digest(matching_view)
}

/// A digest that is the same in every part of a run (SipHash with fixed keys, unlike the
/// aggregator's tables): repost keys and repost-log lines built on different threads must agree.
fn stable_digest(value: impl std::hash::Hash) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// What one distinct text added to each row it touched, kept for texts with
/// signals only, so that a merge can take back a repost two parts both saw first.
type Contribution = Vec<(u8, u32, Tally)>;

/// The counters of a day, region, language and source, created (with its digest) when new.
fn seen_mut<'a>(docs: &'a mut HashMap<BaseKey, Seen>, names: &Interner, base: BaseKey) -> &'a mut Seen {
    docs.entry(base).or_insert_with(|| {
        let n = |i: u32| names.names[i as usize].as_str();
        Seen { digest: stable_digest((base.0, n(base.1), n(base.2), n(base.3))), ..Seen::default() }
    })
}

/// One document's line in a repost log ([`Aggregator::add_deferred`]): which distinct text it is and
/// what it added. Copies of a text have equal `text`; ordering puts them together.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepostEntry {
    /// Digest of the text's repost key within its day, region, language and source.
    pub text: u64,
    /// Digest of the day, region, language and source.
    pub base: u64,
    /// What the document added to each row it touched, rows with nothing added left out:
    /// category index (`u8::MAX` for `all`), target digest, and the tally
    /// (docs_flagged, docs_reported, matches, hostile, reported, discounted).
    pub added: Vec<(u8, u64, [u32; 6])>,
}

/// What the reposts in a repost log take back from an aggregate that counted every copy as new.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepostCorrections {
    /// Copies beyond the first, per day, region, language and source digest.
    pub docs: HashMap<u64, u64>,
    /// What those copies added, per (base digest, category index, target digest).
    pub rows: HashMap<(u64, u8, u64), [u64; 6]>,
}

/// Finds the reposts in repost-log entries that arrive sorted ([`RepostEntry`]'s order): of the
/// copies of a text, the first (the smallest entry, so the result does not depend on the order
/// documents were read in) counts; the others are taken back.
#[derive(Debug, Default)]
pub struct RepostFinder {
    last: Option<u64>,
    corrections: RepostCorrections,
}

impl RepostFinder {
    /// Takes the next entry in sorted order.
    pub fn push(&mut self, e: &RepostEntry) {
        if self.last != Some(e.text) {
            self.last = Some(e.text);
            return;
        }
        *self.corrections.docs.entry(e.base).or_default() += 1;
        for &(cat, target, tally) in &e.added {
            let row = self.corrections.rows.entry((e.base, cat, target)).or_default();
            for (r, t) in row.iter_mut().zip(tally) {
                *r += t as u64;
            }
        }
    }

    /// What to take back.
    pub fn finish(self) -> RepostCorrections {
        self.corrections
    }
}

/// Mergeable counters of one part of a run.
#[derive(Debug, Clone, Default)]
pub struct Aggregator {
    keys: Vec<AggregateKey>,
    dedup: bool,
    names: Interner,
    docs: HashMap<BaseKey, Seen>,
    rows: HashMap<RowKey, Counters>,
    contributions: HashMap<(BaseKey, u64), Contribution>,
}

/// What was seen of every document of a day, region, language and source.
#[derive(Debug, Clone, Default)]
struct Seen {
    /// Distinct texts (documents, a repost counted once).
    docs: u64,
    /// Documents, reposts included.
    copies: u64,
    reach: u64,
    authors: HashSet<u64>,
    sources: HashSet<u32>,
    /// Repost keys of the texts seen: 8 bytes each plus the table's overhead (in-memory deduplication only).
    texts: HashSet<u64>,
    /// [`stable_digest`] of this day and the names of its region, language and source (for repost logs).
    digest: u64,
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
    /// Documents seen for this day, region, language and source (an exact repost counts once).
    pub docs: i64,
    /// Documents with at least one signal of this category that counts as hostile (an exact repost counts once).
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
    /// Distinct authors of the flagged documents (reposts included).
    pub authors: i64,
    /// Distinct sources of the flagged documents (reposts included).
    pub sources: i64,
    /// Summed reach of the flagged documents (reposts included).
    pub reach: i64,
    /// Distinct authors of all documents seen for this day, region, language and source.
    pub authors_seen: i64,
    /// Distinct sources of all documents seen.
    pub sources_seen: i64,
    /// Summed reach of all documents seen.
    pub reach_seen: i64,
    /// Documents seen, every repost counted (`copies - docs` reposts).
    pub copies: i64,
    /// Flagged documents, every repost counted.
    pub copies_flagged: i64,
}

impl Aggregator {
    /// An empty aggregator keeping these keys.
    pub fn new(config: &AggregateConfig) -> Self {
        let mut a = Aggregator { keys: config.keys.clone(), dedup: config.dedup_reposts, ..Default::default() };
        a.names.id(ANY);
        a
    }

    fn keeps(&self, k: AggregateKey) -> bool {
        self.keys.contains(&k)
    }

    /// Adds one document and its signals (computing its repost key from the text).
    pub fn add(&mut self, doc: &Document<'_>, signals: &[Signal]) {
        let key = text_key(crate::normalize::MatchingView::plain(&doc.text).text());
        self.add_keyed(doc, signals, key);
    }

    /// Adds one document and its signals; `key` is [`text_key`] of its plain matching view.
    ///
    /// A text already seen in the same day, region, language and source is a
    /// repost: it adds to `copies`, `copies_flagged`, reach, authors and
    /// sources, but not to `docs`, `docs_flagged` or the signal counts.
    pub fn add_keyed(&mut self, doc: &Document<'_>, signals: &[Signal], key: u64) {
        self.add_counted(doc, signals, key, false);
    }

    /// Adds one document as if its text were new, and returns its line for a repost log
    /// (`None` when reposts are not deduplicated). Nothing is kept per text, so memory does not
    /// grow with the night: the caller collects the lines (spilling them to disk when they are
    /// many, see `sink::reposts`), finds the reposts among them with [`RepostFinder`], and takes
    /// them back with [`Aggregator::take_back`]. The rows are then those of [`Aggregator::add_keyed`].
    /// Use one way or the other for a whole run: the two do not mix.
    pub fn add_deferred(&mut self, doc: &Document<'_>, signals: &[Signal], key: u64) -> Option<RepostEntry> {
        self.add_counted(doc, signals, key, true)
    }

    fn add_counted(&mut self, doc: &Document<'_>, signals: &[Signal], key: u64, deferred: bool) -> Option<RepostEntry> {
        let day = doc.date.num_days_from_ce();
        let region = if self.keeps(AggregateKey::Region) { self.names.id(doc.region.as_deref().unwrap_or(UNKNOWN_REGION)) } else { 0 };
        let lang = if self.keeps(AggregateKey::Lang) { self.names.id(doc.lang.as_deref().unwrap_or(UNKNOWN_LANG)) } else { 0 };
        let source_id = self.names.id(&doc.source);
        let source = if self.keeps(AggregateKey::Source) { source_id } else { 0 };
        let base: BaseKey = (day, region, lang, source);
        let author = doc.author.map(|a| a.short());
        let seen = seen_mut(&mut self.docs, &self.names, base);
        seen.copies += 1;
        seen.reach += doc.reach;
        seen.authors.extend(author);
        seen.sources.insert(source_id);
        let base_hash = seen.digest;
        let unique = !self.dedup || deferred || seen.texts.insert(key);
        seen.docs += unique as u64;

        // The rows this document touches: the `all` row first, then each (category, target) once.
        let flagged = signals.iter().any(|s| s.counting == Counting::Hostile);
        let mut all =
            Tally { docs_flagged: flagged as u64, docs_reported: signals.iter().any(|s| s.counting == Counting::Reported) as u64, ..Tally::default() };
        for s in signals.iter().filter(|s| s.category.is_hostile()) {
            count(&mut all, s.counting);
        }
        let mut touched: Vec<(u8, u32, Tally, bool)> = vec![(ALL_INDEX, 0, all, flagged)];
        let keep_target = self.keeps(AggregateKey::Target);
        for s in signals {
            let cat = s.category.index() as u8;
            let targets = [Some(0u32), if keep_target { s.target.as_deref().map(|t| self.names.id(t)) } else { None }];
            for t in targets.into_iter().flatten() {
                let i = match touched.iter().position(|x| x.0 == cat && x.1 == t) {
                    Some(i) => i,
                    None => {
                        touched.push((cat, t, Tally::default(), false));
                        touched.len() - 1
                    }
                };
                let row = &mut touched[i];
                count(&mut row.2, s.counting);
                row.3 |= s.counting == Counting::Hostile || s.counting == Counting::Reference;
                row.2.docs_reported |= (s.counting == Counting::Reported) as u64;
            }
        }
        for (_, _, tally, hostile) in touched.iter_mut().skip(1) {
            tally.docs_flagged = *hostile as u64;
        }
        for (cat, t, tally, hostile) in &touched {
            let c = self.rows.entry((base, *cat, *t)).or_default();
            if unique {
                c.tally.add(tally);
            }
            if *hostile {
                c.copies_flagged += 1;
                c.reach += doc.reach;
                c.authors.extend(author);
                c.sources.insert(source_id);
            }
        }
        if !self.dedup {
            return None;
        }
        if deferred {
            let added = touched.iter().filter(|x| !x.2.is_zero()).map(|&(c, t, tally, _)| (c, self.names.digests[t as usize], tally.to_small())).collect();
            return Some(RepostEntry { text: stable_digest((base_hash, key)), base: base_hash, added });
        }
        let kept: Contribution = touched.into_iter().filter(|x| !x.2.is_zero()).map(|(c, t, tally, _)| (c, t, tally)).collect();
        if !kept.is_empty() {
            self.contributions.insert((base, key), kept);
        }
        None
    }

    /// Takes back the reposts a repost log found (see [`Aggregator::add_deferred`]): each copy beyond
    /// the first of a text leaves `docs` and the tallies it added, as if it had been seen as a repost.
    pub fn take_back(&mut self, reposts: &RepostCorrections) {
        for seen in self.docs.values_mut() {
            if let Some(n) = reposts.docs.get(&seen.digest) {
                seen.docs = seen.docs.saturating_sub(*n);
            }
        }
        if reposts.rows.is_empty() {
            return;
        }
        let digests = &self.names.digests;
        let bases: HashMap<BaseKey, u64> = self.docs.iter().map(|(k, s)| (*k, s.digest)).collect();
        for (&(base, cat, t), c) in self.rows.iter_mut() {
            let Some(&b) = bases.get(&base) else { continue };
            if let Some(tally) = reposts.rows.get(&(b, cat, digests[t as usize])) {
                c.tally.sub(&Tally::from_array(*tally));
            }
        }
    }

    /// Merges another part into this one. A text both parts counted as new
    /// counts once: the other part's contribution is taken back, so the result
    /// does not depend on how documents were split between parts.
    pub fn merge(&mut self, other: Aggregator) {
        let map: Vec<u32> = other.names.names.iter().map(|n| self.names.id(n)).collect();
        let remap = |k: BaseKey| (k.0, map[k.1 as usize], map[k.2 as usize], map[k.3 as usize]);
        let mut overlaps: HashSet<(BaseKey, u64)> = HashSet::new();
        for (k, n) in other.docs {
            let k = remap(k);
            let seen = seen_mut(&mut self.docs, &self.names, k);
            seen.docs += n.docs;
            seen.copies += n.copies;
            seen.reach += n.reach;
            seen.authors.extend(n.authors);
            seen.sources.extend(n.sources.into_iter().map(|s| map[s as usize]));
            for h in n.texts {
                if !seen.texts.insert(h) {
                    seen.docs -= 1;
                    overlaps.insert((k, h));
                }
            }
        }
        for ((k, cat, t), c) in other.rows {
            self.rows.entry((remap(k), cat, map[t as usize])).or_default().merge(c, &map);
        }
        for ((k, h), contribution) in other.contributions {
            let key = (remap(k), h);
            let contribution: Contribution = contribution.into_iter().map(|(c, t, tally)| (c, map[t as usize], tally)).collect();
            if overlaps.contains(&key) {
                for (cat, t, tally) in &contribution {
                    if let Some(row) = self.rows.get_mut(&(key.0, *cat, *t)) {
                        row.tally.sub(tally);
                    }
                }
            } else {
                self.contributions.insert(key, contribution);
            }
        }
    }

    /// Number of documents counted (an exact repost once).
    pub fn documents(&self) -> u64 {
        self.docs.values().map(|s| s.docs).sum()
    }

    /// Number of documents counted, every repost included.
    pub fn copies(&self) -> u64 {
        self.docs.values().map(|s| s.copies).sum()
    }

    /// The rows, sorted by date, region, language, source, category order, target.
    pub fn rows(&self) -> Vec<SeriesRow> {
        let name = |i: u32| self.names.names[i as usize].clone();
        let empty = Seen::default();
        let mut out: Vec<(RowKey, SeriesRow)> = self
            .rows
            .iter()
            .map(|(&(base, cat, t), c)| {
                let seen = self.docs.get(&base).unwrap_or(&empty);
                let category = if cat == ALL_INDEX { ALL_CATEGORIES.to_string() } else { Category::ALL[cat as usize].as_str().to_string() };
                let row = SeriesRow {
                    date: NaiveDate::from_num_days_from_ce_opt(base.0).expect("valid day"),
                    region: name(base.1),
                    lang: name(base.2),
                    source: name(base.3),
                    category,
                    target: name(t),
                    docs: seen.docs as i64,
                    docs_flagged: c.tally.docs_flagged as i64,
                    docs_reported: c.tally.docs_reported as i64,
                    matches: c.tally.matches as i64,
                    hostile: c.tally.hostile as i64,
                    reported: c.tally.reported as i64,
                    discounted: c.tally.discounted as i64,
                    authors: c.authors.len() as i64,
                    sources: c.sources.len() as i64,
                    reach: c.reach.min(i64::MAX as u64) as i64,
                    authors_seen: seen.authors.len() as i64,
                    sources_seen: seen.sources.len() as i64,
                    reach_seen: seen.reach.min(i64::MAX as u64) as i64,
                    copies: seen.copies as i64,
                    copies_flagged: c.copies_flagged as i64,
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

/// What an entry of a serialised partial aggregate holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryKind {
    /// Every document of a day, region, language and source: `docs`, `copies`, `reach`, `authors`, `sources`, and the repost keys in `texts`.
    Seen,
    /// One row's counters: the tally, `copies_flagged`, `reach`, `authors`, `sources` of the flagged documents.
    Row,
    /// What the distinct text `text_key` added to one row (kept so a merge can take back a repost two parts both counted).
    Contribution,
}

impl EntryKind {
    /// The name written to the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Seen => "seen",
            EntryKind::Row => "row",
            EntryKind::Contribution => "contribution",
        }
    }

    /// Parses a `kind` value.
    pub fn parse(s: &str) -> Option<EntryKind> {
        [EntryKind::Seen, EntryKind::Row, EntryKind::Contribution].into_iter().find(|k| k.as_str() == s)
    }
}

/// One entry of an aggregator's state, with names instead of interned ids:
/// the exact, serialisable form of a partial aggregate ([`Aggregator::entries`],
/// [`Aggregator::from_entries`]). Distinct counts travel as their sets of
/// 64-bit digests, so merging is exact, not a sketch.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct StateEntry {
    /// What the entry holds (`None` only in a default value).
    pub kind: Option<EntryKind>,
    /// Local day.
    pub date: NaiveDate,
    /// Region (or `*` when not kept).
    pub region: String,
    /// Language (or `*`).
    pub lang: String,
    /// Source (or `*`).
    pub source: String,
    /// Category (`all` or a category name); `None` on `Seen`.
    pub category: Option<String>,
    /// Target (`*` for the category total); `None` on `Seen`.
    pub target: Option<String>,
    /// Repost key of the text (`Contribution` only).
    pub text_key: Option<u64>,
    /// Distinct texts (`Seen`).
    pub docs: u64,
    /// Documents, reposts included (`Seen`).
    pub copies: u64,
    /// Summed reach (`Seen`: every document; `Row`: the flagged ones).
    pub reach: u64,
    /// The tally: docs_flagged, docs_reported, matches, hostile, reported, discounted (`Row`, `Contribution`).
    pub tally: [u64; 6],
    /// Flagged documents, reposts included (`Row`).
    pub copies_flagged: u64,
    /// Author digests, sorted (`Seen`, `Row`).
    pub authors: Vec<u64>,
    /// Source names, sorted (`Seen`, `Row`).
    pub sources: Vec<String>,
    /// Repost keys of the texts seen, sorted (`Seen`).
    pub texts: Vec<u64>,
}

impl Tally {
    fn to_array(self) -> [u64; 6] {
        [self.docs_flagged, self.docs_reported, self.matches, self.hostile, self.reported, self.discounted]
    }

    /// One document's tally, small enough for `u32` (a repost-log line).
    fn to_small(self) -> [u32; 6] {
        self.to_array().map(|v| v.min(u32::MAX as u64) as u32)
    }

    fn from_array(a: [u64; 6]) -> Tally {
        Tally { docs_flagged: a[0], docs_reported: a[1], matches: a[2], hostile: a[3], reported: a[4], discounted: a[5] }
    }
}

fn category_name(cat: u8) -> String {
    if cat == ALL_INDEX {
        ALL_CATEGORIES.to_string()
    } else {
        Category::ALL[cat as usize].as_str().to_string()
    }
}

fn category_index(name: &str) -> Option<u8> {
    if name == ALL_CATEGORIES {
        Some(ALL_INDEX)
    } else {
        Category::parse(name).map(|c| c.index() as u8)
    }
}

/// Why a serialised partial aggregate cannot be read back.
#[derive(Debug, thiserror::Error)]
#[error("partial aggregate entry {entry}: {message}")]
pub struct StateError {
    /// Index of the entry.
    pub entry: usize,
    /// What is wrong.
    pub message: String,
}

impl Aggregator {
    /// The whole state as entries, sorted, so equal states give equal entries.
    ///
    /// Repost keys are [`text_key`] digests: entries merge only with entries
    /// made by the same tocsin build.
    pub fn entries(&self) -> Vec<StateEntry> {
        let name = |i: u32| self.names.names[i as usize].clone();
        let sorted = |v: &HashSet<u64>| {
            let mut v: Vec<u64> = v.iter().copied().collect();
            v.sort_unstable();
            v
        };
        let names = |v: &HashSet<u32>| {
            let mut v: Vec<String> = v.iter().map(|&i| name(i)).collect();
            v.sort();
            v
        };
        let base = |kind: EntryKind, k: BaseKey| StateEntry {
            kind: Some(kind),
            date: NaiveDate::from_num_days_from_ce_opt(k.0).expect("valid day"),
            region: name(k.1),
            lang: name(k.2),
            source: name(k.3),
            ..StateEntry::default()
        };
        let mut out = Vec::with_capacity(self.docs.len() + self.rows.len() + self.contributions.len());
        for (&k, seen) in &self.docs {
            out.push(StateEntry {
                docs: seen.docs,
                copies: seen.copies,
                reach: seen.reach,
                authors: sorted(&seen.authors),
                sources: names(&seen.sources),
                texts: sorted(&seen.texts),
                ..base(EntryKind::Seen, k)
            });
        }
        for (&(k, cat, t), c) in &self.rows {
            out.push(StateEntry {
                category: Some(category_name(cat)),
                target: Some(name(t)),
                reach: c.reach,
                tally: c.tally.to_array(),
                copies_flagged: c.copies_flagged,
                authors: sorted(&c.authors),
                sources: names(&c.sources),
                ..base(EntryKind::Row, k)
            });
        }
        for (&(k, h), contribution) in &self.contributions {
            for &(cat, t, tally) in contribution {
                out.push(StateEntry {
                    category: Some(category_name(cat)),
                    target: Some(name(t)),
                    text_key: Some(h),
                    tally: tally.to_array(),
                    ..base(EntryKind::Contribution, k)
                });
            }
        }
        out.sort_unstable();
        out
    }

    /// The aggregator whose [`Aggregator::entries`] these are (one part's
    /// entries; merge parts with [`Aggregator::merge`]). It keeps the keys of
    /// `config`; only merging and [`Aggregator::rows`] need none.
    pub fn from_entries(config: &AggregateConfig, entries: &[StateEntry]) -> Result<Aggregator, StateError> {
        let mut a = Aggregator::new(config);
        for (i, e) in entries.iter().enumerate() {
            let err = |message: String| StateError { entry: i, message };
            let base: BaseKey = (e.date.num_days_from_ce(), a.names.id(&e.region), a.names.id(&e.lang), a.names.id(&e.source));
            let row_key = |a: &mut Aggregator| -> Result<(u8, u32), StateError> {
                let cat = e.category.as_deref().ok_or_else(|| err("no category".into()))?;
                let cat = category_index(cat).ok_or_else(|| err(format!("unknown category `{cat}`")))?;
                let target = e.target.as_deref().ok_or_else(|| err("no target".into()))?;
                Ok((cat, a.names.id(target)))
            };
            match e.kind {
                Some(EntryKind::Seen) => {
                    let sources: Vec<u32> = e.sources.iter().map(|s| a.names.id(s)).collect();
                    let seen = seen_mut(&mut a.docs, &a.names, base);
                    seen.docs += e.docs;
                    seen.copies += e.copies;
                    seen.reach += e.reach;
                    seen.authors.extend(&e.authors);
                    seen.sources.extend(sources);
                    seen.texts.extend(&e.texts);
                }
                Some(EntryKind::Row) => {
                    let (cat, t) = row_key(&mut a)?;
                    let sources: Vec<u32> = e.sources.iter().map(|s| a.names.id(s)).collect();
                    let c = a.rows.entry((base, cat, t)).or_default();
                    c.tally.add(&Tally::from_array(e.tally));
                    c.copies_flagged += e.copies_flagged;
                    c.reach += e.reach;
                    c.authors.extend(&e.authors);
                    c.sources.extend(sources);
                }
                Some(EntryKind::Contribution) => {
                    let (cat, t) = row_key(&mut a)?;
                    let h = e.text_key.ok_or_else(|| err("a contribution without its text key".into()))?;
                    a.contributions.entry((base, h)).or_default().push((cat, t, Tally::from_array(e.tally)));
                }
                None => return Err(err("no kind".into())),
            }
        }
        Ok(a)
    }
}

/// Sorts time series rows the way [`Aggregator::rows`] returns them: by date,
/// region, language, source, then the `all` row and the categories in
/// [`Category::ALL`] order, then target. Rows merged elsewhere (a cluster)
/// are written in the order a single run writes them.
pub fn sort_rows(rows: &mut [SeriesRow]) {
    let cat = |r: &SeriesRow| category_index(&r.category).map_or(u16::MAX, |c| (c as u16 + 1) & 0xff);
    rows.sort_by(|a, b| {
        (a.date, &a.region, &a.lang, &a.source).cmp(&(b.date, &b.region, &b.lang, &b.source)).then(cat(a).cmp(&cat(b))).then(a.target.cmp(&b.target))
    });
}

fn count(c: &mut Tally, counting: Counting) {
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

    fn doc(region: &str, day: u32, author: &str, text: &str) -> Document<'static> {
        Document {
            id: Cow::Borrowed("x"),
            text: Cow::Owned(text.into()),
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
        a.add(&doc("XA-NO", 1, "u1", "one"), &[deh.clone(), deh.clone()]);
        a.add(&doc("XA-NO", 1, "u2", "two"), &[]);
        b.add(&doc("XA-NO", 1, "u1", "three"), &[signal(Category::Dehumanisation, None, Counting::Reported)]);
        b.add(&doc("XA-SO", 1, "u3", "four"), &[]);
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

    #[test]
    fn exact_reposts_count_once_and_their_reach_adds_up() {
        let mut a = Aggregator::new(&AggregateConfig::default());
        let deh = signal(Category::Dehumanisation, Some("ethnicity:oru"), Counting::Hostile);
        // The same text three times (case and spacing differ), by three authors, and one other text.
        a.add(&doc("XA-NO", 1, "u1", "They are vermin"), std::slice::from_ref(&deh));
        a.add(&doc("XA-NO", 1, "u2", "they  are VERMIN"), std::slice::from_ref(&deh));
        a.add(&doc("XA-NO", 1, "u3", "They are vermin"), std::slice::from_ref(&deh));
        a.add(&doc("XA-NO", 1, "u4", "Good morning"), &[]);
        // The same text on another day, or in another region, is not a repost.
        a.add(&doc("XA-NO", 2, "u1", "They are vermin"), std::slice::from_ref(&deh));
        a.add(&doc("XA-SO", 1, "u1", "They are vermin"), std::slice::from_ref(&deh));
        assert_eq!((a.documents(), a.copies()), (4, 6));
        let rows = a.rows();
        let find = |day: &str, region: &str, cat: &str, target: &str| {
            rows.iter().find(|r| r.date.to_string() == day && r.region == region && r.category == cat && r.target == target).cloned().unwrap()
        };
        let all = find("2026-10-01", "XA-NO", "all", "*");
        assert_eq!((all.docs, all.copies, all.docs_flagged, all.copies_flagged, all.matches, all.hostile), (2, 4, 1, 3, 1, 1));
        assert_eq!((all.reach, all.authors, all.reach_seen, all.authors_seen), (30, 3, 40, 4));
        let t = find("2026-10-01", "XA-NO", "dehumanisation", "ethnicity:oru");
        assert_eq!((t.docs, t.copies, t.docs_flagged, t.copies_flagged, t.matches, t.reach, t.authors), (2, 4, 1, 3, 1, 30, 3));
        assert_eq!((find("2026-10-02", "XA-NO", "all", "*").docs, find("2026-10-01", "XA-SO", "all", "*").docs), (1, 1));

        // Turned off, every copy counts.
        let mut b = Aggregator::new(&AggregateConfig { dedup_reposts: false, ..AggregateConfig::default() });
        for u in ["u1", "u2"] {
            b.add(&doc("XA-NO", 1, u, "They are vermin"), std::slice::from_ref(&deh));
        }
        let all = b.rows().into_iter().find(|r| r.category == "all").unwrap();
        assert_eq!((all.docs, all.copies, all.docs_flagged, all.copies_flagged, all.matches), (2, 2, 2, 2, 2));
    }

    #[test]
    fn state_entries_round_trip_and_merge_exactly() {
        let deh = signal(Category::Dehumanisation, Some("ethnicity:oru"), Counting::Hostile);
        let cfg = AggregateConfig::default();
        let (mut a, mut b, mut whole) = (Aggregator::new(&cfg), Aggregator::new(&cfg), Aggregator::new(&cfg));
        let docs = [("u1", "they are vermin", true), ("u2", "They are vermin", true), ("u3", "hello", false), ("u4", "they are vermin", true)];
        for (i, (u, text, hostile)) in docs.iter().enumerate() {
            let s = if *hostile { vec![deh.clone()] } else { vec![] };
            whole.add(&doc("XA-NO", 1, u, text), &s);
            if i % 2 == 0 { &mut a } else { &mut b }.add(&doc("XA-NO", 1, u, text), &s);
        }
        let a2 = Aggregator::from_entries(&cfg, &a.entries()).unwrap();
        assert_eq!(a2.entries(), a.entries());
        assert_eq!(a2.rows(), a.rows());
        let mut m = Aggregator::from_entries(&cfg, &b.entries()).unwrap();
        m.merge(a2);
        assert_eq!(m.rows(), whole.rows());
        let mut shuffled = whole.rows();
        shuffled.reverse();
        sort_rows(&mut shuffled);
        assert_eq!(shuffled, whole.rows());
        let mut bad = a.entries();
        bad[0].kind = None;
        assert!(Aggregator::from_entries(&cfg, &bad).is_err());
    }

    /// Three copies of a hostile text, two of a reported one, two of a neutral one; then two look-alikes on another day and in another region.
    fn reposted_docs() -> Vec<(Document<'static>, Vec<Signal>)> {
        let deh = signal(Category::Dehumanisation, Some("ethnicity:oru"), Counting::Hostile);
        let rep = signal(Category::ViolenceCall, None, Counting::Reported);
        vec![
            (doc("XA-NO", 1, "u1", "they are vermin"), vec![deh.clone()]),
            (doc("XA-NO", 1, "u2", "They are vermin"), vec![deh.clone()]),
            (doc("XA-NO", 1, "u3", "they are vermin"), vec![deh.clone()]),
            (doc("XA-NO", 1, "u1", "she said: kill them"), vec![rep.clone(), deh.clone()]),
            (doc("XA-NO", 1, "u4", "she said: kill them"), vec![rep.clone(), deh.clone()]),
            (doc("XA-NO", 1, "u5", "hello"), vec![]),
            (doc("XA-NO", 1, "u6", "hello"), vec![]),
            // Not reposts of the above: another day, another region.
            (doc("XA-NO", 2, "u6", "hello"), vec![]),
            (doc("XA-SO", 1, "u6", "they are vermin"), vec![deh.clone()]),
        ]
    }

    #[test]
    fn reposts_found_in_a_log_are_taken_back_to_the_in_memory_rows() {
        let docs = reposted_docs();
        let cfg = AggregateConfig::default();
        let mut whole = Aggregator::new(&cfg);
        for (d, s) in &docs {
            whole.add(d, s);
        }
        let want = whole.rows();
        // Deferred, every copy first counts as new.
        let mut counted = Aggregator::new(&cfg);
        for (d, s) in &docs {
            counted.add_deferred(d, s, text_key(crate::normalize::MatchingView::plain(&d.text).text()));
        }
        assert_ne!(counted.rows(), want);
        // Dealt to two parts in every way, merged, the log's reposts taken back: the in-memory rows.
        for split in 0..2usize.pow(docs.len() as u32) {
            let mut parts = [Aggregator::new(&cfg), Aggregator::new(&cfg)];
            let mut log = Vec::new();
            for (i, (d, s)) in docs.iter().enumerate() {
                let key = text_key(crate::normalize::MatchingView::plain(&d.text).text());
                log.extend(parts[(split >> i) & 1].add_deferred(d, s, key));
            }
            assert_eq!(log.len(), docs.len());
            let [mut a, b] = parts;
            a.merge(b);
            log.sort();
            let mut finder = RepostFinder::default();
            for e in &log {
                finder.push(e);
            }
            a.take_back(&finder.finish());
            assert_eq!(a.rows(), want, "split {split}");
        }
        // Without deduplication there is no log.
        let mut off = Aggregator::new(&AggregateConfig { dedup_reposts: false, ..AggregateConfig::default() });
        assert!(off.add_deferred(&docs[0].0, &docs[0].1, 1).is_none());
    }

    #[test]
    fn reposts_split_across_parts_merge_exactly_in_any_split_and_order() {
        let docs = reposted_docs()[..7].to_vec();
        let cfg = AggregateConfig::default();
        let mut whole = Aggregator::new(&cfg);
        for (d, s) in &docs {
            whole.add(d, s);
        }
        let want = whole.rows();
        assert_eq!(want.iter().find(|r| r.category == "all").map(|r| (r.docs, r.copies, r.docs_flagged, r.docs_reported)), Some((3, 7, 2, 1)));
        // Every way of dealing the documents to three parts, merged in two orders.
        for split in 0..3usize.pow(docs.len() as u32) {
            let mut parts = [Aggregator::new(&cfg), Aggregator::new(&cfg), Aggregator::new(&cfg)];
            let mut code = split;
            for (d, s) in &docs {
                parts[code % 3].add(d, s);
                code /= 3;
            }
            let [p0, p1, p2] = parts;
            let (mut x, mut y) = (p0.clone(), p2.clone());
            x.merge(p1.clone());
            x.merge(p2);
            y.merge(p1);
            y.merge(p0);
            assert_eq!(x.rows(), want, "split {split}");
            assert_eq!(y.rows(), want, "split {split}, other order");
        }
    }
}
