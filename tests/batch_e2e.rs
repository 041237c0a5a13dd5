//! The batch API (issue 10) against `tocsin run`: the demo's social posts
//! (JSON lines) and the same posts as a Parquet-like columnar batch, split
//! into several partials in a scattered order, serialised, merged and
//! written, must give byte-identical time series and evidence files.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow_array::{ArrayRef, BinaryArray, Int64Array, RecordBatch, StringArray};
use tempfile::TempDir;
use tocsin::batch::{self, BatchPipeline, StoreInput};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The demo pipeline with only its JSON lines source, writing to `out`.
fn social_config(dir: &Path, out: &Path) -> PathBuf {
    let r = repo();
    let text = format!(
        r#"name = "demo-social"
demo = true
output = "{out}"
timezone = "Africa/Nairobi"
lexicons = []

[aggregate]
keys = ["region", "lang", "target"]

[[sources]]
name = "social"
paths = ["{r}/datasets/demo/social/*.jsonl.gz"]
format = "jsonl"

[sources.fields]
id = "id"
text = "text"
lang = "lang"
region = "region"
timestamp = "timestamp"
author = "author"
source = "source"
reach = ["metrics.views", "metrics.shares"]

[regions]
order = ["field", "source_table", "location", "text"]
source_table = "{r}/datasets/demo/channels.csv"
gazetteers = ["{r}/gazetteers/xa.csv"]
"#,
        out = out.display(),
        r = r.display()
    );
    let path = dir.join("social.toml");
    std::fs::write(&path, text).expect("config");
    path
}

/// The raw lines of the demo's posts (some are not valid UTF-8 or not JSON, on purpose).
fn demo_lines() -> Vec<Vec<u8>> {
    let f = std::fs::File::open(repo().join("datasets/demo/social/posts.jsonl.gz")).expect("demo posts");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(f), &mut bytes).expect("gunzip");
    bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).filter(|l| !l.is_empty()).collect()
}

/// Every file under `dir/sub`, relative path → bytes.
fn files(dir: &Path, sub: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join(sub)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).expect("under").display().to_string(), std::fs::read(&p).expect("read")));
            }
        }
    }
    out.sort();
    out
}

fn single_run(tmp: &TempDir) -> (PathBuf, PathBuf) {
    let single = tmp.path().join("single");
    let config = social_config(tmp.path(), &single);
    let out = Command::new(env!("CARGO_BIN_EXE_tocsin")).arg("run").arg(&config).env_remove("TOCSIN_LEXICONS").output().expect("run tocsin");
    assert!(out.status.success(), "tocsin run failed: {}", String::from_utf8_lossy(&out.stderr));
    (config, single)
}

#[test]
fn raw_lines_in_scattered_partials_write_the_same_store_as_tocsin_run() {
    let tmp = TempDir::new().expect("tmp");
    let (config, single) = single_run(&tmp);
    let pipeline = BatchPipeline::load(&config).expect("load");
    let lines = demo_lines();
    // Three partials, each given every third line, in two batches each: reposts land in different parts.
    let mut serialised = Vec::new();
    for part in 0..3 {
        let mine: Vec<&[u8]> = lines.iter().enumerate().filter(|(i, _)| i % 3 == part).map(|(_, l)| l.as_slice()).collect();
        let mut p = pipeline.partial();
        for half in mine.chunks(mine.len() / 2 + 1) {
            let col: ArrayRef = Arc::new(BinaryArray::from_iter_values(half.iter()));
            let b = RecordBatch::try_from_iter([("value", col)]).expect("batch");
            p.add(&pipeline, "social", &format!("posts-{part}"), &b).expect("add");
        }
        serialised.push(p.to_batch(&format!("part-{part}")));
    }
    // Handed back mixed, in reverse.
    serialised.reverse();
    let merged = batch::merge(&serialised).expect("merge");
    let cluster = tmp.path().join("cluster");
    let summary = batch::write_store(&pipeline, &cluster, StoreInput::from_partial(merged)).expect("write");
    assert!(summary.indicators.is_some() && summary.docs_flagged > 0);
    let (a, b) = (files(&single, "timeseries"), files(&cluster, "timeseries"));
    assert!(a.len() > 30, "{} time series files", a.len());
    assert_eq!(a, b, "time series differ");
    assert_eq!(files(&single, "evidence"), files(&cluster, "evidence"), "evidence differs");
    let manifest = |d: &Path| -> serde_json::Value { serde_json::from_slice(&std::fs::read(d.join("manifest.json")).expect("manifest")).expect("json") };
    let (m1, m2) = (manifest(&single), manifest(&cluster));
    assert_eq!(m1["totals"], m2["totals"]);
    assert_eq!(m1["regions"]["placed_by"], m2["regions"]["placed_by"]);
    assert!(cluster.join("indicators").is_dir() && cluster.join("report.html").is_file());
}

#[test]
fn columnar_batches_merged_per_group_count_as_their_raw_lines() {
    let tmp = TempDir::new().expect("tmp");
    let config = social_config(tmp.path(), &tmp.path().join("unused"));
    let pipeline = BatchPipeline::load(&config).expect("load");
    // The posts whose mapped fields have plain types, as columns (what Spark's JSON reader or a Parquet file gives,
    // reach flattened to `metrics.views` and `metrics.shares`) and as their raw lines.
    let strings = ["id", "text", "lang", "region", "timestamp", "author", "source"];
    let typed = |v: &serde_json::Value| {
        strings.iter().all(|k| v.get(*k).is_none_or(|x| x.is_string() || x.is_null()))
            && ["/metrics/views", "/metrics/shares"].iter().all(|k| v.pointer(k).is_none_or(|x| x.is_i64()))
    };
    let (raw, values): (Vec<&[u8]>, Vec<serde_json::Value>) =
        demo_lines_owned().iter().filter_map(|l| serde_json::from_slice::<serde_json::Value>(l).ok().filter(typed).map(|v| (leak(l), v))).unzip();
    assert!(values.len() > 4000, "{} typed posts", values.len());
    let col = |k: &str| -> ArrayRef { Arc::new(values.iter().map(|v| v.get(k).and_then(|x| x.as_str()).map(String::from)).collect::<StringArray>()) };
    let num = |k: &str| -> ArrayRef { Arc::new(values.iter().map(|v| v.pointer(k).and_then(|x| x.as_i64())).collect::<Int64Array>()) };
    let mut fields: Vec<(&str, ArrayRef)> = strings.iter().map(|k| (*k, col(k))).collect();
    fields.push(("metrics.views", num("/metrics/views")));
    fields.push(("metrics.shares", num("/metrics/shares")));
    fields.push(("unmapped", col("text")));
    let b = RecordBatch::try_from_iter(fields).expect("batch");

    let mut whole = pipeline.partial();
    let lines: ArrayRef = Arc::new(BinaryArray::from_iter_values(raw.iter()));
    whole.add(&pipeline, "social", "lines", &RecordBatch::try_from_iter([("value", lines)]).expect("batch")).expect("add");
    let want = whole.rows();
    assert!(want.len() > 100);

    let half = b.num_rows() / 2;
    let mut parts = Vec::new();
    for (i, slice) in [b.slice(0, half), b.slice(half, b.num_rows() - half)].iter().enumerate() {
        let mut p = pipeline.partial();
        p.add(&pipeline, "social", "columns", slice).expect("add");
        parts.push(p.to_batch(&format!("c{i}")));
    }
    // Merged as an engine's group-by on date, region, lang and source would: each group apart, any order.
    let mut series = Vec::new();
    let mut groups: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    let all = arrow_select_concat(&parts);
    for i in 0..all.num_rows() {
        let key = ["kind", "date", "region", "lang", "source"]
            .iter()
            .map(|c| arrow_cast_string(all.column_by_name(c).expect("col"), i))
            .collect::<Vec<_>>()
            .join("|");
        if batch::STATE_KINDS.iter().any(|k| key.starts_with(&format!("{k}|"))) {
            groups.entry(key.split_once('|').expect("kind").1.to_string()).or_default().push(i);
        }
    }
    for rows in groups.values().rev() {
        let idx = arrow_array::UInt32Array::from_iter_values(rows.iter().map(|&i| i as u32));
        let columns: Vec<ArrayRef> = all.columns().iter().map(|c| arrow_array_take(c, &idx)).collect();
        let group = RecordBatch::try_new(all.schema(), columns).expect("group");
        series.push(batch::merge_to_series(&[group]).expect("merge"));
    }
    assert_eq!(batch::series_rows(&series).expect("rows"), want);
    let input = StoreInput::from_series(&series, &parts).expect("input");
    let out = tmp.path().join("cluster");
    batch::write_store(&pipeline, &out, input).expect("write");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest")).expect("json");
    assert_eq!(m["totals"]["read"].as_u64(), Some(values.len() as u64));

    // A batch without the text column fails whole, naming what is missing; so does an unknown source.
    let bad = RecordBatch::try_from_iter([("id", col("id"))]).expect("batch");
    let err = pipeline.partial().add(&pipeline, "social", "bad", &bad).unwrap_err().to_string();
    assert!(err.contains("`text`") && err.contains("social"), "{err}");
    let err = pipeline.partial().add(&pipeline, "nope", "x", &b).unwrap_err().to_string();
    assert!(err.contains("social"), "{err}");
    // Signals per document: one row per accepted document.
    let signals = pipeline.analyse("social", "columns", &b).expect("analyse");
    assert_eq!(signals.num_rows() as u64, m["totals"]["accepted"].as_u64().expect("accepted"));
}

fn demo_lines_owned() -> &'static [Vec<u8>] {
    Box::leak(demo_lines().into_boxed_slice())
}

fn leak(l: &'static Vec<u8>) -> &'static [u8] {
    l.as_slice()
}

fn arrow_select_concat(parts: &[RecordBatch]) -> RecordBatch {
    let schema = parts[0].schema();
    let columns = (0..schema.fields().len())
        .map(|i| {
            let arrays: Vec<&dyn arrow_array::Array> = parts.iter().map(|b| b.column(i).as_ref()).collect();
            arrow_select::concat::concat(&arrays).expect("concat")
        })
        .collect();
    RecordBatch::try_new(schema, columns).expect("concat")
}

fn arrow_cast_string(a: &ArrayRef, i: usize) -> String {
    use arrow_array::cast::AsArray;
    use arrow_array::Array;
    match a.data_type() {
        _ if a.is_null(i) => String::new(),
        arrow_schema::DataType::Date32 => a.as_primitive::<arrow_array::types::Date32Type>().value(i).to_string(),
        _ => a.as_string::<i32>().value(i).to_string(),
    }
}

fn arrow_array_take(a: &ArrayRef, idx: &arrow_array::UInt32Array) -> ArrayRef {
    arrow_select::take::take(a.as_ref(), idx, None).expect("take")
}
