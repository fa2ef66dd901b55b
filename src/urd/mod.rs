//! Urd: named lists of timestamped build sessions (which jobs a build produced, and which
//! sessions it looked up), so a later build finds "the latest import" by name. The store is a
//! directory of append-only logs (`local.rs`, `log.rs`), in the project (`.exax/urd/`) or behind
//! `exax urd-server` (`server.rs`, reached through `client.rs`). No Lua here: `src/lua/urd.rs`
//! wraps this for build scripts and `src/cli/urd.rs` for the command line.

pub mod client;
pub mod db;
pub mod diff;
pub mod entry;
pub mod error;
pub mod local;
pub mod log;
pub mod path;
pub mod runs;
pub mod server;
pub mod timestamp;

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::job::id::JobId;
use crate::project::Project;

pub use entry::{AddOutcome, Dep, Entry, JobRef, TruncateOutcome};
pub use error::UrdError;
pub use timestamp::{Lookup, Timestamp};

/// The store a project uses: its own directory, or a server (`urd: http://host:port`).
pub enum Urd {
    Local(local::Store),
    Remote(client::Client),
}

/// `.exax/urd` in the project.
pub fn local_dir(project: &Project) -> std::path::PathBuf {
    project.root.join(".exax").join("urd").into_std_path_buf()
}

/// An error of the project's own store.
fn store_err(e: impl std::fmt::Display) -> Error {
    UrdError::Store(e.to_string()).into()
}

impl Urd {
    pub fn open(project: &Project) -> Result<Urd> {
        match &project.config.urd {
            Some(url) => Ok(Urd::Remote(client::Client::from_env(url)?)),
            None => Ok(Urd::Local(local::Store::open(&local_dir(project)).map_err(store_err)?)),
        }
    }

    /// The name a list is stored under: on a server a bare name is the user's own list.
    pub fn full_name(&self, list: &str) -> String {
        match self {
            Urd::Local(_) => list.to_string(),
            Urd::Remote(c) => c.full_name(list),
        }
    }

    /// May this user write? (A server checks the password; a local store always may.)
    pub fn check_writer(&mut self) -> Result<()> {
        match self {
            Urd::Local(_) => Ok(()),
            Urd::Remote(c) => c.test_auth(),
        }
    }

    pub fn add(&mut self, list: &str, entry: Entry, update: bool) -> Result<AddOutcome> {
        entry::check_list_name(list)?;
        match self {
            Urd::Local(s) => s.add(list, entry, update, new_key(), "").map_err(store_err),
            Urd::Remote(c) => c.add(list, entry, update),
        }
    }

    pub fn truncate(&mut self, list: &str, ts: &Timestamp) -> Result<TruncateOutcome> {
        entry::check_list_name(list)?;
        match self {
            Urd::Local(s) => s.truncate(list, ts, new_key(), "").map_err(store_err),
            Urd::Remote(c) => c.truncate(list, ts),
        }
    }

    pub fn lookup(&mut self, list: &str, q: &Lookup) -> Result<Option<Entry>> {
        entry::check_list_name(list)?;
        match self {
            Urd::Local(s) => s.lookup(list, q).map_err(store_err),
            Urd::Remote(c) => c.lookup(list, q),
        }
    }

    /// (timestamp, caption) of every session after `ts`, in order.
    pub fn since(&mut self, list: &str, ts: &Timestamp) -> Result<Vec<(String, String)>> {
        entry::check_list_name(list)?;
        match self {
            Urd::Local(s) => Ok(s
                .db()
                .map_err(store_err)?
                .since(list, ts)
                .into_iter()
                .map(|e| (e.timestamp.clone(), e.caption.clone()))
                .collect()),
            Urd::Remote(c) => c.since(list, ts),
        }
    }

    pub fn lists(&mut self) -> Result<Vec<String>> {
        match self {
            Urd::Local(s) => Ok(s.db().map_err(store_err)?.lists()),
            Urd::Remote(c) => c.lists(),
        }
    }
}

/// The job id a specifier `:LIST:NAME` or `:LIST/TS:NAME` names.
pub fn resolve_job_spec(project: &Project, spec: &str) -> Result<String> {
    let mut urd = Urd::open(project)?;
    let remote = matches!(urd, Urd::Remote(_));
    path::resolve_job(&mut urd, spec, remote)
}

/// Every job id that any urd session of the project refers to (in its joblist or in the
/// joblists of the sessions it depended on), history included: `exax gc` keeps these.
/// A server store is asked for its active sessions (a server's history is its own).
pub fn referenced_jobs(project: &Project) -> Result<BTreeSet<JobId>> {
    let mut out = BTreeSet::new();
    let mut add = |e: &Entry| {
        for (_, id) in e.joblist.iter().chain(e.deps.values().flat_map(|d| d.joblist.iter())) {
            if let Some(id) = JobId::parse(id) {
                out.insert(id);
            }
        }
    };
    match Urd::open(project)? {
        Urd::Local(mut s) => {
            for e in s.db().map_err(store_err)?.all_entries() {
                add(e);
            }
        }
        mut u @ Urd::Remote(_) => {
            let zero = Timestamp::parse("0")?;
            for list in u.lists()? {
                for (ts, _) in u.since(&list, &zero)? {
                    if let Some(e) = u.lookup(&list, &Lookup::Exact(Timestamp::parse(&ts)?))? {
                        add(&e);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// A fresh idempotency key: process, time and 64 random bits.
pub fn new_key() -> String {
    use std::io::Read;
    let mut r = [0u8; 8];
    let _ = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut r));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}-{nanos:x}-{:016x}", std::process::id(), u64::from_le_bytes(r))
}

/// Now, UTC, as `2026-11-28T04:10:00.123456`.
pub fn now_text() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let (y, m, dd) = crate::dataset::datetime::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{dd:02}T{:02}:{:02}:{:02}.{:06}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// Parses a job id the user typed (or an urd job specifier, `:LIST:NAME`) and checks that
/// the job exists.
pub fn existing_job(project: &Project, text: &str) -> Result<(JobId, camino::Utf8PathBuf)> {
    let resolved;
    let text = if text.starts_with(':') {
        resolved = resolve_job_spec(project, text)?;
        resolved.as_str()
    } else {
        text
    };
    let id =
        JobId::parse(text).ok_or_else(|| Error::User(format!("`{text}` is not a job id (expected `workdir-number`, like `demo-3`)")))?;
    let wd = project.workdir(&id.workdir)?;
    let path = wd.job_path(id.number);
    if !path.is_dir() {
        return Err(Error::User(format!("job {id} does not exist ({path})")));
    }
    if !crate::confine::stays_inside(&wd.path, camino::Utf8Path::new(&id.to_string())) {
        return Err(Error::User(format!("job {id} leads out of workdir `{}` ({})", wd.name, wd.path)));
    }
    Ok((id, path))
}
