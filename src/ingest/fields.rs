//! The field mapping, and assembling a document from a record's fields. JSON
//! and CSV records both answer "what is in field X", and this module makes
//! the same document (and the same reject reasons) from either.

use std::borrow::Cow;

use super::{IngestContext, SourcePlan};
use crate::config::FieldMap;
use crate::document::Document;

/// The mapping of one source, resolved for reading.
#[derive(Debug, Clone)]
pub struct FieldPlan {
    /// Identifier field.
    pub id: Option<String>,
    /// Text fields, joined with a blank line.
    pub text: Vec<String>,
    /// Language field.
    pub lang: Option<String>,
    /// Region field.
    pub region: Option<String>,
    /// Timestamp field.
    pub timestamp: String,
    /// Author field.
    pub author: Option<String>,
    /// Source field.
    pub source: Option<String>,
    /// Reach fields, summed.
    pub reach: Vec<String>,
    /// Location field.
    pub location: Option<String>,
    /// Speaker type field.
    pub speaker_type: Option<String>,
}

impl FieldPlan {
    /// Resolves a config mapping.
    pub fn new(map: &FieldMap) -> Self {
        FieldPlan {
            id: map.id.clone(),
            text: map.text.paths(),
            lang: map.lang.clone(),
            region: map.region.clone(),
            timestamp: map.timestamp.clone(),
            author: map.author.clone(),
            source: map.source.clone(),
            reach: map.reach.clone(),
            location: map.location.clone(),
            speaker_type: map.speaker_type.clone(),
        }
    }

    /// Every field path the mapping reads.
    pub fn all_paths(&self) -> Vec<&str> {
        let mut v: Vec<&str> = Vec::new();
        v.extend(self.id.as_deref());
        v.extend(self.text.iter().map(String::as_str));
        v.extend(self.lang.as_deref());
        v.extend(self.region.as_deref());
        v.push(&self.timestamp);
        v.extend(self.author.as_deref());
        v.extend(self.source.as_deref());
        v.extend(self.reach.iter().map(String::as_str));
        v.extend(self.location.as_deref());
        v.extend(self.speaker_type.as_deref());
        v
    }
}

/// The value of one field of a record.
#[derive(Debug, Clone)]
pub enum RawField<'a> {
    /// Absent or null.
    Absent,
    /// A string.
    Str(Cow<'a, str>),
    /// A number, with its text.
    Num(f64, Cow<'a, str>),
    /// A list of strings (joined for text).
    StrList(Vec<Cow<'a, str>>),
    /// Something else: the name of its type.
    Other(&'static str),
}

fn as_string<'a>(name: &str, v: RawField<'a>) -> Result<Option<Cow<'a, str>>, String> {
    match v {
        RawField::Absent => Ok(None),
        RawField::Str(s) => Ok(Some(s)),
        RawField::Num(_, text) => Ok(Some(text)),
        RawField::StrList(_) => Err(format!("field `{name}`: expected a string, found a list")),
        RawField::Other(t) => Err(format!("field `{name}`: expected a string, found {t}")),
    }
}

fn non_empty(v: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    v.filter(|s| !s.trim().is_empty())
}

/// The language of a text by whatlang, as the ISO 639-1 code lexicons use; `None` when unreliable or without a two-letter code.
///
/// Short posts are often misread, so only a result whatlang itself calls
/// reliable is kept: an unknown language is counted, a wrong one would
/// match the wrong lexicons.
pub fn detect_lang(text: &str) -> Option<&'static str> {
    detect_lang_scored(text).map(|(l, _)| l)
}

/// [`detect_lang`] with whatlang's confidence (0 to 1) of the language it kept.
pub fn detect_lang_scored(text: &str) -> Option<(&'static str, f64)> {
    let info = whatlang::detect(text)?;
    if !info.is_reliable() {
        return None;
    }
    lexicon_code(info.lang().code()).map(|l| (l, info.confidence()))
}

/// ISO 639-3 (whatlang) to the 639-1 codes of our lexicons.
pub(crate) fn lexicon_code(code: &str) -> Option<&'static str> {
    Some(match code {
        "eng" => "en",
        "fra" => "fr",
        "spa" => "es",
        "por" => "pt",
        "deu" => "de",
        "ita" => "it",
        "nld" => "nl",
        "rus" => "ru",
        "ukr" => "uk",
        "ara" => "ar",
        "heb" => "he",
        "tur" => "tr",
        "pes" => "fa",
        "urd" => "ur",
        "hin" => "hi",
        "ben" => "bn",
        "swe" => "sv",
        "dan" => "da",
        "nob" => "nb",
        "fin" => "fi",
        "pol" => "pl",
        "ces" => "cs",
        "slk" => "sk",
        "slv" => "sl",
        "hrv" => "hr",
        "srp" => "sr",
        "bul" => "bg",
        "mkd" => "mk",
        "ron" => "ro",
        "hun" => "hu",
        "ell" => "el",
        "amh" => "am",
        "tir" => "ti",
        "yor" => "yo",
        "ibo" => "ig",
        "hau" => "ha",
        "swh" => "sw",
        "zul" => "zu",
        "xho" => "xh",
        "sna" => "sn",
        "afr" => "af",
        "cmn" => "zh",
        "jpn" => "ja",
        "kor" => "ko",
        "vie" => "vi",
        "tha" => "th",
        "ind" => "id",
        "mya" => "my",
        "khm" => "km",
        "tam" => "ta",
        "tel" => "te",
        "kat" => "ka",
        "hye" => "hy",
        "aze" => "az",
        "uzb" => "uz",
        "lit" => "lt",
        "lav" => "lv",
        "est" => "et",
        "bel" => "be",
        "tgl" => "tl",
        "epo" => "eo",
        _ => return None,
    })
}

/// Builds a document from a record. `get` answers the value of a field path.
pub fn assemble<'a>(
    plan: &SourcePlan,
    ctx: &IngestContext,
    fallback_id: &dyn Fn() -> String,
    get: &mut dyn FnMut(&str) -> RawField<'a>,
) -> Result<Document<'a>, String> {
    let f = &plan.fields;
    // Text: required.
    let mut parts: Vec<Cow<'a, str>> = Vec::with_capacity(f.text.len());
    let mut any = false;
    for name in &f.text {
        match get(name) {
            RawField::Absent => {}
            RawField::Str(s) => {
                any = true;
                parts.push(s);
            }
            RawField::StrList(list) => {
                any = true;
                parts.push(Cow::Owned(list.concat()));
            }
            RawField::Num(..) => return Err(format!("field `{name}`: expected text, found a number")),
            RawField::Other(t) => return Err(format!("field `{name}`: expected text, found {t}")),
        }
    }
    if !any {
        return Err(format!("missing text field `{}`", f.text.join("`, `")));
    }
    let text = if parts.len() == 1 {
        parts.pop().expect("one part")
    } else {
        Cow::Owned(parts.iter().filter(|p| !p.is_empty()).map(|p| p.as_ref()).collect::<Vec<_>>().join("\n\n"))
    };
    // Timestamp: required.
    let (timestamp, date) = match get(&f.timestamp) {
        RawField::Absent => return Err(format!("missing timestamp field `{}`", f.timestamp)),
        RawField::Str(s) => ctx.time.parse_str(&s)?,
        RawField::Num(v, _) => ctx.time.parse_epoch(v)?,
        RawField::StrList(_) => return Err(format!("field `{}`: expected a timestamp, found a list", f.timestamp)),
        RawField::Other(t) => return Err(format!("field `{}`: expected a timestamp, found {t}", f.timestamp)),
    };
    let mut optional = |name: &Option<String>| -> Result<Option<Cow<'a, str>>, String> {
        match name {
            Some(n) => as_string(n, get(n)).map(non_empty),
            None => Ok(None),
        }
    };
    let id = optional(&f.id)?.unwrap_or_else(|| Cow::Owned(fallback_id()));
    // A document without a language gets a detected one later, in the pipeline's language stage (src/language.rs).
    let lang = optional(&f.lang)?.or_else(|| plan.fixed_lang.clone().map(Cow::Owned));
    let region = optional(&f.region)?.or_else(|| plan.fixed_region.clone().map(Cow::Owned));
    let author = optional(&f.author)?.map(|a| ctx.pseudonymiser.pseudonymise(&a));
    let source = optional(&f.source)?.unwrap_or_else(|| Cow::Owned(plan.name.clone()));
    let location = optional(&f.location)?;
    let speaker_type = optional(&f.speaker_type)?.or_else(|| plan.fixed_speaker_type.clone().map(Cow::Owned));
    let mut reach: u64 = 0;
    for name in &f.reach {
        let v = match get(name) {
            RawField::Absent => 0.0,
            RawField::Num(v, _) => v,
            RawField::Str(s) if s.trim().is_empty() => 0.0,
            RawField::Str(s) => {
                s.trim().replace([',', '_'], "").parse::<f64>().map_err(|_| format!("field `{name}`: expected a number, found `{}`", super::excerpt(&s, 20)))?
            }
            RawField::StrList(_) => return Err(format!("field `{name}`: expected a number, found a list")),
            RawField::Other(t) => return Err(format!("field `{name}`: expected a number, found {t}")),
        };
        if !(v.is_finite() && v >= 0.0) {
            return Err(format!("field `{name}`: reach must be a non-negative number"));
        }
        reach = reach.saturating_add(v as u64);
    }
    nul_bytes(Document { id, text, lang, region, timestamp, date, source, author, reach, location, speaker_type, lossy: false }, ctx.limits.nul_bytes)
}

/// Applies `limits.nul_bytes` to every string field of a document: a reject naming the field, or the NULs removed.
fn nul_bytes(mut d: Document<'_>, policy: crate::config::NulBytes) -> Result<Document<'_>, String> {
    fn fix<'a>(name: &str, v: &mut Cow<'a, str>, policy: crate::config::NulBytes) -> Result<(), String> {
        if !v.contains('\0') {
            return Ok(());
        }
        match policy {
            crate::config::NulBytes::Reject => Err(format!("field `{name}` contains a NUL character (U+0000); limits.nul_bytes = \"strip\" removes them")),
            crate::config::NulBytes::Strip => {
                *v = Cow::Owned(v.replace('\0', ""));
                Ok(())
            }
        }
    }
    fix("text", &mut d.text, policy)?;
    fix("id", &mut d.id, policy)?;
    fix("source", &mut d.source, policy)?;
    for (name, v) in [("lang", &mut d.lang), ("region", &mut d.region), ("location", &mut d.location)] {
        if let Some(v) = v {
            fix(name, v, policy)?;
        }
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_gives_lexicon_codes_for_reliable_texts_only() {
        assert_eq!(detect_lang("The council met again this morning and the people of the north were told to stay calm."), Some("en"));
        assert_eq!(detect_lang("Le conseil s'est réuni ce matin et les habitants du nord ont été appelés au calme."), Some("fr"));
        assert_eq!(detect_lang("ok"), None);
    }
}
