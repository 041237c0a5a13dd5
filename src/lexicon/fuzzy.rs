//! Fuzzy matching: lexicon words written with a typo (a letter dropped, two
//! letters swapped, a letter added or doubled) and words glued together
//! ("killallthe", "justpathetic").
//!
//! The exact automata find what is written; this index reads only the words
//! they left alone. A word that is one edit away from a lexicon word of the
//! document's language is rewritten to it; a word that splits into known
//! words, one of them a lexicon word, is split. The rewritten copy of the
//! text is searched with the same automata, and what is found there through a
//! rewritten word becomes a hit on the original word (on its letters, for a
//! piece of a glued word), marked obfuscated: the evidence quotes what the
//! author wrote.
//!
//! Guards, because a real word must never be "corrected" into a slur:
//! - only languages whose pack turns it on (`[[fuzzy]]` in its `rules.toml`);
//! - only Latin, Cyrillic and Greek letters (a typo model for alphabets; not
//!   for scripts written without spaces, abugidas or Arabic roots);
//! - a word that is known is left alone: every word of every lexicon form, and
//!   in the document's language every word of its cues and pronoun phrases
//!   and of the pack's `words.txt` (function words, and the real words of a
//!   dictionary that lie one edit from a lexicon word or split into lexicon
//!   words: `tocsin lexicon fuzzy-check` lists them);
//! - targets of at least 5 letters (4-letter words only by a swap that keeps
//!   the first letter, "klil", "haet"); a dropped letter only from words of 6
//!   letters or more, a substitution only in words of 8 letters or more;
//!   function words of phrases are no targets;
//! - the first letter is never dropped, added, replaced or swapped ("George"
//!   is not a misspelt "égorge"), nor the last dropped, added or replaced
//!   (word endings carry inflection: "Algérie" is not a misspelt "algérien");
//! - a glued word is split into at most four known words of the document's
//!   language (a one-letter word only at the start and when `words.txt` lists
//!   it), one of them a hostile lexicon word (of 3 letters only in a split in
//!   two, "todie"); one unknown piece of 4 letters or more may stand
//!   at its start or end when the hostile word is a term of its own of 5
//!   letters or more ("massivescumbags"). Group names alone are not enough.
//!
//! The per-word work is a handful of look-ups of rolling hashes (the deletion
//! neighbourhood of SymSpell, computed without building strings), so words
//! cost a few tens of nanoseconds; the second search runs only on the rare
//! texts where something was rewritten.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::{CompiledLexicon, Entry, Hit, MatchMode};
use crate::normalize::{is_word_char, script_of, MatchingView, Script};
use crate::signal::Category;

/// Longest word (in characters) the index looks at.
const MAX_CHARS: usize = 40;
/// Longest piece of a glued word.
const MAX_PIECE: usize = 24;
/// Words searched on either side of a rewritten word (phrases are at most a few words long).
const WINDOW_WORDS: usize = 10;
/// Most pieces a glued word is split into ("personneslesplusstupides").
const MAX_PIECES: u8 = 4;
/// Shortest target of a dropped, added or swapped letter.
const MIN_TARGET: usize = 5;
/// Shortest target of a dropped letter (the written word has at least 5).
const MIN_DROP: usize = 6;
/// Shortest target of a substituted letter.
const MIN_SUBSTITUTION: usize = 8;
const BASE: u64 = 0x9E37_79B9_7F4A_7C15;

/// Slots of the per-thread cache of words left alone.
const MISS_SLOTS: usize = 8192;

thread_local! {
    /// Keys (mixed with the index and the language) of words recently left alone: a direct-mapped cache,
    /// so a frequent word costs one look-up after its first time.
    static MISSES: std::cell::RefCell<Box<[u64]>> = std::cell::RefCell::new(vec![0u64; MISS_SLOTS].into_boxed_slice());
}

/// Distinguishes indexes in the per-thread cache.
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Hasher for keys that are already well-mixed 64-bit hashes.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Map<V> = HashMap<u64, V, BuildHasherDefault<PassThrough>>;

/// The table key of a rolling hash and its length (a murmur finaliser).
fn key(h: u64, len: usize) -> u64 {
    let mut x = h ^ (len as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93);
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    x ^ (x >> 33)
}

/// Prefix hashes of a word: any substring, and the word without one letter, in O(1).
struct Rolling<'p> {
    prefix: &'p [u64],
    pow: &'p [u64],
}

/// Fills `buf` with the prefix hashes of `chars`.
fn prefixes(chars: &[char], buf: &mut Vec<u64>) {
    buf.clear();
    buf.push(0u64);
    let mut h = 0u64;
    for &c in chars {
        h = h.wrapping_mul(BASE).wrapping_add(u64::from(c) + 1);
        buf.push(h);
    }
}

impl<'p> Rolling<'p> {
    fn new(prefix: &'p [u64], pow: &'p [u64]) -> Self {
        Rolling { prefix, pow }
    }

    /// Key of a whole word (for building).
    fn key_of(chars: &[char], pow: &[u64]) -> u64 {
        let mut buf = Vec::with_capacity(chars.len() + 1);
        prefixes(chars, &mut buf);
        Rolling::new(&buf, pow).sub(0, chars.len())
    }

    fn len(&self) -> usize {
        self.prefix.len() - 1
    }

    /// Key of chars[i..j].
    fn sub(&self, i: usize, j: usize) -> u64 {
        key(self.prefix[j].wrapping_sub(self.prefix[i].wrapping_mul(self.pow[j - i])), j - i)
    }

    /// Key of the word without its letter at `i`.
    fn without(&self, i: usize) -> u64 {
        let n = self.len();
        let tail = self.prefix[n].wrapping_sub(self.prefix[i + 1].wrapping_mul(self.pow[n - i - 1]));
        key(self.prefix[i].wrapping_mul(self.pow[n - i - 1]).wrapping_add(tail), n - 1)
    }
}

/// What a known word can be, per language (bit masks over [`FuzzyIndex::langs`]).
#[derive(Debug, Clone, Copy, Default)]
struct Known {
    /// A word of some lexicon form, any language: never rewritten.
    lexical: bool,
    /// Languages where it is a word (never rewritten there, and a piece of glued words there).
    langs: u64,
    /// Languages where a one-letter word may be a piece ("i", "a", "à", "y"): listed in words.txt.
    letter: u64,
    /// Languages where the word belongs to a hostile lexicon form.
    hostile: u64,
    /// Languages where the word belongs to a group reference.
    group: u64,
    /// Languages where the word is a hostile lexicon form on its own ("scumbags", not "gorge" of "cut their gorge").
    term: u64,
}

/// A lexicon word that a misspelt word may be rewritten to.
#[derive(Debug, Clone)]
struct Target {
    chars: Box<[char]>,
    text: String,
    langs: u64,
}

/// A word as the index reads it.
#[derive(Debug, Clone)]
struct Rewrite {
    /// The lexicon word, or the pieces of a glued word separated by spaces.
    text: String,
    /// Pieces of a glued word: the same letters as written, with spaces between.
    split: bool,
}

/// How a written word differs from a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Edit {
    /// Two neighbouring letters swapped ("haet").
    Swap,
    /// A letter dropped ("disabld") or doubled ("killl").
    DropOrDouble,
    /// A letter added.
    Added,
    /// A letter replaced (long words only).
    Replaced,
}

/// A real word the index must know, with its language.
#[derive(Debug, Clone, Copy)]
pub struct KnownWord<'a> {
    /// Language code.
    pub lang: &'a str,
    /// The word (or a phrase, whose words are taken one by one).
    pub word: &'a str,
    /// From a pack's `words.txt`: a one-letter word there may be a piece of a glued word.
    pub listed: bool,
}

/// A language that has fuzzy matching, as turned on in a pack's `rules.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzyLang {
    /// Language code.
    pub lang: String,
    /// Whether glued words are split too (not for compounding languages such as German).
    pub split: bool,
}

/// The fuzzy index over a compiled lexicon.
#[derive(Debug, Clone)]
pub struct FuzzyIndex {
    /// Identity in the per-thread cache of words left alone.
    id: u64,
    langs: Vec<String>,
    split_mask: u64,
    known: Map<Known>,
    targets: Vec<Target>,
    /// Key of a target or of a target without one letter → range in `ids`.
    neighbours: Map<(u32, u32)>,
    ids: Vec<u32>,
    /// Bit set over the keys (mod 2^16) of the first three letters of the lexicon words that splitting looks for.
    piece_starts: Box<[u64; 1024]>,
    /// Filters before the `known` and `neighbours` tables.
    known_filter: KeyFilter,
    neighbour_filter: KeyFilter,
    pow: Vec<u64>,
}

fn alphabetic(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        matches!(script_of(c), Script::Latin | Script::Cyrillic | Script::Greek) && c.is_alphabetic()
    }
}

/// A bit set over 64-bit keys (one bit per key, 2^20 bits): a cheap "certainly absent"
/// before a hash-table probe, small enough to stay in cache when the tables do not.
#[derive(Debug, Clone)]
struct KeyFilter(Box<[u64]>);

impl KeyFilter {
    const BITS: u32 = 20;

    fn new() -> Self {
        KeyFilter(vec![0u64; 1 << (Self::BITS - 6)].into_boxed_slice())
    }

    fn slot(k: u64) -> (usize, u64) {
        let b = (k >> (64 - Self::BITS)) as usize;
        (b >> 6, 1 << (b & 63))
    }

    fn insert(&mut self, k: u64) {
        let (i, m) = Self::slot(k);
        self.0[i] |= m;
    }

    #[inline]
    fn may_contain(&self, k: u64) -> bool {
        let (i, m) = Self::slot(k);
        self.0[i] & m != 0
    }
}

fn words_of(normal: &str) -> impl Iterator<Item = &str> {
    normal.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty())
}

fn lang_base(l: &str) -> &str {
    l.split(['-', '_']).next().unwrap_or(l)
}

impl FuzzyIndex {
    /// Builds the index. `entries` are the lexicon's; `known` are other real
    /// words with their language (cues, pronoun phrases, `words.txt`); `langs`
    /// the languages that have fuzzy matching. `None` when no language has it.
    pub fn build<'a>(entries: &[Entry], known: impl IntoIterator<Item = KnownWord<'a>>, langs: &[FuzzyLang]) -> Option<FuzzyIndex> {
        if langs.is_empty() {
            return None;
        }
        let mut index = FuzzyIndex {
            id: key(NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed), 0),
            langs: langs.iter().map(|l| lang_base(&l.lang).to_string()).collect(),
            split_mask: 0,
            known: Map::default(),
            targets: Vec::new(),
            neighbours: Map::default(),
            ids: Vec::new(),
            piece_starts: Box::new([0u64; 1024]),
            known_filter: KeyFilter::new(),
            neighbour_filter: KeyFilter::new(),
            pow: Vec::new(),
        };
        index.langs.truncate(64);
        for (i, l) in langs.iter().enumerate().take(64) {
            if l.split {
                index.split_mask |= 1 << i;
            }
        }
        let mut p = 1u64;
        for _ in 0..=MAX_CHARS + 1 {
            index.pow.push(p);
            p = p.wrapping_mul(BASE);
        }
        let pow = index.pow.clone();
        let add_known = |index: &mut FuzzyIndex, word: &str, lexical: bool, langs: u64, letter: u64, hostile: u64, group: u64, term: u64| {
            let chars: Vec<char> = word.chars().collect();
            if chars.is_empty() || chars.len() > MAX_CHARS {
                return;
            }
            let k = Rolling::key_of(&chars, &pow);
            let e = index.known.entry(k).or_default();
            e.lexical |= lexical;
            e.langs |= langs;
            e.letter |= if chars.len() == 1 { letter } else { 0 };
            e.hostile |= hostile;
            e.group |= group;
            e.term |= term;
        };
        let mut function: std::collections::HashSet<String> = std::collections::HashSet::new();
        for k in known {
            let normal = MatchingView::plain(k.word).text().to_string();
            let mask = index.mask(Some(k.lang));
            for w in words_of(&normal) {
                add_known(&mut index, w, false, mask, if k.listed { mask } else { 0 }, 0, 0, 0);
                if k.listed {
                    function.insert(w.to_string());
                }
            }
        }
        let mut targets: HashMap<String, u64> = HashMap::new();
        for e in entries {
            let mask = index.mask(Some(&e.lang));
            for form in std::iter::once(&e.term).chain(&e.variants) {
                let normal = MatchingView::plain(form).text().to_string();
                let single = words_of(&normal).count() == 1;
                for w in words_of(&normal) {
                    // A hostile piece of a glued word: a one-word hostile form, or a word of 4+ letters of a hostile
                    // phrase that is not a function word ("hang" of "hang all", not "all" nor "serait").
                    let n = w.chars().count();
                    let hostile = e.category != Category::GroupReference && (single || (n >= 4 && !function.contains(w)));
                    let (hostile, group) = match e.category {
                        Category::GroupReference => (0, mask),
                        _ => (if hostile { mask } else { 0 }, 0),
                    };
                    let term = if single { hostile } else { 0 };
                    if e.exact {
                        // Matched as written: a known word, never what a typo or a glued word is read as.
                        add_known(&mut index, w, true, mask, 0, 0, 0, 0);
                        continue;
                    }
                    add_known(&mut index, w, true, mask, 0, hostile, group, term);
                    // Function words of phrases ("these", "should") are no targets: a typo there rarely hides anything.
                    if mask != 0 && e.mode != MatchMode::Substring && (4..=MAX_CHARS).contains(&n) && !function.contains(w) && w.chars().all(alphabetic) {
                        *targets.entry(w.to_string()).or_default() |= mask;
                    }
                }
            }
        }
        let mut targets: Vec<(String, u64)> = targets.into_iter().collect();
        targets.sort();
        let mut pairs: Vec<(u64, u32)> = Vec::new();
        for (id, (text, langs)) in targets.into_iter().enumerate() {
            let chars: Box<[char]> = text.chars().collect();
            let mut buf = Vec::new();
            prefixes(&chars, &mut buf);
            let r = Rolling::new(&buf, &index.pow);
            let n = chars.len();
            if n >= MIN_TARGET {
                pairs.push((r.sub(0, n), id as u32));
                for i in 0..n {
                    pairs.push((r.without(i), id as u32));
                }
            } else {
                // Four letters: only a swap of two inner letters is looked for ("klil").
                for i in 1..n - 1 {
                    let mut swapped = chars.to_vec();
                    swapped.swap(i, i + 1);
                    if swapped[..] != chars[..] {
                        pairs.push((Rolling::key_of(&swapped, &index.pow), id as u32));
                    }
                }
            }
            if langs & index.split_mask != 0 && index.known.get(&r.sub(0, n)).is_some_and(|k| k.hostile & index.split_mask != 0) {
                let start = r.sub(0, 3);
                index.set_piece_start(start);
            }
            index.targets.push(Target { chars, text, langs });
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut i = 0;
        while i < pairs.len() {
            let k = pairs[i].0;
            let start = index.ids.len() as u32;
            while i < pairs.len() && pairs[i].0 == k {
                index.ids.push(pairs[i].1);
                i += 1;
            }
            index.neighbours.insert(k, (start, index.ids.len() as u32 - start));
            index.neighbour_filter.insert(k);
        }
        for k in index.known.keys() {
            index.known_filter.insert(*k);
        }
        Some(index)
    }

    #[inline]
    fn known_get(&self, k: u64) -> Option<&Known> {
        if self.known_filter.may_contain(k) {
            self.known.get(&k)
        } else {
            None
        }
    }

    fn set_piece_start(&mut self, k: u64) {
        let bit = (k % 65536) as usize;
        self.piece_starts[bit / 64] |= 1 << (bit % 64);
    }

    fn has_piece_start(&self, k: u64) -> bool {
        let bit = (k % 65536) as usize;
        self.piece_starts[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// The language mask of a document language; every fuzzy language when unknown.
    fn mask(&self, lang: Option<&str>) -> u64 {
        match lang {
            None => u64::MAX,
            Some(l) => {
                let b = lang_base(l);
                self.langs.iter().position(|x| x == b).map_or(0, |i| 1 << i)
            }
        }
    }

    /// Number of lexicon words a misspelling may be rewritten to.
    pub fn target_count(&self) -> usize {
        self.targets.len()
    }

    /// Finds what the exact search missed: rewrites the words no hit covers, searches
    /// the rewritten text and adds its hits (marked obfuscated) on the original words.
    pub fn extend(&self, lexicon: &CompiledLexicon, plain: &MatchingView<'_>, lang: Option<&str>, hits: &mut Vec<Hit>) {
        let mask = self.mask(lang);
        if mask == 0 {
            return;
        }
        let text = plain.text();
        let mut rewrites: Vec<(usize, usize, Rewrite)> = Vec::new();
        let mut chars: Vec<char> = Vec::with_capacity(MAX_CHARS + 1);
        let mut buf: Vec<u64> = Vec::with_capacity(MAX_CHARS + 2);
        for_each_word(text, |start, end| {
            let n = end - start;
            if !(4..=4 * MAX_CHARS).contains(&n) {
                return;
            }
            chars.clear();
            for c in text[start..end].chars() {
                if chars.len() > MAX_CHARS || !alphabetic(c) {
                    return;
                }
                chars.push(c);
            }
            if chars.len() < 4 || chars.len() > MAX_CHARS {
                return;
            }
            if !hits.is_empty() {
                let (a, b) = plain.to_original(start, end);
                if hits.iter().any(|h| h.span.0 < b && a < h.span.1) {
                    return;
                }
            }
            prefixes(&chars, &mut buf);
            let r = Rolling::new(&buf, &self.pow);
            // Most words of a text are frequent words already looked at: remember the words left alone.
            let tag = r.sub(0, chars.len()) ^ self.id ^ mask.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let slot = (tag % MISS_SLOTS as u64) as usize;
            if MISSES.with_borrow(|m| m[slot] == tag) {
                return;
            }
            match self.rewrite_rolling(&chars, &r, mask) {
                Some(rw) => rewrites.push((start, end, rw)),
                None => MISSES.with_borrow_mut(|m| m[slot] = tag),
            }
        });
        if rewrites.is_empty() {
            return;
        }
        // The rewritten text is searched only around the rewritten words: far enough for the longest phrase.
        let before = hits.len();
        let mut i = 0;
        while i < rewrites.len() {
            let ws = words_back(text, rewrites[i].0, WINDOW_WORDS);
            let mut we = words_forward(text, rewrites[i].1, WINDOW_WORDS);
            let mut j = i + 1;
            while j < rewrites.len() && rewrites[j].0 < we {
                we = words_forward(text, rewrites[j].1, WINDOW_WORDS);
                j += 1;
            }
            self.search_window(lexicon, plain, lang, ws, we, &rewrites[i..j], hits, before);
            i = j;
        }
        if hits.len() > before {
            hits.sort_by(|a, b| a.span.0.cmp(&b.span.0).then(b.span.1.cmp(&a.span.1)).then(a.entry.cmp(&b.entry)));
        }
    }

    /// Searches view bytes `ws..we` with the rewrites inside them and adds what is found through a rewrite.
    #[allow(clippy::too_many_arguments)]
    fn search_window(
        &self,
        lexicon: &CompiledLexicon,
        plain: &MatchingView<'_>,
        lang: Option<&str>,
        ws: usize,
        we: usize,
        rewrites: &[(usize, usize, Rewrite)],
        hits: &mut Vec<Hit>,
        before: usize,
    ) {
        let text = plain.text();
        // The rewritten window, and where each rewritten word sits in it (rewritten range, view range, split).
        let mut rewritten = String::with_capacity(we - ws + 16);
        let mut spans: Vec<(usize, usize, usize, usize, bool)> = Vec::with_capacity(rewrites.len());
        let mut at = ws;
        for (s, e, r) in rewrites {
            rewritten.push_str(&text[at..*s]);
            let rs = rewritten.len();
            rewritten.push_str(&r.text);
            spans.push((rs, rewritten.len(), *s, *e, r.split));
            at = *e;
        }
        rewritten.push_str(&text[at..we]);
        let view = MatchingView::plain(&rewritten);
        // A position in the rewritten window, back in the view: inside a corrected word, that word's start or end;
        // inside a split word, the same letter (its pieces are its letters with spaces between).
        let to_plain = |pos: usize, end: bool| -> usize {
            let mut shift: isize = ws as isize;
            for &(rs, re, s, e, split) in &spans {
                if (!end && pos < re && pos >= rs) || (end && pos > rs && pos <= re) {
                    if split {
                        let spaces = rewritten[rs..pos].bytes().filter(|b| *b == b' ').count();
                        return s + (pos - rs) - spaces;
                    }
                    return if end { e } else { s };
                }
                if pos < rs || (end && pos == rs) {
                    break;
                }
                shift += (e - s) as isize - (re - rs) as isize;
            }
            (pos as isize + shift) as usize
        };
        for h in lexicon.find(&view, None, lang) {
            if !spans.iter().any(|&(rs, re, ..)| h.span.0 < re && rs < h.span.1) {
                continue;
            }
            let (s, e) = (to_plain(h.span.0, false), to_plain(h.span.1, true));
            let span = plain.to_original(s, e);
            if hits[..before].iter().any(|o| o.entry == h.entry && o.span.0 < span.1 && span.0 < o.span.1) {
                continue;
            }
            hits.push(Hit { entry: h.entry, span, obfuscated: true });
        }
    }

    /// What the index would make of one written word in a language: the
    /// lexicon word it is read as, or its pieces separated by spaces; `None`
    /// when it is left alone (for `tocsin lexicon fuzzy-check` and tests).
    pub fn rewrite_word(&self, word: &str, lang: Option<&str>) -> Option<String> {
        let plain = MatchingView::plain(word);
        let chars: Vec<char> = plain.text().trim().chars().collect();
        if chars.len() < 4 || chars.len() > MAX_CHARS || !chars.iter().all(|c| alphabetic(*c)) {
            return None;
        }
        let mask = self.mask(lang);
        if mask == 0 {
            return None;
        }
        self.rewrite(&chars, mask, &mut Vec::new()).map(|r| r.text)
    }

    /// The words of a list (a spelling dictionary) that would be rewritten in a language, with their
    /// rewrites: the real words a pack's `words.txt` must hold. Possessives (`x's`) are skipped.
    pub fn check_words<'w>(&self, words: impl IntoIterator<Item = &'w str>, lang: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for w in words {
            let w = w.trim();
            if w.is_empty() || w.contains('\'') {
                continue;
            }
            if let Some(r) = self.rewrite_word(w, Some(lang)) {
                let normal = MatchingView::plain(w).text().to_string();
                if !out.iter().any(|(x, _)| *x == normal) {
                    out.push((normal, r));
                }
            }
        }
        out
    }

    /// The rewrite of one word (already lower case, alphabetic, 4 to MAX_CHARS letters).
    fn rewrite(&self, chars: &[char], mask: u64, buf: &mut Vec<u64>) -> Option<Rewrite> {
        prefixes(chars, buf);
        self.rewrite_rolling(chars, &Rolling::new(buf, &self.pow), mask)
    }

    /// [`FuzzyIndex::rewrite`] with the word's prefix hashes computed.
    fn rewrite_rolling(&self, chars: &[char], r: &Rolling<'_>, mask: u64) -> Option<Rewrite> {
        let n = chars.len();
        if self.known_get(r.sub(0, n)).is_some_and(|k| k.lexical || k.langs & mask != 0) {
            return None;
        }
        if let Some(t) = self.correct(chars, r, mask) {
            return Some(Rewrite { text: self.targets[t].text.clone(), split: false });
        }
        if mask & self.split_mask != 0 && n >= 5 {
            return self.split(chars, r, mask & self.split_mask).map(|text| Rewrite { text, split: true });
        }
        None
    }

    /// The best target one edit away, if any.
    fn correct(&self, chars: &[char], r: &Rolling<'_>, mask: u64) -> Option<usize> {
        let n = chars.len();
        let mut best: Option<(Edit, usize)> = None;
        let consider = |k: u64, best: &mut Option<(Edit, usize)>| {
            if !self.neighbour_filter.may_contain(k) {
                return;
            }
            let Some(&(start, len)) = self.neighbours.get(&k) else { return };
            for &id in &self.ids[start as usize..(start + len) as usize] {
                let t = &self.targets[id as usize];
                if t.langs & mask == 0 {
                    continue;
                }
                if let Some(edit) = edit(chars, &t.chars) {
                    if best.is_none_or(|(e, b)| (edit, id as usize) < (e, b)) {
                        *best = Some((edit, id as usize));
                    }
                }
            }
        };
        // The word itself matches a target without one letter (a dropped letter); the word without letter i matches a
        // target (an added letter) or a target without one letter (a swap or a replaced letter). The first letter is
        // never dropped, added, replaced or swapped; nor is the last dropped, added or replaced, and a swap of the last
        // two is found through the word without its last-but-one.
        consider(r.sub(0, n), &mut best);
        for i in 1..n - 1 {
            consider(r.without(i), &mut best);
        }
        best.map(|(_, id)| id)
    }

    /// Splits a glued word into known words (see the module documentation for the guards).
    fn split(&self, chars: &[char], r: &Rolling<'_>, mask: u64) -> Option<String> {
        let n = chars.len();
        // Cheap test first: some hostile word of the language must stand inside the word.
        let hostile_inside = (0..n.saturating_sub(2)).any(|p| {
            self.has_piece_start(r.sub(p, p + 3))
                && (p + 3..=n.min(p + MAX_PIECE)).any(|q| (q - p < n) && self.known_get(r.sub(p, q)).is_some_and(|w| w.hostile & mask != 0))
        });
        if !hostile_inside {
            return None;
        }
        // State bits: an unknown piece was used; a hostile word of 3 letters, of 4+ letters; a one-word hostile term of 5+ letters.
        const UNKNOWN: usize = 1;
        const HOSTILE3: usize = 2;
        const HOSTILE4: usize = 4;
        const TERM5: usize = 8;
        const STATES: usize = 16;
        #[derive(Clone, Copy)]
        struct Step {
            pieces: u8,
            from: u8,
            from_state: u8,
        }
        let mut best: Vec<[Option<Step>; STATES]> = vec![[None; STATES]; n + 1];
        best[0][0] = Some(Step { pieces: 0, from: 0, from_state: 0 });
        for i in 0..n {
            for state in 0..STATES {
                let Some(step) = best[i][state] else { continue };
                if step.pieces >= MAX_PIECES {
                    continue;
                }
                // `j` is a position in the word as well as an index of `best`: a range reads better than enumerate().
                #[allow(clippy::needless_range_loop)]
                for j in i + 1..=n.min(i + MAX_PIECE) {
                    let k = r.sub(i, j);
                    // One-letter words ("i", "a", "à") only at the start: "Ihate", not "so rat i on".
                    let piece = self.known_get(k).filter(|w| w.langs & mask != 0 && (j - i > 1 || (i == 0 && w.letter & mask != 0)));
                    let next = match piece {
                        Some(known) => {
                            let hostile = known.hostile & mask != 0;
                            let mut next = state;
                            if hostile && j - i == 3 {
                                next |= HOSTILE3;
                            }
                            if hostile && j - i >= 4 {
                                next |= HOSTILE4;
                            }
                            if j - i >= 5 && known.term & mask != 0 {
                                next |= TERM5;
                            }
                            next
                        }
                        None if state & UNKNOWN == 0 && (i == 0 || j == n) && j - i >= 4 && self.known_get(k).is_none() => state | UNKNOWN,
                        None => continue,
                    };
                    let cand = Step { pieces: step.pieces + 1, from: i as u8, from_state: state as u8 };
                    if best[j][next].is_none_or(|b| cand.pieces < b.pieces) {
                        best[j][next] = Some(cand);
                    }
                }
            }
        }
        // A 3-letter hostile word only in two pieces ("todie"); an unknown piece only beside a term of 5+ letters.
        let ok = |s: usize, pieces: u8| pieces >= 2 && (s & HOSTILE4 != 0 || (s & HOSTILE3 != 0 && pieces == 2)) && (s & UNKNOWN == 0 || s & TERM5 != 0);
        let (state, _) = (0..STATES)
            .filter_map(|s| best[n][s].filter(|b| ok(s, b.pieces)).map(|b| (s, (b.pieces as usize) * 2 + (s & UNKNOWN))))
            .min_by_key(|&(s, cost)| (cost, s))?;
        let mut cuts = Vec::new();
        let (mut j, mut s) = (n, state);
        while j > 0 {
            let b = best[j][s].expect("path");
            cuts.push(j);
            j = b.from as usize;
            s = b.from_state as usize;
        }
        cuts.reverse();
        let mut out = String::with_capacity(n + cuts.len());
        let mut at = 0;
        for c in cuts {
            if at > 0 {
                out.push(' ');
            }
            out.extend(&chars[at..c]);
            at = c;
        }
        Some(out)
    }
}

/// The kind of edit that turns `word` into `target`, when it is one of those allowed.
fn edit(word: &[char], target: &[char]) -> Option<Edit> {
    let (n, m) = (word.len(), target.len());
    let i = word.iter().zip(target).take_while(|(a, b)| a == b).count();
    if n == m {
        if i == n {
            return None;
        }
        if i + 1 < n && word[i] == target[i + 1] && word[i + 1] == target[i] && word[i + 2..] == target[i + 2..] {
            // The first letter stays ("klil", "haet"; not "ikll", and "George" is not a misspelt "égorge").
            return (i >= 1).then_some(Edit::Swap);
        }
        return (m >= MIN_SUBSTITUTION && i > 0 && i + 1 < m && word[i + 1..] == target[i + 1..]).then_some(Edit::Replaced);
    }
    if m < MIN_TARGET {
        return None;
    }
    // A dropped or added letter is never the first nor the last one: people rarely miss the first letter, names
    // would be read as words, and word endings are where inflection lives ("Algérie" is not a misspelt "algérien").
    // A dropped letter only from targets of 6 letters or more: a 4-letter word is too often a name or another word.
    if n + 1 == m && m >= MIN_DROP && i > 0 && i + 1 < m && word[i..] == target[i + 1..] {
        return Some(Edit::DropOrDouble);
    }
    if n == m + 1 && i > 0 && i + 1 < n && word[i + 1..] == target[i..] {
        let doubled = word[i] == word[i - 1] || word[i + 1] == word[i];
        return Some(if doubled { Edit::DropOrDouble } else { Edit::Added });
    }
    None
}

/// The start of the `n`-th word before byte `pos` (or the text's start).
fn words_back(text: &str, pos: usize, n: usize) -> usize {
    let b = text.as_bytes();
    let mut i = pos;
    for _ in 0..n {
        // Skip the gap, then the word.
        while i > 0 && b[i - 1] == b' ' {
            i -= 1;
        }
        while i > 0 && b[i - 1] != b' ' {
            i -= 1;
        }
        if i == 0 {
            break;
        }
    }
    i
}

/// The end of the `n`-th word after byte `pos` (or the text's end).
fn words_forward(text: &str, pos: usize, n: usize) -> usize {
    let b = text.as_bytes();
    let mut i = pos;
    for _ in 0..n {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        while i < b.len() && b[i] != b' ' {
            i += 1;
        }
        if i == b.len() {
            break;
        }
    }
    i
}

/// Calls `f` with the byte range of every word of a view.
fn for_each_word(text: &str, mut f: impl FnMut(usize, usize)) {
    let b = text.as_bytes();
    if b.is_ascii() {
        let mut start = None;
        for (i, &c) in b.iter().enumerate() {
            let word = c.is_ascii_alphanumeric() || c == b'_';
            match (word, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    f(s, i);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            f(s, b.len());
        }
        return;
    }
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                f(s, i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        f(s, text.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::lexicon::test_entry as entry;

    fn lexicon() -> Vec<Entry> {
        vec![
            entry("immigrants", "en", Category::GroupReference, MatchMode::Word, &["immigrant"]),
            entry("disabled people", "en", Category::GroupReference, MatchMode::Phrase, &[]),
            entry("disgusting", "en", Category::Derogation, MatchMode::Word, &[]),
            entry("pathetic", "en", Category::Derogation, MatchMode::Word, &[]),
            entry("rapist", "en", Category::Derogation, MatchMode::Word, &[]),
            entry("kill", "en", Category::ViolenceCall, MatchMode::Word, &[]),
            entry("hang all", "en", Category::ViolenceCall, MatchMode::Phrase, &[]),
            entry("vermine", "fr", Category::Dehumanisation, MatchMode::Word, &[]),
        ]
    }

    fn langs() -> Vec<FuzzyLang> {
        vec![FuzzyLang { lang: "en".into(), split: true }]
    }

    fn index(known: &[&str]) -> FuzzyIndex {
        FuzzyIndex::build(&lexicon(), known.iter().map(|w| KnownWord { lang: "en", word: w, listed: true }), &langs()).unwrap()
    }

    #[test]
    fn edits() {
        assert_eq!(edit(&['a', 'h', 't', 'e'], &['h', 'a', 't', 'e']), None, "four letters: the first letter stays");
        assert_eq!(edit(&['h', 'a', 'e', 't'], &['h', 'a', 't', 'e']), Some(Edit::Swap));
        assert_eq!(edit(&['k', 'l', 'i', 'l'], &['k', 'i', 'l', 'l']), Some(Edit::Swap));
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit(&c("disgutsing"), &c("disgusting")), Some(Edit::Swap));
        assert_eq!(edit(&c("idsgusting"), &c("disgusting")), None, "the first letter stays");
        assert_eq!(edit(&c("disgustng"), &c("disgusting")), Some(Edit::DropOrDouble));
        assert_eq!(edit(&c("disgusstting"), &c("disgusting")), None, "two edits");
        assert_eq!(edit(&c("disgussting"), &c("disgusting")), Some(Edit::DropOrDouble));
        assert_eq!(edit(&c("disgustxing"), &c("disgusting")), Some(Edit::Added));
        assert_eq!(edit(&c("disgasting"), &c("disgusting")), Some(Edit::Replaced));
        assert_eq!(edit(&c("rapost"), &c("rapist")), None, "no substitution in short words");
        assert_eq!(edit(&c("algerie"), &c("algerien")), None, "the last letter is kept");
        assert_eq!(edit(&c("rapists"), &c("rapist")), None, "the last letter is kept");
        assert_eq!(edit(&c("mmigrant"), &c("immigrant")), None, "the first letter is kept");
        assert_eq!(edit(&c("samo"), &c("sambo")), None, "no dropped letter in 5-letter words");
    }

    #[test]
    fn misspelt_words_are_rewritten_and_real_words_are_not() {
        let ix = index(&["the", "just", "all", "papist"]);
        assert_eq!(ix.rewrite_word("Immigrnts", Some("en")).as_deref(), Some("immigrants"));
        assert_eq!(ix.rewrite_word("patheitc", Some("en")).as_deref(), Some("pathetic"));
        assert_eq!(ix.rewrite_word("klil", Some("en")).as_deref(), Some("kill"));
        assert_eq!(ix.rewrite_word("papist", Some("en")), None, "a known word is never corrected");
        assert_eq!(ix.rewrite_word("pathetic", Some("en")), None);
        // Only targets of the document's language; French has no fuzzy matching here.
        assert_eq!(ix.rewrite_word("vermne", Some("en")), None);
        assert_eq!(ix.rewrite_word("immigrnts", Some("fr")), None);
    }

    #[test]
    fn glued_words_are_split_only_around_hostile_words() {
        let ix = index(&["the", "just", "all", "are", "so", "i", "a"]);
        assert_eq!(ix.rewrite_word("justpathetic", Some("en")).as_deref(), Some("just pathetic"));
        assert_eq!(ix.rewrite_word("hangall", Some("en")).as_deref(), Some("hang all"), "every piece known");
        assert_eq!(ix.rewrite_word("massivekill", Some("en")), None, "an unknown piece needs a hostile word of 5 letters");
        assert_eq!(ix.rewrite_word("ikill", Some("en")).as_deref(), Some("i kill"));
        assert_eq!(ix.rewrite_word("soakill", Some("en")), None, "one-letter words only at the start");
        assert_eq!(ix.rewrite_word("massivepathetic", Some("en")).as_deref(), Some("massive pathetic"));
        // "the" + "rapist": both known, so it would split; the guard list must hold "therapist".
        assert_eq!(ix.rewrite_word("therapist", Some("en")).as_deref(), Some("the rapist"));
        assert_eq!(index(&["the", "therapist"]).rewrite_word("therapist", Some("en")), None);
        // A group word with an unknown piece is not split ("islamophobia" must not become a group reference).
        assert_eq!(ix.rewrite_word("immigrantophobia", Some("en")), None);
    }

    #[test]
    fn hits_through_rewrites_quote_the_original_and_are_obfuscated() {
        let ix = index(&["the", "are", "just", "so", "all", "these"]);
        let lex = CompiledLexicon::compile(lexicon()).unwrap();
        for (text, quoted) in [
            ("Those Immigrnts are disgutsing!", vec!["Immigrnts", "disgutsing"]),
            ("Disabld people are justpathetic.", vec!["Disabld people", "pathetic"]),
            ("Immigrantsdisgusting", vec!["Immigrants", "disgusting"]),
            ("We should hang all these disabled people", vec!["hang all", "disabled people"]),
        ] {
            let plain = MatchingView::plain(text);
            let mut hits = lex.find(&plain, None, Some("en"));
            let exact = hits.clone();
            ix.extend(&lex, &plain, Some("en"), &mut hits);
            let got: Vec<&str> = hits.iter().map(|h| &text[h.span.0..h.span.1]).collect();
            assert_eq!(got, quoted, "{text}");
            for h in &hits {
                assert_eq!(h.obfuscated, !exact.contains(h), "{text}: {h:?}");
            }
        }
    }
}
