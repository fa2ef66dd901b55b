//! exax's own Lua helpers (`prelude.lua`): the protected call that keeps positions and
//! tracebacks, clean `pcall`/`xpcall`, parameter names, read-only tables, `os.exit` in methods.
//! Compiled once per process and loaded as bytecode into every state, because a job's state
//! is made fresh for every job.

use std::sync::OnceLock;

use mlua::{ChunkMode, Function, Lua, Table};

const SOURCE: &str = include_str!("prelude.lua");
const REGISTRY_KEY: &str = "exax.prelude";

static BYTECODE: OnceLock<Vec<u8>> = OnceLock::new();

pub fn register(lua: &Lua) -> mlua::Result<()> {
    let chunk = match BYTECODE.get() {
        Some(bytes) => lua
            .load(bytes.as_slice())
            .set_mode(ChunkMode::Binary)
            .set_name("=exax")
            .into_function()?,
        None => {
            let f = lua.load(SOURCE).set_name("=exax").into_function()?;
            let _ = BYTECODE.set(f.dump(false));
            f
        }
    };
    let error_text = lua.create_function(|_, v: mlua::Value| {
        Ok(match v {
            mlua::Value::Error(e) => Some(root_message(&e)),
            _ => None,
        })
    })?;
    let g = lua.globals();
    let debug: Table = g.get("debug")?;
    let helpers: Table = chunk.call((
        error_text,
        debug.get::<Function>("getinfo")?,
        debug.get::<Function>("traceback")?,
        debug.get::<Function>("getlocal")?,
        g.get::<Function>("xpcall")?,
        g.get::<Function>("type")?,
        g.get::<Function>("error")?,
        g.get::<Function>("tostring")?,
    ))?;
    lua.set_named_registry_value(REGISTRY_KEY, helpers)
}

/// One of the helpers of `prelude.lua`.
pub fn helper(lua: &Lua, name: &str) -> mlua::Result<Function> {
    lua.named_registry_value::<Table>(REGISTRY_KEY)?.get(name)
}

/// The innermost message of an mlua error chain, without mlua's own decoration.
pub fn root_message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::CallbackError { cause, .. } => root_message(cause),
        mlua::Error::WithContext { context, cause } => format!("{context}: {}", root_message(cause)),
        mlua::Error::ExternalError(ext) => ext.to_string(),
        mlua::Error::RuntimeError(m) | mlua::Error::SyntaxError { message: m, .. } => {
            // mlua appends a traceback to runtime errors; exax shows its own, trimmed.
            m.split("\nstack traceback:").next().unwrap_or(m).to_string()
        }
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
