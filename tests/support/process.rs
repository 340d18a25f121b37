//! A `selfinterp` server process a test starts (`serve-sim`, `view`): started with `--port 0`,
//! it prints its URL as its first line on stdout; it is killed when the guard is dropped, so a
//! failing assertion leaves no process behind.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running server process and the URL it printed.
pub struct ServerProcess {
    child: Child,
    pub url: String,
}

impl ServerProcess {
    /// Spawns `c` (stdout read for the URL, stderr dropped) and waits for its first line.
    pub fn start(mut c: Command) -> ServerProcess {
        let mut child: Child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        ServerProcess {
            child,
            url: line.trim().to_string(),
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
