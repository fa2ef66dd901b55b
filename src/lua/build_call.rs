//! `urd:build(method, params)` and `subjobs.build(method, params)`: split the Lua parameter table
//! into the keys `build` consumes (name, caption, workdir, force_build, why_build) and the parameters, resolve
//! them against the method, build or reuse, and return a Job handle.

use std::rc::Rc;

use mlua::{AnyUserData, Lua, Table};

use super::convert::to_value;
use super::errors::{raising, to_lua_err, LuaExaxError};
use super::job::LuaJob;
use super::runner::LuaRunner;
use super::runtime::{JobScope, Runtime, MAX_SUBJOB_DEPTH};
use crate::builder::{self, BuildRequest};
use crate::error::Error;
use crate::method::{BuildArgs, MethodDecl, Params};
use crate::value::Value;

pub enum Call {
    /// Built or reused: the job, under the name it gets in the joblist.
    Job { name: String, job: AnyUserData },
    /// `why_build = true`: the explanation, nothing built.
    Why(String),
}

impl Call {
    /// The value `build` returns to Lua.
    pub fn into_lua(self, lua: &Lua) -> mlua::Result<mlua::Value> {
        match self {
            Call::Job { job, .. } => Ok(mlua::Value::UserData(job)),
            Call::Why(text) => Ok(mlua::Value::String(lua.create_string(text)?)),
        }
    }
}

fn section(t: &mlua::Value, label: &str) -> mlua::Result<Vec<(String, Value)>> {
    let mlua::Value::Table(t) = t else {
        return Err(to_lua_err(Error::Build(format!(
            "`{label}` must be a table of name = value, got {}",
            crate::lua::convert::a_type(t)
        ))));
    };
    let mut out = Vec::new();
    for kv in t.pairs::<mlua::Value, mlua::Value>() {
        let (k, v) = kv?;
        let mlua::Value::String(k) = k else {
            return Err(to_lua_err(Error::Build(format!(
                "`{label}` keys must be parameter names, got {}",
                crate::lua::convert::a_type(&k)
            ))));
        };
        let k = k.to_string_lossy();
        let v = to_value(&v, &format!("{label}.{k}")).map_err(|e| to_lua_err(Error::Build(e)))?;
        out.push((k, v));
    }
    Ok(out)
}

/// A `build` call checked and resolved against its method, not yet built.
pub struct Prepared {
    /// Its name in the joblist.
    pub name: String,
    pub method: String,
    pub decl: Rc<MethodDecl>,
    pub params: Params,
    pub caption: String,
    pub workdir: Option<String>,
    pub force: bool,
    /// `why_build = true`: explain, build nothing.
    pub why: bool,
    pub builder: String,
    pub depth: usize,
}

impl Prepared {
    pub fn request(&self, lua: &Lua) -> BuildRequest<'_> {
        BuildRequest {
            decl: &self.decl,
            params: self.params.clone(),
            caption: self.caption.clone(),
            workdir: self.workdir.clone(),
            force: self.force,
            builder: self.builder.clone(),
            lua_version: lua_version(lua),
        }
    }
}

pub fn build(lua: &Lua, method: String, params: mlua::Value) -> mlua::Result<Call> {
    let p = prepare(lua, method, params)?;
    let rt = Runtime::get(lua);
    if p.why {
        let w = crate::why::explain(&rt.project, &p.decl, &p.params, p.force, (1, crate::why::MAX_COMPARED)).map_err(to_lua_err)?;
        return Ok(Call::Why(w.render()));
    }
    let runner = LuaRunner {
        rt: rt.clone(),
        depth: p.depth,
    };
    let built = builder::build(&rt.project, p.request(lua), &runner).map_err(to_lua_err)?;
    rt.report(&built, &p.method, p.depth);
    if let Some(scope) = lua.app_data_ref::<JobScope>() {
        let mut subjobs = scope.subjobs.borrow_mut();
        let id = built.id.to_string();
        // A subjob built (or reused) twice is recorded once, in the order first built.
        if !subjobs.contains(&id) {
            subjobs.push(id);
        }
    }
    Ok(Call::Job {
        name: p.name,
        job: LuaJob::handle(lua, built.id)?,
    })
}

/// Splits and checks a `build` call's parameters and resolves them against the method.
pub fn prepare(lua: &Lua, method: String, params: mlua::Value) -> mlua::Result<Prepared> {
    let params = match params {
        mlua::Value::Nil => None,
        mlua::Value::Table(t) => Some(t),
        other => {
            return Err(to_lua_err(Error::Build(format!(
                "build('{method}', params): params must be a table, got {}",
                crate::lua::convert::a_type(&other)
            ))))
        }
    };
    let rt = Runtime::get(lua);
    let (builder, depth) = match lua.app_data_ref::<JobScope>() {
        Some(scope) => {
            let phase = *scope.phase.borrow();
            if phase == "analysis" {
                return Err(to_lua_err(Error::Build(format!(
                    "subjobs can be built in prepare and synthesis, not in analysis (job {})",
                    scope.id
                ))));
            }
            if scope.depth + 1 > MAX_SUBJOB_DEPTH {
                return Err(to_lua_err(Error::Build(format!(
                    "subjobs nested more than {MAX_SUBJOB_DEPTH} deep (does `{}` build itself?)",
                    scope.method
                ))));
            }
            (scope.id.to_string(), scope.depth + 1)
        }
        None => (rt.builder_name.borrow().clone(), 0),
    };
    let mut args = BuildArgs::default();
    let mut name = method.clone();
    let mut caption = String::new();
    let mut workdir = None;
    let mut force = false;
    let mut why = false;
    if let Some(params) = params {
        for kv in params.pairs::<mlua::Value, mlua::Value>() {
            let (k, v) = kv?;
            let mlua::Value::String(k) = k else {
                return Err(to_lua_err(Error::Build(format!(
                    "urd:build('{method}', params): parameter names must be strings, got {}",
                    crate::lua::convert::a_type(&k)
                ))));
            };
            let k = k.to_string_lossy();
            let want_string = |v: &mlua::Value| -> mlua::Result<String> {
                match v {
                    mlua::Value::String(s) => Ok(s.to_string_lossy()),
                    other => Err(to_lua_err(Error::Build(format!(
                        "`{k}` must be a string, got {}",
                        crate::lua::convert::a_type(other)
                    )))),
                }
            };
            match k.as_str() {
                "name" => name = want_string(&v)?,
                "caption" => caption = want_string(&v)?,
                "workdir" => workdir = Some(want_string(&v)?),
                "force_build" | "why_build" => {
                    let b = match v {
                        mlua::Value::Boolean(b) => b,
                        other => {
                            return Err(to_lua_err(Error::Build(format!(
                                "`{k}` must be a boolean, got {}",
                                crate::lua::convert::a_type(&other)
                            ))))
                        }
                    };
                    if k == "force_build" {
                        force = b
                    } else {
                        why = b
                    }
                }
                "options" => args.options = section(&v, "options")?,
                "datasets" => args.datasets = section(&v, "datasets")?,
                "jobs" => args.jobs = section(&v, "jobs")?,
                _ => {
                    let value = to_value(&v, &format!("params.{k}")).map_err(|e| to_lua_err(Error::Build(e)))?;
                    args.loose.push((k, value));
                }
            }
        }
    }
    if let Some(w) = &workdir {
        rt.project.workdir(w).map_err(to_lua_err)?;
    }
    let decl = rt.decl(&method).map_err(to_lua_err)?;
    let params = decl.resolve(args).map_err(to_lua_err)?;
    Ok(Prepared {
        name,
        method,
        decl,
        params,
        caption,
        workdir,
        force,
        why,
        builder,
        depth,
    })
}

/// `(false, error)` for `errors::raising`.
pub fn failed(lua: &Lua, e: Error) -> mlua::Result<(bool, mlua::Value)> {
    Ok((false, mlua::Value::UserData(lua.create_userdata(LuaExaxError::new(e))?)))
}

/// An mlua error from `build` as `(false, error)`, keeping a job failure or exax error intact.
pub fn failed_mlua(lua: &Lua, e: mlua::Error) -> mlua::Result<(bool, mlua::Value)> {
    let c = super::errors::caught(&e);
    let err = LuaExaxError {
        message: c.message,
        place: Default::default(),
        job: c.job,
    };
    Ok((false, mlua::Value::UserData(lua.create_userdata(err)?)))
}

pub fn lua_version(lua: &Lua) -> String {
    lua.globals().get::<String>("_VERSION").unwrap_or_default()
}

/// `require('exax.subjobs').build` reaches Rust through `exax._build_subjob`.
pub fn register(lua: &Lua) -> mlua::Result<()> {
    let exax: Table = match lua.globals().get::<Option<Table>>("exax")? {
        Some(t) => t,
        None => {
            let t = lua.create_table()?;
            lua.globals().set("exax", t.clone())?;
            t
        }
    };
    exax.set("version", crate::builder::EXAX_VERSION)?;
    let raw = lua.create_function(|lua, (method, params): (String, mlua::Value)| {
        if lua.app_data_ref::<JobScope>().is_none() {
            return failed(
                lua,
                Error::Build("subjobs.build is for methods; a build script uses urd:build".into()),
            );
        }
        match build(lua, method, params) {
            Ok(call) => Ok((true, call.into_lua(lua)?)),
            Err(e) => failed_mlua(lua, e),
        }
    })?;
    exax.set("_build_subjob", raising(lua, raw)?)?;
    Ok(())
}
