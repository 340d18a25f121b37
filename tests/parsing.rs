//! Parsing: totality on arbitrary strings and the documented forms.

use proptest::prelude::*;
use selfinterp::parsing::{ChoiceStatus, ReportStatus, parse_choice, parse_report};
use selfinterp::types::{Choice, Weights};

const NAMES: [&str; 5] = [
    "price_usd",
    "distance_km",
    "rating",
    "wait_minutes",
    "noise_db",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn choice_parsing_never_panics_and_is_consistent(text in any::<String>()) {
        let p = parse_choice(&text);
        prop_assert_eq!(p.choice.is_some(), p.status.is_valid());
    }

    #[test]
    fn report_parsing_never_panics_and_is_consistent(text in any::<String>()) {
        let p = parse_report(&text, &NAMES);
        prop_assert_eq!(p.weights.is_some(), p.status == ReportStatus::Valid);
        prop_assert!(!p.out_of_range || p.status == ReportStatus::Valid);
    }

    #[test]
    fn report_parsing_never_panics_on_json_like_text(
        text in r#"(```(json)?\n)?\{("(price_usd|distance_km|rating|wait_minutes|noise_db|x)": ?(-?[0-9]{1,4}(\.[0-9]+)?(e[0-9]{1,3})?|NaN|"[a-z]*"|null|\[\]|Infinity),? ?){0,7}\}(\n```)?"#
    ) {
        let p = parse_report(&text, &NAMES);
        prop_assert_eq!(p.weights.is_some(), p.status == ReportStatus::Valid);
    }

    #[test]
    fn valid_reports_round_trip(w in proptest::array::uniform5(-1000.0f64..1000.0)) {
        let obj: serde_json::Map<String, serde_json::Value> =
            NAMES.iter().zip(w).map(|(n, v)| (n.to_string(), serde_json::json!(v))).collect();
        let text = serde_json::to_string(&obj).unwrap();
        let p = parse_report(&text, &NAMES);
        prop_assert_eq!(p.status, ReportStatus::Valid);
        prop_assert_eq!(p.weights, Some(Weights(w)));
        prop_assert_eq!(p.out_of_range, w.iter().any(|v| v.abs() > 100.0));
    }
}

#[test]
fn tolerant_choice_forms_have_their_own_statuses() {
    let cases: [(&str, Option<Choice>, ChoiceStatus); 9] = [
        ("A", Some(Choice::A), ChoiceStatus::Exact),
        ("B\n", Some(Choice::B), ChoiceStatus::Whitespace),
        ("B.", Some(Choice::B), ChoiceStatus::TrailingPeriod),
        ("Option A", Some(Choice::A), ChoiceStatus::OptionPrefix),
        ("**B**", Some(Choice::B), ChoiceStatus::Bold),
        ("", None, ChoiceStatus::Empty),
        ("I would choose A", None, ChoiceStatus::Invalid),
        ("a", None, ChoiceStatus::Invalid),
        ("A\nB", None, ChoiceStatus::Invalid),
    ];
    for (text, choice, status) in cases {
        let p = parse_choice(text);
        assert_eq!((p.choice, p.status), (choice, status), "{text:?}");
    }
    assert_eq!(
        serde_json::to_string(&ChoiceStatus::TrailingPeriod).unwrap(),
        "\"trailing_period\""
    );
}

#[test]
fn fenced_report_with_out_of_range_value_is_kept_and_flagged() {
    let text = "```json\n{\"price_usd\": -120, \"distance_km\": 40, \"rating\": 100, \"wait_minutes\": -5.5, \"noise_db\": 0}\n```";
    let p = parse_report(text, &NAMES);
    assert_eq!(p.status, ReportStatus::Valid);
    assert!(p.out_of_range);
    assert_eq!(p.weights, Some(Weights([-120.0, 40.0, 100.0, -5.5, 0.0])));
}
