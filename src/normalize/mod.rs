//! The matching view: a normalised copy of a text that lexicons and rules
//! search, with a map from every byte of the view back to the original, so
//! that evidence always quotes what the author wrote.
//!
//! Two views exist. The *plain* view folds what never changes meaning:
//! compatibility forms (NFKD, so fullwidth and mathematical letters become
//! plain ones), case, accents where the script allows, invisible characters,
//! look-alike letters inside mixed-script words, and runs of whitespace. The
//! *aggressive* view, built only when a text shows signs of obfuscation, also
//! undoes leetspeak, letters spread out with separators and stretched letters.
//! DESIGN.md beside this file explains the choices and the measurements.

mod fold;
mod tokens;

use std::borrow::Cow;

pub use fold::{is_letter, is_word_char, script_of, Script};
pub use tokens::{tokenize, Token};

use fold::{cyrillic_lookalike, drops_marks, fold_letter, is_filler, is_invisible, is_letter_separator, latin_lookalike, leet};

/// A normalised view of a text with its offset map.
#[derive(Debug, Clone)]
pub struct MatchingView<'a> {
    original: &'a str,
    text: Cow<'a, str>,
    /// For every byte of `text`, the byte offset in `original` of the character it came from.
    /// Empty when the view is byte-for-byte aligned with the original.
    map: Vec<u32>,
    /// For every byte of `text`, the original byte offset where the characters it stands for end.
    /// Empty when it is the end of the character at `map` (only collapsed runs need it).
    end_map: Vec<u32>,
    /// Original byte offsets where a fold hid an obfuscation (invisible characters, look-alikes).
    obfuscation_marks: Vec<u32>,
}

impl<'a> MatchingView<'a> {
    /// The plain view of a text.
    pub fn plain(original: &'a str) -> Self {
        if let Some(text) = ascii_fast_path(original) {
            return MatchingView { original, text, map: Vec::new(), end_map: Vec::new(), obfuscation_marks: Vec::new() };
        }
        build_plain(original)
    }

    /// The aggressive view built on a plain view, or `None` when the text shows
    /// no sign of leetspeak, spread-out letters or stretched letters.
    pub fn aggressive(plain: &MatchingView<'a>) -> Option<Self> {
        if !shows_obfuscation(plain.text()) {
            return None;
        }
        Some(build_aggressive(plain))
    }

    /// The aggressive form of a lexicon term (always transformed).
    pub fn aggressive_term(term: &str) -> String {
        let plain = MatchingView::plain(term);
        build_aggressive(&plain).text.into_owned()
    }

    /// The normalised text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The original text.
    pub fn original(&self) -> &'a str {
        self.original
    }

    /// The original byte offset of the character that produced view byte `i`.
    pub fn origin(&self, i: usize) -> usize {
        if self.map.is_empty() {
            i
        } else if i >= self.map.len() {
            self.original.len()
        } else {
            self.map[i] as usize
        }
    }

    /// Maps a view span to the original span covering every character that produced it.
    /// The result always lies on character boundaries of the original.
    pub fn to_original(&self, start: usize, end: usize) -> (usize, usize) {
        if start >= end {
            let o = self.origin(start);
            return (o, o);
        }
        let s = self.origin(start);
        let e = match self.end_map.get(end - 1) {
            Some(&e) => e as usize,
            None => {
                let last = self.origin(end - 1);
                last + self.original[last..].chars().next().map_or(0, char::len_utf8)
            }
        };
        (s, e.max(s))
    }

    /// Whether an obfuscating fold (invisible characters, look-alike letters) happened inside this original span.
    pub fn obfuscated_within(&self, start: usize, end: usize) -> bool {
        let i = self.obfuscation_marks.partition_point(|&m| (m as usize) < start);
        self.obfuscation_marks.get(i).is_some_and(|&m| (m as usize) < end)
    }
}

/// ASCII text needs only lowercasing, and often not even that. Returns `None`
/// when the text needs the general path (non-ASCII, or whitespace to collapse).
fn ascii_fast_path(s: &str) -> Option<Cow<'_, str>> {
    let b = s.as_bytes();
    if !b.is_ascii() {
        return None;
    }
    let mut upper = false;
    let mut prev_space = false;
    for &c in b {
        match c {
            b' ' => {
                if prev_space {
                    return None;
                }
                prev_space = true;
            }
            b'\t' | b'\n' | b'\r' | 0x0B | 0x0C | b'`' | 0 => return None,
            _ => {
                prev_space = false;
                upper |= c.is_ascii_uppercase();
            }
        }
    }
    Some(if upper { Cow::Owned(s.to_ascii_lowercase()) } else { Cow::Borrowed(s) })
}

/// Which way look-alike letters inside one word are folded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LookalikeFold {
    None,
    ToLatin,
    ToCyrillic,
}

/// Decides the look-alike fold for one word: only words that mix scripts are
/// folded, towards the script whose letters all have look-alikes in the other.
fn lookalike_fold(word: &str) -> LookalikeFold {
    if word.is_ascii() {
        return LookalikeFold::None;
    }
    // Most words are of one script: decided from the scripts alone, before lowercasing and
    // looking up every letter (that made Cyrillic text three times slower than Arabic).
    let (mut any_latin, mut any_foreign, mut any_cyrillic, mut any_digit) = (false, false, false, false);
    for c in word.chars() {
        if c.is_ascii_digit() {
            any_digit = true;
            continue;
        }
        match script_of(c) {
            Script::Latin => any_latin = true,
            Script::Cyrillic => (any_foreign, any_cyrillic) = (true, true),
            Script::Greek | Script::Cherokee => any_foreign = true,
            _ => {}
        }
    }
    if !(any_latin && any_foreign || any_cyrillic && any_digit) {
        return LookalikeFold::None;
    }
    let (mut latin, mut foreign, mut cyrillic) = (0usize, 0usize, 0usize);
    let (mut foreign_all_latinish, mut latin_all_cyrillish, mut digits) = (true, true, 0usize);
    for c in word.chars() {
        if !c.is_alphanumeric() {
            continue;
        }
        let lc = c.to_lowercase().next().unwrap_or(c);
        if c.is_ascii_digit() {
            digits += 1;
            continue;
        }
        match script_of(c) {
            Script::Latin => {
                latin += 1;
                latin_all_cyrillish &= cyrillic_lookalike(lc).is_some();
            }
            s @ (Script::Cyrillic | Script::Greek | Script::Cherokee) => {
                foreign += 1;
                if s == Script::Cyrillic {
                    cyrillic += 1;
                }
                foreign_all_latinish &= latin_lookalike(lc).is_some();
            }
            _ => return LookalikeFold::None,
        }
    }
    if latin > 0 && foreign > 0 {
        if foreign_all_latinish {
            return LookalikeFold::ToLatin;
        }
        if latin_all_cyrillish && cyrillic > 0 {
            return LookalikeFold::ToCyrillic;
        }
    } else if cyrillic > 0 && digits > 0 && latin == 0 {
        // Digits standing for Cyrillic letters (3 for з, 0 for о).
        return LookalikeFold::ToCyrillic;
    }
    LookalikeFold::None
}

struct Builder {
    text: String,
    map: Vec<u32>,
    marks: Vec<u32>,
    last_base: Script,
}

impl Builder {
    fn push(&mut self, c: char, origin: usize) {
        let n = c.len_utf8();
        self.text.push(c);
        self.map.extend(std::iter::repeat_n(origin as u32, n));
    }

    fn push_str(&mut self, s: &str, origin: usize) {
        self.text.push_str(s);
        self.map.extend(std::iter::repeat_n(origin as u32, s.len()));
    }

    #[cfg(test)]
    fn last_char(&self) -> Option<char> {
        self.text.chars().next_back()
    }

    /// Emits one lowercased, decomposed character with the folds of the plain view.
    fn emit_folded(&mut self, d: char, origin: usize, fold: LookalikeFold) {
        if unicode_normalization::char::is_combining_mark(d) {
            if drops_marks(self.last_base) {
                return;
            }
            self.push(d, origin);
            return;
        }
        for l in d.to_lowercase() {
            if let Some(s) = fold_letter(l) {
                self.last_base = script_of(l);
                self.push_str(s, origin);
                continue;
            }
            let l2 = match fold {
                LookalikeFold::ToLatin => latin_lookalike(l),
                LookalikeFold::ToCyrillic if script_of(l) == Script::Latin || l.is_ascii_digit() => cyrillic_lookalike(l),
                _ => None,
            };
            if let Some(r) = l2 {
                self.marks.push(origin as u32);
                self.last_base = script_of(r);
                self.push(r, origin);
            } else {
                self.last_base = script_of(l);
                self.push(l, origin);
            }
        }
    }
}

/// What the plain view makes of one character of U+0080–U+07FF (accented Latin, Greek, Cyrillic,
/// Hebrew, Arabic …): its folded text and the script it leaves as the base for following marks.
/// `None` where the answer depends on the character before (a combining mark) or cannot be tabled.
type TwoByteFold = Option<(Box<str>, Script)>;

/// Decomposing, lowercasing and folding each character made the plain view of two-byte
/// scripts 15 times slower than ASCII; the table is built once from the same code path
/// (`emit_folded`), so its answers cannot differ (unit test).
fn two_byte_table() -> &'static [TwoByteFold] {
    static TABLE: std::sync::OnceLock<Vec<TwoByteFold>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        (0x80u32..0x800)
            .map(|u| {
                let c = char::from_u32(u)?;
                let mut starts_with_mark = false;
                let mut first = true;
                unicode_normalization::char::decompose_compatible(c, |d| {
                    starts_with_mark |= first && unicode_normalization::char::is_combining_mark(d);
                    first = false;
                });
                if starts_with_mark || is_invisible(c) || is_filler(c) {
                    return None;
                }
                let mut b = Builder { text: String::new(), map: Vec::new(), marks: Vec::new(), last_base: Script::Other };
                unicode_normalization::char::decompose_compatible(c, |d| b.emit_folded(d, 0, LookalikeFold::None));
                Some((b.text.into_boxed_str(), b.last_base))
            })
            .collect()
    })
}

impl Builder {
    /// Emits a character with the folds of the plain view and no look-alike fold, from the table when it can.
    fn emit_char(&mut self, c: char, origin: usize, table: &[TwoByteFold]) {
        if let Some(Some((out, base))) = (c as usize).checked_sub(0x80).and_then(|i| table.get(i)) {
            self.push_str(out, origin);
            self.last_base = *base;
        } else {
            unicode_normalization::char::decompose_compatible(c, |d| self.emit_folded(d, origin, LookalikeFold::None));
        }
    }
}

fn build_plain(original: &str) -> MatchingView<'_> {
    let table = two_byte_table();
    let mut b =
        Builder { text: String::with_capacity(original.len() + 8), map: Vec::with_capacity(original.len() + 8), marks: Vec::new(), last_base: Script::Other };
    // Walked byte by byte where the text is ASCII and character by character elsewhere: decoding
    // every character, even of ASCII words, was most of the plain view's time (callgrind).
    let bytes = original.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let x = bytes[i];
        let c = if x < 0x80 { char::from(x) } else { original[i..].chars().next().expect("a character starts here") };
        if (x < 0x80 && is_ascii_word_byte(x)) || (x >= 0x80 && (is_word_char(c) || is_invisible(c))) {
            // A word (invisible characters inside it are part of the disguise).
            let (end, ascii) = word_end(original, i);
            emit_word(&mut b, original, i, end, ascii, table);
            i = end;
            continue;
        }
        if c.is_whitespace() {
            let newline = c == '\n' || c == '\r' || c == '\u{2028}' || c == '\u{2029}';
            // ' ' and '\n' are ASCII: the last byte tells the last character.
            match b.text.as_bytes().last() {
                Some(b' ') if newline => {
                    b.text.pop();
                    b.text.push('\n');
                }
                Some(b' ') | Some(b'\n') => {}
                _ => b.push(if newline { '\n' } else { ' ' }, i),
            }
            b.last_base = Script::Other;
        } else if x < 0x80 {
            b.last_base = Script::Other;
            b.push(if c == '`' { '\'' } else { c }, i);
        } else {
            b.last_base = Script::Other;
            b.emit_char(c, i, table);
        }
        i += c.len_utf8();
    }
    b.marks.sort_unstable();
    MatchingView { original, text: Cow::Owned(b.text), map: b.map, end_map: Vec::new(), obfuscation_marks: b.marks }
}

/// An ASCII word character: a letter, a digit or '_' (what [`is_word_char`] says of ASCII). By table: it is asked of every byte.
#[inline]
pub fn is_ascii_word_byte(x: u8) -> bool {
    static WORD: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 128 {
            t[i] = (i as u8).is_ascii_alphanumeric() || i as u8 == b'_';
            i += 1;
        }
        t
    };
    WORD[x as usize]
}

/// The end of the word starting at byte `start` (a run of word characters and invisible ones), and whether it is all ASCII.
fn word_end(original: &str, start: usize) -> (usize, bool) {
    let bytes = original.as_bytes();
    let mut end = start;
    let mut ascii = true;
    while end < bytes.len() {
        let x = bytes[end];
        if x < 0x80 {
            if !is_ascii_word_byte(x) {
                break;
            }
            end += 1;
        } else {
            let c = original[end..].chars().next().expect("a character starts here");
            if !(is_word_char(c) || is_invisible(c)) {
                break;
            }
            ascii = false;
            end += c.len_utf8();
        }
    }
    (end, ascii)
}

/// Emits the word `original[start..end]` with the folds of the plain view.
fn emit_word(b: &mut Builder, original: &str, start: usize, end: usize, ascii: bool, table: &[TwoByteFold]) {
    let word = &original[start..end];
    if ascii {
        // Most words even of accented or mixed texts: lowercased byte for byte, in one go.
        b.last_base = Script::Latin;
        let at = b.text.len();
        b.text.push_str(word);
        b.text[at..].make_ascii_lowercase();
        b.map.extend(start as u32..end as u32);
        return;
    }
    let fold = lookalike_fold(word);
    for (k, c) in word.char_indices() {
        let o = start + k;
        if is_invisible(c) {
            b.marks.push(o as u32);
            continue;
        }
        if is_filler(c) {
            continue;
        }
        if c.is_ascii() && fold == LookalikeFold::None {
            b.last_base = Script::Latin;
            b.push(c.to_ascii_lowercase(), o);
        } else if fold == LookalikeFold::None {
            b.emit_char(c, o, table);
        } else {
            unicode_normalization::char::decompose_compatible(c, |d| b.emit_folded(d, o, fold));
        }
    }
}

fn is_leet_symbol(c: char) -> bool {
    leet(c).is_some() && !is_letter(c)
}

/// Cheap scan of a plain view for signs of obfuscation: a leet character
/// inside or at the start of a word, three identical letters in a row, or
/// single letters spread out with separators.
/// Whether byte `i` lies in a link (`https://…`, `www.…`): digits between letters there are ids and hashes,
/// not leetspeak. On the benchmark corpus 87 % of the texts that built an aggressive view did so only for a link.
fn in_link(b: &[u8], i: usize) -> bool {
    let start = b[..i].iter().rposition(|c| c.is_ascii_whitespace()).map_or(0, |p| p + 1);
    let end = b[i..].iter().position(|c| c.is_ascii_whitespace()).map_or(b.len(), |p| i + p);
    let token = &b[start..end];
    token.starts_with(b"www.") || memchr::memmem::find(token, b"://").is_some()
}

/// Byte classes of the scan below: a leet candidate, an ASCII letter, an ASCII letter or digit,
/// a letter separator (the byte read as a char, as the scan always did: 0xB7 is '·').
const LEET_BYTE: u8 = 1;
const ALPHA_BYTE: u8 = 2;
const ALNUM_BYTE: u8 = 4;
const SEP_BYTE: u8 = 8;

static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut k = 0;
        if matches!(b, b'0'..=b'9' | b'@' | b'$' | b'!' | b'|' | b'+') {
            k |= LEET_BYTE;
        }
        if b.is_ascii_alphabetic() {
            k |= ALPHA_BYTE;
        }
        if b.is_ascii_alphanumeric() {
            k |= ALNUM_BYTE;
        }
        if is_letter_separator(b as char) {
            k |= SEP_BYTE;
        }
        t[i] = k;
        i += 1;
    }
    t
};

/// Whether the leet candidate at byte `i` (an ASCII digit or symbol) stands inside or at the start of a word.
fn leet_obfuscates(text: &str, i: usize) -> bool {
    let alpha = |c: Option<char>| c.is_some_and(is_letter);
    // i is an ASCII byte, so a char boundary.
    let before = text[..i].chars().next_back();
    let mut rest = text[i + 1..].chars();
    let after = rest.next();
    let after_alpha = alpha(after) || (after.is_some_and(is_leet_symbol) && alpha(rest.next()));
    let word_start = !before.is_some_and(is_word_char);
    ((alpha(before) && after_alpha) || (word_start && after_alpha && text.as_bytes()[i] != b'@')) && !in_link(text.as_bytes(), i)
}

fn shows_obfuscation(text: &str) -> bool {
    let b = text.as_bytes();
    // Most of a text is ordinary words: blocks without a byte that could start a sign are skipped by a
    // check the compiler vectorises; the exact checks run on the blocks that remain.
    let mut i = 0;
    while i < b.len() {
        let end = (i + SCAN_BLOCK).min(b.len());
        let skip = i >= 1 && i + SCAN_BLOCK + 2 <= b.len() && !block_may_show_obfuscation(b, i);
        if !skip && ascii_signs_between(text, i, end) {
            return true;
        }
        i = end;
    }
    !text.is_ascii() && shows_obfuscation_beyond_ascii(text)
}

/// Bytes checked at once by [`block_may_show_obfuscation`].
const SCAN_BLOCK: usize = 16;

/// Whether a byte of `b[i..i + SCAN_BLOCK]` is one where [`ascii_signs_between`] runs an exact check: a leet
/// candidate, a letter followed by the same byte twice, or a letter after a non-alphanumeric byte and before a
/// separator. Needs a byte before the block and two after it. The classes of [`BYTE_CLASS`] are computed (a
/// test holds them equal) rather than looked up, and combined without branches, so that this compiles to
/// vector code.
fn block_may_show_obfuscation(b: &[u8], i: usize) -> bool {
    let window: &[u8; SCAN_BLOCK + 3] = b[i - 1..i + SCAN_BLOCK + 2].try_into().expect("window in bounds");
    let mut any = false;
    for j in 0..SCAN_BLOCK {
        let (before, c, next, next2) = (window[j], window[j + 1], window[j + 2], window[j + 3]);
        let tripled = (c == next) & (c == next2);
        any |= leet_byte(c) | (alpha_byte(c) & (tripled | (!alnum_byte(before) & separator_byte(next))));
    }
    any
}

/// [`BYTE_CLASS`]'s `ALPHA_BYTE`, computed.
#[inline(always)]
fn alpha_byte(c: u8) -> bool {
    (c | 0x20).wrapping_sub(b'a') < 26
}

/// [`BYTE_CLASS`]'s `ALNUM_BYTE`, computed.
#[inline(always)]
fn alnum_byte(c: u8) -> bool {
    alpha_byte(c) | (c.wrapping_sub(b'0') < 10)
}

/// [`BYTE_CLASS`]'s `LEET_BYTE`, computed.
#[inline(always)]
fn leet_byte(c: u8) -> bool {
    (c.wrapping_sub(b'0') < 10) | (c == b'@') | (c == b'$') | (c == b'!') | (c == b'|') | (c == b'+')
}

/// [`BYTE_CLASS`]'s `SEP_BYTE`, computed.
#[inline(always)]
fn separator_byte(c: u8) -> bool {
    (c == b' ')
        | (c == b'.')
        | (c == b'-')
        | (c == b'_')
        | (c == b'*')
        | (c == b'/')
        | (c == b'\\')
        | (c == b'~')
        | (c == b',')
        | (c == b'+')
        | (c == b'=')
        | (c == 0xB7)
}

/// The exact ASCII checks for bytes `from..to` of `text`: a leet character inside or at the start of a word,
/// a letter three times in a row outside a link, single letters spread out by separators.
fn ascii_signs_between(text: &str, from: usize, to: usize) -> bool {
    let b = text.as_bytes();
    let class = |k: usize| b.get(k).map_or(0, |&x| BYTE_CLASS[x as usize]);
    let mut prev_alnum = from > 0 && class(from - 1) & ALNUM_BYTE != 0;
    for (i, &c) in b.iter().enumerate().take(to).skip(from) {
        let k = BYTE_CLASS[c as usize];
        if k & LEET_BYTE != 0 {
            if leet_obfuscates(text, i) {
                return true;
            }
        } else if k & ALPHA_BYTE != 0 {
            if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c) && !in_link(b, i) {
                return true;
            }
            if !prev_alnum && class(i + 1) & SEP_BYTE != 0 {
                // x s y s z: single letters separated by single separators.
                let single = |k: usize| {
                    class(k) & ALPHA_BYTE != 0 && (k == 0 || BYTE_CLASS[b[k - 1] as usize] & ALNUM_BYTE == 0) && {
                        let n = b.get(k + 1);
                        !n.is_some_and(|&n| n >= 0x80 || BYTE_CLASS[n as usize] & ALNUM_BYTE != 0)
                    }
                };
                let sep = |k: usize| class(k) & SEP_BYTE != 0;
                if single(i) && sep(i + 1) && single(i + 2) && sep(i + 3) && single(i + 4) {
                    return true;
                }
            }
        }
        prev_alnum = k & ALNUM_BYTE != 0;
    }
    false
}

/// Other scripts: the same letter three times, or single letters spread out (к р ы с а).
/// Only the places where a pattern can start are looked at: a multi-byte character repeated byte for
/// byte, and a separator followed by a letter. (Decoding every character through a sliding window was
/// most of the obfuscation scan, which runs for every text; a test holds this to that window.)
fn shows_obfuscation_beyond_ascii(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        let sep = separator_len(b, i);
        if sep > 0 {
            if spread_letters_at(text, i, sep) {
                return true;
            }
            i += sep;
            continue;
        }
        if x >= 0xC0 {
            let n = utf8_len(x);
            if b.len() >= i + 3 * n
                && b[i..i + n] == b[i + n..i + 2 * n]
                && b[i..i + n] == b[i + 2 * n..i + 3 * n]
                && text[i..].chars().next().is_some_and(is_letter)
            {
                return true;
            }
            i += n;
            continue;
        }
        i += 1;
    }
    false
}

/// The byte length of a UTF-8 sequence from its first byte.
fn utf8_len(first: u8) -> usize {
    match first {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// The length of the letter separator starting at byte `i` (a character boundary), or 0 when there is none.
fn separator_len(b: &[u8], i: usize) -> usize {
    match b[i] {
        x if x < 0x80 => usize::from(BYTE_CLASS[x as usize] & SEP_BYTE != 0),
        0xC2 if b.get(i + 1) == Some(&0xB7) => 2,                // ·
        0xE2 if b.get(i + 1..i + 3) == Some(&[0x80, 0xA2]) => 3, // •
        _ => 0,
    }
}

/// Whether the separator at byte `i` (`sep` bytes long) is the first of `L S L S L`: single letters (no word
/// character on either side of the run) separated by single separators.
fn spread_letters_at(text: &str, i: usize, sep: usize) -> bool {
    let b = text.as_bytes();
    let s1 = i + sep;
    if s1 >= b.len() {
        return false;
    }
    // The second separator first: at most separators (a space before every word) it is not there, and
    // finding that needs no Unicode look-up.
    let s2 = s1 + utf8_len(b[s1]);
    let sep2 = if s2 < b.len() { separator_len(b, s2) } else { 0 };
    if sep2 == 0 || !text[s1..].chars().next().is_some_and(is_letter) {
        return false;
    }
    let mut tail = text[s2 + sep2..].chars();
    if !tail.next().is_some_and(is_letter) || tail.next().is_some_and(is_word_char) {
        return false;
    }
    let mut head = text[..i].chars().rev();
    head.next().is_some_and(is_letter) && !head.next().is_some_and(is_word_char)
}

fn build_aggressive<'a>(plain: &MatchingView<'a>) -> MatchingView<'a> {
    // Sized once (a character per byte at most): collecting from `char_indices` grew it by doubling, and each
    // larger copy took fresh memory (page faults were a third of this function's time).
    let mut v: Vec<(char, u32)> = Vec::with_capacity(plain.text().len());
    v.extend(plain.text().char_indices().map(|(i, c)| (c, plain.origin(i) as u32)));
    let alpha = |v: &[(char, u32)], i: usize| v.get(i).is_some_and(|x| is_letter(x.0));
    // 1. Leetspeak inside words.
    let mut i = 0;
    while i < v.len() {
        let c = v[i].0;
        if is_leet_symbol(c) {
            let before = i > 0 && alpha(&v, i - 1);
            let after = alpha(&v, i + 1) || (v.get(i + 1).is_some_and(|x| is_leet_symbol(x.0)) && alpha(&v, i + 2));
            let word_start = i == 0 || !is_word_char(v[i - 1].0);
            let trailing_after_word = before && !v.get(i + 1).is_some_and(|x| is_word_char(x.0)) && c.is_ascii_digit() && i >= 2 && alpha(&v, i - 2);
            if (before && after) || (word_start && after && c != '@' && c != '#') || trailing_after_word {
                v[i].0 = leet(c).expect("leet symbol");
            }
        }
        i += 1;
    }
    // 2. Single letters spread out with separators: k.i.l.l -> kill.
    let single = |v: &[(char, u32)], k: usize| alpha(v, k) && (k == 0 || !is_word_char(v[k - 1].0)) && !v.get(k + 1).is_some_and(|x| is_word_char(x.0));
    let mut keep = vec![true; v.len()];
    let mut k = 0;
    while k < v.len() {
        if single(&v, k) {
            // The letters are at k, k + 2, …, j; the separators between them go.
            let mut j = k;
            while j + 2 < v.len() && is_letter_separator(v[j + 1].0) && single(&v, j + 2) {
                j += 2;
            }
            if j - k >= 4 {
                for separator in (k + 1..j).step_by(2) {
                    keep[separator] = false;
                }
                k = j + 1;
                continue;
            }
        }
        k += 1;
    }
    // 3. Runs of the same letter collapse to one.
    let mut text = String::with_capacity(plain.text().len());
    let mut map = Vec::with_capacity(plain.text().len());
    let mut end_map: Vec<u32> = Vec::with_capacity(plain.text().len());
    let mut last: Option<char> = None;
    let original = plain.original;
    // An origin is a character boundary of the original, so its first byte gives the character's length.
    let end_of = |o: u32| original.as_bytes().get(o as usize).map_or(o, |&x| o + utf8_len(x) as u32);
    for (idx, &(c, o)) in v.iter().enumerate() {
        if !keep[idx] {
            continue;
        }
        if is_letter(c) && last == Some(c) {
            // The kept letter now stands for the whole run: extend its end.
            let n = c.len_utf8();
            let len = end_map.len();
            for e in &mut end_map[len - n..] {
                *e = (*e).max(end_of(o));
            }
            continue;
        }
        last = Some(c);
        text.push(c);
        map.extend(std::iter::repeat_n(o, c.len_utf8()));
        end_map.extend(std::iter::repeat_n(end_of(o), c.len_utf8()));
    }
    MatchingView { original, text: Cow::Owned(text), map, end_map, obfuscation_marks: plain.obfuscation_marks.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(view: &MatchingView, needle: &str) -> String {
        let s = view.text().find(needle).unwrap_or_else(|| panic!("{needle:?} not in {:?}", view.text()));
        let (a, b) = view.to_original(s, s + needle.len());
        view.original()[a..b].to_string()
    }

    #[test]
    fn ascii_is_borrowed_when_already_lower() {
        let v = MatchingView::plain("they are vermin");
        assert!(matches!(v.text, Cow::Borrowed(_)));
        let v = MatchingView::plain("They Are VERMIN");
        assert_eq!(v.text(), "they are vermin");
        assert_eq!(quote(&v, "vermin"), "VERMIN");
    }

    #[test]
    fn whitespace_collapses_and_keeps_newlines() {
        let v = MatchingView::plain("take  up\t arms\n\nnow");
        assert_eq!(v.text(), "take up arms\nnow");
        assert_eq!(quote(&v, "up arms"), "up\t arms");
    }

    #[test]
    fn accents_fullwidth_and_invisibles_fold() {
        let v = MatchingView::plain("Les RÉFUGIÉS sont des cafa\u{200B}rds ｖｅｒｍｉｎ");
        assert_eq!(v.text(), "les refugies sont des cafards vermin");
        assert_eq!(quote(&v, "cafards"), "cafa\u{200B}rds");
        let (s, e) = v.to_original(22, 29);
        assert!(v.obfuscated_within(s, e));
        assert!(!v.obfuscated_within(0, 3));
        assert_eq!(quote(&v, "vermin"), "ｖｅｒｍｉｎ");
    }

    #[test]
    fn lookalikes_fold_only_in_mixed_words() {
        // Cyrillic о and с inside a Latin word.
        let v = MatchingView::plain("c\u{043E}\u{0441}kroaches");
        assert_eq!(v.text(), "cockroaches");
        // A real Russian word stays Russian.
        assert_eq!(MatchingView::plain("Сор").text(), "сор");
        // Latin p and a inside a Cyrillic word fold to Cyrillic.
        assert_eq!(MatchingView::plain("кpыcа").text(), "крыса");
    }

    #[test]
    fn arabic_variants_and_harakat() {
        let v = MatchingView::plain("الصَّراصِير أحمد ـــمدينة");
        assert_eq!(v.text(), "الصراصير احمد مدينه");
    }

    #[test]
    fn two_byte_table_gives_what_the_general_path_gives() {
        // Every tabled character, alone, after a letter of each script, and before a combining mark.
        for (i, entry) in two_byte_table().iter().enumerate() {
            let c = char::from_u32(0x80 + i as u32).unwrap();
            if entry.is_none() {
                continue;
            }
            for base in [Script::Other, Script::Latin, Script::Arabic, Script::Cyrillic] {
                for next in ["", "\u{301}", "\u{64e}"] {
                    let run = |tabled: bool| {
                        let mut b = Builder { text: String::new(), map: Vec::new(), marks: Vec::new(), last_base: base };
                        if tabled {
                            b.emit_char(c, 0, two_byte_table());
                        } else {
                            unicode_normalization::char::decompose_compatible(c, |d| b.emit_folded(d, 0, LookalikeFold::None));
                        }
                        for m in next.chars() {
                            b.emit_folded(m, 2, LookalikeFold::None);
                        }
                        (b.text, b.map, b.last_base)
                    };
                    assert_eq!(run(true), run(false), "{c:?} after {base:?} before {next:?}");
                }
            }
        }
    }

    #[test]
    fn links_alone_do_not_call_for_the_aggressive_view() {
        for text in ["read https://ex.am/p/a45b4848ea now", "see www.site4u.org", "http://x.y/k1ll"] {
            assert!(MatchingView::aggressive(&MatchingView::plain(text)).is_none(), "{text}");
        }
        // Leet outside the link still counts.
        assert!(MatchingView::aggressive(&MatchingView::plain("k1ll them https://ex.am/p/a45b")).is_some());
    }

    #[test]
    fn aggressive_undoes_leet_separators_and_stretching() {
        for (input, want) in [
            ("k1ll them", "kil them"),
            ("c0ckr0aches", "cockroaches"),
            ("k.i.l.l them", "kil them"),
            ("kiiiill", "kil"),
            ("v e r m i n", "vermin"),
            ("p@r@sites", "parasites"),
        ] {
            let plain = MatchingView::plain(input);
            let agg = MatchingView::aggressive(&plain).unwrap_or_else(|| panic!("{input}"));
            assert_eq!(agg.text(), want, "{input}");
        }
        assert_eq!(MatchingView::aggressive_term("kill"), "kil");
        assert!(MatchingView::aggressive(&MatchingView::plain("see @user123 at 10 am")).is_none());
        let plain = MatchingView::plain("they are k.i.l.l-ers");
        let agg = MatchingView::aggressive(&plain).unwrap();
        let s = agg.text().find("kil").unwrap();
        let (a, b) = agg.to_original(s, s + 3);
        assert_eq!(&plain.original()[a..b], "k.i.l.l");
    }

    use proptest::prelude::*;

    fn text_strategy() -> impl Strategy<Value = String> {
        // Any characters, with the interesting ones (marks, invisibles, look-alikes, leet, separators) made frequent.
        let interesting = prop::sample::select(vec![
            'a', 'K', 'i', 'l', '1', '0', '@', '$', '.', ' ', '-', '\u{200B}', '\u{202E}', '\u{0301}', 'о', 'с', 'р', 'ß', 'ﬁ', 'ｖ', 'ا', 'ل', 'ـ', 'ة', 'क',
            'ि', '蟑', 'İ', '\n', '\t', '"', '’',
        ]);
        prop::collection::vec(prop_oneof![any::<char>(), interesting], 0..48).prop_map(|v| v.into_iter().collect())
    }

    fn check_spans(view: &MatchingView<'_>) -> Result<(), TestCaseError> {
        let o = view.original();
        let bounds: Vec<usize> = view.text().char_indices().map(|(i, _)| i).chain(std::iter::once(view.text().len())).collect();
        for (k, &i) in bounds.iter().enumerate() {
            for &j in &bounds[k..] {
                let (a, b) = view.to_original(i, j);
                prop_assert!(a <= b && b <= o.len(), "span {i}..{j} -> {a}..{b} out of {}", o.len());
                prop_assert!(o.is_char_boundary(a) && o.is_char_boundary(b), "span {i}..{j} -> {a}..{b} not on char boundaries of {o:?}");
            }
        }
        Ok(())
    }

    /// The ASCII part of the obfuscation scan as it was before bytes were classified with a table: the fast scan must agree with it.
    fn shows_obfuscation_reference(text: &str) -> bool {
        let b = text.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            match c {
                b'0'..=b'9' | b'@' | b'$' | b'!' | b'|' | b'+' if leet_obfuscates(text, i) => return true,
                b'0'..=b'9' | b'@' | b'$' | b'!' | b'|' | b'+' => {}
                _ if c.is_ascii_alphabetic() => {
                    if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c) && !in_link(b, i) {
                        return true;
                    }
                    let single = |k: usize| {
                        b.get(k).is_some_and(u8::is_ascii_alphabetic)
                            && (k == 0 || !b[k - 1].is_ascii_alphanumeric())
                            && !b.get(k + 1).is_some_and(|n| n.is_ascii_alphanumeric() || *n >= 0x80)
                    };
                    let sep = |k: usize| b.get(k).is_some_and(|&x| is_letter_separator(x as char));
                    if single(i) && sep(i + 1) && single(i + 2) && sep(i + 3) && single(i + 4) {
                        return true;
                    }
                }
                _ => {}
            }
        }
        !text.is_ascii() && shows_obfuscation_beyond_ascii(text)
    }

    /// The scan of other scripts as it was, a sliding window over every character: the byte scan must agree with it.
    fn beyond_ascii_reference(text: &str) -> bool {
        let (mut w0, mut w1, mut w2, mut w3, mut w4, mut w5) = ('\0', '\0', '\0', '\0', '\0', '\0');
        let word = |c: char| c != '\0' && is_word_char(c);
        for c in text.chars().chain(std::iter::once('\0')) {
            if c == w5 && w5 == w4 && !c.is_ascii() && is_letter(c) {
                return true;
            }
            if is_letter_separator(w4) && is_letter_separator(w2) && !word(w0) && !word(c) && [w1, w3, w5].iter().all(|c| is_letter(*c)) {
                return true;
            }
            (w0, w1, w2, w3, w4, w5) = (w1, w2, w3, w4, w5, c);
        }
        false
    }

    /// The plain view as it was built before the byte walk (character by character, words found and
    /// whitespace collapsed the old way; the folding inside a non-ASCII word is shared): the walk must agree with it.
    fn build_plain_reference(original: &str) -> MatchingView<'_> {
        let table = two_byte_table();
        let mut b = Builder {
            text: String::with_capacity(original.len() + 8),
            map: Vec::with_capacity(original.len() + 8),
            marks: Vec::new(),
            last_base: Script::Other,
        };
        let mut rest = original.char_indices().peekable();
        while let Some(&(i, c)) = rest.peek() {
            if is_word_char(c) || is_invisible(c) {
                // A word (invisible characters inside it are part of the disguise).
                let mut end = i;
                while let Some(&(j, c)) = rest.peek() {
                    if is_word_char(c) || is_invisible(c) {
                        end = j + c.len_utf8();
                        rest.next();
                    } else {
                        break;
                    }
                }
                let word = &original[i..end];
                if word.is_ascii() {
                    // Most words even of accented or mixed texts: lowercased byte for byte, in one go.
                    b.last_base = Script::Latin;
                    b.text.extend(word.bytes().map(|x| char::from(x.to_ascii_lowercase())));
                    b.map.extend(i as u32..end as u32);
                    continue;
                }
                // The folding of a word's characters did not change with the byte walk: shared.
                emit_word(&mut b, original, i, end, false, table);
                continue;
            }
            rest.next();
            if c.is_whitespace() {
                let newline = c == '\n' || c == '\r' || c == '\u{2028}' || c == '\u{2029}';
                match b.last_char() {
                    Some(' ') if newline => {
                        let n = b.text.len();
                        b.text.replace_range(n - 1..n, "\n");
                    }
                    Some(' ') | Some('\n') => {}
                    _ => b.push(if newline { '\n' } else { ' ' }, i),
                }
                b.last_base = Script::Other;
            } else if c.is_ascii() {
                b.last_base = Script::Other;
                let c = if c == '`' { '\'' } else { c };
                b.push(c, i);
            } else {
                b.last_base = Script::Other;
                b.emit_char(c, i, table);
            }
        }
        b.marks.sort_unstable();
        MatchingView { original, text: Cow::Owned(b.text), map: b.map, end_map: Vec::new(), obfuscation_marks: b.marks }
    }

    /// Texts made of the bytes the scan looks at: letters, leet, separators, '·' (0xB7 inside), links.
    fn scan_strategy() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "a", "b", "k", "l", "E", "1", "3", "0", "@", "$", "!", "|", "+", " ", ".", "-", "_", "*", "/", "\\", "~", ",", "=", "·", "•", "é", "к", "ааа",
            "lll", "https://", "www.", "\n", "x", "k.i.l", "a b c", "x-y", "v·e·r", "k1ll", "l!ke", "+a", "9a", "a.", ".b",
        ]);
        prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
    }

    #[test]
    fn computed_byte_classes_are_the_table() {
        for x in 0..=255u8 {
            let k = BYTE_CLASS[x as usize];
            assert_eq!(alpha_byte(x), k & ALPHA_BYTE != 0, "alpha {x:#x}");
            assert_eq!(alnum_byte(x), k & ALNUM_BYTE != 0, "alnum {x:#x}");
            assert_eq!(leet_byte(x), k & LEET_BYTE != 0, "leet {x:#x}");
            assert_eq!(separator_byte(x), k & SEP_BYTE != 0, "separator {x:#x}");
        }
    }

    #[test]
    fn a_sign_after_clean_blocks_is_found_at_every_offset() {
        // Every alignment of the sign against the skipped blocks, and signs that straddle a block end.
        for sign in ["k1ll", "sooo", "k i l", "x.y.z", "$cum", "v·e·r", "(k i l)", "\"x.y.z\"", "\nk-i-l", "#a*b*c"] {
            for offset in 0..40 {
                // Words, and one long word: no word starts, so a block skipped is one without the sign.
                for filler in ["the market road ", "abcdefghijklmnopqrstuvwxyz"] {
                    let text = format!("{} {sign} and more words after it", filler.repeat(4).get(..offset + 20).unwrap());
                    assert!(shows_obfuscation(&text), "{text:?}");
                    assert_eq!(shows_obfuscation(&text), shows_obfuscation_reference(&text), "{text:?}");
                }
                let glued = format!("{}{sign}", "abcdefghijklmnopqrstuvwxyz".repeat(3).get(..offset + 20).unwrap());
                assert_eq!(shows_obfuscation(&glued), shows_obfuscation_reference(&glued), "{glued:?}");
            }
        }
        assert!(!shows_obfuscation(&"the market road ".repeat(20)));
    }

    /// Clean words around one piece that may be a sign, at any offset: long enough for blocks to be skipped.
    fn padded_strategy() -> impl Strategy<Value = String> {
        (0usize..60, scan_strategy(), 0usize..40).prop_map(|(before, piece, after)| {
            let filler = "the market road in town ".repeat(5);
            format!("{}{piece}{}", &filler[..before], &filler[..after])
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn block_scan_agrees_with_the_reference(text in padded_strategy()) {
            prop_assert_eq!(shows_obfuscation(&text), shows_obfuscation_reference(&text), "{:?}", text);
        }

        #[test]
        fn obfuscation_scan_agrees_with_the_reference(s in scan_strategy(), t in text_strategy()) {
            let plain = MatchingView::plain(&s);
            for text in [s.as_str(), t.as_str(), plain.text()] {
                prop_assert_eq!(shows_obfuscation(text), shows_obfuscation_reference(text), "{:?}", text);
            }
        }

        #[test]
        fn other_scripts_scan_agrees_with_the_window(v in prop::collection::vec(prop::sample::select(vec![
            'к', 'а', 'é', 'x', '1', '_', ' ', '·', '•', '.', 'ß', 'ا', '\u{0301}', '👍',
        ]), 0..16)) {
            // A small alphabet, so that single letters between separators and runs of one letter are frequent.
            let text: String = v.into_iter().collect();
            prop_assert_eq!(shows_obfuscation_beyond_ascii(&text), beyond_ascii_reference(&text), "{:?}", text);
        }

        #[test]
        fn byte_walk_builds_the_view_the_character_walk_built(s in text_strategy(), t in scan_strategy()) {
            for text in [s.as_str(), t.as_str()] {
                let (new, old) = (build_plain(text), build_plain_reference(text));
                prop_assert_eq!(new.text(), old.text(), "{:?}", text);
                prop_assert_eq!(&new.map, &old.map, "{:?}", text);
                prop_assert_eq!(&new.obfuscation_marks, &old.obfuscation_marks, "{:?}", text);
            }
        }

        #[test]
        fn every_span_maps_to_char_boundaries(s in text_strategy()) {
            let plain = MatchingView::plain(&s);
            check_spans(&plain)?;
            if let Some(agg) = MatchingView::aggressive(&plain) {
                check_spans(&agg)?;
            }
            let forced = build_aggressive(&plain);
            check_spans(&forced)?;
        }

        #[test]
        fn spans_cover_what_produced_them(s in text_strategy()) {
            // Mapping is monotone: a later view position never maps before an earlier one.
            let plain = MatchingView::plain(&s);
            let mut last = 0;
            for (i, _) in plain.text().char_indices() {
                let o = plain.origin(i);
                prop_assert!(o >= last);
                last = o;
            }
        }

        #[test]
        fn lowercase_ascii_is_its_own_view(s in "[a-z0-9 ,.!?']{0,60}") {
            let collapsed = s.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
            prop_assume!(collapsed == s);
            let v = MatchingView::plain(&s);
            prop_assert_eq!(v.text(), s.as_str());
        }
    }
}
