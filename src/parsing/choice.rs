//! Parsing a choice answer.
//!
//! Accepted forms, tried in this order on the raw text (`X` is an upper-case `A` or `B`):
//!
//! | status            | form                                                         |
//! |-------------------|--------------------------------------------------------------|
//! | `exact`           | exactly `X`                                                  |
//! | `whitespace`      | `X` with surrounding whitespace (spaces, tabs, newlines)     |
//! | `trailing_period` | `X.` (surrounding whitespace allowed)                        |
//! | `option_prefix`   | `Option X` or `Option X.` ("option" in any case, one or more spaces) |
//! | `bold`            | `**X**`, `**X.**` or `**X**.` (Markdown bold)                |
//! | `empty`           | nothing but whitespace                                       |
//! | `invalid`         | anything else                                                |
//!
//! Lower-case `a`/`b`, sentences ("I choose A"), or both letters are `invalid`: the parser
//! never guesses.

use crate::types::Choice;
use serde::{Deserialize, Serialize};

/// How a choice answer was parsed. Serializes as a snake_case string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceStatus {
    /// Exactly `A` or `B`.
    Exact,
    /// The letter with surrounding whitespace.
    Whitespace,
    /// The letter and a period (`A.`).
    TrailingPeriod,
    /// `Option A`, `Option B.` (any case of "option").
    OptionPrefix,
    /// Markdown bold: `**A**`, `**A.**` or `**A**.`.
    Bold,
    /// Anything else: no choice is read from it.
    Invalid,
    /// Nothing but whitespace.
    Empty,
}

impl ChoiceStatus {
    /// All statuses, in declaration order.
    pub const ALL: [ChoiceStatus; 7] = [
        ChoiceStatus::Exact,
        ChoiceStatus::Whitespace,
        ChoiceStatus::TrailingPeriod,
        ChoiceStatus::OptionPrefix,
        ChoiceStatus::Bold,
        ChoiceStatus::Invalid,
        ChoiceStatus::Empty,
    ];

    /// True when the status carries a choice (every status but `invalid` and `empty`).
    pub fn is_valid(self) -> bool {
        !matches!(self, ChoiceStatus::Invalid | ChoiceStatus::Empty)
    }

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ChoiceStatus::Exact => "exact",
            ChoiceStatus::Whitespace => "whitespace",
            ChoiceStatus::TrailingPeriod => "trailing_period",
            ChoiceStatus::OptionPrefix => "option_prefix",
            ChoiceStatus::Bold => "bold",
            ChoiceStatus::Invalid => "invalid",
            ChoiceStatus::Empty => "empty",
        }
    }
}

/// The result of parsing one choice answer: `choice` is `Some` exactly when the status is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedChoice {
    /// The letter chosen, for a valid status.
    pub choice: Option<Choice>,
    /// Which accepted form the answer had, or why it is invalid.
    pub status: ChoiceStatus,
}

fn letter(s: &str) -> Option<Choice> {
    match s {
        "A" => Some(Choice::A),
        "B" => Some(Choice::B),
        _ => None,
    }
}

/// `X` or `X.`
fn letter_with_period(s: &str) -> Option<Choice> {
    letter(s).or_else(|| s.strip_suffix('.').and_then(letter))
}

fn option_prefix(s: &str) -> Option<Choice> {
    let head: &str = s.get(..6)?;
    if !head.eq_ignore_ascii_case("option") {
        return None;
    }
    let rest: &str = &s[6..];
    let trimmed: &str = rest.trim_start_matches(' ');
    if trimmed.len() == rest.len() {
        return None;
    }
    letter_with_period(trimmed)
}

fn bold(s: &str) -> Option<Choice> {
    let s: &str = s
        .strip_suffix('.')
        .filter(|t| t.ends_with("**"))
        .unwrap_or(s);
    let inner: &str = s.strip_prefix("**")?.strip_suffix("**")?;
    letter_with_period(inner)
}

/// Whether a character is invisible and carries nothing: zero-width space, joiners, word
/// joiner, byte order mark, soft hyphen.
fn zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}'
    )
}

/// `text` with full-width ASCII forms (`Ａ`, `．`) as ASCII, the ideographic space as a space,
/// and zero-width characters removed; borrowed when there is nothing to change. Tokens of
/// log-probabilities pass through it before they are read as letters ([`letter_token`]).
pub fn fold(text: &str) -> std::borrow::Cow<'_, str> {
    let wide = |c: char| zero_width(c) || ('\u{ff01}'..='\u{ff5e}').contains(&c) || c == '\u{3000}';
    if !text.chars().any(wide) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .filter(|c| !zero_width(*c))
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect::<String>()
        .into()
}

/// The letter a log-probability token stands for: the token folded (`fold`) and read by
/// [`parse_choice`], so `" A"`, `"Ａ"`, `"A\u{200b}"` and `"A."` are all `A` and `"a"` is none.
pub fn letter_token(token: &str) -> Option<Choice> {
    parse_choice(&fold(token)).choice
}

/// Parse a model's answer to a choice prompt. Total: never panics, never guesses.
pub fn parse_choice(text: &str) -> ParsedChoice {
    let make = |choice: Option<Choice>, status: ChoiceStatus| ParsedChoice { choice, status };
    if let Some(c) = letter(text) {
        return make(Some(c), ChoiceStatus::Exact);
    }
    let t: &str = text.trim();
    if t.is_empty() {
        return make(None, ChoiceStatus::Empty);
    }
    if let Some(c) = letter(t) {
        return make(Some(c), ChoiceStatus::Whitespace);
    }
    if let Some(c) = t.strip_suffix('.').and_then(letter) {
        return make(Some(c), ChoiceStatus::TrailingPeriod);
    }
    if let Some(c) = option_prefix(t) {
        return make(Some(c), ChoiceStatus::OptionPrefix);
    }
    if let Some(c) = bold(t) {
        return make(Some(c), ChoiceStatus::Bold);
    }
    make(None, ChoiceStatus::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, choice: Option<Choice>, status: ChoiceStatus) {
        assert_eq!(
            parse_choice(text),
            ParsedChoice { choice, status },
            "{text:?}"
        );
    }

    #[test]
    fn forms() {
        use ChoiceStatus::*;
        check("A", Some(Choice::A), Exact);
        check("B", Some(Choice::B), Exact);
        check(" B\n", Some(Choice::B), Whitespace);
        check("A.", Some(Choice::A), TrailingPeriod);
        check(" B. ", Some(Choice::B), TrailingPeriod);
        check("Option A", Some(Choice::A), OptionPrefix);
        check("option  B.", Some(Choice::B), OptionPrefix);
        check("**A**", Some(Choice::A), Bold);
        check("**B.**", Some(Choice::B), Bold);
        check("**B**.", Some(Choice::B), Bold);
        check("", None, Empty);
        check(" \n\t", None, Empty);
        for bad in [
            "a",
            "b",
            "AB",
            "A or B",
            "I choose A",
            "OptionA",
            "Option",
            "A..",
            "**A",
            "Optiön A",
            "é",
        ] {
            check(bad, None, Invalid);
        }
    }

    #[test]
    fn tokens_fold_full_width_and_zero_width_forms() {
        for (t, want) in [
            ("A", Some(Choice::A)),
            (" B", Some(Choice::B)),
            ("\u{ff21}", Some(Choice::A)),
            ("\u{ff22}\u{ff0e}", Some(Choice::B)),
            ("A\u{200b}", Some(Choice::A)),
            ("\u{feff}B", Some(Choice::B)),
            ("\u{3000}A", Some(Choice::A)),
            ("a", None),
            ("\u{ff41}", None),
            ("AB", None),
            ("", None),
        ] {
            assert_eq!(letter_token(t), want, "{t:?}");
        }
        assert!(matches!(fold("plain"), std::borrow::Cow::Borrowed(_)));
    }
}
