//! The record of the result directory: every `job:link_result` appends one JSON line (job, file,
//! link, method, build, timestamp) to `.exax/results.log`, so the board's front page can say
//! where each link came from. Append-only: one write per line, a torn last line (a crash in the
//! middle of a write) is skipped on reading and never glued to the next record.

use std::io::{Read, Seek, SeekFrom, Write};

use camino::{Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const FILE: &str = "results.log";

/// One `job:link_result`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultLink {
    /// The link, relative to the result directory (`sub/report.txt`).
    pub link: String,
    pub job: String,
    /// The file in the job directory it points to.
    pub file: String,
    pub method: String,
    /// The build script that made the link (or the job, when a job made it).
    pub build: String,
    /// Seconds since 1970.
    pub timestamp: f64,
}

pub fn path(project_root: &Utf8Path) -> Utf8PathBuf {
    project_root.join(".exax").join(FILE)
}

/// Appends one record; a torn last line left by a crash gets its line ended first.
pub fn record(project_root: &Utf8Path, link: &ResultLink) -> Result<()> {
    let p = path(project_root);
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut line = serde_json::to_vec(link).map_err(|e| Error::Value(format!("{p}: {e}")))?;
    line.push(b'\n');
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(&p)
        .map_err(|e| Error::io(&p, e))?;
    let len = f.seek(SeekFrom::End(0)).map_err(|e| Error::io(&p, e))?;
    if len > 0 {
        let mut last = [0u8; 1];
        f.seek(SeekFrom::Start(len - 1)).map_err(|e| Error::io(&p, e))?;
        f.read_exact(&mut last).map_err(|e| Error::io(&p, e))?;
        if last[0] != b'\n' {
            line.insert(0, b'\n');
        }
    }
    // One write with O_APPEND: two builds linking at once never interleave their lines.
    f.write_all(&line).map_err(|e| Error::io(&p, e))
}

/// Every complete record, oldest first; lines that do not parse are skipped.
pub fn read(project_root: &Utf8Path) -> Vec<ResultLink> {
    let Ok(text) = std::fs::read(path(project_root)) else {
        return Vec::new();
    };
    let end = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    text[..end]
        .split(|&b| b == b'\n')
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect()
}

/// The newest record of each link, newest first.
pub fn latest(project_root: &Utf8Path) -> Vec<ResultLink> {
    let mut out: Vec<ResultLink> = Vec::new();
    for r in read(project_root).into_iter().rev() {
        if !out.iter().any(|o| o.link == r.link) {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_read_and_torn_lines() {
        let tmp = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(tmp.path()).unwrap();
        let link = |l: &str, t: f64| ResultLink {
            link: l.into(),
            job: "test-0".into(),
            file: "r.txt".into(),
            method: "m".into(),
            build: "build.lua".into(),
            timestamp: t,
        };
        record(root, &link("a", 1.0)).unwrap();
        // A crash in the middle of a write.
        std::fs::OpenOptions::new()
            .append(true)
            .open(path(root))
            .unwrap()
            .write_all(b"{\"link\":\"b\",\"jo")
            .unwrap();
        record(root, &link("b", 2.0)).unwrap();
        record(root, &link("a", 3.0)).unwrap();
        assert_eq!(read(root), vec![link("a", 1.0), link("b", 2.0), link("a", 3.0)]);
        assert_eq!(latest(root), vec![link("a", 3.0), link("b", 2.0)]);
    }
}
