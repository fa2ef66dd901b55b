//! A directory of this process under the system's temporary directory, removed when dropped.

use camino::Utf8PathBuf;

use crate::error::{Error, Result};

/// A directory of this process under the system's temporary directory, removed when dropped.
pub struct ScratchDir(pub Utf8PathBuf);

impl ScratchDir {
    pub fn new(what: &str) -> Result<ScratchDir> {
        static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let tmp = Utf8PathBuf::from_path_buf(std::env::temp_dir())
            .map_err(|p| Error::User(format!("the temporary directory {} is not UTF-8", p.display())))?;
        loop {
            let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = tmp.join(format!("exax-{what}-{}-{n}", std::process::id()));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(ScratchDir(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io(dir, e)),
            }
        }
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
