//! The rule files: parsing, validation with file and line, compilation.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::config::{line_of, Problem};
use crate::signal::Category;

/// Rule files that cannot be used, with every problem found.
#[derive(Debug, thiserror::Error)]
#[error("{} rule problem(s):\n{}", .problems.len(), .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
pub struct RuleError {
    /// All problems.
    pub problems: Vec<Problem>,
}

/// The rules shipped in `lexicons/common/rules.toml`, used when no lexicon brings rules of its own.
pub const BUILTIN_RULES: &str = include_str!("../../lexicons/common/rules.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    proximity: Vec<ProximitySpec>,
    #[serde(default)]
    regex: Vec<RegexSpec>,
    #[serde(default)]
    pronouns: Vec<PronounSpec>,
    #[serde(default)]
    frames: Vec<WordsSpec>,
    #[serde(default)]
    scope: Vec<ScopeSpec>,
    #[serde(default)]
    fuzzy: Vec<FuzzySpec>,
}

/// `[[frames]]`: words that make a noun name a person or people ("like you", "typical … behaviour").
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WordsSpec {
    lang: String,
    words: Vec<String>,
}

/// `[[scope]]`: what limits the reach of modifier cues in a language.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeSpec {
    lang: String,
    /// Phrases whose negation, question or hypothetical is rhetorical ("isn't it", "why don't we", "can't help").
    #[serde(default)]
    assertive: Vec<String>,
    /// Words that end the reach of a `following` cue ("but", "so").
    #[serde(default)]
    breaks: Vec<String>,
}

/// `[[fuzzy]]`: turns fuzzy matching on for a language (the pack should ship a `words.txt` guard list).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FuzzySpec {
    lang: String,
    #[serde(default)]
    split: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProximitySpec {
    id: Spanned<String>,
    #[serde(default)]
    lang: Vec<String>,
    anchor: Vec<Spanned<String>>,
    near: Vec<Spanned<String>>,
    #[serde(default = "default_window")]
    window: Spanned<u32>,
    #[serde(default)]
    ordered: bool,
    category: Option<Spanned<String>>,
    severity: Option<Spanned<u8>>,
    #[serde(default = "yes")]
    supports_ambiguous: bool,
}

fn default_window() -> Spanned<u32> {
    Spanned::new(0..0, 6)
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegexSpec {
    id: Spanned<String>,
    #[serde(default)]
    lang: Vec<String>,
    pattern: Spanned<String>,
    category: Spanned<String>,
    #[serde(default = "two")]
    severity: Spanned<u8>,
}

fn two() -> Spanned<u8> {
    Spanned::new(0..0, 2)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PronounSpec {
    lang: String,
    words: Vec<String>,
    /// Pronouns that count only when a group was named before them ("they", "them").
    #[serde(default)]
    anaphoric: bool,
}

/// What must be near an anchor for a proximity rule to fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Near {
    /// A lexicon hit of this category.
    Category(Category),
    /// A pronoun that points back to a group named earlier in the document.
    Pronoun,
    /// A call-to-action cue ("we must", "let us").
    CallToAction,
    /// A person frame (`[[frames]]` of the language: "like you", "typical", "too many").
    Frame,
}

/// A proximity rule.
#[derive(Debug, Clone)]
pub struct ProximityRule {
    /// Rule id.
    pub id: String,
    /// Languages it applies to (empty: all).
    pub lang: Vec<String>,
    /// Categories of the hostile hit it applies to.
    pub anchor: Vec<Category>,
    /// What must be near.
    pub near: Vec<Near>,
    /// Distance in tokens, within the sentence.
    pub window: u32,
    /// `near` must come before the anchor.
    pub ordered: bool,
    /// Category of the signal (default: the anchor's).
    pub category: Option<Category>,
    /// Severity (default: the anchor entry's).
    pub severity: Option<u8>,
    /// Whether the rule makes an ambiguous term count.
    pub supports_ambiguous: bool,
}

/// A regex rule over the matching view.
#[derive(Debug, Clone)]
pub struct RegexRule {
    /// Rule id.
    pub id: String,
    /// Languages (empty: all).
    pub lang: Vec<String>,
    /// The compiled pattern.
    pub regex: Regex,
    /// Category of the signal.
    pub category: Category,
    /// Severity.
    pub severity: u8,
}

/// All rules of a run.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// Proximity rules, in file order.
    pub proximity: Vec<ProximityRule>,
    /// Regex rules.
    pub regex: Vec<RegexRule>,
    /// Pronouns per language (normalised forms).
    pub pronouns: HashMap<String, Vec<String>>,
    /// Anaphoric pronouns per language: they point back only when a group was named before them.
    pub anaphors: HashMap<String, Vec<String>>,
    /// Person frames per language.
    pub frames: HashMap<String, Vec<String>>,
    /// Rhetorical phrases per language: the negation, question or hypothetical cues inside them do not count.
    pub assertive: HashMap<String, Vec<String>>,
    /// Words that end the reach of `following` cues, per language.
    pub breaks: HashMap<String, Vec<String>>,
    /// Languages with fuzzy matching (misspellings; glued words where `split`).
    pub fuzzy: Vec<crate::lexicon::FuzzyLang>,
    /// Rule files and their SHA-256, for provenance.
    pub files: Vec<(PathBuf, String)>,
}

/// Size limit of one compiled regex (program and lazy DFA each); it also bounds compile time.
const REGEX_SIZE_LIMIT: usize = 2 * 1024 * 1024;
/// Deepest nesting of groups and repetitions in a pattern.
const REGEX_NEST_LIMIT: u32 = 64;
/// Longest pattern text accepted: a rule is a phrase shape, not a word list (those belong in the lexicon).
const MAX_PATTERN_BYTES: usize = 4096;

/// Compiles one rule pattern under the limits; the error says which limit, in words.
fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(format!("pattern is {} bytes, more than the {MAX_PATTERN_BYTES} allowed (put word lists in the lexicon, not in a regex)", pattern.len()));
    }
    RegexBuilder::new(pattern).size_limit(REGEX_SIZE_LIMIT).dfa_size_limit(REGEX_SIZE_LIMIT).nest_limit(REGEX_NEST_LIMIT).build().map_err(|e| match e {
        regex::Error::CompiledTooBig(limit) => {
            format!("pattern is too large once compiled (more than {} KiB; bounded repetitions of classes such as `\\w{{200}}` grow fast)", limit / 1024)
        }
        e => {
            let msg = e.to_string();
            let last = msg.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().trim_start_matches("error: ").to_string();
            if last.contains("nest") {
                format!("pattern does not compile: groups or repetitions nested deeper than {REGEX_NEST_LIMIT} ({last})")
            } else {
                format!("pattern does not compile: {last}")
            }
        }
    })
}

impl RuleSet {
    /// Parses rule files (path, text); with none, the built-in defaults.
    pub fn load(files: &[(PathBuf, String)]) -> Result<RuleSet, RuleError> {
        let builtin = [(PathBuf::from("<built-in lexicons/common/rules.toml>"), BUILTIN_RULES.to_string())];
        let files = if files.is_empty() { &builtin[..] } else { files };
        let mut set = RuleSet::default();
        let mut problems = Vec::new();
        let mut ids: HashMap<String, (PathBuf, usize)> = HashMap::new();
        for (path, text) in files {
            use sha2::Digest;
            set.files.push((path.clone(), hex::encode(sha2::Sha256::digest(text.as_bytes()))));
            let file: RuleFile = match toml::from_str(text) {
                Ok(f) => f,
                Err(e) => {
                    problems.push(Problem { file: path.clone(), line: e.span().map(|s| line_of(text, s.start)), message: e.message().trim().to_string() });
                    continue;
                }
            };
            let at = |span: std::ops::Range<usize>, msg: String| Problem {
                file: path.clone(),
                line: (span.end > 0).then(|| line_of(text, span.start)),
                message: msg,
            };
            let mut check_id = |id: &Spanned<String>, problems: &mut Vec<Problem>| {
                let line = line_of(text, id.span().start);
                if let Some((f, l)) = ids.get(id.get_ref()) {
                    problems.push(at(id.span(), format!("duplicate rule id `{}` (first at {}:{l})", id.get_ref(), f.display())));
                } else {
                    ids.insert(id.get_ref().clone(), (path.clone(), line));
                }
            };
            for p in file.proximity {
                check_id(&p.id, &mut problems);
                let mut anchor = Vec::new();
                for a in &p.anchor {
                    match Category::parse(a.get_ref()) {
                        Some(c) if c.is_hostile() => anchor.push(c),
                        _ => problems.push(at(a.span(), format!("rule `{}`: anchor `{}` is not a hostile category", p.id.get_ref(), a.get_ref()))),
                    }
                }
                let mut near = Vec::new();
                for n in &p.near {
                    match n.get_ref().as_str() {
                        "pronoun" => near.push(Near::Pronoun),
                        "call_to_action" => near.push(Near::CallToAction),
                        "frame" => near.push(Near::Frame),
                        other => match Category::parse(other) {
                            Some(c) => near.push(Near::Category(c)),
                            None => problems.push(at(
                                n.span(),
                                format!("rule `{}`: near `{other}` is not a category, `pronoun`, `frame` or `call_to_action`", p.id.get_ref()),
                            )),
                        },
                    }
                }
                if *p.window.get_ref() == 0 || *p.window.get_ref() > 50 {
                    problems.push(at(p.window.span(), format!("rule `{}`: window must be 1 to 50 tokens", p.id.get_ref())));
                }
                let category = p.category.as_ref().and_then(|c| {
                    let parsed = Category::parse(c.get_ref()).filter(|c| c.is_hostile());
                    if parsed.is_none() {
                        problems.push(at(c.span(), format!("rule `{}`: unknown category `{}`", p.id.get_ref(), c.get_ref())));
                    }
                    parsed
                });
                let severity = p.severity.as_ref().map(|s| {
                    if !(1..=3).contains(s.get_ref()) {
                        problems.push(at(s.span(), format!("rule `{}`: severity must be 1, 2 or 3", p.id.get_ref())));
                    }
                    *s.get_ref()
                });
                if anchor.is_empty() || near.is_empty() {
                    problems.push(at(p.id.span(), format!("rule `{}`: needs at least one anchor and one near", p.id.get_ref())));
                }
                set.proximity.push(ProximityRule {
                    id: p.id.into_inner(),
                    lang: p.lang,
                    anchor,
                    near,
                    window: *p.window.get_ref(),
                    ordered: p.ordered,
                    category,
                    severity,
                    supports_ambiguous: p.supports_ambiguous,
                });
            }
            for r in file.regex {
                check_id(&r.id, &mut problems);
                let category = Category::parse(r.category.get_ref()).filter(|c| c.is_hostile());
                if category.is_none() {
                    problems.push(at(r.category.span(), format!("rule `{}`: unknown category `{}`", r.id.get_ref(), r.category.get_ref())));
                }
                if !(1..=3).contains(r.severity.get_ref()) {
                    problems.push(at(r.severity.span(), format!("rule `{}`: severity must be 1, 2 or 3", r.id.get_ref())));
                }
                match compile_pattern(r.pattern.get_ref()) {
                    Ok(regex) => {
                        if let Some(category) = category {
                            set.regex.push(RegexRule { id: r.id.into_inner(), lang: r.lang, regex, category, severity: *r.severity.get_ref() });
                        }
                    }
                    Err(why) => problems.push(at(r.pattern.span(), format!("rule `{}`: {why}", r.id.get_ref()))),
                }
            }
            for f in file.fuzzy {
                if !set.fuzzy.iter().any(|x| x.lang == f.lang) {
                    set.fuzzy.push(crate::lexicon::FuzzyLang { lang: f.lang, split: f.split });
                }
            }
            let normal =
                |words: Vec<String>| words.into_iter().map(|w| crate::normalize::MatchingView::plain(&w).text().trim().to_string()).filter(|w| !w.is_empty());
            for p in file.pronouns {
                let map = if p.anaphoric { &mut set.anaphors } else { &mut set.pronouns };
                map.entry(p.lang).or_default().extend(normal(p.words));
            }
            for f in file.frames {
                set.frames.entry(f.lang).or_default().extend(normal(f.words));
            }
            for sc in file.scope {
                set.assertive.entry(sc.lang.clone()).or_default().extend(normal(sc.assertive));
                set.breaks.entry(sc.lang).or_default().extend(normal(sc.breaks));
            }
        }
        if problems.is_empty() {
            Ok(set)
        } else {
            Err(RuleError { problems })
        }
    }

    /// The context words of every language, as (language, word, kind) for the cue matcher.
    pub fn context_words(&self) -> Vec<(String, String, crate::rules::CueKind)> {
        use crate::rules::CueKind;
        let mut out: Vec<(String, String, CueKind)> = Vec::new();
        for (map, kind) in [
            (&self.pronouns, CueKind::Pronoun),
            (&self.anaphors, CueKind::Anaphor),
            (&self.frames, CueKind::Frame),
            (&self.assertive, CueKind::Assertive),
            (&self.breaks, CueKind::Break),
        ] {
            for (lang, words) in map {
                out.extend(words.iter().map(|w| (lang.clone(), w.clone(), kind)));
            }
        }
        out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        out
    }

    /// Checks one rule file on its own (for `tocsin lexicon check`).
    pub fn check_file(path: &Path) -> Result<RuleSet, RuleError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| RuleError { problems: vec![Problem { file: path.into(), line: None, message: format!("cannot read: {e}") }] })?;
        RuleSet::load(&[(path.to_path_buf(), text)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load() {
        let set = RuleSet::load(&[]).unwrap();
        assert!(!set.proximity.is_empty());
        assert!(set.proximity.iter().any(|r| r.id == "group-dehumanisation"));
    }

    #[test]
    fn every_problem_with_its_line() {
        let text = r#"
[[proximity]]
id = "a"
anchor = ["dehumanisation", "weather"]
near = ["group_reference", "moon"]
window = 99

[[proximity]]
id = "a"
anchor = ["slur"]
near = ["pronoun"]

[[regex]]
id = "r"
pattern = "(unclosed"
category = "violence_call"
"#;
        let err = RuleSet::load(&[(PathBuf::from("r.toml"), text.to_string())]).unwrap_err();
        let msgs: Vec<String> = err.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(msgs.len(), 5, "{msgs:#?}");
        assert!(msgs[0].starts_with("r.toml:4:") && msgs[0].contains("weather"));
        assert!(msgs.iter().any(|m| m.contains("moon") && m.starts_with("r.toml:5:")));
        assert!(msgs.iter().any(|m| m.contains("window") && m.starts_with("r.toml:6:")));
        assert!(msgs.iter().any(|m| m.contains("duplicate rule id `a`") && m.starts_with("r.toml:9:")));
        assert!(msgs.iter().any(|m| m.contains("does not compile") && m.starts_with("r.toml:15:")));
    }

    #[test]
    fn context_words_and_fuzzy_languages() {
        let text = r#"
[[proximity]]
id = "f"
anchor = ["slur"]
near = ["frame"]

[[pronouns]]
lang = "en"
words = ["these people"]

[[pronouns]]
lang = "en"
anaphoric = true
words = ["They", "them"]

[[frames]]
lang = "en"
words = ["like you"]

[[scope]]
lang = "en"
assertive = ["isn't it"]
breaks = ["but"]

[[fuzzy]]
lang = "en"
split = true
"#;
        let set = RuleSet::load(&[(PathBuf::from("r.toml"), text.to_string())]).unwrap();
        assert_eq!(set.proximity[0].near, vec![Near::Frame]);
        assert_eq!(set.anaphors["en"], vec!["they", "them"]);
        assert_eq!(set.fuzzy, vec![crate::lexicon::FuzzyLang { lang: "en".into(), split: true }]);
        let kinds: Vec<(String, crate::rules::CueKind)> = set.context_words().into_iter().map(|(_, w, k)| (w, k)).collect();
        use crate::rules::CueKind;
        for (word, kind) in [
            ("these people", CueKind::Pronoun),
            ("them", CueKind::Anaphor),
            ("like you", CueKind::Frame),
            ("isn't it", CueKind::Assertive),
            ("but", CueKind::Break),
        ] {
            assert!(kinds.contains(&(word.to_string(), kind)), "{word}: {kinds:?}");
        }
        let bad = RuleSet::load(&[(PathBuf::from("r.toml"), "[[scope]]\nlang = \"en\"\nnegators = [\"x\"]\n".to_string())]).unwrap_err();
        assert!(bad.problems[0].to_string().starts_with("r.toml:3:"), "{bad}");
    }
}
