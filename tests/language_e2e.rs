//! End-to-end test of the language stage (issue 7): detected languages are
//! recorded with their confidence in the manifest, a source that declares
//! its languages discards others, and a code-switching post is read with the
//! lexicons of every declared language. Fixture: tests/data/languages/mixed.jsonl
//! (shipped lexicons).

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};
use tempfile::TempDir;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn languages_are_counted_by_origin_and_a_declared_pair_reads_both() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let fixture = repo().join("tests/data/languages/mixed.jsonl");
    let toml = format!(
        "output = {}\n\n[[sources]]\nname = \"board\"\nformat = \"jsonl\"\npaths = [{}]\ndetect_lang = true\nlangs = [\"en\", \"sw\"]\n",
        tocsin::config::toml_string(out.to_str().unwrap()),
        tocsin::config::toml_string(fixture.to_str().unwrap()),
    );
    let cfg = tmp.path().join("p.toml");
    std::fs::write(&cfg, toml).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_tocsin"))
        .current_dir(repo())
        .env("TOCSIN_PSEUDONYM_KEY", "language-e2e-key-0123456789")
        .env_remove("TOCSIN_LEXICONS")
        .args(["run", "--quiet", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m: Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    // l1 given en, l2 detected en (a long, clear sentence), l5 given sw; l3 is French, which the
    // source does not publish in, and l4 is too short and mixed to detect: both `und`.
    let langs = &m["languages"];
    assert_eq!(langs["en"]["given"], 1);
    assert_eq!(langs["en"]["detected"], 1);
    let confidence = langs["en"]["mean_confidence"].as_f64().unwrap();
    assert!(confidence > 0.5 && confidence <= 1.0, "{confidence}");
    assert_eq!(langs["sw"], json!({"given": 1, "detected": 0, "undetected": 0, "unknown": 0}));
    assert_eq!(langs["und"], json!({"given": 0, "detected": 0, "undetected": 2, "unknown": 0}));
    assert!(langs.get("fr").is_none(), "French is not believed for a source that declares en and sw: {langs}");

    // l4 ("Tell them: Waoru ni wadudu.") is read in English and Swahili: the Swahili word counts.
    // l5 ("Waoru si wadudu …", Swahili) is negated by Swahili's "si" and does not.
    let rows = read(&out);
    assert_eq!(rows.get(&("und".into(), "dehumanisation".into())), Some(&(2, 1)));
    assert_eq!(rows.get(&("sw".into(), "dehumanisation".into())), Some(&(1, 0)));
    assert_eq!(rows.get(&("en".into(), "all".into())), Some(&(2, 0)));
}

/// (lang, category) → (docs, docs_flagged) of the `*` target rows.
fn read(out: &std::path::Path) -> std::collections::BTreeMap<(String, String), (i64, i64)> {
    use arrow_array::{Array, Int64Array, StringArray};
    let mut map = std::collections::BTreeMap::new();
    let part = out.join("timeseries/date=2025-10-01/part-0.parquet");
    for b in tocsin::sink::parquet::read_batches(&part).unwrap() {
        let s = |n: &str| b.column_by_name(n).unwrap().as_any().downcast_ref::<StringArray>().unwrap().clone();
        let i = |n: &str| b.column_by_name(n).unwrap().as_any().downcast_ref::<Int64Array>().unwrap().clone();
        let (lang, category, target, docs, flagged) = (s("lang"), s("category"), s("target"), i("docs"), i("docs_flagged"));
        for r in 0..b.num_rows() {
            if target.value(r) == "*" {
                map.insert((lang.value(r).to_string(), category.value(r).to_string()), (docs.value(r), flagged.value(r)));
            }
        }
    }
    map
}
