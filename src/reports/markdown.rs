//! The Markdown report: the same sections as the HTML page, with text in place of plots.

use super::data::{ContextLine, ReportData, StatusRow};
use super::diagnosis::{FindingKind, has, says};
use super::quality::{CONTEXT_HEADERS, context_cells, corrected_summary, quality_rows};
use super::sentences::{
    calibration, intercept_sentence, order_shares, overview_sentence, reproducibility_lines,
};
use super::text::{
    MISSING, clamp_r, count, count_u64, interval, line_equation, md_cell, no_cost, num, pct,
    proportion,
};
use super::{Exporter, Section, render_sections};
use tabled::builder::Builder;
use tabled::settings::Style;

pub struct MarkdownExporter;

/// A GitHub-flavoured Markdown table.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut b: Builder = Builder::default();
    b.push_record(header.iter().map(|h| h.to_string()));
    for r in rows {
        b.push_record(r);
    }
    b.build().with(Style::markdown()).to_string()
}

fn headline(r: &ReportData, out: &mut String) {
    let t = &r.title;
    out.push_str(&format!(
        "# {} · {} · {}\n\n",
        md_cell(&t.model),
        md_cell(&t.experiment),
        md_cell(t.benchmark.as_deref().unwrap_or(MISSING))
    ));
    if !r.diagnosis.is_empty() {
        out.push_str("**What limits this reading, most severe first:**\n\n");
        for (i, f) in r.diagnosis.iter().enumerate() {
            out.push_str(&format!("{}. {}\n", i + 1, f.sentence));
        }
        out.push('\n');
    }
    let h = &r.headline;
    out.push_str(&format!(
        "**Score (reports vs learned weights): r = {}**, 95% CI {} (context bootstrap), {} (study's formula, clamped to [-1, 1]); \
chance level {} (95% of chance in {}); calibration slope {}; {} points in {} contexts.\n\n",
        num(h.r, 3),
        interval(h.ci_bootstrap),
        interval(h.ci_study),
        num(h.chance_mean, 3),
        interval(h.chance_range),
        calibration(h),
        count(h.n_points),
        count(h.n_contexts)
    ));
    if !has(&r.diagnosis, FindingKind::AtChance) && !says(&r.diagnosis, &h.sentence) {
        out.push_str(&format!("{}\n\n", h.sentence));
    }
    if let Some(q) = &r.summary.quality {
        out.push_str(&format!("{}.\n\n", corrected_summary(q)));
    }
    if !has(&r.diagnosis, FindingKind::UnreliableBehaviour) {
        out.push_str(&format!(
            "**Measurement quality:** {}\n\n",
            h.quality_sentence
        ));
    }
    let size: String = match (&t.preset, &t.size) {
        (Some(p), Some(size)) => format!("; preset {}: {size}", md_cell(p)),
        _ => String::new(),
    };
    let server: String = match t.server.strip_prefix("provider ") {
        Some(p) => format!("provider `{}`", md_cell(p)),
        None => format!(
            "{} (provider `{}`)",
            md_cell(&t.server),
            md_cell(&t.provider)
        ),
    };
    out.push_str(&format!(
        "Model `{}`, {server}{size}.\n\n",
        md_cell(&t.model)
    ));
}

fn comparisons(r: &ReportData, out: &mut String) {
    out.push_str("## Scores\n\n");
    let rows: Vec<Vec<String>> = r
        .comparisons()
        .into_iter()
        .map(|(_, label, k)| {
            vec![
                label.to_string(),
                num(k.r, 3),
                interval(k.ci_bootstrap),
                interval(clamp_r(k.ci_study)),
                format!("{} {}", num(k.null.mean, 3), interval(k.null.range)),
                num(k.spearman, 3),
                num(k.mean_context_r, 3),
                pct(k.sign_agreement),
                pct(k.top_attribute_agreement),
                num(k.mae, 1),
                format!("{} / {}", k.n, k.n_contexts),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            "comparison",
            "r",
            "95% CI bootstrap",
            "95% CI study (clamped to [-1, 1])",
            "chance r",
            "Spearman",
            "mean context r",
            "same sign",
            "same top attribute",
            "MAE",
            "points / contexts",
        ],
        rows,
    ));
    out.push_str(&format!("\n\n{}\n\n", md_cell(&overview_sentence(r))));
}

fn observer(r: &ReportData, out: &mut String) {
    let Some(o) = &r.summary.observer else {
        return;
    };
    out.push_str("## Ideal observer: what the reports are worth in choices\n\n");
    // Our own words and figures: only the `*` of K* needs escaping.
    let words: String = super::observer::sentence(o).replace('*', "\\*");
    out.push_str(&format!("{words}\n\n"));
    if !super::observer::defined(o) {
        return;
    }
    out.push_str(&table(
        &["choices shown (K)", "observer's r", "95% CI"],
        super::observer::rows(o),
    ));
    out.push_str(&format!(
        "\n\n```text\n{}```\n\n",
        super::observer::text_curve(o)
    ));
}

fn quality(r: &ReportData, out: &mut String) {
    out.push_str("## Measurement quality\n\n");
    let rows: Vec<Vec<String>> = quality_rows(r)
        .into_iter()
        .map(|row| row.into_iter().collect())
        .collect();
    if rows.is_empty() {
        out.push_str(&format!("{}\n\n", r.headline.quality_sentence));
    } else {
        out.push_str(&table(
            &["measure", "value", "95% CI", "what it means"],
            rows,
        ));
        out.push_str("\n\n");
    }
}

fn scatter(r: &ReportData, out: &mut String) {
    for p in r.scatter.iter().filter(|p| !p.points.is_empty()) {
        out.push_str(&format!("## {}\n\n", p.title));
        let beyond: String = if p.beyond > 0 {
            format!(
                " {} of the points lie beyond ±{} ({}; the HTML plot draws them on its edge and \
counts them by edge).",
                count(p.beyond),
                num(Some(p.limit), 0),
                p.beyond_words()
            )
        } else {
            String::new()
        };
        match &p.fit {
            Some(l) => out.push_str(&format!(
                "{} points; least-squares line {}; r = {}.{beyond} (The HTML report draws the scatter plot.)\n\n",
                count(p.points.len()),
                line_equation(l.intercept, l.slope, &p.y_label, &format!(" × {}", p.x_label)),
                num(p.r, 3)
            )),
            None => out.push_str(&format!(
                "{} points; no line can be fitted.{beyond}\n\n",
                count(p.points.len())
            )),
        }
    }
}

fn multiples(r: &ReportData, out: &mut String) {
    let m = &r.multiples;
    if m.panels.is_empty() {
        return;
    }
    out.push_str(&format!("## Contexts side by side\n\n{}\n\n", m.rule));
    let target: bool = m
        .panels
        .iter()
        .any(|p| p.rows.iter().any(|a| a.target.is_some()));
    for p in &m.panels {
        out.push_str(&format!(
            "**{}** ({}, r = {}): {}\n\n",
            md_cell(p.context.as_str()),
            p.group.label(),
            num(p.r, 2),
            md_cell(p.question.as_deref().unwrap_or(""))
        ));
        let mut header: Vec<&str> = vec!["attribute", "learned", "reported"];
        if target {
            header.push("target");
        }
        let rows: Vec<Vec<String>> = p
            .rows
            .iter()
            .map(|a| {
                let mut v: Vec<String> = vec![
                    md_cell(&a.name),
                    num(Some(a.learned), 0),
                    num(Some(a.reported), 0),
                ];
                if target {
                    v.push(num(a.target, 0));
                }
                v
            })
            .collect();
        out.push_str(&table(&header, rows));
        out.push_str("\n\n");
    }
}

fn histogram(r: &ReportData, out: &mut String) {
    out.push_str("## Per-context r (reported vs learned)\n\n```text\n");
    let max: usize = r
        .histogram
        .bins
        .iter()
        .map(|b| b.count)
        .max()
        .unwrap_or(0)
        .max(1);
    for b in &r.histogram.bins {
        let bar: String = "█".repeat((b.count * 40).div_ceil(max));
        out.push_str(&format!(
            "[{:>5}, {:>5}) {:>4} {}\n",
            num(Some(b.lo), 1),
            num(Some(b.hi), 1),
            b.count,
            bar
        ));
    }
    out.push_str(&format!(
        "undefined   {:>4}\n```\n\n",
        r.histogram.undefined
    ));
}

/// Weights one per line, aligned with the attribute column.
fn lines(w: Option<&crate::types::Weights>) -> String {
    match w {
        Some(w) => {
            w.0.iter()
                .map(|v| num(Some(*v), 0))
                .collect::<Vec<String>>()
                .join("<br>")
        }
        None => MISSING.to_string(),
    }
}

fn context_row(c: &ContextLine<'_>, instilled: bool) -> Vec<String> {
    let s = c.scores;
    let id: String = md_cell(s.id.as_str());
    let names: String = if c.names.attributes.is_empty() {
        MISSING.to_string()
    } else {
        c.names
            .attributes
            .iter()
            .map(|a| md_cell(a))
            .collect::<Vec<String>>()
            .join("<br>")
    };
    let mut v: Vec<String> = vec![
        if c.at_chance() {
            format!("**{id}** ⚠")
        } else {
            id
        },
        names,
        lines(c.learned()),
        lines(s.reported.as_ref()),
    ];
    if instilled {
        v.push(lines(s.target.as_ref()));
    }
    v.push(num(s.per_context_r, 2));
    v.push(format!("{}/{}", s.n_reports_valid, s.n_reports));
    v.push(format!("{}/{}", s.n_trials, s.n_choices));
    if instilled {
        v.push(pct(s.choice_agreement));
    }
    v.extend(context_cells(c));
    v
}

fn contexts(r: &ReportData, out: &mut String) {
    out.push_str(
        "## Contexts\n\nLearned weights are scaled so the largest |w| is 100; reported weights are the \
mean of the context's valid reports, as given. Contexts marked ⚠ are fitted at chance: their options do not predict choices significantly better than the letter alone (likelihood-ratio test at 5%).\n\n",
    );
    let instilled: bool = r.summary.contexts.iter().any(|c| c.target.is_some());
    let mut header: Vec<&str> = if instilled {
        vec![
            "context",
            "attribute",
            "learned",
            "reported",
            "target",
            "r",
            "valid reports",
            "choices fitted",
            "agrees with target",
        ]
    } else {
        vec![
            "context",
            "attribute",
            "learned",
            "reported",
            "r",
            "valid reports",
            "choices fitted",
        ]
    };
    header.extend(CONTEXT_HEADERS);
    let rows: Vec<Vec<String>> = r
        .context_rows()
        .map(|c| context_row(&c, instilled))
        .collect();
    out.push_str(&table(&header, rows));
    out.push_str("\n\n");
}

fn status_table(rows: &[StatusRow]) -> String {
    table(
        &[
            "status",
            "count",
            "share",
            "counted in the score",
            "examples",
        ],
        rows.iter()
            .map(|s| {
                let ex: Vec<String> = s
                    .examples
                    .iter()
                    .map(|e| {
                        format!(
                            "<code>{}{}</code> ({} #{})",
                            md_cell(&e.response),
                            if e.truncated { "…" } else { "" },
                            md_cell(e.context.as_str()),
                            e.index
                        )
                    })
                    .collect();
                vec![
                    s.label.clone(),
                    count(s.count),
                    pct(s.share),
                    s.used.clone(),
                    ex.join("<br>"),
                ]
            })
            .collect(),
    )
}

fn failures(r: &ReportData, out: &mut String) {
    out.push_str("## Parsing\n\n### Choices\n\n");
    out.push_str(&status_table(&r.failures.choices));
    out.push_str("\n\n### Reports\n\n");
    out.push_str(&status_table(&r.failures.reports));
    out.push_str("\n\n");
    if let Some(note) = &r.failures.reports_unknown {
        out.push_str(&format!("{note}\n\n"));
    }
}

fn position(r: &ReportData, out: &mut String) {
    let p = &r.position_bias;
    out.push_str("## Position bias\n\n");
    out.push_str(&format!(
        "P(answer A) = {} over all parsed choices (0.5 = no preference for a position).",
        proportion(p.p_answer_a)
    ));
    out.push_str(&order_shares(r));
    out.push_str(&format!("\n\n{}\n\n", intercept_sentence(r)));
}

fn tokens(r: &ReportData, out: &mut String) {
    let t = &r.tokens;
    out.push_str("## Tokens and cost\n\n");
    out.push_str(&format!(
        "{} input and {} output tokens ({} of {} samples carried counts). ",
        count_u64(t.input),
        count_u64(t.output),
        count(t.samples_counted),
        count(t.samples)
    ));
    match (t.cost_usd, t.prices) {
        (Some(c), Some(p)) => out.push_str(&format!(
            "Cost ${c:.4} at ${} / ${} per million input / output tokens.\n\n",
            num(Some(p.input_per_mtok), 2),
            num(Some(p.output_per_mtok), 2)
        )),
        _ => {
            out.push_str(&md_cell(&no_cost(
                &r.title.provider,
                t.local_server.as_deref(),
            )));
            out.push_str("\n\n");
        }
    }
}

fn reproducibility(r: &ReportData, out: &mut String) {
    out.push_str("## Reproducibility\n\n");
    let rows: Vec<Vec<String>> = reproducibility_lines(r)
        .into_iter()
        .map(|(k, v)| vec![k.to_string(), md_cell(&v)])
        .collect();
    out.push_str(&table(&["", "value"], rows));
    out.push('\n');
}

/// The Markdown report's sections, in order.
const SECTIONS: &[Section] = &[
    headline,
    comparisons,
    super::privileged::markdown,
    observer,
    quality,
    scatter,
    histogram,
    multiples,
    contexts,
    failures,
    position,
    tokens,
    reproducibility,
];

impl Exporter for MarkdownExporter {
    fn extension(&self) -> &'static str {
        "md"
    }

    fn render(&self, r: &ReportData) -> String {
        render_sections(r, SECTIONS)
    }
}
