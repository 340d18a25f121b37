//! Inline SVG figures written by hand (no plotting crate): a scatter plot with its
//! least-squares line, and a histogram. Every label from a file is HTML-escaped.

use super::data::ScatterPanel;
use super::figures::{Histogram, Line};
use super::text::{html, num};
use std::fmt::Write;

/// Colours of attribute ranks 1..=5 (Okabe-Ito, readable with colour-blindness).
pub const RANK_COLOURS: [&str; 5] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9"];

const SIZE: f64 = 420.0;
/// Plot plus the legend on its right.
const WIDTH: f64 = 500.0;
const LEFT: f64 = 56.0;
const TOP: f64 = 16.0;
const PLOT: f64 = 340.0;

fn rank_colour(rank: usize) -> &'static str {
    RANK_COLOURS[rank.clamp(1, RANK_COLOURS.len()) - 1]
}

/// Axis limit: 100 unless a value goes beyond (reports may be out of range), rounded up to 50.
/// Axis half-range for one coordinate: 100 (the weights' scale) unless a value lies beyond
/// it (reports out of range), then the next of 1, 2, 2.5, 5 x 10^k above the largest |v|.
/// Each axis gets its own, so reports of 10,000 do not squash learned weights to a line.
fn limit(values: impl Iterator<Item = f64>) -> f64 {
    let m: f64 = values
        .filter(|v| v.is_finite())
        .map(f64::abs)
        .fold(0.0, f64::max);
    // The rescaling leaves 100 * (1 + ulp) at times; that is still 100.
    if m <= 100.0 + 1e-6 {
        return 100.0;
    }
    let base: f64 = 10f64.powf(m.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|f| f * base)
        .find(|l| *l >= m)
        .unwrap_or(10.0 * base)
}

/// The part of the line inside the box [-xlim, xlim] x [-ylim, ylim], as two points.
fn clip(line: &Line, xlim: f64, ylim: f64) -> Option<[(f64, f64); 2]> {
    let y = |x: f64| line.intercept + line.slope * x;
    let (mut x0, mut x1): (f64, f64) = (-xlim, xlim);
    if line.slope != 0.0 {
        let a: f64 = (-ylim - line.intercept) / line.slope;
        let b: f64 = (ylim - line.intercept) / line.slope;
        x0 = x0.max(a.min(b));
        x1 = x1.min(a.max(b));
    } else if line.intercept.abs() > ylim {
        return None;
    }
    (x0 < x1).then(|| [(x0, y(x0)), (x1, y(x1))])
}

/// A scatter plot of `panel`; `id` keeps element ids unique within a page.
pub fn scatter(panel: &ScatterPanel, id: &str) -> String {
    let xlim: f64 = limit(panel.points.iter().map(|p| p.x));
    let ylim: f64 = limit(panel.points.iter().map(|p| p.y));
    let sx = |v: f64| LEFT + (v + xlim) / (2.0 * xlim) * PLOT;
    let sy = |v: f64| TOP + (ylim - v) / (2.0 * ylim) * PLOT;
    let mut s: String = String::new();
    let _ = write!(
        s,
        r#"<svg class="plot" id="{id}" viewBox="0 0 {WIDTH} {h}" width="{WIDTH}" height="{h}" role="img" aria-labelledby="{id}-t"><title id="{id}-t">{t}</title>"#,
        h = SIZE - 20.0,
        t = html(&panel.title)
    );
    let _ = write!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{PLOT}" height="{PLOT}" fill="#fff" stroke="#999"/>"##
    );
    for i in 0..=4 {
        let (vx, vy): (f64, f64) = (xlim * (i as f64 / 2.0 - 1.0), ylim * (i as f64 / 2.0 - 1.0));
        let (x, y) = (sx(vx), sy(vy));
        let stroke: &str = if i == 2 { "#bbb" } else { "#eee" };
        let _ = write!(
            s,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{b}" stroke="{stroke}"/>"#,
            b = TOP + PLOT
        );
        let _ = write!(
            s,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{r}" y2="{y:.1}" stroke="{stroke}"/>"#,
            r = LEFT + PLOT
        );
        let _ = write!(
            s,
            r#"<text x="{x:.1}" y="{ty}" class="tick" text-anchor="middle">{vx:.0}</text>"#,
            ty = TOP + PLOT + 14.0
        );
        let _ = write!(
            s,
            r#"<text x="{tx}" y="{ty:.1}" class="tick" text-anchor="end">{vy:.0}</text>"#,
            tx = LEFT - 4.0,
            ty = y + 4.0
        );
    }
    // y = x: where perfect agreement would put every point.
    let d: f64 = xlim.min(ylim);
    let _ = write!(
        s,
        r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="4 4"/>"##,
        sx(-d),
        sy(-d),
        sx(d),
        sy(d)
    );
    for p in &panel.points {
        if !(p.x.is_finite() && p.y.is_finite()) {
            continue;
        }
        let _ = write!(
            s,
            r#"<circle cx="{:.1}" cy="{:.1}" r="3.2" fill="{}" fill-opacity="0.75"><title>{} · {}: x {} y {} (rank {})</title></circle>"#,
            sx(p.x),
            sy(p.y),
            rank_colour(p.rank),
            html(p.context.as_str()),
            html(&p.attribute),
            num(Some(p.x), 1),
            num(Some(p.y), 1),
            p.rank
        );
    }
    if let Some([(x0, y0), (x1, y1)]) = panel.fit.as_ref().and_then(|l| clip(l, xlim, ylim)) {
        let _ = write!(
            s,
            r##"<line class="fit" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#d62728" stroke-width="2"/>"##,
            sx(x0),
            sy(y0),
            sx(x1),
            sy(y1)
        );
    }
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" class="axis" text-anchor="middle">{}</text>"#,
        LEFT + PLOT / 2.0,
        TOP + PLOT + 32.0,
        html(&panel.x_label)
    );
    let _ = write!(
        s,
        r#"<text transform="translate(14 {:.1}) rotate(-90)" class="axis" text-anchor="middle">{}</text>"#,
        TOP + PLOT / 2.0,
        html(&panel.y_label)
    );
    let lx: f64 = LEFT + PLOT + 8.0;
    let _ = write!(
        s,
        r#"<text x="{lx}" y="{}" class="tick">rank of |x|</text>"#,
        TOP + 10.0
    );
    for (i, c) in RANK_COLOURS.iter().enumerate() {
        let y: f64 = TOP + 26.0 + i as f64 * 16.0;
        let _ = write!(
            s,
            r#"<circle cx="{}" cy="{}" r="4" fill="{c}"/><text x="{}" y="{}" class="tick">{}</text>"#,
            lx + 5.0,
            y - 4.0,
            lx + 13.0,
            y,
            i + 1
        );
    }
    let ly: f64 = TOP + 26.0 + 5.0 * 16.0 + 8.0;
    let _ = write!(
        s,
        r##"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="#d62728" stroke-width="2"/><text x="{lx}" y="{}" class="tick">fit</text>"##,
        lx + 18.0,
        ly + 14.0
    );
    let _ = write!(
        s,
        r##"<line x1="{lx}" y1="{}" x2="{}" y2="{}" stroke="#999" stroke-dasharray="4 4"/><text x="{lx}" y="{}" class="tick">y = x</text>"##,
        ly + 26.0,
        lx + 18.0,
        ly + 26.0,
        ly + 40.0
    );
    s.push_str("</svg>");
    s
}

/// A histogram of per-context r over [-1, 1].
pub fn histogram(h: &Histogram) -> String {
    let (w, ht): (f64, f64) = (420.0, 220.0);
    let (left, top, pw, ph): (f64, f64, f64, f64) = (40.0, 12.0, 360.0, 160.0);
    let max: usize = h.bins.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let bw: f64 = pw / h.bins.len().max(1) as f64;
    let mut s: String = String::new();
    let _ = write!(
        s,
        r#"<svg class="plot" id="hist" viewBox="0 0 {w} {ht}" width="{w}" height="{ht}" role="img" aria-labelledby="hist-t"><title id="hist-t">Per-context r</title>"#
    );
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/>"##,
        b = top + ph,
        r = left + pw
    );
    for (i, bin) in h.bins.iter().enumerate() {
        let bh: f64 = bin.count as f64 / max as f64 * ph;
        let x: f64 = left + i as f64 * bw;
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="#0072B2"><title>r in [{}, {}): {}</title></rect>"##,
            x + 1.0,
            top + ph - bh,
            bw - 2.0,
            num(Some(bin.lo), 1),
            num(Some(bin.hi), 1),
            bin.count
        );
        if bin.count > 0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="middle">{}</text>"#,
                x + bw / 2.0,
                top + ph - bh - 3.0,
                bin.count
            );
        }
    }
    for i in 0..=4 {
        let v: f64 = -1.0 + i as f64 * 0.5;
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{}" class="tick" text-anchor="middle">{}</text>"#,
            left + (v + 1.0) / 2.0 * pw,
            top + ph + 14.0,
            num(Some(v), 1)
        );
    }
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{}" class="axis" text-anchor="middle">within-context r (reported vs learned); undefined: {}</text>"#,
        left + pw / 2.0,
        top + ph + 34.0,
        h.undefined
    );
    s.push_str("</svg>");
    s
}
