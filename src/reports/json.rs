//! The JSON report: [`ReportData`] as one pretty-printed object, full precision, for tools.

use super::Exporter;
use super::data::ReportData;

pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn extension(&self) -> &'static str {
        "json"
    }

    fn render(&self, r: &ReportData) -> String {
        let mut s: String = serde_json::to_string_pretty(r).expect("report serialises");
        s.push('\n');
        s
    }
}
