//! Who answers, from what the user typed: `--model openai/gpt-4o` or `anthropic/claude-...`
//! names the provider, and a provider the tool reaches through another's protocol (vLLM,
//! Ollama, llama.cpp) is answered with the exact options to use instead.

use crate::bundle::parameters::ProviderKind;

/// What `--provider` said: one of the tool's providers, or a server that speaks OpenAI's
/// protocol under another name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderName {
    Kind(ProviderKind),
    Vllm,
    Ollama,
    LlamaCpp,
}

/// Why the provider and model cannot be told.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum ShortcutError {
    #[error(
        "--provider {asked}: {server} serves the OpenAI protocol; use --provider openai --base-url {base_url}{flavour}"
    )]
    OpenAiCompatible {
        asked: &'static str,
        server: &'static str,
        base_url: String,
        flavour: &'static str,
    },
    #[error(
        "--model {model} names provider {named}, but --provider is {given}; drop --provider, or give the model without the {named}/ prefix"
    )]
    Conflict {
        model: String,
        named: &'static str,
        given: &'static str,
    },
    #[error(
        "--provider is needed for model {model:?} (or name it as openai/MODEL or anthropic/MODEL)"
    )]
    NoProvider { model: String },
}

/// The prefixes `--model` may carry, and the provider each names.
const PREFIXES: &[(&str, ProviderKind)] = &[
    ("openai/", ProviderKind::Openai),
    ("anthropic/", ProviderKind::Anthropic),
];

/// The provider and the model to ask. Without `--base-url` a `openai/` or `anthropic/`
/// prefix names the provider and is dropped (the providers' own APIs have no such model
/// names); with a base URL the name is kept as the server spells it (vLLM serves
/// `openai/gpt-oss-20b` under that name), and the prefix only stands in for a missing
/// `--provider`.
pub fn resolve_who(
    provider: Option<ProviderName>,
    model: &str,
    base_url: Option<&str>,
) -> Result<(ProviderKind, String), ShortcutError> {
    let given: Option<ProviderKind> = match provider {
        Some(ProviderName::Kind(k)) => Some(k),
        Some(other) => return Err(compatible(other, base_url)),
        None => None,
    };
    let named: Option<(&str, ProviderKind)> =
        PREFIXES.iter().find(|(p, _)| model.starts_with(p)).copied();
    match (given, named) {
        (Some(g), _) if base_url.is_some() => Ok((g, model.to_string())),
        (Some(g), Some((_, n))) if g != n => Err(ShortcutError::Conflict {
            model: model.to_string(),
            named: n.as_str(),
            given: g.as_str(),
        }),
        (_, Some((prefix, n))) if base_url.is_none() => Ok((n, model[prefix.len()..].to_string())),
        (_, Some((_, n))) => Ok((n, model.to_string())),
        (Some(g), None) => Ok((g, model.to_string())),
        (None, None) => Err(ShortcutError::NoProvider {
            model: model.to_string(),
        }),
    }
}

/// The options that reach `server` through the OpenAI protocol, with the user's base URL
/// when one was given.
fn compatible(server: ProviderName, base_url: Option<&str>) -> ShortcutError {
    let (asked, name, default_url, flavour) = match server {
        ProviderName::Vllm => (
            "vllm",
            "vLLM",
            "http://HOST:8000/v1",
            " --server-flavour vllm",
        ),
        ProviderName::Ollama => ("ollama", "Ollama", "http://127.0.0.1:11434/v1", ""),
        ProviderName::LlamaCpp => (
            "llama-cpp",
            "llama.cpp's server",
            "http://127.0.0.1:8080/v1",
            " --server-flavour llama-cpp",
        ),
        ProviderName::Kind(_) => unreachable!("a provider of the tool's own"),
    };
    ShortcutError::OpenAiCompatible {
        asked,
        server: name,
        base_url: base_url.unwrap_or(default_url).to_string(),
        flavour,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENAI: Option<ProviderName> = Some(ProviderName::Kind(ProviderKind::Openai));
    const ANTHROPIC: Option<ProviderName> = Some(ProviderName::Kind(ProviderKind::Anthropic));

    #[test]
    fn a_prefix_names_the_provider_and_is_dropped_for_its_own_api() {
        assert_eq!(
            resolve_who(None, "openai/gpt-4o", None),
            Ok((ProviderKind::Openai, "gpt-4o".to_string()))
        );
        assert_eq!(
            resolve_who(None, "anthropic/claude-3-5-haiku-latest", None),
            Ok((
                ProviderKind::Anthropic,
                "claude-3-5-haiku-latest".to_string()
            ))
        );
        assert_eq!(
            resolve_who(OPENAI, "openai/gpt-4o", None),
            Ok((ProviderKind::Openai, "gpt-4o".to_string()))
        );
        assert_eq!(
            resolve_who(OPENAI, "gpt-4o", None),
            Ok((ProviderKind::Openai, "gpt-4o".to_string()))
        );
    }

    #[test]
    fn a_server_keeps_the_name_it_serves() {
        let vllm = Some("http://127.0.0.1:8000/v1");
        assert_eq!(
            resolve_who(OPENAI, "openai/gpt-oss-20b", vllm),
            Ok((ProviderKind::Openai, "openai/gpt-oss-20b".to_string()))
        );
        assert_eq!(
            resolve_who(None, "openai/gpt-oss-20b", vllm),
            Ok((ProviderKind::Openai, "openai/gpt-oss-20b".to_string()))
        );
        assert_eq!(
            resolve_who(OPENAI, "HuggingFaceTB/SmolLM2-135M-Instruct", vllm),
            Ok((
                ProviderKind::Openai,
                "HuggingFaceTB/SmolLM2-135M-Instruct".to_string()
            ))
        );
    }

    #[test]
    fn a_conflicting_provider_and_a_missing_one_are_refused_in_one_line() {
        let e = resolve_who(ANTHROPIC, "openai/gpt-4o", None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--model openai/gpt-4o names provider openai, but --provider is anthropic; drop --provider, or give the model without the openai/ prefix"
        );
        let e = resolve_who(None, "gpt-4o", None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--provider is needed for model \"gpt-4o\" (or name it as openai/MODEL or anthropic/MODEL)"
        );
    }

    #[test]
    fn vllm_ollama_and_llama_cpp_get_the_exact_options() {
        assert_eq!(
            resolve_who(Some(ProviderName::Vllm), "m", None)
                .unwrap_err()
                .to_string(),
            "--provider vllm: vLLM serves the OpenAI protocol; use --provider openai --base-url http://HOST:8000/v1 --server-flavour vllm"
        );
        assert_eq!(
            resolve_who(Some(ProviderName::Ollama), "llama3", None)
                .unwrap_err()
                .to_string(),
            "--provider ollama: Ollama serves the OpenAI protocol; use --provider openai --base-url http://127.0.0.1:11434/v1"
        );
        assert_eq!(
            resolve_who(
                Some(ProviderName::LlamaCpp),
                "m",
                Some("http://10.0.0.2:9000/v1")
            )
            .unwrap_err()
            .to_string(),
            "--provider llama-cpp: llama.cpp's server serves the OpenAI protocol; use --provider openai --base-url http://10.0.0.2:9000/v1 --server-flavour llama-cpp"
        );
    }
}
