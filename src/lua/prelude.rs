//! exax's own Lua helpers (`prelude.lua`): the protected call that keeps positions and
//! tracebacks, clean `pcall`/`xpcall`, parameter names, read-only tables, `os.exit` in methods.
//! Compiled once per process and loaded as bytecode into every state, because a job's state
//! is made fresh for every job.

use std::sync::OnceLock;

use mlua::{ChunkMode, Function, Lua, Table};

use super::errors::root_message;

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
