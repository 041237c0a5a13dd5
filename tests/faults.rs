//! Faults (issue 9, part 3), with the real binary: a run killed with SIGKILL
//! at many points, a full disk (RLIMIT_FSIZE on the child, so writes fail
//! with EFBIG as on a full or quota-limited disk), two runs on one output,
//! and a corrupt Parquet file in the store. After each, the previous outputs
//! are intact and readable, nothing half-written is visible, and the next
//! run completes with the same files as a clean run.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use tempfile::TempDir;

const WORDS: [&str; 8] =
    ["They are vermin.", "A calm day.", "The traitors met.", "We must mobilise now.", "Rain in the north.", "zorbians", "vermine", "Nothing."];
const REGIONS: [&str; 4] = ["XA-NO", "XA-SO", "XA-EA", "XA-WE"];

/// A JSON lines input: `n` records over 90 days and four regions, every 10th broken; `seed` changes the texts.
fn gen_input(path: &Path, n: usize, seed: usize) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        if i % 10 == 7 {
            writeln!(f, "{{\"id\":\"b{i}\",\"text\":\"broken record number {i} with some padding to make the rejects file grow\",").unwrap();
            continue;
        }
        // The same days whatever the seed, so two nights replace the same partitions.
        let day = 1 + (i * 7) % 90;
        let date = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap() + chrono::Duration::days(day as i64 - 1);
        let text = WORDS[(i * 3 + seed) % WORDS.len()];
        let line = serde_json::json!({"id": format!("r{i}"), "text": format!("{text} {}", i % 97), "lang": "en", "region": REGIONS[(i + seed) % 4],
            "author": format!("u{}", i % 211), "timestamp": format!("{date}T{:02}:00:00Z", i % 24)});
        writeln!(f, "{line}").unwrap();
    }
}

/// Output files a reader or the next night cares about (relative path → bytes), without the lock and with the manifest's clocks blanked.
fn published(out: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    tree(out)
        .into_iter()
        .map(|(p, bytes)| {
            let name = p.to_string_lossy().to_string();
            if name == "manifest.json" || name.starts_with("runs/") {
                let mut m: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
                m["started"] = "".into();
                m["finished"] = "".into();
                (p, serde_json::to_vec(&m).unwrap())
            } else {
                (p, bytes)
            }
        })
        .collect()
}

fn under(files: &BTreeMap<PathBuf, Vec<u8>>, prefix: &str) -> BTreeMap<PathBuf, Vec<u8>> {
    files.iter().filter(|(p, _)| p.starts_with(prefix)).map(|(p, b)| (p.clone(), b.clone())).collect()
}

fn staging_dirs(out: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(out)
        .map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(".staging-")).collect())
        .unwrap_or_default()
}

/// Everything a reader would check after a fault: every partition and the manifest readable, `tocsin indicators` working. Returns its stderr.
fn assert_store_readable(out: &Path) -> String {
    assert!(docs_counted(out) > 0, "no documents readable in {}", out.display());
    let m = manifest(out);
    assert_reconciles(&m);
    let o = run(&["indicators", s(out)]);
    assert!(o.status.success(), "tocsin indicators failed after a fault: {}", text(&o.stderr));
    text(&o.stderr)
}

struct Night {
    cfg: PathBuf,
    clean: BTreeMap<PathBuf, Vec<u8>>,
    run_id: String,
}

/// A pipeline writing to `out` over a generated input, and the files a clean run of it gives
/// (run into `out` while it is still empty, then removed: the config, and so the run id, stay the same).
fn night(dir: &Path, name: &str, n: usize, seed: usize, out: &Path) -> Night {
    assert!(!out.exists(), "make every night before the first run");
    let input = dir.join(format!("{name}.jsonl"));
    gen_input(&input, n, seed);
    let (cfg, _) = jsonl_pipeline(dir, &input, "");
    let cfg_text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::remove_file(&cfg).unwrap();
    let cfg = write(dir, &format!("{name}.toml"), cfg_text.replace(s(&dir.join("out")), s(out)));
    run_ok(&["run", "--quiet", s(&cfg)]);
    let run_id = manifest(out)["run_id"].as_str().unwrap().to_string();
    let clean = published(out);
    std::fs::remove_dir_all(out).unwrap();
    Night { cfg, clean, run_id }
}

/// The files of night `n` as they must be in a store that ran it last.
fn assert_is_night(out: &Path, n: &Night) {
    let now = published(out);
    for dataset in ["timeseries", "indicators", "indicators_latest.csv", "indicators_latest.json", "manifest.json"] {
        assert!(under(&now, dataset) == under(&n.clean, dataset), "{dataset} differs from a clean run");
    }
    let rejects = format!("rejects/{}.jsonl", n.run_id);
    assert_eq!(now.get(Path::new(&rejects)), n.clean.get(Path::new(&rejects)), "{rejects}");
}

#[test]
fn a_run_killed_at_any_point_leaves_the_previous_outputs_and_the_next_run_completes() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("store");
    // Night A is in the store; night B (other texts, the same days) is killed again and again.
    let a = night(tmp.path(), "a", 12_000, 1, &out);
    let b = night(tmp.path(), "b", 12_000, 2, &out);
    run_ok(&["run", "--quiet", s(&a.cfg)]);
    assert_is_night(&out, &a);
    let t = Instant::now();
    run_ok(&["run", "--quiet", s(&b.cfg)]);
    let full = t.elapsed();
    run_ok(&["run", "--quiet", s(&a.cfg)]);
    assert_is_night(&out, &a);

    let mut outcomes = Vec::new();
    for step in 0..10 {
        // Spread over the whole run, with more kills towards the end where files are written and moved.
        let frac = if step < 5 { step as f64 / 5.0 } else { 0.80 + (step - 5) as f64 * 0.05 };
        let delay = full.mul_f64(frac);
        let mut child = tocsin().args(["run", "--quiet", s(&b.cfg)]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        let committing = staging_dirs(&out).iter().any(|d| d.join(".commit").exists());
        let id = manifest(&out)["run_id"].as_str().unwrap().to_string();
        let outcome = if committing {
            "killed while publishing"
        } else if id == a.run_id {
            // Nothing of B is visible: A's files, exactly.
            assert_is_night(&out, &a);
            "killed before publishing"
        } else {
            assert_eq!(id, b.run_id);
            let now = published(&out);
            assert!(under(&now, "timeseries") == under(&b.clean, "timeseries"), "B's manifest is published but not B's time series");
            if status.success() {
                "finished before the kill"
            } else {
                "killed during the indicators"
            }
        };
        outcomes.push(format!("{:.0} ms: {outcome}", delay.as_secs_f64() * 1000.0));
        // Whatever the moment, every published file is whole and readable; nothing half-written is under timeseries/.
        for (p, _) in under(&published(&out), "timeseries") {
            assert_eq!(p.extension().and_then(|x| x.to_str()), Some("parquet"), "stray file {}", p.display());
        }
        // The first command to take the lock (here `tocsin indicators`) cleans up what the kill left, and says so.
        let left = staging_dirs(&out);
        let err = assert_store_readable(&out);
        if !left.is_empty() {
            assert!(err.contains("interrupted run"), "stderr does not mention the interrupted run left in {left:?}:\n{err}");
        }
        assert!(staging_dirs(&out).is_empty(), "staging folder left after recovery");
        // The next run completes and leaves B's files exactly.
        run_ok(&["run", "--quiet", s(&b.cfg)]);
        assert_is_night(&out, &b);
        // Back to A for the next attempt.
        run_ok(&["run", "--quiet", s(&a.cfg)]);
        assert_is_night(&out, &a);
    }
    eprintln!("kill outcomes (full run {:.0} ms):\n  {}", full.as_secs_f64() * 1000.0, outcomes.join("\n  "));
    assert!(outcomes.iter().any(|o| o.contains("before publishing")), "no kill landed inside the run: {outcomes:?}");
}

#[test]
fn a_lock_and_staging_folder_left_by_a_dead_run_are_recovered_and_reported() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("store");
    let a = night(tmp.path(), "a", 2_000, 1, &out);
    run_ok(&["run", "--quiet", s(&a.cfg)]);
    let before = published(&out);
    // What a run killed while writing leaves: its pid in the lock file, a half-written staging folder.
    std::fs::write(out.join(".tocsin.lock"), "4194303\n").unwrap();
    let junk = out.join(".staging-4194303/timeseries/date=2025-07-01");
    std::fs::create_dir_all(&junk).unwrap();
    std::fs::write(junk.join("part-0.parquet"), b"PAR1 half a file").unwrap();
    assert_eq!(published(&out).len(), before.len() + 1);
    let o = run_ok(&["run", s(&a.cfg)]);
    let err = text(&o.stderr);
    assert!(err.contains("pid 4194303") && err.contains("stale"), "{err}");
    assert!(err.contains("unpublished outputs of an interrupted run"), "{err}");
    assert!(staging_dirs(&out).is_empty());
    assert_is_night(&out, &a);
    // A clean release leaves no pid behind.
    assert_eq!(std::fs::read_to_string(out.join(".tocsin.lock")).unwrap(), "");
}

/// Runs `tocsin run CFG` with a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored): writes past it fail with EFBIG, like a full disk.
fn run_with_file_limit(cfg: &Path, bytes: u64) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut cmd = tocsin();
    cmd.args(["run", s(cfg)]);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output().unwrap()
}

#[test]
fn a_full_disk_fails_the_run_naming_the_path_and_leaves_the_store_as_it_was() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("store");
    let a = night(tmp.path(), "a", 3_000, 1, &out);
    // B's rejects file (a tenth of 60,000 records) is far larger than the limits below.
    let b = night(tmp.path(), "b", 60_000, 2, &out);
    run_ok(&["run", "--quiet", s(&a.cfg)]);
    let before = published(&out);
    // 64 KiB: the rejects file cannot be written. 2 KiB: not even one time series partition.
    for limit in [64 * 1024, 2 * 1024] {
        let o = run_with_file_limit(&b.cfg, limit);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "limit {limit}: {err}");
        assert!(err.contains("cannot write the outputs"), "{err}");
        assert!(err.contains("File too large"), "{err}");
        assert!(err.contains(s(&out)), "the message names no path in the store: {err}");
        assert!(err.contains("nothing was published"), "{err}");
        assert!(staging_dirs(&out).is_empty(), "staging folder left behind");
        assert!(published(&out) == before, "the store changed after a failed write (limit {limit})");
        assert_store_readable(&out);
    }
    // With room again, the same night completes.
    run_ok(&["run", "--quiet", s(&b.cfg)]);
    assert_is_night(&out, &b);
}

#[test]
fn a_second_run_on_the_same_output_refuses_with_a_clear_message() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("store");
    let a = night(tmp.path(), "a", 2_000, 1, &out);
    run_ok(&["run", "--quiet", s(&a.cfg)]);
    let before = published(&out);
    // This test process plays the first run.
    let held = tocsin::sink::lock::OutputLock::acquire(&out).unwrap();
    let o = run(&["run", s(&a.cfg)]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains(&format!("another tocsin run (pid {}) is writing to `{}`", std::process::id(), s(&out))), "{err}");
    let o = run(&["indicators", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("another tocsin run"), "{}", text(&o.stderr));
    assert!(published(&out) == before, "a refused run changed the store");
    drop(held);
    run_ok(&["run", "--quiet", s(&a.cfg)]);
    // Two real runs at once: one refuses, or they ran one after the other; never both writing.
    let first = tocsin().args(["run", "--quiet", s(&a.cfg)]).stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(30));
    let second = run(&["run", "--quiet", s(&a.cfg)]);
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", text(&first.stderr));
    if !second.status.success() {
        assert!(text(&second.stderr).contains("another tocsin run"), "{}", text(&second.stderr));
    }
    assert_is_night(&out, &a);
}

#[test]
fn a_corrupt_parquet_file_in_the_store_is_reported_with_its_path() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("store");
    let a = night(tmp.path(), "a", 2_000, 1, &out);
    run_ok(&["run", "--quiet", s(&a.cfg)]);
    let latest = std::fs::read(out.join("indicators_latest.json")).unwrap();
    // Truncate one partition, as a full disk or a bad copy would.
    let bad = out.join("timeseries/date=2025-07-15/part-0.parquet");
    let bytes = std::fs::read(&bad).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let o = run(&["indicators", s(&out)]);
    assert_ne!(o.status.code(), Some(0));
    let err = text(&o.stderr);
    assert!(err.contains(s(&bad)) && err.contains("unreadable Parquet file"), "{err}");
    // The nightly run: another day's records; its time series are written, the indicators step reports the bad file and the run fails.
    let night = tmp.path().join("other.jsonl");
    std::fs::write(&night, format!("{}\n", post("x", "They are vermin."))).unwrap();
    let cfg = std::fs::read_to_string(&a.cfg).unwrap().replace(s(&tmp.path().join("a.jsonl")), s(&night));
    let cfg = write(tmp.path(), "other.toml", cfg);
    let o = run(&["run", s(&cfg)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("the indicators failed") && err.contains(s(&bad)), "{err}");
    assert!(out.join("timeseries/date=2025-10-01/part-0.parquet").is_file(), "the night's own partition is published");
    assert_eq!(std::fs::read(out.join("indicators_latest.json")).unwrap(), latest, "the previous indicators are unchanged");
    // Restoring the file (re-running its night) makes both work again.
    run_ok(&["run", "--quiet", s(&a.cfg)]);
    run_ok(&["indicators", "--quiet", s(&out)]);
}
