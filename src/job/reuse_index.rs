//! The reuse index of a workdir: an append-only file `.reuse-index` of `<key> <number>` lines,
//! appended after a job's post.json is written. Looking a key up reads only what other processes
//! appended since the last look, never every job directory. A missing index is rebuilt once from
//! the job directories. The index is a cache, never the truth: on a miss, `catch_up` reads the
//! finished jobs it does not list (newer than its newest entry, or every job once it is damaged)
//! and adds them, and a damaged index is rewritten from the job directories.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;

use camino::Utf8PathBuf;

use crate::error::{Error, IoContext, Result};
use crate::job::records;
use crate::job::reuse_key::ReuseKey;
use crate::job::workdir::Workdir;

pub const FILE_NAME: &str = ".reuse-index";

#[derive(Debug, Default)]
struct Seen {
    below: u64,
    pending: Vec<u64>,
}

#[derive(Debug, Default)]
pub struct ReuseIndex {
    path: Utf8PathBuf,
    read_to: u64,
    /// Job numbers per key, oldest first.
    jobs: HashMap<ReuseKey, Vec<u64>>,
    loaded: bool,
    /// The highest job number on a valid line.
    newest: Option<u64>,
    /// A line that is not `<key> <number>` was read: the index may lack jobs.
    damaged: bool,
    /// What `catch_up` has seen of the job directories: every number below `seen_below` was
    /// listed or probed, and `pending` are those it found unfinished (no post.json yet).
    seen: Option<Seen>,
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
        // The index was rewritten (rebuilt by another process): read the new file from its start.
        if let (Some(f), Ok(now)) = (self.reader.as_ref(), std::fs::metadata(&self.path)) {
            if f.metadata().at(&self.path)?.ino() != now.ino() {
                self.reader = std::fs::File::open(&self.path).ok();
                self.appender = None;
                self.read_to = 0;
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
            if line.is_empty() {
                continue;
            }
            match parse_line(line) {
                Some((k, n)) => self.add(k, n),
                None => self.damaged = true,
            }
        }
        self.read_to += whole as u64;
        Ok(())
    }

    fn add(&mut self, key: ReuseKey, number: u64) {
        let v = self.jobs.entry(key).or_default();
        if let Err(pos) = v.binary_search(&number) {
            v.insert(pos, number);
        }
        self.newest = self.newest.max(Some(number));
    }

    /// After a miss: adds the finished jobs the index does not list, those newer than its newest
    /// entry (a run killed between post.json and its index line), or every job when the index is
    /// damaged (then the file is rewritten from the job directories). Returns whether any was added.
    ///
    /// The first call in a process lists the workdir; later ones look only at what can have
    /// appeared since: the numbers above the highest seen (job numbers are allocated upwards by
    /// atomic `mkdir`, so a new job takes the first free number above those its maker saw) and
    /// the jobs seen unfinished. A run of many builds thus never lists a growing workdir per build.
    pub fn catch_up(&mut self, workdir: &Workdir) -> Result<bool> {
        let rebuild = self.damaged;
        let from = if rebuild { 0 } else { self.newest.map_or(0, |n| n + 1) };
        let known: HashSet<u64> = if rebuild {
            self.jobs.values().flatten().copied().collect()
        } else {
            HashSet::new()
        };
        let numbers = match self.seen.as_mut() {
            Some(seen) if !rebuild => {
                let mut numbers = std::mem::take(&mut seen.pending);
                while workdir.job_path(seen.below).exists() {
                    numbers.push(seen.below);
                    seen.below += 1;
                }
                numbers
            }
            _ => {
                let numbers = workdir.job_numbers()?;
                self.seen = Some(Seen {
                    below: numbers.last().map_or(0, |n| n + 1),
                    pending: Vec::new(),
                });
                numbers
            }
        };
        let mut found = Vec::new();
        let mut pending = Vec::new();
        for n in numbers {
            if n < from || known.contains(&n) {
                continue;
            }
            match records::read_post(&workdir.job_path(n)) {
                Some(post) => {
                    if let Some(key) = ReuseKey::parse(&post.hash) {
                        found.push((key, n));
                    }
                }
                // Still being built (or failed, or killed): looked at again next time, since a
                // run killed after its post.json and before its index line leaves it finished.
                None if workdir.job_path(n).exists() => pending.push(n),
                None => {}
            }
        }
        if let Some(seen) = self.seen.as_mut() {
            seen.pending = pending;
        }
        found.sort_by_key(|&(_, n)| n);
        for &(k, n) in &found {
            self.add(k, n);
        }
        if rebuild {
            self.damaged = false;
            self.rewrite(workdir)?;
        } else {
            for &(k, n) in &found {
                self.append(k, n)?;
            }
        }
        Ok(!found.is_empty())
    }

    /// Replaces the index file with what is known now (one temporary file and a rename; a process
    /// reading the old file notices the new one on its next refresh).
    fn rewrite(&mut self, workdir: &Workdir) -> Result<()> {
        let mut all: Vec<(u64, ReuseKey)> = self.jobs.iter().flat_map(|(&k, v)| v.iter().map(move |&n| (n, k))).collect();
        all.sort_by_key(|&(n, _)| n);
        let lines: String = all.iter().map(|(n, k)| format!("{k} {n}\n")).collect();
        records::write_atomic(&workdir.path, FILE_NAME, lines.as_bytes())?;
        self.reader = std::fs::File::open(&self.path).ok();
        self.appender = None;
        self.read_to = lines.len() as u64;
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

/// `<key> <number>`, exactly; anything else is damage.
fn parse_line(line: &[u8]) -> Option<(ReuseKey, u64)> {
    let line = std::str::from_utf8(line).ok()?;
    let (k, n) = line.split_once(' ')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((ReuseKey::parse(k)?, n.parse().ok()?))
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
