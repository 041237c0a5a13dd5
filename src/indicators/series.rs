//! What each indicator counts, and its daily series for a region (and target).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::aggregate::ANY;
use crate::signal::Category;

use super::store::DayTally;

/// How an indicator's number is taken from a region's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Documents flagged as the writer's hostile speech, summed over the categories.
    Flagged,
    /// Documents with reported or quoted speech, summed over the categories.
    Reported,
    /// Documents with any hostile signal (each document once).
    AnyHostile,
    /// Reach of documents with any hostile signal, as a share of the reach of all documents.
    Reach,
    /// Distinct authors of documents with any hostile signal.
    Authors,
    /// Distinct sources of documents with any hostile signal.
    Sources,
    /// Week-on-week growth of documents with any hostile signal.
    Velocity,
}

/// One stage-two indicator.
#[derive(Debug, Clone, Copy)]
pub struct Definition {
    /// Name in files (`targeting`, `targeting_reported` …).
    pub name: &'static str,
    /// Name in reasons.
    pub label: &'static str,
    /// What is counted.
    pub measure: Measure,
    /// The categories summed (for `Flagged` and `Reported`).
    pub categories: &'static [Category],
    /// Whether rows per target group are computed.
    pub per_target: bool,
}

impl Definition {
    /// The `unit` column: what `value` is.
    pub fn unit(&self) -> &'static str {
        match self.measure {
            Measure::Reach => "per_10k_reach",
            Measure::Velocity => "growth",
            _ => "per_10k_docs",
        }
    }

    /// What `count` counts, in words.
    pub fn noun(&self) -> &'static str {
        match self.measure {
            Measure::Reach => "reach",
            Measure::Authors => "authors",
            Measure::Sources => "sources",
            _ => "documents",
        }
    }
}

const TARGETING: &[Category] = &[Category::Dehumanisation, Category::Derogation, Category::Slur, Category::Exclusion, Category::AccusationInMirror];
const MODERATES: &[Category] = &[Category::Disloyalty];
const MOBILISATION: &[Category] = &[Category::Mobilisation, Category::ViolenceCall];

/// Every indicator, in output order.
pub const INDICATORS: &[Definition] = &[
    Definition { name: "targeting", label: "targeting", measure: Measure::Flagged, categories: TARGETING, per_target: true },
    Definition { name: "targeting_reported", label: "reported targeting", measure: Measure::Reported, categories: TARGETING, per_target: true },
    Definition { name: "moderates", label: "attacks on moderates", measure: Measure::Flagged, categories: MODERATES, per_target: true },
    Definition { name: "moderates_reported", label: "reported attacks on moderates", measure: Measure::Reported, categories: MODERATES, per_target: true },
    Definition { name: "mobilisation", label: "mobilisation", measure: Measure::Flagged, categories: MOBILISATION, per_target: true },
    Definition { name: "mobilisation_reported", label: "reported mobilisation", measure: Measure::Reported, categories: MOBILISATION, per_target: true },
    Definition { name: "propaganda_spread", label: "hostile documents", measure: Measure::AnyHostile, categories: &[], per_target: false },
    Definition { name: "propaganda_reach", label: "hostile reach", measure: Measure::Reach, categories: &[], per_target: false },
    Definition { name: "propaganda_authors", label: "hostile authors", measure: Measure::Authors, categories: &[], per_target: false },
    Definition { name: "propaganda_sources", label: "hostile sources", measure: Measure::Sources, categories: &[], per_target: false },
    Definition { name: "propaganda_velocity", label: "hostile documents", measure: Measure::Velocity, categories: &[], per_target: false },
];

/// One day of one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// The day.
    pub date: NaiveDate,
    /// Documents seen in the region that day.
    pub docs: i64,
    /// The numerator (`count` column).
    pub count: i64,
    /// The denominator of the rate: documents seen, or reach seen.
    pub denom: f64,
    /// How much of the numerator one document carries: 1, or the day's mean reach per document.
    pub unit: f64,
    /// Documents behind the count (for reach, authors and sources: the hostile documents).
    pub support: i64,
}

impl Point {
    /// Numerator per 10,000 of the denominator.
    pub fn rate(&self) -> f64 {
        if self.denom > 0.0 {
            1e4 * self.count as f64 / self.denom
        } else {
            0.0
        }
    }
}

/// The numerator of an indicator on a day, for a target (`*`: all).
fn numerator(t: &DayTally, def: &Definition, target: &str) -> i64 {
    match def.measure {
        Measure::Flagged | Measure::Reported => def
            .categories
            .iter()
            .filter_map(|c| t.categories.get(&(*c, target.to_string())))
            .map(|&(flagged, reported)| if def.measure == Measure::Flagged { flagged } else { reported })
            .sum(),
        Measure::AnyHostile | Measure::Velocity => t.flagged,
        Measure::Reach => t.flagged_reach,
        Measure::Authors => t.flagged_authors,
        Measure::Sources => t.flagged_sources,
    }
}

/// The daily series of an indicator for a region's days (every day with documents).
pub fn points(days: &BTreeMap<NaiveDate, DayTally>, def: &Definition, target: &str) -> Vec<Point> {
    days.iter()
        .map(|(&date, t)| {
            let (denom, unit) = if def.measure == Measure::Reach {
                let r = t.reach_seen as f64;
                (r, if t.docs > 0 { r / t.docs as f64 } else { 0.0 })
            } else {
                (t.docs as f64, 1.0)
            };
            let count = numerator(t, def, target);
            let support = match def.measure {
                Measure::Reach | Measure::Authors | Measure::Sources => t.flagged,
                _ => count,
            };
            Point { date, docs: t.docs, count, denom, unit, support }
        })
        .collect()
}

/// The target groups an indicator ever counted in a region (not `*`).
pub fn targets(days: &BTreeMap<NaiveDate, DayTally>, def: &Definition) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if !def.per_target {
        return out;
    }
    for t in days.values() {
        for ((cat, target), &(flagged, reported)) in &t.categories {
            let n = if def.measure == Measure::Flagged { flagged } else { reported };
            if target != ANY && n > 0 && def.categories.contains(cat) {
                out.insert(target.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hostile_category_feeds_one_drive() {
        for c in Category::ALL.into_iter().filter(|c| c.is_hostile()) {
            let n = [TARGETING, MODERATES, MOBILISATION].iter().filter(|g| g.contains(&c)).count();
            assert_eq!(n, 1, "{c:?}");
        }
    }

    #[test]
    fn names_are_unique() {
        let names: BTreeSet<_> = INDICATORS.iter().map(|d| d.name).collect();
        assert_eq!(names.len(), INDICATORS.len());
    }
}
