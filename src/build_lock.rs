//! Cross-process locks that keep two `exax run`s from building the same job at once: 256 lock
//! files in `.exax/locks/`, one per stripe of reuse keys, held with `flock`. Within one process a
//! stripe is counted, so a job may build a subjob whose key falls in the same stripe. Lock files
//! stay open for the life of the process; only the lock is taken and released.

use std::collections::HashMap;
use std::fs::File;

use camino::Utf8PathBuf;
use parking_lot::Mutex;

use crate::error::{Error, IoContext, Result};
use crate::hash::ReuseKey;

pub struct BuildLocks {
    dir: Utf8PathBuf,
    /// Open lock files, and how many builds in this process hold each stripe.
    held: Mutex<HashMap<u8, (File, usize)>>,
}

pub struct StripeGuard<'a> {
    locks: &'a BuildLocks,
    stripe: u8,
}

impl BuildLocks {
    pub fn new(dir: Utf8PathBuf) -> Self {
        BuildLocks {
            dir,
            held: Mutex::new(HashMap::new()),
        }
    }

    /// Blocks until this process holds the stripe of `key`.
    pub fn lock(&self, key: ReuseKey) -> Result<StripeGuard<'_>> {
        let stripe = key.stripe();
        let mut held = self.held.lock();
        if let Some((_, count)) = held.get_mut(&stripe) {
            *count += 1;
        } else {
            std::fs::create_dir_all(&self.dir).at(&self.dir)?;
            let path = self.dir.join(format!("{stripe:02x}"));
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .at(&path)?;
            file.lock().map_err(|e| Error::io(&path, e))?;
            held.insert(stripe, (file, 1));
        }
        Ok(StripeGuard { locks: self, stripe })
    }
}

impl Drop for StripeGuard<'_> {
    fn drop(&mut self) {
        let mut held = self.locks.held.lock();
        if let Some((file, count)) = held.get_mut(&self.stripe) {
            *count -= 1;
            if *count == 0 {
                let _ = file.unlock();
            }
        }
    }
}
