//! The `urd` a build script's `main(urd)` gets: `urd:build`, `urd.args`, `urd.joblist` (the jobs
//! built since `urd:begin`, or since the start), and the sessions of `crate::urd`:
//! `urd:begin/finish/abort/truncate`, lookups that record a dependency of the running session
//! (`latest`, `first`, `get`) and ones that do not (`peek`, `peek_latest`, `peek_first`), `since`,
//! `list`, `urd:build_chained`, and `urd:build_all` (several builds at once, `build_all.rs`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use mlua::{AnyUserData, FromLuaMulti, Lua, Table};

use crate::error::Error;
use crate::job::id::JobId;
use crate::lua::api::build_call;
use crate::lua::api::handles::LuaJob;
use crate::lua::engine::errors::{raising, to_lua_err};
use crate::lua::engine::runtime::Runtime;
use crate::urd::{Dep, Entry, JobRef, Lookup, Timestamp, Urd};

/// The session state of one build script run.
#[derive(Default)]
pub struct Session {
    urd: Option<Urd>,
    current: Option<Current>,
    /// The joblist of the last lookup, which `build_chained` chains from.
    latest_joblist: Option<Vec<JobRef>>,
    /// `list/timestamp` of every session finished, for the run's record.
    pub finished: Vec<String>,
    auth_tested: bool,
}

struct Current {
    list: String,
    timestamp: Option<Timestamp>,
    caption: String,
    update: bool,
    deps: BTreeMap<String, Dep>,
}

/// Lives in the build script's Lua app data, so `script.rs` can read what the run finished.
#[derive(Clone)]
pub struct SessionHandle(pub Rc<RefCell<Session>>);

fn err(msg: String) -> mlua::Error {
    to_lua_err(Error::User(msg))
}

impl Session {
    fn store(&mut self, lua: &Lua) -> mlua::Result<&mut Urd> {
        if self.urd.is_none() {
            let rt = Runtime::get(lua);
            self.urd = Some(Urd::open(&rt.project).map_err(to_lua_err)?);
        }
        match self.urd.as_mut() {
            Some(u) => Ok(u),
            None => Err(err("urd store not open".into())),
        }
    }
}

pub fn create(lua: &Lua, args: &[String]) -> mlua::Result<Table> {
    let session = Rc::new(RefCell::new(Session::default()));
    lua.set_app_data(SessionHandle(session.clone()));
    let urd = lua.create_table()?;
    urd.set("args", lua.create_sequence_from(args.iter().cloned())?)?;
    urd.set("joblist", new_joblist(lua, vec![])?)?;
    urd.set("joblist_all", new_joblist(lua, vec![])?)?;

    let raw = lua.create_function(move |lua, (this, method, params): (mlua::Value, mlua::Value, mlua::Value)| {
        let (this, method) = match (this, method) {
            (mlua::Value::Table(t), mlua::Value::String(m)) => (t, m.to_string_lossy()),
            (mlua::Value::String(_), _) => {
                return build_call::failed(lua, Error::build("call it as urd:build('method', params), with a colon"))
            }
            (_, other) => {
                return build_call::failed(
                    lua,
                    Error::build(format!(
                        "urd:build: the method name must be a string, got {}",
                        crate::lua::table::a_type(&other)
                    )),
                )
            }
        };
        match build_and_record(lua, &this, method, params) {
            Ok(v) => Ok((true, v)),
            Err(e) => build_call::failed_mlua(lua, e),
        }
    })?;
    urd.set("build", raising(lua, raw)?)?;

    let raw = lua.create_function(move |lua, (this, calls): (mlua::Value, mlua::Value)| {
        let this = match this {
            mlua::Value::Table(t) if t.raw_get::<mlua::Value>("build_all")?.is_function() => t,
            _ => return build_call::failed(lua, Error::build("call it as urd:build_all{...}, with a colon")),
        };
        match build_all_and_record(lua, &this, calls) {
            Ok(v) => Ok((true, v)),
            Err(e) => build_call::failed_mlua(lua, e),
        }
    })?;
    urd.set("build_all", raising(lua, raw)?)?;

    let s = session.clone();
    method(
        lua,
        &urd,
        "begin",
        move |lua, (this, list, ts, opts): (Table, String, mlua::Value, mlua::Value)| {
            let mut s = s.borrow_mut();
            if let Some(c) = &s.current {
                return Err(err(format!(
                    "urd:begin('{list}'): the session of `{}` is still running (urd:finish or urd:abort it first)",
                    c.list
                )));
            }
            let timestamp = match ts {
                mlua::Value::Nil => None,
                v => Some(timestamp_arg(&v, "urd:begin")?),
            };
            let (mut caption, mut update) = (String::new(), false);
            match opts {
                mlua::Value::Nil => {}
                mlua::Value::String(c) => caption = c.to_string_lossy(),
                mlua::Value::Table(t) => {
                    for kv in t.pairs::<String, mlua::Value>() {
                        let (k, v) = kv?;
                        match (k.as_str(), v) {
                            ("caption", mlua::Value::String(c)) => caption = c.to_string_lossy(),
                            ("update", mlua::Value::Boolean(b)) => update = b,
                            (k, v) => {
                                return Err(err(format!(
                                    "urd:begin: unknown option `{k}` = {} (options are caption (a string) and update (a boolean))",
                                    crate::lua::table::a_type(&v)
                                )))
                            }
                        }
                    }
                }
                other => {
                    return Err(err(format!(
                        "urd:begin: the third argument is {{caption = ..., update = ...}}, got {}",
                        crate::lua::table::a_type(&other)
                    )))
                }
            }
            let full = s.store(lua)?.full_name(&list);
            crate::urd::entry::check_list_name(&full).map_err(|e| to_lua_err(e.into()))?;
            if !s.auth_tested {
                s.store(lua)?.check_writer().map_err(to_lua_err)?;
                s.auth_tested = true;
            }
            s.current = Some(Current {
                list: full,
                timestamp,
                caption,
                update,
                deps: BTreeMap::new(),
            });
            s.latest_joblist = None;
            this.set("joblist", new_joblist(lua, vec![])?)?;
            Ok(mlua::Value::Nil)
        },
    )?;

    let s = session.clone();
    method(lua, &urd, "abort", move |_, _this: Table| {
        s.borrow_mut().current = None;
        Ok(mlua::Value::Nil)
    })?;

    let s = session.clone();
    method(
        lua,
        &urd,
        "finish",
        move |lua, (this, list, ts, caption): (Table, String, mlua::Value, Option<String>)| {
            let mut s = s.borrow_mut();
            let full = s.store(lua)?.full_name(&list);
            let Some(cur) = s.current.take() else {
                return Err(err(format!("urd:finish('{list}'): no session is running (urd:begin starts one)")));
            };
            if cur.list != full {
                let msg = format!("urd:finish('{list}'): the running session is `{}`", cur.list);
                s.current = Some(cur);
                return Err(err(msg));
            }
            let timestamp = match ts {
                mlua::Value::Nil => cur.timestamp.clone(),
                v => Some(timestamp_arg(&v, "urd:finish")?),
            };
            let joblist = joblist_refs(&this.get::<Table>("joblist")?)?;
            if joblist.is_empty() {
                s.current = Some(cur);
                return Err(err(format!("urd:finish('{list}'): the session built no jobs")));
            }
            let Some(timestamp) = timestamp else {
                s.current = Some(cur);
                return Err(err(format!("urd:finish('{list}'): no timestamp given to urd:begin or urd:finish")));
            };
            let rt = Runtime::get(lua);
            let entry = Entry {
                timestamp: timestamp.to_string(),
                caption: caption.unwrap_or(cur.caption),
                joblist,
                deps: cur.deps,
                build_job: rt.builder_name.borrow().clone(),
            };
            let out = s.store(lua)?.add(&full, entry, cur.update).map_err(to_lua_err)?;
            s.finished.push(format!("{full}/{timestamp}"));
            let t = lua.create_table()?;
            t.set("new", out.new)?;
            t.set("changed", out.changed)?;
            t.set("is_ghost", out.is_ghost)?;
            t.set("deps", out.deps)?;
            Ok(mlua::Value::Table(t))
        },
    )?;

    let s = session.clone();
    method(
        lua,
        &urd,
        "truncate",
        move |lua, (_this, list, ts): (Table, String, mlua::Value)| {
            let ts = timestamp_arg(&ts, "urd:truncate")?;
            let out = s.borrow_mut().store(lua)?.truncate(&list, &ts).map_err(to_lua_err)?;
            let t = lua.create_table()?;
            t.set("count", out.count)?;
            t.set("deps", out.deps)?;
            Ok(mlua::Value::Table(t))
        },
    )?;

    for (name, fixed) in [("latest", Some(Lookup::Latest)), ("first", Some(Lookup::First)), ("get", None)] {
        let s = session.clone();
        method(lua, &urd, name, move |lua, (_this, list, ts): (Table, String, mlua::Value)| {
            let q = match &fixed {
                Some(q) => q.clone(),
                None => lookup_arg(&ts, "urd:get")?,
            };
            let mut s = s.borrow_mut();
            let full = s.store(lua)?.full_name(&list);
            let Some(cur) = &s.current else {
                return Err(err(format!(
                    "urd:{name}('{list}') records a dependency of the running session, and none is running (urd:begin starts one; urd:peek{} does not record)",
                    if name == "get" { String::new() } else { format!("_{name}") }
                )));
            };
            if cur.deps.contains_key(&full) {
                return Err(err(format!(
                    "urd:{name}('{list}'): this session already depends on `{full}` (look a list up once per session)"
                )));
            }
            let found = s.store(lua)?.lookup(&list, &q).map_err(to_lua_err)?;
            s.latest_joblist = Some(found.as_ref().map(|e| e.joblist.clone()).unwrap_or_default());
            if let (Some(e), Some(cur)) = (&found, s.current.as_mut()) {
                cur.deps.insert(full, e.as_dep());
            }
            entry_value(lua, found)
        })?;
    }

    for (name, fixed) in [
        ("peek", None),
        ("peek_latest", Some(Lookup::Latest)),
        ("peek_first", Some(Lookup::First)),
    ] {
        let s = session.clone();
        method(lua, &urd, name, move |lua, (_this, list, ts): (Table, String, mlua::Value)| {
            let q = match &fixed {
                Some(q) => q.clone(),
                None => lookup_arg(&ts, "urd:peek")?,
            };
            let found = s.borrow_mut().store(lua)?.lookup(&list, &q).map_err(to_lua_err)?;
            entry_value(lua, found)
        })?;
    }

    let s = session.clone();
    method(lua, &urd, "since", move |lua, (_this, list, ts): (Table, String, mlua::Value)| {
        let ts = timestamp_arg(&ts, "urd:since")?;
        let found = s.borrow_mut().store(lua)?.since(&list, &ts).map_err(to_lua_err)?;
        Ok(mlua::Value::Table(lua.create_sequence_from(found.into_iter().map(|(t, _)| t))?))
    })?;

    let s = session.clone();
    method(lua, &urd, "list", move |lua, _this: Table| {
        let lists = s.borrow_mut().store(lua)?.lists().map_err(to_lua_err)?;
        Ok(mlua::Value::Table(lua.create_sequence_from(lists)?))
    })?;

    let s = session;
    method(
        lua,
        &urd,
        "build_chained",
        move |lua, (this, method, params): (Table, String, Option<Table>)| {
            let params = params.unwrap_or(lua.create_table()?);
            let Some(name) = params.get::<Option<String>>("name")? else {
                return Err(err(format!(
                "urd:build_chained('{method}', params): params needs a `name` (the job of that name in the looked-up session becomes `previous`)"
            )));
            };
            let jobs_prev = match params.get::<mlua::Value>("jobs")? {
                mlua::Value::Table(j) => !j.get::<mlua::Value>("previous")?.is_nil(),
                _ => false,
            };
            if !params.get::<mlua::Value>("previous")?.is_nil() || jobs_prev {
                return Err(err(format!(
                    "urd:build_chained('{method}'): do not give `previous`; it comes from the last lookup"
                )));
            }
            let prev = {
                let s = s.borrow();
                let Some(jl) = &s.latest_joblist else {
                    return Err(err(format!(
                        "urd:build_chained('{method}'): no lookup to chain from (call urd:latest or urd:get first)"
                    )));
                };
                jl.iter().rev().find(|j| j.0 == name).map(|j| j.1.clone())
            };
            let copy = lua.create_table()?;
            for kv in params.pairs::<mlua::Value, mlua::Value>() {
                let (k, v) = kv?;
                copy.set(k, v)?;
            }
            if let Some(prev) = prev {
                copy.set("previous", job_handle(lua, &prev)?)?;
            }
            build_and_record(lua, &this, method, mlua::Value::Table(copy))
        },
    )?;
    Ok(urd)
}

/// `urd:NAME(...)` as a Lua function that raises its error at the caller's line.
fn method<A, F>(lua: &Lua, urd: &Table, name: &str, f: F) -> mlua::Result<()>
where
    A: FromLuaMulti,
    F: Fn(&Lua, A) -> mlua::Result<mlua::Value> + 'static,
{
    let raw = lua.create_function(move |lua, args: mlua::MultiValue| {
        if !matches!(args.front(), Some(mlua::Value::Table(_))) {
            return build_call::failed(lua, Error::User("call urd methods with a colon: urd:begin(...)".into()));
        }
        match A::from_lua_multi(args, lua).and_then(|a| f(lua, a)) {
            Ok(v) => Ok((true, v)),
            Err(e) => build_call::failed_mlua(lua, e),
        }
    })?;
    urd.set(name, raising(lua, raw)?)
}

/// Builds (or reuses) and adds the job to the session's joblists; with `why_build` the
/// explanation comes back instead and nothing is recorded.
fn build_and_record(lua: &Lua, this: &Table, method: String, params: mlua::Value) -> mlua::Result<mlua::Value> {
    match build_call::build(lua, method, params)? {
        build_call::Call::Job { name, job } => {
            for list in ["joblist", "joblist_all"] {
                push(&this.get::<Table>(list)?, &name, job.clone())?;
            }
            Ok(mlua::Value::UserData(job))
        }
        why => why.into_lua(lua),
    }
}

/// `urd:build_all`: the jobs in call order, added to the joblists in call order (after a failed
/// build, those called before it).
fn build_all_and_record(lua: &Lua, this: &Table, calls: mlua::Value) -> mlua::Result<mlua::Value> {
    let (done, err) = super::build_all::build_all(lua, calls)?;
    let out = lua.create_table()?;
    for call in done {
        if let build_call::Call::Job { name, job } = &call {
            for list in ["joblist", "joblist_all"] {
                push(&this.get::<Table>(list)?, name, job.clone())?;
            }
        }
        out.raw_push(call.into_lua(lua)?)?;
    }
    match err {
        Some(e) => Err(e),
        None => Ok(mlua::Value::Table(out)),
    }
}

fn job_handle(lua: &Lua, id: &str) -> mlua::Result<AnyUserData> {
    let id = JobId::parse(id).ok_or_else(|| err(format!("urd: `{id}` in a stored joblist is not a job id")))?;
    LuaJob::handle(lua, id)
}

/// A joblist: the jobs as an array (`#`, `ipairs`), with `:get(name)` (the last job of that
/// name, or by index) and `:find(name)` (a joblist of every job of that name).
pub fn new_joblist(lua: &Lua, jobs: Vec<(String, AnyUserData)>) -> mlua::Result<Table> {
    let list = lua.create_table()?;
    let names = lua.create_table()?;
    for (n, j) in jobs {
        list.raw_push(j)?;
        names.raw_push(n)?;
    }
    let methods = lua.create_table()?;
    let (l2, n2) = (list.clone(), names.clone());
    methods.set(
        "get",
        lua.create_function(move |_, (_, key): (mlua::Value, mlua::Value)| {
            if let mlua::Value::Integer(i) = key {
                return l2.raw_get::<mlua::Value>(i);
            }
            let name = match key {
                mlua::Value::String(s) => s.to_string_lossy(),
                _ => return Ok(mlua::Value::Nil),
            };
            for i in (1..=n2.raw_len()).rev() {
                if n2.raw_get::<String>(i)? == name {
                    return l2.raw_get::<mlua::Value>(i);
                }
            }
            Ok(mlua::Value::Nil)
        })?,
    )?;
    let (l3, n3) = (list.clone(), names.clone());
    methods.set(
        "find",
        lua.create_function(move |lua, (_, name): (mlua::Value, String)| {
            let mut found = Vec::new();
            for i in 1..=n3.raw_len() {
                if n3.raw_get::<String>(i)? == name {
                    found.push((name.clone(), l3.raw_get::<AnyUserData>(i)?));
                }
            }
            new_joblist(lua, found)
        })?,
    )?;
    let n4 = names.clone();
    methods.set(
        "names",
        lua.create_function(move |lua, _: mlua::Value| {
            lua.create_sequence_from(
                (1..=n4.raw_len())
                    .map(|i| n4.raw_get::<String>(i))
                    .collect::<mlua::Result<Vec<_>>>()?,
            )
        })?,
    )?;
    let mt = lua.create_table()?;
    mt.set("__index", methods)?;
    mt.set("__names", names)?;
    mt.set("__name", "exax.JobList")?;
    list.set_metatable(Some(mt))?;
    Ok(list)
}

fn names_of(list: &Table) -> mlua::Result<Table> {
    match list.metatable().map(|m| m.raw_get::<Table>("__names")) {
        Some(Ok(n)) => Ok(n),
        _ => Err(err("urd.joblist was replaced by something that is not a joblist".into())),
    }
}

fn push(list: &Table, name: &str, job: AnyUserData) -> mlua::Result<()> {
    let names = names_of(list)?;
    list.raw_push(job)?;
    names.raw_push(name)
}

/// (name, job id) of every job in a joblist.
fn joblist_refs(list: &Table) -> mlua::Result<Vec<JobRef>> {
    let names = names_of(list)?;
    let mut out = Vec::new();
    for i in 1..=list.raw_len() {
        let job: AnyUserData = list.raw_get(i)?;
        let id = job.borrow::<LuaJob>()?.id.to_string();
        out.push((names.raw_get::<String>(i)?, id));
    }
    Ok(out)
}

fn lua_joblist(lua: &Lua, refs: &[JobRef]) -> mlua::Result<Table> {
    let jobs = refs
        .iter()
        .map(|(n, id)| Ok((n.clone(), job_handle(lua, id)?)))
        .collect::<mlua::Result<Vec<_>>>()?;
    new_joblist(lua, jobs)
}

/// A session as `{timestamp, caption, joblist, deps = {[list] = {timestamp, caption, joblist}}, build_job}`.
fn entry_value(lua: &Lua, e: Option<Entry>) -> mlua::Result<mlua::Value> {
    let Some(e) = e else {
        return Ok(mlua::Value::Nil);
    };
    let t = lua.create_table()?;
    t.set("timestamp", e.timestamp)?;
    t.set("caption", e.caption)?;
    t.set("joblist", lua_joblist(lua, &e.joblist)?)?;
    t.set("build_job", e.build_job)?;
    let deps = lua.create_table()?;
    for (list, d) in &e.deps {
        let dt = lua.create_table()?;
        dt.set("timestamp", d.timestamp.clone())?;
        dt.set("caption", d.caption.clone())?;
        dt.set("joblist", lua_joblist(lua, &d.joblist)?)?;
        deps.set(list.clone(), dt)?;
    }
    t.set("deps", deps)?;
    Ok(mlua::Value::Table(t))
}

/// A timestamp from Lua: a string, a non-negative integer, or a table of such parts.
fn timestamp_text(v: &mlua::Value, what: &str) -> mlua::Result<String> {
    let bad = || {
        err(format!(
            "{what}: a timestamp is a string like '2024-03-01', a non-negative integer, or a table of those parts, got {}",
            crate::lua::table::a_type(v)
        ))
    };
    match v {
        mlua::Value::String(s) => Ok(s.to_string_lossy()),
        mlua::Value::Integer(i) if *i >= 0 => Ok(i.to_string()),
        mlua::Value::Number(n) if *n >= 0.0 && n.fract() == 0.0 && *n < 9.0e15 => Ok((*n as i64).to_string()),
        mlua::Value::Table(t) => {
            let mut parts = Vec::new();
            for p in t.sequence_values::<mlua::Value>() {
                let p = p?;
                if matches!(p, mlua::Value::Table(_)) {
                    return Err(bad());
                }
                parts.push(timestamp_text(&p, what)?);
            }
            // A leading comparison (`{'<=', '2024-03', 2}`) prefixes the rest.
            let (cmp, rest) = match parts.first().map(String::as_str) {
                Some("<" | "<=" | ">" | ">=") => (parts[0].clone(), &parts[1..]),
                _ => (String::new(), &parts[..]),
            };
            if rest.is_empty() {
                return Err(bad());
            }
            Ok(format!("{cmp}{}", rest.join("+")))
        }
        _ => Err(bad()),
    }
}

fn timestamp_arg(v: &mlua::Value, what: &str) -> mlua::Result<Timestamp> {
    Timestamp::parse(&timestamp_text(v, what)?).map_err(|e| err(format!("{what}: {e}")))
}

fn lookup_arg(v: &mlua::Value, what: &str) -> mlua::Result<Lookup> {
    Lookup::parse(&timestamp_text(v, what)?).map_err(|e| err(format!("{what}: {e}")))
}
