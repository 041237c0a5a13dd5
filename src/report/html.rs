//! Rendering [`ReportData`] as one self-contained HTML page: inline CSS,
//! inline SVG, no script, no external resource. The markup is well-formed
//! XML (every element closed, void elements self-closed, every attribute
//! quoted), so an XML parser can check it too. Every string from data goes
//! through [`esc`].

use std::fmt::Write;

use chrono::{NaiveDate, TimeZone};

use crate::aggregate::ANY;
use crate::indicators::Level;

use super::evidence::{mask, speaker_prefix};
use super::svg::{chart, compact, esc, level_colour, level_strip, short_date, sparkline};
use super::{series_name, EvidenceRow, EvidenceSection, ReportData, BEFORE_DAYS, RECENT_DAYS};

const CSS: &str = r#"
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:#212121;background:#f5f6f7;margin:0;padding:0 24px 40px}
header{padding:18px 0 8px;border-bottom:1px solid #ddd;margin-bottom:12px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 8px;padding-bottom:4px;border-bottom:2px solid #cfd8dc}
h3{font-size:16px;margin:18px 0 6px}
.meta{color:#555}
.meta b{color:#212121}
.banner{padding:12px 16px;border-radius:6px;font-size:17px;margin:10px 0;color:#fff}
.banner.high{background:#c62828}.banner.elevated{background:#ef8f00}.banner.normal{background:#2e7d32}.banner.insufficient_data{background:#757575}
.cards{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-start}
.card{background:#fff;border:1px solid #ddd;border-left:8px solid #9e9e9e;border-radius:4px;padding:8px 12px;flex:1 1 300px;max-width:440px}
.card svg.strip{display:block;margin:5px 0 0;width:100%;height:10px}
.strip-dates{display:flex;justify-content:space-between;font-size:10px;color:#616161;margin-bottom:2px}
.card.high{border-left-color:#c62828}.card.elevated{border-left-color:#ef8f00}.card.normal{border-left-color:#2e7d32}
.card .name{font-size:17px;font-weight:700}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;color:#fff;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.03em;vertical-align:middle}
.badge.high{background:#c62828}.badge.elevated{background:#ef8f00}.badge.normal{background:#2e7d32}.badge.insufficient_data{background:#9e9e9e}
.chip{display:inline-block;margin:2px 3px 0 0;padding:0 6px;border-radius:3px;font-size:12px}
.chip.high{background:#ffcdd2;color:#8e0000}.chip.elevated{background:#ffe0b2;color:#7a4300}
table{border-collapse:collapse;background:#fff;margin:6px 0}
th,td{border:1px solid #e0e0e0;padding:4px 7px;text-align:left;vertical-align:top}
th{background:#eceff1;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.reason{width:38%;color:#424242;font-size:12px;line-height:1.3}
td.date{white-space:nowrap}
#alerts-table{width:100%}
tr.high td:first-child{box-shadow:inset 5px 0 0 #c62828}tr.elevated td:first-child{box-shadow:inset 5px 0 0 #ef8f00}
.region{background:#fff;border:1px solid #ddd;border-radius:4px;padding:4px 12px 10px;margin:10px 0}
.region.high{border-top:5px solid #c62828}.region.elevated{border-top:5px solid #ef8f00}.region.normal{border-top:5px solid #2e7d32}
.grid{display:flex;flex-wrap:wrap;gap:6px 14px}
figure{margin:0;width:300px}
figcaption{font-size:12.5px;height:37px;overflow:hidden}
figcaption .unit{color:#757575}
svg text.ax,.chart text{font-size:9.5px;fill:#616161}
.legend{color:#555;font-size:12.5px}
.legend i{display:inline-block;width:14px;height:10px;margin:0 4px 0 12px;vertical-align:middle}
.ev{background:#fff;border:1px solid #ddd;border-radius:4px;padding:6px 10px;margin:6px 0}
.ev .head{font-size:12.5px;color:#424242}
.ev .snippet{margin:4px 0 0;white-space:pre-wrap;font-family:Georgia,"Noto Serif",serif}
.ev .withheld{color:#757575;font-style:italic}
.small{font-size:12px;color:#616161}
.spark td{vertical-align:middle}
footer{margin-top:30px;color:#616161;font-size:12.5px}
"#;

/// Renders the report. Same data, same bytes.
pub fn render(d: &ReportData) -> String {
    let mut o = String::with_capacity(256 * 1024);
    let h = &d.header;
    let latest = h.latest_date.map(|x| x.to_string()).unwrap_or_else(|| "-".into());
    let pipeline = h.pipeline.clone().unwrap_or_else(|| "unknown pipeline".into());
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>");
    let _ = write!(o, "<title>tocsin report: {} {}</title><style>{CSS}</style></head>\n<body>\n", esc(&pipeline), esc(&latest));
    header(&mut o, d, &pipeline, &latest);
    summary(&mut o, d);
    alerts(&mut o, d);
    charts(&mut o, d);
    targets(&mut o, d);
    terms(&mut o, d);
    evidence(&mut o, d);
    quality(&mut o, d);
    o.push_str("<footer><p>Made by <code>tocsin report</code> from the run's output directory alone; the same store gives the same page. ");
    o.push_str("Levels, values, baselines and reasons are the indicator rows (docs/INDICATORS.md); what each section shows is in docs/REPORT.md.</p>");
    for n in &d.notes {
        let _ = write!(o, "<p>Note: {}</p>", esc(n));
    }
    o.push_str("</footer>\n</body></html>\n");
    o
}

fn badge(l: Level) -> String {
    format!("<span class=\"badge {}\">{}</span>", l.as_str(), l.as_str().replace('_', " "))
}

fn header(o: &mut String, d: &ReportData, pipeline: &str, latest: &str) {
    let h = &d.header;
    let _ = write!(o, "<header><h1>tocsin morning report: {}</h1><div class=\"meta\">", esc(pipeline));
    let _ = write!(o, "latest day <b id=\"latest-date\">{}</b>", esc(latest));
    if let Some(first) = h.first_date {
        let _ = write!(o, " · period {} to {}", first, esc(latest));
    }
    let _ = write!(o, " · {} regions", h.regions);
    let _ = write!(o, " · run <b id=\"run-id\">{}</b>", esc(h.run_id.as_deref().unwrap_or("unknown")));
    let _ = write!(o, " · tocsin {}", esc(&h.tocsin_version));
    let _ = write!(o, " · days in {}", esc(&h.timezone));
    o.push_str("</div></header>\n");
}

fn summary(o: &mut String, d: &ReportData) {
    o.push_str("<section id=\"summary\"><h2>Where things changed</h2>");
    let top = d.regions.first().map(|r| r.level).unwrap_or(Level::InsufficientData);
    let at = |l: Level| d.regions.iter().filter(|r| r.level == l).collect::<Vec<_>>();
    let mut text = String::new();
    for l in [Level::High, Level::Elevated] {
        let rs = at(l);
        if rs.is_empty() {
            continue;
        }
        let names: Vec<String> = rs
            .iter()
            .map(|r| match (r.since, r.raised_since) {
                (Some(s), Some(rs)) if rs < s => format!("{} (since {}, raised since {})", r.region, short_date(s), short_date(rs)),
                (Some(s), _) => format!("{} (since {})", r.region, short_date(s)),
                _ => r.region.clone(),
            })
            .collect();
        let _ = write!(text, "{} of {} regions {}: {}. ", rs.len(), d.regions.len(), l.as_str().to_uppercase(), names.join(", "));
    }
    let quiet = d.regions.iter().filter(|r| !matches!(r.level, Level::High | Level::Elevated)).count();
    if text.is_empty() {
        let _ = write!(text, "No region raised: all {} regions normal or not judged.", d.regions.len());
    } else if quiet > 0 {
        let _ = write!(text, "{quiet} other region{} not raised.", if quiet == 1 { "" } else { "s" });
    }
    let _ = write!(o, "<div class=\"banner {}\" id=\"headline\">{}</div><div class=\"cards\">", top.as_str(), esc(text.trim()));
    for r in &d.regions {
        let _ = write!(
            o,
            "<div class=\"card {}\" data-region=\"{}\"><div><span class=\"name\">{}</span> {}</div>",
            r.level.as_str(),
            esc(&r.region),
            esc(&r.region),
            badge(r.level)
        );
        let _ = write!(o, "<div class=\"small\">latest day {} · {} documents", r.date, r.docs);
        if let Some(s) = r.since {
            let _ = write!(o, " · {} since {}", r.level.as_str().replace('_', " "), s);
        }
        if let Some(s) = r.raised_since.filter(|s| Some(*s) != r.since) {
            let _ = write!(o, " · raised since {s}");
        }
        o.push_str("</div>");
        if let Some(period) = d.period {
            o.push_str(&level_strip(&r.days, period, &format!("{}: level of each day, {} to {}", r.region, period.0, period.1)));
            let _ = write!(o, "<div class=\"strip-dates\"><span>{}</span><span>{}</span></div>", esc(&short_date(period.0)), esc(&short_date(period.1)));
        }
        o.push_str("<div>");
        for (class, list) in [("high", &r.high), ("elevated", &r.elevated)] {
            for name in list {
                let _ = write!(o, "<span class=\"chip {class}\">{}</span>", esc(name));
            }
        }
        o.push_str("</div></div>");
    }
    o.push_str("</div></section>\n");
}

/// A value with its unit.
fn value(v: Option<f64>, unit: &str) -> String {
    match (v, unit) {
        (None, _) => "–".into(),
        (Some(v), "growth") => format!("×{}", compact(v)),
        (Some(v), "per_10k_reach") => format!("{} /10k reach", compact(v)),
        (Some(v), _) => format!("{} /10k docs", compact(v)),
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(compact).unwrap_or_else(|| "–".into())
}

fn alerts(o: &mut String, d: &ReportData) {
    o.push_str("<section id=\"alerts\"><h2>Current alerts</h2>");
    if d.alerts.is_empty() {
        o.push_str("<p id=\"no-alerts\">No indicator is elevated or high on its region's latest day.</p></section>\n");
        return;
    }
    let _ = write!(o, "<p class=\"small\">{} indicator rows at elevated or high on their region's latest day. Ratio: value over the baseline's reference rate; deviation: the day's score / the last 7 days' score (docs/INDICATORS.md).</p>", d.alerts.len());
    o.push_str("<table id=\"alerts-table\"><thead><tr><th>Region</th><th>Indicator</th><th>Target</th><th>Level</th><th>Since</th><th>Days</th><th>Value</th><th>Baseline median / mean</th><th>Ratio</th><th>Deviation day / week</th><th>Count</th><th>Reason</th></tr></thead><tbody>");
    for a in &d.alerts {
        let r = &a.row;
        let _ = write!(
            o,
            "<tr class=\"{}\" data-key=\"{}|{}|{}\"><td>{}</td><td title=\"{}\">{}</td><td>{}</td><td>{}</td><td class=\"date\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} / {}</td><td class=\"num\">{}</td><td class=\"num\">{} / {}</td><td class=\"num\">{}</td><td class=\"reason\">{}</td></tr>",
            r.level.as_str(),
            esc(&r.region),
            esc(&r.indicator),
            esc(&r.target),
            esc(&r.region),
            esc(&a.label),
            esc(&r.indicator),
            esc(if r.target == ANY { "all" } else { &r.target }),
            badge(r.level),
            a.since,
            a.days,
            esc(&value(r.value, &r.unit)),
            esc(&opt(r.baseline)),
            esc(&opt(r.baseline_mean)),
            esc(&r.ratio.map(|x| format!("{}×", compact(x))).unwrap_or_else(|| "–".into())),
            esc(&opt(r.deviation)),
            esc(&opt(r.deviation_week)),
            r.count,
            esc(&r.reason),
        );
    }
    o.push_str("</tbody></table></section>\n");
}

fn charts(o: &mut String, d: &ReportData) {
    o.push_str("<section id=\"charts\"><h2>Indicators by region</h2>");
    let Some(period) = d.period else {
        o.push_str("<p>No indicator rows in this store.</p></section>\n");
        return;
    };
    let _ = write!(
        o,
        "<p class=\"legend\">{} to {}{}. Line: the day's value · <i style=\"background:#1565c0;opacity:.3\"></i>baseline band (median to pooled mean, ± 2 robust SD; growth: up to ×1) · <i style=\"background:{};opacity:.5\"></i>elevated day · <i style=\"background:{};opacity:.6\"></i>high day · <i style=\"background:{}\"></i>not judged (strip under the axis). Each indicator's y axis is shared by every region.</p>",
        period.0,
        period.1,
        if d.header.first_date.is_some_and(|f| f < period.0) { format!(" (the last {} days)", super::CHART_DAYS) } else { String::new() },
        level_colour(Level::Elevated),
        level_colour(Level::High),
        level_colour(Level::InsufficientData)
    );
    for (rc, region) in d.charts.iter().zip(&d.regions) {
        let _ = write!(
            o,
            "<div class=\"region {}\" id=\"region-{}\"><h3>{} {}</h3><div class=\"grid\">",
            region.level.as_str(),
            esc(&rc.region),
            esc(&rc.region),
            badge(region.level)
        );
        if rc.series.is_empty() {
            o.push_str("<p>No indicator rows.</p>");
        }
        for s in &rc.series {
            let target = if s.target == ANY { String::new() } else { format!(" · {}", s.target) };
            let unit = match s.unit.as_str() {
                "growth" => "growth, week on week",
                "per_10k_reach" => "per 10,000 of reach",
                _ => "per 10,000 documents",
            };
            let title = format!("{}: {}{} ({unit}), {} to {}", rc.region, s.label, target, period.0, period.1);
            let _ = write!(
                o,
                "<figure data-series=\"{}\"><figcaption><b>{}</b>{} {}<br/><span class=\"unit\">{} · {}</span></figcaption>{}</figure>",
                esc(&series_name(&s.indicator, &s.target)),
                esc(&s.label),
                esc(&target),
                if matches!(s.level, Level::High | Level::Elevated) { badge(s.level) } else { String::new() },
                esc(&s.indicator),
                unit,
                chart(s, period, &title)
            );
        }
        o.push_str("</div></div>");
    }
    o.push_str("</section>\n");
}

fn change(recent: f64, before: f64) -> String {
    if before > 0.0 {
        format!("×{}", compact(recent / before))
    } else if recent > 0.0 {
        "new".into()
    } else {
        "–".into()
    }
}

fn targets(o: &mut String, d: &ReportData) {
    let _ = write!(o, "<section id=\"targets\"><h2>Top targets</h2><p class=\"small\">Groups named in hostile documents (time series per-target rows, summed over the hostile categories: a document is counted once per category) over the last {RECENT_DAYS} days to {}, against the {BEFORE_DAYS} days before; rates per 10,000 documents of the region.</p>", d.header.latest_date.map(|x| x.to_string()).unwrap_or_default());
    if d.targets.is_empty() {
        o.push_str("<p>No target group was named in hostile documents over these days.</p></section>\n");
        return;
    }
    o.push_str("<table id=\"targets-table\"><thead><tr><th>Region</th><th>Target</th><th>Mostly</th><th>Last 7 days</th><th>per 10k</th><th>28 days before</th><th>per 10k</th><th>Change</th></tr></thead><tbody>");
    for t in &d.targets {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&t.region),
            esc(&t.target),
            esc(&t.top_category),
            t.recent,
            esc(&compact(t.recent_rate())),
            t.before,
            esc(&compact(t.before_rate())),
            esc(&change(t.recent_rate(), t.before_rate()))
        );
    }
    o.push_str("</tbody></table></section>\n");
}

fn terms(o: &mut String, d: &ReportData) {
    o.push_str("<section id=\"terms\"><h2>Top terms</h2>");
    let Some(terms) = &d.terms else {
        o.push_str("<p>No evidence in this store, so no terms (see <a href=\"#evidence\">Evidence</a>).</p></section>\n");
        return;
    };
    let _ = write!(o, "<p class=\"small\">Canonical lexicon terms of hostile or reported evidence documents (discounted ones left out), last {RECENT_DAYS} days against the {BEFORE_DAYS} before.</p>");
    if terms.is_empty() {
        o.push_str("<p>No term over these days.</p></section>\n");
        return;
    }
    o.push_str("<table id=\"terms-table\"><thead><tr><th>Term</th><th>Categories</th><th>Languages</th><th>Regions (last 7 days)</th><th>Last 7 days</th><th>28 days before</th></tr></thead><tbody>");
    for t in terms {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&t.term),
            esc(&t.categories.join(", ")),
            esc(&t.langs.join(", ")),
            esc(&t.regions.join(", ")),
            t.recent,
            t.before
        );
    }
    o.push_str("</tbody></table></section>\n");
}

fn local_time(utc: chrono::DateTime<chrono::Utc>, tz: &str) -> String {
    match tz.parse::<chrono_tz::Tz>() {
        Ok(z) => z.from_utc_datetime(&utc.naive_utc()).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => utc.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

fn evidence_item(o: &mut String, e: &EvidenceRow, d: &ReportData) {
    let _ = write!(
        o,
        "<div class=\"ev\" data-doc=\"{}\"><div class=\"head\"><b>{}</b> · {} · ",
        esc(&e.doc_id),
        esc(&local_time(e.timestamp, &d.header.timezone)),
        esc(&e.region)
    );
    let _ = write!(o, "{} / {} · {} · ", esc(&e.source_name), esc(&e.source), esc(&e.lang));
    match &e.speaker {
        Some(s) => {
            let _ = write!(o, "speaker <code>{}…</code>", esc(&speaker_prefix(s)));
        }
        None => o.push_str("no speaker"),
    }
    if let Some(t) = &e.speaker_type {
        let _ = write!(o, " ({})", esc(t));
    }
    let _ = write!(o, " · reach {} · <b>{}</b> · severity {}", e.reach, esc(&e.status), e.max_severity);
    for (flag, name) in [(e.call_to_action, "call to action"), (e.attributed, "reported speech"), (e.counter_speech, "counter-speech")] {
        if flag {
            let _ = write!(o, " · <b>{name}</b>");
        }
    }
    let _ = write!(o, "<br/>categories: {} · targets: {} · id {}</div>", esc(&e.categories.join(", ")), esc(&e.targets.join(", ")), esc(&e.doc_id));
    match &e.snippet {
        None => o.push_str("<p class=\"snippet withheld\">(no text kept: the pipeline's evidence redaction drops it)</p>"),
        Some(s) if d.redacted => match mask(s, &e.signals) {
            Some(m) => {
                let _ = write!(o, "<p class=\"snippet\">{}</p>", esc(&m));
            }
            None => o.push_str("<p class=\"snippet withheld\">(snippet withheld: a matched term could not be located in it to mask; <code>tocsin report --no-redact</code> shows it)</p>"),
        },
        Some(s) => {
            let _ = write!(o, "<p class=\"snippet\">{}</p>", esc(s));
        }
    }
    o.push_str("</div>");
}

fn evidence(o: &mut String, d: &ReportData) {
    o.push_str("<section id=\"evidence\"><h2>Evidence sample</h2>");
    match &d.evidence {
        EvidenceSection::Absent => {
            o.push_str("<p id=\"no-evidence\">This store has no <code>evidence/</code> folder: it was written by a tocsin version that did not export evidence. Re-running the pipeline writes it.</p>");
        }
        EvidenceSection::Sample { rows, recent_total, total } => {
            let latest = d.header.latest_date.map(|x| x.to_string()).unwrap_or_default();
            let _ = write!(
                o,
                "<p class=\"small\">{} of the {recent_total} evidence documents of the last {RECENT_DAYS} days to {} ({total} in the store): the writer's own hostile speech first, then the most severe, calls to action, the farthest-reaching. {}</p>",
                rows.len(),
                esc(&latest),
                if d.redacted {
                    "Redacted: matched terms are masked as [category] and speakers shortened; <code>tocsin report --no-redact</code> shows the snippets as stored."
                } else {
                    "Not redacted: snippets are shown as stored."
                }
            );
            for e in rows {
                evidence_item(o, e, d);
            }
        }
    }
    o.push_str("</section>\n");
}

fn pct(n: u64, of: u64) -> String {
    if of == 0 {
        "–".into()
    } else {
        format!("{:.1} %", 100.0 * n as f64 / of as f64)
    }
}

fn quality(o: &mut String, d: &ReportData) {
    let q = &d.quality;
    o.push_str("<section id=\"quality\"><h2>Data quality</h2>");
    if q.totals.is_some() {
        let _ = write!(
            o,
            "<h3>Records of this run</h3><p class=\"small\">From manifest.json: read = accepted + rejected. This run wrote {} days{}.</p>",
            q.run_dates.len(),
            match (q.run_dates.first(), q.run_dates.last()) {
                (Some(a), Some(b)) => format!(" ({} to {})", esc(a), esc(b)),
                _ => String::new(),
            }
        );
        o.push_str(
            "<table id=\"sources-table\"><thead><tr><th>Source</th><th>Read</th><th>Accepted</th><th>Rejected</th><th>Rejected share</th></tr></thead><tbody>",
        );
        for s in q.sources.iter().chain(&q.totals) {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&s.source),
                s.read,
                s.accepted,
                s.rejected,
                pct(s.rejected, s.read)
            );
        }
        o.push_str("</tbody></table>");
        match &q.rejects {
            None => o.push_str("<p>The run's rejects file is missing.</p>"),
            Some(r) if r.is_empty() => o.push_str("<p>No record was rejected.</p>"),
            Some(r) => {
                o.push_str("<h3>Reject reasons</h3><table id=\"rejects-table\"><thead><tr><th>Source</th><th>Reason</th><th>Records</th><th>First at</th></tr></thead><tbody>");
                for x in r {
                    let _ = write!(
                        o,
                        "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"small\">{}</td></tr>",
                        esc(&x.source),
                        esc(&x.reason),
                        x.count,
                        esc(&x.example)
                    );
                }
                o.push_str("</tbody></table>");
            }
        }
    }
    if !q.placed_by.is_empty() {
        let total: u64 = q.placed_by.iter().map(|(_, n)| n).sum();
        o.push_str("<h3>Where documents were placed</h3><p class=\"small\">From manifest.json: how this run's documents got their region, in the order the pipeline tries (ambiguous and unknown documents count under region <code>unknown</code>).</p><table id=\"placed-table\"><thead><tr><th>Method</th><th>Documents</th><th>Share</th></tr></thead><tbody>");
        for (method, n) in &q.placed_by {
            let _ = write!(o, "<tr><td>{}</td><td class=\"num\">{n}</td><td class=\"num\">{}</td></tr>", esc(method), pct(*n, total));
        }
        o.push_str("</tbody></table>");
    }
    if !q.languages.is_empty() {
        let mut kinds: Vec<&str> = q.languages.iter().flat_map(|(_, c)| c.iter().map(|(k, _)| k.as_str())).collect();
        kinds.sort_unstable();
        kinds.dedup();
        o.push_str("<h3>Languages</h3><table id=\"languages-table\"><thead><tr><th>Language</th>");
        for k in &kinds {
            let _ = write!(o, "<th>{}</th>", esc(k));
        }
        o.push_str("</tr></thead><tbody>");
        for (lang, counts) in &q.languages {
            let _ = write!(o, "<tr><td>{}</td>", esc(lang));
            for k in &kinds {
                let n = counts.iter().find(|(c, _)| c == k).map(|(_, n)| n.as_str()).unwrap_or("–");
                let _ = write!(o, "<td class=\"num\">{}</td>", esc(n));
            }
            o.push_str("</tr>");
        }
        o.push_str("</tbody></table>");
    }
    let period = d.header.first_date.zip(d.header.latest_date);
    if let Some(period) = period {
        volume_table(o, "Documents per day and region", "volume-regions", &q.region_volume, period);
        if !q.source_volume.is_empty() {
            volume_table(o, "Documents per day and source", "volume-sources", &q.source_volume, period);
        }
    }
    if !q.inputs.is_empty() {
        o.push_str(
            "<h3>Inputs and lexicons</h3><table id=\"inputs-table\"><thead><tr><th>Source</th><th>File</th><th>Bytes</th><th>SHA-256</th></tr></thead><tbody>",
        );
        for (source, path, bytes, sha) in &q.inputs {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{bytes}</td><td><code title=\"{}\">{}</code></td></tr>",
                esc(source),
                esc(path),
                esc(sha),
                esc(&sha.chars().take(12).collect::<String>())
            );
        }
        o.push_str("</tbody></table>");
    }
    if !q.lexicons.is_empty() {
        let list: Vec<String> = q.lexicons.iter().map(|(n, v, e)| format!("{n} {v} ({e})")).collect();
        let _ = write!(o, "<p class=\"small\">Lexicons (entries): {}</p>", esc(&list.join(", ")));
    }
    o.push_str("</section>\n");
}

fn volume_table(
    o: &mut String,
    title: &str,
    id: &str,
    volume: &std::collections::BTreeMap<String, std::collections::BTreeMap<NaiveDate, i64>>,
    period: (NaiveDate, NaiveDate),
) {
    let days = (period.1 - period.0).num_days() + 1;
    let _ = write!(o, "<h3>{}</h3><table id=\"{id}\" class=\"spark\"><thead><tr><th>Name</th><th>Documents per day, {} to {} (red: none)</th><th>Min</th><th>Median</th><th>Max</th><th>Days without</th></tr></thead><tbody>", esc(title), period.0, period.1);
    for (name, v) in volume {
        let mut counts: Vec<i64> = (0..days).map(|i| v.get(&(period.0 + chrono::Duration::days(i))).copied().unwrap_or(0)).collect();
        let silent = counts.iter().filter(|&&c| c == 0).count();
        counts.sort_unstable();
        let median = counts.get(counts.len() / 2).copied().unwrap_or(0);
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{median}</td><td class=\"num\">{}</td><td class=\"num\">{silent}</td></tr>",
            esc(name),
            sparkline(v, period, &format!("{name}: documents per day")),
            counts.first().copied().unwrap_or(0),
            counts.last().copied().unwrap_or(0),
        );
    }
    o.push_str("</tbody></table>");
}
