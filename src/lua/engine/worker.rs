//! One analysis slice in its own process (`exax __analysis CONF JOB SLICE`, started by the
//! runner): rebuild the job's Lua state, call `analysis`, and leave the result or the error in the
//! job's temporary directory (`job::analysis`). Its stdout and stderr are the runner's capture pipe.

use camino::Utf8Path;

use crate::error::{Error, IoContext, Result};
use crate::job::analysis::{self, WorkerOutcome};
use crate::job::id::JobId;
use crate::job::records::{self, Setup};
use crate::lua::engine::convert::{to_lua, to_value};
use crate::lua::engine::errors::Caught;
use crate::lua::engine::runner::{call_phase, job_state, JobSpec};
use crate::lua::engine::runtime::Runtime;
use crate::project::Project;
use crate::value::Value;

/// Returns Ok(true) when the slice succeeded, Ok(false) when the method failed (error file written).
pub fn run(conf: &Utf8Path, job: &str, sliceno: usize, attempt: u32) -> Result<bool> {
    crate::status::link::serve_parent();
    crate::job::slots::adopt();
    crate::job::attempt::set_worker(sliceno, attempt);
    if std::env::var_os(crate::job::executor::slurm::STDERR_TO_STDOUT).is_some() {
        // Under srun: one stream keeps the order of stdout and stderr, and srun's stderr is srun's.
        std::env::remove_var(crate::job::executor::slurm::STDERR_TO_STDOUT);
        use std::os::fd::AsFd;
        let out = std::io::stdout();
        let _ = crate::sys::dup2(out.as_fd(), 2);
    }
    let project = Project::open(conf)?;
    let id = JobId::parse(job).ok_or_else(|| Error::User(format!("bad job id `{job}`")))?;
    let path = project.job_path(&id)?;
    let setup: Setup = records::read_json(&path.join(records::SETUP))?;
    let source = std::fs::read_to_string(path.join(records::METHOD_SOURCE)).at(path.join(records::METHOD_SOURCE))?;
    let analysis::WorkerInput {
        params,
        prepare_res,
        status,
    } = analysis::read_input(&path)?;
    if let Some(address) = status {
        // Started elsewhere (Slurm): status questions come over the run's endpoint, and its end
        // ends this worker. A run that cannot be reached fails the slice, saying where it ran.
        if let Err(e) = crate::status::remote::serve_run(&address, job, sliceno, attempt) {
            let outcome = WorkerOutcome::Failed {
                message: format!(
                    "slice {sliceno} on {} cannot reach the status endpoint of `exax run` at {e} \
                     (set `slurm status address` to an address the nodes reach)",
                    crate::sys::host_name()
                ),
                traceback: vec![],
            };
            analysis::write_outcome(&path, sliceno, attempt, &outcome)?;
            return Ok(false);
        }
    }
    let slices = project.config.slices;
    let rt = Runtime::new(project, crate::lua::api::MODULES, true);
    let spec = JobSpec {
        id: &id,
        path: &path,
        method: &setup.method,
        display: &setup.method_file,
        source: &source,
        bytecode: None,
        params: &params,
        slices,
    };
    let outcome = (|| -> std::result::Result<Value, Caught> {
        let lua = job_state(&rt, &spec, 0, Some(sliceno))?;
        crate::lua::api::dataset_writer::set_worker_slice(&lua, sliceno);
        let pr = to_lua(&lua, &prepare_res).map_err(|e| Caught {
            message: e.to_string(),
            traceback: vec![],
            job: None,
        })?;
        let r = call_phase(&lua, "analysis", &spec, Some(sliceno), &pr, &mlua::Value::Nil)?;
        crate::lua::api::dataset_writer::finish_worker(&lua).map_err(|message| Caught {
            message,
            traceback: vec![],
            job: None,
        })?;
        to_value(&r, &format!("analysis result of slice {sliceno}")).map_err(|m| Caught {
            message: crate::lua::engine::runner::returned_by(&lua, "analysis", m),
            traceback: vec![],
            job: None,
        })
    })();
    crate::sys::flush_c_stdio();
    let ok = outcome.is_ok();
    let outcome = match outcome {
        Ok(result) => WorkerOutcome::Done { result },
        Err(c) => WorkerOutcome::Failed {
            message: c.message,
            traceback: c.traceback,
        },
    };
    analysis::write_outcome(&path, sliceno, attempt, &outcome)?;
    Ok(ok)
}
