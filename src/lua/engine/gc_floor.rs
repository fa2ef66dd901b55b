//! The GC floor: every Lua state holds one untouched 1 MiB block that Lua counts as in use, so
//! a state with a small heap does not run a collection cycle every few kilobytes.
//!
//! Lua 5.4 starts the next cycle when its heap reaches `pause` (200%) of what the last one left
//! alive. A job's state holds about 50 KiB, so a loop that makes short-lived strings (W2's
//! `'k' .. i % 1000`) ran a full cycle every few hundred rows, and every cycle freed the strings
//! the next rows made again: GC and `malloc`/`free` were a third of such a loop. With the floor a
//! small state lets about 1 MiB of garbage build up between cycles, and strings that are made
//! again are found alive in Lua's string table. A large heap is collected as before.
//!
//! The block is a full userdata that Lua never initialises; the allocator gets it from the
//! system with `mmap`, so it costs address space (and 1 MiB of the state's memory budget), not
//! resident memory.

use mlua::{AnyUserData, Lua};

/// Bytes Lua counts as in use for the floor.
pub const FLOOR: usize = 1 << 20;

const KEY: &str = "exax.gc_floor";

/// Gives `lua` its floor (kept in the registry for the life of the state).
pub fn install(lua: &Lua) -> mlua::Result<()> {
    // SAFETY: the closure pushes one new userdata (which may raise "not enough memory"; exec_raw
    // runs it protected) and leaves it as the only result. Its bytes are never read or written.
    let block: AnyUserData = unsafe {
        lua.exec_raw((), |l| {
            mlua::ffi::lua_newuserdatauv(l, FLOOR, 0);
        })?
    };
    lua.set_named_registry_value(KEY, block)
}
