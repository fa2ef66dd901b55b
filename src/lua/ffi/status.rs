//! `update(msg)` of a `status(...)` message as a raw C closure (about 20 ns a call, against
//! 90-150 ns for an mlua callback taking a string): it copies the string into the frame's slot.

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use mlua::{ffi, AnyUserData, Function, LightUserData, Lua};

use crate::status::Frame;

/// The `update` function of one status message: a C closure over the frame's address, kept
/// alive by `keep` (a userdata owning a reference to the frame).
pub fn status_update_fn(lua: &Lua, frame: &Arc<Frame>, keep: &AnyUserData) -> mlua::Result<Function> {
    let ptr = LightUserData(Arc::as_ptr(frame) as *mut c_void);
    // SAFETY: the closure gets two upvalues: the frame's address, and `keep`, which owns a
    // reference to that frame. Lua code cannot reach a C closure's upvalues (only the debug
    // library can, and scripts are trusted, see `state.rs`), so the address stays valid for as
    // long as the closure exists.
    let call: Function = unsafe {
        lua.exec_raw((ptr, keep.clone()), |l| {
            ffi::lua_pushcclosure(l, update_c, 2);
        })
    }?;
    Ok(call)
}

/// `update(msg)`: arguments (the update object, msg); upvalue 1 is the frame's address.
unsafe extern "C-unwind" fn update_c(l: *mut ffi::lua_State) -> c_int {
    // SAFETY: `l` is the running state; upvalue 1 was set in `status_update_fn` to the address of a
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
