//! A workdir: the directory of `<name>-<n>` job directories. Allocating a job is an atomic `mkdir`,
//! so two `exax run`s in one project never get the same id.

use camino::{Utf8Path, Utf8PathBuf};
use parking_lot::Mutex;

use crate::error::{Error, IoContext, Result};
use crate::job::id::JobId;
use crate::job::records;

#[derive(Debug)]
pub struct Workdir {
    pub name: String,
    pub path: Utf8PathBuf,
    /// The next number to try; learned from the directory on first use.
    next: Mutex<Option<u64>>,
    /// Set once `ensure` has succeeded in this process.
    ensured: std::sync::atomic::AtomicBool,
}

impl Workdir {
    pub fn new(name: &str, path: &Utf8Path) -> Self {
        Workdir {
            name: name.to_string(),
            path: path.to_path_buf(),
            next: Mutex::new(None),
            ensured: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn job_path(&self, number: u64) -> Utf8PathBuf {
        self.path.join(format!("{}-{}", self.name, number))
    }

    /// Creates the workdir (and its `.slices` record) if missing; refuses a workdir made for a
    /// different number of slices.
    pub fn ensure(&self, slices: usize) -> Result<()> {
        use std::sync::atomic::Ordering;
        if self.ensured.load(Ordering::Relaxed) {
            return Ok(());
        }
        self.check_slices(slices)?;
        self.ensured.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn check_slices(&self, slices: usize) -> Result<()> {
        std::fs::create_dir_all(&self.path).at(&self.path)?;
        let marker = self.path.join(".slices");
        match std::fs::read_to_string(&marker) {
            Ok(s) => match s.trim().parse::<usize>() {
                Ok(n) if n == slices => Ok(()),
                Ok(n) => Err(Error::User(format!(
                    "workdir `{}` ({}) was made for {n} slices, but accelerator.conf says {slices}",
                    self.name, self.path
                ))),
                Err(_) => Err(Error::User(format!("{marker}: expected a number of slices"))),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                records::write_atomic(&self.path, ".slices", format!("{slices}\n").as_bytes())
            }
            Err(e) => Err(Error::io(marker, e)),
        }
    }

    /// Job numbers present in the directory, sorted.
    pub fn job_numbers(&self) -> Result<Vec<u64>> {
        let mut nums = Vec::new();
        let prefix = format!("{}-", self.name);
        let rd = match std::fs::read_dir(&self.path) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(nums),
            Err(e) => return Err(Error::io(&self.path, e)),
        };
        for entry in rd {
            let entry = entry.at(&self.path)?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(n) = name.strip_prefix(&prefix).and_then(|n| n.parse::<u64>().ok()) {
                nums.push(n);
            }
        }
        nums.sort_unstable();
        Ok(nums)
    }

    /// Makes a new, empty job directory and returns its id.
    pub fn allocate(&self) -> Result<JobId> {
        let mut next = self.next.lock();
        let mut n = match *next {
            Some(n) => n,
            None => self.job_numbers()?.last().map_or(0, |n| n + 1),
        };
        loop {
            let path = self.job_path(n);
            match std::fs::create_dir(&path) {
                Ok(()) => {
                    *next = Some(n + 1);
                    return Ok(JobId::new(&self.name, n));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
                Err(e) => return Err(Error::io(path, e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_skips_taken_numbers() {
        let tmp = tempfile::tempdir().unwrap();
        let path = Utf8PathBuf::from_path_buf(tmp.path().join("wd")).unwrap();
        let wd = Workdir::new("wd", &path);
        wd.ensure(2).unwrap();
        assert_eq!(wd.allocate().unwrap().number, 0);
        std::fs::create_dir(path.join("wd-1")).unwrap();
        assert_eq!(wd.allocate().unwrap().number, 2);
        let other = Workdir::new("wd", &path);
        assert_eq!(other.allocate().unwrap().number, 3);
        assert!(Workdir::new("wd", &path).ensure(3).is_err());
    }
}
