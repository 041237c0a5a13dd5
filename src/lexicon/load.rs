//! Reading lexicon packs and plain CSV lexicons, with validation that lists
//! every problem (file and line) instead of stopping at the first.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{Cue, CueScope, Entry, LexiconInfo, LexiconSet, MatchMode};
use crate::config::Problem;
use crate::normalize::MatchingView;
use crate::signal::{Category, Modifier};

/// Lexicons that cannot be used, with every problem found.
#[derive(Debug, thiserror::Error)]
#[error("{} lexicon problem(s):\n{}", .problems.len(), .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
pub struct LexiconError {
    /// All problems, in file order.
    pub problems: Vec<Problem>,
}

const TARGET_KINDS: [&str; 11] =
    ["ethnicity", "religion", "nationality", "migrants", "gender", "sexual_orientation", "gender_identity", "disability", "caste", "political", "other"];

fn problem(file: &Path, line: Option<usize>, message: impl Into<String>) -> Problem {
    Problem { file: file.to_path_buf(), line, message: message.into() }
}

/// Loads lexicons from folders and files: a CSV/TSV file is one lexicon; a
/// folder with `manifest.toml` or `terms.csv` is one pack; any other folder
/// holds packs in its sub-folders (sorted by name).
pub fn load_lexicons(paths: &[PathBuf]) -> Result<LexiconSet, LexiconError> {
    let mut set = LexiconSet::default();
    let mut problems = Vec::new();
    for path in paths {
        if path.is_file() {
            load_csv_lexicon(path, &mut set, &mut problems);
        } else if path.is_dir() {
            if is_pack(path) {
                load_pack_into(path, &mut set, &mut problems);
            } else {
                let mut subs: Vec<PathBuf> = match std::fs::read_dir(path) {
                    Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir() && is_pack(p)).collect(),
                    Err(e) => {
                        problems.push(problem(path, None, format!("cannot list lexicon folder: {e}")));
                        continue;
                    }
                };
                subs.sort();
                if subs.is_empty() {
                    problems.push(problem(path, None, "no lexicon here: expected terms.csv, manifest.toml, or sub-folders holding them"));
                }
                for sub in subs {
                    load_pack_into(&sub, &mut set, &mut problems);
                }
            }
        } else {
            problems.push(problem(path, None, "lexicon path does not exist"));
        }
    }
    check_collisions(&set, &mut problems);
    if problems.is_empty() {
        Ok(set)
    } else {
        Err(LexiconError { problems })
    }
}

/// Loads one pack folder on its own (for `tocsin lexicon check`).
pub fn load_pack(path: &Path) -> Result<LexiconSet, LexiconError> {
    load_lexicons(&[path.to_path_buf()])
}

fn is_pack(dir: &Path) -> bool {
    dir.join("manifest.toml").is_file() || dir.join("terms.csv").is_file()
}

fn load_pack_into(dir: &Path, set: &mut LexiconSet, problems: &mut Vec<Problem>) {
    let mut hasher = Sha256::new();
    let manifest_path = dir.join("manifest.toml");
    let dir_name = dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut info = LexiconInfo {
        name: dir_name.clone(),
        version: String::new(),
        languages: Vec::new(),
        regions: Vec::new(),
        license: String::new(),
        maintainer: String::new(),
        description: String::new(),
        path: dir.to_path_buf(),
        sha256: String::new(),
        entries: 0,
    };
    match std::fs::read_to_string(&manifest_path) {
        Ok(text) => {
            hasher.update(text.as_bytes());
            match toml::from_str::<LexiconInfo>(&text) {
                Ok(m) => {
                    info = LexiconInfo { path: dir.to_path_buf(), ..m };
                }
                Err(e) => problems.push(problem(&manifest_path, e.span().map(|s| crate::config::line_of(&text, s.start)), e.message().trim())),
            }
        }
        Err(_) => problems.push(problem(&manifest_path, None, "missing manifest.toml (name, version, languages, license, maintainer)")),
    }
    let terms = dir.join("terms.csv");
    let before = set.entries.len();
    if terms.is_file() {
        if let Some(bytes) = read(&terms, problems) {
            hasher.update(&bytes);
            parse_terms(&terms, &bytes, b',', &info.name, true, set, problems);
        }
    }
    let modifiers = dir.join("modifiers.csv");
    if modifiers.is_file() {
        if let Some(bytes) = read(&modifiers, problems) {
            hasher.update(&bytes);
            parse_cues(&modifiers, &bytes, &info.name, set, problems);
        }
    }
    let rules = dir.join("rules.toml");
    if rules.is_file() {
        match std::fs::read_to_string(&rules) {
            Ok(text) => {
                hasher.update(text.as_bytes());
                set.rule_files.push((rules, text));
            }
            Err(e) => problems.push(problem(&rules, None, format!("cannot read: {e}"))),
        }
    }
    let words = dir.join("words.txt");
    if words.is_file() {
        if let Some(bytes) = read(&words, problems) {
            hasher.update(&bytes);
            let lang = info.languages.first().cloned().unwrap_or_else(|| info.name.clone());
            parse_words(&words, &bytes, &lang, set, problems);
        }
    }
    info.entries = set.entries.len() - before;
    info.sha256 = hex::encode(hasher.finalize());
    set.lexicons.push(info);
}

fn read(path: &Path, problems: &mut Vec<Problem>) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) => {
            problems.push(problem(path, None, format!("cannot read: {e}")));
            None
        }
    }
}

fn load_csv_lexicon(path: &Path, set: &mut LexiconSet, problems: &mut Vec<Problem>) {
    let Some(bytes) = read(path, problems) else {
        return;
    };
    csv_lexicon_into(path, &bytes, set, problems);
}

/// Reads one plain CSV lexicon (TSV when `path` ends in `.tsv`) from its bytes, as
/// [`load_lexicons`] reads such a file; `path` only names it in problems.
pub fn parse_csv_lexicon(path: &Path, bytes: &[u8]) -> Result<LexiconSet, LexiconError> {
    let mut set = LexiconSet::default();
    let mut problems = Vec::new();
    csv_lexicon_into(path, bytes, &mut set, &mut problems);
    check_collisions(&set, &mut problems);
    if problems.is_empty() {
        Ok(set)
    } else {
        Err(LexiconError { problems })
    }
}

/// Reads a pack's `modifiers.csv` from its bytes, as a pack is loaded; `path` only names it in problems.
pub fn parse_modifiers(path: &Path, bytes: &[u8], lexicon: &str) -> Result<LexiconSet, LexiconError> {
    let mut set = LexiconSet::default();
    let mut problems = Vec::new();
    parse_cues(path, bytes, lexicon, &mut set, &mut problems);
    if problems.is_empty() {
        Ok(set)
    } else {
        Err(LexiconError { problems })
    }
}

fn csv_lexicon_into(path: &Path, bytes: &[u8], set: &mut LexiconSet, problems: &mut Vec<Problem>) {
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "lexicon".into());
    let delimiter = if path.extension().is_some_and(|e| e == "tsv") { b'\t' } else { b',' };
    let before = set.entries.len();
    parse_terms(path, bytes, delimiter, &name, false, set, problems);
    set.lexicons.push(LexiconInfo {
        name,
        version: String::new(),
        languages: Vec::new(),
        regions: Vec::new(),
        license: String::new(),
        maintainer: String::new(),
        description: "plain CSV lexicon".into(),
        path: path.to_path_buf(),
        sha256: hex::encode(Sha256::digest(bytes)),
        entries: set.entries.len() - before,
    });
}

/// Column positions of a header row; `None` for absent columns.
struct Columns(HashMap<String, usize>);

impl Columns {
    fn get<'r>(&self, record: &'r csv::StringRecord, name: &str) -> &'r str {
        self.0.get(name).and_then(|&i| record.get(i)).map(str::trim).unwrap_or("")
    }
}

fn csv_reader(bytes: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(bytes)
}

fn header(path: &Path, reader: &mut csv::Reader<&[u8]>, required: &[&str], problems: &mut Vec<Problem>) -> Option<Columns> {
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.push(problem(path, Some(1), format!("cannot read header: {e}")));
            return None;
        }
    };
    let cols = Columns(headers.iter().enumerate().map(|(i, h)| (h.trim().to_ascii_lowercase(), i)).collect());
    let missing: Vec<&str> = required.iter().copied().filter(|r| !cols.0.contains_key(*r)).collect();
    if !missing.is_empty() {
        problems.push(problem(path, Some(1), format!("header lacks column(s) {}", missing.join(", "))));
        return None;
    }
    Some(cols)
}

/// `strict`: a form that normalises to another of the same language and category is a problem (our packs);
/// otherwise (a plain CSV lexicon read as it is, e.g. terms differing only by accents) both are kept, with a warning.
fn parse_terms(path: &Path, bytes: &[u8], delimiter: u8, lexicon: &str, strict: bool, set: &mut LexiconSet, problems: &mut Vec<Problem>) {
    let mut reader = csv_reader(bytes, delimiter);
    let Some(cols) = header(path, &mut reader, &["term", "lang", "category"], problems) else {
        return;
    };
    let mut seen: HashMap<(String, String, Category), usize> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                problems.push(problem(path, line, format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let at = |msg: String| problem(path, Some(line), msg);
        let term = cols.get(&record, "term");
        if term.is_empty() {
            problems.push(at("empty term".into()));
            continue;
        }
        let category_s = cols.get(&record, "category");
        let Some(category) = Category::parse(category_s) else {
            problems.push(at(format!("unknown category `{category_s}` for `{term}`")));
            continue;
        };
        let lang = cols.get(&record, "lang");
        let lang = if lang.is_empty() { "und" } else { lang };
        let severity = match cols.get(&record, "severity") {
            "" => 2,
            s => match s.parse::<u8>() {
                Ok(v @ 1..=3) => v,
                _ => {
                    problems.push(at(format!("severity `{s}` for `{term}` must be 1, 2 or 3")));
                    2
                }
            },
        };
        let mut ambiguous_in = Vec::new();
        let ambiguous = match cols.get(&record, "ambiguous").to_ascii_lowercase().as_str() {
            "" | "false" | "no" | "0" => false,
            "true" | "yes" | "1" => true,
            s if s.split(['|', ' ', ';']).filter(|x| !x.is_empty()).all(|x| x.len() == 2 && x.chars().all(|c| c.is_ascii_lowercase())) => {
                // A list of languages: ambiguous only in documents of those languages.
                ambiguous_in = s.split(['|', ' ', ';']).filter(|x| !x.is_empty()).map(String::from).collect();
                false
            }
            s => {
                problems.push(at(format!("ambiguous `{s}` for `{term}` must be true, false, or language codes (`fr|es`) where the word is ambiguous")));
                false
            }
        };
        let mode_s = cols.get(&record, "match");
        let mode = MatchMode::parse(mode_s).unwrap_or_else(|| {
            problems.push(at(format!("match `{mode_s}` for `{term}` must be word, prefix, substring or phrase")));
            MatchMode::Word
        });
        let target = match cols.get(&record, "target") {
            "" => None,
            t => {
                let kind = t.split(':').next().unwrap_or("");
                if !t.contains(':') || !TARGET_KINDS.contains(&kind) || t.ends_with(':') {
                    problems.push(at(format!("target `{t}` for `{term}` must be kind:group with kind one of {}", TARGET_KINDS.join(", "))));
                }
                Some(t.to_string())
            }
        };
        let variants: Vec<String> = cols.get(&record, "variants").split('|').map(str::trim).filter(|v| !v.is_empty()).map(String::from).collect();
        for form in std::iter::once(term).chain(variants.iter().map(String::as_str)) {
            let normal = MatchingView::plain(form).text().trim().to_string();
            if normal.is_empty() || !normal.chars().any(crate::normalize::is_word_char) {
                problems.push(at(format!("`{form}` normalises to nothing that can be matched")));
                continue;
            }
            if mode == MatchMode::Prefix && normal.chars().count() < 4 {
                problems.push(at(format!("prefix `{form}` is shorter than 4 letters: it would match too many words")));
            }
            let key = (normal, lang.to_string(), category);
            if let Some(&first) = seen.get(&key) {
                // A variant that only differs from its own term by accents or apostrophes is harmless.
                if first == line {
                    continue;
                }
                let message = format!("duplicate: `{form}` ({lang}, {}) already at line {first}", category.as_str());
                if strict {
                    problems.push(at(message));
                } else {
                    folded_warning(path, line, &message);
                }
            } else {
                seen.insert(key, line);
            }
        }
        set.entries.push(Entry {
            term: term.to_string(),
            lang: lang.to_string(),
            category,
            target,
            severity,
            ambiguous,
            ambiguous_in,
            variants,
            mode,
            note: cols.get(&record, "note").to_string(),
            source: cols.get(&record, "source").to_string(),
            lexicon: lexicon.to_string(),
            line,
            exact: !strict,
        });
    }
}

fn parse_cues(path: &Path, bytes: &[u8], lexicon: &str, set: &mut LexiconSet, problems: &mut Vec<Problem>) {
    let mut reader = csv_reader(bytes, b',');
    let Some(cols) = header(path, &mut reader, &["cue", "lang", "modifier"], problems) else {
        return;
    };
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(path, e.position().map(|p| p.line() as usize), format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let cue = cols.get(&record, "cue");
        let modifier_s = cols.get(&record, "modifier");
        let scope_s = cols.get(&record, "scope");
        let modifier = Modifier::parse(modifier_s).filter(|m| *m != Modifier::Obfuscated);
        let scope = CueScope::parse(scope_s);
        if cue.is_empty() || !MatchingView::plain(cue).text().chars().any(crate::normalize::is_word_char) {
            problems.push(problem(
                path,
                Some(line),
                format!("cue `{cue}` has no letters: punctuation cannot be matched as a word (question marks are read from the sentence itself)"),
            ));
            continue;
        }
        match (modifier, scope) {
            (Some(modifier), Some(scope)) => {
                set.cues.push(Cue { cue: cue.to_string(), lang: cols.get(&record, "lang").to_string(), modifier, scope, lexicon: lexicon.to_string(), line })
            }
            (None, _) => problems.push(problem(
                path,
                Some(line),
                format!("unknown modifier `{modifier_s}` for cue `{cue}` (negation, reported, counter, question, hypothetical, call_to_action)"),
            )),
            (_, None) => problems.push(problem(path, Some(line), format!("unknown scope `{scope_s}` for cue `{cue}` (following, sentence, preceding)"))),
        }
    }
}

/// `words.txt`: one real word per line, `#` starts a comment.
fn parse_words(path: &Path, bytes: &[u8], lang: &str, set: &mut LexiconSet, problems: &mut Vec<Problem>) {
    let text = match std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)) {
        Ok(t) => t,
        Err(e) => {
            problems.push(problem(path, None, format!("not UTF-8: {e}")));
            return;
        }
    };
    for (i, line) in text.lines().enumerate() {
        let word = line.split('#').next().unwrap_or("").trim();
        if word.is_empty() {
            continue;
        }
        if word.chars().any(|c| c.is_whitespace()) {
            problems.push(problem(path, Some(i + 1), format!("`{word}`: one word per line")));
            continue;
        }
        set.words.push((lang.to_string(), word.to_string()));
    }
}

/// Warns of two forms of a plain CSV lexicon that the matching view cannot tell apart (accents, case).
fn folded_warning(path: &Path, line: usize, message: &str) {
    tracing::warn!("{}:{line}: {message} (the matching view folds them together; both entries are kept)", path.display());
}

/// A variant of one entry that normalises to the form of another entry of the
/// same language but a different category makes matches ambiguous.
fn check_collisions(set: &LexiconSet, problems: &mut Vec<Problem>) {
    let mut forms: HashMap<(String, &str), (&Entry, &str)> = HashMap::new();
    for e in &set.entries {
        for form in std::iter::once(e.term.as_str()).chain(e.variants.iter().map(String::as_str)) {
            let normal = MatchingView::plain(form).text().trim().to_string();
            match forms.get(&(normal.clone(), e.lang.as_str())) {
                Some((other, other_form)) if other.category != e.category && other.lexicon == e.lexicon => {
                    let info = set.lexicons.iter().find(|l| l.name == e.lexicon);
                    // A plain CSV lexicon is the file itself; a pack keeps its terms in terms.csv.
                    let plain_csv = info.is_some_and(|l| l.path.is_file());
                    let file = info.map(|l| if plain_csv { l.path.clone() } else { l.path.join("terms.csv") }).unwrap_or_default();
                    let message =
                        format!("`{form}` ({}) collides with `{other_form}` ({}) at line {}", e.category.as_str(), other.category.as_str(), other.line);
                    if plain_csv {
                        // Read as it is: both entries stay, and a text with that form counts in both categories.
                        folded_warning(&file, e.line, &message);
                    } else {
                        problems.push(problem(&file, Some(e.line), message));
                    }
                }
                Some(_) => {}
                None => {
                    forms.insert((normal, e.lang.as_str()), (e, form));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn plain_csv_with_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "lex.csv", "term,lang,category\nvermin,en,dehumanisation\nVerräter,de,disloyalty\n");
        let set = load_lexicons(&[p]).unwrap();
        assert_eq!(set.entries.len(), 2);
        assert_eq!(set.entries[0].severity, 2);
        assert_eq!(set.entries[0].mode, MatchMode::Word);
        assert_eq!(set.entries[1].line, 3);
        assert_eq!(set.lexicons[0].entries, 2);
    }

    #[test]
    fn a_plain_csv_lexicon_is_read_as_it_is_even_where_folding_joins_two_terms() {
        // Terms that differ only by an accent: a duplicate or a collision in our packs, but a CSV
        // lexicon from elsewhere (the shared benchmark's) must load as it is, every entry kept.
        let dir = tempfile::tempdir().unwrap();
        let text = "term,lang,category\nnocigo,es,exclusion\nnócigo,es,exclusion\ntirino,es,dehumanisation\ntiriño,es,violence_call\n";
        let set = load_lexicons(&[write(dir.path(), "lex.csv", text)]).unwrap();
        assert_eq!(set.entries.iter().map(|e| e.term.as_str()).collect::<Vec<_>>(), ["nocigo", "nócigo", "tirino", "tiriño"]);
        assert!(set.entries.iter().all(|e| e.exact), "a plain list is matched as written");
        // Each twin takes the texts spelt like it, in its own category, and nothing else.
        let lex = crate::lexicon::CompiledLexicon::compile(set.entries.clone()).unwrap();
        let found = |text: &str| -> Vec<String> {
            let plain = MatchingView::plain(text);
            let agg = MatchingView::aggressive(&plain);
            lex.find(&plain, agg.as_ref(), Some("es")).iter().map(|h| format!("{}={}", &text[h.span.0..h.span.1], lex.entries[h.entry as usize].term)).collect()
        };
        assert_eq!(found("NÓCIGO y nocigo"), ["NÓCIGO=nócigo", "nocigo=nocigo"]);
        assert_eq!(found("tiriño, TIRINO"), ["tiriño=tiriño", "TIRINO=tirino"]);
        assert_eq!(found("tiriñó tirinos"), Vec::<String>::new());
        // The same rows in a pack still fail, naming the pack's terms.csv.
        let pack = dir.path().join("pack");
        std::fs::create_dir(&pack).unwrap();
        write(&pack, "terms.csv", text);
        let err = load_pack(&pack).unwrap_err().to_string();
        assert!(err.contains("duplicate") && err.contains("collides") && err.contains("pack/terms.csv"), "{err}");
    }

    #[test]
    fn every_problem_is_listed_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "manifest.toml", "name = \"t\"\nversion = \"1\"\n");
        write(
            dir.path(),
            "terms.csv",
            "term,lang,category,target,severity,ambiguous,variants,match,note,source\n\
             vermin,en,dehumanisation,,2,false,,word,,\n\
             ,en,slur,,1,false,,word,,\n\
             pests,en,weather,,1,false,,word,,\n\
             rats,en,dehumanisation,,7,maybe,,word,,\n\
             VERMIN,en,dehumanisation,,2,false,,word,,\n\
             ...,en,slur,,1,false,,word,,\n\
             kafir,ar,slur,religion,2,false,,word,,\n\
             traitor,en,disloyalty,,2,false,vermin,word,,\n",
        );
        write(dir.path(), "modifiers.csv", "cue,lang,modifier,scope,note\nnot,en,negation,following,\nsaid,en,gossip,sentence,\n");
        let err = load_pack(dir.path()).unwrap_err();
        let lines: Vec<Option<usize>> = err.problems.iter().map(|p| p.line).collect();
        let text = err.to_string();
        for needle in [
            "empty term",
            "unknown category `weather`",
            "severity `7`",
            "ambiguous `maybe`",
            "duplicate",
            "normalises to nothing",
            "target `religion`",
            "collides",
            "unknown modifier `gossip`",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in {text}");
        }
        assert!(lines.contains(&Some(3)) && lines.contains(&Some(4)) && lines.contains(&Some(9)), "{lines:?}");
    }

    #[test]
    fn pack_folders_and_folders_of_packs() {
        let dir = tempfile::tempdir().unwrap();
        let en = dir.path().join("en");
        std::fs::create_dir(&en).unwrap();
        write(&en, "manifest.toml", "name = \"tocsin-en\"\nversion = \"0.1.0\"\nlanguages = [\"en\"]\n");
        write(&en, "terms.csv", "term,lang,category\nvermin,en,dehumanisation\n");
        let set = load_lexicons(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(set.lexicons[0].name, "tocsin-en");
        assert_eq!(set.lexicons[0].sha256.len(), 64);
        let empty = tempfile::tempdir().unwrap();
        assert!(load_lexicons(&[empty.path().to_path_buf()]).is_err());
    }

    #[test]
    fn words_txt_is_read_with_the_pack_language_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "manifest.toml", "name = \"t\"\nlanguages = [\"fr\"]\n");
        write(dir.path(), "terms.csv", "term,lang,category\nvermine,fr,dehumanisation\n");
        write(dir.path(), "words.txt", "# guard list\nthérapeute\n\nmais  # a comment\n");
        let set = load_pack(dir.path()).unwrap();
        assert_eq!(set.words, vec![("fr".to_string(), "thérapeute".to_string()), ("fr".to_string(), "mais".to_string())]);
        write(dir.path(), "words.txt", "bon\ndeux mots\n");
        let err = load_pack(dir.path()).unwrap_err();
        assert_eq!(err.problems[0].line, Some(2), "{err}");
    }
}
