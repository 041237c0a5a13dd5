//! Importers: third-party lexicons are read, mapped onto our entry model and
//! written as a lexicon pack (manifest.toml + terms.csv) that `lexicon check`
//! validates. We never copy other lexicons into `lexicons/`; a team imports
//! what its license allows into its own folder.
//!
//! Formats: HurtLex TSV (Bassignana, Basile, Patti 2018), Hatebase JSON or
//! CSV exports, and any CSV with a column mapping.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::MatchMode;
use crate::signal::Category;

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Reading the input failed.
    #[error("reading `{path}`: {source}")]
    Read {
        /// The input.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The input is not in the expected format.
    #[error("`{path}` line {line}: {message}")]
    Format {
        /// The input.
        path: String,
        /// 1-based line (0 for the whole file).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Writing the pack failed.
    #[error("writing `{path}`: {source}")]
    Write {
        /// The output.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// A source format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// HurtLex TSV: id, pos, category, stereotype, lemma, level.
    Hurtlex,
    /// Hatebase JSON (`{"result": […]}` or a list) or CSV export.
    Hatebase,
    /// Any CSV with a column mapping.
    Csv,
}

/// Options for an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Language code when the input does not give one.
    pub lang: Option<String>,
    /// Pack name (default: the input file's stem).
    pub name: Option<String>,
    /// For CSV: our column → their column (term, lang, category, target, severity, ambiguous, variants, note).
    pub columns: HashMap<String, String>,
    /// For CSV: their category value → our category.
    pub categories: HashMap<String, String>,
}

/// One imported entry, in our columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedEntry {
    /// Term.
    pub term: String,
    /// Language.
    pub lang: String,
    /// Category.
    pub category: Category,
    /// Target (`kind:group`).
    pub target: Option<String>,
    /// Severity.
    pub severity: u8,
    /// Ambiguous.
    pub ambiguous: bool,
    /// Variants.
    pub variants: Vec<String>,
    /// Meaning and usage.
    pub note: String,
    /// Where it comes from.
    pub source: String,
}

/// What an import produced.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Entries written.
    pub written: usize,
    /// Rows skipped, with the reason and count.
    pub skipped: BTreeMap<String, usize>,
}

/// HurtLex's 17 category codes mapped onto ours: group slurs and
/// dehumanising animal/plant words keep their meaning; insults aimed at
/// individuals become ambiguous derogation (they count only near a group).
fn hurtlex_category(code: &str) -> Option<(Category, Option<&'static str>, bool)> {
    Some(match code {
        "ps" => (Category::Slur, Some("ethnicity:any"), false),
        "om" => (Category::Slur, Some("sexual_orientation:lgbtq"), true),
        "ddp" | "ddf" => (Category::Derogation, Some("disability:any"), true),
        "an" | "or" => (Category::Dehumanisation, None, true),
        "rci" => (Category::Derogation, Some("nationality:any"), true),
        "asf" | "asm" | "pr" | "dmc" | "is" | "pa" | "qas" | "cds" | "re" | "svp" => (Category::Derogation, None, true),
        _ => return None,
    })
}

/// Order in which a lemma listed under several HurtLex categories keeps one.
const HURTLEX_PRIORITY: [&str; 17] = ["ps", "om", "ddp", "ddf", "an", "or", "rci", "is", "dmc", "cds", "qas", "re", "svp", "pa", "pr", "asf", "asm"];

fn read(path: &Path) -> Result<String, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read { path: path.display().to_string(), source })?;
    Ok(String::from_utf8_lossy(&bytes).trim_start_matches('\u{feff}').to_string())
}

fn format_err(path: &Path, line: usize, message: impl Into<String>) -> ImportError {
    ImportError::Format { path: path.display().to_string(), line, message: message.into() }
}

/// Reads HurtLex TSV (quoting off: some lemmas contain `"`).
pub fn read_hurtlex(path: &Path, opts: &ImportOptions, report: &mut ImportReport) -> Result<Vec<ImportedEntry>, ImportError> {
    let text = read(path)?;
    let lang = opts.lang.clone().or_else(|| {
        let stem = path.file_stem()?.to_string_lossy().to_lowercase();
        stem.rsplit(['_', '-']).next().filter(|s| s.len() == 2).map(String::from)
    });
    let lang = lang.ok_or_else(|| format_err(path, 0, "no language: name the file hurtlex_XX.tsv or pass --lang"))?;
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().ok_or_else(|| format_err(path, 1, "empty file"))?;
    let cols: Vec<String> = header.split('\t').map(|c| c.trim().to_lowercase()).collect();
    let col = |name: &str| {
        cols.iter().position(|c| c == name).ok_or_else(|| format_err(path, 1, format!("header lacks `{name}` (id, pos, category, stereotype, lemma, level)")))
    };
    let (c_id, c_cat, c_stereo, c_lemma, c_level) = (col("id")?, col("category")?, col("stereotype")?, col("lemma")?, col("level")?);
    let mut best: HashMap<String, (usize, ImportedEntry)> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let get = |c: usize| f.get(c).map(|s| s.trim()).unwrap_or("");
        let code = get(c_cat).to_lowercase();
        let lemma = get(c_lemma);
        if lemma.is_empty() {
            *report.skipped.entry("empty lemma".into()).or_default() += 1;
            continue;
        }
        let Some((category, target, ambiguous)) = hurtlex_category(&code) else {
            return Err(format_err(path, i + 1, format!("unknown HurtLex category `{code}`")));
        };
        let level = get(c_level);
        let entry = ImportedEntry {
            term: lemma.to_string(),
            lang: lang.clone(),
            category,
            target: target.map(String::from),
            severity: if level == "conservative" { 2 } else { 1 },
            ambiguous,
            variants: Vec::new(),
            note: format!("HurtLex category {} ({}); stereotype: {}", code.to_uppercase(), if level.is_empty() { "-" } else { level }, get(c_stereo)),
            source: format!("HurtLex (Bassignana, Basile, Patti 2018) id {}", get(c_id)),
        };
        let rank = HURTLEX_PRIORITY.iter().position(|c| *c == code).unwrap_or(99);
        let key = lemma.to_lowercase();
        match best.get(&key) {
            Some((r, _)) if *r <= rank => *report.skipped.entry("lemma already imported under another category".into()).or_default() += 1,
            Some(_) => {
                *report.skipped.entry("lemma already imported under another category".into()).or_default() += 1;
                best.insert(key, (rank, entry));
            }
            None => {
                order.push(key.clone());
                best.insert(key, (rank, entry));
            }
        }
    }
    Ok(order.into_iter().filter_map(|k| best.remove(&k).map(|(_, e)| e)).collect())
}

#[derive(Debug, Deserialize)]
struct HatebaseRow {
    term: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    hateful_meaning: Option<String>,
    #[serde(default)]
    is_unambiguous: Option<serde_json::Value>,
    #[serde(default)]
    average_offensiveness: Option<serde_json::Value>,
    #[serde(flatten)]
    rest: BTreeMap<String, serde_json::Value>,
}

fn truthy(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        serde_json::Value::String(s) => matches!(s.trim().to_lowercase().as_str(), "true" | "1" | "yes" | "t"),
        _ => false,
    }
}

fn number(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads a Hatebase export (JSON or CSV).
pub fn read_hatebase(path: &Path, opts: &ImportOptions, report: &mut ImportReport) -> Result<Vec<ImportedEntry>, ImportError> {
    let text = read(path)?;
    let rows: Vec<HatebaseRow> = if text.trim_start().starts_with(['{', '[']) {
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format_err(path, e.line(), e.to_string()))?;
        let list = match v {
            serde_json::Value::Array(a) => a,
            serde_json::Value::Object(mut o) => match o.remove("result").or_else(|| o.remove("data")) {
                Some(serde_json::Value::Array(a)) => a,
                _ => return Err(format_err(path, 0, "JSON object without a `result` list")),
            },
            _ => return Err(format_err(path, 0, "expected a JSON list or {\"result\": [...]}")),
        };
        list.into_iter()
            .enumerate()
            .map(|(i, r)| serde_json::from_value(r).map_err(|e| format_err(path, i + 1, format!("entry {}: {e}", i + 1))))
            .collect::<Result<_, _>>()?
    } else {
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let mut out = Vec::new();
        for (i, r) in reader.deserialize::<BTreeMap<String, String>>().enumerate() {
            let r = r.map_err(|e| format_err(path, i + 2, e.to_string()))?;
            let v = serde_json::to_value(r).expect("strings");
            out.push(serde_json::from_value(v).map_err(|e| format_err(path, i + 2, e.to_string()))?);
        }
        out
    };
    let mut entries = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in rows {
        let lang = r.language.clone().map(|l| hatebase_lang(&l)).or_else(|| opts.lang.clone()).unwrap_or_else(|| "und".into());
        if r.term.trim().is_empty() || !seen.insert((r.term.to_lowercase(), lang.clone())) {
            *report.skipped.entry("empty or duplicate term".into()).or_default() += 1;
            continue;
        }
        let about = ["ethnicity", "nationality", "religion", "gender", "sexual_orientation", "disability", "class"]
            .into_iter()
            .find(|k| r.rest.get(&format!("is_about_{k}")).is_some_and(truthy))
            .map(|k| if k == "class" { "caste:any".to_string() } else { format!("{k}:any") });
        let offensiveness = r.average_offensiveness.as_ref().and_then(number).unwrap_or(50.0);
        entries.push(ImportedEntry {
            term: r.term.trim().to_string(),
            lang,
            category: Category::Slur,
            target: about,
            severity: if offensiveness >= 67.0 {
                3
            } else if offensiveness >= 34.0 {
                2
            } else {
                1
            },
            ambiguous: !r.is_unambiguous.as_ref().is_some_and(truthy),
            variants: Vec::new(),
            note: r.hateful_meaning.unwrap_or_default().trim().to_string(),
            source: "Hatebase export".into(),
        });
    }
    Ok(entries)
}

/// Hatebase names languages by ISO 639-3 or by name; we use ISO 639-1 where one exists.
fn hatebase_lang(l: &str) -> String {
    let l = l.trim().to_lowercase();
    let two = match l.as_str() {
        "eng" | "english" => "en",
        "fra" | "fre" | "french" => "fr",
        "spa" | "spanish" => "es",
        "por" | "portuguese" => "pt",
        "deu" | "ger" | "german" => "de",
        "ara" | "arabic" => "ar",
        "swa" | "swahili" => "sw",
        "amh" | "amharic" => "am",
        "hau" | "hausa" => "ha",
        "hin" | "hindi" => "hi",
        "mya" | "bur" | "burmese" => "my",
        "rus" | "russian" => "ru",
        "nld" | "dut" | "dutch" => "nl",
        "ita" | "italian" => "it",
        "kin" | "kinyarwanda" => "rw",
        "zho" | "chi" | "chinese" => "zh",
        other => return other.to_string(),
    };
    two.to_string()
}

/// Reads any CSV through a column mapping.
pub fn read_mapped_csv(path: &Path, opts: &ImportOptions, report: &mut ImportReport) -> Result<Vec<ImportedEntry>, ImportError> {
    let text = read(path)?;
    let delimiter = if path.extension().is_some_and(|e| e == "tsv") { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().map_err(|e| format_err(path, 1, e.to_string()))?.iter().map(|h| h.trim().to_string()).collect();
    let col = |ours: &str| -> Option<usize> {
        let theirs = opts.columns.get(ours).map(String::as_str).unwrap_or(ours);
        headers.iter().position(|h| h.eq_ignore_ascii_case(theirs))
    };
    let term_col = col("term").ok_or_else(|| format_err(path, 1, "no term column (map it with --column term=THEIRS)"))?;
    let (lang_col, cat_col, target_col, sev_col, amb_col, var_col, note_col) =
        (col("lang"), col("category"), col("target"), col("severity"), col("ambiguous"), col("variants"), col("note"));
    let mut entries = Vec::new();
    for (i, r) in reader.records().enumerate() {
        let r = r.map_err(|e| format_err(path, i + 2, e.to_string()))?;
        let get = |c: Option<usize>| c.and_then(|c| r.get(c)).map(str::trim).unwrap_or("");
        let term = get(Some(term_col));
        if term.is_empty() {
            *report.skipped.entry("empty term".into()).or_default() += 1;
            continue;
        }
        let raw_cat = get(cat_col);
        let mapped = opts.categories.get(raw_cat).map(String::as_str).unwrap_or(raw_cat);
        let Some(category) = Category::parse(if mapped.is_empty() { "derogation" } else { mapped }) else {
            *report.skipped.entry(format!("unmapped category `{raw_cat}` (map it with --category {raw_cat}=OURS)")).or_default() += 1;
            continue;
        };
        let lang = match get(lang_col) {
            "" => opts.lang.clone().unwrap_or_else(|| "und".into()),
            l => l.to_string(),
        };
        entries.push(ImportedEntry {
            term: term.to_string(),
            lang,
            category,
            target: Some(get(target_col)).filter(|t| !t.is_empty()).map(String::from),
            severity: get(sev_col).parse().ok().filter(|s| (1..=3).contains(s)).unwrap_or(2),
            ambiguous: matches!(get(amb_col).to_lowercase().as_str(), "true" | "yes" | "1"),
            variants: get(var_col).split('|').map(str::trim).filter(|v| !v.is_empty()).map(String::from).collect(),
            note: get(note_col).to_string(),
            source: format!("imported from {}", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
        });
    }
    Ok(entries)
}

/// Imports a file and writes a pack into `out` (manifest.toml + terms.csv).
pub fn import(format: ImportFormat, input: &Path, out: &Path, opts: &ImportOptions) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let entries = match format {
        ImportFormat::Hurtlex => read_hurtlex(input, opts, &mut report)?,
        ImportFormat::Hatebase => read_hatebase(input, opts, &mut report)?,
        ImportFormat::Csv => read_mapped_csv(input, opts, &mut report)?,
    };
    let werr = |p: &Path| {
        let path = p.display().to_string();
        move |source| ImportError::Write { path, source }
    };
    std::fs::create_dir_all(out).map_err(werr(out))?;
    let name = opts.name.clone().unwrap_or_else(|| input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "imported".into()));
    let mut langs: Vec<String> = entries.iter().map(|e| e.lang.clone()).collect();
    langs.sort();
    langs.dedup();
    let manifest = format!(
        "name = {}\nversion = \"imported\"\nlanguages = [{}]\nregions = []\nlicense = \"see the license of the source: {}\"\nmaintainer = \"\"\ndescription = {}\n",
        crate::config::toml_string(&name),
        langs.iter().map(|l| crate::config::toml_string(l)).collect::<Vec<_>>().join(", "),
        input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default().replace('"', ""),
        crate::config::toml_string(&format!("Imported with `tocsin lexicon import --format {format:?}` from {}", input.display()).to_lowercase()),
    );
    let manifest_path = out.join("manifest.toml");
    std::fs::write(&manifest_path, manifest).map_err(werr(&manifest_path))?;
    let terms_path = out.join("terms.csv");
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(["term", "lang", "category", "target", "severity", "ambiguous", "variants", "match", "note", "source"]).expect("in memory");
    for e in &entries {
        let mode = if e.term.contains(' ') { "phrase" } else { "word" };
        let _ = MatchMode::parse(mode);
        w.write_record([
            e.term.as_str(),
            &e.lang,
            e.category.as_str(),
            e.target.as_deref().unwrap_or(""),
            &e.severity.to_string(),
            if e.ambiguous { "true" } else { "false" },
            &e.variants.join("|"),
            mode,
            &e.note,
            &e.source,
        ])
        .expect("in memory");
    }
    let bytes = w.into_inner().expect("in memory");
    std::fs::write(&terms_path, bytes).map_err(werr(&terms_path))?;
    report.written = entries.len();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/importers").join(name)
    }

    #[test]
    fn hurtlex_maps_categories_and_keeps_quotes() {
        let mut r = ImportReport::default();
        let e = read_hurtlex(&fixture("hurtlex_EN.tsv"), &ImportOptions::default(), &mut r).unwrap();
        let find = |t: &str| e.iter().find(|x| x.term == t).unwrap_or_else(|| panic!("{t} missing"));
        assert_eq!(find("cockroach").category, Category::Dehumanisation);
        assert!(find("cockroach").ambiguous);
        assert_eq!(find("wop").category, Category::Slur);
        assert_eq!(find("wop").target.as_deref(), Some("ethnicity:any"));
        assert_eq!(find("wop").severity, 2);
        assert!(e.iter().any(|x| x.term.contains('"')));
        // "pig" is listed under AN and CDS: the animal sense wins.
        assert_eq!(find("pig").category, Category::Dehumanisation);
        assert_eq!(r.skipped.values().sum::<usize>(), 1);
        assert!(e.iter().all(|x| x.lang == "en"));
    }

    #[test]
    fn hatebase_json_and_csv() {
        for f in ["hatebase.json", "hatebase.csv"] {
            let mut r = ImportReport::default();
            let e = read_hatebase(&fixture(f), &ImportOptions::default(), &mut r).unwrap();
            assert_eq!(e.len(), 3, "{f}");
            assert_eq!(e[0].lang, "en");
            assert_eq!(e[0].target.as_deref(), Some("ethnicity:any"));
            assert_eq!(e[0].severity, 3);
            assert!(!e[0].ambiguous);
            assert!(e[1].ambiguous);
            assert_eq!(e[2].lang, "sw");
            assert_eq!(e[2].target.as_deref(), Some("religion:any"));
        }
    }

    #[test]
    fn mapped_csv_and_a_pack_that_validates() {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = ImportOptions { lang: Some("en".into()), name: Some("partner".into()), ..Default::default() };
        opts.columns.insert("term".into(), "Word".into());
        opts.columns.insert("category".into(), "Type".into());
        opts.categories.insert("insult".into(), "derogation".into());
        opts.categories.insert("animal".into(), "dehumanisation".into());
        let r = import(ImportFormat::Csv, &fixture("partner.csv"), dir.path(), &opts).unwrap();
        assert_eq!(r.written, 2);
        assert_eq!(r.skipped.values().sum::<usize>(), 1);
        let set = crate::lexicon::load_pack(dir.path()).unwrap();
        assert_eq!(set.lexicons[0].name, "partner");
        assert_eq!(set.entries.len(), 2);
        let r = import(ImportFormat::Hurtlex, &fixture("hurtlex_EN.tsv"), &dir.path().join("h"), &ImportOptions::default()).unwrap();
        assert!(r.written > 5);
        crate::lexicon::load_pack(&dir.path().join("h")).unwrap();
    }
}
