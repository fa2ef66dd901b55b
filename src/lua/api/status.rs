//! `status(msg)`: a message in the status tree (CTRL+T, `exax status`) for as long as a scope
//! runs, in methods and build scripts alike.
//!
//! ```lua
//! local update <close> = status('loading')      -- removed when the scope ends, also by error
//! for i, task in ipairs(tasks) do update('task ' .. i) end
//! status('msg', function(update) ... end)        -- removed when the function returns or fails
//! ```
//!
//! The value `status` returns is a table whose metatable has `__call` (update), `__close` (remove
//! the message and anything opened inside it and left open) and `__gc` (a message never closed
//! goes away with its value). Calling it after the close is harmless.
//!
//! `update` is the hot path: a method may call it millions of times. An mlua callback taking a
//! string costs 90-150 ns per call here, so `__call` is a raw `lua_CFunction` (about 20 ns) that
//! copies the string into the message's slot (`ffi/status.rs`); see `bench/status_update.sh`.

use std::sync::Arc;

use mlua::{AnyUserData, Function, Lua, Table, UserData};

use crate::lua::ffi;
use crate::status::{self, Frame};

/// Keeps a message's frame alive for as long as Lua can reach its `update`.
struct FrameRef(Arc<Frame>);

impl UserData for FrameRef {}

const STATUS: &str = r#"
local push, type, error = ...
return function(msg, fn)
  local t = type(msg)
  if t ~= 'string' and t ~= 'number' then
    error('status(msg): msg must be a string, got a ' .. t, 2)
  end
  local update = push(msg)
  if fn == nil then return update end
  if type(fn) ~= 'function' then
    error('status(msg, fn): fn must be a function, got a ' .. type(fn), 2)
  end
  local scope <close> = update
  return fn(update)
end
"#;

pub fn register(lua: &Lua) -> mlua::Result<()> {
    let close = lua.create_function(|_, (t, _err): (Table, mlua::Value)| {
        if let Some(f) = frame_of(&t) {
            status::close(&f);
        }
        Ok(())
    })?;
    let gc = lua.create_function(|_, t: Table| {
        if let Some(f) = frame_of(&t) {
            status::discard(&f);
        }
        Ok(())
    })?;
    let tostring = lua.create_function(|_, t: Table| Ok(format!("status: {}", frame_of(&t).map(|f| f.text()).unwrap_or_default())))?;
    let push = lua.create_function(move |lua, msg: mlua::String| new_update(lua, &msg.as_bytes(), &close, &gc, &tostring))?;
    // Compiled once per process, loaded as bytecode into each state (a job's state is fresh).
    static BYTECODE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let chunk = match BYTECODE.get() {
        Some(bytes) => lua
            .load(bytes.as_slice())
            .set_mode(mlua::ChunkMode::Binary)
            .set_name("=exax")
            .into_function()?,
        None => {
            let f = lua.load(STATUS).set_name("=exax").into_function()?;
            let _ = BYTECODE.set(f.dump(false));
            f
        }
    };
    let status: Function = chunk.call((
        push,
        lua.globals().get::<Function>("type")?,
        lua.globals().get::<Function>("error")?,
    ))?;
    lua.globals().set("status", status)?;
    let exax: Table = match lua.globals().get::<Option<Table>>("exax")? {
        Some(t) => t,
        None => {
            let t = lua.create_table()?;
            lua.globals().set("exax", t.clone())?;
            t
        }
    };
    exax.set("status_tree", lua.create_function(|_, ()| Ok(status::render()))?)?;
    Ok(())
}

/// The frame behind an update object (its metatable is hidden from Lua by `__metatable`).
fn frame_of(t: &Table) -> Option<Arc<Frame>> {
    let mt = t.metatable()?;
    let ud: AnyUserData = mt.raw_get("frame").ok()?;
    let r = ud.borrow::<FrameRef>().ok()?;
    Some(r.0.clone())
}

fn new_update(lua: &Lua, msg: &[u8], close: &Function, gc: &Function, tostring: &Function) -> mlua::Result<Table> {
    let frame = status::push_message(msg);
    let keep = lua.create_userdata(FrameRef(frame.clone()))?;
    let call = ffi::status_update_fn(lua, &frame, &keep)?;
    let update = lua.create_table()?;
    let mt = lua.create_table()?;
    mt.raw_set("__call", call)?;
    mt.raw_set("__close", close.clone())?;
    mt.raw_set("__gc", gc.clone())?;
    mt.raw_set("__tostring", tostring.clone())?;
    mt.raw_set("__metatable", "status")?;
    mt.raw_set("frame", keep)?;
    update.set_metatable(Some(mt))?;
    Ok(update)
}
