//! Worker slots: the limit on analysis workers running at once across every process of one
//! `exax run` (the run itself and the build processes of `urd:build_all`). A slot is an `flock` on
//! one of `n` files in a directory of the run; the worker inherits the locked descriptor, so its
//! slot is free again the moment it exits, however it ends, and no process ever waits for a slot
//! while holding one whose worker is done. Without slots (a run that never called `build_all`)
//! nothing is limited: a job starts its `slices` workers at once, as always.

use std::fs::File;
use std::os::fd::{AsFd, AsRawFd};
use std::process::Command;
use std::time::Duration;

use camino::{Utf8Path, Utf8PathBuf};
use parking_lot::Mutex;

use crate::error::{IoContext, Result};
use crate::sys;

/// `<n>:<directory>`, given to the processes of the run that start workers.
pub const ENV: &str = "EXAX_SLOTS";
/// The number of the inherited slot descriptor, in a worker.
const FD_ENV: &str = "EXAX_SLOT_FD";

struct Slots {
    n: usize,
    dir: Utf8PathBuf,
    /// Made by this process (removed by `release_dir`), not inherited.
    own: Option<crate::job::scratch::ScratchDir>,
}

static SLOTS: Mutex<Option<Slots>> = Mutex::new(None);

fn inherited() -> Option<Slots> {
    let v = std::env::var(ENV).ok()?;
    let (n, dir) = v.split_once(':')?;
    Some(Slots {
        n: n.parse().ok().filter(|&n| n > 0)?,
        dir: Utf8PathBuf::from(dir),
        own: None,
    })
}

/// The slots of this run, made with `n` slots when no process above this one made them; returns
/// the value of `ENV` for the processes this one starts.
pub fn for_children(n: usize) -> Result<String> {
    let mut guard = SLOTS.lock();
    if guard.is_none() {
        *guard = inherited();
    }
    if guard.is_none() {
        let tmp = crate::job::scratch::ScratchDir::new("slots")?;
        let dir = tmp.0.clone();
        for i in 0..n {
            File::create(dir.join(i.to_string())).at(dir.join(i.to_string()))?;
        }
        *guard = Some(Slots { n, dir, own: Some(tmp) });
    }
    let s = guard.as_ref().map(|s| format!("{}:{}", s.n, s.dir)).unwrap_or_default();
    Ok(s)
}

/// Removes the slots this process made (when nothing it started can still hold one).
pub fn release_dir() {
    let mut guard = SLOTS.lock();
    if guard.as_ref().is_some_and(|s| s.own.is_some()) {
        *guard = None;
    }
}

/// A slot held for one worker until it is spawned; then drop this (the worker keeps the lock).
pub struct Slot {
    _file: File,
}

/// Waits for a free slot and lets the worker `cmd` starts inherit it. None when this run has no
/// slots, or they cannot be used (then the worker runs unlimited, as without `build_all`).
pub fn acquire(cmd: &mut Command) -> Option<Slot> {
    let (n, dir) = {
        let mut guard = SLOTS.lock();
        if guard.is_none() {
            *guard = inherited();
        }
        let s = guard.as_ref()?;
        (s.n, s.dir.clone())
    };
    let mut pause = Duration::from_micros(200);
    loop {
        for i in 0..n {
            let file = open(&dir, i)?;
            if sys::try_flock(&file).ok()? {
                sys::set_cloexec(file.as_fd(), false).ok()?;
                cmd.env(FD_ENV, file.as_raw_fd().to_string());
                return Some(Slot { _file: file });
            }
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

fn open(dir: &Utf8Path, i: usize) -> Option<File> {
    File::options().read(true).write(true).open(dir.join(i.to_string())).ok()
}

/// In a worker: keep the inherited slot open for the worker's life, but out of its own children
/// (a method's `os.execute` leaving a process behind must not hold the slot).
pub fn adopt() {
    let Some(fd) = std::env::var(FD_ENV).ok().and_then(|v| v.parse::<i32>().ok()) else {
        return;
    };
    std::env::remove_var(FD_ENV);
    if let Some(fd) = sys::inherited_fd(fd) {
        let _ = sys::set_cloexec(fd.as_fd(), true);
        // Held until the process exits: the lock goes with the last copy of the descriptor.
        std::mem::forget(fd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_held_until_its_descriptor_closes() {
        let dir = tempfile::tempdir().unwrap();
        let dir = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).unwrap();
        File::create(dir.join("0")).unwrap();
        let a = open(&dir, 0).unwrap();
        let b = open(&dir, 0).unwrap();
        assert!(sys::try_flock(&a).unwrap());
        assert!(!sys::try_flock(&b).unwrap());
        drop(a);
        assert!(sys::try_flock(&b).unwrap());
    }
}
