//! Limits on hostile and broken records (issue 9, part 2): each is a reject
//! with a reason that says which limit, never a crash, a hang or a silently
//! dropped record, and the manifest reconciles read = accepted + rejected.
//! The real binary runs on inputs generated here (the 50 MB line is never
//! stored in the repository).

mod common;

use common::*;
use std::io::Write;
use tempfile::TempDir;

/// Runs a one-source JSON lines pipeline over `lines` and returns (out dir, (read, accepted, rejected)).
fn run_lines(tmp: &TempDir, lines: &[String], limits: &str) -> (std::path::PathBuf, (u64, u64, u64)) {
    let input = write(tmp.path(), "in.jsonl", lines.join("\n") + "\n");
    let (cfg, out) = jsonl_pipeline(tmp.path(), &input, limits);
    run_ok(&["run", "--quiet", s(&cfg)]);
    let m = manifest(&out);
    assert_reconciles(&m);
    (out, counts_of(&m, "posts"))
}

fn assert_reason(out: &std::path::Path, line: u64, words: &[&str]) {
    let rj = reject_lines(out);
    let reason = rj.iter().find(|(l, _)| *l == line).map(|(_, r)| r.clone()).unwrap_or_else(|| panic!("no reject on line {line}: {rj:?}"));
    for w in words {
        assert!(reason.contains(w), "reason on line {line} lacks {w:?}: {reason}");
    }
}

#[test]
fn a_fifty_megabyte_line_is_rejected_and_the_next_record_is_read() {
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("big.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    writeln!(f, "{}", post("p1", "They are vermin.")).unwrap();
    // 50 MB in one line: a JSON string of letters, never closed by a newline until the end.
    write!(f, "{{\"id\":\"huge\",\"text\":\"").unwrap();
    let block = "x".repeat(1 << 20);
    for _ in 0..50 {
        f.write_all(block.as_bytes()).unwrap();
    }
    writeln!(f, "\",\"timestamp\":\"2025-10-01T08:00:00Z\"}}").unwrap();
    writeln!(f, "{}", post("p3", "A calm day.")).unwrap();
    drop(f);
    let (cfg, out) = jsonl_pipeline(tmp.path(), &input, "");
    run_ok(&["run", "--quiet", s(&cfg)]);
    let m = manifest(&out);
    assert_reconciles(&m);
    assert_eq!(counts_of(&m, "posts"), (3, 2, 1));
    assert_reason(&out, 2, &["record larger than 8388608 bytes", "limits.max_record_bytes"]);
    // The record after the huge one is on its own line number and counted.
    assert_eq!(docs_counted(&out), 2);
    // A smaller limit from the config applies too.
    let small = tmp.path().join("small");
    std::fs::create_dir_all(&small).unwrap();
    let input = write(&small, "in.jsonl", format!("{}\n{}\n", post("a", &"y".repeat(2000)), post("b", "short")));
    let (cfg, out) = jsonl_pipeline(&small, &input, "max_record_bytes = 1024");
    run_ok(&["run", "--quiet", s(&cfg)]);
    assert_eq!(counts_of(&manifest(&out), "posts"), (2, 1, 1));
    assert_reason(&out, 1, &["record larger than 1024 bytes"]);
}

#[test]
fn deep_json_nesting_is_rejected_with_a_reason_that_says_nesting() {
    let tmp = TempDir::new().unwrap();
    let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    let lines = vec![
        post("ok", "fine"),
        // In an unmapped field: the field reader would skip it, the limit still applies.
        format!(r#"{{"id":"d1","text":"x","timestamp":"2025-10-01T08:00:00Z","junk":{}}}"#, deep(100_000)),
        // In the mapped text field.
        format!(r#"{{"id":"d2","text":{},"timestamp":"2025-10-01T08:00:00Z"}}"#, deep(70)),
        // Objects count like arrays; 64 levels are still fine.
        format!(r#"{{"id":"d3","text":"x","timestamp":"2025-10-01T08:00:00Z","o":{}}}"#, "{\"a\":".repeat(70) + "1" + &"}".repeat(70)),
        format!(r#"{{"id":"d4","text":"x","timestamp":"2025-10-01T08:00:00Z","o":{}}}"#, deep(63)),
    ];
    let (out, counts) = run_lines(&tmp, &lines, "");
    assert_eq!(counts, (5, 2, 3));
    for line in [2, 3, 4] {
        assert_reason(&out, line, &["nested too deeply", "limits.max_json_depth"]);
    }
    // The limit is configurable.
    let tmp2 = TempDir::new().unwrap();
    let (out, counts) = run_lines(&tmp2, &lines, "max_json_depth = 8");
    assert_eq!(counts, (5, 1, 4));
    assert_reason(&out, 5, &["more than 8 levels"]);
}

#[test]
fn invalid_utf8_is_rejected_or_decoded_lossily_and_counted_per_config() {
    let tmp = TempDir::new().unwrap();
    let mut body = Vec::new();
    body.extend_from_slice(post("good", "fine").as_bytes());
    body.extend_from_slice(b"\n{\"id\":\"bad\",\"text\":\"caf\xe9 vermin\",\"lang\":\"en\",\"region\":\"XA-NO\",\"timestamp\":\"2025-10-01T08:00:00Z\"}\n");
    let input = write(tmp.path(), "in.jsonl", &body);
    let (cfg, out) = jsonl_pipeline(tmp.path(), &input, "");
    run_ok(&["run", "--quiet", s(&cfg)]);
    let m = manifest(&out);
    assert_eq!(counts_of(&m, "posts"), (2, 1, 1));
    assert_eq!(m["sources"]["posts"]["lossy"], 0);
    assert_reason(&out, 2, &["invalid UTF-8 at byte"]);

    let tmp2 = TempDir::new().unwrap();
    let input = write(tmp2.path(), "in.jsonl", &body);
    let (cfg, out) = jsonl_pipeline(tmp2.path(), &input, "invalid_utf8 = \"lossy\"");
    run_ok(&["run", "--quiet", s(&cfg)]);
    let m = manifest(&out);
    assert_reconciles(&m);
    assert_eq!(counts_of(&m, "posts"), (2, 2, 0));
    // The replaced document is flagged where an analyst sees it: counted in the manifest, per source and in the totals.
    assert_eq!(m["sources"]["posts"]["lossy"], 1);
    assert_eq!(m["totals"]["lossy"], 1);
    assert_eq!(docs_counted(&out), 2);

    // The same in a CSV column.
    let tmp3 = TempDir::new().unwrap();
    let mut csv = b"id,text,timestamp\n1,fine,2025-10-01T08:00:00Z\n2,caf".to_vec();
    csv.extend_from_slice(b"\xff\xfe au lait,2025-10-01T08:00:00Z\n");
    let input = write(tmp3.path(), "in.csv", &csv);
    for (policy, expect, lossy) in [("reject", (2, 1, 1), 0), ("lossy", (2, 2, 0), 1)] {
        let dir = tmp3.path().join(policy);
        std::fs::create_dir_all(&dir).unwrap();
        let (cfg, out) = jsonl_pipeline(&dir, &input, &format!("invalid_utf8 = \"{policy}\""));
        let cfg_text = std::fs::read_to_string(&cfg).unwrap().replace("format = \"jsonl\"", "format = \"csv\"");
        std::fs::write(&cfg, cfg_text).unwrap();
        run_ok(&["run", "--quiet", s(&cfg)]);
        let m = manifest(&out);
        assert_reconciles(&m);
        assert_eq!(counts_of(&m, "posts"), expect, "{policy}");
        assert_eq!(m["sources"]["posts"]["lossy"], lossy, "{policy}");
        if policy == "reject" {
            assert_reason(&out, 3, &["invalid UTF-8 in column `text`"]);
        }
    }
}

#[test]
fn nul_characters_are_rejected_or_stripped_per_config() {
    let lines = vec![
        post("ok", "fine"),
        post("t", "They are\u{0}vermin."),
        serde_json::json!({"id": "r", "text": "calm", "region": "XA\u{0}NO", "timestamp": "2025-10-01T08:00:00Z"}).to_string(),
    ];
    let tmp = TempDir::new().unwrap();
    let (out, counts) = run_lines(&tmp, &lines, "");
    assert_eq!(counts, (3, 1, 2));
    assert_reason(&out, 2, &["field `text` contains a NUL character", "limits.nul_bytes"]);
    assert_reason(&out, 3, &["field `region` contains a NUL character"]);

    let tmp2 = TempDir::new().unwrap();
    let (out, counts) = run_lines(&tmp2, &lines, "nul_bytes = \"strip\"");
    assert_eq!(counts, (3, 3, 0));
    let rows = all_rows(&out);
    assert!(rows.iter().all(|r| !r.1.contains('\0')), "{rows:?}");
    assert!(rows.iter().any(|r| r.1 == "XANO"), "the region is kept, stripped: {rows:?}");
    // A raw NUL byte inside a JSON string is malformed JSON (control character), rejected as such.
    let tmp3 = TempDir::new().unwrap();
    let raw = "{\"id\":\"x\",\"text\":\"a\u{0}b\",\"timestamp\":\"2025-10-01T08:00:00Z\"}".to_string();
    let (out, counts) = run_lines(&tmp3, &[raw], "nul_bytes = \"strip\"");
    assert_eq!(counts, (1, 0, 1));
    assert_reason(&out, 1, &["malformed JSON", "control character"]);
}

#[test]
fn a_five_megabyte_word_is_matched_and_the_run_returns() {
    // Not timed: matching is linear in the text, so this returns; a quadratic step would not within the test run.
    let tmp = TempDir::new().unwrap();
    let word = "a".repeat(5 << 20);
    let obfuscated = "v.e.r.m.i.n".repeat((5 << 20) / 11);
    let lines = vec![post("w", &word), post("o", &obfuscated), post("tail", "They are vermin.")];
    let (out, counts) = run_lines(&tmp, &lines, "");
    assert_eq!(counts, (3, 3, 0));
    assert_eq!(docs_counted(&out), 3);
    // And in the library, the detector on one long token (the aggressive view included).
    let set = tocsin::lexicon::load_lexicons(&[data("lexicon.csv")]).unwrap();
    let detector = tocsin::detect::Detector::new(set, Default::default()).unwrap();
    assert!(detector.detect(&word, Some("en")).is_empty());
    let long_vermin = format!("{}vermin{}", "-".repeat(1 << 20), "!".repeat(1 << 20));
    assert_eq!(detector.detect(&long_vermin, Some("en")).len(), 1);
}

#[test]
fn wrong_types_in_mapped_fields_are_rejected_naming_the_field_and_type() {
    let ts = "\"timestamp\":\"2025-10-01T08:00:00Z\"";
    let lines = vec![
        post("ok", "fine"),
        format!(r#"{{"id":"n","text":42,{ts}}}"#),
        format!(r#"{{"id":"o","text":{{"body":"x"}},{ts}}}"#),
        r#"{"id":"a","text":"x","timestamp":["2025-10-01"]}"#.to_string(),
        r#"{"id":"b","text":"x","timestamp":true}"#.to_string(),
        r#"{"id":"c","text":"x","timestamp":{"at":1}}"#.to_string(),
        format!(r#"{{"id":"l","text":"x","lang":["en","fr"],{ts}}}"#),
        format!(r#"{{"id":"r","text":"x","region":{{"code":"XA-NO"}},{ts}}}"#),
        format!(r#"{{"id":"t","text":[1,2],{ts}}}"#),
        r#"[1,2,3]"#.to_string(),
        r#""just a string""#.to_string(),
    ];
    let tmp = TempDir::new().unwrap();
    let (out, counts) = run_lines(&tmp, &lines, "");
    assert_eq!(counts, (11, 1, 10));
    assert_reason(&out, 2, &["field `text`", "expected text, found a number"]);
    assert_reason(&out, 3, &["field `text`", "expected text, found an object"]);
    assert_reason(&out, 4, &["field `timestamp`", "expected a timestamp, found a list"]);
    assert_reason(&out, 5, &["field `timestamp`", "expected a timestamp, found a boolean"]);
    assert_reason(&out, 6, &["field `timestamp`", "expected a timestamp, found an object"]);
    assert_reason(&out, 7, &["field `lang`", "expected a string, found a list"]);
    assert_reason(&out, 8, &["field `region`", "expected a string, found an object"]);
    assert_reason(&out, 9, &["field `text`", "expected text, found a list"]);
    assert_reason(&out, 10, &["not a JSON object"]);
    assert_reason(&out, 11, &["not a JSON object"]);
}

#[test]
fn timestamps_far_in_the_future_or_past_are_rejected() {
    let at = |id: &str, ts: serde_json::Value| serde_json::json!({"id": id, "text": "x", "timestamp": ts}).to_string();
    let lines = vec![
        post("ok", "fine"),
        at("future", "2999-01-01T00:00:00Z".into()),
        at("past", "1900-01-01".into()),
        at("epoch-future", serde_json::json!(32_503_680_000u64)), // year 3000, seconds
        at("epoch-negative", serde_json::json!(-86_400)),
        at("epoch-huge", serde_json::json!(1e300)),
        at("year-0", "0000-01-01T00:00:00Z".into()),
        at("nan-ish", "99999999999999999999999999".into()),
        at("just-past-min", "1989-12-31T23:59:59Z".into()),
    ];
    let tmp = TempDir::new().unwrap();
    let (out, counts) = run_lines(&tmp, &lines, "min_date = \"1990-01-01\"\nmax_future_days = 2");
    assert_eq!(counts, (9, 1, 8));
    assert_reason(&out, 2, &["2999-01-01", "in the future"]);
    assert_reason(&out, 3, &["1900-01-01", "is before 1990-01-01"]);
    assert_reason(&out, 4, &["in the future"]);
    assert_reason(&out, 5, &["not a valid epoch value"]);
    assert_reason(&out, 6, &["timestamp"]);
    assert_reason(&out, 7, &["before 1990-01-01"]);
    assert_reason(&out, 8, &["timestamp"]);
    assert_reason(&out, 9, &["is before 1990-01-01"]);
}

#[test]
fn regex_rules_over_the_limits_name_their_file_and_line() {
    let pack = data("bad/rules_pack");
    let rules = pack.join("rules.toml");
    let r = s(&rules);
    let expect = [
        format!("{r}:10: rule `unclosed`: pattern does not compile: unclosed group"),
        format!("{r}:15: rule `too-big`: pattern is too large once compiled (more than 2048 KiB"),
        format!("{r}:20: rule `too-deep`: pattern does not compile: groups or repetitions nested deeper than 64"),
        format!("{r}:25: rule `too-long`: pattern is 5599 bytes, more than the 4096 allowed"),
    ];
    let o = run(&["lexicon", "check", s(&pack)]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("4 rule problem(s)"), "{err}");
    for e in &expect {
        assert!(err.contains(e.as_str()), "stderr lacks {e:?}:\n{err}");
    }
    // A run with this pack stops on the same problems before writing anything.
    let tmp = TempDir::new().unwrap();
    let input = write(tmp.path(), "in.jsonl", post("p", "fine") + "\n");
    let out = tmp.path().join("out");
    let o = run(&["run", "--input", s(&input), "--lexicon", s(&pack), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    for e in &expect {
        assert!(text(&o.stderr).contains(e.as_str()), "run stderr lacks {e:?}");
    }
    assert!(!out.exists(), "a run with bad rules wrote output");
}

#[test]
fn a_fifty_megabyte_csv_row_stops_the_file_before_it_is_held_whole() {
    // The csv crate holds a row whole, and an unclosed quote makes the rest of a file one row:
    // reading stops once a row passes the limit, with one reject for the rest of the file.
    let tmp = TempDir::new().unwrap();
    let input = tmp.path().join("big.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    writeln!(f, "id,text,timestamp\n1,They are vermin.,2025-10-01T08:00:00Z").unwrap();
    write!(f, "2,\"an unclosed quote ").unwrap();
    let block = "z".repeat(1 << 20);
    for _ in 0..50 {
        f.write_all(block.as_bytes()).unwrap();
    }
    writeln!(f, ",2025-10-01T08:00:00Z\n3,A calm day.,2025-10-01T08:00:00Z").unwrap();
    drop(f);
    let (cfg, out) = jsonl_pipeline(tmp.path(), &input, "");
    std::fs::write(&cfg, std::fs::read_to_string(&cfg).unwrap().replace("format = \"jsonl\"", "format = \"csv\"")).unwrap();
    run_ok(&["run", "--quiet", s(&cfg)]);
    let m = manifest(&out);
    assert_reconciles(&m);
    assert_eq!(counts_of(&m, "posts"), (2, 1, 1));
    assert_reason(&out, 3, &["longer than 8388608 bytes", "limits.max_record_bytes", "the rest of the file is unreadable"]);
}

#[test]
fn memory_budgets_of_zero_send_everything_to_disk_and_change_no_output() {
    // Flagged posts over five days, exact reposts and broken lines: evidence, repost log and rejects all
    // have something to hold, and more than a worker hands over at once (REPOST_BATCH lines, SPILL_ROWS rejects).
    let mut lines = Vec::new();
    for i in 0..20_000 {
        let text = match i % 4 {
            0 => format!("the zorbians are vermin, post {i}"),
            1 => "traitors, all of them".to_string(),
            2 => format!("mobilise tonight, number {}", i % 7),
            _ => format!("market prices rose again {i}"),
        };
        let day = 1 + i % 5;
        lines.push(
            serde_json::json!({"id": format!("p{i}"), "text": text, "lang": "en", "region": "XA-NO", "author": format!("a{}", i % 13),
                "timestamp": format!("2025-10-0{day}T08:00:00Z")})
            .to_string(),
        );
        if i % 4 == 0 {
            lines.push(format!("{{\"id\": \"broken {i}\""));
        }
    }
    // One input file for both runs: rejects name it.
    let tmp = TempDir::new().unwrap();
    let input = write(tmp.path(), "in.jsonl", lines.join("\n") + "\n");
    let outputs = |name: &str, memory: &str| {
        let dir = tmp.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        let (cfg, out) = jsonl_pipeline(&dir, &input, memory);
        // One worker: what it hands over at once then passes the thresholds above.
        let log = text(&run_ok(&["run", "--threads", "1", s(&cfg)]).stderr);
        let m = manifest(&out);
        assert_reconciles(&m);
        (counts_of(&m, "posts"), tree(&out.join("timeseries")), tree(&out.join("evidence")), reject_lines(&out), log)
    };
    let held = outputs("held", "");
    let disk = outputs("disk", "\n[memory]\nevidence_mb = 0\nreposts_mb = 0\nrejects_mb = 0");
    assert_eq!(held.0, (25_000, 20_000, 5_000));
    assert!(!held.1.is_empty() && !held.2.is_empty() && held.3.len() == 5_000, "something to compare");
    assert_eq!(disk.0, held.0);
    assert!(disk.1 == held.1, "time series differ when everything is spilled");
    assert!(disk.2 == held.2, "evidence differs when everything is spilled");
    assert_eq!(disk.3, held.3, "rejects differ when everything is spilled");
    // The budgets reached the spills: the run says what went to scratch files, and only then.
    for held_kind in ["held=evidence", "held=reposts", "held=rejects"] {
        assert!(disk.4.contains(held_kind), "{held_kind} not spilled: {}", disk.4);
    }
    assert!(!held.4.contains("scratch files"), "spilled within the default budgets: {}", held.4);
}

#[test]
fn an_unknown_memory_budget_fails_fast_naming_it() {
    let tmp = TempDir::new().unwrap();
    let input = write(tmp.path(), "in.jsonl", post("a", "hello") + "\n");
    let (cfg, _) = jsonl_pipeline(tmp.path(), &input, "\n[memory]\nevidence_gb = 1");
    let out = run(&["run", "--quiet", s(&cfg)]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("evidence_gb"), "{}", text(&out.stderr));
}
