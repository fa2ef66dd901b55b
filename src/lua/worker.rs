//! One analysis slice in its own process (`exax __analysis CONF JOB SLICE`, started by the
//! runner): rebuild the job's Lua state, call `analysis`, and leave the result or the error in the
//! job's temporary directory. Its stdout and stderr are the runner's capture pipe.

use camino::Utf8Path;

use super::convert::{to_lua, to_value};
use super::errors::Caught;
use super::runner::{call_phase, job_state, worker_file, JobSpec};
use super::runtime::Runtime;
use crate::error::{Error, IoContext, Result};
use crate::job_id::JobId;
use crate::msgpack;
use crate::project::Project;
use crate::records::{self, Setup, TEMP_DIR};
use crate::value::Value;

/// Returns Ok(true) when the slice succeeded, Ok(false) when the method failed (error file written).
pub fn run(conf: &Utf8Path, job: &str, sliceno: usize) -> Result<bool> {
    crate::status::link::serve_parent();
    crate::slots::adopt();
    let project = Project::open(conf)?;
    let id = JobId::parse(job).ok_or_else(|| Error::User(format!("bad job id `{job}`")))?;
    let path = project.job_path(&id)?;
    let setup: Setup = records::read_json(&path.join(records::SETUP))?;
    let source = std::fs::read_to_string(path.join(records::METHOD_SOURCE)).at(path.join(records::METHOD_SOURCE))?;
    let blob_path = path.join(TEMP_DIR).join("job.msgpack");
    let blob = msgpack::decode(&std::fs::read(&blob_path).at(&blob_path)?, "job.msgpack")?;
    let params = blob.get("params").cloned().unwrap_or(Value::Nil);
    let prepare_res = blob.get("prepare_res").cloned().unwrap_or(Value::Nil);
    let slices = project.config.slices;
    let rt = Runtime::new(project, true);
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
        super::dataset_writer::set_worker_slice(&lua, sliceno);
        let pr = to_lua(&lua, &prepare_res).map_err(|e| Caught {
            message: e.to_string(),
            traceback: vec![],
            job: None,
        })?;
        let r = call_phase(&lua, "analysis", &spec, Some(sliceno), &pr, &mlua::Value::Nil)?;
        super::dataset_writer::finish_worker(&lua).map_err(|message| Caught {
            message,
            traceback: vec![],
            job: None,
        })?;
        to_value(&r, &format!("analysis result of slice {sliceno}")).map_err(|m| Caught {
            message: super::runner::returned_by(&lua, "analysis", m),
            traceback: vec![],
            job: None,
        })
    })();
    crate::sys::flush_c_stdio();
    match outcome {
        Ok(v) => {
            let file = worker_file(&path, sliceno, "msgpack");
            std::fs::write(&file, msgpack::encode(&v)).at(&file)?;
            Ok(true)
        }
        Err(c) => {
            let err = Value::Map(vec![
                (Value::str("message"), Value::str(&c.message)),
                (
                    Value::str("traceback"),
                    Value::Array(c.traceback.iter().map(|l| Value::str(l)).collect()),
                ),
            ]);
            let file = worker_file(&path, sliceno, "error");
            std::fs::write(&file, msgpack::encode(&err)).at(&file)?;
            Ok(false)
        }
    }
}
