//! Reports of one run bundle, in Markdown, JSON or a self-contained HTML page.
//!
//! [`load::load`] reads and re-scores a bundle, [`data::build`] computes everything a report
//! shows into a [`ReportData`], and one [`Exporter`] per [`Format`] renders it. Keeping the
//! content in one place means the formats cannot disagree on a figure.

pub mod data;
pub mod diagnosis;
pub mod figures;
pub mod html;
pub mod json;
pub mod load;
pub mod markdown;
pub mod multiples;
pub mod privileged;
pub mod quality;
pub mod sentences;
pub mod status;
pub mod svg;
pub mod terminal;
pub mod text;

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Md,
    Json,
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
