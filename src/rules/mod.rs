//! Rules: from lexicon hits to signals.
//!
//! A lexicon hit is not hate. Rules decide what a hit means in its context:
//! *proximity rules* (a dehumanising word near a group reference is
//! dehumanisation of that group; an ambiguous word counts only when a rule
//! supports it), *regex rules* with a named `target` capture, *pronouns* that
//! point back to a group named earlier, and *modifiers* (negation, reported
//! speech, counter-speech, questions, hypotheticals, calls to action) read
//! from each lexicon's `modifiers.csv`. Rules are data: `rules.toml` in a
//! lexicon pack; the shared defaults live in `lexicons/common/rules.toml`.

mod context;
mod spec;

pub use context::{CueHit, CueKind, CueMatcher, DocContext};
pub use spec::{Near, ProximityRule, RegexRule, RuleError, RuleSet, BUILTIN_RULES};
