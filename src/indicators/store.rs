//! Reading the whole time series store back into per-region, per-day tallies.
//!
//! Indicators need every language and source of a region summed, and the
//! category rows summed per target; nothing else of the store's keys.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow_array::{Array, Int64Array, LargeStringArray, RecordBatch, StringArray};
use chrono::NaiveDate;

use crate::aggregate::{ALL_CATEGORIES, ANY};
use crate::signal::Category;
use crate::sink::SinkError;

use super::IndicatorError;

/// What one region saw on one day, every language and source summed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayTally {
    /// Documents seen.
    pub docs: i64,
    /// Reach of all documents seen.
    pub reach_seen: i64,
    /// Documents with at least one hostile signal (any category).
    pub flagged: i64,
    /// Reach of those documents.
    pub flagged_reach: i64,
    /// Distinct authors of those documents (summed over languages and sources).
    pub flagged_authors: i64,
    /// Distinct sources of those documents (summed over languages and sources).
    pub flagged_sources: i64,
    /// Per hostile category and target (`*` for the category total): documents flagged, documents reported.
    pub categories: BTreeMap<(Category, String), (i64, i64)>,
}

/// Every region's days, as read from a store.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Region → day → tally. Only days with documents are present.
    pub regions: BTreeMap<String, BTreeMap<NaiveDate, DayTally>>,
    /// Partition files read.
    pub files: Vec<PathBuf>,
}

impl History {
    /// Adds one time series batch of the given day.
    pub fn add_batch(&mut self, date: NaiveDate, batch: &RecordBatch, path: &Path) -> Result<(), IndicatorError> {
        let cols = Columns::new(batch, path)?;
        for i in 0..batch.num_rows() {
            let region = cols.str("region", i)?;
            let category = cols.str("category", i)?;
            let target = cols.str("target", i)?;
            let int = |name: &str| cols.int(name, i);
            let tally = self.regions.entry(region.to_string()).or_default().entry(date).or_default();
            if category == ALL_CATEGORIES {
                // docs and *_seen repeat on every row of a (language, source); the `all` row counts them once.
                tally.docs += int("docs")?;
                tally.reach_seen += int("reach_seen")?;
                tally.flagged += int("docs_flagged")?;
                tally.flagged_reach += int("reach")?;
                tally.flagged_authors += int("authors")?;
                tally.flagged_sources += int("sources")?;
                continue;
            }
            let Some(cat) = Category::parse(category) else {
                return Err(IndicatorError::Store { path: path.to_path_buf(), message: format!("row {}: unknown category `{category}`", i + 1) });
            };
            if !cat.is_hostile() {
                continue;
            }
            let target = if target.is_empty() { ANY } else { target };
            let e = tally.categories.entry((cat, target.to_string())).or_default();
            e.0 += int("docs_flagged")?;
            e.1 += int("docs_reported")?;
        }
        Ok(())
    }

    /// Drops regions × days without documents (category rows alone say nothing about effort).
    fn prune(&mut self) {
        for days in self.regions.values_mut() {
            days.retain(|_, t| t.docs > 0);
        }
        self.regions.retain(|_, days| !days.is_empty());
    }
}

/// Reads every `timeseries/date=YYYY-MM-DD/*.parquet` of a store. A file that
/// cannot be read, or lacks a column, is an error naming it: a silently
/// skipped day would look like a day without documents.
pub fn read_history(store: &Path) -> Result<History, IndicatorError> {
    let dir = store.join("timeseries");
    let mut history = History::default();
    let entries = std::fs::read_dir(&dir).map_err(|e| IndicatorError::Store { path: dir.clone(), message: format!("cannot list the time series: {e}") })?;
    let mut partitions = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| IndicatorError::Store { path: dir.clone(), message: e.to_string() })?;
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(value) = name.strip_prefix("date=") else {
            continue; // staging folders, notes: not partitions
        };
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map_err(|_| IndicatorError::Store { path: path.clone(), message: format!("partition `{name}` is not date=YYYY-MM-DD") })?;
        partitions.push((date, path));
    }
    partitions.sort();
    for (date, path) in partitions {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
            .map_err(|e| IndicatorError::Store { path: path.clone(), message: format!("cannot list the partition: {e}") })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect();
        files.sort();
        for file in files {
            let batches = crate::sink::parquet::read_batches(&file).map_err(|e| match e {
                SinkError::Parquet { path, message } => IndicatorError::Store { path, message: format!("unreadable Parquet file: {message}") },
                SinkError::Io { action, path, source } => IndicatorError::Store { path, message: format!("{action}: {source}") },
                e => e.into(),
            })?;
            for batch in batches {
                history.add_batch(date, &batch, &file)?;
            }
            history.files.push(file);
        }
    }
    history.prune();
    Ok(history)
}

/// Typed access to the columns indicators use, checked once per batch.
struct Columns<'a> {
    batch: &'a RecordBatch,
    path: &'a Path,
}

const STRINGS: [&str; 3] = ["region", "category", "target"];
const INTS: [&str; 7] = ["docs", "docs_flagged", "docs_reported", "authors", "sources", "reach", "reach_seen"];

impl<'a> Columns<'a> {
    fn new(batch: &'a RecordBatch, path: &'a Path) -> Result<Self, IndicatorError> {
        let c = Columns { batch, path };
        for name in STRINGS {
            let col = c.column(name)?;
            let ok = col.as_any().is::<StringArray>() || col.as_any().is::<LargeStringArray>();
            if !ok {
                return Err(c.error(format!("column `{name}` is {}, expected Utf8", col.data_type())));
            }
        }
        for name in INTS {
            let col = c.column(name)?;
            if !col.as_any().is::<Int64Array>() {
                return Err(c.error(format!("column `{name}` is {}, expected Int64", col.data_type())));
            }
        }
        Ok(c)
    }

    fn error(&self, message: String) -> IndicatorError {
        IndicatorError::Store { path: self.path.to_path_buf(), message }
    }

    fn column(&self, name: &str) -> Result<&'a dyn Array, IndicatorError> {
        self.batch.column_by_name(name).map(|c| c.as_ref()).ok_or_else(|| self.error(format!("no column `{name}`: not a tocsin time series partition")))
    }

    fn str(&self, name: &str, i: usize) -> Result<&'a str, IndicatorError> {
        let col = self.column(name)?;
        if col.is_null(i) {
            return Err(self.error(format!("row {}: `{name}` is null", i + 1)));
        }
        Ok(match col.as_any().downcast_ref::<StringArray>() {
            Some(a) => a.value(i),
            None => col.as_any().downcast_ref::<LargeStringArray>().expect("checked in new").value(i),
        })
    }

    fn int(&self, name: &str, i: usize) -> Result<i64, IndicatorError> {
        let col = self.column(name)?;
        if col.is_null(i) {
            return Err(self.error(format!("row {}: `{name}` is null", i + 1)));
        }
        let v = col.as_any().downcast_ref::<Int64Array>().expect("checked in new").value(i);
        if v < 0 {
            return Err(self.error(format!("row {}: `{name}` is negative ({v})", i + 1)));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::SeriesRow;
    use crate::sink::timeseries;

    fn row(region: &str, lang: &str, category: &str, target: &str, docs: i64, flagged: i64) -> SeriesRow {
        SeriesRow {
            date: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            region: region.into(),
            lang: lang.into(),
            source: "*".into(),
            category: category.into(),
            target: target.into(),
            docs,
            docs_flagged: flagged,
            docs_reported: 1,
            matches: flagged,
            hostile: flagged,
            reported: 1,
            discounted: 0,
            authors: flagged,
            sources: 1,
            reach: 10 * flagged,
            authors_seen: docs,
            sources_seen: 1,
            reach_seen: 10 * docs,
            copies: docs,
            copies_flagged: flagged,
        }
    }

    #[test]
    fn languages_sum_and_docs_count_once() {
        let rows = vec![
            row("XA-NO", "en", "all", "*", 20, 3),
            row("XA-NO", "en", "dehumanisation", "*", 20, 2),
            row("XA-NO", "en", "dehumanisation", "ethnicity:oru", 20, 2),
            row("XA-NO", "en", "group_reference", "ethnicity:oru", 20, 5),
            row("XA-NO", "fr", "all", "*", 10, 1),
            row("XA-NO", "fr", "dehumanisation", "*", 10, 1),
        ];
        let (date, batch) = timeseries::batches_by_day(&rows).into_iter().next().unwrap();
        let mut h = History::default();
        h.add_batch(date, &batch, Path::new("p")).unwrap();
        let t = &h.regions["XA-NO"][&date];
        assert_eq!((t.docs, t.flagged, t.reach_seen, t.flagged_reach), (30, 4, 300, 40));
        assert_eq!(t.categories[&(Category::Dehumanisation, "*".into())], (3, 2));
        assert_eq!(t.categories[&(Category::Dehumanisation, "ethnicity:oru".into())], (2, 1));
        assert_eq!(t.categories.len(), 2, "group references are not hostile");
    }

    #[test]
    fn a_missing_column_names_the_file() {
        let rows = vec![row("XA-NO", "en", "all", "*", 20, 3)];
        let (date, batch) = timeseries::batches_by_day(&rows).into_iter().next().unwrap();
        let batch = batch.project(&[0, 1, 2, 3, 4]).unwrap();
        let err = History::default().add_batch(date, &batch, Path::new("store/x.parquet")).unwrap_err().to_string();
        assert!(err.contains("store/x.parquet") && err.contains("docs"), "{err}");
    }
}
