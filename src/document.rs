//! The one record type every source maps onto, and the pseudonymisation
//! applied to authors before anything else sees them.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A pseudonymous author: the first 16 bytes of HMAC-SHA256(key, author).
///
/// The clear author never leaves ingest; evidence shows the hex form, and
/// aggregates only count distinct pseudonyms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pseudonym(pub [u8; 16]);

impl Pseudonym {
    /// Hex form, as written to evidence.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A 64-bit digest for distinct counting.
    pub fn short(&self) -> u64 {
        u64::from_le_bytes(self.0[..8].try_into().expect("16 bytes"))
    }
}

/// Keyed hashing of author identities.
#[derive(Clone)]
pub struct Pseudonymiser {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key must never be printed, not even in debug logs.
        f.write_str("Pseudonymiser(<key hidden>)")
    }
}

impl Pseudonymiser {
    /// A pseudonymiser with this secret key (any length; 32 bytes recommended).
    pub fn new(key: &[u8]) -> Self {
        let mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
        Pseudonymiser { mac }
    }

    /// The pseudonym of one author identity.
    pub fn pseudonymise(&self, author: &str) -> Pseudonym {
        let mut mac = self.mac.clone();
        mac.update(author.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        Pseudonym(out)
    }
}

/// One document: a post, an article, a transcript.
///
/// Text and identifiers borrow from the input chunk when they can, so the
/// hot path does not copy what it only reads.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    /// Identifier given by the source (or `file:line` when it has none).
    pub id: Cow<'a, str>,
    /// The original text, exactly as received.
    pub text: Cow<'a, str>,
    /// Language code, given by the source or detected; `None` when unknown.
    pub lang: Option<Cow<'a, str>>,
    /// Region code; `None` until region assignment places it.
    pub region: Option<Cow<'a, str>>,
    /// The instant of publication.
    pub timestamp: DateTime<Utc>,
    /// The local day of publication in the pipeline's time zone.
    pub date: NaiveDate,
    /// Channel, outlet or platform.
    pub source: Cow<'a, str>,
    /// Pseudonymous author, when the source names one.
    pub author: Option<Pseudonym>,
    /// Audience reached (views, shares, followers, circulation: summed over the mapped fields).
    pub reach: u64,
    /// Free-text location of the author or the item, for region assignment.
    pub location: Option<Cow<'a, str>>,
    /// What kind of speaker the author is (`official`, `media`, `channel`, `user` …), when the source says.
    pub speaker_type: Option<Cow<'a, str>>,
    /// True when the text had invalid UTF-8 that was replaced (lossy decoding).
    pub lossy: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_depend_on_key_and_author() {
        let a = Pseudonymiser::new(b"key-one");
        let b = Pseudonymiser::new(b"key-two");
        assert_eq!(a.pseudonymise("alice"), a.pseudonymise("alice"));
        assert_ne!(a.pseudonymise("alice"), a.pseudonymise("bob"));
        assert_ne!(a.pseudonymise("alice"), b.pseudonymise("alice"));
        assert_eq!(a.pseudonymise("alice").to_hex().len(), 32);
    }

    #[test]
    fn debug_never_shows_the_key() {
        let p = Pseudonymiser::new(b"super-secret");
        assert!(!format!("{p:?}").contains("super-secret"));
    }
}
