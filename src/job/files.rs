//! A job's own files (manual 8.8–8.10): names and sliced names on disk, which names are exax's,
//! atomic saves, and registration. Registration is automatic (every top-level file that is not
//! exax's) until a helper writes a permanent file or the job registers one; from then on only
//! registered names count. Temp files are deleted when the job ends unless registered.
//!
//! Every process of a job (the runner for prepare and synthesis, one worker per analysis slice)
//! appends what it wrote and registered to its own log, `.exax-tmp/files.<host>.<pid>` (a worker's
//! also names its slice and attempt), one JSON event a line; `finish` merges the logs when the job
//! ends, so no registration depends on which process made it, and a crashed worker leaves
//! everything it logged before the crash. What an attempt given up as lost wrote goes
//! (`drop_lost_attempts`).

use std::collections::BTreeSet;
use std::io::Write;

use camino::{Utf8Component, Utf8Path, Utf8PathBuf};
use serde::{Deserialize, Serialize};

use crate::confine;
use crate::error::{Error, IoContext, Result};
use crate::job::builder::HASHED_DIR;
use crate::job::id::JobId;
use crate::job::records::{self, OUTPUT_DIR, TEMP_DIR};

/// Files at the top of a job directory that exax writes itself.
const OWN_FILES: &[&str] = &[
    records::SETUP,
    records::POST,
    records::RESULT,
    records::METHOD_SOURCE,
    records::FAILURE,
];
/// Directories at the top of a job directory that belong to exax.
const OWN_DIRS: &[&str] = &[OUTPUT_DIR, TEMP_DIR, HASHED_DIR, crate::dataset::format::DS_DIR];

/// The file on disk for `name`, or for slice `sliceno` of the sliced file `name`.
pub fn disk_name(name: &str, sliceno: Option<usize>) -> String {
    match sliceno {
        Some(n) => format!("{name}.{n}"),
        None => name.to_string(),
    }
}

/// `name` as a clean relative path inside the job directory (`./a//b` is `a/b`), or an error for
/// an empty name, an absolute one, one with `..`, or one with a NUL byte.
pub fn clean_name(id: &JobId, name: &str) -> Result<String> {
    if confine::has_nul(name) {
        return Err(Error::User(format!(
            "job {id}: `{}` is not a file name (it holds a NUL byte)",
            name.escape_debug()
        )));
    }
    let bad = || {
        Error::User(format!(
            "job {id}: `{name}` is not a file name inside the job directory (use a relative name without `..`)"
        ))
    };
    let mut parts = Vec::new();
    for c in Utf8Path::new(name).components() {
        match c {
            Utf8Component::Normal(p) => parts.push(p),
            Utf8Component::CurDir => {}
            _ => return Err(bad()),
        }
    }
    if parts.is_empty() {
        return Err(bad());
    }
    Ok(parts.join("/"))
}

/// The file `disk` (a clean name) of the job at `job`, refused when a symlink on the way leads
/// out of the job directory.
pub fn inside_path(id: &JobId, job: &Utf8Path, disk: &str) -> Result<Utf8PathBuf> {
    if !confine::stays_inside(job, Utf8Path::new(disk)) {
        return Err(Error::User(format!(
            "job {id}: `{disk}` leads out of the job directory (through a symlink)"
        )));
    }
    Ok(job.join(disk))
}

/// A clean name that a job may write or register: not one of exax's own files.
pub fn writable_name(id: &JobId, name: &str) -> Result<String> {
    let clean = clean_name(id, name)?;
    if is_exax_own(&clean) {
        return Err(Error::User(format!(
            "job {id}: `{clean}` belongs to exax (its own files are {} and the directories {}/); choose another name",
            OWN_FILES.join(", "),
            OWN_DIRS.join("/, ")
        )));
    }
    Ok(clean)
}

/// exax's own files and directories, by clean relative name: never a job's file.
pub fn is_exax_own(rel: &str) -> bool {
    let top = rel.split('/').next().unwrap_or(rel);
    OWN_DIRS.contains(&top) || (!rel.contains('/') && OWN_FILES.contains(&rel))
}

/// What automatic registration leaves out: exax's own files and hidden files (the temporary
/// names of atomic writes among them).
fn not_auto_registered(name: &str) -> bool {
    name.starts_with('.') || is_exax_own(name)
}

/// Automatic registration: every regular file at the top of the job directory except exax's own
/// and hidden ones, sorted.
pub fn auto_registered_files(path: &Utf8Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).at(path)? {
        let entry = entry.at(path)?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        if !entry.file_type().at(path)?.is_file() || not_auto_registered(&name) {
            continue;
        }
        files.push(name);
    }
    files.sort();
    Ok(files)
}

/// Writes `bytes` to `path` through a hidden temporary name in the same directory and a rename,
/// so no reader ever sees half a file.
pub fn write_atomic(path: &Utf8Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Utf8Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.{}.exax-tmp",
        path.file_name().unwrap_or("file"),
        crate::sys::host_name(),
        std::process::id()
    ));
    // A fresh file (never one already there, a symlink included) under the temporary name.
    let _ = std::fs::remove_file(&tmp);
    let written = std::fs::File::options()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes));
    if let Err(e) = written.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

/// One line of a registration log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// `save`, `json_save` or `open` for writing made `disk`, the file (or one slice) of `name`.
    Wrote { name: String, disk: String, temp: bool },
    /// `register_file(s)` registered `name`, whose files on disk are `disks`.
    Registered { name: String, disks: Vec<String> },
}

/// This process's log: `files.<host>.<pid>`, or for an analysis worker
/// `files.slice<s>.attempt<a>.<host>.<pid>`.
fn log_file(job: &Utf8Path) -> Utf8PathBuf {
    let me = crate::job::attempt::current();
    let name = match me.worker {
        Some((slice, attempt)) => format!("files.slice{slice}.attempt{attempt}.{}.{}", me.host, me.pid),
        None => format!("files.{}.{}", me.host, me.pid),
    };
    job.join(TEMP_DIR).join(name)
}

fn read_log(path: &Utf8Path) -> Result<Vec<Event>> {
    let text = std::fs::read_to_string(path).at(path)?;
    Ok(text.lines().filter_map(|l| serde_json::from_str::<Event>(l).ok()).collect())
}

/// In the run, once every analysis slice succeeded, slice `s` with attempt `accepted[s]`: what
/// other attempts (lost ones) wrote and no other process of the job wrote goes, whole or half
/// written, and so do their logs.
pub fn drop_lost_attempts(job: &Utf8Path, accepted: &[u32]) -> Result<()> {
    let dir = job.join(TEMP_DIR);
    let mut lost = Vec::new();
    let mut kept = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let Ok(name) = entry.file_name().into_string() else { continue };
        if !name.starts_with("files.") {
            continue;
        }
        let path = dir.join(&name);
        // `files.slice<s>.attempt<a>.<host>.<pid>`: lost unless `a` is slice `s`'s accepted one.
        let lost_attempt = name.strip_prefix("files.slice").and_then(|r| {
            let (slice, rest) = r.split_once(".attempt")?;
            let attempt: u32 = rest.split('.').next()?.parse().ok()?;
            Some(accepted.get(slice.parse::<usize>().ok()?) != Some(&attempt))
        });
        let wrote = read_log(&path)?.into_iter().filter_map(|e| match e {
            Event::Wrote { disk, .. } => Some(disk),
            Event::Registered { .. } => None,
        });
        if lost_attempt == Some(true) {
            lost.push((path, wrote.collect::<Vec<_>>()));
        } else {
            kept.extend(wrote);
        }
    }
    for (log, wrote) in lost {
        for disk in wrote.iter().filter(|d| !kept.contains(*d)) {
            let p = job.join(disk);
            match std::fs::remove_file(&p) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(p, e)),
                _ => {}
            }
        }
        std::fs::remove_file(&log).at(&log)?;
    }
    Ok(())
}

/// Appends one event to this process's registration log of the job at `job`.
pub fn record(job: &Utf8Path, event: &Event) -> Result<()> {
    let dir = job.join(TEMP_DIR);
    std::fs::create_dir_all(&dir).at(&dir)?;
    let mut line = serde_json::to_string(event).map_err(|e| Error::Value(format!("registration log: {e}")))?;
    line.push('\n');
    let file = log_file(job);
    let mut f = std::fs::File::options().create(true).append(true).open(&file).at(&file)?;
    f.write_all(line.as_bytes()).at(&file)
}

/// Everything the processes of one job wrote and registered, merged.
#[derive(Debug, Default, PartialEq)]
pub struct Registrations {
    /// A permanent file was written or a file registered: automatic registration is off.
    pub manual: bool,
    pub names: BTreeSet<String>,
    /// Files on disk written as temp and never registered or rewritten as permanent.
    pub temp: BTreeSet<String>,
}

impl Registrations {
    /// Merges events in any order: a file written as temp is temporary unless some event (before
    /// or after, in any process) made it permanent.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Registrations {
        let mut r = Registrations::default();
        let mut kept = BTreeSet::new();
        let mut temp = BTreeSet::new();
        for e in events {
            match e {
                Event::Wrote { disk, temp: true, .. } => {
                    temp.insert(disk.clone());
                }
                Event::Wrote { name, disk, temp: false } => {
                    r.manual = true;
                    r.names.insert(name.clone());
                    kept.insert(disk.clone());
                }
                Event::Registered { name, disks } => {
                    r.manual = true;
                    r.names.insert(name.clone());
                    kept.extend(disks.iter().cloned());
                }
            }
        }
        r.temp = temp.difference(&kept).cloned().collect();
        r
    }

    /// Reads every registration log of the job at `job` (lines a crash cut short are skipped).
    pub fn read(job: &Utf8Path) -> Result<Registrations> {
        let dir = job.join(TEMP_DIR);
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Registrations::default()),
            Err(e) => return Err(Error::io(dir, e)),
        };
        let mut events = Vec::new();
        for entry in rd {
            let entry = entry.at(&dir)?;
            let Ok(name) = entry.file_name().into_string() else { continue };
            if !name.starts_with("files.") {
                continue;
            }
            events.extend(read_log(&dir.join(&name))?);
        }
        Ok(Registrations::from_events(&events))
    }

    /// The job's registered files as they stand: the registered names, or automatic registration
    /// without the temp files.
    pub fn files(&self, job: &Utf8Path) -> Result<Vec<String>> {
        if self.manual {
            return Ok(self.names.iter().cloned().collect());
        }
        Ok(auto_registered_files(job)?.into_iter().filter(|f| !self.temp.contains(f)).collect())
    }
}

/// When a job ends, successfully or not: deletes its temp files and returns its files for
/// post.json.
pub fn finish(job: &Utf8Path) -> Result<Vec<String>> {
    let reg = Registrations::read(job)?;
    for rel in &reg.temp {
        let p = job.join(rel);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(p, e)),
            _ => {}
        }
    }
    reg.files(job)
}

/// The regular files of the job at `job` that `pattern` matches (relative to the job directory,
/// `*` not matching a leading dot), without exax's own, sorted by clean relative name.
pub fn glob_files(id: &JobId, job: &Utf8Path, pattern: &str) -> Result<Vec<String>> {
    let rel = Utf8Path::new(pattern);
    if confine::has_nul(pattern) {
        return Err(Error::User(format!(
            "job {id}: register_files('{}'): the pattern holds a NUL byte",
            pattern.escape_debug()
        )));
    }
    if pattern.is_empty() || rel.is_absolute() || rel.components().any(|c| c == Utf8Component::ParentDir) {
        return Err(Error::User(format!(
            "job {id}: register_files('{pattern}'): the pattern must be relative to the job directory, without `..`"
        )));
    }
    let bad = |e: glob::PatternError| Error::User(format!("job {id}: register_files('{pattern}'): bad pattern: {e}"));
    glob::Pattern::new(pattern).map_err(bad)?;
    let parts = pattern
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .map(glob::Pattern::new)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(bad)?;
    let mut out = BTreeSet::new();
    walk(job, "", &parts, &mut out);
    if let Some(out_of_job) = out.iter().find(|f| !confine::stays_inside(job, Utf8Path::new(f))) {
        return Err(Error::User(format!(
            "job {id}: register_files('{pattern}'): `{out_of_job}` leads out of the job directory (through a symlink)"
        )));
    }
    Ok(out.into_iter().collect())
}

/// Matches one pattern component per directory level (the glob crate's own walk skips hidden
/// files even when the pattern asks for them).
fn walk(dir: &Utf8Path, rel: &str, parts: &[glob::Pattern], out: &mut BTreeSet<String>) {
    let Some((first, rest)) = parts.split_first() else { return };
    let opts = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for entry in rd.flatten() {
        let Ok(name) = entry.file_name().into_string() else { continue };
        if !first.matches_with(&name, opts) {
            continue;
        }
        let child = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        if is_exax_own(&child) {
            continue;
        }
        let path = dir.join(&name);
        if rest.is_empty() {
            if path.is_file() {
                out.insert(child);
            }
        } else if path.is_dir() {
            walk(&path, &child, rest, out);
        }
    }
}

/// A path inside the input directory; `..`, absolute parts and symlinks out of it are refused.
pub fn input_path(input: &camino::Utf8Path, parts: &[String]) -> Result<Utf8PathBuf> {
    let mut p = input.to_path_buf();
    if let Some(part) = parts.iter().find(|p| confine::has_nul(p)) {
        return Err(Error::User(format!(
            "input file `{}` is not a file name (it holds a NUL byte)",
            part.escape_debug()
        )));
    }
    for part in parts {
        let rel = camino::Utf8Path::new(part);
        if rel.is_absolute() || rel.components().any(|c| matches!(c, camino::Utf8Component::ParentDir)) {
            return Err(Error::User(format!(
                "input file `{}` must stay inside the input directory ({input})",
                parts.join("/")
            )));
        }
        p.push(rel);
    }
    // The deepest part that exists decides where the path leads (a symlinked directory may
    // point out even when the file itself does not exist yet).
    let existing = p.ancestors().find(|a| a.symlink_metadata().is_ok());
    if let (Some(real), Ok(base)) = (existing.map(|a| a.canonicalize()), input.canonicalize()) {
        if !real.as_ref().is_ok_and(|r| r.starts_with(&base)) {
            return Err(Error::User(format!(
                "input file `{}` leads out of the input directory ({input})",
                parts.join("/")
            )));
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What only a lost attempt at a slice wrote goes, with its log; what the accepted attempt,
    /// another slice or the run's own process wrote stays.
    #[test]
    fn a_lost_attempts_files_go_and_no_others() {
        let d = tempfile::tempdir().unwrap();
        let job = Utf8Path::from_path(d.path()).unwrap();
        let tmp = job.join(TEMP_DIR);
        std::fs::create_dir_all(&tmp).unwrap();
        let log = |name: &str, disks: &[&str]| {
            let mut text = String::new();
            for disk in disks {
                let e = Event::Wrote {
                    name: disk.to_string(),
                    disk: disk.to_string(),
                    temp: false,
                };
                text.push_str(&serde_json::to_string(&e).unwrap());
                text.push('\n');
                std::fs::write(job.join(disk), "x").unwrap();
            }
            std::fs::write(tmp.join(name), text).unwrap();
        };
        log("files.slice1.attempt1.node2.7", &["half.txt", "both.txt", "zero.txt", "main.txt"]);
        log("files.slice1.attempt2.node1.8", &["both.txt"]);
        log("files.slice0.attempt1.node1.9", &["zero.txt"]);
        log("files.node1.5", &["main.txt"]);
        drop_lost_attempts(job, &[1, 2]).unwrap();
        for (file, stays) in [("half.txt", false), ("both.txt", true), ("zero.txt", true), ("main.txt", true)] {
            assert_eq!(job.join(file).exists(), stays, "{file}");
        }
        assert!(!tmp.join("files.slice1.attempt1.node2.7").exists());
        let names: Vec<String> = Registrations::read(job).unwrap().names.into_iter().collect();
        assert_eq!(names, ["both.txt", "main.txt", "zero.txt"]);
    }

    fn id() -> JobId {
        JobId::new("t", 1)
    }

    #[test]
    fn names() {
        assert_eq!(clean_name(&id(), "./a//b").unwrap(), "a/b");
        assert_eq!(disk_name("x", Some(3)), "x.3");
        for bad in ["", ".", "/etc/passwd", "../t-0/x", "a/../../b"] {
            assert!(clean_name(&id(), bad).is_err(), "{bad:?}");
        }
        for own in [
            "setup.json",
            "./post.json",
            "OUTPUT/0",
            "hashed/methods/m.lua",
            ".exax-tmp/x",
            "DS/default/dataset.json",
            "method.lua",
        ] {
            assert!(writable_name(&id(), own).is_err(), "{own:?}");
        }
        assert_eq!(writable_name(&id(), "sub/setup.json").unwrap(), "sub/setup.json");
        assert_eq!(
            writable_name(&id(), "post.json").unwrap_err().to_string(),
            "job t-1: `post.json` belongs to exax (its own files are setup.json, post.json, result.msgpack, method.lua, failure.json and the directories OUTPUT/, .exax-tmp/, hashed/, DS/); choose another name"
        );
    }

    #[test]
    fn merging_registrations() {
        let wrote = |name: &str, disk: &str, temp| Event::Wrote {
            name: name.into(),
            disk: disk.into(),
            temp,
        };
        let auto = Registrations::from_events(&[wrote("t", "t", true)]);
        assert!(!auto.manual, "temp files leave registration automatic");
        assert_eq!(auto.temp.iter().collect::<Vec<_>>(), ["t"]);

        let events = [
            Event::Registered {
                name: "s".into(),
                disks: vec!["s.0".into(), "s.1".into()],
            },
            wrote("s", "s.0", true),
            wrote("s", "s.1", true),
            wrote("s", "s.2", true),
            wrote("a", "a", false),
            wrote("b", "b", true),
        ];
        let r = Registrations::from_events(&events);
        assert!(r.manual);
        assert_eq!(r.names.iter().collect::<Vec<_>>(), ["a", "s"]);
        assert_eq!(
            r.temp.iter().collect::<Vec<_>>(),
            ["b", "s.2"],
            "registered in any order keeps a file"
        );
    }

    #[test]
    fn log_round_trip_and_finish() {
        let dir = tempfile::tempdir().unwrap();
        let job = Utf8Path::from_path(dir.path()).unwrap();
        for f in ["keep", "tmp", "auto", "setup.json", ".hidden"] {
            std::fs::write(job.join(f), "x").unwrap();
        }
        std::fs::create_dir(job.join("sub")).unwrap();
        std::fs::write(job.join("sub/deep"), "x").unwrap();
        assert_eq!(auto_registered_files(job).unwrap(), ["auto", "keep", "tmp"]);
        record(
            job,
            &Event::Wrote {
                name: "tmp".into(),
                disk: "tmp".into(),
                temp: true,
            },
        )
        .unwrap();
        std::fs::write(job.join(TEMP_DIR).join("files.999"), "{\"event\":\"regis").unwrap();
        assert_eq!(Registrations::read(job).unwrap().files(job).unwrap(), ["auto", "keep"]);
        assert_eq!(finish(job).unwrap(), ["auto", "keep"]);
        assert!(!job.join("tmp").exists());
        assert_eq!(glob_files(&id(), job, "*").unwrap(), ["auto", "keep"]);
        assert_eq!(glob_files(&id(), job, "*/*").unwrap(), ["sub/deep"]);
        assert_eq!(glob_files(&id(), job, ".h*").unwrap(), [".hidden"]);
        assert!(glob_files(&id(), job, "../*").is_err());
    }

    #[test]
    fn atomic_write_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = Utf8Path::from_path(dir.path()).unwrap().join("f");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(write_atomic(&p.join("nodir/x"), b"x").is_err());
    }
}
