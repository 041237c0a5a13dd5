//! Inline SVG charts: one small multiple per indicator series, and volume
//! sparklines. Plain strings, no script; coordinates rounded to 0.1 so the
//! output is the same on every machine.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{Datelike, NaiveDate};

use crate::indicators::Level;

use super::Series;

/// Colour of `high`.
pub const HIGH: &str = "#c62828";
/// Colour of `elevated`.
pub const ELEVATED: &str = "#ef8f00";
/// Colour of `normal`.
pub const NORMAL: &str = "#2e7d32";
/// Colour of `insufficient_data`.
pub const INSUFFICIENT: &str = "#9e9e9e";

/// The colour of a level.
pub fn level_colour(l: Level) -> &'static str {
    match l {
        Level::High => HIGH,
        Level::Elevated => ELEVATED,
        Level::Normal => NORMAL,
        Level::InsufficientData => INSUFFICIENT,
    }
}

/// Escapes text for HTML and SVG, in element content and in quoted
/// attributes alike: `& < > " '`, and control characters (which XML forbids
/// and a browser may mangle) become U+FFFD.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            '\r' => out.push('\n'),
            c if c.is_control() || ('\u{fdd0}'..='\u{fdef}').contains(&c) || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ at or above `x` (1 for nothing to show).
pub fn nice_ceiling(x: f64) -> f64 {
    if !x.is_finite() || x <= 0.0 {
        return 1.0;
    }
    let e = x.log10().floor() as i32;
    // Dividing by 10ⁿ for small numbers keeps 0.3 from becoming 0.30000000000000004.
    let scaled = |m: f64| if e >= 0 { m * 10f64.powi(e) } else { m / 10f64.powi(-e) };
    for m in [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if scaled(m) >= x * (1.0 - 1e-9) {
            return scaled(m);
        }
    }
    scaled(10.0)
}

/// A number in few characters: `0`, `0.5`, `12`, `312`, `2.9k`, `15k`, `1.2M`.
pub fn compact(x: f64) -> String {
    let a = x.abs();
    let trim = |s: String| if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if a >= 1e6 {
        trim(format!("{:.1}", x / 1e6)) + "M"
    } else if a >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else if a >= 1e3 {
        trim(format!("{:.1}", x / 1e3)) + "k"
    } else if a >= 10.0 {
        format!("{x:.0}")
    } else {
        trim(format!("{x:.1}"))
    }
}

/// `1 Sep`.
pub fn short_date(d: NaiveDate) -> String {
    format!("{} {}", d.day(), d.format("%b"))
}

/// Maps dates and values into a plot area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// First day (left edge, centre of its column).
    pub start: NaiveDate,
    /// Days from the first to the last day.
    pub span: i64,
    /// Left edge.
    pub left: f64,
    /// Right edge.
    pub right: f64,
    /// Top edge (the value `max`).
    pub top: f64,
    /// Bottom edge (the value 0).
    pub bottom: f64,
    /// Value at the top.
    pub max: f64,
}

impl Scale {
    /// Width of one day.
    pub fn day_width(&self) -> f64 {
        (self.right - self.left) / (self.span + 1) as f64
    }

    /// The x of a day's centre.
    pub fn x(&self, d: NaiveDate) -> f64 {
        self.left + self.day_width() * ((d - self.start).num_days() as f64 + 0.5)
    }

    /// The y of a value, clamped to the plot.
    pub fn y(&self, v: f64) -> f64 {
        let f = if self.max > 0.0 { (v / self.max).clamp(0.0, 1.0) } else { 0.0 };
        self.bottom - f * (self.bottom - self.top)
    }
}

fn n(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    let s = format!("{r:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// Width of a small multiple.
pub const CHART_W: f64 = 300.0;
/// Height of a small multiple.
pub const CHART_H: f64 = 112.0;

/// The x-axis labels: the first day, each month's first day, the last day, none closer than `gap` pixels.
fn x_labels(s: &Scale, end: NaiveDate, gap: f64) -> Vec<(f64, String)> {
    let mut days = vec![s.start];
    let mut d = s.start;
    while d <= end {
        if d.day() == 1 && d != s.start {
            days.push(d);
        }
        d = d.succ_opt().expect("date in range");
    }
    let mut out: Vec<(f64, String)> = Vec::new();
    for d in days {
        let x = s.x(d);
        if out.last().is_none_or(|(px, _)| x - px >= gap) {
            out.push((x, short_date(d)));
        }
    }
    let x = s.x(end);
    if end != s.start {
        if out.last().is_some_and(|(px, _)| x - px < gap) && out.len() > 1 {
            out.pop();
        }
        if out.last().is_none_or(|(px, _)| x - px >= gap) {
            out.push((x, short_date(end)));
        }
    }
    out
}

/// One small multiple: the series line, the baseline band shaded, raised days
/// striped and dotted in their level's colour, a strip under the axis with
/// every day's level, dates on the x axis and the shared maximum on the y axis.
pub fn chart(series: &Series, period: (NaiveDate, NaiveDate), title: &str) -> String {
    let s =
        Scale { start: period.0, span: (period.1 - period.0).num_days().max(0), left: 34.0, right: CHART_W - 8.0, top: 8.0, bottom: 80.0, max: series.y_max };
    let dw = s.day_width();
    let mut o = String::new();
    let _ = write!(o, "<svg class=\"chart\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\">", n(CHART_W), n(CHART_H), n(CHART_W), n(CHART_H));
    let _ = write!(o, "<title>{}</title>", esc(title));
    let _ = write!(
        o,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\" stroke=\"#ddd\"/>",
        n(s.left),
        n(s.top),
        n(s.right - s.left),
        n(s.bottom - s.top)
    );
    // Raised days, as stripes the height of the plot.
    for p in series.points.iter().filter(|p| matches!(p.level, Level::Elevated | Level::High)) {
        let _ = write!(
            o,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" fill-opacity=\"0.16\"/>",
            n(s.x(p.date) - dw / 2.0),
            n(s.top),
            n(dw),
            n(s.bottom - s.top),
            level_colour(p.level)
        );
    }
    // The baseline band, over runs of consecutive days that have one.
    let mut runs: Vec<Vec<(NaiveDate, f64, f64)>> = Vec::new();
    for p in &series.points {
        let (Some(lo), Some(hi)) = (p.band_low, p.band_high) else {
            runs.push(Vec::new());
            continue;
        };
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|l| (p.date - l.0).num_days() == 1) => run.push((p.date, lo, hi)),
            _ => runs.push(vec![(p.date, lo, hi)]),
        }
    }
    for run in runs.iter().filter(|r| !r.is_empty()) {
        let mut pts: Vec<String> = Vec::new();
        let (first, last) = (run[0].0, run[run.len() - 1].0);
        let xl = |d: NaiveDate| if d == first { s.x(d) - dw / 2.0 } else { s.x(d) };
        let xr = |d: NaiveDate| if d == last { s.x(d) + dw / 2.0 } else { s.x(d) };
        for &(d, _, hi) in run {
            if d == first {
                pts.push(format!("{},{}", n(xl(d)), n(s.y(hi))));
            }
            pts.push(format!("{},{}", n(if d == last { xr(d) } else { s.x(d) }), n(s.y(hi))));
        }
        for &(d, lo, _) in run.iter().rev() {
            pts.push(format!("{},{}", n(if d == last { xr(d) } else { s.x(d) }), n(s.y(lo))));
            if d == first {
                pts.push(format!("{},{}", n(xl(d)), n(s.y(lo))));
            }
        }
        let _ = write!(o, "<polygon class=\"band\" points=\"{}\" fill=\"#1565c0\" fill-opacity=\"0.13\"/>", pts.join(" "));
    }
    // The y axis: 0 and the shared maximum.
    let _ = write!(o, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#eee\"/>", n(s.left), n(s.y(s.max / 2.0)), n(s.right), n(s.y(s.max / 2.0)));
    for v in [0.0, s.max] {
        let _ = write!(o, "<text x=\"{}\" y=\"{}\" class=\"ax\" text-anchor=\"end\">{}</text>", n(s.left - 3.0), n(s.y(v) + 3.5), esc(&compact(v)));
    }
    // The series, broken where a day has no row.
    let mut d = String::new();
    let mut prev: Option<NaiveDate> = None;
    for p in &series.points {
        let Some(v) = p.value else {
            prev = None;
            continue;
        };
        let cmd = if prev.is_some_and(|q| (p.date - q).num_days() == 1) { 'L' } else { 'M' };
        let _ = write!(d, "{cmd}{},{}", n(s.x(p.date)), n(s.y(v)));
        prev = Some(p.date);
    }
    if !d.is_empty() {
        let _ = write!(o, "<path class=\"line\" d=\"{d}\" fill=\"none\" stroke=\"#263238\" stroke-width=\"1.3\" stroke-linejoin=\"round\"/>");
    }
    for p in series.points.iter().filter(|p| matches!(p.level, Level::Elevated | Level::High)) {
        if let Some(v) = p.value {
            let _ = write!(
                o,
                "<circle class=\"{}\" cx=\"{}\" cy=\"{}\" r=\"2.6\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"0.6\"/>",
                p.level.as_str(),
                n(s.x(p.date)),
                n(s.y(v)),
                level_colour(p.level)
            );
        }
    }
    // Every day's level, under the axis.
    for p in series.points.iter().filter(|p| p.level != Level::Normal) {
        let _ = write!(
            o,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"5\" fill=\"{}\"/>",
            n(s.x(p.date) - dw / 2.0),
            n(s.bottom + 2.0),
            n(dw),
            level_colour(p.level)
        );
    }
    for (x, label) in x_labels(&s, period.1, 40.0) {
        let _ = write!(o, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>", n(x), n(s.bottom + 7.0), n(x), n(s.bottom + 10.0));
        // Labels near an edge hang inwards, so that none is cut.
        let anchor = if x > s.right - 16.0 {
            "end"
        } else if x < s.left + 12.0 {
            "start"
        } else {
            "middle"
        };
        let x = match anchor {
            "end" => (x + 4.0).min(CHART_W - 1.0),
            "start" => x - 4.0,
            _ => x,
        };
        let _ = write!(o, "<text x=\"{}\" y=\"{}\" class=\"ax\" text-anchor=\"{anchor}\">{}</text>", n(x), n(s.bottom + 20.0), esc(&label));
    }
    o.push_str("</svg>");
    o
}

/// A strip of a region's days coloured by level. It stretches to its box
/// (`preserveAspectRatio="none"`: only rectangles, no text to distort).
pub fn level_strip(days: &[(NaiveDate, Level)], period: (NaiveDate, NaiveDate), title: &str) -> String {
    let (w, h) = (300.0, 10.0);
    let s = Scale { start: period.0, span: (period.1 - period.0).num_days().max(0), left: 0.0, right: w, top: 0.0, bottom: h, max: 1.0 };
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg class=\"strip\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" role=\"img\"><title>{}</title>",
        n(w),
        n(h),
        n(w),
        n(h),
        esc(title)
    );
    let _ = write!(o, "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#eee\"/>", n(w), n(h));
    for (d, l) in days {
        let colour = if *l == Level::Normal { "#a5d6a7" } else { level_colour(*l) };
        let _ =
            write!(o, "<rect x=\"{}\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"{colour}\"/>", n(s.x(*d) - s.day_width() / 2.0), n(s.day_width() + 0.3), n(h));
    }
    o.push_str("</svg>");
    o
}

/// A sparkline of counts per day over the period; days without any are
/// drawn at zero and ticked red (a feed that went silent).
pub fn sparkline(values: &BTreeMap<NaiveDate, i64>, period: (NaiveDate, NaiveDate), title: &str) -> String {
    let (w, h) = (180.0, 30.0);
    let max = values.values().copied().max().unwrap_or(0).max(1) as f64;
    let s = Scale { start: period.0, span: (period.1 - period.0).num_days().max(0), left: 1.0, right: w - 1.0, top: 3.0, bottom: h - 4.0, max };
    let mut o = String::new();
    let _ =
        write!(o, "<svg class=\"spark\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\"><title>{}</title>", n(w), n(h), n(w), n(h), esc(title));
    let mut d = String::new();
    let mut missing = String::new();
    let mut day = period.0;
    let mut first = true;
    while day <= period.1 {
        let v = values.get(&day).copied().unwrap_or(0);
        let _ = write!(d, "{}{},{}", if first { 'M' } else { 'L' }, n(s.x(day)), n(s.y(v as f64)));
        if v == 0 {
            let _ = write!(
                missing,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"3\" fill=\"{HIGH}\"/>",
                n(s.x(day) - s.day_width() / 2.0),
                n(h - 3.0),
                n(s.day_width())
            );
        }
        first = false;
        day = day.succ_opt().expect("date in range");
    }
    let _ = write!(o, "<path d=\"{d}\" fill=\"none\" stroke=\"#455a64\" stroke-width=\"1\"/>{missing}</svg>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::SeriesPoint;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, 1).unwrap() + chrono::Duration::days(n)
    }

    #[test]
    fn escaping_leaves_no_markup() {
        let evil = "<script>alert(1)</script>\"><img src=x onerror=alert('x')>&amp;\u{0}";
        let e = esc(evil);
        assert_eq!(e, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(&#39;x&#39;)&gt;&amp;amp;\u{fffd}");
        assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
    }

    #[test]
    fn nice_ceilings_and_compact_numbers() {
        assert_eq!(nice_ceiling(2857.0), 3000.0);
        assert_eq!(nice_ceiling(2400.0), 2500.0);
        assert_eq!(nice_ceiling(3400.0), 4000.0);
        assert_eq!(nice_ceiling(1000.0), 1000.0);
        assert_eq!(nice_ceiling(0.3), 0.3);
        assert_eq!(nice_ceiling(0.31), 0.4);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(1.5), "1.5");
        assert_eq!(compact(312.5), "312");
        assert_eq!(compact(2500.0), "2.5k");
        assert_eq!(compact(5000.0), "5k");
        assert_eq!(compact(15000.0), "15k");
        assert_eq!(compact(1_250_000.0), "1.2M");
    }

    #[test]
    fn the_scale_maps_the_period_and_the_values_into_the_plot() {
        let s = Scale { start: day(0), span: 9, left: 10.0, right: 110.0, top: 0.0, bottom: 50.0, max: 200.0 };
        assert_eq!(s.day_width(), 10.0);
        assert_eq!(s.x(day(0)), 15.0);
        assert_eq!(s.x(day(9)), 105.0);
        assert_eq!(s.y(0.0), 50.0);
        assert_eq!(s.y(100.0), 25.0);
        assert_eq!(s.y(200.0), 0.0);
        assert_eq!(s.y(1e9), 0.0, "clamped");
        assert_eq!(s.y(-5.0), 50.0, "clamped");
    }

    #[test]
    fn a_chart_marks_raised_days_and_breaks_the_line_at_gaps() {
        let p = |i: i64, v: f64, level: Level| SeriesPoint { date: day(i), value: Some(v), band_low: Some(0.0), band_high: Some(50.0), level };
        let series = Series {
            indicator: "targeting".into(),
            target: "*".into(),
            label: "targeting".into(),
            unit: "per_10k_docs".into(),
            level: Level::High,
            points: vec![p(0, 10.0, Level::Normal), p(1, 20.0, Level::Normal), p(3, 300.0, Level::Elevated), p(4, 400.0, Level::High)],
            y_max: 500.0,
        };
        let svg = chart(&series, (day(0), day(4)), "XA-NO <targeting>");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>XA-NO &lt;targeting&gt;</title>"));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(svg.matches("class=\"high\"").count(), 1);
        // Day 2 has no row: the line starts again at day 3.
        let path = svg.split("class=\"line\" d=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(path.matches('M').count(), 2, "{path}");
        // Two runs of band (days 0-1 and 3-4).
        assert_eq!(svg.matches("class=\"band\"").count(), 2);
        assert!(svg.contains(">500<") && svg.contains(">0<"), "y axis labels");
        assert!(svg.contains(">1 Sep<"), "x axis label");
    }

    #[test]
    fn x_labels_do_not_crowd() {
        let s = Scale { start: day(0), span: 59, left: 34.0, right: 292.0, top: 0.0, bottom: 50.0, max: 1.0 };
        let labels = x_labels(&s, day(59), 40.0);
        let names: Vec<_> = labels.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(names, ["1 Sep", "1 Oct", "30 Oct"]);
        assert!(labels.windows(2).all(|w| w[1].0 - w[0].0 >= 40.0));
    }

    #[test]
    fn sparklines_tick_silent_days() {
        let mut v = BTreeMap::new();
        v.insert(day(0), 5);
        v.insert(day(2), 7);
        let svg = sparkline(&v, (day(0), day(2)), "social");
        assert_eq!(svg.matches(&format!("fill=\"{HIGH}\"")).count(), 1);
    }
}
