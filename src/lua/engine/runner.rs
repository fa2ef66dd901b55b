//! Running a job's phases. `prepare` and `synthesis` run in this process, in one fresh Lua state
//! for the job, with stdout/stderr captured; `analysis` runs as `slices` worker processes at once
//! (`exax __analysis`), each with its own Lua state, so slices are truly parallel and a crash or
//! `os.exit` in one fails only the job.

use std::rc::Rc;
use std::time::Instant;

use camino::{Utf8Path, Utf8PathBuf};
use mlua::{Lua, MultiValue, Table};

use crate::error::{Error, IoContext, JobFailure, Result};
use crate::job::analysis::{self, Analysis, WorkerInput};
use crate::job::builder::{JobContext, JobRunner, RunReport};
use crate::job::capture::{Capture, Tail};
use crate::job::id::JobId;
use crate::job::records::{self, OUTPUT_DIR, TEMP_DIR};
use crate::lua::api::handles::LuaJob;
use crate::lua::engine::convert::{readonly_value, to_lua, to_value};
use crate::lua::engine::errors::{chunk, pcall, Caught};
use crate::lua::engine::runtime::{JobScope, Runtime};
use crate::lua::engine::state::{self, Role};
use crate::merge::merge_auto;
use crate::msgpack;
use crate::value::Value;

pub struct LuaRunner {
    pub rt: Rc<Runtime>,
    pub depth: usize,
}

/// What a job's Lua state is made from; the same for the in-process state and each worker.
pub struct JobSpec<'a> {
    pub id: &'a JobId,
    pub path: &'a Utf8Path,
    pub method: &'a str,
    pub display: &'a str,
    pub source: &'a str,
    /// The source precompiled, when the declarations were read in this process.
    pub bytecode: Option<&'a [u8]>,
    /// `{options = {...}, datasets = {...}, jobs = {...}}`
    pub params: &'a Value,
    pub slices: usize,
}

/// Sets the working directory for the duration of a phase.
struct CwdGuard(Option<std::path::PathBuf>);

impl CwdGuard {
    fn enter(dir: &Utf8Path) -> Result<CwdGuard> {
        let old = std::env::current_dir().ok();
        std::env::set_current_dir(dir).at(dir)?;
        Ok(CwdGuard(old))
    }
}

impl Drop for CwdGuard {
    fn drop(&mut self) {
        if let Some(old) = self.0.take() {
            let _ = std::env::set_current_dir(old);
        }
    }
}

fn failure(spec: &JobSpec, phase: &str, slice: Option<usize>, c: Caught, tail: Tail) -> Error {
    if let Some(inner) = c.job {
        return Error::JobFailed(inner);
    }
    Error::JobFailed(Box::new(JobFailure {
        job: spec.id.clone(),
        method: spec.method.to_string(),
        phase: phase.to_string(),
        slice,
        message: c.message,
        traceback: c.traceback,
        output_tail: tail,
    }))
}

/// `methods/m.lua:3: ` where phase function `phase` is defined, so that an error about the value it
/// returned (`result.f: cannot save a function`) points at the function that returned it.
pub fn returned_by(lua: &Lua, phase: &str, message: String) -> String {
    let place = lua
        .globals()
        .get::<mlua::Function>(phase)
        .ok()
        .map(|f| f.info())
        .and_then(|i| Some((i.short_src?, i.line_defined?)));
    match place {
        Some((src, line)) => format!("{src}:{line}: {message} (returned by {phase}(), which starts here)"),
        None => message,
    }
}

fn plain(message: String) -> Caught {
    Caught {
        message,
        traceback: vec![],
        job: None,
    }
}

/// A fresh Lua state running the method's file, with `options`, `datasets` and `jobs` replaced by
/// read-only tables of this job's values.
pub fn job_state(rt: &Rc<Runtime>, spec: &JobSpec, depth: usize, sliceno: Option<usize>) -> std::result::Result<Lua, Caught> {
    let lua = state::new(rt.clone(), Role::Job).map_err(|e| plain(crate::lua::engine::prelude::root_message(&e)))?;
    lua.set_app_data(JobScope {
        id: spec.id.clone(),
        method: spec.method.to_string(),
        depth,
        phase: std::cell::RefCell::new(if sliceno.is_some() { "analysis" } else { "prepare" }),
        subjobs: std::cell::RefCell::new(Vec::new()),
    });
    let chunk = match spec.bytecode {
        Some(b) => lua
            .load(b)
            .set_mode(mlua::ChunkMode::Binary)
            .set_name(format!("@{}", spec.display))
            .into_function(),
        None => chunk(&lua, spec.source, spec.display).into_function(),
    }
    .map_err(|e| plain(crate::lua::engine::prelude::root_message(&e)))?;
    pcall(&lua, &chunk, ())?;
    let g = lua.globals();
    for section in ["options", "datasets", "jobs"] {
        let values = spec.params.get(section).cloned().unwrap_or(Value::Map(vec![]));
        // Read-only all the way down: `options.l[1] = 5` is as much an error as `options.x = 5`.
        let ro = readonly_value(&lua, &values, section).map_err(|e| plain(e.to_string()))?;
        g.set(section, ro).map_err(|e| plain(e.to_string()))?;
    }
    Ok(lua)
}

/// Calls a phase with its arguments chosen by parameter name.
pub fn call_phase(
    lua: &Lua,
    phase: &str,
    spec: &JobSpec,
    sliceno: Option<usize>,
    prepare_res: &mlua::Value,
    analysis_res: &mlua::Value,
) -> std::result::Result<mlua::Value, Caught> {
    let f: mlua::Function = lua.globals().get(phase).map_err(|e| plain(e.to_string()))?;
    let names = crate::lua::engine::method_loader::param_names(lua, &f).map_err(|e| plain(e.to_string()))?;
    let mut args = Vec::with_capacity(names.len());
    for n in &names {
        let v = match n.as_str() {
            "job" => mlua::Value::UserData(LuaJob::handle(lua, spec.id.clone()).map_err(|e| plain(e.to_string()))?),
            "slices" => mlua::Value::Integer(spec.slices as i64),
            "sliceno" => sliceno.map_or(mlua::Value::Nil, |s| mlua::Value::Integer(s as i64)),
            "prepare_res" => prepare_res.clone(),
            "analysis_res" => analysis_res.clone(),
            _ => mlua::Value::Nil,
        };
        args.push(v);
    }
    let mut rets = pcall(lua, &f, MultiValue::from_vec(args))?;
    Ok(rets.pop_front().unwrap_or(mlua::Value::Nil))
}

fn output_file(path: &Utf8Path, part: &str) -> Utf8PathBuf {
    path.join(OUTPUT_DIR).join(part)
}

/// Runs one in-process phase with its output captured.
fn captured_phase(
    lua: &Lua,
    phase: &'static str,
    spec: &JobSpec,
    prepare_res: &mlua::Value,
    analysis_res: &mlua::Value,
) -> Result<std::result::Result<mlua::Value, (Caught, Tail)>> {
    if let Some(scope) = lua.app_data_ref::<JobScope>() {
        *scope.phase.borrow_mut() = phase;
    }
    crate::status::set_phase(phase);
    let cap = Capture::start(output_file(spec.path, phase), true).map_err(|e| Error::io(spec.path.join(OUTPUT_DIR), e))?;
    let r = call_phase(lua, phase, spec, None, prepare_res, analysis_res);
    let tail = cap.finish();
    Ok(r.map_err(|c| (c, tail)))
}

impl JobRunner for LuaRunner {
    fn run(&self, ctx: &JobContext) -> Result<RunReport> {
        let started = Instant::now();
        let params = ctx.params.to_value();
        let spec = JobSpec {
            id: &ctx.id,
            path: &ctx.path,
            method: ctx.decl.name(),
            display: &ctx.decl.source.display,
            source: &ctx.decl.source.source,
            bytecode: Some(&ctx.decl.bytecode),
            params: &params,
            slices: ctx.project.config.slices,
        };
        let _cwd = CwdGuard::enter(&ctx.path)?;
        let _status = crate::status::job(&ctx.id.to_string(), spec.method, spec.slices);
        let result = self.run_phases(ctx, &spec);
        // Temp files go whether the job succeeded or not; registrations are in .exax-tmp.
        let files = crate::job::files::finish(&ctx.path);
        let inputs = crate::job::inputs::logged(&ctx.path);
        let _ = std::fs::remove_dir_all(ctx.path.join(TEMP_DIR));
        let mut report = result?;
        let input_dir = &ctx.project.config.input_directory;
        report.inputs = crate::job::inputs::snapshot(&ctx.project.input_hashes, input_dir, &inputs?)?;
        report.exectime.total = started.elapsed().as_secs_f64();
        report.files = files?;
        Ok(report)
    }
}

impl LuaRunner {
    fn run_phases(&self, ctx: &JobContext, spec: &JobSpec) -> Result<RunReport> {
        let mut report = RunReport::default();
        let lua = job_state(&self.rt, spec, self.depth, None).map_err(|c| failure(spec, "load", None, c, vec![]))?;
        let nil = mlua::Value::Nil;
        let mut prepare_res = mlua::Value::Nil;
        if ctx.decl.prepare.is_some() {
            let t = Instant::now();
            match captured_phase(&lua, "prepare", spec, &nil, &nil)? {
                Ok(v) => prepare_res = v,
                Err((c, tail)) => return Err(failure(spec, "prepare", None, c, tail)),
            }
            report.exectime.prepare = t.elapsed().as_secs_f64();
        }
        let mut analysis_res = mlua::Value::Nil;
        if ctx.decl.analysis.is_some() {
            let t = Instant::now();
            let pr = to_value(&prepare_res, "prepare_res")
                .map_err(|m| failure(spec, "prepare", None, plain(returned_by(&lua, "prepare", m)), vec![]))?;
            let job = crate::job::analysis::AnalysisJob {
                conf: &ctx.project.config.path,
                id: &ctx.id,
                path: &ctx.path,
                slices: spec.slices,
            };
            let input = WorkerInput {
                params: spec.params.clone(),
                prepare_res: pr,
                status: None,
            };
            let executor = crate::job::executor::for_config(&ctx.project.config, &ctx.id.to_string());
            let (results, per_slice) = match analysis::run(&job, input, executor.as_ref())? {
                Analysis::Done { results, per_slice } => (results, per_slice),
                Analysis::SliceFailed {
                    sliceno,
                    message,
                    traceback,
                    tail,
                } => {
                    let caught = Caught {
                        message,
                        traceback,
                        job: None,
                    };
                    return Err(failure(spec, "analysis", Some(sliceno), caught, tail));
                }
            };
            report.exectime.per_slice = per_slice;
            report.exectime.analysis = t.elapsed().as_secs_f64();
            analysis_res = mlua::Value::Table(
                analysis_table(&lua, results).map_err(|e| failure(spec, "synthesis", None, plain(e.to_string()), vec![]))?,
            );
        }
        if ctx.decl.synthesis.is_some() {
            let t = Instant::now();
            let result = match captured_phase(&lua, "synthesis", spec, &prepare_res, &analysis_res)? {
                Ok(v) => v,
                Err((c, tail)) => return Err(failure(spec, "synthesis", None, c, tail)),
            };
            let value = to_value(&result, "result")
                .map_err(|m| failure(spec, "synthesis", None, plain(returned_by(&lua, "synthesis", m)), vec![]))?;
            if value != Value::Nil {
                let file = ctx.path.join(records::RESULT);
                std::fs::write(&file, msgpack::encode(&value)).at(&file)?;
            }
            report.exectime.synthesis = t.elapsed().as_secs_f64();
        }
        crate::lua::api::dataset_writer::finish_job(&lua).map_err(|m| failure(spec, "finishing datasets", None, plain(m), vec![]))?;
        if let Some(scope) = lua.app_data_ref::<JobScope>() {
            report.subjobs = scope.subjobs.borrow().clone();
        }
        Ok(report)
    }
}

/// `analysis_res`: one entry per slice (nil where a slice returned nil), `#` is always `slices`,
/// and `merge_auto()` merges in slice order.
fn analysis_table(lua: &Lua, results: Vec<Value>) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for (i, v) in results.iter().enumerate() {
        t.raw_set(i + 1, to_lua(lua, v)?)?;
    }
    let n = results.len();
    let methods = lua.create_table()?;
    methods.set(
        "merge_auto",
        lua.create_function(move |lua, _: mlua::Value| {
            let merged = merge_auto(&results).map_err(mlua::Error::runtime)?;
            to_lua(lua, &merged)
        })?,
    )?;
    let mt = lua.create_table()?;
    mt.set("__index", methods)?;
    mt.set("__len", lua.create_function(move |_, _: mlua::Value| Ok(n))?)?;
    t.set_metatable(Some(mt))?;
    Ok(t)
}
