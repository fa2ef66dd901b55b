//! `urd:build_all{{method, params}, ...}`: independent builds at once. Every call is checked and
//! resolved first (a bad call fails the whole batch before anything runs); then reuse is looked up
//! here, and each build that is needed runs in a child process (`crate::job::parallel`), at most
//! `jobs at once` of them, never two of one reuse key at once (the second waits and is reused,
//! as it would be one after the other). The results come back in call order; the caller
//! (`urd.rs`) adds them to the joblists in that order. After a failed build no more start, the
//! running ones finish, and the error names the call.

use std::time::Duration;

use camino::Utf8Path;
use mlua::{Lua, Table};

use crate::error::{Error, IoContext, Result};
use crate::job::builder::{self, BuildRequest};
use crate::job::id::JobId;
use crate::job::parallel::{error_from_value, error_value, Pool};
use crate::lua::api::build_call::{self, Call, Prepared};
use crate::lua::api::handles::LuaJob;
use crate::lua::engine::errors::to_lua_err;
use crate::lua::engine::runner::LuaRunner;
use crate::lua::engine::runtime::Runtime;
use crate::method::Params;
use crate::msgpack;
use crate::project::Project;
use crate::value::Value;

/// What a call gave: a job id, or the text of a `why_build` call.
enum Done {
    Job(JobId),
    Why(String),
}

/// The calls to record (all of them, or those before the first failed call), and the error of
/// the first failed call (in call order).
pub fn build_all(lua: &Lua, calls: mlua::Value) -> mlua::Result<(Vec<Call>, Option<mlua::Error>)> {
    let mlua::Value::Table(calls) = calls else {
        return Err(to_lua_err(Error::build(format!(
            "urd:build_all takes a list of calls, {{{{'method', params}}, ...}}, got {}",
            crate::lua::table::a_type(&calls)
        ))));
    };
    let n = calls.raw_len();
    let mut preps = Vec::with_capacity(n);
    for i in 1..=n {
        let (method, params) = call_args(&calls, i, n)?;
        let p = build_call::prepare(lua, method.clone(), params).map_err(|e| about(e, i, n, &method))?;
        preps.push(p);
    }
    let rt = Runtime::get(lua);
    let keys: Vec<_> = preps.iter().map(|p| p.decl.reuse_key(&p.params)).collect();
    let mut results: Vec<Option<Done>> = (0..n).map(|_| None).collect();
    let mut started = vec![false; n];
    let mut failures: Vec<(usize, Error)> = Vec::new();
    let mut pool: Option<Pool> = None;
    loop {
        while failures.is_empty() && pool.as_ref().map_or(0, Pool::running) < rt.project.config.jobs_at_once {
            let busy = |k| (0..n).any(|j| started[j] && results[j].is_none() && keys[j] == k);
            let Some(i) = (0..n).find(|&i| !started[i] && !busy(keys[i])) else {
                break;
            };
            started[i] = true;
            let p = &preps[i];
            match start(lua, &rt, p, i, n, &mut pool) {
                Ok(Some(done)) => results[i] = Some(done),
                Ok(None) => {}
                Err(e) => failures.push((i, e)),
            }
        }
        let Some(pl) = pool.as_mut() else { break };
        if pl.running() == 0 {
            if !failures.is_empty() || started.iter().all(|&s| s) {
                break;
            }
            continue;
        }
        for f in pl.wait(Duration::from_millis(100)).map_err(to_lua_err)? {
            match finished(&rt, &f.outcome) {
                Ok(id) => results[f.index] = Some(Done::Job(id)),
                Err(e) => failures.push((f.index, e)),
            }
        }
    }
    drop(pool);
    failures.sort_by_key(|f| f.0);
    let first_failed = failures.first().map_or(n, |f| f.0);
    let mut out = Vec::new();
    for (p, r) in preps.iter().zip(results).take(first_failed) {
        out.push(match r {
            Some(Done::Job(id)) => Call::Job {
                name: p.name.clone(),
                job: LuaJob::handle(lua, id)?,
            },
            Some(Done::Why(text)) => Call::Why(text),
            None => return Err(to_lua_err(Error::User("urd:build_all: a build did not run".into()))),
        });
    }
    let err = failures.into_iter().next().map(|(i, e)| {
        let what = label(i + 1, n, &preps[i].method);
        to_lua_err(match e {
            Error::JobFailed(mut f) => {
                f.message = format!("{what}: {}", f.message);
                Error::JobFailed(f)
            }
            other => Error::build(format!("{what}: {other}")),
        })
    });
    Ok((out, err))
}

/// `urd:build_all, build 2 of 3 (`m`)`
fn label(i: usize, n: usize, method: &str) -> String {
    format!("urd:build_all, build {i} of {n} (`{method}`)")
}

fn about(e: mlua::Error, i: usize, n: usize, method: &str) -> mlua::Error {
    let c = crate::lua::engine::errors::caught(&e);
    to_lua_err(Error::build(format!("{}: {}", label(i, n, method), c.message)))
}

/// Call `i` of the list: `{'method', params}`.
fn call_args(calls: &Table, i: usize, n: usize) -> mlua::Result<(String, mlua::Value)> {
    let bad = |got: String| {
        to_lua_err(Error::build(format!(
            "urd:build_all, build {i} of {n}: each call is {{'method', params}}, got {got}"
        )))
    };
    let entry = match calls.raw_get::<mlua::Value>(i)? {
        mlua::Value::Table(t) => t,
        other => return Err(bad(crate::lua::table::a_type(&other).to_string())),
    };
    let method = match entry.raw_get::<mlua::Value>(1)? {
        mlua::Value::String(s) => s.to_string_lossy(),
        other => return Err(bad(format!("a table whose first value is {}", crate::lua::table::a_type(&other)))),
    };
    let extra = entry.clone().pairs::<mlua::Value, mlua::Value>().count();
    let params: mlua::Value = entry.raw_get(2)?;
    if extra > 1 + usize::from(!params.is_nil()) {
        return Err(bad(format!("a table with more than the method and its params (`{method}`)")));
    }
    Ok((method, params))
}

/// Starts call `i`: explained or reused here (Some), or built in a child process (None).
fn start(lua: &Lua, rt: &Runtime, p: &Prepared, i: usize, n: usize, pool: &mut Option<Pool>) -> Result<Option<Done>> {
    if p.why {
        let w = crate::job::why::explain(&rt.project, &p.decl, &p.params, p.force, (1, crate::job::why::MAX_COMPARED))?;
        return Ok(Some(Done::Why(w.render())));
    }
    let req = p.request(lua);
    if let Some(built) = builder::check_and_lookup(&rt.project, &req)? {
        rt.report(&built, &p.method, 0);
        return Ok(Some(Done::Job(built.id)));
    }
    let pool = match pool {
        Some(pool) => pool,
        None => {
            let config = &rt.project.config;
            let flags = [(rt.quiet, "--quiet"), (rt.why.get(), "--why")];
            let flags = flags.iter().filter(|f| f.0).map(|f| f.1).collect();
            pool.insert(Pool::new(&config.path, config.jobs_at_once, config.slices, flags)?)
        }
    };
    pool.start(i, &request(&req), format!("build {} of {n}: {}", i + 1, p.method))?;
    Ok(None)
}

fn request(req: &BuildRequest) -> Value {
    let s = Value::str;
    Value::Map(vec![
        (s("method"), s(req.decl.name())),
        (s("params"), req.params.to_value()),
        (s("caption"), s(&req.caption)),
        (s("workdir"), req.workdir.as_deref().map_or(Value::Nil, s)),
        (s("force"), Value::Bool(req.force)),
        (s("builder"), s(&req.builder)),
        (s("lua_version"), s(&req.lua_version)),
    ])
}

/// A child's outcome: its report lines printed, its counts added to the run's.
fn finished(rt: &Runtime, outcome: &Value) -> Result<JobId> {
    if let Some(Value::Array(lines)) = outcome.get("lines") {
        for l in lines.iter().filter_map(Value::as_str) {
            crate::console::err_line(l);
        }
    }
    if !matches!(outcome.get("ok"), Some(Value::Bool(true))) {
        return Err(error_from_value(outcome));
    }
    let int = |k: &str| match outcome.get(k) {
        Some(Value::Int(i)) => *i as usize,
        _ => 0,
    };
    let id = outcome
        .get("id")
        .and_then(Value::as_str)
        .and_then(JobId::parse)
        .ok_or_else(|| Error::User("a build process gave no job id".into()))?;
    let fresh = matches!(outcome.get("fresh"), Some(Value::Bool(true)));
    {
        let mut c = rt.counts.borrow_mut();
        c.0 += int("built");
        c.1 += int("reused");
    }
    rt.run_jobs.borrow_mut().push((id.to_string(), fresh));
    Ok(id)
}

/// `exax __build CONF [--quiet] [--why]`: a build process of a `build_all`. It reads requests
/// (`REQUEST\tOUTCOME` lines) from the descriptor in `parallel::FDS_ENV` until it closes, builds
/// each, writes the outcome (job id and counts, or the error, and the report lines) and says so
/// with a line on the other descriptor.
pub fn serve(conf: &Utf8Path, quiet: bool, why: bool) -> Result<()> {
    crate::status::link::serve_parent();
    let fds = std::env::var(crate::job::parallel::FDS_ENV).unwrap_or_default();
    std::env::remove_var(crate::job::parallel::FDS_ENV);
    let mut fds = fds
        .split(',')
        .filter_map(|f| f.parse::<i32>().ok())
        .filter_map(crate::sys::inherited_fd);
    let (Some(requests), Some(done)) = (fds.next(), fds.next()) else {
        return Err(Error::User("exax __build is started by urd:build_all".into()));
    };
    // A job's own child processes get neither.
    for fd in [&requests, &done] {
        crate::sys::set_cloexec(std::os::fd::AsFd::as_fd(fd), true).map_err(|e| Error::io(conf, e))?;
    }
    let mut done = std::fs::File::from(done);
    let rt = crate::lua::runtime(Project::open(conf)?, quiet);
    rt.why.set(why);
    for line in std::io::BufRead::lines(std::io::BufReader::new(std::fs::File::from(requests))) {
        let line = line.map_err(|e| Error::io(conf, e))?;
        let Some((request, outcome)) = line.split_once('\t') else {
            continue;
        };
        let value = build_one(&rt, Utf8Path::new(request));
        crate::sys::flush_c_stdio();
        std::fs::write(outcome, msgpack::encode(&value)).at(outcome)?;
        std::io::Write::write_all(&mut done, b"\n").map_err(|e| Error::io(conf, e))?;
    }
    Ok(())
}

/// One build of a build process: its outcome value.
fn build_one(rt: &std::rc::Rc<Runtime>, request_file: &Utf8Path) -> Value {
    *rt.counts.borrow_mut() = (0, 0);
    *rt.collected.borrow_mut() = Some(Vec::new());
    let mut method = String::new();
    let result = (|| -> Result<crate::job::builder::Built> {
        let req = msgpack::decode(&std::fs::read(request_file).at(request_file)?, "build request")?;
        let text = |k: &str| req.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        method = text("method");
        *rt.builder_name.borrow_mut() = text("builder");
        let decl = crate::lua::engine::method_loader::decl(rt, &method)?;
        let breq = BuildRequest {
            decl: &decl,
            params: params_from(req.get("params")),
            caption: text("caption"),
            workdir: req.get("workdir").and_then(Value::as_str).map(str::to_string),
            force: matches!(req.get("force"), Some(Value::Bool(true))),
            builder: text("builder"),
            lua_version: text("lua_version"),
        };
        let runner = LuaRunner { rt: rt.clone(), depth: 0 };
        builder::build(&rt.project, breq, &runner)
    })();
    let mut out = match &result {
        Ok(built) => {
            rt.report(built, &method, 0);
            let (b, r) = *rt.counts.borrow();
            vec![
                (Value::str("ok"), Value::Bool(true)),
                (Value::str("id"), Value::str(&built.id.to_string())),
                (Value::str("fresh"), Value::Bool(built.fresh)),
                (Value::str("built"), Value::Int(b as i64)),
                (Value::str("reused"), Value::Int(r as i64)),
            ]
        }
        Err(e) => match error_value(e) {
            Value::Map(m) => m,
            _ => vec![],
        },
    };
    let lines = rt.collected.borrow_mut().take().unwrap_or_default();
    out.push((Value::str("lines"), Value::Array(lines.iter().map(|l| Value::str(l)).collect())));
    Value::Map(out)
}

/// `Params` from `Params::to_value`.
fn params_from(v: Option<&Value>) -> Params {
    let section = |k: &str| match v.and_then(|v| v.get(k)) {
        Some(Value::Map(m)) => m.iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.clone()))).collect(),
        _ => vec![],
    };
    Params {
        options: section("options"),
        datasets: section("datasets"),
        jobs: section("jobs"),
    }
}
