//! Timestamps as sources write them: RFC 3339, `YYYY-MM-DD[ HH:MM:SS]` in
//! the pipeline's time zone, epoch seconds or milliseconds.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Parses timestamps and places them on a local day.
#[derive(Debug, Clone)]
pub struct TimeParser {
    tz: Tz,
    min: DateTime<Utc>,
    max: DateTime<Utc>,
}

/// Epoch values above this are milliseconds (1e11 seconds is the year 5138).
const MILLIS_THRESHOLD: f64 = 1e11;

impl TimeParser {
    /// A parser for this time zone accepting instants between `min_date` and `max`.
    pub fn new(tz: Tz, min_date: NaiveDate, max: DateTime<Utc>) -> Self {
        let min = min_date.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        TimeParser { tz, min, max }
    }

    /// The local day of an instant.
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        self.tz.from_utc_datetime(&t.naive_utc()).date_naive()
    }

    fn checked(&self, t: DateTime<Utc>, raw: &str) -> Result<(DateTime<Utc>, NaiveDate), String> {
        if t < self.min {
            return Err(format!("timestamp `{raw}` is before {}", self.min.date_naive()));
        }
        if t > self.max {
            return Err(format!("timestamp `{raw}` is in the future (after {})", self.max.format("%Y-%m-%dT%H:%MZ")));
        }
        Ok((t, self.local_date(t)))
    }

    /// Epoch seconds or milliseconds.
    pub fn parse_epoch(&self, v: f64) -> Result<(DateTime<Utc>, NaiveDate), String> {
        if !v.is_finite() || v < 0.0 {
            return Err(format!("timestamp `{v}` is not a valid epoch value"));
        }
        let millis = if v >= MILLIS_THRESHOLD { v } else { v * 1000.0 };
        let t = DateTime::<Utc>::from_timestamp_millis(millis as i64).ok_or_else(|| format!("timestamp `{v}` is out of range"))?;
        self.checked(t, &v.to_string())
    }

    /// A timestamp string in any accepted form.
    pub fn parse_str(&self, s: &str) -> Result<(DateTime<Utc>, NaiveDate), String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty timestamp".into());
        }
        if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') && s.len() >= 9 {
            if let Ok(v) = s.parse::<f64>() {
                return self.parse_epoch(v);
            }
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return self.checked(t.with_timezone(&Utc), s);
        }
        // RFC 3339 with a space, or an offset without colon.
        for f in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f %z"] {
            if let Ok(t) = DateTime::parse_from_str(s, f) {
                return self.checked(t.with_timezone(&Utc), s);
            }
        }
        if let Some(rest) = s.strip_suffix(" UTC").or_else(|| s.strip_suffix(" GMT")) {
            for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
                if let Ok(n) = NaiveDateTime::parse_from_str(rest, f) {
                    return self.checked(n.and_utc(), s);
                }
            }
        }
        for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
            if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
                return self.local(n, s);
            }
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            let t = self.local(d.and_hms_opt(0, 0, 0).expect("midnight"), s)?;
            return Ok((t.0, d));
        }
        Err(format!("unparseable timestamp `{}`", crate::ingest::excerpt(s, 40)))
    }

    /// A wall-clock time in the pipeline's zone (the earlier instant when a clock change makes it ambiguous).
    fn local(&self, n: NaiveDateTime, raw: &str) -> Result<(DateTime<Utc>, NaiveDate), String> {
        let t = self
            .tz
            .from_local_datetime(&n)
            .earliest()
            .or_else(|| self.tz.from_local_datetime(&(n + chrono::Duration::hours(1))).earliest())
            .ok_or_else(|| format!("timestamp `{raw}` does not exist in {}", self.tz))?;
        self.checked(t.with_timezone(&Utc), raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser(tz: &str) -> TimeParser {
        TimeParser::new(tz.parse().unwrap(), NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(), Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap())
    }

    #[test]
    fn forms_and_local_days() {
        let p = parser("Africa/Nairobi"); // UTC+3
        let d = |s: &str| p.parse_str(s).map(|x| x.1.to_string());
        assert_eq!(d("2026-10-01T22:30:00Z").unwrap(), "2026-10-02");
        assert_eq!(d("2026-10-01T22:30:00+03:00").unwrap(), "2026-10-01");
        assert_eq!(d("2026-10-01 23:59:59").unwrap(), "2026-10-01");
        assert_eq!(d("2026-10-01").unwrap(), "2026-10-01");
        assert_eq!(d("1790000000").unwrap(), "2026-09-21");
        assert_eq!(p.parse_epoch(1_790_000_000_000.0).unwrap().1.to_string(), "2026-09-21");
        assert_eq!(p.parse_epoch(1_790_000_000.0).unwrap().1.to_string(), "2026-09-21");
        assert!(d("yesterday").unwrap_err().contains("unparseable"));
        assert!(d("2099-01-01").unwrap_err().contains("future"));
        assert!(d("1970-01-02").unwrap_err().contains("before"));
        assert!(p.parse_epoch(-5.0).is_err());
    }
}
