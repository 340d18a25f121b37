//! What a llama.cpp server says about the weights it serves beyond its model list, for the
//! response cache key ([`super::preflight::ServerIdentity`]): `GET /props` at the server's
//! root gives the model file's path (`model_path`); a field named like a hash of the file
//! (`hash`, `sha`, `digest` in its name) joins too. So one model name served from another
//! file never shares cached answers. vLLM names the weights in its model list (`root`),
//! which is in the key as it stands; llama.cpp's list does not.

use serde_json::{Map, Value};

/// Largest `/props` body read (llama.cpp's holds the chat template); a longer one is ignored.
pub const MAX_PROPS_BYTES: usize = 1 << 20;

/// Whether a model-list entry is llama.cpp's (`owned_by: "llamacpp"`, or its `meta` block):
/// only then is `/props` asked, so other servers see no extra request.
pub fn is_llama_cpp(listing: &Value) -> bool {
    listing.get("owned_by").and_then(Value::as_str) == Some("llamacpp")
        || listing.get("meta").is_some_and(Value::is_object)
}

/// `/props` beside the OpenAI routes: the base URL without its `/v1`.
pub fn props_url(base: &str) -> String {
    let b: &str = base.trim_end_matches('/');
    format!("{}/props", b.strip_suffix("/v1").unwrap_or(b))
}

/// The identity fields of a `/props` answer (string values only), or `None` when it has none.
pub fn identity(props: &Value) -> Option<Value> {
    let o: &Map<String, Value> = props.as_object()?;
    let mut out: Map<String, Value> = Map::new();
    for (k, v) in o {
        let key: String = k.to_ascii_lowercase();
        let wanted: bool =
            key == "model_path" || ["hash", "sha", "digest"].iter().any(|h| key.contains(h));
        if wanted && v.is_string() {
            out.insert(k.clone(), v.clone());
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_weights_path_and_hashes_are_kept_and_the_rest_is_not() {
        let props = json!({"model_path": "/m/smollm2-q4_1.gguf", "model_sha256": "ab12",
            "total_slots": 1, "chat_template": "{{x}}", "build_info": "b4242", "digest": 7});
        assert_eq!(
            identity(&props),
            Some(json!({"model_path": "/m/smollm2-q4_1.gguf", "model_sha256": "ab12"}))
        );
        assert_eq!(identity(&json!({"total_slots": 1})), None);
        assert_eq!(identity(&json!([1, 2])), None);
        assert_eq!(
            props_url("http://127.0.0.1:8080/v1/"),
            "http://127.0.0.1:8080/props"
        );
        assert_eq!(props_url("http://h/llama"), "http://h/llama/props");
        assert!(is_llama_cpp(&json!({"id": "m", "owned_by": "llamacpp"})));
        assert!(is_llama_cpp(&json!({"id": "m", "meta": {"n_params": 1}})));
        assert!(!is_llama_cpp(
            &json!({"id": "m", "owned_by": "vllm", "root": "/w"})
        ));
    }
}
