//! Which harness made a bundle: crate version and git commit.
//!
//! The commit comes from `SELFINTERP_GIT_COMMIT` set at build time when a packager provides it,
//! otherwise from `git rev-parse HEAD` in the source directory at run time. No git, no
//! repository: the commit is recorded as null and the run goes on.

use serde::{Deserialize, Serialize};
use std::process::Command;

/// The program that made the bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Harness {
    pub name: String,
    pub version: String,
    pub git_commit: Option<String>,
    pub git_dirty: Option<bool>,
}

pub fn harness() -> Harness {
    let (git_commit, git_dirty): (Option<String>, Option<bool>) =
        match option_env!("SELFINTERP_GIT_COMMIT") {
            Some(c) if !c.is_empty() => (Some(c.to_string()), None),
            _ => from_git(),
        };
    Harness {
        name: env!("CARGO_PKG_NAME").to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit,
        git_dirty,
    }
}

fn from_git() -> (Option<String>, Option<bool>) {
    let dir: &str = env!("CARGO_MANIFEST_DIR");
    let run = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit: Option<String> = run(&["rev-parse", "HEAD"]).filter(|c| !c.is_empty());
    let dirty: Option<bool> = commit
        .as_ref()
        .and_then(|_| run(&["status", "--porcelain", "--untracked-files=no"]))
        .map(|s| !s.is_empty());
    (commit, dirty)
}
