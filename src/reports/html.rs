//! The HTML report: one self-contained page (inline CSS, SVG and a small sorting script, no
//! network). Everything that came from a model or a file goes through [`html`] escaping.

use super::data::{ContextLine, ReportData, StatusRow, Verdict};
use super::diagnosis::{FindingKind, has, says};
use super::quality::{
    AT_CHANCE, CONTEXT_HEADERS, CORRECTED_LABEL, context_cells, corrected_r_with_ci, quality_rows,
};
use super::sentences::{
    calibration, intercept_sentence, order_shares, overview_sentence, reproducibility_lines,
};
use super::svg;
use super::text::{
    MISSING, clamp_r, count, count_u64, html, html_prose, interval, line_equation, no_cost, num,
    pct, proportion,
};
use super::{Exporter, Section, render_sections};
use std::fmt::Write;

pub struct HtmlExporter;

/// Forbids every network fetch; only the page's own inline style and script run.
pub const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

pub const STYLE: &str = r#"
:root{--fg:#1b1b1b;--muted:#5f6368;--line:#ddd;--accent:#0072B2;--bg:#fafafa}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:24px 32px 48px;max-width:1200px;overflow-wrap:break-word}
h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.8em 0 .6em;border-bottom:1px solid var(--line);padding-bottom:.2em}
h3{font-size:1em;margin:1.2em 0 .4em}
.sub{color:var(--muted);margin:0 0 1em}
.headline{display:flex;flex-wrap:wrap;gap:12px 28px;align-items:center;background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 22px}
.score{font-size:3em;font-weight:700;line-height:1;font-variant-numeric:tabular-nums;white-space:nowrap}.nw{white-space:nowrap}
.figs{flex:1 1 22em;min-width:0}
.diagnosis{background:#fff;border:1px solid var(--line);border-left:5px solid #cf222e;border-radius:8px;padding:10px 18px;margin:0 0 14px}
.diagnosis h2{border:0;margin:0 0 .3em;padding:0;font-size:1.05em}.diagnosis ol{margin:0;padding-left:1.3em}.diagnosis li{margin:.25em 0;max-width:60em}
.score small{display:block;font-size:.28em;font-weight:400;color:var(--muted);margin-top:4px}
.verdict-above_chance .score{color:#1a7f37}.verdict-at_chance .score{color:#9a6700}.verdict-below_chance .score{color:#cf222e}
.figs dl{display:grid;grid-template-columns:minmax(8em,max-content) minmax(0,1fr);gap:2px 14px;margin:0 0 8px}.figs dt{color:var(--muted)}.figs dd{margin:0;font-variant-numeric:tabular-nums}
.sentence{margin:6px 0 0;max-width:60em}
table{border-collapse:collapse;background:#fff;font-variant-numeric:tabular-nums}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0;font-weight:600}
td.n{text-align:right;white-space:nowrap}
th[data-sort]{cursor:pointer;user-select:none}th[data-sort]:after{content:"\00a0⇅";color:#aaa}
th[aria-sort=ascending]:after{content:" ▲";color:var(--fg)}th[aria-sort=descending]:after{content:" ▼";color:var(--fg)}
.w{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;white-space:nowrap}
.plots{display:flex;flex-wrap:wrap;gap:18px}
.plots figure,.multiples figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px;max-width:100%}
svg.plot,svg.panel{display:block;max-width:100%;height:auto}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.multiples figcaption{font-weight:400}.multiples figcaption small{display:block;color:var(--muted)}
.group{white-space:nowrap;font-size:.8em;border:1px solid #99a;border-radius:4px;padding:0 4px;margin-left:4px;color:#446}
figcaption{font-weight:600;margin:0 0 4px}
svg .tick{font-size:11px;fill:#555}svg .beyond{font-size:11px;font-weight:600;fill:#222}svg .axis{font-size:12px;fill:#222}svg .val{font-size:10px;font-variant-numeric:tabular-nums}
code.raw{display:block;white-space:pre-wrap;word-break:break-all;background:#f6f8fa;border:1px solid #eee;padding:2px 5px;margin:2px 0;font-size:.85em;max-width:46em;min-width:16em}
/* A table wider than its card scrolls inside it: shadows at the edges with more to see
   (they move with the scroll position), and a line above it when it overflows (script). */
.scroll{overflow-x:auto;max-width:100%;width:fit-content;background:linear-gradient(to right,#fff 30%,rgba(255,255,255,0)) left/32px 100% no-repeat local,linear-gradient(to left,#fff 30%,rgba(255,255,255,0)) right/32px 100% no-repeat local,radial-gradient(farthest-side at 0 50%,rgba(0,0,0,.28),rgba(0,0,0,0)) left/12px 100% no-repeat scroll,radial-gradient(farthest-side at 100% 50%,rgba(0,0,0,.28),rgba(0,0,0,0)) right/12px 100% no-repeat scroll;background-color:#fff}
.scroll table{background:transparent}.scroll-hint{display:none;margin:0 0 2px;font-size:.85em;color:var(--muted)}.scroll-hint.on{display:block}
.scroll.tall{max-height:640px;overflow-y:auto;border:1px solid var(--line)}
td.names,td.w{white-space:nowrap;line-height:22px}td.names{color:var(--muted)}td small{display:block;color:var(--muted);max-width:18em;white-space:normal}
.scroll table{border:0}.scroll thead th{position:sticky;top:0}
.quality{margin:8px 0 0;padding:6px 10px;border-left:4px solid #1a7f37;background:#f3faf5;max-width:60em}
.quality.flag-unreliable_behaviour,.quality.flag-insufficient_data{border-color:#cf222e;background:#fdf3f3}
.quality.flag-unreliable_reports,.quality.flag-none{border-color:#9a6700;background:#fdf8ec}
tr.chance td{background:#fff5e6}td.chance{color:#9a6700;font-weight:600}
dl.repro{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;background:#fff;border:1px solid var(--line);padding:10px 14px;border-radius:6px}
td.v{text-align:right}td.note>span{display:block;min-width:16em}
@media (max-width:600px){body{padding:12px 10px 32px}.score{font-size:2.4em}.headline{padding:12px}.figs dl{grid-template-columns:minmax(0,1fr)}.figs dd{margin-bottom:4px}}
dl.repro dt{color:var(--muted)}dl.repro dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em;overflow-wrap:anywhere}
@media (max-width:600px){dl.repro{grid-template-columns:minmax(0,1fr);gap:0}dl.repro dd{margin-bottom:6px}}
"#;

/// Sorts any `table.sortable` by the clicked column: numbers by `data-v`, text by content;
/// missing values always last.
pub const SCRIPT: &str = r#"
(function(){
  function key(td,num){
    var v=td.getAttribute('data-v');
    if(num){var x=parseFloat(v);return isNaN(x)?null:x;}
    return (v===null?td.textContent:v).toLowerCase();
  }
  function sortBy(t,th,i){
    var num=th.getAttribute('data-sort')==='num';
    var asc=th.getAttribute('aria-sort')!=='ascending';
    Array.prototype.forEach.call(t.tHead.rows[0].cells,function(c){c.removeAttribute('aria-sort');});
    th.setAttribute('aria-sort',asc?'ascending':'descending');
    var body=t.tBodies[0];
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){
      var x=key(a.cells[i],num),y=key(b.cells[i],num);
      if(x===null&&y===null)return 0;if(x===null)return 1;if(y===null)return -1;
      var c=x<y?-1:(x>y?1:0);return asc?c:-c;
    });
    rows.forEach(function(r){body.appendChild(r);});
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(t){
    Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){
      if(!th.hasAttribute('data-sort'))return;
      th.tabIndex=0;
      th.addEventListener('click',function(){sortBy(t,th,i);});
      th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sortBy(t,th,i);}});
    });
  });
})();
"#;

/// Puts "This table scrolls sideways →" above each `.scroll` box whose table is wider than
/// it, "down ↓" where a tall box (the contexts table) holds more rows than it shows, and
/// keeps it right when the window is resized.
pub const SCROLL_HINTS: &str = r#"
(function(){
  var hints=Array.prototype.map.call(document.querySelectorAll('.scroll'),function(d){
    var p=document.createElement('p');p.className='scroll-hint';d.parentNode.insertBefore(p,d);return [d,p];
  });
  function mark(){hints.forEach(function(x){var d=x[0],w=d.scrollWidth>d.clientWidth+1,t=d.scrollHeight>d.clientHeight+1;
    x[1].textContent='This table scrolls '+(w&&t?'sideways \u2192 and down \u2193':w?'sideways \u2192':'down \u2193');x[1].classList.toggle('on',w||t);});}
  mark();window.addEventListener('resize',mark);
})();
"#;

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::AboveChance => "above_chance",
        Verdict::AtChance => "at_chance",
        Verdict::BelowChance => "below_chance",
        Verdict::NoScore => "no_score",
    }
}

fn head(r: &ReportData, out: &mut String) {
    let t = &r.title;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>selfinterp report: {} ({})</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        html(&t.model),
        html(&t.experiment)
    );
}

fn flag_class(r: &ReportData) -> String {
    r.headline
        .flag
        .and_then(|f| serde_json::to_value(f).ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "none".into())
}

fn headline(r: &ReportData, out: &mut String) {
    let t = &r.title;
    let h = &r.headline;
    let q = r.summary.quality.as_ref();
    let _ = write!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"sub\">{} ·&nbsp;experiment <b>{}</b> ·&nbsp;benchmark <b>{}</b>{}</p>\n",
        html(&t.model),
        html(&t.server),
        html(&t.experiment),
        html(t.benchmark.as_deref().unwrap_or(MISSING)),
        match (&t.preset, &t.size) {
            (Some(p), Some(size)) => format!(" ·&nbsp;preset <b>{}</b>: {}", html(p), html(size)),
            _ => String::new(),
        }
    );
    if !r.diagnosis.is_empty() {
        out.push_str("<section class=\"diagnosis\" id=\"diagnosis\">\n<h2>What limits this reading, most severe first</h2>\n<ol>\n");
        for f in &r.diagnosis {
            let _ = writeln!(out, "<li>{}</li>", html_prose(&f.sentence));
        }
        out.push_str("</ol>\n</section>\n");
    }
    // A sentence the diagnosis already says is not repeated in the card.
    let sentence: String =
        if has(&r.diagnosis, FindingKind::AtChance) || says(&r.diagnosis, &h.sentence) {
            String::new()
        } else {
            format!("<p class=\"sentence\">{}</p>\n", html_prose(&h.sentence))
        };
    let quality: String = if has(&r.diagnosis, FindingKind::UnreliableBehaviour) {
        String::new()
    } else {
        format!(
            "<p class=\"quality flag-{}\">{}</p>",
            flag_class(r),
            html_prose(&h.quality_sentence)
        )
    };
    let _ = write!(
        out,
        "<div class=\"headline verdict-{} flag-{}\" id=\"headline\">\n<div class=\"score\">r = {}<small>reports vs learned weights</small></div>\n\
<div class=\"figs\"><dl><dt>95% CI, context bootstrap</dt><dd>{}</dd><dt>95% CI, study's formula (clamped to [-1,&nbsp;1])</dt><dd>{}</dd>\
<dt>chance level</dt><dd>{}</dd><dt>calibration slope (reported on learned)</dt><dd>{}</dd><dt>points / contexts</dt><dd>{} / {}</dd>\
<dt>{CORRECTED_LABEL}</dt><dd>{}</dd><dt>noise ceiling</dt><dd>{}</dd>\
<dt>behavioural / report reliability</dt><dd>{} / {}</dd><dt>reports counted</dt><dd>{} valid of {} ({} out of range)</dd></dl>\n\
{sentence}{quality}</div>\n</div>\n</header>\n",
        verdict_class(h.verdict),
        flag_class(r),
        num(h.r, 3),
        interval(h.ci_bootstrap),
        interval(h.ci_study),
        chance(h.chance_mean, h.chance_range, " (95% within {})"),
        calibration(h),
        count(h.n_points),
        count(h.n_contexts),
        corrected_r_with_ci(
            q.and_then(|q| q.ceiling.corrected_r),
            q.and_then(|q| q.ceiling.corrected_r_ci)
        ),
        num(q.and_then(|q| q.ceiling.noise_ceiling), 3),
        num(q.and_then(|q| q.behavioural_reliability.value), 3),
        num(q.and_then(|q| q.report_reliability.value), 3),
        count(r.summary.n_reports_valid),
        count(r.summary.n_reports),
        count(r.summary.n_reports_out_of_range),
    );
}

/// The chance level and its 95% range (`range` is the format around the interval), or one "–"
/// when there is none: "– (95% within –)" reads as two missing numbers with a label between.
fn chance(mean: Option<f64>, range: Option<[f64; 2]>, around: &str) -> String {
    match mean {
        Some(m) if m.is_finite() => format!(
            "{}{}",
            num(Some(m), 3),
            around.replace("{}", &interval(range))
        ),
        _ => MISSING.to_string(),
    }
}

fn td_num(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!(
            "<td class=\"n\" data-v=\"{x}\">{}</td>",
            num(Some(x), decimals)
        ),
        _ => format!("<td class=\"n\" data-v=\"\">{MISSING}</td>"),
    }
}

fn comparisons(r: &ReportData, out: &mut String) {
    out.push_str("<section id=\"scores\">\n<h2>Scores</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>comparison</th><th>r</th><th>95% CI bootstrap</th><th>95% CI study (clamped to [-1,&nbsp;1])</th><th>chance r</th><th>Spearman</th><th>mean context r</th><th>same sign</th><th>same top attribute</th><th>MAE</th><th>points / contexts</th></tr></thead>\n<tbody>\n");
    for (_, label, k) in r.comparisons() {
        let _ = writeln!(
            out,
            "<tr><td>{}</td>{}<td>{}</td><td>{}</td><td>{}</td>{}{}<td class=\"n\">{}</td><td class=\"n\">{}</td>{}<td class=\"n\">{} / {}</td></tr>",
            html(label),
            td_num(k.r, 3),
            interval(k.ci_bootstrap),
            interval(clamp_r(k.ci_study)),
            chance(k.null.mean, k.null.range, " {}"),
            td_num(k.spearman, 3),
            td_num(k.mean_context_r, 3),
            pct(k.sign_agreement),
            pct(k.top_attribute_agreement),
            td_num(k.mae, 1),
            count(k.n),
            count(k.n_contexts)
        );
    }
    let _ = write!(
        out,
        "</tbody>\n</table></div>\n<p>{}</p>\n</section>\n",
        html_prose(&overview_sentence(r))
    );
}

fn observer(r: &ReportData, out: &mut String) {
    let Some(o) = &r.summary.observer else {
        return;
    };
    out.push_str(&format!(
        "<section id=\"observer\">\n<h2>Ideal observer: what the reports are worth in choices</h2>\n<p>{}</p>\n",
        html_prose(&super::observer::sentence(o))
    ));
    if !super::observer::defined(o) {
        out.push_str("</section>\n");
        return;
    }
    out.push_str(&format!(
        "{}\n<table>\n<thead><tr><th>choices shown (K)</th><th>observer's r</th><th>95% CI</th></tr></thead>\n<tbody>\n",
        super::observer::svg_curve(o)
    ));
    for row in super::observer::rows(o) {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            row[0], row[1], row[2]
        ));
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn quality(r: &ReportData, out: &mut String) {
    out.push_str("<section id=\"quality\">\n<h2>Measurement quality</h2>\n");
    let rows = quality_rows(r);
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"quality flag-{}\">{}</p>",
            flag_class(r),
            html_prose(&r.headline.quality_sentence)
        );
    } else {
        out.push_str("<div class=\"scroll\"><table>\n<thead><tr><th>measure</th><th>value</th><th>95% CI</th><th>what it means</th></tr></thead>\n<tbody>\n");
        for [measure, value, ci, note] in rows {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"v\">{}</td><td>{}</td><td class=\"note\"><span>{}</span></td></tr>",
                html(&measure),
                html_prose(&value),
                html_prose(&ci),
                html_prose(&note)
            );
        }
        out.push_str("</tbody>\n</table></div>\n");
    }
    out.push_str("</section>\n");
}

fn plots(r: &ReportData, out: &mut String) {
    let hist: bool = r.histogram.bins.iter().any(|b| b.count > 0);
    let scatters: Vec<_> = r.scatter.iter().filter(|p| !p.points.is_empty()).collect();
    // No empty cards: a plot without data is left out, and so is a section without plots.
    if scatters.is_empty() && !hist {
        return;
    }
    out.push_str("<section id=\"plots\">\n<h2>Plots</h2>\n<div class=\"plots\">\n");
    for (i, p) in scatters.into_iter().enumerate() {
        let fit: String = match &p.fit {
            Some(l) => format!("fit {}", line_equation(l.intercept, l.slope, "y", "x")),
            None => "no fit".into(),
        };
        let _ = writeln!(
            out,
            "<figure><figcaption>{} <span class=\"nw\">(r&nbsp;=&nbsp;{};</span> <span class=\"nw\">{})</span></figcaption>{}</figure>",
            html(&p.title),
            num(p.r, 3),
            html(&fit),
            svg::scatter(p, &format!("scatter{i}"))
        );
    }
    if hist {
        let _ = writeln!(
            out,
            "<figure><figcaption>Per-context r (reported vs learned)</figcaption>{}</figure>",
            svg::histogram(&r.histogram)
        );
    }
    out.push_str("</div>\n</section>\n");
}

fn multiples(r: &ReportData, out: &mut String) {
    let m = &r.multiples;
    if m.panels.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<section id=\"multiples\">\n<h2>Contexts side by side</h2>\n<p>{} Bars run from 0 on the -100..100 scale; a value beyond it stops at the edge with a mark, and the numbers at the right are the weights as given.</p>\n<div class=\"multiples\">\n",
        html_prose(&m.rule)
    );
    for p in &m.panels {
        let _ = writeln!(
            out,
            "<figure><figcaption><b>{}</b> ·&nbsp;r&nbsp;=&nbsp;{}<span class=\"group\">{}</span><small>{}</small></figcaption>{}</figure>",
            html(p.context.as_str()),
            num(p.r, 2),
            html(p.group.label()),
            html(p.question.as_deref().unwrap_or("")),
            svg::weights_panel(p)
        );
    }
    out.push_str("</div>\n</section>\n");
}

/// Weights one per line, aligned with the attribute-name column.
fn weights_cell(w: Option<&crate::types::Weights>) -> String {
    match w {
        Some(w) => format!(
            "<td class=\"w n\">{}</td>",
            w.0.iter()
                .map(|v| num(Some(*v), 0))
                .collect::<Vec<String>>()
                .join("<br>")
        ),
        None => format!("<td class=\"w\">{MISSING}</td>"),
    }
}

fn context_row(c: &ContextLine<'_>, instilled: bool, out: &mut String) {
    let s = c.scores;
    let names = c.names;
    let attributes: String = if names.attributes.is_empty() {
        MISSING.to_string()
    } else {
        names
            .attributes
            .iter()
            .map(|a| html(a))
            .collect::<Vec<String>>()
            .join("<br>")
    };
    let _ = write!(
        out,
        "<tr{}><td data-v=\"{}\">{}<small>{}</small></td><td class=\"names\">{attributes}</td>{}{}",
        if c.at_chance() {
            " class=\"chance\""
        } else {
            ""
        },
        html(s.id.as_str()),
        html(s.id.as_str()),
        html(names.question.as_deref().unwrap_or("")),
        weights_cell(c.learned()),
        weights_cell(s.reported.as_ref())
    );
    if instilled {
        out.push_str(&weights_cell(s.target.as_ref()));
    }
    out.push_str(&td_num(s.per_context_r, 2));
    let _ = write!(
        out,
        "<td class=\"n\" data-v=\"{}\">{}/{}</td><td class=\"n\" data-v=\"{}\">{}/{}</td>{}",
        s.n_reports_valid,
        s.n_reports_valid,
        s.n_reports,
        s.n_trials,
        s.n_trials,
        s.n_choices,
        td_num(Some(s.intercept), 2)
    );
    if instilled {
        out.push_str(&td_num(s.choice_agreement, 3));
    }
    let q = c.quality;
    let [_, _, fit] = context_cells(c);
    let _ = writeln!(
        out,
        "{}{}<td{}>{}</td></tr>",
        td_num(q.and_then(|q| q.behavioural_reliability), 2),
        td_num(q.and_then(|q| q.fit.heldout_r2), 3),
        if fit == AT_CHANCE {
            " class=\"chance\""
        } else {
            ""
        },
        html(&fit)
    );
}

fn contexts(r: &ReportData, out: &mut String) {
    let instilled: bool = r.summary.contexts.iter().any(|c| c.target.is_some());
    out.push_str("<section id=\"contexts\">\n<h2>Contexts</h2>\n<p>Learned weights are scaled so the largest |w| is 100; reported weights are the mean of the context's valid reports, as given. Click a column header to sort. Highlighted contexts are fitted at chance: their options do not predict choices significantly better than the letter alone (likelihood-ratio test at 5%).</p>\n<div class=\"scroll tall\"><table class=\"sortable\" id=\"context-table\">\n<thead><tr><th data-sort=\"text\">context</th><th>attribute</th><th>learned</th><th>reported</th>");
    if instilled {
        out.push_str("<th>target</th>");
    }
    out.push_str("<th data-sort=\"num\">r</th><th data-sort=\"num\">valid reports</th><th data-sort=\"num\">choices fitted</th><th data-sort=\"num\">intercept</th>");
    if instilled {
        out.push_str("<th data-sort=\"num\">agrees with target</th>");
    }
    let [rel, heldout, fit] = CONTEXT_HEADERS;
    let _ = write!(
        out,
        "<th data-sort=\"num\">{rel}</th><th data-sort=\"num\">{heldout}</th><th data-sort=\"text\">{fit}</th></tr></thead>\n<tbody>\n"
    );
    for c in r.context_rows() {
        context_row(&c, instilled, out);
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn status_table(rows: &[StatusRow], out: &mut String) {
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr><th>status</th><th>count</th><th>share</th><th>counted in the score</th><th>examples (raw answers)</th></tr></thead>\n<tbody>\n");
    for s in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>",
            html(&s.label),
            count(s.count),
            pct(s.share),
            html(&s.used)
        );
        for e in &s.examples {
            let _ = write!(
                out,
                "<code class=\"raw\" title=\"{} #{}\">{}{}</code>",
                html(e.context.as_str()),
                e.index,
                html(&e.response),
                if e.truncated { "…" } else { "" }
            );
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn failures(r: &ReportData, out: &mut String) {
    out.push_str("<section id=\"parsing\">\n<h2>Parsing</h2>\n<h3>Choices</h3>\n");
    status_table(&r.failures.choices, out);
    out.push_str("<h3>Reports</h3>\n");
    status_table(&r.failures.reports, out);
    if let Some(note) = &r.failures.reports_unknown {
        out.push_str(&format!("<p>{}</p>\n", html(note)));
    }
    out.push_str("</section>\n");
}

fn position(r: &ReportData, out: &mut String) {
    let p = &r.position_bias;
    let _ = write!(
        out,
        "<section id=\"position\">\n<h2>Position bias</h2>\n<p>P(answer A) = <b>{}</b> over all parsed choices (0.5 = no preference for a position).",
        proportion(p.p_answer_a)
    );
    let _ = write!(
        out,
        "{}</p>\n<p>{}</p>\n</section>\n",
        html_prose(&order_shares(r)),
        html_prose(&intercept_sentence(r))
    );
}

fn tokens(r: &ReportData, out: &mut String) {
    let t = &r.tokens;
    let cost: String = match (t.cost_usd, t.prices) {
        (Some(c), Some(p)) => format!(
            "Cost <b>${c:.4}</b> at ${} / ${} per million input / output tokens.",
            num(Some(p.input_per_mtok), 2),
            num(Some(p.output_per_mtok), 2)
        ),
        _ => html_prose(&no_cost(&r.title.provider, t.local_server.as_deref())),
    };
    let _ = write!(
        out,
        "<section id=\"tokens\">\n<h2>Tokens and cost</h2>\n<p>{} input and {} output tokens ({} of {} samples carried counts). {cost}</p>\n</section>\n",
        count_u64(t.input),
        count_u64(t.output),
        count(t.samples_counted),
        count(t.samples)
    );
}

fn reproducibility(r: &ReportData, out: &mut String) {
    out.push_str(
        "<section id=\"reproducibility\">\n<h2>Reproducibility</h2>\n<dl class=\"repro\">\n",
    );
    for (k, v) in reproducibility_lines(r) {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", html(k), html(&v));
    }
    out.push_str("</dl>\n</section>\n");
}

fn script(_: &ReportData, out: &mut String) {
    let _ = write!(
        out,
        "<script>{SCRIPT}{SCROLL_HINTS}</script>\n</body>\n</html>\n"
    );
}

/// The HTML page's sections, in order.
const SECTIONS: &[Section] = &[
    head,
    headline,
    comparisons,
    super::privileged::html_section,
    observer,
    quality,
    plots,
    multiples,
    contexts,
    failures,
    position,
    tokens,
    reproducibility,
    script,
];

impl Exporter for HtmlExporter {
    fn extension(&self) -> &'static str {
        "html"
    }

    fn render(&self, r: &ReportData) -> String {
        render_sections(r, SECTIONS)
    }
}
