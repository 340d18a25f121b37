//! The one timestamp format of bundles and journals: RFC 3339 in UTC with milliseconds and
//! a `Z` (`2026-12-07T00:31:02.417Z`), so every time a bundle records sorts and compares as
//! text and reads the same whoever wrote it (a run, an import, a lock).

/// Now, as bundles record it.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_with_milliseconds_and_z() {
        let t: String = now_rfc3339();
        assert_eq!(t.len(), "2026-12-07T00:31:02.417Z".len(), "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[19] == b'.', "{t}");
        chrono::DateTime::parse_from_rfc3339(&t).unwrap();
    }
}
