//! Cross-process locks that keep two `exax run`s from building the same job at once: one lock
//! file, `.exax/build.lock`, in which each reuse key locks its own byte (62 bits of the key as the
//! offset), held while the job builds. Locks are per key, not per stripe of keys, because a job
//! holds its lock while it builds subjobs: with shared stripes, two runs building unrelated
//! subjobs could wait for each other forever. (A job whose subjob has its own key is refused
//! before locking, see `builder::build`.) Taking a lock creates no file, which matters on file
//! systems where creating files is slow.

use std::fs::File;
use std::sync::OnceLock;

use camino::Utf8PathBuf;

use crate::error::{Error, IoContext, Result};
use crate::job::reuse_key::ReuseKey;
use crate::sys;

pub struct BuildLocks {
    path: Utf8PathBuf,
    file: OnceLock<File>,
}

/// Holds the lock of one key until dropped.
pub struct KeyGuard<'a> {
    file: &'a File,
    offset: i64,
}

impl BuildLocks {
    pub fn new(path: Utf8PathBuf) -> Self {
        BuildLocks {
            path,
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

    /// Blocks until this process holds the lock of `key`.
    pub fn lock(&self, key: ReuseKey) -> Result<KeyGuard<'_>> {
        let file = self.file()?;
        let offset = offset(key);
        sys::lock_byte(file, offset, true).map_err(|e| Error::io(&self.path, e))?;
        Ok(KeyGuard { file, offset })
    }

    /// The lock of `key` if nobody holds it now (used by `exax gc` to skip jobs being built).
    pub fn try_lock(&self, key: ReuseKey) -> Result<Option<KeyGuard<'_>>> {
        let file = self.file()?;
        let offset = offset(key);
        let got = sys::try_lock_byte(file, offset).map_err(|e| Error::io(&self.path, e))?;
        Ok(got.then_some(KeyGuard { file, offset }))
    }
}

/// The byte a key locks: 62 bits of the key, so the offset is a valid non-negative `off_t`.
fn offset(key: ReuseKey) -> i64 {
    (key.0 >> 66) as i64
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
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
        let held = a.lock(key).unwrap();
        let _other = b.lock(ReuseKey(7u128 << 100)).unwrap();
        let got = Arc::new(AtomicBool::new(false));
        let (b2, got2) = (b.clone(), got.clone());
        let t = std::thread::spawn(move || {
            let _g = b2.lock(key).unwrap();
            got2.store(true, Ordering::SeqCst);
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(!got.load(Ordering::SeqCst), "a second holder of the same key must wait");
        drop(held);
        t.join().unwrap();
        assert!(got.load(Ordering::SeqCst));
    }
}
