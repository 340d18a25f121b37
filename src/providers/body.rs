//! Reading a response body with a size limit. A server may send a body of any size (a broken
//! or hostile one streamed a gigabyte per request, and a one-token choice came back as 5 MB of
//! text); the limit bounds the memory a request can take and refuses answers no request of
//! ours can have.
//!
//! The limit is counted, not allocated: a body that states its length is refused before it is
//! read when the length is over the limit, and read whole otherwise (the HTTP layer stops at
//! the stated length); a body without a length (chunked) is read chunk by chunk and dropped as
//! soon as it passes the limit.

use bytes::Bytes;

/// The default limit of one response body: 1 MiB. A choice answer with twenty
/// log-probabilities is about 3 KB, a 300-token report under 4 KB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Why a body was not read.
#[derive(Debug)]
pub enum BodyRead {
    /// Over the limit: the length it stated, or how much had arrived when reading stopped.
    TooLarge { seen: u64 },
    /// The transport failed while reading.
    Transport(reqwest::Error),
}

/// The whole body of `resp`, or [`BodyRead::TooLarge`] once it passes `limit` bytes.
pub async fn read_limited(mut resp: reqwest::Response, limit: usize) -> Result<Bytes, BodyRead> {
    let limit64: u64 = limit as u64;
    if let Some(len) = resp.content_length() {
        if len > limit64 {
            return Err(BodyRead::TooLarge { seen: len });
        }
        // The stated length bounds what is read.
        return resp.bytes().await.map_err(BodyRead::Transport);
    }
    let mut out: Vec<u8> = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyRead::Transport)? {
        if out.len() + chunk.len() > limit {
            return Err(BodyRead::TooLarge {
                seen: (out.len() + chunk.len()) as u64,
            });
        }
        if out.is_empty() {
            out.reserve(chunk.len());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(out))
}

/// The one-line message of an over-size body.
pub fn too_large(provider: &str, status: u16, seen: u64, limit: usize) -> String {
    format!(
        "{provider}: HTTP {status}: response body over the limit of {limit} bytes ({seen} bytes or more); \
         not kept (raise the limit with --max-response-bytes)"
    )
}
