//! GeoNames importers: `admin1CodesASCII.txt` and the `cities*.txt` tables
//! (<https://download.geonames.org/export/dump/>, CC BY 4.0) into our
//! gazetteer CSV.
//!
//! - admin1 (`CC.ADM1 \t name \t asciiname \t geonameid`): one `admin1` row
//!   per division, plus its ASCII name as an `alias` when it differs.
//! - cities (the 19-column geoname table): one `city` row per place, its
//!   ASCII name and its alternate names as `alias` rows, with the place's
//!   population. Alternate names that are codes or links (digits, `http`,
//!   all-capital words of up to four letters such as airport codes) are left
//!   out.
//!
//! The region is `CC-ADM1`: the country code and GeoNames' admin1 code.
//! For many countries the admin1 code is not the ISO 3166-2 subdivision code
//! (GeoNames often uses FIPS numbers): map them with a find-and-replace on
//! the `region` column, or use the codes as your own. Names of three
//! characters or fewer are marked `ambiguous` (location strings only); a row
//! whose name and region repeat an earlier row is written once. A malformed
//! line stops the import with every problem listed (file and line): a
//! truncated download must not become a silently smaller gazetteer.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::gazetteer::{Place, PlaceKind};
use crate::config::Problem;
use crate::normalize::MatchingView;

/// The GeoNames file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GeonamesFormat {
    /// `admin1CodesASCII.txt`: `CC.ADM1`, name, ASCII name, geonameid.
    GeonamesAdmin1,
    /// `cities500.txt`, `cities15000.txt`, …: the 19-column geoname table.
    GeonamesCities,
}

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct GeonamesOptions {
    /// Only this country (ISO 3166-1 alpha-2, e.g. `KE`).
    pub country: Option<String>,
    /// With the cities format: an `admin1CodesASCII.txt` whose division names are imported too,
    /// and whose codes a city must have to be kept.
    pub admin1: Option<PathBuf>,
    /// Cities below this population are left out.
    pub min_population: u64,
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum GeonamesError {
    /// A file could not be read.
    #[error("reading `{path}`: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Lines that are not in the GeoNames format.
    #[error("{} malformed line(s):\n{}", .0.len(), .0.iter().take(50).map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Malformed(Vec<Problem>),
    /// The options are contradictory.
    #[error("{0}")]
    Options(String),
}

/// What an import produced.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// The gazetteer rows.
    pub places: Vec<Place>,
    /// Lines or names left out, by reason.
    pub skipped: BTreeMap<&'static str, usize>,
}

impl Imported {
    fn push(&mut self, seen: &mut HashSet<(String, String)>, place: Place) {
        let key = (MatchingView::plain(&place.name).text().trim().to_string(), place.region.clone());
        if seen.insert(key) {
            self.places.push(place);
        } else {
            *self.skipped.entry("name already listed for the region").or_default() += 1;
        }
    }
}

fn problem(file: &Path, line: usize, message: impl Into<String>) -> Problem {
    Problem { file: file.to_path_buf(), line: Some(line), message: message.into() }
}

fn read(path: &Path) -> Result<String, GeonamesError> {
    let bytes = crate::ingest::decompress::read_all(path).map_err(|source| GeonamesError::Read { path: path.to_path_buf(), source })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn source_label(path: &Path) -> String {
    format!("GeoNames {}", path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()))
}

fn country_ok(cc: &str) -> bool {
    cc.len() == 2 && cc.chars().all(|c| c.is_ascii_uppercase())
}

/// Short names are usually also words or abbreviations somewhere.
fn short(name: &str) -> bool {
    MatchingView::plain(name).text().trim().chars().count() <= 3
}

/// An alternate name that is a code or a link, not a name people write.
fn code_like(name: &str) -> bool {
    name.is_empty()
        || name.chars().any(|c| c.is_ascii_digit())
        || name.contains("http")
        || name.contains('/')
        || (name.len() <= 4 && name.chars().all(|c| c.is_ascii_uppercase()))
}

/// Lines of a GeoNames file (tab-separated, no header), with their 1-based numbers; blank and `#` lines skipped.
fn lines(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')).map(|(i, l)| (i + 1, l.split('\t').collect()))
}

struct Admin1Row {
    region: String,
    name: String,
    ascii: String,
}

fn read_admin1(path: &Path, country: Option<&str>, problems: &mut Vec<Problem>) -> Result<Vec<Admin1Row>, GeonamesError> {
    let text = read(path)?;
    let mut rows = Vec::new();
    for (n, f) in lines(&text) {
        if f.len() != 4 {
            problems.push(problem(path, n, format!("{} tab-separated fields, admin1CodesASCII.txt has 4 (CC.ADM1, name, asciiname, geonameid)", f.len())));
            continue;
        }
        let Some((cc, adm1)) = f[0].split_once('.').filter(|(cc, a)| country_ok(cc) && !a.is_empty()) else {
            problems.push(problem(path, n, format!("code `{}` is not CC.ADM1 (e.g. `KE.05`)", f[0])));
            continue;
        };
        if f[1].trim().is_empty() {
            problems.push(problem(path, n, "empty name"));
            continue;
        }
        if f[3].trim().parse::<u64>().is_err() {
            problems.push(problem(path, n, format!("geonameid `{}` is not a number", f[3])));
            continue;
        }
        if country.is_some_and(|c| c != cc) {
            continue;
        }
        rows.push(Admin1Row { region: format!("{cc}-{adm1}"), name: f[1].trim().to_string(), ascii: f[2].trim().to_string() });
    }
    Ok(rows)
}

fn push_admin1(out: &mut Imported, seen: &mut HashSet<(String, String)>, rows: &[Admin1Row], source: &str) {
    for r in rows {
        let same = MatchingView::plain(&r.ascii).text() == MatchingView::plain(&r.name).text();
        for (name, kind) in [(&r.name, PlaceKind::Admin1), (&r.ascii, PlaceKind::Alias)] {
            if name.is_empty() || (kind == PlaceKind::Alias && same) {
                continue;
            }
            let place = Place {
                name: name.clone(),
                lang: None,
                region: r.region.clone(),
                kind,
                population: None,
                ambiguous: short(name),
                source: source.to_string(),
                line: 0,
            };
            out.push(seen, place);
        }
    }
}

/// Reads GeoNames files into gazetteer rows.
pub fn import(format: GeonamesFormat, files: &[PathBuf], options: &GeonamesOptions) -> Result<Imported, GeonamesError> {
    if let Some(c) = &options.country {
        if !country_ok(c) {
            return Err(GeonamesError::Options(format!("--country `{c}` must be an ISO 3166-1 alpha-2 code in capitals (e.g. KE)")));
        }
    }
    if format == GeonamesFormat::GeonamesAdmin1 && options.admin1.is_some() {
        return Err(GeonamesError::Options("--admin1 goes with --format geonames-cities".into()));
    }
    let country = options.country.as_deref();
    let mut problems = Vec::new();
    let mut out = Imported::default();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    match format {
        GeonamesFormat::GeonamesAdmin1 => {
            for f in files {
                let rows = read_admin1(f, country, &mut problems)?;
                push_admin1(&mut out, &mut seen, &rows, &source_label(f));
            }
        }
        GeonamesFormat::GeonamesCities => {
            let known: Option<BTreeSet<String>> = match &options.admin1 {
                Some(a) => {
                    let rows = read_admin1(a, country, &mut problems)?;
                    push_admin1(&mut out, &mut seen, &rows, &source_label(a));
                    Some(rows.into_iter().map(|r| r.region).collect())
                }
                None => None,
            };
            for f in files {
                read_cities(f, country, known.as_ref(), options.min_population, &mut out, &mut seen, &mut problems)?;
            }
        }
    }
    if !problems.is_empty() {
        return Err(GeonamesError::Malformed(problems));
    }
    Ok(out)
}

fn read_cities(
    path: &Path,
    country: Option<&str>,
    known: Option<&BTreeSet<String>>,
    min_population: u64,
    out: &mut Imported,
    seen: &mut HashSet<(String, String)>,
    problems: &mut Vec<Problem>,
) -> Result<(), GeonamesError> {
    let text = read(path)?;
    let source = source_label(path);
    for (n, f) in lines(&text) {
        if f.len() != 19 {
            problems.push(problem(path, n, format!("{} tab-separated fields, the geoname table has 19", f.len())));
            continue;
        }
        let (id, name, ascii, alternates, cc, admin1, population) = (f[0], f[1].trim(), f[2].trim(), f[3], f[8], f[10].trim(), f[14].trim());
        let mut bad = |m: String| problems.push(problem(path, n, m));
        if id.parse::<u64>().is_err() {
            bad(format!("geonameid `{id}` is not a number"));
            continue;
        }
        if name.is_empty() {
            bad("empty name".into());
            continue;
        }
        if !country_ok(cc) {
            bad(format!("country code `{cc}` is not two capital letters"));
            continue;
        }
        let population = match population {
            "" => 0,
            p => match p.parse::<u64>() {
                Ok(v) => v,
                Err(_) => {
                    bad(format!("population `{p}` is not a whole number"));
                    continue;
                }
            },
        };
        if country.is_some_and(|c| c != cc) {
            continue;
        }
        if admin1.is_empty() || admin1 == "00" {
            *out.skipped.entry("no admin1 code").or_default() += 1;
            continue;
        }
        let region = format!("{cc}-{admin1}");
        if known.is_some_and(|k| !k.contains(&region)) {
            *out.skipped.entry("admin1 code not in the --admin1 file").or_default() += 1;
            continue;
        }
        if population < min_population {
            *out.skipped.entry("below --min-population").or_default() += 1;
            continue;
        }
        let mut names: Vec<(&str, PlaceKind)> = vec![(name, PlaceKind::City), (ascii, PlaceKind::Alias)];
        for alt in alternates.split(',').map(str::trim) {
            if code_like(alt) {
                if !alt.is_empty() {
                    *out.skipped.entry("alternate name that is a code or a link").or_default() += 1;
                }
                continue;
            }
            names.push((alt, PlaceKind::Alias));
        }
        let mut own: HashSet<String> = HashSet::new();
        for (form, kind) in names {
            let normal = MatchingView::plain(form).text().trim().to_string();
            if form.is_empty() || !own.insert(normal) {
                continue;
            }
            let place = Place {
                name: form.to_string(),
                lang: None,
                region: region.clone(),
                kind,
                population: Some(population),
                ambiguous: short(form),
                source: source.clone(),
                line: 0,
            };
            out.push(seen, place);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    #[test]
    fn admin1_rows_and_ascii_aliases() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(dir.path(), "admin1CodesASCII.txt", "XA.01\tRégion Nord\tRegion Nord\t9000001\nXA.02\tSud\tSud\t9000002\nYB.01\tOther\tOther\t9000003\n");
        let got = import(GeonamesFormat::GeonamesAdmin1, &[f], &GeonamesOptions { country: Some("XA".into()), ..Default::default() }).unwrap();
        let rows: Vec<(&str, &str, PlaceKind, bool)> = got.places.iter().map(|p| (p.name.as_str(), p.region.as_str(), p.kind, p.ambiguous)).collect();
        // The ASCII spelling folds to the same matching form as the name: written once.
        // "Sud" (three letters, and French for "south") is marked ambiguous: location strings only.
        assert_eq!(rows, [("Région Nord", "XA-01", PlaceKind::Admin1, false), ("Sud", "XA-02", PlaceKind::Admin1, true)]);
        assert_eq!(got.places[0].source, "GeoNames admin1CodesASCII.txt");
    }

    #[test]
    fn malformed_lines_are_listed_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(dir.path(), "a.txt", "XA.01\tNord\tNord\t1\nXA01\tNord\tNord\t2\nXA.03\tEst\n\nXA.04\tOuest\tOuest\tx\n");
        let Err(GeonamesError::Malformed(ps)) = import(GeonamesFormat::GeonamesAdmin1, std::slice::from_ref(&f), &GeonamesOptions::default()) else {
            panic!("expected malformed lines")
        };
        assert_eq!(ps.iter().map(|p| p.line.unwrap()).collect::<Vec<_>>(), [2, 3, 5]);
        assert!(ps.iter().all(|p| p.file == f));
        assert!(ps[1].message.contains("2 tab-separated fields"));
    }

    #[test]
    fn code_like_alternate_names() {
        assert!(code_like("NBO") && code_like("http://x") && code_like("00100") && code_like(""));
        assert!(!code_like("Nairobi") && !code_like("Dar") && !code_like("نيروبي"));
    }
}
