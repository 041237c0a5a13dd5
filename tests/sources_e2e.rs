//! End-to-end tests of the real-world source formats (issue 7): the real
//! `tocsin` binary on fixtures written in each format's own shape
//! (tests/data/sources/, described in its README), one pipeline config per
//! format in a temp dir, the Parquet time series and the manifest read back,
//! exact counts.
//!
//! The lexicon is tests/data/lexicon.csv (`vermin`, `vermine`, `traitors`,
//! `mobilise`, `zorbians`), the day boundary is UTC midnight, and every count
//! below can be worked out by hand from the fixtures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow_array::{Array, Int64Array, RecordBatch, StringArray};
use serde_json::Value;
use tempfile::TempDir;

const KEY: &str = "sources-e2e-key-0123456789abcdef";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(rel: &str) -> PathBuf {
    repo().join("tests/data/sources").join(rel)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// (region, lang, category) → (docs, docs_flagged, matches, authors, sources, reach, reach_seen), per date.
type Series = BTreeMap<(String, String, String, String), [i64; 7]>;

fn str_col<'a>(b: &'a RecordBatch, name: &str) -> &'a StringArray {
    b.column_by_name(name).unwrap_or_else(|| panic!("no column {name}")).as_any().downcast_ref::<StringArray>().expect("utf8")
}

fn int_col<'a>(b: &'a RecordBatch, name: &str) -> &'a Int64Array {
    b.column_by_name(name).unwrap_or_else(|| panic!("no column {name}")).as_any().downcast_ref::<Int64Array>().expect("int64")
}

/// Every row of `OUT/timeseries` with target `*`, keyed by (date, region, lang, category).
fn read_series(out: &Path) -> Series {
    let mut map = Series::new();
    let dir = out.join("timeseries");
    // A run that accepted nothing writes no partition.
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return map;
    };
    for e in entries {
        let p = e.unwrap().path();
        let date = p.file_name().unwrap().to_string_lossy().strip_prefix("date=").expect("hive partition").to_string();
        for f in std::fs::read_dir(&p).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_none_or(|x| x != "parquet") {
                continue;
            }
            for b in tocsin::sink::parquet::read_batches(&f).expect("read parquet") {
                let (region, lang, category, target) = (str_col(&b, "region"), str_col(&b, "lang"), str_col(&b, "category"), str_col(&b, "target"));
                let cols: Vec<&Int64Array> =
                    ["docs", "docs_flagged", "matches", "authors", "sources", "reach", "reach_seen"].iter().map(|n| int_col(&b, n)).collect();
                for r in 0..b.num_rows() {
                    if target.value(r) != "*" {
                        continue;
                    }
                    let key = (date.clone(), region.value(r).to_string(), lang.value(r).to_string(), category.value(r).to_string());
                    let v: Vec<i64> = cols.iter().map(|c| c.value(r)).collect();
                    assert!(map.insert(key.clone(), v.try_into().unwrap()).is_none(), "duplicate row {key:?}");
                }
            }
        }
    }
    map
}

fn row(series: &Series, date: &str, region: &str, lang: &str, category: &str) -> [i64; 7] {
    *series
        .get(&(date.into(), region.into(), lang.into(), category.into()))
        .unwrap_or_else(|| panic!("no row {date} {region} {lang} {category}; rows: {series:#?}"))
}

/// The (date, region, lang) of the `all` rows.
fn days(series: &Series) -> Vec<(String, String, String)> {
    series.keys().filter(|k| k.3 == "all").map(|k| (k.0.clone(), k.1.clone(), k.2.clone())).collect()
}

fn day(d: &str, r: &str, l: &str) -> (String, String, String) {
    (d.into(), r.into(), l.into())
}

struct Run {
    out: PathBuf,
    series: Series,
    manifest: Value,
    rejects: Vec<Value>,
    stderr: String,
    _tmp: TempDir,
}

impl Run {
    /// (read, accepted, rejected) of one source.
    fn counts(&self, source: &str) -> (u64, u64, u64) {
        let v = &self.manifest["sources"][source];
        let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("manifest sources.{source}.{k}: {}", self.manifest));
        (n("read"), n("accepted"), n("rejected"))
    }

    /// (file name, line, reason) of every reject.
    fn reject_list(&self) -> Vec<(String, u64, String)> {
        let mut v: Vec<(String, u64, String)> = self
            .rejects
            .iter()
            .map(|r| {
                let file = r["file"].as_str().unwrap();
                (file.rsplit('/').next().unwrap().to_string(), r["line"].as_u64().unwrap(), r["reason"].as_str().unwrap().to_string())
            })
            .collect();
        v.sort();
        v
    }
}

/// Log text without terminal colour codes.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs a pipeline made of `sources` (TOML `[[sources]]` tables) and reads its outputs back.
fn run_pipeline(sources: &str) -> Run {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let config = format!(
        "name = \"sources\"\noutput = \"{}\"\ntimezone = \"UTC\"\nlexicons = [\"{}\"]\n\n{sources}",
        s(&out),
        s(&repo().join("tests/data/lexicon.csv"))
    );
    let path = tmp.path().join("pipeline.toml");
    std::fs::write(&path, &config).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_tocsin"))
        .current_dir(repo())
        .env("TOCSIN_PSEUDONYM_KEY", KEY)
        .env("TOCSIN_LOG", "info")
        .env_remove("TOCSIN_LEXICONS")
        .args(["run", s(&path)])
        .output()
        .expect("run tocsin");
    let stderr = strip_ansi(&String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "tocsin failed\nconfig:\n{config}\nstdout:\n{}\nstderr:\n{stderr}", String::from_utf8_lossy(&o.stdout));
    let manifest: Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest")).expect("manifest JSON");
    // Nothing is lost: read = accepted + rejected, per source and in total.
    let mut sum = (0, 0, 0);
    for (name, v) in manifest["sources"].as_object().unwrap() {
        let (r, a, j) = (v["read"].as_u64().unwrap(), v["accepted"].as_u64().unwrap(), v["rejected"].as_u64().unwrap());
        assert_eq!(r, a + j, "{name}: read != accepted + rejected");
        sum = (sum.0 + r, sum.1 + a, sum.2 + j);
    }
    let t = &manifest["totals"];
    assert_eq!((t["read"].as_u64().unwrap(), t["accepted"].as_u64().unwrap(), t["rejected"].as_u64().unwrap()), sum);
    let id = manifest["run_id"].as_str().unwrap();
    let body = std::fs::read_to_string(out.join("rejects").join(format!("{id}.jsonl"))).unwrap_or_default();
    let rejects = body.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect();
    let series = read_series(&out);
    Run { out, series, manifest, rejects, stderr, _tmp: tmp }
}

#[test]
fn telegram_export_with_entities_service_messages_and_reach() {
    let r = run_pipeline(&format!(
        "[[sources]]\nname = \"tg\"\nformat = \"telegram\"\npaths = [\"{}\"]\nregion = \"XA-NO\"\nlang = \"en\"\n",
        s(&fixture("telegram/result.json"))
    ));
    // 6 messages: 2 service messages skipped (not records), 3 posts, 1 without a date.
    assert_eq!(r.counts("tg"), (4, 3, 1));
    assert!(r.stderr.contains("service=2"), "service messages are logged: {}", r.stderr);
    assert_eq!(r.reject_list(), vec![("result.json".into(), 113, "missing timestamp field `timestamp`".into())]);
    assert_eq!(days(&r.series), vec![day("2025-10-01", "XA-NO", "en"), day("2025-10-02", "XA-NO", "en")]);
    // Message 2 (vermin, 120 views) and message 3 (array text with a bold `traitors`, reactions 3 + 4).
    assert_eq!(row(&r.series, "2025-10-01", "XA-NO", "en", "all"), [2, 2, 2, 1, 1, 127, 127]);
    assert_eq!(row(&r.series, "2025-10-01", "XA-NO", "en", "dehumanisation"), [2, 1, 1, 1, 1, 120, 127]);
    assert_eq!(row(&r.series, "2025-10-01", "XA-NO", "en", "disloyalty"), [2, 1, 1, 1, 1, 7, 127]);
    // date_unixtime 07:15 UTC (local `date` 10:15 would be the same day here), 10 views, nothing flagged.
    assert_eq!(row(&r.series, "2025-10-02", "XA-NO", "en", "all"), [1, 0, 0, 0, 0, 0, 10]);
    assert!(r.out.join("manifest.json").exists());
}

#[test]
fn twitter_v2_responses_join_users_and_sum_metrics() {
    let r =
        run_pipeline(&format!("[[sources]]\nname = \"x\"\nformat = \"twitter\"\npaths = [\"{}\"]\nregion = \"XA-SO\"\n", s(&fixture("twitter/search.json"))));
    // Three responses in the file: 4 tweets, 1 tweet, an empty page.
    assert_eq!(r.counts("x"), (5, 4, 1));
    let rejects = r.reject_list();
    assert_eq!(rejects.len(), 1);
    assert_eq!((rejects[0].0.as_str(), rejects[0].1), ("search.json", 28));
    assert!(rejects[0].2.contains("yesterday"), "{rejects:?}");
    assert_eq!(days(&r.series), vec![day("2025-10-01", "XA-SO", "en"), day("2025-10-02", "XA-SO", "fr")]);
    // t1 vermin by alpha_news (500 impressions), t2 mobilise by beta_b (no impressions: 2+1+5+0), t3 calm by alpha_news (100).
    assert_eq!(row(&r.series, "2025-10-01", "XA-SO", "en", "all"), [3, 2, 2, 2, 1, 508, 608]);
    assert_eq!(row(&r.series, "2025-10-01", "XA-SO", "en", "dehumanisation"), [3, 1, 1, 1, 1, 500, 608]);
    assert_eq!(row(&r.series, "2025-10-01", "XA-SO", "en", "mobilisation"), [3, 1, 1, 1, 1, 8, 608]);
    // t5 (fr, zero impressions: 1+0+2+0) from the one-line second response.
    assert_eq!(row(&r.series, "2025-10-02", "XA-SO", "fr", "all"), [1, 1, 1, 1, 1, 3, 3]);
}

#[test]
fn textdir_takes_region_date_and_source_from_the_path() {
    let r = run_pipeline(&format!(
        "[[sources]]\nname = \"radio\"\nformat = \"textdir\"\npaths = [\"{}\"]\nlang = \"en\"\n[sources.textdir]\npattern = \"{{region}}/{{date}}/{{source}}.txt\"\n",
        s(&fixture("textdir"))
    ));
    // 5 files: 3 transcripts, one invalid UTF-8, one `.md` that does not fit the pattern.
    assert_eq!(r.counts("radio"), (5, 3, 2));
    let rejects = r.reject_list();
    assert_eq!(rejects.len(), 2, "{rejects:?}");
    assert_eq!((rejects[0].0.as_str(), rejects[0].1), ("broken.txt", 1));
    assert!(rejects[0].2.contains("invalid UTF-8"), "{rejects:?}");
    assert_eq!((rejects[1].0.as_str(), rejects[1].1), ("notes.md", 1));
    assert!(rejects[1].2.contains("does not match textdir.pattern"), "{rejects:?}");
    assert_eq!(days(&r.series), vec![day("2025-10-01", "XA-NO", "en"), day("2025-10-02", "XA-SO", "en")]);
    // radio_north (vermin) and daily_north: two sources seen, one flagged; no authors in transcripts.
    assert_eq!(row(&r.series, "2025-10-01", "XA-NO", "en", "all"), [2, 1, 1, 0, 1, 0, 0]);
    assert_eq!(row(&r.series, "2025-10-02", "XA-SO", "en", "mobilisation"), [1, 1, 1, 0, 1, 0, 0]);
}

#[test]
fn rss_and_atom_feeds_strip_html_and_read_both_date_forms() {
    let r = run_pipeline(&format!(
        "[[sources]]\nname = \"rss\"\nformat = \"feed\"\npaths = [\"{}\"]\nregion = \"XA-NO\"\n\n[[sources]]\nname = \"atom\"\nformat = \"feed\"\npaths = [\"{}\"]\nregion = \"XA-SO\"\n",
        s(&fixture("feed/rss.xml")),
        s(&fixture("feed/atom.xml"))
    ));
    assert_eq!(r.counts("rss"), (3, 2, 1));
    assert_eq!(r.counts("atom"), (2, 2, 0));
    let rejects = r.reject_list();
    assert_eq!((rejects[0].0.as_str(), rejects[0].1), ("rss.xml", 24));
    assert!(rejects[0].2.contains("sometime last week"), "{rejects:?}");
    // `en-gb` from <language> and xml:lang="en" both give `en`.
    assert_eq!(days(&r.series), vec![day("2025-10-01", "XA-NO", "en"), day("2025-10-02", "XA-SO", "en")]);
    // Item 1: `vermin` in the title and in the escaped-HTML description (2 matches); item 2 (13:00 +03:00) the same day.
    assert_eq!(row(&r.series, "2025-10-01", "XA-NO", "en", "all"), [2, 1, 2, 1, 1, 0, 0]);
    // Entry 1: `mobilise` inside xhtml content, by Desk Two; entry 2 summary only.
    assert_eq!(row(&r.series, "2025-10-02", "XA-SO", "en", "mobilisation"), [2, 1, 1, 1, 1, 0, 0]);
}

/// Writes a small Parquet file the way a data team would: typed columns, a zoned timestamp, a null.
fn write_parquet(path: &Path) {
    use arrow_array::TimestampMillisecondArray;
    use arrow_schema::{DataType, Field, Schema, TimeUnit};
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("body", DataType::Utf8, true),
        Field::new("published", DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())), false),
        Field::new("region", DataType::Utf8, false),
        Field::new("lang", DataType::Utf8, false),
        Field::new("author", DataType::Utf8, true),
        Field::new("views", DataType::Int64, false),
    ]));
    let ms = |h: i64| 1_759_276_800_000 + h * 3_600_000; // 2025-10-01T00:00Z + h hours
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["q1", "q2", "q3", "q4", "q5"])),
            Arc::new(StringArray::from(vec![Some("vermin everywhere"), Some("a calm day"), Some("the traitors met"), None, Some("mobilise!")])),
            Arc::new(TimestampMillisecondArray::from(vec![ms(10), ms(11), ms(12), ms(13), ms(30)]).with_timezone("UTC")),
            Arc::new(StringArray::from(vec!["XA-NO", "XA-NO", "XA-SO", "XA-SO", "XA-SO"])),
            Arc::new(StringArray::from(vec!["en", "en", "en", "en", "en"])),
            Arc::new(StringArray::from(vec![Some("a1"), None, Some("a2"), Some("a2"), Some("a1")])),
            Arc::new(Int64Array::from(vec![10, 20, 30, 40, 50])),
        ],
    )
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn parquet_columns_are_mapped_by_name() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("posts.parquet");
    write_parquet(&input);
    let r = run_pipeline(&format!(
        "[[sources]]\nname = \"pq\"\nformat = \"parquet\"\npaths = [\"{}\"]\n[sources.fields]\ntext = \"body\"\ntimestamp = \"published\"\nreach = [\"views\"]\n",
        s(&input)
    ));
    // Row 4 has no body.
    assert_eq!(r.counts("pq"), (5, 4, 1));
    assert_eq!(r.reject_list(), vec![("posts.parquet".into(), 4, "missing text field `body`".into())]);
    assert_eq!(days(&r.series), vec![day("2025-10-01", "XA-NO", "en"), day("2025-10-01", "XA-SO", "en"), day("2025-10-02", "XA-SO", "en")]);
    assert_eq!(row(&r.series, "2025-10-01", "XA-NO", "en", "all"), [2, 1, 1, 1, 1, 10, 30]);
    assert_eq!(row(&r.series, "2025-10-01", "XA-SO", "en", "disloyalty"), [1, 1, 1, 1, 1, 30, 30]);
    // 2025-10-01 + 30 h.
    assert_eq!(row(&r.series, "2025-10-02", "XA-SO", "en", "mobilisation"), [1, 1, 1, 1, 1, 50, 50]);
    // The input is listed in the manifest with its hash.
    assert_eq!(r.manifest["inputs"].as_array().unwrap().len(), 1);
}

#[test]
fn a_parquet_file_without_the_text_column_is_one_reject_that_names_it() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("posts.parquet");
    write_parquet(&input);
    let r = run_pipeline(&format!("[[sources]]\nname = \"pq\"\nformat = \"parquet\"\npaths = [\"{}\"]\n", s(&input)));
    assert_eq!(r.counts("pq"), (1, 0, 1));
    assert!(r.series.is_empty());
    let rejects = r.reject_list();
    assert_eq!(rejects[0].1, 0);
    assert!(rejects[0].2.contains("lacks mapped column(s) `text`, `timestamp`"), "{rejects:?}");
}
