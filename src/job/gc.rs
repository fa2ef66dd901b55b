//! What `exax gc` may delete. Unfinished and failed jobs can never be reused; a finished job may go
//! when nothing keeps it. Kept are: every job an urd session refers to, every job a link in the
//! result directory points into, the newest finished job of each reuse key started within the last
//! `keep_days`, and, transitively, everything a kept job needs (its job and dataset parameters,
//! its subjobs, and the jobs holding its datasets' previous, parent and column files).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{SystemTime, UNIX_EPOCH};

use camino::{Utf8Path, Utf8PathBuf};

use crate::dataset::format;
use crate::error::Result;
use crate::job::id::JobId;
use crate::job::records::{self, Failure, Post, Setup};
use crate::project::Project;

/// One job of the project as gc sees it.
pub struct JobInfo {
    pub id: JobId,
    pub dir: Utf8PathBuf,
    pub setup: Option<Setup>,
    pub post: Option<Post>,
}

/// A job gc would delete, and why.
pub struct Candidate {
    pub id: JobId,
    pub dir: Utf8PathBuf,
    pub method: String,
    pub reason: String,
    pub bytes: u64,
    /// Seconds since the job started (or its directory was made).
    pub age: f64,
    /// The reuse key from setup.json, for taking its build lock before deleting.
    pub hash: Option<String>,
}

/// Every job in the project's workdirs.
pub fn all_jobs(project: &Project) -> Result<Vec<JobInfo>> {
    let mut out = Vec::new();
    for wd in &project.workdirs {
        for n in wd.job_numbers()? {
            let dir = wd.job_path(n);
            out.push(JobInfo {
                id: JobId::new(&wd.name, n),
                setup: records::read_json::<Setup>(&dir.join(records::SETUP)).ok(),
                post: records::read_post(&dir),
                dir,
            });
        }
    }
    Ok(out)
}

/// The jobs that `jobs` (finished ones) may not lose: `roots` and all they need.
pub fn kept(project: &Project, jobs: &[JobInfo], keep_days: f64) -> Result<BTreeSet<JobId>> {
    let mut roots: BTreeSet<JobId> = crate::urd::referenced_jobs(project)?;
    roots.extend(result_links(project));
    let now = now();
    let mut newest: BTreeMap<&str, (f64, &JobId)> = BTreeMap::new();
    for j in jobs {
        if let (Some(s), Some(_)) = (&j.setup, &j.post) {
            let e = newest.entry(s.hash.as_str()).or_insert((s.starttime, &j.id));
            if s.starttime >= e.0 {
                *e = (s.starttime, &j.id);
            }
        }
    }
    roots.extend(
        newest
            .values()
            .filter(|(t, _)| now - t <= keep_days * 86400.0)
            .map(|(_, id)| (*id).clone()),
    );
    let by_id: BTreeMap<&JobId, &JobInfo> = jobs.iter().map(|j| (&j.id, j)).collect();
    let mut kept = BTreeSet::new();
    let mut todo: Vec<JobId> = roots.into_iter().collect();
    while let Some(id) = todo.pop() {
        if !kept.insert(id.clone()) {
            continue;
        }
        if let Some(j) = by_id.get(&id) {
            todo.extend(needs(j).into_iter().filter(|d| !kept.contains(d)));
        }
    }
    Ok(kept)
}

/// What a job refers to: job and dataset parameters, subjobs, and the jobs behind its datasets.
fn needs(j: &JobInfo) -> BTreeSet<JobId> {
    let mut out = BTreeSet::new();
    let mut add = |s: &str| {
        if let Some(id) = JobId::parse(format::split_id(s).0) {
            out.insert(id);
        }
    };
    if let Some(s) = &j.setup {
        for v in s.jobs.values().chain(s.datasets.values()) {
            for text in strings(v) {
                add(text);
            }
        }
    }
    if let Some(p) = &j.post {
        for s in &p.subjobs {
            add(s);
        }
    }
    for name in format::dataset_names(&j.dir) {
        if let Ok(meta) = format::read_meta(&format::dataset_dir(&j.dir, &name)) {
            for s in meta
                .previous
                .iter()
                .chain(&meta.parent)
                .chain(meta.columns.iter().map(|c| &c.location))
            {
                add(s);
            }
        }
    }
    out
}

fn strings(v: &serde_json::Value) -> Vec<&str> {
    match v {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(a) => a.iter().flat_map(strings).collect(),
        serde_json::Value::Object(m) => m.values().flat_map(strings).collect(),
        _ => vec![],
    }
}

/// Jobs that a symlink in the result directory (at any depth) points into.
fn result_links(project: &Project) -> Vec<JobId> {
    let mut out = Vec::new();
    let mut dirs = vec![project.config.result_directory.clone()];
    while let Some(d) = dirs.pop() {
        let Ok(rd) = d.read_dir_utf8() else { continue };
        for e in rd.flatten() {
            let p = e.path().to_path_buf();
            match p.symlink_metadata() {
                Ok(m) if m.file_type().is_symlink() => {
                    if let Ok(target) = std::fs::read_link(&p) {
                        let target = if target.is_absolute() {
                            target
                        } else {
                            d.as_std_path().join(target)
                        };
                        if let Some(id) = job_of_path(project, &target) {
                            out.push(id);
                        }
                    }
                }
                Ok(m) if m.is_dir() => dirs.push(p),
                _ => {}
            }
        }
    }
    out
}

fn job_of_path(project: &Project, target: &std::path::Path) -> Option<JobId> {
    for wd in &project.workdirs {
        let base = wd.path.canonicalize().unwrap_or_else(|_| wd.path.clone().into_std_path_buf());
        let t = normalize(target);
        if let Ok(rest) = t.strip_prefix(&base).or_else(|_| t.strip_prefix(wd.path.as_std_path())) {
            let first = rest.components().next()?.as_os_str().to_str()?;
            return JobId::parse(first).filter(|id| id.workdir == wd.name);
        }
    }
    None
}

/// `a/b/../c` as `a/c`, without touching the filesystem beyond the existing prefix.
fn normalize(p: &std::path::Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out.canonicalize().unwrap_or(out)
}

/// The jobs gc would delete, oldest first.
pub fn candidates(project: &Project, keep_days: f64, only_workdir: Option<&str>) -> Result<Vec<Candidate>> {
    let jobs = all_jobs(project)?;
    let kept = kept(project, &jobs, keep_days)?;
    let now = now();
    let mut out = Vec::new();
    for j in jobs {
        if only_workdir.is_some_and(|w| w != j.id.workdir) {
            continue;
        }
        let reason = match &j.post {
            Some(_) if kept.contains(&j.id) => continue,
            Some(_) => "finished, nothing keeps it".to_string(),
            None => match records::read_json::<Failure>(&j.dir.join(records::FAILURE)) {
                Ok(f) => format!("failed: {}", f.message.lines().next().unwrap_or("")),
                Err(_) => "unfinished".to_string(),
            },
        };
        let started = match &j.setup {
            Some(s) => s.starttime,
            None => std::fs::metadata(&j.dir)
                .and_then(|m| m.modified())
                .map(|t| t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64())
                .unwrap_or(now),
        };
        out.push(Candidate {
            method: j.setup.as_ref().map_or("?", |s| s.method.as_str()).to_string(),
            hash: j.setup.as_ref().map(|s| s.hash.clone()),
            bytes: size(&j.dir),
            age: (now - started).max(0.0),
            reason,
            id: j.id,
            dir: j.dir,
        });
    }
    Ok(out)
}

/// Bytes on disk under `dir` (files, not following symlinks).
pub fn size(dir: &Utf8Path) -> u64 {
    let mut total = 0;
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let Ok(rd) = d.read_dir_utf8() else { continue };
        for e in rd.flatten() {
            match e.path().symlink_metadata() {
                Ok(m) if m.is_dir() => dirs.push(e.path().to_path_buf()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64()
}
