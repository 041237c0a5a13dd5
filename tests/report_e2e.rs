//! The morning report (issue 6): `tocsin run` on the shipped demo writes
//! `report.html`; the page is parsed back and checked against the store
//! (every region, every current alert), for self-containment (no external
//! resource, no script) and for determinism. A hand-built evidence store
//! checks masking and that hostile snippets cannot inject markup.
//!
//! The page is parsed with quick-xml, already a dependency: the report is
//! written as well-formed XML on purpose, so a strict parser both reads it
//! and proves that every element is closed (a browser's lenient parser would
//! accept broken markup silently). Text and attributes are unescaped by the
//! parser, so a snippet's `<script>` shows up as text, never as an element.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, BooleanArray, Int32Array, Int64Array, ListArray, RecordBatch, StringArray, StructArray, TimestampMillisecondArray};
use arrow_schema::{DataType, Field, Fields, Schema};
use chrono::NaiveDate;
use quick_xml::events::Event;
use serde_json::Value;
use tempfile::TempDir;
use tocsin::aggregate::SeriesRow;
use tocsin::sink::{parquet, timeseries};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn tocsin(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_tocsin"))
        .current_dir(repo())
        .env_remove("TOCSIN_LOG")
        .env_remove("TOCSIN_LEXICONS")
        .env_remove("TOCSIN_PSEUDONYM_KEY")
        .args(args)
        .output()
        .expect("run tocsin");
    assert!(o.status.success(), "tocsin {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}", o.status, text(&o.stdout), text(&o.stderr));
    o
}

// ---------------------------------------------------------------------------
// A small DOM from quick-xml events.
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
struct Node {
    name: String,
    attrs: BTreeMap<String, String>,
    children: Vec<Node>,
    /// Text directly inside, references resolved.
    text: String,
}

impl Node {
    /// Every element below (and including) this one, depth first.
    fn all(&self) -> Vec<&Node> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.all());
        }
        out
    }

    fn find_all(&self, name: &str) -> Vec<&Node> {
        self.all().into_iter().filter(|n| n.name == name).collect()
    }

    fn by_id(&self, id: &str) -> Option<&Node> {
        self.all().into_iter().find(|n| n.attrs.get("id").is_some_and(|i| i == id))
    }

    /// All text below, concatenated.
    fn text_content(&self) -> String {
        let mut s = self.text.clone();
        for c in &self.children {
            s.push_str(&c.text_content());
        }
        s
    }
}

/// Parses the page strictly: every element closed, end tags matching, attributes quoted.
fn parse(html: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(html);
    reader.config_mut().check_end_names = true;
    let mut stack = vec![Node { name: "#document".into(), ..Node::default() }];
    let element = |e: &quick_xml::events::BytesStart| {
        let mut n = Node { name: String::from_utf8(e.name().as_ref().to_vec()).unwrap().to_ascii_lowercase(), ..Node::default() };
        for a in e.attributes() {
            let a = a.expect("well-formed attribute");
            n.attrs.insert(String::from_utf8(a.key.as_ref().to_vec()).unwrap().to_ascii_lowercase(), a.unescape_value().expect("attribute value").into_owned());
        }
        n
    };
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("not well-formed at byte {}: {e}", reader.buffer_position())) {
            Event::Start(e) => stack.push(element(&e)),
            Event::Empty(e) => {
                let n = element(&e);
                stack.last_mut().unwrap().children.push(n);
            }
            Event::End(_) => {
                let n = stack.pop().unwrap();
                stack.last_mut().expect("an end tag without a start").children.push(n);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.decode().unwrap()),
            Event::CData(t) => stack.last_mut().unwrap().text.push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap().into_owned();
                let resolved = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&name).unwrap_or_else(|| panic!("unknown entity &{name};")).to_string(),
                };
                stack.last_mut().unwrap().text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements: {:?}", stack.iter().map(|n| &n.name).collect::<Vec<_>>());
    stack.pop().unwrap()
}

/// No script, no external resource of any kind.
fn assert_self_contained(html: &str, doc: &Node) {
    assert!(doc.find_all("script").is_empty(), "a <script> element");
    assert!(doc.find_all("link").is_empty(), "a <link> element");
    assert!(doc.find_all("iframe").is_empty() && doc.find_all("object").is_empty() && doc.find_all("embed").is_empty());
    for n in doc.all() {
        for (k, v) in &n.attrs {
            assert!(!k.starts_with("on"), "event handler attribute {k}={v:?} on <{}>", n.name);
            if ["src", "href", "xlink:href", "action", "srcset", "poster"].contains(&k.as_str()) {
                assert!(v.starts_with('#'), "<{} {k}={v:?}>: only in-page links are allowed", n.name);
            }
        }
    }
    let lower = html.to_ascii_lowercase();
    for bad in ["http://", "https://", "@import", "url(", "<script", "<link", "javascript:", "//fonts."] {
        assert!(!lower.contains(bad), "the page contains `{bad}`");
    }
}

// ---------------------------------------------------------------------------
// The demo.
// ---------------------------------------------------------------------------

/// Runs pipelines/demo.toml once into a temporary output (paths made absolute).
fn demo_run() -> &'static (TempDir, PathBuf, String) {
    static DEMO: OnceLock<(TempDir, PathBuf, String)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let tmp = TempDir::new_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let out = tmp.path().join("out").join("demo");
        let toml = std::fs::read_to_string(repo().join("pipelines/demo.toml")).unwrap();
        let root = format!("{}/", s(&repo()));
        let toml = toml.replace("\"../out/demo\"", &format!("\"{}\"", s(&out))).replace("\"../", &format!("\"{root}"));
        assert!(toml.contains(s(&out)), "demo.toml's output is no longer ../out/demo:\n{toml}");
        let cfg = tmp.path().join("demo.toml");
        std::fs::write(&cfg, toml).unwrap();
        let o = tocsin(&["run", s(&cfg)]);
        (tmp, out, text(&o.stdout))
    })
}

#[test]
fn the_demo_run_writes_a_self_contained_report_with_every_region_and_alert() {
    let (_tmp, out, stdout) = demo_run();
    let path = out.join("report.html");
    assert!(stdout.contains(&format!("report: {}", s(&path))), "the run names its report:\n{stdout}");
    let html = std::fs::read_to_string(&path).unwrap();
    let doc = parse(&html);
    assert_self_contained(&html, &doc);
    assert!(std::fs::read_dir(out).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains(".tmp")), "no temporary file left");

    // The header names the run.
    let manifest: Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(doc.by_id("run-id").unwrap().text_content(), manifest["run_id"].as_str().unwrap());
    assert_eq!(doc.by_id("latest-date").unwrap().text_content(), "2026-10-30");

    // Every region of the time series has its card and its charts.
    let history = tocsin::indicators::store::read_history(out).unwrap();
    let regions: BTreeSet<&str> = history.regions.keys().map(String::as_str).collect();
    assert!(regions.is_superset(&BTreeSet::from(["XA-CE", "XA-EA", "XA-NO", "XA-SO"])), "{regions:?}");
    let cards: BTreeSet<&str> = doc.by_id("summary").unwrap().all().iter().filter_map(|n| n.attrs.get("data-region")).map(String::as_str).collect();
    assert_eq!(cards, regions);
    for r in &regions {
        let block = doc.by_id(&format!("region-{r}")).unwrap_or_else(|| panic!("no charts of {r}"));
        let figures = block.find_all("figure");
        assert!(figures.len() >= 6, "{r}: {} charts", figures.len());
        assert!(figures.iter().all(|f| f.find_all("svg").len() == 1));
    }

    // Every current alert of indicators_latest.json is a row of the alerts table.
    let latest: Value = serde_json::from_slice(&std::fs::read(out.join("indicators_latest.json")).unwrap()).unwrap();
    let table = doc.by_id("alerts-table").expect("an alerts table");
    let rows: BTreeMap<&str, &Node> = table.find_all("tr").into_iter().filter_map(|tr| tr.attrs.get("data-key").map(|k| (k.as_str(), tr))).collect();
    let mut expected = 0;
    for region in latest["regions"].as_array().unwrap() {
        let name = region["region"].as_str().unwrap();
        for (level, list) in [("high", &region["high"]), ("elevated", &region["elevated"])] {
            for alert in list.as_array().unwrap() {
                let alert = alert.as_str().unwrap();
                let (indicator, target) = alert.split_once(':').unwrap_or((alert, "*"));
                let key = format!("{name}|{indicator}|{target}");
                let tr = rows.get(key.as_str()).unwrap_or_else(|| panic!("alert {key} is not in the table"));
                assert_eq!(tr.attrs["class"], level, "{key}");
                let cells: Vec<String> = tr.find_all("td").iter().map(|td| td.text_content()).collect();
                assert_eq!(cells[0], name);
                assert_eq!(cells[1], indicator);
                assert_eq!(cells[3], level);
                expected += 1;
            }
        }
    }
    assert_eq!(rows.len(), expected, "the table holds the current alerts and nothing else");
    assert!(expected >= 10, "the demo's XA-NO raises many indicators ({expected})");

    // The escalation at a glance: the banner is red and names XA-NO; its charts come first and show high days.
    let banner = doc.by_id("headline").unwrap();
    assert_eq!(banner.attrs["class"], "banner high");
    let headline = banner.text_content();
    assert!(headline.contains("HIGH: XA-NO") && !headline.contains("XA-SO ("), "{headline}");
    let charts = doc.by_id("charts").unwrap();
    let first = charts.all().into_iter().find(|n| n.attrs.get("id").is_some_and(|i| i.starts_with("region-"))).unwrap();
    assert_eq!(first.attrs["id"], "region-XA-NO");
    let targeting = first.all().into_iter().find(|n| n.attrs.get("data-series").is_some_and(|s| s == "targeting")).unwrap();
    let high_days = targeting.all().iter().filter(|n| n.name == "circle" && n.attrs.get("class").is_some_and(|c| c == "high")).count();
    assert!(high_days >= 10, "XA-NO targeting: {high_days} high days marked");
    for r in ["XA-SO", "XA-EA", "XA-CE"] {
        let block = doc.by_id(&format!("region-{r}")).unwrap();
        assert_eq!(block.find_all("circle").len(), 0, "{r} has no raised day in the demo");
    }

    // Data quality reconciles with the manifest.
    let sources = doc.by_id("sources-table").unwrap();
    let all_row = sources.find_all("tr").into_iter().find(|tr| tr.find_all("td").first().is_some_and(|td| td.text_content() == "all")).unwrap();
    let cells: Vec<String> = all_row.find_all("td").iter().map(|td| td.text_content()).collect();
    assert_eq!(cells[1], manifest["totals"]["read"].to_string());
    assert_eq!(cells[3], manifest["totals"]["rejected"].to_string());
    let rejects: usize =
        doc.by_id("rejects-table").unwrap().find_all("tr").iter().skip(1).map(|tr| tr.find_all("td")[2].text_content().parse::<usize>().unwrap()).sum();
    assert_eq!(rejects as u64, manifest["totals"]["rejected"].as_u64().unwrap());

    // Evidence: the sample when the store has it, else a sentence that says so.
    if out.join("evidence").is_dir() {
        // Twenty documents, each snippet masked where its findings are (every one has a hostile finding), none withheld.
        let shown = snippets(&doc);
        assert_eq!(shown.len(), 20);
        assert!(
            shown.iter().all(|s| s.contains("[dehumanisation]")
                || s.contains("[violence_call]")
                || s.contains("[mobilisation]")
                || s.contains("[accusation_in_mirror]")
                || s.contains("[disloyalty]")
                || s.contains("[exclusion]")
                || s.contains("[derogation]")
                || s.contains("[slur]")),
            "{shown:#?}"
        );
        assert!(!html.contains("snippet withheld"));
        assert!(doc.by_id("terms-table").is_some());
    } else {
        assert!(doc.by_id("no-evidence").is_some());
    }
}

#[test]
fn the_report_of_a_store_is_the_same_every_time() {
    let (tmp, out, _) = demo_run();
    let a = tmp.path().join("a.html");
    let b = tmp.path().join("b.html");
    let o = tocsin(&["report", "--out", s(out), "--output", s(&a)]);
    assert!(text(&o.stdout).contains(s(&a)));
    tocsin(&["report", "--out", s(out), "--output", s(&b)]);
    let first = std::fs::read(&a).unwrap();
    assert_eq!(first, std::fs::read(&b).unwrap(), "two reports of one store differ");
    assert_eq!(first, std::fs::read(out.join("report.html")).unwrap(), "the run's report and `tocsin report` differ");
}

// ---------------------------------------------------------------------------
// A hand-built store with hostile evidence.
// ---------------------------------------------------------------------------

const SPEAKER: &str = "0123456789abcdef0123456789abcdef";

fn date(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + chrono::Duration::days(n)
}

/// 20 days of one region, 30 documents a day, one hostile.
fn write_timeseries(store: &Path) {
    let mut rows = Vec::new();
    for n in 0..20 {
        for (category, target) in [("all", "*"), ("dehumanisation", "*"), ("dehumanisation", "ethnicity:oru")] {
            rows.push(SeriesRow {
                date: date(n),
                region: "XA-T".into(),
                lang: "en".into(),
                source: "*".into(),
                category: category.into(),
                target: target.into(),
                docs: 30,
                copies: 30,
                docs_flagged: 1,
                copies_flagged: 1,
                docs_reported: 0,
                matches: 1,
                hostile: 1,
                reported: 0,
                discounted: 0,
                authors: 1,
                sources: 1,
                reach: 10,
                authors_seen: 30,
                sources_seen: 1,
                reach_seen: 300,
            });
        }
    }
    for (day, batch) in timeseries::batches_by_day(&rows) {
        let path = store.join(timeseries::partition_path("timeseries", day));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        parquet::write_batch(&path, &batch).unwrap();
    }
}

fn strings(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn string_lists(v: &[Vec<&str>]) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for row in v {
        for x in row {
            b.values().append_value(x);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

/// One signal: category, target, term, severity, matched text, its byte offset in the original text.
type Sig<'a> = (&'a str, Option<&'a str>, &'a str, i32, &'a str, usize);

fn signal_lists(v: &[Vec<Sig>]) -> ArrayRef {
    let flat: Vec<&Sig> = v.iter().flatten().collect();
    let modifiers = Field::new("modifiers", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), false);
    let fields = Fields::from(vec![
        Field::new("category", DataType::Utf8, false),
        Field::new("target", DataType::Utf8, true),
        Field::new("rule", DataType::Utf8, false),
        Field::new("term", DataType::Utf8, false),
        Field::new("start", DataType::Int64, false),
        Field::new("end", DataType::Int64, false),
        Field::new("severity", DataType::Int32, false),
        Field::new("status", DataType::Utf8, false),
        modifiers,
        Field::new("text", DataType::Utf8, true),
    ]);
    let columns: Vec<ArrayRef> = vec![
        strings(&flat.iter().map(|s| Some(s.0)).collect::<Vec<_>>()),
        strings(&flat.iter().map(|s| s.1).collect::<Vec<_>>()),
        strings(&flat.iter().map(|s| Some(s.2)).collect::<Vec<_>>()),
        strings(&flat.iter().map(|s| Some(s.2)).collect::<Vec<_>>()),
        Arc::new(Int64Array::from(flat.iter().map(|s| s.5 as i64).collect::<Vec<_>>())),
        Arc::new(Int64Array::from(flat.iter().map(|s| (s.5 + s.4.len()) as i64).collect::<Vec<_>>())),
        Arc::new(Int32Array::from(flat.iter().map(|s| s.3).collect::<Vec<_>>())),
        strings(&flat.iter().map(|s| Some(if s.0 == "group_reference" { "reference" } else { "hostile" })).collect::<Vec<_>>()),
        string_lists(&vec![Vec::new(); flat.len()]),
        strings(&flat.iter().map(|s| Some(s.4)).collect::<Vec<_>>()),
    ];
    let structs = StructArray::new(fields.clone(), columns, None);
    let offsets = arrow_buffer_offsets(v.iter().map(Vec::len));
    Arc::new(ListArray::new(Arc::new(Field::new("item", DataType::Struct(fields), true)), offsets, Arc::new(structs), None))
}

fn arrow_buffer_offsets(lengths: impl Iterator<Item = usize>) -> arrow_buffer::OffsetBuffer<i32> {
    arrow_buffer::OffsetBuffer::from_lengths(lengths)
}

/// The evidence of the last day: a hostile snippet that tries to inject markup, and a quiet one.
fn write_evidence(store: &Path) {
    // The first snippet is its whole text; the second was cut from a longer one (offsets point into the original).
    let first = "The Oru are cockroaches <script>alert('x')</script> \"><img src=x onerror=alert(1)> kill them all";
    let second = "A long preamble that the snippet left out. Nothing but vermin & worse, say <b>they</b>";
    let cut = format!("…{}", &second[second.find("Nothing").unwrap()..]);
    let snippets = [Some(first), Some(cut.as_str())];
    let n = snippets.len();
    let at = |text: &str, what: &str| text.find(what).unwrap();
    let signals: Vec<Vec<Sig>> = vec![
        vec![
            ("group_reference", Some("ethnicity:oru"), "oru", 1, "Oru", at(first, "Oru")),
            ("dehumanisation", Some("ethnicity:oru"), "cockroach", 3, "cockroaches", at(first, "cockroaches")),
            ("violence_call", Some("ethnicity:oru"), "kill", 3, "kill", at(first, "kill")),
        ],
        vec![("dehumanisation", None, "vermin", 2, "vermin", at(second, "vermin"))],
    ];
    let schema = Arc::new(Schema::new(vec![
        Field::new("doc_id", DataType::Utf8, false),
        Field::new("source_name", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("region", DataType::Utf8, false),
        Field::new("lang", DataType::Utf8, false),
        Field::new("timestamp", DataType::Timestamp(arrow_schema::TimeUnit::Millisecond, Some("UTC".into())), false),
        Field::new("speaker", DataType::Utf8, true),
        Field::new("speaker_type", DataType::Utf8, true),
        Field::new("reach", DataType::Int64, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("categories", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), false),
        Field::new("targets", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), false),
        Field::new("terms", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), false),
        Field::new("max_severity", DataType::Int32, false),
        Field::new("call_to_action", DataType::Boolean, false),
        Field::new("attributed", DataType::Boolean, false),
        Field::new("counter_speech", DataType::Boolean, false),
        Field::new("snippet", DataType::Utf8, true),
        Field::new("signals", signal_lists(&signals).data_type().clone(), false),
    ]));
    let ts = 1_792_000_000_000i64; // 2026-10-15, well inside; the partition says the day
    let columns: Vec<ArrayRef> = vec![
        strings(&[Some("doc-1"), Some("doc-2")]),
        strings(&[Some("social"), Some("social")]),
        strings(&[Some("<i>chan</i>"), Some("radio")]),
        strings(&[Some("XA-T"), Some("XA-T")]),
        strings(&[Some("en"), Some("en")]),
        Arc::new(TimestampMillisecondArray::from(vec![ts, ts + 60_000]).with_timezone("UTC")),
        strings(&[Some(SPEAKER), None]),
        strings(&[Some("user"), None]),
        Arc::new(Int64Array::from(vec![5000, 10])),
        strings(&[Some("hostile"), Some("hostile")]),
        string_lists(&[vec!["dehumanisation", "violence_call"], vec!["dehumanisation"]]),
        string_lists(&[vec!["ethnicity:oru"], vec![]]),
        string_lists(&[vec!["cockroach", "kill", "oru"], vec!["vermin"]]),
        Arc::new(Int32Array::from(vec![3, 2])),
        Arc::new(BooleanArray::from(vec![true, false])),
        Arc::new(BooleanArray::from(vec![false, false])),
        Arc::new(BooleanArray::from(vec![false, false])),
        strings(&snippets[..n]),
        signal_lists(&signals),
    ];
    let batch = RecordBatch::try_new(schema, columns).unwrap();
    let path = store.join("evidence/date=2026-10-20/part-0.parquet");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    parquet::write_batch(&path, &batch).unwrap();
}

fn snippets(doc: &Node) -> Vec<String> {
    doc.by_id("evidence")
        .unwrap()
        .all()
        .into_iter()
        .filter(|n| n.attrs.get("class").is_some_and(|c| c.starts_with("snippet")))
        .map(Node::text_content)
        .collect()
}

#[test]
fn evidence_is_masked_by_default_and_never_injects_markup() {
    let tmp = TempDir::new().unwrap();
    let store = tmp.path();
    write_timeseries(store);
    tocsin::indicators::compute(store, &tocsin::indicators::IndicatorOptions::default()).unwrap();
    write_evidence(store);

    tocsin(&["report", "--out", s(store)]);
    let html = std::fs::read_to_string(store.join("report.html")).unwrap();
    let doc = parse(&html);
    assert_self_contained(&html, &doc);
    assert!(doc.find_all("img").is_empty());
    assert!(doc.all().iter().all(|n| n.text != "chan" && n.text != "they"), "markup from data became an element");
    let shown = snippets(&doc);
    assert_eq!(shown.len(), 2, "{shown:?}");
    // Most severe first; its hostile words masked, the group's name and the markup shown as text.
    assert_eq!(shown[0], "The Oru are [dehumanisation] <script>alert('x')</script> \"><img src=x onerror=alert(1)> [violence_call] them all");
    assert_eq!(shown[1], "…Nothing but [dehumanisation] & worse, say <b>they</b>");
    assert!(!html.contains("cockroach <") && !html.contains("vermin &"), "the terms are in no snippet");
    // The speaker only as a short prefix.
    assert!(!html.contains(SPEAKER));
    assert!(html.contains("01234567…"));
    // The source's markup is text too.
    assert!(doc.by_id("evidence").unwrap().text_content().contains("social / <i>chan</i>"));
    // Top terms come from the evidence (group names are not hostile terms).
    let terms: Vec<String> = doc.by_id("terms-table").unwrap().find_all("tr").iter().skip(1).map(|tr| tr.find_all("td")[0].text_content()).collect();
    assert_eq!(terms, ["cockroach", "kill", "vermin"]);

    // --no-redact shows the snippets as stored, still as text.
    let raw = store.join("raw.html");
    tocsin(&["report", "--out", s(store), "--output", s(&raw), "--no-redact"]);
    let html = std::fs::read_to_string(&raw).unwrap();
    let doc = parse(&html);
    assert_self_contained(&html, &doc);
    let shown = snippets(&doc);
    assert!(shown[0].starts_with("The Oru are cockroaches <script>alert('x')</script>"), "{shown:?}");
    assert!(doc.find_all("img").is_empty());
}

#[test]
fn a_store_without_evidence_says_so_and_an_empty_folder_is_refused() {
    let tmp = TempDir::new().unwrap();
    write_timeseries(tmp.path());
    tocsin(&["report", "--out", s(tmp.path())]);
    let html = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    let doc = parse(&html);
    assert!(doc.by_id("no-evidence").is_some());
    assert!(doc.by_id("targets-table").unwrap().text_content().contains("ethnicity:oru"));
    // Without indicators, the footer says how to get them.
    assert!(html.contains("run `tocsin indicators` on this store"));

    let empty = TempDir::new().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_tocsin")).args(["report", "--out", s(empty.path())]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("holds no time series"), "{}", text(&o.stderr));
}

// ---------------------------------------------------------------------------
// A store written by two runs: the second run's report digests its own
// evidence days while writing them and reads only the earlier days back.
// ---------------------------------------------------------------------------

#[test]
fn a_second_night_s_report_is_what_tocsin_report_makes_of_the_store() {
    let tmp = TempDir::new_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let lexicon = tmp.path().join("lexicon.csv");
    std::fs::write(&lexicon, "term,lang,category\nvermin,en,dehumanisation\ntraitors,en,disloyalty\n").unwrap();
    let out = tmp.path().join("store");
    // Nights of 10 days each; the term table compares the last 7 days with the 28 before, across both runs.
    for (night, days) in [(1, 1..=10), (2, 11..=20)] {
        let mut jsonl = String::new();
        for d in days {
            for k in 0..6 {
                let text = match (d + k) % 3 {
                    0 => "They are vermin and must go.",
                    1 if d > 14 => "Those traitors sold the city, they are vermin.",
                    _ => "A quiet market day in the city.",
                };
                jsonl.push_str(&format!(
                    "{{\"id\":\"n{night}-{d}-{k}\",\"text\":\"{text}\",\"lang\":\"en\",\"region\":\"KE-30\",\"timestamp\":\"2026-10-{d:02}T{:02}:00:00Z\",\"author\":\"a{k}\",\"source\":\"web\"}}\n",
                    8 + k
                ));
            }
        }
        let input = tmp.path().join(format!("night{night}.jsonl"));
        std::fs::write(&input, jsonl).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_tocsin"))
            .current_dir(repo())
            .env("TOCSIN_PSEUDONYM_KEY", "report-test-key-0123456789")
            .env_remove("TOCSIN_LOG")
            .env_remove("TOCSIN_LEXICONS")
            .args(["--quiet", "run", "--input", s(&input), "--lexicon", s(&lexicon), "--out", s(&out), "--threads", "2"])
            .output()
            .expect("run tocsin");
        assert!(o.status.success(), "night {night}: {}", text(&o.stderr));
    }
    let again = tmp.path().join("again.html");
    tocsin(&["report", "--out", s(&out), "--output", s(&again)]);
    let run_report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(run_report, std::fs::read_to_string(&again).unwrap(), "the second run's report and `tocsin report` differ");
    let doc = parse(&run_report);
    assert!(doc.by_id("terms-table").is_some(), "the evidence of both nights gives a term table");
    // Cells as text: "vermin" in 26 documents of the last 7 days (days 14-20) and 26 of the days before,
    // which lie in both nights; "traitors" only in the second night.
    let cells: Vec<String> =
        run_report.split("<td").skip(1).map(|c| c.split_once('>').map_or("", |x| x.1).split("</td>").next().unwrap_or("").to_string()).collect();
    let row = |term: &str| cells.iter().position(|c| c == term).map(|i| cells[i + 1..i + 6].to_vec());
    assert_eq!(row("vermin"), Some(vec!["dehumanisation".into(), "en".into(), "KE-30".into(), "26".into(), "26".into()]), "{cells:?}");
    assert_eq!(row("traitors"), Some(vec!["disloyalty".into(), "en".into(), "KE-30".into(), "12".into(), "0".into()]), "{cells:?}");
}
