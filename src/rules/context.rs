//! The context of a document for rules: tokens with sentence and clause
//! numbers, quoted passages, and the cues (modifier words, pronouns) found in it.

use aho_corasick::{AhoCorasick, MatchKind};

use crate::lexicon::{Cue, CueScope, MatchMode};
use crate::normalize::{tokenize, MatchingView};
use crate::signal::Modifier;

/// What a cue found in a text marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueKind {
    /// A modifier with its scope.
    Modifier(Modifier, CueScope),
    /// A pronoun or "these people": may point back to a group.
    Pronoun,
    /// A pronoun that points back only to a group named before it ("they", "them").
    Anaphor,
    /// A person frame: makes the noun beside it name a person or people ("like you", "typical").
    Frame,
    /// A rhetorical phrase: the negation, question or hypothetical cues inside it do not count ("isn't it", "why don't we").
    Assertive,
    /// A word that ends the reach of `following` cues ("but", "so").
    Break,
}

/// A cue found in a text.
#[derive(Debug, Clone, Copy)]
pub struct CueHit {
    /// What it marks.
    pub kind: CueKind,
    /// First token.
    pub first: usize,
    /// Last token.
    pub last: usize,
    /// Index of the cue's normalised form (see [`CueMatcher::form`]).
    pub form: u32,
}

#[derive(Debug, Clone)]
struct CueItem {
    kind: CueKind,
    lang: String,
}

/// Finds modifier cues and pronouns in a matching view.
#[derive(Debug, Clone, Default)]
pub struct CueMatcher {
    ac: Option<AhoCorasick>,
    forms: Vec<String>,
    items: Vec<Vec<CueItem>>,
}

impl CueMatcher {
    /// Compiles cues and pronouns (language, words).
    pub fn new(cues: &[Cue], pronouns: &[(String, String)]) -> Self {
        let words: Vec<(String, String, CueKind)> = pronouns.iter().map(|(l, w)| (l.clone(), w.clone(), CueKind::Pronoun)).collect();
        Self::with_words(cues, &words)
    }

    /// Compiles cues and the context words of the rules (language, word, kind: pronouns, frames, scope words).
    pub fn with_words(cues: &[Cue], words: &[(String, String, CueKind)]) -> Self {
        let mut forms: Vec<String> = Vec::new();
        let mut items: Vec<Vec<CueItem>> = Vec::new();
        let mut add = |form: &str, item: CueItem| {
            let f = MatchingView::plain(form).text().trim().to_string();
            if f.is_empty() {
                return;
            }
            match forms.iter().position(|x| *x == f) {
                Some(i) => items[i].push(item),
                None => {
                    forms.push(f);
                    items.push(vec![item]);
                }
            }
        };
        for c in cues {
            add(&c.cue, CueItem { kind: CueKind::Modifier(c.modifier, c.scope), lang: c.lang.clone() });
        }
        for (lang, word, kind) in words {
            add(word, CueItem { kind: *kind, lang: lang.clone() });
        }
        if forms.is_empty() {
            return CueMatcher::default();
        }
        let ac = AhoCorasick::builder().match_kind(MatchKind::Standard).build(&forms).expect("cue automaton");
        CueMatcher { ac: Some(ac), forms, items }
    }

    /// The normalised form of a cue hit.
    pub fn form(&self, hit: &CueHit) -> &str {
        &self.forms[hit.form as usize]
    }

    /// Cues in a view, of the document's language (all languages when unknown).
    pub fn find(&self, view: &MatchingView<'_>, ctx: &DocContext, lang: Option<&str>) -> Vec<CueHit> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let text = view.text();
        let base = lang.map(|l| l.split(['-', '_']).next().unwrap_or(l));
        let mut out = Vec::new();
        for m in ac.find_overlapping_iter(text) {
            if crate::lexicon::verify(text, m.start(), m.end(), MatchMode::Word, None).is_none() {
                continue;
            }
            let (s, e) = view.to_original(m.start(), m.end());
            let Some((first, last)) = ctx.token_span(s, e) else {
                continue;
            };
            for item in &self.items[m.pattern().as_usize()] {
                let item_base = item.lang.split(['-', '_']).next().unwrap_or(&item.lang);
                if base.is_none_or(|b| b == item_base || item.lang.is_empty()) && !out.iter().any(|h: &CueHit| h.kind == item.kind && h.first == first) {
                    out.push(CueHit { kind: item.kind, first, last, form: m.pattern().as_u32() });
                }
            }
        }
        out
    }
}

/// One token, located in the original text.
#[derive(Debug, Clone, Copy)]
pub struct TokenInfo {
    /// Byte start in the original.
    pub start: usize,
    /// Byte end in the original.
    pub end: usize,
    /// Sentence number.
    pub sentence: u32,
    /// Clause number (commas, colons and dashes split clauses).
    pub clause: u32,
}

/// Tokens, sentences, clauses and quoted passages of one document.
#[derive(Debug, Clone)]
pub struct DocContext {
    /// Tokens in order.
    pub tokens: Vec<TokenInfo>,
    /// Sentences that are questions.
    pub questions: Vec<u32>,
    /// Quoted passages (original byte ranges).
    pub quotes: Vec<(usize, usize)>,
}

impl DocContext {
    /// Builds the context of a document from its plain view.
    pub fn new(view: &MatchingView<'_>) -> Self {
        let text = view.text();
        let raw = tokenize(text);
        let mut tokens = Vec::with_capacity(raw.len());
        let mut clause = 0u32;
        let mut questions = Vec::new();
        for (i, t) in raw.iter().enumerate() {
            if i > 0 {
                let prev = raw[i - 1];
                if prev.sentence != t.sentence {
                    clause += 1;
                } else {
                    let gap = &text[prev.end as usize..t.start as usize];
                    // Most gaps are one space; the character search below is the slow path.
                    if gap != " " && (gap.contains([',', ':', ';', '(', ')', '—']) || gap.contains(" - ")) {
                        clause += 1;
                    }
                }
            }
            let (start, end) = view.to_original(t.start as usize, t.end as usize);
            tokens.push(TokenInfo { start, end, sentence: t.sentence, clause });
        }
        // A sentence is a question when a question mark follows its last token before the next sentence.
        for (i, t) in raw.iter().enumerate() {
            let last_of_sentence = raw.get(i + 1).is_none_or(|n| n.sentence != t.sentence);
            if last_of_sentence {
                let tail_end = raw.get(i + 1).map_or(text.len(), |n| n.start as usize);
                if text[t.end as usize..tail_end].contains(['?', '؟', '？']) {
                    questions.push(t.sentence);
                }
            }
        }
        DocContext { tokens, questions, quotes: quoted_passages(view.original()) }
    }

    /// The first and last token overlapping an original span.
    pub fn token_span(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let first = self.tokens.partition_point(|t| t.end <= start);
        if first >= self.tokens.len() || self.tokens[first].start >= end.max(start + 1) {
            return None;
        }
        let last = self.tokens.partition_point(|t| t.start < end).saturating_sub(1).max(first);
        Some((first, last))
    }

    /// Whether an original span lies inside quotation marks.
    pub fn quoted(&self, start: usize, end: usize) -> bool {
        self.quotes.iter().any(|&(a, b)| a <= start && end <= b)
    }
}

/// Passages between quotation marks: straight double quotes, typographic
/// quotes, guillemets, CJK corner brackets.
fn quoted_passages(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut stack: Vec<(char, usize)> = Vec::new();
    let mut straight: Option<usize> = None;
    for (i, c) in text.char_indices() {
        match c {
            '"' => match straight.take() {
                Some(s) => out.push((s, i)),
                None => straight = Some(i + 1),
            },
            '“' if stack.last().is_some_and(|(o, _)| *o == '„') => {
                let (_, s) = stack.pop().expect("opener");
                out.push((s, i));
            }
            '“' | '„' | '«' | '‹' | '「' | '『' => stack.push((c, i + c.len_utf8())),
            '”' | '»' | '›' | '」' | '』' => {
                if let Some((_, s)) = stack.pop() {
                    out.push((s, i));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_questions_quotes() {
        let text = "He said: \"they are rats\". Are they? «Non», dit-il";
        let view = MatchingView::plain(text);
        let ctx = DocContext::new(&view);
        assert_eq!(ctx.tokens.len(), 10);
        assert_eq!(ctx.tokens[0].clause, ctx.tokens[1].clause);
        assert_ne!(ctx.tokens[1].clause, ctx.tokens[2].clause);
        assert_eq!(ctx.questions, vec![1]);
        let rats = text.find("rats").unwrap();
        assert!(ctx.quoted(rats, rats + 4));
        assert!(!ctx.quoted(0, 2));
        assert_eq!(ctx.token_span(rats, rats + 4), Some((4, 4)));
        assert_eq!(quoted_passages("„Hallo“ und «oui»").len(), 2);
    }
}
