//! `Store`: an urd store in a directory (the project's `.exax/urd/`, or a server's `--path`).
//! Reads come from memory, replayed from the logs again whenever a log file changed size (another
//! process wrote); a write takes the store's lock, catches up, checks, appends and fsyncs, and
//! only then applies the event.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use super::db::{Db, Outcome, Refusal};
use super::entry::{check_list_name, AddOutcome, Entry, Event, Op, TruncateOutcome};
use super::log;
use super::timestamp::{Lookup, Timestamp};

pub struct Store {
    dir: PathBuf,
    db: Db,
    /// (file, length) of every log as last replayed.
    seen: Vec<(PathBuf, u64)>,
    /// Only this process writes (a server owns its directory): reads need not look for changes.
    exclusive: bool,
}

/// Why a write was refused; `Conflict` is the server's 409.
#[derive(Debug)]
pub enum WriteError {
    Conflict(String),
    Invalid(String),
    Io(String),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Conflict(m) | WriteError::Invalid(m) | WriteError::Io(m) => f.write_str(m),
        }
    }
}

impl From<Refusal> for WriteError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Conflict(m) => WriteError::Conflict(m),
            Refusal::Invalid(m) => WriteError::Invalid(m),
        }
    }
}

impl Store {
    pub fn open(dir: &Path) -> Result<Store, String> {
        let mut s = Store {
            dir: dir.to_path_buf(),
            db: Db::default(),
            seen: vec![],
            exclusive: false,
        };
        s.refresh()?;
        Ok(s)
    }

    /// For a server, which owns its directory: reads skip the check for other writers.
    pub fn set_exclusive(&mut self) {
        self.exclusive = true;
    }

    fn signature(&self) -> Result<Vec<(PathBuf, u64)>, String> {
        log::log_files(&self.dir)?
            .into_iter()
            .map(|p| {
                let len = std::fs::metadata(&p)
                    .map(|m| m.len())
                    .map_err(|e| format!("{}: {e}", p.display()))?;
                Ok((p, len))
            })
            .collect()
    }

    /// Replays every log again if any changed since the last replay.
    pub fn refresh(&mut self) -> Result<(), String> {
        let sig = self.signature()?;
        if sig == self.seen {
            return Ok(());
        }
        let mut events = Vec::new();
        for (p, _) in &sig {
            events.extend(log::read_events(p)?);
        }
        // Stable: events of equal seq (two processes at the same microsecond) keep file order.
        events.sort_by_key(|e| e.seq);
        let mut db = Db::default();
        for e in &events {
            db.apply(e);
        }
        self.db = db;
        self.seen = sig;
        Ok(())
    }

    pub fn db(&mut self) -> Result<&Db, String> {
        if !self.exclusive {
            self.refresh()?;
        }
        Ok(&self.db)
    }

    /// Checks, appends (fsynced) and applies one event under the store's lock. The event's
    /// `seq` and `at` are set here. A retried key or unchanged content writes nothing.
    pub fn write(&mut self, mut ev: Event) -> Result<Outcome, WriteError> {
        check_list_name(&ev.list).map_err(|e| WriteError::Invalid(e.to_string()))?;
        std::fs::create_dir_all(&self.dir).map_err(|e| WriteError::Io(format!("{}: {e}", self.dir.display())))?;
        let lock_path = self.dir.join("lock");
        let lock: File = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| WriteError::Io(format!("{}: {e}", lock_path.display())))?;
        crate::sys::lock_byte(&lock, 0, true).map_err(|e| WriteError::Io(format!("{}: {e}", lock_path.display())))?;
        let r = (|| {
            self.refresh().map_err(WriteError::Io)?;
            let (outcome, needs_write) = self.db.check(&ev)?;
            if !needs_write {
                return Ok(outcome);
            }
            ev.seq = (self.db.last_seq + 1).max(now_micros());
            ev.at = super::now_text();
            log::append(&self.dir, &ev).map_err(WriteError::Io)?;
            let out = self.db.apply(&ev);
            // Our own append is no reason to replay.
            self.seen = self.signature().map_err(WriteError::Io)?;
            Ok(out)
        })();
        let _ = crate::sys::lock_byte(&lock, 0, false);
        r
    }

    pub fn add(&mut self, list: &str, entry: Entry, update: bool, key: String, user: &str) -> Result<AddOutcome, WriteError> {
        let ev = Event {
            seq: 0,
            key,
            at: String::new(),
            op: Op::Add,
            list: list.to_string(),
            user: user.to_string(),
            timestamp: None,
            entry: Some(entry),
            update,
        };
        match self.write(ev)? {
            Outcome::Add(o) => Ok(o),
            Outcome::Truncate(_) => Err(WriteError::Invalid("that key was used for a truncate".into())),
        }
    }

    pub fn truncate(&mut self, list: &str, ts: &Timestamp, key: String, user: &str) -> Result<TruncateOutcome, WriteError> {
        let ev = Event {
            seq: 0,
            key,
            at: String::new(),
            op: Op::Truncate,
            list: list.to_string(),
            user: user.to_string(),
            timestamp: Some(ts.to_string()),
            entry: None,
            update: false,
        };
        match self.write(ev)? {
            Outcome::Truncate(o) => Ok(o),
            Outcome::Add(_) => Err(WriteError::Invalid("that key was used for an add".into())),
        }
    }

    pub fn lookup(&mut self, list: &str, q: &Lookup) -> Result<Option<Entry>, String> {
        Ok(self.db()?.lookup(list, q).cloned())
    }
}

fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}
