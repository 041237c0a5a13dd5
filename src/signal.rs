//! Signals: what detection says about a document, and how the pipeline's
//! policy decides which of them count as hostile speech.

use serde::{Deserialize, Serialize};

/// What a term or rule signals. `GroupReference` marks a target; the rest are hostile categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A (neutral) name of a group: marks whom a hostile signal targets.
    GroupReference,
    /// Vermin, disease, animal metaphors; "subhuman".
    Dehumanisation,
    /// Insults and negative stereotypes of a group.
    Derogation,
    /// Slurs for a group.
    Slur,
    /// Calls for or threats of violence.
    ViolenceCall,
    /// Expel, exclude, deny rights.
    Exclusion,
    /// Calls to arms, to gather, to act.
    Mobilisation,
    /// Attacks on moderates: traitors, collaborators, the enemy within.
    Disloyalty,
    /// Claiming the target plans the violence being urged against it.
    AccusationInMirror,
}

impl Category {
    /// Every category, in a stable order.
    pub const ALL: [Category; 9] = [
        Category::GroupReference,
        Category::Dehumanisation,
        Category::Derogation,
        Category::Slur,
        Category::ViolenceCall,
        Category::Exclusion,
        Category::Mobilisation,
        Category::Disloyalty,
        Category::AccusationInMirror,
    ];

    /// The snake_case name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::GroupReference => "group_reference",
            Category::Dehumanisation => "dehumanisation",
            Category::Derogation => "derogation",
            Category::Slur => "slur",
            Category::ViolenceCall => "violence_call",
            Category::Exclusion => "exclusion",
            Category::Mobilisation => "mobilisation",
            Category::Disloyalty => "disloyalty",
            Category::AccusationInMirror => "accusation_in_mirror",
        }
    }

    /// Parses a snake_case name (also accepts a few common spellings).
    pub fn parse(s: &str) -> Option<Category> {
        let s = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let c = match s.as_str() {
            "group_reference" | "group" => Category::GroupReference,
            "dehumanisation" | "dehumanization" => Category::Dehumanisation,
            "derogation" | "derogatory" | "insult" => Category::Derogation,
            "slur" => Category::Slur,
            "violence_call" | "violence" | "incitement" | "threat" => Category::ViolenceCall,
            "exclusion" => Category::Exclusion,
            "mobilisation" | "mobilization" => Category::Mobilisation,
            "disloyalty" => Category::Disloyalty,
            "accusation_in_mirror" | "accusation_in_a_mirror" => Category::AccusationInMirror,
            _ => return None,
        };
        Some(c)
    }

    /// True for every category except `group_reference`.
    pub fn is_hostile(self) -> bool {
        self != Category::GroupReference
    }

    /// Index in [`Category::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Context modifiers found around a signal, as a small bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Modifiers(pub u16);

/// One context modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Modifier {
    /// "not", "never", "no one should".
    Negation,
    /// Reported or quoted speech: "said", "according to", quote marks.
    Reported,
    /// Counter-speech: condemnation of the hostile words.
    Counter,
    /// A question.
    Question,
    /// A hypothetical ("if", "imagine").
    Hypothetical,
    /// A call to action ("we must", "let us", imperatives).
    CallToAction,
    /// Matched through de-obfuscation (leetspeak, separators, look-alikes).
    Obfuscated,
}

impl Modifier {
    /// Every modifier, in bit order.
    pub const ALL: [Modifier; 7] =
        [Modifier::Negation, Modifier::Reported, Modifier::Counter, Modifier::Question, Modifier::Hypothetical, Modifier::CallToAction, Modifier::Obfuscated];

    /// The snake_case name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Modifier::Negation => "negation",
            Modifier::Reported => "reported",
            Modifier::Counter => "counter",
            Modifier::Question => "question",
            Modifier::Hypothetical => "hypothetical",
            Modifier::CallToAction => "call_to_action",
            Modifier::Obfuscated => "obfuscated",
        }
    }

    /// Parses a snake_case name.
    pub fn parse(s: &str) -> Option<Modifier> {
        Modifier::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl Modifiers {
    /// No modifier.
    pub const NONE: Modifiers = Modifiers(0);

    /// Adds a modifier.
    pub fn insert(&mut self, m: Modifier) {
        self.0 |= m.bit();
    }

    /// Whether the set holds a modifier.
    pub fn contains(self, m: Modifier) -> bool {
        self.0 & m.bit() != 0
    }

    /// Whether the two sets share a modifier.
    pub fn intersects(self, other: Modifiers) -> bool {
        self.0 & other.0 != 0
    }

    /// The modifiers in the set, in bit order.
    pub fn iter(self) -> impl Iterator<Item = Modifier> {
        Modifier::ALL.into_iter().filter(move |m| self.contains(*m))
    }

    /// Names, for output.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Modifier::as_str).collect()
    }

    /// A set from a list.
    pub fn from_list(list: &[Modifier]) -> Modifiers {
        let mut m = Modifiers::NONE;
        for x in list {
            m.insert(*x);
        }
        m
    }
}

/// How a signal counts once the policy has looked at its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counting {
    /// The writer's own hostile speech: counts.
    Hostile,
    /// Reported or quoted hostile speech: counted in the separate `reported` measure.
    Reported,
    /// Negated, counter-speech or hypothetical: kept as evidence, not counted.
    Discounted,
    /// A group reference: marks a target, never counts as hostile.
    Reference,
}

/// Which modifiers discount a signal and which make it reported (the `[signals]` table of a pipeline).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignalPolicy {
    /// Modifiers that stop a signal from counting (kept as evidence).
    pub discount: Vec<Modifier>,
    /// Modifiers that move a signal to the `reported` measure.
    pub reported: Vec<Modifier>,
}

impl Default for SignalPolicy {
    fn default() -> Self {
        SignalPolicy { discount: vec![Modifier::Negation, Modifier::Counter, Modifier::Hypothetical, Modifier::Question], reported: vec![Modifier::Reported] }
    }
}

impl SignalPolicy {
    /// How a signal of this category with these modifiers counts.
    pub fn counting(&self, category: Category, modifiers: Modifiers) -> Counting {
        if !category.is_hostile() {
            Counting::Reference
        } else if modifiers.intersects(Modifiers::from_list(&self.discount)) {
            Counting::Discounted
        } else if modifiers.intersects(Modifiers::from_list(&self.reported)) {
            Counting::Reported
        } else {
            Counting::Hostile
        }
    }
}

/// One finding in one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    /// What it signals.
    pub category: Category,
    /// The targeted group (`kind:group`), when resolved.
    pub target: Option<String>,
    /// 1 (low) to 3 (high).
    pub severity: u8,
    /// The rule id, or `lexicon:<lexicon>:<line>` for a bare lexicon hit.
    pub rule: String,
    /// The lexicon term that matched (its canonical form).
    pub term: String,
    /// Byte span in the original text.
    pub span: (usize, usize),
    /// Context modifiers.
    pub modifiers: Modifiers,
    /// How it counts under the pipeline's policy.
    pub counting: Counting,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        assert_eq!(Category::parse("Dehumanization"), Some(Category::Dehumanisation));
        assert_eq!(Category::parse("weather"), None);
    }

    #[test]
    fn default_policy() {
        let p = SignalPolicy::default();
        let mut m = Modifiers::NONE;
        assert_eq!(p.counting(Category::Dehumanisation, m), Counting::Hostile);
        m.insert(Modifier::Reported);
        assert_eq!(p.counting(Category::Dehumanisation, m), Counting::Reported);
        m.insert(Modifier::Negation);
        assert_eq!(p.counting(Category::Dehumanisation, m), Counting::Discounted);
        assert_eq!(p.counting(Category::GroupReference, Modifiers::NONE), Counting::Reference);
        let mut q = Modifiers::NONE;
        q.insert(Modifier::CallToAction);
        q.insert(Modifier::Obfuscated);
        assert_eq!(p.counting(Category::ViolenceCall, q), Counting::Hostile);
        assert_eq!(q.names(), vec!["call_to_action", "obfuscated"]);
    }
}
