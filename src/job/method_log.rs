//! The method log of a workdir: an append-only file `.job-methods` of `<number> <method>` lines,
//! one per job, appended when the job's directory is allocated (before its setup.json exists).
//! It spares a process that asks for the jobs of a method (the reason on a `built` line, `exax
//! why`) reading every job's setup.json once: the log names the method of every job it lists.
//! Like the reuse index it is a cache, never the truth: a job it lacks (made by an older exax,
//! or a run killed between its `mkdir` and its line) is read from its setup.json and added, a
//! line that does not parse is ignored, and for a number listed twice (a job removed and its
//! number allocated again) the last line counts.

use std::collections::HashMap;
use std::io::Write;

use camino::Utf8PathBuf;

use crate::job::workdir::Workdir;

pub const FILE_NAME: &str = ".job-methods";

#[derive(Debug, Default)]
pub struct MethodLog {
    path: Utf8PathBuf,
    appender: Option<std::fs::File>,
}

impl MethodLog {
    pub fn new(workdir: &Workdir) -> Self {
        MethodLog {
            path: workdir.path.join(FILE_NAME),
            appender: None,
        }
    }

    /// The method of each job number the log lists.
    pub fn read(&self) -> HashMap<u64, String> {
        let mut out = HashMap::new();
        let Ok(bytes) = std::fs::read(&self.path) else { return out };
        // Only whole lines count: a line still being appended is read next time.
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        for line in bytes[..whole].split(|&b| b == b'\n') {
            if let Some((n, method)) = parse_line(line) {
                out.insert(n, method.to_string());
            }
        }
        out
    }

    /// Appends `<number> <method>`. Best effort: a job the log lacks is read from its setup.json.
    pub fn append(&mut self, number: u64, method: &str) {
        if self.appender.is_none() {
            self.appender = std::fs::OpenOptions::new().create(true).append(true).open(&self.path).ok();
        }
        if let Some(f) = self.appender.as_mut() {
            // One write of one short line with O_APPEND: concurrent appenders never interleave.
            let _ = f.write_all(format!("{number} {method}\n").as_bytes());
        }
    }
}

/// `<number> <method>`, exactly (a method name is letters, digits, `_` and `-`); anything else is
/// ignored.
fn parse_line(line: &[u8]) -> Option<(u64, &str)> {
    let line = std::str::from_utf8(line).ok()?;
    let (n, method) = line.split_once(' ')?;
    if n.is_empty()
        || !n.bytes().all(|b| b.is_ascii_digit())
        || method.is_empty()
        || !method.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return None;
    }
    Some((n.parse().ok()?, method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_line_wins_and_damage_is_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let path = Utf8PathBuf::from_path_buf(tmp.path().to_path_buf()).unwrap();
        let wd = Workdir::new("w", &path);
        let mut log = MethodLog::new(&wd);
        assert!(log.read().is_empty());
        log.append(0, "a");
        log.append(1, "b");
        std::fs::OpenOptions::new()
            .append(true)
            .open(path.join(FILE_NAME))
            .unwrap()
            .write_all(b"x y\n2 has space\n1 c\n3 d")
            .unwrap();
        let got = log.read();
        assert_eq!(got.get(&0).map(String::as_str), Some("a"));
        assert_eq!(got.get(&1).map(String::as_str), Some("c"));
        assert_eq!(got.len(), 2, "{got:?}");
    }
}
