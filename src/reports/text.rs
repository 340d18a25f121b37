//! Number formatting and escaping shared by the exporters, so that every format prints the
//! same figure the same way, and nothing from a model or a file reaches HTML unescaped.

use crate::scoring::quality::{Quality, QualityFlag};
use crate::types::Weights;

/// Shown where a figure is undefined.
pub const MISSING: &str = "–";

pub fn num(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) if x.is_finite() => fix_zero(format!("{x:.decimals$}")),
        _ => MISSING.to_string(),
    }
}

/// A permutation p, never printed as 0 (it is at least 1/(1 + permutations)); below 0.001 it
/// reads "< 0.001", as p values are conventionally written, not in exponent notation. The
/// reports and `compare` print it the same way.
pub fn p_value(p: Option<f64>) -> String {
    match p {
        Some(x) if x < 0.001 => "< 0.001".to_string(),
        other => num(other, 3),
    }
}

/// "-0.000" reads as a sign where there is none.
fn fix_zero(s: String) -> String {
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// Decimals of every printed interval, and so of a value printed beside one.
pub const INTERVAL_DECIMALS: usize = 3;

pub fn interval(v: Option<[f64; 2]>) -> String {
    match v {
        Some([a, b]) => format!(
            "[{}, {}]",
            num(Some(a), INTERVAL_DECIMALS),
            num(Some(b), INTERVAL_DECIMALS)
        ),
        None => MISSING.to_string(),
    }
}

/// A value and its 95% interval at one precision, "0.270 [0.149, 0.398]" (a value rounded
/// coarser than its interval, "0.27 [0.149, 0.398]", reads as two different figures); the
/// value alone when it has no interval.
pub fn with_interval(v: Option<f64>, ci: Option<[f64; 2]>) -> String {
    match ci {
        Some(_) => format!("{} {}", num(v, INTERVAL_DECIMALS), interval(ci)),
        None => num(v, INTERVAL_DECIMALS),
    }
}

/// A share as a percentage to one decimal, or more where one would round a share that is
/// not 0 or 1 to "0.0%" or "100.0%" (SmolLM2's choices predicted 99.96% read "100.0%"
/// beside its diagnosis's 99.96%), as [`proportion`] does.
pub fn pct(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => {
            let shown = |d: usize| fix_zero(format!("{:.d$}", 100.0 * x));
            let exact: bool = x == 0.0 || x == 1.0;
            let d: usize = (1..=4)
                .find(|&d| {
                    exact || {
                        let s: String = shown(d);
                        s != shown_end(d, 0) && s != shown_end(d, 100)
                    }
                })
                .unwrap_or(4);
            format!("{}%", shown(d))
        }
        _ => MISSING.to_string(),
    }
}

/// `end` (0 or 100) as [`pct`] prints it at `d` decimals.
fn shown_end(d: usize, end: u32) -> String {
    format!("{:.d$}", f64::from(end))
}

/// Text for HTML prose and figure cells, escaped, with a label kept on the line of its
/// value: "r = 0.858", "p < 0.001" and an interval's two ends do not break apart at a phone's
/// width (they read "(r" / "= 0.858)"), nor does a flag at its hyphens ("--" / "price-out").
/// Not for a model's raw answers, shown as given.
pub fn html_prose(s: &str) -> String {
    let mut out: String = html(s)
        .replace(" = ", "&nbsp;=&nbsp;")
        .replace("(p ", "(p&nbsp;")
        .replace("&lt; ", "&lt;&nbsp;")
        .split(' ')
        .map(|w| match w.starts_with("--") {
            true => format!("<span class=\"nw\">{w}</span>"),
            false => w.to_string(),
        })
        .collect::<Vec<String>>()
        .join(" ");
    // ", " inside "[lo, hi]" of two numbers.
    let mut at: usize = 0;
    while let Some(open) = out[at..].find('[').map(|i| at + i) {
        let Some(close) = out[open..].find(']').map(|i| open + i) else {
            break;
        };
        let inner: &str = &out[open + 1..close];
        if let Some((a, b)) = inner.split_once(", ")
            && a.parse::<f64>().is_ok()
            && b.parse::<f64>().is_ok()
        {
            let bound: String = format!("{a},&nbsp;{b}");
            out.replace_range(open + 1..close, &bound);
        }
        at = open + 1;
    }
    out
}

/// The tokens section's sentence when the run has no cost, as the run's plan says it: a
/// simulated agent costs nothing, and so, per token, does a server on this machine
/// (`local_server`, its host); otherwise no price was given.
pub fn no_cost(provider: &str, local_server: Option<&str>) -> String {
    match local_server {
        _ if provider == "sim" => "Cost none (simulated agents).".to_string(),
        Some(host) => format!("Cost none per token (a server on this machine, {host})."),
        None => "Cost unknown (no price given; pass --price-in and --price-out).".to_string(),
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn html(s: &str) -> String {
    let mut out: String = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Text safe inside a Markdown table cell: HTML-escaped (GitHub renders inline HTML), pipes
/// escaped, line breaks shown as ⏎, and Markdown emphasis characters neutralised.
pub fn md_cell(s: &str) -> String {
    let mut out: String = String::with_capacity(s.len());
    for c in html(s).chars() {
        match c {
            '|' => out.push_str("&#124;"),
            '\n' => out.push('⏎'),
            '\r' => {}
            '`' => out.push_str("&#96;"),
            '*' => out.push_str("&#42;"),
            '[' => out.push_str("&#91;"),
            ']' => out.push_str("&#93;"),
            '\\' => out.push_str("&#92;"),
            _ => out.push(c),
        }
    }
    out
}

pub use crate::scoring::comparison::clamp_r;

/// Whether a run's choices show no measurable preference: some context has learned weights
/// and every context's are all zero (an agent choosing at random, P(A) = 0.5 on every pair).
/// Its reliability and score are then undefined because there is nothing to measure, not for
/// lack of data, and the reports and leaderboard say so.
pub fn no_measurable_preference(s: &crate::scoring::Summary) -> bool {
    let learned: Vec<&Weights> = s
        .contexts
        .iter()
        .filter_map(|c| c.learned.as_ref())
        .collect();
    !learned.is_empty() && learned.iter().all(|w| w.0.iter().all(|&x| x == 0.0))
}

/// Why a run without a measurable preference has no score or reliability.
pub const NO_PREFERENCE_SENTENCE: &str = "No measurable preference: every learned weight is 0 \
(the choices do not depend on the options), so there is nothing for the reports to agree with \
and no reliability to judge; the run has no score and is not ranked.";

/// The measurement-quality flag in a few words (leaderboard cells, the score command).
pub fn flag_words(flag: Option<QualityFlag>) -> &'static str {
    match flag {
        Some(QualityFlag::Ok) => "reliable enough",
        Some(QualityFlag::InsufficientData) => "too little data to judge reliability",
        Some(QualityFlag::UnreliableBehaviour) => "behaviour too unreliable",
        Some(QualityFlag::UnreliableReports) => "reports inconsistent",
        None => "quality not computed",
    }
}

/// What the measurement-quality flag means for the score, in plain words.
pub fn quality_sentence(q: Option<&Quality>) -> String {
    let Some(q) = q else {
        return "Measurement quality was not computed for this summary (it predates it): re-score the run to see whether the score can be trusted."
            .to_string();
    };
    let rel_b: String = num(q.behavioural_reliability.value, 3);
    let rel_r: String = num(q.report_reliability.value, 3);
    match q.flag {
        QualityFlag::Ok => format!(
            "Both measurements are reliable enough for the score to mean something (behavioural \
reliability {rel_b}, report reliability {rel_r})."
        ),
        QualityFlag::InsufficientData => "Too little choice data to tell how reliable the learned \
weights are (no context has enough usable choices, or its learned weights do not vary): this \
score cannot be interpreted, and the run is not ranked."
            .to_string(),
        QualityFlag::UnreliableBehaviour => format!(
            "Behaviour too unreliable for this score to mean much: weights learned from two halves \
of the same choices agree poorly (behavioural reliability {rel_b}, below {}), so the score says \
little about introspection, and the run is not ranked.",
            num(Some(q.behavioural_reliability.threshold), 1)
        ),
        QualityFlag::UnreliableReports => format!(
            "The model's reports of the same context disagree with each other (report reliability \
{rel_r}, below {}): the score is held down by inconsistent reporting, which is the model's own \
failing, so the run is still ranked.",
            num(Some(q.report_reliability.threshold), 1)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// At 390 px the reports broke "(r = 0.858)" after "(r", "(p < 0.001)" after "(p" and
    /// intervals after their comma (scripts/screenshots.sh).
    #[test]
    fn html_prose_keeps_labels_with_their_values() {
        assert_eq!(
            html_prose("the reports (r = 0.858) [0.149, 0.398] (p < 0.001) [a, b] <b>"),
            "the reports (r&nbsp;=&nbsp;0.858) [0.149,&nbsp;0.398] (p&nbsp;&lt;&nbsp;0.001) \
[a, b] &lt;b&gt;"
        );
        assert_eq!(
            html_prose("pass --price-in and --price-out)."),
            "pass <span class=\"nw\">--price-in</span> and <span class=\"nw\">--price-out).</span>"
        );
    }

    /// The observer report printed "(p 1.0e-3)" for 1/1001 (seen in scripts/screenshots.sh).
    #[test]
    fn a_small_permutation_p_reads_below_a_thousandth() {
        assert_eq!(p_value(Some(1.0 / 1001.0)), "< 0.001");
        assert_eq!(p_value(Some(0.001)), "0.001");
        assert_eq!(p_value(Some(0.25)), "0.250");
    }

    #[test]
    fn a_percentage_never_rounds_to_0_or_100_unless_it_is() {
        assert_eq!(pct(Some(0.9996)), "99.96%");
        assert_eq!(pct(Some(0.99996)), "99.996%");
        assert_eq!(pct(Some(0.00004)), "0.004%");
        assert_eq!(pct(Some(0.852)), "85.2%");
        assert_eq!(pct(Some(1.0)), "100.0%");
        assert_eq!(pct(Some(0.0)), "0.0%");
        assert_eq!(pct(None), MISSING);
    }

    #[test]
    fn formats() {
        assert_eq!(num(Some(-0.0001), 2), "0.00");
        assert_eq!(num(Some(-0.5), 2), "-0.50");
        assert_eq!(num(None, 2), MISSING);
        assert_eq!(interval(Some([0.1234, 0.4567])), "[0.123, 0.457]");
        assert_eq!(
            with_interval(Some(0.2731), Some([0.149, 0.3982])),
            "0.273 [0.149, 0.398]"
        );
        assert_eq!(with_interval(Some(0.2731), None), "0.273");
        assert_eq!(
            html("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(md_cell("a|b\n*c*"), "a&#124;b⏎&#42;c&#42;");
    }

    /// SmolLM2's 9,700 "A" of 9,704 parsed choices read 1.000 under Position bias while its
    /// diagnosis said 99.96% and its leaderboard page 0.9996.
    #[test]
    fn a_proportion_never_rounds_to_0_or_1_unless_it_is() {
        assert_eq!(proportion(Some(0.53)), "0.530");
        assert_eq!(proportion(Some(9700.0 / 9704.0)), "0.9996");
        assert_eq!(proportion(Some(0.00004)), "0.00004");
        assert_eq!(proportion(Some(1.0)), "1.000");
        assert_eq!(proportion(Some(0.0)), "0.000");
        assert_eq!(proportion(None), MISSING);
        assert_eq!(count(11000), "11,000");
        assert_eq!(count_u64(2_522_393), "2,522,393");
    }
}

/// How a presentation order reads in a report.
pub fn order_label(o: crate::bundle::sample::Order) -> &'static str {
    match o {
        crate::bundle::sample::Order::Ab => "as frozen (ab)",
        crate::bundle::sample::Order::Ba => "swapped (ba)",
    }
}

/// A proportion to 3 decimals, with more (up to 6) where 3 would round it to 0 or 1 when it is
/// neither: 9,700 "A" answers of 9,704 read 0.9996, not 1.000 ("every choice").
pub fn proportion(p: Option<f64>) -> String {
    match p {
        Some(x) if x.is_finite() && x != 0.0 && x != 1.0 => (3..=6)
            .map(|d| num(Some(x), d))
            .find(|s| s.parse::<f64>().is_ok_and(|v| v != 0.0 && v != 1.0))
            .unwrap_or_else(|| num(Some(x), 6)),
        _ => num(p, 3),
    }
}

/// A whole count with thousands separators: 10000 -> "10,000".
pub fn count(n: usize) -> String {
    count_u64(n as u64)
}

/// [`count`] of a `u64` (token totals).
pub fn count_u64(n: u64) -> String {
    let digits: String = n.to_string();
    let mut out: String = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A straight line as a reader writes it: `y = 311.8 - 1.62x`, never `+ -1.62x`.
pub fn line_equation(intercept: f64, slope: f64, y: &str, x: &str) -> String {
    let a: String = num(Some(intercept), 1);
    let b: String = num(Some(slope.abs()), 2);
    let sign: char = if slope < 0.0 && b.chars().any(|c| c.is_ascii_digit() && c != '0') {
        '-'
    } else {
        '+'
    };
    format!("{y} = {a} {sign} {b}{x}")
}

#[cfg(test)]
mod more_tests {
    use super::*;

    #[test]
    fn counts_and_lines() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(line_equation(311.8, -1.62, "y", "x"), "y = 311.8 - 1.62x");
        assert_eq!(line_equation(-0.04, 0.5, "y", "x"), "y = 0.0 + 0.50x");
        assert_eq!(line_equation(1.0, -0.001, "y", "x"), "y = 1.0 + 0.00x");
    }
}
