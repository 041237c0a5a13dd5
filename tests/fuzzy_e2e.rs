//! End-to-end tests of fuzzy matching (issue 4): the real `tocsin` binary with
//! the shipped lexicons reads misspelt and glued words when `[matching] fuzzy`
//! is on (the default) and not when it is off, counts them in the Parquet time
//! series, quotes the words as written in the evidence, and `lexicon
//! fuzzy-check` lists the real words a guard list must hold.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use arrow_array::{Array, Int64Array, StringArray};
use tempfile::TempDir;

const KEY: &str = "e2e-test-key-0123456789abcdef";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tocsin(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_tocsin"))
        .current_dir(repo())
        .env("TOCSIN_PSEUDONYM_KEY", KEY)
        .env_remove("TOCSIN_LOG")
        .env_remove("TOCSIN_LEXICONS")
        .args(args)
        .output()
        .expect("run tocsin");
    assert!(
        out.status.success(),
        "tocsin {args:?} failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Three posts: a misspelt dehumanising word, a glued derogation, and a real word next to a lexicon word.
const POSTS: &str = r#"{"id":"p1","text":"Those migrnts are cockroacehs.","lang":"en","region":"XA-NO","timestamp":"2025-10-01T10:00:00Z","author":"a","source":"s"}
{"id":"p2","text":"The refugees here are justdisgusting.","lang":"en","region":"XA-NO","timestamp":"2025-10-01T11:00:00Z","author":"b","source":"s"}
{"id":"p3","text":"The therapist found refuge in the old library.","lang":"en","region":"XA-NO","timestamp":"2025-10-01T12:00:00Z","author":"c","source":"s"}
"#;

fn pipeline(dir: &Path, fuzzy: Option<bool>) -> PathBuf {
    let input = dir.join("posts.jsonl");
    std::fs::write(&input, POSTS).unwrap();
    let matching = fuzzy.map(|f| format!("\n[matching]\nfuzzy = {f}\n")).unwrap_or_default();
    let body = format!(
        "name = \"fuzzy\"\noutput = \"out\"\ntimezone = \"UTC\"\nthreads = 1\nlexicons = [{:?}]\n\n[evidence]\nformat = \"jsonl\"\n\n[[sources]]\nname = \"posts\"\nformat = \"jsonl\"\npaths = [\"posts.jsonl\"]\n{matching}",
        repo().join("lexicons").display().to_string()
    );
    let path = dir.join("pipeline.toml");
    std::fs::write(&path, body).unwrap();
    path
}

/// Flagged documents per hostile category (rows with target `*`) in the time series.
fn flagged(out: &Path) -> Vec<(String, i64)> {
    let mut rows = Vec::new();
    for day in std::fs::read_dir(out.join("timeseries")).unwrap() {
        for f in std::fs::read_dir(day.unwrap().path()).unwrap() {
            for b in tocsin::sink::parquet::read_batches(&f.unwrap().path()).unwrap() {
                let col = |n: &str| b.column_by_name(n).unwrap().clone();
                let category = col("category");
                let category = category.as_any().downcast_ref::<StringArray>().unwrap();
                let target = col("target");
                let target = target.as_any().downcast_ref::<StringArray>().unwrap();
                let docs = col("docs_flagged");
                let docs = docs.as_any().downcast_ref::<Int64Array>().unwrap();
                for i in 0..b.num_rows() {
                    if target.value(i) == "*" && !["all", "group_reference"].contains(&category.value(i)) && docs.value(i) > 0 {
                        rows.push((category.value(i).to_string(), docs.value(i)));
                    }
                }
            }
        }
    }
    rows.sort();
    rows
}

fn evidence(out: &Path) -> String {
    let mut text = String::new();
    for day in std::fs::read_dir(out.join("evidence")).unwrap() {
        for f in std::fs::read_dir(day.unwrap().path()).unwrap() {
            text.push_str(&std::fs::read_to_string(f.unwrap().path()).unwrap());
        }
    }
    text
}

#[test]
fn misspelt_and_glued_words_count_when_fuzzy_matching_is_on() {
    let dir = TempDir::new().unwrap();
    tocsin(&["run", pipeline(dir.path(), None).to_str().unwrap(), "--quiet"]);
    let out = dir.path().join("out");
    assert_eq!(flagged(&out), vec![("dehumanisation".to_string(), 1), ("derogation".to_string(), 1)]);
    // The evidence quotes the words as written and marks them obfuscated; the real words stay out of it.
    let ev = evidence(&out);
    assert!(ev.contains("cockroacehs") && ev.contains("justdisgusting") && ev.contains("obfuscated"), "{ev}");
    assert!(!ev.contains("\"p3\""), "{ev}");
}

#[test]
fn fuzzy_matching_can_be_turned_off() {
    let dir = TempDir::new().unwrap();
    tocsin(&["run", pipeline(dir.path(), Some(false)).to_str().unwrap(), "--quiet"]);
    assert_eq!(flagged(&dir.path().join("out")), Vec::<(String, i64)>::new());
}

#[test]
fn fuzzy_check_lists_the_words_a_guard_list_must_hold() {
    let dir = TempDir::new().unwrap();
    let words = dir.path().join("words.txt");
    // "disgustng" is no word, but a dictionary might list it; "therapist" is in the shipped guard list
    // ("the rapist"), and "refuge" is no misspelt "refugee" (the last letter is never dropped).
    std::fs::write(&words, "disgustng\nrefuge\ntherapist\nlibrary\n").unwrap();
    let out = tocsin(&["lexicon", "fuzzy-check", words.to_str().unwrap(), "--lang", "en"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "disgustng\tdisgusting\n");
}
