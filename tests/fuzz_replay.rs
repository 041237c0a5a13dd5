//! Replays the fuzz targets' inputs in the normal test run: the committed
//! seeds (`fuzz/seeds/NAME/`) and every input that once crashed a target,
//! kept as a regression (`tests/data/fuzz/NAME/`). The target bodies are the
//! fuzz crate's own (`fuzz/fuzz_targets/targets.rs`), so a replay goes
//! through exactly the checks the fuzzer ran.

#[path = "../fuzz/fuzz_targets/targets.rs"]
mod targets;

use std::path::Path;

/// A fuzz target: its name (the folder of its corpus) and the function the fuzzer calls.
type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 11] = [
    ("jsonl", targets::jsonl),
    ("csv", targets::csv),
    ("telegram", targets::telegram),
    ("twitter", targets::twitter),
    ("feed", targets::feed),
    ("parquet_in", targets::parquet_in),
    ("textdir", targets::textdir),
    ("matching_view", targets::matching_view),
    ("lexicon_load", targets::lexicon_load),
    ("rules_load", targets::rules_load),
    ("config_load", targets::config_load),
];

fn replay(dir: &Path) -> usize {
    let mut n = 0;
    for (name, target) in TARGETS {
        let Ok(entries) = std::fs::read_dir(dir.join(name)) else {
            continue;
        };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            let result = std::panic::catch_unwind(|| target(&data));
            assert!(result.is_ok(), "fuzz target {name} panics on {}", f.display());
            n += 1;
        }
    }
    n
}

#[test]
fn every_seed_passes_its_target() {
    let n = replay(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds"));
    assert!(n >= 11, "only {n} seeds found");
}

#[test]
fn every_crash_found_by_fuzzing_stays_fixed() {
    replay(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz"));
}
