//! The ideal-observer scale in the reports: a sentence, a table of r_obs(K) and a small
//! curve with the model's r (against the same held-out halves) as a line across it.

use super::text::{interval, num};
use crate::scoring::ObserverScale;

/// Whether the scale says anything: the reports' r and some observer r are defined.
pub fn defined(o: &ObserverScale) -> bool {
    o.r_model.is_some() && o.curve.iter().any(|p| p.r_obs.is_some())
}

/// What the scale says, in words that compare only what was compared. Plain text: the
/// Markdown report escapes the `*` of K*.
pub fn sentence(o: &ObserverScale) -> String {
    const AGAINST: &str = "Scored against weights learned from a held-out half of the choices in \
each context";
    if !defined(o) {
        return format!(
            "{AGAINST}, no r is defined for the reports or for an ideal observer (no weights \
could be learned from the held-out halves of {} contexts), so the reports cannot be given a \
worth in choices.",
            o.n_contexts
        );
    }
    let rm: String = num(o.r_model, 3);
    let [lo, hi] = o.k_star_ci;
    let upper: String = hi.map_or(format!("more than {}", o.k_max), |h| format!("{h:.1}"));
    let ci: String = format!("95% CI of K* {} to {upper}", num(lo, 1));
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
seen none already does as well (K* = 0; {ci})."
        );
    }
    format!(
        "{AGAINST}, the reports (r = {rm}) are worth as much as an ideal observer shown \
K* = {} of the other choices ({ci}).",
        num(o.k_star, 1)
    )
}

/// Rows of (K, r_obs, interval) at the shown K.
pub fn rows(o: &ObserverScale) -> Vec<Vec<String>> {
    o.points
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

/// A small SVG curve: r_obs against K, the model's r as a horizontal line.
pub fn svg_curve(o: &ObserverScale) -> String {
    let (w, h, pad): (f64, f64, f64) = (280.0, 140.0, 28.0);
    let k_max: f64 = o.k_max.max(1) as f64;
    let x = |k: f64| pad + (w - 2.0 * pad) * k / k_max;
    let y = |r: f64| h - pad - (h - 2.0 * pad) * r.clamp(-0.2, 1.0).max(0.0);
    let mut pts: Vec<String> = vec![format!("{:.1},{:.1}", x(0.0), y(0.0))];
    for p in &o.curve {
        if let Some(r) = p.r_obs {
            pts.push(format!("{:.1},{:.1}", x(p.k as f64), y(r)));
        }
    }
    let mut s: String = format!(
        "<svg class=\"observer\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" \
aria-label=\"ideal observer's r by choices shown, with the reports' r as a line\">\
<line x1=\"{pad}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#888\"/>\
<line x1=\"{pad}\" y1=\"{t}\" x2=\"{pad}\" y2=\"{b}\" stroke=\"#888\"/>\
<text x=\"{pad}\" y=\"{lb}\" font-size=\"10\">0</text>\
<text x=\"{r}\" y=\"{lb}\" font-size=\"10\" text-anchor=\"end\">K = {}</text>\
<text x=\"2\" y=\"{t}\" font-size=\"10\">1</text>\
<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"{}\"/>",
        o.k_max,
        pts.join(" "),
        b = h - pad,
        t = pad,
        r = w - pad,
        lb = h - pad + 14.0,
    );
    if let Some(rm) = o.r_model {
        s.push_str(&format!(
            "<line x1=\"{pad}\" y1=\"{yy:.1}\" x2=\"{r}\" y2=\"{yy:.1}\" stroke=\"#d62728\" \
stroke-dasharray=\"4 3\"/><text x=\"{r}\" y=\"{ty:.1}\" font-size=\"10\" text-anchor=\"end\" \
fill=\"#d62728\">reports r = {}</text>",
            num(Some(rm), 3),
            yy = y(rm),
            ty = y(rm) - 4.0,
            r = w - pad,
        ));
    }
    s.push_str("</svg>");
    s
}

/// One line for `compare`: the reports' r against the held-out halves, K* with its interval
/// and r_obs at the shown K.
pub fn line(o: &ObserverScale) -> String {
    if !defined(o) {
        return "undefined (no weights learned from the held-out halves)".to_string();
    }
    let [lo, hi] = o.k_star_ci;
    let upper: String = hi.map_or(format!("more than {}", o.k_max), |h| format!("{h:.1}"));
    let k_star: String = if o.k_star_beyond {
        format!("more than {}", o.k_max)
    } else {
        num(o.k_star, 1)
    };
    let points: Vec<String> = o
        .points
        .iter()
        .map(|p| format!("{} {}", p.k, num(p.r_obs, 3)))
        .collect();
    format!(
        "reports r {} worth K* = {k_star} choices [{}, {upper}]; ideal observer r at K = {}",
        num(o.r_model, 3),
        num(lo, 1),
        points.join(", ")
    )
}
