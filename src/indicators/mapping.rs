//! The mapping from tocsin indicators to UN Framework of Analysis indicators.
//!
//! It is data (`mappings/framework.csv`), not code, because the numbers are an
//! analytical judgement that analysts must be able to correct without a
//! programmer. The binary carries the repository's copy as a fallback so it
//! works from any directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{ConfigError, Problem};

use super::series::INDICATORS;

/// The mapping shipped in the repository, compiled in.
pub const BUILT_IN: &str = include_str!("../../mappings/framework.csv");

/// What one tocsin indicator informs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Framework indicator numbers, e.g. `8.7`.
    pub framework: Vec<String>,
    /// The analyst's note.
    pub note: String,
}

/// A loaded, validated mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Where it came from (a path, or `built-in`).
    pub source: String,
    entries: BTreeMap<String, Entry>,
}

impl Mapping {
    /// The compiled-in copy of `mappings/framework.csv`.
    pub fn built_in() -> Self {
        Self::parse(BUILT_IN, Path::new("mappings/framework.csv (built-in)")).expect("the shipped mapping is valid (unit-tested)")
    }

    /// Reads and validates a mapping file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            problems: vec![Problem { file: path.to_path_buf(), line: None, message: format!("cannot read the Framework mapping: {e}") }],
        })?;
        let mut m = Self::parse(&text, path)?;
        m.source = path.display().to_string();
        Ok(m)
    }

    /// The given file, else the first `mappings/framework.csv` found (see
    /// [`default_path`]), else the built-in copy.
    pub fn resolve(path: Option<&Path>) -> Result<Self, ConfigError> {
        match path.map(Path::to_path_buf).or_else(default_path) {
            Some(p) => Self::load(&p),
            None => Ok(Self::built_in()),
        }
    }

    /// Parses CSV text (`indicator,framework_indicators,note`; `#` comments);
    /// every problem is listed with its line.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let problem = |line: Option<usize>, message: String| Problem { file: origin.to_path_buf(), line, message };
        // Comment lines are dropped here rather than by the csv reader, whose
        // line numbers then skip them; `lines[i]` is the file line of line i + 1.
        let mut kept = String::with_capacity(text.len());
        let mut lines = Vec::new();
        for (n, line) in text.split_inclusive('\n').enumerate() {
            if !line.trim_start().starts_with('#') {
                kept.push_str(line);
                lines.push(n + 1);
            }
        }
        let file_line = |l: u64| lines.get((l as usize).saturating_sub(1)).copied();
        let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(kept.as_bytes());
        let header = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(ConfigError { problems: vec![problem(None, format!("cannot read the header: {e}"))] }),
        };
        let col = |name: &str| header.iter().position(|h| h == name);
        let (Some(ci), Some(cf)) = (col("indicator"), col("framework_indicators")) else {
            return Err(ConfigError {
                problems: vec![problem(
                    None,
                    format!(
                        "the header must name `indicator` and `framework_indicators` (and optionally `note`), found `{}`",
                        header.iter().collect::<Vec<_>>().join(",")
                    ),
                )],
            });
        };
        let cn = col("note");
        let mut entries = BTreeMap::new();
        for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().and_then(|p| file_line(p.line()));
                    problems.push(problem(line, format!("unreadable row: {e}")));
                    continue;
                }
            };
            let line = record.position().and_then(|p| file_line(p.line()));
            let name = record.get(ci).unwrap_or("").to_string();
            if !INDICATORS.iter().any(|d| d.name == name) {
                problems.push(problem(
                    line,
                    format!("unknown indicator `{name}`; tocsin's indicators are: {}", INDICATORS.iter().map(|d| d.name).collect::<Vec<_>>().join(", ")),
                ));
                continue;
            }
            let mut framework = Vec::new();
            for n in record.get(cf).unwrap_or("").split([';', ' ', '\t']).filter(|s| !s.is_empty()) {
                match framework_number(n) {
                    Some(n) => framework.push(n),
                    None => problems.push(problem(line, format!("`{n}` is not a Framework indicator number (risk factor 1–14 . indicator, e.g. 8.7)"))),
                }
            }
            let note = cn.and_then(|c| record.get(c)).unwrap_or("").to_string();
            if entries.insert(name.clone(), Entry { framework, note }).is_some() {
                problems.push(problem(line, format!("indicator `{name}` is mapped twice")));
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError { problems });
        }
        for d in INDICATORS {
            if !entries.contains_key(d.name) {
                // An older edited file may predate an indicator: map it to nothing, loudly.
                tracing::warn!(file = %origin.display(), indicator = d.name, "indicator has no row in the Framework mapping; it is mapped to nothing");
            }
        }
        Ok(Mapping { source: origin.display().to_string(), entries })
    }

    /// The Framework indicator numbers an indicator informs (empty if unmapped).
    pub fn framework(&self, indicator: &str) -> &[String] {
        self.entries.get(indicator).map(|e| e.framework.as_slice()).unwrap_or(&[])
    }

    /// The entry of an indicator, if it has a row.
    pub fn entry(&self, indicator: &str) -> Option<&Entry> {
        self.entries.get(indicator)
    }
}

/// `8.7` → `8.7`; risk factors are numbered 1–14 and indicators from 1.
fn framework_number(s: &str) -> Option<String> {
    let (rf, ind) = s.split_once('.')?;
    let digits = |x: &str| !x.is_empty() && x.len() <= 3 && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(rf) || !digits(ind) {
        return None;
    }
    let (rf, ind): (u32, u32) = (rf.parse().ok()?, ind.parse().ok()?);
    ((1..=14).contains(&rf) && ind >= 1).then(|| format!("{rf}.{ind}"))
}

/// Where an edited mapping is looked for: `$TOCSIN_MAPPING`, `./mappings/framework.csv`,
/// next to the binary's repository, or the source tree.
pub fn default_path() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("TOCSIN_MAPPING") {
        return Some(PathBuf::from(p));
    }
    let rel = Path::new("mappings").join("framework.csv");
    if rel.is_file() {
        return Some(rel);
    }
    if let Ok(exe) = std::env::current_exe() {
        for up in exe.ancestors().skip(1).take(4) {
            let p = up.join(&rel);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(&rel);
    p.is_file().then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_mapping_is_valid_and_complete() {
        let m = Mapping::parse(BUILT_IN, Path::new("framework.csv")).unwrap();
        for d in INDICATORS {
            assert!(m.entry(d.name).is_some(), "{} has no row", d.name);
        }
        assert_eq!(m.framework("targeting"), ["8.7", "13.5", "9.2", "7.14"]);
        assert_eq!(m.framework("moderates"), ["8.5", "13.4"]);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let text = "indicator,framework_indicators,note\n# a comment\ntargeting,8.7;99.1,x\ntargetting,8.7,typo\ntargeting,8.7,again\nmoderates,,unmapped\n";
        let err = Mapping::parse(text, Path::new("m.csv")).unwrap_err();
        let lines: Vec<_> = err.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(3), Some(4), Some(5)], "{err}");
        assert!(err.problems[0].message.contains("99.1"));
        assert!(err.problems[1].message.contains("targetting"));
        assert!(err.problems[2].message.contains("twice"));
    }

    #[test]
    fn empty_cell_maps_to_nothing() {
        let m = Mapping::parse("indicator,framework_indicators\nmoderates,\n", Path::new("m.csv")).unwrap();
        assert!(m.framework("moderates").is_empty());
        assert!(m.framework("targeting").is_empty());
    }

    #[test]
    fn framework_numbers() {
        assert_eq!(framework_number("13.5").as_deref(), Some("13.5"));
        for bad in ["15.1", "0.1", "8", "8.", "a.b", "8.0", "+8.7"] {
            assert_eq!(framework_number(bad), None, "{bad}");
        }
    }
}
