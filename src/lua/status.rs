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
//! copies the string into the message's slot; see `bench/status_update.sh`.

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use mlua::{ffi, AnyUserData, Function, LightUserData, Lua, Table, UserData};

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
    let status: Function = lua.load(STATUS).set_name("=exax").call((
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
    let ptr = LightUserData(Arc::as_ptr(&frame) as *mut c_void);
    // SAFETY: the closure gets two upvalues: the frame's address, and `keep`, which owns a
    // reference to that frame. Lua code cannot reach a C closure's upvalues (only the debug
    // library can, and scripts are trusted, see `state.rs`), so the address stays valid for as
    // long as the closure exists.
    let call: Function = unsafe {
        lua.exec_raw((ptr, keep.clone()), |l| {
            ffi::lua_pushcclosure(l, update_c, 2);
        })
    }?;
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

/// `update(msg)`: arguments (the update object, msg); upvalue 1 is the frame's address.
unsafe extern "C-unwind" fn update_c(l: *mut ffi::lua_State) -> c_int {
    // SAFETY: `l` is the running state; upvalue 1 was set in `new_update` to the address of a
    // frame kept alive by upvalue 2; index 2 is the message argument (or none).
    unsafe {
        let frame = ffi::lua_touserdata(l, ffi::lua_upvalueindex(1)) as *const Frame;
        let t = ffi::lua_type(l, 2);
        if (t == ffi::LUA_TSTRING || t == ffi::LUA_TNUMBER) && !frame.is_null() {
            let mut len = 0usize;
            let p = ffi::lua_tolstring(l, 2, &mut len);
            if !p.is_null() {
                (*frame).set_text(std::slice::from_raw_parts(p as *const u8, len));
                return 0;
            }
        }
        bad_update(l, t)
    }
}

/// Raises `file:line: update(msg): msg must be a string, got a nil`.
///
/// # Safety
/// `l` is the running state inside a C function. lua_error unwinds with longjmp over this frame,
/// which is sound only because no Rust value with a destructor is alive here (the messages are
/// static C strings).
unsafe fn bad_update(l: *mut ffi::lua_State, t: c_int) -> ! {
    const PREFIX: &[u8] = b"update(msg): msg must be a string, got a \0";
    // SAFETY: see the function's contract; every pointer is a NUL-terminated static string.
    unsafe {
        ffi::luaL_where(l, 1);
        ffi::lua_pushstring(l, PREFIX.as_ptr() as *const c_char);
        ffi::lua_pushstring(l, ffi::lua_typename(l, t));
        ffi::lua_concat(l, 3);
        ffi::lua_error(l)
    }
}
