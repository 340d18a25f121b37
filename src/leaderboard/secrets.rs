//! A scan for secret-looking strings (API keys, bearer tokens) in files about to be published.
//! Written by hand (no regex crate); each pattern is deliberately strict about length so that
//! ordinary prose and hashes do not trip it.

/// One suspicious string: 1-based line, what it looks like, and a redacted excerpt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub line: usize,
    pub kind: &'static str,
    pub excerpt: String,
}

fn token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn bearer_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~+/=".contains(&c)
}

/// Length of the run of `ok` bytes starting at `i`.
fn run_len(b: &[u8], i: usize, ok: fn(u8) -> bool) -> usize {
    b[i.min(b.len())..].iter().take_while(|c| ok(**c)).count()
}

fn mixed(s: &[u8]) -> bool {
    s.iter().any(u8::is_ascii_digit) && s.iter().any(u8::is_ascii_alphabetic)
}

/// Shows the first characters only, so the report does not republish the secret.
fn redact(b: &[u8], start: usize, len: usize) -> String {
    let shown: usize = len.min(6);
    format!("{}…", String::from_utf8_lossy(&b[start..start + shown]))
}

/// (prefix, kind, minimum length of the token after the prefix).
const PREFIXED: &[(&str, &str, usize)] = &[
    ("sk-", "API key (sk-...)", 20),
    ("ghp_", "GitHub token", 30),
    ("github_pat_", "GitHub token", 30),
    ("xoxb-", "Slack token", 20),
    ("xoxp-", "Slack token", 20),
    ("hf_", "Hugging Face token", 30),
    ("AKIA", "AWS access key id", 16),
    ("AIza", "Google API key", 30),
];

/// Key names whose assigned value is a secret (`api_key = "..."`, `"x-api-key": "..."`).
const KEY_NAMES: &[&str] = &[
    "api_key",
    "api-key",
    "apikey",
    "access_token",
    "secret_key",
    "client_secret",
    "auth_token",
    "password",
];

/// A finding with its pattern's index and byte offset: sorted by (line, pattern, offset),
/// findings come in the order a scan line by line, pattern by pattern, left to right gives.
type Found = (usize, usize, Finding);

/// Every secret-looking string in `text`, in line order (and, within a line, pattern by
/// pattern, left to right).
///
/// Each pattern is searched for once over the whole text (SIMD substring search; the key
/// names and "bearer" in an ASCII-lowercased copy), not once per line: a run's samples file
/// has tens of thousands of lines, and seventeen searches of each line were a fifth of
/// `validate`'s time. No pattern holds a line break and every check after a match stops at
/// one, so the findings are those of a line-by-line scan (tested against one below).
pub fn scan(text: &str) -> Vec<Finding> {
    let b: &[u8] = text.as_bytes();
    let lower: Vec<u8> = b.to_ascii_lowercase();
    let breaks: Vec<usize> = memchr::memchr_iter(b'\n', b).collect();
    let mut found: Vec<Found> = Vec::new();
    // A finding of pattern `p` spanning bytes pos..end.
    let mut hit = |p: usize, kind: &'static str, pos: usize, end: usize| {
        let line: usize = breaks.partition_point(|&nl| nl < pos) + 1;
        let excerpt: String = redact(b, pos, end - pos);
        found.push((
            p,
            pos,
            Finding {
                line,
                kind,
                excerpt,
            },
        ));
    };
    for (p, &(prefix, kind, min)) in PREFIXED.iter().enumerate() {
        for pos in memchr::memmem::find_iter(b, prefix.as_bytes()) {
            let from: usize = pos + prefix.len();
            if pos > 0 && b[pos - 1].is_ascii_alphanumeric() {
                continue;
            }
            let len: usize = run_len(b, from, token_char);
            if len >= min && mixed(&b[from..from + len]) {
                hit(p, kind, pos, from + len);
            }
        }
    }
    let bearer: usize = PREFIXED.len();
    for pos in memchr::memmem::find_iter(&lower, b"bearer") {
        let from: usize = pos + 6;
        let mut i: usize = from;
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i == from {
            continue;
        }
        let len: usize = run_len(b, i, bearer_char);
        if len >= 16 && mixed(&b[i..i + len]) {
            hit(bearer, "bearer token", pos, i + len);
        }
    }
    for (k, key) in KEY_NAMES.iter().enumerate() {
        for pos in memchr::memmem::find_iter(&lower, key.as_bytes()) {
            let mut i: usize = pos + key.len();
            while i < lower.len() && b" \t\"'".contains(&lower[i]) {
                i += 1;
            }
            if i >= lower.len() || !(lower[i] == b':' || lower[i] == b'=') {
                continue;
            }
            i += 1;
            while i < lower.len() && b" \t\"'".contains(&lower[i]) {
                i += 1;
            }
            let len: usize = run_len(b, i, |c| token_char(c) || c == b'.');
            if len >= 12 && mixed(&b[i..i + len]) {
                hit(bearer + 1 + k, "credential assignment", pos, i + len);
            }
        }
    }
    found.sort_by_key(|(p, pos, f)| (f.line, *p, *pos));
    found.into_iter().map(|(_, _, f)| f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The line-by-line scan that [`scan`] replaced, kept as the reference it must match.
    fn reference_scan(text: &str) -> Vec<Finding> {
        let mut out: Vec<Finding> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            reference_line(line, i + 1, &mut out);
        }
        out
    }

    fn reference_line(line: &str, n: usize, out: &mut Vec<Finding>) {
        let b: &[u8] = line.as_bytes();
        let lower: String = line.to_ascii_lowercase();
        let lb: &[u8] = lower.as_bytes();
        for &(prefix, kind, min) in PREFIXED {
            let mut from: usize = 0;
            while let Some(pos) = line[from..].find(prefix).map(|p| p + from) {
                from = pos + prefix.len();
                if pos > 0 && b[pos - 1].is_ascii_alphanumeric() {
                    continue;
                }
                let len: usize = run_len(b, from, token_char);
                if len >= min && mixed(&b[from..from + len]) {
                    out.push(Finding {
                        line: n,
                        kind,
                        excerpt: redact(b, pos, prefix.len() + len),
                    });
                }
            }
        }
        let mut from: usize = 0;
        while let Some(pos) = lower[from..].find("bearer").map(|p| p + from) {
            from = pos + 6;
            let mut i: usize = from;
            while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
                i += 1;
            }
            if i == from {
                continue;
            }
            let len: usize = run_len(b, i, bearer_char);
            if len >= 16 && mixed(&b[i..i + len]) {
                out.push(Finding {
                    line: n,
                    kind: "bearer token",
                    excerpt: redact(b, pos, i - pos + len),
                });
            }
        }
        for key in KEY_NAMES {
            let mut from: usize = 0;
            while let Some(pos) = lower[from..].find(key).map(|p| p + from) {
                from = pos + key.len();
                let mut i: usize = from;
                while i < lb.len() && b" \t\"'".contains(&lb[i]) {
                    i += 1;
                }
                if i >= lb.len() || !(lb[i] == b':' || lb[i] == b'=') {
                    continue;
                }
                i += 1;
                while i < lb.len() && b" \t\"'".contains(&lb[i]) {
                    i += 1;
                }
                let len: usize = run_len(b, i, |c| token_char(c) || c == b'.');
                if len >= 12 && mixed(&b[i..i + len]) {
                    out.push(Finding {
                        line: n,
                        kind: "credential assignment",
                        excerpt: redact(b, pos, i - pos + len),
                    });
                }
            }
        }
    }

    #[test]
    fn whole_text_search_finds_what_a_line_by_line_scan_finds() {
        // Texts made of pattern fragments, separators, line endings (\n, \r\n, a lone \r),
        // token characters and a multi-byte character, so that matches start lines, end
        // them, repeat, overlap ("AKIAKIA...") and fall just short of a finding.
        let pieces: [&str; 30] = [
            "sk-",
            "ghp_",
            "github_pat_",
            "xoxb-",
            "xoxp-",
            "hf_",
            "AKIA",
            "AKIAKIA",
            "AIza",
            "Bearer ",
            "bearer\t",
            "BEARER",
            "api_key",
            "API-KEY",
            "apikey",
            "Access_Token",
            "password",
            " = ",
            ":",
            "\"",
            "'",
            " ",
            "\n",
            "\r\n",
            "\r",
            "a1B2c3D4e5F6g7H8",
            "0123456789",
            "abcdefghij",
            ".",
            "\u{e9}",
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(19);
        let mut findings: usize = 0;
        for _ in 0..3000 {
            let n: usize = rng.random_range(1..40);
            let text: String = (0..n)
                .map(|_| pieces[rng.random_range(0..pieces.len())])
                .collect();
            let expected: Vec<Finding> = reference_scan(&text);
            findings += expected.len();
            assert_eq!(scan(&text), expected, "{text:?}");
        }
        assert!(
            findings > 500,
            "the texts must produce findings to compare: {findings}"
        );
    }

    #[test]
    fn finds_and_ignores() {
        assert_eq!(scan("key sk-proj-abc123DEF456ghi789JKL0").len(), 1);
        assert_eq!(
            scan("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc").len(),
            1
        );
        assert_eq!(scan("{\"api_key\": \"a1b2c3d4e5f6g7h8\"}").len(), 1);
        assert_eq!(scan("OPENAI_API_KEY=sk-1234567890abcdefghij").len(), 2);
        assert!(scan("the desk-lamp_with_a_very_long_name_1234 is fine").is_empty());
        assert!(
            scan("sha256 1916b0b2f7a93a1cd0a433d238f6956fd5a14958d9c63ae7317e3cd39f870e56")
                .is_empty()
        );
        assert!(scan("a bearer of good news, api_key: see docs").is_empty());
        let f = scan("x\ntoken ghp_abcdefghijklmnopqrstuvwxyz0123456789");
        assert_eq!((f[0].line, f[0].kind), (2, "GitHub token"));
        assert!(!f[0].excerpt.contains("abcdefghij"));
    }
}
