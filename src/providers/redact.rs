//! The forms in which a server may echo a key back in an error body, besides the key itself:
//! base64 (as in a `Basic` header, at any alignment inside a longer encoding, standard or
//! URL-safe alphabet), percent-encoded, without its `sk-`-style prefix, and its last eight
//! characters (how dashboards mask keys). [`super::common::redact`] removes every one.

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n: u32 = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(STD[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The part of the key's base64 that is the same wherever it sits in a longer encoding:
/// for each of the three alignments, the characters that depend only on the key's bytes.
fn base64_cores(key: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for offset in 0..3usize {
        let mut padded: Vec<u8> = vec![0; offset];
        padded.extend_from_slice(key);
        let enc: String = base64(&padded);
        // Leading characters mix in the padding bytes; the last group may mix in what follows.
        let skip: usize = if offset == 0 { 0 } else { 4 };
        let end: usize = enc.len().saturating_sub(4);
        if end > skip + 8 {
            let core: String = enc[skip..end].to_string();
            out.push(core.replace('+', "-").replace('/', "_"));
            out.push(core);
        }
    }
    out
}

/// Every echo form of `key` worth redacting (each at least 8 characters long).
pub fn echoes(key: &str) -> Vec<String> {
    let mut out: Vec<String> = base64_cores(key.as_bytes());
    out.push(base64(key.as_bytes()).trim_end_matches('=').to_string());
    // Percent-encoded: every byte, and only the bytes outside the unreserved set.
    let every: String = key.bytes().map(|b| format!("%{b:02X}")).collect();
    out.push(every.to_lowercase());
    out.push(every);
    let reserved: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._~".contains(c) {
                c.to_string()
            } else {
                c.to_string().bytes().map(|b| format!("%{b:02X}")).collect()
            }
        })
        .collect();
    out.push(reserved);
    // Without its prefix: whatever follows each `-` or `_` (sk-, sk-ant-, sk-proj-...).
    for (i, c) in key.char_indices() {
        if (c == '-' || c == '_') && key.len() - i > 12 {
            out.push(key[i + 1..].to_string());
        }
    }
    // The last eight characters, for keys long enough that they identify the key.
    if key.len() >= 20 && key.is_char_boundary(key.len() - 8) {
        out.push(key[key.len() - 8..].to_string());
    }
    out.retain(|f| f.len() >= 8 && f != key);
    // Longest first, so a short form never splits a longer one before it is replaced.
    out.sort_by_key(|f| std::cmp::Reverse(f.len()));
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b"user:sk-abc"), "dXNlcjpzay1hYmM=");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }
}
