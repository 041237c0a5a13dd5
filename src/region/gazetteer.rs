//! Gazetteers: place names with the region each belongs to, read from our
//! CSV format, validated row by row, and compiled into one Aho-Corasick
//! automaton searched on the same matching view the lexicons use.
//!
//! Format (a header row, columns in any order; `name` and `region` required):
//!
//! | column | meaning |
//! |---|---|
//! | `name` | the place name as written (`Port Asari`, `région du Nord`) |
//! | `lang` | language of this form (`en`, `fr`, `sw`); empty: every language |
//! | `region` | the region code it places a document in (`XA-NO`, `KE-30`) |
//! | `kind` | `admin1` (a region's own name), `city`, `alias` (another name of a place), `demonym` (its people); default `city` |
//! | `population` | inhabitants, when known; `[regions] min_population` leaves out smaller places |
//! | `ambiguous` | `yes` for a name that is also a common word (`Bar`, `Nice`): it is then matched only in an author's location string, never in free text |
//! | `source` | where the knowledge comes from (`GeoNames cities15000.txt`, a survey, an analyst) |
//!
//! docs/REGIONS.md explains the matching and the ambiguity policy.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, Anchored, Input, MatchKind, StartKind};
use sha2::{Digest, Sha256};

use crate::config::Problem;
use crate::lexicon::{for_each_word_start, verify, MatchMode};
use crate::normalize::{is_word_char, MatchingView};

/// What a gazetteer row names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlaceKind {
    /// A first-level administrative division by its own name ("Northern region").
    Admin1,
    /// A city, town or village.
    City,
    /// Another name of a place (an ASCII spelling, an older name, another language's form).
    Alias,
    /// The people of a place ("Northerners").
    Demonym,
}

impl PlaceKind {
    /// Parses the `kind` column (empty means `city`).
    pub fn parse(s: &str) -> Option<PlaceKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "admin1" => PlaceKind::Admin1,
            "" | "city" => PlaceKind::City,
            "alias" => PlaceKind::Alias,
            "demonym" => PlaceKind::Demonym,
            _ => return None,
        })
    }

    /// The name written in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Admin1 => "admin1",
            PlaceKind::City => "city",
            PlaceKind::Alias => "alias",
            PlaceKind::Demonym => "demonym",
        }
    }
}

/// One gazetteer row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The name as written.
    pub name: String,
    /// Language of this form; `None` for every language.
    pub lang: Option<String>,
    /// Region code.
    pub region: String,
    /// What the name names.
    pub kind: PlaceKind,
    /// Inhabitants, when known.
    pub population: Option<u64>,
    /// The name is also a common word: matched in location strings only.
    pub ambiguous: bool,
    /// Where the knowledge came from.
    pub source: String,
    /// 1-based line in its file.
    pub line: usize,
}

/// The columns of our gazetteer CSV, in the order we write them.
pub const COLUMNS: [&str; 7] = ["name", "lang", "region", "kind", "population", "ambiguous", "source"];

/// Options applied while loading.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Places with a known population below this are left out (0: keep all).
    pub min_population: u64,
    /// Names never matched, whatever the gazetteer says (compared on the matching view).
    pub stop: Vec<String>,
}

/// A gazetteer file that was loaded, for the manifest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GazetteerFile {
    /// The file.
    pub path: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Rows loaded (after `min_population` and the stop list).
    pub places: usize,
}

/// Place names compiled for matching.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    places: Vec<Place>,
    automaton: Option<AhoCorasick>,
    /// Pattern → the places that share its normalised form.
    targets: Vec<Vec<u32>>,
    /// The files loaded.
    pub files: Vec<GazetteerFile>,
}

/// Where a name was found, and the regions it can stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention<'g> {
    /// Byte span in the original text.
    pub span: (usize, usize),
    /// The distinct regions of the places with that name (more than one: the name is ambiguous).
    pub regions: Vec<&'g str>,
}

/// What a set of mentions says about the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vote<'g> {
    /// No place named.
    Nothing,
    /// Places named, but no single region stands out.
    Ambiguous,
    /// The region.
    Region(&'g str),
}

fn problem(file: &Path, line: Option<usize>, message: impl Into<String>) -> Problem {
    Problem { file: file.to_path_buf(), line, message: message.into() }
}

fn normal_form(name: &str) -> String {
    MatchingView::plain(name).text().trim().to_string()
}

fn valid_lang(l: &str) -> bool {
    let (base, rest) = l.split_once(['-', '_']).unwrap_or((l, ""));
    (2..=3).contains(&base.len()) && base.chars().all(|c| c.is_ascii_lowercase()) && rest.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Whether a string can be a region code: letters, digits, `-`, `_`, `.`; not `unknown` or `*`.
pub fn valid_region(r: &str) -> bool {
    !r.is_empty() && r != crate::aggregate::UNKNOWN_REGION && r.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Parses one gazetteer CSV; every problem is pushed with its line. Rows with a problem are left out.
pub fn parse(path: &Path, bytes: &[u8], problems: &mut Vec<Problem>) -> Vec<Place> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.push(problem(path, Some(1), format!("cannot read the header: {e}")));
            return Vec::new();
        }
    };
    let mut cols: HashMap<String, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim().to_ascii_lowercase();
        if !COLUMNS.contains(&h.as_str()) {
            problems.push(problem(path, Some(1), format!("unknown column `{h}` (a gazetteer has {})", COLUMNS.join(", "))));
        }
        cols.insert(h, i);
    }
    let missing: Vec<&str> = ["name", "region"].into_iter().filter(|c| !cols.contains_key(*c)).collect();
    if !missing.is_empty() {
        problems.push(problem(path, Some(1), format!("header lacks column(s) {}", missing.join(", "))));
        return Vec::new();
    }
    let mut places = Vec::new();
    let mut seen: HashMap<(String, Option<String>, String), usize> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(path, e.position().map(|p| p.line() as usize), format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let get = |c: &str| cols.get(c).and_then(|&i| record.get(i)).map(str::trim).unwrap_or("");
        let before = problems.len();
        let mut at = |msg: String| problems.push(problem(path, Some(line), msg));
        if record.len() != headers.len() {
            at(format!("{} fields, the header has {}", record.len(), headers.len()));
            continue;
        }
        let name = get("name");
        let normal = normal_form(name);
        if !normal.chars().any(is_word_char) {
            at(format!("name `{name}` normalises to nothing that can be matched"));
        }
        let region = get("region");
        if !valid_region(region) {
            at(format!("region `{region}` must be a code of letters, digits, `-`, `_` or `.` (ISO 3166-2 such as `KE-30`, or your own), not `unknown`"));
        }
        let lang = match get("lang") {
            "" => None,
            l if valid_lang(l) => Some(l.to_string()),
            l => {
                at(format!("lang `{l}` must be a language code (`en`, `fr`, `sw`) or empty for every language"));
                None
            }
        };
        let kind = PlaceKind::parse(get("kind")).unwrap_or_else(|| {
            at(format!("kind `{}` must be admin1, city, alias or demonym", get("kind")));
            PlaceKind::City
        });
        let population = match get("population").replace('_', "").as_str() {
            "" => None,
            p => p.parse::<u64>().map(Some).unwrap_or_else(|_| {
                at(format!("population `{p}` must be a whole number or empty"));
                None
            }),
        };
        let ambiguous = match get("ambiguous").to_ascii_lowercase().as_str() {
            "" | "no" | "false" | "0" => false,
            "yes" | "true" | "1" => true,
            other => {
                at(format!("ambiguous `{other}` must be yes or no"));
                false
            }
        };
        let key = (normal, lang.clone(), region.to_string());
        if let Some(first) = seen.get(&key) {
            at(format!("duplicate: `{name}` ({}, {region}) already at line {first}", lang.as_deref().unwrap_or("every language")));
        }
        if problems.len() > before {
            continue;
        }
        seen.insert(key, line);
        places.push(Place { name: name.to_string(), lang, region: region.to_string(), kind, population, ambiguous, source: get("source").to_string(), line });
    }
    places
}

/// Writes places as our gazetteer CSV.
pub fn write_csv<W: std::io::Write>(out: W, places: &[Place]) -> Result<(), csv::Error> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out);
    w.write_record(COLUMNS)?;
    for p in places {
        let population = p.population.map(|n| n.to_string()).unwrap_or_default();
        w.write_record([
            p.name.as_str(),
            p.lang.as_deref().unwrap_or(""),
            p.region.as_str(),
            p.kind.as_str(),
            population.as_str(),
            if p.ambiguous { "yes" } else { "" },
            p.source.as_str(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

impl Gazetteer {
    /// Loads gazetteer files; every problem of every file is listed.
    pub fn load(paths: &[PathBuf], options: &LoadOptions) -> Result<Gazetteer, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut places = Vec::new();
        let mut files = Vec::new();
        let stop: Vec<String> = options.stop.iter().map(|s| normal_form(s)).collect();
        for path in paths {
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => {
                    problems.push(problem(path, None, format!("cannot read the gazetteer: {e}")));
                    continue;
                }
            };
            let parsed = parse(path, &bytes, &mut problems);
            let kept: Vec<Place> = parsed
                .into_iter()
                .filter(|p| p.population.is_none_or(|n| n >= options.min_population))
                .filter(|p| !stop.contains(&normal_form(&p.name)))
                .collect();
            if kept.is_empty() && problems.is_empty() {
                problems.push(problem(path, None, "the gazetteer has no place (after min_population and the stop list)"));
            }
            files.push(GazetteerFile { path: path.display().to_string(), sha256: hex::encode(Sha256::digest(&bytes)), places: kept.len() });
            places.extend(kept);
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Gazetteer::compile(places, files).map_err(|e| vec![problem(paths.first().map_or(Path::new(""), |p| p.as_path()), None, e.to_string())])
    }

    /// Compiles places into the automaton.
    pub fn compile(places: Vec<Place>, files: Vec<GazetteerFile>) -> Result<Gazetteer, aho_corasick::BuildError> {
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<u32>> = Vec::new();
        for (i, p) in places.iter().enumerate() {
            let form = normal_form(&p.name);
            let k = *index.entry(form.clone()).or_insert_with(|| {
                patterns.push(form);
                targets.push(Vec::new());
                patterns.len() - 1
            });
            targets[k].push(i as u32);
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            Some(AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).start_kind(StartKind::Anchored).build(&patterns)?)
        };
        Ok(Gazetteer { places, automaton, targets, files })
    }

    /// The places.
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// Every place name in a matching view, whole words only, longest first
    /// at each word start. In free text (`location == false`) names marked
    /// ambiguous are skipped and a name of another language than the
    /// document's is ignored; an author's location string is matched against
    /// every name.
    pub fn mentions(&self, view: &MatchingView<'_>, lang: Option<&str>, location: bool) -> Vec<Mention<'_>> {
        let Some(ac) = &self.automaton else { return Vec::new() };
        let text = view.text();
        let mut out = Vec::new();
        let mut covered = 0usize;
        for_each_word_start(text, |start| {
            if start < covered {
                return;
            }
            let mut end = text.len();
            while let Some(m) = ac.find(Input::new(text).span(start..end).anchored(Anchored::Yes)) {
                if let Some((s, e)) = verify(text, m.start(), m.end(), MatchMode::Word, None) {
                    let mut regions: Vec<&str> = self.targets[m.pattern().as_usize()]
                        .iter()
                        .map(|&i| &self.places[i as usize])
                        .filter(|p| location || (!p.ambiguous && lang_fits(p.lang.as_deref(), lang)))
                        .map(|p| p.region.as_str())
                        .collect();
                    regions.sort_unstable();
                    regions.dedup();
                    if !regions.is_empty() {
                        out.push(Mention { span: view.to_original(s, e), regions });
                        covered = e;
                        break;
                    }
                }
                if m.end() <= start + 1 {
                    break;
                }
                end = m.end() - 1;
            }
        });
        out
    }
}

fn lang_base(l: &str) -> &str {
    l.split(['-', '_']).next().unwrap_or(l)
}

/// A name of one language fits a document of that language, or of unknown language.
fn lang_fits(place: Option<&str>, doc: Option<&str>) -> bool {
    match (place, doc) {
        (Some(p), Some(d)) => lang_base(p) == lang_base(d),
        _ => true,
    }
}

/// The region that mentions point to.
///
/// A name that belongs to several regions is ambiguous and never places a
/// document alone; it only adds weight to a region that an unambiguous name
/// also points to. The region named most often wins; a tie is `Ambiguous`.
pub fn vote<'g>(mentions: &[Mention<'g>]) -> Vote<'g> {
    if mentions.is_empty() {
        return Vote::Nothing;
    }
    let mut strong: BTreeMap<&str, usize> = BTreeMap::new();
    let mut weight: BTreeMap<&str, usize> = BTreeMap::new();
    for m in mentions {
        if let [only] = m.regions.as_slice() {
            *strong.entry(only).or_default() += 1;
        }
        for r in &m.regions {
            *weight.entry(r).or_default() += 1;
        }
    }
    let best = strong.keys().map(|r| weight[r]).max();
    let Some(best) = best else { return Vote::Ambiguous };
    let mut winners = strong.keys().filter(|r| weight[*r] == best);
    match (winners.next(), winners.next()) {
        (Some(r), None) => Vote::Region(r),
        _ => Vote::Ambiguous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "name,lang,region,kind,population,ambiguous,source\n\
        Tarsa,,XA-NO,city,184000,,demo\n\
        Northern region,en,XA-NO,admin1,,,demo\n\
        région du Nord,fr,XA-NO,admin1,,,demo\n\
        Port Asari,,XA-SO,city,240000,,demo\n\
        Port,,XA-EA,city,300,,demo\n\
        Nuru,,XA-NO,city,2400,,demo\n\
        Nuru,,XA-EA,city,3100,,demo\n\
        Bara,,XA-SO,city,900,yes,demo\n\
        Kaloni,,XA-EA,city,88000,,demo\n";

    fn gazetteer(csv: &str, options: &LoadOptions) -> Gazetteer {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.csv");
        std::fs::write(&path, csv).unwrap();
        Gazetteer::load(&[path], options).unwrap()
    }

    fn found(g: &Gazetteer, text: &str, lang: Option<&str>, location: bool) -> Vec<(String, Vec<String>)> {
        let view = MatchingView::plain(text);
        g.mentions(&view, lang, location)
            .into_iter()
            .map(|m| (text[m.span.0..m.span.1].to_string(), m.regions.iter().map(|r| r.to_string()).collect()))
            .collect()
    }

    #[test]
    fn names_match_whole_words_on_the_matching_view() {
        let g = gazetteer(CSV, &LoadOptions::default());
        assert_eq!(
            found(&g, "Floods in TARSA and  port   asari today", None, false),
            [("TARSA".into(), vec!["XA-NO".into()]), ("port   asari".into(), vec!["XA-SO".into()])]
        );
        // Not inside a word; the longest name wins at a word start ("Port Asari", not "Port").
        assert!(found(&g, "Tarsans and Kalonians", None, false).is_empty());
        assert_eq!(found(&g, "the port of Kaloni", None, false).len(), 2);
        // Accents and case fold as in the lexicons.
        assert_eq!(found(&g, "Pluies dans la RÉGION DU NORD", Some("fr"), false).len(), 1);
    }

    #[test]
    fn language_forms_and_location_only_names() {
        let g = gazetteer(CSV, &LoadOptions::default());
        // A French form in an English document is not a place name there.
        assert!(found(&g, "région du Nord", Some("en"), false).is_empty());
        assert_eq!(found(&g, "région du Nord", None, false).len(), 1);
        // `Bara` is also a word: only an author's location string places by it.
        assert!(found(&g, "safari ya bara", Some("sw"), false).is_empty());
        assert_eq!(found(&g, "Bara", None, true), [("Bara".into(), vec!["XA-SO".into()])]);
    }

    #[test]
    fn min_population_and_stop_list() {
        let g = gazetteer(CSV, &LoadOptions { min_population: 1000, stop: vec!["KALONI".into()] });
        let names: Vec<&str> = g.places().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Tarsa", "Northern region", "région du Nord", "Port Asari", "Nuru", "Nuru"]);
        assert_eq!(g.files[0].places, 6);
    }

    #[test]
    fn voting_policy() {
        let g = gazetteer(CSV, &LoadOptions::default());
        let vote_of = |text: &str| {
            let view = MatchingView::plain(text);
            let m = g.mentions(&view, None, false);
            match vote(&m) {
                Vote::Region(r) => r.to_string(),
                Vote::Ambiguous => "ambiguous".into(),
                Vote::Nothing => "nothing".into(),
            }
        };
        assert_eq!(vote_of("nothing here"), "nothing");
        assert_eq!(vote_of("rain in Tarsa"), "XA-NO");
        // A name of two regions does not place alone …
        assert_eq!(vote_of("the market at Nuru"), "ambiguous");
        // … but adds weight to a region that an unambiguous name names too.
        assert_eq!(vote_of("from Nuru to Kaloni"), "XA-EA");
        assert_eq!(vote_of("from Nuru to Kaloni and Tarsa"), "ambiguous");
        // Most often named wins; a tie is ambiguous.
        assert_eq!(vote_of("Tarsa, Port Asari, Tarsa"), "XA-NO");
        assert_eq!(vote_of("road from Tarsa to Port Asari"), "ambiguous");
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.csv");
        let csv = "name,lang,region,kind,population,ambiguous,source,colour\n\
            Tarsa,,XA-NO,city,184000,,demo,\n\
            ,,XA-NO,city,,,demo,\n\
            Mbeli,english,XA NO,town,many,maybe,demo,\n\
            Tarsa,,XA-NO,alias,,,demo,\n\
            Hanuri,,XA-NO,city\n";
        std::fs::write(&path, csv).unwrap();
        let problems = Gazetteer::load(std::slice::from_ref(&path), &LoadOptions::default()).unwrap_err();
        let lines: Vec<(Option<usize>, &str)> = problems.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert!(lines[0].0 == Some(1) && lines[0].1.contains("unknown column `colour`"), "{lines:?}");
        assert!(lines.iter().any(|(l, m)| *l == Some(3) && m.contains("normalises to nothing")), "{lines:?}");
        for word in ["lang `english`", "region `XA NO`", "kind `town`", "population `many`", "ambiguous `maybe`"] {
            assert!(lines.iter().any(|(l, m)| *l == Some(4) && m.contains(word)), "{word}: {lines:?}");
        }
        assert!(lines.iter().any(|(l, m)| *l == Some(5) && m.contains("already at line 2")), "{lines:?}");
        assert!(lines.iter().any(|(l, m)| *l == Some(6) && m.contains("4 fields")), "{lines:?}");
        assert!(problems.iter().all(|p| p.file == path));
    }

    #[test]
    fn written_csv_reads_back() {
        let g = gazetteer(CSV, &LoadOptions::default());
        let mut out = Vec::new();
        write_csv(&mut out, g.places()).unwrap();
        let mut problems = Vec::new();
        let back = parse(Path::new("x.csv"), &out, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            back.iter().map(|p| (&p.name, &p.region, p.population, p.ambiguous)).collect::<Vec<_>>(),
            g.places().iter().map(|p| (&p.name, &p.region, p.population, p.ambiguous)).collect::<Vec<_>>()
        );
    }
}
