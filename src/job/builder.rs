//! Build or reuse: the one place that turns a resolved `urd:build` call into a job id. It looks
//! the reuse key up, takes the key's build lock, allocates the job directory, writes the hashed
//! sources and setup.json, has a `JobRunner` run the phases, and writes post.json last.

use std::collections::BTreeMap;

use camino::Utf8PathBuf;
use parking_lot::Mutex;

use crate::error::{Error, IoContext, Result};
use crate::job::id::JobId;
use crate::job::records::{self, ExecTime, Post, Setup};
use crate::job::reuse_key::ReuseKey;
use crate::job::workdir::Workdir;
use crate::json;
use crate::method::{MethodDecl, Params};
use crate::project::Project;

pub const EXAX_VERSION: &str = env!("CARGO_PKG_VERSION");
pub const HASHED_DIR: &str = "hashed";
/// The reason on a `built` line looks at the newest so many jobs of the method (paid per build).
const REASON_COMPARED: usize = 20;

pub struct BuildRequest<'a> {
    pub decl: &'a MethodDecl,
    pub params: Params,
    pub caption: String,
    pub workdir: Option<String>,
    pub force: bool,
    /// `build.lua`, or the id of the job building a subjob.
    pub builder: String,
    pub lua_version: String,
}

/// What the phases of a job produced, for post.json.
#[derive(Debug, Default)]
pub struct RunReport {
    pub exectime: ExecTime,
    pub files: Vec<String>,
    pub subjobs: Vec<String>,
    pub inputs: Vec<crate::job::records::InputFile>,
    pub extra: BTreeMap<String, serde_json::Value>,
}

pub struct JobContext<'a> {
    pub project: &'a Project,
    pub id: JobId,
    pub path: Utf8PathBuf,
    pub decl: &'a MethodDecl,
    pub params: &'a Params,
}

pub trait JobRunner {
    fn run(&self, ctx: &JobContext) -> Result<RunReport>;
}

#[derive(Debug, Clone)]
pub struct Built {
    pub id: JobId,
    /// False when an existing job was reused.
    pub fresh: bool,
    pub seconds: f64,
    /// Why a fresh job was built (what differs from the nearest finished job of its method).
    pub why: Option<crate::job::why::Explanation>,
}

/// Keys this process is building right now (a job building itself as a subjob would deadlock).
static BUILDING: Mutex<Vec<ReuseKey>> = Mutex::new(Vec::new());

pub fn build(project: &Project, req: BuildRequest, runner: &dyn JobRunner) -> Result<Built> {
    let key = req.decl.reuse_key(&req.params);
    if let Some(found) = check_and_lookup(project, &req)? {
        return Ok(found);
    }
    if BUILDING.lock().contains(&key) {
        return Err(Error::build(format!(
            "method `{}` with these parameters is already being built by an enclosing job (a job cannot build itself)",
            req.decl.name()
        )));
    }
    let method = req.decl.name();
    let lock = project.locks.lock(key, method, |holder| {
        let line = match holder {
            Some(h) => format!("waiting for {}, being built by another exax run (pid {})", h.job, h.pid),
            None => format!("waiting for method `{method}`, being built by another exax run"),
        };
        crate::console::err_line(&line);
    })?;
    if !req.force {
        // Another process may have built it while we waited for the lock.
        if let Some(found) = lookup(project, key)? {
            return Ok(found);
        }
    }
    let wd = project.workdir(req.workdir.as_deref().unwrap_or(&project.config.target_workdir))?;
    wd.ensure(project.config.slices)?;
    // Explained before the new job exists (it would be its own nearest job); best effort.
    let why = if req.force {
        crate::job::why::explain(project, req.decl, &req.params, true, (1, REASON_COMPARED)).ok()
    } else {
        // Just looked up under the lock: nothing to reuse.
        Some(crate::job::why::explain_with(
            project,
            req.decl,
            &req.params,
            false,
            None,
            (1, REASON_COMPARED),
        ))
    };
    BUILDING.lock().push(key);
    let result = run_new(project, wd, key, &req, runner, &lock);
    BUILDING.lock().retain(|k| *k != key);
    result.map(|b| Built { why, ..b })
}

/// What `build` does before it takes the lock: the jobs and datasets the parameters refer to
/// exist, and (unless forced) a finished job with the key is found. Also for `urd:build_all`,
/// which reuses in the build script's process and builds in child processes.
pub fn check_and_lookup(project: &Project, req: &BuildRequest) -> Result<Option<Built>> {
    let key = req.decl.reuse_key(&req.params);
    for (param, id) in req.params.job_references() {
        let path = project.job_path(&id).map_err(|_| {
            Error::build(format!(
                "method `{}`: parameter `{param}` refers to job {id}, whose workdir is not in accelerator.conf",
                req.decl.name()
            ))
        })?;
        if !path.join(records::POST).is_file() {
            return Err(Error::build(format!(
                "method `{}`: parameter `{param}` refers to job {id}, which {}",
                req.decl.name(),
                if path.is_dir() { "did not finish" } else { "does not exist" }
            )));
        }
    }
    for (name, v) in &req.params.datasets {
        let ids: Vec<&str> = match v {
            crate::value::Value::Dataset(id) => vec![id.as_str()],
            crate::value::Value::Array(a) => a
                .iter()
                .filter_map(|x| match x {
                    crate::value::Value::Dataset(id) => Some(id.as_str()),
                    _ => None,
                })
                .collect(),
            _ => vec![],
        };
        for id in ids {
            crate::dataset::locate::open(project, id, None)
                .map_err(|e| Error::build(format!("method `{}`, dataset `{name}`: {e}", req.decl.name())))?;
        }
    }
    if !req.force {
        if let Some(found) = lookup(project, key)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// A finished job with this key in any workdir, newest first.
pub fn lookup(project: &Project, key: ReuseKey) -> Result<Option<Built>> {
    Ok(crate::job::reuse::find(project, key)?.map(|id| Built {
        id,
        fresh: false,
        seconds: 0.0,
        why: None,
    }))
}

/// Leaves the reason of a failure in the job directory (best effort: the error itself matters more).
fn record_failure(path: &camino::Utf8Path, e: &Error) {
    let failure = match e {
        Error::JobFailed(f) => records::Failure {
            message: f.message.clone(),
            job: f.job.to_string(),
            phase: f.phase.clone(),
            slice: f.slice,
            traceback: f.traceback.clone(),
            output_tail: f.output_tail.clone(),
            time: records::now(),
        },
        other => records::Failure {
            message: other.to_string(),
            job: String::new(),
            phase: String::new(),
            slice: None,
            traceback: vec![],
            output_tail: vec![],
            time: records::now(),
        },
    };
    let _ = records::write_json_atomic(path, records::FAILURE, &failure);
}

fn run_new(
    project: &Project,
    wd: &Workdir,
    key: ReuseKey,
    req: &BuildRequest,
    runner: &dyn JobRunner,
    lock: &crate::job::lock::KeyGuard<'_>,
) -> Result<Built> {
    let started = std::time::Instant::now();
    // Parameters that setup.json cannot hold are refused before a job directory exists.
    let section = |s: &[(String, crate::value::Value)], name: &str| -> Result<serde_json::Map<String, serde_json::Value>> {
        s.iter()
            .map(|(k, v)| Ok((k.clone(), json::to_json(v, &format!("{name}.{k}"))?)))
            .collect()
    };
    let (options, datasets, jobs) = (
        section(&req.params.options, "options")?,
        section(&req.params.datasets, "datasets")?,
        section(&req.params.jobs, "jobs")?,
    );
    let id = wd.allocate()?;
    project.record_job_method(wd, id.number, req.decl.name());
    lock.announce(&format!("{id} {}", req.decl.name()));
    let path = wd.job_path(id.number);
    std::fs::write(path.join(records::METHOD_SOURCE), &req.decl.source.source).at(path.join(records::METHOD_SOURCE))?;
    let mut hashed_files = Vec::new();
    for f in &req.decl.hashed {
        let copy = Utf8PathBuf::from(HASHED_DIR).join(f.display.trim_start_matches('/').replace("../", "__/"));
        let dest = path.join(&copy);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).at(parent)?;
        }
        std::fs::write(&dest, &f.bytes).at(&dest)?;
        hashed_files.push((copy.to_string(), f.display.clone()));
    }
    let setup = Setup {
        version: 1,
        jobid: id.to_string(),
        method: req.decl.name().to_string(),
        method_file: req.decl.source.display.clone(),
        hash: key.to_string(),
        caption: req.caption.clone(),
        builder: req.builder.clone(),
        slices: project.config.slices,
        input_directory: project.config.input_directory.to_string(),
        starttime: records::now(),
        exax_version: EXAX_VERSION.to_string(),
        lua_version: req.lua_version.clone(),
        hashed_files,
        options,
        datasets,
        jobs,
    };
    // Not atomic: nothing trusts a job directory before its post.json exists.
    records::write_json(&path, records::SETUP, &setup)?;
    let ctx = JobContext {
        project,
        id: id.clone(),
        path: path.clone(),
        decl: req.decl,
        params: &req.params,
    };
    let report = match runner.run(&ctx) {
        Ok(r) => r,
        Err(e) => {
            record_failure(&path, &e);
            return Err(e);
        }
    };
    let checksums = crate::job::verify::record(&path, &report.files);
    let post = Post {
        version: 1,
        hash: key.to_string(),
        starttime: setup.starttime,
        endtime: records::now(),
        exectime: report.exectime,
        files: report.files,
        subjobs: report.subjobs,
        inputs: report.inputs,
        result: Some(path.join(records::RESULT).is_file()),
        checksums,
        extra: report.extra,
    };
    records::write_json_atomic(&path, records::POST, &post)?;
    project.with_index(wd, |index| index.append(key, id.number))?;
    crate::job::why::remember(&wd.name, id.number, &setup, &post, req.decl);
    Ok(Built {
        id,
        fresh: true,
        seconds: started.elapsed().as_secs_f64(),
        why: None,
    })
}
