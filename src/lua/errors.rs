//! Lua errors into exax errors: chunks named after their project path, a protected call that keeps
//! the message, the position and a trimmed traceback, and the way back from an exax error raised
//! inside a Rust callback (a failed job stays a failed job through any number of Lua frames).

use mlua::{Function, IntoLuaMulti, Lua, MultiValue};

use crate::error::{Error, JobFailure};

/// The message handler: keeps the error value, the first Lua position above a Rust callback's
/// error, and the traceback.
const PCALL: &str = r#"
local getinfo, traceback, xpcall = debug.getinfo, debug.traceback, xpcall
return function(f, ...)
  return xpcall(f, function(e)
    local where = ''
    if type(e) ~= 'string' then
      for level = 2, 60 do
        local info = getinfo(level, 'Sl')
        if not info then break end
        if info.currentline and info.currentline > 0 and info.source:sub(1, 1) == '@' then
          where = info.source:sub(2) .. ':' .. info.currentline .. ': '
          break
        end
      end
    end
    return {e, traceback(nil, 2), where}
  end, ...)
end
"#;

const PARAM_NAMES: &str = r#"
local getinfo, getlocal = debug.getinfo, debug.getlocal
return function(f)
  local names = {}
  for i = 1, getinfo(f, 'u').nparams do names[i] = getlocal(f, i) end
  return names
end
"#;

pub fn register(lua: &Lua) -> mlua::Result<()> {
    let pcall: Function = lua.load(PCALL).set_name("=exax").eval()?;
    lua.set_named_registry_value("exax.pcall", pcall)?;
    let names: Function = lua.load(PARAM_NAMES).set_name("=exax").eval()?;
    lua.set_named_registry_value("exax.param_names", names)?;
    Ok(())
}

/// A chunk named `@methods/x.lua`, so messages and tracebacks read `methods/x.lua:4:`.
pub struct Chunk;

impl Chunk {
    #[allow(clippy::new_ret_no_self)]
    pub fn new<'a>(lua: &'a Lua, source: &'a str, display: &str) -> mlua::Chunk<'a> {
        lua.load(source).set_name(format!("@{display}"))
    }
}

/// What a failed protected call left.
#[derive(Debug, Clone)]
pub struct Caught {
    pub message: String,
    pub traceback: Vec<String>,
    /// The failure of a job this call built (through `urd:build` or a subjob), if that is the cause.
    pub job: Option<JobFailure>,
}

pub fn pcall(lua: &Lua, f: &Function, args: impl IntoLuaMulti) -> Result<MultiValue, Caught> {
    let wrapper: Function = match lua.named_registry_value("exax.pcall") {
        Ok(w) => w,
        Err(e) => return Err(caught_from_mlua(&e)),
    };
    let mut rets = match wrapper.call::<MultiValue>((f.clone(), args)) {
        Ok(r) => r,
        Err(e) => return Err(caught_from_mlua(&e)),
    };
    let ok = matches!(rets.pop_front(), Some(mlua::Value::Boolean(true)));
    if ok {
        return Ok(rets);
    }
    let Some(mlua::Value::Table(info)) = rets.pop_front() else {
        return Err(Caught { message: "unknown error".into(), traceback: vec![], job: None });
    };
    let value: mlua::Value = info.raw_get(1).unwrap_or(mlua::Value::Nil);
    let traceback: String = info.raw_get(2).unwrap_or_default();
    let place: String = info.raw_get(3).unwrap_or_default();
    let traceback = trim_traceback(&traceback);
    Err(match value {
        mlua::Value::String(s) => Caught { message: s.to_string_lossy(), traceback, job: None },
        mlua::Value::Error(e) => {
            let job = find_job_failure(&e);
            Caught { message: format!("{place}{}", root_message(&e)), traceback, job }
        }
        mlua::Value::Nil => Caught { message: format!("{place}error(nil) was raised"), traceback, job: None },
        other => {
            let text = lua
                .globals()
                .get::<Function>("tostring")
                .and_then(|ts| ts.call::<String>(other))
                .unwrap_or_else(|_| "an error object".into());
            Caught { message: format!("{place}{text}"), traceback, job: None }
        }
    })
}

fn caught_from_mlua(e: &mlua::Error) -> Caught {
    Caught { message: root_message(e), traceback: vec![], job: find_job_failure(e) }
}

/// Keeps the frames that point into project files; drops C frames and exax's own helpers.
pub fn trim_traceback(tb: &str) -> Vec<String> {
    tb.lines()
        .skip_while(|l| l.trim() == "stack traceback:")
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("[C]") && !l.starts_with("exax:") && !l.starts_with("(...tail calls...)") && *l != "stack traceback:")
        .map(str::to_string)
        .collect()
}

/// The innermost message of an mlua error chain, without mlua's own decoration.
pub fn root_message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::CallbackError { cause, .. } => root_message(cause),
        mlua::Error::WithContext { context, cause } => format!("{context}: {}", root_message(cause)),
        mlua::Error::ExternalError(ext) => ext.to_string(),
        mlua::Error::RuntimeError(m) | mlua::Error::SyntaxError { message: m, .. } => m.clone(),
        mlua::Error::BadArgument { to, pos, name, cause } => {
            let what = match name {
                Some(n) => format!("argument #{pos} (`{n}`)"),
                None => format!("argument #{pos}"),
            };
            match to {
                Some(f) => format!("bad {what} to `{f}`: {}", root_message(cause)),
                None => format!("bad {what}: {}", root_message(cause)),
            }
        }
        mlua::Error::FromLuaConversionError { from, to, message } => match message {
            Some(m) => format!("expected {to}, got {from} ({m})"),
            None => format!("expected {to}, got {from}"),
        },
        other => other.to_string(),
    }
}

fn find_job_failure(e: &mlua::Error) -> Option<JobFailure> {
    match e {
        mlua::Error::CallbackError { cause, .. } | mlua::Error::WithContext { cause, .. } => find_job_failure(cause),
        mlua::Error::BadArgument { cause, .. } => find_job_failure(cause),
        mlua::Error::ExternalError(ext) => match ext.downcast_ref::<Error>() {
            Some(Error::JobFailed(f)) => Some((**f).clone()),
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
pub fn script_error(e: mlua::Error, _display: &str) -> Error {
    if let Some(f) = find_job_failure(&e) {
        return Error::JobFailed(Box::new(f));
    }
    if let mlua::Error::CallbackError { cause, .. } = &e {
        if let mlua::Error::ExternalError(ext) = &**cause {
            if let Some(inner) = ext.downcast_ref::<Error>() {
                return Error::Build(inner.to_string());
            }
        }
    }
    Error::Script { message: root_message(&e), traceback: vec![] }
}

impl From<Caught> for Error {
    fn from(c: Caught) -> Error {
        match c.job {
            Some(f) => Error::JobFailed(Box::new(f)),
            None => Error::Script { message: c.message, traceback: c.traceback },
        }
    }
}
