//! The functional suites (tests/functional/LANG.jsonl): hateful cases and
//! their non-hateful contrasts per language. Each language and functionality
//! has a floor in tests/functional/floors.toml that may only go up; the
//! test prints the current figures so a rise can be recorded there.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use tocsin::detect::Detector;
use tocsin::evaluate::verdict;
use tocsin::signal::Counting;

#[derive(Deserialize)]
struct Case {
    id: String,
    lang: String,
    text: String,
    label: String,
    functionality: String,
    span: Option<String>,
}

#[derive(Default)]
struct Tally {
    n: u32,
    correct: u32,
}

impl Tally {
    fn rate(&self) -> f64 {
        if self.n == 0 {
            1.0
        } else {
            self.correct as f64 / self.n as f64
        }
    }
}

fn detector() -> Detector {
    let set = tocsin::lexicon::load_lexicons(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("lexicons")]).expect("shipped lexicons load");
    Detector::new(set, Default::default()).expect("detector")
}

#[test]
fn every_language_meets_its_floors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/functional");
    let floors: BTreeMap<String, BTreeMap<String, f64>> = toml::from_str(&std::fs::read_to_string(root.join("floors.toml")).unwrap()).unwrap();
    let detector = detector();
    let mut failures = Vec::new();
    let mut files: Vec<_> =
        std::fs::read_dir(&root).unwrap().filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "jsonl")).collect();
    files.sort();
    assert!(files.len() >= 12, "expected at least 12 language suites, found {}", files.len());
    for file in files {
        let lang = file.file_stem().unwrap().to_string_lossy().to_string();
        let mut by_functionality: BTreeMap<String, Tally> = BTreeMap::new();
        let (mut tp, mut fp, mut tn, mut fn_) = (0u32, 0u32, 0u32, 0u32);
        let mut spans = Tally::default();
        for line in std::fs::read_to_string(&file).unwrap().lines().filter(|l| !l.trim().is_empty()) {
            let case: Case = serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: {e}: {line}", file.display()));
            let v = verdict(&detector, &case.id, &case.text, Some(&case.lang));
            let hateful = case.label == "hateful";
            match (hateful, v.flagged) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (false, false) => tn += 1,
                (true, false) => fn_ += 1,
            }
            let t = by_functionality.entry(case.functionality.clone()).or_default();
            t.n += 1;
            t.correct += (hateful == v.flagged) as u32;
            if let (true, true, Some(span)) = (hateful, v.flagged, &case.span) {
                // The evidence must quote the original (obfuscated) words.
                spans.n += 1;
                let at = case.text.find(span.as_str()).map(|s| (s, s + span.len()));
                let quoted = at.is_some_and(|(a, b)| v.signals.iter().any(|s| s.counting == Counting::Hostile && s.span[0] < b && a < s.span[1]));
                spans.correct += quoted as u32;
            }
        }
        let f1 = |tp: u32, fp: u32, fn_: u32| 2.0 * tp as f64 / (2 * tp + fp + fn_).max(1) as f64;
        let macro_f1 = (f1(tp, fp, fn_) + f1(tn, fn_, fp)) / 2.0;
        let lang_floors = floors.get(&lang).cloned().unwrap_or_default();
        let mut report = format!("[{lang}]\nmacro_f1 = {macro_f1:.4}\nspans = {:.4}\n", spans.rate());
        let mut check = |name: &str, value: f64| match lang_floors.get(name) {
            Some(&floor) if value + 1e-9 < floor => failures.push(format!("{lang}/{name}: {value:.3} < floor {floor:.3}")),
            Some(_) => {}
            None => failures.push(format!("{lang}/{name}: no floor in floors.toml (now {value:.3})")),
        };
        check("macro_f1", macro_f1);
        check("spans", spans.rate());
        for (name, t) in &by_functionality {
            report.push_str(&format!("{name} = {:.4}  # n={}\n", t.rate(), t.n));
            check(name, t.rate());
        }
        println!("{report}");
    }
    assert!(failures.is_empty(), "below floor:\n{}", failures.join("\n"));
}
