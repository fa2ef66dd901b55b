//! Whether a finished job is whole, against the checksums written with it: `post.json` records
//! the length and block hashes (`checksum::Sums`) of the result, of every file the job listed and
//! of each dataset's `dataset.json` (`record`); each dataset records its column files'. `job` checks
//! a job whole (for `exax verify`); `check_read` checks one file as `job:load` reads it. The
//! cheap test a reuse makes (a `stat` per file) is `job::damage`.

use std::collections::BTreeMap;

use camino::Utf8Path;

use crate::checksum::{self, Sums};
use crate::dataset::format::{self, Encoding, DS_DIR, META};
use crate::error::{Error, Result};
use crate::job::records::{self, Post, RESULT};

/// The checksums to record in post.json: the result (when there is one), each listed file and
/// each finished dataset's `dataset.json`, each with its stamp (so a reuse need not hash it
/// while the stamp is unchanged). A file that cannot be read is left out (a reuse then finds
/// it missing).
pub fn record(dir: &Utf8Path, files: &[String]) -> BTreeMap<String, Sums> {
    let mut names: Vec<String> = files.to_vec();
    names.push(RESULT.to_string());
    names.extend(format::dataset_names(dir).into_iter().map(|n| format!("{DS_DIR}/{n}/{META}")));
    let mut out = BTreeMap::new();
    for name in names {
        if let Ok(sums) = checksum::of_file(dir.join(&name).as_std_path()) {
            out.insert(name, sums);
        }
    }
    out
}

/// `bytes`, just read from the job's file `name`, against what its post.json recorded: an error
/// naming the job and the file when they differ. A job without post.json (still running) or a
/// file it does not list passes.
pub fn check_read(dir: &Utf8Path, job: &str, name: &str, bytes: &[u8]) -> Result<()> {
    let Some(post) = records::read_post(dir) else {
        return Ok(());
    };
    match post.checksums.get(name) {
        Some(sums) => sums.check(bytes).map_err(|m| {
            Error::User(format!(
                "job {job} is damaged: its file {name}: {m} (`exax verify {job}` checks it whole)"
            ))
        }),
        None => Ok(()),
    }
}

/// What `job` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No post.json: the job did not finish (or is running); nothing is checked.
    Unfinished,
    /// Every damaged item, each naming what it is (dataset, column, slice, file) and what is
    /// wrong; empty for a whole job.
    Checked(Vec<String>),
}

/// Checks the job in `dir` whole: setup.json and post.json parse, every file post.json lists
/// matches its checksums, and every column part of every dataset the job holds matches its
/// block checksums (each part is read once).
pub fn job(dir: &Utf8Path) -> Verdict {
    let post: Post = match records::read_json(&dir.join(records::POST)) {
        Ok(p) => p,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => return Verdict::Unfinished,
        Err(_) => return Verdict::Checked(vec![format!("file {}: it is not a valid record", records::POST)]),
    };
    let mut damage = Vec::new();
    match records::read_json::<records::Setup>(&dir.join(records::SETUP)) {
        Ok(_) => {}
        Err(Error::Io { .. }) => damage.push(format!("file {}: the file is missing", records::SETUP)),
        Err(_) => damage.push(format!("file {}: it is not a valid record", records::SETUP)),
    }
    for (name, sums) in &post.checksums {
        if let Some(d) = check_file(dir, name, sums) {
            damage.push(format!("file {name}: {d}"));
        }
    }
    // Jobs from before checksums were recorded: their files must at least be there.
    let listed: Vec<&String> = post.files.iter().filter(|f| !post.checksums.contains_key(*f)).collect();
    for name in listed {
        if !dir.join(name).is_file() {
            damage.push(format!("file {name}: the file is missing"));
        }
    }
    if post.result == Some(true) && !post.checksums.contains_key(RESULT) && !dir.join(RESULT).is_file() {
        damage.push(format!("file {RESULT}: the file is missing"));
    }
    for name in format::dataset_names(dir) {
        datasets(dir, &name, &mut damage);
    }
    Verdict::Checked(damage)
}

/// A file against its sums: None when it matches, else what is wrong.
fn check_file(dir: &Utf8Path, name: &str, sums: &Sums) -> Option<String> {
    match sums.check_file(dir.join(name).as_std_path()) {
        Ok(Ok(())) => None,
        Ok(Err(m)) => Some(m.to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("the file is missing".to_string()),
        Err(e) => Some(format!("cannot be read: {e}")),
    }
}

/// The column parts of dataset `name` that live in this job (a linked column is checked in the
/// dataset that holds its files).
fn datasets(job_dir: &Utf8Path, name: &str, damage: &mut Vec<String>) {
    let dir = format::dataset_dir(job_dir, name);
    let meta = match format::read_meta(&dir) {
        Ok(m) => m,
        Err(e) => {
            damage.push(format!("dataset {name}: {e}"));
            return;
        }
    };
    let own = meta.id();
    for c in meta.columns.iter().filter(|c| c.location == own) {
        for (slice, sc) in c.slices.iter().enumerate() {
            if meta.lines.get(slice).copied().unwrap_or(0) == 0 {
                continue;
            }
            let at = |part: &str| format!("dataset {name}, column `{}`, slice {slice}, file {}.{slice}.{part}", c.name, c.file);
            let needed: &[&str] = match (c.ty.width(), sc.encoding) {
                (Some(_), _) => &["data"],
                (None, Encoding::Dict) => &["codes", "dict"],
                (None, Encoding::Plain) => &["offsets", "data"],
            };
            for part in needed.iter().filter(|p| !sc.parts.contains_key(**p)) {
                damage.push(format!("{}: dataset.json does not list it", at(part)));
            }
            for (part, sums) in &sc.parts {
                let file = format::part_path(&dir, &c.file, slice, part);
                let rel = file
                    .strip_prefix(job_dir)
                    .map(|r| r.to_string())
                    .unwrap_or_else(|_| file.to_string());
                if let Some(d) = check_file(job_dir, &rel, sums) {
                    damage.push(format!("{}: {d}", at(part)));
                }
            }
        }
    }
}
