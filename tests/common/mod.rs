//! Helpers shared by the end-to-end tests of hostile input and faults
//! (tests/limits.rs, tests/faults.rs): running the real binary, reading the
//! manifest, the rejects and the Parquet time series back.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use arrow_array::{Array, Int64Array, StringArray};
use serde_json::Value;

/// A pseudonymisation key for non-demo runs (16+ bytes).
pub const KEY: &str = "faults-test-key-0123456789abcdef";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn data(rel: &str) -> PathBuf {
    repo().join("tests/data").join(rel)
}

/// The binary, run from the repository root with a key and no inherited log settings.
pub fn tocsin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tocsin"));
    c.current_dir(repo()).env("TOCSIN_PSEUDONYM_KEY", KEY).env_remove("TOCSIN_LOG").env_remove("TOCSIN_LEXICONS");
    c
}

pub fn run(args: &[&str]) -> Output {
    tocsin().args(args).output().expect("run tocsin")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs and insists on exit code 0.
pub fn run_ok(args: &[&str]) -> Output {
    let out = run(args);
    assert!(out.status.success(), "tocsin {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}", out.status, text(&out.stdout), text(&out.stderr));
    out
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

pub fn write(dir: &Path, name: &str, body: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

pub fn manifest(out: &Path) -> Value {
    let bytes = std::fs::read(out.join("manifest.json")).expect("manifest.json");
    serde_json::from_slice(&bytes).expect("manifest is JSON")
}

/// (read, accepted, rejected) of `sources.NAME`, or of `totals` with "".
pub fn counts_of(m: &Value, source: &str) -> (u64, u64, u64) {
    let v = if source.is_empty() { &m["totals"] } else { &m["sources"][source] };
    let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("manifest {source}.{k} missing: {v}"));
    (n("read"), n("accepted"), n("rejected"))
}

/// read = accepted + rejected for every source and the totals.
pub fn assert_reconciles(m: &Value) {
    for name in m["sources"].as_object().expect("sources").keys() {
        let (r, a, j) = counts_of(m, name);
        assert_eq!(r, a + j, "source {name}: read != accepted + rejected");
    }
    let (r, a, j) = counts_of(m, "");
    assert_eq!(r, a + j, "totals: read != accepted + rejected");
}

/// The rejects of the run that wrote the manifest.
pub fn rejects(out: &Path) -> Vec<Value> {
    let m = manifest(out);
    let id = m["run_id"].as_str().expect("run_id");
    let path = out.join("rejects").join(format!("{id}.jsonl"));
    let body = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    body.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("reject is JSON")).collect()
}

/// (line, reason) of every reject, sorted.
pub fn reject_lines(out: &Path) -> Vec<(u64, String)> {
    let mut v: Vec<(u64, String)> = rejects(out).iter().map(|r| (r["line"].as_u64().unwrap(), r["reason"].as_str().unwrap().to_string())).collect();
    v.sort();
    v
}

/// Every file under a directory (relative path → bytes), lock file excluded.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
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

/// (date, region, lang, category, docs) of every `all` row of `OUT/timeseries`, read back with the crate's reader; panics on an unreadable file.
pub fn all_rows(out: &Path) -> Vec<(String, String, String, i64)> {
    let mut rows = Vec::new();
    let Ok(rd) = std::fs::read_dir(out.join("timeseries")) else {
        return rows;
    };
    for e in rd {
        let dir = e.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let date = name.strip_prefix("date=").unwrap_or_else(|| panic!("not a hive partition: {name}")).to_string();
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            assert_eq!(f.extension().and_then(|x| x.to_str()), Some("parquet"), "stray file in a partition: {}", f.display());
            for b in tocsin::sink::parquet::read_batches(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display())) {
                let col = |n: &str| b.column_by_name(n).unwrap().as_any().downcast_ref::<StringArray>().unwrap().clone();
                let (region, lang, category) = (col("region"), col("lang"), col("category"));
                let docs = b.column_by_name("docs").unwrap().as_any().downcast_ref::<Int64Array>().unwrap().clone();
                for i in 0..b.num_rows() {
                    if category.value(i) == "all" {
                        rows.push((date.clone(), region.value(i).to_string(), lang.value(i).to_string(), docs.value(i)));
                    }
                }
            }
        }
    }
    rows.sort();
    rows
}

/// Documents counted on `all` rows.
pub fn docs_counted(out: &Path) -> i64 {
    all_rows(out).iter().map(|r| r.3).sum()
}

/// A pipeline of one JSON lines source `posts` over `input` (default field names) with extra `[limits]` lines.
pub fn jsonl_pipeline(dir: &Path, input: &Path, limits: &str) -> (PathBuf, PathBuf) {
    let out = dir.join("out");
    let body = format!(
        "name = \"limits\"\noutput = \"{}\"\nlexicons = [\"{}\"]\n\n[limits]\n{limits}\n\n[[sources]]\nname = \"posts\"\npaths = [\"{}\"]\nformat = \"jsonl\"\n",
        s(&out),
        s(&data("lexicon.csv")),
        s(input)
    );
    (write(dir, "p.toml", body), out)
}

/// One JSON line with the default field names.
pub fn post(id: &str, text: &str) -> String {
    serde_json::json!({"id": id, "text": text, "lang": "en", "region": "XA-NO", "author": "a", "timestamp": "2025-10-01T08:00:00Z"}).to_string()
}
