//! End-to-end tests of the nightly run (issue 2): the real `tocsin` binary on
//! small fixtures (tests/data/), the Parquet time series read back with the
//! crate's own reader, exact counts, rejects, the manifest, re-runs, config
//! and lexicon validation, and the shipped demo.
//!
//! The fixtures and the counts they must give are described in
//! tests/data/README.md; the lexicon is tests/data/lexicon.csv (five terms),
//! so every count below can be worked out by hand.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use arrow_array::{Array, Int64Array, RecordBatch, StringArray};
use serde_json::Value;
use tempfile::TempDir;

/// A pseudonymisation key for flag runs and non-demo pipelines (16+ bytes).
const KEY: &str = "e2e-test-key-0123456789abcdef";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn data(rel: &str) -> PathBuf {
    repo().join("tests/data").join(rel)
}

fn tocsin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tocsin"));
    c.current_dir(repo()).env("TOCSIN_PSEUDONYM_KEY", KEY).env_remove("TOCSIN_LOG").env_remove("TOCSIN_LEXICONS");
    c
}

fn run(args: &[&str]) -> Output {
    tocsin().args(args).output().expect("run tocsin")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs and insists on exit code 0.
fn run_ok(args: &[&str]) -> Output {
    let out = run(args);
    assert!(out.status.success(), "tocsin {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}", out.status, text(&out.stdout), text(&out.stderr));
    out
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// One time series row, with the date read from its Hive partition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    date: String,
    region: String,
    lang: String,
    source: String,
    category: String,
    target: String,
    docs: i64,
    docs_flagged: i64,
    docs_reported: i64,
    matches: i64,
    hostile: i64,
    reported: i64,
    discounted: i64,
    authors: i64,
    sources: i64,
    reach: i64,
    authors_seen: i64,
    sources_seen: i64,
    reach_seen: i64,
    copies: i64,
    copies_flagged: i64,
}

impl Row {
    /// (docs, docs_flagged, matches, hostile, authors, sources, reach)
    fn counts(&self) -> (i64, i64, i64, i64, i64, i64, i64) {
        (self.docs, self.docs_flagged, self.matches, self.hostile, self.authors, self.sources, self.reach)
    }

    /// (authors_seen, sources_seen, reach_seen)
    fn seen(&self) -> (i64, i64, i64) {
        (self.authors_seen, self.sources_seen, self.reach_seen)
    }
}

fn str_col<'a>(b: &'a RecordBatch, name: &str) -> &'a StringArray {
    let c = b.column_by_name(name).unwrap_or_else(|| panic!("no column {name}"));
    assert_eq!(c.null_count(), 0, "nulls in {name}");
    c.as_any().downcast_ref::<StringArray>().unwrap_or_else(|| panic!("{name} is not Utf8: {:?}", c.data_type()))
}

fn int_col<'a>(b: &'a RecordBatch, name: &str) -> &'a Int64Array {
    let c = b.column_by_name(name).unwrap_or_else(|| panic!("no column {name}"));
    assert_eq!(c.null_count(), 0, "nulls in {name}");
    c.as_any().downcast_ref::<Int64Array>().unwrap_or_else(|| panic!("{name} is not Int64: {:?}", c.data_type()))
}

/// The Parquet files of `OUT/timeseries`, by partition date.
fn partitions(out: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut map = BTreeMap::new();
    let dir = out.join("timeseries");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return map;
    };
    for e in rd {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let date = name.strip_prefix("date=").unwrap_or_else(|| panic!("not a hive partition: {name}")).to_string();
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()).filter(|f| f.extension().is_some_and(|x| x == "parquet")).collect();
        files.sort();
        assert!(!files.is_empty(), "empty partition {name}");
        map.insert(date, files);
    }
    map
}

/// Every row of `OUT/timeseries`, sorted.
fn read_series(out: &Path) -> Vec<Row> {
    let mut rows = Vec::new();
    for (date, files) in partitions(out) {
        for f in files {
            for b in tocsin::sink::parquet::read_batches(&f).expect("read parquet") {
                assert!(b.column_by_name("date").is_none(), "date must be the partition key, not a column");
                let (region, lang, source, category, target) =
                    (str_col(&b, "region"), str_col(&b, "lang"), str_col(&b, "source"), str_col(&b, "category"), str_col(&b, "target"));
                let i = |n: &str| int_col(&b, n).clone();
                let cols = [
                    i("docs"),
                    i("docs_flagged"),
                    i("docs_reported"),
                    i("matches"),
                    i("hostile"),
                    i("reported"),
                    i("discounted"),
                    i("authors"),
                    i("sources"),
                    i("reach"),
                    i("authors_seen"),
                    i("sources_seen"),
                    i("reach_seen"),
                    i("copies"),
                    i("copies_flagged"),
                ];
                for r in 0..b.num_rows() {
                    let v = |k: usize| cols[k].value(r);
                    rows.push(Row {
                        date: date.clone(),
                        region: region.value(r).into(),
                        lang: lang.value(r).into(),
                        source: source.value(r).into(),
                        category: category.value(r).into(),
                        target: target.value(r).into(),
                        docs: v(0),
                        docs_flagged: v(1),
                        docs_reported: v(2),
                        matches: v(3),
                        hostile: v(4),
                        reported: v(5),
                        discounted: v(6),
                        authors: v(7),
                        sources: v(8),
                        reach: v(9),
                        authors_seen: v(10),
                        sources_seen: v(11),
                        reach_seen: v(12),
                        copies: v(13),
                        copies_flagged: v(14),
                    });
                }
            }
        }
    }
    rows.sort();
    rows
}

fn find<'a>(rows: &'a [Row], date: &str, region: &str, lang: &str, category: &str, target: &str) -> &'a Row {
    let found: Vec<&Row> =
        rows.iter().filter(|r| r.date == date && r.region == region && r.lang == lang && r.category == category && r.target == target).collect();
    assert_eq!(found.len(), 1, "expected exactly one row {date} {region} {lang} {category} {target}, found {found:#?}\nall rows: {rows:#?}");
    found[0]
}

/// (date, region, lang, category, target) of every row.
fn keys(rows: &[Row]) -> Vec<(&str, &str, &str, &str, &str)> {
    rows.iter().map(|r| (r.date.as_str(), r.region.as_str(), r.lang.as_str(), r.category.as_str(), r.target.as_str())).collect()
}

fn manifest(out: &Path) -> Value {
    let bytes = std::fs::read(out.join("manifest.json")).expect("manifest.json");
    serde_json::from_slice(&bytes).expect("manifest is JSON")
}

/// (read, accepted, rejected) of a manifest's `sources.NAME` (or `totals` with "").
fn counts_of(m: &Value, source: &str) -> (u64, u64, u64) {
    let v = if source.is_empty() { &m["totals"] } else { &m["sources"][source] };
    let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("manifest {source}.{k} missing: {v}"));
    (n("read"), n("accepted"), n("rejected"))
}

/// Checks read = accepted + rejected for every source, and that the totals are their sums.
fn assert_reconciles(m: &Value) {
    let mut sum = (0, 0, 0);
    for name in m["sources"].as_object().expect("sources").keys() {
        let (r, a, j) = counts_of(m, name);
        assert_eq!(r, a + j, "source {name}: read != accepted + rejected");
        sum = (sum.0 + r, sum.1 + a, sum.2 + j);
    }
    assert_eq!(counts_of(m, ""), sum, "totals are not the sum of the sources");
}

fn rejects(out: &Path, m: &Value) -> Vec<Value> {
    let id = m["run_id"].as_str().expect("run_id");
    let path = out.join("rejects").join(format!("{id}.jsonl"));
    let body = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    body.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("reject is JSON")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Every file under a directory (relative path → bytes), skipping lock files.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if !p.file_name().unwrap().to_string_lossy().ends_with(".lock") {
                out.insert(p.strip_prefix(base).unwrap().to_path_buf(), std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

// ---------------------------------------------------------------------------
// Runs from flags alone: JSONL with the default field names.
// ---------------------------------------------------------------------------

/// The rows tests/data/posts.jsonl must give with the day boundary at UTC midnight.
fn assert_posts_utc(rows: &[Row]) {
    assert_eq!(
        keys(rows),
        vec![
            ("2025-10-01", "XA-NO", "en", "all", "*"),
            ("2025-10-01", "XA-NO", "en", "dehumanisation", "*"),
            ("2025-10-01", "XA-NO", "en", "disloyalty", "*"),
            ("2025-10-02", "XA-SO", "en", "all", "*"),
            ("2025-10-02", "XA-SO", "en", "mobilisation", "*"),
            ("2025-10-02", "XA-SO", "fr", "all", "*"),
            ("2025-10-02", "XA-SO", "fr", "dehumanisation", "*"),
        ]
    );
    // Without a reach mapping reach is 0; the source is not an aggregation key.
    assert!(rows.iter().all(|r| r.source == "*" && r.reach == 0 && r.reach_seen == 0), "{rows:#?}");
    // p1 (vermin, u1, tg), p2 (traitors ×2, u2, tg), p3 (nothing, u1, fb).
    let all = find(rows, "2025-10-01", "XA-NO", "en", "all", "*");
    assert_eq!(all.counts(), (3, 2, 3, 3, 2, 1, 0));
    assert_eq!(all.seen(), (2, 2, 0));
    assert_eq!(find(rows, "2025-10-01", "XA-NO", "en", "dehumanisation", "*").counts(), (3, 1, 1, 1, 1, 1, 0));
    assert_eq!(find(rows, "2025-10-01", "XA-NO", "en", "disloyalty", "*").counts(), (3, 1, 2, 2, 1, 1, 0));
    // p5 (mobilise, u3, fb) and p4 (vermine, u3, tg).
    assert_eq!(find(rows, "2025-10-02", "XA-SO", "en", "all", "*").counts(), (1, 1, 1, 1, 1, 1, 0));
    assert_eq!(find(rows, "2025-10-02", "XA-SO", "en", "mobilisation", "*").counts(), (1, 1, 1, 1, 1, 1, 0));
    assert_eq!(find(rows, "2025-10-02", "XA-SO", "fr", "all", "*").counts(), (1, 1, 1, 1, 1, 1, 0));
    assert_eq!(find(rows, "2025-10-02", "XA-SO", "fr", "dehumanisation", "*").counts(), (1, 1, 1, 1, 1, 1, 0));
    assert!(rows.iter().all(|r| r.docs_reported == 0 && r.reported == 0 && r.discounted == 0), "{rows:#?}");
}

#[test]
fn flags_run_counts_exactly_from_plain_gzip_and_zstd() {
    let lexicon = data("lexicon.csv");
    let mut first: Option<Vec<Row>> = None;
    for (file, threads) in [("posts.jsonl", "1"), ("posts.jsonl.gz", "2"), ("posts.jsonl.zst", "0")] {
        let tmp = TempDir::new().unwrap();
        let out = tmp.path().join("out");
        let input = data(file);
        let o = run_ok(&["run", "--input", s(&input), "--lexicon", s(&lexicon), "--out", s(&out), "--threads", threads]);
        assert!(text(&o.stdout).contains("read 5 records"), "{}", text(&o.stdout));
        let rows = read_series(&out);
        assert_posts_utc(&rows);
        let m = manifest(&out);
        assert_eq!(counts_of(&m, "input"), (5, 5, 0), "{file}");
        assert_reconciles(&m);
        assert_eq!(m["dates"], serde_json::json!(["2025-10-01", "2025-10-02"]));
        assert_eq!(m["timezone"], "UTC");
        // The input is listed with its size and hash.
        let inputs = m["inputs"].as_array().unwrap();
        assert_eq!(inputs.len(), 1);
        let raw = std::fs::read(&input).unwrap();
        assert_eq!(inputs[0]["bytes"].as_u64(), Some(raw.len() as u64));
        assert_eq!(inputs[0]["sha256"].as_str(), Some(sha256_hex(&raw).as_str()));
        assert!(inputs[0]["path"].as_str().unwrap().ends_with(file));
        // Outputs: both partitions with their row counts, and an empty rejects file.
        let outputs: BTreeMap<String, u64> =
            m["outputs"].as_array().unwrap().iter().map(|o| (o["path"].as_str().unwrap().to_string(), o["rows"].as_u64().unwrap())).collect();
        assert_eq!(outputs.get("timeseries/date=2025-10-01/part-0.parquet"), Some(&3));
        assert_eq!(outputs.get("timeseries/date=2025-10-02/part-0.parquet"), Some(&4));
        assert!(rejects(&out, &m).is_empty());
        assert_eq!(m["lexicons"][0]["entries"].as_u64(), Some(5));
        match &first {
            None => first = Some(rows),
            Some(f) => assert_eq!(&rows, f, "{file} gives other rows than posts.jsonl"),
        }
    }
}

/// A named pipe (`--input <(zstdcat night.zst)`, a 10 GB night streamed without a copy on disk) is read like a file:
/// the same rows, and the manifest lists the bytes that came through it.
#[cfg(unix)]
#[test]
fn flags_run_reads_a_named_pipe_like_a_file() {
    let tmp = TempDir::new().unwrap();
    let pipe = tmp.path().join("night.jsonl");
    let c = std::ffi::CString::new(s(&pipe)).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let raw = std::fs::read(data("posts.jsonl.zst")).unwrap();
    let writer = {
        let (pipe, raw) = (pipe.clone(), raw.clone());
        std::thread::spawn(move || std::fs::write(pipe, raw).unwrap())
    };
    let out = tmp.path().join("out");
    run_ok(&["run", "--input", s(&pipe), "--lexicon", s(&data("lexicon.csv")), "--out", s(&out)]);
    writer.join().unwrap();
    let m = manifest(&out);
    assert_eq!(counts_of(&m, "input"), (5, 5, 0));
    assert_eq!(m["inputs"][0]["bytes"].as_u64(), Some(raw.len() as u64));
    assert_eq!(m["inputs"][0]["sha256"].as_str(), Some(sha256_hex(&raw).as_str()));
    let file_out = tmp.path().join("file");
    run_ok(&["run", "--input", s(&data("posts.jsonl")), "--lexicon", s(&data("lexicon.csv")), "--out", s(&file_out)]);
    assert_eq!(read_series(&out), read_series(&file_out));
}

#[test]
fn flags_glob_over_three_compressions_counts_the_copies_as_reposts() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let glob = format!("{}/posts.jsonl*", s(&repo().join("tests/data")));
    run_ok(&["run", "--input", &glob, "--lexicon", s(&data("lexicon.csv")), "--out", s(&out)]);
    let m = manifest(&out);
    assert_eq!(counts_of(&m, "input"), (15, 15, 0));
    assert_eq!(m["inputs"].as_array().unwrap().len(), 3);
    let rows = read_series(&out);
    let all = find(&rows, "2025-10-01", "XA-NO", "en", "all", "*");
    // Same records three times: each text is an exact repost of itself, so documents and
    // signals count once, `copies` triples, and distinct authors and sources do not grow.
    assert_eq!(all.counts(), (3, 2, 3, 3, 2, 1, 0));
    assert_eq!((all.copies, all.copies_flagged), (9, 6));
    assert_eq!(all.seen(), (2, 2, 0));
    let disloyalty = find(&rows, "2025-10-01", "XA-NO", "en", "disloyalty", "*");
    assert_eq!(disloyalty.counts(), (3, 1, 2, 2, 1, 1, 0));
    assert_eq!((disloyalty.copies, disloyalty.copies_flagged), (9, 3));
    assert_eq!(find(&rows, "2025-10-02", "XA-SO", "fr", "dehumanisation", "*").counts(), (1, 1, 1, 1, 1, 1, 0));
    assert_eq!(rows.len(), 7);
}

#[test]
fn flags_timezone_moves_the_day_boundary() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    run_ok(&["run", "--input", s(&data("posts.jsonl")), "--lexicon", s(&data("lexicon.csv")), "--out", s(&out), "--timezone", "Africa/Nairobi"]);
    let rows = read_series(&out);
    // p3 (2025-10-01T22:30Z) is 01:30 on 2 October in Nairobi (UTC+3).
    assert_eq!(find(&rows, "2025-10-01", "XA-NO", "en", "all", "*").counts(), (2, 2, 3, 3, 2, 1, 0));
    assert_eq!(find(&rows, "2025-10-01", "XA-NO", "en", "all", "*").seen(), (2, 1, 0));
    let moved = find(&rows, "2025-10-02", "XA-NO", "en", "all", "*");
    assert_eq!(moved.counts(), (1, 0, 0, 0, 0, 0, 0));
    assert_eq!(moved.seen(), (1, 1, 0));
    assert_eq!(manifest(&out)["timezone"], "Africa/Nairobi");
}

#[test]
fn flags_run_without_a_key_refuses_before_any_output() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let o = tocsin()
        .env_remove("TOCSIN_PSEUDONYM_KEY")
        .args(["run", "--input", s(&data("posts.jsonl")), "--lexicon", s(&data("lexicon.csv")), "--out", s(&out)])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("TOCSIN_PSEUDONYM_KEY"), "{}", text(&o.stderr));
    assert!(tree(&out).is_empty(), "files written: {:?}", tree(&out).keys().collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------
// A pipeline config: nested JSON fields, CSV with `;`, two text columns,
// multi-line quoted fields, every timestamp form, a time zone.
// ---------------------------------------------------------------------------

/// A pipeline over social.jsonl and news.csv (with a suffix: "", ".gz", ".zst") writing to `out`.
fn pipeline_toml(suffix: &str, out: &Path) -> String {
    format!(
        r#"name = "e2e"
output = "{out}"
timezone = "Africa/Nairobi"
lexicons = ["{lexicon}"]

[[sources]]
name = "social"
paths = ["{social}"]
format = "jsonl"

[sources.fields]
id = "id"
text = "text"
lang = "lang"
region = "user.location"
author = "user.handle"
timestamp = "timestamp"
reach = ["metrics.views", "metrics.shares"]

[[sources]]
name = "news"
paths = ["{news}"]
format = "csv"

[sources.csv]
delimiter = ";"

[sources.fields]
id = "article_id"
text = ["headline", "body"]
lang = "language"
region = "province"
timestamp = "published"
author = "byline"
source = "outlet"
reach = ["circulation"]
"#,
        out = s(out),
        lexicon = s(&data("lexicon.csv")),
        social = s(&data(&format!("social.jsonl{suffix}"))),
        news = s(&data(&format!("news.csv{suffix}"))),
    )
}

fn write_config(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

/// The rows social.jsonl + news.csv must give (see tests/data/README.md).
fn assert_social_and_news(rows: &[Row]) {
    assert_eq!(
        keys(rows),
        vec![
            ("2025-10-01", "XA-NO", "en", "all", "*"),
            ("2025-10-01", "XA-NO", "en", "dehumanisation", "*"),
            ("2025-10-01", "XA-NO", "en", "disloyalty", "*"),
            ("2025-10-01", "XA-NO", "fr", "all", "*"),
            ("2025-10-01", "XA-NO", "fr", "dehumanisation", "*"),
            ("2025-10-01", "XA-SO", "fr", "all", "*"),
            ("2025-10-01", "XA-SO", "fr", "dehumanisation", "*"),
            ("2025-10-02", "XA-NO", "en", "all", "*"),
            ("2025-10-02", "XA-SO", "en", "all", "*"),
            ("2025-10-02", "XA-SO", "en", "group_reference", "*"),
            ("2025-10-02", "XA-SO", "en", "group_reference", "ethnicity:zorbian"),
            ("2025-10-02", "XA-SO", "en", "mobilisation", "*"),
            ("2025-10-02", "XA-SO", "en", "mobilisation", "ethnicity:zorbian"),
        ]
    );
    // 1 October, XA-NO, en: s1 (RFC 3339 Z; vermin + traitors; alice; 100+5),
    // s2 (RFC 3339 +03:00 at 23:30 local; vermin ×2; bob; 50), s3 (epoch
    // seconds; nothing; alice; 10), n1 (local 23:59:59; traitors in the
    // headline, vermin on the second line of the body; Reporter A; 1000).
    let all = find(rows, "2025-10-01", "XA-NO", "en", "all", "*");
    assert_eq!(all.counts(), (4, 3, 6, 6, 3, 2, 1155));
    assert_eq!(all.seen(), (3, 2, 1165));
    assert_eq!(find(rows, "2025-10-01", "XA-NO", "en", "dehumanisation", "*").counts(), (4, 3, 4, 4, 3, 2, 1155));
    assert_eq!(find(rows, "2025-10-01", "XA-NO", "en", "disloyalty", "*").counts(), (4, 2, 2, 2, 2, 2, 1105));
    // s4 (epoch milliseconds; vermine; carol; 20+2).
    assert_eq!(find(rows, "2025-10-01", "XA-NO", "fr", "all", "*").counts(), (1, 1, 1, 1, 1, 1, 22));
    assert_eq!(find(rows, "2025-10-01", "XA-NO", "fr", "dehumanisation", "*").counts(), (1, 1, 1, 1, 1, 1, 22));
    // n3 (epoch seconds as CSV text; vermine in the headline; no byline; Le Matin; 300).
    let n3 = find(rows, "2025-10-01", "XA-SO", "fr", "all", "*");
    assert_eq!(n3.counts(), (1, 1, 1, 1, 0, 1, 300));
    assert_eq!(n3.seen(), (0, 1, 300));
    assert_eq!(find(rows, "2025-10-01", "XA-SO", "fr", "dehumanisation", "*").counts(), (1, 1, 1, 1, 0, 1, 300));
    // 2 October, XA-NO, en: n2 (local 00:00:30, just after midnight; `;` and a newline inside quotes; 500).
    let n2 = find(rows, "2025-10-02", "XA-NO", "en", "all", "*");
    assert_eq!(n2.counts(), (1, 0, 0, 0, 0, 0, 0));
    assert_eq!(n2.seen(), (1, 1, 500));
    // 2 October, XA-SO, en: s5 (22:30Z on 1 October = 01:30 local on 2 October;
    // mobilise + zorbians; dave; 7), s6 (`YYYY-MM-DD`; no metrics; erin),
    // n4 (epoch milliseconds as CSV text; Reporter C; 200).
    let so = find(rows, "2025-10-02", "XA-SO", "en", "all", "*");
    assert_eq!(so.counts(), (3, 1, 1, 1, 1, 1, 7), "group references are not hostile matches");
    assert_eq!(so.seen(), (3, 2, 207));
    assert_eq!(find(rows, "2025-10-02", "XA-SO", "en", "mobilisation", "*").counts(), (3, 1, 1, 1, 1, 1, 7));
    assert_eq!(find(rows, "2025-10-02", "XA-SO", "en", "mobilisation", "ethnicity:zorbian").counts(), (3, 1, 1, 1, 1, 1, 7));
    let gr = find(rows, "2025-10-02", "XA-SO", "en", "group_reference", "*");
    assert_eq!((gr.docs, gr.docs_flagged, gr.matches, gr.hostile), (3, 1, 1, 0));
    let grt = find(rows, "2025-10-02", "XA-SO", "en", "group_reference", "ethnicity:zorbian");
    assert_eq!((grt.docs, grt.docs_flagged, grt.matches, grt.hostile), (3, 1, 1, 0));
    // Every document is counted once on an `all` row.
    assert_eq!(rows.iter().filter(|r| r.category == "all").map(|r| r.docs).sum::<i64>(), 10);
    // No text and no identity in the aggregates.
    for r in rows {
        for v in [&r.region, &r.lang, &r.source, &r.category, &r.target] {
            for secret in ["alice", "bob", "carol", "dave", "erin", "Reporter", "vermin", "traitors", "Daily Star", "Le Matin"] {
                assert!(!v.contains(secret), "{secret} leaked into {r:?}");
            }
        }
    }
}

#[test]
fn pipeline_nested_fields_csv_and_every_timestamp_form() {
    let mut first: Option<Vec<Row>> = None;
    for suffix in ["", ".gz", ".zst"] {
        let tmp = TempDir::new().unwrap();
        let out = tmp.path().join("out");
        let cfg = write_config(tmp.path(), "e2e.toml", &pipeline_toml(suffix, &out));
        let v = run(&["validate", s(&cfg)]);
        assert!(v.status.success(), "validate: {}", text(&v.stderr));
        run_ok(&["run", s(&cfg)]);
        let m = manifest(&out);
        assert_eq!(counts_of(&m, "social"), (6, 6, 0), "{suffix}");
        assert_eq!(counts_of(&m, "news"), (4, 4, 0), "{suffix}");
        assert_reconciles(&m);
        assert_eq!(m["dates"], serde_json::json!(["2025-10-01", "2025-10-02"]));
        assert_eq!(m["config_sha256"].as_str(), Some(sha256_hex(std::fs::read(&cfg).unwrap().as_slice()).as_str()));
        let rows = read_series(&out);
        assert_social_and_news(&rows);
        match &first {
            None => first = Some(rows),
            Some(f) => assert_eq!(&rows, f, "{suffix} inputs give other rows than plain ones"),
        }
    }
}

// ---------------------------------------------------------------------------
// Bad input: every kind becomes a reject with file, line and reason.
// ---------------------------------------------------------------------------

/// A pipeline over tests/data/bad/: bad.jsonl, a cut copy of forty.jsonl.gz, bad.csv.
fn bad_pipeline(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    // A truncated gzip file: the first half of the bytes of a good one.
    let gz = std::fs::read(data("bad/forty.jsonl.gz")).unwrap();
    let cut = dir.join("cut.jsonl.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let out = dir.join("out");
    let body = format!(
        r#"name = "bad"
output = "{out}"
timezone = "UTC"
lexicons = ["{lexicon}"]

[[sources]]
name = "posts"
paths = ["{posts}"]
format = "jsonl"

[sources.fields]
text = "text"
lang = "lang"
region = "user.location"
author = "user.handle"
timestamp = "timestamp"
reach = ["metrics.views", "metrics.shares"]

[[sources]]
name = "forty"
paths = ["{cut}"]
format = "jsonl"

[sources.fields]
text = "text"
lang = "lang"
region = "user.location"
author = "user.handle"
timestamp = "timestamp"
reach = ["metrics.views"]

[[sources]]
name = "news"
paths = ["{news}"]
format = "csv"

[sources.csv]
delimiter = ";"

[sources.fields]
id = "article_id"
text = ["headline", "body"]
lang = "language"
region = "province"
timestamp = "published"
author = "byline"
source = "outlet"
reach = ["circulation"]
"#,
        out = s(&out),
        lexicon = s(&data("lexicon.csv")),
        posts = s(&data("bad/bad.jsonl")),
        cut = s(&cut),
        news = s(&data("bad/bad.csv")),
    );
    (write_config(dir, "bad.toml", &body), out, cut)
}

#[test]
fn rejects_every_kind_of_bad_input_and_the_run_finishes() {
    let tmp = TempDir::new().unwrap();
    let (cfg, out, cut) = bad_pipeline(tmp.path());
    let o = run(&["run", s(&cfg)]);
    assert_eq!(o.status.code(), Some(0), "bad records must not stop the run: {}", text(&o.stderr));
    let m = manifest(&out);
    assert_reconciles(&m);
    assert_eq!(counts_of(&m, "posts"), (8, 2, 6));
    // The first half of the gzip bytes decodes to 15 whole lines and the start
    // of line 16 (worked out with Python's zlib); the rest of the file is lost
    // and says so in one reject.
    assert_eq!(counts_of(&m, "forty"), (16, 15, 1));
    assert_eq!(counts_of(&m, "news"), (7, 3, 4));
    assert_eq!(counts_of(&m, ""), (31, 20, 11));

    let rj = rejects(&out, &m);
    let bad_jsonl = s(&data("bad/bad.jsonl")).to_string();
    let bad_csv = s(&data("bad/bad.csv")).to_string();
    let cut = s(&cut).to_string();
    // (file, line, words the reason must contain)
    let expected: Vec<(&str, u64, &[&str])> = vec![
        (&cut, 16, &["truncated"]),
        (&bad_csv, 3, &["10 fields", "header has 9"]),
        (&bad_csv, 6, &["4 fields", "header has 9"]),
        (&bad_csv, 7, &["invalid UTF-8", "body"]),
        (&bad_csv, 8, &["circulation", "number", "many"]),
        (&bad_jsonl, 2, &["malformed JSON"]),
        (&bad_jsonl, 3, &["invalid UTF-8"]),
        (&bad_jsonl, 4, &["missing text field", "text"]),
        (&bad_jsonl, 5, &["unparseable timestamp", "last Tuesday"]),
        (&bad_jsonl, 6, &["user.location", "object"]),
        (&bad_jsonl, 7, &["metrics.views", "number", "lots"]),
    ];
    assert_eq!(rj.len(), expected.len(), "rejects: {rj:#?}");
    let mut got: Vec<&Value> = rj.iter().collect();
    got.sort_by_key(|r| (r["source"].as_str().unwrap().to_string(), r["file"].as_str().unwrap().to_string(), r["line"].as_u64().unwrap()));
    for (r, (file, line, words)) in got.iter().zip(&expected) {
        assert_eq!(r["file"].as_str(), Some(*file), "{r}");
        assert_eq!(r["line"].as_u64(), Some(*line), "{r}");
        let reason = r["reason"].as_str().unwrap();
        for w in *words {
            assert!(reason.contains(w), "reason of {file}:{line} lacks {w:?}: {reason}");
        }
        assert!(r["source"].is_string() && r["excerpt"].is_string(), "{r}");
    }
    let excerpt =
        |file: &str, line: u64| rj.iter().find(|r| r["file"] == file && r["line"] == line).map(|r| r["excerpt"].as_str().unwrap().to_string()).unwrap();
    assert!(excerpt(&cut, 16).starts_with(r#"{"id":"t16""#), "{}", excerpt(&cut, 16));
    assert!(excerpt(&bad_jsonl, 2).starts_with(r#"{"id":"b2""#));
    assert!(excerpt(&bad_jsonl, 3).contains("caf\u{fffd} au lait"), "{}", excerpt(&bad_jsonl, 3));

    // Accepted records are in the time series: b1 + b8, t1..t15, c1 + c3 + c7.
    let rows = read_series(&out);
    let docs = |region: &str| rows.iter().filter(|r| r.category == "all" && r.region == region).map(|r| r.docs).sum::<i64>();
    assert_eq!((docs("XA-NO"), docs("XA-EA"), docs("XA-SO")), (2, 15, 3));
    assert_eq!(find(&rows, "2025-10-01", "XA-NO", "en", "all", "*").counts(), (2, 1, 1, 1, 1, 1, 1));
    assert_eq!(find(&rows, "2025-10-01", "XA-NO", "en", "all", "*").seen(), (2, 1, 3));
    // t1..t15 have views 1..15.
    assert_eq!(find(&rows, "2025-10-01", "XA-EA", "en", "all", "*").seen(), (7, 1, 120));
}

#[test]
fn every_reject_carries_an_excerpt_of_its_record() {
    let tmp = TempDir::new().unwrap();
    let (cfg, out, _) = bad_pipeline(tmp.path());
    run_ok(&["run", s(&cfg)]);
    let m = manifest(&out);
    for r in rejects(&out, &m) {
        assert!(!r["excerpt"].as_str().unwrap().is_empty(), "reject without excerpt: {r}");
    }
}

/// A pipeline reading one `;`-delimited CSV with the news mapping (UTC).
fn csv_pipeline(dir: &Path, csv: &Path) -> (PathBuf, PathBuf) {
    let out = dir.join("out");
    let body = format!(
        r#"output = "{out}"
lexicons = ["{lexicon}"]

[[sources]]
name = "news"
paths = ["{csv}"]
format = "csv"

[sources.csv]
delimiter = ";"

[sources.fields]
id = "article_id"
text = ["headline", "body"]
lang = "language"
region = "province"
timestamp = "published"
author = "byline"
source = "outlet"
reach = ["circulation"]
"#,
        out = s(&out),
        lexicon = s(&data("lexicon.csv")),
        csv = s(csv),
    );
    (write_config(dir, "csv.toml", &body), out)
}

/// (line, reason) of every reject of a run.
fn reject_lines(out: &Path) -> Vec<(u64, String)> {
    let m = manifest(out);
    let mut v: Vec<(u64, String)> = rejects(out, &m).iter().map(|r| (r["line"].as_u64().unwrap(), r["reason"].as_str().unwrap().to_string())).collect();
    v.sort();
    v
}

#[test]
fn csv_rejects_name_their_line_in_crlf_files() {
    let tmp = TempDir::new().unwrap();
    let (cfg, out) = csv_pipeline(tmp.path(), &data("bad/crlf.csv"));
    run_ok(&["run", s(&cfg)]);
    assert_eq!(counts_of(&manifest(&out), "news"), (5, 2, 3));
    let lines: Vec<u64> = reject_lines(&out).into_iter().map(|(l, _)| l).collect();
    // c2 on line 3; c3 spans lines 4-5; c4 on line 6; c5 on line 7.
    assert_eq!(lines, vec![3, 6, 7]);
}

#[test]
fn truncated_gzip_csv_reject_names_the_broken_row() {
    let tmp = TempDir::new().unwrap();
    let gz = std::fs::read(data("bad/many.csv.gz")).unwrap();
    let cut = tmp.path().join("cut.csv.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let (cfg, out) = csv_pipeline(tmp.path(), &cut);
    let o = run(&["run", s(&cfg)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // The first half of the bytes decodes to the header and 91 whole rows (Python's zlib).
    assert_eq!(counts_of(&manifest(&out), "news"), (92, 91, 1));
    let rj = reject_lines(&out);
    assert_eq!(rj.len(), 1);
    assert!(rj[0].1.contains("truncated"), "{}", rj[0].1);
    assert_eq!(rj[0].0, 93, "row 92 starts on line 93");
}

#[test]
fn jsonl_with_a_byte_order_mark_reads_its_first_record() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    run_ok(&["run", "--input", s(&data("bom.jsonl")), "--lexicon", s(&data("lexicon.csv")), "--out", s(&out)]);
    assert_eq!(reject_lines(&out), vec![]);
    assert_eq!(counts_of(&manifest(&out), "input"), (2, 2, 0));
    assert_eq!(find(&read_series(&out), "2025-10-01", "XA-NO", "en", "all", "*").counts(), (2, 1, 1, 1, 1, 1, 0));
}

// ---------------------------------------------------------------------------
// Re-runs.
// ---------------------------------------------------------------------------

#[test]
fn rerun_is_idempotent_and_a_new_day_adds_only_its_partition() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let cfg = write_config(tmp.path(), "e2e.toml", &pipeline_toml("", &out));
    run_ok(&["run", s(&cfg)]);
    let first = tree(&out.join("timeseries"));
    let first_rejects = tree(&out.join("rejects"));
    let first_manifest = manifest(&out);
    let first_rows = read_series(&out);
    assert_eq!(first.len(), 2);

    let first_store = store_without_run_times(&out);
    assert!(first_store.keys().any(|p| p.starts_with("evidence")), "no evidence written: {:?}", first_store.keys().collect::<Vec<_>>());

    run_ok(&["run", s(&cfg)]);
    // Everything but the manifest's run times is byte-identical: time series, evidence, rejects, indicators.
    let second_store = store_without_run_times(&out);
    assert_eq!(first_store.keys().collect::<Vec<_>>(), second_store.keys().collect::<Vec<_>>());
    for (path, bytes) in &first_store {
        assert!(second_store[path] == *bytes, "{} differs after an identical re-run", path.display());
    }
    let second = tree(&out.join("timeseries"));
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    for (path, bytes) in &first {
        assert!(second[path] == *bytes, "{} differs after an identical re-run", path.display());
    }
    assert_eq!(read_series(&out), first_rows);
    assert_eq!(tree(&out.join("rejects")), first_rejects);
    let m = manifest(&out);
    for k in ["run_id", "config_sha256", "inputs", "sources", "totals", "dates", "outputs"] {
        assert_eq!(m[k], first_manifest[k], "manifest.{k} differs after an identical re-run");
    }

    // Another night: one record on 5 October, into the same store.
    let night = tmp.path().join("night.jsonl");
    std::fs::write(
        &night,
        "{\"id\":\"x1\",\"text\":\"More vermin.\",\"lang\":\"en\",\"user\":{\"handle\":\"zed\",\"location\":\"XA-EA\"},\"metrics\":{\"views\":4},\"timestamp\":\"2025-10-05T10:00:00Z\"}\n",
    )
    .unwrap();
    let body = pipeline_toml("", &out).replace(s(&data("social.jsonl")), s(&night));
    let body = body.split("[[sources]]\nname = \"news\"").next().unwrap().to_string();
    let cfg2 = write_config(tmp.path(), "night.toml", &body);
    #[cfg(unix)]
    let before: BTreeMap<PathBuf, (u64, i64, i64)> = {
        use std::os::unix::fs::MetadataExt;
        first
            .keys()
            .map(|p| {
                let md = std::fs::metadata(out.join("timeseries").join(p)).unwrap();
                (p.clone(), (md.ino(), md.mtime(), md.mtime_nsec()))
            })
            .collect()
    };
    run_ok(&["run", s(&cfg2)]);
    let third = tree(&out.join("timeseries"));
    assert_eq!(third.len(), 3, "{:?}", third.keys().collect::<Vec<_>>());
    for (path, bytes) in &first {
        assert!(third[path] == *bytes, "{} changed although the new run has no record of its day", path.display());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        for (p, stamp) in before {
            let md = std::fs::metadata(out.join("timeseries").join(&p)).unwrap();
            assert_eq!((md.ino(), md.mtime(), md.mtime_nsec()), stamp, "{} was rewritten", p.display());
        }
    }
    let rows = read_series(&out);
    let new: Vec<&Row> = rows.iter().filter(|r| r.date == "2025-10-05").collect();
    assert_eq!(new.len(), 2, "{new:#?}");
    assert_eq!(find(&rows, "2025-10-05", "XA-EA", "en", "all", "*").counts(), (1, 1, 1, 1, 1, 1, 4));
    assert_eq!(find(&rows, "2025-10-05", "XA-EA", "en", "dehumanisation", "*").counts(), (1, 1, 1, 1, 1, 1, 4));
    let old: Vec<Row> = rows.into_iter().filter(|r| r.date != "2025-10-05").collect();
    assert_eq!(old, first_rows);
    let m = manifest(&out);
    assert_eq!(m["dates"], serde_json::json!(["2025-10-05"]));
    assert_eq!(counts_of(&m, "social"), (1, 1, 0));
}

/// Every file of a store except the manifest and the run records, which carry the run's wall-clock start and finish.
fn store_without_run_times(out: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut t = tree(out);
    t.retain(|p, _| p != Path::new("manifest.json") && !p.starts_with("runs"));
    t
}

// ---------------------------------------------------------------------------
// Evidence: one row per document with hostile findings, for human review.
// ---------------------------------------------------------------------------

/// Evidence rows as JSON objects (the JSON-lines evidence), with the date from the partition.
fn read_evidence_jsonl(out: &Path) -> Vec<Value> {
    let mut rows = Vec::new();
    for (date, files) in partitions_of(out, "evidence", "jsonl") {
        for f in files {
            for line in std::fs::read_to_string(f).unwrap().lines() {
                let mut v: Value = serde_json::from_str(line).unwrap();
                assert_eq!(v["date"], Value::String(date.clone()));
                v["partition"] = Value::String(date.clone());
                rows.push(v);
            }
        }
    }
    rows
}

/// Files with an extension under `dataset/date=…/`, by date.
fn partitions_of(out: &Path, dataset: &str, ext: &str) -> BTreeMap<String, Vec<PathBuf>> {
    let mut m: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for e in std::fs::read_dir(out.join(dataset)).unwrap() {
        let dir = e.unwrap().path();
        let date = dir.file_name().unwrap().to_str().unwrap().strip_prefix("date=").expect("hive partition").to_string();
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension().and_then(|x| x.to_str()) == Some(ext) {
                m.entry(date.clone()).or_default().push(f);
            }
        }
    }
    m
}

#[test]
fn evidence_holds_every_flagged_document_with_spans_into_its_original_text() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let body = pipeline_toml("", &out) + "\n[evidence]\nformat = \"both\"\n";
    let cfg = write_config(tmp.path(), "e2e.toml", &body);
    run_ok(&["run", s(&cfg)]);
    let rows = read_evidence_jsonl(&out);
    let ids = |date: &str, status: &str| -> BTreeSet<String> {
        rows.iter().filter(|r| r["partition"] == date && r["status"] == status).map(|r| r["doc_id"].as_str().unwrap().to_string()).collect()
    };
    let set = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(ids("2025-10-01", "hostile"), set(&["s1", "s2", "s4", "n1", "n3"]));
    assert_eq!(ids("2025-10-02", "hostile"), set(&["s5"]));
    assert_eq!(rows.len(), 6, "{rows:#?}");
    // The evidence agrees with the time series: as many hostile rows per day, region and language as flagged documents.
    let series = read_series(&out);
    for r in series.iter().filter(|r| r.category == "all") {
        let n = rows
            .iter()
            .filter(|e| e["partition"] == r.date.as_str() && e["region"] == r.region.as_str() && e["lang"] == r.lang.as_str() && e["status"] == "hostile")
            .count();
        assert_eq!(n as i64, r.docs_flagged, "{} {} {}", r.date, r.region, r.lang);
    }
    // Original text: every signal's span slices the document's text to the matched words, and the snippet quotes them.
    let originals: BTreeMap<&str, &str> = [
        ("s1", "They are vermin and traitors."),
        ("s2", "Vermin, vermin everywhere."),
        ("s4", "Ces gens sont de la vermine."),
        ("s5", "We must mobilise tonight against the zorbians."),
        ("n1", "Traitors in the north\n\nFirst line.\nSecond line mentions vermin."),
        ("n3", "Vermine partout\n\nTexte ; avec point-virgule."),
    ]
    .into_iter()
    .collect();
    for r in &rows {
        let id = r["doc_id"].as_str().unwrap();
        let text = originals[id];
        assert_eq!(r["snippet"].as_str(), Some(text), "{id}: a short text is quoted whole");
        for sig in r["signals"].as_array().unwrap() {
            let (a, b) = (sig["start"].as_u64().unwrap() as usize, sig["end"].as_u64().unwrap() as usize);
            assert_eq!(sig["text"].as_str(), Some(&text[a..b]), "{id}: {sig}");
            assert!(text[a..b].to_lowercase().starts_with(&sig["term"].as_str().unwrap()[..3]), "{id}: {sig}");
        }
    }
    let s1 = rows.iter().find(|r| r["doc_id"] == "s1").unwrap();
    assert_eq!(s1["categories"], serde_json::json!(["dehumanisation", "disloyalty"]));
    assert_eq!(s1["reach"], 105);
    assert_eq!(s1["speaker"].as_str().map(str::len), Some(32), "speaker is a 16-byte pseudonym in hex");
    assert!(!std::fs::read_to_string(out.join("evidence/date=2025-10-01/part-0.jsonl")).unwrap().contains("alice"), "clear author in evidence");
    let n3 = rows.iter().find(|r| r["doc_id"] == "n3").unwrap();
    assert!(n3["speaker"].is_null(), "n3 has no byline");
    assert_eq!(n3["source"], "Le Matin");
    assert_eq!(rows.iter().find(|r| r["doc_id"] == "s5").unwrap()["targets"], serde_json::json!(["ethnicity:zorbian"]));
    // The Parquet holds the same rows, in the same order.
    for (date, files) in partitions_of(&out, "evidence", "parquet") {
        let batches = tocsin::sink::parquet::read_batches(&files[0]).unwrap();
        let ids: Vec<String> = batches.iter().flat_map(|b| str_col(b, "doc_id").iter().map(|v| v.unwrap().to_string()).collect::<Vec<_>>()).collect();
        let from_jsonl: Vec<String> = rows.iter().filter(|r| r["partition"] == date.as_str()).map(|r| r["doc_id"].as_str().unwrap().to_string()).collect();
        assert_eq!(ids, from_jsonl, "{date}");
    }
}

#[test]
fn evidence_redaction_masks_terms_or_drops_text_and_speakers() {
    let tmp = TempDir::new().unwrap();
    for (mode, check) in [
        (
            "mask_terms",
            (|r: &Value| {
                let snip = r["snippet"].as_str().unwrap();
                assert!(snip.contains('[') && !snip.to_lowercase().contains("vermin"), "{snip}");
                assert!(r["speaker"].is_string() || r["doc_id"] == "n3");
            }) as fn(&Value),
        ),
        ("drop_text", |r: &Value| {
            assert!(r["snippet"].is_null());
            assert!(r["speaker"].is_string() || r["doc_id"] == "n3");
        }),
        ("ids_only", |r: &Value| {
            assert!(r["snippet"].is_null() && r["speaker"].is_null());
        }),
    ] {
        let out = tmp.path().join(mode);
        let body = pipeline_toml("", &out) + &format!("\n[evidence]\nformat = \"jsonl\"\nredact = \"{mode}\"\n");
        let cfg = write_config(tmp.path(), &format!("{mode}.toml"), &body);
        run_ok(&["run", s(&cfg)]);
        let rows = read_evidence_jsonl(&out);
        assert_eq!(rows.len(), 6, "{mode}");
        for r in &rows {
            check(r);
            assert!(r["signals"].as_array().unwrap().iter().all(|sig| sig["text"].is_null()), "{mode}: matched text kept");
            assert!(!r["signals"].as_array().unwrap().is_empty());
        }
        let raw = std::fs::read_to_string(out.join("evidence/date=2025-10-01/part-0.jsonl")).unwrap();
        assert!(!raw.to_lowercase().contains("vermin,"), "{mode}: matched text on disk");
        assert_eq!(raw.contains("They are [dehumanisation] and [disloyalty]."), mode == "mask_terms", "{mode}: context kept only when masking");
    }
}

// ---------------------------------------------------------------------------
// Config and lexicon validation: every problem at once, before any work.
// ---------------------------------------------------------------------------

/// A config with five problems in what it references. Returns (config, stderr must contain).
fn broken_config(dir: &Path, with_unknown_field: bool) -> (PathBuf, Vec<String>) {
    std::fs::write(dir.join("blocker"), b"a file, not a folder").unwrap();
    // A CSV whose header lacks the mapped `summary` column.
    std::fs::copy(data("news.csv"), dir.join("news.csv")).unwrap();
    let unknown = if with_unknown_field { "colour = \"red\"\n" } else { "" };
    let body = format!(
        r#"name = "broken"
output = "blocker/out"
timezone = "Mars/Olympus"
lexicons = ["missing-lexicon.csv"]

[[sources]]
name = "posts"
paths = ["nothing-here/*.jsonl"]
format = "jsonl"

[[sources]]
name = "news"
paths = ["news.csv"]
format = "csv"
{unknown}
[sources.csv]
delimiter = ";"

[sources.fields]
text = ["headline", "summary"]
timestamp = "published"
"#
    );
    let cfg = write_config(dir, "broken.toml", &body);
    let c = s(&cfg);
    let mut expect = vec![
        format!("{c}:2: output directory"),
        format!("{c}:3: unknown time zone `Mars/Olympus`"),
        format!("{c}:4: lexicon `{}` does not exist", s(&dir.join("missing-lexicon.csv"))),
        format!("{c}:8: source `posts`"),
        "nothing-here/*.jsonl` matches no file".to_string(),
        format!("{}:1: source `news`: header lacks mapped column(s) `summary`", s(&dir.join("news.csv"))),
    ];
    if with_unknown_field {
        expect.push(format!("{c}:15: unknown field `colour`"));
    }
    (cfg, expect)
}

fn assert_lists(stderr: &str, expect: &[String]) {
    for e in expect {
        assert!(stderr.contains(e.as_str()), "stderr lacks {e:?}:\n{stderr}");
    }
}

#[test]
fn validate_lists_every_problem_with_file_and_line() {
    let tmp = TempDir::new().unwrap();
    let (cfg, expect) = broken_config(tmp.path(), false);
    let o = run(&["validate", s(&cfg)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert_lists(&err, &expect);
    assert!(err.contains("5 problem(s)"), "{err}");
    // `run` stops on the same problems, before any work.
    let o = run(&["run", s(&cfg)]);
    assert_eq!(o.status.code(), Some(2));
    assert_lists(&text(&o.stderr), &expect);
    assert!(tmp.path().join("blocker").is_file());
}

#[test]
fn validate_reports_an_unknown_field_with_its_line() {
    let tmp = TempDir::new().unwrap();
    let cfg = write_config(tmp.path(), "typo.toml", "name = \"typo\"\noutput = \"out\"\ntimezon = \"UTC\"\nsources = []\n");
    let o = run(&["validate", s(&cfg)]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains(&format!("{}:3: unknown field `timezon`", s(&cfg))), "{err}");
}

#[test]
fn validate_lists_an_unknown_field_together_with_every_other_problem() {
    let tmp = TempDir::new().unwrap();
    let (cfg, expect) = broken_config(tmp.path(), true);
    let o = run(&["validate", s(&cfg)]);
    assert_eq!(o.status.code(), Some(2));
    assert_lists(&text(&o.stderr), &expect);
}

#[test]
fn bad_lexicon_stops_the_run_before_any_output() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let lex = data("bad_lexicon.csv");
    let expect = vec![format!("{}:3: unknown category `weather`", s(&lex)), format!("{}:4: severity `9`", s(&lex))];
    // From flags …
    let o = run(&["run", "--input", s(&data("posts.jsonl")), "--lexicon", s(&lex), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert_lists(&text(&o.stderr), &expect);
    assert!(tree(&out).is_empty(), "output written: {:?}", tree(&out).keys().collect::<Vec<_>>());
    // … from a pipeline …
    let body = pipeline_toml("", &out).replace(s(&data("lexicon.csv")), s(&lex));
    let cfg = write_config(tmp.path(), "badlex.toml", &body);
    let o = run(&["run", s(&cfg)]);
    assert_eq!(o.status.code(), Some(2));
    assert_lists(&text(&o.stderr), &expect);
    assert!(tree(&out).is_empty(), "output written: {:?}", tree(&out).keys().collect::<Vec<_>>());
    let o = run(&["validate", s(&cfg)]);
    assert_eq!(o.status.code(), Some(2));
    assert_lists(&text(&o.stderr), &expect);
    // … and `lexicon check` says the same.
    let o = run(&["lexicon", "check", s(&lex)]);
    assert_eq!(o.status.code(), Some(2));
    assert_lists(&text(&o.stderr), &expect);
    let o = run(&["lexicon", "check", s(&data("lexicon.csv"))]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

// ---------------------------------------------------------------------------
// The shipped demo.
// ---------------------------------------------------------------------------

/// Runs pipelines/demo.toml once (copied to a temp dir, paths made absolute) for the tests that need it.
fn demo_run() -> &'static (TempDir, PathBuf) {
    static DEMO: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    DEMO.get_or_init(|| {
        // Under target/tmp: a static is never dropped, so this folder outlives the test run.
        let tmp = TempDir::new_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let out = tmp.path().join("out").join("demo");
        let toml = std::fs::read_to_string(repo().join("pipelines/demo.toml")).unwrap();
        let root = format!("{}/", s(&repo()));
        let toml = toml.replace("\"../out/demo\"", &format!("\"{}\"", s(&out))).replace("\"../", &format!("\"{root}"));
        assert!(toml.contains(s(&out)), "demo.toml's output is no longer ../out/demo:\n{toml}");
        let cfg = write_config(tmp.path(), "demo.toml", &toml);
        // A demo pipeline runs without a key.
        let o = tocsin().env_remove("TOCSIN_PSEUDONYM_KEY").args(["run", "--quiet", s(&cfg)]).output().unwrap();
        assert!(o.status.success(), "demo run failed: {}", text(&o.stderr));
        (tmp, out)
    })
}

fn expected_demo() -> Value {
    serde_json::from_slice(&std::fs::read(repo().join("datasets/demo/expected.json")).unwrap()).unwrap()
}

#[test]
fn demo_manifest_and_time_series_reconcile_with_expected_json() {
    let (_tmp, out) = demo_run();
    let exp = expected_demo();
    let m = manifest(out);
    assert_reconciles(&m);
    let t = &exp["totals"];
    assert_eq!(counts_of(&m, ""), (t["records"].as_u64().unwrap(), t["valid_documents"].as_u64().unwrap(), t["broken"].as_u64().unwrap()));
    // Per source: the Telegram sources are one per language, each of one or two channel files.
    let mut want_sources: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for (file, f) in exp["files"].as_object().unwrap() {
        let source = match file.as_str() {
            "social/posts.jsonl.gz" => "social".to_string(),
            "news/articles.csv" => "news".to_string(),
            _ => format!("telegram-{}", f["lang"].as_str().unwrap()),
        };
        let n = |k: &str| f[k].as_u64().unwrap();
        let e = want_sources.entry(source).or_default();
        *e = (e.0 + n("records"), e.1 + n("valid"), e.2 + n("broken"));
    }
    assert_eq!(want_sources.len(), 5);
    for (source, want) in &want_sources {
        assert_eq!(counts_of(&m, source), *want, "{source}");
    }
    // Every broken record is a reject at its line.
    let mut want: BTreeSet<(String, u64)> = BTreeSet::new();
    for file in ["social/posts.jsonl.gz", "news/articles.csv"] {
        for b in exp["files"][file]["broken_records"].as_array().unwrap() {
            want.insert((file.rsplit('/').next().unwrap().to_string(), b["line"].as_u64().unwrap()));
        }
    }
    let got: BTreeSet<(String, u64)> =
        rejects(out, &m).iter().map(|r| (r["file"].as_str().unwrap().rsplit('/').next().unwrap().to_string(), r["line"].as_u64().unwrap())).collect();
    assert_eq!(got, want);
    // Region assignment: the posts and articles by their own field, the Telegram channels by
    // the source table and the gazetteer, exactly as the generator placed them.
    assert_eq!(m["regions"]["placed_by"], exp["regions_placed_by"]);
    let placed: u64 = m["regions"]["placed_by"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(placed, t["valid_documents"].as_u64().unwrap());
    assert_eq!(m["regions"]["gazetteers"][0]["rows"].as_u64(), Some(41));

    // The time series: 4 regions × 60 days × 3 languages on `all` rows, plus `unknown`
    // on the days and languages of unplaced Telegram messages.
    let rows = read_series(out);
    let all: Vec<&Row> = rows.iter().filter(|r| r.category == "all").collect();
    let k: BTreeSet<(&str, &str, &str)> = all.iter().map(|r| (r.date.as_str(), r.region.as_str(), r.lang.as_str())).collect();
    assert_eq!(k.len(), all.len(), "one `all` row per day, region and language");
    assert_eq!(all.iter().filter(|r| r.region != "unknown").count(), 4 * 60 * 3);
    let dates: Vec<String> = exp["documents_per_region_per_day"]["dates"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().into()).collect();
    assert_eq!(dates.len(), 60);
    assert_eq!(partitions(out).keys().cloned().collect::<Vec<_>>(), dates);
    assert_eq!(m["dates"], serde_json::json!(dates));
    let regions: BTreeSet<&str> = all.iter().map(|r| r.region.as_str()).collect();
    let langs: BTreeSet<&str> = all.iter().map(|r| r.lang.as_str()).collect();
    let mut exp_regions: BTreeSet<&str> = exp["regions"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    exp_regions.insert("unknown");
    let exp_langs: BTreeSet<&str> = exp["languages"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(regions, exp_regions);
    assert_eq!(langs, exp_langs);
    // `copies` counts every document; `docs` counts an exact repost (same text, day, region, language) once.
    assert_eq!(all.iter().map(|r| r.copies).sum::<i64>() as u64, t["valid_documents"].as_u64().unwrap());
    assert_eq!(all.iter().map(|r| r.docs).sum::<i64>() as u64, t["unique_documents"].as_u64().unwrap());
    assert!(t["unique_documents"].as_u64() < t["valid_documents"].as_u64(), "the demo has reposts");
    // Documents per region and language, and per region and day.
    for (region, by_lang) in exp["documents_per_region_per_language"].as_object().unwrap() {
        for (lang, n) in by_lang.as_object().unwrap() {
            let got: i64 = all.iter().filter(|r| r.region == *region && (lang == "total" || r.lang == *lang)).map(|r| r.copies).sum();
            assert_eq!(got, n.as_i64().unwrap(), "{region} {lang}");
        }
    }
    for region in &exp_regions {
        let per_day = exp["documents_per_region_per_day"][*region].as_array().unwrap();
        let unique = exp["unique_documents_per_region_per_day"][*region].as_array().unwrap();
        for ((date, n), u) in dates.iter().zip(per_day).zip(unique) {
            let of_day = || all.iter().filter(|r| r.region == *region && r.date == *date);
            assert_eq!(of_day().map(|r| r.copies).sum::<i64>(), n.as_i64().unwrap(), "{region} {date} copies");
            assert_eq!(of_day().map(|r| r.docs).sum::<i64>(), u.as_i64().unwrap(), "{region} {date} docs");
        }
    }
    // Flagged documents exist and never exceed documents.
    assert!(rows.iter().all(|r| r.docs_flagged <= r.docs && r.authors <= r.authors_seen && r.reach <= r.reach_seen));
    assert!(rows.iter().all(|r| r.docs <= r.copies && r.docs_flagged <= r.copies_flagged && r.copies_flagged <= r.copies));
    // The Telegram channels are neutral: nothing flagged where they alone placed documents.
    assert!(all.iter().filter(|r| r.region == "unknown").all(|r| r.docs_flagged == 0));
    assert!(all.iter().map(|r| r.docs_flagged).sum::<i64>() > 0);
}

#[test]
fn readme_queries_run_and_agree_in_duckdb_polars_and_pandas() {
    let probe = Command::new("python3").args(["-c", "import duckdb, polars, pandas, pyarrow"]).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        let why = probe.map(|o| text(&o.stderr)).unwrap_or_else(|e| e.to_string());
        assert!(std::env::var_os("CI").is_none(), "CI must install duckdb, polars, pandas and pyarrow (.ci/run does): {why}");
        eprintln!("note: skipped scripts/read_demo.py: python3 with duckdb, polars, pandas and pyarrow is not available ({})", why.trim());
        return;
    }
    let (_tmp, out) = demo_run();
    let o = Command::new("python3").arg(repo().join("scripts/read_demo.py")).arg(out).current_dir(repo()).output().unwrap();
    assert!(o.status.success(), "scripts/read_demo.py failed:\nstdout:\n{}\nstderr:\n{}", text(&o.stdout), text(&o.stderr));
    assert!(text(&o.stdout).contains("ok:"), "{}", text(&o.stdout));
}
