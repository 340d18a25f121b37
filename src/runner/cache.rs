//! A content-addressed cache of successful responses, so a rerun costs no calls.
//!
//! The key is the sha256 of who answers ([`ServerIdentity`]: the endpoint, the server's
//! model-list entry for the model, the model id and fingerprint it reported at the
//! pre-flight), the provider's name, the model and the exact request body
//! ([`crate::providers::Provider::request_body`]), which holds no secret; the value is the
//! [`ChatResponse`]. So two servers with the same model name never share answers, and a
//! server whose weights or build changed under the same name misses the cache. Entries live in `<root>/responses/<first 2 hex>/<sha256>.json` and are
//! written atomically, so concurrent runs sharing a cache never read a half-written entry.

use crate::providers::ChatResponse;
use crate::providers::preflight::ServerIdentity;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Makes temporary names unique between tasks of one process.
static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

#[derive(Clone, Debug)]
pub struct ResponseCache {
    dir: PathBuf,
}

impl ResponseCache {
    /// A cache under `root/responses`, created on first write.
    pub fn new(root: &Path) -> ResponseCache {
        ResponseCache {
            dir: root.join("responses"),
        }
    }

    /// `salt` separates answers the body does not determine (the simulated agents' seed).
    pub fn key(
        server: &ServerIdentity,
        provider: &str,
        model: &str,
        body: &Value,
        salt: Option<&str>,
    ) -> String {
        let mut material = serde_json::json!({"server": server, "provider": provider, "model": model, "body": body});
        if let Some(s) = salt {
            material["salt"] = Value::String(s.to_string());
        }
        let canon: Vec<u8> = serde_json::to_vec(&material).expect("json serialises");
        hex::encode(Sha256::digest(&canon))
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(format!("{key}.json"))
    }

    /// The cached response, if any. An unreadable entry counts as a miss.
    pub fn get(&self, key: &str) -> Option<ChatResponse> {
        let bytes: Vec<u8> = std::fs::read(self.path(key)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores a response; failures only cost a future call, so they are logged and ignored.
    pub fn put(&self, key: &str, resp: &ChatResponse) {
        let path: PathBuf = self.path(key);
        let result = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(path.parent().expect("has parent"))?;
            let n: u64 = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let tmp: PathBuf = path.with_extension(format!("tmp{}-{n}", std::process::id()));
            std::fs::write(&tmp, serde_json::to_vec(resp).expect("response serialises"))?;
            std::fs::rename(&tmp, &path)
        })();
        if let Err(e) = result {
            tracing::warn!("response cache {}: {e}", path.display());
        }
    }
}
