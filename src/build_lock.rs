//! Cross-process locks that keep two `exax run`s from building the same job at once: one lock
//! file per reuse key in `.exax/locks/`, held with `flock` while the job builds. Locks are per
//! key, not striped, because a job holds its lock while it builds subjobs: with shared stripes two
//! runs building unrelated subjobs could wait for each other forever. (A job whose subjob has its
//! own key is refused before locking, see `builder::build`.)

use std::fs::File;

use camino::Utf8PathBuf;

use crate::error::{Error, IoContext, Result};
use crate::hash::ReuseKey;

pub struct BuildLocks {
    dir: Utf8PathBuf,
}

/// Holds the lock until dropped (closing the file releases it).
pub struct KeyGuard {
    _file: File,
}

impl BuildLocks {
    pub fn new(dir: Utf8PathBuf) -> Self {
        BuildLocks { dir }
    }

    /// Blocks until this process holds the lock of `key`.
    pub fn lock(&self, key: ReuseKey) -> Result<KeyGuard> {
        let path = self.dir.join(key.to_string());
        let file = match std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&self.dir).at(&self.dir)?;
                std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)
                    .at(&path)?
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        file.lock().map_err(|e| Error::io(&path, e))?;
        Ok(KeyGuard { _file: file })
    }
}
