//! The hot paths between Lua and datasets, written against Lua's C API (`mlua::ffi`) because
//! mlua's conversions cost more than the work itself (measured here: a userdata method is 64-155 ns
//! a call, a raw `lua_CFunction` 13-47 ns). With making a state (`engine/state.rs`), this folder is
//! the only place in `src/lua/` with `unsafe`; everything it offers the rest of exax is safe:
//!
//! - `WriteFn`: the `write` function of a DatasetWriter handle (`dw:write(a, b, c)`), reading
//!   each argument straight off the Lua stack into a `Cell`;
//! - `row_iterator`: the C closures behind `ds:iterate` (one row per call) and
//!   `ds:iterate_chunks` (tables of many values per call, built with `lua_rawseti`);
//! - dates, datetimes and times as small userdata (`exax.date(...)`), created and read here;
//! - `status_update_fn`: `update(msg)` of a status message.
//!
//! # Errors and `longjmp`
//!
//! Lua raises errors with `longjmp`, which skips Rust destructors. So every C function here does
//! its work in an inner function that returns `Result<_, String>`, and only the outer function,
//! with nothing left to drop, calls `raise`, which frees the message before `lua_error`. The Lua
//! API calls made while Rust values with destructors are alive are ones that cannot raise (reading
//! the stack, `lua_rawgeti`) or that raise only when Lua runs out of memory.

use std::ffi::{c_char, c_int};

mod date;
mod iterate;
mod status;
mod write;

pub use date::{date_constructors, is_null, new_date, null_value};
pub use iterate::{row_iterator, RowSource};
pub use status::status_update_fn;
pub use write::{attach_writer, forget_writer, WriteFn};

use mlua::ffi::{self, lua_State};

/// How deep nested tables may go, written or read.
const MAX_DEPTH: usize = 100;

/// Raises `msg` as a Lua error at the Lua caller's line (`methods/x.lua:5: msg`).
///
/// # Safety
///
/// `l` is the state of the running C function, and no frame between it and Lua may hold a value
/// with a destructor: `lua_error` does not return.
unsafe fn raise(l: *mut lua_State, msg: String) -> ! {
    // SAFETY: luaL_where and lua_pushlstring only push; the message is copied into Lua before
    // the String is dropped, so nothing with a destructor is left when lua_error jumps.
    unsafe {
        ffi::luaL_where(l, 1);
        ffi::lua_pushlstring(l, msg.as_ptr() as *const c_char, msg.len());
        drop(msg);
        ffi::lua_concat(l, 2);
        ffi::lua_error(l)
    }
}

/// The string at `idx`, or None when it is not a string (numbers are not converted).
///
/// # Safety
///
/// `idx` is a valid stack index of `l`; the slice lives as long as the value stays on the stack.
unsafe fn string_at<'a>(l: *mut lua_State, idx: c_int) -> Option<&'a [u8]> {
    // SAFETY: the type check comes first, so lua_tolstring does not convert (and cannot raise);
    // Lua strings are immutable and stay alive while they are on the stack.
    unsafe {
        if ffi::lua_type(l, idx) != ffi::LUA_TSTRING {
            return None;
        }
        let mut len = 0usize;
        let p = ffi::lua_tolstring(l, idx, &mut len);
        Some(std::slice::from_raw_parts(p as *const u8, len))
    }
}

fn type_name(t: c_int) -> &'static str {
    match t {
        ffi::LUA_TTABLE => "a table",
        ffi::LUA_TFUNCTION => "a function",
        ffi::LUA_TUSERDATA => "a userdata",
        ffi::LUA_TTHREAD => "a coroutine",
        ffi::LUA_TLIGHTUSERDATA => "a light userdata",
        _ => "an unknown value",
    }
}
