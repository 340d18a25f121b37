//! Inline SVG figures written by hand (no plotting crate): a scatter plot with its
//! least-squares line, and a histogram. Every label from a file is HTML-escaped.

use super::data::{ScatterPanel, WEIGHT_LIMIT, beyond};
use super::figures::{Histogram, Line};
use super::multiples::Panel;
use super::text::{count, html, line_equation, num};
use std::fmt::Write;

/// Colours of attribute ranks 1..=5 (Okabe-Ito, readable with colour-blindness).
pub const RANK_COLOURS: [&str; 5] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9"];

/// Colours of learned, reported and target weights in the small multiples.
pub const SIDE_COLOURS: [&str; 3] = ["#0072B2", "#D55E00", "#6b6b6b"];

/// Width of every scatter plot (the legend sits below the plot).
const WIDTH: f64 = 420.0;
const LEFT: f64 = 56.0;
const TOP: f64 = 12.0;
const PLOT: f64 = 340.0;
/// Height of one legend row.
const ROW: f64 = 16.0;

fn rank_colour(rank: usize) -> &'static str {
    RANK_COLOURS[rank.clamp(1, RANK_COLOURS.len()) - 1]
}

/// The part of the line inside the box [-lim, lim]^2, as two points.
fn clip(line: &Line, lim: f64) -> Option<[(f64, f64); 2]> {
    let y = |x: f64| line.intercept + line.slope * x;
    let (mut x0, mut x1): (f64, f64) = (-lim, lim);
    if line.slope != 0.0 {
        let a: f64 = (-lim - line.intercept) / line.slope;
        let b: f64 = (lim - line.intercept) / line.slope;
        x0 = x0.max(a.min(b));
        x1 = x1.min(a.max(b));
    } else if line.intercept.abs() > lim {
        return None;
    }
    (x0 < x1).then(|| [(x0, y(x0)), (x1, y(x1))])
}

/// A small triangle at (x, y) pointing in direction (dx, dy) (unit steps).
fn triangle(x: f64, y: f64, dx: f64, dy: f64, fill: &str) -> String {
    let (s, w): (f64, f64) = (6.0, 4.5);
    // Tip outward, base inward.
    let (tx, ty) = (x + dx * s * 0.5, y + dy * s * 0.5);
    let (bx, by) = (x - dx * s * 0.5, y - dy * s * 0.5);
    let (px, py) = (-dy * w, dx * w);
    format!(
        r#"<path d="M{tx:.1} {ty:.1}L{:.1} {:.1}L{:.1} {:.1}Z" fill="{fill}""#,
        bx + px,
        by + py,
        bx - px,
        by - py
    )
}

/// The short name of the x quantity for the rank legend ("learned", "target").
fn x_word(panel: &ScatterPanel) -> &str {
    panel.x_label.split_whitespace().next().unwrap_or("x")
}

/// The points of `panel` (on the scales `sx`, `sy`), each with its tooltip; a point beyond
/// the axes is a triangle on the edge pointing out.
fn draw_points(
    s: &mut String,
    panel: &ScatterPanel,
    sx: &dyn Fn(f64) -> f64,
    sy: &dyn Fn(f64) -> f64,
) {
    let lim: f64 = panel.limit;
    for p in &panel.points {
        if !(p.x.is_finite() && p.y.is_finite()) {
            continue;
        }
        let tip: String = format!(
            "<title>{} · {}: x {} y {} (rank {})</title>",
            html(p.context.as_str()),
            html(&p.attribute),
            num(Some(p.x), 1),
            num(Some(p.y), 1),
            p.rank
        );
        let (cx, cy): (f64, f64) = (p.x.clamp(-lim, lim), p.y.clamp(-lim, lim));
        let colour: &str = rank_colour(p.rank);
        if !beyond(p.x, lim) && !beyond(p.y, lim) {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.2" fill="{colour}" fill-opacity="0.75">{tip}</circle>"#,
                sx(cx),
                sy(cy)
            );
        } else {
            // On the edge, pointing out of the plot: the value lies beyond.
            let (dx, dy): (f64, f64) = if beyond(p.y, lim) {
                (0.0, if p.y > 0.0 { -1.0 } else { 1.0 })
            } else {
                (if p.x > 0.0 { 1.0 } else { -1.0 }, 0.0)
            };
            let _ = write!(
                s,
                r#"{} class="edge" fill-opacity="0.8">{tip}</path>"#,
                triangle(sx(cx), sy(cy), dx, dy, colour)
            );
        }
    }
}

/// How many points lie beyond each edge, written at that edge inside the plot (with a white
/// halo, over the points) so the pile of triangles on an edge has a number: "140 beyond ↑".
fn edge_counts(s: &mut String, panel: &ScatterPanel) {
    let (l, t, r, b): (f64, f64, f64, f64) = (LEFT, TOP, LEFT + PLOT, TOP + PLOT);
    for (side, n) in panel.beyond_sides() {
        if n == 0 {
            continue;
        }
        let (x, y, anchor, arrow): (f64, f64, &str, &str) = match side {
            "above" => (r - 4.0, t + 14.0, "end", "↑"),
            "below" => (r - 4.0, b - 6.0, "end", "↓"),
            "right" => (r - 4.0, t + PLOT / 2.0 - 6.0, "end", "→"),
            _ => (l + 4.0, t + PLOT / 2.0 - 6.0, "start", "←"),
        };
        let _ = write!(
            s,
            r##"<text x="{x:.1}" y="{y:.1}" class="beyond" text-anchor="{anchor}" stroke="#fff" stroke-width="3" paint-order="stroke">{} beyond {arrow}</text>"##,
            count(n)
        );
    }
}

/// Where a line that misses the plot lies: above or below it (it misses the box at x = 0
/// on the same side as everywhere across the plot).
fn outside_words(line: &Line) -> &'static str {
    if line.intercept > 0.0 {
        "above the plot"
    } else {
        "below the plot"
    }
}

/// The legend below the plot, from `legend_top`: one item group per row so no label meets
/// another.
fn legend(s: &mut String, panel: &ScatterPanel, legend_top: f64, fit_outside: bool) {
    let lim: f64 = panel.limit;
    let y1: f64 = legend_top + 11.0;
    let _ = write!(
        s,
        r#"<text x="{LEFT}" y="{y1}" class="tick">rank of |{}| in its context:</text>"#,
        html(x_word(panel))
    );
    for (i, c) in RANK_COLOURS.iter().enumerate() {
        let x: f64 = LEFT + 180.0 + i as f64 * 24.0;
        let _ = write!(
            s,
            r#"<circle cx="{x}" cy="{}" r="4" fill="{c}"/><text x="{}" y="{y1}" class="tick">{}</text>"#,
            y1 - 4.0,
            x + 6.0,
            i + 1
        );
    }
    let y2: f64 = y1 + ROW;
    // No red line in the legend for a fit the plot does not have (the caption says "no fit").
    if panel.fit.is_none() {
        let _ = write!(
            s,
            r##"<text x="{LEFT}" y="{y2}" class="tick">no least-squares fit</text>"##
        );
    } else {
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{a}" x2="{b}" y2="{a}" stroke="#d62728" stroke-width="2"/><text x="{c}" y="{y2}" class="tick">least-squares fit{d}</text>"##,
            a = y2 - 4.0,
            b = LEFT + 18.0,
            c = LEFT + 23.0,
            d = match panel.fit.as_ref().filter(|_| fit_outside) {
                Some(l) => format!(
                    ": {} ({})",
                    outside_words(l),
                    line_equation(l.intercept, l.slope, "y", "x")
                ),
                None => String::new(),
            }
        );
    }
    let y3: f64 = y2 + ROW;
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{b}" x2="{c}" y2="{b}" stroke="#999" stroke-dasharray="4 4"/><text x="{d}" y="{y3}" class="tick">y = x (perfect agreement)</text>"##,
        b = y3 - 4.0,
        c = LEFT + 18.0,
        d = LEFT + 23.0
    );
    if panel.beyond > 0 {
        let y3: f64 = y3 + ROW;
        let _ = write!(
            s,
            r##"{}/><text x="{}" y="{y3}" class="tick">{} of {} points beyond ±{}, drawn on the edge</text>"##,
            triangle(LEFT + 9.0, y3 - 4.0, 0.0, -1.0, "#555"),
            LEFT + 23.0,
            count(panel.beyond),
            count(panel.points.len()),
            num(Some(lim), 0)
        );
    }
}

/// A scatter plot of `panel` on fixed axes [-limit, limit]; points beyond are drawn as
/// triangles on the edge and counted in the legend. `id` keeps element ids unique.
pub fn scatter(panel: &ScatterPanel, id: &str) -> String {
    let lim: f64 = panel.limit;
    let sx = |v: f64| LEFT + (v + lim) / (2.0 * lim) * PLOT;
    let sy = |v: f64| TOP + (lim - v) / (2.0 * lim) * PLOT;
    let legend_top: f64 = TOP + PLOT + 44.0;
    let rows: f64 = if panel.beyond > 0 { 4.0 } else { 3.0 };
    let height: f64 = legend_top + rows * ROW;
    let mut s: String = String::new();
    let _ = write!(
        s,
        r#"<svg class="plot" id="{id}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-labelledby="{id}-t"><title id="{id}-t">{t}</title>"#,
        t = html(&panel.title)
    );
    let _ = write!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{PLOT}" height="{PLOT}" fill="#fff" stroke="#999"/>"##
    );
    for i in 0..=4 {
        let v: f64 = lim * (i as f64 / 2.0 - 1.0);
        let (x, y) = (sx(v), sy(v));
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
            r#"<text x="{x:.1}" y="{ty}" class="tick" text-anchor="middle">{v:.0}</text>"#,
            ty = TOP + PLOT + 14.0
        );
        let _ = write!(
            s,
            r#"<text x="{tx}" y="{ty:.1}" class="tick" text-anchor="end">{v:.0}</text>"#,
            tx = LEFT - 4.0,
            ty = y + 4.0
        );
    }
    // y = x: where perfect agreement would put every point.
    let _ = write!(
        s,
        r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="4 4"/>"##,
        sx(-lim),
        sy(-lim),
        sx(lim),
        sy(lim)
    );
    draw_points(&mut s, panel, &sx, &sy);
    edge_counts(&mut s, panel);
    let fit_drawn: Option<[(f64, f64); 2]> = panel.fit.as_ref().and_then(|l| clip(l, lim));
    if let Some([(x0, y0), (x1, y1)]) = fit_drawn {
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
    let fit_outside: bool = panel.fit.is_some() && fit_drawn.is_none();
    legend(&mut s, panel, legend_top, fit_outside);
    s.push_str("</svg>");
    s
}

/// A histogram of per-context r over [-1, 1].
pub fn histogram(h: &Histogram) -> String {
    let (w, ht): (f64, f64) = (420.0, 220.0);
    let (left, top, pw, ph): (f64, f64, f64, f64) = (44.0, 14.0, 360.0, 160.0);
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
    let _ = write!(
        s,
        r#"<text transform="translate(16 {:.1}) rotate(-90)" class="axis" text-anchor="middle">contexts</text>"#,
        top + ph / 2.0
    );
    s.push_str("</svg>");
    s
}

/// One context's small multiple: per attribute its full name on a line of its own, then bars
/// of the learned, reported (and target) weights on a fixed -100..100 scale; a bar beyond the
/// scale stops at the edge with a mark and its value printed.
pub fn weights_panel(p: &Panel) -> String {
    const W: f64 = 340.0;
    const HALF: f64 = 120.0;
    const BAR: f64 = 8.0;
    /// Height of an attribute's name line above its bars.
    const NAME: f64 = 13.0;
    let centre: f64 = 8.0 + HALF;
    let sides: usize = if p.rows.iter().any(|r| r.target.is_some()) {
        3
    } else {
        2
    };
    let row_h: f64 = NAME + sides as f64 * (BAR + 2.0) + 6.0;
    let top: f64 = 18.0;
    let height: f64 = top + row_h * p.rows.len() as f64 + 16.0;
    let mut s: String = String::new();
    let _ = write!(
        s,
        r#"<svg class="panel" viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img"><title>{}</title>"#,
        html(p.context.as_str())
    );
    // Key.
    let keys: [(&str, &str); 3] = [
        ("learned", SIDE_COLOURS[0]),
        ("reported", SIDE_COLOURS[1]),
        ("target", SIDE_COLOURS[2]),
    ];
    for (i, (k, c)) in keys.iter().take(sides).enumerate() {
        let x: f64 = 8.0 + i as f64 * 72.0;
        let _ = write!(
            s,
            r#"<rect x="{x}" y="4" width="9" height="9" fill="{c}"/><text x="{}" y="12" class="tick">{k}</text>"#,
            x + 12.0
        );
    }
    let bottom: f64 = top + row_h * p.rows.len() as f64;
    let _ = write!(
        s,
        r##"<line x1="{centre}" y1="{top}" x2="{centre}" y2="{bottom}" stroke="#bbb"/>"##
    );
    for (v, anchor) in [(-100.0, "start"), (0.0, "middle"), (100.0, "end")] {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="{anchor}">{v:.0}</text>"#,
            centre + v / 100.0 * HALF,
            bottom + 12.0
        );
    }
    for (i, r) in p.rows.iter().enumerate() {
        let y0: f64 = top + i as f64 * row_h;
        // The whole name, never cut: it has the panel's width to itself.
        let _ = write!(
            s,
            r#"<text x="2" y="{:.1}" class="tick name">{}</text>"#,
            y0 + NAME - 3.0,
            html(&r.name)
        );
        let values: [Option<f64>; 3] = [Some(r.learned), Some(r.reported), r.target];
        for (k, v) in values.iter().take(sides).enumerate() {
            let Some(v) = v.filter(|v| v.is_finite()) else {
                continue;
            };
            let y: f64 = y0 + NAME + k as f64 * (BAR + 2.0);
            let shown: f64 = v.clamp(-100.0, 100.0);
            let end: f64 = centre + shown / 100.0 * HALF;
            let (x, w) = if end < centre {
                (end, centre - end)
            } else {
                (centre, end - centre)
            };
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{BAR}" fill="{}"/>"#,
                SIDE_COLOURS[k]
            );
            if beyond(v, WEIGHT_LIMIT) {
                let dx: f64 = if v > 0.0 { 1.0 } else { -1.0 };
                let _ = write!(
                    s,
                    "{}/>",
                    triangle(end + dx * 3.0, y + BAR / 2.0, dx, 0.0, "#222")
                );
            }
            let _ = write!(
                s,
                r#"<text x="{}" y="{:.1}" class="val" text-anchor="end" fill="{}">{}</text>"#,
                W - 2.0,
                y + BAR,
                SIDE_COLOURS[k],
                num(Some(v), 0)
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::multiples::{AttributeRow, Group};
    use crate::types::ContextId;

    #[test]
    fn a_context_card_writes_long_attribute_names_in_full() {
        let name: &str = "walk_to_nearest_charging_station";
        let p: Panel = Panel {
            context: ContextId("c".into()),
            question: None,
            group: Group::All,
            r: Some(0.5),
            rows: vec![AttributeRow {
                name: name.into(),
                learned: 50.0,
                reported: 250.0,
                target: None,
            }],
        };
        let svg: String = weights_panel(&p);
        assert!(svg.contains(&format!(">{name}</text>")), "{svg}");
        assert!(!svg.contains('…'), "{svg}");
    }

    /// Learned weights rescaled so the largest is 100 can come out 100.00000000000001: the
    /// instilled report's card drew that bar with the "beyond the scale" mark beside "100".
    #[test]
    fn a_weight_rescaled_to_100_is_on_the_scale_not_beyond_it() {
        let row = |learned: f64| AttributeRow {
            name: "seating".into(),
            learned,
            reported: 50.0,
            target: None,
        };
        let p = |learned: f64| Panel {
            context: ContextId("c".into()),
            question: None,
            group: Group::All,
            r: Some(0.5),
            rows: vec![row(learned)],
        };
        let mark: &str = "fill=\"#222\"/>";
        assert!(!weights_panel(&p(100.000_000_000_000_01)).contains(mark));
        assert!(!weights_panel(&p(-100.000_000_000_000_01)).contains(mark));
        assert!(weights_panel(&p(101.0)).contains(mark));
        // The scatter draws such a point as a point, as its count of points beyond says.
        let point = |x: f64| crate::reports::data::Point {
            context: ContextId("c".into()),
            attribute: "a".into(),
            rank: 1,
            x,
            y: 20.0,
        };
        let panel = ScatterPanel {
            kind: crate::scoring::ComparisonKind::ReportsVsLearned,
            title: "t".into(),
            x_label: "learned".into(),
            y_label: "reported".into(),
            points: vec![point(100.000_000_000_000_01), point(130.0)],
            fit: None,
            r: None,
            limit: 100.0,
            beyond: 1,
        };
        assert_eq!(panel.beyond_sides()[2], ("right", 1));
        let mut s = String::new();
        draw_points(&mut s, &panel, &|x| x, &|y| y);
        assert_eq!(s.matches("<circle").count(), 1, "{s}");
        assert_eq!(s.matches("class=\"edge\"").count(), 1, "{s}");
    }
}
