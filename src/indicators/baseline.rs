//! Baselines, deviation and alert levels of one daily series.
//!
//! The method, in short (docs/INDICATORS.md has it in full):
//!
//! * baseline: median, MAD and pooled mean of the daily rates over the
//!   trailing window (the day itself excluded), taken over days with enough
//!   documents that were not raised (elevated or high) nor above expectation
//!   in a raised week — a slow escalation that takes days to become `high`
//!   must not become its own normal first. Days without documents are not zeros; they are left out.
//!   The reference rate is the larger of median, mean and one document in the
//!   whole window (a median of 0 is not what a normal day looks like when
//!   a third of the days have a document).
//! * expected count = reference × the day's denominator. Deviation = the
//!   smallest of three z-scores: Poisson (the normal quantile of the exact
//!   tail probability, with a mean of at least one document — counts are
//!   whole, and at 30 documents a day one post is 333 per 10,000); the exact
//!   comparison of two Poisson rates (the baseline rate is itself uncertain
//!   when it rests on a handful of documents); and a robust z-score with the
//!   MAD (days that vary more than Poisson noise).
//! * the same over the last `week_days` days pooled, against the baseline
//!   days before that week, each day's count capped near the count at which
//!   it would be raised by itself so that one spike cannot carry a week: this
//!   catches a rise of one or two documents a day that no single day shows.
//! * raised: for the day or the week, deviation ≥ `z_elevated`, rate ≥
//!   `ratio_elevated` × reference and at least `min_count` documents behind it.
//! * level: `elevated` when raised; `high` when raised on each of the last
//!   `persistence_days` days and, today, a raised test has deviation ≥
//!   `z_high` and rate ≥ `ratio_high` × reference. (Weekly windows of
//!   consecutive days overlap, so persistence alone is not independent
//!   evidence: `high` also asks for stronger evidence than `elevated`.)

use chrono::Duration;

use super::series::{Definition, Point};
use super::{IndicatorOptions, Level};

/// What the method says about one day of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The day's rate (or growth, for velocity); `None` without a denominator.
    pub value: Option<f64>,
    /// Median rate of the baseline days.
    pub baseline: Option<f64>,
    /// Median absolute deviation of the baseline rates.
    pub baseline_mad: Option<f64>,
    /// Pooled rate of the baseline days (total count over total denominator).
    pub baseline_mean: Option<f64>,
    /// Days in the baseline.
    pub baseline_days: i64,
    /// Rate over the reference rate (max of median, mean and one document).
    pub ratio: Option<f64>,
    /// Deviation score of the day (see module docs).
    pub deviation: Option<f64>,
    /// Count over the last `week_days` days with enough documents.
    pub count_week: Option<i64>,
    /// Rate over those days.
    pub value_week: Option<f64>,
    /// Deviation score of those days pooled.
    pub deviation_week: Option<f64>,
    /// The level.
    pub level: Level,
    /// Why, in words.
    pub reason: String,
    /// Consecutive raised days ending here.
    pub streak: i64,
    /// Kept out of later baselines: raised, or above expectation in a raised week.
    pub excluded: bool,
}

impl Assessment {
    fn insufficient(value: Option<f64>, reason: String) -> Self {
        Assessment {
            value,
            baseline: None,
            baseline_mad: None,
            baseline_mean: None,
            baseline_days: 0,
            ratio: None,
            deviation: None,
            count_week: None,
            value_week: None,
            deviation_week: None,
            level: Level::InsufficientData,
            reason,
            streak: 0,
            excluded: false,
        }
    }
}

/// Median of a non-empty slice (sorted in place).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7; relative error below 1e-13).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection keeps the approximation in its accurate range.
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised lower incomplete gamma P(a, x), a > 0.
fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let prefix = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        // Series; converges fast below the mode, where the upper tail is small.
        let (mut ap, mut del) = (a, 1.0 / a);
        let mut sum = del;
        for _ in 0..10_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (sum * prefix).min(1.0)
    } else {
        // Continued fraction for Q(a, x) (modified Lentz).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (1.0 - prefix * h).max(0.0)
    }
}

/// P(X ≥ k) for X ~ Poisson(λ); for a non-integer k, the smooth interpolation P(k, λ).
pub fn poisson_upper(k: f64, lambda: f64) -> f64 {
    if k <= 0.0 {
        1.0
    } else {
        gamma_p(k, lambda)
    }
}

/// The z with P(Z ≥ z) = p for a standard normal Z (Acklam's approximation, refined once).
pub fn z_upper(p: f64) -> f64 {
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    // Quantile of the lower tail at q = p, then negated.
    const A: [f64; 6] =
        [-3.969_683_028_665_376e1, 2.209_460_984_245_205e2, -2.759_285_104_469_687e2, 1.383_577_518_672_69e2, -3.066_479_806_614_716e1, 2.506_628_277_459_239];
    const B: [f64; 5] = [-5.447_609_879_822_406e1, 1.615_858_368_580_409e2, -1.556_989_798_598_866e2, 6.680_131_188_771_972e1, -1.328_068_155_288_572e1];
    const C: [f64; 6] =
        [-7.784_894_002_430_293e-3, -3.223_964_580_411_365e-1, -2.400_758_277_161_838, -2.549_732_539_343_734, 4.374_664_141_464_968, 2.938_163_982_698_783];
    const D: [f64; 4] = [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let q = p;
    let x = if q < 0.02425 {
        let r = (-2.0 * q.ln()).sqrt();
        (((((C[0] * r + C[1]) * r + C[2]) * r + C[3]) * r + C[4]) * r + C[5]) / ((((D[0] * r + D[1]) * r + D[2]) * r + D[3]) * r + 1.0)
    } else if q > 1.0 - 0.02425 {
        let r = (-2.0 * (1.0 - q).ln()).sqrt();
        -(((((C[0] * r + C[1]) * r + C[2]) * r + C[3]) * r + C[4]) * r + C[5]) / ((((D[0] * r + D[1]) * r + D[2]) * r + D[3]) * r + 1.0)
    } else {
        let u = q - 0.5;
        let r = u * u;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * u / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    -x
}

/// How surprising `count` is for a Poisson mean `lambda` (both in documents),
/// as a z-score: the normal quantile of the exact upper tail above the mean,
/// a plain standardised difference below it.
pub fn poisson_z(count: f64, lambda: f64) -> f64 {
    if count <= lambda {
        (count - lambda) / lambda.max(1.0).sqrt()
    } else {
        z_upper(poisson_upper(count, lambda)).max(0.0)
    }
}

/// Regularised incomplete beta I_x(a, b).
fn beta_i(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, 1.0 - x) / b
    }
}

/// Continued fraction of the incomplete beta (modified Lentz).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// P(X ≥ k) for X ~ Binomial(n, p); smooth in real k and n.
pub fn binomial_upper(k: f64, n: f64, p: f64) -> f64 {
    if k <= 0.0 {
        1.0
    } else if k > n {
        0.0
    } else {
        beta_i(k, n - k + 1.0, p)
    }
}

/// How surprising `k` of `n` is when each falls on this side with probability `p`, as a z-score.
pub fn binomial_z(k: f64, n: f64, p: f64) -> f64 {
    let mean = n * p;
    if k <= mean {
        (k - mean) / (n * p * (1.0 - p)).max(1.0).sqrt()
    } else {
        z_upper(binomial_upper(k, n, p)).max(0.0)
    }
}

/// A rate for people: no decimals from 100 up, one below.
pub fn fmt_rate(x: f64) -> String {
    if x >= 100.0 || x == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// A deviation score for people, one decimal, never "-0.0".
fn fmt_dev(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    format!("{:.1}", if r == 0.0 { 0.0 } else { r })
}

fn fmt_ratio(x: f64) -> String {
    if x >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// Whether a day can be assessed or used in a baseline.
fn usable(p: &Point, o: &IndicatorOptions) -> bool {
    p.docs >= o.min_docs && p.denom > 0.0
}

/// The baseline of one day: indices of the days it is made of.
struct Window {
    days: Vec<usize>,
    /// Raised days were skipped (and the window extended back over them).
    skipped: bool,
    /// Not enough normal days: the plain window, raised days included.
    fallback: bool,
}

/// Baseline days for `points[i]`: usable days among the `window` most recent
/// calendar days before it that were not raised, looking back at most
/// `lookback` days; if that leaves fewer than `min_history`, the plain window.
fn window(points: &[Point], done: &[Assessment], i: usize, o: &IndicatorOptions) -> Window {
    let d = points[i].date;
    let mut days = Vec::new();
    let mut covered = 0;
    let mut skipped = false;
    let mut j = i;
    for k in 1..=o.lookback_days.max(o.window_days) {
        if covered >= o.window_days {
            break;
        }
        let date = d - Duration::days(k);
        while j > 0 && points[j - 1].date > date {
            j -= 1;
        }
        match (j > 0 && points[j - 1].date == date).then(|| j - 1) {
            Some(h) if done[h].excluded => skipped = true,
            Some(h) => {
                covered += 1;
                if usable(&points[h], o) {
                    days.push(h);
                }
            }
            None => covered += 1,
        }
    }
    if days.len() < o.min_history_days && skipped {
        let start = d - Duration::days(o.window_days);
        let plain = (0..i).filter(|&h| points[h].date >= start && usable(&points[h], o)).collect();
        return Window { days: plain, skipped, fallback: true };
    }
    Window { days, skipped, fallback: false }
}

/// The baseline statistics of a window.
struct Baseline {
    median: f64,
    mad: f64,
    mean: f64,
    /// Total count and denominator of the baseline days.
    count: f64,
    denom: f64,
    /// Numerator one document carries on average (1, or mean reach per document).
    unit: f64,
    /// One document over the whole window, as a rate.
    floor: f64,
    /// max(median, mean, floor): what a normal day's rate is taken to be.
    reference: f64,
}

impl Baseline {
    fn of(base: &[&Point]) -> Self {
        let mut rates: Vec<f64> = base.iter().map(|b| b.rate()).collect();
        let median = self::median(&mut rates);
        let mut spread: Vec<f64> = rates.iter().map(|r| (r - median).abs()).collect();
        let mad = self::median(&mut spread);
        let count: f64 = base.iter().map(|b| b.count as f64).sum();
        let denom: f64 = base.iter().map(|b| b.denom).sum();
        let docs: f64 = base.iter().map(|b| b.docs as f64).sum();
        let mean = 1e4 * count / denom;
        let floor = 1e4 / docs;
        let unit = base.iter().map(|b| b.unit * b.docs as f64).sum::<f64>() / docs;
        Baseline { median, mad, mean, count, denom, unit, floor, reference: median.max(mean).max(floor) }
    }

    /// Expected count on a day, and the Poisson mean of its documents (at least one).
    fn expected(&self, p: &Point) -> (f64, f64) {
        let e = self.reference * p.denom / 1e4;
        (e, (e / p.unit).max(1.0))
    }

    /// Deviation of a count (in numerator units, over denominator `denom`)
    /// from its expectation: the smallest of three z-scores, each guarding
    /// against one way of being fooled —
    /// * Poisson, with a mean of at least one document: small whole counts;
    /// * rates compared (the count's share of count + baseline count against
    ///   the denominator's share, exact binomial): a baseline rate estimated
    ///   from a handful of documents is itself uncertain;
    /// * robust (MAD): days that vary more than Poisson noise.
    fn deviation(&self, count: f64, denom: f64, expected: f64, lambda_docs: f64, unit: f64, robust_sd: f64) -> f64 {
        if count <= expected {
            return (count - expected) / (unit * lambda_docs.sqrt());
        }
        let poisson = poisson_z(count / unit, lambda_docs);
        let x = count / unit;
        let share = denom / (denom + self.denom);
        let compared = binomial_z(x, x + self.count / self.unit, share);
        let robust = if robust_sd > 0.0 { (count - expected) / robust_sd } else { f64::INFINITY };
        poisson.min(compared).min(robust)
    }

    /// `window` names the baseline: "its 28-day", "the 21 days before them".
    fn words(&self, window: &str) -> String {
        if self.reference == self.median {
            format!("{window} median {}", fmt_rate(self.median))
        } else if self.reference == self.mean {
            format!("{window} mean {} (median {})", fmt_rate(self.mean), fmt_rate(self.median))
        } else {
            format!("{window} baseline (median {}; one document would be {})", fmt_rate(self.median), fmt_rate(self.floor))
        }
    }
}

fn per(def: &Definition) -> &'static str {
    if def.unit() == "per_10k_reach" {
        "per 10,000 of reach"
    } else {
        "per 10,000 documents"
    }
}

fn count_words(def: &Definition, n: i64) -> String {
    match def.noun() {
        "reach" => format!("reach {n}"),
        noun if n == 1 => format!("1 {}", noun.trim_end_matches('s')),
        noun => format!("{n} {noun}"),
    }
}

/// Assesses every day of a rate series, oldest first.
pub fn assess(points: &[Point], def: &Definition, o: &IndicatorOptions) -> Vec<Assessment> {
    let mut out: Vec<Assessment> = Vec::with_capacity(points.len());
    for i in 0..points.len() {
        let (a, rise) = assess_day(points, &out, i, def, o);
        // The days that made a week rise were part of the rise, even those no
        // single-day test raised: they must not become normal afterwards.
        for h in rise {
            if h < i {
                out[h].excluded = true;
            }
        }
        out.push(a);
    }
    out
}

/// The assessment of `points[i]`, and the earlier days that made its week rise.
fn assess_day(points: &[Point], done: &[Assessment], i: usize, def: &Definition, o: &IndicatorOptions) -> (Assessment, Vec<usize>) {
    let p = &points[i];
    let value = (p.denom > 0.0).then(|| p.rate());
    if p.docs < o.min_docs {
        return (Assessment::insufficient(value, format!("only {} documents on this day (needs {})", p.docs, o.min_docs)), vec![]);
    }
    if p.denom <= 0.0 {
        return (Assessment::insufficient(value, "no reach recorded on this day".into()), vec![]);
    }
    let w = window(points, done, i, o);
    if w.days.len() < o.min_history_days {
        let reason = format!("only {} days with {}+ documents in the last {} (needs {})", w.days.len(), o.min_docs, o.window_days, o.min_history_days);
        return (Assessment::insufficient(value, reason), vec![]);
    }
    let base: Vec<&Point> = w.days.iter().map(|&h| &points[h]).collect();
    let bl = Baseline::of(&base);
    let robust_sd = |q: &Point| 1.4826 * bl.mad * q.denom / 1e4;

    // The day.
    let r = p.rate();
    let (expected, lambda) = bl.expected(p);
    let deviation = bl.deviation(p.count as f64, p.denom, expected, lambda, p.unit, robust_sd(p));
    let ratio = r / bl.reference;
    // One far-reaching article is not a campaign: reach needs hostile documents behind it too.
    let daily = deviation >= o.z_elevated && ratio >= o.ratio_elevated && p.support >= o.min_count;

    // The week: usable days of the last `week_days`, against the baseline
    // days before that week (a rise must not hide in its own baseline), each
    // day capped near the count at which it would be raised by itself, so
    // that one spike, which the daily test already judged, cannot carry a week.
    let week_start = p.date - Duration::days(o.week_days - 1);
    let week_days: Vec<usize> = (0..=i).rev().take_while(|&h| points[h].date >= week_start).filter(|&h| usable(&points[h], o)).collect();
    let week: Vec<&Point> = week_days.iter().map(|&h| &points[h]).collect();
    let before: Vec<&Point> = base.iter().copied().filter(|q| q.date < week_start).collect();
    let mut weekly = None;
    let mut rise = Vec::new();
    if 2 * week.len() > o.week_days as usize && before.len() >= o.min_history_days {
        let bw = Baseline::of(&before);
        let robust_sd = |q: &Point| 1.4826 * bw.mad * q.denom / 1e4;
        let (mut capped, mut count, mut expected_w, mut denom, mut support, mut var) = (0.0, 0, 0.0, 0.0, 0, 0.0);
        for q in &week {
            let (e, l) = bw.expected(q);
            let cap = q.unit * (l + o.z_elevated * l.sqrt() + 1.0);
            capped += (q.count as f64).min(cap.max(e));
            count += q.count;
            expected_w += e;
            denom += q.denom;
            support += q.support;
            var += robust_sd(q).powi(2);
        }
        let unit = week.iter().map(|q| q.unit * q.docs as f64).sum::<f64>() / week.iter().map(|q| q.docs as f64).sum::<f64>();
        let lambda_w = (expected_w / unit).max(1.0);
        let dev = bw.deviation(capped, denom, expected_w, lambda_w, unit, var.sqrt());
        let rate_w = 1e4 * count as f64 / denom;
        let ratio_w = 1e4 * capped / denom / bw.reference;
        let raised = dev >= o.z_elevated && ratio_w >= o.ratio_elevated && support >= o.min_count;
        if raised {
            rise = week_days.iter().copied().filter(|&h| points[h].count as f64 > bw.expected(&points[h]).0).collect();
        }
        weekly = Some((raised, count, rate_w, dev, ratio_w, week.len(), bw.words(&format!("the {} days before them,", before.len()))));
    }
    let weekly_raised = weekly.as_ref().is_some_and(|w| w.0);
    let raised = daily || weekly_raised;
    let streak = if raised {
        let prev = i.checked_sub(1).filter(|&h| points[h].date >= p.date - Duration::days(o.persistence_gap_days));
        1 + prev.map_or(0, |h| done[h].streak)
    } else {
        0
    };
    // The strongest raised test decides whether the rise is large and sure enough for `high`.
    let (mut big, mut sure) = (0.0_f64, f64::NEG_INFINITY);
    if daily {
        (big, sure) = (ratio, deviation);
    }
    if let Some((true, _, _, dev, ratio_w, ..)) = &weekly {
        (big, sure) = (big.max(*ratio_w), sure.max(*dev));
    }
    let level = if !raised {
        Level::Normal
    } else if streak >= o.persistence_days && big >= o.ratio_high && sure >= o.z_high {
        Level::High
    } else {
        Level::Elevated
    };

    let what = def.label;
    let reference = bl.words(&format!("its {}-day", o.window_days));
    let mut reason = match &weekly {
        _ if daily => format!(
            "{what} rate {}× {reference}: {} {} ({}), deviation {}",
            fmt_ratio(ratio),
            fmt_rate(r),
            per(def),
            count_words(def, p.count),
            fmt_dev(deviation)
        ),
        Some((true, count, rate_w, dev, ratio_w, n, before)) => format!(
            "{what} over the last {n} days {}× {before}: {} {} ({}), deviation {}",
            fmt_ratio(*ratio_w),
            fmt_rate(*rate_w),
            per(def),
            count_words(def, *count),
            fmt_dev(*dev)
        ),
        _ => format!("{what} {} {} ({}); {reference}, deviation {}", fmt_rate(r), per(def), count_words(def, p.count), fmt_dev(deviation)),
    };
    if raised && streak > 1 {
        reason.push_str(&format!("; raised {streak} days running"));
    }
    if w.fallback {
        reason.push_str(&format!("; fewer than {} normal days in {} days, so the baseline includes raised days", o.min_history_days, o.lookback_days));
    } else if w.skipped && raised {
        reason.push_str("; baseline leaves out earlier raised days");
    }
    let a = Assessment {
        value,
        baseline: Some(bl.median),
        baseline_mad: Some(bl.mad),
        baseline_mean: Some(bl.mean),
        baseline_days: w.days.len() as i64,
        ratio: Some(ratio),
        deviation: Some(deviation),
        count_week: weekly.as_ref().map(|w| w.1),
        value_week: weekly.as_ref().map(|w| w.2),
        deviation_week: weekly.as_ref().map(|w| w.3),
        level,
        reason,
        streak,
        excluded: raised,
    };
    (a, rise)
}

/// Assesses week-on-week growth of a count series (`propaganda_velocity`):
/// this week's rate against the higher of last week's rate and the normal
/// reference of the same series (`normal`, its own assessment), so that
/// climbing out of an unusually quiet week is not taken for acceleration.
pub fn assess_velocity(points: &[Point], normal: &[Assessment], def: &Definition, o: &IndicatorOptions) -> Vec<Assessment> {
    let mut out: Vec<Assessment> = Vec::with_capacity(points.len());
    let week = o.week_days;
    for (i, p) in points.iter().enumerate() {
        if normal[i].level == Level::InsufficientData {
            let mut a = normal[i].clone();
            a.value = None;
            out.push(a);
            continue;
        }
        let in_range = |from: i64, to: i64| -> Vec<&Point> {
            points[..=i].iter().filter(|q| q.date > p.date - Duration::days(to) && q.date <= p.date - Duration::days(from) && usable(q, o)).collect()
        };
        let this = in_range(0, week);
        let last = in_range(week, 2 * week);
        let need = (week as usize).div_ceil(2);
        if this.len() < need || last.len() < need {
            out.push(Assessment::insufficient(
                None,
                format!("{} and {} days with {}+ documents in this and last week (needs {need} each)", this.len(), last.len(), o.min_docs),
            ));
            continue;
        }
        let sum = |v: &[&Point]| -> (f64, f64, f64) { v.iter().fold((0.0, 0.0, 0.0), |a, q| (a.0 + q.count as f64, a.1 + q.denom, a.2 + q.docs as f64)) };
        let (c, dn, _) = sum(&this);
        let (cp, dp, docs_p) = sum(&last);
        let rate = 1e4 * c / dn;
        let rate_last = 1e4 * cp / dp;
        let floor = 1e4 / docs_p;
        let normal_ref = normal[i].baseline.unwrap_or(0.0).max(normal[i].baseline_mean.unwrap_or(0.0));
        let reference = rate_last.max(normal_ref).max(floor);
        let growth = rate / reference;
        let expected = reference * dn / 1e4;
        let deviation = poisson_z(c, expected.max(1.0));
        let raised = deviation >= o.z_elevated && growth >= o.ratio_elevated && c >= o.min_count as f64;
        let streak = if raised {
            1 + i.checked_sub(1).filter(|&h| points[h].date >= p.date - Duration::days(o.persistence_gap_days)).map_or(0, |h| out[h].streak)
        } else {
            0
        };
        let level = if !raised {
            Level::Normal
        } else if streak >= o.persistence_days && growth >= o.ratio_high && deviation >= o.z_high {
            Level::High
        } else {
            Level::Elevated
        };
        let against = if reference == rate_last { "the week before" } else { "normal (the week before was quieter)" };
        let mut reason = format!(
            "{} over the last {week} days {}× {against} ({} vs {} per 10,000 documents; {c} documents), deviation {}",
            def.label,
            fmt_ratio(growth),
            fmt_rate(rate),
            fmt_rate(reference),
            fmt_dev(deviation)
        );
        if raised && streak > 1 {
            reason.push_str(&format!("; raised {streak} days running"));
        }
        out.push(Assessment {
            value: Some(growth),
            baseline: Some(rate_last),
            baseline_mad: None,
            baseline_mean: Some(normal_ref),
            baseline_days: last.len() as i64,
            ratio: Some(growth),
            deviation: Some(deviation),
            count_week: Some(c as i64),
            value_week: Some(rate),
            deviation_week: None,
            level,
            reason,
            streak,
            excluded: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::series::INDICATORS;
    use chrono::NaiveDate;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, 1).unwrap() + Duration::days(n)
    }

    fn series(counts: &[i64], docs: i64) -> Vec<Point> {
        counts.iter().enumerate().map(|(i, &c)| Point { date: day(i as i64), docs, count: c, denom: docs as f64, unit: 1.0, support: c }).collect()
    }

    fn levels(counts: &[i64], docs: i64) -> Vec<Level> {
        assess(&series(counts, docs), &INDICATORS[0], &IndicatorOptions::default()).into_iter().map(|a| a.level).collect()
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn statistics() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-12));
        assert!(close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-12));
        // P(X ≥ k | λ) against sums of the Poisson pmf.
        let tail = |k: u32, l: f64| 1.0 - (0..k).map(|j| (-l + j as f64 * l.ln() - ln_gamma(j as f64 + 1.0)).exp()).sum::<f64>();
        for (k, l) in [(1, 1.0), (4, 0.5), (6, 1.0), (12, 3.4), (3, 7.0)] {
            assert!(close(poisson_upper(k as f64, l), tail(k, l), 1e-9), "{k} {l}");
        }
        assert!(close(poisson_upper(4.0, 0.5), 0.001_752, 1e-3));
        // Far tails and large means stay finite and sensible.
        assert!(poisson_upper(60.0, 1.0) > 0.0 && poisson_upper(60.0, 1.0) < 1e-80);
        let z = poisson_z(1100.0, 1000.0);
        assert!((z - 3.13).abs() < 0.05, "{z}");
        assert!((z_upper(0.001_35) - 3.0).abs() < 1e-3);
        assert!((z_upper(0.5)).abs() < 1e-9);
        assert!((z_upper(0.975) + 1.96).abs() < 1e-3);
        assert!(z_upper(1e-200) > 30.0);
        assert_eq!(poisson_z(0.0, 4.0), -2.0);
        // Binomial tails against sums of the pmf, and the all-or-nothing case p^k.
        let choose = |n: u32, k: u32| (ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)).exp();
        let btail = |k: u32, n: u32, p: f64| (k..=n).map(|j| choose(n, j) * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32)).sum::<f64>();
        for (k, n, p) in [(6, 8, 0.28), (10, 17, 0.23), (1, 1, 0.5), (30, 100, 0.2), (3, 40, 0.5)] {
            assert!(close(binomial_upper(k as f64, n as f64, p), btail(k, n, p), 1e-9), "{k} {n} {p}");
        }
        assert!(close(binomial_upper(5.0, 5.0, 0.25), 0.25f64.powi(5), 1e-12));
        assert!(binomial_z(2.0, 10.0, 0.5) < 0.0);
    }

    #[test]
    fn first_days_are_insufficient() {
        let l = levels(&[0; 20], 30);
        assert!(l[..14].iter().all(|l| *l == Level::InsufficientData));
        assert!(l[14..].iter().all(|l| *l == Level::Normal));
    }

    #[test]
    fn a_few_extra_posts_on_a_quiet_day_are_not_an_alarm() {
        let mut c = vec![0; 30];
        for n in [1, 2, 3, 4, 5] {
            c[29] = n;
            assert_eq!(levels(&c, 30)[29], Level::Normal, "{n}");
        }
        c[29] = 6;
        assert_eq!(levels(&c, 30)[29], Level::Elevated);
    }

    #[test]
    fn a_single_spike_is_never_high() {
        let mut c = vec![1; 40];
        c[30] = 30;
        let l = levels(&c, 30);
        assert_eq!(l[30], Level::Elevated);
        assert!(!l.contains(&Level::High), "{l:?}");
        assert!(l[31..].iter().all(|l| *l == Level::Normal), "{l:?}");
    }

    #[test]
    fn a_sustained_rise_becomes_high_on_its_third_day() {
        let mut c = vec![1; 40];
        for x in &mut c[30..] {
            *x = 8;
        }
        let l = levels(&c, 30);
        assert_eq!(&l[29..33], [Level::Normal, Level::Elevated, Level::Elevated, Level::High]);
        assert!(l[33..].iter().all(|l| *l == Level::High), "{l:?}");
    }

    #[test]
    fn a_small_steady_rise_is_caught_by_the_week() {
        // One document a day where there were almost none: no single day says much.
        let mut c = vec![0; 50];
        c[5] = 1;
        c[17] = 1;
        for x in &mut c[36..] {
            *x = 1;
        }
        let a = assess(&series(&c, 30), &INDICATORS[0], &IndicatorOptions::default());
        let first = a.iter().position(|a| a.level != Level::Normal && a.level != Level::InsufficientData).unwrap();
        // Five documents in a week where one in four weeks was normal.
        assert_eq!(first, 41, "{:?}", a[first]);
        assert!(a[first].reason.contains("over the last 7 days"), "{}", a[first].reason);
        assert_eq!(a[43].level, Level::High, "{}", a[43].reason);
    }

    #[test]
    fn days_without_documents_are_not_zeros() {
        // Two days in three missing: 9 observed days in 28 is not enough history.
        let pts: Vec<Point> = (0..20).map(|i| Point { date: day(3 * i), docs: 30, count: 1, denom: 30.0, unit: 1.0, support: 1 }).collect();
        let a = assess(&pts, &INDICATORS[0], &IndicatorOptions::default());
        assert_eq!(a[15].level, Level::InsufficientData, "{}", a[15].reason);
        assert!(a[15].reason.contains("days with 10+ documents in the last 28"));
    }
}
