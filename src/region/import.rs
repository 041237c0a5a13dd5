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
//! (GeoNames often uses FIPS numbers). `--iso-map FILE`, a CSV
//! `geonames_code,iso_3166_2` (`KE.05,KE-30`) the user supplies (docs/REGIONS.md
//! says where to get one), turns them into ISO 3166-2 codes; every admin1
//! code imported must then be in it, so that one gazetteer never mixes the
//! two code systems. Without it, use the codes as your own. Names of three
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
    /// CSV `geonames_code,iso_3166_2`: regions as ISO 3166-2 codes instead of `CC-ADM1`.
    pub iso_map: Option<PathBuf>,
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

/// GeoNames `CC.ADM1` → ISO 3166-2, read from a user's `--iso-map` CSV.
type IsoMap = BTreeMap<String, String>;

/// Reads the `--iso-map` CSV (header `geonames_code,iso_3166_2`); every bad row is a problem.
fn read_iso_map(path: &Path, problems: &mut Vec<Problem>) -> Result<IsoMap, GeonamesError> {
    let text = read(path)?;
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().map(|h| h.iter().map(|x| x.trim().to_string()).collect()).unwrap_or_default();
    let (Some(g), Some(i)) = (header.iter().position(|h| h == "geonames_code"), header.iter().position(|h| h == "iso_3166_2")) else {
        problems.push(problem(path, 1, format!("header {header:?}: needs the columns `geonames_code` and `iso_3166_2`")));
        return Ok(IsoMap::new());
    };
    let mut map = IsoMap::new();
    for (n, row) in r.records().enumerate() {
        let line = n + 2;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                problems.push(problem(path, line, e.to_string()));
                continue;
            }
        };
        let (code, iso) = (row.get(g).unwrap_or("").trim(), row.get(i).unwrap_or("").trim());
        let Some((cc, adm1)) = code.split_once('.').filter(|(cc, a)| country_ok(cc) && !a.is_empty()) else {
            problems.push(problem(path, line, format!("geonames_code `{code}` is not CC.ADM1 (e.g. `KE.05`)")));
            continue;
        };
        let iso_ok = iso
            .split_once('-')
            .is_some_and(|(c, sub)| c == cc && (1..=3).contains(&sub.len()) && sub.chars().all(|x| x.is_ascii_uppercase() || x.is_ascii_digit()));
        if !iso_ok {
            problems.push(problem(path, line, format!("iso_3166_2 `{iso}` is not an ISO 3166-2 code of {cc} (`{cc}-` and 1 to 3 capitals or digits)")));
            continue;
        }
        if let Some(old) = map.insert(format!("{cc}.{adm1}"), iso.to_string()).filter(|old| old != iso) {
            problems.push(problem(path, line, format!("`{code}` mapped twice: `{old}` and `{iso}`")));
        }
    }
    Ok(map)
}

/// The region of a GeoNames admin1 code: its ISO 3166-2 code from the map, else `CC-ADM1`; a code
/// missing from a given map is a problem.
fn region_of(cc: &str, adm1: &str, iso: Option<&IsoMap>, path: &Path, line: usize, problems: &mut Vec<Problem>) -> Option<String> {
    match iso {
        None => Some(format!("{cc}-{adm1}")),
        Some(m) => {
            let found = m.get(&format!("{cc}.{adm1}")).cloned();
            if found.is_none() {
                problems.push(problem(path, line, format!("admin1 code `{cc}.{adm1}` is not in the --iso-map file (import one country with --country)")));
            }
            found
        }
    }
}

struct Admin1Row {
    /// GeoNames' `CC.ADM1`.
    code: String,
    region: String,
    name: String,
    ascii: String,
}

fn read_admin1(path: &Path, country: Option<&str>, iso: Option<&IsoMap>, problems: &mut Vec<Problem>) -> Result<Vec<Admin1Row>, GeonamesError> {
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
        let Some(region) = region_of(cc, adm1, iso, path, n, problems) else { continue };
        rows.push(Admin1Row { code: f[0].to_string(), region, name: f[1].trim().to_string(), ascii: f[2].trim().to_string() });
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
    let iso = match &options.iso_map {
        Some(p) => Some(read_iso_map(p, &mut problems)?),
        None => None,
    };
    if !problems.is_empty() {
        return Err(GeonamesError::Malformed(problems));
    }
    let iso = iso.as_ref();
    let mut out = Imported::default();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    match format {
        GeonamesFormat::GeonamesAdmin1 => {
            for f in files {
                let rows = read_admin1(f, country, iso, &mut problems)?;
                push_admin1(&mut out, &mut seen, &rows, &source_label(f));
            }
        }
        GeonamesFormat::GeonamesCities => {
            let known: Option<BTreeSet<String>> = match &options.admin1 {
                Some(a) => {
                    let rows = read_admin1(a, country, iso, &mut problems)?;
                    push_admin1(&mut out, &mut seen, &rows, &source_label(a));
                    Some(rows.into_iter().map(|r| r.code).collect())
                }
                None => None,
            };
            for f in files {
                let filter = CityFilter { country, known: known.as_ref(), iso, min_population: options.min_population };
                read_cities(f, &filter, &mut out, &mut seen, &mut problems)?;
            }
        }
    }
    if !problems.is_empty() {
        return Err(GeonamesError::Malformed(problems));
    }
    Ok(out)
}

/// Which cities an import keeps, and how their regions are written.
struct CityFilter<'a> {
    country: Option<&'a str>,
    /// GeoNames `CC.ADM1` codes of the `--admin1` file.
    known: Option<&'a BTreeSet<String>>,
    iso: Option<&'a IsoMap>,
    min_population: u64,
}

fn read_cities(
    path: &Path,
    &CityFilter { country, known, iso, min_population }: &CityFilter<'_>,
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
        if known.is_some_and(|k| !k.contains(&format!("{cc}.{admin1}"))) {
            *out.skipped.entry("admin1 code not in the --admin1 file").or_default() += 1;
            continue;
        }
        if population < min_population {
            *out.skipped.entry("below --min-population").or_default() += 1;
            continue;
        }
        let Some(region) = region_of(cc, admin1, iso, path, n, problems) else { continue };
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
    fn an_iso_map_gives_iso_3166_2_regions() {
        let dir = tempfile::tempdir().unwrap();
        // Made-up codes of the fictional XA: GeoNames-style numbers mapped to letters.
        let admin1 = write(dir.path(), "admin1CodesASCII.txt", "XA.01\tNord\tNord\t9000001\nXA.02\tSud Profond\tSud Profond\t9000002\n");
        let cities =
            write(dir.path(), "cities.txt", "9100001\tPort Nord\tPort Nord\t\t1.0\t2.0\tP\tPPLA\tXA\t\t01\t\t\t\t5000\t\t3\tAfrica/Nairobi\t2024-01-01\n");
        let map = write(dir.path(), "iso.csv", "geonames_code,iso_3166_2\nXA.01,XA-NO\nXA.02,XA-SU\n");
        let opts = GeonamesOptions { iso_map: Some(map.clone()), admin1: Some(admin1.clone()), ..Default::default() };
        let got = import(GeonamesFormat::GeonamesCities, std::slice::from_ref(&cities), &opts).unwrap();
        let rows: Vec<(&str, &str)> = got.places.iter().map(|p| (p.name.as_str(), p.region.as_str())).collect();
        assert_eq!(rows, [("Nord", "XA-NO"), ("Sud Profond", "XA-SU"), ("Port Nord", "XA-NO")]);

        // A code the map lacks is a problem, with file and line; so is a bad map row.
        let partial = write(dir.path(), "partial.csv", "geonames_code,iso_3166_2\nXA.01,XA-NO\nXA.9,YB-1\nXA03,XA-3\n");
        let opts = GeonamesOptions { iso_map: Some(partial.clone()), ..Default::default() };
        let Err(GeonamesError::Malformed(ps)) = import(GeonamesFormat::GeonamesAdmin1, std::slice::from_ref(&admin1), &opts) else { panic!("bad map rows") };
        assert_eq!(ps.iter().map(|p| (p.file == partial, p.line)).collect::<Vec<_>>(), [(true, Some(3)), (true, Some(4))], "{ps:?}");
        let fixed = write(dir.path(), "fixed.csv", "geonames_code,iso_3166_2\nXA.01,XA-NO\n");
        let opts = GeonamesOptions { iso_map: Some(fixed), ..Default::default() };
        let Err(GeonamesError::Malformed(ps)) = import(GeonamesFormat::GeonamesAdmin1, std::slice::from_ref(&admin1), &opts) else { panic!("missing code") };
        assert_eq!((ps.len(), ps[0].file == admin1, ps[0].line), (1, true, Some(2)), "{ps:?}");
        assert!(ps[0].message.contains("`XA.02`"), "{ps:?}");
    }

    #[test]
    fn code_like_alternate_names() {
        assert!(code_like("NBO") && code_like("http://x") && code_like("00100") && code_like(""));
        assert!(!code_like("Nairobi") && !code_like("Dar") && !code_like("نيروبي"));
    }
}
