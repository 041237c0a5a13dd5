//! The compiled form of a lexicon set: the plain forms of every term and
//! variant, and their aggressive (de-obfuscated) forms, searched only in texts
//! that show obfuscation. Forms that begin with a word character are found by
//! looking up the word at each word start ([`WordStartIndex`]); the rest
//! (substring mode, scripts written without spaces, forms that begin with
//! punctuation) by an Aho-Corasick automaton searched everywhere.
//!
//! Terms of every language share the automata: a post in English quoting a
//! Swahili slur must still be caught, and one pass over the text is cheaper
//! than one per language. When a form belongs to several languages, the
//! entry of the document's language wins.

use std::collections::HashMap;

use aho_corasick::automaton::{Automaton as _, StateID};
use aho_corasick::nfa::contiguous;
use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};
use rayon::prelude::*;

use super::{Entry, MatchMode};
use crate::normalize::{is_ascii_word_byte, is_word_char, script_of, MatchingView, Script};
use crate::signal::Category;

/// One entry found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Index of the entry in [`CompiledLexicon::entries`].
    pub entry: u32,
    /// Byte span in the original text.
    pub span: (usize, usize),
    /// Found through de-obfuscation or inside an obfuscated word.
    pub obfuscated: bool,
}

/// What a pattern of the automaton stands for.
#[derive(Debug, Clone)]
struct PatternTarget {
    entry: u32,
    /// For phrase entries the pattern is the first word; these are the words that must follow.
    rest: Option<Vec<String>>,
}

/// The entries of one pattern that share a category and a phrase tail: one of them is reported per match.
#[derive(Debug, Clone)]
struct EntryGroup {
    /// The entries, in lexicon order; the first of the document's language wins, else the first.
    entries: Vec<u32>,
    /// For phrase entries, the words that must follow the pattern.
    rest: Option<Vec<String>>,
}

/// One Aho-Corasick automaton and what each of its patterns stands for.
///
/// The grouping by category and phrase tail is done once here, not per match:
/// a common first word of many phrases ("they", "we") is matched all the time.
#[derive(Debug, Clone)]
struct Patterns {
    search: PatternSearch,
    groups: Vec<Vec<EntryGroup>>,
}

/// How the patterns of one automaton are searched.
#[derive(Debug, Clone)]
enum PatternSearch {
    /// Looked up by the word at each word start (see [`WordStartIndex`]).
    WordStarts(Box<WordStartIndex>),
    /// Searched everywhere with the leftmost-longest searcher.
    Anywhere(AhoCorasick),
}

/// Patterns that begin with a word character, found at word starts by looking up the word there.
///
/// A pattern that matches at a word start and ends at a word boundary (every match mode but
/// `prefix` needs one) has a first word, up to its first non-word character, equal to the text's
/// word there: so one hash lookup per word finds every candidate. Only single-word patterns of
/// prefix-mode entries may end inside a word; they are walked byte by byte in a small automaton of
/// their own. Measured on the 5,000-term benchmark lexicon, the lookup replaced a walk through an
/// automaton of every pattern that cost a fifth of a one-thread run: corpus words share their first
/// letters with many terms, so walks went deep before dying.
#[derive(Debug, Clone)]
struct WordStartIndex {
    /// Patterns by their first word: (pattern, byte length), shortest first.
    by_first_word: HashMap<Box<str>, Vec<(u32, u32)>, foldhash::fast::FixedState>,
    /// Every pattern's text, by pattern id (to check the part after the first word).
    texts: Vec<Box<str>>,
    /// Single-word patterns with a prefix-mode entry, which may end inside a word.
    prefixes: Option<PrefixWalk>,
}

/// An anchored automaton over the single-word patterns that may end inside a word.
#[derive(Debug, Clone)]
struct PrefixWalk {
    nfa: contiguous::NFA,
    start: StateID,
    /// The pattern id (of the whole set) of each of the automaton's patterns.
    ids: Vec<u32>,
}

/// The byte length of the character at `i` when it is a word character, else `None` (ASCII without decoding).
fn word_char_len(text: &str, i: usize) -> Option<usize> {
    let c = text.as_bytes()[i];
    if c < 0x80 {
        return is_ascii_word_byte(c).then_some(1);
    }
    let ch = text[i..].chars().next().expect("a char boundary");
    is_word_char(ch).then(|| ch.len_utf8())
}

/// The end of the word that starts at `start` (a run of word characters).
fn word_end(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let mut i = start;
    while i < b.len() {
        // Runs of ASCII bytes in a tight loop: this walk visits every byte of every view (3 % of a run).
        if b[i] < 0x80 {
            if !is_ascii_word_byte(b[i]) {
                break;
            }
            i += 1;
            continue;
        }
        match word_char_len(text, i) {
            Some(n) => i += n,
            None => break,
        }
    }
    i
}

/// The first word of a pattern: up to its first non-word character.
fn first_word(pattern: &str) -> &str {
    &pattern[..word_end(pattern, 0)]
}

impl WordStartIndex {
    fn build(patterns: &[String], prefix_capable: &[bool]) -> Result<Self, aho_corasick::BuildError> {
        let mut by_first_word: HashMap<Box<str>, Vec<(u32, u32)>, foldhash::fast::FixedState> = HashMap::default();
        for (i, p) in patterns.iter().enumerate() {
            by_first_word.entry(first_word(p).into()).or_default().push((i as u32, p.len() as u32));
        }
        for list in by_first_word.values_mut() {
            list.sort_by_key(|&(_, len)| len);
        }
        let (ids, walked): (Vec<u32>, Vec<&str>) =
            patterns.iter().enumerate().filter(|(i, p)| prefix_capable[*i] && first_word(p).len() == p.len()).map(|(i, p)| (i as u32, p.as_str())).unzip();
        let prefixes = if walked.is_empty() {
            None
        } else {
            let nfa = contiguous::NFA::builder().match_kind(MatchKind::Standard).prefilter(false).build(&walked)?;
            let start = nfa.start_state(Anchored::Yes).expect("an NFA supports anchored searches");
            Some(PrefixWalk { nfa, start, ids })
        };
        Ok(WordStartIndex { by_first_word, texts: patterns.iter().map(|p| p.as_str().into()).collect(), prefixes })
    }

    /// Pushes (end, pattern) of every pattern that spells the text from `start` (a word start whose
    /// word ends at `end`), shortest first.
    fn candidates(&self, text: &str, start: usize, end: usize, found: &mut Vec<(usize, usize)>) {
        if let Some(w) = &self.prefixes {
            // Ends inside the word only: a pattern that is the whole word is in the table too.
            let mut sid = w.start;
            for (i, &b) in text.as_bytes()[start..end - 1].iter().enumerate() {
                sid = w.nfa.next_state(Anchored::Yes, sid, b);
                if w.nfa.is_special(sid) {
                    if w.nfa.is_dead(sid) {
                        break;
                    }
                    // Only patterns spelled by the whole walk start here (with standard
                    // semantics a state also carries the matches of its suffixes).
                    for k in 0..w.nfa.match_len(sid) {
                        let pid = w.nfa.match_pattern(sid, k);
                        if w.nfa.pattern_len(pid) == i + 1 {
                            found.push((start + i + 1, w.ids[pid.as_usize()] as usize));
                        }
                    }
                }
            }
        }
        if let Some(list) = self.by_first_word.get(&text[start..end]) {
            let rest = &text[start..];
            for &(pattern, len) in list {
                let len = len as usize;
                if len == end - start || rest.starts_with(&*self.texts[pattern as usize]) {
                    found.push((start + len, pattern as usize));
                }
            }
        }
    }
}

impl Patterns {
    fn build(forms: Vec<(String, PatternTarget)>, anchored: bool, entries: &[Entry]) -> Result<Option<Self>, aho_corasick::BuildError> {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<PatternTarget>> = Vec::new();
        for (form, target) in forms {
            let i = *index.entry(form.clone()).or_insert_with(|| {
                patterns.push(form);
                targets.push(Vec::new());
                patterns.len() - 1
            });
            if !targets[i].iter().any(|t| t.entry == target.entry && t.rest == target.rest) {
                targets[i].push(target);
            }
        }
        if patterns.is_empty() {
            return Ok(None);
        }
        let search = if anchored {
            let prefix_capable: Vec<bool> = targets.iter().map(|ts| ts.iter().any(|t| entries[t.entry as usize].mode == MatchMode::Prefix)).collect();
            PatternSearch::WordStarts(Box::new(WordStartIndex::build(&patterns, &prefix_capable)?))
        } else {
            let kind = Some(AhoCorasickKind::ContiguousNFA);
            PatternSearch::Anywhere(
                AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).start_kind(StartKind::Unanchored).kind(kind).build(&patterns)?,
            )
        };
        let groups = targets.into_iter().map(|ts| group_targets(ts, entries)).collect();
        Ok(Some(Patterns { search, groups }))
    }
}

/// The patterns of one view: most are searched only at word starts (anchored),
/// which skips the inside of every word; substring-mode terms, scripts written
/// without spaces and patterns that begin with punctuation are searched everywhere.
#[derive(Debug, Clone, Default)]
struct Automaton {
    at_word_starts: Option<Patterns>,
    anywhere: Option<Patterns>,
}

impl Automaton {
    fn build(forms: Vec<Form>, entries: &[Entry]) -> Result<Self, aho_corasick::BuildError> {
        let (loose, words): (Vec<_>, Vec<_>) = forms.into_iter().partition(|f| f.2);
        // Building is most of start-up (`tocsin scan` of one post), and the automata are independent.
        let (at_word_starts, anywhere) = rayon::join(
            || Patterns::build(words.into_iter().map(|(f, t, _)| (f, t)).collect(), true, entries),
            || Patterns::build(loose.into_iter().map(|(f, t, _)| (f, t)).collect(), false, entries),
        );
        Ok(Automaton { at_word_starts: at_word_starts?, anywhere: anywhere? })
    }

    fn len(&self) -> usize {
        self.at_word_starts.as_ref().map_or(0, |p| p.groups.len()) + self.anywhere.as_ref().map_or(0, |p| p.groups.len())
    }
}

/// Whether a pattern must be searched everywhere rather than at word starts.
fn searched_anywhere(form: &str, mode: MatchMode) -> bool {
    let first = form.chars().next();
    mode == MatchMode::Substring || first.is_none_or(|c| !is_word_char(c) || (!c.is_ascii() && script_of(c) == Script::Unspaced))
}

/// Lexicon entries compiled for matching.
#[derive(Debug, Clone)]
pub struct CompiledLexicon {
    /// The entries, indexed by [`Hit::entry`].
    pub entries: Vec<Entry>,
    plain: Automaton,
    aggressive: Automaton,
}

fn phrase_words(form: &str) -> Vec<String> {
    form.split(|c: char| !is_word_char(c) && c != '\'').filter(|w| !w.is_empty()).map(String::from).collect()
}

/// A pattern form, what it stands for, and whether it is searched anywhere rather than at word starts.
type Form = (String, PatternTarget, bool);

/// The plain and aggressive pattern forms of one entry, in the order of its forms.
fn entry_forms(entry: u32, e: &Entry) -> (Vec<Form>, Vec<Form>) {
    let (mut plain, mut aggressive) = (Vec::new(), Vec::new());
    for form in std::iter::once(e.term.as_str()).chain(e.variants.iter().map(String::as_str)) {
        let normal = MatchingView::plain(form).text().trim().to_string();
        if normal.is_empty() {
            continue;
        }
        let agg = MatchingView::aggressive_term(&normal).trim().to_string();
        if e.mode == MatchMode::Phrase {
            let words = phrase_words(&normal);
            let agg_words = phrase_words(&agg);
            if words.len() >= 2 && agg_words.len() == words.len() {
                let loose = searched_anywhere(&words[0], e.mode);
                plain.push((words[0].clone(), PatternTarget { entry, rest: Some(words[1..].to_vec()) }, loose));
                aggressive.push((agg_words[0].clone(), PatternTarget { entry, rest: Some(agg_words[1..].to_vec()) }, loose));
                continue;
            }
        }
        let loose = searched_anywhere(&normal, e.mode);
        plain.push((normal, PatternTarget { entry, rest: None }, loose));
        if !agg.is_empty() {
            let loose = searched_anywhere(&agg, e.mode);
            aggressive.push((agg, PatternTarget { entry, rest: None }, loose));
        }
    }
    (plain, aggressive)
}

impl CompiledLexicon {
    /// Compiles entries into the plain and aggressive pattern sets.
    pub fn compile(entries: Vec<Entry>) -> Result<Self, aho_corasick::BuildError> {
        // Normalising every form is a third of compiling a 100,000-term lexicon; entries are independent.
        let per_entry: Vec<(Vec<Form>, Vec<Form>)> = entries.par_iter().enumerate().map(|(i, e)| entry_forms(i as u32, e)).collect();
        let (mut plain, mut aggressive) = (Vec::new(), Vec::new());
        for (p, a) in per_entry {
            plain.extend(p);
            aggressive.extend(a);
        }
        let (plain, aggressive) = rayon::join(|| Automaton::build(plain, &entries), || Automaton::build(aggressive, &entries));
        Ok(CompiledLexicon { plain: plain?, aggressive: aggressive?, entries })
    }

    /// Number of distinct patterns in the plain automaton.
    pub fn pattern_count(&self) -> usize {
        self.plain.len()
    }

    /// Finds every entry in a text. `lang` picks among entries that share a form.
    pub fn find(&self, plain: &MatchingView<'_>, aggressive: Option<&MatchingView<'_>>, lang: Option<&str>) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.search(&self.plain, plain, lang, false, &mut hits);
        if let Some(agg) = aggressive {
            let before = hits.len();
            let mut extra = Vec::new();
            self.search(&self.aggressive, agg, lang, true, &mut extra);
            // Keep only what the plain view did not already find.
            for h in extra {
                if !hits[..before].iter().any(|p| p.span.0 < h.span.1 && h.span.0 < p.span.1) {
                    hits.push(h);
                }
            }
        }
        resolve_overlaps(&mut hits, &self.entries);
        hits
    }

    /// Searches one view. Anchored patterns are tried at every word start
    /// (and, in Arabic, after each proclitic); when the longest pattern at a
    /// start fails its boundary check, shorter ones are tried ("kill" in
    /// "kill theme" after "kill them" failed). Every word start is tried, so a
    /// group named inside a phrase ("kill the X") is still seen.
    fn search(&self, automaton: &Automaton, view: &MatchingView<'_>, lang: Option<&str>, via_aggressive: bool, hits: &mut Vec<Hit>) {
        let text = view.text();
        if let Some(p @ Patterns { search: PatternSearch::WordStarts(index), .. }) = &automaton.at_word_starts {
            // (end, pattern) of every pattern starting at the current word start, shortest first.
            let mut found: Vec<(usize, usize)> = Vec::new();
            for_each_word(text, |start, end| {
                found.clear();
                index.candidates(text, start, end, &mut found);
                for &(end, pattern) in found.iter().rev() {
                    if self.accept(p, view, start, end, pattern, lang, via_aggressive, hits) {
                        break;
                    }
                }
            });
        }
        if let Some(p @ Patterns { search: PatternSearch::Anywhere(ac), .. }) = &automaton.anywhere {
            let mut pos = 0;
            while pos < text.len() {
                let Some(mut m) = ac.find(Input::new(text).span(pos..text.len())) else { break };
                let start = m.start();
                loop {
                    if self.accept(p, view, m.start(), m.end(), m.pattern().as_usize(), lang, via_aggressive, hits) {
                        pos = start + text[start..].chars().next().map_or(1, char::len_utf8);
                        break;
                    }
                    match ac.find(Input::new(text).span(start..m.end() - 1)) {
                        Some(shorter) if shorter.start() == start => m = shorter,
                        _ => {
                            pos = start + text[start..].chars().next().map_or(1, char::len_utf8);
                            break;
                        }
                    }
                }
            }
        }
    }

    /// Checks a raw match against its entries; pushes the hits and says whether any was accepted.
    #[allow(clippy::too_many_arguments)]
    fn accept(
        &self,
        patterns: &Patterns,
        view: &MatchingView<'_>,
        start: usize,
        end: usize,
        pattern: usize,
        lang: Option<&str>,
        via_aggressive: bool,
        hits: &mut Vec<Hit>,
    ) -> bool {
        let text = view.text();
        let mut any = false;
        let mut following: Option<[&str; 3]> = None;
        for g in &patterns.groups[pattern] {
            if let Some(rest) = &g.rest {
                // With at most two words skipped, a phrase's next word is one of the next three: a cheap
                // test before walking the tail, since common first words carry many phrases.
                let next = *following.get_or_insert_with(|| next_words(text, end));
                if !next.contains(&rest[0].as_str()) {
                    continue;
                }
            }
            let entry = choose_entry(&g.entries, &self.entries, lang);
            let e = &self.entries[entry as usize];
            let Some((s, e_end)) = verify(text, start, end, e.mode, g.rest.as_deref()) else { continue };
            let span = view.to_original(s, e_end);
            // A de-obfuscated hit must have undone something in the text: a term with a stretched
            // letter of its own ("mopéée", aggressive form "mopé") must not match a plain "mopé".
            if via_aggressive && MatchingView::plain(&view.original()[span.0..span.1]).text() == &text[s..e_end] {
                continue;
            }
            let entry = if e.exact {
                // Matched as written: this entry if the text spells it, else the next of the group that
                // takes the text (accent-only twins of a plain CSV lexicon share a pattern).
                let original = &view.original()[span.0..span.1];
                let takes = |i: &u32| !self.entries[*i as usize].exact || (!via_aggressive && written_as(original, &self.entries[*i as usize]));
                match std::iter::once(entry).chain(g.entries.iter().copied()).find(takes) {
                    Some(i) => i,
                    None => continue,
                }
            } else {
                entry
            };
            let obfuscated = via_aggressive || view.obfuscated_within(span.0, span.1);
            hits.push(Hit { entry, span, obfuscated });
            any = true;
        }
        any
    }
}

/// Whether a piece of original text is one of an entry's forms letter for letter, up to case,
/// Unicode composition and runs of whitespace (the test of entries matched as written).
fn written_as(original: &str, e: &Entry) -> bool {
    use unicode_normalization::UnicodeNormalization;
    // Texts that differ only in ASCII case fold alike; checking that first spares the allocating
    // fold below for almost every hit (it was 4 % of a one-thread benchmark run).
    if std::iter::once(&e.term).chain(&e.variants).any(|f| f.eq_ignore_ascii_case(original)) {
        return true;
    }
    let fold = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").nfc().flat_map(char::to_lowercase).collect::<String>();
    let written = fold(original);
    std::iter::once(&e.term).chain(&e.variants).any(|f| fold(f) == written)
}

/// Arabic proclitics that may stand before a term inside one written word, longest first.
const ARABIC_PROCLITICS: [&str; 16] = ["وال", "فال", "بال", "كال", "ولل", "فلل", "ال", "لل", "وب", "ول", "فب", "فل", "و", "ف", "ب", "ل"];

/// Calls `f` with the byte offset of every word start in a view, and in
/// Arabic words also with the offsets after their proclitics.
pub(crate) fn for_each_word_start(text: &str, mut f: impl FnMut(usize)) {
    for_each_word(text, |start, _| f(start));
}

/// Calls `f` with the start and end of every word of a view (a run of word characters), and in
/// Arabic words also with the offsets after their proclitics (and the same end).
fn for_each_word(text: &str, mut f: impl FnMut(usize, usize)) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let Some(first_len) = word_char_len(text, i) else {
            i += if c < 0x80 { 1 } else { text[i..].chars().next().map_or(1, char::len_utf8) };
            continue;
        };
        let end = word_end(text, i + first_len);
        f(i, end);
        // Every proclitic begins with one of these letters (two bytes each, 0xD8 or 0xD9 first); most words do not.
        if (0xD8..=0xD9).contains(&c) && text[i..].starts_with(['و', 'ف', 'ب', 'ك', 'ل', 'ا']) {
            let rest = &text[i..end];
            for p in ARABIC_PROCLITICS {
                if rest.len() > p.len() && rest.starts_with(p) {
                    f(i + p.len(), end);
                }
            }
        }
        i = end;
    }
}

fn lang_base(l: &str) -> &str {
    l.split(['-', '_']).next().unwrap_or(l)
}

/// Groups the entries of one pattern by category and phrase tail, in order of first appearance.
fn group_targets(targets: Vec<PatternTarget>, entries: &[Entry]) -> Vec<EntryGroup> {
    let mut groups: Vec<(Category, EntryGroup)> = Vec::new();
    for t in targets {
        let category = entries[t.entry as usize].category;
        match groups.iter_mut().find(|(c, g)| *c == category && g.rest == t.rest) {
            Some((_, g)) => g.entries.push(t.entry),
            None => groups.push((category, EntryGroup { entries: vec![t.entry], rest: t.rest })),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// Among the entries of a group: the first of the document's language, else the first.
fn choose_entry(group: &[u32], entries: &[Entry], lang: Option<&str>) -> u32 {
    lang.and_then(|l| group.iter().copied().find(|&e| lang_base(&entries[e as usize].lang) == lang_base(l))).unwrap_or(group[0])
}

/// The (up to) three words after `pos`, split as phrase tails are.
fn next_words(text: &str, pos: usize) -> [&str; 3] {
    let mut out = [""; 3];
    let mut words = text[pos..].split(|c: char| !(is_word_char(c) || c == '\'')).filter(|w| !w.is_empty());
    for slot in &mut out {
        match words.next() {
            Some(w) => *slot = w,
            None => break,
        }
    }
    out
}

fn char_before(text: &str, i: usize) -> Option<char> {
    text[..i].chars().next_back()
}

fn char_at(text: &str, i: usize) -> Option<char> {
    text[i..].chars().next()
}

/// Arabic proclitics: conjunction (و ف), preposition (ب ك ل), article (ال), or لل.
fn is_arabic_clitic_prefix(p: &str) -> bool {
    let mut rest = p;
    for conj in ["و", "ف"] {
        if let Some(r) = rest.strip_prefix(conj) {
            rest = r;
            break;
        }
    }
    if let Some(r) = rest.strip_prefix("لل") {
        return r.is_empty();
    }
    for prep in ["ب", "ك", "ل", "س"] {
        if let Some(r) = rest.strip_prefix(prep) {
            rest = r;
            break;
        }
    }
    if let Some(r) = rest.strip_prefix("ال") {
        rest = r;
    }
    rest.is_empty()
}

/// Where a match really starts: at `start` on a word boundary, or at the
/// start of the word when Arabic proclitics stand before the term; `None` inside a word.
fn word_start(text: &str, start: usize) -> Option<usize> {
    match char_before(text, start) {
        None => Some(start),
        Some(c) if !is_word_char(c) => Some(start),
        Some(c) if script_of(c) == Script::Arabic => {
            let word_start = text[..start].char_indices().rev().take_while(|(_, c)| is_word_char(*c)).last().map_or(start, |(i, _)| i);
            is_arabic_clitic_prefix(&text[word_start..start]).then_some(word_start)
        }
        Some(_) => None,
    }
}

fn end_ok(text: &str, end: usize) -> bool {
    !char_at(text, end).is_some_and(is_word_char)
}

/// Checks a raw automaton match against the entry's match mode and returns the final view span.
pub(crate) fn verify(text: &str, start: usize, end: usize, mode: MatchMode, rest: Option<&[String]>) -> Option<(usize, usize)> {
    let unspaced = char_at(text, start).is_some_and(|c| !c.is_ascii() && script_of(c) == Script::Unspaced);
    if unspaced || mode == MatchMode::Substring {
        return Some((start, end));
    }
    let start = word_start(text, start)?;
    match mode {
        MatchMode::Prefix => {
            let word_end = text[end..].char_indices().find(|(_, c)| !is_word_char(*c)).map_or(text.len(), |(i, _)| end + i);
            Some((start, word_end))
        }
        _ => {
            if !end_ok(text, end) {
                return None;
            }
            match rest {
                None => Some((start, end)),
                Some(words) => follow_phrase(text, end, words).map(|e| (start, e)),
            }
        }
    }
}

/// Walks the words after a phrase's first word: each expected word must come,
/// with at most two other words skipped in all.
fn follow_phrase(text: &str, mut pos: usize, words: &[String]) -> Option<usize> {
    let mut gaps = 0;
    let mut k = 0;
    while k < words.len() {
        let skip = text[pos..].char_indices().find(|(_, c)| is_word_char(*c) || *c == '\'').map(|(i, _)| pos + i)?;
        // A sentence end between the words breaks the phrase.
        if text[pos..skip].contains(['.', '!', '?', '\n']) {
            return None;
        }
        let word_end = text[skip..].char_indices().find(|(_, c)| !(is_word_char(*c) || *c == '\'')).map_or(text.len(), |(i, _)| skip + i);
        if text[skip..word_end] == words[k] {
            k += 1;
        } else {
            gaps += 1;
            if gaps > 2 {
                return None;
            }
        }
        pos = word_end;
    }
    Some(pos)
}

/// Sorts hits by position and drops a hit that lies inside a longer hit of the same category.
fn resolve_overlaps(hits: &mut Vec<Hit>, entries: &[Entry]) {
    if hits.len() < 2 {
        return;
    }
    hits.sort_by(|a, b| a.span.0.cmp(&b.span.0).then(b.span.1.cmp(&a.span.1)).then(a.entry.cmp(&b.entry)));
    hits.dedup_by(|b, a| a.span == b.span && entries[a.entry as usize].category == entries[b.entry as usize].category);
    let mut reach = [0usize; Category::ALL.len()];
    let mut seen = [false; Category::ALL.len()];
    hits.retain(|h| {
        let c = entries[h.entry as usize].category.index();
        if seen[c] && h.span.1 <= reach[c] {
            return false;
        }
        seen[c] = true;
        reach[c] = reach[c].max(h.span.1);
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::lexicon::test_entry as entry;

    fn quotes(lex: &CompiledLexicon, text: &str, lang: Option<&str>) -> Vec<String> {
        let plain = MatchingView::plain(text);
        let agg = MatchingView::aggressive(&plain);
        lex.find(&plain, agg.as_ref(), lang).iter().map(|h| text[h.span.0..h.span.1].to_string()).collect()
    }

    #[test]
    fn entries_matched_as_written_take_only_their_spelling() {
        let mut ano = entry("año", "es", Category::Derogation, MatchMode::Word, &[]);
        ano.exact = true;
        let lex = CompiledLexicon::compile(vec![ano.clone()]).unwrap();
        assert_eq!(quotes(&lex, "Feliz AÑO, el año", Some("es")), ["AÑO", "año"]);
        assert!(quotes(&lex, "el ano", Some("es")).is_empty(), "no accent folding");
        assert!(quotes(&lex, "el 4ño", Some("es")).is_empty(), "no de-obfuscation");
        // The same entry in a pack folds.
        ano.exact = false;
        let lex = CompiledLexicon::compile(vec![ano]).unwrap();
        assert_eq!(quotes(&lex, "el ano", Some("es")), ["ano"]);
    }

    #[test]
    fn a_de_obfuscated_hit_must_have_undone_something_in_the_text() {
        // The aggressive form of a term with a stretched letter of its own is shorter than the term.
        let lex = CompiledLexicon::compile(vec![entry("hisss", "en", Category::Dehumanisation, MatchMode::Word, &[])]).unwrap();
        assert_eq!(quotes(&lex, "a hisss and a hissssss", Some("en")), ["hisss", "hissssss"]);
        // "yesss" makes the text look obfuscated, but "his" is written plainly.
        assert!(quotes(&lex, "his hat, yesss", Some("en")).is_empty());
    }

    #[test]
    fn words_prefixes_phrases_and_obfuscation() {
        let lex = CompiledLexicon::compile(vec![
            entry("cockroach", "en", Category::Dehumanisation, MatchMode::Word, &["cockroaches"]),
            entry("kill", "en", Category::ViolenceCall, MatchMode::Word, &[]),
            entry("wipe them out", "en", Category::ViolenceCall, MatchMode::Phrase, &[]),
            entry("паразит", "ru", Category::Dehumanisation, MatchMode::Prefix, &[]),
            entry("صرصور", "ar", Category::Dehumanisation, MatchMode::Word, &["صراصير"]),
            entry("蟑螂", "zh", Category::Dehumanisation, MatchMode::Substring, &[]),
        ])
        .unwrap();
        assert_eq!(quotes(&lex, "They are COCKROACHES!", None), ["COCKROACHES"]);
        assert!(quotes(&lex, "skills and cockroachy", None).is_empty());
        assert_eq!(quotes(&lex, "we will wipe them all out", None), ["wipe them all out"]);
        assert!(quotes(&lex, "wipe the table. them out", None).is_empty());
        assert_eq!(quotes(&lex, "это паразиты", None), ["паразиты"]);
        assert_eq!(quotes(&lex, "والصراصير في كل مكان", None), ["والصراصير"]);
        assert!(quotes(&lex, "مصراصير", None).is_empty());
        assert_eq!(quotes(&lex, "他们是蟑螂", None), ["蟑螂"]);
        assert_eq!(quotes(&lex, "k1ll the c0ckr0aches", None), ["k1ll", "c0ckr0aches"]);
        assert_eq!(quotes(&lex, "k.i.l.l them, kiiiill", None), ["k.i.l.l", "kiiiill"]);
        assert_eq!(quotes(&lex, "c\u{043E}\u{0441}kroach", None), ["c\u{043E}\u{0441}kroach"]);
    }

    #[test]
    fn document_language_picks_the_entry() {
        let lex = CompiledLexicon::compile(vec![
            entry("rats", "en", Category::Dehumanisation, MatchMode::Word, &[]),
            entry("rats", "fr", Category::Dehumanisation, MatchMode::Word, &[]),
        ])
        .unwrap();
        let plain = MatchingView::plain("des rats");
        let hits = lex.find(&plain, None, Some("fr"));
        assert_eq!(hits.len(), 1);
        assert_eq!(lex.entries[hits[0].entry as usize].lang, "fr");
        let hits = lex.find(&plain, None, Some("en"));
        assert_eq!(lex.entries[hits[0].entry as usize].lang, "en");
    }

    #[test]
    fn obfuscated_hits_are_marked() {
        let lex = CompiledLexicon::compile(vec![entry("vermin", "en", Category::Dehumanisation, MatchMode::Word, &[])]).unwrap();
        for (text, obf) in [("vermin", false), ("verm\u{200B}in", true), ("v3rmin", true)] {
            let plain = MatchingView::plain(text);
            let agg = MatchingView::aggressive(&plain);
            let hits = lex.find(&plain, agg.as_ref(), None);
            assert_eq!(hits.len(), 1, "{text}");
            assert_eq!(hits[0].obfuscated, obf, "{text}");
        }
    }

    /// The walk the word index replaced: every pattern spelled from each word start, by an
    /// anchored automaton of all patterns; prefix-capable or not, the index must find the same
    /// patterns wherever a match could be accepted.
    fn walked_candidates(patterns: &[String], prefix_capable: &[bool], text: &str) -> Vec<(usize, Vec<(usize, usize)>)> {
        let nfa = contiguous::NFA::builder().match_kind(MatchKind::Standard).prefilter(false).build(patterns).unwrap();
        let start_state = nfa.start_state(Anchored::Yes).unwrap();
        let mut out = Vec::new();
        for_each_word(text, |start, word_end| {
            let mut found = Vec::new();
            let mut sid = start_state;
            for (i, &b) in text.as_bytes()[start..].iter().enumerate() {
                sid = nfa.next_state(Anchored::Yes, sid, b);
                if nfa.is_dead(sid) {
                    break;
                }
                if !nfa.is_match(sid) {
                    continue;
                }
                for k in 0..nfa.match_len(sid) {
                    let pid = nfa.match_pattern(sid, k);
                    let end = start + i + 1;
                    // A match ending inside the word can only be accepted for a prefix-mode entry.
                    if nfa.pattern_len(pid) == i + 1 && (end >= word_end || prefix_capable[pid.as_usize()]) {
                        found.push((end, pid.as_usize()));
                    }
                }
            }
            out.push((start, found));
        });
        out
    }

    fn word_like() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[abé_1وال]{1,5}( [abé]{1,3})?('[ab]{1,2})?").unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn word_index_finds_what_the_walk_found(
            patterns in proptest::collection::hash_set(word_like(), 1..12),
            capable in proptest::collection::vec(any::<bool>(), 12),
            text in proptest::string::string_regex("[abé_1وال '.-]{0,40}").unwrap(),
        ) {
            let patterns: Vec<String> = patterns.into_iter().collect();
            let capable = &capable[..patterns.len()];
            let index = WordStartIndex::build(&patterns, capable).unwrap();
            let mut found = Vec::new();
            for (start, walked) in walked_candidates(&patterns, capable, &text) {
                found.clear();
                index.candidates(&text, start, word_end(&text, start), &mut found);
                prop_assert_eq!(&found, &walked, "{:?} at {} in {:?}", patterns, start, text);
            }
        }
    }
}
