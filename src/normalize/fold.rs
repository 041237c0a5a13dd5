//! Character tables for the matching view: what disappears, what folds to what.
//!
//! Each function answers for one character and owns no state, so the view
//! builder stays a single loop. Tables are small on purpose; see DESIGN.md
//! next to this file for why each fold exists.

/// Script families that matter for folding and word boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// ASCII and Latin extensions.
    Latin,
    /// Greek and Coptic.
    Greek,
    /// Cyrillic.
    Cyrillic,
    /// Arabic (and Persian/Urdu letters).
    Arabic,
    /// Hebrew.
    Hebrew,
    /// Cherokee (a source of Latin look-alikes).
    Cherokee,
    /// Scripts written without spaces between words: Han, Kana, Thai, Lao, Khmer, Myanmar.
    Unspaced,
    /// Everything else (Devanagari, Ethiopic, Hangul …), folded only by NFKD and case.
    Other,
}

/// The script family of a character, by code point block.
#[inline]
pub fn script_of(c: char) -> Script {
    // One- and two-byte characters (Latin, Greek, Cyrillic, Hebrew, Arabic) from a table: the chain
    // of range tests ran for every character of every non-ASCII word (callgrind: 2 % of a run).
    match SMALL_SCRIPTS.get(c as usize) {
        Some(s) => *s,
        None => script_by_block(c as u32),
    }
}

/// [`script_of`] below U+0800, built at compile time from the same ranges.
static SMALL_SCRIPTS: [Script; 0x800] = {
    let mut t = [Script::Other; 0x800];
    let mut u = 0;
    while u < 0x800 {
        t[u] = script_by_block(u as u32);
        u += 1;
    }
    t
};

const fn script_by_block(u: u32) -> Script {
    match u {
        0x0000..=0x024F | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF | 0xFF21..=0xFF5A => Script::Latin,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x0590..=0x05FF | 0xFB1D..=0xFB4F => Script::Hebrew,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => Script::Arabic,
        0x13A0..=0x13FF | 0xAB70..=0xABBF => Script::Cherokee,
        0x0E00..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF | 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => {
            Script::Unspaced
        }
        _ => Script::Other,
    }
}

/// Invisible characters used to break up words: zero-width spaces and joiners,
/// bidi controls, soft hyphen, word joiner, BOM. Removed from the view.
pub fn is_invisible(c: char) -> bool {
    if (c as u32) < 0x800 {
        // The only three below U+0800; asked of every character of every non-ASCII word.
        return matches!(c as u32, 0x00AD | 0x034F | 0x061C);
    }
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0xE0000..=0xE007F)
}

/// Combining marks that carry no meaning for matching in this script: accents
/// on Latin, Greek and Cyrillic letters; harakat in Arabic; niqqud in Hebrew.
/// Marks on other scripts (Devanagari vowel signs, Thai, Burmese) are kept.
pub fn drops_marks(base: Script) -> bool {
    matches!(base, Script::Latin | Script::Greek | Script::Cyrillic | Script::Arabic | Script::Hebrew)
}

/// Letter folds applied after case folding: full case folding that
/// `to_lowercase` leaves out, Arabic letter variants, typographic punctuation.
pub fn fold_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'ς' => "σ",
        'ı' => "i",
        // Arabic: hamza carriers on alef, alef maqsura, ta marbuta, Persian forms.
        'أ' | 'إ' | 'آ' | 'ٱ' => "ا",
        'ى' | 'ی' => "ي",
        'ة' => "ه",
        'ک' => "ك",
        // Apostrophes and hyphens people type in many ways.
        '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{00B4}' | '`' | '\u{2032}' => "'",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => "-",
        _ => return None,
    })
}

/// Characters removed outright: Arabic tatweel (kashida) stretches words without changing them.
pub fn is_filler(c: char) -> bool {
    c == '\u{0640}'
}

/// A Cyrillic, Greek or Cherokee letter's Latin look-alike (lowercase).
pub fn latin_lookalike(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic
        'а' => 'a',
        'в' => 'b',
        'е' => 'e',
        'ё' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        'ѕ' => 's',
        'і' => 'i',
        'ї' => 'i',
        'ј' => 'j',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'һ' => 'h',
        'ɡ' => 'g',
        'ь' => 'b',
        // Greek
        'α' => 'a',
        'β' => 'b',
        'ε' => 'e',
        'η' => 'n',
        'ι' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'γ' => 'y',
        'ω' => 'w',
        'μ' => 'u',
        // Cherokee, small letters (what lowercase makes of the capitals)
        'ꭺ' => 'a',
        'ᏼ' | 'ꮟ' => 'b',
        'ꮯ' => 'c',
        'ꭼ' => 'e',
        'ꮋ' => 'h',
        'ꭻ' => 'j',
        'ꮶ' => 'k',
        'ꮮ' => 'l',
        'ꮇ' => 'm',
        'ꮲ' => 'p',
        'ꮪ' => 's',
        'ꭲ' => 't',
        'ꮩ' => 'v',
        'ꮃ' => 'w',
        'ꮓ' => 'z',
        'ꮐ' => 'g',
        'ꮖ' => 'i',
        'ꮎ' => 'o',
        _ => return None,
    })
}

/// A Latin letter's Cyrillic look-alike (lowercase), for Latin letters hidden in Cyrillic words.
pub fn cyrillic_lookalike(c: char) -> Option<char> {
    Some(match c {
        'a' => 'а',
        'b' => 'в',
        'c' => 'с',
        'e' => 'е',
        'h' => 'н',
        'i' => 'і',
        'k' => 'к',
        'm' => 'м',
        'o' => 'о',
        'p' => 'р',
        't' => 'т',
        'x' => 'х',
        'y' => 'у',
        '3' => 'з',
        '0' => 'о',
        '6' => 'б',
        _ => return None,
    })
}

/// Leetspeak: a digit or symbol standing for a letter inside a word.
pub fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' | '+' => 't',
        '8' => 'b',
        '9' => 'g',
        '|' => 'l',
        '€' => 'e',
        _ => return None,
    })
}

/// Separators people put between the letters of a word (k.i.l.l, k-i-l-l, k i l l).
pub const fn is_letter_separator(c: char) -> bool {
    matches!(c, ' ' | '.' | '-' | '_' | '*' | '·' | '•' | '/' | '\\' | '~' | ',' | '+' | '=')
}

/// A word character in the view: letters, digits and the marks that belong to words.
#[inline]
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else if (c as u32) < SMALL_TABLE_END {
        small_table().word.contains(c)
    } else {
        slow_is_word_char(c)
    }
}

fn slow_is_word_char(c: char) -> bool {
    c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c)
}

/// `char::is_alphabetic`, with a table for the two-byte range (Latin, Greek, Cyrillic, Hebrew, Arabic).
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else if (c as u32) < SMALL_TABLE_END {
        small_table().letter.contains(c)
    } else {
        c.is_alphabetic()
    }
}

/// Characters below this code point (every one- and two-byte UTF-8 character) are classified by table.
const SMALL_TABLE_END: u32 = 0x800;

/// A set of code points below [`SMALL_TABLE_END`].
struct CharBits([u64; SMALL_TABLE_END as usize / 64]);

impl CharBits {
    fn build(f: impl Fn(char) -> bool) -> Self {
        let mut bits = [0u64; SMALL_TABLE_END as usize / 64];
        for c in (0..SMALL_TABLE_END).filter_map(char::from_u32) {
            if f(c) {
                bits[c as usize / 64] |= 1 << (c as usize % 64);
            }
        }
        CharBits(bits)
    }

    fn contains(&self, c: char) -> bool {
        self.0[c as usize / 64] & (1 << (c as usize % 64)) != 0
    }
}

/// Unicode property look-ups (`is_alphanumeric`, combining marks) were a tenth of a
/// run's time on accented and Arabic text; the tables are built once from the same
/// predicates, so the answers cannot differ.
struct SmallTable {
    word: CharBits,
    letter: CharBits,
}

fn small_table() -> &'static SmallTable {
    static TABLE: std::sync::OnceLock<SmallTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| SmallTable { word: CharBits::build(slow_is_word_char), letter: CharBits::build(char::is_alphabetic) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_agree_with_the_unicode_properties() {
        for c in (0..0x1000u32).filter_map(char::from_u32) {
            assert_eq!(is_word_char(c), if c.is_ascii() { c.is_ascii_alphanumeric() || c == '_' } else { slow_is_word_char(c) }, "{c:?}");
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c:?}");
            assert_eq!(script_of(c), script_by_block(c as u32), "{c:?}");
        }
    }

    #[test]
    fn scripts() {
        assert_eq!(script_of('k'), Script::Latin);
        assert_eq!(script_of('é'), Script::Latin);
        assert_eq!(script_of('к'), Script::Cyrillic);
        assert_eq!(script_of('κ'), Script::Greek);
        assert_eq!(script_of('ص'), Script::Arabic);
        assert_eq!(script_of('ก'), Script::Unspaced);
        assert_eq!(script_of('中'), Script::Unspaced);
        assert_eq!(script_of('क'), Script::Other);
    }

    #[test]
    fn invisibles_and_lookalikes() {
        assert!(is_invisible('\u{200B}'));
        assert!(is_invisible('\u{202E}'));
        assert!(!is_invisible(' '));
        assert_eq!(latin_lookalike('о'), Some('o'));
        assert_eq!(cyrillic_lookalike('p'), Some('р'));
        assert_eq!(leet('0'), Some('o'));
        assert!(is_word_char('क') && is_word_char('\u{093E}') && !is_word_char('-'));
    }
}
