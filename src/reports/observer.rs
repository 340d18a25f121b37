//! The ideal-observer scale in the reports: a sentence, a table of r_obs(K) and a small
//! curve with the model's r (against the same held-out halves) as a line across it.

use super::text::{interval, num};
use crate::scoring::ObserverScale;
use std::fmt::Write;

/// Whether the scale says anything: the reports' r and some observer r are defined.
pub fn defined(o: &ObserverScale) -> bool {
    o.r_model.is_some() && o.curve.iter().any(|p| p.r_obs.is_some())
}

/// The ends of K*'s interval in words: a null end lies beyond `k_max` (every resample's
/// observer stayed below the reports, when the lower end is null too).
fn ends(o: &ObserverScale) -> [String; 2] {
    o.k_star_ci
        .map(|e| e.map_or(format!("more than {}", o.k_max), |v| format!("{v:.1}")))
}

/// Whether K*'s interval spans the whole scale, from 0 (an observer that has seen nothing
/// does as well) to beyond `k_max`: the point estimate then says nothing either way (the
/// SmolLM2 observer of its own 100 x 20 run: reports r 0.042, observer at 10 choices 0.009).
pub fn unplaced(o: &ObserverScale) -> bool {
    matches!(o.k_star_ci, [Some(lo), None] if lo <= 0.0)
}

/// What the scale says, in words that compare only what was compared. Plain text: the
/// Markdown report escapes the `*` of K*.
pub fn sentence(o: &ObserverScale) -> String {
    const AGAINST: &str = "Scored against weights learned from a held-out half of the choices in \
each context";
    if !defined(o) {
        return format!(
            "{AGAINST}, no r is defined for the reports or for an ideal observer (the weights \
learned from the held-out halves of {} contexts are missing or do not vary), so the reports \
cannot be given a worth in choices.",
            o.n_contexts
        );
    }
    let rm: String = num(o.r_model, 3);
    let ci: String = match ends(o) {
        [lo, hi] if lo == hi => format!("95% CI of K* {lo} at both ends"),
        [lo, hi] => format!("95% CI of K* {lo} to {hi}"),
    };
    if unplaced(o) {
        return format!(
            "{AGAINST}, the reports (r = {rm}) cannot be given a worth in choices: the 95% CI \
of K* runs from 0 (an ideal observer that has seen none of the choices does as well) to more \
than {} (more than the run can show).",
            o.k_max
        );
    }
    if o.k_star_beyond {
        let last_r: Option<f64> = o.curve.last().and_then(|p| p.r_obs);
        return format!(
            "{AGAINST}, the reports (r = {rm}) do better than an ideal observer shown {} of the \
other choices (r = {}), the most this run allows: they are worth more choices than the run can \
show ({ci}).",
            o.k_max,
            num(last_r, 3)
        );
    }
    if o.k_star == Some(0.0) {
        return format!(
            "{AGAINST}, the reports (r = {rm}) are worth no choices: an ideal observer that has \
seen none already does as well (K* = 0.0; {ci})."
        );
    }
    format!(
        "{AGAINST}, the reports (r = {rm}) are worth as much as an ideal observer shown \
K* = {} of the other choices ({ci}).",
        num(o.k_star, 1)
    )
}

/// Rows of (K, r_obs, interval), one for every point of the curve (the table listed only
/// K = 5, 10, 20, 50 beside a curve drawn through more points).
pub fn rows(o: &ObserverScale) -> Vec<Vec<String>> {
    o.curve
        .iter()
        .map(|p| vec![p.k.to_string(), num(p.r_obs, 3), interval(p.ci)])
        .collect()
}

const WIDTH: usize = 40;

/// A text curve: one bar per K of the curve (r_obs from 0 to 1), the model's r as a `|`.
pub fn text_curve(o: &ObserverScale) -> String {
    let col =
        |r: f64| -> usize { ((r.clamp(0.0, 1.0) * WIDTH as f64).round() as usize).min(WIDTH) };
    let model: Option<usize> = o.r_model.map(col);
    let mut s: String = format!("K     r_obs   0{}1\n", " ".repeat(WIDTH - 1));
    for p in &o.curve {
        let bar: usize = p.r_obs.map_or(0, col);
        let mut cells: Vec<char> = (0..=WIDTH)
            .map(|i| if i < bar { '#' } else { ' ' })
            .collect();
        if let Some(m) = model {
            cells[m] = '|';
        }
        let cells: String = cells.into_iter().collect();
        s.push_str(&format!(
            "{:<5} {:>6}  {}\n",
            p.k,
            num(p.r_obs, 3),
            cells.trim_end()
        ));
    }
    s.push_str(&format!(
        "| = the reports' r against the same held-out weights ({})\n",
        num(o.r_model, 3)
    ));
    s
}

/// Size of the curve's drawing (user units; the SVG scales with its container).
const SVG_W: f64 = 420.0;
const SVG_H: f64 = 244.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 66.0;

/// Inline styles from the report's colour variables (with the light theme's values as a
/// fallback), so the figure follows the page's theme and prints like the other figures.
const AXIS: &str = "stroke:var(--muted,#5f6368)";
const INK: &str = "fill:var(--fg,#1b1b1b)";
const CURVE: &str = "stroke:var(--accent,#0072B2)";
const REPORTS: &str = "#D55E00";

/// The lowest r the y axis shows: 0, or below it in steps of 0.2 down to the lowest value.
fn y_floor(o: &ObserverScale) -> f64 {
    let low: f64 = o
        .curve
        .iter()
        .filter_map(|p| p.r_obs)
        .chain(o.r_model)
        .fold(0.0_f64, f64::min);
    ((low / 0.2).floor() * 0.2).max(-1.0)
}

/// The legend under the axis title: the observer's curve and the reports' dashed line.
fn legend(o: &ObserverScale) -> String {
    let y: f64 = SVG_H - 8.0;
    let mut s: String = format!(
        "<line x1=\"{LEFT}\" y1=\"{m:.1}\" x2=\"{x2}\" y2=\"{m:.1}\" stroke-width=\"2\" \
style=\"{CURVE}\"/><text x=\"{tx}\" y=\"{y}\" font-size=\"12\" style=\"{INK}\">ideal \
observer</text>",
        m = y - 4.0,
        x2 = LEFT + 20.0,
        tx = LEFT + 26.0,
    );
    if o.r_model.is_some() {
        let x: f64 = LEFT + 130.0;
        let _ = write!(
            s,
            "<line x1=\"{x}\" y1=\"{m:.1}\" x2=\"{x2}\" y2=\"{m:.1}\" stroke=\"{REPORTS}\" \
stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text x=\"{tx}\" y=\"{y}\" font-size=\"12\" \
style=\"{INK}\">the reports (r = {})</text>",
            num(o.r_model, 3),
            m = y - 4.0,
            x2 = x + 20.0,
            tx = x + 26.0,
        );
    }
    s
}

/// A small SVG curve: r_obs against K, the model's r as a horizontal line. It scales with
/// its container (viewBox, `max-width: 100%`) and takes its colours from the page.
pub fn svg_curve(o: &ObserverScale) -> String {
    let k_max: f64 = o.k_max.max(1) as f64;
    let lo: f64 = y_floor(o);
    let (right, bottom): (f64, f64) = (SVG_W - RIGHT, SVG_H - BOTTOM);
    let x = |k: f64| LEFT + (right - LEFT) * k / k_max;
    let y = |r: f64| bottom - (bottom - TOP) * (r.clamp(lo, 1.0) - lo) / (1.0 - lo);
    let mut s: String = format!(
        "<svg class=\"observer\" viewBox=\"0 0 {SVG_W} {SVG_H}\" width=\"{SVG_W}\" \
height=\"{SVG_H}\" style=\"display:block;max-width:100%;height:auto\" role=\"img\" \
aria-labelledby=\"observer-t\"><title id=\"observer-t\">The ideal observer's r by the number of \
choices it is shown (K), with the reports' r as a dashed line</title>"
    );
    // Axes, y ticks (lo, 0, 0.5, 1) with light grid lines, x ticks at 0, the shown K, k_max.
    let mut ys: Vec<f64> = vec![lo, 0.0, 0.5, 1.0];
    ys.dedup();
    for v in ys {
        let _ = write!(
            s,
            "<line x1=\"{LEFT}\" y1=\"{yy:.1}\" x2=\"{right}\" y2=\"{yy:.1}\" \
style=\"{AXIS}\" stroke-opacity=\"0.25\"/><text x=\"{tx}\" y=\"{ty:.1}\" font-size=\"11\" \
text-anchor=\"end\" style=\"{INK}\">{}</text>",
            num(Some(v), 1),
            yy = y(v),
            tx = LEFT - 6.0,
            ty = y(v) + 4.0,
        );
    }
    let mut ks: Vec<usize> = std::iter::once(0)
        .chain(o.points.iter().map(|p| p.k))
        .chain(std::iter::once(o.k_max))
        .collect();
    ks.sort_unstable();
    ks.dedup();
    for k in ks {
        let _ = write!(
            s,
            "<line x1=\"{xx:.1}\" y1=\"{bottom}\" x2=\"{xx:.1}\" y2=\"{b4}\" style=\"{AXIS}\"/>\
<text x=\"{xx:.1}\" y=\"{ty}\" font-size=\"11\" text-anchor=\"middle\" style=\"{INK}\">{k}</text>",
            xx = x(k as f64),
            b4 = bottom + 4.0,
            ty = bottom + 16.0,
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{LEFT}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\" style=\"{AXIS}\"/>\
<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{bottom}\" style=\"{AXIS}\"/>\
<text x=\"{cx:.1}\" y=\"{ly}\" font-size=\"12\" text-anchor=\"middle\" style=\"{INK}\">\
choices shown to the observer (K)</text><text x=\"12\" y=\"{my:.1}\" font-size=\"12\" \
text-anchor=\"middle\" transform=\"rotate(-90 12 {my:.1})\" style=\"{INK}\">r</text>",
        cx = (LEFT + right) / 2.0,
        ly = bottom + 34.0,
        my = (TOP + bottom) / 2.0,
    );
    if let Some(rm) = o.r_model {
        let _ = write!(
            s,
            "<line x1=\"{LEFT}\" y1=\"{yy:.1}\" x2=\"{right}\" y2=\"{yy:.1}\" stroke=\"{REPORTS}\" \
stroke-width=\"2\" stroke-dasharray=\"6 4\"/>",
            yy = y(rm),
        );
    }
    s.push_str(&legend(o));
    let mut pts: Vec<String> = vec![format!("{:.1},{:.1}", x(0.0), y(0.0))];
    let mut dots: String = String::new();
    for p in &o.curve {
        if let Some(r) = p.r_obs {
            let (px, py) = (x(p.k as f64), y(r));
            pts.push(format!("{px:.1},{py:.1}"));
            let _ = write!(
                dots,
                "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3\" style=\"fill:var(--accent,#0072B2)\">\
<title>K = {}: observer's r {}</title></circle>",
                p.k,
                num(Some(r), 3)
            );
        }
    }
    let _ = write!(
        s,
        "<polyline fill=\"none\" stroke-width=\"2\" style=\"{CURVE}\" points=\"{}\"/>{dots}</svg>",
        pts.join(" ")
    );
    s
}

/// One line for `compare`: the reports' r against the held-out halves, K* with its interval
/// and r_obs at the shown K.
pub fn line(o: &ObserverScale) -> String {
    if !defined(o) {
        return "undefined (no weights learned from the held-out halves)".to_string();
    }
    let [lo, upper] = ends(o);
    let points: Vec<String> = o
        .points
        .iter()
        .map(|p| format!("{} {}", p.k, num(p.r_obs, 3)))
        .collect();
    let worth: String = if unplaced(o) {
        format!(": K* cannot be placed [{lo}, {upper}]")
    } else if o.k_star_beyond {
        format!(" worth K* = more than {} choices [{lo}, {upper}]", o.k_max)
    } else {
        format!(" worth K* = {} choices [{lo}, {upper}]", num(o.k_star, 1))
    };
    format!(
        "reports r {}{worth}; ideal observer r at K = {}",
        num(o.r_model, 3),
        points.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::ObserverPoint;

    /// Reports at chance beside an observer at chance: K*'s interval runs from 0 to beyond
    /// `k_max`, so no worth is claimed (the sentence said "they are worth more choices than
    /// the run can show" and `compare` "worth K* = more than 10 choices").
    #[test]
    fn reports_whose_k_star_spans_the_scale_are_not_given_a_worth() {
        let pt = |k: usize, r: f64| ObserverPoint {
            k,
            r_obs: Some(r),
            ci: Some([r - 0.2, r + 0.2]),
        };
        let o = ObserverScale {
            points: vec![pt(5, 0.017), pt(10, 0.009)],
            curve: vec![pt(1, -0.062), pt(5, 0.017), pt(10, 0.009)],
            r_model: Some(0.042),
            r_model_ci: Some([-0.1, 0.2]),
            k_star: None,
            k_star_beyond: true,
            k_star_ci: [Some(0.0), None],
            k_max: 10,
            n_contexts: 20,
            n_contexts_left_out: 0,
            splits: 10,
            bootstrap_resamples: 2000,
        };
        let s: String = sentence(&o);
        assert!(s.contains("cannot be given a worth in choices"), "{s}");
        assert!(
            !s.contains("worth more choices than the run can show"),
            "{s}"
        );
        let l: String = line(&o);
        assert!(
            l.contains("reports r 0.042: K* cannot be placed [0.0, more than 10]"),
            "{l}"
        );
        // A model that beats every observer the run can show keeps its reading.
        let beyond = ObserverScale {
            k_star_ci: [Some(6.5), None],
            ..o
        };
        assert!(sentence(&beyond).contains("worth more choices than the run can show"));
    }
}
