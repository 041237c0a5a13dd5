//! End-to-end tests of region assignment, gazetteers, the GeoNames importer
//! and exact reposts (issue 7): the real `tocsin` binary on the fixtures of
//! tests/data/geonames/ (GeoNames' own file formats, fictional places) and
//! tests/data/regions/ (posts without a region field), with the gazetteer the
//! importer makes from those fixtures. tests/data/README.md describes them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use arrow_array::{Array, Int64Array, RecordBatch, StringArray};
use serde_json::Value;
use tempfile::TempDir;

const KEY: &str = "region-e2e-key-0123456789abcdef";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn data(rel: &str) -> PathBuf {
    repo().join("tests/data").join(rel)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn tocsin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tocsin"))
        .current_dir(repo())
        .env("TOCSIN_PSEUDONYM_KEY", KEY)
        .env_remove("TOCSIN_LOG")
        .env_remove("TOCSIN_LEXICONS")
        .args(args)
        .output()
        .expect("run tocsin")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(args: &[&str]) -> Output {
    let o = tocsin(args);
    assert!(o.status.success(), "tocsin {args:?} failed\nstdout:\n{}\nstderr:\n{}", text(&o.stdout), text(&o.stderr));
    o
}

/// The gazetteer rows of a CSV as (name, lang, region, kind, population, ambiguous).
fn gazetteer_rows(path: &Path) -> Vec<[String; 6]> {
    let mut r = csv::Reader::from_path(path).unwrap();
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), ["name", "lang", "region", "kind", "population", "ambiguous", "source"]);
    r.records().map(|x| x.unwrap()).map(|x| std::array::from_fn(|i| x[i].to_string())).collect()
}

fn row(name: &str, region: &str, kind: &str, population: &str, ambiguous: &str) -> [String; 6] {
    [name, "", region, kind, population, ambiguous].map(String::from)
}

/// Imports the GeoNames fixtures of country XA with their admin1 names into `dir/xa.csv`.
fn import_xa(dir: &Path, extra: &[&str]) -> (PathBuf, Output) {
    let out = dir.join("gazetteers").join("xa.csv");
    let mut args = vec![
        "gazetteer",
        "import",
        "--format",
        "geonames-cities",
        "tests/data/geonames/cities_xa.txt",
        "--admin1",
        "tests/data/geonames/admin1CodesASCII.txt",
        "--country",
        "XA",
        "--out",
        s(&out),
    ];
    args.extend_from_slice(extra);
    let o = ok(&args);
    (out, o)
}

#[test]
fn geonames_cities_and_admin1_become_our_gazetteer() {
    let tmp = TempDir::new().unwrap();
    let (out, o) = import_xa(tmp.path(), &[]);
    let stdout = text(&o.stdout);
    assert!(stdout.contains("wrote 17 places"), "{stdout}");
    // Left out, and said so: Kilima (admin1 `00`), Mbéli (admin1 05 is not in the admin1 file),
    // the code TRS, the code XAC and a link.
    for line in ["skipped 1: no admin1 code", "skipped 1: admin1 code not in the --admin1 file", "skipped 3: alternate name that is a code or a link"] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
    assert!(stdout.contains("ok: 17 places in 4 regions"), "the written file passes `gazetteer check`: {stdout}");
    let rows = gazetteer_rows(&out);
    let want = vec![
        row("Northern Region", "XA-01", "admin1", "", ""),
        row("Southern Region", "XA-02", "admin1", "", ""),
        row("Eastern Region", "XA-03", "admin1", "", ""),
        row("Central Region", "XA-04", "admin1", "", ""),
        // The name, then its alternate names in every script; the ASCII name and the repeated
        // "Tarsa" fold to the same matching form and are written once.
        row("Tarsa", "XA-01", "city", "184000", ""),
        row("Tarsa-Nord", "XA-01", "alias", "184000", ""),
        row("تارسا", "XA-01", "alias", "184000", ""),
        row("Тарса", "XA-01", "alias", "184000", ""),
        row("Port Asari", "XA-02", "city", "240000", ""),
        row("Bandari ya Asari", "XA-02", "alias", "240000", ""),
        row("Port-Asari", "XA-02", "alias", "240000", ""),
        // Three letters: a word somewhere, so location strings only.
        row("Bar", "XA-03", "city", "600", "yes"),
        row("Xandia City", "XA-04", "city", "1250000", ""),
        row("Jiji la Xandia", "XA-04", "alias", "1250000", ""),
        row("Xandia-Ville", "XA-04", "alias", "1250000", ""),
        // One name in two regions: two rows, which makes it ambiguous when matching.
        row("Nuru", "XA-01", "city", "2400", ""),
        row("Nuru", "XA-03", "city", "3100", ""),
    ];
    assert_eq!(rows, want);
    let mut r = csv::Reader::from_path(&out).unwrap();
    let sources: Vec<String> = r.records().map(|x| x.unwrap()[6].to_string()).collect();
    assert_eq!(sources[0], "GeoNames admin1CodesASCII.txt");
    assert!(sources[4..].iter().all(|s| s == "GeoNames cities_xa.txt"));

    // --min-population leaves out Bar (600) and both Nurus; without --country, XB's city comes in
    // (and without --admin1, every admin1 code is accepted: Mbéli too).
    let (out, _) = import_xa(tmp.path(), &["--min-population", "5000"]);
    let names: Vec<String> = gazetteer_rows(&out).into_iter().map(|r| r[0].clone()).collect();
    assert!(!names.iter().any(|n| n == "Bar" || n == "Nuru"), "{names:?}");
    let all = tmp.path().join("all.csv");
    ok(&["gazetteer", "import", "--format", "geonames-cities", "tests/data/geonames/cities_xa.txt", "--out", s(&all)]);
    let regions: Vec<(String, String)> = gazetteer_rows(&all).into_iter().map(|r| (r[0].clone(), r[2].clone())).collect();
    assert!(regions.contains(&("Côte-Blanche".into(), "XB-01".into())) && regions.contains(&("Mbéli".into(), "XA-05".into())), "{regions:?}");

    // The admin1 file alone.
    let admin1 = tmp.path().join("admin1.csv");
    ok(&["gazetteer", "import", "--format", "geonames-admin1", "tests/data/geonames/admin1CodesASCII.txt", "--out", s(&admin1)]);
    let rows = gazetteer_rows(&admin1);
    // "Region Cotiere" folds to the same matching form as "Région Côtière": not written again.
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert_eq!(rows[4], ["Région Côtière", "", "XB-01", "admin1", "", ""].map(String::from));
}

#[test]
fn malformed_geonames_lines_are_listed_and_nothing_is_written() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("bad.csv");
    let o = tocsin(&["gazetteer", "import", "--format", "geonames-cities", "tests/data/geonames/cities_bad.txt", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("2 malformed line(s)"), "{err}");
    assert!(err.contains("cities_bad.txt:2: 18 tab-separated fields, the geoname table has 19"), "{err}");
    assert!(err.contains("cities_bad.txt:3: population `many` is not a whole number"), "{err}");
    assert!(!out.exists(), "a failed import writes nothing");
    // An admin1 file given as cities is malformed on every line.
    let o = tocsin(&["gazetteer", "import", "--format", "geonames-cities", "tests/data/geonames/admin1CodesASCII.txt", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("admin1CodesASCII.txt:5: 4 tab-separated fields"), "{}", text(&o.stderr));
}

/// (date, region, lang, category, target) → [docs, copies, docs_flagged, copies_flagged, authors, authors_seen].
type Series = BTreeMap<(String, String, String, String, String), [i64; 6]>;

fn read_series(out: &Path) -> Series {
    let col = |b: &RecordBatch, n: &str| b.column_by_name(n).unwrap_or_else(|| panic!("no column {n}")).clone();
    let mut map = Series::new();
    for e in std::fs::read_dir(out.join("timeseries")).unwrap() {
        let p = e.unwrap().path();
        let date = p.file_name().unwrap().to_string_lossy().strip_prefix("date=").unwrap().to_string();
        for b in tocsin::sink::parquet::read_batches(&p.join("part-0.parquet")).unwrap() {
            let strs: Vec<StringArray> =
                ["region", "lang", "category", "target"].iter().map(|n| col(&b, n).as_any().downcast_ref::<StringArray>().unwrap().clone()).collect();
            let ints: Vec<Int64Array> = ["docs", "copies", "docs_flagged", "copies_flagged", "authors", "authors_seen"]
                .iter()
                .map(|n| col(&b, n).as_any().downcast_ref::<Int64Array>().unwrap().clone())
                .collect();
            for r in 0..b.num_rows() {
                let k = (date.clone(), strs[0].value(r).into(), strs[1].value(r).into(), strs[2].value(r).into(), strs[3].value(r).into());
                map.insert(k, std::array::from_fn(|i| ints[i].value(r)));
            }
        }
    }
    map
}

fn get(series: &Series, region: &str, category: &str) -> [i64; 6] {
    *series
        .get(&("2025-10-01".into(), region.into(), "en".into(), category.into(), "*".into()))
        .unwrap_or_else(|| panic!("no row {region} {category}: {series:#?}"))
}

fn pipeline(dir: &Path, gazetteer: &Path, threads: usize, regions_extra: &str) -> PathBuf {
    let cfg = dir.join(format!("regions-{threads}.toml"));
    let toml = format!(
        "output = {out}\nthreads = {threads}\nlexicons = [{lex}]\n\n[[sources]]\nname = \"social\"\nformat = \"jsonl\"\npaths = [{a}, {b}]\n\n[sources.fields]\nlocation = \"user_location\"\n\n[regions]\nsource_table = {table}\ngazetteers = [{g}]\n{regions_extra}",
        out = tocsin::config::toml_string(s(&dir.join(format!("out-{threads}")))),
        lex = tocsin::config::toml_string(s(&data("lexicon.csv"))),
        a = tocsin::config::toml_string(s(&data("regions/posts.jsonl"))),
        b = tocsin::config::toml_string(s(&data("regions/reposts.jsonl"))),
        table = tocsin::config::toml_string(s(&data("regions/sources.csv"))),
        g = tocsin::config::toml_string(s(gazetteer)),
    );
    std::fs::write(&cfg, toml).unwrap();
    cfg
}

#[test]
fn documents_without_a_region_are_placed_by_table_location_or_text_or_counted_unknown() {
    let tmp = TempDir::new().unwrap();
    let (gazetteer, _) = import_xa(tmp.path(), &[]);
    let cfg = pipeline(tmp.path(), &gazetteer, 1, "");
    ok(&["run", "--quiet", s(&cfg)]);
    let out = tmp.path().join("out-1");
    let m: Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    // r1 has its own region; r10's channel is in the table; r2, r8 ("Tarsa-Nord") and r6 ("Bar, Xandia":
    // a location-only name) by the author's location; r3 and r9 (Port Asari) by the text; r4 names only
    // Nuru, which is in two regions, and r7 names two regions once each: ambiguous; r5's "bar" is not
    // a place in free text: unknown.
    assert_eq!(m["regions"]["placed_by"], serde_json::json!({"field": 1, "source_table": 1, "location": 3, "text": 2, "ambiguous": 2, "unknown": 1}));
    assert_eq!(m["regions"]["order"], serde_json::json!(["field", "source_table", "location", "text"]));
    assert_eq!(m["regions"]["gazetteers"][0]["rows"], 17);
    assert_eq!(m["regions"]["source_table"]["rows"], 1);
    assert_eq!(m["totals"]["accepted"], 10);

    let series = read_series(&out);
    // [docs, copies, docs_flagged, copies_flagged, authors, authors_seen]
    assert_eq!(get(&series, "XA-04", "all"), [1, 1, 0, 0, 0, 1]);
    // r8 is r2 again ("They are  VERMIN"): one document, two copies, both authors; r10 by the table.
    assert_eq!(get(&series, "XA-01", "all"), [2, 3, 1, 2, 2, 3]);
    assert_eq!(get(&series, "XA-01", "dehumanisation"), [2, 3, 1, 2, 2, 3]);
    assert_eq!(get(&series, "XA-02", "all"), [1, 2, 0, 0, 0, 2]);
    assert_eq!(get(&series, "XA-03", "all"), [1, 1, 0, 0, 0, 1]);
    assert_eq!(get(&series, "unknown", "all"), [3, 3, 0, 0, 0, 3]);
    let regions: std::collections::BTreeSet<&str> = series.keys().map(|k| k.1.as_str()).collect();
    assert_eq!(regions.into_iter().collect::<Vec<_>>(), ["XA-01", "XA-02", "XA-03", "XA-04", "unknown"]);

    // The same inputs on several threads (the two files in different parts, merged): the same bytes.
    let cfg = pipeline(tmp.path(), &gazetteer, 4, "");
    ok(&["run", "--quiet", s(&cfg)]);
    let part = "timeseries/date=2025-10-01/part-0.parquet";
    assert_eq!(std::fs::read(out.join(part)).unwrap(), std::fs::read(tmp.path().join("out-4").join(part)).unwrap());

    // Text before location, no table, and min_population: r2 and r8 name no place in their text and
    // fall back to their location string; r7 stays ambiguous; r10's channel is no longer looked up.
    let cfg = pipeline(tmp.path(), &gazetteer, 2, "order = [\"field\", \"text\", \"location\"]\nmin_population = 5000\n");
    ok(&["run", "--quiet", s(&cfg)]);
    let m: Value = serde_json::from_slice(&std::fs::read(tmp.path().join("out-2/manifest.json")).unwrap()).unwrap();
    // Without the table, r10 is unknown; min_population drops Bar and both Nurus: r6's location and r4's
    // text place nothing (r4 is now unknown, not ambiguous).
    assert_eq!(m["regions"]["placed_by"], serde_json::json!({"field": 1, "source_table": 0, "location": 2, "text": 2, "ambiguous": 1, "unknown": 4}));
}

#[test]
fn a_bad_gazetteer_or_regions_table_fails_validation_with_every_problem() {
    let tmp = TempDir::new().unwrap();
    let cfg = tmp.path().join("bad.toml");
    let toml = format!(
        "output = {out}\nlexicons = [{lex}]\n\n[[sources]]\nname = \"social\"\nformat = \"jsonl\"\npaths = [{a}]\n\n[regions]\norder = [\"text\", \"source_table\"]\ngazetteers = [{g}, \"missing.csv\"]\nsample = 3\n",
        out = tocsin::config::toml_string(s(&tmp.path().join("out"))),
        lex = tocsin::config::toml_string(s(&data("lexicon.csv"))),
        a = tocsin::config::toml_string(s(&data("regions/posts.jsonl"))),
        g = tocsin::config::toml_string(s(&data("regions/bad_gazetteer.csv"))),
    );
    std::fs::write(&cfg, toml).unwrap();
    let o = tocsin(&["validate", s(&cfg)]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    for want in [
        "bad.toml:12: unknown field `sample`",
        "bad.toml:10: regions.order names `source_table`, but regions.source_table is not set",
        "bad.toml:11: gazetteer",
        "missing.csv` does not exist",
        "bad_gazetteer.csv:3: region `XA 01`",
        "bad_gazetteer.csv:3: kind `village`",
        "bad_gazetteer.csv:3: population `lots`",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    // Nothing was written.
    assert!(!tmp.path().join("out").exists());
}
