//! Every `exax run` as a record (script, arguments, jobs built and reused, start and end, and
//! whether it succeeded), appended to `.exax/urd/_runs.log` like an urd event, so `exax urd
//! --runs` shows the history of builds even without sessions.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::log;

pub const FILE: &str = "_runs.log";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub script: String,
    pub args: Vec<String>,
    pub start: String,
    pub end: String,
    /// "ok" or "failed".
    pub status: String,
    pub built: Vec<String>,
    pub reused: Vec<String>,
    /// The urd sessions it finished, as `list/timestamp`.
    #[serde(default)]
    pub sessions: Vec<String>,
}

/// Appends one record (fsynced) under the store's lock.
pub fn record(dir: &Path, rec: &RunRecord) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let lock_path = dir.join("lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("{}: {e}", lock_path.display()))?;
    crate::sys::lock_byte(&lock, 0, true).map_err(|e| format!("{}: {e}", lock_path.display()))?;
    let mut line = serde_json::to_vec(rec).map_err(|e| e.to_string())?;
    line.push(b'\n');
    let r = log::append_line(&dir.join(FILE), &line);
    let _ = crate::sys::lock_byte(&lock, 0, false);
    r
}

/// Every complete record, oldest first (a torn last line is ignored).
pub fn read(dir: &Path) -> Result<Vec<RunRecord>, String> {
    let path = dir.join(FILE);
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let end = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    text[..end]
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(n, l)| serde_json::from_slice(l).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1)))
        .collect()
}
