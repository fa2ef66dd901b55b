//! Running a job's phases. `prepare` and `synthesis` run in this process, in one fresh Lua state
//! for the job, with stdout/stderr captured; `analysis` runs as `slices` worker processes at once
//! (`exax __analysis`), each with its own Lua state, so slices are truly parallel and a crash or
//! `os.exit` in one fails only the job.

use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use camino::{Utf8Path, Utf8PathBuf};
use mlua::{Lua, MultiValue, Table};

use super::convert::{readonly_value, to_lua, to_value};
use super::errors::{chunk, pcall, Caught};
use super::job::LuaJob;
use super::runtime::{JobScope, Runtime};
use super::state::{self, Role};
use crate::builder::{JobContext, JobRunner, RunReport};
use crate::capture::{self, Capture, Tail};
use crate::error::{Error, IoContext, JobFailure, Result};
use crate::job_id::JobId;
use crate::merge::merge_auto;
use crate::msgpack;
use crate::records::{self, OUTPUT_DIR, TEMP_DIR};
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
    let lua = state::new(rt.clone(), Role::Job).map_err(|e| plain(super::errors::root_message(&e)))?;
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
    .map_err(|e| plain(super::errors::root_message(&e)))?;
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
    let names = super::method_loader::param_names(lua, &f).map_err(|e| plain(e.to_string()))?;
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
        let files = crate::job_files::finish(&ctx.path);
        let inputs = crate::inputs::logged(&ctx.path);
        let _ = std::fs::remove_dir_all(ctx.path.join(TEMP_DIR));
        let mut report = result?;
        let input_dir = &ctx.project.config.input_directory;
        report.inputs = crate::inputs::snapshot(&ctx.project.input_hashes, input_dir, &inputs?)?;
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
            let (results, per_slice) = run_analysis(ctx, spec, &pr)?;
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
        super::dataset_writer::finish_job(&lua).map_err(|m| failure(spec, "finishing datasets", None, plain(m), vec![]))?;
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

pub fn worker_file(path: &Utf8Path, sliceno: usize, what: &str) -> Utf8PathBuf {
    path.join(TEMP_DIR).join(format!("analysis.{sliceno}.{what}"))
}

struct Slice {
    child: Child,
    started: Instant,
    elapsed: Option<f64>,
    status: Option<std::process::ExitStatus>,
    pump: Option<std::thread::JoinHandle<Tail>>,
}

/// Runs every slice as a worker process at once; returns each slice's result and time.
fn run_analysis(ctx: &JobContext, spec: &JobSpec, prepare_res: &Value) -> Result<(Vec<Value>, Vec<f64>)> {
    let tmp = ctx.path.join(TEMP_DIR);
    std::fs::create_dir_all(&tmp).at(&tmp)?;
    let blob = Value::Map(vec![
        (Value::str("params"), spec.params.clone()),
        (Value::str("prepare_res"), prepare_res.clone()),
    ]);
    std::fs::write(tmp.join("job.msgpack"), msgpack::encode(&blob)).at(tmp.join("job.msgpack"))?;
    let exe = std::env::current_exe().map_err(|e| Error::User(format!("cannot find the exax binary to start analysis workers: {e}")))?;
    let mut slices: Vec<Slice> = Vec::new();
    crate::status::set_phase("analysis");
    for s in 0..spec.slices {
        let (reader, writer) = std::io::pipe().map_err(|e| Error::io(&tmp, e))?;
        let writer2 = writer.try_clone().map_err(|e| Error::io(&tmp, e))?;
        let mut cmd = Command::new(&exe);
        cmd.arg("__analysis")
            .arg(ctx.project.config.path.as_str())
            .arg(ctx.id.to_string())
            .arg(s.to_string())
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(writer2)
            .current_dir(&ctx.path);
        let status_link = crate::status::link::offer(&mut cmd);
        // Under `urd:build_all`, waits for one of the run's worker slots; the worker holds it.
        let _slot = crate::slots::acquire(&mut cmd);
        let child = cmd
            .spawn()
            .map_err(|e| Error::User(format!("cannot start analysis worker {s} ({}): {e}", exe.display())))?;
        crate::status::slice_started(s, status_link);
        let file = output_file(&ctx.path, &s.to_string());
        let pump = std::thread::spawn(move || capture::pump(reader, file, true));
        slices.push(Slice {
            child,
            started: Instant::now(),
            elapsed: None,
            status: None,
            pump: Some(pump),
        });
    }
    let mut first_failure: Option<usize> = None;
    // Poll with a growing pause: a quick analysis is noticed within a fraction of a millisecond,
    // a long one costs about 20 wake-ups a second.
    let mut pause = Duration::from_micros(100);
    loop {
        let mut running = 0;
        for (s, slice) in slices.iter_mut().enumerate() {
            if slice.status.is_some() {
                continue;
            }
            match slice.child.try_wait() {
                Ok(Some(st)) => {
                    crate::status::slice_ended(s);
                    slice.status = Some(st);
                    slice.elapsed = Some(slice.started.elapsed().as_secs_f64());
                    if !st.success() && first_failure.is_none() {
                        first_failure = Some(s);
                    }
                }
                Ok(None) => running += 1,
                Err(e) => return Err(Error::User(format!("waiting for analysis slice {s}: {e}"))),
            }
        }
        if running == 0 {
            break;
        }
        if first_failure.is_some() {
            for slice in slices.iter_mut().filter(|s| s.status.is_none()) {
                let _ = slice.child.kill();
            }
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
    let mut tails = Vec::new();
    for slice in slices.iter_mut() {
        tails.push(slice.pump.take().map(|p| p.join().unwrap_or_default()).unwrap_or_default());
    }
    if let Some(s) = first_failure {
        let status = slices[s].status;
        let caught = match std::fs::read(worker_file(&ctx.path, s, "error")) {
            Ok(bytes) => {
                let v = msgpack::decode(&bytes, "analysis error").unwrap_or(Value::Nil);
                let message = v.get("message").and_then(Value::as_str).unwrap_or("analysis failed").to_string();
                let traceback = match v.get("traceback") {
                    Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
                    _ => vec![],
                };
                Caught {
                    message,
                    traceback,
                    job: None,
                }
            }
            Err(_) => plain(describe_exit(status)),
        };
        return Err(failure(spec, "analysis", Some(s), caught, std::mem::take(&mut tails[s])));
    }
    let mut results = Vec::new();
    for s in 0..spec.slices {
        let file = worker_file(&ctx.path, s, "msgpack");
        let bytes = std::fs::read(&file).at(&file)?;
        results.push(msgpack::decode(&bytes, &format!("analysis result of slice {s}"))?);
    }
    Ok((results, slices.iter().map(|s| s.elapsed.unwrap_or(0.0)).collect()))
}

fn describe_exit(status: Option<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(st) => match (st.code(), st.signal()) {
            (Some(c), _) => format!("the analysis worker exited with code {c} without a result"),
            (_, Some(sig)) => format!("the analysis worker was killed by signal {sig}"),
            _ => "the analysis worker failed".to_string(),
        },
        None => "the analysis worker failed".to_string(),
    }
}
