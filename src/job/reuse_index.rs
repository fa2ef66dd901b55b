//! The reuse index of a workdir: an append-only file `.reuse-index` of `<key> <number>` lines,
//! appended after a job's post.json is written. Looking a key up reads only what other processes
//! appended since the last look, never every job directory. A missing index is rebuilt once from
//! the job directories.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};

use camino::Utf8PathBuf;

use crate::error::{Error, IoContext, Result};
use crate::job::records;
use crate::job::reuse_key::ReuseKey;
use crate::job::workdir::Workdir;

pub const FILE_NAME: &str = ".reuse-index";

#[derive(Debug, Default)]
pub struct ReuseIndex {
    path: Utf8PathBuf,
    read_to: u64,
    /// Job numbers per key, oldest first.
    jobs: HashMap<ReuseKey, Vec<u64>>,
    loaded: bool,
    /// The index file, kept open for reading and for appending.
    reader: Option<std::fs::File>,
    appender: Option<std::fs::File>,
}

impl ReuseIndex {
    pub fn new(workdir: &Workdir) -> Self {
        ReuseIndex {
            path: workdir.path.join(FILE_NAME),
            ..Default::default()
        }
    }

    /// Reads what was appended since the last call (rebuilding a missing index first).
    pub fn refresh(&mut self, workdir: &Workdir) -> Result<()> {
        if !self.loaded {
            self.loaded = true;
            if !self.path.exists() && workdir.path.exists() {
                self.rebuild(workdir)?;
            }
        }
        if self.reader.is_none() {
            match std::fs::File::open(&self.path) {
                Ok(f) => self.reader = Some(f),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(Error::io(&self.path, e)),
            }
        }
        let Some(f) = self.reader.as_mut() else { return Ok(()) };
        let len = f.metadata().at(&self.path)?.len();
        if len <= self.read_to {
            return Ok(());
        }
        f.seek(SeekFrom::Start(self.read_to)).at(&self.path)?;
        let mut buf = Vec::with_capacity((len - self.read_to) as usize);
        f.read_to_end(&mut buf).at(&self.path)?;
        // Only whole lines count; a line still being appended is read next time.
        let whole = buf.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        for line in buf[..whole].split(|&b| b == b'\n') {
            let Ok(line) = std::str::from_utf8(line) else { continue };
            let mut parts = line.split(' ');
            if let (Some(k), Some(n)) = (parts.next(), parts.next()) {
                if let (Some(k), Ok(n)) = (ReuseKey::parse(k), n.parse::<u64>()) {
                    self.jobs.entry(k).or_default().push(n);
                }
            }
        }
        self.read_to += whole as u64;
        Ok(())
    }

    /// Job numbers recorded for `key`, newest first.
    pub fn candidates(&self, key: ReuseKey) -> impl Iterator<Item = u64> + '_ {
        self.jobs.get(&key).into_iter().flat_map(|v| v.iter().rev().copied())
    }

    pub fn append(&mut self, key: ReuseKey, number: u64) -> Result<()> {
        if self.appender.is_none() {
            self.appender = Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .at(&self.path)?,
            );
        }
        let Some(f) = self.appender.as_mut() else { return Ok(()) };
        // One write of one short line with O_APPEND: concurrent appenders never interleave.
        f.write_all(format!("{key} {number}\n").as_bytes()).at(&self.path)?;
        Ok(())
    }

    fn rebuild(&mut self, workdir: &Workdir) -> Result<()> {
        let mut lines = String::new();
        for n in workdir.job_numbers()? {
            // A complete post.json both proves the job finished and names its key.
            if let Some(key) = records::read_post(&workdir.job_path(n)).and_then(|p| ReuseKey::parse(&p.hash)) {
                lines.push_str(&format!("{key} {n}\n"));
            }
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .at(&self.path)?;
        f.write_all(lines.as_bytes()).at(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_appends_from_another_writer() {
        let tmp = tempfile::tempdir().unwrap();
        let path = Utf8PathBuf::from_path_buf(tmp.path().to_path_buf()).unwrap();
        let wd = Workdir::new("w", &path);
        let mut a = ReuseIndex::new(&wd);
        let mut b = ReuseIndex::new(&wd);
        a.refresh(&wd).unwrap();
        b.refresh(&wd).unwrap();
        let k = ReuseKey(7);
        a.append(k, 3).unwrap();
        b.refresh(&wd).unwrap();
        assert_eq!(b.candidates(k).collect::<Vec<_>>(), vec![3]);
        b.append(k, 5).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(path.join(FILE_NAME))
            .unwrap()
            .write_all(b"0000")
            .unwrap();
        a.refresh(&wd).unwrap();
        assert_eq!(a.candidates(k).collect::<Vec<_>>(), vec![5, 3]);
    }
}
