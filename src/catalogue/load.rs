//! Reading `domains/*.toml`.

use super::{Context, lint};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The whole catalogue: contexts from every theme file plus the persona pool.
#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    /// Every theme file's contexts, files in name order.
    pub contexts: Vec<Context>,
    /// The persona descriptions of `personas.toml`.
    pub personas: Vec<String>,
    /// Where `personas.toml` was read from, for messages.
    pub personas_file: String,
}

/// Why a catalogue could not be loaded; each names its file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or directory could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not the TOML expected.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with its line.
        message: String,
    },
    /// The directory holds no theme file.
    #[error("{path}: no theme files (*.toml) found")]
    Empty {
        /// The directory.
        path: PathBuf,
    },
    /// The catalogue loaded but fails the lint (this many problems).
    #[error("catalogue has {0} problem(s); run `selfinterp domains check`")]
    Invalid(usize),
}

#[derive(Deserialize)]
struct ThemeFile {
    #[serde(default)]
    context: Vec<Context>,
}

#[derive(Deserialize)]
struct PersonaFile {
    personas: Vec<String>,
}

pub const PERSONAS_FILE: &str = "personas.toml";

impl Catalogue {
    /// Reads every `*.toml` in `dir` (sorted by name): `personas.toml` is the persona pool, the
    /// rest are theme files. Parse errors name the file and line.
    pub fn load(dir: &Path) -> Result<Catalogue, LoadError> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|source| LoadError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(LoadError::Empty {
                path: dir.to_path_buf(),
            });
        }
        let mut cat = Catalogue::default();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
                path: path.clone(),
                source,
            })?;
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let parse_err = |e: toml::de::Error| LoadError::Parse {
                path: path.clone(),
                message: toml_message(&text, &e),
            };
            if name == PERSONAS_FILE {
                let f: PersonaFile = toml::from_str(&text).map_err(parse_err)?;
                cat.personas = f.personas;
                cat.personas_file = name;
            } else {
                let f: ThemeFile = toml::from_str(&text).map_err(parse_err)?;
                cat.contexts.extend(f.context.into_iter().map(|mut c| {
                    c.file = name.clone();
                    c
                }));
            }
        }
        Ok(cat)
    }

    /// Loads and requires a clean lint.
    pub fn load_valid(dir: &Path) -> Result<Catalogue, LoadError> {
        let cat = Catalogue::load(dir)?;
        let problems = lint(&cat);
        if problems.is_empty() {
            Ok(cat)
        } else {
            Err(LoadError::Invalid(problems.len()))
        }
    }
}

/// One line: "line N: message" from a toml error.
fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {msg}")
        }
        None => msg,
    }
}
