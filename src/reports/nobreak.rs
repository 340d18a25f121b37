//! Where a line of a page may break. A narrow screen must not split a number from what it
//! counts ("100" over "contexts"), a product of counts ("100 × 10,000 ×" over "1,000"), an
//! interval ("[-1," over "1]"), an equation ("1" over "= same scale") or a mark from what it
//! marks ("2026-11-27" over "‡"), nor end a line with a lone "·" separator: the separator
//! starts the next line instead. Those spaces become no-break spaces (U+00A0); every other
//! space still lets the line break. Used on the leaderboard's HTML pages and the viewer's
//! index, before escaping (an escaper leaves U+00A0 alone).

/// The no-break space.
pub const NBSP: char = '\u{a0}';

/// Whether the space between `before` and `after` must not break, `in_brackets` when an
/// interval's "[" is still open.
fn glued(before: char, after: char, in_brackets: bool) -> bool {
    let number_end: bool = before.is_ascii_digit() || before == '%';
    match (before, after) {
        // A separator starts the next line, never ends one.
        ('·', _) => true,
        (_, '·') => false,
        // "100 contexts", "95% CI", "100 × 10,000", "1 = same".
        _ if number_end && (after.is_alphabetic() || matches!(after, '×' | '=')) => true,
        // "× 10,000", "p = 0.034", "p < 0.001", "r = –".
        ('×' | '=' | '<', _) | (_, '=' | '<') => true,
        // The mark after a date or a rank.
        (_, '‡' | '≈') => true,
        // "[-0.131, 0.047]".
        (',', _) => in_brackets,
        _ => false,
    }
}

/// `text` escaped for HTML, its spaces that must not break turned into no-break spaces
/// ([`nobreak`]): the text of the leaderboard's pages and the viewer's.
pub fn html_nobreak(text: &str) -> String {
    super::text::html(&nobreak(text))
}

/// `text` with the spaces that must not break replaced by [`NBSP`].
pub fn nobreak(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out: String = String::with_capacity(text.len() + 8);
    let mut depth: i32 = 0;
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => {}
        }
        let around: Option<(char, char)> = match (i.checked_sub(1), chars.get(i + 1)) {
            (Some(p), Some(&n)) if c == ' ' => Some((chars[p], n)),
            _ => None,
        };
        match around {
            Some((before, after)) if glued(before, after, depth > 0) => out.push(NBSP),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(s: &str) -> String {
        nobreak(s).replace(NBSP, "_")
    }

    #[test]
    fn numbers_stay_with_their_units_and_separators_start_a_line() {
        assert_eq!(
            shown("native · benchmark v1 · 100 contexts × 100 pairs × 10 reports · unconstrained"),
            "native ·_benchmark v1 ·_100_contexts ×_100_pairs ×_10_reports ·_unconstrained"
        );
        assert_eq!(shown("100 × 10,000 × 1,000"), "100_×_10,000_×_1,000");
        assert_eq!(
            shown("95% CI [-0.131, 0.047], p = 0.0005"),
            "95%_CI [-0.131,_0.047], p_=_0.0005"
        );
        assert_eq!(shown("p < 0.001, Holm"), "p_<_0.001, Holm");
        assert_eq!(shown("2026-11-27 ‡"), "2026-11-27_‡");
        // Elsewhere a comma's space still breaks; so do words and hyphens.
        assert_eq!(
            shown("Q4_1, llama.cpp server, 20 pairs"),
            "Q4_1, llama.cpp server, 20_pairs"
        );
        assert_eq!(
            shown("calibration slope (1 = same scale)"),
            "calibration slope (1_=_same scale)"
        );
        assert_eq!(shown(""), "");
        assert_eq!(shown(" · "), " · ");
    }
}
