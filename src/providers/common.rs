//! Pieces shared by the HTTP providers: an API key that never prints, error classification
//! (retryable or fatal), `Retry-After` parsing, the shared HTTP client settings and the one
//! send-and-classify path both HTTP clients use ([`send_json`]).
//!
//! Classification lives here so that every provider maps the same failure to the same class:
//! the retry policy in [`super::resilient`] only ever looks at [`ProviderError`].

use super::{ChatResponse, ProviderError};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// An API key. It has no `Display`, no `Serialize`, and its `Debug` prints `[redacted]`, so
/// no log line, error or bundle can contain it by accident; only the providers read it, to
/// set a request header. The forms a server may echo it in are worked out once, here.
#[derive(Clone)]
pub struct ApiKey {
    secret: String,
    /// [`super::redact::echoes`] of the secret.
    forms: Arc<[String]>,
}

impl ApiKey {
    /// A key given directly (the environment is the usual source).
    pub fn new(key: impl Into<String>) -> ApiKey {
        let secret: String = key.into();
        let forms: Arc<[String]> = super::redact::echoes(&secret).into();
        ApiKey { secret, forms }
    }

    /// The key from an environment variable; `None` when unset or blank.
    pub fn from_env(var: &str) -> Option<ApiKey> {
        std::env::var(var)
            .ok()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .map(ApiKey::new)
    }

    /// The secret itself, for building a header. Never format it into a message.
    pub(crate) fn expose(&self) -> &str {
        &self.secret
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

/// Removes the key, and anything shaped like a secret key (`sk-...`), from a message
/// before it can reach an error or a log (servers echo, partly masked, keys in 401 bodies),
/// and the message's control characters before it can reach a terminal.
pub fn redact(text: &str, key: Option<&ApiKey>) -> String {
    super::sanitise::printable(&redact_cow(text, key)).into_owned()
}

/// [`redact`] without the control characters' removal, borrowed when there is nothing to
/// redact (a substring search per form: answers pass through it on a run's hot path).
pub fn redact_cow<'a>(text: &'a str, key: Option<&ApiKey>) -> Cow<'a, str> {
    let key: Option<&ApiKey> = key.filter(|k| k.secret.len() >= 4);
    let keyed =
        |k: &ApiKey| text.contains(&k.secret) || k.forms.iter().any(|f| text.contains(f.as_str()));
    if !text.contains("sk-") && !key.is_some_and(keyed) {
        return Cow::Borrowed(text);
    }
    let mut s = text.to_string();
    if let Some(k) = key {
        s = s.replace(&k.secret, "[redacted]");
        for form in k.forms.iter() {
            s = s.replace(form.as_str(), "[redacted]");
        }
    }
    // Any `sk-` token of 8 or more key-like characters (OpenAI, Anthropic `sk-ant-...`).
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(i) = rest.find("sk-") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*' | '.')))
            .unwrap_or(tail.len());
        if len >= 11 {
            out.push_str("sk-[redacted]");
        } else {
            out.push_str(&tail[..len]);
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Server-requested wait, from `retry-after-ms` (milliseconds, sent by some OpenAI-compatible
/// servers) or `Retry-After` (delta-seconds or an HTTP-date, RFC 9110).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(v, SystemTime::now())
}

/// Parses one `Retry-After` value relative to `now`. A date in the past gives zero.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is valid RFC 2822.
    let date = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let when =
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(date.timestamp().max(0) as u64))?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The server's own error message from a JSON error body (`{"error": {"message": ...}}`,
/// `{"error": "..."}` or `{"message": ...}`), else the start of the body as text.
pub fn server_message(body: &[u8]) -> String {
    let from_json = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            let e = v.get("error").unwrap_or(&v);
            e.get("message")
                .and_then(|m| m.as_str())
                .or_else(|| e.as_str())
                .map(str::to_string)
        });
    let text = from_json.unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string());
    // Control characters (escape sequences) end words, as whitespace does.
    let one_line = text
        .split(|c: char| c.is_whitespace() || super::sanitise::unprintable(c))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if one_line.chars().count() > 300 {
        format!("{}...", one_line.chars().take(300).collect::<String>())
    } else {
        one_line
    }
}

/// Whether a status is worth retrying: 408, 409 (conflict/lock), 425, 429 and all 5xx
/// (including Anthropic's 529 "overloaded"). Every other non-success status is final.
pub fn status_is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 425 | 429)
        || status.is_server_error()
        || status.as_u16() >= 600
}

/// Classifies a non-success HTTP answer. The message names the provider, the status and
/// the server's message, with a hint for the usual causes of fatal statuses; never the key.
pub fn classify_status(
    provider: &str,
    status: StatusCode,
    body: &[u8],
    retry_after: Option<Duration>,
    key: Option<&ApiKey>,
    key_var: &str,
) -> ProviderError {
    let server = redact(&server_message(body), key);
    let reason = status.canonical_reason().unwrap_or("");
    let mut message = format!("{provider}: HTTP {} {reason}", status.as_u16());
    if !server.is_empty() {
        message.push_str(&format!(": {server}"));
    }
    if status_is_retryable(status) {
        return ProviderError::Retryable {
            message,
            retry_after,
        };
    }
    let hint = match status.as_u16() {
        401 if key.is_none() => format!(" (no key was sent: set {key_var})"),
        401 => format!(" (check the key in {key_var})"),
        403 => " (the key is not allowed to use this model or endpoint)".to_string(),
        404 => " (unknown model, or a wrong --base-url)".to_string(),
        _ => String::new(),
    };
    message.push_str(&hint);
    ProviderError::Fatal { message }
}

/// Classifies a transport failure: timeouts, refused or reset connections and bodies cut
/// short are all retryable; only a request that cannot be built at all is fatal.
pub fn classify_transport(
    provider: &str,
    err: &reqwest::Error,
    key: Option<&ApiKey>,
) -> ProviderError {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "cannot connect"
    } else if err.is_body() || err.is_decode() {
        "response body cut short"
    } else if err.is_builder() {
        "cannot build the request"
    } else {
        "request failed"
    };
    // The chain of causes says which (reset, refused, incomplete message...).
    let mut detail = err.to_string();
    let mut src = std::error::Error::source(err);
    while let Some(s) = src {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        src = s.source();
    }
    let message = redact(&format!("{provider}: {what}: {detail}"), key);
    if err.is_builder() {
        ProviderError::Fatal { message }
    } else {
        ProviderError::Retryable {
            message,
            retry_after: None,
        }
    }
}

/// A 2xx body that does not parse as the expected JSON: a proxy's HTML page, a stream cut
/// inside the JSON, or an error object sent with 200. Retryable: asking again usually works,
/// and the attempt limit bounds it.
pub fn malformed(
    provider: &str,
    body: &[u8],
    err: &dyn fmt::Display,
    key: Option<&ApiKey>,
) -> ProviderError {
    let start: String = String::from_utf8_lossy(&body[..body.len().min(120)])
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    ProviderError::Retryable {
        message: redact(
            &format!(
                "{provider}: malformed response body ({} bytes: {err}): {start}",
                body.len()
            ),
            key,
        ),
        retry_after: None,
    }
}

/// How a provider reads and parses answers: its name, key, the limit of a response body
/// and its body parser.
pub struct Wire<'a> {
    pub provider: &'a str,
    pub key: Option<&'a ApiKey>,
    pub key_var: &'a str,
    /// Largest response body read, in bytes ([`super::body`]).
    pub max_body: usize,
    pub parse: fn(&[u8]) -> Result<ChatResponse, super::BodyError>,
}

/// Sends one JSON request body through `request` (URL and auth headers already set) and
/// returns the parsed 2xx answer. Every failure is classified the same way for every
/// provider: transport errors (sending or reading the body) by [`classify_transport`], a
/// non-success status by [`classify_status`] with the server's `Retry-After`, a body over the
/// size limit as [`ProviderError::Rejected`], and a 2xx body that `parse` rejects by
/// [`malformed`]. Messages name `provider` and never the key.
pub async fn send_json(
    w: Wire<'_>,
    request: reqwest::RequestBuilder,
    body: &serde_json::Value,
) -> Result<ChatResponse, ProviderError> {
    let Wire {
        provider,
        key,
        key_var,
        max_body,
        parse,
    } = w;
    let body = serde_json::to_vec(body).expect("a JSON value serialises");
    let resp = request
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| classify_transport(provider, &e, key))?;
    let status = resp.status();
    let wait = retry_after(resp.headers());
    let bytes = match super::body::read_limited(resp, max_body).await {
        Ok(b) => b,
        Err(super::body::BodyRead::Transport(e)) => {
            return Err(classify_transport(provider, &e, key));
        }
        Err(super::body::BodyRead::TooLarge { seen }) => {
            return Err(ProviderError::Rejected {
                message: super::body::too_large(provider, status.as_u16(), seen, max_body),
            });
        }
    };
    if !status.is_success() {
        return Err(classify_status(
            provider, status, &bytes, wait, key, key_var,
        ));
    }
    parse(&bytes)
        .map(|r| super::sanitise::answer(r, key))
        .map_err(|e| malformed(provider, &bytes, &e, key))
}

/// The shared HTTP client. Connection pooling and TCP_NODELAY matter for throughput on local
/// servers; the overall timeout is only a safety net, as the retry wrapper times requests.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        .user_agent(concat!("selfinterp/", env!("CARGO_PKG_VERSION")))
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(10))
        .timeout(timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| ProviderError::Fatal {
            message: format!("cannot build the HTTP client: {e}"),
        })
}

/// A base URL that cannot be used; `shown` has any credentials in it blanked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("--base-url {shown:?}: {why} (e.g. http://127.0.0.1:8080/v1)")]
pub struct BaseUrlError {
    pub shown: String,
    pub why: String,
}

/// Checks a `--base-url`: an absolute http(s) URL with a host, without credentials (a key
/// belongs in the environment, not in a URL that is recorded in the manifest).
pub fn check_base_url(url: &str) -> Result<(), BaseUrlError> {
    // A URL with credentials is not echoed: everything up to its last '@' is dropped.
    let shown: String = match url.rsplit_once('@') {
        Some((_, host)) => format!("[credentials]@{host}"),
        None => url.to_string(),
    };
    let bad = |why: &str| {
        Err(BaseUrlError {
            shown: shown.clone(),
            why: why.to_string(),
        })
    };
    let u = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => return bad(&format!("not a URL: {e}")),
    };
    if !matches!(u.scheme(), "http" | "https") {
        return bad("must start with http:// or https://");
    }
    if u.host_str().is_none_or(str::is_empty) {
        return bad("has no host");
    }
    if !u.username().is_empty() || u.password().is_some() {
        return bad("must not hold credentials; keys come from the environment");
    }
    if u.query().is_some() || u.fragment().is_some() {
        return bad("must not have a query or fragment");
    }
    Ok(())
}

/// Joins a base URL and a path without doubling or dropping the slash.
pub fn join_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 1.5 ", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_retry_after("-3", now), None);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn retry_after_ms_header_wins() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "9".parse().unwrap());
        h.insert("retry-after-ms", "250".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
    }

    #[test]
    fn keys_are_redacted() {
        let k = ApiKey::new("sk-live-abcdef123456");
        assert_eq!(format!("{k:?}"), "ApiKey([redacted])");
        let s = redact(
            "Incorrect API key provided: sk-live-abcdef123456 and sk-proj-****wxyz1234.",
            Some(&k),
        );
        assert!(!s.contains("abcdef"), "{s}");
        assert!(!s.contains("wxyz"), "{s}");
        assert_eq!(redact("task-based ask-me", None), "task-based ask-me");
        let other = redact(
            "key xyz-SECRET-1 leaked",
            Some(&ApiKey::new("xyz-SECRET-1")),
        );
        assert_eq!(other, "key [redacted] leaked");
    }

    #[test]
    fn statuses_classified() {
        let body = br#"{"error": {"message": "Incorrect API key provided: sk-abc***********wxyz1234", "type": "invalid_request_error"}}"#;
        let key = ApiKey::new("sk-abcdefgh12345678wxyz1234");
        match classify_status(
            "openai",
            StatusCode::UNAUTHORIZED,
            body,
            None,
            Some(&key),
            "OPENAI_API_KEY",
        ) {
            ProviderError::Fatal { message } => {
                assert!(message.contains("HTTP 401"), "{message}");
                assert!(message.contains("Incorrect API key provided"), "{message}");
                assert!(!message.contains("wxyz"), "{message}");
            }
            e => panic!("{e:?}"),
        }
        for code in [429u16, 500, 502, 503, 504, 529, 408] {
            let e = classify_status(
                "x",
                StatusCode::from_u16(code).unwrap(),
                b"busy",
                Some(Duration::from_secs(2)),
                None,
                "K",
            );
            assert!(
                matches!(
                    e,
                    ProviderError::Retryable {
                        retry_after: Some(_),
                        ..
                    }
                ),
                "{code}: {e:?}"
            );
        }
        for code in [400u16, 401, 403, 404, 422] {
            let e = classify_status(
                "x",
                StatusCode::from_u16(code).unwrap(),
                b"no",
                None,
                None,
                "K",
            );
            assert!(matches!(e, ProviderError::Fatal { .. }), "{code}");
        }
        assert_eq!(
            server_message(b"{\"error\": \"plain string\"}"),
            "plain string"
        );
        assert_eq!(server_message(b"  upstream\n  down "), "upstream down");
        // A server's message is kept to 300 characters within the stored error.
        let long: String = format!("{{\"error\": {{\"message\": \"{}\"}}}}", "ä".repeat(5000));
        let m: String = server_message(long.as_bytes());
        assert_eq!(m.chars().count(), 303, "{m}");
        assert!(m.ends_with("..."));
    }
}
