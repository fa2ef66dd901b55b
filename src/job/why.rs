//! Why a build builds rather than reuses (`exax why`, `urd:build(..., {why_build = true})`,
//! `exax run --why` and the reason on each `built` line): the finished jobs of the method that
//! are nearest to what is asked now, and what differs from each: the method source (a unified
//! diff against the job's `method.lua`), a required module or `depend_extra` file (against the
//! job's copy under `hashed/`), a parameter (old value, new value, default), an input file (size,
//! time, content).

use std::collections::HashMap;
use std::sync::Arc;

use camino::{Utf8Path, Utf8PathBuf};
use parking_lot::Mutex;
use xxhash_rust::xxh3::xxh3_128;

use crate::error::Result;
use crate::job::damage::{Damage, Depth};
use crate::job::diff;
use crate::job::id::JobId;
use crate::job::inputs::InputChange;
use crate::job::records::{self, Setup};
use crate::job::reuse_key::ReuseKey;
use crate::json;
use crate::method::{MethodDecl, Params};
use crate::project::Project;

/// A parameter section: its name, the values now, the values the job got (setup.json).
type Section<'a> = (
    &'static str,
    &'a [(String, crate::value::Value)],
    &'a serde_json::Map<String, serde_json::Value>,
);

/// Finished jobs of one method compared at most (the newest ones) by `exax why` and
/// `why_build`; the reason on a `built` line compares fewer (`builder`), as it is paid on every
/// fresh build.
pub const MAX_COMPARED: usize = 500;

#[derive(Debug, Clone)]
pub enum Diff {
    /// The method source differs; `diff` is unified, from the job's copy to the file now.
    Source {
        file: String,
        diff: String,
    },
    /// A required module or depend_extra file was added, removed or changed.
    File {
        kind: &'static str,
        file: String,
        change: &'static str,
        diff: String,
    },
    /// A parameter differs; values as Lua literals (None: not there).
    Param {
        section: &'static str,
        name: String,
        old: Option<String>,
        new: Option<String>,
        default: Option<String>,
    },
    Input {
        input_dir: String,
        change: InputChange,
    },
    /// The job is not whole (`reuse::damage`), so it cannot be reused.
    Damaged {
        job: String,
        damage: Damage,
    },
}

impl Diff {
    /// One short phrase: `source changed: methods/m.lua`, `option x: 3 -> 4`.
    pub fn short(&self) -> String {
        match self {
            Diff::Source { file, .. } => format!("source changed: {file}"),
            Diff::File { kind, file, change, .. } => format!("{kind} {change}: {file}"),
            Diff::Param {
                section, name, old, new, ..
            } => format!(
                "{section} {name}: {} -> {}",
                old.as_deref().unwrap_or("(none)"),
                new.as_deref().unwrap_or("(none)")
            ),
            Diff::Input { input_dir, change } => {
                format!("input changed: {}/{}", input_dir.trim_end_matches('/'), change.was.name)
            }
            Diff::Damaged { job, damage } => format!("job {job} not whole: {}", damage.short()),
        }
    }

    /// The phrase and, for a file, its unified diff, indented.
    pub fn long(&self) -> String {
        let indent = |text: &str| -> String { text.lines().map(|l| format!("    {l}\n")).collect() };
        match self {
            Diff::Source { diff, .. } => format!("  {}\n{}", self.short(), indent(diff)),
            Diff::File { diff, .. } => format!("  {}\n{}", self.short(), indent(diff)),
            Diff::Param { default, .. } => match default {
                Some(d) => format!("  {} (default {d})\n", self.short()),
                None => format!("  {}\n", self.short()),
            },
            Diff::Input { input_dir, change } => format!("  input file {}\n", change.describe(input_dir)),
            Diff::Damaged { job, damage } => format!("  job {job} not whole: {}\n", damage.long()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Nearest {
    pub id: JobId,
    pub diffs: Vec<Diff>,
}

#[derive(Debug, Clone)]
pub struct Explanation {
    pub method: String,
    /// The job `urd:build` would reuse (unless forced).
    pub reuse: Option<JobId>,
    pub forced: bool,
    /// Finished jobs of the method, fewest differences first, then newest.
    pub nearest: Vec<Nearest>,
    /// How many finished jobs of the method were compared.
    pub finished: usize,
    /// There are more than were compared (only the newest ones are).
    pub capped: bool,
}

impl Explanation {
    /// The reason beside a `built` line: the differences from the nearest job, or `forced`;
    /// None for a method never built before.
    pub fn reason(&self) -> Option<String> {
        let near = self.nearest.first()?;
        if near.diffs.is_empty() {
            return Some(if self.forced { "forced".into() } else { "nothing differs".into() });
        }
        let mut parts: Vec<String> = near.diffs.iter().take(3).map(Diff::short).collect();
        if near.diffs.len() > 3 {
            parts.push(format!("{} more", near.diffs.len() - 3));
        }
        Some(parts.join("; "))
    }

    /// The whole explanation, for `exax why` and `--why`.
    pub fn render(&self) -> String {
        let m = &self.method;
        let mut out = String::new();
        match (&self.reuse, self.forced) {
            (Some(id), false) => {
                out.push_str(&format!(
                    "`{m}` would reuse {id}: nothing differs (source, modules, depend_extra, parameters and input files)\n"
                ));
                return out;
            }
            (Some(id), true) => {
                out.push_str(&format!("`{m}` is built because of force_build: nothing differs from {id}\n"));
                return out;
            }
            (None, _) if self.nearest.is_empty() => {
                out.push_str(&format!("`{m}` would be built: it has no finished job yet\n"));
                return out;
            }
            (None, _) => {
                out.push_str(&format!(
                    "`{m}` would be built: none of its {}{} finished job{} matches",
                    if self.capped { "newest " } else { "" },
                    self.finished,
                    if self.finished == 1 { "" } else { "s" }
                ));
                out.push_str(if self.forced { " (and force_build is set)\n" } else { "\n" });
            }
        }
        for n in &self.nearest {
            out.push_str(&format!("nearest: {}\n", n.id));
            if n.diffs.is_empty() {
                out.push_str("  nothing that exax can see differs\n");
            }
            for d in &n.diffs {
                out.push_str(&d.long());
            }
        }
        out
    }
}

/// What a finished job was built from, reduced to hashes for ranking; read once per process
/// (a finished job never changes).
struct JobRecord {
    setup: Setup,
    post: records::Post,
    source: u128,
    /// (original path, xxh3 of the copy) of each hashed file.
    files: Vec<(String, u128)>,
}

/// Per workdir, per job number.
type Records = HashMap<String, HashMap<u64, Arc<JobRecord>>>;
static RECORDS: Mutex<Option<Records>> = Mutex::new(None);

/// A `Diff::Param` for each parameter of `was` that `kept` says is gone.
fn removed<'a>(
    section: &'static str,
    was: &'a serde_json::Map<String, serde_json::Value>,
    kept: impl Fn(&str) -> bool + 'a,
) -> impl Iterator<Item = Diff> + 'a {
    was.iter().filter(move |(name, _)| !kept(name)).map(move |(name, v)| Diff::Param {
        section,
        name: name.clone(),
        old: Some(lua_literal(v)),
        new: None,
        default: None,
    })
}

/// The xxh3 of a job's method source copy, and (original path, xxh3 of the copy) of each
/// hashed file it kept.
fn hashes(dir: &Utf8Path, setup: &Setup) -> (u128, Vec<(String, u128)>) {
    let source = xxh3_128(&std::fs::read(dir.join(records::METHOD_SOURCE)).unwrap_or_default());
    let files = setup
        .hashed_files
        .iter()
        .map(|(copy, orig)| (orig.clone(), xxh3_128(&std::fs::read(dir.join(copy)).unwrap_or_default())))
        .collect();
    (source, files)
}

fn record(workdir: &str, n: u64, dir: &Utf8Path) -> Option<Arc<JobRecord>> {
    if let Some(r) = RECORDS.lock().get_or_insert_with(HashMap::new).get(workdir).and_then(|m| m.get(&n)) {
        return Some(r.clone());
    }
    let post = records::read_post(dir)?;
    let setup = records::read_json::<Setup>(&dir.join(records::SETUP)).ok()?;
    let (source, files) = hashes(dir, &setup);
    let r = Arc::new(JobRecord {
        setup,
        post,
        source,
        files,
    });
    RECORDS
        .lock()
        .get_or_insert_with(HashMap::new)
        .entry(workdir.to_string())
        .or_default()
        .insert(n, r.clone());
    Some(r)
}

/// Keeps the records of a job this process has just finished, so the next build's explanation
/// does not read back what was just written (`setup.json`, `post.json`, `method.lua` and the
/// hashed copies hold exactly these).
pub fn remember(workdir: &str, n: u64, setup: &Setup, post: &records::Post, decl: &MethodDecl) {
    let r = Arc::new(JobRecord {
        setup: setup.clone(),
        post: post.clone(),
        source: xxh3_128(decl.source.source.as_bytes()),
        files: decl.hashed.iter().map(|f| (f.display.clone(), xxh3_128(&f.bytes))).collect(),
    });
    RECORDS
        .lock()
        .get_or_insert_with(HashMap::new)
        .entry(workdir.to_string())
        .or_default()
        .insert(n, r);
}

/// How many things differ between the job and what is asked now (the count `differences` would
/// give), from hashes and parameters, without reading or diffing texts.
fn count_differences(project: &Project, now: &Now, rec: &JobRecord) -> usize {
    let mut n = usize::from(rec.source != now.source);
    for (name, h) in &now.files {
        if rec.files.iter().find(|(o, _)| o == name).map(|(_, x)| x) != Some(h) {
            n += 1;
        }
    }
    n += rec.files.iter().filter(|(o, _)| !now.files.iter().any(|(f, _)| f == o)).count();
    let was = [&rec.setup.options, &rec.setup.datasets, &rec.setup.jobs];
    for (section, old) in now.params.iter().zip(was) {
        n += section.iter().filter(|(k, v)| old.get(k.as_str()) != v.as_ref()).count();
        n += old.keys().filter(|k| !section.iter().any(|(s, _)| s == *k)).count();
    }
    n + crate::job::inputs::changes(&project.input_hashes, &project.config.input_directory, &rec.post.inputs, true).len()
}

/// What is asked now, in the form `count_differences` compares.
struct Now {
    source: u128,
    files: Vec<(String, u128)>,
    params: [Vec<(String, Option<serde_json::Value>)>; 3],
}

/// Explains what `urd:build` of `decl` with `params` does now: the `limit` nearest of the newest
/// `compared` finished jobs of the method.
pub fn explain(project: &Project, decl: &MethodDecl, params: &Params, force: bool, sizes: (usize, usize)) -> Result<Explanation> {
    let reuse = crate::job::reuse::find(project, decl.reuse_key(params))?;
    Ok(explain_with(project, decl, params, force, reuse, sizes))
}

/// `explain` when the caller has just looked up the job that would be reused (`reuse`), as
/// the builder has before it builds: the lookup is not made twice.
pub fn explain_with(
    project: &Project,
    decl: &MethodDecl,
    params: &Params,
    force: bool,
    reuse: Option<JobId>,
    (limit, compared): (usize, usize),
) -> Explanation {
    let key = decl.reuse_key(params);
    let section = |s: &[(String, crate::value::Value)]| -> Vec<(String, Option<serde_json::Value>)> {
        s.iter().map(|(k, v)| (k.clone(), json::to_json(v, k).ok())).collect()
    };
    let now = Now {
        source: xxh3_128(decl.source.source.as_bytes()),
        files: decl.hashed.iter().map(|f| (f.display.clone(), xxh3_128(&f.bytes))).collect(),
        params: [section(&params.options), section(&params.datasets), section(&params.jobs)],
    };
    let mut found: Vec<(usize, f64, JobId, Utf8PathBuf, Arc<JobRecord>)> = Vec::new();
    let mut finished = 0;
    let mut capped = false;
    for wd in &project.workdirs {
        let mut numbers = project.jobs_of_method(wd, decl.name());
        // Newest first, and only so many: a method built thousands of times costs no more.
        numbers.reverse();
        for n in numbers {
            let dir = wd.job_path(n);
            if finished == compared {
                capped = true;
                break;
            }
            let Some(rec) = record(&wd.name, n, &dir) else { continue };
            // The method log is a cache: a job it names wrongly is no job of the method.
            if rec.setup.method != decl.name() {
                continue;
            }
            finished += 1;
            let count = count_differences(project, &now, &rec);
            found.push((count, rec.setup.starttime, JobId::new(&wd.name, n), dir, rec));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    // The job that would be reused is the nearest, whatever the order says.
    if let Some(id) = &reuse {
        if let Some(pos) = found.iter().position(|f| &f.2 == id) {
            let f = found.remove(pos);
            found.insert(0, f);
        }
    }
    let nearest = found
        .into_iter()
        .take(limit)
        .map(|(_, _, id, dir, rec)| {
            // Only a job with the key asked for could have been reused: its damage is what kept
            // it from that, so it is looked for as a reuse does. Of the others, what a `stat`
            // shows is told, and nothing is hashed.
            let depth = if ReuseKey::parse(&rec.post.hash) == Some(key) {
                Depth::Hash
            } else {
                Depth::Stat
            };
            Nearest {
                id,
                diffs: differences(project, decl, params, (&dir, depth), &rec.setup, &rec.post),
            }
        })
        .collect();
    Explanation {
        method: decl.name().to_string(),
        reuse,
        forced: force,
        nearest,
        finished,
        capped,
    }
}

fn differences(
    project: &Project,
    decl: &MethodDecl,
    params: &Params,
    (dir, depth): (&Utf8Path, Depth),
    setup: &Setup,
    post: &records::Post,
) -> Vec<Diff> {
    let mut out = Vec::new();
    let id = &setup.jobid;
    if let Some(damage) = crate::job::reuse::damage(dir, post, depth) {
        out.push(Diff::Damaged { job: id.clone(), damage });
    }
    let old_source = std::fs::read_to_string(dir.join(records::METHOD_SOURCE)).unwrap_or_default();
    if old_source != decl.source.source {
        out.push(Diff::Source {
            file: decl.source.display.clone(),
            diff: diff::unified(
                &format!("{id}/{}", records::METHOD_SOURCE),
                &decl.source.display,
                &old_source,
                &decl.source.source,
            ),
        });
    }
    // Hashed files: by their original path.
    let mut names: Vec<&str> = decl.hashed.iter().map(|f| f.display.as_str()).collect();
    for (_, orig) in &setup.hashed_files {
        if !names.contains(&orig.as_str()) {
            names.push(orig);
        }
    }
    names.sort();
    for name in names {
        let now = decl.hashed.iter().find(|f| f.display == name);
        let copy = setup.hashed_files.iter().find(|(_, o)| o == name).map(|(c, _)| dir.join(c));
        let was = copy.and_then(|c| std::fs::read(c).ok());
        let kind = match now {
            Some(f) if f.depend_extra => "depend_extra",
            Some(_) => "module",
            None if name.ends_with(".lua") => "module",
            None => "depend_extra",
        };
        let now = now.map(|f| f.bytes.as_slice());
        out.extend(file_diff(kind, name, (&format!("{id}/{name}"), was.as_deref()), (name, now)));
    }
    // Parameters.
    let sections: [Section; 3] = [
        ("option", &params.options, &setup.options),
        ("dataset", &params.datasets, &setup.datasets),
        ("job", &params.jobs, &setup.jobs),
    ];
    for (section, now, was) in sections {
        let mut seen = Vec::new();
        for (name, v) in now {
            seen.push(name.as_str());
            let new = json::to_json(v, name).ok();
            let old = was.get(name).cloned();
            if new == old {
                continue;
            }
            let default = (section == "option")
                .then(|| decl.options.iter().find(|(n, _)| n == name))
                .flatten()
                .and_then(|(_, spec)| spec.default_value())
                .and_then(|d| json::to_json(&d, name).ok())
                .map(|d| lua_literal(&d));
            out.push(Diff::Param {
                section,
                name: name.clone(),
                old: old.as_ref().map(lua_literal),
                new: new.as_ref().map(lua_literal),
                default,
            });
        }
        out.extend(removed(section, was, |name| seen.contains(&name)));
    }
    // Input files (the job's own, then its subjobs').
    let input_dir = project.display_path(&project.config.input_directory);
    let mut posts = vec![post.clone()];
    let mut k = 0;
    while k < posts.len() && k < 1000 {
        for s in posts[k].subjobs.clone() {
            if let Some(p) = JobId::parse(&s)
                .and_then(|i| project.job_path(&i).ok())
                .and_then(|p| records::read_post(&p))
            {
                posts.push(p);
            }
        }
        k += 1;
    }
    for p in &posts {
        for change in crate::job::inputs::changes(&project.input_hashes, &project.config.input_directory, &p.inputs, true) {
            out.push(Diff::Input {
                input_dir: input_dir.clone(),
                change,
            });
        }
    }
    out
}

/// Why a job was built rather than reusing an earlier job of its method (the board's job page):
/// the nearest of the finished jobs of the method that started before it, and what differs from
/// that job to this one. Everything comes from the two jobs' own records (`method.lua`, the
/// copies under `hashed/`, setup.json, the input files post.json recorded), so the answer is
/// what it was when the job was built, and nothing in the project is read or written now.
#[derive(Debug, Clone)]
pub struct JobWhy {
    pub id: JobId,
    pub method: String,
    pub nearest: Option<Nearest>,
    /// How many earlier finished jobs of the method were compared.
    pub compared: usize,
    pub capped: bool,
}

impl JobWhy {
    pub fn render(&self) -> String {
        let (id, m) = (&self.id, &self.method);
        let Some(n) = &self.nearest else {
            return format!("{id} is the first finished job of `{m}`: there was nothing to reuse\n");
        };
        let mut out = format!(
            "{id} was built rather than reusing {}, the nearest of {} earlier finished job{} of `{m}`{}\n",
            n.id,
            self.compared,
            if self.compared == 1 { "" } else { "s" },
            if self.capped { " (the newest ones)" } else { "" }
        );
        if n.diffs.is_empty() {
            out.push_str("  nothing that exax can see differs (force_build, or the other job was not finished yet)\n");
        }
        for d in &n.diffs {
            out.push_str(&d.long());
        }
        out
    }
}

/// How a hashed file differs between then and now (each a diff label and the bytes, if any):
/// changed, added or removed, with its unified diff; nothing when it is the same or absent.
fn file_diff(
    kind: &'static str,
    name: &str,
    (old_label, was): (&str, Option<&[u8]>),
    (new_label, now): (&str, Option<&[u8]>),
) -> Option<Diff> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (change, d) = match (was, now) {
        (Some(w), Some(n)) if w == n => return None,
        (Some(w), Some(n)) => ("changed", diff::unified(old_label, new_label, &text(w), &text(n))),
        (None, Some(n)) => ("added", diff::unified("/dev/null", new_label, "", &text(n))),
        (Some(w), None) => ("removed", diff::unified(old_label, "/dev/null", &text(w), "")),
        (None, None) => return None,
    };
    Some(Diff::File {
        kind,
        file: name.to_string(),
        change,
        diff: d,
    })
}

/// A job's own record, as `count_differences` and `job_differences` compare it.
fn own_record(dir: &Utf8Path) -> Option<JobRecord> {
    let setup = records::read_json::<Setup>(&dir.join(records::SETUP)).ok()?;
    let post = records::read_post(dir).unwrap_or_else(|| records::Post {
        version: 0,
        hash: String::new(),
        starttime: setup.starttime,
        endtime: setup.starttime,
        exectime: records::ExecTime::default(),
        files: vec![],
        subjobs: vec![],
        inputs: vec![],
        extra: Default::default(),
        result: None,
        checksums: Default::default(),
    });
    let (source, files) = hashes(dir, &setup);
    Some(JobRecord {
        setup,
        post,
        source,
        files,
    })
}

/// How many things differ between two jobs' records.
fn count_record_differences(a: &JobRecord, b: &JobRecord) -> usize {
    let mut n = usize::from(a.source != b.source);
    for (name, h) in &b.files {
        if a.files.iter().find(|(o, _)| o == name).map(|(_, x)| x) != Some(h) {
            n += 1;
        }
    }
    n += a.files.iter().filter(|(o, _)| !b.files.iter().any(|(f, _)| f == o)).count();
    for (x, y) in [
        (&a.setup.options, &b.setup.options),
        (&a.setup.datasets, &b.setup.datasets),
        (&a.setup.jobs, &b.setup.jobs),
    ] {
        n += y.iter().filter(|(k, v)| x.get(k.as_str()) != Some(v)).count();
        n += x.keys().filter(|k| !y.contains_key(k.as_str())).count();
    }
    n + a
        .post
        .inputs
        .iter()
        .filter(|f| b.post.inputs.iter().find(|g| g.name == f.name).map(|g| &g.hash) != Some(&f.hash))
        .count()
}

/// What differs from job `a` (in `a_dir`) to job `b`, from their records.
fn job_differences(a_dir: &Utf8Path, a: &JobRecord, b_dir: &Utf8Path, b: &JobRecord, input_dir: &str) -> Vec<Diff> {
    let mut out = Vec::new();
    let (ida, idb) = (&a.setup.jobid, &b.setup.jobid);
    if a.source != b.source {
        let read = |d: &Utf8Path| std::fs::read_to_string(d.join(records::METHOD_SOURCE)).unwrap_or_default();
        out.push(Diff::Source {
            file: b.setup.method_file.clone(),
            diff: diff::unified(
                &format!("{ida}/{}", records::METHOD_SOURCE),
                &format!("{idb}/{}", records::METHOD_SOURCE),
                &read(a_dir),
                &read(b_dir),
            ),
        });
    }
    let mut names: Vec<&str> = b.files.iter().map(|(o, _)| o.as_str()).collect();
    for (o, _) in &a.files {
        if !names.contains(&o.as_str()) {
            names.push(o);
        }
    }
    names.sort();
    for name in names {
        let copy = |r: &JobRecord, dir: &Utf8Path| {
            r.setup
                .hashed_files
                .iter()
                .find(|(_, o)| o == name)
                .and_then(|(c, _)| std::fs::read(dir.join(c)).ok())
        };
        let (was, now) = (copy(a, a_dir), copy(b, b_dir));
        let kind = if name.ends_with(".lua") { "module" } else { "depend_extra" };
        out.extend(file_diff(
            kind,
            name,
            (&format!("{ida}/{name}"), was.as_deref()),
            (&format!("{idb}/{name}"), now.as_deref()),
        ));
    }
    for (section, was, now) in [
        ("option", &a.setup.options, &b.setup.options),
        ("dataset", &a.setup.datasets, &b.setup.datasets),
        ("job", &a.setup.jobs, &b.setup.jobs),
    ] {
        for (name, v) in now {
            let old = was.get(name);
            if old == Some(v) {
                continue;
            }
            out.push(Diff::Param {
                section,
                name: name.clone(),
                old: old.map(lua_literal),
                new: Some(lua_literal(v)),
                default: None,
            });
        }
        out.extend(removed(section, was, |name| now.contains_key(name)));
    }
    for f in &a.post.inputs {
        let now = b.post.inputs.iter().find(|g| g.name == f.name);
        if now.map(|g| &g.hash) != Some(&f.hash) {
            out.push(Diff::Input {
                input_dir: input_dir.to_string(),
                change: InputChange {
                    was: f.clone(),
                    now: now.cloned(),
                },
            });
        }
    }
    out
}

/// Explains why job `id` was built (see `JobWhy`); compares at most `MAX_COMPARED` earlier jobs.
pub fn explain_job(project: &Project, id: &JobId) -> Result<JobWhy> {
    let dir = project.job_path(id)?;
    let this = own_record(&dir).ok_or_else(|| crate::error::Error::User(format!("job {id}: its setup.json cannot be read")))?;
    let method = this.setup.method.clone();
    let mut found: Vec<(usize, f64, JobId, Utf8PathBuf, Arc<JobRecord>)> = Vec::new();
    let (mut compared, mut capped) = (0, false);
    'workdirs: for wd in &project.workdirs {
        let mut numbers = project.jobs_of_method(wd, &method);
        numbers.reverse();
        for n in numbers {
            if wd.name == id.workdir && n == id.number {
                continue;
            }
            let other = wd.job_path(n);
            let Some(rec) = record(&wd.name, n, &other) else { continue };
            if rec.setup.starttime >= this.setup.starttime {
                continue;
            }
            if compared == MAX_COMPARED {
                capped = true;
                break 'workdirs;
            }
            compared += 1;
            let count = count_record_differences(&rec, &this);
            found.push((count, rec.setup.starttime, JobId::new(&wd.name, n), other, rec));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    let input_dir = project.display_path(&project.config.input_directory);
    let nearest = found.into_iter().next().map(|(_, _, nid, ndir, rec)| Nearest {
        diffs: job_differences(&ndir, &rec, &dir, &this, &input_dir),
        id: nid,
    });
    Ok(JobWhy {
        id: id.clone(),
        method,
        nearest,
        compared,
        capped,
    })
}

/// A JSON value as the Lua literal a user would write: `'text'`, `{1, 2}`, `{k = 'v'}`.
pub fn lua_literal(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::Null => "nil".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) => lua_string(s),
        J::Array(a) => format!("{{{}}}", a.iter().map(lua_literal).collect::<Vec<_>>().join(", ")),
        J::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| {
                    let ident = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if ident {
                        format!("{k} = {}", lua_literal(v))
                    } else {
                        format!("[{}] = {}", lua_string(k), lua_literal(v))
                    }
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

fn lua_string(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\{}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn literals() {
        let j: serde_json::Value = serde_json::from_str(r#"{"a": [1, 2.5, "x'y"], "b c": null, "d": {"e": true}}"#).unwrap();
        assert_eq!(super::lua_literal(&j), r#"{a = {1, 2.5, 'x\'y'}, ['b c'] = nil, d = {e = true}}"#);
    }
}
