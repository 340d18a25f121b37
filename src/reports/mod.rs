//! Reports of one run bundle, in Markdown, JSON or a self-contained HTML page.
//!
//! [`load::load`] reads and re-scores a bundle, [`data::build`] computes everything a report
//! shows into a [`ReportData`], and one [`Exporter`] per [`Format`] renders it. Keeping the
//! content in one place means the formats cannot disagree on a figure.

pub(crate) mod data;
pub(crate) mod diagnosis;
pub(crate) mod figures;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod load;
pub(crate) mod markdown;
pub(crate) mod multiples;
pub(crate) mod nobreak;
pub(crate) mod observer;
pub(crate) mod privileged;
pub(crate) mod quality;
pub(crate) mod sentences;
pub(crate) mod status;
pub(crate) mod svg;
pub(crate) mod terminal;
pub(crate) mod text;
pub(crate) mod title;
pub(crate) mod verdict;

pub use data::{Prices, ReportData, ReportOptions, build};
pub use load::{Scored, load};

/// Renders a report in one format.
pub trait Exporter {
    /// The usual file extension of the format.
    fn extension(&self) -> &'static str;
    /// The whole document. Deterministic: the same data gives the same bytes.
    fn render(&self, report: &ReportData) -> String;
}

/// One part of a document, appended to the text so far.
pub type Section = fn(&ReportData, &mut String);

/// A document made of `sections`, in order.
pub fn render_sections(r: &ReportData, sections: &[Section]) -> String {
    let mut out: String = String::new();
    for section in sections {
        section(r, &mut out);
    }
    out
}

/// A report's format (`selfinterp report --format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Markdown.
    Md,
    /// One JSON object: the report's data.
    Json,
    /// One self-contained HTML page.
    Html,
}

/// The exporter of a format.
pub fn exporter(format: Format) -> Box<dyn Exporter> {
    match format {
        Format::Md => Box::new(markdown::MarkdownExporter),
        Format::Json => Box::new(json::JsonExporter),
        Format::Html => Box::new(html::HtmlExporter),
    }
}
