//! What makes a finished job not whole, found cheaply before it is reused (`find`): its
//! setup.json, and every file whose length and stamp post.json or a dataset.json recorded (the
//! result, saved files, each `dataset.json` and every column part file the job holds), checked by
//! one `stat` each. A file whose stamp (device, inode, ctime) is the one taken right after it was
//! written and hashed has not been written since; one whose stamp changed is hashed, as a reader
//! would. `Damage` is what was found, as data: `why` and the `built` line render it.

use std::fmt::Write as _;
use std::io;

use camino::Utf8Path;

use crate::checksum::{Mismatch, Sums};
use crate::dataset::format::{self, Encoding, DS_DIR, META};
use crate::error::Error;
use crate::job::records::{self, Post, RESULT};

/// How far `find` looks at a file whose length is right but whose stamp changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Lengths and stamps only: nothing is hashed, a changed stamp passes (for jobs that could
    /// not be reused anyway, whose damage is only told).
    Stat,
    /// A file whose stamp changed is hashed whole (a candidate for reuse).
    Hash,
}

/// One thing that keeps a job from being whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The file, relative to the job directory: `result.msgpack`, `DS/default/c0.0.data`.
    pub file: String,
    /// For a column part: `dataset default, column `n`, slice 0`.
    pub column: Option<String>,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Missing,
    /// It is there but cannot be read (the error).
    Unreadable(String),
    /// Its length or a block differs from the record.
    Differs(Mismatch),
    /// A dataset.json that lacks the part a column needs (the part's file name).
    NotListed(String),
    /// A setup.json or dataset.json that does not parse, or a dataset of a format this exax
    /// does not read (the message).
    Invalid(String),
}

impl Damage {
    /// `result.msgpack missing`, `DS/default/c0.0.data damaged`: for the `built` line.
    pub fn short(&self) -> String {
        match self.problem {
            Problem::Missing => format!("{} missing", self.file),
            _ => format!("{} damaged", self.file),
        }
    }

    /// `short` and, in parentheses, the column and what is wrong, for `exax why`.
    pub fn long(&self) -> String {
        let what = match &self.problem {
            Problem::Missing => None,
            Problem::Unreadable(e) => Some(format!("it cannot be read: {e}")),
            Problem::Differs(m) => Some(m.to_string()),
            Problem::NotListed(part) => Some(format!("it does not list file {part}")),
            Problem::Invalid(m) => Some(m.clone()),
        };
        match (&self.column, what) {
            (None, None) => self.short(),
            (Some(c), None) => format!("{} ({c})", self.short()),
            (None, Some(w)) => format!("{} ({w})", self.short()),
            (Some(c), Some(w)) => format!("{} ({c}: {w})", self.short()),
        }
    }
}

/// The first thing found that makes the job in `dir` (its post.json `post`) not whole, or None.
/// Costs one `stat` per recorded file (and per column part), one read of setup.json and of each
/// dataset.json; nothing else is read unless a stamp changed and `depth` is `Hash`.
pub fn find(dir: &Utf8Path, post: &Post, depth: Depth) -> Option<Damage> {
    let whole_file = |file: &str, problem| {
        Some(Damage {
            file: file.to_string(),
            column: None,
            problem,
        })
    };
    if let Err(e) = records::read_json::<records::Setup>(&dir.join(records::SETUP)) {
        return whole_file(
            records::SETUP,
            match e {
                Error::Io { .. } => Problem::Missing,
                e => Problem::Invalid(e.to_string()),
            },
        );
    }
    // Jobs from before checksums were recorded: their result and files must at least open.
    let opens = |name: &str| post.checksums.contains_key(name) || std::fs::File::open(dir.join(name)).is_ok();
    if post.result == Some(true) && !opens(RESULT) {
        return whole_file(RESULT, Problem::Missing);
    }
    if let Some(f) = post.files.iter().find(|f| !opens(f)) {
        return whole_file(f, Problem::Missing);
    }
    let mut datasets = Vec::new();
    for (name, sums) in &post.checksums {
        if let Some(ds) = dataset_of(name) {
            // Read, hashed and parsed below: its column parts are listed in it.
            datasets.push((ds, Some(sums)));
            continue;
        }
        if let Some(problem) = check(dir.join(name).as_std_path(), sums, depth) {
            return whole_file(name, problem);
        }
    }
    if post.checksums.is_empty() {
        // A job from before checksums: a dataset of it is refused as of an older format.
        datasets.extend(format::dataset_names(dir).into_iter().map(|n| (n, None)));
    }
    datasets.into_iter().find_map(|(name, sums)| dataset(dir, &name, sums, depth))
}

/// `DS/<name>/dataset.json` → `<name>`.
fn dataset_of(file: &str) -> Option<String> {
    let name = file
        .strip_prefix(DS_DIR)?
        .strip_prefix('/')?
        .strip_suffix(META)?
        .strip_suffix('/')?;
    (!name.is_empty() && !name.contains('/')).then(|| name.to_string())
}

/// The file at `path` against `sums`: its length, then its stamp, then (`Hash`, stamp changed)
/// its blocks.
fn check(path: &std::path::Path, sums: &Sums, depth: Depth) -> Option<Problem> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Some(Problem::Missing),
        Err(e) => return Some(Problem::Unreadable(e.to_string())),
    };
    if meta.len() != sums.len {
        return Some(Problem::Differs(Mismatch::Length {
            found: meta.len(),
            recorded: sums.len,
        }));
    }
    if depth == Depth::Stat || same_stamp(&meta, sums.stamp.as_deref()) {
        return None;
    }
    match sums.check_file(path) {
        Ok(Ok(())) => None,
        Ok(Err(m)) => Some(Problem::Differs(m)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Some(Problem::Missing),
        Err(e) => Some(Problem::Unreadable(e.to_string())),
    }
}

/// `meta`'s `checksum::stamp` (`dev:ino:ctime.ns`) is `recorded`: compared as numbers, as a
/// reuse compares one per column part and formatting each would cost more than the `stat`.
fn same_stamp(meta: &std::fs::Metadata, recorded: Option<&str>) -> bool {
    use std::os::unix::fs::MetadataExt;
    let parse = |r: &str| -> Option<(u64, u64, i64, i64)> {
        let (dev, rest) = r.split_once(':')?;
        let (ino, ctime) = rest.split_once(':')?;
        let (sec, ns) = ctime.split_once('.')?;
        Some((dev.parse().ok()?, ino.parse().ok()?, sec.parse().ok()?, ns.parse().ok()?))
    };
    recorded.and_then(parse) == Some((meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec()))
}

/// Dataset `name` of the job: its dataset.json against `sums` (post.json's record; always
/// hashed, as it is read anyway), then every part of every column whose files the dataset holds
/// (a linked column is checked in the job that holds its files: rebuilding this one would link
/// the same files again).
fn dataset(job_dir: &Utf8Path, name: &str, sums: Option<&Sums>, depth: Depth) -> Option<Damage> {
    let dir = format::dataset_dir(job_dir, name);
    let rel = format!("{DS_DIR}/{name}/");
    let damage = |file: &str, column: Option<String>, problem| {
        Some(Damage {
            file: format!("{rel}{file}"),
            column,
            problem,
        })
    };
    let bytes = match std::fs::read(dir.join(META)) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return damage(META, None, Problem::Missing),
        Err(e) => return damage(META, None, Problem::Unreadable(e.to_string())),
    };
    if let Some(Err(m)) = sums.map(|s| s.check(&bytes)) {
        return damage(META, None, Problem::Differs(m));
    }
    let meta = match format::parse_meta(&dir, &bytes) {
        Ok(m) => m,
        Err(e) => return damage(META, None, Problem::Invalid(e.to_string())),
    };
    let own = meta.id();
    // One path buffer: the dataset directory, then each part's file name.
    let mut path = format!("{dir}/");
    let base = path.len();
    for c in meta.columns.iter().filter(|c| c.location == own) {
        for (slice, sc) in c.slices.iter().enumerate() {
            if meta.lines.get(slice).copied().unwrap_or(0) == 0 {
                continue;
            }
            let column = || Some(format!("dataset {name}, column `{}`, slice {slice}", c.name));
            let needed: &[&str] = match (c.ty.width(), sc.encoding) {
                (Some(_), _) => &["data"],
                (None, Encoding::Dict) => &["codes", "dict"],
                (None, Encoding::Plain) => &["offsets", "data"],
            };
            if let Some(part) = needed.iter().find(|p| !sc.parts.contains_key(**p)) {
                return damage(META, column(), Problem::NotListed(format!("{}.{slice}.{part}", c.file)));
            }
            for (part, sums) in &sc.parts {
                path.truncate(base);
                let _ = write!(path, "{}.{slice}.{part}", c.file);
                if let Some(problem) = check(std::path::Path::new(&path), sums, depth) {
                    return damage(&path[base..], column(), problem);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_names_from_post_json() {
        assert_eq!(dataset_of("DS/default/dataset.json").as_deref(), Some("default"));
        assert_eq!(dataset_of("DS/a.b/dataset.json").as_deref(), Some("a.b"));
        assert_eq!(dataset_of("DS//dataset.json"), None);
        assert_eq!(dataset_of("DS/a/b/dataset.json"), None);
        assert_eq!(dataset_of("result.msgpack"), None);
        assert_eq!(dataset_of("DSx/dataset.json"), None);
    }

    #[test]
    fn stamps_compare_as_recorded() {
        let f = tempfile::NamedTempFile::new().unwrap();
        let meta = f.as_file().metadata().unwrap();
        let now = crate::checksum::stamp(&meta);
        assert!(same_stamp(&meta, Some(&now)));
        assert!(!same_stamp(&meta, None));
        assert!(!same_stamp(&meta, Some("1:2:3.000000004")));
        assert!(!same_stamp(&meta, Some("garbage")));
        assert!(!same_stamp(&meta, Some(&now.replacen(':', "9:", 1))));
    }

    #[test]
    fn long_names_the_column_and_the_problem() {
        let d = Damage {
            file: "DS/default/c1.0.data".into(),
            column: Some("dataset default, column `u`, slice 0".into()),
            problem: Problem::Differs(Mismatch::Block { start: 0, end: 9 }),
        };
        assert_eq!(d.short(), "DS/default/c1.0.data damaged");
        assert_eq!(
            d.long(),
            "DS/default/c1.0.data damaged (dataset default, column `u`, slice 0: bytes 0 to 9 do not match their checksum)"
        );
        let gone = Damage {
            file: "result.msgpack".into(),
            column: None,
            problem: Problem::Missing,
        };
        assert_eq!(gone.long(), "result.msgpack missing");
    }
}
