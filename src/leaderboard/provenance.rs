//! Who really answered a published run: the manifest's labels (provider, model) must agree
//! with the run's parameters, the model ids the server reported and its fingerprints, and a
//! simulated agent's answers (recognised by its `sim<N>-` fingerprint) are never a model's.

use crate::bundle::RunManifest;
use crate::bundle::parameters::ProviderKind;

/// Whether a `system_fingerprint` is a simulated agent's (`sim<N>-<hex>`, see
/// [`crate::sim::SIM_VERSION`]), in-process or through `serve-sim`.
pub fn is_sim_fingerprint(fp: &str) -> bool {
    fp.strip_prefix("sim").is_some_and(|rest| {
        let digits: usize = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with('-')
    })
}

/// Whether a server id belongs to the requested model: the same name, a dated snapshot of
/// it (`gpt-4o` answered by `gpt-4o-2024-08-06`), or a `-latest` alias resolved.
fn serves(requested: &str, id: &str) -> bool {
    let base: &str = requested.strip_suffix("latest").unwrap_or(requested);
    id == requested
        || id.starts_with(&format!("{requested}-"))
        || (base.len() < requested.len() && id.starts_with(base))
}

/// The labels (provider, model) against what recorded who really answered: the run's
/// parameters, the model ids the server reported and its fingerprints: (field, message).
pub fn problems(m: &RunManifest) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    if let Some(p) = &m.parameters {
        if p.provider.as_str() != m.provider {
            out.push((
                "parameters.provider",
                format!(
                    "is {:?} but provider is {:?}",
                    p.provider.as_str(),
                    m.provider
                ),
            ));
        }
        if p.model != m.model {
            out.push((
                "parameters.model",
                format!("is {:?} but model is {:?}", p.model, m.model),
            ));
        }
    }
    if let Some(id) = m.server.model_ids.iter().find(|id| !serves(&m.model, id)) {
        out.push((
            "server.model_ids",
            format!(
                "the server said {id:?} answered, but the manifest's model is {:?}",
                m.model
            ),
        ));
    }
    let sim_fp: Option<&String> = m
        .server
        .system_fingerprints
        .iter()
        .find(|f| is_sim_fingerprint(f));
    let sim_params: bool = m
        .parameters
        .as_ref()
        .is_some_and(|p| p.provider == ProviderKind::Sim);
    if let Some(fp) = sim_fp
        && m.provider != "sim"
        && m.provider != "openai"
    {
        out.push((
            "server.system_fingerprints",
            format!(
                "{fp:?} is a simulated agent's, but the provider is {:?}",
                m.provider
            ),
        ));
    }
    if let Some(fp) = sim_fp
        && m.provider == "openai"
        && !sim_params
        && m.parameters.as_ref().is_some_and(|p| p.base_url.is_none())
    {
        // The hosted API never answers with a simulated agent's fingerprint.
        out.push((
            "server.system_fingerprints",
            format!("{fp:?} is a simulated agent's, but the run asked the hosted OpenAI API"),
        ));
    }
    out
}

/// Whether the answers came from a simulated agent: the provider or the run's parameters say
/// `sim`, or the server reported a simulated agent's fingerprint (`serve-sim`).
pub fn simulated(m: &RunManifest) -> bool {
    m.provider == "sim"
        || m.parameters
            .as_ref()
            .is_some_and(|p| p.provider == ProviderKind::Sim)
        || m.server
            .system_fingerprints
            .iter()
            .any(|f| is_sim_fingerprint(f))
}

/// `validate --strict` (CI): an entry must have been made from a recorded commit with a clean
/// working tree, unless it is named in `grandfathered` (entries published before the rule,
/// listed by name where CI calls it). A name listed that is not an entry, or whose entry is
/// clean, is a problem too, so the list only shrinks.
pub fn strict_problems(entries: &[super::Entry], grandfathered: &[String]) -> Vec<super::Problem> {
    use super::Problem;
    use super::entry::ENTRY_FILE;
    let mut out: Vec<Problem> = Vec::new();
    for e in entries {
        let h = &e.manifest.harness;
        let listed: bool = grandfathered.contains(&e.name);
        let why: Option<String> = match (&h.git_commit, h.git_dirty) {
            (None, _) => Some("harness.git_commit is not recorded".into()),
            (Some(_), Some(true)) => Some(
                "harness.git_dirty is true: made from a working tree with uncommitted changes"
                    .into(),
            ),
            _ => None,
        };
        match (why, listed) {
            (Some(why), false) => out.push(Problem::new(
                &e.name,
                crate::bundle::MANIFEST,
                "harness",
                format!(
                    "{why}; --strict publishes only runs made from a clean commit (rerun it from one)"
                ),
            )),
            (None, true) => out.push(Problem::new(
                &e.name,
                ENTRY_FILE,
                "",
                "is grandfathered under --strict but its provenance is clean; remove it from the list",
            )),
            _ => {}
        }
    }
    for g in grandfathered {
        if !entries.iter().any(|e| &e.name == g) {
            out.push(Problem::new(
                g,
                "",
                "",
                "is grandfathered under --strict but there is no such entry; remove it from the list",
            ));
        }
    }
    out
}
