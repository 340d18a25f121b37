//! The report's title block: what was measured (model, experiment, benchmark), how much
//! (the preset and the protocol size) and where (the provider, or for an OpenAI-compatible
//! server its flavour and the base URL's host).

use crate::bundle::RunManifest;
use crate::bundle::parameters::Parameters;
use crate::providers::ServerFlavour;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Title {
    pub model: String,
    pub provider: String,
    /// "native", "instilled", "observe" (an observer run), or the bundle's source for imports.
    pub experiment: String,
    pub benchmark: Option<String>,
    /// "quick" or "full" when the counts are exactly a preset's, "custom" otherwise; null for
    /// an import without run parameters.
    pub preset: Option<String>,
    /// The protocol size, "20 contexts × 20 pairs × 3 reports" (a half or a chosen subset of
    /// contexts said); null for an import without run parameters.
    pub size: Option<String>,
    /// Where the model ran, in words: "llama.cpp server at 127.0.0.1:8765" for an
    /// OpenAI-compatible server (its flavour, and the base URL's host without any user
    /// or password), "provider sim" otherwise.
    pub server: String,
}

/// The protocol size in words, as the leaderboard's comparability classes write it.
pub fn size_words(p: &Parameters) -> String {
    let subset: &str = if p.half.is_some() {
        " (a half)"
    } else if p.context_ids.is_some() {
        " (chosen)"
    } else {
        ""
    };
    match &p.observe {
        // An observer asks no pairs of its own: it is shown the observed run's choices.
        Some(o) => format!(
            "{} contexts{subset} × {} choices shown × {} reports",
            p.contexts, o.examples, p.reports
        ),
        None => format!(
            "{} contexts{subset} × {} pairs × {} reports",
            p.contexts, p.trials, p.reports
        ),
    }
}

/// The host (and port) of a base URL: no scheme, no user or password, no path.
pub fn host_of(base_url: &str) -> String {
    let rest: &str = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let authority: &str = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
        .to_string()
}

fn flavour_words(f: ServerFlavour) -> &'static str {
    match f {
        ServerFlavour::LlamaCpp => "llama.cpp server",
        ServerFlavour::Vllm => "vLLM server",
        ServerFlavour::OpenAi => "OpenAI API",
        ServerFlavour::Plain | ServerFlavour::Auto => "plain OpenAI-compatible server",
    }
}

/// Where the model ran, in words (see `Title::server`).
pub fn server_words(m: &RunManifest) -> String {
    let p: Option<&Parameters> = m.parameters.as_ref();
    match p.and_then(|p| p.base_url.as_deref()) {
        Some(url) if m.provider == "openai" => {
            let flavour: ServerFlavour = p
                .and_then(|p| p.server_flavour)
                .unwrap_or(ServerFlavour::Auto)
                .resolve(url);
            format!("{} at {}", flavour_words(flavour), host_of(url))
        }
        _ => format!("provider {}", m.provider),
    }
}

/// The experiment of the run `m` in words: "native" or "instilled", "observe" for an observer
/// run (whose parameters carry the observed run's split as their experiment), or an import's
/// source.
pub fn experiment_words(m: &RunManifest) -> String {
    match &m.parameters {
        Some(p) if p.observe.is_some() => "observe".to_string(),
        Some(p) => serde_json::to_value(p.experiment)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        None => m.source.clone(),
    }
}

/// The title of a report of the run `m`; `preset` as the run identity of `export table` reads it.
pub fn title(m: &RunManifest, preset: Option<String>) -> Title {
    Title {
        model: m.model.clone(),
        provider: m.provider.clone(),
        experiment: experiment_words(m),
        benchmark: m.benchmark.clone(),
        preset,
        size: m.parameters.as_ref().map(size_words),
        server: server_words(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_of_a_base_url_keeps_no_credentials_and_no_path() {
        assert_eq!(host_of("http://127.0.0.1:8765/v1"), "127.0.0.1:8765");
        assert_eq!(
            host_of("https://user:secret@example.org/v1?x=1"),
            "example.org"
        );
        assert_eq!(host_of("localhost:11434"), "localhost:11434");
    }
}
