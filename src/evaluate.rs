//! Verdicts on single documents (`tocsin scan`) and quality measurement on
//! labelled data (`tocsin eval`): what an analyst uses to check one post,
//! and how a team tests its own lexicons on its own sample.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::detect::Detector;
use crate::signal::{Category, Counting, Signal};

/// One signal as `scan` prints it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SignalOut {
    /// Category.
    pub category: &'static str,
    /// Target group.
    pub target: Option<String>,
    /// Severity 1–3.
    pub severity: u8,
    /// Rule id.
    pub rule: String,
    /// Lexicon term.
    pub term: String,
    /// Byte span in the original text.
    pub span: [usize; 2],
    /// The original text of the span.
    pub text: String,
    /// Modifiers.
    pub modifiers: Vec<&'static str>,
    /// How it counts: hostile, reported, discounted or reference.
    pub counting: Counting,
}

/// The verdict on one document.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Document id.
    pub id: String,
    /// True when a hostile signal counts.
    pub flagged: bool,
    /// Categories of the counting hostile signals.
    pub categories: Vec<&'static str>,
    /// Every signal, in text order.
    pub signals: Vec<SignalOut>,
}

/// Detects and builds the verdict on one text.
pub fn verdict(detector: &Detector, id: &str, text: &str, lang: Option<&str>) -> Verdict {
    let signals = detector.detect(text, lang);
    verdict_from(id, text, &signals)
}

/// Builds a verdict from signals already found.
pub fn verdict_from(id: &str, text: &str, signals: &[Signal]) -> Verdict {
    let mut categories: Vec<&'static str> = signals.iter().filter(|s| s.counting == Counting::Hostile).map(|s| s.category.as_str()).collect();
    categories.sort();
    categories.dedup();
    Verdict {
        id: id.to_string(),
        flagged: !categories.is_empty(),
        categories,
        signals: signals
            .iter()
            .map(|s| SignalOut {
                category: s.category.as_str(),
                target: s.target.clone(),
                severity: s.severity,
                rule: s.rule.clone(),
                term: s.term.clone(),
                span: [s.span.0, s.span.1],
                text: text[s.span.0..s.span.1].to_string(),
                modifiers: s.modifiers.names(),
                counting: s.counting,
            })
            .collect(),
    }
}

/// The reasons for a verdict, in words.
pub fn explain(v: &Verdict) -> String {
    let mut out = format!("{}: {}\n", v.id, if v.flagged { format!("FLAGGED ({})", v.categories.join(", ")) } else { "not flagged".into() });
    for s in &v.signals {
        let target = s.target.as_deref().map(|t| format!(" targeting {t}")).unwrap_or_default();
        let why = match s.counting {
            Counting::Hostile => "counts as hostile".to_string(),
            Counting::Reported => format!("reported speech ({}): counted separately", s.modifiers.join(", ")),
            Counting::Discounted => format!("does not count ({})", s.modifiers.join(", ")),
            Counting::Reference => "names a group".to_string(),
        };
        let mods = if s.modifiers.is_empty() || s.counting != Counting::Hostile { String::new() } else { format!(" [{}]", s.modifiers.join(", ")) };
        out.push_str(&format!("  «{}» {}{target}, severity {}, rule {}: {why}{mods}\n", s.text, s.category, s.severity, s.rule));
    }
    out
}

/// A labelled example for evaluation.
#[derive(Debug, Clone)]
pub struct LabelledCase {
    /// Identifier (or line number).
    pub id: String,
    /// Text.
    pub text: String,
    /// Language, when given.
    pub lang: Option<String>,
    /// `hateful`, `non-hateful`, or a category name (which counts as hateful).
    pub label: String,
    /// Values of grouping columns (functionality, target, lang …).
    pub groups: BTreeMap<String, String>,
}

impl LabelledCase {
    /// Whether the label says the text should be flagged.
    pub fn hateful(&self) -> bool {
        !matches!(self.label.as_str(), "non-hateful" | "non_hateful" | "none" | "0" | "false" | "not_hateful")
    }

    /// The expected category, when the label names one.
    pub fn category(&self) -> Option<Category> {
        Category::parse(&self.label)
    }
}

/// Counts of a binary confusion matrix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confusion {
    /// Hateful, flagged.
    pub tp: u64,
    /// Non-hateful, flagged.
    pub fp: u64,
    /// Non-hateful, not flagged.
    pub tn: u64,
    /// Hateful, not flagged.
    pub fn_: u64,
}

impl Confusion {
    fn add(&mut self, truth: bool, predicted: bool) {
        match (truth, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
            (true, false) => self.fn_ += 1,
        }
    }

    /// Cases.
    pub fn n(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// Share of correct verdicts.
    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.n())
    }

    /// Precision of the hateful class.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// Recall of the hateful class.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// Mean of the F1 of the hateful and the non-hateful class (classes absent from the data are left out).
    pub fn macro_f1(&self) -> f64 {
        let f1 = |tp: u64, fp: u64, fn_: u64| 2.0 * tp as f64 / (2 * tp + fp + fn_).max(1) as f64;
        // A class with no true cases has no meaningful F1: leave it out.
        let mut scores = Vec::new();
        if self.tp + self.fn_ > 0 {
            scores.push(f1(self.tp, self.fp, self.fn_));
        }
        if self.tn + self.fp > 0 {
            scores.push(f1(self.tn, self.fn_, self.fp));
        }
        if scores.is_empty() {
            0.0
        } else {
            scores.iter().sum::<f64>() / scores.len() as f64
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Results of an evaluation.
#[derive(Debug, Clone, Default)]
pub struct EvalReport {
    /// Over all cases.
    pub overall: Confusion,
    /// Per grouping column, per value.
    pub groups: BTreeMap<String, BTreeMap<String, Confusion>>,
    /// Hateful cases flagged but without the expected category (when labels name categories).
    pub wrong_category: u64,
    /// Cases the tool got wrong: (id, label, flagged).
    pub errors: Vec<(String, String, bool)>,
}

/// Runs the detector over labelled cases.
pub fn evaluate(detector: &Detector, cases: &[LabelledCase]) -> EvalReport {
    let mut report = EvalReport::default();
    for c in cases {
        let v = verdict(detector, &c.id, &c.text, c.lang.as_deref());
        let truth = c.hateful();
        report.overall.add(truth, v.flagged);
        for (k, val) in &c.groups {
            report.groups.entry(k.clone()).or_default().entry(val.clone()).or_default().add(truth, v.flagged);
        }
        if truth != v.flagged {
            report.errors.push((c.id.clone(), c.label.clone(), v.flagged));
        } else if let (true, Some(cat)) = (truth, c.category()) {
            if !v.categories.contains(&cat.as_str()) {
                report.wrong_category += 1;
            }
        }
    }
    report
}

impl EvalReport {
    /// The report as a text table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let line = |name: &str, c: &Confusion| {
            format!("{name:<32} {:>6} {:>9.3} {:>9.3} {:>9.3} {:>9.3}\n", c.n(), c.accuracy(), c.precision(), c.recall(), c.macro_f1())
        };
        out.push_str(&format!("{:<32} {:>6} {:>9} {:>9} {:>9} {:>9}\n", "group", "n", "accuracy", "precision", "recall", "macro-F1"));
        out.push_str(&line("overall", &self.overall));
        for (k, vals) in &self.groups {
            out.push_str(&format!("\nby {k}\n"));
            for (v, c) in vals {
                out.push_str(&line(&format!("  {v}"), c));
            }
        }
        if self.wrong_category > 0 {
            out.push_str(&format!("\n{} hateful cases flagged under another category than labelled\n", self.wrong_category));
        }
        out
    }
}

/// Reads labelled JSONL: `text`, `label`, optional `id`, `lang` and grouping columns.
pub fn read_labelled(text: &str, group_by: &[String]) -> Result<Vec<LabelledCase>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        let get = |k: &str| {
            v.get(k).and_then(|x| match x {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            })
        };
        let text = get("text").ok_or_else(|| format!("line {}: no `text`", i + 1))?;
        let label = get("label").ok_or_else(|| format!("line {}: no `label`", i + 1))?;
        let mut groups = BTreeMap::new();
        for g in group_by {
            groups.insert(g.clone(), get(g).unwrap_or_else(|| "-".into()));
        }
        out.push(LabelledCase { id: get("id").unwrap_or_else(|| format!("line {}", i + 1)), text, lang: get("lang"), label, groups });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics() {
        let c = Confusion { tp: 8, fp: 2, tn: 8, fn_: 2 };
        assert!((c.accuracy() - 0.8).abs() < 1e-9);
        assert!((c.precision() - 0.8).abs() < 1e-9);
        assert!((c.recall() - 0.8).abs() < 1e-9);
        assert!((c.macro_f1() - 0.8).abs() < 1e-9);
        // Only non-hateful cases: macro-F1 is the F1 of that class alone.
        let n = Confusion { tp: 0, fp: 1, tn: 3, fn_: 0 };
        assert!((n.macro_f1() - 6.0 / 7.0).abs() < 1e-9);
    }

    #[test]
    fn labels() {
        let cases = read_labelled(
            "{\"text\":\"x\",\"label\":\"non-hateful\",\"functionality\":\"negation\"}\n{\"text\":\"y\",\"label\":\"dehumanisation\"}\n",
            &["functionality".into()],
        )
        .unwrap();
        assert!(!cases[0].hateful());
        assert!(cases[1].hateful());
        assert_eq!(cases[1].category(), Some(Category::Dehumanisation));
        assert_eq!(cases[0].groups["functionality"], "negation");
        assert_eq!(cases[1].groups["functionality"], "-");
    }
}
