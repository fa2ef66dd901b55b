//! Cross-process locks that keep two `exax run`s from building the same job at once: one lock
//! file, `.exax/build.lock`, in which each reuse key locks its own byte (62 bits of the key as the
//! offset), held while the job builds. Locks are per key, not per stripe of keys, because a job
//! holds its lock while it builds subjobs: with shared stripes, two runs building unrelated
//! subjobs could wait for each other forever. (A job whose subjob has its own key is refused
//! before locking, see `builder::build`.) Taking a lock creates no file, which matters on file
//! systems where creating files is slow.
//!
//! A process that holds locks names them in its note, `.exax/building/<pid>`: one line
//! `<offset> <job>` per lock it holds (its pid and the job it builds), so a run that has to wait
//! can say for what and for whom: `waiting for demo-7 wordcount, being built by another exax run
//! (pid 4711)`. (Linux's open-file-description locks report no pid through `F_OFD_GETLK`, hence
//! the note.) The note is one file per process, made on its first lock, rewritten in place as it
//! takes and releases locks (no file is created or renamed per build) and removed when the
//! process's `BuildLocks` goes. Its maker holds an `flock` on it for as long as it lives, so a
//! note left by a killed run is told from a live one (and removed by the next process that makes
//! its own note); it is only read by a run that waits. Best effort throughout: a run that cannot
//! write its note still builds, and waiters say less.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::OnceLock;

use camino::{Utf8Path, Utf8PathBuf};
use parking_lot::Mutex;

use crate::error::{Error, IoContext, Result};
use crate::job::reuse_key::ReuseKey;
use crate::sys;

pub struct BuildLocks {
    path: Utf8PathBuf,
    notes: Utf8PathBuf,
    file: OnceLock<File>,
    note: Mutex<Note>,
}

/// This process's note: its file (once made) and the locks it holds, in the order taken.
#[derive(Default)]
struct Note {
    file: Option<(Utf8PathBuf, File)>,
    /// Making the file failed: not tried again.
    failed: bool,
    held: Vec<(i64, String)>,
}

/// Holds the lock of one key until dropped.
pub struct KeyGuard<'a> {
    locks: &'a BuildLocks,
    file: &'a File,
    offset: i64,
    /// Named in the note (false for `try_lock`).
    noted: bool,
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
            note: Mutex::new(Note::default()),
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
        let got = sys::try_lock_byte(file, offset).map_err(|e| Error::io(&self.path, e))?;
        if !got {
            waiting(read_note(&self.notes, offset));
            sys::lock_byte(file, offset, true).map_err(|e| Error::io(&self.path, e))?;
        }
        let guard = KeyGuard {
            locks: self,
            file,
            offset,
            noted: true,
        };
        let mut note = self.note.lock();
        note.held.push((offset, method.to_string()));
        self.write_note(&mut note);
        Ok(guard)
    }

    /// The lock of `key` if nobody holds it now (used by `exax gc` to skip jobs being built).
    pub fn try_lock(&self, key: ReuseKey) -> Result<Option<KeyGuard<'_>>> {
        let file = self.file()?;
        let offset = offset(key);
        let got = sys::try_lock_byte(file, offset).map_err(|e| Error::io(&self.path, e))?;
        Ok(got.then_some(KeyGuard {
            locks: self,
            file,
            offset,
            noted: false,
        }))
    }

    /// Rewrites this process's note from `note.held`, making the file on first use.
    fn write_note(&self, note: &mut Note) {
        if note.file.is_none() && !note.failed {
            note.file = make_note(&self.notes);
            note.failed = note.file.is_none();
        }
        let Some((_, f)) = &note.file else { return };
        let text: String = note.held.iter().map(|(o, job)| format!("{o:016x} {job}\n")).collect();
        // In place: a waiter reading at the same moment may see a torn line, which it ignores.
        if f.write_all_at(text.as_bytes(), 0).is_ok() {
            let _ = f.set_len(text.len() as u64);
        }
    }
}

/// Makes this process's note file, locked for the life of the process: made under a temporary
/// name, locked, then renamed into place, so no process ever sees it unlocked and removes it as
/// stale. Notes of processes that are gone (unlocked) are removed first.
fn make_note(dir: &Utf8Path) -> Option<(Utf8PathBuf, File)> {
    std::fs::create_dir_all(dir).ok()?;
    remove_stale(dir);
    // `<pid>`, or `<pid>-<n>` for a second `BuildLocks` of the same process (tests have two).
    static MADE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let pid = std::process::id();
    let name = match MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed) {
        0 => pid.to_string(),
        n => format!("{pid}-{n}"),
    };
    let path = dir.join(&name);
    let tmp = dir.join(format!(".{name}.tmp"));
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&tmp)
        .ok()?;
    if !sys::try_flock(&f).unwrap_or(false) {
        let _ = std::fs::remove_file(&tmp);
        return None;
    }
    if std::fs::rename(&tmp, &path).is_err() {
        let _ = std::fs::remove_file(&tmp);
        return None;
    }
    Some((path, f))
}

/// The notes in `dir` with their files, whose makers still live (hold their `flock`); the others
/// are removed when `remove` is set.
fn live_notes(dir: &Utf8Path, remove: bool) -> Vec<(u32, File)> {
    let Ok(rd) = std::fs::read_dir(dir) else { return vec![] };
    let mut out = Vec::new();
    for entry in rd.flatten() {
        let name = entry.file_name();
        let pid = name.to_str().and_then(|n| n.split('-').next()).and_then(|n| n.parse::<u32>().ok());
        let Some(pid) = pid else { continue };
        let Ok(f) = File::open(entry.path()) else { continue };
        // Taking the lock means its maker is gone (closing `f` lets it go again).
        match sys::try_flock(&f) {
            Ok(false) => out.push((pid, f)),
            Ok(true) if remove => {
                let _ = std::fs::remove_file(entry.path());
            }
            _ => {}
        }
    }
    out
}

fn remove_stale(dir: &Utf8Path) {
    live_notes(dir, true);
}

/// The holder of the lock at `offset`, from the live notes.
fn read_note(dir: &Utf8Path, offset: i64) -> Option<Holder> {
    let prefix = format!("{offset:016x} ");
    live_notes(dir, false).into_iter().find_map(|(pid, f)| {
        let text = std::io::read_to_string(f).ok()?;
        let job = text.lines().find_map(|l| l.strip_prefix(&prefix))?;
        (!job.is_empty()).then(|| Holder { pid, job: job.to_string() })
    })
}

impl KeyGuard<'_> {
    /// Names what this process builds under the lock (`demo-7 wordcount`) for runs that wait.
    pub fn announce(&self, job: &str) {
        if !self.noted {
            return;
        }
        let mut note = self.locks.note.lock();
        if let Some(entry) = note.held.iter_mut().rev().find(|(o, _)| *o == self.offset) {
            entry.1 = job.to_string();
        }
        self.locks.write_note(&mut note);
    }
}

/// The byte a key locks: 62 bits of the key, so the offset is a valid non-negative `off_t`.
fn offset(key: ReuseKey) -> i64 {
    (key.0 >> 66) as i64
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
        if self.noted {
            let mut note = self.locks.note.lock();
            if let Some(pos) = note.held.iter().rposition(|(o, _)| *o == self.offset) {
                note.held.remove(pos);
            }
            self.locks.write_note(&mut note);
        }
        let _ = sys::lock_byte(self.file, self.offset, false);
    }
}

impl Drop for BuildLocks {
    fn drop(&mut self) {
        if let Some((path, _)) = &self.note.get_mut().file {
            let _ = std::fs::remove_file(path);
        }
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
