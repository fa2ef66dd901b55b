//! Cross-process locks that keep two `exax run`s from building the same job at once: one lock
//! file, `.exax/build.lock`, in which each reuse key locks its own byte (62 bits of the key as the
//! offset), held while the job builds. Locks are per key, not per stripe of keys, because a job
//! holds its lock while it builds subjobs: with shared stripes, two runs building unrelated
//! subjobs could wait for each other forever. (A job whose subjob has its own key is refused
//! before locking, see `builder::build`.) Taking a lock creates no file, which matters on file
//! systems where creating files is slow.
//!
//! A run that takes a lock names itself in `.exax/building/<offset>` (its pid and the job it
//! builds), so a run that has to wait can say for what and for whom: `waiting for demo-7
//! wordcount, being built by another exax run (pid 4711)`. (Linux's open-file-description locks
//! report no pid through `F_OFD_GETLK`, hence the file.) A note left by a killed run is harmless:
//! it is only read while its byte is locked, and the next holder overwrites it.

use std::fs::File;
use std::sync::OnceLock;

use camino::Utf8PathBuf;

use crate::error::{Error, IoContext, Result};
use crate::job::reuse_key::ReuseKey;
use crate::sys;

pub struct BuildLocks {
    path: Utf8PathBuf,
    notes: Utf8PathBuf,
    file: OnceLock<File>,
}

/// Holds the lock of one key until dropped.
pub struct KeyGuard<'a> {
    file: &'a File,
    offset: i64,
    /// The holder's note, removed with the lock (None for `try_lock`).
    note: Option<Utf8PathBuf>,
}

/// Who holds a lock, from its note.
#[derive(Debug, PartialEq)]
pub struct Holder {
    pub pid: u32,
    /// `demo-7 wordcount`, or just the method before the job has its id.
    pub job: String,
}

impl BuildLocks {
    pub fn new(path: Utf8PathBuf) -> Self {
        let notes = path.parent().map_or_else(|| Utf8PathBuf::from("building"), |p| p.join("building"));
        BuildLocks {
            path,
            notes,
            file: OnceLock::new(),
        }
    }

    fn file(&self) -> Result<&File> {
        if let Some(f) = self.file.get() {
            return Ok(f);
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).at(dir)?;
        }
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&self.path)
            .at(&self.path)?;
        Ok(self.file.get_or_init(|| f))
    }

    /// Blocks until this process holds the lock of `key`, then names `method` as being built by
    /// this process. When another run holds the lock, `waiting` is called with what its note
    /// says (if it has one) before blocking.
    pub fn lock(&self, key: ReuseKey, method: &str, waiting: impl FnOnce(Option<Holder>)) -> Result<KeyGuard<'_>> {
        let file = self.file()?;
        let offset = offset(key);
        let note = self.notes.join(format!("{offset:016x}"));
        let got = sys::try_lock_byte(file, offset).map_err(|e| Error::io(&self.path, e))?;
        if !got {
            waiting(read_note(&note));
            sys::lock_byte(file, offset, true).map_err(|e| Error::io(&self.path, e))?;
        }
        let guard = KeyGuard {
            file,
            offset,
            note: Some(note),
        };
        guard.announce(method);
        Ok(guard)
    }

    /// The lock of `key` if nobody holds it now (used by `exax gc` to skip jobs being built).
    pub fn try_lock(&self, key: ReuseKey) -> Result<Option<KeyGuard<'_>>> {
        let file = self.file()?;
        let offset = offset(key);
        let got = sys::try_lock_byte(file, offset).map_err(|e| Error::io(&self.path, e))?;
        Ok(got.then_some(KeyGuard { file, offset, note: None }))
    }
}

impl KeyGuard<'_> {
    /// Names what this process builds under the lock (`demo-7 wordcount`) for runs that wait.
    /// Best effort: a run that cannot write the note still builds, and waiters say less.
    pub fn announce(&self, job: &str) {
        let Some(note) = &self.note else { return };
        if let Some(dir) = note.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let tmp = note.with_extension("tmp");
        if std::fs::write(&tmp, format!("{} {job}\n", std::process::id())).is_ok() {
            let _ = std::fs::rename(&tmp, note);
        }
    }
}

fn read_note(note: &camino::Utf8Path) -> Option<Holder> {
    let text = std::fs::read_to_string(note).ok()?;
    let (pid, job) = text.trim_end().split_once(' ')?;
    Some(Holder {
        pid: pid.parse().ok()?,
        job: job.to_string(),
    })
}

/// The byte a key locks: 62 bits of the key, so the offset is a valid non-negative `off_t`.
fn offset(key: ReuseKey) -> i64 {
    (key.0 >> 66) as i64
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
        if let Some(note) = &self.note {
            let _ = std::fs::remove_file(note);
        }
        let _ = sys::lock_byte(self.file, self.offset, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[test]
    fn one_key_at_a_time_other_keys_free() {
        let tmp = tempfile::tempdir().unwrap();
        let path = Utf8PathBuf::from_path_buf(tmp.path().join(".exax/build.lock")).unwrap();
        let a = BuildLocks::new(path.clone());
        let b = Arc::new(BuildLocks::new(path));
        let key = ReuseKey(0xdead_beef_u128 << 80);
        let held = a.lock(key, "m", |_| panic!("nobody holds it")).unwrap();
        held.announce("test-3 m");
        let _other = b.lock(ReuseKey(7u128 << 100), "m", |_| panic!("nobody holds it")).unwrap();
        let got = Arc::new(AtomicBool::new(false));
        let (b2, got2) = (b.clone(), got.clone());
        let t = std::thread::spawn(move || {
            let _g = b2
                .lock(key, "m", |holder| {
                    let want = Holder {
                        pid: std::process::id(),
                        job: "test-3 m".into(),
                    };
                    assert_eq!(holder, Some(want));
                })
                .unwrap();
            got2.store(true, Ordering::SeqCst);
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(!got.load(Ordering::SeqCst), "a second holder of the same key must wait");
        drop(held);
        t.join().unwrap();
        assert!(got.load(Ordering::SeqCst));
    }
}
