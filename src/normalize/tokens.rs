//! Tokens and sentences of a matching view, for proximity rules and modifier scopes.

use super::fold::{is_word_char, script_of, Script};

/// A word of the view, with the sentence it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte start in the view.
    pub start: u32,
    /// Byte end in the view.
    pub end: u32,
    /// Sentence number, from 0.
    pub sentence: u32,
}

fn ends_sentence(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ';' | '\n' | '؟' | '۔' | '।' | '॥' | '။' | '።' | '。' | '！' | '？' | '；' | '…')
}

/// Splits a view into word tokens. Characters of scripts written without
/// spaces (Han, Thai, Burmese …) are one token each, so that distances in
/// tokens stay meaningful there too.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    let mut sentence = 0u32;
    let mut start: Option<usize> = None;
    let mut pending_break = false;
    for (i, c) in text.char_indices() {
        if is_word_char(c) {
            let unspaced = !c.is_ascii() && script_of(c) == Script::Unspaced;
            if pending_break {
                sentence += 1;
                pending_break = false;
            }
            if unspaced {
                if let Some(s) = start.take() {
                    out.push(Token { start: s as u32, end: i as u32, sentence });
                }
                out.push(Token { start: i as u32, end: (i + c.len_utf8()) as u32, sentence });
            } else if start.is_none() {
                start = Some(i);
            }
        } else {
            if let Some(s) = start.take() {
                out.push(Token { start: s as u32, end: i as u32, sentence });
            }
            // A dot between digits or in an abbreviation is no sentence end; good enough: require a following space or end.
            if ends_sentence(c) && !out.is_empty() {
                let next = text[i + c.len_utf8()..].chars().next();
                if c != '.' || next.is_none_or(|n| n.is_whitespace()) {
                    pending_break = true;
                }
            }
        }
    }
    if let Some(s) = start {
        out.push(Token { start: s as u32, end: text.len() as u32, sentence });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_sentences() {
        let t = tokenize("they are rats. the 3.5 kg cat! ok");
        let words: Vec<&str> = t.iter().map(|t| &"they are rats. the 3.5 kg cat! ok"[t.start as usize..t.end as usize]).collect();
        assert_eq!(words, ["they", "are", "rats", "the", "3", "5", "kg", "cat", "ok"]);
        let sentences: Vec<u32> = t.iter().map(|t| t.sentence).collect();
        assert_eq!(sentences, [0, 0, 0, 1, 1, 1, 1, 1, 2]);
    }

    #[test]
    fn unspaced_scripts_are_one_token_per_character() {
        assert_eq!(tokenize("他们是蟑螂").len(), 5);
    }
}
