//! The viewer's pages: an index of bundles and the sample browser. The browser's markup is
//! static; its script (`/static/view.js`) renders from `data.js`, which the page loads with a
//! plain script tag, so the page is complete when the document has loaded. Filters live in
//! the URL's query (`?context=...&kind=report&status=not_json&q=...`), so a filtered view can
//! be linked and reloaded. Text from the bundle is only ever set as text, never as markup.

use super::ViewBundle;
// The one HTML escaper of the reports, the leaderboard and the viewer.
use crate::reports::text::html as escape;
// Counts with thousands separators, as in the reports.
use crate::reports::text::count;
// Numbers kept with their units on a phone, as on the leaderboard.
use crate::reports::nobreak::html_nobreak as text;

/// Content-Security-Policy of the viewer's own pages: scripts and styles from the viewer only,
/// and fetches back to it.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:";

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>{}</title>\n<link rel=\"stylesheet\" href=\"/static/view.css\">\n</head>\n",
        escape(title)
    )
}

/// The list of bundles, each with its headline and links to its report and samples: a table
/// on a wide screen, a card per run on a phone (each value beside its column's name).
pub fn index(bundles: &[ViewBundle]) -> String {
    let mut out = head("selfinterp view");
    out.push_str("<body>\n<header><h1>selfinterp view</h1></header>\n<main>\n<table class=\"index\">\n<thead><tr><th>run</th><th>experiment</th><th>score</th><th>leaderboard</th><th>samples</th><th></th></tr></thead>\n<tbody>\n");
    for b in bundles {
        out.push_str(&format!(
            "<tr><td data-label=\"run\">{}</td><td data-label=\"experiment\">{}</td><td data-label=\"score\">{}</td><td data-label=\"leaderboard\"{}>{}</td><td data-label=\"samples\" class=\"num\">{}</td><td data-label=\"open\" class=\"nowrap\"><span><a href=\"/b/{n}/report\">report</a> · <a href=\"/b/{n}/samples\">samples</a></span></td></tr>\n",
            text(&b.title),
            text(&b.experiment),
            text(&b.headline),
            if b.ranking == "ranked" { "" } else { " class=\"bad\"" },
            text(&b.ranking),
            count(b.samples.len()),
            n = escape(&b.name),
        ));
    }
    out.push_str("</tbody>\n</table>\n</main>\n</body>\n</html>\n");
    out
}

/// The sample browser of one bundle.
pub fn samples(b: &ViewBundle) -> String {
    let mut out = head(&format!("samples: {}", b.title));
    out.push_str(&format!(
        "<body>\n<header><a href=\"/\">all runs</a> · <a href=\"/b/{n}/report\">report</a>\
<h1>{t}</h1><p class=\"headline\">{h}</p></header>\n",
        n = escape(&b.name),
        t = text(&b.title),
        h = text(&b.headline),
    ));
    out.push_str(SAMPLES_BODY);
    out.push_str(&format!(
        "<script src=\"/b/{}/data.js\"></script>\n<script src=\"/static/view.js\"></script>\n</body>\n</html>\n",
        escape(&b.name)
    ));
    out
}

const SAMPLES_BODY: &str = r#"<main>
<form id="filters" class="filters">
<label>context <select id="f-context" name="context"><option value="">all</option></select></label>
<label>kind <select id="f-kind" name="kind"><option value="">all</option><option value="choice">choice</option><option value="report">report</option></select></label>
<label>status <select id="f-status" name="status"><option value="">all</option></select></label>
<label>response contains <input id="f-q" name="q" type="search" size="16"></label>
<span id="count" class="count"></span>
</form>
<section id="tally" class="tally" aria-label="what the samples are"></section>
<section id="weights" aria-label="learned and reported weights"></section>
<p class="columns"><b>pair</b>: a choice's pair number in its context and the order its options were shown in (<code>ab</code> as frozen, <code>ba</code> swapped), or a report's number. <b>P(A)</b>: this answer's probability of "A" against "B", from the log-probabilities of its first token (– when the server gave none); not the share of choices answered A.</p>
<p class="scroll-hint">The table scrolls sideways →</p>
<div class="scroll"><table class="samples">
<thead><tr><th>#</th><th>context</th><th>kind</th><th>pair</th><th>status</th><th>parsed</th><th>P(A)</th><th>response</th></tr></thead>
<tbody id="rows"></tbody>
</table></div>
<p><button id="more" type="button" hidden>show more</button></p>
<pre id="errors" class="errors" hidden></pre>
</main>
"#;

/// The sample browser's script.
pub const SAMPLES_JS: &str = r#""use strict";
(function () {
  const errors = document.getElementById("errors");
  window.addEventListener("error", function (e) {
    errors.hidden = false;
    errors.textContent += (e.message || "error") + "\n";
  });
  const D = window.VIEW_DATA;
  const PAGE = 200;
  let shown = PAGE;
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const num = (x, d) => (x === null || x === undefined) ? "–" : Number(x).toFixed(d);
  // A count with thousands separators, as the reports print them: 11000 -> "11,000".
  const count = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const params = new URLSearchParams(window.location.search);
  const byId = new Map(D.contexts.map((c) => [c.id, c]));

  function fillSelect(sel, values) {
    for (const v of values) {
      const o = el("option", v);
      o.value = v;
      sel.appendChild(o);
    }
  }
  fillSelect($("f-context"), D.contexts.map((c) => c.id));
  fillSelect($("f-status"), [...new Set(D.samples.map((s) => s.status))].sort());
  for (const [key, id] of [["context", "f-context"], ["kind", "f-kind"], ["status", "f-status"], ["q", "f-q"]]) {
    const v = params.get(key);
    if (v !== null) $(id).value = v;
  }

  function filters() {
    return { context: $("f-context").value, kind: $("f-kind").value, status: $("f-status").value, q: $("f-q").value };
  }

  function weightsTable(c) {
    const box = el("div", null, "context");
    box.dataset.context = c.id;
    const h = el("h3", c.id);
    box.appendChild(h);
    if (c.question) box.appendChild(el("p", c.question, "question"));
    const t = el("table", null, "weights");
    const head = el("tr");
    for (const x of ["attribute", "learned", "reported"].concat(c.target ? ["target"] : [])) head.appendChild(el("th", x));
    t.appendChild(head);
    c.attributes.forEach((a, k) => {
      const tr = el("tr");
      tr.appendChild(el("td", a));
      tr.appendChild(el("td", c.learned ? num(c.learned[k], 0) : "–", "num"));
      tr.appendChild(el("td", c.reported ? num(c.reported[k], 0) : "–", "num"));
      if (c.target) tr.appendChild(el("td", num(c.target[k], 0), "num"));
      t.appendChild(tr);
    });
    box.appendChild(t);
    box.appendChild(el("p", "r(reported, learned) in this context: " + num(c.context_r, 2) +
      " · " + count(c.n_choices) + " choices · " + count(c.n_reports_valid) + " of " + count(c.n_reports) + " reports valid", "note"));
    return box;
  }

  function renderWeights(f) {
    const w = $("weights");
    w.replaceChildren();
    const list = f.context ? [byId.get(f.context)].filter(Boolean) : D.contexts;
    const wrap = f.context ? w : el("details");
    if (!f.context) {
      wrap.appendChild(el("summary", "learned and reported weights of all " + count(D.contexts.length) + " contexts"));
      w.appendChild(wrap);
    }
    const grid = el("div", null, "grid");
    for (const c of list) grid.appendChild(weightsTable(c));
    wrap.appendChild(grid);
  }

  // A share of a whole in percent, one decimal; a share too small to show is "<0.1%", not 0.
  const share = (n, of) => {
    const p = 100 * n / of;
    return (n > 0 && p < 0.05) ? "<0.1%" : p.toFixed(1) + "%";
  };

  // What the samples of the shown context (or of all) are, before any row is read: how often
  // each answer and each parse status occurs, so a failure mode (always "A", reports that do
  // not parse, values out of range) is plain at a glance. Each status links to its rows.
  function renderTally(f) {
    const box = $("tally");
    box.replaceChildren();
    const pool = D.samples.filter((s) => !f.context || s.context === f.context);
    for (const kind of ["choice", "report"]) {
      const of = pool.filter((s) => s.kind === kind);
      if (!of.length) continue;
      const line = el("p", null, "tally-line");
      line.appendChild(el("b", (kind === "choice" ? "choices" : "reports") + "\u00a0" + count(of.length) + (f.context ? " in this context" : "") + ":"));
      const parts = [];
      if (kind === "choice") {
        for (const x of ["A", "B"]) parts.push({ text: "answered\u00a0" + x, n: of.filter((s) => s.parsed === x).length });
      }
      const by = new Map();
      for (const s of of) {
        const k = by.get(s.status) || { n: 0, bad: s.parsed === null };
        k.n += 1;
        by.set(s.status, k);
      }
      for (const [st, k] of [...by].sort((x, y) => y[1].n - x[1].n)) parts.push({ text: st, n: k.n, status: st, bad: k.bad });
      parts.forEach((x, i) => {
        line.appendChild(document.createTextNode(i ? " \u00b7\u00a0" : " "));
        const label = x.text.replace(/ /g, "\u00a0") + "\u00a0" + count(x.n) + "\u00a0(" + share(x.n, of.length) + ")";
        if (x.status === undefined) { line.appendChild(el("span", label, "answer")); return; }
        const u = new URLSearchParams();
        if (f.context) u.set("context", f.context);
        u.set("kind", kind);
        u.set("status", x.status);
        const a = el("a", label, x.bad ? "bad" : "");
        a.href = "?" + u.toString();
        a.dataset.status = x.status;
        line.appendChild(a);
      });
      box.appendChild(line);
    }
  }

  function parsedText(p) {
    if (p === null) return "–";
    if (Array.isArray(p)) return p.map((x) => num(x, 0)).join(" ");
    return p;
  }

  async function showPrompt(s, tr) {
    const next = tr.nextElementSibling;
    if (next && next.classList.contains("detail")) { next.remove(); return; }
    const d = el("tr", null, "detail");
    const td = el("td");
    td.colSpan = 8;
    d.appendChild(td);
    tr.after(d);
    td.appendChild(el("h4", "response"));
    td.appendChild(el("pre", s.response));
    td.appendChild(el("h4", "prompt"));
    if (!D.prompts) { td.appendChild(el("p", "not known: imported data without a frozen benchmark")); return; }
    const res = await fetch("/b/" + encodeURIComponent(D.name) + "/prompt/" + s.i);
    const p = await res.json();
    if (!p.available) { td.appendChild(el("p", p.why)); return; }
    td.appendChild(el("pre", "[system]\n" + p.system + "\n\n[user]\n" + p.user));
    const ok = p.matches === true ? "matches the sha256 recorded with the sample"
      : p.matches === false ? "does NOT match the sha256 recorded with the sample (" + p.recorded_sha256 + ")"
      : "no sha256 was recorded with the sample";
    td.appendChild(el("p", "rendered from the benchmark; sha256 " + p.sha256 + " " + ok, p.matches === false ? "bad" : "note"));
  }

  function render() {
    const f = filters();
    const q = f.q.toLowerCase();
    const rows = D.samples.filter((s) =>
      (!f.context || s.context === f.context) && (!f.kind || s.kind === f.kind) &&
      (!f.status || s.status === f.status) && (!q || s.response.toLowerCase().includes(q)));
    const body = $("rows");
    body.replaceChildren();
    for (const s of rows.slice(0, shown)) {
      const tr = el("tr");
      tr.dataset.i = s.i;
      tr.dataset.kind = s.kind;
      tr.dataset.status = s.status;
      tr.dataset.context = s.context;
      const bad = s.parsed === null;
      tr.appendChild(el("td", s.i, "num"));
      tr.appendChild(el("td", s.context));
      tr.appendChild(el("td", s.kind));
      tr.appendChild(el("td", s.index + " " + s.order, "nowrap"));
      tr.appendChild(el("td", s.status, bad ? "bad" : ""));
      tr.appendChild(el("td", parsedText(s.parsed), "parsed"));
      tr.appendChild(el("td", num(s.p_a, 3), "num"));
      tr.appendChild(el("td", s.response.length > 80 ? s.response.slice(0, 80) + "…" : s.response, "response"));
      tr.addEventListener("click", () => showPrompt(s, tr));
      body.appendChild(tr);
    }
    $("count").textContent = count(rows.length) + " of " + count(D.samples.length) + " samples" +
      (rows.length > shown ? " (first " + count(shown) + " shown)" : "");
    $("more").hidden = rows.length <= shown;
    renderWeights(f);
    renderTally(f);
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v) u.set(k, v);
    const qs = u.toString();
    window.history.replaceState(null, "", window.location.pathname + (qs ? "?" + qs : ""));
  }

  for (const id of ["f-context", "f-kind", "f-status"]) $(id).addEventListener("change", () => { shown = PAGE; render(); });
  $("f-q").addEventListener("input", () => { shown = PAGE; render(); });
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  $("more").addEventListener("click", () => { shown += PAGE; render(); });
  render();
  document.body.dataset.ready = "1";
})();
"#;

/// The viewer's style sheet (readable on a phone: tables scroll sideways).
pub const CSS: &str = r#"body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 12px; color: #1d1d1f; }
header { border-bottom: 1px solid #ddd; margin-bottom: 12px; }
h1 { font-size: 1.3em; margin: 8px 0 4px; }
.headline { margin: 0 0 10px; font-weight: 600; }
.filters { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: center; margin: 8px 0; }
.count { color: #555; }
table { border-collapse: collapse; }
/* Wide tables scroll inside their box, with shadows at the edges that have more to see. */
.scroll { overflow-x: auto; max-width: 100%; background: linear-gradient(to right, #fff 30%, rgba(255,255,255,0)) left / 32px 100% no-repeat local, linear-gradient(to left, #fff 30%, rgba(255,255,255,0)) right / 32px 100% no-repeat local, radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.28), rgba(0,0,0,0)) left / 12px 100% no-repeat scroll, radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.28), rgba(0,0,0,0)) right / 12px 100% no-repeat scroll; }
.scroll-hint { display: none; margin: 0 0 2px; font-size: 0.85em; color: #555; }
@media (max-width: 700px) { .scroll-hint { display: block; } }
.nowrap, td.parsed { white-space: nowrap; }
td.parsed { font-variant-numeric: tabular-nums; }
.samples, .index { width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.samples tbody tr:not(.detail) { cursor: pointer; }
.samples tbody tr:not(.detail):hover { background: #f4f6fb; }
.response { font-family: ui-monospace, monospace; font-size: 0.9em; }
.bad { color: #b00020; font-weight: 600; }
.note { color: #555; font-size: 0.9em; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; padding: 8px; margin: 4px 0; }
/* A sample's response and prompt: as wide as the screen, not as the table. */
tr.detail pre { max-width: calc(100vw - 48px); }
.grid { display: flex; flex-wrap: wrap; gap: 12px; }
.context { border: 1px solid #e3e3e3; border-radius: 6px; padding: 4px 10px; }
.context h3 { font-size: 1em; margin: 4px 0; }
.question { margin: 0; color: #444; font-size: 0.9em; max-width: 40em; }
.errors { color: #b00020; }
details summary { cursor: pointer; margin: 8px 0; }
.tally-line { margin: 2px 0; }
.columns { margin: 6px 0; font-size: 0.85em; color: #555; }
/* The index on a phone: a card per run, each value beside its column's name. */
@media (max-width: 700px) {
  table.index, table.index tbody, table.index tr, table.index td { display: block; width: 100%; box-sizing: border-box; }
  table.index thead { display: none; }
  table.index tr { border: 1px solid #ddd; border-radius: 6px; margin: 0 0 8px; }
  table.index td { display: flex; gap: 10px; justify-content: space-between; text-align: right; border-bottom: 1px solid #f0f0f0; }
  table.index td::before { content: attr(data-label); color: #555; font-weight: normal; text-align: left; flex: 0 0 auto; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// A bundle whose every text the pages show is hostile markup.
    fn hostile() -> ViewBundle {
        let bad: &str = "x' onmouseover='alert(1)' \"><script>alert(2)</script>&";
        ViewBundle {
            name: bad.to_string(),
            dir: std::path::PathBuf::new(),
            report_html: String::new(),
            data_js: String::new(),
            title: bad.to_string(),
            headline: bad.to_string(),
            experiment: bad.to_string(),
            ranking: bad.to_string(),
            samples: Vec::new(),
            contexts: std::collections::HashMap::new(),
            observe: None,
        }
    }

    /// The columns "pair" ("0 ab") and "P(A)" meant nothing to a reader, and the detail page's
    /// "P(answer A)" (the share of choices answered A) is another quantity.
    #[test]
    fn the_sample_browser_says_what_pair_and_p_a_mean() {
        let page: String = samples(&hostile());
        assert!(page.contains("<code>ab</code> as frozen, <code>ba</code> swapped"));
        assert!(page.contains("log-probabilities of its first token"));
        assert!(page.contains("not the share of choices answered A"));
    }

    #[test]
    fn every_text_of_the_index_and_the_sample_browser_is_escaped_quotes_included() {
        let b: ViewBundle = hostile();
        for page in [index(std::slice::from_ref(&b)), samples(&b)] {
            assert!(!page.contains("x'"), "an unescaped ': {page}");
            assert!(!page.contains("<script>alert"), "{page}");
            assert!(
                page.contains("x&#39; onmouseover=&#39;alert(1)&#39; &quot;&gt;&lt;script&gt;")
            );
        }
    }
}
