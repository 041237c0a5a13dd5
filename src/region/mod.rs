//! Region assignment: every document gets a region, or is counted as
//! `unknown`, never dropped.
//!
//! The steps run in the configured order (`[regions] order`, default
//! `field`, `source_table`, `location`, `text`) and the first that places a
//! document wins:
//!
//! - `field`: the region the record carries (its mapped `region` field, or the
//!   source's fixed `region`), ISO 3166-2 or custom codes, used as given;
//! - `source_table`: a CSV `source,region` mapping the document's `source`
//!   (channel, outlet) to a region;
//! - `location`: the gazetteer names found in the author's location string;
//! - `text`: the gazetteer names found in the text itself.
//!
//! The method that placed each document is counted in the manifest
//! (`regions.placed_by`), so an analyst sees how many were placed by
//! guesswork. docs/REGIONS.md has the whole policy.

pub mod gazetteer;
pub mod import;

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::config::{LoadedConfig, Problem};
use crate::document::Document;
use crate::normalize::MatchingView;
use gazetteer::{Gazetteer, LoadOptions, Vote};

/// One step of region assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The record's own region (mapped field or the source's fixed region).
    Field,
    /// The source → region table.
    SourceTable,
    /// Gazetteer names in the author's location string.
    Location,
    /// Gazetteer names in the text.
    Text,
}

impl Step {
    /// The default order: the record's own word first, guesses last.
    pub const DEFAULT_ORDER: [Step; 4] = [Step::Field, Step::SourceTable, Step::Location, Step::Text];

    /// The name used in configs.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Field => "field",
            Step::SourceTable => "source_table",
            Step::Location => "location",
            Step::Text => "text",
        }
    }
}

/// How a document got its region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// The record's own region.
    Field,
    /// The source → region table.
    SourceTable,
    /// A place named in the author's location string.
    Location,
    /// A place named in the text.
    Text,
    /// Places of several regions were named and none stood out: counted as `unknown`.
    Ambiguous,
    /// Nothing placed it: counted as `unknown`.
    Unknown,
}

/// The `[regions]` table of a pipeline config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionsConfig {
    /// The steps, in order (default: `["field", "source_table", "location", "text"]`).
    #[serde(default)]
    pub order: Option<Spanned<Vec<Step>>>,
    /// CSV with columns `source,region` (relative to the config file).
    #[serde(default)]
    pub source_table: Option<Spanned<String>>,
    /// Gazetteer CSV files (relative to the config file).
    #[serde(default)]
    pub gazetteers: Vec<Spanned<String>>,
    /// Places with a known population below this are not matched (0: all).
    #[serde(default)]
    pub min_population: u64,
    /// Names never matched, whatever the gazetteers say (e.g. a town called "Bar").
    #[serde(default)]
    pub stop: Vec<String>,
}

/// A file region assignment read, for the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionFile {
    /// The file.
    pub path: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Rows used.
    pub rows: usize,
}

/// Documents per assignment method, as written to the manifest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementCounts {
    /// Placed by the record's own region.
    pub field: u64,
    /// Placed by the source table.
    pub source_table: u64,
    /// Placed by a place in the author's location string.
    pub location: u64,
    /// Placed by a place named in the text.
    pub text: u64,
    /// Named places of several regions, none standing out: counted as `unknown`.
    pub ambiguous: u64,
    /// Nothing placed them: counted as `unknown`.
    pub unknown: u64,
}

impl PlacementCounts {
    /// Counts one document.
    pub fn add(&mut self, m: Method) {
        *match m {
            Method::Field => &mut self.field,
            Method::SourceTable => &mut self.source_table,
            Method::Location => &mut self.location,
            Method::Text => &mut self.text,
            Method::Ambiguous => &mut self.ambiguous,
            Method::Unknown => &mut self.unknown,
        } += 1;
    }

    /// Adds another part's counts.
    pub fn merge(&mut self, o: &PlacementCounts) {
        self.field += o.field;
        self.source_table += o.source_table;
        self.location += o.location;
        self.text += o.text;
        self.ambiguous += o.ambiguous;
        self.unknown += o.unknown;
    }

    /// All documents counted.
    pub fn total(&self) -> u64 {
        self.field + self.source_table + self.location + self.text + self.ambiguous + self.unknown
    }
}

/// What region assignment did in a run: the manifest's `regions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegionsRecord {
    /// The steps, in order.
    pub order: Vec<Step>,
    /// Documents per method; their sum is the documents accepted.
    pub placed_by: PlacementCounts,
    /// The source table, if any.
    pub source_table: Option<RegionFile>,
    /// The gazetteers.
    pub gazetteers: Vec<RegionFile>,
}

/// The outcome for one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement<'s> {
    /// The document keeps the region it came with.
    Given,
    /// Placed in this region by this method.
    Placed(&'s str, Method),
    /// Not placed (`Ambiguous` or `Unknown`): the document counts as `unknown`.
    Unplaced(Method),
}

impl<'s> Placement<'s> {
    /// The method, for the manifest.
    pub fn method(&self) -> Method {
        match self {
            Placement::Given => Method::Field,
            Placement::Placed(_, m) | Placement::Unplaced(m) => *m,
        }
    }

    /// The document's new region: `None` to keep its own, `Some(None)` for `unknown`.
    pub fn region(&self) -> Option<Option<&'s str>> {
        match self {
            Placement::Given => None,
            Placement::Placed(r, _) => Some(Some(r)),
            Placement::Unplaced(_) => Some(None),
        }
    }
}

/// Region assignment compiled for a run: the order, the source table and the gazetteers.
#[derive(Debug, Clone)]
pub struct RegionAssigner {
    order: Vec<Step>,
    /// Lower-cased, trimmed source → region.
    sources: HashMap<String, String>,
    gazetteer: Option<Gazetteer>,
    record: RegionsRecord,
}

impl Default for RegionAssigner {
    /// The record's own region only (what a config without `[regions]` and without files gets).
    fn default() -> Self {
        RegionAssigner::new(Step::DEFAULT_ORDER.to_vec(), HashMap::new(), None)
    }
}

fn problem(file: &Path, line: Option<usize>, message: impl Into<String>) -> Problem {
    Problem { file: file.to_path_buf(), line, message: message.into() }
}

/// Reads a `source,region` table; every problem is listed with its line.
pub fn load_source_table(path: &Path) -> Result<(HashMap<String, String>, RegionFile), Vec<Problem>> {
    let bytes = std::fs::read(path).map_err(|e| vec![problem(path, None, format!("cannot read the source table: {e}"))])?;
    let mut problems = Vec::new();
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(body);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(e) => return Err(vec![problem(path, Some(1), format!("cannot read the header: {e}"))]),
    };
    if header != ["source", "region"] {
        return Err(vec![problem(path, Some(1), format!("the header must be `source,region`, found `{}`", header.join(",")))]);
    }
    let mut table: HashMap<String, String> = HashMap::new();
    let mut lines: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(path, e.position().map(|p| p.line() as usize), format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.len() != 2 {
            problems.push(problem(path, Some(line), format!("{} fields, expected 2 (source,region)", record.len())));
            continue;
        }
        let (source, region) = (record[0].trim(), record[1].trim());
        if source.is_empty() {
            problems.push(problem(path, Some(line), "empty source"));
            continue;
        }
        if !gazetteer::valid_region(region) {
            problems.push(problem(path, Some(line), format!("region `{region}` for `{source}` must be a code of letters, digits, `-`, `_` or `.`")));
            continue;
        }
        let key = source.to_lowercase();
        match table.get(&key) {
            Some(r) if r != region => {
                problems.push(problem(path, Some(line), format!("`{source}` is already mapped to `{r}` at line {}", lines[&key])));
            }
            Some(_) => {}
            None => {
                table.insert(key.clone(), region.to_string());
                lines.insert(key, line);
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let file = RegionFile { path: path.display().to_string(), sha256: hex::encode(Sha256::digest(&bytes)), rows: table.len() };
    Ok((table, file))
}

impl RegionAssigner {
    fn new(order: Vec<Step>, sources: HashMap<String, String>, gazetteer: Option<Gazetteer>) -> Self {
        let record = RegionsRecord {
            order: order.clone(),
            gazetteers: gazetteer
                .as_ref()
                .map(|g| g.files.iter().map(|f| RegionFile { path: f.path.clone(), sha256: f.sha256.clone(), rows: f.places }).collect())
                .unwrap_or_default(),
            ..RegionsRecord::default()
        };
        RegionAssigner { order, sources, gazetteer, record }
    }

    /// Loads what a config's `[regions]` table names; every problem is listed.
    pub fn from_config(config: &LoadedConfig) -> Result<Self, Vec<Problem>> {
        let c = &config.config.regions;
        let mut problems = Vec::new();
        let order: Vec<Step> = c.order.as_ref().map_or_else(|| Step::DEFAULT_ORDER.to_vec(), |o| o.get_ref().clone());
        if let Some(o) = &c.order {
            let mut seen = Vec::new();
            for s in o.get_ref() {
                if seen.contains(s) {
                    problems.push(config.problem_at(o, format!("regions.order names `{}` twice", s.as_str())));
                }
                seen.push(*s);
            }
            if order.contains(&Step::SourceTable) && c.source_table.is_none() {
                problems.push(config.problem_at(o, "regions.order names `source_table`, but regions.source_table is not set"));
            }
            for step in [Step::Location, Step::Text] {
                if order.contains(&step) && c.gazetteers.is_empty() {
                    problems.push(config.problem_at(o, format!("regions.order names `{}`, but regions.gazetteers is empty", step.as_str())));
                }
            }
        }
        let mut sources = HashMap::new();
        let mut table_file = None;
        if let Some(t) = &c.source_table {
            let path = config.resolve(t.get_ref());
            if !path.is_file() {
                problems.push(config.problem_at(t, format!("regions.source_table `{}` does not exist", path.display())));
            } else {
                match load_source_table(&path) {
                    Ok((table, file)) => {
                        sources = table;
                        table_file = Some(file);
                    }
                    Err(ps) => problems.extend(ps),
                }
            }
        }
        let mut paths = Vec::new();
        for g in &c.gazetteers {
            let path = config.resolve(g.get_ref());
            if path.is_file() {
                paths.push(path);
            } else {
                problems.push(config.problem_at(g, format!("gazetteer `{}` does not exist", path.display())));
            }
        }
        let gazetteer = if paths.is_empty() {
            None
        } else {
            match Gazetteer::load(&paths, &LoadOptions { min_population: c.min_population, stop: c.stop.clone() }) {
                Ok(g) => Some(g),
                Err(ps) => {
                    problems.extend(ps);
                    None
                }
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut assigner = RegionAssigner::new(order, sources, gazetteer);
        assigner.record.source_table = table_file;
        Ok(assigner)
    }

    /// What the manifest records (without counts).
    pub fn record(&self) -> &RegionsRecord {
        &self.record
    }

    /// The gazetteer, when one is configured.
    pub fn gazetteer(&self) -> Option<&Gazetteer> {
        self.gazetteer.as_ref()
    }

    /// Places one document. `plain` is the plain matching view of its text.
    pub fn place(&self, doc: &Document<'_>, plain: &MatchingView<'_>) -> Placement<'_> {
        let mut ambiguous = false;
        for step in &self.order {
            match step {
                Step::Field => {
                    if doc.region.is_some() {
                        return Placement::Given;
                    }
                }
                Step::SourceTable if !self.sources.is_empty() => {
                    if let Some(r) = self.sources.get(doc.source.trim().to_lowercase().as_str()) {
                        return Placement::Placed(r, Method::SourceTable);
                    }
                }
                Step::SourceTable => {}
                Step::Location => {
                    let (Some(g), Some(loc)) = (&self.gazetteer, &doc.location) else { continue };
                    match gazetteer::vote(&g.mentions(&MatchingView::plain(loc), None, true)) {
                        Vote::Region(r) => return Placement::Placed(r, Method::Location),
                        Vote::Ambiguous => ambiguous = true,
                        Vote::Nothing => {}
                    }
                }
                Step::Text => {
                    let Some(g) = &self.gazetteer else { continue };
                    match gazetteer::vote(&g.mentions(plain, doc.lang.as_deref(), false)) {
                        Vote::Region(r) => return Placement::Placed(r, Method::Text),
                        Vote::Ambiguous => ambiguous = true,
                        Vote::Nothing => {}
                    }
                }
            }
        }
        Placement::Unplaced(if ambiguous { Method::Ambiguous } else { Method::Unknown })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, Utc};
    use std::borrow::Cow;

    const GAZETTEER: &str = "name,lang,region,kind,population,ambiguous,source\n\
        Tarsa,,XA-NO,city,184000,,demo\n\
        Vemba,,XA-SO,city,38000,,demo\n\
        Kaloni,,XA-EA,city,88000,,demo\n";

    fn doc(text: &'static str, region: Option<&'static str>, source: &'static str, location: Option<&'static str>) -> Document<'static> {
        Document {
            id: Cow::Borrowed("d"),
            text: Cow::Borrowed(text),
            lang: Some(Cow::Borrowed("en")),
            region: region.map(Cow::Borrowed),
            timestamp: Utc::now(),
            date: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            source: Cow::Borrowed(source),
            author: None,
            reach: 0,
            location: location.map(Cow::Borrowed),
            speaker_type: None,
            lossy: false,
        }
    }

    fn config(dir: &Path, regions: &str) -> LoadedConfig {
        std::fs::write(dir.join("xa.csv"), GAZETTEER).unwrap();
        std::fs::write(dir.join("sources.csv"), "source,region\nTarsa Board,XA-NO\n").unwrap();
        let text = format!("output = \"out\"\n[[sources]]\nname = \"s\"\npaths = [\"a.jsonl\"]\nformat = \"jsonl\"\n[regions]\n{regions}");
        LoadedConfig::from_str(&text, &dir.join("p.toml"), dir).unwrap()
    }

    fn place(a: &RegionAssigner, d: &Document<'_>) -> (Option<String>, Method) {
        let plain = MatchingView::plain(&d.text);
        let p = a.place(d, &plain);
        let region = match p.region() {
            None => d.region.as_deref().map(String::from),
            Some(r) => r.map(String::from),
        };
        (region, p.method())
    }

    #[test]
    fn steps_run_in_order_and_the_first_that_places_wins() {
        let dir = tempfile::tempdir().unwrap();
        let a = RegionAssigner::from_config(&config(dir.path(), "source_table = \"sources.csv\"\ngazetteers = [\"xa.csv\"]\n")).unwrap();
        let r = |region: Option<String>, m: Method| (region, m);
        assert_eq!(place(&a, &doc("rain in Vemba", Some("XA-CE"), "x", None)), r(Some("XA-CE".into()), Method::Field));
        assert_eq!(place(&a, &doc("rain in Vemba", None, " tarsa board ", None)), r(Some("XA-NO".into()), Method::SourceTable));
        assert_eq!(place(&a, &doc("rain in Vemba", None, "x", Some("Kaloni, Xandia"))), r(Some("XA-EA".into()), Method::Location));
        assert_eq!(place(&a, &doc("rain in Vemba", None, "x", Some("Earth"))), r(Some("XA-SO".into()), Method::Text));
        assert_eq!(place(&a, &doc("rain everywhere", None, "x", None)), r(None, Method::Unknown));
        // Places of two regions, once each: neither wins.
        assert_eq!(place(&a, &doc("road from Tarsa to Vemba", None, "x", None)), r(None, Method::Ambiguous));
        // The location string decides before the text is read.
        assert_eq!(place(&a, &doc("road from Tarsa to Vemba", None, "x", Some("Tarsa"))), r(Some("XA-NO".into()), Method::Location));

        // Another order: the text before the record's own field.
        let a = RegionAssigner::from_config(&config(dir.path(), "order = [\"text\", \"field\"]\ngazetteers = [\"xa.csv\"]\n")).unwrap();
        assert_eq!(place(&a, &doc("rain in Vemba", Some("XA-CE"), "x", None)), r(Some("XA-SO".into()), Method::Text));
        assert_eq!(place(&a, &doc("rain", Some("XA-CE"), "x", None)), r(Some("XA-CE".into()), Method::Field));
        // Without `field` in the order, the record's region is not used.
        let a = RegionAssigner::from_config(&config(dir.path(), "order = [\"text\"]\ngazetteers = [\"xa.csv\"]\n")).unwrap();
        assert_eq!(place(&a, &doc("rain", Some("XA-CE"), "x", None)), r(None, Method::Unknown));
    }

    #[test]
    fn config_problems_are_all_listed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad_sources.csv"), "source,region\nA,XA-NO\nA,XA-SO\n,XA-NO\nB,not a code\n").unwrap();
        let c = config(
            dir.path(),
            "order = [\"field\", \"text\", \"field\", \"source_table\"]\ngazetteers = [\"missing.csv\"]\nsource_table = \"bad_sources.csv\"\n",
        );
        let problems = RegionAssigner::from_config(&c).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(text.iter().any(|p| p.contains("names `field` twice") && p.contains("p.toml:7")), "{text:#?}");
        assert!(text.iter().any(|p| p.contains("bad_sources.csv:3") && p.contains("already mapped to `XA-NO` at line 2")), "{text:#?}");
        assert!(text.iter().any(|p| p.contains("bad_sources.csv:4") && p.contains("empty source")), "{text:#?}");
        assert!(text.iter().any(|p| p.contains("bad_sources.csv:5") && p.contains("`not a code`")), "{text:#?}");
        assert!(text.iter().any(|p| p.contains("missing.csv") && p.contains("does not exist") && p.contains("p.toml:8")), "{text:#?}");
        let c = config(dir.path(), "order = [\"source_table\", \"text\"]\n");
        let problems = RegionAssigner::from_config(&c).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        // Unknown keys are refused.
        let text = "output = \"out\"\nsources = []\n[regions]\ngazeteers = []\n";
        let c = LoadedConfig::from_str(text, Path::new("p.toml"), Path::new(".")).unwrap();
        assert!(c.parse_problems.iter().any(|p| p.message.contains("gazeteers") && p.line == Some(4)), "{:?}", c.parse_problems);
    }

    #[test]
    fn counts_add_and_merge() {
        let mut a = PlacementCounts::default();
        for m in [Method::Field, Method::Field, Method::Text, Method::Ambiguous, Method::Unknown, Method::Location, Method::SourceTable] {
            a.add(m);
        }
        let mut b = PlacementCounts::default();
        b.add(Method::Text);
        a.merge(&b);
        assert_eq!((a.field, a.source_table, a.location, a.text, a.ambiguous, a.unknown, a.total()), (2, 1, 1, 2, 1, 1, 8));
    }
}
