//! Lua errors into exax errors: chunks named after their project path, a protected call that keeps
//! the message, the position and a trimmed traceback, and the way back from an exax error raised
//! inside a Rust callback (a failed job stays a failed job through any number of Lua frames).

use mlua::{Function, IntoLuaMulti, Lua, MultiValue};

use crate::error::{Error, JobFailure};
use crate::lua::engine::prelude::root_message;

/// An exax error handed to Lua as a value (by `urd:build` and `subjobs.build`), so `pcall`
/// gets a clean message and a failed job stays a failed job through any number of Lua frames.
pub struct LuaExaxError {
    pub message: String,
    pub place: std::cell::RefCell<String>,
    pub job: Option<Box<JobFailure>>,
}

impl LuaExaxError {
    pub fn new(e: Error) -> LuaExaxError {
        let job = match &e {
            Error::JobFailed(f) => Some(f.clone()),
            _ => None,
        };
        LuaExaxError {
            message: e.to_string(),
            place: Default::default(),
            job,
        }
    }

    pub fn text(&self) -> String {
        format!("{}{}", self.place.borrow(), self.message)
    }
}

impl mlua::UserData for LuaExaxError {
    fn add_fields<F: mlua::UserDataFields<Self>>(f: &mut F) {
        f.add_field_method_get("message", |_, this| Ok(this.message.clone()));
        f.add_field_method_get("job", |_, this| Ok(this.job.as_ref().map(|j| j.job.to_string())));
    }

    fn add_methods<M: mlua::UserDataMethods<Self>>(m: &mut M) {
        m.add_meta_method(mlua::MetaMethod::ToString, |_, this, ()| Ok(this.text()));
        m.add_method("_locate", |_, this, place: String| {
            if this.job.is_none() {
                *this.place.borrow_mut() = place;
            }
            Ok(())
        });
    }
}

/// Wraps a Rust function returning `(true, value)` or `(false, LuaExaxError)` into a Lua function
/// that returns the value or raises the error located at its caller's line.
pub fn raising(lua: &Lua, raw: Function) -> mlua::Result<Function> {
    crate::lua::engine::prelude::helper(lua, "raising")?.call(raw)
}

/// A chunk named `@methods/x.lua`, so messages and tracebacks read `methods/x.lua:4:`.
pub fn chunk<'a>(lua: &'a Lua, source: &'a str, display: &str) -> mlua::Chunk<'a> {
    lua.load(source).set_name(format!("@{display}"))
}

/// What a failed protected call left.
#[derive(Debug, Clone)]
pub struct Caught {
    pub message: String,
    pub traceback: Vec<String>,
    /// The failure of a job this call built (through `urd:build` or a subjob), if that is the cause.
    pub job: Option<Box<JobFailure>>,
}

pub fn pcall(lua: &Lua, f: &Function, args: impl IntoLuaMulti) -> Result<MultiValue, Caught> {
    let wrapper: Function = match crate::lua::engine::prelude::helper(lua, "pcall") {
        Ok(w) => w,
        Err(e) => return Err(caught(&e)),
    };
    let mut rets = match wrapper.call::<MultiValue>((f.clone(), args)) {
        Ok(r) => r,
        Err(e) => return Err(caught(&e)),
    };
    let ok = matches!(rets.pop_front(), Some(mlua::Value::Boolean(true)));
    if ok {
        return Ok(rets);
    }
    let info = match rets.pop_front() {
        Some(mlua::Value::Table(info)) => info,
        // Lua calls no message handler for a memory error: the bare message comes back.
        Some(mlua::Value::String(s)) => {
            return Err(Caught {
                message: s.to_string_lossy(),
                traceback: vec![],
                job: None,
            })
        }
        Some(mlua::Value::Error(e)) => {
            return Err(Caught {
                message: root_message(&e),
                traceback: vec![],
                job: find_job_failure(&e),
            })
        }
        _ => {
            return Err(Caught {
                message: "unknown error".into(),
                traceback: vec![],
                job: None,
            })
        }
    };
    let value: mlua::Value = info.raw_get(1).unwrap_or(mlua::Value::Nil);
    let traceback: String = info.raw_get(2).unwrap_or_default();
    let place: String = info.raw_get(3).unwrap_or_default();
    // A shipped method's call into its native kernel (`<exax>/csvimport.lua:48: `) says nothing
    // to the user: the kernel's message names the file and line that matter.
    let place = if place.starts_with("<exax>/") { String::new() } else { place };
    let traceback = trim_traceback(&traceback);
    Err(match value {
        mlua::Value::String(s) => Caught {
            message: s.to_string_lossy(),
            traceback,
            job: None,
        },
        mlua::Value::Error(e) => {
            let job = find_job_failure(&e);
            Caught {
                message: format!("{place}{}", root_message(&e)),
                traceback,
                job,
            }
        }
        mlua::Value::UserData(ud) if ud.is::<LuaExaxError>() => match ud.borrow::<LuaExaxError>() {
            Ok(e) => Caught {
                message: e.text(),
                traceback,
                job: e.job.clone(),
            },
            Err(_) => Caught {
                message: "unknown error".into(),
                traceback,
                job: None,
            },
        },
        mlua::Value::Nil => Caught {
            message: format!("{place}error(nil) was raised"),
            traceback,
            job: None,
        },
        other => {
            let text = lua
                .globals()
                .get::<Function>("tostring")
                .and_then(|ts| ts.call::<String>(other))
                .unwrap_or_else(|_| "an error object".into());
            Caught {
                message: format!("{place}{text}"),
                traceback,
                job: None,
            }
        }
    })
}

/// What an mlua error that escaped a call carries, as a `Caught`.
pub fn caught(e: &mlua::Error) -> Caught {
    Caught {
        message: root_message(e),
        traceback: vec![],
        job: find_job_failure(e),
    }
}

/// Keeps the frames that point into project files; drops C frames and exax's own helpers.
pub fn trim_traceback(tb: &str) -> Vec<String> {
    tb.lines()
        .skip_while(|l| l.trim() == "stack traceback:")
        .map(str::trim)
        .filter(|l| {
            !l.is_empty()
                && !l.starts_with("[C]")
                && !l.starts_with("exax:")
                && !l.starts_with("(...tail calls...)")
                && *l != "stack traceback:"
        })
        .map(str::to_string)
        .collect()
}

fn find_job_failure(e: &mlua::Error) -> Option<Box<JobFailure>> {
    match e {
        mlua::Error::CallbackError { cause, .. } | mlua::Error::WithContext { cause, .. } => find_job_failure(cause),
        mlua::Error::BadArgument { cause, .. } => find_job_failure(cause),
        mlua::Error::ExternalError(ext) => match ext.downcast_ref::<Error>() {
            Some(Error::JobFailed(f)) => Some(f.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// An exax error raised from a Rust callback into Lua.
pub fn to_lua_err(e: Error) -> mlua::Error {
    mlua::Error::external(e)
}

/// A Lua error outside any job (build script, method declarations) as an exax error.
pub fn script_error(e: mlua::Error) -> Error {
    if let Some(f) = find_job_failure(&e) {
        return Error::JobFailed(f);
    }
    if let mlua::Error::CallbackError { cause, .. } = &e {
        if let mlua::Error::ExternalError(ext) = &**cause {
            if let Some(inner) = ext.downcast_ref::<Error>() {
                return Error::build(inner.to_string());
            }
        }
    }
    Error::Script {
        message: root_message(&e),
        traceback: vec![],
    }
}

impl From<Caught> for Error {
    fn from(c: Caught) -> Error {
        match c.job {
            Some(f) => Error::JobFailed(f),
            None => Error::Script {
                message: c.message,
                traceback: c.traceback,
            },
        }
    }
}
