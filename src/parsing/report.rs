//! Parsing a weight report.
//!
//! A report is valid when, after trimming and removing one surrounding Markdown code fence
//! (a first line starting with three backticks, e.g. "```json", and a last line of three
//! backticks), the text is one JSON object whose keys are exactly the five attribute names
//! and whose values are all finite JSON numbers. Statuses, checked in this order:
//!
//! | status        | meaning                                                               |
//! |---------------|-----------------------------------------------------------------------|
//! | `empty`       | nothing but whitespace (or an empty code fence)                        |
//! | `not_json`    | not parseable as JSON (also trailing text after the object)            |
//! | `not_object`  | JSON, but not an object                                                 |
//! | `missing_keys`| at least one attribute name is absent (whatever else is present)       |
//! | `extra_keys`  | all names present, plus others                                          |
//! | `non_numeric` | a value is not a JSON number (strings such as `"50"` included: no guessing) |
//! | `non_finite`  | a value is `NaN`, `Infinity` or a number too large for an `f64`        |
//! | `implausible_magnitude` | a value beyond ±[`IMPLAUSIBLE_MAGNITUDE`]: no reading of the prompt allows it |
//! | `valid`       | exactly the five names with finite numbers                              |
//!
//! Values outside [`REPORT_RANGE`] and within the bound are kept unchanged and flagged with
//! `out_of_range`; they are never clipped. Keys are matched exactly (case-sensitive). A duplicated key
//! keeps its last value (serde_json's behaviour).

use crate::types::{N_ATTR, Weights};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The scale the report prompt asks for: -100..=100.
pub const REPORT_RANGE: (f64, f64) = (-100.0, 100.0);

/// The largest magnitude a reported weight can have under any reading of the prompt. The
/// prompt asks for -100..100 and shows the options' attribute values; a model that answers in
/// an attribute's own units (SmolLM2-135M copies attribute values into its reports) writes at
/// most the largest number a prompt shows, 100,000 in benchmark v1 (`welcome_bonus`). Ten
/// times that is the bound: a report with a value beyond it (1e20, 1e160, 1e308) is
/// `implausible_magnitude`, invalid, and leaves the score as other invalid reports do;
/// values within it keep every statistic far from overflow (their squares stay below 1e12).
pub const IMPLAUSIBLE_MAGNITUDE: f64 = 1e6;

/// Whether every value is within ±[`IMPLAUSIBLE_MAGNITUDE`] (`NaN` is not).
pub fn plausible(w: &[f64]) -> bool {
    w.iter().all(|v| v.abs() <= IMPLAUSIBLE_MAGNITUDE)
}

/// How a report was parsed. Serializes as a snake_case string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Exactly the five attribute names, each with a finite number.
    Valid,
    /// Not parseable as JSON (trailing text after the object included).
    NotJson,
    /// JSON, but not an object.
    NotObject,
    /// At least one attribute name is absent.
    MissingKeys,
    /// All five names, plus others.
    ExtraKeys,
    /// A value is not a JSON number (`"50"` included).
    NonNumeric,
    /// A value is `NaN`, infinite, or too large for an `f64`.
    NonFinite,
    /// Nothing but whitespace (or an empty code fence).
    Empty,
    /// A value beyond ±`IMPLAUSIBLE_MAGNITUDE`.
    ImplausibleMagnitude,
}

impl ReportStatus {
    /// All statuses, in declaration order.
    pub const ALL: [ReportStatus; 9] = [
        ReportStatus::Valid,
        ReportStatus::NotJson,
        ReportStatus::NotObject,
        ReportStatus::MissingKeys,
        ReportStatus::ExtraKeys,
        ReportStatus::NonNumeric,
        ReportStatus::NonFinite,
        ReportStatus::Empty,
        ReportStatus::ImplausibleMagnitude,
    ];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Valid => "valid",
            ReportStatus::NotJson => "not_json",
            ReportStatus::NotObject => "not_object",
            ReportStatus::MissingKeys => "missing_keys",
            ReportStatus::ExtraKeys => "extra_keys",
            ReportStatus::NonNumeric => "non_numeric",
            ReportStatus::NonFinite => "non_finite",
            ReportStatus::Empty => "empty",
            ReportStatus::ImplausibleMagnitude => "implausible_magnitude",
        }
    }
}

/// The result of parsing one report. `weights` is `Some` exactly when `status` is `valid`;
/// `out_of_range` is true when a valid report has a value outside [`REPORT_RANGE`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParsedReport {
    /// The five weights in attribute order, for a valid report (kept as given, not clipped).
    pub weights: Option<Weights>,
    /// Valid, or why not.
    pub status: ReportStatus,
    /// A valid report with a value outside `REPORT_RANGE`.
    pub out_of_range: bool,
}

impl ParsedReport {
    fn invalid(status: ReportStatus) -> ParsedReport {
        ParsedReport {
            weights: None,
            status,
            out_of_range: false,
        }
    }
}

/// Remove one surrounding Markdown code fence, if the text has one.
fn strip_code_fence(t: &str) -> &str {
    let Some(rest) = t.strip_prefix("```") else {
        return t;
    };
    // Drop the info string ("json") up to the end of the first line.
    let body: &str = match rest.find('\n') {
        Some(i) => &rest[i + 1..],
        None => rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric()),
    };
    body.trim_end().strip_suffix("```").unwrap_or(body).trim()
}

/// A string no model writes (it starts and ends with NUL), and its JSON spelling.
const NON_FINITE_MARK: &str = "\u{0}non_finite\u{0}";
const NON_FINITE_MARK_JSON: &str = r#""\u0000non_finite\u0000""#;

/// Replace, outside JSON strings, bare `NaN`/`Infinity`/`inf` tokens and number literals that
/// overflow `f64` with a marker string, so that such a report can be told apart from one that
/// is not JSON at all. Returns `None` when there was nothing to replace.
fn mark_non_finite(t: &str) -> Option<String> {
    let mut out: String = String::with_capacity(t.len() + 16);
    let mut replaced: bool = false;
    let mut in_string: bool = false;
    let mut escaped: bool = false;
    let mut token: String = String::new();
    let flush = |token: &mut String, out: &mut String, replaced: &mut bool| {
        if token.is_empty() {
            return;
        }
        let bare: &str = token.trim_start_matches(['+', '-']);
        let named: bool = ["nan", "infinity", "inf"]
            .iter()
            .any(|n| bare.eq_ignore_ascii_case(n));
        let overflow: bool = token.parse::<f64>().is_ok_and(|v| v.is_infinite())
            && token.bytes().any(|b| b.is_ascii_digit());
        if named || overflow {
            out.push_str(NON_FINITE_MARK_JSON);
            *replaced = true;
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for c in t.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.') {
            token.push(c);
        } else {
            flush(&mut token, &mut out, &mut replaced);
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    flush(&mut token, &mut out, &mut replaced);
    replaced.then_some(out)
}

fn classify_object(obj: &Map<String, Value>, names: &[&str]) -> ParsedReport {
    if names.iter().any(|n| !obj.contains_key(*n)) {
        return ParsedReport::invalid(ReportStatus::MissingKeys);
    }
    if obj.keys().any(|k| !names.contains(&k.as_str())) {
        return ParsedReport::invalid(ReportStatus::ExtraKeys);
    }
    let mut w: [f64; N_ATTR] = [0.0; N_ATTR];
    let mut non_finite: bool = false;
    for (slot, name) in w.iter_mut().zip(names) {
        match &obj[*name] {
            Value::Number(num) => match num.as_f64() {
                Some(v) if v.is_finite() => *slot = v,
                _ => non_finite = true,
            },
            Value::String(s) if s == NON_FINITE_MARK => non_finite = true,
            _ => return ParsedReport::invalid(ReportStatus::NonNumeric),
        }
    }
    if non_finite {
        return ParsedReport::invalid(ReportStatus::NonFinite);
    }
    if !plausible(&w) {
        return ParsedReport::invalid(ReportStatus::ImplausibleMagnitude);
    }
    let out_of_range: bool = w.iter().any(|v| *v < REPORT_RANGE.0 || *v > REPORT_RANGE.1);
    ParsedReport {
        weights: Some(Weights(w)),
        status: ReportStatus::Valid,
        out_of_range,
    }
}

/// Parse a model's weight report against the context's attribute names (in attribute order).
///
/// Total on `text`: never panics on any string.
///
/// # Panics
/// If `names.len() != N_ATTR` or the names are not distinct (a programming error, not bad
/// model output).
pub fn parse_report(text: &str, names: &[&str]) -> ParsedReport {
    assert_eq!(
        names.len(),
        N_ATTR,
        "a context has exactly {N_ATTR} attribute names"
    );
    for (i, n) in names.iter().enumerate() {
        assert!(
            !names[..i].contains(n),
            "attribute names must be distinct: {n}"
        );
    }
    let t: &str = strip_code_fence(text.trim());
    if t.is_empty() {
        return ParsedReport::invalid(ReportStatus::Empty);
    }
    let value: Value = match serde_json::from_str::<Value>(t) {
        Ok(v) => v,
        Err(_) => match mark_non_finite(t).and_then(|m| serde_json::from_str::<Value>(&m).ok()) {
            Some(v) => v,
            None => return ParsedReport::invalid(ReportStatus::NotJson),
        },
    };
    match &value {
        Value::Object(obj) => classify_object(obj, names),
        _ => ParsedReport::invalid(ReportStatus::NotObject),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 5] = ["price", "speed", "comfort", "safety", "range_km"];

    fn status(text: &str) -> ReportStatus {
        parse_report(text, &NAMES).status
    }

    #[test]
    fn valid_and_fenced() {
        let j = r#"{"price": -50, "speed": 10.5, "comfort": 0, "safety": 100, "range_km": -100}"#;
        let p = parse_report(j, &NAMES);
        assert_eq!(p.status, ReportStatus::Valid);
        assert_eq!(p.weights, Some(Weights([-50.0, 10.5, 0.0, 100.0, -100.0])));
        assert!(!p.out_of_range);
        let fenced = format!("```json\n{j}\n```\n");
        assert_eq!(parse_report(&fenced, &NAMES), p);
        assert_eq!(parse_report(&format!("```\n{j}\n```"), &NAMES), p);
        // Key order does not matter.
        let j2 = r#"{"range_km": -100, "price": -50, "speed": 10.5, "comfort": 0, "safety": 100}"#;
        assert_eq!(parse_report(j2, &NAMES), p);
    }

    #[test]
    fn out_of_range_kept() {
        let j = r#"{"price": -150, "speed": 1, "comfort": 0, "safety": 100, "range_km": 1}"#;
        let p = parse_report(j, &NAMES);
        assert_eq!(p.status, ReportStatus::Valid);
        assert!(p.out_of_range);
        assert_eq!(p.weights.unwrap().0[0], -150.0);
    }

    #[test]
    fn magnitudes_no_reading_of_the_prompt_allows_are_their_own_status() {
        let at = |v: &str| {
            parse_report(
                &format!(
                    r#"{{"price": {v}, "speed": 1, "comfort": 0, "safety": 100, "range_km": 1}}"#
                ),
                &NAMES,
            )
        };
        for v in ["1e20", "-1e160", "1e308", "1000000.5"] {
            let p = at(v);
            assert_eq!(p.status, ReportStatus::ImplausibleMagnitude, "{v}");
            assert_eq!(p.weights, None, "{v}");
        }
        // Off the scale but within the bound: valid, kept as given, flagged.
        for v in ["47645", "-1000000"] {
            let p = at(v);
            assert_eq!(p.status, ReportStatus::Valid, "{v}");
            assert!(p.out_of_range, "{v}");
        }
        // Beyond an f64 it is still non_finite.
        assert_eq!(at("1e309").status, ReportStatus::NonFinite);
    }

    #[test]
    fn statuses() {
        use ReportStatus::*;
        assert_eq!(status(""), Empty);
        assert_eq!(status("```json\n```"), Empty);
        assert_eq!(status("I weighted price most"), NotJson);
        assert_eq!(status(r#"{"price": 1} and more"#), NotJson);
        assert_eq!(status("[1,2,3,4,5]"), NotObject);
        assert_eq!(status("42"), NotObject);
        assert_eq!(
            status(r#"{"price": 1, "speed": 1, "comfort": 1, "safety": 1}"#),
            MissingKeys
        );
        assert_eq!(
            status(r#"{"Price": 1, "speed": 1, "comfort": 1, "safety": 1, "range_km": 1}"#),
            MissingKeys
        );
        assert_eq!(
            status(r#"{"price": 1, "speed": 1, "comfort": 1, "safety": 1, "range_km": 1, "x": 0}"#),
            ExtraKeys
        );
        // Every key present; only the price's value varies.
        for (price, expected) in [
            (r#""1""#, NonNumeric),
            ("null", NonNumeric),
            ("NaN", NonFinite),
            ("-Infinity", NonFinite),
            ("1e999", NonFinite),
            // A string that merely mentions NaN stays a string.
            (r#""NaN""#, NonNumeric),
        ] {
            let text = format!(
                r#"{{"price": {price}, "speed": 1, "comfort": 1, "safety": 1, "range_km": 1}}"#
            );
            assert_eq!(status(&text), expected, "{text}");
        }
    }

    #[test]
    fn status_serializes_snake_case() {
        assert_eq!(
            serde_json::to_string(&ReportStatus::MissingKeys).unwrap(),
            "\"missing_keys\""
        );
        for s in ReportStatus::ALL {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
    }
}
