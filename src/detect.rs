//! Detection: a document's text in, its signals out.
//!
//! normalise → lexicon hits (exact, then fuzzy: misspelt and glued words) →
//! context (tokens, cues, quotes) → rules →
//! signals with targets and modifiers → the policy decides how each counts.

use crate::lexicon::{CompiledLexicon, CueScope, FuzzyIndex, Hit, KnownWord, LexiconSet};
use crate::normalize::MatchingView;
use crate::rules::{CueHit, CueKind};
use crate::rules::{CueMatcher, DocContext, RuleError, RuleSet};
use crate::signal::{Category, Modifier, Modifiers, Signal, SignalPolicy};

/// How far (in tokens) a `following` cue reaches: "I don't think they are vermin".
const FOLLOWING_REACH: usize = 5;
/// How far a `preceding` cue reaches back: "… vermin, she said".
const PRECEDING_REACH: usize = 8;
/// How many sentences back "they" or "them" may point to a group: "X moved in next door. I hate them."
const ANTECEDENT_SENTENCES: u32 = 2;

/// Everything needed to detect signals, compiled once per run and shared by all workers.
#[derive(Debug)]
pub struct Detector {
    lexicon: CompiledLexicon,
    rules: RuleSet,
    cues: CueMatcher,
    policy: SignalPolicy,
    /// Misspellings and glued words (languages whose rules turn it on); `None` when off.
    fuzzy: Option<FuzzyIndex>,
}

/// Why a detector could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DetectorError {
    /// The rule files have problems.
    #[error(transparent)]
    Rules(#[from] RuleError),
    /// The automaton could not be built (too many or too long patterns).
    #[error("cannot compile the lexicon automaton: {0}")]
    Automaton(#[from] aho_corasick::BuildError),
}

impl Detector {
    /// Compiles a lexicon set and its rules.
    pub fn new(set: LexiconSet, policy: SignalPolicy) -> Result<Self, DetectorError> {
        let rules = RuleSet::load(&set.rule_files)?;
        let words = rules.context_words();
        let cues = CueMatcher::with_words(&set.cues, &words);
        let known = set
            .cues
            .iter()
            .map(|c| KnownWord { lang: &c.lang, word: &c.cue, listed: false })
            .chain(words.iter().map(|(lang, word, _)| KnownWord { lang, word, listed: false }))
            .chain(set.words.iter().map(|(lang, word)| KnownWord { lang, word, listed: true }));
        let fuzzy = FuzzyIndex::build(&set.entries, known, &rules.fuzzy);
        let lexicon = CompiledLexicon::compile(set.entries)?;
        Ok(Detector { lexicon, rules, cues, policy, fuzzy })
    }

    /// Turns fuzzy matching (misspellings, glued words) off or back on where the lexicons allow it
    /// (`[matching] fuzzy` of a pipeline).
    pub fn with_fuzzy(mut self, on: bool) -> Self {
        if !on {
            self.fuzzy = None;
        }
        self
    }

    /// The fuzzy index, when on.
    pub fn fuzzy(&self) -> Option<&FuzzyIndex> {
        self.fuzzy.as_ref()
    }

    /// The compiled lexicon.
    pub fn lexicon(&self) -> &CompiledLexicon {
        &self.lexicon
    }

    /// The rules.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Signals in one text. `lang` is the document's language when known.
    pub fn detect(&self, text: &str, lang: Option<&str>) -> Vec<Signal> {
        self.detect_view(&MatchingView::plain(text), lang)
    }

    /// Signals in a text read in several languages (a source that declares
    /// `langs`, code-switching posts): the text is read once per language, with
    /// that language's ambiguity, cues and rules. A signal found in several
    /// readings (same span and category) is kept once: from the reading in the
    /// language of its own lexicon entry (a Swahili word with the Swahili
    /// negation "si"), else from the first language listed. No language: every
    /// lexicon, as [`Detector::detect`] with `None`.
    pub fn detect_langs(&self, plain: &MatchingView<'_>, langs: &[&str]) -> Vec<Signal> {
        match langs {
            [] => self.detect_view(plain, None),
            [one] => self.detect_view(plain, Some(one)),
            many => {
                let mut signals: Vec<(Signal, bool)> = Vec::new();
                for lang in many {
                    for (s, native) in self.read(plain, Some(lang)) {
                        match signals.iter().position(|(k, _)| k.span == s.span && k.category == s.category) {
                            None => signals.push((s, native)),
                            Some(i) if native && !signals[i].1 => signals[i] = (s, true),
                            Some(_) => {}
                        }
                    }
                }
                signals.sort_by(|a, b| a.0.span.cmp(&b.0.span).then(a.0.category.cmp(&b.0.category)));
                signals.into_iter().map(|(s, _)| s).collect()
            }
        }
    }

    /// Signals in a text whose plain matching view the caller has already built
    /// (the pipeline shares it with region assignment and the repost key).
    pub fn detect_view(&self, plain: &MatchingView<'_>, lang: Option<&str>) -> Vec<Signal> {
        self.read(plain, lang).into_iter().map(|(s, _)| s).collect()
    }

    /// The signals of one reading, each with whether its lexicon entry is in the reading's language.
    fn read(&self, plain: &MatchingView<'_>, lang: Option<&str>) -> Vec<(Signal, bool)> {
        let aggressive = MatchingView::aggressive(plain);
        let mut hits = self.lexicon.find(plain, aggressive.as_ref(), lang);
        if let Some(fuzzy) = &self.fuzzy {
            fuzzy.extend(&self.lexicon, plain, lang, &mut hits);
        }
        if hits.is_empty() {
            return Vec::new();
        }
        let ctx = DocContext::new(plain);
        let cues = self.cues.find(plain, &ctx, lang);
        let doc = Doc { ctx: &ctx, cues: &cues, cue_matcher: &self.cues, hits: &hits, lexicon: &self.lexicon, lang };
        let mut signals = Vec::with_capacity(hits.len());
        for (i, hit) in hits.iter().enumerate() {
            let entry = &self.lexicon.entries[hit.entry as usize];
            let Some((first, last)) = ctx.token_span(hit.span.0, hit.span.1) else {
                continue;
            };
            // An ambiguous word is ambiguous in its own language: in a text known to be in another, it is not evidence.
            if entry.ambiguous && lang.is_some_and(|l| lang_base(l) != lang_base(&entry.lang)) {
                continue;
            }
            let ambiguous = entry.ambiguous_for(lang);
            let native = lang.is_some_and(|l| lang_base(l) == lang_base(&entry.lang));
            if entry.category == Category::GroupReference {
                signals.push((
                    Signal {
                        category: Category::GroupReference,
                        target: entry.target.clone(),
                        severity: entry.severity,
                        rule: entry.rule_id(),
                        term: entry.term.clone(),
                        span: hit.span,
                        modifiers: Modifiers::NONE,
                        counting: crate::signal::Counting::Reference,
                    },
                    native,
                ));
                continue;
            }
            let fired = self.rules.proximity.iter().find(|r| {
                r.anchor.contains(&entry.category)
                    && lang_ok(&r.lang, lang)
                    && r.near.iter().any(|n| doc.near(*n, i, first, last, r.window as usize, r.ordered))
            });
            let (rule, category, severity) = match fired {
                Some(r) if r.supports_ambiguous || !ambiguous => {
                    (r.id.clone(), r.category.unwrap_or(entry.category), r.severity.unwrap_or(entry.severity).max(entry.severity))
                }
                _ if ambiguous => continue,
                _ => (entry.rule_id(), entry.category, entry.severity),
            };
            let target = entry.target.clone().or_else(|| doc.resolve_target(first, last));
            let mut modifiers = doc.modifiers(first, last, hit.span, Some(entry));
            if hit.obfuscated {
                modifiers.insert(Modifier::Obfuscated);
            }
            let severity =
                if modifiers.contains(Modifier::CallToAction) && matches!(category, Category::ViolenceCall | Category::Mobilisation) { 3 } else { severity };
            let signal = Signal {
                category,
                target,
                severity,
                rule,
                term: entry.term.clone(),
                span: hit.span,
                modifiers,
                counting: self.policy.counting(category, modifiers),
            };
            signals.push((signal, native));
        }
        self.apply_regex_rules(plain, &doc, &mut signals);
        signals.sort_by(|a, b| a.0.span.cmp(&b.0.span).then(a.0.category.cmp(&b.0.category)));
        signals
    }

    fn apply_regex_rules(&self, plain: &MatchingView<'_>, doc: &Doc<'_>, signals: &mut Vec<(Signal, bool)>) {
        for rule in &self.rules.regex {
            if !lang_ok(&rule.lang, doc.lang) {
                continue;
            }
            for caps in rule.regex.captures_iter(plain.text()) {
                let m = caps.get(0).expect("group 0");
                let span = plain.to_original(m.start(), m.end());
                if signals.iter().any(|(s, _)| s.category == rule.category && s.span.0 < span.1 && span.0 < s.span.1 && s.category != Category::GroupReference)
                {
                    continue;
                }
                let Some((first, last)) = doc.ctx.token_span(span.0, span.1) else {
                    continue;
                };
                let target = caps
                    .name("target")
                    .and_then(|t| {
                        let (a, b) = plain.to_original(t.start(), t.end());
                        doc.hits
                            .iter()
                            .find(|h| h.span.0 < b && a < h.span.1 && doc.category(h) == Category::GroupReference)
                            .and_then(|h| doc.lexicon.entries[h.entry as usize].target.clone())
                    })
                    .or_else(|| doc.resolve_target(first, last));
                let modifiers = doc.modifiers(first, last, span, None);
                let term = m.as_str().to_string();
                let signal = Signal {
                    category: rule.category,
                    target,
                    severity: rule.severity,
                    rule: rule.id.clone(),
                    term,
                    span,
                    modifiers,
                    counting: self.policy.counting(rule.category, modifiers),
                };
                // A rule written for the reading's language is that language's own.
                let native = doc.lang.is_some_and(|l| rule.lang.iter().any(|r| r == lang_base(l)));
                signals.push((signal, native));
            }
        }
    }
}

fn lang_base(l: &str) -> &str {
    l.split(['-', '_']).next().unwrap_or(l)
}

fn lang_ok(rule_langs: &[String], lang: Option<&str>) -> bool {
    rule_langs.is_empty() || lang.is_none_or(|l| rule_langs.iter().any(|r| r == l || l.split(['-', '_']).next() == Some(r.as_str())))
}

/// One document under analysis.
struct Doc<'a> {
    ctx: &'a DocContext,
    cues: &'a [CueHit],
    cue_matcher: &'a CueMatcher,
    hits: &'a [Hit],
    lexicon: &'a CompiledLexicon,
    lang: Option<&'a str>,
}

impl Doc<'_> {
    fn category(&self, h: &Hit) -> Category {
        self.lexicon.entries[h.entry as usize].category
    }

    fn sentence(&self, token: usize) -> u32 {
        self.ctx.tokens[token].sentence
    }

    fn token_of(&self, h: &Hit) -> Option<(usize, usize)> {
        self.ctx.token_span(h.span.0, h.span.1)
    }

    /// Distance in tokens between two token ranges (0 when they touch or overlap).
    fn distance(a: (usize, usize), b: (usize, usize)) -> usize {
        // Either gap is 0 when the ranges touch or overlap.
        b.0.saturating_sub(a.1).max(a.0.saturating_sub(b.1))
    }

    /// Whether something of kind `near` lies within `window` tokens of the anchor, in its sentence.
    fn near(&self, near: crate::rules::Near, anchor_index: usize, first: usize, last: usize, window: usize, ordered: bool) -> bool {
        use crate::rules::Near;
        let sentence = self.sentence(first);
        let ok = |r: (usize, usize)| self.sentence(r.0) == sentence && Self::distance(r, (first, last)) <= window && (!ordered || r.1 <= first);
        match near {
            Near::Category(c) => {
                let anchor = self.hits[anchor_index].span;
                // The near item must be another word: a group name that is also the anchor term ("homos") does not
                // support itself; a group named inside a phrase ("cut their Muslim throats") does.
                self.hits.iter().any(|h| self.category(h) == c && !(h.span.0 <= anchor.0 && anchor.1 <= h.span.1) && self.token_of(h).is_some_and(ok))
            }
            Near::Pronoun => self.cues.iter().any(|c| match c.kind {
                CueKind::Pronoun => ok((c.first, c.last)),
                CueKind::Anaphor => ok((c.first, c.last)) && self.antecedent(c.first),
                _ => false,
            }),
            Near::Frame => self.cues.iter().any(|c| c.kind == CueKind::Frame && ok((c.first, c.last))),
            Near::CallToAction => {
                self.cues.iter().any(|c| matches!(c.kind, CueKind::Modifier(Modifier::CallToAction, _)) && ok((c.first, c.last)) && c.last <= first)
            }
        }
    }

    /// Whether a group was named before this token, in its sentence or the two before: what "they" or "them" can point back to.
    fn antecedent(&self, token: usize) -> bool {
        let sentence = self.sentence(token);
        self.hits.iter().any(|h| {
            self.category(h) == Category::GroupReference
                && self.token_of(h).is_some_and(|(_, l)| l < token && self.sentence(l) + ANTECEDENT_SENTENCES >= sentence)
        })
    }

    /// The group a signal at these tokens is about: the nearest group reference
    /// in its sentence; else, when a pronoun or "these people" stands near it,
    /// the group named last before it; else the group named last in an earlier sentence.
    fn resolve_target(&self, first: usize, last: usize) -> Option<String> {
        let sentence = self.sentence(first);
        let groups: Vec<((usize, usize), &str)> = self
            .hits
            .iter()
            .filter(|h| self.category(h) == Category::GroupReference)
            .filter_map(|h| Some((self.token_of(h)?, self.lexicon.entries[h.entry as usize].target.as_deref()?)))
            .collect();
        let in_sentence = groups.iter().filter(|(r, _)| self.sentence(r.0) == sentence).min_by_key(|(r, _)| Self::distance(*r, (first, last)));
        if let Some((_, t)) = in_sentence {
            return Some(t.to_string());
        }
        groups.iter().filter(|(r, _)| r.1 < first).max_by_key(|(r, _)| r.1).map(|(_, t)| t.to_string())
    }

    /// Whether a cue shares a token with a context word of this kind ("isn't it" holds "isn't"; French "vous ne"
    /// overlaps the restrictive "ne sont que").
    fn overlaps(&self, kind: CueKind, c: &CueHit) -> bool {
        self.cues.iter().any(|o| o.kind == kind && o.first <= c.last && c.first <= o.last)
    }

    /// Whether a word that ends the reach of `following` cues ("but", "so") stands between two tokens.
    fn breaks_between(&self, from: usize, to: usize) -> bool {
        self.cues.iter().any(|b| b.kind == CueKind::Break && from < b.first && b.last < to)
    }

    /// Modifiers of a signal at these tokens. A negation inside the span of a
    /// phrase ("should not be sterilised") negates it unless the term itself holds the negator.
    fn modifiers(&self, first: usize, last: usize, span: (usize, usize), entry: Option<&crate::lexicon::Entry>) -> Modifiers {
        let mut m = Modifiers::NONE;
        let tok = &self.ctx.tokens;
        let sentence = tok[first].sentence;
        let clause = tok[first].clause;
        let mut question_cue = false;
        for c in self.cues {
            let CueKind::Modifier(modifier, scope) = c.kind else { continue };
            if tok[c.first].sentence != sentence {
                continue;
            }
            // A negation, question or hypothetical in a rhetorical phrase asserts ("isn't it obvious", "why don't we",
            // French "ne sont que": "only").
            if matches!(modifier, Modifier::Negation | Modifier::Question | Modifier::Hypothetical) && self.overlaps(CueKind::Assertive, c) {
                continue;
            }
            let inside = c.first > first && c.last <= last;
            let applies = match scope {
                CueScope::Sentence => !inside,
                CueScope::Following if inside => modifier == Modifier::Negation && entry.is_some_and(|e| !term_holds(e, self.cue_matcher.form(c))),
                CueScope::Following => {
                    c.last < first && first - c.last <= FOLLOWING_REACH && tok[c.last].clause == clause && !self.breaks_between(c.last, first)
                }
                CueScope::Preceding => c.first > last && c.first - last <= PRECEDING_REACH,
            };
            if applies {
                if modifier == Modifier::Question {
                    question_cue = true;
                } else {
                    m.insert(modifier);
                }
            }
        }
        if self.ctx.quoted(span.0, span.1) {
            m.insert(Modifier::Reported);
        }
        // A question about words ("what does X mean?", "why do people call them X?"): a question word and a question mark.
        if question_cue && self.ctx.questions.contains(&sentence) {
            m.insert(Modifier::Question);
        }
        m
    }
}

/// Whether a term (or a variant) contains a cue's normalised form as words.
fn term_holds(entry: &crate::lexicon::Entry, cue: &str) -> bool {
    std::iter::once(&entry.term).chain(&entry.variants).any(|f| {
        let f = MatchingView::plain(f);
        f.text()
            .split(|c: char| !crate::normalize::is_word_char(c) && c != '\'')
            .collect::<Vec<_>>()
            .windows(cue.split(' ').count())
            .any(|w| w.join(" ") == cue)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::Counting;

    fn shipped() -> Detector {
        let set = crate::lexicon::load_lexicons(&[std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lexicons")]).unwrap();
        Detector::new(set, SignalPolicy::default()).unwrap()
    }

    fn dehumanisation(signals: &[Signal]) -> Option<Counting> {
        signals.iter().find(|s| s.category == Category::Dehumanisation).map(|s| s.counting)
    }

    #[test]
    fn a_code_switching_post_is_read_in_each_of_its_languages() {
        let d = shipped();
        // English with a Swahili word that is ambiguous in Swahili ("wadudu", insects).
        let hostile = MatchingView::plain("Tell them: Waoru ni wadudu.");
        let negated = MatchingView::plain("Tell them: Waoru si wadudu.");
        // Read as English only, the Swahili word is not evidence.
        assert_eq!(dehumanisation(&d.detect_view(&hostile, Some("en"))), None);
        // Read as English and Swahili, it is, with Swahili's own negation "si".
        assert_eq!(dehumanisation(&d.detect_langs(&hostile, &["en", "sw"])), Some(Counting::Hostile));
        assert_eq!(dehumanisation(&d.detect_langs(&negated, &["en", "sw"])), Some(Counting::Discounted));
        // A signal found in both readings is kept once.
        let both = d.detect_langs(&hostile, &["en", "sw"]);
        assert_eq!(both.iter().filter(|s| s.category == Category::GroupReference).count(), 1, "{both:#?}");
        // No language or one language: the plain readings.
        let spans = |v: Vec<Signal>| v.into_iter().map(|s| (s.span, s.category, s.counting)).collect::<Vec<_>>();
        assert_eq!(spans(d.detect_langs(&hostile, &[])), spans(d.detect_view(&hostile, None)));
        assert_eq!(spans(d.detect_langs(&negated, &["sw"])), spans(d.detect_view(&negated, Some("sw"))));
    }

    /// Hostile signals that count: (category, target).
    fn hostile(d: &Detector, text: &str, lang: &str) -> Vec<(Category, Option<String>)> {
        d.detect(text, Some(lang)).into_iter().filter(|s| s.counting == Counting::Hostile).map(|s| (s.category, s.target)).collect()
    }

    #[test]
    fn anaphoric_pronouns_need_a_group_named_before_them() {
        let d = shipped();
        let muslims = Some("religion:muslims".to_string());
        assert_eq!(hostile(&d, "A Muslim family moved in next door. I despise them.", "en"), vec![(Category::Derogation, muslims.clone())]);
        assert_eq!(hostile(&d, "Une famille musulmane s'est installée. Je les déteste.", "fr"), vec![(Category::Derogation, muslims)]);
        // No group before "them": nothing to point back to.
        assert!(hostile(&d, "The flies are back in the kitchen. I despise them.", "en").is_empty());
        assert!(hostile(&d, "I despise them. A Muslim family moved in next door.", "en").is_empty());
        // Too far back: three sentences between.
        assert!(hostile(&d, "A Muslim family moved in. The weather was fine. We ate outside. The kids played. I despise them.", "en").is_empty());
    }

    #[test]
    fn rhetorical_phrases_and_breaks_limit_the_reach_of_cues() {
        let d = shipped();
        let counting = |text: &str, lang: &str| dehumanisation(&d.detect(text, Some(lang)));
        assert_eq!(counting("Migrants are not parasites.", "en"), Some(Counting::Discounted));
        assert_eq!(counting("Isn't it obvious that migrants are parasites?", "en"), Some(Counting::Hostile));
        assert_eq!(counting("What if we just admit that migrants are parasites?", "en"), Some(Counting::Hostile));
        // A negation does not reach past "but".
        assert_eq!(counting("I don't think migrants are parasites.", "en"), Some(Counting::Discounted));
        assert_eq!(counting("I don't hate migrants, but they are parasites.", "en"), Some(Counting::Hostile));
        // French restrictive "ne ... que" means "only", not "not".
        assert_eq!(counting("Les migrants ne sont que des parasites.", "fr"), Some(Counting::Hostile));
        assert_eq!(counting("Les migrants ne sont pas des parasites.", "fr"), Some(Counting::Discounted));
    }

    #[test]
    fn person_frames_settle_ambiguous_slurs() {
        let d = shipped();
        let slur = |text: &str| hostile(&d, text, "en").into_iter().any(|(c, _)| c == Category::Slur);
        assert!(slur("You are nothing but a dyke."));
        assert!(slur("Too many queers in this town."));
        assert!(!slur("The engineers inspected the dyke after the flood."));
        assert!(!slur("What a queer old house."));
    }

    #[test]
    fn a_group_named_inside_a_phrase_supports_it_but_a_word_never_supports_itself() {
        let d = shipped();
        assert_eq!(hostile(&d, "I will cut their Muslim throats.", "en"), vec![(Category::ViolenceCall, Some("religion:muslims".to_string()))]);
        // French "homos" is a group name; the English slur of the same form does not count in French, and the
        // group name does not support the slur in a reading of both languages either.
        let text = "Les homos ont défilé hier, ils étaient magnifiques.";
        assert!(hostile(&d, text, "fr").is_empty());
        let both = d.detect_langs(&MatchingView::plain(text), &["en", "fr"]);
        assert!(both.iter().all(|s| s.counting != Counting::Hostile), "{both:#?}");
    }

    #[test]
    fn fuzzy_matching_follows_the_switch() {
        let d = shipped();
        let text = "Those migrnts are cockroacehs.";
        let found = d.detect(text, Some("en"));
        let roach = found.iter().find(|s| s.category == Category::Dehumanisation).expect("found through fuzzy matching");
        assert_eq!(&text[roach.span.0..roach.span.1], "cockroacehs");
        assert!(roach.modifiers.contains(Modifier::Obfuscated));
        assert_eq!(roach.target.as_deref(), Some("migrants:migrants"));
        let off = shipped().with_fuzzy(false);
        assert!(off.detect(text, Some("en")).is_empty());
    }
}
